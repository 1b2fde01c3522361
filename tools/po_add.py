"""Add or update Chinese catalogue entries and recompile, safely while others do the same.

Usage: .venv/bin/python tools/po_add.py FILE.json   where FILE.json is [{"msgid": "...", "msgstr": "...",
"msgctxt": null, "msgid_plural": null, "msgstr_plural": {"0": "..."}}]. Entries already present are
updated. `make messages` afterwards re-extracts, keeps these translations and drops unused ones.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "src/liuke/locale/zh_Hans/LC_MESSAGES/django.po"


def main(path: str) -> int:
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    with open(PO.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        po = polib.pofile(str(PO), wrapwidth=79)
        added = updated = 0
        for item in entries:
            ctx = item.get("msgctxt")
            found = po.find(item["msgid"], msgctxt=ctx) if ctx else po.find(item["msgid"])
            if found is not None and ctx is None and found.msgctxt:
                found = None
            plural = item.get("msgid_plural")
            if found is None:
                found = polib.POEntry(msgid=item["msgid"], msgctxt=ctx)
                po.append(found)
                added += 1
            else:
                updated += 1
            if plural:
                found.msgid_plural = plural
                found.msgstr_plural = {int(k): v for k, v in item["msgstr_plural"].items()}
            else:
                found.msgstr = item["msgstr"]
            if "fuzzy" in found.flags:
                found.flags.remove("fuzzy")
        po.save(str(PO))
        subprocess.run(["msgfmt", "-o", str(PO.with_suffix(".mo")), str(PO)], check=True)
    print(f"{added} added, {updated} updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

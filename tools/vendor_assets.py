"""Copy the front-end libraries installed by npm into liuke's static tree.

Run after ``npm ci``; the web UI then serves them itself (no CDN, intranet-safe).
"""

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
DEST = ROOT / "src" / "liuke" / "static" / "vendor"

FILES = {
    "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "bootstrap/dist/css/bootstrap.min.css.map": "bootstrap/bootstrap.min.css.map",
    "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    "bootstrap/dist/js/bootstrap.bundle.min.js.map": "bootstrap/bootstrap.bundle.min.js.map",
    "bootstrap-icons/font/bootstrap-icons.min.css": "bootstrap-icons/bootstrap-icons.min.css",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff2": "bootstrap-icons/fonts/bootstrap-icons.woff2",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff": "bootstrap-icons/fonts/bootstrap-icons.woff",
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "echarts/dist/echarts.min.js": "echarts/echarts.min.js",
}

# China's provinces (GeoJSON from the MIT-licensed ``china-geojson`` package) for the alert pages' map. Its
# features carry the two-digit GB/T 2260 province prefix as ``id`` (Hong Kong and Macao none); liuke names
# provinces by their six-digit division code, so each feature gets ``code`` (``320000``) here, once.
CHINA_SRC = "china-geojson/src/geojson/china.json"
CHINA_DEST = "china-geojson/china-provinces.json"
NAMED_WITHOUT_ID = {"香港": "81", "澳门": "82"}


def province_code(properties: dict) -> str:
    """The six-digit GB/T 2260 code of a province feature (``nanhai`` for the South China Sea islands inset)."""
    prefix = str(properties.get("id") or "") or NAMED_WITHOUT_ID.get(properties.get("name", ""), "")
    prefix = prefix[:2]
    return f"{prefix}0000" if len(prefix) == 2 and prefix.isdigit() else "nanhai"


def china_provinces(source: Path, target: Path) -> int:
    data = json.loads(source.read_text(encoding="utf-8"))
    for feature in data["features"]:
        props = feature.setdefault("properties", {})
        props["code"] = province_code(props)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return len(data["features"])


def main() -> int:
    missing = [src for src in [*FILES, CHINA_SRC] if not (NODE / src).exists()]
    if missing:
        print(f"missing front-end files (run `npm ci` first): {', '.join(missing)}", file=sys.stderr)
        return 2
    for src, dest in FILES.items():
        target = DEST / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE / src, target)
    provinces = china_provinces(NODE / CHINA_SRC, DEST / CHINA_DEST)
    print(f"copied {len(FILES)} front-end files and a map of {provinces} provinces into {DEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from liuke.core import changelog


class Command(BaseCommand):
    help = "Recompute the change log's hash chain and name the first broken entry (exit 1 when broken)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, **options):
        result = changelog.verify_chain()
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        elif result.ok:
            self.stdout.write(
                self.style.SUCCESS(_("Change log intact: %(n)d entries verified.") % {"n": result.checked})
            )
        else:
            self.stderr.write(
                _("Change log BROKEN at entry #%(seq)s: %(reason)s (%(n)d entries before it are intact).")
                % {"seq": result.broken_seq, "reason": result.reason, "n": result.checked}
            )
        if not result.ok:
            raise SystemExit(1)

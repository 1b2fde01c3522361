import functools
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liuke.core import registry
from liuke.core.changelog import change_context
from liuke.core.choices import ChangeSource
from liuke.core.exports import FORMATS
from liuke.core.visibility import SYSTEM


class Command(BaseCommand):
    help = "Export data through the export gate (every export is logged)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(registry.exporters()))
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument("--as", dest="as_user", help="export only what this login may see")
        parser.add_argument("--period", help="flow: one month, YYYY-MM")

    def handle(self, *args, **options):
        viewer, actor = SYSTEM, None
        if options["as_user"]:
            actor = get_user_model().objects.filter(username=options["as_user"]).first()
            if actor is None:
                raise CommandError(_("No login named %(name)s.") % {"name": options["as_user"]}, returncode=2)
            viewer = actor
        export = registry.exporters()[options["kind"]].load()
        if options.get("period"):
            if "period" not in registry.exporters()[options["kind"]].options:
                raise CommandError(
                    _("--%(option)s does not apply to %(kind)s.") % {"option": "period", "kind": options["kind"]},
                    returncode=2,
                )
            export = functools.partial(export, period=options["period"])
        target = options["output"]
        with change_context(source=ChangeSource.CLI, actor=actor):
            if target:
                path = Path(target)
                if not path.parent.exists():
                    raise CommandError(_("No such folder: %(dir)s") % {"dir": path.parent}, returncode=2)
                with path.open("wb") as out:
                    log = export(viewer=viewer, fmt=options["format"], out=out)
                self.stderr.write(_("%(n)d rows written to %(path)s") % {"n": log.rows, "path": path})
            else:
                export(viewer=viewer, fmt=options["format"], out=sys.stdout.buffer)
                sys.stdout.flush()

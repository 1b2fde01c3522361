import functools
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liuke.core.changelog import change_context
from liuke.core.choices import ChangeSource
from liuke.core.exports import FORMATS
from liuke.core.visibility import SYSTEM

# KIND -> "module:function(viewer=, fmt=, out=)"; later apps add theirs.
EXPORTERS = {
    "customers": "liuke.customers.exports:customer_export",
    "flow": "liuke.channel.exports:flow_export",
}


class Command(BaseCommand):
    help = "Export data through the export gate (every export is logged)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(EXPORTERS))
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument("--as", dest="as_user", help="export only what this login may see")
        parser.add_argument("--period", help="flow: one month, YYYY-MM")

    def handle(self, *args, **options):
        from importlib import import_module

        viewer, actor = SYSTEM, None
        if options["as_user"]:
            actor = get_user_model().objects.filter(username=options["as_user"]).first()
            if actor is None:
                raise CommandError(_("No login named %(name)s.") % {"name": options["as_user"]}, returncode=2)
            viewer = actor
        module, func = EXPORTERS[options["kind"]].split(":")
        export = getattr(import_module(module), func)
        if options.get("period"):
            if options["kind"] != "flow":
                raise CommandError(_("--period is for flow exports only."), returncode=2)
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

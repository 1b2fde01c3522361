import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liuke.alerts import engine, registry
from liuke.alerts.choices import RunMode


class Command(BaseCommand):
    help = "Run the screening rules now (all, or those named) and reconcile their alerts."

    def add_arguments(self, parser):
        parser.add_argument("rules", nargs="*", help="rule names (default: every enabled rule)")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, **options):
        try:
            result = engine.screen(options["rules"] or None, mode=RunMode.MANUAL)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        for name, seconds in result.timings.items():
            rule = registry.get(name)
            self.stdout.write(f"{name:<22} {rule.title if rule else name}  {seconds:.2f} s")
        self.stdout.write(
            _("%(findings)d findings: %(opened)d new alerts, %(reopened)d reopened, %(closed)d no longer observed.")
            % {
                "findings": result.findings,
                "opened": len(result.opened),
                "reopened": len(result.reopened),
                "closed": result.closed,
            }
        )

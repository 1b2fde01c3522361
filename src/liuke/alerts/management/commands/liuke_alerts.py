import json

from django.core.management.base import BaseCommand, CommandError

from liuke.alerts import registry
from liuke.alerts.choices import LIVE_STATUSES, AlertStatus, Severity
from liuke.alerts.exports import alert_document
from liuke.alerts.models import Alert


class Command(BaseCommand):
    help = "List alerts (open ones by default); --format json for scripts (INTERFACES.md)."

    def add_arguments(self, parser):
        parser.add_argument("--rule", action="append", default=[], help="only this rule (repeatable)")
        parser.add_argument("--status", action="append", default=[], help="only this status (default: open work)")
        parser.add_argument("--severity", action="append", default=[])
        parser.add_argument("--all", action="store_true", help="every status")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, **options):
        bad = [r for r in options["rule"] if registry.get(r) is None]
        bad += [s for s in options["status"] if s not in AlertStatus.values]
        bad += [s for s in options["severity"] if s not in Severity.values]
        if bad:
            raise CommandError(f"unknown value(s): {', '.join(bad)}", returncode=2)
        qs = Alert.objects.select_related("customer", "employee", "distributor", "assignee").order_by(
            "-opened_at", "-pk"
        )
        if options["rule"]:
            qs = qs.filter(rule__in=options["rule"])
        if options["status"]:
            qs = qs.filter(status__in=options["status"])
        elif not options["all"]:
            qs = qs.filter(status__in=LIVE_STATUSES)
        if options["severity"]:
            qs = qs.filter(severity__in=options["severity"])
        if options["format"] == "json":
            self.stdout.write(json.dumps({"alerts": [alert_document(a) for a in qs.iterator()]}, ensure_ascii=False))
            return
        for a in qs.iterator():
            self.stdout.write(f"#{a.pk:<6} {a.severity:<6} {a.status:<13} {a.rule:<20} {a.title}")

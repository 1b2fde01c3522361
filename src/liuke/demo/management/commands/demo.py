import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liuke.core.maintenance import refresh_planner_statistics
from liuke.core.models import ChangeLogEntry
from liuke.customers.models import AccountTeamMember, Contact, ContactKnower
from liuke.demo.generator import DEMO_PASSWORD, SCALES, demo_build
from liuke.interactions.models import FollowUp, MarketIntel, PlannedVisit, Problem, RecordCard
from liuke.org.models import Employee


class Command(BaseCommand):
    help = "Create the demo company (deterministic for a seed) in an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="do nothing (exit 0) when data already exists")

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if Employee.objects.exists():
            if options["if_empty"]:
                self.stdout.write(_("The database already has data; the demo company was not loaded."))
                self._print_logins()
                return
            raise CommandError(
                _("The database already has employees; the demo only loads into an empty one."), returncode=2
            )
        started = time.monotonic()
        report = demo_build(scale=options["scale"], seed=options["seed"])
        refresh_planner_statistics()
        self.stdout.write(
            _(
                "Demo company (%(scale)s, seed %(seed)d): %(e)d employees, %(d)d departments, %(t)d territories, "
                "%(c)d customers in %(s).1f s."
            )
            % {
                "scale": options["scale"],
                "seed": options["seed"],
                "e": report.employees,
                "d": report.departments,
                "t": report.territories,
                "c": report.customers,
                "s": time.monotonic() - started,
            }
        )
        # Counts under the models' own (translated) names: no new strings for the catalogue.
        parts = [
            (AccountTeamMember, report.team_members),
            (Contact, report.contacts),
            (ContactKnower, report.knowers),
        ]
        if report.cards is not None:
            cards = report.cards
            parts += [
                (RecordCard, cards.cards),
                (Problem, cards.problems),
                (FollowUp, cards.follow_ups),
                (MarketIntel, cards.intel),
                (PlannedVisit, cards.planned_visits),
            ]
        parts.append((ChangeLogEntry, ChangeLogEntry.objects.count()))
        self.stdout.write("  " + " · ".join(f"{m._meta.verbose_name_plural} {n:,}" for m, n in parts))
        if report.screening is not None:  # the build ends with a full screening of what it planted
            count = len(report.screening.opened)
            self.stdout.write(
                ngettext(
                    "The alert inbox holds %(count)d open alert.", "The alert inbox holds %(count)d open alerts.", count
                )
                % {"count": count}
            )
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(_("Demo logins (password for all: %(pw)s):") % {"pw": DEMO_PASSWORD})
        for username in ("admin", "director", "manager", "rep", "auditor"):
            employee = Employee.objects.filter(user__username=username).select_related("department").first()
            if employee:
                self.stdout.write(
                    f"  {username:<9} {employee.name} · {employee.get_role_display()} · {employee.department.name}"
                )

"""What the demo company plants for its screening rules to find, and the clean records it puts beside them.

The demo's channel and archive are clean by construction (buyers inside their distributor's area, prices at
or above the floors, stock that covers the sell-out, licences valid for a while yet, files on time), and on
top of that each rule gets a few deliberate anomalies and, right beside each, a record that only just stays
clean (a sale just inside the area, a price exactly at the floor, a licence running out in 31 days). Each is
written down as a :class:`Plant` with the keys a person (or a test) looks it up by: the customer's code, the
distributor's, the flow file and its row, the sell-in document number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Plant:
    rule: str  # the rule that must find it (anomaly) or must leave it alone (clean)
    anomaly: bool  # False: a clean control planted beside an anomaly
    what: str  # what was planted, in a sentence (failure messages, the demo's own report)
    subject: str = ""  # code of the customer the alert is about (a distributor for most channel rules)
    distributor: str = ""  # code of the distributor whose file or sell-in holds it
    buyer: str = ""  # a flow line's buyer (terminal code)
    product: str = ""  # product code
    batch: str = ""
    file: str = ""  # a flow line's file and row, as the distributor's spreadsheet has them
    row: int | None = None
    doc_no: str = ""  # a sell-in (shipment) document
    period: str = ""  # a flow file's month, YYYY-MM
    ref: int | None = None  # the planted record's id (a follow-up, a problem, a contact) where no code names it


def anomalies(plants: list[Plant], rule: str | None = None) -> list[Plant]:
    return [p for p in plants if p.anomaly and (rule is None or p.rule == rule)]


def cleans(plants: list[Plant], rule: str | None = None) -> list[Plant]:
    return [p for p in plants if not p.anomaly and (rule is None or p.rule == rule)]


# --- the archive: planted as the customers are planned ------------------------------------------------------

LICENCE = "drug_trading_license_expiry"
CERTIFICATE = "gsp_certificate_expiry"
# (field, days from the build day, anomaly, what): a licence running out, one run out, the last day inside the
# 30-day window and the first day outside it.
LICENCES = [
    (LICENCE, 12, True, "licence runs out in 12 days"),
    (LICENCE, -20, True, "licence ran out 20 days ago"),
    (CERTIFICATE, 30, True, "certificate runs out in 30 days, the last day of the window"),
    (LICENCE, 31, False, "licence runs out in 31 days, just outside the window"),
]
LICENSED_KINDS = ("pharmacy", "distributor")


class ArchivePlanter:
    """Plants in the customer archive while the generator plans the customers, in its order (the `rep` login's
    customers come first, then the rest of the login's team, then the next team's).

    - the login's customers: one with nobody but the develop rep (single-threaded), one with two people in the
      same role (single-threaded too), one with two people in two roles (clean); a key contact only the develop
      rep knows, and one both people on the team know; licences running out and one just outside the window;
    - the next team's customers: two whose account team ended (nobody looks after them), and one whose team
      ended too but two colleagues took it over (clean).
    """

    def __init__(self, today: dt.date):
        self.today = today
        self.licences = list(LICENCES)
        self.teams = ["alone", "same_role", "two_roles"]
        self.orphans: list[int | None] = [20, 75, None]  # days since the team ended (None: taken over)
        self.contacts = [True, False]  # a lonely key contact, then a well-known one
        self.planted: list[Plant] = []
        self.contact_plants: list[tuple[Any, str, bool, str]] = []  # (contact, customer code, anomaly, what)

    def team(self, planned: Any, *, lead: Any, reps: list[Any], squad: int) -> bool:
        """Change the account team of a planned customer if it is the next to plant; True when it did."""
        customer = planned.customer
        if customer.status != "active":
            return False
        develop, _role, since = planned.team[0]
        others = [r for r in reps if r != develop]
        if squad == 0 and self.teams and develop == reps[0] and others:
            kind = self.teams.pop(0)
            later = since + dt.timedelta(days=30)
            if kind == "alone":
                planned.team = [(develop, "develop", since)]
                self.add("single_threaded", True, "nobody but the develop rep", customer.code)
            elif kind == "same_role":
                planned.team = [(develop, "develop", since), (others[0], "develop", later)]
                self.add("single_threaded", True, "two people, both in the develop role", customer.code)
            else:
                planned.team = [(develop, "develop", since), (lead, "manager", later)]
                self.add("single_threaded", False, "two people in two roles", customer.code)
            return True
        if squad == 1 and self.orphans and others:
            ended_days = self.orphans.pop(0)
            if ended_days is not None:
                ended = self.today - dt.timedelta(days=ended_days)
                planned.team = [(e, r, min(s, ended)) for e, r, s in planned.team]
                planned.until = {i: ended for i in range(len(planned.team))}
                self.add("uncovered", True, f"its account team ended {ended_days} days ago", customer.code)
            else:
                ended = self.today - dt.timedelta(days=60)
                took_over = ended + dt.timedelta(days=1)
                planned.team = [
                    (develop, "develop", min(since, ended)),
                    (others[0], "develop", took_over),
                    (lead, "manager", took_over),
                ]
                planned.until = {0: ended}
                self.add("uncovered", False, "its rep left the account, two colleagues took it over", customer.code)
                self.add("single_threaded", False, "taken over by two people in two roles", customer.code)
            return True
        return False

    def archive(self, planned: Any, *, squad: int) -> None:
        """Licence dates and who knows the key contacts, on the next customers that can carry them."""
        customer = planned.customer
        if customer.status != "active" or squad != 0:
            return
        if self.licences and customer.kind in LICENSED_KINDS:
            key, days, anomaly, what = self.licences.pop(0)
            customer.fields = {**(customer.fields or {}), key: (self.today + dt.timedelta(days=days)).isoformat()}
            self.add("licence_expiring", anomaly, what, customer.code)
            return
        if self.contacts and len({e for e, _r, _s in planned.team}) >= 2:
            keys = [(c, known) for c, known in planned.contacts if c.is_key]
            if not keys:
                return
            contact, known = keys[0]
            develop, second = planned.team[0][0], planned.team[1][0]
            lonely = self.contacts.pop(0)
            known[:] = [(develop, 3)] if lonely else [(develop, 3), (second, 2)]
            what = "a key contact only the develop rep knows" if lonely else "a key contact both colleagues know"
            self.contact_plants.append((contact, customer.code, lonely, what))

    def add(self, rule: str, anomaly: bool, what: str, code: str) -> None:
        self.planted.append(Plant(rule=rule, anomaly=anomaly, what=what, subject=code))

    def plants(self) -> list[Plant]:
        """What was planted (call after the customers are written: contacts have their ids then)."""
        return self.planted + [
            Plant(rule="key_contact_single", anomaly=anomaly, what=what, subject=code, ref=contact.pk)
            for contact, code, anomaly, what in self.contact_plants
        ]


# --- the work: the boundary pairs the demo's own records make ------------------------------------------------


def threshold(rule: str, key: str) -> Any:
    """A rule's threshold as the screening reads it (the admin's setting, else the default)."""
    from liuke.alerts import registry
    from liuke.alerts.models import RuleSetting

    found = registry.get(rule)
    if found is None:
        return None
    setting = RuleSetting.objects.filter(rule=rule).first()
    return registry.RunContext(rule=found, settings=setting.params if setting else {}).value(key)


def work_plants(today: dt.date) -> list[Plant]:
    """For the rules about the archive's completeness and the follow-up work, the demo's own records already
    hold anomalies and clean ones: this names the pair on either side of each rule's line (the most complete
    archive below the handover score and the least complete one at or above it; the grade-A customer contacted
    most recently but too long ago and the one contacted longest ago but still in time; the follow-up overdue
    by the fewest days and one due today; the problem open just too long and the oldest one still in time)."""
    from django.utils import timezone

    from liuke.customers.models import Customer
    from liuke.interactions.choices import OPEN_PROBLEM_STATUSES, FollowUpStatus
    from liuke.interactions.models import FollowUp, Problem

    plants: list[Plant] = []
    active = Customer.objects.filter(archived_at__isnull=True, status="active")

    score = threshold("archive_incomplete", "threshold")
    if score is not None:
        below = active.filter(completeness__lt=score).order_by("-completeness", "code").first()
        above = active.filter(completeness__gte=score).order_by("completeness", "code").first()
        for customer, anomaly in ((below, True), (above, False)):
            if customer is not None:
                plants.append(
                    Plant(
                        rule="archive_incomplete",
                        anomaly=anomaly,
                        subject=customer.code,
                        what=f"archive {customer.completeness}% complete (handover score {score})",
                    )
                )

    cadence = threshold("contact_overdue", "cadence_a")
    if cadence is not None:
        cutoff = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=int(cadence)), dt.time.min))
        graded = active.filter(grade="A", last_contact_at__isnull=False)
        late = graded.filter(last_contact_at__lt=cutoff).order_by("-last_contact_at", "code").first()
        in_time = graded.filter(last_contact_at__gte=cutoff).order_by("last_contact_at", "code").first()
        for customer, anomaly in ((late, True), (in_time, False)):
            if customer is not None:
                day = timezone.localtime(customer.last_contact_at).date()
                plants.append(
                    Plant(
                        rule="contact_overdue",
                        anomaly=anomaly,
                        subject=customer.code,
                        what=f"grade A, last contact {(today - day).days} days ago (cadence {cadence})",
                    )
                )

    steps = FollowUp.objects.filter(status=FollowUpStatus.OPEN, archived_at__isnull=True, customer__archived_at=None)
    overdue = steps.filter(due__lt=today).order_by("-due", "pk").select_related("customer").first()
    due_today = steps.filter(due__gte=today).order_by("due", "pk").select_related("customer").first()
    for step, anomaly in ((overdue, True), (due_today, False)):
        if step is not None:
            plants.append(
                Plant(
                    rule="follow_up_overdue",
                    anomaly=anomaly,
                    subject=step.customer.code,
                    ref=step.pk,
                    what=f"follow-up due {step.due.isoformat()}",
                )
            )

    days = threshold("problem_open_long", "days")
    if days is not None:
        since = today - dt.timedelta(days=int(days))
        problems = Problem.objects.filter(
            status__in=OPEN_PROBLEM_STATUSES, archived_at__isnull=True, customer__archived_at=None
        ).select_related("customer")
        long_open = problems.filter(raised_on__lt=since).order_by("-raised_on", "pk").first()
        young = problems.filter(raised_on__gte=since).order_by("raised_on", "pk").first()
        for problem, anomaly in ((long_open, True), (young, False)):
            if problem is not None:
                plants.append(
                    Plant(
                        rule="problem_open_long",
                        anomaly=anomaly,
                        subject=problem.customer.code,
                        ref=problem.pk,
                        what=f"problem raised {problem.raised_on.isoformat()}",
                    )
                )
    return plants

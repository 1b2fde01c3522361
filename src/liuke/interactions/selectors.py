"""Reads of record cards, problems, follow-ups and plans; every one starts from core.visibility."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from liuke.core import visibility
from liuke.customers.completeness import cadence_days
from liuke.customers.models import AccountTeamMember, Contact, Customer
from liuke.customers.selectors import current_team_q, due_for_contact_q
from liuke.org.models import Department, Employee

from . import services
from .choices import AMENDABLE_FIELDS, CardStatus, FollowUpStatus
from .models import (
    OPEN_PROBLEM_Q,
    CardAmendment,
    FollowUp,
    MarketIntel,
    PlannedVisit,
    Problem,
    RecordCard,
    VisitPlan,
    card_field_label,
)
from .services import week_start_of


def viewer_employee(viewer: Any) -> Employee | None:
    scope = visibility.scope_for(viewer)
    if scope.employee_id is None:
        return None
    return Employee.objects.filter(pk=scope.employee_id).select_related("department").first()


def visible_cards(*, viewer: Any) -> QuerySet[RecordCard]:
    """Submitted cards of customers the viewer sees, and the viewer's own drafts (drafts are private)."""
    return visibility.restrict(viewer, RecordCard).filter(archived_at__isnull=True)


def attach_people(cards: list[RecordCard]) -> list[RecordCard]:
    """Resolve each card's colleagues and contacts met (two queries for any number of cards)."""
    colleagues = Employee.objects.in_bulk({i for c in cards for i in c.colleague_ids})
    contacts = Contact.objects.in_bulk({i for c in cards for i in c.contact_ids})
    for c in cards:
        c.colleagues = [colleagues[i] for i in c.colleague_ids if i in colleagues]  # type: ignore[attr-defined]
        c.contacts_met = [contacts[i] for i in c.contact_ids if i in contacts]  # type: ignore[attr-defined]
    return cards


def cards_of_customer(*, viewer: Any, customer_ids: list[int]) -> QuerySet[RecordCard]:
    """The cards of customers the caller fetched through visibility: whoever sees a customer sees its
    submitted cards (the same rule), so the rule is not joined again; drafts stay with their author."""
    cards = RecordCard.objects.filter(customer_id__in=customer_ids, archived_at__isnull=True)
    return visibility.filter_rule(cards, visibility.always_rule(viewer, RecordCard))


def card_shown_to(*, viewer: Any, card: RecordCard) -> bool:
    """Whether a card fetched through visibility may be shown: drafts only to their author."""
    return card.status == CardStatus.SUBMITTED or card.author_id == visibility.scope_for(viewer).employee_id


def customer_cards(*, viewer: Any, customer: Customer) -> QuerySet[RecordCard]:
    """A customer's cards, newest first (the card timeline; paginate it). ``customer`` was fetched
    through visibility."""
    return (
        cards_of_customer(viewer=viewer, customer_ids=[customer.pk])
        .select_related("author")
        .annotate(n_attachments=Count("attachments", filter=Q(attachments__archived_at__isnull=True)))
        .annotate(n_amendments=Count("amendments", distinct=True))
        .order_by("-occurred_at", "-id")
    )


@dataclass
class CardView:
    card: RecordCard
    texts: dict[str, str]
    amendments: list[CardAmendment]
    problems_raised: list[Problem]
    problems_resolved: list[Problem]
    follow_ups: list[FollowUp]
    follow_ups_done: list[FollowUp]
    intel: list[MarketIntel]
    attachments: list[Any]
    next_step_owners: dict[int, Employee] = field(default_factory=dict)


def card_view(*, card: RecordCard) -> CardView:
    """Everything a card's page shows (the card itself was fetched through visibility)."""
    amendments = list(card.amendments.select_related("author").order_by("created_at", "id"))
    running = {key: getattr(card, key) for key in AMENDABLE_FIELDS}
    for a in amendments:  # each amendment shown as what it changed from what it read
        a.rows = [  # type: ignore[attr-defined]
            (card_field_label(k), running[k], new) for k, new in a.changes.items()
        ]
        running.update(a.changes)
    attach_people([card])
    return CardView(
        card=card,
        texts=running,  # after the last amendment: the card as amended
        amendments=amendments,
        problems_raised=list(card.problems.select_related("owner", "resolved_by")),
        problems_resolved=list(Problem.objects.filter(pk__in=card.resolved_problem_ids).select_related("card")),
        follow_ups=list(card.follow_ups.select_related("owner", "done_by")),
        follow_ups_done=list(FollowUp.objects.filter(pk__in=card.done_follow_up_ids).select_related("owner")),
        intel=list(card.intel_rows.all()),
        attachments=list(card.attachments.filter(archived_at__isnull=True)),
        next_step_owners=Employee.objects.in_bulk({s["owner"] for s in card.next_steps}),
    )


def open_problems(*, viewer: Any, customer: Customer | None = None) -> QuerySet[Problem]:
    """Open problems the viewer may see; of one customer (fetched through visibility, so its problems
    are visible by the same rule and the rule is not joined again), or of all."""
    base = Problem.objects.all() if customer is not None else visibility.restrict(viewer, Problem)
    qs = base.filter(OPEN_PROBLEM_Q, archived_at__isnull=True)
    if customer is not None:
        qs = qs.filter(customer=customer)
    return qs.select_related("owner", "card", "customer").order_by("raised_on", "id")


def open_follow_ups(*, viewer: Any, customer: Customer | None = None) -> QuerySet[FollowUp]:
    """Open follow-ups the viewer may see; of one customer (fetched through visibility), or of all."""
    base = FollowUp.objects.all() if customer is not None else visibility.restrict(viewer, FollowUp)
    qs = base.filter(status=FollowUpStatus.OPEN, archived_at__isnull=True)
    if customer is not None:
        qs = qs.filter(customer=customer)
    return qs.select_related("owner", "customer", "card").order_by("due", "id")


# --- contact cadence ------------------------------------------------------------------------------


def my_customers(*, employee: Employee) -> QuerySet[Customer]:
    """Customers the employee is currently on the account team of."""
    members = AccountTeamMember.objects.filter(current_team_q(), employee=employee).values("customer_id")
    return Customer.objects.filter(pk__in=members, archived_at__isnull=True)


def days_since(when: dt.datetime | None, today: dt.date) -> int | None:
    return None if when is None else (today - timezone.localtime(when).date()).days


@dataclass
class MyDay:
    today: dt.date
    due_today: list[FollowUp]
    overdue: list[FollowUp]
    overdue_count: int
    due_customers: list[Customer]
    due_customer_count: int
    drafts: list[RecordCard]
    planned: list[PlannedVisit]
    open_problems: int
    planned_today: int = 0  # visits planned for today, made or not (the plan page's list for the day)


MY_DAY_ROWS = 30


def my_day(*, employee: Employee, today: dt.date | None = None) -> MyDay:
    """A rep's day: follow-ups due today and overdue, customers past their cadence, drafts not yet sent
    and this week's planned visits not yet made. A fixed number of queries at any scale."""
    today = today or timezone.localdate()
    mine = FollowUp.objects.filter(owner=employee, status=FollowUpStatus.OPEN, archived_at__isnull=True)
    due_today = list(mine.filter(due=today).select_related("customer").order_by("id")[:MY_DAY_ROWS])
    overdue_qs = mine.filter(due__lt=today)
    overdue = list(overdue_qs.select_related("customer").order_by("due", "id")[:MY_DAY_ROWS])
    overdue_count = len(overdue) if len(overdue) < MY_DAY_ROWS else overdue_qs.count()
    due_qs = my_customers(employee=employee).filter(due_for_contact_q(today))
    due_customers = list(due_qs.order_by("last_contact_at", "code")[:MY_DAY_ROWS])
    for c in due_customers:
        c.days_since_contact = days_since(c.last_contact_at, today)  # type: ignore[attr-defined]
        c.cadence = cadence_days(c.grade)  # type: ignore[attr-defined]
    due_count = len(due_customers) if len(due_customers) < MY_DAY_ROWS else due_qs.count()
    drafts = list(
        RecordCard.objects.filter(author=employee, status=CardStatus.DRAFT, archived_at__isnull=True)
        .select_related("customer")
        .order_by("-updated_at")[:MY_DAY_ROWS]
    )
    week = week_start_of(today)
    planned = list(
        PlannedVisit.objects.filter(plan__employee=employee, plan__week_start=week, archived_at__isnull=True)
        .select_related("customer")
        .order_by("day", "id")
    )
    done = _visited(employee.pk, {p.customer_id for p in planned}, week, week + dt.timedelta(days=7))
    planned_today = sum(1 for p in planned if p.day == today)
    planned = [p for p in planned if p.customer_id not in done]
    open_count = Problem.objects.filter(OPEN_PROBLEM_Q, owner=employee, archived_at__isnull=True).count()
    return MyDay(
        today, due_today, overdue, overdue_count, due_customers, due_count, drafts, planned, open_count, planned_today
    )


def _visited(employee_id: int, customer_ids: set[int], start: dt.date, end: dt.date) -> set[int]:
    """Which of these customers the employee logged a submitted card for between start and end."""
    if not customer_ids:
        return set()
    lo, hi = (timezone.make_aware(dt.datetime.combine(d, dt.time.min)) for d in (start, end))
    return set(
        RecordCard.objects.filter(
            author_id=employee_id,
            status=CardStatus.SUBMITTED,
            customer_id__in=customer_ids,
            occurred_at__gte=lo,
            occurred_at__lt=hi,
        ).values_list("customer_id", flat=True)
    )


# --- overdue follow-ups per person and per team -------------------------------------------------


@dataclass
class OverdueRow:
    key: Any
    label: str
    count: int
    oldest_days: int


def overdue_by_owner(*, viewer: Any, today: dt.date | None = None) -> list[OverdueRow]:
    """Overdue follow-ups the viewer may see, counted per owner (grouped on the open-follow-up index
    alone; the owners' names come after, in one query)."""
    today = today or timezone.localdate()
    rows = list(
        open_follow_ups(viewer=viewer)
        .filter(due__lt=today)
        .order_by()
        .values("owner_id")
        .annotate(n=Count("id"), first=Min("due"))
    )
    owners = Employee.objects.in_bulk([r["owner_id"] for r in rows])
    departments = {e.department_id for e in owners.values()}
    names = dict(Department.objects.filter(pk__in=departments).values_list("pk", "name"))
    out = []
    for r in rows:
        owner = owners[r["owner_id"]]
        label = f"{owner.name} · {names.get(owner.department_id, '')}"
        row = OverdueRow(owner.pk, label, r["n"], (today - r["first"]).days)
        row.department = (owner.department_id, names.get(owner.department_id, ""))  # type: ignore[attr-defined]
        out.append(row)
    return sorted(out, key=lambda r: (-r.count, r.label))


def overdue_by_team(*, owners: list[OverdueRow]) -> list[OverdueRow]:
    """The per-owner counts summed per team (the owner's department)."""
    teams: dict[Any, OverdueRow] = {}
    for r in owners:
        dept_id, name = r.department  # type: ignore[attr-defined]
        team = teams.setdefault(dept_id, OverdueRow(dept_id, name, 0, 0))
        team.count += r.count
        team.oldest_days = max(team.oldest_days, r.oldest_days)
    return sorted(teams.values(), key=lambda r: (-r.count, r.label))


# --- visit plans ----------------------------------------------------------------------------------


@dataclass
class Suggestion:
    customer: Customer
    reason: str
    why: str
    day: dt.date | None = None  # the proposed day (None: the week's working days are full)


SUGGESTIONS = 25


class _DaySpreader:
    """Proposes days for suggested visits: the week's working days still ahead, the least busy one first
    (visits already planned count), no later than the day a visit falls due, at most a few a day."""

    def __init__(self, week_start: dt.date, first_day: dt.date, planned_days: list[dt.date | None]) -> None:
        self.days = [
            d for d in (week_start + dt.timedelta(days=i) for i in range(services.WORKING_DAYS)) if d >= first_day
        ]
        self.load = {d: 0 for d in self.days}
        for d in planned_days:
            if d in self.load:
                self.load[d] += 1

    def propose(self, due: dt.date | None) -> dt.date | None:
        free = [d for d in self.days if self.load[d] < services.PLAN_VISITS_PER_DAY]
        in_time = [d for d in free if due is None or d <= due]
        if not free:
            return None
        day = min(in_time or free, key=lambda d: (self.load[d], d))
        self.load[day] += 1
        return day


def plan_suggestions(*, employee: Employee, week_start: dt.date) -> list[Suggestion]:
    """Customers to visit this week: follow-ups falling due in the week first, then customers past (or
    reaching) their cadence by the end of the week, most overdue first; those already planned left out.
    Each comes with a proposed day, spread over the week's working days (see ``_DaySpreader``)."""
    from django.utils.translation import gettext as _

    from .choices import PlanReason

    week_end = week_start + dt.timedelta(days=6)
    today = timezone.localdate()
    first_day = today if week_start <= today <= week_end else week_start
    planned = dict(
        PlannedVisit.objects.filter(
            plan__employee=employee, plan__week_start=week_start, archived_at__isnull=True
        ).values_list("customer_id", "day")
    )
    spread = _DaySpreader(week_start, first_day, list(planned.values()))
    out: list[Suggestion] = []
    seen = set(planned)
    steps = (
        FollowUp.objects.filter(owner=employee, status=FollowUpStatus.OPEN, due__lte=week_end, archived_at__isnull=True)
        .select_related("customer")
        .order_by("due", "id")[: SUGGESTIONS * 2]
    )
    for step in steps:
        if step.customer_id in seen or step.customer.archived_at is not None:
            continue
        if len(out) == SUGGESTIONS:
            break
        seen.add(step.customer_id)
        why = _("Follow-up due %(due)s: %(text)s") % {"due": step.due.isoformat(), "text": step.description[:40]}
        out.append(Suggestion(step.customer, PlanReason.FOLLOW_UP, why, spread.propose(step.due)))
    due = (
        my_customers(employee=employee)
        .filter(due_for_contact_q(week_end))
        .exclude(pk__in=seen)
        .order_by("last_contact_at", "code")[: max(SUGGESTIONS - len(out), 0)]
    )
    for c in due:
        since = days_since(c.last_contact_at, week_start)
        why = (
            _("Never contacted")
            if since is None
            else _("Last contact %(days)d days ago (grade %(grade)s: every %(cadence)d days)")
            % {"days": since, "grade": c.grade or "-", "cadence": cadence_days(c.grade)}
        )
        falls_due = None if since is None else week_start + dt.timedelta(days=cadence_days(c.grade) - since)
        out.append(Suggestion(c, PlanReason.CADENCE, why, spread.propose(falls_due)))
    return out[:SUGGESTIONS]


@dataclass
class PlanRow:
    employee: Employee
    planned: int = 0
    done: int = 0
    unplanned: int = 0
    missed: list[PlannedVisit] = field(default_factory=list)

    @property
    def rate(self) -> int | None:
        return round(100 * self.done / self.planned) if self.planned else None


def plan_vs_actual(*, viewer: Any, week_start: dt.date, today: dt.date | None = None) -> list[PlanRow]:
    """Per employee the viewer may see: visits planned for the week, planned and made, made without a
    plan, and planned visits never logged (their day, or the week, has passed)."""
    today = today or timezone.localdate()
    week_end = week_start + dt.timedelta(days=7)
    visits = list(
        visibility.restrict(viewer, PlannedVisit)
        .filter(plan__week_start=week_start, archived_at__isnull=True)
        .select_related("plan__employee__department", "customer")
    )
    employees = {v.plan.employee_id: v.plan.employee for v in visits}
    lo, hi = (timezone.make_aware(dt.datetime.combine(d, dt.time.min)) for d in (week_start, week_end))
    scope = visibility.scope_for(viewer)
    cards = visible_cards(viewer=viewer).filter(status=CardStatus.SUBMITTED, occurred_at__gte=lo, occurred_at__lt=hi)
    if not scope.sees_all:
        cards = cards.filter(author_id__in=[*employees, *scope.subtree_employee_ids, scope.employee_id or 0])
    made: dict[int, set[int]] = defaultdict(set)
    for author_id, customer_id in cards.values_list("author_id", "customer_id"):
        made[author_id].add(customer_id)
    extra = set(made) - set(employees)
    employees.update({e.pk: e for e in Employee.objects.filter(pk__in=extra).select_related("department")})
    rows = {pk: PlanRow(e) for pk, e in employees.items()}
    planned_pairs: dict[int, set[int]] = defaultdict(set)
    for v in visits:
        row = rows[v.plan.employee_id]
        row.planned += 1
        planned_pairs[v.plan.employee_id].add(v.customer_id)
        if v.customer_id in made[v.plan.employee_id]:
            row.done += 1
        elif (v.day or week_end - dt.timedelta(days=1)) < today:
            row.missed.append(v)
    for pk, customers in made.items():
        rows[pk].unplanned = len(customers - planned_pairs[pk])
    return sorted(rows.values(), key=lambda r: (r.employee.department.path, r.employee.name))


def plan_visits(*, employee: Employee, week_start: dt.date) -> tuple[VisitPlan | None, list[PlannedVisit], set[int]]:
    plan = VisitPlan.objects.filter(employee=employee, week_start=week_start).first()
    if plan is None:
        return None, [], set()
    visits = list(plan.visits.filter(archived_at__isnull=True).select_related("customer").order_by("day", "id"))
    done = _visited(employee.pk, {v.customer_id for v in visits}, week_start, week_start + dt.timedelta(days=7))
    return plan, visits, done


def visible_plans_of(*, viewer: Any, employee: Employee) -> bool:
    """Whether the viewer may see this employee's plans (their own, their staff's, or everyone's)."""
    scope = visibility.scope_for(viewer)
    return scope.sees_all or employee.pk == scope.employee_id or employee.pk in scope.subtree_employee_ids

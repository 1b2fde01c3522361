"""The demo's record cards: a year of contacts with problems and follow-ups, deterministic per seed."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count, F, Max
from django.utils import timezone

from liuke.core.changelog import verify_chain
from liuke.core.models import ChangeLogEntry
from liuke.customers.models import AccountTeamMember, Customer
from liuke.demo.generator import demo_build
from liuke.demo.interactions import cards_build
from liuke.interactions import selectors
from liuke.interactions.choices import CardStatus, FollowUpStatus, ProblemStatus
from liuke.interactions.models import CardAmendment, FollowUp, MarketIntel, PlannedVisit, Problem, RecordCard
from liuke.interactions.services import week_start_of
from liuke.org.models import Employee

pytestmark = pytest.mark.demo_build  # the generator is checked on SQLite in CI (minutes a build)


def _check_links():
    """A resolved problem names the later card that resolved it, and that card lists it; same for follow-ups."""
    resolved = Problem.objects.filter(status=ProblemStatus.RESOLVED).select_related("card", "resolved_by")
    for problem in resolved[:2000]:
        assert problem.resolved_by.customer_id == problem.customer_id
        assert problem.resolved_by.occurred_at >= problem.card.occurred_at
        assert problem.pk in problem.resolved_by.resolved_problem_ids
    done = FollowUp.objects.filter(status=FollowUpStatus.DONE, done_by__isnull=False).select_related("card", "done_by")
    for step in done[:2000]:
        assert step.done_by.customer_id == step.customer_id
        assert step.done_by.occurred_at > step.card.occurred_at
        assert step.pk in step.done_by.done_follow_up_ids
    steps = RecordCard.objects.filter(status=CardStatus.SUBMITTED).values_list("next_steps", flat=True)
    assert sum(len(s) for s in steps) == FollowUp.objects.count()
    for card in RecordCard.objects.exclude(resolved_problem_ids=[])[:500]:
        assert set(card.resolved_problem_ids) == set(card.resolved_problems.values_list("pk", flat=True))


@pytest.mark.django_db
def test_small_demo_has_a_year_of_record_cards():
    report = demo_build(scale="small", seed=2026).cards
    today = timezone.localdate()
    submitted = RecordCard.objects.filter(status=CardStatus.SUBMITTED)
    assert report.cards == submitted.count()
    assert 17_000 <= report.cards <= 23_000

    # Every card is written by someone on its customer's account team, within the last year or so.
    team = set(AccountTeamMember.objects.values_list("customer_id", "employee_id"))
    assert set(RecordCard.objects.values_list("customer_id", "author_id")) <= team
    oldest = today - dt.timedelta(days=1100)
    assert not submitted.filter(occurred_at__date__lt=oldest).exists()
    assert not submitted.filter(occurred_at__gt=timezone.now()).exists()
    assert not submitted.filter(submitted_at__lt=F("occurred_at")).exists()

    # Grade A customers are contacted more often than B, B than C; a few key accounts have hundreds.
    per_grade = {
        g: submitted.filter(customer__grade=g).count() / Customer.objects.filter(grade=g).count() for g in "ABC"
    }
    assert per_grade["A"] > per_grade["B"] > per_grade["C"]
    busiest = submitted.values("customer_id").annotate(n=Count("id")).order_by("-n")[0]
    assert busiest["n"] >= 500

    # Kinds, check-ins, back-dating, amendments, intel and quality all spread.
    kinds = dict(submitted.values_list("kind").annotate(n=Count("id")))
    assert kinds["visit"] > kinds["phone"] > kinds["event"] > 0
    assert submitted.filter(far_from_customer=True).exists()
    assert submitted.filter(distance_m__lt=1000).count() > 10 * submitted.filter(far_from_customer=True).count()
    assert submitted.exclude(backdate_reason="").exists()
    assert CardAmendment.objects.exists()
    assert MarketIntel.objects.count() == report.intel > 0
    assert submitted.filter(quality__lt=50).count() > 0.01 * report.cards
    assert submitted.filter(quality__gte=90).count() > 0.3 * report.cards

    # Problems: most resolved by a later card, some still open; follow-ups: most done, some overdue.
    problems = Problem.objects.count()
    assert Problem.objects.filter(status=ProblemStatus.RESOLVED).count() > 0.5 * problems
    assert Problem.objects.filter(status__in=[ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS]).count() > 0.05 * problems
    steps = FollowUp.objects.count()
    assert FollowUp.objects.filter(status=FollowUpStatus.DONE).count() > 0.6 * steps
    assert FollowUp.objects.filter(status=FollowUpStatus.OPEN, due__lt=today).count() == report.overdue_follow_ups > 0
    # Steps no later card closed were mostly ticked off by hand around their due day, with a word on how.
    by_hand = FollowUp.objects.filter(status=FollowUpStatus.DONE, done_by__isnull=True)
    assert by_hand.exists()
    assert not by_hand.filter(note="").exists()
    _check_links()

    # The customers' last contact is their latest submitted card.
    latest = dict(submitted.values("customer_id").annotate(m=Max("occurred_at")).values_list("customer_id", "m"))
    for pk, last in Customer.objects.filter(pk__in=list(latest)[:300]).values_list("pk", "last_contact_at"):
        assert last == latest[pk]

    # The `rep` login's day has something in every part; the manager sees the team's plans against visits.
    rep = Employee.objects.get(user__username="rep")
    day = selectors.my_day(employee=rep)
    assert day.due_today
    assert day.overdue
    assert day.due_customers
    assert 1 <= len(day.drafts) <= 5
    assert day.planned
    manager = Employee.objects.get(user__username="manager")
    rows = selectors.plan_vs_actual(viewer=manager.user, week_start=week_start_of(today) - dt.timedelta(days=7))
    assert sum(r.planned for r in rows) > 0
    assert sum(r.done for r in rows) > 0
    assert PlannedVisit.objects.filter(plan__week_start=week_start_of(today), plan__employee=rep).exists()

    # Every row is in the change log, and the chain holds.
    for model in (RecordCard, Problem, FollowUp, MarketIntel, CardAmendment, PlannedVisit):
        logged = ChangeLogEntry.objects.filter(
            content_type__app_label="interactions", content_type__model=model._meta.model_name
        )
        assert logged.count() == model.objects.count(), model
    assert verify_chain().ok


def _fingerprint():
    """The cards and their items, ids taken relative to the first (PostgreSQL sequences do not roll back)."""
    card0 = RecordCard.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    problem0 = Problem.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    step0 = FollowUp.objects.order_by("pk").values_list("pk", flat=True).first() or 0

    def rel(ids, base):
        return [i - base for i in ids]

    cards = [
        (pk - card0, code, no, when, kind, summary, raised, rel(resolved, problem0), rel(done, step0), *rest)
        for pk, code, no, when, kind, summary, raised, resolved, done, *rest in RecordCard.objects.order_by(
            "pk"
        ).values_list(
            "pk",
            "customer__code",
            "author__employee_no",
            "occurred_at",
            "kind",
            "summary",
            "problems_raised",
            "resolved_problem_ids",
            "done_follow_up_ids",
            "next_steps",
            "quality",
            "status",
            "checkin_lat",
            "checkin_lng",
            "distance_m",
        )
    ]
    problems = [
        (pk - problem0, card - card0, status, by and by - card0)
        for pk, card, status, by in Problem.objects.order_by("pk").values_list(
            "pk", "card_id", "status", "resolved_by_id"
        )
    ]
    steps = [
        (pk - step0, card - card0, due, status, by and by - card0)
        for pk, card, due, status, by in FollowUp.objects.order_by("pk").values_list(
            "pk", "card_id", "due", "status", "done_by_id"
        )
    ]
    customers = list(Customer.objects.order_by("code").values_list("code", "last_contact_at", "completeness"))
    return cards, problems, steps, customers


@pytest.mark.django_db
def test_demo_cards_are_the_same_for_a_seed_whatever_the_chunk_size(world):
    now = dt.datetime(2026, 3, 4, 2, 30, tzinfo=dt.UTC)

    def build(*, seed: int, chunk: int):
        with transaction.atomic():
            report = cards_build(scale="small", seed=seed, chunk=chunk, now=now)
            assert report.cards > 0
            fingerprint = _fingerprint()
            transaction.set_rollback(True)
        return fingerprint

    first = build(seed=5, chunk=2000)
    assert first == build(seed=5, chunk=1)
    assert first != build(seed=6, chunk=2000)

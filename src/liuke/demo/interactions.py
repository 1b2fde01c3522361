"""Record cards for the demo company: a year of contacts, with the problems and next steps they raised.

Runs after the customers exist (``liuke demo``), or on its own over an existing demo company (the
benchmarks add cards to a large database built before cards existed). For every customer with an
account team, a timeline of cards written by its current team members: how often follows the grade's
cadence (A 14 days, B 30, C 60), most customers are kept within it, some slip and some lapsed months
ago. Problems raised are mostly resolved by a later card on the same customer, next steps mostly done
by one; the rest stay open, some overdue. A few key accounts have years of cards (500 and more at the
large scale). The `rep` login gets follow-ups due today, drafts and this week's visit plan; every rep a
plan for the last weeks, so managers see planned against actual.

Set-based and chunked like the customer build: customers are taken in primary-key chunks, each one's
cards come from a random generator seeded by (seed, customer number), and every row is written by
``changelog.bulk_create`` (one change-log entry each). Ids are reserved before the insert so a card
can name the problems it resolves and the follow-ups it completes in the same, final row it is logged
with. Dates are relative to the day the demo is built.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from liuke.channel.models import Product
from liuke.core import changelog
from liuke.core.changelog import change_context
from liuke.core.choices import ChangeSource
from liuke.customers import completeness
from liuke.customers.choices import CustomerGrade, CustomerKind, CustomerStatus, TeamRole
from liuke.customers.fields import active_definitions
from liuke.customers.models import AccountTeamMember, Contact, Customer
from liuke.customers.selectors import current_team_q
from liuke.interactions import quality
from liuke.interactions.choices import CardKind, CardStatus, FollowUpStatus, PlanReason, ProblemStatus
from liuke.interactions.models import (
    CardAmendment,
    FollowUp,
    MarketIntel,
    PlannedVisit,
    Problem,
    RecordCard,
    VisitPlan,
)
from liuke.interactions.services import distance_metres, needs_backdate_reason, week_start_of
from liuke.org.choices import EmployeeStatus, Role
from liuke.org.models import Employee

from .card_words import (
    AMEND_REASONS,
    AMEND_TEXTS,
    BACKDATE_REASONS,
    BOILERPLATE_PURPOSES,
    BOILERPLATE_SUMMARIES,
    CANCEL_NOTES,
    CLOSED_NOTES,
    DONE_BY_HAND_NOTES,
    DRAFT_SUMMARIES,
    FACTS,
    IN_PROGRESS_NOTES,
    INTEL_ACTIVITIES,
    NEXT_STEPS,
    OPENERS,
    PROBLEMS,
    PURPOSES,
    SOLUTIONS,
    SUGGESTIONS,
    Talk,
    Words,
    card_topic,
    talk_about,
)
from .catalogue import CATALOGUE
from .places import moved, site_of

CHUNK = 2000  # customers per write chunk (their cards, problems, follow-ups and intel go with them)


@dataclass(frozen=True)
class CardProfile:
    intensity: float  # contacts relative to the cadence (reps with 480 customers fall further behind)
    key_share: float  # share of grade-A hospitals that are key accounts with years of cards
    history_days: int = 365
    key_history_days: int = 1095


PROFILES = {
    # ~20,000 cards at small, ~1,000,000 at large (about 10 and 5 a customer).
    "small": CardProfile(intensity=0.72, key_share=0.02),
    "medium": CardProfile(intensity=0.55, key_share=0.004),
    "large": CardProfile(intensity=0.39, key_share=0.0012),
}
FAR_CHECKIN_SHARE = 0.03  # check-ins kilometres from the customer (the "far" flag has something to catch)
# A team that works its list (the alert inbox shows the exceptions, not a flood): the shares of active
# customers kept within their cadence and slipping (the rest lapsed months ago); of problems solved by a later
# card, or closed by then; of next steps done by a later card, or cancelled; of the steps no card closed, left
# open (overdue) rather than ticked off by hand (more for the `rep` login: their day shows overdue work).
DISCIPLINE = (0.88, 0.97)
PROBLEM_SOLVED, PROBLEM_CLOSED = 0.97, 0.99
STEP_DONE, STEP_CANCELLED = 0.985, 0.995
STEP_LEFT_OPEN, LOGIN_STEP_LEFT_OPEN = 0.08, 0.15
PROBLEM_LEFT_OPEN = 0.4  # of the problems no card solved, older than a month: the rest closed by then
KEY_ACCOUNT_GAP_DAYS = (0.6, 2.6)  # a key account sees someone two or three times a week
WEEKS_OF_PLANS = 4  # past weeks with visit plans, besides this one

KIND_WEIGHTS: dict[str, list[tuple[str, int]]] = {
    CustomerKind.HOSPITAL: [
        ("visit", 52),
        ("phone", 14),
        ("wechat", 14),
        ("meeting", 10),
        ("event", 7),
        ("delivery", 3),
    ],
    CustomerKind.PHARMACY: [
        ("visit", 55),
        ("phone", 14),
        ("wechat", 18),
        ("meeting", 2),
        ("event", 3),
        ("delivery", 8),
    ],
    CustomerKind.CLINIC: [("visit", 55), ("phone", 20), ("wechat", 18), ("meeting", 2), ("event", 2), ("delivery", 3)],
    CustomerKind.DISTRIBUTOR: [("visit", 35), ("phone", 30), ("wechat", 15), ("meeting", 12), ("delivery", 8)],
}
DEFAULT_KIND_WEIGHTS = [("visit", 50), ("phone", 22), ("wechat", 22), ("meeting", 3), ("delivery", 3)]


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


@dataclass
class CardReport:
    cards: int = 0
    drafts: int = 0
    problems: int = 0
    open_problems: int = 0
    follow_ups: int = 0
    open_follow_ups: int = 0
    overdue_follow_ups: int = 0
    intel: int = 0
    amendments: int = 0
    key_accounts: int = 0
    plans: int = 0
    planned_visits: int = 0
    seconds: float = 0.0


@dataclass
class _Member:
    employee_id: int
    role: str  # account-team role
    since: dt.date | None
    is_manager: bool


@dataclass
class _Card:
    card: RecordCard
    day: dt.date
    raised: list[Problem] = field(default_factory=list)
    resolves: list[Problem] = field(default_factory=list)
    steps: list[FollowUp] = field(default_factory=list)
    dones: list[FollowUp] = field(default_factory=list)
    intel: list[MarketIntel] = field(default_factory=list)
    amendment: CardAmendment | None = None
    previous_summary: str = ""


@dataclass
class _Context:
    profile: CardProfile
    seed: int
    today: dt.date
    now: dt.datetime
    employees: dict[int, Employee]
    login_rep_id: int | None
    login_key_account: int | None  # the `rep` login's key account (customer id)
    products: list[Talk]  # the company's catalogue: what cards talk about


def _aware(day: dt.date, minutes: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60)))


class _Writer:
    """Plans one customer's cards in Python; ``flush`` writes a chunk of them, logged."""

    def __init__(self, ctx: _Context):
        self.ctx = ctx
        self.cards: list[_Card] = []
        self.report = CardReport()
        self.login_drafts = 0

    # --- one customer -----------------------------------------------------------------------------

    def words(
        self, rng: random.Random, who: tuple[int, str, str, bool] | None, day: dt.date, topic: dict[str, str]
    ) -> Words:
        return Words(rng, day, who[1] if who else "对方", who[2] if who else "", topic)

    def topic(self, rng: random.Random, kind: str) -> tuple[Talk, dict[str, str]]:
        product = rng.choice(self.ctx.products)
        return product, card_topic(rng, kind, product)

    def plan_customer(
        self,
        customer: Customer,
        team: list[_Member],
        contacts: list[tuple[int, str, str, bool]],
    ) -> None:
        ctx = self.ctx
        n = int(customer.code.lstrip("C") or 0) if customer.code.lstrip("C").isdigit() else customer.pk
        rng = random.Random(ctx.seed * 1_000_003 + n + 7_919)
        develop = next((m for m in team if m.role == TeamRole.DEVELOP), team[0])
        cadence = completeness.cadence_days(customer.grade)
        today = ctx.today
        key = customer.pk == ctx.login_key_account or (
            customer.kind == CustomerKind.HOSPITAL
            and customer.grade == CustomerGrade.A
            and customer.status == CustomerStatus.ACTIVE
            and (develop.since is None or develop.since <= today - dt.timedelta(days=ctx.profile.key_history_days))
            and rng.random() < ctx.profile.key_share
        )
        days = self.contact_days(rng, customer, cadence, key)
        if key:
            self.report.key_accounts += 1
        open_problems: list[tuple[Problem, int]] = []  # (problem, cards until a card resolves it; 0 never)
        open_steps: list[FollowUp] = []
        previous: dict[int, str] = {}
        planned: list[_Card] = []
        for day in days:
            eligible = [m for m in team if m.since is None or m.since <= day]
            if not eligible:
                continue
            author = develop if develop in eligible and rng.random() < 0.78 else rng.choice(eligible)
            item = self.plan_card(rng, customer, team, develop, author, contacts, day)
            item.previous_summary = previous.get(author.employee_id, "")
            previous[author.employee_id] = item.card.summary
            # What this card closes: follow-ups of earlier cards, problems whose turn has come.
            for step in open_steps:
                if step.due - dt.timedelta(days=21) <= day:
                    step.status, step.done_on = FollowUpStatus.DONE, day
                    step.done_by = item.card
                    item.dones.append(step)
            open_steps = [s for s in open_steps if s.status == FollowUpStatus.OPEN]
            still = []
            for problem, left in open_problems:
                if left == 1:
                    problem.status, problem.resolved_on = ProblemStatus.RESOLVED, day
                    problem.resolved_by = item.card
                    item.resolves.append(problem)
                else:
                    still.append((problem, left - 1 if left else 0))
            open_problems = still
            for problem in item.raised:
                roll = rng.random()
                if roll < PROBLEM_SOLVED:
                    open_problems.append((problem, _weighted(rng, [(1, 80), (2, 15), (3, 5)])))
                elif roll < PROBLEM_CLOSED and (today - day).days > 20:
                    problem.status, problem.resolved_on = (
                        ProblemStatus.CLOSED,
                        day + dt.timedelta(days=rng.randint(5, 20)),
                    )
                    problem.note = rng.choice(CLOSED_NOTES)
                else:
                    open_problems.append((problem, 0))
            for step in item.steps:
                roll = rng.random()
                if roll < STEP_DONE:
                    open_steps.append(step)
                elif roll < STEP_CANCELLED and step.due < today:
                    step.status, step.done_on, step.note = FollowUpStatus.CANCELLED, step.due, rng.choice(CANCEL_NOTES)
            planned.append(item)
        # Steps no later card closed: most were done all the same (a call, a message) and ticked off by hand
        # around their due day; the rest are overdue.
        keep = LOGIN_STEP_LEFT_OPEN if develop.employee_id == ctx.login_rep_id else STEP_LEFT_OPEN
        for step in open_steps:
            if step.due < today and rng.random() >= keep:
                step.status, step.note = FollowUpStatus.DONE, rng.choice(DONE_BY_HAND_NOTES)
                step.done_on = min(today, step.due + dt.timedelta(days=rng.randint(-2, 3)))
        # Problems no card solved: a customer gone quiet has its problems closed; of the others older than a
        # month most were closed by then (handled by head office, withdrawn), and those still open after a
        # while are often being worked on.
        gone = customer.status in (CustomerStatus.DORMANT, CustomerStatus.LOST)
        for problem, _left in open_problems:
            age = (today - problem.raised_on).days
            if age > 30 and (gone or rng.random() >= PROBLEM_LEFT_OPEN):
                problem.status, problem.note = ProblemStatus.CLOSED, rng.choice(CLOSED_NOTES)
                problem.resolved_on = problem.raised_on + dt.timedelta(days=rng.randint(20, age))
            elif age > 14 and rng.random() < 0.35:
                problem.status, problem.note = ProblemStatus.IN_PROGRESS, rng.choice(IN_PROGRESS_NOTES)
        # The `rep` login: a few follow-ups falling due today.
        last = planned[-1] if planned else None
        if (
            last is not None
            and ctx.login_rep_id == develop.employee_id
            and last.card.author_id == develop.employee_id
            and 2 <= (today - last.day).days <= 14
            and rng.random() < 0.35
        ):
            text = rng.choice(NEXT_STEPS).format_map(self.words(rng, None, today, self.topic(rng, customer.kind)[1]))
            last.card.next_steps.append({"text": text, "due": today.isoformat(), "owner": develop.employee_id})
            last.steps.append(
                FollowUp(customer=customer, card=last.card, description=text, owner_id=develop.employee_id, due=today)
            )
        # Drafts: not yet submitted, private to their author (the `rep` login always has some).
        login_draft = develop.employee_id == ctx.login_rep_id and self.login_drafts < 2
        if login_draft or rng.random() < 0.004:
            self.login_drafts += login_draft
            planned.append(self.plan_draft(rng, customer, develop, contacts))
        self.cards.extend(planned)

    def contact_days(self, rng: random.Random, customer: Customer, cadence: int, key: bool) -> list[dt.date]:
        """The days this customer was in contact with us, oldest first."""
        p, today = self.ctx.profile, self.ctx.today
        if key:
            start = today - dt.timedelta(days=p.key_history_days)
            low, high = KEY_ACCOUNT_GAP_DAYS
            mean, last = 1.0, today - dt.timedelta(days=rng.randint(0, 2))
            jitter = (low, high)
        else:
            start = today - dt.timedelta(days=p.history_days)
            status = customer.status
            if status == CustomerStatus.LOST:
                last = today - dt.timedelta(days=rng.randint(200, 330))
                mean, jitter = 60.0, (0.6, 1.4)
            elif status == CustomerStatus.DORMANT:
                last = today - dt.timedelta(days=rng.randint(90, 240))
                mean, jitter = rng.uniform(45, 120), (0.6, 1.4)
            else:
                discipline = rng.random()
                if discipline < DISCIPLINE[0]:  # kept within the cadence
                    mean = cadence * rng.uniform(0.45, 1.0) / p.intensity
                    last = today - dt.timedelta(days=int(rng.uniform(0, min(mean, cadence - 2))))
                elif discipline < DISCIPLINE[1]:  # slipping
                    mean = cadence * rng.uniform(0.8, 1.6) / p.intensity
                    last = today - dt.timedelta(days=int(rng.uniform(0, mean)))
                else:  # lapsed months ago
                    mean = cadence * rng.uniform(0.6, 1.2) / p.intensity
                    last = today - dt.timedelta(days=int(cadence * rng.uniform(1.3, 4.0)))
                if status == CustomerStatus.PROSPECT:
                    start = today - dt.timedelta(days=rng.randint(30, 180))
                    mean = min(mean, cadence * 1.2)
            jitter = (0.6, 1.4)
        out = []
        day = last
        while day >= start:
            shifted = day
            if shifted.weekday() >= 5 and rng.random() < 0.85:  # weekends: mostly Friday
                shifted = shifted - dt.timedelta(days=shifted.weekday() - 4)
            out.append(shifted)
            day = day - dt.timedelta(days=max(1, round(mean * rng.uniform(*jitter))))
        return sorted(set(out))

    def occurred(self, rng: random.Random, day: dt.date) -> dt.datetime:
        when = _aware(day, rng.randint(8 * 60 + 30, 17 * 60 + 30))
        if when > self.ctx.now:  # today, later than now: it happened a little earlier
            when = max(_aware(day, 0), self.ctx.now - dt.timedelta(minutes=rng.randint(20, 240)))
        return when

    def plan_card(
        self,
        rng: random.Random,
        customer: Customer,
        team: list[_Member],
        develop: _Member,
        author: _Member,
        contacts: list[tuple[int, str, str, bool]],
        day: dt.date,
    ) -> _Card:
        ctx = self.ctx
        kind = _weighted(rng, KIND_WEIGHTS.get(customer.kind, DEFAULT_KIND_WEIGHTS))
        occurred = self.occurred(rng, day)
        colleagues: list[int] = []
        if author.is_manager and author is not develop and rng.random() < 0.8:
            colleagues = [develop.employee_id]
        elif rng.random() < 0.05:
            colleagues = [m.employee_id for m in team if m is not author and m.is_manager][:1]
        met: list[tuple[int, str, str, bool]] = []
        if contacts and not (kind == "delivery" and rng.random() < 0.5) and rng.random() < 0.93:
            keys = [c for c in contacts if c[3]] or contacts
            first = rng.choice(keys) if rng.random() < 0.7 else rng.choice(contacts)
            met = [first]
            others = [c for c in contacts if c is not first]
            if others and rng.random() < 0.25:
                met.append(rng.choice(others))
        who = met[0] if met else None
        product, topic = self.topic(rng, customer.kind)
        words = self.words(rng, who, day, topic)
        card = RecordCard(
            customer=customer,
            author_id=author.employee_id,
            occurred_at=occurred,
            kind=kind,
            colleague_ids=colleagues,
            contact_ids=[c[0] for c in met],
            status=CardStatus.SUBMITTED,
        )
        item = _Card(card, day)
        if rng.random() < 0.05:  # the boilerplate a quality score exists to catch
            card.purpose = rng.choice(BOILERPLATE_PURPOSES)
            card.summary = rng.choice(BOILERPLATE_SUMMARIES)
        else:
            card.purpose = rng.choice(PURPOSES.get(customer.kind, PURPOSES["other"])).format_map(words)
            facts = rng.sample(FACTS.get(customer.kind, FACTS["other"]), rng.choice((1, 2, 2, 3)))
            parts = [rng.choice(OPENERS[kind]), *facts]
            card.summary = "".join(part.format_map(self.words(rng, who, day, topic)) for part in parts)
            raised = _weighted(rng, [(0, 70), (1, 26), (2, 4)])
            card.problems_raised = [
                rng.choice(PROBLEMS.get(customer.kind, PROBLEMS["other"])).format_map(self.words(rng, who, day, topic))
                for _ in range(raised)
            ]
            if card.problems_raised or rng.random() < 0.3:
                card.solutions = rng.choice(SOLUTIONS.get(customer.kind, SOLUTIONS["other"])).format_map(words)
            if rng.random() < 0.35:
                card.suggestions = rng.choice(SUGGESTIONS).format_map(words)
            steps = _weighted(rng, [(0, 38), (1, 50), (2, 12)])
            for _ in range(steps):
                owner = author.employee_id if rng.random() < 0.85 else rng.choice(team).employee_id
                due = day + dt.timedelta(days=rng.choice([2, 3, 5, 7, 7, 10, 14, 14, 21, 30]))
                text = rng.choice(NEXT_STEPS).format_map(self.words(rng, who, day, topic))
                card.next_steps.append({"text": text, "due": due.isoformat(), "owner": owner})
                item.steps.append(FollowUp(customer=customer, card=card, description=text, owner_id=owner, due=due))
            if rng.random() < 0.10:
                for _ in range(rng.choice((1, 1, 2))):  # a rival's take on the product this card is about
                    price = product.price * rng.uniform(0.65, 1.0) if product.price else rng.uniform(9.8, 235)
                    row = {
                        "competitor": rng.choice(product.competitors),
                        "product": product.name,
                        "price": f"{price:.2f}",
                        "activity": rng.choice(INTEL_ACTIVITIES),
                    }
                    card.intel.append(row)
                    item.intel.append(
                        MarketIntel(
                            card=card,
                            customer=customer,
                            competitor=row["competitor"],
                            product=row["product"],
                            price_seen=Decimal(row["price"]),
                            activity=row["activity"],
                            observed_on=day,
                        )
                    )
        item.raised = [
            Problem(customer=customer, card=card, description=text, owner_id=author.employee_id, raised_on=day)
            for text in card.problems_raised
        ]
        # When it was submitted: mostly within hours, some the next day or two, a few back-dated.
        roll = rng.random()
        if roll < 0.02 and occurred + dt.timedelta(days=5) < ctx.now:
            submitted = occurred + dt.timedelta(days=rng.randint(4, 12), minutes=rng.randint(0, 600))
        elif roll < 0.14:
            submitted = occurred + dt.timedelta(hours=rng.randint(26, 60))
        else:
            submitted = occurred + dt.timedelta(minutes=rng.randint(5, 300))
        submitted = min(submitted, ctx.now)
        card.submitted_at = max(submitted, occurred)
        if needs_backdate_reason(occurred, timezone.localtime(card.submitted_at).date()):
            card.backdate_reason = rng.choice(BACKDATE_REASONS)
        if kind == "visit" and rng.random() < 0.6:
            self.check_in(rng, customer, card)
        if rng.random() < 0.01 and card.submitted_at + dt.timedelta(days=1) < ctx.now:
            changes = {"summary": card.summary + rng.choice(AMEND_TEXTS).format_map(words)}
            item.amendment = CardAmendment(
                card=card, author_id=author.employee_id, reason=rng.choice(AMEND_REASONS), changes=changes
            )
        return item

    def check_in(self, rng: random.Random, customer: Customer, card: RecordCard) -> None:
        """Where the rep stood: at the customer, give or take GPS; now and then kilometres away (from the
        office, another customer), which the card then shows as far, as ``card_submit`` would."""
        site = site_of(customer)
        if site is None:
            return
        far = rng.random() < FAR_CHECKIN_SHARE
        metres = rng.uniform(2_000, 25_000) if far else rng.uniform(10, 350)
        lat, lng = moved(*site, metres, rng.uniform(0, 2 * math.pi))
        card.checkin_lat, card.checkin_lng = Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")
        card.checkin_accuracy = rng.choice([5, 10, 15, 30, 65, 150])
        # As services._place_checkin does on submission: no distance without the customer's coordinates.
        if customer.latitude is not None and customer.longitude is not None:
            card.distance_m = distance_metres(
                float(card.checkin_lat), float(card.checkin_lng), float(customer.latitude), float(customer.longitude)
            )
            limit = int(getattr(settings, "LIUKE_CHECKIN_FAR_METRES", 1000))
            card.far_from_customer = card.distance_m - (card.checkin_accuracy or 0) > limit

    def plan_draft(self, rng: random.Random, customer: Customer, author: _Member, contacts) -> _Card:
        who = contacts[0] if contacts else None
        day = self.ctx.today - dt.timedelta(days=rng.choice([0, 0, 1, 2]))
        words = self.words(rng, who, day, self.topic(rng, customer.kind)[1])
        card = RecordCard(
            customer=customer,
            author_id=author.employee_id,
            occurred_at=self.occurred(rng, day),
            kind=rng.choice([CardKind.VISIT, CardKind.PHONE, CardKind.WECHAT]),
            contact_ids=[who[0]] if who else [],
            purpose=rng.choice(PURPOSES.get(customer.kind, PURPOSES["other"])).format_map(words),
            summary=rng.choice(DRAFT_SUMMARIES).format_map(words),
            status=CardStatus.DRAFT,
        )
        return _Card(card, day)

    # --- writing a chunk ------------------------------------------------------------------------------

    def flush(self) -> None:
        items, self.cards = self.cards, []
        if not items:
            return
        cards = [i.card for i in items]
        problems = [p for i in items for p in i.raised]
        steps = [s for i in items for s in i.steps]
        intel = [r for i in items for r in i.intel]
        amendments = [i.amendment for i in items if i.amendment is not None]
        for objs, model in ((cards, RecordCard), (problems, Problem), (steps, FollowUp)):
            for obj, pk in zip(objs, changelog.reserve_ids(model, len(objs)), strict=True):
                obj.pk = pk
        labels = {key: str(label) for key, label in quality.LABELS.items()}
        kinds = {value: str(label) for value, label in CardKind.choices}
        for i in items:
            card = i.card
            card.resolved_problem_ids = [p.pk for p in i.resolves]
            card.done_follow_up_ids = [s.pk for s in i.dones]
            if card.status == CardStatus.SUBMITTED:
                assessed = quality.assess(card, previous_summary=i.previous_summary, submitted_at=card.submitted_at)
                card.quality = quality.score(assessed)
                card.quality_items = [
                    {"key": a.key, "label": labels[a.key], "weight": a.weight, "ok": a.ok} for a in assessed
                ]
            # The log names each card by str(card); Django's get_FOO_display rebuilds the choices
            # dict on every call (a tenth of this phase at the large scale), so give each card its label.
            card.get_kind_display = kinds[card.kind].__str__  # type: ignore[method-assign]
        changelog.bulk_create(RecordCard, cards, batch_size=2000)
        changelog.bulk_create(Problem, problems, batch_size=2000)
        changelog.bulk_create(FollowUp, steps, batch_size=2000)
        changelog.bulk_create(MarketIntel, intel, batch_size=2000)
        changelog.bulk_create(CardAmendment, amendments, batch_size=2000)
        today = self.ctx.today
        r = self.report
        r.cards += sum(1 for c in cards if c.status == CardStatus.SUBMITTED)
        r.drafts += sum(1 for c in cards if c.status == CardStatus.DRAFT)
        r.problems += len(problems)
        r.open_problems += sum(1 for p in problems if p.status in (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS))
        r.follow_ups += len(steps)
        r.open_follow_ups += sum(1 for s in steps if s.status == FollowUpStatus.OPEN)
        r.overdue_follow_ups += sum(1 for s in steps if s.status == FollowUpStatus.OPEN and s.due < today)
        r.intel += len(intel)
        r.amendments += len(amendments)


# --- the customers' derived columns -----------------------------------------------------------------


def _refresh_customers(customers: list[Customer], last_contact: dict[int, dt.datetime], definitions) -> None:
    """Each customer's last contact and completeness: derived columns (not logged), one executemany."""
    contacts = dict(
        Contact.objects.filter(customer_id__in=[c.pk for c in customers], archived_at__isnull=True)
        .values("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    )
    rows = []
    for c in customers:
        when = last_contact.get(c.pk)
        if when is None or (c.last_contact_at is not None and c.last_contact_at >= when):
            continue
        c.last_contact_at = when
        items = completeness.breakdown(
            c,
            definitions=definitions,
            contact_count=contacts.get(c.pk, 0),
            team_people=c.team_people,
            team_roles=c.team_roles,
        )
        c.completeness = completeness.score(items)
        rows.append((connection.ops.adapt_datetimefield_value(when), c.completeness, c.pk))
    table = Customer._meta.db_table
    with connection.cursor() as cur:
        cur.executemany(f'UPDATE "{table}" SET last_contact_at = %s, completeness = %s WHERE id = %s', rows)


# --- visit plans --------------------------------------------------------------------------------------


def _plans(ctx: _Context, report: CardReport) -> None:
    """Every rep's plan for the last weeks and this one, from the visits they made (most planned, some
    not) plus planned visits never made; this week's plan also holds visits still to come."""
    today = ctx.today
    this_week = week_start_of(today)
    first = this_week - dt.timedelta(days=7 * WEEKS_OF_PLANS)
    reps = {pk: e for pk, e in ctx.employees.items() if e.role == Role.REP and e.status != EmployeeStatus.LEFT}
    lo = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    made: dict[tuple[int, dt.date], dict[int, dt.date]] = defaultdict(dict)
    rows = (
        RecordCard.objects.filter(status=CardStatus.SUBMITTED, occurred_at__gte=lo, author_id__in=list(reps))
        .order_by("author_id", "occurred_at", "id")
        .values_list("author_id", "customer_id", "occurred_at")
    )
    for author_id, customer_id, occurred in rows.iterator(chunk_size=20_000):
        day = timezone.localtime(occurred).date()
        made[(author_id, week_start_of(day))].setdefault(customer_id, day)
    portfolio: dict[int, list[tuple[int, str, dt.datetime | None]]] = defaultdict(list)
    members = (
        AccountTeamMember.objects.filter(current_team_q(), employee_id__in=list(reps))
        .filter(
            customer__archived_at__isnull=True, customer__status__in=(CustomerStatus.ACTIVE, CustomerStatus.PROSPECT)
        )
        .order_by("employee_id", "customer_id")
        .values_list("employee_id", "customer_id", "customer__grade", "customer__last_contact_at")
    )
    for employee_id, customer_id, grade, last in members.iterator(chunk_size=20_000):
        portfolio[employee_id].append((customer_id, grade, last))
    plans: list[VisitPlan] = []
    visits: list[PlannedVisit] = []
    for rep_id in sorted(reps):
        rep = reps[rep_id]
        rng = random.Random(f"{ctx.seed}-plans-{rep.employee_no}")
        skip = rep_id != ctx.login_rep_id and rng.random() < 0.1  # some never plan
        if skip:
            continue
        for w in range(WEEKS_OF_PLANS + 1):
            week = first + dt.timedelta(days=7 * w)
            done = made.get((rep_id, week), {})
            plan = VisitPlan(employee_id=rep_id, week_start=week)
            chosen: list[PlannedVisit] = []
            for customer_id, day in sorted(done.items(), key=lambda kv: (kv[1], kv[0])):
                if rng.random() < 0.8:
                    reason = _weighted(
                        rng, [(PlanReason.CADENCE, 6), (PlanReason.FOLLOW_UP, 3), (PlanReason.MANUAL, 1)]
                    )
                    chosen.append(PlannedVisit(plan=plan, customer_id=customer_id, day=day, reason=reason))
            taken = set(done)
            pool = [c for c in portfolio.get(rep_id, []) if c[0] not in taken]
            if week == this_week:
                # Still to come this week: customers past (or reaching) their cadence.
                cutoff = today - dt.timedelta(days=10)
                due = [c for c in pool if c[2] is None or timezone.localtime(c[2]).date() < cutoff]
                later = [week + dt.timedelta(days=d) for d in range(7) if week + dt.timedelta(days=d) > today]
                later = [d for d in later if d.weekday() < 5] or later
                for customer_id, _grade, _last in rng.sample(due, min(len(due), rng.randint(4, 8))):
                    chosen.append(
                        PlannedVisit(
                            plan=plan,
                            customer_id=customer_id,
                            day=rng.choice(later) if later else None,
                            reason=PlanReason.CADENCE,
                        )
                    )
            else:
                missed = rng.sample(pool, min(len(pool), rng.randint(0, 3)))
                for customer_id, _grade, _last in missed:
                    day = week + dt.timedelta(days=rng.randint(0, 4))
                    chosen.append(PlannedVisit(plan=plan, customer_id=customer_id, day=day, reason=PlanReason.CADENCE))
            if chosen:
                plans.append(plan)
                visits.extend(chosen)
    changelog.bulk_create(VisitPlan, plans, batch_size=2000)
    for v in visits:
        v.plan_id = v.plan.pk
    changelog.bulk_create(PlannedVisit, visits, batch_size=2000)
    report.plans += len(plans)
    report.planned_visits += len(visits)


# --- the phase ------------------------------------------------------------------------------------------


def _chunks(chunk: int) -> Iterable[list[Customer]]:
    last = 0
    while True:
        batch = list(
            Customer.objects.filter(pk__gt=last, archived_at__isnull=True, merged_into__isnull=True).order_by("pk")[
                :chunk
            ]
        )
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def _catalogue() -> list[Talk]:
    """The products cards talk about: the company's own (the demo's channel creates them), else the demo's."""
    rows = Product.objects.filter(archived_at__isnull=True).order_by("code").values_list("name", "base_unit")
    return talk_about(list(rows) or [(p.name, p.base_unit) for p in CATALOGUE])


def _login_key_account(rep_id: int | None, profile: CardProfile, today: dt.date) -> int | None:
    """The `rep` login's oldest grade-A hospital becomes a key account, so its timeline is long."""
    if rep_id is None:
        return None
    cutoff = today - dt.timedelta(days=profile.key_history_days)
    return (
        AccountTeamMember.objects.filter(
            current_team_q(),
            employee_id=rep_id,
            role=TeamRole.DEVELOP,
            since__lte=cutoff,
            customer__kind=CustomerKind.HOSPITAL,
            customer__grade=CustomerGrade.A,
            customer__status=CustomerStatus.ACTIVE,
        )
        .order_by("customer__code")
        .values_list("customer_id", flat=True)
        .first()
    )


def cards_build(
    *, scale: str = "small", seed: int = 2026, chunk: int = CHUNK, now: dt.datetime | None = None
) -> CardReport:
    """Write the demo's record cards, problems, follow-ups, intel, amendments and visit plans over the
    customers already in the database, dated back from ``now`` (the time of the build). Same company,
    scale, seed and time, same cards, whatever the chunk size."""
    started = time.monotonic()
    now = now or timezone.now()
    today = timezone.localdate(now)
    employees = {e.pk: e for e in Employee.objects.select_related("user")}
    login = next((e for e in employees.values() if e.user is not None and e.user.username == "rep"), None)
    profile = PROFILES[scale]
    ctx = _Context(
        profile=profile,
        seed=seed,
        today=today,
        now=now,
        employees=employees,
        login_rep_id=login.pk if login else None,
        login_key_account=_login_key_account(login.pk if login else None, profile, today),
        products=_catalogue(),
    )
    writer = _Writer(ctx)
    definitions = active_definitions()
    managers = {pk for pk, e in employees.items() if e.role == Role.MANAGER}
    gone = {pk for pk, e in employees.items() if e.status == EmployeeStatus.LEFT}
    with change_context(source=ChangeSource.SYSTEM), transaction.atomic():
        for customers in _chunks(chunk):
            ids = [c.pk for c in customers]
            teams: dict[int, list[_Member]] = defaultdict(list)
            for customer_id, employee_id, role, since in (
                AccountTeamMember.objects.filter(current_team_q(), customer_id__in=ids)
                .order_by("customer_id", "id")
                .values_list("customer_id", "employee_id", "role", "since")
            ):
                if employee_id not in gone:
                    teams[customer_id].append(_Member(employee_id, role, since, employee_id in managers))
            contacts: dict[int, list[tuple[int, str, str, bool]]] = defaultdict(list)
            for customer_id, pk, name, title, is_key in (
                Contact.objects.filter(customer_id__in=ids, archived_at__isnull=True)
                .order_by("customer_id", "id")
                .values_list("customer_id", "id", "name", "title", "is_key")
            ):
                contacts[customer_id].append((pk, name, title, is_key))
            for customer in customers:
                if teams.get(customer.pk):
                    writer.plan_customer(customer, teams[customer.pk], contacts.get(customer.pk, []))
            last_contact: dict[int, dt.datetime] = {}
            for item in writer.cards:
                c = item.card
                if c.status == CardStatus.SUBMITTED and (
                    c.customer_id not in last_contact or c.occurred_at > last_contact[c.customer_id]
                ):
                    last_contact[c.customer_id] = c.occurred_at
            writer.flush()
            _refresh_customers(customers, last_contact, definitions)
        _plans(ctx, writer.report)
    writer.report.seconds = time.monotonic() - started
    return writer.report

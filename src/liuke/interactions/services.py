"""Business rules of record cards: drafts, submission (locking), amendments, problems, follow-ups
and visit plans. Views, the API and the demo all come through here."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liuke.customers import services as customer_services
from liuke.customers.models import Contact, Customer
from liuke.customers.selectors import visible_customers
from liuke.org.choices import EmployeeStatus
from liuke.org.models import Employee

from . import quality
from .choices import (
    AMENDABLE_FIELDS,
    OPEN_PROBLEM_STATUSES,
    AttachmentKind,
    CardKind,
    CardStatus,
    FollowUpStatus,
    PlanReason,
    ProblemStatus,
)
from .models import (
    Attachment,
    CardAmendment,
    FollowUp,
    MarketIntel,
    PlannedVisit,
    Problem,
    RecordCard,
    VisitPlan,
)

CLOCK_SKEW = dt.timedelta(minutes=10)  # a phone's clock may run a little ahead
MAX_TEXT = 4000
MAX_ITEMS = 20

ATTACHMENT_TYPES = {
    # content type: (kind, extensions)
    "image/jpeg": (AttachmentKind.PHOTO, {".jpg", ".jpeg"}),
    "image/png": (AttachmentKind.PHOTO, {".png"}),
    "image/webp": (AttachmentKind.PHOTO, {".webp"}),
    "image/heic": (AttachmentKind.PHOTO, {".heic"}),
    "application/pdf": (AttachmentKind.DOCUMENT, {".pdf"}),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (AttachmentKind.DOCUMENT, {".docx"}),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (AttachmentKind.DOCUMENT, {".xlsx"}),
}
# The first bytes of each accepted type: a renamed file is refused, not stored under a false type.
_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}
MAX_ATTACHMENTS = 10


# --- drafts ------------------------------------------------------------------------------------


def _text(value: Any, field: str, errors: dict) -> str:
    text = str(value or "").strip()
    if len(text) > MAX_TEXT:
        errors[field] = _("At most %(n)d characters.") % {"n": MAX_TEXT}
    return text


def _clean_ids(values: Any) -> list[int]:
    out: list[int] = []
    for v in values or []:
        try:
            i = int(v)
        except (TypeError, ValueError):
            continue
        if i not in out:
            out.append(i)
    return out


def _clean_next_steps(steps: Any, *, author: Employee, occurred: dt.date, errors: dict) -> list[dict]:
    out = []
    owners = {e.pk: e for e in Employee.objects.filter(pk__in=_clean_ids(s.get("owner") for s in steps or []))}
    for n, step in enumerate(steps or [], start=1):
        text = str(step.get("text") or "").strip()
        if not text:
            continue
        due = step.get("due")
        if isinstance(due, str):
            try:
                due = dt.date.fromisoformat(due.strip()) if due.strip() else None
            except ValueError:
                errors["next_steps"] = _("Next step %(n)d: the due date %(due)s is not a date.") % {"n": n, "due": due}
                continue
        if due is None:
            errors["next_steps"] = _("Next step %(n)d needs a due date.") % {"n": n}
            continue
        if due < occurred:
            errors["next_steps"] = _("Next step %(n)d is due before the contact took place.") % {"n": n}
            continue
        owner_id = _clean_ids([step.get("owner")])
        owner = owners.get(owner_id[0]) if owner_id else author
        if owner is None or owner.status == EmployeeStatus.LEFT:
            errors["next_steps"] = _("Next step %(n)d: its owner is not a current employee.") % {"n": n}
            continue
        out.append({"text": text[:500], "due": due.isoformat(), "owner": owner.pk})
    if len(out) > MAX_ITEMS:
        errors["next_steps"] = _("At most %(n)d next steps on one card.") % {"n": MAX_ITEMS}
    return out


def _clean_intel(rows: Any, errors: dict) -> list[dict]:
    out = []
    for n, row in enumerate(rows or [], start=1):
        competitor = str(row.get("competitor") or "").strip()
        product = str(row.get("product") or "").strip()
        activity = str(row.get("activity") or "").strip()
        raw_price = str(row.get("price") or "").strip().replace(",", "").replace("，", "").replace("¥", "")
        if not (competitor or product or activity or raw_price):
            continue
        if not competitor:
            errors["intel"] = _("Market intelligence row %(n)d needs the competitor's name.") % {"n": n}
            continue
        price = None
        if raw_price:
            try:
                price = Decimal(raw_price)
            except InvalidOperation:
                errors["intel"] = _("Market intelligence row %(n)d: the price %(p)s is not a number.") % {
                    "n": n,
                    "p": raw_price,
                }
                continue
            if price < 0 or price >= Decimal("1e10"):
                errors["intel"] = _("Market intelligence row %(n)d: the price cannot be negative.") % {"n": n}
                continue
        out.append(
            {
                "competitor": competitor[:100],
                "product": product[:100],
                "price": str(price) if price is not None else "",
                "activity": activity[:300],
            }
        )
    return out


@transaction.atomic
def card_save_draft(
    *,
    author: Employee,
    customer: Customer,
    data: dict[str, Any],
    card: RecordCard | None = None,
    client_key: str | None = None,
) -> RecordCard:
    """Create or change a draft card. Only a draft can be saved; a submitted card is locked."""
    if card is None and client_key:
        existing = RecordCard.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.author_id != author.pk:
                raise ValidationError(_("This draft belongs to someone else."))
            card = existing
    if card is not None:
        card = RecordCard.objects.select_for_update().get(pk=card.pk)
        if card.status != CardStatus.DRAFT:
            raise ValidationError(_("This card was submitted and is locked; add an amendment instead."))
        if card.author_id != author.pk:
            raise ValidationError(_("Only the author changes a draft."))
    else:
        card = RecordCard(author=author, customer=customer, client_key=client_key or None)
    if customer.archived_at is not None:
        raise ValidationError(_("%(name)s is archived; record cards are not added to it.") % {"name": customer.name})
    errors: dict[str, str] = {}
    occurred = data.get("occurred_at") or card.occurred_at or timezone.now()
    if timezone.is_naive(occurred):
        occurred = timezone.make_aware(occurred)
    if occurred > timezone.now() + CLOCK_SKEW:
        errors["occurred_at"] = _("The contact cannot be in the future.")
    card.customer = customer
    card.occurred_at = occurred
    kind = data.get("kind") or card.kind or CardKind.VISIT
    if kind not in CardKind.values:
        errors["kind"] = _("Unknown kind of contact: %(kind)s.") % {"kind": kind}
    card.kind = kind
    card.purpose = _text(data.get("purpose", card.purpose), "purpose", errors)
    card.summary = _text(data.get("summary", card.summary), "summary", errors)
    card.solutions = _text(data.get("solutions", card.solutions), "solutions", errors)
    card.suggestions = _text(data.get("suggestions", card.suggestions), "suggestions", errors)
    card.backdate_reason = str(data.get("backdate_reason", card.backdate_reason) or "").strip()[:300]
    colleagues = [i for i in _clean_ids(data.get("colleague_ids", card.colleague_ids)) if i != author.pk]
    known = set(
        Employee.objects.filter(pk__in=colleagues).exclude(status=EmployeeStatus.LEFT).values_list("pk", flat=True)
    )
    if set(colleagues) - known:
        errors["colleague_ids"] = _("A colleague present is not a current employee.")
    card.colleague_ids = colleagues
    contacts = _clean_ids(data.get("contact_ids", card.contact_ids))
    theirs = set(Contact.objects.filter(pk__in=contacts, customer=customer).values_list("pk", flat=True))
    if set(contacts) - theirs:
        errors["contact_ids"] = _("A contact met does not belong to %(name)s.") % {"name": customer.name}
    card.contact_ids = contacts
    raised = [str(p).strip()[:500] for p in data.get("problems_raised", card.problems_raised) or [] if str(p).strip()]
    if len(raised) > MAX_ITEMS:
        errors["problems_raised"] = _("At most %(n)d problems on one card.") % {"n": MAX_ITEMS}
    card.problems_raised = raised
    resolved = _clean_ids(data.get("resolved_problem_ids", card.resolved_problem_ids))
    open_here = set(
        Problem.objects.filter(pk__in=resolved, customer=customer, status__in=OPEN_PROBLEM_STATUSES).values_list(
            "pk", flat=True
        )
    )
    if set(resolved) - open_here:
        errors["resolved_problem_ids"] = _("Only open problems of this customer can be resolved by this card.")
    card.resolved_problem_ids = resolved
    done = _clean_ids(data.get("done_follow_up_ids", card.done_follow_up_ids))
    open_steps = set(
        FollowUp.objects.filter(pk__in=done, customer=customer, status=FollowUpStatus.OPEN).values_list("pk", flat=True)
    )
    if set(done) - open_steps:
        errors["done_follow_up_ids"] = _("Only open follow-ups of this customer can be done by this card.")
    card.done_follow_up_ids = done
    card.next_steps = _clean_next_steps(
        data.get("next_steps", card.next_steps),
        author=author,
        occurred=timezone.localtime(occurred).date(),
        errors=errors,
    )
    card.intel = _clean_intel(data.get("intel", card.intel), errors)
    for name in ("checkin_lat", "checkin_lng", "checkin_accuracy"):
        if name in data:
            setattr(card, name, data[name])
    if card.checkin_lat is not None and not -90 <= float(card.checkin_lat) <= 90:
        errors["checkin_lat"] = _("Not a latitude.")
    if card.checkin_lng is not None and not -180 <= float(card.checkin_lng) <= 180:
        errors["checkin_lng"] = _("Not a longitude.")
    if errors:
        raise ValidationError(errors)
    card.save()
    return card


# --- submission ----------------------------------------------------------------------------------


def backdate_limit_days() -> int:
    return int(getattr(settings, "LIUKE_BACKDATE_LIMIT_DAYS", 3))


def needs_backdate_reason(occurred_at: dt.datetime, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (today - timezone.localtime(occurred_at).date()).days > backdate_limit_days()


def distance_metres(lat1: float, lng1: float, lat2: float, lng2: float) -> int:
    """Great-circle distance (haversine) in metres."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * r * math.asin(math.sqrt(a)))


def _place_checkin(card: RecordCard) -> None:
    c = card.customer
    if card.checkin_lat is None or card.checkin_lng is None or c.latitude is None or c.longitude is None:
        card.distance_m, card.far_from_customer = None, False
        return
    card.distance_m = distance_metres(
        float(card.checkin_lat), float(card.checkin_lng), float(c.latitude), float(c.longitude)
    )
    slack = card.checkin_accuracy or 0
    card.far_from_customer = card.distance_m - slack > int(getattr(settings, "LIUKE_CHECKIN_FAR_METRES", 1000))


def previous_summary(card: RecordCard) -> str:
    prev = (
        RecordCard.objects.filter(author_id=card.author_id, status=CardStatus.SUBMITTED)
        .exclude(pk=card.pk)
        .order_by("-submitted_at")
        .values_list("summary", flat=True)
        .first()
    )
    return prev or ""


@transaction.atomic
def card_submit(*, card: RecordCard, author: Employee, now: dt.datetime | None = None) -> RecordCard:
    """Submit a draft: from now on it is locked. Raised problems and next steps become tracked items;
    the problems and follow-ups it names are resolved and done; the customer's last contact moves."""
    card = RecordCard.objects.select_for_update().select_related("customer").get(pk=card.pk)
    if card.status == CardStatus.SUBMITTED:
        raise ValidationError(_("This card was already submitted."))
    if card.author_id != author.pk:
        raise ValidationError(_("Only the author submits a card."))
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if not card.summary.strip():
        errors["summary"] = _("Say what happened before submitting.")
    if card.occurred_at > now + CLOCK_SKEW:
        errors["occurred_at"] = _("The contact cannot be in the future.")
    if needs_backdate_reason(card.occurred_at, timezone.localdate(now)) and not card.backdate_reason.strip():
        errors["backdate_reason"] = _(
            "The contact was more than %(n)d days ago: give the reason it is recorded only now."
        ) % {"n": backdate_limit_days()}
    stale = set(card.resolved_problem_ids) - set(
        Problem.objects.filter(
            pk__in=card.resolved_problem_ids, customer=card.customer, status__in=OPEN_PROBLEM_STATUSES
        ).values_list("pk", flat=True)
    )
    if stale:
        errors["resolved_problem_ids"] = _("A problem this card resolves was meanwhile resolved or closed.")
    stale_steps = set(card.done_follow_up_ids) - set(
        FollowUp.objects.filter(
            pk__in=card.done_follow_up_ids, customer=card.customer, status=FollowUpStatus.OPEN
        ).values_list("pk", flat=True)
    )
    if stale_steps:
        errors["done_follow_up_ids"] = _("A follow-up this card completes was meanwhile done or cancelled.")
    if errors:
        raise ValidationError(errors)

    _place_checkin(card)
    card.status = CardStatus.SUBMITTED
    card.submitted_at = now
    items = quality.assess(card, previous_summary=previous_summary(card), submitted_at=now)
    card.quality = quality.score(items)
    card.quality_items = [i.as_dict() for i in items]
    card.save()

    day = timezone.localtime(card.occurred_at).date()
    for text in card.problems_raised:
        Problem.objects.create(customer=card.customer, card=card, description=text, owner=author, raised_on=day)
    for problem in Problem.objects.filter(pk__in=card.resolved_problem_ids).select_for_update():
        problem.status, problem.resolved_by, problem.resolved_on = ProblemStatus.RESOLVED, card, day
        problem.save()
    owners = {e.pk: e for e in Employee.objects.filter(pk__in=[s["owner"] for s in card.next_steps])}
    for step in card.next_steps:
        FollowUp.objects.create(
            customer=card.customer,
            card=card,
            description=step["text"],
            owner=owners.get(step["owner"], author),
            due=dt.date.fromisoformat(step["due"]),
        )
    for follow_up in FollowUp.objects.filter(pk__in=card.done_follow_up_ids).select_for_update():
        follow_up.status, follow_up.done_by, follow_up.done_on = FollowUpStatus.DONE, card, day
        follow_up.save()
    for row in card.intel:
        MarketIntel.objects.create(
            card=card,
            customer=card.customer,
            competitor=row["competitor"],
            product=row.get("product", ""),
            price_seen=Decimal(row["price"]) if row.get("price") else None,
            activity=row.get("activity", ""),
            observed_on=day,
        )
    customer_services.customer_record_contact(customer=card.customer, when=card.occurred_at)
    return card


def card_already_sent(*, author: Employee, client_key: str | None) -> RecordCard | None:
    """The card this author's phone already submitted under ``client_key``, if any: the one check that an
    outbox sent twice (a lost answer, a retry) makes one card, for the form and the API alike."""
    if not client_key:
        return None
    return RecordCard.objects.filter(client_key=client_key, author=author, status=CardStatus.SUBMITTED).first()


def card_record(
    *, author: Employee, customer: Customer, data: dict[str, Any], client_key: str | None = None
) -> RecordCard:
    """Write and submit a card in one step (the phone form's "submit", the API, the demo).

    A card the phone already delivered (same client key) is returned as it is: an outbox sent twice
    still makes one card."""
    sent = card_already_sent(author=author, client_key=client_key)
    if sent is not None:
        return sent
    with transaction.atomic():
        card = card_save_draft(author=author, customer=customer, data=data, client_key=client_key)
        if card.status == CardStatus.SUBMITTED:
            return card
        return card_submit(card=card, author=author)


@transaction.atomic
def card_amend(*, card: RecordCard, author: Employee, changes: dict[str, str], reason: str) -> CardAmendment:
    """Correct a submitted card without touching it: the amendment holds the new texts and the reason."""
    card = RecordCard.objects.select_for_update().get(pk=card.pk)
    if card.status != CardStatus.SUBMITTED:
        raise ValidationError(_("A draft is simply edited; amendments are for submitted cards."))
    if card.author_id != author.pk:
        raise ValidationError(_("Only the author amends a card."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the card is amended.")})
    current = effective_texts(card)
    clean = {}
    for key, value in (changes or {}).items():
        if key not in AMENDABLE_FIELDS:
            raise ValidationError(_("%(field)s cannot be amended.") % {"field": key})
        text = str(value or "").strip()
        if len(text) > MAX_TEXT:
            raise ValidationError({key: _("At most %(n)d characters.") % {"n": MAX_TEXT}})
        if text != current[key]:
            clean[key] = text
    if not clean:
        raise ValidationError(_("The amendment changes nothing."))
    return CardAmendment.objects.create(card=card, author=author, reason=reason[:300], changes=clean)


def effective_texts(card: RecordCard, amendments: list[CardAmendment] | None = None) -> dict[str, str]:
    """The card's texts as amended (the original stays on the card itself)."""
    texts = {key: getattr(card, key) for key in AMENDABLE_FIELDS}
    for amendment in amendments if amendments is not None else card.amendments.order_by("created_at", "id"):
        texts.update(amendment.changes)
    return texts


# --- attachments ---------------------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, card: RecordCard, author: Employee, upload) -> Attachment:
    """Attach a photo or document to a draft (type and size checked; the file's own bytes decide)."""
    import os

    if card.status != CardStatus.DRAFT:
        raise ValidationError(_("Attachments are added while the card is a draft."))
    if card.author_id != author.pk:
        raise ValidationError(_("Only the author adds attachments."))
    if card.attachments.filter(archived_at__isnull=True).count() >= MAX_ATTACHMENTS:
        raise ValidationError(_("At most %(n)d attachments on one card.") % {"n": MAX_ATTACHMENTS})
    limit = int(getattr(settings, "LIUKE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
    name = os.path.basename(upload.name or "file")[:200]
    ext = os.path.splitext(name)[1].lower()
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if content_type not in ATTACHMENT_TYPES:
        content_type = next((t for t, (_k, exts) in ATTACHMENT_TYPES.items() if ext in exts), content_type)
    if content_type not in ATTACHMENT_TYPES or ext not in ATTACHMENT_TYPES[content_type][1]:
        raise ValidationError(
            _("%(name)s: only photos (JPEG, PNG, WebP, HEIC) and documents (PDF, Word, Excel) can be attached.")
            % {"name": name}
        )
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is %(size).1f MB; the limit is %(limit)d MB.")
            % {"name": name, "size": upload.size / 1024 / 1024, "limit": limit // 1024 // 1024}
        )
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    head = upload.read(16)
    upload.seek(0)
    if content_type in _MAGIC and not any(head.startswith(m) for m in _MAGIC[content_type]):
        raise ValidationError(_("%(name)s is not really a %(ext)s file.") % {"name": name, "ext": ext})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        card=card,
        kind=ATTACHMENT_TYPES[content_type][0],
        name=name,
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment


# --- problems and follow-ups -----------------------------------------------------------------------


@transaction.atomic
def problem_set_status(*, problem: Problem, status: str, note: str = "") -> Problem:
    """Move a problem by hand (in progress, resolved or closed without a card need a note)."""
    if status not in ProblemStatus.values:
        raise ValidationError(_("Unknown status: %(s)s.") % {"s": status})
    note = (note or "").strip()
    if status in (ProblemStatus.RESOLVED, ProblemStatus.CLOSED) and not note:
        raise ValidationError({"note": _("Say how the problem was resolved or why it is closed.")})
    if not problem.is_open and status in OPEN_PROBLEM_STATUSES:
        raise ValidationError(_("A resolved or closed problem is not reopened; raise it again on a card."))
    problem.status = status
    if status in (ProblemStatus.RESOLVED, ProblemStatus.CLOSED):
        problem.resolved_on = timezone.localdate()
    if note:
        problem.note = note
    problem.save()
    return problem


@transaction.atomic
def follow_up_create(
    *, customer: Customer, owner: Employee, description: str, due: dt.date, card: RecordCard | None = None
) -> FollowUp:
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Say what is to be done.")})
    if owner.status == EmployeeStatus.LEFT:
        raise ValidationError({"owner": _("%(name)s has left the company.") % {"name": owner.name}})
    follow_up = FollowUp(customer=customer, owner=owner, description=description[:500], due=due, card=card)
    follow_up.full_clean()
    follow_up.save()
    return follow_up


@transaction.atomic
def follow_up_close(*, follow_up: FollowUp, status: str = FollowUpStatus.DONE, note: str = "") -> FollowUp:
    """Mark a follow-up done (or cancelled) by hand."""
    if follow_up.status != FollowUpStatus.OPEN:
        raise ValidationError(_("This follow-up is no longer open."))
    if status not in (FollowUpStatus.DONE, FollowUpStatus.CANCELLED):
        raise ValidationError(_("Unknown status: %(s)s.") % {"s": status})
    if status == FollowUpStatus.CANCELLED and not (note or "").strip():
        raise ValidationError({"note": _("Say why the follow-up is cancelled.")})
    follow_up.status, follow_up.done_on, follow_up.note = status, timezone.localdate(), (note or "").strip()
    follow_up.save()
    return follow_up


# --- visit plans ---------------------------------------------------------------------------------


def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def plan_for(*, employee: Employee, week_start: dt.date) -> VisitPlan:
    plan, _created = VisitPlan.objects.get_or_create(employee=employee, week_start=week_start_of(week_start))
    return plan


@transaction.atomic
def plan_add(
    *,
    employee: Employee,
    week_start: dt.date,
    customer: Customer,
    day: dt.date | None = None,
    reason: str = "",
    note: str = "",
) -> PlannedVisit:
    plan = plan_for(employee=employee, week_start=week_start)
    if day is not None and not plan.week_start <= day < plan.week_start + dt.timedelta(days=7):
        raise ValidationError({"day": _("The day is not in the week of %(week)s.") % {"week": plan.week_start}})
    if plan.visits.filter(customer=customer, archived_at__isnull=True).exists():
        raise ValidationError(_("%(name)s is already in this week's plan.") % {"name": customer.name})
    return PlannedVisit.objects.create(
        plan=plan, customer=customer, day=day, reason=reason or PlanReason.MANUAL, note=(note or "")[:200]
    )


PLAN_VISITS_PER_DAY = 4  # suggested visits are spread over the working days, at most this many a day
WORKING_DAYS = 5  # Monday to Friday


@dataclass(frozen=True)
class PlanEntry:
    """One visit to add to a week's plan: whom, which day (None: some day that week) and why."""

    customer_id: int
    day: dt.date | None = None
    reason: str = PlanReason.MANUAL


@transaction.atomic
def plan_add_visits(*, employee: Employee, week_start: dt.date, entries: list[PlanEntry]) -> list[PlannedVisit]:
    """Add a batch of visits to the employee's plan for the week: all of them or, if any one is wrong,
    none. Every day lies inside the week, every customer is one the employee may see, and no customer is
    planned twice that week (in the batch or already)."""
    if not entries:
        raise ValidationError(_("Tick the customers to add to the plan."))
    plan = plan_for(employee=employee, week_start=week_start)
    week_end = plan.week_start + dt.timedelta(days=7)
    ids = [e.customer_id for e in entries]
    customers = visible_customers(viewer=employee.user).in_bulk(ids)
    already = set(
        plan.visits.filter(customer_id__in=ids, archived_at__isnull=True).values_list("customer_id", flat=True)
    )
    errors: list[str] = []
    seen: set[int] = set()
    for entry in entries:
        customer = customers.get(entry.customer_id)
        if customer is None:
            errors.append(_("Customer %(id)s is not one you may plan a visit to.") % {"id": entry.customer_id})
            continue
        names = {"name": customer.name, "week": plan.week_start.isoformat()}
        if entry.customer_id in seen:
            errors.append(_("%(name)s is in the list twice.") % names)
        elif entry.customer_id in already:
            errors.append(_("%(name)s is already in this week's plan.") % names)
        seen.add(entry.customer_id)
        if entry.day is not None and not plan.week_start <= entry.day < week_end:
            errors.append(_("%(name)s: the day is not in the week of %(week)s.") % names)
        if entry.reason not in PlanReason.values:
            errors.append(_("%(name)s: unknown reason for the visit.") % names)
    if errors:
        raise ValidationError(errors)
    return [
        PlannedVisit.objects.create(plan=plan, customer=customers[e.customer_id], day=e.day, reason=e.reason)
        for e in entries
    ]


@transaction.atomic
def plan_remove(*, visit: PlannedVisit) -> PlannedVisit:
    """Take a visit out of the plan (archived: the plan's history keeps it)."""
    visit.archive()
    return visit

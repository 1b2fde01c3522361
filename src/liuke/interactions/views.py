"""Pages of record cards: the phone-first card form, a card, a customer's cards, my day, problems,
follow-ups and visit plans. Thin: reads through selectors, writes through services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liuke.core import selectors as core_selectors
from liuke.core import visibility
from liuke.core.filtersets import query_then_form
from liuke.customers.models import Contact, Customer
from liuke.customers.selectors import customer_detail_team, search, visible_customers
from liuke.org.models import Employee

from . import selectors, services
from .choices import AMENDABLE_FIELDS, CardKind, CardStatus, PlanReason
from .filtersets import CardCustomerFilterSet, FollowUpFilterSet, ProblemFilterSet, WeekFilterSet
from .forms import (
    AmendForm,
    CardForm,
    FollowUpCloseForm,
    FollowUpForm,
    ProblemStatusForm,
    card_data,
    card_initial,
    posted_ids,
    posted_intel,
    posted_steps,
)
from .models import Attachment, FollowUp, PlannedVisit, Problem, RecordCard, VisitPlan, card_field_label


def _employee_or_403(request: HttpRequest) -> Employee:
    employee = selectors.viewer_employee(request.user)
    if employee is None:
        raise PermissionDenied(_("Only employees write record cards."))
    return employee


def _visible(request: HttpRequest, model, pk: Any, action: str = visibility.VIEW):
    obj = visibility.visible_object(request.user, model._default_manager.all(), pk)
    if obj is None:
        raise Http404
    if action == visibility.CHANGE and not visibility.can(request.user, obj, visibility.CHANGE):
        raise PermissionDenied
    return obj


def _error_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def _wants_json(request: HttpRequest) -> bool:
    """The phone's scripts (the card form and its outbox) ask for an answer they can rely on: JSON whose
    ``outcome`` is "submitted" or "draft" (200, the card was accepted as asked), "kept_as_draft" (422, the
    card was refused and its text kept as a draft at ``url``) or "refused" (400, nothing was saved);
    ``message`` says so in the user's language. Anything else (a login page, a server error) was not
    delivered."""
    return request.headers.get("X-Requested-With") == "liuke-outbox"


# --- the card form --------------------------------------------------------------------------------


def _form_context(request: HttpRequest, customer: Customer, employee: Employee, card: RecordCard | None) -> dict:
    team = [
        m.employee for m in customer_detail_team(viewer=request.user, customer=customer) if m.employee_id != employee.pk
    ]
    colleagues = {e.pk: e for e in team}
    if card is not None:
        colleagues.update({e.pk: e for e in Employee.objects.filter(pk__in=card.colleague_ids)})
    return {
        "customer": customer,
        "card": card,
        "contacts": list(
            Contact.objects.filter(customer=customer, archived_at__isnull=True).order_by("-is_key", "name")
        ),
        "colleagues": list(colleagues.values()),
        "problems": list(selectors.open_problems(viewer=request.user, customer=customer)),
        "follow_ups": list(selectors.open_follow_ups(viewer=request.user, customer=customer)),
        "kinds": CardKind.choices,
        "backdate_limit": services.backdate_limit_days(),
        "today": timezone.localdate(),
        "selected": {
            "contact_ids": set(card.contact_ids) if card else set(),
            "colleague_ids": set(card.colleague_ids) if card else set(),
            "resolved_problem_ids": set(card.resolved_problem_ids) if card else set(),
            "done_follow_up_ids": set(card.done_follow_up_ids) if card else set(),
        },
        "steps": (card.next_steps if card else []) + [{"text": "", "due": "", "owner": None}],
        "intel": (card.intel if card else []) + [{"competitor": "", "product": "", "price": "", "activity": ""}],
        "employee": employee,
    }


def _save_card(request: HttpRequest, customer: Customer, employee: Employee, card: RecordCard | None) -> HttpResponse:
    form = CardForm(request.POST)
    errors: dict[str, list[str]] = {}
    kept = False  # the text posted is saved as a draft, whatever happens next
    if form.is_valid():
        data = card_data(form, request.POST)
        key = form.cleaned_data.get("client_key") or None
        try:
            sent = services.card_already_sent(author=employee, client_key=key) if card is None else None
            if sent is not None:  # the phone sent its outbox twice
                return _after_save(request, sent, submitted=True)
            card = services.card_save_draft(author=employee, customer=customer, data=data, card=card, client_key=key)
            kept = True
            for upload in request.FILES.getlist("attachments"):
                services.attachment_add(card=card, author=employee, upload=upload)
            if request.POST.get("action") == "submit":
                card = services.card_submit(card=card, author=employee)
                return _after_save(request, card, submitted=True)
            return _after_save(request, card, submitted=False)
        except ValidationError as exc:
            errors = _error_dict(exc)
    else:
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
    if _wants_json(request):
        return _card_refused(request, customer, card if kept else None, errors)
    for name, msgs in errors.items():
        if name in form.fields and name not in form.errors:
            for m in msgs:
                form.add_error(name, m)
    ctx = _form_context(request, customer, employee, card)
    ctx.update(form=form, errors=errors, **_posted_lists(request.POST))
    return render(request, "interactions/card_form.html", ctx, status=400)


def _posted_lists(post) -> dict[str, Any]:
    """What was ticked and typed in the list parts of the form, to show it again with the errors."""
    keys = ("contact_ids", "colleague_ids", "resolved_problem_ids", "done_follow_up_ids")
    return {
        "selected": {key: set(posted_ids(post, key)) for key in keys},
        "steps": [*posted_steps(post), {"text": "", "due": "", "owner": None}],
        "intel": [*posted_intel(post), {"competitor": "", "product": "", "price": "", "activity": ""}],
    }


def _after_save(request: HttpRequest, card: RecordCard, *, submitted: bool) -> HttpResponse:
    if _wants_json(request):
        said = _("Record card for %(customer)s submitted.") if submitted else _("Draft for %(customer)s saved.")
        return JsonResponse(
            {
                "ok": True,
                "outcome": "submitted" if submitted else "draft",
                "id": card.pk,
                "status": card.status,
                "url": card.get_absolute_url(),
                "message": said % {"customer": card.customer.name},
            }
        )
    if submitted:
        messages.success(request, _("Record card submitted (quality %(q)d/100).") % {"q": card.quality or 0})
        return redirect(card.get_absolute_url())
    messages.info(request, _("Draft saved."))
    return redirect(reverse("interactions:card_edit", args=[card.pk]))


def _card_refused(
    request: HttpRequest, customer: Customer, draft: RecordCard | None, errors: dict[str, list[str]]
) -> JsonResponse:
    """The phone's answer for a card the server did not accept: kept as a draft to fix (422), or not
    saved at all (400, the text stays on the phone and the form restores it)."""
    reasons = " ".join(m for msgs in errors.values() for m in msgs)
    names = {"customer": customer.name, "reasons": reasons}
    if draft is not None:
        return JsonResponse(
            {
                "ok": False,
                "outcome": "kept_as_draft",
                "id": draft.pk,
                "status": draft.status,
                "url": reverse("interactions:card_edit", args=[draft.pk]),
                "errors": errors,
                "message": _("The record card for %(customer)s was not submitted: %(reasons)s It is kept as a draft.")
                % names,
                "link": _("Fix the draft"),
            },
            status=422,
        )
    return JsonResponse(
        {
            "ok": False,
            "outcome": "refused",
            "url": request.get_full_path(),
            "errors": errors,
            "message": _("The record card for %(customer)s was not saved: %(reasons)s") % names,
            "link": _("Open the card"),
        },
        status=400,
    )


@login_required
def card_new(request: HttpRequest) -> HttpResponse:
    employee = _employee_or_403(request)
    picked = CardCustomerFilterSet(query_then_form(request))
    customer_id = picked.customer_id
    if not customer_id:
        q = CardCustomerFilterSet(request.GET).query
        mine = selectors.my_customers(employee=employee)
        qs = search(visible_customers(viewer=request.user), q) if q else mine
        return render(
            request,
            "interactions/card_pick_customer.html",
            {"customers": list(qs.order_by("name_key")[:30]), "q": q},
        )
    customer = _visible(request, Customer, customer_id)
    if request.method == "POST":
        return _save_card(request, customer, employee, None)
    ctx = _form_context(request, customer, employee, None)
    ctx["form"] = CardForm(initial=card_initial(None))
    return render(request, "interactions/card_form.html", ctx)


@login_required
def card_edit(request: HttpRequest, pk: int) -> HttpResponse:
    employee = _employee_or_403(request)
    card = _visible(request, RecordCard, pk)
    if card.status != CardStatus.DRAFT or card.author_id != employee.pk:
        messages.warning(request, _("This card was submitted and is locked; add an amendment instead."))
        return redirect(card.get_absolute_url())
    if request.method == "POST":
        return _save_card(request, card.customer, employee, card)
    ctx = _form_context(request, card.customer, employee, card)
    ctx["form"] = CardForm(initial=card_initial(card))
    ctx["attachments"] = list(card.attachments.filter(archived_at__isnull=True))
    return render(request, "interactions/card_form.html", ctx)


@login_required
def card_detail(request: HttpRequest, pk: int) -> HttpResponse:
    card = _visible(request, RecordCard, pk)
    if not selectors.card_shown_to(viewer=request.user, card=card):
        raise Http404
    view = selectors.card_view(card=card)
    employee = selectors.viewer_employee(request.user)
    labels = {key: card_field_label(key) for key in AMENDABLE_FIELDS}
    can_amend = card.is_submitted and employee is not None and employee.pk == card.author_id
    return render(
        request,
        "interactions/card_detail.html",
        {
            "card": card,
            "v": view,
            "labels": labels,
            "can_amend": can_amend,
            "amend_form": AmendForm(texts=view.texts, labels=labels) if can_amend else None,
            "history": core_selectors.object_history(viewer=request.user, obj=card),
        },
    )


@login_required
@require_POST
def card_amend(request: HttpRequest, pk: int) -> HttpResponse:
    employee = _employee_or_403(request)
    card = _visible(request, RecordCard, pk)
    view = selectors.card_view(card=card)
    labels = {key: card_field_label(key) for key in AMENDABLE_FIELDS}
    form = AmendForm(request.POST, texts=view.texts, labels=labels)
    if form.is_valid():
        changes = {k: form.cleaned_data[k] for k in AMENDABLE_FIELDS}
        try:
            services.card_amend(card=card, author=employee, changes=changes, reason=form.cleaned_data["reason"])
            messages.success(request, _("Amendment added; the original stays on the card."))
            return redirect(card.get_absolute_url() + "#amendments")
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
    else:
        messages.error(request, _("Say why the card is amended."))
    return redirect(card.get_absolute_url() + "#amend")


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = _visible(request, Attachment, pk)
    if not selectors.card_shown_to(viewer=request.user, card=attachment.card):
        raise Http404
    inline = attachment.kind == "photo"
    return FileResponse(attachment.file.open("rb"), as_attachment=not inline, filename=attachment.name)


@login_required
def customer_cards(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _visible(request, Customer, pk)
    page = Paginator(selectors.customer_cards(viewer=request.user, customer=customer), 20).get_page(
        request.GET.get("page")
    )
    selectors.attach_people(list(page.object_list))
    return render(request, "interactions/customer_cards.html", {"customer": customer, "page": page})


# --- my day, problems, follow-ups ------------------------------------------------------------------


@login_required
def my_day(request: HttpRequest) -> HttpResponse:
    employee = _employee_or_403(request)
    day = selectors.my_day(employee=employee)
    return render(request, "interactions/my_day.html", {"day": day, "employee": employee})


@login_required
def problem_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.open_problems(viewer=request.user)
    employee = selectors.viewer_employee(request.user)
    mine = ProblemFilterSet(request.GET).mine_only and employee is not None
    if mine:
        qs = qs.filter(owner=employee)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "interactions/problem_list.html", {"page": page, "mine": mine})


@login_required
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _visible(request, Problem, pk)
    if request.method == "POST":
        if not visibility.can(request.user, problem, visibility.CHANGE):
            raise PermissionDenied
        form = ProblemStatusForm(request.POST)
        if form.is_valid():
            try:
                services.problem_set_status(problem=problem, **form.cleaned_data)
                messages.success(request, _("Problem updated."))
                return redirect(problem.get_absolute_url())
            except ValidationError as exc:
                for msg in exc.messages:
                    form.add_error(None, msg)
    else:
        form = ProblemStatusForm(initial={"status": problem.status})
    return render(
        request,
        "interactions/problem_detail.html",
        {"problem": problem, "form": form, "can_change": visibility.can(request.user, problem, visibility.CHANGE)},
    )


@login_required
def follow_up_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filterset = FollowUpFilterSet(request.GET, queryset=selectors.open_follow_ups(viewer=request.user))
    qs, owner, overdue = filterset.qs, filterset.owner_value, filterset.overdue_only
    if overdue:
        qs = qs.filter(due__lt=today)
    scope = visibility.scope_for(request.user)
    by_owner = selectors.overdue_by_owner(viewer=request.user, today=today) if scope.sees_team else []
    if overdue and scope.sees_team:
        # The per-person counts already add up to this list's length: no second count of every row.
        rows = [r for r in by_owner if owner is None or r.key == owner]
        paginator: Paginator = _CountedPaginator(qs, 50, count=sum(r.count for r in rows))
    else:
        paginator = Paginator(qs, 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "interactions/follow_up_list.html",
        {
            "page": page,
            "today": today,
            "by_owner": by_owner,
            "by_team": selectors.overdue_by_team(owners=by_owner),
            "overdue": overdue,
            "owner": owner or "",
        },
    )


class _CountedPaginator(Paginator):
    """A paginator told its length by the caller (who has just counted the same rows another way)."""

    def __init__(self, object_list, per_page, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._known_count


@login_required
def follow_up_detail(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = _visible(request, FollowUp, pk)
    if request.method == "POST":
        if not visibility.can(request.user, follow_up, visibility.CHANGE):
            raise PermissionDenied
        form = FollowUpCloseForm(request.POST)
        if form.is_valid():
            try:
                services.follow_up_close(follow_up=follow_up, **form.cleaned_data)
                messages.success(request, _("Follow-up closed."))
                return redirect(request.POST.get("next") or follow_up.get_absolute_url())
            except ValidationError as exc:
                for msg in exc.messages:
                    form.add_error(None, msg)
    else:
        form = FollowUpCloseForm()
    return render(
        request,
        "interactions/follow_up_detail.html",
        {
            "follow_up": follow_up,
            "form": form,
            "can_change": follow_up.status == "open" and visibility.can(request.user, follow_up, visibility.CHANGE),
        },
    )


@login_required
@require_POST
def follow_up_add(request: HttpRequest, customer_pk: int) -> HttpResponse:
    employee = _employee_or_403(request)
    customer = _visible(request, Customer, customer_pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_create(customer=customer, owner=employee, **form.cleaned_data)
            messages.success(request, _("Follow-up added."))
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
    else:
        for errs in form.errors.values():
            for err in errs:
                messages.error(request, str(err))
    return redirect(customer.get_absolute_url() + "#open-items")


# --- visit plans -----------------------------------------------------------------------------------


def _posted_plan(post) -> list[services.PlanEntry]:
    """The ticked suggestions, each with its own day (``day_<customer>``) and reason (``reason_<customer>``).
    Raises ValueError for a day that is not a date."""
    entries = []
    for cid in post.getlist("customer"):
        if cid.isdigit():
            day = post.get(f"day_{cid}") or ""
            reason = post.get(f"reason_{cid}") or PlanReason.MANUAL
            entries.append(services.PlanEntry(int(cid), dt.date.fromisoformat(day) if day else None, reason))
    return entries


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    viewer_emp = _employee_or_403(request)
    shown = WeekFilterSet(query_then_form(request))
    week = shown.week_start
    employee = viewer_emp
    other = WeekFilterSet(request.GET).employee_id
    if other and other != viewer_emp.pk:
        employee = _visible(request, Employee, other)
        if not selectors.visible_plans_of(viewer=request.user, employee=employee):
            raise Http404
    own = employee.pk == viewer_emp.pk
    if request.method == "POST":
        if not own:
            raise PermissionDenied
        try:
            if request.POST.get("remove"):
                visit = _visible(request, PlannedVisit, request.POST["remove"], visibility.CHANGE)
                services.plan_remove(visit=visit)
            else:
                added = services.plan_add_visits(employee=employee, week_start=week, entries=_posted_plan(request.POST))
                messages.success(request, _("%(n)d visits added to the plan.") % {"n": len(added)})
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        except ValueError:
            messages.error(request, _("The day is not a date."))
        return redirect(reverse("interactions:plan") + f"?week={week:%Y-%m-%d}")
    _plan, visits, done = selectors.plan_visits(employee=employee, week_start=week)
    week_days = [week + dt.timedelta(days=i) for i in range(7)]
    one_day = shown.one_day if shown.one_day in week_days else None
    if one_day is not None:  # my day's "visits today" tile: that day's visits only
        visits = [v for v in visits if v.day == one_day]
    return render(
        request,
        "interactions/plan.html",
        {
            "employee": employee,
            "own": own,
            "week": week,
            "prev_week": week - dt.timedelta(days=7),
            "next_week": week + dt.timedelta(days=7),
            "days": week_days,
            "one_day": one_day,
            "visits": visits,
            "done": done,
            "today": timezone.localdate(),
            "suggestions": selectors.plan_suggestions(employee=employee, week_start=week) if own else [],
        },
    )


@login_required
def plan_team(request: HttpRequest) -> HttpResponse:
    if not visibility.can(request.user, VisitPlan, "compare"):
        return redirect("interactions:plan")
    week = WeekFilterSet(request.GET).week_start
    rows = selectors.plan_vs_actual(viewer=request.user, week_start=week)
    totals = {
        "planned": sum(r.planned for r in rows),
        "done": sum(r.done for r in rows),
        "unplanned": sum(r.unplanned for r in rows),
        "missed": sum(len(r.missed) for r in rows),
    }
    return render(
        request,
        "interactions/plan_team.html",
        {
            "rows": rows,
            "week": week,
            "prev_week": week - dt.timedelta(days=7),
            "next_week": week + dt.timedelta(days=7),
            "totals": totals,
        },
    )

"""Forms of the record-card pages. The card form's list fields (next steps, intelligence rows, ticked
problems) come as repeated POST keys, so the same parsing serves the page and the phone's offline
outbox (which replays the form's fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liuke.core.forms import DateInput

from .choices import AMENDABLE_FIELDS, CardKind, FollowUpStatus, ProblemStatus


class CardForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CardKind.choices, initial=CardKind.VISIT)
    purpose = forms.CharField(label=_("Purpose"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    summary = forms.CharField(label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    problems_raised = forms.CharField(
        label=_("Problems raised"),
        required=False,
        help_text=_("One per line; each becomes a tracked problem."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    solutions = forms.CharField(label=_("Solutions offered"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    suggestions = forms.CharField(label=_("Suggestions"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    backdate_reason = forms.CharField(label=_("Why it is recorded only now"), required=False, max_length=300)
    checkin_lat = forms.DecimalField(required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    checkin_lng = forms.DecimalField(required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    checkin_accuracy = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("data-draft", name)


def posted_ids(post, key: str) -> list[int]:
    """The ids ticked under ``key`` (anything that is not a number is ignored)."""
    return [int(v) for v in post.getlist(key) if v.isdigit()]


def posted_steps(post) -> list[dict[str, Any]]:
    """The next-step rows typed (rows without text left out), owner as an id or None."""
    texts, dues, owners = post.getlist("step_text"), post.getlist("step_due"), post.getlist("step_owner")
    return [
        {
            "text": text,
            "due": dues[i] if i < len(dues) else "",
            "owner": int(owners[i]) if i < len(owners) and owners[i].isdigit() else None,
        }
        for i, text in enumerate(texts)
        if text.strip()
    ]


def posted_intel(post) -> list[dict[str, str]]:
    """The market-intelligence rows typed (rows left wholly empty left out)."""
    rows = zip(
        post.getlist("intel_competitor"),
        post.getlist("intel_product"),
        post.getlist("intel_price"),
        post.getlist("intel_activity"),
        strict=False,
    )
    return [
        {"competitor": c, "product": p, "price": pr, "activity": a}
        for c, p, pr, a in rows
        if c.strip() or p.strip() or pr.strip() or a.strip()
    ]


def card_data(form: CardForm, post) -> dict[str, Any]:
    """What the card services take, from a valid CardForm and the POST's repeated fields."""
    c = form.cleaned_data
    occurred = c["occurred_at"]
    if occurred is not None and timezone.is_naive(occurred):
        occurred = timezone.make_aware(occurred)
    return {
        "occurred_at": occurred,
        "kind": c["kind"],
        "purpose": c["purpose"],
        "summary": c["summary"],
        "problems_raised": [line for line in (c["problems_raised"] or "").splitlines() if line.strip()],
        "solutions": c["solutions"],
        "suggestions": c["suggestions"],
        "backdate_reason": c["backdate_reason"],
        "contact_ids": posted_ids(post, "contact_ids"),
        "colleague_ids": posted_ids(post, "colleague_ids"),
        "resolved_problem_ids": posted_ids(post, "resolved_problem_ids"),
        "done_follow_up_ids": posted_ids(post, "done_follow_up_ids"),
        "next_steps": posted_steps(post),
        "intel": posted_intel(post),
        "checkin_lat": c["checkin_lat"],
        "checkin_lng": c["checkin_lng"],
        "checkin_accuracy": c["checkin_accuracy"],
    }


def card_initial(card) -> dict[str, Any]:
    if card is None:
        return {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
    return {
        "occurred_at": timezone.localtime(card.occurred_at),
        "kind": card.kind,
        "purpose": card.purpose,
        "summary": card.summary,
        "problems_raised": "\n".join(card.problems_raised),
        "solutions": card.solutions,
        "suggestions": card.suggestions,
        "backdate_reason": card.backdate_reason,
        "checkin_lat": card.checkin_lat,
        "checkin_lng": card.checkin_lng,
        "checkin_accuracy": card.checkin_accuracy,
        "client_key": card.client_key or "",
    }


class AmendForm(forms.Form):
    reason = forms.CharField(label=_("Why the card is amended"), max_length=300)

    def __init__(self, *args: Any, texts: dict[str, str], labels: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in AMENDABLE_FIELDS:
            self.fields[key] = forms.CharField(
                label=labels[key], required=False, initial=texts[key], widget=forms.Textarea(attrs={"rows": 3})
            )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class ProblemStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ProblemStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpCloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (FollowUpStatus.DONE, FollowUpStatus.DONE.label),
            (FollowUpStatus.CANCELLED, FollowUpStatus.CANCELLED.label),
        ],
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(forms.Form):
    description = forms.CharField(label=_("Next step"), max_length=500)
    due = forms.DateField(label=_("Due"), widget=DateInput())

"""Forms of the inbox, the alert page and the rules page: they validate input; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liuke.core.filtersets import MAX_ID
from liuke.core.forms import StyledFormMixin

from .choices import JUDGED_STATUSES, AlertStatus, Severity

NOTE_MAX = 2000


class IdListField(forms.Field):
    """Record ids posted as repeated ``ids=`` (ticked rows of the inbox); odd values are dropped."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids = []
        for v in values:
            text = str(v).strip()
            if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
                ids.append(int(text))
        return sorted(set(ids))


BULK_ACTIONS = [
    ("acknowledge", _("Acknowledge")),
    ("assign_me", _("Assign to me")),
    ("assign", _("Assign to")),
]


class BulkForm(forms.Form):
    ids = IdListField(required=False)
    action = forms.ChoiceField(choices=BULK_ACTIONS)
    assignee = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    note = forms.CharField(required=False, max_length=NOTE_MAX)
    next = forms.CharField(required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if not data.get("ids"):
            raise forms.ValidationError(_("Tick the alerts first."))
        if data.get("action") == "assign" and not data.get("assignee"):
            raise forms.ValidationError(_("Choose whom to assign them to."))
        return data


class StepForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(choices=AlertStatus.choices)
    note = forms.CharField(
        required=False, max_length=NOTE_MAX, label=_("Note"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    @property
    def judged(self) -> bool:
        return self.cleaned_data.get("status") in JUDGED_STATUSES


class AssignForm(forms.Form):
    """``assignee``: "me", an employee id, or empty to take the alert from whoever has it."""

    assignee = forms.CharField(required=False, max_length=20)
    note = forms.CharField(required=False, max_length=NOTE_MAX)

    def clean_assignee(self) -> str | int | None:
        value = (self.cleaned_data.get("assignee") or "").strip()
        if value in ("", "nobody"):
            return None
        if value == "me":
            return "me"
        if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
            return int(value)
        raise forms.ValidationError(_("Choose someone from the list."))


class NoteForm(forms.Form):
    text = forms.CharField(max_length=NOTE_MAX, label=_("Note"))


class RuleSettingForm(StyledFormMixin, forms.Form):
    """An admin's settings of one rule: on or off, severity, thresholds (one field each), watchers."""

    enabled = forms.BooleanField(required=False, label=_("Enabled"))
    severity = forms.ChoiceField(
        required=False, label=_("Severity"), help_text=_("empty: the rule's own, or what each finding says")
    )
    watchers = forms.CharField(
        required=False,
        max_length=2000,
        label=_("Watchers"),
        help_text=_("employee numbers, separated by commas or spaces"),
    )

    def __init__(self, *args, rule, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["severity"].choices = [("", _("The rule's own")), *Severity.choices]
        if rule.info_only:
            del self.fields["severity"]
        for t in rule.thresholds:
            self.fields[f"t_{t.key}"] = forms.CharField(
                required=False, max_length=40, label=t.label, help_text=t.help or None
            )
            self.fields[f"t_{t.key}"].widget.attrs.update({"inputmode": "decimal", "placeholder": str(t.default)})
        self._style()

    def threshold_fields(self):
        return [self[f"t_{t.key}"] for t in self.rule.thresholds]

    def params(self) -> dict[str, str]:
        return {t.key: self.cleaned_data.get(f"t_{t.key}", "") for t in self.rule.thresholds}

    def watcher_numbers(self) -> list[str]:
        text = self.cleaned_data.get("watchers") or ""
        return [n for n in text.replace("，", ",").replace("、", ",").replace(",", " ").split() if n]

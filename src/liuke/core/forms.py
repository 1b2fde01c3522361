"""Shared form plumbing: Bootstrap classes and the viewer passed in for scoped choices."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """A browser date picker. Its value is always ISO ``YYYY-MM-DD``: the only format ``<input type=date>``
    accepts (the Chinese locale's own date format, 2022/11/23, showed an empty box that saved as no date)."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format=format or ISO_DATE)


class StyledFormMixin:
    def _style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):  # and CheckboxSelectMultiple
                # Bootstrap's form-check markup: a form-control class hid the tick of a checked box.
                widget.template_name = "core/widgets/choice_list.html"
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class ServiceForm(StyledFormMixin, forms.Form):
    """A plain form whose cleaned data a service consumes; ``instance`` prefills it."""

    def __init__(self, *args, instance=None, viewer=None, **kwargs):
        self.instance = instance
        self.viewer = viewer
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(instance)
        super().__init__(*args, **kwargs)
        self._style()

    def initial_from(self, instance) -> dict:
        return {name: getattr(instance, name, None) for name in self.base_fields}


def apply_service_errors(form: forms.Form, exc: ValidationError, field_for: Callable[[str], str] = str) -> None:
    """Show a service's ValidationError on the form that fed it.

    Each message goes on the field its key names (``field_for`` maps a service key to a form field name);
    the rest, and errors without keys, go on the form as a whole.
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        name = field_for(key)
        form.add_error(name if name in form.fields else None, errors)

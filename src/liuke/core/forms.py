"""Shared form plumbing: Bootstrap classes and the viewer passed in for scoped choices."""

from django import forms


class StyledFormMixin:
    def _style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
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

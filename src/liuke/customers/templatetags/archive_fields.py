"""Archive field definitions in templates (customers.fields)."""

from django import template

from liuke.customers.fields import kind_labels as _kind_labels

register = template.Library()


@register.filter
def kind_labels(kinds) -> str:
    """``{{ field.required_for|kind_labels }}``: 医院、药店 rather than hospital, pharmacy."""
    return _kind_labels(kinds)

"""Change-log entries as people read them (core.history)."""

from django import template

from liuke.core.history import actor_label

register = template.Library()


@register.filter
def actor(entry) -> str:
    """``{{ entry|actor }}``: the employee who made the change, or "System"."""
    return actor_label(entry)

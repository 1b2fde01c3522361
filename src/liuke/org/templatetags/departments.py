"""Departments by their full path in templates (org.labels)."""

from django import template

from liuke.org.labels import department_labels

register = template.Library()


@register.simple_tag
def labelled_departments(departments) -> list:
    """``{% labelled_departments departments as options %}``: (department, "华东大区 / 上海区 / 一组") pairs."""
    departments = list(departments)
    labels = department_labels(departments)
    return [(d, labels[d.pk]) for d in departments]

"""Departments by their full path (华东大区 / 上海区 / 一组): the tree has many teams called 一组."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Department

SEPARATOR = " / "


def _ancestor_ids(dept: Department) -> list[int]:
    return [int(part) for part in dept.path.strip("/").split("/") if part]


def department_labels(departments: Iterable[Department]) -> dict[int, str]:
    """Each department's path of names, by id, with one query for ancestors not among ``departments``.

    When every department shares one root (the company itself), the root is left out of its descendants'
    labels: it would begin every one of them.
    """
    departments = list(departments)
    names = {d.pk: d.name for d in departments}
    missing = {pk for d in departments for pk in _ancestor_ids(d)} - names.keys()
    if missing:
        names.update(Department.objects.filter(pk__in=missing).values_list("pk", "name"))
    roots = {ids[0] for d in departments if (ids := _ancestor_ids(d))}
    skip_root = len(roots) == 1
    labels = {}
    for dept in departments:
        ids = _ancestor_ids(dept) or [dept.pk]
        if skip_root and len(ids) > 1:
            ids = ids[1:]
        labels[dept.pk] = SEPARATOR.join(names.get(pk, "?") for pk in ids)
    return labels

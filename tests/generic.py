"""Generic view and API test cases, in the manner of NetBox's ViewTestCases.

Each business model registers a :class:`ModelCase`; ``tests/test_generic_views.py`` runs the same
checks on every case, and a meta-test fails when a business model has no case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def _default_denied(w):
    return [w.manager_b, w.director]


@dataclass
class ModelCase:
    model: type
    # Where the object is listed: a URL, or a function of the world giving one.
    list_url: str | Callable[[Any], str]
    api_url: str | None  # list endpoint; detail is api_url + "<pk>/"
    # Given the world: (viewer, an object they may see, an object they may not, or None when all may see all)
    scoped: Callable[[Any], tuple[Any, Any, Any | None]]
    detail_url: Callable[[Any], str] = lambda obj: obj.get_absolute_url()
    edit_url: Callable[[Any], str] | None = None
    add_url: str | Callable[[Any], str] | None = None
    # Form data for a valid edit of ``obj``, and the attribute the edit changes with its new value.
    edit_data: Callable[[Any, Any], dict] | None = None
    edit_check: tuple[str, Any] | None = None
    editor: Callable[[Any], Any] = lambda w: w.admin  # who may edit the visible object
    # Who may see the visible object but must not change it (403); defaults to a manager elsewhere + the director.
    edit_denied: Callable[[Any], list] = _default_denied
    add_denied: Callable[[Any], list] = lambda w: [w.rep_a, w.manager_a, w.director]
    api_patch: Callable[[Any, Any], dict] | None = None
    api_denied: Callable[[Any], Any] | None = None  # who sees it through the API but may not change it
    label: Callable[[Any], str] = str  # how the object appears in a list
    entries_per_edit: int = 1
    # Form data for adding a new one (models whose page only adds), and its change-log entries.
    add_data: Callable[[Any], dict] | None = None
    entries_per_add: int = 1
    pending: str = ""  # views this model does not have yet, and the issue that adds them

    def url(self, value, w) -> str:
        return value(w) if callable(value) else value


CASES: list[ModelCase] = []


def register(case: ModelCase) -> ModelCase:
    CASES.append(case)
    return case

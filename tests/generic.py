"""Generic view and API test cases, in the manner of NetBox's ViewTestCases.

Each business model registers a :class:`ModelCase`; ``tests/test_generic_views.py`` runs the same
checks on every case, and a meta-test fails when a business model has no case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class ModelCase:
    model: type
    list_url: str
    api_url: str | None  # list endpoint; detail is api_url + "<pk>/"
    # Given the world: (viewer, an object they may see, an object they may not, or None when all may see all)
    scoped: Callable[[Any], tuple[Any, Any, Any | None]]
    detail_url: Callable[[Any], str] = lambda obj: obj.get_absolute_url()
    edit_url: Callable[[Any], str] | None = None
    add_url: str | None = None
    # Form data for a valid edit of ``obj``, and the attribute the edit changes with its new value.
    edit_data: Callable[[Any, Any], dict] | None = None
    edit_check: tuple[str, Any] | None = None
    api_patch: Callable[[Any, Any], dict] | None = None
    label: Callable[[Any], str] = str  # how the object appears in a list
    pending: str = ""  # views this model does not have yet, and the issue that adds them


CASES: list[ModelCase] = []


def register(case: ModelCase) -> ModelCase:
    CASES.append(case)
    return case

"""The one home of "who may see what" (多级管理).

``restrict(user, Model)`` turns a viewer and a model into a filtered queryset. Each app registers
its models with a policy saying how the model links to people; nothing else filters by hand.

The rule:
- a director and an admin see everything;
- a rep sees the records they are personally linked to (e.g. the customers whose account team
  they are on);
- a manager sees everything visible to anyone in their department subtree (the departments they
  manage, and their own department when their role is manager);
- an auditor sees what their audit tasks name (apps contribute those grants);
- an employee who has left, or a login without an employee, sees nothing.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q

VIEW = "view"
CHANGE = "change"


@dataclass(frozen=True)
class Scope:
    """What the rule needs to know about a viewer, computed once per request."""

    user_id: int | None
    employee_id: int | None
    role: str | None
    sees_all: bool
    is_admin: bool
    department_id: int | None = None
    subtree_paths: tuple[str, ...] = ()  # department paths the viewer manages (prefixes)
    # The current staff (not left) of those subtrees: filtering by a short id list uses the indexes,
    # where joining every membership to its department's path did not (measured at 200,000 customers).
    subtree_employee_ids: tuple[int, ...] = ()

    def subtree_q(self, path_field: str) -> Q:
        """Rows whose department path lies in one of the viewer's subtrees (nothing if none)."""
        if not self.subtree_paths:
            return Q(pk__in=[])
        return reduce(operator.or_, (Q(**{f"{path_field}__startswith": p}) for p in self.subtree_paths))


NOBODY = Scope(user_id=None, employee_id=None, role=None, sees_all=False, is_admin=False)
_SYSTEM_SCOPE = Scope(user_id=None, employee_id=None, role="admin", sees_all=True, is_admin=True)


class _System:
    """The viewer of system work (command line run by an operator, scheduled jobs): sees everything."""

    is_authenticated = True
    is_active = True
    pk = None

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = _System()

PolicyFn = Callable[[Scope], Q | None]  # None means "no restriction"


@dataclass
class Policy:
    view: PolicyFn
    change: PolicyFn | None = None  # default: admins only


_registry: dict[type[models.Model], Policy] = {}
_grants: dict[type[models.Model], list[PolicyFn]] = {}


def register(model: type[models.Model], *, view: PolicyFn, change: PolicyFn | None = None) -> None:
    _registry[model] = Policy(view=view, change=change)


def register_grant(model: type[models.Model], grant: PolicyFn) -> None:
    """Let another app widen who sees ``model`` (e.g. audits grant auditors their tasks' customers)."""
    _grants.setdefault(model, []).append(grant)


def registered_models() -> list[type[models.Model]]:
    return list(_registry)


def scope_for(user: Any) -> Scope:
    """Compute (and cache on the user object) the viewer's scope."""
    if user is SYSTEM:
        return _SYSTEM_SCOPE
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, "_liuke_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._liuke_scope = scope
    return scope


def _compute_scope(user: Any) -> Scope:
    from liuke.org.choices import EmployeeStatus, Role
    from liuke.org.models import Department, Employee

    employee = Employee.objects.filter(user=user).select_related("department").first()
    if user.is_superuser:
        return Scope(user.pk, getattr(employee, "pk", None), Role.ADMIN, sees_all=True, is_admin=True)
    if employee is None or employee.status == EmployeeStatus.LEFT or employee.archived_at is not None:
        return NOBODY
    role = employee.role
    if role in (Role.ADMIN, Role.DIRECTOR):
        return Scope(user.pk, employee.pk, role, sees_all=True, is_admin=role == Role.ADMIN)
    paths: tuple[str, ...] = ()
    if role == Role.MANAGER:
        managed = set(
            Department.objects.filter(manager=employee, archived_at__isnull=True).values_list("path", flat=True)
        )
        managed.add(employee.department.path)
        # Keep only the outermost paths so the filter stays small.
        ordered = sorted(managed, key=len)
        paths = tuple(p for i, p in enumerate(ordered) if not any(p.startswith(q) for q in ordered[:i]))
        in_subtree = reduce(operator.or_, (Q(department__path__startswith=p) for p in paths))
        staff = tuple(
            Employee.objects.filter(in_subtree)
            .exclude(status=EmployeeStatus.LEFT)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        return Scope(
            user.pk,
            employee.pk,
            role,
            sees_all=False,
            is_admin=False,
            department_id=employee.department_id,
            subtree_paths=paths,
            subtree_employee_ids=staff,
        )
    return Scope(
        user.pk,
        employee.pk,
        role,
        sees_all=False,
        is_admin=False,
        department_id=employee.department_id,
        subtree_paths=paths,
    )


def _policy(model: type[models.Model]) -> Policy:
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no visibility policy; register it in core.visibility") from None


def restrict(user: Any, model_or_qs: type[models.Model] | models.QuerySet, action: str = VIEW) -> models.QuerySet:
    """The rows of a model (or a queryset of it) that ``user`` may see (``VIEW``) or change (``CHANGE``)."""
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs._default_manager.all()
    model = qs.model
    policy = _policy(model)
    scope = scope_for(user)
    if scope is NOBODY:
        return qs.none()
    if action == CHANGE:
        if scope.is_admin:
            return qs
        if policy.change is None:
            return qs.none()
        return _apply(qs, policy.change(scope))
    if scope.sees_all:
        return qs
    q = policy.view(scope)
    if q is None:
        return qs
    for grant in _grants.get(model, []):
        extra = grant(scope)
        if extra is not None:
            q |= extra
    return _apply(qs, q)


def _apply(qs: models.QuerySet, q: Q | None) -> models.QuerySet:
    if q is None:
        return qs
    if not _crosses_to_many(qs.model, q):
        return qs.filter(q)
    # Filters that cross to-many relations go through a subquery so rows are never duplicated.
    return qs.filter(pk__in=qs.model._default_manager.filter(q).values("pk"))


def _crosses_to_many(model: type[models.Model], q: Q) -> bool:
    """Whether a rule's filter follows a one-to-many or many-to-many relation (a JOIN that can repeat rows)."""
    for child in q.children:
        if isinstance(child, Q):
            if _crosses_to_many(model, child):
                return True
            continue
        opts = model._meta
        lookup, _value = child  # type: ignore[misc]
        for part in str(lookup).split("__"):
            try:
                field = opts.pk if part == "pk" else opts.get_field(part)
            except FieldDoesNotExist:
                break  # a lookup (``in``, ``startswith``) or a transform: the path ends here
            if field.one_to_many or field.many_to_many:
                return True
            if not field.is_relation or field.related_model is None:
                break
            opts = field.related_model._meta
    return False


def _rule_for_one(user: Any, model: type[models.Model], action: str) -> Q | bool:
    """The filter for fetching one row (True: no restriction, False: nothing)."""
    policy = _policy(model)
    scope = scope_for(user)
    if scope is NOBODY:
        return False
    if action == CHANGE:
        if scope.is_admin:
            return True
        return False if policy.change is None else (policy.change(scope) or True)
    if scope.sees_all:
        return True
    q = policy.view(scope)
    if q is None:
        return True
    for grant in _grants.get(model, []):
        extra = grant(scope)
        if extra is not None:
            q |= extra
    return q


def visible_object(user: Any, model_or_qs: type[models.Model] | models.QuerySet, pk: Any, action: str = VIEW):
    """One object by primary key if ``user`` may see (or change) it, else None.

    The rule is applied as a join on that one row: the ``pk IN (every visible row)`` form of
    :func:`restrict` made SQLite build a manager's whole visible set for each single lookup.
    """
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs._default_manager.all()
    rule = _rule_for_one(user, qs.model, action)
    if rule is False:
        return None
    qs = qs.filter(pk=pk)
    if rule is not True:
        qs = qs.filter(rule)
    return qs.first()


def can(user: Any, obj: models.Model, action: str = VIEW) -> bool:
    """Whether ``user`` may see or change this one object (re-checked after saves)."""
    rule = _rule_for_one(user, type(obj), action)
    if rule is False:
        return False
    qs = type(obj)._default_manager.filter(pk=obj.pk)
    return qs.exists() if rule is True else qs.filter(rule).exists()

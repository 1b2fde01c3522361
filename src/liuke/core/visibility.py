"""The one home of "who may do what" (多级管理): every view, change, add, import, export and approval.

Each app registers its models with a policy: one rule per action, saying how the model links to people.
``restrict(user, Model, action)`` turns a viewer into a filtered queryset, ``visible_object`` fetches one
row under the same rule, and ``can(user, obj_or_model, action)`` answers yes or no for one row or for the
model as a whole (may this viewer add customers at all?). Nothing else decides a permission: views, APIs,
exports, menus and templates ask here.

The rule:
- a director and an admin see everything; an admin may do every action (directors what policies grant);
- a rep sees the records they are personally linked to (e.g. the customers whose account team they are on);
- a manager sees everything visible to anyone in their department subtree (the departments they
  manage, and their own department when their role is manager);
- an auditor sees what their audit tasks name (apps contribute those grants);
- an employee who has left, or a login without an employee, sees nothing;
- a policy's ``always`` rule binds everyone, directors and admins included (drafts are private to their
  author, whoever the viewer is).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q

VIEW = "view"
CHANGE = "change"
ADD = "add"
IMPORT = "import"
EXPORT = "export"
APPROVE = "approve"
MANAGE_TEAM = "manage_team"
MERGE = "merge"
# The actions an admin may always do (with any row). An app's own actions (keep a visit plan, compare
# plans) are whatever their rule says, for admins too.
STANDARD_ACTIONS = frozenset({CHANGE, ADD, IMPORT, EXPORT, APPROVE, MANAGE_TEAM, MERGE})

# The roles (the same values as the org app's ``Role`` choices; core names no domain app).
REP, MANAGER, DIRECTOR, AUDITOR, ADMIN = "rep", "manager", "director", "auditor", "admin"


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
    department_path: str = ""

    def subtree_q(self, path_field: str) -> Q:
        """Rows whose department path lies in one of the viewer's subtrees (nothing if none)."""
        if not self.subtree_paths:
            return Q(pk__in=[])
        return reduce(operator.or_, (Q(**{f"{path_field}__startswith": p}) for p in self.subtree_paths))

    @property
    def linked_employee_ids(self) -> tuple[int, ...]:
        """Whose account-team links the viewer sees through: a manager's whole subtree, a rep's own;
        nobody's for other roles (directors and admins see everything, auditors only what is granted)."""
        if self.role == MANAGER:
            return self.subtree_employee_ids
        if self.role == REP and self.employee_id is not None:
            return (self.employee_id,)
        return ()

    @property
    def sees_team(self) -> bool:
        """Whether the viewer looks at other people's work (a manager over a subtree, directors, admins)."""
        return self.sees_all or self.role == MANAGER

    def home_q(self, path_field: str) -> Q:
        """Rows tied to the viewer's own part of the organisation: a manager's subtrees, another
        employee's own department (a rep's territories are their department's)."""
        if self.role == MANAGER:
            return self.subtree_q(path_field)
        if not self.department_path:
            return Q(pk__in=[])
        return Q(**{path_field: self.department_path})


NOBODY = Scope(user_id=None, employee_id=None, role=None, sees_all=False, is_admin=False)
_SYSTEM_SCOPE = Scope(user_id=None, employee_id=None, role=ADMIN, sees_all=True, is_admin=True)


class _System:
    """The viewer of system work (command line run by an operator, scheduled jobs): sees everything."""

    is_authenticated = True
    is_active = True
    pk = None

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = _System()

# A rule answers for one viewer: a Q (the rows the action is allowed on), True or None (every row),
# False (none).
Rule = Callable[[Scope], "Q | bool | None"]


def everyone(scope: Scope) -> Q | bool | None:
    """No restriction (the org chart, products: common knowledge inside the company)."""
    return None


def nobody(scope: Scope) -> Q | bool | None:
    return False


def roles(*names: str) -> Rule:
    """Allowed, on every row, to the viewers whose role is one of ``names``."""
    allowed = frozenset(str(n) for n in names)

    def rule(scope: Scope) -> Q | bool | None:
        return scope.role in allowed

    rule.__qualname__ = f"roles({', '.join(sorted(allowed))})"
    return rule


def only(role_rule: Rule, rule: Rule) -> Rule:
    """``rule``, for the viewers ``role_rule`` lets through; nothing for everyone else."""

    def combined(scope: Scope) -> Q | bool | None:
        allowed = role_rule(scope)
        if allowed is False:
            return False
        return rule(scope)

    return combined


def by_role(rules: dict[str, Rule], default: Rule = nobody) -> Rule:
    """A different rule per role (a rep by their own links, a manager by the subtree's)."""

    def rule(scope: Scope) -> Q | bool | None:
        return rules.get(scope.role or "", default)(scope)

    return rule


@dataclass
class Policy:
    rules: dict[str, Rule] = field(default_factory=dict)
    always: Rule | None = None  # binds every viewer, directors and admins included


_registry: dict[type[models.Model], Policy] = {}
_grants: dict[type[models.Model], list[Rule]] = {}


def register(
    model: type[models.Model],
    *,
    view: Rule,
    change: Rule | None = None,
    always: Rule | None = None,
    **actions: Rule,
) -> None:
    """Say who may do what with ``model``: ``view`` and ``change`` rules, any further actions by name
    (``add=``, ``import_=``, ``export=``, ``approve=``, ``manage_team=``, …; a trailing underscore is
    dropped). An action without a rule is the admins' alone. ``always`` binds every viewer."""
    rules = {VIEW: view}
    if change is not None:
        rules[CHANGE] = change
    for name, rule in actions.items():
        rules[name.rstrip("_")] = rule
    _registry[model] = Policy(rules=rules, always=always)


def register_grant(model: type[models.Model], grant: Rule) -> None:
    """Let another app widen who sees ``model`` (e.g. audits grant auditors their tasks' customers)."""
    _grants.setdefault(model, []).append(grant)


def registered_models() -> list[type[models.Model]]:
    return list(_registry)


def opens_admin_site(role: str) -> bool:
    """Whether a role's login may open Django's admin site (administrators only)."""
    return role == ADMIN


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


ScopeProvider = Callable[[Any], Scope]
_scope_provider: list[ScopeProvider] = []


def set_scope_provider(provider: ScopeProvider) -> None:
    """The org app says who a login is (role, department, subtree): core names no domain app."""
    _scope_provider[:] = [provider]


def _compute_scope(user: Any) -> Scope:
    if not _scope_provider:
        raise LookupError("no scope provider: the org app registers one in its AppConfig.ready")
    return _scope_provider[0](user)


def manager_scope(*, user_id, employee_id, department_id, department_path, paths, staff) -> Scope:
    """A manager's scope: the outermost of the department paths they manage, and those subtrees' staff."""
    ordered = sorted(set(paths), key=len)
    outer = tuple(p for i, p in enumerate(ordered) if not any(p.startswith(q) for q in ordered[:i]))
    return Scope(
        user_id,
        employee_id,
        MANAGER,
        sees_all=False,
        is_admin=False,
        department_id=department_id,
        subtree_paths=outer,
        subtree_employee_ids=tuple(staff(outer)),
        department_path=department_path,
    )


def _policy(model: type[models.Model]) -> Policy:
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no visibility policy; register it in core.visibility") from None


def _normalise(value: Q | bool | None) -> Q | bool:
    return True if value is None else value


def _and(a: Q | bool, b: Q | bool) -> Q | bool:
    if a is False or b is False:
        return False
    if a is True:
        return b
    if b is True:
        return a
    return a & b


def _or(a: Q | bool, b: Q | bool) -> Q | bool:
    if a is True or b is True:
        return True
    if a is False:
        return b
    if b is False:
        return a
    return a | b


def rule_for(user: Any, model: type[models.Model], action: str = VIEW) -> Q | bool:
    """The one decision: the rows of ``model`` on which ``user`` may do ``action`` (True: every row,
    False: none). ``restrict``, ``visible_object`` and ``can`` all apply this."""
    policy = _policy(model)
    scope = scope_for(user)
    if scope is NOBODY:
        return False
    result: Q | bool
    if action == VIEW:
        if scope.sees_all:
            result = True
        else:
            result = _normalise(policy.rules[VIEW](scope))
            for grant in _grants.get(model, []):
                result = _or(result, _normalise(grant(scope)))
    elif scope.is_admin and action in STANDARD_ACTIONS:
        result = True
    else:
        rule = policy.rules.get(action)
        result = False if rule is None else _normalise(rule(scope))
    if policy.always is not None and scope is not _SYSTEM_SCOPE and result is not False:
        result = _and(result, _normalise(policy.always(scope)))
    return result


def always_rule(user: Any, model: type[models.Model]) -> Q | bool:
    """Only the ``always`` part of a model's policy, for a selector that reached rows through another
    model's visibility (a customer's cards, once the customer was fetched under its own rule)."""
    policy = _policy(model)
    scope = scope_for(user)
    if scope is NOBODY:
        return False
    if policy.always is None or scope is _SYSTEM_SCOPE:
        return True
    return _normalise(policy.always(scope))


def filter_rule(qs: models.QuerySet, rule: Q | bool) -> models.QuerySet:
    """A queryset narrowed by a rule from :func:`rule_for` or :func:`always_rule`."""
    if rule is True:
        return qs
    if rule is False:
        return qs.none()
    return qs.filter(rule)


def restrict(user: Any, model_or_qs: type[models.Model] | models.QuerySet, action: str = VIEW) -> models.QuerySet:
    """The rows of a model (or a queryset of it) on which ``user`` may do ``action`` (see them by default)."""
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs._default_manager.all()
    rule = rule_for(user, qs.model, action)
    if rule is False:
        return qs.none()
    if rule is True:
        return qs
    if not _crosses_to_many(qs.model, rule):
        return qs.filter(rule)
    # Filters that cross to-many relations go through a subquery so rows are never duplicated.
    return qs.filter(pk__in=qs.model._default_manager.filter(rule).values("pk"))


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


def visible_object(user: Any, model_or_qs: type[models.Model] | models.QuerySet, pk: Any, action: str = VIEW):
    """One object by primary key if ``user`` may see it (or do ``action`` on it), else None.

    The rule is applied as a join on that one row: the ``pk IN (every visible row)`` form of
    :func:`restrict` made SQLite build a manager's whole visible set for each single lookup.
    """
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs._default_manager.all()
    rule = rule_for(user, qs.model, action)
    if rule is False:
        return None
    try:
        qs = qs.filter(pk=pk)
    except (ValueError, TypeError):
        return None
    if rule is not True:
        qs = qs.filter(rule)
    return qs.first()


def can(user: Any, obj: models.Model | type[models.Model], action: str = VIEW) -> bool:
    """Whether ``user`` may do ``action`` on this object (re-checked after saves), or, given a model
    class, on any row of it at all (may this viewer add customers? import flow files?)."""
    if isinstance(obj, type):
        return rule_for(user, obj, action) is not False
    rule = rule_for(user, type(obj), action)
    if rule is False:
        return False
    if rule is True:
        return True
    return type(obj)._default_manager.filter(pk=obj.pk).filter(rule).exists()


def require(user: Any, obj: models.Model | type[models.Model], action: str = VIEW) -> None:
    """Raise PermissionDenied unless ``user`` may do ``action`` (views and APIs turn it into 403)."""
    from django.core.exceptions import PermissionDenied

    if not can(user, obj, action):
        raise PermissionDenied

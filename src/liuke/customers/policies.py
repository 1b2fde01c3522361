"""How the customer archive plugs into core.visibility: through the account team.

Who may do what with customers is decided here and nowhere else:
- see and change: the reps on a customer's current account team, and managers over anyone on it;
- add (open a new customer): reps and managers (admins always);
- import, and edit the archive's field schema: admins;
- manage the account team and merge duplicates: managers over the customer (admins always).
"""

from django.db.models import Q

from liuke.core import visibility
from liuke.core.visibility import MANAGER, REP, Scope, everyone, only, roles

from .models import AccountTeamMember, Contact, ContactKnower, Customer, FieldDefinition, FieldGroup
from .selectors import current_team_q


def customer_q(scope: Scope, prefix: str = "") -> Q:
    """Customers linked to the viewer (a rep) or to anyone in the viewer's subtree (a manager).

    The customers are picked from the account-team rows alone (``customer_id IN (SELECT customer_id
    ...)``), so the rule joins nothing and a list never reads the customer table twice.
    """
    people = scope.linked_employee_ids
    if not people:
        return Q(pk__in=[])  # auditors: only what their audit tasks grant
    members = AccountTeamMember.objects.filter(current_team_q())
    members = members.filter(employee_id=people[0]) if len(people) == 1 else members.filter(employee_id__in=people)
    return Q(**{f"{prefix}pk__in": members.values("customer_id")})


def customer_rule(prefix: str = ""):
    return lambda scope: customer_q(scope, prefix)


managers_over = only(roles(MANAGER), customer_q)

visibility.register(
    Customer,
    view=customer_q,
    change=customer_q,
    add=roles(REP, MANAGER),
    export=everyone,  # of the rows the viewer sees (core.exports logs it)
    manage_team=managers_over,
    merge=managers_over,
)
visibility.register(Contact, view=customer_rule("customer__"), change=customer_rule("customer__"))
visibility.register(
    ContactKnower, view=customer_rule("contact__customer__"), change=customer_rule("contact__customer__")
)
visibility.register(
    AccountTeamMember, view=customer_rule("customer__"), change=only(roles(MANAGER), customer_rule("customer__"))
)
visibility.register(FieldGroup, view=everyone)
visibility.register(FieldDefinition, view=everyone)

"""The customer and its account team: the minimum the visibility rule needs.

The full archive (field schema, contacts, completeness) grows here in the customer-archive work.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liuke.core.models import BusinessModel

from .choices import CustomerGrade, CustomerKind, CustomerStatus, TeamRole


class Customer(BusinessModel):
    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=CustomerKind.choices)
    grade = models.CharField(_("grade"), max_length=1, choices=CustomerGrade.choices, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE)
    division = models.ForeignKey(
        "org.Division", verbose_name=_("division"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        ordering = ("code",)
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:customer_detail", args=[self.pk])


class AccountTeamMember(BusinessModel):
    """One of our employees on a customer's account team (双线联系), with a role and a period."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="account_team")
    employee = models.ForeignKey("org.Employee", on_delete=models.PROTECT, related_name="account_memberships")
    role = models.CharField(_("role"), max_length=16, choices=TeamRole.choices)
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ("customer", "role")
        verbose_name = _("account-team member")
        verbose_name_plural = _("account team")
        indexes = [models.Index(fields=["employee", "until"], name="cust_team_employee_idx")]

    def __str__(self) -> str:
        return f"{self.customer} · {self.employee} · {self.get_role_display()}"

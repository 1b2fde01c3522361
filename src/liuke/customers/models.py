"""The customer archive: customers, the configurable field schema, contacts and the account team."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from liuke.core.models import BusinessModel

from .choices import (
    CustomerGrade,
    CustomerKind,
    CustomerStatus,
    DivisionMethod,
    EventKind,
    Familiarity,
    FieldType,
    PurchaseRole,
    TeamRole,
)


class Customer(BusinessModel):
    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CustomerKind.choices)
    grade = models.CharField(_("grade"), max_length=1, choices=CustomerGrade.choices, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE)
    division = models.ForeignKey(
        "org.Division", verbose_name=_("division"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    division_method = models.CharField(
        _("division resolved by"), max_length=16, choices=DivisionMethod.choices, default=DivisionMethod.NONE
    )
    division_confidence = models.FloatField(_("division confidence"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    fields = models.JSONField(_("archive fields"), default=dict, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    # Derived, kept for filtering and search at scale; recomputed by the services on every write.
    completeness = models.PositiveSmallIntegerField(_("completeness"), default=0, db_index=True)
    team_people = models.PositiveSmallIntegerField(_("people on the account team"), default=0, editable=False)
    team_roles = models.PositiveSmallIntegerField(_("roles on the account team"), default=0, editable=False)
    # 双线联系 broken: active, and fewer than two current people or fewer than two roles.
    single_threaded = models.BooleanField(_("single-threaded"), default=False, editable=False)
    search_text = models.TextField(default="", editable=False)
    name_key = models.CharField(max_length=200, default="", editable=False)
    # When the latest submitted record card says we were last in contact (set by the interactions app).
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)

    changelog_exclude = (
        "completeness",
        "team_people",
        "team_roles",
        "single_threaded",
        "search_text",
        "name_key",
        "last_contact_at",
    )

    class Meta:
        ordering = ("code",)
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["name_key", "division"], name="cust_name_key_div_idx"),
            models.Index(fields=["kind", "grade", "status"], name="cust_kind_grade_status_idx"),
            # The company-wide lists read these instead of the wide rows (the archive JSON lives in
            # the row): a search within a kind, a search in list order, the single-threaded list.
            # Each holds every column its list's COUNT and page-of-ids query need (docs/BENCHMARKS.md).
            models.Index(fields=["kind", "archived_at", "search_text", "code", "id"], name="cust_kind_search_idx"),
            models.Index(fields=["code", "archived_at", "search_text", "id"], name="cust_code_search_idx"),
            models.Index(
                fields=["code", "id"],
                name="cust_single_threaded_idx",
                condition=models.Q(single_threaded=True, archived_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:customer_detail", args=[self.pk])

    @classmethod
    def changelog_expand_context(cls) -> dict:
        return {d.key: d for d in FieldDefinition.objects.all()}

    @classmethod
    def changelog_expand(cls, key: str, old, new, definitions: dict) -> list[tuple[str, object, object]] | None:
        """History shows each archive field that changed, by its label, instead of the whole JSON."""
        if key != "fields":
            return None
        from .fields import display_value

        old, new = old or {}, new or {}
        rows = []
        for k in sorted(set(old) | set(new)):
            if old.get(k) == new.get(k):
                continue
            defn = definitions.get(k)
            if defn is None:
                rows.append((k, old.get(k), new.get(k)))
            else:
                rows.append(
                    (defn.label, display_value(defn, old.get(k)) or None, display_value(defn, new.get(k)) or None)
                )
        return rows


class FieldGroup(BusinessModel):
    key = models.SlugField(_("key"), max_length=40, unique=True)
    label_zh = models.CharField(_("Chinese label"), max_length=60)
    label_en = models.CharField(_("English label"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ("order", "key")
        verbose_name = _("field group")
        verbose_name_plural = _("field groups")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "").startswith("en") else self.label_zh

    def get_absolute_url(self) -> str:
        return reverse("customers:field_list") + f"#group-{self.key}"


class FieldDefinition(BusinessModel):
    """One configurable archive field (NetBox custom-field pattern); values live in Customer.fields."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    label_zh = models.CharField(_("Chinese label"), max_length=80)
    label_en = models.CharField(_("English label"), max_length=80)
    group = models.ForeignKey(FieldGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="fields")
    type = models.CharField(_("type"), max_length=16, choices=FieldType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)  # [{"value", "label_zh", "label_en"}]
    required_for = models.JSONField(_("required for kinds"), default=list, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    help_zh = models.CharField(_("Chinese help text"), max_length=300, blank=True)
    help_en = models.CharField(_("English help text"), max_length=300, blank=True)
    min_value = models.DecimalField(_("minimum"), max_digits=14, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=14, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    # A date field holding when a licence or certificate runs out: the licence_expiring alert watches it.
    is_expiry = models.BooleanField(_("licence expiry date"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ("group__order", "order", "key")
        verbose_name = _("archive field")
        verbose_name_plural = _("archive fields")

    def __str__(self) -> str:
        return self.label

    @property
    def english(self) -> bool:
        return (get_language() or "").startswith("en")

    @property
    def label(self) -> str:
        return self.label_en if self.english else self.label_zh

    @property
    def help_text(self) -> str:
        return self.help_en if self.english else self.help_zh

    def choice_label(self, value) -> str:
        for choice in self.choices:
            if choice.get("value") == value:
                return choice.get("label_en" if self.english else "label_zh") or str(value)
        return str(value)

    def is_required_for(self, kind: str) -> bool:
        return kind in (self.required_for or [])

    def get_absolute_url(self) -> str:
        return reverse("customers:field_edit", args=[self.pk])


class Contact(BusinessModel):
    """A person at the customer, and what the company knows about them."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    purchase_role = models.CharField(_("role in the purchase"), max_length=20, choices=PurchaseRole.choices, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=30, blank=True)
    phone = models.CharField(_("office phone"), max_length=30, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    preferences = models.TextField(_("preferences"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_key = models.BooleanField(_("key contact"), default=False)

    class Meta:
        ordering = ("customer", "-is_key", "name")
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} · {self.customer}"

    def get_absolute_url(self) -> str:
        return reverse("customers:customer_detail", args=[self.customer_id]) + f"#contact-{self.pk}"


class ContactKnower(BusinessModel):
    """One of our employees who knows a contact, and how well."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="knowers")
    employee = models.ForeignKey("org.Employee", on_delete=models.PROTECT, related_name="known_contacts")
    familiarity = models.PositiveSmallIntegerField(
        _("familiarity"), choices=Familiarity.choices, default=Familiarity.ACQUAINTED
    )

    class Meta:
        verbose_name = _("who knows the contact")
        verbose_name_plural = _("who knows the contact")
        constraints = [models.UniqueConstraint(fields=["contact", "employee"], name="cust_knower_unique")]

    def __str__(self) -> str:
        return f"{self.employee} → {self.contact.name}"

    def get_absolute_url(self) -> str:
        return self.contact.get_absolute_url()


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
        indexes = [
            models.Index(fields=["employee", "until"], name="cust_team_employee_idx"),
            models.Index(fields=["customer", "until"], name="cust_team_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.employee} · {self.get_role_display()}"

    def get_absolute_url(self) -> str:
        return self.customer.get_absolute_url() + "#team"

    @property
    def is_current(self) -> bool:
        return self.archived_at is None and (self.until is None or self.until >= timezone.localdate())


class CustomerEvent(models.Model):
    """The customer's business timeline ("handed over", "merged"); append-only, written by events.py."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.CharField(_("message"), max_length=300)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-time", "-id")
        verbose_name = _("customer event")
        verbose_name_plural = _("customer timeline")
        indexes = [models.Index(fields=["customer", "time"], name="cust_event_customer_time_idx")]

    def __str__(self) -> str:
        return f"{self.customer} · {self.get_kind_display()}"

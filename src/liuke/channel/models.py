"""Channel master data (products, prices, authorisations, sell-in) and the flow data (流向) imported from
distributors' files.

Master data are business records (change-logged row by row). Flow lines are not: a month of flow is
hundreds of thousands of rows, so the durable, tamper-evident record of a flow file is its
:class:`FlowImport` (file SHA-256, row counts and totals, logged in the hash chain), and its lines are
immutable, only ever superseded as a whole by a corrected file. See docs/CHANNEL.md.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liuke.core.models import BusinessModel

from .choices import ChannelLevel, ImportStatus, MatchMethod, ReviewStatus


class Product(BusinessModel):
    """A product at one spec; quantities are kept in its base unit."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    spec = models.CharField(_("spec"), max_length=100, blank=True)
    base_unit = models.CharField(_("base unit"), max_length=10)
    # Other units in base units, e.g. {"件": "50", "支": "0.1"} (strings: exact decimals).
    units = models.JSONField(_("other units"), default=dict, blank=True)
    aliases = models.JSONField(_("other names"), default=list, blank=True)  # names distributors use for it
    name_key = models.CharField(max_length=200, default="", editable=False, db_index=True)

    changelog_exclude = ("name_key",)

    class Meta:
        ordering = ("code",)
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} {self.spec}".strip()

    def get_absolute_url(self) -> str:
        return reverse("channel:product_detail", args=[self.pk])

    def units_text(self) -> str:
        return ";".join(f"{u}={f}" for u, f in (self.units or {}).items())


class PriceFloor(BusinessModel):
    """The company's own approved lowest price for a product at a channel level (per base unit)."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="floors")
    channel_level = models.CharField(_("channel level"), max_length=16, choices=ChannelLevel.choices)
    floor_price = models.DecimalField(_("floor price"), max_digits=14, decimal_places=4)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering = ("product", "channel_level", "-valid_from")
        verbose_name = _("price floor")
        verbose_name_plural = _("price floors")

    def __str__(self) -> str:
        return f"{self.product} · {self.get_channel_level_display()} · {self.floor_price}"

    def get_absolute_url(self) -> str:
        return reverse("channel:pricefloor_detail", args=[self.pk])


class DiscountAuthorization(BusinessModel):
    """A net price below the floor that someone approved for one customer and product, up to a quantity."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="discounts")
    net_price = models.DecimalField(_("net price"), max_digits=14, decimal_places=4)
    quantity_cap = models.DecimalField(_("quantity cap"), max_digits=14, decimal_places=3, null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    approver = models.ForeignKey(
        "org.Employee", verbose_name=_("approved by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ("-valid_from",)
        verbose_name = _("discount authorisation")
        verbose_name_plural = _("discount authorisations")

    def __str__(self) -> str:
        return f"{self.customer} · {self.product} · {self.net_price}"

    def get_absolute_url(self) -> str:
        return reverse("channel:discount_detail", args=[self.pk])


class DistributorAuthorization(BusinessModel):
    """A distributor may sell a product (or every product) in a division and everything under it."""

    distributor = models.ForeignKey(
        "customers.Customer", verbose_name=_("distributor"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorizations",
        help_text=_("Empty: every product"),
    )
    division = models.ForeignKey("org.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering = ("distributor", "division")
        verbose_name = _("distributor authorisation")
        verbose_name_plural = _("distributor authorisations")

    def __str__(self) -> str:
        product = self.product.name if self.product is not None else _("all products")
        return f"{self.distributor} · {product} · {self.division.full_name}"

    def get_absolute_url(self) -> str:
        return reverse("channel:authorization_detail", args=[self.pk])


class Shipment(BusinessModel):
    """A sell-in line: goods the company shipped to a distributor, by batch."""

    date = models.DateField(_("date"))
    # The reverse name lets a screening rule join a distributor's authorisations to the batches shipped to it.
    distributor = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("distributor"),
        on_delete=models.PROTECT,
        related_name="channel_shipments",
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="shipments")
    batch = models.CharField(_("batch"), max_length=50)
    quantity = models.DecimalField(_("quantity (base unit)"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(
        _("unit price (per base unit)"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    doc_no = models.CharField(_("document number"), max_length=60, blank=True)
    made_on = models.DateField(_("production date"), null=True, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)

    class Meta:
        ordering = ("-date", "pk")
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        indexes = [
            models.Index(fields=["distributor", "product", "date"], name="chan_ship_dist_prod_idx"),
            models.Index(fields=["product", "batch"], name="chan_ship_batch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.distributor} · {self.product} · {self.batch} × {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("channel:shipment_detail", args=[self.pk])


class DistributorProfile(BusinessModel):
    """What liuke remembers about a distributor's files: how their headers map to the canonical fields."""

    distributor = models.OneToOneField(
        "customers.Customer", verbose_name=_("distributor"), on_delete=models.PROTECT, related_name="+"
    )
    header_map = models.JSONField(_("header mapping"), default=dict, blank=True)  # header text -> field
    flow_due_day = models.PositiveSmallIntegerField(
        _("flow file due on day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Day of the following month by which the month's flow file is due; empty: the rule's default"),
    )

    class Meta:
        verbose_name = _("distributor file layout")
        verbose_name_plural = _("distributor file layouts")

    def __str__(self) -> str:
        return str(self.distributor)

    def get_absolute_url(self) -> str:
        return reverse("channel:distributor_detail", args=[self.distributor_id])


class TerminalAlias(BusinessModel):
    """A buyer name in a distributor's files that a person matched to a terminal, remembered for next time.

    ``distributor`` empty: the alias holds for every distributor (an old name of a renamed hospital).
    """

    distributor = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("distributor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("buyer name"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False)
    terminal = models.ForeignKey(
        "customers.Customer", verbose_name=_("terminal"), on_delete=models.PROTECT, related_name="+"
    )

    changelog_exclude = ("name_key",)

    class Meta:
        ordering = ("name",)
        verbose_name = _("terminal alias")
        verbose_name_plural = _("terminal aliases")
        indexes = [models.Index(fields=["distributor", "name_key"], name="chan_alias_key_idx")]

    def __str__(self) -> str:
        return f"{self.name} → {self.terminal}"

    def get_absolute_url(self) -> str:
        return reverse("channel:alias_detail", args=[self.pk])


class FlowImport(BusinessModel):
    """One flow file of one distributor for one period: the logged, tamper-evident record of its lines."""

    distributor = models.ForeignKey(
        "customers.Customer", verbose_name=_("distributor"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.DateField(_("period"), help_text=_("first day of the month"))
    file_name = models.CharField(_("file"), max_length=255)
    stored_file = models.CharField(_("stored copy"), max_length=500, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.IMPORTING)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    flagged = models.PositiveIntegerField(_("flagged"), default=0)
    unmatched = models.PositiveIntegerField(_("buyers to review"), default=0)
    quantity_total = models.DecimalField(_("total quantity"), max_digits=18, decimal_places=3, default=Decimal(0))
    amount_total = models.DecimalField(_("total amount"), max_digits=18, decimal_places=2, default=Decimal(0))
    header_row = models.PositiveIntegerField(_("header row"), default=1)
    header_map = models.JSONField(_("header mapping"), default=dict, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    replaces = models.ForeignKey(
        "self", verbose_name=_("replaces"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(_("changes from the replaced file"), default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("flow import")
        verbose_name_plural = _("flow imports")
        indexes = [models.Index(fields=["distributor", "period", "status"], name="chan_import_period_idx")]

    def __str__(self) -> str:
        return f"{self.distributor} {self.period:%Y-%m} · {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("channel:import_detail", args=[self.pk])


class FlowLine(models.Model):
    """One sell-out line as the distributor reported it, cleaned: never edited, superseded with its import.

    Foreign keys carry no database constraint: lines are written by COPY at hundreds of thousands a
    second, and every id comes from a lookup the importer just made of records that are never deleted.
    """

    # No single-column index on the foreign keys that the composite indexes below already lead with:
    # every index is paid for on each of a million COPYed rows.
    flow_import = models.ForeignKey(
        FlowImport,
        verbose_name=_("import"),
        on_delete=models.DO_NOTHING,
        related_name="lines",
        db_constraint=False,
        db_index=False,
    )
    distributor = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("distributor"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    row_no = models.PositiveIntegerField(_("row"))
    date = models.DateField(_("date"))
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    batch = models.CharField(_("batch"), max_length=50, blank=True)
    quantity = models.DecimalField(_("quantity (base unit)"), max_digits=16, decimal_places=3)
    raw_quantity = models.CharField(_("quantity as reported"), max_length=40, blank=True)
    unit = models.CharField(_("unit as reported"), max_length=10, blank=True)
    unit_price = models.DecimalField(
        _("unit price (per base unit)"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, null=True, blank=True)
    is_return = models.BooleanField(_("return"), default=False)
    buyer_name = models.CharField(_("buyer as reported"), max_length=200)
    buyer_address = models.CharField(_("buyer address"), max_length=300, blank=True)
    buyer_key = models.CharField(max_length=200)
    division = models.ForeignKey(
        "org.Division",
        verbose_name=_("division"),
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    terminal = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("terminal"),
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    match_method = models.CharField(_("match method"), max_length=12, choices=MatchMethod.choices)
    match_confidence = models.FloatField(_("match confidence"), null=True)
    doc_no = models.CharField(_("document number"), max_length=60, blank=True)
    dedup_key = models.BigIntegerField()
    flags = models.PositiveSmallIntegerField(_("flags"), default=0)

    class Meta:
        ordering = ("flow_import", "row_no")
        verbose_name = _("flow line")
        verbose_name_plural = _("flow lines")
        indexes = [
            models.Index(fields=["flow_import", "row_no"], name="chan_line_import_idx"),
            models.Index(fields=["distributor", "date"], name="chan_line_dist_date_idx"),
            models.Index(fields=["product", "batch"], name="chan_line_batch_idx"),
            models.Index(fields=["terminal"], name="chan_line_terminal_idx"),
            # One index for both "= code" and "LIKE 'prefix%'" (a province or city and all below it); the
            # default pair (plain and varchar_pattern_ops) cost a second B-tree insert per COPYed row.
            models.Index(fields=["division"], name="chan_line_division_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.buyer_name} · {self.quantity}"


class FlowRejection(models.Model):
    """A row of a flow file that was not imported, with its row number and the reason."""

    flow_import = models.ForeignKey(FlowImport, on_delete=models.CASCADE, related_name="rejections")
    row_no = models.PositiveIntegerField(_("row"))
    field = models.CharField(_("field"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    is_duplicate = models.BooleanField(_("duplicate"), default=False)
    raw = models.JSONField(_("row as read"), default=list)

    class Meta:
        ordering = ("flow_import", "row_no")
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")


class BuyerReview(models.Model):
    """A buyer name of a distributor that no rule matched safely: a person confirms or creates the terminal.

    Work items, not business records: the decision is kept as a :class:`TerminalAlias` (change-logged).
    """

    distributor = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    name_key = models.CharField(max_length=200)
    raw_name = models.CharField(_("buyer as reported"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    division = models.ForeignKey("org.Division", null=True, on_delete=models.PROTECT, related_name="+")
    suggestions = models.JSONField(_("suggestions"), default=list)  # [[customer id, score], ...]
    lines = models.PositiveIntegerField(_("lines"), default=0)
    first_import = models.ForeignKey(FlowImport, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    terminal = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-lines", "raw_name")
        verbose_name = _("buyer to review")
        verbose_name_plural = _("buyers to review")
        constraints = [
            models.UniqueConstraint(fields=["distributor", "name_key"], name="chan_review_unique_buyer"),
        ]

    def __str__(self) -> str:
        return self.raw_name

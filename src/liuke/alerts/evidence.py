"""An alert's evidence as a person reads it: one table per kind of record, labelled columns, readable values,
and each record linked to its page where the viewer may open it.

Rules write evidence as plain JSON (INTERFACES.md: a flow line names its file and row, sell-in its
``doc_no``, a customer its ``code``, an employee their ``employee_no``). Links are asked of core.visibility
in one query per kind of record met, never one per row.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from liuke.core import visibility

# The kinds of records rules name, as section titles.
KINDS = {
    "flow_line": gettext_lazy("Flow lines"),
    "flow_import": gettext_lazy("Flow files"),
    "flow_file": gettext_lazy("Expected flow files"),
    "shipment": gettext_lazy("Sell-in"),
    "stock": gettext_lazy("Stock"),
    "discount": gettext_lazy("Discount approvals"),
    "volume": gettext_lazy("Volumes"),
    "customer": gettext_lazy("Customers"),
    "contact": gettext_lazy("Contacts"),
    "employee": gettext_lazy("Employees"),
    "problem": gettext_lazy("Problems"),
    "follow_up": gettext_lazy("Follow-ups"),
}
LABELS = {
    "file": gettext_lazy("File"),
    "row": gettext_lazy("Row"),
    "date": gettext_lazy("Date"),
    "month": gettext_lazy("Month"),
    "period": gettext_lazy("Month"),
    "distributor": gettext_lazy("Distributor"),
    "terminal": gettext_lazy("Terminal"),
    "customer": gettext_lazy("Customer"),
    "product": gettext_lazy("Product"),
    "batch": gettext_lazy("Batch"),
    "buyer": gettext_lazy("Buyer code"),
    "buyer_name": gettext_lazy("Buyer"),
    "region": gettext_lazy("Region"),
    "division": gettext_lazy("Region"),
    "doc_no": gettext_lazy("Document"),
    "quantity": gettext_lazy("Quantity"),
    "quantity_cap": gettext_lazy("Quantity cap"),
    "unit_price": gettext_lazy("Unit price"),
    "price": gettext_lazy("Price"),
    "floor": gettext_lazy("Floor price"),
    "floor_price": gettext_lazy("Floor price"),
    "net_price": gettext_lazy("Approved net price"),
    "amount": gettext_lazy("Amount"),
    "valid_from": gettext_lazy("Valid from"),
    "valid_to": gettext_lazy("Valid to"),
    "approver": gettext_lazy("Approved by"),
    "reason": gettext_lazy("Why"),
    "source": gettext_lazy("Shipped by the source"),
    "code": gettext_lazy("Code"),
    "name": gettext_lazy("Name"),
    "employee_no": gettext_lazy("Employee"),
    "role": gettext_lazy("Role on the team"),
    "last_on_team": gettext_lazy("Last one on the team"),
    "sell_in": gettext_lazy("Sell-in"),
    "sell_out": gettext_lazy("Sell-out"),
    "opening_stock": gettext_lazy("Opening stock"),
    "stock": gettext_lazy("Stock"),
    "median": gettext_lazy("Trailing median"),
    "months": gettext_lazy("Months of history"),
    "peers": gettext_lazy("Terminals of its kind"),
    "expected": gettext_lazy("Expected"),
    "due": gettext_lazy("Due"),
    "raised_on": gettext_lazy("Raised on"),
    "days": gettext_lazy("Days"),
    "field": gettext_lazy("Field"),
    "expires": gettext_lazy("Expires"),
    "expired": gettext_lazy("Expired"),
    "last_contact": gettext_lazy("Last contact"),
    "contact": gettext_lazy("Contact"),
    "text": gettext_lazy("Text"),
}
# Stored values that rules write, as words.
VALUES = {
    "reason": {
        "below_net_price": gettext_lazy("Below the approved net price"),
        "over_cap": gettext_lazy("Beyond the quantity cap"),
    },
}
HIDDEN = {"type", "import", "id"}
NOWRAP = {"date", "month", "period", "due", "valid_from", "valid_to", "expires", "raised_on", "last_contact", "doc_no"}
FIRST = ["file", "row", "doc_no", "code", "employee_no", "name", "date", "month", "period", "distributor",
         "terminal", "customer", "product", "batch", "buyer_name", "buyer", "quantity"]  # fmt: skip
CODE_KEYS = ("code", "distributor", "buyer", "customer", "terminal", "source_distributor")
# Records a rule names by id, and the page of each: (model, URL name).
BY_ID = {
    "shipment": ("channel.Shipment", "channel:shipment_detail"),
    "discount": ("channel.DiscountAuthorization", "channel:discount_detail"),
    "problem": ("interactions.Problem", "interactions:problem_detail"),
    "follow_up": ("interactions.FollowUp", "interactions:follow_up_detail"),
}


def import_row_url(import_id: Any, row: Any) -> str | None:
    """The page of one imported row (its file's page until the channel app has one)."""
    try:
        return reverse("channel:import_row", args=[import_id, row])
    except NoReverseMatch:
        try:
            return reverse("channel:import_detail", args=[import_id])
        except NoReverseMatch:
            return None


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _visible_ids(viewer: Any, label: str, ids: set[int]) -> set[int]:
    model = _model(label)
    if model is None or not ids:
        return set()
    return set(visibility.restrict(viewer, model).filter(pk__in=sorted(ids)).values_list("pk", flat=True))


class _Lookups:
    """Everything the evidence names that has a page, fetched once per kind of record."""

    def __init__(self, viewer: Any, items: list[dict[str, Any]]) -> None:
        from liuke.channel.models import Product
        from liuke.customers.models import Customer, FieldDefinition
        from liuke.org.models import Employee

        codes = {str(i[k]) for i in items for k in CODE_KEYS if i.get(k)}
        numbers = {str(i[k]) for i in items for k in ("employee_no", "approver") if i.get(k)}
        products = {str(i["product"]) for i in items if i.get("product")}
        fields = {str(i["field"]) for i in items if i.get("field")}
        imports = {i["import"] for i in items if isinstance(i.get("import"), int)}
        self.customers: dict[str, tuple[int, str, str]] = {}
        if codes:
            rows = (
                visibility.restrict(viewer, Customer)
                .filter(code__in=sorted(codes))
                .values_list("code", "pk", "kind", "name")
            )
            self.customers = {code: (pk, kind, name) for code, pk, kind, name in rows}
        self.employees = (
            {n: (pk, name) for n, pk, name in visibility.restrict(viewer, Employee)
             .filter(employee_no__in=sorted(numbers)).values_list("employee_no", "pk", "name")}
            if numbers else {}
        )  # fmt: skip
        self.products = (
            dict(Product.objects.filter(code__in=sorted(products)).values_list("code", "name")) if products else {}
        )
        self.fields: dict[str, str] = {}
        if fields:
            english = (get_language() or "").startswith("en")
            for key, zh, en in FieldDefinition.objects.filter(key__in=sorted(fields)).values_list(
                "key", "label_zh", "label_en"
            ):
                self.fields[key] = (en or zh) if english else (zh or en)
        self.imports = _visible_ids(viewer, "channel.FlowImport", imports)
        self.by_id: dict[str, set[int]] = {}
        for kind, (label, _url) in BY_ID.items():
            ids = {i["id"] for i in items if i.get("type") == kind and isinstance(i.get("id"), int)}
            self.by_id[kind] = _visible_ids(viewer, label, ids)

    def customer_link(self, code: Any) -> str | None:
        from liuke.customers.choices import CustomerKind

        found = self.customers.get(str(code))
        if found is None:
            return None
        pk, kind, _name = found
        if kind == CustomerKind.DISTRIBUTOR:
            return reverse("channel:distributor_detail", args=[pk])
        return reverse("customers:customer_detail", args=[pk])

    def record_link(self, item: dict[str, Any]) -> str | None:
        kind = item.get("type")
        if kind == "flow_import" and item.get("import") in self.imports:
            return reverse("channel:import_detail", args=[item["import"]])
        if kind in BY_ID and item.get("id") in self.by_id.get(kind, set()):
            try:
                return reverse(BY_ID[kind][1], args=[item["id"]])
            except NoReverseMatch:
                return None
        return None


def _text(value: Any) -> Any:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return value


def _role_label(value: Any) -> Any:
    from liuke.customers.choices import TeamRole

    return TeamRole(value).label if value in TeamRole.values else value


def _cell(key: str, value: Any, item: dict[str, Any], look: _Lookups) -> dict[str, Any]:
    link = None
    shown: Any = value
    title = ""
    kind = item.get("type")
    if key in ("row", "file") and kind == "flow_line" and item.get("import") in look.imports:
        link = import_row_url(item["import"], item.get("row"))
    elif key in CODE_KEYS and value:
        link = look.customer_link(value)
        found = look.customers.get(str(value))
        if found is not None and key != "code":
            title = found[2]
    elif key in ("employee_no", "approver") and value and str(value) in look.employees:
        pk, name = look.employees[str(value)]
        link = reverse("org:employee_detail", args=[pk])
        shown = f"{name} ({value})"
    elif key == "product" and value and str(value) in look.products:
        title = str(value)
        shown = look.products[str(value)]
    elif key == "field" and value:
        shown = look.fields.get(str(value), value)
    elif key == "role" and value:
        shown = _role_label(value)
    elif key in VALUES and value in VALUES[key]:
        shown = VALUES[key][value]
    if link is None and key in ("doc_no", "text", "name", "file") and value:
        link = look.record_link(item)
    numeric = isinstance(value, int | float) and not isinstance(value, bool) and key not in ("row", "id")
    nowrap = key in NOWRAP
    return {"value": _text(shown), "link": link, "title": title, "numeric": numeric, "nowrap": nowrap}


def evidence_tables(viewer: Any, evidence: list[Any]) -> list[dict[str, Any]]:
    """The evidence grouped by kind of record (in the order the rule listed them), as tables."""
    items = [i for i in (evidence or []) if isinstance(i, dict)]
    look = _Lookups(viewer, items)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(str(item.get("type") or "record"), []).append(item)
    tables = []
    for kind, group in grouped.items():
        keys: list[str] = []
        for item in group:
            keys += [k for k in item if k not in HIDDEN and k not in keys]
        listed = {k: i for i, k in enumerate(keys)}
        keys.sort(key=lambda k: (FIRST.index(k) if k in FIRST else len(FIRST), listed[k]))
        needs_link = kind in BY_ID or kind == "flow_import"
        if needs_link and not any(k in keys for k in ("doc_no", "text", "name", "file")):
            keys.insert(0, "id")  # the record's only handle: its number, linked
        rows = [[_cell(k, item.get(k), item, look) for k in keys] for item in group]
        if "id" in keys:
            col = keys.index("id")
            for row, item in zip(rows, group, strict=True):
                row[col]["link"] = look.record_link(item)
                row[col]["value"] = f"#{item.get('id')}"
        tables.append(
            {
                "kind": kind,
                "title": KINDS.get(kind, gettext_lazy("Records")),
                "columns": [LABELS.get(k, _("Record number") if k == "id" else k.replace("_", " ")) for k in keys],
                "rows": rows,
            }
        )
    return tables

"""``liuke import products|prices|authorizations|shipments|flow`` (INTERFACES.md)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from liuke.core.imports import ImportResult, run_import
from liuke.core.tabular import Column, clean_text, parse_date
from liuke.customers.choices import CustomerKind
from liuke.customers.models import Customer
from liuke.org.models import Division

from . import services
from .choices import ChannelLevel
from .flow import FlowImportResult, flow_import_run
from .models import Product, Shipment
from .packspec import unit_factors

PRODUCT_COLUMNS = [
    Column("code", ("产品编码", "编码", "产品代码"), required=True),
    Column("name", ("产品名称", "名称", "品名"), required=True),
    Column("spec", ("规格", "包装规格"), required=True),
    Column("base_unit", ("基本单位", "单位"), required=True),
    Column("units", ("其他单位", "换算", "单位换算")),
    Column("aliases", ("别名", "其他名称")),
]
PRICE_COLUMNS = [
    Column("product_code", ("产品编码", "产品代码"), required=True),
    Column("channel_level", ("渠道层级", "层级", "价格层级"), required=True),
    Column("floor_price", ("底价", "最低价", "限价"), required=True),
    Column("valid_from", ("生效日期", "开始日期")),
    Column("valid_to", ("失效日期", "结束日期")),
]
AUTHORIZATION_COLUMNS = [
    Column("distributor_code", ("经销商编码", "经销商代码", "商业编码"), required=True),
    Column("product_code", ("产品编码", "产品代码"), required=True),
    Column("division_code", ("行政区划代码", "区划代码", "授权区域"), required=True),
    Column("valid_from", ("生效日期", "开始日期")),
    Column("valid_to", ("失效日期", "结束日期")),
]
SHIPMENT_COLUMNS = [
    Column("date", ("日期", "发货日期", "出库日期"), required=True),
    Column("distributor_code", ("经销商编码", "经销商代码", "商业编码"), required=True),
    Column("product_code", ("产品编码", "产品代码"), required=True),
    Column("batch", ("批号", "生产批号"), required=True),
    Column("quantity", ("数量", "发货数量"), required=True),
    Column("unit", ("单位",)),
    Column("unit_price", ("单价", "开票单价")),
    Column("doc_no", ("单据号", "单号", "发货单号")),
    Column("made_on", ("生产日期",)),
    Column("expires_on", ("有效期至", "失效期", "有效期")),
]

LEVEL_WORDS = {"distributor": "distributor", "terminal": "terminal", "经销商": "distributor", "商业": "distributor",
               "终端": "terminal"}  # fmt: skip


def _decimal(values: dict, key: str, *, required: bool = False) -> Decimal | None:
    raw = clean_text(values.get(key)).replace(",", "")
    if not raw:
        if required:
            raise ValidationError({key: _("The value is empty.")})
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError({key: _("%(value)r is not a number.") % {"value": raw}}) from None
    if not value.is_finite():
        raise ValidationError({key: _("%(value)r is not a number.") % {"value": raw}})
    return value


def _date(values: dict, key: str, *, required: bool = False):
    try:
        value = parse_date(values.get(key))
    except ValueError as exc:
        raise ValidationError({key: str(exc)}) from None
    if value is None and required:
        raise ValidationError({key: _("The date is empty.")})
    return value


def _product(values: dict, state: dict, key: str = "product_code") -> Product:
    code = clean_text(values.get(key))
    cache = state.setdefault("products", {})
    if code not in cache:
        cache[code] = Product.objects.filter(code=code, archived_at__isnull=True).first()
    if cache[code] is None:
        raise ValidationError({key: _("No product with code %(code)r.") % {"code": code}})
    return cache[code]


def _distributor(values: dict, state: dict) -> Customer:
    code = clean_text(values.get("distributor_code"))
    cache = state.setdefault("distributors", {})
    if code not in cache:
        cache[code] = Customer.objects.filter(code=code, archived_at__isnull=True).first()
    found = cache[code]
    if found is None:
        raise ValidationError({"distributor_code": _("No customer with code %(code)r.") % {"code": code}})
    if found.kind != CustomerKind.DISTRIBUTOR:
        raise ValidationError({"distributor_code": _("%(name)s is not a distributor.") % {"name": found}})
    return found


def product_import_run(*, path: str, dry_run: bool = False, actor=None) -> ImportResult:
    """Create or update products by code; units come from the units column and the pack spec."""

    def row(result: ImportResult, row_no: int, values: dict, state: dict) -> None:
        code = clean_text(values.get("code"))
        if not code:
            raise ValidationError({"code": _("The product code is empty.")})
        if code in state.setdefault("seen", {}):
            raise ValidationError({"code": _("Product %(code)s already appears in row %(row)d.") % {
                "code": code, "row": state["seen"][code]}})  # fmt: skip
        state["seen"][code] = row_no
        data = services.product_fields(
            code=code,
            name=clean_text(values.get("name")),
            spec=clean_text(values.get("spec")),
            base_unit=clean_text(values.get("base_unit")),
            units_text=clean_text(values.get("units")),
            aliases_text=clean_text(values.get("aliases")),
        )
        existing = Product.objects.filter(code=code).first()
        if existing is not None and all(getattr(existing, k) == v for k, v in data.items()):
            result.duplicates += 1
            return
        services.product_save(data=data, product=existing)
        result.imported += 1
        if existing is None:
            result.created += 1
        else:
            result.updated += 1

    return run_import(path=path, kind="products", columns=PRODUCT_COLUMNS, dry_run=dry_run, actor=actor,
                      handle_row=row)  # fmt: skip


def price_import_run(*, path: str, dry_run: bool = False, actor=None) -> ImportResult:
    """Floor prices per product and channel level (per base unit), effective-dated."""

    def row(result: ImportResult, row_no: int, values: dict, state: dict) -> None:
        product = _product(values, state)
        level_text = clean_text(values.get("channel_level"))
        level = LEVEL_WORDS.get(level_text.lower()) or LEVEL_WORDS.get(level_text)
        if level not in ChannelLevel.values:
            raise ValidationError({"channel_level": _("Unknown channel level %(v)r: use distributor or terminal.") % {
                "v": level_text}})  # fmt: skip
        price = _decimal(values, "floor_price", required=True)
        assert price is not None
        _floor, changed = services.price_floor_save(
            product=product, channel_level=level, floor_price=price,
            valid_from=_date(values, "valid_from"), valid_to=_date(values, "valid_to"),
        )  # fmt: skip
        if changed:
            result.imported += 1
            result.created += 1
        else:
            result.duplicates += 1

    return run_import(path=path, kind="prices", columns=PRICE_COLUMNS, dry_run=dry_run, actor=actor, handle_row=row)


def authorization_import_run(*, path: str, dry_run: bool = False, actor=None) -> ImportResult:
    """Which distributor may sell which product (``*`` for all) where, and when."""

    def row(result: ImportResult, row_no: int, values: dict, state: dict) -> None:
        distributor = _distributor(values, state)
        code = clean_text(values.get("product_code"))
        product = None if code in {"*", "全部", "所有", "all"} else _product(values, state)
        division_code = clean_text(values.get("division_code"))
        division = Division.objects.filter(code=division_code).select_related("successor").first()
        if division is None:
            raise ValidationError({"division_code": _("Unknown division code %(code)r.") % {"code": division_code}})
        if division.status != "active" and division.successor is not None:
            division = division.successor
        _auth, created = services.authorization_save(
            distributor=distributor, product=product, division=division,
            valid_from=_date(values, "valid_from"), valid_to=_date(values, "valid_to"),
        )  # fmt: skip
        if created:
            result.imported += 1
            result.created += 1
        else:
            result.duplicates += 1

    return run_import(path=path, kind="authorizations", columns=AUTHORIZATION_COLUMNS, dry_run=dry_run, actor=actor,
                      handle_row=row)  # fmt: skip


def shipment_import_run(*, path: str, dry_run: bool = False, actor=None) -> ImportResult:
    """Sell-in lines by batch; quantities converted to the product's base unit; a line already stored is skipped."""
    today = timezone.localdate()

    def row(result: ImportResult, row_no: int, values: dict, state: dict) -> None:
        date = _date(values, "date", required=True)
        if date and date > today:
            raise ValidationError({"date": _("The date %(date)s is in the future.") % {"date": date}})
        distributor = _distributor(values, state)
        product = _product(values, state)
        batch = clean_text(values.get("batch"))
        if not batch:
            raise ValidationError({"batch": _("The batch number is empty.")})
        quantity = _decimal(values, "quantity", required=True)
        assert quantity is not None
        if quantity == 0:
            raise ValidationError({"quantity": _("The quantity is zero.")})
        unit = clean_text(values.get("unit"))
        factors = unit_factors(base_unit=product.base_unit, units=product.units, spec=product.spec)
        if unit and unit not in factors:
            raise ValidationError({"unit": _("Unit %(unit)r is not known for %(product)s.") % {
                "unit": unit, "product": product}})  # fmt: skip
        factor = factors.get(unit, Decimal(1)) if unit else Decimal(1)
        price = _decimal(values, "unit_price")
        data: dict[str, Any] = {
            "date": date, "distributor": distributor, "product": product, "batch": batch,
            "quantity": (quantity * factor).quantize(Decimal("0.001")),
            "unit_price": (price / factor).quantize(Decimal("0.0001")) if price is not None else None,
            "doc_no": clean_text(values.get("doc_no")),
            "made_on": _date(values, "made_on"), "expires_on": _date(values, "expires_on"),
        }  # fmt: skip
        same = Shipment.objects.filter(
            date=date, distributor=distributor, product=product, batch=batch, quantity=data["quantity"],
            doc_no=data["doc_no"], archived_at__isnull=True,
        )  # fmt: skip
        if same.exists():
            result.duplicates += 1
            return
        services.shipment_record(data=data)
        result.imported += 1
        result.created += 1

    return run_import(path=path, kind="shipments", columns=SHIPMENT_COLUMNS, dry_run=dry_run, actor=actor,
                      handle_row=row)  # fmt: skip


def flow_import_cli(
    *, path: str, dry_run: bool = False, actor=None, distributor: str | None = None, period: str | None = None
) -> FlowImportResult:
    """``liuke import flow FILE --distributor CODE --period YYYY-MM``."""
    return flow_import_run(path=path, distributor_code=distributor, period=period, dry_run=dry_run, actor=actor)

"""What a flow import looks rows up in: the company's products and units, and the batches it shipped.

Loaded once per import (:func:`liuke.channel.flow.flow_import_run`); every lookup is in memory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Min
from django.utils.translation import gettext as _

from liuke.core.text import name_key

from .cells import RowProblem
from .choices import FlowFlag
from .models import Product, Shipment
from .packspec import spec_key, unit_factors


@dataclass
class ProductIndex:
    by_code: dict[str, int]
    by_name: dict[str, list[int]]
    spec_keys: dict[int, str]
    factors: dict[int, dict[str, Decimal]]
    base: dict[int, str]
    specs: dict[int, str]
    names: dict[int, str]

    @classmethod
    def load(cls) -> ProductIndex:
        index = cls({}, {}, {}, {}, {}, {}, {})
        for p in Product.objects.filter(archived_at__isnull=True).only(
            "pk", "code", "name", "spec", "base_unit", "units", "aliases"
        ):
            index.by_code[p.code.strip().lower()] = p.pk
            for n in {p.name, *(p.aliases or [])}:
                index.by_name.setdefault(name_key(n), []).append(p.pk)
            index.spec_keys[p.pk] = spec_key(p.spec)
            index.factors[p.pk] = unit_factors(base_unit=p.base_unit, units=p.units, spec=p.spec)
            index.base[p.pk] = p.base_unit
            index.specs[p.pk] = p.spec
            index.names[p.pk] = p.name
        return index

    def find(self, code: str, name: str, spec: str) -> int:
        if code and (pk := self.by_code.get(code.lower())) is not None:
            return pk
        candidates = self.by_name.get(name_key(name), [])
        if not candidates and code:
            raise RowProblem("product_code", _("No product with code %(code)r.") % {"code": code})
        if not candidates:
            raise RowProblem("product", _("Unknown product %(name)r.") % {"name": name})
        if len(candidates) == 1 and (not spec or self._spec_fits(candidates[0], spec)):
            return candidates[0]
        fitting = [pk for pk in candidates if spec and self._spec_fits(pk, spec)]
        if len(fitting) == 1:
            return fitting[0]
        known = "、".join(self.specs[pk] or "-" for pk in candidates)
        if not spec:
            raise RowProblem("spec", _("%(name)s comes in several specs (%(known)s): the spec is needed.") % {
                "name": name, "known": known})  # fmt: skip
        raise RowProblem("spec", _("No %(name)s in spec %(spec)r (known: %(known)s).") % {
            "name": name, "spec": spec, "known": known})  # fmt: skip

    def _spec_fits(self, pk: int, spec: str) -> bool:
        return not self.spec_keys[pk] or spec_key(spec) == self.spec_keys[pk]


@dataclass
class BatchIndex:
    life: dict[tuple[int, str], tuple[dt.date | None, dt.date | None, dt.date | None]]  # made, expires, first ship
    to_distributor: dict[tuple[int, str], dt.date]  # first shipment of the batch to this distributor

    @classmethod
    def load(cls, distributor_id: int) -> BatchIndex:
        life = {
            (row["product_id"], row["batch"]): (row["made"], row["expires"], row["first"])
            for row in Shipment.objects.filter(archived_at__isnull=True)
            .values("product_id", "batch")
            .annotate(made=Min("made_on"), expires=Max("expires_on"), first=Min("date"))
        }
        mine = {
            (row["product_id"], row["batch"]): row["first"]
            for row in Shipment.objects.filter(archived_at__isnull=True, distributor_id=distributor_id)
            .values("product_id", "batch")
            .annotate(first=Min("date"))
        }
        return cls(life, mine)

    def flags(self, product_id: int, batch: str, date: dt.date) -> int:
        info = self.life.get((product_id, batch))
        if info is None:
            return FlowFlag.UNKNOWN_BATCH
        made, expires, _first = info
        flags = 0
        if (made and date < made) or (expires and date > expires):
            flags |= FlowFlag.BATCH_LIFE
        first_here = self.to_distributor.get((product_id, batch))
        if first_here is None or date < first_here:
            flags |= FlowFlag.BEFORE_SELL_IN
        return flags


def find_product(products: ProductIndex, code: str, name: str, spec: str) -> int | RowProblem:
    if not name and not code:
        return RowProblem("product", _("The product is empty."))
    try:
        return products.find(code, name, spec)
    except RowProblem as problem:
        return problem


def unit_factor(products: ProductIndex, product_id: int, unit: str, spec: str) -> float | RowProblem:
    factors = products.factors[product_id]
    base = products.base[product_id]
    if not unit or unit == base:
        return 1.0
    if unit in factors:
        return float(factors[unit])
    if spec:
        # The file's own pack spec can say what an inner unit is ("0.3g*10片*3板/盒": 片 = 1/30 盒).
        from_row = unit_factors(base_unit=base, units=None, spec=spec)
        if unit in from_row:
            return float(from_row[unit])
    known = "、".join(f"{u}={f}" for u, f in factors.items())
    return RowProblem(
        "unit",
        _("Unit %(unit)r is not known for %(product)s (known: %(known)s).")
        % {"unit": unit, "product": products.names[product_id], "known": known},
    )

"""Units and pack specs: "件=50;支=0.1", and "0.3g*10片*3板/盒" read as 1 盒 = 3 板 = 30 片."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

# Units of dose or volume: a spec's first item ("0.3g", "10ml") says what one piece holds, not a count.
_MEASURES = {
    "g", "mg", "ug", "μg", "mcg", "kg", "ml", "l", "iu", "u", "万u", "万iu", "%", "克", "毫克", "微克", "毫升", "升",
    "单位", "万单位", "cm", "mm",
}  # fmt: skip
_ITEM = re.compile(r"^(\d+(?:\.\d+)?)\s*([^\d\s.]+)$")
_SPLIT = re.compile(r"[*×xX]")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def parse_units(text: str) -> dict[str, str]:
    """``件=50;支=0.1`` → {"件": "50", "支": "0.1"}; raises ValueError naming the bad part."""
    units: dict[str, str] = {}
    for part in re.split(r"[;；,，、\s]+", _norm(text)):
        if not part:
            continue
        unit, sep, factor = part.partition("=")
        unit = unit.strip()
        try:
            value = Decimal(factor.strip())
        except InvalidOperation:
            value = Decimal(0)
        if not sep or not unit or value <= 0:
            raise ValueError(part)
        units[unit] = decimal_text(value)
    return units


def decimal_text(value: Decimal) -> str:
    """A decimal as plain text without trailing zeros (50, 0.1, 0.03333333)."""
    return format(value.normalize(), "f")


def parse_pack_spec(text: str) -> tuple[str, dict[str, Decimal]] | None:
    """The container unit and how many of each inner unit it holds, or None when the text is no pack spec.

    ``0.3g*10片*3板/盒`` → ("盒", {"板": 3, "片": 30}); ``10ml*6支/盒`` → ("盒", {"支": 6});
    ``100片/瓶`` → ("瓶", {"片": 100}).
    """
    spec = _norm(text).lower().replace(" ", "")
    if "/" not in spec:
        return None
    items_text, _, container = spec.rpartition("/")
    if not container or not items_text or any(ch.isdigit() for ch in container):
        return None
    counts: list[tuple[str, Decimal]] = []
    for item in _SPLIT.split(items_text):
        match = _ITEM.match(item)
        if match is None:
            return None
        number, unit = Decimal(match[1]), match[2]
        if unit in _MEASURES:
            continue  # a dose, not a count
        counts.append((unit, number))
    if not counts:
        return None
    # Innermost first: 10片*3板 means 10 片 per 板 and 3 板 per 盒.
    per_container: dict[str, Decimal] = {}
    total = Decimal(1)
    for unit, number in reversed(counts):
        total *= number
        per_container[unit] = total
    return container, per_container


def spec_key(text: str) -> str:
    """A spec reduced to what identifies it, so that "0.3g×10片×3板/盒" and "0.3G*10片*3板/盒" agree."""
    spec = _norm(text).lower()
    spec = re.sub(r"[\s]+", "", spec)
    return _SPLIT.sub("*", spec)


def unit_factors(*, base_unit: str, units: dict[str, str] | None, spec: str = "") -> dict[str, Decimal]:
    """Every unit a quantity may come in → how many base units one of it is.

    Explicit units win; the pack spec adds the inner units it implies (a 片 is 1/30 盒 for "…*10片*3板/盒").
    """
    factors: dict[str, Decimal] = {base_unit: Decimal(1)} if base_unit else {}
    parsed = parse_pack_spec(spec) if spec else None
    if parsed is not None:
        container, inner = parsed
        if container == base_unit:
            for unit, count in inner.items():
                factors.setdefault(unit, Decimal(1) / count)
        elif base_unit in inner:
            # The base unit is an inner one: the container and its siblings follow from it.
            base_count = inner[base_unit]
            factors.setdefault(container, base_count)
            for unit, count in inner.items():
                factors.setdefault(unit, base_count / count)
    for unit, factor in (units or {}).items():
        factors[unit] = Decimal(str(factor))
    return factors

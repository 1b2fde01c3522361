"""Reading one cell of a distributor's flow file: text, numbers with their unit, dates, total rows.

Pure functions: the flow import (``flow.py``) calls them once per distinct value and caches the result.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from liuke.core.tabular import clean_text, parse_date

TOTAL_WORDS = ("合计", "总计", "小计", "累计", "总数", "total", "sum")
EARLIEST = dt.date(2000, 1, 1)
_NUMBER = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s*([^\d\s.]*)$")


class RowProblem(Exception):
    """A row that cannot be imported: the field and the reason, for the error report."""

    def __init__(self, field_name: str, reason: str):
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


# --- cells ------------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        if value.isprintable() and value == value.strip() and value.isascii():
            return value
        return clean_text(value)
    return clean_text(value)


def parse_number(value: Any, field_name: str) -> tuple[float, str] | None:
    """(number, unit written after it) from a cell; None when blank; RowProblem when it is not a number."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RowProblem(field_name, _("%(value)s is not a number") % {"value": value})
    if isinstance(value, int | float):
        number = float(value)
        suffix = ""
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace("¥", "").replace("￥", "")
        if not text:
            return None
        try:
            number, suffix = float(text), ""
        except ValueError:
            match = _NUMBER.match(text)
            if match is None:
                raise RowProblem(field_name, _("%(value)r is not a number") % {"value": str(value)[:40]}) from None
            number, suffix = float(match[1]), match[2]
    if math.isnan(number) or math.isinf(number) or abs(number) >= 1e12:
        raise RowProblem(field_name, _("%(value)r is not a usable number") % {"value": str(value)[:40]})
    return number, suffix


def format_number(number: float, places: int) -> str:
    if number == int(number) and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.{places}f}".rstrip("0").rstrip(".")


def raw_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)[:200]


def is_total_row(cells: list[Any], positions: list[int]) -> bool:
    for i in positions:
        value = cells[i]
        if isinstance(value, str) and value:
            text = unicodedata.normalize("NFKC", value).strip().lower().replace(" ", "").replace(":", "")
            if text.startswith(TOTAL_WORDS):
                return True
    return False


def parse_sale_date(value: Any) -> dt.date | RowProblem:
    try:
        date = parse_date(value)
    except ValueError as exc:
        return RowProblem("date", str(exc))
    if date is None:
        return RowProblem("date", _("The date is empty."))
    if date < EARLIEST:
        return RowProblem("date", _("%(date)s is not a plausible sale date.") % {"date": date})
    return date

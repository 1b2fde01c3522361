"""The data behind the pictures (ECharts, drawn by ``static/alerts/charts.js``), read through core.visibility.

- ``channel_map``: where the goods went, as a Sankey from the authorised region (the province of the
  distributor's authorisation, or the distributor's own) to the buyer's province, for one product (or all)
  in one month of flow files; a province map of China with cross-region flow and live alerts per province;
  alerts by rule and by province over the last months (stacked bars).
- ``evidence_picture``: an alert's evidence by month and by where it went, read from the evidence itself.

Every picture comes with the same numbers as a table (the text alternative for screen readers and phones).
Labels are translated here; province names are the GB/T 2260 names of the division table.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from liuke.channel.choices import ImportStatus
from liuke.channel.models import DistributorAuthorization, FlowImport, FlowLine
from liuke.core import visibility
from liuke.org.choices import DivisionLevel
from liuke.org.models import Division

from . import registry, selectors
from .choices import LIVE_STATUSES, Area
from .models import Alert

TOP_RULES = 8  # bars per month: the most frequent rules, the rest as "other rules"
TOP_PROVINCES = 8
# The GeoJSON of the map names Hong Kong and Macao without a code (tools/vendor_assets.py adds it).
MAP_FILE = "vendor/china-geojson/china-provinces.json"


def province_names() -> dict[str, str]:
    """Two-digit GB/T 2260 province prefix → the province's short name (江苏省 → 江苏)."""
    names = {}
    for code, name in Division.objects.filter(level=DivisionLevel.PROVINCE).values_list("code", "name"):
        names[code[:2]] = short_province(name)
    return names


def short_province(name: str) -> str:
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _number(value: Any) -> float:
    if isinstance(value, Decimal):
        return float(value)
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _month_end(start: dt.date) -> dt.date:
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


# --- the channel map -----------------------------------------------------------------------------------------


def flow_months(*, viewer: Any) -> list[dt.date]:
    """The months of the active flow files the viewer may see, newest first."""
    periods = (
        visibility.restrict(viewer, FlowImport)
        .filter(status=ImportStatus.ACTIVE)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )
    return list(periods[:36])


def sankey(*, viewer: Any, month: dt.date, product_id: int | None, names: dict[str, str]) -> dict[str, Any]:
    """Quantities from the authorised province to the buyer's province (one grouped query over the flow lines
    of the month's active files, one over the authorisations of the distributors met)."""
    lines = visibility.restrict(viewer, FlowLine).filter(
        flow_import__status=ImportStatus.ACTIVE, flow_import__period=month
    )
    if product_id:
        lines = lines.filter(product_id=product_id)
    grouped = list(
        lines.order_by()
        .values("distributor_id", "product_id", "distributor__division_id", buyer=Substr("division_id", 1, 2))
        .annotate(q=Sum("quantity"), n=Count("pk"))
    )
    distributors = {g["distributor_id"] for g in grouped}
    authorised: dict[tuple[int, int | None], set[str]] = defaultdict(set)
    end = _month_end(month)
    if distributors:
        for a in DistributorAuthorization.objects.filter(
            distributor_id__in=sorted(distributors), archived_at__isnull=True
        ).values("distributor_id", "product_id", "division_id", "valid_from", "valid_to"):
            if (a["valid_from"] and a["valid_from"] >= end) or (a["valid_to"] and a["valid_to"] < month):
                continue
            authorised[(a["distributor_id"], a["product_id"])].add(a["division_id"][:2])
    flows: dict[tuple[str, str], float] = defaultdict(float)
    lines_count: dict[tuple[str, str], int] = defaultdict(int)
    for g in grouped:
        allowed = authorised.get((g["distributor_id"], g["product_id"]), set()) | authorised.get(
            (g["distributor_id"], None), set()
        )
        own = (g["distributor__division_id"] or "")[:2]
        buyer = g["buyer"] or ""
        if buyer and buyer in allowed:
            source = buyer  # sold inside its authorised area
        elif allowed:
            source = sorted(allowed)[0]
        else:
            source = own
        key = (source or "", buyer)
        flows[key] += _number(g["q"])
        lines_count[key] += g["n"]
    unknown = _("unknown")
    links: list[dict[str, Any]] = []
    for (source, target), quantity in sorted(flows.items(), key=lambda kv: -kv[1]):
        if quantity <= 0:
            continue
        links.append(
            {
                "source": f"a{source}",
                "target": f"b{target}",
                "value": round(quantity, 3),
                "cross": bool(source and target and source != target),
                "from": names.get(source, unknown),
                "to": names.get(target, unknown),
                "lines": lines_count[(source, target)],
            }
        )
    nodes: list[str] = sorted({str(link["source"]) for link in links} | {str(link["target"]) for link in links})
    return {
        "nodes": [{"name": n, "label": names.get(n[1:], unknown)} for n in nodes],
        "links": links,
        "from_label": _("Authorised region"),
        "to_label": _("Buyer's region"),
    }


def alert_counts_by_province(*, viewer: Any) -> dict[str, int]:
    rows = (
        selectors.live_alerts(viewer=viewer).order_by().values(prov=Substr("division_id", 1, 2)).annotate(n=Count("pk"))
    )
    return {r["prov"]: r["n"] for r in rows if r["prov"]}


def province_map(*, links: list[dict[str, Any]], alerts: dict[str, int], names: dict[str, str]) -> dict[str, Any]:
    """Per province: quantity bought from outside its authorised region, and the live alerts there."""
    cross: dict[str, float] = defaultdict(float)
    for link in links:
        if link["cross"]:
            cross[link["target"][1:]] += link["value"]
    provinces = sorted(set(cross) | set(alerts))
    rows: list[dict[str, Any]] = [
        {
            "code": f"{p}0000",
            "name": names.get(p, p),
            "cross": round(cross.get(p, 0.0), 3),
            "alerts": alerts.get(p, 0),
        }
        for p in provinces
        if p in names
    ]
    rows.sort(key=lambda r: (-r["alerts"], -r["cross"], r["code"]))
    return {
        "rows": rows,
        "alerts_label": _("Open alerts"),
        "cross_label": _("Cross-region quantity"),
    }


def _months_back(today: dt.date, count: int) -> list[dt.date]:
    first = today.replace(day=1)
    months = [first]
    for _i in range(count - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        months.append(first)
    return list(reversed(months))


def _month_key(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime("%Y-%m") if value else ""


def alerts_over_time(*, viewer: Any, months: int, names: dict[str, str]) -> dict[str, Any]:
    """Alerts opened per month (the last ``months``), stacked by rule and by province: two grouped queries."""
    today = timezone.localdate()
    axis = _months_back(today, months)
    keys = [m.strftime("%Y-%m") for m in axis]
    since = timezone.make_aware(dt.datetime.combine(axis[0], dt.time.min))
    visible = selectors.alert_list(viewer=viewer).filter(opened_at__gte=since).order_by()
    by_rule = visible.annotate(month=TruncMonth("opened_at")).values("month", "rule").annotate(n=Count("pk"))
    by_region = (
        visible.annotate(month=TruncMonth("opened_at"), prov=Substr("division_id", 1, 2))
        .values("month", "prov")
        .annotate(n=Count("pk"))
    )
    rules = {r.name: str(r.title) for r in registry.all_rules()}
    rule_series = _stack(by_rule, "rule", keys, TOP_RULES, lambda k: rules.get(k, k), _("Other rules"))
    region_series = _stack(
        by_region, "prov", keys, TOP_PROVINCES, lambda k: names.get(k or "", _("unknown")), _("Other regions")
    )
    return {
        "months": keys,
        "by_rule": rule_series,
        "by_region": region_series,
        "by_rule_rows": _rows(keys, rule_series),
        "by_region_rows": _rows(keys, region_series),
        "count_label": _("Alerts"),
    }


def _rows(months: list[str], series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stacked bars as table rows: one per month, a count per series."""
    return [{"month": m, "counts": [s["data"][i] for s in series]} for i, m in enumerate(months)]


def _stack(rows, field: str, months: list[str], top: int, label, other_label: str) -> list[dict[str, Any]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        month = _month_key(r["month"])
        if month not in months:
            continue
        key = r[field] or ""
        counts[key][month] += r["n"]
        totals[key] += r["n"]
    ranked = sorted(totals, key=lambda k: (-totals[k], k))
    series = [{"name": label(k), "data": [counts[k].get(m, 0) for m in months]} for k in ranked[:top]]
    rest = ranked[top:]
    if rest:
        series.append({"name": other_label, "data": [sum(counts[k].get(m, 0) for k in rest) for m in months]})
    return series


def channel_map(*, viewer: Any, filterset) -> dict[str, Any]:
    """Everything the channel-map page draws, for one viewer and the chosen product and month."""
    names = province_names()
    months = flow_months(viewer=viewer)
    month = filterset.month_start or (months[0] if months else None)
    flow: dict[str, Any] = (
        sankey(viewer=viewer, month=month, product_id=filterset.product_id, names=names)
        if month is not None
        else {"nodes": [], "links": [], "from_label": _("Authorised region"), "to_label": _("Buyer's region")}
    )
    alerts = alert_counts_by_province(viewer=viewer)
    over_time = alerts_over_time(viewer=viewer, months=filterset.months_back, names=names)
    return {
        "months": months,
        "month": month,
        "sankey": flow,
        "cross_links": [link for link in flow["links"] if link["cross"]],
        "map": province_map(links=flow["links"], alerts=alerts, names=names),
        "map_file": MAP_FILE,
        "over_time": over_time,
        "labels": {
            "quantity": _("Quantity"),
            "alerts": _("Alerts"),
            "no_data": _("Nothing to draw yet."),
            "cross": _("Cross-region"),
        },
        "channel_area": Area.CHANNEL,
        "live": LIVE_STATUSES,
    }


# --- one alert's evidence ----------------------------------------------------------------------------------


def evidence_picture(alert: Alert) -> dict[str, Any] | None:
    """Quantities of the evidence's flow lines by month and by where they went (the buyer's region or name);
    None when the evidence lists no flow line (nothing worth a picture)."""
    by_month: dict[str, float] = defaultdict(float)
    by_place: dict[str, float] = defaultdict(float)
    for item in alert.evidence or []:
        if not isinstance(item, dict) or item.get("type") != "flow_line" or item.get("quantity") in (None, ""):
            continue  # the flow lines: what was sold, when and to whom (sell-in and totals are in the table)
        quantity = _number(item.get("quantity"))
        month = str(item.get("date") or item.get("month") or "")[:7]
        place = str(item.get("region") or item.get("buyer_name") or item.get("buyer") or "")
        if month:
            by_month[month] += quantity
        if place:
            by_place[place] += quantity
    if not by_month and not by_place:
        return None
    places = sorted(by_place.items(), key=lambda kv: -kv[1])[:10]
    return {
        "months": sorted(by_month),
        "by_month": [round(by_month[m], 3) for m in sorted(by_month)],
        "places": [p for p, _q in places],
        "by_place": [round(q, 3) for _p, q in places],
        "month_rows": [(m, round(by_month[m], 3)) for m in sorted(by_month)],
        "place_rows": [(p, round(q, 3)) for p, q in places],
        "quantity_label": _("Quantity"),
        "month_label": _("By month"),
        "place_label": _("By buyer"),
        "listed_only": alert.evidence_count > len(alert.evidence or []),
    }

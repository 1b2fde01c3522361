"""Alert pages: the inbox, one alert, the rules, the channel map. Thin views over selectors and services.

Who sees and does what is asked of core.visibility; query strings become filters only through
``filtersets.py``; every write goes through ``services.py`` (each step change-logged).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from liuke.channel.models import Product
from liuke.core import selectors as core_selectors
from liuke.core import visibility
from liuke.core.exports import CONTENT_TYPES
from liuke.customers.choices import CustomerKind
from liuke.customers.models import Customer
from liuke.customers.selectors import employees_for_assignment
from liuke.org.choices import DivisionLevel, EmployeeStatus
from liuke.org.models import Division, Employee

from . import charts, evidence, registry, selectors, services
from .choices import JUDGED_STATUSES, LIVE_STATUSES, SEVERITY_RANK, TRANSITIONS, AlertStatus, Area, RunMode, Severity
from .filtersets import ANY, LIVE, SORT_CHOICES, STATUS_CHOICES, AlertFilterSet, ChannelMapFilterSet
from .forms import AssignForm, BulkForm, NoteForm, RuleSettingForm, StepForm
from .models import Alert, RuleSetting, ScreenRun

PAGE_SIZE = 50
RUNS_READ = 500  # screenings read to find each rule's last run

# How each step reads on its button.
STEP_LABELS: dict[str, Any] = {
    AlertStatus.ACKNOWLEDGED: gettext_lazy("Acknowledge"),
    AlertStatus.INVESTIGATING: gettext_lazy("Start investigating"),
    AlertStatus.RESOLVED: gettext_lazy("Resolve"),
    AlertStatus.DISMISSED: gettext_lazy("Dismiss"),
    AlertStatus.OPEN: gettext_lazy("Reopen"),
}
SEVERITY_STYLE: dict[str, str] = {
    Severity.INFO: "info",
    Severity.LOW: "secondary",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "danger",
}
STATUS_STYLE: dict[str, str] = {
    AlertStatus.OPEN: "danger",
    AlertStatus.ACKNOWLEDGED: "warning",
    AlertStatus.INVESTIGATING: "primary",
    AlertStatus.RESOLVED: "success",
    AlertStatus.DISMISSED: "secondary",
    AlertStatus.NO_LONGER_OBSERVED: "light border",
}


def _query(request, **changes: Any) -> str:
    """The page's query string with some parameters set (None drops one) and the page number reset."""
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    text = params.urlencode()
    return f"?{text}" if text else "?"


def _render(request, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    ctx.setdefault("nav_rules", visibility.can(request.user, RuleSetting))
    return render(request, template, ctx, status=status)


class _KnownCount(Paginator):
    """A paginator told its count (the inbox already summed it from its grouped counts: no second COUNT)."""

    def __init__(self, object_list, per_page, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known = count

    @cached_property
    def count(self) -> int:
        return self._known


def _decorate(alerts: list[Alert]) -> list[Alert]:
    """What a row shows, worked out once here rather than looked up again and again by the template."""
    now = timezone.now()
    severities = dict(Severity.choices)
    statuses = dict(AlertStatus.choices)
    for a in alerts:
        a.severity_style = SEVERITY_STYLE.get(a.severity, "secondary")  # type: ignore[attr-defined]
        a.status_style = STATUS_STYLE.get(a.status, "secondary")  # type: ignore[attr-defined]
        a.severity_label = severities.get(a.severity, a.severity)  # type: ignore[attr-defined]
        a.status_label = statuses.get(a.status, a.status)  # type: ignore[attr-defined]
        days = max((now - a.opened_at).days, 0)
        a.age_days = days  # type: ignore[attr-defined]
        a.age_text = ngettext("%(d)s day", "%(d)s days", days) % {"d": days}  # type: ignore[attr-defined]
        a.opened_text = timezone.localtime(a.opened_at).strftime("%Y-%m-%d")  # type: ignore[attr-defined]
        subject = a.customer or a.distributor or a.employee
        a.subject_name = subject.name if subject is not None else "—"  # type: ignore[attr-defined]
    return alerts


# --- the inbox ---------------------------------------------------------------------------------------------


def _inbox_counts(filterset: AlertFilterSet, rows) -> tuple[list[dict], list[dict], int]:
    """Chips by rule and by severity, and the list's total, from ``rows`` of {rule, severity, n}.

    The rule chips count across every rule (with the other filters), the severity chips across every
    severity; the list's own total is the cell where both match.
    """
    values = filterset.values()
    wanted_rule, wanted_severity = values.get("rule") or "", values.get("severity") or ""
    by_rule: dict[str, int] = defaultdict(int)
    by_severity: dict[str, int] = defaultdict(int)
    total = 0
    for r in rows:
        if not wanted_severity or r["severity"] == wanted_severity:
            by_rule[r["rule"]] += r["n"]
        if not wanted_rule or r["rule"] == wanted_rule:
            by_severity[r["severity"]] += r["n"]
            if not wanted_severity or r["severity"] == wanted_severity:
                total += r["n"]
    known = {rule.name: rule for rule in registry.all_rules()}
    order = {name: i for i, name in enumerate(known)}
    rule_chips = [
        {"name": name, "title": known[name].title if name in known else name, "n": n, "active": name == wanted_rule}
        for name, n in sorted(by_rule.items(), key=lambda kv: (order.get(kv[0], 999), kv[0]))
        if n or name == wanted_rule
    ]
    severity_chips = [
        {"value": s.value, "label": s.label, "n": by_severity.get(s.value, 0), "active": s.value == wanted_severity,
         "style": SEVERITY_STYLE[s]}
        for s in reversed(Severity)
    ]  # fmt: skip
    return rule_chips, severity_chips, total


def _one_pass(filterset: AlertFilterSet, narrowed) -> tuple[list[dict], list[dict], list[int]]:
    """Chips and the sorted ids of the list from one read of (id, rule, severity, opened) of the alerts
    that pass every filter but rule and severity."""
    values = filterset.values()
    wanted_rule, wanted_severity = values.get("rule") or "", values.get("severity") or ""
    found = list(narrowed.values_list("pk", "rule", "severity", "opened_at"))
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for _pk, rule, severity, _opened in found:
        cells[(rule, severity)] += 1
    rows = [{"rule": r, "severity": sv, "n": n} for (r, sv), n in cells.items()]
    rule_chips, severity_chips, _total = _inbox_counts(filterset, rows)
    matching = [
        f
        for f in found
        if (not wanted_rule or f[1] == wanted_rule) and (not wanted_severity or f[2] == wanted_severity)
    ]
    sort = values.get("sort") or "-opened"
    if sort == "opened":
        matching.sort(key=lambda f: (f[3], f[0]))
    elif sort == "severity":
        matching.sort(key=lambda f: (-SEVERITY_RANK.get(f[2], 0), -f[3].timestamp(), -f[0]))
    else:
        matching.sort(key=lambda f: (f[3], f[0]), reverse=True)
    return rule_chips, severity_chips, [f[0] for f in matching]


def alert_list(request):
    """The inbox: the alerts the viewer may see, filtered, counted by rule and severity, a page at a time."""
    viewer = request.user
    base = selectors.alert_list(viewer=viewer)
    filterset = AlertFilterSet(request.GET, queryset=base, request=request)
    narrowed = filterset.narrow(base.order_by(), leave_out=("rule", "severity"))
    if visibility.rule_for(viewer, Alert) is True:
        # Every alert is the viewer's: the counts are one grouped query, the page one indexed query.
        counted = narrowed.values("rule", "severity").annotate(n=Count("pk"))
        rule_chips, severity_chips, total = _inbox_counts(filterset, counted)
        ids: Any = filterset.qs.values_list("pk", flat=True)
        page = _KnownCount(ids, PAGE_SIZE, total).get_page(request.GET.get("page"))
    else:
        # The viewer's own alerts: their visibility rule is read once, for the counts and the page together.
        rule_chips, severity_chips, matching = _one_pass(filterset, narrowed)
        page = Paginator(matching, PAGE_SIZE).get_page(request.GET.get("page"))
        total = len(matching)
    wanted = list(page.object_list)
    rows = {a.pk: a for a in base.filter(pk__in=wanted).order_by().only(*ROW_FIELDS)} if wanted else {}
    page.object_list = _decorate([rows[pk] for pk in wanted if pk in rows])
    values = filterset.values()
    may_assign_others = visibility.can(viewer, Alert, visibility.APPROVE)
    people = _people(viewer) if may_assign_others else []
    provinces = list(Division.objects.filter(level=DivisionLevel.PROVINCE).order_by("code").values_list("code", "name"))
    region = values.get("region") or ""
    if region and region not in dict(provinces):
        provinces.append(
            (region, Division.objects.filter(code=region).values_list("full_name", flat=True).first() or region)
        )
    products = visibility.restrict(viewer, Product).filter(archived_at__isnull=True).order_by("code")
    ctx = {
        "page": page,
        "alerts": page.object_list,
        "total": total,
        "filters": values,
        "status_value": filterset.status_value,
        "statuses": STATUS_CHOICES,
        "severities": Severity.choices,
        "areas": Area.choices,
        "sorts": SORT_CHOICES,
        "rules": registry.all_rules(),
        "rule_chips": rule_chips,
        "severity_chips": severity_chips,
        "rule_clear": _query(request, rule=None),
        "severity_clear": _query(request, severity=None),
        "province_options": _options(provinces, region),
        "product_options": _options(products.values_list("code", "name"), values.get("product") or ""),
        "distributor_options": _options(
            [(pk, name) for pk, name in _distributors(viewer).values_list("pk", "name")], values.get("distributor")
        ),
        "people": people,
        "assignee_options": _options([(pk, name) for pk, name, _dept in people], values.get("assignee")),
        "people_options": _options([(pk, f"{name} · {dept}") for pk, name, dept in people], None),
        "has_employee": visibility.scope_for(viewer).employee_id is not None,
        "may_change": visibility.can(viewer, Alert, visibility.CHANGE),
        "may_assign_others": may_assign_others,
        "querystring": request.GET.urlencode(),
        "next": request.get_full_path(),
        "live_status": filterset.status_value == LIVE,
        "any_status": ANY,
    }
    for chip in rule_chips:
        chip["url"] = _query(request, rule=None if chip["active"] else chip["name"])
    for chip in severity_chips:
        chip["url"] = _query(request, severity=None if chip["active"] else chip["value"])
    if values.get("customer"):
        ctx["about"] = visibility.restrict(viewer, Customer).filter(pk=values["customer"]).first()
    elif values.get("employee"):
        ctx["about"] = visibility.restrict(viewer, Employee).filter(pk=values["employee"]).first()
    return _render(request, "alerts/alert_list.html", ctx)


# What one row of the inbox reads (the rest of an alert, and of the records it names, stays in the database).
ROW_FIELDS = ("id", "rule", "severity", "status", "params", "opened_at", "customer__name", "employee__name",
              "distributor__name", "division__full_name", "assignee__name")  # fmt: skip


def _options(pairs, selected) -> str:
    """``<option>`` elements for a long list (people, distributors), built once instead of by a template loop."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if str(value) == str(selected) else "", label) for value, label in pairs),
    )


def _people(viewer) -> list[tuple[int, str, str]]:
    """Whom the viewer may give alerts to: (id, name, department)."""
    return list(employees_for_assignment(viewer=viewer).order_by("name").values_list("pk", "name", "department__name"))


def _distributors(viewer):
    return (
        visibility.restrict(viewer, Customer)
        .filter(kind=CustomerKind.DISTRIBUTOR, archived_at__isnull=True)
        .order_by("code")[:500]
    )


alert_list = login_required(alert_list)


def _safe_next(request, value: str) -> str:
    fallback = reverse("alerts:alert_list")
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}) and value.startswith("/"):
        return value
    return fallback


@login_required
@require_POST
def alert_bulk(request):
    """Acknowledge or assign the ticked alerts: each one that allows it; the others are named."""
    viewer = request.user
    form = BulkForm(request.POST)
    target = _safe_next(request, request.POST.get("next", ""))
    if not form.is_valid():
        for error in form.non_field_errors() or [_("Nothing was changed.")]:
            messages.error(request, error)
        return HttpResponseRedirect(target)
    d = form.cleaned_data
    alerts = list(selectors.alert_list(viewer=viewer).filter(pk__in=d["ids"][:500]).order_by("pk"))
    assignee = None
    status = None
    if d["action"] == "acknowledge":
        status = AlertStatus.ACKNOWLEDGED
    elif d["action"] == "assign_me":
        assignee = getattr(viewer, "employee", None)
        if assignee is None:
            messages.error(request, _("Only an employee can take alerts."))
            return HttpResponseRedirect(target)
    else:
        assignee = employees_for_assignment(viewer=viewer).filter(pk=d["assignee"]).first()
        if assignee is None:
            messages.error(request, _("Choose someone from the list."))
            return HttpResponseRedirect(target)
    done, skipped = services.alerts_bulk(alerts=alerts, user=viewer, status=status, assignee=assignee, note=d["note"])
    if done:
        messages.success(request, _("%(n)d alert(s) changed.") % {"n": done})
    if skipped:
        shown = "; ".join(skipped[:5]) + (" …" if len(skipped) > 5 else "")
        messages.warning(request, _("%(n)d alert(s) left as they were: %(why)s") % {"n": len(skipped), "why": shown})
    return HttpResponseRedirect(target)


@login_required
def alert_export(request):
    """The inbox as a file (CSV, Excel or JSON): the same filters, through core.exports (logged)."""
    from .pages import alert_export as export

    fmt = request.GET.get("format", "xlsx")
    if fmt not in CONTENT_TYPES:
        raise Http404
    visibility.require(request.user, Alert, visibility.EXPORT)
    filterset = AlertFilterSet(request.GET, queryset=selectors.alert_list(viewer=request.user), request=request)
    response = HttpResponse(content_type=CONTENT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="alerts-{stamp}.{fmt}"'
    export(viewer=request.user, fmt=fmt, out=response, filterset=filterset)
    return response


# --- one alert ---------------------------------------------------------------------------------------------


def _subject(viewer: Any, alert: Alert) -> list[dict[str, Any]]:
    """Who or what the alert is about, each linked where the viewer may open it."""
    found = []
    ids = [i for i in (alert.customer_id, alert.distributor_id) if i is not None]
    openable = (
        set(visibility.restrict(viewer, Customer).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    )
    if alert.customer is not None:
        is_distributor = alert.customer.kind == CustomerKind.DISTRIBUTOR
        url = None
        if alert.customer_id in openable:
            url = (
                reverse("channel:distributor_detail", args=[alert.customer_id])
                if is_distributor
                else alert.customer.get_absolute_url()
            )
        found.append(
            {
                "label": _("Distributor") if is_distributor else _("Customer"),
                "name": alert.customer.name,
                "code": alert.customer.code,
                "url": url,
            }
        )
    if alert.distributor is not None and alert.distributor_id != alert.customer_id:
        found.append(
            {
                "label": _("Distributor"),
                "name": alert.distributor.name,
                "code": alert.distributor.code,
                "url": reverse("channel:distributor_detail", args=[alert.distributor_id])
                if alert.distributor_id in openable
                else None,
            }
        )
    if alert.employee is not None:
        found.append(
            {
                "label": _("Employee"),
                "name": alert.employee.name,
                "code": alert.employee.employee_no,
                "url": alert.employee.get_absolute_url() if visibility.can(viewer, alert.employee) else None,
            }
        )
    return found


@login_required
def alert_detail(request, pk: int):
    viewer = request.user
    alert = selectors.alert_get(viewer=viewer, pk=pk)
    if alert is None:
        raise Http404
    rule = registry.get(alert.rule)
    may_change = visibility.can(viewer, alert, visibility.CHANGE)
    may_assign_others = may_change and visibility.can(viewer, alert, visibility.APPROVE)
    steps = [
        {"status": s, "label": STEP_LABELS[s], "judged": s in JUDGED_STATUSES}
        for s in TRANSITIONS.get(alert.status, ())
    ]
    me = visibility.scope_for(viewer).employee_id
    product = (
        Product.objects.filter(code=alert.product_code).only("code", "name").first() if alert.product_code else None
    )
    _decorate([alert])
    notes = selectors.alert_notes(viewer=viewer, alert=alert)
    people = _people(viewer) if may_assign_others else []
    ctx = {
        "alert": alert,
        "rule": rule,
        "subjects": _subject(viewer, alert),
        "product": product,
        "evidence": evidence.evidence_tables(viewer, alert.evidence),
        "more_evidence": max(alert.evidence_count - len(alert.evidence or []), 0),
        "picture": charts.evidence_picture(alert),
        "notes": notes,
        "history": _readable_history(core_selectors.object_history(viewer=viewer, obj=alert)),
        "may_change": may_change,
        "may_assign_others": may_assign_others,
        "plain_steps": [s for s in steps if not s["judged"]] if may_change else [],
        "judged_steps": [s for s in steps if s["judged"]] if may_change else [],
        "assigned_to_me": me is not None and alert.assignee_id == me,
        "has_employee": me is not None,
        "people": people,
        "people_options": _options([(pk, f"{name} · {dept}") for pk, name, dept in people], alert.assignee_id),
        "is_live": alert.status in LIVE_STATUSES,
    }
    _author_names(notes)
    return _render(request, "alerts/alert_detail.html", ctx)


def _readable_history(entries: list) -> list:
    """The alert's history as people read it: rules by their titles, without the deduplication key."""
    from liuke.core.history import field_label

    meta = Alert._meta
    key_label = str(field_label(meta.get_field("key")))
    rule_label = str(field_label(meta.get_field("rule")))

    def title(value: Any) -> Any:
        rule = registry.get(str(value)) if value else None
        return rule.title if rule is not None else value

    for entry in entries:
        changes = [c for c in getattr(entry, "display_changes", []) or [] if str(c.label) != key_label]
        for change in changes:
            if str(change.label) == rule_label:
                change.old, change.new = title(change.old), title(change.new)
        entry.display_changes = changes
    return entries


def _author_names(notes: list) -> None:
    """Each note's author as colleagues know them (the employee's name), in one query."""
    users = {n.author_id for n in notes if n.author_id}
    names = dict(Employee.objects.filter(user_id__in=users).values_list("user_id", "name")) if users else {}
    for n in notes:
        n.author_name = names.get(n.author_id) or (n.author.get_username() if n.author_id else "")


def _alert_for_change(request, pk: int) -> Alert:
    alert = selectors.alert_get(viewer=request.user, pk=pk)
    if alert is None:
        raise Http404
    if not visibility.can(request.user, alert, visibility.CHANGE):
        raise PermissionDenied
    return alert


@login_required
@require_POST
def alert_step(request, pk: int):
    """One step of the lifecycle (resolving and dismissing need a reason)."""
    alert = _alert_for_change(request, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step."))
        return HttpResponseRedirect(alert.get_absolute_url())
    note = form.cleaned_data["note"]
    status = form.cleaned_data["status"]
    try:
        services.alert_step(
            alert=alert, user=request.user, status=status, note=note, resolution=note if form.judged else ""
        )
    except services.AlertError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(alert.get_absolute_url() + "#lifecycle")
    messages.success(request, _("The alert is now %(status)s.") % {"status": AlertStatus(status).label})
    return HttpResponseRedirect(alert.get_absolute_url())


@login_required
@require_POST
def alert_assign(request, pk: int):
    alert = _alert_for_change(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose someone from the list."))
        return HttpResponseRedirect(alert.get_absolute_url())
    wanted = form.cleaned_data["assignee"]
    if wanted == "me":
        assignee = getattr(request.user, "employee", None)
        if assignee is None:
            messages.error(request, _("Only an employee can take alerts."))
            return HttpResponseRedirect(alert.get_absolute_url())
    elif wanted is None:
        assignee = None
    else:
        assignee = employees_for_assignment(viewer=request.user).filter(pk=wanted).first()
        if assignee is None:
            messages.error(request, _("Choose someone from the list."))
            return HttpResponseRedirect(alert.get_absolute_url())
    try:
        services.alert_assign(alert=alert, user=request.user, assignee=assignee, note=form.cleaned_data["note"])
    except services.AlertError as exc:
        messages.error(request, str(exc))
    else:
        if assignee is None:
            messages.success(request, _("Nobody is assigned now."))
        else:
            messages.success(request, _("Assigned to %(name)s.") % {"name": assignee.name})
    return HttpResponseRedirect(alert.get_absolute_url())


@login_required
@require_POST
def alert_note(request, pk: int):
    alert = _alert_for_change(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note is empty."))
        return HttpResponseRedirect(alert.get_absolute_url() + "#notes")
    try:
        services.alert_note_add(alert=alert, user=request.user, text=form.cleaned_data["text"])
    except services.AlertError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Note added."))
    return HttpResponseRedirect(alert.get_absolute_url() + "#notes")


# --- the rules ---------------------------------------------------------------------------------------------


def _threshold_rows(rule: registry.Rule, setting: RuleSetting | None) -> list[dict[str, Any]]:
    params = (setting.params if setting else {}) or {}
    rows = []
    for t in rule.thresholds:
        raw = params.get(t.key)
        rows.append(
            {
                "label": t.label,
                "help": t.help,
                "value": t.default if raw in (None, "") else raw,
                "default": t.default,
                "changed": raw not in (None, ""),
            }
        )
    return rows


@login_required
def rule_list(request):
    """Every registered rule: what it means, its settings, its last run and how many alerts are open."""
    viewer = request.user
    visibility.require(viewer, RuleSetting)
    settings = {s.rule: s for s in RuleSetting.objects.all()}
    open_counts = selectors.counts_by_rule(viewer=viewer)
    runs = selectors.last_runs(limit=10)
    # Each rule's last run: the nightly full run, or an incremental one after an import (a rule that
    # understands no import scope runs only in full).
    recent = list(ScreenRun.objects.order_by("-started_at", "-pk").only("pk", "started_at", "timings")[:RUNS_READ])
    last_full = next((r for r in runs if r.mode != RunMode.INCREMENTAL and r.finished_at), None)
    watcher_ids = {i for s in settings.values() for i in (s.watcher_ids or [])}
    watchers = {e.pk: e for e in Employee.objects.filter(pk__in=watcher_ids)} if watcher_ids else {}
    rows = []
    for rule in registry.all_rules():
        setting = settings.get(rule.name)
        run = next((r for r in recent if rule.name in (r.timings or {})), None)
        rows.append(
            {
                "rule": rule,
                "setting": setting,
                "enabled": setting.enabled if setting else True,
                "severity": Severity.INFO
                if rule.info_only
                else (setting.severity if setting and setting.severity else rule.severity),
                "severity_label": Severity(
                    Severity.INFO
                    if rule.info_only
                    else (setting.severity if setting and setting.severity else rule.severity)
                ).label,
                "severity_changed": bool(setting and setting.severity and not rule.info_only),
                "thresholds": _threshold_rows(rule, setting),
                "watchers": [watchers[i] for i in (setting.watcher_ids if setting else []) or [] if i in watchers],
                "open": open_counts.get(rule.name, 0),
                "run": run,
                "seconds": (run.timings or {}).get(rule.name) if run else None,
                "area_label": Area(rule.area).label if rule.area in Area.values else rule.area,
            }
        )
    for row in rows:
        row["severity_style"] = SEVERITY_STYLE.get(row["severity"], "secondary")
        row["severity_label"] = Severity(row["severity"]).label if row["severity"] in Severity.values else ""
    for run in runs:
        run.seconds = (  # type: ignore[attr-defined]
            round((run.finished_at - run.started_at).total_seconds(), 1) if run.finished_at else None
        )
    return _render(
        request,
        "alerts/rule_list.html",
        {
            "rows": rows,
            "runs": runs,
            "last_full": last_full,
            "may_edit": visibility.can(viewer, RuleSetting, visibility.CHANGE),
            "channel_area": Area.CHANNEL,
        },
    )


@login_required
def rule_edit(request, rule: str):
    """An admin's settings of one rule, saved through ``services.rule_setting_save``."""
    visibility.require(request.user, RuleSetting, visibility.CHANGE)
    definition = registry.get(rule)
    if definition is None:
        raise Http404
    setting = RuleSetting.objects.filter(rule=rule).first()
    current = {e.pk: e for e in Employee.objects.filter(pk__in=(setting.watcher_ids if setting else []) or [])}
    initial = {
        "enabled": setting.enabled if setting else True,
        "severity": setting.severity if setting else "",
        "watchers": ", ".join(current[i].employee_no for i in (setting.watcher_ids if setting else []) if i in current),
        **{f"t_{k}": v for k, v in ((setting.params if setting else {}) or {}).items()},
    }
    form = RuleSettingForm(request.POST or None, rule=definition, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            numbers = form.watcher_numbers()
            found = dict(
                Employee.objects.filter(employee_no__in=numbers)
                .exclude(status=EmployeeStatus.LEFT)
                .values_list("employee_no", "pk")
            )
            unknown = [n for n in numbers if n not in found]
            if unknown:
                form.add_error(
                    "watchers", _("No current employee numbered %(numbers)s.") % {"numbers": ", ".join(unknown)}
                )
            else:
                try:
                    services.rule_setting_save(
                        rule=rule,
                        enabled=form.cleaned_data["enabled"],
                        severity=form.cleaned_data.get("severity") or "",
                        params=form.params(),
                        watcher_ids=[found[n] for n in numbers],
                    )
                except services.AlertError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, _("Settings of %(rule)s saved.") % {"rule": definition.title})
                    return HttpResponseRedirect(reverse("alerts:rule_list") + f"#rule-{rule}")
    return _render(
        request,
        "alerts/rule_form.html",
        {"form": form, "rule": definition, "is_channel": definition.area == Area.CHANNEL},
        status,
    )


@login_required
@require_POST
def screen_now(request):
    """Run every enabled rule now (the Celery task; in the embedded default it runs within this request)."""
    from .tasks import screen_task

    visibility.require(request.user, RuleSetting, visibility.CHANGE)
    result = screen_task.delay(None, RunMode.MANUAL)
    if result.ready():
        summary = result.get()
        messages.success(
            request,
            _(
                "Screening done: %(findings)d findings, %(opened)d new alerts, %(reopened)d reopened, "
                "%(closed)d no longer observed."
            )
            % {
                "findings": summary["findings"],
                "opened": summary["opened"],
                "reopened": summary["reopened"],
                "closed": summary["no_longer_observed"],
            },
        )
    else:
        messages.info(request, _("Screening started; its result appears under the last runs when it is done."))
    return HttpResponseRedirect(reverse("alerts:rule_list") + "#runs")


# --- pictures ----------------------------------------------------------------------------------------------


@login_required
def channel_map(request):
    """Where the goods went (Sankey), a province map of cross-region flow and alerts, alerts over time."""
    viewer = request.user
    visibility.require(viewer, Alert)
    filterset = ChannelMapFilterSet(request.GET, request=request)
    ctx = charts.channel_map(viewer=viewer, filterset=filterset)
    ctx["products"] = visibility.restrict(viewer, Product).filter(archived_at__isnull=True).order_by("code")
    ctx["filters"] = filterset.values()
    ctx["months_back"] = str(filterset.months_back)
    ctx["month_choices"] = ["6", "12", "24"]
    return _render(request, "alerts/charts.html", ctx)


__all__ = [
    "alert_assign",
    "alert_bulk",
    "alert_detail",
    "alert_export",
    "alert_list",
    "alert_note",
    "alert_step",
    "channel_map",
    "rule_edit",
    "rule_list",
    "screen_now",
]

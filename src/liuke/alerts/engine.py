"""Turn rules' findings into alerts: deduplicated, reconciled, every status change logged.

``screen()`` runs the enabled rules (all, some, or those that understand an incremental scope) and
reconciles each rule's findings with its alerts:

- a new key opens an alert (created through the change log);
- a key already open refreshes its evidence and ``last_seen_at`` (derived columns, no history);
- a resolved or dismissed key stays closed while its evidence is the same, and reopens when it changes;
- a ``no_longer_observed`` key that is found again reopens;
- in a full run, a live alert whose key was not found moves to ``no_longer_observed``.

Newly opened and reopened alerts are handed to :mod:`liuke.alerts.notify`, which never blocks screening.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from liuke.core import changelog
from liuke.core.choices import ChangeSource

from . import registry
from .choices import JUDGED_STATUSES, LIVE_STATUSES, AlertStatus, RunMode, Severity
from .models import Alert, RuleSetting, ScreenRun
from .registry import Finding, Rule, RunContext

log = logging.getLogger(__name__)

CHUNK = 500  # keys per ``IN`` (SQLite allows 999 parameters)
MAX_EVIDENCE = 50  # records listed on one alert; ``evidence_count`` says how many there are


@dataclass
class ScreenResult:
    run_id: int | None = None
    findings: int = 0
    opened: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    closed: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "findings": self.findings,
            "opened": len(self.opened),
            "reopened": len(self.reopened),
            "no_longer_observed": self.closed,
            "seconds": self.timings,
        }


def fingerprint(evidence: list[dict[str, Any]], count: int) -> str:
    text = json.dumps([count, evidence], sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def rule_settings() -> dict[str, RuleSetting]:
    return {s.rule: s for s in RuleSetting.objects.all()}


def severity_of(rule: Rule, setting: RuleSetting | None, finding: Finding | None = None) -> str:
    if rule.info_only:
        return Severity.INFO
    if finding is not None and finding.severity:
        return finding.severity
    if setting is not None and setting.severity:
        return setting.severity
    return rule.severity


def screen(
    rules: Sequence[str] | None = None,
    *,
    mode: str = RunMode.FULL,
    scope: dict[str, list[int]] | None = None,
    notify: bool = True,
) -> ScreenResult:
    """Run rules and reconcile their alerts. ``scope`` (incremental): only rules that understand one of its
    keys run, over those rows only, and nothing is closed."""
    known = {r.name: r for r in registry.all_rules()}
    unknown = sorted(set(rules or ()) - set(known))
    if unknown:
        raise ValueError(f"unknown rule(s): {', '.join(unknown)}; known: {', '.join(known)}")
    settings = rule_settings()
    chosen = [known[n] for n in rules] if rules else list(known.values())
    chosen = [r for r in chosen if settings.get(r.name) is None or settings[r.name].enabled]
    if scope is not None:
        chosen = [r for r in chosen if r.scopes & {k for k, v in scope.items() if v}]
    result = ScreenResult()
    run = ScreenRun.objects.create(mode=mode, scope=scope or {})
    result.run_id = run.pk
    try:
        # Alerts are raised and closed by the system, whoever's import or click set the screening off.
        with changelog.change_context(source=ChangeSource.SYSTEM):
            for rule in chosen:
                started = time.perf_counter()
                setting = settings.get(rule.name)
                ctx = RunContext(rule=rule, settings=(setting.params if setting else {}), scope=scope)
                with transaction.atomic():
                    findings = _unique(rule.find(ctx))
                    result.findings += len(findings)
                    _reconcile(rule, setting, findings, ctx, result, full=scope is None)
                result.timings[rule.name] = round(time.perf_counter() - started, 3)
    except Exception as exc:
        run.error = repr(exc)[:2000]
        raise
    finally:
        run.finished_at = timezone.now()
        run.findings = result.findings
        run.opened = len(result.opened)
        run.reopened = len(result.reopened)
        run.closed = result.closed
        run.timings = result.timings
        run.save()
    if notify and (result.opened or result.reopened):
        from . import notify as notifications

        notifications.alerts_raised(result.opened, reason="opened")
        notifications.alerts_raised(result.reopened, reason="reopened")
    return result


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per key (the last wins): a rule's query may meet a key twice, the alert is one."""
    by_key: dict[str, Finding] = {}
    for f in findings:
        f.key = f.key[:200]  # the column's width: a longer key must still find its alert again
        by_key[f.key] = f
    return list(by_key.values())


@dataclass
class _Known:
    """What reconciling needs of a stored alert (its evidence and params stay in the database)."""

    pk: int
    status: str
    severity: str
    fingerprint: str


_KNOWN_FIELDS = ("key", "pk", "status", "severity", "fingerprint")


def _known(rule: Rule, findings: list[Finding], *, full: bool) -> dict[str, _Known]:
    """The rule's stored alerts met by ``findings``: every alert of the rule in one streamed read on a full run
    (cheaper than thousands of ``IN`` lists), by key in chunks on an incremental one."""
    rows: Iterable[tuple] = ()
    if full:
        rows = Alert.objects.filter(rule=rule.name).values_list(*_KNOWN_FIELDS).iterator(chunk_size=5000)
    else:
        keys = [f.key for f in findings]
        rows = (
            row
            for start in range(0, len(keys), CHUNK)
            for row in Alert.objects.filter(rule=rule.name, key__in=keys[start : start + CHUNK]).values_list(
                *_KNOWN_FIELDS
            )
        )
    return {key: _Known(pk, status, severity, print_) for key, pk, status, severity, print_ in rows}


def _reconcile(
    rule: Rule,
    setting: RuleSetting | None,
    findings: list[Finding],
    ctx: RunContext,
    result: ScreenResult,
    *,
    full: bool,
) -> None:
    now = ctx.now
    known = _known(rule, findings, full=full)
    seen: set[int] = set()
    new: list[Alert] = []
    steps: dict[int, tuple[bool, str]] = {}  # alert id -> (reopen, severity): logged columns change
    refreshed: list[Alert] = []  # evidence changed: derived columns only
    for f in findings:
        evidence = f.evidence[:MAX_EVIDENCE]
        count = f.evidence_count if f.evidence_count is not None else len(f.evidence)
        print_ = fingerprint(evidence, count)
        severity = severity_of(rule, setting, f)
        alert = known.get(f.key)
        if alert is None:
            new.append(
                Alert(
                    rule=rule.name,
                    key=f.key,
                    area=rule.area,
                    severity=severity,
                    status=AlertStatus.OPEN,
                    params=f.params,
                    customer_id=f.customer_id,
                    employee_id=f.employee_id,
                    distributor_id=f.distributor_id,
                    division_id=f.division_id,
                    product_code=f.product_code,
                    evidence=evidence,
                    evidence_count=count,
                    fingerprint=print_,
                    opened_at=now,
                    last_seen_at=now,
                )
            )
            continue
        seen.add(alert.pk)
        evidence_changed = alert.fingerprint != print_
        reopen = alert.status == AlertStatus.NO_LONGER_OBSERVED or (
            alert.status in JUDGED_STATUSES and evidence_changed
        )
        if reopen or alert.severity != severity:
            steps[alert.pk] = (reopen, severity)
        if evidence_changed or reopen:
            refreshed.append(
                Alert(pk=alert.pk, params=f.params, evidence=evidence, evidence_count=count, fingerprint=print_)
            )
    if new:
        created = changelog.bulk_create(Alert, new, batch_size=500)
        result.opened.extend(a.pk for a in created)
    if steps:
        _take_steps(steps, now, result)
    if refreshed:
        Alert.objects.bulk_update(refreshed, ["params", "evidence", "evidence_count", "fingerprint"], batch_size=200)
    if full:
        stale = [a.pk for a in known.values() if a.status in LIVE_STATUSES and a.pk not in seen]
        result.closed += _close(stale, now)
        # Every live alert of the rule left now was seen by this run (the rest were just closed).
        Alert.objects.filter(rule=rule.name, status__in=LIVE_STATUSES).update(last_seen_at=now)
    else:
        ids = sorted(seen)
        for start in range(0, len(ids), CHUNK):
            Alert.objects.filter(pk__in=ids[start : start + CHUNK]).update(last_seen_at=now)


def _take_steps(steps: dict[int, tuple[bool, str]], now, result: ScreenResult) -> None:
    """Reopen alerts and change severities: logged, so the rows are read whole (few, on a usual run)."""
    ids = sorted(steps)
    for start in range(0, len(ids), CHUNK):
        alerts = list(Alert.objects.filter(pk__in=ids[start : start + CHUNK]))
        for alert in alerts:
            reopen, severity = steps[alert.pk]
            if reopen:
                alert.status = AlertStatus.OPEN
                alert.opened_at = now
                alert.closed_at = None
                result.reopened.append(alert.pk)
            alert.severity = severity
        changelog.bulk_update(Alert, alerts, ["status", "severity", "opened_at", "closed_at"])


def _close(ids: list[int], now) -> int:
    """Live alerts whose finding no longer holds: ``no_longer_observed`` (logged)."""
    for start in range(0, len(ids), CHUNK):
        alerts = list(Alert.objects.filter(pk__in=ids[start : start + CHUNK]))
        for alert in alerts:
            alert.status = AlertStatus.NO_LONGER_OBSERVED
            alert.closed_at = now
        changelog.bulk_update(Alert, alerts, ["status", "closed_at"])
    return len(ids)

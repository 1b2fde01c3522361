"""The alert inbox and an alert's page at the demo's large scale, through Django and as raw SQL (issue 11).

The issue's figure: the inbox and an alert's page answer in p95 < 150 ms at the large demo scale, with a
bounded number of queries, on SQLite and on PostgreSQL.

The database is the one ``bench/customers_bench.py`` builds and reuses (its helpers are imported, not copied):
``liuke demo --scale large``, whose last phase screens the company with every rule. When that leaves fewer
than ``--min-alerts`` alerts (an older build, screened before the rules existed, has none), the rules are run
once (``engine.screen()``); if the company still holds fewer, the inbox is topped up with copies of the
findings it has (same rules, evidence and severities, about other customers the same rule would name:
bulk-inserted rows, not change-logged, as a restore would) until it does. ``build.json`` records which.

For each of the ``rep``, ``manager`` and ``director`` demo logins:

- ``/alerts/``: the inbox as it opens (alerts that need attention, newest first, chips by rule and severity);
- ``/alerts/?severity=high`` and ``/alerts/?rule=R&region=P``: the viewer's most frequent rule in their
  busiest province;
- ``/alerts/?status=all&sort=severity&page=3``: every status, most severe first, a later page;
- an alert's page, cycling through 10 alerts the viewer sees (channel alerts with flow-line evidence first).

    .venv/bin/python bench/alerts_pages_bench.py                      # SQLite, large
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/liuke_bench .venv/bin/python bench/alerts_pages_bench.py
    .venv/bin/python bench/alerts_pages_bench.py --scale small -n 20  # a quick run

See bench/README.md; results in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import customers_bench as cb

TARGET_MS = 150.0
MIN_ALERTS = 50_000
VIEWERS = ("rep", "manager", "director")


# --- the alerts on an existing build ----------------------------------------------------------------


def alert_counts() -> dict:
    from django.db.models import Count

    from liuke.alerts.choices import LIVE_STATUSES
    from liuke.alerts.models import Alert

    by_rule = dict(Alert.objects.order_by().values_list("rule").annotate(n=Count("pk")).values_list("rule", "n"))
    return {
        "alerts": sum(by_rule.values()),
        "live": Alert.objects.filter(status__in=LIVE_STATUSES).count(),
        "by_rule": dict(sorted(by_rule.items(), key=lambda kv: -kv[1])),
    }


def ensure_alerts(args, workdir: Path, marker: dict) -> dict:
    """Screen the build once if it has fewer than ``--min-alerts``; top it up with copies if still short."""
    from liuke.alerts.models import Alert

    if Alert.objects.count() >= args.min_alerts:
        marker.setdefault("alerts", {"added": "by the demo build's screening"})
        return marker
    record: dict = {"added_at": time.strftime("%Y-%m-%d %H:%M:%S"), "before": Alert.objects.count()}
    if not marker.get("alerts", {}).get("screened"):
        from liuke.alerts import engine
        from liuke.core.changelog import change_context

        print(f"{Alert.objects.count()} alerts in {marker['key']}: screening with every rule", flush=True)
        started = time.monotonic()
        with change_context(source="system"):
            result = engine.screen(notify=False)
        record["screened"] = {"seconds": round(time.monotonic() - started, 1), "result": result.as_dict()}
        print(f"screened in {record['screened']['seconds']} s: {result.as_dict()['opened']} opened", flush=True)
    short = args.min_alerts - Alert.objects.count()
    if short > 0:
        record["copies"] = top_up(short, seed=args.seed)
        print(f"topped up with {record['copies']} copies of the findings", flush=True)
    record["after"] = alert_counts()
    marker["alerts"] = {**marker.get("alerts", {}), **record}
    marker["chain_hash"] = cb.chain_head_hash()
    (workdir / "build.json").write_text(json.dumps(marker, indent=2, ensure_ascii=False, default=str))
    return marker


def top_up(count: int, *, seed: int) -> int:
    """Copies of existing alerts about other customers (each copy a new key): the inbox's volume, no new rule."""
    from django.utils import timezone

    from liuke.alerts.models import Alert
    from liuke.customers.models import Customer

    rng = random.Random(seed)
    templates = list(Alert.objects.exclude(customer__isnull=True).order_by("pk")[:2000])
    if not templates:
        raise SystemExit("no alert to copy: the demo's screening found nothing")
    customers = list(Customer.objects.filter(archived_at__isnull=True).values_list("pk", "division_id"))
    now = timezone.now()
    first = Alert.objects.filter(key__startswith="bench:").count()  # copies made by an earlier top-up
    made = 0
    batch: list[Alert] = []
    while made < count:
        t = rng.choice(templates)
        customer, division = rng.choice(customers)
        opened = now - timezone.timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 1440))
        batch.append(
            Alert(
                rule=t.rule, key=f"bench:{first + made}", area=t.area, severity=t.severity, status=t.status,
                params=t.params, customer_id=customer, employee_id=t.employee_id,
                distributor_id=t.distributor_id if t.distributor_id != t.customer_id else customer,
                division_id=division or t.division_id, product_code=t.product_code, evidence=t.evidence,
                evidence_count=t.evidence_count, fingerprint=t.fingerprint, opened_at=opened, last_seen_at=now,
            )
        )  # fmt: skip
        made += 1
        if len(batch) == 2000:
            Alert.objects.bulk_create(batch)
            batch = []
    if batch:
        Alert.objects.bulk_create(batch)
    return made


def planner_statistics(vendor: str, mode: str) -> dict:
    """``liuke``: what a running installation has. SQLite's full ``ANALYZE`` (customers_bench.py's ``analyze``)
    records an index whose column is mostly empty (``assignee``) as matching every row, and the planner then
    reads the whole alert table; liuke's own upkeep samples (``analysis_limit``) and does not."""
    if mode != "liuke":
        return cb.planner_statistics(vendor, mode)
    if vendor == "postgresql":
        return {**cb.planner_statistics(vendor, "analyze"), "mode": "liuke (VACUUM ANALYZE)"}
    from django.db import connection

    from liuke.core.maintenance import refresh_planner_statistics

    started = time.monotonic()
    with connection.cursor() as cur:
        if _has_stat1(cur):  # the full ANALYZE of an earlier run would otherwise stay for unsampled indexes
            cur.execute("DELETE FROM sqlite_stat1")
    refresh_planner_statistics()
    connection.close()
    return {
        "mode": "liuke (core.maintenance.refresh_planner_statistics)",
        "seconds": round(time.monotonic() - started, 1),
    }


def _has_stat1(cur) -> bool:
    cur.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
    return cur.fetchone() is not None


# --- the pages --------------------------------------------------------------------------------------


def pages_for(user) -> list[tuple[str, list[str], int | None]]:
    """(label, URLs to cycle through, rows the inbox matches) for one viewer."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from liuke.alerts import selectors
    from liuke.alerts.choices import Area

    live = selectors.live_alerts(viewer=user).order_by()
    rows = live.count()
    busiest = (
        live.exclude(division__isnull=True)
        .values("rule", prov=Substr("division_id", 1, 2))
        .annotate(n=Count("pk"))
        .order_by("-n", "rule")
        .first()
    )
    out: list[tuple[str, list[str], int | None]] = [
        ("inbox", ["/alerts/"], rows),
        ("inbox severity=high", ["/alerts/?severity=high"], live.filter(severity="high").count()),
    ]
    if busiest:
        province = f"{busiest['prov']}0000"
        out.append(
            (
                "inbox rule & region",
                [f"/alerts/?rule={busiest['rule']}&region={province}"],
                live.filter(rule=busiest["rule"], division__like=f"{busiest['prov']}%").count(),
            )
        )
    everything = selectors.alert_list(viewer=user).order_by()
    out.append(("inbox all, by severity, p3", ["/alerts/?status=all&sort=severity&page=3"], everything.count()))
    channel = list(everything.filter(area=Area.CHANNEL).order_by("-opened_at").values_list("pk", flat=True)[:5])
    others = list(everything.exclude(area=Area.CHANNEL).order_by("-opened_at").values_list("pk", flat=True)[:10])
    sample = (channel + others)[:10]
    out.append(("alert page (10 alerts)", [f"/alerts/{pk}/" for pk in sample], None))
    return out


def measure(vendor: str, n: int, warmup: int, viewers: list[str]) -> list[cb.Result]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    results = []
    for username in viewers:
        user = get_user_model().objects.get(username=username)
        client = Client()
        client.force_login(user)
        for label, urls, rows in pages_for(user):
            times = cb.time_requests(client, urls, n, warmup)
            captured = [cb.capture(client, url) for url in urls]
            reads = [[sql for sql in statements if cb.is_read(sql)] for statements in captured]
            raw = cb.time_raw(reads, n, warmup)
            result = cb.Result(
                database=vendor,
                viewer=username,
                page=label,
                url=urls[0] + (f" (+{len(urls) - 1} more)" if len(urls) > 1 else ""),
                rows=rows,
                n=n,
                p50=cb.percentile(times, 50),
                p95=cb.percentile(times, 95),
                max=max(times),
                queries=max(len(s) for s in captured),
                raw_p50=cb.percentile(raw, 50),
                raw_p95=cb.percentile(raw, 95),
                raw_max=max(raw),
                raw_statements=max(len(s) for s in reads),
                target_ms=TARGET_MS,
            )
            result.met = result.p95 < result.target_ms
            results.append(result)
            print(
                f"{vendor:<10} {username:<8} {label:<28} rows={rows!s:<7} p50={result.p50:7.1f} "
                f"p95={result.p95:7.1f} max={result.max:7.1f} q={result.queries:<3} "
                f"raw p50={result.raw_p50:6.1f} p95={result.raw_p95:6.1f} {'ok' if result.met else 'MISSED'}",
                flush=True,
            )
    return results


def explain(vendor: str, viewers: list[str]) -> dict[str, list[tuple[float, str, str]]]:
    """The two slowest statements of each page (one timed run each), with the database's plan."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    report: dict[str, list[tuple[float, str, str]]] = {}
    for username in viewers:
        user = get_user_model().objects.get(username=username)
        client = Client()
        client.force_login(user)
        for label, urls, _rows in pages_for(user):
            timed = []
            for sql in (s for s in cb.capture(client, urls[0]) if cb.is_read(s)):
                with connection.cursor() as cur:
                    started = time.perf_counter()
                    cur.execute(sql)
                    cur.fetchall()
                    ms = (time.perf_counter() - started) * 1000
                    cur.execute(("EXPLAIN ANALYZE " if vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + sql)
                    plan = "\n".join(" | ".join(str(c) for c in row) for row in cur.fetchall())
                timed.append((ms, sql, plan))
            timed.sort(reverse=True)
            report[f"{username} · {label}"] = timed[:2]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("-n", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--min-alerts", type=int, default=MIN_ALERTS, help=f"default {MIN_ALERTS:,}")
    parser.add_argument("--viewers", default=",".join(VIEWERS))
    parser.add_argument("--rebuild", action="store_true", help="drop this database and build it again")
    parser.add_argument(
        "--no-verify", dest="verify", action="store_false", help="skip `liuke verify-log` after a build"
    )
    parser.add_argument("--prepare-only", action="store_true", help="build (or add the alerts) and stop")
    parser.add_argument("--explain", action="store_true", help="print the plans of the slowest statements")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() after start-up, before measuring (see README)"
    )
    parser.add_argument(
        "--stats",
        choices=["liuke", "analyze", "none"],
        default="liuke",
        help="liuke (default): the statistics liuke itself keeps (core.maintenance: SQLite `ANALYZE` with "
        "analysis_limit=1000, nightly and after the demo; PostgreSQL VACUUM ANALYZE as autovacuum); analyze, none: "
        "as customers_bench.py",
    )
    args = parser.parse_args()

    vendor, key, workdir = cb.target(args.scale, args.seed)
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["LIUKE_DATA_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuke.settings")
    os.environ.pop("LIUKE_DEBUG", None)

    build = ensure_alerts(args, workdir, cb.prepare(args, vendor, key, workdir))
    if args.prepare_only:
        print(json.dumps(build, ensure_ascii=False, indent=2, default=str))
        return
    stats = planner_statistics(vendor, args.stats)
    scale = {**cb.counts(vendor, workdir), **alert_counts()}
    code = {
        "commit": subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=cb.ROOT
        ).stdout.strip(),
        "changed": subprocess.run(
            ["git", "status", "--short", "src"], capture_output=True, text=True, cwd=cb.ROOT
        ).stdout.split("\n"),
    }
    print(json.dumps({"build": build, "statistics": stats, "scale": scale}, ensure_ascii=False, indent=2, default=str))
    if args.gc_freeze:  # as customers_bench.py: what `liuke serve` does once everything is loaded
        import gc

        import liuke.core.text
        import liuke.urls  # noqa: F401

        gc.collect()
        gc.freeze()
    viewers = [v for v in args.viewers.split(",") if v]
    load_before = os.getloadavg()
    results = measure(vendor, args.n, args.warmup, viewers)
    load_after = os.getloadavg()
    print()
    print(cb.markdown(results))
    print(f"\nload average before {load_before}, after {load_after}")
    out = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "sqlite": __import__("sqlite3").sqlite_version,
            "load_average": {"before": load_before, "after": load_after},
        },
        "build": build,
        "statistics": stats,
        "gc_freeze": args.gc_freeze,
        "code": code,
        "scale": scale,
        "results": [asdict(r) for r in results],
    }
    if args.explain or any(not r.met for r in results):
        plans = explain(vendor, viewers)
        out["slowest_statements"] = {k: [list(t) for t in v] for k, v in plans.items()}
        for page, statements in plans.items():
            for ms, sql, plan in statements:
                print(f"\n--- {page}: {ms:.1f} ms\n{sql}\n{plan}")
    stamp = hashlib.sha1(key.encode()).hexdigest()[:6]
    suffix = f"{args.stats}{'-gcfreeze' if args.gc_freeze else ''}-{stamp}"
    path = workdir / f"alerts-pages-results-{time.strftime('%Y%m%d-%H%M%S')}-{suffix}.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    shutil.copy(path, workdir / "alerts-pages-results-latest.json")
    print(f"\nresults: {path}")


if __name__ == "__main__":
    sys.path.insert(0, str(cb.ROOT / "src"))
    main()

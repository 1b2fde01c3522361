"""The customer list and the customer page at the demo's large scale, through Django and as raw SQL.

For each viewer (the ``manager``, ``rep`` and ``director`` demo logins) and page, the script times N
GET requests with Django's test ``Client`` (after a warm-up), counts the SQL queries one request
issues, and re-executes exactly those SELECT statements with a plain database cursor, timed the same
way, so what Django (ORM, views, templates) adds on top of the database is visible.

The database is built once with ``liuke demo`` and reused while it still holds that build (keyed by
database, scale and seed; the change-log head hash identifies the build).

    .venv/bin/python bench/customers_bench.py                        # SQLite, large
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/liuke_bench .venv/bin/python bench/customers_bench.py
    .venv/bin/python bench/customers_bench.py --scale small -n 20    # a quick run

See bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
LIUKE = str(Path(sys.executable).parent / "liuke")
BENCH_DIR = Path(os.environ.get("LIUKE_BENCH_DIR", Path.home() / ".cache" / "liuke-bench"))
TARGET_MS = {"list": 150.0, "detail": 100.0}
# Candidate search terms for "hospitals matching a few hundred rows"; the one nearest TARGET_ROWS wins.
SEARCH_CANDIDATES = [
    "人民医院",
    "中医医院",
    "妇幼",
    "第二人民",
    "中西医结合",
    "眼科",
    "口腔",
    "骨科",
    "肿瘤",
    "康复",
    "仁爱",
    "博爱",
    "协和",
    "同仁",
    "中心医院",
    "rmyy",
    "zyyy",
    "fybjy",
    "yk",
    "renai",
]
TARGET_ROWS = 300


@dataclass
class Result:
    database: str
    viewer: str
    page: str
    url: str
    rows: int | None  # rows the list matches for this viewer (None for the customer page)
    n: int
    p50: float
    p95: float
    max: float
    queries: int
    raw_p50: float
    raw_p95: float
    raw_max: float
    raw_statements: int
    target_ms: float
    met: bool = field(default=False)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# --- the database: build once, reuse ----------------------------------------------------------------


def target(scale: str, seed: int) -> tuple[str, str, Path]:
    """(vendor, a key naming the database + build, the bench directory for it)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parsed = urlparse(url)
        key = f"postgresql-{parsed.hostname}-{parsed.port or 5432}-{parsed.path.lstrip('/')}-{scale}-{seed}"
        vendor = "postgresql"
    elif url:
        raise SystemExit(f"unsupported DATABASE_URL {url!r}: SQLite (unset) or PostgreSQL")
    else:
        key, vendor = f"sqlite-{scale}-{seed}", "sqlite"
    return vendor, key, BENCH_DIR / key


def ensure_postgres_database(url: str, *, drop: bool) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def run(cmd: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(cmd, env=env, check=True, cwd=ROOT)
    return time.monotonic() - started


def chain_head_hash() -> str:
    from liuke.core.models import ChainHead

    head = ChainHead.objects.filter(pk=1).first()
    return head.hash if head else ""


def prepare(args, vendor: str, key: str, workdir: Path) -> dict:
    """Build the demo database unless this exact build is already there; return the build record."""
    marker_path = workdir / "build.json"
    env = dict(os.environ)
    if vendor == "postgresql":
        ensure_postgres_database(env["DATABASE_URL"], drop=args.rebuild)
    elif args.rebuild:
        for path in workdir.glob("liuke.sqlite3*"):
            path.unlink()
    if args.rebuild:
        marker_path.unlink(missing_ok=True)
    marker = json.loads(marker_path.read_text()) if marker_path.exists() else None

    import django

    django.setup()
    from django.core.management import call_command

    from liuke.org.models import Employee

    call_command("migrate", interactive=False, verbosity=0)
    if marker and marker.get("chain_hash") == chain_head_hash():
        print(f"reusing {key} (built in {marker['build_seconds']:.0f} s)")
        return marker
    if Employee.objects.exists():
        raise SystemExit(f"{key}: the database holds another build; rerun with --rebuild to replace it")
    print(f"building the {args.scale} demo (seed {args.seed}) on {vendor}; this takes a while at large scale")
    # `liuke demo` itself, run in-process with timers around its phases (bench/demo_phases.py).
    phases_path = workdir / "phases.json"
    phases = [sys.executable, str(ROOT / "bench" / "demo_phases.py"), "--json-out", str(phases_path)]
    build_seconds = run([*phases, "--scale", args.scale, "--seed", str(args.seed)], env)
    verify_seconds = run([LIUKE, "verify-log"], env) if args.verify else None
    marker = {
        "key": key,
        "scale": args.scale,
        "seed": args.seed,
        "vendor": vendor,
        "build_seconds": build_seconds,
        "phases": json.loads(phases_path.read_text()),
        "verify_seconds": verify_seconds,
        "chain_hash": chain_head_hash(),
        "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    marker_path.write_text(json.dumps(marker, indent=2))
    return marker


def planner_statistics(vendor: str, mode: str) -> dict:
    """Give the planner statistics as a running installation has them, or none (SQLite as shipped).

    ``analyze``: PostgreSQL ``VACUUM ANALYZE`` (what autovacuum does after a bulk load; it also sets the
    visibility map that index-only scans need); SQLite ``ANALYZE`` (what ``PRAGMA optimize`` runs).
    ``none``: SQLite without ``sqlite_stat1`` (liuke never runs ANALYZE itself); PostgreSQL unchanged.
    """
    from django.db import connection

    started = time.monotonic()
    if vendor == "postgresql":
        if mode == "analyze":
            connection.ensure_connection()
            raw = connection.connection
            autocommit = raw.autocommit
            raw.autocommit = True  # VACUUM cannot run inside a transaction
            try:
                raw.execute("VACUUM ANALYZE")
            finally:
                raw.autocommit = autocommit
    else:
        with connection.cursor() as cur:
            if mode == "analyze":
                cur.execute("ANALYZE")
            else:
                cur.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
                if cur.fetchone():
                    cur.execute("DELETE FROM sqlite_stat1")
                    cur.execute("ANALYZE sqlite_schema")  # reload: the planner forgets the statistics
        connection.close()
    return {"mode": mode, "seconds": round(time.monotonic() - started, 1)}


def counts(vendor: str, workdir: Path) -> dict:
    from django.db import connection

    from liuke.core.models import ChangeLogEntry
    from liuke.customers.models import AccountTeamMember, Contact, ContactKnower, Customer
    from liuke.org.models import Employee

    data = {
        "customers": Customer.objects.count(),
        "account_team_rows": AccountTeamMember.objects.count(),
        "contacts": Contact.objects.count(),
        "contact_knowers": ContactKnower.objects.count(),
        "employees": Employee.objects.count(),
        "change_log_entries": ChangeLogEntry.objects.count(),
    }
    with connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute("SELECT pg_database_size(current_database())")
            data["database_mb"] = round(cur.fetchone()[0] / 2**20)
        else:
            cur.execute("PRAGMA page_count")
            pages = cur.fetchone()[0]
            cur.execute("PRAGMA page_size")
            data["database_mb"] = round(pages * cur.fetchone()[0] / 2**20)
    return data


# --- the pages ------------------------------------------------------------------------------------


def pick_search_term(user) -> tuple[str, int]:
    from liuke.customers import selectors

    best = None
    for term in SEARCH_CANDIDATES:
        rows = selectors.customer_list(viewer=user, filters=selectors.CustomerFilters(q=term, kind="hospital")).count()
        if rows == 0:
            continue
        import math

        distance = abs(math.log(rows / TARGET_ROWS))
        if best is None or distance < best[0]:
            best = (distance, term, rows)
    if best is None:
        return "医院", 0
    return best[1], best[2]


def well_filled(user, how_many: int) -> list:
    """Customers the viewer sees with a nearly complete archive and contacts (deterministic sample)."""
    from django.db.models import Count

    from liuke.customers import selectors

    qs = (
        selectors.visible_customers(viewer=user)
        .filter(completeness__gte=80)
        .annotate(n_contacts=Count("contacts"))
        .filter(n_contacts__gte=2)
        .order_by("code")
    )
    ids = list(qs.values_list("pk", flat=True))
    step = max(1, len(ids) // how_many)
    chosen = ids[::step][:how_many]
    from liuke.customers.models import Customer

    return list(Customer.objects.filter(pk__in=chosen).order_by("code"))


def pages_for(user) -> list[tuple[str, str, list[str], int | None]]:
    """(page kind, label, URLs to cycle through, rows matched) for one viewer."""
    from liuke.core.text import name_key, pinyin_initials
    from liuke.customers import selectors

    term, rows = pick_search_term(user)
    sample = well_filled(user, 10)
    if not sample:
        raise SystemExit(f"{user.username} sees no well-filled customer")
    initials = pinyin_initials(name_key(sample[0].name))
    initials_rows = selectors.customer_list(viewer=user, filters=selectors.CustomerFilters(q=initials)).count()
    single_rows = selectors.customer_list(viewer=user, filters=selectors.CustomerFilters(coverage="single")).count()
    return [
        ("list", "kind=hospital & q", [f"/customers/?{urlencode({'kind': 'hospital', 'q': term})}"], rows),
        ("list", "q=initials", [f"/customers/?{urlencode({'q': initials})}"], initials_rows),
        ("list", "coverage=single", ["/customers/?coverage=single"], single_rows),
        ("detail", "customer page", [f"/customers/{c.pk}/" for c in sample], None),
    ]


def time_requests(client, urls: list[str], n: int, warmup: int) -> list[float]:
    for i in range(warmup):
        response = client.get(urls[i % len(urls)])
        assert response.status_code == 200, (urls[i % len(urls)], response.status_code)
    times = []
    for i in range(n):
        url = urls[i % len(urls)]
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def capture(client, url: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def is_read(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH"))


def time_raw(statement_sets: list[list[str]], n: int, warmup: int) -> list[float]:
    """Each set is one request's SELECTs; run them back to back on a plain cursor and fetch all rows."""
    from django.db import connection

    raw = connection.connection  # the DB-API connection itself, below Django's cursor wrapper
    times = []
    for i in range(warmup + n):
        statements = statement_sets[i % len(statement_sets)]
        started = time.perf_counter()
        cur = raw.cursor()
        for sql in statements:
            cur.execute(sql)
            cur.fetchall()
        cur.close()
        if i >= warmup:
            times.append((time.perf_counter() - started) * 1000)
    return times


def measure(vendor: str, n: int, warmup: int, viewers: list[str]) -> list[Result]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    results = []
    for username in viewers:
        user = get_user_model().objects.get(username=username)
        client = Client()
        client.force_login(user)
        for kind, label, urls, rows in pages_for(user):
            times = time_requests(client, urls, n, warmup)
            captured = [capture(client, url) for url in urls]
            reads = [[sql for sql in statements if is_read(sql)] for statements in captured]
            raw = time_raw(reads, n, warmup)
            result = Result(
                database=vendor,
                viewer=username,
                page=label,
                url=urls[0] + (f" (+{len(urls) - 1} more)" if len(urls) > 1 else ""),
                rows=rows,
                n=n,
                p50=percentile(times, 50),
                p95=percentile(times, 95),
                max=max(times),
                queries=max(len(s) for s in captured),
                raw_p50=percentile(raw, 50),
                raw_p95=percentile(raw, 95),
                raw_max=max(raw),
                raw_statements=max(len(s) for s in reads),
                target_ms=TARGET_MS[kind],
            )
            result.met = result.p95 < result.target_ms
            results.append(result)
            print(
                f"{vendor:<10} {username:<8} {label:<18} rows={rows!s:<6} p50={result.p50:7.1f} "
                f"p95={result.p95:7.1f} max={result.max:7.1f} q={result.queries:<3} "
                f"raw p50={result.raw_p50:6.1f} p95={result.raw_p95:6.1f} {'ok' if result.met else 'MISSED'}",
                flush=True,
            )
    return results


def explain(vendor: str, viewers: list[str]) -> dict[str, list[tuple[float, str, str]]]:
    """The slowest statements of each page (by one timed run), with the database's plan."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    report: dict[str, list[tuple[float, str, str]]] = {}
    for username in viewers:
        user = get_user_model().objects.get(username=username)
        client = Client()
        client.force_login(user)
        for _kind, label, urls, _rows in pages_for(user):
            timed = []
            for sql in (s for s in capture(client, urls[0]) if is_read(s)):
                with connection.cursor() as cur:
                    started = time.perf_counter()
                    cur.execute(sql)
                    cur.fetchall()
                    ms = (time.perf_counter() - started) * 1000
                    prefix = "EXPLAIN ANALYZE " if vendor == "postgresql" else "EXPLAIN QUERY PLAN "
                    cur.execute(prefix + sql)
                    plan = "\n".join(" | ".join(str(c) for c in row) for row in cur.fetchall())
                timed.append((ms, sql, plan))
            timed.sort(reverse=True)
            report[f"{username} · {label}"] = timed[:2]
    return report


def markdown(results: list[Result]) -> str:
    lines = [
        "| database | viewer | page | rows | p50 ms | p95 ms | max ms | queries "
        "| raw SQL p50 | raw SQL p95 | target p95 |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        verdict = f"< {r.target_ms:.0f} ms: {'met' if r.met else '**missed**'}"
        lines.append(
            f"| {r.database} | {r.viewer} | {r.page} | {'' if r.rows is None else r.rows} | {r.p50:.1f} | "
            f"{r.p95:.1f} | {r.max:.1f} | {r.queries} | {r.raw_p50:.1f} | {r.raw_p95:.1f} | {verdict} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("-n", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--viewers", default="manager,rep,director")
    parser.add_argument("--rebuild", action="store_true", help="drop this database and build it again")
    parser.add_argument(
        "--no-verify", dest="verify", action="store_false", help="skip `liuke verify-log` after a build"
    )
    parser.add_argument("--explain", action="store_true", help="print the plans of the slowest statements")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() after start-up, before measuring (see README)"
    )
    parser.add_argument(
        "--stats",
        choices=["analyze", "none"],
        default="analyze",
        help="planner statistics before measuring: analyze (default; PostgreSQL VACUUM ANALYZE, SQLite "
        "ANALYZE) or none (SQLite: drop sqlite_stat1, as a fresh installation has it)",
    )
    args = parser.parse_args()

    vendor, key, workdir = target(args.scale, args.seed)
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["LIUKE_DATA_DIR"] = str(workdir)  # SQLite file (and secret key) live here
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuke.settings")
    os.environ.pop("LIUKE_DEBUG", None)

    build = prepare(args, vendor, key, workdir)
    stats = planner_statistics(vendor, args.stats)
    scale = counts(vendor, workdir)
    code = {
        "commit": subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip(),
        "changed": subprocess.run(
            ["git", "status", "--short", "src"], capture_output=True, text=True, cwd=ROOT
        ).stdout.split("\n"),
    }
    print(json.dumps({"build": build, "statistics": stats, "scale": scale, "code": code}, ensure_ascii=False, indent=2))
    viewers = [v.strip() for v in args.viewers.split(",") if v.strip()]
    if args.gc_freeze:
        # What a server could do once it has loaded everything: move the long-lived objects (Django,
        # pypinyin's ~200,000 dictionary entries) out of the collector's sight, so the periodic full
        # collections stop costing ~100 ms each.
        import gc

        import liuke.core.text  # pypinyin and its dictionaries
        import liuke.urls  # noqa: F401

        gc.collect()
        gc.freeze()
    results = measure(vendor, args.n, args.warmup, viewers)
    print()
    print(markdown(results))
    out = {
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "sqlite": __import__("sqlite3").sqlite_version,
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
    path = (
        workdir
        / f"results-{time.strftime('%Y%m%d-%H%M%S')}-{args.stats}{'-gcfreeze' if args.gc_freeze else ''}-{stamp}.json"
    )
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    shutil.copy(path, workdir / "results-latest.json")
    print(f"\nresults: {path}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()

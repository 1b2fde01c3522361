"""Alert screening at 10,000,000 flow lines on PostgreSQL (issue 11): liuke's channel rules against the same
rules written as one hand-tuned SQL statement each, and the incremental screening after a 100,000-row import.

    .venv/bin/python bench/alerts_bench.py                  # build liuke_screenbench (~10 min), then measure
    .venv/bin/python bench/alerts_bench.py --reuse          # measure again on the database already built
    .venv/bin/python bench/alerts_bench.py --lines 1000000  # a smaller channel for a quick look

1. **Database** (``--db-url``, default ``postgres://postgres@127.0.0.1:5432/liuke_screenbench``): dropped,
   created and migrated, then a channel at scale: 300 distributors with province and city authorisations
   (some product-specific, some expiring mid-year), 1,500 products with distributor and terminal price
   floors (some raised mid-year), 100,000 terminals over every county, 13 months of flow in one ACTIVE
   import per distributor and month (a few files missing, a few months inflated), and the sell-in by batch
   that the flow implies. Master data are bulk-inserted through the ORM (the change log is not what is
   measured); the flow lines are generated set-based in SQL (``INSERT … SELECT`` over ``generate_series``
   with hashed pseudo-random choices: the same ``--seed`` gives the same data), into the flow table with its
   indexes dropped and rebuilt after, as a restore would. Planted: cross-region lines (~1 %, plus the lines
   after an authorisation lapsed), batches outside their region (sold across the region border, and
   batches of another region's distributors resold here), stock overruns, own sell-in prices below the
   floor (some covered by a discount authorisation, some beyond it), resale prices below the terminal
   floor, terminals that take implausibly much, inflated months and missing files. Generator tables live
   in the schema ``sb`` of the same database; ``sb.build`` records the build, which ``--reuse`` checks.
2. **Full screening**, rule by rule: ``engine.screen([rule])`` (the first run opens the alerts), the same rule
   as ONE hand-written SQL statement (``HAND_SQL``: the same keys and evidence counts, the evidence built as
   JSON), then ``engine.screen([rule])`` again (the second run finds the same, as every nightly run does);
   the first run's alerts and the statement's rows are compared key by key (a difference is printed).
3. **Incremental screening**: a 100,000-row CSV of the biggest distributor's newest month (written at
   build time from lines generated like the rest and taken out again) imported with
   ``services.flow_import_run``, alternately with the incremental screening on and with
   ``alerts.tasks.screen_after_import`` replaced by a no-op; each import is taken out again afterwards.

Prints a Markdown table and writes the JSON to ``$LIUKE_BENCH_DIR/screenbench/`` (default
``~/.cache/liuke-bench``). See bench/README.md and docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("LIUKE_BENCH_DIR", Path.home() / ".cache" / "liuke-bench")) / "screenbench"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/liuke_screenbench"
BUILD_VERSION = 1  # bump when the generator changes what it builds

# The channel's shape.
DISTRIBUTORS = 300
PROVINCIAL = 40  # authorised for a whole province; the rest for one to three cities
PRODUCTS = 1500
TERMINALS = 100_000
MONTHS = [dt.date(2025, 11, 1), dt.date(2025, 12, 1)] + [
    dt.date(2026, m, 1) for m in range(1, 12)
]  # 13 months, 2025-11 … 2026-11
FLOOR_CHANGE = dt.date(2026, 6, 1)  # a tenth of the products get higher floors from this day
LAPSE = dt.date(2026, 6, 30)  # some authorisations of a second city end here; the flow there goes on
INCREMENTAL_ROWS = 100_000
AUTH_START = dt.date(2024, 1, 1)


def region_of(code: str) -> int:
    """The big region of a province code (batches are made per month and region): 华北 东北 华东 华中 华南 西南 西北."""
    first, second = int(code[0]), int(code[1])
    if first == 4:
        return 3 if second <= 3 else 4
    return {1: 0, 2: 1, 3: 2, 5: 5, 6: 6}[first]


# --- helpers ---------------------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


@contextmanager
def timed(label: str, into: dict | None = None):
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    if into is not None:
        into[label] = round(seconds, 2)
    log(f"{label}: {seconds:.1f} s")


def admin_url(url: str) -> str:
    return urlparse(url)._replace(path="/postgres").geturl()


def db_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def database_exists(url: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name(url)]).fetchone() is not None


def fresh_database(url: str) -> None:
    import psycopg

    name = db_name(url)
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def raw():
    """The DB-API connection under Django's (psycopg 3), in autocommit."""
    from django.db import connection

    connection.ensure_connection()
    conn = connection.connection
    if not conn.autocommit:
        conn.commit()
        conn.autocommit = True
    return conn


def execute(sql: str, params=None, *, label: str | None = None, into: dict | None = None) -> int:
    started = time.perf_counter()
    cur = raw().execute(sql, params)
    if label:
        seconds = time.perf_counter() - started
        if into is not None:
            into[label] = round(seconds, 2)
        log(f"{label}: {cur.rowcount if cur.rowcount >= 0 else ''} rows, {seconds:.1f} s")
    return cur.rowcount


def scalar(sql: str, params=None):
    row = raw().execute(sql, params).fetchone()
    return row[0] if row else None


def copy_rows(table: str, columns: list[str], rows) -> None:
    with raw().cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def machine() -> dict:
    def cmd(args: list[str]) -> str:
        try:
            return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return ""

    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line), "")
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), platform.processor())
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(int(mem) / 2**20, 1) if mem else None,
        "python": platform.python_version(),
        "postgresql": scalar("SHOW server_version"),
        "shared_buffers": scalar("SHOW shared_buffers"),
        "work_mem": scalar("SHOW work_mem"),
        "max_parallel_workers_per_gather": scalar("SHOW max_parallel_workers_per_gather"),
        "commit": cmd(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "dirty": bool(cmd(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"])),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


# --- the channel (master data, in Python) ----------------------------------------------------------------

STEMS = (
    "阿莫西林", "头孢克肟", "左氧氟沙星", "阿奇霉素", "布洛芬", "对乙酰氨基酚", "奥美拉唑", "雷贝拉唑", "二甲双胍",
    "格列美脲", "阿托伐他汀", "瑞舒伐他汀", "氨氯地平", "硝苯地平", "缬沙坦", "厄贝沙坦", "美托洛尔", "氯吡格雷",
    "阿司匹林", "复方丹参", "银杏叶", "连花清瘟", "板蓝根", "小儿止咳", "蒙脱石", "益生菌", "维生素C", "葡萄糖酸钙",
    "甲钴胺", "胞磷胆碱", "丁苯酞", "奥司他韦", "孟鲁司特", "氯雷他定", "西替利嗪", "地氯雷他定", "蒲地蓝",
    "藿香正气", "六味地黄", "逍遥", "双黄连", "清开灵", "血塞通", "丹红", "舒血宁", "黄芪", "参麦", "生脉",
    "多潘立酮", "莫沙必利", "铝碳酸镁", "瑞巴派特", "替普瑞酮", "坦索罗辛", "非那雄胺", "他克莫司", "甲泼尼龙",
    "地塞米松", "碳酸钙D3", "骨化三醇",
)  # fmt: skip
FORMS = (("片", "片", "盒"), ("胶囊", "粒", "盒"), ("颗粒", "袋", "盒"), ("口服液", "支", "盒"), ("注射液", "支", "盒"),
         ("软膏", "支", "支"), ("滴丸", "丸", "瓶"), ("分散片", "片", "盒"), ("缓释片", "片", "盒"),
         ("肠溶片", "片", "盒"))  # fmt: skip
WORDS = "康安华仁和德济民寿泰福祥瑞正阳光明新星春晖益生同心博爱惠众"
TERMINAL_KINDS = (
    ("hospital", ("人民医院", "中医医院", "中心医院", "妇幼保健院"), 20),
    ("pharmacy", ("大药房", "医药连锁店", "药店"), 50),
    ("clinic", ("社区卫生服务中心", "卫生院", "诊所"), 30),
)


def build_master(rng: random.Random, info: dict) -> dict:
    """Products, floors, distributors, authorisations, terminals and the generator's lists (``sb.*``)."""
    from django.contrib.auth import get_user_model

    from liuke.channel.models import DistributorAuthorization, DistributorProfile, PriceFloor, Product
    from liuke.core.changelog import change_context
    from liuke.core.text import name_key
    from liuke.customers.models import Customer
    from liuke.org.models import Department, Division, Employee

    divisions = {d.code: d for d in Division.objects.filter(status="active")}
    counties = sorted(c for c, d in divisions.items() if d.level == "county" and c[:2] not in ("71", "81", "82"))
    provinces = sorted({c[:2] for c in counties})
    cities_of: dict[str, list[str]] = {}
    for c in counties:
        cities_of.setdefault(c[:2], [])
        if c[:4] + "00" not in cities_of[c[:2]]:
            cities_of[c[:2]].append(c[:4] + "00")
    municipality = {"11", "12", "31", "50"}

    with change_context(source="system"):
        dept = Department.objects.create(name="渠道管理部", code="CHANNEL")
        user = get_user_model().objects.create(username="sb_approver")
        approver = Employee.objects.create(user=user, employee_no="SB001", name="渠道总监", department=dept,
                                           role="director")  # fmt: skip

        # Products: popularity falls with the index (P0001 sells most).
        products, floors, prod_rows = [], [], []
        for i in range(PRODUCTS):
            stem = STEMS[i % len(STEMS)]
            form, inner, outer = FORMS[(i // len(STEMS)) % len(FORMS)]
            count = (6, 10, 12, 20, 24, 30, 36, 48)[i % 8]
            spec = f"{(i % 9 + 1) * 0.1:.1f}g*{count}{inner}/{outer}"
            name = f"{stem}{form}"
            products.append(Product(code=f"P{i + 1:04d}", name=name, spec=spec, base_unit=outer,
                                    units={"件": "50"}, name_key=name_key(name)))  # fmt: skip
        Product.objects.bulk_create(products, batch_size=2000)
        for i, p in enumerate(products):
            dfloor = round(5 + rng.random() * 195, 2)
            tfloor = round(dfloor * 1.25, 2)
            raised = i % 10 == 3
            new_d, new_t = (round(dfloor * 1.05, 2), round(tfloor * 1.05, 2)) if raised else (dfloor, tfloor)
            for level, old, new in (("distributor", dfloor, new_d), ("terminal", tfloor, new_t)):
                if raised:
                    floors.append(PriceFloor(product=p, channel_level=level, floor_price=old, valid_from=AUTH_START,
                                             valid_to=FLOOR_CHANGE - dt.timedelta(days=1)))  # fmt: skip
                    floors.append(PriceFloor(product=p, channel_level=level, floor_price=new, valid_from=FLOOR_CHANGE))
                else:
                    floors.append(PriceFloor(product=p, channel_level=level, floor_price=old, valid_from=AUTH_START))
            prod_rows.append((p.pk, p.code, p.base_unit, dfloor, new_d, tfloor, new_t))
        PriceFloor.objects.bulk_create(floors, batch_size=2000)

        # Terminals over every county (municipal districts weigh more: more people per county).
        weights = [4 if c[:2] in municipality else 1 for c in counties]
        terminals = []
        kinds = [k for k, _suffixes, w in TERMINAL_KINDS for _ in range(w)]
        suffixes = {k: s for k, s, _w in TERMINAL_KINDS}
        county_of = rng.choices(counties, weights=weights, k=TERMINALS)
        for i, county in enumerate(county_of):
            kind = kinds[rng.randrange(len(kinds))]
            word = rng.choice(WORDS) + rng.choice(WORDS)
            d = divisions[county]
            name = f"{d.name}{word}第{i + 1}{rng.choice(suffixes[kind])}"
            city = divisions.get(county[:4] + "00")
            address = f"{divisions[county[:2] + '0000'].name}{city.name if city else ''}{d.name}{word}路{i % 900 + 1}号"
            terminals.append(Customer(code=f"T{i + 1:06d}", name=name, kind=kind, grade="ABC"[i % 3], status="active",
                                      division_id=county, division_method="given", address=address,
                                      name_key=name_key(name), search_text=name))  # fmt: skip
        Customer.objects.bulk_create(terminals, batch_size=5000)

        # Distributors: provincial ones first (they are the biggest), then city distributors.
        county_count = {p: sum(1 for c in counties if c[:2] == p) for p in provinces}
        homes = list(provinces)  # one provincial distributor per province, the rest by size
        homes += rng.choices(provinces, weights=[county_count[p] for p in provinces], k=PROVINCIAL - len(provinces))
        homes += rng.choices(provinces, weights=[county_count[p] for p in provinces], k=DISTRIBUTORS - PROVINCIAL)
        dists = []
        for i, home in enumerate(homes):
            word = rng.choice(WORDS) + rng.choice(WORDS)
            prov = divisions[home + "0000"].name
            dists.append(Customer(code=f"D{i + 1:03d}", name=f"{prov}{word}医药有限公司（{i + 1}）", kind="distributor",
                                  grade="A", status="active", division_id=home + "0000", division_method="given",
                                  address=f"{prov}{word}大道{i + 1}号", name_key=name_key(f"{prov}{word}医药{i + 1}"),
                                  search_text=prov))  # fmt: skip
        Customer.objects.bulk_create(dists, batch_size=1000)

        # Authorisations (product empty = every product), the generator's terminal and product lists.
        auths, dist_rows, lists, plists = [], [], [], []
        by_prefix: dict[str, list[int]] = {}
        for idx, t in enumerate(terminals):
            by_prefix.setdefault(t.division_id[:2], []).append(idx)
            by_prefix.setdefault(t.division_id[:4], []).append(idx)
        lapsed = 0
        specialists = 0
        for i, (d, home) in enumerate(zip(dists, homes, strict=True)):
            main_areas: list[str] = []
            special: list[int] = []
            if i < PROVINCIAL:
                auths.append(DistributorAuthorization(distributor=d, division_id=home + "0000", valid_from=AUTH_START))
                main_areas.append(home)
            else:
                cities = [c for c in cities_of[home] if by_prefix.get(c[:4])]
                chosen = rng.sample(cities, k=min(len(cities), rng.choice((1, 1, 2, 2, 3))))
                for j, city in enumerate(chosen):
                    lapses = j == 1 and lapsed < 12 and rng.random() < 0.3
                    lapsed += lapses
                    auths.append(DistributorAuthorization(distributor=d, division_id=city, valid_from=AUTH_START,
                                                          valid_to=LAPSE if lapses else None))  # fmt: skip
                    main_areas.append(city[:4])
            # Products it carries, most popular first.
            n_products = rng.randint(350, 900) if i < PROVINCIAL else rng.randint(40, 260)
            carried: set[int] = set()
            while len(carried) < n_products:
                carried.add(min(PRODUCTS - 1, int(PRODUCTS * rng.random() ** 2.2)))
            carried_list = sorted(carried)
            plists += [(2 * d.pk, k, prod_rows[p][0]) for k, p in enumerate(carried_list)]
            main = sorted({t for area in main_areas for t in by_prefix.get(area, [])})
            lists += [(2 * d.pk, k, terminals[t].pk) for k, t in enumerate(main)]
            # A quarter may sell a few products in one more city of their region (product-specific).
            extra: list[int] = []
            if i >= PROVINCIAL and rng.random() < 0.25:
                region = region_of(home)
                options = [c for p in provinces if region_of(p) == region for c in cities_of[p]
                           if c[:4] not in main_areas and by_prefix.get(c[:4])]  # fmt: skip
                if options:
                    city = rng.choice(options)
                    special = carried_list[: rng.randint(3, 8)]
                    for p in special:
                        auths.append(DistributorAuthorization(distributor=d, product_id=prod_rows[p][0],
                                                              division_id=city, valid_from=AUTH_START))  # fmt: skip
                    plists += [(2 * d.pk + 1, k, prod_rows[p][0]) for k, p in enumerate(special)]
                    extra = by_prefix[city[:4]]
                    lists += [(2 * d.pk + 1, k, terminals[t].pk) for k, t in enumerate(extra)]
                    specialists += 1
            dist_rows.append((d.pk, i + 1, region_of(home), len(main), len(extra), len(carried_list), len(special)))
        DistributorAuthorization.objects.bulk_create(auths, batch_size=2000)
        # A third of the distributors agreed a due day for their monthly file (the rest: the rule's default).
        if any(f.name == "flow_due_day" for f in DistributorProfile._meta.get_fields()):
            DistributorProfile.objects.bulk_create(
                [DistributorProfile(distributor=d, flow_due_day=(5, 10, 15)[i % 3]) for i, d in enumerate(dists[::3])]
            )

    # Twenty clinics that take far more than a clinic can (suspicious volume).
    hoarders = {t.pk for t in rng.sample([t for t in terminals if t.kind == "clinic"], 20)}
    execute("DROP SCHEMA IF EXISTS sb CASCADE")
    execute("CREATE SCHEMA sb")
    execute("CREATE TABLE sb.build (key text PRIMARY KEY, value jsonb)")
    execute("CREATE TABLE sb.prod (product_id bigint PRIMARY KEY, code text, base_unit text, dfloor numeric, "
            "dfloor_new numeric, tfloor numeric, tfloor_new numeric)")  # fmt: skip
    copy_rows("sb.prod", ["product_id", "code", "base_unit", "dfloor", "dfloor_new", "tfloor", "tfloor_new"], prod_rows)
    execute("CREATE TABLE sb.dist (id bigint PRIMARY KEY, rank int, region int, n0 int, n1 int, np0 int, np1 int)")
    copy_rows("sb.dist", ["id", "rank", "region", "n0", "n1", "np0", "np1"], dist_rows)
    # Terminal lists: list 0 is every terminal; 2*distributor its main area, 2*distributor+1 its extra city.
    execute("CREATE TABLE sb.term (id bigint PRIMARY KEY, name text, address text, kind text, division_id text, "
            "name_key text, hoarder boolean)")  # fmt: skip
    term_rows = ((t.pk, t.name, t.address, t.kind, t.division_id, t.name_key, t.pk in hoarders) for t in terminals)
    copy_rows("sb.term", ["id", "name", "address", "kind", "division_id", "name_key", "hoarder"], term_rows)
    execute("CREATE TABLE sb.tl (list bigint, idx int, terminal_id bigint)")
    copy_rows("sb.tl", ["list", "idx", "terminal_id"], [(0, k, t.pk) for k, t in enumerate(terminals)] + lists)
    execute("ALTER TABLE sb.tl ADD PRIMARY KEY (list, idx)")
    execute("CREATE TABLE sb.pl (list bigint, idx int, product_id bigint)")
    copy_rows("sb.pl", ["list", "idx", "product_id"], plists)
    execute("ALTER TABLE sb.pl ADD PRIMARY KEY (list, idx)")
    info.update(products=len(products), terminals=len(terminals), distributors=len(dists),
                authorizations=len(auths), lapsed_authorizations=lapsed, specialist_distributors=specialists,
                hoarders=len(hoarders), approver=approver.pk)  # fmt: skip
    return {"dists": dists}


def plan_imports(rng: random.Random, dists: list, lines: int, info: dict) -> int:
    """One import per distributor and month, sized by the distributor's rank; returns the pending import's id."""
    from liuke.channel.models import FlowImport

    weights = {d.pk: (i + 1) ** -0.8 for i, d in enumerate(dists)}
    season = {m: 1 + 0.12 * ((m.month * 7) % 5 - 2) / 2 for m in MONTHS}
    plan = []  # (distributor, month, weight, spike)
    missing = spikes = 0
    for d in dists:
        for k, month in enumerate(MONTHS):
            if d is dists[0] and month == MONTHS[-1]:
                continue  # the biggest distributor's newest file arrives during the benchmark
            late = month == MONTHS[-1] and rng.random() < 0.05  # not sent yet
            lost = 2 <= k < len(MONTHS) - 1 and rng.random() < 0.01  # never sent
            if late or lost:
                missing += 1
                continue
            spike = 3.0 if k >= 6 and rng.random() < 0.005 else 1.0
            spikes += spike > 1
            plan.append((d, month, weights[d.pk] * season[month] * spike))
    total = sum(w for _d, _m, w in plan)
    sizes = [max(20, round(lines * w / total)) for _d, _m, w in plan]
    sizes[max(range(len(sizes)), key=sizes.__getitem__)] += lines - sum(sizes)  # exactly ``lines``
    records = []
    for (d, month, _w), n in zip(plan, sizes, strict=True):
        sha = f"{rng.getrandbits(256):064x}"
        records.append(FlowImport(distributor=d, period=month, file_name=f"{d.code}_{month:%Y-%m}.xlsx", sha256=sha,
                                  status="active", rows=n, imported=n))  # fmt: skip
    pending = FlowImport(distributor=dists[0], period=MONTHS[-1], file_name="pending.csv", sha256="0" * 64,
                         status="importing", rows=INCREMENTAL_ROWS)  # fmt: skip
    FlowImport.objects.bulk_create([*records, pending], batch_size=2000)
    execute("CREATE TABLE sb.imports (id bigint PRIMARY KEY, dist bigint, month date, n int)")
    rows = [(r.pk, r.distributor_id, r.period, r.rows) for r in [*records, pending]]
    copy_rows("sb.imports", ["id", "dist", "month", "n"], rows)
    info.update(imports=len(records), missing_files=missing, inflated_months=spikes)
    return pending.pk


# --- the flow (set-based SQL) ----------------------------------------------------------------------------

LINE_SQL = """
INSERT INTO channel_flowline (flow_import_id, distributor_id, row_no, date, product_id, batch, quantity, raw_quantity,
    unit, unit_price, amount, is_return, buyer_name, buyer_address, buyer_key, division_id, terminal_id,
    match_method, match_confidence, doc_no, dedup_key, flags)
SELECT c.imp, c.dist, c.r + 1, c.day, c.product_id,
       p.code || '-' || to_char(c.lot, 'YYMM') || substr('ABCDEFG', c.batch_region::int + 1, 1),
       c.qty, c.qty::text, p.base_unit, c.price, round(c.qty * c.price, 2), c.qty < 0,
       CASE WHEN mod(c.h6, 100) < 2 THEN '个体诊所' || mod(c.h6 / 100, 3000)
            WHEN mod(c.h6, 100) < 16 THEN t.name || CASE t.kind WHEN 'hospital' THEN '药剂科' ELSE '(本部)' END
            ELSE t.name END,
       CASE WHEN mod(c.h6, 100) < 2 AND mod(c.h6, 2) = 1 THEN '' ELSE t.address END,
       CASE WHEN mod(c.h6, 100) < 2 THEN '个体诊所' || mod(c.h6 / 100, 3000) ELSE t.name_key END,
       CASE WHEN mod(c.h6, 100) < 2 AND mod(c.h6, 2) = 1 THEN NULL ELSE t.division_id END,
       CASE WHEN mod(c.h6, 100) < 2 THEN NULL ELSE t.id END,
       CASE WHEN mod(c.h6, 100) < 2 THEN 'none' WHEN mod(c.h6, 100) < 16 THEN 'normalised' ELSE 'exact' END,
       CASE WHEN mod(c.h6, 100) < 2 THEN NULL WHEN mod(c.h6, 100) < 16 THEN 0.95 ELSE 1.0 END,
       'XS' || c.imp || '-' || c.r,
       hashint8extended(c.imp * 1000003 + c.r, %(seed)s + 99),
       CASE WHEN c.batch_region <> c.region THEN 16 ELSE 0 END
FROM (
    SELECT b.imp, b.dist, b.r, b.region, b.h6, tl.terminal_id, pl.product_id, b.day,
           (b.month - make_interval(months => (mod(b.h4 / 100, 3))::int))::date AS lot,
           CASE WHEN mod(b.h5, 10000) < 10 THEN mod(b.region + 1 + mod(b.h5 / 10000, 6), 7)
                ELSE b.region END AS batch_region,
           ((1 + mod(b.h7, 20)) * CASE WHEN mod(b.h7, 100) = 99 THEN -1 ELSE 1 END
             * CASE tm.kind WHEN 'hospital' THEN 3 ELSE 1 END
             * CASE WHEN tm.hoarder THEN 40 ELSE 1 END)::numeric AS qty,
           CASE WHEN mod(b.h8, 100) BETWEEN 1 AND 4 THEN NULL
                ELSE round(CASE WHEN b.day >= %(floor_change)s THEN pr.tfloor_new ELSE pr.tfloor END
                           * CASE WHEN mod(b.h8, 100) = 0 THEN 0.88 ELSE 1.02 + (mod(b.h8 / 100, 28)) / 100.0 END, 2)
           END AS price
    FROM (
        SELECT i.id AS imp, i.dist, i.month, g.r, d.region, d.n0, d.n1, d.np0, d.np1,
               (i.month + mod(h.h4 / 7, (i.month + interval '1 month')::date - i.month)::int) AS day,
               h.h1, h.h2, h.h3, h.h4, h.h5, h.h6, h.h7, h.h8
        FROM sb.imports i
        JOIN sb.dist d ON d.id = i.dist
        CROSS JOIN LATERAL generate_series(1, i.n) AS g(r)
        CROSS JOIN LATERAL (SELECT abs(hashint8extended(i.id * 1000003 + g.r, %(seed)s + 1)) AS h1,
                                   abs(hashint8extended(i.id * 1000003 + g.r, %(seed)s + 2)) AS h2,
                                   abs(hashint8extended(i.id * 1000003 + g.r, %(seed)s + 3)) AS h3,
                                   abs(hashint8extended(i.id * 1000003 + g.r, %(seed)s + 4)) AS h4,
                                   abs(hashint8extended(i.id * 1000003 + g.r, %(seed)s + 5)) AS h5,
                                   abs(hashint8extended(i.id * 1000003 + g.r, %(seed)s + 6)) AS h6,
                                   abs(hashint8extended(i.id * 1000003 + g.r, %(seed)s + 7)) AS h7,
                                   abs(hashint8extended(i.id * 1000003 + g.r, %(seed)s + 8)) AS h8) h
        WHERE i.month = %(month)s
    ) b
    -- Where the line goes: 1 in 100 anywhere in the country; for a distributor with an extra city, 3 in 100
    -- there with the products it may sell there and 3 in 1000 there with others; the rest in its own area.
    CROSS JOIN LATERAL (SELECT
        CASE WHEN mod(b.h1, 10000) < 100 THEN 0
             WHEN b.n1 > 0 AND mod(b.h1, 10000) < 430 THEN 2 * b.dist + 1 ELSE 2 * b.dist END AS tlist,
        CASE WHEN b.n1 > 0 AND mod(b.h1, 10000) BETWEEN 130 AND 429 THEN 2 * b.dist + 1 ELSE 2 * b.dist END AS plist
    ) k
    JOIN sb.tl tl ON tl.list = k.tlist
                 AND tl.idx = mod(b.h2, CASE k.tlist WHEN 0 THEN %(terminals)s WHEN 2 * b.dist THEN b.n0 ELSE b.n1 END)
    JOIN sb.pl pl ON pl.list = k.plist
                 AND pl.idx = CASE WHEN k.plist = 2 * b.dist
                                   THEN floor(b.np0 * power(mod(b.h3, 1000000) / 1e6, 2))::int
                                   ELSE mod(b.h3, b.np1)::int END
    JOIN sb.term tm ON tm.id = tl.terminal_id
    JOIN sb.prod pr ON pr.product_id = pl.product_id
) c
JOIN sb.term t ON t.id = c.terminal_id
JOIN sb.prod p ON p.product_id = c.product_id
ORDER BY c.imp, c.r
"""

SHIPMENT_SQL = """
INSERT INTO channel_shipment (created_at, updated_at, version, date, batch, quantity, unit_price, doc_no, made_on,
                              expires_on, distributor_id, product_id)
SELECT now(), now(), 1, s.day, s.batch, s.qty,
       round(CASE WHEN s.day >= %(floor_change)s THEN p.dfloor_new ELSE p.dfloor END
             * CASE WHEN mod(s.h, 100) = 0 THEN 0.92 ELSE 1 + (mod(s.h / 100, 15)) / 100.0 END, 4),
       'SO' || s.distributor_id || '-' || row_number() OVER (PARTITION BY s.distributor_id ORDER BY s.day, s.batch),
       s.lot - 10, (s.lot + interval '3 years')::date, s.distributor_id, s.product_id
FROM (
    SELECT x.*, greatest(x.lot, x.first - (mod(x.h / 1000, 10))::int) AS day,
           -- A stock overrun: every batch of one pair in 250, one batch in 1500 elsewhere.
           ceil(x.q * CASE WHEN mod(abs(hashint8extended(x.distributor_id * 100000 + x.product_id,
                                                         %(seed)s + 11)), 250) = 0
                             OR mod(abs(hashint8extended(hashtext(x.batch) + x.distributor_id,
                                                         %(seed)s + 12)), 1500) = 0
                           THEN 0.85 ELSE 1.12 + mod(x.h / 100000, 10) / 100.0 END) AS qty
    FROM (
        SELECT distributor_id, product_id, batch, sum(quantity) AS q, min(date) AS first,
               to_date(substr(batch, 7, 4), 'YYMM') AS lot,
               abs(hashint8extended(hashtext(batch) + distributor_id * 7919, %(seed)s + 10)) AS h
        FROM channel_flowline
        WHERE flags & 16 = 0
        GROUP BY distributor_id, product_id, batch
    ) x
    WHERE x.q > 0
) s
JOIN sb.prod p ON p.product_id = s.product_id
"""

DISCOUNT_SQL = """
INSERT INTO channel_discountauthorization (created_at, updated_at, version, net_price, quantity_cap, valid_from,
                                           valid_to, note, approver_id, customer_id, product_id)
SELECT now(), now(), 1,
       CASE WHEN mod(s.h, 6) = 3 THEN round(s.floor * 0.96, 4) ELSE s.unit_price END,
       CASE WHEN mod(s.h, 6) = 4 THEN floor(s.quantity / 2) ELSE s.quantity * 2 END,
       s.date - 30, s.date + 60, '', %(approver)s, s.distributor_id, s.product_id
FROM (
    SELECT sh.*, abs(hashint8extended(sh.id, %(seed)s + 20)) AS h,
           CASE WHEN sh.date >= %(floor_change)s THEN p.dfloor_new ELSE p.dfloor END AS floor
    FROM channel_shipment sh JOIN sb.prod p ON p.product_id = sh.product_id
) s
WHERE s.unit_price < s.floor AND mod(s.h, 6) <> 5
"""

PENDING_CSV_SQL = """
COPY (
    SELECT l.date AS "销售日期", p.code AS "产品编码", p.name AS "商品名称", p.spec AS "规格", l.batch AS "批号",
           l.quantity::int AS "数量", p.base_unit AS "单位", l.unit_price AS "单价", l.amount AS "金额",
           l.buyer_name AS "购货单位", l.buyer_address AS "收货地址", l.doc_no AS "单据号"
    FROM channel_flowline l JOIN channel_product p ON p.id = l.product_id
    WHERE l.flow_import_id = {pending} ORDER BY l.row_no
) TO STDOUT WITH (FORMAT csv, HEADER)
"""


def flowline_indexes() -> list[tuple[str, str]]:
    """(name, CREATE statement) of every index of the flow table, the primary key's as ALTER TABLE."""
    rows = (
        raw()
        .execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'channel_flowline'"
        )
        .fetchall()
    )
    out = []
    for name, definition in rows:
        if name == "channel_flowline_pkey":
            definition = "ALTER TABLE channel_flowline ADD CONSTRAINT channel_flowline_pkey PRIMARY KEY (id)"
        out.append((name, definition))
    return out


def build_flow(seed: int, pending: int, csv_path: Path, info: dict) -> None:
    params = {"seed": seed, "floor_change": FLOOR_CHANGE, "terminals": TERMINALS}
    steps: dict[str, float] = {}
    indexes = flowline_indexes()
    for name, _definition in indexes:
        if name == "channel_flowline_pkey":
            execute("ALTER TABLE channel_flowline DROP CONSTRAINT channel_flowline_pkey")
        else:
            execute(f'DROP INDEX "{name}"')
    execute("SET synchronous_commit = off")
    execute("SET maintenance_work_mem = '1GB'")
    execute("SET work_mem = '256MB'")
    started = time.perf_counter()
    for month in MONTHS:
        execute(LINE_SQL, {**params, "month": month}, label=f"flow lines {month:%Y-%m}")
    steps["flow lines (INSERT … SELECT)"] = round(time.perf_counter() - started, 1)
    with timed("flow indexes", steps):
        for _name, definition in indexes:
            execute(definition)
    execute("ANALYZE channel_flowline")
    execute(SHIPMENT_SQL, params, label="shipments", into=steps)
    execute("ANALYZE channel_shipment")
    execute(DISCOUNT_SQL, {**params, "approver": info["approver"]}, label="discount authorisations", into=steps)
    with timed("pending file", steps), csv_path.open("wb") as fh:
        with raw().cursor() as cur, cur.copy(PENDING_CSV_SQL.format(pending=int(pending))) as copy:
            for block in copy:
                fh.write(block)
        execute("DELETE FROM channel_flowline WHERE flow_import_id = %s", [pending])
        execute("DELETE FROM channel_flowimport WHERE id = %s", [pending])
    # The imports' totals, and when each file arrived (a few days into the next month).
    execute(
        """UPDATE channel_flowimport f SET rows = s.n, imported = s.n, quantity_total = s.q, amount_total = s.a,
               flagged = s.flagged, unmatched = s.unmatched,
               created_at = s.arrived, updated_at = s.arrived
           FROM (SELECT flow_import_id, count(*) AS n, sum(quantity) AS q, coalesce(sum(amount), 0) AS a,
                        count(*) FILTER (WHERE flags <> 0) AS flagged,
                        count(DISTINCT buyer_key) FILTER (WHERE terminal_id IS NULL) AS unmatched,
                        min(i.period) + interval '1 month 9 hours'
                          + make_interval(days => 1 + mod(abs(hashint8extended(flow_import_id, 5)), 9)::int) AS arrived
                 FROM channel_flowline JOIN channel_flowimport i ON i.id = flow_import_id
                 GROUP BY flow_import_id) s
           WHERE s.flow_import_id = f.id""",
        label="import totals",
        into=steps,
    )
    with timed("VACUUM ANALYZE", steps):
        execute("VACUUM ANALYZE")
    info["build_steps"] = steps


# --- the same rules as one hand-written SQL statement each ------------------------------------------------
#
# Each statement returns one row per finding: (key, evidence count, evidence as JSON), the key built exactly
# as rules.py builds it, the evidence the same records (the first lines of a group with their file and row,
# the shipments, the files), so the work compared is the whole finding, not only its key. Parameters: the
# rules' default thresholds and the run's day.

PREFIX_LEN = "CASE WHEN substr({0}, 3, 4) = '0000' THEN 2 WHEN substr({0}, 5, 2) = '00' THEN 4 ELSE 6 END"
AUTH = "channel_distributorauthorization"
ACTIVE = "JOIN channel_flowimport i ON i.id = l.flow_import_id AND i.status = 'active'"


def valid(line: str = "l", a: str = "a") -> str:
    """SQL: authorisation (or source area) ``a`` is valid on the line's date."""
    return (
        f"({a}.valid_from IS NULL OR {a}.valid_from <= {line}.date)"
        f" AND ({a}.valid_to IS NULL OR {a}.valid_to >= {line}.date)"
    )


def covers(line: str = "l") -> str:
    """SQL: authorisation ``a`` allows the line's product on its date and covers its buyer's division (the digits
    of the coarser of the two agree, as ``screening.covers``)."""
    blen = PREFIX_LEN.format(f"{line}.division_id")
    plen = PREFIX_LEN.format("a.division_id")
    return (
        f"a.archived_at IS NULL AND (a.product_id IS NULL OR a.product_id = {line}.product_id) AND {valid(line)}"
        f" AND substr({line}.division_id, 1, least({plen}, {blen})) = substr(a.division_id, 1, least({plen}, {blen}))"
    )


def outside_sources(line: str = "c") -> str:
    """SQL: no area of a distributor the line's batch was shipped to covers the line (``sources`` holds those
    areas per batch, their level in ``plen``). Four anti-joins on equal digits (batch, and the buyer's first two,
    four or six), so each line meets only the areas that can cover it, whatever join the planner picks."""
    blen = PREFIX_LEN.format(f"{line}.division_id")
    same = f"x.product_id = {line}.product_id AND x.batch = {line}.batch AND {valid(line, 'x')}"
    return f"""
        NOT EXISTS (SELECT 1 FROM sources x WHERE {same} AND x.plen = 2
                    AND x.prefix2 = substr({line}.division_id, 1, 2))
    AND NOT EXISTS (SELECT 1 FROM sources x WHERE {same} AND x.plen > 2
                    AND x.prefix4 = substr({line}.division_id, 1, 4) AND (x.plen = 4 OR {blen} = 4))
    AND NOT EXISTS (SELECT 1 FROM sources x WHERE {same} AND x.plen = 6 AND x.area = {line}.division_id)
    AND NOT EXISTS (SELECT 1 FROM sources x WHERE {same} AND x.plen > 2
                    AND x.prefix2 = substr({line}.division_id, 1, 2) AND {blen} = 2)"""


LINE_JSON = """json_build_object('file', fi.file_name, 'row', x.row_no, 'distributor', dc.code, 'product', p.code,
        'batch', nullif(x.batch, ''), 'buyer', t.code, 'buyer_name', x.buyer_name, 'doc_no', nullif(x.doc_no, ''),
        'quantity', x.quantity, 'unit_price', x.unit_price, 'import', x.flow_import_id, 'date', x.date,
        'region', dv.full_name)"""
LINE_JOINS = """JOIN channel_flowimport fi ON fi.id = x.flow_import_id
    JOIN customers_customer dc ON dc.id = x.distributor_id
    JOIN channel_product p ON p.id = x.product_id
    LEFT JOIN customers_customer t ON t.id = x.terminal_id
    LEFT JOIN org_division dv ON dv.code = x.division_id"""
SHIPMENT_JSON = """json_build_object('doc_no', nullif(s.doc_no, ''), 'date', s.date, 'distributor', sd.code,
        'product', sp.code, 'batch', s.batch, 'quantity', s.quantity, 'unit_price', s.unit_price, 'id', s.id)"""

HAND_SQL: dict[str, str] = {}

# One parallel scan with a hash anti-join on the distributor's authorisations, the window over the flagged
# lines only, the names joined to the first twenty lines of each group.
HAND_SQL["cross_region"] = f"""
SELECT x.distributor_id || ':' || x.product_id || ':' || coalesce(x.terminal_id::text, x.buyer) || ':' || x.month,
       max(x.n), json_agg({LINE_JSON} ORDER BY x.rn)
FROM (
    SELECT l.*, to_char(l.date, 'YYYY-MM') AS month, CASE WHEN l.terminal_id IS NULL THEN l.buyer_key END AS buyer,
           row_number() OVER w AS rn, count(*) OVER g AS n
    FROM channel_flowline l {ACTIVE}
    WHERE l.division_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM {AUTH} h WHERE h.distributor_id = l.distributor_id AND h.archived_at IS NULL)
      AND NOT EXISTS (SELECT 1 FROM {AUTH} a WHERE a.distributor_id = l.distributor_id AND {covers()})
    WINDOW g AS (PARTITION BY l.distributor_id, l.product_id, l.terminal_id,
                              CASE WHEN l.terminal_id IS NULL THEN l.buyer_key END, to_char(l.date, 'YYYY-MM')),
           w AS (g ORDER BY l.date, l.flow_import_id, l.row_no)
) x {LINE_JOINS}
WHERE x.rn <= 20
GROUP BY x.distributor_id, x.product_id, x.terminal_id, x.buyer, x.month
"""

# A line can only be out of its batch's region when its own distributor did not receive the batch or does not
# cover its buyer: one parallel scan with one hash anti-join on (distributor, product, batch) against the
# distributor's shipments joined to its authorisations keeps ~2 % of the lines. Those are then checked against the
# areas of every distributor the batch was shipped to, on equal digits.
HAND_SQL["batch_out_of_region"] = f"""
WITH sources AS MATERIALIZED (
    SELECT DISTINCT s.product_id, s.batch, a.division_id AS area, a.valid_from, a.valid_to,
           {PREFIX_LEN.format("a.division_id")} AS plen,
           substr(a.division_id, 1, 2) AS prefix2, substr(a.division_id, 1, 4) AS prefix4
    FROM channel_shipment s JOIN {AUTH} a ON a.distributor_id = s.distributor_id
    WHERE s.archived_at IS NULL AND a.archived_at IS NULL AND (a.product_id IS NULL OR a.product_id = s.product_id)
),
candidates AS MATERIALIZED (  -- ``|| ''``: keeps the planner off a merge join in (product, batch) index order
    SELECT l.id, l.distributor_id, l.product_id, l.batch, l.division_id, l.date, l.flow_import_id, l.row_no,
           l.terminal_id, l.buyer_name, l.doc_no, l.quantity, l.unit_price
    FROM channel_flowline l {ACTIVE}
    WHERE l.batch <> '' AND l.division_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM channel_shipment s JOIN {AUTH} a ON a.distributor_id = s.distributor_id
                      WHERE s.distributor_id = l.distributor_id AND s.product_id = l.product_id
                        AND s.batch = l.batch || '' AND s.archived_at IS NULL AND {covers()})
),
batches AS MATERIALIZED (  -- the candidates' batches the company shipped, and whether every recipient's area is known
    SELECT s.product_id, s.batch, bool_and(h.distributor_id IS NOT NULL) AS known
    FROM channel_shipment s
    LEFT JOIN (SELECT DISTINCT distributor_id FROM {AUTH} WHERE archived_at IS NULL) h
           ON h.distributor_id = s.distributor_id
    WHERE s.archived_at IS NULL AND (s.product_id, s.batch) IN (SELECT product_id, batch FROM candidates)
    GROUP BY s.product_id, s.batch
),
flagged AS (
    SELECT c.*, to_char(c.date, 'YYYY-MM') AS month
    FROM candidates c JOIN batches b ON b.product_id = c.product_id AND b.batch = c.batch AND b.known
    WHERE {outside_sources()}
),
found AS MATERIALIZED (
    SELECT x.product_id, x.batch, x.distributor_id, x.month, max(x.n) AS n,
           json_agg({LINE_JSON} ORDER BY x.rn) AS lines
    FROM (SELECT f.*, row_number() OVER w AS rn, count(*) OVER g AS n
          FROM flagged f
          WINDOW g AS (PARTITION BY product_id, batch, distributor_id, month),
                 w AS (g ORDER BY date, flow_import_id, row_no)) x
    {LINE_JOINS}
    WHERE x.rn <= 20
    GROUP BY x.product_id, x.batch, x.distributor_id, x.month
),
sources_of AS (  -- each batch's shipments once (a batch can be seen by several distributors and months)
    SELECT s.product_id, s.batch, count(*) AS n,
           json_agg({SHIPMENT_JSON} ORDER BY s.date, s.id) FILTER (WHERE s.rn <= 20) AS items
    FROM (SELECT s.*, row_number() OVER (PARTITION BY s.product_id, s.batch ORDER BY s.date, s.id) AS rn
          FROM channel_shipment s
          WHERE s.archived_at IS NULL AND (s.product_id, s.batch) IN (SELECT product_id, batch FROM found)) s
    JOIN customers_customer sd ON sd.id = s.distributor_id JOIN channel_product sp ON sp.id = s.product_id
    GROUP BY s.product_id, s.batch
)
SELECT f.product_id || ':' || f.batch || ':' || f.distributor_id || ':' || f.month, f.n + src.n,
       json_build_object('sources', src.items, 'lines', f.lines)
FROM found f JOIN sources_of src ON src.product_id = f.product_id AND src.batch = f.batch
"""

# Sell-out against sell-in per distributor, product and batch: one parallel hash aggregation of the lines, rolled
# up to the product; sell-in the same way; the files behind each finding from one more pass over the lines of the
# distributors and products found only.
HAND_SQL["flow_exceeds_stock"] = f"""
WITH sold AS MATERIALIZED (
    SELECT l.distributor_id, l.product_id, l.batch, sum(l.quantity) AS q
    FROM channel_flowline l {ACTIVE} GROUP BY 1, 2, 3
),
received AS MATERIALIZED (
    SELECT distributor_id, product_id, batch, sum(quantity) AS q FROM channel_shipment WHERE archived_at IS NULL
    GROUP BY 1, 2, 3
),
over AS MATERIALIZED (
    SELECT s.distributor_id, s.product_id, s.batch, 0 AS whole, s.q AS sell_out, coalesce(r.q, 0) AS sell_in
    FROM sold s LEFT JOIN received r USING (distributor_id, product_id, batch)
    WHERE s.q * 100 > coalesce(r.q, 0) * (100 + %(tolerance_percent)s)
    UNION ALL
    SELECT s.distributor_id, s.product_id, '', 1, s.q, coalesce(r.q, 0)
    FROM (SELECT distributor_id, product_id, sum(q) AS q FROM sold GROUP BY 1, 2) s
    LEFT JOIN (SELECT distributor_id, product_id, sum(q) AS q FROM received GROUP BY 1, 2) r
           USING (distributor_id, product_id)
    WHERE s.q * 100 > coalesce(r.q, 0) * (100 + %(tolerance_percent)s)
),
files AS MATERIALIZED (
    SELECT l.distributor_id, l.product_id, l.batch, l.flow_import_id, sum(l.quantity) AS q
    FROM channel_flowline l {ACTIVE}
    WHERE (l.distributor_id, l.product_id) IN (SELECT distributor_id, product_id FROM over)
    GROUP BY 1, 2, 3, 4
),
per_file AS (
    SELECT o.distributor_id, o.product_id, o.batch, o.whole, count(*) AS n,
           json_agg(json_build_object('import', f.flow_import_id, 'file', fi.file_name, 'period', fi.period,
                                      'quantity', f.q) ORDER BY fi.period, f.flow_import_id) AS items
    FROM over o
    JOIN (SELECT distributor_id, product_id, batch, 0 AS whole, flow_import_id, q FROM files
          UNION ALL
          SELECT distributor_id, product_id, '', 1, flow_import_id, sum(q) FROM files GROUP BY 1, 2, 5) f
      ON f.distributor_id = o.distributor_id AND f.product_id = o.product_id AND f.batch = o.batch
     AND f.whole = o.whole
    JOIN channel_flowimport fi ON fi.id = f.flow_import_id
    GROUP BY 1, 2, 3, 4
)
SELECT o.distributor_id || ':' || o.product_id || CASE WHEN o.whole = 1 THEN '' ELSE ':' || o.batch END,
       1 + sent.n + coalesce(pf.n, 0),
       json_build_object('sell_out', o.sell_out, 'sell_in', o.sell_in, 'shipments', sent.items, 'files', pf.items)
FROM over o
LEFT JOIN per_file pf ON pf.distributor_id = o.distributor_id AND pf.product_id = o.product_id
                     AND pf.batch = o.batch AND pf.whole = o.whole
CROSS JOIN LATERAL (
    SELECT count(*) AS n, json_agg(json_build_object('doc_no', s.doc_no, 'date', s.date, 'batch', s.batch,
                                                     'quantity', s.quantity, 'unit_price', s.unit_price, 'id', s.id)
                                   ORDER BY s.date DESC, s.id DESC) FILTER (WHERE s.rn <= 20) AS items
    FROM (SELECT s.*, row_number() OVER (ORDER BY s.date DESC, s.id DESC) AS rn FROM channel_shipment s
          WHERE s.distributor_id = o.distributor_id AND s.product_id = o.product_id AND s.archived_at IS NULL
            AND (o.whole = 1 OR s.batch = o.batch)) s
) sent
"""

# The floor valid on a shipment's day: the one that started last (then the newest record), as rules.py says.
DIST_FLOOR = """(SELECT pf.floor_price FROM channel_pricefloor pf
     WHERE pf.product_id = s.product_id AND pf.channel_level = 'distributor' AND pf.archived_at IS NULL
       AND (pf.valid_from IS NULL OR pf.valid_from <= s.date) AND (pf.valid_to IS NULL OR pf.valid_to >= s.date)
     ORDER BY pf.valid_from DESC NULLS LAST, pf.id DESC LIMIT 1)"""

# Only shipments priced below their product's highest distributor floor can be below the floor valid on their
# day: a hash join with 1,500 maxima leaves ~1 % of the sell-in for the exact look-up.
HAND_SQL["price_below_floor"] = f"""
WITH maxima AS (
    SELECT product_id, max(floor_price) AS top FROM channel_pricefloor
    WHERE channel_level = 'distributor' AND archived_at IS NULL GROUP BY product_id
),
candidates AS MATERIALIZED (
    SELECT s.* FROM channel_shipment s JOIN maxima m ON m.product_id = s.product_id AND s.unit_price < m.top
    WHERE s.archived_at IS NULL
),
below AS (
    SELECT s.*, f.floor FROM candidates s
    CROSS JOIN LATERAL (SELECT {DIST_FLOOR} AS floor) f
    WHERE s.unit_price < f.floor
      AND NOT EXISTS (SELECT 1 FROM channel_discountauthorization d
                      WHERE d.customer_id = s.distributor_id AND d.product_id = s.product_id
                        AND d.valid_from <= s.date AND d.valid_to >= s.date AND d.net_price <= s.unit_price
                        AND d.archived_at IS NULL)
)
SELECT s.distributor_id || ':' || s.product_id || ':' || to_char(s.date, 'YYYY-MM'), count(*),
       json_agg(json_build_object('doc_no', nullif(s.doc_no, ''), 'date', s.date, 'distributor', sd.code,
                                  'product', sp.code, 'batch', s.batch, 'quantity', s.quantity,
                                  'unit_price', s.unit_price, 'id', s.id, 'floor', s.floor) ORDER BY s.date, s.id)
FROM below s JOIN customers_customer sd ON sd.id = s.distributor_id JOIN channel_product sp ON sp.id = s.product_id
GROUP BY s.distributor_id, s.product_id, to_char(s.date, 'YYYY-MM')
"""

# Starts from the discounts (a few thousand) and reaches their shipments through the (distributor, product,
# date) index, instead of looking for discounts from every shipment.
HAND_SQL["unauthorised_discount"] = f"""
WITH cov AS (
    SELECT s.id, s.distributor_id, s.product_id, s.date, s.quantity, s.unit_price, s.doc_no, s.batch,
           d.id AS discount, d.net_price, d.valid_from
    FROM channel_discountauthorization d
    JOIN channel_shipment s ON s.distributor_id = d.customer_id AND s.product_id = d.product_id
                           AND s.date BETWEEN d.valid_from AND d.valid_to
    WHERE d.archived_at IS NULL AND s.archived_at IS NULL AND s.unit_price IS NOT NULL
),
per_shipment AS (
    SELECT id, distributor_id, product_id, date, quantity, unit_price, doc_no, batch,
           bool_or(net_price > unit_price) AS some_above, bool_or(net_price <= unit_price) AS allowed,
           (array_agg(discount ORDER BY net_price, valid_from DESC, discount))[1] AS lowest,
           (array_agg(discount ORDER BY net_price, valid_from DESC, discount)
               FILTER (WHERE net_price <= unit_price))[1] AS governing
    FROM cov GROUP BY id, distributor_id, product_id, date, quantity, unit_price, doc_no, batch
),
floored AS (
    SELECT s.*, {DIST_FLOOR} AS floor FROM per_shipment s
),
below AS (
    SELECT f.*, f.lowest AS discount, 'below_net_price' AS reason FROM floored f WHERE f.some_above AND NOT f.allowed
),
capped AS (
    SELECT f.*, f.governing AS discount, 'over_cap' AS reason
    FROM (SELECT f.*, d.quantity_cap AS cap,
                 sum(f.quantity) OVER (PARTITION BY f.governing ORDER BY f.date, f.id) AS running
          FROM floored f JOIN channel_discountauthorization d ON d.id = f.governing
          WHERE f.unit_price < f.floor AND d.quantity_cap IS NOT NULL) f
    WHERE f.running > f.cap
),
flagged AS (
    SELECT DISTINCT ON (discount, id) * FROM (
        SELECT id, date, quantity, unit_price, doc_no, batch, floor, discount, reason, 0 AS pref FROM below
        UNION ALL
        SELECT id, date, quantity, unit_price, doc_no, batch, floor, discount, reason, 1 FROM capped
    ) u ORDER BY discount, id, pref
)
SELECT f.discount::text, 2 + count(*),
       json_build_object('approver', e.employee_no, 'customer', c.code, 'product', p.code, 'net_price', d.net_price,
                         'below', count(*) FILTER (WHERE f.reason = 'below_net_price'),
                         'shipments', json_agg(json_build_object('id', f.id, 'date', f.date, 'doc_no', f.doc_no,
                                                                 'quantity', f.quantity, 'unit_price', f.unit_price,
                                                                 'floor', f.floor, 'reason', f.reason)
                                               ORDER BY f.date, f.id))
FROM flagged f
JOIN channel_discountauthorization d ON d.id = f.discount
JOIN customers_customer c ON c.id = d.customer_id
JOIN channel_product p ON p.id = d.product_id
JOIN org_employee e ON e.id = d.approver_id
GROUP BY f.discount, e.employee_no, c.code, p.code, d.net_price
"""

# Only lines priced below their product's highest terminal floor can be below a floor valid on their day.
HAND_SQL["resale_below_floor"] = f"""
WITH maxima AS (
    SELECT product_id, max(floor_price) AS top FROM channel_pricefloor
    WHERE channel_level = 'terminal' AND archived_at IS NULL GROUP BY product_id
),
flagged AS (
    SELECT l.*, to_char(l.date, 'YYYY-MM') AS month
    FROM channel_flowline l
    JOIN channel_flowimport i ON i.id = l.flow_import_id AND i.status = 'active'
    JOIN maxima m ON m.product_id = l.product_id AND l.unit_price < m.top
    WHERE l.unit_price > 0
      AND EXISTS (SELECT 1 FROM channel_pricefloor pf
                  WHERE pf.product_id = l.product_id AND pf.channel_level = 'terminal' AND pf.archived_at IS NULL
                    AND (pf.valid_from IS NULL OR pf.valid_from <= l.date)
                    AND (pf.valid_to IS NULL OR pf.valid_to >= l.date) AND pf.floor_price > l.unit_price)
),
ranked AS (
    SELECT f.*, row_number() OVER w AS rn, count(*) OVER g AS n
    FROM flagged f
    WINDOW g AS (PARTITION BY distributor_id, product_id, month),
           w AS (g ORDER BY unit_price, date, flow_import_id, row_no)
)
SELECT x.distributor_id || ':' || x.product_id || ':' || x.month, max(x.n), json_agg({LINE_JSON} ORDER BY x.rn)
FROM ranked x {LINE_JOINS}
WHERE x.rn <= 20
GROUP BY x.distributor_id, x.product_id, x.month
"""

# Monthly totals once; a distributor's median over its previous six months with flow from a window frame
# (RANGE 6 PRECEDING … 1 PRECEDING), a terminal's peers' median with percentile_cont; the biggest lines of
# each finding joined on the findings.
HAND_SQL["suspicious_volume"] = f"""
WITH bounds AS MATERIALIZED (
    SELECT x.last, make_date((x.last - %(months)s + 1 - 6) / 12, (x.last - %(months)s + 1 - 6) %% 12 + 1, 1) AS since,
           make_date((x.last - %(months)s + 1) / 12, (x.last - %(months)s + 1) %% 12 + 1, 1) AS screened,
           make_date((x.last + 1) / 12, (x.last + 1) %% 12 + 1, 1) AS until
    FROM (SELECT (extract(year FROM max(period)) * 12 + extract(month FROM max(period)) - 1)::int AS last
          FROM channel_flowimport WHERE status = 'active' AND period < %(month_start)s) x
),
dmonthly AS (
    SELECT l.distributor_id AS d, l.product_id AS p,
           (extract(year FROM l.date) * 12 + extract(month FROM l.date) - 1)::int AS mi, sum(l.quantity) AS q
    FROM channel_flowline l JOIN channel_flowimport i ON i.id = l.flow_import_id AND i.status = 'active'
    CROSS JOIN bounds b WHERE l.date >= b.since AND l.date < b.until
    GROUP BY 1, 2, 3
),
dhistory AS (
    SELECT m.*, array_agg(q) OVER (PARTITION BY d, p ORDER BY mi RANGE BETWEEN 6 PRECEDING AND 1 PRECEDING) AS hist
    FROM dmonthly m
),
dfound AS (
    SELECT h.d AS subject, h.p, h.mi FROM dhistory h CROSS JOIN bounds b
    CROSS JOIN LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS median FROM unnest(h.hist) v) m
    WHERE h.mi BETWEEN b.last - %(months)s + 1 AND b.last AND cardinality(h.hist) >= %(history)s AND m.median > 0
      AND (h.q >= %(min_quantity)s OR m.median >= %(min_quantity)s)
      AND (h.q * 100 > m.median * (100 + %(above_percent)s) OR h.q * 100 < m.median * (100 - %(below_percent)s))
),
tmonthly AS (
    SELECT l.terminal_id AS t, c.kind AS k, l.product_id AS p,
           (extract(year FROM l.date) * 12 + extract(month FROM l.date) - 1)::int AS mi, sum(l.quantity) AS q
    FROM channel_flowline l JOIN channel_flowimport i ON i.id = l.flow_import_id AND i.status = 'active'
    JOIN customers_customer c ON c.id = l.terminal_id
    CROSS JOIN bounds b WHERE l.date >= b.screened AND l.date < b.until AND l.quantity > 0
    GROUP BY 1, 2, 3, 4
),
peers AS (
    SELECT k, p, mi, percentile_cont(0.5) WITHIN GROUP (ORDER BY q) AS median
    FROM tmonthly GROUP BY 1, 2, 3 HAVING count(*) >= %(peers)s
),
tfound AS (
    SELECT m.t AS subject, m.p, m.mi FROM tmonthly m JOIN peers s ON s.k = m.k AND s.p = m.p AND s.mi = m.mi
    WHERE s.median > 0 AND m.q > s.median * %(terminal_multiple)s AND m.q >= %(min_quantity)s
),
evidence AS (
    -- A distributor's findings are many: one hash join over the screened months (``+ 0``: not one index scan
    -- of the distributor's month per finding).
    SELECT 'd' AS kind, f.subject, l.*, 1 AS extra FROM dfound f
    JOIN channel_flowline l ON l.distributor_id + 0 = f.subject AND l.product_id + 0 = f.p
     AND (extract(year FROM l.date) * 12 + extract(month FROM l.date) - 1)::int = f.mi
    JOIN channel_flowimport i ON i.id = l.flow_import_id AND i.status = 'active'
    CROSS JOIN bounds b WHERE l.date >= b.screened AND l.date < b.until
    UNION ALL
    SELECT 't', f.subject, l.*, 2 FROM tfound f
    JOIN channel_flowline l ON l.terminal_id = f.subject AND l.product_id = f.p
     AND l.date >= make_date(f.mi / 12, f.mi %% 12 + 1, 1)
     AND l.date < make_date((f.mi + 1) / 12, (f.mi + 1) %% 12 + 1, 1)
    JOIN channel_flowimport i ON i.id = l.flow_import_id AND i.status = 'active'
),
ranked AS (
    SELECT e.*, to_char(e.date, 'YYYY-MM') AS month,
           row_number() OVER (PARTITION BY e.kind, e.subject, e.product_id, date_trunc('month', e.date)
                              ORDER BY e.quantity DESC, e.date, e.flow_import_id, e.row_no) AS rn,
           count(*) OVER (PARTITION BY e.kind, e.subject, e.product_id, date_trunc('month', e.date)) AS n
    FROM evidence e
)
SELECT x.kind || ':' || x.subject || ':' || x.product_id || ':' || x.month, max(x.n) + max(x.extra),
       json_agg({LINE_JSON} ORDER BY x.rn)
FROM ranked x {LINE_JOINS}
WHERE x.rn <= 10
GROUP BY x.kind, x.subject, x.product_id, x.month
"""

HAND_SQL["flow_file_missing"] = """
WITH owing AS (
    SELECT c.id, c.code, coalesce(pr.flow_due_day, %(due_day)s) AS due_day,
           date_trunc('month', least(
               (SELECT min(period) FROM channel_flowimport f WHERE f.distributor_id = c.id AND f.status = 'active'),
               (SELECT min(date) FROM channel_shipment s WHERE s.distributor_id = c.id AND s.archived_at IS NULL)
           ))::date AS start
    FROM customers_customer c LEFT JOIN channel_distributorprofile pr ON pr.distributor_id = c.id
    WHERE c.kind = 'distributor' AND c.archived_at IS NULL
),
owed AS (
    SELECT o.id, o.code, m.month, (m.month + interval '1 month')::date + least(greatest(o.due_day, 1), 28) - 1 AS due,
           row_number() OVER (PARTITION BY o.id ORDER BY m.month DESC) AS k
    FROM owing o
    CROSS JOIN LATERAL (SELECT (%(month_start)s::date - make_interval(months => g))::date AS month
                        FROM generate_series(1, %(months)s + 1) g) m
    WHERE o.start IS NOT NULL AND m.month >= o.start
      AND (m.month + interval '1 month')::date + least(greatest(o.due_day, 1), 28) - 1 < %(today)s
)
SELECT o.id || ':' || to_char(o.month, 'YYYY-MM'), 2,
       json_build_object('distributor', o.code, 'period', to_char(o.month, 'YYYY-MM'), 'due', o.due)
FROM owed o
WHERE o.k <= %(months)s
  AND NOT EXISTS (SELECT 1 FROM channel_flowimport f
                  WHERE f.distributor_id = o.id AND f.period = o.month AND f.status = 'active')
"""


CHANNEL_RULES = [
    "cross_region",
    "batch_out_of_region",
    "flow_exceeds_stock",
    "price_below_floor",
    "unauthorised_discount",
    "resale_below_floor",
    "suspicious_volume",
    "flow_file_missing",
]


def rule_params(now: dt.datetime) -> dict:
    """The rules' thresholds as the engine reads them (defaults unless an admin changed them) and the day."""
    from django.utils import timezone

    from liuke.alerts import engine, registry
    from liuke.alerts.registry import RunContext

    settings = engine.rule_settings()
    params: dict = {}
    for name in CHANNEL_RULES:
        rule = registry.get(name)
        setting = settings.get(name)
        ctx = RunContext(rule=rule, settings=setting.params if setting else {}, now=now)
        params.update({t.key: ctx.value(t.key) for t in rule.thresholds})
    today = timezone.localdate(now)
    params.update(today=today, month_start=today.replace(day=1))
    return params


def hand_run(name: str, params: dict) -> tuple[float, dict[str, int]]:
    """Run the rule's hand-written statement on a plain cursor, fetching every row: (seconds, key → count)."""
    from liuke.channel.screening import stable_key

    started = time.perf_counter()
    with raw().cursor() as cur:
        cur.execute(HAND_SQL[name], params)
        rows = cur.fetchall()
    seconds = time.perf_counter() - started
    return seconds, {(k if len(k) <= 200 else stable_key(k)): int(n) for k, n, _evidence in rows}


def liuke_find(name: str, now: dt.datetime) -> tuple[float, dict[str, int], list[tuple[float, str]]]:
    """The rule's own ``find`` (what the engine runs before reconciling): (seconds, key → count, statements)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from liuke.alerts import engine, registry
    from liuke.alerts.registry import RunContext

    rule = registry.get(name)
    setting = engine.rule_settings().get(name)
    ctx = RunContext(rule=rule, settings=setting.params if setting else {}, now=now)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        findings = list(rule.find(ctx))
    seconds = time.perf_counter() - started
    keys = {f.key: (f.evidence_count if f.evidence_count is not None else len(f.evidence)) for f in findings}
    statements = sorted(((float(q["time"]), q["sql"]) for q in queries.captured_queries), reverse=True)
    return seconds, keys, statements


def explain(sql: str, params=None) -> str:
    """EXPLAIN ANALYZE of a statement (run again: it costs its own time once more)."""
    with raw().cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        return "\n".join(r[0] for r in cur.fetchall())


def reset_alerts() -> None:
    """No alerts, as before the first screening (the tables hold nothing else of this benchmark)."""
    present = {r[0] for r in raw().execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()}
    wanted = ("alerts_alert", "alerts_alertnote", "alerts_notification", "alerts_delivery", "alerts_screenrun")
    tables = [t for t in wanted if t in present]
    execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def warm_up() -> float:
    """Read the tables once, so the first rule measured does not pay for the operating system's cache."""
    started = time.perf_counter()
    for table in ("channel_flowline", "channel_shipment", "channel_flowimport", "customers_customer"):
        scalar(f"SELECT count(*) FROM {table}")
    return time.perf_counter() - started


class SlowestStatements:
    """A ``connection.execute_wrapper`` that times every statement and keeps the text of the slowest few (the
    reconciliation of a first run writes hundreds of thousands of alerts: their SQL is not kept)."""

    def __init__(self, keep: int = 3) -> None:
        self.keep = keep
        self.count = 0
        self.slowest: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds = time.perf_counter() - started
            self.count += 1
            if len(self.slowest) < self.keep or seconds > self.slowest[-1][0]:
                from django.db import connection

                text = sql if many else connection.ops.compose_sql(sql, params)
                self.slowest = sorted([*self.slowest, (seconds, text)], reverse=True)[: self.keep]


@contextmanager
def statement_timeout(seconds: float):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SET statement_timeout = {int(seconds * 1000)}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("SET statement_timeout = 0")


def screen_rule(name: str, timeout: float) -> tuple[dict, list[tuple[float, str]]]:
    """``engine.screen([name])`` as the nightly run does it for that rule (find, then reconcile its alerts),
    cancelled after ``timeout`` seconds of one statement."""
    from django.db import DatabaseError, connection

    from liuke.alerts import engine

    spy = SlowestStatements()
    started = time.perf_counter()
    entry: dict = {}
    try:
        with statement_timeout(timeout), connection.execute_wrapper(spy):
            result = engine.screen([name])
        entry.update(findings=result.findings, opened=len(result.opened), reopened=len(result.reopened),
                     closed=result.closed, engine_seconds=result.timings.get(name))  # fmt: skip
    except DatabaseError as exc:
        entry.update(cancelled=True, error=str(exc).splitlines()[0][:200])
    entry.update(seconds=round(time.perf_counter() - started, 2), statements=spy.count,
                 slowest=[round(t, 2) for t, _sql in spy.slowest])  # fmt: skip
    return entry, spy.slowest


def full_screening(args, report: dict) -> None:
    """Per rule: ``engine.screen`` (first run: opens the alerts), the hand-written statement, ``engine.screen``
    again (second run: finds the same); then the two compared on the findings' keys and evidence counts."""
    from django.utils import timezone

    from liuke.alerts.models import Alert

    report["warm_up_seconds"] = round(warm_up(), 1)
    reset_alerts()
    params = rule_params(timezone.now())
    report["params"] = {k: str(v) for k, v in params.items()}
    rules = []
    for name in args.rules.split(","):
        first, _slowest = screen_rule(name, args.timeout)
        log(f"{name}: screen (1st run) {first['seconds']} s {'CANCELLED' if first.get('cancelled') else ''}")
        keys = dict(Alert.objects.filter(rule=name).values_list("key", "evidence_count"))
        hand = []
        for _ in range(args.repeat):
            hand_seconds, hand_keys = hand_run(name, params)
            hand.append(hand_seconds)
            log(f"{name}: hand SQL {hand_seconds:.1f} s, {len(hand_keys)} findings")
        second, slowest = screen_rule(name, args.timeout)
        log(f"{name}: screen (2nd run) {second['seconds']} s {'CANCELLED' if second.get('cancelled') else ''}")
        hand_seconds = min(hand)
        finished = not first.get("cancelled")
        missing = sorted(set(keys) - set(hand_keys))
        extra = sorted(set(hand_keys) - set(keys))
        counts_differ = sorted(k for k in set(keys) & set(hand_keys) if keys[k] != hand_keys[k])
        entry = {
            "rule": name,
            "findings": len(keys) if finished else None,
            "hand_findings": len(hand_keys),
            "agree": (not missing and not extra and not counts_differ) if finished else None,
            "missing_in_hand": missing[:5],
            "extra_in_hand": extra[:5],
            "evidence_counts_differ": counts_differ[:5],
            "first": first,
            "second": second,
            "hand_seconds": round(hand_seconds, 2),
            "hand_attempts": [round(h, 2) for h in hand],
        }
        if args.find:
            find_seconds, _keys, _statements = liuke_find(name, timezone.now())
            entry["find_seconds"] = round(find_seconds, 2)
        ratio = second["seconds"] / hand_seconds if hand_seconds else None
        if slowest and (args.explain or (ratio and ratio > 2)):
            entry["slowest_statement"] = slowest[0][1][:20000]
            entry["explain_liuke"] = explain_plan(slowest[0][1])
        if args.explain:
            entry["explain_hand"] = explain(HAND_SQL[name], params)
        rules.append(entry)
        differ = "" if entry["agree"] is not False else f" (DISAGREE: {missing[:2] + extra[:2] + counts_differ[:2]})"
        log(f"{name}: {entry['findings']} / {len(hand_keys)} findings{differ}")
    report["rules"] = rules
    report["alerts"] = {r: Alert.objects.filter(rule=r).count() for r in args.rules.split(",")}


def explain_plan(sql: str) -> str:
    """EXPLAIN (without running it) of a statement liuke sent."""
    try:
        with raw().cursor() as cur:
            cur.execute("EXPLAIN " + sql)
            return "\n".join(r[0] for r in cur.fetchall())
    except Exception as exc:  # a bulk statement's text without its parameters
        return f"(no plan: {exc})"


# --- incremental screening after a 100,000-row import ------------------------------------------------------


def remove_import(import_id: int, distributor_id: int, since: dt.datetime) -> None:
    """Take a benchmark import out again, with what it and its screening added (the next run starts equal)."""
    execute("DELETE FROM channel_flowline WHERE flow_import_id = %s", [import_id])
    execute("DELETE FROM channel_flowrejection WHERE flow_import_id = %s", [import_id])
    execute("DELETE FROM channel_buyerreview WHERE distributor_id = %s", [distributor_id])
    execute("DELETE FROM channel_flowimport WHERE id = %s", [import_id])
    execute("DELETE FROM alerts_notification WHERE alert_id IN (SELECT id FROM alerts_alert WHERE opened_at >= %s)",
            [since])  # fmt: skip
    execute("DELETE FROM alerts_alert WHERE opened_at >= %s", [since])


def import_once(path: Path, distributor: str, period: str, *, screening: bool) -> dict:
    """One import through ``services.flow_import_run``, with the incremental screening on or switched off."""
    from unittest import mock

    from django.utils import timezone

    from liuke.alerts import tasks
    from liuke.alerts.models import ScreenRun
    from liuke.channel import services
    from liuke.customers.models import Customer

    since = timezone.now()
    patch = None if screening else mock.patch.object(tasks, "screen_after_import", return_value=None)
    if patch is not None:
        patch.start()
    try:
        started, cpu = time.perf_counter(), time.process_time()
        result = services.flow_import_run(path=str(path), distributor_code=distributor, period=period)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        if patch is not None:
            patch.stop()
    run = ScreenRun.objects.filter(started_at__gte=since, mode="incremental").order_by("-pk").first()
    entry = {
        "screening": screening,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "imported": result.imported,
        "rejected": result.rejected,
        "load_average": round(os.getloadavg()[0], 2),
    }
    if run is not None:
        entry["screen_seconds"] = round((run.finished_at - run.started_at).total_seconds(), 2)
        entry["screen_rules"] = run.timings
        entry["screen_findings"] = run.findings
        entry["screen_opened"] = run.opened
    distributor_id = Customer.objects.get(code=distributor).pk
    remove_import(result.import_id, distributor_id, since)
    return entry


def incremental(args, report: dict) -> None:
    from liuke.alerts import tasks

    path = incremental_csv(args.seed, args.lines)
    if not path.exists():  # kept in the database with the build
        path.write_bytes(bytes(scalar("SELECT body FROM sb.files ORDER BY name LIMIT 1")))
    if not hasattr(tasks, "screen_after_import"):
        report["incremental"] = {"skipped": "liuke.alerts.tasks.screen_after_import does not exist"}
        return
    distributor, period = "D001", f"{MONTHS[-1]:%Y-%m}"
    # A run stopped half-way may have left its import: take it out (the file would count as already imported).
    for (left,) in (
        raw()
        .execute(
            "SELECT f.id FROM channel_flowimport f JOIN customers_customer c ON c.id = f.distributor_id "
            "WHERE c.code = %s AND f.period = %s",
            [distributor, MONTHS[-1]],
        )
        .fetchall()
    ):
        remove_import(
            left,
            scalar("SELECT id FROM customers_customer WHERE code = %s", [distributor]),
            dt.datetime.max.replace(tzinfo=dt.UTC),
        )
    warm = import_once(path, distributor, period, screening=False)  # loads the matcher, caches, code
    log(f"incremental warm-up import: {warm['seconds']} s")
    runs = []
    for i in range(args.pairs):
        for screening in (False, True) if i % 2 == 0 else (True, False):
            entry = import_once(path, distributor, period, screening=screening)
            runs.append(entry)
            log(f"import {'with' if screening else 'without'} screening: {entry['seconds']} s"
                + (f" (screening {entry.get('screen_seconds')} s)" if screening else ""))  # fmt: skip
    off = [r["seconds"] for r in runs if not r["screening"]]
    on = [r["seconds"] for r in runs if r["screening"]]
    screen = [r.get("screen_seconds", 0) for r in runs if r["screening"]]
    base = sum(off) / len(off)
    report["incremental"] = {
        "file": path.name,
        "rows": warm["imported"] + warm["rejected"],
        "runs": runs,
        "import_seconds": round(base, 2),
        "with_screening_seconds": round(sum(on) / len(on), 2),
        "screening_seconds": round(sum(screen) / len(screen), 2),
        "added_percent_wall": round(100 * (sum(on) / len(on) - base) / base, 1),
        "added_percent_screen": round(100 * (sum(screen) / len(screen)) / base, 1),
    }


# --- the report ---------------------------------------------------------------------------------------------


def markdown(report: dict) -> str:
    """The tables docs/BENCHMARKS.md shows."""

    def secs(run: dict) -> str:
        return f"> {run['seconds']:.0f} (cancelled)" if run.get("cancelled") else f"{run['seconds']:.1f}"

    out = [
        "| rule | findings (liuke / hand SQL) | liuke 1st run, s (opens the alerts) | liuke 2nd run, s | hand SQL, s "
        "| 1st ÷ hand | 2nd ÷ hand | within 2× |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    totals = [0.0, 0.0, 0.0]
    cancelled = False
    for r in report.get("rules", []):
        first, second, h = r["first"], r["second"], r["hand_seconds"]
        cancelled |= bool(first.get("cancelled") or second.get("cancelled"))
        for i, v in enumerate((first["seconds"], second["seconds"], h)):
            totals[i] += v
        found = "—" if r["findings"] is None else f"{r['findings']:,}"
        same = "" if r["agree"] in (True, None) else " (differ)"
        ratio1, ratio2 = first["seconds"] / h, second["seconds"] / h
        more = ">" if second.get("cancelled") else ""
        met = "yes" if ratio2 <= 2 and not more else "no"
        out.append(f"| `{r['rule']}` | {found} / {r['hand_findings']:,}{same} | {secs(first)} | {secs(second)} | "
                   f"{h:.1f} | {more}{ratio1:.1f}× | {more}{ratio2:.1f}× | {met} |")  # fmt: skip
    s1, s2, h = totals
    more = ">" if cancelled else ""
    if not h:
        out = []
    met = "yes" if h and s2 / h <= 2 and not cancelled else "no"
    if h:
        out.append(f"| **all rules measured** | | **{more}{s1:.0f}** | **{more}{s2:.0f}** | **{h:.0f}** | "
                   f"{more}{s1 / h:.1f}× | **{more}{s2 / h:.1f}×** | {met} |")  # fmt: skip
    inc = report.get("incremental")
    if inc and "runs" in inc:
        out += ["", "| import of the 100,000-row file | s | CPU s (this process) | of which screening, s | load |",
                "|---|---:|---:|---:|---:|"]  # fmt: skip
        for r in inc["runs"]:
            out.append(f"| {'with' if r['screening'] else 'without'} the incremental screening | {r['seconds']} | "
                       f"{r['cpu_seconds']} | {r.get('screen_seconds', '')} | {r['load_average']} |")  # fmt: skip
        out += ["", f"Mean import {inc['import_seconds']} s without, {inc['with_screening_seconds']} s with; the "
                f"screening's own time is {inc['added_percent_screen']} % of the import's (wall clock: "
                f"{inc['added_percent_wall']} %)."]  # fmt: skip
    return "\n".join(out)


def write_report(report: dict) -> Path:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = BENCH_DIR / f"results-{stamp}.json"
    text = json.dumps(report, ensure_ascii=False, indent=1, default=str)
    path.write_text(text)
    (BENCH_DIR / "results-latest.json").write_text(text)
    return path


def build(url: str, seed: int, lines: int) -> dict:
    """Drop and build the database; returns the build record (also kept in ``sb.build``)."""
    from django.core.management import call_command
    from django.db import connection

    info: dict = {"version": BUILD_VERSION, "seed": seed, "lines": lines, "started": time.strftime("%Y-%m-%d %H:%M")}
    started = time.perf_counter()
    connection.close()
    fresh_database(url)
    with timed("migrate", info.setdefault("steps", {})):
        call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    with timed("master data", info["steps"]):
        made = build_master(rng, info)
        pending = plan_imports(rng, made["dists"], lines, info)
    csv_path = incremental_csv(seed, lines)
    build_flow(seed, pending, csv_path, info)
    execute("CREATE TABLE sb.files (name text PRIMARY KEY, body bytea)")
    execute("INSERT INTO sb.files VALUES (%s, %s)", [csv_path.name, csv_path.read_bytes()])
    info["seconds"] = round(time.perf_counter() - started, 1)
    info["counts"] = table_counts()
    info["database_size"] = scalar("SELECT pg_size_pretty(pg_database_size(current_database()))")
    execute("INSERT INTO sb.build VALUES ('build', %s)", [json.dumps(info, default=str)])
    return info


def incremental_csv(seed: int, lines: int) -> Path:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    return BENCH_DIR / f"incremental-{seed}-{lines}.csv"


def table_counts() -> dict:
    tables = {
        "flow_lines": "channel_flowline",
        "flow_imports": "channel_flowimport",
        "shipments": "channel_shipment",
        "distributors": "customers_customer WHERE kind = 'distributor'",
        "terminals": "customers_customer WHERE kind <> 'distributor'",
        "products": "channel_product",
        "price_floors": "channel_pricefloor",
        "authorizations": "channel_distributorauthorization",
        "product_specific_authorizations": "channel_distributorauthorization WHERE product_id IS NOT NULL",
        "discount_authorizations": "channel_discountauthorization",
    }
    return {k: scalar(f"SELECT count(*) FROM {v}") for k, v in tables.items()}


def existing_build(url: str) -> dict | None:
    if not database_exists(url):
        return None
    if not scalar("SELECT to_regclass('sb.build') IS NOT NULL"):
        return None
    value = scalar("SELECT value FROM sb.build WHERE key = 'build'")
    return value if isinstance(value, dict) else (json.loads(value) if value else None)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuke.settings")
    os.environ.setdefault("LIUKE_DATA_DIR", str(BENCH_DIR / "data"))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", default=DEFAULT_URL)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="measure on the database already built (build if none)")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--skip-full", action="store_true", help="no full screening (only the incremental one)")
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="times each rule's find and hand SQL run (best kept)")
    parser.add_argument("--pairs", type=int, default=2, help="imports with and without the screening")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE every hand statement too")
    parser.add_argument("--timeout", type=float, default=1200, help="cancel one statement of liuke's after (s)")
    parser.add_argument("--find", action="store_true", help="also time each rule's find alone")
    parser.add_argument("--rules", default=",".join(CHANNEL_RULES), help="comma-separated rules to measure")
    args = parser.parse_args()
    if not args.db_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("PostgreSQL only: --db-url postgres://…")
    setup_django(args.db_url)
    record = existing_build(args.db_url) if args.reuse else None
    wanted = {"version": BUILD_VERSION, "seed": args.seed, "lines": args.lines}
    if record is None or any(record.get(k) != v for k, v in wanted.items()):
        if args.reuse and record is not None:
            log(f"the database holds another build ({ {k: record.get(k) for k in wanted} }): building again")
        record = build(args.db_url, args.seed, args.lines)
        log(f"built in {record['seconds']} s: {record['counts']}")
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # pending migrations of the code being measured
        log(f"reusing the build of {record['started']}: {record['counts']}")
    if args.build_only:
        return
    report: dict = {"machine": machine(), "build": record, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    if not args.skip_full:
        full_screening(args, report)
    if not args.skip_incremental:
        incremental(args, report)
    report["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    path = write_report(report)
    print(markdown(report))
    log(f"results: {path}")


if __name__ == "__main__":
    main()

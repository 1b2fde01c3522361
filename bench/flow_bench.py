"""Flow-import benchmark (issue 5): a 1,000,000-row CSV and a 100,000-row XLSX, end to end.

    .venv/bin/python bench/flow_bench.py [--rows 1000000] [--xlsx-rows 100000] [--db sqlite|postgres|both]

Each database runs in its own process on a fresh database (SQLite under /tmp, PostgreSQL database
``liuke_flow_bench``): master data (products, a distributor, 5,000 terminals, sell-in by batch), then

- the CSV, streamed to /tmp, imported with ``flow_import_run`` (parse, clean, convert, match, store);
- the same already-clean rows written raw into a copy of the flow table (COPY on PostgreSQL,
  executemany on SQLite), so the import's overhead over the bare write is measured in the same run;
- peak RSS of the process (the file is never held in memory);
- a 100,000-row XLSX imported the same way.

Prints one JSON document per database; docs/BENCHMARKS.md records the figures.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_URL = "postgres://postgres@127.0.0.1:5432/liuke_flow_bench"
CITIES = [
    ("上海市", "310101", "黄浦区"), ("上海市", "310115", "浦东新区"), ("南京市", "320106", "鼓楼区"),
    ("杭州市", "330106", "西湖区"), ("武汉市", "420106", "武昌区"), ("深圳市", "440305", "南山区"),
    ("广州市", "440106", "天河区"), ("成都市", "510107", "武侯区"), ("北京市", "110105", "朝阳区"),
    ("天津市", "120101", "和平区"),
]  # fmt: skip
KINDS = [("人民医院", "hospital"), ("中医医院", "hospital"), ("大药房", "pharmacy"), ("社区卫生服务中心", "clinic")]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def terminals(n: int) -> list[tuple[str, str, str, str, str]]:
    """(code, name, kind, division, address): 5,000 terminals, names unique within their city."""
    rng = random.Random(7)
    out = []
    for i in range(n):
        city, code, district = CITIES[i % len(CITIES)]
        suffix, kind = KINDS[i % len(KINDS)]
        word = "".join(rng.choice("康安华仁和德济民寿泰福祥瑞正阳光明新星") for _ in range(2))
        out.append((f"T{i:05d}", f"{city}{word}第{i}{suffix}", kind, code, f"{city}{district}{word}路{i}号"))
    return out


def write_csv(path: Path, rows: int, terms: list[tuple]) -> None:
    """A distributor's month: most buyers written as in the master, some as variants; 件, 盒 and 片."""
    rng = random.Random(11)
    buyers = []
    for _code, name, _kind, _div, addr in terms:
        buyers += [
            (name, addr),
            (name + "药剂科" if "医院" in name else name + " ", addr),
            (name.replace("第", "第 "), ""),
        ]
    products = [("复方丹参片", "0.3g*10片*3板/盒"), ("小儿止咳糖浆", "100ml/瓶"), ("阿莫西林胶囊", "0.25g*24粒/盒")]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["销售日期", "商品名称", "规格", "批号", "数量", "单位", "单价", "金额", "购货单位", "收货地址", "单据号"]
        )
        for i in range(rows):
            product, spec = products[i % 3]
            unit = ("盒", "件", "片")[i % 7 % 3] if i % 3 == 0 else ("瓶" if i % 3 == 1 else "盒")
            qty = 1 + i % 20
            buyer, addr = buyers[rng.randrange(len(buyers))]
            w.writerow([f"2024-03-{1 + i % 28:02d}", product, spec, f"B24{i % 12:02d}", qty if i % 50 else -qty, unit,
                        "28.50", f"{qty * 28.5:.2f}", buyer, addr, f"D{i:08d}"])  # fmt: skip


def write_xlsx(path: Path, rows: int, terms: list[tuple]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("流向")
    ws.append(["某医药公司 2024年4月 产品流向"])
    ws.append(["出库日期", "药品名称", "批号", "实发数量", "单位", "收货单位", "送货地址"])
    base = dt.date(2024, 4, 1)
    for i in range(rows):
        _code, name, _kind, _div, addr = terms[i % len(terms)]
        ws.append([base + dt.timedelta(days=i % 28), "复方丹参片", f"B24{i % 12:02d}", 1 + i % 9, "盒", name, addr])
    wb.save(path)


def build_master(terms) -> None:
    from liuke.channel import services
    from liuke.channel.models import Shipment
    from liuke.core.changelog import change_context
    from liuke.customers.models import Customer

    with change_context(source="system"):
        Customer.objects.create(code="DIST", name="上海医药分销有限公司", kind="distributor", division_id="310000")
        Customer.objects.bulk_create(
            [Customer(code=c, name=n, kind=k, division_id=d, address=a) for c, n, k, d, a in terms], batch_size=2000
        )
        specs = [
            ("P1", "复方丹参片", "0.3g*10片*3板/盒", "盒", {"件": "50"}),
            ("P2", "小儿止咳糖浆", "100ml/瓶", "瓶", {}),
            ("P3", "阿莫西林胶囊", "0.25g*24粒/盒", "盒", {}),
        ]
        products = [
            services.product_save(data={"code": c, "name": n, "spec": sp, "base_unit": b, "units": u})
            for c, n, sp, b, u in specs
        ]
        dist = Customer.objects.get(code="DIST")
        Shipment.objects.bulk_create(
            [
                Shipment(
                    date=dt.date(2024, 1, 2),
                    distributor=dist,
                    product=p,
                    batch=f"B24{b:02d}",
                    quantity=10**6,
                    made_on=dt.date(2023, 12, 1),
                    expires_on=dt.date(2026, 11, 30),
                )
                for p in products
                for b in range(12)
            ]
        )


def raw_write_seconds(vendor: str, import_id: int) -> float:
    """Write the import's clean rows again, bare, into a copy of the flow table; only the write is timed."""
    from django.db import connection

    from liuke.channel.flow_writer import LINE_COLUMNS, SQLITE_IMPORT_CACHE_KB

    cols = ", ".join(LINE_COLUMNS)
    with connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute("DROP TABLE IF EXISTS bench_raw")
            cur.execute("CREATE TABLE bench_raw (LIKE channel_flowline INCLUDING ALL)")
            dump = Path("/tmp/liuke_flow_bench_raw.copy")
            with (
                dump.open("wb") as fh,
                cur.cursor.copy(
                    f"COPY (SELECT {cols} FROM channel_flowline WHERE flow_import_id = {import_id}) TO STDOUT"
                ) as copy,
            ):
                for chunk in copy:
                    fh.write(chunk)
            connection.commit() if not connection.get_autocommit() else None
            start = time.perf_counter()
            with (
                connection.cursor() as c2,
                c2.cursor.copy(f"COPY bench_raw ({cols}) FROM STDIN") as copy,
                dump.open("rb") as fh,
            ):
                while block := fh.read(1 << 20):
                    copy.write(block)
            elapsed = time.perf_counter() - start
            dump.unlink()
            return elapsed
        # SQLite: the same schema and indexes under another name.
        raw = connection.connection
        sql = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'channel_flowline'").fetchone()[0]
        raw.execute("DROP TABLE IF EXISTS bench_raw")
        raw.execute(sql.replace('"channel_flowline"', "bench_raw", 1))
        for (index_sql,) in raw.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'channel_flowline' AND sql IS NOT NULL"
        ).fetchall():
            raw.execute(index_sql.replace('"channel_flowline"', "bench_raw").replace('INDEX "', 'INDEX "raw_'))
        placeholders = ",".join("?" * len(LINE_COLUMNS))
        insert = f"INSERT INTO bench_raw ({cols}) VALUES ({placeholders})"
        raw.execute(f"PRAGMA cache_size = {SQLITE_IMPORT_CACHE_KB}")  # the page cache the import writes with
        elapsed = 0.0
        last = 0
        while True:
            rows = raw.execute(
                f"SELECT id, {cols} FROM channel_flowline WHERE flow_import_id = ? AND id > ? ORDER BY id LIMIT 50000",
                (import_id, last),
            ).fetchall()
            if not rows:
                break
            last = rows[-1][0]
            batch = [r[1:] for r in rows]
            start = time.perf_counter()
            raw.execute("BEGIN IMMEDIATE")
            raw.executemany(insert, batch)
            raw.execute("COMMIT")
            elapsed += time.perf_counter() - start
        return elapsed


def child(db: str, rows: int, xlsx_rows: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from liuke.channel.services import flow_import_run

    call_command("migrate", verbosity=0)
    terms = terminals(5000)
    build_master(terms)
    src = Path(f"/tmp/liuke_flow_bench_{rows}.csv")
    if not src.exists():
        write_csv(src, rows, terms)
    rss_before = _rss_mb()
    start, cpu_start = time.perf_counter(), time.process_time()
    result = flow_import_run(path=str(src), distributor_code="DIST", period="2024-03")
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    rss_peak = _rss_mb()
    raw_seconds = raw_write_seconds(connection.vendor, result.import_id)
    report = {
        "database": connection.vendor,
        "rows": result.rows,
        "imported": result.imported,
        "rejected": result.rejected,
        "duplicates": result.duplicates,
        "unmatched_buyers": result.unmatched,
        "seconds": round(seconds, 2),
        "rows_per_second": round(result.rows / seconds),
        "cpu_seconds": round(cpu_seconds, 2),  # this process only: less swayed by a busy machine than the wall clock
        "raw_write_seconds": round(raw_seconds, 2),
        "overhead_vs_raw": round(seconds / raw_seconds, 2),
        "peak_rss_mb": round(rss_peak),
        "rss_before_import_mb": round(rss_before),
        "file_mb": round(src.stat().st_size / 2**20),
    }
    if xlsx_rows:
        xpath = Path(f"/tmp/liuke_flow_bench_{xlsx_rows}.xlsx")
        if not xpath.exists():
            write_xlsx(xpath, xlsx_rows, terms)
        start = time.perf_counter()
        xresult = flow_import_run(path=str(xpath), distributor_code="DIST", period="2024-04")
        report["xlsx"] = {"rows": xresult.rows, "imported": xresult.imported, "rejected": xresult.rejected,
                          "seconds": round(time.perf_counter() - start, 2)}  # fmt: skip
    return report


def _fresh_postgres() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS liuke_flow_bench")
        conn.execute("CREATE DATABASE liuke_flow_bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.xlsx_rows), ensure_ascii=False))
        return
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
        env["DJANGO_SETTINGS_MODULE"] = "liuke.settings"
        data_dir = Path(f"/tmp/liuke_flow_bench_{db}")
        subprocess.run(["rm", "-rf", str(data_dir)], check=True)
        env["LIUKE_DATA_DIR"] = str(data_dir)
        if db == "postgres":
            _fresh_postgres()
            env["DATABASE_URL"] = PG_URL
        subprocess.run(
            [sys.executable, __file__, "--child", db, "--rows", str(args.rows), "--xlsx-rows", str(args.xlsx_rows)],
            env=env,
            check=True,
            cwd=ROOT,
        )


if __name__ == "__main__":
    main()

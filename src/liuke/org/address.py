"""Resolve free-text Chinese addresses to GB/T 2260 administrative divisions.

Customer archives and distributor files hold addresses such as ``北京市朝阳区建国路88号``, ``浙江杭州西湖区`` or
just ``鼓楼区中山路``. :meth:`DivisionIndex.resolve` finds the most specific division such an address names and
says how it got there (:class:`AddressMatch`). It never guesses: a district name that exists in several places
(鼓楼区, 朝阳区, 市中区 ...) with nothing before it to tell them apart comes back as ``"ambiguous"`` with the
competing codes.

How it works (pure Python, no database; the index is built from the rows of ``org/data/divisions.csv``):

* **Normalisation.** NFKC (full-width → half-width), then everything that is not a letter or digit (spaces,
  punctuation, symbols) is dropped.
* **Names.** Every division, current or abolished, is indexed under its official name and its common short
  forms: 北京/北京市, 广西/广西壮族自治区, 杭州/杭州市, 朝阳/朝阳区, 浦东/浦东新区, 恩施/恩施州/恩施土家族苗族自治州,
  长阳县/长阳土家族自治县, 阿克苏/阿克苏地区. Stems of one character are not
  indexed (赵县 stays 赵县). The GB/T 2260 grouping rows (市辖区, 县, 省直辖县级行政区划) are never matched.
* **Scan.** The address is read left to right; at each position the longest name that fits the context wins.
  The context is a small set of hypotheses (usually one): once a division is established, later names count only
  if they lie below it (a later name that is an *ancestor* of some hypotheses only narrows them, e.g.
  ``朝阳区(北京)``). A name directly followed by 路/街/大道/巷/门/镇/村/大学/医院 ... (and not by another
  division name) is part of a street or institution and is skipped: ``广州市越秀区北京路`` is in 广州, and
  ``中山大学`` alone names no place. Scanning stops at a division without children.
* **Current first.** Readings through abolished divisions are kept while scanning (安徽省巢湖市庐江县 goes through
  the old 巢湖市), but at the end any current reading beats them. An abolished division (崇文区, 宣武区, 卢湾区 ...)
  resolves to its successor, with ``successor_of`` set; one without a known successor falls back to its nearest
  current ancestor.
* **Ties.** If several hypotheses survive, one that is an ancestor of all the others wins (``恩施`` → 恩施州, not
  恩施市), else a single province wins (``海南`` → 海南省, not 海南藏族自治州 or 乌海市海南区); otherwise the
  result is ``"ambiguous"``, with the deepest common ancestor (or ``None``) as the code.

``resolve()`` takes a few microseconds to a few tens of microseconds per address, so it can be run over millions of
flow rows.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .divisions import read_division_rows

__all__ = ["AddressMatch", "DivisionIndex", "division_centre"]

PROVINCE = "province"
CITY = "city"
COUNTY = "county"

_LEVEL_BIT = {PROVINCE: 1, CITY: 2, COUNTY: 4}
_LEVEL_DEPTH = {PROVINCE: 0, CITY: 1, COUNTY: 2}

#: GB/T 2260 grouping rows: never matched by name, and never shown as a common ancestor.
_PSEUDO_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

# Ethnic groups as they appear in the names of autonomous areas (延边朝鲜族自治州, 博尔塔拉蒙古自治州,
# 龙胜各族自治县). One-character names only count when followed by 族, so that 白沙黎族自治县 keeps 白沙.
_ETHNIC_MULTI = (
    "蒙古", "维吾尔", "布依", "朝鲜", "土家", "哈尼", "哈萨克", "傈僳", "高山", "拉祜", "东乡", "纳西", "景颇",
    "柯尔克孜", "达斡尔", "仫佬", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "乌孜别克",
    "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)  # fmt: skip
_ETHNIC_SINGLE = (
    "回",
    "藏",
    "苗",
    "彝",
    "壮",
    "满",
    "侗",
    "瑶",
    "白",
    "黎",
    "佤",
    "畲",
    "水",
    "土",
    "羌",
    "怒",
    "京",
    "傣",
    "各",
)
_ETHNIC = "|".join(
    [f"{name}族?" for name in sorted(_ETHNIC_MULTI, key=len, reverse=True)] + [f"{name}族" for name in _ETHNIC_SINGLE]
)
_AUTONOMOUS_RE = re.compile(rf"^(?P<stem>.*?)(?P<ethnic>(?:{_ETHNIC})+)(?:自治)?(?P<kind>州|县|旗|区)$")
_PROVINCE_SUFFIX_RE = re.compile(r"(?:(?:壮族|回族|维吾尔)?自治区|特别行政区|省|市)$")

#: Short forms that the generic rules miss.
_EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "内蒙古自治区": ("内蒙",),
    "神农架林区": ("神农架",),
    "六枝特区": ("六枝",),
}
#: Stems that are ordinary words more often than place names (``市中心医院``); the full name still matches.
_STEM_BLOCKLIST = frozenset({"市中"})

#: A division name directly followed by one of these is part of a street, a building or an institution.
_STREET_SUFFIXES = (
    "路", "街", "道", "巷", "弄", "里", "胡同", "大道", "大街", "东路", "西路", "南路", "北路", "中路", "东街", "西街",
    "南街", "北街", "环路", "门", "桥", "镇", "乡", "村", "社区", "小区", "新村", "花园", "广场", "大厦", "公园", "站",
    "大学", "学院", "医院", "中学", "小学", "中心", "公司", "集团", "银行", "书店", "药店", "药房", "诊所", "卫生院",
    "商场", "超市", "酒店", "宾馆", "饭店",
)  # fmt: skip

_NOISE_RE = re.compile(r"[\W_]+")


def normalise_address(address: str) -> str:
    """NFKC-normalise ``address`` and drop whitespace, punctuation and symbols."""
    return _NOISE_RE.sub("", unicodedata.normalize("NFKC", address))


@dataclass(frozen=True)
class AddressMatch:
    """The outcome of :meth:`DivisionIndex.resolve`.

    ``method`` is one of:

    * ``"exact"``: every real level down to ``code`` was named (``北京市朝阳区``, ``湖北省仙桃市``).
    * ``"inferred"``: a county-level division was named and its parents follow from it (``深圳南山``, ``仙桃市``).
    * ``"partial"``: only a province or a city was found.
    * ``"ambiguous"``: the name fits divisions in several places; ``candidates`` lists them and ``code`` is their
      deepest common ancestor, or ``None``.
    * ``"none"``: no division found.
    """

    code: str | None
    level: str | None
    method: str
    confidence: float
    candidates: tuple[str, ...] = ()
    successor_of: str | None = None


_NO_MATCH = AddressMatch(code=None, level=None, method="none", confidence=0.0)


def _aliases(name: str, level: str) -> list[str]:
    """The official name of a division followed by the short forms an address may use for it."""
    names = [name, *_EXTRA_ALIASES.get(name, ())]
    stems: list[str] = []
    if level == PROVINCE:
        stems.append(_PROVINCE_SUFFIX_RE.sub("", name))
    elif "自治" in name or name.endswith("族区"):
        match = _AUTONOMOUS_RE.match(name)
        if match:
            stem = match["stem"] or match["ethnic"].split("族")[0]
            kind = match["kind"]
            names.append(stem + kind)
            if kind in "州区":  # 恩施, 大理; but not 河南 for 河南蒙古族自治县
                stems.append(stem)
    else:
        for suffix in ("新区", "矿区", "地区", "区", "县", "市", "旗", "盟"):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                stems.append(name[: -len(suffix)])
                break
    names.extend(stem for stem in stems if len(stem) >= 2 and stem not in _STEM_BLOCKLIST)
    return list(dict.fromkeys(n for n in names if len(n) >= 2))


class DivisionIndex:
    """An in-memory index of division names for resolving addresses; build it once and reuse it."""

    def __init__(
        self,
        *,
        names: Mapping[str, str],
        levels: Mapping[str, str],
        ancestors: Mapping[str, frozenset[str]],
        successors: Mapping[str, str],
        active: frozenset[str],
        pseudo: frozenset[str],
        aliases: Mapping[str, tuple[str, ...]],
    ) -> None:
        """Prefer :meth:`from_rows` or :meth:`default`; this takes the already-derived tables."""
        self._names = dict(names)
        self._levels = dict(levels)
        self._ancestors = dict(ancestors)
        self._successors = dict(successors)
        self._active = active
        self._pseudo = pseudo
        self._aliases = dict(aliases)
        self._bits = {code: _LEVEL_BIT.get(level, 0) for code, level in self._levels.items()}
        # Levels an "exact" match must have named: the code's own and its real (non-grouping) ancestors'.
        self._path_bits = {
            code: self._bits[code] | sum(self._bits[a] for a in anc if a not in pseudo)
            for code, anc in self._ancestors.items()
        }
        indexed = {code for codes in self._aliases.values() for code in codes}
        self._inner = frozenset(a for code in indexed for a in self._ancestors[code])
        lengths: dict[str, set[int]] = {}
        for alias in self._aliases:
            lengths.setdefault(alias[0], set()).add(len(alias))
        self._lengths = {first: tuple(sorted(ls, reverse=True)) for first, ls in lengths.items()}

    # -- construction -------------------------------------------------------------------------------------------

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]]) -> DivisionIndex:
        """Build an index from rows shaped like ``divisions.csv`` (code, name, level, parent_code, status,
        successor_code)."""
        names: dict[str, str] = {}
        levels: dict[str, str] = {}
        parents: dict[str, str] = {}
        successors: dict[str, str] = {}
        active: set[str] = set()
        for row in rows:
            code = row["code"].strip()
            names[code] = row["name"].strip()
            levels[code] = row["level"].strip()
            if parent := (row.get("parent_code") or "").strip():
                parents[code] = parent
            if (row.get("status") or "active").strip() == "active":
                active.add(code)
            elif successor := (row.get("successor_code") or "").strip():
                successors[code] = successor

        ancestors: dict[str, frozenset[str]] = {}
        for code in names:
            chain: list[str] = []
            node = parents.get(code)
            while node is not None and node in names and node != code and node not in chain:
                chain.append(node)
                node = parents.get(node)
            ancestors[code] = frozenset(chain)

        # Successors must be current codes; anything else cannot be resolved to and is left out.
        successors = {code: succ for code, succ in successors.items() if succ in active}
        pseudo = frozenset(code for code, name in names.items() if name in _PSEUDO_NAMES)
        alias_codes: dict[str, list[str]] = {}
        for code, name in names.items():
            if code in pseudo:
                continue
            for alias in _aliases(name, levels[code]):
                alias_codes.setdefault(alias, []).append(code)
        return cls(
            names=names,
            levels=levels,
            ancestors=ancestors,
            successors=successors,
            active=frozenset(active),
            pseudo=pseudo,
            aliases={alias: tuple(dict.fromkeys(codes)) for alias, codes in alias_codes.items()},
        )

    @classmethod
    def default(cls) -> DivisionIndex:
        """The index of the shipped ``org/data/divisions.csv``, built on first use and cached."""
        return _default_index()

    # -- lookups ------------------------------------------------------------------------------------------------

    def name(self, code: str) -> str:
        """The official name of ``code`` (KeyError if unknown)."""
        return self._names[code]

    def __contains__(self, code: object) -> bool:
        return code in self._names

    def __len__(self) -> int:
        return len(self._names)

    # -- resolving ----------------------------------------------------------------------------------------------

    def resolve(self, address: str, *, within: str | None = None) -> AddressMatch:
        """Resolve ``address`` to the most specific division it names.

        ``within`` (a division code, e.g. the distributor's province) narrows the search: divisions that are
        neither inside it nor above it are ignored. Raises ``ValueError`` for an unknown ``within`` code; never
        raises because of the address text.
        """
        scope = self._scope(within)
        text = normalise_address(address) if isinstance(address, str) else ""
        if not text:
            return _NO_MATCH
        hypotheses: dict[str | None, int] = {None: 0}  # deepest division so far → levels named on the way
        pos, end = 0, len(text)
        while pos < end:
            step = self._step(text, pos, hypotheses, scope)
            if step is None:
                pos += 1
                continue
            hypotheses, pos = step
            if text[pos - 1] == "市" and pos < end and self._step(text, pos, hypotheses, scope) is None:
                # 济南市中区 is 济南 + 市中区: let the next name reuse the 市 if nothing else follows.
                overlap = self._step(text, pos - 1, hypotheses, scope)
                if overlap is not None:
                    hypotheses, pos = overlap
            if self._settled(hypotheses):
                break  # nothing below it: the rest is street and house number
        return self._conclude(hypotheses, scope)

    def _settled(self, hypotheses: dict[str | None, int]) -> bool:
        """Whether reading on cannot change the result: no hypothesis has children, and there is a single one
        or a single current one (which :meth:`_conclude` will prefer anyway)."""
        if any(code is None or code in self._inner for code in hypotheses):
            return False
        return len(hypotheses) == 1 or sum(code in self._active for code in hypotheses) == 1

    def _scope(self, within: str | None) -> str | None:
        if not within:
            return None
        code = within.strip()
        if code not in self._names:
            raise ValueError(f"unknown division code {within!r}")
        return self._successors.get(code, code)

    def _in_scope(self, code: str, scope: str | None) -> bool:
        return scope is None or code == scope or scope in self._ancestors[code] or code in self._ancestors[scope]

    def _step(
        self, text: str, pos: int, hypotheses: dict[str | None, int], scope: str | None
    ) -> tuple[dict[str | None, int], int] | None:
        """Try the names starting at ``pos``, longest first; return the new hypotheses and position, or None."""
        lengths = self._lengths.get(text[pos])
        if lengths is None:
            return None
        for length in lengths:
            stop = pos + length
            codes = self._aliases.get(text[pos:stop]) if stop <= len(text) else None
            if codes is None or self._is_street(text, stop):
                continue
            narrowed = self._narrow(hypotheses, codes, scope)
            if narrowed:
                return narrowed, stop
        return None

    def _is_street(self, text: str, stop: int) -> bool:
        """Whether the name ending at ``stop`` is followed by a street/institution word (and not by a division)."""
        if stop >= len(text) or not text.startswith(_STREET_SUFFIXES, stop):
            return False
        for length in self._lengths.get(text[stop], ()):
            if text[stop : stop + length] in self._aliases:
                return False
        return True

    def _narrow(
        self, hypotheses: dict[str | None, int], codes: tuple[str, ...], scope: str | None
    ) -> dict[str | None, int]:
        """Apply one matched name: descend below the current hypotheses, else use it to choose among them."""
        deeper: dict[str | None, int] = {}
        for code in codes:
            if not self._in_scope(code, scope):
                continue
            ancestors = self._ancestors[code]
            for hypothesis, named in hypotheses.items():
                if hypothesis is None or hypothesis in ancestors:
                    deeper[code] = deeper.get(code, 0) | named | self._bits[code]
        if deeper:
            return deeper
        chosen: dict[str | None, int] = {}
        for hypothesis, named in hypotheses.items():
            if hypothesis is None:
                continue
            for code in codes:
                if code in self._ancestors[hypothesis]:
                    chosen[hypothesis] = chosen.get(hypothesis, named) | self._bits[code]
        return chosen

    def _conclude(self, hypotheses: dict[str | None, int], scope: str | None) -> AddressMatch:
        # final (current) code → (code named by the address, levels named)
        # Current divisions first; abolished ones only when no current reading survived, and then those with a
        # known successor before those without (which fall back to their nearest current ancestor, 唐山地区 → 河北).
        readings = [code for code in hypotheses if code is not None]
        codes = (
            [code for code in readings if code in self._active]
            or [code for code in readings if code in self._successors]
            or readings
        )
        finals: dict[str, tuple[str, int]] = {}
        for code in codes:
            if code in self._active or code in self._successors:
                named_code, final = code, self._successors.get(code, code)
            else:
                ancestor = self._current_ancestor(code)
                if ancestor is None:
                    continue
                named_code = final = ancestor
            if final not in finals or self._rank(named_code, final) > self._rank(finals[final][0], final):
                finals[final] = (named_code, hypotheses[code])
        if not finals:
            return _NO_MATCH
        if len(finals) == 1:
            return self._match(*next(iter(finals.items())), scope)
        for final in finals:  # one hypothesis above all the others: 恩施 → 恩施州, not 恩施市
            if all(final == other or final in self._ancestors[other] for other in finals):
                return self._match(final, finals[final], scope)
        provinces = [final for final in finals if self._levels[final] == PROVINCE]
        if len(provinces) == 1:  # 海南 → 海南省
            return self._match(provinces[0], finals[provinces[0]], scope)
        common = frozenset.intersection(*(self._ancestors[final] | {final} for final in finals))
        real = [code for code in common if code not in self._pseudo]
        ancestor = max(real, key=lambda code: _LEVEL_DEPTH.get(self._levels[code], -1), default=None)
        return AddressMatch(
            code=ancestor,
            level=self._levels[ancestor] if ancestor else None,
            method="ambiguous",
            confidence=0.0,
            candidates=tuple(sorted(finals)),
        )

    def _rank(self, named_code: str, final: str) -> tuple[bool, int]:
        """Which of two readings that end at the same current code to report: the code itself, else the one on
        the most current path (重庆市江北区 is 500105, not the older 四川省重庆市江北区 510211)."""
        return named_code == final, sum(a in self._active for a in self._ancestors[named_code])

    def _current_ancestor(self, code: str) -> str | None:
        current = [a for a in self._ancestors[code] if a in self._active and a not in self._pseudo]
        return max(current, key=lambda a: _LEVEL_DEPTH.get(self._levels[a], -1), default=None)

    def _match(self, final: str, named_by: tuple[str, int], scope: str | None) -> AddressMatch:
        original, named = named_by
        if scope is not None and (
            scope == final or scope in self._ancestors[final] or scope in self._ancestors[original]
        ):
            named |= self._path_bits[scope]  # levels known from ``within`` count as named
        level = self._levels[original]
        if level == COUNTY:
            path = self._path_bits[original]
            if named & path == path:
                method, confidence = "exact", 0.98
            elif named & _LEVEL_BIT[CITY]:
                method, confidence = "inferred", 0.95
            elif named & _LEVEL_BIT[PROVINCE]:
                method, confidence = "inferred", 0.9
            else:
                method, confidence = "inferred", 0.85
        elif level == CITY:
            method, confidence = "partial", 0.7
        else:
            method, confidence = "partial", 0.5
        successor_of = original if original != final else None
        if successor_of is not None:
            confidence -= 0.05
        return AddressMatch(
            code=final,
            level=self._levels[final],
            method=method,
            confidence=round(confidence, 2),
            successor_of=successor_of,
        )


@functools.cache
def _default_index() -> DivisionIndex:
    return DivisionIndex.from_rows(read_division_rows())


# -- where a division is ---------------------------------------------------------------------------------------

CENTRES_FILE = Path(__file__).resolve().parent / "data" / "division_centres.csv"


@functools.cache
def _centres() -> dict[str, tuple[float, float]]:
    with CENTRES_FILE.open(encoding="utf-8", newline="") as fh:
        return {row["code"]: (float(row["lat"]), float(row["lng"])) for row in csv.DictReader(fh)}


@functools.cache
def division_centre(code: str | None) -> tuple[float, float] | None:
    """Where a division's seat is, as WGS-84 (latitude, longitude), from ``org/data/division_centres.csv``.

    An abolished code answers for its successor; a division with no centre of its own (the grouping rows, a
    few new districts) takes its nearest ancestor's. ``None`` only for a code the division table lacks.
    """
    index, centres = _default_index(), _centres()
    code = index._successors.get(code, code) if code else None
    if code is None or code not in index:
        return None
    nearest_first = sorted(index._ancestors[code], key=lambda a: -_LEVEL_DEPTH.get(index._levels[a], 0))
    return next((centres[c] for c in (code, *nearest_first) if c in centres), None)

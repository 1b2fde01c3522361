"""Buyer names in flow files → master terminals (customers).

Order: a remembered alias for the distributor (or for everyone), the exact name key, then normalised
keys (width, brackets, legal and department suffixes, affiliation prefixes, leading province/city
names), then fuzzy matching among the terminals of the buyer's division. A match is accepted
automatically only when it is unique, of the same kind of terminal and in a compatible division;
everything else goes to the review queue with suggestions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from liuke.core.text import name_key

from .choices import MatchMethod

AUTO_SCORE = 90.0  # fuzzy score (0-100) needed for an automatic match
AUTO_MARGIN = 6.0  # ... and this far ahead of the next candidate
SUGGEST_SCORE = 55.0

_PUNCT = re.compile(r"[\s\-_·•.,，。、:：;；'\"“”‘’!！?？/\\|<>《》#＃*]+")
_BRACKETS = re.compile(r"\([^()]*\)")
_LEGAL = re.compile(r"(连锁)?(股份有限公司|有限责任公司|有限公司|股份公司|集团公司|总公司|公司)$|连锁$")
_DEPARTMENT = re.compile(
    r"(药剂科|药学部|药剂部|西药房|中药房|门诊药房|住院药房|药房|药库|采购部|采购科|设备科|器械科|门诊部|住院部|急诊科|"
    r"收货处|仓库|库房|财务科)+$"
)
_HOSPITAL_END = re.compile(r"(医院|卫生院|中心|诊所|保健院|医务室|卫生室)$")
_AFFILIATION = re.compile(r"^.{2,16}?(大学|医学院|学院)(第[一二三四五六七八九十]+)?附属")

KIND_PATTERNS = (
    ("clinic", re.compile(r"卫生院|卫生服务中心|卫生服务站|卫生室|诊所|门诊部|医务室")),
    ("hospital", re.compile(r"医院|保健院")),
    ("pharmacy", re.compile(r"药房|药店|药堂|大药房|医药连锁|药业连锁")),
    ("distributor", re.compile(r"(医药|药业|商贸|贸易|医疗器械).*(公司|有限)|批发")),
)


def _unify(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return (
        text.replace("【", "(")
        .replace("】", ")")
        .replace("[", "(")
        .replace("]", ")")
        .replace("〔", "(")
        .replace("〕", ")")
    )


def infer_kind(text: str) -> str | None:
    """The kind of terminal a name says it is (None when it does not say)."""
    base = _without_department(_BRACKETS.sub("", _PUNCT.sub("", _unify(text))))
    for kind, pattern in KIND_PATTERNS:
        if pattern.search(base):
            return kind
    return None


def _without_department(text: str) -> str:
    stripped = _DEPARTMENT.sub("", text)
    return stripped if stripped != text and _HOSPITAL_END.search(stripped) else text


@lru_cache(maxsize=200_000)
def keys(text: str) -> tuple[str, str, str]:
    """(name key, normalised key keeping bracket text, normalised key without brackets)."""
    exact = name_key(text)
    base = _PUNCT.sub("", _unify(text))
    base = _without_department(_LEGAL.sub("", base))
    with_brackets = _LEGAL.sub("", base.replace("(", "").replace(")", ""))
    without = _BRACKETS.sub("", base).replace("(", "").replace(")", "")
    without = _without_department(_LEGAL.sub("", without))
    affiliated = _AFFILIATION.sub("", without)
    if len(affiliated) >= 4:
        without = affiliated
    return exact, _without_department(with_brackets), without


_MUNICIPALITIES = {"11", "12", "31", "50"}


def division_prefix(code: str | None) -> str:
    """The code digits shared by everything under a division: 310000 → 31, 310100 → 3101, 310115 → 310115."""
    if not code:
        return ""
    if code[:2] in _MUNICIPALITIES and code.endswith("0000"):
        return code[:2] + "01"  # a municipality is its own city
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def compatible(buyer: str | None, terminal: str | None) -> bool:
    """Whether one division lies within the other (an unknown division is compatible with nothing)."""
    if not buyer or not terminal:
        return False
    a, b = division_prefix(buyer), division_prefix(terminal)
    return a.startswith(b) or b.startswith(a)


@dataclass(frozen=True)
class Match:
    terminal_id: int | None
    method: str
    confidence: float | None
    division: str | None
    suggestions: tuple[tuple[int, float], ...] = ()


@dataclass
class _Terminal:
    pk: int
    kind: str
    division: str | None
    stem: str


@dataclass
class TerminalMatcher:
    """Matches the buyers of one distributor's file; build once per import (it loads the master terminals)."""

    distributor_id: int
    terminals: dict[int, _Terminal] = field(default_factory=dict)
    by_exact: dict[str, list[int]] = field(default_factory=dict)
    by_with: dict[str, list[int]] = field(default_factory=dict)
    by_without: dict[str, list[int]] = field(default_factory=dict)
    by_area: dict[str, list[int]] = field(default_factory=dict)  # city prefix (4 digits) → terminals
    aliases: dict[str, int] = field(default_factory=dict)
    _cache: dict[tuple[str, str], Match] = field(default_factory=dict)

    @classmethod
    def load(cls, *, distributor_id: int) -> TerminalMatcher:
        from liuke.customers.models import Customer

        from .models import TerminalAlias

        matcher = cls(distributor_id=distributor_id)
        rows = (
            Customer.objects.filter(archived_at__isnull=True, merged_into__isnull=True)
            .exclude(pk=distributor_id)
            .values_list("pk", "name", "short_name", "kind", "division_id")
            .iterator(chunk_size=5000)
        )
        for pk, name, short_name, kind, division in rows:
            matcher.add(pk=pk, names=[n for n in (name, short_name) if n], kind=kind, division=division)
        # Distributor-specific aliases override the shared ones.
        for key, terminal in TerminalAlias.objects.filter(
            archived_at__isnull=True, distributor_id=distributor_id
        ).values_list("name_key", "terminal_id"):
            matcher.aliases[key] = terminal
        for _dist, key, terminal in TerminalAlias.objects.filter(
            archived_at__isnull=True, distributor__isnull=True
        ).values_list("distributor_id", "name_key", "terminal_id"):
            matcher.aliases.setdefault(key, terminal)
        return matcher

    def add(self, *, pk: int, names: list[str], kind: str, division: str | None) -> None:
        stem = ""
        for i, name in enumerate(names):
            exact, with_b, without = keys(name)
            self.by_exact.setdefault(exact, []).append(pk)
            self.by_with.setdefault(with_b, []).append(pk)
            self.by_without.setdefault(without, []).append(pk)
            if i == 0:
                stem = strip_places(without)
        self.terminals[pk] = _Terminal(pk, kind, division, stem)
        if division:
            self.by_area.setdefault(division_prefix(division)[:4], []).append(pk)

    # --- matching ----------------------------------------------------------------------------------------

    def match(self, name: str, address: str = "") -> Match:
        cache_key = (name, address)
        hit = self._cache.get(cache_key)
        if hit is None:
            hit = self._cache[cache_key] = self._match(name, address)
        return hit

    def _match(self, name: str, address: str) -> Match:
        exact, with_b, without = keys(name)
        division = buyer_division(name, address)
        alias = self.aliases.get(exact)
        if alias is not None:
            return Match(alias, MatchMethod.ALIAS, 1.0, division)
        kind = infer_kind(name)
        for method, table, key, confidence in (
            (MatchMethod.EXACT, self.by_exact, exact, 1.0),
            (MatchMethod.NORMALISED, self.by_with, with_b, 0.97),
            (MatchMethod.NORMALISED, self.by_without, without, 0.95),
        ):
            if table is self.by_without and not division:
                break  # a name shortened by its brackets or affiliation says too little without a place
            found = self._safe(table.get(key, ()), division, kind, exact=method == MatchMethod.EXACT)
            if found is not None:
                return Match(found, method, confidence, division)
        return self._fuzzy(without, division, kind)

    def _safe(self, candidates, division: str | None, kind: str | None, *, exact: bool = False) -> int | None:
        """The one candidate that fits (same kind, compatible division); None when none or several fit.

        The full name itself may also match a terminal whose division is not recorded; a normalised one may not.
        """
        unique = list(dict.fromkeys(candidates))
        if not unique:
            return None
        # The full name itself says what the terminal is; a shortened one must agree with the terminal's kind.
        fitting = unique if exact else [pk for pk in unique if self._kind_ok(pk, kind)]
        if division:
            fitting = [
                pk
                for pk in fitting
                if compatible(division, self.terminals[pk].division) or (exact and not self.terminals[pk].division)
            ]
        elif len(unique) > 1:
            return None  # without a division, a name shared by several terminals is never guessed
        return fitting[0] if len(fitting) == 1 else None

    def _kind_ok(self, pk: int, kind: str | None) -> bool:
        their = self.terminals[pk].kind
        return kind is None or their == kind or (their == "other")

    def _fuzzy(self, without: str, division: str | None, kind: str | None) -> Match:
        if not division or not without:
            return Match(None, MatchMethod.NONE, None, division)
        prefix = division_prefix(division)
        area = self.by_area.get(prefix[:4], []) if len(prefix) >= 4 else []
        if len(prefix) < 4:  # only the province is known: look, but never accept automatically
            area = [pk for p, pks in self.by_area.items() if p.startswith(prefix) for pk in pks]
        if not area:
            return Match(None, MatchMethod.NONE, None, division)
        stem = strip_places(without)
        choices = {pk: self.terminals[pk].stem for pk in area}
        ranked = process.extract(stem, choices, scorer=fuzz.ratio, limit=3, score_cutoff=SUGGEST_SCORE)
        suggestions = tuple((pk, round(score / 100, 3)) for _, score, pk in ranked)
        if not ranked:
            return Match(None, MatchMethod.NONE, None, division)
        _, best, best_pk = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        terminal = self.terminals[best_pk]
        if (
            len(prefix) >= 4
            and best >= AUTO_SCORE
            and best - second >= AUTO_MARGIN
            and self._kind_ok(best_pk, kind)
            and compatible(division, terminal.division)
            and len(stem) >= 3
        ):
            return Match(best_pk, MatchMethod.FUZZY, round(best / 100, 3), division, suggestions)
        return Match(None, MatchMethod.NONE, None, division, suggestions)


# --- divisions named in a buyer's address or name ----------------------------------------------------------


@lru_cache(maxsize=1)
def _place_prefix() -> re.Pattern[str]:
    """Province and city names (official and short), longest first, to strip from the front of a name."""
    from liuke.org.models import Division

    names: set[str] = set()
    for name in Division.objects.filter(level__in=("province", "city")).values_list("name", flat=True):
        name = unicodedata.normalize("NFKC", name).lower()
        names.add(name)
        short = re.sub(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区|地区|自治州|盟)$", "", name)
        if len(short) >= 2:
            names.add(short)
    names.discard("")
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(f"^(?:{alternatives})" if alternatives else r"^(?!x)x")


def strip_places(text: str) -> str:
    """A normalised name without the province and city names in front (上海市浦东新区人民医院 → 浦东新区人民医院)."""
    pattern = _place_prefix()
    for _ in range(2):
        stripped = pattern.sub("", text, count=1)
        if stripped == text or len(stripped) < 2:
            break
        text = stripped
    return text


@lru_cache(maxsize=100_000)
def buyer_division(name: str, address: str) -> str | None:
    """The division a buyer's address names, or failing that its name (None when neither says)."""
    from liuke.org.address import DivisionIndex

    index = DivisionIndex.default()
    for text in (address, name):
        if not text:
            continue
        found = index.resolve(text)
        if found.code:
            return found.code
    return None


def clear_caches() -> None:
    """Forget cached division names (tests that load divisions of their own)."""
    _place_prefix.cache_clear()
    buyer_division.cache_clear()

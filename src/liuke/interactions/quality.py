"""The card quality score (0-100): is this a record a successor can work from?

Four parts, each item shown to the rep and the manager with whether it is met:
sections filled, specific content rather than boilerplate, linked to problems and follow-ups, and
logged on time. Pure functions of the card (and the author's previous summary), so the score can be
recomputed and explained.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz

from liuke.core.text import name_key

# Phrases that say nothing a successor could use (compared after normalisation).
BOILERPLATE = {
    name_key(p)
    for p in (
        "正常拜访",
        "例行拜访",
        "日常拜访",
        "拜访客户",
        "沟通顺利",
        "沟通良好",
        "一切正常",
        "维护客情",
        "客情维护",
        "无",
        "暂无",
        "同上",
        "见面聊了聊",
        "routine visit",
        "visited customer",
        "all good",
        "nothing special",
        "n/a",
    )
}
MIN_SPECIFIC_CHARS = 30  # a summary shorter than this cannot say who, what and what next
ON_TIME = dt.timedelta(hours=24)
_DETAIL = re.compile(r"\d")


@dataclass(frozen=True)
class QualityItem:
    key: str
    label: Any
    weight: int
    ok: bool

    def as_dict(self) -> dict:
        return {**asdict(self), "label": str(self.label)}


LABELS = {
    "purpose": _("Purpose stated"),
    "summary": _("What happened described"),
    "contacts": _("Contacts met named"),
    "outcome": _("Problems or solutions recorded"),
    "next_steps": _("Next steps with owner and date"),
    "specific_length": _("Summary long enough to be specific"),
    "not_boilerplate": _("Not boilerplate or a copy of the previous card"),
    "detail": _("Concrete details (figures, names, dates)"),
    "linked": _("Linked to earlier problems or follow-ups"),
    "on_time": _("Submitted within a day of the contact"),
}
WEIGHTS = {
    "purpose": 10,
    "summary": 10,
    "contacts": 10,
    "outcome": 10,
    "next_steps": 10,
    "specific_length": 10,
    "not_boilerplate": 15,
    "detail": 5,
    "linked": 10,
    "on_time": 10,
}


def _specific_text(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def is_boilerplate(summary: str, previous_summary: str = "") -> bool:
    key = name_key(summary)
    if not key or key in BOILERPLATE:
        return True
    if any(len(key) <= len(b) + 4 and b in key for b in BOILERPLATE if b):
        return True  # a stock phrase with a word or two around it
    return bool(previous_summary) and fuzz.ratio(key, name_key(previous_summary)) >= 90


def assess(card, *, previous_summary: str = "", submitted_at: dt.datetime | None = None) -> list[QualityItem]:
    """Each quality item of ``card`` (a RecordCard, saved or not) with whether it is met."""
    summary = card.summary or ""
    submitted_at = submitted_at or card.submitted_at
    has_detail = bool(_DETAIL.search(summary)) or bool(card.contact_ids)
    met = {
        "purpose": bool(_specific_text(card.purpose)),
        "summary": bool(_specific_text(summary)),
        "contacts": bool(card.contact_ids) or card.kind in ("delivery",),
        "outcome": bool(card.problems_raised)
        or bool(_specific_text(card.solutions))
        or bool(card.resolved_problem_ids),
        "next_steps": bool(card.next_steps) and all(s.get("due") for s in card.next_steps),
        "specific_length": len(_specific_text(summary)) >= MIN_SPECIFIC_CHARS,
        "not_boilerplate": not is_boilerplate(summary, previous_summary),
        "detail": has_detail and bool(_specific_text(summary)),
        "linked": bool(
            card.resolved_problem_ids or card.done_follow_up_ids or (card.problems_raised and card.next_steps)
        ),
        "on_time": submitted_at is not None
        and card.occurred_at is not None
        and submitted_at - card.occurred_at <= ON_TIME,
    }
    return [QualityItem(key, LABELS[key], WEIGHTS[key], met[key]) for key in WEIGHTS]


def score(items: list[QualityItem]) -> int:
    total = sum(i.weight for i in items)
    return round(100 * sum(i.weight for i in items if i.ok) / total) if total else 0

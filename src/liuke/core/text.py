"""Chinese-aware text keys for search and duplicate detection.

- ``normalise``: NFKC (full-width → half-width), lower case, no spaces; brackets unified.
- ``name_key``: what two spellings of one organisation share (punctuation and spaces removed).
- ``search_keys``: the normalised text plus its pinyin, in full and by initials, so that
  ``bjtrhyy`` and ``beijingtongren`` both find 北京同仁医院.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[\s\-_·•.,，。、:：;；'\"“”‘’!！?？/\\|()（）\[\]【】{}<>《》]+")


def normalise(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    text = text.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")
    return _SPACE.sub("", text)


def name_key(text: str | None) -> str:
    """Organisation names that differ only in spacing, width or punctuation share a key."""
    return _PUNCT.sub("", normalise(text))


@lru_cache(maxsize=65536)
def pinyin_full(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.NORMAL, errors="ignore")).lower()


@lru_cache(maxsize=65536)
def pinyin_initials(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()


def search_keys(*texts: str | None) -> str:
    """One searchable string: each text normalised, plus pinyin of those holding Chinese."""
    parts: list[str] = []
    for text in texts:
        norm = name_key(text)
        if not norm:
            continue
        parts.append(norm)
        if any("\u4e00" <= ch <= "\u9fff" for ch in norm):
            parts.append(pinyin_full(norm))
            parts.append(pinyin_initials(norm))
    return "|".join(parts)


def search_term(query: str | None) -> str:
    """A user's query in the form stored by ``search_keys``."""
    return name_key(query)

"""A crawler over liuke's web pages, used by ``tests/test_crawler.py``.

It logs in as one role in one language, walks every same-site link (``<a href>`` and ``hx-get``) from
the home page breadth-first, submits each GET (filter) form with sample values, and collects every
problem it meets instead of stopping at the first: a server error, English UI text on a Chinese page,
a raw field key or stored choice value shown as text, a link that leads nowhere, and a page the role
should not reach. ``format_problems`` turns the list into one readable, de-duplicated report.
"""

from __future__ import annotations

import re
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import polib
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.urls import Resolver404, resolve
from django.utils import translation

import liuke

# --- what a crawl may do -----------------------------------------------------------------------------

SAMPLE_TEXTS = ("医院", "bjtrhyy", "医院 黄浦", "²", "'; --")  # Chinese, pinyin initials, two words, odd input
SAMPLE_DATES = ("2025-01-15", "2025-02-30")  # a date, and one a hand-edited URL might carry
SKIPPED_VIEWS = {"logout", "set_language"}  # leaving the session or its language is not a page
SKIPPED_NAMESPACES = {"admin"}  # Django's admin is probed, not crawled
SKIPPED_PREFIXES = ("/static/", "/media/")


@dataclass(frozen=True)
class Limits:
    pages: int = 120  # links followed per crawl
    per_pattern: int = 3  # links followed per URL name (and set of query keys)
    downloads: int = 1  # exports and other non-HTML answers per URL name: fetched once
    forms: int = 40  # submissions per GET form (URL name and field names)
    options: int = 6  # options tried per <select>
    texts: tuple[str, ...] = SAMPLE_TEXTS  # tried in a form's first text box
    more_texts: tuple[str, ...] = ("医院", "²", "'; --")  # tried in each of its other text boxes


@dataclass(frozen=True, order=True)
class Problem:
    pattern: str  # the resolved URL name (or the path, when nothing resolves)
    what: str
    role: str
    language: str
    url: str

    def __str__(self) -> str:
        return f"{self.pattern} [{self.role}/{self.language}] {self.url}: {self.what}"


@dataclass
class Visit:
    url: str
    pattern: str
    kwargs: dict[str, Any]
    query: dict[str, str]
    status: int
    seconds: float = 0.0
    how: str = "link"  # link, hx-get, redirect, form or probe


@dataclass
class Rules:
    """What one role must not reach.

    ``forbidden``: URL names the role must never get a 200 for. ``out_of_reach(pattern, kwargs, query)``:
    for pages about one record, a reason why this record is not the role's to see (None when it is).
    """

    forbidden: frozenset[str] = frozenset()
    out_of_reach: Callable[[str, dict[str, Any], dict[str, str]], str | None] = lambda pattern, kwargs, query: None


# --- reading a page ----------------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str, list[str], str]] = field(default_factory=list)  # (name, kind, options, value)


class PageParser(HTMLParser):
    """Links, GET forms and the visible text of an HTML page (text nodes, and the attributes people read)."""

    VISIBLE_ATTRS = ("placeholder", "title", "aria-label", "alt")
    HIDDEN_CONTENT = {"script", "style", "template"}
    LITERAL = {"code", "kbd", "samp"}  # identifiers shown on purpose (an archive field's key)

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.hx_links: list[str] = []
        self.forms: list[Form] = []
        self.texts: list[tuple[str, str, bool]] = []  # (text, the text before it, inside <code>)
        self.lang = ""
        self._hidden = 0
        self._code = 0
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, values, selected
        self._option: list[str] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in self.HIDDEN_CONTENT:
            self._hidden += 1
        if tag in self.LITERAL:
            self._code += 1
        if tag == "html":
            self.lang = a.get("lang", "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("hx-get"):
            self.hx_links.append(a["hx-get"])
        for name in self.VISIBLE_ATTRS:
            if a.get(name):
                self._text(a[name])
        if tag == "form":
            method = a.get("method", "get").lower()
            self._form = Form(action=a.get("action", "")) if method == "get" else None
            if self._form is not None:
                self.forms.append(self._form)
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset") and a.get("value"):
                self._text(a["value"])
            if self._form is not None and a.get("name") and kind not in ("submit", "button", "reset", "image", "file"):
                if kind in ("checkbox", "radio") and "checked" not in a:
                    value = ""
                else:
                    value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
                if kind in ("checkbox", "radio"):
                    self._form.fields.append((a["name"], kind, [a.get("value", "on")], value))
                else:
                    self._form.fields.append((a["name"], kind, [], value))
        elif tag == "select":
            self._select = (a.get("name", ""), [], [])
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value")] if "value" in a else []
            self._option_selected = "selected" in a
            self._option_text: list[str] = []
        elif tag == "textarea" and self._form is not None and a.get("name"):
            self._textarea = a["name"]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN_CONTENT and self._hidden:
            self._hidden -= 1
        if tag in self.LITERAL and self._code:
            self._code -= 1
        if tag == "form":
            self._form = None
        elif tag == "option" and self._select is not None and self._option is not None:
            self._close_option()
        elif tag == "select" and self._select is not None:
            if self._option is not None:
                self._close_option()
            name, values, selected = self._select
            if self._form is not None and name:
                self._form.fields.append((name, "select", values, (selected or values or [""])[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea, "textarea", [], ""))
            self._textarea = None

    def _close_option(self) -> None:
        assert self._select is not None
        assert self._option is not None
        text = " ".join("".join(self._option_text).split())
        value = self._option[0] if self._option else text
        self._select[1].append(value)
        if self._option_selected:
            self._select[2].append(value)
        self._option = None

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._option is not None:
            self._option_text.append(data)
        self._text(data)

    def _text(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            before = self.texts[-1][0] if self.texts else ""
            self.texts.append((text, before[:40], bool(self._code)))


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def form_submissions(form: Form, limits: Limits) -> list[dict[str, str]]:
    """The form as it stands, then each field varied in turn: every <select> option (bounded), sample
    text in each text box, a date in each date box, each checkbox flipped."""
    base: dict[str, str] = {}
    for name, kind, _options, value in form.fields:
        if kind in ("checkbox", "radio") and not value:
            continue
        base.setdefault(name, value)
    out = [dict(base)]
    first_text = True
    for name, kind, options, _value in form.fields:
        if kind == "hidden":
            continue
        if kind == "select":
            samples = _spread(options, limits.options)
        elif kind == "date":
            samples = list(SAMPLE_DATES)
        elif kind == "checkbox":
            samples = [] if name in base else options
        elif kind == "radio":
            samples = options
        else:  # text, search, number, textarea and the rest
            samples = list(limits.texts if first_text else limits.more_texts)
            first_text = False
        for sample in samples:
            out.append({**base, name: sample})
    seen: set[str] = set()
    unique = []
    for params in out:
        key = urlencode(sorted(params.items()))
        if key not in seen:
            seen.add(key)
            unique.append(params)
    return unique


def _spread(options: list[str], n: int) -> list[str]:
    if len(options) <= n:
        return list(options)
    step = (len(options) - 1) / (n - 1)
    return [options[round(i * step)] for i in range(n)]


# --- what must not show on a page --------------------------------------------------------------------

LOCALE = Path(liuke.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
_PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sdr]|\{[a-z_]*\}")
ENGLISH_PHRASE = re.compile(r"[A-Z]?[a-z]+(?:[ -][a-z]+){2,}[.:!?]?")  # three words or more: a UI sentence
PYTHON_REPR = re.compile(r"object at 0x[0-9a-f]+|<QuerySet|\bNone\b|^(?:True|False)$|\{'|\['|\{\"[a-z_]+\":")
ENGLISH_DATE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}"  # Django's English date format
    r"|\b[ap]\.m\.|\bmidnight\b|\bnoon\b"
)
LEAKED_TEMPLATE = re.compile(r"\{\{|\{%|%\([a-z_]+\)[sd]")
LATIN = re.compile(r"[A-Za-z{%]")


@dataclass
class Vocabulary:
    """The strings that betray a defect when shown: English UI text (on a Chinese page) and raw keys."""

    english: dict[str, str]  # English msgid -> its Chinese translation
    chinese: dict[str, str]  # liuke's Chinese translations -> their English msgid
    english_patterns: list[tuple[re.Pattern[str], str]]  # msgids with placeholders
    english_any: re.Pattern[str]  # any of those, in one expression
    raw: dict[str, str]  # raw key or stored value -> where it comes from
    msgids: set[str]
    allowed: set[str]  # shown on purpose whatever the language: each language's name in itself
    logins: set[str]  # login names: data, though the demo's are named for their roles ("manager")
    login_labels: set[str]  # the label a login name is shown after


def _catalogues() -> list[Path]:
    """liuke's Chinese catalogue, then Django's and every installed app's."""
    found = [LOCALE.with_suffix(".mo")]
    import django

    found.append(Path(django.__file__).parent / "conf" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo")
    for config in apps.get_app_configs():
        if config.name.startswith("liuke"):
            continue
        mo = Path(config.path) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
        if mo.exists():
            found.append(mo)
    return [p for p in found if p.exists()]


@cache
def _catalogue_strings() -> tuple[dict[str, str], dict[str, str], list[tuple[re.Pattern[str], str]], frozenset[str]]:
    english: dict[str, str] = {}
    chinese: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    msgids: set[str] = set()
    for index, path in enumerate(_catalogues()):
        for entry in polib.mofile(str(path)):
            pairs = [(entry.msgid, entry.msgstr)]
            if entry.msgid_plural:
                plural = entry.msgstr_plural or {}
                pairs = [(entry.msgid, plural.get(0, "")), (entry.msgid_plural, plural.get(0, ""))]
            for msgid, msgstr in pairs:
                msgids.add(msgid)
                if not msgid or not msgstr or msgstr == msgid or not re.search(r"[A-Za-z]{2}", msgid):
                    continue
                if _PLACEHOLDER.search(msgid):
                    if index == 0:  # liuke's own: match the sentence around the placeholders
                        parts = _PLACEHOLDER.split(msgid)
                        if sum(len(p.strip()) for p in parts) >= 4:
                            regex = ".+?".join(re.escape(re.sub(r"\s+", " ", p)) for p in parts)
                            patterns.append((re.compile(regex), msgid))
                    continue
                english.setdefault(" ".join(msgid.split()), msgstr)
                if index == 0 and len(msgstr) >= 2:
                    chinese.setdefault(" ".join(msgstr.split()), msgid)
    return english, chinese, patterns, frozenset(msgids)


def vocabulary() -> Vocabulary:
    """Read the catalogues and the models (and the archive-field definitions in the database)."""
    english, chinese, patterns, msgids = _catalogue_strings()
    english, chinese = dict(english), dict(chinese)
    raw: dict[str, str] = {}
    liuke_models = [m for m in apps.get_models() if m.__module__.startswith("liuke.")]
    for model in liuke_models:
        for f in model._meta.get_fields():
            names = {f.name, getattr(f, "attname", f.name)}
            for name in names:
                if "_" in name or len(name) >= 5:
                    raw.setdefault(name, f"field name of {model._meta.label}")
            choices = getattr(f, "flatchoices", None) or []
            for value, label in choices:
                _add_choice(raw, value, label, f"stored value of {model._meta.label}.{f.name}")
    for choices in _all_choices():
        for value, label in choices.choices:
            _add_choice(raw, value, label, f"stored value of {choices.__module__}.{choices.__name__}")
    from liuke.alerts import registry as alert_rules
    from liuke.customers.models import FieldDefinition

    for name in alert_rules.names():  # an alert rule's machine name: people read its title
        raw.setdefault(name, "an alert rule's machine name")
    for definition in FieldDefinition.objects.all():
        raw.setdefault(definition.key, "archive field key")
        pairs = [(definition.label_en, definition.label_zh), (definition.help_en, definition.help_zh)]
        for choice in definition.choices or []:
            value = str(choice.get("value", ""))
            if value not in (choice.get("label_zh"), choice.get("label_en")):
                raw.setdefault(value, f"stored value of archive field {definition.key}")
            pairs.append((choice.get("label_en", ""), choice.get("label_zh", "")))
        for en, zh in pairs:  # an archive field's own labels, in the other language
            if en and zh and en != zh:
                english.setdefault(" ".join(en.split()), zh)
                chinese.setdefault(" ".join(zh.split()), en)
    for word in list(raw):
        if word in msgids or len(word) < 3 or not re.fullmatch(r"[a-z][a-z0-9_]*", word):
            del raw[word]  # a translatable word (a lower-case verbose name), a code, or not a key at all
    any_pattern = re.compile("|".join(f"(?:{p.pattern})" for p, _ in patterns) or r"(?!)")
    return Vocabulary(
        english=english,
        chinese=chinese,
        english_patterns=patterns,
        english_any=any_pattern,
        raw=raw,
        msgids=set(msgids),
        allowed=_native_language_names(),
        logins=set(get_user_model().objects.values_list("username", flat=True)),
        login_labels={_translated("Login", code) for code in ("zh-hans", "en")},
    )


def _translated(msgid: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(msgid)


def _native_language_names() -> set[str]:
    from django.conf import settings

    names = set()
    for code, name in settings.LANGUAGES:
        with translation.override(code):
            names.add(str(name))
    return names


def _add_choice(raw: dict[str, str], value: Any, label: Any, where: str) -> None:
    if not isinstance(value, str):
        return
    with translation.override("en"):
        english = str(label)
    with translation.override("zh-hans"):
        chinese = str(label)
    if value not in (english, chinese):
        raw.setdefault(value, where)


def _all_choices() -> Iterable[type[models.Choices]]:
    seen: set[type] = set()
    stack: list[type] = [models.TextChoices]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                if sub.__module__.startswith("liuke."):
                    yield sub


def text_problems(texts: list[tuple[str, str, bool]], language: str, words: Vocabulary) -> list[str]:
    """What is wrong with a page's visible text (each text with the text shown before it, for context)."""
    found: list[str] = []
    for text, before, literal in dict.fromkeys(texts):  # each distinct text once
        if text in words.allowed or (text in words.logins and before in words.login_labels):
            continue
        where = f" after {before!r}" if before else ""
        if language != "zh-hans" and text in words.chinese:
            found.append(f"Chinese UI text on an English page {text!r}{where} (should be {words.chinese[text]!r})")
        if not LATIN.search(text):
            continue
        if language == "zh-hans" and ENGLISH_DATE.search(text):
            found.append(f"date or time in English {text!r}{where}")
        if language == "zh-hans":
            if text in words.english:
                found.append(f"untranslated UI text {text!r}{where} (should be {words.english[text]!r})")
            elif words.english_any.fullmatch(text):
                msgid = next(m for p, m in words.english_patterns if p.fullmatch(text))
                found.append(f"untranslated UI text {text!r}{where} (msgid {msgid!r})")
            elif ENGLISH_PHRASE.fullmatch(text):
                found.append(f"English text not in the catalogue {text!r}{where}")
        if text in words.raw and not literal:
            found.append(f"raw key shown as text {text!r}{where} ({words.raw[text]})")
        if PYTHON_REPR.search(text) and (language == "zh-hans" or "None" not in text):
            found.append(f"Python value shown as text {text!r}{where}")
        if LEAKED_TEMPLATE.search(text):
            found.append(f"template or format syntax shown as text {text!r}{where}")
    return found


# --- the crawl ---------------------------------------------------------------------------------------


@dataclass
class Crawl:
    role: str
    language: str
    rules: Rules
    words: Vocabulary
    limits: Limits = field(default_factory=Limits)
    problems: list[Problem] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._seen: set[str] = set()
        self._per_pattern: dict[tuple[str, frozenset[str]], int] = {}
        self._forms_done: set[tuple[str, tuple[str, ...]]] = set()
        self._queue: deque[tuple[str, str, str]] = deque()  # (url, how it was found, from where)
        self._followed = 0
        self._downloads: dict[str, int] = {}  # answers that are not HTML, per URL name

    def summary(self) -> dict[str, Any]:
        """The crawl in numbers, and its problems, as plain data."""
        by_pattern: dict[str, list[float]] = {}
        for v in self.visits:
            by_pattern.setdefault(v.pattern, []).append(v.seconds)
        slowest = sorted(by_pattern.items(), key=lambda kv: -sum(kv[1]))[:8]
        return {
            "role": self.role,
            "language": self.language,
            "requests": len(self.visits),
            "seconds": round(sum(v.seconds for v in self.visits), 2),
            "slowest": {k: [len(v), round(sum(v), 2)] for k, v in slowest},
            "opened": sorted({v.pattern for v in self.visits if v.status == 200}),
            "probes": {v.url: v.status for v in self.visits if v.how == "probe"},
            "problems": [p.__dict__ for p in self.problems],
        }

    def problem(self, pattern: str, url: str, what: str) -> None:
        self.problems.append(Problem(pattern, what, self.role, self.language, url))

    def run(self, client: Any, start: str = "/", probes: Iterable[str] = ()) -> list[Problem]:
        """Crawl from ``start``; then open each probe URL (pages the role should not reach, unlinked)."""
        self._queue.append((start, "link", ""))
        while self._queue:
            url, how, origin = self._queue.popleft()
            self._visit(client, url, how, origin)
        for url in probes:
            if url not in self._seen:
                self._seen.add(url)
                self._visit(client, url, "probe", "")
        return self.problems

    def _enqueue(self, url: str, how: str, origin: str, *, force: bool = False) -> None:
        target = urlsplit(urljoin(origin or "/", url))
        if target.scheme not in ("", "http", "https") or target.netloc not in ("", "testserver"):
            return  # mailto:, tel:, another site
        path = target.path or "/"
        if path.startswith(SKIPPED_PREFIXES):
            return
        full = path + (f"?{target.query}" if target.query else "")
        if full in self._seen:
            return
        try:
            match = resolve(path)
        except Resolver404:
            self._seen.add(full)
            self.problem(path, full, f"{how} on {_name(origin)} leads to no URL pattern")
            return
        if match.view_name in SKIPPED_VIEWS or set(match.namespaces) & SKIPPED_NAMESPACES:
            return
        if not force:
            if self._followed >= self.limits.pages:
                return
            key = (match.view_name, frozenset(k for k, _ in parse_qsl(target.query, keep_blank_values=True)))
            if self._per_pattern.get(key, 0) >= self.limits.per_pattern:
                return
            self._per_pattern[key] = self._per_pattern.get(key, 0) + 1
            self._followed += 1
        self._seen.add(full)
        self._queue.append((full, how, origin))

    def _visit(self, client: Any, url: str, how: str, origin: str) -> None:
        path, _, query = url.partition("?")
        match = resolve(path)
        pattern = match.view_name
        if how != "probe" and self._downloads.get(pattern, 0) >= self.limits.downloads:
            return  # one export in one format is enough to know it works
        params = dict(parse_qsl(query, keep_blank_values=True))
        headers = {"HTTP_HX_REQUEST": "true"} if how == "hx-get" else {}
        started = time.monotonic()
        try:
            with transaction.atomic():  # a failing query must not spoil the test's transaction (PostgreSQL)
                response = client.get(url, **headers)
        except Exception as exc:
            self.problem(pattern, url, f"server error: {_describe(exc)}")
            self.visits.append(Visit(url, pattern, match.kwargs, params, 500, time.monotonic() - started, how))
            return
        status = response.status_code
        self.visits.append(Visit(url, pattern, match.kwargs, params, status, time.monotonic() - started, how))
        if status >= 500:
            self.problem(pattern, url, f"HTTP {status}")
            return
        if status == 200:
            if pattern in self.rules.forbidden:
                self.problem(pattern, url, f"the {self.role} must not open this page, but it answers 200")
            elif (reason := self.rules.out_of_reach(pattern, match.kwargs, params)) is not None:
                self.problem(pattern, url, f"the {self.role} must not see this record ({reason}), but it answers 200")
        if status in (301, 302, 303, 307, 308):
            location = response.headers.get("Location", "")
            if urlsplit(location).path.rstrip("/") == "/login":
                self.problem(pattern, url, "a signed-in user is sent to the login page")
            elif how != "probe":
                self._enqueue(location, "redirect", url, force=False)
            return
        if status >= 400:
            if how in ("link", "hx-get", "redirect"):
                self.problem(pattern, url, f"{how} on {_name(origin)} answers {status}")
            return
        if how == "probe":
            return
        content_type = response.headers.get("Content-Type", "")
        if "text/html" not in content_type or getattr(response, "streaming", False):
            self._downloads[pattern] = self._downloads.get(pattern, 0) + 1
            return
        page = parse(response.content.decode(response.charset or "utf-8", errors="replace"))
        ours = any(t.name == "base.html" for t in getattr(response, "templates", []) or [])
        if ours:
            expected = self.language
            if page.lang != expected:
                self.problem(pattern, url, f"page language is {page.lang!r}, expected {expected!r}")
            for what in text_problems(page.texts, self.language, self.words):
                self.problem(pattern, url, what)
        for link in page.links:
            self._enqueue(link, "link", url)
        for link in page.hx_links:
            self._enqueue(link, "hx-get", url)
        for form in page.forms:
            self._submit(form, url)

    def _submit(self, form: Form, origin: str) -> None:
        action = urlsplit(urljoin(origin, form.action or origin))
        if action.netloc not in ("", "testserver"):
            return
        try:
            target = resolve(action.path).view_name
        except Resolver404:
            self.problem(action.path, origin, f"a form on {_name(origin)} submits to no URL pattern")
            return
        key = (target, tuple(sorted({name for name, *_ in form.fields})))
        if key in self._forms_done:
            return
        self._forms_done.add(key)
        for params in form_submissions(form, self.limits)[: self.limits.forms]:
            query = urlencode(params)
            url = action.path + (f"?{query}" if query else "")
            if url not in self._seen:
                self._seen.add(url)
                self._queue.append((url, "form", origin))


def _name(url: str) -> str:
    """The URL name of a page (problems name where a link was found by pattern, not by id)."""
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return url


def _describe(exc: BaseException) -> str:
    """The exception and the innermost line of liuke that raised it."""
    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if "/liuke/" in frame.filename and "/tests/" not in frame.filename:
            where = f" at {frame.filename.split('/liuke/', 1)[1]}:{frame.lineno}"
            break
    return f"{type(exc).__name__}: {exc}{where}"


def format_problems(problems: Iterable[Problem]) -> str:
    """One line per (URL name, problem), naming every role and language it was seen in and one URL."""
    grouped: dict[tuple[str, str], list[Problem]] = {}
    for p in sorted(problems):
        grouped.setdefault((p.pattern, p.what), []).append(p)
    lines = []
    for (pattern, what), seen in grouped.items():
        who = ", ".join(dict.fromkeys(f"{p.role}/{p.language}" for p in seen))
        lines.append(f"- {pattern} [{who}] {what}\n    e.g. {seen[0].url}")
    return f"{len(lines)} problem(s):\n" + "\n".join(lines)


def assert_no_problems(problems: list[Problem]) -> None:
    assert not problems, format_problems(problems)

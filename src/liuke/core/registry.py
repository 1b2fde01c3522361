"""Where apps plug themselves in: core names no domain app.

Each app fills these registries in its ``AppConfig.ready``; the site's URLs, API router, menu, home page,
``liuke import`` and ``liuke export`` read them. Adding an app touches no core file: list it in
``INSTALLED_APPS`` and register what it brings.

- ``urls(prefix, module)``: the app's page URLs (``include(module)`` under ``prefix``);
- ``api(prefix, viewset)``: a REST endpoint under ``/api/``;
- ``menu(label, url_name, ...)``: a navigation entry, shown to viewers its ``allowed`` test lets through
  (a ``core.visibility`` question, never a role compared here);
- ``home_figure(...)``: a number on the home page, linked to the list behind it;
- ``home_section(...)``: a block on the home page (a manager's team, later a dashboard);
- ``page_section(page, fn)``: a card on another app's page (``"customer"``, ``"distributor"``, ``"employee"``):
  ``fn(viewer, obj)`` returns a :class:`Section`, or None to show nothing;
- ``header_item(template, context)``: something in the top bar beside the viewer's name (the alert bell);
- ``importer(kind, target)`` / ``exporter(kind, target)``: a KIND for ``liuke import`` / ``liuke export``
  (``"module:function"``, imported when used).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

Allowed = Callable[[Any], bool]


def _always(user: Any) -> bool:
    return True


@dataclass(frozen=True)
class UrlEntry:
    prefix: str
    module: str
    namespace: str | None = None


@dataclass(frozen=True)
class ApiEntry:
    prefix: str
    viewset: str  # "module:Class"
    basename: str | None = None


@dataclass(frozen=True)
class MenuEntry:
    label: Any
    url_name: str
    order: int = 50
    allowed: Allowed = _always


@dataclass(frozen=True)
class HomeFigure:
    key: str
    label: Any
    url_name: str
    count: Callable[[Any], int]  # viewer -> number
    order: int = 50
    allowed: Allowed = _always


@dataclass(frozen=True)
class HomeSection:
    template: str
    context: Callable[[Any], dict[str, Any] | None]  # viewer -> context, or None to show nothing
    order: int = 50


@dataclass
class Section:
    """A card an app adds to another app's page."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    # "main" (left, with the record), "side" (right) or "actions" (buttons beside the name)
    column: str = "side"
    order: int = 50


SectionFn = Callable[[Any, Any], "Section | None"]


@dataclass(frozen=True)
class HeaderItem:
    template: str
    context: Callable[[Any], dict[str, Any] | None]  # request -> context, or None to show nothing
    order: int = 50


@dataclass(frozen=True)
class Tool:
    kind: str
    target: str  # "module:function"
    options: tuple[str, ...] = ()  # extra command-line options it takes (``period``, ``distributor``)

    def load(self) -> Callable[..., Any]:
        return load(self.target)


_urls: list[UrlEntry] = []
_api: list[ApiEntry] = []
_menu: list[MenuEntry] = []
_figures: list[HomeFigure] = []
_sections: list[HomeSection] = []
_page_sections: dict[str, list[SectionFn]] = {}
_header: list[HeaderItem] = []
_importers: dict[str, Tool] = {}
_exporters: dict[str, Tool] = {}


def _add(items: list, item) -> None:
    if item not in items:  # ``ready()`` may run twice in tests
        items.append(item)


def urls(prefix: str, module: str, namespace: str | None = None) -> None:
    _add(_urls, UrlEntry(prefix, module, namespace))


def api(prefix: str, viewset: str, basename: str | None = None) -> None:
    _add(_api, ApiEntry(prefix, viewset, basename))


def menu(label: Any, url_name: str, *, order: int = 50, allowed: Allowed = _always) -> None:
    if all(m.url_name != url_name for m in _menu):
        _menu.append(MenuEntry(label, url_name, order, allowed))


def home_figure(
    key: str, label: Any, url_name: str, count: Callable[[Any], int], *, order: int = 50, allowed: Allowed = _always
) -> None:
    if all(f.key != key for f in _figures):
        _figures.append(HomeFigure(key, label, url_name, count, order, allowed))


def home_section(template: str, context: Callable[[Any], dict[str, Any] | None], *, order: int = 50) -> None:
    if all(s.template != template for s in _sections):
        _sections.append(HomeSection(template, context, order))


def page_section(page: str, fn: SectionFn) -> SectionFn:
    fns = _page_sections.setdefault(page, [])
    if fn not in fns:
        fns.append(fn)
    return fn


def sections_for_page(page: str, viewer: Any, obj: Any) -> list[Section]:
    found = [s for fn in _page_sections.get(page, []) if (s := fn(viewer, obj)) is not None]
    return sorted(found, key=lambda s: s.order)


def header_item(template: str, context: Callable[[Any], dict[str, Any] | None], *, order: int = 50) -> None:
    if all(h.template != template for h in _header):
        _header.append(HeaderItem(template, context, order))


def header_for(request: Any) -> list[tuple[str, dict[str, Any]]]:
    shown = []
    for item in sorted(_header, key=lambda h: h.order):
        ctx = item.context(request)
        if ctx is not None:
            shown.append((item.template, ctx))
    return shown


def importer(kind: str, target: str, *, options: tuple[str, ...] = ()) -> None:
    _importers[kind] = Tool(kind, target, options)


def exporter(kind: str, target: str, *, options: tuple[str, ...] = ()) -> None:
    _exporters[kind] = Tool(kind, target, options)


def url_entries() -> list[UrlEntry]:
    return list(_urls)


def api_entries() -> list[ApiEntry]:
    return list(_api)


def load(target: str) -> Any:
    module, name = target.split(":")
    return getattr(import_module(module), name)


def menu_for(user: Any) -> list[MenuEntry]:
    return [m for m in sorted(_menu, key=lambda m: m.order) if m.allowed(user)]


def figures_for(user: Any) -> list[HomeFigure]:
    return [f for f in sorted(_figures, key=lambda f: f.order) if f.allowed(user)]


def sections_for(user: Any) -> list[tuple[str, dict[str, Any]]]:
    shown = []
    for section in sorted(_sections, key=lambda s: s.order):
        ctx = section.context(user)
        if ctx is not None:
            shown.append((section.template, ctx))
    return shown


def importers() -> dict[str, Tool]:
    return dict(sorted(_importers.items()))


def exporters() -> dict[str, Tool]:
    return dict(sorted(_exporters.items()))

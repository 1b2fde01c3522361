"""Browser tests: a real ``liuke serve`` subprocess driven by Debian's Chromium through Playwright.

These tests never touch the pytest-django test database. The session builds its own demo company in a
temporary data directory (always SQLite, even when the rest of the suite runs on PostgreSQL), serves it
with ``liuke serve`` and talks to it over HTTP only. What the page *should* show is read from the same
data directory with ``liuke manage shell`` (the ``site_query`` fixture), never hard-coded.

Screenshots are kept as artifacts in ``test-artifacts/e2e/`` at the repository root (git-ignored).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "e2e"
LIUKE = Path(sys.executable).parent / "liuke"

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}
PHONE_VIEWPORT = {"width": 375, "height": 740}

DEMO_ARGS = ["demo", "--scale", "small", "--seed", "2026"]
DEMO_PASSWORD = "liuke-demo"
SERVER_START_TIMEOUT = 60.0
SERVER_OUTPUT_LIMIT = 20_000  # characters of server output quoted when the server does not come up
# The e2e site is always the embedded default (its own SQLite file, in-process jobs), whatever the rest of
# the suite runs on, and it only ever answers on 127.0.0.1.
EMBEDDED_ENV_DROPPED = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
QUERY_MARKER = "@@E2E-JSON@@"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything under tests/e2e as ``e2e`` (this hook sees the whole session, so filter by path)."""
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


# --- the site under test ------------------------------------------------------------------------------


def _site_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in EMBEDDED_ENV_DROPPED}
    env["LIUKE_DATA_DIR"] = str(data_dir)
    env["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="session")
def site_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the demo company (``liuke demo --scale small --seed 2026``)."""
    if not LIUKE.exists():
        pytest.fail(f"the liuke console script is missing at {LIUKE}; install the project into this venv")
    data_dir = tmp_path_factory.mktemp("liuke-e2e-data")
    result = subprocess.run(
        [str(LIUKE), *DEMO_ARGS],
        env=_site_env(data_dir),
        cwd=data_dir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`liuke {' '.join(DEMO_ARGS)}` failed with exit status {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}",
            pytrace=False,
        )
    return data_dir


@pytest.fixture(scope="session")
def live_site(site_data_dir: Path) -> Iterator[str]:
    """Serve the demo company with ``liuke serve`` on a free port; yields the base URL (no trailing slash)."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = site_data_dir / "serve.log"
    with log_path.open("w", encoding="utf-8") as log:
        server = subprocess.Popen(
            [str(LIUKE), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=_site_env(site_data_dir),
            cwd=site_data_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _answers_200(f"{base_url}/login/"):
            if server.poll() is not None or time.monotonic() > deadline:
                what = (
                    f"exited with status {server.returncode}"
                    if server.returncode is not None
                    else f"did not answer 200 on /login/ within {SERVER_START_TIMEOUT:.0f} s"
                )
                output = log_path.read_text(encoding="utf-8", errors="replace")
                if len(output) > SERVER_OUTPUT_LIMIT:
                    output = (
                        f"[... {len(output) - SERVER_OUTPUT_LIMIT} characters left off ...]\n"
                        + output[-SERVER_OUTPUT_LIMIT:]
                    )
                pytest.fail(f"`liuke serve` on {base_url} {what}\n--- server output ---\n{output}", pytrace=False)
            time.sleep(0.25)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="session")
def site_query(site_data_dir: Path) -> Callable[[str], Any]:
    """Ask the site's own database a question: ``site_query(code)`` runs ``code`` in ``liuke manage shell``.

    ``code`` must assign a JSON-serialisable value to ``result``; that value is returned. Models are
    imported automatically by Django's shell, but importing them explicitly keeps the snippet readable.
    """

    def query(code: str) -> Any:
        program = f"import json\n{code}\nprint({QUERY_MARKER!r} + json.dumps(result))\n"
        completed = subprocess.run(
            [str(LIUKE), "manage", "shell", "-c", program],
            env=_site_env(site_data_dir),
            cwd=site_data_dir,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        for line in completed.stdout.splitlines():
            if line.startswith(QUERY_MARKER):
                return json.loads(line.removeprefix(QUERY_MARKER))
        pytest.fail(
            f"`liuke manage shell` query failed (exit status {completed.returncode})\n--- code ---\n{code}\n"
            f"--- stdout ---\n{completed.stdout}\n--- stderr ---\n{completed.stderr}",
            pytrace=False,
        )

    return query


# --- the browser --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (or ``$LIUKE_CHROMIUM``) under Playwright. Missing browser: skip locally, fail on CI."""
    executable = Path(os.environ.get("LIUKE_CHROMIUM") or DEFAULT_CHROMIUM)
    if not executable.exists():
        message = f"Chromium not found at {executable}"
        if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
            pytest.fail(f"{message}; CI must run the browser tests (set LIUKE_CHROMIUM or install chromium)")
        pytest.skip(f"{message}; install it with `apt-get install chromium` or point LIUKE_CHROMIUM at a Chromium")

    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop registered as running on this thread for the whole
    # session, which trips Django's async-safety check for any ORM use in this process afterwards.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _open_page(browser: Browser, base_url: str, viewport: dict[str, int]) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=base_url)
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, live_site: str) -> Iterator[Page]:
    """A fresh desktop page (1280×900, zh-CN) whose relative URLs resolve against the live site."""
    yield from _open_page(browser, live_site, DESKTOP_VIEWPORT)


@pytest.fixture
def phone_page(browser: Browser, live_site: str) -> Iterator[Page]:
    """A fresh phone-sized page (375×740, zh-CN) on the live site."""
    yield from _open_page(browser, live_site, PHONE_VIEWPORT)


# --- helpers ------------------------------------------------------------------------------------------


def take_shot(page: Page, name: str) -> Path:
    """Save a full-page PNG of ``page`` as ``test-artifacts/e2e/<name>`` and return its path."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / (name if name.endswith(".png") else f"{name}.png")
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def shot() -> Callable[[Page, str], Path]:
    """``shot(page, "name.png")``: keep a full-page screenshot as a test artifact; returns the file's path."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return take_shot


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real login form and wait until the browser has left /login/."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form:has(#id_password) [type=submit]").click()
    try:
        page.wait_for_url(lambda url: urlsplit(url).path != "/login/", timeout=10_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"logging in as {username!r} failed: still on {page.url}", pytrace=False)


@pytest.fixture
def log_in_as() -> Callable[..., None]:
    """``log_in_as(page, "manager")``: log in with a demo account (password ``liuke-demo``)."""
    return log_in

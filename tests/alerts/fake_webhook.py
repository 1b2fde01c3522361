"""A stand-in for WeCom and DingTalk group robots: a tiny HTTP server on 127.0.0.1 that records what arrives.

``FakeRobot()`` starts on a free port in a thread; ``robot.url("/wecom?key=abc")`` is an address to give a
``WebhookTarget``; ``robot.requests`` lists what arrived (path, query, headers, JSON body). ``robot.answer``
sets what it answers: ``(200, {"errcode": 0, "errmsg": "ok"})`` by default, ``(500, ...)`` to fail.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from liuke.alerts import engine, registry
from liuke.alerts.choices import Area


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw: bytes = field(repr=False, default=b"")


class FakeRobot:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.answer: tuple[int, Any] = (200, {"errcode": 0, "errmsg": "ok"})
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    body = None
                robot.requests.append(
                    Received(
                        path=parts.path,
                        query={k: v[0] for k, v in parse_qs(parts.query).items()},
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=body,
                        raw=raw,
                    )
                )
                status, answer = robot.answer
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- what the notification tests share (imported by tests/alerts/test_notify*.py) ------------------------------

TOY = "notify_toy"
FOUND: list[dict[str, Any]] = []  # what the toy rule finds: {"key", "customer_id", "employee_id", "severity"}


def _find(ctx):
    for item in FOUND:
        yield registry.Finding(
            key=item["key"],
            params={"what": item["key"]},
            customer_id=item.get("customer_id"),
            employee_id=item.get("employee_id"),
            severity=item.get("severity"),
            evidence=[{"type": "customer", "code": item["key"]}],
        )


@contextmanager
def toy_rule_registered() -> Iterator[registry.Rule]:
    """A rule whose findings the test sets in ``FOUND`` (severity medium unless a finding says otherwise)."""
    rule = registry.register(
        registry.Rule(
            name=TOY,
            title="Toy notice",
            summary="Toy finding %(what)s",
            description="A rule for notification tests",
            area=Area.CUSTOMERS,
            find=_find,
            severity="medium",
        )
    )
    try:
        yield rule
    finally:
        registry._rules.pop(TOY, None)
        FOUND.clear()


@contextmanager
def robot_running() -> Iterator[FakeRobot]:
    server = FakeRobot()
    try:
        yield server
    finally:
        server.close()


def screening(capture_on_commit: Any):
    """Run the toy rule as a screening does, sending what it queues (on commit) at once: ``run(*findings)``."""

    def run(*findings: dict[str, Any]):
        FOUND[:] = list(findings)
        with capture_on_commit(execute=True):
            return engine.screen([TOY])

    return run

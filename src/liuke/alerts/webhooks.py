"""Group robots: the messages WeCom (企业微信) and DingTalk (钉钉) understand, how DingTalk's are signed, and sending.

- WeCom group robot: ``POST`` JSON ``{"msgtype": "markdown", "markdown": {"content": ...}}`` to the robot's
  address (``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...``); the content is at most 4096 bytes of
  UTF-8; colours through ``<font color="warning|info|comment">``.
- DingTalk custom robot: ``POST`` JSON ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}`` to
  ``https://oapi.dingtalk.com/robot/send?access_token=...``. With 加签 (a secret starting ``SEC``) the address
  also carries ``&timestamp=<ms>&sign=<sig>``, where ``sig`` is the URL-encoded Base64 of
  HMAC-SHA256(key=secret, message="<timestamp>\\n<secret>"); DingTalk refuses a timestamp more than an hour off.
- Both answer HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``; any other ``errcode`` is a refusal (a wrong
  key, a bad signature, a keyword the robot's security settings require, too many messages a minute).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlsplit

from .choices import NotifyChannel, Severity

MAX_CONTENT_BYTES = 4096  # WeCom's limit for markdown content; DingTalk's is larger, one budget serves both
_ANSWER_LIMIT = 64 * 1024


class WebhookError(Exception):
    """The robot could not be reached or refused the message (the text says which, for the delivery's record)."""


@dataclass(frozen=True)
class Line:
    """One alert in a robot's message."""

    severity: str
    severity_label: str
    title: str
    url: str
    subject: str = ""


def plain(text: Any) -> str:
    """Text from people (customer names, titles) that markdown must not read as links, bold or tags."""
    table = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "*": "＊", "`": "'", "\n": " ", "\r": " "})
    return str(text).translate(table)


_WECOM_COLOUR = {
    Severity.HIGH: "warning",
    Severity.MEDIUM: "warning",
    Severity.LOW: "comment",
    Severity.INFO: "comment",
}


def _line(kind: str, line: Line) -> str:
    label = f"【{plain(line.severity_label)}】"
    if kind == NotifyChannel.WECOM:
        label = f'<font color="{_WECOM_COLOUR.get(line.severity, "comment")}">{label}</font>'  # type: ignore[call-overload]
    else:
        label = f"**{label}**"
    subject = f" · {plain(line.subject)}" if line.subject else ""
    return f"- {label}[{plain(line.title)}]({line.url}){subject}"


def markdown(
    kind: str, *, heading: str, lines: Sequence[Line], total: int, more: str, footer: str, footer_url: str
) -> str:
    """The message body: a heading, one line per alert while the byte budget lasts, how many of ``total`` were
    left out (``more`` is a %(count)d text) and a link to the inbox."""
    head = f"### {plain(heading)}\n"
    tail = f"\n[{plain(footer)}]({footer_url})"
    budget = MAX_CONTENT_BYTES - len(head.encode()) - len(tail.encode()) - 200  # room for the "… more" line
    shown: list[str] = []
    used = 0
    for line in lines:
        text = _line(kind, line) + "\n"
        size = len(text.encode())
        if used + size > budget:
            break
        shown.append(text)
        used += size
    left = max(total, len(lines)) - len(shown)
    extra = f"\n{plain(more % {'count': left})}\n" if left else ""
    return head + "".join(shown) + extra + tail


def payload(kind: str, *, title: str, text: str) -> dict[str, Any]:
    """The JSON body a robot of ``kind`` expects for a markdown message."""
    if kind == NotifyChannel.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if kind == NotifyChannel.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    raise ValueError(f"not a group robot: {kind}")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: Base64 of HMAC-SHA256 over "<timestamp>\\n<secret>" keyed with the secret (not yet
    URL-encoded)."""
    message = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, digestmod=hashlib.sha256).digest()).decode()


def signed_url(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    """The robot's address with ``timestamp`` and ``sign`` appended (DingTalk robots with a signing secret)."""
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    sign = quote_plus(dingtalk_sign(secret, ts))
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"


def check_address(url: str) -> None:
    """Robots are reached over HTTP(S) only (no ``file:`` or other schemes through urllib)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WebhookError("not an http(s) address")


def post(*, kind: str, url: str, secret: str, body: dict[str, Any], timeout: float) -> None:
    """Send ``body`` to the robot; raise :class:`WebhookError` unless it answers ``errcode`` 0."""
    check_address(url)
    if kind == NotifyChannel.DINGTALK and secret:
        url = signed_url(url, secret)
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(_ANSWER_LIMIT)
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WebhookError(f"{type(exc).__name__}: {reason}") from exc
    try:
        answer = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookError(f"not a robot's answer: {raw[:100]!r}") from exc
    code = answer.get("errcode", 0) if isinstance(answer, dict) else None
    if code not in (0, "0"):
        message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        raise WebhookError(f"errcode {code}: {message}"[:300])

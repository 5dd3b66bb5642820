"""Alert sinks: callback, generic webhook (Standard Webhooks signature), Slack, Teams, SMTP, JSONL.

A sink delivers a batch of :class:`Alert` objects (one alert, or a digest of many) and raises
:class:`~social_listen.core.DeliveryError` when it cannot; ``retryable`` on the error tells the
outbox whether to try again (5xx, 429, timeouts) or dead-letter at once (4xx, bad config).
Sinks never log or repeat their secret URLs. Without an explicit ``client``, HTTP sinks send
through the egress guard (:class:`~social_listen.core.EgressGuard`): a webhook URL that points
at a private or loopback address is refused unless allow-listed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import smtplib
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr

from social_listen.core import DeliveryError, EgressGuard, Mention, utcnow
from social_listen.core._egress import GuardedTransport

__all__ = [
    "Alert",
    "CallbackSink",
    "JsonlSink",
    "SlackSink",
    "SmtpSink",
    "TeamsSink",
    "WebhookSink",
    "escape_slack",
    "sign_webhook",
    "verify_webhook",
]

logger = logging.getLogger(__name__)


class Alert(BaseModel):
    """One firing of an alert rule.

    Attributes:
        rule: The rule's name.
        title: One line for a notification's headline.
        summary: A few lines of detail.
        fired_at: When the rule fired (the time of the event, so replays agree with live runs).
        mention: The mention that fired it, for per-mention rules.
        dedup_key: Same key, same alert: ``"<rule>:<source>:<native_id>"`` or ``"<rule>:<window>"``.
        severity: ``info``, ``warning`` or ``critical``.
        details: Extra values (scores, counts, the spike's explanation).
    """

    model_config = ConfigDict(frozen=True)

    rule: str
    title: str
    summary: str = ""
    fired_at: AwareDatetime
    mention: Mention | None = None
    dedup_key: str
    severity: str = "warning"
    details: dict[str, Any] = Field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """The JSON-ready payload sinks send (no raw platform payload)."""
        data: dict[str, Any] = {
            "type": "social_listen.alert",
            "rule": self.rule,
            "title": self.title,
            "summary": self.summary,
            "severity": self.severity,
            "fired_at": self.fired_at.isoformat(),
            "dedup_key": self.dedup_key,
            "details": self.details,
        }
        if self.mention is not None:
            m = self.mention
            data["mention"] = {
                "source": m.source,
                "native_id": m.native_id,
                "url": m.url,
                "author": m.author.handle if m.author else None,
                "text": m.text[:1000],
                "created_at": m.created_at.isoformat(),
                "sentiment": m.sentiment.score if m.sentiment else None,
                "urgency": m.urgency.value if m.urgency else None,
                "urgency_reasons": list(m.urgency.reasons) if m.urgency else [],
            }
        return data


@runtime_checkable
class Sink(Protocol):
    """Delivers alerts; raises DeliveryError (with ``retryable``) when it cannot."""

    name: str

    def send(self, alerts: Sequence[Alert]) -> None:
        """Deliver one alert, or several as one digest."""
        ...


def _failure(sink: str, message: str, *, retryable: bool) -> DeliveryError:
    hint = "the outbox retries it" if retryable else "fix the sink's configuration"
    return DeliveryError(message, source=sink, hint=hint, retryable=retryable)


class CallbackSink:
    """Calls a Python function with the alerts (for apps that embed the monitor).

    Examples:
        >>> got = []
        >>> sink = CallbackSink(got.extend)
    """

    def __init__(self, callback: Callable[[Sequence[Alert]], object], *, name: str = "callback") -> None:
        self.callback = callback
        self.name = name

    def send(self, alerts: Sequence[Alert]) -> None:
        """Call the function; any exception is a retryable DeliveryError."""
        try:
            self.callback(alerts)
        except Exception as exc:
            raise _failure(self.name, f"callback raised {type(exc).__name__}: {exc}", retryable=True) from exc


class JsonlSink:
    """Appends one JSON line per alert to a file (fsynced, so a crash loses no written line)."""

    def __init__(self, path: str | Path, *, name: str = "jsonl") -> None:
        self.path = Path(path)
        self.name = name
        self._lock = threading.Lock()

    def send(self, alerts: Sequence[Alert]) -> None:
        """Append the alerts."""
        lines = "".join(json.dumps(a.payload(), ensure_ascii=False, default=str) + "\n" for a in alerts)
        try:
            with self._lock, self.path.open("a", encoding="utf-8") as handle:
                handle.write(lines)
                handle.flush()
        except OSError as exc:
            raise _failure(
                self.name, f"cannot append to {self.path}: {exc.strerror}", retryable=True
            ) from exc


def sign_webhook(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks signature header value (``v1,<base64 HMAC-SHA256>``).

    The signed content is ``"{msg_id}.{timestamp}.{body}"``; a ``whsec_`` secret is base64.

    Examples:
        >>> sign_webhook("whsec_c2VjcmV0", msg_id="msg_1", timestamp=1700000000, body=b"{}")[:3]
        'v1,'
    """
    key = base64.b64decode(secret.removeprefix("whsec_")) if secret.startswith("whsec_") else secret.encode()
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_webhook(
    secret: str, *, headers: dict[str, str], body: bytes, tolerance: float = 300, now: float | None = None
) -> bool:
    """Check a Standard Webhooks signature (for receivers and tests); rejects stale timestamps."""
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id, timestamp = lower["webhook-id"], int(lower["webhook-timestamp"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign_webhook(secret, msg_id=msg_id, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, sig) for sig in lower.get("webhook-signature", "").split())


class _HTTPSink:
    """Shared HTTP delivery: one POST, status mapped to retryable or final errors."""

    name: str

    def __init__(
        self, url: SecretStr, *, client: httpx.Client | None, name: str, guard: EgressGuard | None = None
    ) -> None:
        self._url = url
        self.name = name
        if client is None:
            guard = guard or EgressGuard()
            guard.check_url(url.get_secret_value())  # literal private addresses fail at construction
            client = httpx.Client(
                transport=GuardedTransport(guard), timeout=10.0, trust_env=False, follow_redirects=False
            )
        self._client = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, url='**********')"

    def _post(self, *, content: bytes, headers: dict[str, str]) -> None:
        try:
            response = self._client.post(self._url.get_secret_value(), content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise _failure(
                self.name, f"could not reach the endpoint ({type(exc).__name__})", retryable=True
            ) from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise _failure(self.name, f"endpoint answered {response.status_code}", retryable=True)
        if response.status_code >= 400:
            raise _failure(self.name, f"endpoint refused the alert ({response.status_code})", retryable=False)


class WebhookSink(_HTTPSink):
    """POSTs ``{"alerts": [...]}`` as JSON, signed with Standard Webhooks HMAC headers."""

    def __init__(
        self,
        url: str | SecretStr,
        *,
        secret: str | SecretStr,
        client: httpx.Client | None = None,
        guard: EgressGuard | None = None,
        name: str = "webhook",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        url = url if isinstance(url, SecretStr) else SecretStr(url)
        super().__init__(url, client=client, name=name, guard=guard)
        self._secret = secret if isinstance(secret, SecretStr) else SecretStr(secret)
        self._clock = clock

    def send(self, alerts: Sequence[Alert]) -> None:
        """Deliver the alerts as one signed request; ``webhook-id`` is stable per batch."""
        body = json.dumps({"alerts": [a.payload() for a in alerts]}, ensure_ascii=False, default=str).encode()
        msg_id = "msg_" + hashlib.sha256("|".join(a.dedup_key for a in alerts).encode()).hexdigest()[:24]
        timestamp = int(self._clock().timestamp())
        signature = sign_webhook(
            self._secret.get_secret_value(), msg_id=msg_id, timestamp=timestamp, body=body
        )
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature,
        }
        self._post(content=body, headers=headers)


def escape_slack(text: str) -> str:
    """Escape Slack mrkdwn control characters so user text cannot ping or link (``<!channel>``).

    Examples:
        >>> escape_slack("<!channel> & <https://x|y>")
        '&lt;!channel&gt; &amp; &lt;https://x|y&gt;'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackSink(_HTTPSink):
    """Slack incoming webhook; text escaped; at most one message per ``min_interval`` seconds."""

    def __init__(
        self,
        url: str | SecretStr,
        *,
        client: httpx.Client | None = None,
        guard: EgressGuard | None = None,
        name: str = "slack",
        min_interval: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        url = url if isinstance(url, SecretStr) else SecretStr(url)
        super().__init__(url, client=client, name=name, guard=guard)
        self.min_interval = min_interval
        self._sleep = sleep
        self._monotonic = monotonic
        self._last: float | None = None

    def send(self, alerts: Sequence[Alert]) -> None:
        """One message per call (a digest when several alerts), paced per webhook."""
        if self._last is not None:
            wait = self.min_interval - (self._monotonic() - self._last)
            if wait > 0:
                self._sleep(wait)
        lines = []
        for alert in alerts[:20]:
            link = alert.mention.url if alert.mention and alert.mention.url else None
            head = f"*{escape_slack(alert.title)}*"
            if link and link.startswith(("https://", "http://")):
                head += f" <{escape_slack(link)}|open>"
            lines.append(head + (f"\n{escape_slack(alert.summary)}" if alert.summary else ""))
        if len(alerts) > 20:
            lines.append(f"…and {len(alerts) - 20} more")
        body = json.dumps({"text": "\n\n".join(lines)}, ensure_ascii=False).encode()
        self._last = self._monotonic()
        self._post(content=body, headers={"content-type": "application/json"})


class TeamsSink(_HTTPSink):
    """Microsoft Teams workflow webhook: an Adaptive Card message (plain text blocks)."""

    def __init__(
        self,
        url: str | SecretStr,
        *,
        client: httpx.Client | None = None,
        guard: EgressGuard | None = None,
        name: str = "teams",
    ) -> None:
        url = url if isinstance(url, SecretStr) else SecretStr(url)
        super().__init__(url, client=client, name=name, guard=guard)

    def send(self, alerts: Sequence[Alert]) -> None:
        """Post one card listing the alerts."""
        blocks: list[dict[str, Any]] = []
        for alert in alerts[:20]:
            blocks.append({"type": "TextBlock", "text": alert.title, "weight": "Bolder", "wrap": True})
            if alert.summary:
                blocks.append({"type": "TextBlock", "text": alert.summary, "wrap": True})
        card = {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": blocks,
                    },
                }
            ],
        }
        self._post(
            content=json.dumps(card, ensure_ascii=False).encode(),
            headers={"content-type": "application/json"},
        )


class SmtpSink:
    """Sends one plain-text email per batch over SMTP (STARTTLS by default)."""

    def __init__(
        self,
        *,
        host: str,
        sender: str,
        recipients: Sequence[str],
        port: int = 587,
        username: str | None = None,
        password: SecretStr | None = None,
        starttls: bool = True,
        name: str = "email",
        smtp_factory: Callable[[str, int], smtplib.SMTP] = smtplib.SMTP,
    ) -> None:
        if not recipients:
            raise DeliveryError("an email sink needs at least one recipient", source=name)
        self.host, self.port, self.sender = host, port, sender
        self.recipients = tuple(recipients)
        self.username, self._password, self.starttls = username, password, starttls
        self.name = name
        self._factory = smtp_factory

    def __repr__(self) -> str:
        return f"SmtpSink(name={self.name!r}, host={self.host!r}, recipients={len(self.recipients)})"

    def send(self, alerts: Sequence[Alert]) -> None:
        """Send the alerts as one email."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        first = alerts[0].title if alerts else "alert"
        subject = first if len(alerts) == 1 else f"{len(alerts)} alerts: {first}"
        message["Subject"] = subject.replace("\n", " ")[:200]
        message.set_content(
            "\n\n".join(
                f"{a.title}\n{a.summary}\n{a.mention.url if a.mention and a.mention.url else ''}"
                for a in alerts
            )
        )
        try:
            with self._factory(self.host, self.port) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username and self._password:
                    smtp.login(self.username, self._password.get_secret_value())
                smtp.send_message(message)
        except smtplib.SMTPResponseException as exc:
            raise _failure(
                self.name, f"server answered {exc.smtp_code}", retryable=400 <= exc.smtp_code < 500
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise _failure(self.name, f"could not send ({type(exc).__name__})", retryable=True) from None

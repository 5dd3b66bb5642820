from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from social_listen.core import DeliveryError, Mention
from social_listen.monitor._sinks import (
    Alert,
    CallbackSink,
    JsonlSink,
    SlackSink,
    SmtpSink,
    TeamsSink,
    WebhookSink,
    escape_slack,
    sign_webhook,
    verify_webhook,
)

T0 = datetime(2026, 11, 20, 13, 7, tzinfo=UTC)
SECRET = "whsec_" + "dGVzdC1zaWduaW5nLWtleQ=="  # base64 of a fake key
HOOK = "https://hooks.example.invalid/services/planted-webhook-path"


def alert(text: str = "Delivery never arrived", key: str = "neg:m:1") -> Alert:
    mention = Mention(source="mastodon", native_id="1", created_at=T0, text=text, url="https://m.example/1")
    return Alert(
        rule="neg", title=f"Negative: {text}", summary=text, fired_at=T0, mention=mention, dedup_key=key
    )


class Recorder:
    def __init__(self, status: int = 200) -> None:
        self.requests: list[httpx.Request] = []
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status)


def client(recorder: Recorder) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(recorder))


@pytest.mark.reliability(45)
def test_webhook_is_signed_per_standard_webhooks_and_verifiable() -> None:
    rec = Recorder()
    sink = WebhookSink(HOOK, secret=SECRET, client=client(rec), clock=lambda: T0)
    sink.send([alert()])
    request = rec.requests[0]
    headers = dict(request.headers)
    assert headers["webhook-signature"].startswith("v1,")
    assert verify_webhook(SECRET, headers=headers, body=request.content, now=T0.timestamp())
    assert not verify_webhook(SECRET, headers=headers, body=request.content + b" ", now=T0.timestamp())
    assert not verify_webhook(SECRET, headers=headers, body=request.content, now=T0.timestamp() + 3600)
    body = json.loads(request.content)
    assert body["alerts"][0]["mention"]["native_id"] == "1"
    # the same batch gets the same webhook-id, so receivers can dedup a redelivery
    sink.send([alert()])
    assert rec.requests[1].headers["webhook-id"] == request.headers["webhook-id"]


def test_signature_matches_the_documented_construction() -> None:
    import base64
    import hashlib
    import hmac

    key = base64.b64decode("dGVzdC1zaWduaW5nLWtleQ==")
    expected = base64.b64encode(hmac.new(key, b"msg_1.1700000000.{}", hashlib.sha256).digest()).decode()
    assert sign_webhook(SECRET, msg_id="msg_1", timestamp=1_700_000_000, body=b"{}") == "v1," + expected


@pytest.mark.reliability(45)
@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (408, True), (400, False), (404, False)]
)
def test_http_failures_say_whether_to_retry(status: int, retryable: bool) -> None:
    sink = WebhookSink(HOOK, secret=SECRET, client=client(Recorder(status)))
    with pytest.raises(DeliveryError) as info:
        sink.send([alert()])
    assert info.value.retryable is retryable
    assert "planted-webhook-path" not in str(info.value)
    assert "planted-webhook-path" not in repr(sink)


@pytest.mark.reliability(45)
def test_unreachable_endpoint_is_retryable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    sink = SlackSink(HOOK, client=httpx.Client(transport=httpx.MockTransport(refuse)), sleep=lambda s: None)
    with pytest.raises(DeliveryError) as info:
        sink.send([alert()])
    assert info.value.retryable


@pytest.mark.reliability(45)
def test_slack_text_is_escaped_against_markup_injection() -> None:
    rec = Recorder()
    sink = SlackSink(HOOK, client=client(rec), sleep=lambda s: None)
    sink.send([alert("<!channel> <https://evil.example|click> & co")])
    text = json.loads(rec.requests[0].content)["text"]
    assert "<!channel>" not in text
    assert "<https://evil.example|click>" not in text
    assert "&lt;!channel&gt;" in text
    assert escape_slack("a<b>&c") == "a&lt;b&gt;&amp;c"


@pytest.mark.reliability(45)
def test_slack_is_paced_to_one_message_per_second() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    sink = SlackSink(HOOK, client=client(Recorder()), sleep=sleep, monotonic=lambda: now[0])
    sink.send([alert()])
    now[0] += 0.25
    sink.send([alert(key="neg:m:2")])
    assert slept == [pytest.approx(0.75)]


def test_teams_card_and_digest_of_many_alerts() -> None:
    rec = Recorder()
    TeamsSink(HOOK, client=client(rec)).send([alert(key=f"k{i}") for i in range(3)])
    card = json.loads(rec.requests[0].content)
    blocks = card["attachments"][0]["content"]["body"]
    assert card["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert sum(1 for b in blocks if b.get("weight") == "Bolder") == 3


def test_jsonl_and_callback_sinks(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    sink = JsonlSink(path)
    sink.send([alert(), alert(key="neg:m:2")])
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["dedup_key"] for line in lines] == ["neg:m:1", "neg:m:2"]
    got: list[Alert] = []
    CallbackSink(got.extend).send([alert()])
    assert got[0].rule == "neg"

    def boom(alerts: Any) -> None:
        raise RuntimeError("down")

    with pytest.raises(DeliveryError, match="down"):
        CallbackSink(boom).send([alert()])


class FakeSMTP:
    sent: ClassVar[list[Any]] = []

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.logged_in: tuple[str, str] | None = None

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def starttls(self) -> None:
        pass

    def login(self, user: str, password: str) -> None:
        self.logged_in = (user, password)

    def send_message(self, message: Any) -> None:
        FakeSMTP.sent.append(message)


def test_smtp_sends_one_email_per_batch() -> None:
    from pydantic import SecretStr

    FakeSMTP.sent = []
    sink = SmtpSink(
        host="smtp.example.invalid",
        sender="alerts@example.invalid",
        recipients=["team@example.invalid"],
        username="u",
        password=SecretStr("planted-smtp-password"),
        smtp_factory=FakeSMTP,  # type: ignore[arg-type]
    )
    sink.send([alert(), alert(key="neg:m:2")])
    message = FakeSMTP.sent[0]
    assert message["Subject"].startswith("2 alerts")
    assert "Delivery never arrived" in message.get_content()
    assert "planted-smtp-password" not in repr(sink)


@pytest.mark.reliability(25)
def test_webhook_urls_pass_the_egress_guard() -> None:
    from social_listen.core import EgressBlocked, EgressGuard

    with pytest.raises(EgressBlocked):
        WebhookSink("http://169.254.169.254/latest/meta-data", secret=SECRET)
    with pytest.raises(EgressBlocked):
        SlackSink("http://2130706433/hook")
    # explicitly allow-listed loopback is accepted (how the tests' receivers run)
    TeamsSink("http://127.0.0.1:9/hook", guard=EgressGuard(allow_networks=["127.0.0.0/8"]))

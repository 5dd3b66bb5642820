"""Budgets, credentials and the session cache shared by the account connectors."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from account_conn_support import Clock, FakeBluesky, bluesky_post, debug_logs, load_fixture
from pydantic import SecretStr

from social_listen.connectors import (
    BlueskyConnector,
    FileSessionCache,
    MemorySessionCache,
    QuotaBudget,
    SessionRecord,
    SpendCap,
    StoredSession,
    XConnector,
)
from social_listen.connectors._credentials import resolve_secret
from social_listen.core import Client, ConfigError, Query, QuotaExceeded, SourceState, redact

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def session(token: str = "test-access-jwt") -> StoredSession:
    return StoredSession(
        did="did:plc:test",
        handle="listener.test",
        access_token=SecretStr(token),
        refresh_token=SecretStr("test-refresh-jwt"),
        access_expires_at=NOW + timedelta(hours=2),
        refresh_expires_at=NOW + timedelta(days=90),
        created_at=NOW,
    )


@pytest.mark.reliability(19)
def test_file_cache_round_trips_with_0600_and_a_redacted_repr(tmp_path) -> None:
    path = tmp_path / "deep" / "sessions.json"
    cache = FileSessionCache(path)
    cache.save("svc|a", SessionRecord(session=session()))
    cache.save("svc|b", SessionRecord(login_error="refused", login_blocked_until=NOW))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    loaded = FileSessionCache(path).load("svc|a")
    assert loaded is not None
    assert loaded.session is not None
    assert loaded.session.access_token.get_secret_value() == "test-access-jwt"
    for text in (repr(cache), repr(loaded), str(loaded), repr(MemorySessionCache())):
        assert "test-access-jwt" not in text
        assert "test-refresh-jwt" not in text
    assert list(tmp_path.joinpath("deep").iterdir()) == [path]  # no temporary file left


def test_damaged_cache_means_no_session(tmp_path, caplog) -> None:
    path = tmp_path / "sessions.json"
    path.write_text("{not json")
    assert FileSessionCache(path).load("k") is None
    path.write_text(json.dumps({"k": {"session": {"access_token": 5}}}))
    assert FileSessionCache(path).load("k") is None
    assert "damaged" in caplog.text


def test_budget_periods_absorb_and_refund() -> None:
    clock = Clock(NOW)
    cap = SpendCap(1.0, price_per_item=0.01, now=clock)
    cap.spend(cap.cost(50), source="x", what="page")
    cap.refund(cap.cost(20))
    assert cap.used == pytest.approx(0.3)
    assert cap.snapshot() == {"period": "2026-11", "used": 0.3}
    other = SpendCap(1.0, price_per_item=0.01, now=clock)
    other.absorb({"x_spend": {"period": "2026-11", "used": 0.9}}, key="x_spend")
    assert other.affordable_items() == 10
    other.absorb({"x_spend": {"period": "2026-10", "used": 5}}, key="x_spend")  # another month
    other.absorb({"x_spend": {"period": "2026-11", "used": float("nan")}}, key="x_spend")
    assert other.used == pytest.approx(0.9)
    clock.advance(days=11)  # December: a new month
    assert other.used == 0
    assert other.reset_at() == datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(ConfigError):
        QuotaBudget(float("inf"))


def test_resolve_secret_from_arguments_and_environment() -> None:
    assert resolve_secret("a-secret", connector="x", field="bearer_token", environ={}) == SecretStr(
        "a-secret"
    )
    env = {"SOCIAL_LISTEN_X_BEARER_TOKEN": "env-secret-value"}
    found = resolve_secret(None, connector="x", field="bearer_token", environ=env)
    assert found is not None
    assert found.get_secret_value() == "env-secret-value"
    assert redact("sent env-secret-value") == "sent [REDACTED]"  # registered with the log filter
    assert resolve_secret(None, connector="x", field="api_key", environ={}, required=False) is None
    with pytest.raises(ConfigError, match="SOCIAL_LISTEN_X_BEARER_TOKEN"):
        resolve_secret("  ", connector="x", field="bearer_token", environ={})


def test_x_counts_fixture_drives_the_preflight() -> None:
    counts = load_fixture("x_counts_recent.json")

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/2/tweets/counts/recent"
        return httpx.Response(200, json=counts)

    connector = XConnector(bearer_token="test-x-bearer", spend_cap_usd=1.0, now=lambda: NOW)
    flow = connector.fetch_page(Query(text="acme"), cursor=None, state=SourceState())
    request = next(flow)
    with pytest.raises(QuotaExceeded) as info:
        flow.send(handler(httpx.Request("GET", "https://api.x.com" + "/2/tweets/counts/recent")))
    assert request.url.endswith("/2/tweets/counts/recent")
    assert (info.value.needed, info.value.remaining) == (1.5, 1.0)  # 300 posts x $0.005


@pytest.mark.reliability(28)
@pytest.mark.reliability(29)
def test_planted_secret_never_leaks_through_the_client(caplog) -> None:
    secret = "planted-client-secret-a41"
    debug_logs(caplog)
    fake = FakeBluesky(
        [bluesky_post(i, datetime.now(UTC) - timedelta(hours=i + 1)) for i in range(3)], password=secret
    )
    connector = BlueskyConnector(
        identifier="listener.test", app_password=secret, session_cache=MemorySessionCache()
    )
    with Client(transport=httpx.MockTransport(fake), sleep=lambda s: None) as client:
        result = client.fetch(connector, Query(text="acme"))
        fake.expire_access()
        again = client.fetch(connector, Query(text="acme"))
    assert result.error is None
    assert len(result.mentions) == 3
    assert again.error is None
    wrong = BlueskyConnector(
        identifier="listener.test", app_password=secret, session_cache=MemorySessionCache()
    )
    with Client(transport=httpx.MockTransport(FakeBluesky(password="other")), sleep=lambda s: None) as client:
        failed = client.fetch(wrong, Query(text="acme"))
    assert failed.error is not None
    tokens = [f"test-access-jwt-{n}" for n in range(1, fake.generation + 1)]
    for value in (secret, *tokens):
        assert value not in caplog.text
        for obj in (result, again, failed, failed.error, connector, result.state):
            assert value not in repr(obj)
            assert value not in str(obj)


def test_reddit_token_fixture_sets_the_bearer_and_its_expiry() -> None:
    from social_listen.connectors import RedditConnector

    token = load_fixture("reddit_access_token.json")
    listing = load_fixture("reddit_search_listing.json")
    listing["data"]["after"] = None
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization", ""))
        if request.url.path == "/api/v1/access_token":
            return httpx.Response(200, json=token)
        return httpx.Response(200, json=listing)

    from open_conn_support import drive

    connector = RedditConnector(
        client_id="test-id", client_secret="test-secret", user_agent="python:t:1 (by /u/t)", now=lambda: NOW
    )
    page = drive(connector, Query(text="acme"), handler, state=SourceState())
    assert seen[1] == f"bearer {token['access_token']}"
    assert connector._token_expires == NOW + timedelta(seconds=86400 - 60)
    assert [m.native_id for m in page.mentions] == ["t3_1acme01", "t3_1acme02", "t1_kacme03"]

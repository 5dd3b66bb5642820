"""Stack Exchange: field mapping, gzip, backoff and quota, throttle bans, the page-25 stop, resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from open_conn_support import Collector, Crash, FakeStackExchange, drive, fixture, gzip_json

from social_listen.connectors.stackexchange import StackExchangeConnector
from social_listen.core import ConfigError, PlatformError, Query, RateLimited, SourceState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


def _question(i: int, when: datetime, *, site: str = "stackoverflow") -> dict[str, Any]:
    host = "stackoverflow.com" if site == "stackoverflow" else f"{site}.stackexchange.com"
    return {
        "question_id": 1000 + i,
        "title": f"acme question {i}",
        "creation_date": int(when.timestamp()),
        "link": f"https://{host}/questions/{1000 + i}/acme",
        "score": i % 5,
        "answer_count": 1,
        "view_count": 10,
        "tags": ["acme"],
        "owner": {"display_name": f"user {i}", "user_id": i, "reputation": 1},
    }


def test_fixture_question_is_mapped_field_by_field_from_gzip() -> None:
    body = fixture("stackexchange_search_advanced.json")
    page = drive(
        StackExchangeConnector(now=_clock),
        Query(text="acme", since=NOW - timedelta(days=5)),
        lambda request: gzip_json(body),
        state=SourceState(),
    )
    (m,) = page.mentions
    assert m.source == "stackexchange"
    assert m.native_id == "stackoverflow/79000001"
    assert m.url == "https://stackoverflow.com/questions/79000001/why-does-acme-sdk-raise-timeouterror"
    assert m.title == 'Why does Acme SDK raise "TimeoutError" on upload?'
    assert m.text.startswith("Uploading with acme.upload() fails & retries:")
    assert "TimeoutError: read timed out" in m.text
    assert m.author is not None
    assert m.author.handle == "Zoë & Co"
    assert m.author.id == "7654321"
    assert m.author.url == "https://stackoverflow.com/users/7654321/zoe-co"
    assert m.created_at == datetime.fromtimestamp(1772272800, UTC)
    assert m.edited_at == datetime.fromtimestamp(1772274000, UTC)
    assert (m.metrics.score, m.metrics.replies, m.metrics.views) == (7, 3, 1532)
    assert m.hashtags == ("python", "acme-sdk")
    assert m.channel == "stackoverflow"
    assert m.extras["owner_reputation"] == 2051
    assert m.extras["accepted_answer_id"] == 79000010
    assert m.extras["is_answered"] is True
    assert page.rate_limit is not None
    assert page.rate_limit.retry_after == 10  # the body's backoff, to be honoured:
    assert page.rate_limit.remaining == 0  # nothing may be sent before reset_at
    assert page.rate_limit.reset_at == NOW + timedelta(seconds=10)
    assert page.rate_limit.limit == 300
    assert "quota_remaining:287" in page.notes


def test_without_backoff_the_daily_quota_is_reported() -> None:
    body = {**fixture("stackexchange_search_advanced.json"), "items": []}
    del body["backoff"]
    page = drive(
        StackExchangeConnector(now=_clock), Query(text="acme"), lambda r: gzip_json(body), state=SourceState()
    )
    assert page.rate_limit is not None
    assert (page.rate_limit.remaining, page.rate_limit.limit, page.rate_limit.reset_at) == (287, 300, None)
    assert "quota_remaining:287" in page.notes


def test_request_parameters() -> None:
    conn = StackExchangeConnector(sites=["superuser"], key="app-key-value", now=_clock)
    query = Query(text="acme", since=datetime(2026, 2, 1, tzinfo=UTC), until=datetime(2026, 2, 2, tzinfo=UTC))
    request = next(conn.fetch_page(query, cursor=None, state=SourceState()))
    params = dict(request.params)
    assert request.url == "https://api.stackexchange.com/2.3/search/advanced"
    assert params == {
        "q": "acme",
        "site": "superuser",
        "sort": "creation",
        "order": "desc",
        "filter": "withbody",
        "fromdate": 1769904000,
        "todate": 1769990399,
        "key": "app-key-value",
        "pagesize": 100,
        "page": 1,
    }
    assert request.headers["Accept-Encoding"] == "gzip"


def test_throttle_violation_parks_the_source_until_the_ban_ends() -> None:
    body = {
        "error_id": 502,
        "error_name": "throttle_violation",
        "error_message": "too many requests from this IP, more requests available in 7633 seconds",
    }
    with pytest.raises(RateLimited) as info:
        drive(
            StackExchangeConnector(now=_clock),
            Query(text="acme"),
            lambda r: gzip_json(body, status=502),
            state=SourceState(),
        )
    assert info.value.reset_at == NOW + timedelta(seconds=7633)
    assert info.value.source == "stackexchange"


def test_other_error_bodies_are_platform_errors() -> None:
    body = {"error_id": 400, "error_name": "bad_parameter", "error_message": "site is required"}
    with pytest.raises(PlatformError, match="site is required"):
        drive(
            StackExchangeConnector(now=_clock),
            Query(text="acme"),
            lambda r: gzip_json(body, status=400),
            state=SourceState(),
        )


def test_site_names_are_validated() -> None:
    with pytest.raises(ConfigError):
        StackExchangeConnector(sites=["https://evil.example/"])


@pytest.mark.reliability(15)
@pytest.mark.reliability(16)
def test_2700_questions_past_page_25_resume_after_a_crash_exactly_once() -> None:
    start = NOW - timedelta(days=20)
    items = [_question(i, start + timedelta(seconds=600 * i)) for i in range(2700)]
    items += [_question(5000 + i, start + timedelta(seconds=600 * 150)) for i in range(4)]  # same second
    fake = FakeStackExchange(items)
    collector = Collector(StackExchangeConnector(now=_clock), Query(text="acme", since=start), fake)
    with pytest.raises(Crash):
        collector.run(crash_after=14)
    collector.run()
    assert collector.ids == {f"stackoverflow/{q['question_id']}" for q in items}
    assert len(collector.delivered) == len(items)
    assert max(int(r.url.params["page"]) for r in fake.requests) == 25
    assert not any(p.truncated for p in collector.pages)


@pytest.mark.reliability(17)
def test_incremental_run_starts_at_the_watermark_minus_the_overlap() -> None:
    items = [_question(i, NOW - timedelta(minutes=100 - i)) for i in range(50)]
    fake = FakeStackExchange(items)
    collector = Collector(
        StackExchangeConnector(now=_clock), Query(text="acme", since=NOW - timedelta(days=1)), fake
    )
    collector.run()
    late = _question(900, NOW - timedelta(minutes=53))  # indexed late, 2 minutes before the watermark
    fake.items = sorted([*fake.items, late], key=lambda q: -q["creation_date"])
    collector.run()
    assert int(fake.requests[-1].url.params["fromdate"]) == int((NOW - timedelta(minutes=61)).timestamp())
    assert "stackoverflow/1900" in collector.ids


def test_several_sites_are_one_run() -> None:
    items = [_question(1, NOW - timedelta(minutes=1)), _question(2, NOW - timedelta(minutes=2), site="unix")]

    def handler(request: httpx.Request) -> httpx.Response:
        site = request.url.params["site"]
        host = "stackoverflow.com" if site == "stackoverflow" else f"{site}.stackexchange.com"
        return gzip_json({"items": [q for q in items if host in q["link"]], "has_more": False})

    collector = Collector(
        StackExchangeConnector(sites=["stackoverflow", "unix"], now=_clock),
        Query(text="acme", since=NOW - timedelta(hours=1)),
        handler,
    )
    collector.run()
    assert collector.ids == {"stackoverflow/1001", "unix/1002"}
    assert collector.pages[0].next_cursor is not None
    assert collector.pages[-1].done


@pytest.mark.reliability(18)
def test_future_dated_question_is_flagged_and_clamps_the_watermark() -> None:
    items = [_question(1, NOW - timedelta(minutes=1)), _question(2, datetime(2099, 1, 1, tzinfo=UTC))]
    query = Query(text="acme", since=NOW - timedelta(hours=1), until=datetime(2100, 1, 1, tzinfo=UTC))
    page = drive(StackExchangeConnector(now=_clock), query, FakeStackExchange(items), state=SourceState())
    flags = {m.native_id: m.flags for m in page.mentions}
    assert "date_future" in flags["stackoverflow/1002"]
    assert "date_future" not in flags["stackoverflow/1001"]
    assert page.state.watermark == NOW + timedelta(days=1)


def test_the_client_honours_the_body_backoff_before_the_next_request() -> None:
    from social_listen.core import Client

    items = [_question(i, NOW - timedelta(minutes=i + 1)) for i in range(150)]
    fake = FakeStackExchange(items)

    def handler(request: httpx.Request) -> httpx.Response:
        response = fake(request)
        if request.url.params["page"] == "1":
            body = response.json()
            return gzip_json({**body, "backoff": 7})
        return response

    ticks = [500.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        ticks[0] += seconds

    with Client(
        transport=httpx.MockTransport(handler), sleep=sleep, clock=lambda: ticks[0], now=_clock
    ) as client:
        result = client.fetch(
            StackExchangeConnector(now=_clock), Query(text="acme", since=NOW - timedelta(days=1))
        )
    assert result.error is None
    assert len(result.mentions) == 150
    assert waits == [pytest.approx(7.0)]

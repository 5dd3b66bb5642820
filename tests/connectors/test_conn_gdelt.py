"""GDELT DOC 2.0: article mapping, time slices under the 250 cap, text errors, pacing, window clamp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from open_conn_support import Collector, Crash, FakeGDELT, drive, fixture

from social_listen.connectors.gdelt import GDELTConnector
from social_listen.core import PlatformError, Query, SourceState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


def _article(i: int, when: datetime) -> dict[str, Any]:
    return {
        "url": f"https://news{i % 7}.example/a/{i}",
        "title": f"Acme story {i}",
        "seendate": when.strftime("%Y%m%dT%H%M%SZ"),
        "domain": f"news{i % 7}.example",
        "language": "English",
        "sourcecountry": "Ireland",
        "socialimage": "",
        "url_mobile": "",
    }


def test_fixture_articles_are_mapped_field_by_field() -> None:
    body = fixture("gdelt_artlist.json")
    page = drive(
        GDELTConnector(now=_clock),
        Query(text="acme", since=NOW - timedelta(days=2)),
        lambda r: httpx.Response(200, json=body),
        state=SourceState(),
    )
    en, es = page.mentions
    assert en.source == "gdelt"
    assert en.native_id == en.url == "https://www.example-news.com/business/2026/02/28/acme-recall"
    assert en.title == "Acme recalls 20,000 kettles after overheating reports"
    assert en.text == ""
    assert en.created_at == datetime(2026, 2, 28, 10, 15, tzinfo=UTC)
    assert en.language == "en"
    assert en.channel == "example-news.com"
    assert en.extras == {
        "language_name": "English",
        "sourcecountry": "United Kingdom",
        "socialimage": "https://www.example-news.com/img/acme-recall.jpg",
        "url_mobile": "https://m.example-news.com/business/2026/02/28/acme-recall",
    }
    assert es.language == "es"
    assert es.extras == {"language_name": "Spanish", "sourcecountry": "Spain"}
    assert page.rate_limit is not None
    assert page.rate_limit.retry_after == 5.0  # one request per five seconds:
    assert page.rate_limit.remaining == 0  # the runner's pacer waits until reset_at
    assert page.rate_limit.reset_at == NOW + timedelta(seconds=5)


def test_request_parameters_and_language_filter() -> None:
    query = Query(
        text='"acme corp"',
        since=datetime(2026, 2, 1, tzinfo=UTC),
        until=datetime(2026, 2, 2, tzinfo=UTC),
        languages=("es",),
    )
    request = next(GDELTConnector(now=_clock).fetch_page(query, cursor=None, state=SourceState()))
    assert request.url == "https://api.gdeltproject.org/api/v2/doc/doc"
    assert request.expect == "any"
    assert dict(request.params) == {
        "query": '"acme corp" sourcelang:spanish',
        "mode": "ArtList",
        "format": "json",
        "maxrecords": 250,
        "sort": "DateDesc",
        "startdatetime": "20260201000000",
        "enddatetime": "20260202000000",
    }


def test_plain_text_error_with_status_200_is_a_platform_error() -> None:
    with pytest.raises(PlatformError, match="phrase is too short"):
        drive(GDELTConnector(now=_clock), Query(text="ac"), FakeGDELT([]), state=SourceState())


def test_empty_object_means_no_articles() -> None:
    page = drive(GDELTConnector(now=_clock), Query(text="acme"), FakeGDELT([]), state=SourceState())
    assert page.mentions == ()
    assert page.done


def test_since_older_than_three_months_is_clamped_and_noted() -> None:
    fake = FakeGDELT([])
    page = drive(
        GDELTConnector(now=_clock),
        Query(text="acme", since=NOW - timedelta(days=400)),
        fake,
        state=SourceState(),
    )
    assert fake.requests[0].url.params["startdatetime"] == (NOW - timedelta(days=90)).strftime("%Y%m%d%H%M%S")
    assert any(n.startswith("window_clamped:") for n in page.notes)


@pytest.mark.reliability(15)
@pytest.mark.reliability(16)
def test_2600_articles_under_the_250_cap_resume_after_a_crash_exactly_once() -> None:
    start = NOW - timedelta(days=20)
    articles = [_article(i, start + timedelta(seconds=600 * i)) for i in range(2600)]
    articles += [_article(9000 + i, start + timedelta(seconds=600 * 70)) for i in range(6)]  # same second
    fake = FakeGDELT(articles)
    collector = Collector(GDELTConnector(now=_clock), Query(text="acme", since=start), fake)
    with pytest.raises(Crash):
        collector.run(crash_after=6)
    collector.run()
    assert collector.ids == {a["url"] for a in articles}
    assert len(collector.delivered) == len(articles)
    assert not any(p.truncated for p in collector.pages)


@pytest.mark.reliability(15)
def test_more_than_250_articles_in_one_second_is_truncated() -> None:
    when = NOW - timedelta(hours=1)
    fake = FakeGDELT([_article(i, when) for i in range(300)])
    collector = Collector(
        GDELTConnector(now=_clock), Query(text="acme", since=NOW - timedelta(hours=2)), fake
    )
    collector.run()
    assert collector.pages[-1].truncated
    assert len(collector.ids) == 250


def test_the_client_waits_five_seconds_between_requests() -> None:
    from social_listen.core import Client

    start = NOW - timedelta(days=1)
    fake = FakeGDELT([_article(i, start + timedelta(seconds=100 * i)) for i in range(400)])
    ticks = [1000.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        ticks[0] += seconds

    with Client(
        transport=httpx.MockTransport(fake), sleep=sleep, clock=lambda: ticks[0], now=_clock
    ) as client:
        result = client.fetch(GDELTConnector(now=_clock), Query(text="acme", since=start))
    assert result.error is None
    assert len(fake.requests) == 2
    assert waits == [pytest.approx(5.0)]


@pytest.mark.reliability(18)
def test_future_seendate_is_flagged_and_clamps_the_watermark() -> None:
    articles = [_article(1, NOW - timedelta(minutes=1)), _article(2, datetime(2099, 1, 1, tzinfo=UTC))]
    query = Query(text="acme", since=NOW - timedelta(hours=1), until=datetime(2100, 1, 1, tzinfo=UTC))
    page = drive(GDELTConnector(now=_clock), query, FakeGDELT(articles), state=SourceState())
    flags = {m.native_id.rsplit("/", 1)[1]: m.flags for m in page.mentions}
    assert "date_future" in flags["2"]
    assert "date_future" not in flags["1"]
    assert page.state.watermark == NOW + timedelta(days=1)

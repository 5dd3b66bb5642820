"""HTTP faults under the client: retries, Retry-After, parking, pacing, caps, content types."""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Sequence
from datetime import timedelta
from email.utils import format_datetime

import httpx
import pytest
from client_support import (
    QUERY,
    THREE_PAGES,
    Chunks,
    PagedSource,
    Platform,
    RateLimitedSource,
    Sleeps,
    streamed,
    wall,
)

from social_listen import (
    AsyncClient,
    Client,
    Limits,
    MemoryCheckpointer,
    RateLimited,
    ResponseTooLarge,
    SourceState,
    SourceUnavailable,
    UnexpectedContentType,
)
from social_listen.core._http import check_content_type

PAGE_1 = json.dumps(THREE_PAGES["1"]).encode()


def make_client(platform: Platform, sleeps: Sleeps, *, limits: Limits | None = None) -> Client:
    return Client(
        transport=platform.transport(),
        sleep=sleeps,
        clock=sleeps.clock,
        now=wall(sleeps),
        random=lambda: 0.5,
        limits=limits or Limits(),
    )


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


# ---------------------------------------------------------------- row 1: DNS failure, refused


@pytest.mark.reliability(1)
def test_connection_refused_is_retried_with_full_jitter_then_source_unavailable() -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [refused] * 10
    checkpointer = MemoryCheckpointer()
    before = SourceState(cursor="2")
    checkpointer.states["inline:acme"] = before
    with make_client(platform, sleeps) as client:
        result = client.fetch(PagedSource(), QUERY, checkpointer=checkpointer)
    assert isinstance(result.error, SourceUnavailable)
    assert "ConnectError" in str(result.error)
    assert len(platform.requests) == 6  # Limits.max_attempts
    # full jitter with random()=0.5: half of min(30, 0.5 * 2**(n-1))
    assert sleeps.waits == [0.25, 0.5, 1.0, 2.0, 4.0]
    assert checkpointer.states["inline:acme"] == before  # checkpoint unchanged
    assert checkpointer.commits == 0
    assert result.completeness.retries == 5
    assert result.completeness.requests == 6
    assert result.completeness.waited_seconds == pytest.approx(7.75)


@pytest.mark.reliability(1)
def test_retries_stop_when_the_total_time_bound_would_be_passed() -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [refused] * 10
    with make_client(platform, sleeps, limits=Limits(max_retry_time=3.0)) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert isinstance(result.error, SourceUnavailable)
    assert sleeps.waits == [0.25, 0.5, 1.0]  # the next wait (2.0) would pass 3 s in total
    assert len(platform.requests) == 4


@pytest.mark.reliability(1)
def test_dns_failure_is_retried_then_source_unavailable() -> None:
    lookups: list[str] = []

    def no_dns(host: str, port: int) -> Sequence[str]:
        lookups.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    sleeps = Sleeps()
    with Client(sleep=sleeps, clock=sleeps.clock, random=lambda: 0.0, resolver=no_dns) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert isinstance(result.error, SourceUnavailable)
    assert "could not resolve" in str(result.error)
    assert lookups == ["api.example.test"] * 6


@pytest.mark.reliability(1)
async def test_async_connection_refused_is_retried_then_source_unavailable() -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [refused] * 10
    async with AsyncClient(
        transport=platform.transport(), sleep=sleeps.asleep, clock=sleeps.clock, random=lambda: 0.5
    ) as client:
        result = await client.fetch(PagedSource(), QUERY)
    assert isinstance(result.error, SourceUnavailable)
    assert sleeps.waits == [0.25, 0.5, 1.0, 2.0, 4.0]


# ---------------------------------------------------------------- row 2: stalls and slow drips


@pytest.mark.reliability(2)
def test_read_timeout_is_configured_and_a_stall_is_retried() -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [httpx.ReadTimeout("timed out", request=httpx.Request("GET", "https://x.test"))]
    limits = Limits(read_timeout=3.0, connect_timeout=2.0)
    with make_client(platform, sleeps, limits=limits) as client:
        assert client.http.timeout == httpx.Timeout(connect=2.0, read=3.0, write=3.0, pool=2.0)
        result = client.fetch(PagedSource(), QUERY)
    assert result.ok
    assert len(platform.requests) == 4
    assert result.completeness.retries == 1


@pytest.mark.reliability(2)
def test_slow_drip_body_hits_the_overall_deadline() -> None:
    sleeps = Sleeps()

    def tick() -> None:
        sleeps.now += 0.2  # one byte every 0.2 s: never a read timeout

    drip = Chunks([bytes([b]) for b in PAGE_1] * 10, each=tick)
    platform = Platform()
    platform.script = [httpx.Response(200, headers={"content-type": "application/json"}, stream=drip)]
    limits = Limits(request_deadline=5.0, max_attempts=1)
    with make_client(platform, sleeps, limits=limits) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert isinstance(result.error, SourceUnavailable)
    assert "deadline" in str(result.error)
    assert drip.served <= 27  # aborted while reading, about 5 s / 0.2 s bytes in


# ---------------------------------------------------------------- row 3: truncated, reset


@pytest.mark.reliability(3)
def test_truncated_body_is_retried_and_never_parsed() -> None:
    sleeps = Sleeps()
    platform = Platform()
    short = streamed(200, [PAGE_1[:20]], headers={"content-length": str(len(PAGE_1))})
    platform.script = [short]
    source = PagedSource()
    with make_client(platform, sleeps) as client:
        result = client.fetch(source, QUERY)
    assert result.ok
    assert len(result.mentions) == 9
    assert len(platform.requests) == 4
    assert all(r.content != PAGE_1[:20] for r in source.seen_responses)  # the partial body never reached it


@pytest.mark.reliability(3)
def test_connection_reset_mid_body_is_retried() -> None:
    sleeps = Sleeps()
    platform = Platform()
    reset = httpx.ReadError("[Errno 104] Connection reset by peer")
    platform.script = [streamed(200, [PAGE_1[:10]], then=reset), streamed(200, [PAGE_1[:10]], then=reset)]
    with make_client(platform, sleeps) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert result.ok
    assert result.completeness.retries == 2


@pytest.mark.reliability(3)
def test_truncated_gzip_stream_is_retried() -> None:
    sleeps = Sleeps()
    packed = gzip.compress(PAGE_1)
    platform = Platform()
    platform.script = [streamed(200, [packed[: len(packed) // 2]], headers={"content-encoding": "gzip"})]
    with make_client(platform, sleeps) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert result.ok
    assert result.completeness.retries == 1


# ---------------------------------------------------------------- rows 4 and 5: Retry-After


def too_many(headers: dict[str, str]) -> httpx.Response:
    return httpx.Response(429, headers=headers, json={"error": "slow down"})


@pytest.mark.reliability(4)
@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"Retry-After": "12.5"}, 12.5),
    ],
)
def test_429_waits_what_the_server_asks(headers: dict[str, str], wait: float) -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [too_many(headers)]
    with make_client(platform, sleeps) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert result.ok
    assert sleeps.waits == [wait]
    assert result.completeness.rate_limit_waits == 1


@pytest.mark.reliability(4)
def test_retry_after_http_date_is_measured_against_the_server_date() -> None:
    sleeps = Sleeps()
    server_now = wall(sleeps)() - timedelta(hours=1)  # the server's clock is an hour behind ours
    headers = {
        "Date": format_datetime(server_now, usegmt=True),
        "Retry-After": format_datetime(server_now + timedelta(seconds=20), usegmt=True),
    }
    platform = Platform()
    platform.script = [httpx.Response(503, headers=headers)]
    with make_client(platform, sleeps) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert result.ok
    assert sleeps.waits == [20.0]


@pytest.mark.reliability(5)
@pytest.mark.parametrize("value", ["inf", "nan", "-5", "1e20", "Fri, 31 Feb 2024 99:99:99 GMT", "soon", ""])
def test_absurd_retry_after_is_treated_as_absent(value: str) -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [too_many({"Retry-After": value})]
    with make_client(platform, sleeps) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert result.ok
    assert sleeps.waits == [0.25]  # full-jitter backoff instead


@pytest.mark.reliability(5)
def test_a_wait_over_the_cap_is_not_slept_and_the_source_is_parked() -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [too_many({"Retry-After": "3600"})]
    with make_client(platform, sleeps) as client:
        first = client.fetch(PagedSource(), QUERY)
        assert isinstance(first.error, RateLimited)
        assert first.error.reset_at == wall(sleeps)() + timedelta(seconds=3600)
        assert sleeps.waits == []
        # parked: the next run of that source fails at once, without a request
        second = client.fetch(PagedSource(), QUERY)
        assert isinstance(second.error, RateLimited)
        assert len(platform.requests) == 1
        # other sources are not parked
        assert client.fetch(PagedSource("other"), QUERY).ok
        # after the reset the source runs again
        sleeps.now += 3601
        assert client.fetch(PagedSource(), QUERY).ok


@pytest.mark.reliability(5)
def test_a_parked_source_raises_from_iter_pages() -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [too_many({"Retry-After": "500"})]
    with make_client(platform, sleeps) as client:
        with pytest.raises(RateLimited):
            list(client.iter_pages(PagedSource(), QUERY))
        with pytest.raises(RateLimited, match="parked"):
            list(client.iter_pages(PagedSource(), QUERY))
    assert len(platform.requests) == 1


# ---------------------------------------------------------------- row 6: pacing


def limited(remaining: int, reset: float, body: dict[str, object]) -> httpx.Response:
    return httpx.Response(200, headers={"x-remaining": str(remaining), "x-reset": str(reset)}, json=body)


@pytest.mark.reliability(6)
def test_pacing_spreads_the_remaining_requests_over_the_window() -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [
        limited(2, 10.0, THREE_PAGES["1"]),  # 2 left in 10 s: the next waits 5 s
        limited(0, 30.0, THREE_PAGES["2"]),  # none left: wait for the reset
    ]
    with make_client(platform, sleeps) as client:
        result = client.fetch(RateLimitedSource(now=wall(sleeps)), QUERY)
    assert result.ok
    assert sleeps.waits == [pytest.approx(5.0), pytest.approx(30.0)]
    assert result.completeness.rate_limit_waits == 2


@pytest.mark.reliability(6)
def test_pacing_uses_the_monotonic_clock_not_the_wall_clock() -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [limited(1, 10.0, THREE_PAGES["1"])]
    frozen_wall = wall(sleeps)()  # a wall clock that jumps back would not shorten the wait
    with Client(
        transport=platform.transport(), sleep=sleeps, clock=sleeps.clock, now=lambda: frozen_wall
    ) as client:
        source = RateLimitedSource(now=lambda: frozen_wall)
        steps = client.iter_pages(source, QUERY)
        next(steps)
        sleeps.now += 4.0  # time passes on the monotonic clock while the caller works
        next(steps)
    assert sleeps.waits == [pytest.approx(6.0)]


@pytest.mark.reliability(6)
def test_a_window_reset_beyond_the_cap_parks_the_source() -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [limited(0, 900.0, THREE_PAGES["1"])]
    with make_client(platform, sleeps) as client:
        result = client.fetch(RateLimitedSource(now=wall(sleeps)), QUERY)
    assert isinstance(result.error, RateLimited)
    assert len(result.mentions) == 3  # the first page was kept
    assert sleeps.waits == []


@pytest.mark.reliability(6)
def test_429_without_retry_after_waits_for_the_connectors_reset() -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [httpx.Response(429, headers={"x-remaining": "0", "x-reset": "42"})]
    with make_client(platform, sleeps) as client:
        result = client.fetch(RateLimitedSource(now=wall(sleeps)), QUERY)
    assert result.ok
    assert sleeps.waits[0] == pytest.approx(42.0)


# ---------------------------------------------------------------- row 7: 5xx and 408


@pytest.mark.reliability(7)
@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_5xx_and_408_are_retried(status: int) -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [httpx.Response(status, text="oops")]
    source = PagedSource()
    with make_client(platform, sleeps) as client:
        result = client.fetch(source, QUERY)
    assert result.ok
    assert [r.status_code for r in source.seen_responses] == [200, 200, 200]  # never saw the 5xx


@pytest.mark.reliability(7)
def test_5xx_forever_ends_in_source_unavailable() -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [httpx.Response(503)] * 6
    with make_client(platform, sleeps) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert isinstance(result.error, SourceUnavailable)
    assert "HTTP 503" in str(result.error)


# ---------------------------------------------------------------- row 10: size caps


@pytest.mark.reliability(10)
def test_body_over_the_raw_cap_is_aborted_while_reading() -> None:
    sleeps = Sleeps()
    body = Chunks([b"x" * 1000] * 50)
    platform = Platform()
    platform.script = [httpx.Response(200, headers={"content-type": "application/json"}, stream=body)]
    checkpointer = MemoryCheckpointer()
    with make_client(platform, sleeps, limits=Limits(max_body_bytes=4000)) as client:
        result = client.fetch(PagedSource(), QUERY, checkpointer=checkpointer)
    assert isinstance(result.error, ResponseTooLarge)
    assert body.served <= 5000
    assert result.completeness.skipped == {"response_too_large": 1}
    assert "response_too_large" in result.completeness.last_errors
    assert checkpointer.commits == 0
    assert len(platform.requests) == 1  # not retried


@pytest.mark.reliability(10)
def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    sleeps = Sleeps()
    body = Chunks([b"x" * 100])
    platform = Platform()
    headers = {"content-type": "application/json", "content-length": "999999"}
    platform.script = [httpx.Response(200, headers=headers, stream=body)]
    with make_client(platform, sleeps, limits=Limits(max_body_bytes=4000)) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert isinstance(result.error, ResponseTooLarge)
    assert body.served == 0


@pytest.mark.reliability(10)
def test_lying_content_length_does_not_lift_the_cap() -> None:
    sleeps = Sleeps()
    body = Chunks([b"x" * 1000] * 20)
    platform = Platform()
    headers = {"content-type": "application/json", "content-length": "10"}
    platform.script = [httpx.Response(200, headers=headers, stream=body)]
    with make_client(platform, sleeps, limits=Limits(max_body_bytes=4000)) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert isinstance(result.error, ResponseTooLarge)
    assert body.served <= 5000


@pytest.mark.reliability(10)
def test_gzip_bomb_is_stopped_by_the_decoded_cap() -> None:
    sleeps = Sleeps()
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))  # 20 MB of zeros in about 20 KB
    body = Chunks([bomb[i : i + 4096] for i in range(0, len(bomb), 4096)])
    platform = Platform()
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    platform.script = [httpx.Response(200, headers=headers, stream=body)]
    limits = Limits(max_decoded_bytes=1024 * 1024)
    with make_client(platform, sleeps, limits=limits) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert isinstance(result.error, ResponseTooLarge)
    assert "decodes to more than" in str(result.error)
    assert body.served < len(bomb)  # aborted while reading, long before the end
    assert result.completeness.skipped == {"response_too_large": 1}


def test_gzip_bodies_are_decoded_for_the_connector() -> None:
    sleeps = Sleeps()
    platform = Platform()
    packed = gzip.compress(PAGE_1)
    platform.script = [streamed(200, [packed[:7], packed[7:]], headers={"content-encoding": "gzip"})]
    source = PagedSource()
    with make_client(platform, sleeps) as client:
        result = client.fetch(source, QUERY)
    assert result.ok
    assert source.seen_responses[0].content == PAGE_1
    assert "content-encoding" not in source.seen_responses[0].headers


# ---------------------------------------------------------------- row 11: HTML instead of JSON


@pytest.mark.reliability(11)
def test_html_instead_of_json_is_skipped_with_a_redacted_snippet() -> None:
    sleeps = Sleeps()
    platform = Platform()
    portal = (
        "<!DOCTYPE html><html><body>Log in to the hotel wifi "
        "<a href='/login?session_token=abcdef123456'>here</a></body></html>"
    )
    platform.script = [
        httpx.Response(200, json=THREE_PAGES["1"]),
        httpx.Response(200, headers={"content-type": "text/html"}, text=portal),
    ]
    checkpointer = MemoryCheckpointer()
    with make_client(platform, sleeps) as client:
        result = client.fetch(PagedSource(), QUERY, checkpointer=checkpointer)
    assert isinstance(result.error, UnexpectedContentType)
    message = str(result.error)
    assert "hotel wifi" in message
    assert "abcdef123456" not in message
    assert len(message) < 400
    assert checkpointer.states["inline:acme"].cursor == "2"  # not advanced past the good page
    assert result.state.cursor == "2"
    assert result.completeness.skipped == {"unexpected_content_type": 1}


@pytest.mark.reliability(11)
def test_html_body_labelled_as_json_is_refused() -> None:
    sleeps = Sleeps()
    platform = Platform()
    platform.script = [
        httpx.Response(200, headers={"content-type": "application/json"}, text="<html>502</html>")
    ]
    with make_client(platform, sleeps) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert isinstance(result.error, UnexpectedContentType)


@pytest.mark.reliability(11)
@pytest.mark.parametrize(
    ("expect", "content_type", "body", "accepted"),
    [
        ("json", "application/json; charset=utf-8", "{}", True),
        ("json", "application/activity+json", "{}", True),
        ("json", "", "[]", True),
        ("json", "text/html", "<html></html>", False),
        ("json", "text/plain", "<!doctype html><p>down</p>", False),
        ("xml", "application/rss+xml", "<rss/>", True),
        ("xml", "text/xml", "<?xml version='1.0'?><feed/>", True),
        ("xml", "text/html", "<?xml version='1.0'?><rss/>", True),  # feeds served as text/html
        ("xml", "text/html", "<html><body>captive</body></html>", False),
        ("html", "text/html", "<html></html>", True),
        ("html", "application/json", "{}", False),
        ("any", "image/png", "...", True),
    ],
)
def test_content_type_check(expect: str, content_type: str, body: str, accepted: bool) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = httpx.Response(200, headers=headers, text=body)
    if content_type == "":
        del response.headers["content-type"]
    if accepted:
        check_content_type(response, expect=expect, source="t")
    else:
        with pytest.raises(UnexpectedContentType):
            check_content_type(response, expect=expect, source="t")

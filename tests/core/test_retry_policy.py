"""Retry-After parsing, reset dialects, full jitter, the tenacity policy and the pacer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from tenacity import Retrying

from social_listen import Limits, RateLimited, RateLimitInfo, parse_reset, parse_retry_after
from social_listen.core._retry import Pacer, RetryableFailure, RetryPolicy, full_jitter

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.reliability(4)
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "120"}, 120.0),
        ({"Retry-After": " 3 "}, 3.0),
        ({"Retry-After": "0"}, 0.0),
        ({"retry-after-ms": "2500"}, 2.5),
        ({"retry-after-ms": "nan", "Retry-After": "4"}, 4.0),  # a bad ms value falls back
        ({"Retry-After": format_datetime(NOW + timedelta(seconds=90), usegmt=True)}, 90.0),
        ({"Retry-After": format_datetime(NOW - timedelta(seconds=90), usegmt=True)}, 0.0),  # already past
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now=NOW) == expected


@pytest.mark.reliability(4)
def test_retry_after_date_uses_the_server_date_for_skew() -> None:
    server_now = NOW + timedelta(minutes=7)  # the server's clock runs 7 minutes ahead
    headers = {
        "Date": format_datetime(server_now, usegmt=True),
        "Retry-After": format_datetime(server_now + timedelta(seconds=30), usegmt=True),
    }
    assert parse_retry_after(headers, now=NOW) == 30.0


@pytest.mark.reliability(5)
@pytest.mark.parametrize(
    "value",
    [
        "inf",
        "-inf",
        "nan",
        "-5",
        "1e20",
        "1e3",
        "99999999999",
        "0x10",
        "1_000",
        "Fri, 31 Feb 2024 10:00:00 GMT",
        "x",
        "",
    ],
)
def test_absurd_retry_after_values_are_absent(value: str) -> None:
    assert parse_retry_after({"Retry-After": value}, now=NOW) is None
    assert parse_retry_after({"retry-after-ms": value}, now=NOW) is None


@pytest.mark.reliability(5)
def test_a_retry_after_date_far_in_the_future_is_absent() -> None:
    far = format_datetime(NOW + timedelta(days=400), usegmt=True)
    assert parse_retry_after({"Retry-After": far}, now=NOW) is None


@pytest.mark.reliability(6)
def test_parse_reset_dialects() -> None:
    # Reddit: x-ratelimit-reset is seconds from now, as a float
    assert parse_reset("59.5", now=NOW) == NOW + timedelta(seconds=59.5)
    # Bluesky/GitHub: epoch seconds, server time corrected with Date (server 2 min behind)
    date = format_datetime(NOW - timedelta(minutes=2), usegmt=True)
    epoch = (NOW - timedelta(minutes=2) + timedelta(seconds=300)).timestamp()
    assert parse_reset(str(int(epoch)), kind="epoch", date_header=date, now=NOW) == NOW + timedelta(
        seconds=300
    )
    # Mastodon: ISO 8601 time, also corrected
    iso = (NOW - timedelta(minutes=2) + timedelta(seconds=60)).isoformat().replace("+00:00", "Z")
    assert parse_reset(iso, kind="iso", date_header=date, now=NOW) == NOW + timedelta(seconds=60)
    assert parse_reset("2024-05-01T12:01:00", kind="iso", now=NOW) == NOW + timedelta(
        minutes=1
    )  # naive = UTC


@pytest.mark.reliability(6)
@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "seconds"),
        ("nan", "seconds"),
        ("-3", "seconds"),
        ("inf", "epoch"),
        ("1e300", "epoch"),
        ("4102444800", "epoch"),  # 2100: too far to be a window reset
        ("soon", "iso"),
        ("2024-13-01T00:00:00Z", "iso"),
    ],
)
def test_parse_reset_garbage_is_none(value: str | None, kind: str) -> None:
    assert parse_reset(value, kind=kind, now=NOW) is None  # type: ignore[arg-type]


@pytest.mark.reliability(1)
def test_full_jitter_stays_within_the_exponential_ceiling() -> None:
    assert full_jitter(1, base=0.5, cap=30, random=lambda: 0.999) < 0.5
    assert full_jitter(4, base=0.5, cap=30, random=lambda: 0.999) < 4.0
    assert full_jitter(20, base=0.5, cap=30, random=lambda: 0.999) < 30.0
    assert full_jitter(3, base=0.5, cap=30, random=lambda: 0.0) == 0.0


class Flaky:
    def __init__(self, failures: list[RetryableFailure]) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def retrying(limits: Limits, waits: list[float], clock: list[float] | None = None) -> Retrying:
    now = clock or [0.0]
    policy = RetryPolicy(limits=limits, clock=lambda: now[0], random=lambda: 1.0)
    return Retrying(sleep=waits.append, **policy.tenacity_options(on_retry=lambda failure, wait: None))


@pytest.mark.reliability(4)
def test_policy_waits_the_server_time_then_falls_back_to_jitter() -> None:
    waits: list[float] = []
    flaky = Flaky([RetryableFailure("HTTP 429", retry_after=7.0, status=429), RetryableFailure("HTTP 503")])
    assert retrying(Limits(), waits)(flaky) == "ok"
    assert waits == [7.0, 1.0]  # then full jitter for attempt 2: 1.0 * min(30, 0.5 * 2)


@pytest.mark.reliability(1)
def test_policy_bounds_attempts_and_reraises_the_last_failure() -> None:
    waits: list[float] = []
    flaky = Flaky([RetryableFailure(f"fail {i}") for i in range(10)])
    with pytest.raises(RetryableFailure, match="fail 2"):
        retrying(Limits(max_attempts=3), waits)(flaky)
    assert flaky.calls == 3


@pytest.mark.reliability(1)
def test_policy_bounds_total_time_on_the_injected_clock() -> None:
    clock = [0.0]
    waits: list[float] = []

    def slow_failure() -> str:
        clock[0] += 50.0  # each attempt takes 50 s (connect timeouts)
        raise RetryableFailure("ConnectTimeout")

    with pytest.raises(RetryableFailure):
        retrying(Limits(max_retry_time=120.0), waits, clock)(slow_failure)
    assert clock[0] == 150.0  # a third attempt would start after more than 120 s
    assert len(waits) == 2


def test_policy_does_not_retry_other_errors() -> None:
    waits: list[float] = []

    def broken() -> str:
        raise RateLimited("parked", source="s")

    with pytest.raises(RateLimited):
        retrying(Limits(), waits)(broken)
    assert waits == []


class Clocks:
    def __init__(self) -> None:
        self.mono = 100.0

    def now(self) -> datetime:
        return NOW + timedelta(seconds=self.mono - 100.0)


@pytest.mark.reliability(6)
def test_pacer_spreads_and_parks() -> None:
    clocks = Clocks()
    pacer = Pacer(cap=120.0, clock=lambda: clocks.mono, now=clocks.now)
    assert pacer.delay("reddit") == 0.0
    pacer.observe("reddit", RateLimitInfo(remaining=10, reset_at=NOW + timedelta(seconds=60)))
    assert pacer.delay("reddit") == pytest.approx(6.0)
    assert pacer.delay("mastodon") == 0.0  # per source
    clocks.mono += 6.0
    assert pacer.delay("reddit") == 0.0
    pacer.observe("reddit", RateLimitInfo(remaining=0, reset_at=clocks.now() + timedelta(seconds=600)))
    with pytest.raises(RateLimited) as caught:
        pacer.delay("reddit")
    assert caught.value.reset_at == clocks.now() + timedelta(seconds=600)
    with pytest.raises(RateLimited, match="parked"):
        pacer.delay("reddit")
    clocks.mono += 601
    assert pacer.delay("reddit") == 0.0


@pytest.mark.reliability(6)
def test_pacer_ignores_incomplete_or_past_signals() -> None:
    clocks = Clocks()
    pacer = Pacer(cap=120.0, clock=lambda: clocks.mono, now=clocks.now)
    pacer.observe("s", RateLimitInfo(remaining=5))
    pacer.observe("s", RateLimitInfo(reset_at=NOW + timedelta(seconds=30)))
    assert pacer.delay("s") == 0.0
    pacer.observe("s", RateLimitInfo(remaining=0, reset_at=NOW - timedelta(seconds=30)))
    assert pacer.delay("s") == 0.0

"""Retry decisions and rate-limit pacing, shared by the sync and async clients.

Retries run on tenacity: :class:`RetryPolicy` builds the ``stop``, ``wait``, ``retry`` and
``before_sleep`` pieces of one exchange. The wait honours the server first (``retry-after-ms``,
``Retry-After`` in seconds or as an HTTP-date, a rate-limit reset the connector read) and
falls back to full-jitter exponential backoff; absurd values (``inf``, ``nan``, negative,
beyond a week, bad dates) count as absent. The stop bounds attempts and total time on the
client's injectable clock. :class:`Pacer` spreads a source's remaining requests over the
time to the reset (prawcore style) and parks sources that must wait longer than the cap.
:func:`parse_reset` helps connectors read their platform's reset header in any dialect.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from tenacity import RetryCallState, retry_if_exception_type

from social_listen.core._errors import RateLimited
from social_listen.core._limits import Limits
from social_listen.core._models import utcnow
from social_listen.core._state import RateLimitInfo

__all__ = [
    "MAX_SANE_WAIT",
    "Pacer",
    "RetryPolicy",
    "RetryableFailure",
    "full_jitter",
    "parse_reset",
    "parse_retry_after",
]

logger = logging.getLogger(__name__)

MAX_SANE_WAIT = 7 * 24 * 3600.0
"""Server waits beyond a week are treated as garbage, not as a wait."""

_DELTA_SECONDS = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")


def _seconds(text: str, *, scale: float = 1.0) -> float | None:
    """A finite, non-negative, sane number of seconds, or ``None``."""
    if not _DELTA_SECONDS.match(text):
        return None
    value = float(text) / scale
    return value if math.isfinite(value) and 0 <= value <= MAX_SANE_WAIT else None


def _http_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _skew(date_header: str | None, now: datetime) -> timedelta:
    """How far our clock is ahead of the server's, from its ``Date`` header (0 if absent)."""
    server_now = _http_date(date_header)
    return timedelta(0) if server_now is None else now - server_now


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds the server asked to wait, or ``None`` when absent or absurd.

    Reads ``retry-after-ms`` first, then ``Retry-After`` as delta-seconds or an HTTP-date
    (compared with the response's ``Date`` when present, so clock skew does not matter).

    Args:
        headers: Response headers (case-insensitive mapping such as ``httpx.Headers``).
        now: The current time (for HTTP-dates without a ``Date`` header).

    Examples:
        >>> parse_retry_after({"retry-after": "7"})
        7.0
        >>> parse_retry_after({"retry-after-ms": "1500"})
        1.5
        >>> parse_retry_after({"retry-after": "inf"}) is None
        True
    """
    now = now or utcnow()
    headers = {name.lower(): value for name, value in headers.items()}
    millis = headers.get("retry-after-ms")
    if millis is not None:
        value = _seconds(millis, scale=1000.0)
        if value is not None:
            return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    value = _seconds(raw)
    if value is not None:
        return value
    when = _http_date(raw.strip())
    if when is None:
        return None
    reference = _http_date(headers.get("date")) or now
    wait = (when - reference).total_seconds()
    if not math.isfinite(wait) or wait > MAX_SANE_WAIT:
        return None
    return max(0.0, wait)


def parse_reset(
    value: str | float | None,
    *,
    kind: Literal["seconds", "epoch", "iso"] = "seconds",
    date_header: str | None = None,
    now: datetime | None = None,
) -> datetime | None:
    """When a rate-limit window resets, on our clock; ``None`` for missing or absurd values.

    Platforms say it in different dialects: seconds from now (Reddit, as a float), a Unix
    epoch (Bluesky, GitHub) or an ISO time (Mastodon). Absolute times are server times, so
    they are corrected by the skew between the response's ``Date`` header and ``now``.

    Args:
        value: The header value.
        kind: ``"seconds"`` from now, ``"epoch"`` seconds, or an ``"iso"`` timestamp.
        date_header: The response's ``Date`` header, for skew correction.
        now: The current time (defaults to :func:`~social_listen.core.utcnow`).

    Examples:
        >>> from datetime import datetime, UTC
        >>> now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
        >>> parse_reset("30.5", now=now).isoformat()
        '2024-05-01T12:00:30.500000+00:00'
        >>> parse_reset("1714564860", kind="epoch", now=now,
        ...             date_header="Wed, 01 May 2024 11:59:00 GMT").isoformat()
        '2024-05-01T12:02:00+00:00'
    """
    if value is None:
        return None
    now = now or utcnow()
    text = str(value).strip()
    if kind == "seconds":
        seconds = _seconds(text)
        return None if seconds is None else now + timedelta(seconds=seconds)
    server_time: datetime | None
    if kind == "epoch":
        try:
            epoch = float(text)
            server_time = datetime.fromtimestamp(epoch, UTC) if math.isfinite(epoch) else None
        except (OverflowError, OSError, ValueError):
            return None
    else:
        try:
            server_time = datetime.fromisoformat(text)
        except ValueError:
            return None
        if server_time.tzinfo is None:
            server_time = server_time.replace(tzinfo=UTC)
    if server_time is None:
        return None
    reset = server_time + _skew(date_header, now)
    if abs((reset - now).total_seconds()) > MAX_SANE_WAIT:
        return None
    return reset


def full_jitter(attempt: int, *, base: float, cap: float, random: Callable[[], float]) -> float:
    """AWS "full jitter" backoff: a uniform wait in ``[0, min(cap, base * 2**(attempt-1)))``.

    Examples:
        >>> full_jitter(3, base=0.5, cap=30.0, random=lambda: 0.5)
        1.0
    """
    return float(random() * min(cap, base * 2 ** max(0, attempt - 1)))


class RetryableFailure(Exception):
    """One attempt failed in a way worth retrying (internal to the clients).

    Attributes:
        reason: What happened, already redacted (``"HTTP 503"``, ``"ConnectError: ..."``).
        retry_after: Seconds the server asked to wait, if it said.
        status: The HTTP status, when there was a response.
    """

    def __init__(self, reason: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.status = status


@dataclass
class _Budget:
    """Attempts and time spent on one exchange (the injected sleep may not move the clock)."""

    started: float
    slept: float = 0.0


@dataclass(frozen=True)
class RetryPolicy:
    """How one exchange is retried, as tenacity pieces.

    Attributes:
        limits: Attempts, total retry time and the Retry-After cap.
        backoff_base: First full-jitter ceiling in seconds (doubles per attempt).
        backoff_cap: Largest full-jitter ceiling.
        clock: Monotonic clock for the total-time bound.
        random: Uniform ``[0, 1)`` source for the jitter.
    """

    limits: Limits
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    clock: Callable[[], float] = field(default=lambda: 0.0)
    random: Callable[[], float] = field(default=lambda: 0.5)

    def tenacity_options(self, *, on_retry: Callable[[RetryableFailure, float], None]) -> dict[str, Any]:
        """Keyword arguments for ``tenacity.Retrying``/``AsyncRetrying`` (add ``sleep=``).

        Args:
            on_retry: Called with the failure and the wait before each retry sleep.
        """
        budget = _Budget(started=self.clock())

        def wait(state: RetryCallState) -> float:
            failure = _failure_of(state)
            if failure is not None and failure.retry_after is not None:
                return failure.retry_after
            return full_jitter(
                state.attempt_number, base=self.backoff_base, cap=self.backoff_cap, random=self.random
            )

        def stop(state: RetryCallState) -> bool:
            if state.attempt_number >= self.limits.max_attempts:
                return True
            spent = max(self.clock() - budget.started, budget.slept)
            return spent + state.upcoming_sleep > self.limits.max_retry_time

        def before_sleep(state: RetryCallState) -> None:
            budget.slept += state.upcoming_sleep
            failure = _failure_of(state)
            if failure is not None:
                logger.debug(
                    "retrying after %s (attempt %d, waiting %.2fs)",
                    failure.reason,
                    state.attempt_number,
                    state.upcoming_sleep,
                )
                on_retry(failure, state.upcoming_sleep)

        return {
            "stop": stop,
            "wait": wait,
            "retry": retry_if_exception_type(RetryableFailure),
            "before_sleep": before_sleep,
            "reraise": True,
        }


def _failure_of(state: RetryCallState) -> RetryableFailure | None:
    if state.outcome is None or not state.outcome.failed:
        return None
    exc = state.outcome.exception()
    return exc if isinstance(exc, RetryableFailure) else None


class Pacer:
    """Per-source pacing and parking on a monotonic clock.

    After each response the client passes the connector's :class:`RateLimitInfo` to
    :meth:`observe`: with ``remaining`` requests left until ``reset_at`` the next request to
    that source waits ``time_to_reset / remaining`` (the whole time to the reset when none
    are left). A wait longer than the cap is never slept: the source is parked and every
    request to it raises :class:`RateLimited` at once until the reset.

    Args:
        cap: Longest wait that is slept (``Limits.retry_after_cap``).
        clock: Monotonic clock.
        now: Wall clock, to turn ``reset_at`` into seconds and report ``reset_at`` on errors.
    """

    def __init__(self, *, cap: float, clock: Callable[[], float], now: Callable[[], datetime]) -> None:
        self.cap = cap
        self._clock = clock
        self._now = now
        self._next: dict[str, float] = {}
        self._parked: dict[str, float] = {}

    def park(self, source: str, seconds: float, *, why: str) -> RateLimited:
        """Park ``source`` for ``seconds`` and return the error to raise."""
        until = self._clock() + seconds
        self._parked[source] = max(until, self._parked.get(source, until))
        reset_at = self._now() + timedelta(seconds=seconds)
        logger.warning("source %s parked for %.0fs: %s", source, seconds, why)
        return RateLimited(
            f"{why}; the source is parked for {seconds:.0f}s (cap {self.cap:.0f}s)",
            source=source,
            reset_at=reset_at,
        )

    def parked_for(self, source: str) -> float:
        """Seconds left on the source's parking (0 when it is not parked)."""
        until = self._parked.get(source)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            del self._parked[source]
            return 0.0
        return left

    def delay(self, source: str) -> float:
        """Seconds to wait before the next request to ``source``.

        Raises:
            RateLimited: The source is parked, or the wait is over the cap (it is parked).
        """
        parked = self.parked_for(source)
        if parked > 0:
            raise RateLimited(
                f"the source is parked for another {parked:.0f}s",
                source=source,
                reset_at=self._now() + timedelta(seconds=parked),
            )
        wait = max(0.0, self._next.get(source, 0.0) - self._clock())
        if wait > self.cap:
            self._next.pop(source, None)
            raise self.park(source, wait, why="the rate-limit window is used up")
        return wait

    def observe(self, source: str, info: RateLimitInfo) -> None:
        """Schedule the next request to ``source`` from the rate-limit signals it sent."""
        if info.remaining is None or info.reset_at is None:
            return
        to_reset = (info.reset_at - self._now()).total_seconds()
        if not math.isfinite(to_reset) or to_reset <= 0:
            self._next.pop(source, None)
            return
        spread = to_reset if info.remaining <= 0 else to_reset / info.remaining
        self._next[source] = self._clock() + spread

    def reset_wait(self, info: RateLimitInfo | None) -> float | None:
        """Seconds until ``info.reset_at`` when no requests remain, else ``None``."""
        if info is None or info.reset_at is None or info.remaining is None or info.remaining > 0:
            return None
        seconds = (info.reset_at - self._now()).total_seconds()
        return max(0.0, seconds) if math.isfinite(seconds) else None

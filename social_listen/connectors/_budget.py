"""Declared budgets: a daily quota in units (YouTube) and a spend cap in dollars (X).

A budget is checked BEFORE each request: a request whose cost would take the budget past its
limit is never sent, and :class:`~social_listen.core.QuotaExceeded` carries the numbers
(``needed`` and ``remaining``). Spending is counted per period (the YouTube quota resets at
midnight Pacific time, so its period is the date in ``America/Los_Angeles``; X bills by month),
and a connector records the period and the amount used in its state extras so a new process
picks the count up again (:meth:`Budget.absorb`). One budget object can be shared by several
connectors that use the same key.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from social_listen.core import ConfigError, QuotaExceeded, utcnow

__all__ = ["Budget", "QuotaBudget", "SpendCap"]

PACIFIC = ZoneInfo("America/Los_Angeles")


class Budget:
    """A limit on something spent per period; the base of :class:`QuotaBudget` and :class:`SpendCap`.

    Args:
        limit: The most that may be spent in one period.
        used: What is already spent in the current period.
        now: The clock (aware datetimes).
        unit: The unit's name, for messages (``"units"``, ``"USD"``).
    """

    unit = "units"

    def __init__(self, limit: float, *, used: float = 0.0, now: Callable[[], datetime] | None = None) -> None:
        if not math.isfinite(limit) or limit < 0:
            raise ConfigError(f"a budget limit must be a finite number >= 0, not {limit!r}")
        self.limit = float(limit)
        self.now = now or utcnow
        self._lock = threading.Lock()
        self._period = self.period()
        self._used = float(used)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(limit={self.limit:g}, used={self.used:g}, period={self._period!r})"

    def period(self) -> str:
        """The current period's key (``None`` periods never reset: ``"all"``)."""
        return "all"

    def reset_at(self) -> datetime | None:
        """When the current period ends, ``None`` when it never does."""
        return None

    def _roll(self) -> None:
        current = self.period()
        if current != self._period:
            self._period, self._used = current, 0.0

    @property
    def used(self) -> float:
        """Spent in the current period."""
        with self._lock:
            self._roll()
            return self._used

    @property
    def remaining(self) -> float:
        """Left in the current period."""
        return max(self.limit - self.used, 0.0)

    def _format(self, amount: float) -> str:
        return f"{amount:g} {self.unit}"

    def check(self, cost: float, *, source: str, what: str) -> None:
        """Raise unless ``cost`` fits in what is left; nothing is spent.

        Raises:
            QuotaExceeded: ``cost`` is more than :attr:`remaining` (with both numbers).
        """
        with self._lock:
            self._roll()
            remaining = max(self.limit - self._used, 0.0)
            if cost > remaining + 1e-9:
                reset = self.reset_at()
                raise QuotaExceeded(
                    f"{what} needs {self._format(cost)} but only {self._format(remaining)} of "
                    f"{self._format(self.limit)} are left"
                    + (f" until {reset.isoformat()}" if reset is not None else ""),
                    source=source,
                    needed=cost,
                    remaining=remaining,
                )

    def spend(self, cost: float, *, source: str, what: str) -> None:
        """Check then spend ``cost`` (pre-flight for a request about to be sent)."""
        with self._lock:
            self._roll()
        self.check(cost, source=source, what=what)
        with self._lock:
            self._used += cost

    def record(self, cost: float) -> None:
        """Spend ``cost`` without a check (the actual cost of a response already received)."""
        with self._lock:
            self._roll()
            self._used += max(cost, 0.0)

    def refund(self, amount: float) -> None:
        """Give back part of a reservation the request did not use."""
        with self._lock:
            self._used = max(self._used - max(amount, 0.0), 0.0)

    def absorb(self, extras: Mapping[str, Any], *, key: str) -> None:
        """Take over what an earlier process recorded in state extras for this period.

        Args:
            extras: ``SourceState.extras``.
            key: The extras key the connector uses (``"youtube_quota"``).
        """
        record = extras.get(key)
        if not isinstance(record, Mapping):
            return
        period, used = record.get("period"), record.get("used")
        if not isinstance(used, int | float) or isinstance(used, bool) or not math.isfinite(used):
            return
        with self._lock:
            self._roll()
            if period == self._period and used > self._used:
                self._used = float(used)

    def snapshot(self) -> dict[str, Any]:
        """What to record in state extras: ``{"period": ..., "used": ...}``."""
        with self._lock:
            self._roll()
            return {"period": self._period, "used": round(self._used, 6)}


class QuotaBudget(Budget):
    """A daily quota in units that resets at midnight Pacific time (YouTube Data API).

    Args:
        daily_units: Units per day (YouTube's default project quota is 10,000).
        used: Units already used today.
        now: The clock.

    Examples:
        >>> from datetime import datetime, UTC
        >>> budget = QuotaBudget(250, now=lambda: datetime(2026, 1, 1, 12, tzinfo=UTC))
        >>> budget.spend(100, source="youtube", what="search.list")
        >>> budget.remaining, budget.period()
        (150.0, '2026-01-01')
        >>> budget.reset_at().isoformat()
        '2026-01-02T08:00:00+00:00'
    """

    def __init__(
        self, daily_units: float = 10_000, *, used: float = 0.0, now: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(daily_units, used=used, now=now)

    def period(self) -> str:
        """Today's date in Pacific time."""
        return self.now().astimezone(PACIFIC).date().isoformat()

    def reset_at(self) -> datetime:
        """The next midnight in Pacific time (daylight saving time included)."""
        local = self.now().astimezone(PACIFIC)
        midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
        return midnight.astimezone(self.now().tzinfo or PACIFIC)


class SpendCap(Budget):
    """A cap in US dollars on pay-per-read API spend, counted per calendar month (UTC).

    Args:
        limit_usd: The most to spend in one month.
        price_per_item: The price of one item read (X: about $0.005 per post).
        spent_usd: Already spent this month.
        now: The clock.

    Examples:
        >>> cap = SpendCap(1.0, price_per_item=0.005)
        >>> cap.affordable_items()
        200
        >>> try:
        ...     cap.check(cap.cost(300), source="x", what="a page of 300 posts")
        ... except QuotaExceeded as exc:
        ...     print(exc.needed, exc.remaining)
        1.5 1.0
    """

    unit = "USD"

    def __init__(
        self,
        limit_usd: float,
        *,
        price_per_item: float = 0.005,
        spent_usd: float = 0.0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if not math.isfinite(price_per_item) or price_per_item < 0:
            raise ConfigError(f"price_per_item must be a finite number >= 0, not {price_per_item!r}")
        self.price_per_item = float(price_per_item)
        super().__init__(limit_usd, used=spent_usd, now=now)

    def period(self) -> str:
        """The current month in UTC (``"2026-11"``)."""
        return self.now().strftime("%Y-%m")

    def reset_at(self) -> datetime:
        """The first instant of next month (UTC)."""
        current = self.now()
        year, month = (current.year + 1, 1) if current.month == 12 else (current.year, current.month + 1)
        return current.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)

    def cost(self, items: int) -> float:
        """The price of reading ``items`` items."""
        return items * self.price_per_item

    def affordable_items(self) -> int:
        """How many items fit in what is left this month."""
        if self.price_per_item == 0:
            return 2**31
        return int((self.remaining + 1e-9) // self.price_per_item)

    def _format(self, amount: float) -> str:
        return f"{round(amount, 4):g} USD"

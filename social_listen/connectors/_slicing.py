"""Time-window slicing around platform result caps (reliability row 15).

Some search APIs stop after a fixed number of results per query whatever the page (Hacker
News Algolia: 1000 hits; Bluesky: about 10k; Reddit listings: about 1000). A
:class:`TimeSlicer` splits a ``[since, until)`` window into slices whose result counts stay
under the cap: a slice that reports more hits than the cap is bisected before it is paged,
and a newest-first slice that runs into the cap while paging continues below the oldest item
it reached. A slice of minimum width that still hits the cap is paged as far as the platform
allows and the plan is marked ``truncated`` with a note. The plan (:class:`SlicePlan`) is a
small frozen model that travels in the cursor, so a resumed run continues in the right slice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict

__all__ = ["SlicePlan", "TimeSlicer", "TimeWindow"]

_EPOCH_FLOOR = datetime(2000, 1, 1, tzinfo=UTC)


class TimeWindow(BaseModel):
    """A half-open time window ``[since, until)``.

    Attributes:
        since: Inclusive start (``None``: no lower bound).
        until: Exclusive end (``None``: no upper bound).
    """

    model_config = ConfigDict(frozen=True)

    since: AwareDatetime | None = None
    until: AwareDatetime | None = None

    def contains(self, when: datetime) -> bool:
        """True when ``when`` falls inside the window."""
        return (self.since is None or when >= self.since) and (self.until is None or when < self.until)

    @property
    def since_epoch(self) -> int | None:
        """``since`` as integer epoch seconds (for ``created_at_i>=`` style filters)."""
        return None if self.since is None else int(self.since.timestamp())

    @property
    def until_epoch(self) -> int | None:
        """``until`` as integer epoch seconds (for ``created_at_i<`` style filters)."""
        return None if self.until is None else int(self.until.timestamp())


class SlicePlan(BaseModel):
    """Where slicing stands: the slices left (the current one first) and what happened.

    Attributes:
        pending: Windows still to collect; ``pending[0]`` is being paged.
        truncated: A slice of minimum width still hit the cap (results were lost).
        splits: How many times a slice was bisected or shrunk.
        notes: Completeness notes (``"cap_hit:<since>/<until>"`` for each truncated slice).
    """

    model_config = ConfigDict(frozen=True)

    pending: tuple[TimeWindow, ...] = ()
    truncated: bool = False
    splits: int = 0
    notes: tuple[str, ...] = ()

    @property
    def current(self) -> TimeWindow | None:
        """The slice being paged, ``None`` when every slice is done."""
        return self.pending[0] if self.pending else None

    @property
    def done(self) -> bool:
        """True when no slice is left."""
        return not self.pending


class TimeSlicer:
    """Plans time slices that stay under a platform's result cap.

    Args:
        result_cap: Results the platform serves for one query before it stops.
        min_width: The narrowest slice (the platform's time filter resolution).
        earliest: Start of the first slice when the run has no ``since``.
        newest_first: Collect newer slices first (matches newest-first platforms).

    Examples:
        A Hacker News style flow: ask the first page of the current slice, pass the
        reported total (``nbHits``) to :meth:`on_total`, page the slice only when accepted,
        then move on with :meth:`next_slice`:

        >>> from datetime import datetime, UTC
        >>> slicer = TimeSlicer(result_cap=1000)
        >>> plan = slicer.plan(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
        >>> plan, accepted = slicer.on_total(plan, 2500)   # too many hits: bisected
        >>> accepted, len(plan.pending)
        (False, 2)
        >>> plan, accepted = slicer.on_total(plan, 900)    # the newer half fits
        >>> accepted
        True
        >>> plan = slicer.next_slice(plan)                  # newer half paged to the end
        >>> plan.current.until == datetime(2026, 1, 1, 12, tzinfo=UTC)
        True
    """

    def __init__(
        self,
        *,
        result_cap: int,
        min_width: timedelta = timedelta(seconds=1),
        earliest: datetime = _EPOCH_FLOOR,
        newest_first: bool = True,
    ) -> None:
        if result_cap < 1:
            raise ValueError("result_cap must be at least 1")
        if min_width <= timedelta(0):
            raise ValueError("min_width must be positive")
        self.result_cap = result_cap
        self.min_width = min_width
        self.earliest = earliest
        self.newest_first = newest_first

    def plan(self, since: datetime | None, until: datetime) -> SlicePlan:
        """The plan of a run over ``[since, until)``: one slice to start with."""
        start = since if since is not None else self.earliest
        if start >= until:
            return SlicePlan()
        return SlicePlan(pending=(TimeWindow(since=start, until=until),))

    def _truncate(self, plan: SlicePlan, window: TimeWindow) -> SlicePlan:
        assert window.since is not None
        assert window.until is not None
        note = f"cap_hit:{window.since.isoformat()}/{window.until.isoformat()}"
        return plan.model_copy(update={"truncated": True, "notes": (*plan.notes, note)})

    def _midpoint(self, window: TimeWindow) -> datetime | None:
        assert window.since is not None
        assert window.until is not None
        steps = (window.until - window.since) // self.min_width
        if steps < 2:
            return None
        return window.since + self.min_width * (steps // 2)

    def on_total(self, plan: SlicePlan, total: int) -> tuple[SlicePlan, bool]:
        """Decide on the current slice from the platform's reported result count.

        Args:
            plan: The plan; its current slice was just queried.
            total: How many results the platform reports for the slice.

        Returns:
            The new plan and whether to page the current slice. ``False`` means the slice was
            bisected: discard the response and query the new current slice.
        """
        window = plan.current
        if window is None or total <= self.result_cap:
            return plan, True
        middle = self._midpoint(window)
        if middle is None:
            return self._truncate(plan, window), True
        older = TimeWindow(since=window.since, until=middle)
        newer = TimeWindow(since=middle, until=window.until)
        halves = (newer, older) if self.newest_first else (older, newer)
        return plan.model_copy(
            update={"pending": (*halves, *plan.pending[1:]), "splits": plan.splits + 1}
        ), False

    def on_cap_reached(self, plan: SlicePlan, *, oldest: datetime) -> SlicePlan:
        """The platform stopped serving the current slice at its cap while paging newest first.

        The slice continues below the oldest item reached: ``[since, oldest + min_width)``
        (the items at ``oldest`` come again; drop the ones already collected). When that does
        not narrow the slice, the slice is truncated and the plan moves on.

        Args:
            plan: The plan.
            oldest: The oldest item time reached in the current slice.
        """
        window = plan.current
        if window is None:
            return plan
        assert window.until is not None
        until = oldest + self.min_width
        if window.since is not None and until <= window.since:
            return self.next_slice(plan)
        if until >= window.until:
            return self.next_slice(self._truncate(plan, window))
        shrunk = TimeWindow(since=window.since, until=until)
        return plan.model_copy(update={"pending": (shrunk, *plan.pending[1:]), "splits": plan.splits + 1})

    def next_slice(self, plan: SlicePlan) -> SlicePlan:
        """The plan after the current slice was collected to its end."""
        return plan.model_copy(update={"pending": plan.pending[1:]})

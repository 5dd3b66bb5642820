"""Incremental collection state, pages, and the completeness record of a run.

State is an inclusive watermark plus the ids seen exactly at the watermark plus
connector-owned extras (ETags, instance-local ids); never secrets. During a run that pages
newest-first the watermark cannot move until the run ends (a crash halfway would skip the
older half), so the state also carries the ``cursor`` of the run in progress and a
``pending_watermark`` promoted by :meth:`SourceState.finish_run`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from social_listen.core._models import Mention

__all__ = [
    "STATE_VERSION",
    "Page",
    "RateLimitInfo",
    "SkippedItem",
    "SourceState",
]

STATE_VERSION = 1


class SourceState(BaseModel):
    """Where a source's collection stands; immutable, versioned, JSON round-trips.

    Attributes:
        version: The state schema version.
        watermark: Inclusive high-water mark of completed runs (items at or after it may be
            new; items before it minus the overlap were collected).
        boundary_ids: Native ids of items exactly at the watermark, for dedup.
        cursor: The next page cursor of a run that has not finished, ``None`` otherwise.
        pending_watermark: The newest time seen in the unfinished run.
        pending_boundary_ids: Native ids at ``pending_watermark``.
        extras: Connector-owned values (ETag, Last-Modified, min_id, slice bounds).

    Examples:
        >>> s = SourceState()
        >>> SourceState.model_validate_json(s.model_dump_json()) == s
        True
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = STATE_VERSION
    watermark: AwareDatetime | None = None
    boundary_ids: frozenset[str] = frozenset()
    cursor: str | None = None
    pending_watermark: AwareDatetime | None = None
    pending_boundary_ids: frozenset[str] = frozenset()
    extras: Mapping[str, Any] = Field(default_factory=dict)

    @property
    def in_run(self) -> bool:
        """True while a run has a next cursor to resume from."""
        return self.cursor is not None

    def observe(self, mentions: Iterable[Mention], *, clamp_to: datetime | None = None) -> SourceState:
        """The state after a page: the pending watermark moved to the newest item seen.

        Args:
            mentions: The page's mentions.
            clamp_to: Items dated after this (future dates) do not move the watermark past it.
        """
        high = self.pending_watermark
        ids = set(self.pending_boundary_ids)
        for mention in mentions:
            when = mention.effective_time
            if clamp_to is not None and when > clamp_to:
                when = clamp_to
            if high is None or when > high:
                high, ids = when, {mention.native_id}
            elif when == high:
                ids.add(mention.native_id)
        return self.model_copy(update={"pending_watermark": high, "pending_boundary_ids": frozenset(ids)})

    def finish_run(self) -> SourceState:
        """The state after a completed run: pending watermark promoted, cursor cleared."""
        watermark, ids = self.watermark, self.boundary_ids
        if self.pending_watermark is not None and (watermark is None or self.pending_watermark >= watermark):
            if watermark is not None and self.pending_watermark == watermark:
                ids = ids | self.pending_boundary_ids
            else:
                ids = self.pending_boundary_ids
            watermark = self.pending_watermark
        return self.model_copy(
            update={
                "watermark": watermark,
                "boundary_ids": frozenset(ids),
                "cursor": None,
                "pending_watermark": None,
                "pending_boundary_ids": frozenset(),
            }
        )

    def with_cursor(self, cursor: str | None) -> SourceState:
        """A copy with the run's next cursor set."""
        return self.model_copy(update={"cursor": cursor})

    def with_extras(self, **values: Any) -> SourceState:
        """A copy with connector extras updated (``None`` removes a key)."""
        extras = {**self.extras, **values}
        return self.model_copy(update={"extras": {k: v for k, v in extras.items() if v is not None}})

    def since(self, overlap: timedelta) -> datetime | None:
        """Where an incremental run should start: the watermark minus the overlap."""
        return None if self.watermark is None else self.watermark - overlap

    def already_seen(self, mention: Mention) -> bool:
        """True for an item exactly at the watermark whose id was recorded there."""
        return (
            self.watermark is not None
            and mention.effective_time == self.watermark
            and mention.native_id in self.boundary_ids
        )


class RateLimitInfo(BaseModel):
    """Rate-limit signals read from a response, in one dialect.

    Attributes:
        limit: Requests allowed in the window.
        remaining: Requests left in the window.
        reset_at: When the window resets (server time corrected to ours when ``Date`` was sent).
        retry_after: Seconds the server asked us to wait.
    """

    model_config = ConfigDict(frozen=True)

    limit: float | None = None
    remaining: float | None = None
    reset_at: AwareDatetime | None = None
    retry_after: float | None = None


class SkippedItem(BaseModel):
    """An item or page that was skipped, and why."""

    model_config = ConfigDict(frozen=True)

    reason: str
    detail: str = ""
    item_id: str | None = None


class Page(BaseModel):
    """What one ``fetch_page`` flow returns.

    Attributes:
        mentions: The mentions parsed from the page.
        next_cursor: The cursor of the next page, ``None`` when the run is complete.
        state: The source state after this page (connectors call ``observe``/``finish_run``).
        rate_limit: Rate-limit signals from the last response.
        skipped: Items skipped with reasons.
        notes: Completeness notes (``"cap_hit"``, ``"resliced"``, ``"unsearchable:NEAR"``...).
        truncated: True when the platform cut results the run could not recover.
        requests: How many requests the flow made.
    """

    model_config = ConfigDict(frozen=True)

    mentions: tuple[Mention, ...] = ()
    next_cursor: str | None = None
    state: SourceState = Field(default_factory=SourceState)
    rate_limit: RateLimitInfo | None = None
    skipped: tuple[SkippedItem, ...] = ()
    notes: tuple[str, ...] = ()
    truncated: bool = False
    requests: int = 0

    @property
    def done(self) -> bool:
        """True when this is the last page of the run."""
        return self.next_cursor is None

"""One overridable object with every safety limit the library enforces.

The defaults come from the reliability checklist (RELIABILITY.md in the design). Pass a
modified copy (``Limits().model_copy(update={...})`` or ``Limits(read_timeout=20)``) to a
client, a connector, the query parser or a store.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_LIMITS", "Limits"]


class Limits(BaseModel):
    """Timeouts, retries, size caps and complexity limits.

    Attributes:
        connect_timeout: Seconds to open a connection.
        read_timeout: Seconds between two reads of a body.
        request_deadline: Overall seconds for one request, body included.
        max_attempts: Attempts per request, the first included.
        max_retry_time: Total seconds spent retrying one request.
        retry_after_cap: Longest server-requested wait that is slept; longer parks the source.
        max_body_bytes: Raw (on the wire) body cap.
        max_feed_bytes: Raw body cap for feeds.
        max_decoded_bytes: Decoded (decompressed) body cap.
        max_text_chars: Longest text field kept on a mention.
        max_redirects: Redirect hops followed, each re-checked by the egress guard.
        max_pages: Pages per run before ``PaginationLoop``.
        overlap: How far before the watermark an incremental run re-queries.
        future_skew: Dates further than this in the future are flagged ``date_future``.
        max_query_length: Characters in a query.
        max_query_terms: Atoms in a query.
        max_query_depth: Nesting depth of a query.
        max_near_distance: Largest n in NEAR/n.
        sqlite_busy_timeout: Seconds SQLite waits for a lock.
        skip_threshold: Share of skipped items in a run above which the run fails.
    """

    model_config = ConfigDict(frozen=True)

    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=10.0, gt=0)
    request_deadline: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=6, ge=1)
    max_retry_time: float = Field(default=120.0, gt=0)
    retry_after_cap: float = Field(default=120.0, ge=0)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_feed_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    max_decoded_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    max_text_chars: int = Field(default=100_000, gt=0)
    max_redirects: int = Field(default=5, ge=0)
    max_pages: int = Field(default=500, ge=1)
    overlap: timedelta = timedelta(minutes=10)
    future_skew: timedelta = timedelta(days=1)
    max_query_length: int = Field(default=2000, gt=0)
    max_query_terms: int = Field(default=200, gt=0)
    max_query_depth: int = Field(default=20, gt=0)
    max_near_distance: int = Field(default=50, gt=0)
    sqlite_busy_timeout: float = Field(default=5.0, ge=0)
    skip_threshold: float = Field(default=0.5, ge=0, le=1)


DEFAULT_LIMITS = Limits()

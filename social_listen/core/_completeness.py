"""What a run collected and how complete it is: :class:`Completeness` and :class:`FetchResult`.

A collection run is rarely perfect: retries, rate-limit waits, skipped items, result caps
and truncated time windows all change what "every mention" means. :class:`Completeness`
records them so a report can say how much to trust the numbers; :class:`FetchResult` is the
outcome of one source's run, with the error captured instead of raised so that many sources
can be fetched together without one hiding the others.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from social_listen.core._errors import ResponseError, SocialListenError
from social_listen.core._models import Mention
from social_listen.core._redact import redact
from social_listen.core._state import Page, SourceState

__all__ = ["Completeness", "FetchResult", "error_reason"]

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_POSSIBLY_MISSED = re.compile(r"^possibly_missed:(\d+)$")


def error_reason(error: BaseException) -> str:
    """The snake_case reason an error is counted under (``ResponseTooLarge`` -> ``response_too_large``).

    Examples:
        >>> error_reason(ValueError("x"))
        'value_error'
    """
    return _CAMEL.sub("_", type(error).__name__).lower()


class Completeness(BaseModel):
    """The completeness record of one source's run.

    Attributes:
        source: The connector name.
        query: The query label.
        started_at: When the run started.
        finished_at: When it ended (``None`` while running).
        requests: HTTP requests sent, retries and redirects included.
        pages: Pages fetched.
        retries: Requests repeated after a transient failure.
        rate_limit_waits: Waits caused by the server (429, Retry-After, pacing).
        waited_seconds: Seconds slept in total (backoff and rate limits).
        items: Unique mentions collected.
        duplicates_dropped: Mentions dropped because the run had already seen their key.
        skipped: Items or pages skipped, by reason.
        last_errors: The last error detail per reason.
        caps_hit: Times a platform's result cap was reached (``cap_hit`` notes).
        windows_resliced: Time windows split to get under a cap (``resliced`` notes).
        truncated: True when the platform cut results that could not be recovered.
        notes: Completeness notes from the connector's pages.
        possibly_missed: Items the run knows it could not reach, when known.
        error: The error that stopped the run, redacted, or ``None``.
    """

    model_config = ConfigDict(frozen=True)

    source: str
    query: str
    started_at: AwareDatetime
    finished_at: AwareDatetime | None = None
    requests: int = 0
    pages: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    waited_seconds: float = 0.0
    items: int = 0
    duplicates_dropped: int = 0
    skipped: Mapping[str, int] = Field(default_factory=dict)
    last_errors: Mapping[str, str] = Field(default_factory=dict)
    caps_hit: int = 0
    windows_resliced: int = 0
    truncated: bool = False
    notes: tuple[str, ...] = ()
    possibly_missed: int | None = None
    error: str | None = None

    @property
    def complete(self) -> bool:
        """True when nothing was skipped, cut, capped or failed."""
        return (
            self.error is None
            and not self.truncated
            and not self.skipped
            and self.caps_hit == 0
            and not self.possibly_missed
        )

    def add_page(self, page: Page, *, items: int = 0, duplicates: int = 0) -> Completeness:
        """This record with one more page: its notes, skips, truncation and item counts.

        Args:
            page: The page fetched.
            items: New unique mentions it contributed.
            duplicates: Mentions of it dropped as already seen in the run.

        Examples:
            >>> from datetime import datetime, UTC
            >>> c = Completeness(source="hn", query="acme", started_at=datetime(2024, 1, 1, tzinfo=UTC))
            >>> c.add_page(Page(notes=("cap_hit",)), items=3).caps_hit
            1
        """
        record = self
        for item in page.skipped:
            record = record.add_skip(item.reason, item.detail)
        missed = [int(m.group(1)) for n in page.notes if (m := _POSSIBLY_MISSED.match(n))]
        possibly_missed = record.possibly_missed
        if missed:
            possibly_missed = (possibly_missed or 0) + sum(missed)
        return record.model_copy(
            update={
                "pages": record.pages + 1,
                "items": record.items + items,
                "duplicates_dropped": record.duplicates_dropped + duplicates,
                "notes": record.notes + tuple(n for n in page.notes if n not in record.notes),
                "caps_hit": record.caps_hit + sum(1 for n in page.notes if n.startswith("cap_hit")),
                "windows_resliced": record.windows_resliced + sum(1 for n in page.notes if n == "resliced"),
                "truncated": record.truncated or page.truncated,
                "possibly_missed": possibly_missed,
            }
        )

    def add_skip(self, reason: str, detail: str = "") -> Completeness:
        """This record with one more skip counted under ``reason`` (detail kept, redacted)."""
        skipped = {**self.skipped, reason: self.skipped.get(reason, 0) + 1}
        last = {**self.last_errors, reason: redact(detail)} if detail else dict(self.last_errors)
        return self.model_copy(update={"skipped": skipped, "last_errors": last})

    def with_error(self, error: BaseException) -> Completeness:
        """This record with the run's stopping error (a skipped page for a ``ResponseError``)."""
        message = redact(str(error))
        record = self
        if isinstance(error, ResponseError):
            record = record.add_skip(error_reason(error), message)
        else:
            record = record.model_copy(
                update={"last_errors": {**record.last_errors, error_reason(error): message}}
            )
        return record.model_copy(update={"error": message})

    def count(self, **deltas: float) -> Completeness:
        """This record with numeric counters increased (``requests=1, retries=1``...)."""
        return self.model_copy(update={name: getattr(self, name) + value for name, value in deltas.items()})

    def finish(self, when: datetime) -> Completeness:
        """This record with ``finished_at`` set."""
        return self.model_copy(update={"finished_at": when})


class FetchResult(BaseModel):
    """The outcome of fetching one source: mentions, final state, completeness, error.

    ``fetch`` never raises library errors for a source: the error is kept here, the
    mentions collected before it are returned, and ``state`` is the last committed state, so
    the next run resumes where this one stopped.

    Attributes:
        source: The connector name.
        source_key: The checkpoint key of the collection.
        mentions: Unique mentions collected, in the order first seen.
        state: The state after the last page that was fetched successfully.
        completeness: The run's completeness record.
        error: The error that stopped the run (not serialized; its redacted message is in
            ``completeness.error``).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    source: str
    source_key: str
    mentions: tuple[Mention, ...] = ()
    state: SourceState = Field(default_factory=SourceState)
    completeness: Completeness
    error: SocialListenError | None = Field(default=None, exclude=True, repr=False)

    @property
    def ok(self) -> bool:
        """True when the run ended without an error."""
        return self.error is None

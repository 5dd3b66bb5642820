"""The streaming protocol: push sources (websockets) that yield events, not pages.

A :class:`StreamSource` connects to a stream and yields :class:`StreamEvent` objects from an
async iterator. Each event carries the :class:`~social_listen.core.SourceState` after it, with
the stream's resumable position in it, so a consumer commits the event's mention (or applies
its :class:`Deletion`) together with that state, exactly like a page and its state: after a
crash the stream resumes from the last committed position. Events without a mention or a
deletion are checkpoints: the stream moved past items that did not match the query.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal, Protocol, runtime_checkable

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from social_listen.core._models import Mention, Query
from social_listen.core._source import Capabilities
from social_listen.core._state import SourceState

__all__ = ["Deletion", "StreamEvent", "StreamSource"]


class Deletion(BaseModel):
    """A marker that a post was deleted on the platform; the store removes or hides it.

    Attributes:
        source: The connector name (``Mention.source`` of the deleted mention).
        native_id: The deleted mention's ``native_id``.
        deleted_at: When the platform reported the deletion.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1)
    native_id: str = Field(min_length=1)
    deleted_at: AwareDatetime

    @property
    def key(self) -> tuple[str, str]:
        """The identity ``(source, native_id)`` of the deleted mention."""
        return (self.source, self.native_id)


class StreamEvent(BaseModel):
    """One event of a stream: a mention, a deletion or a checkpoint, with the state after it.

    Attributes:
        mention: A new (or edited) mention that matched the query.
        deletion: A deletion to apply.
        state: The source state after this event (commit it with the event).
    """

    model_config = ConfigDict(frozen=True)

    mention: Mention | None = None
    deletion: Deletion | None = None
    state: SourceState

    @model_validator(mode="after")
    def _one_payload(self) -> StreamEvent:
        if self.mention is not None and self.deletion is not None:
            raise ValueError("a stream event carries a mention or a deletion, not both")
        return self

    @property
    def kind(self) -> Literal["mention", "deletion", "checkpoint"]:
        """What the event carries."""
        if self.mention is not None:
            return "mention"
        return "deletion" if self.deletion is not None else "checkpoint"


@runtime_checkable
class StreamSource(Protocol):
    """A push source: yields events from a long-lived connection, resumable from its state.

    Attributes:
        name: The registry name, stored as ``Mention.source``.
        capabilities: What the source supports (``streaming=True``).

    Examples:
        >>> async def collect(source, query, state):  # doctest: +SKIP
        ...     async for event in source.stream(query, state=state):
        ...         store.apply(event)          # mention or deletion, with event.state
    """

    name: str
    capabilities: Capabilities

    def stream(self, query: Query, *, state: SourceState) -> AsyncIterator[StreamEvent]:
        """Connect and yield events until the caller stops iterating.

        Args:
            query: What to keep (streams usually match client-side).
            state: Where to resume; a fresh state starts at the live edge.
        """
        ...

"""Checkpoints: where pages and the state after them are committed together.

``Client.iter_pages`` yields each page with the state after it; a :class:`Checkpointer`
receives ``commit_page(page, state)`` for each, so data and cursor never disagree after a
crash. The store implements the same protocol durably; :class:`MemoryCheckpointer` serves
tests and notebooks.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from social_listen.core._models import Mention
from social_listen.core._state import Page, SourceState

__all__ = ["Checkpointer", "MemoryCheckpointer"]


@runtime_checkable
class Checkpointer(Protocol):
    """Commits a page's mentions and the state after it atomically."""

    def commit_page(self, page: Page, state: SourceState, *, source_key: str) -> None:
        """Commit the page's mentions and ``state`` as one unit.

        Args:
            page: The page just fetched.
            state: The source state after the page.
            source_key: Which collection the state belongs to (connector name + query).
        """
        ...

    def load_state(self, source_key: str) -> SourceState | None:
        """The last committed state of a collection, ``None`` when there is none."""
        ...


class MemoryCheckpointer:
    """An in-memory checkpointer that dedups mentions by ``(source, native_id)``.

    Examples:
        >>> cp = MemoryCheckpointer()
        >>> cp.load_state("hackernews:acme") is None
        True
    """

    def __init__(self) -> None:
        self.mentions: dict[tuple[str, str], Mention] = {}
        self.states: dict[str, SourceState] = {}
        self.commits = 0

    def commit_page(self, page: Page, state: SourceState, *, source_key: str) -> None:
        """Store the page's mentions (last delivery wins) and the state."""
        for mention in page.mentions:
            self.mentions[mention.key] = mention
        self.states[source_key] = state
        self.commits += 1

    def load_state(self, source_key: str) -> SourceState | None:
        """The last committed state for ``source_key``."""
        return self.states.get(source_key)

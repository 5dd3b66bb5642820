"""``parse()`` and :class:`ParsedQuery`: the entry point of the query language.

A parsed query is its AST root plus the options that shape matching (the ordinary-word guard
of fuzzy terms). Two parsed queries are equal when their trees are: spacing, comments and
``-x`` versus ``NOT x`` do not matter. ``matches()`` compiles the query once into a
one-query :class:`~social_listen.query.MatcherSet`, the same engine that runs thousands.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from social_listen.core import DEFAULT_LIMITS, Limits, Mention
from social_listen.query._ast import Node
from social_listen.query._atoms import GuardSpec
from social_listen.query._guard import DEFAULT_GUARD_LANGUAGES, DEFAULT_MIN_ZIPF, DEFAULT_RARER_BY
from social_listen.query._parser import parse_tree
from social_listen.query._unparse import unparse

if TYPE_CHECKING:
    from social_listen.query._matcher import MatcherSet, ScanResult

__all__ = ["ParsedQuery", "parse"]


class ParsedQuery:
    """A query in the query language, parsed: an AST root that can match mentions.

    Attributes:
        root: The AST root node.
        text: The text it was parsed from (canonical text when built from a tree).
        guard: How fuzzy terms are guarded against ordinary words (None: no guard).
        limits: The limits it was parsed under.
    """

    __slots__ = ("_lock", "_matcher", "guard", "limits", "root", "text")

    def __init__(
        self,
        root: Node,
        *,
        text: str | None = None,
        guard: GuardSpec | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.root = root
        self.text = text if text is not None else unparse(root)
        self.guard = guard
        self.limits = limits
        self._matcher: MatcherSet | None = None
        self._lock = threading.Lock()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ParsedQuery):
            return self.root == other.root
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.root)

    def __repr__(self) -> str:
        return f"ParsedQuery({unparse(self.root)!r})"

    def __str__(self) -> str:
        return unparse(self.root)

    def matcher(self) -> MatcherSet:
        """The compiled one-query matcher (built once, then reused)."""
        if self._matcher is None:
            from social_listen.query._matcher import MatcherSet

            with self._lock:
                if self._matcher is None:
                    self._matcher = MatcherSet({"query": self}, limits=self.limits)
        return self._matcher

    def matches(self, item: Mention | str) -> bool:
        """Whether the query matches a mention (title, text and metadata) or a plain string.

        Examples:
            >>> q = parse('(acme OR "acme corp") NEAR/3 (broken OR refund) -#ad')
            >>> q.matches("My Acme phone arrived broken"), q.matches("acme broken #ad")
            (True, False)
        """
        return bool(self.matcher().match(item))

    def scan(self, item: Mention | str) -> ScanResult:
        """Spans, lookalike matches and flags for ``item`` (see :meth:`MatcherSet.scan`)."""
        return self.matcher().scan(item)


def parse(
    text: str,
    *,
    limits: Limits = DEFAULT_LIMITS,
    fuzzy_guard: bool = True,
    languages: Sequence[str] = DEFAULT_GUARD_LANGUAGES,
    min_zipf: float = DEFAULT_MIN_ZIPF,
    rarer_by: float = DEFAULT_RARER_BY,
    lists: Mapping[str, Sequence[str]] | None = None,
) -> ParsedQuery:
    r"""Parse query text into a :class:`ParsedQuery`.

    Args:
        text: The query (see the query language reference).
        limits: Length, term, depth and NEAR distance limits.
        fuzzy_guard: Reject fuzzy matches (``word~1``) that are ordinary words of the post's
            language (on by default; see "Brands and variants").
        languages: Guard languages used when a post's language is unknown.
        min_zipf: Word frequency (Zipf scale) from which the guard may treat a word as ordinary.
        rarer_by: A candidate at least this many Zipf points rarer than the fuzzy term is
            taken as a typo even when it is a known word.
        lists: Reusable lists for ``$name`` references: each item is a query snippet and the
            reference means any of them (``{"competitors": ["globex", '"initech corp"']}``).

    Returns:
        The parsed query.

    Raises:
        QuerySyntaxError: The text is not valid (with the position and a caret line).
        QueryTooComplex: The text is over one of the limits.

    Examples:
        >>> q = parse('acme -jobs')
        >>> q.matches("Acme is great"), q.matches("Acme jobs board")
        (True, False)
        >>> from social_listen.core import QuerySyntaxError
        >>> try:
        ...     parse("acme AND (")
        ... except QuerySyntaxError as exc:
        ...     print(exc.position, exc.caret_line, sep="\n")
        10
        acme AND (
                  ^
    """
    root = parse_tree(text, limits=limits, lists=lists)
    guard = GuardSpec(tuple(languages), min_zipf, rarer_by) if fuzzy_guard else None
    return ParsedQuery(root, text=text, guard=guard, limits=limits)

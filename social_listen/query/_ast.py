"""The query AST: small frozen nodes the parser builds and every other module walks.

Nodes compare by value and ignore their position in the source text (``pos``), so
``parse(unparse(ast)) == ast`` holds however the text was spaced. Atoms are the leaves that
match text (``Term``, ``Phrase``, ``Raw``, ``Hashtag``, ``Handle``) or a mention's metadata
(``Field``); ``And``, ``Or``, ``Not`` and ``Near`` combine them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeAlias

__all__ = [
    "FIELD_NAMES",
    "And",
    "Field",
    "Handle",
    "Hashtag",
    "Near",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "Raw",
    "Term",
    "iter_atoms",
    "iter_nodes",
]

FIELD_NAMES = ("author", "country", "lang", "site", "source", "url")
"""The metadata fields a query can filter on (``author:jane``)."""


@dataclass(frozen=True)
class Term:
    """A word as typed: may hold wildcards ``*`` ``?`` or a fuzzy distance.

    ``fuzzy`` is None for exact matching, 1 or 2 for plain edit distance (``acme~1``), and 0
    for automatic typo matching (``acme~``: a typo-weighted distance that grows with the
    word's length). A term with punctuation inside (``car-sharing``) matches its words in
    sequence.
    """

    value: str
    fuzzy: int | None = None
    pos: int = field(default=0, compare=False, repr=False)

    @property
    def is_wildcard(self) -> bool:
        """True when the term holds ``*`` or ``?``."""
        return "*" in self.value or "?" in self.value


@dataclass(frozen=True)
class Phrase:
    """An exact phrase in double quotes: the words in this order, next to each other."""

    value: str
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Raw:
    """A case-sensitive word or phrase (``raw:Apple`` or ``raw:"Apple Music"``)."""

    value: str
    quoted: bool = False
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Hashtag:
    """A hashtag (``#acme``) in the text or the mention's hashtags; wildcards allowed."""

    value: str
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Handle:
    """An @handle mentioned in the text or the mention's mentioned handles."""

    value: str
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Field:
    """A metadata filter, ``name:value`` with ``name`` in :data:`FIELD_NAMES`."""

    name: str
    value: str
    quoted: bool = False
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Not:
    """True when its child is false (``NOT x`` or ``-x``)."""

    child: Node
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class And:
    """True when every child is true (``a AND b`` or ``a b``)."""

    children: tuple[Node, ...]
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Or:
    """True when any child is true (``a OR b``)."""

    children: tuple[Node, ...]
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Near:
    """``left NEAR/n right``: at most ``distance`` words apart; ``ordered`` for ONEAR/n.

    The distance counts the words between the two matches: ``a NEAR/0 b`` means adjacent.
    """

    left: Node
    right: Node
    distance: int
    ordered: bool = False
    pos: int = field(default=0, compare=False, repr=False)


Node: TypeAlias = Term | Phrase | Raw | Hashtag | Handle | Field | Not | And | Or | Near
Atom: TypeAlias = Term | Phrase | Raw | Hashtag | Handle | Field


def iter_nodes(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, left to right."""
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, Not):
            stack.append(current.child)
        elif isinstance(current, And | Or):
            stack.extend(reversed(current.children))
        elif isinstance(current, Near):
            stack.extend((current.right, current.left))


def iter_atoms(node: Node) -> Iterator[Atom]:
    """The atoms (leaves) of the tree, left to right."""
    for current in iter_nodes(node):
        if not isinstance(current, Not | And | Or | Near):
            yield current

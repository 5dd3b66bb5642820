"""Pushdown: compile a query to each platform's native search syntax.

The native queries are a net cast wider than the query: whatever a platform cannot express is
left out in the direction that keeps every true match (a dropped ``NOT`` or field filter, a
``NEAR`` turned into ``AND``, a phrase searched as its words), and the full query is enforced
locally on what comes back. ``unsupported`` names what the platform could not search, for the
run's completeness record. Platforms without ``OR`` get one query per alternative; queries over
a platform's length limit are split at top-level ``OR`` (X: 512 characters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Any

from social_listen.core import ConfigError
from social_listen.query._ast import And, Field, Handle, Hashtag, Near, Node, Not, Or, Phrase, Raw, Term
from social_listen.query._normalize import WORD_RE
from social_listen.query._unparse import quote

__all__ = ["PLATFORMS", "NativeQuery", "to_native"]

_MAX_CLAUSES = 50


@dataclass(frozen=True)
class NativeQuery:
    """The native searches for one platform.

    Attributes:
        queries: Query strings to send; search each and merge the results. Empty when the
            platform has no search (files, feeds) or nothing in the query is searchable.
        unsupported: Features of the query the platform cannot search (``NOT``, ``NEAR``,
            ``fuzzy``, ``wildcard``, ``field:author``...), enforced locally after fetching.
    """

    queries: tuple[str, ...]
    unsupported: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Dialect:
    """What a platform's search syntax can express (sources in the comments)."""

    or_op: str | None = None  # "OR", "|", or None: one query per alternative
    not_prefix: bool = False
    phrases: bool = False
    hashtags: bool = False
    handles: bool = False
    prefix_wildcard: bool = False
    near: str | None = None  # "gdelt": nearN:"a b"
    fields: dict[str, str] = field(default_factory=dict)
    max_length: int | None = None
    searchable: bool = True


PLATFORMS: dict[str, _Dialect] = {
    # https://hn.algolia.com/api : words, quoted phrases; OR/NOT/fields are not in the q string
    "hackernews": _Dialect(phrases=True),
    # https://docs.joinmastodon.org/methods/search/ : "phrase", -word, from:, language:, #tag
    "mastodon": _Dialect(
        not_prefix=True, phrases=True, hashtags=True, fields={"author": "from:", "lang": "language:"}
    ),
    # https://docs.bsky.app/docs/api/app-bsky-feed-search-posts : Lucene-like q with from:, lang:,
    # domain:, #tag, mentions:, quoted phrases, -exclusion
    "bluesky": _Dialect(
        not_prefix=True,
        phrases=True,
        hashtags=True,
        handles=True,
        fields={"author": "from:", "lang": "lang:", "site": "domain:"},
    ),
    # https://support.reddithelp.com/hc/en-us/articles/19696541895316 : AND OR NOT ( ) "" author: site: url:
    "reddit": _Dialect(
        or_op="OR",
        not_prefix=True,
        phrases=True,
        fields={"author": "author:", "site": "site:", "url": "url:"},
        max_length=512,
    ),
    # https://blog.gdeltproject.org/gdelt-doc-2-0-api-debuts/ : (a OR b), -term, "phrase",
    # nearN:"a b", sourcecountry:, sourcelang:, domainis:
    "gdelt": _Dialect(
        or_op="OR",
        not_prefix=True,
        phrases=True,
        near="gdelt",
        fields={"country": "sourcecountry:", "lang": "sourcelang:", "site": "domainis:"},
    ),
    # https://api.stackexchange.com/docs/advanced-search : q is free text
    "stackexchange": _Dialect(),
    # https://join-lemmy.org/api/ : q is free text
    "lemmy": _Dialect(),
    # https://developers.google.com/youtube/v3/docs/search/list : q supports | (OR) and - (NOT)
    "youtube": _Dialect(or_op="|", not_prefix=True, phrases=True),
    # https://docs.x.com/x-api/posts/search/integrate/build-a-query : OR, -, ( ), "", #, @, from:,
    # lang:, url:; 512 characters on the recent search endpoint
    "x": _Dialect(
        or_op="OR",
        not_prefix=True,
        phrases=True,
        hashtags=True,
        handles=True,
        fields={"author": "from:", "lang": "lang:", "url": "url:"},
        max_length=512,
    ),
    "rss": _Dialect(searchable=False),
    "jsonl": _Dialect(searchable=False),
    "csv": _Dialect(searchable=False),
}


class _Everything:
    """Marker for a part of the query the platform cannot narrow on (matches everything)."""


_ALL = _Everything()
_Simple = Any  # Node | _Everything


class _Compiler:
    def __init__(self, dialect: _Dialect) -> None:
        self.dialect = dialect
        self.unsupported: dict[str, None] = {}

    def note(self, feature: str) -> None:
        self.unsupported[feature] = None

    def simplify(self, node: Node) -> _Simple:
        """A tree of what the platform can search, wider than ``node``."""
        d = self.dialect
        if isinstance(node, Term):
            if node.fuzzy is not None:
                self.note("fuzzy")
                return Term(node.value)
            if node.is_wildcard:
                self.note("wildcard")
                head = node.value.replace("?", "*").split("*")[0]
                if d.prefix_wildcard and head and node.value.endswith("*") and node.value.count("*") == 1:
                    return node
                return Term(head) if len(head) >= 3 else _ALL
            return node
        if isinstance(node, Raw):
            self.note("case-sensitive")
            return Phrase(node.value) if node.quoted else Term(node.value)
        if isinstance(node, Phrase):
            if not d.phrases:
                self.note("phrase")
            return node
        if isinstance(node, Hashtag | Handle):
            if "*" in node.value or "?" in node.value:
                self.note("wildcard")
                return _ALL
            return node
        if isinstance(node, Field):
            if node.name in d.fields and "*" not in node.value and "?" not in node.value:
                return node
            self.note(f"field:{node.name}")
            return _ALL
        if isinstance(node, Not):
            inner = self.simplify(node.child)
            if d.not_prefix and isinstance(inner, Term | Phrase | Hashtag | Handle) and inner == node.child:
                return Not(inner)
            self.note("NOT")
            return _ALL
        if isinstance(node, Near):
            if d.near == "gdelt" and _plain_word(node.left) and _plain_word(node.right):
                if node.ordered:
                    self.note("ONEAR order")
                return Near(node.left, node.right, node.distance)
            self.note("ONEAR" if node.ordered else "NEAR")
            return self.simplify(And((node.left, node.right)))
        children = [self.simplify(c) for c in node.children]
        if isinstance(node, And):
            kept = [c for c in children if c is not _ALL]
            if not kept:
                return _ALL
            return kept[0] if len(kept) == 1 else And(tuple(kept))
        if any(c is _ALL for c in children):
            return _ALL
        return children[0] if len(children) == 1 else Or(tuple(children))

    def literal(self, node: Node) -> str:
        d = self.dialect
        if isinstance(node, Term):
            return node.value
        if isinstance(node, Phrase):
            words = WORD_RE.findall(node.value)
            if d.phrases and len(words) > 1:
                return quote(" ".join(words))
            return " ".join(words)
        if isinstance(node, Hashtag):
            return ("#" if d.hashtags else "") + node.value
        if isinstance(node, Handle):
            return ("@" if d.handles else "") + node.value
        if isinstance(node, Field):
            value = quote(node.value) if any(c.isspace() for c in node.value) else node.value
            return d.fields[node.name] + value
        if isinstance(node, Not):
            return "-" + self.literal(node.child)
        if isinstance(node, Near):
            pair = f"{getattr(node.left, 'value', '')} {getattr(node.right, 'value', '')}"
            return f'near{node.distance + 1}:"{" ".join(WORD_RE.findall(pair))}"'
        raise TypeError(node)  # pragma: no cover - And/Or are rendered by render()

    def render(self, node: Node, *, top: bool = True) -> str:
        if isinstance(node, And):
            parts = dict.fromkeys(self.render(c, top=False) for c in node.children)
            return " ".join(parts)
        if isinstance(node, Or):
            joiner = f" {self.dialect.or_op} "
            body = joiner.join(self.render(c, top=False) for c in node.children)
            return body if top else f"({body})"
        return self.literal(node)

    def clauses(self, node: Node) -> list[list[Node]]:
        """Disjunctive normal form, widened when it would exceed the clause cap."""
        if isinstance(node, Or):
            out: list[list[Node]] = []
            for child in node.children:
                out.extend(self.clauses(child))
            return out
        if isinstance(node, And):
            parts = [self.clauses(c) for c in node.children]
            while parts and _count(parts) > _MAX_CLAUSES:
                widest = max(range(len(parts)), key=lambda i: len(parts[i]))
                if len(parts[widest]) == 1:
                    break
                parts.pop(widest)  # dropping a conjunct widens the search
                self.note("OR expansion")
            if not parts:
                return [[]]
            return [[lit for clause in combo for lit in clause] for combo in product(*parts)]
        return [[node]]


def _plain_word(node: Node) -> bool:
    return isinstance(node, Term) and node.fuzzy is None and not node.is_wildcard


def _count(parts: list[list[list[Node]]]) -> int:
    total = 1
    for part in parts:
        total *= len(part)
    return total


def _split_to_length(compiler: _Compiler, node: Node, limit: int) -> list[str]:
    text = compiler.render(node)
    if len(text) <= limit:
        return [text]
    if isinstance(node, Or):
        out: list[str] = []
        batch: list[Node] = []
        for child in node.children:
            trial = [*batch, child]
            if batch and len(compiler.render(Or(tuple(trial)))) > limit:
                out.extend(
                    _split_to_length(compiler, batch[0] if len(batch) == 1 else Or(tuple(batch)), limit)
                )
                batch = [child]
            else:
                batch = trial
        if batch:
            out.extend(_split_to_length(compiler, batch[0] if len(batch) == 1 else Or(tuple(batch)), limit))
        return out
    if isinstance(node, And) and len(node.children) > 1:
        compiler.note("length")  # dropping the last conjuncts widens the search
        return _split_to_length(
            compiler, And(node.children[:-1]) if len(node.children) > 2 else node.children[0], limit
        )
    compiler.note("length")
    return []


def _has_positive(node: Node) -> bool:
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_has_positive(c) for c in node.children)
    if isinstance(node, Or):
        return all(_has_positive(c) for c in node.children)
    return True


def to_native(parsed: Any, platform: str) -> NativeQuery:
    """Compile a parsed query to ``platform``'s native search queries.

    Args:
        parsed: A :class:`~social_listen.query.ParsedQuery` (or an AST node).
        platform: One of :data:`PLATFORMS` (``hackernews``, ``mastodon``, ``bluesky``,
            ``reddit``, ``gdelt``, ``stackexchange``, ``lemmy``, ``youtube``, ``x``, ``rss``,
            ``jsonl``, ``csv``).

    Returns:
        The queries to send and what the platform cannot search.

    Raises:
        ConfigError: Unknown platform.

    Examples:
        >>> from social_listen.query import parse
        >>> q = parse('(acme OR "acme corp") -jobs acme~1 NEAR/3 broken')
        >>> to_native(q, "x")
        NativeQuery(queries=('(acme OR "acme corp") -jobs acme broken',), unsupported=('NEAR', 'fuzzy'))
        >>> to_native(q, "hackernews").queries
        ('acme broken', '"acme corp" acme broken')
    """
    dialect = PLATFORMS.get(platform)
    if dialect is None:
        raise ConfigError(
            f"no native query compiler for platform {platform!r}",
            hint=f"use one of: {', '.join(sorted(PLATFORMS))}",
        )
    if not dialect.searchable:
        return NativeQuery(queries=(), unsupported=("search",))
    compiler = _Compiler(dialect)
    simple = compiler.simplify(getattr(parsed, "root", parsed))
    if simple is _ALL:
        compiler.note("nothing searchable")
        return NativeQuery(queries=(), unsupported=tuple(compiler.unsupported))
    trees: list[Node]
    if dialect.or_op is None:
        trees = []
        for clause in compiler.clauses(simple):
            positive = [lit for lit in clause if not isinstance(lit, Not)]
            if not positive:
                continue
            trees.append(clause[0] if len(clause) == 1 else And(tuple(clause)))
    elif _has_positive(simple):
        trees = [simple]
    else:
        trees = []
    if not trees:
        compiler.note("nothing searchable")
    queries: list[str] = []
    for tree in trees:
        texts = (
            [compiler.render(tree)]
            if dialect.max_length is None
            else _split_to_length(compiler, tree, dialect.max_length)
        )
        for text in texts:
            if text and text not in queries:
                queries.append(text)
    return NativeQuery(queries=tuple(queries), unsupported=tuple(compiler.unsupported))

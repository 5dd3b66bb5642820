"""Turn a :class:`~social_listen.core.Query` into a platform's native searches.

The query is parsed by :mod:`social_listen.query`; ``parsed.matches`` enforces the full query
semantics on what comes back (connectors apply it where they receive the text the platform
searched). When the query compiler ``to_native(parsed, platform)`` is available it gives the
native query strings and the features the platform cannot search (``unsearchable:<feature>``
notes). Otherwise the query's plain terms (words and quoted phrases, minus operators and
negated terms) become one native search each, so an ``OR`` of brand variants still finds
every variant.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from social_listen.core import Mention, Query

__all__ = ["NativeSearch", "local_matcher", "native_search", "plain_terms"]

logger = logging.getLogger(__name__)

_TOKEN_RE = re.compile(r'(-?)"([^"]*)"|(-?)([^\s()"]+)')
_OPERATORS = frozenset({"AND", "OR", "NOT"})


@dataclass(frozen=True)
class NativeSearch:
    """The native searches of a query on one platform.

    Attributes:
        queries: Native query strings; each is searched and the results are merged.
        notes: ``unsearchable:<feature>`` notes for features enforced only locally.
        matches: The local matcher of the full query, ``None`` when none is available.
        compiled: True when the query compiler made the queries (in the platform's syntax),
            False for the plain-term fallback (bare words and phrases).
    """

    queries: tuple[str, ...]
    notes: tuple[str, ...] = ()
    matches: Callable[[Mention], bool] | None = field(default=None, compare=False)
    compiled: bool = False


def plain_terms(text: str) -> tuple[str, ...]:
    """The positive words and quoted phrases of a query, in order, without duplicates.

    Examples:
        >>> plain_terms('acme OR "acme corp" -jobs (widget AND NOT spam)')
        ('acme', 'acme corp', 'widget')
    """
    terms: list[str] = []
    negate_next = False
    for match in _TOKEN_RE.finditer(text):
        phrase_neg, phrase, word_neg, word = match.groups()
        if word is not None and word.upper() in _OPERATORS and word.isupper():
            negate_next = word == "NOT"
            continue
        negated = bool(phrase_neg or word_neg) or negate_next
        negate_next = False
        term = (phrase if phrase is not None else word or "").strip()
        if negated or not term or term in terms:
            continue
        terms.append(term)
    return tuple(terms)


def native_search(query: Query, platform: str) -> NativeSearch:
    """The native searches for ``query`` on ``platform`` (see the module docstring).

    Args:
        query: The user's query.
        platform: The platform name known to the query compiler (``"hackernews"``).

    Examples:
        >>> native_search(Query(text="acme"), "hackernews").queries
        ('acme',)
    """
    compiled = _compile(query, platform)
    if compiled is not None:
        return compiled
    terms = plain_terms(query.text)
    return NativeSearch(queries=terms or (query.text.strip(),))


def local_matcher(query: Query, platform: str) -> Callable[[Mention], bool] | None:
    """A filter for sources the platform does not search (feeds, files).

    The parsed query's ``matches`` when the parser is available, else "any plain term appears
    in the title, text or URL" (case-insensitive); ``None`` when the query has no terms.

    Examples:
        >>> from datetime import datetime, UTC
        >>> keep = local_matcher(Query(text="acme"), "rss")
        >>> keep(Mention(source="rss", native_id="1", text="ACME news", created_at=datetime.now(UTC)))
        True
    """
    parsed = _parse(query.text)
    compiled = getattr(parsed, "matches", None)
    if callable(compiled):
        return cast("Callable[[Mention], bool]", compiled)
    terms = [t.casefold() for t in plain_terms(query.text)]
    if not terms:
        return None

    def matches(mention: Mention) -> bool:
        haystack = f"{mention.title or ''}\n{mention.text}\n{mention.url or ''}".casefold()
        return any(term in haystack for term in terms)

    return matches


def _compile(query: Query, platform: str) -> NativeSearch | None:
    parsed = _parse(query.text)
    if parsed is None:
        return None
    matcher = getattr(parsed, "matches", None)
    matches = matcher if callable(matcher) else None
    to_native = getattr(importlib.import_module("social_listen.query"), "to_native", None)
    if to_native is None:
        terms = plain_terms(query.text)
        return NativeSearch(queries=terms or (query.text.strip(),), matches=matches)
    try:
        native = to_native(parsed, platform)
    except (ValueError, LookupError, NotImplementedError) as exc:
        # A platform the compiler does not know, or a query it cannot express natively: the
        # plain terms are searched and the full query is still enforced locally.
        logger.debug("no native compilation of %r for %s: %s", query.text, platform, exc)
        terms = plain_terms(query.text)
        return NativeSearch(queries=terms or (query.text.strip(),), matches=matches)
    queries = tuple(str(q) for q in getattr(native, "queries", ()) if str(q).strip())
    notes = tuple(f"unsearchable:{feature}" for feature in getattr(native, "unsupported", ()))
    if not queries:
        terms = plain_terms(query.text)
        return NativeSearch(queries=terms or (query.text.strip(),), notes=notes, matches=matches)
    return NativeSearch(queries=queries, notes=notes, matches=matches, compiled=True)


@functools.lru_cache(maxsize=256)
def _parse(text: str) -> Any:
    """The parsed query (cached: every page of a run asks again), ``None`` without the parser."""
    try:
        module: Any = importlib.import_module("social_listen.query")
    except ImportError:
        return None
    parse = getattr(module, "parse", None)
    return parse(text) if parse is not None else None

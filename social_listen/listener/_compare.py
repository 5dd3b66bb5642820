"""Competitor comparison side by side: volume, sentiment, share, reach, themes and top sources.

One row per brand, built from the same SQL aggregates as the other analyses (one grouped
aggregate for the numbers, then a small top-N per brand for themes and sources).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from social_listen.core import ConfigError
from social_listen.listener._data import (
    MentionData,
    aggregate,
    as_store,
    distinct_authors,
    newest,
    period_filter,
    period_total_form,
)
from social_listen.listener._results import TableResult
from social_listen.listener._share import wilson_interval
from social_listen.listener._terms import extract_terms, term_surfaces
from social_listen.store import Filter, MentionStore

__all__ = ["BrandComparison", "BrandSummary", "compare_brands", "compare_with_counts"]

_METRICS = (
    "count",
    "mean_sentiment",
    "count_negative",
    "count_positive",
    "count_scored",
    "sum_reach",
    "sum_engagement",
    "distinct_authors",
)
_SUMMED = tuple(name for name in _METRICS if name != "distinct_authors")  # the rollup's part


@dataclass(frozen=True, slots=True)
class BrandSummary:
    """One brand's column of the comparison.

    Attributes:
        brand: The brand.
        mentions: Mentions in the period.
        share: Share of voice by mentions.
        share_low: Wilson lower bound (95 %).
        share_high: Wilson upper bound.
        mean_sentiment: Mean sentiment (``None`` when none scored).
        negative_share: Share of scored mentions that are negative.
        positive_share: Share that are positive.
        reach: Sum of reach.
        engagement: Sum of engagement.
        authors: Distinct authors.
        themes: The brand's top theme labels.
        top_sources: The brand's top sources.
    """

    brand: str
    mentions: int
    share: float
    share_low: float
    share_high: float
    mean_sentiment: float | None
    negative_share: float
    positive_share: float
    reach: float
    engagement: int
    authors: int
    themes: tuple[str, ...]
    top_sources: tuple[str, ...]


@dataclass(frozen=True)
class BrandComparison(TableResult):
    """Brands side by side, in the order given."""

    rows: tuple[BrandSummary, ...]


def _brand_themes(
    store: MentionStore, flt: Filter, counts: Mapping[str, int], brand: str, n: int
) -> tuple[str, ...]:
    """The brand's top terms (phrases absorb their words), labelled with a surface form."""
    own = set(extract_terms(brand, language=None) + extract_terms(brand, language="en"))
    ranked = sorted(
        (t for t, c in counts.items() if c >= 2 and not own & set(t.split(" "))),
        key=lambda t: (-counts[t], " " not in t, t),
    )
    chosen: list[str] = []
    for term in ranked:
        if " " not in term and any(
            term in c.split(" ") and counts[c] >= 0.5 * counts[term] for c in ranked if " " in c
        ):
            continue
        chosen.append(term)
        if len(chosen) == n:
            break
    labels = {t: t for t in chosen}
    if chosen:
        narrowed = flt.model_copy(update={"terms": tuple(chosen)})
        for m in newest(store, narrowed, limit=50 * len(chosen)):
            pending = [t for t in chosen if labels[t] == t and t in m.terms]
            if pending:
                text = f"{m.title}\n{m.text}" if m.title else m.text
                surfaces = term_surfaces(text, language=m.detected_language or m.language)
                for t in pending:
                    labels[t] = surfaces.get(t, t)
    return tuple(labels[t] for t in chosen)


def _top_sources(counts: Mapping[str, int], n: int) -> tuple[str, ...]:
    """The ``n`` sources with the most mentions (ties by name), as ``top(..., "source")``."""
    ranked = sorted((kv for kv in counts.items() if kv[1] > 0), key=lambda kv: (-kv[1], kv[0]))
    return tuple(source for source, _ in ranked[:n])


def compare_brands(
    data: MentionData,
    *,
    brands: Sequence[str],
    since: datetime,
    until: datetime,
    n_themes: int = 5,
    n_sources: int = 3,
    where: Filter | None = None,
) -> BrandComparison:
    """Compare brands side by side over one period.

    Args:
        data: A store or mentions.
        brands: The brand and its competitors.
        since: Period start (inclusive).
        until: Period end (exclusive).
        n_themes: Top terms per brand, phrases first where they absorb their words, labelled
            with the words as written (each brand's own name left out).
        n_sources: Top sources per brand.
        where: Narrow the mentions further.

    Returns:
        A :class:`BrandComparison`.

    Examples:
        >>> from datetime import datetime, UTC
        >>> from social_listen.core import Mention
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> ms = [Mention(source="x", native_id=str(i), brands=("acme" if i % 2 else "rival",), created_at=t)
        ...       for i in range(6)]
        >>> [(r.brand, r.mentions) for r in compare_brands(ms, brands=["acme", "rival"], since=t,
        ...                                               until=datetime(2026, 1, 2, tzinfo=UTC))]
        [('acme', 3), ('rival', 3)]
    """
    if not brands:
        raise ConfigError("compare_brands needs at least one brand", source="listener")
    store = as_store(data)
    names = tuple(dict.fromkeys(brands))
    flt = period_filter(since, until, where, brands=names)
    term_counts: dict[str, dict[str, int]] = {}
    for brand, term, count in aggregate(store, ("count",), by=("brand", "term"), where=flt):
        term_counts.setdefault(str(brand), {})[str(term)] = int(count)
    source_counts: dict[str, dict[str, int]] = {}
    for brand, source, count in aggregate(store, ("count",), by=("brand", "source"), where=flt):
        source_counts.setdefault(str(brand), {})[str(source)] = int(count)
    return compare_with_counts(store, flt, term_counts, source_counts, n_themes=n_themes, n_sources=n_sources)


def compare_with_counts(
    store: MentionStore,
    flt: Filter,
    term_counts: Mapping[str, Mapping[str, int]],
    source_counts: Mapping[str, Mapping[str, int]],
    *,
    n_themes: int = 5,
    n_sources: int = 3,
) -> BrandComparison:
    """The comparison, given each brand's term and source counts (see :func:`compare_brands`).

    Args:
        store: The store.
        flt: The period, narrowed to the brands compared (in order) and any other filter.
        term_counts: Mentions per term of each brand in the period.
        source_counts: Mentions per source of each brand in the period.
        n_themes: See :func:`compare_brands`.
        n_sources: See :func:`compare_brands`.
    """
    names = flt.brands
    if period_total_form(_SUMMED, ("brand",), flt):
        # The summable numbers as period totals (the store's daily rollup), the authors apart:
        # one brand at a time, which SQLite reads in mention order (faster than grouped).
        authors = {
            brand: distinct_authors(store, flt.model_copy(update={"brands": (brand,)}))[None]
            for brand in names
        }
        stats = {
            str(r[0]): (*r[1:], authors.get(r[0], 0))
            for r in aggregate(store, _SUMMED, by=("brand",), where=flt)
        }
    else:
        stats = {str(r[0]): r[1:] for r in aggregate(store, _METRICS, by=("brand",), where=flt)}
    total = sum(int(v[0]) for v in stats.values())
    rows = []
    for brand in names:
        count, sentiment, negative, positive, scored, reach, engagement, authors = stats.get(
            brand, (0, None, 0, 0, 0, 0.0, 0, 0)
        )
        own = flt.model_copy(update={"brands": (brand,)})
        low, high = wilson_interval(int(count), total)
        rows.append(
            BrandSummary(
                brand=brand,
                mentions=int(count),
                share=int(count) / total if total else 0.0,
                share_low=low,
                share_high=high,
                mean_sentiment=sentiment,
                negative_share=(negative or 0) / scored if scored else 0.0,
                positive_share=(positive or 0) / scored if scored else 0.0,
                reach=float(reach or 0.0),
                engagement=int(engagement or 0),
                authors=int(authors or 0),
                themes=_brand_themes(store, own, term_counts.get(brand, {}), brand, n_themes),
                top_sources=_top_sources(source_counts.get(brand, {}), n_sources),
            )
        )
    return BrandComparison(rows=tuple(rows))

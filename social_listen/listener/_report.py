"""One call builds a listening report for a brand and a period; it exports JSON, Markdown, HTML.

:func:`build_report` runs the analyses (volume over time with the change against the previous
period, share of voice with intervals, the competitor comparison, themes, complaints by
theme, emerging terms, top authors/sources/domains/hashtags, spikes with their explanation,
and the biggest stories) on a store or on mentions, and returns a frozen :class:`Report`.
Every part runs as SQL aggregates in the store except story clustering, which reads only the
``story_mentions`` most engaging mentions.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from social_listen.core import ConfigError
from social_listen.listener._compare import BrandComparison, compare_with_counts
from social_listen.listener._data import (
    BrandLike,
    MentionData,
    aggregate,
    as_store,
    brand_names,
    period_filter,
)
from social_listen.listener._explain import ExplainedSpike, find_spikes
from social_listen.listener._share import ALL_PLATFORMS, ShareOfVoice, share_of_voice
from social_listen.listener._stories import Stories, cluster_stories
from social_listen.listener._terms import extract_terms
from social_listen.listener._themes import (
    TERM_METRICS,
    EmergingTerms,
    Themes,
    rank_emerging,
    rank_themes,
    term_counts,
    term_rows,
)
from social_listen.listener._timeseries import TimeSeries, series_of
from social_listen.listener._top import TopList, top_of
from social_listen.store import Filter, MentionStore

__all__ = ["Report", "build_report"]

_EMERGING_CANDIDATES = 2000  # emerging_terms' defaults
_EMERGING_MIN_COUNT = 3
_SPIKE_FREQ = {"minute": "minute", "hour": "hour", "day": "hour", "week": "day", "month": "day"}


@dataclass(frozen=True)
class Report:
    """A listening report: every section is a frozen analysis result.

    Export with :meth:`to_dict` / :meth:`to_json`, :meth:`to_markdown`, :meth:`to_html`, or
    :meth:`save` (format from the file extension).
    """

    brand: str
    competitors: tuple[str, ...]
    since: datetime
    until: datetime
    generated_at: datetime
    freq: str
    tz: str
    volume: TimeSeries
    share: ShareOfVoice
    share_reach: ShareOfVoice
    comparison: BrandComparison
    themes: Themes
    complaints: Themes
    emerging: EmergingTerms
    top_authors: TopList
    top_sources: TopList
    top_domains: TopList
    top_hashtags: TopList
    spikes: tuple[ExplainedSpike, ...]
    stories: Stories

    def summary(self) -> dict[str, Any]:
        """Headline numbers of the brand with their change against the previous period."""
        out: dict[str, Any] = {}
        for change in self.volume.changes:
            if change.group is None:
                out[change.metric] = {
                    "current": change.current,
                    "previous": change.previous,
                    "pct": change.pct,
                }
        return out

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-friendly data (datetimes as ISO 8601 strings)."""
        from social_listen.listener._render import report_dict

        return report_dict(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_markdown(self) -> str:
        """The report as Markdown (mention text HTML-escaped, controls shown visibly)."""
        from social_listen.listener._render import render_markdown

        return render_markdown(self)

    def to_html(self, *, charts: bool | None = None) -> str:
        """A self-contained HTML page (no network needed to open it).

        Args:
            charts: Interactive plotly charts with plotly.js inlined (``True`` needs the
                ``plot`` extra); ``False`` tables only; ``None`` (default) charts when plotly
                is installed.
        """
        from social_listen.listener._render import render_html

        return render_html(self, charts=charts)

    def save(self, path: str | os.PathLike[str], *, charts: bool | None = None) -> Path:
        """Write ``.json``, ``.md`` or ``.html`` (chosen by the extension)."""
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".json":
            target.write_text(self.to_json(), encoding="utf-8")
        elif suffix in (".md", ".markdown"):
            target.write_text(self.to_markdown(), encoding="utf-8")
        elif suffix in (".html", ".htm"):
            target.write_text(self.to_html(charts=charts), encoding="utf-8")
        else:
            raise ConfigError(
                f"unknown report format {suffix!r}", source="listener", hint="use .json, .md or .html"
            )
        return target

    def _repr_html_(self) -> str:
        return self.to_html(charts=False)


def build_report(
    data: MentionData,
    brand: str | BrandLike,
    *,
    since: datetime,
    until: datetime,
    now: datetime,
    competitors: tuple[str, ...] = (),
    freq: str = "day",
    tz: str = "UTC",
    n: int = 10,
    story_mentions: int = 2000,
    where: Filter | None = None,
) -> Report:
    """Build the listening report of a brand (and its competitors) for a period.

    Args:
        data: A store or mentions.
        brand: A brand name or a ``BrandProfile`` (its ``competitors`` are included).
        since: Period start (inclusive).
        until: Period end (exclusive).
        now: The report's generation time (stamped on it; nothing reads the clock).
        competitors: More competitor names.
        freq: Bucket size of the volume chart.
        tz: IANA zone of the buckets.
        n: Rows per top list and theme list.
        story_mentions: How many of the most engaging mentions story clustering reads.
        where: Narrow every section (sources, languages...).

    Returns:
        A :class:`Report`.

    Examples:
        >>> from datetime import datetime, UTC
        >>> from social_listen.core import Mention
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> ms = [Mention(source="x", native_id=str(i), text="late delivery", brands=("acme",),
        ...               created_at=t) for i in range(3)]
        >>> r = build_report(ms, "acme", since=t, until=datetime(2026, 1, 2, tzinfo=UTC), now=t)
        >>> r.summary()["count"]["current"], "<html" in r.to_html(charts=False)
        (3, True)
    """
    store = as_store(data)
    names = brand_names(brand, competitors)
    main = names[0]
    own = period_filter(since, until, where, brands=(main,))
    own_terms = tuple(
        dict.fromkeys((*extract_terms(main, language=None), *extract_terms(main, language="en")))
    )
    unit = freq.lstrip("0123456789")
    spike_freq = _SPIKE_FREQ.get(unit, "hour")
    total = store.count(own)
    terms = _BrandTerms.read(store, period_filter(since, until, where, brands=names))
    share = share_of_voice(store, brands=names, where=where, tz=tz, since=since, until=until)
    comparison = compare_with_counts(store, terms.flt, terms.counts(), _source_counts(share))
    complaints = own.model_copy(update={"intents": ("complaint",)})
    complaint_rows = term_rows(store, complaints)
    return Report(
        brand=main,
        competitors=names[1:],
        since=since,
        until=until,
        generated_at=now,
        freq=freq,
        tz=tz,
        # The comparison counted the brand's authors of the period: the volume reuses them.
        volume=series_of(
            store,
            freq=freq,
            tz=tz,
            by=None,
            where=own,
            since=since,
            until=until,
            authors={None: next(row.authors for row in comparison.rows if row.brand == main)},
        ),
        share=share,
        share_reach=share_of_voice(
            store, brands=names, measure="reach", where=where, tz=tz, since=since, until=until
        ),
        comparison=comparison,
        themes=rank_themes(store, own, terms.rows(main), total=total, n=n, exclude=own_terms),
        complaints=rank_themes(
            store, complaints, complaint_rows, total=_count(store, complaints), n=n, exclude=own_terms
        ),
        emerging=_emerging(store, own, terms.rows(main), since=since, until=until, total=total, n=n),
        top_authors=top_of(store, "author", own, total=total, by="reach", n=n),
        top_sources=top_of(store, "source", own, total=total, n=n),
        top_domains=top_of(store, "domain", own, total=total, n=n),
        top_hashtags=top_of(store, "hashtag", own, total=total, n=n),
        spikes=find_spikes(
            store,
            freq=spike_freq,
            tz=tz,
            baseline=max(until - since, timedelta(days=1)),
            where=own,
            since=since,
            until=until,
        ),
        stories=cluster_stories(
            store, max_mentions=story_mentions, min_size=2, where=own, since=since, until=until
        ),
    )


@dataclass(frozen=True)
class _BrandTerms:
    """Every brand's term statistics of the period, read once for the sections that rank terms."""

    flt: Filter
    by_brand: dict[str, tuple[tuple[Any, ...], ...]]

    @classmethod
    def read(cls, store: MentionStore, flt: Filter) -> _BrandTerms:
        result = aggregate(
            store, TERM_METRICS, by=("brand", "term"), where=flt, order_by=["brand", "-count", "term"]
        )
        by_brand: dict[str, list[tuple[Any, ...]]] = {}
        for row in result.rows:
            by_brand.setdefault(str(row[0]), []).append(row[1:])
        return cls(flt, {brand: tuple(rows) for brand, rows in by_brand.items()})

    def rows(self, brand: str) -> tuple[tuple[Any, ...], ...]:
        """``(term, *TERM_METRICS)`` of one brand, most frequent first (ties by term)."""
        return self.by_brand.get(brand, ())

    def counts(self) -> dict[str, dict[str, int]]:
        """Mentions per term of each brand."""
        return {brand: {str(r[0]): int(r[1]) for r in rows} for brand, rows in self.by_brand.items()}


def _count(store: MentionStore, flt: Filter) -> int:
    """Mentions of a brand with one intent, asked as a period total (the store's rollup)."""
    if len(flt.intents) != 1:
        return store.count(flt)
    rows = aggregate(store, ("count",), by=("intent",), where=flt).rows
    return sum(int(count) for value, count in rows if value in flt.intents)


def _source_counts(share: ShareOfVoice) -> dict[str, dict[str, int]]:
    """Mentions per source of each brand, from the per-platform rows of the share of voice."""
    out: dict[str, dict[str, int]] = {}
    for row in share.rows:
        if row.platform != ALL_PLATFORMS:
            out.setdefault(row.brand, {})[row.platform] = int(row.value)
    return out


def _emerging(
    store: MentionStore,
    own: Filter,
    term_rows: tuple[tuple[Any, ...], ...],
    *,
    since: datetime,
    until: datetime,
    total: int,
    n: int,
) -> EmergingTerms:
    """:func:`emerging_terms` with its defaults, from the period's term rows already read."""
    baseline = own.model_copy(update={"since": since - 4 * (until - since), "until": since})
    candidates = term_rows[:_EMERGING_CANDIDATES]
    counts = {str(t): int(c) for t, c, *_ in candidates if int(c) >= _EMERGING_MIN_COUNT}
    before = term_counts(store, baseline, sorted(counts))
    return rank_emerging(counts, before, total=total, baseline_total=store.count(baseline), n=n)

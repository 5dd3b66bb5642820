"""Themes, complaints by theme, emerging terms and term co-occurrence networks.

Themes come from the terms stored with each mention at enrichment (:func:`extract_terms`:
stemmed unigrams and bigrams, per-language stopwords), counted in SQL as document frequencies.
A bigram is a *phrase* when nltk's collocation test (``BigramAssocMeasures.likelihood_ratio``,
Dunning's G² on the 2×2 table of mentions with either word) says its words co-occur beyond
chance (G² ≥ 10.83, p < 0.001); a word mostly seen inside one phrase is folded into it. Each
theme carries its volume, sentiment and example mentions. Emerging terms compare a period
with a baseline with the same G² test on mention counts, ranked by significance.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from social_listen.core import Mention
from social_listen.listener._data import MentionData, aggregate, as_store, newest, period_filter
from social_listen.listener._results import TableResult
from social_listen.listener._terms import term_surfaces
from social_listen.store import Filter, MentionStore

__all__ = [
    "TERM_METRICS",
    "EmergingTerm",
    "EmergingTerms",
    "ExampleMention",
    "Theme",
    "Themes",
    "complaints_by_theme",
    "emerging_terms",
    "g_squared",
    "rank_emerging",
    "rank_themes",
    "term_counts",
    "term_rows",
    "themes",
]

SIGNIFICANT_G2 = 10.83  # chi-square, 1 degree of freedom, p = 0.001
_EXAMPLE_CHARS = 280
_EXAMPLE_POOL = 30
TERM_METRICS = ("count", "mean_sentiment", "count_negative", "count_scored")
"""The per-term statistics themes read, in the order :func:`rank_themes` takes them."""


def g_squared(a: float, b: float, n1: float, n2: float) -> float:
    """Dunning's log-likelihood G² for a term in ``a`` of ``n1`` vs ``b`` of ``n2`` documents.

    Examples:
        >>> round(g_squared(30, 10, 1000, 1000), 2)
        10.67
    """
    cells = ((a, n1 - a), (b, n2 - b))
    total = n1 + n2
    if total <= 0:
        return 0.0
    col = (a + b, total - a - b)
    g = 0.0
    for row_cells, row_total in zip(cells, (n1, n2), strict=True):
        for observed, col_total in zip(row_cells, col, strict=True):
            expected = row_total * col_total / total
            if observed > 0 and expected > 0:
                g += observed * math.log(observed / expected)
    return max(0.0, 2.0 * g)


def p_value(g2: float) -> float:
    """Upper tail of the chi-square distribution with one degree of freedom."""
    return math.erfc(math.sqrt(max(g2, 0.0) / 2.0))


@dataclass(frozen=True, slots=True)
class ExampleMention:
    """A mention quoted as an example (text truncated, provenance kept)."""

    source: str
    native_id: str
    url: str | None
    author: str | None
    created_at: datetime
    text: str
    sentiment: float | None
    engagement: int
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Theme:
    """A recurring word or phrase.

    Attributes:
        term: The stored term (stemmed; a phrase has two words).
        label: The surface form seen most in the examples ("late deliveries").
        count: Mentions containing it.
        share: count / mentions in the period.
        mean_sentiment: Mean sentiment of those mentions (``None`` when none scored).
        negative_share: Share of the scored ones labelled negative.
        is_phrase: True for a collocation (bigram).
        collocation_g2: The bigram's collocation G² (0 for words).
        examples: The most engaging mentions containing it.
    """

    term: str
    label: str
    count: int
    share: float
    mean_sentiment: float | None
    negative_share: float
    is_phrase: bool
    collocation_g2: float
    examples: tuple[ExampleMention, ...] = field(default=())


@dataclass(frozen=True)
class Themes(TableResult):
    """Themes of a period, most frequent first."""

    rows: tuple[Theme, ...]
    total: int
    subset: str | None = None


@dataclass(frozen=True, slots=True)
class EmergingTerm:
    """A term more frequent in the period than in the baseline.

    Attributes:
        term: The stored term.
        count: Mentions with it in the period.
        baseline_count: Mentions with it in the baseline.
        rate: count / mentions in the period.
        baseline_rate: baseline_count / mentions in the baseline.
        lift: (count + 0.5)/(n + 1) over (baseline_count + 0.5)/(baseline_n + 1).
        g2: Dunning's log-likelihood against the baseline.
        p_value: Chi-square (1 dof) tail of ``g2``.
    """

    term: str
    count: int
    baseline_count: int
    rate: float
    baseline_rate: float
    lift: float
    g2: float
    p_value: float


@dataclass(frozen=True)
class EmergingTerms(TableResult):
    """Emerging terms, most significant first."""

    rows: tuple[EmergingTerm, ...]
    total: int
    baseline_total: int


def _example(m: Mention) -> ExampleMention:
    text = f"{m.title}\n{m.text}" if m.title else m.text
    return ExampleMention(
        source=m.source,
        native_id=m.native_id,
        url=m.url,
        author=m.author.handle if m.author else None,
        created_at=m.created_at,
        text=text[:_EXAMPLE_CHARS],
        sentiment=m.sentiment.score if m.sentiment else None,
        engagement=m.metrics.engagement,
        language=m.detected_language or m.language,
    )


def _examples(
    store: MentionStore, flt: Filter, terms: Sequence[str], k: int
) -> dict[str, tuple[ExampleMention, ...]]:
    """Per term, the most engaging of its newest mentions.

    One query serves all terms, then one per term still short of examples.
    """
    pools: dict[str, list[Mention]] = {t: [] for t in terms}
    if not terms:
        return {}
    limit = _EXAMPLE_POOL * len(terms)
    for m in newest(store, flt.model_copy(update={"terms": tuple(terms)}), limit=limit):
        for t in set(m.terms) & pools.keys():
            pools[t].append(m)
    for term, pool in pools.items():
        if len(pool) < k:
            pool[:] = newest(store, flt.model_copy(update={"terms": (term,)}), limit=_EXAMPLE_POOL)
    out = {}
    for term, pool in pools.items():
        pool.sort(key=lambda m: (-m.metrics.engagement, m.source, m.native_id))
        out[term] = tuple(_example(m) for m in pool[:k])
    return out


def _label(term: str, examples: Sequence[ExampleMention]) -> str:
    forms: Counter[str] = Counter()
    for ex in examples:
        surface = term_surfaces(ex.text, language=ex.language).get(term)
        if surface:
            forms[surface] += 1
    return min(forms.items(), key=lambda kv: (-kv[1], kv[0]))[0] if forms else term


def term_counts(store: MentionStore, flt: Filter, terms: Sequence[str]) -> dict[str, int]:
    """Mentions matching ``flt`` per term, for the given terms only."""
    # One unfiltered pass over the period's terms: filtering by a term list makes the store
    # test every row against the list's mention ids, which costs more than the whole pass.
    if not terms:
        return {}
    wanted = set(terms)
    return {str(t): int(c) for t, c in aggregate(store, ("count",), by=("term",), where=flt) if t in wanted}


def term_rows(store: MentionStore, flt: Filter) -> tuple[tuple[Any, ...], ...]:
    """``(term, *TERM_METRICS)`` of the mentions matching ``flt``, most frequent first.

    Narrowed to one intent (complaints), the store answers from its rollup's term rows per
    intent (schema 11: a period total, a few tens of ms at 1M); without the rollup the
    intent's tag rows drive the term table and the brand is tested on them: fewer mentions
    carry a complaint than name the brand (at 1M 1.5 s instead of 2.0 s by the brand's rows).
    """
    order = ["-count", "term"]
    if len(flt.intents) != 1:
        return aggregate(store, TERM_METRICS, by=("term",), where=flt, order_by=order).rows
    result = store.aggregate(TERM_METRICS, by=("term", "intent"), where=flt, order_by=order)
    return tuple((row[0], *row[2:]) for row in result.rows)


def themes(
    data: MentionData,
    *,
    since: datetime,
    until: datetime,
    n: int = 10,
    min_count: int = 3,
    examples: int = 3,
    exclude: Sequence[str] = (),
    where: Filter | None = None,
) -> Themes:
    """Recurring words and phrases of a period, with volume, sentiment and examples.

    Args:
        data: A store or mentions (with ``terms``: see :func:`add_terms`).
        since: Period start (inclusive).
        until: Period end (exclusive).
        n: How many themes.
        min_count: Ignore terms in fewer mentions.
        examples: Example mentions per theme (the most engaging of its 30 newest).
        exclude: Terms to leave out (the brand's own name, as :func:`extract_terms` gives it).
        where: Narrow the mentions (``Filter(intents=("complaint",))`` for complaints).

    Returns:
        :class:`Themes`, most frequent first (on a tie phrases first, then by term).

    Examples:
        >>> from datetime import datetime, UTC
        >>> from social_listen.core import Mention
        >>> from social_listen.listener import add_terms
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> texts = ["late delivery again", "late delivery, angry", "love the app", "app crashed"] * 5
        >>> ms = add_terms(Mention(source="x", native_id=str(i), text=s, language="en", created_at=t)
        ...                for i, s in enumerate(texts))
        >>> [th.label for th in themes(ms, since=t, until=datetime(2026, 1, 2, tzinfo=UTC), n=1)]
        ['late delivery']
    """
    store = as_store(data)
    flt = period_filter(since, until, where)
    # One pass gives every term's count: the phrase test needs the counts of its words too.
    return rank_themes(
        store,
        flt,
        term_rows(store, flt),
        total=store.count(flt),
        n=n,
        min_count=min_count,
        examples=examples,
        exclude=exclude,
    )


def rank_themes(
    store: MentionStore,
    flt: Filter,
    term_rows: Sequence[tuple[Any, ...]],
    *,
    total: int,
    n: int = 10,
    min_count: int = 3,
    examples: int = 3,
    exclude: Sequence[str] = (),
) -> Themes:
    """Themes from a period's term statistics already read (see :func:`themes`).

    Args:
        store: The store the example mentions are read from.
        flt: The period and narrowing of ``term_rows``.
        term_rows: ``(term, count, mean_sentiment, count_negative, count_scored)`` of every
            term of the period, most frequent first (ties by term): :data:`TERM_METRICS`.
        total: Mentions in the period.
        n: See :func:`themes`.
        min_count: See :func:`themes`.
        examples: See :func:`themes`.
        exclude: See :func:`themes`.
    """
    excluded = set(exclude)
    word_counts = {str(r[0]): int(r[1]) for r in term_rows if " " not in str(r[0])}
    stats: dict[str, tuple[int, float | None, int, int]] = {}
    for term, count, sentiment, negative, scored in term_rows[: max(200, n * 20)]:
        if int(count) >= min_count and term not in excluded:
            stats[str(term)] = (int(count), sentiment, int(negative or 0), int(scored or 0))
    from nltk.metrics import BigramAssocMeasures

    collocation: dict[str, float] = {}
    for term in stats:
        if " " in term:
            first, second = term.split(" ", 1)
            n_ii = stats[term][0]
            n_ix, n_xi = max(word_counts.get(first, n_ii), n_ii), max(word_counts.get(second, n_ii), n_ii)
            try:
                g2 = float(BigramAssocMeasures.likelihood_ratio(n_ii, (n_ix, n_xi), max(total, n_ix + n_xi)))
            except (ValueError, ZeroDivisionError):
                g2 = 0.0
            if g2 >= SIGNIFICANT_G2 and first not in excluded and second not in excluded:
                collocation[term] = g2
    absorbed = set()
    for phrase in collocation:
        for word in phrase.split(" ", 1):
            if word in stats and stats[phrase][0] >= 0.5 * stats[word][0]:
                absorbed.add(word)
    candidates = [t for t in stats if t in collocation or (" " not in t and t not in absorbed)]
    candidates.sort(key=lambda t: (-stats[t][0], " " not in t, t))  # a phrase wins a tie
    rows: list[Theme] = []
    chosen = candidates[:n]
    pooled = _examples(store, flt, chosen, examples) if examples else {}
    for term in chosen:
        count, sentiment, negative, scored = stats[term]
        quoted = pooled.get(term, ())
        rows.append(
            Theme(
                term=term,
                label=_label(term, quoted),
                count=count,
                share=count / total if total else 0.0,
                mean_sentiment=sentiment,
                negative_share=negative / scored if scored else 0.0,
                is_phrase=" " in term,
                collocation_g2=collocation.get(term, 0.0),
                examples=quoted,
            )
        )
    subset = None if not flt.intents else ",".join(flt.intents)
    return Themes(rows=tuple(rows), total=total, subset=subset)


def complaints_by_theme(
    data: MentionData,
    *,
    since: datetime,
    until: datetime,
    n: int = 10,
    intent: str = "complaint",
    **options: Any,
) -> Themes:
    """Themes of the mentions labelled with a complaint intent ("deliveries keep going wrong").

    Takes the options of :func:`themes`; ``intent`` picks the label (default ``complaint``).
    """
    where: Filter | None = options.pop("where", None)
    narrowed = (where or Filter()).model_copy(update={"intents": (intent,)})
    return themes(data, since=since, until=until, n=n, where=narrowed, **options)


def emerging_terms(
    data: MentionData,
    *,
    since: datetime,
    until: datetime,
    baseline_since: datetime | None = None,
    baseline_until: datetime | None = None,
    n: int = 20,
    min_count: int = 3,
    min_g2: float = SIGNIFICANT_G2,
    candidates: int = 2000,
    where: Filter | None = None,
) -> EmergingTerms:
    """Terms whose share of mentions rose significantly against a baseline period.

    Args:
        data: A store or mentions.
        since: Period start (inclusive).
        until: Period end (exclusive).
        baseline_since: Baseline start (default: four period lengths before ``since``).
        baseline_until: Baseline end (default: ``since``).
        n: How many terms.
        min_count: Ignore terms in fewer mentions in the period.
        min_g2: Keep terms with at least this G² (10.83 = p < 0.001).
        candidates: How many of the period's most frequent terms are tested.
        where: Narrow the mentions.

    Returns:
        :class:`EmergingTerms`, highest G² first (ties by term).
    """
    store = as_store(data)
    b_until = baseline_until or since
    b_since = baseline_since or (b_until - 4 * (until - since))
    current = period_filter(since, until, where)
    baseline = period_filter(b_since, b_until, where)
    n1, n2 = store.count(current), store.count(baseline)
    counts = {
        str(t): int(c)
        for t, c in aggregate(
            store, ("count",), by=("term",), where=current, order_by=["-count", "term"], top=candidates
        )
        if int(c) >= min_count
    }
    before = term_counts(store, baseline, sorted(counts))
    return rank_emerging(counts, before, total=n1, baseline_total=n2, n=n, min_g2=min_g2)


def rank_emerging(
    counts: Mapping[str, int],
    baseline_counts: Mapping[str, int],
    *,
    total: int,
    baseline_total: int,
    n: int = 20,
    min_g2: float = SIGNIFICANT_G2,
) -> EmergingTerms:
    """Emerging terms from term counts already read (see :func:`emerging_terms`).

    Args:
        counts: Mentions per candidate term in the period.
        baseline_counts: Mentions per term in the baseline (terms absent count 0).
        total: Mentions in the period.
        baseline_total: Mentions in the baseline.
        n: See :func:`emerging_terms`.
        min_g2: See :func:`emerging_terms`.
    """
    n1, n2 = total, baseline_total
    rows = []
    for term, a in counts.items():
        b = baseline_counts.get(term, 0)
        rate, base_rate = a / n1 if n1 else 0.0, b / n2 if n2 else 0.0
        if rate <= base_rate:
            continue
        g2 = g_squared(a, b, n1, n2)
        if g2 < min_g2:
            continue
        lift = ((a + 0.5) / (n1 + 1)) / ((b + 0.5) / (n2 + 1))
        rows.append(EmergingTerm(term, a, b, rate, base_rate, lift, g2, p_value(g2)))
    rows.sort(key=lambda r: (-r.g2, r.term))
    return EmergingTerms(rows=tuple(rows[:n]), total=n1, baseline_total=n2)

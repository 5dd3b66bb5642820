"""Sentiment analyzers behind one small protocol, routed by language, with brand targeting.

A :class:`SentimentAnalyzer` is anything with a ``method`` name and a ``polarity(text)``
returning a compound score in [-1, 1]. :class:`VaderAnalyzer` reproduces the reference VADER
exactly; :class:`RuleAnalyzer` is the social-media rule engine over a language's lexicon and
the default for English, Hungarian and Romanian. :class:`SentimentScorer` caps the text,
picks the analyzer for the mention's language (anything else is neutral and flagged
``unsupported_language``), labels the score with fixed thresholds, and scores the sentences
that mention the brand separately (``targeted_score``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from social_listen.core import ConfigError, Sentiment, SentimentLabel
from social_listen.monitor._lexicons import LEXICON_LANGUAGES, load_rules, with_terms
from social_listen.monitor._sentiment_rules import RULES, LexiconRules, RuleEngine
from social_listen.monitor._trusted import trusted_builder
from social_listen.monitor._vader import VaderEngine, VaderScores, vader_lexicon

__all__ = [
    "DEFAULT_MAX_ANALYSIS_CHARS",
    "NO_FLAGS",
    "RuleAnalyzer",
    "SentimentAnalyzer",
    "SentimentResult",
    "SentimentScorer",
    "VaderAnalyzer",
    "default_analyzers",
    "targeted_text",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_ANALYSIS_CHARS = 20_000
UNSUPPORTED_LANGUAGE = "unsupported_language"
TEXT_CAPPED = "analysis_text_capped"
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|\n+")


@runtime_checkable
class SentimentAnalyzer(Protocol):
    """What the scorer needs from a sentiment model: a name and a compound score.

    Plain classes qualify; wrap any model (a transformer, a cloud API) this way.

    Examples:
        >>> class Constant:
        ...     method = "constant-v1"
        ...     def polarity(self, text: str) -> float:
        ...         return 0.5
        >>> isinstance(Constant(), SentimentAnalyzer)
        True
    """

    @property
    def method(self) -> str:
        """The method name stored with each score (``"vader-3.3.2"``)."""
        ...

    def polarity(self, text: str) -> float:
        """The compound score of ``text`` in [-1, 1]."""
        ...


class VaderAnalyzer:
    """VADER exactly as the reference ``vaderSentiment`` 3.3.2 scores English, only faster.

    Args:
        terms: Domain terms added to (or overriding) VADER's lexicon, valence in [-4, 4].

    Examples:
        >>> VaderAnalyzer().polarity("The delivery was great!")
        0.6588
    """

    def __init__(self, *, terms: Mapping[str, float] | None = None) -> None:
        lexicon = dict(vader_lexicon())
        if terms:
            for term, value in terms.items():
                if not -4.0 <= float(value) <= 4.0:
                    raise ConfigError(f"valence {value} for {term!r} is outside [-4, 4]")
                lexicon[term.lower()] = float(value)
        self._engine = VaderEngine(lexicon)
        self.method = "vader-3.3.2+terms" if terms else "vader-3.3.2"

    def polarity(self, text: str) -> float:
        """The compound score, equal to the reference's ``polarity_scores(text)["compound"]``."""
        return self._engine.scores(text).compound

    def scores(self, text: str) -> VaderScores:
        """All four reference outputs (``neg``, ``neu``, ``pos``, ``compound``)."""
        return self._engine.scores(text)


class RuleAnalyzer:
    """The social-media rule engine over one language's lexicon (see the enrichment docs).

    Args:
        rules: Language resources; ``None`` with ``language`` loads the packaged ones.
        language: ``en``, ``hu`` or ``ro`` when ``rules`` is not given.
        terms: Domain terms added to the lexicon, valence in [-4, 4].
        disable: Rule names (see ``RULES``) to switch off, e.g. ``{"modals"}``; the method
            name then records them (``vader-social-en-v3-modals``).

    Raises:
        ConfigError: For an unknown language or rule name.

    Examples:
        >>> RuleAnalyzer(language="hu").polarity("Nagyon jó a szolgáltatás!") > 0.5
        True
        >>> RuleAnalyzer(language="en", terms={"laggy": -2.0}).polarity("so laggy") < 0
        True
        >>> RuleAnalyzer(language="en", disable={"modals"}).method
        'vader-social-en-v3-modals'
    """

    def __init__(
        self,
        rules: LexiconRules | None = None,
        *,
        language: str | None = None,
        terms: Mapping[str, float] | None = None,
        disable: Iterable[str] = (),
    ) -> None:
        if rules is None:
            if language is None:
                raise ConfigError("RuleAnalyzer needs rules= or language=", hint="e.g. language='hu'")
            rules = load_rules(language)
        if terms:
            rules = with_terms(rules, terms)
        off = frozenset(disable)
        unknown = off - set(RULES)
        if unknown:
            raise ConfigError(
                f"unknown sentiment rules {sorted(unknown)}", hint=f"known rules: {', '.join(RULES)}"
            )
        self.rules = rules
        self.method = rules.method + "".join(f"-{name}" for name in RULES if name in off)
        self._engine = RuleEngine(rules, disable=off)

    def polarity(self, text: str) -> float:
        """The compound score in [-1, 1]."""
        return self._engine.compound(text)


def default_analyzers(
    *, terms: Mapping[str, Mapping[str, float]] | None = None
) -> dict[str, SentimentAnalyzer]:
    """The packaged analyzers, one per language (``en``, ``hu``, ``ro``).

    Args:
        terms: Per-language domain terms, ``{"en": {"laggy": -2.0}}``.
    """
    terms = terms or {}
    return {lang: RuleAnalyzer(language=lang, terms=terms.get(lang)) for lang in LEXICON_LANGUAGES}


def targeted_text(text: str, spans: Sequence[tuple[int, int]]) -> str | None:
    """The sentences of ``text`` that overlap any of ``spans`` (character offsets), joined.

    Examples:
        >>> targeted_text("Love the staff. Acme app crashes!", [(16, 20)])
        'Acme app crashes!'
    """
    if not spans:
        return None
    chosen: list[str] = []
    start = 0
    bounds = [(m.start(), m.end()) for m in _SENTENCE_BREAK.finditer(text)] + [(len(text), len(text))]
    for brk_start, brk_end in bounds:
        if any(s < brk_start and e > start for s, e in spans):
            chosen.append(text[start:brk_start])
        start = brk_end
    return " ".join(chosen) if chosen else None


@dataclass(frozen=True)
class SentimentResult:
    """A scored sentiment plus the flags the scoring raised."""

    sentiment: Sentiment
    flags: frozenset[str]


NO_FLAGS: frozenset[str] = frozenset()
"""The flags of a text (or a mention) that raised none, the common case: one shared object
rather than one per result (fewer objects for the garbage collector)."""

_build_sentiment = trusted_builder(Sentiment, score=0.0, label="neutral", method="m", targeted_score=None)


def _clamp(value: float) -> float:
    return max(-1.0, min(1.0, float(value)))


class SentimentScorer:
    """Language routing, text cap, labels and brand targeting around the analyzers.

    Args:
        analyzers: Language code -> analyzer; defaults to :func:`default_analyzers`.
            Add a key to plug in a model for another language, or replace one.
        fallback: Analyzer for languages without one; ``None`` (default) scores them
            neutral and flags ``unsupported_language``.
        thresholds: ``(negative_below_or_at, positive_at_or_above)`` on the compound score.
        max_chars: Characters analysed; longer texts are cut (flag ``analysis_text_capped``)
            so a 1 MB post costs the same as a 20 kB one.
        label: Replace the threshold labelling (``score -> label``).
        undetermined: Analyzer language for texts whose language is unknown (emoji only, too
            short to detect): emoji and emoticons read the same everywhere. ``None`` scores
            them neutral.

    Examples:
        >>> scorer = SentimentScorer()
        >>> r = scorer.score("Acme support is awful. The weather is lovely.", language="en",
        ...                  spans=[(0, 4)])
        >>> r.sentiment.score > 0, r.sentiment.targeted_score < 0
        (True, True)
    """

    def __init__(
        self,
        *,
        analyzers: Mapping[str, SentimentAnalyzer] | None = None,
        fallback: SentimentAnalyzer | None = None,
        thresholds: tuple[float, float] = (-0.1, 0.1),
        max_chars: int = DEFAULT_MAX_ANALYSIS_CHARS,
        label: Callable[[float], SentimentLabel] | None = None,
        undetermined: str | None = "en",
    ) -> None:
        if not thresholds[0] <= thresholds[1]:
            raise ConfigError(f"thresholds {thresholds} must be (low, high) with low <= high")
        if max_chars <= 0:
            raise ConfigError("max_chars must be positive")
        self.analyzers: dict[str, SentimentAnalyzer] = dict(
            default_analyzers() if analyzers is None else analyzers
        )
        self.fallback = fallback
        self.thresholds = thresholds
        self.max_chars = max_chars
        self._label = label
        self.undetermined = undetermined

    def label(self, score: float) -> SentimentLabel:
        """The label of a compound score under this scorer's thresholds."""
        if self._label is not None:
            return self._label(score)
        low, high = self.thresholds
        if score >= high and score > 0:
            return "positive"
        if score <= low and score < 0:
            return "negative"
        return "neutral"

    def analyzer_for(self, language: str | None) -> SentimentAnalyzer | None:
        """The analyzer used for a language code (``None`` when unsupported)."""
        if language is None:
            return self.analyzers.get(self.undetermined) if self.undetermined else None
        found = self.analyzers.get(language)  # most codes are plain ("en"): no normalising
        if found is not None:
            return found
        found = self.analyzers.get(language.lower().split("-")[0])
        return found if found is not None else self.fallback

    def score(
        self, text: str, *, language: str | None, spans: Sequence[tuple[int, int]] = ()
    ) -> SentimentResult:
        """Score one text.

        Args:
            text: The post text (title and body joined by the caller).
            language: The language to analyse it as (detected or claimed).
            spans: Character spans of brand mentions for ``targeted_score``.

        Returns:
            The :class:`~social_listen.core.Sentiment` and the flags raised.
        """
        flags: set[str] = set()
        if len(text) > self.max_chars:
            text = text[: self.max_chars]
            flags.add(TEXT_CAPPED)
        analyzer = self.analyzer_for(language)
        if analyzer is None:
            if language is not None and text.strip():
                flags.add(UNSUPPORTED_LANGUAGE)
            method = f"unsupported-{language or 'und'}"
            return SentimentResult(Sentiment(score=0.0, label="neutral", method=method), frozenset(flags))
        score = _clamp(analyzer.polarity(text))
        targeted: float | None = None
        if spans:
            part = targeted_text(text, [s for s in spans if s[0] < len(text)])
            if part is not None:
                targeted = score if part == text else _clamp(analyzer.polarity(part))
        method = analyzer.method
        # Valid by construction (scores clamped, a built-in label, a str method): skip validation.
        build = _build_sentiment if self._label is None and type(method) is str else Sentiment
        sentiment = build(score=score, label=self.label(score), method=method, targeted_score=targeted)
        return SentimentResult(sentiment, frozenset(flags) if flags else NO_FLAGS)

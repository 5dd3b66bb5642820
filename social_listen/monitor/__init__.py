"""Per-mention monitoring: language, sentiment, intent, reach, influence, urgency, enrichment."""

from __future__ import annotations

from social_listen.monitor._influence import InfluenceModel, ReachModel, seen_fraction
from social_listen.monitor._intent import CRISIS_KINDS, INTENT_LABELS, IntentDetector, load_intent_lexicon
from social_listen.monitor._language import (
    DEFAULT_LANGUAGES,
    LanguageDetector,
    LanguageGuess,
    choose_language,
)
from social_listen.monitor._lexicons import english_rules, load_rules, parse_lexicon, with_terms
from social_listen.monitor._pipeline import (
    BrandMatcher,
    BrandSpans,
    Enricher,
    KeywordMatcher,
    TermExtractor,
    enrich,
)
from social_listen.monitor._sentiment import (
    DEFAULT_MAX_ANALYSIS_CHARS,
    RuleAnalyzer,
    SentimentAnalyzer,
    SentimentResult,
    SentimentScorer,
    VaderAnalyzer,
    default_analyzers,
    targeted_text,
)
from social_listen.monitor._sentiment_rules import LexiconRules, fold_diacritics
from social_listen.monitor._urgency import UrgencyModel, UrgencyWeights
from social_listen.monitor._vader import VaderScores, vader_scores

__all__ = [
    "CRISIS_KINDS",
    "DEFAULT_LANGUAGES",
    "DEFAULT_MAX_ANALYSIS_CHARS",
    "INTENT_LABELS",
    "BrandMatcher",
    "BrandSpans",
    "Enricher",
    "InfluenceModel",
    "IntentDetector",
    "KeywordMatcher",
    "LanguageDetector",
    "LanguageGuess",
    "LexiconRules",
    "ReachModel",
    "RuleAnalyzer",
    "SentimentAnalyzer",
    "SentimentResult",
    "SentimentScorer",
    "TermExtractor",
    "UrgencyModel",
    "UrgencyWeights",
    "VaderAnalyzer",
    "VaderScores",
    "choose_language",
    "default_analyzers",
    "english_rules",
    "enrich",
    "fold_diacritics",
    "load_intent_lexicon",
    "load_rules",
    "parse_lexicon",
    "seen_fraction",
    "targeted_text",
    "vader_scores",
    "with_terms",
]

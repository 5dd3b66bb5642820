"""Per-mention monitoring: enrichment, triage inbox, alert rules, sinks and the monitor loop.

Enrichment scores language, sentiment, intent, reach, influence and urgency; the inbox, the
alert rules, the outbox and the always-on ``Monitor`` act on the scores.
"""

from __future__ import annotations

from social_listen.monitor._alerts import (
    AlertEngine,
    AlertRule,
    CrisisIntent,
    NegativeInfluencer,
    QueryMatch,
    SentimentDip,
    UrgencyAbove,
    VolumeSpike,
    WindowRule,
    replay,
)
from social_listen.monitor._delivery import DeliveryReport, Dispatcher, outbox_items
from social_listen.monitor._inbox import STATUSES, HistoryEntry, Inbox, ResponseStats, SlaBreach, TriageRecord
from social_listen.monitor._influence import InfluenceModel, ReachModel, seen_fraction
from social_listen.monitor._intent import CRISIS_KINDS, INTENT_LABELS, IntentDetector, load_intent_lexicon
from social_listen.monitor._language import (
    DEFAULT_LANGUAGES,
    LanguageDetector,
    LanguageGuess,
    choose_language,
)
from social_listen.monitor._lexicons import english_rules, load_rules, parse_lexicon, with_terms
from social_listen.monitor._loop import CycleReport, Monitor, MonitoredSource, SourceHealth
from social_listen.monitor._pipeline import (
    BrandMatcher,
    BrandSpans,
    Enricher,
    KeywordMatcher,
    MentionScanner,
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
from social_listen.monitor._sinks import (
    Alert,
    CallbackSink,
    JsonlSink,
    SlackSink,
    SmtpSink,
    TeamsSink,
    WebhookSink,
    escape_slack,
    sign_webhook,
    verify_webhook,
)
from social_listen.monitor._urgency import UrgencyModel, UrgencyWeights
from social_listen.monitor._vader import VaderScores, vader_scores

__all__ = [
    "CRISIS_KINDS",
    "DEFAULT_LANGUAGES",
    "DEFAULT_MAX_ANALYSIS_CHARS",
    "INTENT_LABELS",
    "STATUSES",
    "Alert",
    "AlertEngine",
    "AlertRule",
    "BrandMatcher",
    "BrandSpans",
    "CallbackSink",
    "CrisisIntent",
    "CycleReport",
    "DeliveryReport",
    "Dispatcher",
    "Enricher",
    "HistoryEntry",
    "Inbox",
    "InfluenceModel",
    "IntentDetector",
    "JsonlSink",
    "KeywordMatcher",
    "LanguageDetector",
    "LanguageGuess",
    "LexiconRules",
    "MentionScanner",
    "Monitor",
    "MonitoredSource",
    "NegativeInfluencer",
    "QueryMatch",
    "ReachModel",
    "ResponseStats",
    "RuleAnalyzer",
    "SentimentAnalyzer",
    "SentimentDip",
    "SentimentResult",
    "SentimentScorer",
    "SlaBreach",
    "SlackSink",
    "SmtpSink",
    "SourceHealth",
    "TeamsSink",
    "TermExtractor",
    "TriageRecord",
    "UrgencyAbove",
    "UrgencyModel",
    "UrgencyWeights",
    "VaderAnalyzer",
    "VaderScores",
    "VolumeSpike",
    "WebhookSink",
    "WindowRule",
    "choose_language",
    "default_analyzers",
    "english_rules",
    "enrich",
    "escape_slack",
    "fold_diacritics",
    "load_intent_lexicon",
    "load_rules",
    "outbox_items",
    "parse_lexicon",
    "replay",
    "seen_fraction",
    "sign_webhook",
    "targeted_text",
    "vader_scores",
    "verify_webhook",
    "with_terms",
]

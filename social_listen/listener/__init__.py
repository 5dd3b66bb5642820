"""Listening: time series, share of voice, top lists, themes, stories, spikes and reports.

Every analysis takes a :class:`~social_listen.store.MentionStore` (the work runs in its SQL) or
an iterable of mentions (loaded into an in-memory SQLite store, then the same SQL), takes its
period explicitly, and returns a small frozen result with ``to_records()``, ``to_pandas()``,
``to_polars()`` and a notebook display.
"""

from __future__ import annotations

from social_listen.listener._compare import BrandComparison, BrandSummary, compare_brands
from social_listen.listener._data import add_terms, as_store
from social_listen.listener._escape import escape_text, reveal_controls, safe_href
from social_listen.listener._explain import (
    ExplainedSpike,
    SentimentShift,
    SpikeDriver,
    SpikeExplanation,
    explain_spike,
    find_spikes,
)
from social_listen.listener._network import NetworkEdge, NetworkNode, TermNetwork, cooccurrence_network
from social_listen.listener._report import Report, build_report
from social_listen.listener._share import ShareOfVoice, ShareRow, share_of_voice, wilson_interval
from social_listen.listener._spikes import SpikeDetector, SpikeScore, SpikeSeries, detect_spikes
from social_listen.listener._stories import Stories, Story, StoryMember, cluster_stories, normalize_story_text
from social_listen.listener._terms import extract_terms, normalize_word, stopwords_for, term_surfaces
from social_listen.listener._themes import (
    EmergingTerm,
    EmergingTerms,
    ExampleMention,
    Theme,
    Themes,
    complaints_by_theme,
    emerging_terms,
    g_squared,
    themes,
)
from social_listen.listener._timeseries import PeriodChange, TimePoint, TimeSeries, time_series
from social_listen.listener._top import TopList, TopRow, top

__all__ = [
    "BrandComparison",
    "BrandSummary",
    "EmergingTerm",
    "EmergingTerms",
    "ExampleMention",
    "ExplainedSpike",
    "NetworkEdge",
    "NetworkNode",
    "PeriodChange",
    "Report",
    "SentimentShift",
    "ShareOfVoice",
    "ShareRow",
    "SpikeDetector",
    "SpikeDriver",
    "SpikeExplanation",
    "SpikeScore",
    "SpikeSeries",
    "Stories",
    "Story",
    "StoryMember",
    "TermNetwork",
    "Theme",
    "Themes",
    "TimePoint",
    "TimeSeries",
    "TopList",
    "TopRow",
    "add_terms",
    "as_store",
    "build_report",
    "cluster_stories",
    "compare_brands",
    "complaints_by_theme",
    "cooccurrence_network",
    "detect_spikes",
    "emerging_terms",
    "escape_text",
    "explain_spike",
    "extract_terms",
    "find_spikes",
    "g_squared",
    "normalize_story_text",
    "normalize_word",
    "reveal_controls",
    "safe_href",
    "share_of_voice",
    "stopwords_for",
    "term_surfaces",
    "themes",
    "time_series",
    "top",
    "wilson_interval",
]

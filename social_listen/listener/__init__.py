"""Listening: aggregates, share of voice, themes, stories, spikes and reports over mentions."""

from __future__ import annotations

from social_listen.listener._spikes import SpikeDetector, SpikeScore, SpikeSeries, detect_spikes
from social_listen.listener._terms import extract_terms, normalize_word, stopwords_for, term_surfaces

__all__ = [
    "SpikeDetector",
    "SpikeScore",
    "SpikeSeries",
    "detect_spikes",
    "extract_terms",
    "normalize_word",
    "stopwords_for",
    "term_surfaces",
]

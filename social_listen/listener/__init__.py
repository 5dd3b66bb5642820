"""Listening: aggregates, share of voice, themes, stories, spikes and reports over mentions."""

from __future__ import annotations

from social_listen.listener._terms import extract_terms, normalize_word, stopwords_for, term_surfaces

__all__ = ["extract_terms", "normalize_word", "stopwords_for", "term_surfaces"]

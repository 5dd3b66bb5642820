"""The bridge from a Query to native searches and the local filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

import social_listen.query as query_module
from social_listen.connectors import _native
from social_listen.connectors._native import local_matcher, native_search, plain_terms
from social_listen.core import Mention, Query

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _mention(text: str) -> Mention:
    return Mention(source="x", native_id="1", text=text, created_at=NOW)


@dataclass
class _Native:
    queries: tuple[str, ...]
    unsupported: tuple[str, ...] = ()


def test_plain_terms_drop_operators_negations_and_duplicates() -> None:
    assert plain_terms('acme OR "acme corp" -jobs NOT spam (widget AND acme)') == (
        "acme",
        "acme corp",
        "widget",
    )


def test_the_query_compiler_is_used_when_installed() -> None:
    search = native_search(Query(text="acme OR akme -jobs"), "hackernews")
    assert search.compiled
    assert search.queries == ("acme", "akme")  # Algolia has no OR: one search per branch
    assert "unsearchable:NOT" in search.notes
    assert search.matches is not None
    assert not search.matches(_mention("akme jobs"))  # acme OR (akme AND NOT jobs)


def test_without_a_compiler_each_plain_term_is_a_search_and_the_query_is_enforced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(query_module, "to_native", raising=False)
    search = native_search(Query(text="acme OR akme -jobs"), "hackernews")
    assert search.queries == ("acme", "akme")
    assert not search.compiled
    assert search.matches is not None
    assert search.matches(_mention("akme is great"))
    assert not search.matches(_mention("nothing here"))


def test_the_compiler_gives_native_queries_and_unsearchable_notes(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[Any, str]] = []

    def to_native(parsed: Any, platform: str) -> _Native:
        seen.append((parsed, platform))
        return _Native(queries=("(acme OR akme)",), unsupported=("NEAR",))

    monkeypatch.setattr(query_module, "to_native", to_native, raising=False)
    _native._parse.cache_clear()
    search = native_search(Query(text="acme OR akme NEAR/3 broken"), "gdelt")
    assert search.queries == ("(acme OR akme)",)
    assert search.notes == ("unsearchable:NEAR",)
    assert search.compiled
    assert seen[0][1] == "gdelt"


def test_a_platform_the_compiler_refuses_falls_back_to_plain_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    def to_native(parsed: Any, platform: str) -> _Native:
        raise ValueError(f"unknown platform {platform}")

    monkeypatch.setattr(query_module, "to_native", to_native, raising=False)
    search = native_search(Query(text="acme"), "jsonl")
    assert search.queries == ("acme",)
    assert not search.compiled
    assert search.matches is not None


def test_local_matcher_uses_the_parsed_query() -> None:
    keep = local_matcher(Query(text='"acme corp" -refund'), "rss")
    assert keep is not None
    assert keep(_mention("Acme Corp rocks"))
    assert not keep(_mention("acme corp refund please"))

"""Lint, explain, native pushdown and the query-testing helpers."""

from __future__ import annotations

import pytest

from social_listen.core import ConfigError
from social_listen.query import (
    PLATFORMS,
    BrandProfile,
    assert_query,
    evaluate_query,
    explain,
    lint,
    parse,
    to_native,
)


@pytest.mark.parametrize(
    ("text", "code", "position"),
    [
        ("*corp", "leading-wildcard", 0),
        ("acme OR NOT jobs", "always-true", 8),
        ("NOT jobs", "always-true", 0),
        ("acme *", "always-true", 5),
        ("acme AND NOT acme", "always-false", 9),
        ("acme NEAR/60 broken", "near-too-far", 5),
        ("acme or globex", "lowercase-operator", 5),
        ("ab~1", "short-fuzzy", 0),
        ("acme OR acme", "duplicate", 8),
        ('acme "oops', "syntax", 5),
    ],
)
def test_lint_finds_the_mistake_and_its_position(text: str, code: str, position: int) -> None:
    found = [(w.code, w.position) for w in lint(text)]
    assert (code, position) in found
    assert all(str(w).startswith(f"{w.position}: ") for w in lint(text))


def test_lint_is_quiet_on_a_good_query() -> None:
    assert lint('(acme OR "acme corp") NEAR/5 (broken OR refund) -jobs') == []


def test_explain_reports_spans_and_the_reason() -> None:
    result = explain('("acme phone" OR globex) NEAR/3 broken -#ad', "The Acme phone I bought was broken")
    assert result.matched
    phrase = next(a for a in result.atoms if a.atom == '"acme phone"')
    assert phrase.found
    assert [(s.start, s.end) for s in phrase.spans] == [(4, 14)]
    negated = next(a for a in result.atoms if a.atom == "#ad")
    assert negated.negated
    assert not negated.found
    assert "[x] NEAR/3: within 3 words" in str(result)


def test_explain_agrees_with_matches_on_brand_profiles() -> None:
    q = BrandProfile(name="Globex", exclusions=["jobs"]).compile()
    for text in ["globx rocks", "globex jobs", "nothing"]:
        assert explain(q, text).matched is q.matches(text)
    why = explain("acme ONEAR/3 broken", "broken acme")
    assert not why.matched
    assert "the right side comes first" in str(why)


def test_to_native_for_every_platform() -> None:
    q = parse('(acme OR "acme corp") NEAR/2 broken -jobs author:jane acme*')
    for platform in PLATFORMS:
        native = to_native(q, platform)
        if platform in ("rss", "jsonl", "csv"):
            assert native.queries == ()
            assert native.unsupported == ("search",)
            continue
        assert native.queries, platform
        assert "NEAR" in native.unsupported
        assert all("NEAR/" not in text for text in native.queries)
    x = to_native(q, "x")
    assert x.queries == ('(acme OR "acme corp") broken -jobs from:jane acme',)
    assert "wildcard" in x.unsupported
    hn = to_native(q, "hackernews")
    assert hn.queries == ("acme broken", '"acme corp" broken acme')
    assert {"NOT", "field:author"} <= set(hn.unsupported)


def test_to_native_splits_at_the_length_limit_without_losing_terms() -> None:
    names = [f"brandname{i}" for i in range(120)]
    native = to_native(parse(" OR ".join(names)), "x")
    assert len(native.queries) > 1
    assert all(len(q) <= 512 for q in native.queries)
    assert sorted(t for q in native.queries for t in q.split(" OR ")) == sorted(names)


def test_to_native_gdelt_near_and_unknown_platform() -> None:
    assert to_native(parse("acme NEAR/4 broken sourcecountry"), "gdelt").queries == (
        'near5:"acme broken" sourcecountry',
    )
    assert to_native(parse("NOT acme"), "x").queries == ()
    with pytest.raises(ConfigError):
        to_native(parse("acme"), "myspace")


def test_native_search_bridge_uses_the_compiler() -> None:
    from social_listen.connectors._native import native_search
    from social_listen.core import Query

    result = native_search(Query(text="acme~1 OR globex"), "hackernews")
    assert result.compiled
    assert result.queries == ("acme", "globex")
    assert "unsearchable:fuzzy" in result.notes


def test_evaluate_query_reports_precision_recall_and_mistakes() -> None:
    result = evaluate_query(
        "acme -jobs",
        [("acme rocks", True), ("acme jobs", True), ("acme stock", False), ("road runner", False)],
    )
    assert (result.true_positives, result.false_positives, result.false_negatives, result.true_negatives) == (
        1,
        1,
        1,
        1,
    )
    assert result.precision == 0.5
    assert result.recall == 0.5
    assert result.f1 == 0.5
    assert result.wrongly_matched == ("acme stock",)
    assert result.missed == ("acme jobs",)


def test_assert_query_fails_with_the_misclassified_texts() -> None:
    assert_query("acme -jobs", matches=["acme rocks"], rejects=["acme jobs"])
    with pytest.raises(AssertionError, match="missed: 'acmecorp'"):
        assert_query("acme", matches=["acme", "acmecorp"], rejects=[])
    assert_query("acme", matches=["acme", "acmecorp"], min_recall=0.5)

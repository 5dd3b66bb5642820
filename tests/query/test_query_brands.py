"""Brand profiles, generated variants, the ordinary-word guard and the matcher's outputs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from social_listen.core import Author, Mention
from social_listen.query import (
    BrandProfile,
    MatcherSet,
    brand_variants,
    is_ordinary_word,
    parse,
    typo_distance,
    typo_variants,
)

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def post(text: str, **kw: object) -> Mention:
    return Mention(source="x", native_id="1", text=text, created_at=WHEN, **kw)  # type: ignore[arg-type]


ACME = BrandProfile(
    name="Acme",
    aliases=["Acme Corp"],
    products=["RoadRunner"],
    handles=["@acme_hq"],
    domains=["acme.com"],
    exclusions=["jobs", '"acme rocket league"'],
)


@pytest.mark.parametrize(
    "text",
    [
        "I love ACME",
        "Acme's new phone",
        "acmecorp announced",
        "the Acme-Corp board",
        "my roadrunner broke",
        "my road-runner broke",
        "RoadRunners everywhere",
        "thanks @acme_hq",
        "see https://www.acme.com/launch",
        "#AcmeCorp is trending",
        "my roadrunnr broke",
    ],
)
def test_profile_matches_the_ways_people_write_the_brand(text: str) -> None:
    assert ACME.compile().matches(text), text


@pytest.mark.parametrize("text", ["acme jobs in town", "acme rocket league", "coyote cartoon", "acmes"])
def test_profile_exclusions_and_non_mentions(text: str) -> None:
    expected = text == "acmes"  # a plural is the brand
    assert ACME.compile().matches(text) is expected


def test_profile_site_filter_uses_mention_links() -> None:
    assert ACME.compile().matches(post("launch day", links=("https://shop.acme.com/x",)))
    assert not ACME.compile().matches(post("launch day", links=("https://globex.com",)))


def test_required_context_narrows_an_ambiguous_name() -> None:
    apple = BrandProfile(name="Apple", required_context=["iphone OR mac OR ios"])
    q = apple.compile()
    assert q.matches("my Apple iPhone died")
    assert not q.matches("an apple a day")


def test_profile_is_frozen_and_validated() -> None:
    with pytest.raises(ValidationError):
        ACME.name = "x"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        BrandProfile(name="!!!")


def test_to_query_round_trips_through_the_language() -> None:
    text = ACME.to_query()
    assert parse(text) == parse(parse(text).text)
    assert "roadrunner~" in text
    assert "site:acme.com" in text


def test_variants_cover_spacing_camel_case_plural_and_typos() -> None:
    kinds = {(v.text, v.kind) for v in brand_variants("Car Sharing")}
    assert ("carsharing", "joined") in kinds
    kinds = {(v.text, v.kind) for v in brand_variants("SmartThings")}
    assert {("smart things", "split"), ("smartthings~", "fuzzy")} <= kinds
    assert "ikea~" not in {v.text for v in brand_variants("Ikea")}  # too short for typos
    typos = typo_variants("acme")
    assert {"acem", "acne", "acmee", "acm"} <= set(typos)


def test_typo_distance_prices_real_slips_below_other_edits() -> None:
    assert typo_distance("seperate", "separate") == 0.5
    assert typo_distance("acess", "access") == 0.5
    assert typo_distance("reciept", "receipt") == 0.75
    assert typo_distance("desperate", "separate") > 1.5


def test_guard_rejects_ordinary_words_but_keeps_typos() -> None:
    assert is_ordinary_word("carter", "career", ["en"])
    assert not is_ordinary_word("carrer", "career", ["en"])
    globex = BrandProfile(name="Bready").compile()
    assert globex.matches("bready is great")
    assert globex.matches("braedy is great")  # a typo
    assert not globex.matches("bread is great")  # an ordinary word one edit away


def test_guard_is_lifted_by_the_brands_context() -> None:
    bready = BrandProfile(name="Bready", products=["Crumbmaster"]).compile()
    assert not bready.matches("bread is great")
    assert bready.matches("bread crumbmaster is great")


def test_guard_is_lifted_by_a_handle_or_hashtag_in_context() -> None:
    # The handle is a candidate-only atom, looked up lazily while the words are being scanned.
    matcher = MatcherSet([BrandProfile(name="Bricko", handles=["@bricko"], languages=("en",))])
    assert matcher.match("I saw the brick today") == []
    assert matcher.match("brick @bricko") == ["Bricko"]
    assert matcher.scan("#bricko brick").names == ("Bricko",)


def test_guard_uses_the_posts_language() -> None:
    q = BrandProfile(name="Kerta", languages=("en",)).compile()
    assert q.matches(post("kert szép", language="en"))  # not an English word: a typo
    assert not q.matches(post("kert szép", language="hu"))  # "kert" (garden) is Hungarian


def test_variant_report_counts_forms_and_lists_unseen_variants() -> None:
    report = BrandProfile(name="Globex", aliases=["Globex Corp"]).variant_report(
        ["globex rocks", "GLOBEX!", "Globx is down", "#GlobexCorp", "nothing here"]
    )
    assert report.items == 4
    assert report.matched["globex"] == 2
    assert report.kinds["globx"] == "fuzzy"
    assert report.kinds["globexcorp"] == "joined"
    assert "globexes" in report.unmatched


def test_matcher_set_names_spans_and_batch() -> None:
    matcher = MatcherSet([ACME, BrandProfile(name="Globex")])
    assert matcher.names == ("Acme", "Globex")
    assert len(matcher) == 2
    assert matcher.match_batch(["acme vs globex", "nothing", "globex"]) == [
        ["Acme", "Globex"],
        [],
        ["Globex"],
    ]
    m = post("Reviews: the ACME phone beats Globex. Acme wins.", title="Acme review")
    result = matcher.scan(m)
    spans = result.spans["Acme"]
    assert [(s.field, s.start, s.end) for s in spans] == [("title", 0, 4), ("text", 13, 17), ("text", 38, 42)]
    assert all(m.text[s.start : s.end].lower() == "acme" for s in spans if s.field == "text")


def test_matcher_set_accepts_text_parsed_and_profiles_and_author_fields() -> None:
    matcher = MatcherSet({"text": "phone author:jane", "parsed": parse("#launch"), "brand": ACME})
    m = post("new phone #launch", author=Author(handle="jane"), hashtags=("launch",))
    assert matcher.match(m) == ["text", "parsed"]
    assert matcher.match(post("x", hashtags=("launch",))) == ["parsed"]


def test_required_context_lifts_the_guard_and_compile_is_cached() -> None:
    applx = BrandProfile(name="Applx", required_context=["iphone OR mac"])
    assert applx.compile() is applx.compile()
    assert applx.compile().matches("apple iphone")  # "apple" is ordinary, but the context says so
    assert not BrandProfile(name="Applx").compile().matches("apple pie")

"""The enrichment pipeline: every derived field, injection points, idempotence, bad input."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ConfigDict

from social_listen.core import Author, Mention, Metrics
from social_listen.monitor import (
    BrandSpans,
    Enricher,
    KeywordMatcher,
    LanguageDetector,
    enrich,
)

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def mention(i: int, text: str, **kw: object) -> Mention:
    fields: dict[str, object] = {
        "source": "test",
        "native_id": str(i),
        "text": text,
        "created_at": T0,
        "collected_at": T0 + timedelta(hours=1),
    }
    fields.update(kw)
    return Mention(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher(
        brands=KeywordMatcher({"Acme": ["acme", "@acme"], "Globex": ["globex"]}),
        detector=LanguageDetector(languages=("en", "hu", "ro", "de")),
    )


def test_every_derived_field_is_set(enricher: Enricher) -> None:
    m = mention(
        1,
        "@acme my router died after the update and support hung up on me. Terrible! Lawyer is next.",
        author=Author(handle="big", followers=250_000, verified=True),
        metrics=Metrics(likes=40, shares=12, replies=9),
        language="en",
    )
    e = enricher.enrich_one(m)
    assert e.brands == ("Acme",)
    assert e.detected_language == "en"
    assert e.language == "en"
    assert e.language_confidence is not None
    assert 0.9 <= e.language_confidence <= 1.0
    assert e.sentiment is not None
    assert e.sentiment.label == "negative"
    assert e.sentiment.targeted_score is not None
    assert e.sentiment.targeted_score < 0
    assert e.intent is not None
    assert {"complaint", "crisis"} <= set(e.intent.labels)
    assert any(x.startswith("legal") for x in e.intent.evidence["crisis"])
    assert e.reach is not None
    assert e.reach.method == "reach-v1:followers"
    assert e.reach.value > 0
    assert e.influence is not None
    assert 50 < e.influence.value <= 100
    assert e.influence.inputs["followers"] == 250_000
    assert e.urgency is not None
    assert e.urgency.value >= 70
    assert any("crisis" in r for r in e.urgency.reasons)
    assert e.terms
    assert all(t == t.lower() for t in e.terms)
    assert e.text == m.text
    assert e.key == m.key


def test_enrichment_is_deterministic_and_idempotent(enricher: Enricher) -> None:
    posts = [
        mention(1, "Nagyon rossz a Globex net, harmadik napja nincs internet!"),
        mention(2, "Mulțumesc Acme, livrare rapidă și produs excelent 😍"),
        mention(3, "Where can I buy the new Acme phone?"),
    ]
    once = enricher.enrich_batch(posts)
    twice = enricher.enrich_batch(once)
    again = Enricher(
        brands=KeywordMatcher({"Acme": ["acme", "@acme"], "Globex": ["globex"]}),
        detector=LanguageDetector(languages=("en", "hu", "ro", "de")),
    ).enrich_batch(posts)
    assert once == twice == again
    assert [m.detected_language for m in once] == ["hu", "ro", "en"]
    assert [m.sentiment.label for m in once if m.sentiment] == ["negative", "positive", "neutral"]


def test_streaming_call_equals_batches(enricher: Enricher) -> None:
    posts = [mention(i, f"Acme order {i} was great") for i in range(7)]
    small = Enricher(brands=KeywordMatcher({"Acme": ["acme"]}), batch_size=3, terms=None)
    assert list(small(posts)) == small.enrich_batch(posts)


def test_a_batch_longer_than_batch_size_gives_what_one_slice_gives() -> None:
    texts = ["Acme order was great", "Az Acme csomag késik, borzalmas", "acme?", "Comanda Acme e super"]
    posts = [mention(i, texts[i % 4] + f" {i}") for i in range(11)]
    sliced = Enricher(brands=KeywordMatcher({"Acme": ["acme"]}), batch_size=3, terms=None)
    whole = Enricher(brands=KeywordMatcher({"Acme": ["acme"]}), batch_size=100, terms=None)
    got = sliced.enrich_batch(posts)
    assert [m.native_id for m in got] == [p.native_id for p in posts]
    assert got == whole.enrich_batch(posts)
    assert [m.model_fields_set for m in got] == [m.model_fields_set for m in whole.enrich_batch(posts)]


def test_enriched_copies_share_their_fields_set_and_stay_independent() -> None:
    enricher = Enricher(brands=KeywordMatcher({"Acme": ["acme"]}), terms=None)
    a, b = enricher.enrich_batch([mention(1, "Acme is awful"), mention(2, "Acme is great")])
    # One fields-set object per shape (fewer objects for the garbage collector), equal to
    # what model_copy would give.
    assert a.__pydantic_fields_set__ is b.__pydantic_fields_set__
    assert a.urgency is not None
    assert b.urgency is not None
    assert a.urgency.__pydantic_fields_set__ is b.urgency.__pydantic_fields_set__
    # A copy with an update gets its own set: the others keep theirs.
    before = set(b.model_fields_set)
    changed = a.model_copy(update={"url": "https://example.com/1"})
    assert "url" in changed.model_fields_set
    assert a.model_fields_set == b.model_fields_set == before
    assert Mention.model_validate_json(changed.model_dump_json()) == changed


def test_a_callers_edit_of_a_shared_fields_set_or_score_reaches_no_other_mention() -> None:
    import copy
    import pickle

    enricher = Enricher(brands=KeywordMatcher({"Acme": ["acme"]}), terms=None)
    posts = [
        mention(i, "Acme is late", author=Author(handle="a", followers=5000), metrics=Metrics(likes=3))
        for i in (1, 2)
    ]
    a, b = enricher.enrich_batch(posts)
    fields = a.model_fields_set
    fields -= {"text"}  # a new set: the shared one is left alone
    assert "text" in a.model_fields_set
    assert "text" in b.model_fields_set
    with pytest.raises(TypeError, match="read-only"):
        a.model_fields_set.discard("text")
    assert "text" in b.model_dump(exclude_unset=True)
    for copied in (copy.copy(a), copy.deepcopy(a), pickle.loads(pickle.dumps(a)), a.model_copy()):
        assert copied == a
        copied.model_fields_set.add("extra")  # copies own a plain set
        assert "extra" not in b.model_fields_set
    # Equal inputs share one Score: its inputs refuse changes instead of changing every mention.
    assert a.reach is b.reach
    assert a.reach is not None
    assert a.influence is not None
    with pytest.raises(TypeError, match="read-only"):
        a.reach.inputs["followers"] = -1  # type: ignore[index]
    with pytest.raises(TypeError, match="read-only"):
        a.influence.inputs.pop("followers")  # type: ignore[attr-defined]
    assert dict(a.reach.inputs)["followers"] == 5000
    assert pickle.loads(pickle.dumps(a)).reach == a.reach
    assert Mention.model_validate_json(a.model_dump_json()) == a


def test_batch_size_applies_to_any_sequence_and_is_at_least_one() -> None:
    from collections import deque

    posts = [mention(i, f"Acme order {i}") for i in range(7)]
    enricher = Enricher(brands=KeywordMatcher({"Acme": ["acme"]}), batch_size=3, terms=None)
    expected = enricher.enrich_batch(posts)
    assert enricher.enrich_batch(deque(posts)) == expected  # type: ignore[arg-type]
    enricher.batch_size = 0  # the attribute is public: treated as 1, like the constructor does
    assert enricher.enrich_batch(posts) == expected
    assert list(enricher(iter(posts))) == expected


class _Editable(Mention):
    model_config = ConfigDict(frozen=False)


def test_a_mutable_mention_subclass_keeps_a_fields_set_of_its_own() -> None:
    from social_listen.monitor._trusted import trusted_copy

    original = _Editable(source="test", native_id="1", text="hi", created_at=T0)
    first = trusted_copy(original, {"brands": ("Acme",)})
    second = trusted_copy(original, {"brands": ("Acme",)})
    assert first.model_fields_set == second.model_fields_set
    first.url = "https://example.com/1"
    assert "url" in first.model_fields_set
    assert "url" not in second.model_fields_set


def test_injected_matcher_and_terms_are_used() -> None:
    calls: list[str] = []

    def brands(text: str) -> BrandSpans:
        calls.append(text)
        return {"Initech": [(0, 7)]} if text.startswith("Initech") else {}

    def terms(text: str, *, language: str | None) -> Sequence[str]:
        return (f"{language}:{len(text)}",)

    [e] = enrich([mention(1, "Initech printers are the worst")], brands=brands, terms=terms)
    assert calls == ["Initech printers are the worst"]
    assert e.brands == ("Initech",)
    assert e.terms == ("en:30",)


def test_without_a_matcher_existing_brands_are_kept() -> None:
    [e] = enrich([mention(1, "great stuff", brands=("Acme",))], terms=None)
    assert e.brands == ("Acme",)
    assert e.sentiment is not None
    assert e.sentiment.targeted_score is None


def test_urgency_clock_defaults_to_collection_time_and_can_be_injected() -> None:
    m = mention(1, "Is the Acme app down for everyone?")
    default = Enricher(terms=None).enrich_one(m)
    later = Enricher(terms=None, now=T0 + timedelta(days=3)).enrich_one(m)
    assert default.urgency is not None
    assert later.urgency is not None
    assert default.urgency.inputs["age_hours"] == 1.0
    assert later.urgency.value < default.urgency.value


@pytest.mark.reliability(42)
@pytest.mark.timeout(30)
def test_bad_inputs_get_sane_results_in_bounded_time(enricher: Enricher) -> None:
    posts = [
        mention(1, ""),
        mention(2, "😡😡😡"),
        mention(3, ("acme is awful " * 80_000)[:1_000_000]),
        mention(4, "Это ужасный сервис Acme, никогда больше", language="ru"),
        mention(5, "Acme 很好 but szörnyű 💔 \u200b\u202e ١٢٣", flags=frozenset({"kept"})),
    ]
    out = enricher.enrich_batch(posts)
    empty, emoji, huge, russian, mixed = out
    assert empty.sentiment is not None
    assert empty.sentiment.label == "neutral"
    assert empty.detected_language is None
    assert emoji.sentiment is not None
    assert emoji.sentiment.label == "negative"
    assert "analysis_text_capped" in huge.flags
    assert huge.sentiment is not None
    assert russian.sentiment is not None
    assert russian.sentiment.score == 0.0
    assert "unsupported_language" in russian.flags
    assert "kept" in mixed.flags
    assert all(m.urgency is not None and 0 <= m.urgency.value <= 100 for m in out)
    # Re-enriching recomputes the pipeline's own flags instead of piling them up.
    assert enricher.enrich_batch(out) == out


def test_the_query_matcher_set_is_used_with_spans_mapped_to_title_and_text() -> None:
    from social_listen.query import BrandProfile, MatcherSet

    matcher = MatcherSet([BrandProfile(name="Acme", handles=["@acme"]), BrandProfile(name="Globex")])
    m = mention(1, "The weather is lovely today. But Acme support is awful!", title="Globex news")
    e = Enricher(brands=matcher, terms=None).enrich_one(m)
    assert e.brands == ("Acme", "Globex")
    assert e.sentiment is not None
    assert e.sentiment.targeted_score is not None
    # Title "Globex news" and the Acme sentence are the targeted part; the lovely weather is not.
    assert e.sentiment.targeted_score < e.sentiment.score
    obfuscated = Enricher(brands=matcher, terms=None).enrich_one(mention(2, "A\u200bcme is awful"))
    assert obfuscated.brands == ("Acme",)
    assert "obfuscated" in obfuscated.flags


def test_default_terms_are_the_listeners() -> None:
    from social_listen.listener import extract_terms

    [e] = enrich([mention(1, "Deliveries are LATE again #delivery")])
    assert e.terms == extract_terms("Deliveries are LATE again #delivery", language="en")


def test_a_custom_urgency_model_is_called_with_the_scored_mention() -> None:
    from social_listen.core import Score
    from social_listen.monitor import UrgencyModel

    seen: list[Mention] = []

    class Recording(UrgencyModel):
        def score(self, mention: Mention, *, now: datetime | None = None) -> Score:
            seen.append(mention)
            return super().score(mention, now=now)

    m = mention(1, "My order never arrived, where is my refund? Terrible.")
    custom = Enricher(urgency=Recording(), terms=None).enrich_one(m)
    packaged = Enricher(terms=None).enrich_one(m)
    assert len(seen) == 1
    assert seen[0].sentiment == custom.sentiment
    assert seen[0].intent == custom.intent
    assert custom == packaged  # the packaged model scores the same parts without the copy


@pytest.mark.parametrize(
    ("text", "scanned"),
    [
        ("plain words, a list: x, y", False),
        ("a c m e is awful", True),  # spaced letters
        ("a.c.m.e rocks", True),
        ("Аcme with a Cyrillic A", True),
        ("Ac\u200bme with an invisible space", True),
        ("a b", False),  # two letters are no run
    ],
)
def test_a_lookalike_is_looked_for_only_when_possible(text: str, scanned: bool) -> None:
    from social_listen.monitor._pipeline import _may_be_lookalike

    assert _may_be_lookalike(text) is scanned


def test_the_enriched_copy_is_the_one_model_copy_would_make() -> None:
    from social_listen.monitor._trusted import trusted_copy

    original = mention(1, "Acme support is awful", flags=frozenset({"x"}), metrics=Metrics(replies=2))
    [enriched] = Enricher(brands=KeywordMatcher({"Acme": ["acme"]}), terms=None).enrich_batch([original])
    update = {k: v for k, v in enriched.__dict__.items() if v != original.__dict__[k]}
    assert set(update) >= {"sentiment", "intent", "urgency", "brands"}
    reference = original.model_copy(update=update)
    copied = trusted_copy(original, update)
    assert copied.__getstate__() == reference.__getstate__()
    assert list(copied.__dict__) == list(reference.__dict__)
    assert enriched.model_fields_set >= reference.model_fields_set - {"flags"}
    assert Mention.model_validate_json(enriched.model_dump_json()) == enriched


def test_the_pre_checks_skip_only_mentions_a_full_scan_finds_nothing_in() -> None:
    from social_listen.query import BrandProfile, MatcherSet

    matcher = MatcherSet([BrandProfile(name="Acme", handles=["@acme"]), BrandProfile(name="Globex Corp")])
    texts = [
        "nothing here at all",
        "Acme is great",
        "acmee is great",
        "love globex corp and @acme",
        "a c m e is awful",
        "Аcme with a Cyrillic A",
        "A\u200bcme",
        "globex jobs",
        "#acme",
    ]
    mentions = [mention(i, text) for i, text in enumerate(texts)]

    class ScanOnly:  # a scanner without may_match: its plain match is the pre-check
        def scan(self, item: Mention) -> object:
            return matcher.scan(item)

        def match(self, item: Mention) -> list[str]:
            return matcher.match(item)

    for brands in (matcher, ScanOnly()):
        enriched = Enricher(brands=brands, terms=None).enrich_batch(mentions)  # type: ignore[arg-type]
        for m, e in zip(mentions, enriched, strict=True):
            full = matcher.scan(m)
            assert e.brands == tuple(sorted(full.names)), m.text
            assert {"lookalike", "obfuscated"} & e.flags == {"lookalike", "obfuscated"} & full.flags, m.text


def test_a_trigger_word_without_a_match_adds_no_brand_and_no_scan_flags() -> None:
    from social_listen.query import MatcherSet

    matcher = MatcherSet({"acme": "acme -jobs", "globex": "globex"})
    # "acme" triggers the query, "jobs" excludes it; the full-width ACME alone would flag the
    # post as obfuscated if the scan's flags were kept for a post no query matched.
    e = Enricher(brands=matcher, terms=None).enrich_one(mention(1, "acme jobs \uff21\uff23\uff2d\uff25"))
    assert e.brands == ()
    assert not {"obfuscated", "lookalike", "text_capped"} & e.flags

"""The social-media sentiment analyzers, the language routing and the bad-input guarantees."""

from __future__ import annotations

import pytest

from social_listen.core import ConfigError
from social_listen.monitor import (
    DEFAULT_MAX_ANALYSIS_CHARS,
    RuleAnalyzer,
    SentimentAnalyzer,
    SentimentScorer,
    load_rules,
    parse_lexicon,
    targeted_text,
)

EN = RuleAnalyzer(language="en")
HU = RuleAnalyzer(language="hu")
RO = RuleAnalyzer(language="ro")


def test_curly_apostrophe_negation_flips_sentiment() -> None:
    assert EN.polarity("I don’t like this phone") < 0
    assert EN.polarity("I like this phone") > 0


def test_negation_scope_stops_at_clause_punctuation() -> None:
    # "not" belongs to the first clause; "great" in the next one keeps its sign.
    assert EN.polarity("It was not cheap, great camera though") > 0


def test_elongation_counts_as_emphasis() -> None:
    assert EN.polarity("sooo goooood") > EN.polarity("so good") > 0


def test_camelcase_hashtag_is_split_into_words() -> None:
    assert EN.polarity("#NotHappy with the update") < 0


def test_emoji_sequences_carry_valence() -> None:
    assert EN.polarity("my order 💔") < 0
    assert EN.polarity("my order 😍😍") > 0
    assert EN.polarity("👍🏽") > 0  # skin-tone modifier kept with its emoji


def test_like_as_preposition_and_brand_names_are_neutral() -> None:
    assert EN.polarity("Looks like rain tomorrow") == 0.0
    assert EN.polarity("I like rain") > 0
    assert EN.polarity("Watching the Super Bowl at Best Buy tonight") == 0.0


def test_contrast_weights_the_clause_after_but() -> None:
    assert EN.polarity("The screen is great but the battery is terrible") < 0
    assert EN.polarity("The battery is terrible but the screen is great") > 0


def test_double_escaped_exports_are_read() -> None:
    assert EN.polarity("I don\\u2019t love it") < 0
    assert EN.polarity("Tom &amp; Jerry are great") > 0


def test_hungarian_rules() -> None:
    assert HU.polarity("Nagyon jó a szolgáltatás, köszönöm!") > 0.5
    assert HU.polarity("Nem jó, borzalmas a kiszolgálás") < -0.5
    assert HU.polarity("Nem rossz") > 0  # negated negative
    assert HU.polarity("nagyon jo a szolgaltatas") > 0  # typed without accents
    assert HU.polarity("rosszabb lett a szolgáltatás") < 0  # inflected form
    assert HU.polarity("Gond nélkül visszavették") > 0  # postposition negation
    assert HU.polarity("Jó a kamera, de az akku rettenetes") < 0


def test_romanian_rules() -> None:
    assert RO.polarity("Foarte mulțumit de comandă, mersi!") > 0.5
    assert RO.polarity("Nu e bun deloc, o dezamăgire") < 0
    assert RO.polarity("Aplicația nu merge de azi") < 0
    assert RO.polarity("foarte multumit, totul a fost perfect") > 0.5  # no diacritics
    assert RO.polarity("Produs bun, dar livrarea a fost groaznică") < 0
    assert RO.polarity("Serviciu bun 🔥") > RO.polarity("Serviciu bun")


def test_packaged_lexicons_are_readable_and_rich() -> None:
    for lang in ("hu", "ro"):
        rules = load_rules(lang)
        assert len(rules.lexicon) >= 250
        assert rules.negations
        assert rules.boosters
        assert rules.contrasts


def test_bad_lexicon_line_raises_config_error() -> None:
    with pytest.raises(ConfigError, match=r"mine\.txt:2"):
        parse_lexicon("jó\t2\nrossz\tnot-a-number\n", language="hu", source="mine.txt")


def test_domain_terms_out_of_range_are_refused() -> None:
    with pytest.raises(ConfigError):
        RuleAnalyzer(language="en", terms={"laggy": -9})


def test_users_can_plug_in_their_own_model_for_a_language() -> None:
    class Constant:
        method = "constant-v1"

        def polarity(self, text: str) -> float:
            return -0.8

    assert isinstance(Constant(), SentimentAnalyzer)
    scorer = SentimentScorer(analyzers={"de": Constant()})
    result = scorer.score("Das ist nicht gut", language="de")
    assert (result.sentiment.score, result.sentiment.method, result.sentiment.label) == (
        -0.8,
        "constant-v1",
        "negative",
    )


def test_thresholds_decide_the_label() -> None:
    scorer = SentimentScorer(thresholds=(-0.5, 0.5))
    assert scorer.label(0.4) == "neutral"
    assert scorer.label(0.5) == "positive"
    assert scorer.label(-0.5) == "negative"
    with pytest.raises(ConfigError):
        SentimentScorer(thresholds=(0.5, -0.5))


def test_targeted_text_picks_the_sentences_with_the_brand() -> None:
    text = "Love the staff. Acme app crashes! Weather is fine."
    assert targeted_text(text, [(16, 20)]) == "Acme app crashes!"
    assert targeted_text(text, []) is None


def test_brand_targeted_score_differs_from_the_post_score() -> None:
    text = "The Acme app is terrible. But the weather today is wonderful and I love my dog!"
    start = text.index("Acme")
    result = SentimentScorer().score(text, language="en", spans=[(start, start + 4)])
    assert result.sentiment.score > 0
    assert result.sentiment.targeted_score is not None
    assert result.sentiment.targeted_score < 0


@pytest.mark.reliability(42)
def test_unsupported_language_is_neutral_and_flagged() -> None:
    result = SentimentScorer().score("Это очень плохой сервис", language="ru")
    assert result.sentiment.score == 0.0
    assert result.sentiment.label == "neutral"
    assert "unsupported_language" in result.flags
    assert result.sentiment.method == "unsupported-ru"


@pytest.mark.reliability(42)
@pytest.mark.timeout(10)
def test_one_megabyte_text_is_capped_before_sentiment() -> None:
    text = ("terrible awful service but great staff 😍 " * 30_000)[:1_000_000]
    result = SentimentScorer().score(text, language="en")
    assert "analysis_text_capped" in result.flags
    assert -1.0 <= result.sentiment.score <= 1.0
    # Same result as scoring the capped prefix: the rest of the megabyte was never read.
    prefix = SentimentScorer().score(text[:DEFAULT_MAX_ANALYSIS_CHARS], language="en")
    assert result.sentiment.score == prefix.sentiment.score


@pytest.mark.reliability(42)
@pytest.mark.timeout(10)
@pytest.mark.parametrize("language", ["en", "hu", "ro", None])
def test_empty_text_is_neutral_without_flags(language: str | None) -> None:
    result = SentimentScorer().score("", language=language)
    assert result.sentiment.score == 0.0
    assert result.sentiment.label == "neutral"
    assert result.flags == frozenset()


@pytest.mark.reliability(42)
@pytest.mark.timeout(10)
def test_emoji_only_and_mixed_scripts_give_sane_scores() -> None:
    scorer = SentimentScorer()
    assert scorer.score("😍😍😍", language="en").sentiment.label == "positive"
    assert scorer.score("😡🤬", language="hu").sentiment.label == "negative"
    mixed = "Отличный service, 非常好 but szörnyű 💔 ١٢٣ 𝕬𝖈𝖒𝖊 \u200b\u202e"
    for lang in ("en", "hu", "ro"):
        assert -1.0 <= scorer.score(mixed, language=lang).sentiment.score <= 1.0


def test_every_score_is_reproducible() -> None:
    text = "Nagyon rossz a net, de a kolléga kedves volt 🙏"
    assert SentimentScorer().score(text, language="hu") == SentimentScorer().score(text, language="hu")
    assert DEFAULT_MAX_ANALYSIS_CHARS == 20_000


def test_sentence_opening_with_but_contrasts_with_the_sentence_before() -> None:
    # Without the rule both sentences weigh the same and the positive one wins.
    assert EN.polarity("I really love the design. But the battery is bad.") < 0


def test_undetermined_language_reads_emoji_and_can_be_switched_off() -> None:
    assert SentimentScorer().score("😍", language=None).sentiment.label == "positive"
    off = SentimentScorer(undetermined=None).score("😍", language=None)
    assert off.sentiment.score == 0.0
    assert off.flags == frozenset()


def test_scores_built_without_validation_equal_validated_ones() -> None:
    from social_listen.core import Sentiment

    r = SentimentScorer().score("Acme support is awful. Lovely day.", language="en", spans=[(0, 4)])
    s = r.sentiment
    assert s == Sentiment(score=s.score, label=s.label, method=s.method, targeted_score=s.targeted_score)
    assert s.targeted_score is not None
    assert s.targeted_score < 0 < s.score


def test_a_custom_label_is_still_validated() -> None:
    import pydantic

    scorer = SentimentScorer(label=lambda score: "great")  # type: ignore[arg-type,return-value]
    with pytest.raises(pydantic.ValidationError):
        scorer.score("great", language="en")

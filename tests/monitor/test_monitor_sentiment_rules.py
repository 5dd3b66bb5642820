"""Each social-media rule of the English analyzer: its effect, and that switching it off loses it.

Every case asserts what a user relies on with the default analyzer, and then that the same text
scored with that one rule disabled does NOT satisfy it, so the rule (not something else) is
what produces the behaviour.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from social_listen.core import ConfigError
from social_listen.monitor import RuleAnalyzer, SentimentScorer
from social_listen.monitor._sentiment_rules import RULES

EN = RuleAnalyzer(language="en")


def _negative(score: float) -> bool:
    return score <= -0.1


def _positive(score: float) -> bool:
    return score >= 0.1


def _neutral(score: float) -> bool:
    return score == 0.0


# rule -> (text, expectation on the compound score)
CASES: list[tuple[str, str, Callable[[float], bool]]] = [
    ("clean_text", "I don\\u2019t love it", _negative),  # double-escaped curly apostrophe
    ("clean_text", "my order \\ud83d\\udc94", _negative),  # double-escaped emoji (a surrogate pair)
    ("handles_urls", "@awesome where is my order", _neutral),
    ("emoji", "my order 💔", _negative),
    ("emoticons", "the delivery came :D", _positive),
    ("emoticons", "arrived broken:(", lambda s: s < EN.polarity("arrived broken")),
    ("emoticons", "the delivery came :)))", _positive),  # a repeated mouth
    ("emoticons", '"the delivery came :D"', _positive),  # an emoticon inside quotes
    ("glued_words", "Waited all week...happy now", _positive),
    ("glued_words", "Delivered at night.Happy with it", _positive),
    ("elongation", "goooood", _positive),
    ("hashtags", "#notgood", _negative),
    ("hashtags", "#NotHappy with the update", _negative),
    ("hashtags", "#sohappy", _positive),
    ("slang", "fml", _negative),
    ("slang", "#epicfail", _negative),
    ("slang", "can't wait for the weekend", _positive),
    ("slang", "lovin the new app", _positive),
    ("slang", "hell yeah", _positive),  # an idiom, not "hell" plus "yeah"
    ("slang", "the app crashed again", _negative),  # product-complaint words
    ("slang", "make sure you vote", _neutral),  # "sure" here has no sentiment
    ("intensifiers", "pretty bad", _negative),
    ("intensifiers", "super sad", _negative),
    ("negation_scope", "nobody came :(", _negative),  # emoticons are the writer's mood
    ("negation_scope", "It was not cheap, great camera though", _positive),
    ("negation_scope", "not fast but fun", _positive),  # a contrast word ends the scope
    ("contrast", "The screen is great but the battery is terrible", _negative),
    ("caps", "The food was GOOD", lambda s: s > EN.polarity("The food was good") > 0),
    ("questions", "is it good?", lambda s: 0 < s < EN.polarity("it is good.")),
    ("conditionals", "I will buy it if the app is good", lambda s: 0 < s < EN.polarity("the app is good")),
    ("modals", "it would have been nice", lambda s: 0 < s < EN.polarity("it has been nice")),
    ("word_senses", "Looks like rain tomorrow", _neutral),
    ("names", "Watching the Super Bowl at Best Buy tonight", _neutral),
    ("laughter", "they cancelled my order lmao", _negative),
    ("laughter", "lol the app crashed again", _negative),
    ("politeness", "please fix the app", _neutral),
    ("politeness", "pls add a dark mode", _neutral),
    ("masked_swearing", "this app is sh*t", _negative),
    ("masked_swearing", "F*** this update", _negative),
]


@pytest.mark.parametrize(("rule", "text", "expected"), CASES, ids=[f"{r}:{t}" for r, t, _ in CASES])
def test_rule_produces_its_effect_and_disabling_it_loses_it(
    rule: str, text: str, expected: Callable[[float], bool]
) -> None:
    assert expected(EN.polarity(text))
    assert not expected(RuleAnalyzer(language="en", disable={rule}).polarity(text))


def test_every_rule_has_a_case() -> None:
    assert {rule for rule, _, _ in CASES} == set(RULES)


def test_hashtags_of_unknown_words_are_not_cut_into_sentiment_words() -> None:
    # "brady" is no known word, so "#bradywins" is a name, not "brady wins".
    assert EN.polarity("#bradywins") == 0.0


def test_glued_emoticons_need_eyes_so_words_are_not_cut() -> None:
    # "D:" is an emoticon in VADER's lexicon; "and:" must not become "an" + "D:".
    assert EN.polarity("first and: second") == 0.0
    assert EN.polarity("10:30 tomorrow") == 0.0


def test_emoticon_is_not_shouting() -> None:
    # ":D" is upper-case text but no capitalised word, so it adds no caps emphasis.
    assert EN.polarity("fine :D") == EN.polarity("fine :d")


def test_negation_still_flips_words_within_its_scope() -> None:
    assert EN.polarity("the app is not good") < 0
    assert EN.polarity("not bad at all") > 0


def test_unknown_rule_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="negation_scoop"):
        RuleAnalyzer(language="en", disable={"negation_scoop"})


def test_method_name_records_disabled_rules() -> None:
    assert EN.method == "vader-social-en-v3"
    assert RuleAnalyzer(language="en", disable={"slang", "caps"}).method == "vader-social-en-v3-slang-caps"


def test_an_emoticon_is_no_name() -> None:
    # ":D" is title-case text, but it ends a run of Title-Case words as a smile, not a name.
    assert _positive(EN.polarity("we meet at Central Park on Friday :D"))


def test_kind_of_dampens_the_next_word_and_carries_no_valence() -> None:
    # VADER reads "kind of" as a dampener; "kind" alone is still a kind word.
    assert EN.polarity("it was sad") < EN.polarity("it was kind of sad") < 0
    assert 0 < EN.polarity("kind of good") < EN.polarity("good")
    assert EN.polarity("a kind man") > 0


def test_collocations_and_idioms_of_the_slang_list() -> None:
    assert _neutral(EN.polarity("pretty much done with the setup"))
    assert _positive(EN.polarity("looking forward to the update"))
    assert _negative(EN.polarity("who cares about the update"))


def test_domain_terms_win_over_muted_words() -> None:
    assert EN.polarity("lol") == 0.0
    assert RuleAnalyzer(language="en", terms={"lol": 1.5}).polarity("lol") > 0


def test_other_languages_take_the_same_switches() -> None:
    hu = RuleAnalyzer(language="hu")
    assert hu.polarity("#NemJó") < 0
    assert RuleAnalyzer(language="hu", disable={"hashtags"}).polarity("#NemJó") == 0.0


def test_domain_terms_override_slang() -> None:
    assert RuleAnalyzer(language="en", terms={"dope": -2.0}).polarity("that is dope") < 0


def test_scorer_uses_the_rules_by_default() -> None:
    assert SentimentScorer().score("#epicfail", language="en").sentiment.label == "negative"


# -- fast paths: each must give what the slow path gives -----------------------------------


def test_emoji_search_skips_only_characters_that_never_start_an_emoji() -> None:
    from social_listen.monitor._sentiment_text import _emoji_index, _emoji_start

    start = _emoji_start()
    starts = [c for c in _emoji_index() if not c.isascii()] + ["\u20e3"]
    assert all(start.match(c) for c in starts)
    assert start.match("ő") is None or start.pattern == r"[^\x00-\x7f]"


def test_emoji_glued_to_accented_words_is_a_token_of_its_own() -> None:
    from social_listen.monitor._sentiment_text import space_emoji

    assert space_emoji("Nagyon jó😍ő și ©ă 1️⃣") == "Nagyon jó 😍 ő și  © ă 1️⃣"
    hu = RuleAnalyzer(language="hu")
    assert hu.polarity("szolgáltatás😡") == hu.polarity("szolgáltatás 😡") < 0


def test_handles_and_urls_are_dropped_whatever_they_look_like() -> None:
    base = EN.polarity("great service")
    assert EN.polarity("@acme great service www.acme.example/x https://t.co/great") == base
    assert EN.polarity("great service @great") == base


def test_boosters_still_count_when_few_tokens_are_boosters() -> None:
    assert EN.polarity("the service is very good") > EN.polarity("the service is good") > 0
    assert EN.polarity("the service is not good") < 0


@pytest.mark.parametrize(
    "text",
    ["@a b@c @@d x@ @ é@ü _@x a.@b\n@q @", "www.x http://a https://b httpx://c wwwx @@@a", "@x", "a@x", "@"],
)
def test_handle_pattern_matches_what_the_plain_lookbehind_matches(text: str) -> None:
    import re

    from social_listen.monitor._sentiment_tokens import _URL_OR_HANDLE

    plain = re.compile(r"(?:https?://|www\.)\S+|(?<![\w@])@\w+")
    assert [m.span() for m in _URL_OR_HANDLE.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_masked_words_are_read_only_when_one_swear_word_fits() -> None:
    assert EN.polarity("d*** it") == 0.0  # damn or dick: left alone
    assert EN.polarity("rated 5* hotel") == 0.0
    assert EN.polarity("so f***ing bad") < EN.polarity("so bad") < 0  # a booster, as unmasked


def test_a_dot_inside_a_domain_or_abbreviation_is_no_sentence_end() -> None:
    analyzer = RuleAnalyzer(language="en")
    assert analyzer.polarity("visit happy.com now") == 0.0  # a domain, not "happy"
    for text in ("the U.S. store was great", "open at 5 p.m. and great", "I can;t complain, great"):
        assert analyzer.polarity(text) == RuleAnalyzer(language="en", disable=("glued_words",)).polarity(text)


@pytest.mark.timeout(30)
def test_contrast_on_a_long_post_with_many_sentences_stays_linear() -> None:
    # Scaling each contrast sentence once walked every valence of the post (quadratic).
    analyzer = RuleAnalyzer(language="en")
    assert analyzer.polarity("good but bad. " * 30_000) < 0


def test_long_raw_tokens_are_not_kept_in_the_token_cache() -> None:
    analyzer = RuleAnalyzer(language="en")
    analyzer.polarity("abc.Def" * 5000 + " great")
    engine = analyzer._engine  # the cache lives on the rule engine
    assert all(len(raw) <= 64 for raw in engine._cache)

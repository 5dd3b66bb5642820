"""Parity of the fast VADER re-implementation with the reference ``vaderSentiment`` package."""

from __future__ import annotations

import random

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from social_listen.monitor import VaderAnalyzer, vader_scores
from social_listen.monitor._vader import BOOSTER_DICT, NEGATE, emoji_lexicon, vader_lexicon

REFERENCE = SentimentIntensityAnalyzer()

# The reference's own demo sentences (vaderSentiment.py __main__), which exercise every rule.
DEMO = [
    "VADER is smart, handsome, and funny.",
    "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "The book was good.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "Sentiment analysis has never been good.",
    "Sentiment analysis has never been this good!",
    "Most automated sentiment analysis tools are shit.",
    "With VADER, sentiment analysis is the shit!",
    "Other sentiment analysis tools can be quite bad.",
    "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!",
    "Without a doubt, excellent idea.",
    "Roger Dodger is one of the most compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Not such a badass after all.",
    "Without a doubt, an excellent idea.",
]


def generated_posts(n: int, seed: int = 7) -> list[str]:
    """Posts built from the rules' triggers: lexicon words, boosters, negations, 'but', caps, emoji."""
    rng = random.Random(seed)
    lexicon = sorted(vader_lexicon())
    boosters = sorted(BOOSTER_DICT)
    negations = [*sorted(NEGATE), "no", "never", "don’t"]
    emoji = sorted(k for k in emoji_lexicon() if len(k) == 1)
    neutral = [
        "the",
        "my",
        "your",
        "this",
        "delivery",
        "order",
        "phone",
        "app",
        "service",
        "store",
        "it",
        "was",
        "is",
        "and",
        "to",
        "of",
        "at",
        "least",
        "kind",
        "of",
    ]
    idioms = ["the shit", "the bomb", "yeah right", "kiss of death", "to die for", "bad ass", "sort of"]
    posts = []
    for _ in range(n):
        words: list[str] = []
        for _ in range(rng.randint(1, 25)):
            r = rng.random()
            if r < 0.30:
                word = rng.choice(lexicon)
            elif r < 0.42:
                word = rng.choice(boosters)
            elif r < 0.52:
                word = rng.choice(negations)
            elif r < 0.57:
                word = "but"
            elif r < 0.63:
                word = rng.choice(emoji)
            elif r < 0.66:
                word = rng.choice(idioms)
            else:
                word = rng.choice(neutral)
            if rng.random() < 0.1:
                word = word.upper()
            if rng.random() < 0.1:
                word += rng.choice([",", ".", "!", "!!", "?", "??", "...", ":)"])
            words.append(word)
        sep = "" if rng.random() < 0.05 else " "
        posts.append(sep.join(words) if sep == "" else " ".join(words))
    return posts


def test_compound_equals_reference_on_99_percent_of_generated_posts() -> None:
    posts = generated_posts(3000)
    close = sum(
        abs(vader_scores(p).compound - REFERENCE.polarity_scores(p)["compound"]) <= 0.001 for p in posts
    )
    assert close / len(posts) >= 0.99


@pytest.mark.parametrize("text", DEMO)
def test_reference_demo_sentences_match_all_four_scores(text: str) -> None:
    ours = vader_scores(text)
    ref = REFERENCE.polarity_scores(text)
    assert (ours.neg, ours.neu, ours.pos, ours.compound) == (
        ref["neg"],
        ref["neu"],
        ref["pos"],
        ref["compound"],
    )


def test_quirk_of_but_with_equal_values_is_reproduced() -> None:
    # The reference rescales the FIRST equal value; "good ... but good" exposes it.
    text = "good good but good good"
    assert vader_scores(text).compound == REFERENCE.polarity_scores(text)["compound"]


def test_lexicons_come_from_the_installed_package_not_a_download(monkeypatch: pytest.MonkeyPatch) -> None:
    import nltk

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("nltk.download must never be called")

    monkeypatch.setattr(nltk, "download", refuse)
    assert vader_lexicon()["good"] == 1.9
    assert emoji_lexicon()["😁"] == "beaming face with smiling eyes"
    assert len(vader_lexicon()) > 7000


def test_analyzer_terms_extend_the_lexicon() -> None:
    plain = VaderAnalyzer()
    domain = VaderAnalyzer(terms={"laggy": -2.0})
    assert plain.polarity("the game is laggy") == 0.0
    assert domain.polarity("the game is laggy") < -0.3
    assert domain.method == "vader-3.3.2+terms"


def test_empty_and_whitespace_texts_score_zero() -> None:
    assert vader_scores("").compound == 0.0
    assert vader_scores("   \n ").compound == 0.0

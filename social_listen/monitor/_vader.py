"""VADER's rules, re-implemented for speed, with its lexicons read from the installed package.

``vader_scores`` reproduces the reference ``vaderSentiment`` 3.3.2 ``polarity_scores`` rule by
rule (emoji descriptions, ALL-CAPS emphasis, boosters, "no"/negation within three words,
"least", special idioms, the contrastive "but" including its first-equal-value quirk,
punctuation emphasis and the ``x / sqrt(x² + 15)`` normalization), so its compound scores
match the reference. It is faster because every token is lower-cased and looked up once
instead of once per rule. The lexicon and emoji lexicon come from the ``vaderSentiment``
wheel through :mod:`importlib.resources`; nothing is downloaded.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

__all__ = [
    "BOOSTER_DICT",
    "NEGATE",
    "VaderEngine",
    "VaderScores",
    "emoji_lexicon",
    "vader_lexicon",
    "vader_scores",
]

B_INCR = 0.293
B_DECR = -0.293
C_INCR = 0.733
N_SCALAR = -0.74
ALPHA = 15.0

NEGATE = frozenset(
    [
        "aint",
        "arent",
        "cannot",
        "cant",
        "couldnt",
        "darent",
        "didnt",
        "doesnt",
        "ain't",
        "aren't",
        "can't",
        "couldn't",
        "daren't",
        "didn't",
        "doesn't",
        "dont",
        "hadnt",
        "hasnt",
        "havent",
        "isnt",
        "mightnt",
        "mustnt",
        "neither",
        "don't",
        "hadn't",
        "hasn't",
        "haven't",
        "isn't",
        "mightn't",
        "mustn't",
        "neednt",
        "needn't",
        "never",
        "none",
        "nope",
        "nor",
        "not",
        "nothing",
        "nowhere",
        "oughtnt",
        "shant",
        "shouldnt",
        "uhuh",
        "wasnt",
        "werent",
        "oughtn't",
        "shan't",
        "shouldn't",
        "uh-uh",
        "wasn't",
        "weren't",
        "without",
        "wont",
        "wouldnt",
        "won't",
        "wouldn't",
        "rarely",
        "seldom",
        "despite",
    ]
)

_INCR_WORDS = """absolutely amazingly awfully completely considerable considerably decidedly deeply
    effing enormous enormously entirely especially exceptional exceptionally extreme extremely
    fabulously flipping flippin frackin fracking fricking frickin frigging friggin fully fuckin
    fucking fuggin fugging greatly hella highly hugely incredible incredibly intensely major
    majorly more most particularly purely quite really remarkably so substantially thoroughly
    total totally tremendous tremendously uber unbelievably unusually utter utterly very"""
_DECR_WORDS = """almost barely hardly kinda kindof kind-of less little marginal marginally
    occasional occasionally partly scarce scarcely slight slightly somewhat sorta sortof
    sort-of"""
BOOSTER_DICT: dict[str, float] = {
    **dict.fromkeys(_INCR_WORDS.split(), B_INCR),
    **dict.fromkeys(_DECR_WORDS.split(), B_DECR),
    "just enough": B_DECR,
    "kind of": B_DECR,
    "sort of": B_DECR,
}

SPECIAL_CASES: dict[str, float] = {
    "the shit": 3,
    "the bomb": 3,
    "bad ass": 1.5,
    "badass": 1.5,
    "bus stop": 0.0,
    "yeah right": -2,
    "kiss of death": -1.5,
    "to die for": 3,
    "beating heart": 3.5,
}

_PUNCT = string.punctuation


class VaderScores(NamedTuple):
    """The four VADER outputs, rounded as the reference rounds them."""

    neg: float
    neu: float
    pos: float
    compound: float


def _read_package_text(name: str) -> str:
    return resources.files("vaderSentiment").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def vader_lexicon() -> Mapping[str, float]:
    """VADER's word lexicon (token -> mean valence in [-4, 4]) from the installed wheel.

    Returns:
        A read-only mapping; copy it to add domain terms.
    """
    lexicon: dict[str, float] = {}
    for line in _read_package_text("vader_lexicon.txt").rstrip("\n").split("\n"):
        if not line:
            continue
        word, measure = line.strip().split("\t")[0:2]
        lexicon[word] = float(measure)
    return lexicon


@lru_cache(maxsize=1)
def emoji_lexicon() -> Mapping[str, str]:
    """VADER's emoji lexicon (emoji sequence -> English description) from the installed wheel."""
    emojis: dict[str, str] = {}
    for line in _read_package_text("emoji_utf8_lexicon.txt").rstrip("\n").split("\n"):
        emoji, description = line.strip().split("\t")[0:2]
        emojis[emoji] = description
    return emojis


@lru_cache(maxsize=1)
def _single_char_emoji() -> tuple[dict[str, str], frozenset[str]]:
    # The reference compares one character at a time, so only one-character keys ever match.
    singles = {k: v for k, v in emoji_lexicon().items() if len(k) == 1}
    return singles, frozenset(singles)


def _replace_emoji(text: str) -> str:
    singles, keys = _single_char_emoji()
    if keys.isdisjoint(text):
        return text
    out: list[str] = []
    prev = " "
    for ch in text:
        description = singles.get(ch)
        if description is None:
            out.append(ch)
        else:
            if prev != " " and out:
                out.append(" ")
            out.append(description)
        prev = ch
    return "".join(out)


def _is_negated(word_lower: str) -> bool:
    return word_lower in NEGATE or "n't" in word_lower


def punctuation_emphasis(text: str) -> float:
    """VADER's amplifier for ``!`` (up to 4) and repeated ``?``."""
    ep_count = min(text.count("!"), 4)
    qm_count = text.count("?")
    qm = 0.0
    if qm_count > 1:
        qm = qm_count * 0.18 if qm_count <= 3 else 0.96
    return ep_count * 0.292 + qm


def normalize_score(score: float, alpha: float = ALPHA) -> float:
    """``score / sqrt(score² + alpha)``, clamped to [-1, 1]."""
    norm = score / math.sqrt(score * score + alpha)
    return max(-1.0, min(1.0, norm))


def _special_idioms(valence: float, lowers: list[str], i: int) -> float:
    w3, w2, w1, w0 = lowers[i - 3], lowers[i - 2], lowers[i - 1], lowers[i]
    onezero = f"{w1} {w0}"
    twoonezero = f"{w2} {w1} {w0}"
    twoone = f"{w2} {w1}"
    threetwoone = f"{w3} {w2} {w1}"
    threetwo = f"{w3} {w2}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    n = len(lowers)
    if n - 1 > i:
        zeroone = f"{w0} {lowers[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if n - 1 > i + 1:
        zeroonetwo = f"{w0} {lowers[i + 1]} {lowers[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _negation(valence: float, lowers: list[str], start_i: int, i: int) -> float:
    if start_i == 0:
        if _is_negated(lowers[i - 1]):
            valence = valence * N_SCALAR
    elif start_i == 1:
        if lowers[i - 2] == "never" and lowers[i - 1] in ("so", "this"):
            valence = valence * 1.25
        elif lowers[i - 2] == "without" and lowers[i - 1] == "doubt":
            pass
        elif _is_negated(lowers[i - 2]):
            valence = valence * N_SCALAR
    elif (lowers[i - 3] == "never" and lowers[i - 2] in ("so", "this")) or lowers[i - 1] in (
        "so",
        "this",
    ):
        valence = valence * 1.25
    elif lowers[i - 3] == "without" and "doubt" in (lowers[i - 2], lowers[i - 1]):
        pass
    elif _is_negated(lowers[i - 3]):
        valence = valence * N_SCALAR
    return valence


def _booster(word: str, word_lower: str, valence: float, cap_diff: bool) -> float:
    scalar = BOOSTER_DICT.get(word_lower, 0.0)
    if scalar:
        if valence < 0:
            scalar = -scalar
        if cap_diff and word.isupper():
            scalar = scalar + C_INCR if valence > 0 else scalar - C_INCR
    return scalar


def _but_check(lowers: list[str], sentiments: list[float]) -> None:
    # The reference looks each value up with list.index(), i.e. the FIRST equal value, and
    # rescales that one; kept as is for parity. Zeros are skipped: rescaling 0 changes nothing.
    bi = lowers.index("but")
    for k in range(len(sentiments)):
        value = sentiments[k]
        if value == 0:
            continue
        si = sentiments.index(value)
        if si < bi:
            sentiments[si] = value * 0.5
        elif si > bi:
            sentiments[si] = value * 1.5


class _Token(NamedTuple):
    word: str
    lower: str
    upper: bool
    valence: float | None


class VaderEngine:
    """VADER's rules over one lexicon, with a bounded per-token cache.

    Args:
        lexicon: A word lexicon; defaults to the packaged VADER lexicon.
        cache_size: Distinct raw tokens remembered (the cache is cleared when full).
    """

    def __init__(self, lexicon: Mapping[str, float] | None = None, *, cache_size: int = 50_000) -> None:
        self.lexicon: Mapping[str, float] = vader_lexicon() if lexicon is None else lexicon
        self._cache: dict[str, _Token] = {}
        self._cache_size = cache_size

    def _token(self, raw: str) -> _Token:
        stripped = raw.strip(_PUNCT)
        word = raw if len(stripped) <= 2 else stripped
        lower = word.lower()
        token = _Token(word, lower, word.isupper(), self.lexicon.get(lower))
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[raw] = token
        return token

    def scores(self, text: str) -> VaderScores:
        """Score a text exactly as ``vaderSentiment.SentimentIntensityAnalyzer`` 3.3.2 does.

        Args:
            text: The text (not truncated here; callers cap long texts).

        Returns:
            ``neg``, ``neu``, ``pos`` and ``compound`` as the reference rounds them.
        """
        text = _replace_emoji(text).strip()
        get = self._cache.get
        tokens = [get(raw) or self._token(raw) for raw in text.split()]
        n = len(tokens)
        if n == 0:
            return VaderScores(0.0, 0.0, 0.0, 0.0)
        lowers = [t.lower for t in tokens]
        n_caps = sum(1 for t in tokens if t.upper)
        cap_diff = 0 < n - n_caps < n
        lex = self.lexicon
        sentiments: list[float] = [0] * n
        for i, token in enumerate(tokens):
            if token.valence is None:
                continue
            lw = token.lower
            if lw in BOOSTER_DICT or (i < n - 1 and lw == "kind" and lowers[i + 1] == "of"):
                continue
            valence = token.valence
            if lw == "no" and i != n - 1 and tokens[i + 1].valence is not None:
                valence = 0.0
            if (
                (i > 0 and lowers[i - 1] == "no")
                or (i > 1 and lowers[i - 2] == "no")
                or (i > 2 and lowers[i - 3] == "no" and lowers[i - 1] in ("or", "nor"))
            ):
                valence = lex[lw] * N_SCALAR
            if cap_diff and token.upper:
                valence = valence + C_INCR if valence > 0 else valence - C_INCR
            for start_i in range(3):
                j = i - start_i - 1
                if i > start_i and tokens[j].valence is None:
                    s = _booster(tokens[j].word, lowers[j], valence, cap_diff)
                    if start_i == 1 and s != 0:
                        s = s * 0.95
                    elif start_i == 2 and s != 0:
                        s = s * 0.9
                    valence = valence + s
                    valence = _negation(valence, lowers, start_i, i)
                    if start_i == 2:
                        valence = _special_idioms(valence, lowers, i)
            if i > 1 and lowers[i - 1] == "least" and tokens[i - 1].valence is None:
                if lowers[i - 2] not in ("at", "very"):
                    valence = valence * N_SCALAR
            elif i > 0 and lowers[i - 1] == "least" and tokens[i - 1].valence is None:
                valence = valence * N_SCALAR
            sentiments[i] = valence
        if "but" in lowers:
            _but_check(lowers, sentiments)
        return _score_valence(sentiments, punctuation_emphasis(text))


@lru_cache(maxsize=1)
def _default_engine() -> VaderEngine:
    return VaderEngine()


def vader_scores(text: str, lexicon: Mapping[str, float] | None = None) -> VaderScores:
    """Score a text exactly as ``vaderSentiment.SentimentIntensityAnalyzer`` 3.3.2 does.

    Args:
        text: The text (not truncated here; callers cap long texts).
        lexicon: A word lexicon; defaults to the packaged VADER lexicon (pass one to a
            :class:`VaderEngine` instead when scoring many texts with it).

    Returns:
        ``neg``, ``neu``, ``pos`` and ``compound`` as the reference rounds them.

    Examples:
        >>> vader_scores("VADER is smart, handsome, and funny.").compound
        0.8316
    """
    engine = _default_engine() if lexicon is None else VaderEngine(lexicon)
    return engine.scores(text)


def _score_valence(sentiments: list[float], amplifier: float) -> VaderScores:
    sum_s = float(sum(sentiments))
    if sum_s > 0:
        sum_s += amplifier
    elif sum_s < 0:
        sum_s -= amplifier
    compound = normalize_score(sum_s)
    pos_sum = neg_sum = 0.0
    neu_count = 0
    for s in sentiments:
        if s > 0:
            pos_sum += float(s) + 1
        elif s < 0:
            neg_sum += float(s) - 1
        else:
            neu_count += 1
    if pos_sum > math.fabs(neg_sum):
        pos_sum += amplifier
    elif pos_sum < math.fabs(neg_sum):
        neg_sum -= amplifier
    total = pos_sum + math.fabs(neg_sum) + neu_count
    return VaderScores(
        round(math.fabs(neg_sum / total), 3),
        round(math.fabs(neu_count / total), 3),
        round(math.fabs(pos_sum / total), 3),
        round(compound, 4),
    )

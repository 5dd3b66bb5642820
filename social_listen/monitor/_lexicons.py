"""Language resources for the rule-based sentiment analyzers, read from packaged lexicon files.

English uses VADER's lexicon (from the ``vaderSentiment`` wheel) and its negation and booster
lists. Hungarian and Romanian use the lexicons written for this project,
``social_listen/monitor/lexicons/{hu,ro}.txt``: one ``term<TAB>valence`` per line (valence in
[-4, 4] as in VADER, phrases allowed), plus directive lines ``@negate<TAB>word``,
``@negate_marker<TAB>text``, ``@negate_after<TAB>word`` (negates the word before it),
``@boost<TAB>word<TAB>amount`` and ``@contrast<TAB>word``. Both
use nltk's Snowball stemmer (no download) as a fallback lookup for inflected forms, and fold
diacritics so posts typed without them still match.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import lru_cache
from importlib import resources

from social_listen.core import ConfigError
from social_listen.monitor._sentiment_rules import LexiconRules, fold_diacritics
from social_listen.monitor._vader import BOOSTER_DICT, NEGATE, SPECIAL_CASES, vader_lexicon

__all__ = ["LEXICON_LANGUAGES", "english_rules", "load_rules", "parse_lexicon", "with_terms"]

LEXICON_LANGUAGES = ("en", "hu", "ro")
_SNOWBALL = {"hu": "hungarian", "ro": "romanian", "en": "english"}


def _stemmer(language: str) -> Callable[[str], str]:
    from nltk.stem.snowball import SnowballStemmer

    stem: Callable[[str], str] = SnowballStemmer(_SNOWBALL[language]).stem
    return stem


def parse_lexicon(text: str, *, language: str, source: str = "lexicon") -> LexiconRules:
    """Parse a lexicon file's text into :class:`LexiconRules` (diacritics folded).

    Args:
        text: The file content (format in the module docstring).
        language: ISO 639-1 code; selects the Snowball stemmer when nltk has one.
        source: A name for error messages.

    Returns:
        The rules, with ``method`` ``"rules-<language>-v1"``.

    Raises:
        ConfigError: On a malformed line (the message names the line).
    """
    lexicon: dict[str, float] = {}
    negations: set[str] = set()
    post_negations: set[str] = set()
    markers: list[str] = []
    boosters: dict[str, float] = {}
    contrasts: set[str] = set()
    for number, raw_line in enumerate(text.splitlines(), 1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t") if p.strip()]
        try:
            if parts[0] == "@negate":
                negations.add(fold_diacritics(parts[1]))
            elif parts[0] == "@negate_after":
                post_negations.add(fold_diacritics(parts[1]))
            elif parts[0] == "@negate_marker":
                markers.append(parts[1])
            elif parts[0] == "@boost":
                boosters[parts[1].lower()] = float(parts[2])
                boosters[fold_diacritics(parts[1])] = float(parts[2])
            elif parts[0] == "@contrast":
                contrasts.add(parts[1].lower())
                contrasts.add(fold_diacritics(parts[1]))
            else:
                lexicon[fold_diacritics(parts[0])] = float(parts[1])
        except (IndexError, ValueError) as exc:
            raise ConfigError(
                f"{source}:{number}: expected 'term<TAB>valence' or a directive, got {line!r}",
                source=source,
                hint="see the lexicon format in docs/monitoring/enrichment.md",
            ) from exc
    return LexiconRules(
        language=language,
        lexicon=lexicon,
        negations=frozenset(negations),
        negation_markers=tuple(markers),
        post_negations=frozenset(post_negations),
        boosters=boosters,
        contrasts=frozenset(contrasts),
        stemmer=_stemmer(language) if language in _SNOWBALL else None,
        fold=True,
        method=f"rules-{language}-v1",
    )


@lru_cache(maxsize=4)
def load_rules(language: str) -> LexiconRules:
    """The packaged rules for ``en``, ``hu`` or ``ro``.

    Raises:
        ConfigError: For a language without a packaged lexicon.
    """
    if language == "en":
        return english_rules()
    if language not in LEXICON_LANGUAGES:
        raise ConfigError(
            f"no packaged sentiment lexicon for {language!r}",
            hint=f"packaged: {', '.join(LEXICON_LANGUAGES)}; plug in your own SentimentAnalyzer",
        )
    name = f"{language}.txt"
    text = resources.files("social_listen.monitor").joinpath("lexicons", name).read_text(encoding="utf-8")
    return parse_lexicon(text, language=language, source=name)


@lru_cache(maxsize=1)
def english_rules() -> LexiconRules:
    """VADER's English lexicon, negations and boosters as :class:`LexiconRules`."""
    negations = set(NEGATE) | {"no", "neither", "nor", "nobody", "noone", "hardly"}
    return LexiconRules(
        language="en",
        # VADER's idioms ("yeah right", "the shit"); its booster phrases ("kind of") are phrases
        # without valence of their own that dampen the next word, as in the reference.
        lexicon={**vader_lexicon(), **SPECIAL_CASES, **dict.fromkeys(_BOOSTER_PHRASES, 0.0)},
        negations=frozenset(negations),
        negation_markers=("n't",),
        boosters=dict(BOOSTER_DICT),
        contrasts=frozenset({"but", "however"}),
        method="vader-social-en-v3",
        verb_senses={"like": _LIKE_CUES},
        irrealis=frozenset({"if", "unless", "whether"}),
        modals=_MODALS,
        intensifiers=frozenset(
            ["pretty", "super", "damn", "bloody", "wicked", "crazy", "terribly", "ridiculously", "dead"]
        ),
        slang=english_slang(),
        laughter=_LAUGHTER,
        politeness=frozenset(["please", "pls", "plz"]),
        swear_words=_SWEAR_WORDS,
    )


# Laughter marks a joking or softening tone ("they cancelled lmao"), not an evaluation.
_LAUGHTER = frozenset(
    """lol lols lolz lolol lmao lmfao rofl roflmao ha hah heh haha hahah hahaha hehe hehehe""".split()  # noqa: SIM905
)
# Swear words of VADER's lexicon (and its booster "fucking") that posts mask as f***, sh*t.
_SWEAR_WORDS = frozenset(
    """fuck fucks fucked fucking fucker fuckers shit shits shitty bullshit bitch bitches ass
    assholes damn damned crap crappy bastard bastards dick dickhead piss pissed hell""".split()  # noqa: SIM905
)
_BOOSTER_PHRASES = tuple(k for k in BOOSTER_DICT if " " in k)  # kind of, sort of, just enough


# Modals that make the rest of their clause hypothetical; "can"/"will" state ability or plans
# and "may"/"might" often only hedge a real opinion, so they are not listed.
_MODALS = frozenset(
    ["would", "could", "should", "would've", "could've", "should've", "wouldve", "couldve", "shouldve"]
)


@lru_cache(maxsize=1)
def english_slang() -> dict[str, float]:
    """The packaged English slang list (``lexicons/slang_en.txt``): informal word -> valence."""
    text = (
        resources.files("social_listen.monitor")
        .joinpath("lexicons", "slang_en.txt")
        .read_text(encoding="utf-8")
    )
    slang: dict[str, float] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            word, value = line.split("\t")
            slang[word.strip()] = float(value)
    return slang


_LIKE_CUES = frozenset(
    [
        "i",
        "we",
        "you",
        "they",
        "he",
        "she",
        "it",
        "people",
        "u",
        "ya",
        "yall",
        "y'all",
        "also",
        "really",
        "just",
        "still",
        "would",
        "i'd",
        "we'd",
        "you'd",
        "they'd",
        "do",
        "does",
        "did",
        "don't",
        "dont",
        "didn't",
        "didnt",
        "doesn't",
        "doesnt",
        "not",
        "to",
        "who",
        "totally",
        "actually",
        "definitely",
        "kinda",
        "sorta",
        "gonna",
        "will",
        "i'll",
        "we'll",
        "you'll",
        "might",
        "may",
        "could",
        "should",
        "must",
    ]
)


def with_terms(rules: LexiconRules, terms: Mapping[str, float]) -> LexiconRules:
    """A copy of ``rules`` with domain terms added or overriding (``{"laggy": -2.0}``).

    Args:
        rules: The base rules.
        terms: Term or phrase -> valence in [-4, 4].

    Raises:
        ConfigError: When a valence is outside [-4, 4].
    """
    lexicon = dict(rules.lexicon)
    for term, value in terms.items():
        if not -4.0 <= float(value) <= 4.0:
            raise ConfigError(
                f"valence {value} for {term!r} is outside [-4, 4]", hint="use VADER's -4..4 scale"
            )
        key = fold_diacritics(term) if rules.fold else term.lower()
        lexicon[key] = float(value)
    keys = frozenset(fold_diacritics(t) if rules.fold else t.lower() for t in terms)
    return replace(  # a user's term wins over the rules that mute a word
        rules,
        lexicon=lexicon,
        laughter=rules.laughter - keys,
        politeness=rules.politeness - keys,
        method=rules.method + "+terms",
    )

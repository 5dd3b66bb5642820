"""The rule engine behind the social-media sentiment analyzers (English, Hungarian, Romanian).

It keeps VADER's model — a lexicon of valences in [-4, 4], boosters and dampeners over the
three preceding words with decay 1 / 0.95 / 0.9, negation by ``-0.74``, ALL-CAPS emphasis,
``!``/``?`` emphasis and ``x / sqrt(x² + 15)`` — and fixes what it gets wrong on social posts:
curly apostrophes in negations (``don’t``), negation scope ending at clause punctuation,
elongations (``sooo goooood`` counts as emphasised ``good``), CamelCase hashtags, emoji
sequences as single tokens with valences (an explicit table for the common ones), multiword
lexicon entries, and contrast words (``but``) applied per sentence without the reference's
first-equal-value quirk. Lookups fall back to diacritic folding and a stemmer for
inflected languages. The language resources are a plain :class:`LexiconRules`.
"""

from __future__ import annotations

import html
import math
import re
import string
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from social_listen.monitor._vader import (
    C_INCR,
    N_SCALAR,
    emoji_lexicon,
    normalize_score,
    punctuation_emphasis,
    vader_lexicon,
)

__all__ = ["LexiconRules", "RuleEngine", "clean_text", "emoji_valences", "fold_diacritics"]

_PUNCT = string.punctuation
IRREALIS_SCALAR = 0.5
_MIN_STEM = 4  # shorter stems collide across unrelated words
_CLAUSE_END = frozenset(",;:.!?")
_URL_OR_HANDLE = re.compile(r"(?:https?://|www\.)\S+|(?<![\w@])@\w+")
_APOSTROPHE_RE = re.compile("[\u2019\u2018\u02bc\u00b4`]")
_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")
_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")
_ELONGATED = re.compile(r"(\w)\1{2,}")
_CAMEL = re.compile(r"[A-Z]?[a-z\u00df-\u024f]+|[A-Z]+(?![a-z])|\d+")
_SENTENCE_END = frozenset(".!?")

# Common emoji whose description words carry the wrong valence (or none) in VADER's lexicon;
# valences on the lexicon's -4..4 scale. Everything else falls back to its description.
_EMOJI_OVERRIDES: dict[str, float] = {
    "😂": 1.5,
    "🤣": 1.8,
    "😍": 3.0,
    "🥰": 3.0,
    "😘": 2.4,
    "❤": 3.0,
    "❤️": 3.0,
    "💕": 2.8,
    "💖": 2.8,
    "💗": 2.6,
    "💙": 2.4,
    "💚": 2.4,
    "💜": 2.4,
    "💛": 2.4,
    "🧡": 2.4,
    "😊": 2.4,
    "☺": 2.2,
    "☺️": 2.2,
    "🙂": 1.2,
    "😀": 2.0,
    "😃": 2.2,
    "😄": 2.4,
    "😁": 2.2,
    "😆": 2.0,
    "😎": 1.8,
    "🤩": 3.0,
    "🥳": 2.8,
    "🎉": 2.4,
    "👍": 1.8,
    "👏": 2.0,
    "🙌": 2.2,
    "💪": 1.8,
    "🔥": 1.5,
    "💯": 1.8,
    "✨": 1.2,
    "⭐": 1.2,
    "🌟": 1.6,
    "👌": 1.6,
    "✅": 1.0,
    "🙏": 1.0,
    "😉": 1.4,
    "😋": 2.0,
    "🤗": 2.2,
    "😇": 1.8,
    "💔": -2.8,
    "😢": -2.2,
    "😭": -1.8,
    "😞": -2.0,
    "😔": -1.8,
    "😟": -1.8,
    "😕": -1.4,
    "🙁": -1.6,
    "☹": -2.0,
    "☹️": -2.0,
    "😠": -2.6,
    "😡": -3.0,
    "🤬": -3.4,
    "😤": -2.0,
    "👎": -2.0,
    "🙄": -1.6,
    "😒": -1.8,
    "😩": -2.0,
    "😫": -2.0,
    "🤮": -3.0,
    "🤢": -2.4,
    "💩": -2.2,
    "😱": -1.6,
    "😨": -1.8,
    "😰": -1.8,
    "😖": -2.0,
    "😣": -1.8,
    "😬": -1.0,
    "🤦": -1.8,
    "🤦‍♂️": -1.8,
    "🤦‍♀️": -1.8,
    "😑": -0.8,
    "😐": -0.4,
    "❌": -1.2,
    "⚠": -1.0,
    "⚠️": -1.0,
    "🤡": -1.6,
    "😪": -1.2,
    "🥺": -0.6,
    "🥲": 0.4,
    "😅": 0.6,
}


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold_diacritics(text: str) -> str:
    """Lower-case and strip combining marks (``ő`` -> ``o``, ``ş`` and ``ș`` -> ``s``).

    Examples:
        >>> fold_diacritics("Nagyon JÓ, şi ţară")
        'nagyon jo, si tara'
    """
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return _COMBINING.sub("", unicodedata.normalize("NFD", lowered))


def clean_text(text: str) -> str:
    r"""Undo double-escaping seen in exported posts (``\u2019``, ``&amp;``) and unify apostrophes."""
    if "\\u" in text:
        text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
    if "&" in text:
        text = html.unescape(text)
    if "`" in text or not text.isascii():
        text = _APOSTROPHE_RE.sub("'", text)
    return text


@lru_cache(maxsize=1)
def emoji_valences() -> Mapping[str, float]:
    """Emoji sequence -> valence: the explicit table, else VADER's lexicon over its description."""
    lexicon = vader_lexicon()
    table: dict[str, float] = {}
    for emoji, description in emoji_lexicon().items():
        words = re.split(r"[\s:,\-]+", description.lower())
        value = sum(lexicon.get(w, 0.0) for w in words)
        if value:
            table[emoji] = max(-3.0, min(3.0, value))
    table.update(_EMOJI_OVERRIDES)
    return table


@lru_cache(maxsize=1)
def _emoji_index() -> dict[str, tuple[str, ...]]:
    """First character -> emoji sequences starting with it, longest first."""
    index: dict[str, list[str]] = {}
    for key in set(emoji_lexicon()) | set(_EMOJI_OVERRIDES):
        index.setdefault(key[0], []).append(key)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in index.items()}


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_KEYCAP = re.compile(r"[0-9#*]\ufe0f?\u20e3")


def _space_emoji(text: str) -> str:
    """Surround each emoji sequence (with trailing skin tones / variation selectors) by spaces."""
    if text.isascii():
        return text
    index = _emoji_index()
    out: list[str] = []
    last = 0
    n = len(text)
    pos = 0
    while True:
        found = _NON_ASCII.search(text, pos)
        if found is None:
            break
        i = found.start()
        if i > 0 and text[i] == "\u20e3" and _KEYCAP.match(text, max(0, i - 2)):
            pos = i + 1  # a keycap (1️⃣) reads as its digit, no valence
            continue
        end = 0
        for key in index.get(text[i], ()):
            if text.startswith(key, i):
                end = i + len(key)
                break
        if not end:
            pos = i + 1
            continue
        while end < n and _MODIFIERS.match(text[end]):
            end += 1
        out.append(text[last:i])
        out.append(f" {text[i:end]} ")
        last = pos = end
    out.append(text[last:])
    return "".join(out)


@dataclass(frozen=True)
class LexiconRules:
    """The language resources of a rule-based analyzer.

    Attributes:
        language: ISO 639-1 code.
        lexicon: Lower-case (and, with ``fold``, diacritic-folded) token or phrase -> valence
            in [-4, 4]. Phrases of two or three words are matched as one item.
        negations: Words that flip the valence of a lexicon word up to three words later in
            the same clause.
        negation_markers: Substrings that make a token a negation (``n't``, ``n-``).
        boosters: Intensifiers (> 0) and dampeners (< 0) added to the next lexicon word's
            magnitude.
        contrasts: Words after which a sentence's sentiment dominates (``but``): the part
            before is weighted 0.5 and the part after 1.5.
        stemmer: Fallback lookup for inflected forms: a stemmed lexicon is built with it.
        fold: Fold diacritics before lookup (users often type without them).
        method: The method name stored with each score.
        verb_senses: Word -> the preceding words that make it a sentiment verb; elsewhere it
            carries no valence (``like`` after ``i``/``we``/``would`` but not "looks like").
        post_negations: Words that negate the word before them (Hungarian ``nélkül``).
        irrealis: Words opening a conditional clause ("if"); sentiment in such clauses and
            in questions is halved, since it is hypothetical rather than expressed.
        names_neutral: Lexicon words inside runs of Title-Case words mid-sentence are read
            as names ("Super Bowl", "Best Buy") and carry no valence.
    """

    language: str
    lexicon: Mapping[str, float]
    negations: frozenset[str]
    boosters: Mapping[str, float]
    contrasts: frozenset[str]
    negation_markers: tuple[str, ...] = ()
    stemmer: Callable[[str], str] | None = None
    fold: bool = False
    method: str = "rules-v1"
    verb_senses: Mapping[str, frozenset[str]] = field(default_factory=dict)
    names_neutral: bool = True
    irrealis: frozenset[str] = frozenset()
    post_negations: frozenset[str] = frozenset()
    phrase_heads: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        heads = frozenset(k.split()[0] for k in self.lexicon if " " in k)
        object.__setattr__(self, "phrase_heads", heads)


_Entry = tuple[str, str, str, "float | None", bool]
# A cached token: entry fields + upper, title, clause_end, sentence_end.
_Cached = tuple[str, str, str, "float | None", bool, bool, bool, bool, bool]


class _Tok:
    __slots__ = ("clause_end", "key", "lower", "negator", "sentence_end", "title", "upper", "valence", "word")

    def __init__(self, cached: _Cached) -> None:
        (
            self.word,
            self.lower,
            self.key,
            self.valence,
            self.negator,
            self.upper,
            self.title,
            self.clause_end,
            self.sentence_end,
        ) = cached


class RuleEngine:
    """Scores texts with one :class:`LexiconRules`; token analysis is cached (bounded).

    Args:
        rules: The language resources.
        cache_size: Distinct raw tokens remembered (cleared when full).
    """

    def __init__(self, rules: LexiconRules, *, cache_size: int = 50_000) -> None:
        self.rules = rules
        self._cache: dict[str, tuple[_Cached, ...]] = {}
        self._cache_size = cache_size
        self._emoji = emoji_valences()
        self._stemmed: dict[str, float] = {}
        if rules.stemmer is not None:
            for key, value in rules.lexicon.items():
                if " " not in key:
                    stem = rules.stemmer(key)
                    if len(stem) >= _MIN_STEM:
                        self._stemmed.setdefault(stem, value)

    # -- tokens --------------------------------------------------------------------------
    def _lookup(self, lower: str) -> tuple[float | None, bool]:
        """Valence of a lower-case word and whether it was found through an elongation."""
        lex = self.rules.lexicon
        value = lex.get(lower)
        if value is not None:
            return value, False
        key = fold_diacritics(lower) if self.rules.fold else lower
        value = lex.get(key)
        if value is not None:
            return value, False
        elongated = False
        if _ELONGATED.search(key):
            elongated = True
            for candidate in (_ELONGATED.sub(r"\1\1", key), _ELONGATED.sub(r"\1", key)):
                value = lex.get(candidate)
                if value is not None:
                    return value, True
            key = _ELONGATED.sub(r"\1", key)
        if self.rules.stemmer is not None and len(key) > 3 and key.isalpha():
            stem = self.rules.stemmer(key)
            value = self._stemmed.get(stem) if len(stem) >= _MIN_STEM else None
            if value is not None:
                return value, elongated
        return None, False

    def _word(self, word: str) -> _Entry:
        lower = word.lower()
        key = fold_diacritics(lower) if self.rules.fold else lower
        emoji = self._emoji.get(word)
        if emoji is None and _MODIFIERS.search(word):
            emoji = self._emoji.get(_MODIFIERS.sub("", word))
        if emoji is not None:
            return (word, lower, key, emoji, False)
        value, elongated = self._lookup(lower)
        if value is not None and elongated:
            value = value + C_INCR / 2 if value > 0 else value - C_INCR / 2
        return (word, lower, key, value, self._is_negator(lower))

    def _is_negator(self, lower: str) -> bool:
        rules = self.rules
        if lower in rules.negations:
            return True
        if rules.fold and fold_diacritics(lower) in rules.negations:
            return True
        return any(marker in lower for marker in rules.negation_markers)

    def _analyse(self, raw: str) -> tuple[_Entry, ...]:
        word = raw.strip(_PUNCT)
        if len(word) <= 2 and not word.isalnum():
            word = raw  # emoticons such as :) and :D stay whole
        if raw.startswith("#") and len(word) > 1 and any(c.isupper() for c in word[1:]):
            parts = _CAMEL.findall(word)
            if len(parts) > 1:
                return tuple(self._word(p.lower()) for p in parts)  # not names, not shouting
        return (self._word(word),)

    def _cached(self, raw: str) -> tuple[_Cached, ...]:
        entries = self._analyse(raw)
        last = raw[-1]
        clause_end = last in _CLAUSE_END and len(raw) > 1
        sentence_end = clause_end and last in _SENTENCE_END
        out = []
        for k, (word, lower, key, valence, negator) in enumerate(entries):
            final = k == len(entries) - 1
            title = word.istitle() and len(word) > 1
            out.append(
                (
                    word,
                    lower,
                    key,
                    valence,
                    negator,
                    word.isupper(),
                    title,
                    clause_end and final,
                    sentence_end and final,
                )
            )
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        cached = tuple(out)
        self._cache[raw] = cached
        return cached

    def tokens(self, text: str) -> list[_Tok]:
        """Split a text into analysed tokens (URLs and @handles dropped, emoji separated)."""
        text = _space_emoji(_URL_OR_HANDLE.sub(" ", clean_text(text)))
        get = self._cache.get
        out: list[_Tok] = []
        for raw in text.split():
            cached = get(raw) or self._cached(raw)
            if len(cached) == 1:
                out.append(_Tok(cached[0]))
            else:
                out.extend(_Tok(c) for c in cached)
        return out

    # -- scoring -------------------------------------------------------------------------
    def _phrases(self, toks: list[_Tok]) -> None:
        rules = self.rules
        lex = rules.lexicon
        for i, tok in enumerate(toks):
            if tok.key not in rules.phrase_heads:
                continue
            for size in (3, 2):
                if i + size > len(toks):
                    continue
                phrase = " ".join(t.key for t in toks[i : i + size])
                value = lex.get(phrase)
                if value is not None:
                    tok.valence = value
                    tok.lower = tok.key = phrase  # a phrase is never a booster itself
                    tok.negator = False
                    for follower in toks[i + 1 : i + size]:
                        follower.valence = None
                        follower.negator = False
                    break

    def _senses(self, toks: list[_Tok]) -> None:
        """Drop valences of words used in a non-sentiment sense (``like`` as a preposition, names)."""
        rules = self.rules
        senses = rules.verb_senses
        n = len(toks)
        titles = sum(1 for t in toks[1:] if t.title)
        names = rules.names_neutral and titles * 10 < (n - 1) * 6  # not in Headline Style Posts
        for i, tok in enumerate(toks):
            if tok.valence is None:
                continue
            cues = senses.get(tok.key)
            if cues is not None and (i == 0 or toks[i - 1].key not in cues or toks[i - 1].clause_end):
                tok.valence = None
            elif names and tok.title and i > 0 and not toks[i - 1].sentence_end:
                prev_title = toks[i - 1].title and not toks[i - 1].clause_end
                next_title = i + 1 < n and toks[i + 1].title and not tok.clause_end
                if prev_title or next_title:
                    tok.valence = None

    def valences(self, toks: list[_Tok]) -> list[float]:
        """The valence each token contributes after boosters, negation, caps and contrast."""
        rules = self.rules
        boosters = rules.boosters
        n = len(toks)
        if any(t.key in rules.phrase_heads for t in toks):
            self._phrases(toks)
        self._senses(toks)
        n_caps = sum(1 for t in toks if t.upper)
        cap_diff = 0 < n - n_caps < n
        values = [0.0] * n
        negates_next = [False] * n
        for i, tok in enumerate(toks):
            if not tok.negator:
                continue
            for j in range(i + 1, min(n, i + 4)):
                if toks[j].valence is not None and not toks[j].negator:
                    negates_next[i] = True
                    break
                if toks[j].clause_end:
                    break
        for i, tok in enumerate(toks):
            valence = tok.valence
            if valence is None or tok.lower in boosters or negates_next[i]:
                continue
            sign = 1.0 if valence > 0 else -1.0
            if cap_diff and tok.upper:
                valence += C_INCR * sign
            negated = False
            for distance, decay in ((1, 1.0), (2, 0.95), (3, 0.9)):
                j = i - distance
                if j < 0 or toks[j].clause_end:
                    break
                prev = toks[j]
                boost = boosters.get(prev.lower)
                if boost is not None and (prev.valence is None or prev.lower in boosters):
                    scalar = boost * sign
                    if cap_diff and prev.upper:
                        scalar += C_INCR * sign
                    valence += scalar * decay
                if prev.negator:
                    negated = True
            if i + 1 < n and toks[i + 1].key in rules.post_negations and not tok.clause_end:
                negated = not negated
            values[i] = valence * N_SCALAR if negated else valence
        self._contrast(toks, values)
        if rules.irrealis:
            self._irrealis(toks, values)
        return values

    def _irrealis(self, toks: list[_Tok], values: list[float]) -> None:
        """Halve sentiment in questions and conditional clauses (hypothetical, not expressed)."""
        markers = self.rules.irrealis
        clause_start = 0
        conditional = False
        for i, tok in enumerate(toks):
            if tok.key in markers:
                conditional = True
            if tok.clause_end or i == len(toks) - 1:
                question = tok.word.endswith("?")
                if conditional or question:
                    for k in range(clause_start, i + 1):
                        values[k] *= IRREALIS_SCALAR
                clause_start = i + 1
                conditional = False

    def _contrast(self, toks: list[_Tok], values: list[float]) -> None:
        contrasts = self.rules.contrasts
        start = 0
        pivot = -1
        for i, tok in enumerate(toks):
            if pivot < 0 and tok.lower in contrasts and i > start:
                pivot = i
            if tok.sentence_end or i == len(toks) - 1:
                if pivot >= 0:
                    for k in range(start, pivot):
                        values[k] *= 0.5
                    for k in range(pivot + 1, i + 1):
                        values[k] *= 1.5
                start, pivot = i + 1, -1

    def compound(self, text: str) -> float:
        """The compound score in [-1, 1] of a text (0.0 when nothing carries sentiment)."""
        values = self.valences(self.tokens(text))
        total = math.fsum(values)
        if total == 0:
            return 0.0
        amplifier = punctuation_emphasis(text)
        total += amplifier if total > 0 else -amplifier
        return round(normalize_score(total), 4)

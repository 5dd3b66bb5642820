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
from typing import Any

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


class _Tokens:
    """The tokens of one text as parallel lists (cheaper than one object per token)."""

    __slots__ = ("ces", "keys", "lowers", "negs", "ses", "titles", "ups", "vals", "words")

    def __init__(self, flat: list[_Cached]) -> None:
        columns: list[list[Any]] = (
            [list(c) for c in zip(*flat, strict=True)] if flat else [[] for _ in range(9)]
        )
        self.words: list[str] = columns[0]
        self.lowers: list[str] = columns[1]
        self.keys: list[str] = columns[2]
        self.vals: list[float | None] = columns[3]
        self.negs: list[bool] = columns[4]
        self.ups: list[bool] = columns[5]
        self.titles: list[bool] = columns[6]
        self.ces: list[bool] = columns[7]
        self.ses: list[bool] = columns[8]


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

    def tokens(self, text: str) -> _Tokens:
        """Split a text into analysed tokens (URLs and @handles dropped, emoji separated)."""
        text = _space_emoji(_URL_OR_HANDLE.sub(" ", clean_text(text)))
        get = self._cache.get
        flat: list[_Cached] = []
        for raw in text.split():
            flat.extend(get(raw) or self._cached(raw))
        return _Tokens(flat)

    # -- scoring -------------------------------------------------------------------------
    def _phrases(self, t: _Tokens) -> None:
        rules = self.rules
        lex = rules.lexicon
        keys = t.keys
        n = len(keys)
        for i in range(n):
            if keys[i] not in rules.phrase_heads:
                continue
            for size in (3, 2):
                if i + size > n:
                    continue
                phrase = " ".join(keys[i : i + size])
                value = lex.get(phrase)
                if value is not None:
                    t.vals[i] = value
                    t.lowers[i] = keys[i] = phrase  # a phrase is never a booster itself
                    t.negs[i] = False
                    for j in range(i + 1, i + size):
                        t.vals[j] = None
                        t.negs[j] = False
                    break

    def _senses(self, t: _Tokens) -> None:
        """Drop valences of words used in a non-sentiment sense (``like`` as a preposition, names)."""
        rules = self.rules
        senses = rules.verb_senses
        vals, keys, titles, ces, ses = t.vals, t.keys, t.titles, t.ces, t.ses
        n = len(vals)
        names = rules.names_neutral and sum(titles[1:]) * 10 < (n - 1) * 6  # not in Headline Style
        for i in range(n):
            if vals[i] is None:
                continue
            cues = senses.get(keys[i])
            if cues is not None and (i == 0 or keys[i - 1] not in cues or ces[i - 1]):
                vals[i] = None
            elif names and titles[i] and i > 0 and not ses[i - 1]:
                prev_title = titles[i - 1] and not ces[i - 1]
                next_title = i + 1 < n and titles[i + 1] and not ces[i]
                if prev_title or next_title:
                    vals[i] = None

    def valences(self, t: _Tokens) -> list[float]:
        """The valence each token contributes after boosters, negation, caps and contrast."""
        rules = self.rules
        boosters = rules.boosters
        vals = t.vals
        n = len(vals)
        has_phrase = not rules.phrase_heads.isdisjoint(t.keys)
        if n == 0 or (not has_phrase and all(v is None for v in vals)):
            return [0.0] * n
        if has_phrase:
            self._phrases(t)
        self._senses(t)
        lowers, negs, ups, ces = t.lowers, t.negs, t.ups, t.ces
        n_caps = sum(ups)
        cap_diff = 0 < n - n_caps < n
        values = [0.0] * n
        negates_next = [False] * n
        for i in range(n):
            if not negs[i]:
                continue
            for j in range(i + 1, min(n, i + 4)):
                if vals[j] is not None and not negs[j]:
                    negates_next[i] = True
                    break
                if ces[j]:
                    break
        post_negations = rules.post_negations
        for i in range(n):
            valence = vals[i]
            if valence is None or lowers[i] in boosters or negates_next[i]:
                continue
            sign = 1.0 if valence > 0 else -1.0
            if cap_diff and ups[i]:
                valence += C_INCR * sign
            negated = False
            for distance, decay in ((1, 1.0), (2, 0.95), (3, 0.9)):
                j = i - distance
                if j < 0 or ces[j]:
                    break
                boost = boosters.get(lowers[j])
                if boost is not None and (vals[j] is None or lowers[j] in boosters):
                    scalar = boost * sign
                    if cap_diff and ups[j]:
                        scalar += C_INCR * sign
                    valence += scalar * decay
                if negs[j]:
                    negated = True
            if post_negations and i + 1 < n and t.keys[i + 1] in post_negations and not ces[i]:
                negated = not negated
            values[i] = valence * N_SCALAR if negated else valence
        self._contrast(t, values)
        if rules.irrealis:
            self._irrealis(t, values)
        return values

    def _irrealis(self, t: _Tokens, values: list[float]) -> None:
        """Halve sentiment in questions and conditional clauses (hypothetical, not expressed)."""
        markers = self.rules.irrealis
        keys, ces, words = t.keys, t.ces, t.words
        n = len(keys)
        clause_start = 0
        conditional = False
        for i in range(n):
            if keys[i] in markers:
                conditional = True
            if ces[i] or i == n - 1:
                if conditional or words[i].endswith("?"):
                    for k in range(clause_start, i + 1):
                        values[k] *= IRREALIS_SCALAR
                clause_start = i + 1
                conditional = False

    def _contrast(self, t: _Tokens, values: list[float]) -> None:
        """Per sentence, the part after the first contrast word dominates (x1.5, before x0.5).

        A sentence that opens with one ("... . But ...") contrasts with the sentence before.
        """
        contrasts = self.rules.contrasts
        lowers, ses = t.lowers, t.ses
        n = len(lowers)
        if contrasts.isdisjoint(lowers):
            return
        start = 0
        prev_start = -1
        pivot = -1
        for i in range(n):
            if pivot < 0 and lowers[i] in contrasts:
                pivot = i
            if ses[i] or i == n - 1:
                if pivot == start and prev_start >= 0:
                    for k in range(prev_start, start):
                        values[k] *= 0.5
                    for k in range(pivot + 1, i + 1):
                        values[k] *= 1.5
                elif pivot > start:
                    for k in range(start, pivot):
                        values[k] *= 0.5
                    for k in range(pivot + 1, i + 1):
                        values[k] *= 1.5
                prev_start, start, pivot = start, i + 1, -1

    def compound(self, text: str) -> float:
        """The compound score in [-1, 1] of a text (0.0 when nothing carries sentiment)."""
        values = self.valences(self.tokens(text))
        total = math.fsum(values)
        if total == 0:
            return 0.0
        amplifier = punctuation_emphasis(text)
        total += amplifier if total > 0 else -amplifier
        return round(normalize_score(total), 4)

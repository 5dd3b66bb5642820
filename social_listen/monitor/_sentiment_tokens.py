"""Token analysis for the sentiment rule engine: raw tokens in, cached analysed tokens out.

A post is split on whitespace and each raw token is prepared once and cached: cleaned
(double escaping, apostrophes), stripped of handles and URLs, emoji spaced out, words glued by
punctuation split, emoticons, masked swear words, hashtags and elongations read, and every
resulting token looked up in the lexicon (with diacritic folding and a stemmer as fallbacks).
None of these steps reaches across whitespace, so doing them per raw token gives the tokens
that doing them on the whole text would. A token is a plain tuple (layout below) carrying its
role flags, so the scoring in :mod:`social_listen.monitor._sentiment_rules` can tell from one
OR over a post which rules it needs.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, Final, cast

from social_listen.monitor._sentiment_text import (
    MODIFIERS,
    clean_text,
    emoji_valences,
    fold_diacritics,
    space_emoji,
)
from social_listen.monitor._vader import B_INCR, C_INCR

if TYPE_CHECKING:
    from social_listen.monitor._sentiment_rules import LexiconRules

__all__ = ["TokenAnalyser"]

_PUNCT = string.punctuation
_HASHTAG_GLUE = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "my",
        "your",
        "our",
        "his",
        "her",
        "its",
        "this",
        "that",
        "it",
        "i",
        "me",
        "we",
        "you",
        "so",
        "too",
        "is",
        "are",
        "was",
        "be",
        "been",
        "am",
        "not",
        "no",
        "very",
    ]
)
_MIN_STEM = 4  # shorter stems collide across unrelated words
_CLAUSE_END = frozenset(",;:.!?")
# The lookbehind follows the "@" so that every branch starts with a literal (h, w, @), which lets
# the regex engine skip to candidates; it matches what ``(?<![\w@])@\w+`` matches.
_URL_OR_HANDLE = re.compile(r"(?:https?://|www\.)\S+|@(?<![\w@]@)\w+")
_ELONGATED = re.compile(r"(\w)\1{2,}")
# Sentence punctuation between two words typed without a space ("night.Hope", "it,but"): two
# letters before it and two after (or "I"), so "U.S.", "p.m." and "can;t" stay whole. A single
# "." splits only before a capital ("night.Hope"), so domains ("amazon.com") stay whole.
_GLUED = re.compile(r"(?<=[^\W\d_]{2})([.!?,;]+|\u2026)(?=[^\W\d_]{2}|I\b)")
_MAX_CACHED_TOKEN = 64  # longer raw tokens (rare) are analysed each time: a bounded cache entry


def _unglue(found: re.Match[str]) -> str:
    punct = found.group(1)
    if punct == "." and not found.string[found.end()].isupper():
        return punct
    return punct + " "


_QUOTES = '"\u201c\u201d'
_PUNCT_NOT_STAR = _PUNCT.replace("*", "")
_CAMEL = re.compile(r"[A-Z]?[a-z\u00df-\u024f]+|[A-Z]+(?![a-z])|\d+")
_SENTENCE_END = frozenset(".!?")

_Entry = tuple[str, str, str, "float | None", bool]
# A cached token: word, lower, key, valence, negator, upper, title, clause_end, sentence_end,
# question, has a valence, role flags (the _F_* bits below).
_Cached = tuple[str, str, str, "float | None", bool, bool, bool, bool, bool, bool, bool, int]
_WORD: Final = 0
_LOW: Final = 1
_KEY: Final = 2
_VAL: Final = 3
_NEG: Final = 4
_UP: Final = 5
_TITLE: Final = 6
_CE: Final = 7
_SE: Final = 8
_Q: Final = 9
_VALUED: Final = 10
_FLAGS: Final = 11
_get_up, _get_title, _get_se = itemgetter(_UP), itemgetter(_TITLE), itemgetter(_SE)
_get_valued, _get_flags, _get_neg = itemgetter(_VALUED), itemgetter(_FLAGS), itemgetter(_NEG)
# Role flags of a token: OR-ed over a post, they say which rules the post needs at all, so a
# post without a negator, contrast word or question never runs those passes.
_F_HEAD = 1  # first word of a multiword lexicon entry
_F_CONTRAST = 2
_F_MARKER = 4  # opens a hypothetical clause (if, would)
_F_Q = 8  # ends a question
_F_UP = 16  # ALL-CAPS word
_F_SENSE = 32  # a sense rule may drop its valence (intensifier, "like", title-case word)
_F_NEG = 64
_F_BOOST = 128  # booster or intensifier
_F_POSTNEG = 256  # negates the word before it


class TokenAnalyser:
    """Prepares, analyses and caches the tokens of texts for one :class:`LexiconRules`.

    Args:
        rules: The language resources.
        on: Rule name -> whether it is switched on (every name of ``RULES``).
        cache_size: Distinct raw tokens remembered (cleared when full).
    """

    def __init__(self, rules: LexiconRules, *, on: Mapping[str, bool], cache_size: int = 50_000) -> None:
        self.rules = rules
        # The rule switches and resources; the role flags of a cached token depend on them, and
        # the scoring (RuleEngine) reads them too.
        self._clean, self._strip, self._emoji_on = on["clean_text"], on["handles_urls"], on["emoji"]
        self._glued = on["glued_words"]
        self._swear_words = sorted(rules.swear_words) if on["masked_swearing"] else []
        self._emoticons_on, self._elongation = on["emoticons"], on["elongation"]
        self._hashtags, self._scope, self._contrast_on = on["hashtags"], on["negation_scope"], on["contrast"]
        self._caps, self._questions = on["caps"], on["questions"]
        self._senses_on, self._names = on["word_senses"], on["names"] and rules.names_neutral
        self._intensifiers = rules.intensifiers if on["intensifiers"] else frozenset()
        self._boosters = {**rules.boosters, **dict.fromkeys(self._intensifiers, B_INCR)}
        markers: set[str] = set()
        if on["conditionals"]:
            markers |= rules.irrealis
        if on["modals"]:
            markers |= rules.modals
        self._irrealis_markers = frozenset(markers)
        self._lex: Mapping[str, float] = (
            {**rules.slang, **rules.lexicon} if on["slang"] and rules.slang else rules.lexicon
        )
        muted = (rules.laughter if on["laughter"] else frozenset()) | (
            rules.politeness if on["politeness"] else frozenset()
        )
        if not muted.isdisjoint(self._lex):
            self._lex = {k: v for k, v in self._lex.items() if k not in muted}
        self._g_dropping = on["slang"] and rules.language == "en"
        self._phrase_heads = frozenset(k.split()[0] for k in self._lex if " " in k)
        self._phrase_pairs = frozenset(tuple(k.split()[:2]) for k in self._lex if " " in k)
        self._senses: Mapping[str, frozenset[str]] = rules.verb_senses if on["word_senses"] else {}
        self._emoticons = frozenset(
            k for k in self._lex if len(k) <= 4 and " " not in k and any(c in _PUNCT for c in k)
        )
        self._cache: dict[str, tuple[_Cached, ...]] = {}
        self._cache_size = cache_size
        self._emoji: Mapping[str, float] = emoji_valences() if self._emoji_on else {}
        # Emoji and emoticons show the writer's mood, not a proposition: "no one to drive me :("
        # is sad, so negation never flips them.
        self._unnegated = (
            frozenset(self._emoticons | {k.lower() for k in self._emoji}) if self._scope else frozenset()
        )
        self._stemmed: dict[str, float] = {}
        if rules.stemmer is not None:
            for key, value in rules.lexicon.items():
                if " " not in key:
                    stem = rules.stemmer(key)
                    if len(stem) >= _MIN_STEM:
                        self._stemmed.setdefault(stem, value)

    def _lookup(self, lower: str, key: str | None = None) -> tuple[float | None, bool]:
        """Valence of a lower-case word and whether it was found through an elongation.

        ``key`` is the word's folded form when the caller already has it.
        """
        lex = self._lex
        value = lex.get(lower)
        if value is not None:
            return value, False
        if key is None:
            key = fold_diacritics(lower) if self.rules.fold else lower
        value = lex.get(key)
        if value is not None:
            return value, False
        elongated = False
        if self._elongation and _ELONGATED.search(key):
            elongated = True
            for candidate in (_ELONGATED.sub(r"\1\1", key), _ELONGATED.sub(r"\1", key)):
                value = lex.get(candidate)
                if value is not None:
                    return value, True
            key = _ELONGATED.sub(r"\1", key)
        if self._g_dropping and len(key) > 4 and key.endswith("in") and key.isalpha():
            value = lex.get(key + "g")  # lovin, amazin
            if value is not None:
                return value, elongated
        if self.rules.stemmer is not None and len(key) > 3 and key.isalpha():
            stem = self.rules.stemmer(key)
            value = self._stemmed.get(stem) if len(stem) >= _MIN_STEM else None
            if value is not None:
                return value, elongated
        return None, False

    def _word(self, word: str) -> _Entry:
        lower = word.lower()
        key = fold_diacritics(lower) if self.rules.fold else lower
        if self._emoji_on:
            emoji = self._emoji.get(word)
            if emoji is None and MODIFIERS.search(word):
                emoji = self._emoji.get(MODIFIERS.sub("", word))
            if emoji is not None:
                return (word, lower, key, emoji, False)
        value, elongated = self._lookup(lower, key)
        if value is not None and elongated:
            value = value + C_INCR / 2 if value > 0 else value - C_INCR / 2
        return (word, lower, key, value, self._is_negator(lower, key))

    def _is_negator(self, lower: str, key: str) -> bool:
        rules = self.rules
        if lower in rules.negations:
            return True
        if rules.fold and key in rules.negations:
            return True
        return any(marker in lower for marker in rules.negation_markers)

    def _known(self, part: str) -> bool:
        """Whether a hashtag piece is a word we can vouch for (lexicon or function word)."""
        rules = self.rules
        if len(part) < 2:
            return False
        return (
            (len(part) > 2 and part in self._lex)
            or part in _HASHTAG_GLUE
            or part in rules.negations
            or part in rules.boosters
        )

    def _split_hashtag(self, body: str) -> list[str] | None:
        """A lower-case hashtag body as the fewest known words (``notgood`` -> not good).

        Every piece must be a lexicon word, a negator, a booster or a function word, and one a
        lexicon word, so unknown names are never cut into accidental sentiment words.
        """
        n = len(body)
        if n < 5 or n > 30 or not body.isalpha():
            return None
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(2, n + 1):
            for start in range(max(0, end - 15), end - 1):
                prev = best[start]
                if prev is None or len(prev) >= 3:
                    continue
                part = body[start:end]
                if self._known(part):
                    candidate = [*prev, part]
                    current = best[end]
                    if current is None or len(candidate) < len(current):
                        best[end] = candidate
        parts = best[n]
        if parts is None or len(parts) < 2 or not any(len(p) > 2 and p in self._lex for p in parts):
            return None
        return parts

    def _emoticon(self, raw: str) -> str | None:
        """The lexicon emoticon a raw token is, if any.

        As typed, inside quotes (``:)"``), or with its mouth repeated (``:)))``, ``:DDD``).
        """
        emoticons = self._emoticons
        candidates = [raw]
        if raw[0] in _QUOTES or raw[-1] in _QUOTES:
            candidates.append(raw.strip(_QUOTES))
        for candidate in candidates:
            if candidate in emoticons or candidate.lower() in emoticons:
                return candidate
            if len(candidate) > 2 and candidate[-1] == candidate[-2]:
                squeezed = candidate.rstrip(candidate[-1]) + candidate[-1]
                if squeezed in emoticons or squeezed.lower() in emoticons:
                    return squeezed
        return None

    def _unmasked(self, raw: str) -> str | None:
        """The swear word a token masked with asterisks stands for, when exactly one fits.

        ``F***`` is ``Fuck``, ``sh*t`` is ``shit``; ``d***`` fits ``damn`` and ``dick`` and is
        left alone. The writer's capitalisation of the first letter (or of all) is kept.
        """
        core = raw.strip(_PUNCT_NOT_STAR)
        n = len(core)
        if n < 3 or not core[0].isalpha() or not core.replace("*", "").isalpha():
            return None
        lower = core.lower()
        fits = [
            w
            for w in self._swear_words
            if len(w) == n and all(c in ("*", x) for c, x in zip(lower, w, strict=True))
        ]
        if len(fits) != 1:
            return None
        word = fits[0]
        letters = core.replace("*", "")
        if len(letters) > 1 and letters.isupper():
            return word.upper()
        return word.capitalize() if core[0].isupper() else word

    def _analyse(self, raw: str) -> tuple[_Entry, ...]:
        if self._emoticons_on:
            emoticon = self._emoticon(raw)
            if emoticon is not None:
                lower = emoticon.lower()
                value = self._lex.get(emoticon)
                return ((emoticon, lower, lower, self._lex[lower] if value is None else value, False),)
            for size in (3, 2):
                tail = raw[-size:]
                if (
                    len(raw) > size
                    and raw[-size - 1].isalpha()
                    and tail[0] in ":;="
                    and tail in self._emoticons
                ):
                    return (*self._analyse(raw[:-size]), *self._analyse(tail))  # great:)
        if self._swear_words and "*" in raw:
            unmasked = self._unmasked(raw)
            if unmasked is not None:
                return (self._word(unmasked),)
        word = raw.strip(_PUNCT)
        if len(word) <= 2 and not word.isalnum():
            word = raw  # emoticons such as :) stay whole
        if self._hashtags and raw.startswith("#") and len(word) > 1:
            if any(c.isupper() for c in word[1:]):
                parts = _CAMEL.findall(word)
                if len(parts) > 1:
                    return tuple(self._word(p.lower()) for p in parts)  # not names, not shouting
            elif self._lookup(word.lower())[0] is None:
                pieces = self._split_hashtag(word.lower())
                if pieces is not None:
                    return tuple(self._word(p) for p in pieces)
        return (self._word(word),)

    def _flags(self, lower: str, key: str, *, negator: bool, upper: bool, title: bool, question: bool) -> int:
        """The role flags (``_F_*``) of a token; they depend only on the token and the rules on."""
        flags = 0
        if key in self._phrase_heads:
            flags |= _F_HEAD
        if lower in self.rules.contrasts:
            flags |= _F_CONTRAST
        if key in self._irrealis_markers:
            flags |= _F_MARKER
        if question:
            flags |= _F_Q
        if upper:
            flags |= _F_UP
        if key in self._intensifiers or key in self._senses or (title and self._names):
            flags |= _F_SENSE
        if negator:
            flags |= _F_NEG
        if lower in self._boosters:
            flags |= _F_BOOST
        if key in self.rules.post_negations:
            flags |= _F_POSTNEG
        return flags

    def _prepared(self, raw: str) -> tuple[_Cached, ...]:
        """The tokens a raw (whitespace-delimited) token yields, analysed; cached.

        Cleaning, dropping handles and URLs and spacing emoji never reach across whitespace,
        so doing them per raw token gives the tokens doing them on the whole text would, and
        a token seen before costs one dictionary lookup.
        """
        text = raw
        if self._clean:
            text = clean_text(text)
        if self._strip and ("@" in text or "://" in text or "www." in text):  # what the regex needs
            text = _URL_OR_HANDLE.sub(" ", text)
        if self._emoji_on:
            text = space_emoji(text)
        if self._glued:
            text = _GLUED.sub(_unglue, text)
        if text == raw:
            cached = self._analysed(raw)
        else:
            cached = tuple(chain.from_iterable(self._analysed(piece) for piece in text.split()))
        if len(raw) <= _MAX_CACHED_TOKEN:
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[raw] = cached
        return cached

    def _analysed(self, raw: str) -> tuple[_Cached, ...]:
        entries = self._analyse(raw)
        last = raw[-1]
        clause_end = last in _CLAUSE_END and len(raw) > 1 and raw not in self._emoticons
        sentence_end = clause_end and last in _SENTENCE_END
        question = sentence_end and "?" in raw[-3:]  # "good?", "good?!"
        out = []
        for k, (word, lower, key, valence, negator) in enumerate(entries):
            final = k == len(entries) - 1
            title = word.istitle() and len(word) > 1 and word[0].isalpha()  # ":D" is no name
            upper = word.isupper() and word not in self._emoticons and lower not in self._emoticons
            flags = self._flags(
                lower, key, negator=negator, upper=upper, title=title, question=question and final
            )
            out.append(
                (
                    word,
                    lower,
                    key,
                    valence,
                    negator,
                    upper,
                    title,
                    clause_end and final,
                    sentence_end and final,
                    question and final,
                    valence is not None,
                    flags,
                )
            )
        return tuple(out)

    def tokens(self, text: str) -> list[_Cached]:
        """Split a text into analysed tokens (URLs and @handles dropped, emoji separated).

        Each token is a tuple (word, lower-case, lookup key, valence, negator, upper, title,
        clause end, sentence end, question end, has a valence, role flags); the tuples are
        cached per raw token, so a post costs one dictionary lookup per word.
        """
        raws = text.split()
        looked_up = list(map(self._cache.get, raws))  # most tokens are cached: look them up in C
        if None in looked_up:
            prepared = self._prepared
            looked_up = [f if f is not None else prepared(r) for f, r in zip(looked_up, raws, strict=True)]
        return list(chain.from_iterable(cast("list[tuple[_Cached, ...]]", looked_up)))

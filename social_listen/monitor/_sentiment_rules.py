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

Every rule has a name in :data:`RULES` and can be switched off (``RuleEngine(rules,
disable={"modals"})``): the ablation table in ``docs/monitoring/sentiment.md`` is measured that
way, and a domain where a rule misfires can drop it.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import reduce
from itertools import chain, compress, islice, repeat
from operator import and_, itemgetter, or_
from typing import Final, cast

from social_listen.monitor._sentiment_text import (
    MODIFIERS,
    clean_text,
    emoji_valences,
    fold_diacritics,
    space_emoji,
)
from social_listen.monitor._vader import B_INCR, C_INCR, N_SCALAR, normalize_score, punctuation_emphasis

__all__ = ["RULES", "LexiconRules", "RuleEngine", "clean_text", "emoji_valences", "fold_diacritics"]

RULES: tuple[str, ...] = (
    "clean_text",  # undo double escaping (\u2019, &amp;), unify apostrophes
    "handles_urls",  # drop @handles and URLs before scoring
    "glued_words",  # "night.Hope", "January...happy": words glued by punctuation are split
    "emoji",  # emoji sequences as tokens with valences
    "emoticons",  # :D, xD, :P and emoticons glued to a word ("great:)")
    "elongation",  # sooo goooood -> emphasised good
    "hashtags",  # #NotHappy, #notgood, #epicfail split into words
    "slang",  # the packaged slang list and g-dropping (lovin, amazin)
    "negation_scope",  # negation reaches to the clause end (off: VADER's 3-word window)
    "contrast",  # but/however: before x0.5, after x1.5
    "caps",  # ALL-CAPS emphasis of a word in a mixed-case post
    "questions",  # sentiment in a clause ending with ? is halved
    "conditionals",  # sentiment in an if/unless clause is halved
    "modals",  # sentiment after would/could/should/might in the clause is halved
    "word_senses",  # "like" is a verb only after a subject or auxiliary
    "intensifiers",  # "pretty bad", "super excited": pretty/super boost, carry nothing
    "names",  # lexicon words inside Title-Case names carry nothing
    "laughter",  # lol, lmao, haha mark tone (joking, softening), not an evaluation
    "politeness",  # please, pls: a politeness formula, not an evaluation
    "masked_swearing",  # f***, sh*t: self-censored swear words read as the word
)

_PUNCT = string.punctuation
IRREALIS_SCALAR = 0.5
NEGATION_SCOPE = 3  # tokens after a negator it reaches; longer scopes measured worse
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
# letters before it and two after (or "I"), so "U.S.", "p.m." and "can;t" stay whole.
_GLUED = re.compile(r"(?<=[^\W\d_]{2})([.!?,;]+|\u2026)(?=[^\W\d_]{2}|I\b)")
_QUOTES = '"\u201c\u201d'
_PUNCT_NOT_STAR = _PUNCT.replace("*", "")
_CAMEL = re.compile(r"[A-Z]?[a-z\u00df-\u024f]+|[A-Z]+(?![a-z])|\d+")
_SENTENCE_END = frozenset(".!?")
_DECAYS = (1.0, 0.95, 0.9)  # a booster's weight one, two and three tokens before its word


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
        modals: Words after which the rest of the clause is hypothetical ("would", "should"):
            its sentiment is halved like in conditional clauses ("would have been nice").
        slang: Informal words with their valence, looked up after the lexicon (which wins).
        intensifiers: Lexicon words that, right before another sentiment word, only
            intensify it ("pretty bad" is bad, not half pretty): there they act as a booster.
        laughter: Laughter tokens (``lol``, ``haha``); with the ``laughter`` rule they carry
            no valence, since they mark a joking or softening tone, not an evaluation.
        politeness: Politeness formulas (``please``); with the ``politeness`` rule they carry
            no valence ("please fix the app" is a request, not praise).
        swear_words: Words that writers mask with asterisks (``f***``, ``sh*t``); with the
            ``masked_swearing`` rule a masked token that fits exactly one of them is read as it.
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
    modals: frozenset[str] = frozenset()
    intensifiers: frozenset[str] = frozenset()
    slang: Mapping[str, float] = field(default_factory=dict)
    laughter: frozenset[str] = frozenset()
    politeness: frozenset[str] = frozenset()
    swear_words: frozenset[str] = frozenset()
    phrase_heads: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        heads = frozenset(k.split()[0] for k in self.lexicon if " " in k)
        object.__setattr__(self, "phrase_heads", heads)


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


class RuleEngine:
    """Scores texts with one :class:`LexiconRules`; token analysis is cached (bounded).

    Args:
        rules: The language resources.
        cache_size: Distinct raw tokens remembered (cleared when full).
        disable: Names from :data:`RULES` to switch off (for ablations, or a domain where a
            rule misfires).

    Raises:
        ValueError: For a name not in :data:`RULES`.
    """

    def __init__(
        self,
        rules: LexiconRules,
        *,
        cache_size: int = 50_000,
        disable: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        unknown = set(disable) - set(RULES)
        if unknown:
            raise ValueError(f"unknown sentiment rules {sorted(unknown)}; known: {', '.join(RULES)}")
        self.rules = rules
        self.disabled = frozenset(disable)
        on = {name: name not in self.disabled for name in RULES}
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

    # -- tokens --------------------------------------------------------------------------
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
            text = _GLUED.sub(r"\1 ", text)
        if text == raw:
            cached = self._analysed(raw)
        else:
            cached = tuple(chain.from_iterable(self._analysed(piece) for piece in text.split()))
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

    # -- scoring -------------------------------------------------------------------------
    def _phrases(self, flat: list[_Cached]) -> bool:
        """Multiword lexicon entries ("can't wait", "as well") become one item at their head.

        Returns:
            Whether any phrase was found (the tokens were rewritten in place).
        """
        lex = self._lex
        pairs = self._phrase_pairs
        n = len(flat)
        found = False
        for i in list(compress(range(n), map(and_, map(_get_flags, flat), repeat(_F_HEAD)))):
            if i + 1 >= n or (flat[i][_KEY], flat[i + 1][_KEY]) not in pairs:
                continue
            for size in (3, 2):
                if i + size > n:
                    continue
                phrase = " ".join([e[_KEY] for e in flat[i : i + size]])
                value = lex.get(phrase)
                if value is not None:
                    found = True
                    flat[i] = self._rewritten(flat[i], phrase, value)  # a phrase is never a booster
                    for j in range(i + 1, i + size):
                        flat[j] = self._rewritten(flat[j], flat[j][_LOW], None)
                    break
        return found

    def _rewritten(self, e: _Cached, lower: str, value: float | None) -> _Cached:
        """A token with a new lower-case form and key (a phrase) and valence, never a negator."""
        key = lower if value is not None else e[_KEY]
        flags = self._flags(lower, key, negator=False, upper=e[_UP], title=e[_TITLE], question=e[_Q])
        return (
            e[_WORD],
            lower,
            key,
            value,
            False,
            e[_UP],
            e[_TITLE],
            e[_CE],
            e[_SE],
            e[_Q],
            value is not None,
            flags,
        )

    def _sense_dropped(self, flat: list[_Cached], i: int, names: bool) -> bool:
        """Whether a word is used in a non-sentiment sense (``like`` as a preposition, names).

        An intensifier right before another sentiment word only boosts it ("pretty bad");
        ``like`` is a verb only after one of its cues; in a post that is not in Headline
        Style, a lexicon word inside a run of Title-Case words mid-sentence is a name.
        """
        e = flat[i]
        key = e[_KEY]
        n = len(flat)
        if key in self._intensifiers and i + 1 < n and flat[i + 1][_VALUED] and not e[_CE]:
            return True
        cues = self._senses.get(key)
        if cues is not None and (i == 0 or flat[i - 1][_KEY] not in cues or flat[i - 1][_CE]):
            return True
        if names and e[_TITLE] and i > 0 and not flat[i - 1][_SE]:
            prev = flat[i - 1]
            return bool(
                (prev[_TITLE] and not prev[_CE]) or (i + 1 < n and flat[i + 1][_TITLE] and not e[_CE])
            )
        return False

    def valences(self, flat: list[_Cached]) -> dict[int, float]:
        """Token index -> its valence after senses, boosters, negation, caps, contrast, irrealis.

        Tokens contributing nothing are left out. Only tokens with a valence are visited;
        negation scopes and booster windows are found from the negators and boosters. A
        negator that negates something loses its own valence ("no problem" is not negative
        twice). With ``negation_scope`` a negator reaches up to :data:`NEGATION_SCOPE` tokens,
        ending at clause punctuation or a contrast word ("not cheap, great camera"; "not fast
        but reliable"), and never flips emoji or emoticons; without it, VADER's fixed
        three-word window.
        """
        n = len(flat)
        if not n:
            return {}
        flags = reduce(or_, map(_get_flags, flat))
        if flags & _F_HEAD and self._phrases(flat):
            flags = reduce(or_, map(_get_flags, flat))
        valued = list(compress(range(n), map(_get_valued, flat)))
        if not valued:
            return {}
        rules = self.rules
        rboosters = rules.boosters
        cap_diff = bool(self._caps and flags & _F_UP and sum(map(_get_up, flat)) < n)
        # Post-level: names are read only when the post is not in Headline Style.
        names = bool(
            self._names
            and flags & _F_SENSE
            and sum(map(_get_title, islice(flat, 1, None))) * 10 < (n - 1) * 6
        )
        post_neg = flags & _F_POSTNEG
        unnegated = self._unnegated
        boost_of = self._boosters.get
        # Negation scopes and booster windows are found from the few negators and boosters,
        # so most sentiment words need no look back at all.
        scope_of: dict[int, int] = {}
        negators: list[int] = list(compress(range(n), map(_get_neg, flat))) if flags & _F_NEG else []
        if negators and self._scope:
            for k in negators:
                if flat[k][_CE]:
                    continue
                for i in range(k + 1, min(n, k + 1 + NEGATION_SCOPE)):
                    e = flat[i]
                    if e[_NEG] or e[_FLAGS] & _F_CONTRAST:
                        break
                    scope_of[i] = k
                    if e[_CE]:
                        break
        boosted: set[int] = set()
        if flags & _F_BOOST:
            for b in compress(range(n), map(and_, map(_get_flags, flat), repeat(_F_BOOST))):
                boosted.update((b + 1, b + 2, b + 3))
        window = not self._scope and bool(negators)  # VADER's fixed three-word window
        used: list[int] = []
        values: dict[int, float] = {}
        for i in valued:
            e = flat[i]
            eflags = e[_FLAGS]
            if eflags & _F_SENSE and self._sense_dropped(flat, i, names):
                continue
            lower = e[_LOW]
            negate = False
            if i in scope_of:
                if lower not in unnegated:
                    negate = True
                    used.append(scope_of[i])
            elif window and not eflags & _F_NEG:
                for k in range(max(0, i - 3), i):
                    if flat[k][_NEG]:
                        negate = True
                        used.append(k)
            if lower in rboosters:
                continue
            valence: float = e[_VAL]  # type: ignore[assignment]  # valued tokens have one
            sign = 1.0 if valence > 0 else -1.0
            if cap_diff and e[_UP]:
                valence += C_INCR * sign
            if i in boosted:
                j = i - 1
                for decay in _DECAYS:
                    if j < 0:
                        break
                    prev = flat[j]
                    if prev[_CE]:
                        break
                    if prev[_FLAGS] & _F_BOOST:
                        boost = boost_of(prev[_LOW])
                        if boost is not None and (
                            not prev[_VALUED]
                            or prev[_LOW] in rboosters
                            or (prev[_FLAGS] & _F_SENSE and self._sense_dropped(flat, j, names))
                        ):
                            scalar = boost * sign
                            if cap_diff and prev[_UP]:
                                scalar += C_INCR * sign
                            valence += scalar * decay
                    j -= 1
            if post_neg and i + 1 < n and flat[i + 1][_FLAGS] & _F_POSTNEG and not e[_CE]:
                negate = not negate
            values[i] = valence * N_SCALAR if negate else valence
        for k in used:
            values.pop(k, None)
        if values:
            if self._contrast_on and flags & _F_CONTRAST:
                self._contrast(flat, values)
            if (self._questions and flags & _F_Q) or flags & _F_MARKER:
                self._irrealis(flat, values)
        return values

    def _irrealis(self, flat: list[_Cached], values: dict[int, float]) -> None:
        """Halve sentiment that is hypothetical rather than expressed.

        In a question (a clause ending with ``?``), in a clause opened by a conditional word
        ("if", "unless"), and after a modal in its clause ("would have been nice").
        """
        questions = self._questions
        n = len(flat)
        clause_start = 0
        hypothetical = -1  # first token of the hypothetical part of the clause
        for i, e in enumerate(flat):
            if hypothetical < 0 and e[_FLAGS] & _F_MARKER:
                hypothetical = i
            if e[_CE] or i == n - 1:
                if questions and e[_Q]:
                    hypothetical = clause_start
                if hypothetical >= 0:
                    for k in range(hypothetical, i + 1):
                        if k in values:
                            values[k] *= IRREALIS_SCALAR
                clause_start = i + 1
                hypothetical = -1

    def _contrast(self, flat: list[_Cached], values: dict[int, float]) -> None:
        """Per sentence, the part after the first contrast word dominates (x1.5, before x0.5).

        A sentence that opens with one ("... . But ...") contrasts with the sentence before.
        """

        def scale(lo: int, hi: int, factor: float) -> None:
            for k in values:
                if lo <= k < hi:
                    values[k] *= factor

        n = len(flat)
        ends = list(compress(range(n), map(_get_se, flat)))
        if not ends or ends[-1] != n - 1:
            ends.append(n - 1)
        pivots = list(compress(range(n), map(and_, map(_get_flags, flat), repeat(_F_CONTRAST))))
        start = 0
        prev_start = -1
        p = 0
        for end in ends:
            while p < len(pivots) and pivots[p] < start:
                p += 1
            pivot = pivots[p] if p < len(pivots) and pivots[p] <= end else -1
            if pivot == start and prev_start >= 0:
                scale(prev_start, start, 0.5)
                scale(pivot + 1, end + 1, 1.5)
            elif pivot > start:
                scale(start, pivot, 0.5)
                scale(pivot + 1, end + 1, 1.5)
            prev_start, start = start, end + 1

    def compound(self, text: str) -> float:
        """The compound score in [-1, 1] of a text (0.0 when nothing carries sentiment)."""
        values = self.valences(self.tokens(text))
        if not values:
            return 0.0
        total = math.fsum(values.values())
        if total == 0:
            return 0.0
        amplifier = punctuation_emphasis(text)
        total += amplifier if total > 0 else -amplifier
        return round(normalize_score(total), 4)

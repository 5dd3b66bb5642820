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
from itertools import chain
from typing import Any, cast

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
    phrase_heads: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        heads = frozenset(k.split()[0] for k in self.lexicon if " " in k)
        object.__setattr__(self, "phrase_heads", heads)


_Entry = tuple[str, str, str, "float | None", bool]
# A cached token: entry fields + upper, title, clause_end, sentence_end, question.
_Cached = tuple[str, str, str, "float | None", bool, bool, bool, bool, bool, bool]


class _Tokens:
    """The tokens of one text as parallel lists (cheaper than one object per token)."""

    __slots__ = ("ces", "keys", "lowers", "negs", "qs", "ses", "titles", "ups", "vals", "words")

    def __init__(self, flat: list[_Cached]) -> None:
        # Only the columns the phrase and sense rules rewrite are copied into lists.
        columns: list[Any] = list(zip(*flat)) if flat else [()] * 10  # noqa: B905 (all of length 10)
        self.words: tuple[str, ...] = columns[0]
        self.lowers: list[str] = list(columns[1])
        self.keys: list[str] = list(columns[2])
        self.vals: list[float | None] = list(columns[3])
        self.negs: list[bool] = list(columns[4])
        self.ups: tuple[bool, ...] = columns[5]
        self.titles: tuple[bool, ...] = columns[6]
        self.ces: tuple[bool, ...] = columns[7]
        self.ses: tuple[bool, ...] = columns[8]
        self.qs: tuple[bool, ...] = columns[9]


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
        self._g_dropping = on["slang"] and rules.language == "en"
        self._phrase_heads = frozenset(k.split()[0] for k in self._lex if " " in k)
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

    def _analyse(self, raw: str) -> tuple[_Entry, ...]:
        if self._emoticons_on:
            lower = raw.lower()
            if raw in self._emoticons or lower in self._emoticons:
                value = self._lex.get(raw)
                return ((raw, lower, lower, self._lex[lower] if value is None else value, False),)
            for size in (3, 2):
                tail = raw[-size:]
                if (
                    len(raw) > size
                    and raw[-size - 1].isalpha()
                    and tail[0] in ":;="
                    and tail in self._emoticons
                ):
                    return (*self._analyse(raw[:-size]), *self._analyse(tail))  # great:)
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

    def _cached(self, raw: str) -> tuple[_Cached, ...]:
        entries = self._analyse(raw)
        last = raw[-1]
        clause_end = last in _CLAUSE_END and len(raw) > 1 and raw not in self._emoticons
        sentence_end = clause_end and last in _SENTENCE_END
        question = sentence_end and "?" in raw[-3:]  # "good?", "good?!"
        out = []
        for k, (word, lower, key, valence, negator) in enumerate(entries):
            final = k == len(entries) - 1
            title = word.istitle() and len(word) > 1
            upper = word.isupper() and word not in self._emoticons and lower not in self._emoticons
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
                )
            )
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        cached = tuple(out)
        self._cache[raw] = cached
        return cached

    def tokens(self, text: str) -> _Tokens:
        """Split a text into analysed tokens (URLs and @handles dropped, emoji separated)."""
        if self._clean:
            text = clean_text(text)
        if self._strip and ("@" in text or "://" in text or "www." in text):  # what the regex needs
            text = _URL_OR_HANDLE.sub(" ", text)
        if self._emoji_on:
            text = space_emoji(text)
        raws = text.split()
        looked_up = list(map(self._cache.get, raws))  # most tokens are cached: look them up in C
        found = (
            [f if f is not None else self._cached(raw) for f, raw in zip(looked_up, raws, strict=True)]
            if None in looked_up
            else cast("list[tuple[_Cached, ...]]", looked_up)
        )
        return _Tokens(list(chain.from_iterable(found)))

    # -- scoring -------------------------------------------------------------------------
    def _phrases(self, t: _Tokens) -> None:
        lex = self._lex
        heads = self._phrase_heads
        keys = t.keys
        n = len(keys)
        for i in [i for i, key in enumerate(keys) if key in heads]:
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
        senses = self.rules.verb_senses if self._senses_on else {}
        intensifiers = self._intensifiers
        vals, keys, titles, ces, ses = t.vals, t.keys, t.titles, t.ces, t.ses
        n = len(vals)
        names = self._names and sum(titles[1:]) * 10 < (n - 1) * 6  # not in Headline Style
        if not senses and not names and not intensifiers:
            return
        for i, value in enumerate(vals):
            if value is None:
                continue
            cues = senses.get(keys[i])
            if keys[i] in intensifiers and i + 1 < n and vals[i + 1] is not None and not ces[i]:
                vals[i] = None  # boosts the next word instead (see valences)
            elif cues is not None and (i == 0 or keys[i - 1] not in cues or ces[i - 1]):
                vals[i] = None
            elif names and titles[i] and i > 0 and not ses[i - 1]:
                prev_title = titles[i - 1] and not ces[i - 1]
                next_title = i + 1 < n and titles[i + 1] and not ces[i]
                if prev_title or next_title:
                    vals[i] = None

    def _negation(self, t: _Tokens) -> tuple[list[bool], list[bool]]:
        """Which tokens are negated, and which negators negate something.

        A negator that negates something loses its own valence ("no problem" is not negative
        twice). With ``negation_scope`` a negator reaches up to :data:`NEGATION_SCOPE` tokens, ending at
        clause punctuation or a contrast word ("not cheap, great camera"; "not fast but
        reliable"); without it, VADER's fixed three-word window.
        """
        vals, negs, ces, lowers = t.vals, t.negs, t.ces, t.lowers
        n = len(vals)
        negated = [False] * n
        used = [False] * n
        if True not in negs:
            return negated, used
        if self._scope:
            contrasts = self.rules.contrasts
            opener = -1
            for i in range(n):
                if negs[i]:
                    opener = i
                elif opener >= 0:
                    if i - opener > NEGATION_SCOPE or lowers[i] in contrasts:
                        opener = -1
                    elif vals[i] is not None and lowers[i] not in self._unnegated:
                        negated[i] = used[opener] = True
                if ces[i]:
                    opener = -1
        else:
            for i in range(n):
                if vals[i] is None or negs[i]:
                    continue
                for j in range(max(0, i - 3), i):
                    if negs[j]:
                        negated[i] = used[j] = True
        return negated, used

    def valences(self, t: _Tokens) -> list[float]:
        """The valence each token contributes after boosters, negation, caps and contrast."""
        rules = self.rules
        boosters = rules.boosters
        vals = t.vals
        n = len(vals)
        has_phrase = not self._phrase_heads.isdisjoint(t.keys)
        if n == 0 or (not has_phrase and vals.count(None) == n):
            return [0.0] * n
        if has_phrase:
            self._phrases(t)
        self._senses(t)
        lowers, ups, ces = t.lowers, t.ups, t.ces
        n_caps = sum(ups)
        cap_diff = self._caps and 0 < n - n_caps < n
        values = [0.0] * n
        negated, negates_next = self._negation(t)
        post_negations = rules.post_negations
        boost_of = self._boosters.get
        any_boost = not self._boosters.keys().isdisjoint(lowers)  # else skip the booster window
        for i, base in enumerate(vals):
            if base is None or lowers[i] in boosters or negates_next[i]:
                continue
            valence = base
            sign = 1.0 if valence > 0 else -1.0
            if cap_diff and ups[i]:
                valence += C_INCR * sign
            j = i - 1 if any_boost else -1
            for decay in _DECAYS:
                if j < 0 or ces[j]:
                    break
                boost = boost_of(lowers[j])
                if boost is not None and (vals[j] is None or lowers[j] in boosters):
                    scalar = boost * sign
                    if cap_diff and ups[j]:
                        scalar += C_INCR * sign
                    valence += scalar * decay
                j -= 1
            negate = negated[i]
            if post_negations and i + 1 < n and t.keys[i + 1] in post_negations and not ces[i]:
                negate = not negate
            values[i] = valence * N_SCALAR if negate else valence
        if self._contrast_on:
            self._contrast(t, values)
        if self._irrealis_markers or self._questions:
            self._irrealis(t, values)
        return values

    def _irrealis(self, t: _Tokens, values: list[float]) -> None:
        """Halve sentiment that is hypothetical rather than expressed.

        In a question (a clause ending with ``?``), in a clause opened by a conditional word
        ("if", "unless"), and after a modal in its clause ("would have been nice").
        """
        markers = self._irrealis_markers
        questions = self._questions
        keys, ces, qs = t.keys, t.ces, t.qs
        if (not questions or True not in qs) and markers.isdisjoint(keys):
            return
        n = len(keys)
        clause_start = 0
        hypothetical = -1  # first token of the hypothetical part of the clause
        for i in range(n):
            if hypothetical < 0 and keys[i] in markers:
                hypothetical = i
            if ces[i] or i == n - 1:
                if questions and qs[i]:
                    hypothetical = clause_start
                if hypothetical >= 0:
                    for k in range(hypothetical, i + 1):
                        values[k] *= IRREALIS_SCALAR
                clause_start = i + 1
                hypothetical = -1

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

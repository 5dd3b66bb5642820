"""The rule engine behind the social-media sentiment analyzers (English, Hungarian, Romanian).

It keeps VADER's model — a lexicon of valences in [-4, 4], boosters and dampeners over the
three preceding words with decay 1 / 0.95 / 0.9, negation by ``-0.74``, ALL-CAPS emphasis,
``!``/``?`` emphasis and ``x / sqrt(x² + 15)`` — and fixes what it gets wrong on social posts:
curly apostrophes in negations (``don’t``), negation scope ending at clause punctuation,
elongations (``sooo goooood`` counts as emphasised ``good``), CamelCase hashtags, emoji
sequences as single tokens with valences (an explicit table for the common ones), multiword
lexicon entries, and contrast words (``but``) applied per sentence without the reference's
first-equal-value quirk; laughter and politeness formulas carry no valence. Lookups fall back
to diacritic folding and a stemmer for inflected languages. The language resources are a plain
:class:`LexiconRules`; preparing and caching the tokens is
:class:`~social_listen.monitor._sentiment_tokens.TokenAnalyser`'s part, scoring them this
module's.

Every rule has a name in :data:`RULES` and can be switched off (``RuleEngine(rules,
disable={"modals"})``): the ablation table in ``docs/monitoring/sentiment.md`` is measured that
way, and a domain where a rule misfires can drop it.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import reduce
from itertools import compress, islice, repeat
from operator import and_, or_

from social_listen.monitor._sentiment_text import clean_text, emoji_valences, fold_diacritics
from social_listen.monitor._sentiment_tokens import (
    _CE,
    _F_BOOST,
    _F_CONTRAST,
    _F_HEAD,
    _F_MARKER,
    _F_NEG,
    _F_POSTNEG,
    _F_Q,
    _F_SENSE,
    _F_UP,
    _FLAGS,
    _KEY,
    _LOW,
    _NEG,
    _Q,
    _SE,
    _TITLE,
    _UP,
    _VAL,
    _VALUED,
    _WORD,
    TokenAnalyser,
    _Cached,
    _get_flags,
    _get_neg,
    _get_se,
    _get_title,
    _get_up,
    _get_valued,
)
from social_listen.monitor._vader import C_INCR, N_SCALAR, normalize_score, punctuation_emphasis

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

IRREALIS_SCALAR = 0.5
NEGATION_SCOPE = 3  # tokens after a negator it reaches; longer scopes measured worse
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


class RuleEngine(TokenAnalyser):
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
        self.disabled = frozenset(disable)
        on = {name: name not in self.disabled for name in RULES}
        super().__init__(rules, on=on, cache_size=cache_size)

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
        keys = sorted(values)  # token positions with a valence, once (linear in the text)

        def scale(lo: int, hi: int, factor: float) -> None:
            for k in keys[bisect_left(keys, lo) : bisect_left(keys, hi)]:
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

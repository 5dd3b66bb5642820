"""Intent detection: complaint, question, praise, purchase intent, crisis and spam.

Rules over per-language phrase lexicons (``lexicons/intent_{en,hu,ro}.txt``: ``label<TAB>
pattern``, whole words on lower-cased, diacritic-folded text, a trailing ``*`` matching any
ending). Each label has its own rule, stated in :class:`IntentDetector`; every label keeps the
phrases that fired as evidence, so a reviewer sees why. Crisis evidence is prefixed with its
kind (``legal``, ``safety``, ``recall``, ``outage``). Users extend the lexicons with
``extra=`` and may pass the mention's sentiment, which complaint and praise use.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from itertools import repeat
from typing import Any

from social_listen.core import ConfigError, Intent
from social_listen.core._chunk_cache import ChunkCache
from social_listen.monitor._sentiment_rules import clean_text, fold_diacritics
from social_listen.monitor._trusted import trusted_builder

__all__ = ["CRISIS_KINDS", "INTENT_LABELS", "INTENT_LANGUAGES", "IntentDetector", "load_intent_lexicon"]

INTENT_LABELS = ("complaint", "question", "praise", "purchase", "crisis", "spam")
CRISIS_KINDS = ("legal", "safety", "recall", "outage")
INTENT_LANGUAGES = ("en", "hu", "ro")
_CRISIS_KEYS = tuple((f"crisis.{kind}", kind) for kind in CRISIS_KINDS)
_NOT_CRISIS = frozenset({"complaint", "question", "praise", "purchase", "spam"})
_KEYS = ("complaint", "question", "praise", "purchase", "spam", *(f"crisis.{k}" for k in CRISIS_KINDS))
_GREETING = r"(?:(?:@\w+|hey|hi|hello|szia|sziasztok|hello|salut|buna|bună)[,!:]?\s+){0,3}"
_URL = re.compile(r"(?:https?://|www\.)\S+|(?<![\w.-])[\w-]++\.(?:com|net|org|example|ly|io|ro|hu)\b\S*")
_HASHTAG = re.compile(r"#\w+")
_QUESTION_MARK = re.compile(r"\?(?:\s|$|[!\"')\]])")
_MONEY_CHARACTERS = "💰💸🤑🔥🚀💎"  # counted one by one: one str.count each, no regex pass
_SHOUT = re.compile(r"!{3,}|\b[A-Z]{4,}\b")
_PERCENT = re.compile(r"\d+\s?%")

Lexicon = Mapping[str, Sequence[str]]

# Validated by construction: labels come from INTENT_LABELS, evidence from the text.
_intent = trusted_builder(Intent, labels=(), method="intent-rules-v1", evidence={})


@lru_cache(maxsize=8)
def load_intent_lexicon(language: str) -> Mapping[str, tuple[str, ...]]:
    """The packaged intent lexicon of ``en``, ``hu`` or ``ro`` (label -> patterns).

    Raises:
        ConfigError: For another language or a malformed line.
    """
    if language not in INTENT_LANGUAGES:
        raise ConfigError(
            f"no packaged intent lexicon for {language!r}",
            hint=f"packaged: {', '.join(INTENT_LANGUAGES)}; pass extra={{lang: {{label: [...]}}}}",
        )
    name = f"intent_{language}.txt"
    text = resources.files("social_listen.monitor").joinpath("lexicons", name).read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, pattern = line.partition("\t")
        if label not in _KEYS or not pattern.strip():
            raise ConfigError(f"{name}:{number}: expected 'label<TAB>pattern', got {line!r}", source=name)
        out.setdefault(label, []).append(pattern.strip())
    return {k: tuple(v) for k, v in out.items()}


_AT_TEXT_START = re.compile(r"\s*" + _GREETING)
_AFTER_BREAK = re.compile(r"[.!?\n]\s*" + _GREETING + r"\Z")
_EDGE = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~…"
_SPACES = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")
_WORD_EXTRA = frozenset("'-_")
_WORD_TAIL = re.compile(r"[\w'-]*")  # \w is str.isalnum() plus "_": the characters of _is_word_char
# What _SHOUT's second branch needs; a leading set lets the regex engine skip to a capital.
_FOUR_CAPITALS = re.compile("[A-Z][A-Z]{3}")
_SCHEME = re.compile(r"(?:https?://|www\.)\S")  # where _URL's first branch matches
_TLD = re.compile(r"\.(?:com|net|org|example|ly|io|ro|hu)\b")  # what _URL's bare-domain branch needs


def _repeated_words(folded: str) -> set[str]:
    """Words (edge punctuation stripped, three letters or more) used three times or more."""
    words = folded.split()
    if len(words) < 3:
        return set()
    counts = Counter(map(str.strip, words, repeat(_EDGE)))
    if max(counts.values()) < 3:
        return set()
    return {w for w, c in counts.items() if c >= 3 and len(w) >= 3}


def _has_other_signal(cleaned: str) -> bool:
    """Whether a spam signal other than phrases and repeated words is present.

    The cheap substring tests say when a pattern cannot match (``_URL`` needs a scheme,
    ``www.`` or a known domain; ``_PERCENT`` a ``%``; three hashtags three ``#``).
    """
    if _has_url(cleaned):
        return True
    if cleaned.count("#") >= 3 and len(_HASHTAG.findall(cleaned)) >= 3:
        return True
    if not cleaned.isascii() and sum(map(cleaned.count, _MONEY_CHARACTERS)) >= 3:  # = len(findall)
        return True
    if _may_shout(cleaned) and _SHOUT.search(cleaned):
        return True
    return "%" in cleaned and _PERCENT.search(cleaned) is not None


def _may_shout(text: str) -> bool:
    """Whether ``_SHOUT`` can match (its leading word boundary makes a full search slow)."""
    return "!!!" in text or _FOUR_CAPITALS.search(text) is not None


def _fold_chunk(chunk: str) -> str:
    """A space-separated chunk of cleaned text -> URLs blanked, lower-cased, diacritics folded."""
    return fold_diacritics(_URL.sub(" ", chunk) if _may_hold_url(chunk) else chunk)


_FOLDED_CHUNKS: ChunkCache[str, str] = ChunkCache(_fold_chunk)


def _fold(cleaned: str) -> str:
    r"""``fold_diacritics(_URL.sub(" ", cleaned))``: the text the phrases are searched in.

    Computed chunk by chunk (split at spaces) through :data:`_FOLDED_CHUNKS`; the same string,
    since no ``_URL`` match contains a space (and its look-behind and ``\b`` see a space as
    they see the text's edge), lower-casing reads no context across a space (Greek final
    sigma looks only past case-ignorable characters), and canonical reordering of combining
    marks stops at a space.
    """
    if cleaned.isascii() and not _may_hold_url(cleaned):
        return cleaned.lower()
    return " ".join(map(_FOLDED_CHUNKS.__getitem__, cleaned.split(" ")))


def _may_hold_url(text: str) -> bool:
    """Whether ``_URL`` can match: it needs a scheme, ``www.`` or a known top-level domain.

    (Before 2026-11-29 this also required a ``.``, so a text without one kept a
    ``https://...`` link for the phrase search.)
    """
    return "://" in text or "www." in text or ("." in text and _TLD.search(text) is not None)


def _has_url(text: str) -> bool:
    """``_URL.search(text) is not None``, mostly without running ``_URL``.

    Its first branch matches where ``_SCHEME`` does (a literal start the regex engine skips
    to); its second needs a known top-level domain. ``_URL`` itself, which tries its second
    branch at every word, runs only for a domain without a scheme.
    """
    if ("://" in text or "www." in text) and _SCHEME.search(text):
        return True
    return "." in text and _TLD.search(text) is not None and _URL.search(text) is not None


def _at_sentence_start(text: str, start: int) -> bool:
    """Whether only a greeting or @handles stand between a sentence start and ``start``."""
    window = text[max(0, start - 80) : start]
    if start <= 80 and _AT_TEXT_START.fullmatch(window):
        return True
    return _AFTER_BREAK.search(window) is not None


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in _WORD_EXTRA


class _Compiled:
    """All patterns of one language in one Aho-Corasick automaton (one pass per post)."""

    def __init__(self, lexicon: Mapping[str, Sequence[str]]) -> None:
        import ahocorasick

        entries: dict[str, list[tuple[str, bool]]] = {}
        for key, phrases in lexicon.items():
            for phrase in phrases:
                core = " ".join(fold_diacritics(phrase.strip()).split())
                prefix = core.endswith("*")
                core = core.rstrip("*")
                if "*" in core or not core:
                    raise ConfigError(
                        f"intent pattern {phrase!r}: '*' is allowed only at the end", source=key
                    )
                entries.setdefault(core, []).append((key, prefix))
        self._automaton: Any = None
        if entries:
            automaton = ahocorasick.Automaton()
            for core, keys in entries.items():
                # Per phrase, what a hit adds: when the phrase ends a word, every key, with the
                # phrase itself as evidence; when a word goes on, only the prefix patterns,
                # with the whole word. "question" also needs a sentence start.
                closed = tuple((key, key == "question") for key, _ in keys)
                opened = tuple((key, key == "question") for key, prefix in keys if prefix)
                automaton.add_word(core, (len(core), core, closed, opened))
            automaton.make_automaton()
            self._automaton = automaton

    def find_all(self, text: str) -> dict[str, list[str]]:
        """Label key -> matched phrases (whole words; a prefix pattern extends to the word end)."""
        found: dict[str, list[str]] = {}
        if self._automaton is None:
            return found
        n = len(text)
        for end_index, (length, core, closed, opened) in self._automaton.iter(text):
            start = end_index - length + 1
            if start and ((before := text[start - 1]).isalnum() or before in _WORD_EXTRA):
                continue
            end = end_index + 1
            if end < n and ((after := text[end]).isalnum() or after in _WORD_EXTRA):
                if not opened:
                    continue
                keys = opened
                evidence = text[start : _WORD_TAIL.match(text, end).end()]  # type: ignore[union-attr]
            else:
                keys = closed
                evidence = core  # == text[start:end]
            for key, question in keys:
                if question and not _at_sentence_start(text, start):
                    continue
                found.setdefault(key, []).append(evidence)
        return found


class IntentDetector:
    """Labels a post with zero or more intents, with the evidence for each.

    Rules (``hits`` = lexicon phrases found):

    - ``question``: a ``?`` ending a sentence, or an interrogative opener at a sentence start.
    - ``complaint``: a complaint phrase, or sentiment ``<= complaint_below``.
    - ``praise``: a praise phrase with sentiment ``>= 0`` (not "thanks for nothing"), or
      sentiment ``>= praise_above`` without a complaint phrase.
    - ``purchase``: a purchase-intent phrase.
    - ``crisis``: any legal, safety, recall or outage phrase (kind kept in the evidence).
    - ``spam``: a spam phrase or a word repeated three times, and two spam signals among:
      spam phrases (each counts), a link, three or more hashtags, a repeated word, three or
      more money/rocket/fire emoji, ``!!!`` or an ALL-CAPS word, a percentage. Spam posts get
      no other label.

    Args:
        extra: More patterns, ``{"en": {"complaint": ["laggy", "lag*"]}}``; keys are labels
            or ``crisis.<kind>``. A new language code adds a language.
        complaint_below: Sentiment at or below which a post counts as a complaint.
        praise_above: Sentiment at or above which a post counts as praise.
        fallback_language: Lexicon used for languages without one (``None``: only the
            language-independent signals, ``?`` and spam heuristics).

    Examples:
        >>> intent = IntentDetector().detect("My order never arrived, where is my refund?",
        ...                                  language="en")
        >>> intent.labels
        ('complaint', 'question')
    """

    method = "intent-rules-v1"

    def __init__(
        self,
        *,
        extra: Mapping[str, Lexicon] | None = None,
        complaint_below: float = -0.5,
        praise_above: float = 0.6,
        fallback_language: str | None = "en",
    ) -> None:
        self.complaint_below = complaint_below
        self.praise_above = praise_above
        self.fallback_language = fallback_language
        extra = extra or {}
        for lang, lex in extra.items():
            unknown = set(lex) - set(_KEYS)
            if unknown:
                raise ConfigError(
                    f"unknown intent labels {sorted(unknown)} for {lang!r}", hint=f"use {_KEYS}"
                )
        self._compiled: dict[str, _Compiled] = {}
        for lang in {*INTENT_LANGUAGES, *extra}:
            merged: dict[str, list[str]] = {}
            if lang in INTENT_LANGUAGES:
                for key, packaged in load_intent_lexicon(lang).items():
                    merged.setdefault(key, []).extend(packaged)
            # Spam vocabulary is international (f4f, giveaway, forex): English patterns apply everywhere.
            merged.setdefault("spam", []).extend(load_intent_lexicon("en").get("spam", ()))
            for key, phrases in extra.get(lang, {}).items():
                merged.setdefault(key, []).extend(phrases)
            self._compiled[lang] = _Compiled(merged)
        self._empty = _Compiled({})
        self._by_code: dict[str | None, _Compiled] = {}  # language code as given -> lexicon

    def _lexicon_for(self, language: str | None) -> _Compiled:
        found = self._by_code.get(language)
        if found is None:
            found = self._choose_lexicon(language)
            if len(self._by_code) < 1024:
                self._by_code[language] = found
        return found

    def _choose_lexicon(self, language: str | None) -> _Compiled:
        if language is not None:
            found = self._compiled.get(language.lower().split("-")[0])
            if found is not None:
                return found
        if self.fallback_language is not None:
            return self._compiled.get(self.fallback_language, self._empty)
        return self._empty

    @staticmethod
    def _spam_signals(cleaned: str, spam_hits: Sequence[str], repeated: set[str]) -> int:
        # Each regex runs only when its cheap pre-check (as in _has_other_signal) passes.
        signals = len(spam_hits) + (1 if repeated else 0)
        signals += 1 if _has_url(cleaned) else 0
        signals += 1 if cleaned.count("#") >= 3 and len(_HASHTAG.findall(cleaned)) >= 3 else 0
        if not cleaned.isascii():
            signals += 1 if sum(map(cleaned.count, _MONEY_CHARACTERS)) >= 3 else 0  # = len(findall)
        signals += 1 if _may_shout(cleaned) and _SHOUT.search(cleaned) else 0
        signals += 1 if "%" in cleaned and _PERCENT.search(cleaned) else 0
        return signals

    def detect(self, text: str, *, language: str | None, sentiment: float | None = None) -> Intent:
        """The intents of one post.

        Args:
            text: The post text (callers cap long texts).
            language: Which lexicon to use (detected or claimed language).
            sentiment: The post's compound sentiment, when known.
        """
        cleaned = clean_text(text)
        folded = _fold(cleaned)
        if "  " in folded or "\t" in folded or "\u00a0" in folded:  # else _SPACES finds nothing
            folded = _SPACES.sub(" ", folded)
        hits = self._lexicon_for(language).find_all(folded)
        evidence: dict[str, tuple[str, ...]] = {}

        spam_hits = hits.get("spam", [])
        # A repeated word alone is one spam signal, short of two: count words only when a
        # spam phrase or another signal is there.
        repeated = _repeated_words(folded) if spam_hits or _has_other_signal(cleaned) else set()
        if (spam_hits or repeated) and self._spam_signals(cleaned, spam_hits, repeated) >= 2:
            evidence["spam"] = tuple(spam_hits) + tuple(sorted(repeated))
            return _intent(labels=("spam",), method=self.method, evidence=evidence)

        questions = list(hits.get("question", []))
        if "?" in cleaned and _QUESTION_MARK.search(cleaned + " "):
            questions.insert(0, "?")
        complaint = hits.get("complaint", [])
        praise = hits.get("praise", [])
        purchase = hits.get("purchase", [])
        crisis = (
            [f"{kind}: {hit}" for key, kind in _CRISIS_KEYS if key in hits for hit in hits[key]]
            if not hits.keys() <= _NOT_CRISIS
            else ()
        )

        if complaint:
            evidence["complaint"] = tuple(complaint)
        elif sentiment is not None and sentiment <= self.complaint_below:
            evidence["complaint"] = (f"sentiment {sentiment:.2f}",)
        if questions:
            evidence["question"] = tuple(questions)
        if praise and (sentiment is None or sentiment >= 0):
            evidence["praise"] = tuple(praise)
        elif sentiment is not None and sentiment >= self.praise_above and not complaint and not questions:
            evidence["praise"] = (f"sentiment {sentiment:.2f}",)
        if purchase:
            evidence["purchase"] = tuple(purchase)
        if crisis:
            evidence["crisis"] = tuple(crisis)
        labels = tuple(evidence)  # filled in INTENT_LABELS order
        return _intent(labels=labels, method=self.method, evidence=evidence)

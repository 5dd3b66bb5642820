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
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources

from social_listen.core import ConfigError, Intent
from social_listen.monitor._sentiment_rules import clean_text, fold_diacritics

__all__ = ["CRISIS_KINDS", "INTENT_LABELS", "INTENT_LANGUAGES", "IntentDetector", "load_intent_lexicon"]

INTENT_LABELS = ("complaint", "question", "praise", "purchase", "crisis", "spam")
CRISIS_KINDS = ("legal", "safety", "recall", "outage")
INTENT_LANGUAGES = ("en", "hu", "ro")
_KEYS = ("complaint", "question", "praise", "purchase", "spam", *(f"crisis.{k}" for k in CRISIS_KINDS))
_GREETING = r"(?:(?:@\w+|hey|hi|hello|szia|sziasztok|hello|salut|buna|bună)[,!:]?\s+){0,3}"
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|example|ly|io|ro|hu)/?\S*")
_HASHTAG = re.compile(r"#\w+")
_QUESTION_MARK = re.compile(r"\?(?:\s|$|[!\"')\]])")
_MONEY_EMOJI = re.compile(r"[💰💸🤑🔥🚀💎]")
_SHOUT = re.compile(r"!{3,}|\b[A-Z]{4,}\b")
_PERCENT = re.compile(r"\d+\s?%")

Lexicon = Mapping[str, Sequence[str]]


def _pattern(phrase: str) -> str:
    words = fold_diacritics(phrase.strip()).split()
    parts = [re.escape(w[:-1]) + r"[\w'-]*" if w.endswith("*") else re.escape(w) for w in words]
    return r"\s+".join(parts)


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


class _Compiled:
    def __init__(self, lexicon: Mapping[str, Sequence[str]]) -> None:
        self.patterns: dict[str, re.Pattern[str]] = {}
        for key, phrases in lexicon.items():
            if not phrases:
                continue
            body = "|".join(sorted({_pattern(p) for p in phrases}, key=len, reverse=True))
            if key == "question":
                regex = rf"(?:^|[.!?\n]\s*){_GREETING}({body})(?!\w)"
            else:
                regex = rf"(?<![\w'-])({body})(?![\w'-])"
            self.patterns[key] = re.compile(regex)

    def find(self, key: str, text: str) -> list[str]:
        pattern = self.patterns.get(key)
        if pattern is None:
            return []
        return [m.group(1) for m in pattern.finditer(text)]


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

    def _lexicon_for(self, language: str | None) -> _Compiled:
        if language is not None:
            found = self._compiled.get(language.lower().split("-")[0])
            if found is not None:
                return found
        if self.fallback_language is not None:
            return self._compiled.get(self.fallback_language, self._empty)
        return self._empty

    def detect(self, text: str, *, language: str | None, sentiment: float | None = None) -> Intent:
        """The intents of one post.

        Args:
            text: The post text (callers cap long texts).
            language: Which lexicon to use (detected or claimed language).
            sentiment: The post's compound sentiment, when known.
        """
        cleaned = clean_text(text)
        folded = fold_diacritics(_URL.sub(" ", cleaned))
        lex = self._lexicon_for(language)
        evidence: dict[str, tuple[str, ...]] = {}

        spam_hits = lex.find("spam", folded)
        signals = len(spam_hits)
        signals += 1 if _URL.search(cleaned) else 0
        hashtags = _HASHTAG.findall(cleaned)
        signals += 1 if len(hashtags) >= 3 else 0
        words = re.findall(r"\w{3,}", folded)
        repeated = {w for w in words if words.count(w) >= 3} if len(words) < 200 else set()
        signals += 1 if repeated else 0
        signals += 1 if len(_MONEY_EMOJI.findall(cleaned)) >= 3 else 0
        signals += 1 if _SHOUT.search(cleaned) else 0
        signals += 1 if _PERCENT.search(cleaned) else 0
        if signals >= 2 and (spam_hits or repeated):
            evidence["spam"] = tuple(spam_hits) + tuple(sorted(repeated))
            return Intent(labels=("spam",), method=self.method, evidence=evidence)

        questions = lex.find("question", folded)
        if _QUESTION_MARK.search(cleaned + " "):
            questions.insert(0, "?")
        complaint = lex.find("complaint", folded)
        praise = lex.find("praise", folded)
        purchase = lex.find("purchase", folded)
        crisis = [f"{kind}: {hit}" for kind in CRISIS_KINDS for hit in lex.find(f"crisis.{kind}", folded)]

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
        labels = tuple(label for label in INTENT_LABELS if label in evidence)
        return Intent(labels=labels, method=self.method, evidence=evidence)

"""Our own language detection, restricted to the languages the user configures.

The model is py3langid's naive Bayes byte n-gram model, shipped inside its wheel (nothing is
downloaded). Before classifying, URLs, @handles, hashtag marks and emoji are removed (they
are language-neutral noise) and the text is cut to ``max_chars``. Confidence is the model's
posterior probability normalised over the configured languages, so it lies in [0, 1]. The
detection is kept beside the platform's claim (``Mention.language``); :func:`choose_language`
says which one the analyzers use. Batches are scored with one vectorised pass.
"""

from __future__ import annotations

import copy
import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from social_listen.core import ConfigError

__all__ = [
    "DEFAULT_LANGUAGES",
    "LanguageDetector",
    "LanguageGuess",
    "choose_language",
]

logger = logging.getLogger(__name__)

DEFAULT_LANGUAGES: tuple[str, ...] = (
    "en", "hu", "ro", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "sk", "ru", "uk", "tr", "sv",
)  # fmt: skip
_NOISE = re.compile(r"(?:https?://|www\.)\S+|[@#]\w+|&\w+;|[^\w\s'’.,!?-]+")
_CHUNK = 256
_THREE_LETTERS = re.compile(r"[^\W\d_](?:[\W\d_]*[^\W\d_]){2}")


@lru_cache(maxsize=1)
def _full_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@dataclass(frozen=True)
class LanguageGuess:
    """A detected language and the model's confidence in [0, 1] (``None`` if undetermined)."""

    language: str | None
    confidence: float


def choose_language(
    claim: str | None, guess: LanguageGuess, *, trust_above: float = 0.8, accept_above: float = 0.5
) -> str | None:
    """Which language to analyse a mention as.

    Our detection wins when confident (``>= trust_above``); otherwise the platform's claim wins
    when it has one; otherwise our detection when ``>= accept_above``; else ``None``.

    Examples:
        >>> choose_language("en", LanguageGuess("hu", 0.95))
        'hu'
        >>> choose_language("en", LanguageGuess("ro", 0.6))
        'en'
    """
    if guess.language is not None and guess.confidence >= trust_above:
        return guess.language
    if claim:
        return claim.lower().split("-")[0]
    if guess.language is not None and guess.confidence >= accept_above:
        return guess.language
    return None


class LanguageDetector:
    """Detects the language of posts among a configured set, with a confidence.

    Args:
        languages: ISO 639-1 codes to choose among (py3langid's 97 are available).
        max_chars: Characters of cleaned text classified (longer adds little and costs time).

    Raises:
        ConfigError: For a language the model does not know.

    Examples:
        >>> detector = LanguageDetector(languages=("en", "hu", "ro"))
        >>> detector.detect("Nagyon rossz a szolgáltatás, már három napja nincs internet").language
        'hu'
    """

    def __init__(self, languages: Sequence[str] = DEFAULT_LANGUAGES, *, max_chars: int = 1000) -> None:
        if not languages:
            raise ConfigError("LanguageDetector needs at least one language")
        self.languages = tuple(dict.fromkeys(lang.lower() for lang in languages))
        self.max_chars = max_chars
        identifier: Any = copy.copy(_full_identifier())  # the model loads once per process
        try:
            identifier.set_languages(list(self.languages))
        except ValueError as exc:
            raise ConfigError(
                f"unknown language code(s) in {self.languages}: {exc}",
                hint="use ISO 639-1 codes known to py3langid",
            ) from exc
        self._identifier = identifier
        self._fast = all(
            hasattr(identifier, name)
            for name in ("tk_nextmove", "_rowbase", "tk_output", "nb_ptc", "nb_pc", "nb_classes", "_encode")
        )
        try:  # the vectorised path uses py3langid internals (0.4); older versions classify one by one
            from py3langid.langid import visit_counts
        except ImportError:  # pragma: no cover - depends on the installed py3langid
            self._fast = False
        if self._fast:
            self._visit = visit_counts
            self._ptc = np.asarray(identifier.nb_ptc, dtype=np.float32)
            self._pc = np.asarray(identifier.nb_pc, dtype=np.float32)
            self._classes = list(identifier.nb_classes)
            self._fast = len(set(self._classes)) == len(self._classes)  # aliased labels: slow path

    def _clean(self, text: str) -> str:
        return _NOISE.sub(" ", text[: self.max_chars * 2])[: self.max_chars]

    def detect(self, text: str) -> LanguageGuess:
        """The language of one text."""
        return self.detect_batch([text])[0]

    def detect_batch(self, texts: Iterable[str]) -> list[LanguageGuess]:
        """The language of each text, scored in one vectorised pass."""
        cleaned = [self._clean(t) for t in texts]
        out: list[LanguageGuess | None] = [None] * len(cleaned)
        todo: list[tuple[int, str]] = []
        for i, text in enumerate(cleaned):
            if _THREE_LETTERS.search(text) is None:
                out[i] = LanguageGuess(None, 0.0)
            else:
                todo.append((i, text))
        if todo and self._fast:
            for start in range(0, len(todo), _CHUNK):  # bounded temporary arrays
                self._score_fast(todo[start : start + _CHUNK], out)
        else:
            for i, text in todo:
                lang, conf = self._identifier.classify(text)
                out[i] = LanguageGuess(str(lang), max(0.0, min(1.0, float(conf))))
        return [g if g is not None else LanguageGuess(None, 0.0) for g in out]

    def _score_fast(self, todo: list[tuple[int, str]], out: list[LanguageGuess | None]) -> None:
        ident = self._identifier
        encode = ident._encode
        feats: list[int] = []
        counts: list[int] = []
        offsets: list[int] = []
        kept: list[tuple[int, int]] = []
        for i, text in todo:
            data = encode(text)
            visits = self._visit(ident.tk_nextmove, ident._rowbase, ident.tk_output, data)
            if not visits:
                out[i] = LanguageGuess(None, 0.0)
                continue
            offsets.append(len(feats))
            feats.extend(visits.keys())
            counts.extend(visits.values())
            kept.append((i, len(data)))
        if not kept:
            return
        weights = np.log1p(np.asarray(counts, dtype=np.float32))[:, None] * self._ptc[np.asarray(feats)]
        scores = np.add.reduceat(weights, np.asarray(offsets), axis=0) + self._pc
        scales = np.asarray([1.0 / math.sqrt(n or 1) for _, n in kept], dtype=np.float32)[:, None]
        scores *= scales
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        best = scores.argmax(axis=1)
        for row, (i, _) in enumerate(kept):
            k = int(best[row])
            out[i] = LanguageGuess(self._classes[k], float(min(1.0, max(0.0, scores[row, k]))))

"""Our own language detection, restricted to the languages the user configures.

The model is py3langid's naive Bayes byte n-gram model, shipped inside its wheel (nothing is
downloaded). Before classifying, URLs, @handles, hashtag marks and emoji are removed (they
are language-neutral noise) and the text is cut to ``max_chars``. Confidence is the model's
posterior probability normalised over the configured languages, so it lies in [0, 1]. The
detection is kept beside the platform's claim (``Mention.language``); :func:`choose_language`
says which one the analyzers use. Batches are scored with one vectorised pass: py3langid's
byte automaton advances all texts of a batch together (one numpy step per byte position) and
the naive Bayes sums run over the same features in the same order, so the answers are the
ones py3langid's own walk gives, to the bit.
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
from social_listen.core._chunk_cache import ChunkCache

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
# Every branch starts with a literal or a set, so the regex engine skips plain letters fast.
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|&\w+;|[^\w\s'’.,!?-]+")
_CHUNK = 512
_LOCKSTEP_MAX_BYTES = 8192  # longer texts walk in Python (bounds the step table per batch)
_LOCKSTEP_MIN = 24  # texts walking together below which the rest walk in Python
_SORT_ROWS = 64  # texts whose features are counted in one sort
_THREE_LETTERS = re.compile(r"[^\W\d_](?:[\W\d_]*[^\W\d_]){2}")


def _clean_chunk(chunk: str) -> str:
    """``_NOISE.sub(" ", chunk)`` of one space-separated chunk.

    No ``_NOISE`` match contains whitespace and none looks behind, so cleaning the pieces of
    ``text.split(" ")`` and joining them with spaces gives ``_NOISE.sub(" ", text)``.
    """
    return _NOISE.sub(" ", chunk)


_CLEAN_CHUNKS: ChunkCache[str, str] = ChunkCache(_clean_chunk)


def _remove_noise(text: str) -> str:
    """``_NOISE.sub(" ", text)``, chunk by chunk through :data:`_CLEAN_CHUNKS`."""
    return " ".join(map(_CLEAN_CHUNKS.__getitem__, text.split(" ")))


@lru_cache(maxsize=1)
def _full_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=1)
def _dfa_tables() -> tuple[Any, Any, Any]:
    """py3langid's tokenizer automaton as numpy arrays: next state, row base, output feature.

    Restricting languages copies the identifier but shares these tables; the next-state
    table (10 M entries) is viewed in place, not copied.
    """
    identifier = _full_identifier()
    nextmove = np.frombuffer(identifier.tk_nextmove, dtype=np.uint32)
    rowbase = np.asarray(identifier._rowbase, dtype=np.intp)
    output = np.asarray(identifier.tk_output, dtype=np.intp)
    return nextmove, rowbase, output


@dataclass(frozen=True)
class LanguageGuess:
    """A detected language and the model's confidence in [0, 1] (``None`` if undetermined)."""

    language: str | None
    confidence: float


_UNDETERMINED = LanguageGuess(None, 0.0)  # frozen: one shared instance


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
        self._fast = (
            all(
                hasattr(identifier, name)
                for name in (
                    "tk_nextmove",
                    "_rowbase",
                    "tk_output",
                    "nb_ptc",
                    "nb_pc",
                    "nb_classes",
                    "_encode",
                )
            )
            and getattr(identifier.tk_nextmove, "itemsize", 0) == 4
        )  # viewed as uint32 by _dfa_tables
        try:  # the vectorised path uses py3langid internals (0.4); older versions classify one by one
            from py3langid.langid import visit_counts
        except ImportError:  # pragma: no cover - depends on the installed py3langid
            self._fast = False
        if self._fast:
            self._visit = visit_counts
            # Row-major: each feature's row of class weights is gathered in one piece.
            self._ptc = np.ascontiguousarray(identifier.nb_ptc, dtype=np.float32)
            self._pc = np.asarray(identifier.nb_pc, dtype=np.float32)
            self._classes = list(identifier.nb_classes)
            self._fast = len(set(self._classes)) == len(self._classes)  # aliased labels: slow path

    def _clean(self, text: str) -> str:
        return _remove_noise(text[: self.max_chars * 2])[: self.max_chars]

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
                out[i] = _UNDETERMINED
            else:
                todo.append((i, text))
        if todo and self._fast:
            for start in range(0, len(todo), _CHUNK):  # bounded temporary arrays
                self._score_fast(todo[start : start + _CHUNK], out)
        else:
            for i, text in todo:
                lang, conf = self._identifier.classify(text)
                out[i] = LanguageGuess(str(lang), max(0.0, min(1.0, float(conf))))
        return [g if g is not None else _UNDETERMINED for g in out]

    def _score_fast(self, todo: list[tuple[int, str]], out: list[LanguageGuess | None]) -> None:
        encode = self._identifier._encode
        datas = [encode(text) for _, text in todo]
        feats, counts, starts, rows = self._visits(datas)
        if not rows:
            for i, _ in todo:
                out[i] = _UNDETERMINED
            return
        weights = np.log1p(counts.astype(np.float32))[:, None] * self._ptc[feats]
        scores = np.add.reduceat(weights, starts, axis=0) + self._pc
        scales = np.asarray([1.0 / math.sqrt(len(datas[j]) or 1) for j in rows], dtype=np.float32)[:, None]
        scores *= scales
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        best = scores.argmax(axis=1)
        confidences = np.take_along_axis(scores, best[:, None], axis=1)[:, 0].tolist()
        for i, _ in todo:
            out[i] = _UNDETERMINED  # replaced below for the texts with features
        classes = self._classes
        for j, k, confidence in zip(rows, best.tolist(), confidences, strict=True):
            out[todo[j][0]] = LanguageGuess(classes[k], min(1.0, max(0.0, confidence)))

    def _visits(self, datas: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """The features py3langid's tokenizer visits in each byte string, with their counts.

        Returns ``(feats, counts, starts, rows)``: the texts ``rows`` (indexes into ``datas``,
        those with at least one feature) have their distinct features at
        ``feats[starts[r]:starts[r + 1]]``, in order of first visit with their counts, as
        ``visit_counts`` gives them (so the float32 sums are the same to the bit). The
        automaton is sequential within a text, so all texts advance together, one numpy step
        per byte position (longest first: the texts still walking are a prefix); the tails of
        the few longest walk on in Python, so one long text does not cost a numpy step per
        byte, and texts over ``_LOCKSTEP_MAX_BYTES`` (only with a large ``max_chars``) walk
        wholly in Python, which bounds the step table.
        """
        nextmove, rowbase, output = _dfa_tables()
        ident = self._identifier
        order = sorted(range(len(datas)), key=lambda j: -len(datas[j]))
        feat_parts: list[np.ndarray] = []
        count_parts: list[np.ndarray] = []
        sizes: list[int] = []
        rows: list[int] = []
        alone = 0
        while alone < len(order) and len(datas[order[alone]]) > _LOCKSTEP_MAX_BYTES:
            found = self._visit(ident.tk_nextmove, ident._rowbase, ident.tk_output, datas[order[alone]])
            if found:
                feat_parts.append(np.fromiter(found.keys(), dtype=np.intp, count=len(found)))
                count_parts.append(np.fromiter(found.values(), dtype=np.intp, count=len(found)))
                sizes.append(len(found))
                rows.append(order[alone])
            alone += 1
        together = order[alone:]
        n = len(together)
        lengths = [len(datas[j]) for j in together]
        steps = lengths[0] if together else 0
        if steps:
            # Texts still walking at each step: lengths are descending, so a prefix.
            active = n - np.searchsorted(np.asarray(lengths[::-1]), np.arange(steps), side="right")
            lockstep = int(np.count_nonzero(active >= _LOCKSTEP_MIN))
            padded = b"".join([datas[j][:lockstep].ljust(lockstep, b"\0") for j in together])
            grid = np.frombuffer(padded, dtype=np.uint8).reshape(n, lockstep)
            columns = np.ascontiguousarray(grid.T)
            path = np.zeros((steps, n), dtype=np.uint32)  # state 0 (padding) outputs no feature
            previous = np.zeros(n, dtype=np.uint32)
            for t, k in enumerate(active[:lockstep].tolist()):
                previous = path[t, :k] = nextmove[rowbase[previous[:k]] + columns[t, :k]]
            # The few texts longer than the rest walk on in Python, one byte at a time.
            nm, rb = ident.tk_nextmove, ident._rowbase
            for row in range(int(active[lockstep]) if lockstep < steps else 0):
                state = int(path[lockstep - 1, row]) if lockstep else 0
                tail = []
                for letter in datas[together[row]][lockstep:]:
                    state = nm[rb[state] + letter]
                    tail.append(state)
                path[lockstep : lockstep + len(tail), row] = tail
            path = path.T
            feature_bits = int(self._ptc.shape[0]).bit_length()
            for first in range(0, n, _SORT_ROWS):  # rows of similar length: little padding
                width = lengths[first]
                if not width:
                    break
                visited = output[path[first : first + _SORT_ROWS, :width]]  # -1: no feature
                row_of, col_of = np.nonzero(visited >= 0)
                if not row_of.size:
                    continue
                # One flat sort by (text, feature, position), packed in shifts (integer
                # division is slow): each run of one feature in one text gives its count,
                # and the run starts at the feature's first visit.
                col_bits = width.bit_length()
                keys = row_of << feature_bits
                keys |= visited[row_of, col_of]
                keys <<= col_bits
                keys |= col_of
                keys.sort()
                group = keys >> col_bits
                heads = np.empty(keys.size, dtype=bool)
                heads[0] = True
                np.not_equal(group[1:], group[:-1], out=heads[1:])
                run_starts = np.flatnonzero(heads)
                runs = np.empty_like(run_starts)
                runs[:-1] = run_starts[1:]
                runs[-1] = keys.size
                runs -= run_starts
                head_keys = keys[run_starts]
                head_rows = head_keys >> (feature_bits + col_bits)
                # Each count goes where its feature was first visited; reading those places
                # text by text lists the features in first-visit order, as visit_counts does.
                first_seen = np.zeros(visited.size, dtype=np.intp)
                first_seen[head_rows * width + (head_keys & ((1 << col_bits) - 1))] = runs
                places = np.flatnonzero(first_seen)
                feat_parts.append(visited.ravel()[places])
                count_parts.append(first_seen[places])
                per_row = np.bincount(head_rows, minlength=visited.shape[0]).tolist()
                for row, size in enumerate(per_row):
                    if size:
                        sizes.append(size)
                        rows.append(together[first + row])
        if not rows:
            empty = np.zeros(0, dtype=np.intp)
            return empty, empty, empty, rows
        starts_at = np.zeros(len(sizes), dtype=np.intp)
        np.cumsum(sizes[:-1], out=starts_at[1:])
        return np.concatenate(feat_parts), np.concatenate(count_parts), starts_at, rows

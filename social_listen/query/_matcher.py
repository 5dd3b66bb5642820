"""The compiled multi-query matcher: thousands of named queries, one scan per post.

:class:`MatcherSet` compiles every query (text, :class:`ParsedQuery` or :class:`BrandProfile`)
into one program (see ``_program``): one Aho-Corasick pass over the post's folded word string
finds every atom, fuzzy and wildcard candidates are confirmed on the word they fall in, and
only the queries whose atoms occurred are evaluated. ``scan()`` adds the matched spans (in the
original title/text), lookalike matches and the normalization flags for enrichment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapidfuzz.distance import OSA

from social_listen.core import DEFAULT_LIMITS, Limits, Mention
from social_listen.core._chunk_cache import CHUNK_CACHE_LONGEST
from social_listen.query._atoms import AtomSpec
from social_listen.query._document import Document, words_string
from social_listen.query._guard import is_ordinary_word
from social_listen.query._normalize import (
    _CHUNK_FOLDS,
    chunks_flags,
    fold,
    fold_chunk,
    utf8_chunks,
)
from social_listen.query._program import Program, RunLike, compile_program
from social_listen.query._typo import AUTO_MAX_EDITS, typo_budget, typo_distance
from social_listen.query._wildcard import glob_match

if TYPE_CHECKING:
    from social_listen.query._brands import BrandProfile
    from social_listen.query._query import ParsedQuery

__all__ = ["MatchSpan", "MatcherSet", "ScanResult"]

logger = logging.getLogger(__name__)

_MEMO_MAX = 200_000
_DIRTY = "\x00"  # never in folded text: NUL is not a word character
_TOKENS = "\x01"  # nor is SOH
_CHUNK_MEMO_MAX = 100_000
_REJECT, _ACCEPT, _COMMON, _GUARDED = 0, 1, 2, 3


@dataclass(frozen=True)
class MatchSpan:
    """Where an atom of a matched query occurs.

    Attributes:
        field: ``"text"`` or ``"title"``.
        start: Start offset in that field of the original mention (or string).
        end: End offset (exclusive).
        matched: The folded words that matched (``"acmme"`` for a fuzzy match).
        atom: The atom's kind: ``exact``, ``wild``, ``fuzzy`` or ``raw``.
    """

    field: str
    start: int
    end: int
    matched: str
    atom: str


@dataclass(frozen=True)
class ScanResult:
    """Everything one post's scan found.

    Attributes:
        names: Names of the queries that match, in the order they were given.
        spans: For each matched name, the spans of its positive atoms.
        lookalike: Names that match only after homoglyphs were mapped and letter spacing
            closed ("Аcme" with a Cyrillic А, "a c m e"): not matches, but worth a look.
        flags: ``obfuscated``, ``lookalike``, ``text_capped`` when they apply.
    """

    names: tuple[str, ...]
    spans: Mapping[str, tuple[MatchSpan, ...]]
    lookalike: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()


class Run(RunLike):
    """One post against one program: atom hits and lazily evaluated atoms.

    ``hits`` maps each scanned atom found to its ``[start, end)`` spans in the word string
    (empty for atoms confirmed word by word, whose words are in ``tokens``).
    """

    __slots__ = ("_lazy", "doc", "hits", "matcher", "token_words", "tokens", "words")

    def __init__(
        self, matcher: MatcherSet, doc: Document, words: str, *, token_words: list[str] | None = None
    ) -> None:
        self.matcher = matcher
        self.doc = doc
        self.words = words
        # The words that satisfy some wildcard or fuzzy atom, when the chunk cache told us.
        self.token_words = token_words
        self.tokens: dict[int, set[str]] = {}
        self._lazy: dict[int, list[tuple[int, int]]] = {}  # before the scan: a guard lift reads it
        self.hits = matcher._scan(self)

    def word_index(self, position: int) -> int:
        """Index of the word at ``position`` of the scanned word string."""
        return self.words.count(" ", 0, position) - 1  # the spaces before it, less the leading one

    def lazy_spans(self, atom_id: int) -> list[tuple[int, int]]:
        """Word-index spans (or ``[(0, 0)]`` for metadata) of an atom the scan does not confirm."""
        found = self._lazy.get(atom_id)
        if found is None:
            found = self.matcher._evaluate_lazy(self.matcher._program.atoms[atom_id], self.doc, self.words)
            self._lazy[atom_id] = found
        return found

    def lazy(self, atom_id: int) -> bool:
        """Whether an atom outside the scan matches."""
        return bool(self.lazy_spans(atom_id))

    def present(self, atom_id: int) -> bool:
        """Whether any atom matches (scanned or not)."""
        spec = self.matcher._program.atoms[atom_id]
        if spec.seeds and not spec.candidate_only:
            return atom_id in self.hits
        return self.lazy(atom_id)

    def positions(self, atom_ids: Sequence[int]) -> list[tuple[int, int]]:
        """Inclusive word-index spans of the atoms' matches."""
        out: list[tuple[int, int]] = []
        atoms = self.matcher._program.atoms
        for atom_id in atom_ids:
            spec = atoms[atom_id]
            if spec.by_token:
                found = self.tokens.get(atom_id)
                if found:
                    out.extend((i, i) for i, word in enumerate(self.words.split()) if word in found)
            elif spec.seeds:
                for start, end in self.hits.get(atom_id, ()):
                    out.append((self.word_index(start), self.word_index(end - 1)))
            else:
                out.extend(self.lazy_spans(atom_id))
        return out


class MatcherSet:
    """Many named queries compiled to match a stream of posts in one pass each.

    Args:
        queries: Name to query: query text, a parsed query or a brand profile. A sequence of
            :class:`BrandProfile` is also accepted (named by ``profile.name``).
        limits: Limits for parsing query text and the longest text matched.

    Examples:
        >>> matcher = MatcherSet({"acme": "acme OR acmecorp", "globex": '"globex corp" -jobs'})
        >>> matcher.match("Loving my new ACME phone")
        ['acme']
        >>> matcher.match_batch(["globex corp is hiring", "Globex Corp jobs"])
        [['globex'], []]
    """

    def __init__(
        self,
        queries: Mapping[str, str | ParsedQuery | BrandProfile] | Iterable[BrandProfile],
        *,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        from social_listen.query._brands import BrandProfile
        from social_listen.query._query import ParsedQuery, parse

        items: Iterable[tuple[str, Any]]
        if isinstance(queries, Mapping):
            items = queries.items()
        else:
            items = [(profile.name, profile) for profile in queries]
        entries = []
        self._queries: dict[str, ParsedQuery] = {}
        for name, query in items:
            if isinstance(query, BrandProfile):
                parsed = query.compile(limits=limits)
            elif isinstance(query, ParsedQuery):
                parsed = query
            else:
                parsed = parse(query, limits=limits)
            self._queries[name] = parsed
            entries.append((name, parsed.root, parsed.guard))
        self._limits = limits
        self._program: Program = compile_program(entries)
        self._memo: dict[tuple[int, str, tuple[str, ...]], int] = {}
        self._token_cache: dict[str, tuple[tuple[int, bool], ...]] = {}
        self._clean_tokens: set[str] = set()  # the tokens cached as satisfying no atom
        self._clean_chunks: set[bytes] = set()  # the chunks cached as triggering no query
        self._chunks = _ChunkWords(self)
        self._names = tuple(q.name for q in self._program.queries)

    @property
    def names(self) -> tuple[str, ...]:
        """The query names, in order."""
        return self._names

    @property
    def atom_count(self) -> int:
        """How many distinct atoms the queries share."""
        return len(self._program.atoms)

    def __len__(self) -> int:
        return len(self._names)

    def match(self, item: Mention | str) -> list[str]:
        """Names of the queries that match ``item`` (a mention or plain text), in order.

        Examples:
            >>> MatcherSet({"a": "acme~1"}).match("my acmme phone")
            ['a']
        """
        marked = self._certain_miss(item)
        if marked is True:
            return []
        words, token_words = _unmark(marked) if marked else (None, None)
        doc = Document(item, max_chars=self._limits.max_text_chars, words=words)
        run = Run(self, doc, doc.words, token_words=token_words if doc.words is words else None)
        return [self._names[i] for i in self._matching(run)]

    def may_match(self, item: Mention | str) -> bool:
        """Whether any query may match ``item``: ``False`` is certain, ``True`` is a maybe.

        The cheap first step of :meth:`match` alone (no trigger word of any query occurs, the
        common case); callers that :meth:`scan` the items that may match skip the full
        :meth:`match` of those.

        Examples:
            >>> matcher = MatcherSet({"acme": "acme"})
            >>> matcher.may_match("Loving my new phone"), matcher.may_match("Loving my ACME phone")
            (False, True)
        """
        return self._certain_miss(item) is not True

    def _certain_miss(self, item: Mention | str) -> bool | str:
        """True when no query can match: no trigger atom occurs (the common case, kept lean).

        Otherwise False, or the post's folded chunks joined with their marks when they were
        computed (see :func:`_unmark`): the full path (long texts, queries that need no atom,
        hits) reuses them.
        """
        program = self._program
        if program.always:
            return False
        text = item if isinstance(item, str) else _combined_text(item)
        if len(text) > self._limits.max_text_chars:
            return False
        chunks = utf8_chunks(text)
        metadata = not isinstance(item, str) and bool(item.hashtags or item.mentioned_handles)
        # Most posts are made of chunks already seen and known to trigger nothing: one set
        # operation in C, no Python per word, no folding.
        if program.triggers_by_word and self._clean_chunks.issuperset(chunks):
            joined = ""
        else:
            # One dict lookup per chunk folds it and marks (_DIRTY) the chunks with a word
            # that may trigger a query.
            joined = " ".join(filter(None, map(self._chunks.__getitem__, chunks)))
            if _DIRTY in joined:
                return joined
            if not program.triggers_by_word and program.trigger_automaton is not None:
                for _ in program.trigger_automaton.iter(_unmark(joined)[0]):
                    return joined
        if metadata and program.trigger_automaton is not None:
            assert not isinstance(item, str)
            for _ in program.trigger_automaton.iter(_metadata_words(item)):
                return joined or False
        return True

    def match_batch(self, items: Iterable[Mention | str]) -> list[list[str]]:
        """:meth:`match` for many items; one list of names per item, in order."""
        match = self.match
        return [match(item) for item in items]

    def scan(self, item: Mention | str) -> ScanResult:
        """Matched names with their spans, lookalike matches and normalization flags.

        Examples:
            >>> result = MatcherSet({"acme": "acme"}).scan("I ❤ Ac\u200bme, not Аcme")
            >>> result.names, [(s.start, s.end) for s in result.spans["acme"]], sorted(result.flags)
            (('acme',), [(4, 9)], ['lookalike', 'obfuscated'])
        """
        quick = self._certain_miss(item)
        matched: list[int] = []
        spans: dict[str, tuple[MatchSpan, ...]] = {}
        if quick is True:  # never capped; every chunk is in the cache and triggers nothing
            text = item if isinstance(item, str) else _combined_text(item)
            chunks = utf8_chunks(text)
            # No chunk is dirty, but one may carry the _TOKENS mark (a non-trigger wildcard).
            joined = " ".join(filter(None, map(self._chunks.__getitem__, chunks)))
            words = " " + joined.replace(_TOKENS, "") + " "
            doc = Document(item, max_chars=self._limits.max_text_chars, words=words)
            flags = set() if text.isascii() else set(chunks_flags(chunks))
        else:
            words_known, token_words = _unmark(quick) if isinstance(quick, str) else (None, None)
            doc = Document(item, max_chars=self._limits.max_text_chars, words=words_known)
            run = Run(self, doc, doc.words, token_words=token_words if doc.words is words_known else None)
            matched = self._matching(run)
            spans = {self._names[i]: self._spans(run, i) for i in matched}
            flags = set(doc.flags)
        if doc.capped:
            flags.add("text_capped")
        lookalike: list[str] = []
        skeleton = doc.skeleton_words
        if skeleton != doc.words:
            again = set(self._matching(Run(self, doc, skeleton)))
            lookalike = [self._names[i] for i in sorted(again - set(matched))]
            if lookalike:
                flags.add("lookalike")
        return ScanResult(
            names=tuple(self._names[i] for i in matched),
            spans=spans,
            lookalike=tuple(lookalike),
            flags=frozenset(flags),
        )

    def _matching(self, run: Run) -> list[int]:
        program = self._program
        if not run.hits and not program.always:
            return []
        candidates: set[int] = set(program.always)
        for atom_id in run.hits:
            found = program.by_atom.get(atom_id)
            if found:
                candidates.update(found)
        queries = program.queries
        return [i for i in sorted(candidates) if queries[i].evaluate(run)]

    def _spans(self, run: Run, index: int) -> tuple[MatchSpan, ...]:
        out: list[MatchSpan] = []
        atoms = self._program.atoms
        for atom_id in self._program.queries[index].positive_atoms:
            spec = atoms[atom_id]
            if not spec.positional:
                continue
            for first, last in run.positions([atom_id]):
                words = run.doc.word_list[first : last + 1] if spec.kind != "raw" else []
                field, start, end = run.doc.original_span_words(first, last)
                out.append(MatchSpan(field, start, end, " ".join(words), spec.kind))
        return tuple(sorted(set(out), key=lambda s: (s.field != "title", s.start, s.end, s.atom, s.matched)))

    def _scan(self, run: Run) -> dict[int, list[tuple[int, int]]]:
        program = self._program
        words = run.words
        doc = run.doc
        hits: dict[int, list[tuple[int, int]]] = {}
        automaton = program.automaton
        if automaton is not None:
            for end, entries in automaton.iter(words):
                for atom_id, anchor, length in entries:
                    if anchor == "exact":
                        hits.setdefault(atom_id, []).append((end - length + 2, end))
                    else:
                        hits.setdefault(atom_id, [])
            mention = doc.mention
            if mention is not None and (mention.hashtags or mention.mentioned_handles):
                for _, entries in automaton.iter(_metadata_words(mention)):
                    for atom_id, anchor, _ in entries:
                        if anchor == "candidate":
                            hits.setdefault(atom_id, [])
        if program.token_automaton is not None:
            self._scan_tokens(run, hits)
        return hits

    def _scan_tokens(self, run: Run, hits: dict[int, list[tuple[int, int]]]) -> None:
        """Confirm wildcard and fuzzy atoms once per distinct word (cached across posts)."""
        cache = self._token_cache
        guarded: dict[int, set[str]] = {}
        tokens = run.tokens
        if run.token_words is not None:
            candidates = set(run.token_words)
        else:
            candidates = set(run.words.split()).difference(self._clean_tokens)
        for token in candidates:
            found = cache.get(token)
            if found is None:
                found = self._cached_token_atoms(token)
            for atom_id, needs_guard in found:
                if needs_guard and self._ordinary(atom_id, token, run.doc):
                    guarded.setdefault(atom_id, set()).add(token)
                    continue
                hits.setdefault(atom_id, [])
                tokens.setdefault(atom_id, set()).add(token)
        if guarded:
            self._lift_guard(run, hits, guarded)

    def _cached_token_atoms(self, token: str) -> tuple[tuple[int, bool], ...]:
        """:meth:`_token_atoms`, memoized across posts."""
        cache = self._token_cache
        found = cache.get(token)
        if found is None:
            found = self._token_atoms(token)
            if len(cache) >= _MEMO_MAX:
                cache.clear()
                self._clean_tokens.clear()
            cache[token] = found
            if not found:
                self._clean_tokens.add(token)
        return found

    def _token_atoms(self, token: str) -> tuple[tuple[int, bool], ...]:
        """(atom id, needs the guard) for each wildcard/fuzzy atom ``token`` satisfies."""
        automaton = self._program.token_automaton
        assert automaton is not None
        atoms = self._program.atoms
        padded = f" {token} "
        out: dict[int, bool] = {}
        for end, entries in automaton.iter(padded):
            for atom_id, anchor, length in entries:
                if atom_id in out:
                    continue
                if anchor == "start" and end - length + 1 != 0:
                    continue
                if anchor == "end" and end != len(padded) - 1:
                    continue
                spec = atoms[atom_id]
                if spec.kind == "wild":
                    if glob_match(spec.pattern, token):
                        out[atom_id] = False
                    continue
                verdict = _fuzzy_verdict(spec, token)
                if verdict != _REJECT:
                    out[atom_id] = verdict == _GUARDED
        return tuple(out.items())

    def _ordinary(self, atom_id: int, token: str, doc: Document) -> bool:
        spec = self._program.atoms[atom_id]
        guard = spec.guard
        assert guard is not None
        languages = (doc.language,) if doc.language else guard.languages
        key = (atom_id, token, languages)
        verdict = self._memo.get(key)
        if verdict is None:
            ordinary = is_ordinary_word(
                token, spec.pattern, languages, min_zipf=guard.min_zipf, rarer_by=guard.rarer_by
            )
            verdict = _COMMON if ordinary else _ACCEPT
            if len(self._memo) >= _MEMO_MAX:
                self._memo.clear()
            self._memo[key] = verdict
        return verdict == _COMMON

    def _lift_guard(
        self, run: Run, hits: dict[int, list[tuple[int, int]]], guarded: dict[int, set[str]]
    ) -> None:
        for atom_id, tokens in guarded.items():
            for other in self._program.context.get(atom_id, ()):
                spec = self._program.atoms[other]
                if other in hits if not spec.candidate_only and spec.seeds else run.lazy(other):
                    hits.setdefault(atom_id, [])
                    run.tokens.setdefault(atom_id, set()).update(tokens)
                    break

    def _evaluate_lazy(self, spec: AtomSpec, doc: Document, words: str) -> list[tuple[int, int]]:
        kind = spec.kind
        if kind in ("wild", "fuzzy"):  # no usable seed: check word by word
            out = []
            for index, token in enumerate(words.split()):
                if kind == "wild":
                    ok = glob_match(spec.pattern, token)
                else:
                    ok = _fuzzy_verdict(spec, token) != _REJECT
                if ok:
                    out.append((index, index))
            return out
        if kind == "raw":
            return _sequence_spans(doc.raw_words.split(), spec.words)
        if kind == "hashtag":
            return _set_match(spec.pattern, doc.hashtags)
        if kind == "handle":
            return _set_match(spec.pattern, doc.handles)
        return [(0, 0)] if field_matches(spec.field, spec.pattern, doc.field_values(spec.field)) else []


def _combined_text(mention: Mention) -> str:
    return f"{mention.title}\n{mention.text}" if mention.title else mention.text


def _metadata_words(mention: Mention) -> str:
    """The word string of a mention's ``hashtags`` and ``mentioned_handles`` fields."""
    return words_string(fold(" ".join((*mention.hashtags, *mention.mentioned_handles))))


class _ChunkWords(dict[bytes, str]):
    """One matcher's chunk cache: folded words, marked when one may trigger a query (_DIRTY).

    A chunk is dirty when one of its words starts a whole-word trigger seed (an exact word or
    phrase, a hashtag or handle) or satisfies a wildcard or fuzzy atom that triggers a query,
    before the ordinary-word guard (which depends on the post's language, so the full path
    applies it). Clean chunks also go to the matcher's ``_clean_chunks`` set. A chunk with a
    word that satisfies any wildcard or fuzzy atom is wrapped in _TOKENS, so the full path
    confirms those words only.
    """

    def __init__(self, matcher: MatcherSet) -> None:
        super().__init__()
        self._matcher = matcher
        self._clean = matcher._clean_chunks
        self._words = matcher._program.trigger_words
        self._tokens = matcher._program.token_triggers
        self._any_tokens = matcher._program.token_automaton is not None

    def __missing__(self, chunk: bytes) -> str:
        value = _CHUNK_FOLDS[chunk] if len(chunk) <= CHUNK_CACHE_LONGEST else fold_chunk(chunk)
        words = value.split()
        found: list[tuple[tuple[int, bool], ...]] = []
        if self._any_tokens and words:
            found = list(map(self._matcher._cached_token_atoms, words))
        dirty = not self._words.isdisjoint(words)
        if any(found):  # rare: most words satisfy no wildcard or fuzzy atom
            value = f"{_TOKENS}{value}{_TOKENS}"
            triggers = self._tokens
            dirty = dirty or any(atom_id in triggers for atoms in found for atom_id, _ in atoms)
        if dirty:
            value += _DIRTY
        if len(chunk) <= CHUNK_CACHE_LONGEST:
            if len(self) >= _CHUNK_MEMO_MAX:
                self.clear()
                self._clean.clear()
            if not dirty:
                self._clean.add(chunk)
            self[chunk] = value
        return value


def _unmark(marked: str) -> tuple[str, list[str]]:
    """The word string and the words of the token-marked chunks of a ``_certain_miss`` result.

    A chunk's value is its folded words; wrapped in _TOKENS when one of them satisfies a
    wildcard or fuzzy atom, followed by _DIRTY when one may trigger a query.
    """
    words = " " + marked.replace(_DIRTY, "").replace(_TOKENS, "") + " "
    return words, " ".join(marked.split(_TOKENS)[1::2]).replace(_DIRTY, "").split()


def _fuzzy_verdict(spec: AtomSpec, token: str) -> int:
    """_ACCEPT, _REJECT, or _GUARDED: within the distance but the guard must look at it."""
    word = spec.pattern
    if token == word:
        return _ACCEPT
    edits = spec.fuzzy or AUTO_MAX_EDITS
    if abs(len(token) - len(word)) > edits:
        return _REJECT
    if OSA.distance(token, word, score_cutoff=edits) > edits:
        return _REJECT
    if not spec.fuzzy and typo_distance(token, word) > typo_budget(word):
        return _REJECT
    return _GUARDED if spec.guard is not None else _ACCEPT


def _sequence_spans(tokens: list[str], words: tuple[str, ...]) -> list[tuple[int, int]]:
    size = len(words)
    if not size:
        return []
    return [(i, i + size - 1) for i in range(len(tokens) - size + 1) if tuple(tokens[i : i + size]) == words]


def _set_match(pattern: str, values: frozenset[str]) -> list[tuple[int, int]]:
    if "*" in pattern or "?" in pattern:
        return [(0, 0)] if any(glob_match(pattern, v) for v in values) else []
    return [(0, 0)] if pattern in values else []


def field_matches(name: str, value: str, candidates: Sequence[str]) -> bool:
    """Whether a field filter ``name:value`` (folded) matches any folded candidate value."""
    wild = "*" in value or "?" in value
    for candidate in candidates:
        if name == "site":
            host = value.split("/", 1)[0]
            if wild:
                if glob_match(host, candidate):
                    return True
            elif candidate == host or candidate.endswith("." + host):
                return True
        elif name == "url":
            if (wild and glob_match(value, candidate)) or (not wild and value in candidate):
                return True
        elif name == "lang":
            if (
                (wild and glob_match(value, candidate))
                or candidate == value
                or candidate.startswith(value + "-")
            ):
                return True
        elif (wild and glob_match(value, candidate)) or candidate == value:
            return True
    return False

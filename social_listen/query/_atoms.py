"""Atoms as the matcher sees them: the key that deduplicates them and their scan patterns.

Every text atom becomes one or more patterns in the word string (see ``_document``): an exact
word or phrase is ``" w1 w2 "``; a wildcard word is its most selective literal piece, anchored
at a word edge when possible; a fuzzy word ``w~k`` is split into k+1 pieces separated by one
skipped character, the first anchored at the word start and the last at the word end. One of
them survives any k edits (insert, delete, substitute, swap adjacent letters), so scanning
for the pieces finds every candidate word and an edit-distance check confirms it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from social_listen.query._ast import Atom, Field, Handle, Hashtag, Phrase, Raw, Term
from social_listen.query._normalize import _INVISIBLE_DELETE, WORD_RE, fold
from social_listen.query._typo import AUTO_MAX_EDITS

__all__ = ["AtomSpec", "GuardSpec", "Seed", "atom_spec", "fuzzy_seeds", "wildcard_seed"]

_WILD_WORD_RE = re.compile(r"[\w*?]+")


@dataclass(frozen=True)
class GuardSpec:
    """How fuzzy matches of one query are guarded against ordinary words."""

    languages: tuple[str, ...]
    min_zipf: float
    rarer_by: float
    context: tuple[tuple[object, ...], ...] = ()


@dataclass(frozen=True)
class Seed:
    """One pattern in the scan: ``text`` anchored at a word ``start``/``end`` or not at all."""

    text: str
    anchor: str  # "exact", "candidate", "start", "end", "inside"


@dataclass(frozen=True)
class AtomSpec:
    """A deduplicated atom: what it matches and how the scan finds it.

    ``kind`` is one of ``exact`` (words in sequence), ``wild`` (a glob over one word),
    ``fuzzy`` (edit distance over one word), ``raw`` (case-sensitive words), ``hashtag``,
    ``handle`` and ``field``. The derived properties are cached: the matcher asks for them
    on every post that has a hit.
    """

    key: tuple[object, ...]
    kind: str
    words: tuple[str, ...] = ()
    pattern: str = ""
    fuzzy: int = 0
    field: str = ""
    guard: GuardSpec | None = None

    @cached_property
    def positional(self) -> bool:
        """True when the atom has word positions (usable in NEAR)."""
        return self.kind in ("exact", "wild", "fuzzy", "raw")

    @cached_property
    def by_token(self) -> bool:
        """True for atoms confirmed word by word (wildcards and fuzzy words with seeds)."""
        return self.kind in ("wild", "fuzzy") and bool(self.seeds)

    @cached_property
    def candidate_only(self) -> bool:
        """True when a seed hit only makes the atom possible (hashtags, handles)."""
        return self.kind in ("hashtag", "handle") and bool(self.seeds)

    @cached_property
    def seeds(self) -> tuple[Seed, ...]:
        """Patterns for the multi-pattern scan; empty when the atom needs a word-by-word scan."""
        if self.kind == "exact":
            return (Seed(" " + " ".join(self.words) + " ", "exact"),)
        if self.kind in ("hashtag", "handle"):
            # "#acme" leaves the word "acme" in the word string; "#acme*" leaves "acme...".
            if "*" in self.pattern or "?" in self.pattern:
                seed = wildcard_seed(self.pattern)
                return (Seed(seed.text, "candidate"),) if seed is not None else ()
            return (Seed(" " + " ".join(WORD_RE.findall(self.pattern)) + " ", "candidate"),)
        if self.kind == "wild":
            seed = wildcard_seed(self.pattern)
            return (seed,) if seed is not None else ()
        if self.kind == "fuzzy":
            return fuzzy_seeds(self.pattern, self.fuzzy or AUTO_MAX_EDITS)
        return ()


def wildcard_seed(pattern: str) -> Seed | None:
    """The most selective literal piece of a one-word glob, or None when it has none."""
    chunks = pattern.replace("?", "*").split("*")
    options: list[tuple[int, Seed]] = []
    if chunks[0]:
        options.append((len(chunks[0]) + 1, Seed(" " + chunks[0], "start")))
    if chunks[-1]:
        options.append((len(chunks[-1]) + 1, Seed(chunks[-1] + " ", "end")))
    for chunk in chunks[1:-1]:
        if chunk:
            options.append((len(chunk), Seed(chunk, "inside")))
    if not options:
        return None
    return max(options, key=lambda o: o[0])[1]


def fuzzy_seeds(word: str, k: int) -> tuple[Seed, ...]:
    """k+1 pieces of ``word`` with one skipped character between them (see module docs)."""
    usable = len(word) - k
    if usable < k + 1:
        return ()
    size, extra = divmod(usable, k + 1)
    seeds: list[Seed] = []
    position = 0
    for index in range(k + 1):
        length = size + (1 if index < extra else 0)
        piece = word[position : position + length]
        position += length + 1
        if index == 0:
            seeds.append(Seed(" " + piece, "start"))
        elif index == k:
            seeds.append(Seed(piece + " ", "end"))
        else:
            seeds.append(Seed(piece, "inside"))
    return tuple(seeds)


def _raw_words(value: str) -> tuple[str, ...]:
    return tuple(WORD_RE.findall(unicodedata.normalize("NFC", value.translate(_INVISIBLE_DELETE))))


def atom_spec(atom: Atom, guard: GuardSpec | None) -> AtomSpec:
    """Build the matcher's view of an AST atom."""
    if isinstance(atom, Term):
        if atom.is_wildcard:
            word = "".join(_WILD_WORD_RE.findall(fold(atom.value)))
            if word.replace("?", "").replace("*", "") == "" and "?" not in word:
                word = "*"
            return AtomSpec(key=("wild", word), kind="wild", pattern=word)
        words = tuple(WORD_RE.findall(fold(atom.value)))
        if atom.fuzzy is not None:
            key: tuple[object, ...] = ("fuzzy", words[0], atom.fuzzy, guard)
            return AtomSpec(
                key=key, kind="fuzzy", words=words, pattern=words[0], fuzzy=atom.fuzzy, guard=guard
            )
        return AtomSpec(key=("exact", words), kind="exact", words=words)
    if isinstance(atom, Phrase):
        words = tuple(WORD_RE.findall(fold(atom.value)))
        return AtomSpec(key=("exact", words), kind="exact", words=words)
    if isinstance(atom, Raw):
        words = _raw_words(atom.value)
        return AtomSpec(key=("raw", words), kind="raw", words=words)
    if isinstance(atom, Hashtag):
        value = fold(atom.value)
        return AtomSpec(key=("hashtag", value), kind="hashtag", pattern=value)
    if isinstance(atom, Handle):
        value = fold(atom.value)
        return AtomSpec(key=("handle", value), kind="handle", pattern=value)
    assert isinstance(atom, Field)
    value = fold(atom.value.strip())
    if atom.name == "author":
        value = value.lstrip("@")
    return AtomSpec(key=("field", atom.name, value), kind="field", pattern=value, field=atom.name)

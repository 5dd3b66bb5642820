"""Compile many queries into one program: shared atoms, one automaton, one evaluator each.

Atoms are deduplicated across queries and every scan pattern goes into one Aho-Corasick
automaton. Each query also gets its trigger set: atoms of which at least one must be found
for the query to be true. A post whose scan finds nothing triggers nothing, so only the few
queries whose atoms occur are evaluated (plus the rare queries that can be true without any
text atom, such as ``NOT spam`` or a bare field filter).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import ahocorasick

from social_listen.query._ast import And, Atom, Near, Node, Not, Or, iter_atoms
from social_listen.query._atoms import AtomSpec, GuardSpec, atom_spec

__all__ = ["CompiledQuery", "Evaluator", "Program", "compile_program"]

Evaluator = Callable[["RunLike"], bool]


class RunLike:
    """What an evaluator needs from a run (implemented by ``_matcher.Run``)."""

    hits: dict[int, list[tuple[int, int]]]

    def lazy(self, atom_id: int) -> bool:  # pragma: no cover - interface
        """Whether a non-scanned atom matches."""
        raise NotImplementedError

    def positions(self, atom_ids: Sequence[int]) -> list[tuple[int, int]]:  # pragma: no cover
        """Word-index spans of the atoms' matches."""
        raise NotImplementedError


@dataclass(frozen=True)
class CompiledQuery:
    """One query inside a program."""

    name: str
    evaluate: Evaluator
    triggers: frozenset[int] | None
    positive_atoms: tuple[int, ...]


@dataclass
class Program:
    """Atoms, the automaton over their seeds, and the compiled queries."""

    atoms: list[AtomSpec]
    automaton: ahocorasick.Automaton | None
    token_automaton: ahocorasick.Automaton | None
    queries: list[CompiledQuery]
    by_atom: dict[int, tuple[int, ...]]
    always: tuple[int, ...]
    context: dict[int, tuple[int, ...]]
    ids: dict[tuple[object, ...], int]
    trigger_automaton: ahocorasick.Automaton | None = None
    """The automaton over the seeds of trigger atoms only: a post it finds nothing in (and
    whose words satisfy no trigger in ``token_triggers``) matches no query. Atoms that only
    refine a query (NOT terms, the right side of NEAR) are left out, so a common word such as
    "love" in ``acme NEAR/3 love`` does not send every post down the full path."""
    token_triggers: frozenset[int] = frozenset()
    """Word-by-word atoms (wildcard, fuzzy) that trigger some query."""
    trigger_words: frozenset[str] = frozenset()
    """The first word of every trigger seed that is whole words (``" acme phone "``): a post
    without any of them has no hit in ``trigger_automaton``, when ``triggers_by_word``."""
    triggers_by_word: bool = True
    """False when some trigger seed is part of a word (a hashtag wildcard such as ``#acme*``),
    so ``trigger_words`` alone cannot rule a post out."""


class _Compiler:
    def __init__(self) -> None:
        self.atoms: list[AtomSpec] = []
        self.ids: dict[tuple[object, ...], int] = {}

    def atom_id(self, atom: Atom, guard: GuardSpec | None) -> int:
        spec = atom_spec(atom, guard)
        found = self.ids.get(spec.key)
        if found is not None:
            return found
        self.ids[spec.key] = len(self.atoms)
        self.atoms.append(spec)
        return len(self.atoms) - 1

    def compile(self, node: Node, guard: GuardSpec | None) -> tuple[Evaluator, frozenset[int] | None, bool]:
        """Evaluator, trigger set, and whether the node is a cheap scan-only check."""
        if isinstance(node, Not):
            inner, _, _ = self.compile(node.child, guard)
            return (lambda run: not inner(run)), None, False
        if isinstance(node, And | Or):
            parts = [self.compile(child, guard) for child in node.children]
            parts.sort(key=lambda p: not p[2])  # scan-only checks first: they cost a dict lookup
            funcs = tuple(p[0] for p in parts)
            if isinstance(node, And):
                sets = [p[1] for p in parts if p[1] is not None]
                trig = min(sets, key=len) if sets else None

                def all_of(run: RunLike) -> bool:
                    for func in funcs:  # noqa: SIM110 - a plain loop is faster than all(genexpr)
                        if not func(run):
                            return False
                    return True

                return all_of, trig, all(p[2] for p in parts)
            union: frozenset[int] | None = frozenset()
            for p in parts:
                union = None if union is None or p[1] is None else union | p[1]

            def any_of(run: RunLike) -> bool:
                for func in funcs:  # noqa: SIM110 - a plain loop is faster than any(genexpr)
                    if func(run):
                        return True
                return False

            return any_of, union, all(p[2] for p in parts)
        if isinstance(node, Near):
            left = tuple(self.atom_id(a, guard) for a in iter_atoms(node.left))
            right = tuple(self.atom_id(a, guard) for a in iter_atoms(node.right))
            distance, ordered = node.distance, node.ordered
            left_trig = self.triggers_of(left)

            def near(run: RunLike) -> bool:
                spans = run.positions(left)
                if not spans:
                    return False
                others = run.positions(right)
                return bool(others) and near_spans(spans, others, distance, ordered=ordered)

            return near, left_trig, False
        atom_id = self.atom_id(node, guard)
        spec = self.atoms[atom_id]
        if spec.candidate_only:
            return (lambda run: run.lazy(atom_id)), frozenset({atom_id}), False
        if spec.seeds:
            return (lambda run: atom_id in run.hits), frozenset({atom_id}), True
        return (lambda run: run.lazy(atom_id)), None, False

    def triggers_of(self, ids: tuple[int, ...]) -> frozenset[int] | None:
        if all(self.atoms[i].seeds for i in ids):
            return frozenset(ids)
        return None


def near_spans(
    left: list[tuple[int, int]], right: list[tuple[int, int]], distance: int, *, ordered: bool
) -> bool:
    """True when some left span and right span have at most ``distance`` words between them.

    Spans are inclusive word-index pairs; overlapping spans are not "near" each other.
    ``ordered`` requires the left span to come first.
    """
    from bisect import bisect_left, bisect_right

    by_start = sorted(right)
    starts = [s for s, _ in by_start]
    for _start, end in left:
        index = bisect_left(starts, end + 1)
        if index < len(starts) and starts[index] <= end + 1 + distance:
            return True
    if ordered:
        return False
    ends = sorted(e for _, e in right)
    for start, _ in left:
        index = bisect_right(ends, start - 1) - 1
        if index >= 0 and ends[index] >= start - 1 - distance:
            return True
    return False


def compile_program(entries: Sequence[tuple[str, Node, GuardSpec | None]]) -> Program:
    """Compile named query trees into one :class:`Program`."""
    compiler = _Compiler()
    queries: list[CompiledQuery] = []
    context: dict[int, tuple[int, ...]] = {}
    for name, root, guard in entries:
        evaluate, triggers, _ = compiler.compile(root, guard)
        positive = tuple(dict.fromkeys(compiler.atom_id(a, guard) for a in _positive_atoms(root)))
        queries.append(CompiledQuery(name, evaluate, triggers, positive))
    # Context atoms lift the ordinary-word guard of the fuzzy atoms that name them.
    for atom_id, spec in enumerate(list(compiler.atoms)):
        if spec.kind == "fuzzy" and spec.guard is not None and spec.guard.context:
            context[atom_id] = tuple(_context_ids(compiler, spec.guard))
    by_atom: dict[int, list[int]] = {}
    always: list[int] = []
    for index, query in enumerate(queries):
        if query.triggers is None:
            always.append(index)
            continue
        for atom_id in query.triggers:
            by_atom.setdefault(atom_id, []).append(index)
    automaton = _build_automaton(compiler.atoms, by_token=False)
    first_words = {
        _first_word(seed.text)
        for atom_id in by_atom
        if not compiler.atoms[atom_id].by_token
        for seed in compiler.atoms[atom_id].seeds
    }
    if all(i in by_atom for i, spec in enumerate(compiler.atoms) if spec.seeds and not spec.by_token):
        trigger_automaton = automaton
    else:
        trigger_automaton = _build_automaton(compiler.atoms, by_token=False, only=by_atom.keys())
    return Program(
        atoms=compiler.atoms,
        automaton=automaton,
        token_automaton=_build_automaton(compiler.atoms, by_token=True),
        queries=queries,
        by_atom={k: tuple(v) for k, v in by_atom.items()},
        always=tuple(always),
        context=context,
        ids=compiler.ids,
        trigger_automaton=trigger_automaton,
        token_triggers=frozenset(i for i in by_atom if compiler.atoms[i].by_token),
        trigger_words=frozenset(first for first in first_words if first),
        triggers_by_word="" not in first_words,
    )


def _context_ids(compiler: _Compiler, guard: GuardSpec) -> list[int]:
    ids = []
    for key in guard.context:
        found = compiler.ids.get(key)
        if found is not None:
            ids.append(found)
    return ids


def _positive_atoms(node: Node) -> list[Atom]:
    if isinstance(node, Not):
        return []
    if isinstance(node, And | Or):
        return [a for child in node.children for a in _positive_atoms(child)]
    if isinstance(node, Near):
        return [*iter_atoms(node.left), *iter_atoms(node.right)]
    return [node]


def _first_word(seed: str) -> str:
    """The first word of a whole-words seed (``" acme phone "`` gives ``acme``), else ``""``."""
    inner = seed[1:-1]
    if len(seed) < 3 or seed[0] != " " or seed[-1] != " " or not all(inner.split(" ")):
        return ""
    return inner.split(" ", 1)[0]


def _build_automaton(
    atoms: list[AtomSpec], *, by_token: bool, only: Collection[int] | None = None
) -> ahocorasick.Automaton | None:
    """The automaton over the post (exact and candidate seeds) or over single words.

    ``only`` keeps the seeds of those atoms only.
    """
    table: dict[str, list[tuple[int, str, int]]] = {}
    for atom_id, spec in enumerate(atoms):
        if spec.by_token is not by_token or (only is not None and atom_id not in only):
            continue
        for seed in spec.seeds:
            table.setdefault(seed.text, []).append((atom_id, seed.anchor, len(seed.text)))
    if not table:
        return None
    automaton = ahocorasick.Automaton()
    for text, entries in table.items():
        automaton.add_word(text, tuple(entries))
    automaton.make_automaton()
    return automaton

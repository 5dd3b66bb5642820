"""Explain a match: which atoms were found where, and why the whole query is true or false.

``explain()`` runs the same compiled matcher as ``matches()`` and then walks the query tree,
reporting each atom's spans in the original title/text and each operator's verdict, so a user
can see that ``acme NEAR/2 broken`` failed because the words were four apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from social_listen.core import Mention
from social_listen.query._ast import And, Near, Node, Not, Or
from social_listen.query._atoms import atom_spec
from social_listen.query._document import Document
from social_listen.query._matcher import MatchSpan, Run
from social_listen.query._program import near_spans
from social_listen.query._query import ParsedQuery, parse
from social_listen.query._unparse import unparse

__all__ = ["AtomExplanation", "Explanation", "explain"]


@dataclass(frozen=True)
class AtomExplanation:
    """One atom of the query and where it was found.

    Attributes:
        atom: The atom as query text (``acme~1``, ``author:jane``).
        kind: ``exact``, ``wild``, ``fuzzy``, ``raw``, ``hashtag``, ``handle`` or ``field``.
        found: Whether the atom occurs in the item.
        spans: Where (for word atoms), in the original title or text.
        negated: True when the atom sits under a NOT (finding it counts against the match).
    """

    atom: str
    kind: str
    found: bool
    spans: tuple[MatchSpan, ...] = ()
    negated: bool = False


@dataclass(frozen=True)
class Explanation:
    """Why a query matched an item or not.

    Attributes:
        query: The query in canonical text.
        matched: The verdict (always equal to ``parsed.matches(item)``).
        atoms: Each atom, in query order, with its spans.
        lines: The query tree, one node per line, each with its verdict and reason.
    """

    query: str
    matched: bool
    atoms: tuple[AtomExplanation, ...]
    lines: tuple[str, ...]

    def __str__(self) -> str:
        head = f"{'MATCH' if self.matched else 'NO MATCH'}: {self.query}"
        return "\n".join((head, *self.lines))


class _Walker:
    def __init__(self, parsed: ParsedQuery, item: Mention | str) -> None:
        self.matcher = parsed.matcher()
        self.program = self.matcher._program
        self.guard = parsed.guard
        doc = Document(item, max_chars=parsed.limits.max_text_chars)
        self.run = Run(self.matcher, doc, doc.words)
        self.lines: list[str] = []
        self.atoms: list[AtomExplanation] = []

    def atom_id(self, node: Node) -> int:
        return self.program.ids[atom_spec(node, self.guard).key]  # type: ignore[arg-type]

    def spans(self, atom_id: int) -> tuple[MatchSpan, ...]:
        spec = self.program.atoms[atom_id]
        if not spec.positional:
            return ()
        out = []
        words = self.run.doc.word_list
        for first, last in self.run.positions([atom_id]):
            field, start, end = self.run.doc.original_span_words(first, last)
            out.append(MatchSpan(field, start, end, " ".join(words[first : last + 1]), spec.kind))
        return tuple(sorted(set(out), key=lambda s: (s.field != "title", s.start)))

    def walk(self, node: Node, depth: int, *, negated: bool) -> bool:
        pad = "  " * depth
        if isinstance(node, Not):
            inner_line = len(self.lines)
            self.lines.append("")
            inner = self.walk(node.child, depth + 1, negated=not negated)
            verdict = not inner
            why = "the excluded part is absent" if verdict else "the excluded part is present"
            self.lines[inner_line] = f"{pad}{_mark(verdict)} NOT: {why}"
            return verdict
        if isinstance(node, And | Or):
            at = len(self.lines)
            self.lines.append("")
            results = [self.walk(c, depth + 1, negated=negated) for c in node.children]
            if isinstance(node, And):
                verdict = all(results)
                why = (
                    "every part holds" if verdict else f"{results.count(False)} of {len(results)} parts fail"
                )
            else:
                verdict = any(results)
                why = (
                    f"{results.count(True)} of {len(results)} alternatives hold"
                    if verdict
                    else "no alternative holds"
                )
            self.lines[at] = f"{pad}{_mark(verdict)} {'AND' if isinstance(node, And) else 'OR'}: {why}"
            return verdict
        if isinstance(node, Near):
            at = len(self.lines)
            self.lines.append("")
            self.walk(node.left, depth + 1, negated=negated)
            self.walk(node.right, depth + 1, negated=negated)
            left = self.run.positions([self.atom_id(a) for a in _atoms(node.left)])
            right = self.run.positions([self.atom_id(a) for a in _atoms(node.right)])
            verdict = bool(left and right) and near_spans(left, right, node.distance, ordered=node.ordered)
            op = f"{'ONEAR' if node.ordered else 'NEAR'}/{node.distance}"
            if verdict:
                why = f"within {node.distance} words" + (" and in order" if node.ordered else "")
            elif not (left and right):
                why = "one side is missing"
            else:
                gap = min(max(b[0] - a[1], a[0] - b[1]) - 1 for a in left for b in right)
                why = f"closest pair is {gap} words apart" if gap >= 0 else "the sides overlap"
                if node.ordered and gap <= node.distance:
                    why = "the right side comes first"
            self.lines[at] = f"{pad}{_mark(verdict)} {op}: {why}"
            return verdict
        atom_id = self.atom_id(node)
        found = self.run.present(atom_id)
        spans = self.spans(atom_id)
        self.atoms.append(
            AtomExplanation(unparse(node), self.program.atoms[atom_id].kind, found, spans, negated)
        )
        where = ", ".join(f"{s.field}[{s.start}:{s.end}] {s.matched!r}" for s in spans)
        detail = f"found at {where}" if where else ("found" if found else "not found")
        self.lines.append(f"{pad}{_mark(found)} {unparse(node)}: {detail}")
        return found


def _atoms(node: Node) -> list[Node]:
    return list(node.children) if isinstance(node, Or) else [node]


def _mark(verdict: bool) -> str:
    return "[x]" if verdict else "[ ]"


def explain(query: str | ParsedQuery, item: Mention | str) -> Explanation:
    """Explain why ``query`` matches ``item`` or not.

    Args:
        query: Query text or a parsed query (a compiled brand profile works too).
        item: A mention or plain text.

    Returns:
        The verdict, each atom's spans, and the tree with a reason per node.

    Examples:
        >>> result = explain("acme NEAR/1 broken -refund", "My Acme phone is broken")
        >>> result.matched
        False
        >>> print(result)
        NO MATCH: acme NEAR/1 broken AND NOT refund
        [ ] AND: 1 of 2 parts fail
          [ ] NEAR/1: closest pair is 2 words apart
            [x] acme: found at text[3:7] 'acme'
            [x] broken: found at text[17:23] 'broken'
          [x] NOT: the excluded part is absent
            [ ] refund: not found
    """
    parsed = parse(query) if isinstance(query, str) else query
    walker = _Walker(parsed, item)
    matched = walker.walk(parsed.root, 0, negated=False)
    return Explanation(unparse(parsed.root), matched, tuple(walker.atoms), tuple(walker.lines))

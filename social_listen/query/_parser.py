"""The query parser: tokens to an AST, with the documented precedence.

Precedence, tightest first: ``NOT``/``-``, then ``NEAR/n``/``ONEAR/n``, then ``AND`` (also
implied between two operands), then ``OR``. Parentheses group. The parser is a recursive
descent bounded by the depth limit, so hostile input fails with :class:`QueryTooComplex`
long before Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from social_listen.core import DEFAULT_LIMITS, Limits, QuerySyntaxError, QueryTooComplex
from social_listen.query._ast import And, Near, Node, Not, Or, Phrase, Raw, Term, iter_atoms
from social_listen.query._lexer import Token, tokenize

__all__ = ["HARD_MAX_DEPTH", "parse_tree"]

HARD_MAX_DEPTH = 100
"""Depth never exceeded whatever the limits say: deeper trees would exhaust Python's stack."""

_OPERAND_START = frozenset({"ATOM", "LIST", "LP", "NOT", "MINUS"})


class _Parser:
    def __init__(
        self, text: str, tokens: list[Token], limits: Limits, lists: Mapping[str, Sequence[str]]
    ) -> None:
        self.limits = limits
        self.lists = lists
        max_depth = limits.max_query_depth
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.max_depth = min(max_depth, HARD_MAX_DEPTH)

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def error(self, message: str, pos: int, hint: str | None = None) -> QuerySyntaxError:
        return QuerySyntaxError(message, text=self.text, position=pos, hint=hint)

    def enter(self, depth: int) -> int:
        if depth + 1 > self.max_depth:
            raise QueryTooComplex(f"the query is nested deeper than {self.max_depth} levels")
        return depth + 1

    def parse(self) -> Node:
        if self.current.kind == "EOF":
            raise self.error("the query is empty", 0, hint="write at least one word to search for")
        node = self.parse_or(0)
        token = self.current
        if token.kind == "RP":
            raise self.error("unbalanced ')': no '(' opens it", token.pos)
        if token.kind != "EOF":  # pragma: no cover - every other token starts or joins an operand
            raise self.error("unexpected token", token.pos)
        return node

    def parse_or(self, depth: int) -> Node:
        first = self.parse_and(depth)
        children = [first]
        while self.current.kind == "OR":
            self.index += 1
            children.append(self.parse_and(depth))
        return first if len(children) == 1 else Or(tuple(children), pos=_pos(first))

    def parse_and(self, depth: int) -> Node:
        first = self.parse_near(depth)
        children = [first]
        while True:
            kind = self.current.kind
            if kind == "AND":
                self.index += 1
            elif kind not in _OPERAND_START:
                break
            children.append(self.parse_near(depth))
        return first if len(children) == 1 else And(tuple(children), pos=_pos(first))

    def parse_near(self, depth: int) -> Node:
        left = self.parse_unary(depth)
        while self.current.kind == "NEAR":
            token = self.current
            self.index += 1
            right = self.parse_unary(depth)
            self.check_positional(left, token)
            self.check_positional(right, token)
            left = Near(left, right, token.distance, token.ordered, pos=token.pos)
        return left

    def check_positional(self, node: Node, token: Token) -> None:
        op = "ONEAR" if token.ordered else "NEAR"
        if isinstance(node, Term | Phrase | Raw):
            return
        if isinstance(node, Or) and all(isinstance(c, Term | Phrase | Raw) for c in node.children):
            return
        raise self.error(
            f"{op} joins words, phrases or an OR group of them",
            _pos(node),
            hint=f"write (a OR b) {op}/{token.distance} c; filters and NOT cannot be near something",
        )

    def parse_unary(self, depth: int) -> Node:
        token = self.current
        if token.kind in ("NOT", "MINUS"):
            self.index += 1
            if self.current.kind not in _OPERAND_START:
                raise self.error(
                    f"{'NOT' if token.kind == 'NOT' else '-'} needs something to exclude after it",
                    self.current.pos,
                )
            return Not(self.parse_unary(self.enter(depth)), pos=token.pos)
        return self.parse_primary(depth)

    def parse_primary(self, depth: int) -> Node:
        token = self.current
        if token.kind == "ATOM":
            self.index += 1
            assert token.atom is not None
            return token.atom
        if token.kind == "LIST":
            self.index += 1
            return self.expand_list(token)
        if token.kind == "LP":
            self.index += 1
            if self.current.kind == "RP":
                raise self.error("empty parentheses", token.pos)
            node = self.parse_or(self.enter(depth))
            closing: Token = self.tokens[self.index]
            if closing.kind != "RP":
                raise self.error("unclosed '('", token.pos, hint="add the missing ')'")
            self.index += 1
            return node
        if token.kind == "EOF":
            raise self.error("the query ends where an operand was expected", token.pos)
        if token.kind == "RP":
            raise self.error("unbalanced ')' where an operand was expected", token.pos)
        name = "NEAR" if token.kind == "NEAR" else token.kind
        raise self.error(f"{name} needs an operand on its left", token.pos)

    def expand_list(self, token: Token) -> Node:
        items = self.lists.get(token.name)
        if items is None:
            known = ", ".join(f"${n}" for n in sorted(self.lists)) or "none"
            raise self.error(
                f"unknown list ${token.name}",
                token.pos,
                hint=f"pass lists={{...}} to parse(); known: {known}",
            )
        if isinstance(items, str) or not items:
            raise self.error(f"the list ${token.name} must be a non-empty list of queries", token.pos)
        nodes: list[Node] = []
        for item in items:
            try:
                nodes.append(parse_tree(item, limits=self.limits))
            except QuerySyntaxError as exc:
                raise self.error(
                    f"in list ${token.name}, item {item!r}: {exc.message} at position {exc.position}",
                    token.pos,
                ) from exc
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes), pos=token.pos)


def _pos(node: Node) -> int:
    return node.pos


def parse_tree(
    text: str, *, limits: Limits = DEFAULT_LIMITS, lists: Mapping[str, Sequence[str]] | None = None
) -> Node:
    """Parse query text into its AST root (see :func:`social_listen.query.parse`)."""
    tokens = tokenize(text, limits=limits)
    root = _Parser(text, tokens, limits, lists or {}).parse()
    if any(t.kind == "LIST" for t in tokens):
        count = sum(1 for _ in iter_atoms(root))
        if count > limits.max_query_terms:
            raise QueryTooComplex(f"with its lists expanded the query has {count} terms, over the limit")
    return root

"""AST back to canonical query text: ``parse(unparse(ast)) == ast``.

The canonical form spells every operator in upper case (``NOT`` rather than ``-``, explicit
``AND``), quotes phrases with backslash escapes and adds parentheses only where the
precedence needs them, so the text reads like what a person would write.
"""

from __future__ import annotations

from typing import Any

from social_listen.query._ast import And, Field, Handle, Hashtag, Near, Node, Not, Or, Phrase, Raw, Term

__all__ = ["quote", "unparse"]


def quote(value: str) -> str:
    r"""Double-quote ``value`` with backslash escapes for ``"`` and ``\\``.

    Examples:
        >>> quote('say "hi"')
        '"say \\"hi\\""'
    """
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unparse(ast: Any) -> str:
    """Turn a parsed query (or any AST node) back into query text.

    Args:
        ast: A :class:`~social_listen.query.ParsedQuery` or an AST node.

    Returns:
        Canonical query text that parses back to an equal AST.

    Examples:
        >>> from social_listen.query import parse
        >>> unparse(parse('acme  -jobs (phone OR "smart  watch")'))
        'acme AND NOT jobs AND (phone OR "smart  watch")'
    """
    node = getattr(ast, "root", ast)
    return _unparse(node)


def _unparse(node: Node) -> str:
    if isinstance(node, Term):
        if node.fuzzy is None:
            return node.value
        return f"{node.value}~{node.fuzzy or ''}"
    if isinstance(node, Phrase):
        return quote(node.value)
    if isinstance(node, Raw):
        return "raw:" + (quote(node.value) if node.quoted else node.value)
    if isinstance(node, Hashtag):
        return "#" + node.value
    if isinstance(node, Handle):
        return "@" + node.value
    if isinstance(node, Field):
        return f"{node.name}:" + (quote(node.value) if node.quoted else node.value)
    if isinstance(node, Not):
        child = node.child
        inner = _unparse(child)
        if isinstance(child, And | Or | Near):
            inner = f"({inner})"
        return f"NOT {inner}"
    if isinstance(node, And):
        parts = [f"({_unparse(c)})" if isinstance(c, And | Or) else _unparse(c) for c in node.children]
        return " AND ".join(parts)
    if isinstance(node, Or):
        return " OR ".join(f"({_unparse(c)})" if isinstance(c, Or) else _unparse(c) for c in node.children)
    op = f"{'O' if node.ordered else ''}NEAR/{node.distance}"
    left = _unparse(node.left)
    if isinstance(node.left, Or):
        left = f"({left})"
    right = _unparse(node.right)
    if isinstance(node.right, Or | Near):
        right = f"({right})"
    return f"{left} {op} {right}"

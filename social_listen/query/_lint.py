"""Lint a query: warnings with positions for what is legal but probably not meant.

``lint()`` never raises: a syntax error becomes a warning with its position. The checks are
the mistakes people make when writing monitoring queries by hand: a leading wildcard (slow
on platforms and usually too broad), a clause that is always true (``x OR NOT y``, a bare
``*``), a contradiction (``x AND NOT x``), lower-case operator words searched as words, a
NEAR distance over the default limit, fuzzy matching on short words, duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass

from social_listen.core import DEFAULT_LIMITS, Limits, QueryError, QuerySyntaxError
from social_listen.query._ast import And, Near, Node, Not, Or, Term, iter_nodes
from social_listen.query._parser import parse_tree

__all__ = ["LintWarning", "lint"]

_PERMISSIVE = Limits(max_near_distance=1_000_000)


@dataclass(frozen=True)
class LintWarning:
    """One finding.

    Attributes:
        code: A stable short name (``leading-wildcard``, ``always-true``...).
        message: What is wrong, in one sentence.
        position: 0-based offset in the query text.
        hint: What to write instead.
    """

    code: str
    message: str
    position: int
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.position}: {self.code}: {self.message}" + (f" ({self.hint})" if self.hint else "")


def lint(text: str, *, limits: Limits = DEFAULT_LIMITS) -> list[LintWarning]:
    """Warnings for query ``text``, sorted by position; empty when nothing looks wrong.

    Args:
        text: The query.
        limits: The limits the query will be parsed under (for the NEAR distance check).

    Examples:
        >>> [w.code for w in lint("*corp OR acme OR NOT jobs")]
        ['leading-wildcard', 'always-true']
        >>> [(w.code, w.position) for w in lint("acme NEAR/80 broken")]
        [('near-too-far', 5)]
        >>> lint('acme AND "unclosed')[0].code
        'syntax'
    """
    permissive = limits.model_copy(update={"max_near_distance": _PERMISSIVE.max_near_distance})
    try:
        root = parse_tree(text, limits=permissive)
    except QuerySyntaxError as exc:
        return [LintWarning("syntax", exc.message, exc.position, exc.hint)]
    except QueryError as exc:
        return [LintWarning("too-complex", exc.message, 0, exc.hint)]
    out: list[LintWarning] = []
    if isinstance(root, Not):
        out.append(
            LintWarning(
                "always-true",
                "the query is only an exclusion, so it matches almost every post",
                root.pos,
                "add what the posts must contain",
            )
        )
    for node in iter_nodes(root):
        out.extend(_check(node, text, limits))
    return sorted(set(out), key=lambda w: (w.position, w.code))


def _check(node: Node, text: str, limits: Limits) -> list[LintWarning]:
    out: list[LintWarning] = []
    if isinstance(node, Term):
        value = node.value
        if value.strip("*?") == "":
            out.append(LintWarning("always-true", f"{value!r} matches any word", node.pos, "remove it"))
        elif value[0] in "*?":
            out.append(
                LintWarning(
                    "leading-wildcard",
                    f"{value!r} starts with a wildcard: slow and usually broader than meant",
                    node.pos,
                    "spell out the prefixes, or use a phrase",
                )
            )
        if value in ("and", "or", "not") or value.lower() in ("near", "onear"):
            out.append(
                LintWarning(
                    "lowercase-operator",
                    f"{value!r} is searched as a word, not used as an operator",
                    node.pos,
                    f"write {value.upper()} for the operator",
                )
            )
        if node.fuzzy and len(value) < 4:
            out.append(
                LintWarning(
                    "short-fuzzy",
                    f"{value}~{node.fuzzy} on a {len(value)}-letter word matches many unrelated words",
                    node.pos,
                    "use fuzzy matching on words of 5 letters or more",
                )
            )
    elif isinstance(node, Near) and node.distance > limits.max_near_distance:
        out.append(
            LintWarning(
                "near-too-far",
                f"NEAR/{node.distance} is over the limit of {limits.max_near_distance}; parse() refuses it",
                node.pos,
                "at that distance, AND says the same",
            )
        )
    elif isinstance(node, Or | And):
        seen: dict[Node, Node] = {}
        for child in node.children:
            if child in seen:
                out.append(LintWarning("duplicate", "this clause appears twice in the group", child.pos))
            seen[child] = child
        for child in node.children:
            if isinstance(child, Not):
                if isinstance(node, Or):
                    out.append(
                        LintWarning(
                            "always-true",
                            "an OR with NOT matches every post without the excluded words",
                            child.pos,
                            "did you mean AND NOT?",
                        )
                    )
                elif child.child in seen:
                    out.append(
                        LintWarning(
                            "always-false", "the group requires and excludes the same thing", child.pos
                        )
                    )
    return out

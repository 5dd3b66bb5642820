"""Test a query like code: precision, recall and the misclassified examples.

``evaluate_query()`` runs a query (text, parsed query, brand profile) over labelled examples
and returns the confusion counts with the texts it got wrong; ``assert_query()`` turns that
into one assertion for a test suite, with a message that lists what to fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from social_listen.core import Mention
from social_listen.query._brands import BrandProfile
from social_listen.query._query import ParsedQuery, parse

__all__ = ["QueryEvaluation", "assert_query", "evaluate_query"]

Example = tuple[Mention | str, bool]


@dataclass(frozen=True)
class QueryEvaluation:
    """How a query did on labelled examples.

    Attributes:
        true_positives: Relevant examples that matched.
        false_positives: Irrelevant examples that matched (the noise).
        false_negatives: Relevant examples that did not match (the misses).
        true_negatives: Irrelevant examples that did not match.
        wrongly_matched: The false positives' texts.
        missed: The false negatives' texts.
    """

    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    wrongly_matched: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()

    @property
    def precision(self) -> float:
        """Share of matches that are relevant (1.0 when nothing matched)."""
        matched = self.true_positives + self.false_positives
        return self.true_positives / matched if matched else 1.0

    @property
    def recall(self) -> float:
        """Share of relevant examples that matched (1.0 when none is relevant)."""
        relevant = self.true_positives + self.false_negatives
        return self.true_positives / relevant if relevant else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __str__(self) -> str:
        lines = [
            f"precision {self.precision:.3f}, recall {self.recall:.3f} "
            f"(tp {self.true_positives}, fp {self.false_positives}, fn {self.false_negatives}, "
            f"tn {self.true_negatives})"
        ]
        lines += [f"  matched but should not: {t!r}" for t in self.wrongly_matched]
        lines += [f"  missed: {t!r}" for t in self.missed]
        return "\n".join(lines)


def _as_parsed(query: str | ParsedQuery | BrandProfile) -> ParsedQuery:
    if isinstance(query, BrandProfile):
        return query.compile()
    if isinstance(query, ParsedQuery):
        return query
    return parse(query)


def _text(item: Mention | str) -> str:
    if isinstance(item, str):
        return item
    return f"{item.title}\n{item.text}" if item.title else item.text


def evaluate_query(query: str | ParsedQuery | BrandProfile, examples: Iterable[Example]) -> QueryEvaluation:
    """Run ``query`` over ``(item, relevant)`` pairs and count what it got right and wrong.

    Examples:
        >>> result = evaluate_query("acme -jobs", [("acme rocks", True), ("acme jobs", True),
        ...                                        ("road runner", False)])
        >>> result.precision, result.recall, result.missed
        (1.0, 0.5, ('acme jobs',))
    """
    parsed = _as_parsed(query)
    tp = fp = fn = tn = 0
    wrong: list[str] = []
    missed: list[str] = []
    for item, relevant in examples:
        matched = parsed.matches(item)
        if matched and relevant:
            tp += 1
        elif matched:
            fp += 1
            wrong.append(_text(item))
        elif relevant:
            fn += 1
            missed.append(_text(item))
        else:
            tn += 1
    return QueryEvaluation(tp, fp, fn, tn, tuple(wrong), tuple(missed))


def assert_query(
    query: str | ParsedQuery | BrandProfile,
    *,
    matches: Iterable[Mention | str] = (),
    rejects: Iterable[Mention | str] = (),
    min_precision: float = 1.0,
    min_recall: float = 1.0,
) -> QueryEvaluation:
    """Assert that ``query`` matches ``matches`` and rejects ``rejects`` well enough.

    Raises:
        AssertionError: Precision or recall below the minimum, with the misclassified texts.

    Examples:
        >>> assert_query("acme -jobs", matches=["I love Acme"], rejects=["Acme jobs"]).f1
        1.0
    """
    examples = [(item, True) for item in matches] + [(item, False) for item in rejects]
    result = evaluate_query(query, examples)
    if result.precision < min_precision or result.recall < min_recall:
        name = query.name if isinstance(query, BrandProfile) else str(_as_parsed(query))
        raise AssertionError(
            f"query {name!r} is below precision {min_precision} / recall {min_recall}:\n{result}"
        )
    return result

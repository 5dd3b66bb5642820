"""``social-listen query``: check, explain and test queries before they go live.

``check`` parses a query (a syntax error shows the caret line and exits 2) and lints it;
``explain`` shows why a query matches a post or not, atom by atom; ``test`` measures
precision and recall on a labelled TSV file (``1<TAB>text`` relevant, ``0<TAB>text`` not)
and lists the lines it got wrong, so a query can be tested like code in CI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from social_listen.cli._app import AppContext, emit
from social_listen.core import QueryError, QuerySyntaxError
from social_listen.query import ParsedQuery, evaluate_query, explain, lint, parse

__all__ = ["COMMANDS"]


def _parse_or_exit(text: str) -> ParsedQuery:
    """Parse ``text``; a bad query is bad input: the message with its caret line, exit 2."""
    try:
        return parse(text)
    except QuerySyntaxError as exc:
        click.echo(f"social-listen: query syntax error: {exc.message} at position {exc.position}", err=True)
        click.echo(exc.caret_line, err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        raise click.exceptions.Exit(2) from None
    except QueryError as exc:
        click.echo(f"social-listen: query error: {exc}", err=True)
        raise click.exceptions.Exit(2) from None


@click.group(name="query")
def query_group() -> None:
    """Check, explain and test queries in the query language."""


@query_group.command()
@click.argument("text")
@click.option("--strict", is_flag=True, help="Exit 1 when the linter has warnings.")
@click.pass_obj
def check(app: AppContext, text: str, strict: bool) -> None:
    r"""Parse and lint a query; print its canonical form and any warnings.

    Exit 0 when it parses (1 with --strict and warnings), 2 on a syntax error.

    \b
    Example:
      social-listen query check '(acme OR "acme corp") NEAR/3 (broken OR refund) -#ad'
    """
    parsed = _parse_or_exit(text)
    warnings = lint(text)
    data = {
        "query": str(parsed),
        "warnings": [
            {"code": w.code, "message": w.message, "position": w.position, "hint": w.hint} for w in warnings
        ],
    }
    lines = [f"ok: {parsed}"]
    for warning in warnings:
        lines.append(f"warning: {warning}")
        lines.append("  " + text)
        lines.append("  " + " " * warning.position + "^")
    emit(app, data, text="\n".join(lines))
    if strict and warnings:
        raise click.exceptions.Exit(1)


@query_group.command(name="explain")
@click.argument("text")
@click.argument("post")
@click.pass_obj
def explain_(app: AppContext, text: str, post: str) -> None:
    r"""Explain why the query TEXT matches POST or not, node by node.

    \b
    Example:
      social-listen query explain 'acme NEAR/1 broken' 'My Acme phone is broken'
    """
    result = explain(_parse_or_exit(text), post)
    data = {
        "query": result.query,
        "matched": result.matched,
        "atoms": [
            {
                "atom": a.atom,
                "kind": a.kind,
                "found": a.found,
                "negated": a.negated,
                "spans": [
                    {"field": s.field, "start": s.start, "end": s.end, "matched": s.matched} for s in a.spans
                ],
            }
            for a in result.atoms
        ],
        "lines": list(result.lines),
    }
    emit(app, data, text=str(result))


def _read_examples(path: Path) -> list[tuple[int, str, bool]]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        label, tab, post = line.partition("\t")
        if not tab or label.strip() not in ("0", "1"):
            raise click.BadParameter(
                f"{path}:{number}: expected 'label<TAB>text' with label 1 (relevant) or 0 (not)",
                param_hint="--examples",
            )
        examples.append((number, post, label.strip() == "1"))
    if not examples:
        raise click.BadParameter(f"{path} has no examples", param_hint="--examples")
    return examples


@query_group.command(name="test")
@click.argument("text")
@click.option(
    "--examples",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TSV file: label<TAB>text per line, label 1 relevant, 0 not; # comments.",
)
@click.option(
    "--min-precision", type=click.FloatRange(0, 1), default=0.0, help="Exit 1 below this precision."
)
@click.option("--min-recall", type=click.FloatRange(0, 1), default=0.0, help="Exit 1 below this recall.")
@click.pass_obj
def test(app: AppContext, text: str, examples: Path, min_precision: float, min_recall: float) -> None:
    r"""Measure a query's precision and recall on labelled examples; list what it got wrong.

    \b
    Example:
      social-listen query test 'acme -jobs' --examples acme.tsv --min-precision 0.9
    """
    parsed = _parse_or_exit(text)
    labelled = _read_examples(examples)
    result = evaluate_query(parsed, [(post, relevant) for _, post, relevant in labelled])
    wrong: list[dict[str, Any]] = []
    for number, post, relevant in labelled:
        if (post in result.wrongly_matched and not relevant) or (post in result.missed and relevant):
            kind = "missed" if relevant else "false match"
            wrong.append({"line": number, "kind": kind, "text": post})
    data = {
        "query": str(parsed),
        "precision": result.precision,
        "recall": result.recall,
        "f1": result.f1,
        "true_positives": result.true_positives,
        "false_positives": result.false_positives,
        "false_negatives": result.false_negatives,
        "true_negatives": result.true_negatives,
        "misclassified": wrong,
    }
    lines = [
        f"precision {result.precision:.3f}  recall {result.recall:.3f}  f1 {result.f1:.3f}  "
        f"(tp {result.true_positives}, fp {result.false_positives}, fn {result.false_negatives}, "
        f"tn {result.true_negatives})"
    ]
    lines += [f"{examples}:{w['line']}: {w['kind']}: {w['text']}" for w in wrong]
    emit(app, data, text="\n".join(lines))
    if result.precision < min_precision or result.recall < min_recall:
        raise click.exceptions.Exit(1)


COMMANDS: tuple[click.Command, ...] = (query_group,)

"""``social-listen export``: stored mentions to JSONL, CSV or Parquet, to a file or stdout.

JSONL carries the full mention (raw payload included); CSV has flat columns and is safe to
open in a spreadsheet (cells that look like formulas are neutralized; ``--bom`` for Excel);
Parquet (extra ``arrow``) hands the data to DuckDB, polars or Spark. ``-o -`` streams JSONL or
CSV to stdout, so ``social-listen export -o - | jq`` works on any store size.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from social_listen.cli._app import AppContext, emit
from social_listen.cli._common import open_app_store, parse_when, spinner
from social_listen.core import utcnow
from social_listen.store import Filter, export_csv, export_jsonl, export_parquet

__all__ = ["COMMANDS"]

_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("jsonl", "csv", "parquet")),
    help="Output format (default: from the file suffix, else jsonl).",
)
@click.option(
    "-o", "--output", required=True, metavar="PATH", help="The file to write; '-' streams to stdout."
)
@click.option("--since", metavar="WHEN", help="Mentions at or after: ISO date/time or a duration back (7d).")
@click.option("--until", metavar="WHEN", help="Mentions before this time.")
@click.option("--brand", "brands", multiple=True, help="Only this brand (repeatable).")
@click.option("--source", "sources", multiple=True, help="Only this connector (repeatable).")
@click.option("--lang", "languages", multiple=True, help="Only this language code (repeatable).")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte-order mark (for Excel).")
@click.pass_obj
def export(
    app: AppContext,
    *,
    fmt: str | None,
    output: str,
    since: str | None,
    until: str | None,
    brands: tuple[str, ...],
    sources: tuple[str, ...],
    languages: tuple[str, ...],
    bom: bool,
) -> None:
    r"""Export stored mentions as JSONL, CSV or Parquet.

    \b
    Examples:
      social-listen export --format csv --bom --brand Lunaro --since 7d -o lunaro.csv
      social-listen export --format jsonl --lang hu -o - | jq .text
    """
    now = utcnow()
    where = Filter(
        since=parse_when(since, now=now) if since else None,
        until=parse_when(until, now=now, option="--until") if until else None,
        brands=brands,
        sources=sources,
        languages=languages,
    )
    to_stdout = output == "-"
    fmt = fmt or ("jsonl" if to_stdout else _SUFFIXES.get(Path(output).suffix.lower(), "jsonl"))
    if bom and fmt != "csv":
        raise click.UsageError("--bom applies to CSV only")
    if fmt == "parquet" and to_stdout:
        raise click.UsageError("Parquet cannot stream to stdout; give a file with -o")
    store = open_app_store(app)
    try:
        if to_stdout:
            if fmt == "csv":
                count = export_csv(store, sys.stdout, where=where, bom=bom)
            else:
                count = export_jsonl(store, sys.stdout, where=where)
            sys.stdout.flush()
            if not app.quiet:
                click.echo(f"exported {count} mentions", err=True)
            return
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        with spinner(app, f"exporting to {path}"):
            if fmt == "csv":
                count = export_csv(store, path, where=where, bom=bom)
            elif fmt == "parquet":
                count = export_parquet(store, path, where=where)
            else:
                count = export_jsonl(store, path, where=where)
    finally:
        store.close()
    emit(
        app,
        {"written": str(path), "format": fmt, "mentions": count},
        text=f"wrote {count} mentions to {path} ({fmt})",
    )


COMMANDS: tuple[click.Command, ...] = (export,)

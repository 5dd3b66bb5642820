"""``social-listen report``: the listening report of a brand for a period, as HTML, Markdown or JSON.

A brand configured in ``[[brands]]`` brings its competitors (share of voice); any other name
is reported on its own. The report is computed in the store (SQL aggregates), so it works on
large stores.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from social_listen.cli._app import AppContext, emit
from social_listen.cli._common import open_app_store, parse_when, spinner
from social_listen.config import build_brand_profiles
from social_listen.core import utcnow
from social_listen.store import FREQUENCIES

__all__ = ["COMMANDS"]

_SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".json": "json"}


@click.command()
@click.option("--brand", required=True, help="The brand (a configured one brings its competitors).")
@click.option(
    "--since",
    metavar="WHEN",
    default="7d",
    show_default=True,
    help="Period start: ISO date/time or duration back.",
)
@click.option("--until", metavar="WHEN", help="Period end (exclusive; default now).")
@click.option(
    "--freq",
    default="day",
    show_default=True,
    help="Volume chart buckets: minute, hour, day, week, month, or a multiple such as 6hour.",
)
@click.option("--tz", help="IANA time zone of the buckets (default: the configuration's timezone).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("html", "md", "json")),
    help="Output format (default: from the file suffix, else html).",
)
@click.option(
    "-o", "--output", required=True, metavar="PATH", help="Where to write the report ('-' for stdout)."
)
@click.pass_obj
def report(
    app: AppContext,
    *,
    brand: str,
    since: str,
    until: str | None,
    freq: str,
    tz: str | None,
    fmt: str | None,
    output: str,
) -> None:
    r"""Write the listening report of a brand: volume, sentiment, share of voice, themes, spikes.

    \b
    Example:
      social-listen report --brand Lunaro --since 2026-11-01 --until 2026-11-08 -o week.html
    """
    now = utcnow()
    end = parse_when(until, now=now, option="--until") if until else now
    start = parse_when(since, now=end, option="--since")
    if start >= end:
        raise click.BadParameter(
            f"the period is empty ({start:%Y-%m-%d %H:%M} >= {end:%Y-%m-%d %H:%M})", param_hint="--since"
        )
    if not re.fullmatch(r"[1-9]?\d*(" + "|".join(FREQUENCIES) + ")", freq):
        raise click.BadParameter(
            f"unknown frequency {freq!r}: use {', '.join(FREQUENCIES)}, or a multiple such as 6hour",
            param_hint="--freq",
        )
    zone = tz or app.settings.timezone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {zone!r}", param_hint="--tz") from None
    fmt = fmt or _SUFFIXES.get(Path(output).suffix.lower(), "html")
    profiles = {p.name.casefold(): p for p in build_brand_profiles(app.settings)}
    subject: Any = profiles.get(brand.casefold(), brand)

    from social_listen.listener import build_report

    store = open_app_store(app)
    try:
        with spinner(app, f"building the {brand} report"):
            result = build_report(store, subject, since=start, until=end, now=now, freq=freq, tz=zone)
            text = {"html": result.to_html, "md": result.to_markdown, "json": result.to_json}[fmt]()
    finally:
        store.close()
    if output == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    count = result.summary().get("count", {}).get("current", 0)
    emit(
        app,
        {
            "written": str(path),
            "format": fmt,
            "brand": brand,
            "since": start.isoformat(),
            "until": end.isoformat(),
            "mentions": count,
        },
        text=(
            f"wrote {path} ({fmt}, {count} mentions of {brand} "
            f"from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC)"
        ),
    )


COMMANDS: tuple[click.Command, ...] = (report,)

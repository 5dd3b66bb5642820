"""Helpers the command modules share: times from the command line, tables, progress, the client.

Tables and spinners use ``rich`` when a person is at a terminal; scripts (pipes, ``--json``,
``--quiet``) get plain aligned text and no progress. :func:`make_client` is the one place a
command builds its HTTP client, so tests can hand the commands an in-process fake platform.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click

from social_listen.cli._app import AppContext
from social_listen.config import build_store, parse_interval
from social_listen.core import Client, utcnow
from social_listen.store._base import SQLStoreBase

__all__ = [
    "format_duration",
    "format_time",
    "live_status",
    "make_client",
    "open_app_store",
    "parse_when",
    "preview",
    "print_table",
    "spinner",
]

_DURATION = re.compile(r"^\s*\d+(\.\d+)?\s*[a-zA-Z]+\s*$")


def make_client() -> Client:
    """The HTTP client the collecting commands use (replaced in tests by a fake platform's)."""
    return Client()


def parse_when(value: str, *, now: datetime | None = None, option: str = "--since") -> datetime:
    """Parse a point in time: an ISO date or date-time, or a duration back from now (``7d``).

    Naive values are taken as UTC.

    Raises:
        click.BadParameter: Neither a date nor a duration (exit 2).

    Examples:
        >>> parse_when("2026-11-01").isoformat()
        '2026-11-01T00:00:00+00:00'
        >>> now = datetime(2026, 11, 8, tzinfo=UTC)
        >>> parse_when("7d", now=now).isoformat()
        '2026-11-01T00:00:00+00:00'
    """
    text = value.strip()
    if _DURATION.match(text):
        try:
            return (now or utcnow()) - parse_interval(text.replace(" ", ""))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint=option) from None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise click.BadParameter(
                f"{value!r} is neither an ISO date/time (2026-11-01, 2026-11-01T08:00+01:00) "
                "nor a duration (7d, 12h, 30m)",
                param_hint=option,
            ) from None
        parsed = datetime(day.year, day.month, day.day)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def open_app_store(app: AppContext) -> SQLStoreBase:
    """Open the configured store (``--store`` or ``store.url`` of the configuration)."""
    return build_store(app.settings)


def format_time(value: datetime | None, *, tz: str = "UTC") -> str:
    """``2026-11-25 13:07`` in the given zone; ``-`` for no time."""
    if value is None:
        return "-"
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def format_duration(value: timedelta | float | None) -> str:
    """``3d 4h``, ``2h 05m``, ``45s``; ``-`` for nothing."""
    if value is None:
        return "-"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(int(seconds), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m" + (f" {secs:02d}s" if secs else "")
    return f"{sign}{secs}s"


def preview(text: str, *, width: int = 60) -> str:
    """One line of at most ``width`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None) -> None:
    """A rich table at a terminal, plain aligned columns otherwise (pipes, files, tests)."""
    cells = [[str(cell) for cell in row] for row in rows]
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        console = Console()
        longest = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]
        fixed = sum(longest[:-1]) + 3 * len(headers) + 1
        # Every column but the last (the text) keeps its full width (ids are typed back into
        # 'inbox set'); the text gets what is left, with an ellipsis.
        text_width = max(20, console.width - fixed)
        table = Table(title=title)
        for index, header in enumerate(headers):
            if index == len(headers) - 1:
                table.add_column(header, no_wrap=True, overflow="ellipsis", max_width=text_width)
            else:
                table.add_column(header, no_wrap=True, min_width=longest[index])
        for row in cells:
            table.add_row(*row)
        Console(width=max(console.width, fixed + text_width)).print(table)
        return
    if title:
        click.echo(title)
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


@contextmanager
def spinner(app: AppContext, message: str) -> Iterator[None]:
    """A spinner on stderr while long work runs, only for a person at a terminal."""
    if not app.show_progress:
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


@contextmanager
def live_status(app: AppContext, message: str) -> Iterator[Callable[[str], None]]:
    """Like :func:`spinner`, yielding a function that replaces the spinner's text."""
    if not app.show_progress:
        yield lambda text: None
        return
    from rich.console import Console

    with Console(stderr=True).status(message) as status:
        yield status.update

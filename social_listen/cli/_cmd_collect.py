"""``social-listen collect`` (one pass, or a ``--since`` backfill) and ``watch`` (the monitor loop).

Both build the configured pipeline with :func:`~social_listen.config.build_monitor`: every
source is collected through the real client, enriched, stored page by page with its checkpoint,
and the alert rules fire to the configured sinks. ``collect`` resumes from each source's stored
checkpoint unless ``--no-resume`` asks it to start over from ``--since`` (the store absorbs the
duplicates). ``watch`` polls each source on its interval until Ctrl-C or SIGTERM, finishing
the cycle in progress.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any, cast

import click

from social_listen.cli import _common
from social_listen.cli._app import AppContext, emit
from social_listen.cli._common import format_duration, format_time, live_status, parse_when, print_table
from social_listen.config import build_monitor
from social_listen.core import Page, SourceState, utcnow

if TYPE_CHECKING:
    from social_listen.monitor import CycleReport, Monitor
    from social_listen.store._base import SQLStoreBase

__all__ = ["COMMANDS"]


class _StoreView:
    """The monitor's store as ``collect`` needs it: checkpoints that start over, live counts.

    With ``start_over`` a source's checkpoint reads as empty the first time the monitor loads
    it (at the start of its poll), so the client begins at the query's ``since``; the new
    checkpoint is still written to the real store. ``on_page`` hears of every committed page
    (source key, mentions in it). Everything else goes to the real store untouched.
    """

    def __init__(
        self, store: SQLStoreBase, *, start_over: bool, on_page: Callable[[str, int], None] | None = None
    ) -> None:
        self._store = store
        self._start_over = start_over
        self._on_page = on_page
        self._fresh: set[str] = set()

    def load_state(self, source_key: str) -> SourceState | None:
        if self._start_over and source_key not in self._fresh:
            self._fresh.add(source_key)
            return None
        return self._store.load_state(source_key)

    def commit_page(self, page: Page, state: SourceState, *, source_key: str, **options: Any) -> None:
        self._store.commit_page(page, state, source_key=source_key, **options)
        if self._on_page is not None:
            self._on_page(source_key, len(page.mentions))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _cycle_summary(
    monitor: Monitor, cycle: CycleReport, *, tz: str, pages: dict[str, list[int]]
) -> dict[str, Any]:
    """What a cycle did, per source: pages and mentions committed, newest mention, lag, error."""
    now = utcnow()
    sources = []
    for health in monitor.health():
        if health.key not in cycle.polled:
            continue
        lag = health.lag(now)
        sources.append(
            {
                "source": health.key,
                "pages": pages.get(health.key, [0, 0])[0],
                "mentions": pages.get(health.key, [0, 0])[1],
                "newest": health.newest_mention.isoformat() if health.newest_mention else None,
                "lag_s": lag.total_seconds() if lag is not None else None,
                "error": cycle.errors.get(health.key),
                "parked_until": health.parked_until.isoformat() if health.parked_until else None,
            }
        )
    return {
        "started_at": cycle.started_at.isoformat(),
        "polled": list(cycle.polled),
        "mentions": cycle.mentions,
        "alerts": len(cycle.alerts),
        "delivered": cycle.delivery.sent,
        "delivery_failed": cycle.delivery.failed,
        "errors": dict(cycle.errors),
        "sources": sources,
        "timezone": tz,
    }


def _count_page(pages: dict[str, list[int]], key: str, mentions: int) -> list[int]:
    counts = pages.setdefault(key, [0, 0])
    counts[0] += 1
    counts[1] += mentions
    return counts


def _print_cycle(summary: dict[str, Any]) -> None:
    rows = []
    for item in summary["sources"]:
        lag = None if item["lag_s"] is None else timedelta(seconds=item["lag_s"])
        newest = datetime.fromisoformat(item["newest"]) if item["newest"] else None
        status = f"FAILED: {item['error']}" if item["error"] else "ok"
        rows.append(
            (
                item["source"],
                item["mentions"],
                format_time(newest, tz=summary["timezone"]),
                format_duration(lag),
                status,
            )
        )
    if rows:
        print_table(("source", "mentions", "newest", "lag", "status"), rows)
    click.echo(
        f"{summary['mentions']} mentions from {len(summary['polled'])} sources; "
        f"{summary['alerts']} alerts fired, {summary['delivered']} delivered"
        + (f", {summary['delivery_failed']} failed delivery" if summary["delivery_failed"] else "")
    )


def _build(app: AppContext, *, since: datetime | None) -> Monitor:
    settings = app.settings
    if not settings.sources:
        raise click.UsageError(
            "the configuration has no [[sources]]: nothing to collect (see 'social-listen init')"
        )
    return build_monitor(settings, client=_common.make_client(), since=since)


@click.command()
@click.option(
    "--since",
    metavar="WHEN",
    help="Backfill start for sources without a checkpoint: an ISO date/time or a duration back (7d, 12h).",
)
@click.option(
    "--resume/--no-resume",
    default=True,
    show_default=True,
    help="Continue from each source's stored checkpoint, or start over from --since.",
)
@click.pass_obj
def collect(app: AppContext, since: str | None, resume: bool) -> None:
    r"""Collect once from every configured source, enrich, store and alert.

    Exit 0 when every source succeeded, 1 when one failed (the others are still collected
    and stored), 2 for a bad configuration or option.

    \b
    Example:
      social-listen --config social-listen.toml collect --since 7d
    """
    start = parse_when(since) if since else None
    if not resume and start is None:
        raise click.UsageError("--no-resume starts over from --since: give --since too")
    monitor = _build(app, since=start)
    real_store = monitor.store
    pages: dict[str, list[int]] = {}
    try:
        with live_status(app, f"collecting from {len(monitor.sources)} sources") as status:

            def _on_page(key: str, mentions: int) -> None:
                counts = _count_page(pages, key, mentions)
                status(f"{key}: {counts[0]} pages, {counts[1]} mentions")

            view = _StoreView(real_store, start_over=not resume, on_page=_on_page)
            monitor.store = cast("SQLStoreBase", view)
            cycle = monitor.run_once(force=True)
        summary = _cycle_summary(monitor, cycle, tz=app.settings.timezone, pages=pages)
    finally:
        monitor.client.close()
        real_store.close()
    if app.as_json:
        emit(app, summary)
    elif not app.quiet or cycle.errors:
        _print_cycle(summary)
    for key, error in cycle.errors.items():
        click.echo(f"social-listen: source {key} failed: {error}", err=True)
    if cycle.errors:
        raise click.exceptions.Exit(1)


def watch_loop(
    monitor: Monitor,
    *,
    stop: threading.Event,
    on_cycle: Callable[[CycleReport], None],
    cycles: int | None = None,
) -> int:
    """Run monitor cycles until ``stop`` is set or ``cycles`` ran; returns how many ran.

    Between cycles it waits until the earliest source is due (in steps of at most a second, so
    a stop request is honoured quickly); a stop during a cycle lets the cycle finish.
    """
    done = 0
    while not stop.is_set():
        cycle = monitor.run_once()
        done += 1
        on_cycle(cycle)
        if cycles is not None and done >= cycles:
            break
        intervals = [s.interval for s in monitor.sources] or [timedelta(minutes=1)]
        wait = min(intervals).total_seconds()
        while wait > 0 and not stop.is_set():
            step = min(wait, 1.0)
            stop.wait(step)
            wait -= step
    return done


@click.command()
@click.option(
    "--cycles", type=click.IntRange(min=1), help="Stop after this many cycles (default: run until stopped)."
)
@click.pass_obj
def watch(app: AppContext, cycles: int | None) -> None:
    r"""Run the monitor: poll every source on its interval, store, alert, deliver.

    Ctrl-C or SIGTERM stops it after the cycle in progress (exit 0). A failing source is
    parked with back-off and reported; the others go on.

    \b
    Example:
      social-listen --config social-listen.toml watch
    """
    monitor = _build(app, since=None)
    real_store = monitor.store
    pages: dict[str, list[int]] = {}

    def _on_page(key: str, mentions: int) -> None:
        _count_page(pages, key, mentions)

    monitor.store = cast("SQLStoreBase", _StoreView(real_store, start_over=False, on_page=_on_page))
    stop = threading.Event()
    previous: dict[int, Any] = {}

    def _stop(signum: int, frame: FrameType | None) -> None:
        if not app.quiet and not app.as_json:
            click.echo("stopping after this cycle…", err=True)
        stop.set()

    def _report(cycle: CycleReport) -> None:
        summary = _cycle_summary(monitor, cycle, tz=app.settings.timezone, pages=pages)
        pages.clear()
        if app.as_json:
            click.echo(json.dumps(summary, default=str, ensure_ascii=False))
        elif not app.quiet:
            click.echo(f"cycle at {format_time(cycle.started_at, tz=app.settings.timezone)}")
            _print_cycle(summary)
        for key, error in cycle.errors.items():
            click.echo(f"social-listen: source {key} failed: {error}", err=True)

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, _stop)
    try:
        ran = watch_loop(monitor, stop=stop, on_cycle=_report, cycles=cycles)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        monitor.client.close()
        real_store.close()
    if not app.quiet and not app.as_json:
        click.echo(f"stopped after {ran} cycles", err=True)


COMMANDS: tuple[click.Command, ...] = (collect, watch)

"""``social-listen sources``: the installed connectors and the configured sources' checkpoints.

Without a configuration it lists every registered connector (built in and from plugins).
With one, it also lists each configured source with its stored checkpoint: the watermark
(everything before it was collected), the lag behind now, and whether a run is in progress
(a stored cursor the next run resumes from).
"""

from __future__ import annotations

from typing import Any

import click

from social_listen.cli._app import AppContext, emit
from social_listen.cli._common import format_duration, format_time, open_app_store, print_table
from social_listen.core import available_connectors, utcnow

__all__ = ["COMMANDS"]


@click.command()
@click.pass_obj
def sources(app: AppContext) -> None:
    r"""List the connectors, and the configured sources with their checkpoint and lag.

    \b
    Example:
      social-listen --config social-listen.toml sources
    """
    connectors = available_connectors()
    data: dict[str, Any] = {"connectors": connectors}
    configured = app.settings.sources if app.config_path is not None else ()
    rows = []
    if configured:
        now = utcnow()
        store = open_app_store(app)
        try:
            states = store.states()
        finally:
            store.close()
        items = []
        for config in configured:
            key = f"{config.label}:{config.connector}"
            state = states.get(key)
            watermark = state.watermark if state else None
            item = {
                "name": config.label,
                "connector": config.connector,
                "installed": config.connector in connectors,
                "interval_s": config.interval.total_seconds(),
                "checkpoint": key,
                "watermark": watermark.isoformat() if watermark else None,
                "lag_s": (now - watermark).total_seconds() if watermark else None,
                "in_progress": bool(state and state.in_run),
                "cursor": state.cursor if state else None,
                "pending_watermark": state.pending_watermark.isoformat()
                if state and state.pending_watermark
                else None,
            }
            items.append(item)
            rows.append(
                (
                    config.label,
                    config.connector + ("" if item["installed"] else " (not installed)"),
                    format_duration(config.interval),
                    format_time(watermark, tz=app.settings.timezone) if state else "never collected",
                    format_duration(now - watermark) if watermark else "-",
                    f"resumes at cursor {state.cursor}" if state and state.in_run else "-",
                )
            )
        data["sources"] = items
    if app.as_json:
        emit(app, data)
        return
    click.echo(f"connectors: {', '.join(connectors)}")
    if configured:
        print_table(("source", "connector", "every", "watermark", "lag", "in progress"), rows)
    elif app.config_path is None:
        click.echo("pass --config FILE to see the configured sources and their checkpoints")


COMMANDS: tuple[click.Command, ...] = (sources,)

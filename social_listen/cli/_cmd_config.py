"""``social-listen config check``: validate and show the effective configuration."""

from __future__ import annotations

import click

from social_listen.cli._app import AppContext, emit

__all__ = ["COMMANDS"]


@click.group(name="config")
def config_group() -> None:
    """Inspect the configuration (file < SOCIAL_LISTEN_* variables < arguments)."""


@config_group.command(name="check")
@click.pass_obj
def check(app: AppContext) -> None:
    """Validate the configuration and print what it resolves to (exit 2 when invalid)."""
    settings = app.settings
    brands = [brand.name for brand in settings.brands]
    rules = [rule.name for rule in settings.alerts.rules]
    summary = {
        "store": settings.store.url,
        "timezone": settings.timezone,
        "brands": brands,
        "sources": [
            {"name": s.label, "connector": s.connector, "interval_s": s.interval.total_seconds()}
            for s in settings.sources
        ],
        "rules": rules,
        "sinks": [sink.name for sink in settings.alerts.sinks],
    }
    lines = [
        f"store:    {summary['store']}",
        f"timezone: {summary['timezone']}",
        f"brands:   {', '.join(brands) or '(none)'}",
        f"sources:  {', '.join(f'{s.label} every {s.interval}' for s in settings.sources) or '(none)'}",
        f"rules:    {', '.join(rules) or '(none)'}",
    ]
    emit(app, summary, text="\n".join(lines))


COMMANDS: tuple[click.Command, ...] = (config_group,)

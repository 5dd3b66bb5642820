"""Registers the commands that live in their own modules on the click group."""

from __future__ import annotations

import click

from social_listen.cli import (
    _cmd_collect,
    _cmd_config,
    _cmd_demo,
    _cmd_export,
    _cmd_inbox,
    _cmd_query,
    _cmd_report,
    _cmd_sources,
)

__all__ = ["register"]

_MODULES = (
    _cmd_collect,
    _cmd_inbox,
    _cmd_report,
    _cmd_export,
    _cmd_query,
    _cmd_sources,
    _cmd_demo,
    _cmd_config,
)


def register(group: click.Group) -> None:
    """Add every command module's commands to ``group`` (idempotent)."""
    for module in _MODULES:
        for command in module.COMMANDS:
            if command.name not in group.commands:
                group.add_command(command)

"""The click application: the command group, shared options, exit codes and output helpers.

Exit codes: 0 success, 1 a run failed (a source error, a store error), 2 bad usage or a bad
configuration. ``--json`` prints machine-readable output; ``--quiet`` turns progress off
(progress is also off when stderr is not a terminal).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from social_listen._version import __version__
from social_listen.cli._starter import STARTER_CONFIG
from social_listen.config import Settings, load_settings
from social_listen.core import ConfigError, SocialListenError

__all__ = ["AppContext", "cli", "emit", "run"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class AppContext:
    """What every command receives: settings (loaded on first use) and output preferences."""

    config_path: Path | None
    overrides: dict[str, Any] = field(default_factory=dict)
    as_json: bool = False
    quiet: bool = False
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        """The settings: file < environment < arguments."""
        if self._settings is None:
            self._settings = load_settings(self.config_path, overrides=self.overrides)
        return self._settings

    @property
    def show_progress(self) -> bool:
        """Progress bars only for a person at a terminal."""
        return not self.quiet and not self.as_json and sys.stderr.isatty()


def emit(ctx: AppContext, data: Any, *, text: str | None = None) -> None:
    """Print ``data`` as JSON with ``--json``, else ``text`` (or a plain rendering of ``data``)."""
    if ctx.as_json:
        click.echo(json.dumps(data, default=str, ensure_ascii=False, indent=2))
    elif text is not None:
        click.echo(text)
    else:
        click.echo(str(data))


pass_app = click.make_pass_decorator(AppContext)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="social-listen")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SOCIAL_LISTEN_CONFIG",
    help="TOML configuration file (env SOCIAL_LISTEN_CONFIG).",
)
@click.option("--store", "store_url", help="Store URL or SQLite path; overrides the configuration.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars or chatter.")
@click.pass_context
def cli(
    ctx: click.Context, config_path: Path | None, store_url: str | None, as_json: bool, quiet: bool
) -> None:
    """Social media monitoring and listening from the command line.

    Start with 'social-listen demo' (offline, no account), then 'social-listen init' to write
    a configuration for your own brands and sources.
    """
    overrides: dict[str, Any] = {}
    if store_url:
        overrides["store.url"] = store_url
    ctx.obj = AppContext(config_path=config_path, overrides=overrides, as_json=as_json, quiet=quiet)


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="social-listen.toml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@pass_app
def init(app: AppContext, path: Path, force: bool) -> None:
    """Write a commented starter configuration to PATH (default social-listen.toml)."""
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists; pass --force to overwrite it")
    path.write_text(STARTER_CONFIG, encoding="utf-8")
    emit(
        app,
        {"written": str(path)},
        text=f"wrote {path}; edit it, then run: social-listen collect --config {path}",
    )


def _register_commands() -> None:
    """Attach the commands that live in their own modules."""
    from social_listen.cli import _commands

    _commands.register(cli)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and translate errors into exit codes."""
    _register_commands()
    try:
        # Without standalone mode click returns an explicit ``Exit``'s code instead of raising it.
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name="social-listen", standalone_mode=False
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2 if isinstance(exc, click.UsageError) else exc.exit_code
    except ConfigError as exc:
        click.echo(f"social-listen: configuration error: {exc}", err=True)
        return 2
    except SocialListenError as exc:
        click.echo(f"social-listen: {exc}", err=True)
        return 1
    return result if isinstance(result, int) else 0

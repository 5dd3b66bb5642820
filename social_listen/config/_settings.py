"""The TOML configuration: brands, sources, the store, alert rules and sinks.

Precedence is arguments > ``SOCIAL_LISTEN_*`` environment variables > the file. Validation
errors are :class:`~social_listen.core.ConfigError` naming the file, the key path and the line
where the key is. Credentials are never written in the file: a source names the environment
variable that holds each secret, and the value is read as a ``SecretStr``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from social_listen.core import ConfigError

__all__ = [
    "AlertsConfig",
    "BrandConfig",
    "RuleConfig",
    "Settings",
    "SinkConfig",
    "SourceConfig",
    "StoreConfig",
    "load_settings",
    "parse_interval",
]

ENV_PREFIX = "SOCIAL_LISTEN_"
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(value: str | float | timedelta) -> timedelta:
    """Parse ``"90s"``, ``"5m"``, ``"2h"``, ``"1d"`` or a number of seconds.

    Examples:
        >>> parse_interval("5m")
        datetime.timedelta(seconds=300)
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _INTERVAL.match(value)
        if not match:
            raise ValueError(f"not an interval: {value!r} (use e.g. '30s', '5m', '2h', '1d')")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError("an interval must be positive")
    return timedelta(seconds=seconds)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreConfig(_Section):
    """Where mentions are stored: a SQLite path/URL or a PostgreSQL URL."""

    url: str = "sqlite:///social_listen.sqlite"


class BrandConfig(_Section):
    """A brand profile as written in the file (see the brands guide)."""

    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    required_context: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    own_handles: tuple[str, ...] = ()


class SourceConfig(_Section):
    """One source to collect from.

    Attributes:
        connector: A registered connector name (``hackernews``, ``mastodon``...).
        name: A label; defaults to the connector name.
        query: The query text; defaults to the query compiled from the brands.
        interval: How often the monitor polls it.
        options: Keyword options for the connector's constructor.
        credentials: Connector option name -> environment variable holding the secret.
    """

    connector: str = Field(min_length=1)
    name: str | None = None
    query: str | None = None
    interval: timedelta = timedelta(minutes=5)
    options: Mapping[str, Any] = Field(default_factory=dict)
    credentials: Mapping[str, str] = Field(default_factory=dict)

    @field_validator("interval", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> timedelta:
        return parse_interval(value)

    @property
    def label(self) -> str:
        """The source's label."""
        return self.name or self.connector

    def resolve_credentials(self, env: Mapping[str, str] | None = None) -> dict[str, SecretStr]:
        """Read each credential from its environment variable.

        Raises:
            ConfigError: A named variable is not set.
        """
        env = os.environ if env is None else env
        values: dict[str, SecretStr] = {}
        for option, variable in self.credentials.items():
            if variable not in env:
                raise ConfigError(
                    f"source {self.label!r} needs the environment variable {variable} for {option!r}",
                    source=self.label,
                    hint=f"export {variable}=... before running",
                )
            values[option] = SecretStr(env[variable])
        return values


class RuleConfig(_Section):
    """An alert rule: a kind understood by the monitor plus its parameters."""

    name: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    sinks: tuple[str, ...] = ()
    params: Mapping[str, Any] = Field(default_factory=dict)


class SinkConfig(_Section):
    """Where alerts go. Secrets (webhook URLs, passwords) are named by environment variable."""

    name: str = Field(min_length=1)
    kind: Literal["jsonl", "webhook", "slack", "teams", "smtp", "callback"]
    path: str | None = None
    url_env: str | None = None
    options: Mapping[str, Any] = Field(default_factory=dict)


class AlertsConfig(_Section):
    """Alert rules and sinks."""

    rules: tuple[RuleConfig, ...] = ()
    sinks: tuple[SinkConfig, ...] = ()


class Settings(_Section):
    """The whole configuration.

    Examples:
        >>> Settings().store.url
        'sqlite:///social_listen.sqlite'
    """

    timezone: str = "UTC"
    languages: tuple[str, ...] = ("en", "hu", "ro")
    store: StoreConfig = Field(default_factory=StoreConfig)
    brands: tuple[BrandConfig, ...] = ()
    sources: tuple[SourceConfig, ...] = ()
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)


# Scalar settings that environment variables may override: variable suffix -> key path.
_ENV_KEYS: dict[str, tuple[str, ...]] = {
    "STORE_URL": ("store", "url"),
    "TIMEZONE": ("timezone",),
    "LANGUAGES": ("languages",),
}


def load_settings(
    path: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Load settings from a TOML file, environment variables and explicit overrides.

    Args:
        path: The TOML file; ``None`` uses only defaults, environment and overrides.
        env: The environment to read ``SOCIAL_LISTEN_*`` variables from (default ``os.environ``).
        overrides: Dotted keys to values (``{"store.url": "sqlite:///x.db"}``) that win over both.

    Raises:
        ConfigError: The file is missing, is not valid TOML, or a value is invalid; the
            message names the file, the key path and the line.

    Examples:
        >>> load_settings(env={"SOCIAL_LISTEN_STORE_URL": "sqlite:///:memory:"}).store.url
        'sqlite:///:memory:'
    """
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    text = ""
    origin = "<defaults>"
    if path is not None:
        origin = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read the configuration file {origin}: {exc.strerror}", source=origin
            ) from exc
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{origin}: not valid TOML: {exc}", source=origin) from exc
    for suffix, keys in _ENV_KEYS.items():
        if ENV_PREFIX + suffix in env:
            value: Any = env[ENV_PREFIX + suffix]
            if keys == ("languages",):
                value = tuple(part.strip() for part in value.split(",") if part.strip())
            _set_path(data, keys, value)
    for dotted, value in (overrides or {}).items():
        _set_path(data, tuple(dotted.split(".")), value)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        key_path = ".".join(str(part) if not isinstance(part, int) else f"[{part}]" for part in loc)
        key_path = key_path.replace(".[", "[")
        line = _find_line(text, loc) if text else None
        where = f"line {line}: " if line else ""
        raise ConfigError(
            f"{where}{key_path}: {first['msg']}",
            source=origin,
            hint="see the configuration reference, or run 'social-listen init' for a commented starter",
        ) from None


def _set_path(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    node = data
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[keys[-1]] = value


def _find_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line of a key path in TOML text (tables, arrays of tables, plain keys)."""
    lines = text.splitlines()
    start = 0
    table: list[str] = []
    index = 0
    while index < len(loc):
        part = loc[index]
        nxt = loc[index + 1] if index + 1 < len(loc) else None
        if isinstance(nxt, int):  # an array of tables: find the nth [[a.b]] header
            table.append(str(part))
            header = re.compile(r"^\s*\[\[\s*" + re.escape(".".join(table)) + r"\s*\]\]")
            seen = -1
            for number in range(start, len(lines)):
                if header.match(lines[number]):
                    seen += 1
                    if seen == nxt:
                        start = number
                        break
            else:
                return None
            index += 2
            continue
        key = re.compile(r"^\s*" + re.escape(str(part)) + r"\s*=")
        header = re.compile(r"^\s*\[\s*" + re.escape(".".join([*table, str(part)])) + r"\s*\]")
        for number in range(start, len(lines)):
            if key.match(lines[number]) or header.match(lines[number]):
                start = number
                break
        else:
            return start + 1 if start else None
        table.append(str(part))
        index += 1
    return start + 1

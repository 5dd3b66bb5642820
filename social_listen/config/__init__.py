"""Configuration from a TOML file, ``SOCIAL_LISTEN_*`` variables and arguments."""

from __future__ import annotations

from social_listen.config._settings import (
    AlertsConfig,
    BrandConfig,
    RuleConfig,
    Settings,
    SinkConfig,
    SourceConfig,
    StoreConfig,
    load_settings,
    parse_interval,
)

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

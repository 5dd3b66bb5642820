"""Configuration from a TOML file, ``SOCIAL_LISTEN_*`` variables and arguments."""

from __future__ import annotations

from social_listen.config._build import (
    brands_query,
    build_brand_profiles,
    build_enricher,
    build_matcher,
    build_monitor,
    build_rules,
    build_sinks,
    build_sources,
    build_store,
)
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
    "brands_query",
    "build_brand_profiles",
    "build_enricher",
    "build_matcher",
    "build_monitor",
    "build_rules",
    "build_sinks",
    "build_sources",
    "build_store",
    "load_settings",
    "parse_interval",
]

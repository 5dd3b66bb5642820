"""Turn :class:`~social_listen.config.Settings` into running objects: store, brands, sources, monitor.

This is the composition root the command line uses (``collect``, ``watch``, ``demo``), and
that embedding apps can use to run the same pipeline from the same file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from social_listen.config._settings import RuleConfig, Settings, SinkConfig, SourceConfig, parse_interval
from social_listen.core import Client, ConfigError, EgressGuard, Query, SocialListenError, get_connector

if TYPE_CHECKING:
    from social_listen.monitor import Enricher
    from social_listen.monitor._alerts import AlertRule, WindowRule
    from social_listen.monitor._loop import Monitor, MonitoredSource
    from social_listen.monitor._sinks import Sink
    from social_listen.query import BrandProfile, MatcherSet
    from social_listen.store._base import SQLStoreBase

__all__ = [
    "brands_query",
    "build_brand_profiles",
    "build_enricher",
    "build_matcher",
    "build_monitor",
    "build_rules",
    "build_sinks",
    "build_sources",
    "build_store",
]


def build_store(settings: Settings) -> SQLStoreBase:
    """Open the configured store (SQLite file by default)."""
    from social_listen.store import open_store
    from social_listen.store._base import SQLStoreBase

    store = open_store(settings.store.url, languages=settings.languages)
    if not isinstance(store, SQLStoreBase):  # pragma: no cover - every built-in store is SQL
        raise ConfigError(f"store {settings.store.url!r} is not a SQL store", source="store")
    return store


def build_brand_profiles(settings: Settings) -> list[BrandProfile]:
    """The brand profiles of the configuration."""
    from social_listen.query import BrandProfile

    profiles = []
    for brand in settings.brands:
        data = brand.model_dump(exclude={"own_handles"})
        if not data["languages"]:
            data["languages"] = settings.languages
        profiles.append(BrandProfile(**data))
    return profiles


def brands_query(settings: Settings) -> str:
    """One query text matching any configured brand (``(a) OR (b)``)."""
    parts = [f"({profile.to_query()})" for profile in build_brand_profiles(settings)]
    if not parts:
        raise ConfigError("no [[brands]] and no query: nothing to look for", hint="add a [[brands]] table")
    return " OR ".join(parts)


def build_matcher(settings: Settings) -> MatcherSet | None:
    """A matcher of every brand profile (``None`` with no brands)."""
    from social_listen.query import MatcherSet

    profiles = build_brand_profiles(settings)
    return MatcherSet(profiles) if profiles else None


def build_enricher(settings: Settings) -> Enricher:
    """The enrichment pipeline with the brands' matcher and the configured languages."""
    from social_listen.monitor import Enricher

    return Enricher(brands=build_matcher(settings), languages=settings.languages)


def _connector(config: SourceConfig, env: Mapping[str, str]) -> Any:
    try:
        factory = get_connector(config.connector)
    except SocialListenError as exc:
        raise ConfigError(str(exc.message), source=config.label, hint=exc.hint) from None
    options: dict[str, Any] = dict(config.options)
    options.update(config.resolve_credentials(env))
    try:
        return factory(**options)
    except TypeError as exc:
        raise ConfigError(
            f"source {config.label!r}: the {config.connector} connector refuses these options ({exc})",
            source=config.label,
            hint="see the connector's docs page for its options",
        ) from None


def build_sources(
    settings: Settings, *, env: Mapping[str, str] | None = None, since: datetime | None = None
) -> list[MonitoredSource]:
    """The configured sources as connector instances with their queries and intervals."""
    from social_listen.monitor._loop import MonitoredSource

    env = os.environ if env is None else env
    default_text: str | None = None
    sources = []
    for config in settings.sources:
        text = config.query
        if text is None:
            default_text = default_text or brands_query(settings)
            text = default_text
        query = Query(text=text, name=config.label, since=since, languages=settings.languages)
        sources.append(
            MonitoredSource(
                _connector(config, env),
                query,
                interval=config.interval,
                key=f"{config.label}:{config.connector}",
            )
        )
    return sources


_RULE_KINDS = ("negative_influencer", "crisis", "urgency", "query", "volume_spike", "sentiment_dip")


def _rule(config: RuleConfig) -> AlertRule | WindowRule:
    from social_listen.monitor import _alerts

    params: dict[str, Any] = dict(config.params)
    for key in ("cooldown", "bucket"):
        if key in params:
            params[key] = parse_interval(params[key])
    for key in ("brands", "labels"):
        if key in params:
            params[key] = tuple(params[key])
    kinds: dict[str, Any] = {
        "negative_influencer": _alerts.NegativeInfluencer,
        "crisis": _alerts.CrisisIntent,
        "urgency": _alerts.UrgencyAbove,
        "query": _alerts.QueryMatch,
        "volume_spike": _alerts.VolumeSpike,
        "sentiment_dip": _alerts.SentimentDip,
    }
    if config.kind not in kinds:
        raise ConfigError(
            f"alert rule {config.name!r} has an unknown kind {config.kind!r}",
            source="alerts.rules",
            hint=f"use one of {', '.join(_RULE_KINDS)}",
        )
    try:
        rule: AlertRule | WindowRule = kinds[config.kind](name=config.name, **params)
    except TypeError as exc:
        raise ConfigError(f"alert rule {config.name!r}: bad params ({exc})", source="alerts.rules") from None
    return rule


def build_rules(settings: Settings) -> list[AlertRule | WindowRule]:
    """The configured alert rules."""
    return [_rule(config) for config in settings.alerts.rules]


def _secret(config: SinkConfig, key: str | None, env: Mapping[str, str]) -> SecretStr:
    if not key:
        raise ConfigError(
            f"sink {config.name!r} needs url_env (the variable holding its URL)", source="alerts.sinks"
        )
    if key not in env:
        raise ConfigError(f"sink {config.name!r} needs the environment variable {key}", source="alerts.sinks")
    return SecretStr(env[key])


def build_sinks(
    settings: Settings, *, env: Mapping[str, str] | None = None, guard: EgressGuard | None = None
) -> dict[str, Sink]:
    """The configured sinks by name (secrets read from the named environment variables)."""
    from social_listen.monitor import _sinks

    env = os.environ if env is None else env
    sinks: dict[str, Sink] = {}
    for config in settings.alerts.sinks:
        options = dict(config.options)
        if config.kind == "jsonl":
            sinks[config.name] = _sinks.JsonlSink(config.path or f"{config.name}.jsonl", name=config.name)
        elif config.kind == "webhook":
            secret = _secret(config, options.pop("secret_env", None), env)
            url = _secret(config, config.url_env, env)
            sinks[config.name] = _sinks.WebhookSink(url, secret=secret, name=config.name, guard=guard)
        elif config.kind == "slack":
            sinks[config.name] = _sinks.SlackSink(
                _secret(config, config.url_env, env), name=config.name, guard=guard
            )
        elif config.kind == "teams":
            sinks[config.name] = _sinks.TeamsSink(
                _secret(config, config.url_env, env), name=config.name, guard=guard
            )
        elif config.kind == "smtp":
            password_env = options.pop("password_env", None)
            password = _secret(config, password_env, env) if password_env else None
            sinks[config.name] = _sinks.SmtpSink(name=config.name, password=password, **options)
        else:
            raise ConfigError(
                f"sink {config.name!r}: kind {config.kind!r} cannot be configured in a file",
                source="alerts.sinks",
                hint="register callback sinks from Python: Monitor(sinks={...})",
            )
    return sinks


def _routes(settings: Settings) -> dict[str, Sequence[str]]:
    known = {sink.name for sink in settings.alerts.sinks}
    routes: dict[str, Sequence[str]] = {}
    for rule in settings.alerts.rules:
        missing = [name for name in rule.sinks if name not in known]
        if missing:
            raise ConfigError(
                f"alert rule {rule.name!r} routes to unknown sinks {missing}", source="alerts.rules"
            )
        if rule.sinks:
            routes[rule.name] = rule.sinks
    return routes


def build_monitor(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    client: Client | None = None,
    since: datetime | None = None,
    store: SQLStoreBase | None = None,
    guard: EgressGuard | None = None,
) -> Monitor:
    """The whole monitoring pipeline from a configuration.

    Args:
        settings: The configuration.
        env: Where credentials are read (default ``os.environ``).
        client: The HTTP client (default a new ``Client``).
        since: Backfill start for sources without stored state.
        store: Use this store instead of opening ``settings.store.url``.
        guard: The egress guard for webhook sinks.
    """
    from social_listen.monitor._loop import Monitor

    own = [handle for brand in settings.brands for handle in brand.own_handles]
    return Monitor(
        store if store is not None else build_store(settings),
        sources=build_sources(settings, env=env, since=since),
        enricher=build_enricher(settings),
        rules=build_rules(settings),
        sinks=build_sinks(settings, env=env, guard=guard),
        routes=_routes(settings),
        own_handles=own,
        client=client,
    )

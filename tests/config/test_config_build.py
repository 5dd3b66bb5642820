from __future__ import annotations

from pathlib import Path

import pytest

from social_listen.cli._starter import STARTER_CONFIG
from social_listen.config import (
    brands_query,
    build_monitor,
    build_rules,
    build_sinks,
    build_sources,
    load_settings,
)
from social_listen.core import ConfigError
from social_listen.monitor._alerts import NegativeInfluencer, VolumeSpike


def settings_from(tmp_path: Path, text: str = STARTER_CONFIG) -> object:
    path = tmp_path / "sl.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, env={}, overrides={"store.url": ":memory:"})


def test_starter_config_builds_a_monitor(tmp_path: Path) -> None:
    settings = settings_from(tmp_path)
    monitor = build_monitor(settings, env={})  # type: ignore[arg-type]
    assert [s.source.name for s in monitor.sources] == ["hackernews", "rss"]
    query = monitor.sources[0].query
    assert "acme" in query.text.lower()
    assert "globex" in query.text.lower()
    assert query.name == "hackernews"
    assert isinstance(monitor.engine.mention_rules[0], NegativeInfluencer)
    assert monitor.own_handles == ("acme_support",)
    assert set(monitor.sinks) == {"log"}


def test_brands_query_matches_every_brand(tmp_path: Path) -> None:
    from social_listen.query import parse

    query = parse(brands_query(settings_from(tmp_path)))  # type: ignore[arg-type]
    assert query.matches("Acme Corp shipped late")
    assert query.matches("globex is hiring")
    assert not query.matches("nothing about brands here")


def test_unknown_connector_and_bad_options_are_config_errors(tmp_path: Path) -> None:
    bad = settings_from(tmp_path, '[[brands]]\nname = "Acme"\n[[sources]]\nconnector = "myspace"\n')
    with pytest.raises(ConfigError, match="myspace"):
        build_sources(bad, env={})  # type: ignore[arg-type]
    wrong = settings_from(
        tmp_path,
        '[[brands]]\nname = "Acme"\n[[sources]]\nconnector = "hackernews"\n[sources.options]\ncolour = 1\n',
    )
    with pytest.raises(ConfigError, match="refuses these options"):
        build_sources(wrong, env={})  # type: ignore[arg-type]


def test_rules_and_sinks_from_the_file(tmp_path: Path) -> None:
    text = """
[[alerts.sinks]]
name = "hook"
kind = "webhook"
url_env = "SL_TEST_HOOK_URL"
options = { secret_env = "SL_TEST_HOOK_SECRET" }

[[alerts.rules]]
name = "spike"
kind = "volume_spike"
params = { bucket = "1h", cooldown = "6h" }

[[alerts.rules]]
name = "odd"
kind = "horoscope"
"""
    settings = settings_from(tmp_path, text)
    with pytest.raises(ConfigError, match="horoscope"):
        build_rules(settings)  # type: ignore[arg-type]
    first = load_settings(tmp_path / "sl.toml", env={}).model_copy(
        update={"alerts": settings.alerts.model_copy(update={"rules": settings.alerts.rules[:1]})}  # type: ignore[attr-defined]
    )
    rules = build_rules(first)
    assert isinstance(rules[0], VolumeSpike)
    assert rules[0].bucket.total_seconds() == 3600
    with pytest.raises(ConfigError, match="SL_TEST_HOOK_"):
        build_sinks(first, env={})
    sinks = build_sinks(
        first,
        env={"SL_TEST_HOOK_URL": "https://hooks.example.org/x", "SL_TEST_HOOK_SECRET": "whsec_c2VjcmV0"},
    )
    assert "hooks.example.org" not in repr(sinks["hook"])

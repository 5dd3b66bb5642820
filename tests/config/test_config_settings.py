from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from social_listen.config import load_settings, parse_interval
from social_listen.core import ConfigError

GOOD = """
timezone = "Europe/Bucharest"

[store]
url = "sqlite:///mentions.db"

[[brands]]
name = "Lunaro"
aliases = ["Lunaro Kitchen"]
competitors = ["Pakko"]

[[sources]]
connector = "hackernews"
interval = "10m"

[[sources]]
connector = "mastodon"
interval = 90
credentials = { token = "SOCIAL_LISTEN_MASTODON_TOKEN" }
[sources.options]
instances = ["https://mastodon.social"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "social-listen.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_is_loaded_with_intervals_and_options(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD), env={})
    assert settings.timezone == "Europe/Bucharest"
    assert settings.brands[0].competitors == ("Pakko",)
    assert settings.sources[0].interval == timedelta(minutes=10)
    assert settings.sources[1].interval == timedelta(seconds=90)
    assert settings.sources[1].options["instances"] == ["https://mastodon.social"]


def test_precedence_arguments_over_environment_over_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    env = {"SOCIAL_LISTEN_STORE_URL": "sqlite:///from-env.db", "SOCIAL_LISTEN_LANGUAGES": "en, ro"}
    assert load_settings(path, env=env).store.url == "sqlite:///from-env.db"
    assert load_settings(path, env=env).languages == ("en", "ro")
    both = load_settings(path, env=env, overrides={"store.url": "sqlite:///from-arg.db"})
    assert both.store.url == "sqlite:///from-arg.db"


def test_credentials_come_from_named_variables_and_stay_secret(tmp_path: Path) -> None:
    source = load_settings(write(tmp_path, GOOD), env={}).sources[1]
    creds = source.resolve_credentials({"SOCIAL_LISTEN_MASTODON_TOKEN": "planted-secret-value"})
    assert creds["token"].get_secret_value() == "planted-secret-value"
    assert "planted-secret-value" not in repr(creds)
    with pytest.raises(ConfigError, match="SOCIAL_LISTEN_MASTODON_TOKEN"):
        source.resolve_credentials({})


def test_invalid_value_names_file_key_path_and_line(tmp_path: Path) -> None:
    bad = GOOD.replace("interval = 90", 'interval = "soon"')
    path = write(tmp_path, bad)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    message = str(info.value)
    assert str(path) in message
    assert "sources[1].interval" in message
    line = bad.splitlines().index('interval = "soon"') + 1
    assert f"line {line}" in message


def test_unknown_key_and_bad_toml_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"store\.uri"):
        load_settings(write(tmp_path, '[store]\nuri = "x"\n'), env={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[store\n"), env={})
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "missing.toml", env={})


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("5m", 300), ("2h", 7200), ("1d", 86400), (45, 45)]
)
def test_parse_interval(text: str | int, seconds: int) -> None:
    assert parse_interval(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["soon", "-5m", "0s", "5 minutes"])
def test_parse_interval_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="interval"):
        parse_interval(text)

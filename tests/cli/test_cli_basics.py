from __future__ import annotations

import json
from pathlib import Path

import pytest

from social_listen.cli import main
from social_listen.config import load_settings


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert "social-listen" in capsys.readouterr().out
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "demo" in out or "init" in out


def test_init_writes_a_starter_that_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sl.toml"
    assert main(["init", str(path)]) == 0
    settings = load_settings(path, env={})
    assert [b.name for b in settings.brands] == ["Acme", "Globex"]
    assert settings.alerts.rules[0].sinks == ("log",)
    # refuses to overwrite without --force: bad usage is exit 2
    assert main(["init", str(path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["init", str(path), "--force"]) == 0


def test_config_check_json_and_precedence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sl.toml"
    main(["init", str(path)])
    capsys.readouterr()
    assert main(["--config", str(path), "--store", "sqlite:///other.db", "--json", "config", "check"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["store"] == "sqlite:///other.db"
    assert summary["brands"] == ["Acme", "Globex"]


def test_bad_config_is_exit_2_with_file_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[sources]]\nconnector = "hackernews"\ninterval = "often"\n', encoding="utf-8")
    assert main(["--config", str(path), "config", "check"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert "sources[0].interval" in err
    assert "line 3" in err


def test_unknown_command_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err

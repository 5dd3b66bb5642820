from __future__ import annotations

import json
from pathlib import Path

import pytest

from social_listen.cli import main
from social_listen.core import available_connectors


def test_sources_lists_the_connectors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("connectors: ")
    assert "hackernews" in out
    assert "mastodon" in out
    assert main(["--json", "sources"]) == 0
    assert json.loads(capsys.readouterr().out)["connectors"] == available_connectors()


def test_sources_shows_the_stored_checkpoint(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "--json", "sources"]) == 0
    before = json.loads(capsys.readouterr().out)["sources"]
    assert before[0]["name"] == "hackernews"
    assert before[0]["watermark"] is None
    assert main(["--config", str(config), "sources"]) == 0
    assert "never collected" in capsys.readouterr().out

    assert main(["--config", str(config), "-q", "collect", "--since", "2026-11-16"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "--json", "sources"]) == 0
    after = json.loads(capsys.readouterr().out)["sources"][0]
    assert after["checkpoint"] == "hackernews:hackernews"
    assert after["watermark"] >= "2026-11-22"  # the newest post of the week
    assert after["lag_s"] > 0
    assert after["in_progress"] is False
    assert after["installed"] is True

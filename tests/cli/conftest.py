"""Fixtures for the command tests (see ``cli_helpers``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import POSTS, START, use_transport, write_config

from social_listen.cli import main
from social_listen.demo._platforms import FakeHackerNews


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A configuration file whose Hacker News source answers from the fake week."""
    use_transport(monkeypatch, FakeHackerNews(POSTS))
    return write_config(tmp_path)


@pytest.fixture
def collected(config: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The configuration after one ``collect --since`` (the store holds the week)."""
    assert main(["--config", str(config), "--quiet", "collect", "--since", START.date().isoformat()]) == 0
    capsys.readouterr()
    return config

"""Fixtures for the command tests (see ``cli_helpers``)."""

from __future__ import annotations

import shutil
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


@pytest.fixture(scope="session")
def collected_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store after one real ``collect --since`` of the fake week, made once per session."""
    folder = tmp_path_factory.mktemp("collected")
    with pytest.MonkeyPatch.context() as patch:
        use_transport(patch, FakeHackerNews(POSTS))
        config = write_config(folder)
        args = ["--config", str(config), "--quiet", "collect", "--since", START.date().isoformat()]
        assert main(args) == 0
    return folder / "sl.sqlite"


@pytest.fixture
def collected(config: Path, collected_store: Path) -> Path:
    """The configuration after one ``collect --since`` (a private copy of the collected store)."""
    for suffix in ("", "-wal", "-shm"):
        source = collected_store.with_name(collected_store.name + suffix)
        if source.exists():
            shutil.copyfile(source, config.with_name("sl.sqlite" + suffix))
    return config

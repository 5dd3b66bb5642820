"""Helpers for the command tests: a configuration whose Hacker News source is an in-process fake.

The fake serves the demo's generated week (Lunaro and Pakko, a delivery crisis on day 5) in
the shape of the Algolia Hacker News search API (https://hn.algolia.com/api); the commands'
client is swapped for one whose transport is that fake, so nothing touches the network.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from social_listen.cli import _common
from social_listen.core import Client
from social_listen.demo import generate_week

START = datetime(2026, 11, 16, tzinfo=UTC)
POSTS = generate_week(start=START, per_day=6)

CONFIG = """
timezone = "UTC"
languages = ["en", "hu", "ro"]

[store]
url = "sqlite:///{db}"

[[brands]]
name = "Lunaro"
products = ["Lunaro Box"]
competitors = ["Pakko"]

[[brands]]
name = "Pakko"

[[sources]]
connector = "hackernews"
interval = "{interval}"
options = {{ base_url = "https://hn.test" }}
"""


def write_config(tmp_path: Path, *, interval: str = "5m") -> Path:
    path = tmp_path / "sl.toml"
    path.write_text(
        CONFIG.format(db=(tmp_path / "sl.sqlite").as_posix(), interval=interval), encoding="utf-8"
    )
    return path


def use_transport(
    monkeypatch: pytest.MonkeyPatch, handler: Callable[[httpx.Request], httpx.Response]
) -> None:
    """Make every collecting command talk to ``handler`` instead of the network."""
    monkeypatch.setattr(
        _common, "make_client", lambda: Client(transport=httpx.MockTransport(handler), sleep=lambda _: None)
    )

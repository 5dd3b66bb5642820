"""The README's promises: its library example runs, and its two commands stay as CI runs them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

import social_listen
from social_listen.demo._platforms import FakeHackerNews
from social_listen.demo._scenario import generate_week

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_the_two_commands_ci_runs() -> None:
    commands = [line for block in _blocks("bash") for line in block.splitlines() if line.strip()]
    assert commands[0].startswith("pip install")
    assert commands[0].endswith("social-listen demo")
    assert commands[1].endswith("pytest")
    assert "tests/plugin_pkg" in commands[1]
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    pattern = re.search(r'grep -m1 -E "(.*?)" README\.md', ci)
    assert pattern is not None
    found = [
        line for line in README.read_text(encoding="utf-8").splitlines() if re.search(pattern.group(1), line)
    ]
    assert found[0] == commands[1]


def test_readme_library_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example, with Hacker News answered by the demo's fake Algolia API."""
    (code,) = _blocks("python")
    posts = generate_week(start=datetime.now(UTC) - timedelta(days=7), per_day=10)
    for post in posts:  # the example's brand
        object.__setattr__(post, "text", post.text.replace("Lunaro", "Acme"))
        if post.title:
            object.__setattr__(post, "title", post.title.replace("Lunaro", "Acme"))
    transport = httpx.MockTransport(FakeHackerNews(posts))
    real_client = social_listen.Client
    monkeypatch.setattr(social_listen, "Client", lambda: real_client(transport=transport))
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(README), "exec"), {})  # the README's own example
    html = (tmp_path / "acme.html").read_text(encoding="utf-8")
    assert "Acme" in html
    assert (tmp_path / "acme.db").exists()

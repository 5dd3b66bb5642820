from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from cli_helpers import POSTS, START, use_transport, write_config

from social_listen.cli import main
from social_listen.demo._platforms import FakeHackerNews
from social_listen.store import open_store


def stored(config: Path) -> int:
    store = open_store(config.with_name("sl.sqlite").as_posix())
    try:
        return store.count()
    finally:
        store.close()


def test_collect_backfills_then_resumes_from_the_checkpoint(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(config), "--json", "collect", "--since", START.date().isoformat()]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["polled"] == ["hackernews:hackernews"]
    assert first["errors"] == {}
    count = stored(config)
    assert 0 < count <= first["mentions"]  # pages may repeat an item; the store keeps one

    # resuming: the checkpoint says everything up to the watermark is in, so little or nothing is new
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["mentions"] < first["mentions"]
    assert stored(config) == count

    # --no-resume starts over from --since: the whole week again, absorbed by the store
    assert main([*args, "--no-resume"]) == 0
    over = json.loads(capsys.readouterr().out)
    assert over["mentions"] == first["mentions"]
    assert stored(config) == count


def test_collect_prints_a_table_per_source(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "collect", "--since", "2026-11-16T00:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert "hackernews:hackernews" in out
    assert "ok" in out
    assert "mentions from 1 sources" in out


def test_collect_options_are_checked(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "collect", "--no-resume"]) == 2
    assert "--since" in capsys.readouterr().err
    assert main(["--config", str(config), "collect", "--since", "last tuesday"]) == 2
    assert "neither an ISO date" in capsys.readouterr().err


def test_a_failing_source_is_exit_1_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_transport(monkeypatch, lambda request: httpx.Response(403, json={"message": "forbidden"}))
    config = write_config(tmp_path)
    assert main(["--config", str(config), "collect", "--since", "1d"]) == 1
    captured = capsys.readouterr()
    assert "FAILED" in captured.out
    assert "source hackernews:hackernews failed" in captured.err


def test_no_sources_or_a_bad_config_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text('[[brands]]\nname = "Acme"\n', encoding="utf-8")
    assert main(["--config", str(empty), "collect"]) == 2
    assert "no [[sources]]" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('[store]\nurl = "x.db"\n[[sources]]\nconnector = "hackernews"\ninterval = "sometimes"\n')
    assert main(["--config", str(bad), "collect"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err
    assert "sources[0].interval" in err


def test_watch_runs_cycles_and_stops(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "watch", "--cycles", "1"]) == 0
    captured = capsys.readouterr()
    assert "cycle at" in captured.out
    assert "stopped after 1 cycles" in captured.err
    assert stored(config) > 0


def test_watch_json_prints_one_line_per_cycle(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "--json", "watch", "--cycles", "1"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 1
    cycle = json.loads(lines[0])
    assert cycle["polled"] == ["hackernews:hackernews"]
    assert cycle["mentions"] > 0
    assert captured.err == ""  # no chatter around the JSON


def test_watch_stops_cleanly_on_sigterm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeHackerNews(POSTS)

    def terminate_on_first_request(request: httpx.Request) -> httpx.Response:
        os.kill(os.getpid(), signal.SIGTERM)  # as if the service manager stopped us mid-cycle
        return fake(request)

    use_transport(monkeypatch, terminate_on_first_request)
    config = write_config(tmp_path, interval="1s")
    before = signal.getsignal(signal.SIGTERM)
    # --cycles 3 bounds the test if the signal were ignored; a handled SIGTERM ends after cycle 1
    assert main(["--config", str(config), "watch", "--cycles", "3"]) == 0
    err = capsys.readouterr().err
    assert "stopping after this cycle" in err
    assert "stopped after 1 cycles" in err
    assert stored(config) > 0  # the cycle in progress finished and committed
    assert signal.getsignal(signal.SIGTERM) == before


def test_collect_progress_counts_pages_and_mentions_live(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from social_listen.cli import _cmd_collect

    messages: list[str] = []

    @contextmanager
    def recording_status(app: object, message: str) -> Iterator[Callable[[str], None]]:
        messages.append(message)
        yield messages.append

    monkeypatch.setattr(_cmd_collect, "live_status", recording_status)
    assert main(["--config", str(config), "--json", "collect", "--since", START.date().isoformat()]) == 0
    summary = json.loads(capsys.readouterr().out)
    pages = summary["sources"][0]["pages"]
    assert messages[0] == "collecting from 1 sources"
    assert len(messages) == 1 + pages >= 2
    assert messages[-1] == f"hackernews:hackernews: {pages} pages, {summary['mentions']} mentions"

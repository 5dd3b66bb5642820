from __future__ import annotations

import contextlib
import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from social_listen.cli import main


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """``social-listen --json demo --out DIR`` run once for the module: (summary, stderr)."""
    out = tmp_path_factory.mktemp("demo")
    capture = io.StringIO()
    with contextlib.redirect_stdout(capture), contextlib.redirect_stderr(io.StringIO()) as err:
        assert main(["--json", "demo", "--out", str(out)]) == 0
    return json.loads(capture.getvalue()), err.getvalue()


@pytest.mark.integration
def test_demo_end_to_end_writes_everything_and_the_crisis_fires(demo_run: tuple[dict[str, Any], str]) -> None:
    summary, err = demo_run
    assert "stored" in err  # progress lines go to stderr with --json
    for key in ("database", "report_html", "report_markdown", "alerts_file"):
        assert Path(summary[key]).is_file(), key
    assert "<html" in Path(summary["report_html"]).read_text(encoding="utf-8").lower()
    assert summary["mentions"] > 100
    assert summary["polled"] == ["hackernews:hackernews", "mastodon:mastodon", "rss:rss"]

    crisis = datetime.fromisoformat(summary["crisis_day"])
    lines = Path(summary["alerts_file"]).read_text(encoding="utf-8").splitlines()
    alerts = [json.loads(line) for line in lines]
    on_crisis_day = [
        a
        for a in alerts
        if a["rule"] in ("negative-influencer", "volume-spike")
        and crisis <= datetime.fromisoformat(a["fired_at"]) < crisis + timedelta(days=1)
    ]
    assert on_crisis_day, [(a["rule"], a["fired_at"]) for a in alerts]


@pytest.mark.integration
def test_demo_crisis_tops_the_inbox(demo_run: tuple[dict[str, Any], str]) -> None:
    summary, _ = demo_run
    crisis = datetime.fromisoformat(summary["crisis_day"])
    top = summary["inbox_top"][0]
    assert "Lunaro" in top["brands"]
    assert crisis <= datetime.fromisoformat(top["created_at"]) < crisis + timedelta(days=1), top


def test_demo_prints_paths_and_the_inbox_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command's own output, with the demo run replaced by a small recorded result."""
    from social_listen.core import Author, Mention, Score
    from social_listen.demo import DemoResult

    calls: list[tuple[Path, int]] = []
    when = datetime.fromisoformat("2026-11-25T13:07:00+00:00")

    def fake_run_demo(out_dir: Path, *, seed: int, progress: object) -> DemoResult:
        calls.append((out_dir, seed))
        progress("generated 3 posts")  # type: ignore[operator]
        top = Mention(
            source="mastodon",
            native_id="1",
            text="Lunaro is a disaster: third box in a row that never arrived",
            author=Author(handle="foodcritic_maria"),
            created_at=when,
            urgency=Score(value=56.8, method="test"),
        )
        return DemoResult(
            database=out_dir / "demo.sqlite",
            report_html=out_dir / "report.html",
            report_markdown=out_dir / "report.md",
            alerts_file=out_dir / "alerts.jsonl",
            mentions=3,
            alerts=1,
            inbox_top=[top],
            crisis_day=when,
        )

    monkeypatch.setattr("social_listen.demo.run_demo", fake_run_demo)
    assert main(["demo", "--out", str(tmp_path), "--seed", "7"]) == 0
    out = capsys.readouterr().out
    assert calls == [(tmp_path, 7)]
    assert out.startswith("generated 3 posts")
    assert f"report:   {tmp_path / 'report.html'}" in out
    row = next(line for line in out.splitlines() if "foodcritic_maria" in line)
    assert row.split()[:4] == ["57", "mastodon", "foodcritic_maria", "2026-11-25"]
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    assert main(["--quiet", "demo", "--out", str(tmp_path), "--open"]) == 0
    assert "generated" not in capsys.readouterr().out
    assert opened == [(tmp_path / "report.html").resolve().as_uri()]

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import START

from social_listen.cli import main

PERIOD = ["--since", START.date().isoformat(), "--until", "2026-11-23"]


def test_report_formats_from_suffix_and_option(collected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--config", str(collected), "report", "--brand", "Lunaro", *PERIOD]
    html = collected.with_name("out") / "week.html"
    assert main([*base, "-o", str(html)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert "<html" in html.read_text(encoding="utf-8").lower()
    md = collected.with_name("week.md")
    assert main([*base, "--freq", "6hour", "-o", str(md)]) == 0
    assert md.read_text(encoding="utf-8").startswith("# Listening report: Lunaro")
    capsys.readouterr()
    assert main([*base, "--format", "json", "-o", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "Pakko" in json.dumps(data)  # a configured brand brings its competitors


def test_report_counts_the_brand_mentions(collected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["--config", str(collected), "--json", "inbox", "list", "--brand", "Lunaro", "--limit", "500"])
        == 0
    )
    open_lunaro = len(json.loads(capsys.readouterr().out))
    out = collected.with_name("r.md")
    assert (
        main(["--config", str(collected), "--json", "report", "--brand", "Lunaro", *PERIOD, "-o", str(out)])
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["mentions"] == open_lunaro > 0  # nothing triaged yet: every Lunaro mention is open


def test_report_rejects_bad_periods_and_zones(collected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--config", str(collected), "report", "--brand", "Lunaro", "-o", "-"]
    assert main([*base, "--since", "2026-11-20", "--until", "2026-11-19"]) == 2
    assert "empty" in capsys.readouterr().err
    assert main([*base, "--tz", "Mars/Olympus"]) == 2
    assert "Mars/Olympus" in capsys.readouterr().err
    assert main([*base, "--freq", "fortnight"]) == 2
    assert "fortnight" in capsys.readouterr().err
    assert main(["report", "--brand", "Lunaro"]) == 2  # -o is required

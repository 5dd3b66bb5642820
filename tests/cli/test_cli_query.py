from __future__ import annotations

import json
from pathlib import Path

import pytest

from social_listen.cli import main


def test_check_prints_the_canonical_query(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "check", "acme -jobs"]) == 0
    assert capsys.readouterr().out.strip() == "ok: acme AND NOT jobs"


def test_check_syntax_error_shows_the_caret_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "check", 'acme AND "unclosed']) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("social-listen: query syntax error:")
    line, caret = err[1], err[2]
    assert line == 'acme AND "unclosed'
    assert caret.index("^") == line.index('"')


def test_check_lint_warnings_and_strict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "check", "*corp OR acme"]) == 0
    out = capsys.readouterr().out
    assert "leading-wildcard" in out
    assert main(["query", "check", "--strict", "*corp OR acme"]) == 1
    capsys.readouterr()
    assert main(["--json", "query", "check", "*corp OR acme"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["warnings"][0]["code"] == "leading-wildcard"
    assert data["warnings"][0]["position"] == 0


def test_explain_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "explain", "acme NEAR/1 broken", "My Acme phone is broken"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("NO MATCH: acme NEAR/1 broken")
    assert "2 words apart" in out
    assert main(["--json", "query", "explain", "acme NEAR/3 broken", "My Acme phone is broken"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["matched"] is True
    assert data["atoms"][0]["spans"][0] == {"field": "text", "start": 3, "end": 7, "matched": "acme"}


def test_query_test_reports_precision_recall_and_the_wrong_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = tmp_path / "acme.tsv"
    examples.write_text(
        "# label<TAB>text\n"
        "1\tI love my Acme phone\n"
        "1\tAcme jobs are the best jobs\n"
        "0\tRoad runner beats the coyote\n"
        "0\tacme anvil falls on coyote\n",
        encoding="utf-8",
    )
    assert main(["query", "test", "acme -jobs", "--examples", str(examples)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("precision 0.500  recall 0.500")
    assert out[1:] == [
        f"{examples}:3: missed: Acme jobs are the best jobs",
        f"{examples}:5: false match: acme anvil falls on coyote",
    ]
    assert main(["query", "test", "acme -jobs", "--examples", str(examples), "--min-recall", "0.9"]) == 1
    capsys.readouterr()
    assert (
        main(["query", "test", "acme -jobs -anvil", "--examples", str(examples), "--min-precision", "1"]) == 0
    )


def test_query_test_rejects_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    examples = tmp_path / "bad.tsv"
    examples.write_text("1\tfine\nyes\tnot a label\n", encoding="utf-8")
    assert main(["query", "test", "acme", "--examples", str(examples)]) == 2
    assert f"{examples}:2" in capsys.readouterr().err

from __future__ import annotations

import json
from pathlib import Path

import pytest

from social_listen.cli import main
from social_listen.store import open_store


def stored_count(config: Path, **filters: tuple[str, ...]) -> int:
    from social_listen.store import Filter

    store = open_store(config.with_name("sl.sqlite").as_posix())
    try:
        return store.count(Filter(**filters))  # type: ignore[arg-type]
    finally:
        store.close()


def test_jsonl_streams_to_stdout(collected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(collected), "export", "--format", "jsonl", "-o", "-"]) == 0
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert len(records) == stored_count(collected) > 0
    assert {"source", "native_id", "text"} <= set(records[0])
    assert f"exported {len(records)} mentions" in captured.err


def test_filters_narrow_the_export(collected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(collected), "export", "--lang", "hu", "--brand", "Lunaro", "-o", "-"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == stored_count(collected, languages=("hu",), brands=("Lunaro",)) > 0
    assert all("Lunaro" in r["brands"] for r in records)
    args = ["--config", str(collected), "export", "-o", "-", "--since", "2026-11-20", "--until", "2026-11-21"]
    assert main(args) == 0
    times = [json.loads(line)["created_at"] for line in capsys.readouterr().out.splitlines()]
    assert times
    assert all(t.startswith("2026-11-20") for t in times)


def test_csv_with_bom_to_a_file(collected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = collected.with_name("mentions.csv")
    assert main(["--config", str(collected), "export", "--bom", "-o", str(path)]) == 0
    assert f"to {path} (csv)" in capsys.readouterr().out
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("source,native_id")
    assert main(["--config", str(collected), "export", "--bom", "-o", "x.jsonl"]) == 2
    assert main(["--config", str(collected), "export", "--format", "parquet", "-o", "-"]) == 2


def test_parquet_file(collected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    path = collected.with_name("mentions.parquet")
    assert main(["--config", str(collected), "--json", "export", "-o", str(path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["format"] == "parquet"
    assert pq.read_table(path).num_rows == summary["mentions"] == stored_count(collected)

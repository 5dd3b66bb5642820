"""Exports: JSONL round trip, spreadsheet-safe CSV (row 43), Parquet, data frames."""

from __future__ import annotations

import csv
import importlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from store_support import make_mention

from social_listen.core import Author, Mention, MissingDependency, Page, Sentiment, SourceState
from social_listen.store import (
    Filter,
    SQLiteStore,
    export_csv,
    export_jsonl,
    export_parquet,
    to_arrow,
    to_pandas,
    to_polars,
)


@pytest.fixture
def filled() -> SQLiteStore:
    store = SQLiteStore(":memory:")
    mentions = [
        make_mention(0, text='=HYPERLINK("http://evil.example","click")', title="+1 great"),
        make_mention(1, text="-2 stars, @support help", author=Author(handle="@lead", followers=5)),
        make_mention(
            2, text="\tTabbed and \rreturned", sentiment=Sentiment(score=-0.75, label="negative", method="t")
        ),
        make_mention(3, text="Árvíztűrő tükörfúrógép, livrările întârzie"),
    ]
    store.commit_page(Page(mentions=tuple(mentions)), SourceState(), source_key="k")
    return store


@pytest.mark.reliability(43)
def test_csv_neutralises_formulas_and_keeps_numbers(filled: SQLiteStore, tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert export_csv(filled, path) == 4
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows[0]["text"] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows[0]["title"] == "'+1 great"
    assert rows[1]["text"] == "'-2 stars, @support help"
    assert rows[1]["author_handle"] == "'@lead"
    assert rows[2]["text"].startswith("'\t")
    assert rows[2]["sentiment_score"] == "-0.75"  # a number, untouched
    assert rows[1]["likes"] == "1"
    assert rows[3]["text"] == "Árvíztűrő tükörfúrógép, livrările întârzie"
    for row in rows:
        for column, value in row.items():
            if column not in ("sentiment_score",) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                raise AssertionError(f"{column} starts with a formula character: {value!r}")


@pytest.mark.reliability(43)
def test_csv_bom_for_excel(filled: SQLiteStore, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    export_csv(filled, path, bom=True)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert "Árvíztűrő" in data.decode("utf-8-sig")
    buffer = io.StringIO()
    export_csv(filled, buffer, bom=True, columns=("native_id", "text"))
    assert buffer.getvalue().startswith("\ufeffnative_id,text")


def test_csv_rejects_unknown_columns(filled: SQLiteStore) -> None:
    from social_listen.core import InvalidFilter

    with pytest.raises(InvalidFilter):
        export_csv(filled, io.StringIO(), columns=("text", "password"))


def test_jsonl_round_trips_every_field(filled: SQLiteStore, tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    assert export_jsonl(filled, path) == 4
    back = [Mention.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert back == list(filled.iter_mentions())
    assert back[0].raw == {"id": 0, "nested": {"list": [1, 2, 3], "text": "árvíztűrő"}}
    lean = io.StringIO()
    export_jsonl(filled, lean, where=Filter(sentiment_labels=("negative",)), raw=False)
    lines = lean.getvalue().splitlines()
    assert len(lines) == 1
    assert "raw" not in json.loads(lines[0])


def test_parquet_and_arrow(filled: SQLiteStore, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "out.parquet"
    assert export_parquet(filled, path, raw=True, batch_size=3) == 4
    table = pq.read_table(path)
    assert table.num_rows == 4
    assert table.column("native_id").to_pylist() == ["0", "1", "2", "3"]
    assert table.column("brands").to_pylist()[0] == ["acme"]
    assert json.loads(table.column("raw").to_pylist()[1])["id"] == 1
    arrow = to_arrow(filled, Filter(sources=("hackernews",)))
    assert arrow.num_rows == 4
    assert str(arrow.schema.field("created_at").type) == "timestamp[us, tz=UTC]"


def test_data_frames(filled: SQLiteStore) -> None:
    frame = to_pandas(filled)
    assert list(frame["native_id"]) == ["0", "1", "2", "3"]
    assert frame["sentiment_score"].iloc[2] == -0.75
    polars_frame = to_polars(filled, Filter(sentiment_labels=("negative",)))
    assert polars_frame.height == 1
    agg = filled.aggregate(("count",), by=("author",))
    assert agg.to_pandas()["count"].sum() == 4
    assert agg.to_polars().height == 3


@pytest.mark.parametrize(
    ("call", "module"),
    [
        (to_pandas, "pandas"),
        (to_polars, "polars"),
        (to_arrow, "pyarrow"),
        (lambda s: export_parquet(s, "unused.parquet"), "pyarrow"),
    ],
)
def test_missing_extras_name_the_extra(
    filled: SQLiteStore, monkeypatch: pytest.MonkeyPatch, call: Any, module: str
) -> None:
    real = importlib.import_module

    def fake_import(name: str, package: str | None = None) -> Any:
        if name.split(".", maxsplit=1)[0] == module:
            raise ImportError(f"No module named {name!r}")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", fake_import)
    with pytest.raises(MissingDependency) as info:
        call(filled)
    assert "pip install 'social-listen[" in str(info.value)

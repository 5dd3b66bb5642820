"""JSONL and CSV importers: mapping, streaming pages, bad rows, resume and appended rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from open_conn_support import Collector, Crash, drive

from social_listen.connectors.files import CSVConnector, JSONLConnector
from social_listen.core import ConfigError, Query, SourceState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
Q = Query(text="acme")


def _clock() -> datetime:
    return NOW


def _rows(n: int, *, start: int = 0) -> list[dict[str, object]]:
    return [
        {
            "id": f"r{i}",
            "text": f"acme row {i}",
            "created_at": (NOW - timedelta(minutes=i)).isoformat(),
            "author": f"user{i}",
        }
        for i in range(start, start + n)
    ]


def _write_jsonl(path: Path, rows: list[dict[str, object]], *, mode: str = "w") -> None:
    with path.open(mode, encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")


def test_jsonl_maps_every_field(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    row = {
        "id_str": "1234",
        "full_text": "Acme broke again",
        "headline": "A title",
        "link": "https://example.com/p/1234",
        "date": "Mon, 02 Feb 2026 10:00:00 +0100",
        "edited": 1770030000,
        "lang": "en",
        "user": {
            "screen_name": "jane",
            "name": "Jane D",
            "id": 77,
            "followers_count": "1,234",
            "verified": True,
        },
        "favorite_count": 5,
        "retweet_count": "3",
        "reply_count": 2,
        "quote_count": 1,
        "views": 900,
        "score": -4,
        "in_reply_to": "1200",
        "conversation": "1100",
        "forum": "support",
        "platform": "twitter",
        "tags": ["acme", "fail"],
        "urls": "https://a.example https://b.example",
        "handles": ["acmecorp"],
    }
    _write_jsonl(path, [row])
    mapping = {
        "native_id": "id_str",
        "text": "full_text",
        "title": "headline",
        "url": "link",
        "created_at": "date",
        "edited_at": "edited",
        "language": "lang",
        "author.handle": "user.screen_name",
        "author.name": "user.name",
        "author.id": "user.id",
        "author.followers": "user.followers_count",
        "author.verified": "user.verified",
        "metrics.likes": "favorite_count",
        "metrics.shares": "retweet_count",
        "metrics.replies": "reply_count",
        "metrics.quotes": "quote_count",
        "metrics.views": "views",
        "metrics.score": "score",
        "parent_id": "in_reply_to",
        "thread_id": "conversation",
        "channel": "forum",
        "source": "platform",
        "hashtags": "tags",
        "links": "urls",
        "mentioned_handles": "handles",
    }
    page = drive(JSONLConnector(path, mapping=mapping, now=_clock), Q, None, state=SourceState())
    (m,) = page.mentions
    assert m.source == "twitter"
    assert m.native_id == "1234"
    assert m.text == "Acme broke again"
    assert m.title == "A title"
    assert m.url == "https://example.com/p/1234"
    assert m.created_at == datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
    assert m.edited_at == datetime.fromtimestamp(1770030000, UTC)
    assert m.language == "en"
    assert m.author is not None
    assert (m.author.handle, m.author.name, m.author.id) == ("jane", "Jane D", "77")
    assert (m.author.followers, m.author.verified) == (1234, True)
    assert (m.metrics.likes, m.metrics.shares, m.metrics.replies, m.metrics.quotes) == (5, 3, 2, 1)
    assert (m.metrics.views, m.metrics.score) == (900, -4)
    assert (m.parent_id, m.thread_id, m.channel) == ("1200", "1100", "support")
    assert m.hashtags == ("acme", "fail")
    assert m.links == ("https://a.example", "https://b.example")
    assert m.mentioned_handles == ("acmecorp",)
    assert m.query == "acme"
    assert m.collected_at == NOW
    assert m.raw == row
    assert page.done


def test_csv_maps_columns_and_multiline_fields(tmp_path: Path) -> None:
    path = tmp_path / "mentions.csv"
    path.write_text(
        "\ufeffId,Date,Snippet,Author,Likes\n"
        '1,2026-02-01T10:00:00Z,"first line\nsecond, line",ann,4\n'
        "2,1769940000,plain,bob,\n",
        encoding="utf-8",
    )
    conn = CSVConnector(
        path,
        mapping={
            "native_id": "Id",
            "created_at": "Date",
            "text": "Snippet",
            "author.handle": "Author",
            "metrics.likes": "Likes",
        },
        now=_clock,
    )
    page = drive(conn, Q, None, state=SourceState())
    first, second = page.mentions
    assert first.source == "csv"
    assert first.text == "first line\nsecond, line"
    assert first.metrics.likes == 4
    assert first.author is not None
    assert first.author.handle == "ann"
    assert second.created_at == datetime.fromtimestamp(1769940000, UTC)
    assert second.metrics.likes is None
    assert page.state.extras["line"] == 4


def test_bad_rows_are_skipped_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    good = _rows(2)
    path.write_text(
        json.dumps(good[0])
        + "\n{not json\n[1, 2]\n"
        + json.dumps({"id": "nodate", "text": "x", "created_at": "yesterday"})
        + "\n"
        + "x" * 300
        + "\n"
        + json.dumps(good[1])
        + "\n",
        encoding="utf-8",
    )
    page = drive(JSONLConnector(path, max_line_bytes=200, now=_clock), Q, None, state=SourceState())
    assert [m.native_id for m in page.mentions] == ["r0", "r1"]
    details = [s.detail for s in page.skipped]
    assert [d.split(":")[0] for d in details] == ["line 2", "line 3", "line 4", "line 5"]
    assert "invalid JSON" in details[0]
    assert "expected a JSON object" in details[1]
    assert "created_at" in details[2]
    assert "longer than 200 bytes" in details[3]
    assert all(s.reason == "bad_row" for s in page.skipped)


def test_csv_rows_with_wrong_field_count_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,created_at,text\n1,2026-01-01,a\n2,2026-01-01\n3,2026-01-01,c\n", encoding="utf-8")
    page = drive(CSVConnector(path, now=_clock), Q, None, state=SourceState())
    assert [m.native_id for m in page.mentions] == ["1", "3"]
    assert page.skipped[0].detail.startswith("line 3: 2 fields")


def test_missing_id_falls_back_to_a_stable_content_hash(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    _write_jsonl(path, [{"text": "acme", "created_at": "2026-01-01T00:00:00Z"}])
    first = drive(JSONLConnector(path, now=_clock), Q, None, state=SourceState()).mentions[0]
    again = drive(JSONLConnector(path, now=_clock), Q, None, state=SourceState()).mentions[0]
    assert first.native_id.startswith("sha256:")
    assert first.native_id == again.native_id


def test_pages_stream_by_byte_offset_and_resume_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    _write_jsonl(path, _rows(2600))
    collector = Collector(JSONLConnector(path, page_size=100, now=_clock), Q, None)
    with pytest.raises(Crash):
        collector.run(crash_after=13)
    assert len(collector.ids) == 1300
    collector.run()
    assert collector.ids == {f"r{i}" for i in range(2600)}
    assert len(collector.delivered) == 2600  # every row committed exactly once
    offset, line = collector.pages[0].next_cursor.split(":")  # type: ignore[union-attr]
    assert int(line) == 100
    assert int(offset) == sum(len(json.dumps(r)) + 1 for r in _rows(100))


def test_next_run_reads_only_appended_rows(tmp_path: Path) -> None:
    path = tmp_path / "tail.jsonl"
    _write_jsonl(path, _rows(5))
    collector = Collector(JSONLConnector(path, now=_clock), Q, None)
    collector.run()
    collector.run()
    assert len(collector.delivered) == 5  # nothing new, nothing again
    _write_jsonl(path, _rows(3, start=5), mode="a")
    collector.run()
    assert collector.delivered[5:] == [("jsonl", f"r{i}") for i in range(5, 8)]


def test_replaced_file_is_read_from_the_start(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    _write_jsonl(path, _rows(5))
    collector = Collector(JSONLConnector(path, now=_clock), Q, None)
    collector.run()
    _write_jsonl(path, _rows(2, start=100))
    collector.run()
    assert collector.delivered[5:] == [("jsonl", "r100"), ("jsonl", "r101")]
    assert "file_replaced" in collector.pages[-1].notes


def test_partial_last_line_waits_for_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    _write_jsonl(path, _rows(1))
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "r1", "text": "acme", "created')
    collector = Collector(JSONLConnector(path, now=_clock), Q, None)
    collector.run()
    assert collector.ids == {"r0"}
    assert "partial_last_line" in collector.pages[-1].notes
    with path.open("a", encoding="utf-8") as fh:
        fh.write('_at": "2026-01-01T00:00:00Z"}\n')
    collector.run()
    assert collector.ids == {"r0", "r1"}


def test_since_until_filter_rows(tmp_path: Path) -> None:
    path = tmp_path / "w.jsonl"
    _write_jsonl(path, _rows(10))
    query = Query(text="acme", since=NOW - timedelta(minutes=5), until=NOW - timedelta(minutes=2))
    page = drive(JSONLConnector(path, now=_clock), query, None, state=SourceState())
    assert [m.native_id for m in page.mentions] == ["r3", "r4", "r5"]


@pytest.mark.reliability(18)
def test_future_dates_are_flagged_and_do_not_move_the_watermark_past_now(tmp_path: Path) -> None:
    path = tmp_path / "future.jsonl"
    _write_jsonl(path, [{"id": "f", "text": "acme", "created_at": "2099-01-01T00:00:00Z"}])
    page = drive(JSONLConnector(path, now=_clock), Q, None, state=SourceState())
    assert "date_future" in page.mentions[0].flags
    assert page.state.watermark == NOW + timedelta(days=1)


def test_bad_options_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown mapping targets: nope"):
        JSONLConnector(tmp_path / "x.jsonl", mapping={"nope": "x"})
    with pytest.raises(ConfigError, match="local paths"):
        CSVConnector("https://example.com/x.csv")
    with pytest.raises(ConfigError, match="cannot read"):
        drive(JSONLConnector(tmp_path / "missing.jsonl"), Q, None, state=SourceState())


def test_filter_by_query_keeps_only_matching_rows(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    rows = _rows(3)
    rows[1]["text"] = "nothing to see"
    rows[2]["text"] = "acme jobs board"
    _write_jsonl(path, rows)
    query = Query(text="acme -jobs")
    every = drive(JSONLConnector(path, now=_clock), query, None, state=SourceState())
    assert len(every.mentions) == 3
    kept = drive(JSONLConnector(path, filter_by_query=True, now=_clock), query, None, state=SourceState())
    assert [m.native_id for m in kept.mentions] == ["r0"]

"""SQLite full-text indexing: new mentions above a watermark, edits through ``fts_pending``."""

from __future__ import annotations

from pathlib import Path

from store_support import make_mention

from social_listen.core import Page, SourceState
from social_listen.store import Filter, SQLiteStore


def _fts_rows(store: SQLiteStore) -> int:
    return int(store._conn.execute("SELECT COUNT(*) FROM mentions_fts").fetchone()[0])


def test_an_edit_before_the_first_indexing_is_indexed_once_with_its_new_text(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    try:
        first = Page(mentions=tuple(make_mention(i) for i in range(3)))
        store.commit_page(first, SourceState(), source_key="k")
        edited = make_mention(1, text="Acme parcel vanished")
        store.commit_page(Page(mentions=(edited,)), SourceState(), source_key="k")
        assert store.count(Filter(text="vanished")) == 1
        assert store.count(Filter(text="delivery")) == 2
        assert _fts_rows(store) == 3
        store.commit_page(Page(mentions=(make_mention(3), make_mention(4))), SourceState(), source_key="k")
        assert store.index_text() == 2
        assert store.index_text() == 0
        assert store.count(Filter(text="delivery")) == 4
        assert _fts_rows(store) == 5
        assert store._conn.execute("SELECT COUNT(*) FROM fts_pending").fetchone()[0] == 0
    finally:
        store.close()


def test_the_watermark_survives_a_reopen_and_deletions(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SQLiteStore(path)
    store.commit_page(Page(mentions=tuple(make_mention(i) for i in range(4))), SourceState(), source_key="k")
    assert store.index_text() == 4
    store.delete("hackernews", "3")
    store.close()
    store = SQLiteStore(path)
    try:
        assert store.index_text() == 0
        store.commit_page(Page(mentions=(make_mention(9),)), SourceState(), source_key="k")
        assert store.count(Filter(text="delivery")) == 4
        assert _fts_rows(store) == 4
    finally:
        store.close()

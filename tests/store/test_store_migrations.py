"""Forward migrations: a store written at an older schema version opens, migrates and keeps its data."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from store_support import make_mention

from social_listen.core import Page, SourceState
from social_listen.store import SCHEMA_VERSION, Filter, SQLiteStore
from social_listen.store._rows import BODY_COLUMNS, MENTION_COLUMNS, TAG_COLUMNS, mention_rows
from social_listen.store._schema import migrate


def _version(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT value FROM sl_meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else int(row[0])


def _insert(conn: sqlite3.Connection, table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
    marks = ", ".join("?" * len(columns))
    conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _v3_store(path: Path, n: int) -> None:
    """A file as release 3 left it: schema 3 and ``n`` mentions written the way it wrote them."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    assert migrate(conn.execute, lambda: _version(conn), dialect="sqlite", target=3) == (0, 3)
    rows = [mention_rows(make_mention(i), i + 1, 1) for i in range(n)]
    _insert(conn, "mentions", MENTION_COLUMNS, [r[0] for r in rows])
    _insert(conn, "mention_bodies", BODY_COLUMNS, [r[1] for r in rows])
    _insert(conn, "mention_tags", TAG_COLUMNS, [t for r in rows for t in r[2]])
    _insert(conn, "fts_pending", ("mention_id",), [(r[0][0],) for r in rows])
    conn.execute("INSERT INTO sl_meta (key, value) VALUES ('next_id', ?)", (str(n + 1),))
    conn.execute("COMMIT")
    conn.close()


def _indexes(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        conn.close()


def test_a_version_3_sqlite_store_migrates_without_the_author_index(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    _v3_store(path, 6)
    assert "mentions_author" in _indexes(path)
    store = SQLiteStore(path)
    try:
        assert store.schema_version == SCHEMA_VERSION >= 4
        assert "mentions_author" not in _indexes(path)
        assert store.check() == []
        assert store.count() == 6
        assert store.get("hackernews", "4") == make_mention(4)
        # Author filters and erasure no longer have an index; they still find every row.
        assert store.count(Filter(authors=("user1",))) == 2
        assert store.count(Filter(text="delivery")) == 6
        store.commit_page(Page(mentions=(make_mention(6), make_mention(7))), SourceState(), source_key="k")
        assert store.count(Filter(authors=("user1",))) == 3
        assert store.erase_author("user1") == 3
        assert store.count() == 5
        assert store.count(Filter(text="delivery")) == 5
    finally:
        store.close()


@pytest.mark.postgres
def test_a_version_3_postgres_store_migrates_without_the_author_index(pg_schema: tuple[str, str]) -> None:
    import psycopg

    from social_listen.store import PostgresStore

    dsn, schema = pg_schema
    store = PostgresStore(dsn, schema=schema)
    store.commit_page(Page(mentions=tuple(make_mention(i) for i in range(4))), SourceState(), source_key="k")
    store.close()
    with psycopg.connect(dsn, autocommit=True) as conn:  # back to what release 3 left
        conn.execute(f"CREATE INDEX mentions_author ON {schema}.mentions (author_handle)")
        conn.execute(f"UPDATE {schema}.sl_meta SET value = '3' WHERE key = 'schema_version'")
    store = PostgresStore(dsn, schema=schema)
    try:
        assert store.schema_version == SCHEMA_VERSION
        with psycopg.connect(dsn) as conn:
            found = conn.execute(
                "SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND indexname = 'mentions_author'",
                (schema,),
            ).fetchone()
        assert found == (0,)
        assert store.count(Filter(authors=("user1",))) == 1
        assert store.get("hackernews", "2") == make_mention(2)
    finally:
        store.close()

"""Forward migrations: a store written at an older schema version opens, migrates and keeps its data."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from store_support import T0, V9_BODY_COLUMNS, make_mention, v9_rows

from social_listen.core import Author, Intent, Mention, Page, Score, Sentiment, SourceState
from social_listen.store import SCHEMA_VERSION, Filter, SQLiteStore
from social_listen.store._rows import MENTION_COLUMNS, TAG_COLUMNS
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
    rows = [v9_rows(make_mention(i), i + 1) for i in range(n)]
    _insert(conn, "mentions", MENTION_COLUMNS, [r[0] for r in rows])
    _insert(conn, "mention_bodies", V9_BODY_COLUMNS, [r[1] for r in rows])
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


def _rich_mentions() -> list[Mention]:
    """Mentions using every body field, one using none of the optional ones."""
    full = make_mention(
        1,
        title="Acme news",
        author=Author(
            handle="ann", name="Ann", id="a-1", url="https://x.example/ann", followers=5, verified=True
        ),
        sort_at=T0 + timedelta(minutes=3),
        detected_language="hu",
        # 17 significant digits: SQLite's json_object alone keeps 15.
        language_confidence=0.8571428571428571,
        flags=frozenset({"date_future", "truncated"}),
        links=("https://acme.example/a",),
        mentioned_handles=("@bob",),
        terms=("delivery", "late"),
        extras={"local_id": "l-1", "thread": {"depth": 2}},
        sentiment=Sentiment(score=-0.5, label="negative", method="vader-en", targeted_score=-0.25),
        intent=Intent(labels=("complaint",), method="rules-v1", evidence={"complaint": ("late",)}),
        reach=Score(value=12.5, method="followers-log-v1", inputs={"followers": 5}),
        # Null inputs (an unknown follower count) survive: a JSON merge patch would drop them.
        influence=Score(value=0.5, method="inf-v1", inputs={"followers": None, "engagement": 3}),
        urgency=Score(
            value=0.75,
            method="urg-v1",
            inputs={"targeted_sentiment": None, "replies": 0},
            reasons=("negative", "complaint"),
        ),
    )
    bare = make_mention(2, author=None, brands=(), hashtags=(), language=None, raw=None, url=None)
    return [full, bare, make_mention(3)]


def test_a_version_9_sqlite_store_keeps_every_body_field(tmp_path: Path) -> None:
    path = tmp_path / "v9.db"
    mentions = _rich_mentions()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    migrate(conn.execute, lambda: _version(conn), dialect="sqlite", target=9)
    rows = [v9_rows(m, i + 1) for i, m in enumerate(mentions)]
    _insert(conn, "mentions", MENTION_COLUMNS, [r[0] for r in rows])
    _insert(conn, "mention_bodies", V9_BODY_COLUMNS, [r[1] for r in rows])
    _insert(conn, "mention_tags", TAG_COLUMNS, [t for r in rows for t in r[2]])
    conn.execute("INSERT INTO sl_meta (key, value) VALUES ('next_id', '4')")
    conn.execute("COMMIT")
    conn.close()
    with SQLiteStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 10
        assert store.check() == []
        for mention in mentions:
            assert store.get(mention.source, mention.native_id) == mention
        with store._read_tx() as cur:  # the inbox reads these two in SQL: NULL when empty
            cur.execute("SELECT brands, extras FROM mention_bodies ORDER BY mention_id")
            assert cur.fetchall() == [
                ('["acme"]', '{"local_id":"l-1","thread":{"depth":2}}'),
                (None, None),
                ('["acme"]', None),
            ]
        store.commit_page(Page(mentions=(make_mention(9),)), SourceState(), source_key="k")
        assert store.get("hackernews", "9") == make_mention(9)


@pytest.mark.postgres
def test_a_version_9_postgres_store_keeps_every_body_field(pg_schema: tuple[str, str]) -> None:
    import psycopg

    from social_listen.store import PostgresStore

    dsn, schema = pg_schema
    mentions = _rich_mentions()
    with psycopg.connect(dsn) as conn:  # what release 9 left, written the way it wrote it
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        conn.execute(f"SET search_path = {schema}")

        def execute(sql: str, params: Any = ()) -> Any:
            return conn.execute(sql.replace("?", "%s"), tuple(params))

        def version() -> int | None:
            return _pg_version(conn)

        migrate(execute, version, dialect="postgres", target=9)
        rows = [v9_rows(m, i + 1) for i, m in enumerate(mentions)]
        with conn.cursor() as cur:
            for table, columns, values in (
                ("mentions", MENTION_COLUMNS, [r[0] for r in rows]),
                ("mention_bodies", V9_BODY_COLUMNS, [r[1] for r in rows]),
                ("mention_tags", TAG_COLUMNS, [t for r in rows for t in r[2]]),
            ):
                cur.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
                    [tuple(v) for v in values],
                )
        conn.execute("SELECT setval('mentions_id_seq', 3)")
    with PostgresStore(dsn, schema=schema) as store:
        assert store.schema_version == SCHEMA_VERSION
        for mention in mentions:
            assert store.get(mention.source, mention.native_id) == mention
        with store._read_tx() as cur:
            cur.execute("SELECT brands, extras FROM mention_bodies ORDER BY mention_id")
            assert [(b, None if e is None else json.loads(e)) for b, e in cur.fetchall()] == [
                ('["acme"]', {"local_id": "l-1", "thread": {"depth": 2}}),
                (None, None),
                ('["acme"]', None),
            ]
        store.commit_page(Page(mentions=(make_mention(9),)), SourceState(), source_key="k")
        assert store.get("hackernews", "9") == make_mention(9)


def _pg_version(conn: Any) -> int | None:
    row = conn.execute("SELECT value FROM sl_meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else int(row[0])


def test_no_nullable_mentions_column_has_a_default_other_than_null(tmp_path: Path) -> None:
    # The write path leaves NULL values out of a mentions INSERT (sparse rows): a default on
    # a nullable column would store that default instead of NULL.
    with SQLiteStore(tmp_path / "s.db") as store, store._read_tx() as cur:
        cur.execute("PRAGMA table_info(mentions)")
        columns = cur.fetchall()
    nullable_with_default = [
        name for _, name, _, notnull, default, _ in columns if not notnull and default is not None
    ]
    assert nullable_with_default == []
    assert {name for _, name, *_ in columns} >= {"channel", "engagement", "version"}

"""The daily rollup: every aggregate it answers equals the plan without it, through every write."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from store_support import T0, make_mention

from social_listen.core import (
    Author,
    Intent,
    Mention,
    Metrics,
    Page,
    Score,
    Sentiment,
    SourceState,
    StoreError,
)
from social_listen.store import METRICS, SCHEMA_VERSION, Filter, SQLiteStore, _rollup
from social_listen.store._rollup import plan_rollup
from social_listen.store._sql import bucket_edges

ALL_METRICS = tuple(name for name in METRICS if name != "distinct_authors")  # every summable one
BRANDS = ("acme", "globex", "initech")
TERMS = ("late", "refund", "box", "price", "support", "app")
SINCE = T0 + timedelta(hours=5, minutes=30)  # partial first day
UNTIL = T0 + timedelta(days=8, hours=3)  # partial last day

# (metrics, by, filter fields, order_by, top): every shape must be answered by the rollup.
REQUESTS: list[tuple[tuple[str, ...], tuple[str, ...], dict[str, Any], tuple[str, ...], int | None]] = [
    (ALL_METRICS, ("brand",), {}, (), None),
    (ALL_METRICS, (), {}, (), None),
    (ALL_METRICS, (), {"brands": ("acme",)}, (), None),
    (
        ("count", "mean_sentiment", "count_negative", "count_scored"),
        ("term", "brand"),
        {"brands": ("acme",)},
        (),
        None,
    ),
    (("count",), ("brand", "term"), {"brands": ("acme", "globex")}, (), None),
    (("count", "sum_reach"), ("brand", "term"), {"brands": ("globex",), "terms": ("late", "box")}, (), None),
    (ALL_METRICS, ("term",), {}, ("-count", "term"), None),
    (("count", "mean_reach"), ("term",), {"brands": ("initech",)}, ("-count",), 3),
    (ALL_METRICS, ("hashtag",), {}, (), None),
    (("count", "first_at", "last_at"), ("intent", "brand"), {"intents": ("complaint",)}, (), None),
    (("count", "sum_engagement"), ("brand", "source"), {"brands": ("acme", "initech")}, (), None),
    (ALL_METRICS, ("language",), {"languages": ("hu", "ro")}, (), None),
    (("count", "max_influence"), ("domain",), {}, ("-count",), 2),
    (("count",), ("domain", "brand"), {"domains": ("b.example",)}, (), None),
    (("count", "mean_sentiment"), ("query",), {}, (), None),
    (ALL_METRICS, ("sentiment_label", "brand"), {}, (), None),
    (("count",), ("source",), {"sources": ("mastodon",)}, (), None),
    (("count", "sum_reach", "max_influence"), ("author",), {}, ("-sum_reach",), 5),
    (("count",), ("author", "brand"), {"authors": ("user1", "user2")}, (), None),
    (
        ("count", "sum_reach"),
        ("author",),
        {"brands": ("acme",), "authors": ("user3", "user4", "user5")},
        (),
        None,
    ),
    (("distinct_authors",), (), {}, (), None),
    (("distinct_authors",), (), {"brands": ("acme",)}, (), None),
    (("count", "distinct_authors", "mean_sentiment"), ("brand",), {}, ("-distinct_authors",), None),
    (("distinct_authors", "sum_engagement"), (), {}, (), None),
    (("distinct_authors",), ("brand",), {"brands": ("acme", "initech")}, (), None),
    # Distinct authors per value of one brand: rollup_authors' pairs.
    (("distinct_authors",), ("source",), {"brands": ("acme",)}, (), None),
    (
        ("distinct_authors",),
        ("source",),
        {"brands": ("initech",), "sources": ("mastodon", "reddit")},
        (),
        None,
    ),
    (("distinct_authors",), ("hashtag",), {"brands": ("globex",)}, ("-distinct_authors",), 2),
    (
        ("distinct_authors",),
        ("domain",),
        {"brands": ("acme",), "domains": ("a.example", "b.example")},
        (),
        None,
    ),
    # Terms of the mentions with one intent: the 'term@<intent>' rows.
    (
        ("count", "mean_sentiment", "count_negative", "count_scored"),
        ("term", "intent"),
        {"brands": ("acme",), "intents": ("complaint",)},
        ("-count", "term"),
        None,
    ),
    (ALL_METRICS, ("term",), {"intents": ("question",)}, (), None),
    (
        ("count", "sum_reach"),
        ("intent", "brand", "term"),
        {"intents": ("complaint",), "terms": ("late", "box")},
        (),
        4,
    ),
]
PERIODS: list[dict[str, Any]] = [
    {"since": SINCE, "until": UNTIL},
    {"since": T0 + timedelta(days=2), "until": T0 + timedelta(days=5)},  # whole days only
    {"until": UNTIL},
    {"since": SINCE},
    {},
    {"since": T0 + timedelta(days=30), "until": T0 + timedelta(days=33)},  # no mentions at all
]


def _mention(rng: random.Random, i: int, *, day_span: int = 10) -> Mention:
    created = T0 + timedelta(minutes=rng.randrange(day_span * 24 * 60), microseconds=rng.randrange(10**6))
    scored = rng.random() < 0.8
    score = round(rng.uniform(-1, 1), 3)
    label = "negative" if score < -0.05 else "positive" if score > 0.05 else "neutral"
    return make_mention(
        i,
        source=rng.choice(("hackernews", "mastodon", "reddit")),
        created_at=created,
        sort_at=created + timedelta(hours=1) if rng.random() < 0.1 else None,
        language=rng.choice(("en", "hu", "ro", None)),
        url=rng.choice((None, f"https://a.example/{i}", f"https://www.b.example/x/{i}")),
        query=rng.choice(("acme", "rivals", None)),
        author=Author(handle=f"user{rng.randrange(20)}", followers=rng.randrange(1000))
        if rng.random() < 0.95
        else None,
        metrics=Metrics(
            likes=rng.choice((None, rng.randrange(50))), shares=rng.randrange(5), views=rng.choice((None, 7))
        ),
        brands=tuple(rng.sample(BRANDS, rng.choice((0, 1, 1, 1, 2)))),
        terms=tuple(rng.sample(TERMS, rng.randrange(4))),
        hashtags=tuple(rng.sample(("#Delivery", "#fail", "#win"), rng.randrange(3))),
        intent=Intent(labels=tuple(rng.sample(("complaint", "question"), rng.randrange(3))), method="t")
        if rng.random() < 0.4
        else None,
        sentiment=Sentiment(
            score=score, label=label, method="t", targeted_score=score / 2 if rng.random() < 0.5 else None
        )
        if scored
        else None,
        reach=Score(value=rng.uniform(0, 100), method="t") if rng.random() < 0.7 else None,
        influence=Score(value=rng.uniform(0, 1), method="t") if rng.random() < 0.5 else None,
        urgency=Score(value=rng.uniform(0, 1), method="t") if rng.random() < 0.5 else None,
    )


def _commit(store: Any, mentions: list[Mention], key: str = "k") -> None:
    for start in range(0, len(mentions), 40):
        store.commit_page(Page(mentions=tuple(mentions[start : start + 40])), SourceState(), source_key=key)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


def _requests() -> Iterator[tuple[tuple[str, ...], tuple[str, ...], Filter, tuple[str, ...], int | None]]:
    for metrics, by, fields, order_by, top in REQUESTS:
        for period in PERIODS:
            yield metrics, by, Filter(**fields, **period), order_by, top


# Time series served by the rollup's hourly rows: bucket edges on whole UTC hours.
BUCKETED: list[tuple[tuple[str, ...], tuple[str, ...], str, str, dict[str, Any]]] = [
    (ALL_METRICS, ("bucket",), "day", "UTC", {}),
    (("count", "mean_sentiment", "last_at"), ("bucket", "brand"), "day", "Europe/Bucharest", {}),
    (("count", "count_negative"), ("bucket", "brand"), "week", "America/New_York", {"brands": ("acme",)}),
    (("count", "sum_reach"), ("bucket",), "6hour", "UTC", {"brands": ("globex",)}),
    (("count", "mean_urgency"), ("bucket",), "hour", "Europe/Bucharest", {}),
    (("count",), ("brand", "bucket"), "month", "UTC", {"brands": ("acme", "globex")}),
]


def _bucketed() -> Iterator[tuple[tuple[str, ...], tuple[str, ...], Filter, dict[str, Any]]]:
    for metrics, by, freq, tz, fields in BUCKETED:
        for period in PERIODS:
            yield metrics, by, Filter(**fields, **period), {"freq": freq, "tz": tz}


def assert_parity(store: Any) -> int:
    """Every request answered with the rollup equals the plan without it; returns rows compared."""
    compared = 0
    requests = [
        (metrics, by, where, {"order_by": order_by, "top": top})
        for metrics, by, where, order_by, top in _requests()
    ]
    for metrics, by, where, options in [*requests, *_bucketed()]:
        if (
            "freq" in options
            and where.since is not None
            and where.until is not None
            and store.name == "sqlite"
        ):
            edges = bucket_edges(where.since, where.until, options["freq"], options["tz"])
            assert plan_rollup(
                metrics, by, where=where, dialect=store.dialect, order_by=(), top=None, edges=edges
            )
        elif "freq" not in options:
            assert plan_rollup(metrics, by, where=where, dialect=store.dialect, **options)
        kwargs: dict[str, Any] = {"by": by, "where": where, **options}
        store.use_rollup = True
        rolled = store.aggregate(metrics, **kwargs)
        store.use_rollup = False
        plain = store.aggregate(metrics, **kwargs)
        store.use_rollup = True
        assert rolled.columns == plain.columns
        assert len(rolled.rows) == len(plain.rows), (by, where)
        for got, want in zip(rolled.rows, plain.rows, strict=True):
            assert all(_same(g, w) for g, w in zip(got, want, strict=True)), (by, where, got, want)
        compared += len(plain.rows)
    return compared


def _rollup_table(store: Any) -> list[tuple[Any, ...]]:
    with store._read_tx() as cur:
        cur.execute("SELECT * FROM rollup_daily ORDER BY day, brand, kind, value")
        rows = [tuple(row) for row in cur.fetchall()]
        cur.execute("SELECT * FROM rollup_authors ORDER BY day, brand, kind, value, author")
        return rows + [tuple(row) for row in cur.fetchall()]


def _dirty(store: Any) -> list[int]:
    with store._read_tx() as cur:
        cur.execute("SELECT day FROM rollup_dirty ORDER BY day")
        return [int(row[0]) for row in cur.fetchall()]


def _assert_rollup_is_a_rebuild(store: Any) -> None:
    """After a refresh, the rollup equals one rebuilt from scratch: no write went unmarked."""
    store.refresh_rollup()
    assert _dirty(store) == []
    kept = _rollup_table(store)
    with store._write_tx() as cur:
        cur.execute("DELETE FROM rollup_daily")
        cur.execute("DELETE FROM rollup_authors")
        cur.execute(
            "INSERT INTO rollup_dirty (day, gen) SELECT DISTINCT day, 1 FROM (SELECT "
            f"ts / {_rollup.DAY_US} AS day FROM mentions) d WHERE 1 = 1 ON CONFLICT (day) DO NOTHING"
        )
    store.refresh_rollup()
    rebuilt = _rollup_table(store)
    assert len(kept) == len(rebuilt)
    for got, want in zip(kept, rebuilt, strict=True):
        assert all(_same(g, w) for g, w in zip(got, want, strict=True)), (got, want)


@pytest.mark.timeout(600)
def test_rollup_answers_equal_the_plain_plan_through_every_write(store: Any) -> None:
    rng = random.Random(7)
    mentions = [_mention(rng, i) for i in range(300)]
    _commit(store, mentions)
    dirty = _dirty(store)
    assert len(dirty) >= 10  # every written day is dirty until refreshed
    store._read_only = True  # no lazy refresh: dirty days are answered from the mentions
    assert assert_parity(store) > 100
    assert _dirty(store) == dirty
    store._read_only = False
    assert assert_parity(store) > 100
    assert _dirty(store) == []  # the reads refreshed every day they took from the rollup
    assert store.refresh_rollup() == 0
    assert assert_parity(store) > 100

    # Each kind of write alone, on one or two mentions: the rollup after a refresh must equal a
    # rebuild from scratch, so a write path that forgot to mark its days fails here.
    first, second, third = mentions[0], mentions[1], mentions[2]
    handles = list(dict.fromkeys(m.author.handle for m in mentions[5:] if m.author))
    single_writes = [
        lambda: _commit(store, [first.model_copy(update={"metrics": Metrics(likes=999, shares=3)})]),
        lambda: _commit(  # an edit that moves the mention to another day
            store,
            [
                second.model_copy(
                    update={"text": "edited", "created_at": second.created_at + timedelta(hours=50)}
                )
            ],
        ),
        lambda: _commit(
            store, [third.model_copy(update={"text": "edited again", "language": "ro", "terms": ("x",)})]
        ),
        lambda: store.upsert_enrichment(
            [
                mentions[3].model_copy(
                    update={
                        "sentiment": Sentiment(score=-0.5, label="negative", method="t2"),
                        "brands": ("globex",),
                        "terms": ("refund", "new"),
                        "detected_language": "hu",
                        "reach": Score(value=5.0, method="t2"),
                    }
                )
            ]
        ),
        lambda: store.delete(mentions[4].source, mentions[4].native_id),
        lambda: store.erase_author(handles[0]),
        lambda: store.purge(older_than=T0 + timedelta(days=40), source="reddit"),
    ]
    for write in single_writes:
        write()
        assert _dirty(store)
        _assert_rollup_is_a_rebuild(store)
    # Erasure removes the handle from the rollup at once, not at the next refresh.
    handle = handles[1]
    assert store.erase_author(handle) > 0
    with store._read_tx() as cur:
        cur.execute("SELECT COUNT(*) FROM rollup_daily WHERE value = ?", (handle,))
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT COUNT(*) FROM rollup_authors WHERE author = ?", (handle,))
        assert cur.fetchone()[0] == 0
    assert assert_parity(store) > 50
    _assert_rollup_is_a_rebuild(store)

    # Many writes at once, answered before and after a refresh.
    edits = [
        m.model_copy(update={"text": m.text + " edited", "created_at": m.created_at + timedelta(hours=27)})
        for m in mentions[10:40]
    ]
    refreshes = [m.model_copy(update={"metrics": Metrics(likes=999, shares=3)}) for m in mentions[40:60]]
    _commit(store, edits + refreshes)
    enriched = [
        m.model_copy(
            update={"sentiment": Sentiment(score=0.5, label="positive", method="t2"), "brands": ("acme",)}
        )
        for m in mentions[60:100]
    ]
    assert store.upsert_enrichment(enriched) > 10  # some were purged above
    store._read_only = True
    assert assert_parity(store) > 50
    store._read_only = False
    assert assert_parity(store) > 50
    _assert_rollup_is_a_rebuild(store)


def test_ineligible_requests_take_the_usual_plan(store: Any) -> None:
    dialect = store.dialect
    period = {"since": SINCE, "until": UNTIL}
    for metrics, by, fields in (
        (("distinct_authors",), ("term",), {}),
        (("distinct_authors",), ("bucket",), {}),
        (("count",), ("bucket", "brand"), {}),
        (("count",), ("link",), {}),
        (("count",), ("term", "hashtag"), {}),
        (("count",), ("term",), {"brands": ("acme", "globex")}),  # a mention with both counts once
        (("count",), ("brand",), {"sources": ("mastodon",)}),
        (("count",), ("term",), {"languages": ("hu",)}),
        (("count",), ("brand",), {"text": "late"}),
        (("distinct_authors",), ("source",), {}),  # the pairs are kept per brand
        (("distinct_authors",), ("source",), {"brands": ("acme", "globex")}),
        (("distinct_authors",), ("domain",), {"brands": ("acme",)}),  # and never without a domain
        (("distinct_authors", "count"), ("hashtag",), {"brands": ("acme",)}),
        (("distinct_authors",), ("source",), {"brands": ("acme",), "languages": ("hu",)}),
        (("count",), ("term",), {"intents": ("complaint", "question")}),  # one intent only
        (("count",), ("source",), {"intents": ("complaint",)}),
    ):
        assert (
            plan_rollup(metrics, by, where=Filter(**fields, **period), dialect=dialect, order_by=(), top=None)
            is None
        )
    for freq, tz, by in (
        ("15minute", "UTC", ("bucket",)),
        ("day", "Asia/Kolkata", ("bucket",)),  # edges at :30
        ("day", "UTC", ("bucket", "source")),
    ):
        edges = bucket_edges(SINCE, UNTIL, freq, tz)
        where = Filter(since=SINCE, until=UNTIL)
        assert (
            plan_rollup(("count",), by, where=where, dialect=dialect, order_by=(), top=None, edges=edges)
            is None
        )
    short = Filter(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=30))  # no whole day
    assert plan_rollup(("count",), ("brand",), where=short, dialect=dialect, order_by=(), top=None) is None


def test_distinct_authors_per_value_keep_a_value_whose_mentions_have_no_author(store: Any) -> None:
    # COUNT(DISTINCT) gives such a value 0; the pairs hold no row for it.
    whole, edge = T0 + timedelta(days=1, hours=3), T0 + timedelta(days=2, hours=1)
    _commit(
        store,
        [
            make_mention(
                1, created_at=whole, author=None, hashtags=("#lonely",), url="https://solo.example/1"
            ),
            make_mention(2, created_at=whole, source="rss"),
            make_mention(3, created_at=edge, author=None, source="gdelt", hashtags=("#edge",)),
        ],
    )
    store.refresh_rollup()
    period = Filter(since=T0 + timedelta(days=1), until=T0 + timedelta(days=2, hours=12), brands=("acme",))
    for by, fields in (
        ("hashtag", {}),
        ("source", {}),
        ("domain", {"domains": ("solo.example", "news.example.com")}),
    ):
        where = period.model_copy(update=fields)
        assert plan_rollup(
            ("distinct_authors",), (by,), where=where, dialect=store.dialect, order_by=(), top=None
        )
        rolled = store.aggregate(("distinct_authors",), by=(by,), where=where)
        store.use_rollup = False
        plain = store.aggregate(("distinct_authors",), by=(by,), where=where)
        store.use_rollup = True
        assert rolled == plain
        assert sorted(count for _, count in rolled.rows) == ([0, 0, 1] if by != "domain" else [0, 1])


def test_a_failed_commit_or_refresh_leaves_the_rollup_consistent(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(3)
    _commit(store, [_mention(rng, i, day_span=4) for i in range(80)])
    store.refresh_rollup()
    before = _rollup_table(store)

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("crash after the rows were written")

    monkeypatch.setattr(store, "_text_changed", crash)
    with pytest.raises(RuntimeError):
        _commit(store, [_mention(rng, 1000 + i, day_span=4) for i in range(30)])
    monkeypatch.undo()
    assert store.count() == 80
    assert _dirty(store) == []  # the marks rolled back with the rows
    assert _rollup_table(store) == before

    _commit(store, [_mention(rng, 2000 + i, day_span=4) for i in range(30)])
    dirty = _dirty(store)
    assert dirty
    statements = _rollup._refresh_statements(store.dialect)
    monkeypatch.setitem(
        _rollup._REFRESH, store.dialect.name, [*statements[:2], "SELECT no_such_column FROM x"]
    )
    with pytest.raises(StoreError):
        store.refresh_rollup()
    monkeypatch.undo()
    assert _dirty(store) == dirty  # the failed refresh rolled back: its day is still dirty
    assert assert_parity(store) > 0
    _assert_rollup_is_a_rebuild(store)


def test_a_write_during_a_refresh_keeps_the_day_dirty(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    _commit(store, [_mention(rng, i, day_span=1) for i in range(20)])
    days = _dirty(store)
    # A writer's mark landing between the refresh's read of gen and its conditional delete
    # (the statement takes the refresh's parameters: day, start, end).
    bump = "UPDATE rollup_dirty SET gen = gen + 1 WHERE day = ? AND ? < ?"
    statements = _rollup._refresh_statements(store.dialect)
    monkeypatch.setitem(_rollup._REFRESH, store.dialect.name, [*statements, bump])
    assert store.refresh_rollup() == len(days)
    assert _dirty(store) == days  # recomputed, but still dirty: the next refresh redoes them
    monkeypatch.undo()
    assert store.refresh_rollup() == len(days)
    assert _dirty(store) == []
    _assert_rollup_is_a_rebuild(store)


def test_read_only_store_reads_dirty_days_from_the_mentions(tmp_path: Any) -> None:
    path = tmp_path / "ro.db"
    rng = random.Random(11)
    with SQLiteStore(path) as writer:
        _commit(writer, [_mention(rng, i) for i in range(120)])
        writer.refresh_rollup()
        _commit(writer, [_mention(rng, 500 + i) for i in range(60)])  # some days dirty again
    with SQLiteStore(path, read_only=True) as reader:
        dirty = _dirty(reader)
        assert dirty
        assert assert_parity(reader) > 50
        assert _dirty(reader) == dirty  # a read-only store does not refresh


def _day_count(store: Any) -> int:
    with store._read_tx() as cur:
        cur.execute(f"SELECT COUNT(DISTINCT ts / {_rollup.DAY_US}) FROM mentions")
        return int(cur.fetchone()[0])


def _v5_store(path: Any, rng: random.Random, n: int) -> None:
    """A file as release 5 left it (no rollup tables) holding ``n`` mentions."""
    import sqlite3

    from store_support import V9_BODY_COLUMNS, v9_rows

    from social_listen.store._rows import MENTION_COLUMNS, TAG_COLUMNS
    from social_listen.store._schema import migrate

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    migrate(conn.execute, lambda: None, dialect="sqlite", target=5)
    rows = [v9_rows(_mention(rng, i), i + 1) for i in range(n)]
    for table, columns, values in (
        ("mentions", MENTION_COLUMNS, [r[0] for r in rows]),
        ("mention_bodies", V9_BODY_COLUMNS, [r[1] for r in rows]),
        ("mention_tags", TAG_COLUMNS, [t for r in rows for t in r[2]]),
    ):
        conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", values
        )
    conn.execute("INSERT INTO sl_meta (key, value) VALUES ('next_id', ?)", (str(n + 1),))
    conn.execute("COMMIT")
    conn.close()


def test_sqlite_store_at_schema_5_gets_a_rollup_of_its_existing_mentions(tmp_path: Any) -> None:
    path = tmp_path / "v5.db"
    _v5_store(path, random.Random(13), 150)
    with SQLiteStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert len(_dirty(store)) == _day_count(store) >= 10
        assert assert_parity(store) > 100
        assert _dirty(store) == []  # the reads refreshed every day they took from the rollup
        _assert_rollup_is_a_rebuild(store)


@pytest.mark.postgres
def test_postgres_store_at_schema_5_gets_a_rollup_of_its_existing_mentions(
    pg_schema: tuple[str, str],
) -> None:
    import psycopg

    from social_listen.store import PostgresStore

    dsn, schema = pg_schema
    rng = random.Random(17)
    with PostgresStore(dsn, schema=schema) as store:
        _commit(store, [_mention(rng, i) for i in range(150)])
    with psycopg.connect(dsn, autocommit=True) as conn:  # back to what release 5 left
        conn.execute(f"DROP TABLE {schema}.rollup_daily, {schema}.rollup_dirty")
        conn.execute(f"UPDATE {schema}.sl_meta SET value = '5' WHERE key = 'schema_version'")
    with PostgresStore(dsn, schema=schema) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert len(_dirty(store)) == _day_count(store) >= 10
        assert assert_parity(store) > 100
        _assert_rollup_is_a_rebuild(store)


def test_day_of_is_the_floor_in_python_and_sql(store: Any) -> None:
    for ts in (0, 1, -1, _rollup.DAY_US - 1, _rollup.DAY_US, -_rollup.DAY_US, -_rollup.DAY_US - 1):
        with store._read_tx() as cur:
            cur.execute(f"SELECT {_rollup._DAY_SQL.replace('ts', 'CAST(? AS BIGINT)')}", (ts, ts, ts))
            assert int(cur.fetchone()[0]) == _rollup.day_of(ts) == ts // _rollup.DAY_US


def test_a_schema_6_or_7_store_rebuilds_the_days_it_rolled_up(tmp_path: Any) -> None:
    path = tmp_path / "v6.db"
    rng = random.Random(19)
    with SQLiteStore(path) as store:
        _commit(store, [_mention(rng, i) for i in range(120)])
        store.refresh_rollup()
        with store._write_tx() as cur:  # what schema 6 left: no hourly rows
            cur.execute("DELETE FROM rollup_daily WHERE kind IN ('hour', 'author')")
            cur.execute("UPDATE sl_meta SET value = '6' WHERE key = 'schema_version'")
    with SQLiteStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert len(_dirty(store)) == _day_count(store)
        assert assert_parity(store) > 100
        _assert_rollup_is_a_rebuild(store)


def test_a_read_only_store_at_an_older_schema_answers_from_the_mentions(tmp_path: Any) -> None:
    # A read-only open does not migrate: a schema 5 file has no rollup tables at all.
    path = tmp_path / "v5.db"
    _v5_store(path, random.Random(23), 150)
    with SQLiteStore(path, read_only=True) as reader:
        assert reader.schema_version == 5
        assert reader.use_rollup is False
        rows = reader.aggregate(("count", "distinct_authors"), where=Filter(since=SINCE, until=UNTIL)).rows
        by_source = reader.aggregate(("count",), by=("source",), where=Filter(since=SINCE, until=UNTIL))
    with SQLiteStore(path) as store:  # migrated: the rollup answers, and agrees
        assert store.use_rollup is True
        period = Filter(since=SINCE, until=UNTIL)
        assert store.aggregate(("count", "distinct_authors"), where=period).rows == rows
        assert store.aggregate(("count",), by=("source",), where=period) == by_source
        assert sum(row[1] for row in by_source.rows) == rows[0][0] > 0
    with SQLiteStore(path, read_only=True) as reader:  # at the current schema it reads the rollup
        assert reader.use_rollup is True


# --- PostgreSQL concurrency: two writers under READ COMMITTED ---------------------------------


def _run_until_blocked(dsn: str, holder: Any, work: Any) -> threading.Thread:
    """Start ``work`` in a thread; return once it finished or waits on a lock ``holder`` holds.

    ``holder`` is a cursor of the transaction holding the locks (its backend is the blocker).
    """
    import psycopg

    holder.execute("SELECT pg_backend_pid()")
    pid = int(holder.fetchone()[0])
    thread = threading.Thread(target=work)
    thread.start()
    deadline = time.monotonic() + 30  # a hang guard, not a timing assert
    with psycopg.connect(dsn, autocommit=True) as watch:
        while thread.is_alive() and time.monotonic() < deadline:
            row = watch.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (pid,)
            ).fetchone()
            if row is not None and row[0]:
                break
            time.sleep(0.01)
    return thread


@pytest.mark.postgres
@pytest.mark.timeout(120)
@pytest.mark.parametrize("write", ["enrichment", "engagement"])
def test_a_mention_moved_by_another_writer_marks_the_day_it_is_on(
    pg_schema: tuple[str, str], write: str
) -> None:
    from social_listen.store import PostgresStore

    dsn, schema = pg_schema
    moving = make_mention(
        1,
        created_at=T0 + timedelta(days=1, hours=12),
        brands=("acme",),
        author=Author(handle="bob"),
        sentiment=Sentiment(score=0.9, label="positive", method="t"),
    )
    others = [
        make_mention(100 + d, created_at=T0 + timedelta(days=d, hours=3), brands=("acme",)) for d in range(6)
    ]
    with PostgresStore(dsn, schema=schema) as first, PostgresStore(dsn, schema=schema) as second:
        first.commit_page(Page(mentions=(moving, *others)), SourceState(), source_key="k")
        first.refresh_rollup()
        errors: list[BaseException] = []
        threads: list[threading.Thread] = []

        def edit_and_refresh() -> None:  # another writer moves the mention to day 3
            later = T0 + timedelta(days=3, hours=12)
            moved = moving.model_copy(update={"text": "edited", "created_at": later})
            try:
                second.commit_page(Page(mentions=(moved,)), SourceState(), source_key="k2")
                second.refresh_rollup()
            except BaseException as exc:  # reported by the assert below
                errors.append(exc)

        lookup = first._lookup

        def racing_lookup(cur: Any, mentions: Any) -> Any:
            found = lookup(cur, mentions)
            if not threads:
                threads.append(_run_until_blocked(dsn, cur, edit_and_refresh))
            return found

        first._lookup = racing_lookup  # type: ignore[method-assign]
        if write == "enrichment":
            negative = Sentiment(score=-0.9, label="negative", method="t2")
            assert first.upsert_enrichment([moving.model_copy(update={"sentiment": negative})]) == 1
        else:
            liked = moving.model_copy(update={"metrics": Metrics(likes=500)})
            first.commit_page(Page(mentions=(liked,)), SourceState(), source_key="k")
        first._lookup = lookup  # type: ignore[method-assign]
        threads[0].join()
        assert errors == []
        stored = first.get(moving.source, moving.native_id)
        assert stored is not None
        assert stored.created_at == T0 + timedelta(days=3, hours=12)
        period = Filter(since=T0, until=T0 + timedelta(days=6))
        metrics = ("count", "mean_sentiment", "count_negative", "sum_likes")
        rolled = first.aggregate(metrics, by=("brand",), where=period)
        assert rolled.rows[0][:2] == ("acme", 7)
        first.use_rollup = False
        assert first.aggregate(metrics, by=("brand",), where=period) == rolled
        first.use_rollup = True
        _assert_rollup_is_a_rebuild(first)


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_erasure_during_a_refresh_of_its_day_neither_deadlocks_nor_leaves_the_author(
    pg_schema: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from social_listen.store import PostgresStore

    dsn, schema = pg_schema
    day = T0 + timedelta(days=1, hours=2)
    with PostgresStore(dsn, schema=schema) as first, PostgresStore(dsn, schema=schema) as second:
        first.commit_page(
            Page(mentions=(make_mention(1, created_at=day, author=Author(handle="bob")),)),
            SourceState(),
            source_key="k",
        )
        first.refresh_rollup()
        first.commit_page(
            Page(mentions=(make_mention(2, created_at=day, author=Author(handle="amy")),)),
            SourceState(),
            source_key="k",
        )
        # The refresh of bob's day holds its lock (and the day's rollup rows) until the test lets it go.
        statements = _rollup._refresh_statements(second.dialect)
        monkeypatch.setitem(
            _rollup._REFRESH,
            "postgres",
            [*statements, "SELECT pg_advisory_xact_lock(1, 1) WHERE CAST(? AS BIGINT) <= ? + 0 * ?"],
        )
        errors: list[BaseException] = []

        def refresh() -> None:
            try:
                second.refresh_rollup()
            except BaseException as exc:  # reported by the assert below
                errors.append(exc)

        import psycopg

        with psycopg.connect(dsn) as blocker:
            blocker.execute("SELECT pg_advisory_xact_lock(1, 1)")  # the refresh waits on this
            thread = threading.Thread(target=refresh)
            thread.start()
            deadline = time.monotonic() + 30  # a hang guard, not a timing assert
            while time.monotonic() < deadline:
                row = blocker.execute(
                    "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                    "AND classid = 1 AND objid = 1"
                ).fetchone()
                if row is not None and row[0]:
                    break
                time.sleep(0.01)
            erased: list[int] = []
            eraser = threading.Thread(target=lambda: erased.append(first.erase_author("bob")))
            eraser.start()
            while eraser.is_alive() and time.monotonic() < deadline:  # the erasure waits for the refresh
                row = blocker.execute(
                    "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                    # A day's refresh lock: key 1 is the hash of the schema and the lock class
                    # (an unsigned oid in pg_locks).
                    "AND classid::bigint = (hashtext(%s || %s)::bigint & 4294967295)",
                    (schema, _rollup._LOCK_CLASS),
                ).fetchone()
                if row is not None and row[0]:
                    break
                time.sleep(0.01)
            blocker.rollback()  # lets the refresh finish
            thread.join()
            eraser.join()
        monkeypatch.undo()
        assert errors == []
        assert erased == [1]
        with first._read_tx() as cur:
            cur.execute("SELECT COUNT(*) FROM rollup_daily WHERE value = 'bob'")
            assert cur.fetchone()[0] == 0
        period = Filter(since=T0, until=T0 + timedelta(days=3))
        assert first.aggregate(("count",), by=("author",), where=period).rows == (("amy", 1),)
        _assert_rollup_is_a_rebuild(first)


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_a_refresh_skips_a_day_another_refresh_holds(pg_schema: tuple[str, str]) -> None:
    import psycopg

    from social_listen.store import PostgresStore

    dsn, schema = pg_schema
    rng = random.Random(29)
    with PostgresStore(dsn, schema=schema) as store:
        _commit(store, [_mention(rng, i, day_span=4) for i in range(60)])
        days = _dirty(store)
        assert len(days) >= 3
        held = days[1]
        # A refresh of that day in progress elsewhere (the store's own lock statement).
        with psycopg.connect(dsn, options=f"-c search_path={schema}") as other:
            lock = _rollup.lock_sql(store.dialect)
            assert lock is not None
            other.execute(lock.replace("?", "%s"), (held,))
            assert store.refresh_rollup() == len(days) - 1  # no wait, no StoreBusy
            assert _dirty(store) == [held]
            assert assert_parity(store) > 50  # the held day is read from the mentions
            assert _dirty(store) == [held]
            other.rollback()
        assert store.refresh_rollup() == 1
        _assert_rollup_is_a_rebuild(store)


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_a_refresh_in_another_schema_of_the_database_holds_no_day(pg_schema: tuple[str, str]) -> None:
    import psycopg

    from social_listen.store import PostgresStore

    dsn, schema = pg_schema
    neighbour = schema + "_n"
    rng = random.Random(31)
    try:
        with PostgresStore(dsn, schema=schema) as store, PostgresStore(dsn, schema=neighbour):
            _commit(store, [_mention(rng, i, day_span=3) for i in range(40)])
            days = _dirty(store)
            assert days
            lock = _rollup.lock_sql(store.dialect)
            assert lock is not None
            # The neighbouring store refreshes the same days (its lock statement, its schema).
            with psycopg.connect(dsn, options=f"-c search_path={neighbour}") as other:
                for day in days:
                    other.execute(lock.replace("?", "%s"), (day,))
                assert store.refresh_rollup() == len(days)
                assert _dirty(store) == []
                other.rollback()
            _assert_rollup_is_a_rebuild(store)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {neighbour} CASCADE")


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_a_purge_marks_the_day_of_a_mention_committed_while_it_ran(
    pg_schema: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from social_listen.store import PostgresStore

    dsn, schema = pg_schema
    old = [make_mention(i, created_at=T0 + timedelta(days=1, hours=i)) for i in range(3)]
    late = make_mention(50, created_at=T0 + timedelta(days=4, hours=2))  # same source, another day
    with PostgresStore(dsn, schema=schema) as first, PostgresStore(dsn, schema=schema) as second:
        first.commit_page(Page(mentions=tuple(old)), SourceState(), source_key="k")
        first.refresh_rollup()
        text_deleted = first._text_deleted

        def insert_meanwhile(cur: Any, id_subquery: str, params: Any) -> None:
            # Another writer commits a matching mention and a refresh rolls its day up, after
            # the purge read its days and before it deletes.
            second.commit_page(Page(mentions=(late,)), SourceState(), source_key="k2")
            second.refresh_rollup()
            text_deleted(cur, id_subquery, params)

        monkeypatch.setattr(first, "_text_deleted", insert_meanwhile)
        assert first.purge(source=late.source) == 4
        monkeypatch.undo()
        assert first.count() == 0
        period = Filter(since=T0, until=T0 + timedelta(days=6))
        assert first.aggregate(("count",), where=period).rows == ((0,),)
        _assert_rollup_is_a_rebuild(first)

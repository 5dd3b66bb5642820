"""Store benchmark: ingest, full-text indexing and pushed-down aggregates over generated mentions.

Usage: python benchmarks/store.py [--seed N] [--quick] [--size N] [--floor]

Figures (median of 3 after one warm-up, one process):
- ingest_per_s: commit_page of 1,000-mention pages (with raw payloads) into a fresh SQLite file,
  full-text indexing excluded (it is deferred and measured as fts_s).
- bare_per_s: the same rows, tuples built in advance, executemany into the same tables and
  indexes in one transaction.
- fts_s: stemming and indexing every mention into FTS5 (SQLiteStore.index_text).
- rollup_s: building the daily rollup of every ingested day (SQLiteStore.refresh_rollup), after
  checking that period totals read through it equal the plan without it.
- agg_s: daily volume and mean sentiment per brand (30 brands) in Europe/Bucharest, in SQL.
- agg_python_s: the same answer computed by loading every mention into Python (iter_mentions).
- pg_ingest_per_s / pg_agg_s: the same against PostgreSQL when SOCIAL_LISTEN_TEST_PG is set
  (ingest measured on min(size, 200,000) mentions; the aggregate over the full size).

--floor first prints where bare's time goes, per table (CPU microseconds per mention, best of
3): SQLite's own work (the rows copied with INSERT ... SELECT from an attached file, no Python
binding), the same rows through executemany, and building the rows in Python (mention_rows).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from social_listen.core import Author, Mention, Metrics, Page, Sentiment, SourceState
from social_listen.store import Filter, SQLiteStore
from social_listen.store._rows import BODY_COLUMNS, MENTION_COLUMNS, TAG_COLUMNS, mention_rows

BRANDS = [f"brand{i:02d}" for i in range(30)]
WORDS = {
    "en": [
        "delivery",
        "late",
        "again",
        "refund",
        "support",
        "great",
        "love",
        "hate",
        "package",
        "order",
        "broken",
        "app",
        "update",
        "price",
        "customer",
        "service",
        "waiting",
        "week",
        "store",
        "phone",
        "battery",
        "screen",
        "works",
        "fine",
        "terrible",
        "awesome",
    ],
    "hu": [
        "szállítás",
        "késik",
        "megint",
        "visszatérítés",
        "ügyfélszolgálat",
        "csomag",
        "rendelés",
        "hibás",
        "alkalmazás",
        "ár",
        "remek",
        "szeretem",
        "utálom",
        "vár",
        "hét",
        "bolt",
        "telefon",
        "akkumulátor",
        "képernyő",
        "működik",
    ],
    "ro": [
        "livrarea",
        "întârzie",
        "iar",
        "rambursare",
        "asistență",
        "colet",
        "comandă",
        "stricat",
        "aplicația",
        "preț",
        "minunat",
        "iubesc",
        "urăsc",
        "aștept",
        "săptămână",
        "magazin",
        "telefon",
        "baterie",
        "ecran",
        "funcționează",
    ],
}
TZ = "Europe/Bucharest"
PAGE = 1000


def generate(n: int, seed: int) -> list[Mention]:
    """n mentions over 90 days in arrival order, 30 brands, three languages, raw payloads."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    # A collection stream arrives roughly in time order: item i is posted around i/n of the way
    # through the 90 days, give or take an hour.
    span = 90 * 86400
    for i in range(n):
        lang = rng.choice(("en", "en", "hu", "ro"))
        words = rng.choices(WORDS[lang], k=rng.randint(5, 30))
        brands = tuple(sorted(set(rng.choices(BRANDS, k=rng.choice((1, 1, 1, 2))))))
        words.insert(rng.randrange(len(words)), brands[0])
        text = " ".join(words) + f" #{rng.choice(WORDS[lang])} @user{rng.randrange(500)}"
        created = start + timedelta(seconds=max(0, min(span - 1, i * span // n + rng.randrange(-3600, 3600))))
        score = round(rng.uniform(-1, 1), 3)
        label = "negative" if score < -0.05 else "positive" if score > 0.05 else "neutral"
        handle = f"user{rng.randrange(50_000)}"
        likes = rng.randrange(200)
        raw = {
            "id": str(10**12 + i),
            "created_at": created.isoformat(),
            "text": text,
            "user": {"screen_name": handle, "followers_count": rng.randrange(100_000), "verified": False},
            "entities": {"hashtags": [w for w in text.split() if w.startswith("#")], "urls": []},
            "public_metrics": {"like_count": likes, "retweet_count": rng.randrange(20), "reply_count": 1},
            "lang": lang,
        }
        out.append(
            Mention(
                source=rng.choice(("x", "mastodon", "reddit", "rss")),
                native_id=str(10**12 + i),
                text=text,
                url=f"https://social.example.com/{handle}/status/{i}",
                author=Author(handle=handle, followers=raw["user"]["followers_count"]),  # type: ignore[index]
                created_at=created,
                collected_at=created + timedelta(minutes=5),
                language=lang,
                metrics=Metrics(likes=likes, shares=raw["public_metrics"]["retweet_count"], replies=1),  # type: ignore[index]
                brands=brands,
                hashtags=tuple(w for w in text.split() if w.startswith("#")),
                sentiment=Sentiment(score=score, label=label, method="bench"),
                query="brands",
                raw=raw,
            )
        )
    return out


def median_time(fn: Callable[[], Any], *, runs: int = 3) -> tuple[float, Any]:
    fn()  # warm-up
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def ingest(store: Any, mentions: list[Mention]) -> None:
    state = SourceState()
    for start in range(0, len(mentions), PAGE):
        page = Page(mentions=tuple(mentions[start : start + PAGE]))
        store.commit_page(page, state.with_cursor(str(start)), source_key="bench")


def python_aggregate(store: Any) -> dict[tuple[datetime, str], tuple[int, float]]:
    zone = ZoneInfo(TZ)
    sums: dict[tuple[datetime, str], list[float]] = {}
    for m in store.iter_mentions(batch_size=5000):
        local = m.effective_time.astimezone(zone)
        day = datetime(local.year, local.month, local.day, tzinfo=zone)
        for brand in m.brands:
            acc = sums.setdefault((day, brand), [0, 0.0])
            acc[0] += 1
            acc[1] += m.sentiment.score if m.sentiment else 0.0
    return {k: (int(v[0]), v[1] / v[0]) for k, v in sums.items()}


def sql_aggregate(store: Any) -> dict[tuple[datetime, str], tuple[int, float]]:
    result = store.aggregate(("count", "mean_sentiment"), by=("bucket", "brand"), freq="day", tz=TZ)
    return {(r[0], r[1]): (r[2], r[3]) for r in result}


def rollup_answers_agree(store: SQLiteStore) -> bool:
    """Period totals read through the rollup equal the plan without it (partial first/last day)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    since, until = start + timedelta(days=10, hours=7), start + timedelta(days=60, hours=5)
    for by in (("brand",), ("brand", "language"), ("source",)):
        where = Filter(since=since, until=until)
        results = []
        for use in (True, False):
            store.use_rollup = use
            results.append(store.aggregate(("count", "mean_sentiment", "sum_engagement"), by=by, where=where))
        store.use_rollup = True
        (a, b) = results
        if not a.rows or len(a.rows) != len(b.rows):
            return False
        for x, y in zip(a.rows, b.rows, strict=True):
            means_agree = x[-2] == y[-2] or (
                x[-2] is not None and y[-2] is not None and math.isclose(x[-2], y[-2], abs_tol=1e-9)
            )  # a group without a scored mention has no mean on either side
            if x[:-2] != y[:-2] or x[-1] != y[-1] or not means_agree:
                return False
    return True


def same(a: dict[Any, tuple[int, float]], b: dict[Any, tuple[int, float]]) -> bool:
    return a.keys() == b.keys() and all(
        a[k][0] == b[k][0] and math.isclose(a[k][1], b[k][1], abs_tol=1e-9) for k in a
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="50,000 mentions")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--floor", action="store_true", help="print the per-table cost breakdown first")
    args = parser.parse_args()
    size = args.size or (50_000 if args.quick else 1_000_000)
    t0 = time.perf_counter()
    mentions = generate(size, args.seed)
    print(f"generated {size:,} mentions in {time.perf_counter() - t0:.1f}s")
    tmp = Path(tempfile.mkdtemp(prefix="sl_store_bench_"))

    def fresh(name: str) -> SQLiteStore:
        path = tmp / f"{name}-{uuid.uuid4().hex[:8]}.db"
        return SQLiteStore(path)

    def drop(done: SQLiteStore) -> None:
        """Close a store and delete its files (at 1M each file is about 1.4 GB)."""
        done.close()
        for suffix in ("", "-wal", "-shm"):
            Path(done.path + suffix).unlink(missing_ok=True)

    # Bare: the same tables and indexes, tuples built in advance, one transaction.
    prepared = [mention_rows(m, i + 1, 1) for i, m in enumerate(mentions)]
    data = {
        "narrow": [p[0] for p in prepared],
        "bodies": [p[1] for p in prepared],
        "tags": [row for p in prepared for row in p[2]],
    }
    del prepared
    if args.floor:
        floor(mentions, data, tmp)

    def bare() -> None:
        store = fresh("bare")
        conn = store._conn
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            f"INSERT INTO mentions ({', '.join(MENTION_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(MENTION_COLUMNS))})",
            data["narrow"],
        )
        conn.executemany(
            f"INSERT INTO mention_bodies ({', '.join(BODY_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(BODY_COLUMNS))})",
            data["bodies"],
        )
        conn.executemany(
            f"INSERT INTO mention_tags ({', '.join(TAG_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(TAG_COLUMNS))})",
            data["tags"],
        )
        conn.execute("COMMIT")
        drop(store)

    def ours() -> SQLiteStore:
        store = fresh("ingest")
        ingest(store, mentions)
        return store

    # Interleaved (bare, ours) pairs after one warm-up each, so both see the same machine load.
    bare()
    drop(ours())
    bare_times, ingest_times = [], []
    store = None
    for _ in range(3):
        t = time.perf_counter()
        bare()
        bare_times.append(time.perf_counter() - t)
        if store is not None:
            drop(store)
        t = time.perf_counter()
        store = ours()
        ingest_times.append(time.perf_counter() - t)
    data.clear()
    bare_s, ingest_s = statistics.median(bare_times), statistics.median(ingest_times)
    assert store is not None
    print(f"sqlite ingest: {size / ingest_s:,.0f}/s (bare {size / bare_s:,.0f}/s)")
    assert store.count() == size

    def copy_of_store(name: str) -> SQLiteStore:
        """A copy of the ingested store in a new file (each timed step starts from the same one)."""
        copy = fresh(name)
        copy.close()
        Path(copy.path).unlink()
        store._conn.execute("VACUUM INTO ?", (copy.path,))
        return SQLiteStore(copy.path)

    def fts() -> float:
        target = copy_of_store("fts")
        t = time.perf_counter()
        target.index_text()
        elapsed = time.perf_counter() - t
        hits = target.count(Filter(text="delivery"))
        drop(target)
        assert hits > 0
        return elapsed

    fts_runs = [fts() for _ in range(4)][1:]
    fts_s = statistics.median(fts_runs)
    print(f"full-text indexing: {fts_s:.2f}s for {size:,} mentions")

    def rollup(check: bool) -> float:
        target = copy_of_store("rollup")
        t = time.perf_counter()
        days = target.refresh_rollup()
        elapsed = time.perf_counter() - t
        assert days > 0
        if check and not rollup_answers_agree(target):
            elapsed = math.nan
        drop(target)
        return elapsed

    rollup_runs = [rollup(check=i == 0) for i in range(4)]
    if math.isnan(rollup_runs[0]):
        print("rollup answers differ", file=sys.stderr)
        drop(store)
        return 1
    rollup_s = statistics.median(rollup_runs[1:])
    print(f"daily rollup: {rollup_s:.2f}s for {size:,} mentions")

    expected = python_aggregate(store)
    got = sql_aggregate(store)
    if not same(expected, got):
        print("aggregate answers differ", file=sys.stderr)
        drop(store)
        return 1
    agg_s, _ = median_time(lambda: sql_aggregate(store))
    agg_python_s, _ = median_time(lambda: python_aggregate(store))
    print(
        f"daily volume + mean sentiment, 30 brands: SQL {agg_s:.3f}s, Python {agg_python_s:.2f}s "
        f"({agg_python_s / agg_s:.0f}x)"
    )
    drop(store)
    shutil.rmtree(tmp, ignore_errors=True)

    pg_ingest, pg_agg = float("nan"), float("nan")
    dsn = os.environ.get("SOCIAL_LISTEN_TEST_PG")
    if dsn:
        pg_ingest, pg_agg = bench_postgres(dsn, mentions, expected)
    print(
        f"ingest_per_s={size / ingest_s:.0f} bare_per_s={size / bare_s:.0f} fts_s={fts_s:.3f} "
        f"agg_s={agg_s:.3f} agg_python_s={agg_python_s:.3f} "
        f"pg_ingest_per_s={pg_ingest:.0f} pg_agg_s={pg_agg:.3f} rollup_s={rollup_s:.3f}"
    )
    return 0


def floor(mentions: list[Mention], data: dict[str, list[Any]], tmp: Path) -> None:
    """Print SQLite's own work, the executemany cost and the row building, per table."""
    import sqlite3

    n = len(mentions)
    tables = (
        ("mentions", MENTION_COLUMNS, data["narrow"]),
        ("mention_bodies", BODY_COLUMNS, data["bodies"]),
        ("mention_tags", TAG_COLUMNS, data["tags"]),
    )
    source = tmp / "floor-source.db"
    conn = sqlite3.connect(source)
    for table, columns, rows in tables:  # plain tables, read in rowid order: cheap to copy from
        conn.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
        conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})", rows)
    conn.commit()
    conn.close()

    def best(sql: str, rows: list[Any] | None = None) -> float:
        times = []
        for _ in range(3):
            store = SQLiteStore(tmp / f"floor-{uuid.uuid4().hex[:8]}.db")
            db = store._conn
            db.execute("ATTACH ? AS src", (str(source),))
            db.execute("BEGIN IMMEDIATE")
            t = time.process_time()
            if rows is None:
                db.execute(sql)
            else:
                db.executemany(sql, rows)
            db.execute("COMMIT")
            times.append(time.process_time() - t)
            db.execute("DETACH src")
            store.close()
            Path(store.path).unlink()
        return min(times) / n * 1e6

    for table, columns, rows in tables:
        names = ", ".join(columns)
        sql_us = best(f"INSERT INTO main.{table} ({names}) SELECT * FROM src.{table}")
        many_us = best(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
        print(f"floor {table}: SQLite {sql_us:.1f} us/mention, executemany {many_us:.1f} us/mention")
    t = time.process_time()
    for i, mention in enumerate(mentions):
        mention_rows(mention, i + 1, 1)
    print(f"floor mention_rows: {(time.process_time() - t) / n * 1e6:.1f} us/mention")
    source.unlink()


def bench_postgres(
    dsn: str, mentions: list[Mention], expected: dict[Any, tuple[int, float]]
) -> tuple[float, float]:
    import psycopg

    from social_listen.store import PostgresStore

    n = min(len(mentions), 200_000)
    schemas: list[str] = []

    def fresh() -> PostgresStore:
        schema = "bench_" + uuid.uuid4().hex[:10]
        schemas.append(schema)
        return PostgresStore(dsn, schema=schema)

    def run() -> None:
        store = fresh()
        ingest(store, mentions[:n])
        store.close()

    try:
        ingest_s, _ = median_time(run)
        print(f"postgres ingest: {n / ingest_s:,.0f}/s over {n:,} mentions")
        store = fresh()
        ingest(store, mentions)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"ANALYZE {schemas[-1]}.mentions")
            conn.execute(f"ANALYZE {schemas[-1]}.mention_tags")
        if not same(expected, sql_aggregate(store)):
            print("postgres aggregate differs", file=sys.stderr)
            return float("nan"), float("nan")
        agg_s, _ = median_time(lambda: sql_aggregate(store))
        print(f"postgres aggregate: {agg_s:.3f}s")
        store.close()
        return n / ingest_s, agg_s
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


if __name__ == "__main__":
    sys.exit(main())

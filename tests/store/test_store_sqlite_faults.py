"""SQLite faults: busy writers (row 32), corrupt files, full disks, read-only files (row 35)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from store_support import make_mention

from social_listen.core import Limits, Page, SourceState, StoreBusy, StoreCorrupt, StoreError, StoreWriteError
from social_listen.store import SCHEMA_VERSION, SQLiteStore


def _page(start: int, n: int) -> Page:
    return Page(mentions=tuple(make_mention(i) for i in range(start, start + n)))


@pytest.mark.reliability(32)
def test_a_held_lock_gives_bounded_retries_then_store_busy(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    sleeps: list[float] = []
    store = SQLiteStore(path, limits=Limits(sqlite_busy_timeout=0.01), retries=2, sleep=sleeps.append)
    store.commit_page(_page(0, 2), SourceState(cursor="1"), source_key="k")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreBusy) as info:
        store.commit_page(_page(2, 2), SourceState(cursor="2"), source_key="k")
    assert len(sleeps) == 2
    assert sleeps == sorted(sleeps)
    assert info.value.hint
    blocker.execute("ROLLBACK")
    blocker.close()
    assert store.count() == 2
    assert store.load_state("k") == SourceState(cursor="1")
    store.commit_page(_page(2, 2), SourceState(cursor="2"), source_key="k")
    assert store.count() == 4


@pytest.mark.reliability(32)
def test_concurrent_writers_lose_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SQLiteStore(path).close()
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            store = SQLiteStore(path, limits=Limits(sqlite_busy_timeout=10), sleep=lambda _: None)
            for page in range(15):
                start = worker * 1000 + page * 10
                store.commit_page(_page(start, 10), SourceState(cursor=str(page)), source_key=f"w{worker}")
            store.close()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    store = SQLiteStore(path)
    assert store.count() == 4 * 15 * 10
    assert {k: s.cursor for k, s in store.states().items()} == {f"w{w}": "14" for w in range(4)}
    assert store.check() == []


@pytest.mark.reliability(35)
def test_a_file_that_is_not_a_database_is_store_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not an sqlite file, it is a shopping list\n" * 200)
    with pytest.raises(StoreCorrupt) as info:
        SQLiteStore(path)
    assert "backup" in info.value.hint


@pytest.mark.reliability(35)
def test_another_applications_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreCorrupt):
        SQLiteStore(path)


@pytest.mark.reliability(35)
def test_damaged_pages_raise_store_corrupt_not_sqlite_errors(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SQLiteStore(path)
    for page in range(10):
        store.commit_page(_page(page * 50, 50), SourceState(cursor=str(page)), source_key="k")
    store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(path.read_bytes())
    page_size = 4096
    for offset in range(2 * page_size, len(data) - page_size, 3 * page_size):
        data[offset : offset + page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))

    def open_and_read() -> None:
        damaged = SQLiteStore(path)
        damaged.check()
        list(damaged.iter_mentions())
        damaged.count()

    with pytest.raises(StoreCorrupt):
        open_and_read()


@pytest.mark.reliability(35)
def test_a_full_disk_commits_nothing_and_recovers(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SQLiteStore(path)
    store.commit_page(_page(0, 5), SourceState(cursor="1"), source_key="k")
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    big = Page(mentions=tuple(make_mention(i, text="x" * 20_000) for i in range(5, 60)))
    with pytest.raises(StoreWriteError) as info:
        store.commit_page(big, SourceState(cursor="2"), source_key="k")
    assert "nothing partial" in info.value.hint
    assert store.count() == 5
    assert store.load_state("k") == SourceState(cursor="1")
    store._conn.execute("PRAGMA max_page_count = 1073741823")
    store.commit_page(big, SourceState(cursor="2"), source_key="k")
    assert store.count() == 60
    assert store.check() == []


@pytest.mark.reliability(35)
def test_a_read_only_store_refuses_writes_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SQLiteStore(path).commit_page(_page(0, 3), SourceState(cursor="1"), source_key="k")
    reader = SQLiteStore(path, read_only=True)
    assert reader.count() == 3
    with pytest.raises(StoreWriteError):
        reader.commit_page(_page(3, 3), SourceState(cursor="2"), source_key="k")
    with pytest.raises(StoreWriteError):
        reader.erase_author("user0")
    assert reader.count() == 3
    assert reader.load_state("k") == SourceState(cursor="1")


def test_old_schemas_migrate_forward_and_newer_ones_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SQLiteStore(path)
    store.close()
    conn = sqlite3.connect(path)
    for table in ("source_leases", "rate_budgets", "triage", "triage_history", "outbox"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("UPDATE sl_meta SET value = '1' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    old = SQLiteStore(path, read_only=True)
    assert old.schema_version == 1
    old.close()
    migrated = SQLiteStore(path)
    assert migrated.schema_version == SCHEMA_VERSION
    migrated.commit_page(_page(0, 1), SourceState(), source_key="k")
    assert migrated.leases.register(["k"]) == 1
    migrated.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE sl_meta SET value = '999' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        SQLiteStore(path)


def test_open_store_understands_urls_and_paths(tmp_path: Path) -> None:
    from social_listen.core import ConfigError
    from social_listen.store import open_store

    path = tmp_path / "a.db"
    store = open_store(f"sqlite:///{path}")
    assert isinstance(store, SQLiteStore)
    assert store.path == str(path)
    store.close()
    assert isinstance(open_store(str(tmp_path / "b.db")), SQLiteStore)
    assert open_store(":memory:").count() == 0
    with pytest.raises(ConfigError):
        open_store("mysql://localhost/db")


def test_a_file_store_checkpoints_its_wal_in_large_steps(tmp_path: Path) -> None:
    # Page commits must not trigger a checkpoint (two fsyncs) each: see docs/storage.md.
    store = SQLiteStore(tmp_path / "wal.db")
    try:
        conn = store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] >= 10_000
        assert conn.execute("PRAGMA journal_size_limit").fetchone()[0] > 0
    finally:
        store.close()

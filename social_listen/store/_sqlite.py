"""The embedded default store: stdlib ``sqlite3`` in WAL mode.

One connection per store object (guarded by a lock, so threads may share it); writers take
the database lock with ``BEGIN IMMEDIATE``, wait up to ``Limits.sqlite_busy_timeout`` for
other writers, retry a bounded number of times with an injectable ``sleep``, then raise
:class:`~social_listen.core.StoreBusy` (reliability row 32). A damaged file raises
:class:`~social_listen.core.StoreCorrupt`; a full disk or read-only file raises
:class:`~social_listen.core.StoreWriteError` with the transaction rolled back (row 35).
Full-text indexing of new mentions is deferred to :meth:`SQLiteStore.index_text`, which runs
in batches and automatically before any full-text read: mention ids only grow, so the mentions
still to index are those above a watermark (``sl_meta.fts_through``) plus the edited or
re-languaged ones listed in ``fts_pending``.
"""

from __future__ import annotations

import itertools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from social_listen.core import DEFAULT_LIMITS, Limits, StoreBusy, StoreCorrupt, StoreError, StoreWriteError
from social_listen.store._base import Cursor, SQLStoreBase
from social_listen.store._rows import null_free_groups
from social_listen.store._schema import SCHEMA_VERSION, migrate
from social_listen.store._sql import DISTINCT_VALUES_SQL, Dialect
from social_listen.store._text import fts_match, stem_text

__all__ = ["SQLiteStore"]

logger = logging.getLogger(__name__)

_CORRUPT_MARKERS = ("malformed", "not a database", "file is encrypted", "corrupt")
_WRITE_MARKERS = ("disk is full", "readonly", "read-only", "disk i/o error", "unable to open", "no space")
_BUSY_MARKERS = ("database is locked", "database is busy", "locked")
_WAL_CHECKPOINT_PAGES = 16384  # 64 MB of 4 KB pages
_WAL_SIZE_LIMIT = 64 * 1024 * 1024


def _sqlite_fts(text: str, languages: Sequence[str]) -> tuple[str, list[object]] | None:
    match = fts_match(text, languages)
    if match is None:
        return None
    return "m.id IN (SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH ?)", [match]


class SQLiteStore(SQLStoreBase):
    """A mention store in one SQLite file (or ``:memory:``).

    Args:
        path: A file path or ``":memory:"``.
        limits: ``Limits.sqlite_busy_timeout`` is the lock wait in seconds.
        retries: Extra attempts after a busy timeout before ``StoreBusy``.
        sleep: Called between retries (inject a fake in tests).
        read_only: Open the file read-only (writes raise ``StoreWriteError``). An older
            schema is not migrated; aggregates then read the mentions (``use_rollup`` off).
        synchronous: SQLite ``synchronous`` pragma: ``NORMAL`` survives a killed process,
            ``FULL`` also a power cut.
        languages: Candidate languages for stemming full-text query words.

    Raises:
        StoreCorrupt: The file is damaged or is not a social_listen store.
        StoreWriteError: The file cannot be created or written.

    Examples:
        >>> from social_listen.store import SQLiteStore
        >>> store = SQLiteStore(":memory:")
        >>> store.count()
        0
        >>> store.close()
    """

    name = "sqlite"
    dialect = Dialect(name="sqlite", real="REAL", like="LIKE", fts=_sqlite_fts)

    def __init__(
        self,
        path: str | os.PathLike[str] = ":memory:",
        *,
        limits: Limits = DEFAULT_LIMITS,
        retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        read_only: bool = False,
        synchronous: str = "NORMAL",
        languages: Sequence[str] = ("en", "hu", "ro"),
    ) -> None:
        self.path = str(path)
        self.languages = tuple(languages)
        self._busy_timeout = limits.sqlite_busy_timeout
        self._retries = retries
        self._sleep = sleep
        self._read_only = read_only
        self._lock = threading.RLock()
        self._memory = self.path == ":memory:"
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise StoreError(f"unknown synchronous mode {synchronous!r}", source=self.name)
        self._conn = self._open(synchronous.upper())
        if read_only and (_version(self._conn) or 0) < SCHEMA_VERSION:
            # Not migrated: the rollup tables of an older schema are missing or incomplete, so
            # every aggregate is answered from the mentions.
            self.use_rollup = False

    # --- connection --------------------------------------------------------------------------
    def _open(self, synchronous: str) -> sqlite3.Connection:
        try:
            if self._read_only and not self._memory:
                uri = Path(self.path).absolute().as_uri() + "?mode=ro"
                conn = sqlite3.connect(
                    uri, uri=True, isolation_level=None, check_same_thread=False, timeout=self._busy_timeout
                )
            else:
                conn = sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False, timeout=self._busy_timeout
                )
        except sqlite3.Error as exc:
            raise StoreWriteError(f"cannot open {self.path}: {exc}", source=self.name) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            conn.execute("PRAGMA schema_version").fetchone()
            if not self._memory and not self._read_only:
                conn.execute("PRAGMA journal_mode = WAL").fetchone()
                # Each page commit rewrites the index leaves it touched (author, tags) into the
                # WAL; with the default 1,000-page auto-checkpoint a 1,000-mention page triggered
                # a checkpoint (two fsyncs, the same leaves copied back) at nearly every commit.
                # Checkpoint every 64 MB instead, and truncate the WAL back to 64 MB afterwards.
                conn.execute(f"PRAGMA wal_autocheckpoint = {_WAL_CHECKPOINT_PAGES}").fetchone()
                conn.execute(f"PRAGMA journal_size_limit = {_WAL_SIZE_LIMIT}").fetchone()
            conn.execute(f"PRAGMA synchronous = {synchronous}")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA cache_size = -65536")
            self._check_is_store(conn)
            if not self._read_only:
                self._migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise self._translate(exc) from exc
        except StoreError:
            conn.close()
            raise
        return conn

    def _check_is_store(self, conn: sqlite3.Connection) -> None:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "sl_meta" not in tables:
            raise StoreCorrupt(
                f"{self.path} is an SQLite database but not a social_listen store", source=self.name
            )
        if "sl_meta" in tables:
            row = conn.execute("SELECT value FROM sl_meta WHERE key = 'schema_version'").fetchone()
            if row is not None and int(row[0]) > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has schema version {row[0]}, newer than this release ({SCHEMA_VERSION})",
                    source=self.name,
                    hint="upgrade social_listen to open this store",
                )

    def _migrate(self, conn: sqlite3.Connection, *, target: int = SCHEMA_VERSION) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            before, after = migrate(
                conn.execute,
                lambda: _version(conn),
                dialect="sqlite",
                target=target,
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if before != after:
            logger.info("store %s migrated from schema %s to %s", self.path, before, after)

    def _translate(self, exc: sqlite3.Error) -> StoreError:
        text = str(exc).lower()
        if any(marker in text for marker in _CORRUPT_MARKERS):
            return StoreCorrupt(f"{self.path}: {exc}", source=self.name)
        if any(marker in text for marker in _WRITE_MARKERS):
            return StoreWriteError(f"{self.path}: {exc}", source=self.name)
        if any(marker in text for marker in _BUSY_MARKERS):
            return StoreBusy(f"{self.path}: {exc}", source=self.name)
        if isinstance(exc, sqlite3.IntegrityError):
            return StoreWriteError(f"{self.path}: {exc}", source=self.name)
        return StoreError(f"{self.path}: {exc}", source=self.name)

    @contextmanager
    def _write_tx(self) -> Iterator[Cursor]:
        with self._lock:
            attempt = 0
            while True:
                try:
                    self._conn.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.Error as exc:
                    error = self._translate(exc)
                    if not isinstance(error, StoreBusy) or attempt >= self._retries:
                        raise error from exc
                    attempt += 1
                    logger.warning("store %s busy, retry %d of %d", self.path, attempt, self._retries)
                    self._sleep(min(0.05 * 2**attempt, 2.0))
            try:
                yield self._conn.cursor()
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise self._translate(exc) from exc
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:  # pragma: no cover - the connection is already unusable
            logger.exception("rollback failed on %s", self.path)

    @contextmanager
    def _read_tx(self) -> Iterator[Cursor]:
        with self._lock:
            try:
                yield self._conn.cursor()
            except sqlite3.Error as exc:
                raise self._translate(exc) from exc

    def _reserve_ids(self, cur: Cursor, n: int) -> list[int]:
        cur.execute("SELECT value FROM sl_meta WHERE key = 'next_id'")
        row = cur.fetchone()
        if row is None:
            cur.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM mentions")
            start = int(cur.fetchone()[0])
        else:
            start = int(row[0])
        cur.execute(
            "INSERT INTO sl_meta (key, value) VALUES ('next_id', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(start + n),),
        )
        return list(range(start, start + n))

    def _load_buckets(self, cur: Cursor, edges: Sequence[int]) -> None:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS sl_buckets "
            "(start_us INTEGER PRIMARY KEY, end_us INTEGER NOT NULL)"
        )
        cur.execute("DELETE FROM sl_buckets")
        cur.executemany(
            "INSERT INTO sl_buckets (start_us, end_us) VALUES (?, ?)",
            list(itertools.pairwise(edges)),
        )

    def _load_values(self, cur: Cursor, values: list[str] | str) -> None:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS sl_values (id INTEGER PRIMARY KEY, value TEXT NOT NULL)")
        cur.execute("DELETE FROM sl_values")
        if isinstance(values, str):
            cur.execute(DISTINCT_VALUES_SQL, (values, values))
        else:
            unique = sorted(set(values))
            cur.executemany("INSERT INTO sl_values (id, value) VALUES (?, ?)", list(enumerate(unique, 1)))

    def _insert_rows(
        self,
        cur: Cursor,
        table: str,
        columns: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
        *,
        sparse: bool = False,
    ) -> None:
        # Leaving NULL columns out of the INSERT spares sqlite3's slow binding of None (about
        # 0.45 us each, four times a non-None value); grouping the rows costs about 1-2 us a row.
        groups = null_free_groups(columns, rows) if sparse else [(tuple(columns), list(rows))]
        for names, group in groups:
            cur.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", group
            )

    # --- full text ---------------------------------------------------------------------------
    def _text_changed(self, cur: Cursor, ids: Sequence[int], *, replaced: bool) -> None:
        if not replaced:
            return  # new ids are above the watermark: index_text finds them without a list
        rows = [(i,) for i in ids]
        cur.executemany("DELETE FROM mentions_fts WHERE rowid = ?", rows)
        cur.executemany("INSERT OR IGNORE INTO fts_pending (mention_id) VALUES (?)", rows)

    def _text_deleted(self, cur: Cursor, id_subquery: str, params: Sequence[Any]) -> None:
        cur.execute(f"DELETE FROM mentions_fts WHERE rowid IN ({id_subquery})", params)
        cur.execute(f"DELETE FROM fts_pending WHERE mention_id IN ({id_subquery})", params)

    def _before_text_query(self) -> None:
        if not self._read_only:
            self.index_text()

    def index_text(self, *, batch_size: int = 5000) -> int:
        """Stem and index mentions waiting for the full-text index; returns how many.

        Runs in batches of ``batch_size``, one transaction each; reads that search text call
        it first, so search results are never stale.
        """
        total = 0
        while True:  # new mentions: every id above the watermark
            with self._write_tx() as cur:
                cur.execute("SELECT value FROM sl_meta WHERE key = 'fts_through'")
                row = cur.fetchone()
                cur.execute(
                    "SELECT m.id, b.title, b.text, m.lang FROM mentions m "
                    "JOIN mention_bodies b ON b.mention_id = m.id WHERE m.id > ? ORDER BY m.id LIMIT ?",
                    (0 if row is None else int(row[0]), batch_size),
                )
                rows = cur.fetchall()
                if rows:
                    self._index_rows(cur, rows)
                    cur.execute(
                        "INSERT INTO sl_meta (key, value) VALUES ('fts_through', ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        (str(rows[-1][0]),),
                    )
            total += len(rows)
            if len(rows) < batch_size:
                break
        while True:  # edited or re-languaged mentions
            with self._write_tx() as cur:
                cur.execute(
                    "SELECT p.mention_id, b.title, b.text, m.lang FROM fts_pending p "
                    "JOIN mention_bodies b ON b.mention_id = p.mention_id "
                    "JOIN mentions m ON m.id = p.mention_id LIMIT ?",
                    (batch_size,),
                )
                rows = cur.fetchall()
                if rows:
                    # An edit before its first indexing is also above the watermark: replace.
                    cur.executemany("DELETE FROM mentions_fts WHERE rowid = ?", [(r[0],) for r in rows])
                    self._index_rows(cur, rows)
                    cur.executemany("DELETE FROM fts_pending WHERE mention_id = ?", [(r[0],) for r in rows])
                else:
                    cur.execute("DELETE FROM fts_pending")
            total += len(rows)
            if len(rows) < batch_size:
                return total

    def _index_rows(self, cur: Cursor, rows: Sequence[Sequence[Any]]) -> None:
        """Stem ``(id, title, text, language)`` rows into the full-text index."""
        cur.executemany(
            "INSERT INTO mentions_fts (rowid, body) VALUES (?, ?)",
            [(r[0], stem_text(f"{r[1] or ''} {r[2]}", r[3], fallback=self.languages)) for r in rows],
        )

    # --- maintenance -------------------------------------------------------------------------
    def check(self) -> list[str]:
        """Run SQLite's ``integrity_check``; returns the problems (empty when healthy)."""
        with self._read_tx() as cur:
            cur.execute("PRAGMA integrity_check")
            rows = [str(r[0]) for r in cur.fetchall()]
        return [] if rows == ["ok"] else rows

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        with self._lock:
            return _version(self._conn) or 0

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"


def _version(conn: sqlite3.Connection) -> int | None:
    try:
        row = conn.execute("SELECT value FROM sl_meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else int(row[0])

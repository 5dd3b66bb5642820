"""The alert outbox: notifications written with the data, delivered after commit.

An :class:`~social_listen.store.OutboxItem` passed to ``commit_page(..., outbox=...)`` is
inserted in the same transaction as the page, so an alert exists exactly when its mention
does. Senders :meth:`Outbox.claim` due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several senders never claim the same row), then :meth:`Outbox.mark_sent` or
:meth:`Outbox.mark_failed` with the next attempt time; after ``max_attempts`` a row is
dead-lettered. ``dedup_key`` is unique: one message per (rule, sink, mention), however often
the page is redelivered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from social_listen.core import utcnow
from social_listen.store._protocol import OutboxItem, OutboxMessage
from social_listen.store._values import dumps, from_us, to_us

if TYPE_CHECKING:
    from social_listen.store._base import Cursor, SQLStoreBase

__all__ = ["Outbox", "insert_outbox"]

_COLUMNS = "id, rule, sink, payload, source, native_id, dedup_key, attempts, created_at"


def insert_outbox(cur: Cursor, items: Sequence[OutboxItem], *, now: int) -> None:
    """Insert outbox rows in the caller's transaction; duplicates of a key are ignored."""
    cur.executemany(
        "INSERT INTO outbox (dedup_key, rule, sink, source, native_id, payload, status, attempts, "
        "next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) "
        "ON CONFLICT (dedup_key) DO NOTHING",
        [(i.key, i.rule, i.sink, i.source, i.native_id, dumps(i.payload), now, now) for i in items],
    )


def _message(row: Sequence[Any]) -> OutboxMessage:
    return OutboxMessage(
        id=int(row[0]),
        rule=row[1],
        sink=row[2],
        payload=json.loads(row[3]),
        source=row[4],
        native_id=row[5],
        dedup_key=row[6],
        attempts=int(row[7]),
        created_at=from_us(int(row[8])),
    )


class Outbox:
    """The outbox of one store (``store.outbox``).

    Examples:
        >>> from social_listen.store import SQLiteStore, OutboxItem
        >>> store = SQLiteStore(":memory:")
        >>> store.outbox.add([OutboxItem(rule="spike", payload={"n": 3})])
        1
        >>> [m.rule for m in store.outbox.claim(worker="w1")]
        ['spike']
    """

    def __init__(self, store: SQLStoreBase) -> None:
        self._store = store

    def add(self, items: Iterable[OutboxItem], *, now: datetime | None = None) -> int:
        """Insert rows outside a page commit (window rules); returns how many were new."""
        batch = list(items)
        when = to_us(now or utcnow())
        with self._store._write_tx() as cur:
            before = self._count(cur)
            insert_outbox(cur, batch, now=when)
            return self._count(cur) - before

    @staticmethod
    def _count(cur: Cursor) -> int:
        cur.execute("SELECT COUNT(*) FROM outbox")
        return int(cur.fetchone()[0])

    def claim(
        self,
        *,
        worker: str,
        limit: int = 50,
        lease: timedelta = timedelta(seconds=60),
        now: datetime | None = None,
    ) -> list[OutboxMessage]:
        """Claim due rows for delivery; a claim not settled within ``lease`` is re-claimable."""
        when = to_us(now or utcnow())
        lock = self._store._skip_locked
        with self._store._write_tx() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? "
                "AND (claimed_until IS NULL OR claimed_until <= ?) "
                f"ORDER BY next_attempt_at, id LIMIT ?{lock}",
                (when, when, limit),
            )
            rows = cur.fetchall()
            cur.executemany(
                "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                [(worker, when + lease // timedelta(microseconds=1), row[0]) for row in rows],
            )
        return [_message(row) for row in rows]

    def mark_sent(self, message_id: int, *, now: datetime | None = None) -> None:
        """Record a successful delivery."""
        with self._store._write_tx() as cur:
            cur.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, claimed_by = NULL, claimed_until = NULL, "
                "attempts = attempts + 1 WHERE id = ?",
                (to_us(now or utcnow()), message_id),
            )

    def mark_failed(self, message_id: int, *, error: str, retry_at: datetime, max_attempts: int = 8) -> bool:
        """Record a failed attempt; returns True when the row was dead-lettered."""
        with self._store._write_tx() as cur:
            cur.execute("SELECT attempts FROM outbox WHERE id = ?", (message_id,))
            row = cur.fetchone()
            if row is None:
                return False
            attempts = int(row[0]) + 1
            dead = attempts >= max_attempts
            cur.execute(
                "UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ?, status = ?, "
                "claimed_by = NULL, claimed_until = NULL WHERE id = ?",
                (attempts, error[:2000], to_us(retry_at), "dead" if dead else "pending", message_id),
            )
        return dead

    def dead_letters(self) -> list[OutboxMessage]:
        """Rows that ran out of attempts."""
        with self._store._read_tx() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM outbox WHERE status = 'dead' ORDER BY id")
            return [_message(row) for row in cur.fetchall()]

    def requeue(self, message_id: int, *, now: datetime | None = None) -> None:
        """Put a dead-lettered row back in the queue with its attempts reset."""
        with self._store._write_tx() as cur:
            cur.execute(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ?",
                (to_us(now or utcnow()), message_id),
            )

    def counts(self) -> dict[str, int]:
        """Rows per status (``pending``, ``sent``, ``dead``)."""
        with self._store._read_tx() as cur:
            cur.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status")
            return {row[0]: int(row[1]) for row in cur.fetchall()}

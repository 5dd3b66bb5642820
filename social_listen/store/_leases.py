"""Scale-out: source leases and shared rate budgets kept in the database.

Many collector processes share one store. Each source key is a row in ``source_leases``; a
collector :meth:`Leases.acquire` s a free or expired one (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two collectors never wait on or take the same row; SQLite's write lock
serialises instead), collects a page, and commits it with ``commit_page(..., lease=lease)``.
Every acquisition bumps the row's ``token``; the commit checks the token in the same
transaction (a fencing token), so a collector that stalled past its TTL and lost the source
cannot overwrite its successor's progress: it gets :class:`~social_listen.core.LeaseLost` and
nothing it wrote is committed. A holder that dies simply stops renewing; the lease expires and
another collector resumes from the last committed state. Rate budgets are token buckets per
credential, updated under a row lock so every collector draws from the same budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from social_listen.core import LeaseLost, utcnow
from social_listen.store._values import from_us, to_us

if TYPE_CHECKING:
    from social_listen.store._base import Cursor, SQLStoreBase

__all__ = ["Lease", "Leases", "check_lease"]

_MICRO = timedelta(microseconds=1)


@dataclass(frozen=True)
class Lease:
    """A source held by one collector until ``expires_at``.

    Attributes:
        source_key: The leased collection.
        holder: The collector's id.
        token: The fencing token of this acquisition.
        expires_at: When another collector may take the source unless renewed.
    """

    source_key: str
    holder: str
    token: int
    expires_at: datetime


def check_lease(cur: Cursor, lease: Lease, *, now: int, lock: str = "") -> None:
    """Raise :class:`LeaseLost` unless ``lease`` still holds its source (inside a transaction)."""
    del now  # the token, not the clock, decides: an expired lease nobody took is still valid
    cur.execute(f"SELECT holder, token FROM source_leases WHERE source_key = ?{lock}", (lease.source_key,))
    row = cur.fetchone()
    if row is None or row[0] != lease.holder or int(row[1]) != lease.token:
        raise LeaseLost(
            f"lease on {lease.source_key!r} (token {lease.token}) is no longer held by {lease.holder!r}",
            source="store",
        )


class Leases:
    """Source leases and rate budgets of one store (``store.leases``).

    Examples:
        >>> from datetime import timedelta
        >>> from social_listen.store import SQLiteStore
        >>> leases = SQLiteStore(":memory:").leases
        >>> leases.register(["hn:acme"])
        1
        >>> lease = leases.acquire(holder="collector-1", ttl=timedelta(seconds=30))
        >>> lease.source_key, leases.acquire(holder="collector-2") is None
        ('hn:acme', True)
    """

    def __init__(self, store: SQLStoreBase) -> None:
        self._store = store

    def register(self, source_keys: Iterable[str]) -> int:
        """Make sources leasable (existing ones are kept); returns how many were new."""
        keys = sorted(set(source_keys))
        with self._store._write_tx() as cur:
            cur.execute("SELECT COUNT(*) FROM source_leases")
            before = int(cur.fetchone()[0])
            cur.executemany(
                "INSERT INTO source_leases (source_key) VALUES (?) ON CONFLICT (source_key) DO NOTHING",
                [(k,) for k in keys],
            )
            cur.execute("SELECT COUNT(*) FROM source_leases")
            return int(cur.fetchone()[0]) - before

    def acquire(
        self,
        *,
        holder: str,
        ttl: timedelta = timedelta(seconds=60),
        source_keys: Iterable[str] | None = None,
        now: datetime | None = None,
    ) -> Lease | None:
        """Lease one free (or expired) source that is not done; ``None`` when none is free.

        The least recently worked source comes first, so collectors rotate fairly.
        """
        when = to_us(now or utcnow())
        expires = when + ttl // _MICRO
        keys = None if source_keys is None else list(source_keys)
        where = "done = 0 AND (holder IS NULL OR expires_at <= ?)"
        params: list[object] = [when]
        if keys is not None:
            if not keys:
                return None
            where += f" AND source_key IN ({', '.join('?' * len(keys))})"
            params.extend(keys)
        with self._store._write_tx() as cur:
            cur.execute(
                f"SELECT source_key, token FROM source_leases WHERE {where} "
                f"ORDER BY updated_at, source_key LIMIT 1{self._store._skip_locked}",
                params,
            )
            row = cur.fetchone()
            if row is None:
                return None
            token = int(row[1]) + 1
            cur.execute(
                "UPDATE source_leases SET holder = ?, token = ?, expires_at = ?, updated_at = ? "
                "WHERE source_key = ?",
                (holder, token, expires, when, row[0]),
            )
        return Lease(source_key=row[0], holder=holder, token=token, expires_at=from_us(expires))

    def renew(
        self, lease: Lease, *, ttl: timedelta = timedelta(seconds=60), now: datetime | None = None
    ) -> Lease:
        """Extend a held lease; raises :class:`LeaseLost` if another collector took it."""
        when = to_us(now or utcnow())
        expires = when + ttl // _MICRO
        with self._store._write_tx() as cur:
            check_lease(cur, lease, now=when, lock=self._store._for_update)
            cur.execute(
                "UPDATE source_leases SET expires_at = ?, updated_at = ? WHERE source_key = ?",
                (expires, when, lease.source_key),
            )
        return Lease(lease.source_key, lease.holder, lease.token, from_us(expires))

    def release(self, lease: Lease, *, done: bool = False, now: datetime | None = None) -> None:
        """Give a source back (``done=True``: nobody needs to collect it again)."""
        when = to_us(now or utcnow())
        with self._store._write_tx() as cur:
            check_lease(cur, lease, now=when, lock=self._store._for_update)
            cur.execute(
                "UPDATE source_leases SET holder = NULL, expires_at = 0, done = ?, updated_at = ? "
                "WHERE source_key = ?",
                (int(done), when, lease.source_key),
            )

    def status(self) -> dict[str, tuple[str | None, bool, datetime]]:
        """``{source_key: (holder, done, expires_at)}``."""
        with self._store._read_tx() as cur:
            cur.execute("SELECT source_key, holder, done, expires_at FROM source_leases ORDER BY source_key")
            return {r[0]: (r[1], bool(r[2]), from_us(int(r[3]))) for r in cur.fetchall()}

    def take_budget(
        self,
        credential: str,
        *,
        cost: float = 1.0,
        capacity: float,
        refill_per_second: float,
        now: datetime | None = None,
    ) -> float:
        """Draw ``cost`` from a credential's shared token bucket.

        Returns:
            0.0 when granted (the tokens are spent), else the seconds to wait before the
            bucket holds enough (nothing is spent).
        """
        when = to_us(now or utcnow())
        with self._store._write_tx() as cur:
            cur.execute(
                "INSERT INTO rate_budgets (credential, capacity, refill_per_second, tokens, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (credential) DO NOTHING",
                (credential, capacity, refill_per_second, capacity, when),
            )
            cur.execute(
                f"SELECT tokens, updated_at FROM rate_budgets WHERE credential = ?{self._store._for_update}",
                (credential,),
            )
            tokens, updated = cur.fetchone()
            elapsed = max(0, when - int(updated)) / 1_000_000
            tokens = min(capacity, float(tokens) + elapsed * refill_per_second)
            if tokens >= cost:
                tokens -= cost
                wait = 0.0
            else:
                wait = (cost - tokens) / refill_per_second if refill_per_second > 0 else float("inf")
            cur.execute(
                "UPDATE rate_budgets SET tokens = ?, capacity = ?, refill_per_second = ?, updated_at = ? "
                "WHERE credential = ?",
                (tokens, capacity, refill_per_second, max(when, int(updated)), credential),
            )
        return wait

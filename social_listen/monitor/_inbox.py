"""The triage inbox: status, assignee, tags, notes and history per mention, and response times.

Triage lives in the store (tables ``triage`` and ``triage_history``), so every collector,
the command line and an embedding app see the same inbox. A mention that was never triaged is
``new``. :meth:`Inbox.needs_human` lists what is open, most urgent first. A reply by one of the
brand's own accounts in the thread marks the mention ``responded`` automatically
(:meth:`Inbox.record_replies`). :meth:`Inbox.response_times` gives time to first response and
to close (median and p90) per source, brand or assignee, and the SLA breaches.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from social_listen.core import InvalidFilter, Mention, StoreError, utcnow
from social_listen.store import Filter
from social_listen.store._base import Cursor, SQLStoreBase
from social_listen.store._values import from_us, to_us

__all__ = ["STATUSES", "HistoryEntry", "Inbox", "ResponseStats", "SlaBreach", "TriageRecord"]

STATUSES: tuple[str, ...] = ("new", "assigned", "responded", "ignored", "closed")
"""Triage states; ``new`` and ``assigned`` are open, the others are settled."""
OPEN_STATUSES = ("new", "assigned")
_TRIAGE_ROW = (
    "SELECT status, assignee, tags, notes, first_response_at, closed_at FROM triage WHERE mention_id = ?"
)
GroupBy = Literal["source", "brand", "assignee"]


@dataclass(frozen=True, slots=True)
class TriageRecord:
    """The triage state of one mention."""

    source: str
    native_id: str
    status: str
    assignee: str | None
    tags: tuple[str, ...]
    notes: tuple[str, ...]
    first_response_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One change of a mention's triage state."""

    at: datetime
    actor: str | None
    field: str
    old_value: str | None
    new_value: str | None


@dataclass(frozen=True, slots=True)
class ResponseStats:
    """Response-time figures for one group (seconds)."""

    group: str
    mentions: int
    responded: int
    closed: int
    median_first_response_s: float | None
    p90_first_response_s: float | None
    median_close_s: float | None
    p90_close_s: float | None


@dataclass(frozen=True, slots=True)
class SlaBreach:
    """A mention answered later than the SLA target, or not yet answered past it."""

    source: str
    native_id: str
    created_at: datetime
    waited_s: float
    responded: bool


def _percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank-interpolated percentile (``q`` in [0, 1]); ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


class Inbox:
    """Triage operations over a SQL store (SQLite or PostgreSQL).

    Args:
        store: A store from :func:`social_listen.store.open_store`.

    Examples:
        >>> from social_listen.store import SQLiteStore
        >>> inbox = Inbox(SQLiteStore(":memory:"))
        >>> inbox.needs_human(limit=5)
        []
    """

    def __init__(self, store: Any) -> None:
        if not isinstance(store, SQLStoreBase):
            raise InvalidFilter("the inbox needs a SQL store (SQLiteStore or PostgresStore)")
        self.store: SQLStoreBase = store

    # --- reading ----------------------------------------------------------------------------
    def needs_human(
        self, *, limit: int = 20, brands: Sequence[str] = (), sources: Sequence[str] = ()
    ) -> list[Mention]:
        """Open mentions (new or assigned), most urgent first, then newest."""
        where = Filter(statuses=OPEN_STATUSES, brands=tuple(brands), sources=tuple(sources))
        return list(self.store.iter_mentions(where, order_by="-urgency", limit=limit))

    def get(self, source: str, native_id: str) -> TriageRecord:
        """The triage state of a stored mention (``new`` when never triaged)."""
        with self.store._read_tx() as cur:
            mention_id = self._mention_id(cur, source, native_id)
            cur.execute(
                _TRIAGE_ROW,
                (mention_id,),
            )
            row = cur.fetchone()
        if row is None:
            return TriageRecord(source, native_id, "new", None, (), (), None, None)
        return TriageRecord(
            source,
            native_id,
            row[0],
            row[1],
            tuple(json.loads(row[2])),
            tuple(json.loads(row[3])),
            from_us(row[4]) if row[4] is not None else None,
            from_us(row[5]) if row[5] is not None else None,
        )

    def history(self, source: str, native_id: str) -> list[HistoryEntry]:
        """Every change of the mention's triage state, oldest first."""
        with self.store._read_tx() as cur:
            mention_id = self._mention_id(cur, source, native_id)
            cur.execute(
                "SELECT at, actor, field, old_value, new_value FROM triage_history "
                "WHERE mention_id = ? ORDER BY at, id",
                (mention_id,),
            )
            return [HistoryEntry(from_us(r[0]), r[1], r[2], r[3], r[4]) for r in cur.fetchall()]

    # --- changing ---------------------------------------------------------------------------
    def set_status(
        self,
        source: str,
        native_id: str,
        status: str,
        *,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> TriageRecord:
        """Move a mention to ``status`` (one of :data:`STATUSES`), recording who and when."""
        if status not in STATUSES:
            raise InvalidFilter(f"unknown triage status {status!r}", hint=f"use one of {', '.join(STATUSES)}")
        return self._change(source, native_id, {"status": status}, actor=actor, at=at)

    def assign(
        self,
        source: str,
        native_id: str,
        assignee: str,
        *,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> TriageRecord:
        """Assign a mention (status becomes ``assigned`` if it was ``new``)."""
        current = self.get(source, native_id)
        changes: dict[str, Any] = {"assignee": assignee}
        if current.status == "new":
            changes["status"] = "assigned"
        return self._change(source, native_id, changes, actor=actor, at=at)

    def respond(
        self, source: str, native_id: str, *, actor: str | None = None, at: datetime | None = None
    ) -> TriageRecord:
        """Mark a mention responded (the first response time is kept)."""
        return self._change(source, native_id, {"status": "responded"}, actor=actor, at=at)

    def close(
        self, source: str, native_id: str, *, actor: str | None = None, at: datetime | None = None
    ) -> TriageRecord:
        """Close a mention."""
        return self._change(source, native_id, {"status": "closed"}, actor=actor, at=at)

    def tag(
        self, source: str, native_id: str, *tags: str, actor: str | None = None, at: datetime | None = None
    ) -> TriageRecord:
        """Add tags to a mention."""
        current = self.get(source, native_id)
        merged = tuple(dict.fromkeys((*current.tags, *tags)))
        return self._change(source, native_id, {"tags": merged}, actor=actor, at=at)

    def note(
        self, source: str, native_id: str, text: str, *, actor: str | None = None, at: datetime | None = None
    ) -> TriageRecord:
        """Append a note to a mention."""
        current = self.get(source, native_id)
        return self._change(source, native_id, {"notes": (*current.notes, text)}, actor=actor, at=at)

    def record_replies(self, mentions: Iterable[Mention], *, own_handles: Iterable[str]) -> int:
        """Mark mentions responded when one of the brand's own accounts replied in the thread.

        A reply counts when its author is one of ``own_handles`` and its ``parent_id``,
        ``extras["in_reply_to_id"]`` or ``thread_id`` names a stored mention of the same source,
        by native id or by the platform-local id kept in ``extras["local_id"]`` (Mastodon).
        The response time is the reply's creation time. Returns how many mentions changed.
        """
        own = {h.lower().lstrip("@") for h in own_handles}
        changed = 0
        for reply in mentions:
            if not reply.author or reply.author.handle.lower().lstrip("@").split("@")[0] not in own:
                continue
            local_parent = reply.extras.get("in_reply_to_id")
            for parent in (reply.parent_id, str(local_parent) if local_parent else None, reply.thread_id):
                if not parent:
                    continue
                target = self._resolve(reply.source, parent)
                if target is None:
                    continue
                record = self.get(reply.source, target)
                if record.status in OPEN_STATUSES:
                    self._change(
                        reply.source,
                        target,
                        {"status": "responded"},
                        actor=reply.author.handle,
                        at=reply.created_at,
                    )
                    changed += 1
                break
        return changed

    # --- metrics ----------------------------------------------------------------------------
    def response_times(
        self,
        *,
        by: GroupBy = "source",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[ResponseStats]:
        """Time to first response and to close, median and p90, per group."""
        if by not in ("source", "brand", "assignee"):
            raise InvalidFilter(
                f"cannot group response times by {by!r}", hint="use source, brand or assignee"
            )
        rows = self._triaged(since=since, until=until)
        groups: dict[str, list[tuple[int, int | None, int | None]]] = defaultdict(list)
        for source, _native, created, first, closed, assignee, brands in rows:
            keys = {
                "source": [source],
                "assignee": [assignee or "(unassigned)"],
                "brand": brands or ["(none)"],
            }[by]
            for key in keys:
                groups[key].append((created, first, closed))
        stats = []
        for key in sorted(groups):
            items = groups[key]
            firsts = [(f - c) / 1e6 for c, f, _ in items if f is not None]
            closes = [(x - c) / 1e6 for c, _, x in items if x is not None]
            stats.append(
                ResponseStats(
                    group=key,
                    mentions=len(items),
                    responded=len(firsts),
                    closed=len(closes),
                    median_first_response_s=_percentile(firsts, 0.5),
                    p90_first_response_s=_percentile(firsts, 0.9),
                    median_close_s=_percentile(closes, 0.5),
                    p90_close_s=_percentile(closes, 0.9),
                )
            )
        return stats

    def sla_breaches(
        self, *, target: timedelta, now: datetime | None = None, since: datetime | None = None
    ) -> list[SlaBreach]:
        """Mentions answered later than ``target``, or still unanswered past it, longest first.

        Only mentions that entered triage (assigned, responded, closed, or the open ones the
        monitor routed to a human) are judged; ignored mentions never breach.
        """
        now = now or utcnow()
        breaches = []
        with self.store._read_tx() as cur:
            cur.execute(
                "SELECT m.source, m.native_id, m.created_at, t.first_response_at, t.status "
                "FROM triage t JOIN mentions m ON m.id = t.mention_id WHERE t.status <> 'ignored'"
                + (" AND m.created_at >= ?" if since else ""),
                (to_us(since),) if since else (),
            )
            rows = cur.fetchall()
        for source, native_id, created, first, _status in rows:
            end = first if first is not None else to_us(now)
            waited = (end - created) / 1e6
            if waited > target.total_seconds():
                breaches.append(SlaBreach(source, native_id, from_us(created), waited, first is not None))
        return sorted(breaches, key=lambda b: -b.waited_s)

    # --- internals --------------------------------------------------------------------------
    @staticmethod
    def _mention_id(cur: Cursor, source: str, native_id: str) -> int:
        cur.execute("SELECT id FROM mentions WHERE source = ? AND native_id = ?", (source, native_id))
        row = cur.fetchone()
        if row is None:
            raise StoreError(
                f"no stored mention {source}/{native_id}",
                source="inbox",
                hint="collect it before triaging it",
            )
        return int(row[0])

    def _resolve(self, source: str, parent: str) -> str | None:
        """The native id of the stored mention a reply points at, if any."""
        if self.store.get(source, parent) is not None:
            return parent
        with self.store._read_tx() as cur:
            cur.execute(
                "SELECT m.native_id FROM mentions m JOIN mention_bodies b ON b.mention_id = m.id "
                "WHERE m.source = ? AND b.extras LIKE ? ESCAPE '\\'",
                (
                    source,
                    '%"local_id":"'
                    + parent.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                    + '"%',
                ),
            )
            row = cur.fetchone()
        return str(row[0]) if row else None

    def _triaged(
        self, *, since: datetime | None, until: datetime | None
    ) -> list[tuple[str, str, int, int | None, int | None, str | None, list[str]]]:
        clauses, params = ["1 = 1"], []
        if since:
            clauses.append("m.created_at >= ?")
            params.append(to_us(since))
        if until:
            clauses.append("m.created_at < ?")
            params.append(to_us(until))
        with self.store._read_tx() as cur:
            cur.execute(
                "SELECT m.source, m.native_id, m.created_at, t.first_response_at, t.closed_at, t.assignee, "
                "b.brands FROM triage t JOIN mentions m ON m.id = t.mention_id "
                "JOIN mention_bodies b ON b.mention_id = m.id "
                f"WHERE {' AND '.join(clauses)}",
                params,
            )
            rows = cur.fetchall()
        return [(r[0], r[1], r[2], r[3], r[4], r[5], list(json.loads(r[6] or "[]"))) for r in rows]

    def _change(
        self, source: str, native_id: str, changes: dict[str, Any], *, actor: str | None, at: datetime | None
    ) -> TriageRecord:
        when = to_us(at or utcnow())
        with self.store._write_tx() as cur:
            mention_id = self._mention_id(cur, source, native_id)
            cur.execute(
                _TRIAGE_ROW,
                (mention_id,),
            )
            row = cur.fetchone()
            if row is None:
                cur.execute(
                    "INSERT INTO triage (mention_id, status, tags, notes, updated_at) "
                    "VALUES (?, 'new', '[]', '[]', ?)",
                    (mention_id, when),
                )
                row = ("new", None, "[]", "[]", None, None)
            old = {
                "status": row[0],
                "assignee": row[1],
                "tags": tuple(json.loads(row[2])),
                "notes": tuple(json.loads(row[3])),
            }
            first, closed = row[4], row[5]
            status = changes.get("status", old["status"])
            if status in ("responded", "closed") and first is None:
                first = when
            if status == "closed" and closed is None:
                closed = when
            new = {**old, **changes}
            cur.execute(
                "UPDATE triage SET status = ?, assignee = ?, tags = ?, notes = ?, first_response_at = ?, "
                "closed_at = ?, updated_at = ? WHERE mention_id = ?",
                (
                    status,
                    new["assignee"],
                    json.dumps(list(new["tags"])),
                    json.dumps(list(new["notes"])),
                    first,
                    closed,
                    when,
                    mention_id,
                ),
            )
            history = [
                (mention_id, when, actor, name, _text(old[name]), _text(new[name]))
                for name in changes
                if old[name] != new[name]
            ]
            cur.executemany(
                "INSERT INTO triage_history (mention_id, at, actor, field, old_value, new_value) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                history,
            )
        return self.get(source, native_id)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return json.dumps(list(value), ensure_ascii=False)
    return str(value)

"""The backend-neutral half of the SQL stores: the write path, reads, aggregates, erasure.

:class:`SQLStoreBase` holds everything both backends share; a backend supplies connections
(``_write_tx``/``_read_tx`` yielding a cursor that takes ``?`` placeholders), id reservation
and its full-text hooks. The write path decides in Python, after one indexed lookup per page,
which mentions are new, which are edits (a new version), which are redeliveries (no-op, or a
refresh of engagement counts) and which were deleted or erased (tombstoned, never
resurrected), then writes them with ``executemany`` in the caller's single transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from decimal import Decimal
from itertools import chain, repeat
from operator import itemgetter
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from social_listen.core import Mention, Page, SourceState, StoreError, utcnow
from social_listen.store._leases import Lease, Leases, check_lease
from social_listen.store._outbox import Outbox, insert_outbox
from social_listen.store._protocol import (
    AggregateResult,
    Filter,
    MentionVersion,
    OutboxItem,
    RetentionPolicy,
)
from social_listen.store._rollup import (
    author_days,
    day_of,
    days_where,
    forget_author,
    lock_sql,
    mark_days,
    plan_rollup,
    refresh_day,
)
from social_listen.store._rows import (
    BODY_COLUMNS,
    DERIVED_KEYS,
    MENTION_COLUMNS,
    SELECT_COLUMNS,
    TAG_COLUMNS,
    derived,
    mention_from_row,
    mention_rows,
    tag_rows,
    tag_values,
)
from social_listen.store._sql import (
    Dialect,
    bucket_edges,
    compile_filter,
    count_sql,
    plan_aggregate,
    sort_clause,
    tag_ids_sql,
)
from social_listen.store._values import dumps, from_us, loads, nul_free, to_us

__all__ = ["Cursor", "SQLStoreBase"]

logger = logging.getLogger(__name__)
_CHUNK = 400
_INSERT_TAGS = (
    f"INSERT INTO mention_tags ({', '.join(TAG_COLUMNS)}) VALUES ({', '.join('?' * len(TAG_COLUMNS))})"
)
_METRIC_COLS = ("likes", "shares", "replies", "quotes", "views", "score", "engagement", "author_followers")
_TS = 4 + len(_METRIC_COLS)  # where a looked-up row holds the mention's time (after the metrics)


class Cursor(Protocol):
    """The DB-API subset the stores use (``?`` placeholders)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement."""
        ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        """Run one statement per row."""
        ...

    def fetchone(self) -> Any:
        """One row or ``None``."""
        ...

    def fetchall(self) -> list[Any]:
        """Every remaining row."""
        ...


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _marks(n: int) -> str:
    return ", ".join("?" * n)


class SQLStoreBase:
    """Shared implementation of :class:`~social_listen.store.MentionStore` over SQL."""

    dialect: Dialect
    languages: tuple[str, ...] = ("en", "hu", "ro")
    name: str = "store"
    _skip_locked = ""
    _for_update = ""
    _read_only = False
    use_rollup: bool = True
    """Whether :meth:`aggregate` reads the daily rollup where it can (the answers are the same)."""

    @property
    def outbox(self) -> Outbox:
        """The alert outbox of this store."""
        return Outbox(self)

    @property
    def leases(self) -> Leases:
        """Source leases and shared rate budgets of this store."""
        return Leases(self)

    # --- backend hooks -----------------------------------------------------------------------
    def _write_tx(self) -> AbstractContextManager[Cursor]:
        raise NotImplementedError

    def _read_tx(self) -> AbstractContextManager[Cursor]:
        raise NotImplementedError

    def _reserve_ids(self, cur: Cursor, n: int) -> list[int]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the backend's connections."""
        raise NotImplementedError

    def __enter__(self) -> SQLStoreBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _body_extra(self, mention: Mention) -> tuple[Any, ...]:
        return ()

    def _body_extra_columns(self) -> tuple[str, ...]:
        return ()

    def _insert_rows(
        self,
        cur: Cursor,
        table: str,
        columns: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
        *,
        sparse: bool = False,
    ) -> None:
        """Insert new rows of a write-path table (``table`` and ``columns`` are constants).

        ``sparse`` marks rows with many ``None`` values, which a backend may leave out of the
        ``INSERT`` (they take the column default, ``NULL``).
        """
        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_marks(len(columns))})", rows)

    def _text_changed(self, cur: Cursor, ids: Sequence[int], *, replaced: bool) -> None:
        """Called after mentions were inserted or their text/language changed."""

    def _text_deleted(self, cur: Cursor, id_subquery: str, params: Sequence[Any]) -> None:
        """Called before the mentions selected by ``id_subquery`` are deleted."""

    def _language_changed(self, cur: Cursor, pairs: Sequence[tuple[int, str | None]]) -> None:
        """Called after enrichment changed the detected language of mentions."""
        self._text_changed(cur, [mention_id for mention_id, _ in pairs], replaced=True)

    def _before_text_query(self) -> None:
        """Called before a read that uses full-text search."""

    # --- write path --------------------------------------------------------------------------
    def commit_page(
        self,
        page: Page,
        state: SourceState,
        *,
        source_key: str,
        outbox: Iterable[OutboxItem] = (),
        lease: Lease | None = None,
        now: datetime | None = None,
    ) -> None:
        """Commit a page's mentions, the state after it and outbox rows in ONE transaction.

        Mentions are upserted on ``(source, native_id)``: a redelivery of the same content is a
        no-op (engagement counts are refreshed), an edit (a different ``content_hash()``, not
        older than the stored ``edited_at`` and not a previous version) becomes a new version
        of the same mention, and a deleted or erased mention is not stored again.

        Args:
            page: The page just fetched.
            state: The source state after the page.
            source_key: Which collection the state belongs to.
            outbox: Alert notifications to deliver after commit (deduplicated by key).
            lease: A :class:`~social_listen.store.Lease`; the commit fails with ``LeaseLost``
                when another collector took the source over.
            now: The commit time: outbox rows are created and first due then, the state and
                replaced versions are stamped with it and the lease is checked against it.
                Defaults to the real clock; pass the caller's clock so that outbox rows agree
                with it (the monitor does).

        Raises:
            StoreBusy: The database stayed locked past the busy timeout and the retries.
            StoreWriteError: The write failed (disk full, read-only); nothing was committed.

        Examples:
            >>> from social_listen.store import SQLiteStore
            >>> from social_listen.core import Page, SourceState
            >>> store = SQLiteStore(":memory:")
            >>> store.commit_page(Page(), SourceState(), source_key="hn:acme")
            >>> store.load_state("hn:acme") == SourceState()
            True
        """
        latest: dict[tuple[str, str], Mention] = {}
        for mention in page.mentions:
            latest[mention.key] = mention
        items = list(outbox)
        at = to_us(now or utcnow())
        with self._write_tx() as cur:
            if lease is not None:
                check_lease(cur, lease, now=at, lock=self._for_update)
            days = self._write_mentions(cur, list(latest.values()), at)
            cur.execute(
                "INSERT INTO source_states (source_key, state, commits, updated_at) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (source_key) DO UPDATE SET state = excluded.state, "
                "commits = source_states.commits + 1, updated_at = excluded.updated_at",
                (source_key, state.model_dump_json(), at),
            )
            if items:
                insert_outbox(cur, items, now=at)
            # Last, so PostgreSQL holds the day's row lock only until the commit.
            mark_days(cur, days)

    def _lookup(
        self, cur: Cursor, mentions: Sequence[Mention]
    ) -> tuple[dict[tuple[str, str], tuple[Any, ...]], set[tuple[str, str]]]:
        """The stored rows and the tombstones of a batch's mentions, the rows locked (PostgreSQL).

        The rows are locked (``_for_update``) in (source, native_id) order (code points, as
        Python sorts), a stable order for every writer: under READ COMMITTED another writer
        could otherwise move a mention to another day between this read and the update, and
        the wrong day would be marked dirty.
        """
        by_source: dict[str, set[str]] = {}
        for mention in mentions:
            by_source.setdefault(mention.source, set()).add(mention.native_id)
        existing: dict[tuple[str, str], tuple[Any, ...]] = {}
        tombs: set[tuple[str, str]] = set()
        cols = ", ".join(("id", "version", "content_hash", "edited_at", *_METRIC_COLS, "ts"))
        order = f' ORDER BY native_id COLLATE "C"{self._for_update}' if self._for_update else ""
        for source in sorted(by_source):
            for chunk in _chunks(sorted(by_source[source])):
                marks = _marks(len(chunk))
                cur.execute(
                    f"SELECT native_id, {cols} FROM mentions WHERE source = ? AND native_id IN ({marks})"
                    + order,
                    (source, *chunk),
                )
                for row in cur.fetchall():
                    existing[(source, row[0])] = tuple(row[1:])
                cur.execute(
                    f"SELECT native_id FROM tombstones WHERE source = ? AND native_id IN ({marks})",
                    (source, *chunk),
                )
                tombs.update((source, row[0]) for row in cur.fetchall())
        return existing, tombs

    def _write_mentions(self, cur: Cursor, mentions: Sequence[Mention], now: int) -> set[int]:
        """Write a page's mentions; returns the UTC days whose rollup they changed."""
        days: set[int] = set()
        if not mentions:
            return days
        mentions = [nul_free(m) for m in mentions]
        existing, tombs = self._lookup(cur, mentions)
        edits: list[tuple[Mention, tuple[Any, ...]]] = []
        refresh: list[tuple[Any, ...]] = []
        if not existing and not tombs:  # the common case: a page of mentions never seen
            new = list(mentions)
        else:
            new = [m for m in mentions if m.key not in existing and m.key not in tombs]
        for mention in mentions if existing else ():
            found = existing.get(mention.key)
            if found is None:
                continue
            if mention.content_hash() == found[2]:
                metrics = mention.metrics
                fresh = (
                    metrics.likes,
                    metrics.shares,
                    metrics.replies,
                    metrics.quotes,
                    metrics.views,
                    metrics.score,
                    metrics.engagement,
                    mention.author.followers if mention.author else None,
                )
                if fresh != tuple(found[4:_TS]):
                    refresh.append((*fresh, to_us(mention.collected_at), found[0]))
                    days.add(day_of(found[_TS]))
                continue
            if mention.edited_at is not None and found[3] is not None and to_us(mention.edited_at) < found[3]:
                continue
            edits.append((mention, found))
        if edits:
            edits = self._drop_old_versions(cur, edits)
            days.update(day_of(found[_TS]) for _, found in edits)
        ids = self._reserve_ids(cur, len(new)) if new else []
        if len(ids) != len(new):  # map() below would stop at the shorter one silently
            raise StoreError(f"reserved {len(ids)} ids for {len(new)} new mentions")
        narrow_rows: list[tuple[Any, ...]] = []
        body_rows: list[tuple[Any, ...]] = []
        tag_rows: list[tuple[Any, ...]] = []
        if new:
            narrow_all, body_all, tags_all = zip(*map(mention_rows, new, ids, repeat(1)), strict=True)
            narrow_rows = list(narrow_all)
            body_rows = list(body_all)
            if self._body_extra_columns():
                body_rows = [body + self._body_extra(m) for body, m in zip(body_rows, new, strict=True)]
            tag_rows = list(chain.from_iterable(tags_all))
        if narrow_rows:
            # A mention row has about a dozen None columns; a body or tag row one to three,
            # too few for grouping rows by None pattern to pay for itself in SQLite.
            self._insert_rows(cur, "mentions", MENTION_COLUMNS, narrow_rows, sparse=True)
            self._insert_rows(cur, "mention_bodies", BODY_COLUMNS + self._body_extra_columns(), body_rows)
        if edits:
            days |= self._write_edits(cur, edits, now, tag_rows)
        if tag_rows:
            self._insert_rows(cur, "mention_tags", TAG_COLUMNS, tag_rows)
        if refresh:
            sets = ", ".join(f"{c} = ?" for c in (*_METRIC_COLS, "collected_at"))
            cur.executemany(f"UPDATE mentions SET {sets} WHERE id = ?", refresh)
            cur.executemany(
                "UPDATE mention_tags SET engagement = ? WHERE mention_id = ?",
                [(r[6], r[-1]) for r in refresh],
            )
        if ids:
            self._text_changed(cur, ids, replaced=False)
        days.update(map(day_of, map(itemgetter(3), narrow_rows)))
        return days

    def _drop_old_versions(
        self, cur: Cursor, edits: list[tuple[Mention, tuple[Any, ...]]]
    ) -> list[tuple[Mention, tuple[Any, ...]]]:
        """Drop edits whose content equals an earlier version (a late redelivery)."""
        seen: set[tuple[int, str]] = set()
        ids = [found[0] for _, found in edits]
        for chunk in _chunks(ids):
            cur.execute(
                "SELECT mention_id, content_hash FROM mention_versions "
                f"WHERE mention_id IN ({_marks(len(chunk))})",
                tuple(chunk),
            )
            seen.update((row[0], row[1]) for row in cur.fetchall())
        return [(m, f) for m, f in edits if (f[0], m.content_hash()) not in seen]

    def _write_edits(
        self,
        cur: Cursor,
        edits: list[tuple[Mention, tuple[Any, ...]]],
        now: int,
        tag_rows: list[tuple[Any, ...]],
    ) -> set[int]:
        """Write edits as new versions; returns the UTC days of the edited mentions' new times."""
        days: set[int] = set()
        ids = [found[0] for _, found in edits]
        cur.executemany(
            "INSERT INTO mention_versions (mention_id, version, content_hash, edited_at, title, text, url, "
            "raw, replaced_at) SELECT m.id, m.version, m.content_hash, m.edited_at, b.title, b.text, b.url, "
            "b.raw, ? FROM mentions m JOIN mention_bodies b ON b.mention_id = m.id WHERE m.id = ?",
            [(now, i) for i in ids],
        )
        narrow_sets = ", ".join(f"{c} = ?" for c in MENTION_COLUMNS[3:])
        body_cols = BODY_COLUMNS[1:] + self._body_extra_columns()
        body_sets = ", ".join(f"{c} = ?" for c in body_cols)
        narrow_rows = []
        body_rows = []
        for mention, found in edits:
            narrow, body, tags = mention_rows(mention, found[0], found[1] + 1)
            narrow_rows.append((*narrow[3:], found[0]))
            days.add(day_of(narrow[3]))
            body_rows.append((*body[1:], *self._body_extra(mention), found[0]))
            tag_rows.extend(tags)
        cur.executemany(f"UPDATE mentions SET {narrow_sets} WHERE id = ?", narrow_rows)
        cur.executemany(f"UPDATE mention_bodies SET {body_sets} WHERE mention_id = ?", body_rows)
        cur.executemany("DELETE FROM mention_tags WHERE mention_id = ?", [(i,) for i in ids])
        self._text_changed(cur, ids, replaced=True)
        return days

    def upsert_enrichment(self, mentions: Iterable[Mention]) -> int:
        """Write derived fields of stored mentions in place (no new version).

        Writes sentiment (score, label, targeted), intent labels, reach, influence, urgency
        (value and reasons), detected language, brands (kept when the mention has none) and
        ``terms`` (into ``mention_tags`` so themes aggregate in SQL).

        Returns:
            How many stored mentions were updated (unknown ones are skipped).
        """
        batch = list({m.key: m for m in map(nul_free, mentions)}.values())
        if not batch:
            return 0
        updated = 0
        with self._write_tx() as cur:
            existing, _ = self._lookup(cur, batch)
            narrow: list[tuple[Any, ...]] = []
            body: list[tuple[Mention, int]] = []
            tags: list[tuple[Any, ...]] = []
            facts: list[tuple[Any, ...]] = []
            lang_changed: list[tuple[int, str | None]] = []
            ids: list[int] = []
            days: set[int] = set()
            for mention in batch:
                found = existing.get(mention.key)
                if found is None:
                    continue
                mention_id = found[0]
                ids.append(mention_id)
                days.add(day_of(found[_TS]))
                sentiment = mention.sentiment
                narrow.append(
                    (
                        mention.detected_language or mention.language,
                        sentiment.score if sentiment else None,
                        sentiment.label if sentiment else None,
                        sentiment.targeted_score if sentiment else None,
                        mention.reach.value if mention.reach else None,
                        mention.influence.value if mention.influence else None,
                        mention.urgency.value if mention.urgency else None,
                        mention_id,
                    )
                )
                body.append((mention, mention_id))
                kinds = {"term", "intent"} | ({"brand"} if mention.brands else set())
                tags.append((mention_id, kinds, tag_values(mention)))
                facts.append(narrow[-1][1:4] + narrow[-1][4:5] + (mention_id,))
                if mention.brands:
                    cur.execute(
                        "UPDATE mention_bodies SET brands = ? WHERE mention_id = ?",
                        (dumps(list(mention.brands)), mention_id),
                    )
                    cur.execute(
                        "DELETE FROM mention_tags WHERE mention_id = ? AND kind = 'brand'", (mention_id,)
                    )
                if mention.detected_language:
                    lang_changed.append((mention_id, mention.detected_language))
            cur.executemany(
                "UPDATE mentions SET lang = ?, sentiment_score = ?, sentiment_label = ?, "
                "sentiment_targeted = ?, reach = ?, influence = ?, urgency = ? WHERE id = ?",
                narrow,
            )
            cur.executemany(
                "UPDATE mention_bodies SET doc = ? WHERE mention_id = ?", self._enriched_docs(cur, body)
            )
            cur.executemany(
                "DELETE FROM mention_tags WHERE mention_id = ? AND kind IN ('term', 'intent')",
                [(i,) for i in ids],
            )
            cur.executemany(
                "UPDATE mention_tags SET sentiment_score = ?, sentiment_label = ?, reach = ? "
                "WHERE mention_id = ?",
                [(f[0], f[1], f[3], f[4]) for f in facts],
            )
            self._insert_enrichment_tags(cur, tags)
            if lang_changed:
                self._language_changed(cur, lang_changed)
            mark_days(cur, days)
            updated = len(ids)
        return updated

    def _enriched_docs(self, cur: Cursor, body: list[tuple[Mention, int]]) -> list[tuple[str | None, int]]:
        """The body documents of stored mentions with the enrichment's fields replaced.

        The other fields of a document (author details, lists, the claimed language) are kept
        as stored: the enriched mention may be an older copy than the stored version.
        """
        docs: dict[int, dict[str, Any]] = {}
        for chunk in _chunks([mention_id for _, mention_id in body]):
            cur.execute(
                f"SELECT mention_id, doc FROM mention_bodies WHERE mention_id IN ({_marks(len(chunk))})",
                tuple(chunk),
            )
            for row in cur.fetchall():
                docs[int(row[0])] = {} if row[1] is None else loads(row[1])
        out: list[tuple[str | None, int]] = []
        for mention, mention_id in body:
            doc = docs.get(mention_id, {})
            for key in DERIVED_KEYS:
                doc.pop(key, None)
            doc.update(derived(mention))
            for key, value in (
                ("detected_language", mention.detected_language),
                ("language_confidence", mention.language_confidence),
                ("terms", list(mention.terms)),
            ):
                if value is None or value == []:
                    doc.pop(key, None)
                else:
                    doc[key] = value
            out.append((dumps(doc) if doc else None, mention_id))
        return out

    def _insert_enrichment_tags(
        self, cur: Cursor, tags: list[tuple[int, set[str], list[tuple[str, str]]]]
    ) -> None:
        """Insert enrichment tag rows with the mention's current facts (time, scores)."""
        ids = [mention_id for mention_id, _, _ in tags]
        facts: dict[int, tuple[Any, ...]] = {}
        for chunk in _chunks(ids):
            cur.execute(
                "SELECT id, ts, sentiment_score, sentiment_label, reach, engagement FROM mentions "
                f"WHERE id IN ({_marks(len(chunk))})",
                tuple(chunk),
            )
            for row in cur.fetchall():
                facts[int(row[0])] = tuple(row)
        rows: list[tuple[Any, ...]] = []
        for mention_id, kinds, pairs in tags:
            fact = facts[mention_id]
            narrow_like = (
                None,
                None,
                None,
                fact[1],
                *([None] * 20),
                fact[5],
                fact[2],
                fact[3],
                None,
                fact[4],
            )
            rows.extend(tag_rows([(k, v) for k, v in pairs if k in kinds], mention_id, narrow_like))
        cur.executemany(_INSERT_TAGS, rows)

    def load_state(self, source_key: str) -> SourceState | None:
        """The last committed state of a collection, ``None`` when there is none."""
        with self._read_tx() as cur:
            cur.execute("SELECT state FROM source_states WHERE source_key = ?", (source_key,))
            row = cur.fetchone()
        return None if row is None else SourceState.model_validate_json(row[0])

    def states(self) -> dict[str, SourceState]:
        """Every committed collection state by source key."""
        with self._read_tx() as cur:
            cur.execute("SELECT source_key, state FROM source_states ORDER BY source_key")
            rows = cur.fetchall()
        return {key: SourceState.model_validate_json(text) for key, text in rows}

    # --- reads -------------------------------------------------------------------------------
    def _where(self, where: Filter | None) -> tuple[str, list[object]]:
        if where is not None and where.text is not None:
            self._before_text_query()
        return compile_filter(where, self.dialect, languages=self.languages)

    def get(self, source: str, native_id: str) -> Mention | None:
        """One stored mention by identity, ``None`` when absent."""
        with self._read_tx() as cur:
            cur.execute(
                f"SELECT {SELECT_COLUMNS} FROM mentions m JOIN mention_bodies b ON b.mention_id = m.id "
                "WHERE m.source = ? AND m.native_id = ?",
                (source, native_id),
            )
            row = cur.fetchone()
        return None if row is None else mention_from_row(row)

    def iter_mentions(
        self,
        where: Filter | None = None,
        *,
        order_by: str = "time",
        limit: int | None = None,
        batch_size: int = 500,
    ) -> Iterator[Mention]:
        """Stream matching mentions, rebuilt with their raw payloads, batch by batch.

        Batches are fetched with keyset pagination, so no transaction stays open between
        batches and memory stays bounded by ``batch_size``.

        Args:
            where: Which mentions (all when ``None``).
            order_by: A key from :data:`~social_listen.store.SORT_KEYS`, ``-`` for descending.
            limit: Stop after this many.
            batch_size: Rows fetched per query.

        Raises:
            InvalidFilter: An unknown sort key.

        Examples:
            >>> from social_listen.store import SQLiteStore, Filter
            >>> list(SQLiteStore(":memory:").iter_mentions(Filter(sources=("hackernews",))))
            []
        """
        expr, descending = sort_clause(order_by)
        op, direction = ("<", "DESC") if descending else (">", "ASC")
        order = f" ORDER BY {expr} {direction}, m.id {direction}"
        tagged = tag_ids_sql(where, order_by)
        if tagged is not None:  # one brand's (term's, intent's) rows hold the sort column
            ids_sql, params, id_expr = tagged
            id_column = "t.mention_id"
        else:
            where_sql, params = self._where(where)
            ids_sql, id_expr, id_column = f"SELECT m.id FROM mentions m WHERE ({where_sql})", expr, "m.id"
        last: tuple[Any, Any] | None = None
        produced = 0
        while limit is None or produced < limit:
            size = batch_size if limit is None else min(batch_size, limit - produced)
            # The batch's ids are chosen on the narrow table first, so only the rows returned
            # join their bodies (sorting every match with its text would cost far more).
            ids, args = ids_sql, list(params)
            if last is not None:
                ids += f" AND ({id_expr}, {id_column}) {op} (?, ?)"
                args.extend(last)
            ids += f" ORDER BY {id_expr} {direction}, {id_column} {direction} LIMIT ?"
            args.append(size)
            sql = (
                f"SELECT {SELECT_COLUMNS}, {expr} AS sort_key FROM mentions m "
                f"JOIN mention_bodies b ON b.mention_id = m.id WHERE m.id IN ({ids}){order}"
            )
            with self._read_tx() as cur:
                cur.execute(sql, args)
                rows = cur.fetchall()
            for row in rows:
                yield mention_from_row(row[:-1])
            produced += len(rows)
            if len(rows) < size:
                return
            last = (rows[-1][-1], rows[-1][0])

    def count(self, where: Filter | None = None) -> int:
        """How many stored mentions match ``where``."""
        if where is not None and where.text is not None:
            self._before_text_query()
        sql, params = count_sql(where, self.dialect, languages=self.languages)
        with self._read_tx() as cur:
            cur.execute(sql, params)
            return int(cur.fetchone()[0])

    def versions(self, source: str, native_id: str) -> list[MentionVersion]:
        """Earlier versions of an edited mention, oldest first (the current one excluded)."""
        with self._read_tx() as cur:
            cur.execute(
                "SELECT v.version, v.content_hash, v.title, v.text, v.url, v.edited_at, v.replaced_at "
                "FROM mention_versions v JOIN mentions m ON m.id = v.mention_id "
                "WHERE m.source = ? AND m.native_id = ? ORDER BY v.version",
                (source, native_id),
            )
            rows = cur.fetchall()
        return [
            MentionVersion(
                r[0], r[1], r[2], r[3], r[4], None if r[5] is None else from_us(r[5]), from_us(r[6])
            )
            for r in rows
        ]

    def aggregate(
        self,
        metrics: Sequence[str] = ("count",),
        *,
        by: Sequence[str] = (),
        freq: str = "day",
        tz: str = "UTC",
        where: Filter | None = None,
        order_by: Sequence[str] = (),
        top: int | None = None,
    ) -> AggregateResult:
        """Counts, sums and means per group, computed inside the database.

        Args:
            metrics: Names from :data:`~social_listen.store.METRICS` (``count``,
                ``mean_sentiment``, ``sum_reach``, ``distinct_authors``...).
            by: Names from :data:`~social_listen.store.DIMENSIONS`; ``bucket`` groups by time
                bucket, ``brand``/``term``/``hashtag`` count a mention once per value.
            freq: Bucket size: ``minute``, ``hour``, ``day``, ``week``, ``month``, ``quarter``,
                ``year``, optionally with a multiple (``15minute``, ``6hour``).
            tz: IANA time zone the buckets are aligned in (``Europe/Bucharest``).
            where: Which mentions (the bucket range defaults to the data's time range).
            order_by: Result column names, ``-`` for descending (default: group columns).
            top: Keep only the first N rows (after ordering).

        Returns:
            An :class:`AggregateResult`; ``bucket`` values are aware datetimes in ``tz`` (the
            bucket start); empty buckets are absent.

        Raises:
            InvalidFilter: An unknown metric, dimension, frequency, zone or order column.

        Examples:
            >>> from social_listen.store import SQLiteStore
            >>> SQLiteStore(":memory:").aggregate(("count", "mean_sentiment"), by=("brand",)).rows
            ()
        """
        edges: list[int] = []
        zone_info = ZoneInfo("UTC")
        if "bucket" in by:
            from social_listen.store._sql import zone

            zone_info = zone(tz)
            since = where.since if where else None
            until = where.until if where else None
            if since is None or until is None:
                where_sql, params = self._where(where)
                with self._read_tx() as cur:
                    cur.execute(f"SELECT MIN(m.ts), MAX(m.ts) FROM mentions m WHERE {where_sql}", params)
                    low, high = cur.fetchone()
                if low is None:
                    return AggregateResult(columns=("bucket", *[b for b in by if b != "bucket"], *metrics))
                since = since or from_us(int(low))
                until = until or from_us(int(high) + 1)
            edges = bucket_edges(since, until, freq, tz)
        plan = None
        if self.use_rollup:
            plan = plan_rollup(
                metrics, by, where=where, dialect=self.dialect, order_by=order_by, top=top, edges=edges
            )
        if plan is None:
            plan = plan_aggregate(
                metrics,
                by,
                where=where,
                dialect=self.dialect,
                languages=self.languages,
                edges=edges,
                order_by=order_by,
                top=top,
            )
        elif plan.rollup_days is not None and not self._read_only:
            self._refresh_rollup(*plan.rollup_days)
        if where is not None and where.text is not None:
            self._before_text_query()
        with self._read_tx() as cur:
            if edges:
                self._load_buckets(cur, edges)
            if plan.values is not None:
                self._load_values(cur, plan.values)
            cur.execute(plan.sql, plan.params)
            rows = cur.fetchall()
        return AggregateResult(
            columns=plan.columns, rows=tuple(_clean_row(plan.columns, r, zone_info) for r in rows)
        )

    def refresh_rollup(self) -> int:
        """Recompute the daily rollup of every day written since its last refresh.

        :meth:`aggregate` refreshes the days it reads by itself (and reads a day not yet
        refreshed from the mentions), so answers never depend on calling this; it moves the
        work ahead of the first report after a large ingest, a purge or the upgrade to schema 6.
        Each day is refreshed in its own transaction; a day another refresh is recomputing
        (PostgreSQL) is left to it.

        Returns:
            How many days were recomputed.

        Examples:
            >>> from social_listen.store import SQLiteStore
            >>> SQLiteStore(":memory:").refresh_rollup()
            0
        """
        return self._refresh_rollup(None, None)

    def _refresh_rollup(self, first: int | None, last: int | None) -> int:
        """Refresh the dirty days in ``[first, last)`` (unbounded where ``None``)."""
        sql, params = "SELECT day FROM rollup_dirty WHERE 1=1", []
        for op, day in ((">=", first), ("<", last)):
            if day is not None:
                sql += f" AND day {op} ?"
                params.append(day)
        with self._read_tx() as cur:
            cur.execute(sql + " ORDER BY day", params)
            days = [int(row[0]) for row in cur.fetchall()]
        # A day another refresh holds is skipped, not waited for (two reports at once would
        # otherwise wait past lock_timeout): until it commits the day stays dirty and reads
        # take it from the mentions, so the answer is the same.
        lock = lock_sql(self.dialect, wait=False)
        done = 0
        for day in days:
            with self._write_tx() as cur:
                if lock is not None:
                    cur.execute(lock, (day,))
                    if not cur.fetchone()[0]:
                        continue
                done += refresh_day(cur, day, self.dialect)
        if done:
            logger.debug("store %s: rollup of %d days refreshed", self.name, done)
        return done

    def _load_buckets(self, cur: Cursor, edges: Sequence[int]) -> None:
        raise NotImplementedError

    def _load_values(self, cur: Cursor, values: list[str] | str) -> None:
        raise NotImplementedError

    # --- removal -----------------------------------------------------------------------------
    def _delete_matching(
        self,
        cur: Cursor,
        condition: str,
        params: Sequence[Any],
        *,
        tombstone: str | None,
        days: Iterable[int] = (),
    ) -> int:
        """Delete the mentions matching ``condition`` and mark their days (and ``days``) dirty.

        The rows are locked first (PostgreSQL), so the days read are the days deleted; the
        days are marked last, in ascending order, as a page commit marks them.
        """
        ids_sql = f"SELECT id FROM mentions WHERE {condition}"
        counts = days_where(cur, condition, params, lock=self._for_update)
        count = sum(counts.values())
        if count:
            now = to_us(utcnow())
            if tombstone is not None:
                cur.execute(
                    "INSERT INTO tombstones (source, native_id, reason, deleted_at) "
                    f"SELECT source, native_id, ?, ? FROM mentions WHERE {condition} "
                    "ON CONFLICT (source, native_id) DO NOTHING",
                    (tombstone, now, *params),
                )
                cur.execute(
                    "DELETE FROM outbox WHERE status <> 'sent' AND EXISTS (SELECT 1 FROM mentions m2 "
                    "WHERE m2.source = outbox.source AND m2.native_id = outbox.native_id "
                    f"AND m2.id IN ({ids_sql}))",
                    params,
                )
            self._text_deleted(cur, ids_sql, params)
            for table, column in (
                ("mention_tags", "mention_id"),
                ("mention_versions", "mention_id"),
                ("mention_bodies", "mention_id"),
                ("triage_history", "mention_id"),
                ("triage", "mention_id"),
            ):
                cur.execute(f"DELETE FROM {table} WHERE {column} IN ({ids_sql})", params)
            # The days of the rows actually deleted too: on PostgreSQL a matching mention
            # committed after the lock above is deleted by this statement as well.
            cur.execute(f"DELETE FROM mentions WHERE {condition} RETURNING ts", params)
            removed = cur.fetchall()
            count = len(removed)
            counts.update(dict.fromkeys({day_of(int(row[0])) for row in removed} - counts.keys(), 0))
        mark_days(cur, {*counts, *days})
        return count

    def delete(self, source: str, native_id: str, *, reason: str = "platform_delete") -> bool:
        """Honour a platform delete event: remove the mention everywhere, keep a tombstone.

        The tombstone keeps a later redelivery (an incremental run's overlap) from storing
        the mention again. Returns True when a stored mention was removed.
        """
        with self._write_tx() as cur:
            removed = self._delete_matching(
                cur, "source = ? AND native_id = ?", (source, native_id), tombstone=reason
            )
            cur.execute(
                "INSERT INTO tombstones (source, native_id, reason, deleted_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source, native_id) DO NOTHING",
                (source, native_id, reason, to_us(utcnow())),
            )
        return removed > 0

    def erase_author(self, handle: str, *, source: str | None = None) -> int:
        """Erase every mention by an author: rows, versions, tags, full-text index, outbox.

        Erased mentions are tombstoned so re-collection does not bring them back.

        Returns:
            How many mentions were erased.
        """
        condition, params = "author_handle = ?", [handle]
        if source is not None:
            condition += " AND source = ?"
            params.append(source)
        lock = lock_sql(self.dialect)
        with self._write_tx() as cur:
            # Every day involved (the author's rollup rows, the mentions) is locked against its
            # refresh first, in ascending order as a refresh takes them: a refresh running now
            # would otherwise write the author's rows back after they were deleted, or deadlock
            # with this transaction on the rows both delete.
            # (SQLite: writes serialise, a refresh cannot run meanwhile.)
            days = author_days(cur, handle)
            if lock is not None:
                days |= set(days_where(cur, condition, params))
                for day in sorted(days):
                    cur.execute(lock, (day,))
                days |= author_days(cur, handle)  # rows a refresh wrote before it let go
            forget_author(cur, handle, days)
            return self._delete_matching(cur, condition, params, tombstone="erased", days=days)

    def purge(self, *, older_than: Any = None, source: str | None = None) -> int:
        """Remove mentions collected before ``older_than`` and/or from ``source``.

        Purged mentions are not tombstoned: collecting them again stores them again.

        Returns:
            How many mentions were removed.
        """
        parts: list[str] = []
        params: list[Any] = []
        if older_than is not None:
            parts.append("collected_at < ?")
            params.append(to_us(older_than))
        if source is not None:
            parts.append("source = ?")
            params.append(source)
        if not parts:
            from social_listen.core import InvalidFilter

            raise InvalidFilter("purge needs older_than or source", source=self.name)
        with self._write_tx() as cur:
            return self._delete_matching(cur, " AND ".join(parts), params, tombstone=None)

    def apply_retention(self, policy: RetentionPolicy, *, now: Any = None) -> int:
        """Apply a :class:`RetentionPolicy`; returns how many mentions were removed."""
        now = now or utcnow()
        removed = 0
        with self._read_tx() as cur:
            cur.execute("SELECT DISTINCT source FROM mentions")
            sources = [row[0] for row in cur.fetchall()]
        for source in sources:
            age = policy.per_source.get(source, policy.max_age)
            if age is not None:
                removed += self.purge(older_than=now - age, source=source)
        if policy.keep_versions is not None:
            with self._write_tx() as cur:
                cur.execute(
                    "DELETE FROM mention_versions WHERE replaced_at < ?", (to_us(now - policy.keep_versions),)
                )
        return removed


def _clean_row(columns: tuple[str, ...], row: Sequence[Any], zone_info: ZoneInfo) -> tuple[Any, ...]:
    out: list[Any] = []
    for name, value in zip(columns, row, strict=True):
        if value is None:
            out.append(None)
        elif name == "bucket" or name in ("first_at", "last_at"):
            out.append(from_us(int(value)).astimezone(zone_info))
        elif isinstance(value, Decimal):
            out.append(
                int(value)
                if name.startswith(("count", "sum_", "distinct")) and value == value.to_integral_value()
                else float(value)
            )
        elif name.startswith("mean_"):
            out.append(float(value))
        else:
            out.append(value)
    return tuple(out)

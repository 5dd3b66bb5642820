"""The daily rollup: partial aggregates per UTC day, kept at write time, read by ``aggregate``.

``rollup_daily`` holds, for each UTC day, brand (``NULL``: every mention once), kind and value,
the partial aggregates of :mod:`social_listen.store._sql` that combine across days (counts,
sums, minima, maxima; a mean is a sum and a count). Kinds: ``term``, ``hashtag``, ``intent``
(tag rows), ``source``, ``language``, ``domain``, ``query``, ``sentiment_label``, ``author``
(mention columns), ``''`` (the day's total) and ``hour`` (hourly totals). Links are left out
(about as many values as mentions). Author rows (schema 8) serve top authors and
``distinct_authors``: the distinct count of the whole days' author rows plus the other days'
authors that no such row holds. Schema 11 adds term rows per intent (kind ``term@<intent>``:
the complaints' themes) and ``rollup_authors``, each brand's (value, author) pairs per day for
sources, domains and hashtags, from which distinct authors per value are counted exactly.

Every write marks the UTC days it touched in ``rollup_dirty`` (bumping ``gen``) in its own
transaction; :func:`refresh_day` recomputes one day from ``mentions`` and ``mention_tags``
with set-based SQL and clears the mark only when ``gen`` did not move meanwhile. A read
(:func:`plan_rollup`) takes the whole days of its period that are not dirty from the rollup
and everything else (the partial first and last day, any dirty day) from the base tables, in
one statement, so its answer equals the plan without the rollup whatever the refresh state.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from social_listen.store._protocol import Filter
from social_listen.store._schema import ROLLUP_COLUMNS
from social_listen.store._sql import (
    _METRIC_SQL,
    AggregatePlan,
    Dialect,
    _check_names,
    _in,
    order_and_limit,
)
from social_listen.store._values import to_us

__all__ = [
    "DAY_US",
    "ROLLUP_KINDS",
    "author_days",
    "day_of",
    "days_where",
    "forget_author",
    "lock_sql",
    "mark_days",
    "plan_rollup",
    "refresh_day",
]

DAY_US = 86_400_000_000
"""Microseconds in a UTC day; a rollup day is ``ts // DAY_US``."""

HOUR_US = 3_600_000_000
_FLOOR_DAY = "CASE WHEN {ts} >= 0 THEN {ts} / DAY ELSE ({ts} + 1) / DAY - 1 END".replace("DAY", str(DAY_US))
_DAY_SQL = _FLOOR_DAY.format(ts="ts")  # the UTC day of ``ts``, rounded down like Python's //
_HOUR_OF_DAY = f"CAST((m.ts - {DAY_US} * {_FLOOR_DAY.format(ts='m.ts')}) / {HOUR_US} AS TEXT)"

ROLLUP_KINDS: dict[str, str | None] = {
    "source": "m.source",
    "language": "m.lang",
    "domain": "m.domain",
    "query": "m.query",
    "sentiment_label": "m.sentiment_label",
    "author": "m.author_handle",
    "term": None,
    "hashtag": None,
    "intent": None,
}
"""Dimensions kept in the rollup: the ``mentions`` column, or ``None`` for a tag kind."""

SCOPED_TERM = "term@"
"""Kind prefix of the term rows of the mentions carrying one intent (``term@complaint``)."""

PAIR_KINDS: dict[str, str | None] = {"source": "m.source", "domain": "m.domain", "hashtag": None}
"""Dimensions whose (value, author) pairs ``rollup_authors`` keeps per day and brand."""
_NULLABLE_PAIRS = frozenset({"domain"})  # a mention without one has no pair, yet a NULL group

_KIND_FILTER = {
    "source": "sources",
    "language": "languages",
    "domain": "domains",
    "query": "queries",
    "sentiment_label": "sentiment_labels",
    "author": "authors",
    "term": "terms",
    "intent": "intents",
}  # dimension -> the Filter field that restricts it
_TAG_KINDS = tuple(k for k, column in ROLLUP_KINDS.items() if column is None)
_COLUMN_KINDS = tuple(k for k, column in ROLLUP_KINDS.items() if column is not None)

_PARTIALS: dict[str, str] = {}
for _name, (_single, _parts, _combine) in _METRIC_SQL.items():
    if _combine is not None:
        _PARTIALS.update(_parts)
assert list(_PARTIALS) == [name for name, _ in ROLLUP_COLUMNS], "rollup columns and metric partials differ"
_ROLLUP_METRICS = frozenset(name for name, spec in _METRIC_SQL.items() if spec[2] is not None)
_DISTINCT = "distinct_authors"  # a distinct count over the days' author rows, not a sum
_FEW_AUTHOR_DAYS = 4  # up to this many whole days, distinct authors are read by day (SQLite)
_LOCK_CLASS = ":rollup-day"  # PostgreSQL advisory lock of a day's refresh: (schema + class, day)


def day_of(ts: int) -> int:
    """The UTC day number of a time in microseconds since the epoch."""
    return ts // DAY_US


def mark_days(cur: Any, days: Iterable[int]) -> None:
    """Mark UTC days dirty (in the caller's transaction), in ascending order.

    The order makes concurrent writers of PostgreSQL lock the same rows in the same order, so
    two pages spanning the same days cannot deadlock.
    """
    rows = [(day,) for day in sorted(set(days))]
    if rows:
        cur.executemany(
            "INSERT INTO rollup_dirty (day, gen) VALUES (?, 1) "
            "ON CONFLICT (day) DO UPDATE SET gen = rollup_dirty.gen + 1",
            rows,
        )


def days_where(cur: Any, condition: str, params: Sequence[Any], *, lock: str = "") -> dict[int, int]:
    """The UTC days of the mentions matching ``condition`` and how many mentions each holds.

    ``lock`` (`` FOR UPDATE`` on PostgreSQL) locks the matching rows first, in the (source,
    native_id) order a page commit locks them in: no other writer can move one of them to
    another day before the caller deletes them.
    """
    order = ' ORDER BY source COLLATE "C", native_id COLLATE "C"' if lock else ""
    cur.execute(
        f"SELECT {_DAY_SQL}, COUNT(*) FROM (SELECT ts FROM mentions WHERE {condition}{order}{lock}) x "
        "GROUP BY 1 ORDER BY 1",
        params,
    )
    return {int(row[0]): int(row[1]) for row in cur.fetchall()}


def author_days(cur: Any, handle: str) -> set[int]:
    """The UTC days that hold rollup rows of an author."""
    cur.execute("SELECT DISTINCT day FROM rollup_daily WHERE kind = 'author' AND value = ?", (handle,))
    return {int(row[0]) for row in cur.fetchall()}


def forget_author(cur: Any, handle: str, days: Iterable[int]) -> None:
    """Remove an erased author's rollup rows now (the caller marks their days dirty).

    Erasure must not leave the handle in the rollup until the next refresh; the caller marks
    the days (:func:`author_days`) so reads take them from the mentions (the author's other
    sources' mentions, when erasure is limited to one source, count again after the refresh),
    and holds their refresh locks (:func:`lock_sql`) so no refresh writes the rows back.

    Args:
        cur: A cursor inside the erasing transaction.
        handle: The erased author's handle.
        days: The UTC days holding the author's rollup rows (:func:`author_days`). A refresh
            writes a day's author rows and (value, author) pairs together, so these days hold
            every pair of the author too: each day's pairs are found along the primary key
            instead of one pass over every pair.
    """
    cur.execute("DELETE FROM rollup_daily WHERE kind = 'author' AND value = ?", (handle,))
    cur.executemany(
        "DELETE FROM rollup_authors WHERE day = ? AND author = ?", [(day, handle) for day in sorted(days)]
    )


def _refresh_statements(dialect: Dialect) -> list[str]:
    """The ``INSERT ... SELECT`` statements rebuilding one day (parameters: day, start, end)."""
    names = ", ".join(_PARTIALS)
    exprs = ", ".join(expr.format(real=dialect.real) for expr in _PARTIALS.values())
    kinds = " UNION ALL ".join(f"SELECT '{kind}' AS k" for kind in ("", *_COLUMN_KINDS))
    kinds += " UNION ALL SELECT 'hour'"  # hourly totals: value = the hour of the UTC day
    value = (
        "CASE kk.k "
        + " ".join(f"WHEN '{kind}' THEN {ROLLUP_KINDS[kind]}" for kind in _COLUMN_KINDS)
        + f" WHEN 'hour' THEN {_HOUR_OF_DAY} ELSE NULL END"
    )
    tag_kinds = ", ".join(f"'{kind}'" for kind in _TAG_KINDS)
    out = []
    for brand, scope in (
        ("CAST(NULL AS TEXT)", ""),
        ("bt.value", "CROSS JOIN mention_tags bt "),
    ):
        scope_where = "bt.mention_id = m.id AND bt.kind = 'brand' AND " if scope else ""
        head = f"INSERT INTO rollup_daily (day, brand, kind, value, {names}) SELECT ?, {brand}, "
        out.append(
            f"{head}kk.k, {value}, {exprs} FROM mentions m {scope}CROSS JOIN ({kinds}) kk "
            f"WHERE {scope_where}m.ts >= ? AND m.ts < ? GROUP BY 2, 3, 4"
        )
        out.append(
            f"{head}g.kind, g.value, {exprs} FROM mentions m {scope}CROSS JOIN mention_tags g "
            f"WHERE {scope_where}g.mention_id = m.id AND g.kind IN ({tag_kinds}) "
            "AND m.ts >= ? AND m.ts < ? GROUP BY 2, 3, 4"
        )
        # Terms of the mentions carrying each intent (complaints' themes): kind 'term@<intent>'.
        out.append(
            f"{head}'{SCOPED_TERM}' || ig.value, g.value, {exprs} FROM mentions m {scope}"
            "CROSS JOIN mention_tags ig CROSS JOIN mention_tags g "
            f"WHERE {scope_where}ig.mention_id = m.id AND ig.kind = 'intent' "
            "AND g.mention_id = m.id AND g.kind = 'term' AND m.ts >= ? AND m.ts < ? GROUP BY 2, 3, 4"
        )
    # Each brand's (value, author) pairs of the day, for distinct authors per value. The key
    # drops repeats: cheaper than a DISTINCT (a temporary table) before the insert.
    head = "INSERT INTO rollup_authors (day, brand, kind, value, author) SELECT ?, bt.value, "
    repeats = " ON CONFLICT DO NOTHING"
    brand_of = "bt.mention_id = m.id AND bt.kind = 'brand' AND m.ts >= ? AND m.ts < ? "
    columns = [kind for kind, column in PAIR_KINDS.items() if column is not None]
    pair_value = "CASE pk.k " + " ".join(f"WHEN '{k}' THEN {PAIR_KINDS[k]}" for k in columns) + " END"
    pair_kinds = " UNION ALL ".join(f"SELECT '{k}' AS k" for k in columns)
    out.append(
        f"{head}pk.k, {pair_value}, m.author_handle FROM mentions m CROSS JOIN mention_tags bt "
        f"CROSS JOIN ({pair_kinds}) pk WHERE {brand_of}AND m.author_handle IS NOT NULL "
        f"AND {pair_value} IS NOT NULL{repeats}"
    )
    for kind in (k for k, column in PAIR_KINDS.items() if column is None):
        out.append(
            f"{head}g.kind, g.value, m.author_handle FROM mentions m CROSS JOIN mention_tags bt "
            f"CROSS JOIN mention_tags g WHERE {brand_of}AND g.mention_id = m.id AND g.kind = '{kind}' "
            f"AND m.author_handle IS NOT NULL{repeats}"
        )
    return out


_REFRESH: dict[str, list[str]] = {}


def refresh_day(cur: Any, day: int, dialect: Dialect) -> bool:
    """Recompute one dirty day's rollup rows; False when the day was not dirty (any more).

    The caller holds a write transaction (and, on PostgreSQL, the day's advisory lock, so two
    refreshes of one day never interleave). The mark is removed only when its ``gen`` is still
    the one read here: a page committed for this day meanwhile keeps the day dirty.
    """
    cur.execute("SELECT gen FROM rollup_dirty WHERE day = ?", (day,))
    row = cur.fetchone()
    if row is None:
        return False
    statements = _REFRESH.get(dialect.name)
    if statements is None:
        statements = _REFRESH[dialect.name] = _refresh_statements(dialect)
    cur.execute("DELETE FROM rollup_daily WHERE day = ?", (day,))
    cur.execute("DELETE FROM rollup_authors WHERE day = ?", (day,))
    start = day * DAY_US
    for statement in statements:
        cur.execute(statement, (day, start, start + DAY_US))
    cur.execute("DELETE FROM rollup_dirty WHERE day = ? AND gen = ?", (day, row[0]))
    return True


def lock_sql(dialect: Dialect, *, wait: bool = True) -> str | None:
    """The statement taking a day's refresh lock (PostgreSQL), ``None`` when writes serialise.

    With ``wait=False`` the statement does not wait: it returns one row holding whether it got
    the lock (a refresh skips a day another refresh holds: that one brings the day up to date).
    """
    if dialect.name != "postgres":
        return None
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    # Advisory locks are per database: the key names the store's schema too, so stores in
    # other schemas of the same database neither wait for nor skip each other's days.
    return f"SELECT {function}(hashtext(current_schema() || '{_LOCK_CLASS}'), CAST(? AS INTEGER))"


def plan_rollup(
    metrics: Sequence[str],
    by: Sequence[str],
    *,
    where: Filter | None,
    dialect: Dialect,
    order_by: Sequence[str],
    top: int | None,
    edges: Sequence[int] = (),
) -> AggregatePlan | None:
    """The aggregate read from the rollup where it can be, or ``None`` (use the usual plan).

    Eligible: the metrics that combine across days, and ``distinct_authors`` when ``by`` is
    empty or ``brand``; a filter of only ``since``, ``until``, ``brands`` (any brands when
    ``brand`` is grouped, else at most one) and the grouped kind's own field (``terms`` when
    grouping by term, ``sources`` by source...); at least one whole UTC day in the period; and
    either ``by`` at most one rollup kind plus ``brand``, or ``by`` ``bucket`` (plus ``brand``)
    with every bucket edge (``edges``) on a whole UTC hour after 1970 (hour, day, week, month
    buckets in UTC or any zone whose offset is whole hours). Terms may be narrowed to one
    intent (``intents``; grouped by the intent too or not). ``distinct_authors`` alone per
    source, domain or hashtag of one brand is counted from ``rollup_authors``
    (:func:`_plan_pair_authors`). The whole days come from the rollup except dirty ones; the
    partial first and last day and the dirty days are aggregated from the base tables; both
    halves are combined.
    """
    _check_names(metrics, by)
    distinct = _DISTINCT in metrics
    if any(name not in _ROLLUP_METRICS and name != _DISTINCT for name in metrics):
        return None
    if distinct and len(by) == 1 and by[0] in PAIR_KINDS:
        return _plan_pair_authors(metrics, by[0], where=where, order_by=order_by, top=top)
    bucketed = "bucket" in by
    if distinct and any(name != "brand" for name in by):
        return None
    kinds = [name for name in by if name not in ("brand", "bucket")]
    # One intent narrows the term rows to that intent's (kind 'term@<intent>'); grouped by
    # the intent too, its one value comes with every row.
    intent = where.intents[0] if where is not None and len(where.intents) == 1 else None
    if intent is not None and "term" in kinds and set(kinds) <= {"term", "intent"}:
        kinds = ["term"]
    else:
        intent = None
    if bucketed:
        if kinds or not edges or edges[0] < 0 or math.gcd(*edges) % HOUR_US:
            return None
        if dialect.name != "sqlite":
            # PostgreSQL runs the bucket lookup as a subplan per (hour, brand) row: 0.8 s
            # against 0.16 s for its grid-slot plan on 200k mentions. SQLite: 2x faster at 1M.
            return None
        kind = "hour"
    else:
        if len(kinds) > 1 or any(name not in ROLLUP_KINDS for name in kinds):
            return None
        kind = kinds[0] if kinds else ""
    field = _KIND_FILTER.get(kind)
    used = set(where.model_dump(exclude_defaults=True)) if where is not None else set()
    if used - {"since", "until", "brands", *([field] if field else []), *(["intents"] if intent else [])}:
        return None
    brands = tuple(dict.fromkeys(where.brands)) if where is not None else ()
    grouped_brand = "brand" in by
    if not grouped_brand and len(brands) > 1:
        return None
    since, until, first, last = _bounds(where)
    if first is not None and last is not None and first >= last:
        return None
    values: tuple[str, ...] = getattr(where, field) if where is not None and field else ()
    summable = [name for name in metrics if name != _DISTINCT]
    partials = {alias: expr for name in summable for alias, expr in _METRIC_SQL[name][1]}

    # The rollup half: whole days that are not dirty.
    r_params: list[object] = [kind if intent is None else SCOPED_TERM + intent]
    r_parts = ["r.kind = ?"]
    if brands:
        r_parts.append(_in("r.brand", brands, r_params))
    else:
        r_parts.append("r.brand IS NOT NULL" if grouped_brand else "r.brand IS NULL")
    if values:
        r_parts.append(_in("r.value", values, r_params))
    for op, day in ((">=", first), ("<", last)):
        if day is not None:
            r_parts.append(f"r.day {op} ?")
            r_params.append(day)
    r_parts.append("NOT EXISTS (SELECT 1 FROM rollup_dirty dd WHERE dd.day = r.day)")
    r_value = f"r.day * {DAY_US} + CAST(r.value AS BIGINT) * {HOUR_US}" if bucketed else "r.value"
    r_intent = f", SUBSTR(r.kind, {len(SCOPED_TERM) + 1}) AS i" if intent is not None else ""
    r_index = ""
    if kind == "author" and values and dialect.name == "sqlite":
        # Named authors (a spike's): their index entries, not every author row of the days
        # (at 1M, 12 authors over 28 days: 0.4 s through the (kind, day, brand) index). The
        # partial index serves only a query that names its kind as a literal.
        r_index = " INDEXED BY rollup_daily_author"
        r_parts.append("r.kind = 'author'")
    rollup_sql = (
        f"SELECT r.brand AS b, {r_value} AS v{r_intent}, "
        + ", ".join(f"r.{alias} AS {alias}" for alias in partials)
        + f" FROM rollup_daily r{r_index} WHERE "
        + " AND ".join(r_parts)
    )

    # The base-table half: the partial first and last day, and the dirty whole days.
    ranges, raw_params = _raw_ranges(since, until, first, last)
    joins = ""
    parts = ["m.ts >= rg.lo AND m.ts < rg.hi"]
    b_expr = v_expr = "CAST(NULL AS TEXT)"
    if grouped_brand or brands:
        joins += " CROSS JOIN mention_tags bt"
        parts.append("bt.mention_id = m.id AND bt.kind = 'brand'")
        if brands:
            parts.append(_in("bt.value", brands, raw_params))
        b_expr = "bt.value"
    column = ROLLUP_KINDS.get(kind)
    if bucketed:
        v_expr = f"(m.ts / {HOUR_US}) * {HOUR_US}"  # edges[0] >= 0: every time read is too
    elif column is not None:
        v_expr = column
        if values:
            parts.append(_in(column, values, raw_params))
    elif kind:
        joins += " CROSS JOIN mention_tags g"
        parts.append(f"g.mention_id = m.id AND g.kind = '{kind}'")
        if values:
            parts.append(_in("g.value", values, raw_params))
        v_expr = "g.value"
    if intent is not None:
        joins += " CROSS JOIN mention_tags ig"
        parts.append("ig.mention_id = m.id AND ig.kind = 'intent' AND ig.value = ?")
        raw_params.append(intent)
    raw_intent = ", ig.value AS i" if intent is not None else ""
    raw_sql = (
        f"SELECT {b_expr} AS b, {v_expr} AS v{raw_intent}, "
        + ", ".join(f"{expr.format(real=dialect.real)} AS {alias}" for alias, expr in partials.items())
        + f" FROM ({' UNION ALL '.join(ranges)}) rg CROSS JOIN mentions m{joins} WHERE "
        + " AND ".join(parts)
        + (" GROUP BY 1, 2, 3" if intent is not None else " GROUP BY 1, 2")
    )

    union = f"({rollup_sql} UNION ALL {raw_sql})"
    if bucketed:
        # Hour slots (a few per bucket) find their bucket in sl_buckets, as the slot plan does.
        lookup = "(SELECT MAX(bk.start_us) FROM sl_buckets bk WHERE bk.start_us <= u.v)"
        union = f"(SELECT {lookup} AS t, u.* FROM {union} u)"
        dims = ["q.t", *(["q.b"] if grouped_brand else [])]
        columns: tuple[str, ...] = ("bucket", *(["brand"] if grouped_brand else []), *metrics)
    else:
        scoped = {"intent": "q.i"} if intent is not None else {}
        dims = [{"brand": "q.b", **scoped}.get(name, "q.v") for name in by]
        columns = (*by, *metrics)
    aliases = ["bucket" if dim == "q.t" else f"d{i}" for i, dim in enumerate(dims)]
    group = [f"{expr} AS {alias}" for expr, alias in zip(dims, aliases, strict=True)]
    outer = []
    for i, name in enumerate(summable):
        combine = _METRIC_SQL[name][2]
        assert combine is not None
        if not by and name in ("count", "count_scored"):
            combine = f"COALESCE({combine}, 0)"  # COUNT of no rows is 0, a SUM of none is NULL
        outer.append(f"{combine} AS {'s' if distinct else 'v'}{i}")
    sql = f"SELECT {', '.join([*group, *outer])} FROM {union} q"
    if dims:
        sql += " GROUP BY " + ", ".join(dims)
    params = r_params + raw_params if summable else []
    if distinct:
        # The period's distinct authors: those of the whole days' author rows (counted in the
        # order of an index, without a temporary table), plus the other days' authors that no
        # such row holds. NULL authors count nothing, as in COUNT(DISTINCT).
        a_where = " AND ".join(r_parts[1:])
        rows_sql = f"SELECT {'r.brand AS b, ' if grouped_brand else ''}COUNT(DISTINCT r.value) AS c "
        # SQLite's planner prefers the (kind, day) index and a temporary table for the
        # distinct count: four times slower at 1M than walking the authors in order over 28
        # days. Over a few days it is the faster plan (one day at 1M: 9 ms instead of 77 ms:
        # the author index holds every day of the brand).
        few_days = first is not None and last is not None and last - first <= _FEW_AUTHOR_DAYS
        indexed = " INDEXED BY rollup_daily_author" if dialect.name == "sqlite" and not few_days else ""
        rows_sql += f"FROM rollup_daily r{indexed} WHERE r.kind = 'author' AND {a_where}"
        rows_sql += " GROUP BY r.brand" if grouped_brand else ""
        day_parts = [part for part in r_parts if part.startswith(("r.day", "NOT EXISTS"))]
        day_params = [day for day in (first, last) if day is not None]
        same_brand = "r.brand = x.b" if grouped_brand or brands else "r.brand IS NULL"
        author_raw = (
            f"SELECT DISTINCT {b_expr} AS b, m.author_handle AS a FROM ({' UNION ALL '.join(ranges)}) rg "
            f"CROSS JOIN mentions m{joins} WHERE " + " AND ".join(parts)
        )
        held = (
            "SELECT 1 FROM rollup_daily r WHERE r.kind = 'author' AND "
            f"{same_brand} AND r.value = x.a AND {' AND '.join(day_parts)}"
        )
        new_sql = f"SELECT {'x.b AS b, ' if grouped_brand else ''}COUNT(DISTINCT x.a) AS c "
        new_sql += f"FROM ({author_raw}) x WHERE NOT EXISTS ({held})"
        new_sql += " GROUP BY x.b" if grouped_brand else ""
        if grouped_brand:
            d_sql = f"SELECT u.b AS b, SUM(u.c) AS da FROM ({rows_sql} UNION ALL {new_sql}) u GROUP BY u.b"
        else:
            d_sql = f"SELECT SUM(u.c) AS da FROM ({rows_sql} UNION ALL {new_sql}) u"
        d_params = [*r_params[1:], *raw_params, *day_params]
        names, j = [], 0
        for name in metrics:
            if name == _DISTINCT:
                names.append("dd.da")
            else:
                names.append(f"mm.s{j}")
                j += 1
        select = [*(["dd.b AS d0"] if grouped_brand else [])]
        select += [f"{expr} AS v{i}" for i, expr in enumerate(names)]
        if summable:
            join = "JOIN" if grouped_brand else "CROSS JOIN"
            on = " ON dd.b = mm.d0" if grouped_brand else ""
            sql = f"SELECT {', '.join(select)} FROM ({sql}) mm {join} ({d_sql}) dd{on}"
        else:
            sql = f"SELECT {', '.join(select)} FROM ({d_sql}) dd"
        params += d_params
    aliases += [f"v{i}" for i in range(len(metrics))]
    sql = order_and_limit(sql, params, columns, aliases, len(metrics), order_by=order_by, top=top)
    days = (first, last)
    return AggregatePlan(sql=sql, params=params, columns=columns, edges=list(edges), rollup_days=days)


def _bounds(where: Filter | None) -> tuple[int | None, int | None, int | None, int | None]:
    """``since`` and ``until`` in microseconds, and the whole UTC days ``[first, last)`` within."""
    since = to_us(where.since) if where is not None and where.since is not None else None
    until = to_us(where.until) if where is not None and where.until is not None else None
    first = None if since is None else -(-since // DAY_US)
    last = None if until is None else until // DAY_US
    return since, until, first, last


def _raw_ranges(
    since: int | None, until: int | None, first: int | None, last: int | None
) -> tuple[list[str], list[object]]:
    """The time ranges read from the base tables: partial first and last day, dirty days."""
    ranges: list[str] = []
    params: list[object] = []
    if since is not None and first is not None and since < first * DAY_US:
        ranges.append("SELECT CAST(? AS BIGINT) AS lo, CAST(? AS BIGINT) AS hi")
        params += [since, first * DAY_US]
    if until is not None and last is not None and last * DAY_US < until:
        ranges.append("SELECT CAST(? AS BIGINT) AS lo, CAST(? AS BIGINT) AS hi")
        params += [last * DAY_US, until]
    dirty = f"SELECT dd.day * {DAY_US} AS lo, (dd.day + 1) * {DAY_US} AS hi FROM rollup_dirty dd WHERE 1=1"
    for op, day in ((">=", first), ("<", last)):
        if day is not None:
            dirty += f" AND dd.day {op} ?"
            params.append(day)
    ranges.append(dirty)
    return ranges, params


def _plan_pair_authors(
    metrics: Sequence[str],
    kind: str,
    *,
    where: Filter | None,
    order_by: Sequence[str],
    top: int | None,
) -> AggregatePlan | None:
    """Distinct authors per source, domain or hashtag of one brand, from ``rollup_authors``.

    Eligible: ``distinct_authors`` alone, grouped by one of :data:`PAIR_KINDS`; a filter of
    ``since``, ``until``, exactly one brand and the kind's own field (a domain needs its
    ``domains``: the pairs keep no mention without a domain, whose group the plain plan
    returns); at least one whole UTC day. The whole clean days' pairs, the base tables'
    pairs of the partial and dirty days and the days' values (a value whose mentions have no
    author counts 0, as ``COUNT(DISTINCT)`` does) are counted together.
    """
    if tuple(metrics) != (_DISTINCT,) or where is None or len(set(where.brands)) != 1:
        return None
    field = _KIND_FILTER.get(kind)
    used = set(where.model_dump(exclude_defaults=True))
    if used - {"since", "until", "brands", *([field] if field else [])}:
        return None
    values: tuple[str, ...] = getattr(where, field) if field else ()
    column = PAIR_KINDS[kind]
    if kind in _NULLABLE_PAIRS and not values:
        return None
    since, until, first, last = _bounds(where)
    if first is not None and last is not None and first >= last:
        return None
    brand = where.brands[0]

    # Whole days that are not dirty: each day with mentions has its total row (kind '').
    day_params: list[object] = []
    clean = "SELECT cd.day FROM rollup_daily cd WHERE cd.kind = '' AND cd.brand IS NULL"
    for op, day in ((">=", first), ("<", last)):
        if day is not None:
            clean += f" AND cd.day {op} ?"
            day_params.append(day)
    clean += " AND NOT EXISTS (SELECT 1 FROM rollup_dirty dd WHERE dd.day = cd.day)"
    pair_params: list[object] = [*day_params, kind, brand]
    pairs = (
        f"SELECT r.value AS v, r.author AS a FROM ({clean}) c CROSS JOIN rollup_authors r "
        "WHERE r.day = c.day AND r.kind = ? AND r.brand = ?"
    )
    if values:
        pairs += " AND " + _in("r.value", values, pair_params)
    zero_params: list[object] = [kind, brand, *day_params]
    zeros = (
        "SELECT r.value AS v, CAST(NULL AS TEXT) AS a FROM rollup_daily r WHERE r.kind = ? AND r.brand = ?"
    )
    for op, day in ((">=", first), ("<", last)):
        if day is not None:
            zeros += f" AND r.day {op} ?"
    zeros += " AND NOT EXISTS (SELECT 1 FROM rollup_dirty dd WHERE dd.day = r.day)"
    if values:
        zeros += " AND " + _in("r.value", values, zero_params)

    ranges, raw_params = _raw_ranges(since, until, first, last)
    raw_params.append(brand)
    raw = (
        f"SELECT {column or 'g.value'} AS v, m.author_handle AS a FROM ({' UNION ALL '.join(ranges)}) rg "
        f"CROSS JOIN mentions m CROSS JOIN mention_tags bt{'' if column else ' CROSS JOIN mention_tags g'} "
        "WHERE m.ts >= rg.lo AND m.ts < rg.hi AND bt.mention_id = m.id AND bt.kind = 'brand' AND bt.value = ?"
    )
    if column is None:
        raw += f" AND g.mention_id = m.id AND g.kind = '{kind}'"
    if values:
        raw += " AND " + _in(column or "g.value", values, raw_params)
    sql = (
        f"SELECT q.v AS d0, COUNT(DISTINCT q.a) AS v0 FROM ({pairs} UNION ALL {zeros} UNION ALL {raw}) q "
        "GROUP BY q.v"
    )
    params = [*pair_params, *zero_params, *raw_params]
    columns = (kind, _DISTINCT)
    sql = order_and_limit(sql, params, columns, ["d0", "v0"], 1, order_by=order_by, top=top)
    return AggregatePlan(sql=sql, params=params, columns=columns, edges=[], rollup_days=(first, last))

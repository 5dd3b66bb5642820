"""Store test fixtures: one ``store`` fixture over both backends, PostgreSQL on loopback.

PostgreSQL tests are marked ``postgres`` and skipped when ``SOCIAL_LISTEN_TEST_PG`` is unset
or the server does not answer, except under ``SOCIAL_LISTEN_REQUIRE_PG=1`` (set by
``.ci/run``), where such a skip fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from social_listen.store import SQLiteStore

PG_ENV = "SOCIAL_LISTEN_TEST_PG"
REQUIRE_ENV = "SOCIAL_LISTEN_REQUIRE_PG"


def pg_required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


def pg_dsn_or_skip() -> str:
    """The test server's DSN, or skip (fail under SOCIAL_LISTEN_REQUIRE_PG=1)."""
    dsn = os.environ.get(PG_ENV)
    reason = None
    if not dsn:
        reason = f"{PG_ENV} is not set"
    else:
        try:
            import psycopg

            with psycopg.connect(dsn, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
        except Exception as exc:  # any failure to reach the server
            reason = f"PostgreSQL at {PG_ENV} is not reachable: {type(exc).__name__}"
    if reason is not None:
        if pg_required():
            pytest.fail(f"{reason} and {REQUIRE_ENV}=1")
        pytest.skip(reason)
    assert dsn is not None
    return dsn


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and pg_required() and item.get_closest_marker("postgres") is not None:
        report.outcome = "failed"
        report.longrepr = f"PostgreSQL test skipped although {REQUIRE_ENV}=1: {report.longrepr}"


def drop_schema(dsn: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL schema (dsn, schema), dropped afterwards."""
    dsn = pg_dsn_or_skip()
    schema = "t_" + uuid.uuid4().hex[:12]
    yield dsn, schema
    drop_schema(dsn, schema)


def _open(kind: str, request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Any]:
    if kind == "sqlite":
        store = SQLiteStore(tmp_path / "store.db")
        yield store
        store.close()
        return
    from social_listen.store import PostgresStore

    dsn = pg_dsn_or_skip()
    schema = "t_" + uuid.uuid4().hex[:12]
    store = PostgresStore(dsn, schema=schema)
    try:
        yield store
    finally:
        store.close()
        drop_schema(dsn, schema)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Any]:
    """A fresh store of each backend."""
    yield from _open(request.param, request, tmp_path)

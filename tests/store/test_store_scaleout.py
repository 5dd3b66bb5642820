"""Scale-out: two collector processes share one PostgreSQL; one is killed mid-lease.

The fake platform has 10 sources of 1,000 items. Collectors lease sources (FOR UPDATE SKIP
LOCKED), commit pages with a fencing token and rotate. One collector is SIGKILLed while it
holds a lease; its lease expires and the other resumes from the committed state. At the end
every item is stored exactly once (no duplicate, no gap) and every page was committed once.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

COLLECTOR = Path(__file__).with_name("scaleout_collector.py")


def _start(dsn: str, schema: str, holder: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as errors:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, str(COLLECTOR), dsn, schema, holder], stdout=subprocess.DEVNULL, stderr=errors
        )


@pytest.mark.postgres
@pytest.mark.integration
@pytest.mark.timeout(300)
def test_two_collectors_no_duplicate_no_gap_after_a_kill(pg_schema: tuple[str, str], tmp_path: Path) -> None:
    from social_listen.store import PostgresStore

    dsn, schema = pg_schema
    setup = PostgresStore(dsn, schema=schema)
    setup.leases.register([f"fake:{k}" for k in range(10)])
    setup.close()
    a = _start(dsn, schema, "collector-a", tmp_path / "a.log")
    b = _start(dsn, schema, "collector-b", tmp_path / "b.log")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"SET search_path = {schema}")

        def scalar(sql: str) -> int:
            row = conn.execute(sql).fetchone()
            return int(row[0]) if row and row[0] is not None else 0

        deadline = time.monotonic() + 90
        while True:  # kill A once it has committed pages and holds a lease
            assert time.monotonic() < deadline, (tmp_path / "a.log").read_text()
            holding = scalar(
                "SELECT COUNT(*) FROM source_leases WHERE holder = 'collector-a' AND done = 0 AND "
                "expires_at > (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint"
            )
            if scalar("SELECT COUNT(*) FROM mentions") >= 2000 and holding:
                a.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
        a.wait(timeout=30)
        assert a.returncode == -signal.SIGKILL
        assert b.wait(timeout=180) == 0, (tmp_path / "b.log").read_text()
        ids = sorted(int(r[0]) for r in conn.execute("SELECT native_id FROM mentions").fetchall())
        assert ids == list(range(10_000))
        assert scalar("SELECT COUNT(*) FROM mention_versions") == 0
        assert scalar("SELECT SUM(commits) FROM source_states") == 100  # each page committed once
        assert scalar("SELECT COUNT(*) FROM source_leases WHERE done = 1") == 10
        holders = {r[0] for r in conn.execute("SELECT DISTINCT holder FROM source_leases").fetchall()}
        assert holders <= {None}

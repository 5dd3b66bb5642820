"""Reliability row 31: a collector killed with SIGKILL at random points never loses or doubles data.

Real child processes (forked by a zygote that has the library imported, so a cycle costs
milliseconds rather than an interpreter start) commit a fake source page by page; the harness
kills them at random moments at least 50 times, some while the store is being opened or
created, and after each kill checks that the file passes SQLite's integrity check and that the
committed state and the stored data agree exactly. When the collection completes, every item
exists exactly once.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("killnine_child.py")
TOTAL, PAGE, KEY = 24000, 60, "fake:acme"


def _verify(path: Path, conns: list[sqlite3.Connection]) -> int:
    """Check integrity and state/data agreement; return the committed page count.

    One connection is kept open for the whole run: closing the last connection to a WAL
    database checkpoints it, which would add the harness's own writes to what is tested.
    """
    if not path.exists():
        return 0
    if not conns:
        conns.append(sqlite3.connect(path))
    conn = conns[0]
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "source_states" not in tables:
        return 0
    row = conn.execute("SELECT state FROM source_states WHERE source_key = ?", (KEY,)).fetchone()
    pages = 0 if row is None else int(json.loads(row[0])["cursor"] or 0)
    expected = min(pages * PAGE, TOTAL)
    count, distinct, high = conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT native_id), MAX(CAST(native_id AS INTEGER)) FROM mentions"
    ).fetchone()
    assert count == distinct == expected, (pages, count, distinct)
    assert (high if high is not None else -1) == expected - 1
    assert conn.execute("SELECT COUNT(*) FROM mention_bodies").fetchone()[0] == expected
    assert conn.execute("SELECT COUNT(*) FROM mention_tags").fetchone()[0] == expected
    assert conn.execute("SELECT COUNT(*) FROM mention_versions").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == pages
    return pages


class Zygote:
    """Talks to the zygote over unbuffered pipes (no line can hide in a Python buffer)."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), "--zygote", str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        self.pending = b""

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((line + "\n").encode())

    def expect(self, *prefixes: str, timeout: float = 120) -> list[str]:
        """The next line starting with one of ``prefixes``; a child failure fails the test."""
        found = self.poll(*prefixes, timeout=timeout)
        assert found is not None, f"no {prefixes} from the zygote within {timeout} s"
        return found

    def poll(self, *prefixes: str, timeout: float) -> list[str] | None:
        """Like :meth:`expect`, but ``None`` when nothing matching arrives within ``timeout``."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        end = time.monotonic() + timeout
        while True:
            while b"\n" not in self.pending:
                ready, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
                if not ready:
                    return None
                chunk = os.read(fd, 4096)
                assert chunk, "the zygote died"
                self.pending += chunk
            raw, _, self.pending = self.pending.partition(b"\n")
            words = raw.decode().split()
            assert words[0] != "failed", raw
            if words[0] in prefixes:
                return words

    def close(self) -> None:
        self.send("quit")
        self.proc.communicate(timeout=30)


def _collect_with_kills(path: Path, rng: random.Random, kills_wanted: int, deadline: float) -> int:
    """One collection into ``path``, killed until it completes or ``kills_wanted`` kills.

    The pause before each kill adapts so that the kills spread over the whole collection
    whatever the machine's speed (a fast machine would otherwise finish the collection within
    a few kills, a slow one never get past the first pages). After the kills, a last collector
    runs to the end; every check of :func:`_verify` holds after each kill, and every item is
    stored exactly once at the end. Returns the number of kills.
    """
    zygote = Zygote(path)
    conns: list[sqlite3.Connection] = []
    kills = 0
    progress: list[int] = [0]
    target = max(1.0, TOTAL / PAGE / (kills_wanted * 1.2))  # pages per kill, a bit ahead of the end
    pause = 0.05
    try:
        while kills < kills_wanted and progress[-1] * PAGE < TOTAL:
            assert time.monotonic() < deadline, f"the harness ran out of time after {kills} kills"
            zygote.send("go")
            pid = int(zygote.expect("pid")[1])
            if kills % 10 == 0:
                time.sleep(rng.uniform(0.0, 0.01))  # while the store is being opened or created
            else:
                # On a loaded machine a child may be slow to start: then it is killed while
                # starting, which is one more random point.
                started = zygote.poll("ready", "done", timeout=5)
                if started is not None:
                    assert started[1] == str(pid)
                    time.sleep(rng.uniform(0.0, 2 * pause))
            os.kill(pid, signal.SIGKILL)
            zygote.send(f"reap {pid}")
            status = int(zygote.expect("reaped")[2])
            if os.WIFSIGNALED(status):
                kills += 1
            else:
                assert os.WEXITSTATUS(status) == 0
            progress.append(_verify(path, conns))
            advanced = progress[-1] - progress[-2]
            if advanced > 2 * target:
                pause = max(0.002, pause * 0.6)
            elif advanced < target / 2:
                pause = min(0.5, pause * 1.3)
        assert progress == sorted(progress)
        zygote.send("go")
        pid = int(zygote.expect("pid")[1])
        assert zygote.expect("done")[1] == str(pid)
        zygote.send(f"reap {pid}")
        assert int(zygote.expect("reaped")[2]) == 0
        assert _verify(path, conns) * PAGE >= TOTAL
        ids = sorted(int(r[0]) for r in conns[0].execute("SELECT native_id FROM mentions"))
    finally:
        zygote.close()
        for conn in conns:
            conn.close()
    assert ids == list(range(TOTAL))
    if kills >= 20:
        assert len(set(progress)) > 10  # the kills landed all along the collection
    return kills


@pytest.mark.integration
@pytest.mark.reliability(31)
@pytest.mark.timeout(300)
def test_kill_nine_at_random_points(tmp_path: Path) -> None:
    rng = random.Random(31)
    deadline = time.monotonic() + 240
    kills = 0
    collections = 0
    while kills < 50:  # a collection that completes before 50 kills is followed by another
        collections += 1
        kills += _collect_with_kills(tmp_path / f"collector{collections}.db", rng, 50 - kills, deadline)

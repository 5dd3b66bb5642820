"""A collector run by the kill-9 harness: commits a fake source page by page until done.

Each page re-delivers the last five items of the previous one (an overlapping incremental run)
and writes one outbox row, so the harness can check dedup and the outbox after every kill.

``python killnine_child.py --zygote DB`` starts a single-threaded zygote that has the library
imported and forks one collector per ``go`` line on stdin (printing ``pid N``; the collector
prints ``ready N`` once its store is open, ``done N`` when the collection is complete), and
reaps a child per ``reap N`` line (printing ``reaped N STATUS``). Forking from it makes a
kill cycle cost milliseconds instead of an interpreter start.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from social_listen.core import Author, Mention, Page, SourceState
from social_listen.store import OutboxItem, SQLiteStore

TOTAL = 24000
PAGE = 60
KEY = "fake:acme"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def item(i: int) -> Mention:
    return Mention(
        source="fake",
        native_id=str(i),
        text=f"item {i} about Acme deliveries and refunds",
        created_at=T0 + timedelta(minutes=i),
        author=Author(handle=f"user{i % 7}"),
        brands=("acme",),
        raw={"id": i, "padding": "x" * 400},
    )


def _say(line: str) -> None:
    # One write per line: the zygote and its children share stdout, and a write under
    # PIPE_BUF bytes is never interleaved with another.
    os.write(1, (line + "\n").encode())


def collect(path: str) -> None:
    """Collect until done."""
    store = SQLiteStore(path)
    _say(f"ready {os.getpid()}")
    while True:
        state = store.load_state(KEY) or SourceState()
        if state.extras.get("done"):
            _say(f"done {os.getpid()}")
            return
        page = int(state.cursor or 0)
        low = page * PAGE
        items = tuple(item(i) for i in range(max(0, low - 5), min(low + PAGE, TOTAL)))
        after = state.with_cursor(str(page + 1))
        if (page + 1) * PAGE >= TOTAL:
            after = after.with_extras(done=True)
        outbox = [OutboxItem(rule="page", source="fake", native_id=str(low))]
        store.commit_page(Page(mentions=items), after, source_key=KEY, outbox=outbox)


def _lines(fd: int) -> Iterator[str]:
    """Lines read from a descriptor without read-ahead buffering beyond the current line."""
    pending = b""
    while True:
        while b"\n" not in pending:
            chunk = os.read(fd, 4096)
            if not chunk:
                return
            pending += chunk
        line, _, pending = pending.partition(b"\n")
        yield line.decode()


def zygote(path: str) -> int:
    """Fork collectors on request (see the module docstring)."""
    for line in _lines(0):
        command, _, arg = line.strip().partition(" ")
        if command == "go":
            pid = os.fork()
            if pid == 0:
                os.close(0)  # commands are for the zygote only
                code = 0
                try:
                    collect(path)
                except BaseException as exc:
                    traceback.print_exc()
                    _say(f"failed {os.getpid()} {type(exc).__name__}: {exc}".replace("\n", " ")[:300])
                    code = 1
                finally:
                    os._exit(code)
            _say(f"pid {pid}")
        elif command == "reap":
            _, status = os.waitpid(int(arg), 0)
            _say(f"reaped {arg} {status}")
        elif command == "quit":
            return 0
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "--zygote":
        sys.exit(zygote(sys.argv[2]))
    collect(sys.argv[1])

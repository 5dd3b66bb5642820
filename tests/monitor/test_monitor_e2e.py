"""End to end on loopback: fake platforms, the monitor, a real signed-webhook receiver.

The demo's generated week is served by fake Hacker News, Mastodon and RSS platforms up to a
simulated "now"; the monitor walks the week on an injected clock and delivers to a threaded
HTTP receiver on 127.0.0.1 that checks every Standard Webhooks signature. Covers issue 8's
"done when": the influential complaint reaches the inbox top and the receiver within one
cycle, an outage loses and repeats nothing, a kill-9'd monitor process neither loses nor
repeats an alert, and ``replay`` over the stored week fires what the live run fired.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from social_listen.core import Client
from social_listen.monitor import Alert, replay, verify_webhook
from social_listen.store import SQLiteStore

pytestmark = pytest.mark.integration

CHILD_PATH = Path(__file__).with_name("monitor_e2e_child.py")


def _load_child() -> ModuleType:
    spec = importlib.util.spec_from_file_location("monitor_e2e_child", CHILD_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


child = _load_child()

# The week starts tomorrow: the store stamps outbox rows with the real clock, so the
# simulated clock must never run behind it.
START = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
END = START + timedelta(days=7)
POSTS = child.week(START)
CRITIC = next(p for p in POSTS if p.author == "foodcritic_maria")


class Receiver:
    """A webhook endpoint on loopback: verifies signatures, records deliveries, can fail."""

    def __init__(self) -> None:
        self.mode = "up"  # "up" or "503"
        self.deliveries: list[tuple[str, list[str]]] = []  # (webhook-id, dedup keys)
        self.attempts: list[str] = []  # every webhook-id POSTed, whatever the answer
        self.bad_signatures = 0
        self.details: dict[str, dict[str, Any]] = {}  # dedup key -> the alert's details
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items()}
                msg_id = headers.get("webhook-id", "")
                with receiver._lock:
                    receiver.attempts.append(msg_id)
                    if receiver.mode == "503":
                        status = 503
                    elif not verify_webhook(child.SECRET, headers=headers, body=body):
                        receiver.bad_signatures += 1
                        status = 401
                    else:
                        alerts = json.loads(body)["alerts"]
                        keys = [a["dedup_key"] for a in alerts]
                        receiver.details.update({a["dedup_key"]: a["details"] for a in alerts})
                        receiver.deliveries.append((msg_id, keys))
                        status = 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close the port (connections are refused until :meth:`start`)."""
        assert self._server is not None
        assert self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = None

    def unique(self) -> dict[str, list[str]]:
        """Deliveries deduplicated by webhook-id, as a Standard Webhooks receiver does."""
        with self._lock:
            return {msg_id: keys for msg_id, keys in self.deliveries}

    def alert_keys(self) -> list[str]:
        """Every alert dedup key received, once per unique webhook-id."""
        return [key for keys in self.unique().values() for key in keys]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    hook.start()
    yield hook
    if hook._server is not None:
        hook.stop()


def _outbox_keys(store: SQLiteStore) -> set[str]:
    with store._read_tx() as cur:
        cur.execute("SELECT dedup_key FROM outbox")
        return {str(row[0]).rsplit("|", 1)[0] for row in cur.fetchall()}


def _critic_key() -> str:
    return "negative-influencer:mastodon:"


@pytest.mark.reliability(45)
def test_influential_complaint_reaches_inbox_top_and_receiver_within_one_cycle(receiver: Receiver) -> None:
    clock = child.SimClock(CRITIC.created_at - timedelta(minutes=7))
    step = timedelta(minutes=30)
    store = SQLiteStore(":memory:")
    with child.serve_week(POSTS, clock) as base, Client(allow_networks=["127.0.0.0/8"]) as client:
        monitor = child.build(
            store, base, receiver.url, client=client, clock=clock, since=START, interval=step
        )
        first = monitor.run_once()  # backfills the days before the complaint
        assert first.mentions > 50
        assert not first.errors
        assert not any(k.startswith(_critic_key()) for k in receiver.alert_keys())
        clock.now += step  # the next polling cycle, the complaint now public
        cycle = monitor.run_once()
    assert not cycle.errors
    top = monitor.inbox.needs_human(limit=3, brands=("Lunaro",))
    assert top[0].author is not None
    assert top[0].author.handle.startswith("foodcritic_maria")
    fired = [k for k in receiver.alert_keys() if k.startswith(_critic_key())]
    assert len(fired) == 1
    assert fired[0].endswith(top[0].native_id)
    assert receiver.bad_signatures == 0
    assert store.outbox.counts().get("pending", 0) == 0


@pytest.mark.reliability(45)
def test_receiver_outage_delays_alerts_and_delivers_each_exactly_once(receiver: Receiver) -> None:
    clock = child.SimClock(START + timedelta(days=4, hours=12))
    step = timedelta(minutes=5)
    store = SQLiteStore(":memory:")
    with child.serve_week(POSTS, clock) as base, Client(allow_networks=["127.0.0.0/8"]) as client:
        monitor = child.build(
            store, base, receiver.url, client=client, clock=clock, since=START, interval=step
        )
        receiver.stop()  # port closed
        monitor.run_once()
        for _ in range(6):  # half an hour down: cycles go on, collecting and alerting
            clock.now += step
            report = monitor.run_once()
            assert not report.errors
        receiver.start()
        receiver.mode = "503"
        for _ in range(6):  # half an hour answering 503
            clock.now += step
            monitor.run_once()
        pending = store.outbox.counts().get("pending", 0)
        assert pending > 0
        assert not store.outbox.dead_letters()
        assert receiver.deliveries == []
        # backoff: 6 cycles of 503 meant at most 3 attempts per message, not one per cycle
        per_id = {msg_id: receiver.attempts.count(msg_id) for msg_id in set(receiver.attempts)}
        assert per_id
        assert max(per_id.values()) <= 3
        receiver.mode = "up"
        for _ in range(12):  # cycles every 5 minutes until every retry came due
            clock.now += step
            monitor.run_once()
        clock.now += timedelta(hours=1)
        monitor.run_once()
    counts = store.outbox.counts()
    assert set(counts) == {"sent"}
    keys = receiver.alert_keys()
    assert len(keys) == len(set(keys))  # no alert twice
    assert set(keys) == _outbox_keys(store)  # no alert lost
    assert any(k.startswith(_critic_key()) for k in keys)
    assert receiver.bad_signatures == 0


def _live_week(
    store: SQLiteStore, base: str, hook: str, clock: Any, step: timedelta, client: Client
) -> list[Alert]:
    """The uninterrupted live run: one cycle per step from START to END."""
    fired: list[Alert] = []
    monitor = child.build(store, base, hook, client=client, clock=clock, since=START, interval=step)
    while clock.now <= END:
        fired += monitor.run_once(force=True).alerts
        clock.now += step
    return fired


STEP = timedelta(hours=6)


@dataclass
class Week:
    """The fakes serving the week (horizon switchable) and one uninterrupted live run over it."""

    base: str
    horizon: list[Callable[[], datetime]]
    db: Path
    live: list[Alert]
    keys: list[str]
    details: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Week]:
    clock = child.SimClock(START)
    horizon: list[Callable[[], datetime]] = [clock]
    db = tmp_path_factory.mktemp("week") / "week.sqlite"
    with child.serve_week(POSTS, lambda: horizon[0]()) as base:  # noqa: PLW0108 (late binding)
        hook = Receiver()
        hook.start()
        try:
            store = SQLiteStore(db)
            with Client(allow_networks=["127.0.0.0/8"]) as client:
                live = _live_week(store, base, hook.url, clock, STEP, client)
            store.close()
        finally:
            hook.stop()
        yield Week(base, horizon, db, live, hook.alert_keys(), dict(hook.details))


@pytest.mark.reliability(45)
def test_replay_over_the_stored_week_fires_what_the_live_run_fired(week: Week) -> None:
    config = child.settings("http://127.0.0.1:1", STEP)
    store = SQLiteStore(week.db)
    replayed = replay(child.build_rules(config), store, since=START, until=END + STEP)
    store.close()
    as_set = {(a.rule, a.dedup_key, a.fired_at) for alerts in replayed.values() for a in alerts}
    assert as_set == {(a.rule, a.dedup_key, a.fired_at) for a in week.live}
    assert replayed["volume-spike"]
    assert replayed["negative-influencer"]
    # the spike is the crisis afternoon of day 5
    assert all(a.fired_at.date() == (START + timedelta(days=4)).date() for a in replayed["volume-spike"])
    assert sorted(week.keys) == sorted(a.dedup_key for a in week.live)


@pytest.mark.reliability(31)
@pytest.mark.reliability(45)
def test_killed_monitor_process_neither_loses_nor_repeats_an_alert(
    tmp_path: Path, receiver: Receiver, week: Week
) -> None:
    db, horizon = tmp_path / "killed.sqlite", tmp_path / "killed.horizon"

    def visible_until() -> datetime:
        return datetime.fromisoformat(horizon.read_text()) if horizon.exists() else START

    rng = random.Random(int(os.environ.get("E2E_SEED", "31")))
    kills = 0
    previous, week.horizon[0] = week.horizon[0], visible_until  # the children set the horizon
    base = week.base
    try:
        args = [sys.executable, str(CHILD_PATH), str(db), base, receiver.url, str(horizon)]
        args += [START.isoformat(), END.isoformat(), str(int(STEP.total_seconds() // 60))]
        log = tmp_path / "child.log"
        # kill points: random cycles around the crisis (where the alerts are), each a random
        # moment into the cycle (between pages, between a send and its mark_sent...)
        cycles = [START + STEP * i for i in range(int((END - START) / STEP) + 1)]
        targets = sorted(rng.sample([c for c in cycles if START + timedelta(days=3) <= c < END], 4))
        for attempt in range(len(targets) + 1):
            with log.open("ab") as err:
                process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
                if attempt < len(targets):
                    deadline = time.monotonic() + 30
                    while visible_until() < targets[attempt] and process.poll() is None:
                        assert time.monotonic() < deadline, log.read_text()[-3000:]
                        time.sleep(0.01)
                    time.sleep(rng.uniform(0.0, 0.3))
                    if process.poll() is None:
                        process.kill()
                        kills += 1
                    process.wait(timeout=30)
                    continue
                process.wait(timeout=90)  # the last one runs to the end
            assert process.returncode == 0, log.read_text()[-3000:]
            break
    finally:
        week.horizon[0] = previous
    assert kills >= 3
    keys = receiver.alert_keys()
    assert len(keys) == len(set(keys)), "an alert arrived twice under different webhook-ids"
    assert sorted(keys) == sorted(week.keys)
    # window alerts saw the same buckets: a crash mid-cycle must not drop mentions from them
    assert receiver.details == week.details
    assert any(k.startswith("volume-spike:") for k in keys)
    assert receiver.bad_signatures == 0
    store = SQLiteStore(db)
    assert set(store.outbox.counts()) == {"sent"}
    store.close()


class Crash(BaseException):
    """Stands in for SIGKILL inside one process: nothing after it runs."""


@pytest.mark.reliability(31)
@pytest.mark.reliability(45)
def test_crash_between_two_sources_of_a_cycle_keeps_window_alerts_exact(
    tmp_path: Path, receiver: Receiver, week: Week
) -> None:
    clock = child.SimClock(START)
    store = SQLiteStore(tmp_path / "crash.sqlite")
    previous, week.horizon[0] = week.horizon[0], clock
    base = week.base
    with Client(allow_networks=["127.0.0.0/8"]) as client:
        crash_at = START + timedelta(days=4, hours=18)  # the crisis afternoon, just collected
        monitor = child.build(
            store, base, receiver.url, client=client, clock=clock, since=START, interval=STEP
        )
        rss = monitor.sources[-1].source
        fetch = rss.fetch_page

        def crashing_fetch(*args: Any, **kwargs: Any) -> Any:
            if clock.now == crash_at:
                raise Crash
            return fetch(*args, **kwargs)

        rss.fetch_page = crashing_fetch
        while clock.now < crash_at:
            monitor.run_once(force=True)
            clock.now += STEP
        with pytest.raises(Crash):
            monitor.run_once(force=True)
        # a new monitor redoes the cycle: RSS's mentions of the crisis afternoon arrive after
        # Hacker News' and Mastodon's of the same hours were stored
        _live_week(store, base, receiver.url, clock, STEP, client)
        week.horizon[0] = previous
    store.close()
    assert sorted(receiver.alert_keys()) == sorted(week.keys)
    assert receiver.details == week.details

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from social_listen.core import (
    Author,
    Capabilities,
    FetchFlow,
    Mention,
    Metrics,
    Page,
    Query,
    SourceState,
    SourceUnavailable,
)
from social_listen.monitor._alerts import CrisisIntent, NegativeInfluencer
from social_listen.monitor._loop import Monitor, MonitoredSource
from social_listen.monitor._pipeline import Enricher, KeywordMatcher
from social_listen.monitor._sinks import Alert, CallbackSink
from social_listen.store import SQLiteStore

T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)


class Clock:
    """Starts a minute after the real now: the store stamps outbox rows with the real clock."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now


class ListSource:
    """An in-process source: serves the posts newer than the watermark, in pages of two."""

    capabilities = Capabilities()

    def __init__(self, name: str, posts: list[Mention]) -> None:
        self.name = name
        self.posts = posts
        self.fail = False

    def fetch_page(self, query: Query, *, cursor: str | None, state: SourceState) -> FetchFlow:
        if self.fail:
            raise SourceUnavailable("connection refused", source=self.name)
        fresh = [p for p in self.posts if state.watermark is None or p.created_at > state.watermark]
        start = int(cursor or 0)
        chunk = fresh[start : start + 2]
        nxt = str(start + 2) if start + 2 < len(fresh) else None
        after = state.observe(chunk)
        yield from ()
        return Page(mentions=tuple(chunk), next_cursor=nxt, state=after if nxt else after.finish_run())


def post(i: int, text: str, *, author: str = "fan", followers: int = 50, minutes: int = 0) -> Mention:
    return Mention(
        source="fake",
        native_id=str(i),
        created_at=T0 + timedelta(minutes=minutes or i),
        text=text,
        author=Author(handle=author, followers=followers),
        metrics=Metrics(likes=3, shares=1, replies=0),
    )


POSTS = [
    post(1, "Lunaro dinner kit was lovely tonight"),
    post(2, "Is Lunaro available in Cluj?"),
    post(
        3,
        "Lunaro delivery never arrived, awful and useless, worst service ever",
        author="critic",
        followers=250_000,
    ),
    post(4, "Weather is nice today"),
    post(5, "Lunaro recall: food poisoning after eating the kit, lawyers involved"),
]


def build(store: SQLiteStore, source: ListSource, got: list[Alert], clock: Clock) -> Monitor:
    return Monitor(
        store,
        sources=[MonitoredSource(source, Query(text="lunaro"), interval=timedelta(minutes=5))],
        enricher=Enricher(brands=KeywordMatcher({"Lunaro": ["lunaro"]})),
        rules=[NegativeInfluencer(min_influence=50), CrisisIntent()],
        sinks={"cb": CallbackSink(got.extend)},
        clock=clock,
        sleep=lambda s: None,
    )


def test_one_cycle_collects_enriches_stores_and_alerts() -> None:
    store, got, clock = SQLiteStore(":memory:"), [], Clock()
    monitor = build(store, ListSource("fake", POSTS), got, clock)
    report = monitor.run_once()
    assert report.mentions == 5
    assert store.count() == 5
    stored = store.get("fake", "3")
    assert stored is not None
    assert stored.sentiment is not None
    assert stored.sentiment.score < 0
    assert stored.brands == ("Lunaro",)
    fired = {a.dedup_key for a in got}
    assert "negative-influencer:fake:3" in fired
    assert "crisis:fake:5" in fired
    assert report.delivery.sent == len(got) > 0
    # the most urgent open mentions (crisis, then the influential complaint) top the inbox
    assert [m.native_id for m in monitor.inbox.needs_human(limit=2)] == ["5", "3"]
    health = monitor.health()[0]
    assert health.last_success is not None
    assert health.mentions_collected == 5


def test_restart_resumes_without_repeating_alerts() -> None:
    store, got, clock = SQLiteStore(":memory:"), [], Clock()
    source = ListSource("fake", POSTS[:3])
    build(store, source, got, clock).run_once()
    first = sorted(a.dedup_key for a in got)
    # a new process over the same store: the old posts are not collected or alerted again
    source.posts = POSTS
    again: list[Alert] = []
    clock.now += timedelta(minutes=6)
    report = build(store, source, again, clock).run_once()
    assert report.mentions == 2
    assert store.count() == 5
    assert not set(first) & {a.dedup_key for a in again}


def test_a_failing_source_is_parked_and_the_others_go_on() -> None:
    store, _got, clock = SQLiteStore(":memory:"), [], Clock()
    bad, good = ListSource("bad", []), ListSource("fake", POSTS)
    bad.fail = True
    monitor = Monitor(
        store,
        sources=[MonitoredSource(bad, Query(text="x")), MonitoredSource(good, Query(text="lunaro"))],
        enricher=Enricher(),
        clock=clock,
    )
    report = monitor.run_once()
    assert "bad:x" in report.errors
    assert store.count() == 5
    health = {h.key: h for h in monitor.health()}
    assert health["bad:x"].parked_until is not None
    assert health["bad:x"].consecutive_errors == 1
    # parked: not polled before its time even when forced
    clock.now += timedelta(seconds=30)
    assert "bad:x" not in monitor.run_once(force=True).polled
    clock.now += timedelta(minutes=2)
    bad.fail = False
    assert "bad:x" in monitor.run_once(force=True).polled
    assert {h.key: h for h in monitor.health()}["bad:x"].consecutive_errors == 0


def test_run_forever_stops_on_the_event() -> None:
    store, clock = SQLiteStore(":memory:"), Clock()
    stop = threading.Event()
    cycles: list[int] = []

    def sleep(seconds: float) -> None:
        clock.now += timedelta(seconds=seconds)
        if clock.now > datetime.now(UTC) + timedelta(minutes=12):
            stop.set()

    source = ListSource("fake", POSTS)
    monitor = Monitor(
        store,
        sources=[MonitoredSource(source, Query(text="lunaro"), interval=timedelta(minutes=5))],
        enricher=Enricher(),
        clock=clock,
        sleep=sleep,
    )
    original = monitor.run_once

    def counting(*, force: bool = False) -> object:
        cycles.append(1)
        return original(force=force)

    monitor.run_once = counting  # type: ignore[method-assign]
    monitor.run_forever(stop=stop, handle_signals=False)
    assert 2 <= len(cycles) <= 4
    assert store.count() == 5


def _names(alerts: Sequence[Alert]) -> list[str]:
    return [a.rule for a in alerts]

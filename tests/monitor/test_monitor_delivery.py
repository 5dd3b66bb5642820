from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from social_listen.core import DeliveryError, Mention, Page, SourceState
from social_listen.monitor._delivery import Dispatcher, outbox_items
from social_listen.monitor._sinks import Alert
from social_listen.store import SQLiteStore

T0 = datetime(2026, 11, 20, 13, tzinfo=UTC)


class Clock:
    """Starts just after the real now, because commit_page stamps outbox rows with the real clock."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now


class FlakySink:
    name = "hook"

    def __init__(self, *, down: bool = False, retryable: bool = True) -> None:
        self.down = down
        self.retryable = retryable
        self.batches: list[list[str]] = []

    def send(self, alerts: Sequence[Alert]) -> None:
        if self.down:
            raise DeliveryError("endpoint answered 503", source=self.name, retryable=self.retryable)
        self.batches.append([a.dedup_key for a in alerts])


def alerts(n: int, rule: str = "crisis") -> list[Alert]:
    out = []
    for i in range(n):
        m = Mention(
            source="mastodon", native_id=f"m{i}", created_at=T0, text=f"late delivery {i}", raw={"x": 1}
        )
        out.append(
            Alert(rule=rule, title=f"Crisis {i}", fired_at=T0, mention=m, dedup_key=f"{rule}:mastodon:m{i}")
        )
    return out


def commit_with_alerts(store: SQLiteStore, fired: list[Alert], *, key: str = "k") -> None:
    mentions = tuple(a.mention for a in fired if a.mention)
    store.commit_page(
        Page(mentions=mentions),
        SourceState(),
        source_key=key,
        outbox=outbox_items(fired, routes={"crisis": ["hook"]}),
    )


@pytest.mark.reliability(45)
def test_alerts_written_with_the_page_are_sent_once_even_if_replayed() -> None:
    store = SQLiteStore(":memory:")
    sink = FlakySink()
    commit_with_alerts(store, alerts(2))
    commit_with_alerts(store, alerts(2))  # a replay after a crash: same dedup keys
    dispatcher = Dispatcher(store, {"hook": sink}, clock=Clock())
    report = dispatcher.deliver()
    assert report.sent == 2
    assert sorted(k for batch in sink.batches for k in batch) == ["crisis:mastodon:m0", "crisis:mastodon:m1"]
    assert dispatcher.deliver().sent == 0


@pytest.mark.reliability(45)
def test_receiver_down_then_back_every_alert_arrives_once_with_backoff() -> None:
    store = SQLiteStore(":memory:")
    sink = FlakySink(down=True)
    clock = Clock()
    dispatcher = Dispatcher(store, {"hook": sink}, clock=clock)
    commit_with_alerts(store, alerts(2))
    assert dispatcher.deliver().failed == 2
    assert dispatcher.deliver().sent == 0  # not due yet: backoff
    clock.now += dispatcher.backoff(1)
    assert dispatcher.deliver().failed == 2
    sink.down = False
    clock.now += dispatcher.backoff(2)
    assert dispatcher.deliver().sent == 2
    assert sorted(k for batch in sink.batches for k in batch) == ["crisis:mastodon:m0", "crisis:mastodon:m1"]
    assert store.outbox.counts() == {"sent": 2}


@pytest.mark.reliability(45)
def test_dead_letter_after_max_attempts_and_at_once_when_not_retryable() -> None:
    store = SQLiteStore(":memory:")
    clock = Clock()
    dispatcher = Dispatcher(store, {"hook": FlakySink(down=True)}, clock=clock, max_attempts=3)
    commit_with_alerts(store, alerts(1))
    for attempt in range(1, 4):
        dispatcher.deliver()
        clock.now += dispatcher.backoff(attempt)
    assert [m.native_id for m in store.outbox.dead_letters()] == ["m0"]
    # the total schedule of the defaults spans about an hour
    defaults = Dispatcher(store, {})
    assert (
        timedelta(minutes=50)
        < sum((defaults.backoff(a) for a in range(1, 8)), timedelta())
        < timedelta(minutes=90)
    )

    other = SQLiteStore(":memory:")
    commit_with_alerts(other, alerts(1))
    refused = Dispatcher(other, {"hook": FlakySink(down=True, retryable=False)}, clock=Clock())
    assert refused.deliver().dead == 1


@pytest.mark.reliability(45)
def test_a_storm_becomes_one_digest_and_rules_are_rate_limited() -> None:
    store = SQLiteStore(":memory:")
    sink = FlakySink()
    clock = Clock()
    dispatcher = Dispatcher(store, {"hook": sink}, clock=clock, digest_after=5, rule_limit=2)
    commit_with_alerts(store, alerts(12))
    report = dispatcher.deliver()
    assert report.sent == 12
    assert report.messages == 1
    assert len(sink.batches[0]) == 12
    # two more single alerts use up the rule's allowance; the next is deferred to the window's end
    commit_with_alerts(
        store, [a for a in alerts(15) if a.mention and a.mention.native_id in {"m12"}], key="k2"
    )
    assert dispatcher.deliver().sent == 1
    commit_with_alerts(
        store, [a for a in alerts(15) if a.mention and a.mention.native_id in {"m13"}], key="k3"
    )
    report = dispatcher.deliver()
    assert (report.sent, report.deferred) == (0, 1)
    clock.now += timedelta(hours=1)
    assert dispatcher.deliver().sent == 1


def test_unknown_sink_is_dead_lettered_with_a_clear_error() -> None:
    store = SQLiteStore(":memory:")
    commit_with_alerts(store, alerts(1))
    report = Dispatcher(store, {}, clock=Clock()).deliver()
    assert report.dead == 1
    assert "no sink named 'hook'" in report.errors[0]

"""Alert delivery through the store's outbox: sent after commit, retried, dead-lettered, digested.

Alerts are written to the outbox in the same transaction as the page that fired them
(:func:`outbox_items`), so a crash can neither lose an alert nor fire it twice: the outbox's
dedup key is unique per (rule, mention, sink). :class:`Dispatcher` claims due rows, groups
them per sink and rule, sends a digest instead of a storm, rate-limits each rule, retries
retryable failures with exponential backoff (8 attempts over about an hour by default), and
dead-letters the rest.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from social_listen.core import DeliveryError, utcnow
from social_listen.monitor._sinks import Alert, Sink
from social_listen.store import OutboxItem, OutboxMessage
from social_listen.store._base import SQLStoreBase
from social_listen.store._values import to_us

__all__ = ["DeliveryReport", "Dispatcher", "outbox_items"]

logger = logging.getLogger(__name__)


def outbox_items(alerts: Iterable[Alert], *, routes: Mapping[str, Sequence[str]]) -> list[OutboxItem]:
    """Outbox rows for alerts: one per (alert, sink) for the sinks each rule routes to.

    Args:
        alerts: Alerts fired while processing a page.
        routes: Rule name -> sink names; rules missing here go to the sink ``"default"``.
    """
    items = []
    for alert in alerts:
        payload = alert.model_dump(mode="json", exclude={"mention": {"raw"}})
        for sink in routes.get(alert.rule, ("default",)):
            items.append(
                OutboxItem(
                    rule=alert.rule,
                    sink=sink,
                    payload=payload,
                    source=alert.mention.source if alert.mention else "",
                    native_id=alert.mention.native_id if alert.mention else "",
                    dedup_key=f"{alert.dedup_key}|{sink}",
                )
            )
    return items


@dataclass
class DeliveryReport:
    """What one :meth:`Dispatcher.deliver` call did."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    deferred: int = 0
    messages: int = 0
    errors: list[str] = field(default_factory=list)


class Dispatcher:
    """Delivers pending outbox rows through sinks.

    Args:
        store: The store whose outbox holds the alerts.
        sinks: Sink name -> sink.
        worker: This process's name in claims (several dispatchers may share a store).
        max_attempts: Attempts before a row is dead-lettered.
        base_delay: First retry delay; doubles each attempt (30 s → about an hour over 8).
        max_delay: Longest retry delay.
        digest_after: When a claim holds at least this many rows for one (sink, rule), they
            go as one digest message.
        rule_limit: At most this many messages per rule within ``rule_window``; the rest are
            deferred to the window's end (then digested).
        rule_window: The window of ``rule_limit``.
        clock: The current time (injected in tests).

    Examples:
        >>> from social_listen.store import SQLiteStore
        >>> from social_listen.monitor import CallbackSink
        >>> got = []
        >>> dispatcher = Dispatcher(SQLiteStore(":memory:"), {"default": CallbackSink(got.extend)})
        >>> dispatcher.deliver().sent
        0
    """

    def __init__(
        self,
        store: SQLStoreBase,
        sinks: Mapping[str, Sink],
        *,
        worker: str = "monitor",
        max_attempts: int = 8,
        base_delay: timedelta = timedelta(seconds=30),
        max_delay: timedelta = timedelta(minutes=32),
        digest_after: int = 5,
        rule_limit: int = 30,
        rule_window: timedelta = timedelta(hours=1),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.sinks = dict(sinks)
        self.worker = worker
        self.max_attempts = max_attempts
        self.base_delay, self.max_delay = base_delay, max_delay
        self.digest_after = max(2, digest_after)
        self.rule_limit, self.rule_window = rule_limit, rule_window
        self.clock = clock
        self._sent_at: dict[str, deque[datetime]] = defaultdict(deque)

    def backoff(self, attempts: int) -> timedelta:
        """The delay before the next attempt after ``attempts`` failures."""
        delay: timedelta = self.base_delay * (2 ** max(0, attempts - 1))
        return min(delay, self.max_delay)

    def deliver(self, *, limit: int = 200) -> DeliveryReport:
        """Claim due rows and deliver them; returns what happened."""
        now = self.clock()
        report = DeliveryReport()
        claimed = self.store.outbox.claim(worker=self.worker, limit=limit, now=now)
        groups: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
        for message in claimed:
            groups[(message.sink, message.rule)].append(message)
        for (sink_name, rule), messages in groups.items():
            sink = self.sinks.get(sink_name)
            if sink is None:
                for message in messages:
                    self._fail(message, f"no sink named {sink_name!r}", retryable=False, report=report)
                continue
            allowed = self._allowance(rule, now)
            if allowed <= 0:
                self._defer(messages, until=self._window_end(rule, now), report=report)
                continue
            if len(messages) >= self.digest_after or len(messages) > allowed:
                batches = [messages]  # one digest for a storm
            else:
                batches = [[m] for m in messages]
            for batch in batches:
                self._send(sink, rule, batch, now=now, report=report)
        return report

    def _send(
        self, sink: Sink, rule: str, batch: list[OutboxMessage], *, now: datetime, report: DeliveryReport
    ) -> None:
        alerts = [Alert.model_validate(message.payload) for message in batch]
        try:
            sink.send(alerts)
        except DeliveryError as exc:
            for message in batch:
                self._fail(message, str(exc), retryable=exc.retryable, report=report)
            return
        self._sent_at[rule].append(now)
        report.messages += 1
        for message in batch:
            self.store.outbox.mark_sent(message.id, now=now)
            report.sent += 1

    def _fail(self, message: OutboxMessage, error: str, *, retryable: bool, report: DeliveryReport) -> None:
        attempts = message.attempts + 1
        retry_at = self.clock() + self.backoff(attempts)
        dead = self.store.outbox.mark_failed(
            message.id,
            error=error,
            retry_at=retry_at,
            max_attempts=self.max_attempts if retryable else attempts,
        )
        report.failed += 1
        report.dead += int(dead)
        report.errors.append(error)
        logger.warning("alert %s via %s failed (attempt %d): %s", message.rule, message.sink, attempts, error)

    def _allowance(self, rule: str, now: datetime) -> int:
        sent = self._sent_at[rule]
        while sent and now - sent[0] >= self.rule_window:
            sent.popleft()
        return self.rule_limit - len(sent)

    def _window_end(self, rule: str, now: datetime) -> datetime:
        sent = self._sent_at[rule]
        return (sent[0] + self.rule_window) if sent else now

    def _defer(self, messages: Sequence[OutboxMessage], *, until: datetime, report: DeliveryReport) -> None:
        """Release claimed rows unchanged but due later (the rule is over its rate limit)."""
        with self.store._write_tx() as cur:
            cur.executemany(
                "UPDATE outbox SET next_attempt_at = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ?",
                [(to_us(until), m.id) for m in messages],
            )
        report.deferred += len(messages)

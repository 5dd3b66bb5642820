"""The always-on monitor: poll, collect, enrich, store, alert, deliver; park what fails.

:class:`Monitor` polls every configured source on its own interval. For each page it enriches
the mentions, runs the alert rules, and commits mentions, connector state and the fired
alerts' outbox rows in ONE store transaction; alerts are delivered after the commit. A source
that fails is parked (until the server's reset time for rate limits, with growing back-off
otherwise) and shows in :meth:`Monitor.health`; the other sources go on. On start the monitor
replays the recent stored history through its window rules together with the first cycle's
mentions, so window rules (volume spikes) resume warm, a cycle a crash interrupted counts
every source's mentions in its buckets, and any window alert a crash left unwritten is written
(the outbox's dedup keys make that harmless). Per-mention rules run as each page is
committed; window rules run over each cycle's mentions in event-time order (pages often
arrive newest first). ``run_forever`` stops cleanly on SIGINT/SIGTERM. The async variant runs
the same cycle in a worker thread (``asyncio.to_thread``): store calls stay synchronous.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import FrameType

from social_listen.core import Client, Mention, Query, RateLimited, SocialListenError, Source, utcnow
from social_listen.monitor._alerts import AlertEngine, AlertRule, WindowRule
from social_listen.monitor._delivery import DeliveryReport, Dispatcher, outbox_items
from social_listen.monitor._inbox import Inbox
from social_listen.monitor._pipeline import Enricher
from social_listen.monitor._sinks import Alert, Sink
from social_listen.store import Filter
from social_listen.store._base import SQLStoreBase

__all__ = ["CycleReport", "Monitor", "MonitoredSource", "SourceHealth"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MonitoredSource:
    """A source the monitor polls.

    Attributes:
        source: The connector instance.
        query: What to collect.
        interval: How often to poll.
        key: The checkpoint key (default ``"<connector>:<query label>"``).
    """

    source: Source
    query: Query
    interval: timedelta = timedelta(minutes=5)
    key: str = ""

    @property
    def source_key(self) -> str:
        """The checkpoint key of this collection."""
        return self.key or f"{self.source.name}:{self.query.label}"


@dataclass(frozen=True)
class SourceHealth:
    """How one source is doing."""

    key: str
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    last_error: str | None = None
    consecutive_errors: int = 0
    parked_until: datetime | None = None
    newest_mention: datetime | None = None
    mentions_collected: int = 0
    runs: int = 0

    def lag(self, now: datetime) -> timedelta | None:
        """How far behind the newest collected mention is."""
        return None if self.newest_mention is None else now - self.newest_mention


@dataclass
class CycleReport:
    """What one :meth:`Monitor.run_once` did."""

    started_at: datetime
    polled: list[str] = field(default_factory=list)
    mentions: int = 0
    alerts: list[Alert] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


class Monitor:
    """Polls sources, enriches, stores, alerts and delivers.

    Args:
        store: A SQL store (SQLite or PostgreSQL).
        sources: The sources to poll.
        enricher: Scores each mention before it is stored.
        rules: Alert rules (per mention and window rules).
        sinks: Sink name -> sink.
        routes: Rule name -> sink names (rules not listed go to every sink).
        own_handles: The brand's own accounts: their replies mark mentions responded.
        client: The HTTP client (default: a new :class:`~social_listen.core.Client`).
        clock: The current time.
        sleep: How to wait between cycles (injected in tests).
        warmup: How much stored history the rules replay on start.
        max_backoff: Longest parking time after repeated errors.

    Examples:
        >>> from social_listen.store import SQLiteStore
        >>> monitor = Monitor(SQLiteStore(":memory:"), sources=[], enricher=Enricher())
        >>> monitor.run_once().mentions
        0
    """

    def __init__(
        self,
        store: SQLStoreBase,
        *,
        sources: Sequence[MonitoredSource],
        enricher: Enricher,
        rules: Iterable[AlertRule | WindowRule] = (),
        sinks: Mapping[str, Sink] | None = None,
        routes: Mapping[str, Sequence[str]] | None = None,
        own_handles: Iterable[str] = (),
        client: Client | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        warmup: timedelta = timedelta(days=7),
        max_backoff: timedelta = timedelta(hours=1),
    ) -> None:
        self.store = store
        self.sources = list(sources)
        keys = [s.source_key for s in self.sources]
        if len(set(keys)) != len(keys):
            raise ValueError("two monitored sources share a checkpoint key; give them distinct keys")
        self.enricher = enricher
        rules = list(rules)
        # Per-mention rules fire as pages are committed (their alerts commit with the page).
        # Window rules need event-time order, which paging newest-first does not give, so they
        # see each cycle's mentions sorted by time once the cycle has collected them.
        self.engine = AlertEngine([r for r in rules if not isinstance(r, WindowRule)])
        self.window_engine = AlertEngine([r for r in rules if isinstance(r, WindowRule)])
        self.sinks = dict(sinks or {})
        self.routes = {rule: tuple(sinks_) for rule, sinks_ in (routes or {}).items()}
        self.own_handles = tuple(own_handles)
        self.client = client or Client()
        self.clock = clock
        self.sleep = sleep
        self.max_backoff = max_backoff
        self.inbox = Inbox(store)
        self.dispatcher = Dispatcher(store, self.sinks, clock=clock)
        self._health = {s.source_key: SourceHealth(s.source_key) for s in self.sources}
        self._next_due: dict[str, datetime] = {}
        self._warmup = warmup
        self._warmed = False
        self._history: list[Mention] = []

    # --- public -----------------------------------------------------------------------------
    def health(self) -> list[SourceHealth]:
        """The health of every source, in configuration order."""
        return [self._health[s.source_key] for s in self.sources]

    def warm_up(self) -> int:
        """Load recent stored history for the window rules (idempotent; called by the first cycle).

        The history is not evaluated here: it joins the first cycle's collected mentions, so
        the buckets of a cycle a crash interrupted (some sources stored, others not yet) close
        only once every source's mentions of them are in. Returns how many were loaded.
        """
        if self._warmed:
            return 0
        self._warmed = True
        if not self.window_engine.window_rules:
            return 0
        since = self.clock() - self._warmup
        self._history = list(self.store.iter_mentions(Filter(since=since), order_by="time"))
        return len(self._history)

    def run_once(self, *, force: bool = False) -> CycleReport:
        """Poll every due source once, then deliver pending alerts.

        Args:
            force: Poll every source whatever its interval (parked sources still wait).
        """
        self.warm_up()
        now = self.clock()
        report = CycleReport(started_at=now)
        collected: list[Mention] = []
        for monitored in self.sources:
            key = monitored.source_key
            health = self._health[key]
            if health.parked_until and health.parked_until > now:
                continue
            if not force and self._next_due.get(key, now) > now:
                continue
            report.polled.append(key)
            collected.extend(self._poll(monitored, report))
            self._next_due[key] = now + monitored.interval
        window_alerts = self.window_engine.process([*self._history, *collected])
        self._history = []
        window_alerts += self.window_engine.advance_to(self.clock())
        self._write_alerts(window_alerts)
        report.alerts.extend(window_alerts)
        report.delivery = self.dispatcher.deliver()
        return report

    def run_forever(self, *, stop: threading.Event | None = None, handle_signals: bool = True) -> None:
        """Run cycles until ``stop`` is set or SIGINT/SIGTERM arrives; finishes the cycle in progress."""
        stop = stop or threading.Event()
        previous: dict[int, object] = {}
        if handle_signals and threading.current_thread() is threading.main_thread():

            def _stop(signum: int, frame: FrameType | None) -> None:
                logger.info("signal %s: stopping after this cycle", signum)
                stop.set()

            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, _stop)
        try:
            while not stop.is_set():
                self.run_once()
                wait = self._seconds_to_next_due()
                while wait > 0 and not stop.is_set():
                    step = min(wait, 1.0)
                    self.sleep(step)
                    wait -= step
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)  # type: ignore[arg-type]

    async def arun_forever(self, *, stop: asyncio.Event | None = None) -> None:
        """The async loop: each cycle runs in a worker thread; ``stop`` ends it."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            await asyncio.to_thread(self.run_once)
            try:
                await asyncio.wait_for(stop.wait(), timeout=max(self._seconds_to_next_due(), 0.01))
            except TimeoutError:
                continue

    # --- internals --------------------------------------------------------------------------
    def _seconds_to_next_due(self) -> float:
        """Seconds until the earliest source is due (and not parked); 60 with no sources."""
        now = self.clock()
        times = []
        for monitored in self.sources:
            due = self._next_due.get(monitored.source_key, now)
            parked = self._health[monitored.source_key].parked_until
            times.append(max(due, parked) if parked else due)
        if not times:
            return 60.0
        return max(0.0, (min(times) - now).total_seconds())

    def _poll(self, monitored: MonitoredSource, report: CycleReport) -> list[Mention]:
        key = monitored.source_key
        health = replace(self._health[key], last_attempt=self.clock(), runs=self._health[key].runs + 1)
        state = self.store.load_state(key)
        collected: list[Mention] = []
        newest = health.newest_mention
        try:
            for page, after in self.client.iter_pages(monitored.source, monitored.query, state=state):
                enriched = self.enricher.enrich_batch(list(page.mentions))
                alerts = self.engine.process(enriched)
                items = outbox_items(alerts, routes=self._routes_for(alerts))
                self.store.commit_page(
                    page.model_copy(update={"mentions": tuple(enriched)}),
                    after,
                    source_key=key,
                    outbox=items,
                    now=self.clock(),
                )
                if self.own_handles:
                    self.inbox.record_replies(enriched, own_handles=self.own_handles)
                report.alerts.extend(alerts)
                collected.extend(enriched)
                for mention in enriched:
                    if newest is None or mention.created_at > newest:
                        newest = mention.created_at
        except RateLimited as exc:
            self._park(health, key, str(exc), until=exc.reset_at, report=report)
            return collected
        except SocialListenError as exc:
            self._park(health, key, str(exc), until=None, report=report)
            return collected
        finally:
            report.mentions += len(collected)
        self._health[key] = replace(
            health,
            last_success=self.clock(),
            last_error=None,
            consecutive_errors=0,
            parked_until=None,
            newest_mention=newest,
            mentions_collected=health.mentions_collected + len(collected),
        )
        return collected

    def _park(
        self, health: SourceHealth, key: str, error: str, *, until: datetime | None, report: CycleReport
    ) -> None:
        errors = health.consecutive_errors + 1
        if until is None:
            until = self.clock() + min(timedelta(minutes=1) * 2 ** (errors - 1), self.max_backoff)
        logger.warning("source %s parked until %s: %s", key, until.isoformat(), error)
        self._health[key] = replace(health, last_error=error, consecutive_errors=errors, parked_until=until)
        report.errors[key] = error

    def _routes_for(self, alerts: Sequence[Alert]) -> dict[str, Sequence[str]]:
        every = tuple(self.sinks) or ("default",)
        return {a.rule: self.routes.get(a.rule, every) for a in alerts}

    def _write_alerts(self, alerts: Sequence[Alert]) -> None:
        if alerts:
            self.store.outbox.add(outbox_items(alerts, routes=self._routes_for(alerts)))

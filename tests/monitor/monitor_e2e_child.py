"""The end-to-end monitor scenario, shared by the in-process tests and the kill-9 child process.

The demo's generated week (Lunaro, a delivery crisis on day 5, an influential critic) is served
by the demo's fake Hacker News, Mastodon and RSS platforms on loopback, but only up to a
*horizon*: the simulated "now". The monitor runs on a simulated clock that walks the week one
polling interval at a time and delivers alerts to a signed webhook on loopback.

Run as a script (``python monitor_e2e_child.py DB BASE_URL HOOK_URL HORIZON_FILE START END
STEP_MIN``) it is the monitor process of the kill-9 test: it resumes the simulated clock from
the horizon file (the cycle in progress when it was killed), writes the horizon before each
cycle (the parent's fakes read it), and exits 0 after draining the outbox.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from social_listen.config import (
    AlertsConfig,
    BrandConfig,
    RuleConfig,
    Settings,
    SourceConfig,
    StoreConfig,
    build_enricher,
    build_rules,
    build_sources,
)
from social_listen.core import Client, EgressGuard
from social_listen.demo._platforms import FakeHackerNews, FakeMastodon, FakeRSS
from social_listen.demo._scenario import BRAND, COMPETITOR, OWN_HANDLE, PRODUCTS, DemoPost, generate_week
from social_listen.monitor import Monitor, WebhookSink
from social_listen.store import SQLiteStore
from social_listen.testing import FakePlatform

SECRET = "whsec_" + "ZTJlLXRlc3Qtc2VjcmV0LW5vdC1yZWFs"  # base64 of a test-only string
SEED = 7
PER_DAY = 20


def week(start: datetime) -> list[DemoPost]:
    """The generated week (deterministic for the start)."""
    return generate_week(start=start, seed=SEED, per_day=PER_DAY)


@contextmanager
def serve_week(posts: list[DemoPost], horizon: Callable[[], datetime]) -> Iterator[str]:
    """Serve the posts created at or before ``horizon()`` on loopback; yields the base URL."""
    mastodon_base = [""]

    def visible() -> list[DemoPost]:
        now = horizon()
        return [p for p in posts if p.created_at <= now]

    def hackernews(fake: object) -> object:
        return FakeHackerNews(visible())(fake.request)  # type: ignore[attr-defined]

    def mastodon(fake: object) -> object:
        return FakeMastodon(visible(), base_url=mastodon_base[0])(fake.request)  # type: ignore[attr-defined]

    def rss(fake: object) -> object:
        return FakeRSS(visible())(fake.request)  # type: ignore[attr-defined]

    platform = FakePlatform(name="e2e")
    platform.route("GET", "/api/v1/search_by_date", hackernews)  # type: ignore[arg-type]
    platform.route("GET", "/api/v1/timelines/tag/{tag}", mastodon)  # type: ignore[arg-type]
    platform.route("GET", "/feed.xml", rss)  # type: ignore[arg-type]
    with platform.serve() as base_url:
        mastodon_base[0] = base_url
        yield base_url


def settings(base_url: str, interval: timedelta) -> Settings:
    """The demo's brands, the three loopback sources, the per-mention rules and a volume spike."""
    return Settings(
        timezone="UTC",
        languages=("en", "hu", "ro"),
        store=StoreConfig(url="sqlite:///:memory:"),
        brands=(
            BrandConfig(
                name=BRAND,
                products=PRODUCTS[BRAND],
                handles=("@lunaro",),
                own_handles=(OWN_HANDLE,),
                competitors=(COMPETITOR,),
                languages=("en", "hu", "ro"),
            ),
            BrandConfig(name=COMPETITOR, languages=("en", "hu", "ro")),
        ),
        sources=(
            SourceConfig(connector="hackernews", interval=interval, options={"base_url": base_url}),
            SourceConfig(
                connector="mastodon",
                interval=interval,
                options={"instances": [base_url], "tags": ["lunaro", "pakko"]},
            ),
            SourceConfig(connector="rss", interval=interval, options={"feeds": [f"{base_url}/feed.xml"]}),
        ),
        alerts=AlertsConfig(
            rules=(
                RuleConfig(
                    name="negative-influencer",
                    kind="negative_influencer",
                    params={"min_influence": 55, "brands": [BRAND]},
                ),
                RuleConfig(name="crisis", kind="crisis", params={"brands": [BRAND]}),
                RuleConfig(
                    name="volume-spike",
                    kind="volume_spike",
                    params={"brand": BRAND, "bucket": "1h", "sensitivity": 2.0, "min_history": 24},
                ),
            ),
        ),
    )


class SimClock:
    """The simulated "now" (also the fakes' horizon)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def build(
    store: SQLiteStore,
    base_url: str,
    hook_url: str,
    *,
    client: Client,
    clock: SimClock,
    since: datetime,
    interval: timedelta,
) -> Monitor:
    """A monitor over the loopback fakes that delivers to the webhook at ``hook_url``."""
    config = settings(base_url, interval)
    sink = WebhookSink(hook_url, secret=SECRET, guard=EgressGuard(allow_networks=["127.0.0.0/8"]))
    return Monitor(
        store,
        sources=build_sources(config, since=since),
        enricher=build_enricher(config),
        rules=build_rules(config),
        sinks={"hook": sink},
        own_handles=[OWN_HANDLE],
        client=client,
        clock=clock,
        sleep=lambda seconds: None,
    )


def _write_horizon(path: Path, when: datetime) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(when.isoformat(), encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    """The monitor process of the kill-9 test."""
    db, base_url, hook_url, horizon_file = argv[0], argv[1], argv[2], Path(argv[3])
    start, end = datetime.fromisoformat(argv[4]), datetime.fromisoformat(argv[5])
    step = timedelta(minutes=int(argv[6]))
    now = datetime.fromisoformat(horizon_file.read_text()) if horizon_file.exists() else start
    clock = SimClock(now)
    store = SQLiteStore(db)
    with Client(allow_networks=["127.0.0.0/8"]) as client:
        monitor = build(store, base_url, hook_url, client=client, clock=clock, since=start, interval=step)
        while clock.now <= end:
            _write_horizon(horizon_file, clock.now)
            monitor.run_once(force=True)
            clock.now += step
        # drain: past every claim lease, until nothing is pending
        for _ in range(20):
            if not store.outbox.counts().get("pending"):
                break
            clock.now += timedelta(minutes=2)
            monitor.run_once(force=True)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

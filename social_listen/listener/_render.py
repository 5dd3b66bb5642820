"""Rendering a :class:`~social_listen.listener.Report` as JSON data, Markdown and HTML.

The HTML page is self-contained: styles inline, plotly.js inlined when charts are on (the
``plot`` extra), a Content-Security-Policy that forbids any network load, and every piece of
mention-derived text escaped (reliability row 44): no element or event handler can come from a
mention, only ``http(s)`` links become anchors, chart data is JSON with ``<``, ``>`` and ``&``
escaped, and bidi or invisible characters are shown as visible ``⟨U+202E⟩`` markers.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from social_listen.core import MissingDependency
from social_listen.listener._escape import escape_text, reveal_controls, safe_href
from social_listen.listener._results import html_table

if TYPE_CHECKING:
    from social_listen.listener._report import Report

__all__ = ["render_html", "render_markdown", "report_dict"]

_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'"
)
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;
  color:#1b1f24;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}caption{text-align:left;font-weight:600;padding:.2rem 0}
.kpis{display:flex;gap:1rem;flex-wrap:wrap}
.kpi{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;min-width:140px}
.kpi b{display:block;font-size:1.4rem}.muted{color:#57606a;font-size:.85rem}.chart{width:100%;height:360px}
.sl-ctl{background:#fff3b0;color:#7a4d00;font-family:monospace;border:1px dashed #c69026;padding:0 2px}
blockquote{margin:.3rem 0;padding:.3rem .8rem;border-left:3px solid #d0d7de;white-space:pre-wrap;
  unicode-bidi:plaintext}
"""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def report_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-friendly nested data."""
    out: dict[str, Any] = _plain(report)
    out["summary"] = _plain(report.summary())
    return out


# --- Markdown --------------------------------------------------------------------------------


def _md_cell(value: Any) -> str:
    if isinstance(value, float):
        text = f"{value:.3g}"
    elif isinstance(value, datetime):
        text = value.isoformat()
    elif isinstance(value, tuple | list):
        text = ", ".join(str(v) for v in value[:5])
    else:
        text = "" if value is None else str(value)
    text = html.escape(reveal_controls(text), quote=False).replace("|", "\\|")
    return " ".join(text.split())


def _md_table(records: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    if not records:
        return "_none_\n"
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_md_cell(r.get(c)) for c in columns) + " |" for r in records]
    return "\n".join(lines) + "\n"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:+.1f}%"


def render_markdown(report: Report) -> str:
    """The report as Markdown."""
    parts = [
        f"# Listening report: {_md_cell(report.brand)}",
        "",
        f"Period {report.since.isoformat()} to {report.until.isoformat()} ({report.tz}); "
        f"competitors: {_md_cell(report.competitors) or 'none'}; "
        f"generated {report.generated_at.isoformat()}.",
        "",
        "## Summary",
        "",
    ]
    for metric, values in report.summary().items():
        current = values["current"]
        shown = f"{current:.3g}" if isinstance(current, float) else str(current)
        parts.append(f"- **{metric}**: {shown} ({_pct(values['pct'])} vs previous period)")
    sections: list[tuple[str, list[dict[str, Any]], tuple[str, ...]]] = [
        (
            "Volume",
            report.volume.to_records(),
            ("bucket", "count", "mean_sentiment", "negative_share", "reach", "engagement"),
        ),
        (
            "Share of voice (mentions)",
            report.share.to_records(),
            ("brand", "platform", "share", "low", "high", "normalized_share"),
        ),
        (
            "Share of voice (reach)",
            report.share_reach.to_records(),
            ("brand", "platform", "share", "low", "high"),
        ),
        (
            "Competitors",
            report.comparison.to_records(),
            ("brand", "mentions", "share", "mean_sentiment", "negative_share", "themes"),
        ),
        (
            "Themes",
            report.themes.to_records(),
            ("label", "count", "share", "mean_sentiment", "negative_share"),
        ),
        ("Complaints by theme", report.complaints.to_records(), ("label", "count", "mean_sentiment")),
        (
            "Emerging terms",
            report.emerging.to_records(),
            ("term", "count", "baseline_count", "lift", "g2", "p_value"),
        ),
        (
            "Top authors (by reach)",
            report.top_authors.to_records(),
            ("rank", "value", "count", "reach", "engagement"),
        ),
        ("Top sources", report.top_sources.to_records(), ("rank", "value", "count", "share")),
        ("Top domains", report.top_domains.to_records(), ("rank", "value", "count", "share")),
        ("Top hashtags", report.top_hashtags.to_records(), ("rank", "value", "count", "share")),
    ]
    for title, records, columns in sections:
        parts += ["", f"## {title}", "", _md_table(records, columns)]
    parts += ["", "## Spikes", ""]
    if not report.spikes:
        parts.append("_none_")
    for spike in report.spikes:
        drivers = ", ".join(
            f"{d.dimension}={_md_cell(d.label or d.value)}" for d in spike.explanation.rows[:5]
        )
        parts.append(
            f"- {spike.at.isoformat()}: {spike.count} mentions "
            f"(expected {spike.expected or 0:.0f}); {drivers}"
        )
    parts += ["", "## Stories", ""]
    parts.append(f"{report.stories.mentions} mentions read, {report.stories.unique_stories} unique stories.")
    parts.append("")
    for story in report.stories.rows[:10]:
        parts.append(f"- **{story.size} copies** on {_md_cell(story.sources)}: {_md_cell(story.headline)}")
    return "\n".join(parts) + "\n"


# --- HTML ------------------------------------------------------------------------------------


def _json_for_script(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _label(text: str) -> str:
    # plotly renders a few HTML-like tags in labels; escaped text shows as written.
    return html.escape(reveal_controls(text), quote=True)


def _charts(report: Report) -> list[tuple[str, str, dict[str, Any]]]:
    try:
        import plotly.graph_objects as go
    except ImportError as exc:
        raise MissingDependency("plotly", extra="plot", feature="HTML report charts") from exc
    charts: list[tuple[str, str, Any]] = []
    points = [p for p in report.volume.rows if p.group is None]
    x = [p.bucket.isoformat() for p in points]
    volume = go.Figure(go.Scatter(x=x, y=[p.count for p in points], mode="lines+markers", name="mentions"))
    # Each spike is marked on the chart bucket that contains it (spikes are found hourly).
    marks = [
        max((p for p in points if p.bucket <= s.at), key=lambda p: p.bucket, default=None)
        for s in report.spikes
    ]
    shown = [(s, p) for s, p in zip(report.spikes, marks, strict=True) if p is not None]
    if shown:
        volume.add_trace(
            go.Scatter(
                x=[p.bucket.isoformat() for _, p in shown],
                y=[p.count for _, p in shown],
                mode="markers",
                name="spike",
                marker={"size": 14, "color": "crimson", "symbol": "x"},
                text=[_label(f"spike at {s.at:%Y-%m-%d %H:%M}: {s.count} mentions") for s, _ in shown],
            )
        )
    charts.append(("chart-volume", "Mentions over time", volume))
    sentiment = go.Figure()
    for label, attr, color in (
        ("negative", "negative_share", "#cf222e"),
        ("neutral", "neutral_share", "#8c959f"),
        ("positive", "positive_share", "#1a7f37"),
    ):
        sentiment.add_trace(
            go.Scatter(
                x=x, y=[getattr(p, attr) for p in points], stackgroup="s", name=label, line={"color": color}
            )
        )
    charts.append(("chart-sentiment", "Sentiment shares", sentiment))
    pooled = [r for r in report.share.rows if r.platform == "*"]
    share = go.Figure(
        go.Bar(
            x=[_label(r.brand) for r in pooled],
            y=[r.share for r in pooled],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [r.high - r.share for r in pooled],
                "arrayminus": [r.share - r.low for r in pooled],
            },
        )
    )
    charts.append(("chart-share", "Share of voice (mentions, 95% interval)", share))
    rows = list(report.themes.rows)[::-1]
    theme_fig = go.Figure(
        go.Bar(x=[t.count for t in rows], y=[_label(t.label) for t in rows], orientation="h")
    )
    charts.append(("chart-themes", "Themes", theme_fig))
    out = []
    for div_id, title, fig in charts:
        fig.update_layout(
            title={"text": _label(title)},
            margin={"l": 60, "r": 20, "t": 50, "b": 40},
            template="plotly_white",
            height=360,
        )
        out.append((div_id, title, json.loads(fig.to_json())))
    return out


def _examples_html(report: Report) -> str:
    blocks = []
    for theme in report.themes.rows[:5]:
        quotes = []
        for ex in theme.examples:
            href = safe_href(ex.url)
            where = escape_text(f"{ex.source} · {ex.author or 'unknown'} · {ex.created_at:%Y-%m-%d %H:%M}")
            link = f' <a href="{href}" rel="noopener noreferrer nofollow">link</a>' if href else ""
            quotes.append(
                f"<blockquote>{escape_text(ex.text)}<br><span class='muted'>{where}{link}</span></blockquote>"
            )
        blocks.append(f"<h3>{escape_text(theme.label)}</h3>" + "".join(quotes))
    return "".join(blocks)


def _spikes_html(report: Report) -> str:
    if not report.spikes:
        return "<p class='muted'>No spike in the period.</p>"
    parts = []
    for spike in report.spikes:
        head = escape_text(
            f"{spike.at.isoformat()}: {spike.count} mentions "
            f"(expected {spike.expected or 0:.0f}, score {spike.score:.2f})"
        )
        records = [
            {
                "rank": d.rank,
                "dimension": d.dimension,
                "value": d.label or d.value,
                "spike": d.spike_count,
                "baseline": d.baseline_count,
                "G²": d.g2,
            }
            for d in spike.explanation.rows
        ]
        parts.append(f"<h3>{head}</h3>{html_table(records)}")
    return "".join(parts)


def _stories_html(report: Report) -> str:
    parts = [
        f"<p>{report.stories.mentions} mentions read, {report.stories.unique_stories} unique stories.</p>"
    ]
    for story in report.stories.rows[:10]:
        links = []
        for m in story.members[:5]:
            href = safe_href(m.url)
            label = escape_text(f"{m.source}:{m.native_id}")
            links.append(
                f'<a href="{href}" rel="noopener noreferrer nofollow">{label}</a>' if href else label
            )
        parts.append(
            f"<blockquote><b>{story.size} copies</b> on {escape_text(', '.join(story.sources))}: "
            f"{escape_text(story.headline)}<br><span class='muted'>{' · '.join(links)}</span></blockquote>"
        )
    return "".join(parts)


def render_html(report: Report, *, charts: bool | None = None) -> str:
    """The report as one self-contained HTML page."""
    figures: list[tuple[str, str, dict[str, Any]]] = []
    plotly_js = ""
    if charts is None:
        try:
            import plotly  # noqa: F401

            charts = True
        except ImportError:
            charts = False
    if charts:
        figures = _charts(report)
        from plotly.offline import get_plotlyjs

        plotly_js = get_plotlyjs()
    kpis = []
    for metric, values in report.summary().items():
        current = values["current"]
        shown = (
            "n/a" if current is None else (f"{current:.3g}" if isinstance(current, float) else str(current))
        )
        kpis.append(
            f"<div class='kpi'><span class='muted'>{html.escape(metric)}</span><b>{html.escape(shown)}</b>"
            f"<span class='muted'>{html.escape(_pct(values['pct']))} vs previous</span></div>"
        )
    chart_html = "".join(
        f"<div id='{div_id}' class='chart' role='img' aria-label='{html.escape(title)}'></div>"
        for div_id, title, _ in figures
    )
    scripts = ""
    if figures:
        calls = "".join(
            f"Plotly.newPlot({json.dumps(div_id)},F[{i}].data,F[{i}].layout,{{displayModeBar:false,responsive:true}});"
            for i, (div_id, _, _) in enumerate(figures)
        )
        payload = _json_for_script([fig for _, _, fig in figures])
        scripts = f"<script>{plotly_js}</script><script>var F={payload};{calls}</script>"
    tables = [
        ("Volume", report.volume.to_records() if not figures else []),
        ("Share of voice (mentions)", report.share.to_records()),
        ("Share of voice (reach)", report.share_reach.to_records()),
        ("Competitors", report.comparison.to_records()),
        ("Themes", [{k: v for k, v in r.items() if k != "examples"} for r in report.themes.to_records()]),
        (
            "Complaints by theme",
            [{k: v for k, v in r.items() if k != "examples"} for r in report.complaints.to_records()],
        ),
        ("Emerging terms", report.emerging.to_records()),
        ("Top authors (by reach)", report.top_authors.to_records()),
        ("Top sources", report.top_sources.to_records()),
        ("Top domains", report.top_domains.to_records()),
        ("Top hashtags", report.top_hashtags.to_records()),
    ]
    body = "".join(
        f"<h2>{html.escape(title)}</h2>{html_table(records) if records else '<p class=muted>none</p>'}"
        for title, records in tables
        if records or title != "Volume"
    )
    title = escape_text(f"Listening report: {report.brand}")
    period = escape_text(
        f"{report.since.isoformat()} to {report.until.isoformat()} ({report.tz}); "
        f"competitors: {', '.join(report.competitors) or 'none'}"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f"<h1>{title}</h1><p class='muted'>{period}; "
        f"generated {html.escape(report.generated_at.isoformat())}</p>"
        f"<div class='kpis'>{''.join(kpis)}</div>{chart_html}"
        f"<h2>Spikes and what caused them</h2>{_spikes_html(report)}"
        f"{body}<h2>Theme examples</h2>{_examples_html(report)}<h2>Stories</h2>{_stories_html(report)}"
        f"{scripts}</body></html>"
    )

"""The driving protocol by hand (no client, hand-built responses) and construction by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from social_listen import get_connector
from social_listen.core import Page, Query, RequestSpec, SourceState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
QUERY = Query(text="acme", since=NOW - timedelta(days=1))
WHEN = NOW - timedelta(minutes=5)

BODIES: dict[str, tuple[dict[str, Any], Any]] = {
    "hackernews": (
        {},
        {
            "hits": [{"objectID": "1", "title": "acme", "created_at_i": int(WHEN.timestamp())}],
            "nbHits": 1,
            "nbPages": 1,
        },
    ),
    "stackexchange": (
        {},
        {
            "items": [
                {
                    "question_id": 1,
                    "title": "acme",
                    "creation_date": int(WHEN.timestamp()),
                    "link": "https://stackoverflow.com/q/1",
                }
            ],
            "has_more": False,
        },
    ),
    "gdelt": (
        {},
        {
            "articles": [
                {"url": "https://n.example/1", "title": "acme", "seendate": WHEN.strftime("%Y%m%dT%H%M%SZ")}
            ]
        },
    ),
    "lemmy": (
        {"instances": ["lemmy.example"]},
        {
            "posts": [
                {
                    "post": {
                        "id": 1,
                        "name": "acme",
                        "ap_id": "https://lemmy.example/post/1",
                        "published": WHEN.isoformat(),
                    },
                    "creator": {"name": "u", "actor_id": "https://lemmy.example/u/u"},
                }
            ]
        },
    ),
    "mastodon": (
        {"instances": ["m.example"], "tags": ["acme"]},
        [
            {
                "id": "1",
                "uri": "https://m.example/users/u/statuses/1",
                "created_at": WHEN.isoformat(),
                "content": "<p>acme</p>",
                "account": {"acct": "u", "username": "u", "url": "https://m.example/@u"},
            }
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_http_connectors_run_on_hand_built_responses(name: str) -> None:
    options, body = BODIES[name]
    connector = get_connector(name)(now=lambda: NOW, **options)
    state, cursor, mentions = SourceState(), None, []
    for _ in range(10):
        flow = connector.fetch_page(QUERY, cursor=cursor, state=state)
        request = next(flow)
        try:
            while True:
                assert isinstance(request, RequestSpec)
                empty = (
                    []
                    if isinstance(body, list)
                    else {k: ([] if isinstance(v, list) else v) for k, v in body.items()}
                )
                reply = body if not mentions and cursor is None else empty
                request = flow.send(httpx.Response(200, json=reply))
        except StopIteration as stop:
            page = stop.value
        assert isinstance(page, Page)
        mentions.extend(page.mentions)
        state, cursor = page.state, page.next_cursor
        if page.done:
            break
    assert [m.source for m in mentions] == [name]
    assert state.cursor is None
    assert state.watermark is not None


def test_rss_runs_on_a_hand_built_response() -> None:
    connector = get_connector("rss")(feeds=["https://f.example/feed"], now=lambda: NOW)
    flow = connector.fetch_page(QUERY, cursor=None, state=SourceState())
    request = next(flow)
    assert request.user_supplied
    item = b"<item><guid>1</guid><title>acme</title></item>"
    body = b'<rss version="2.0"><channel><title>F</title>' + item + b"</channel></rss>"
    with pytest.raises(StopIteration) as stop:
        flow.send(httpx.Response(200, content=body))
    assert [m.title for m in stop.value.value.mentions] == ["acme"]


@pytest.mark.parametrize("name", ["jsonl", "csv"])
def test_file_importers_yield_no_request(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"x.{name}"
    if name == "jsonl":
        path.write_text(
            '{"id": "1", "text": "acme", "created_at": "2026-03-01T11:00:00Z"}\n', encoding="utf-8"
        )
    else:
        path.write_text("id,text,created_at\n1,acme,2026-03-01T11:00:00Z\n", encoding="utf-8")
    flow = get_connector(name)(path=path, now=lambda: NOW).fetch_page(QUERY, cursor=None, state=SourceState())
    with pytest.raises(StopIteration) as stop:
        next(flow)
    assert [m.native_id for m in stop.value.value.mentions] == ["1"]

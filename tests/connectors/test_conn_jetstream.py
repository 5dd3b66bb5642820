from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from account_conn_support import FIXTURES

from social_listen.connectors.jetstream import JetstreamSource, parse_jetstream_event
from social_listen.core import (
    ConfigError,
    Deletion,
    Mention,
    Query,
    SourceState,
    SourceUnavailable,
    StreamEvent,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LINES = (FIXTURES / "jetstream_events.jsonl").read_text(encoding="utf-8").splitlines()[1:]
EVENTS = [json.loads(line) for line in LINES]


def post_event(i: int, text: str = "acme news") -> dict[str, Any]:
    return {
        "did": f"did:plc:testuser{i:016d}",
        "time_us": 1_795_168_800_000_000 + i * 10,
        "kind": "commit",
        "commit": {
            "rev": f"test-rev-{i}",
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": f"3lpost{i:06d}",
            "record": {
                "$type": "app.bsky.feed.post",
                "createdAt": "2026-11-20T10:00:00.000Z",
                "text": f"{text} {i}",
            },
        },
    }


async def no_sleep(seconds: float) -> None:
    return None


def test_parse_events_field_by_field() -> None:
    created = parse_jetstream_event(EVENTS[0])
    assert isinstance(created, Mention)
    assert created.source == "bluesky"  # one identity with search results
    assert created.native_id == "at://did:plc:testalice000000000000000/app.bsky.feed.post/3ljet0000001"
    assert created.text == "Loving my new Acme widget #acme"
    assert created.hashtags == ("acme",)
    assert created.language == "en"
    assert created.author is not None
    assert created.author.id == "did:plc:testalice000000000000000"
    assert created.created_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert created.sort_at == created.created_at
    assert created.extras["time_us"] == 1795168800000001
    assert created.metrics.likes is None  # Jetstream has no engagement counts
    reply = parse_jetstream_event(EVENTS[1])
    assert isinstance(reply, Mention)
    assert reply.parent_id == created.native_id
    edited = parse_jetstream_event(EVENTS[2])
    assert isinstance(edited, Mention)
    assert "edited" in edited.flags
    assert parse_jetstream_event(EVENTS[3]) is None
    assert parse_jetstream_event(EVENTS[4]) is None
    deleted = parse_jetstream_event(EVENTS[5])
    assert isinstance(deleted, Deletion)
    assert deleted.key == ("bluesky", created.native_id)


class ScriptedSocket:
    def __init__(self, messages: list[str], *, fail: BaseException | None = None) -> None:
        self.messages = messages
        self.fail = fail

    async def __aiter__(self) -> AsyncIterator[str]:
        for message in self.messages:
            yield message
        if self.fail is not None:
            raise self.fail


async def take(source: JetstreamSource, query: Query, state: SourceState, count: int) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    async with aclosing(source.stream(query, state=state)) as stream:
        async for event in stream:
            events.append(event)
            if len(events) == count:
                break
    return events


async def test_matching_deletions_checkpoints_and_dedup_with_an_injected_socket() -> None:
    urls: list[str] = []
    scripts = [
        # first connection: the fixture, then it breaks
        ScriptedSocket([*LINES, "not json", json.dumps({"kind": "commit"})], fail=ConnectionResetError()),
        # second connection replays the last event (cursor is inclusive), then a new one
        ScriptedSocket([LINES[-1], json.dumps(post_event(99))]),
    ]

    @asynccontextmanager
    async def connect(url: str) -> AsyncIterator[ScriptedSocket]:
        urls.append(url)
        yield scripts.pop(0)

    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    source = JetstreamSource(
        connect=connect, sleep=sleep, random=lambda: 0.5, checkpoint_every=2, now=lambda: NOW
    )
    events = await take(source, Query(text="acme"), SourceState(), 5)
    assert [e.kind for e in events] == ["mention", "mention", "checkpoint", "deletion", "mention"]
    assert events[0].mention is not None
    assert events[0].mention.query == "acme"
    assert events[3].deletion is not None
    assert events[3].state.extras["cursor_us"] == 1795168800000006
    assert events[4].mention is not None
    assert events[4].mention.native_id.endswith("3lpost000099")
    assert "cursor=1795168800000006" in urls[1]
    assert "wantedCollections=app.bsky.feed.post" in urls[0]
    assert "cursor" not in urls[0]
    assert sleeps == [0.5]  # full jitter of the first backoff step (1 s)


async def test_gives_up_after_max_failures() -> None:
    @asynccontextmanager
    async def connect(url: str) -> AsyncIterator[ScriptedSocket]:
        raise ConnectionRefusedError
        yield ScriptedSocket([])  # pragma: no cover

    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    source = JetstreamSource(connect=connect, sleep=sleep, random=lambda: 1.0, max_failures=4, backoff_cap=5)
    with pytest.raises(SourceUnavailable):
        await take(source, Query(text="acme"), SourceState(), 1)
    assert sleeps == [1.0, 2.0, 4.0, 5.0]


def test_not_a_paged_source() -> None:
    source = JetstreamSource()
    with pytest.raises(ConfigError, match="streaming"):
        next(source.fetch_page(Query(text="acme"), cursor=None, state=SourceState()))
    with pytest.raises(ConfigError):
        JetstreamSource(url="https://jetstream.example/subscribe")


@pytest.mark.integration
async def test_loopback_server_drop_resumes_with_no_gap_and_no_duplicate() -> None:
    from websockets.asyncio.server import ServerConnection, serve

    events = [post_event(i, "acme news" if i % 3 else "other news") for i in range(1, 31)]
    cursors: list[int | None] = []
    drops = {12, 25}  # the server drops the connection after sending these events

    async def handler(connection: ServerConnection) -> None:
        query = connection.request.path.partition("?")[2] if connection.request else ""
        params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
        cursor = int(params["cursor"]) if "cursor" in params else None
        cursors.append(cursor)
        for event in events:
            if cursor is not None and event["time_us"] < cursor:
                continue
            await connection.send(json.dumps(event))
            index = (event["time_us"] - 1_795_168_800_000_000) // 10
            if index in drops:
                drops.discard(index)
                connection.transport.abort()  # no close frame: a dropped connection
                return
        await connection.wait_closed()  # until the client stops reading

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        source = JetstreamSource(url=f"ws://127.0.0.1:{port}/subscribe", sleep=no_sleep, now=lambda: NOW)
        wanted = [e for e in events if "acme" in e["commit"]["record"]["text"]]
        got = await asyncio.wait_for(take(source, Query(text="acme"), SourceState(), len(wanted)), timeout=20)
    ids = [e.mention.native_id for e in got if e.mention is not None]
    expected = [f"at://{e['did']}/app.bsky.feed.post/{e['commit']['rkey']}" for e in wanted]
    assert ids == expected  # no gap, no duplicate, in order
    assert source.reconnects == 2
    assert cursors[0] is None
    assert cursors[1:] == [events[11]["time_us"], events[24]["time_us"]]
    # a new process resumes from the stored state
    last_state = got[-1].state
    assert last_state.extras["cursor_us"] == wanted[-1]["time_us"]

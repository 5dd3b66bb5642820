"""Bluesky Jetstream: the network's posts as a websocket stream, resumable from a µs cursor.

Jetstream serves every new, edited and deleted record as JSON over a websocket; a client may
reconnect with ``cursor=<time_us>`` to replay from that time (inclusive). The source matches
posts against the query on the client (there is no server-side search), yields a
:class:`~social_listen.core.StreamEvent` per matching post and per post deletion, and puts the
position in each event's state (``extras["cursor_us"]`` plus the keys of the events at that
microsecond), so a consumer that commits events with their state resumes with no gap and, as
the boundary events are dropped on replay, no duplicate. A dropped connection is reopened
with full-jitter exponential backoff from the last position. Mentions are stored under the
source ``"bluesky"`` with the post ``at://`` URI as id, so a post found by search and by the
stream is one mention. Needs the ``stream`` extra (the ``websockets`` package).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random as _random
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from social_listen.connectors._account import query_matcher
from social_listen.connectors._atproto import parse_post_record
from social_listen.core import (
    Capabilities,
    ConfigError,
    Deletion,
    Mention,
    MissingDependency,
    Page,
    Query,
    RateLimitInfo,
    RequestSpec,
    SourceState,
    SourceUnavailable,
    StreamEvent,
    utcnow,
)

__all__ = ["JETSTREAM_URL", "JetstreamSource", "WebSocketLike", "parse_jetstream_event"]

logger = logging.getLogger(__name__)

# Platform facts (checked 2026-11): https://github.com/bluesky-social/jetstream (README) -
# wss://jetstream{1,2}.us-{east,west}.bsky.network/subscribe?wantedCollections=...&
# wantedDids=...&cursor=<unix µs>; events {did, time_us, kind: commit|identity|account,
# commit{rev, operation: create|update|delete, collection, rkey, record, cid}}; the cursor
# replays from that time inclusive; no auth, no rate limit documented, no engagement counts.
JETSTREAM_URL = "wss://jetstream2.us-east.bsky.network/subscribe"
POST_COLLECTION = "app.bsky.feed.post"
STORE_SOURCE = "bluesky"
CURSOR_KEY = "cursor_us"
MAX_MESSAGE_BYTES = 2 * 1024 * 1024


class WebSocketLike(Protocol):
    """What the source needs of a websocket connection: an async iterator of messages."""

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        """Messages until the connection closes."""
        ...


Connect = Callable[[str], AbstractAsyncContextManager[WebSocketLike]]
"""Opens a websocket to a URL (default: ``websockets.asyncio.client.connect``)."""


def _from_us(time_us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=time_us)


def _event_key(event: dict[str, Any]) -> str:
    commit = event.get("commit") if isinstance(event.get("commit"), dict) else None
    if commit is None:
        return f"{event.get('did')}|{event.get('kind')}|{event.get('time_us')}"
    return (
        "|".join(str(commit.get(k)) for k in ("rev", "operation", "collection", "rkey"))
        + f"|{event.get('did')}"
    )


def parse_jetstream_event(event: dict[str, Any], *, source: str = STORE_SOURCE) -> Mention | Deletion | None:
    """Turn one Jetstream event into a mention (post created or edited), a deletion, or nothing.

    Raises:
        ValueError: A post event without the fields a mention needs.

    Examples:
        >>> gone = parse_jetstream_event({"did": "did:plc:a", "time_us": 1732100000000000,
        ...     "kind": "commit",
        ...     "commit": {"operation": "delete", "collection": "app.bsky.feed.post", "rkey": "3k"}})
        >>> gone.native_id, gone.deleted_at.isoformat()
        ('at://did:plc:a/app.bsky.feed.post/3k', '2024-11-20T10:53:20+00:00')
    """
    if event.get("kind") != "commit":
        return None
    commit = event.get("commit")
    if not isinstance(commit, dict) or commit.get("collection") != POST_COLLECTION:
        return None
    did, rkey, time_us = event.get("did"), commit.get("rkey"), event.get("time_us")
    if not isinstance(did, str) or not isinstance(rkey, str) or not isinstance(time_us, int):
        raise ValueError("the event has no did, rkey or time_us")
    uri = f"at://{did}/{POST_COLLECTION}/{rkey}"
    seen_at = _from_us(time_us)
    operation = commit.get("operation")
    if operation == "delete":
        return Deletion(source=source, native_id=uri, deleted_at=seen_at)
    if operation not in ("create", "update"):
        return None
    record = commit.get("record")
    if not isinstance(record, dict):
        raise ValueError("a create/update event has no record")
    mention = parse_post_record(
        record,
        uri=uri,
        did=did,
        indexed_at=seen_at,
        source=source,
        extras={"cid": commit.get("cid"), "rev": commit.get("rev"), "via": "jetstream", "time_us": time_us},
        raw=event,
    )
    return mention.with_flags("edited") if operation == "update" else mention


class JetstreamSource:
    """Posts from Bluesky's Jetstream firehose, matched locally, resumable (a ``StreamSource``).

    Args:
        url: The Jetstream ``/subscribe`` endpoint.
        dids: Only these accounts (``wantedDids``); empty: everyone.
        deletions: Yield a :class:`~social_listen.core.Deletion` for each deleted post.
        checkpoint_every: Yield a checkpoint event after this many events that matched
            nothing, so the stored position keeps up with a quiet query.
        max_failures: Consecutive failed connections before ``SourceUnavailable``.
        backoff_base: First reconnect delay cap in seconds (doubles per failure).
        backoff_cap: Longest reconnect delay.
        connect: Opens a websocket (tests inject one; default ``websockets``).
        sleep: The async sleep used between reconnects.
        random: A ``[0, 1)`` source for the jitter.
        now: The clock.

    Examples:
        >>> import asyncio
        >>> async def follow(source):  # doctest: +SKIP
        ...     async for event in source.stream(Query(text="acme"), state=SourceState()):
        ...         print(event.kind, event.state.extras["cursor_us"])
    """

    name = "bluesky_jetstream"
    capabilities = Capabilities(order="oldest_first", auth="none", streaming=True)

    def __init__(
        self,
        *,
        url: str = JETSTREAM_URL,
        dids: Sequence[str] = (),
        deletions: bool = True,
        checkpoint_every: int = 1000,
        max_failures: int = 10,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        connect: Connect | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if not url.startswith(("ws://", "wss://")):
            raise ConfigError(f"a Jetstream URL starts with wss:// (got {url[:40]!r})", source=self.name)
        self.url = url
        self.dids = tuple(dids)
        self.deletions = deletions
        self.checkpoint_every = max(1, checkpoint_every)
        self.max_failures = max(1, max_failures)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._connect = connect
        self._sleep = sleep
        self._random = random
        self.now = now or utcnow
        self.reconnects = 0

    def __repr__(self) -> str:
        return f"JetstreamSource(url={self.url!r}, dids={len(self.dids)})"

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """Not available: Jetstream is a stream; iterate :meth:`stream` instead.

        Raises:
            ConfigError: Always.
        """
        raise ConfigError(
            "bluesky_jetstream is a streaming source and has no pages",
            source=self.name,
            hint="iterate `async for event in source.stream(query, state=state)`",
        )
        yield  # pragma: no cover - makes this a generator

    def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
        """Jetstream sends no rate-limit signals."""
        return None

    def subscribe_url(self, cursor_us: int | None) -> str:
        """The ``/subscribe`` URL for posts, the DIDs and the resume cursor."""
        params: list[tuple[str, str]] = [("wantedCollections", POST_COLLECTION)]
        params += [("wantedDids", did) for did in self.dids]
        if cursor_us is not None:
            params.append(("cursor", str(cursor_us)))
        return f"{self.url}?{urlencode(params)}"

    def _opener(self) -> Connect:
        if self._connect is not None:
            return self._connect
        try:
            from websockets.asyncio.client import connect
        except ImportError:  # pragma: no cover - depends on the environment
            raise MissingDependency("websockets", extra="stream", feature="the Jetstream source") from None

        def open_socket(url: str) -> AbstractAsyncContextManager[WebSocketLike]:
            return connect(url, max_size=MAX_MESSAGE_BYTES, open_timeout=10, ping_interval=20)

        return open_socket

    async def stream(self, query: Query, *, state: SourceState) -> AsyncIterator[StreamEvent]:
        """Yield events from ``state``'s position (the live edge for a fresh state), forever.

        Raises:
            SourceUnavailable: ``max_failures`` connections in a row failed.
        """
        opener = self._opener()
        keep = query_matcher(query, STORE_SOURCE)
        cursor_us = state.extras.get(CURSOR_KEY)
        cursor = cursor_us if isinstance(cursor_us, int) and not isinstance(cursor_us, bool) else None
        boundary = set(state.boundary_ids) if cursor is not None else set()
        failures = 0
        quiet = 0
        while True:
            url = self.subscribe_url(cursor)
            try:
                async with opener(url) as socket:
                    logger.info("jetstream: connected%s", f" from cursor {cursor}" if cursor else "")
                    async for message in socket:
                        failures = 0
                        event = _decode(message)
                        if event is None:
                            continue
                        time_us = event["time_us"]
                        key = _event_key(event)
                        if cursor is not None and (
                            time_us < cursor or (time_us == cursor and key in boundary)
                        ):
                            continue  # replayed: already delivered before the reconnect
                        if cursor is None or time_us > cursor:
                            cursor, boundary = time_us, {key}
                        else:
                            boundary.add(key)
                        state = _position(state, cursor, boundary)
                        item = self._item(event, query, keep)
                        if item is None:
                            quiet += 1
                            if quiet >= self.checkpoint_every:
                                quiet = 0
                                yield StreamEvent(state=state)
                            continue
                        quiet = 0
                        if isinstance(item, Deletion):
                            yield StreamEvent(deletion=item, state=state)
                        else:
                            yield StreamEvent(mention=item, state=state)
                logger.info("jetstream: the server closed the connection")
            except (TimeoutError, OSError, EOFError) as exc:
                logger.warning("jetstream: connection failed: %s", type(exc).__name__)
            except Exception as exc:
                if not _is_websocket_error(exc):
                    raise
                logger.warning("jetstream: connection dropped: %s", type(exc).__name__)
            failures += 1
            if failures > self.max_failures:
                raise SourceUnavailable(
                    f"Jetstream failed {failures - 1} times in a row", source=self.name, hint=None
                )
            self.reconnects += 1
            delay = min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1)) * self._random()
            await self._sleep(delay)

    def _item(
        self, event: dict[str, Any], query: Query, keep: Callable[[Mention], bool]
    ) -> Mention | Deletion | None:
        try:
            item = parse_jetstream_event(event)
        except (ValueError, TypeError) as exc:
            logger.debug("jetstream: skipped a malformed event: %s", exc)
            return None
        if isinstance(item, Deletion):
            return item if self.deletions else None
        if item is None or not keep(item):
            return None
        flags = set()
        if item.created_at > self.now() + timedelta(days=1):
            flags.add("date_future")
        return item.model_copy(update={"query": query.label, "flags": item.flags | flags})


def _decode(message: str | bytes) -> dict[str, Any] | None:
    try:
        event = json.loads(message)
    except (ValueError, UnicodeDecodeError):
        logger.debug("jetstream: a message is not JSON")
        return None
    if not isinstance(event, dict):
        return None
    time_us = event.get("time_us")
    if not isinstance(time_us, int) or isinstance(time_us, bool) or time_us <= 0:
        return None
    return event


def _position(state: SourceState, cursor: int, boundary: set[str]) -> SourceState:
    return state.model_copy(
        update={
            "watermark": _from_us(cursor),
            "boundary_ids": frozenset(boundary),
            "extras": {**state.extras, CURSOR_KEY: cursor},
        }
    )


def _is_websocket_error(exc: Exception) -> bool:
    module = type(exc).__module__
    return module.startswith("websockets")

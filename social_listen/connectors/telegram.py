"""Telegram public channels through their web preview (``t.me/s/<channel>``).

The preview is an HTML page with the channel's latest posts (about 20, oldest first); older
posts come with ``?before=<post id>``. It is parsed with the standard library's
:class:`html.parser.HTMLParser` (a real tokenizer, tolerant of broken markup, no extra
dependency) by the ``tgme_widget_message*`` classes: post id, text (line breaks kept), links,
hashtags, date, abbreviated view counts (``"1.13M"`` -> 1130000), the forwarded-from channel
and the author signature. Identity is ``channel/post_id``. There is no search: the query is
matched locally. Telegram documents no rate limit for previews; the connector asks the
client for at least 0.5 s between requests. The markup can change: items that no longer
parse are skipped and counted, and a page with none is reported.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

import httpx
from pydantic import ValidationError

from social_listen.connectors._account import query_matcher
from social_listen.connectors._parts import run_parts
from social_listen.connectors._timeparse import parse_timestamp
from social_listen.connectors.pagination import PageHistory
from social_listen.core import (
    DEFAULT_LIMITS,
    Author,
    Capabilities,
    ConfigError,
    Limits,
    Mention,
    Metrics,
    Page,
    ParseError,
    PlatformError,
    Query,
    RateLimitInfo,
    RequestSpec,
    SkippedItem,
    SourceState,
    utcnow,
)

__all__ = ["TelegramConnector", "TelegramPost", "parse_count", "parse_telegram_preview"]

logger = logging.getLogger(__name__)

# Platform facts (checked 2026-11): https://telegram.org/blog/channels-2-0 (public channel web
# preview at t.me/s/<username>), https://core.telegram.org/widgets/post (the
# tgme_widget_message markup); no rate limit is documented for previews.
TELEGRAM_WEB = "https://t.me"
MIN_INTERVAL = 0.5
_CHANNEL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_COUNT_RE = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([KMB]?)\s*$", re.IGNORECASE)
_SCALE = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
_ROLES = (
    ("tgme_widget_message_forwarded_from_name", "forward"),
    ("tgme_widget_message_text", "text"),
    ("tgme_widget_message_views", "views"),
    ("tgme_widget_message_from_author", "signature"),
    ("tgme_widget_message_owner_name", "owner"),
    ("tgme_widget_message_meta", "meta"),
    ("tgme_channel_info_header_title", "channel_title"),
    ("counter_value", "counter"),
    ("counter_type", "counter_type"),
)


def parse_count(text: str | None) -> int | None:
    """An abbreviated count as a number (``"1.13M"`` -> 1130000, ``"12,5K"`` -> 12500).

    Examples:
        >>> parse_count("1.13M"), parse_count("987"), parse_count("12.5K"), parse_count("n/a")
        (1130000, 987, 12500, None)
    """
    if not text:
        return None
    match = _COUNT_RE.match(text.replace("\u00a0", " "))
    if match is None:
        digits = text.replace(",", "").replace(" ", "").strip()
        return int(digits) if digits.isdigit() else None
    number, suffix = match.groups()
    if not suffix and "," in number and len(number.split(",")[1]) == 3:
        return int(number.replace(",", ""))  # "1,234" is a thousands separator
    return round(float(number.replace(",", ".")) * _SCALE[suffix.upper()])


@dataclass
class TelegramPost:
    """One post as read from the preview HTML (before it becomes a mention)."""

    channel: str
    post_id: int
    text_parts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    views: str = ""
    date: str | None = None
    url: str | None = None
    forwarded_name: str = ""
    forwarded_url: str | None = None
    signature: str = ""
    owner: str = ""
    edited: bool = False
    service: bool = False

    @property
    def text(self) -> str:
        """The post's text with line breaks kept and runs of blanks collapsed."""
        lines = "".join(self.text_parts).split("\n")
        return "\n".join(re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in lines).strip()


@dataclass
class _Channel:
    title: str = ""
    subscribers: str = ""


class _PreviewParser(HTMLParser):
    """Collects posts from the ``tgme_widget_message`` markup."""

    def __init__(self, channel: str) -> None:
        super().__init__(convert_charrefs=True)
        self.channel = channel
        self.posts: list[TelegramPost] = []
        self.info = _Channel()
        self._stack: list[tuple[str, str | None]] = []
        self._post: TelegramPost | None = None
        self._post_depth = 0
        self._counter: list[str] = []

    def _roles(self) -> set[str]:
        return {role for _, role in self._stack if role}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        classes = set(values.get("class", "").split())
        roles = self._roles()
        if tag in _VOID:
            if tag == "br" and self._post is not None and "text" in roles:
                self._post.text_parts.append("\n")
            return
        role = next((name for cls, name in _ROLES if cls in classes), None)
        if "tgme_widget_message" in classes and values.get("data-post"):
            role = "post"
            self._start_post(values["data-post"], classes)
        post = self._post
        if post is not None:
            if tag == "a" and "tgme_widget_message_date" in classes:
                post.url = values.get("href") or post.url
            elif tag == "a" and "href" in values:
                self._link(post, values["href"], role, roles)
            if tag == "time" and values.get("datetime") and "meta" in roles:
                post.date = values["datetime"]
        self._stack.append((tag, role))

    def _start_post(self, data_post: str, classes: set[str]) -> None:
        name, _, number = data_post.rpartition("/")
        self._post = None
        if number.isdigit():
            self._post = TelegramPost(channel=name or self.channel, post_id=int(number))
            self._post.service = "service_message" in classes
            self._post_depth = len(self._stack)
            self.posts.append(self._post)

    def _link(self, post: TelegramPost, href: str, role: str | None, roles: set[str]) -> None:
        if role == "forward" or "forward" in roles:
            post.forwarded_url = href
        elif "text" in roles:
            if href.startswith("?q="):
                tag = unquote(href[3:]).lstrip("#")
                if tag and tag not in post.hashtags:
                    post.hashtags.append(tag)
            elif href.startswith(("http://", "https://")):
                handle = href.removeprefix("https://t.me/").removeprefix("http://t.me/")
                if href.startswith(("https://t.me/", "http://t.me/")) and _CHANNEL_RE.match(handle):
                    post.handles.append(handle)
                elif href not in post.links:
                    post.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break
        if self._post is not None and len(self._stack) <= self._post_depth:
            self._post = None

    def handle_data(self, data: str) -> None:
        roles = self._roles()
        if "channel_title" in roles and self._post is None:
            self.info.title += data
            return
        if "counter" in roles and self._post is None:
            self._counter.append(data)
            return
        if "counter_type" in roles and self._post is None:
            if "subscriber" in data.lower() and self._counter:
                self.info.subscribers = self._counter[-1]
            self._counter = []
            return
        post = self._post
        if post is None:
            return
        if "text" in roles:
            post.text_parts.append(data)
        elif "views" in roles:
            post.views += data
        elif "forward" in roles:
            post.forwarded_name += data
        elif "signature" in roles:
            post.signature += data
        elif "owner" in roles:
            post.owner += data
        elif "meta" in roles and "edited" in data.lower():
            post.edited = True


def parse_telegram_preview(html: str, channel: str) -> tuple[list[TelegramPost], dict[str, Any]]:
    r"""Parse a ``t.me/s/<channel>`` page into posts and channel info.

    Returns:
        The posts in page order and ``{"title": ..., "subscribers": int | None}``.

    Examples:
        >>> page = ('<div class="tgme_widget_message js-widget_message" data-post="acme/7">'
        ...         '<div class="tgme_widget_message_text">Hi<br/>there</div>'
        ...         '<span class="tgme_widget_message_views">1.2K</span></div>')
        >>> posts, info = parse_telegram_preview(page, "acme")
        >>> posts[0].post_id, posts[0].text, parse_count(posts[0].views)
        (7, 'Hi\\nthere', 1200)
    """
    parser = _PreviewParser(channel)
    parser.feed(html)
    parser.close()
    info = {"title": parser.info.title.strip() or None, "subscribers": parse_count(parser.info.subscribers)}
    return parser.posts, info


def _mention(post: TelegramPost, info: dict[str, Any], *, source: str) -> Mention:
    created = parse_timestamp(post.date)
    if created is None:
        raise ValueError("the post has no datetime")
    native = f"{post.channel}/{post.post_id}"
    forwarded = None
    if post.forwarded_url or post.forwarded_name.strip():
        forwarded = {"name": post.forwarded_name.strip() or None, "url": post.forwarded_url}
    extras: dict[str, Any] = {"post_id": post.post_id}
    if forwarded:
        extras["forwarded_from"] = forwarded
    if post.signature.strip():
        extras["signature"] = post.signature.strip()
    if post.edited:
        extras["edited"] = True
    return Mention(
        source=source,
        native_id=native,
        url=post.url or f"{TELEGRAM_WEB}/{native}",
        text=post.text,
        author=Author(
            handle=post.channel,
            name=(post.owner.strip() or info.get("title")) or None,
            url=f"{TELEGRAM_WEB}/{post.channel}",
            followers=info.get("subscribers"),
        ),
        created_at=created,
        metrics=Metrics(views=parse_count(post.views.strip())),
        channel=post.channel,
        thread_id=native,
        links=tuple(post.links),
        hashtags=tuple(post.hashtags),
        mentioned_handles=tuple(post.handles),
        extras=extras,
        raw={
            "channel": post.channel,
            "post_id": post.post_id,
            "views": post.views.strip(),
            "date": post.date,
        },
    )


class TelegramConnector:
    """Posts of public Telegram channels, from their web preview.

    Args:
        channels: Channel usernames (``"durov"``, ``"@durov"`` or ``"https://t.me/durov"``).
        base_url: The preview host (tests point it at a fake).
        limits: Overlap, text caps, the page cap and the future-date skew.
        now: The clock.

    Examples:
        >>> c = TelegramConnector(channels=["@acme_news"])
        >>> next(c.fetch_page(Query(text="acme"), cursor=None, state=SourceState())).url
        'https://t.me/s/acme_news'
    """

    name = "telegram"
    capabilities = Capabilities(since_until=False, order="newest_first", max_page_size=20, auth="none")

    def __init__(
        self,
        *,
        channels: Sequence[str],
        base_url: str = TELEGRAM_WEB,
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        cleaned = []
        for channel in channels:
            name = channel.strip().removeprefix("https://t.me/").removeprefix("s/").lstrip("@").strip("/")
            if not _CHANNEL_RE.match(name):
                raise ConfigError(f"not a public channel username: {channel!r}", source=self.name)
            cleaned.append(name)
        if not cleaned:
            raise ConfigError("give at least one channel", source=self.name, hint="channels=['durov']")
        self.channels = tuple(cleaned)
        self.base_url = base_url.rstrip("/")
        self.limits = limits or DEFAULT_LIMITS
        self.now = now or utcnow

    def __repr__(self) -> str:
        return f"TelegramConnector(channels={self.channels!r})"

    def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
        """No headers are sent: ask for ``MIN_INTERVAL`` seconds before the next request."""
        return RateLimitInfo(limit=1, remaining=1, reset_at=self.now() + timedelta(seconds=MIN_INTERVAL))

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """Fetch one preview page of the current channel; the query is matched locally."""

        def part(
            channel: str, inner: str | None, part_state: SourceState
        ) -> Generator[RequestSpec, httpx.Response, Page]:
            return self._channel_page(channel, query, cursor=inner, state=part_state)

        return (
            yield from run_parts(
                self.channels,
                part,
                query=query,
                cursor=cursor,
                state=state,
                connector=self,
                keep=query_matcher(query, self.name),
            )
        )

    def _channel_page(
        self, channel: str, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        run = self._decode(cursor, query, state)
        since = parse_timestamp(run.get("since")) if run.get("since") else None
        before = run.get("before")
        response = yield RequestSpec(
            url=f"{self.base_url}/s/{channel}",
            params=[("before", before)] if before else [],
            expect="html",
            headers={"Accept": "text/html"},
        )
        if response.status_code in (301, 302, 404):
            raise PlatformError(
                f"t.me/s/{channel} is not a public channel preview (HTTP {response.status_code})",
                source=self.name,
                hint="check the channel username; private channels and groups have no preview",
            )
        if response.status_code != 200:
            raise PlatformError(f"HTTP {response.status_code} from t.me/s/{channel}", source=self.name)
        posts, info = parse_telegram_preview(response.text, channel)
        mentions: list[Mention] = []
        skipped: list[SkippedItem] = []
        future = self.now() + self.limits.future_skew
        reached_since = False
        for post in sorted(posts, key=lambda p: p.post_id, reverse=True):
            item_id = f"{post.channel}/{post.post_id}"
            if post.service:
                skipped.append(SkippedItem(reason="service_message", item_id=item_id))
                continue
            try:
                mention = _mention(post, info, source=self.name)
            except (ValueError, ValidationError) as exc:
                skipped.append(SkippedItem(reason="invalid_item", detail=str(exc)[:200], item_id=item_id))
                continue
            if since is not None and mention.created_at < since:
                reached_since = True
                continue
            if state.already_seen(mention):
                continue
            mentions.append(self._finish(mention, future=future))
        if posts and not mentions and len(skipped) == len(posts):
            raise ParseError(
                f"none of the {len(posts)} posts of t.me/s/{channel} could be read",
                source=self.name,
                hint="the preview markup may have changed",
            )
        ids = [p.post_id for p in posts]
        next_cursor = None
        if ids and not reached_since and min(ids) > 1:
            history = PageHistory.model_validate(run.get("history") or {})
            history = history.advance(str(min(ids)), max_pages=self.limits.max_pages, source=self.name)
            next_cursor = json.dumps(
                {"before": min(ids), "since": run.get("since"), "history": history.model_dump(mode="json")},
                separators=(",", ":"),
            )
        return Page(
            mentions=tuple(mentions),
            next_cursor=next_cursor,
            state=state,
            rate_limit=self.rate_limit(response),
            skipped=tuple(skipped),
            requests=1,
        )

    def _decode(self, cursor: str | None, query: Query, state: SourceState) -> dict[str, Any]:
        if cursor is None:
            since = query.since
            incremental = state.since(self.limits.overlap)
            if incremental is not None and (since is None or incremental > since):
                since = incremental
            return {"since": since.isoformat() if since else None}
        try:
            data = json.loads(cursor)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("before"), int):
            raise ConfigError(
                "the cursor was not made by this connector",
                source=self.name,
                hint="start the run without a cursor or clear the stored state",
            )
        return data

    def _finish(self, mention: Mention, *, future: datetime) -> Mention:
        update: dict[str, Any] = {}
        if len(mention.text) > self.limits.max_text_chars:
            update["text"] = mention.text[: self.limits.max_text_chars]
            update["flags"] = mention.flags | {"text_truncated"}
        if mention.created_at > future:
            update["flags"] = update.get("flags", mention.flags) | {"date_future"}
        return mention.model_copy(update=update) if update else mention

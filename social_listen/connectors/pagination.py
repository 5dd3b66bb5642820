"""Paginators: small strategy objects that turn one response into the next page's cursor.

A paginator is stateless and shared by every run of a connector. It does two things:
:meth:`Paginator.prepare` adds its parameters (or a whole URL) to the request for the page
identified by a token, and :meth:`Paginator.next_token` reads the token of the next page from
a response (``None`` when there is none). Tokens are strings so that they fit in a
:class:`~social_listen.core.SourceState` and survive a restart.

Loop detection (reliability row 14) lives in :class:`PageHistory`, which remembers the last
tokens of a run and the page count: a token seen again (``A -> A`` or ``A -> B -> A``) or a run
past the page cap raises :class:`~social_listen.core.PaginationLoop`. An empty page ends the
run, and so does an empty-string token, so an "empty cursor forever" cannot spin.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict

from social_listen.core import PaginationLoop, ParseError, PlatformError

__all__ = [
    "AfterFullnamePaginator",
    "CursorPaginator",
    "LinkHeaderPaginator",
    "MaxIdPaginator",
    "MinIdPaginator",
    "PageHistory",
    "PageNumberPaginator",
    "PageResponse",
    "Paginator",
    "Params",
    "SinglePage",
    "get_path",
]

Params = list[tuple[str, Any]]
"""Query parameters as ordered pairs (repeated keys such as ``any[]`` are kept)."""

_MISSING: Any = object()


def get_path(document: Any, path: str, default: Any = _MISSING) -> Any:
    """Follow a dotted path (``"data.children"``, ``"hits.0.id"``) into parsed JSON.

    Args:
        document: Parsed JSON.
        path: Dot-separated keys; a segment of digits indexes a list. ``""`` is the document.
        default: Returned when the path does not exist; without it, ``KeyError`` is raised.

    Returns:
        The value at the path.

    Raises:
        KeyError: The path does not exist and no default was given.

    Examples:
        >>> get_path({"data": {"children": [1, 2]}}, "data.children")
        [1, 2]
        >>> get_path({"meta": {}}, "meta.next_token", None) is None
        True
    """
    node = document
    if path:
        for segment in path.split("."):
            if isinstance(node, dict) and segment in node:
                node = node[segment]
            elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
                node = node[int(segment)]
            elif default is _MISSING:
                raise KeyError(path)
            else:
                return default
    return node


def _set_param(params: Params, key: str, value: Any) -> Params:
    return [(k, v) for k, v in params if k != key] + [(key, value)]


@dataclass(frozen=True)
class PageResponse:
    """What a paginator sees of one page.

    Attributes:
        response: The final HTTP response.
        body: The parsed body.
        items: The raw items found at the connector's items path.
        token: The token the page was requested with (``None`` for the first page).
        url: The URL the request was sent to (before parameters).
    """

    response: httpx.Response
    body: Any
    items: Sequence[Any]
    token: str | None
    url: str


class Paginator(ABC):
    """Base class of pagination strategies.

    Attributes:
        stop_on_empty: End the run on a page without items (default ``True``), whatever the
            response says about more pages.
    """

    stop_on_empty: bool = True

    @abstractmethod
    def prepare(self, token: str | None, *, url: str, params: Params) -> tuple[str, Params]:
        """The URL and parameters of the page identified by ``token``.

        Args:
            token: The page token from :meth:`next_token`, ``None`` for the first page.
            url: The request URL the connector built.
            params: The parameters the connector built.
        """

    @abstractmethod
    def next_token(self, page: PageResponse) -> str | None:
        """The token of the page after ``page``, ``None`` when it was the last."""

    def next_page(self, page: PageResponse) -> str | None:
        """:meth:`next_token`, except that an empty page or an empty token ends the run."""
        if self.stop_on_empty and not page.items:
            return None
        token = self.next_token(page)
        return token or None

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class SinglePage(Paginator):
    """The endpoint returns everything in one response.

    Expects any response; there is never a next page.

    Examples:
        >>> SinglePage().prepare(None, url="https://x.test/feed", params=[])
        ('https://x.test/feed', [])
    """

    def prepare(self, token: str | None, *, url: str, params: Params) -> tuple[str, Params]:
        """The request unchanged."""
        return url, params

    def next_token(self, page: PageResponse) -> str | None:
        """Always ``None``."""
        return None


class CursorPaginator(Paginator):
    """An opaque token in the body, sent back as a query parameter.

    Expects (Bluesky ``searchPosts``; YouTube uses ``nextPageToken``/``pageToken``, X uses
    ``meta.next_token``/``next_token``)::

        {"posts": [...], "cursor": "eyJvIjoyNX0"}

    A missing, ``null`` or empty token ends the run.

    Args:
        cursor_path: Dotted path of the next token in the body.
        cursor_param: Query parameter that carries it.

    Examples:
        >>> p = CursorPaginator(cursor_path="meta.next_token", cursor_param="next_token")
        >>> p.prepare("abc", url="https://x.test/search", params=[("q", "acme")])
        ('https://x.test/search', [('q', 'acme'), ('next_token', 'abc')])
    """

    def __init__(self, *, cursor_path: str = "cursor", cursor_param: str = "cursor") -> None:
        self.cursor_path = cursor_path
        self.cursor_param = cursor_param

    def prepare(self, token: str | None, *, url: str, params: Params) -> tuple[str, Params]:
        """Add the cursor parameter (none on the first page)."""
        return url, params if token is None else _set_param(params, self.cursor_param, token)

    def next_token(self, page: PageResponse) -> str | None:
        """The token at ``cursor_path``."""
        token = get_path(page.body, self.cursor_path, None)
        if token is None:
            return None
        if not isinstance(token, (str, int)) or isinstance(token, bool):
            raise ParseError(f"pagination token at {self.cursor_path!r} is not a string")
        return str(token)


_FULLNAME = re.compile(r"^t[1-8]_[0-9a-z]{1,16}$")


class AfterFullnamePaginator(CursorPaginator):
    """Reddit listings: the fullname of the last item, sent back as ``after``.

    Expects (https://www.reddit.com/dev/api/#listings)::

        {"kind": "Listing", "data": {"after": "t3_1abcde", "before": null,
                                     "children": [{"kind": "t3", "data": {...}}]}}

    A token that is not a fullname (``t3_...``) is refused with ``ParseError``.

    Args:
        after_path: Dotted path of ``after`` in the body.
        after_param: Query parameter that carries it.

    Examples:
        >>> p = AfterFullnamePaginator()
        >>> p.prepare("t3_abc", url="https://oauth.reddit.com/search", params=[("q", "acme")])
        ('https://oauth.reddit.com/search', [('q', 'acme'), ('after', 't3_abc')])
    """

    def __init__(self, *, after_path: str = "data.after", after_param: str = "after") -> None:
        super().__init__(cursor_path=after_path, cursor_param=after_param)

    def next_token(self, page: PageResponse) -> str | None:
        """The ``after`` fullname, checked for shape."""
        token = super().next_token(page)
        if token and not _FULLNAME.match(token):
            raise ParseError(f"'after' is not a fullname: {token[:40]!r}")
        return token


class PageNumberPaginator(Paginator):
    """Numbered pages, 0- or 1-based, ended by a page count, a ``has_more`` flag or an empty page.

    Expects (Hacker News Algolia, 0-based, https://hn.algolia.com/api)::

        {"hits": [...], "page": 0, "nbPages": 34, "nbHits": 1000, "hitsPerPage": 30}

    or (Stack Exchange, 1-based, https://api.stackexchange.com/docs/paging)::

        {"items": [...], "has_more": true, "quota_remaining": 9990}

    Args:
        page_param: Query parameter of the page number.
        base: Number of the first page (0 or 1).
        total_pages_path: Dotted path of the page count (``"nbPages"``).
        has_more_path: Dotted path of a "more pages" boolean (``"has_more"``).
        max_page: Last page number the platform serves, if it has a hard stop.

    Without ``total_pages_path`` or ``has_more_path`` the run ends on the first empty page.

    Examples:
        >>> hn = PageNumberPaginator(base=0, total_pages_path="nbPages")
        >>> hn.prepare(None, url="https://hn.algolia.com/api/v1/search_by_date", params=[])
        ('https://hn.algolia.com/api/v1/search_by_date', [('page', 0)])
        >>> hn.prepare("3", url="https://hn.algolia.com/api/v1/search_by_date", params=[])[1]
        [('page', 3)]
    """

    def __init__(
        self,
        *,
        page_param: str = "page",
        base: int = 1,
        total_pages_path: str | None = None,
        has_more_path: str | None = None,
        max_page: int | None = None,
    ) -> None:
        if base not in (0, 1):
            raise ValueError("base must be 0 or 1")
        self.page_param = page_param
        self.base = base
        self.total_pages_path = total_pages_path
        self.has_more_path = has_more_path
        self.max_page = max_page

    def _number(self, token: str | None) -> int:
        if token is None:
            return self.base
        if not token.isdigit():
            raise ParseError(f"page token {token[:20]!r} is not a page number")
        return int(token)

    def prepare(self, token: str | None, *, url: str, params: Params) -> tuple[str, Params]:
        """Add the page number."""
        return url, _set_param(params, self.page_param, self._number(token))

    def next_token(self, page: PageResponse) -> str | None:
        """The next page number, or ``None`` past the last page."""
        following = self._number(page.token) + 1
        if self.max_page is not None and following > self.max_page:
            return None
        if self.total_pages_path is not None:
            total = get_path(page.body, self.total_pages_path, None)
            if not isinstance(total, int) or isinstance(total, bool):
                raise ParseError(f"page count at {self.total_pages_path!r} is missing or not a number")
            if following >= self.base + total:
                return None
        if self.has_more_path is not None and get_path(page.body, self.has_more_path, False) is not True:
            return None
        return str(following)


class LinkHeaderPaginator(Paginator):
    """The next page's URL in an RFC 8288 ``Link`` header (Mastodon, GitHub).

    Expects (https://docs.joinmastodon.org/api/guidelines/#pagination)::

        Link: <https://mastodon.example/api/v1/timelines/tag/acme?max_id=1099>; rel="next",
              <https://mastodon.example/api/v1/timelines/tag/acme?min_id=1130>; rel="prev"

    The token is the absolute next URL; the request for it uses that URL with no extra
    parameters. A link to another origin than the request's is refused with
    ``PlatformError`` (a hostile server could otherwise steer the run anywhere).

    Args:
        rel: The link relation to follow.

    Examples:
        >>> p = LinkHeaderPaginator()
        >>> url = "https://m.test/api/v1/x"
        >>> p.prepare(url + "?max_id=5", url=url, params=[("limit", 40)])
        ('https://m.test/api/v1/x?max_id=5', [])
    """

    def __init__(self, *, rel: str = "next") -> None:
        self.rel = rel

    def prepare(self, token: str | None, *, url: str, params: Params) -> tuple[str, Params]:
        """The connector's request for the first page, the linked URL afterwards."""
        if token is None:
            return url, params
        if urlsplit(token)[:2] != urlsplit(url)[:2]:
            raise PlatformError(
                "the next-page link points to another origin",
                hint="the server's Link header was refused; the run stops here",
            )
        return token, []

    def next_token(self, page: PageResponse) -> str | None:
        """The ``rel`` link, resolved against the page URL."""
        link = page.response.links.get(self.rel, {}).get("url")
        if not link:
            return None
        return urljoin(page.token or page.url, link)


def _item_id(item: Any, id_path: str) -> str:
    value = get_path(item, id_path, None)
    if value is None or isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ParseError(f"item has no usable id at {id_path!r} for paging")
    return str(value)


class MaxIdPaginator(Paginator):
    """Newest-first paging by the id of the oldest item seen (``max_id``).

    Expects a list of items newest first (Mastodon timelines, X ``until_id``)::

        [{"id": "1130", ...}, {"id": "1099", ...}]

    The next page asks for items older than the last item: ``max_id=1099``.

    Args:
        id_path: Dotted path of the id inside an item.
        param: Query parameter that carries the id.

    Examples:
        >>> MaxIdPaginator().prepare("1099", url="https://m.test/api", params=[("limit", 40)])
        ('https://m.test/api', [('limit', 40), ('max_id', '1099')])
    """

    def __init__(self, *, id_path: str = "id", param: str = "max_id") -> None:
        self.id_path = id_path
        self.param = param

    def prepare(self, token: str | None, *, url: str, params: Params) -> tuple[str, Params]:
        """Add ``max_id`` (none on the first page)."""
        return url, params if token is None else _set_param(params, self.param, token)

    def next_token(self, page: PageResponse) -> str | None:
        """The id of the last (oldest) item."""
        return _item_id(page.items[-1], self.id_path) if page.items else None


class MinIdPaginator(MaxIdPaginator):
    """Forward paging from a known id towards the present (``min_id``).

    Expects items newer than ``min_id``; Mastodon returns them newest first, so the next
    page starts after the first item (set ``newest_first=False`` for oldest-first APIs)::

        GET /api/v1/timelines/tag/acme?min_id=1099  ->  [{"id": "1180"}, {"id": "1130"}]

    Args:
        id_path: Dotted path of the id inside an item.
        param: Query parameter that carries the id.
        newest_first: Whether the platform lists the page newest first.

    Examples:
        >>> MinIdPaginator().prepare("1180", url="https://m.test/api", params=[])
        ('https://m.test/api', [('min_id', '1180')])
    """

    def __init__(self, *, id_path: str = "id", param: str = "min_id", newest_first: bool = True) -> None:
        super().__init__(id_path=id_path, param=param)
        self.newest_first = newest_first

    def next_token(self, page: PageResponse) -> str | None:
        """The id of the newest item of the page."""
        if not page.items:
            return None
        return _item_id(page.items[0] if self.newest_first else page.items[-1], self.id_path)


def _digest(token: str) -> str:
    return hashlib.blake2s(token.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()


class PageHistory(BaseModel):
    """Loop detection for one run: the page count and the last tokens seen (as digests).

    Immutable and JSON-serializable, so it travels inside a cursor and survives a restart.
    The per-run page cap is the client's (``Limits.max_pages``); pass ``max_pages`` here only
    in a flow that runs without a client.

    Attributes:
        pages: Pages moved past so far in the run.
        recent: Digests of the most recent tokens, oldest first (at most ``WINDOW``).

    Examples:
        >>> h = PageHistory().advance("A").advance("B")
        >>> try:
        ...     h.advance("A")
        ... except PaginationLoop as exc:
        ...     print(exc.message)
        the next-page token repeats a token seen 2 pages ago
    """

    model_config = ConfigDict(frozen=True)

    WINDOW: ClassVar[int] = 32
    """How many recent tokens are remembered (longer cycles run into the page cap)."""

    pages: int = 0
    recent: tuple[str, ...] = ()

    def advance(self, token: str, *, max_pages: int | None = None, source: str | None = None) -> PageHistory:
        """The history after moving to the page ``token``.

        Args:
            token: The next page's token.
            max_pages: A page cap to enforce (``None``: leave it to the client).
            source: The connector name for the error.

        Raises:
            PaginationLoop: ``token`` was seen recently in this run, or the run would go past
                ``max_pages``.
        """
        digest = _digest(token)
        if digest in self.recent:
            ago = len(self.recent) - self.recent.index(digest)
            raise PaginationLoop(f"the next-page token repeats a token seen {ago} pages ago", source=source)
        if max_pages is not None and self.pages + 1 >= max_pages:
            raise PaginationLoop(
                f"the run reached the page cap of {max_pages} pages",
                source=source,
                hint="raise Limits.max_pages or narrow the query",
            )
        recent = (*self.recent, digest)[-self.WINDOW :]
        return self.model_copy(update={"pages": self.pages + 1, "recent": recent})

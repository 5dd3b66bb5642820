"""``HTTPConnector``: the declarative base most JSON API connectors subclass.

A subclass states where the items are (``base_url``, ``path``, ``items_path``), how pages
follow each other (a :mod:`~social_listen.connectors.pagination` strategy), which parameters
a query becomes (:meth:`HTTPConnector.build_params`) and how one item becomes a
:class:`~social_listen.core.Mention` (:meth:`HTTPConnector.parse_item`). The base turns that
into a sans-I/O ``fetch_page`` flow and does the parts every connector must get right: the
incremental window (watermark minus overlap), boundary dedup, future-date flags and the
watermark clamp, per-item validation with skip counting, text caps, one auth refresh on 401,
typed errors for 403 and platform error bodies, loop detection, and optional time slicing
around result caps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from social_listen.connectors._slicing import SlicePlan, TimeSlicer, TimeWindow
from social_listen.connectors.pagination import (
    PageHistory,
    PageResponse,
    Paginator,
    Params,
    SinglePage,
    get_path,
)
from social_listen.core import (
    DEFAULT_LIMITS,
    AuthError,
    Capabilities,
    ConfigError,
    Limits,
    Mention,
    ParseError,
    PlatformError,
    Query,
    RateLimitInfo,
    RequestSpec,
    SkippedItem,
    SourceState,
    utcnow,
)
from social_listen.core._json import load_json
from social_listen.core._state import Page

__all__ = ["AuthFlow", "HTTPConnector", "SkipItem"]

logger = logging.getLogger(__name__)

AuthFlow = Generator[RequestSpec, httpx.Response, bool]
"""The generator type of :meth:`HTTPConnector.refresh_auth`: yields requests, returns success."""

_ITEM_ERRORS = (ValidationError, KeyError, TypeError, ValueError, IndexError, AttributeError)
_MAX_DETAIL = 200


class SkipItem(Exception):
    """Raised by ``parse_item`` to skip an item on purpose (deleted posts, ads).

    Args:
        reason: A short machine-friendly reason (``"deleted"``), counted in the run's record.
        detail: Optional human detail.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class _RunCursor(BaseModel):
    """What ``HTTPConnector`` keeps between the pages of a run (serialized as the cursor)."""

    model_config = ConfigDict(frozen=True)

    token: str | None = None
    history: PageHistory = PageHistory()
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    plan: SlicePlan | None = None
    slice_items: int = 0
    slice_oldest: AwareDatetime | None = None
    slice_oldest_ids: frozenset[str] = frozenset()


class HTTPConnector:
    """Base class of declarative JSON-over-HTTP connectors.

    Subclasses set the class attributes and implement :meth:`parse_item` (and usually
    :meth:`build_params`); everything else has a working default. Options given to the
    constructor override the class attributes for one instance.

    Attributes:
        name: Registry name, stored as ``Mention.source``.
        capabilities: What the platform supports (``order="newest_first"`` lets the base stop
            paging at the first item older than the window).
        base_url: Scheme and host (``"https://hn.algolia.com"``).
        path: Endpoint path appended to ``base_url``.
        items_path: Dotted path of the item list in the body (``""``: the body is the list).
        paginator: The pagination strategy.
        page_size: Items per page requested, when ``page_size_param`` is set.
        page_size_param: Query parameter of the page size (``"hitsPerPage"``, ``"limit"``).
        default_headers: Headers sent with every request (no secrets: use :meth:`auth_headers`).
        expect: Content type the responses must have (``"json"``).
        forbidden_hint: What the user should do about a 403 from this platform.
        slicer: A :class:`~social_listen.connectors.TimeSlicer` to split the window around a
            result cap (with :meth:`total_hits`), or ``None``.

    Examples:
        >>> from datetime import datetime, UTC
        >>> from social_listen.connectors import HTTPConnector, PageNumberPaginator
        >>> class ForumConnector(HTTPConnector):
        ...     name = "forum"
        ...     base_url = "https://forum.example"
        ...     path = "/api/search"
        ...     items_path = "results"
        ...     paginator = PageNumberPaginator(base=1, has_more_path="has_more")
        ...     def build_params(self, query, *, cursor, state, window):
        ...         return [("q", query.text)]
        ...     def parse_item(self, item):
        ...         return Mention(source=self.name, native_id=str(item["id"]), text=item["body"],
        ...                        created_at=datetime.fromtimestamp(item["ts"], UTC))
        >>> flow = ForumConnector().fetch_page(Query(text="acme"), cursor=None, state=SourceState())
        >>> next(flow).url
        'https://forum.example/api/search'
    """

    name: str = ""
    capabilities: Capabilities = Capabilities()
    base_url: str = ""
    path: str = ""
    items_path: str = ""
    paginator: Paginator = SinglePage()
    page_size: int | None = None
    page_size_param: str | None = None
    method: str = "GET"
    default_headers: Mapping[str, str] = MappingProxyType({})
    expect: Literal["json", "xml", "html", "text", "any"] = "json"
    forbidden_hint: str = "the account or app lacks access to this endpoint; check its scopes and approval"
    slicer: TimeSlicer | None = None

    def __init__(
        self,
        *,
        base_url: str | None = None,
        page_size: int | None = None,
        paginator: Paginator | None = None,
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if base_url is not None:
            self.base_url = base_url
        if page_size is not None:
            self.page_size = page_size
        if paginator is not None:
            self.paginator = paginator
        self.limits = limits or DEFAULT_LIMITS
        self.now = now or utcnow
        if not self.name:
            raise ConfigError(f"{type(self).__name__} must set a connector name")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, base_url={self.base_url!r})"

    # ----------------------------------------------------------------- hooks for subclasses

    def build_url(self, query: Query, *, state: SourceState) -> str:
        """The request URL of the first page (default: ``base_url + path``)."""
        return self.base_url.rstrip("/") + self.path if self.path else self.base_url

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Mapping[str, Any] | Sequence[tuple[str, Any]]:
        """The query parameters of a request (the paginator adds its own afterwards).

        Args:
            query: What to collect.
            cursor: The paginator's token for this page (``None`` on the first page); most
                connectors ignore it, the paginator applies it.
            state: The state the page starts from.
            window: The time window to ask for: the run's ``[since, until)`` or the current
                slice. Send it when the platform filters by time (``window.since_epoch``).

        Returns:
            A mapping, or ``(key, value)`` pairs to repeat a key.
        """
        return {}

    def auth_headers(self) -> Mapping[str, str]:
        """Credential headers, asked for every request (so a refresh takes effect)."""
        return {}

    def parse_item(self, item: Any) -> Mention | None:
        """Turn one raw item into a mention.

        Raise :class:`SkipItem` (or return ``None``) to drop an item on purpose. A pydantic
        ``ValidationError``, ``KeyError``, ``TypeError``, ``ValueError`` or ``IndexError`` skips
        the item and counts it as ``invalid_item``; a page fails with ``ParseError`` only when
        the invalid share passes ``Limits.skip_threshold``.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement parse_item")

    def item_id(self, item: Any) -> str | None:
        """A best-effort id of a raw item, for skip records (default: ``id``/``objectID``)."""
        if isinstance(item, dict):
            for key in ("id", "objectID", "uri", "name"):
                value = item.get(key)
                if isinstance(value, (str, int)) and not isinstance(value, bool):
                    return str(value)[:100]
        return None

    def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
        """Read the platform's rate-limit headers (default: none)."""
        return None

    def error_message(self, body: Any) -> str | None:
        """The platform's error message in a body, ``None`` if the body is not an error.

        The default understands ``{"error": "..."}``, ``{"error": {"message": "..."}}``,
        ``{"errors": [{"message": "..."}]}`` and ``{"error_message": "..."}``.
        """
        if not isinstance(body, dict):
            return None
        for key in ("error_message", "error", "errors", "message"):
            value = body.get(key)
            if isinstance(value, list) and value:
                value = value[0]
            if isinstance(value, dict):
                value = value.get("message") or value.get("detail") or value.get("title")
            if isinstance(value, str) and value:
                return value[:_MAX_DETAIL]
        return None

    def total_hits(self, body: Any) -> int | None:
        """The result count the platform reports for the query (used by ``slicer``)."""
        return None

    def refresh_auth(self) -> AuthFlow:
        """Renew credentials after a 401; a sub-flow that yields requests like ``fetch_page``.

        Return ``True`` when new credentials are in place (the request is retried once),
        ``False`` when this connector cannot refresh (the default: the 401 is an ``AuthError``).

        Examples:
            >>> class TokenConnector(HTTPConnector):
            ...     name = "tokened"
            ...     def refresh_auth(self):
            ...         response = yield RequestSpec(method="POST", url="https://auth.example/token")
            ...         self.token = response.json()["access_token"]
            ...         return True
        """
        return False
        yield  # pragma: no cover - makes this a generator

    # ------------------------------------------------------------------------ the flow

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """Fetch one page (see :class:`~social_listen.core.Source`).

        Args:
            query: What to collect.
            cursor: ``None`` to start a run, else ``Page.next_cursor`` (or ``state.cursor``).
            state: The state the page starts from.

        Raises:
            AuthError: 401 after one refresh, or 403.
            PlatformError: The platform answered with an error.
            ParseError: The body is not usable JSON, or too many items were invalid.
            PaginationLoop: The next-page token repeats one of this run.
        """
        run = self._decode_cursor(cursor) if cursor is not None else self._start_run(query, state)
        notes: list[str] = []
        window = TimeWindow(since=run.since, until=run.until)
        if run.plan is not None:
            if run.plan.current is None:  # nothing left: an empty window
                return self._finish(state, [], [], run=run, response=None, notes=notes, requests=0)
            window = run.plan.current

        url = self.build_url(query, state=state)
        params = _as_pairs(self.build_params(query, cursor=run.token, state=state, window=window))
        if self.page_size_param is not None and self.page_size is not None:
            params = [(k, v) for k, v in params if k != self.page_size_param]
            params.append((self.page_size_param, self.page_size))
        url, params = self.paginator.prepare(run.token, url=url, params=params)

        requests = 0

        def spec() -> RequestSpec:
            return RequestSpec(
                method=self.method,
                url=url,
                params=params,
                headers={**self.default_headers, **self.auth_headers()},
                expect=self.expect,
            )

        response = yield spec()
        requests += 1
        if response.status_code == 401:
            refresh = self.refresh_auth()
            refreshed, extra = yield from _counting(refresh)
            requests += extra
            if refreshed:
                response = yield spec()
                requests += 1
            if response.status_code == 401:
                raise AuthError(
                    "the credentials were refused (401)" + (" after a refresh" if refreshed else ""),
                    source=self.name,
                    hint="check or renew the credentials",
                )
        if response.status_code == 403:
            raise AuthError("access forbidden (403)", source=self.name, hint=self.forbidden_hint)
        if response.status_code == 304:
            return self._finish(state, [], [], run=run, response=response, notes=notes, requests=requests)
        if response.status_code >= 400:
            message = self._error_of(response)
            raise PlatformError(
                f"HTTP {response.status_code}" + (f": {message}" if message else ""),
                source=self.name,
                hint="check the query and the connector options",
            )

        body = load_json(response.content, source=self.name)
        try:
            raw_items = get_path(body, self.items_path)
        except KeyError:
            message = self.error_message(body)
            if message:
                raise PlatformError(
                    f"the platform answered with an error: {message}", source=self.name
                ) from None
            raise ParseError(
                f"the body has no {self.items_path!r}",
                source=self.name,
                hint="the platform's format may have changed",
            ) from None
        if not isinstance(raw_items, list):
            raise ParseError(f"{self.items_path or 'the body'} is not a list", source=self.name)

        if run.plan is not None and run.token is None and self.slicer is not None:
            total = self.total_hits(body)
            if total is not None:
                plan, accepted = self.slicer.on_total(run.plan, total)
                if not accepted:
                    notes.append("resliced")
                    run = run.model_copy(update={"plan": plan, "token": None, "history": PageHistory()})
                    return self._continue(
                        state, [], [], run=run, response=response, notes=notes, requests=requests
                    )
                run = run.model_copy(update={"plan": plan})

        mentions, skipped, reached_since = self._parse_items(raw_items, window=window, state=state, run=run)
        page_resp = PageResponse(response=response, body=body, items=raw_items, token=run.token, url=url)
        token = None if reached_since else self.paginator.next_page(page_resp)
        run = self._count_slice(run, mentions, served=len(raw_items))
        return self._advance(
            state, mentions, skipped, run=run, token=token, response=response, notes=notes, requests=requests
        )

    # ------------------------------------------------------------------------ internals

    def _start_run(self, query: Query, state: SourceState) -> _RunCursor:
        since = query.since
        incremental = state.since(self.limits.overlap)
        if incremental is not None and (since is None or incremental > since):
            since = incremental
        until = query.until
        plan = None
        if self.slicer is not None:
            plan = self.slicer.plan(since, until or self.now())
        return _RunCursor(since=since, until=until, plan=plan)

    def _decode_cursor(self, cursor: str) -> _RunCursor:
        try:
            return _RunCursor.model_validate_json(cursor)
        except ValidationError:
            raise ConfigError(
                "the cursor was not made by this connector",
                source=self.name,
                hint="start the run without a cursor or clear the stored state",
            ) from None

    def _error_of(self, response: httpx.Response) -> str | None:
        try:
            return self.error_message(load_json(response.content, source=self.name))
        except ParseError:
            text = response.text.strip()
            return text[:_MAX_DETAIL] if text and "<" not in text[:1] else None

    def _parse_items(
        self, raw_items: list[Any], *, window: TimeWindow, state: SourceState, run: _RunCursor
    ) -> tuple[list[Mention], list[SkippedItem], bool]:
        mentions: list[Mention] = []
        skipped: list[SkippedItem] = []
        seen: set[str] = set()
        invalid = 0
        reached_since = False
        future = self.now() + self.limits.future_skew
        newest_first = self.capabilities.order == "newest_first"
        for item in raw_items:
            try:
                mention = self.parse_item(item)
            except SkipItem as skip:
                skipped.append(
                    SkippedItem(reason=skip.reason, detail=skip.detail, item_id=self.item_id(item))
                )
                continue
            except _ITEM_ERRORS as exc:
                invalid += 1
                skipped.append(
                    SkippedItem(reason="invalid_item", detail=_describe(exc), item_id=self.item_id(item))
                )
                continue
            if mention is None:
                skipped.append(SkippedItem(reason="ignored", item_id=self.item_id(item)))
                continue
            when = mention.effective_time
            if window.since is not None and when < window.since:
                reached_since = reached_since or newest_first
                continue
            if window.until is not None and when >= window.until:
                continue
            if mention.native_id in seen or state.already_seen(mention):
                continue
            if (
                run.slice_oldest is not None
                and when == run.slice_oldest
                and mention.native_id in run.slice_oldest_ids
            ):
                continue
            seen.add(mention.native_id)
            mentions.append(self._finish_mention(mention, future=future))
        if invalid >= 2 and invalid > self.limits.skip_threshold * len(raw_items):
            raise ParseError(
                f"{invalid} of {len(raw_items)} items failed validation",
                source=self.name,
                hint="the platform's format may have changed; the page was skipped",
            )
        return mentions, skipped, reached_since

    def _finish_mention(self, mention: Mention, *, future: datetime) -> Mention:
        update: dict[str, Any] = {}
        flags = set(mention.flags)
        cap = self.limits.max_text_chars
        if len(mention.text) > cap:
            update["text"] = mention.text[:cap]
            flags.add("text_truncated")
        if mention.title is not None and len(mention.title) > cap:
            update["title"] = mention.title[:cap]
            flags.add("text_truncated")
        if mention.created_at > future or mention.effective_time > future:
            flags.add("date_future")
        if flags != mention.flags:
            update["flags"] = frozenset(flags)
        return mention.model_copy(update=update) if update else mention

    def _advance(
        self,
        state: SourceState,
        mentions: list[Mention],
        skipped: list[SkippedItem],
        *,
        run: _RunCursor,
        token: str | None,
        response: httpx.Response,
        notes: list[str],
        requests: int,
    ) -> Page:
        if token is not None:
            history = run.history.advance(token, source=self.name)
            run = run.model_copy(update={"token": token, "history": history})
            return self._continue(
                state, mentions, skipped, run=run, response=response, notes=notes, requests=requests
            )
        if run.plan is not None and self.slicer is not None:
            before = run.plan
            if run.slice_items >= self.slicer.result_cap and run.slice_oldest is not None:
                plan = self.slicer.on_cap_reached(before, oldest=run.slice_oldest)
                # Still in the same slice (shrunk below the oldest item): the items at the
                # oldest time come again and are dropped by id.
                keep_oldest = _same_start(plan.current, before.current)
            else:
                plan = self.slicer.next_slice(before)
                keep_oldest = False
            if not plan.done:
                run = run.model_copy(
                    update={
                        "plan": plan,
                        "token": None,
                        "history": PageHistory(),  # page tokens start over in a new slice
                        "slice_items": 0,
                        "slice_oldest": run.slice_oldest if keep_oldest else None,
                        "slice_oldest_ids": run.slice_oldest_ids if keep_oldest else frozenset(),
                    }
                )
                return self._continue(
                    state, mentions, skipped, run=run, response=response, notes=notes, requests=requests
                )
            run = run.model_copy(update={"plan": plan})
        return self._finish(
            state, mentions, skipped, run=run, response=response, notes=notes, requests=requests
        )

    def _count_slice(self, run: _RunCursor, mentions: list[Mention], *, served: int) -> _RunCursor:
        """Count the results the platform served in the slice and the oldest time kept."""
        if run.plan is None:
            return run
        oldest, ids = run.slice_oldest, set(run.slice_oldest_ids)
        for mention in mentions:
            when = mention.effective_time
            if oldest is None or when < oldest:
                oldest, ids = when, {mention.native_id}
            elif when == oldest:
                ids.add(mention.native_id)
        return run.model_copy(
            update={
                "slice_items": run.slice_items + served,
                "slice_oldest": oldest,
                "slice_oldest_ids": frozenset(ids),
            }
        )

    def _clamp(self) -> datetime:
        return self.now() + self.limits.future_skew

    def _continue(
        self,
        state: SourceState,
        mentions: list[Mention],
        skipped: list[SkippedItem],
        *,
        run: _RunCursor,
        response: httpx.Response | None,
        notes: list[str],
        requests: int,
    ) -> Page:
        next_cursor = run.model_dump_json(exclude_defaults=True)
        new_state = state.observe(mentions, clamp_to=self._clamp()).with_cursor(next_cursor)
        return self._page(
            mentions=mentions,
            skipped=skipped,
            next_cursor=next_cursor,
            state=new_state,
            run=run,
            response=response,
            notes=notes,
            requests=requests,
        )

    def _finish(
        self,
        state: SourceState,
        mentions: list[Mention],
        skipped: list[SkippedItem],
        *,
        run: _RunCursor,
        response: httpx.Response | None,
        notes: list[str],
        requests: int,
    ) -> Page:
        new_state = state.observe(mentions, clamp_to=self._clamp()).finish_run()
        return self._page(
            mentions=mentions,
            skipped=skipped,
            next_cursor=None,
            state=new_state,
            run=run,
            response=response,
            notes=notes,
            requests=requests,
        )

    def _page(
        self,
        *,
        mentions: list[Mention],
        skipped: list[SkippedItem],
        next_cursor: str | None,
        state: SourceState,
        run: _RunCursor,
        response: httpx.Response | None,
        notes: list[str],
        requests: int,
    ) -> Page:
        truncated = False
        if run.plan is not None:
            truncated = run.plan.truncated
            notes = [*notes, *(n for n in run.plan.notes if next_cursor is None)]
        return Page(
            mentions=tuple(mentions),
            next_cursor=next_cursor,
            state=state,
            rate_limit=self.rate_limit(response) if response is not None else None,
            skipped=tuple(skipped),
            notes=tuple(notes),
            truncated=truncated,
            requests=requests,
        )


def _same_start(a: TimeWindow | None, b: TimeWindow | None) -> bool:
    return a is not None and b is not None and a.since == b.since


def _as_pairs(params: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> Params:
    if isinstance(params, Mapping):
        return [(k, v) for k, v in params.items() if v is not None]
    return [(k, v) for k, v in params if v is not None]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        location = ".".join(str(p) for p in errors[0]["loc"]) if errors else ""
        message = errors[0]["msg"] if errors else "invalid"
        return f"{location}: {message}"[:_MAX_DETAIL] + (
            f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        )
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"[:_MAX_DETAIL] if exc.args else "missing field"
    return f"{type(exc).__name__}: {exc}"[:_MAX_DETAIL]


def _counting(flow: AuthFlow) -> Generator[RequestSpec, httpx.Response, tuple[bool, int]]:
    """Run a sub-flow and count the requests it yields."""
    count = 0
    try:
        request = next(flow)
    except StopIteration as stop:
        return bool(stop.value), 0
    while True:
        response = yield request
        count += 1
        try:
            request = flow.send(response)
        except StopIteration as stop:
            return bool(stop.value), count

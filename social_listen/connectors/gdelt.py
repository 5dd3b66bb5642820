"""News articles from the GDELT DOC 2.0 API (``mode=ArtList``), collected by time slices.

GDELT returns at most 250 articles per request and has no paging: the connector asks newest
first and, when a slice comes back full, continues below the oldest article it reached. The
API searches a rolling window of about three months (older ``since`` values are clamped and
noted), asks for one request every five seconds (every response says "none remaining for
five seconds" so the runner paces), dates articles ``YYYYMMDDTHHMMSSZ``, and answers query errors as plain
text with status 200, which become :class:`~social_listen.core.PlatformError`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from social_listen.connectors._native import native_search
from social_listen.connectors._parts import inspect_responses, run_parts
from social_listen.connectors._slicing import TimeSlicer, TimeWindow
from social_listen.connectors.base import HTTPConnector
from social_listen.connectors.pagination import SinglePage
from social_listen.core import (
    Capabilities,
    Limits,
    Mention,
    Page,
    PlatformError,
    Query,
    RateLimitInfo,
    RequestSpec,
    SourceState,
)

__all__ = ["GDELTConnector", "parse_gdelt_article"]

# Platform facts (https://blog.gdeltproject.org/gdelt-doc-2-0-api-debuts/, checked 2026-11):
# no auth; ``maxrecords`` <= 250 and no paging; a rolling window of about 3 months; one
# request per 5 seconds (429 otherwise); send a User-Agent; query errors come back as plain
# text with status 200; dates are ``YYYYMMDDHHMMSS`` (parameters) and ``YYYYMMDDTHHMMSSZ``
# (``seendate``); operators include ``near5:"a b"``, ``sourcecountry:``, ``sourcelang:``,
# ``domainis:``; phrases must be quoted and OR lists parenthesized.
GDELT_API = "https://api.gdeltproject.org"
GDELT_DOC_PATH = "/api/v2/doc/doc"
GDELT_MAX_RECORDS = 250
GDELT_WINDOW = timedelta(days=90)
GDELT_MIN_INTERVAL = 5.0
_SEENDATE_FORMAT = "%Y%m%dT%H%M%SZ"
_PARAM_FORMAT = "%Y%m%d%H%M%S"

# GDELT names languages in English; the ISO 639-1 codes of the common ones.
GDELT_LANGUAGES: Mapping[str, str] = {
    "Arabic": "ar", "Bengali": "bn", "Bulgarian": "bg", "Chinese": "zh", "Croatian": "hr",
    "Czech": "cs", "Danish": "da", "Dutch": "nl", "English": "en", "Estonian": "et",
    "Finnish": "fi", "French": "fr", "German": "de", "Greek": "el", "Hebrew": "he",
    "Hindi": "hi", "Hungarian": "hu", "Indonesian": "id", "Italian": "it", "Japanese": "ja",
    "Korean": "ko", "Latvian": "lv", "Lithuanian": "lt", "Malay": "ms", "Norwegian": "no",
    "Persian": "fa", "Polish": "pl", "Portuguese": "pt", "Romanian": "ro", "Russian": "ru",
    "Serbian": "sr", "Slovak": "sk", "Slovenian": "sl", "Spanish": "es", "Swedish": "sv",
    "Thai": "th", "Turkish": "tr", "Ukrainian": "uk", "Urdu": "ur", "Vietnamese": "vi",
}  # fmt: skip
_LANGUAGE_NAMES = {code: name.lower() for name, code in GDELT_LANGUAGES.items()}


def parse_gdelt_article(article: Mapping[str, Any], *, source: str = "gdelt") -> Mention:
    """Map one ``ArtList`` article to a mention, field by field.

    Args:
        article: One element of ``articles``.
        source: The ``Mention.source`` to store.

    Raises:
        KeyError: No ``url`` or ``seendate``.
        ValueError: ``seendate`` is not in GDELT's format.

    Examples:
        >>> m = parse_gdelt_article({"url": "https://n.test/a", "seendate": "20260228T101500Z",
        ...                          "title": "Acme", "language": "French", "domain": "n.test"})
        >>> m.native_id, m.language, m.created_at.isoformat()
        ('https://n.test/a', 'fr', '2026-02-28T10:15:00+00:00')
    """
    url = str(article["url"])
    seen = datetime.strptime(str(article["seendate"]), _SEENDATE_FORMAT).replace(tzinfo=UTC)
    language_name = article.get("language") or None
    domain = article.get("domain") or urlsplit(url).hostname
    extras = {
        "language_name": language_name,
        "sourcecountry": article.get("sourcecountry") or None,
        "socialimage": article.get("socialimage") or None,
        "url_mobile": article.get("url_mobile") or None,
    }
    return Mention(
        source=source,
        native_id=url,
        url=url,
        title=article.get("title") or None,
        text="",
        created_at=seen,
        language=GDELT_LANGUAGES.get(str(language_name)) if language_name else None,
        channel=domain,
        extras={k: v for k, v in extras.items() if v is not None},
        raw=dict(article),
    )


class GDELTConnector(HTTPConnector):
    """News articles from GDELT DOC 2.0 (``ArtList``), sliced by time under the 250 cap.

    Args:
        base_url: The API root (tests point it at a fake).
        limits: Overlap, text caps and the future-date skew.
        now: The clock.

    Examples:
        >>> from social_listen.core import Query, SourceState
        >>> request = next(GDELTConnector().fetch_page(Query(text="acme"), cursor=None, state=SourceState()))
        >>> dict(request.params)["mode"], dict(request.params)["maxrecords"]
        ('ArtList', 250)
    """

    name = "gdelt"
    capabilities = Capabilities(
        since_until=True, order="newest_first", max_page_size=GDELT_MAX_RECORDS, result_cap=GDELT_MAX_RECORDS
    )
    base_url = GDELT_API
    path = GDELT_DOC_PATH
    items_path = "articles"
    paginator = SinglePage()
    expect = "any"  # errors arrive as text/html with status 200; checked before parsing
    slicer = TimeSlicer(result_cap=GDELT_MAX_RECORDS)

    def __init__(
        self,
        *,
        base_url: str | None = None,
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(base_url=base_url, limits=limits, now=now)

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Sequence[tuple[str, Any]]:
        """The query, ``ArtList`` as JSON, newest first, and the slice as start/end times."""
        text = query.text
        names = [_LANGUAGE_NAMES[code] for code in query.languages if code in _LANGUAGE_NAMES]
        if len(names) == 1:
            text = f"{text} sourcelang:{names[0]}"
        elif names:
            text = f"{text} ({' OR '.join(f'sourcelang:{n}' for n in names)})"
        params: list[tuple[str, Any]] = [
            ("query", text),
            ("mode", "ArtList"),
            ("format", "json"),
            ("maxrecords", GDELT_MAX_RECORDS),
            ("sort", "DateDesc"),
        ]
        if window.since is not None:
            params.append(("startdatetime", window.since.astimezone(UTC).strftime(_PARAM_FORMAT)))
        if window.until is not None:
            params.append(("enddatetime", window.until.astimezone(UTC).strftime(_PARAM_FORMAT)))
        return params

    def parse_item(self, item: Any) -> Mention | None:
        """Map one article (see :func:`parse_gdelt_article`)."""
        return parse_gdelt_article(item, source=self.name)

    def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
        """GDELT's documented pace: no further request before five seconds have passed.

        Said in the runner's pacing dialect (nothing remaining until ``reset_at``), with
        ``retry_after`` for readers of the page.
        """
        return RateLimitInfo(
            limit=1,
            remaining=0,
            reset_at=self.now() + timedelta(seconds=GDELT_MIN_INTERVAL),
            retry_after=GDELT_MIN_INTERVAL,
        )

    def _check(self, response: httpx.Response) -> httpx.Response | None:
        if response.status_code != 200:
            return None
        body = response.content.strip()
        if not body or body == b"{}":
            # No matches: GDELT sends an empty object (or nothing) instead of an empty list.
            return httpx.Response(200, json={"articles": []}, headers=response.headers)
        if not body.startswith((b"{", b"[")):
            message = body[:300].decode("utf-8", "replace").strip()
            raise PlatformError(
                f"GDELT refused the query: {message}",
                source=self.name,
                hint="check the query syntax (phrases quoted, OR lists in parentheses, words of 3+ letters)",
            )
        return None

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """Fetch one slice; ``since`` is clamped to GDELT's three-month window."""
        search = native_search(query, self.name)
        floor = self.now() - GDELT_WINDOW
        notes = list(search.notes)
        since = query.since
        if since is None or since < floor:
            if since is not None:
                notes.append(f"window_clamped:{floor.isoformat()}")
            since = floor

        def part(
            native: str, inner: str | None, part_state: SourceState
        ) -> Generator[RequestSpec, httpx.Response, Page]:
            text = native if search.compiled else _quoted(native)
            sub = query.model_copy(update={"text": text, "name": query.label, "since": since})
            return inspect_responses(
                HTTPConnector.fetch_page(self, sub, cursor=inner, state=part_state), self._check
            )

        return (
            yield from run_parts(
                search.queries,
                part,
                query=query,
                cursor=cursor,
                state=state,
                connector=self,
                keep=None,  # GDELT matched the article body, which the API does not return
                notes=notes,
            )
        )


def _quoted(native: str) -> str:
    """GDELT wants phrases quoted: a bare multi-word term from the plain-term fallback is one."""
    text = native.strip()
    if " " in text and not any(ch in text for ch in '"():'):
        return f'"{text}"'
    return text

"""Safe sending of one request: deadlines, body caps, manual redirects, content types.

httpx has per-phase timeouts but no overall deadline, follows redirects without asking, and
reads whatever a server sends. :func:`send` and :func:`send_async` stream each response
and abort while reading when the raw (on-the-wire) or the decoded body passes its cap (a gzip
bomb is stopped by bounded decompression, a lying ``Content-Length`` by counting), when the
overall deadline passes (a slow drip of one byte every 0.2 s never trips a read timeout), or
when the body ends short. Redirects are followed by hand, at most ``Limits.max_redirects``
hops, each re-checked by the egress guard, with credentials dropped when the origin changes.
The returned response has its decoded body read, so a connector never parses a partial body.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import anyio
import httpx

from social_listen.core._egress import EgressGuard
from social_listen.core._errors import (
    ConfigError,
    ResponseError,
    ResponseTooLarge,
    SourceError,
    UnexpectedContentType,
)
from social_listen.core._limits import Limits
from social_listen.core._redact import redact, redact_url
from social_listen.core._retry import RetryableFailure

__all__ = ["BodyReader", "SendContext", "check_content_type", "send", "send_async"]

logger = logging.getLogger(__name__)

_CREDENTIAL_HEADER = re.compile(r"(?i)authorization|cookie|token|key|secret|session|signature|password|auth")
_SNIFF_HTML = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)
_FEED_START = re.compile(rb"^\s*<(?:\?xml|rss|feed|rdf:rdf)\b", re.IGNORECASE)


@dataclass(frozen=True)
class SendContext:
    """What the safe sender needs besides the request.

    Attributes:
        limits: Caps and timeouts.
        guard: The egress guard every hop passes.
        clock: Monotonic clock for the overall deadline.
        source: The connector name, for errors.
        on_send: Called once per request sent (redirect hops included), for counting.
    """

    limits: Limits
    guard: EgressGuard
    clock: Callable[[], float]
    source: str | None = None
    on_send: Callable[[], None] = lambda: None


class _Decoder:
    """Bounded decompression: never produces more than asked for (gzip bombs stay small)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.zlib = None if encoding == "identity" else zlib.decompressobj(self._wbits(encoding))
        self.raw_deflate = False

    @staticmethod
    def _wbits(encoding: str) -> int:
        return 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS

    def decode(self, data: bytes, limit: int) -> bytes:
        if self.zlib is None:
            return data[:limit]
        try:
            return self.zlib.decompress(data, limit)
        except zlib.error:
            if self.encoding == "deflate" and not self.raw_deflate:  # raw deflate without header
                self.raw_deflate = True
                self.zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.zlib.decompress(data, limit)
            raise

    @property
    def pending(self) -> bool:
        return self.zlib is not None and bool(self.zlib.unconsumed_tail)

    def more(self, limit: int) -> bytes:
        assert self.zlib is not None
        return self.zlib.decompress(self.zlib.unconsumed_tail, limit)

    @property
    def complete(self) -> bool:
        return self.zlib is None or self.zlib.eof or self.encoding == "deflate"


class BodyReader:
    """Sans-I/O body accumulator with raw and decoded caps and a truncation check.

    Args:
        response: The streaming response (its headers choose the decoder).
        max_raw: Raw body cap in bytes.
        max_decoded: Decoded body cap in bytes.
        source: The connector, for errors.

    Raises:
        ResponseTooLarge: ``Content-Length`` or the bytes read pass a cap.
        ResponseError: The content encoding is not one the client asked for.
    """

    def __init__(
        self, response: httpx.Response, *, max_raw: int, max_decoded: int, source: str | None
    ) -> None:
        # In-memory responses (mock transports) arrive already read and decoded.
        self.preread = response.is_stream_consumed
        self.source = source
        self.max_raw = max_raw
        self.max_decoded = max_decoded
        self.raw = 0
        self.decoded = 0
        self.parts: list[bytes] = []
        encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",")]
        encodings = [e for e in encodings if e and e != "identity" and not self.preread]
        if len(encodings) > 1 or (encodings and encodings[0] not in ("gzip", "x-gzip", "deflate")):
            raise ResponseError(
                f"unsupported content-encoding {response.headers['content-encoding']!r}",
                source=source,
                hint="the client asks for gzip or deflate only",
            )
        self.decoder = _Decoder(encodings[0] if encodings else "identity")
        self.expected = None if self.preread else _content_length(response)
        if self.expected is not None and self.expected > max_raw:
            raise self._too_large(f"declares {self.expected} bytes")

    def _too_large(self, what: str) -> ResponseTooLarge:
        return ResponseTooLarge(
            f"the response {what}, over the cap of {self.max_raw} raw / {self.max_decoded} decoded bytes",
            source=self.source,
        )

    def feed(self, chunk: bytes) -> None:
        """Add one raw chunk; raises as soon as a cap is passed."""
        self.raw += len(chunk)
        if self.raw > self.max_raw:
            raise self._too_large(f"passed {self.max_raw} bytes on the wire")
        try:
            self._keep(self.decoder.decode(chunk, self.max_decoded - self.decoded + 1))
            while self.decoder.pending:
                self._keep(self.decoder.more(self.max_decoded - self.decoded + 1))
        except zlib.error as exc:
            raise RetryableFailure(f"corrupt compressed body: {exc}") from None

    def _keep(self, data: bytes) -> None:
        self.decoded += len(data)
        if self.decoded > self.max_decoded:
            raise self._too_large(f"decodes to more than {self.max_decoded} bytes")
        if data:
            self.parts.append(data)

    def body(self) -> bytes:
        """The whole decoded body; a short or unfinished body is a retryable failure."""
        if self.expected is not None and self.raw != self.expected:
            raise RetryableFailure(f"truncated body: {self.raw} of {self.expected} bytes")
        if not self.decoder.complete:
            raise RetryableFailure("truncated body: the compressed stream did not end")
        return b"".join(self.parts)

    def response(self, streamed: httpx.Response) -> httpx.Response:
        """A plain response with the decoded body, for the connector."""
        headers = httpx.Headers(streamed.headers)
        headers.pop("content-encoding", None)
        headers.pop("transfer-encoding", None)
        body = self.body()
        headers["content-length"] = str(len(body))
        final = httpx.Response(
            streamed.status_code,
            headers=headers,
            content=body,
            request=streamed.request,
            extensions={k: v for k, v in streamed.extensions.items() if k != "network_stream"},
        )
        final.read()
        return final


def _content_length(response: httpx.Response) -> int | None:
    if response.status_code in (204, 304) or response.request.method == "HEAD":
        return None
    if "chunked" in response.headers.get("transfer-encoding", "").lower():
        return None
    value = response.headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _transport_failure(exc: httpx.TransportError, ctx: SendContext) -> Exception:
    if isinstance(exc, httpx.UnsupportedProtocol):
        return ConfigError(f"unsupported URL: {redact(str(exc))}", source=ctx.source)
    if isinstance(exc, httpx.LocalProtocolError):
        return SourceError(f"the request could not be sent: {redact(str(exc))}", source=ctx.source)
    detail = redact(str(exc)) or "no detail"
    return RetryableFailure(f"{type(exc).__name__}: {detail}")


def _check_deadline(deadline: float, ctx: SendContext) -> None:
    if ctx.clock() > deadline:
        raise RetryableFailure(f"the overall request deadline of {ctx.limits.request_deadline:.0f}s passed")


def _same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return a.scheme == b.scheme and a.host == b.host and a.port == b.port


def _next_hop(response: httpx.Response, hops: int, ctx: SendContext) -> httpx.Request | None:
    """The redirect request to follow, re-checked and stripped of credentials, or ``None``."""
    following = response.next_request
    if following is None:
        return None
    if hops >= ctx.limits.max_redirects:
        raise SourceError(
            f"more than {ctx.limits.max_redirects} redirects from {redact_url(response.request.url)}",
            source=ctx.source,
            hint="the URL may be wrong or the server misconfigured",
        )
    ctx.guard.check_url(following.url, source=ctx.source)
    origin = response.request.url
    upgrade = (
        origin.scheme == "http" and following.url.scheme == "https" and origin.host == following.url.host
    )
    if not _same_origin(origin, following.url) and not upgrade:
        for name in list(following.headers.keys()):
            if name.lower() != "host" and _CREDENTIAL_HEADER.search(name):
                del following.headers[name]
    logger.debug("redirect %d -> %s", response.status_code, redact_url(following.url))
    return following


class _Walk:
    """One request's way through redirects, sans I/O: what to send next, what to read."""

    def __init__(self, request: httpx.Request, ctx: SendContext) -> None:
        self.request = request
        self.ctx = ctx
        self.hops = 0
        self.deadline = ctx.clock() + ctx.limits.request_deadline

    def outgoing(self) -> httpx.Request:
        """The next request to send, checked by the egress guard and counted."""
        _check_deadline(self.deadline, self.ctx)
        self.ctx.guard.check_url(self.request.url, source=self.ctx.source)
        self.ctx.on_send()
        return self.request

    def route(self, streamed: httpx.Response) -> BodyReader | None:
        """A reader for the final response's body, or ``None`` to follow a redirect."""
        following = _next_hop(streamed, self.hops, self.ctx)
        if following is not None:
            self.request, self.hops = following, self.hops + 1
            return None
        limits = self.ctx.limits
        return BodyReader(
            streamed,
            max_raw=limits.max_body_bytes,
            max_decoded=limits.max_decoded_bytes,
            source=self.ctx.source,
        )

    def feed(self, reader: BodyReader, chunk: bytes) -> None:
        """Add a chunk to the body, within the caps and the deadline."""
        reader.feed(chunk)
        _check_deadline(self.deadline, self.ctx)


@contextmanager
def _transport_errors(ctx: SendContext) -> Iterator[None]:
    try:
        yield
    except httpx.TransportError as exc:
        raise _transport_failure(exc, ctx) from exc


def send(client: httpx.Client, request: httpx.Request, ctx: SendContext) -> httpx.Response:
    """Send ``request`` safely and return the final response with its body read.

    Raises:
        RetryableFailure: A transport error, deadline, truncated or corrupt body.
        ResponseTooLarge: A body over a cap.
        EgressBlocked: A hop points to a refused address.
        SourceError: Too many redirects.
    """
    walk = _Walk(request, ctx)
    while True:
        with _transport_errors(ctx):
            streamed = client.send(walk.outgoing(), stream=True, follow_redirects=False)
        try:
            with _transport_errors(ctx):
                reader = walk.route(streamed)
                if reader is not None:
                    for chunk in [streamed.content] if reader.preread else streamed.iter_raw():
                        walk.feed(reader, chunk)
                    return reader.response(streamed)
        finally:
            streamed.close()


async def send_async(client: httpx.AsyncClient, request: httpx.Request, ctx: SendContext) -> httpx.Response:
    """The async twin of :func:`send` (same checks, same errors).

    In async code the overall deadline is also enforced by cancellation, so it holds even
    while a connect or a single read is waiting.
    """
    with anyio.move_on_after(ctx.limits.request_deadline):
        return await _send_async(client, request, ctx)
    raise RetryableFailure(f"the overall request deadline of {ctx.limits.request_deadline:.0f}s passed")


async def _send_async(client: httpx.AsyncClient, request: httpx.Request, ctx: SendContext) -> httpx.Response:
    walk = _Walk(request, ctx)
    while True:
        with _transport_errors(ctx):
            streamed = await client.send(walk.outgoing(), stream=True, follow_redirects=False)
        try:
            with _transport_errors(ctx):
                reader = walk.route(streamed)
                if reader is not None:
                    async for chunk in _once(streamed.content) if reader.preread else streamed.aiter_raw():
                        walk.feed(reader, chunk)
                    return reader.response(streamed)
        finally:
            await streamed.aclose()


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _snippet(body: bytes) -> str:
    text = body[:200].decode("utf-8", "replace")
    text = " ".join(text.split())[:80]
    return redact(text)


def check_content_type(response: httpx.Response, *, expect: str, source: str | None) -> None:
    """Refuse a 2xx body that is not what the connector can parse (an HTML error page).

    Args:
        response: The final response, body read.
        expect: ``"json"``, ``"xml"``, ``"html"``, ``"text"`` or ``"any"``.
        source: The connector, for the error.

    Raises:
        UnexpectedContentType: With the content type and a short redacted snippet.
    """
    if expect == "any" or not response.is_success or not response.content:
        return
    mime = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    head = response.content[:512].lstrip(b"\xef\xbb\xbf")
    html = _SNIFF_HTML.match(head) is not None
    neutral = mime in ("", "text/plain", "application/octet-stream")
    if expect == "json":
        ok = not html and ("json" in mime or neutral or mime in ("text/javascript", "application/javascript"))
    elif expect == "xml":
        feedish = "xml" in mime or "rss" in mime or "atom" in mime or "rdf" in mime
        ok = not html and (feedish or neutral or _FEED_START.match(head) is not None)
    elif expect == "html":
        ok = "html" in mime or neutral or html
    else:
        ok = mime.startswith("text/") or neutral or "json" in mime or "xml" in mime
    if not ok:
        raise UnexpectedContentType(
            f"expected {expect} but got {mime or 'no content type'}{' (an HTML page)' if html else ''}: "
            f"{_snippet(response.content)!r}",
            source=source,
        )

"""The client against real loopback servers: slow drips, stalls, garbage, refusals, DNS pinning."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence

import pytest
from client_support import QUERY, THREE_PAGES, PagedSource, Sleeps

from social_listen import AsyncClient, Client, EgressBlocked, Limits, SourceUnavailable

pytestmark = pytest.mark.integration

Handler = Callable[[socket.socket], None]
PAGE_3 = json.dumps(THREE_PAGES["3"]).encode()


def http_ok(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


class RawServer:
    """A loopback TCP server answering connection n with ``handlers[min(n, last)]``."""

    def __init__(self, handlers: Sequence[Handler]) -> None:
        self.handlers = list(handlers)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.requests: list[bytes] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            handler = self.handlers[min(self.connections, len(self.handlers) - 1)]
            self.connections += 1
            with conn:
                conn.settimeout(5)
                try:
                    self.requests.append(conn.recv(65536))
                    handler(conn)
                except OSError:
                    pass

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(2)
        self.sock.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/items"


@pytest.fixture
def serve() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(*handlers: Handler) -> RawServer:
        server = RawServer(handlers)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def loopback_client(limits: Limits, sleeps: Sleeps | None = None) -> Client:
    sleeps = sleeps or Sleeps()
    return Client(limits=limits, sleep=sleeps, random=lambda: 0.0, allow_networks=["127.0.0.0/8"])


def drip(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(1000):
        conn.sendall(b" ")
        time.sleep(0.2)


def stall(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
    time.sleep(1)


def garbage(conn: socket.socket) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff\xfe binary junk \r\n\r\n")


def good(conn: socket.socket) -> None:
    conn.sendall(http_ok(PAGE_3))


@pytest.mark.reliability(2)
def test_slow_drip_body_is_cut_by_the_overall_deadline(serve: Callable[..., RawServer]) -> None:
    server = serve(drip)
    limits = Limits(request_deadline=1.0, read_timeout=0.5, max_attempts=1)
    started = time.monotonic()
    with loopback_client(limits) as client:
        result = client.fetch(PagedSource(url=server.url), QUERY)
    elapsed = time.monotonic() - started
    assert isinstance(result.error, SourceUnavailable)
    assert "deadline" in str(result.error)
    assert elapsed < 2.5  # the deadline, not the 200 s the drip would take


@pytest.mark.reliability(2)
def test_a_stalled_server_hits_the_read_timeout(serve: Callable[..., RawServer]) -> None:
    server = serve(stall)
    limits = Limits(read_timeout=0.3, max_attempts=2)
    sleeps = Sleeps()
    with loopback_client(limits, sleeps) as client:
        result = client.fetch(PagedSource(url=server.url), QUERY)
    assert isinstance(result.error, SourceUnavailable)
    assert "ReadTimeout" in str(result.error)
    assert result.completeness.retries == 1
    assert result.completeness.requests == 2


@pytest.mark.reliability(3)
def test_non_http_bytes_are_retried_and_never_parsed(serve: Callable[..., RawServer]) -> None:
    server = serve(garbage, good)
    source = PagedSource(url=server.url)
    with loopback_client(Limits()) as client:
        result = client.fetch(source, QUERY)
    assert result.ok
    assert [m.native_id for m in result.mentions] == ["7", "8", "9"]
    assert server.connections == 2
    assert [r.content for r in source.seen_responses] == [PAGE_3]


@pytest.mark.reliability(3)
def test_non_http_bytes_forever_end_in_source_unavailable(serve: Callable[..., RawServer]) -> None:
    server = serve(garbage)
    with loopback_client(Limits(max_attempts=3)) as client:
        result = client.fetch(PagedSource(url=server.url), QUERY)
    assert isinstance(result.error, SourceUnavailable)
    assert server.connections == 3


@pytest.mark.reliability(1)
def test_connection_refused_on_loopback(serve: Callable[..., RawServer]) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    sleeps = Sleeps()
    with loopback_client(Limits(max_attempts=3), sleeps) as client:
        result = client.fetch(PagedSource(url=f"http://127.0.0.1:{port}/items"), QUERY)
    assert isinstance(result.error, SourceUnavailable)
    assert "ConnectError" in str(result.error)
    assert len(sleeps.waits) == 2


@pytest.mark.reliability(26)
def test_dns_is_pinned_and_a_redirect_to_a_refused_host_is_blocked(serve: Callable[..., RawServer]) -> None:
    def redirect(conn: socket.socket) -> None:
        location = f"http://evil.example.org:{server.port}/items"
        conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode())

    server = serve(redirect)
    lookups: list[str] = []

    def resolver(host: str, port: int) -> Sequence[str]:
        lookups.append(host)
        return ["127.0.0.1"]  # both names point at loopback; only good.example.org is allowed

    url = f"http://good.example.org:{server.port}/items"
    with Client(allow_hosts=["good.example.org"], resolver=resolver, sleep=Sleeps()) as client:
        result = client.fetch(PagedSource(url=url), QUERY)
    assert isinstance(result.error, EgressBlocked)
    assert "loopback" in str(result.error)
    assert lookups == ["good.example.org", "evil.example.org"]
    assert server.connections == 1
    assert f"Host: good.example.org:{server.port}".encode() in server.requests[0]


@pytest.mark.reliability(2)
async def test_async_slow_drip_is_cut_by_the_deadline(serve: Callable[..., RawServer]) -> None:
    server = serve(drip)
    limits = Limits(request_deadline=1.0, read_timeout=0.5, max_attempts=1)
    sleeps = Sleeps()
    async with AsyncClient(limits=limits, sleep=sleeps.asleep, allow_networks=["127.0.0.0/8"]) as client:
        result = await client.fetch(PagedSource(url=server.url), QUERY)
    assert isinstance(result.error, SourceUnavailable)
    assert "deadline" in str(result.error)


async def test_async_client_over_a_real_socket(serve: Callable[..., RawServer]) -> None:
    server = serve(good)
    async with AsyncClient(allow_networks=["127.0.0.0/8"]) as client:
        result = await client.fetch(PagedSource(url=server.url), QUERY)
    assert result.ok
    assert len(result.mentions) == 3


def silent(conn: socket.socket) -> None:
    time.sleep(1.5)  # accepts the connection and never answers


@pytest.mark.reliability(2)
async def test_async_deadline_cancels_a_single_long_read(serve: Callable[..., RawServer]) -> None:
    server = serve(silent)
    limits = Limits(request_deadline=0.4, read_timeout=5.0, max_attempts=1)
    started = time.monotonic()
    async with AsyncClient(limits=limits, sleep=Sleeps().asleep, allow_networks=["127.0.0.0/8"]) as client:
        result = await client.fetch(PagedSource(url=server.url), QUERY)
    assert isinstance(result.error, SourceUnavailable)
    assert "deadline" in str(result.error)
    assert time.monotonic() - started < 1.2  # not the 5 s read timeout

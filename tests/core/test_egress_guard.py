"""The egress guard: refused ranges, numeric host forms, DNS pinning, proxies and userinfo."""

from __future__ import annotations

import ipaddress
import typing
from collections.abc import Sequence

import httpcore
import httpx
import pytest
from client_support import QUERY, PagedSource, Platform, Sleeps

from social_listen import Client, ConfigError, EgressBlocked, EgressGuard
from social_listen.core._egress import GuardedAsyncTransport, GuardedTransport, refusal_reason

REFUSED_HOSTS = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.254",
    "0.0.0.0",
    "224.0.0.251",
    "240.0.0.1",
    "255.255.255.255",
    "[::1]",
    "[::]",
    "[fe80::1]",
    "[fc00::1]",
    "[fd00:ec2::254]",
    "[ff02::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:8.8.8.8]",
    "[64:ff9b::7f00:1]",
    "[64:ff9b::808:808]",
    "[2002:7f00:1::1]",
    "[2002:a00:1::1]",
    # numeric forms that inet_aton (and so many HTTP stacks) read as 127.0.0.1
    "2130706433",
    "0x7f000001",
    "017700000001",
    "127.1",
    "0x7f.1",
    "127.0.0.1.",
    "localhost",
    "LOCALHOST",
    "api.localhost",
    "metadata.google.internal",
]


@pytest.mark.reliability(25)
@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_refused_hosts(host: str) -> None:
    with pytest.raises(EgressBlocked):
        EgressGuard().check_url(f"http://{host}/feed.xml")


@pytest.mark.reliability(25)
def test_dotted_octal_that_httpx_cannot_parse_is_refused_too() -> None:
    with pytest.raises(ConfigError, match="Invalid IPv4"):
        EgressGuard().check_url("http://0177.0.0.1/")


@pytest.mark.reliability(25)
@pytest.mark.parametrize(
    "host", ["93.184.215.14", "[2606:4700:4700::1111]", "[2002:5db8:d70e::1]", "example.org", "1.example.org"]
)
def test_public_hosts_pass(host: str) -> None:
    assert EgressGuard().check_url(f"https://{host}/feed.xml").scheme == "https"


@pytest.mark.reliability(25)
def test_refusal_reasons_name_the_range() -> None:
    def reason(text: str) -> str | None:
        return refusal_reason(ipaddress.ip_address(text))

    assert reason("169.254.169.254") == "cloud metadata"
    assert reason("fd00:ec2::254") == "cloud metadata"
    assert reason("100.64.0.1") == "CGNAT"
    assert reason("::ffff:1.2.3.4") == "IPv4-mapped IPv6"
    assert reason("64:ff9b::1.2.3.4") == "NAT64"
    assert reason("2002:c0a8:101::1") == "6to4 of a private address"
    assert reason("2002:5db8:d70e::1") is None
    assert reason("8.8.8.8") is None


@pytest.mark.reliability(25)
def test_allow_lists_open_exactly_what_they_name() -> None:
    guard = EgressGuard(allow_networks=["127.0.0.0/8"], allow_hosts=["intranet.corp.test", "*.lab.test"])
    guard.check_url("http://127.0.0.1:8080/")
    guard.check_url("http://2130706433/")
    with pytest.raises(EgressBlocked):
        guard.check_url("http://10.0.0.1/")
    with pytest.raises(EgressBlocked):
        guard.check_url("http://[::1]/")

    private = EgressGuard(
        allow_hosts=["intranet.corp.test", "*.lab.test"], resolver=lambda h, p: ["10.9.8.7"]
    )
    assert private.resolve("intranet.corp.test", 443) == [ipaddress.ip_address("10.9.8.7")]
    assert private.resolve("a.b.lab.test", 443) == [ipaddress.ip_address("10.9.8.7")]
    with pytest.raises(EgressBlocked, match="private"):
        private.resolve("other.corp.test", 443)


@pytest.mark.reliability(25)
def test_every_resolved_address_must_be_public() -> None:
    guard = EgressGuard(resolver=lambda host, port: ["93.184.215.14", "10.0.0.9"])
    with pytest.raises(EgressBlocked, match=r"10\.0\.0\.9"):
        guard.resolve("mixed.example.org", 443)


@pytest.mark.reliability(25)
def test_a_host_resolving_to_a_private_address_is_refused_under_the_client() -> None:
    lookups: list[str] = []

    def resolver(host: str, port: int) -> Sequence[str]:
        lookups.append(host)
        return ["192.168.0.10"]

    sleeps = Sleeps()
    with Client(sleep=sleeps, clock=sleeps.clock, resolver=resolver) as client:
        result = client.fetch(PagedSource(url="https://feeds.example.org/rss"), QUERY)
    assert isinstance(result.error, EgressBlocked)
    assert "192.168.0.10" in str(result.error)
    assert lookups == ["feeds.example.org"]  # refused, not retried
    assert sleeps.waits == []


class RecordingBackend(httpcore.MockBackend):
    """A network backend that records where it was asked to connect, and the TLS SNI."""

    def __init__(self) -> None:
        super().__init__(
            [b"HTTP/1.1 200 OK\r\n", b"Content-Type: application/json\r\n", b"Content-Length: 2\r\n\r\n{}"]
        )
        self.connects: list[tuple[str, int]] = []
        self.sni: list[str | None] = []

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        self.connects.append((host, port))
        stream = super().connect_tcp(host, port, timeout, local_address, socket_options)
        sni = self.sni

        class Stream(httpcore.MockStream):
            def start_tls(
                self, ssl_context: object, server_hostname: str | None = None, timeout: float | None = None
            ) -> httpcore.NetworkStream:  # type: ignore[override]
                sni.append(server_hostname)
                return self

        recorded = Stream([])
        recorded._buffer = stream._buffer  # type: ignore[attr-defined]
        return recorded


class Rebinder:
    """A DNS server that answers a public address first and a private one afterwards."""

    def __init__(self) -> None:
        self.answers = [["93.184.215.14"], ["10.0.0.1"]]
        self.calls = 0

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls += 1
        return self.answers[min(self.calls - 1, 1)]


@pytest.mark.reliability(26)
def test_the_connection_goes_to_the_checked_address_and_keeps_sni_and_host() -> None:
    dns = Rebinder()
    transport = GuardedTransport(EgressGuard(resolver=dns))
    backend = RecordingBackend()
    transport._pool._network_backend.inner = backend  # type: ignore[attr-defined]
    with httpx.Client(transport=transport) as client:
        response = client.get("https://rebind.example.org/api")
    assert response.json() == {}
    assert dns.calls == 1  # resolved once: no second lookup to rebind
    assert backend.connects == [("93.184.215.14", 443)]
    assert backend.sni == ["rebind.example.org"]
    assert response.request.headers["host"] == "rebind.example.org"


@pytest.mark.reliability(26)
async def test_async_connection_goes_to_the_checked_address() -> None:
    dns = Rebinder()
    dns.answers = [["10.0.0.1"], ["93.184.215.14"]]
    transport = GuardedAsyncTransport(EgressGuard(resolver=dns))
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(EgressBlocked):
            await client.get("http://rebind.example.org/api")
    assert dns.calls == 1


@pytest.mark.reliability(27)
def test_environment_proxies_and_netrc_are_ignored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: typing.Any
) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine api.example.test login someone password fake-netrc-password\n")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://proxy.attacker.test:8080")
    monkeypatch.setenv("NETRC", str(netrc))
    platform = Platform()
    with Client(transport=platform.transport()) as client:
        assert client.fetch(PagedSource(), QUERY).ok
        assert client.http.trust_env is False
    assert all("authorization" not in r.headers for r in platform.requests)
    with Client() as client:
        assert client.http._mounts == {}
        assert isinstance(client.http._transport, GuardedTransport)
        assert isinstance(client.http._transport._pool, httpcore.ConnectionPool)


@pytest.mark.reliability(27)
def test_userinfo_in_a_url_is_a_config_error_without_echoing_it() -> None:
    with pytest.raises(ConfigError, match="credentials in the URL") as caught:
        EgressGuard().check_url("https://alice:fake-pass-123@feeds.example.org/rss")
    assert "fake-pass-123" not in str(caught.value)
    with Client(transport=Platform().transport()) as client:
        result = client.fetch(PagedSource(url="https://alice:fake-pass-123@feeds.example.org/rss"), QUERY)
    assert isinstance(result.error, ConfigError)
    assert "fake-pass-123" not in str(result.error)


@pytest.mark.reliability(27)
@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://example.org/", "//example.org"]
)
def test_non_http_schemes_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        EgressGuard().check_url(url)


@pytest.mark.reliability(27)
def test_explicit_proxy_option() -> None:
    with Client(proxy="http://proxy.corp.test:3128") as client:
        transport = client.http._transport
        assert isinstance(transport, GuardedTransport)
        assert isinstance(transport._pool, httpcore.HTTPProxy)
    with pytest.raises(ConfigError):
        Client(proxy="ftp://proxy.corp.test")
    with pytest.raises(ConfigError, match="not both"):
        Client(
            proxy="http://proxy.corp.test:3128", transport=httpx.MockTransport(lambda r: httpx.Response(200))
        )


@pytest.mark.reliability(25)
def test_through_a_proxy_the_target_is_still_checked_by_dns() -> None:
    transport = GuardedTransport(
        EgressGuard(resolver=lambda h, p: ["172.20.0.5"]), proxy="http://proxy.corp.test:3128"
    )
    with httpx.Client(transport=transport) as client, pytest.raises(EgressBlocked):
        client.get("https://internal-looking.example.org/")

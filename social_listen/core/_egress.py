"""The egress guard: outbound requests may only reach public addresses (SSRF defence).

Feed URLs, instance hosts and webhooks come from users, so every request the clients send
passes :class:`EgressGuard`. URL checks (scheme, userinfo, literal and numeric IP hosts such
as ``2130706433``, ``0x7f000001`` or ``127.1``, ``localhost`` names) run on every hop of every
request. The default transports resolve DNS once per connection, check every address, and
connect to the checked address (httpcore keeps the hostname for TLS SNI and ``Host``), so DNS
rebinding cannot swap in a private address between the check and the connect. Refused:
loopback, private, link-local, CGNAT, cloud metadata, unspecified, multicast, reserved,
IPv4-mapped IPv6, NAT64 and 6to4 carrying a refused IPv4. ``allow_hosts`` and
``allow_networks`` open exactly what the user names.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import typing
from collections.abc import Callable, Iterable, Sequence

import anyio.to_thread
import httpcore
import httpx
from httpcore._backends.auto import AutoBackend

from social_listen.core._errors import ConfigError, EgressBlocked
from social_listen.core._redact import redact_url

__all__ = ["EgressGuard", "GuardedAsyncTransport", "GuardedTransport", "Resolver"]

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
"""Resolves ``(host, port)`` to IP address strings (``socket.getaddrinfo`` by default)."""

_SCHEMES = frozenset({"http", "https"})
_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.IGNORECASE)
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "metadata.google.internal")
_METADATA = (ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"))
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _system_resolver(host: str, port: int) -> Sequence[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address of a numeric host in any form ``inet_aton`` accepts (``127.1``, hex...)."""
    if not _NUMERIC_HOST.match(host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
    except OSError:
        return None


def refusal_reason(address: IPAddress) -> str | None:
    """Why an address may not be reached, or ``None`` when it is a public unicast address.

    Examples:
        >>> refusal_reason(ipaddress.ip_address("10.1.2.3"))
        'private'
        >>> refusal_reason(ipaddress.ip_address("93.184.215.14")) is None
        True
    """
    if address in _METADATA:
        return "cloud metadata"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return "IPv4-mapped IPv6"
        if any(address in net for net in _NAT64):
            return "NAT64"
        if address.sixtofour is not None:
            inner = refusal_reason(address.sixtofour)
            return None if inner is None else f"6to4 of a {inner} address"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "CGNAT"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if address.is_reserved or not address.is_global:
        return "reserved"
    return None


class EgressGuard:
    """Decides which URLs and addresses outbound requests may reach.

    Args:
        allow_hosts: Host names (exact, case-insensitive; ``*.example.org`` for subdomains)
            whose addresses are not checked, e.g. an intranet API.
        allow_networks: Networks that may be reached although refused by default, e.g.
            ``"127.0.0.0/8"`` for a fake platform served on loopback in tests.
        resolver: DNS resolution, injectable for tests.

    Examples:
        >>> guard = EgressGuard(allow_networks=["127.0.0.0/8"])
        >>> guard.check_url("http://127.0.0.1:8080/feed").host
        '127.0.0.1'
        >>> EgressGuard().check_url("http://2130706433/")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        social_listen.core._errors.EgressBlocked: http://2130706433/ points to 127.0.0.1, ...
    """

    def __init__(
        self,
        *,
        allow_hosts: Iterable[str] = (),
        allow_networks: Iterable[str] = (),
        resolver: Resolver | None = None,
    ) -> None:
        self.allow_hosts = frozenset(h.lower().rstrip(".") for h in allow_hosts)
        try:
            self.allow_networks = tuple(ipaddress.ip_network(n, strict=False) for n in allow_networks)
        except ValueError as exc:
            raise ConfigError(f"allow_networks has an invalid network: {exc}") from None
        self.resolver = resolver or _system_resolver

    def host_allowed(self, host: str) -> bool:
        """True when ``host`` is on the allow-list (its addresses are then not checked)."""
        host = host.lower().rstrip(".")
        if host in self.allow_hosts:
            return True
        return any(p.startswith("*.") and host.endswith(p[1:]) for p in self.allow_hosts)

    def address_refused(self, address: IPAddress) -> str | None:
        """Why ``address`` is refused (``None`` when allowed, by default or by the allow-list)."""
        if any(address.version == net.version and address in net for net in self.allow_networks):
            return None
        return refusal_reason(address)

    def check_url(self, url: str | httpx.URL, *, source: str | None = None) -> httpx.URL:
        """Check a URL without DNS: scheme, userinfo, literal and numeric addresses, names.

        Args:
            url: The URL about to be requested (or a redirect target).
            source: The connector, for the error.

        Returns:
            The parsed URL.

        Raises:
            ConfigError: Not http(s), userinfo in the URL, or no host.
            EgressBlocked: The host is a refused address or a local name.
        """
        try:
            parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise ConfigError(f"invalid URL {redact_url(url)}: {exc}", source=source) from None
        shown = redact_url(parsed)
        if parsed.scheme not in _SCHEMES:
            raise ConfigError(
                f"{shown} is not an http(s) URL", source=source, hint="use an http:// or https:// URL"
            )
        if parsed.userinfo:
            raise ConfigError(
                f"{shown} carries credentials in the URL",
                source=source,
                hint="pass credentials through the connector's options, never inside the URL",
            )
        host = parsed.host
        if not host:
            raise ConfigError(f"{shown} has no host", source=source)
        if self.host_allowed(host):
            return parsed
        lowered = host.lower().rstrip(".")
        if lowered in _LOCAL_NAMES or lowered.endswith(".localhost"):
            raise EgressBlocked(f"{shown} names a local host", source=source)
        address = _literal_address(host)
        if address is not None:
            self._refuse(address, shown=shown, source=source)
        return parsed

    def resolve(self, host: str, port: int, *, source: str | None = None) -> list[IPAddress]:
        """Resolve ``host`` once and check every address it has.

        Returns:
            The checked addresses, to connect to directly.

        Raises:
            EgressBlocked: Any address is refused (all of them must be public).
            OSError: DNS resolution failed.
        """
        literal = _literal_address(host)
        if literal is not None:
            addresses: list[IPAddress] = [literal]
        else:
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in self.resolver(host, port)]
        if not addresses:
            raise OSError(f"no address for {host}")
        if not self.host_allowed(host):
            for address in addresses:
                self._refuse(address, shown=host, source=source)
        return list(dict.fromkeys(addresses))

    def _refuse(self, address: IPAddress, *, shown: str, source: str | None) -> None:
        reason = self.address_refused(address)
        if reason is not None:
            article = "an" if reason[0].lower() in "aeiou" else "a"
            raise EgressBlocked(f"{shown} points to {address}, {article} {reason} address", source=source)


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return _legacy_ipv4(host)


def _connect_error(exc: OSError, host: str) -> httpcore.ConnectError:
    return httpcore.ConnectError(f"could not resolve or connect to {host}: {exc}")


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves once, checks, then connects to the checked address (sync)."""

    def __init__(self, guard: EgressGuard) -> None:
        self.guard = guard
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self.guard.resolve(host, port)
        except EgressBlocked:
            raise
        except OSError as exc:
            raise _connect_error(exc, host) from exc
        error: Exception | None = None
        for address in addresses:
            try:
                return self.inner.connect_tcp(str(address), port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error or _connect_error(OSError("no address"), host)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise EgressBlocked("unix sockets are not allowed for outbound requests")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class _AsyncGuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves once (in a worker thread), checks, then connects to the checked address."""

    def __init__(self, guard: EgressGuard) -> None:
        self.guard = guard
        self.inner = AutoBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await anyio.to_thread.run_sync(self.guard.resolve, host, port)
        except EgressBlocked:
            raise
        except OSError as exc:
            raise _connect_error(exc, host) from exc
        error: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        raise error or _connect_error(OSError("no address"), host)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise EgressBlocked("unix sockets are not allowed for outbound requests")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def _check_proxy(proxy: str | None) -> None:
    if proxy is not None and httpx.URL(proxy).scheme not in {"http", "https", "socks5", "socks5h"}:
        raise ConfigError(
            f"unsupported proxy URL {redact_url(proxy)}", hint="use http://, https:// or socks5://"
        )


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with every connection going through the egress guard.

    Without a proxy, DNS is resolved once per connection and the socket connects to the
    checked address. With an explicit ``proxy`` the proxy does the DNS, so the target host is
    resolved and checked before each request instead (the proxy itself is trusted: it is the
    user's own setting). Environment proxies and ``.netrc`` are never read.

    Args:
        guard: The egress guard.
        proxy: An explicit proxy URL for corporate networks.
        verify: TLS verification, as in httpx.
    """

    def __init__(self, guard: EgressGuard, *, proxy: str | None = None, verify: bool = True) -> None:
        _check_proxy(proxy)
        super().__init__(verify=verify, trust_env=False, proxy=proxy)
        self.guard = guard
        self.proxied = proxy is not None
        if not self.proxied:
            self._pool = httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
                network_backend=_GuardedBackend(guard),
            )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request (checking the target through DNS first when proxied)."""
        if self.proxied:
            try:
                self.guard.resolve(request.url.host, request.url.port or _default_port(request.url))
            except OSError as exc:
                raise httpx.ConnectError(str(exc), request=request) from exc
        return super().handle_request(request)


class GuardedAsyncTransport(httpx.AsyncHTTPTransport):
    """The async twin of :class:`GuardedTransport`."""

    def __init__(self, guard: EgressGuard, *, proxy: str | None = None, verify: bool = True) -> None:
        _check_proxy(proxy)
        super().__init__(verify=verify, trust_env=False, proxy=proxy)
        self.guard = guard
        self.proxied = proxy is not None
        if not self.proxied:
            self._pool = httpcore.AsyncConnectionPool(
                ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
                network_backend=_AsyncGuardedBackend(guard),
            )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request (checking the target through DNS first when proxied)."""
        if self.proxied:
            port = request.url.port or _default_port(request.url)
            try:
                await anyio.to_thread.run_sync(self.guard.resolve, request.url.host, port)
            except OSError as exc:
                raise httpx.ConnectError(str(exc), request=request) from exc
        return await super().handle_async_request(request)


def _default_port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80

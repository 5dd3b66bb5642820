"""Test-wide guards: no network outside loopback, no real sleeps outside integration tests."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

_REAL_CONNECT = socket.socket.connect
_REAL_CONNECT_EX = socket.socket.connect_ex
_REAL_SLEEP = time.sleep
_LIVE_MARKERS = ("integration", "postgres", "browser")


def _is_loopback(address: Any) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX path
        return True
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _network_and_sleep_guard(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    live = any(request.node.get_closest_marker(name) for name in _LIVE_MARKERS)

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if not (live and _is_loopback(address)):
            raise RuntimeError(
                f"tests may not open network connections (to {address!r}); mark it integration"
            )
        _REAL_CONNECT(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if not (live and _is_loopback(address)):
            raise RuntimeError(
                f"tests may not open network connections (to {address!r}); mark it integration"
            )
        return _REAL_CONNECT_EX(self, address)

    def guarded_sleep(seconds: float) -> None:
        if seconds > 0.05 and not live:
            raise RuntimeError(
                f"tests may not really sleep ({seconds}s); inject sleep or mark it integration"
            )
        _REAL_SLEEP(seconds)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(time, "sleep", guarded_sleep)
    return

"""Serving a :class:`~social_listen.testing.FakePlatform` over real HTTP on loopback.

End-to-end and integration tests, and the CLI demo, need a platform that a real client can
connect to: sockets, timeouts, redirects and the egress guard all take part. This module runs
the platform's route table in a threaded ``http.server`` bound to ``127.0.0.1`` on an
ephemeral port, for the duration of a ``with`` block.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from social_listen.testing._fake import FakePlatform

__all__ = ["serve_platform"]

logger = logging.getLogger(__name__)

_HOP_BY_HOP = frozenset(
    {"connection", "content-length", "content-encoding", "transfer-encoding", "keep-alive", "server", "date"}
)
_MAX_REQUEST_BODY = 10 * 1024 * 1024


def _handler_class(platform: FakePlatform) -> type[BaseHTTPRequestHandler]:
    class PlatformHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakePlatform"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, _MAX_REQUEST_BODY)) if length > 0 else b""
            host = self.headers.get("Host") or "127.0.0.1"
            request = httpx.Request(
                self.command,
                f"http://{host}{self.path}",
                headers=[(k, v) for k, v in self.headers.items() if k.lower() != "content-length"],
                content=body,
            )
            try:
                response = platform.handle(request)
                content = response.read()
            except Exception:  # a handler bug must answer 500, not hang the client
                logger.exception("fake platform handler failed")
                response, content = httpx.Response(500), b'{"error": "handler failed"}'
            self.send_response(response.status_code)
            for key, value in response.headers.multi_items():
                if key.lower() not in _HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _answer  # noqa: N815 - http.server names

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("fake platform: " + format, *args)

    return PlatformHandler


@contextmanager
def serve_platform(platform: FakePlatform) -> Iterator[str]:
    """Run ``platform`` on ``127.0.0.1`` (ephemeral port) and yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(platform))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

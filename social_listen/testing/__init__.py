"""Public helpers for connector authors: a fake platform, replay, flow drivers, a contract suite.

``FakePlatform`` answers requests from a route table, through ``httpx.MockTransport`` or a real
server on loopback; ``replay_platform`` answers from recorded responses; ``run_page`` and
``run_pages`` drive a connector's sans-I/O flow by hand; ``ConnectorContract`` is the test
suite a connector's test class subclasses.
"""

from __future__ import annotations

from social_listen.testing._contract import ConnectorContract
from social_listen.testing._drive import PageRun, Sender, run_page, run_pages, transport_sender
from social_listen.testing._fake import (
    Call,
    FakePlatform,
    FakeRequest,
    Handler,
    Route,
    cursor_listing,
    paged_listing,
)
from social_listen.testing._replay import Recording, load_recordings, replay_platform
from social_listen.testing._serve import serve_platform

__all__ = [
    "Call",
    "ConnectorContract",
    "FakePlatform",
    "FakeRequest",
    "Handler",
    "PageRun",
    "Recording",
    "Route",
    "Sender",
    "cursor_listing",
    "load_recordings",
    "paged_listing",
    "replay_platform",
    "run_page",
    "run_pages",
    "serve_platform",
    "transport_sender",
]

"""Connectors: the declarative HTTP base, paginators, slicing and text helpers, and the built-ins.

Built-in connectors register through the ``social_listen.connectors`` entry-point group like
third-party ones; use :func:`social_listen.get_connector` to get one by name.
"""

from __future__ import annotations

from social_listen.connectors._budget import Budget, QuotaBudget, SpendCap
from social_listen.connectors._html import HTMLText, extract_html, html_to_text
from social_listen.connectors._session_cache import (
    FileSessionCache,
    MemorySessionCache,
    SessionCache,
    SessionRecord,
    StoredSession,
)
from social_listen.connectors._slicing import SlicePlan, TimeSlicer, TimeWindow
from social_listen.connectors.base import AuthFlow, HTTPConnector, SkipItem
from social_listen.connectors.bluesky import BlueskyConnector
from social_listen.connectors.pagination import (
    AfterFullnamePaginator,
    CursorPaginator,
    LinkHeaderPaginator,
    MaxIdPaginator,
    MinIdPaginator,
    PageHistory,
    PageNumberPaginator,
    PageResponse,
    Paginator,
    Params,
    SinglePage,
    get_path,
)

__all__ = [
    "AfterFullnamePaginator",
    "AuthFlow",
    "BlueskyConnector",
    "Budget",
    "CursorPaginator",
    "FileSessionCache",
    "HTMLText",
    "HTTPConnector",
    "LinkHeaderPaginator",
    "MaxIdPaginator",
    "MemorySessionCache",
    "MinIdPaginator",
    "PageHistory",
    "PageNumberPaginator",
    "PageResponse",
    "Paginator",
    "Params",
    "QuotaBudget",
    "SessionCache",
    "SessionRecord",
    "SinglePage",
    "SkipItem",
    "SlicePlan",
    "SpendCap",
    "StoredSession",
    "TimeSlicer",
    "TimeWindow",
    "extract_html",
    "get_path",
    "html_to_text",
]

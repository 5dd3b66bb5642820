"""Connectors: the declarative HTTP base, paginators, slicing and text helpers, and the built-ins.

Built-in connectors register through the ``social_listen.connectors`` entry-point group like
third-party ones; use :func:`social_listen.get_connector` to get one by name.
"""

from __future__ import annotations

from social_listen.connectors._slicing import SlicePlan, TimeSlicer, TimeWindow
from social_listen.connectors.base import AuthFlow, HTTPConnector, SkipItem
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
    "CursorPaginator",
    "HTTPConnector",
    "LinkHeaderPaginator",
    "MaxIdPaginator",
    "MinIdPaginator",
    "PageHistory",
    "PageNumberPaginator",
    "PageResponse",
    "Paginator",
    "Params",
    "SinglePage",
    "SkipItem",
    "SlicePlan",
    "TimeSlicer",
    "TimeWindow",
    "get_path",
]

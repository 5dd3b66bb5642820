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
from social_listen.connectors.files import CSVConnector, JSONLConnector
from social_listen.connectors.gdelt import GDELTConnector
from social_listen.connectors.hackernews import HackerNewsConnector
from social_listen.connectors.jetstream import JetstreamSource
from social_listen.connectors.lemmy import LemmyConnector
from social_listen.connectors.mastodon import MastodonConnector
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
from social_listen.connectors.reddit import RedditConnector
from social_listen.connectors.rss import RSSConnector
from social_listen.connectors.stackexchange import StackExchangeConnector
from social_listen.connectors.telegram import TelegramConnector
from social_listen.connectors.x import XConnector
from social_listen.connectors.youtube import YouTubeConnector

__all__ = [
    "AfterFullnamePaginator",
    "AuthFlow",
    "BlueskyConnector",
    "Budget",
    "CSVConnector",
    "CursorPaginator",
    "FileSessionCache",
    "GDELTConnector",
    "HTMLText",
    "HTTPConnector",
    "HackerNewsConnector",
    "JSONLConnector",
    "JetstreamSource",
    "LemmyConnector",
    "LinkHeaderPaginator",
    "MastodonConnector",
    "MaxIdPaginator",
    "MemorySessionCache",
    "MinIdPaginator",
    "PageHistory",
    "PageNumberPaginator",
    "PageResponse",
    "Paginator",
    "Params",
    "QuotaBudget",
    "RSSConnector",
    "RedditConnector",
    "SessionCache",
    "SessionRecord",
    "SinglePage",
    "SkipItem",
    "SlicePlan",
    "SpendCap",
    "StackExchangeConnector",
    "StoredSession",
    "TelegramConnector",
    "TimeSlicer",
    "TimeWindow",
    "XConnector",
    "YouTubeConnector",
    "extract_html",
    "get_path",
    "html_to_text",
]

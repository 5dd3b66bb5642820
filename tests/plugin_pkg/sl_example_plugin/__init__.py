"""An example third-party connector package for social_listen (the "Example Forum" API)."""

from __future__ import annotations

from sl_example_plugin.connector import ExampleForumConnector
from sl_example_plugin.fake import example_forum_platform

__all__ = ["ExampleForumConnector", "example_forum_platform"]

"""The offline demo: a generated week of conversation served by fake platforms on loopback."""

from __future__ import annotations

from social_listen.demo._scenario import BRAND, COMPETITOR, DemoPost, generate_week

__all__ = ["BRAND", "COMPETITOR", "DemoPost", "generate_week"]

"""The offline demo: a generated week of conversation served by fake platforms on loopback."""

from __future__ import annotations

from social_listen.demo._run import DemoResult, demo_settings, run_demo
from social_listen.demo._scenario import BRAND, COMPETITOR, OWN_HANDLE, PRODUCTS, DemoPost, generate_week

__all__ = [
    "BRAND",
    "COMPETITOR",
    "OWN_HANDLE",
    "PRODUCTS",
    "DemoPost",
    "DemoResult",
    "demo_settings",
    "generate_week",
    "run_demo",
]

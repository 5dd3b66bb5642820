from __future__ import annotations

import importlib
import pkgutil

import social_listen.listener as listener


def test_all_is_sorted_unique_and_importable() -> None:
    assert listener.__all__ == sorted(set(listener.__all__))
    for name in listener.__all__:
        assert getattr(listener, name) is not None, name


def test_every_analysis_entry_point_is_exported() -> None:
    for name in (
        "build_report",
        "cluster_stories",
        "compare_brands",
        "complaints_by_theme",
        "cooccurrence_network",
        "detect_spikes",
        "emerging_terms",
        "explain_spike",
        "extract_terms",
        "find_spikes",
        "share_of_voice",
        "themes",
        "time_series",
        "top",
    ):
        assert name in listener.__all__, name


def test_private_modules_stay_small() -> None:
    for info in pkgutil.iter_modules(listener.__path__):
        module = importlib.import_module(f"social_listen.listener.{info.name}")
        assert module.__file__ is not None
        with open(module.__file__, encoding="utf-8") as handle:
            assert sum(1 for _ in handle) <= 500, info.name

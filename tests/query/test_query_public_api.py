"""``social_listen.query.__all__`` is complete, sorted and importable."""

from __future__ import annotations

import social_listen.query


def _isort_key(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def test_query_all_is_complete_sorted_and_importable() -> None:
    module = social_listen.query
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("social_listen")
    }
    assert public - set(module.__all__) == set()
    assert module.__all__ == sorted(module.__all__, key=_isort_key)
    assert len(module.__all__) == len(set(module.__all__))
    for name in module.__all__:
        assert hasattr(module, name), name
    for name in (
        "parse",
        "unparse",
        "lint",
        "explain",
        "MatcherSet",
        "BrandProfile",
        "normalize",
        "to_native",
    ):
        assert name in module.__all__

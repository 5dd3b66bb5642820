"""The public surface: ``social_listen.__all__`` is complete, sorted and importable."""

from __future__ import annotations

import social_listen
import social_listen.core


def _public_names(module: object) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("social_listen")
    }


def _isort_key(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def test_every_public_object_is_exported() -> None:
    # Like httpx's test_exported_members: what the package imports for users is in __all__.
    exported = set(social_listen.__all__)
    assert _public_names(social_listen) - exported == set()
    assert _public_names(social_listen.core) - set(social_listen.core.__all__) == set()


def test_core_exports_are_all_reexported_at_the_top() -> None:
    assert set(social_listen.core.__all__) <= set(social_listen.__all__)


def test_all_is_sorted_and_unique() -> None:
    for module in (social_listen, social_listen.core):
        names = [n for n in module.__all__ if n != "__version__"]
        assert names == sorted(names, key=_isort_key)
        assert len(names) == len(set(names))


def test_every_exported_name_exists() -> None:
    for name in social_listen.__all__:
        assert hasattr(social_listen, name), name


def test_runtime_names_are_public() -> None:
    for name in ("Client", "AsyncClient", "FetchResult", "Completeness", "EgressGuard", "parse_reset"):
        assert name in social_listen.__all__
        assert getattr(social_listen, name).__module__.startswith("social_listen.core.")

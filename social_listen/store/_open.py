"""Opening a store from a URL or a path."""

from __future__ import annotations

import os
from typing import Any

from social_listen.core import ConfigError
from social_listen.store._protocol import MentionStore

__all__ = ["open_store"]


def open_store(url_or_path: str | os.PathLike[str] = ":memory:", **options: Any) -> MentionStore:
    """Open a mention store.

    Args:
        url_or_path: ``sqlite:///relative.db``, ``sqlite:////abs/path.db``, a plain path,
            ``":memory:"``, or ``postgresql://user@host:port/db`` (needs the ``postgres`` extra).
        **options: Passed to the backend (``limits=``, ``languages=``...).

    Raises:
        ConfigError: An unsupported URL scheme.

    Examples:
        >>> store = open_store(":memory:")
        >>> type(store).__name__
        'SQLiteStore'
    """
    from social_listen.store._sqlite import SQLiteStore

    target = os.fspath(url_or_path)
    if target.startswith(("postgresql://", "postgres://")):
        from social_listen.store._postgres import PostgresStore

        return PostgresStore(target, **options)
    if target.startswith("sqlite://"):
        path = target.removeprefix("sqlite://")
        path = path[1:] if path.startswith("/") else path
        return SQLiteStore(path or ":memory:", **options)
    if "://" in target:
        raise ConfigError(
            f"unsupported store URL scheme in {target.split('://')[0]!r}",
            source="store",
            hint="use sqlite:///path.db, a file path, :memory: or postgresql://...",
        )
    return SQLiteStore(target, **options)

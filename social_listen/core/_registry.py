"""The connector registry: names to connector classes, filled from entry points.

Built-in and third-party connectors register the same way, in the ``social_listen.connectors``
entry-point group of their package metadata::

    [project.entry-points."social_listen.connectors"]
    myforum = "my_package.connector:MyForumConnector"

Discovery is lazy: importing ``social_listen`` reads nothing, :func:`available_connectors`
reads the metadata without importing any plugin, and :func:`get_connector` imports one plugin
when it is first asked for. A plugin that fails to import (or does not provide a connector)
emits a :class:`ConnectorLoadWarning` and is skipped; it never breaks ``import social_listen``
or the other connectors. :func:`register_connector` adds a class at run time (notebooks,
tests); registering a name that is taken by another class raises
:class:`~social_listen.core.RegistryError`.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable, Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from social_listen.core._errors import ConnectorNotFound, RegistryError

__all__ = [
    "ENTRY_POINT_GROUP",
    "ConnectorLoadWarning",
    "ConnectorRegistry",
    "available_connectors",
    "default_registry",
    "get_connector",
    "register_connector",
]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "social_listen.connectors"
"""The entry-point group connectors are registered under."""


class ConnectorLoadWarning(RuntimeWarning):
    """A connector plugin could not be loaded and was skipped."""


def _group_entry_points(group: str) -> Iterable[EntryPoint]:
    return entry_points(group=group)


def _describe(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    name = getattr(dist, "name", None) if dist is not None else None
    return f"{ep.value} (from {name})" if name else ep.value


def _is_connector_class(obj: object) -> bool:
    return isinstance(obj, type) and callable(getattr(obj, "fetch_page", None))


class ConnectorRegistry:
    """Connector classes by name, from entry points and run-time registrations.

    Args:
        group: The entry-point group to read.
        entry_points: A function returning the group's entry points (tests inject one).

    Examples:
        >>> from social_listen.connectors import HTTPConnector
        >>> class Forum(HTTPConnector):
        ...     name = "forum"
        >>> registry = ConnectorRegistry(entry_points=lambda: [])
        >>> registry.register("forum", Forum)
        >>> registry.get("forum") is Forum, registry.available()
        (True, ['forum'])
    """

    def __init__(
        self,
        *,
        group: str = ENTRY_POINT_GROUP,
        entry_points: Callable[[], Iterable[EntryPoint]] | None = None,
    ) -> None:
        self.group = group
        self._entry_points = entry_points or (lambda: _group_entry_points(group))
        self._lock = threading.RLock()
        self._registered: dict[str, type[Any]] = {}
        self._loaded: dict[str, type[Any]] = {}
        self._broken: dict[str, str] = {}
        self._eps: dict[str, list[EntryPoint]] | None = None

    def _scan(self) -> dict[str, list[EntryPoint]]:
        with self._lock:
            if self._eps is None:
                found: dict[str, list[EntryPoint]] = {}
                try:
                    eps = list(self._entry_points())
                except Exception as exc:  # broken metadata must not break the library
                    warnings.warn(
                        f"could not read the {self.group!r} entry points: {exc}",
                        ConnectorLoadWarning,
                        stacklevel=3,
                    )
                    eps = []
                for ep in eps:
                    same = found.setdefault(ep.name, [])
                    if all(other.value != ep.value for other in same):
                        same.append(ep)
                self._eps = found
            return self._eps

    def refresh(self) -> None:
        """Forget what was read from entry points (after installing a plugin at run time)."""
        with self._lock:
            self._eps = None
            self._loaded.clear()
            self._broken.clear()

    def register(self, name: str, cls: type[Any], *, replace: bool = False) -> None:
        """Register a connector class under ``name``.

        Args:
            name: The registry name.
            cls: A class whose instances implement the Source protocol.
            replace: Allow replacing a different class already registered under ``name``.

        Raises:
            RegistryError: ``cls`` is not a connector class, or ``name`` is taken by another
                class (registered or from an entry point) and ``replace`` is false.
        """
        if not name or not name.replace("_", "").replace("-", "").isalnum():
            raise RegistryError(f"invalid connector name {name!r}", hint="use letters, digits, '-' and '_'")
        if not _is_connector_class(cls):
            raise RegistryError(
                f"{cls!r} is not a connector class", source=name, hint="pass a class with a fetch_page method"
            )
        with self._lock:
            current = self._registered.get(name)
            if current is not None and current is not cls and not replace:
                raise RegistryError(
                    f"the name {name!r} is already registered to {current.__module__}.{current.__qualname__}",
                    source=name,
                    hint="pick another name or pass replace=True",
                )
            if current is None and not replace:
                eps = self._scan().get(name, [])
                target = f"{cls.__module__}:{cls.__qualname__}"
                if eps and any(ep.value != target for ep in eps):
                    raise RegistryError(
                        f"the name {name!r} belongs to the installed connector {_describe(eps[0])}",
                        source=name,
                        hint="pick another name or pass replace=True",
                    )
            self._registered[name] = cls

    def unregister(self, name: str) -> None:
        """Remove a run-time registration (entry points stay)."""
        with self._lock:
            self._registered.pop(name, None)

    def available(self) -> list[str]:
        """The names of every registered and installed connector, sorted (nothing is imported)."""
        with self._lock:
            names = set(self._registered) | {n for n in self._scan() if n not in self._broken}
            return sorted(names)

    def get(self, name: str) -> type[Any]:
        """The connector class registered under ``name``, importing its plugin if needed.

        Raises:
            ConnectorNotFound: No connector has that name, or its plugin failed to load (a
                :class:`ConnectorLoadWarning` says why).
            RegistryError: Two installed packages register different classes under ``name``.
        """
        with self._lock:
            if name in self._registered:
                return self._registered[name]
            if name in self._loaded:
                return self._loaded[name]
            eps = self._scan().get(name)
            if not eps:
                raise ConnectorNotFound(f"no connector named {name!r}", source=name)
            if len(eps) > 1:
                raise RegistryError(
                    f"several installed packages register {name!r}: "
                    + ", ".join(_describe(ep) for ep in eps),
                    source=name,
                    hint="uninstall one of them",
                )
            if name in self._broken:
                raise ConnectorNotFound(
                    f"the connector {name!r} failed to load: {self._broken[name]}", source=name
                )
            cls = self._load(name, eps[0])
            if cls is None:
                raise ConnectorNotFound(
                    f"the connector {name!r} failed to load: {self._broken[name]}",
                    source=name,
                    hint="reinstall or upgrade the package that provides it",
                )
            self._loaded[name] = cls
            return cls

    def load_all(self) -> dict[str, type[Any]]:
        """Import every installed connector; broken ones warn and are left out."""
        out: dict[str, type[Any]] = {}
        for name in self.available():
            try:
                out[name] = self.get(name)
            except (ConnectorNotFound, RegistryError) as exc:
                logger.warning("connector %s skipped: %s", name, exc)
        return out

    def _load(self, name: str, ep: EntryPoint) -> type[Any] | None:
        try:
            obj = ep.load()
        except Exception as exc:  # any plugin bug: warn and skip, never crash the caller
            reason = f"{type(exc).__name__}: {exc}"
        else:
            if _is_connector_class(obj):
                return obj  # type: ignore[no-any-return]
            reason = f"{ep.value} is not a connector class"
        self._broken[name] = reason[:300]
        warnings.warn(
            f"connector plugin {name!r} ({_describe(ep)}) was skipped: {reason[:300]}",
            ConnectorLoadWarning,
            stacklevel=4,
        )
        return None


default_registry = ConnectorRegistry()
"""The registry behind :func:`get_connector`, :func:`register_connector` and friends."""


def register_connector(name: str, cls: type[Any], *, replace: bool = False) -> None:
    """Register a connector class at run time (notebooks, tests).

    Args:
        name: The registry name.
        cls: The connector class.
        replace: Allow replacing a different class already registered under ``name``.

    Raises:
        RegistryError: The name is taken by another class, or ``cls`` is not a connector.

    Examples:
        >>> from social_listen.connectors import HTTPConnector
        >>> class Forum(HTTPConnector):
        ...     name = "doc-forum"
        >>> register_connector("doc-forum", Forum)
        >>> get_connector("doc-forum") is Forum
        True
    """
    default_registry.register(name, cls, replace=replace)


def get_connector(name: str) -> type[Any]:
    """The connector class registered under ``name`` (construct it with keyword options).

    Raises:
        ConnectorNotFound: No connector has that name, or its plugin failed to load.

    Examples:
        >>> cls = get_connector("hackernews")  # doctest: +SKIP
        >>> connector = cls(page_size=50)  # doctest: +SKIP
    """
    return default_registry.get(name)


def available_connectors() -> list[str]:
    """The names of all registered and installed connectors, sorted, without importing them."""
    return default_registry.available()

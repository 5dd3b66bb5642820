"""The connector registry: entry points, lazy loading, conflicts and broken plugins."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

import social_listen
from social_listen.connectors import HTTPConnector
from social_listen.core import (
    ENTRY_POINT_GROUP,
    ConnectorLoadWarning,
    ConnectorNotFound,
    ConnectorRegistry,
    Mention,
    RegistryError,
)


class AlphaConnector(HTTPConnector):
    name = "alpha"

    def parse_item(self, item: Any) -> Mention | None:
        return None


class BetaConnector(HTTPConnector):
    name = "beta"

    def parse_item(self, item: Any) -> Mention | None:
        return None


NOT_A_CONNECTOR = 42


def ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def registry(*eps: EntryPoint) -> ConnectorRegistry:
    return ConnectorRegistry(entry_points=lambda: list(eps))


HERE = __name__


def test_entry_point_connectors_are_listed_without_importing_them() -> None:
    calls: list[str] = []

    class Spy(EntryPoint):
        def load(self) -> Any:
            calls.append(self.name)
            return super().load()

    reg = ConnectorRegistry(
        entry_points=lambda: [Spy(name="alpha", value=f"{HERE}:AlphaConnector", group=ENTRY_POINT_GROUP)]
    )
    assert reg.available() == ["alpha"]
    assert calls == []
    assert reg.get("alpha") is AlphaConnector
    assert reg.get("alpha") is AlphaConnector
    assert calls == ["alpha"]  # loaded once, then cached


def test_register_and_get_at_run_time() -> None:
    reg = registry()
    reg.register("beta", BetaConnector)
    assert reg.get("beta") is BetaConnector
    assert reg.available() == ["beta"]
    reg.register("beta", BetaConnector)  # the same class again is fine
    reg.unregister("beta")
    with pytest.raises(ConnectorNotFound):
        reg.get("beta")


def test_unknown_name_raises_connector_not_found_with_a_hint() -> None:
    with pytest.raises(ConnectorNotFound) as info:
        registry().get("nope")
    assert isinstance(info.value, LookupError)
    assert "available_connectors" in str(info.value)


def test_name_conflicts_raise_registry_error() -> None:
    reg = registry(ep("alpha", f"{HERE}:AlphaConnector"))
    reg.register("beta", BetaConnector)
    with pytest.raises(RegistryError, match="already registered"):
        reg.register("beta", AlphaConnector)
    with pytest.raises(RegistryError, match="installed connector"):
        reg.register("alpha", BetaConnector)
    reg.register("beta", AlphaConnector, replace=True)
    assert reg.get("beta") is AlphaConnector


def test_two_packages_registering_one_name_raise_on_lookup() -> None:
    reg = registry(ep("alpha", f"{HERE}:AlphaConnector"), ep("alpha", f"{HERE}:BetaConnector"))
    assert reg.available() == ["alpha"]
    with pytest.raises(RegistryError, match="several installed packages"):
        reg.get("alpha")


def test_duplicate_identical_entry_points_are_one() -> None:
    reg = registry(ep("alpha", f"{HERE}:AlphaConnector"), ep("alpha", f"{HERE}:AlphaConnector"))
    assert reg.get("alpha") is AlphaConnector


def test_register_refuses_what_is_not_a_connector() -> None:
    with pytest.raises(RegistryError, match="not a connector"):
        registry().register("x", int)
    with pytest.raises(RegistryError, match="invalid connector name"):
        registry().register("bad name!", AlphaConnector)


def test_broken_plugin_warns_and_is_skipped_others_still_load() -> None:
    reg = registry(
        ep("broken", "sl_no_such_module_xyz:Connector"),
        ep("notaclass", f"{HERE}:NOT_A_CONNECTOR"),
        ep("alpha", f"{HERE}:AlphaConnector"),
    )
    with pytest.warns(ConnectorLoadWarning, match="broken.*ModuleNotFoundError"):
        with pytest.raises(ConnectorNotFound, match="failed to load"):
            reg.get("broken")
    with pytest.warns(ConnectorLoadWarning, match="not a connector class"):
        loaded = reg.load_all()
    assert loaded == {"alpha": AlphaConnector}
    assert reg.available() == ["alpha"]  # the broken ones are no longer offered
    with pytest.raises(ConnectorNotFound, match="failed to load"):
        reg.get("broken")  # remembered: no second warning, no second import


def test_unreadable_metadata_warns_and_leaves_an_empty_registry() -> None:
    def explode() -> list[EntryPoint]:
        raise OSError("metadata unreadable")

    reg = ConnectorRegistry(entry_points=explode)
    with pytest.warns(ConnectorLoadWarning, match="metadata unreadable"):
        assert reg.available() == []


def test_module_level_functions_use_the_default_registry() -> None:
    class Gamma(HTTPConnector):
        name = "test-registry-gamma"

    social_listen.register_connector("test-registry-gamma", Gamma)
    try:
        assert social_listen.get_connector("test-registry-gamma") is Gamma
        assert "test-registry-gamma" in social_listen.available_connectors()
    finally:
        from social_listen.core._registry import default_registry

        default_registry.unregister("test-registry-gamma")


def test_a_broken_installed_plugin_never_breaks_import_social_listen(tmp_path: Path) -> None:
    # A real dist-info on sys.path whose entry point cannot import.
    dist = tmp_path / "sl_broken_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: sl-broken-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nbroken-x = sl_broken_plugin_missing:Nope\n"
    )
    code = textwrap.dedent(
        """
        import sys, warnings
        warnings.simplefilter("always")
        with warnings.catch_warnings(record=True) as caught:
            import social_listen
            names = social_listen.available_connectors()
            try:
                social_listen.get_connector("broken-x")
            except social_listen.ConnectorNotFound as exc:
                print("not-found:", exc.message)
        print("listed:", "broken-x" in names)
        print("warned:", [str(w.category.__name__) for w in caught])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
        timeout=60,
    )
    assert "listed: True" in result.stdout
    assert "not-found: the connector 'broken-x' failed to load" in result.stdout
    assert "ConnectorLoadWarning" in result.stdout


def test_every_built_in_connector_loads_under_its_own_name() -> None:
    from importlib.metadata import entry_points

    built_ins = [
        e
        for e in entry_points(group=ENTRY_POINT_GROUP)
        if e.dist is not None and e.dist.name == "social-listen"
    ]
    assert built_ins, "the package metadata registers no connector (reinstall with pip install -e .)"
    for entry in built_ins:
        cls = social_listen.get_connector(entry.name)
        assert cls.name == entry.name, (
            f"{entry.value} is registered as {entry.name!r} but names itself {cls.name!r}"
        )
        assert isinstance(cls, type)
        assert callable(getattr(cls, "fetch_page", None))
        assert hasattr(cls, "capabilities")

from __future__ import annotations

import pytest

from social_listen.cli import main

COMMANDS = [
    ["collect"],
    ["watch"],
    ["inbox"],
    ["inbox", "list"],
    ["inbox", "set"],
    ["inbox", "assign"],
    ["inbox", "tag"],
    ["inbox", "note"],
    ["inbox", "show"],
    ["inbox", "stats"],
    ["report"],
    ["export"],
    ["query"],
    ["query", "check"],
    ["query", "explain"],
    ["query", "test"],
    ["sources"],
    ["demo"],
    ["config", "check"],
    ["init"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Usage: social-listen {' '.join(command)}")
    summary = out.split("\n\n")[1].strip()
    assert len(summary) > 20


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in {c[0] for c in COMMANDS}:
        assert f"  {name} " in out

"""The ``social-listen`` command (extra ``cli``): collect, watch, triage, report, export, demo."""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for bad usage or configuration).

    Examples:
        >>> main(["--version"])  # doctest: +SKIP
        0
    """
    try:
        from social_listen.cli._app import run
    except ImportError as exc:  # the extra is missing
        sys.stderr.write(
            f"social-listen: the command line needs the 'cli' extra ({exc.name} is missing): "
            "pip install 'social-listen[cli]'\n"
        )
        return 2
    return run(argv)

"""Runs made of several sub-runs: one per native query, instance or site, under one state.

A query may compile to several native searches (one per OR branch the platform cannot
express), and a connector may ask several hosts (Mastodon and Lemmy instances). Each part is
paged to its end by a sub-flow (usually ``HTTPConnector.fetch_page``); :func:`run_parts`
chains them so the whole run has one cursor (``{"part": i, "inner": ...}``) and one state
whose watermark is promoted only after the last part finished. A crash in part 2 therefore
resumes in part 2, and part 1's items are not skipped by a watermark moved too early.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import httpx

from social_listen.connectors._account import observe_responses
from social_listen.core import ConfigError, Limits, Mention, Page, Query, RequestSpec, SourceState

__all__ = [
    "PartFlow",
    "PartsOwner",
    "inspect_responses",
    "instance_url",
    "instance_urls",
    "part_query",
    "run_parts",
    "tag_mentions",
]

P = TypeVar("P")

PartFlow = Callable[[P, str | None, SourceState], Generator[RequestSpec, httpx.Response, Page]]
"""``(part, inner cursor, state) -> flow`` running one part's page."""


class PartsOwner(Protocol):
    """What :func:`run_parts` reads from the connector: its name, clock and limits."""

    name: str
    now: Callable[[], datetime]
    limits: Limits


def run_parts(
    parts: Sequence[P],
    fetch_part: PartFlow[P],
    *,
    query: Query,
    cursor: str | None,
    state: SourceState,
    connector: PartsOwner,
    keep: Callable[[Mention], bool] | None = None,
    notes: Sequence[str] = (),
) -> Generator[RequestSpec, httpx.Response, Page]:
    """Fetch one page of a run that walks ``parts`` in order.

    Args:
        parts: The parts of the run (native queries, instances...); at least one.
        fetch_part: Runs one page of one part from an inner cursor.
        query: The user's query; its label is stored on each mention.
        cursor: The outer cursor, ``None`` to start a run.
        state: The state the page starts from (its watermark is the run's start).
        connector: The connector: its name for errors; future dates do not move the pending
            watermark past its clock plus ``limits.future_skew``.
        keep: A local filter (the query's full semantics); dropped items are not counted.
        notes: Notes added to every page (``"unsearchable:NEAR"``).

    Returns:
        The part's page with the outer cursor and the run's state.
    """
    source = connector.name
    clamp_to = connector.now() + connector.limits.future_skew
    if not parts:
        raise ConfigError("nothing to collect: the query compiled to no native search", source=source)
    index, inner = _decode(cursor, source=source, count=len(parts))
    page = yield from fetch_part(parts[index], inner, state)
    mentions = [m if m.query else m.model_copy(update={"query": query.label}) for m in page.mentions]
    filtered = [m for m in mentions if keep(m)] if keep is not None else mentions
    # The part's own state carries its extras (per-instance ids); the watermark is ours.
    new_state = state.observe(mentions, clamp_to=clamp_to).model_copy(update={"extras": page.state.extras})
    if page.next_cursor is not None:
        outer: str | None = _encode(index, page.next_cursor)
    elif index + 1 < len(parts):
        outer = _encode(index + 1, None)
    else:
        outer = None
    new_state = new_state.with_cursor(outer) if outer is not None else new_state.finish_run()
    extra_notes = tuple(n for n in notes if n not in page.notes) if index == 0 and inner is None else ()
    return page.model_copy(
        update={
            "mentions": tuple(filtered),
            "next_cursor": outer,
            "state": new_state,
            "notes": (*page.notes, *extra_notes),
        }
    )


def part_query(query: Query, text: str, *, source: str, **options: Any) -> Query:
    """The query one part runs: its own native ``text`` under the user's label.

    Args:
        query: The user's query.
        text: The part's native search text.
        source: The connector name; ``options`` go under ``query.options[source]``.
        **options: Part-specific options merged over the connector's own (``_instance``...).

    Examples:
        >>> sub = part_query(Query(text="a OR b", name="acme"), "a", source="lemmy", _instance="x")
        >>> sub.text, sub.name, dict(sub.options_for("lemmy"))
        ('a', 'acme', {'_instance': 'x'})
    """
    if not options:
        return query.model_copy(update={"text": text, "name": query.label})
    merged = {**query.options, source: {**query.options_for(source), **options}}
    return query.model_copy(update={"text": text, "name": query.label, "options": merged})


def tag_mentions(page: Page, **extras: Any) -> Page:
    """The page with ``extras`` added to every mention's extras (``instance=...``)."""
    mentions = tuple(m.model_copy(update={"extras": {**m.extras, **extras}}) for m in page.mentions)
    return page.model_copy(update={"mentions": mentions})


def _encode(index: int, inner: str | None) -> str:
    return json.dumps({"part": index, "inner": inner}, separators=(",", ":"))


def _decode(cursor: str | None, *, source: str, count: int) -> tuple[int, str | None]:
    if cursor is None:
        return 0, None
    try:
        data: Any = json.loads(cursor)
        index, inner = data["part"], data["inner"]
    except (ValueError, TypeError, KeyError):
        raise ConfigError(
            "the cursor was not made by this connector",
            source=source,
            hint="start the run without a cursor or clear the stored state",
        ) from None
    if not isinstance(index, int) or not 0 <= index < count or not (inner is None or isinstance(inner, str)):
        raise ConfigError(
            "the cursor does not fit this query or connector configuration",
            source=source,
            hint="start the run without a cursor or clear the stored state",
        )
    return index, inner


def inspect_responses(
    flow: Generator[RequestSpec, httpx.Response, Page],
    check: Callable[[httpx.Response], httpx.Response | None] | None = None,
    *,
    user_supplied: bool = False,
) -> Generator[RequestSpec, httpx.Response, Page]:
    """Relay a flow's requests and responses, checking each response before the flow sees it.

    Args:
        flow: The inner flow (usually ``HTTPConnector.fetch_page``).
        check: Raises to stop the flow with a platform-specific error (a throttle body, a
            plain-text error with status 200) before the base class's generic handling, or
            returns a replacement response (an empty body normalized), or ``None``.
        user_supplied: Mark every request ``user_supplied`` (hosts from the user's options:
            Mastodon and Lemmy instances, feed URLs) so the egress guard checks them.
    """

    def hook(_request: RequestSpec, response: httpx.Response) -> httpx.Response:
        return (check(response) or response) if check is not None else response

    return (yield from observe_responses(flow, hook, user_supplied=user_supplied))


def instance_url(value: str, *, source: str) -> str:
    """Normalize a user-given instance to ``scheme://host[:port]``; only http(s) is accepted.

    Examples:
        >>> instance_url("lemmy.example/", source="lemmy")
        'https://lemmy.example'
    """
    text = value.strip()
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"instance {value!r} is not an http(s) URL or host name",
            source=source,
            hint="give instances as host names (mastodon.social) or https:// URLs",
        )
    if parts.username or parts.password:
        raise ConfigError("instance URLs may not carry credentials", source=source)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def instance_urls(instances: Sequence[str] | str, *, source: str, platform: str) -> tuple[str, ...]:
    """Normalize the user's instances (one string is one instance), in order, without repeats.

    Raises:
        ConfigError: No instance, or one that is not an http(s) host (see :func:`instance_url`).

    Examples:
        >>> instance_urls(["a.example", "https://A.example/"], source="lemmy", platform="Lemmy")
        ('https://a.example',)
    """
    if isinstance(instances, str):
        instances = (instances,)
    if not instances:
        raise ConfigError(f"give at least one {platform} instance", source=source)
    return tuple(dict.fromkeys(instance_url(i, source=source) for i in instances))

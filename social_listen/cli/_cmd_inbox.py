"""``social-listen inbox``: list what needs a human, update triage state, response-time stats.

Triage lives in the store, so these commands see and change the same inbox as the monitor
and any embedding app. A mention is named by its source and native id, as ``inbox list``
shows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import click

from social_listen.cli._app import AppContext, emit
from social_listen.cli._common import format_duration, format_time, open_app_store, preview, print_table
from social_listen.config import parse_interval
from social_listen.monitor import STATUSES, Inbox, TriageRecord

__all__ = ["COMMANDS"]


@contextmanager
def _inbox(app: AppContext) -> Iterator[Inbox]:
    store = open_app_store(app)
    try:
        yield Inbox(store)
    finally:
        store.close()


def _record(record: TriageRecord) -> dict[str, Any]:
    data = asdict(record)
    for key in ("first_response_at", "closed_at"):
        data[key] = data[key].isoformat() if data[key] else None
    data["tags"], data["notes"] = list(record.tags), list(record.notes)
    return data


def _show_record(app: AppContext, record: TriageRecord) -> None:
    text = (
        f"{record.source} {record.native_id}: {record.status}"
        + (f", assigned to {record.assignee}" if record.assignee else "")
        + (f", tags {', '.join(record.tags)}" if record.tags else "")
        + (f", {len(record.notes)} notes" if record.notes else "")
    )
    emit(app, _record(record), text=text)


@click.group(name="inbox")
def inbox_group() -> None:
    """The triage inbox: what needs a human, status, assignee, tags, notes, response times."""


@inbox_group.command(name="list")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many mentions.")
@click.option("--brand", "brands", multiple=True, help="Only this brand (repeatable).")
@click.option("--source", "sources", multiple=True, help="Only this connector (repeatable).")
@click.pass_obj
def list_(app: AppContext, limit: int, brands: tuple[str, ...], sources: tuple[str, ...]) -> None:
    r"""Open mentions (new or assigned), most urgent first.

    \b
    Example:
      social-listen inbox list --brand Lunaro --limit 10
    """
    with _inbox(app) as inbox:
        mentions = inbox.needs_human(limit=limit, brands=brands, sources=sources)
    tz = app.settings.timezone
    if app.as_json:
        emit(
            app,
            [
                {
                    "source": m.source,
                    "native_id": m.native_id,
                    "urgency": m.urgency.value if m.urgency else None,
                    "urgency_reasons": list(m.urgency.reasons) if m.urgency else [],
                    "author": m.author.handle if m.author else None,
                    "created_at": m.created_at.isoformat(),
                    "brands": list(m.brands),
                    "url": m.url,
                    "text": m.text,
                }
                for m in mentions
            ],
        )
        return
    if not mentions:
        click.echo("nothing needs a human")
        return
    print_table(("urgency", "source", "id", "author", "time", "text"), _rows(mentions, tz=tz))


def _rows(mentions: list[Any], *, tz: str) -> list[tuple[str, ...]]:
    return [
        (
            f"{m.urgency.value:.0f}" if m.urgency else "-",
            m.source,
            m.native_id,
            preview(m.author.handle, width=24) if m.author else "-",
            format_time(m.created_at, tz=tz),
            preview(m.text or m.title or ""),
        )
        for m in mentions
    ]


_ACTOR = click.option("--actor", help="Who made the change (kept in the history).")


@inbox_group.command(name="set")
@click.argument("source")
@click.argument("native_id")
@click.argument("status", type=click.Choice(STATUSES))
@_ACTOR
@click.pass_obj
def set_(app: AppContext, source: str, native_id: str, status: str, actor: str | None) -> None:
    r"""Set a mention's triage status (new, assigned, responded, ignored, closed).

    \b
    Example:
      social-listen inbox set mastodon 109876 responded --actor ana
    """
    with _inbox(app) as inbox:
        record = inbox.set_status(source, native_id, status, actor=actor)
    _show_record(app, record)


@inbox_group.command()
@click.argument("source")
@click.argument("native_id")
@click.argument("assignee")
@_ACTOR
@click.pass_obj
def assign(app: AppContext, source: str, native_id: str, assignee: str, actor: str | None) -> None:
    r"""Assign a mention to someone (a new mention becomes 'assigned').

    \b
    Example:
      social-listen inbox assign hackernews 4242 ana
    """
    with _inbox(app) as inbox:
        record = inbox.assign(source, native_id, assignee, actor=actor)
    _show_record(app, record)


@inbox_group.command()
@click.argument("source")
@click.argument("native_id")
@click.argument("tags", nargs=-1, required=True)
@_ACTOR
@click.pass_obj
def tag(app: AppContext, source: str, native_id: str, tags: tuple[str, ...], actor: str | None) -> None:
    r"""Add tags to a mention.

    \b
    Example:
      social-listen inbox tag rss https://example.com/p/1 delivery escalated
    """
    with _inbox(app) as inbox:
        record = inbox.tag(source, native_id, *tags, actor=actor)
    _show_record(app, record)


@inbox_group.command()
@click.argument("source")
@click.argument("native_id")
@click.argument("text")
@_ACTOR
@click.pass_obj
def note(app: AppContext, source: str, native_id: str, text: str, actor: str | None) -> None:
    r"""Append a note to a mention.

    \b
    Example:
      social-listen inbox note hackernews 4242 "called the customer back"
    """
    with _inbox(app) as inbox:
        record = inbox.note(source, native_id, text, actor=actor)
    _show_record(app, record)


@inbox_group.command()
@click.argument("source")
@click.argument("native_id")
@click.pass_obj
def show(app: AppContext, source: str, native_id: str) -> None:
    """Show a mention's triage state and its history of changes."""
    with _inbox(app) as inbox:
        record = inbox.get(source, native_id)
        history = inbox.history(source, native_id)
    if app.as_json:
        data = _record(record)
        data["history"] = [{**asdict(h), "at": h.at.isoformat()} for h in history]
        emit(app, data)
        return
    _show_record(app, record)
    for note_text in record.notes:
        click.echo(f"  note: {note_text}")
    tz = app.settings.timezone
    for entry in history:
        click.echo(
            f"  {format_time(entry.at, tz=tz)} {entry.actor or '-'}: "
            f"{entry.field} {entry.old_value or '-'} -> {entry.new_value or '-'}"
        )


@inbox_group.command()
@click.option(
    "--by",
    type=click.Choice(("source", "brand", "assignee")),
    default="source",
    show_default=True,
    help="Group response times by.",
)
@click.option(
    "--sla", metavar="DURATION", help="List mentions answered later than this (1h, 30m), or not yet."
)
@click.pass_obj
def stats(app: AppContext, by: str, sla: str | None) -> None:
    r"""Response times (median and p90 to first response and to close) and SLA breaches.

    \b
    Example:
      social-listen inbox stats --by assignee --sla 1h
    """
    try:
        target = parse_interval(sla) if sla else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--sla") from None
    with _inbox(app) as inbox:
        groups = inbox.response_times(by=by)  # type: ignore[arg-type]
        breaches = inbox.sla_breaches(target=target) if target is not None else None
    if app.as_json:
        data: dict[str, Any] = {"by": by, "groups": [asdict(g) for g in groups]}
        if breaches is not None:
            data["sla_s"] = target.total_seconds() if target else None
            data["breaches"] = [{**asdict(b), "created_at": b.created_at.isoformat()} for b in breaches]
        emit(app, data)
        return
    if groups:
        print_table(
            (by, "mentions", "responded", "closed", "median 1st", "p90 1st", "median close", "p90 close"),
            [
                (
                    g.group,
                    g.mentions,
                    g.responded,
                    g.closed,
                    format_duration(g.median_first_response_s),
                    format_duration(g.p90_first_response_s),
                    format_duration(g.median_close_s),
                    format_duration(g.p90_close_s),
                )
                for g in groups
            ],
        )
    else:
        click.echo("no triaged mentions yet")
    if breaches is not None:
        click.echo(f"{len(breaches)} SLA breaches (target {sla})")
        if breaches:
            print_table(
                ("source", "id", "created", "waited", "answered"),
                [
                    (
                        b.source,
                        b.native_id,
                        format_time(b.created_at, tz=app.settings.timezone),
                        format_duration(b.waited_s),
                        "yes" if b.responded else "no",
                    )
                    for b in breaches
                ],
            )


COMMANDS: tuple[click.Command, ...] = (inbox_group,)

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from social_listen.core import Author, InvalidFilter, Mention, Page, Score, SourceState, StoreError
from social_listen.monitor._inbox import Inbox
from social_listen.store import SQLiteStore

T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)


def mention(
    native_id: str, *, minutes: int = 0, urgency: float = 0.0, author: str = "fan", **kw: object
) -> Mention:
    return Mention(
        source="mastodon",
        native_id=native_id,
        created_at=T0 + timedelta(minutes=minutes),
        text=f"post {native_id}",
        author=Author(handle=author),
        urgency=Score(value=urgency, method="test"),
        brands=("Lunaro",),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def inbox() -> Inbox:
    store = SQLiteStore(":memory:")
    mentions = [
        mention("a", urgency=20),
        mention("b", minutes=5, urgency=90),
        mention("c", minutes=10, urgency=55, extras={"local_id": "1001"}),
        mention("d", minutes=15, urgency=70),
    ]
    store.commit_page(Page(mentions=tuple(mentions)), SourceState(), source_key="mastodon:lunaro")
    store.upsert_enrichment(mentions)
    return Inbox(store)


def test_needs_human_is_ordered_by_urgency_and_drops_settled(inbox: Inbox) -> None:
    assert [m.native_id for m in inbox.needs_human()] == ["b", "d", "c", "a"]
    inbox.respond("mastodon", "b", actor="ana", at=T0 + timedelta(minutes=30))
    inbox.set_status("mastodon", "a", "ignored", actor="ana")
    assert [m.native_id for m in inbox.needs_human()] == ["d", "c"]
    assert [m.native_id for m in inbox.needs_human(limit=1)] == ["d"]


def test_assign_tag_note_and_history(inbox: Inbox) -> None:
    record = inbox.assign("mastodon", "d", "ioana", actor="lead", at=T0 + timedelta(minutes=20))
    assert (record.status, record.assignee) == ("assigned", "ioana")
    inbox.tag("mastodon", "d", "delivery", "refund", actor="ioana")
    inbox.note("mastodon", "d", "called the courier", actor="ioana")
    record = inbox.get("mastodon", "d")
    assert record.tags == ("delivery", "refund")
    assert record.notes == ("called the courier",)
    fields = [(h.field, h.new_value, h.actor) for h in inbox.history("mastodon", "d")]
    assert ("status", "assigned", "lead") in fields
    assert ("assignee", "ioana", "lead") in fields
    assert ("tags", '["delivery", "refund"]', "ioana") in fields
    assert inbox.get("mastodon", "a").status == "new"


def test_bad_status_and_unknown_mention_are_clear_errors(inbox: Inbox) -> None:
    with pytest.raises(InvalidFilter, match="unknown triage status"):
        inbox.set_status("mastodon", "a", "done")
    with pytest.raises(StoreError, match="no stored mention"):
        inbox.respond("mastodon", "zzz")


def test_reply_by_own_account_marks_responded_by_local_id(inbox: Inbox) -> None:
    reply = mention("r1", minutes=40, author="lunaro_help", extras={"in_reply_to_id": "1001"})
    stranger = mention("r2", minutes=41, author="someone", extras={"in_reply_to_id": "1001"})
    direct = mention("r3", minutes=42, author="Lunaro_Help", parent_id="a")
    assert inbox.record_replies([reply, stranger, direct], own_handles=["@lunaro_help"]) == 2
    c = inbox.get("mastodon", "c")
    assert c.status == "responded"
    assert c.first_response_at == T0 + timedelta(minutes=40)
    assert inbox.get("mastodon", "a").status == "responded"


def test_response_times_and_sla_breaches(inbox: Inbox) -> None:
    inbox.respond("mastodon", "a", at=T0 + timedelta(minutes=10))  # 10 min
    inbox.respond("mastodon", "b", at=T0 + timedelta(minutes=65))  # 60 min
    inbox.close("mastodon", "b", at=T0 + timedelta(minutes=125))  # closed after 120 min
    inbox.assign("mastodon", "d", "ioana", at=T0 + timedelta(minutes=16))  # open, unanswered
    stats = {s.group: s for s in inbox.response_times(by="source")}["mastodon"]
    assert stats.mentions == 3
    assert stats.responded == 2
    assert stats.median_first_response_s == pytest.approx(35 * 60)
    assert stats.p90_first_response_s == pytest.approx((10 + 0.9 * 50) * 60)
    assert stats.median_close_s == pytest.approx(120 * 60)
    by_assignee = {s.group for s in inbox.response_times(by="assignee")}
    assert by_assignee == {"ioana", "(unassigned)"}
    breaches = inbox.sla_breaches(target=timedelta(minutes=30), now=T0 + timedelta(hours=2))
    assert [(b.native_id, b.responded) for b in breaches] == [("d", False), ("b", True)]
    with pytest.raises(InvalidFilter):
        inbox.response_times(by="weather")  # type: ignore[arg-type]

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from social_listen import Author, Mention, Metrics, Page, Query, SourceState

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def make(native_id: str, when: datetime = T0, **kw: object) -> Mention:
    return Mention(source="test", native_id=native_id, created_at=when, text="hello", **kw)  # type: ignore[arg-type]


def test_mention_identity_and_int_ids_become_strings() -> None:
    m = Mention(source="hn", native_id=123, created_at=T0)  # type: ignore[arg-type]
    assert m.native_id == "123"
    assert m.key == ("hn", "123")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValidationError):
        Mention(source="hn", native_id="1", created_at=datetime(2026, 1, 1))


def test_raw_payload_is_not_in_repr_and_json_round_trips() -> None:
    m = make(
        "1",
        raw={"token_like": "secret-raw-value"},
        author=Author(handle="a", followers=3),
        metrics=Metrics(likes=2, shares=1),
    )
    assert "secret-raw-value" not in repr(m)
    again = Mention.model_validate_json(m.model_dump_json())
    assert again == m
    assert again.metrics.engagement == 3


def test_lone_surrogates_are_replaced() -> None:
    m = make("1").model_copy()
    m = Mention(source="t", native_id="1", created_at=T0, text="bad \ud800 text")
    assert "\ud800" not in m.text
    m.model_dump_json()


def test_mention_is_frozen() -> None:
    m = make("1")
    with pytest.raises(ValidationError):
        m.text = "changed"  # type: ignore[misc]


def test_json_schema_exports() -> None:
    schema = Mention.model_json_schema()
    assert "native_id" in schema["properties"]
    assert "created_at" in schema["required"]


def test_state_watermark_moves_only_when_run_finishes() -> None:
    state = SourceState()
    page1 = [make("a", T0 + timedelta(minutes=5)), make("b", T0 + timedelta(minutes=5))]
    state = state.observe(page1).with_cursor("p2")
    assert state.watermark is None
    assert state.pending_watermark == T0 + timedelta(minutes=5)
    state = state.observe([make("c", T0)]).finish_run()
    assert state.watermark == T0 + timedelta(minutes=5)
    assert state.boundary_ids == {"a", "b"}
    assert state.cursor is None
    assert state.already_seen(make("a", T0 + timedelta(minutes=5)))
    assert not state.already_seen(make("z", T0 + timedelta(minutes=5)))
    assert SourceState.model_validate_json(state.model_dump_json()) == state


def test_state_clamps_future_dates() -> None:
    future = make("f", datetime(2099, 1, 1, tzinfo=UTC))
    state = SourceState().observe([future], clamp_to=T0).finish_run()
    assert state.watermark == T0


def test_state_since_subtracts_overlap_and_extras_update() -> None:
    state = SourceState(watermark=T0).with_extras(etag='"x"')
    assert state.since(timedelta(minutes=10)) == T0 - timedelta(minutes=10)
    assert state.extras == {"etag": '"x"'}
    assert state.with_extras(etag=None).extras == {}


def test_page_done_and_query_options() -> None:
    assert Page().done
    assert not Page(next_cursor="x").done
    q = Query(text="acme", options={"hackernews": {"tags": "story"}})
    assert q.options_for("hackernews") == {"tags": "story"}
    assert q.options_for("rss") == {}
    assert q.label == "acme"

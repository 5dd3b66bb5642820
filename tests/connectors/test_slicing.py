"""Time slicing around result caps (row 15): the planner, and HTTPConnector runs against capped fakes."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from social_listen.connectors import (
    CursorPaginator,
    HTTPConnector,
    PageNumberPaginator,
    SlicePlan,
    TimeSlicer,
    TimeWindow,
)
from social_listen.core import Capabilities, Mention, Query, SourceState
from social_listen.testing import (
    FakePlatform,
    FakeRequest,
    cursor_listing,
    paged_listing,
    run_pages,
    transport_sender,
)

pytestmark = pytest.mark.reliability(15)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2026, 1, 2, tzinfo=UTC)
NOW = datetime(2026, 1, 3, tzinfo=UTC)


def test_plan_starts_with_one_slice_and_uses_earliest_without_since() -> None:
    slicer = TimeSlicer(result_cap=10, earliest=T0)
    assert slicer.plan(None, T1).pending == (TimeWindow(since=T0, until=T1),)
    assert slicer.plan(T1, T0).done
    with pytest.raises(ValueError, match="result_cap"):
        TimeSlicer(result_cap=0)
    with pytest.raises(ValueError, match="min_width"):
        TimeSlicer(result_cap=1, min_width=timedelta(0))


def test_over_the_cap_bisects_newer_half_first_on_whole_seconds() -> None:
    slicer = TimeSlicer(result_cap=1000)
    plan, accepted = slicer.on_total(slicer.plan(T0, T0 + timedelta(seconds=7)), 1500)
    assert not accepted
    assert plan.splits == 1
    middle = T0 + timedelta(seconds=3)
    assert plan.pending == (
        TimeWindow(since=middle, until=T0 + timedelta(seconds=7)),
        TimeWindow(since=T0, until=middle),
    )
    plan, accepted = slicer.on_total(plan, 1000)  # exactly the cap fits
    assert accepted
    oldest_first = TimeSlicer(result_cap=1000, newest_first=False)
    plan, _ = oldest_first.on_total(oldest_first.plan(T0, T1), 5000)
    assert plan.current == TimeWindow(since=T0, until=T0 + timedelta(hours=12))


def test_a_minimum_width_slice_over_the_cap_is_truncated_with_a_note() -> None:
    slicer = TimeSlicer(result_cap=10)
    plan, accepted = slicer.on_total(slicer.plan(T0, T0 + timedelta(seconds=1)), 11)
    assert accepted  # paged as far as the platform allows
    assert plan.truncated
    assert plan.notes == (f"cap_hit:{T0.isoformat()}/{(T0 + timedelta(seconds=1)).isoformat()}",)


def test_cap_reached_while_paging_continues_below_the_oldest_item() -> None:
    slicer = TimeSlicer(result_cap=10)
    plan = slicer.plan(T0, T1)
    oldest = T0 + timedelta(hours=20)
    plan = slicer.on_cap_reached(plan, oldest=oldest)
    assert plan.current == TimeWindow(since=T0, until=oldest + timedelta(seconds=1))
    assert not plan.truncated
    stuck = slicer.on_cap_reached(plan, oldest=oldest)  # no progress: truncated, moves on
    assert stuck.truncated
    assert stuck.done
    assert slicer.next_slice(slicer.plan(T0, T1)).done


def test_plan_round_trips_through_json() -> None:
    slicer = TimeSlicer(result_cap=5)
    plan, _ = slicer.on_total(slicer.plan(T0, T1), 50)
    assert SlicePlan.model_validate_json(plan.model_dump_json()) == plan
    assert TimeWindow(since=T0, until=T1).since_epoch == int(T0.timestamp())
    assert TimeWindow().until_epoch is None


# ------------------------------------------------------------- Hacker News style: nbHits + nbPages

HN_CAP = 1000


def hn_hits(count: int, *, start: datetime, step_seconds: int) -> list[dict[str, Any]]:
    # modelled on https://hn.algolia.com/api search_by_date hits (newest first)
    return [
        {
            "objectID": str(40_000_000 + i),
            "created_at_i": int(start.timestamp()) - i * step_seconds,
            "title": f"t{i}",
        }
        for i in range(count)
    ]


def _numeric_window(request: FakeRequest, item: Mapping[str, Any]) -> bool:
    filters = request.params.get("numericFilters", "")
    for op, value in re.findall(r"created_at_i(>=|<)(\d+)", filters):
        ts = item["created_at_i"]
        if (op == ">=" and ts < int(value)) or (op == "<" and ts >= int(value)):
            return False
    return True


def hn_platform(hits: list[dict[str, Any]]) -> FakePlatform:
    platform = FakePlatform(name="hn")
    platform.route(
        "GET",
        "/api/v1/search_by_date",
        paged_listing(
            hits,
            items_key="hits",
            first_page=0,
            size_param="hitsPerPage",
            default_size=20,
            max_size=1000,
            result_cap=HN_CAP,
            where=_numeric_window,
            total_key="nbHits",
            total_pages_key="nbPages",
        ),
    )
    return platform


class MiniHN(HTTPConnector):
    """The smallest HN-like connector that slices (the real one lives in hackernews.py)."""

    name = "mini-hn"
    capabilities = Capabilities(since_until=True, order="newest_first", result_cap=HN_CAP)
    base_url = "https://hn.algolia.test"
    path = "/api/v1/search_by_date"
    items_path = "hits"
    paginator = PageNumberPaginator(base=0, total_pages_path="nbPages")
    page_size = 200
    page_size_param = "hitsPerPage"
    slicer = TimeSlicer(result_cap=HN_CAP)

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Mapping[str, Any] | Sequence[tuple[str, Any]]:
        return {
            "query": query.text,
            "numericFilters": f"created_at_i>={window.since_epoch},created_at_i<{window.until_epoch}",
        }

    def total_hits(self, body: Any) -> int | None:
        return body.get("nbHits") if isinstance(body, dict) else None

    def parse_item(self, item: Any) -> Mention | None:
        return Mention(
            source=self.name,
            native_id=item["objectID"],
            title=item["title"],
            created_at=datetime.fromtimestamp(item["created_at_i"], UTC),
        )


def test_hn_style_run_over_2500_hits_collects_each_exactly_once_and_resumes() -> None:
    hits = hn_hits(2600, start=T1 - timedelta(seconds=1), step_seconds=30)
    query = Query(text="acme", since=T0 - timedelta(days=1), until=T1)
    send = transport_sender(hn_platform(hits).transport())
    runs = run_pages(MiniHN(now=lambda: NOW), query, send=send)
    ids = [m.native_id for r in runs for m in r.page.mentions]
    assert len(ids) == len(set(ids)) == 2600
    assert any("resliced" in r.page.notes for r in runs)
    assert not any(r.page.truncated for r in runs)
    assert runs[-1].page.state.watermark == datetime.fromtimestamp(hits[0]["created_at_i"], UTC)

    # interrupted halfway, resumed from the stored state (JSON) with a new connector
    half = len(runs) // 2
    saved = SourceState.model_validate_json(runs[half].page.state.model_dump_json())
    resumed = run_pages(MiniHN(now=lambda: NOW), query, send=send, state=saved)
    again = [m.native_id for r in runs[: half + 1] for m in r.page.mentions]
    again += [m.native_id for r in resumed for m in r.page.mentions]
    assert sorted(again) == sorted(ids)
    assert len(again) == len(set(again))


def test_hn_style_slice_of_one_second_over_the_cap_is_marked_truncated() -> None:
    burst = [{"objectID": str(i), "created_at_i": int(T0.timestamp()) + 5, "title": "x"} for i in range(1200)]
    query = Query(text="acme", since=T0, until=T0 + timedelta(seconds=10))
    runs = run_pages(MiniHN(now=lambda: NOW), query, send=transport_sender(hn_platform(burst).transport()))
    last = runs[-1].page
    assert last.truncated
    assert any(note.startswith("cap_hit:") for note in last.notes)
    assert sum(len(r.page.mentions) for r in runs) == HN_CAP


# --------------------------------------------------- Bluesky style: a cursor that stops at the cap

BSKY_CAP = 50


class MiniBluesky(HTTPConnector):
    name = "mini-bsky"
    capabilities = Capabilities(since_until=True, order="newest_first", result_cap=BSKY_CAP)
    base_url = "https://bsky.test"
    path = "/xrpc/app.bsky.feed.searchPosts"
    items_path = "posts"
    paginator = CursorPaginator()
    page_size = 20
    page_size_param = "limit"
    slicer = TimeSlicer(result_cap=BSKY_CAP)

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Mapping[str, Any] | Sequence[tuple[str, Any]]:
        assert window.since is not None
        assert window.until is not None
        return {"q": query.text, "since": window.since.isoformat(), "until": window.until.isoformat()}

    def parse_item(self, item: Any) -> Mention | None:
        return Mention(
            source=self.name, native_id=item["uri"], created_at=datetime.fromisoformat(item["createdAt"])
        )


def _iso_window(request: FakeRequest, item: Mapping[str, Any]) -> bool:
    when = datetime.fromisoformat(item["createdAt"])
    return (
        datetime.fromisoformat(request.params["since"])
        <= when
        < datetime.fromisoformat(request.params["until"])
    )


def test_cursor_style_run_continues_below_the_oldest_item_when_the_cap_stops_it() -> None:
    # two posts per second so that the window's shrink point has repeats to drop by id
    posts = [
        {
            "uri": f"at://did:plc:x/app.bsky.feed.post/{i}",
            "createdAt": (T1 - timedelta(seconds=1 + i // 2)).isoformat(),
        }
        for i in range(130)
    ]
    platform = FakePlatform()
    platform.route(
        "GET",
        "/xrpc/app.bsky.feed.searchPosts",
        cursor_listing(posts, items_key="posts", default_size=20, result_cap=BSKY_CAP, where=_iso_window),
    )
    runs = run_pages(
        MiniBluesky(now=lambda: NOW),
        Query(text="acme", since=T0, until=T1),
        send=transport_sender(platform.transport()),
    )
    ids = [m.native_id for r in runs for m in r.page.mentions]
    assert len(ids) == len(set(ids)) == 130
    assert not runs[-1].page.truncated

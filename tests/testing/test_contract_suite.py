"""The connector contract suite: a sound connector passes it, broken ones fail the right check."""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from social_listen.connectors import HTTPConnector, PageNumberPaginator, TimeWindow
from social_listen.core import (
    Capabilities,
    Mention,
    Page,
    Query,
    RequestSpec,
    SkippedItem,
    SourceState,
)
from social_listen.testing import ConnectorContract, FakePlatform, FakeRequest, paged_listing

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def forum_items(count: int, *, broken: Sequence[int] = ()) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for i in range(count):
        ts = int((NOW - timedelta(minutes=3 * i + 1)).timestamp())
        item: dict[str, Any] = {"id": 1000 + i, "body": f"acme post {i}", "ts": ts}
        if i in broken:
            del item["ts"]
        items.append(item)
    return items


def _in_window(request: FakeRequest, item: Mapping[str, Any]) -> bool:
    after, before = request.params.get("after"), request.params.get("before")
    ts = item.get("ts", int(NOW.timestamp()) - 1)
    return (after is None or ts >= int(after)) and (before is None or ts < int(before))


def forum_platform(count: int, *, broken: Sequence[int] = ()) -> FakePlatform:
    platform = FakePlatform(name="forum")
    platform.route(
        "GET",
        "/api/search",
        paged_listing(
            forum_items(count, broken=broken),
            items_key="results",
            has_more_key="has_more",
            size_param="limit",
            where=_in_window,
        ),
    )
    return platform


class ForumConnector(HTTPConnector):
    name = "forum"
    capabilities = Capabilities(since_until=True, order="newest_first")
    base_url = "https://forum.example"
    path = "/api/search"
    items_path = "results"
    paginator = PageNumberPaginator(base=1, has_more_path="has_more")
    page_size = 5
    page_size_param = "limit"

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Mapping[str, Any] | Sequence[tuple[str, Any]]:
        return {"q": query.text, "after": window.since_epoch, "before": window.until_epoch}

    def parse_item(self, item: Any) -> Mention | None:
        return Mention(
            source=self.name,
            native_id=item["id"],
            text=item["body"],
            created_at=datetime.fromtimestamp(item["ts"], UTC),
        )


class TestForumContract(ConnectorContract):
    """A sound HTTPConnector passes every check."""

    def make_connector(self) -> ForumConnector:
        return ForumConnector(now=lambda: NOW)

    def make_platform(self) -> FakePlatform:
        return forum_platform(23)

    def make_empty_platform(self) -> FakePlatform:
        return forum_platform(0)

    def make_bad_item_platform(self) -> FakePlatform:
        return forum_platform(12, broken=[2, 7])

    def make_query(self) -> Query:
        return Query(text="acme")


def test_the_sound_connector_exercises_several_pages_and_resumes() -> None:
    contract = TestForumContract()
    runs = contract.contract_run()
    assert len(runs) == 5  # 23 items, 5 per page
    assert sum(len(r.page.mentions) for r in runs) == 23


# ------------------------------------------------------------------------ broken connectors


class HandPagedSource:
    """A hand-written page-number source with switches that break one promise each."""

    name = "handpaged"
    capabilities = Capabilities()

    def __init__(
        self,
        *,
        yield_dict: bool = False,
        keep_cursor_in_state: bool = True,
        stop_on_empty: bool = True,
        naive: bool = False,
        count_skips: bool = True,
        lose_page: int | None = None,
        incremental: bool = True,
    ) -> None:
        self.yield_dict = yield_dict
        self.keep_cursor_in_state = keep_cursor_in_state
        self.stop_on_empty = stop_on_empty
        self.naive = naive
        self.count_skips = count_skips
        self.lose_page = lose_page
        self.incremental = incremental

    def rate_limit(self, response: httpx.Response) -> None:
        return None

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        page_no = int(cursor) if cursor else 1
        request: Any = RequestSpec(
            url="https://forum.example/api/search", params={"page": page_no, "limit": 5}
        )
        if self.yield_dict:
            request = {"url": "https://forum.example/api/search", "params": {"page": page_no}}
        response = yield request
        body = response.json()
        mentions: list[Mention] = []
        skipped: list[SkippedItem] = []
        for item in body["results"]:
            if "ts" not in item:
                if self.count_skips:
                    skipped.append(SkippedItem(reason="invalid_item", item_id=str(item["id"])))
                continue
            created = datetime.fromtimestamp(item["ts"], UTC)
            since = state.since(timedelta(minutes=10))
            if self.incremental and since is not None and created < since:
                continue
            if self.incremental and state.already_seen(
                Mention(source=self.name, native_id=item["id"], created_at=created)
            ):
                continue
            if self.naive:
                mentions.append(
                    Mention.model_construct(
                        source=self.name,
                        native_id=item["id"],
                        text=item["body"],
                        created_at=created.replace(tzinfo=None),
                    )
                )
            else:
                mentions.append(
                    Mention(source=self.name, native_id=item["id"], text=item["body"], created_at=created)
                )
        if self.lose_page == page_no:
            mentions = []
        more = body["has_more"] or (not self.stop_on_empty and not body["results"])
        next_cursor = str(page_no + 1) if more else None
        new_state = state.observe(mentions)
        if next_cursor is None:
            new_state = new_state.finish_run()
        elif self.keep_cursor_in_state:
            new_state = new_state.with_cursor(next_cursor)
        return Page(
            mentions=tuple(mentions), next_cursor=next_cursor, state=new_state, skipped=tuple(skipped)
        )


class HandPagedContract(ConnectorContract):
    """Not collected (no Test prefix): instantiated by the tests below with a broken source."""

    max_pages = 20

    def __init__(self, factory: Callable[[], HandPagedSource]) -> None:
        self.factory = factory

    def make_connector(self) -> HandPagedSource:
        return self.factory()

    def make_platform(self) -> FakePlatform:
        return forum_platform(23)

    def make_empty_platform(self) -> FakePlatform:
        return forum_platform(0)

    def make_bad_item_platform(self) -> FakePlatform:
        return forum_platform(12, broken=[2, 7])

    def make_query(self) -> Query:
        return Query(text="acme")


CHECKS = [
    "test_contract_flow_yields_request_specs",
    "test_contract_run_finishes_with_mentions",
    "test_contract_ids_are_strings",
    "test_contract_datetimes_are_aware",
    "test_contract_state_round_trips_through_json",
    "test_contract_resume_from_every_page",
    "test_contract_skipped_items_are_counted_with_reasons",
    "test_contract_empty_result_stops_cleanly",
    "test_contract_incremental_run_starts_at_the_watermark",
]


def test_the_hand_written_source_passes_when_nothing_is_broken() -> None:
    contract = HandPagedContract(HandPagedSource)
    for check in CHECKS:
        getattr(contract, check)()


@pytest.mark.parametrize(
    ("options", "failing_check", "message"),
    [
        ({"yield_dict": True}, "test_contract_flow_yields_request_specs", "not a RequestSpec"),
        ({"naive": True}, "test_contract_ids_are_strings", "not a string"),
        ({"naive": True}, "test_contract_datetimes_are_aware", "naive"),
        ({"keep_cursor_in_state": False}, "test_contract_state_round_trips_through_json", "cursor"),
        ({"keep_cursor_in_state": False}, "test_contract_resume_from_every_page", "repeats"),
        (
            {"count_skips": False},
            "test_contract_skipped_items_are_counted_with_reasons",
            "counted as skipped",
        ),
        ({"stop_on_empty": False}, "test_contract_empty_result_stops_cleanly", "did not finish"),
        (
            {"incremental": False},
            "test_contract_incremental_run_starts_at_the_watermark",
            "older than|at the watermark",
        ),
    ],
)
def test_a_broken_connector_fails_the_contract(
    options: dict[str, Any], failing_check: str, message: str | None
) -> None:
    contract = HandPagedContract(lambda: HandPagedSource(**options))
    with pytest.raises(AssertionError, match=message):
        getattr(contract, failing_check)()


def test_a_connector_that_loses_items_on_resume_fails_the_resume_check() -> None:
    made = {"count": 0}

    def factory() -> HandPagedSource:
        made["count"] += 1
        # the first (full) run is sound; every resumed run drops the items of page 3
        return HandPagedSource(lose_page=None if made["count"] == 1 else 3)

    with pytest.raises(AssertionError, match="misses"):
        HandPagedContract(factory).test_contract_resume_from_every_page()


def test_contract_requires_the_factories() -> None:
    class Incomplete(ConnectorContract):
        pass

    with pytest.raises(NotImplementedError, match="make_connector"):
        Incomplete().test_contract_ids_are_strings()


def test_bad_item_check_is_skipped_with_a_reason_when_not_provided() -> None:
    class NoBadItems(HandPagedContract):
        def make_bad_item_platform(self) -> None:  # type: ignore[override]
            return None

    with pytest.raises(pytest.skip.Exception, match="make_bad_item_platform"):
        NoBadItems(HandPagedSource).test_contract_skipped_items_are_counted_with_reasons()

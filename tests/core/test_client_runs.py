"""Client and AsyncClient driving connectors: pages, checkpoints, resume, fetch_many."""

from __future__ import annotations

import httpx
import pytest
from client_support import QUERY, FileSource, PagedSource, Platform, Sleeps, page_body

from social_listen import (
    AsyncClient,
    Client,
    FetchResult,
    MemoryCheckpointer,
    PaginationLoop,
    Query,
    SourceError,
    SourceState,
)


def client_for(platform: Platform, sleeps: Sleeps | None = None) -> Client:
    sleeps = sleeps or Sleeps()
    return Client(transport=platform.transport(), sleep=sleeps, clock=sleeps.clock, random=lambda: 0.5)


def async_client_for(platform: Platform, sleeps: Sleeps | None = None) -> AsyncClient:
    sleeps = sleeps or Sleeps()
    return AsyncClient(
        transport=platform.transport(), sleep=sleeps.asleep, clock=sleeps.clock, random=lambda: 0.5
    )


def ids(result: FetchResult) -> list[str]:
    return [m.native_id for m in result.mentions]


def test_fetch_three_pages_commits_each_page_before_the_next() -> None:
    platform = Platform()
    checkpointer = MemoryCheckpointer()
    commits_seen: list[int] = []
    platform.on_request = lambda request: commits_seen.append(checkpointer.commits)
    with client_for(platform) as client:
        result = client.fetch(PagedSource(), QUERY, checkpointer=checkpointer)

    assert result.ok
    assert result.error is None
    assert ids(result) == [str(i) for i in range(1, 10)]
    assert commits_seen == [0, 1, 2]  # page n+1 is requested only after page n was committed
    assert checkpointer.commits == 3
    assert sorted(checkpointer.mentions) == sorted(("inline", str(i)) for i in range(1, 10))
    assert result.source_key == "inline:acme"
    assert checkpointer.states["inline:acme"] == result.state
    assert result.state.cursor is None
    assert result.state.watermark is not None
    c = result.completeness
    assert (c.pages, c.requests, c.items, c.retries, c.error) == (3, 3, 9, 0, None)
    assert c.finished_at is not None
    assert c.complete


def test_iter_pages_yields_each_page_with_the_state_after_it() -> None:
    with client_for(Platform()) as client:
        steps = list(client.iter_pages(PagedSource(), QUERY))
    assert [state.cursor for _, state in steps] == ["2", "3", None]
    assert [len(page.mentions) for page, _ in steps] == [3, 3, 3]
    assert steps[-1][1].watermark is not None


def test_iter_pages_starts_from_the_state_cursor() -> None:
    platform = Platform()
    with client_for(platform) as client:
        steps = list(client.iter_pages(PagedSource(), QUERY, state=SourceState(cursor="3")))
    assert [r.url.params["page"] for r in platform.requests] == ["3"]
    assert [m.native_id for m in steps[0][0].mentions] == ["7", "8", "9"]


@pytest.mark.reliability(16)
def test_resume_after_a_crash_ends_with_every_item_exactly_once() -> None:
    checkpointer = MemoryCheckpointer()
    source = PagedSource()
    source.crash_on = "3"  # the process "dies" after page 2 was committed
    with client_for(Platform()) as client:
        first = client.fetch(source, QUERY, checkpointer=checkpointer)
        assert isinstance(first.error, SourceError)
        assert "simulated crash" in str(first.error)
        assert first.state.cursor == "3"
        assert checkpointer.states["inline:acme"].cursor == "3"
        assert first.completeness.error is not None
        assert first.completeness.pages == 2

        source.crash_on = None
        second = client.fetch(source, QUERY, checkpointer=checkpointer)
    assert second.ok
    everything = ids(first) + ids(second)
    assert sorted(everything, key=int) == [str(i) for i in range(1, 10)]  # no gap, no repeat
    assert len(checkpointer.mentions) == 9
    assert checkpointer.states["inline:acme"].cursor is None


def test_resume_with_iter_pages_after_the_caller_crashes() -> None:
    saved: list[SourceState] = []
    collected: list[str] = []

    def crash_after_two_pages(client: Client) -> None:
        for page, state in client.iter_pages(PagedSource(), QUERY):
            collected.extend(m.native_id for m in page.mentions)
            saved.append(state)
            if len(saved) == 2:
                raise KeyboardInterrupt

    with client_for(Platform()) as client:
        with pytest.raises(KeyboardInterrupt):
            crash_after_two_pages(client)
        for page, _ in client.iter_pages(PagedSource(), QUERY, state=saved[-1]):
            collected.extend(m.native_id for m in page.mentions)
    assert collected == [str(i) for i in range(1, 10)]


def test_duplicates_across_pages_are_dropped_and_counted() -> None:
    platform = Platform({"1": page_body([1, 2], "2"), "2": page_body([2, 3], None)})
    with client_for(platform) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert ids(result) == ["1", "2", "3"]
    assert result.completeness.duplicates_dropped == 1
    assert result.completeness.items == 3


@pytest.mark.reliability(14)
def test_repeated_cursor_raises_pagination_loop_without_committing_the_loop() -> None:
    platform = Platform({"1": page_body([1], "2"), "2": page_body([2], "3"), "3": page_body([3], "2")})
    checkpointer = MemoryCheckpointer()
    with client_for(platform) as client:
        with pytest.raises(PaginationLoop):
            list(client.iter_pages(PagedSource(), QUERY))
        result = client.fetch(PagedSource(), QUERY, checkpointer=checkpointer)
    assert isinstance(result.error, PaginationLoop)
    # page 3 (whose next cursor loops back) is not committed: the checkpoint never enters the loop
    assert checkpointer.states["inline:acme"].cursor == "3"
    assert [m.native_id for m in result.mentions] == ["1", "2"]


@pytest.mark.reliability(14)
def test_page_cap_stops_the_run_and_the_next_run_resumes() -> None:
    checkpointer = MemoryCheckpointer()
    with client_for(Platform()) as client:
        first = client.fetch(PagedSource(), QUERY, checkpointer=checkpointer, max_pages=2)
        assert isinstance(first.error, PaginationLoop)
        assert "page cap" in str(first.error)
        assert ids(first) == [str(i) for i in range(1, 7)]
        second = client.fetch(PagedSource(), QUERY, checkpointer=checkpointer, max_pages=2)
    assert second.ok
    assert ids(second) == ["7", "8", "9"]


def test_a_non_http_source_runs_without_requests() -> None:
    platform = Platform()
    with client_for(platform) as client:
        result = client.fetch(FileSource(), Query(text="anything"))
    assert result.ok
    assert ids(result) == ["1", "2"]
    assert platform.requests == []
    assert result.completeness.requests == 0
    assert result.completeness.pages == 1


@pytest.mark.reliability(7)
def test_a_4xx_goes_to_the_connector_at_once() -> None:
    platform = Platform()
    platform.script = [httpx.Response(404, json={"error": "gone"})]
    source = PagedSource()
    with client_for(platform) as client:
        result = client.fetch(source, QUERY)
    assert result.ok
    assert len(platform.requests) == 1
    assert [r.status_code for r in source.seen_responses] == [404]
    assert "not_found" in result.completeness.notes


@pytest.mark.reliability(7)
def test_a_4xx_the_connector_does_not_handle_becomes_a_source_error() -> None:
    platform = Platform()
    platform.script = [httpx.Response(400, json={"message": "bad"})]
    with client_for(platform) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert type(result.error) is SourceError
    assert "HTTP 400" in str(result.error)
    assert len(platform.requests) == 1
    platform.script = [httpx.Response(400, json={"message": "bad"})]
    with client_for(platform) as client, pytest.raises(SourceError, match="HTTP 400"):
        list(client.iter_pages(PagedSource(), QUERY))


def test_fetch_many_isolates_failures() -> None:
    platform = Platform()
    broken = PagedSource("broken")
    broken.crash_on = "2"
    with client_for(platform) as client:
        results = client.fetch_many([(PagedSource("a"), QUERY), (broken, QUERY), (PagedSource("c"), QUERY)])
    assert [r.source for r in results] == ["a", "broken", "c"]
    assert [r.ok for r in results] == [True, False, True]
    assert len(results[1].mentions) == 3
    assert len(results[2].mentions) == 9


def test_fetch_result_serializes_without_the_error_object() -> None:
    source = PagedSource()
    source.crash_on = "2"
    with client_for(Platform()) as client:
        result = client.fetch(source, QUERY)
    data = result.model_dump(mode="json")
    assert "error" not in data
    assert data["completeness"]["error"]
    assert not result.ok


async def test_async_client_runs_the_same_connector() -> None:
    checkpointer = MemoryCheckpointer()
    async with async_client_for(Platform()) as client:
        result = await client.fetch(PagedSource(), QUERY, checkpointer=checkpointer)
        steps = [state.cursor async for _, state in client.iter_pages(PagedSource(), QUERY)]
    assert result.ok
    assert ids(result) == [str(i) for i in range(1, 10)]
    assert checkpointer.commits == 3
    assert steps == ["2", "3", None]


@pytest.mark.reliability(16)
async def test_async_resume_after_a_crash() -> None:
    checkpointer = MemoryCheckpointer()
    source = PagedSource()
    source.crash_on = "3"
    async with async_client_for(Platform()) as client:
        first = await client.fetch(source, QUERY, checkpointer=checkpointer)
        source.crash_on = None
        second = await client.fetch(source, QUERY, checkpointer=checkpointer)
    assert not first.ok
    assert second.ok
    assert sorted(ids(first) + ids(second), key=int) == [str(i) for i in range(1, 10)]


async def test_async_fetch_many_runs_concurrently_and_isolates_failures() -> None:
    broken = PagedSource("broken")
    broken.crash_on = "2"
    async with AsyncClient(transport=Platform().transport(), concurrency=2) as client:
        results = await client.fetch_many(
            [(PagedSource(f"s{i}"), QUERY) for i in range(3)] + [(broken, QUERY)]
        )
    assert [r.source for r in results] == ["s0", "s1", "s2", "broken"]
    assert [r.ok for r in results] == [True, True, True, False]
    assert all(len(r.mentions) == 9 for r in results[:3])
    assert len(results[3].mentions) == 3


def test_the_default_sleep_is_the_real_one_looked_up_at_call_time() -> None:
    # The test guard patches time.sleep; a default bound at import would bypass it.
    platform = Platform()
    platform.script = [httpx.Response(503, headers={"Retry-After": "1"})]
    with (
        Client(transport=platform.transport()) as client,
        pytest.raises(RuntimeError, match="may not really sleep"),
    ):
        client.fetch(PagedSource(), QUERY)

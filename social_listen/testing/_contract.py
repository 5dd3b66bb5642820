"""``ConnectorContract``: the test suite every connector should pass, ready to subclass.

A connector's test class subclasses :class:`ConnectorContract` and provides factories for the
connector, the fake platform it talks to and a query; pytest then collects the inherited
``test_contract_*`` methods. The suite drives the connector's sans-I/O flow directly (no
retries or pacing hide a bug) and checks the promises the rest of the library relies on:
requests are ``RequestSpec`` objects, ids are strings, datetimes are aware, state round-trips
through JSON, a run resumed from any page's state ends with every item exactly once, skipped
items are counted with reasons, and an empty result stops cleanly. When the runtime clients are
installed, the same run also goes through ``Client`` and ``AsyncClient``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

import httpx

from social_listen.core import DEFAULT_LIMITS, Mention, Query, RequestSpec, Source, SourceState
from social_listen.testing._drive import PageRun, run_pages, transport_sender
from social_listen.testing._fake import FakePlatform

__all__ = ["ConnectorContract"]

PlatformLike = FakePlatform | httpx.BaseTransport


def _transport(platform: PlatformLike) -> httpx.BaseTransport:
    return platform.transport() if isinstance(platform, FakePlatform) else platform


def _async_transport(platform: PlatformLike) -> httpx.AsyncBaseTransport:
    transport = _transport(platform)
    if not isinstance(transport, httpx.AsyncBaseTransport):
        raise AssertionError("the platform's transport cannot serve AsyncClient; return a FakePlatform")
    return transport


def _mentions(runs: Iterable[PageRun]) -> list[Mention]:
    return [m for run in runs for m in run.page.mentions]


def _duplicates(keys: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [key for key, count in Counter(keys).items() if count > 1]


def _aware(value: datetime | None) -> bool:
    return value is None or (value.tzinfo is not None and value.utcoffset() is not None)


class ConnectorContract:
    """The connector contract suite; subclass it in a ``Test...`` class.

    Provide :meth:`make_connector`, :meth:`make_platform`, :meth:`make_query` and
    :meth:`make_empty_platform`; provide :meth:`make_bad_item_platform` to check skip counting
    (the check is skipped, with a reason, when it returns ``None``). Connectors that read
    files rather than HTTP override the ``make_*_connector`` factories instead and may leave
    the platforms at their default (a transport that refuses every request).

    Attributes:
        min_pages: The normal platform must serve at least this many pages, so that resuming
            is really exercised.
        max_pages: A run longer than this fails the suite.
        incremental: The connector starts later runs at the watermark minus the overlap;
            set ``False`` for a source that can only re-read everything (the check skips).

    Examples:
        >>> class TestForumContract(ConnectorContract):  # doctest: +SKIP
        ...     def make_connector(self):
        ...         return ForumConnector(page_size=5)
        ...     def make_platform(self):
        ...         return forum_platform(items=23)
        ...     def make_empty_platform(self):
        ...         return forum_platform(items=0)
        ...     def make_bad_item_platform(self):
        ...         return forum_platform(items=7, broken={3})
        ...     def make_query(self):
        ...         return Query(text="acme")
    """

    min_pages: ClassVar[int] = 2
    max_pages: ClassVar[int] = 200
    incremental: ClassVar[bool] = True

    # ------------------------------------------------------------------ what subclasses provide

    def make_connector(self) -> Source:
        """A new connector instance (called once per run)."""
        raise NotImplementedError("ConnectorContract subclasses must implement make_connector")

    def make_query(self) -> Query:
        """The query every run uses."""
        raise NotImplementedError("ConnectorContract subclasses must implement make_query")

    def make_platform(self) -> PlatformLike:
        """A platform serving several pages of valid items (a new one per run)."""
        return httpx.MockTransport(self._no_requests)

    def make_empty_platform(self) -> PlatformLike:
        """A platform whose search returns a valid, empty result."""
        return httpx.MockTransport(self._no_requests)

    def make_bad_item_platform(self) -> PlatformLike | None:
        """A platform serving some invalid items among valid ones, or ``None`` to skip."""
        return None

    def make_empty_connector(self) -> Source:
        """The connector for the empty scenario (default: :meth:`make_connector`)."""
        return self.make_connector()

    def make_bad_item_connector(self) -> Source:
        """The connector for the bad-item scenario (default: :meth:`make_connector`)."""
        return self.make_connector()

    @staticmethod
    def _no_requests(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected request {request.method} {request.url}: provide make_platform()")

    # ------------------------------------------------------------------------------ helpers

    def contract_run(
        self,
        *,
        state: SourceState | None = None,
        platform: PlatformLike | None = None,
        connector: Source | None = None,
    ) -> list[PageRun]:
        """One whole run against a fresh platform, driven by hand."""
        source = connector or self.make_connector()
        send = transport_sender(_transport(platform if platform is not None else self.make_platform()))
        try:
            return run_pages(source, self.make_query(), send=send, state=state, max_pages=self.max_pages)
        except TypeError as exc:  # transport_sender refuses what is not a RequestSpec
            raise AssertionError(str(exc)) from exc

    # -------------------------------------------------------------------------------- checks

    def test_contract_flow_yields_request_specs(self) -> None:
        """Every object the flow yields is a ``RequestSpec`` with an absolute http(s) URL."""
        runs = self.contract_run()
        for run in runs:
            for request in run.requests:
                assert isinstance(request, RequestSpec), f"the flow yielded {type(request).__name__}"
                assert request.url.startswith(("http://", "https://")), f"relative URL {request.url!r}"

    def test_contract_run_finishes_with_mentions(self) -> None:
        """A run ends (``next_cursor`` None, state without cursor) after at least ``min_pages``."""
        runs = self.contract_run()
        assert len(runs) >= self.min_pages, (
            f"the platform served {len(runs)} page(s); give it enough items for {self.min_pages}"
        )
        assert runs[-1].page.done
        assert runs[-1].page.state.cursor is None, "the last page's state still has a cursor"
        mentions = _mentions(runs)
        assert mentions, "the run collected nothing"
        assert not _duplicates(m.key for m in mentions), "one run returned the same mention twice"

    def test_contract_ids_are_strings(self) -> None:
        """``source`` and ``native_id`` are non-empty strings, ``source`` the connector's name."""
        connector = self.make_connector()
        for mention in _mentions(self.contract_run(connector=connector)):
            assert isinstance(mention.native_id, str), f"native_id {mention.native_id!r} is not a string"
            assert mention.native_id, "empty native_id"
            assert isinstance(mention.source, str), "source is not a string"
            assert mention.source == connector.name, f"source {mention.source!r} != name {connector.name!r}"

    def test_contract_datetimes_are_aware(self) -> None:
        """Every datetime on every mention carries a timezone."""
        for mention in _mentions(self.contract_run()):
            for field in ("created_at", "sort_at", "edited_at", "collected_at"):
                value = getattr(mention, field)
                assert _aware(value), f"{field} of {mention.native_id} is naive: {value!r}"

    def test_contract_state_round_trips_through_json(self) -> None:
        """Each page's state survives JSON, and carries the page's cursor."""
        for index, run in enumerate(self.contract_run()):
            state = run.page.state
            restored = SourceState.model_validate_json(state.model_dump_json())
            assert restored == state, f"the state after page {index + 1} changes through JSON"
            assert state.cursor == run.page.next_cursor, (
                f"the state after page {index + 1} does not carry the next cursor, so a crash loses the place"
            )

    def test_contract_resume_from_every_page(self) -> None:
        """Resuming from any page's state ends with every item exactly once, nothing missing."""
        full = self.contract_run()
        expected = [m.key for m in _mentions(full)]
        final_watermark = full[-1].page.state.watermark
        for index, run in enumerate(full[:-1]):
            saved = SourceState.model_validate_json(run.page.state.model_dump_json())
            resumed = self.contract_run(state=saved)
            keys = [m.key for r in full[: index + 1] for m in r.page.mentions] + [
                m.key for m in _mentions(resumed)
            ]
            duplicates = _duplicates(keys)
            assert not duplicates, f"resuming after page {index + 1} repeats {duplicates[:5]}"
            missing = set(expected) - set(keys)
            assert not missing, f"resuming after page {index + 1} misses {sorted(missing)[:5]}"
            assert resumed[-1].page.state.watermark == final_watermark, (
                f"resuming after page {index + 1} ends with another watermark"
            )

    def test_contract_incremental_run_starts_at_the_watermark(self) -> None:
        """A run from a finished state returns nothing older than watermark minus overlap."""
        if not self.incremental:
            _skip("the connector declares incremental = False")
        full = self.contract_run()
        final = SourceState.model_validate_json(full[-1].page.state.model_dump_json())
        assert final.watermark is not None, "a finished run with mentions left no watermark"
        connector = self.make_connector()
        overlap = getattr(getattr(connector, "limits", None), "overlap", DEFAULT_LIMITS.overlap)
        start = final.watermark - overlap
        again = self.contract_run(state=final, connector=connector)
        for mention in _mentions(again):
            assert mention.effective_time >= start, (
                f"{mention.native_id} ({mention.effective_time}) is older than watermark minus overlap"
            )
            assert not final.already_seen(mention), (
                f"{mention.native_id} was recorded at the watermark already"
            )
        after = again[-1].page.state.watermark
        assert after is not None, "the incremental run lost the watermark"
        assert after >= final.watermark, "the incremental run moved the watermark back"

    def test_contract_skipped_items_are_counted_with_reasons(self) -> None:
        """Invalid items are skipped, each counted with a reason; valid ones still arrive."""
        platform = self.make_bad_item_platform()
        if platform is None:
            _skip("make_bad_item_platform() is not provided")
        runs = self.contract_run(platform=platform, connector=self.make_bad_item_connector())
        skipped = [s for run in runs for s in run.page.skipped]
        assert skipped, "the bad items were neither collected as errors nor counted as skipped"
        for item in skipped:
            assert item.reason.strip(), "a skipped item has no reason"
        assert _mentions(runs), "the valid items around the bad ones were lost"

    def test_contract_empty_result_stops_cleanly(self) -> None:
        """An empty result is one finished page without mentions, and the state is clean."""
        runs = self.contract_run(platform=self.make_empty_platform(), connector=self.make_empty_connector())
        assert len(runs) == 1, f"an empty result took {len(runs)} pages"
        page = runs[0].page
        assert page.done
        assert page.mentions == ()
        assert page.state.cursor is None
        assert SourceState.model_validate_json(page.state.model_dump_json()) == page.state

    def test_contract_runs_under_client_and_async_client(self) -> None:
        """The same run through ``Client`` and ``AsyncClient`` collects the same mentions."""
        try:
            from social_listen.core import AsyncClient, Client  # type: ignore[attr-defined,unused-ignore]
        except ImportError:
            _skip("the runtime clients are not available in this version")
        direct = self.contract_run()
        expected = sorted(m.key for m in _mentions(direct))
        final_watermark = direct[-1].page.state.watermark
        waits: list[float] = []

        with Client(
            transport=_transport(self.make_platform()), sleep=waits.append, **self.client_options()
        ) as client:
            result = client.fetch(self.make_connector(), self.make_query())
        assert result.error is None, f"the Client run failed: {result.error!r}"
        assert sorted(m.key for m in result.mentions) == expected, "the Client run collected other mentions"
        assert result.state.cursor is None
        assert result.state.watermark == final_watermark

        async def record(seconds: float) -> None:
            waits.append(seconds)

        async def run_async() -> Any:
            async with AsyncClient(
                transport=_async_transport(self.make_platform()), sleep=record, **self.client_options()
            ) as client:
                return await client.fetch(self.make_connector(), self.make_query())

        async_result = asyncio.run(run_async())
        assert async_result.error is None, f"the AsyncClient run failed: {async_result.error!r}"
        assert sorted(m.key for m in async_result.mentions) == expected, (
            "the AsyncClient run collected others"
        )
        assert async_result.state.watermark == final_watermark

    def client_options(self) -> dict[str, Any]:
        """Extra keyword options for both clients in the client check (``allow_networks``...)."""
        return {}


def _skip(reason: str) -> Any:
    import pytest  # the suite runs under pytest; the rest of the kit does not need it

    pytest.skip(reason)

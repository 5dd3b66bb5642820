"""A collector process for the scale-out test: leases sources from PostgreSQL and collects them.

``python scaleout_collector.py DSN SCHEMA HOLDER`` leases one source at a time, drives a fake
platform (a plain Source that needs no HTTP: its ``fetch_page`` yields no request), commits each
page with its lease (a fencing token), renews the lease, and gives the source back after a few
pages so the collectors rotate. It exits when every source is done.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

from social_listen.core import (
    Author,
    Capabilities,
    FetchFlow,
    LeaseLost,
    Mention,
    Page,
    Query,
    SourceState,
)
from social_listen.store import PostgresStore

SOURCES = 10
PER_SOURCE = 1000
PAGE = 100
TTL = timedelta(seconds=2)
T0 = datetime(2026, 2, 1, tzinfo=UTC)


class FakePlatform:
    """Serves source ``k``'s items ``k*1000 .. k*1000+999`` oldest first, 100 per page."""

    name = "fakeplatform"
    capabilities = Capabilities(order="oldest_first", max_page_size=PAGE)

    def __init__(self, index: int) -> None:
        self.index = index

    def fetch_page(self, query: Query, *, cursor: str | None, state: SourceState) -> FetchFlow:
        page = int(cursor or 0)
        start = self.index * PER_SOURCE + page * PAGE
        mentions = tuple(
            Mention(
                source=self.name,
                native_id=str(i),
                text=f"post {i} about {query.text}",
                author=Author(handle=f"user{i % 50}"),
                created_at=T0 + timedelta(seconds=i),
                brands=("acme",),
                raw={"id": i},
            )
            for i in range(start, min(start + PAGE, (self.index + 1) * PER_SOURCE))
        )
        more = (page + 1) * PAGE < PER_SOURCE
        if False:  # a generator that sends no request: the platform is in-process
            yield
        return Page(mentions=mentions, next_cursor=str(page + 1) if more else None)

    def rate_limit(self, response: object) -> None:
        return None


def run_flow(flow: FetchFlow) -> Page:
    try:
        next(flow)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    raise RuntimeError("the fake platform does not send requests")


def main(dsn: str, schema: str, holder: str) -> int:
    store = PostgresStore(dsn, schema=schema, pool_size=2)
    query = Query(text="acme")
    while True:
        lease = store.leases.acquire(holder=holder, ttl=TTL)
        if lease is None:
            if all(done for _, done, _ in store.leases.status().values()):
                return 0
            time.sleep(0.05)
            continue
        index = int(lease.source_key.split(":")[1])
        source = FakePlatform(index)
        try:
            for _ in range(3):
                state = store.load_state(lease.source_key) or SourceState()
                if state.extras.get("complete"):
                    store.leases.release(lease, done=True)
                    break
                page = run_flow(source.fetch_page(query, cursor=state.cursor, state=state))
                after = state.with_cursor(page.next_cursor)
                if page.next_cursor is None:
                    after = after.with_extras(complete=True)
                store.commit_page(page, after, source_key=lease.source_key, lease=lease)
                lease = store.leases.renew(lease, ttl=TTL)
            else:
                store.leases.release(lease)
        except LeaseLost:
            continue


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))

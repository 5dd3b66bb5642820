from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from account_conn_support import assert_no_secret, debug_logs, load_fixture, parse_iso
from open_conn_support import Collector, drive

from social_listen.connectors import SpendCap
from social_listen.connectors.x import XConnector, parse_x_post, split_x_query
from social_listen.core import AuthError, ConfigError, Query, QuotaExceeded, SourceState

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BEARER = "test-x-bearer"


class FakeX:
    """counts/recent and search/recent over numbered posts (ids grow with time)."""

    def __init__(self, count: int, *, consumer: tuple[str, str] | None = None) -> None:
        self.posts = [self.post(i) for i in range(count)]
        self.searches: list[httpx.Request] = []
        self.counts: list[httpx.Request] = []
        self.tokens = 0
        self.valid = {BEARER}
        self.consumer = consumer
        self.status: list[int] = []

    @staticmethod
    def post(i: int) -> dict[str, Any]:
        return {
            "id": str(1_000_000 + i),
            "text": f"acme post {i}",
            "author_id": str(500 + i % 3),
            "created_at": (NOW - timedelta(hours=48) + timedelta(minutes=i)).strftime(
                "%Y-%m-%dT%H:%M:%S.000Z"
            ),
            "lang": "en",
            "public_metrics": {
                "retweet_count": 0,
                "reply_count": 0,
                "like_count": i,
                "quote_count": 0,
                "impression_count": 10,
            },
        }

    def matching(self, params: httpx.QueryParams) -> list[dict[str, Any]]:
        selected = [
            p for p in self.posts if any(t.strip('"') in p["text"] for t in params["query"].split(" OR "))
        ]
        if "since_id" in params:
            selected = [p for p in selected if int(p["id"]) > int(params["since_id"])]
        if "start_time" in params:
            selected = [p for p in selected if parse_iso(p["created_at"]) >= parse_iso(params["start_time"])]
        return sorted(selected, key=lambda p: int(p["id"]), reverse=True)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            self.tokens += 1
            assert self.consumer is not None
            expected = "Basic " + base64.b64encode(":".join(self.consumer).encode()).decode()
            if request.headers["authorization"] != expected:
                return httpx.Response(
                    403, json={"errors": [{"message": "Unable to verify your credentials"}]}
                )
            token = f"test-x-bearer-{self.tokens}"
            self.valid = {token}
            return httpx.Response(200, json={"token_type": "bearer", "access_token": token})
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.valid:
            return httpx.Response(
                401,
                json={
                    "title": "Unauthorized",
                    "type": "about:blank",
                    "status": 401,
                    "detail": "Unauthorized",
                },
            )
        if self.status:
            status = self.status.pop(0)
            return httpx.Response(
                status, json={"title": "Forbidden", "detail": "client-not-enrolled", "status": status}
            )
        params = request.url.params
        selected = self.matching(params)
        if request.url.path == "/2/tweets/counts/recent":
            self.counts.append(request)
            return httpx.Response(200, json={"data": [], "meta": {"total_tweet_count": len(selected)}})
        assert request.url.path == "/2/tweets/search/recent"
        assert len(params["query"]) <= 512
        self.searches.append(request)
        size = int(params["max_results"])
        assert 10 <= size <= 100
        start = int(params.get("next_token", "0"))
        page = selected[start : start + size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if start + size < len(selected):
            meta["next_token"] = str(start + size)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = page
            body["includes"] = {
                "users": [{"id": str(500 + k), "username": f"user{k}", "name": f"User {k}"} for k in range(3)]
            }
        headers = {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": "449",
            "x-rate-limit-reset": str(int(NOW.timestamp()) + 900),
        }
        return httpx.Response(200, json=body, headers=headers)


def make(**kw):
    kw.setdefault("bearer_token", BEARER)
    kw.setdefault("spend_cap_usd", 100.0)
    return XConnector(now=lambda: NOW, **kw)


def test_parse_post_field_by_field() -> None:
    body = load_fixture("x_search_recent.json")
    users = {u["id"]: u for u in body["includes"]["users"]}
    m = parse_x_post(body["data"][0], users=users)
    assert m.native_id == "1991234567890123458"
    assert m.url == "https://x.com/testcustomer/status/1991234567890123458"
    assert m.text.startswith("@acmehelp my Widget 2")
    assert m.author is not None
    assert (m.author.handle, m.author.name, m.author.id) == ("testcustomer", "Test Customer", "2244994945")
    assert (m.author.followers, m.author.verified) == (321, False)
    assert m.created_at == datetime(2026, 11, 20, 10, 15, tzinfo=UTC)
    assert m.language == "en"
    assert (m.metrics.likes, m.metrics.shares, m.metrics.replies, m.metrics.quotes, m.metrics.views) == (
        9,
        2,
        1,
        0,
        1500,
    )
    assert m.parent_id == "1991234567890123400"
    assert m.thread_id == "1991234567890123400"
    assert m.links == ("https://acme.example/orders/4411",)
    assert m.hashtags == ("acmefail",)
    assert m.mentioned_handles == ("acmehelp",)
    other = parse_x_post(body["data"][1], users=users)
    assert other.language is None  # "und"
    assert other.author is not None
    assert other.author.handle == "9999000001"  # no user object expanded
    page = drive(
        make(preflight=False),
        Query(text="widget OR acme"),
        lambda r: httpx.Response(200, json=body),
        state=SourceState(),
    )
    assert [p.author.handle for p in page.mentions if p.author] == ["testcustomer", "9999000001"]


def test_long_queries_are_split_at_512_characters() -> None:
    terms = [f"brandvariant{i:03d}" for i in range(80)]
    chunks = split_x_query(terms)
    assert len(chunks) > 1
    assert all(len(c) <= 512 for c in chunks)
    assert [t for c in chunks for t in c.split(" OR ")] == terms
    fake = FakeX(0)
    run = Collector(make(preflight=False), Query(text=" OR ".join(terms)), fake)
    run.run()
    assert len(fake.searches) == len(chunks)


def test_run_estimated_over_the_cap_stops_before_any_read() -> None:
    fake = FakeX(300)
    connector = make(spend_cap_usd=1.0)
    with pytest.raises(QuotaExceeded) as info:
        Collector(connector, Query(text="acme"), fake).run()
    assert fake.searches == []  # no post was read (nor paid for)
    assert len(fake.counts) == 1
    assert (info.value.needed, info.value.remaining) == (1.5, 1.0)
    assert "300 posts" in str(info.value)
    assert "1.5 USD" in str(info.value)


def test_page_guard_stops_before_the_page_that_would_exceed() -> None:
    fake = FakeX(300)
    connector = make(spend_cap_usd=0.75, preflight=False)
    run = Collector(connector, Query(text="acme"), fake)
    with pytest.raises(QuotaExceeded) as info:
        run.run()
    assert [int(r.url.params["max_results"]) for r in fake.searches] == [100, 50]  # shrunk to what fits
    assert len(run.ids) == 150
    assert connector.budget.used == pytest.approx(0.75)
    assert (info.value.needed, info.value.remaining) == (pytest.approx(0.05), pytest.approx(0.0))


def test_incremental_runs_read_only_new_posts_with_since_id() -> None:
    fake = FakeX(30)
    run = Collector(make(), Query(text="acme"), fake)
    run.run()
    state = run.checkpointer.load_state("k")
    assert state is not None
    assert state.extras["x_since_ids"] == {"0": "1000029"}
    assert state.extras["x_spend"]["used"] == pytest.approx(0.15)
    fake.posts.append(FakeX.post(30))
    before = len(run.delivered)
    run.run()
    assert fake.searches[-1].url.params["since_id"] == "1000029"
    assert run.delivered[before:] == [("x", "1000030")]
    state = run.checkpointer.load_state("k")
    assert state is not None
    assert state.extras["x_spend"]["used"] == pytest.approx(0.155)


def test_empty_result_has_no_data_key() -> None:
    page = drive(make(preflight=False), Query(text="nothing"), FakeX(0), state=SourceState())
    assert page.mentions == ()
    assert page.done


@pytest.mark.reliability(8)
def test_401_renews_the_bearer_with_the_consumer_key_once() -> None:
    consumer = ("test-consumer-key", "test-consumer-secret")
    fake = FakeX(3, consumer=consumer)
    connector = make(bearer_token=None, api_key=consumer[0], api_secret=consumer[1], preflight=False)
    page = drive(connector, Query(text="acme"), fake, state=SourceState())
    assert fake.tokens == 1
    assert len(page.mentions) == 3
    fake.valid = set()
    page = drive(connector, Query(text="acme"), fake, state=SourceState())
    assert fake.tokens == 2
    assert len(page.mentions) == 3
    fake.valid = set()
    with pytest.raises(AuthError, match="401"):
        drive(make(preflight=False), Query(text="acme"), fake, state=SourceState())


@pytest.mark.reliability(8)
def test_403_is_explained() -> None:
    fake = FakeX(3)
    fake.status = [403]
    with pytest.raises(AuthError) as info:
        drive(make(preflight=False), Query(text="acme"), fake, state=SourceState())
    assert "Project" in str(info.value)


@pytest.mark.reliability(6)
def test_rate_limit_headers_epoch() -> None:
    info = make().rate_limit(
        httpx.Response(
            200,
            headers={
                "x-rate-limit-limit": "450",
                "x-rate-limit-remaining": "10",
                "x-rate-limit-reset": str(int(NOW.timestamp()) + 60),
            },
        )
    )
    assert info is not None
    assert (info.limit, info.remaining, info.reset_at) == (450, 10, NOW + timedelta(seconds=60))


def test_a_spend_cap_is_required_and_can_be_shared() -> None:
    with pytest.raises(ConfigError, match="spend cap"):
        XConnector(bearer_token=BEARER)
    shared = SpendCap(0.1)
    fake = FakeX(15)
    Collector(make(budget=shared, preflight=False), Query(text="acme"), fake).run()
    with pytest.raises(QuotaExceeded):
        Collector(make(budget=shared, preflight=False), Query(text="acme"), fake).run()
    assert shared.used == pytest.approx(0.075 + 0.0)


@pytest.mark.reliability(28)
@pytest.mark.reliability(29)
def test_planted_secret_never_leaks(caplog) -> None:
    secret = "planted-x-bearer-5d0"
    debug_logs(caplog)
    fake = FakeX(3)
    fake.valid = {secret}
    connector = make(bearer_token=secret)
    request = next(connector.fetch_page(Query(text="acme"), cursor=None, state=SourceState()))
    page = drive(connector, Query(text="acme"), fake, state=SourceState())
    fake.valid = set()
    with pytest.raises(AuthError) as info:
        drive(connector, Query(text="acme"), fake, state=SourceState())
    assert_no_secret(
        secret, logs=caplog.text, objects=[connector, request, page, page.state, info.value, connector.budget]
    )

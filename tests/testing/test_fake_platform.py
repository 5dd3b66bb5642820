"""FakePlatform routes, listings with caps, replay, and the loopback server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from social_listen.testing import (
    FakePlatform,
    FakeRequest,
    Recording,
    cursor_listing,
    load_recordings,
    paged_listing,
    replay_platform,
)


def client(platform: FakePlatform) -> httpx.Client:
    return httpx.Client(transport=platform.transport(), base_url="https://fake.test")


def test_routes_match_method_and_path_placeholders_and_log_calls() -> None:
    platform = FakePlatform()

    @platform.get("/api/v1/timelines/tag/{tag}")
    def tag(request: FakeRequest) -> Any:
        return {"tag": request.path_params["tag"], "limit": request.params.get("limit")}

    @platform.post("/oauth/token")
    def token(request: FakeRequest) -> Any:
        return httpx.Response(201, json={"got": request.json()})

    with client(platform) as c:
        assert c.get("/api/v1/timelines/tag/acme", params={"limit": 40}).json() == {
            "tag": "acme",
            "limit": "40",
        }
        assert c.post("/oauth/token", json={"grant": "x"}).json() == {"got": {"grant": "x"}}
        assert c.post("/api/v1/timelines/tag/acme").status_code == 404  # wrong method
        missing = c.get("/nope")
    assert missing.status_code == 404
    assert "no route for GET /nope" in missing.json()["error"]
    assert [(call.method, call.path, call.status) for call in platform.calls] == [
        ("GET", "/api/v1/timelines/tag/acme", 200),
        ("POST", "/oauth/token", 201),
        ("POST", "/api/v1/timelines/tag/acme", 404),
        ("GET", "/nope", 404),
    ]
    assert platform.calls[0].params["limit"] == "40"
    assert len(platform.calls_to("/oauth/token")) == 1


def test_response_lists_are_served_in_turn_and_the_last_repeats() -> None:
    platform = FakePlatform()
    route = platform.route("GET", "/x", responses=[httpx.Response(503), {"ok": 1}, "plain"])
    with client(platform) as c:
        statuses = [c.get("/x") for _ in range(4)]
    assert [r.status_code for r in statuses] == [503, 200, 200, 200]
    assert statuses[1].json() == {"ok": 1}
    assert statuses[3].text == "plain"
    assert route.hits == 4


def test_route_needs_exactly_one_of_handler_or_responses() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        FakePlatform().route("GET", "/x")


async def test_the_transport_serves_async_clients_too() -> None:
    platform = FakePlatform()
    platform.route("GET", "/x", responses=[{"ok": True}])
    async with httpx.AsyncClient(transport=platform.transport()) as c:
        response = await c.get("https://fake.test/x")
    assert response.json() == {"ok": True}


ITEMS = [{"id": i, "lang": "en" if i % 2 else "fr"} for i in range(25)]


def test_paged_listing_caps_results_per_query_whatever_the_page() -> None:
    platform = FakePlatform()
    platform.route(
        "GET",
        "/search",
        paged_listing(
            ITEMS,
            items_key="hits",
            page_param="page",
            first_page=0,
            size_param="hitsPerPage",
            result_cap=10,
            total_key="nbHits",
            total_pages_key="nbPages",
        ),
    )
    with client(platform) as c:
        pages = [c.get("/search", params={"page": p, "hitsPerPage": 4}).json() for p in range(5)]
    assert [len(p["hits"]) for p in pages] == [4, 4, 2, 0, 0]
    assert pages[0]["nbHits"] == 25  # the platform reports the real total
    assert pages[0]["nbPages"] == 3  # but only the capped results are reachable
    assert [h["id"] for p in pages for h in p["hits"]] == list(range(10))


def test_paged_listing_filters_and_reports_has_more() -> None:
    platform = FakePlatform()
    platform.route(
        "GET",
        "/search",
        paged_listing(
            ITEMS,
            has_more_key="has_more",
            default_size=5,
            where=lambda request, item: item["lang"] == request.params.get("lang", item["lang"]),
        ),
    )
    with client(platform) as c:
        first = c.get("/search", params={"lang": "en"}).json()
        third = c.get("/search", params={"lang": "en", "page": 3}).json()
        bad = c.get("/search", params={"page": "x"})
    assert [i["id"] for i in first["items"]] == [1, 3, 5, 7, 9]
    assert first["has_more"] is True
    assert [i["id"] for i in third["items"]] == [21, 23]
    assert third["has_more"] is False
    assert bad.status_code == 400


def test_cursor_listing_pages_with_an_opaque_cursor_and_a_cap() -> None:
    platform = FakePlatform()
    platform.route("GET", "/feed", cursor_listing(ITEMS, items_key="posts", default_size=4, result_cap=9))
    seen: list[int] = []
    cursor: str | None = None
    with client(platform) as c:
        for _ in range(10):
            body = c.get("/feed", params={"cursor": cursor} if cursor else {}).json()
            seen += [p["id"] for p in body["posts"]]
            cursor = body.get("cursor")
            if cursor is None:
                break
        assert c.get("/feed", params={"cursor": "garbage"}).status_code == 400
    assert seen == list(range(9))


def test_replay_from_a_directory_serves_each_recording_once_in_order(tmp_path: Path) -> None:
    # modelled on https://hn.algolia.com/api (search_by_date, page/nbPages)
    (tmp_path / "01_page0.json").write_text(
        json.dumps(
            {
                "request": {"method": "GET", "path": "/api/v1/search_by_date", "params": {"page": "0"}},
                "response": {
                    "status": 200,
                    "headers": {"X-Served": "a"},
                    "json": {"hits": [1], "nbPages": 2},
                },
            }
        )
    )
    (tmp_path / "02_rest.json").write_text(
        json.dumps(
            [
                {
                    "request": {"path": "/api/v1/search_by_date", "params": {"page": "1"}},
                    "response": {"json": {"hits": [2], "nbPages": 2}},
                },
                {"request": {"path": "/down"}, "response": {"status": 503, "text": "maintenance"}},
            ]
        )
    )
    recordings = load_recordings(tmp_path)
    assert [r.path for r in recordings] == ["/api/v1/search_by_date", "/api/v1/search_by_date", "/down"]
    platform = replay_platform(tmp_path)
    with client(platform) as c:
        page1 = c.get("/api/v1/search_by_date", params={"query": "acme", "page": 1})
        page0 = c.get("/api/v1/search_by_date", params={"query": "acme", "page": 0})
        again = c.get("/api/v1/search_by_date", params={"page": 0})
        down = c.get("/down")
    assert page1.json()["hits"] == [2]
    assert page0.json()["hits"] == [1]
    assert page0.headers["X-Served"] == "a"
    assert again.status_code == 404
    assert "no recording left" in again.json()["error"]
    assert (down.status_code, down.text) == (503, "maintenance")


def test_replay_from_a_list_with_reuse() -> None:
    platform = replay_platform([Recording(method="GET", path="/x", body={"n": 1})], reuse=True)
    with client(platform) as c:
        assert [c.get("/x").json() for _ in range(3)] == [{"n": 1}] * 3


@pytest.mark.integration
def test_serve_runs_the_platform_on_loopback_with_an_ephemeral_port() -> None:
    platform = FakePlatform()

    @platform.get("/api/items/{item_id}")
    def item(request: FakeRequest) -> Any:
        return httpx.Response(
            200,
            json={"id": request.path_params["item_id"], "q": request.params.get("q")},
            headers={"X-Rate": "9"},
        )

    @platform.post("/echo")
    def echo(request: FakeRequest) -> Any:
        return {"body": request.json(), "ua": request.headers.get("user-agent")}

    @platform.get("/boom")
    def boom(request: FakeRequest) -> Any:
        raise RuntimeError("handler bug")

    with platform.serve() as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        assert not base_url.endswith(":0")
        with httpx.Client(base_url=base_url, headers={"User-Agent": "sl-test"}) as c:
            got = c.get("/api/items/42", params={"q": "acme"})
            echoed = c.post("/echo", json={"a": [1, 2]})
            failed = c.get("/boom")
            missing = c.get("/nope")
    assert got.json() == {"id": "42", "q": "acme"}
    assert got.headers["X-Rate"] == "9"
    assert echoed.json() == {"body": {"a": [1, 2]}, "ua": "sl-test"}
    assert failed.status_code == 500
    assert missing.status_code == 404
    assert [c.path for c in platform.calls] == ["/api/items/42", "/echo", "/nope"]
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + "/api/items/1")  # stopped after the block

"""Redirects are followed by hand: a hop limit, each hop re-checked, credentials kept home."""

from __future__ import annotations

from collections.abc import Generator

import httpx
import pytest
from client_support import QUERY, THREE_PAGES, PagedSource, Sleeps

from social_listen import (
    Client,
    ConfigError,
    EgressBlocked,
    Limits,
    Page,
    Query,
    RequestSpec,
    SourceError,
    SourceState,
)


class AuthedSource(PagedSource):
    """Sends credentials in headers, as every connector must."""

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        yield RequestSpec(
            url=self.url,
            headers={
                "Authorization": "Bearer fake-token-for-tests",
                "Cookie": "sid=fake-cookie",
                "X-Api-Key": "fake-api-key",
                "Accept": "application/json",
            },
        )
        return Page(state=state.finish_run())


def serve(routes: dict[str, httpx.Response]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return routes[str(request.url.copy_with(query=None))]

    return httpx.MockTransport(handler), seen


def moved(location: str, status: int = 302) -> httpx.Response:
    return httpx.Response(status, headers={"location": location})


def run(transport: httpx.MockTransport, source: PagedSource | None = None, **options: object) -> Page:
    sleeps = Sleeps()
    with Client(transport=transport, sleep=sleeps, clock=sleeps.clock, **options) as client:  # type: ignore[arg-type]
        return next(client.iter_pages(source or AuthedSource(), QUERY))[0]


@pytest.mark.reliability(9)
def test_cross_origin_redirect_drops_credentials() -> None:
    transport, seen = serve(
        {
            "https://api.example.test/items": moved("https://cdn.example.net/items"),
            "https://cdn.example.net/items": httpx.Response(200, json={}),
        }
    )
    run(transport)
    assert [r.url.host for r in seen] == ["api.example.test", "cdn.example.net"]
    assert seen[0].headers["authorization"] == "Bearer fake-token-for-tests"
    hop = seen[1].headers
    assert "authorization" not in hop
    assert "cookie" not in hop
    assert "x-api-key" not in hop
    assert hop["accept"] == "application/json"


@pytest.mark.reliability(9)
def test_same_origin_and_https_upgrade_keep_credentials() -> None:
    transport, seen = serve(
        {
            "http://api.example.test/items": moved("https://api.example.test/items", 301),
            "https://api.example.test/items": moved("/v2/items", 307),
            "https://api.example.test/v2/items": httpx.Response(200, json={}),
        }
    )
    run(transport, AuthedSource(url="http://api.example.test/items"))
    assert len(seen) == 3
    assert all(r.headers["authorization"] == "Bearer fake-token-for-tests" for r in seen)
    assert all(r.headers["x-api-key"] == "fake-api-key" for r in seen)


@pytest.mark.reliability(9)
def test_at_most_the_configured_number_of_redirects() -> None:
    routes = {f"https://api.example.test/r{i}": moved(f"/r{i + 1}") for i in range(10)}
    routes["https://api.example.test/items"] = moved("/r0")
    routes["https://api.example.test/r5"] = httpx.Response(200, json={})
    transport, seen = serve(routes)
    run(transport, limits=Limits(max_redirects=6))
    assert len(seen) == 7
    transport, seen = serve(routes)
    with pytest.raises(SourceError, match="more than 5 redirects"):
        run(transport)
    assert len(seen) == 6  # the original request and five hops


@pytest.mark.reliability(9)
@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.5/admin",
        "http://2130706433/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest",
    ],
)
def test_a_redirect_into_the_private_range_is_refused_before_it_is_sent(target: str) -> None:
    transport, seen = serve({"https://api.example.test/items": moved(target)})
    with pytest.raises(EgressBlocked):
        run(transport)
    assert len(seen) == 1


@pytest.mark.reliability(9)
def test_a_redirect_to_another_scheme_is_a_config_error() -> None:
    transport, seen = serve({"https://api.example.test/items": moved("file:///etc/passwd")})
    with pytest.raises(ConfigError, match="not an http"):
        run(transport)
    assert len(seen) == 1


def test_redirect_hops_are_counted_as_requests() -> None:
    transport, _ = serve(
        {
            "https://api.example.test/items": moved("https://api.example.test/moved"),
            "https://api.example.test/moved": httpx.Response(200, json=THREE_PAGES["3"]),
        }
    )
    with Client(transport=transport) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert result.ok
    assert result.completeness.requests == 2

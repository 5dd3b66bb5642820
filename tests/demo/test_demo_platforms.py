from __future__ import annotations

from datetime import UTC, datetime

import httpx

from social_listen.demo import generate_week
from social_listen.demo._platforms import FakeHackerNews, FakeMastodon, FakeRSS

START = datetime(2026, 11, 16, tzinfo=UTC)
POSTS = generate_week(start=START, per_day=30)


def test_week_is_deterministic_with_a_day_five_spike() -> None:
    again = generate_week(start=START, per_day=30)
    assert again == POSTS
    per_day: dict[int, int] = {}
    for post in POSTS:
        per_day[(post.created_at - START).days] = per_day.get((post.created_at - START).days, 0) + 1
    assert max(per_day, key=lambda d: per_day[d]) == 4
    assert {p.language for p in POSTS} == {"en", "hu", "ro"}
    assert any(p.author == "foodcritic_maria" and p.tone == "crisis" for p in POSTS)


def test_fake_hackernews_pages_newest_first_and_filters_by_time() -> None:
    client = httpx.Client(
        transport=httpx.MockTransport(FakeHackerNews(POSTS)), base_url="https://hn.algolia.com"
    )
    since = int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())
    seen: list[dict[str, object]] = []
    page = 0
    while True:
        body = client.get(
            "/api/v1/search_by_date",
            params={
                "query": "lunaro",
                "numericFilters": f"created_at_i>{since}",
                "hitsPerPage": 5,
                "page": page,
            },
        ).json()
        seen.extend(body["hits"])
        page += 1
        if page >= body["nbPages"]:
            break
    stamps = [int(h["created_at_i"]) for h in seen]  # type: ignore[call-overload]
    assert stamps == sorted(stamps, reverse=True)
    assert all(s > since for s in stamps)
    assert len({h["objectID"] for h in seen}) == len(seen) > 0


def test_fake_mastodon_link_header_paging_reaches_every_status_once() -> None:
    fake = FakeMastodon(POSTS)
    client = httpx.Client(transport=httpx.MockTransport(fake))
    url: str | None = f"{fake.base_url}/api/v1/timelines/tag/lunaro?limit=40"
    uris: list[str] = []
    while url:
        response = client.get(url)
        statuses = response.json()
        if not statuses:
            break
        uris.extend(s["uri"] for s in statuses)
        url = response.links.get("next", {}).get("url")
    expected = [p for p in POSTS if p.platform == "mastodon" and p.brand == "Lunaro"]
    assert len(uris) == len(set(uris)) == len(expected)


def test_fake_rss_answers_304_to_its_etag() -> None:
    client = httpx.Client(transport=httpx.MockTransport(FakeRSS(POSTS)))
    first = client.get("https://rss.demo.invalid/feed.xml")
    assert first.status_code == 200
    assert b"<rss" in first.content
    second = client.get("https://rss.demo.invalid/feed.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from account_conn_support import Clock, FakeReddit, assert_no_secret, debug_logs, load_fixture, reddit_child
from open_conn_support import Collector, drive

from social_listen.connectors.reddit import RedditConnector, parse_reddit_thing
from social_listen.core import AuthError, ConfigError, Query, SourceState

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
UA = "python:acme-listener:1.0 (by /u/acme_test)"


def make(clock=None, **kw):
    kw.setdefault("client_id", "test-client-id")
    kw.setdefault("client_secret", "test-client-secret")
    return RedditConnector(user_agent=UA, now=clock or (lambda: NOW), **kw)


def test_parse_listing_field_by_field() -> None:
    children = load_fixture("reddit_search_listing.json")["data"]["children"]
    post = parse_reddit_thing(children[0])
    assert post.native_id == "t3_1acme01"
    assert post.title == "Is Acme support always this slow?"
    assert post.text == "Waited 3 weeks for a refund & still nothing."
    assert post.url == "https://www.reddit.com/r/acmeusers/comments/1acme01/is_acme_support_always_this_slow/"
    assert post.author is not None
    assert (post.author.handle, post.author.id) == ("test_user_one", "t2_testuser1")
    assert post.created_at == datetime.fromtimestamp(1763632800, UTC)
    assert (post.metrics.score, post.metrics.replies) == (57, 23)
    assert post.channel == "acmeusers"
    assert post.links == ()  # a self post links to itself
    assert post.thread_id == "t3_1acme01"
    assert post.extras["upvote_ratio"] == 0.94
    assert post.extras["link_flair_text"] == "Support"
    link = parse_reddit_thing(children[1])
    assert link.author is None  # [deleted]
    assert link.links == ("https://acme.example/widget-2",)
    assert link.created_at == datetime.fromtimestamp(1763629200.5, UTC)
    comment = parse_reddit_thing(children[2])
    assert comment.native_id == "t1_kacme03"
    assert comment.text.startswith("Acme replaced mine")
    assert comment.parent_id == "t3_1acme01"
    assert comment.thread_id == "t3_1acme01"
    assert comment.title == "Is Acme support always this slow?"


def test_app_only_token_is_reused_until_it_expires() -> None:
    fake = FakeReddit([reddit_child(1, NOW - timedelta(hours=1))], expires_in=3600)
    clock = Clock(NOW)
    connector = make(clock)
    first = drive(connector, Query(text="acme"), fake, state=SourceState())
    assert first.requests == 2
    assert [m.native_id for m in first.mentions] == ["t3_p00001"]
    drive(connector, Query(text="acme"), fake, state=SourceState())
    assert fake.tokens == 1
    clock.advance(minutes=59, seconds=30)  # inside the one-minute margin
    drive(connector, Query(text="acme"), fake, state=SourceState())
    assert fake.tokens == 2
    assert fake.user_agents == {UA}


@pytest.mark.reliability(8)
def test_401_gets_a_new_token_once_then_retries_once() -> None:
    fake = FakeReddit([reddit_child(1, NOW - timedelta(hours=1))])
    connector = make()
    drive(connector, Query(text="acme"), fake, state=SourceState())
    fake.valid = set()  # the token was revoked
    page = drive(connector, Query(text="acme"), fake, state=SourceState())
    assert len(page.mentions) == 1
    assert fake.tokens == 2
    fake.valid = set()
    original = fake.__call__

    class Always401(FakeReddit):
        pass

    def refuse(request: httpx.Request) -> httpx.Response:
        response = original(request)
        if request.url.path != "/api/v1/access_token":
            return httpx.Response(401, json={"message": "Unauthorized", "error": 401})
        return response

    with pytest.raises(AuthError, match="after a refresh"):
        drive(connector, Query(text="acme"), refuse, state=SourceState())
    assert fake.tokens == 3


@pytest.mark.reliability(8)
def test_refused_credentials_and_403_are_explained() -> None:
    with pytest.raises(AuthError, match="client_id and client_secret"):
        drive(make(client_secret="wrong"), Query(text="acme"), FakeReddit(), state=SourceState())
    fake = FakeReddit()
    fake.force_status = [403]
    with pytest.raises(AuthError) as info:
        drive(make(), Query(text="acme"), fake, state=SourceState())
    assert "approved" in str(info.value)


@pytest.mark.reliability(6)
def test_float_rate_limit_headers() -> None:
    info = make().rate_limit(
        httpx.Response(
            200,
            headers={"x-ratelimit-used": "2", "x-ratelimit-remaining": "598.0", "x-ratelimit-reset": "12.5"},
        )
    )
    assert info is not None
    assert (info.limit, info.remaining) == (600, 598)
    assert info.reset_at == NOW + timedelta(seconds=12.5)
    assert make().rate_limit(httpx.Response(200, headers={"x-ratelimit-remaining": "nan"})) is None


@pytest.mark.reliability(17)
def test_polling_stops_at_the_previous_watermark() -> None:
    children = [reddit_child(i, NOW - timedelta(hours=300 - i)) for i in range(250)]
    fake = FakeReddit(children)
    run = Collector(make(), Query(text="acme"), fake)
    run.run()
    assert len(run.ids) == 250
    assert not any(p.truncated for p in run.pages)
    fake.children.append(reddit_child(999, NOW - timedelta(minutes=5)))
    listings = fake.listings
    before = len(run.delivered)
    run.run()
    assert fake.listings - listings == 1  # one page reaches the watermark
    assert run.delivered[before:] == [("reddit", "t3_p00999")]


@pytest.mark.reliability(15)
def test_cap_hit_before_the_watermark_is_marked_truncated() -> None:
    children = [
        reddit_child(i, NOW - timedelta(hours=100 - i), subreddit="a" if i % 2 else "b") for i in range(60)
    ]
    fake = FakeReddit(children, cap=20)
    run = Collector(make(page_size=10, listing_cap=20), Query(text="acme"), fake)
    run.run()
    assert len(run.ids) == 20
    assert any(p.truncated for p in run.pages)
    assert any("cap_hit:reddit:all" in p.notes for p in run.pages)
    # split by subreddit: each listing stays under the cap when polled often enough
    fake2 = FakeReddit(children[:32], cap=20)
    split = Collector(make(page_size=10, listing_cap=20, subreddits=["a", "b"]), Query(text="acme"), fake2)
    split.run()
    assert len(split.ids) == 32
    assert not any(p.truncated for p in split.pages)
    assert {"/r/a/search", "/r/b/search"} <= set(fake2.paths)


def test_new_listing_filters_locally() -> None:
    children = [
        reddit_child(1, NOW - timedelta(hours=2)),
        reddit_child(2, NOW - timedelta(hours=1), text="other"),
    ]
    fake = FakeReddit(children)
    run = Collector(make(subreddits=["acmeusers"], listing="new"), Query(text="acme"), fake)
    run.run()
    assert run.ids == {"t3_p00001"}
    assert fake.paths == ["/r/acmeusers/new"]
    with pytest.raises(ConfigError):
        make(listing="new")


@pytest.mark.reliability(28)
@pytest.mark.reliability(29)
def test_planted_secret_never_leaks(caplog) -> None:
    secret = "planted-reddit-secret-77a"
    debug_logs(caplog)
    fake = FakeReddit([reddit_child(1, NOW - timedelta(hours=1))], client_secret=secret)
    connector = make(client_secret=secret)
    flow = connector.fetch_page(Query(text="acme"), cursor=None, state=SourceState())
    token_request = next(flow)
    page = drive(connector, Query(text="acme"), fake, state=SourceState())
    errors = []
    try:
        drive(make(client_secret=secret), Query(text="acme"), FakeReddit(), state=SourceState())
    except AuthError as exc:
        errors.append(exc)
    assert errors
    token = connector._token.get_secret_value()  # type: ignore[union-attr]
    assert_no_secret(secret, logs=caplog.text, objects=[connector, token_request, page, page.state, *errors])
    assert_no_secret(token, logs=caplog.text, objects=[connector, page, page.state])


def test_credentials_from_environment() -> None:
    env = {"SOCIAL_LISTEN_REDDIT_CLIENT_ID": "test-id", "SOCIAL_LISTEN_REDDIT_CLIENT_SECRET": "test-secret"}
    connector = RedditConnector(environ=env, user_agent=UA)
    assert "test-secret" not in repr(connector)
    with pytest.raises(ConfigError, match="SOCIAL_LISTEN_REDDIT_CLIENT_SECRET"):
        RedditConnector(environ={"SOCIAL_LISTEN_REDDIT_CLIENT_ID": "x"}, user_agent=UA)

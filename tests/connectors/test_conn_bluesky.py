from __future__ import annotations

import os
import stat
from datetime import UTC, datetime

import httpx
import pytest
from account_conn_support import (
    Clock,
    FakeBluesky,
    assert_no_secret,
    bluesky_post,
    debug_logs,
    load_fixture,
)
from open_conn_support import Collector, drive

from social_listen.connectors import FileSessionCache, MemorySessionCache
from social_listen.connectors.bluesky import BlueskyConnector, facet_entities, parse_bluesky_post
from social_listen.core import AuthError, ConfigError, Query, RateLimited, SourceState

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PASSWORD = "test-app-password"


def make(cache=None, clock=None, **kw):
    return BlueskyConnector(
        identifier="listener.test",
        app_password=kw.pop("app_password", PASSWORD),
        session_cache=cache if cache is not None else MemorySessionCache(),
        now=clock or (lambda: NOW),
        **kw,
    )


def test_parse_post_field_by_field() -> None:
    posts = load_fixture("bluesky_search_posts.json")["posts"]
    m = parse_bluesky_post(posts[0])
    assert m.source == "bluesky"
    assert m.native_id == "at://did:plc:testalice000000000000000/app.bsky.feed.post/3lacmepost01"
    assert m.url == "https://bsky.app/profile/alice.test/post/3lacmepost01"
    assert m.text.startswith("🎉 Acme shipped!")
    assert m.author is not None
    assert (m.author.handle, m.author.name, m.author.id) == (
        "alice.test",
        "Alice Example",
        "did:plc:testalice000000000000000",
    )
    assert m.created_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert m.sort_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # createdAt earlier than indexedAt
    assert m.language == "en"
    assert m.extras["langs"] == ("en",)
    assert m.extras["cid"] == "test-cid-alice-1"
    assert (m.metrics.likes, m.metrics.shares, m.metrics.replies, m.metrics.quotes) == (42, 7, 4, 2)
    # facets are UTF-8 byte offsets: the emoji (4 bytes) shifts them from string indices
    assert m.mentioned_handles == ("bob.test",)
    assert m.links == ("https://acme.example/launch",)
    assert m.hashtags == ("acme",)
    assert m.thread_id == m.native_id
    assert m.parent_id is None
    assert m.raw["cid"] == "test-cid-alice-1"
    assert "raw" not in repr(m)


@pytest.mark.reliability(18)
def test_client_set_dates_sort_by_indexed_time_and_are_flagged() -> None:
    posts = load_fixture("bluesky_search_posts.json")["posts"]
    future = parse_bluesky_post(posts[1])
    assert future.created_at.year == 2099
    assert future.sort_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # min(createdAt, indexedAt)
    assert future.parent_id == "at://did:plc:testalice000000000000000/app.bsky.feed.post/3lacmepost01"
    assert future.thread_id == future.parent_id
    assert future.author is not None
    assert future.author.name is None
    zero = parse_bluesky_post(posts[2])
    assert zero.created_at == datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert "date_unparseable" in zero.flags
    assert zero.language == "fr"
    assert zero.extras["langs"] == ("fr", "en")
    # through the connector: the 2099 post is flagged and does not move the watermark
    fake = FakeBluesky(posts)
    page = drive(make(), Query(text="acme"), fake, state=SourceState())
    flagged = {m.native_id: m.flags for m in page.mentions}
    assert "date_future" in flagged[posts[1]["uri"]]
    assert page.state.watermark == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_facets_ignore_bad_ranges_and_fall_back_to_did() -> None:
    text = "héllo @x"
    facets = [
        {
            "index": {"byteStart": 7, "byteEnd": 9},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:x"}],
        },
        {
            "index": {"byteStart": 5, "byteEnd": 500},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:y"}],
        },
        "junk",
    ]
    assert facet_entities(text, facets) == ((), ("x", "did:plc:y"), ())


@pytest.mark.reliability(19)
def test_two_runs_create_one_session_in_a_0600_file(tmp_path) -> None:
    fake = FakeBluesky([bluesky_post(i, datetime(2026, 11, 20, 8, i, tzinfo=UTC)) for i in range(5)])
    path = tmp_path / "cache" / "sessions.json"
    first = Collector(make(FileSessionCache(path)), Query(text="acme"), fake)
    first.run()
    second = Collector(make(FileSessionCache(path)), Query(text="acme"), fake)
    second.run()
    assert fake.creates == 1
    assert fake.refreshes == 0
    assert fake.searches == 2
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first.ids) == 5


@pytest.mark.reliability(19)
def test_expired_access_token_is_refreshed_not_recreated() -> None:
    fake = FakeBluesky([bluesky_post(1, datetime(2026, 11, 20, 8, tzinfo=UTC))])
    cache = MemorySessionCache()
    clock = Clock(NOW)
    drive(make(cache, clock), Query(text="acme"), fake, state=SourceState())
    clock.advance(hours=3)  # past the access token's lifetime
    fake.expire_access()
    page = drive(make(cache, clock), Query(text="acme"), fake, state=SourceState())
    assert (fake.creates, fake.refreshes) == (1, 1)
    assert len(page.mentions) == 1
    assert page.requests == 2  # refreshSession + searchPosts


@pytest.mark.reliability(19)
def test_jwt_exp_claim_decides_when_to_refresh() -> None:
    import base64
    import json

    def jwt(exp: datetime) -> str:
        def enc(data: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

        return f"{enc({'alg': 'none'})}.{enc({'exp': int(exp.timestamp())})}.sig"

    clock = Clock(NOW)
    short = jwt(NOW.replace(minute=20))  # expires in 20 minutes
    fake = FakeBluesky([bluesky_post(1, datetime(2026, 11, 20, 8, tzinfo=UTC))])
    original = fake._issue

    def issue() -> dict:
        body = original()
        fake.valid_access = {short}
        body["accessJwt"] = short
        return body

    fake._issue = issue  # type: ignore[method-assign]
    cache = MemorySessionCache()
    drive(make(cache, clock), Query(text="acme"), fake, state=SourceState())
    clock.advance(minutes=10)  # 10 minutes left: inside the 5-minute margin? no: still valid
    drive(make(cache, clock), Query(text="acme"), fake, state=SourceState())
    assert fake.refreshes == 0
    clock.advance(minutes=6)  # 4 minutes left: refreshed before it expires
    drive(make(cache, clock), Query(text="acme"), fake, state=SourceState())
    assert (fake.creates, fake.refreshes) == (1, 1)


@pytest.mark.reliability(8)
def test_401_refreshes_once_then_retries_once() -> None:
    fake = FakeBluesky([bluesky_post(1, datetime(2026, 11, 20, 8, tzinfo=UTC))])
    cache = MemorySessionCache()
    drive(make(cache), Query(text="acme"), fake, state=SourceState())
    fake.expire_access()  # revoked server-side while the cached token looks valid
    page = drive(make(cache), Query(text="acme"), fake, state=SourceState())
    assert len(page.mentions) == 1
    assert (fake.creates, fake.refreshes, fake.searches) == (1, 1, 3)
    fake.force_status = [(401, {"error": "ExpiredToken"}), (401, {"error": "ExpiredToken"})]
    with pytest.raises(AuthError, match="after a refresh"):
        drive(make(cache), Query(text="acme"), fake, state=SourceState())
    assert fake.refreshes == 2  # one refresh, one retry, then the error


@pytest.mark.reliability(19)
def test_revoked_refresh_token_logs_in_again_once() -> None:
    fake = FakeBluesky([bluesky_post(1, datetime(2026, 11, 20, 8, tzinfo=UTC))])
    cache = MemorySessionCache()
    clock = Clock(NOW)
    drive(make(cache, clock), Query(text="acme"), fake, state=SourceState())
    clock.advance(hours=3)
    fake.expire_access()
    fake.revoke_refresh()
    page = drive(make(cache, clock), Query(text="acme"), fake, state=SourceState())
    assert (fake.creates, fake.refreshes) == (2, 1)
    assert len(page.mentions) == 1


@pytest.mark.reliability(19)
def test_refused_login_pauses_logins_instead_of_retrying() -> None:
    fake = FakeBluesky(password="another-password")
    cache = MemorySessionCache()
    clock = Clock(NOW)
    with pytest.raises(AuthError, match="refused the login"):
        drive(make(cache, clock), Query(text="acme"), fake, state=SourceState())
    for _ in range(5):  # a scheduler running every minute
        clock.advance(minutes=1)
        with pytest.raises(AuthError, match="paused"):
            drive(make(cache, clock), Query(text="acme"), fake, state=SourceState())
    assert fake.creates == 1
    clock.advance(minutes=15)
    with pytest.raises(AuthError, match="refused the login"):
        drive(make(cache, clock), Query(text="acme"), fake, state=SourceState())
    assert fake.creates == 2


@pytest.mark.reliability(19)
def test_rate_limited_login_parks_until_reset() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            json={"error": "RateLimitExceeded"},
            headers={"ratelimit-reset": str(int(NOW.timestamp()) + 600)},
        )

    cache = MemorySessionCache()
    with pytest.raises(RateLimited) as info:
        drive(make(cache), Query(text="acme"), handler, state=SourceState())
    assert info.value.reset_at == datetime(2026, 11, 20, 12, 10, tzinfo=UTC)
    with pytest.raises(AuthError, match="paused"):
        drive(make(cache), Query(text="acme"), handler, state=SourceState())


@pytest.mark.reliability(8)
def test_403_is_explained() -> None:
    fake = FakeBluesky()
    fake.force_status = [(403, {"error": "Forbidden"})]
    with pytest.raises(AuthError) as info:
        drive(make(), Query(text="acme"), fake, state=SourceState())
    assert "403" in str(info.value)
    assert "app password" in str(info.value)


@pytest.mark.reliability(6)
def test_rate_limit_headers_epoch_reset_with_date_skew() -> None:
    connector = make()
    response = httpx.Response(
        200,
        headers={
            "ratelimit-limit": "3000",
            "ratelimit-remaining": "2990",
            "ratelimit-reset": str(int(datetime(2026, 11, 20, 12, 5, tzinfo=UTC).timestamp())),
            "ratelimit-policy": "3000;w=300",
            # the server's clock is one minute behind ours
            "date": "Fri, 20 Nov 2026 11:59:00 GMT",
        },
    )
    info = connector.rate_limit(response)
    assert info is not None
    assert (info.limit, info.remaining) == (3000, 2990)
    assert info.reset_at == datetime(2026, 11, 20, 12, 6, tzinfo=UTC)


@pytest.mark.reliability(15)
def test_until_slicing_goes_past_the_result_cap() -> None:
    posts = [bluesky_post(i, datetime(2026, 11, 19, 0, 0, i, tzinfo=UTC)) for i in range(23)]
    fake = FakeBluesky(posts, cap=5, page_size_max=2)
    run = Collector(
        make(result_cap=5, page_size=2), Query(text="acme", since=datetime(2026, 11, 18, tzinfo=UTC)), fake
    )
    run.run()
    assert len(run.ids) == 23
    assert len(run.delivered) == 23  # nothing twice
    assert not any(p.truncated for p in run.pages)


@pytest.mark.reliability(16)
def test_resume_after_crash_and_incremental_run() -> None:
    posts = [bluesky_post(i, datetime(2026, 11, 19, i, tzinfo=UTC)) for i in range(9)]
    fake = FakeBluesky(posts, page_size_max=2)
    run = Collector(make(page_size=2), Query(text="acme"), fake)
    from open_conn_support import Crash

    with pytest.raises(Crash):
        run.run(crash_after=2)
    run.run()
    assert len(run.ids) == 9
    fake.posts.append(bluesky_post(99, datetime(2026, 11, 20, 11, tzinfo=UTC)))
    before = len(run.delivered)
    run.run()
    new = run.delivered[before:]
    assert ("bluesky", fake.posts[-1]["uri"]) in new
    assert len(new) <= 3  # only the overlap window is asked again


def test_missing_credentials_say_which_variable() -> None:
    with pytest.raises(ConfigError, match="SOCIAL_LISTEN_BLUESKY_APP_PASSWORD"):
        BlueskyConnector(identifier="a.test", environ={}, session_cache=MemorySessionCache())
    c = BlueskyConnector(
        environ={
            "SOCIAL_LISTEN_BLUESKY_IDENTIFIER": "a.test",
            "SOCIAL_LISTEN_BLUESKY_APP_PASSWORD": "test-app-password",
        },
        session_cache=MemorySessionCache(),
    )
    assert c.identifier == "a.test"


@pytest.mark.reliability(28)
@pytest.mark.reliability(29)
def test_planted_secret_never_leaks(caplog, tmp_path) -> None:
    secret = "planted-bluesky-secret-9f2"
    debug_logs(caplog)
    fake = FakeBluesky([bluesky_post(1, datetime(2026, 11, 20, 8, tzinfo=UTC))], password=secret)
    cache = FileSessionCache(tmp_path / "s.json")
    connector = make(cache, app_password=secret)
    flow = connector.fetch_page(Query(text="acme"), cursor=None, state=SourceState())
    login = next(flow)
    page = drive(connector, Query(text="acme"), fake, state=SourceState())
    fake.expire_access()
    drive(make(cache, app_password=secret), Query(text="acme"), fake, state=SourceState())
    errors = []
    for bad in ("wrong", secret):
        wrong = FakeBluesky(password="not-it")
        try:
            drive(
                make(MemorySessionCache(), app_password=secret),
                Query(text="acme"),
                wrong,
                state=SourceState(),
            )
        except AuthError as exc:
            errors.append(exc)
        del bad
    session = cache.load(connector.cache_key)
    access = session.session.access_token.get_secret_value()  # type: ignore[union-attr]
    assert errors
    assert_no_secret(
        secret, logs=caplog.text, objects=[connector, login, page, page.state, cache, session, *errors]
    )
    assert_no_secret(access, logs=caplog.text, objects=[connector, page, session, cache])
    assert secret not in page.state.model_dump_json()


@pytest.mark.reliability(19)
def test_a_session_refreshed_by_another_process_is_taken_over(tmp_path) -> None:
    fake = FakeBluesky([bluesky_post(1, datetime(2026, 11, 20, 8, tzinfo=UTC))])
    path = tmp_path / "sessions.json"
    clock = Clock(NOW)
    drive(make(FileSessionCache(path), clock), Query(text="acme"), fake, state=SourceState())
    clock.advance(hours=3)
    fake.expire_access()
    stale = FileSessionCache(path).load("https://bsky.social|listener.test")
    # process A refreshes (the refresh token rotates) ...
    drive(make(FileSessionCache(path), clock), Query(text="acme"), fake, state=SourceState())

    class StaleFirst(FileSessionCache):
        """Process B read the cache before A saved, then sees A's session on re-read."""

        def __init__(self) -> None:
            super().__init__(path)
            self.reads = 0

        def load(self, key: str):  # type: ignore[no-untyped-def]
            self.reads += 1
            return stale if self.reads == 1 else super().load(key)

    page = drive(make(StaleFirst(), clock), Query(text="acme"), fake, state=SourceState())
    assert len(page.mentions) == 1
    assert (fake.creates, fake.refreshes) == (1, 2)  # B's refresh was refused, no new login

"""Secrets never reach logs, error messages, reprs or test fixtures."""

from __future__ import annotations

import logging
import re
from collections.abc import Generator
from pathlib import Path

import httpx
import pytest
from client_support import QUERY, THREE_PAGES, PagedSource, Platform, Sleeps

from social_listen import Client, Page, Query, RequestSpec, SourceState, redact, redact_url, register_secret
from social_listen.core._redact import RedactingFilter, install_redaction

# Built at run time so that the fixture scanner below never sees a token shape in this file.
QUERY_TOKEN = "fakeq" + "-0123456789abcdef"
HEADER_TOKEN = "fakeh" + "-fedcba9876543210"
REGISTERED = "fakereg" + "-5555aaaa5555"
TESTS = Path(__file__).resolve().parents[1]


class LeakySource(PagedSource):
    """A careless connector: an API key in the query string and a secret in an error."""

    def __init__(self, *, fail: bool = False) -> None:
        super().__init__("leaky")
        self.fail = fail

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        response = yield RequestSpec(
            url=self.url,
            params={"q": "acme", "api_key": QUERY_TOKEN, "page": cursor or "1"},
            headers={"Authorization": f"Bearer {HEADER_TOKEN}", "X-Custom": REGISTERED},
        )
        logging.getLogger("social_listen.tests.leaky").debug(
            "got %s for %s with %s", response.status_code, response.request.url, REGISTERED
        )
        if self.fail:
            raise ValueError(
                f"the platform rejected {REGISTERED} (sent Authorization: Bearer {HEADER_TOKEN})"
            )
        return Page(state=state.finish_run())


def leaks(text: str) -> list[str]:
    return [s for s in (QUERY_TOKEN, HEADER_TOKEN, REGISTERED) if s in text]


@pytest.mark.reliability(28)
def test_a_planted_secret_never_appears_in_any_log_record(caplog: pytest.LogCaptureFixture) -> None:
    register_secret(REGISTERED)
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "social_listen"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    platform = Platform()
    platform.script = [httpx.Response(503), httpx.Response(200, json={})]
    sleeps = Sleeps()
    with Client(transport=platform.transport(), sleep=sleeps, clock=sleeps.clock) as client:
        assert client.fetch(LeakySource(), QUERY).ok
        client.fetch(LeakySource(fail=True), QUERY)
    assert QUERY_TOKEN in str(platform.requests[0].url)  # it really was sent in the query string
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("HTTP Request:") and "api_key=[REDACTED]" in m for m in messages)
    assert any("retrying after HTTP 503" in m for m in messages)
    assert leaks(caplog.text) == []
    assert all(leaks(m) == [] for m in messages)


@pytest.mark.reliability(28)
def test_the_filter_covers_loggers_created_before_install_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    register_secret(REGISTERED)
    child = logging.getLogger("httpcore.some_new_module")
    install_redaction()
    caplog.set_level(logging.DEBUG)
    child.setLevel(logging.DEBUG)
    try:
        raise RuntimeError(f"boom with {REGISTERED}")
    except RuntimeError:
        child.exception("failed for %s", f"https://x.test/?token={QUERY_TOKEN}")
    assert leaks(caplog.text) == []
    assert "token=[REDACTED]" in caplog.text


@pytest.mark.reliability(28)
def test_redacting_filter_on_a_handler() -> None:
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "auth %s", ("Bearer abcdef123456789",), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "auth Bearer [REDACTED]"


@pytest.mark.reliability(29)
def test_no_secret_in_errors_reprs_or_fetch_results() -> None:
    register_secret(REGISTERED)
    with Client(transport=Platform().transport()) as client:
        result = client.fetch(LeakySource(fail=True), QUERY)
    assert result.error is not None
    for text in (
        str(result.error),
        repr(result.error),
        str(result),
        repr(result),
        result.model_dump_json(),
        str(result.completeness.last_errors),
    ):
        assert leaks(text) == [], text
    spec = RequestSpec(url="https://x.test", headers={"Authorization": f"Bearer {HEADER_TOKEN}"})
    assert leaks(repr(spec)) == []


@pytest.mark.reliability(29)
def test_transport_errors_carry_redacted_urls() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}", request=request)

    platform = Platform()
    platform.script = [refuse] * 6
    sleeps = Sleeps()
    with Client(transport=platform.transport(), sleep=sleeps, clock=sleeps.clock) as client:
        result = client.fetch(LeakySource(), QUERY)
    assert "api_key=[REDACTED]" in str(result.error)
    assert leaks(str(result.error)) == []


@pytest.mark.reliability(29)
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.googleapis.com/youtube/v3/search?part=snippet&key=AIzaFAKE&q=acme",
            "https://www.googleapis.com/youtube/v3/search?part=snippet&key=[REDACTED]&q=acme",
        ),
        (
            "https://u:p@h.test/a?access_token=x&page=2",
            "https://[REDACTED]@h.test/a?access_token=[REDACTED]&page=2",
        ),
        ("https://h.test/a?author=bob&q=token", "https://h.test/a?author=bob&q=token"),
        ("https://h.test/path", "https://h.test/path"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.reliability(29)
def test_redact_known_shapes() -> None:
    shapes = [
        "gh" + "p_" + "a" * 36,
        "xo" + "xb-" + "1234567890-abcdefghij",
        "AK" + "IA" + "ABCDEFGHIJKLMNOP",
        "ey" + "JhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    ]
    for shape in shapes:
        assert shape not in redact(f"value={shape} end"), shape
    assert redact("Authorization: Basic dXNlcjpwYXNz") == "Authorization: [REDACTED]"
    assert redact('{"client_secret": "abc123xyz"}') == '{"client_secret": "[REDACTED]"}'
    assert redact("nothing secret here, 42 tokens") == "nothing secret here, 42 tokens"


# ---------------------------------------------------------------- row 30: fixtures

TOKEN_SHAPES = {
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    "Slack webhook": re.compile(r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{10,}"),
    "Discord webhook": re.compile(r"discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{20,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----"),
    "bearer value": re.compile(
        r"(?i)\bbearer\s+(?=[A-Za-z._~+/=-]*[0-9])(?=[0-9._~+/=-]*[A-Za-z])[A-Za-z0-9._~+/=-]{24,}"
    ),
    # a bare credential key (not next_token, page_token...) holding a long hex or base64 value
    "secret-looking value": re.compile(
        r"(?i)(?<![\w-])(?:access_token|refresh_token|id_token|auth_token|bot_token|token|client_secret|secret"
        r"|api_key|apikey|password|authorization)[\"']?\s*[:=]\s*[\"']?(?:bearer\s+)?"
        r"(?:[0-9a-f]{32,}|(?=[A-Za-z+/_-]*[0-9])[A-Za-z0-9+/_-]{40,}={0,2})"
    ),
}
FIXTURE_SUFFIXES = {
    ".json",
    ".jsonl",
    ".xml",
    ".html",
    ".txt",
    ".csv",
    ".yaml",
    ".yml",
    ".toml",
    ".har",
    ".py",
    ".md",
}


PLACEHOLDER = re.compile(r"(?i)fake|test|example|dummy|placeholder|redacted")


def token_shapes_in(root: Path) -> list[str]:
    """Token-shaped strings in text files below ``root`` (obvious placeholders excepted)."""
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in FIXTURE_SUFFIXES or "__pycache__" in path.parts:
            continue
        text = path.read_text("utf-8", errors="replace")
        for label, pattern in TOKEN_SHAPES.items():
            for match in pattern.finditer(text):
                if PLACEHOLDER.search(match.group(0)):
                    continue
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(root)}:{line}: {label}")
    return found


@pytest.mark.reliability(30)
def test_no_token_shapes_in_test_fixtures() -> None:
    assert token_shapes_in(TESTS) == []


@pytest.mark.reliability(30)
def test_the_fixture_scanner_finds_planted_tokens(tmp_path: Path) -> None:
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "resp.json").write_text(
        '{"note": "ok",\n "t": "' + "gh" + "p_" + "b" * 36 + '"}'
    )
    (tmp_path / "hook.toml").write_text(
        'url = "https://hooks.slack.com/services/' + "T0001/B0002/" + "x" * 24 + '"'
    )
    (tmp_path / "auth.json").write_text('{"access_token": "' + "9f86d081884c7d659a2feaa0c55ad015" + '"}')
    (tmp_path / "clean.json").write_text(
        '{"id": "abc", "text": "a token of thanks", "next_token": "'
        + "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i"
        + '", "Authorization": "Bearer test-reddit-access-token"}'
    )
    assert token_shapes_in(tmp_path) == [
        "auth.json:1: secret-looking value",
        "fixtures/resp.json:2: GitHub token",
        "hook.toml:1: Slack webhook",
    ]


def test_register_secret_ignores_short_values() -> None:
    register_secret("abc")
    assert redact("abc abc") == "abc abc"


def test_redaction_keeps_page_data() -> None:
    with Client(transport=Platform().transport()) as client:
        result = client.fetch(PagedSource(), QUERY)
    assert len(result.mentions) == sum(len(p["items"]) for p in THREE_PAGES.values())  # type: ignore[arg-type]


@pytest.mark.reliability(28)
def test_redaction_is_linear_on_hostile_text() -> None:
    # These inputs made unbounded patterns quadratic (minutes for 200 KB); pytest-timeout guards.
    for text in ("a-" * 20_000, "_-" * 20_000, "x://" * 10_000, "?a" * 20_000 + "="):
        assert len(redact(text)) >= len(text) // 2

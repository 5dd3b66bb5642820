"""load_json: hostile JSON is refused with ParseError, lone surrogates are replaced (row 12)."""

from __future__ import annotations

import pytest

from social_listen.core import Mention, ParseError, load_json

pytestmark = pytest.mark.reliability(12)


def test_plain_json_parses_from_bytes_and_text() -> None:
    assert load_json(b'{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}
    assert load_json('{"a": 1}') == {"a": 1}
    assert load_json('\ufeff{"a": 1}') == {"a": 1}
    assert load_json('{"a": 1}'.encode("utf-16")) == {"a": 1}


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(constant: str) -> None:
    with pytest.raises(ParseError, match="non-standard JSON constant"):
        load_json(f'{{"score": {constant}}}', source="forum")


def test_overflowing_float_is_refused() -> None:
    with pytest.raises(ParseError, match="overflows"):
        load_json("[1e999]")


def test_huge_integers_are_refused_but_snowflake_ids_parse() -> None:
    assert load_json("[1234567890123456789012]") == [1234567890123456789012]
    with pytest.raises(ParseError, match="digits"):
        load_json("[" + "9" * 5000 + "]")
    with pytest.raises(ParseError, match="digits"):
        load_json("[-" + "9" * 41 + "]")


def test_deep_nesting_is_refused_quickly() -> None:
    with pytest.raises(ParseError, match="nesting"):
        load_json("[" * 200 + "]" * 200)
    with pytest.raises(ParseError, match="nesting"):
        load_json('{"a":' * 100_000 + "1" + "}" * 100_000)
    assert load_json("[" * 100 + "]" * 100, max_depth=100) is not None


def test_lone_surrogates_are_replaced_in_values_and_keys() -> None:
    doc = load_json('{"text": "a\\ud800b", "\\udfffkey": ["\\ud83d", "ok \\ud83d\\ude00"]}')
    assert doc == {"text": "a\ufffdb", "\ufffdkey": ["\ufffd", "ok \U0001f600"]}
    # and the result can be stored: it encodes to UTF-8
    Mention.model_validate(
        {"source": "x", "native_id": "1", "text": doc["text"], "created_at": "2026-01-01T00:00:00Z"}
    )
    doc["text"].encode("utf-8")


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b'{"a": 1', b"<html><body>Error</body></html>", b'{"a": "\xff\xfe"}', b"\x00\x01"],
)
def test_broken_bodies_are_parse_errors_that_name_the_source(body: bytes) -> None:
    with pytest.raises(ParseError) as info:
        load_json(body, source="forum")
    assert info.value.source == "forum"
    assert "<html>" not in str(info.value)

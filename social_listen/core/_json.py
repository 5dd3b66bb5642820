r"""Defensive JSON parsing for bodies that come from platforms (reliability row 12).

``json.loads`` accepts things a platform body must not carry into the library: ``NaN`` and
``Infinity``, integers with thousands of digits, nesting deep enough to exhaust the stack, and
lone UTF-16 surrogates (``"\ud800"``) that cannot be encoded to UTF-8 when stored.
:func:`load_json` refuses the first three with :class:`~social_listen.core.ParseError` (the
page is skipped and counted) and replaces lone surrogates with U+FFFD, walking the result
iteratively so that its cost stays linear in the size of the body.
"""

from __future__ import annotations

import json
import re
from typing import Any

from social_listen.core._errors import ParseError

__all__ = ["MAX_JSON_DEPTH", "MAX_JSON_INT_DIGITS", "load_json"]

MAX_JSON_DEPTH = 128
"""Deepest nesting of arrays and objects accepted (Reddit comment trees stay well below)."""

MAX_JSON_INT_DIGITS = 40
"""Longest integer literal accepted; 64-bit snowflake ids have at most 20 digits."""

_SURROGATE = re.compile("[\ud800-\udfff]")
# A JSON escape that decodes to a surrogate (paired or not); without one, and without raw
# surrogates in the text, no string can hold a lone surrogate and the strings need no walk.
_SURROGATE_ESCAPE = re.compile(r"\\[uU][dD][89a-fA-F]")


class _Refused(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _Refused(f"non-standard JSON constant {name}")


def _make_int_parser(max_digits: int) -> Any:
    def parse_int(text: str) -> int:
        if len(text.lstrip("-")) > max_digits:
            raise _Refused(f"integer literal with {len(text)} digits")
        return int(text)

    return parse_int


def _parse_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Refused(f"number {text[:20]!r} overflows a float")
    return value


def _clean_str(value: str) -> str:
    if value.isascii() or _SURROGATE.search(value) is None:
        return value
    return _SURROGATE.sub("\ufffd", value)


def _clean(document: Any, *, max_depth: int, source: str | None, strings: bool = True) -> Any:
    """Check the depth and (when ``strings``) replace lone surrogates, iteratively."""
    if isinstance(document, str):
        return _clean_str(document) if strings else document
    if not isinstance(document, (list, dict)):
        return document
    # Each stack entry: (container, depth). Containers are mutated in place: they were just
    # created by json.loads and nobody else holds them.
    stack: list[tuple[list[Any] | dict[str, Any], int]] = [(document, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > max_depth:
            raise ParseError(
                f"JSON nesting deeper than {max_depth} levels",
                source=source,
                hint="the body was refused; the page is skipped",
            )
        if isinstance(container, list):
            for index, item in enumerate(container):
                if strings and isinstance(item, str):
                    cleaned = _clean_str(item)
                    if cleaned is not item:
                        container[index] = cleaned
                elif isinstance(item, (list, dict)):
                    stack.append((item, depth + 1))
        else:
            renamed: list[tuple[str, str]] = []
            for key, item in container.items():
                if strings and isinstance(item, str):
                    cleaned = _clean_str(item)
                    if cleaned is not item:
                        container[key] = cleaned
                elif isinstance(item, (list, dict)):
                    stack.append((item, depth + 1))
                if strings:
                    clean_key = _clean_str(key)
                    if clean_key is not key:
                        renamed.append((key, clean_key))
            for old, new in renamed:
                container[new] = container.pop(old)
    return document


def load_json(
    content: bytes | str,
    *,
    source: str | None = None,
    max_depth: int = MAX_JSON_DEPTH,
    max_int_digits: int = MAX_JSON_INT_DIGITS,
) -> Any:
    r"""Parse a JSON body from a platform, refusing hostile input.

    Args:
        content: The raw body (UTF-8, UTF-16 or UTF-32 bytes, or text).
        source: The connector name, carried by the error.
        max_depth: Deepest nesting of arrays and objects accepted.
        max_int_digits: Longest integer literal accepted.

    Returns:
        The parsed document, with lone surrogates in strings and keys replaced by U+FFFD.

    Raises:
        ParseError: The body is not JSON, is nested deeper than ``max_depth``, holds
            ``NaN``/``Infinity``, an overflowing float or an integer longer than
            ``max_int_digits``, or is not valid Unicode.

    Examples:
        >>> load_json(b'{"id": 1, "text": "caf\\u00e9"}')
        {'id': 1, 'text': 'café'}
        >>> load_json('"\\ud800"') == "\ufffd"
        True
    """
    try:
        if isinstance(content, bytes):
            content = content.decode(json.detect_encoding(content))
        content = content.removeprefix("\ufeff")
        strings = _SURROGATE_ESCAPE.search(content) is not None or (
            not content.isascii() and _SURROGATE.search(content) is not None
        )
        document = json.loads(
            content,
            parse_constant=_refuse_constant,
            parse_int=_make_int_parser(max_int_digits),
            parse_float=_parse_float,
        )
    except _Refused as exc:
        raise ParseError(f"refused JSON: {exc}", source=source, hint="the page is skipped") from None
    except RecursionError:
        raise ParseError(
            f"JSON nesting deeper than {max_depth} levels",
            source=source,
            hint="the body was refused; the page is skipped",
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        # json.JSONDecodeError is a ValueError; keep the message short and free of the body.
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        raise ParseError(
            f"the body is not valid JSON ({reason})", source=source, hint="the page is skipped"
        ) from None
    return _clean(document, max_depth=max_depth, source=source, strings=strings)

"""Tolerant timestamp parsing for feeds and imported files; never raises.

Feeds and exports carry dates in RFC 822 (``Tue, 10 Jun 2003 04:00:00 GMT``), RFC 3339 /
ISO 8601, epoch seconds or milliseconds, and plenty of broken variants (year -1, February 31,
an unknown zone, ``yesterday``). :func:`parse_timestamp` returns an aware UTC datetime or
``None``; callers keep the raw string and flag the mention (RELIABILITY row 23).
"""

from __future__ import annotations

import email.utils
import math
import re
from datetime import UTC, datetime, timedelta

__all__ = ["parse_timestamp"]

_EPOCH_MS_THRESHOLD = 1e11  # seconds past this are in the year 5138: the value is in ms
_NUMERIC_RE = re.compile(r"^-?\d{1,16}(\.\d+)?$")
_KNOWN_ZONES = frozenset({"UT", "UTC", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"})
_RFC822_HINT_RE = re.compile(r"[A-Za-z]{3},?\s|\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}")


def parse_timestamp(value: object, *, naive_is_utc: bool = True) -> datetime | None:
    """Parse a timestamp into an aware UTC datetime, or ``None`` when it cannot be trusted.

    Args:
        value: An ``int``/``float`` epoch (seconds, or milliseconds when over 1e11), an aware
            ``datetime``, or a string in ISO 8601, RFC 822 or epoch form.
        naive_is_utc: Read ISO strings without an offset as UTC (``False`` returns ``None``).

    Returns:
        The time in UTC, or ``None`` for empty, impossible, relative or unknown-zone dates.

    Examples:
        >>> parse_timestamp("Tue, 10 Jun 2003 04:00:00 GMT").isoformat()
        '2003-06-10T04:00:00+00:00'
        >>> parse_timestamp("2024-02-31T10:00:00Z") is None
        True
        >>> parse_timestamp(1700000000).isoformat()
        '2023-11-14T22:13:20+00:00'
    """
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo is not None else _naive(value, naive_is_utc)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    if _NUMERIC_RE.match(text):
        return _from_epoch(float(text))
    iso = _from_iso(text, naive_is_utc)
    if iso is not None:
        return iso
    if _RFC822_HINT_RE.search(text):
        return _from_rfc822(text, naive_is_utc)
    return None


def _naive(value: datetime, naive_is_utc: bool) -> datetime | None:
    return value.replace(tzinfo=UTC) if naive_is_utc else None


def _from_epoch(seconds: float) -> datetime | None:
    if not math.isfinite(seconds):
        return None
    if abs(seconds) > _EPOCH_MS_THRESHOLD:
        seconds /= 1000.0
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    except OverflowError:
        return None


def _from_iso(text: str, naive_is_utc: bool) -> datetime | None:
    candidate = text.replace(" ", "T", 1) if len(text) > 10 and text[10:11] == " " else text
    if candidate.endswith(("z", "Z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return _naive(parsed, naive_is_utc)
    return parsed.astimezone(UTC)


def _from_rfc822(text: str, naive_is_utc: bool) -> datetime | None:
    zone = text.rsplit(None, 1)[-1]
    has_zone = not any(ch.isdigit() for ch in zone) or zone[:1] in "+-"
    if has_zone and zone.isalpha() and zone.upper() not in _KNOWN_ZONES:
        # email.utils reads zones it does not know as UTC: refuse to guess instead.
        return None
    if not has_zone and not naive_is_utc:
        return None
    parts = email.utils.parsedate_tz(text)
    if parts is None:
        return None
    year, month, day, hour, minute, second = parts[:6]
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        return local - timedelta(seconds=parts[9] or 0)
    except (ValueError, OverflowError):
        return None

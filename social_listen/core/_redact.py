"""Keeping secrets out of logs, error messages and reprs.

:func:`redact_url` strips userinfo and the values of secret-looking query parameters from a
URL; :func:`redact` also removes bearer tokens, ``Authorization`` values, well-known token
shapes and every secret value registered at run time with :func:`register_secret` (the
connectors register their ``SecretStr`` credentials). :class:`RedactingFilter` applies
:func:`redact` to log records; :func:`install_redaction` puts it on the ``social_listen``,
``httpx`` and ``httpcore`` loggers, which every :class:`~social_listen.core.Client` does, so
httpx's own ``INFO`` request line never shows a token that travelled in a query string.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from pydantic import SecretStr

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "install_redaction",
    "redact",
    "redact_url",
    "register_secret",
]

REDACTED = "[REDACTED]"
"""What a secret is replaced with."""

_MIN_SECRET_LENGTH = 6
_NAME_ENDINGS = (
    r"token|secret|password|passwd|pwd|apikey|api_key|api-key|signature|sig|key|jwt|session|sessionid"
    r"|auth|code|credentials?"
)
# Bounded quantifiers keep every pattern linear on long hostile text.
_NAME_PATTERN = rf"[A-Za-z0-9_.-]{{0,40}}(?:{_NAME_ENDINGS})"
_SECRET_NAME = re.compile(rf"(?i)^(?:{_NAME_PATTERN}|.*(?:token|secret|password).*)$")
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # userinfo in URLs
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,20}://)[^/\s:@]{1,256}(?::[^/\s@]{0,256})?@"), rf"\1{REDACTED}@"),
    # secret-looking query parameters anywhere in text
    (re.compile(rf"(?i)([?&;]{_NAME_PATTERN}=)[^&#\s\"'<>]+"), rf"\1{REDACTED}"),
    # Authorization-style headers and key: value pairs
    (
        re.compile(
            r"(?i)\b((?:proxy-)?authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|"
            r"[a-z0-9_-]{0,40}(?:token|secret|password))(['\"]?\s*[:=]\s*['\"]?)(?:bearer\s+|basic\s+|token\s+)?"
            r"[^\s'\",;&}]+"
        ),
        rf"\1\2{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"), rf"\1 {REDACTED}"),
    # well-known token shapes
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"), REDACTED),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), REDACTED),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,4096}\.[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{0,4096}"), REDACTED),
)


class _SecretRegistry:
    """The process-wide set of secret values to scrub (logging is process-wide too)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: tuple[str, ...] = ()

    def add(self, value: str) -> None:
        if len(value) < _MIN_SECRET_LENGTH:
            return
        forms = {value, quote(value, safe=""), quote(value, safe="/")}
        with self._lock:
            merged = set(self._values) | forms
            self._values = tuple(sorted(merged, key=len, reverse=True))

    @property
    def values(self) -> tuple[str, ...]:
        return self._values


_SECRETS = _SecretRegistry()


def register_secret(secret: SecretStr | str) -> None:
    """Register a secret value so it is scrubbed from every log record and redacted text.

    Values shorter than six characters are ignored (they would redact ordinary words).

    Args:
        secret: The value, plain or as a ``SecretStr``.

    Examples:
        >>> register_secret("fake-secret-value-123")
        >>> redact("sent fake-secret-value-123 to the server")
        'sent [REDACTED] to the server'
    """
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if value:
        _SECRETS.add(value)


def _sensitive_name(name: str) -> bool:
    return _SECRET_NAME.match(name) is not None


def redact(text: str) -> str:
    """Remove registered secrets, bearer tokens, secret query values and token shapes.

    Args:
        text: Any text: a log message, an error message, a response snippet.

    Examples:
        >>> redact("GET https://api.example.test/search?q=acme&access_token=abc123def")
        'GET https://api.example.test/search?q=acme&access_token=[REDACTED]'
        >>> redact("Authorization: Bearer abcdef123456")
        'Authorization: [REDACTED]'
    """
    for value in _SECRETS.values:
        if value in text:
            text = text.replace(value, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_url(url: object) -> str:
    """A URL safe to log or show: no userinfo, no secret query values, no registered secret.

    Args:
        url: A ``str`` or ``httpx.URL``.

    Examples:
        >>> redact_url("https://user:pw@feeds.example.test/rss?key=abc&page=2")
        'https://[REDACTED]@feeds.example.test/rss?key=[REDACTED]&page=2'
    """
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return redact(text)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_sensitive_name(name) for name, _ in pairs):
            cleaned = [(name, REDACTED if _sensitive_name(name) else value) for name, value in pairs]
            query = urlencode(cleaned, safe="[]")
    rebuilt = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    return redact(rebuilt)


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs secrets from each record's message and traceback.

    It never drops a record. Add it to your own handlers too if they receive records from
    loggers other than ``social_listen``, ``httpx`` and ``httpcore``.

    Examples:
        >>> handler = logging.StreamHandler()
        >>> handler.addFilter(RedactingFilter())
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place with secrets removed; always keep it."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging's own error path
            return True
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactingFilter()
_ROOT_LOGGERS = ("social_listen", "httpx", "httpcore")
_factory_lock = threading.Lock()


def _ours(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in _ROOT_LOGGERS)


class _RedactingRecordFactory:
    """Wraps the previous log record factory; scrubs records of the library's loggers."""

    def __init__(self, previous: Callable[..., logging.LogRecord]) -> None:
        self.previous = previous

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.previous(*args, **kwargs)
        if _ours(record.name):
            _FILTER.filter(record)
        return record


def install_redaction() -> RedactingFilter:
    """Scrub secrets from every record of the library's and httpx's loggers (idempotent).

    Logger filters only see records logged on that very logger, not on its children created
    later (a connector module imported after the client), so the scrubbing happens when a
    record of a ``social_listen``, ``httpx`` or ``httpcore`` logger is created: the current
    log record factory is wrapped once. The filter also goes on the existing loggers, in case
    an application replaces the record factory afterwards. Every client calls this when it
    is created and when a run starts.

    Returns:
        The shared filter instance (add it to your own handlers for other loggers).
    """
    with _factory_lock:
        factory = logging.getLogRecordFactory()
        if not isinstance(factory, _RedactingRecordFactory):
            logging.setLogRecordFactory(_RedactingRecordFactory(factory))
    for name in [*_ROOT_LOGGERS, *(n for n in list(logging.Logger.manager.loggerDict) if _ours(n))]:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    return _FILTER

"""The exception tree of social_listen.

Every error the library raises on purpose derives from :class:`SocialListenError`, names
where it came from (``source``) and says what the caller can do next (``hint``). Messages
never contain secrets: URLs are redacted before they reach an error.

```
SocialListenError
├── ConfigError (ValueError)            bad options, bad URLs, missing credentials
│   ├── EgressBlocked                   a URL resolves to a private/loopback address
│   └── MissingDependency (ImportError) an optional extra is not installed
├── QueryError (ValueError)
│   ├── QuerySyntaxError                position + caret line
│   └── QueryTooComplex                 over a length/depth/term/distance limit
├── SourceError                         anything a connector run can hit
│   ├── SourceUnavailable               DNS, refused, resets, 5xx after retries
│   ├── RateLimited                     the server asks for a wait over the cap
│   ├── AuthError                       401 after one refresh, 403
│   ├── QuotaExceeded                   a declared budget or spend cap would be exceeded
│   ├── PaginationLoop                  a cursor repeated, or the page cap was reached
│   ├── PlatformError                   the platform answered with an error body
│   └── ResponseError                   one response could not be used (page skipped)
│       ├── ResponseTooLarge
│       ├── UnexpectedContentType
│       ├── ParseError
│       └── UnsafeXML
├── StoreError
│   ├── StoreBusy                       writers kept the lock past the busy timeout
│   ├── StoreCorrupt                    the file is not a healthy database
│   ├── StoreWriteError                 disk full, read-only, constraint broken
│   ├── LeaseLost                       another collector took over a leased source
│   └── InvalidFilter (ValueError)      a sort key/column/filter not on the allow-list
├── RegistryError                       connector registry problems
│   └── ConnectorNotFound (LookupError)
└── DeliveryError                       an alert sink could not deliver
```
"""

from __future__ import annotations

from datetime import datetime

__all__ = [
    "AuthError",
    "ConfigError",
    "ConnectorNotFound",
    "DeliveryError",
    "EgressBlocked",
    "InvalidFilter",
    "LeaseLost",
    "MissingDependency",
    "PaginationLoop",
    "ParseError",
    "PlatformError",
    "QueryError",
    "QuerySyntaxError",
    "QueryTooComplex",
    "QuotaExceeded",
    "RateLimited",
    "RegistryError",
    "ResponseError",
    "ResponseTooLarge",
    "SocialListenError",
    "SourceError",
    "SourceUnavailable",
    "StoreBusy",
    "StoreCorrupt",
    "StoreError",
    "StoreWriteError",
    "UnexpectedContentType",
    "UnsafeXML",
]


class SocialListenError(Exception):
    """Base class of every error social_listen raises on purpose.

    Args:
        message: What went wrong, in one sentence, with no secrets in it.
        source: The connector, store, sink or file the error came from.
        hint: What the caller can do next.
    """

    default_hint: str = ""

    def __init__(self, message: str, *, source: str | None = None, hint: str | None = None) -> None:
        self.message = message
        self.source = source
        self.hint = hint if hint is not None else self.default_hint
        super().__init__(message)

    def __str__(self) -> str:
        text = self.message
        if self.source:
            text = f"[{self.source}] {text}"
        if self.hint:
            text = f"{text} ({self.hint})"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, source={self.source!r})"


class ConfigError(SocialListenError, ValueError):
    """An option, URL, credential or configuration file is invalid."""

    default_hint = "fix the configuration and run again"


class EgressBlocked(ConfigError):
    """An outbound URL resolves to an address the egress guard refuses.

    Loopback, private, link-local, CGNAT, cloud metadata and similar ranges are refused
    unless the user allow-lists them explicitly.
    """

    default_hint = "pass allow_hosts=[...] or allow_networks=[...] if this address is intended"


class MissingDependency(ConfigError, ImportError):
    """An optional extra is needed for this feature."""

    def __init__(self, package: str, *, extra: str, feature: str) -> None:
        super().__init__(
            f"{feature} needs the package {package!r}",
            hint=f"install it with: pip install 'social-listen[{extra}]'",
        )
        self.package = package
        self.extra = extra


class QueryError(SocialListenError, ValueError):
    """A query could not be parsed or is too complex."""


class QuerySyntaxError(QueryError):
    """The query text is not valid in the query language.

    Attributes:
        text: The query text.
        position: 0-based character offset of the problem.
    """

    default_hint = "see the query language reference in the docs"

    def __init__(self, message: str, *, text: str, position: int, hint: str | None = None) -> None:
        self.text = text
        self.position = max(0, min(position, len(text)))
        super().__init__(message, hint=hint)

    @property
    def caret_line(self) -> str:
        """The query's line at the error with a caret under the position."""
        start = self.text.rfind("\n", 0, self.position) + 1
        end = self.text.find("\n", self.position)
        line = self.text[start : end if end != -1 else len(self.text)]
        return f"{line}\n{' ' * (self.position - start)}^"

    def __str__(self) -> str:
        return f"{self.message} at position {self.position}\n{self.caret_line}" + (
            f"\n({self.hint})" if self.hint else ""
        )


class QueryTooComplex(QueryError):
    """The query is over one of the configured complexity limits."""

    default_hint = "split the query or raise the limit in Limits"


class SourceError(SocialListenError):
    """Something went wrong while collecting from a source."""


class SourceUnavailable(SourceError):
    """The source could not be reached after the bounded retries."""

    default_hint = "the checkpoint is unchanged; run again later"


class RateLimited(SourceError):
    """The server asked for a wait longer than the cap; the source is parked.

    Attributes:
        reset_at: When the source may be asked again, if known.
    """

    default_hint = "the source is parked until reset_at; run again after it"

    def __init__(self, message: str, *, source: str | None = None, reset_at: datetime | None = None) -> None:
        super().__init__(message, source=source)
        self.reset_at = reset_at


class AuthError(SourceError):
    """The credentials were refused (401 after one refresh, or 403)."""

    default_hint = "check the credentials and the account's permissions for this endpoint"


class QuotaExceeded(SourceError):
    """Running would exceed a declared quota or spend cap.

    Attributes:
        needed: Units the run would need.
        remaining: Units left in the budget.
    """

    default_hint = "raise the budget, narrow the query or wait for the quota to reset"

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        needed: float | None = None,
        remaining: float | None = None,
    ) -> None:
        super().__init__(message, source=source)
        self.needed = needed
        self.remaining = remaining


class PaginationLoop(SourceError):
    """A pagination cursor repeated, or the per-run page cap was reached."""

    default_hint = "the platform returned a cursor already seen; report it or lower max_pages"


class PlatformError(SourceError):
    """The platform answered with an error body the connector understands."""


class ResponseError(SourceError):
    """One response could not be used; the page is skipped and counted."""


class ResponseTooLarge(ResponseError):
    """A body went over the raw or decoded size cap while being read."""

    default_hint = "raise Limits.max_body_bytes if the source really sends bodies this large"


class UnexpectedContentType(ResponseError):
    """A response had a content type the connector cannot parse (HTML error pages)."""

    default_hint = "the server may be down or behind a captive portal; the cursor was not advanced"


class ParseError(ResponseError):
    """A body could not be parsed (hostile or broken JSON, malformed XML)."""


class UnsafeXML(ResponseError):
    """An XML document uses entity declarations or external references."""

    default_hint = "the feed was refused before parsing; ask its publisher to remove the DTD"


class StoreError(SocialListenError):
    """A mention store operation failed."""


class StoreBusy(StoreError):
    """Other writers held the database lock past the busy timeout and the retries."""

    default_hint = "retry later or use PostgreSQL for many concurrent writers"


class StoreCorrupt(StoreError):
    """The database file is damaged or is not a social_listen store."""

    default_hint = "restore from a backup or point the store at a new file"


class StoreWriteError(StoreError):
    """A write failed (disk full, read-only file); nothing of it was committed."""

    default_hint = "free space or fix permissions, then run again; nothing partial was committed"


class LeaseLost(StoreError):
    """A source lease expired and another collector took the source; nothing was committed."""

    default_hint = "stop collecting this source; its new holder resumes from the committed state"


class InvalidFilter(StoreError, ValueError):
    """A filter, column name or sort key is not allowed."""

    default_hint = "use one of the documented filter names and sort keys"


class RegistryError(SocialListenError):
    """A connector could not be registered."""


class ConnectorNotFound(RegistryError, LookupError):
    """No connector is registered under the requested name."""

    default_hint = "see available_connectors() for the installed names"


class DeliveryError(SocialListenError):
    """An alert sink could not deliver a notification.

    Attributes:
        retryable: True when trying again later may succeed (5xx, 429, timeouts); False for
            refusals and bad configuration, which the outbox dead-letters at once.
    """

    def __init__(
        self, message: str, *, source: str | None = None, hint: str | None = None, retryable: bool = True
    ) -> None:
        super().__init__(message, source=source, hint=hint)
        self.retryable = retryable

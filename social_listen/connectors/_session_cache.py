"""A cache of login sessions, kept apart from ``SourceState`` (reliability row 19).

Bluesky limits session creation (about 30 per 5 minutes and a few hundred per day per
account), so logging in on every run gets accounts limited. A session is created once,
cached, refreshed before its access token expires, and re-created only when the refresh
token itself is refused. Sessions hold tokens, so they never go into ``SourceState`` (stored
as plain JSON next to the data): the cache is separate, its repr is redacted, and the file
cache writes with mode ``0600`` through an atomic replace. A refused login is remembered for a
cool-down so a scheduler running every minute cannot turn it into a login storm.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, ValidationError

__all__ = [
    "FileSessionCache",
    "MemorySessionCache",
    "SessionCache",
    "SessionRecord",
    "StoredSession",
    "default_session_cache",
]

logger = logging.getLogger(__name__)


class StoredSession(BaseModel):
    """One login session: the tokens and when they expire.

    Attributes:
        did: The account's DID.
        handle: The account's handle.
        access_token: The short-lived access token.
        refresh_token: The long-lived refresh token.
        access_expires_at: When the access token expires.
        refresh_expires_at: When the refresh token expires.
        created_at: When the session was created (by login, not by refresh).
        refreshed_at: When it was last refreshed.
    """

    model_config = ConfigDict(frozen=True)

    did: str = ""
    handle: str = ""
    access_token: SecretStr = Field(repr=False)
    refresh_token: SecretStr = Field(repr=False)
    access_expires_at: AwareDatetime
    refresh_expires_at: AwareDatetime
    created_at: AwareDatetime
    refreshed_at: AwareDatetime | None = None

    def access_valid(self, now: datetime, *, margin_seconds: float = 300.0) -> bool:
        """True while the access token has more than ``margin_seconds`` left."""
        return (self.access_expires_at - now).total_seconds() > margin_seconds

    def refresh_valid(self, now: datetime, *, margin_seconds: float = 60.0) -> bool:
        """True while the refresh token can still be used."""
        return (self.refresh_expires_at - now).total_seconds() > margin_seconds

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with the tokens in clear (for the cache file only)."""
        data = self.model_dump(mode="json")
        data["access_token"] = self.access_token.get_secret_value()
        data["refresh_token"] = self.refresh_token.get_secret_value()
        return data


class SessionRecord(BaseModel):
    """What the cache holds for one account: its session and any login cool-down.

    Attributes:
        session: The current session, ``None`` when there is none.
        login_blocked_until: No login is attempted before this time (after a refused login
            or a rate-limited one).
        login_error: Why logins are blocked (no secrets in it).
    """

    model_config = ConfigDict(frozen=True)

    session: StoredSession | None = None
    login_blocked_until: AwareDatetime | None = None
    login_error: str | None = None


@runtime_checkable
class SessionCache(Protocol):
    """Where sessions are kept between runs, keyed by service and account."""

    def load(self, key: str) -> SessionRecord | None:
        """The record for ``key``, ``None`` when there is none."""
        ...

    def save(self, key: str, record: SessionRecord) -> None:
        """Store the record for ``key``."""
        ...


class MemorySessionCache:
    """A process-local session cache (sessions do not survive the process).

    Examples:
        >>> cache = MemorySessionCache()
        >>> cache.load("https://bsky.social|alice.test") is None
        True
    """

    def __init__(self) -> None:
        self._records: dict[str, SessionRecord] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemorySessionCache(accounts={len(self._records)})"

    def load(self, key: str) -> SessionRecord | None:
        """The record for ``key``."""
        with self._lock:
            return self._records.get(key)

    def save(self, key: str, record: SessionRecord) -> None:
        """Store the record for ``key``."""
        with self._lock:
            self._records[key] = record


class FileSessionCache:
    """A JSON file of sessions, written atomically with mode ``0600``.

    Args:
        path: The cache file; its directory is created with mode ``0700``.

    Examples:
        >>> import tempfile, pathlib
        >>> cache = FileSessionCache(pathlib.Path(tempfile.mkdtemp()) / "sessions.json")
        >>> cache.load("any") is None
        True
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FileSessionCache(path={str(self.path)!r})"

    def _read_all(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            logger.warning("session cache %s unreadable (%s); starting without it", self.path, exc.strerror)
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            logger.warning("session cache %s is not JSON; starting without it", self.path)
            return {}
        return data if isinstance(data, dict) else {}

    def load(self, key: str) -> SessionRecord | None:
        """The record for ``key`` (a damaged entry counts as none)."""
        with self._lock:
            raw = self._read_all().get(key)
        if raw is None:
            return None
        try:
            return SessionRecord.model_validate(raw)
        except ValidationError:
            logger.warning("session cache entry is damaged; a new session will be created")
            return None

    def save(self, key: str, record: SessionRecord) -> None:
        """Store the record for ``key`` (atomic replace, mode ``0600``)."""
        entry = record.model_dump(mode="json")
        if record.session is not None:
            entry["session"] = record.session.to_json()
        with self._lock:
            data = self._read_all()
            data[key] = entry
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".sessions-", suffix=".tmp")
            try:
                os.fchmod(fd, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(data, handle)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            os.chmod(self.path, 0o600)


_DEFAULT: FileSessionCache | None = None
_DEFAULT_LOCK = threading.Lock()


def default_session_cache() -> FileSessionCache:
    """The per-user session cache file: ``$XDG_CACHE_HOME/social_listen/sessions.json``.

    ``SOCIAL_LISTEN_SESSION_CACHE`` overrides the path. The file is only written when a
    session is created or refreshed.
    """
    global _DEFAULT  # noqa: PLW0603 - one lazily created default per process
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            override = os.environ.get("SOCIAL_LISTEN_SESSION_CACHE")
            if override:
                path = Path(override)
            else:
                base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
                path = Path(base) / "social_listen" / "sessions.json"
            _DEFAULT = FileSessionCache(path)
        return _DEFAULT

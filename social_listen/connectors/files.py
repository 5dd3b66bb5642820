"""File importers: JSON Lines and CSV exports from other tools, streamed page by page.

:class:`JSONLConnector` and :class:`CSVConnector` implement the Source protocol without
yielding any request. They read a file from a byte offset, map each row to a
:class:`~social_listen.core.Mention` through a field mapping, and return a page of at most
``page_size`` rows, so a 1 GB export is never loaded whole. The cursor is
``"<byte offset>:<line number>"``; the state records the file's identity (path, size,
modification time, a hash of its head) and where the last completed run stopped, so the next
run reads only rows appended since, and starts over when the file was replaced. Bad rows are
skipped and counted with their line numbers.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from social_listen.connectors._filerows import (
    DEFAULT_FIELD_MAPPING,
    MAPPING_TARGETS,
    BadRow,
    in_window,
    row_to_mention,
)
from social_listen.connectors._native import local_matcher
from social_listen.core import (
    DEFAULT_LIMITS,
    Capabilities,
    ConfigError,
    FetchFlow,
    Limits,
    Mention,
    Page,
    ParseError,
    Query,
    RateLimitInfo,
    SkippedItem,
    SourceState,
    utcnow,
)
from social_listen.core._json import load_json

__all__ = ["DEFAULT_FIELD_MAPPING", "CSVConnector", "JSONLConnector"]

logger = logging.getLogger(__name__)

_HEAD_BYTES = 4096


class _FileImporter:
    """The shared reading loop; subclasses say how a file turns into rows."""

    name: ClassVar[str]
    capabilities: ClassVar[Capabilities] = Capabilities(since_until=False, order="oldest_first")

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        mapping: Mapping[str, str] | None = None,
        source: str | None = None,
        page_size: int = 1000,
        encoding: str = "utf-8",
        max_line_bytes: int = 1024 * 1024,
        filter_by_query: bool = False,
        limits: Limits = DEFAULT_LIMITS,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        if str(path).startswith(("http://", "https://", "file:")):
            raise ConfigError(f"{self.name} reads local paths, not URLs: {path!s}", source=self.name)
        unknown = set(mapping or {}) - MAPPING_TARGETS
        if unknown:
            raise ConfigError(
                f"unknown mapping targets: {', '.join(sorted(unknown))}",
                source=self.name,
                hint=f"map onto these Mention fields: {', '.join(sorted(MAPPING_TARGETS))}",
            )
        if page_size < 1:
            raise ConfigError("page_size must be at least 1", source=self.name)
        self.path = Path(path)
        self.mapping: dict[str, str] = {**DEFAULT_FIELD_MAPPING, **(mapping or {})}
        self.source_name = source or self.name
        self.page_size = page_size
        self.encoding = encoding
        self.max_line_bytes = max_line_bytes
        self.filter_by_query = filter_by_query
        self.limits = limits
        self._now = now

    def rate_limit(self, response: object) -> RateLimitInfo | None:
        """Files have no rate limits."""
        return None

    def fetch_page(self, query: Query, *, cursor: str | None, state: SourceState) -> FetchFlow:
        r"""Read the next ``page_size`` rows; yields no request.

        Args:
            query: ``since``/``until`` filter rows by their ``created_at``.
            cursor: ``"<offset>:<line>"`` from the previous page, ``None`` to start a run.
            state: The state after the previous page or run.

        Examples:
            >>> import tempfile, pathlib
            >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.jsonl"
            >>> _ = path.write_text('{"id": 1, "text": "hi", "created_at": "2026-01-01T00:00:00Z"}\n')
            >>> flow = JSONLConnector(path).fetch_page(Query(text="hi"), cursor=None, state=SourceState())
            >>> try:
            ...     next(flow)
            ... except StopIteration as stop:
            ...     page = stop.value
            >>> [m.text for m in page.mentions], page.done
            (['hi'], True)
        """
        yield from ()
        try:
            stat = self.path.stat()
        except OSError as exc:
            raise ConfigError(f"cannot read {self.path}: {exc.strerror}", source=self.name) from exc
        notes: list[str] = []
        keep = local_matcher(query, self.name) if self.filter_by_query else None
        identity = self._identity(stat)
        offset, line = self._start(cursor, state, identity, notes)
        mentions: list[Mention] = []
        skipped: list[SkippedItem] = []
        with self.path.open("rb") as handle:
            rows = self._rows(handle, offset, line)
            end_offset, end_line, eof = offset, line, True
            for row_line, row_end, row in rows:
                end_offset, end_line = row_end, row_line
                if isinstance(row, BadRow):
                    skipped.append(SkippedItem(reason="bad_row", detail=f"line {row_line}: {row}"))
                else:
                    try:
                        mention = self._mention(row, query)
                    except (BadRow, ValueError) as exc:
                        skipped.append(SkippedItem(reason="bad_row", detail=f"line {row_line}: {exc}"))
                    else:
                        if in_window(mention, query) and (keep is None or keep(mention)):
                            mentions.append(mention)
                if len(mentions) + len(skipped) >= self.page_size:
                    eof = False
                    break
            if eof and self._partial_tail:
                notes.append("partial_last_line")
        if skipped:
            logger.info("%s: skipped %d bad rows in %s", self.name, len(skipped), self.path)
        extras = {"file": identity, "offset": end_offset, "line": end_line}
        new_state = state.observe(mentions, clamp_to=self._now() + self.limits.future_skew).with_extras(
            **extras
        )
        if not mentions and skipped and len(skipped) >= self.page_size:
            notes.append("page_all_bad")
        next_cursor = None if eof else f"{end_offset}:{end_line}"
        new_state = new_state.with_cursor(next_cursor) if next_cursor else new_state.finish_run()
        return Page(
            mentions=tuple(mentions),
            next_cursor=next_cursor,
            state=new_state,
            skipped=tuple(skipped),
            notes=tuple(notes),
        )

    # -- reading -----------------------------------------------------------------------------

    _partial_tail = False

    def _rows(self, handle: BinaryIO, offset: int, line: int) -> Iterator[tuple[int, int, Any]]:
        """Yield ``(line number, byte offset after the row, row or BadRow)``."""
        raise NotImplementedError

    def _lines(self, handle: BinaryIO, offset: int, line: int) -> Iterator[tuple[int, int, bytes | None]]:
        """Physical lines from ``offset``; ``None`` for a line over ``max_line_bytes``."""
        self._partial_tail = False
        handle.seek(offset)
        while True:
            raw = handle.readline(self.max_line_bytes + 1)
            if not raw:
                return
            line += 1
            if len(raw) > self.max_line_bytes and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):
                    raw = handle.readline(self.max_line_bytes + 1)
                yield line, handle.tell(), None
                continue
            if not raw.endswith(b"\n") and not self._complete_tail(raw):
                # A writer may still be appending this line: leave it for the next run.
                self._partial_tail = True
                return
            yield line, handle.tell(), raw

    def _complete_tail(self, raw: bytes) -> bool:
        return True

    # -- identity and resume ------------------------------------------------------------------

    def _identity(self, stat: os.stat_result) -> dict[str, Any]:
        head_len = min(stat.st_size, _HEAD_BYTES)
        with self.path.open("rb") as handle:
            head = handle.read(head_len)
        return {
            "path": str(self.path.resolve()),
            "size": stat.st_size,
            "mtime": stat.st_mtime,
            "head_len": head_len,
            "head_sha256": hashlib.sha256(head).hexdigest(),
        }

    def _same_file(self, stored: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
        """True when ``current`` is ``stored`` or ``stored`` with rows appended."""
        if stored.get("path") != current["path"] or current["size"] < int(stored.get("size", 0)):
            return False
        head_len = int(stored.get("head_len", 0))
        with self.path.open("rb") as handle:
            head = handle.read(head_len)
        return hashlib.sha256(head).hexdigest() == stored.get("head_sha256")

    def _start(
        self, cursor: str | None, state: SourceState, identity: Mapping[str, Any], notes: list[str]
    ) -> tuple[int, int]:
        stored = state.extras.get("file")
        same = isinstance(stored, Mapping) and self._same_file(stored, identity)
        if cursor is not None:
            try:
                offset_text, line_text = cursor.split(":", 1)
                offset, line = int(offset_text), int(line_text)
            except ValueError as exc:
                raise ParseError(f"bad file cursor {cursor!r}", source=self.name) from exc
            if stored is None or same:
                return offset, line
            notes.append("file_replaced")
            return 0, 0
        if same:
            return int(state.extras.get("offset", 0)), int(state.extras.get("line", 0))
        if stored is not None:
            notes.append("file_replaced")
        return 0, 0

    # -- mapping -------------------------------------------------------------------------------

    def _get(self, row: Any, column: str) -> Any:
        raise NotImplementedError

    def _value(self, row: Any, target: str) -> Any:
        column = self.mapping.get(target)
        if column is None:
            return None
        value = self._get(row, column)
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def _mention(self, row: Any, query: Query) -> Mention:
        return row_to_mention(
            lambda target: self._value(row, target),
            raw=row,
            source=self.source_name,
            query=query,
            now=self._now(),
            limits=self.limits,
            extras={"file": str(self.path)},
        )


class JSONLConnector(_FileImporter):
    """Import a JSON Lines file (one JSON object per line), e.g. another tool's export.

    The mapping values are dotted paths into each object (``"user.screen_name"``).

    Args:
        path: The file to read (a local path; URLs are refused).
        mapping: Mention field -> dotted path, merged over :data:`DEFAULT_FIELD_MAPPING`.
        source: The ``Mention.source`` to store (default ``"jsonl"``); map ``source`` to take
            it from each row instead.
        page_size: Rows per page (bad rows count).
        encoding: The file's text encoding.
        max_line_bytes: Longer lines are skipped without being read into memory whole.
        filter_by_query: Keep only rows matching the query (exports are usually filtered
            already, so every row is kept by default).
        limits: Text caps and the future-date skew.
        now: The clock (tests inject one).

    Examples:
        >>> conn = JSONLConnector("export.jsonl", mapping={"text": "full_text", "native_id": "id_str"})
        >>> conn.mapping["text"]
        'full_text'
    """

    name = "jsonl"

    def _rows(self, handle: BinaryIO, offset: int, line: int) -> Iterator[tuple[int, int, Any]]:
        for number, end, raw in self._lines(handle, offset, line):
            if raw is None:
                yield number, end, BadRow(f"line longer than {self.max_line_bytes} bytes")
                continue
            if not raw.strip():
                continue
            try:
                row = _load_json_line(raw, self.encoding)
            except (ValueError, ParseError) as exc:
                yield number, end, BadRow(f"invalid JSON: {str(exc)[:80]}")
                continue
            if not isinstance(row, dict):
                yield number, end, BadRow(f"expected a JSON object, got {type(row).__name__}")
                continue
            yield number, end, row

    def _complete_tail(self, raw: bytes) -> bool:
        try:
            _load_json_line(raw, self.encoding)
        except (ValueError, ParseError):
            return False
        return True

    def _get(self, row: Any, column: str) -> Any:
        value: Any = row
        for part in column.split("."):
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value


class CSVConnector(_FileImporter):
    """Import a CSV file with a header row; quoted fields may span lines.

    The mapping values are column names from the header.

    Args:
        path: The file to read (a local path; URLs are refused).
        mapping: Mention field -> column name, merged over :data:`DEFAULT_FIELD_MAPPING`.
        source: The ``Mention.source`` to store (default ``"csv"``).
        delimiter: The field separator.
        page_size: Rows per page (bad rows count).
        encoding: The file's text encoding (a UTF-8 BOM is ignored).
        max_line_bytes: Longer physical lines are skipped.
        filter_by_query: Keep only rows matching the query (exports are usually filtered
            already, so every row is kept by default).
        limits: Text caps and the future-date skew.
        now: The clock (tests inject one).

    Examples:
        >>> CSVConnector("mentions.csv", mapping={"created_at": "Date", "text": "Snippet"}).name
        'csv'
    """

    name = "csv"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        mapping: Mapping[str, str] | None = None,
        source: str | None = None,
        delimiter: str = ",",
        page_size: int = 1000,
        encoding: str = "utf-8",
        max_line_bytes: int = 1024 * 1024,
        filter_by_query: bool = False,
        limits: Limits = DEFAULT_LIMITS,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(
            path,
            mapping=mapping,
            source=source,
            page_size=page_size,
            encoding=encoding,
            max_line_bytes=max_line_bytes,
            filter_by_query=filter_by_query,
            limits=limits,
            now=now,
        )
        if len(delimiter) != 1:
            raise ConfigError("delimiter must be one character", source=self.name)
        self.delimiter = delimiter

    def _header(self, handle: BinaryIO) -> tuple[list[str], int, int]:
        handle.seek(0)
        raw = handle.readline(self.max_line_bytes + 1)
        text = raw.decode(self.encoding, "replace").removeprefix("\ufeff")
        header = next(csv.reader([text], delimiter=self.delimiter), [])
        return [name.strip() for name in header], handle.tell(), 1

    def _rows(self, handle: BinaryIO, offset: int, line: int) -> Iterator[tuple[int, int, Any]]:
        header, header_end, header_line = self._header(handle)
        if not header:
            raise ParseError(f"{self.path} has no header row", source=self.name)
        if offset < header_end:
            offset, line = header_end, header_line
        positions: list[tuple[int, int]] = []
        too_long: list[int] = []

        def texts() -> Iterator[str]:
            for number, end, raw in self._lines(handle, offset, line):
                positions.append((number, end))
                if raw is None:
                    too_long.append(number)
                    yield "\n"
                    continue
                yield raw.decode(self.encoding, "replace")

        reader = csv.reader(texts(), delimiter=self.delimiter, strict=True)
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number, end = positions[-1]
                yield number, end, BadRow(f"malformed CSV: {exc}")
                return
            number, end = positions[-1]
            if too_long and too_long[-1] == number:
                yield number, end, BadRow(f"line longer than {self.max_line_bytes} bytes")
                continue
            if not values or values == [""]:
                continue
            if len(values) != len(header):
                yield number, end, BadRow(f"{len(values)} fields where the header has {len(header)}")
                continue
            yield number, end, dict(zip(header, values, strict=True))

    def _get(self, row: Any, column: str) -> Any:
        return row.get(column)


def _load_json_line(raw: bytes, encoding: str) -> Any:
    return load_json(raw.decode(encoding, "strict").lstrip("\ufeff"))

"""The shared shape of listener results: records, data frames and a notebook display.

Every analysis returns a small frozen dataclass holding tuples of frozen rows; this mixin gives
them ``to_records()``, ``to_pandas()`` / ``to_polars()`` (imported lazily, behind the
``pandas`` / ``polars`` extras) and ``_repr_html_`` (an escaped HTML table for notebooks).
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from social_listen.core import MissingDependency

__all__ = ["TableResult", "html_table", "row_dict"]

_HTML_ROWS = 50


def _require(module: str, *, extra: str, feature: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependency(module, extra=extra, feature=feature) from exc


def row_dict(row: Any) -> dict[str, Any]:
    """A row (frozen dataclass or mapping) as a plain dict; tuples of rows stay tuples."""
    if dataclasses.is_dataclass(row) and not isinstance(row, type):
        return {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
    if isinstance(row, Mapping):
        return dict(row)
    raise TypeError(f"not a row: {type(row).__name__}")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ", ".join(_cell(v) for v in value[:5]) + (" …" if len(value) > 5 else "")
    return "" if value is None else str(value)


def html_table(records: Sequence[Mapping[str, Any]], *, caption: str = "", limit: int = _HTML_ROWS) -> str:
    """An HTML table of records; every header and cell is escaped.

    Examples:
        >>> html_table([{"term": "<b>"}])
        '<table><thead><tr><th>term</th></tr></thead><tbody><tr><td>&lt;b&gt;</td></tr></tbody></table>'
    """
    from social_listen.listener._escape import escape_text

    columns: list[str] = []
    for record in records:
        for key in record:
            if key not in columns:
                columns.append(key)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape_text(_cell(r.get(c)))}</td>" for c in columns) + "</tr>"
        for r in records[:limit]
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    more = (
        f"<tfoot><tr><td colspan='{len(columns)}'>… {len(records) - limit} more rows</td></tr></tfoot>"
        if len(records) > limit
        else ""
    )
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody>{more}</table>"


class TableResult:
    """Mixin for frozen result dataclasses whose main content is a tuple of rows.

    Subclasses set ``_rows_field`` to the name of that tuple (default ``"rows"``).
    """

    _rows_field: str = "rows"

    def _rows(self) -> tuple[Any, ...]:
        rows: tuple[Any, ...] = getattr(self, self._rows_field)
        return rows

    def to_records(self) -> list[dict[str, Any]]:
        """The rows as a list of plain dicts (JSON-friendly apart from datetimes)."""
        return [row_dict(r) for r in self._rows()]

    def to_pandas(self) -> Any:
        """The rows as a ``pandas.DataFrame`` (needs the ``pandas`` extra)."""
        pandas = _require("pandas", extra="pandas", feature=f"{type(self).__name__}.to_pandas")
        return pandas.DataFrame.from_records(self.to_records())

    def to_polars(self) -> Any:
        """The rows as a ``polars.DataFrame`` (needs the ``polars`` extra)."""
        polars = _require("polars", extra="polars", feature=f"{type(self).__name__}.to_polars")
        records = self.to_records()
        return polars.DataFrame(records) if records else polars.DataFrame()

    def __len__(self) -> int:
        return len(self._rows())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows())

    def _repr_html_(self) -> str:
        return html_table(self.to_records(), caption=type(self).__name__)

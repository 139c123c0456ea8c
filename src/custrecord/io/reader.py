"""Reading CSV and XLSX files as rows of cells keyed by their column header.

:func:`open_table` reads the header (the first non-blank row) and then streams
the rows, each as ``(row_number, {header: cell})`` where ``row_number`` is the
line a spreadsheet shows (header = 1 when it is the first line). Blank rows
are skipped but still counted. Memory use does not grow with the file.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from custrecord.flat import ColumnPlan
from custrecord.io.cells import Cell, Row, column_letter, is_blank
from custrecord.io.columns import IGNORED_HEADERS
from custrecord.io.errors import FileError, FileFormatError
from custrecord.io.sniff import detect_delimiter, detect_encoding, detect_format
from custrecord.io.xlsx import read_xlsx
from custrecord.problems import Problem, ProblemCode
from custrecord.text import clean_text

__all__ = ["DUPLICATE_COLUMN", "Table", "open_table", "read_rows"]

#: Problem code of a header that repeats another column (the same header or the same field).
DUPLICATE_COLUMN = ProblemCode.DUPLICATE_COLUMN.value

_SAMPLE_CHARS = 1 << 16
_IGNORE = ""  # plan entry of a column the reader skips (header text is never empty)

RawRows = Iterator[tuple[int, list[Cell]]]


class Table:
    """An open CSV or XLSX table: its header, then (by iterating) its rows.

    Use it as a context manager, or iterate it to the end; either closes the file.
    ``columns`` are the keys every row has (the non-blank headers, cleaned);
    a cell under a blank header (for instance the second half of a merged
    header cell) is keyed by its column letter, ``C``, and only when it is not
    blank. ``plan`` says where each column goes (:class:`~custrecord.flat.ColumnPlan`);
    :meth:`record` gives the record to validate from a row's cells. ``problems``
    are the table's own problems: repeated columns and unknown columns, each once.
    """

    def __init__(
        self,
        path: Path,
        format: str,
        raw: RawRows,
        closers: Sequence[Callable[[], object]],
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        sheet: str | None = None,
        plan: ColumnPlan | None = None,
    ) -> None:
        self.path = str(path)
        self.format = format
        self.encoding = encoding
        self.delimiter = delimiter
        self.sheet = sheet
        self._raw = raw
        self._closers = list(closers)
        self._closed = False
        try:
            self.header_row, self.headers = self._read_header()
        except BaseException:
            self.close()
            raise
        self.plan = plan or ColumnPlan()
        self._plan, self.columns, self._repeated = _plan(self.headers, self.plan)
        self._taken = frozenset(self.columns)

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Repeated columns, then unknown columns (a column without a header is met with its first cell)."""
        return (*self._repeated, *self.plan.problems)

    def record(self, cells: Mapping[str, Cell]) -> dict[str, Cell]:
        """The record to validate from a row's cells (see :meth:`ColumnPlan.record`)."""
        return self.plan.record(cells)

    def _read_header(self) -> tuple[int, tuple[str | None, ...]]:
        for number, values in self._raw:
            if not all(is_blank(v) for v in values):
                return number, tuple(_header_text(v) for v in values)
        raise FileFormatError(self.path, "has no header row (it is empty)")

    def __iter__(self) -> Iterator[Row]:
        try:
            for number, values in self._raw:
                cells = self._cells(values)
                if cells is not None:
                    yield number, cells
        finally:
            self.close()

    def _cells(self, values: list[Cell]) -> dict[str, Cell] | None:
        cells: dict[str, Cell] = dict.fromkeys(self.columns)
        blank = True
        plan = self._plan
        for index, value in enumerate(values):
            key = plan[index] if index < len(plan) else None
            if key == _IGNORE:
                continue
            if is_blank(value):
                if key is None:
                    continue
            else:
                blank = False
            if key is None:
                key = column_letter(index)
                if key in self._taken:
                    key = f"{key}#"
            cells[key] = value
        return None if blank else cells

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._closed:
            return
        self._closed = True
        close = getattr(self._raw, "close", None)
        if close is not None:
            close()
        for closer in reversed(self._closers):
            closer()

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Table {self.path!r} {self.format} columns={list(self.columns)!r}>"


def _header_text(value: Cell) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _plan(
    headers: Sequence[str | None], columns: ColumnPlan
) -> tuple[list[str | None], tuple[str, ...], tuple[Problem, ...]]:
    """Key per column position (None: blank header; ``_IGNORE``: skipped), the keys, the problems.

    A header that repeats another one (the same text, or the same field) gets a key of its
    own, ``税号 (C)``, so its cells stay in the row as read; they go to no field.
    """
    plan: list[str | None] = []
    keys: list[str] = []
    taken: set[str] = set()
    problems: list[Problem] = []
    first: dict[object, int] = {}  # what a column stands for -> position of the first column that has it
    for index, header in enumerate(headers):
        if header is None:
            plan.append(None)
            continue
        if header in IGNORED_HEADERS:
            plan.append(_IGNORE)
            continue
        identity = columns.identity(header)
        key = header
        if identity in first or header in taken:
            key = f"{header} ({column_letter(index)})"
            problems.append(_duplicate(key, header, index, headers, first.get(identity, index)))
            columns.ignore(key)
        else:
            first[identity] = index
            columns.target(header)  # an unknown column is reported now, in header order
        plan.append(key)
        keys.append(key)
        taken.add(key)
    return plan, tuple(keys), tuple(problems)


def _duplicate(key: str, header: str, index: int, headers: Sequence[str | None], earlier: int) -> Problem:
    letter, other = column_letter(index), column_letter(earlier)
    before = headers[earlier] or ""
    return Problem(
        path=key,
        code=DUPLICATE_COLUMN,
        message=f"column {letter} {header!r} repeats column {other} {before!r}; its cells are not imported",
        message_zh=f"第{letter}列“{header}”与第{other}列“{before}”重复，该列不会导入",
        value=header,
    )


def _open(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except FileNotFoundError as exc:
        raise FileError(path, "no such file") from exc
    except IsADirectoryError as exc:
        raise FileError(path, "is a directory, not a file") from exc
    except PermissionError as exc:
        raise FileError(path, "cannot be read: permission denied") from exc
    except OSError as exc:
        raise FileError(path, f"cannot be read ({exc.strerror or exc})") from exc


def open_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    custom_fields: Iterable[str] = (),
    columns: Mapping[str, str] | None = None,
    strict_columns: bool = False,
) -> Table:
    """Open a CSV or XLSX file as a :class:`Table` (its header is read at once).

    CSV: UTF-8 with or without BOM, UTF-16 with BOM or GB18030/GBK, detected;
    the delimiter (``,`` ``;`` or tab) too. XLSX: ``sheet`` names the sheet (a
    name or 0-based index; default the first). Raises :class:`FileError` when
    the file cannot be read and :class:`FileFormatError` when it is not a
    table custrecord reads, never a parser's own exception. ``custom_fields``
    (the profile's) are headers that stand for themselves: a custom column
    named like an alias of a field (``email``) is then no repeat of that field.
    ``columns`` maps other headers to fields (``{"旧客户号": "code"}``); columns
    that map to no field are reported once and left out of :meth:`Table.record`,
    unless ``strict_columns`` (see :class:`~custrecord.flat.ColumnPlan`).
    """
    where = Path(path)
    plan = ColumnPlan(columns, custom_fields=frozenset(custom_fields), strict=strict_columns)
    stream = _open(where)
    try:
        try:
            head = stream.read(8)
            stream.seek(0)
        except OSError as exc:
            raise FileError(where, f"cannot be read ({exc.strerror or exc})") from exc
        if detect_format(where, head) == "xlsx":
            raw, close, name = read_xlsx(where, stream, sheet)
            return Table(where, "xlsx", raw, [stream.close, close], sheet=name, plan=plan)
        encoding = detect_encoding(stream)
        raw, delimiter = _read_csv(where, stream, encoding)
        return Table(
            where, "csv", raw, [stream.close],
            encoding=encoding, delimiter=delimiter, plan=plan,
        )
    except BaseException:
        stream.close()
        raise


def _read_csv(path: Path, stream: BinaryIO, encoding: str) -> tuple[RawRows, str]:
    text = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")
    try:
        sample = text.read(_SAMPLE_CHARS)
        text.seek(0)
    except UnicodeDecodeError as exc:
        raise _undecodable(path, encoding, 1) from exc
    delimiter = detect_delimiter(sample)
    reader = csv.reader(text, delimiter=delimiter)

    def rows() -> RawRows:
        number = 0
        try:
            for record in reader:
                number += 1
                yield number, [value if value else None for value in record]
        except UnicodeDecodeError as exc:
            raise _undecodable(path, encoding, number + 1) from exc
        except csv.Error as exc:
            raise FileFormatError(path, f"row {number + 1} is not valid CSV ({exc})") from exc

    return rows(), delimiter


def _undecodable(path: Path, encoding: str, row: int) -> FileFormatError:
    return FileFormatError(
        path,
        f"row {row} cannot be decoded as {encoding}: the file mixes encodings or is not text; "
        "save it as CSV UTF-8",
    )


def read_rows(
    path: str | os.PathLike[str], *, sheet: str | int | None = None, custom_fields: Iterable[str] = ()
) -> Iterator[Row]:
    """The rows of a CSV or XLSX file as ``(row_number, cells)``; see :func:`open_table`."""
    with open_table(path, sheet=sheet, custom_fields=custom_fields) as table:
        yield from table

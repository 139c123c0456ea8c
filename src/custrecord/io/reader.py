"""Reading CSV and XLSX files as rows of cells keyed by their column header.

:func:`open_table` reads the header (the first non-blank row) and then streams
the rows, each as ``(row_number, {header: cell})`` where ``row_number`` is the
line a spreadsheet shows (header = 1 when it is the first line). Blank rows
are skipped but still counted. Memory use does not grow with the file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from custrecord.flat import ColumnPlan
from custrecord.io.cells import CELL_LIMIT, Cell, Row, column_letter, is_blank, restore_formula
from custrecord.io.columns import IGNORED_HEADERS
from custrecord.io.encoding import LineDecoder, check_encoding, detect_encoding
from custrecord.io.errors import FileError, FileFormatError
from custrecord.io.sniff import detect_delimiter, detect_format
from custrecord.io.xlsx import read_xlsx
from custrecord.problems import Problem, ProblemCode, make_problem
from custrecord.text import clean_text

__all__ = ["DUPLICATE_COLUMN", "Table", "open_table", "read_rows"]

#: Problem code of a header that repeats another column (the same header or the same field).
DUPLICATE_COLUMN = ProblemCode.DUPLICATE_COLUMN.value

_SAMPLE_BYTES = 1 << 16
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
    A row that could not be read as it was written (bytes of another encoding) is
    still yielded; :meth:`refusal` gives the problem that refuses it.
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
        refusals: dict[int, Problem] | None = None,
    ) -> None:
        self.path = str(path)
        self._refusals = refusals if refusals is not None else {}
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
                refused = self._refusals.pop(number, None)
                if refused is not None:
                    raise FileFormatError(self.path, f"the header row {number}: {refused.message}",
                                          reason_zh=f"表头第{number}行：{refused.message_zh}")
                return number, tuple(_header_text(v) for v in values)
        raise FileFormatError(self.path, "has no header row (it is empty)",
                              reason_zh="没有表头行（文件为空）")

    def refusal(self, row: int) -> Problem | None:
        """Why row ``row`` (just yielded) cannot be imported as it was read, or None; asked once."""
        return self._refusals.pop(row, None) if self._refusals else None

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
        raise FileError(path, "no such file", reason_zh="文件不存在") from exc
    except IsADirectoryError as exc:
        raise FileError(path, "is a directory, not a file", reason_zh="是目录，不是文件") from exc
    except PermissionError as exc:
        raise FileError(path, "cannot be read: permission denied", reason_zh="无权读取") from exc
    except OSError as exc:
        raise FileError(path, f"cannot be read ({exc.strerror or exc})", reason_zh="无法读取") from exc


def open_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    custom_fields: Iterable[str] = (),
    columns: Mapping[str, str] | None = None,
    strict_columns: bool = False,
    encoding: str | None = None,
) -> Table:
    """Open a CSV or XLSX file as a :class:`Table` (its header is read at once).

    CSV: the encoding is detected (UTF-8 with or without BOM, UTF-16, GB18030/GBK,
    Big5, the Latin code pages; see :mod:`custrecord.io.encoding`) unless
    ``encoding`` names it; a row whose bytes do not decode is refused by
    :meth:`Table.refusal`, the others are read. The delimiter (``,`` ``;`` or tab)
    is detected too; a cell starting with ``'`` that a CSV export neutralised as a
    formula is read back without it. XLSX: ``sheet`` names the sheet (a
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
        chosen = check_encoding(encoding) if encoding else detect_encoding(stream, where)
        refusals: dict[int, Problem] = {}
        raw, delimiter = _read_csv(where, stream, chosen, refusals)
        return Table(
            where, "csv", raw, [stream.close],
            encoding=chosen, delimiter=delimiter, plan=plan, refusals=refusals,
        )
    except BaseException:
        stream.close()
        raise


# Python's csv module has one limit for the whole process; custrecord needs at least its own.
if csv.field_size_limit() < CELL_LIMIT:
    csv.field_size_limit(CELL_LIMIT)


def _read_csv(
    path: Path, stream: BinaryIO, encoding: str, refusals: dict[int, Problem]
) -> tuple[RawRows, str]:
    """The rows of a CSV file and its delimiter; rows with undecodable bytes go into ``refusals``."""
    sample = stream.read(_SAMPLE_BYTES)
    stream.seek(0)
    delimiter = detect_delimiter(sample.decode(encoding, "replace"))
    lines = LineDecoder(stream, encoding)
    reader = csv.reader(lines, delimiter=delimiter)

    def rows() -> RawRows:
        number = 0
        read = 0  # lines read before the current record
        try:
            for record in reader:
                number += 1
                if lines.exhausted:  # the reader ran out of lines inside a quoted cell
                    raise _unclosed_quote(path, number)
                if lines.bad:  # a line that did not decode: which record has it
                    bad = lines.first_bad(read, reader.line_num)
                    if bad is not None:
                        refusals[number] = _undecodable(encoding, bad)
                read = reader.line_num
                yield number, [(value if value[0] != "'" else restore_formula(value)) if value else None
                               for value in record]
        except UnicodeDecodeError as exc:  # UTF-16 and UTF-32 are decoded whole
            raise FileFormatError(
                path, f"row {number + 1} cannot be decoded as {encoding}; save it as CSV UTF-8",
                reason_zh=f"第{number + 1}行无法按{encoding}解码；请另存为“CSV UTF-8”",
            ) from exc
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise _unclosed_quote(path, number + 1, long=True) from exc
            raise FileFormatError(path, f"row {number + 1} is not valid CSV ({exc})",
                                  reason_zh=f"第{number + 1}行不是有效的CSV（{exc}）") from exc

    return rows(), delimiter


def _undecodable(encoding: str, offset: int) -> Problem:
    return make_problem(
        "", ProblemCode.INVALID_FORMAT, label="row", label_zh="该行",
        hint=f"its bytes at offset {offset} are not {encoding}; the row is not imported",
        hint_zh=f"偏移{offset}处的字节不是{encoding}编码，该行不导入",
    )


def _unclosed_quote(path: Path, row: int, *, long: bool = False) -> FileFormatError:
    why = (f"a cell is longer than {CELL_LIMIT:,} characters" if long
           else "a quote opens a cell that never closes")
    why_zh = f"单元格超过{CELL_LIMIT}个字符" if long else "引号未闭合"
    return FileFormatError(
        path,
        f"row {row}: {why} (a quote opened in row {row} runs to the end of the file); "
        "close the quote or remove it",
        reason_zh=f"第{row}行：{why_zh}（第{row}行开始的引号一直延续到文件末尾）；请补上或删除该引号",
    )


def read_rows(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    custom_fields: Iterable[str] = (),
    encoding: str | None = None,
) -> Iterator[Row]:
    """The rows of a CSV or XLSX file as ``(row_number, cells)``; see :func:`open_table`.

    Rows that :meth:`Table.refusal` would refuse are left out.
    """
    with open_table(path, sheet=sheet, custom_fields=custom_fields, encoding=encoding) as table:
        for row in table:
            if table.refusal(row[0]) is None:
                yield row

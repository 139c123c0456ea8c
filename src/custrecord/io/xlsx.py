"""XLSX through openpyxl, imported only when an XLSX file is met.

Reading uses openpyxl's read-only mode, which streams the sheet (only its
table of shared strings is held in memory); writing uses write-only mode.
"""

from __future__ import annotations

import contextlib
import math
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from custrecord.io.cells import (
    CELL_LIMIT,
    EXACT_INT_LIMIT,
    Cell,
    cell_text,
    column_letter,
    escape_ooxml,
    from_spreadsheet,
)
from custrecord.io.errors import FileError, FileFormatError, MissingDependencyError

__all__ = ["XLSX_TEXT_LIMIT", "fits_xlsx_number", "openpyxl_module", "read_xlsx", "write_xlsx"]

#: The most characters an Excel cell holds.
XLSX_TEXT_LIMIT = 32767


def openpyxl_module() -> Any:
    """The openpyxl module, or MissingDependencyError saying how to install it."""
    try:
        import openpyxl
    except ImportError as exc:
        raise MissingDependencyError(
            "reading or writing .xlsx files needs openpyxl: pip install 'custrecord[excel]'"
        ) from exc
    return openpyxl


def _why(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


RawRows = Iterator[tuple[int, list[Cell]]]


def read_xlsx(
    path: Path, stream: BinaryIO, sheet: str | int | None
) -> tuple[RawRows, Callable[[], None], str]:
    """Stream a worksheet: its rows numbered from 1 (blank rows included), a closer, the sheet name.

    ``sheet`` is a name, a 0-based index or None for the first worksheet.
    """
    openpyxl = openpyxl_module()
    _check_inflation(path, stream)
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise FileFormatError(path, f"is not a valid XLSX workbook ({_why(exc)})",
                              reason_zh="不是有效的XLSX工作簿") from exc
    try:
        worksheet = _worksheet(path, workbook, sheet)
        # Some writers record a wrong used range; forget it and read every row there is.
        worksheet.reset_dimensions()
    except BaseException:
        workbook.close()
        raise

    def rows() -> RawRows:
        number = 0
        try:
            for number, values in enumerate(worksheet.iter_rows(values_only=True), 1):
                cells = [from_spreadsheet(v) for v in values]
                for index, cell in enumerate(cells):
                    if isinstance(cell, str) and len(cell) > CELL_LIMIT:
                        raise _too_long_cell(path, number, index, len(cell))
                yield number, cells
        except FileFormatError:
            raise
        except Exception as exc:
            raise FileFormatError(path, f"row {number + 1} cannot be read ({_why(exc)})",
                                  reason_zh=f"第{number + 1}行无法读取（{_why(exc)}）") from exc

    return rows(), workbook.close, str(worksheet.title)


#: A part of a workbook may inflate to this many bytes whatever its compression ...
_INFLATE_FREE = 32 << 20
#: ... and beyond that to at most this many times its compressed size (sheets of real data
#: compress ten to thirty times; a bomb, a thousand).
_INFLATE_RATIO = 200


def _check_inflation(path: Path, stream: BinaryIO) -> None:
    """Refuse a workbook whose zip entries inflate out of proportion (one huge cell of one letter)."""
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
    except Exception as exc:  # zipfile raises many kinds for a damaged file
        raise FileFormatError(path, f"is not a valid XLSX workbook ({_why(exc)})",
                              reason_zh="不是有效的XLSX工作簿") from exc
    finally:
        stream.seek(start)
    for entry in entries:
        if entry.file_size > _INFLATE_FREE and entry.file_size > _INFLATE_RATIO * max(entry.compress_size, 1):
            raise FileFormatError(
                path,
                f"holds a part ({entry.filename}) that inflates from {entry.compress_size:,} to "
                f"{entry.file_size:,} bytes, out of proportion for a table; it is not read",
                reason_zh=f"其中的{entry.filename}从{entry.compress_size}字节膨胀到{entry.file_size}字节，"
                "与表格数据不相称，不予读取",
            )


def _too_long_cell(path: Path, row: int, index: int, length: int) -> FileFormatError:
    where = f"{column_letter(index)}{row}"
    return FileFormatError(
        path, f"cell {where} holds {length:,} characters, more than a cell may ({CELL_LIMIT:,})",
        reason_zh=f"单元格{where}有{length}个字符，超过上限{CELL_LIMIT}",
    )


def _worksheet(path: Path, workbook: Any, sheet: str | int | None) -> Any:
    sheets = list(workbook.worksheets)
    names = ", ".join(str(s.title) for s in sheets) or "none"
    if sheet is None:
        if not sheets:
            raise FileFormatError(path, "has no worksheet", reason_zh="没有工作表")
        return sheets[0]
    if isinstance(sheet, int):
        if 0 <= sheet < len(sheets):
            return sheets[sheet]
        raise FileFormatError(path, f"has no sheet number {sheet} (sheets: {names})",
                              reason_zh=f"没有第{sheet}个工作表（工作表：{names}）")
    for candidate in sheets:
        if candidate.title == sheet:
            return candidate
    raise FileFormatError(path, f"has no sheet named {sheet!r} (sheets: {names})",
                          reason_zh=f"没有名为“{sheet}”的工作表（工作表：{names}）")


def write_xlsx(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Cell]],
    *,
    text_columns: frozenset[str] = frozenset(),
    title: str = "Sheet1",
    report_path: Path | None = None,
) -> int:
    """Write a header and ``rows`` to ``path`` as one XLSX sheet; return the number of rows.

    Text is always stored as text (never as a formula), escaped the way Excel
    escapes characters XML cannot hold; ``text_columns`` get the text number
    format too, so that values typed in later stay text. ``report_path`` is the
    name to use in errors (``path`` may be a temporary file).
    """
    openpyxl = openpyxl_module()
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    shown = report_path or path
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns):
        sheet.column_dimensions[column_letter(index)].width = min(max(len(column) * 2, 10), 40)
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = _text_cell(WriteOnlyCell, sheet, column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    try:
        for count, row in enumerate(rows, 1):
            out: list[Any] = []
            for column in columns:
                value = row.get(column)
                try:
                    out.append(_cell(WriteOnlyCell, sheet, value, as_text=column in text_columns))
                except ValueError as exc:
                    raise FileError(shown, f"row {count + 1}, column {column!r}: {exc}") from exc
            sheet.append(out)
    except BaseException:
        _discard(sheet)
        raise
    try:
        workbook.save(path)
    except OSError as exc:
        raise FileError(shown, f"cannot be written ({exc.strerror or exc})") from exc
    return count


def fits_xlsx_number(value: int | float) -> bool:
    """Whether a number survives an XLSX cell exactly, else it is written as text.

    openpyxl writes 16 significant digits, and Excel keeps 15 for integers: a
    long integer (an ID) or a float needing 17 digits would come back changed.
    """
    if isinstance(value, int):
        return abs(value) < EXACT_INT_LIMIT
    return math.isfinite(value) and float(f"{value:.16g}") == value


def _discard(sheet: Any) -> None:
    # Finish and delete the sheet's temporary file now, rather than when it is collected.
    with contextlib.suppress(Exception):
        sheet.close()
        sheet._writer.cleanup()


def _text_cell(factory: Any, sheet: Any, text: str, *, text_format: bool = False) -> Any:
    escaped = escape_ooxml(text)
    if len(escaped) > XLSX_TEXT_LIMIT:
        raise ValueError(f"text of {len(text)} characters is too long for Excel (at most 32767); use CSV")
    cell = factory(sheet, value=escaped)
    cell.data_type = "s"  # never a formula or an error code, whatever the text starts with
    if text_format:
        cell.number_format = "@"
    return cell


def _cell(factory: Any, sheet: Any, value: Cell, *, as_text: bool) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return _text_cell(factory, sheet, value, text_format=as_text)
    if as_text:
        return _text_cell(factory, sheet, cell_text(value), text_format=True)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not fits_xlsx_number(value):
        return _text_cell(factory, sheet, repr(value))
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        # Money stays exact: a number only when a spreadsheet float holds it exactly.
        if value.is_finite() and len(value.as_tuple().digits) <= 15 and Decimal(repr(float(value))) == value:
            return float(value)
        return _text_cell(factory, sheet, str(value))
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return _text_cell(factory, sheet, value.isoformat())
        cell = factory(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, date):
        cell = factory(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return _text_cell(factory, sheet, str(value))  # pragma: no cover - Cell has no other types

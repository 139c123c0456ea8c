"""Writing rows of cells to CSV or XLSX, chosen by the file's extension.

CSV is written as UTF-8 with a BOM (so that Excel shows Chinese correctly),
comma-separated (tab for ``.tsv``), CRLF line ends, quoted where needed; a cell
that a spreadsheet would run as a formula (it starts with ``=`` ``+`` ``-`` ``@``,
tab or CR) gets a leading ``'``, as OWASP recommends against CSV injection, and
custrecord's reader takes it off again. A file is written under a temporary name
and renamed when complete, so a failed export never leaves half a file behind.
No cell longer than custrecord reads back (:data:`~custrecord.io.cells.CELL_LIMIT`)
is written.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from custrecord.io.cells import CELL_LIMIT, Cell, cell_text, neutralise_formula
from custrecord.io.errors import FileError, FileFormatError
from custrecord.io.sniff import CSV_SUFFIXES, XLSX_SUFFIXES
from custrecord.io.xlsx import write_xlsx

__all__ = ["cell_text", "output_format", "write_rows"]


def output_format(path: str | os.PathLike[str]) -> str:
    """``csv`` or ``xlsx`` from the extension of ``path``; FileFormatError for any other."""
    suffix = Path(path).suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    raise FileFormatError(path, f"cannot be written: '{suffix or 'no extension'}' is neither .csv nor .xlsx",
                          reason_zh="无法写出：扩展名应为.csv或.xlsx")


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as exc:
        raise FileError(path, f"cannot be written ({exc.strerror or exc})", reason_zh="无法写入") from exc
    finally:
        if temporary.exists():
            temporary.unlink()


def write_rows(
    path: str | os.PathLike[str],
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Cell]],
    *,
    text_columns: Iterable[str] = (),
    sheet_title: str = "Sheet1",
    neutralise_formulas: bool = True,
) -> int:
    """Write a header of ``columns`` and one line per row; return the number of rows.

    Cells missing from a row are blank; keys not in ``columns`` are not
    written. In XLSX, ``text_columns`` are stored as text (identifiers that
    Excel must not turn into numbers), other cells keep their type (text is never
    a formula there). In CSV, ``neutralise_formulas`` (default) guards cells that
    start like a formula with a leading ``'``.
    """
    target = Path(path)
    fmt = output_format(target)
    with _atomic(target) as temporary:
        if fmt == "xlsx":
            return write_xlsx(
                temporary, columns, rows, text_columns=frozenset(text_columns), title=sheet_title,
                report_path=target,
            )
        return _write_csv(temporary, target, columns, rows, neutralise_formulas)


def _write_csv(
    temporary: Path,
    target: Path,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Cell]],
    neutralise: bool,
) -> int:
    delimiter = "\t" if target.suffix.lower() == ".tsv" else ","
    guard = neutralise_formula if neutralise else str
    count = 0
    with open(temporary, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
        try:
            writer.writerow([guard(column) for column in columns])
            for count, row in enumerate(rows, 1):
                cells = [guard(cell_text(row.get(column))) for column in columns]
                if any(len(cell) > CELL_LIMIT for cell in cells):
                    raise _too_long(target, count + 1, columns, cells)
                writer.writerow(cells)
        except UnicodeEncodeError as exc:
            raise FileError(target, f"row {count + 1} holds text that is not valid Unicode") from exc
    return count


def _too_long(target: Path, row: int, columns: Sequence[str], cells: Sequence[str]) -> FileError:
    index = next(i for i, cell in enumerate(cells) if len(cell) > CELL_LIMIT)
    return FileError(
        target,
        f"row {row}, column {columns[index]!r}: {len(cells[index]):,} characters are more than a cell "
        f"may hold ({CELL_LIMIT:,}), so the file could not be read back; it is not written",
        reason_zh=f"第{row}行“{columns[index]}”列有{len(cells[index])}个字符，超过单元格上限{CELL_LIMIT}，"
        "写出后无法读回，未写出文件",
    )

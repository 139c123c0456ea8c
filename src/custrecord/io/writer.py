"""Writing rows of cells to CSV or XLSX, chosen by the file's extension.

CSV is written as UTF-8 with a BOM (so that Excel shows Chinese correctly),
comma-separated (tab for ``.tsv``), CRLF line ends, quoted where needed. A
file is written under a temporary name and renamed when complete, so a failed
export never leaves half a file behind.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from custrecord.io.cells import Cell, cell_text
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
    raise FileFormatError(path, f"cannot be written: '{suffix or 'no extension'}' is neither .csv nor .xlsx")


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as exc:
        raise FileError(path, f"cannot be written ({exc.strerror or exc})") from exc
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
) -> int:
    """Write a header of ``columns`` and one line per row; return the number of rows.

    Cells missing from a row are blank; keys not in ``columns`` are not
    written. In XLSX, ``text_columns`` are stored as text (identifiers that
    Excel must not turn into numbers), other cells keep their type.
    """
    target = Path(path)
    fmt = output_format(target)
    with _atomic(target) as temporary:
        if fmt == "xlsx":
            return write_xlsx(
                temporary, columns, rows, text_columns=frozenset(text_columns), title=sheet_title,
                report_path=target,
            )
        return _write_csv(temporary, target, columns, rows)


def _write_csv(
    temporary: Path, target: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Cell]]
) -> int:
    delimiter = "\t" if target.suffix.lower() == ".tsv" else ","
    count = 0
    with open(temporary, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
        try:
            writer.writerow(columns)
            for count, row in enumerate(rows, 1):  # noqa: B007
                writer.writerow([cell_text(row.get(column)) for column in columns])
        except UnicodeEncodeError as exc:
            raise FileError(target, f"row {count + 1} holds text that is not valid Unicode") from exc
    return count

"""Import one CSV or XLSX file into a customer book, with its error file (导入).

What ``custrecord import`` does, as a function a host application or a notebook
can call: rows are streamed from the file in chunks through
:meth:`custrecord.CustomerBook.import_records`, and the rows the book refused are
written, as they were read, to an error file the user corrects and imports again.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from custrecord.io.cells import Cell
from custrecord.io.pipeline import RowResult, record_from_cells
from custrecord.io.reader import open_table
from custrecord.problems import Problem, Report

if TYPE_CHECKING:
    from custrecord.book import CustomerBook, ImportOutcome

__all__ = ["FileImport", "import_file"]


@attrs.frozen
class FileImport:
    """What importing a file did.

    ``counts`` are rows by action (``added``, ``updated``, ``unchanged``,
    ``skipped``, ``invalid``); ``invalid`` the refused rows' outcomes, in file
    order; ``header_problems`` what was wrong with the header row (a repeated
    column); ``errors_written`` how many rows went to the error file.
    """

    counts: Mapping[str, int]
    invalid: tuple[ImportOutcome, ...]
    header_problems: tuple[Problem, ...] = ()
    errors_written: int = 0

    @property
    def ok(self) -> bool:
        """True when no row was refused."""
        return not self.invalid


def import_file(
    book: CustomerBook,
    path: str | os.PathLike[str],
    *,
    errors: str | os.PathLike[str] | None = None,
    lang: str = "en",
    sheet: str | int | None = None,
    dry_run: bool = False,
    update_existing: bool = True,
    chunk_size: int = 500,
    on_row: Callable[[ImportOutcome], None] | None = None,
) -> FileImport:
    """Import the rows of ``path`` into ``book``; write refused rows to ``errors`` if given.

    Memory stays flat whatever the file size: rows are read as they are imported,
    and only refused rows are kept (for the error file). ``on_row`` is called with
    each row's outcome as it is decided (for a progress bar). Other arguments are
    those of :meth:`~custrecord.CustomerBook.import_records`; ``lang`` (``en`` or
    ``zh``) is the language of the error file.
    """
    counts: Counter[str] = Counter()
    invalid: list[ImportOutcome] = []
    pending: dict[int, Mapping[str, Cell]] = {}  # cells of rows not yet decided (or refused)
    custom_fields = book.settings.profile.custom_fields
    with open_table(path, sheet=sheet, custom_fields=custom_fields) as table:
        columns = list(table.columns)

        def records() -> Iterator[tuple[int, dict[str, Any]]]:
            for row, cells in table:
                if errors is not None:
                    pending[row] = cells
                yield row, record_from_cells(cells, custom_fields=custom_fields)

        for outcome in book.import_records(
            records(), update_existing=update_existing, dry_run=dry_run, chunk_size=chunk_size
        ):
            counts[outcome.action] += 1
            if outcome.ok:
                pending.pop(outcome.row, None)
            else:
                invalid.append(outcome)
            if on_row is not None:
                on_row(outcome)
        header_problems = tuple(table.problems)
    written = 0
    if errors is not None and invalid:
        from custrecord.io.errorfile import write_errors

        results = [RowResult(o.row, pending.get(o.row, {}), Report(o.problems)) for o in invalid]
        written = write_errors(errors, results, columns=columns, lang=lang)
    return FileImport(dict(counts), tuple(invalid), header_problems, written)

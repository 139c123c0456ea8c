"""Import one CSV or XLSX file into a customer book, with its error file (导入).

What ``custrecord import`` does, as a function a host application or a notebook
can call: rows are streamed from the file in chunks through
:meth:`custrecord.CustomerBook.import_records`, and the rows the book refused are
written, as they were read, to an error file the user corrects and imports again.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from custrecord.book.results import ImportOutcome
from custrecord.io.cells import Cell
from custrecord.io.errorfile import write_errors
from custrecord.io.pipeline import RowResult
from custrecord.io.reader import open_table
from custrecord.problems import Problem, Report

if TYPE_CHECKING:
    from custrecord.book import CustomerBook

__all__ = ["KEEP_INVALID", "FileImport", "import_file"]


#: How many refused rows' outcomes a :class:`FileImport` keeps (all are counted and written).
KEEP_INVALID = 1000


@attrs.frozen
class FileImport:
    """What importing a file did.

    ``counts`` are rows by action (``added``, ``updated``, ``unchanged``,
    ``skipped``, ``invalid``); ``invalid`` the outcomes of the first refused rows
    (up to ``keep_invalid``; ``counts["invalid"]`` has them all, and the error
    file every one); ``header_problems`` what was wrong with the header row (a
    repeated column); ``errors_written`` how many rows went to the error file.
    """

    counts: Mapping[str, int]
    invalid: tuple[ImportOutcome, ...]
    header_problems: tuple[Problem, ...] = ()
    errors_written: int = 0

    @property
    def ok(self) -> bool:
        """True when no row was refused."""
        return not self.counts.get("invalid")


def import_file(
    book: CustomerBook,
    path: str | os.PathLike[str],
    *,
    errors: str | os.PathLike[str] | None = None,
    lang: str = "en",
    sheet: str | int | None = None,
    dry_run: bool = False,
    update_existing: bool = True,
    chunk_size: int = 10_000,
    on_row: Callable[[ImportOutcome], None] | None = None,
    keep_invalid: int = KEEP_INVALID,
    on_conflict: str = "keep",
    columns: Mapping[str, str] | None = None,
    strict_columns: bool = False,
    encoding: str | None = None,
    jobs: int = 1,
) -> FileImport:
    """Import the rows of ``path`` into ``book``; write refused rows to ``errors`` if given.

    Memory stays flat whatever the file size: rows are read as they are imported,
    and refused rows go to the error file as they are decided (none is written
    when no row is refused). ``on_row`` is called with each row's outcome (for a
    progress bar). ``columns`` maps headers to fields, over ``Settings.columns``;
    columns that map to no field are reported once in ``header_problems`` and
    not imported, unless ``strict_columns``. ``encoding`` names a CSV file's
    encoding (default: detected). Other arguments are those of
    :meth:`~custrecord.CustomerBook.import_records`; ``lang`` (``en`` or ``zh``)
    is the language of the error file. ``jobs`` above 1 parses and validates the rows
    in that many worker processes (reading and writing stay in this one, in file order);
    the outcomes are those of ``jobs=1``.
    """
    counts: Counter[str] = Counter()
    invalid: list[ImportOutcome] = []
    pending: dict[int, Mapping[str, Cell]] = {}  # cells of the rows read but not yet decided
    settings = book.settings
    mapping = {**settings.columns, **(columns or {})}
    with open_table(path, sheet=sheet, custom_fields=settings.profile.custom_fields, columns=mapping,
                    strict_columns=strict_columns, encoding=encoding) as table:

        unread: deque[ImportOutcome] = deque()  # rows refused as read (bytes of another encoding)

        def records() -> Iterator[tuple[int, dict[str, Any]]]:
            for row, cells in table:
                if errors is not None:
                    pending[row] = cells
                problem = table.refusal(row)
                if problem is not None:
                    unread.append(ImportOutcome(row, "invalid", None, (problem,)))
                    continue
                yield row, table.record(cells)

        # The table has sorted the columns already: the book takes the records as they are.
        imported = book.import_records(
            records(), update_existing=update_existing, dry_run=dry_run, chunk_size=chunk_size,
            on_conflict=on_conflict, columns={}, strict_columns=True, jobs=jobs,
        )

        def outcomes() -> Iterator[ImportOutcome]:
            for outcome in imported:
                while unread and unread[0].row < outcome.row:  # in row order
                    yield unread.popleft()
                yield outcome
            yield from unread

        def refused() -> Iterator[RowResult]:
            for outcome in outcomes():
                counts[outcome.action] += 1
                cells = pending.pop(outcome.row, {})
                if not outcome.ok:
                    if len(invalid) < keep_invalid:
                        invalid.append(outcome)
                    yield RowResult(outcome.row, cells, Report(outcome.problems))
                if on_row is not None:
                    on_row(outcome)

        written = 0
        try:
            if errors is None:
                for _ in refused():
                    pass
            else:
                written = write_errors(errors, refused(), columns=list(table.columns), lang=lang,
                                       plan=table.plan)
                if not written:
                    Path(errors).unlink(missing_ok=True)  # only a header: no error file
        finally:
            imported.close()  # on Ctrl-C too: worker processes stop now
        header_problems = tuple(table.problems)
    return FileImport(dict(counts), tuple(invalid), header_problems, written)

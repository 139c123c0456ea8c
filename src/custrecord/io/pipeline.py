"""From rows of cells to validation results, in batches, and a summary of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from itertools import islice
from typing import Any, TypeVar

import attrs

from custrecord.flat import ColumnPlan
from custrecord.io.cells import Cell
from custrecord.io.reader import Table
from custrecord.model import Customer, FrozenMap
from custrecord.problems import Problem, Report
from custrecord.validation.engine import Profile, run_planned, validate
from custrecord.validation.profiles import DEFAULT, get_profile

__all__ = ["RowResult", "chunks", "record_from_cells", "summarize", "validate_rows"]

T = TypeVar("T")


def _frozen_cells(cells: Mapping[str, Cell]) -> FrozenMap:
    return cells if isinstance(cells, FrozenMap) else FrozenMap(cells)


@attrs.frozen
class RowResult:
    """One validated row: its spreadsheet line, its cells as read, and the report."""

    row: int
    cells: FrozenMap = attrs.field(converter=_frozen_cells)
    report: Report

    @property
    def ok(self) -> bool:
        """True when the row has no error (it may have warnings)."""
        return self.report.ok

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every problem of the row, errors and warnings."""
        return self.report.problems

    @property
    def customer(self) -> Customer | None:
        """The normalised customer built from the row (meaningful when ``ok``)."""
        return self.report.customer


def _resolve(profile: Profile | str | None) -> Profile:
    if profile is None:
        return DEFAULT
    if isinstance(profile, str):
        return get_profile(profile)
    return profile


def record_from_cells(cells: Mapping[str, Cell], *, custom_fields: Iterable[str] = ()) -> dict[str, Any]:
    """The flat record to validate from a row's cells: blank custom-field cells left out.

    A blank cell means "not set", so an empty custom field adds nothing to ``extra``.
    Everything else, unknown columns and the other-contacts column included, is
    read by the parser. :meth:`Table.record` also sorts out unknown and mapped columns.
    """
    custom = frozenset(custom_fields)
    if not custom:
        return dict(cells)
    return {key: value for key, value in cells.items() if not (key in custom and value is None)}


def validate_rows(
    rows: Iterable[tuple[int, Mapping[str, Cell]]],
    *,
    profile: Profile | str | None = None,
    today: date | None = None,
    columns: Mapping[str, str] | None = None,
    strict_columns: bool = False,
) -> Iterator[RowResult]:
    """Validate each ``(row_number, cells)`` with :func:`custrecord.validate`; lazily, one at a time.

    Columns go where a :class:`~custrecord.flat.ColumnPlan` sends them: a
    :class:`Table`'s own plan (its unknown columns are in ``table.problems``), or
    one made from ``columns``, the profile's ``custom_fields`` and ``strict_columns``,
    whose unknown columns are warnings of the row they are first met in.
    """
    chosen = _resolve(profile)
    if isinstance(rows, Table):
        for number, cells in rows:
            refused = rows.refusal(number)
            report = (Report((refused,)) if refused is not None
                      else validate(rows.record(cells), profile=chosen, today=today))
            yield RowResult(row=number, cells=cells, report=report)
        return
    plan = ColumnPlan(columns, custom_fields=chosen.custom_fields, strict=strict_columns)
    for row, given in rows:
        yield RowResult(row=row, cells=given, report=run_planned(given, plan, chosen, today=today))


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items (the last may be shorter)."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def summarize(
    results: Iterable[RowResult],
    *,
    lang: str = "en",
    table: Table | None = None,
    warnings: bool = False,
) -> dict[str, Any]:
    """The ``validate --format json`` object of SPEC 5.

    ``{"rows": N, "valid": N, "invalid": N, "problems": [{"row", "path", "code",
    "message"}]}``; messages in ``lang`` (``en`` or ``zh``). Only errors are
    listed unless ``warnings``. Header problems of ``table`` (a repeated
    column) come first, with the header's row.
    """
    problems: list[dict[str, Any]] = []
    rows = valid = 0
    for result in results:
        rows += 1
        valid += result.ok
        problems.extend(
            {"row": result.row, "path": p.path, "code": p.code, "message": p.message_in(lang)}
            for p in result.problems
            if warnings or p.is_error
        )
    if table is not None:
        # Read after the rows: a column without a header is met with its first cell.
        problems[:0] = [
            {"row": table.header_row, "path": p.path, "code": p.code, "message": p.message_in(lang)}
            for p in table.problems
        ]
    return {"rows": rows, "valid": valid, "invalid": rows - valid, "problems": problems}

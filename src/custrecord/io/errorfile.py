"""Error files: the rows that failed, with their problems, ready to fix and import again.

Each bad row is written once, as it was read, after four columns
``error_row``, ``error_field``, ``error_code`` and ``error_message``
(错误行号, 错误字段, 错误代码, 错误说明 in Chinese). A row with several errors
lists them one per line inside those cells. Readers skip these four columns,
so the corrected file imports as it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain

from custrecord.fields import label
from custrecord.flat import ColumnPlan, identifier_columns
from custrecord.io.cells import Cell
from custrecord.io.columns import ERROR_COLUMNS
from custrecord.io.pipeline import RowResult
from custrecord.io.writer import write_rows
from custrecord.problems import Problem

__all__ = ["write_errors"]

_PRIMARY = re.compile(r"^contacts\[0\]\.")


def write_errors(
    path: str | os.PathLike[str],
    results: Iterable[RowResult],
    *,
    columns: Sequence[str] | None = None,
    lang: str = "en",
    plan: ColumnPlan | None = None,
    neutralise_formulas: bool = True,
) -> int:
    """Write the rows that have errors to CSV or XLSX (by extension); return how many.

    ``columns`` are the original columns in order (pass :attr:`Table.columns`);
    None takes the keys of the first bad row. Cells under blank headers are not
    copied (their problem is). Messages and the four added headers are in
    ``lang`` (``en`` or ``zh``); warnings are not listed. ``plan`` (the table's)
    tells which column holds which field, so a problem names the column it came from.
    """
    lang = "zh" if lang == "zh" else "en"
    bad = (r for r in results if not r.ok)
    first = next(bad, None)
    if columns is None:
        columns = list(first.cells) if first is not None else []
    original = list(columns)
    header = [*ERROR_COLUMNS[lang], *original]
    by_path = _columns_by_path(original, plan or ColumnPlan(strict=True))
    rows = _rows(first, bad, original, by_path, lang)
    text = {c for c in original if c in identifier_columns("en") | identifier_columns("zh")}
    return write_rows(path, header, rows, text_columns=text, sheet_title="错误" if lang == "zh" else "Errors",
                      neutralise_formulas=neutralise_formulas)


def _columns_by_path(columns: Sequence[str], plan: ColumnPlan) -> dict[str, str]:
    out: dict[str, str] = {}
    for column in columns:
        field = plan.field_of(column)
        if field is not None:
            out.setdefault(field.path, column)
    return out


def _field(problem: Problem, by_path: dict[str, str], columns: Sequence[str], lang: str) -> str:
    if problem.path in columns:
        return problem.path  # an unknown column is reported under its own header
    path = _PRIMARY.sub("contacts[].", problem.path)
    return by_path.get(path) or label(problem.path, lang)


def _rows(
    first: RowResult | None,
    rest: Iterator[RowResult],
    columns: Sequence[str],
    by_path: dict[str, str],
    lang: str,
) -> Iterator[dict[str, Cell]]:
    if first is None:
        return
    row_col, field_col, code_col, message_col = ERROR_COLUMNS[lang]
    for item in chain([first], rest):
        errors = [p for p in item.problems if p.is_error]
        out: dict[str, Cell] = {c: item.cells.get(c) for c in columns}
        out[row_col] = item.row
        out[field_col] = "\n".join(_field(p, by_path, columns, lang) for p in errors)
        out[code_col] = "\n".join(p.code for p in errors)
        out[message_col] = "\n".join(p.message_in(lang) for p in errors)
        yield out

"""The work that the commands and the demo share: an import with a progress bar, duplicate groups and
the summary report, and how each is printed (in ``en`` or ``zh``)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from custrecord import reports
from custrecord.book import CustomerBook, ImportOutcome
from custrecord.cli.messages import action_name, column_name, dimension_name, field_name, say, value_name
from custrecord.cli.output import Output, clip
from custrecord.io.importing import import_file
from custrecord.problems import Problem, ProblemCode

__all__ = [
    "cores",
    "counts_line",
    "dedupe_groups",
    "print_conflicts",
    "print_groups",
    "print_report",
    "problem_line",
    "report_data",
    "run_import",
]


def problem_line(row: int | None, p: Problem, lang: str) -> str:
    """One problem on one line, with its row when there is one; the field by its Chinese header in ``zh``."""
    field = field_name(p.path, lang)
    message = p.message_in(lang)
    if row is None:
        return say(lang, "file_problem", field=field, code=p.code, message=message)
    return say(lang, "row_problem", row=row, field=field, code=p.code, message=message)


def counts_line(counts: Mapping[str, int], lang: str, *, dry_run: bool = False) -> str:
    """``1 added, 2 unchanged`` (or ``1 would be added``) in ``lang``."""
    key = "count_would" if dry_run else "count_action"
    parts = [say(lang, key, count=n, action=action_name(action, lang))
             for action, n in sorted(counts.items())]
    return ("，" if lang == "zh" else ", ").join(parts) or say(lang, "no_rows")


def cores() -> int:
    """The cores this process may run on (the default of ``import --jobs``)."""
    counted = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counted is not None:
        return int(counted() or 1)
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def run_import(
    book: CustomerBook,
    path: str,
    *,
    out: Output,
    dry_run: bool = False,
    update_existing: bool = True,
    chunk_size: int = 10_000,
    errors: str | None = None,
    lang: str = "en",
    every_chunk: Callable[[], None] | None = None,
    on_conflict: str = "keep",
    columns: Mapping[str, str] | None = None,
    strict_columns: bool = False,
    encoding: str | None = None,
    jobs: int = 1,
) -> tuple[Counter[str], list[ImportOutcome], int]:
    """Import ``path`` into ``book`` with a progress bar: counts by action, the invalid outcomes and how
    many rows were name conflicts.

    ``every_chunk`` runs after each ``chunk_size`` rows; ``jobs`` worker processes parse and validate.
    """
    conflicts = [0]
    with out.progress("importing") as advance:
        ticks = [0, 0]

        def tick(outcome: ImportOutcome) -> None:
            if any(p.code == ProblemCode.NAME_CONFLICT for p in outcome.problems):
                conflicts[0] += 1
            # The bar moves every 100 rows: redrawing it per row would cost more than a row.
            ticks[0] += 1
            if ticks[0] == 100:
                advance(100)
                ticks[0] = 0
                ticks[1] += 100
                if every_chunk is not None and ticks[1] >= chunk_size:
                    every_chunk()
                    ticks[1] = 0

        result = import_file(
            book,
            path,
            errors=errors,
            lang=lang,
            dry_run=dry_run,
            update_existing=update_existing,
            chunk_size=chunk_size,
            on_row=tick,
            on_conflict=on_conflict,
            columns=columns,
            strict_columns=strict_columns,
            encoding=encoding,
            jobs=jobs,
        )
        advance(ticks[0])
    for problem in result.header_problems:
        out.line(problem_line(None, problem, lang))
    return Counter(result.counts), list(result.invalid), conflicts[0]


def print_conflicts(out: Output, count: int, on_conflict: str, lang: str) -> None:
    """One line on the rows that named another company than the stored customer with their tax ID."""
    if count:
        what = say(lang, {"keep": "conflicts_kept", "update": "conflicts_updated"}.get(on_conflict,
                                                                                      "conflicts_refused"))
        out.line(say(lang, "conflicts", count=count, what=what))


def dedupe_groups(
    book: CustomerBook, threshold: float | None = None, lang: str = "en"
) -> list[dict[str, Any]]:
    """Duplicate groups over the store as JSON-safe dicts, with names and a summary (in ``lang``)."""
    groups = book.duplicates(threshold=threshold)
    names = {c.code: c.name for c in book.all()} if groups else {}
    out = []
    for group in groups:
        data = group.to_dict()
        data["customers"] = [{"code": code, "name": names.get(code)} for code in group.codes]
        for pair, raw in zip(data["pairs"], group.pairs, strict=True):
            pair["summary"] = "; ".join(reason_text(r.to_dict(), lang) for r in raw.reasons[:4])
        out.append(data)
    return out


_OUTCOMES_ZH = {"agree": "一致", "partial": "部分一致", "disagree": "不一致"}


def reason_text(reason: Mapping[str, Any], lang: str) -> str:
    """One reason of a duplicate score: ``phone agree (1.00, +6.0)``, or ``电话一致（1.00，+6.0）``."""
    figures = f"{reason['similarity']:.2f}, {reason['weight']:+.1f}"
    if lang != "zh":
        return f"{reason['field']} {reason['outcome']} ({figures})"
    outcome = _OUTCOMES_ZH.get(reason["outcome"], reason["outcome"])
    return f"{column_name(reason['field'], lang)}{outcome}（{figures.replace(', ', '，')}）"


def print_groups(
    out: Output, groups: list[dict[str, Any]], limit: int | None = None, lang: str = "en"
) -> None:
    """Duplicate groups as a table."""
    rows = []
    for group in groups[:limit]:
        for pair in group["pairs"]:
            rows.append((pair["left"], pair["right"], f"{pair['score']:.2f}", clip(pair["summary"], 90)))
    columns = [say(lang, c) for c in ("col_left", "col_right", "col_score", "col_reasons")]
    out.table(say(lang, "duplicate_groups", count=len(groups)), columns, rows)


#: The dimensions ``custrecord report`` counts customers by.
_REPORTED = ("status", "category", "region", "grade", "owner", "department", "role", "currency")


def report_data(book: CustomerBook) -> dict[str, Any]:
    """Counts by status, category, region, grade, owner, department, party role and trading currency,
    completeness and a summary."""
    customers = list(book.all())
    return {
        "summary": reports.summary(customers),
        **{f"by_{d}": reports.counts_by(customers, d) for d in _REPORTED},
        "completeness": reports.completeness(customers),
        "groups": reports.groups(customers),
    }


def print_report(out: Output, data: dict[str, Any], lang: str = "en") -> None:
    """The report as tables."""
    summary = data["summary"]
    figures = ("customers", "without_tax_id", "without_contact", "expired_credit")
    out.line(say(lang, "report_summary", **{k: summary[k] for k in figures}))
    for dim in _REPORTED:
        rows = [(value_name(r[dim], lang) if r[dim] else say(lang, "none_value"), r["count"])
                for r in data[f"by_{dim}"]]
        name = dimension_name(dim, lang)
        out.table(say(lang, "by_dimension", dimension=name), [name, say(lang, "col_count")], rows)
    if data["groups"]:
        out.table(say(lang, "groups"), [say(lang, c) for c in ("col_group", "col_children", "col_members")],
                  [(r["group"], r["children"], r["members"]) for r in data["groups"]])
    out.table(
        say(lang, "completeness"),
        [say(lang, c) for c in ("col_field", "col_filled", "col_share")],
        [(column_name(r["field"], lang), r["filled"], f"{r['share']:.0%}") for r in data["completeness"]],
    )

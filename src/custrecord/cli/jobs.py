"""The work that the commands and the demo share: an import with a progress bar, duplicate groups and
the summary report, and how each is printed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from custrecord import reports
from custrecord.book import CustomerBook, ImportOutcome
from custrecord.cli.output import Output
from custrecord.io.importing import import_file
from custrecord.problems import Problem

__all__ = ["dedupe_groups", "print_groups", "print_report", "problem_line", "report_data", "run_import"]


def problem_line(row: int | None, p: Problem, lang: str) -> str:
    """One problem on one line, with its row when there is one."""
    where = f"row {row}: " if row is not None else ""
    return f"{where}{p.path or '-'}: {p.code}: {p.message_in(lang)}"


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
) -> tuple[Counter[str], list[ImportOutcome]]:
    """Import ``path`` into ``book`` with a progress bar: counts by action and the invalid outcomes.

    ``every_chunk`` runs after each ``chunk_size`` rows.
    """
    with out.progress("importing") as advance:
        ticks = [0, 0]

        def tick(_: ImportOutcome) -> None:
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
        )
        advance(ticks[0])
    for problem in result.header_problems:
        out.line(problem_line(None, problem, lang))
    return Counter(result.counts), list(result.invalid)


def dedupe_groups(book: CustomerBook, threshold: float | None = None) -> list[dict[str, Any]]:
    """Duplicate groups over the store as JSON-safe dicts, with names for reading."""
    groups = book.duplicates(threshold=threshold)
    names = {c.code: c.name for c in book.all()} if groups else {}
    out = []
    for group in groups:
        data = group.to_dict()
        data["customers"] = [{"code": code, "name": names.get(code)} for code in group.codes]
        for pair, raw in zip(data["pairs"], group.pairs, strict=True):
            pair["summary"] = "; ".join(str(r) for r in raw.reasons[:4])
        out.append(data)
    return out


def print_groups(out: Output, groups: list[dict[str, Any]], limit: int | None = None) -> None:
    """Duplicate groups as a table."""
    rows = []
    for group in groups[:limit]:
        for pair in group["pairs"]:
            rows.append((pair["left"], pair["right"], f"{pair['score']:.2f}", pair["summary"][:90]))
    out.table(f"{len(groups)} duplicate groups", ["left", "right", "score", "reasons"], rows)


def report_data(book: CustomerBook) -> dict[str, Any]:
    """Counts by category, region, grade and status, completeness and a summary."""
    customers = list(book.all())
    return {
        "summary": reports.summary(customers),
        **{f"by_{d}": reports.counts_by(customers, d) for d in ("status", "category", "region", "grade")},
        "completeness": reports.completeness(customers),
    }


def print_report(out: Output, data: dict[str, Any]) -> None:
    """The report as tables."""
    summary = data["summary"]
    out.line(
        f"{summary['customers']} customers; without tax ID {summary['without_tax_id']}, "
        f"without contact {summary['without_contact']}, expired credit {summary['expired_credit']}"
    )
    for dim in ("status", "category", "region", "grade"):
        rows = [(r[dim] or "(none)", r["count"]) for r in data[f"by_{dim}"]]
        out.table(f"by {dim}", [dim, "count"], rows)
    out.table(
        "completeness",
        ["field", "filled", "share"],
        [(r["field"], r["filled"], f"{r['share']:.0%}") for r in data["completeness"]],
    )

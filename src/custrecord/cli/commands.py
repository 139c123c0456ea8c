"""The commands of the ``custrecord`` command line; each returns its exit code."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from custrecord.book import CustomerBook, ImportOutcome, open_book
from custrecord.cli import EXIT_DATA, EXIT_OK
from custrecord.cli.output import Output
from custrecord.convert import unstructure
from custrecord.problems import Problem
from custrecord.settings import Settings

__all__ = [
    "cmd_dedupe",
    "cmd_demo",
    "cmd_export",
    "cmd_history",
    "cmd_import",
    "cmd_report",
    "cmd_show",
    "cmd_template",
    "cmd_validate",
]


def _settings(args: argparse.Namespace) -> Settings:
    if getattr(args, "settings", None):
        from custrecord.settings_file import load_settings

        return load_settings(args.settings)
    return Settings()


def _output(args: argparse.Namespace) -> Output:
    return Output(quiet=args.quiet)


def _book(args: argparse.Namespace) -> CustomerBook:
    return open_book(args.db, settings=_settings(args))


def _problem_line(row: int | None, p: Problem, lang: str) -> str:
    where = f"row {row}: " if row is not None else ""
    return f"{where}{p.path or '-'}: {p.code}: {p.message_in(lang)}"


# -- validate -----------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a CSV or XLSX file without storing it."""
    from custrecord.io.pipeline import summarize, validate_rows
    from custrecord.io.reader import open_table

    settings = _settings(args)
    profile: Any = args.profile or settings.profile
    custom_fields = settings.profile.custom_fields
    with open_table(args.file, custom_fields=custom_fields) as table:
        results = list(validate_rows(table, profile=profile))
        summary = summarize(results, lang=args.lang, table=table)
    if args.format == "json":
        json.dump(summary, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        out = _output(args)
        for item in summary["problems"]:
            out.line(f"row {item['row']}: {item['path'] or '-'}: {item['code']}: {item['message']}")
        out.line(f"{summary['rows']} rows: {summary['valid']} valid, {summary['invalid']} invalid")
    return EXIT_DATA if summary["invalid"] or summary["problems"] else EXIT_OK


# -- import -------------------------------------------------------------------


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
    from custrecord.io.importing import import_file

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
        out.line(_problem_line(None, problem, lang))
    return Counter(result.counts), list(result.invalid)


def _collect_young() -> None:
    gc.collect(1)


@contextlib.contextmanager
def _bulk_gc() -> Iterator[Callable[[], None]]:
    """No automatic garbage collection while a long import runs (the command's own process).

    Rows die by reference counting; the collector only hunts cycles (about 190 objects in
    an import of 100,000 rows), yet its passes over the objects of a 10,000-row chunk cost
    about 4 % of the import. What is loaded by then is moved out of its way, and the caller
    runs the returned function (a pass over the young objects) once a chunk instead.
    """
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield _collect_young
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()


def cmd_import(args: argparse.Namespace) -> int:
    """Validate and store a file; bad rows are reported and never stored."""
    out = _output(args)
    with _book(args) as book, _bulk_gc() as collect:
        counts, invalid = run_import(
            book,
            args.file,
            out=out,
            every_chunk=collect,
            dry_run=args.dry_run,
            update_existing=not args.no_update,
            chunk_size=args.chunk_size,
            errors=args.errors,
            lang=args.lang,
        )
    if not args.quiet:
        for outcome in invalid[:20]:
            for p in outcome.problems:
                if p.is_error:
                    out.line(_problem_line(outcome.row, p, args.lang))
        if counts["invalid"] > 20:
            out.line(
                f"... and {counts['invalid'] - 20} more invalid rows"
                + (f" (see {args.errors})" if args.errors else "")
            )
    verb = "would be " if args.dry_run else ""
    out.line(", ".join(f"{n} {verb}{action}" for action, n in sorted(counts.items())) or "no rows")
    if args.errors and counts["invalid"]:
        out.line(f"bad rows written to {args.errors}")
    return EXIT_DATA if counts["invalid"] else EXIT_OK


# -- export, template -----------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    """Write customers to CSV or XLSX with English or Chinese headers."""
    from custrecord.io.export import write_customers

    filters: dict[str, Any] = {}
    if args.status:
        filters["status"] = args.status
    if args.category_prefix:
        filters["category_prefix"] = args.category_prefix
    actor = None
    if args.role:
        from custrecord.permissions import Actor

        actor = Actor(args.user, args.role)
    with _book(args) as book:
        n = write_customers(args.out, book.export(actor=actor, **filters), headers=args.headers)
    _output(args).line(f"{n} customers written to {args.out}")
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    """Write an import template."""
    from custrecord.io import template

    settings = _settings(args)
    template.write_template(args.out, headers=args.headers, **template_options(settings))
    _output(args).line(f"template written to {args.out}")
    return EXIT_OK


def template_options(settings: Settings) -> dict[str, Any]:
    """Data-validation lists for the template from the settings."""
    options: dict[str, Any] = {}
    grades = settings.profile.grades
    if grades:
        options["grades"] = sorted(grades)
    tree = settings.profile.categories
    leaves = getattr(tree, "leaves", None)
    if callable(leaves):
        options["categories"] = [getattr(n, "code", n) for n in leaves()]
    return options


# -- dedupe, report, show, history ------------------------------------------------


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


def cmd_dedupe(args: argparse.Namespace) -> int:
    """Print duplicate groups."""
    with _book(args) as book:
        groups = dedupe_groups(book, args.threshold)
    if args.format == "json":
        json.dump({"groups": groups}, sys.stdout, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return EXIT_OK
    out = _output(args)
    print_groups(out, groups)
    return EXIT_OK


def print_groups(out: Output, groups: list[dict[str, Any]], limit: int | None = None) -> None:
    """Duplicate groups as a table."""
    rows = []
    for group in groups[:limit]:
        for pair in group["pairs"]:
            rows.append((pair["left"], pair["right"], f"{pair['score']:.2f}", pair["summary"][:90]))
    out.table(f"{len(groups)} duplicate groups", ["left", "right", "score", "reasons"], rows)


def report_data(book: CustomerBook) -> dict[str, Any]:
    """Counts by category, region, grade and status, completeness and a summary."""
    from custrecord import reports

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


def cmd_report(args: argparse.Namespace) -> int:
    """Counts and completeness."""
    with _book(args) as book:
        data = report_data(book)
    if args.format == "json":
        json.dump(data, sys.stdout, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
    else:
        print_report(_output(args), data)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """One customer as text, JSON or a printable HTML card."""
    with _book(args) as book:
        customer = book.get(args.code)
    if args.format == "json":
        json.dump(unstructure(customer), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format == "html":
        from custrecord.io.card import customer_card_html

        sys.stdout.write(customer_card_html(customer, lang=args.lang))
    else:
        out = _output(args)
        for key, value in _flat_items(unstructure(customer)):
            out.line(f"{key}: {value}")
    return EXIT_OK


def _flat_items(data: dict[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, dict) and value:
            yield from _flat_items(value, f"{prefix}{key}.")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                yield from _flat_items(item, f"{prefix}{key}[{i}].")
        elif value not in (None, [], {}):
            yield f"{prefix}{key}", value


def cmd_history(args: argparse.Namespace) -> int:
    """The history of one customer."""
    with _book(args) as book:
        entries = book.history(args.code)
    if args.format == "json":
        json.dump([e.to_dict() for e in entries], sys.stdout, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return EXIT_OK
    rows = [
        (
            e.version,
            e.at.isoformat(timespec="seconds"),
            e.actor or "",
            e.action,
            e.reason or "",
            "; ".join(f"{c.path}: {c.old!r} -> {c.new!r}" for c in e.changes)[:100],
        )
        for e in entries
    ]
    _output(args).table(
        f"history of {args.code}", ["version", "at", "actor", "action", "reason", "changes"], rows
    )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: import the bundled sample into SQLite and show what custrecord does."""
    from custrecord.cli.demo import run_demo

    return run_demo(args)

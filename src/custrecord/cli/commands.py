"""The commands of the ``custrecord`` command line; each returns its exit code."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from custrecord.book import CustomerBook, open_book
from custrecord.cli.demo import run_demo
from custrecord.cli.exit_codes import EXIT_DATA, EXIT_OK
from custrecord.cli.jobs import (
    dedupe_groups,
    print_groups,
    print_report,
    problem_line,
    report_data,
    run_import,
)
from custrecord.cli.output import Output
from custrecord.convert import unstructure
from custrecord.io import template
from custrecord.io.card import customer_card_html
from custrecord.io.export import write_customers
from custrecord.io.pipeline import summarize, validate_rows
from custrecord.io.reader import open_table
from custrecord.permissions import Actor
from custrecord.settings import Settings
from custrecord.settings_file import load_settings

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
        return load_settings(args.settings)
    return Settings()


def _output(args: argparse.Namespace) -> Output:
    return Output(quiet=args.quiet)


def _book(args: argparse.Namespace) -> CustomerBook:
    return open_book(args.db, settings=_settings(args))


# -- validate -----------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a CSV or XLSX file without storing it."""
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


def _collect_young() -> None:
    gc.collect(1)


@contextlib.contextmanager
def _bulk_gc() -> Iterator[Callable[[], None]]:
    """No automatic garbage collection while a long import runs (the command's own process).

    Rows die by reference counting; the collector only hunts cycles, which an import makes
    few of, yet each of its passes walks the live objects of a whole chunk. What is loaded by
    then is moved out of its way, and the caller runs the returned function (a pass over the
    young objects) once a chunk instead (docs/performance.md has the figures).
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
                    out.line(problem_line(outcome.row, p, args.lang))
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
    filters: dict[str, Any] = {}
    if args.status:
        filters["status"] = args.status
    if args.category_prefix:
        filters["category_prefix"] = args.category_prefix
    actor = None
    if args.role:
        actor = Actor(args.user, args.role)
    with _book(args) as book:
        n = write_customers(args.out, book.export(actor=actor, **filters), headers=args.headers)
    _output(args).line(f"{n} customers written to {args.out}")
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    """Write an import template."""
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
    return run_demo(args)

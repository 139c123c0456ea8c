"""The commands of the ``custrecord`` command line; each returns its exit code."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from custrecord.book import CustomerBook, open_book
from custrecord.cli.demo import run_demo
from custrecord.cli.exit_codes import EXIT_DATA, EXIT_OK
from custrecord.cli.jobs import (
    cores,
    counts_line,
    dedupe_groups,
    print_conflicts,
    print_groups,
    print_report,
    problem_line,
    report_data,
    run_import,
)
from custrecord.cli.messages import CliError, action_name, field_name, say, value_name
from custrecord.cli.output import Output, clip
from custrecord.convert import unstructure
from custrecord.io import template
from custrecord.io.card import customer_card_html
from custrecord.io.export import write_customers
from custrecord.io.pipeline import summarize, validate_rows
from custrecord.io.reader import open_table
from custrecord.money import format_amount
from custrecord.permissions import Actor, Visibility
from custrecord.settings import Settings
from custrecord.settings_file import load_settings
from custrecord.storage import migrate_store
from custrecord.storage.backup import restore
from custrecord.storage.registry import scheme_of

__all__ = [
    "cmd_backup",
    "cmd_dedupe",
    "cmd_demo",
    "cmd_export",
    "cmd_history",
    "cmd_import",
    "cmd_report",
    "cmd_restore",
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


def _book(args: argparse.Namespace, *, read_only: bool = False) -> CustomerBook:
    """The book of ``--db``; a command that only reads never creates one (a missing file is an error)."""
    if read_only:
        path = sqlite_path(args.db)
        if path is not None and not Path(path).exists():
            raise CliError("no_database", path=path)
    return open_book(args.db, settings=_settings(args))


def sqlite_path(url: str) -> str | None:
    """The file an embedded SQLite URL or path names, or None (a server, or SQLite in memory)."""
    if scheme_of(url) != "sqlite":
        return None
    path = url.partition("://")[2] if "://" in url else url
    path = path.partition("?")[0]
    if "://" in url:
        path = path[1:] if path.startswith("/") else path  # sqlite:///relative, sqlite:////absolute
    return None if path in ("", ":memory:") else path


# -- validate -----------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a CSV or XLSX file without storing it."""
    settings = _settings(args)
    profile: Any = args.profile or settings.profile
    custom_fields = settings.profile.custom_fields
    with open_table(args.file, custom_fields=custom_fields, columns={**settings.columns, **dict(args.map)},
                    strict_columns=args.strict_columns, encoding=args.encoding) as table:
        results = list(validate_rows(table, profile=profile))
        summary = summarize(results, lang=args.lang, table=table)
        header_errors = any(p.is_error for p in table.problems)
    if args.format == "json":
        json.dump(summary, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        out = _output(args)
        for item in summary["problems"]:
            out.line(say(args.lang, "row_problem", row=item["row"], field=field_name(item["path"], args.lang),
                         code=item["code"], message=item["message"]))
        out.line(say(args.lang, "rows_summary", rows=summary["rows"], valid=summary["valid"],
                     invalid=summary["invalid"]))
    return EXIT_DATA if summary["invalid"] or header_errors else EXIT_OK


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
    lang = args.lang
    with _book(args) as book, _bulk_gc() as collect:
        counts, invalid, conflicts = run_import(
            book,
            args.file,
            out=out,
            every_chunk=collect,
            dry_run=args.dry_run,
            update_existing=not args.no_update,
            chunk_size=args.chunk_size,
            errors=args.errors,
            lang=lang,
            on_conflict=args.on_conflict,
            columns=dict(args.map),
            strict_columns=args.strict_columns,
            encoding=args.encoding,
            jobs=args.jobs or cores(),
        )
    if not args.quiet:
        for outcome in invalid[:20]:
            for p in outcome.problems:
                if p.is_error:
                    out.line(problem_line(outcome.row, p, lang))
        if counts["invalid"] > 20:
            more = counts["invalid"] - 20
            out.line(say(lang, "more_invalid_in", count=more, path=args.errors) if args.errors
                     else say(lang, "more_invalid", count=more))
    print_conflicts(out, conflicts, args.on_conflict, lang)
    out.line(counts_line(counts, lang, dry_run=args.dry_run))
    if args.errors and counts["invalid"]:
        out.line(say(lang, "errors_written", path=args.errors))
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
    with _book(args, read_only=True) as book:
        n = write_customers(args.out, book.export(actor=actor, **filters), headers=args.headers,
                            neutralise_formulas=not args.keep_formulas)
        masked = masked_fields(book.settings, actor, args.lang) if actor is not None else []
    out = _output(args)
    out.line(say(args.lang, "exported", count=n, path=args.out))
    if masked:
        out.line(say(args.lang, "exported_masked", fields=", ".join(masked)))
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    """Write the whole store to a backup file."""
    with _book(args, read_only=True) as book:
        info = book.backup(args.out)
    _output(args).line(say(args.lang, "backup_written", what=say(args.lang, "backup_counts", **info.counts),
                           path=args.out))
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup file into an empty store (or replace what it holds with --force)."""
    info = restore(args.file, args.db, force=args.force)
    _output(args).line(say(args.lang, "restored", what=say(args.lang, "backup_counts", **info.counts),
                           path=args.file, at=info.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                           version=info.library_version))
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    """Upgrade the SQL store of ``--db`` to this release's schema, or to ``--to`` (down too)."""
    path = sqlite_path(args.db)
    if path is not None and not Path(path).exists():
        raise CliError("no_database", path=path)
    old, new = migrate_store(args.db, args.to)
    out, lang = _output(args), args.lang
    if new == old:
        out.line(say(lang, "schema_current" if args.to is None else "schema_unchanged", version=new))
    else:
        how = say(lang, "schema_downgraded" if new < old else "schema_upgraded")
        out.line(say(lang, "schema_moved", old=old, new=new, how=how))
    return EXIT_OK


def masked_fields(settings: Settings, actor: Actor, lang: str) -> list[str]:
    """The fields ``actor`` sees masked, named in ``lang``."""
    paths = ("tax_id", "bank_account", "contacts[].phone", "contacts[].mobile", "contacts[].email")
    policy = settings.policy
    return [field_name(path, lang) for path in paths
            if policy.visibility(actor, path.replace("[]", "")) is Visibility.MASKED]


def cmd_template(args: argparse.Namespace) -> int:
    """Write an import template."""
    settings = _settings(args)
    template.write_template(args.out, headers=args.headers, **template_options(settings))
    _output(args).line(say(args.lang, "template_written", path=args.out))
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
    with _book(args, read_only=True) as book:
        groups = dedupe_groups(book, args.threshold, args.lang)
    if args.format == "json":
        json.dump({"groups": groups}, sys.stdout, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return EXIT_OK
    print_groups(_output(args), groups, lang=args.lang)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Counts and completeness."""
    with _book(args, read_only=True) as book:
        data = report_data(book)
    if args.format == "json":
        json.dump(data, sys.stdout, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
    else:
        print_report(_output(args), data, args.lang)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """One customer as text, JSON or a printable HTML card."""
    with _book(args, read_only=True) as book:
        customer = book.get(args.code)
    if args.format == "json":
        json.dump(unstructure(customer), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format == "html":
        sys.stdout.write(customer_card_html(customer, lang=args.lang))
    else:
        out = _output(args)
        for key, value in _flat_items(unstructure(customer)):
            colon = "：" if args.lang == "zh" else ": "
            out.line(f"{field_name(key, args.lang)}{colon}{_shown(key, value, args.lang)}")
    return EXIT_OK


def _shown(path: str, value: Any, lang: str) -> str:
    """A field's value for reading: amounts with two decimals, statuses and kinds in ``lang``."""
    if path == "credit.limit":
        return format_amount(Decimal(value))
    if path in ("status", "kind") or path.endswith("].role"):
        return value_name(str(value), lang)
    if path == "roles":
        return ", ".join(value_name(str(v), lang) for v in value)
    if isinstance(value, bool):
        return value_name("yes" if value else "no", lang)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _flat_items(data: dict[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, dict) and value:
            yield from _flat_items(value, f"{prefix}{key}.")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                yield from _flat_items(item, f"{prefix}{key}[{i}].")
        elif value not in (None, [], {}) and value is not False:  # a default flag only when set
            yield f"{prefix}{key}", value


def cmd_history(args: argparse.Namespace) -> int:
    """The history of one customer."""
    with _book(args, read_only=True) as book:
        entries = book.history(args.code)
    lang = args.lang
    if args.format == "json":
        json.dump([e.to_dict() for e in entries], sys.stdout, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return EXIT_OK
    rows = [
        (
            e.version,
            e.at.isoformat(timespec="seconds"),
            e.actor or "",
            action_name(e.action, lang),
            e.reason or "",
            clip("; ".join(f"{field_name(c.path, lang)}: {c.old!r} -> {c.new!r}" for c in e.changes), 100),
        )
        for e in entries
    ]
    columns = [say(lang, f"col_{c}") for c in ("version", "at", "actor", "action", "reason", "changes")]
    _output(args).table(say(lang, "history_of", code=args.code), columns, rows)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: import the bundled sample into SQLite and show what custrecord does."""
    return run_demo(args)

"""The ``custrecord`` command line (SPEC 5).

Exit codes: 0 success, 1 the data has problems, 2 usage or file errors. Bad
input never ends in a traceback; ``--debug`` shows one for bug reports.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from custrecord import __version__
from custrecord.cli import commands
from custrecord.cli.exit_codes import EXIT_DATA, EXIT_OK, EXIT_USAGE
from custrecord.errors import CustrecordError, StorageError

__all__ = ["EXIT_DATA", "EXIT_OK", "EXIT_USAGE", "main"]

DEMO_DB = "custrecord-demo.db"


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit with code 2 and a one-line hint, never a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _common(p: argparse.ArgumentParser, *, db: bool = True, db_required: bool = True) -> None:
    if db:
        p.add_argument("--db", required=db_required, help="SQLite file path or SQLAlchemy URL")
    p.add_argument(
        "--settings", metavar="FILE", help="settings file (TOML): profile, code rule, trees, credit"
    )
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of messages (default en)")
    p.add_argument("--quiet", action="store_true", help="no progress bar, fewer words")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = _Parser(
        prog="custrecord",
        description="Customer master data (客户档案): validate, import, export, de-duplicate and report.",
    )
    parser.add_argument("--version", action="version", version=f"custrecord {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("demo", help="the main job on an embedded SQLite file with bundled sample data")
    p.add_argument("--db", default=DEMO_DB, help=f"SQLite file (default ./{DEMO_DB})")
    _common(p, db=False)

    p = sub.add_parser("validate", help="check a CSV or XLSX file without storing it")
    p.add_argument("file")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--profile", help="validation profile: default, yonyou, lenient")
    _common(p, db=False)

    p = sub.add_parser("import", help="validate and store a CSV or XLSX file; bad rows go to --errors")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="validate and match, store nothing")
    p.add_argument(
        "--errors", metavar="OUT", help="write bad rows with their problems to OUT (.csv or .xlsx)"
    )
    p.add_argument("--no-update", action="store_true", help="skip rows matching a stored customer")
    p.add_argument("--chunk-size", type=int, default=10_000, help="rows per transaction (default 10000)")
    _common(p)

    p = sub.add_parser("export", help="write customers to CSV or XLSX, ready to re-import")
    p.add_argument("out")
    p.add_argument("--headers", choices=["en", "zh"], default="en")
    p.add_argument("--status", action="append", help="only these statuses (repeatable)")
    p.add_argument("--category-prefix", help="only this category and its sub-categories")
    p.add_argument(
        "--role",
        action="append",
        help="export as a user with this role (repeatable): fields the role may not see are masked",
    )
    p.add_argument("--user", default="cli", help="the user name recorded with --role (default cli)")
    _common(p)

    p = sub.add_parser("template", help="write an import template (XLSX or CSV)")
    p.add_argument("out")
    p.add_argument("--headers", choices=["en", "zh"], default="zh")
    _common(p, db=False)

    p = sub.add_parser("dedupe", help="duplicate groups with scores and reasons")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--threshold", type=float, help="minimum score (0-1)")
    _common(p)

    p = sub.add_parser("report", help="counts by category, region, grade and status; completeness")
    p.add_argument("--format", choices=["text", "json"], default="text")
    _common(p)

    p = sub.add_parser("show", help="one customer")
    p.add_argument("code")
    p.add_argument("--format", choices=["text", "json", "html"], default="text")
    _common(p)

    p = sub.add_parser("history", help="the change history of one customer")
    p.add_argument("code")
    p.add_argument("--format", choices=["text", "json"], default="text")
    _common(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = getattr(commands, f"cmd_{args.command}")
    try:
        return handler(args)
    except KeyboardInterrupt:
        print(
            "custrecord: interrupted; committed chunks are kept, run the command again to resume",
            file=sys.stderr,
        )
        return 130
    except (CustrecordError, OSError) as exc:
        if getattr(args, "debug", False):
            raise
        kind = "storage error" if isinstance(exc, StorageError) else "error"
        print(f"custrecord {args.command}: {kind}: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug: still no traceback unless asked for
        if getattr(args, "debug", False):
            raise
        print(
            f"custrecord {args.command}: internal error: {type(exc).__name__}: {_one_line(exc)} "
            "(run again with --debug for details, and please report it)",
            file=sys.stderr,
        )
        return EXIT_USAGE


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror or text}: {exc.filename}"
    return text

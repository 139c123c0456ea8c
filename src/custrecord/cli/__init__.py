"""The ``custrecord`` command line (SPEC 5).

Exit codes: 0 success, 1 the data has problems, 2 usage or file errors. Bad
input never ends in a traceback; ``--debug`` shows one for bug reports. Every
bad option value is a usage error, a closed pipe (``| head``) ends quietly, and
``--lang zh`` prints every line in Chinese.
"""

from __future__ import annotations

import argparse
import codecs
import os
import sys
from collections.abc import Callable, Sequence

from custrecord import __version__
from custrecord.book.bulk_import import ON_CONFLICT
from custrecord.cli import commands
from custrecord.cli.exit_codes import EXIT_DATA, EXIT_OK, EXIT_USAGE
from custrecord.cli.messages import say
from custrecord.errors import CustrecordError, NotFound, StorageError
from custrecord.flat import ColumnMapError, ColumnPlan
from custrecord.model import Status
from custrecord.validation.profiles import PROFILES

__all__ = ["EXIT_DATA", "EXIT_OK", "EXIT_USAGE", "main"]

DEMO_DB = "custrecord-demo.db"


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit with code 2 and a one-line hint, never a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number expected, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {value}")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number from 0 to 1 expected, not {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a number from 0 to 1 expected, not {text}")
    return value


def _encoding(text: str) -> str:
    try:
        return codecs.lookup(text).name
    except LookupError:
        raise argparse.ArgumentTypeError(
            f"no such encoding {text!r} (try utf-8, gb18030, big5, cp1252)"
        ) from None


def _mapping(text: str) -> tuple[str, str]:
    column, sep, field = text.partition("=")
    if not sep or not column.strip() or not field.strip():
        raise argparse.ArgumentTypeError(f"write COLUMN=field, such as 旧客户号=code, not {text!r}")
    try:
        ColumnPlan({column.strip(): field.strip()})
    except ColumnMapError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return column.strip(), field.strip()


def _columns(p: argparse.ArgumentParser) -> None:
    """The options that say how a file is read (validate and import)."""
    p.add_argument("--map", action="append", type=_mapping, default=[], metavar="COLUMN=field",
                   help="read COLUMN as this field, e.g. --map 旧客户号=code (repeatable; over the settings' "
                        "[columns])")
    p.add_argument("--encoding", type=_encoding, help="the CSV file's encoding (default: detected)")
    p.add_argument("--strict-columns", action="store_true",
                   help="refuse rows with a column that maps to no field "
                        "(default: warn once, skip the column)")


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
    p.add_argument("--profile", choices=sorted(PROFILES), help="validation profile (default: the settings')")
    _columns(p)
    _common(p, db=False)

    p = sub.add_parser("import", help="validate and store a CSV or XLSX file; bad rows go to --errors")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="validate and match, store nothing")
    p.add_argument(
        "--errors", metavar="OUT", help="write bad rows with their problems to OUT (.csv or .xlsx)"
    )
    p.add_argument("--no-update", action="store_true", help="skip rows matching a stored customer")
    p.add_argument("--on-conflict", choices=ON_CONFLICT, default="keep",
                   help="a row found by tax ID that names another company: keep the stored customer "
                        "(default), update it, or refuse the row; reported as name_conflict")
    p.add_argument("--chunk-size", type=_positive, default=10_000,
                   help="rows per transaction (default 10000)")
    p.add_argument("--jobs", type=_positive, default=None, metavar="N",
                   help="worker processes that parse and validate rows (default: the cores available; "
                        "1: none, all in this process; a file of one chunk never starts any)")
    _columns(p)
    _common(p)

    p = sub.add_parser("export", help="write customers to CSV or XLSX, ready to re-import")
    p.add_argument("out")
    p.add_argument("--headers", choices=["en", "zh"], default="en")
    p.add_argument("--status", action="append", choices=[s.value for s in Status],
                   help="only these statuses (repeatable)")
    p.add_argument("--keep-formulas", action="store_true",
                   help="write CSV cells that start like a formula (= + - @) as they are, without the "
                        "leading ' that keeps spreadsheets from running them")
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
    p.add_argument("--threshold", type=_share, help="minimum score (0-1)")
    _common(p)

    p = sub.add_parser("report", help="counts by category, region, grade and status; completeness")
    p.add_argument("--format", choices=["text", "json"], default="text")
    _common(p)

    p = sub.add_parser("show", help="one customer")
    p.add_argument("code")
    p.add_argument("--format", choices=["text", "json", "html"], default="text")
    _common(p)

    p = sub.add_parser("backup", help="write the whole store to a checksummed backup file (.jsonl.gz)")
    p.add_argument("out", help="the backup file to write (gzip JSON lines)")
    _common(p)

    p = sub.add_parser("restore", help="restore a backup file into an empty store")
    p.add_argument("file", help="a backup written by custrecord backup")
    p.add_argument("--force", action="store_true",
                   help="replace everything the target store holds (default: refuse a store with data)")
    _common(p)

    p = sub.add_parser("migrate", help="upgrade a SQL store's schema in place, or take it down with --to")
    p.add_argument("--to", type=_positive, metavar="N",
                   help="the schema version to go to (default: this release's); lower ones downgrade for an "
                        "earlier release")
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
    lang = getattr(args, "lang", "en")
    try:
        return handler(args)
    except KeyboardInterrupt:
        print(say(lang, "interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (| head): nothing more to say, and nothing to say it to.
        _silence_stdout()
        return EXIT_OK
    except NotFound as exc:
        if getattr(args, "debug", False):
            raise
        code = getattr(args, "code", None) or str(exc)
        print(say(lang, "error", command=args.command, message=say(lang, "no_customer", code=code)),
              file=sys.stderr)
        return EXIT_USAGE
    except (CustrecordError, OSError) as exc:
        if getattr(args, "debug", False):
            raise
        kind = "storage_error" if isinstance(exc, StorageError) else "error"
        print(say(lang, kind, command=args.command, message=_one_line(exc, lang)), file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug: still no traceback unless asked for
        if getattr(args, "debug", False):
            raise
        message = f"{type(exc).__name__}: {_one_line(exc, lang)}"
        print(say(lang, "internal_error", command=args.command, message=message), file=sys.stderr)
        return EXIT_USAGE


def _silence_stdout() -> None:
    """Point stdout at the null device, so that flushing it at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor behind stdout (an embedding host)
        pass


def _one_line(exc: BaseException, lang: str = "en") -> str:
    message_in = getattr(exc, "message_in", None)
    text = (message_in(lang) if callable(message_in) else str(exc)).strip() or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror or text}: {exc.filename}"
    return " ".join(text.split())

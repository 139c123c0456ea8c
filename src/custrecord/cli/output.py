"""Terminal output for the command line: rich tables when available, plain text otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

__all__ = ["Output", "clip"]


class Output:
    """Writes tables, messages and progress to a stream.

    Uses rich when it is installed and the stream is a terminal (or ``force_rich``);
    otherwise plain, tab-free text that is easy to grep and diff.
    """

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False, force_rich: bool | None = None):
        self.stream = stream or sys.stdout
        self.quiet = quiet
        use_rich = self.stream.isatty() if force_rich is None else force_rich
        self._console: Any = None
        if use_rich:
            try:
                from rich.console import Console
            except ImportError:  # the cli extra is not installed: plain text it is
                pass
            else:
                self._console = Console(file=self.stream, highlight=False)

    def line(self, text: str = "") -> None:
        """Print one line."""
        if self._console is not None:
            self._console.print(text, markup=False)
        else:
            print(text, file=self.stream)

    def heading(self, text: str) -> None:
        """Print a section heading."""
        if self._console is not None:
            self._console.rule(text)
        else:
            print(f"\n== {text} ==", file=self.stream)

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Print a table with a title."""
        data = [["" if v is None else str(v) for v in row] for row in rows]
        if self._console is not None:
            from rich.table import Table

            table = Table(title=title)
            for column in columns:
                table.add_column(column)
            for row in data:
                table.add_row(*row)
            self._console.print(table)
            return
        widths = [max([_width(c), *(_width(r[i]) for r in data)]) for i, c in enumerate(columns)]
        print(f"{title}", file=self.stream)
        print("  ".join(_pad(c, w) for c, w in zip(columns, widths, strict=True)).rstrip(), file=self.stream)
        for row in data:
            print("  ".join(_pad(v, w) for v, w in zip(row, widths, strict=True)).rstrip(), file=self.stream)

    @contextmanager
    def progress(self, description: str, total: int | None = None) -> Iterator[Any]:
        """A progress bar on a terminal; a no-op advance function otherwise."""
        if self._console is None or self.quiet:
            yield lambda n=1: None
            return
        from rich.progress import Progress

        with Progress(console=self._console, transient=True) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n=1: bar.advance(task, n)


def clip(text: object, width: int) -> str:
    """``text`` cut to ``width`` columns, ending in ``…`` when it was cut (CJK characters count two)."""
    value = "" if text is None else str(text)
    if _width(value) <= width:
        return value
    out, used = [], 0
    for char in value:
        size = _width(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + "…"


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))

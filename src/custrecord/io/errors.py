"""Errors of the tabular I/O layer: files that cannot be read or written as tables."""

from __future__ import annotations

import os

from custrecord.errors import CustrecordError

__all__ = ["FileError", "FileFormatError", "MissingDependencyError"]


class FileError(CustrecordError):
    """A file cannot be opened, read or written; ``path`` names it.

    The operating system's or the parser's exception is chained as ``__cause__``.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str, *, reason_zh: str | None = None) -> None:
        self.path = os.fspath(path)
        self.reason = reason
        #: The reason in Chinese, when the raiser gives one (the command line prints it with --lang zh).
        self.reason_zh = reason_zh
        super().__init__(f"{self.path}: {reason}")

    def message_in(self, lang: str) -> str:
        """The message in ``en`` or ``zh`` (English when no Chinese reason was given)."""
        if lang == "zh" and self.reason_zh:
            return f"{self.path}：{self.reason_zh}"
        return str(self)


class FileFormatError(FileError):
    """A file is not a CSV or XLSX table custrecord can read (wrong type, corrupt, undecodable)."""


class MissingDependencyError(CustrecordError, ImportError):
    """An optional dependency is not installed; the message says which extra to install."""

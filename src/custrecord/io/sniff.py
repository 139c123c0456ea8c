"""Guessing what a file is: CSV or XLSX, and its delimiter (the encoding: :mod:`custrecord.io.encoding`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from custrecord.io.errors import FileFormatError

__all__ = ["CSV_SUFFIXES", "XLSX_SUFFIXES", "detect_delimiter", "detect_format"]

CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any password-protected workbook
_BINARY = (b"%PDF", b"\x1f\x8b", b"\x89PNG", b"\xff\xd8\xff", b"Rar!", b"7z\xbc\xaf")



def detect_format(path: Path, head: bytes) -> Literal["csv", "xlsx"]:
    """``csv`` or ``xlsx`` from the first bytes of the file and its name; else FileFormatError."""
    suffix = path.suffix.lower()
    if head.startswith(_ZIP):
        return "xlsx"
    if head.startswith(_OLE):
        raise FileFormatError(
            path,
            "is an Excel 97-2003 (.xls) workbook or a password-protected one, which custrecord cannot read; "
            "save it as an Excel Workbook (.xlsx) or CSV without a password",
            reason_zh="是Excel 97-2003（.xls）工作簿或加密工作簿，无法读取；请另存为无密码的.xlsx或CSV",
        )
    if suffix in XLSX_SUFFIXES:
        raise FileFormatError(path, "is not a valid XLSX workbook (corrupt, or another format named .xlsx)",
                              reason_zh="不是有效的XLSX工作簿（已损坏，或其他格式的文件改了扩展名）")
    if head.startswith(_BINARY) or suffix not in CSV_SUFFIXES:
        what = f"'{suffix}' files" if suffix else "files without an extension"
        raise FileFormatError(
            path, f"is not a CSV or XLSX file ({what} are not read); save it as .csv or .xlsx",
            reason_zh="不是CSV或XLSX文件；请另存为.csv或.xlsx",
        )
    return "csv"


_DELIMITERS = (",", ";", "\t")


def detect_delimiter(sample: str) -> str:
    """``,`` ``;`` or tab: the one used most, outside quotes, in the first non-blank line."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    content = False
    for char in sample:
        if char == '"':
            quoted = not quoted
            content = True
        elif quoted:
            continue
        elif char in counts:
            counts[char] += 1
        elif char in "\r\n":
            if content:
                break
            counts = dict.fromkeys(_DELIMITERS, 0)  # a blank line (or only delimiters) is no header
        elif not char.isspace():
            content = True
    best = max(_DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equals: "," wins ties
    return best if counts[best] else ","

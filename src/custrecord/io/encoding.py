"""Text encodings of CSV files: found from the bytes (or given), then decoded line by line.

A file with a byte-order mark is UTF-8, UTF-16 or UTF-32 by that mark. Otherwise
the lines that are not plain ASCII decide: when most of them are UTF-8, the file
is UTF-8 (a few lines in another encoding, pasted in from elsewhere, are refused
one by one, never decoded as something else); when most are not, charset-normalizer
(imported only then) picks the one of GB18030, Big5 and the Latin code pages that
reads them as text. Decoding goes line by line as the file streams, so a line that
does not decode is known by its number and byte offset, whatever its place in the file.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from custrecord.io.errors import FileFormatError

__all__ = ["CANDIDATES", "LineDecoder", "check_encoding", "detect_encoding", "is_ascii_based"]

#: What charset-normalizer chooses among, for a file that is not mostly UTF-8.
CANDIDATES = ("gb18030", "big5", "cp1252", "latin_1")

#: At most this much of a file is read to decide its encoding.
_EVIDENCE_BYTES = 1 << 20
#: Lines that are not ASCII; this many are enough to decide.
_EVIDENCE_LINES = 200

#: Encodings whose line ends are not the ASCII byte 0x0A: read through a text wrapper.
_WIDE = ("utf-16", "utf-32")


def check_encoding(name: str) -> str:
    """The codec name of ``name`` (``GBK`` -> ``gbk``); LookupError for an unknown encoding."""
    return codecs.lookup(name).name


def is_ascii_based(encoding: str) -> bool:
    """Whether every line of the encoding ends with the byte 0x0A (UTF-8, GB18030, Big5, code pages)."""
    return not check_encoding(encoding).startswith(_WIDE)


def detect_encoding(stream: BinaryIO, path: str | Path) -> str:
    """The encoding of the text in ``stream`` (see the module docs); rewinds the stream.

    Raises :class:`FileFormatError` naming the byte offset of the first byte that
    no candidate reads as text.
    """
    start = stream.tell()
    try:
        head = stream.read(_BLOCK)
        bom = _by_mark(head)
        if bom is not None:
            return bom
        foreign, good, bad, first_bad = _evidence(head, stream)
    finally:
        stream.seek(start)
    if bad == 0 or good > bad:
        return "utf-8"
    return _guess(b"\n".join(foreign), path, first_bad or 0)


_BLOCK = 1 << 16


def _by_mark(head: bytes) -> str | None:
    """The encoding a byte-order mark (or UTF-16 without one) gives, or None."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return _without_bom_utf16(head)


def _evidence(head: bytes, stream: BinaryIO) -> tuple[list[bytes], int, int, int | None]:
    """The first lines that are not ASCII (a block at a time, up to a limit), how many of them
    decode as UTF-8 and how many do not, and the offset of the first byte that does not."""
    foreign: list[bytes] = []
    good = bad = 0
    first_bad: int | None = None
    offset = 0  # of the start of ``pending`` in the file
    pending = b""
    data = head
    while data or pending:
        pending += data
        lines = pending.split(b"\n")
        pending = lines.pop() if data else b""
        for line in lines:
            if not line.isascii():
                foreign.append(line)
                try:
                    line.decode("utf-8")
                    good += 1
                except UnicodeDecodeError as exc:
                    bad += 1
                    if first_bad is None:
                        first_bad = offset + exc.start
                if len(foreign) >= _EVIDENCE_LINES:
                    return foreign, good, bad, first_bad
            offset += len(line) + 1
        if offset >= _EVIDENCE_BYTES or not data:
            break
        data = stream.read(_BLOCK)
    return foreign, good, bad, first_bad


def _without_bom_utf16(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` for UTF-16 text without a byte-order mark, else None."""
    sample = data[:4096]
    if sample.count(b"\x00") < len(sample) // 4:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = sample[: len(sample) // 2 * 2].decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\n" in text and "\x00" not in text:
            return encoding
    return None


def _guess(evidence: bytes, path: str | Path, offset: int) -> str:
    from charset_normalizer import from_bytes  # only for files that are not UTF-8

    best = from_bytes(evidence, cp_isolation=list(CANDIDATES)).best()
    if best is None:
        raise FileFormatError(
            path,
            f"cannot be decoded as text: the bytes at offset {offset} are not UTF-8, and the file reads as "
            "none of GB18030, Big5 or a Latin code page; save it as CSV UTF-8, or give its encoding",
            reason_zh=f"无法解码为文本：偏移{offset}处的字节不是UTF-8，也不是GB18030、Big5或西文编码；"
            "请另存为“CSV UTF-8”，或指定文件编码",
        )
    return check_encoding(best.encoding)


class LineDecoder:
    """The lines of a byte stream, decoded one at a time (an iterator of text lines for ``csv``).

    A line that does not decode is handed on with U+FFFD in place of its bad bytes,
    and :attr:`bad` notes its number (1-based, as read) and the byte offset of the
    first bad byte, so the record it belongs to can be refused and the others kept.
    ``exhausted`` turns true when a reader asks for a line after the last one.
    """

    def __init__(self, stream: BinaryIO, encoding: str) -> None:
        self.encoding = encoding
        self.bad: dict[int, int] = {}
        self.count = 0
        self.exhausted = False
        self._lines = self._decode(stream) if is_ascii_based(encoding) else self._wide(stream)

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        try:
            return next(self._lines)
        except StopIteration:
            self.exhausted = True
            raise

    def _decode(self, stream: BinaryIO) -> Iterator[str]:
        encoding = self.encoding
        # Only the first line can hold the mark; the plain codec is the one written in C.
        after_first = "utf-8" if check_encoding(encoding) == "utf-8-sig" else encoding
        offset = 0
        for raw in _raw_lines(stream):
            self.count += 1
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                self.bad[self.count] = offset + exc.start
                text = raw.decode(encoding, "replace")
            offset += len(raw)
            encoding = after_first
            yield text

    def _wide(self, stream: BinaryIO) -> Iterator[str]:
        # UTF-16 and UTF-32 have no single-byte line end; they are decoded whole (strictly).
        # A decoding error ends the reading (UnicodeDecodeError, which the reader reports by row).
        text = io.TextIOWrapper(stream, encoding=self.encoding, errors="strict", newline="")
        try:
            for line in text:
                self.count += 1
                yield line
        finally:
            text.detach()

    def first_bad(self, after: int, upto: int) -> int | None:
        """The byte offset of the first bad byte in lines ``after + 1`` to ``upto``, or None."""
        if not self.bad:
            return None
        return next((self.bad[n] for n in range(after + 1, upto + 1) if n in self.bad), None)


def _raw_lines(stream: BinaryIO) -> Iterator[bytes]:
    """The lines of ``stream`` with their ends; a file whose lines end in CR alone (old Mac) too."""
    start = stream.tell()
    head = stream.read(1 << 16)
    stream.seek(start)
    if b"\n" in head or b"\r" not in head:
        yield from stream
        return
    # Lines end in CR alone: split on it, keeping the ends.
    rest = b""
    while chunk := stream.read(1 << 16):
        parts = (rest + chunk).split(b"\r")
        rest = parts.pop()
        for part in parts:
            yield part + b"\r"
    if rest:
        yield rest

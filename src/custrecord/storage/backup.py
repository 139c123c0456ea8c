"""Backup and restore: a whole store in one portable, versioned, checksummed file.

The file is gzip-compressed JSON lines (UTF-8), written and read one line at a time,
so neither side holds the store in memory:

1. a header: ``{"kind": "header", "format": "custrecord-backup", "format_version": 1,
   "library_version", "schema_version", "created_at", "source", "settings", "counts"}``;
2. the records, each an object with a ``kind``: ``customer`` (the stored document under
   ``customer``, and ``prior_status``), ``history``, ``event``, ``sequence``,
   ``reservation``, ``raise``, in that order;
3. a trailer: ``{"kind": "trailer", "sha256", "counts"}``, the SHA-256 of every byte
   before it (header included) and how many records of each kind precede it.

Restoring reads the file inside one unit of work of the target store and checks the
checksum and the counts before it commits: a damaged, cut or edited file restores
nothing. It goes only into an empty store, unless ``force`` asks to replace what the
store holds (in the same transaction, so a bad file leaves the store as it was).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Any, BinaryIO, cast

import attrs

from custrecord import __version__
from custrecord.convert import load, unstructure_set
from custrecord.credit.ledger import Reservation
from custrecord.credit.limits import TemporaryRaise
from custrecord.errors import StorageError
from custrecord.model import Customer, Status
from custrecord.storage.batch import chunks
from custrecord.storage.documents import dump_json, load_json, parse_time, time_text
from custrecord.storage.ports import Archive, Storage, UnitOfWork
from custrecord.storage.registry import open_storage, scheme_of
from custrecord.storage.values import HistoryEntry, OutboxEvent, utcnow

__all__ = ["FORMAT", "FORMAT_VERSION", "KINDS", "BackupError", "BackupInfo", "restore", "restore_into",
           "write_backup"]

#: The ``format`` of every backup file's header.
FORMAT = "custrecord-backup"
#: The layout this code writes; it reads this one and every earlier one.
FORMAT_VERSION = 1
#: What a backup counts, in the order its records come.
KINDS = ("customers", "history", "outbox", "sequences", "reservations", "raises")
_KIND = {"customer": "customers", "history": "history", "event": "outbox", "sequence": "sequences",
         "reservation": "reservations", "raise": "raises"}
#: Records written to the target per call of its bulk methods.
_BATCH = 1000

_MESSAGES: dict[str, tuple[str, str]] = {
    "no_archive": (
        "this store ({source}) cannot be backed up or restored: its adapter offers no archive port "
        "(see docs/custom-adapter.md)",
        "该存储（{source}）不能备份或恢复：其适配器没有 archive 接口（见 docs/custom-adapter.md）",
    ),
    "unreadable": ("cannot read {path}: {detail}", "无法读取{path}：{detail}"),
    "not_a_backup": ("{path} is not a custrecord backup: {detail}", "{path}不是custrecord备份文件：{detail}"),
    "newer_format": (
        "{path} is backup format {found}, newer than this custrecord reads ({ours}): upgrade custrecord",
        "{path}的备份格式为{found}，比当前custrecord支持的（{ours}）新：请升级custrecord",
    ),
    "damaged": (
        "{path} is damaged or cut short ({detail}); nothing was restored",
        "{path}已损坏或不完整（{detail}）；未恢复任何数据",
    ),
    "bad_record": (
        "{path} line {line}: {detail}; nothing was restored", "{path}第{line}行：{detail}；未恢复任何数据"
    ),
    "checksum": (
        "{path} does not match its checksum (changed or damaged after it was written); nothing was restored",
        "{path}与其校验和不符（写出后被修改或损坏）；未恢复任何数据",
    ),
    "counts": (
        "{path} holds {found} but says {expected}; nothing was restored",
        "{path}实际包含{found}，但记录为{expected}；未恢复任何数据",
    ),
    "not_empty": (
        "the target store is not empty ({held}): restore only into an empty store, or force it "
        "(--force, force=True) to replace everything the store holds",
        "目标存储不是空的（{held}）：只能恢复到空存储，或强制（--force、force=True）替换其全部数据",
    ),
    "moving": (
        "the store changed while it was read ({found} read, {expected} counted first): back it up again",
        "读取期间存储发生了变化（读到{found}，开始时为{expected}）：请重新备份",
    ),
}


class BackupError(StorageError):
    """A backup cannot be written, or a file cannot be restored; ``key`` names which problem."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message_in("en"))

    def message_in(self, lang: str) -> str:
        """The message in ``en`` or ``zh``."""
        english, chinese = _MESSAGES[self.key]
        params = {key: _described(value, lang) if isinstance(value, Mapping) else value
                  for key, value in self.params.items()}
        return (chinese if lang == "zh" else english).format(**params)


def _counts(value: Mapping[str, int]) -> dict[str, int]:
    return {kind: int(value.get(kind, 0)) for kind in KINDS}


@attrs.frozen
class BackupInfo:
    """What a backup file holds: its header, with the counts its trailer confirmed."""

    format_version: int
    library_version: str
    schema_version: int | None
    created_at: datetime
    source: str
    counts: Mapping[str, int] = attrs.field(converter=_counts)
    settings: Mapping[str, Any] = attrs.field(factory=dict, converter=dict)

    @property
    def total(self) -> int:
        """How many records of every kind."""
        return sum(self.counts.values())


def _archive(uow: UnitOfWork, storage: Storage) -> Archive:
    archive = getattr(uow, "archive", None)
    if archive is None:
        raise BackupError("no_archive", source=type(storage).__name__)
    return cast(Archive, archive)


_ZH_KINDS = {"customers": "客户", "history": "变更历史", "outbox": "待发事件", "sequences": "编码计数器",
             "reservations": "信用占用", "raises": "临时额度"}


def _described(counts: Mapping[str, int], lang: str = "en") -> str:
    """Counts as words: ``2 customers, 3 history`` (or ``客户2、变更历史3``)."""
    if lang == "zh":
        return "、".join(f"{_ZH_KINDS[kind]}{counts[kind]}" for kind in KINDS if counts.get(kind)) or "无"
    return ", ".join(f"{counts[kind]} {kind}" for kind in KINDS if counts.get(kind)) or "nothing"


# -- writing ---------------------------------------------------------------------


def _records(archive: Archive) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every record of the store as (count key, JSON-safe object), in file order."""
    for customer, prior in archive.customers():
        yield "customers", {"kind": "customer", "customer": unstructure_set(customer),
                            "prior_status": prior.value if prior is not None else None}
    for entry in archive.history():
        yield "history", {"kind": "history", "code": entry.code, "version": entry.version,
                          "action": entry.action, "at": time_text(entry.at), "actor": entry.actor,
                          "reason": entry.reason, "changes": [list(change) for change in entry.changes]}
    for event in archive.events():
        yield "outbox", {"kind": "event", "id": event.id, "type": event.type, "code": event.code,
                         "payload": dict(event.payload), "created_at": time_text(event.created_at),
                         "delivered_at": time_text(event.delivered_at) if event.delivered_at else None}
    for key, value in archive.counters():
        yield "sequences", {"kind": "sequence", "key": key, "value": value}
    for held in archive.reservations():
        yield "reservations", {"kind": "reservation", "code": held.customer_code, "order_ref": held.order_ref,
                               "amount": str(held.amount), "currency": held.currency}
    for code, grant in archive.raises():
        yield "raises", {"kind": "raise", "code": code, "limit": str(grant.limit),
                         "until": grant.until.isoformat(),
                         "starts": grant.starts.isoformat() if grant.starts else None,
                         "currency": grant.currency, "reason": grant.reason, "actor": grant.actor}


def write_backup(storage: Storage, path: str | os.PathLike[str]) -> BackupInfo:
    """Write everything ``storage`` holds to ``path`` (gzip JSON lines); returns what was written.

    Reads in one transaction that sees one moment of the data (a snapshot where the
    backend has one), streaming, and writes a temporary file beside ``path`` that
    replaces it only once complete.
    """
    target = Path(path)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    opener: Callable[[], AbstractContextManager[UnitOfWork]] = getattr(storage, "snapshot", None) \
        or storage.unit_of_work
    try:
        with opener() as uow:
            archive = _archive(uow, storage)
            counted = _counts(archive.counts())
            info = BackupInfo(
                format_version=FORMAT_VERSION, library_version=__version__,
                schema_version=archive.schema_version, created_at=utcnow(), source=scheme_of(storage.url),
                counts=counted, settings=dict(archive.settings()),
            )
            header = {"kind": "header", "format": FORMAT, "format_version": info.format_version,
                      "library_version": info.library_version, "schema_version": info.schema_version,
                      "created_at": time_text(info.created_at), "source": info.source,
                      "settings": dict(info.settings), "counts": counted}
            digest = hashlib.sha256()
            written = dict.fromkeys(KINDS, 0)
            with gzip.open(partial, "wb", compresslevel=6) as raw:
                out = cast(BinaryIO, raw)

                def put(record: Mapping[str, Any]) -> None:
                    line = (dump_json(record) + "\n").encode("utf-8")
                    digest.update(line)
                    out.write(line)

                put(header)
                for kind, record in _records(archive):
                    put(record)
                    written[kind] += 1
                if written != counted:
                    raise BackupError("moving", found=written, expected=counted)
                trailer = {"kind": "trailer", "sha256": digest.hexdigest(), "counts": written}
                out.write((dump_json(trailer) + "\n").encode("utf-8"))
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return info


# -- reading ---------------------------------------------------------------------


class _Reader:
    """The lines of a backup file, parsed and hashed as they are read."""

    def __init__(self, path: Path, lines: Iterator[bytes]) -> None:
        self.path = path
        self.digest = hashlib.sha256()
        self.trailer: dict[str, Any] | None = None
        self.line = 0
        self._lines = lines

    def _next(self) -> bytes | None:
        try:
            return next(self._lines)
        except StopIteration:
            return None
        except gzip.BadGzipFile as exc:
            raise BackupError("not_a_backup", path=self.path, detail=_oneline(exc)) from None
        except (EOFError, zlib.error) as exc:
            raise BackupError("damaged", path=self.path, detail=_oneline(exc)) from None

    def _parse(self, raw: bytes) -> dict[str, Any]:
        try:
            record = load_json(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise self.bad(f"not a JSON line ({_oneline(exc)})") from None
        if not isinstance(record, dict) or not isinstance(record.get("kind"), str):
            raise self.bad("not a record (no kind)")
        return record

    def bad(self, detail: str) -> BackupError:
        return BackupError("bad_record", path=self.path, line=self.line, detail=detail)

    def header(self) -> BackupInfo:
        raw = self._next()
        self.line = 1
        if raw is None:
            raise BackupError("not_a_backup", path=self.path, detail="the file is empty")
        try:
            record = load_json(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            record = None
        if not isinstance(record, dict) or record.get("kind") != "header" or record.get("format") != FORMAT:
            raise BackupError("not_a_backup", path=self.path, detail="its first line is no backup header")
        self.digest.update(raw)
        found = record.get("format_version")
        if not isinstance(found, int) or found > FORMAT_VERSION:
            raise BackupError("newer_format", path=self.path, found=found, ours=FORMAT_VERSION)
        try:
            return BackupInfo(
                format_version=found, library_version=str(record["library_version"]),
                schema_version=record.get("schema_version"), created_at=parse_time(record["created_at"]),
                source=str(record.get("source", "")), counts=record["counts"],
                settings=record.get("settings") or {},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise self.bad(f"a header without {_oneline(exc)}") from None

    def records(self) -> Iterator[dict[str, Any]]:
        """The records after the header; the trailer ends them (kept in :attr:`trailer`)."""
        while (raw := self._next()) is not None:
            self.line += 1
            record = self._parse(raw)
            if record["kind"] == "trailer":
                self.trailer = record
                if self._next() is not None:
                    self.line += 1
                    raise self.bad("data after the trailer")
                return
            if record["kind"] not in _KIND:
                raise self.bad(f"unknown kind {record['kind']!r}")
            self.digest.update(raw)
            yield record
        raise BackupError("damaged", path=self.path, detail=f"no trailer after line {self.line}")


def _oneline(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _customer(record: Mapping[str, Any]) -> tuple[Customer, Status | None]:
    prior = record.get("prior_status")
    customer = load(record["customer"])
    if not customer.code or customer.version < 1 or None in (customer.created_at, customer.updated_at):
        raise ValueError("a stored customer has a code, a version and both times")
    return customer, Status(prior) if prior else None


def _entry(record: Mapping[str, Any]) -> HistoryEntry:
    return HistoryEntry(code=record["code"], version=record["version"], action=record["action"],
                        at=parse_time(record["at"]), actor=record.get("actor"), reason=record.get("reason"),
                        changes=[tuple(change) for change in record.get("changes", ())])


def _event(record: Mapping[str, Any]) -> OutboxEvent:
    delivered = record.get("delivered_at")
    return OutboxEvent(id=record["id"], type=record["type"], code=record.get("code"),
                       payload=record.get("payload") or {}, created_at=parse_time(record["created_at"]),
                       delivered_at=parse_time(delivered) if delivered else None)


def _raise(record: Mapping[str, Any]) -> tuple[str, TemporaryRaise]:
    starts = record.get("starts")
    return record["code"], TemporaryRaise(
        limit=Decimal(record["limit"]), until=date.fromisoformat(record["until"]),
        starts=date.fromisoformat(starts) if starts else None, currency=record.get("currency"),
        reason=record.get("reason"), actor=record.get("actor"),
    )


_CONVERT: dict[str, Callable[[dict[str, Any]], Any]] = {
    "customers": _customer,
    "history": _entry,
    "outbox": _event,
    "sequences": lambda r: (str(r["key"]), int(r["value"])),
    "reservations": lambda r: Reservation(r["code"], r["order_ref"], Decimal(r["amount"]), r["currency"]),
    "raises": _raise,
}


def _store(uow: UnitOfWork, archive: Archive, kind: str, values: list[Any]) -> None:
    """Store one batch of values of one kind in the target."""
    if kind == "customers":
        archive.load_customers(values)
    elif kind == "history":
        uow.history.append_many(values)
    elif kind == "outbox":
        archive.load_events(values)
    elif kind == "sequences":
        archive.load_counters(values)
    elif kind == "reservations":
        for held in values:
            uow.credit.reserve(held.customer_code, held.order_ref, held.amount, held.currency)
    else:
        for code, grant in values:
            uow.credit.add_raise(code, grant)


def _batches(reader: _Reader) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The records in batches of one kind, each at most :data:`_BATCH` long."""
    for kind, same in groupby(reader.records(), key=lambda record: _KIND[record["kind"]]):
        for batch in chunks(same, _BATCH):
            yield kind, batch


def restore_into(path: str | os.PathLike[str], storage: Storage, *, force: bool = False) -> BackupInfo:
    """Restore the backup at ``path`` into ``storage``; returns what it held.

    The store must be empty; with ``force`` everything it holds is replaced. One unit
    of work: a file that is damaged, cut short, edited or refused by the store (a
    duplicate key) raises :class:`BackupError` or ``StorageError`` and leaves the store
    as it was.
    """
    source = Path(path)
    try:
        file = gzip.open(source, "rb")  # noqa: SIM115  # closed by the with below; opening has its own error
    except OSError as exc:
        raise BackupError("unreadable", path=source, detail=exc.strerror or _oneline(exc)) from None
    with file:
        reader = _Reader(source, iter(file))
        info = reader.header()
        with storage.unit_of_work() as uow:
            archive = _archive(uow, storage)
            held = _counts(archive.counts())
            if any(held.values()):
                if not force:
                    raise BackupError("not_empty", held=held)
                archive.clear()
            seen = dict.fromkeys(KINDS, 0)
            for kind, batch in _batches(reader):
                convert = _CONVERT[kind]
                try:
                    values = [convert(record) for record in batch]
                except Exception as exc:  # json shapes and cattrs raise many kinds; the user needs one
                    raise reader.bad(f"a {kind} record that cannot be read ({_oneline(exc)})") from None
                _store(uow, archive, kind, values)
                seen[kind] += len(batch)
            _verify(reader, info, seen)
            if info.settings.get("unique_short_names"):
                # Last: on MariaDB this DDL commits the transaction, so only once all is checked.
                uow.customers.require_unique_short_names()
    return info


def _verify(reader: _Reader, info: BackupInfo, seen: Mapping[str, int]) -> None:
    trailer = reader.trailer
    assert trailer is not None
    if trailer.get("sha256") != reader.digest.hexdigest():
        raise BackupError("checksum", path=reader.path)
    try:
        stated = _counts(trailer["counts"])
    except (KeyError, TypeError, ValueError, AttributeError):
        raise reader.bad("a trailer without counts") from None
    for expected in (stated, dict(info.counts)):
        if dict(seen) != expected:
            raise BackupError("counts", path=reader.path, found=dict(seen), expected=expected)


def restore(path: str | os.PathLike[str], url: str | os.PathLike[str], *, force: bool = False) -> BackupInfo:
    """Restore a backup file into the store at ``url`` (SPEC 4 ``custrecord.restore``).

    ``url`` as :func:`custrecord.open` takes it: a SQLite path or a SQLAlchemy URL, created
    when missing. The store must be empty unless ``force``, which replaces all it holds.
    See :func:`restore_into`.
    """
    storage = open_storage(os.fspath(url))
    try:
        return restore_into(path, storage, force=force)
    finally:
        storage.close()


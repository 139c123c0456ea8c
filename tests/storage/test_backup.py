"""Backup and restore across adapters: the file, its checks, the book, the top-level function, the CLI."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from tests.clirun import run

import custrecord
from custrecord import Actor, Customer, PermissionDenied, Scope, Status
from custrecord.credit import TemporaryRaise
from custrecord.errors import DuplicateError
from custrecord.storage import MemoryStorage, Storage, open_storage
from custrecord.storage.backup import FORMAT, FORMAT_VERSION, BackupError, restore_into, write_backup
from custrecord.storage.sql import SqlStorage
from custrecord.testing.kit import archived, fill_store, store_contents

from .dict_adapter import DictStorage
from .servers import MARIADB_ENV, POSTGRES_ENV, isolated, server_url


def _filled(storage: Storage) -> Storage:
    """A store with a bit of everything, made through the book as an application would."""
    book = custrecord.CustomerBook(storage)
    first = book.add({"name": "苏州华信科技有限公司", "tax_id": "91320594MA1MXXXX9Y", "short_name": "华信",
                      "tags": ["重点", "华东"], "contacts": [{"name": "张三", "mobile": "13812345678"}]})
    second = book.add({"name": "上海明德贸易有限公司", "short_name": "明德"})
    book.freeze(second.code or "", reason="逾期")
    book.delete(second.code or "", reason="重复")
    book.update(first.code or "", {"remarks": "年度大客户"}, expected_version=1, reason="备注")
    storage.outbox.mark_delivered(e.id for e in storage.outbox.undelivered(2))
    storage.credit.reserve(first.code or "", "SO-1", Decimal("1234.56"), "CNY")
    storage.credit.add_raise(first.code or "", TemporaryRaise(limit=Decimal("50000"), until=date(2027, 3, 31),
                                                               reason="旺季", actor="李四"))
    return storage


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]


def test_the_file_is_versioned_gzip_json_lines_with_a_checksummed_trailer(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl.gz"
    info = write_backup(_filled(MemoryStorage()), path)
    records = _lines(path)
    header, trailer = records[0], records[-1]
    assert (header["kind"], header["format"], header["format_version"]) == ("header", FORMAT, FORMAT_VERSION)
    assert header["library_version"] == custrecord.__version__ == info.library_version
    assert header["source"] == "memory"
    assert header["counts"] == trailer["counts"] == dict(info.counts) == {
        "customers": 2, "history": 5, "outbox": 5, "sequences": 1, "reservations": 1, "raises": 1}
    assert [r["kind"] for r in records[1:-1]] == (
        ["customer"] * 2 + ["history"] * 5 + ["event"] * 5 + ["sequence", "reservation", "raise"])
    body = gzip.decompress(path.read_bytes()).splitlines(keepends=True)[:-1]
    assert trailer["sha256"] == hashlib.sha256(b"".join(body)).hexdigest()
    deleted = records[2]
    assert deleted["customer"]["status"] == "deleted"  # type: ignore[index]
    assert deleted["prior_status"] == "frozen"
    assert not list(tmp_path.glob(".*partial"))


def test_sqlite_backup_restores_into_memory_and_a_new_sqlite_file(tmp_path: Path) -> None:
    source = _filled(open_storage(str(tmp_path / "source.db")))
    expected = archived(source)
    path = tmp_path / "b.jsonl.gz"
    source.customers.require_unique_short_names()
    book = custrecord.CustomerBook(source)
    book.backup(path)
    source.close()
    memory = MemoryStorage()
    restore_into(path, memory)
    assert archived(memory) == expected
    info = custrecord.restore(path, tmp_path / "copy.db")
    assert info.settings == {"unique_short_names": True}
    copy = open_storage(str(tmp_path / "copy.db"))
    assert archived(copy) == expected
    # the restored store goes on where the old one stopped: codes, short names, undelete
    book = custrecord.CustomerBook(copy)
    assert book.add({"name": "杭州新客户有限公司"}).code == "C000003"
    with pytest.raises(DuplicateError):
        copy.customers.add(Customer(name="另一家公司", code="X1", short_name="华信"))
    assert book.restore("C000002").status is Status.FROZEN
    copy.close()


@pytest.fixture(scope="module")
def shared_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStorage]:
    storage = SqlStorage(str(tmp_path_factory.mktemp("backup") / "target.db"))
    yield storage
    storage.close()


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(contents=store_contents())
def test_a_memory_store_restores_into_memory_and_sqlite(
    tmp_path: Path, shared_sqlite: SqlStorage, contents: dict[str, object]
) -> None:
    source = MemoryStorage()
    fill_store(source, contents)
    expected = archived(source)
    path = tmp_path / "b.jsonl.gz"
    write_backup(source, path)
    memory = MemoryStorage()
    restore_into(path, memory)
    assert archived(memory) == expected
    shared_sqlite.clear()
    restore_into(path, shared_sqlite)
    assert archived(shared_sqlite) == expected


def test_a_store_without_an_archive_is_refused_and_no_file_is_left(tmp_path: Path) -> None:
    class Bare:
        """A storage whose units of work have no archive port."""

        def __init__(self) -> None:
            self.inner = DictStorage()
            self.url = "bare://"

        def unit_of_work(self):  # type: ignore[no-untyped-def]
            return _without_archive(self.inner)

    path = tmp_path / "b.jsonl.gz"
    with pytest.raises(BackupError, match="no archive port"):
        write_backup(Bare(), path)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def _without_archive(storage: DictStorage) -> Iterator[object]:
    from contextlib import contextmanager

    @contextmanager
    def unit() -> Iterator[object]:
        with storage.unit_of_work() as uow:
            yield type("Unit", (), {"customers": uow.customers})()

    return unit()  # type: ignore[return-value]


def _rewrite(path: Path, records: list[dict[str, object]], *, fix_checksum: bool) -> None:
    """Write ``records`` back, the trailer's checksum recomputed or left as it was."""
    lines = [(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n").encode() for r in records[:-1]]
    trailer = dict(records[-1])
    if fix_checksum:
        trailer["sha256"] = hashlib.sha256(b"".join(lines)).hexdigest()
    lines.append((json.dumps(trailer) + "\n").encode())
    path.write_bytes(gzip.compress(b"".join(lines)))


@pytest.mark.parametrize(
    ("change", "fix_checksum", "message"),
    [
        (lambda r: r[:2] + r[3:], True, "holds 1 customers, 5 history"),  # a line removed, checksum forged
        (lambda r: r[:2] + r[3:], False, "does not match its checksum"),
        (lambda r: [dict(r[0], format_version=FORMAT_VERSION + 1), *r[1:]], True, "newer than"),
        (lambda r: [dict(r[0], format="other"), *r[1:]], True, "not a custrecord backup"),
        (lambda r: [*r[:-1], {"kind": "mystery"}, r[-1]], True, "unknown kind 'mystery'"),
        (lambda r: [*r[:3], {"kind": "customer", "customer": {"name": 5}}, *r[3:]], True, "cannot be read"),
        (lambda r: [*r[:-1], {"kind": "customer"}], False, "no trailer"),
    ],
)
def test_an_edited_file_restores_nothing(tmp_path: Path, change, fix_checksum: bool, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "b.jsonl.gz"
    write_backup(_filled(MemoryStorage()), path)
    records = change(_lines(path))
    if records[-1].get("kind") == "trailer":
        _rewrite(path, records, fix_checksum=fix_checksum)
    else:
        body = b"".join((json.dumps(r) + "\n").encode() for r in records)
        path.write_bytes(gzip.compress(body))
    target = MemoryStorage()
    with pytest.raises(BackupError, match=message):
        restore_into(path, target)
    assert archived(target)["counts"] == dict.fromkeys(
        ("customers", "history", "outbox", "sequences", "reservations", "raises"), 0)


def test_data_after_the_trailer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl.gz"
    write_backup(_filled(MemoryStorage()), path)
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()) + b'{"kind":"customer"}\n'))
    with pytest.raises(BackupError, match="after the trailer"):
        restore_into(path, MemoryStorage())


def test_messages_come_in_chinese_too(tmp_path: Path) -> None:
    target = _filled(MemoryStorage())
    path = tmp_path / "b.jsonl.gz"
    write_backup(MemoryStorage(), path)
    with pytest.raises(BackupError) as caught:
        restore_into(path, target)
    assert "目标存储不是空的（客户2、变更历史5" in caught.value.message_in("zh")
    assert "2 customers, 5 history" in str(caught.value)


def test_a_backup_needs_an_actor_who_sees_everything(tmp_path: Path) -> None:
    book = custrecord.CustomerBook(_filled(MemoryStorage()))
    for actor in (Actor("销售", {"sales"}), Actor("财务", {"finance"}, scope=Scope(regions=["32"])),
                  Actor("访客", {"viewer"})):
        with pytest.raises(PermissionDenied):
            book.backup(tmp_path / "b.jsonl.gz", actor=actor)
    assert book.backup(tmp_path / "b.jsonl.gz", actor=Actor("财务", {"finance"})).counts["customers"] == 2


def _server_round_trip(tmp_path: Path, server: SqlStorage) -> None:
    source = _filled(open_storage(str(tmp_path / "source.db")))
    expected = archived(source)
    there = tmp_path / "sqlite.jsonl.gz"
    write_backup(source, there)
    source.close()
    try:
        restore_into(there, server)
        assert archived(server) == expected
        back = tmp_path / "server.jsonl.gz"
        write_backup(server, back)
        custrecord.restore(back, tmp_path / "again.db")
        again = open_storage(str(tmp_path / "again.db"))
        assert archived(again) == expected
        again.close()
        with pytest.raises(BackupError, match="not empty"):
            restore_into(there, server)
        restore_into(there, server, force=True)
        assert archived(server) == expected
    finally:
        server.drop()


def test_sqlite_to_postgresql_and_back(tmp_path: Path) -> None:
    _server_round_trip(tmp_path, isolated(server_url(POSTGRES_ENV)))


def test_sqlite_to_mariadb_and_back(tmp_path: Path) -> None:
    _server_round_trip(tmp_path, isolated(server_url(MARIADB_ENV)))


def test_the_command_line_backs_up_and_restores(tmp_path: Path) -> None:
    _filled(open_storage(str(tmp_path / "source.db"))).close()
    missing = run("backup", str(tmp_path / "b.jsonl.gz"), "--db", str(tmp_path / "missing.db"))
    assert missing.returncode == 2
    assert "no such database" in missing.stderr
    assert not (tmp_path / "missing.db").exists()
    done = run("backup", str(tmp_path / "b.jsonl.gz"), "--db", str(tmp_path / "source.db"), "--lang", "zh")
    assert done.returncode == 0, done.stderr
    assert "已备份客户2个" in done.stdout
    restored = run("restore", str(tmp_path / "b.jsonl.gz"), "--db", str(tmp_path / "copy.db"))
    assert restored.returncode == 0, restored.stderr
    assert "restored 2 customers, 5 history entries" in restored.stdout
    refused = run("restore", str(tmp_path / "b.jsonl.gz"), "--db", str(tmp_path / "copy.db"), "--lang", "zh")
    assert refused.returncode == 2
    assert "目标存储不是空的" in refused.stderr
    assert "Traceback" not in refused.stderr
    forced = run("restore", str(tmp_path / "b.jsonl.gz"), "--db", str(tmp_path / "copy.db"), "--force")
    assert forced.returncode == 0, forced.stderr
    (tmp_path / "cut.jsonl.gz").write_bytes((tmp_path / "b.jsonl.gz").read_bytes()[:-30])
    cut = run("restore", str(tmp_path / "cut.jsonl.gz"), "--db", str(tmp_path / "copy.db"), "--force")
    assert cut.returncode == 2
    assert "damaged or cut short" in cut.stderr

"""Contracts of backup and restore (the optional ``Archive`` port), and the helpers that fill
and read a store."""

from __future__ import annotations

import gzip
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrecord.credit import TemporaryRaise
from custrecord.model import Customer, Status
from custrecord.storage.backup import BackupError, restore_into, write_backup
from custrecord.storage.memory import MemoryStorage
from custrecord.storage.ports import Storage
from custrecord.storage.values import (
    HistoryEntry,
    OutboxEvent,
    added_entry,
)
from custrecord.testing.contract_base import (
    StorageFactory,
    StorageFixtures,
    rich_settings,
    sample_customer,
)
from custrecord.testing.strategies import customer_lists, safe_text


@st.composite
def store_contents(draw: st.DrawFn) -> dict[str, object]:
    """Contents for an archive test to put in a store with :func:`fill_store`: customers (some
    deleted after a status change), history, events (some delivered), counters, reservations
    and raises."""
    batch = draw(customer_lists(max_size=4))
    codes = [c.code or "" for c in batch]
    text = safe_text(max_size=12)
    at = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC))
    some_code = st.sampled_from(codes) if codes else st.just("C0")
    extra = draw(
        st.lists(
            st.builds(
                HistoryEntry,
                code=some_code,
                version=st.integers(1, 9),
                action=st.sampled_from(["update", "freeze"]),
                at=at,
                actor=st.none() | text,
                reason=st.none() | text,
                changes=st.lists(
                    st.tuples(st.sampled_from(["remarks", "credit.limit"]), st.none() | text, text),
                    max_size=2,
                ),
            ),
            max_size=4,
        )
    )
    events = draw(
        st.lists(
            st.tuples(
                st.builds(
                    OutboxEvent,
                    type=st.sampled_from(["CustomerRegistered", "StatusChanged"]),
                    code=some_code,
                    payload=st.dictionaries(
                        st.sampled_from(["actor", "n", "new"]), st.none() | text | st.integers(-9, 9)
                    ),
                    created_at=at,
                ),
                st.booleans(),
            ),
            max_size=4,
            unique_by=lambda pair: pair[0].id,
        )
    )
    return {
        "customers": batch,
        "deleted": draw(st.lists(st.sampled_from(codes), unique=True)) if codes else [],
        "history": extra,
        "events": events,
        "counters": draw(
            st.dictionaries(st.sampled_from(["customer-code:C####", "客户"]), st.integers(1, 3))
        ),
        "reservations": draw(
            st.lists(
                st.tuples(some_code, text.filter(str.strip).map(str.strip), st.decimals(0, 10**9, places=2)),
                max_size=3,
                unique_by=lambda r: (r[0], r[1]),
            )
        ),
        "raises": draw(
            st.lists(
                st.tuples(
                    some_code,
                    st.decimals(1, 10**9, places=2),
                    st.dates(date(2020, 1, 1), date(2040, 1, 1)),
                    st.none() | text,
                ),
                max_size=2,
            )
        ),
    }


def fill_store(storage: Storage, contents: dict[str, object]) -> None:
    """Put :func:`store_contents` into ``storage`` through its ports, some events delivered."""
    batch: list[Customer] = contents["customers"]  # type: ignore[assignment]
    at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    with storage.unit_of_work() as uow:
        uow.customers.add_many(batch)
        uow.history.append_many(added_entry(c, at=at, actor="导入") for c in batch)
        for code in contents["deleted"]:  # type: ignore[attr-defined]
            current = uow.customers.get(code)
            if current.status is not Status.DELETED:
                frozen = uow.customers.update(attrs.evolve(current, status=Status.FROZEN), current.version)
                uow.customers.delete(code, expected_version=frozen.version)
        uow.history.append_many(contents["history"])  # type: ignore[arg-type]
        for key, count in contents["counters"].items():  # type: ignore[attr-defined]
            uow.sequences.next_values(key, count)
        for code, ref, amount in contents["reservations"]:  # type: ignore[attr-defined]
            uow.credit.reserve(code, ref, amount, "CNY")
        for code, limit, until, reason in contents["raises"]:  # type: ignore[attr-defined]
            uow.credit.add_raise(code, TemporaryRaise(limit=limit, until=until, reason=reason))
        pairs: list[tuple[OutboxEvent, bool]] = contents["events"]  # type: ignore[assignment]
        uow.outbox.append_many(event for event, _ in pairs)
    storage.outbox.mark_delivered(event.id for event, delivered in pairs if delivered)


def archived(storage: Storage) -> dict[str, object]:
    """Everything ``storage`` holds, read through its archive port, in a form to compare."""
    with storage.unit_of_work() as uow:
        archive = uow.archive  # type: ignore[attr-defined]
        history: dict[str, list[HistoryEntry]] = {}
        for entry in archive.history():
            history.setdefault(entry.code, []).append(entry)
        raises: dict[str, list[TemporaryRaise]] = {}
        for code, grant in archive.raises():
            raises.setdefault(code, []).append(grant)
        return {
            "counts": dict(archive.counts()),
            "customers": list(archive.customers()),
            "history": history,
            "events": list(archive.events()),
            "counters": sorted(archive.counters()),
            "reservations": sorted(archive.reservations(), key=lambda r: (r.customer_code, r.order_ref)),
            "raises": raises,
        }


class ArchiveContract(StorageFixtures):
    """Backup and restore through the optional archive port (skipped for adapters without one)."""

    @pytest.fixture(autouse=True)
    def _needs_archive(self, make_storage: StorageFactory) -> None:
        with make_storage().unit_of_work() as uow:
            if getattr(uow, "archive", None) is None:
                pytest.skip("this adapter has no archive port: backup and restore refuse it")

    @rich_settings
    @given(contents=store_contents())
    def test_backup_then_restore_gives_the_same_store(
        self, make_storage: StorageFactory, contents: dict[str, object]
    ) -> None:
        source = make_storage()
        fill_store(source, contents)
        expected = archived(source)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "store.jsonl.gz"
            info = write_backup(source, path)
            assert dict(info.counts) == expected["counts"]
            memory = MemoryStorage()
            assert dict(restore_into(path, memory).counts) == expected["counts"]
            assert archived(memory) == expected
            target = make_storage()  # may be the source again, emptied
            restore_into(path, target, force=True)
            assert archived(target) == expected

    def test_restore_refuses_a_store_with_data_unless_forced(self, make_storage: StorageFactory) -> None:
        memory = MemoryStorage()
        memory.customers.add(sample_customer("C1"))
        memory.sequences.next_value("k")
        target = make_storage()
        target.customers.add(sample_customer("C9", name="上海明德贸易有限公司"))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "b.jsonl.gz"
            write_backup(memory, path)
            with pytest.raises(BackupError, match="not empty"):
                restore_into(path, target)
            assert [c.code for c in target.customers.iterate()] == ["C9"]
            restore_into(path, target, force=True)
        assert [c.code for c in target.customers.iterate()] == ["C1"]
        assert target.sequences.next_value("k") == 2

    def test_a_damaged_file_restores_nothing(self, make_storage: StorageFactory) -> None:
        memory = MemoryStorage()
        memory.customers.add_many(
            [sample_customer(f"C{i}", name=f"苏州华信科技有限公司{i}") for i in range(5)]
        )
        target = make_storage()
        target.customers.add(sample_customer("C9", name="上海明德贸易有限公司"))
        with tempfile.TemporaryDirectory() as folder:
            good = Path(folder) / "b.jsonl.gz"
            write_backup(memory, good)
            lines = gzip.decompress(good.read_bytes()).splitlines(keepends=True)
            edited = [
                line.replace("华信".encode(), "华新".encode()) if i == 2 else line
                for i, line in enumerate(lines)
            ]
            damaged = {
                "cut": gzip.compress(b"".join(lines[:-2])),
                "edited": gzip.compress(b"".join(edited)),
                "truncated": good.read_bytes()[:-20],
            }
            for name, data in damaged.items():
                bad = Path(folder) / f"{name}.jsonl.gz"
                bad.write_bytes(data)
                with pytest.raises(BackupError):
                    restore_into(bad, target, force=True)
                assert [c.code for c in target.customers.iterate()] == ["C9"], name

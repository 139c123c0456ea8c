"""Contracts of the counters, the history and the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given

from custrecord.diff import changes_between
from custrecord.errors import (
    DuplicateError,
)
from custrecord.model import Contact, Customer
from custrecord.storage.ports import Storage
from custrecord.storage.values import (
    REDACTED,
    HistoryEntry,
    OutboxEvent,
    added_entry,
)
from custrecord.testing.contract_base import (
    ANY_CUSTOMER,
    StorageFactory,
    StorageFixtures,
    rich_settings,
    sample_customer,
)
from custrecord.testing.strategies import customer_lists


class SequenceContract(StorageFixtures):
    """Counters for customer codes."""

    def test_values_start_at_one_and_count_per_key(self, storage: Storage) -> None:
        assert [storage.sequences.next_value("customer-code:C") for _ in range(3)] == [1, 2, 3]
        assert storage.sequences.next_value("customer-code:D") == 1
        assert storage.sequences.next_value("customer-code:C") == 4
        with storage.unit_of_work() as uow:
            assert uow.sequences.next_value("客户编码") == 1
            assert uow.sequences.next_value("客户编码") == 2

    def test_next_values_reserve_a_block(self, storage: Storage) -> None:
        sequences = storage.sequences
        assert sequences.next_value("k") == 1
        assert sequences.next_values("k", 3) == range(2, 5)
        assert sequences.next_value("k") == 5
        assert list(sequences.next_values("new", 2)) == [1, 2]
        assert len(sequences.next_values("k", 0)) == 0
        assert len(sequences.next_values("never", 0)) == 0
        assert sequences.next_value("k") == 6
        with pytest.raises(ValueError):
            sequences.next_values("k", -1)
        assert sequences.next_value("k") == 7
        with storage.unit_of_work() as uow:
            block = uow.sequences.next_values("k", 1000)
            assert (block.start, block.stop, block.step) == (8, 1008, 1)
            assert uow.sequences.next_value("k") == 1008
        assert sequences.next_value("never") == 1


class HistoryContract(StorageFixtures):
    """The append-only change log."""

    @rich_settings
    @given(before=ANY_CUSTOMER, after=ANY_CUSTOMER)
    def test_entries_round_trip_in_order(
        self, make_storage: StorageFactory, before: Customer, after: Customer
    ) -> None:
        storage = make_storage()
        at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
        first = HistoryEntry(
            code="C1", version=1, action="add", actor="张三", at=at, changes=changes_between(None, before)
        )
        second = HistoryEntry(
            code="C1",
            version=2,
            action="update",
            actor=None,
            reason="客户更名 / rename",
            at=at + timedelta(seconds=1),
            changes=changes_between(before, after),
        )
        other = HistoryEntry(code="C2", version=1, action="add", at=at)
        storage.history.append(first)
        storage.history.append(other)
        storage.history.append(second)
        assert list(storage.history.list("C1")) == [first, second]
        assert list(storage.history.list("C2")) == [other]
        assert list(storage.history.list("C3")) == []

    def test_append_many_keeps_the_order(self, storage: Storage) -> None:
        at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        first = HistoryEntry(code="C1", version=1, action="add", at=at)
        storage.history.append(first)
        batch = [
            HistoryEntry(code="C1", version=2, action="update", at=at, changes=[("remarks", None, "甲")]),
            HistoryEntry(code="C2", version=1, action="add", at=at, actor="张三"),
            HistoryEntry(code="C1", version=3, action="freeze", at=at, reason="逾期"),
        ]
        storage.history.append_many(iter(batch))
        storage.history.append_many([])
        assert list(storage.history.list("C1")) == [first, batch[0], batch[2]]
        assert list(storage.history.list("C2")) == [batch[1]]

    @rich_settings
    @given(batch=customer_lists(max_size=4))
    def test_added_entries_read_back_as_written(
        self, make_storage: StorageFactory, batch: list[Customer]
    ) -> None:
        storage = make_storage()
        at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
        before = HistoryEntry(code="C0", version=1, action="freeze", at=at)
        with storage.unit_of_work() as uow:
            uow.customers.add_many(batch)
            uow.history.append(before)
            uow.history.append_many(added_entry(c, at=at, actor="导入", reason="import") for c in batch)
        for customer in batch:
            code = customer.code or ""
            expected = added_entry(customer, at=at, actor="导入", reason="import")
            assert list(storage.history.list(code)) == ([before] if code == "C0" else []) + [expected]

    def test_added_entries_can_be_redacted(self, storage: Storage) -> None:
        customer = sample_customer("C1", contacts=(Contact(name="张三", mobile="+8613812345678"),))
        storage.customers.add_many([customer])
        storage.history.append(added_entry(customer, at=datetime(2026, 1, 2, tzinfo=UTC)))
        assert storage.history.redact("C1", ["contacts"]) == 1
        (entry,) = storage.history.list("C1")
        assert {c.path: c.new for c in entry.changes}["contacts"] == REDACTED
        assert storage.history.redact("C1", ["contacts"]) == 0

    def test_times_keep_microseconds_and_become_utc(self, storage: Storage) -> None:
        shanghai = datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
        storage.history.append(HistoryEntry(code="C1", version=1, action="freeze", at=shanghai))
        (entry,) = storage.history.list("C1")
        assert entry.at == shanghai
        assert entry.at.utcoffset() == timedelta(0)

    def test_the_log_has_no_way_to_change_entries(self, storage: Storage) -> None:
        public = {name for name in dir(storage.history) if not name.startswith("_")}
        assert not public & {"update", "delete", "remove", "clear", "pop"}

    def test_redact_erases_personal_values_only(self, storage: Storage) -> None:
        contacts = [{"name": "张三", "mobile": "+8613812345678"}]
        changes: list[tuple[str, object, object]] = [
            ("name", None, "张三"),
            ("contacts", [], contacts),
            ("address.city", None, "苏州市"),
            ("credit.limit", None, "5000"),
        ]
        storage.history.append(HistoryEntry(code="C1", version=1, action="add", changes=changes))
        storage.history.append(HistoryEntry(code="C2", version=1, action="add", changes=changes[:1]))
        assert storage.history.redact("C1", ["name", "contacts", "address"]) == 1
        (entry,) = storage.history.list("C1")
        assert [tuple(c) for c in entry.changes] == [
            ("name", None, REDACTED),
            ("contacts", REDACTED, REDACTED),
            ("address.city", None, REDACTED),
            ("credit.limit", None, "5000"),
        ]
        assert [tuple(c) for c in storage.history.list("C2")[0].changes] == [("name", None, "张三")]
        assert storage.history.redact("C1", ["name"]) == 0  # nothing left to erase

    def test_redact_erases_values_wherever_they_stand(self, storage: Storage) -> None:
        # A merged customer's values in its partner's history: found by value, in lists and mappings.
        changes: list[tuple[str, object, object]] = [
            (
                "contacts",
                [{"name": "张三", "mobile": "+8613900000000"}],
                [{"name": "张三", "mobile": "+8613900000000"}, {"name": "李四", "mobile": "+8613812345678"}],
            ),
            ("remarks", None, "李四的电话"),
            ("merged", None, {"replaced": ["C2"], "from": "李四"}),
        ]
        storage.history.append(HistoryEntry(code="C1", version=2, action="merge", changes=changes))
        assert storage.history.redact("C1", (), {"李四", "+8613812345678"}) == 1
        (entry,) = storage.history.list("C1")
        assert [tuple(c) for c in entry.changes] == [
            (
                "contacts",
                [{"name": "张三", "mobile": "+8613900000000"}],
                [{"name": "张三", "mobile": "+8613900000000"}, {"name": REDACTED, "mobile": REDACTED}],
            ),
            ("remarks", None, "李四的电话"),  # a whole text, not a part of one
            ("merged", None, {"replaced": ["C2"], "from": REDACTED}),
        ]
        assert storage.history.redact("C1", (), {"李四"}) == 0


class OutboxContract(StorageFixtures):
    """The transactional outbox."""

    def test_append_list_and_mark_delivered(self, storage: Storage) -> None:
        events = [
            OutboxEvent(
                type="customer.added", code=f"C{i}", payload={"code": f"C{i}", "n": i, "名": ["甲", None]}
            )
            for i in range(5)
        ]
        for event in events:
            storage.outbox.append(event)
        assert list(storage.outbox.undelivered()) == events
        assert list(storage.outbox.undelivered(limit=2)) == events[:2]
        storage.outbox.mark_delivered([events[0].id, events[3].id, "unknown"])
        assert list(storage.outbox.undelivered()) == [events[1], events[2], events[4]]
        storage.outbox.mark_delivered([events[0].id])  # again: ignored
        assert len(storage.outbox.undelivered()) == 3

    def test_redact_erases_payload_values(self, storage: Storage) -> None:
        change = {"path": "contacts", "old": None, "new": [{"mobile": "+8613812345678"}]}
        kept = {"path": "priority", "old": None, "new": 1}
        payload = {"changes": [change, kept], "name": "张三"}
        mine = OutboxEvent(type="CustomerChanged", code="C1", payload=payload)
        sent = OutboxEvent(type="CustomerRegistered", code="C1", payload={"name": "张三"})
        other = OutboxEvent(type="CustomerChanged", code="C2", payload={"name": "李四"})
        for event in (sent, mine, other):
            storage.outbox.append(event)
        storage.outbox.mark_delivered([sent.id])
        assert storage.outbox.redact("C1", ["contacts", "name"]) == 2  # delivered or not
        erased = {"changes": [{**change, "new": REDACTED}, kept], "name": REDACTED}
        assert list(storage.outbox.undelivered()) == [attrs.evolve(mine, payload=erased), other]
        assert storage.outbox.redact("C1", ["contacts", "name"]) == 0

    def test_redact_erases_payload_texts_by_value(self, storage: Storage) -> None:
        event = OutboxEvent(
            type="CustomerChanged",
            code="C1",
            payload={
                "changes": [{"path": "contacts", "old": [], "new": [{"name": "李四", "email": "li@x.cn"}]}],
                "actor": "李四",
            },
        )
        storage.outbox.append(event)
        assert storage.outbox.redact("C1", (), {"li@x.cn"}) == 1
        (found,) = storage.outbox.undelivered()
        assert found.payload["changes"][0]["new"] == [{"name": "李四", "email": REDACTED}]
        assert found.payload["actor"] == "李四"

    def test_append_many_in_order_refusing_duplicate_ids(self, storage: Storage) -> None:
        events = [OutboxEvent(type="customer.added", code=f"C{i}", payload={"n": i}) for i in range(4)]
        storage.outbox.append_many(iter(events))
        storage.outbox.append_many([])
        assert list(storage.outbox.undelivered()) == events
        fresh = OutboxEvent(type="customer.changed", code="C9", payload={})
        with storage.unit_of_work() as uow:
            # Refused batches store nothing, so the unit may go on and commit.
            with pytest.raises(DuplicateError):
                uow.outbox.append_many([fresh, events[2]])  # an id that exists
            with pytest.raises(DuplicateError):
                uow.outbox.append_many([fresh, fresh])  # an id repeated
        assert list(storage.outbox.undelivered()) == events
        storage.outbox.append_many([fresh])
        assert list(storage.outbox.undelivered()) == [*events, fresh]

    def test_duplicate_event_id_is_refused(self, storage: Storage) -> None:
        event = OutboxEvent(type="customer.added", payload={})
        storage.outbox.append(event)
        with pytest.raises(DuplicateError):
            storage.outbox.append(event)
        assert list(storage.outbox.undelivered()) == [event]

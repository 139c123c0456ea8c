"""Query, history and outbox values."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from custrecord.diff import FieldChange
from custrecord.model import Status
from custrecord.storage import Change, HistoryEntry, OutboxEvent, Query
from custrecord.storage.values import new_event_id


def test_query_status_accepts_one_or_many() -> None:
    assert Query(status="active").status == frozenset({Status.ACTIVE})
    assert Query(status=[Status.ACTIVE, "frozen"]).status == frozenset({Status.ACTIVE, Status.FROZEN})
    assert Status.DELETED not in (Query().statuses() or set())
    assert Query(include_deleted=True).statuses() is None


def test_query_refuses_bad_order_and_paging() -> None:
    with pytest.raises(ValueError, match="cannot order by"):
        Query(order_by=("doc",))
    with pytest.raises(ValueError, match="offset"):
        Query(offset=-1)
    assert Query(order_by="-name").order_by == ("-name",)


def test_history_changes_accept_diff_changes_and_tuples() -> None:
    entry = HistoryEntry(
        code="C1",
        version=2,
        action="update",
        changes=[FieldChange("name", "甲", "乙"), ("tags", [], ["VIP"]), {"path": "remarks", "new": "x"}],
    )
    assert entry.changes == (
        Change("name", "甲", "乙"),
        Change("tags", [], ["VIP"]),
        Change("remarks", None, "x"),
    )
    assert entry.to_dict()["changes"][0] == ["name", "甲", "乙"]


def test_times_must_be_aware_and_become_utc() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        HistoryEntry(code="C1", version=1, action="add", at=datetime(2026, 1, 1))
    at = datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    assert HistoryEntry(code="C1", version=1, action="add", at=at).at.utcoffset() == timedelta(0)
    event = OutboxEvent(type="customer.added", payload={"a": 1})
    assert len(event.id) == 32
    assert event.delivered_at is None


def test_event_ids_are_unique_and_in_creation_order() -> None:
    ids = [OutboxEvent(type="t").id for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_other_event_ids() -> None:
    parent = new_event_id()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.write(write, new_event_id().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    assert child[12:24] != parent[12:24]

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest
from hypothesis import given

import custrecord
from custrecord.diff import BLANK, FieldChange, apply_changes, changes_between
from custrecord.events import CustomerChanged, Event, EventBus, StatusChanged
from custrecord.lifecycle import InvalidTransition, Transition, next_status
from custrecord.model import CreditProfile, Status
from custrecord.testing.strategies import customers


def test_changes_between_names_nested_paths() -> None:
    old = custrecord.structure({"name": "A", "credit": {"limit": "100"}})
    new = attrs.evolve(old, name="B", credit=attrs.evolve(old.credit, limit=Decimal("200")))
    assert changes_between(old, new) == (
        FieldChange("name", "A", "B"),
        FieldChange("credit.limit", "100", "200"),
    )


def test_changes_of_a_new_customer_skip_blank_fields() -> None:
    new = custrecord.structure({"name": "A"})
    paths = {c.path for c in changes_between(None, new)}
    assert "name" in paths
    assert "tax_id" not in paths
    assert "contacts" not in paths


@given(customers())
def test_a_new_customers_changes_are_its_full_diff_against_a_blank_record(new: custrecord.Customer) -> None:
    """The creation shortcut (fields not at their default) equals comparing full canonical forms."""
    blank = attrs.evolve(BLANK, version=new.version, created_at=new.created_at, updated_at=new.updated_at)
    assert changes_between(None, new) == changes_between(blank, new)
    assert apply_changes(BLANK, changes_between(None, new)) == attrs.evolve(
        new, version=0, created_at=None, updated_at=None
    )


@given(customers(), customers())
def test_replaying_a_diff_reproduces_the_new_version(
    old: custrecord.Customer, new: custrecord.Customer
) -> None:
    new = attrs.evolve(new, version=old.version, created_at=old.created_at, updated_at=old.updated_at)
    assert apply_changes(old, changes_between(old, new)) == new


def test_apply_changes_accepts_dicts() -> None:
    c = custrecord.structure({"name": "A"})
    assert apply_changes(c, [{"path": "credit.days", "old": None, "new": 30}]).credit == CreditProfile(
        days=30
    )


def test_lifecycle_allows_and_refuses() -> None:
    assert next_status("C1", Status.PENDING, Transition.APPROVE) is Status.ACTIVE
    assert next_status("C1", Status.ACTIVE, Transition.FREEZE) is Status.FROZEN
    assert next_status("C1", Status.FROZEN, Transition.DELETE) is Status.DELETED
    with pytest.raises(InvalidTransition, match="customer C1 is active; cannot approve it"):
        next_status("C1", Status.ACTIVE, Transition.APPROVE)
    with pytest.raises(InvalidTransition):
        next_status("C1", Status.DELETED, Transition.DELETE)


def test_bus_delivers_by_type_and_survives_a_failing_subscriber() -> None:
    bus = EventBus()
    seen: list[Event] = []

    def broken(event: Event) -> None:
        raise RuntimeError("boom")

    bus.subscribe(broken)
    unsubscribe = bus.subscribe(seen.append, StatusChanged)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    bus.publish(CustomerChanged(code="C1", at=at, actor="a", version=2, changes=()))
    status = StatusChanged(code="C1", at=at, actor="a", old="active", new="frozen")
    bus.publish(status)
    assert seen == [status]
    assert status.payload() == {"old": "active", "new": "frozen", "reason": None}
    unsubscribe()
    bus.publish(status)
    assert seen == [status]

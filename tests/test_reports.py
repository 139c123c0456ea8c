from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import custrecord
from custrecord import reports


@pytest.fixture
def customers() -> list[custrecord.Customer]:
    rows = [
        {
            "name": "甲",
            "category": "0101",
            "tags": "VIP,重点",
            "credit": {"grade": "A", "limit": "1000"},
            "contacts": [{"name": "王", "mobile": "13812345678"}],
        },
        {"name": "乙", "category": "0101", "status": "冻结", "credit": {"grade": "B", "limit": "500.50"}},
        {
            "name": "丙",
            "tax_id": "91110000600037341L",
            "credit": {"limit": "20", "currency": "USD", "valid_until": "2020-01-01"},
        },
    ]
    return [custrecord.structure(r) for r in rows]


def test_counts_by_category_and_tag(customers: list[custrecord.Customer]) -> None:
    assert reports.counts_by(customers, "category") == [
        {"category": "", "count": 1},
        {"category": "0101", "count": 2},
    ]
    assert {r["tag"]: r["count"] for r in reports.counts_by(customers, "tag")} == {"": 2, "VIP": 1, "重点": 1}


def test_counts_by_owner_and_department() -> None:
    rows = [{"name": "甲", "owner": "王磊", "department": "华东"}, {"name": "乙", "owner": "王磊"},
            {"name": "丙"}]
    customers = [custrecord.structure(r) for r in rows]
    assert reports.counts_by(customers, "owner") == [{"owner": "", "count": 1}, {"owner": "王磊", "count": 2}]
    assert reports.counts_by(customers, "department") == [
        {"department": "", "count": 2}, {"department": "华东", "count": 1}]


def test_unknown_dimension_is_a_clear_error(customers: list[custrecord.Customer]) -> None:
    with pytest.raises(ValueError, match="unknown dimension 'colour'"):
        reports.counts_by(customers, "colour")


def test_credit_totals_keep_currencies_apart(customers: list[custrecord.Customer]) -> None:
    rows = reports.credit_totals_by(customers, "status")
    assert {(r["status"], r["currency"]): r["credit_limit"] for r in rows} == {
        ("active", "CNY"): Decimal("1000"),
        ("active", "USD"): Decimal("20"),
        ("frozen", "CNY"): Decimal("500.50"),
    }


def test_completeness_rows_have_the_same_keys(customers: list[custrecord.Customer]) -> None:
    rows = reports.completeness(customers)
    assert all(set(r) == {"field", "filled", "total", "share"} for r in rows)
    by_field = {r["field"]: r for r in rows}
    assert by_field["tax_id"]["filled"] == 1
    assert by_field["phone"]["share"] == round(1 / 3, 4)


def test_summary_counts_expired_credit(customers: list[custrecord.Customer]) -> None:
    s = reports.summary(customers, today=date(2026, 1, 1))
    assert s["customers"] == 3
    assert s["expired_credit"] == 1
    assert s["by_status"] == {"active": 2, "frozen": 1}


def test_empty_input() -> None:
    assert reports.completeness([])[0]["share"] == 0.0
    assert reports.summary([])["customers"] == 0


def test_groups_and_counts_by_parent() -> None:
    from custrecord import Customer

    members = [
        Customer(name="总部", code="G"),
        Customer(name="一", code="S1", parent="G"),
        Customer(name="二", code="S2", parent="G"),
        Customer(name="二下", code="S21", parent="S2"),
        Customer(name="散户", code="X"),
        Customer(name="小集团", code="H"),
        Customer(name="小集团下", code="H1", parent="H"),
    ]
    assert reports.groups(members) == [
        {"group": "G", "children": 2, "members": 4, "levels": 3},
        {"group": "H", "children": 1, "members": 2, "levels": 2},
    ]
    by_parent = {r["parent"]: r["count"] for r in reports.counts_by(members, "parent")}
    assert by_parent == {"": 3, "G": 2, "S2": 1, "H": 1}
    assert reports.groups(members[4:5]) == []
    # A customer merged into another is no member: its survivor stands for it, as in book.group.
    merged = [*members, Customer(name="一（旧）", code="S9", parent="G", replaced_by="S1")]
    assert reports.groups(merged)[0] == {"group": "G", "children": 2, "members": 4, "levels": 3}

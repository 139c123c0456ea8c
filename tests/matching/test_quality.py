"""Periodic data-quality checks: completeness, stale records, re-validation."""

from __future__ import annotations

from datetime import UTC, date, datetime

from custrecord.matching import check_quality, completeness, revalidate, stale
from custrecord.model import Address, Contact, Customer


def _customers() -> list[Customer]:
    return [
        Customer(name="苏州示例科技有限公司", code="C001", tax_id="91110000600037341L",
                 address=Address(city="苏州"), contacts=(Contact(name="张伟", mobile="+8613812345678"),),
                 updated_at=datetime(2025, 5, 1, tzinfo=UTC)),
        Customer(name="旧数据有限公司", code="C002", tax_id="91110000600037341M",  # bad check digit
                 contacts=(Contact(name="李娜", phone="12345"),),
                 updated_at=datetime(2022, 1, 1, tzinfo=UTC)),
        Customer(name="", code="C003", updated_at=datetime(2024, 12, 1)),  # naive time counts as UTC
        Customer(name="未入库客户"),
    ]


def test_completeness_per_field() -> None:
    result = {c.path: c for c in completeness(_customers())}
    assert result["name"].filled == 3
    assert result["name"].total == 4
    assert result["tax_id"].ratio == 0.5
    assert result["contacts[].mobile"].filled == 1
    assert result["address.city"].filled == 1
    assert "status" not in result
    assert completeness([], ["name"])[0].ratio == 1.0


def test_stale_records_are_found_with_index_and_code() -> None:
    found = stale(_customers(), days=365, today=date(2025, 6, 1))
    assert [(f.code, f.index, f.customer) for f in found] == [("stale", 1, "C002")]
    assert "days" in found[0].message
    assert "天" in found[0].message_zh
    assert [f.index for f in stale(_customers(), days=100, today=date(2025, 6, 1))] == [1, 2]


def test_revalidation_finds_what_older_rules_let_in() -> None:
    found = revalidate(_customers())
    codes = {(f.index, f.customer, f.path, f.code) for f in found}
    assert (1, "C002", "tax_id", "invalid_checksum") in codes
    assert (1, "C002", "contacts[0].phone", "invalid_phone") in codes
    assert (2, "C003", "name", "required") in codes
    assert not any(f.index == 0 for f in found)


def test_check_quality_runs_everything() -> None:
    report = check_quality(_customers(), stale_after_days=365, today=date(2025, 6, 1))
    assert report.total == 4
    counts = report.by_code()
    assert counts["stale"] == 1
    assert counts["invalid_checksum"] == 1
    assert counts["required"] == 1
    data = report.to_dict()
    assert data["counts"] == counts
    assert len(data["findings"]) == len(report.findings)
    assert [f.index for f in report.findings] == sorted(f.index for f in report.findings)

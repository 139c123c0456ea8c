"""Party roles on every adapter: ``find(role=...)`` and the credit check of a supplier (issue 15)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from custrecord.book import CustomerBook
from custrecord.credit import NotACustomerError

BookFactory = Callable[..., CustomerBook]


def test_find_by_role_on_every_adapter(make_any_book: BookFactory) -> None:
    book = make_any_book()
    book.add({"code": "C", "name": "客户甲", "tags": ["supplier"], "remarks": '"roles":["supplier"]'})
    book.add({"code": "S", "name": "供应商乙", "roles": "供应商"})
    book.add({"code": "B", "name": "客商丙", "roles": "客户及供应商"})
    book.add({"code": "D", "name": "客户丁", "roles": "customer"})
    assert [c.code for c in book.find(role="customer")] == ["B", "C", "D"]
    assert [c.code for c in book.find(role="supplier")] == ["B", "S"]
    assert book.count(role="supplier", status="active") == 2
    assert [c.code for c in book.find(role="supplier", name_contains="客商")] == ["B"]


def test_the_credit_check_refuses_a_supplier_only(make_any_book: BookFactory) -> None:
    book = make_any_book()
    book.add({"code": "S", "name": "供应商乙", "roles": "供应商", "credit": {"limit": "1000"}})
    with pytest.raises(NotACustomerError, match="supplier only"):
        book.check_credit("S", Decimal("10"), order_ref="PO-1")
    # Nothing was reserved for it: once it is a customer too, the order is checked afresh.
    current = book.get("S")
    book.update("S", {"roles": "客户及供应商"}, expected_version=current.version)
    assert book.check_credit("S", Decimal("10"), order_ref="PO-1").outcome.value == "pass"

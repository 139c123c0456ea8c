"""Addresses, bank accounts, trading terms and the party role of a customer (issue 15)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

import custrecord
from custrecord import AddressEntry, AddressRole, BankAccount, Customer, PartyRole
from custrecord.book.masking import view_entry, view_problems
from custrecord.convert import load, unstructure, unstructure_set
from custrecord.credit import NotACustomerError
from custrecord.errors import InvalidQuery
from custrecord.io import customer_row, read_rows, write_customers
from custrecord.permissions import Actor, RolePolicy, mask_customer
from custrecord.storage.documents import from_document, to_document
from custrecord.testing.strategies import customers

SALES = Actor("wang", {"sales"})
FINANCE = Actor("li", {"finance"})
POLICY = RolePolicy()


def problems(data: Any) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in custrecord.validate(data).problems]


# -- the model and its canonical form ----------------------------------------


def test_defaults_keep_old_records_and_documents_as_they_were() -> None:
    c = Customer(name="示例")
    assert (c.addresses, c.bank_accounts, c.currency, c.price_level) == ((), (), None, None)
    assert c.roles == {PartyRole.CUSTOMER}
    assert c.is_customer
    # A document written before these fields existed reads unchanged, and one written now holds none of them.
    old = '{"name":"示例","address":{"city":"苏州"},"bank_account":"6222021234567891234"}'
    assert from_document(old) == Customer(name="示例", address=custrecord.Address(city="苏州"),
                                          bank_account="6222021234567891234")
    assert json.loads(to_document(from_document(old))) == json.loads(old)


def test_addresses_keep_one_order_whatever_order_they_come_in() -> None:
    other = AddressEntry(street="仓库")
    shipping = AddressEntry(role=AddressRole.SHIPPING, street="人民路2号")
    default_shipping = AddressEntry(role=AddressRole.SHIPPING, default=True, street="星湖街1号")
    billing = AddressEntry(role=AddressRole.BILLING, default=True, street="开票路")
    c = Customer(name="x", addresses=[other, shipping, default_shipping, billing])
    assert c.addresses == (billing, default_shipping, shipping, other)
    assert c.default_address("shipping") == default_shipping
    assert c.default_address(AddressRole.REGISTERED) is None


@given(customers())
@settings(max_examples=60)
def test_the_canonical_form_round_trips_with_lists(customer: Customer) -> None:
    data = unstructure(customer)
    assert json.loads(json.dumps(data)) == data
    assert load(data) == customer
    assert load(unstructure_set(customer)) == customer
    assert custrecord.structure(data) == customer


@given(customers())
@settings(max_examples=60)
def test_the_flat_row_round_trips_with_lists(customer: Customer) -> None:
    customer = attrs.evolve(customer, extra={})
    for headers in ("en", "zh"):
        row = {k: v for k, v in customer_row(customer, headers=headers).items() if v is not None}
        assert custrecord.structure(row) == customer


# -- validation -----------------------------------------------------------------


def test_each_address_is_checked_at_its_own_path() -> None:
    data = {"name": "x", "addresses": [
        {"role": "other", "street": "a", "postcode": "2150"},
        {"role": "shipping", "default": "是", "postcode": " 215000 "},
        {"role": "billing", "street": "b" * 201},
    ]}
    assert problems(data) == [("addresses[0].street", "too_long"),
                              ("addresses[2].postcode", "invalid_postcode")]
    assert problems({"name": "x", "addresses": [{"role": "home", "street": "a"}]}) == [
        ("addresses[0].role", "invalid_choice")]
    given = [{"role": "收货", "default": "是", "postcode": "215000"}]
    c = custrecord.structure({"name": "x", "addresses": given})
    assert c.addresses == (AddressEntry(role=AddressRole.SHIPPING, default=True, postcode="215000"),)


def test_one_default_address_per_role() -> None:
    two = [{"role": "shipping", "default": True, "street": "a"},
           {"role": "shipping", "default": True, "street": "b"}]
    assert problems({"name": "x", "addresses": two}) == [("addresses[1].default", "duplicate_default")]
    # The registered default is ``address``: a second one in the list is refused ...
    registered = {"role": "registered", "default": True, "street": "注册地"}
    assert problems({"name": "x", "address": {"street": "a"}, "addresses": [registered]}) == [
        ("addresses[0].default", "duplicate_default")]
    # ... and without ``address``, it becomes ``address``.
    c = custrecord.structure({"name": "x", "addresses": [{"role": "shipping", "street": "s"}, registered]})
    assert c.address == custrecord.Address(street="注册地")
    assert c.addresses == (AddressEntry(role=AddressRole.SHIPPING, street="s"),)
    # Defaults of different roles, and non-default addresses of one role, are fine.
    ok = [{"role": "shipping", "street": "a"}, {"role": "shipping", "street": "b"},
          {"role": "billing", "default": True, "street": "c"},
          {"role": "shipping", "default": True, "street": "d"}]
    assert problems({"name": "x", "addresses": ok}) == []


def test_bank_accounts_are_checked_and_compacted_like_the_main_account() -> None:
    c = custrecord.structure({"name": "x", "bank_accounts": [
        {"bank_name": "中国银行", "branch": "园区支行", "account": "6222 0212 3456 7890", "currency": "美元"},
        {"bank_name": "Deutsche Bank", "account": "de89 3704 0044 0532 0130 00", "holder": "ACME GmbH"},
    ]})
    assert c.bank_accounts == (
        BankAccount(bank_name="中国银行", branch="园区支行", account="6222021234567890", currency="USD"),
        BankAccount(bank_name="Deutsche Bank", account="DE89370400440532013000", holder="ACME GmbH"),
    )
    assert problems({"name": "x", "bank_accounts": [{"account": "12"}, {"account": "DE00370400440532013000"},
                                                     {"account": "62220212345678", "currency": "XXY"}]}) == [
        ("bank_accounts[2].currency", "invalid_choice"),
        ("bank_accounts[0].account", "invalid_format"),
        ("bank_accounts[1].account", "invalid_checksum"),
    ]


def test_one_default_bank_account_per_currency() -> None:
    accounts = [{"account": "62220212345678", "currency": "USD", "default": True},
                {"account": "62220212345679", "currency": "CNY", "default": True},
                {"account": "62220212345670", "currency": "USD", "default": True}]
    assert problems({"name": "x", "bank_accounts": accounts}) == [
        ("bank_accounts[2].default", "duplicate_default")]


def test_trading_currency_price_level_and_roles() -> None:
    c = custrecord.structure({"name": "x", "交易币种": "美元", "价格级别": "批发价",
                              "往来类型": "客户及供应商", "币种": "人民币"})
    assert (c.currency, c.credit.currency, c.price_level) == ("USD", "CNY", "批发价")
    assert c.roles == {PartyRole.CUSTOMER, PartyRole.SUPPLIER}
    assert custrecord.structure({"name": "x", "roles": "供应商"}).roles == {PartyRole.SUPPLIER}
    assert custrecord.structure({"name": "x", "roles": ["customer"]}).roles == {PartyRole.CUSTOMER}
    # A blank cell: the default.
    assert custrecord.structure({"name": "x", "roles": ""}).roles == {PartyRole.CUSTOMER}
    assert problems({"name": "x", "currency": "RMBX", "roles": "partner"}) == [
        ("roles", "invalid_choice"), ("currency", "invalid_choice")]


def test_lists_given_wrong_are_reported_not_raised() -> None:
    assert problems({"name": "x", "addresses": "苏州"}) == [("addresses", "invalid_format")]
    assert problems({"name": "x", "bank_accounts": 5}) == [("bank_accounts", "invalid_format")]
    assert problems({"name": "x", "other_addresses": "not json"}) == [("addresses", "invalid_format")]
    assert problems({"name": "x", "其他银行账户": "[1, 2]"}) == [("bank_accounts", "invalid_format")]


# -- the flat form ----------------------------------------------------------------


def test_a_u8_style_row_with_shipping_and_billing_columns() -> None:
    """Yonyou U8 writes the ship-to and invoice addresses as columns of the customer row."""
    row = {
        "客户编码": "01001", "客户名称": "苏州华信科技有限公司", "客户简称": "华信",
        "地址": "苏州工业园区星湖街328号", "邮编": "215000",
        "收货地址": "苏州工业园区金鸡湖大道99号3号仓", "收货城市": "苏州市", "收货邮编": "215021",
        "开票地址": "苏州市姑苏区人民路100号",
        "开户银行": "中国工商银行苏州分行", "银行账号": "1102 0201 0900 0012 345",
        "交易币种": "人民币", "价格级别": "一级批发价", "往来类型": "客户",
    }
    report = custrecord.validate(row)
    assert report.ok, report.problems
    c = report.customer
    assert c is not None
    assert c.address == custrecord.Address(street="苏州工业园区星湖街328号", postcode="215000")
    assert c.addresses == (
        AddressEntry(role=AddressRole.BILLING, default=True, street="苏州市姑苏区人民路100号"),
        AddressEntry(role=AddressRole.SHIPPING, default=True, city="苏州市",
                     street="苏州工业园区金鸡湖大道99号3号仓", postcode="215021"),
    )
    assert (c.bank_account, c.currency, c.price_level, c.roles) == (
        "1102020109000012345", "CNY", "一级批发价", {PartyRole.CUSTOMER})
    # And back: the same columns, under the same Chinese headers.
    flat = custrecord.flatten(c, headers="zh")
    assert (flat["收货地址"], flat["收货邮编"], flat["开票地址"], flat["往来类型"]) == (
        "苏州工业园区金鸡湖大道99号3号仓", "215021", "苏州市姑苏区人民路100号", "customer")
    assert custrecord.structure(flat) == c


def test_a_bad_cell_of_a_column_group_points_at_its_address() -> None:
    row = {"name": "x", "shipping_postcode": "21500", "other_addresses": '[{"street": "仓库"}]'}
    assert problems(row) == [("addresses[0].postcode", "invalid_postcode")]


def _several() -> Customer:
    return custrecord.structure({
        "code": "C1", "name": "苏州华信科技有限公司",
        "address": {"province": "江苏省", "street": "星湖街328号"},
        "addresses": [
            {"role": "shipping", "default": True, "city": "苏州市", "street": "金鸡湖大道99号"},
            {"role": "shipping", "street": "长江路5号", "postcode": "215000"},
            {"role": "billing", "default": True, "street": "人民路100号"},
            {"role": "registered", "street": "旧注册地址"},
            {"role": "other", "default": True, "street": "样品间"},
        ],
        "bank_name": "中国工商银行", "bank_account": "6222021234567891234",
        "bank_accounts": [
            {"bank_name": "中国银行", "branch": "园区支行", "account": "6217000010001234",
             "holder": "华信科技", "currency": "USD", "default": True},
            {"bank_name": "Deutsche Bank", "account": "DE89370400440532013000", "currency": "EUR"},
        ],
        "currency": "USD", "price_level": "VIP", "roles": ["customer", "supplier"],
    })


def test_export_row_carries_the_rest_in_json_columns() -> None:
    row = customer_row(_several(), headers="zh")
    assert row["收货地址"] == "金鸡湖大道99号"
    assert row["开票地址"] == "人民路100号"
    others = json.loads(str(row["其他地址"]))
    assert others == [
        {"role": "registered", "street": "旧注册地址"},
        {"role": "shipping", "street": "长江路5号", "postcode": "215000"},
        {"role": "other", "default": True, "street": "样品间"},
    ]
    accounts = json.loads(str(row["其他银行账户"]))
    assert [a["account"] for a in accounts] == ["6217000010001234", "DE89370400440532013000"]
    assert accounts[0]["default"] is True
    assert "default" not in accounts[1]
    assert custrecord.structure(row) == _several()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("headers", ["en", "zh"])
def test_files_round_trip_several_addresses_and_accounts(tmp_path: Path, suffix: str, headers: str) -> None:
    path = tmp_path / f"out{suffix}"
    write_customers(path, [_several()], headers=headers)
    ((_, cells),) = list(read_rows(path))
    assert custrecord.structure(cells) == _several()


# -- the book: updates, masking, erasure, queries, credit ----------------------------


def test_update_through_the_flat_columns() -> None:
    book = custrecord.open()
    c = book.add(_several())
    code = c.code or ""
    c = book.update(code, {"收货地址": "新仓库1号"}, expected_version=c.version)
    assert c.default_address("shipping") == AddressEntry(
        role=AddressRole.SHIPPING, default=True, city="苏州市", street="新仓库1号")
    assert len(c.addresses) == 5
    only = '[{"role": "other", "street": "只剩这个"}]'
    c = book.update(code, {"other_addresses": only}, expected_version=c.version)
    assert [a.street for a in c.addresses] == ["人民路100号", "新仓库1号", "只剩这个"]
    c = book.update(code, {"其他银行账户": ""}, expected_version=c.version)  # a blank cell changes nothing
    assert len(c.bank_accounts) == 2
    c = book.update(code, {"bank_accounts": []}, expected_version=c.version)
    assert c.bank_accounts == ()
    changed = {change.path for entry in book.history(code) for change in entry.changes}
    assert {"addresses", "bank_accounts"} <= changed


def test_every_bank_account_is_masked_like_the_main_one() -> None:
    c = _several()
    seen = mask_customer(c, SALES, POLICY)
    assert seen.bank_account == "6222***********1234"
    assert [a.account for a in seen.bank_accounts] == ["6217********1234", "DE89**************3000"]
    assert mask_customer(c, FINANCE, POLICY) == c
    book = custrecord.open()
    code = book.add(c).code or ""
    (added,) = book.history(code)
    masked = {ch.path: ch.new for ch in view_entry(added, SALES, POLICY).changes}
    assert [a["account"] for a in masked["bank_accounts"]] == ["6217********1234", "DE89**************3000"]
    report = custrecord.validate({"name": "x", "bank_accounts": [{"account": "6222-0212-3456-789X"}]})
    (problem,) = view_problems(report.problems, SALES, POLICY)
    assert problem.path == "bank_accounts[0].account"
    assert "3456" not in str(problem.value)


def test_erasure_scrubs_addresses_and_bank_accounts() -> None:
    book = custrecord.open()
    code = book.add(_several()).code or ""
    erased = book.erase(code, reason="本人要求删除")
    assert (erased.addresses, erased.bank_accounts) == ((), ())
    assert "金鸡湖大道" not in repr(book.history(code))
    assert "6217000010001234" not in repr(book.history(code))


def test_find_by_role() -> None:
    book = custrecord.open()
    book.add({"code": "C", "name": "客户甲"})
    book.add({"code": "S", "name": "供应商乙", "roles": "供应商"})
    book.add({"code": "B", "name": "客商丙", "roles": "客户及供应商"})
    assert [c.code for c in book.find(role="customer")] == ["B", "C"]
    assert [c.code for c in book.find(role="supplier")] == ["B", "S"]
    with pytest.raises(InvalidQuery):
        book.find(role="partner")


def test_the_credit_check_refuses_a_supplier_only() -> None:
    book = custrecord.open()
    book.add({"code": "S", "name": "供应商乙", "roles": "供应商", "credit": {"limit": "1000"}})
    book.add({"code": "B", "name": "客商丙", "roles": "客户及供应商", "credit": {"limit": "1000"}})
    with pytest.raises(NotACustomerError, match="supplier only, not a customer"):
        book.check_credit("S", Decimal("10"))
    assert book.check_credit("B", Decimal("10")).outcome.value == "pass"

"""Fixes written into the engine's own customer: the same outcome as copying, and nothing shared touched."""

from __future__ import annotations

import copy
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import custrecord
import custrecord.copying as copying
import custrecord.parse as parse_module
from custrecord.copying import copy_with, fill_own
from custrecord.flat import flatten
from custrecord.model import Address, AddressEntry, BankAccount, Contact, CreditProfile, Customer
from custrecord.testing.strategies import addresses, contacts, customers, raw_records
from custrecord.validation.context import Context


def _noop(customer: Customer, ctx: Context) -> None:
    """A user rule: with one in the profile, the engine copies the customer for every fix."""


COPYING = custrecord.Profile(name="copying").with_rules(_noop)


def _spelled(row: dict[str, str], mobile_style: int, wide_tax_id: bool, upper_domain: bool) -> dict[str, str]:
    """A flat row as people type it: phones with spaces or a +86, a full-width USCC, an upper-case domain."""
    row = dict(row)
    for key in ("contact_mobile", "contact_phone", "手机", "电话"):
        number = row.get(key)
        if number and number.startswith("+86"):
            national = number[3:]
            row[key] = (national, f"{national[:3]} {national[3:7]} {national[7:]}", number)[mobile_style]
    for key in ("tax_id", "税号"):
        if row.get(key) and wide_tax_id:
            row[key] = row[key].translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    for key in ("contact_email", "电子邮箱"):
        if row.get(key) and upper_domain:
            local, _, domain = row[key].rpartition("@")
            row[key] = f"{local}@{domain.upper()}"
    return row


def _same(data: Any) -> None:
    own = custrecord.validate(data)
    copied = custrecord.validate(data, profile=COPYING)
    assert own.problems == copied.problems
    assert own.customer == copied.customer
    assert hash(own.customer) == hash(copied.customer)


@given(
    customers(),
    st.sampled_from(["en", "zh"]),
    st.integers(0, 2),
    st.booleans(),
    st.booleans(),
)
def test_fixed_in_place_equals_fixed_in_a_copy(
    customer: Customer, headers: str, mobile_style: int, wide_tax_id: bool, upper_domain: bool
) -> None:
    # Flat rows as an Excel sheet (English or Chinese headers, as U8 and Kingdee export) gives them,
    # spelled so that the phone, tax-ID and e-mail rules each fix something.
    row = _spelled(flatten(customer, headers=headers), mobile_style, wide_tax_id, upper_domain)
    _same(row)


@given(raw_records())
def test_junk_fixed_in_place_equals_fixed_in_a_copy(data: Any) -> None:
    _same(data)


def test_a_fix_in_place_is_a_fix() -> None:
    row = {
        "name": "苏州华信科技有限公司",
        "tax_id": "９１３２０５０００００００００００Ｘ",
        "contact_name": "王伟",
        "contact_mobile": "138 1234 5678",
        "postcode": "215000",
        "bank_account": "6222 0212 3456 7890",
    }
    report = custrecord.validate(row)
    assert report.customer is not None
    assert report.customer.contacts[0].mobile == "+8613812345678"
    assert report.customer.bank_account == "6222021234567890"
    assert report.customer == custrecord.validate(row, profile=COPYING).customer


@given(customers())
def test_a_customer_given_is_never_changed(customer: Customer) -> None:
    # Spelled as people type them, so that validation fixes the customer it builds from this one.
    contacts_typed = tuple(
        attrs.evolve(c, mobile=c.mobile[3:]) if c.mobile else c for c in customer.contacts
    )
    given_customer = attrs.evolve(customer, contacts=contacts_typed)
    before = copy.deepcopy(given_customer)
    report = custrecord.validate(given_customer)
    assert given_customer == before
    assert all(a is not b for a, b in zip(given_customer.contacts, report.customer.contacts, strict=True))


def test_shared_defaults_stay_blank() -> None:
    rows = [
        {"name": "甲", "contact_mobile": "13812345678", "tax_id": "91320500000000000x"},
        {"name": "乙", "address": {"postcode": "215000"}, "bank_account": "6222-0212-3456-7890"},
        {"name": "丙", "contacts": [{"name": "李雷", "email": "li@EXAMPLE.CN"}]},
    ]
    for row in rows:
        custrecord.validate(row)
    # The model's defaults and the parser's empty parts are single shared instances.
    blank = Customer(name="")
    for shared, fresh in ((blank.address, Address()), (blank.credit, CreditProfile()),
                          (parse_module._NO_ADDRESS, Address()), (parse_module._NO_CREDIT, CreditProfile())):
        assert attrs.asdict(shared) == attrs.asdict(fresh)


@given(addresses(), contacts(), st.text(max_size=5))
def test_fill_own_equals_copy_with(address: Address, contact: Contact, text: str) -> None:
    expected = copy_with(address, {"city": text})
    assert fill_own(copy.copy(address), {"city": text}) == expected
    assert fill_own(copy.copy(contact), {"name": text}) == copy_with(contact, {"name": text})


def test_fill_own_writes_into_the_instance_and_converts() -> None:
    customer = Customer(name="甲")
    same = fill_own(customer, {"tags": ["重点", "VIP"], "contacts": [Contact(name="李雷")]})
    assert same is customer
    assert customer.tags == frozenset({"重点", "VIP"})
    assert customer.contacts == (Contact(name="李雷"),)
    entry = AddressEntry(city="苏州")
    assert fill_own(entry, {"postcode": "215000"}).postcode == "215000"
    assert fill_own(BankAccount(account="1"), {"account": "2"}).account == "2"


def test_fill_own_refuses_unknown_names_and_changes_nothing() -> None:
    customer = Customer(name="甲")
    with pytest.raises(TypeError, match="no attribute 'nmae'"):
        fill_own(customer, {"code": "C1", "nmae": "乙"})
    assert customer.code is None


def test_a_user_rule_may_keep_the_customer_it_is_given() -> None:
    kept: list[Customer] = []

    def keep(customer: Customer, ctx: Context) -> None:
        kept.append(customer)

    profile = custrecord.Profile(rules=(keep, *custrecord.Profile().rules))
    report = custrecord.validate({"name": "甲", "contact_mobile": "138 1234 5678"}, profile=profile)
    assert report.customer is not None
    assert report.customer.contacts[0].mobile == "+8613812345678"
    assert kept[0].contacts[0].mobile == "138 1234 5678"  # fixed in a copy, not in what the rule kept


def test_a_part_not_fillable_in_place_is_replaced_by_its_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A class fill_own will not write into (a validator, say) gets a copy, which the customer then holds.
    monkeypatch.setitem(copying._LAYOUTS, Contact, None)
    monkeypatch.setitem(copying._LAYOUTS, Address, None)
    row = {"name": "甲", "contact_name": "李雷", "contact_mobile": "+86 138 1234 5678", "postcode": "k1a0b1",
           "country": "CA", "contacts": [{"name": "韩梅梅", "mobile": "+86 139 1234 5678"}]}
    report = custrecord.validate(row)
    assert report.customer is not None
    assert [c.mobile for c in report.customer.contacts] == ["+8613812345678", "+8613912345678"]
    assert report.customer.address.postcode == "K1A0B1"
    assert report.customer == custrecord.validate(row, profile=COPYING).customer

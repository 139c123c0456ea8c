"""Parent company and credit by company (账套) in the record: parsed, checked, converted, flattened."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given

import custrecord
from custrecord import Customer
from custrecord.convert import load
from custrecord.flat import flatten
from custrecord.model import CompanyTerms, CreditProfile
from custrecord.testing.strategies import customers


def test_companies_and_parent_from_chinese_headers() -> None:
    row = {"客户名称": "苏州分公司", "上级客户": "g 01", "集团信用额度": "100万",
           "账套信用": '{"002": {"信用额度": "5万", "信用期限": "30天", "结算方式": "电汇"}}'}
    customer = custrecord.structure(row)
    assert customer.parent == "G01"
    assert customer.credit.group_limit == Decimal("1000000")
    terms = customer.companies["002"]
    assert (terms.limit, terms.days, terms.settlement_method) == (Decimal("50000"), 30, "电汇")
    assert terms.credit == CreditProfile(limit=Decimal("50000"), days=30)


def test_company_terms_are_checked_like_credit_with_bilingual_labels() -> None:
    report = custrecord.validate({"name": "x", "companies": {"002": {"limit": "-1", "currency": "XYZ",
                                                                    "valid_from": "2025-02-01",
                                                                    "valid_until": "2025-01-01"}}})
    found = {p.path: p for p in report.problems}
    assert set(found) == {"companies.002.limit", "companies.002.currency", "companies.002.valid_until"}
    assert found["companies.002.limit"].code == "out_of_range"
    assert found["companies.002.limit"].message.startswith("credit limit (company 002)")
    assert found["companies.002.limit"].message_zh.startswith("账套002信用额度")


def test_bad_companies_cells_are_problems_not_crashes() -> None:
    for cell in ("not json", "[1, 2]", '{"002": 5}'):
        report = custrecord.validate({"name": "x", "companies": cell})
        assert [(p.path, p.code) for p in report.problems] == [("companies", "invalid_format")]
    report = custrecord.validate({"name": "x", "companies": {"账 套!": {"limit": 1}}})
    assert [(p.path, p.code) for p in report.problems] == [("companies", "invalid_format")]
    assert custrecord.validate({"name": "x", "companies": "  "}).ok


def test_a_customer_cannot_be_its_own_parent() -> None:
    report = custrecord.validate({"name": "x", "code": "A1", "parent": "a1"})
    assert [(p.path, p.code) for p in report.problems] == [("parent", "parent_cycle")]
    assert custrecord.validate({"name": "x", "parent": "no spaces?"}).problems[0].code == "invalid_format"


def test_negative_group_limit_is_out_of_range() -> None:
    report = custrecord.validate({"name": "x", "credit_group_limit": "-5"})
    assert [(p.path, p.code) for p in report.problems] == [("credit.group_limit", "out_of_range")]


def test_flat_companies_cell_is_json_that_imports_back() -> None:
    terms = CompanyTerms(limit=Decimal("5.50"), days=3)
    customer = Customer(name="甲", parent="G1", companies={"002": terms})
    row = flatten(customer)
    assert row["parent"] == "G1"
    assert json.loads(row["companies"]) == {"002": {"limit": "5.50", "currency": "CNY", "days": 3}}
    assert custrecord.structure(row) == customer
    assert flatten(Customer(name="乙"))["companies"] == ""


def test_stored_documents_without_the_new_fields_read_unchanged() -> None:
    old = {"name": "甲", "credit": {"limit": "5"}}
    customer = load(old)
    assert customer.parent is None
    assert not customer.companies
    assert customer.credit.group_limit is None


@given(customers())
def test_companies_round_trip_through_the_canonical_and_flat_forms(customer: Customer) -> None:
    data = custrecord.unstructure(customer)
    assert json.loads(json.dumps(data)) == data
    assert custrecord.structure(data) == customer
    cell = flatten(customer)["companies"]
    assert custrecord.structure({"name": "x", "companies": cell}).companies == customer.companies


def test_the_printed_card_shows_parent_group_limit_and_companies() -> None:
    from custrecord.io.card import customer_card_html

    customer = custrecord.structure({"name": "甲<公司>", "parent": "G1", "credit": {"group_limit": "5"},
                                     "companies": {"002": {"limit": "7", "settlement_method": "电汇<>"}}})
    page = customer_card_html(customer)
    for text in ("上级客户", "G1", "集团信用额度", "各账套信用", "<td>002</td>", "7 CNY", "电汇&lt;&gt;"):
        assert text in page
    assert "Credit by company" in customer_card_html(customer, lang="en")
    assert "各账套信用" not in customer_card_html(Customer(name="乙"))

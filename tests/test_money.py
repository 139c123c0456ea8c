"""One money parser for import cells, credit amounts and settings; ratios are numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import custrecord
from custrecord.credit import CreditError, Thresholds, to_money
from custrecord.money import MoneyError, format_amount, parse_amount, parse_ratio
from custrecord.settings_file import SettingsError, settings_from_mapping

AMOUNTS = [
    ("50万", Decimal(500_000)),
    ("50万元", Decimal(500_000)),
    ("1.5亿", Decimal(150_000_000)),
    ("1.5亿元", Decimal(150_000_000)),
    ("¥1,000.00", Decimal(1000)),
    ("￥1，000", Decimal(1000)),
    ("RMB 5000", Decimal(5000)),
    ("rmb5000", Decimal(5000)),
    ("100,000元", Decimal(100_000)),
    ("5000.00 CNY", Decimal(5000)),
    ("人民币 3千", Decimal(3000)),
    ("２０万", Decimal(200_000)),
    ("1E+5", Decimal(100_000)),
    ("-¥20", Decimal(-20)),
]


@pytest.mark.parametrize(("text", "amount"), AMOUNTS)
def test_amounts_as_people_write_them(text: str, amount: Decimal) -> None:
    assert parse_amount(text) == amount


@pytest.mark.parametrize("text", ["abc", "5000 USD", "5万万", "-¥-5", "NaN", "Infinity", "1" * 70, "50%"])
def test_text_that_is_no_amount(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(text)


def test_blank_is_no_amount() -> None:
    assert parse_amount("  ") is None


@pytest.mark.parametrize(("text", "amount"), [a for a in AMOUNTS if a[1] >= 0])
def test_import_cells_and_credit_read_money_alike(text: str, amount: Decimal) -> None:
    report = custrecord.validate({"name": "甲", "credit_limit": text})
    assert report.ok, report.problems
    assert report.customer is not None
    assert report.customer.credit.limit == amount
    assert to_money(text) == amount


def test_a_bad_amount_names_what_was_expected() -> None:
    (problem,) = custrecord.validate({"name": "甲", "信用额度": "五十万"}).problems
    assert (problem.path, problem.code) == ("credit.limit", "invalid_format")
    assert "50万" in problem.message
    with pytest.raises(CreditError, match="50万"):
        to_money("五十万")


@given(st.decimals(min_value=0, max_value=Decimal("1e15"), places=2, allow_nan=False))
def test_a_formatted_amount_reads_back(amount: Decimal) -> None:
    assert parse_amount(format_amount(amount)) == amount
    assert parse_amount(str(amount)) == amount


def test_amounts_show_two_decimals() -> None:
    assert format_amount(Decimal("900000")) == "900,000.00"
    assert format_amount(Decimal("0.5")) == "0.50"


def test_ratios_are_numbers_not_money() -> None:
    assert parse_ratio(0.9) == Decimal("0.9")
    assert parse_ratio("90%") == Decimal("0.9")
    assert parse_ratio(1) == Decimal(1)
    assert Thresholds(warn_above=0.8, block_above=1.0).warn_above == Decimal("0.8")
    for bad in ("9成", "¥0.9", True, float("nan")):
        with pytest.raises(MoneyError):
            parse_ratio(bad)


def test_settings_take_ratios_as_toml_numbers_and_limits_as_amounts() -> None:
    settings = settings_from_mapping(
        {"credit": {"warn_above": 0.9, "block_above": 1,
                    "grades": {"A": {"limit": "50万元"}, "B": {"limit": 1e5}}}}
    )
    assert settings.credit_policy is not None
    assert settings.credit_policy.thresholds.warn_above == Decimal("0.9")
    assert settings.credit_policy.grades["A"].limit == Decimal(500_000)
    assert settings.credit_policy.grades["B"].limit == Decimal(100_000)
    with pytest.raises(SettingsError, match="credit"):
        settings_from_mapping({"credit": {"warn_above": "九成"}})
    with pytest.raises(SettingsError, match=r"credit\.grades\.A"):
        settings_from_mapping({"credit": {"grades": {"A": {"limit": "很多"}}}})

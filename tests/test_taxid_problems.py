"""The tax-ID rule's problems word for word: path, code, severity, value and both messages.

Written against the messages docs/reference/problems.md documents, so that a changed value,
hint, slice or path in validation/taxid.py fails here (its mutation run left them unread).
"""

from __future__ import annotations

from typing import Any

import pytest
import stdnum.exceptions

import custrecord
from custrecord import Profile
from custrecord.validation import taxid
from custrecord.validation.taxid import DEFAULT_REGISTRY, TaxIdScheme, province_code

LEGACY = Profile(allow_legacy_tax_ids=True)


@pytest.fixture(autouse=True)
def _fresh_builtin_schemes() -> None:
    """Build the built-in schemes inside each test: mutation testing switches a mutant on there."""
    taxid._builtin_schemes.cache_clear()


def problems(data: dict[str, Any], profile: Profile | None = None) -> list[dict[str, Any]]:
    report = custrecord.validate({"name": "x", **data}, profile=profile)
    return [p.to_dict() for p in report.problems if p.path == "tax_id"]


def one(code: str, message: str, message_zh: str, value: str,
        severity: str = "error") -> list[dict[str, Any]]:
    """The list of one problem at ``tax_id``, as ``Problem.to_dict`` writes it."""
    return [{"path": "tax_id", "code": code, "severity": severity, "message": message,
             "message_zh": message_zh, "value": value}]


def _invalid_format(message: str, message_zh: str, value: str) -> list[dict[str, Any]]:
    return one("invalid_format", message, message_zh, value)


def test_a_legacy_number_is_stored_compact_with_a_warning() -> None:
    report = custrecord.validate({"name": "x", "tax_id": "110108 600037341"}, profile=LEGACY)
    assert report.customer is not None
    assert report.customer.tax_id == "110108600037341"
    assert [p.to_dict() for p in report.problems] == one(
        "legacy_tax_id", "tax ID is a legacy (pre-2015) tax number "
        "(replace it with the unified social credit code)",
        "税号是旧版（2015年前）税号（请更换为统一社会信用代码）", "110108600037341", "warning")


def test_a_bad_legacy_number_names_the_number_as_written() -> None:
    assert problems({"tax_id": "110108 600037342"}, LEGACY) == one(
        "invalid_checksum", "tax ID has a wrong check digit "
        "(a legacy number: 6-digit region and 9-character organisation code)",
        "税号校验位错误（旧版税号：6位地区码加9位组织机构代码）", "110108 600037342")


def test_a_region_mismatch_names_the_issuing_region_and_the_province() -> None:
    data = {"tax_id": "91110000600037341L", "address": {"province": "江苏省"}}
    assert problems(data) == one(
        "region_mismatch", "tax ID was issued in region 110000, which does not match the address "
        "(address province is 江苏省)", "税号的登记地区110000与地址不符（地址省份为江苏省）",
        "91110000600037341L", "warning")


def test_a_code_issued_nationally_matches_every_province() -> None:
    # Region 000000: issued by a national authority (GB 32100), so no province to compare.
    assert problems({"tax_id": "91000000600037341R", "address": {"province": "江苏省"}}) == []
    assert problems({"tax_id": "91000000600037341R", "address": {"province": "江苏省"}},
                    Profile(check_tax_id_region=False)) == []


class _Boom:
    """Boom number."""

    @staticmethod
    def validate(number: str) -> str:
        raise RuntimeError("broken table")


class _Odd:
    """Odd number (ON).

    A second paragraph the label leaves out.
    """

    @staticmethod
    def validate(number: str) -> str:
        raise stdnum.exceptions.InvalidFormat()


def _profile(scheme: TaxIdScheme) -> Profile:
    return Profile(tax_ids=DEFAULT_REGISTRY.with_scheme("JP", None, scheme))


def test_a_validator_that_breaks_is_an_invalid_format_naming_the_scheme() -> None:
    found = problems({"country": "JP", "tax_id": "12 3"}, _profile(TaxIdScheme.from_module(_Boom)))
    assert found == _invalid_format("tax ID has an invalid format (_Boom: broken table)",
                                    "税号格式不正确（_Boom: broken table）", "12 3")


def test_a_scheme_without_an_example_gives_no_hint() -> None:
    found = problems({"country": "JP", "tax_id": "12 3"}, _profile(TaxIdScheme.from_module(_Odd)))
    assert found == _invalid_format("tax ID (Odd number (ON)) has an invalid format",
                                    "税号（Odd number (ON)）格式不正确", "12 3")


def test_a_scheme_from_a_module_takes_its_names_from_the_module() -> None:
    odd = TaxIdScheme.from_module(_Odd)
    assert (odd.key, odd.label, odd.label_zh, odd.example, odd.prefix) == (
        "_Odd", "Odd number (ON)", "Odd number (ON)", "", "")
    named = TaxIdScheme.from_module(_Odd, label="odd number", prefix="OD", countries=["jp"])
    assert (named.label, named.label_zh, named.prefix, named.countries) == (
        "odd number", "odd number", "OD", frozenset({"JP"}))
    assert TaxIdScheme.from_module("stdnum.gb.vat").key == "gb.vat"


def test_an_object_without_a_name_or_docstring_is_named_by_its_type() -> None:
    class Checker:
        def validate(self, number: str) -> str:
            return number

    checker = Checker()
    Checker.__doc__ = None
    scheme = TaxIdScheme.from_module(checker)
    assert (scheme.key, scheme.label, scheme.label_zh) == ("Checker", "Checker", "Checker")


def test_an_invalid_number_shows_the_schemes_example_in_both_languages() -> None:
    assert problems({"country": "US", "tax_id": "12-345"}) == _invalid_format(
        "tax ID (employer identification number) has an invalid format (e.g. 04-2103594)",
        "税号（美国雇主识别号）格式不正确（例如 04-2103594）", "12-345")


class _Series:
    """Series X."""

    @staticmethod
    def validate(number: str) -> str:
        return number


def test_the_label_loses_only_the_docstrings_full_stop() -> None:
    series = TaxIdScheme.from_module(_Series)
    assert (series.label, series.label_zh) == ("Series X", "Series X")


def test_the_registry_adds_a_module_for_its_country_and_removes_a_kindless_scheme() -> None:
    registry = DEFAULT_REGISTRY.with_scheme("JP", None, _Series)
    scheme = registry.lookup("JP", "enterprise")
    assert scheme is not None
    assert scheme.countries == frozenset({"JP"})
    assert ("GB", None) in DEFAULT_REGISTRY.schemes
    assert ("GB", None) not in DEFAULT_REGISTRY.without("GB", None).schemes


def test_three_character_province_names() -> None:
    names = ("黑龙江省", "内蒙古自治区", "江苏省")
    assert [province_code(name) for name in names] == ["23", "15", "32"]
    assert province_code("火星") is None

"""The tax-ID rule and registry (SPEC 2): lookup by (country, kind), stdnum error mapping, gaps closed."""

from __future__ import annotations

from typing import Any

import pytest
import stdnum.cn.ric
import stdnum.gb.vat
import stdnum.us.ein
from stdnum.exceptions import InvalidChecksum, InvalidFormat

import custrecord
from custrecord import Kind, Profile
from custrecord.identifiers import uscc
from custrecord.problems import Severity
from custrecord.validation import taxid
from custrecord.validation.taxid import (
    DEFAULT_REGISTRY,
    EU_MEMBER_STATES,
    TaxIdRegistry,
    TaxIdScheme,
    problem_code,
)


@pytest.fixture(autouse=True)
def _fresh_builtin_schemes() -> None:
    """Build the built-in schemes inside each test: mutation testing switches a mutant on there."""
    taxid._builtin_schemes.cache_clear()


def check(
    tax_id: Any, country: str = "CN", kind: str = "enterprise", **profile: Any
) -> tuple[list[str], Any]:
    report = custrecord.validate(
        {"name": "x", "country": country, "kind": kind, "tax_id": tax_id}, profile=Profile(**profile)
    )
    assert report.customer is not None
    return [p.code for p in report.problems if p.path == "tax_id"], report.customer.tax_id


# Known-good and known-bad numbers from the python-stdnum module documentation.
GOOD = [
    ("CN", "enterprise", "91110000600037341L", "91110000600037341L"),
    ("CN", "enterprise", "9 1 110000 600037341L", "91110000600037341L"),
    ("CN", "individual", "360426199101010071", "360426199101010071"),
    ("US", "enterprise", "91-1144442", "911144442"),
    ("GB", "enterprise", "GB 980 7806 84", "980780684"),
    ("GB", "enterprise", "980780684", "980780684"),
    ("GB", "individual", "GB 980 7806 84", "980780684"),
    ("BE", "enterprise", "BE697449992", "BE0697449992"),
    ("FR", "enterprise", "FR 61 954 506 077", "FR61954506077"),
    ("FR", "enterprise", "23334175221", "FR23334175221"),
    ("FR", "enterprise", "K7399859412", "FRK7399859412"),
    ("AT", "enterprise", "ATU 57194903", "ATU57194903"),
    ("DE", "enterprise", "DE 136,695 976", "DE136695976"),
    ("DE", "enterprise", "136695976", "DE136695976"),
    ("NL", "enterprise", "NL4495445B01", "NL004495445B01"),
    ("GR", "enterprise", "EL 094259216 ", "EL094259216"),
    ("GR", "enterprise", "094259216", "EL094259216"),
    ("CH", "enterprise", "CHE-107.787.577 IVA", "CHE107787577IVA"),
    ("NO", "enterprise", "NO 995 525 828 MVA", "995525828MVA"),
    ("RU", "enterprise", "123456789047", "123456789047"),
    ("DE", "individual", "DE136695976", "136695976"),
    # Deliberately more tolerant than stdnum ("dash in the wrong place" is InvalidFormat there):
    # custrecord strips separators before validating, so a misplaced dash is not an error.
    ("US", "enterprise", "911-14-4442", "911144442"),
]

BAD = [
    ("CN", "enterprise", "91110000600037341M", "invalid_checksum"),
    ("CN", "enterprise", "12345", "invalid_length"),
    ("CN", "enterprise", "9111000060003734IL", "invalid_format"),
    (
        "CN",
        "enterprise",
        "01110000600037341" + uscc.calc_check_digit("01110000600037341"),
        "invalid_component",
    ),
    ("CN", "individual", "360426199101010072", "invalid_checksum"),
    ("CN", "individual", "36042619910101007", "invalid_length"),
    ("CN", "individual", "360426199113010079", "invalid_component"),  # month 13, right check digit
    ("CN", "individual", "3604261991010100A1", "invalid_format"),
    ("US", "enterprise", "07-1144442", "invalid_component"),
    ("US", "enterprise", "91114444", "invalid_format"),  # stdnum reports a wrong length as a format error
    ("GB", "enterprise", "802311781", "invalid_checksum"),
    ("DE", "enterprise", "136695978", "invalid_checksum"),
    ("FR", "enterprise", "84 323 140 391", "invalid_checksum"),
    ("FR", "enterprise", "IO334175221", "invalid_format"),
    ("NL", "enterprise", "123456789B90", "invalid_checksum"),
    ("GR", "enterprise", "EL 123456781", "invalid_checksum"),
    ("CH", "enterprise", "CHE-107.787.578 IVA", "invalid_checksum"),
    ("NO", "enterprise", "NO 995 525 829 MVA", "invalid_checksum"),
    ("RU", "enterprise", "123456789037", "invalid_checksum"),
]


@pytest.mark.parametrize(("country", "kind", "raw", "stored"), GOOD)
def test_known_good_numbers_are_accepted_and_stored_compact(
    country: str, kind: str, raw: str, stored: str
) -> None:
    assert check(raw, country, kind) == ([], stored)


@pytest.mark.parametrize(("country", "kind", "raw", "code"), BAD)
def test_known_bad_numbers_are_rejected_with_the_right_code(
    country: str, kind: str, raw: str, code: str
) -> None:
    codes, stored = check(raw, country, kind)
    assert codes == [code]
    assert stored == raw  # the bad input is kept as given


def test_registry_lookup_order() -> None:
    reg = DEFAULT_REGISTRY
    assert reg.lookup("CN", Kind.ENTERPRISE).key == "cn.uscc"  # type: ignore[union-attr]
    assert reg.lookup("CN", Kind.INDIVIDUAL).key == "cn.ric"  # type: ignore[union-attr]
    assert reg.lookup("US", Kind.ENTERPRISE).key == "us.ein"  # type: ignore[union-attr]
    assert reg.lookup("GB", Kind.INDIVIDUAL).key == "gb.vat"  # type: ignore[union-attr]
    assert reg.lookup("DE", Kind.ENTERPRISE).key == "eu.vat"  # type: ignore[union-attr]
    assert reg.lookup("DE", Kind.INDIVIDUAL).key == "de.vat"  # type: ignore[union-attr]
    assert reg.lookup("CH", Kind.ENTERPRISE).key == "ch.vat"  # type: ignore[union-attr]
    assert reg.lookup("HK", Kind.ENTERPRISE) is None
    assert reg.lookup("US", Kind.INDIVIDUAL) is None
    assert reg.lookup("中国", Kind.ENTERPRISE) is None
    assert "GB" not in EU_MEMBER_STATES


def test_scheme_metadata() -> None:
    scheme = DEFAULT_REGISTRY.lookup("CN", Kind.ENTERPRISE)
    assert scheme is not None
    assert (scheme.label, scheme.label_zh, scheme.example) == (
        "unified social credit code",
        "统一社会信用代码",
        "91110000600037341L",
    )
    assert scheme.countries == {"CN"}
    eu = DEFAULT_REGISTRY.lookup("GR", Kind.ENTERPRISE)
    assert eu is not None
    assert eu.prefix == "EL"
    assert eu.countries == EU_MEMBER_STATES


def test_messages_name_the_scheme_and_show_the_example() -> None:
    report = custrecord.validate({"name": "x", "tax_id": "91110000600037341M"})
    (problem,) = report.problems
    assert problem.path == "tax_id"
    assert problem.code == "invalid_checksum"
    assert "unified social credit code" in problem.message
    # A wrong check character: the message says which one is expected.
    assert "the 18th character should be L, not M" in problem.message
    assert "统一社会信用代码" in problem.message_zh
    assert "第18位应为L" in problem.message_zh
    assert problem.value == "91110000600037341M"
    (length,) = custrecord.validate({"name": "x", "tax_id": "9111000060003734"}).problems
    assert "91110000600037341L" in length.message  # other problems show an example


def test_a_bad_phone_shows_an_example_of_its_region() -> None:
    def hint(record: dict[str, object]) -> str:
        (problem,) = custrecord.validate({"name": "x", "contact_name": "王", **record}).problems
        return problem.message
    assert hint({"contact_mobile": "1381234"}).endswith("(e.g. 131 2345 6789)")
    assert hint({"contact_phone": "123"}).endswith("(e.g. 010 1234 5678)")
    assert hint({"country": "DE", "contact_mobile": "0151"}).endswith("(e.g. 01512 3456789)")


def test_unknown_country_keeps_the_number_compact_and_unchecked() -> None:
    assert check("12-345.678 9", "HK") == ([], "123456789")


def test_gb_numbers_are_not_eu_vat() -> None:
    codes, _ = check("GB980780684", "DE")
    assert codes
    assert codes[0] in {"invalid_format", "invalid_component"}
    codes, _ = check("GB980780684", "FR")
    assert codes
    assert check("GB980780684", "GB") == ([], "980780684")


# -- gaps closed -------------------------------------------------------------------


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_uscc_authorities_a_n_y(authority: str) -> None:
    head = authority + "1110000600037341"
    number = head + uscc.calc_check_digit(head)
    assert check(number) == ([], number)
    assert check(number.lower()) == ([], number)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert check(wrong)[0] == ["invalid_checksum"]


def test_organisation_code_check_is_optional() -> None:
    head = "91110000600037342"  # organisation code 60003734-2 has a wrong check character
    number = head + uscc.calc_check_digit(head)
    assert check(number) == ([], number)
    assert check(number, check_organization_code=True)[0] == ["invalid_component"]
    assert check("91110000600037341L", check_organization_code=True) == ([], "91110000600037341L")


@pytest.mark.parametrize("number", ["110108600037341", "36042619910101007101"])
def test_legacy_numbers_only_when_allowed(number: str) -> None:
    assert check(number)[0] == ["invalid_length"]
    report = custrecord.validate({"name": "x", "tax_id": number}, profile=Profile(allow_legacy_tax_ids=True))
    assert report.ok
    (problem,) = report.problems
    assert (problem.code, problem.severity) == ("legacy_tax_id", Severity.WARNING)
    assert report.customer is not None
    assert report.customer.tax_id == number
    assert custrecord.structure({"name": "x", "tax_id": number}, profile="lenient").tax_id == number


def test_bad_legacy_number_when_allowed() -> None:
    assert check("110108600037342", allow_legacy_tax_ids=True)[0] == ["invalid_checksum"]
    assert check("990108600037341", allow_legacy_tax_ids=True)[0] == ["invalid_component"]


@pytest.mark.parametrize("placeholder", ["/", "-", "N/A", "无", "暂无", " n/a ", "--"])
def test_placeholders_mean_none(placeholder: str) -> None:
    assert check(placeholder) == ([], None)
    assert check(placeholder, "US") == ([], None)


def test_placeholder_on_a_customer_object() -> None:
    c = custrecord.structure(custrecord.Customer(name="x", tax_id="暂无"))
    assert c.tax_id is None


def test_region_mismatch_is_a_warning() -> None:
    data = {"name": "x", "tax_id": "91110000600037341L", "address": {"province": "江苏省"}}
    report = custrecord.validate(data)
    assert report.ok
    assert [(p.code, p.severity) for p in report.problems] == [("region_mismatch", Severity.WARNING)]
    assert custrecord.validate({**data, "address": {"province": "北京市"}}).problems == ()
    assert custrecord.validate(data, profile=Profile(check_tax_id_region=False)).problems == ()


# -- extending the registry ----------------------------------------------------------


class _Even:
    """A toy identifier: an even number of digits."""

    __name__ = "toy.even"

    @staticmethod
    def compact(number: str) -> str:
        return number.replace(" ", "")

    @staticmethod
    def validate(number: str) -> str:
        number = _Even.compact(number)
        if not number.isdigit():
            raise InvalidFormat()
        if int(number) % 2:
            raise InvalidChecksum()
        return number


def test_with_scheme_adds_and_overrides_entries() -> None:
    registry = DEFAULT_REGISTRY.with_scheme("HK", None, _Even).with_scheme("CN", "enterprise", _Even)
    assert registry is not DEFAULT_REGISTRY
    assert DEFAULT_REGISTRY.lookup("HK", Kind.ENTERPRISE) is None
    profile = Profile(tax_ids=registry)
    assert (
        custrecord.structure({"name": "x", "country": "HK", "tax_id": "12 34"}, profile=profile).tax_id
        == "1234"
    )
    report = custrecord.validate({"name": "x", "tax_id": "91110000600037341L"}, profile=profile)
    assert report.codes() == {"tax_id": ["invalid_format"]}
    report = custrecord.validate({"name": "x", "tax_id": "13"}, profile=profile)
    assert report.codes() == {"tax_id": ["invalid_checksum"]}


def test_with_scheme_from_module_path_and_metadata() -> None:
    scheme = TaxIdScheme.from_module(
        "stdnum.jp.cn",
        label="corporate number",
        label_zh="法人番号",
        example="5-8356-7825-6246",
        countries=["jp"],
    )
    assert scheme.countries == {"JP"}
    assert scheme.key == "jp.cn"
    profile = Profile(tax_ids=DEFAULT_REGISTRY.with_scheme("JP", Kind.ENTERPRISE, scheme))
    assert (
        custrecord.structure(
            {"name": "x", "country": "JP", "tax_id": "5-8356-7825-6246"}, profile=profile
        ).tax_id
        == "5835678256246"
    )
    (problem,) = custrecord.validate(
        {"name": "x", "country": "JP", "tax_id": "2-8356-7825-6246"}, profile=profile
    ).problems
    assert problem.code == "invalid_checksum"
    assert "法人番号" in problem.message_zh
    assert "5-8356" in problem.message
    default_label = TaxIdScheme.from_module("stdnum.us.ein")
    assert default_label.label.startswith("EIN")


def test_without_removes_an_entry() -> None:
    registry = DEFAULT_REGISTRY.without("US", Kind.ENTERPRISE)
    assert (
        custrecord.structure(
            {"name": "x", "country": "US", "tax_id": "anything-1"}, profile=Profile(tax_ids=registry)
        ).tax_id
        == "ANYTHING1"
    )
    # Without the built-in CN entry, the fallback is python-stdnum's own USCC module.
    fallback = DEFAULT_REGISTRY.without("CN", Kind.ENTERPRISE).lookup("CN", Kind.ENTERPRISE)
    assert fallback is not None
    assert fallback.validate.__module__ == "stdnum.cn.uscc"
    assert TaxIdRegistry().lookup("XX", Kind.ENTERPRISE) is None


def test_a_crashing_user_validator_is_reported_not_raised() -> None:
    def boom(number: str) -> str:
        raise RuntimeError("database down")

    scheme = TaxIdScheme(key="boom", label="boom", label_zh="boom", example="", validate=boom)
    profile = Profile(tax_ids=DEFAULT_REGISTRY.with_scheme("CN", None, scheme).without("CN", Kind.ENTERPRISE))
    report = custrecord.validate({"name": "x", "tax_id": "1"}, profile=profile)
    assert report.codes() == {"tax_id": ["invalid_format"]}


def test_problem_code_mapping() -> None:
    from stdnum import exceptions as e

    assert problem_code(e.InvalidLength()) == "invalid_length"
    assert problem_code(e.InvalidChecksum()) == "invalid_checksum"
    assert problem_code(e.InvalidComponent()) == "invalid_component"
    assert problem_code(e.InvalidFormat()) == "invalid_format"
    assert problem_code(e.ValidationError()) == "invalid_format"


def test_the_builtin_schemes_word_for_word() -> None:
    schemes = DEFAULT_REGISTRY.schemes
    assert len(schemes) == 4
    read = {key: (s.key, s.label, s.label_zh, s.example, s.countries, s.prefix) for key, s in schemes.items()}
    assert read == {
        ("CN", Kind.ENTERPRISE): ("cn.uscc", "unified social credit code", "统一社会信用代码",
                                  "91110000600037341L", {"CN"}, ""),
        ("CN", Kind.INDIVIDUAL): ("cn.ric", "resident identity card number", "居民身份证号码",
                                  "360426199101010071", {"CN"}, ""),
        ("US", Kind.ENTERPRISE): ("us.ein", "employer identification number", "美国雇主识别号",
                                  "04-2103594", {"US"}, ""),
        ("GB", None): ("gb.vat", "UK VAT number", "英国增值税号", "GB980780684", {"GB"}, "GB"),
    }
    assert [s.validate for s in schemes.values()] == [
        uscc.validate, stdnum.cn.ric.validate, stdnum.us.ein.validate, stdnum.gb.vat.validate
    ]


def test_the_builtin_schemes_read_as_a_mapping() -> None:
    schemes = DEFAULT_REGISTRY.schemes
    assert ("GB", None) in schemes
    assert ("GB", Kind.ENTERPRISE) not in schemes
    assert schemes.get(("GB", Kind.ENTERPRISE)) is None
    assert schemes.get(("GB", Kind.ENTERPRISE), "none") == "none"
    assert schemes.get(("GB", None)) is schemes[("GB", None)]
    assert repr(schemes) == repr(dict(schemes))
    assert repr(DEFAULT_REGISTRY).startswith(
        "TaxIdRegistry(schemes={('CN', <Kind.ENTERPRISE: 'enterprise'>): TaxIdScheme(key='cn.uscc', "
    )

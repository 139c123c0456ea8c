"""Contact data: phones (E.164, extensions), e-mail, postcodes, bank accounts."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import custrecord
from custrecord.testing.strategies import cn_mobiles, cn_phones
from custrecord.validation.contact import _fast_number, _parse_phone, normalize_phone, split_extension


def phone(raw: Any, country: str = "CN", field: str = "phone") -> tuple[list[str], Any]:
    report = custrecord.validate({"name": "x", "country": country, "contacts": [{"name": "A", field: raw}]})
    assert report.customer is not None
    stored = getattr(report.customer.contacts[0], field) if report.customer.contacts else None
    return [p.code for p in report.problems], stored


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("0086 13812345678", "+8613812345678"),
        ("+86013812345678", "+8613812345678"),
        ("+8613812345678", "+8613812345678"),
        (13812345678, "+8613812345678"),
        (1.3812345678e10, "+8613812345678"),
        ("０５１２－６５２０１２３４", "+8651265201234"),
        ("(0512) 6520 1234", "+8651265201234"),
        ("+٨٦١٣٨١٢٣٤٥٦٧٨", "+8613812345678"),
        ("010-65201234", "+861065201234"),
    ],
)
def test_phones_are_stored_in_e164(raw: Any, stored: str) -> None:
    assert phone(raw) == ([], stored)
    assert phone(raw, field="mobile") == ([], stored)


@pytest.mark.parametrize(
    "raw",
    [
        "0512-65201234-801",
        "0512-65201234转801",
        "0512-65201234 ext. 801",
        "0512-65201234 ext 801",
        "0512 65201234 分机 801",
        "0512-65201234 x801",
        "0512-65201234#801",
        "+86 512 6520 1234 ext. 801",
        "+8651265201234;ext=801",
    ],
)
def test_extensions_are_split_off_and_kept(raw: str) -> None:
    assert phone(raw) == ([], "+8651265201234;ext=801")


def test_stored_form_is_stable() -> None:
    for raw in ("+8651265201234;ext=801", "+8613812345678", "+14155552671"):
        assert phone(raw, "US" if raw.startswith("+1") else "CN") == ([], raw)


def test_default_region_is_the_customers_country() -> None:
    assert phone("(415) 555-2671", "US") == ([], "+14155552671")
    assert phone("030 123456", "DE") == ([], "+4930123456")
    assert phone("+8613812345678", "US") == ([], "+8613812345678")
    codes, stored = phone("030 123456", "CN")
    assert codes == ["invalid_phone"]
    assert stored == "030 123456"


@pytest.mark.parametrize("raw", ["123", "1381234567", "phone", "+999 123", "1" * 41, "13812345678 转 分机"])
def test_invalid_phones(raw: str) -> None:
    codes, _stored = phone(raw)
    assert codes == ["invalid_phone"]
    report = custrecord.validate({"name": "x", "contacts": [{"name": "A", "mobile": raw}]})
    (problem,) = report.problems
    assert problem.path == "contacts[0].mobile"
    assert "CN" in problem.message
    assert "CN" in problem.message_zh


def test_overlong_email_is_too_long() -> None:
    assert phone("a@" + "b" * 250 + ".com", field="email")[0] == ["too_long"]


def test_paths_of_several_contacts() -> None:
    report = custrecord.validate(
        {
            "name": "x",
            "contacts": [{"name": "A", "mobile": "13812345678"}, {"name": "B", "phone": "1", "email": "b@"}],
        }
    )
    assert report.codes() == {"contacts[1].phone": ["invalid_phone"], "contacts[1].email": ["invalid_email"]}


@given(cn_mobiles() | cn_phones())
def test_generated_e164_numbers_are_kept(number: str) -> None:
    assert normalize_phone(number, "CN") == number
    assert normalize_phone(number[3:], "CN") == number if number.startswith("+861") else True


def test_split_extension() -> None:
    assert split_extension("0512-65201234转801") == ("0512-65201234", "801")
    assert split_extension("0512-65201234") == ("0512-65201234", None)


@given(st.text(max_size=50), st.sampled_from(["CN", "US", "DE", "ZZ", "XK"]))
def test_normalize_phone_never_raises(text: str, region: str) -> None:
    result = normalize_phone(text, region)
    assert result is None or (result.startswith("+") and result.isascii())


# -- e-mail -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("wang@example.com", "wang@example.com"),
        ("Wang.Wei@Example.COM", "Wang.Wei@example.com"),
        ("ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "wang@example.com"),
        ("a+tag@mail.example.org", "a+tag@mail.example.org"),
    ],
)
def test_valid_emails(raw: str, stored: str) -> None:
    assert phone(raw, field="email") == ([], stored)


@pytest.mark.parametrize(
    "raw",
    [
        "wang",
        "wang@",
        "@example.com",
        "wang@example",
        "wang@@example.com",
        "wang @example.com",
        "a..b@example.com",
        "王@example.com",
        "x" * 65 + "@example.com",
    ],
)
def test_invalid_emails(raw: str) -> None:
    assert phone(raw, field="email")[0] == ["invalid_email"]


# -- postcodes --------------------------------------------------------------------


def postcode(raw: Any, country: str = "CN") -> tuple[list[str], Any]:
    report = custrecord.validate({"name": "x", "country": country, "address": {"postcode": raw}})
    assert report.customer is not None
    return [p.code for p in report.problems], report.customer.address.postcode


def test_postcodes() -> None:
    assert postcode("215000") == ([], "215000")
    assert postcode(215000) == ([], "215000")
    assert postcode("２１５０００") == ([], "215000")
    for bad in ("21500", "2150000", "915000", "ABCDEF", "215 000"):
        assert postcode(bad)[0] == ["invalid_postcode"], bad
    assert postcode("sw1a 1aa", "GB") == ([], "SW1A 1AA")
    assert postcode("94105-1234", "US") == ([], "94105-1234")
    assert postcode("anything", "HK") == ([], "anything")
    (problem,) = custrecord.validate({"name": "x", "address": {"postcode": "1"}}).problems
    assert problem.path == "address.postcode"
    assert "215000" in problem.message


# -- bank accounts -----------------------------------------------------------------


def account(raw: Any, country: str = "CN") -> tuple[list[str], Any]:
    report = custrecord.validate({"name": "x", "country": country, "bank_account": raw})
    assert report.customer is not None
    return [p.code for p in report.problems], report.customer.bank_account


def test_bank_accounts() -> None:
    assert account("6222 0212 3456 7890 123") == ([], "6222021234567890123")
    assert account(6222021234567890123) == ([], "6222021234567890123")
    assert account("DE89 3704 0044 0532 0130 00") == ([], "DE89370400440532013000")
    assert account("de89370400440532013000", "DE") == ([], "DE89370400440532013000")
    assert account("1234", "US") == ([], "1234")
    assert account("DE89370400440532013001")[0] == ["invalid_checksum"]
    # The country and the shape are checked before the check digits.
    assert account("DE8937040044053201300")[0] == ["invalid_format"]  # one digit short
    assert account("GB82WEST1234569876543")[0] == ["invalid_format"]
    assert account("XX89370400440532013000")[0] == ["invalid_component"]  # no such country
    assert account("DE8937040044053201300Ä")[0] == ["invalid_format"]
    assert account("1234567")[0] == ["invalid_format"]
    assert account("6222-abc-0212")[0] == ["invalid_format"]
    assert account("١٢٣٤٥٦٧٨٩")[0] == ["invalid_format"]
    assert account("1" * 31)[0] == ["invalid_format"]  # CN: 8 to 30 digits
    assert account("1" * 51, "US")[0] == ["too_long"]


_REGIONS = ["CN", "US", "CA", "GB", "DE", "FR", "HK", "SG", "JP", "IN", "AU", "IT", "BR", "RU"]


@given(
    st.sampled_from(_REGIONS),
    st.one_of(
        st.text("0123456789", min_size=1, max_size=15),
        st.builds(lambda p, r: p + r, st.sampled_from(["13", "15", "17", "18", "19", "179", "86", "1"]),
                  st.text("0123456789", min_size=9, max_size=9)),
        st.builds(
            lambda cc, r: f"+{cc}{r}",
            st.sampled_from(["86", "1", "44", "49", "852", "65", "81", "91"]),
                  st.text("0123456789 -", min_size=6, max_size=13)),
        # Fixed lines with their trunk prefix, as each country writes them (0512-65201234, 8 495 ...).
        st.builds(lambda p, r: p + r,
                  st.sampled_from(["0", "00", "010", "021", "0512", "0755", "030", "020", "8", "1", "01"]),
                  st.text("0123456789 -", min_size=5, max_size=11)),
    ),
)
def test_fast_path_agrees_with_phonenumbers(region: str, text: str) -> None:
    """The fast path for plain numbers may only answer what a full phonenumbers parse answers."""
    fast = _fast_number(text, region)
    if fast is not None:
        assert fast == _parse_phone(text, region)


def test_fast_path_is_taken_for_typical_numbers() -> None:
    for text in ("13812345678", "138 1234 5678", "+8613812345678", "+86 138-1234-5678"):
        assert _fast_number(text, "CN") == "+8613812345678"
    for text in ("0512-65201234", "0512 6520 1234", "+86 512 6520 1234"):
        assert _fast_number(text, "CN") == "+8651265201234"
    assert _fast_number("010-62345678", "CN") == "+861062345678"
    assert _fast_number("013812345678", "CN") == "+8613812345678"  # a trunk zero before a mobile, too
    assert _fast_number("030 1234567", "DE") == "+49301234567"
    # Carrier codes, the country code without +, a kept trunk zero after +, full-width digits,
    # international prefixes and extensions are left to phonenumbers.
    for text in ("17951234567", "8613812345678", "０１３８", "+86 0512 6520 1234",
                 "0086 512 6520 1234", "0512-65201234-801", "0512-65201234转801"):
        assert _fast_number(text, "CN") is None


@pytest.mark.parametrize("raw", ["+44 13812345678", "+4413812345678", "+1 138 1234 5678", "+852 13812345678"])
def test_a_foreign_country_code_is_never_read_as_the_default_region(raw: str) -> None:
    """A CN mobile's digits after another country's ``+CC`` are not a CN number: the fast path
    must not drop the written country code (``+44 13812345678`` once became ``+8613812345678``)."""
    assert _fast_number(raw, "CN") is None
    assert normalize_phone(raw, "CN") is None
    assert phone(raw, field="mobile") == (["invalid_phone"], raw)


def test_bank_account_lengths_count_digits_not_spaces() -> None:
    spaced = " ".join(["6222"] * 7) + " 62"  # 30 digits, 37 characters as written
    assert account(spaced) == ([], "6222" * 7 + "62")
    assert account("1" * 34, "US") == ([], "1" * 34)
    assert account("1" * 35, "US")[0] == ["invalid_format"]

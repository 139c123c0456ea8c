"""Contact data: phones (E.164, extensions), e-mail, postcodes, bank accounts."""

from __future__ import annotations

from typing import Any

import phonenumbers
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


# -- every contact problem word for word --------------------------------------


def _problems(data: dict[str, Any]) -> list[tuple[str, str, str, str, Any]]:
    report = custrecord.validate({"name": "x", **data})
    return [(p.path, p.code, p.message, p.message_zh, p.value) for p in report.problems]


def test_contact_problems_word_for_word() -> None:
    """Each problem names its path, the region or country, an example, and the value as given;
    items of lists (contacts, addresses, bank accounts) are checked each, the blank ones skipped."""
    long_local = "a" * 65 + "@example.com"
    assert _problems({
        "country": "CN",
        "contacts": [{"name": "A", "phone": "12345", "mobile": "123", "email": "bad@"},
                     {"name": "B", "email": long_local}],
        "address": {"postcode": "99999x"},
        "addresses": [{"role": "billing", "street": "s"},
                      {"role": "billing", "street": "t", "postcode": "ABC"}],
        "bank_account": "DE00370400440532013000",
        "bank_accounts": [{"bank_name": "b"}, {"account": "1234567"},
                          {"account": "DE89!70400440532013000"}],
    }) == [
        ("contacts[0].phone", "invalid_phone",
         "phone is not a valid phone number for CN (e.g. 010 1234 5678)",
         "电话不是CN的有效电话号码（例如 010 1234 5678）", "12345"),
        ("contacts[0].mobile", "invalid_phone",
         "mobile is not a valid phone number for CN (e.g. 131 2345 6789)",
         "手机不是CN的有效电话号码（例如 131 2345 6789）", "123"),
        ("contacts[0].email", "invalid_email", "e-mail is not an e-mail address",
         "电子邮箱不是有效的电子邮箱地址", "bad@"),
        ("contacts[1].email", "invalid_email", "e-mail is not an e-mail address",
         "电子邮箱不是有效的电子邮箱地址", long_local),
        ("address.postcode", "invalid_postcode", "postcode is not a postcode of CN (e.g. 215000)",
         "邮编不是CN的有效邮编（例如 215000）", "99999x"),
        ("addresses[1].postcode", "invalid_postcode", "postcode is not a postcode of CN (e.g. 215000)",
         "邮编不是CN的有效邮编（例如 215000）", "ABC"),
        ("bank_account", "invalid_checksum",
         "bank account (IBAN) has a wrong check digit (e.g. DE89370400440532013000)",
         "银行账号（IBAN）校验位错误（例如 DE89370400440532013000）", "DE00370400440532013000"),
        ("bank_accounts[1].account", "invalid_format",
         "bank account has an invalid format (digits only, 8 to 30 of them)",
         "银行账号格式不正确（应为8至30位数字）", "1234567"),
        ("bank_accounts[2].account", "invalid_format",
         "bank account (IBAN) has an invalid format (e.g. DE89370400440532013000)",
         "银行账号（IBAN）格式不正确（例如 DE89370400440532013000）", "DE89!70400440532013000"),
    ]


def test_contact_values_are_stored_normalised_in_every_list_item() -> None:
    report = custrecord.validate({
        "name": "x", "country": "GB",
        "contacts": [{"name": "A", "email": "bad"}, {"name": "B", "email": "x@EXAMPLE.COM"}],
        "addresses": [{"role": "billing", "street": "s"},
                      {"role": "billing", "street": "t", "postcode": "sw1a 1aa"}],
        "bank_account": "1",  # outside CN any 1 to 34 digits
        "bank_accounts": [{"bank_name": "b"}, {"account": "de89 3704 0044 0532 0130 00"}],
    })
    assert [p.path for p in report.problems] == ["contacts[0].email"]
    customer = report.customer
    assert customer is not None
    assert customer.contacts[1].email == "x@example.com"  # after an invalid one, the next is checked
    assert [a.postcode for a in customer.addresses] == [None, "SW1A 1AA"]
    assert (customer.bank_account, customer.bank_accounts[1].account) == ("1", "DE89370400440532013000")
    cn = custrecord.validate({"name": "x", "bank_accounts": [{"account": "1234 5678"}]})
    assert (cn.problems, cn.customer and cn.customer.bank_accounts[0].account) == ((), "12345678")


def test_email_length_limits_stand_on_their_boundaries() -> None:
    """RFC 5321: at most 254 characters in all, 64 before the @."""
    domain = "b" * 63 + "." + "b" * 63 + "." + "c" * 61
    longest = "a" * 64 + "@" + domain
    assert len(longest) == 254
    assert _problems({"contacts": [{"name": "A", "email": longest}]}) == []
    too_long = "a" * 64 + "@" + domain + "c"
    assert [p[1] for p in _problems({"contacts": [{"name": "A", "email": too_long}]})] == ["too_long"]
    local_65 = "a" + longest[:-1]  # 254 characters, 65 of them before the @
    assert [p[1] for p in _problems({"contacts": [{"name": "A", "email": local_65}]})] == ["invalid_email"]


def test_phones_without_a_usable_country() -> None:
    """With a country that is no country, a number without +CC waits for the country's fix, and
    one with it is checked with no default region (ZZ, and no example to give)."""
    contacts = [{"name": "A", "phone": "13812345678", "mobile": "+86 1"}]
    assert _problems({"country": "ZQ", "contacts": contacts})[1:] == [
        ("contacts[0].mobile", "invalid_phone", "mobile is not a valid phone number for ZZ",
         "手机不是ZZ的有效电话号码", "+86 1"),
    ]
    report = custrecord.validate({"name": "x", "country": "ZQ",
                                  "contacts": [{"name": "A", "phone": " +86 138 1234 5678"}]})
    assert [p.path for p in report.problems] == ["country"]
    assert report.customer is not None
    assert report.customer.contacts[0].phone == "+8613812345678"


def test_a_value_too_long_is_not_also_malformed() -> None:
    """A field that already failed is reported once."""
    long = "1" * 100
    data = {"address": {"postcode": long}, "bank_account": long,
            "contacts": [{"name": "A", "phone": long, "email": "a" * 300 + "@example.com"}]}
    assert sorted((p[0], p[1]) for p in _problems(data)) == [
        ("address.postcode", "too_long"), ("bank_account", "too_long"),
        ("contacts[0].email", "too_long"), ("contacts[0].phone", "too_long"),
    ]


def test_phone_text_longer_than_forty_characters_is_no_phone() -> None:
    """At most 40 characters are read: longer text is refused before parsing (a pasted paragraph)."""
    forty = "13812345678" + " " * 29
    assert len(forty) == 40
    assert normalize_phone(forty, "CN") == "+8613812345678"
    assert normalize_phone(forty + " ", "CN") is None


def _written_forms(region: str) -> list[str]:
    """Ways people write a region's example numbers: national, trunk prefixed, with a doubled
    zero, after an international prefix, with and without +CC, and as bare digits."""
    forms: list[str] = []
    code = str(phonenumbers.country_code_for_region(region))
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
        number = phonenumbers.example_number_for_type(region, kind)
        if number is None:
            continue
        national = str(number.national_number)
        written = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        forms += [national, written, "0" + national, "00" + national, "0" + written, "1" + national,
                  "00" + code + national, "011" + code + national, code + national, "+" + code + national,
                  "+" + code + "0" + national, national[:-1], national + "0"]
    return forms


def test_the_fast_path_never_disagrees_with_phonenumbers() -> None:
    """For every region phonenumbers knows, the shortcut gives phonenumbers' answer or stands aside
    (None): trunk and international prefixes, a leading zero, the country code without +."""
    wrong = [
        (region, text, fast, _parse_phone(text, region))
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
        for text in _written_forms(region)
        if (fast := _fast_number(text, region)) is not None and fast != _parse_phone(text, region)
    ]
    assert wrong == []

"""Normalisation for matching: real-looking Chinese and Latin names, phones, e-mails, addresses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrecord.matching.normalize import (
    NameParts,
    canon,
    normalize_address,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_tax_id,
)


@pytest.mark.parametrize(
    ("raw", "core", "places", "forms", "branch"),
    [
        ("苏州示例科技有限公司", "示例科技", ("苏州",), ("有限公司",), None),
        ("江苏省苏州市示例科技有限公司", "示例科技", ("江苏", "苏州"), ("有限公司",), None),
        ("示例科技（苏州）有限公司", "示例科技", ("苏州",), ("有限公司",), None),
        ("示例科技(苏州)有限公司", "示例科技", ("苏州",), ("有限公司",), None),
        ("苏州 示例 科技 有限公司", "示例科技", ("苏州",), ("有限公司",), None),
        ("北京百度网讯科技有限公司", "百度网讯科技", ("北京",), ("有限公司",), None),
        ("内蒙古伊利实业集团股份有限公司", "伊利实业", ("内蒙古",), ("集团", "股份有限公司"), None),
        ("上海浦东发展银行股份有限公司", "浦东发展银行", ("上海",), ("股份有限公司",), None),
        ("华为技术有限公司", "华为技术", (), ("有限公司",), None),
        ("苏州示例电子有限责任公司", "示例电子", ("苏州",), ("有限责任公司",), None),
        ("示例科技有限公司上海分公司", "示例科技", (), ("有限公司",), "上海"),
        ("示例科技有限公司第一分公司", "示例科技", (), ("有限公司",), "第一"),
        ("ＡＣＭＥ（苏州）电子有限公司", "acme电子", ("苏州",), ("有限公司",), None),
        ("中山大学", "大学", ("中山",), (), None),
        ("上海市", "上海市", (), (), None),
        ("张伟", "张伟", (), (), None),
    ],
)
def test_chinese_names(raw: str, core: str, places: tuple[str, ...], forms: tuple[str, ...],
                       branch: str | None) -> None:
    assert normalize_name(raw) == NameParts(core=core, places=places, forms=forms, branch=branch)


@pytest.mark.parametrize(
    ("raw", "core", "forms"),
    [
        ("Acme Trading Co., Ltd.", "acme trading", ("co", "ltd")),
        ("ACME TRADING LIMITED", "acme trading", ("ltd",)),
        ("Ａｃｍｅ　Ｔｒａｄｉｎｇ　Ｌｔｄ．", "acme trading", ("ltd",)),
        ("The Acme Trading Company", "acme trading", ("co",)),
        ("Acme Holdings, Inc.", "acme", ("holdings", "inc")),
        ("Acme L.L.C.", "acme", ("llc",)),
        ("Müller GmbH & Co. KG", "müller", ("gmbh", "co", "kg")),
        ("Smith & Co.", "smith", ("co",)),
        ("O'Brien Corporation", "obrien", ("corp",)),
    ],
)
def test_latin_names(raw: str, core: str, forms: tuple[str, ...]) -> None:
    parts = normalize_name(raw)
    assert (parts.core, parts.forms, parts.places) == (core, forms, ())


def test_legal_form_families_make_ltd_and_limited_one() -> None:
    assert normalize_name("Acme Ltd").families == normalize_name("Acme Limited").families == {"ltd"}
    assert normalize_name("Acme Co., Ltd.").families == {"ltd"}
    assert normalize_name("示例有限公司").families == normalize_name("示例有限责任公司").families
    assert normalize_name("示例股份有限公司").families != normalize_name("示例有限公司").families


@pytest.mark.parametrize("blank", [None, "", "   ", "/", "无", "N/A"])
def test_blank_names_are_blank(blank: str | None) -> None:
    assert normalize_name(blank).is_blank


def test_name_that_is_only_a_form_keeps_a_core() -> None:
    assert not normalize_name("有限公司").is_blank
    assert normalize_name("苏州有限公司").core


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0512-65201234", "+8651265201234"),
        ("(0512)65201234", "+8651265201234"),
        ("（０５１２）６５２０１２３４", "+8651265201234"),
        ("+86 512 6520 1234", "+8651265201234"),
        ("0512-65201234-801", "+8651265201234"),
        ("0512-65201234转801", "+8651265201234"),
        ("+8651265201234;ext=801", "+8651265201234"),
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),
        ("13812345678", "+8613812345678"),
        ("010-62345678", "+861062345678"),
        ("+86 (0)512 6520 1234", "+8651265201234"),
        ("+86 0512 65201234", "+8651265201234"),  # the trunk zero kept after the country code
        ("+86-010-62345678", "+861062345678"),
    ],
)
def test_chinese_phones_become_e164(raw: str, e164: str) -> None:
    assert normalize_phone(raw, "CN") == e164


def test_foreign_phones_use_the_region() -> None:
    assert normalize_phone("(415) 555-0100", "US") == "+14155550100"
    assert normalize_phone("+1 415 555 0100", "CN") == "+14155550100"
    assert normalize_phone("030 1234567", "DE") == "+49301234567"
    assert normalize_phone("+49 (0)30 1234567", "DE") == "+49301234567"


@pytest.mark.parametrize("raw", ["19452211524", "194 5221 1524", "+86 194-5221-1524", "+8619452211524",
                                 "0086 194 5221 1524", "(+86)19452211524"])
def test_numbers_newer_than_the_metadata_agree_in_every_spelling(raw: str) -> None:
    """A mobile prefix phonenumbers does not know yet (194) once gave ``~194…`` or ``+86194…``."""
    assert normalize_phone(raw, "CN") == "+8619452211524"


@given(st.sampled_from(["13", "14", "15", "16", "17", "18", "19"]), st.integers(0, 10**9 - 1),
       st.sampled_from(["{}", "+86{}", "+86 {}", "0086{}", "{}-{}-{}", "+86 {} {} {}", "({}) {}"]))
def test_one_mobile_in_any_spelling_is_one_key(prefix: str, rest: int, spelling: str) -> None:
    number = f"{prefix}{rest:09d}"
    parts = (number[:3], number[3:7], number[7:])
    written = spelling.format(*parts) if spelling.count("{}") == 3 else spelling.format(
        number if spelling.count("{}") == 1 else number[:3], number[3:])
    assert normalize_phone(written, "CN") == normalize_phone(number, "CN")
    assert normalize_phone(number, "CN") == f"+86{number}"


def test_unreadable_phones_keep_their_digits_or_vanish() -> None:
    assert normalize_phone("99-123-456", "CN") == "+8699123456"  # a possible local number
    # phonenumbers would read 1234567890123456 as 67890123456 after some prefix: no digit is dropped.
    assert normalize_phone("1234567890123456", "CN") == "~1234567890123456"
    assert normalize_phone("123-4567-8901-2345", "CN") == "~123456789012345"
    assert normalize_phone("12345", "CN") is None
    assert normalize_phone("none", "CN") is None
    assert normalize_phone("", "CN") is None


def test_emails_and_tax_ids() -> None:
    assert normalize_email("  Sales@Example.CN ") == "sales@example.cn"
    assert normalize_email("ｓａｌｅｓ＠ｅｘａｍｐｌｅ．ｃｎ") == "sales@example.cn"
    assert normalize_email("mailto:a@b.cn") == "a@b.cn"
    assert normalize_email("not an address") is None
    assert normalize_email("暂无") is None
    assert normalize_tax_id("9111 0000-6000 3734 1l") == "91110000600037341L"
    assert normalize_tax_id("/") is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("苏州工业园区星湖街328号", "苏州工业园区 星湖街 328 号"),
        ("星湖街328号3号楼501室", "星湖街328号3栋501"),
        ("星湖街３２８号", "星湖街328号"),
        ("Room 1201, 88 Century Avenue", "rm 1201 88 century ave"),
        ("No. 5 Main Street", "5 main st"),
    ],
)
def test_addresses_normalise_to_the_same_tokens(a: str, b: str) -> None:
    assert normalize_address(a) == normalize_address(b)


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [
        ("苏州工业园区星湖街328号", ("苏州工业园区", "星湖街", "328")),
        ("江苏省苏州市姑苏区人民路100号", ("江苏省", "苏州市", "姑苏区", "人民路", "100")),
        ("星湖街328号3号楼501室", ("星湖街", "328", "3", "栋", "501")),
        ("星湖街3283栋", ("星湖街", "3283", "栋")),  # not the same as No. 328, building 3
        ("人民路100号201室", ("人民路", "100", "201")),
        ("星湖街００３２８号", ("星湖街", "328")),
        ("Room 1201, 88 Century Avenue", ("rm", "1201", "88", "century", "ave")),
        ("No. 5 Main Street", ("5", "main", "st")),
        ("/", ()),
        ("", ()),
    ],
)
def test_address_tokens(raw: str, tokens: tuple[str, ...]) -> None:
    """Expected tokens, not only agreement: ``328号3号楼`` once ran together as ``3283``."""
    assert normalize_address(raw) == tokens


def test_canon_makes_full_width_half_width() -> None:
    assert canon("ＡＢＣ（１２３）") == "abc(123)"
    assert canon("  Ａｃｍｅ　Ltd．") == "  acme ltd."
    assert canon("示例（苏州）") == "示例(苏州)"
    assert canon("ÄBC ﬁ") == "äbc fi"


# -- idempotence ----------------------------------------------------------------

_NAME_CHARS = st.sampled_from(
    list("苏州江苏省市示例科技有限公司责任股份集团分上海北京华为电子贸易（）() ,.&-")
    + list("abcxyzACMEltdincgmbhco") + ["Ltd", "Co.", "GmbH", " ", "　", "Ｌｔｄ"]
)
_names = st.lists(_NAME_CHARS, max_size=14).map("".join) | st.text(max_size=20)


@given(_names)
def test_name_normalisation_is_idempotent(raw: str) -> None:
    parts = normalize_name(raw)
    assert normalize_name(parts.text) == parts


@given(st.text(max_size=20))
def test_canon_is_idempotent(raw: str) -> None:
    assert canon(canon(raw)) == canon(raw)


_phone_text = st.lists(st.sampled_from([*list("0123456789+-() 转x"), "+86", "0512", "138"]), max_size=18).map(
    "".join
) | st.text(max_size=16)


@given(_phone_text, st.sampled_from(["CN", "US", "DE"]))
def test_phone_normalisation_is_idempotent(raw: str, region: str) -> None:
    once = normalize_phone(raw, region)
    if once is not None:
        assert normalize_phone(once, region) == once


@given(st.text(max_size=30))
def test_email_normalisation_is_idempotent(raw: str) -> None:
    once = normalize_email(raw)
    if once is not None:
        assert normalize_email(once) == once


_address_text = st.lists(
    st.sampled_from([*list("苏州工业园区星湖街路号楼室栋层0123456789 ,"), "Room", "Street", "Ave", "No."]),
    max_size=16,
).map("".join) | st.text(max_size=20)


@given(_address_text)
def test_address_normalisation_is_idempotent(raw: str) -> None:
    once = normalize_address(raw)
    assert normalize_address(" ".join(once)) == once


def test_importing_matching_stays_light() -> None:
    import subprocess
    import sys

    code = "import sys, custrecord.matching; print([m for m in sys.modules if m.startswith('rapidfuzz')])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

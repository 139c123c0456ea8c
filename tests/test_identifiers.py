"""custrecord.identifiers: USCC (GB 32100), organisation code (GB 11714), legacy CN tax numbers."""

from __future__ import annotations

import doctest
import importlib
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from custrecord.identifiers import MODULES, legacy_cn, orgcode, uscc
from custrecord.testing.strategies import usccs

ALL_MODULES: list[ModuleType] = [importlib.import_module(name) for name in MODULES]


def with_check(head: str) -> str:
    """A USCC from its first seventeen characters."""
    return head + uscc.calc_check_digit(head)


# -- USCC -------------------------------------------------------------------


#: GB 32100's weights of the first seventeen characters.
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@given(st.text(alphabet=uscc.ALPHABET, max_size=20))
def test_uscc_check_digit_is_the_weighted_sum_of_the_standard(text: str) -> None:
    total = sum(uscc.ALPHABET.index(c) * w for c, w in zip(text[:17], _USCC_WEIGHTS, strict=False))
    assert uscc.calc_check_digit(text) == uscc.ALPHABET[(31 - total % 31) % 31]


@given(st.text(max_size=17).filter(lambda t: any(c not in uscc.ALPHABET for c in t)))
def test_uscc_check_digit_refuses_other_characters(text: str) -> None:
    with pytest.raises(InvalidFormat):
        uscc.calc_check_digit(text)


def test_uscc_known_good_from_stdnum_docs() -> None:
    assert uscc.validate("91110000600037341L") == "91110000600037341L"
    assert uscc.validate("9 1 110000 600037341L") == "91110000600037341L"
    assert uscc.format("9 1 110000 600037341L") == "91110000600037341L"


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("91110000600037341M", InvalidChecksum),
        ("12345", InvalidLength),
        ("911100006000373411L", InvalidLength),
        ("9111000060003734IL", InvalidFormat),
        ("9111000O600037341L", InvalidFormat),
    ],
)
def test_uscc_known_bad(number: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        uscc.validate(number)
    assert not uscc.is_valid(number)


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_uscc_authorities_a_n_y_accepted_when_check_char_right(authority: str) -> None:
    number = with_check(authority + "1110000600037341")
    with pytest.raises(InvalidFormat):
        stdnum_uscc.validate(number)  # the gap custrecord closes
    assert uscc.validate(number) == number
    assert uscc.validate(number.lower()) == number
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(InvalidChecksum):
        uscc.validate(wrong)


def test_uscc_other_letters_in_first_place_are_invalid() -> None:
    for authority in "BCMX":
        with pytest.raises(InvalidFormat):
            uscc.validate(with_check(authority + "1110000600037341"))
    with pytest.raises(InvalidFormat):
        uscc.calc_check_digit("Z1110000600037341")
    with pytest.raises(InvalidFormat):
        uscc.validate("Z1110000600037341L")
    # A letter in the region part is never right, even for authority A.
    with pytest.raises(InvalidFormat):
        uscc.validate(with_check("A111A000600037341"))


def test_uscc_authority_zero_is_an_impossible_component() -> None:
    with pytest.raises(InvalidComponent):
        uscc.validate(with_check("01110000600037341"))


def test_uscc_embedded_organisation_code() -> None:
    good = "91110000600037341L"  # 60003734-1 is a valid organisation code
    assert uscc.validate(good, check_organization_code=True) == good
    bad = with_check("91110000600037342")  # right USCC check char, wrong org-code check char
    assert uscc.validate(bad) == bad
    with pytest.raises(InvalidComponent):
        uscc.validate(bad, check_organization_code=True)
    assert not uscc.is_valid(bad, check_organization_code=True)
    ayn = with_check("Y1110000600037342")
    with pytest.raises(InvalidComponent):
        uscc.validate(ayn, check_organization_code=True)


def test_uscc_region() -> None:
    assert uscc.region("91320594MA1MXXXX0X") == "320594"


@given(usccs())
def test_generated_usccs_are_valid(number: str) -> None:
    assert uscc.validate(number, check_organization_code=True) == number
    if number[0].isdigit():
        assert stdnum_uscc.is_valid(number)


@given(usccs(), st.integers(0, 16), st.sampled_from(uscc.ALPHABET))
def test_uscc_single_substitution_is_caught(number: str, position: int, char: str) -> None:
    if number[position] == char:
        return
    changed = number[:position] + char + number[position + 1 :]
    assert not uscc.is_valid(changed)


# -- organisation code ---------------------------------------------------------


def test_orgcode() -> None:
    assert orgcode.validate("60003734-1") == "600037341"
    assert orgcode.format("600037341") == "60003734-1"
    assert orgcode.calc_check_digit("60003734") == "1"
    assert orgcode.is_valid("600037341")
    with pytest.raises(InvalidChecksum):
        orgcode.validate("600037342")
    with pytest.raises(InvalidLength):
        orgcode.validate("6000373")
    with pytest.raises(InvalidFormat):
        orgcode.validate("6000373#1")
    with pytest.raises(InvalidFormat):
        orgcode.validate("60003734Y")


def test_orgcode_check_char_x_and_zero() -> None:
    bodies = {orgcode.calc_check_digit(f"{n:08d}"): f"{n:08d}" for n in range(200)}
    assert {"X", "0"} <= set(bodies)
    for check, body in bodies.items():
        assert orgcode.validate(body + check) == body + check


# -- legacy numbers ------------------------------------------------------------


def test_legacy_15() -> None:
    assert legacy_cn.validate("110108600037341") == "110108600037341"
    assert legacy_cn.validate("110108-60003734-1") == "110108600037341"
    with pytest.raises(InvalidChecksum):
        legacy_cn.validate("110108600037342")
    with pytest.raises(InvalidComponent):
        legacy_cn.validate("990108600037341")


def test_legacy_20() -> None:
    assert legacy_cn.validate("36042619910101007101") == "36042619910101007101"
    assert legacy_cn.validate("36042691010100700001") == "36042691010100700001"  # 15-digit old ID
    with pytest.raises(InvalidComponent):
        legacy_cn.validate("36042691130100700001")  # month 13
    with pytest.raises(InvalidFormat):
        legacy_cn.validate("3604261991010100710A")
    with pytest.raises(InvalidLength):
        legacy_cn.validate("91110000600037341L")


def test_legacy_rejects_other_scripts_digits() -> None:
    with pytest.raises(InvalidFormat):
        legacy_cn.validate("110108" + "٩٠٠١٠١" + "٠٠٠٠٠٠٠٠")
    with pytest.raises(ValidationError):
        orgcode.validate("60003734١")


# -- every module: python-stdnum shape, doctests, junk ---------------------------


@pytest.mark.parametrize("module", ALL_MODULES, ids=MODULES)
def test_module_shape_and_doctests(module: ModuleType) -> None:
    for name in ("compact", "validate", "is_valid", "format"):
        assert callable(getattr(module, name))
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL)
    assert result.failed == 0


_JUNK = st.one_of(
    st.text(),
    st.text("0123456789ANYXLMZIO-. \t²٣８９ｘ", max_size=24),
    st.text(max_size=3).map(lambda s: s * 4000),
    st.binary(max_size=24).map(lambda b: b.decode("latin-1")),
    st.sampled_from(("", " ", "-", "None", "\x00" * 18, "\ud800" * 18)),
    st.none(),
    st.integers(),
    st.floats(),
)


@given(st.sampled_from(ALL_MODULES), st.sampled_from(("compact", "validate", "is_valid", "format")), _JUNK)
def test_modules_only_raise_stdnum_errors_on_junk(module: ModuleType, function: str, value: Any) -> None:
    try:
        result = getattr(module, function)(value)
    except ValidationError:
        assert function == "validate"
        return
    if function == "is_valid":
        assert isinstance(result, bool)
    else:
        assert isinstance(result, str)
    if function == "validate":
        assert result.isascii()
        assert result == module.compact(result)


_USCC_LIKE = st.text("0123456789ABCDEFGHJKLMNPQRTUWXYIOZSV -", min_size=16, max_size=20)


@given(st.one_of(_USCC_LIKE, usccs(authorities="0123456789"), _JUNK.filter(lambda v: isinstance(v, str))))
def test_uscc_agrees_with_stdnum_for_numeric_authorities(number: str) -> None:
    """custrecord validates USCCs itself (faster); for authorities 1-9 it must agree with stdnum."""
    compact = uscc.compact(number)
    if compact[:1] in ("A", "N", "Y", "0") or "." in number or not number.isascii():
        # stdnum also deletes Unicode look-alikes of "-" (such as "¯"); custrecord's tax-ID
        # rule NFKC-normalises and strips separators before it calls this module.
        return
    try:
        expected: object = stdnum_uscc.validate(number)
    except ValidationError as exc:
        expected = type(exc)
    try:
        got: object = uscc.validate(number)
    except ValidationError as exc:
        got = type(exc)
    assert got == expected


@given(usccs(authorities="0"))
def test_uscc_authority_zero_passes_stdnum_but_not_custrecord(number: str) -> None:
    assert stdnum_uscc.is_valid(number)
    with pytest.raises(InvalidComponent):
        uscc.validate(number)


def test_is_valid_answers_both_ways() -> None:
    assert uscc.is_valid("91110000600037341L")
    assert uscc.is_valid("91110000600037341L", check_organization_code=True)
    assert not uscc.is_valid("91110000600037341M")
    assert legacy_cn.is_valid("110108600037341")
    assert not legacy_cn.is_valid("110108600037342")
    assert orgcode.is_valid("MA1MXXXX9")
    assert not orgcode.is_valid("MA1MXXXX8")


def test_authorities_1_to_9_keep_stdnums_shape() -> None:
    """A type character that is a letter is GB 32100 only for authorities A, N and Y."""
    with pytest.raises(InvalidFormat):
        uscc.validate("9A110000600037341Q")  # the check character is right for these 17
    assert uscc.validate("A1110000100000008H") == "A1110000100000008H"


def test_legacy_20_from_a_resident_id_ending_in_x() -> None:
    assert legacy_cn.validate("11010519491231002x01") == "11010519491231002X01"
    assert legacy_cn.format("1101051949-1231002x 01") == "11010519491231002X01"
    with pytest.raises(InvalidFormat):
        legacy_cn.validate("360426199101010071A1")  # the last two are not digits
    with pytest.raises(ValidationError):
        legacy_cn.validate("3604269101010070A001")  # a letter: not a first-generation ID


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("36042691123100700001", True),  # 31 December 1991
        ("36042691010100700001", True),
        ("36042691013200700001", False),  # day 32
        ("36042691010000700001", False),  # day 0
        ("36042691003100700001", False),  # month 0
        ("36042691133100700001", False),  # month 13
    ],
)
def test_legacy_20_from_a_first_generation_id_checks_its_date(number: str, valid: bool) -> None:
    assert legacy_cn.is_valid(number) is valid

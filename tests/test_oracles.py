"""Independent oracles: expected values worked out by hand from the standards, written as literals.

The other identifier tests build their numbers with the code under test
(``uscc.calc_check_digit``) or check against python-stdnum, which has no USCCs of
authorities A, N and Y. A bug in our check character would pass those; it fails here.

GB 32100-2015: value of each of the first 17 characters in ``0-9 A-H J-N P-R T U W-Y``
(0 to 30), weights 3^i mod 31 = 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28, check
value (31 - sum mod 31) mod 31. GB 11714 (characters 9-17): values 0-9 and A-Z = 10-35,
weights 3 7 9 10 5 8 4 2, check 11 - sum mod 11, where 10 is ``X`` and 11 is ``0``.

Worked example, ``N2320594MA1MXXXX9E``:
  organisation code MA1MXXXX: 22*3 + 10*7 + 1*9 + 22*10 + 33*(5+8+4+2) = 992; 992 mod 11 = 2;
  11 - 2 = 9, so ``MA1MXXXX9``.
  USCC: N=22 M=21 A=10 X=29; 22*1 + 2*3 + 3*9 + 2*27 + 0*19 + 5*26 + 9*16 + 4*17 + 21*20 + 10*29
  + 1*25 + 21*13 + 29*(8+24+10+30) + 9*28 = 3799; 3799 mod 31 = 17; 31 - 17 = 14, ``E``.
"""

from __future__ import annotations

import pytest
from stdnum.exceptions import InvalidChecksum, InvalidComponent

import custrecord
from custrecord.identifiers import uscc

#: (USCC, region), each check character computed by hand as above.
USCC_VECTORS = [
    # A1, organisation code 10000000 -> 3, 11 - 3 = 8; USCC sum 10+3+9+27+20+224 = 293 = 9*31 + 14 -> 17, H
    ("A1110000100000008H", "110000"),
    # N2, the worked example of the module docstring
    ("N2320594MA1MXXXX9E", "320594"),
    # Y1, organisation code 12345678 -> 201 = 18*11 + 3, 11 - 3 = 8; USCC sum 1178 = 38*31 -> 0, "0"
    ("Y14403001234567880", "440300"),
    # A9, organisation code 00000006 -> 12 = 11 + 1, 11 - 1 = 10, X; USCC sum 1065 = 34*31 + 11 -> 20, L
    ("A911000000000006XL", "110000"),
]


@pytest.mark.parametrize(("number", "region"), USCC_VECTORS)
def test_uscc_of_authorities_a_n_y(number: str, region: str) -> None:
    assert uscc.validate(number) == number
    assert uscc.validate(number, check_organization_code=True) == number
    assert uscc.region(number) == region
    spaced = f"{number[:6]} {number[6:12]}-{number[12:].lower()}"
    assert uscc.validate(spaced) == number


@pytest.mark.parametrize(("number", "region"), USCC_VECTORS)
def test_uscc_of_authorities_a_n_y_with_any_other_check_character(number: str, region: str) -> None:
    for other in sorted(set("0123456789ABCDEFGHJKLMNPQRTUWXY") - {number[-1]}):
        with pytest.raises(InvalidChecksum):
            uscc.validate(number[:-1] + other)


def test_uscc_whose_organisation_code_is_wrong() -> None:
    """``A1110000100000007`` + its USCC check: the GB 11714 check of 10000000 is 8, not 7.
    USCC sum 293 - 28 = 265 = 8*31 + 17 -> 14, ``E``."""
    assert uscc.validate("A1110000100000007E") == "A1110000100000007E"
    with pytest.raises(InvalidComponent):
        uscc.validate("A1110000100000007E", check_organization_code=True)


@pytest.mark.parametrize(("number", "region"), USCC_VECTORS)
def test_a_customer_with_such_a_uscc_is_accepted(number: str, region: str) -> None:
    report = custrecord.validate({"name": "某农民专业合作社", "tax_id": number.lower()})
    assert report.problems == ()
    assert report.customer is not None
    assert report.customer.tax_id == number
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert custrecord.validate({"name": "x", "tax_id": wrong}).codes() == {"tax_id": ["invalid_checksum"]}


def test_the_organisation_code_is_checked_only_when_asked() -> None:
    assert uscc.is_valid("A1110000100000007E")
    assert not uscc.is_valid("A1110000100000007E", check_organization_code=True)


def test_a_legacy_number_keeps_an_upper_case_x() -> None:
    """11010519491231002X is the resident ID of GB 11643's example; a legacy number adds two digits."""
    from custrecord.identifiers import legacy_cn

    assert legacy_cn.validate("11010519491231002X01") == "11010519491231002X01"

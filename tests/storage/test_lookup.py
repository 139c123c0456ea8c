"""Phone look-up keys: a number written as ``+`` and digits is read alike whatever the default region."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrecord.storage import lookup
from custrecord.testing.strategies import cn_mobiles, cn_phones
from custrecord.validation.contact import _parse_phone

_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
#: Examples of every region and kind, as phonenumbers' metadata has them, in E.164.
_EXAMPLES = sorted(
    {
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        for region in phonenumbers.SUPPORTED_REGIONS
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)
        if (number := phonenumbers.example_number_for_type(region, kind)) is not None
    }
)


def _plus_digits() -> st.SearchStrategy[str]:
    """``+`` and digits: a known calling code, then digits (often no valid number), or any digits."""
    known = st.builds(lambda code, rest: f"+{code}{rest}", st.sampled_from(_CODES),
                      st.text("0123456789", max_size=14))
    return st.one_of(known, st.text("0123456789", max_size=16).map(lambda d: f"+{d}"))


@given(st.one_of(_plus_digits(), st.sampled_from(_EXAMPLES), cn_mobiles(), cn_phones()))
def test_plus_digits_read_as_phonenumbers_reads_them_without_a_region(text: str) -> None:
    lookup._normal.cache_clear()
    assert lookup._normal(text, "ZZ") == lookup._normal(text, "") == _parse_phone(text, "ZZ")


@pytest.mark.parametrize(
    "text", ["+86 138 1234 5678", "＋8613812345678", "+8613812345678 转 801", "+44 020 7123 4567"]
)
def test_other_international_writings_read_as_without_a_region(text: str) -> None:
    assert lookup._normal(text, "ZZ") == lookup._normal(text, "") == _parse_phone(text, "ZZ")


@pytest.mark.parametrize(
    ("text", "national"),
    [("+8613812345678", "13812345678"), ("+12025550123", "2025550123"), ("+80012345678", "12345678"),
     ("+999123", None), ("8613812345678", None), ("+86", None)],
)
def test_national_number_after_the_calling_code(text: str, national: str | None) -> None:
    assert lookup._national(text) == national


def test_a_query_with_its_country_code_has_its_national_number_as_the_one_candidate() -> None:
    assert lookup.phone_candidates("+86 138 1234 5678") == frozenset({"13812345678"})
    assert lookup.phone_candidates("+4402071234567") == frozenset({"2071234567"})

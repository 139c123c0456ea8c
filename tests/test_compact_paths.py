"""Compacting skips translate() for text with nothing to take out: the same answers as always translating."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from custrecord.identifiers import uscc
from custrecord.text import _COMPACT, compact_identifier, nfkc
from custrecord.validation.contact import _fast_number, _parse_phone

#: Identifier characters as U8, Kingdee and Excel sheets hold them: ASCII, full-width, separators, spaces.
_ID_CHARS = st.sampled_from(
    [*"0123456789ABCDEFGHJKLMNPQRTUWXYabcxyz -./_\t\u00a0\u2010\u2014\u30fb\uff19\uff21\u3000é甲"]
)
_IDS = st.text(_ID_CHARS, max_size=24)


@given(_IDS)
def test_compact_identifier_equals_translating_always(text: str) -> None:
    assert compact_identifier(text) == nfkc(text).upper().translate(_COMPACT)


@given(_IDS)
def test_uscc_compact_equals_translating_always(text: str) -> None:
    assert uscc.compact(text) == text.translate(uscc._SEPARATORS).strip().upper()


@given(st.text(st.sampled_from(list("0123456789 -+")), min_size=1, max_size=16))
def test_fast_phone_path_agrees_with_phonenumbers(text: str) -> None:
    fast = _fast_number(text, "CN")
    if fast is not None:
        assert fast == _parse_phone(text, "CN")


def test_plain_and_spaced_numbers_take_the_fast_path() -> None:
    for text in ("13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678"):
        assert _fast_number(text, "CN") == "+8613812345678"
    assert uscc.validate("91110000600037341L") == "91110000600037341L"
    assert uscc.validate(" 9111 0000-6000.3734 1l ") == "91110000600037341L"

"""Chinese names: homophone typos, traditional characters, swapped and missing parts (literal cases)."""

from __future__ import annotations

import pytest

from custrecord.matching import find_duplicates, normalize_name
from custrecord.matching.chinese import simplify, sound

PHONE = "0512-65201234"


def _pair(a: str, b: str, **shared: str) -> list[tuple[int, int]]:
    return [(m.left, m.right) for m in find_duplicates([{"name": a, **shared}, {"name": b, **shared}])]


def test_sound_spells_chinese_by_pinyin_and_keeps_the_rest() -> None:
    assert sound("华康科技") == "huakangkeji"
    assert sound("华慷科技") == sound("華康科技") == "huakangkeji"
    assert sound("acme 3号") == "acme 3hao"
    assert sound("plain ascii") == "plain ascii"


def test_traditional_reference_words_become_simplified() -> None:
    assert simplify("蘇州華康科技有限責任公司") == "苏州华康科技有限责任公司"
    parts = normalize_name("蘇州華康科技集團有限公司")
    assert parts.core == "华康科技"
    assert parts.places == ("苏州",)
    assert parts.forms == ("集团", "有限公司")


@pytest.mark.parametrize(("left", "right"), [
    ("苏州华康科技有限公司", "苏州华慷科技有限公司"),    # homophone typo (同音错字)
    ("苏州华康科技有限公司", "蘇州華康科技有限公司"),    # traditional characters
    ("苏州华康科技有限公司", "華康科技（蘇州）有限公司"),  # place moved into brackets, traditional
    ("苏州华康科技有限公司", "华康科技有限公司"),        # place missing
])
def test_variants_of_one_name_with_one_phone_match(left: str, right: str) -> None:
    assert _pair(left, right, contact_phone=PHONE) == [(0, 1)]


def test_a_homophone_alone_is_strong_evidence() -> None:
    found = find_duplicates([{"name": "华康科技有限公司"}, {"name": "华慷科技有限公司"}])
    assert [(m.left, m.right) for m in found] == [(0, 1)]
    reasons = {r.field: r for r in found[0].reasons}
    assert reasons["name"].level == "sound"


def test_swapped_and_missing_words_in_latin_names() -> None:
    assert _pair("Acme Trading Co., Ltd.", "Trading Acme Limited", contact_phone=PHONE) == [(0, 1)]
    assert _pair("Acme Pacific Trading Ltd", "Acme Trading Ltd", contact_email="a@acme.com") == [(0, 1)]


def test_one_character_apart_without_other_evidence_is_not_enough() -> None:
    assert _pair("华宏科技有限公司", "华鑫科技有限公司") == []
    assert _pair("苏州华康科技有限公司", "无锡华康科技有限公司") == []


def test_a_missing_word_with_the_same_address_and_phone_matches() -> None:
    shared = {"contact_mobile": "13812345678", "city": "苏州", "street": "星湖街328号"}
    assert _pair("苏州华康电子科技有限公司", "苏州华康科技有限公司", **shared) == [(0, 1)]

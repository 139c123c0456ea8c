"""The reader compiled for a set of flat columns reads a record as the general parser does."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import custrecord.parse as parse_module
from custrecord.fields import FIELDS
from custrecord.flat import flatten
from custrecord.parse import parse
from custrecord.testing.strategies import customers, raw_records

#: Flat column headers of every field, English and Chinese, and a few that are no field.
_HEADERS = sorted(
    {h for f in FIELDS for h in (f.column, f.zh, *f.aliases)} | {"序号", "unknown column"}
)
_CELLS = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["", " ", "/", "无", "N/A", "***", "企业", "个人", "CN", "中国", "13812345678", "30天",
                     "500,000.00", "-5000", "2025-01-31", "是", "0101", "\u200b苏州\u3000 市", "\x00"]),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.booleans(),
)


def _both_ways(data: dict[Any, Any]) -> None:
    """Parse ``data`` through the general parser (a new plan) and then through the plan's reader."""
    parse_module._PLANS.pop((frozenset(), tuple(data)), None)
    general = parse(data)
    compiled = parse(data)
    assert repr(compiled) == repr(general)
    assert compiled[0] == general[0]
    assert compiled[1] == general[1]


@given(customers(), st.sampled_from(["en", "zh"]))
def test_a_flat_row_reads_alike_through_its_reader(customer: Any, headers: str) -> None:
    row = flatten(customer, headers=headers)
    _both_ways(row)
    # The usual import row: the columns a file fills, the others absent.
    _both_ways({k: v for k, v in row.items() if v})


@given(st.dictionaries(st.sampled_from(_HEADERS), _CELLS, max_size=12))
def test_flat_junk_reads_alike_through_its_reader(data: dict[str, Any]) -> None:
    _both_ways(data)


@given(raw_records().filter(lambda data: isinstance(data, dict)))
def test_any_record_reads_alike_the_second_time(data: dict[Any, Any]) -> None:
    _both_ways(data)


def test_a_reader_is_compiled_on_the_second_record_of_a_flat_column_set() -> None:
    row = {"客户名称": "苏州华信", "税号": "91320500MA1MXXXX0X", "手机": "13812345678", "city": "苏州"}
    parse_module._PLANS.pop((frozenset(), tuple(row)), None)
    parse(row)
    plan = parse_module._PLANS[(frozenset(), tuple(row))]
    assert plan.read is None
    parse(row)
    assert plan.read is not None
    nested = {**row, "contacts": [{"name": "李雷"}]}
    parse(nested)
    parse(nested)
    assert parse_module._PLANS[(frozenset(), tuple(nested))].read is None  # not flat columns only


def test_blank_and_bad_cells_of_each_part_read_alike() -> None:
    for row in (
        {"name": "甲", "credit_limit": "5", "credit_currency": ""},
        {"name": "甲", "credit_limit": "", "credit_currency": "usd", "kind": ""},
        {"name": "", "country": " ", "status": None, "province": "", "contact_name": "",
         "contact_mobile": "/"},
        {"kind": "合作伙伴", "credit_days": "三十", "postcode": "***", "contact_email": 5.5},
        {"客户名称": "乙", "信用额度": float("nan"), "省份": "江苏", "联系人": "李雷"},
    ):
        _both_ways(row)

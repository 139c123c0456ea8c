"""dump_json: the reused C encoder writes what the standard encoder writes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrecord.errors import StorageError
from custrecord.storage.documents import dump_json, load_json

_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(_values)
def test_dump_json_is_the_standard_compact_encoding(value: Any) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    assert dump_json(value) == expected
    assert load_json(dump_json(value)) == json.loads(expected)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {"limit": Decimal(1)}, {1j: 1}, {1, 2}])
def test_dump_json_refuses_what_json_cannot_hold(value: Any) -> None:
    with pytest.raises(StorageError, match="not JSON-safe"):
        dump_json(value)


def test_dump_json_refuses_a_cycle_and_goes_on() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(StorageError, match="not JSON-safe"):
        dump_json(cycle)
    assert dump_json({"after": [1, "二"]}) == '{"after":[1,"二"]}'

"""Properties of scoring and blocking (hypothesis)."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from custrecord.matching import candidates, find_duplicates
from custrecord.matching.features import extract
from custrecord.matching.model import DEFAULT_MODEL, Model
from custrecord.matching.scoring import Screen, pattern, score, score_of

_LEFT = "华宏鑫源泰恒丰瑞达盛德昌科技贸易acmetrding "
_RIGHT = "QXZJVWÆØÅ"  # shares no character with the records above

_record = st.fixed_dictionaries({
    "name": st.text(alphabet=_LEFT, min_size=0, max_size=12),
    "contact_mobile": st.none() | st.sampled_from(["13812345678", "13912345678"]),
    "street": st.none() | st.sampled_from(["星湖街328号", "1 main road", "2 main road"]),
    "city": st.none() | st.sampled_from(["苏州", "无锡", "sydney"]),
    "postcode": st.none() | st.sampled_from(["215000", "2000"]),
    "kind": st.sampled_from(["enterprise", "individual"]),
})


@given(_record, _record)
def test_scores_are_symmetric_and_between_0_and_1(a: dict[str, str], b: dict[str, str]) -> None:
    fa, fb = extract(a), extract(b)
    value = score(fa, fb)
    assert 0.0 <= value <= 1.0
    assert value == score(fb, fa)


# Fitted-looking weights: strong evidence either way, a low prior (as over all pairs of many records).
_FITTED = Model(tuple(tuple(w * 2.5 for w in row) for row in DEFAULT_MODEL.weights), -17.0)


@given(_record, _record, st.sampled_from([0.0, 0.3, 0.8, 0.95, 0.999, 1.0]),
       st.sampled_from([DEFAULT_MODEL, _FITTED]))
def test_the_screen_rules_out_only_pairs_under_the_threshold(a: dict[str, str], b: dict[str, str],
                                                            threshold: float, model: Model) -> None:
    fa, fb = extract(a), extract(b)
    if score_of(pattern(fa, fb, model), model) >= threshold:
        assert Screen(model, threshold).passes(fa, fb)


@given(st.lists(_record, max_size=12))
def test_a_record_never_matches_itself(records: list[dict[str, str]]) -> None:
    for m in find_duplicates(records, threshold=0.0):
        assert 0 <= m.left < m.right < len(records)


@given(st.lists(_record, min_size=2, max_size=12), st.text(alphabet=_RIGHT, min_size=1, max_size=8))
def test_an_unrelated_record_leaves_the_blocking_of_the_others_alone(records: list[dict[str, str]],
                                                                     name: str) -> None:
    features = [extract(r) for r in records]
    before = set(candidates(features).pairs())
    stranger = extract({"name": name, "street": name, "postcode": "9" * 7, "city": name})
    after = set(candidates([*features, stranger]).pairs())
    assert {p for p in after if len(records) not in p} == before


def test_matching_imports_its_heavy_parts_only_when_records_are_compared() -> None:
    heavy = "('pypinyin', 'rapidfuzz', 'splink')"
    code = ("import sys, custrecord, custrecord.matching; "
            f"print(','.join(m for m in sys.modules if m.split('.')[0] in {heavy}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

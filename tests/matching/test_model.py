"""The Fellegi-Sunter model: EM recovers m and u, small inputs fall back to the default weights."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from custrecord.matching import COMPARISONS, DEFAULT_MODEL, Model, run
from custrecord.matching.comparisons import Level, Outcome
from custrecord.matching.features import extract
from custrecord.matching.model import MIN_RECORDS, Pattern, expectation_maximisation, fit


def _toy() -> tuple:  # three binary comparisons
    from custrecord.matching.comparisons import Comparison

    def never(a: object, b: object) -> None:
        return None

    levels = (Level("agree", Outcome.AGREE, 4.0, 0.8), Level("other", Outcome.DISAGREE, -4.0, 0.2))
    return tuple(Comparison(f"f{k}", levels, never) for k in range(3))


def test_em_recovers_planted_probabilities() -> None:
    comparisons = _toy()
    rng = random.Random(3)
    m, u = (0.9, 0.8, 0.95), (0.05, 0.1, 0.02)
    patterns: Counter[Pattern] = Counter()
    for _ in range(2_000):
        patterns[tuple(0 if rng.random() < p else 1 for p in m)] += 1
    for _ in range(18_000):
        patterns[tuple(0 if rng.random() < p else 1 for p in u)] += 1
    start = [[x, 1 - x] for x in (0.2, 0.2, 0.2)]
    fitted_m, fitted_u, share, expected = expectation_maximisation(patterns, start, comparisons=comparisons)
    assert share == pytest.approx(0.1, abs=0.02)
    assert expected == pytest.approx(2_000, rel=0.1)
    for k in range(3):
        assert fitted_m[k][0] == pytest.approx(m[k], abs=0.05)
        assert fitted_u[k][0] == pytest.approx(u[k], abs=0.03)


def test_weights_are_log2_of_m_over_u() -> None:
    comparisons = _toy()
    candidates: Counter[Pattern] = Counter({(0, 0, 0): 200, (1, 1, 1): 800, (0, 1, 1): 50})
    random_pairs: Counter[Pattern] = Counter({(1, 1, 1): 950, (0, 1, 1): 30, (1, 0, 1): 20})
    model = fit(candidates, random_pairs, comparisons=comparisons, total_pairs=100_000)
    assert model.fitted
    assert model.m is not None
    assert model.u is not None
    for k in range(3):
        for level in range(2):
            assert model.weights[k][level] == pytest.approx(math.log2(model.m[k][level] / model.u[k][level]))
    assert model.to_dict()["fitted"] is True


def test_a_sample_of_the_candidates_gives_the_weights_of_all_of_them() -> None:
    comparisons = _toy()
    candidates: Counter[Pattern] = Counter({(0, 0, 0): 200, (1, 1, 1): 800, (0, 1, 1): 50})
    random_pairs: Counter[Pattern] = Counter({(1, 1, 1): 950, (0, 1, 1): 30, (1, 0, 1): 20})
    whole = fit(candidates, random_pairs, comparisons=comparisons, total_pairs=1_000_000)
    scaled = fit(candidates, random_pairs, comparisons=comparisons, total_pairs=1_000_000,
                 candidate_pairs=10 * sum(candidates.values()))
    assert scaled.weights == whole.weights
    assert scaled.matches == pytest.approx(10 * whole.matches)
    assert scaled.pairs == 10 * whole.pairs
    # Ten times the duplicates among the same number of pairs: the prior rises by about log2(10).
    assert scaled.prior - whole.prior == pytest.approx(math.log2(10), abs=0.01)


def test_small_inputs_use_the_default_weights() -> None:
    records = [{"name": f"客户{i}有限公司"} for i in range(MIN_RECORDS - 1)]
    done = run([extract(r) for r in records])
    assert done.model is DEFAULT_MODEL
    assert not done.model.fitted
    assert DEFAULT_MODEL.weights[COMPARISONS.index(COMPARISONS[0])][0] == 12.0


def test_default_model_weights_are_the_levels_defaults() -> None:
    assert Model.default().weights == tuple(tuple(lv.weight for lv in c.levels) for c in COMPARISONS)

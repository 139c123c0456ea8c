"""find_duplicates, the Matcher index and the store-wide search (SPEC 4)."""

from __future__ import annotations

import random
from collections.abc import Sequence

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import custrecord
from custrecord.matching import (
    DEFAULT_THRESHOLD,
    Match,
    Matcher,
    Outcome,
    block_keys,
    cluster,
    extract,
    find_duplicates,
    find_duplicates_in,
    run,
    valid_tax_id,
)
from custrecord.matching.features import _uscc_valid
from custrecord.model import Contact, Customer, Kind

TAX_A = "91110000600037341L"


def _uscc(body: str) -> str:
    from custrecord.identifiers.uscc import calc_check_digit

    return body + calc_check_digit(body)


TAX_B = _uscc("91320594MA1MABCD1")
TAX_C = _uscc("91320500MA1MQRT2X")


def test_entry_point_is_exported() -> None:
    assert custrecord.find_duplicates is find_duplicates
    assert custrecord.Match is Match


def test_variants_of_one_company_match_with_reasons() -> None:
    records = [
        {"name": "苏州示例科技有限公司", "contact_mobile": "138 1234 5678",
         "contact_email": "Sales@Example.cn"},
        {"name": "示例科技（苏州）有限公司", "contact_mobile": "+86 138-1234-5678"},
        {"name": "杭州另一家贸易有限公司", "contact_mobile": "13900000000"},
        {"name": "江苏省苏州市示例科技有限责任公司", "contact_email": "sales@example.cn"},
    ]
    found = find_duplicates(records)
    assert [(m.left, m.right) for m in found] == [(0, 1), (0, 3), (1, 3)]
    for m in found:
        assert m.left < m.right
        assert 0.0 <= m.score <= 1.0
        assert m.score >= DEFAULT_THRESHOLD
        assert {r.field for r in m.reasons} >= {"name"}
        assert all(r.outcome in tuple(Outcome) for r in m.reasons)
    first = {r.field: r for r in found[0].reasons}
    assert first["phone"].outcome is Outcome.AGREE
    assert first["name"].similarity == 1.0


def test_equal_tax_ids_are_duplicates_whatever_the_names() -> None:
    found = find_duplicates([{"name": "Acme Trading Ltd", "tax_id": TAX_A},
                             {"name": "完全不同的名字", "tax_id": TAX_A.lower()}])
    assert len(found) == 1
    assert found[0].certain
    assert found[0].score >= 0.95


def test_different_valid_tax_ids_are_never_duplicates() -> None:
    records = [{"name": "苏州示例科技有限公司", "tax_id": TAX_B, "contact_mobile": "13812345678"},
               {"name": "苏州示例科技有限公司", "tax_id": TAX_C, "contact_mobile": "13812345678"}]
    assert find_duplicates(records) == []
    low = find_duplicates(records, threshold=0.0)
    assert low[0].conflict
    assert low[0].score < 0.5


def test_an_invalid_tax_id_typo_only_weakens_evidence() -> None:
    typo = TAX_B[:5] + ("1" if TAX_B[5] != "1" else "2") + TAX_B[6:]
    found = find_duplicates([{"name": "苏州示例科技有限公司", "tax_id": TAX_B},
                             {"name": "苏州示例科技有限公司", "tax_id": typo}])
    assert len(found) == 1
    assert not found[0].conflict


def test_branches_and_other_cities_are_not_the_head_office() -> None:
    records = [{"name": "示例科技有限公司"}, {"name": "示例科技有限公司上海分公司"},
               {"name": "苏州示例科技有限公司"}, {"name": "无锡示例科技有限公司"}]
    pairs = {(m.left, m.right) for m in find_duplicates(records)}
    assert (0, 1) not in pairs
    assert (2, 3) not in pairs
    assert (0, 2) in pairs


def test_bad_data_only_weakens_the_evidence() -> None:
    records: list[object] = [
        {"name": "", "contact_mobile": "138 1234 5678", "tax_id": "garbage"},
        {"name": None, "contact_mobile": "+8613812345678", "priority": "not a number"},
        {"credit_limit": "lots", "contact_phone": "call me"},
        {"name": "苏州示例科技有限公司", "extra": 5, "contacts": "nope"},
        "not even a mapping",
        {},
    ]
    found = find_duplicates(records)  # type: ignore[arg-type]
    assert all(isinstance(m, Match) for m in found)
    assert all(0 <= m.left < m.right < len(records) for m in found)


def test_individuals_need_more_than_a_name() -> None:
    people = [{"name": "张伟", "kind": "个人"}, {"name": "张伟", "kind": "个人"}]
    assert find_duplicates(people) == []
    people[1]["contact_mobile"] = people[0]["contact_mobile"] = "13812345678"
    assert len(find_duplicates(people)) == 1


def test_a_mobile_with_and_without_the_country_code_agrees() -> None:
    """U8 rows of one customer, the second keyed in with +86; 194 is newer than phonenumbers' metadata."""
    rows = [{"客户名称": "苏州恒远贸易有限公司", "联系人": "王芳", "手机": "19452211524"},
            {"客户名称": "恒远贸易（苏州）有限公司", "联系人": "王芳", "手机": "+86 194 5221 1524"}]
    (match,) = find_duplicates(rows)
    assert any(r.field == "phone" and r.outcome is Outcome.AGREE for r in match.reasons)


def _namesakes() -> list[dict[str, str]]:
    """A U8 export: 2,000 companies, a tenth of them keyed twice, and 60 people of 20 common names.

    Each person is their own contact (联系人 = 客户名称), with their own mobile and house number.
    """
    rows = []
    for i in range(2000):
        row = {"客户名称": f"苏州{i:04d}号贸易有限公司", "客户类型": "企业", "联系人": f"联系人{i}",
               "手机": f"139{i:08d}", "城市": "苏州", "地址": f"人民路{i + 1}号"}
        rows.append(row)
        if i % 10 == 0:
            rows.append({**row, "客户名称": f"{row['客户名称'][2:-4]}（苏州）有限公司"})
    for k in range(60):
        name = "张王李赵刘"[k % 5] + "伟芳娜敏"[k // 5 % 4]
        rows.append({"客户名称": name, "客户类型": "个人", "联系人": name, "手机": f"138{k:08d}",
                     "城市": "苏州", "地址": f"中山路{k + 1}号"})
    return rows


def test_namesakes_in_one_city_are_not_one_person() -> None:
    """Three people called 张伟 share a name, a city and a street: not enough for one person.

    Their name's u is learned among people (namesakes are common there), not among
    company names, and a person named as their own contact does not count twice.
    """
    rows = _namesakes()
    done = run([extract(r) for r in rows])
    assert done.model.fitted
    people = {i for i, r in enumerate(rows) if r["客户类型"] == "个人"}
    assert [m for m in done.matches if m.left in people or m.right in people] == []
    companies = [m for m in done.matches if m.left not in people]
    assert len(companies) == 200  # every company keyed twice is still found


def test_threshold_is_checked() -> None:
    with pytest.raises(custrecord.CustrecordError):
        find_duplicates([], threshold=1.5)
    assert find_duplicates([]) == []


def test_matcher_checks_one_record_without_a_scan() -> None:
    m = Matcher()
    m.index([{"name": f"客户{i:05d}贸易有限公司", "contact_mobile": f"139{i:08d}"} for i in range(500)])
    m.index([{"name": "苏州示例科技有限公司", "contact_mobile": "13812345678"}])
    new = {"name": "示例科技（苏州）有限公司", "contact_mobile": "138-1234-5678"}
    assert m.candidates_for(new) == [500]
    hits = m.match(new)
    assert [h.key for h in hits] == [500]
    assert hits[0].score > 0.9


def test_blocking_compares_far_fewer_than_all_pairs() -> None:
    rng = random.Random(1)
    chars = "华宏鑫源泰恒丰瑞达盛德昌隆兴嘉博创远航康安晟锦辰新天宇通利佳合信诚明辉金银星光海峰润祥旭彩"
    names = sorted({"".join(rng.sample(chars, 3)) for _ in range(420)})[:400]
    records = [{"name": f"{n}科技有限公司", "contact_mobile": f"139{i:08d}"} for i, n in enumerate(names)]
    records += [dict(records[i]) for i in range(0, 400, 40)]
    m = Matcher()
    m.index(records)
    found = m.duplicates()
    assert len(found) == 10
    assert m.compared < 2_000  # against 82,621 pairs


class _Store:
    """A toy store answering lookups by blocking key."""

    def __init__(self, customers: Sequence[Customer]) -> None:
        self.index: dict[tuple[str, str], list[Customer]] = {}
        for c in customers:
            for key in block_keys(extract(c)):
                kind, _, value = key.partition(":")
                self.index.setdefault((kind, value), []).append(c)
        self.asked: list[str] = []

    def lookup(self, kind: str, value: str, limit: int) -> Sequence[Customer]:
        self.asked.append(kind)
        return self.index.get((kind, value), [])[:limit]


def test_find_duplicates_in_a_store() -> None:
    stored = [
        Customer(name="苏州示例科技有限公司", code="C001", tax_id=TAX_B),
        Customer(name="杭州另一家贸易有限公司", code="C002"),
        Customer(name="Acme Trading Co., Ltd.", code="C003", contacts=(Contact(email="a@acme.com"),)),
    ]
    store = _Store(stored)
    hits = find_duplicates_in(store, {"name": "示例科技(苏州)有限公司", "tax_id": TAX_B})
    assert [h.key for h in hits] == ["C001"]
    assert hits[0].customer is stored[0]
    assert "tax" in store.asked
    assert [h.key for h in find_duplicates_in(store, {"name": "ACME TRADING LIMITED"})] == ["C003"]
    assert find_duplicates_in(store, stored[0], exclude="C001") == []


# -- properties -------------------------------------------------------------------

_company = st.builds(
    lambda core, form, mobile, tax: Customer(
        name=core + form,
        tax_id=tax,
        contacts=(Contact(mobile=mobile),) if mobile else (),
    ),
    st.text(alphabet="华宏鑫源泰恒丰瑞达盛德昌科技贸易电子acmetrding ", min_size=2, max_size=12),
    st.sampled_from(["有限公司", "股份有限公司", " Co., Ltd.", ""]),
    st.none() | st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
    st.none() | st.just(TAX_A),
)


@given(_company)
def test_a_record_always_matches_itself(customer: Customer) -> None:
    assume(not extract(customer).name.is_blank or customer.tax_id or customer.contacts)
    found = find_duplicates([customer, customer])
    assert [(m.left, m.right) for m in found] == [(0, 1)]


@given(_company, _company)
def test_nothing_scores_higher_than_a_record_against_itself(a: Customer, b: Customer) -> None:
    from custrecord.matching.scoring import score

    fa, fb = extract(a), extract(b)
    assert score(fa, fb) <= score(fa, fa) + 1e-9
    assert score(fa, fb) == pytest.approx(score(fb, fa))


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYANZIOSV", min_size=16, max_size=19))
def test_fast_uscc_check_agrees_with_the_validator(text: str) -> None:
    from custrecord.identifiers.uscc import is_valid

    candidates = [text]
    if len(text) >= 17 and _uscc_valid_shape(text[:17]):
        candidates.append(_uscc(text[:17]))
    for number in candidates:
        assert _uscc_valid(number) == is_valid(number), number


def _uscc_valid_shape(body: str) -> bool:
    return all(c in "0123456789ABCDEFGHJKLMNPQRTUWXY" for c in body)


def test_individual_kind_is_read_from_mappings() -> None:
    assert extract({"name": "张伟", "kind": "个人"}).kind is Kind.INDIVIDUAL
    assert extract(attrs.evolve(Customer(name="x"), kind=Kind.INDIVIDUAL)).kind is Kind.INDIVIDUAL


def test_a_large_tax_id_block_is_chained_not_paired() -> None:
    records = [{"name": f"分店{i}", "tax_id": TAX_A} for i in range(100)]
    m = Matcher()
    m.index(records)
    found = m.duplicates()
    assert m.passes["tax"] == 2 * 99  # tax ID and organisation code: a chain each, not all pairs
    assert cluster(found) == [list(range(100))]


def test_clusters_never_join_two_valid_tax_ids() -> None:
    records = [{"name": "苏州示例科技有限公司", "tax_id": TAX_B}, {"name": "苏州示例科技有限公司"},
               {"name": "苏州示例科技有限公司", "tax_id": TAX_C}]
    found = find_duplicates(records)
    assert len(cluster(found)) == 1  # joined through the record without a tax ID
    groups = cluster(found, exclusive=[valid_tax_id(r) for r in records])
    assert all(not {0, 2} <= set(g) for g in groups)
    assert valid_tax_id({"tax_id": "123"}) is None

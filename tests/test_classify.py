"""Tags, priority and rule-based classification with explanations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrecord import Customer
from custrecord.classification import (
    POTENTIAL,
    VIP,
    ClassificationError,
    ClassificationRule,
    add_tags,
    always,
    classify,
    fact,
    field,
    remove_tags,
    set_priority,
    when,
)

BIG = ClassificationRule(
    "big-buyer", fact("annual_sales").at_least(10_000_000),
    add_tags={VIP}, remove_tags={POTENTIAL}, priority=1,
    reason="annual sales of at least 10 million", reason_zh="年销售额不低于1000万",
)
EAST = ClassificationRule("east", field("region").startswith("32"), category="0101")
NEW = ClassificationRule("prospect", fact("annual_sales").is_blank(), add_tags=POTENTIAL, priority=5)


def test_tag_and_priority_helpers() -> None:
    c = add_tags(Customer(name="x"), " ＶＩＰ ", POTENTIAL)
    assert c.tags == {VIP, POTENTIAL}
    assert remove_tags(c, POTENTIAL, "absent").tags == {VIP}
    assert set_priority(c, 2).priority == 2
    assert set_priority(c, None).priority is None
    for bad in (0, 6, True, "1"):
        with pytest.raises(ClassificationError):
            set_priority(c, bad)  # type: ignore[arg-type]
    with pytest.raises(ClassificationError):
        add_tags(c, "  ")
    with pytest.raises(ClassificationError):
        add_tags(c, "x" * 31)


def test_conditions() -> None:
    c = Customer(name="x", region="3205", tags=frozenset({VIP}), priority=2)
    facts = {"annual_sales": Decimal("12000000")}
    assert fact("annual_sales").above(Decimal("1.1E7"))(c, facts)
    assert not fact("annual_sales").below(5)(c, facts)
    assert fact("annual_sales").at_most("12,000,000")(c, facts)
    assert not fact("missing").at_least(0)(c, facts)
    assert fact("missing").is_blank()(c, facts)
    assert field("tags").contains(VIP)(c)
    assert field("priority").one_of(1, 2)(c)
    assert field("credit.limit").is_blank()(c)
    assert field("region").equals("3205")(c)
    cond = field("region").startswith("32") & ~field("tags").contains(POTENTIAL) | always
    assert cond(c)
    assert "region starts with '32'" in cond.describe()
    assert "以32开头" in cond.describe("zh")
    custom = when(lambda cust, f: cust.name == "x", "named x", "名为x")
    assert custom(c)
    assert custom.describe("zh") == "名为x"
    with pytest.raises(ClassificationError):
        field("nope")
    with pytest.raises(ClassificationError):
        fact("annual_sales").at_least("lots")


def test_rules_validate_themselves() -> None:
    with pytest.raises(ClassificationError):
        ClassificationRule("noop", always)
    with pytest.raises(ClassificationError):
        ClassificationRule("bad", always, priority=9)
    with pytest.raises(ClassificationError):
        ClassificationRule("both", always, add_tags={VIP}, remove_tags={VIP})
    assert ClassificationRule("r", always, category="ａ1").category == "A1"


def test_classify_explains_every_change() -> None:
    c = Customer(name="x", region="3205", tags=frozenset({POTENTIAL}))
    out = classify(c, [EAST, BIG, NEW], {"annual_sales": Decimal("15000000")})
    assert out.changed
    assert out.customer.category == "0101"
    assert out.customer.tags == {VIP}
    assert out.customer.priority == 1
    assert [(e.rule, e.field, e.old, e.new) for e in out.explanations] == [
        ("east", "category", None, "0101"),
        ("big-buyer", "tags", frozenset({POTENTIAL}), frozenset({VIP})),
        ("big-buyer", "priority", None, 1),
    ]
    assert out.explanations[2].message == (
        "rule 'big-buyer' set priority from none to 1 because annual sales of at least 10 million"
    )
    assert out.explanations[2].message_zh == "规则“big-buyer”将优先级由空改为1，因为年销售额不低于1000万"
    assert out.explanations[0].message.endswith("because region starts with '32'")
    # Nothing applies: same customer, no explanations.
    same = classify(Customer(name="y", region="11"), [EAST, BIG], {"annual_sales": 5})
    assert not same.changed
    assert same.customer == Customer(name="y", region="11")


def test_later_rules_see_earlier_changes() -> None:
    vip_first = ClassificationRule("vip-first", field("tags").contains(VIP), priority=1)
    out = classify(Customer(name="x"), [BIG, vip_first], {"annual_sales": 10**8})
    assert out.customer.priority == 1
    assert [e.rule for e in out.explanations] == ["big-buyer", "big-buyer"]


def test_unpacking_and_single_rule_apply() -> None:
    customer, explanations = classify(Customer(name="x", region="3201"), [EAST])
    assert customer.category == "0101"
    assert len(explanations) == 1
    one, why = EAST.apply(Customer(name="x", region="3201", category="0202"), overwrite=False)
    assert one.category == "0202"
    assert why == ()


def test_registration_keeps_given_values() -> None:
    c = Customer(name="x", region="3205", category="0202", priority=3, tags=frozenset({POTENTIAL}))
    out = classify(c, [EAST, BIG], {"annual_sales": 10**8}, overwrite=False)
    assert out.customer.category == "0202"
    assert out.customer.priority == 3
    assert out.customer.tags == {VIP, POTENTIAL}
    assert [e.field for e in out.explanations] == ["tags"]


@given(
    sales=st.one_of(st.none(), st.decimals(min_value=0, max_value=10**9, places=2)),
    region=st.sampled_from(["3205", "1101", None]),
    tags=st.frozensets(st.sampled_from([VIP, POTENTIAL, "X"])),
    priority=st.one_of(st.none(), st.integers(1, 5)),
)
def test_classify_is_idempotent_and_explains_exactly(
    sales: Decimal | None, region: str | None, tags: frozenset[str], priority: int | None
) -> None:
    c = Customer(name="x", region=region, tags=tags, priority=priority)
    facts = {} if sales is None else {"annual_sales": sales}
    once = classify(c, [EAST, BIG, NEW], facts)
    twice = classify(once.customer, [EAST, BIG, NEW], facts)
    assert twice.customer == once.customer
    assert not twice.changed
    changed = {e.field for e in once.explanations}
    for name in ("category", "tags", "priority"):
        assert (getattr(once.customer, name) != getattr(c, name)) == (name in changed)

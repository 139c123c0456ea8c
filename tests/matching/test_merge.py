"""Merging duplicates: survivor, survivorship rules, contacts, tax-ID conflicts, the merge record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import custrecord
from custrecord.matching import MergeError, Strategy, choose_survivor, merge, merge_contacts
from custrecord.model import Address, Contact, CreditProfile, Customer, Status

TAX = "91110000600037341L"


def _uscc(body: str) -> str:
    from custrecord.identifiers.uscc import calc_check_digit

    return body + calc_check_digit(body)


OTHER_TAX = _uscc("91320500MA1MQRT2X")


def _old() -> Customer:
    return Customer(
        name="苏州示例科技有限公司", code="C001", tax_id=TAX, status=Status.ACTIVE,
        address=Address(city="苏州"),
        contacts=(Contact(name="张伟", mobile="+8613812345678"),),
        credit=CreditProfile(grade="A"),
        tags=frozenset({"VIP"}), remarks="老客户",
        extra={"erp_id": "U8-1", "region_owner": "王"},
        created_at=datetime(2019, 5, 1, tzinfo=UTC), updated_at=datetime(2023, 1, 1, tzinfo=UTC),
    )


def _new() -> Customer:
    return Customer(
        name="示例科技（苏州）有限公司", code="C002", status=Status.PENDING,
        address=Address(province="江苏", city="苏州", street="星湖街328号"),
        contacts=(Contact(name="张伟", mobile="138 1234 5678", email="zw@example.cn"),
                  Contact(name="李娜", phone="0512-65201234")),
        tags=frozenset({"潜在"}), remarks="2025年重新录入的客户，联系人已更新",
        extra={"region_owner": "李"},
        created_at=datetime(2025, 1, 1, tzinfo=UTC), updated_at=datetime(2025, 3, 1, tzinfo=UTC),
    )


def test_default_merge_keeps_the_established_code_and_everything_useful() -> None:
    merged = merge([_new(), _old()], now=datetime(2025, 6, 1, tzinfo=UTC))
    c, rec = merged.customer, merged.record
    assert c.code == "C001"
    assert rec.survivor == "C001"
    assert rec.replaced == ("C002",)
    assert rec.survivor_index == 1
    assert c.name == "示例科技（苏州）有限公司"  # most recent
    assert c.address.street == "星湖街328号"  # most complete, taken whole
    assert c.tax_id == TAX
    assert c.credit.grade == "A"  # the survivor's terms stand
    assert c.tags == {"VIP", "潜在"}
    assert c.remarks == "2025年重新录入的客户，联系人已更新"  # longest
    assert dict(c.extra) == {"erp_id": "U8-1", "region_owner": "李"}
    assert c.created_at == datetime(2019, 5, 1, tzinfo=UTC)
    assert [x.name for x in c.contacts] == ["张伟", "李娜"]
    assert c.contacts[0].email == "zw@example.cn"
    assert c.contacts[0].mobile == "+8613812345678"
    fields = {ch.field: ch for ch in rec.choices}
    assert fields["name"].code == "C002"
    assert fields["name"].strategy == "most_recent"
    assert fields["address"].strategy == "most_complete"
    data = rec.to_dict()
    assert data["at"] == "2025-06-01T00:00:00+00:00"
    assert data["contacts"] == 2


def test_user_choices_and_strategies_override_the_rules() -> None:
    merged = merge([_old(), _new()], survivor=1, choose={"name": 0}, strategies={"remarks": "survivor"})
    c = merged.customer
    assert c.code == "C002"
    assert c.name == "苏州示例科技有限公司"
    assert c.remarks == _new().remarks
    assert any(ch.field == "name" and ch.strategy == "chosen" for ch in merged.record.choices)


def test_different_valid_tax_ids_refuse_unless_forced_with_a_reason() -> None:
    a, b = _old(), Customer(name="苏州示例科技有限公司", code="C009", tax_id=OTHER_TAX)
    with pytest.raises(MergeError, match="different valid tax IDs"):
        merge([a, b])
    with pytest.raises(MergeError, match="reason"):
        merge([a, b], force=True)
    merged = merge([a, b], force=True, reason="same group, old registration cancelled")
    assert merged.record.forced
    assert merged.record.reason
    assert isinstance(MergeError("x"), custrecord.CustrecordError)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"survivor": 5}, "out of range"),
        ({"strategies": {"colour": "longest"}}, "unknown field"),
        ({"strategies": {"name": "loudest"}}, "unknown strategy"),
        ({"choose": {"name": 7}}, "index"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(MergeError, match=message):
        merge([_old(), _new()], **kwargs)  # type: ignore[arg-type]


def test_one_customer_is_not_a_merge() -> None:
    with pytest.raises(MergeError):
        merge([_old()])
    with pytest.raises(MergeError):
        merge([{"name": "x"}, {"name": "y"}])  # type: ignore[list-item]


def test_survivor_prefers_active_and_complete_records() -> None:
    assert choose_survivor([_new(), _old()]) == 1
    deleted = Customer(name="x", status=Status.DELETED, tax_id=TAX)
    assert choose_survivor([deleted, Customer(name="x")]) == 1


def test_contacts_are_deduplicated_without_losing_anything() -> None:
    groups = [
        (Contact(name="张伟", mobile="+8613812345678"), Contact(name="王芳", email="wf@example.cn")),
        (Contact(name="张伟", mobile="138-1234-5678", title="经理"),
         Contact(name="张伟", mobile="13900000000"),  # another mobile: kept apart
         Contact(email="WF@example.cn", phone="0512-65201234"),
         Contact()),
    ]
    merged = merge_contacts(groups)
    assert merged == (
        Contact(name="张伟", title="经理", mobile="+8613812345678"),
        Contact(name="王芳", email="wf@example.cn", phone="0512-65201234"),
        Contact(name="张伟", mobile="13900000000"),
    )


def test_inputs_are_not_changed() -> None:
    a, b = _old(), _new()
    merge([a, b])
    assert a == _old()
    assert b == _new()


def test_union_strategy_names() -> None:
    assert Strategy("union") is Strategy.UNION

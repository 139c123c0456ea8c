from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

import custrecord
from custrecord.book import CustomerBook, ReferencedError
from custrecord.events import CreditChanged, CustomerChanged, CustomerRegistered, Event, StatusChanged
from custrecord.lifecycle import InvalidTransition
from custrecord.permissions import Actor, PermissionDenied
from custrecord.problems import Severity
from custrecord.settings import Settings

ACME = {"name": "苏州示例科技有限公司", "tax_id": "91320505MA1MXXXX0X"}
GOOD = {
    "name": "苏州示例科技有限公司",
    "tax_id": "91110000600037341L",
    "contacts": [{"name": "王经理", "mobile": "13812345678"}],
    "credit": {"grade": "A", "limit": "100000", "days": 30},
}
BASIC = {k: v for k, v in GOOD.items() if k != "credit"}
SALES = Actor("wang", {"sales"})
FINANCE = Actor("li", {"finance"})
VIEWER = Actor("zhao", {"viewer"})


def test_add_assigns_code_stores_and_records_history(book: CustomerBook) -> None:
    customer = book.add(BASIC, actor=SALES)
    assert customer.code == "C000001"
    assert customer.version == 1
    assert customer.status is custrecord.Status.ACTIVE
    assert book.get("c000001") == customer
    (entry,) = book.history("C000001")
    assert entry.action == "add"
    assert entry.actor == "wang"
    assert entry.version == 1
    assert {c.path for c in entry.changes} >= {"name", "tax_id", "contacts"}


def test_add_reports_every_problem(book: CustomerBook) -> None:
    with pytest.raises(custrecord.ValidationError) as info:
        book.add({"name": "", "tax_id": "91110000600037341M", "priority": 9})
    assert {(p.path, p.code) for p in info.value.problems} == {
        ("name", "required"),
        ("tax_id", "invalid_checksum"),
        ("priority", "out_of_range"),
    }
    assert book.count() == 0


def test_duplicate_tax_id_is_refused(book: CustomerBook) -> None:
    book.add(GOOD)
    with pytest.raises(custrecord.ValidationError) as info:
        book.add({**GOOD, "name": "另一家公司"})
    assert [(p.path, p.code) for p in info.value.problems] == [("tax_id", "duplicate_tax_id")]
    assert "C000001" in info.value.problems[0].message


def test_manual_code_taken_is_duplicate_code(book: CustomerBook) -> None:
    book.add({"name": "甲", "code": "C900001"})
    with pytest.raises(custrecord.ValidationError) as info:
        book.add({"name": "乙", "code": "c900001"})
    assert [p.code for p in info.value.problems] == ["duplicate_code"]


def test_update_with_version_history_and_events(book: CustomerBook) -> None:
    seen: list[Event] = []
    book.subscribe(seen.append)
    c = book.add(GOOD)
    updated = book.update(
        c.code or "",
        {"信用额度": "200000", "short_name": "示例"},
        expected_version=1,
        actor=FINANCE,
        reason="年度评审",
    )
    assert updated.version == 2
    assert updated.credit.limit == Decimal("200000")
    assert updated.short_name == "示例"
    entry = book.history(c.code or "")[-1]
    assert entry.reason == "年度评审"
    assert entry.actor == "li"
    assert {(ch.path, ch.old, ch.new) for ch in entry.changes} == {
        ("credit.limit", "100000", "200000"),
        ("short_name", None, "示例"),
    }
    assert [type(e) for e in seen] == [CustomerRegistered, CustomerChanged, CreditChanged]
    assert book.storage.outbox.undelivered()[-1].type == "CreditChanged"


def test_stale_version_is_a_conflict_naming_both(book: CustomerBook) -> None:
    c = book.add(GOOD)
    book.update(c.code or "", {"remarks": "first"}, expected_version=1)
    with pytest.raises(custrecord.ConflictError) as info:
        book.update(c.code or "", {"remarks": "second"}, expected_version=1)
    assert info.value.expected == 1
    assert info.value.actual == 2
    assert book.get(c.code or "").remarks == "first"


def test_update_validates_the_result(book: CustomerBook) -> None:
    c = book.add(GOOD)
    with pytest.raises(custrecord.ValidationError) as info:
        book.update(c.code or "", {"contact_mobile": "123", "credit": {"limit": "-1"}}, expected_version=1)
    assert {(p.path, p.code) for p in info.value.problems} == {
        ("contacts[0].mobile", "invalid_phone"),
        ("credit.limit", "out_of_range"),
    }


def test_update_refuses_code_and_status(book: CustomerBook) -> None:
    c = book.add(GOOD)
    with pytest.raises(custrecord.ValidationError):
        book.update(c.code or "", {"status": "frozen"}, expected_version=1)


def test_sales_may_not_edit_credit(book: CustomerBook) -> None:
    c = book.add(GOOD)
    with pytest.raises(PermissionDenied, match=r"credit\.limit"):
        book.update(c.code or "", {"credit": {"limit": "1"}}, expected_version=1, actor=SALES)
    assert book.get(c.code or "").version == 1


def test_sales_may_not_set_credit_when_adding(book: CustomerBook) -> None:
    with pytest.raises(PermissionDenied, match=r"credit\.grade"):
        book.add(GOOD, actor=SALES)
    assert book.count() == 0


def test_viewer_may_not_add(book: CustomerBook) -> None:
    with pytest.raises(PermissionDenied):
        book.add(GOOD, actor=VIEWER)


def test_as_of_replays_history(book: CustomerBook) -> None:
    c = book.add(GOOD)
    book.update(c.code or "", {"remarks": "v2"}, expected_version=1)
    book.update(c.code or "", {"remarks": "v3", "priority": 2}, expected_version=2)
    v2 = book.as_of(c.code or "", 2)
    assert v2.remarks == "v2"
    assert v2.priority is None
    current = book.get(c.code or "")
    assert book.as_of(c.code or "", 3).remarks == current.remarks


def test_lifecycle(book: CustomerBook) -> None:
    c = book.add(GOOD)
    code = c.code or ""
    assert book.freeze(code, reason="逾期").status is custrecord.Status.FROZEN
    with pytest.raises(InvalidTransition):
        book.freeze(code)
    assert book.unfreeze(code).status is custrecord.Status.ACTIVE
    assert book.disable(code).status is custrecord.Status.DISABLED
    assert book.enable(code).status is custrecord.Status.ACTIVE
    assert book.delete(code).status is custrecord.Status.DELETED
    assert book.restore(code).status is custrecord.Status.ACTIVE
    actions = [e.action for e in book.history(code)]
    assert actions == ["add", "freeze", "unfreeze", "disable", "enable", "delete", "restore"]


def test_delete_refused_when_referenced(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book(Settings(is_referenced=lambda code: code == "C000001"))
    c = book.add(GOOD)
    with pytest.raises(ReferencedError, match="C000001"):
        book.delete(c.code or "")


def test_approval_flow(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book(Settings(require_approval=True))
    c = book.add(BASIC, actor=SALES)
    assert c.status is custrecord.Status.PENDING
    with pytest.raises(PermissionDenied):
        book.approve(c.code or "", actor=SALES)  # sales may not approve at all
    approver = Actor("wang", {"finance"})  # same name as the author
    with pytest.raises(PermissionDenied, match="own change"):
        book.approve(c.code or "", actor=approver)
    assert book.approve(c.code or "", actor=FINANCE).status is custrecord.Status.ACTIVE
    changed = book.update(c.code or "", {"remarks": "改了", "name": "苏州新名科技有限公司"},
                          expected_version=2, actor=SALES)
    assert changed.status is custrecord.Status.ACTIVE  # the remarks need no approval: stored
    assert (changed.remarks, changed.name) == ("改了", BASIC["name"])  # the new name waits
    rejected = book.reject(c.code or "", actor=FINANCE, reason="无依据")
    assert rejected.status is custrecord.Status.ACTIVE
    assert (rejected.remarks, rejected.name) == ("改了", BASIC["name"])
    assert book.pending(c.code or "") is None


def test_batch_keeps_good_changes(book: CustomerBook) -> None:
    a = book.add({"name": "甲"})
    b = book.add({"name": "乙"})
    book.freeze(b.code or "")
    result = book.batch_status([a.code or "", b.code or "", "NOPE"], "freeze")
    assert result.succeeded == (a.code,)
    assert set(result.failed) == {b.code, "NOPE"}
    assert book.get(a.code or "").status is custrecord.Status.FROZEN


def test_batch_atomic_rolls_back_everything(book: CustomerBook) -> None:
    a = book.add({"name": "甲"})
    b = book.add({"name": "乙"})
    book.freeze(b.code or "")
    with pytest.raises(InvalidTransition):
        book.batch_status([a.code or "", b.code or ""], "freeze", atomic=True)
    assert book.get(a.code or "").status is custrecord.Status.ACTIVE


def test_batch_update_each_gets_history(book: CustomerBook) -> None:
    codes = [book.add({"name": n}).code or "" for n in ("甲", "乙")]
    result = book.batch_update(codes, {"category": "0101", "tags": "VIP"}, reason="分类调整")
    assert result.ok
    for code in codes:
        assert book.history(code)[-1].reason == "分类调整"
        assert book.get(code).tags == frozenset({"VIP"})


def test_reads_are_masked_for_restricted_actors(book: CustomerBook) -> None:
    c = book.add(
        {
            "name": "张三",
            "kind": "个人",
            "tax_id": "360426199101010071",
            "bank_account": "6222021234567891234",
            "contacts": [{"name": "张三", "mobile": "13812345678"}],
        }
    )
    code = c.code or ""
    for seen in (book.get(code, actor=VIEWER), book.find(actor=VIEWER)[0], next(book.all(actor=VIEWER))):
        assert seen.tax_id == "3604**********0071"
        assert seen.bank_account == "6222***********1234"
        assert "13812345678" not in str(seen)
    history = str(book.history(code, actor=VIEWER))
    assert "360426199101010071" not in history
    assert "6222021234567891234" not in history
    assert "13812345678" not in history
    assert book.get(code, actor=FINANCE).tax_id == "360426199101010071"


def test_export_needs_the_export_right_and_is_masked(book: CustomerBook) -> None:
    book.add({"name": "甲公司", "bank_account": "6222021234567891234"})
    book.add({"name": "乙公司", "category": "01"})
    with pytest.raises(PermissionDenied):
        list(book.export(actor=VIEWER))
    sales = Actor("li", {"sales"})
    rows = list(book.export(actor=sales))
    assert [c.name for c in rows] == ["甲公司", "乙公司"]
    assert rows[0].bank_account == "6222***********1234"
    assert [c.name for c in book.export(actor=sales, category_prefix="01")] == ["乙公司"]
    assert next(book.export()).bank_account == "6222021234567891234"


def test_erasure_scrubs_record_and_history(book: CustomerBook) -> None:
    c = book.add(
        {
            "name": "张三",
            "kind": "个人",
            "tax_id": "360426199101010071",
            "contacts": [{"name": "张三", "mobile": "13812345678"}],
            "credit": {"limit": "5000"},
        }
    )
    code = c.code or ""
    book.update(code, {"contact_mobile": "13912345678"}, expected_version=1)
    erased = book.erase(code, reason="客户要求删除个人信息")
    assert erased.name == "[erased]"
    assert erased.tax_id is None
    assert erased.contacts == ()
    assert erased.credit.limit == Decimal("5000")
    trail = str(book.history(code)) + str(book.storage.outbox.undelivered())
    for secret in ("张三", "360426199101010071", "13812345678", "13912345678"):
        assert secret not in trail
    assert [e.action for e in book.history(code)] == ["add", "update", "erase"]


def test_erasure_refused_while_pending(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book(Settings(require_approval=True))
    c = book.add({"name": "张三", "kind": "个人"})
    with pytest.raises(custrecord.CustrecordError, match="awaits approval"):
        book.erase(c.code or "", reason="要求")


def test_no_setting_lets_a_duplicate_tax_id_in(make_book: Callable[..., CustomerBook]) -> None:
    """A tax ID is unique per country in every store, so no setting offers a duplicate as a warning
    (``duplicate_tax_id = "warning"`` once did, and changed nothing): the copy is refused with
    the holder named, and the same number in another country is another company's."""
    with pytest.raises(TypeError):
        Settings(duplicate_tax_id=Severity.WARNING)  # type: ignore[call-arg]
    book = make_book()
    first = book.add({"name": "甲", "tax_id": "91110000600037341L", "country": "CN"})
    with pytest.raises(custrecord.ValidationError) as info:
        book.add({"name": "乙", "tax_id": "91110000600037341L"})
    assert [(p.code, p.severity) for p in info.value.problems] == [("duplicate_tax_id", Severity.ERROR)]
    assert f"customer {first.code}" in info.value.problems[0].message
    assert book.add({"name": "丙", "tax_id": "91110000600037341L", "country": "HK"}).country == "HK"
    assert book.count() == 2


def test_manual_code_is_skipped_by_the_rule(book: CustomerBook) -> None:
    """A code given by hand that the rule would make next is skipped, never a ``duplicate_code``."""
    assert book.add({"name": "甲", "code": "C000001"}).code == "C000001"
    assert book.add({"name": "乙"}).code == "C000002"
    book.add({"name": "丙", "code": "C000004"})
    book.add({"name": "丁", "code": "C000005"})
    assert book.add({"name": "戊"}).code == "C000003"
    assert book.add({"name": "己"}).code == "C000006"  # C000004 and C000005 are taken: skipped


def test_manual_codes_in_one_batch_are_skipped_by_the_rule(book: CustomerBook) -> None:
    book.add({"name": "甲", "code": "C000002"})
    outcomes = list(book.import_records([(2, {"name": "乙", "code": "C000001"}), (3, {"name": "丙"}),
                                         (4, {"name": "丁"})]))
    assert [(o.action, o.problems) for o in outcomes] == [("added", ())] * 3
    assert outcomes[0].code == "C000001"
    assert {o.code for o in outcomes[1:]} == {"C000003", "C000004"}  # C000001 and C000002 skipped


def test_expiring_credit(book: CustomerBook) -> None:
    from datetime import date, timedelta

    soon = (date.today() + timedelta(days=10)).isoformat()
    later = (date.today() + timedelta(days=100)).isoformat()
    book.add({"name": "甲", "credit": {"limit": "1", "valid_until": soon}})
    book.add({"name": "乙", "credit": {"limit": "1", "valid_until": later}})
    assert [c.name for c in book.expiring_credit(30)] == ["甲"]


def test_status_events(book: CustomerBook) -> None:
    seen: list[Event] = []
    book.subscribe(seen.append, StatusChanged)
    c = book.add(GOOD)
    book.freeze(c.code or "")
    assert [(e.old, e.new) for e in seen if isinstance(e, StatusChanged)] == [("active", "frozen")]


def test_check_credit_counts_an_order_once(book: CustomerBook) -> None:
    c = book.add(GOOD)  # limit 100000
    code = c.code or ""
    first = book.check_credit(code, 60000, order_ref="SO-1")
    assert first.outcome == "pass"
    again = book.check_credit(code, 60000, order_ref="SO-1")  # the same order re-checked
    assert again.outcome == "pass"
    other = book.check_credit(code, 50000, order_ref="SO-2")
    assert other.outcome == "block"
    assert book.release_credit(code, "SO-1") is not None
    near = book.check_credit(code, 1000, exposure=95000)  # 96 % of the limit: above 90 %, within it
    assert (near.outcome, near.rule, near.available) == ("warn", "near_limit", Decimal("5000"))
    over = book.check_credit(code, 6000, exposure=95000)  # 101 %: above the limit
    assert (over.outcome, over.available) == ("block", Decimal("5000"))


def test_frozen_customer_blocks(book: CustomerBook) -> None:
    c = book.add(GOOD)
    book.freeze(c.code or "")
    assert book.check_credit(c.code or "", 1).outcome == "block"


def test_register_warns_of_likely_duplicates(book: CustomerBook) -> None:
    book.add({"name": "苏州示例科技有限公司", "contacts": [{"name": "王", "mobile": "13812345678"}]})
    result = book.register(
        {"name": "苏州市示例科技有限责任公司", "contacts": [{"name": "王", "mobile": "138-1234-5678"}]}
    )
    assert result.customer.code == "C000002"
    assert [p.code for p in result.warnings] == ["duplicate_phone", "possible_duplicate"]
    assert result.similar[0].right == "C000001"
    assert not book.register({"name": "完全不同的公司"}).warnings


def test_merge_follow_and_unmerge(make_book: Callable[..., CustomerBook]) -> None:
    calls: list[tuple[str, str]] = []
    book = make_book(Settings(on_merge=lambda old, new: calls.append((old, new))))
    a = book.add(
        {
            "name": "苏州示例科技有限公司",
            "tax_id": "91110000600037341L",
            "contacts": [{"name": "王", "mobile": "13812345678"}],
        }
    )
    b = book.add(
        {
            "name": "苏州示例科技有限责任公司",
            "remarks": "老档案",
            "contacts": [{"name": "李", "mobile": "13987654321"}],
        }
    )
    seen: list[Event] = []
    book.subscribe(seen.append)
    merged = book.merge([a.code or "", b.code or ""], survivor=a.code, reason="重复建档")
    assert merged.code == a.code
    assert {c.name for c in merged.contacts} == {"王", "李"}
    assert calls == [(b.code, a.code)]
    assert [(e.type, e.code, getattr(e, "merged", None)) for e in seen] == [("Merged", a.code, b.code)]
    gone = book.get(b.code or "", follow=False)
    assert gone.replaced_by == a.code
    assert gone.status is custrecord.Status.DISABLED
    assert book.get(b.code or "").code == a.code  # lookups follow the pointer
    assert book.history(a.code or "")[-1].action == "merge"
    assert book.history(b.code or "")[-1].action == "merged"
    restored = book.unmerge(a.code or "", reason="合并错误")
    assert [c.name for c in restored.contacts] == ["王"]
    back = book.get(b.code or "")
    assert back.code == b.code
    assert back.replaced_by is None
    assert back.status is custrecord.Status.ACTIVE


def test_merge_refuses_different_tax_ids(book: CustomerBook) -> None:
    a = book.add({"name": "甲公司", "tax_id": "91110000600037341L"})
    b = book.add({"name": "甲公司", "tax_id": "360426199101010071", "kind": "个人"})
    with pytest.raises(custrecord.CustrecordError, match="different valid tax IDs"):
        book.merge([a.code or "", b.code or ""])


def test_erasure_follows_the_merge_chain(book: CustomerBook) -> None:
    a = book.add(
        {
            "name": "张三",
            "kind": "个人",
            "tax_id": "360426199101010071",
            "contacts": [{"name": "张三", "mobile": "13812345678"}],
        }
    )
    b = book.add({"name": "张三", "kind": "个人", "contacts": [{"name": "张三", "mobile": "13812345678"}]})
    book.merge([a.code or "", b.code or ""], survivor=a.code, reason="同一人")
    book.erase(b.code or "", reason="本人要求")
    for code in (a.code or "", b.code or ""):
        customer = book.get(code, follow=False)
        assert customer.name == "[erased]"
        assert customer.contacts == ()
        assert "13812345678" not in str(book.history(code))


def test_review_due(book: CustomerBook) -> None:
    book.add({"name": "甲", "review_date": "2026-01-31"})
    book.add({"name": "乙", "复核日期": "2026年3月1日"})
    book.add({"name": "丙"})
    from datetime import date

    assert [c.name for c in book.review_due(on=date(2026, 2, 1))] == ["甲"]
    assert [c.name for c in book.review_due(on=date(2026, 3, 1))] == ["甲", "乙"]

"""Approval (审核) that holds: pending revisions beside the approved customer (issue 19).

Each test names the finding it holds down; they run on every adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

import custrecord
from custrecord.book import CustomerBook
from custrecord.credit import Outcome
from custrecord.events import ChangeProposed, Event, ProposalRejected
from custrecord.lifecycle import InvalidTransition
from custrecord.permissions import Actor, PermissionDenied
from custrecord.settings import Settings

BookFactory = Callable[..., CustomerBook]

SALES = Actor("wang", {"sales"})
FINANCE = Actor("li", {"finance"})
OTHER_FINANCE = Actor("zhou", {"finance"})
VIEWER = Actor("zhao", {"viewer"})
APPROVAL = Settings(require_approval=True)


def _approved(book: CustomerBook, limit: str = "1000") -> str:
    """An approved, active customer with a credit limit; its code."""
    code = book.add({"name": "苏州示例科技有限公司", "credit": {"limit": limit, "days": 30}},
                    actor=FINANCE).code or ""
    book.approve(code, actor=OTHER_FINANCE)
    return code


def test_a_typo_fix_does_not_stop_orders(make_any_book: BookFactory) -> None:
    """Editing an approved customer, even its remarks, sent it back to pending and blocked credit."""
    book = make_any_book(APPROVAL)
    code = _approved(book)
    fixed = book.update(code, {"remarks": "送货前电话联系"}, expected_version=2, actor=SALES)
    assert fixed.status is custrecord.Status.ACTIVE
    assert fixed.remarks == "送货前电话联系"
    assert book.pending(code) is None
    assert book.check_credit(code, 100).outcome is Outcome.PASS


def test_values_nobody_approved_are_not_live(make_any_book: BookFactory) -> None:
    """`get()` returned a credit limit of 1,000,000 while that change was still pending."""
    book = make_any_book(APPROVAL)
    seen: list[Event] = []
    book.subscribe(seen.append)
    code = _approved(book)
    stored = book.update(code, {"credit": {"limit": "1000000"}}, expected_version=2, actor=FINANCE,
                         reason="年度授信")
    assert stored.version == 2  # nothing stored: the change waits
    assert isinstance(seen[-1], ChangeProposed)
    for read in (book.get(code), *book.find(), *book.export()):
        assert read.credit.limit == Decimal("1000")
    assert book.check_credit(code, 5000).outcome is Outcome.BLOCK
    pending = book.pending(code)
    assert pending is not None
    assert [(c.path, c.old, c.new) for c in pending.changes] == [("credit.limit", "1000", "1000000")]
    assert (pending.authors, pending.reasons) == (("li",), ("年度授信",))
    approved = book.approve(code, actor=OTHER_FINANCE)
    assert approved.credit.limit == Decimal("1000000")
    assert book.pending(code) is None
    assert book.check_credit(code, 5000).outcome is Outcome.PASS
    assert [e.action for e in book.history(code)] == ["add", "approve", "propose", "approve"]


def test_status_and_approval_are_independent(make_any_book: BookFactory) -> None:
    """freeze -> edit -> approve left a frozen customer `active`; reject did too."""
    book = make_any_book(APPROVAL)
    code = _approved(book)
    book.freeze(code, actor=FINANCE)
    book.update(code, {"name": "苏州新名科技有限公司"}, expected_version=3, actor=SALES)
    assert book.get(code).status is custrecord.Status.FROZEN
    assert book.approve(code, actor=FINANCE).status is custrecord.Status.FROZEN
    assert book.get(code).name == "苏州新名科技有限公司"
    assert book.check_credit(code, 1).outcome is Outcome.BLOCK  # frozen
    book.update(code, {"name": "又一个名字有限公司"}, expected_version=4, actor=SALES)
    seen: list[Event] = []
    book.subscribe(seen.append)
    rejected = book.reject(code, actor=FINANCE, reason="名称无依据")
    assert (rejected.status, rejected.name) == (custrecord.Status.FROZEN, "苏州新名科技有限公司")
    assert [type(e) for e in seen] == [ProposalRejected]


def test_four_eyes_are_four(make_any_book: BookFactory) -> None:
    """Finance raised a limit, sales edited the remarks, and finance approved its own raise."""
    book = make_any_book(APPROVAL)
    code = _approved(book)
    book.update(code, {"credit": {"limit": "9000000"}}, expected_version=2, actor=FINANCE)
    book.update(code, {"remarks": "大客户"}, expected_version=2, actor=SALES)
    with pytest.raises(PermissionDenied, match="own change"):
        book.approve(code, actor=FINANCE)
    book.update(code, {"name": "苏州新名科技有限公司"}, expected_version=3, actor=OTHER_FINANCE)
    pending = book.pending(code)
    assert pending is not None
    assert set(pending.authors) == {"li", "zhou"}
    for author in (FINANCE, OTHER_FINANCE):
        with pytest.raises(PermissionDenied):
            book.approve(code, actor=author)
        with pytest.raises(PermissionDenied):
            book.reject(code, actor=author, reason="x")
    boss = Actor("chen", {"admin"})
    assert book.approve(code, actor=boss).credit.limit == Decimal("9000000")


def test_nothing_to_approve_is_refused(make_any_book: BookFactory) -> None:
    book = make_any_book(APPROVAL)
    code = _approved(book)
    with pytest.raises(InvalidTransition):
        book.approve(code, actor=OTHER_FINANCE)


def test_a_pending_revision_shows_no_secret(make_any_book: BookFactory) -> None:
    book = make_any_book(APPROVAL)
    code = _approved(book)
    book.update(code, {"bank_name": "中国工商银行", "bank_account": "6222021234567891234"},
                expected_version=2, actor=FINANCE)
    as_viewer = book.pending(code, actor=VIEWER)
    assert as_viewer is not None
    assert "6222021234567891234" not in repr(as_viewer)
    as_finance = book.pending(code, actor=OTHER_FINANCE)
    assert as_finance is not None
    assert "6222021234567891234" in repr(as_finance)
    with pytest.raises(custrecord.CustrecordError, match="awaits approval"):
        book.erase(code, reason="用户要求删除")

"""Permissions that fail closed, masking by what a value is, record-level scopes (issue 19).

Each test names the finding it holds down; they run on every adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import custrecord
from custrecord.access import MemoryAccessLog
from custrecord.book import CustomerBook
from custrecord.errors import NotFound, ValidationError
from custrecord.permissions import Actor, PermissionDenied, Scope
from custrecord.settings import Settings

BookFactory = Callable[..., CustomerBook]

SALES = Actor("wang", {"sales"})
FINANCE = Actor("li", {"finance"})
VIEWER = Actor("zhao", {"viewer"})
STRANGER = Actor("nobody-in-particular")
RESIDENT_ID = "11010519491231002X"
PERSON = {"name": "张三", "kind": "个人", "tax_id": RESIDENT_ID,
          "contacts": [{"name": "张三", "mobile": "13812345678", "email": "zhang@example.com"}]}


def _reads(book: CustomerBook, code: str, actor: Any) -> dict[str, Callable[[], object]]:
    """Every public read of the book, for one actor."""
    return {
        "get": lambda: book.get(code, actor=actor),
        "find": lambda: book.find(actor=actor),
        "count": lambda: book.count(actor=actor),
        "all": lambda: list(book.all(actor=actor)),
        "history": lambda: book.history(code, actor=actor),
        "as_of": lambda: book.as_of(code, 1, actor=actor),
        "export": lambda: list(book.export(actor=actor)),
        "duplicates": lambda: book.duplicates(actor=actor),
        "review_due": lambda: book.review_due(actor=actor),
        "expiring_credit": lambda: book.expiring_credit(30, actor=actor),
        "check_credit": lambda: book.check_credit(code, 1, actor=actor),
    }


def test_every_read_checks_the_actor(make_any_book: BookFactory) -> None:
    """`iter(book)`, `book.count()` and the other reads used to check nothing."""
    book = make_any_book()
    code = book.add({"name": "苏州示例科技有限公司"}).code or ""
    for name, read in _reads(book, code, STRANGER).items():
        with pytest.raises(PermissionDenied):
            read()
        assert name  # every read refused the actor without rights
    hidden = make_any_book(Settings(default_actor=None))
    hidden_code = CustomerBook(hidden.storage, Settings()).add({"name": "上海乙贸易有限公司"}).code or ""
    for read in _reads(hidden, hidden_code, None).values():
        with pytest.raises(PermissionDenied):
            read()
    with pytest.raises(PermissionDenied):
        list(hidden)
    with pytest.raises(PermissionDenied):
        hidden.add({"name": "丙公司"})
    assert hidden.get(hidden_code, actor=VIEWER).name == "上海乙贸易有限公司"


def test_an_actor_is_an_actor_or_a_name_the_book_knows(make_any_book: BookFactory) -> None:
    """`actor="alice"` failed deep inside with AttributeError."""
    book = make_any_book()
    with pytest.raises(TypeError, match=r"custrecord\.Actor"):
        book.add({"name": "甲公司"}, actor="alice")  # type: ignore[arg-type]
    known = make_any_book(Settings(actors={"alice": SALES}))
    assert known.add({"name": "甲公司"}, actor="alice").code  # type: ignore[arg-type]
    assert known.history(known.find()[0].code or "")[0].actor == "wang"
    with pytest.raises(PermissionDenied, match="no such user"):
        known.find(actor="mallory")  # type: ignore[arg-type]


def test_settings_are_checked_when_made() -> None:
    """`Settings(profile="yonyou")` was accepted and failed on the first add."""
    assert Settings(profile="yonyou").profile.name == "yonyou"  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="known: default"):
        Settings(profile="yonyu")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Settings(profile=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Settings(default_actor="system")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="scope"):
        Settings(policy=object())  # type: ignore[arg-type]


def test_status_changes_need_their_own_right(make_any_book: BookFactory) -> None:
    """Sales could freeze, unfreeze, disable and enable although status is locked for it."""
    book = make_any_book()
    code = book.add({"name": "苏州示例科技有限公司"}).code or ""
    for step in (book.freeze, book.disable):
        with pytest.raises(PermissionDenied):
            step(code, actor=SALES)
    assert book.freeze(code, actor=FINANCE).status is custrecord.Status.FROZEN
    with pytest.raises(PermissionDenied):
        book.unfreeze(code, actor=SALES)
    assert book.unfreeze(code, actor=FINANCE).status is custrecord.Status.ACTIVE


def test_a_resident_id_stays_masked_whatever_the_customer_says(make_any_book: BookFactory) -> None:
    """Changing kind to enterprise and country to HK unmasked an individual's ID for everyone."""
    book = make_any_book()
    person = book.add(PERSON)
    code = person.code or ""
    assert book.get(code, actor=SALES).tax_id == "1101**********002X"
    changed = book.update(code, {"kind": "企业", "country": "HK"}, expected_version=1)
    assert changed.kind is custrecord.Kind.ENTERPRISE
    for actor in (SALES, VIEWER):
        assert RESIDENT_ID not in repr(book.get(code, actor=actor))
        assert RESIDENT_ID not in repr(book.find(actor=actor))
    assert book.get(code, actor=FINANCE).tax_id == RESIDENT_ID


def test_a_refusal_never_echoes_what_the_actor_may_not_see(make_any_book: BookFactory) -> None:
    """The ValidationError after changing `kind` echoed the stored number in `problems[].value`."""
    book = make_any_book()
    code = book.add(PERSON).code or ""
    with pytest.raises(ValidationError) as info:
        book.update(code, {"kind": "企业"}, expected_version=1, actor=SALES)
    assert info.value.problems  # the enterprise rule refuses a resident ID as a company's tax ID
    assert RESIDENT_ID not in repr(info.value.problems)
    assert RESIDENT_ID not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__context__ is None


def test_a_dry_run_import_is_no_oracle(make_any_book: BookFactory) -> None:
    """A dry-run import by sales answered `updated C000001` for the right guess of an ID number."""
    book = make_any_book()
    book.add(PERSON)
    guess = [(2, {"客户名称": "张三", "客户类型": "个人", "税号": RESIDENT_ID, "备注": "x"})]
    (outcome,) = book.import_records(guess, dry_run=True, actor=SALES)
    assert outcome.action == "invalid"
    assert outcome.code is None
    assert [(p.path, p.code) for p in outcome.problems] == [("tax_id", "permission_denied")]
    assert RESIDENT_ID not in repr(outcome)
    (as_finance,) = book.import_records(guess, dry_run=True, actor=FINANCE)
    assert (as_finance.action, as_finance.code) == ("updated", "C000001")


def test_an_actor_sees_only_its_scope(make_any_book: BookFactory) -> None:
    """Record-level scopes (数据权限): out-of-scope customers are not found."""
    book = make_any_book()
    east = book.add({"name": "苏州甲公司", "region": "EAST01", "owner": "王五"}).code or ""
    north = book.add({"name": "北京乙公司", "region": "NORTH01", "owner": "赵六"}).code or ""
    scoped = Actor("wang", {"sales"}, scope=Scope(regions={"EAST"}))
    assert [c.code for c in book.find(actor=scoped)] == [east]
    assert book.count(actor=scoped) == 1
    assert [c.code for c in book.all(actor=scoped)] == [east]
    assert [c.code for c in book.export(actor=scoped)] == [east]
    assert book.get(east, actor=scoped).code == east
    for attempt in (
        lambda: book.get(north, actor=scoped),
        lambda: book.history(north, actor=scoped),
        lambda: book.update(north, {"remarks": "x"}, expected_version=1, actor=scoped),
        lambda: book.check_credit(north, 1, actor=scoped),
        lambda: book.submit(north, actor=scoped),
    ):
        with pytest.raises(NotFound):
            attempt()
    by_owner = Actor("zhao", {"sales"}, scope=Scope(owners={"赵六"}))
    assert [c.code for c in book.find(actor=by_owner)] == [north]
    assert [c.code for c in book.find(owner="王五")] == [east]
    (outcome,) = book.import_records([(2, {"客户编码": north, "客户名称": "北京乙公司", "备注": "y"})],
                                     actor=scoped)
    assert (outcome.action, outcome.code) == ("invalid", None)
    assert book.get(north).remarks is None


def test_an_access_log_says_who_read_what(make_any_book: BookFactory) -> None:
    log = MemoryAccessLog()
    book = make_any_book(Settings(access_log=log))
    code = book.add({"name": "苏州示例科技有限公司"}).code or ""
    book.add({"name": "上海乙贸易有限公司"})
    book.get(code, actor=SALES)
    book.find(name_contains="苏州", actor=VIEWER)
    assert book.count(actor=VIEWER) == 2
    exported = list(book.export(actor=FINANCE))
    book.history(code, actor=FINANCE)
    assert len(exported) == 2
    assert [(a.actor, a.action, a.codes, a.count) for a in log.entries] == [
        ("wang", "get", (code,), 1),
        ("zhao", "find", (code,), 1),
        ("zhao", "count", (), 2),
        ("li", "export", ("C000001", "C000002"), 2),
        ("li", "history", (code,), 1),
    ]
    assert all(a.at.tzinfo is not None for a in log.entries)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"address": "路2号"}, lambda c: (c.address.city, c.address.street) == ("苏州市", "路2号")),
        ({"address": None}, lambda c: c.address.is_empty()),
        ({"credit": None}, lambda c: c.credit.limit is None),
        ({"other_contacts": ""}, lambda c: len(c.contacts) == 2),
    ],
)
def test_update_takes_whole_parts(make_any_book: BookFactory, change: dict[str, Any], expected: Any) -> None:
    """`update` raised TypeError for these; a blank other-contacts cell dropped all contacts but the first."""
    book = make_any_book()
    code = book.add({"name": "甲公司", "address": {"city": "苏州市"}, "credit": {"limit": "5"},
                     "contacts": [{"name": "王"}, {"name": "李"}]}).code or ""
    assert expected(book.update(code, change, expected_version=1))


def test_update_reports_a_part_of_the_wrong_type(make_any_book: BookFactory) -> None:
    book = make_any_book()
    code = book.add({"name": "甲公司"}).code or ""
    for change in ({"extra": "x"}, {"credit": "5"}):
        with pytest.raises(ValidationError) as info:
            book.update(code, change, expected_version=1)
        assert [p.code for p in info.value.problems] == ["invalid_format"]

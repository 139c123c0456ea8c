"""Contacts one at a time, finding customers by phone, e-mail, contact and tax ID, and shared phones."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import custrecord
from custrecord import Actor, Settings
from custrecord.book import CustomerBook
from custrecord.contact_ids import number_contacts
from custrecord.errors import ConflictError, NotFound
from custrecord.model import Contact
from custrecord.permissions import PermissionDenied, RolePolicy
from custrecord.problems import Severity
from custrecord.storage.values import Scope

BookFactory = Callable[..., CustomerBook]

SALES = Actor("wang", {"sales"})
FINANCE = Actor("li", {"finance"})
OTHER_FINANCE = Actor("zhou", {"finance"})
VIEWER = Actor("zhao", {"viewer"})
HUAXIN = {"name": "苏州华信科技有限公司", "contacts": [{"name": "王经理", "mobile": "13812345678"}]}


def test_add_update_remove_one_contact_with_history(make_any_book: BookFactory) -> None:
    book = make_any_book()
    a = book.add(HUAXIN)
    assert [c.id for c in a.contacts] == ["c1"]
    code = a.code or ""
    a = book.add_contact(code, {"name": "李会计", "手机": "139 0000 1111"}, expected_version=1, reason="新增")
    assert [(c.id, c.name, c.mobile) for c in a.contacts] == [
        ("c1", "王经理", "+8613812345678"), ("c2", "李会计", "+8613900001111")]
    a = book.update_contact(code, "c2", {"email": "Li@Example.COM", "title": "会计"}, expected_version=2)
    assert (a.contacts[1].email, a.contacts[1].title) == ("Li@example.com", "会计")
    a = book.remove_contact(code, "c1", expected_version=3)
    assert [c.id for c in a.contacts] == ["c2"]
    a = book.add_contact(code, {"name": "赵六"})
    assert [c.id for c in a.contacts] == ["c2", "c3"]
    paths = [[c.path for c in e.changes] for e in book.history(code)[1:]]
    assert paths == [["contacts[c2]"], ["contacts[c2].title", "contacts[c2].email"], ["contacts[c1]"],
                     ["contacts[c3]"]]
    assert book.history(code)[1].reason == "新增"
    assert book.as_of(code, a.version).contacts == a.contacts  # the history replays exactly
    assert [c.id for c in book.as_of(code, 3).contacts] == ["c1", "c2"]


def test_contact_edits_are_validated_and_checked(make_book: BookFactory) -> None:
    book = make_book()
    code = book.add(HUAXIN).code or ""
    with pytest.raises(custrecord.ValidationError) as info:
        book.add_contact(code, {"name": "李", "mobile": "12"})
    assert [(p.path, p.code) for p in info.value.problems] == [("contacts[1].mobile", "invalid_phone")]
    with pytest.raises(custrecord.ValidationError) as info:
        book.update_contact(code, "c1", {"name": None})
    assert [(p.path, p.code) for p in info.value.problems] == [("contacts[0].name", "required")]
    with pytest.raises(custrecord.ValidationError):
        book.add_contact(code, {})
    with pytest.raises(NotFound):
        book.update_contact(code, "c9", {"title": "经理"})
    with pytest.raises(NotFound):
        book.remove_contact(code, "c9")
    with pytest.raises(ConflictError):
        book.add_contact(code, {"name": "李"}, expected_version=7)
    with pytest.raises(PermissionDenied):
        book.add_contact(code, {"name": "李"}, actor=VIEWER)
    assert book.get(code).version == 1


def test_contact_field_rights_follow_the_policy(make_book: BookFactory) -> None:
    policy = RolePolicy(locked={"sales": frozenset({"contacts.mobile"})})
    book = make_book(Settings(policy=policy))
    code = book.add(HUAXIN).code or ""
    book.update_contact(code, "c1", {"title": "总经理"}, actor=SALES)
    with pytest.raises(PermissionDenied):
        book.update_contact(code, "c1", {"mobile": "13900001111"}, actor=SALES)
    with pytest.raises(PermissionDenied):
        book.add_contact(code, {"name": "李", "mobile": "13900001111"}, actor=SALES)
    book.add_contact(code, {"name": "李", "email": "li@example.com"}, actor=SALES)


def test_contact_changes_wait_for_approval_when_contacts_need_it(make_any_book: BookFactory) -> None:
    book = make_any_book(Settings(require_approval=True, approval_fields=frozenset({"contacts"})))
    code = book.add(HUAXIN, actor=FINANCE).code or ""
    book.approve(code, actor=OTHER_FINANCE)
    stored = book.update_contact(code, "c1", {"mobile": "13900001111"}, actor=SALES, reason="换号")
    assert stored.contacts[0].mobile == "+8613812345678"  # the approved value stays live
    pending = book.pending(code)
    assert pending is not None
    assert [(c.path, c.old, c.new) for c in pending.changes] == [
        ("contacts[c1].mobile", "+8613812345678", "+8613900001111")]
    book.add_contact(code, {"name": "李"}, actor=SALES)
    pending = book.pending(code)
    assert pending is not None
    assert [c.path for c in pending.changes] == ["contacts[c1].mobile", "contacts[c2]"]
    approved = book.approve(code, actor=FINANCE)
    assert [(c.id, c.name, c.mobile) for c in approved.contacts] == [
        ("c1", "王经理", "+8613900001111"), ("c2", "李", None)]


def test_contacts_stored_without_ids_get_them_in_list_order(make_any_book: BookFactory) -> None:
    """A customer stored before contacts had ids: its contacts are c1, c2... for the contact methods."""
    book = make_any_book()
    old = custrecord.Customer(name="老客户有限公司", code="OLD1", contacts=[
        Contact(name="甲", mobile="+8613812345678"), Contact(name="乙")])
    with book.storage.unit_of_work() as uow:
        uow.customers.add(old)
    assert [c.id for c in book.get("OLD1").contacts] == [None, None]
    code = "OLD1"
    assert book.update(code, {"remarks": "x"}, expected_version=1).contacts[0].id is None
    changed = book.update_contact(code, "c2", {"title": "出纳"})
    assert [(c.id, c.name, c.title) for c in changed.contacts] == [("c1", "甲", None), ("c2", "乙", "出纳")]


@settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.none() | st.sampled_from(("c1", "c2", "c7", "x", "1", "c1 ")), max_size=6))
def test_numbering_gives_unique_ids_and_keeps_good_ones(ids: list[str | None]) -> None:
    contacts = [Contact(name=str(i), id=given) for i, given in enumerate(ids)]
    numbered = number_contacts(contacts)
    assert len({c.id for c in numbered}) == len(numbered)
    assert all(c.id for c in numbered)
    assert number_contacts(numbered) == numbered
    seen: set[str] = set()
    for before, after in zip(contacts, numbered, strict=True):
        if before.id in ("c1", "c2", "c7", "x") and before.id not in seen:  # well formed, first
            assert after.id == before.id
            seen.add(before.id)


def test_find_by_phone_email_contact_tax_id_and_department(make_any_book: BookFactory) -> None:
    book = make_any_book()
    a = book.add({**HUAXIN, "tax_id": "91320500738254739G", "department": "华东",
                  "contacts": [{"name": "王经理", "mobile": "13812345678", "email": "wang@huaxin.example"}]})
    b = book.add({"name": "Acme GmbH", "country": "DE",
                  "contacts": [{"name": "Hans", "phone": "030 12345678"}]})
    assert [c.code for c in book.find(phone="138-1234-5678")] == [a.code]
    assert [c.code for c in book.find(phone="+49 30 12345678")] == [b.code]
    assert [c.code for c in book.find(email="WANG@huaxin.example")] == [a.code]
    assert [c.code for c in book.find(contact="hans")] == [b.code]
    assert [c.code for c in book.find(tax_id="91320500738254739g")] == [a.code]
    assert [c.code for c in book.find(department="华东")] == [a.code]
    assert book.count(phone="13812345678") == 1


def test_look_ups_by_values_an_actor_sees_masked_are_refused(book: CustomerBook) -> None:
    book.add(HUAXIN)
    assert len(book.find(phone="13812345678", actor=SALES)) == 1
    with pytest.raises(PermissionDenied):
        book.find(phone="13812345678", actor=VIEWER)
    with pytest.raises(PermissionDenied):
        book.count(tax_id="91320500738254739G", actor=SALES)  # only finance sees tax IDs
    assert book.find(contact="王经理", actor=VIEWER)  # names are not masked


def test_a_shared_phone_is_a_warning_naming_the_holder(make_any_book: BookFactory) -> None:
    book = make_any_book()
    first = book.add(HUAXIN).code
    other = book.register({"name": "另一家公司", "contacts": [{"name": "王", "mobile": "+86 138 1234 5678"}]})
    assert [(p.path, p.code, p.severity) for p in other.warnings] == [
        ("contacts[0].mobile", "duplicate_phone", Severity.WARNING)]
    assert f"customer {first}" in other.warnings[0].message
    # an update warns only of a phone the customer did not have
    code = other.customer.code or ""
    assert book.update(code, {"remarks": "x"}, expected_version=1).version == 2


def test_a_shared_phone_is_refused_when_the_settings_say_so(make_book: BookFactory) -> None:
    book = make_book(Settings(duplicate_phone="error"))
    first = book.add(HUAXIN)
    with pytest.raises(custrecord.ValidationError) as info:
        book.add({"name": "另一家公司", "contacts": [{"name": "王", "mobile": "13812345678"}]})
    assert [p.code for p in info.value.problems] == ["duplicate_phone"]
    second = book.add({"name": "另一家公司", "contacts": [{"name": "王", "mobile": "13900001111"}]})
    with pytest.raises(custrecord.ValidationError):
        book.add_contact(second.code or "", {"name": "李", "phone": "13812345678"})
    book.update_contact(first.code or "", "c1", {"title": "经理"})  # its own phone is no clash


def test_a_shared_phone_does_not_name_a_customer_the_actor_may_not_see(book: CustomerBook) -> None:
    book.add({**HUAXIN, "region": "WEST"})
    scoped = Actor("wang", {"sales"}, scope=Scope(regions={"EAST"}))
    result = book.register({"name": "另一家公司", "region": "EAST",
                            "contacts": [{"name": "王", "mobile": "13812345678"}]}, actor=scoped)
    (warning,) = result.warnings
    assert warning.code == "duplicate_phone"
    assert "C000001" not in warning.message + warning.message_zh


def test_import_reports_shared_phones_per_row(book: CustomerBook) -> None:
    book.add(HUAXIN)
    other = book.add({"name": "乙方有限公司", "contacts": [{"name": "乙", "mobile": "13700001111"}]}).code
    rows = [
        (2, {"客户名称": "甲公司", "联系人": "甲", "手机": "13812345678"}),
        (3, {"客户名称": "乙公司", "联系人": "乙", "手机": "13900001111"}),
        (4, {"客户名称": "丙公司", "联系人": "丙", "手机": "139 0000 1111"}),
        (5, {"客户编码": "C000001", "客户名称": HUAXIN["name"], "联系人": "王经理", "手机": "13812345678"}),
        (6, {"客户编码": "C000001", "客户名称": HUAXIN["name"], "联系人": "王经理", "手机": "13700001111"}),
    ]
    outcomes = list(book.import_records(rows))
    assert [(o.row, o.action, [p.code for p in o.problems]) for o in outcomes] == [
        (2, "added", ["duplicate_phone"]),
        (3, "added", []),
        (4, "added", ["duplicate_phone"]),
        (5, "unchanged", []),  # its own phone
        (6, "updated", ["duplicate_phone"]),
    ]
    assert "row 3" in outcomes[2].problems[0].message
    assert f"customer {other}" in outcomes[4].problems[0].message


def test_merged_contacts_keep_unique_ids(book: CustomerBook) -> None:
    a = book.add(HUAXIN).code or ""
    b = book.add({"name": "苏州华信科技有限公司",
                  "contacts": [{"name": "李娜", "mobile": "13900001111"}]}).code or ""
    merged = book.merge([a, b], survivor=a, reason="同一客户")
    assert sorted(c.id or "" for c in merged.contacts) == ["c1", "c2"]
    assert book.update_contact(a, "c2", {"title": "出纳"}).contacts[1].title == "出纳"


def test_contact_history_is_masked_for_who_reads_it(book: CustomerBook) -> None:
    code = book.add(HUAXIN).code or ""
    book.add_contact(code, {"name": "李", "mobile": "13900001111", "email": "li@example.com"})
    book.update_contact(code, "c2", {"mobile": "13700001111"})
    seen = repr(book.history(code, actor=VIEWER))
    assert [s for s in ("13900001111", "13700001111", "li@example.com") if s in seen] == []
    assert "13700001111" in repr(book.history(code, actor=SALES))


def test_find_by_a_fragment_of_a_contact_name(book: CustomerBook) -> None:
    """`contact_contains`: any part of a contact's name, case and runs of spaces aside; scoped like find."""
    a = book.add({"name": "苏州华信", "contacts": [{"name": "王 经理"}, {"name": "Anna  Smith"}]}).code
    b = book.add({"name": "无锡华信", "contacts": [{"name": "王芳"}]}).code
    assert [c.code for c in book.find(contact_contains="王")] == [a, b]
    assert [c.code for c in book.find(contact_contains="anna sm")] == [a]
    assert book.count(contact_contains="王", contact="王芳") == 1
    assert book.find(contact_contains="王经理") == []  # the space is part of the name


def test_a_masked_contact_name_is_no_search_key(make_book: BookFactory) -> None:
    """A policy that masks contact names refuses searches by them, whole or in part."""
    sensitive = {**RolePolicy().sensitive, "contacts.name": frozenset({"admin"})}
    book = make_book(Settings(policy=RolePolicy(sensitive=sensitive)))
    book.add(HUAXIN)
    for filters in ({"contact": "王经理"}, {"contact_contains": "王"}):
        with pytest.raises(PermissionDenied):
            book.find(actor=VIEWER, **filters)
    assert book.count(contact_contains="王") == 1  # the default actor is an admin

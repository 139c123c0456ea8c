from __future__ import annotations

import pytest
from hypothesis import given

import custrecord
from custrecord.permissions import (
    Action,
    Actor,
    PermissionDenied,
    RolePolicy,
    Visibility,
    is_personal_id,
    mask_customer,
    mask_middle,
)
from custrecord.testing.strategies import customers

POLICY = RolePolicy()
FINANCE = Actor("li", {"finance"})
SALES = Actor("wang", {"sales"})
VIEWER = Actor("zhao", {"viewer"})


def test_default_roles_actions() -> None:
    assert POLICY.allows(SALES, Action.CREATE)
    assert not POLICY.allows(SALES, Action.APPROVE)
    assert POLICY.allows(FINANCE, Action.APPROVE)
    assert not POLICY.allows(VIEWER, Action.EDIT)
    assert not POLICY.allows(Actor("nobody"), Action.VIEW)
    assert POLICY.allows(Actor("boss", {"admin"}), Action.ERASE)


def test_sales_may_not_edit_credit_or_bank() -> None:
    assert POLICY.may_edit(SALES, "name")
    assert POLICY.may_edit(SALES, "contacts")
    assert not POLICY.may_edit(SALES, "credit.limit")
    assert not POLICY.may_edit(SALES, "bank_account")
    assert POLICY.may_edit(FINANCE, "credit.limit")
    assert not POLICY.may_edit(VIEWER, "name")


def test_roles_combine() -> None:
    both = Actor("zhou", {"sales", "finance"})
    assert POLICY.may_edit(both, "credit.limit")
    assert POLICY.visibility(both, "bank_account") is Visibility.FULL


def test_mask_middle() -> None:
    assert mask_middle("6222021234567891234") == "6222***********1234"
    assert mask_middle("320505199001011234") == "3205**********1234"
    assert mask_middle("1234") == "****"
    assert mask_middle(None) is None


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        ("1234567", "*******"),
        ("62220212", "********"),  # exactly keep_start + keep_end: nothing of it is shown
        ("622202123", "6222*2123"),
        ("6222021234", "6222**1234"),
    ],
)
def test_mask_middle_boundary(text: str, seen: str) -> None:
    assert mask_middle(text) == seen


def test_mask_middle_keeping_no_end() -> None:
    """``text[-0:]`` is the whole text: keeping no end once showed the value after the stars."""
    assert mask_middle("abcdef", keep_start=1, keep_end=0) == "a*****"
    assert mask_middle("ab", keep_start=0, keep_end=0) == "**"
    assert mask_middle("abcdef", keep_start=0, keep_end=2) == "****ef"


def test_an_email_without_at_sign_is_masked() -> None:
    seen = mask_customer(custrecord.Customer(name="x", contacts=(custrecord.Contact(email="zhangsan"),)),
                         VIEWER, POLICY)
    assert seen.contacts[0].email == "z*******"


def test_eight_character_account_and_personal_tax_id_are_masked() -> None:
    person = custrecord.structure(
        {"name": "张三", "kind": "个人", "tax_id": "360426199101010071", "bank_account": "62220212"}
    )
    seen = mask_customer(person, VIEWER, POLICY)
    assert seen.bank_account == "********"
    assert seen.tax_id == "3604**********0071"
    assert mask_customer(person, FINANCE, POLICY).bank_account == "62220212"


def test_masking_by_role() -> None:
    person = custrecord.structure(
        {
            "name": "张三",
            "kind": "个人",
            "tax_id": "360426199101010071",
            "bank_account": "6222021234567891234",
            "contacts": [{"name": "张三", "mobile": "13812345678", "email": "zhang@example.com"}],
        }
    )
    assert mask_customer(person, FINANCE, POLICY) == person
    seen_by_sales = mask_customer(person, SALES, POLICY)
    assert seen_by_sales.bank_account == "6222***********1234"
    assert seen_by_sales.tax_id == "3604**********0071"
    assert seen_by_sales.contacts[0].mobile == "+8613812345678"
    seen_by_viewer = mask_customer(person, VIEWER, POLICY)
    assert seen_by_viewer.contacts[0].mobile == "+86138****5678"
    assert seen_by_viewer.contacts[0].email == "z***@example.com"


def test_company_tax_id_is_not_personal_data() -> None:
    company = custrecord.structure({"name": "ACME", "tax_id": "91110000600037341L"})
    assert mask_customer(company, VIEWER, POLICY).tax_id == "91110000600037341L"


@given(customers())
def test_restricted_view_never_shows_sensitive_values(customer: custrecord.Customer) -> None:
    seen = mask_customer(customer, VIEWER, POLICY)
    if customer.bank_account:
        assert seen.bank_account != customer.bank_account
        assert len(seen.bank_account or "") == len(customer.bank_account)
    if customer.tax_id and is_personal_id(customer.tax_id, customer.kind):
        assert seen.tax_id != customer.tax_id
    else:
        assert seen.tax_id == customer.tax_id
    for original, masked in zip(customer.contacts, seen.contacts, strict=True):
        for field in ("phone", "mobile", "email"):
            if getattr(original, field):
                assert getattr(masked, field) != getattr(original, field)


def test_permission_denied_message() -> None:
    err = PermissionDenied(SALES, "edit", "credit.limit")
    assert "wang (roles: sales) may not edit on credit.limit" in str(err)
    assert isinstance(err, custrecord.CustrecordError)


def test_actor_roles_from_a_string() -> None:
    assert Actor("a", "admin").roles == frozenset({"admin"})


@pytest.mark.parametrize("role", ["admin", "finance", "sales", "viewer"])
def test_every_default_role_may_view(role: str) -> None:
    assert POLICY.allows(Actor("x", {role}), Action.VIEW)


def test_permission_denied_names_who_what_and_where() -> None:
    err = PermissionDenied(Actor("zhou", {"sales", "finance"}), "approve", "credit.limit")
    assert (err.actor.name, err.action, err.what) == ("zhou", "approve", "credit.limit")
    assert str(err) == "zhou (roles: finance, sales) may not approve on credit.limit"
    bare = PermissionDenied(Actor("nobody"), "view")
    assert bare.what is None
    assert str(bare) == "nobody (roles: none) may not view"


def test_a_role_the_policy_does_not_know_grants_nothing() -> None:
    ghost = Actor("g", {"ghost"})
    assert not POLICY.allows(ghost, Action.VIEW)
    assert not POLICY.may_edit(ghost, "name")
    assert POLICY.visibility(ghost, "bank_account") is Visibility.MASKED


def test_editing_needs_the_edit_or_create_action() -> None:
    policy = RolePolicy(actions={"clerk": frozenset({Action.CREATE}), "editor": frozenset({Action.EDIT}),
                                 "reader": frozenset({Action.VIEW})}, locked={})
    assert policy.may_edit(Actor("a", {"clerk"}), "name")
    assert policy.may_edit(Actor("b", {"editor"}), "name")
    assert not policy.may_edit(Actor("c", {"reader"}), "name")


def test_a_lock_covers_the_path_and_everything_below_it() -> None:
    policy = RolePolicy(locked={"sales": frozenset({"contacts", "address.street", "credit"})})
    assert not policy.may_edit(SALES, "contacts")
    assert not policy.may_edit(SALES, "contacts[0].mobile")
    assert not policy.may_edit(SALES, "contacts[]")
    assert not policy.may_edit(SALES, "credit.limit")
    assert not policy.may_edit(SALES, "address.street")
    assert not policy.may_edit(SALES, "address.street.line2")
    assert policy.may_edit(SALES, "address.city")
    assert policy.may_edit(SALES, "address")
    assert policy.may_edit(SALES, "contacts_note")
    assert policy.may_edit(SALES, "name")


def test_phone_and_email_masks_word_for_word() -> None:
    customer = custrecord.Customer(name="x", contacts=(
        custrecord.Contact(name="a", phone="+8651265201234;ext=801", mobile="+123456", email="a@b@c.com"),
    ))
    (seen,) = mask_customer(customer, VIEWER, POLICY).contacts
    assert (seen.phone, seen.mobile, seen.email) == ("+86512****1234", "+**3456", "a***@b@c.com")


def test_whose_tax_id_is_personal() -> None:
    """An individual's tax number whatever its shape; a company's only when it is a resident ID."""
    individual = custrecord.Customer(name="x", kind=custrecord.Kind.INDIVIDUAL, tax_id="91110000600037341L")
    company = custrecord.Customer(name="x", tax_id="360426199101010071")
    assert is_personal_id("91110000600037341L", custrecord.Kind.INDIVIDUAL)
    assert is_personal_id("360426199101010071", custrecord.Kind.ENTERPRISE)
    assert not is_personal_id("91110000600037341L", custrecord.Kind.ENTERPRISE)
    assert mask_customer(individual, VIEWER, POLICY).tax_id == "9111**********341L"
    assert mask_customer(company, VIEWER, POLICY).tax_id == "3604**********0071"


def test_nothing_to_mask_gives_the_same_object() -> None:
    customer = custrecord.Customer(name="x", contacts=(custrecord.Contact(name="a"),))
    assert mask_customer(customer, VIEWER, POLICY) is customer
    full = custrecord.Customer(name="x", bank_account="6222021234567891234",
                               contacts=(custrecord.Contact(name="a", mobile="+8613812345678"),))
    seen = mask_customer(full, FINANCE, POLICY)
    assert seen is full
    assert seen.contacts[0] is full.contacts[0]


def test_check_edit_refuses_the_first_change_not_allowed() -> None:
    from custrecord.diff import FieldChange
    from custrecord.permissions import check_edit

    changes = [FieldChange("name", "a", "b"), FieldChange("credit.limit", 1, 2),
               FieldChange("bank_account", 1, 2)]
    check_edit(FINANCE, POLICY, changes)
    check_edit(SALES, POLICY, changes[:1])
    check_edit(SALES, POLICY, [])
    with pytest.raises(PermissionDenied) as info:
        check_edit(SALES, POLICY, changes)
    assert (info.value.action, info.value.what) == ("edit", "credit.limit")


def test_a_contact_with_nothing_to_mask_is_kept_as_it_is() -> None:
    plain = custrecord.Contact(name="a", title="经理")
    other = custrecord.Contact(name="b", mobile="+8613812345678")
    customer = custrecord.Customer(name="x", contacts=(plain, other))
    seen = mask_customer(customer, VIEWER, POLICY)
    assert seen.contacts[0] is plain
    assert seen.contacts[1].mobile == "+86138****5678"

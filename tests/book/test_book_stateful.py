"""A stateful test of the book: random operations by random actors.

Invariants after every step:
- history replays to the current state of every customer;
- no action the policy forbids ever succeeds;
- masked values never reach a restricted actor through any read path (get,
  find, all, history, export rows).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

import custrecord
from custrecord.book import CustomerBook
from custrecord.flat import flatten
from custrecord.lifecycle import InvalidTransition, Transition
from custrecord.permissions import Action, Actor, PermissionDenied, RolePolicy
from custrecord.storage.memory import MemoryStorage

POLICY = RolePolicy()
ACTORS = [
    Actor("root", {"admin"}),
    Actor("li", {"finance"}),
    Actor("wang", {"sales"}),
    Actor("zhao", {"viewer"}),
    Actor("nobody", set()),
]
VIEWER = ACTORS[3]

# Sensitive values drawn from small pools, so the leak check knows every raw value.
ID_NUMBERS = ["360426199101010071", "110101199003074477", "440305198507203810"]
ACCOUNTS = ["6222021234567891234", "6217001234567890123", "6228480012345678912"]
MOBILES = ["13812345678", "13987654321", "15011112222"]
RAW = set(ID_NUMBERS) | set(ACCOUNTS) | set(MOBILES) | {"+86" + m for m in MOBILES}

people = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["张三", "李四", "王五"]),
        "kind": st.just("个人"),
        "tax_id": st.sampled_from(ID_NUMBERS),
        "bank_account": st.sampled_from(ACCOUNTS),
        "contacts": st.lists(
            st.fixed_dictionaries({"name": st.just("本人"), "mobile": st.sampled_from(MOBILES)}), max_size=1
        ),
    }
)
companies = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["苏州甲科技有限公司", "上海乙贸易有限公司", ""]),
        "credit": st.fixed_dictionaries({"limit": st.sampled_from(["1000", "50000", "-1"])}),
        "bank_account": st.sampled_from(ACCOUNTS),
    }
)
changes = st.one_of(
    st.fixed_dictionaries({"remarks": st.sampled_from(["甲", "乙", "x" * 600])}),
    st.fixed_dictionaries({"credit": st.fixed_dictionaries({"limit": st.sampled_from(["10", "20"])})}),
    st.fixed_dictionaries({"bank_account": st.sampled_from(ACCOUNTS)}),
    st.fixed_dictionaries({"tags": st.sampled_from(["VIP", "重点,VIP", ""])}),
    st.fixed_dictionaries({"contact_mobile": st.sampled_from([*MOBILES, "123"])}),
)


class BookMachine(RuleBasedStateMachine):
    codes = Bundle("codes")

    def __init__(self) -> None:
        super().__init__()
        self.book = CustomerBook(MemoryStorage())

    def teardown(self) -> None:
        self.book.close()

    @rule(target=codes, actor=st.sampled_from(ACTORS), data=st.one_of(people, companies))
    def add(self, actor: Actor, data: dict[str, Any]) -> Any:
        before = self.book.count(include_deleted=True)
        try:
            customer = self.book.add(data, actor=actor)
        except PermissionDenied:
            assert self.book.count(include_deleted=True) == before
            return multiple()
        except custrecord.ValidationError:
            assert self.book.count(include_deleted=True) == before
            return multiple()
        assert POLICY.allows(actor, Action.CREATE)
        return customer.code

    @rule(code=codes, actor=st.sampled_from(ACTORS), change=changes)
    def update(self, code: str, actor: Actor, change: dict[str, Any]) -> None:
        current = self.book.get(code)
        try:
            updated = self.book.update(code, change, expected_version=current.version, actor=actor)
        except (PermissionDenied, custrecord.ValidationError):
            assert self.book.get(code).version == current.version
            return
        assert POLICY.allows(actor, Action.EDIT)
        if updated.version != current.version:
            for entry_change in self.book.history(code)[-1].changes:
                assert POLICY.may_edit(actor, entry_change.path), (actor, entry_change.path)

    @rule(
        code=codes,
        actor=st.sampled_from(ACTORS),
        step=st.sampled_from(["freeze", "unfreeze", "disable", "enable", "delete", "restore"]),
    )
    def lifecycle(self, code: str, actor: Actor, step: str) -> None:
        before = self.book.get(code)
        try:
            getattr(self.book, step)(code, actor=actor)
        except (PermissionDenied, InvalidTransition):
            assert self.book.get(code) == before
            return
        needed = Action.DELETE if step in (Transition.DELETE, "restore") else Action.EDIT
        assert POLICY.allows(actor, needed)

    @rule(code=consumes(codes))
    def forget(self, code: str) -> None:
        """Drop a code from the bundle now and then, so others get exercised."""

    @invariant()
    def history_replays_to_current_state(self) -> None:
        for customer in self.book.all(include_deleted=True):
            code = customer.code or ""
            replayed = self.book.as_of(code, customer.version)
            assert (
                attrs.evolve(replayed, created_at=customer.created_at, updated_at=customer.updated_at)
                == customer
            )

    @invariant()
    def restricted_reads_never_leak(self) -> None:
        views = [
            *self.book.all(actor=VIEWER, include_deleted=True),
            *self.book.find(actor=VIEWER, include_deleted=True),
        ]
        texts = [repr(v) for v in views]
        texts += [repr(flatten(v)) for v in views]  # what an export writes
        for customer in views:
            texts.append(repr(self.book.get(customer.code or "", actor=VIEWER)))
            texts.append(repr(self.book.history(customer.code or "", actor=VIEWER)))
        blob = "\n".join(texts)
        for value in RAW:
            assert value not in blob, value

    @invariant()
    def limits_are_never_negative(self) -> None:
        for customer in self.book.all(include_deleted=True):
            assert customer.credit.limit is None or customer.credit.limit >= Decimal(0)


def multiple() -> Any:
    from hypothesis.stateful import multiple as none_of

    return none_of()


TestBookMachine = BookMachine.TestCase
TestBookMachine.settings = settings(settings.default, stateful_step_count=12, deadline=None)

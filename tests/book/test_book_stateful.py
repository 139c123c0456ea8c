"""A stateful test of the book: random operations by random actors, with approval on.

Invariants after every step:
- history replays to the current state of every customer;
- no action the policy forbids ever succeeds;
- masked values never reach a restricted actor through any read path (get,
  find, all, history, pending revisions, export rows) nor any exception;
- values nobody approved are never live, approval never changes a status, and
  nobody approves a revision holding a change of their own;
- a scoped actor sees only its scope;
- the credit ledger never holds more than the limit a check let through.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

import custrecord
from custrecord.book import CustomerBook
from custrecord.credit import CreditError
from custrecord.errors import CustrecordError, NotFound
from custrecord.flat import flatten
from custrecord.lifecycle import InvalidTransition, Transition
from custrecord.permissions import Action, Actor, PermissionDenied, RolePolicy, Scope
from custrecord.settings import Settings
from custrecord.storage.memory import MemoryStorage

POLICY = RolePolicy()
ACTORS = [
    Actor("root", {"admin"}),
    Actor("li", {"finance"}),
    Actor("wang", {"sales"}),
    Actor("zhao", {"viewer"}),
    Actor("nobody", set()),
    Actor("zhou", {"finance"}),
    Actor("east", {"sales"}, scope=Scope(regions={"EAST"})),
]
VIEWER = ACTORS[3]
SCOPED = ACTORS[6]
SETTINGS = Settings(require_approval=True)

# Sensitive values drawn from small pools, so the leak check knows every raw value.
ID_NUMBERS = ["360426199101010071", "110101199003074477", "440305198507203810"]
ACCOUNTS = ["6222021234567891234", "6217001234567890123", "6228480012345678912"]
MOBILES = ["13912340001", "13987654321", "15011112222"]  # none is a hint's example number
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
        "region": st.sampled_from(["EAST01", "NORTH01"]),
    }
)
changes = st.one_of(
    st.fixed_dictionaries({"remarks": st.sampled_from(["甲", "乙", "x" * 600])}),
    st.fixed_dictionaries({"credit": st.fixed_dictionaries({"limit": st.sampled_from(["10", "20"])})}),
    st.fixed_dictionaries({"bank_account": st.sampled_from(ACCOUNTS)}),
    st.fixed_dictionaries({"tags": st.sampled_from(["VIP", "重点,VIP", ""])}),
    st.fixed_dictionaries({"contact_mobile": st.sampled_from([*MOBILES, "123"])}),
    st.fixed_dictionaries({"name": st.sampled_from(["苏州新名有限公司", "上海另名有限公司"])}),
    st.fixed_dictionaries(
        {"kind": st.sampled_from(["企业", "个人"]), "country": st.sampled_from(["HK", "CN"])}
    ),
)


def _leaks(text: str, actor: Actor) -> list[str]:
    """The raw sensitive values in ``text`` that ``actor`` may not see."""
    hidden: set[str] = set()
    for path, values in (("tax_id", ID_NUMBERS), ("bank_account", ACCOUNTS),
                         ("contacts.mobile", [*MOBILES, *("+86" + m for m in MOBILES)])):
        if POLICY.visibility(actor, path) is custrecord.permissions.Visibility.MASKED:
            hidden.update(values)
    return [v for v in hidden if v in text]


class BookMachine(RuleBasedStateMachine):
    codes = Bundle("codes")

    def __init__(self) -> None:
        super().__init__()
        self.book = CustomerBook(MemoryStorage(), SETTINGS)

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
        refused: CustrecordError | None = None
        try:
            updated = self.book.update(code, change, expected_version=current.version, actor=actor)
        except (PermissionDenied, NotFound, custrecord.ValidationError) as exc:
            refused = exc
        if refused is not None:
            assert self.book.get(code).version == current.version
            assert _leaks(repr(refused) + repr(getattr(refused, "problems", "")), actor) == []
            return
        assert POLICY.allows(actor, Action.EDIT)
        stored = self.book.get(code)  # as the system sees it: unmasked
        if current.status not in (custrecord.Status.DRAFT, custrecord.Status.PENDING):
            for path in SETTINGS.approval_fields:  # values nobody approved are not live
                assert getattr(stored, path) == getattr(current, path), path
        if updated.version != current.version:
            for entry_change in self.book.history(code)[-1].changes:
                assert POLICY.may_edit(actor, entry_change.path), (actor, entry_change.path)

    @rule(code=codes, actor=st.sampled_from(ACTORS), approve=st.booleans())
    def decide(self, code: str, actor: Actor, approve: bool) -> None:
        before = self.book.get(code)
        pending = self.book.pending(code)
        try:
            if approve:
                after = self.book.approve(code, actor=actor)
            else:
                after = self.book.reject(code, actor=actor, reason="复核")
        except (PermissionDenied, InvalidTransition, NotFound, custrecord.ValidationError):
            return
        assert POLICY.allows(actor, Action.APPROVE)
        if pending is not None:
            assert actor.name not in pending.authors  # four eyes
            assert after.status is before.status  # approval never changes a status
            assert self.book.pending(code) is None

    @rule(code=codes, amount=st.sampled_from([100, 400, 900, 60000]), ref=st.sampled_from(["SO-1", "SO-2"]))
    def check_credit(self, code: str, amount: int, ref: str) -> None:
        try:
            decision = self.book.check_credit(code, amount, order_ref=ref)
        except CreditError:
            return
        if decision.ok and decision.limit is not None:
            held = self.book.storage.credit.reservations(code)
            assert sum(r.amount for r in held.values()) <= decision.limit

    @rule(
        code=codes,
        actor=st.sampled_from(ACTORS),
        step=st.sampled_from(["freeze", "unfreeze", "disable", "enable", "delete", "restore"]),
    )
    def lifecycle(self, code: str, actor: Actor, step: str) -> None:
        before = self.book.get(code)
        try:
            getattr(self.book, step)(code, actor=actor)
        except (PermissionDenied, InvalidTransition, NotFound):
            assert self.book.get(code) == before
            return
        needed = Action.DELETE if step in (Transition.DELETE, "restore") else Action.STATUS
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
            texts.append(repr(self.book.pending(customer.code or "", actor=VIEWER)))
        blob = "\n".join(texts)
        for value in RAW:
            assert value not in blob, value

    @invariant()
    def a_scoped_actor_sees_only_its_scope(self) -> None:
        seen = self.book.find(actor=SCOPED, include_deleted=True)
        assert all((c.region or "").startswith("EAST") for c in seen)
        assert self.book.count(actor=SCOPED, include_deleted=True) == len(seen)
        for customer in self.book.all(include_deleted=True):
            if not (customer.region or "").startswith("EAST"):
                with pytest.raises(NotFound):
                    self.book.get(customer.code or "", actor=SCOPED)

    @invariant()
    def limits_are_never_negative(self) -> None:
        for customer in self.book.all(include_deleted=True):
            assert customer.credit.limit is None or customer.credit.limit >= Decimal(0)


def multiple() -> Any:
    from hypothesis.stateful import multiple as none_of

    return none_of()


TestBookMachine = BookMachine.TestCase
TestBookMachine.settings = settings(settings.default, stateful_step_count=12, deadline=None)

"""Contracts of the credit ledger: reservations, temporary raises, per-company views."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest

from custrecord.credit import TemporaryRaise, company_ledger
from custrecord.errors import (
    ConflictError,
)
from custrecord.storage.ports import Storage
from custrecord.testing.contract_base import (
    InjectedFailure,
    StorageFixtures,
    sample_customer,
)


class CreditContract(StorageFixtures):
    """The credit ledger kept with the customers: reservations per order, temporary raises."""

    def test_reserve_replace_and_release(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("C1"))
        credit = storage.credit
        assert credit.reservations("C1") == {}
        credit.reserve("C1", "SO-1", Decimal("100.50"), "CNY")
        credit.reserve("C1", " SO-2 ", Decimal("7"), "CNY")  # references are trimmed
        credit.reserve("C1", "SO-1", Decimal("80"), "CNY")  # the same order again: replaced
        held = credit.reservations("C1")
        assert sorted(held) == ["SO-1", "SO-2"]
        assert (held["SO-1"].amount, held["SO-1"].currency) == (Decimal("80"), "CNY")
        assert credit.reservations("C2") == {}
        released = credit.release("C1", "SO-1")
        assert released is not None
        assert released.amount == Decimal("80")
        assert credit.release("C1", "SO-1") is None
        assert list(credit.reservations("C1")) == ["SO-2"]

    def test_reservations_of_a_company_are_kept_apart(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("C1"))
        storage.credit.reserve("C1", "SO-1", Decimal("10"), "CNY")
        in_002 = company_ledger(storage.credit, "002")
        with storage.unit_of_work() as uow, uow.credit.hold("C1"):
            company_ledger(uow.credit, "002").reserve("C1", "SO-1", Decimal("20"), "USD")
        held = in_002.reservations("C1")
        assert list(held) == ["SO-1"]
        assert (held["SO-1"].amount, held["SO-1"].currency) == (Decimal("20"), "USD")
        assert held["SO-1"].company == "002"
        assert held["SO-1"].customer_code == "C1"
        assert storage.credit.reservations("C1")["SO-1"].amount == Decimal("10")
        assert company_ledger(storage.credit, "003").reservations("C1") == {}
        released = in_002.release("C1", "SO-1")
        assert released is not None
        assert released.company == "002"
        assert in_002.reservations("C1") == {}
        assert list(storage.credit.reservations("C1")) == ["SO-1"]

    def test_amounts_round_trip_exactly(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("C1"))
        for i, amount in enumerate(("0.01", "99999999999999.99", "1E+6", "123456789.123456")):
            storage.credit.reserve("C1", f"SO-{i}", Decimal(amount), "USD")
        held = storage.credit.reservations("C1")
        assert [held[f"SO-{i}"].amount for i in range(4)] == [
            Decimal("0.01"),
            Decimal("99999999999999.99"),
            Decimal("1E+6"),
            Decimal("123456789.123456"),
        ]

    def test_raises_are_kept_in_order(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("C1"))
        first = TemporaryRaise(limit=Decimal("5000"), until=date(2026, 6, 30), reason="大促", actor="李")
        second = TemporaryRaise(
            limit=Decimal("9000.50"), until=date(2026, 12, 31), starts=date(2026, 7, 1), currency="CNY"
        )
        storage.credit.add_raise("C1", first)
        storage.credit.add_raise("C1", second)
        assert list(storage.credit.raises("C1")) == [first, second]
        assert list(storage.credit.raises("C2")) == []

    def test_credit_rolls_back_with_the_unit(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("C1"))
        storage.credit.reserve("C1", "SO-1", Decimal("1"), "CNY")
        with pytest.raises(InjectedFailure), storage.unit_of_work() as uow:  # noqa: PT012 - the whole unit must fail
            with uow.credit.hold("C1"):
                uow.credit.reserve("C1", "SO-2", Decimal("2"), "CNY")
                uow.credit.release("C1", "SO-1")
                uow.credit.add_raise("C1", TemporaryRaise(limit=Decimal("9"), until=date(2026, 1, 1)))
            raise InjectedFailure
        assert list(storage.credit.reservations("C1")) == ["SO-1"]
        assert list(storage.credit.raises("C1")) == []

    def test_holds_serialise_read_then_reserve(self, storage: Storage) -> None:
        # Each thread reads the reservations and reserves only what stays under the limit.
        storage.customers.add(sample_customer("C1"))
        limit, amount, threads = Decimal(100), Decimal(30), 6
        errors: list[BaseException] = []

        def order(n: int) -> None:
            try:
                with storage.unit_of_work() as uow, uow.credit.hold("C1"):
                    held = sum((r.amount for r in uow.credit.reservations("C1").values()), Decimal(0))
                    if held + amount <= limit:
                        uow.credit.reserve("C1", f"SO-{n}", amount, "CNY")
            except ConflictError:
                pass  # a server may refuse one transaction of a race: nothing reserved
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        workers = [threading.Thread(target=order, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == []
        total = sum((r.amount for r in storage.credit.reservations("C1").values()), Decimal(0))
        assert total <= limit

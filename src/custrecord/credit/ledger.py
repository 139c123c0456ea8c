"""The credit ledger: amounts reserved per (customer code, order reference).

Every order checked with an ``order_ref`` holds one reservation, its amount at
the last check that let it through. Re-checking the same reference replaces
that amount instead of adding to it, so an edited, copied or reopened order is
counted exactly once. The caller releases a reservation when the order stops
being an open order (shipped and invoiced, so now a receivable; or cancelled).

Reservations of a company (账套) other than the default one are kept apart: a
ledger holds them under the key ``<code>@<company>`` (``@`` is in no customer
code), so any ledger keeps them without knowing about companies, and
:func:`company_ledger` gives the view of one company.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from types import MappingProxyType
from typing import Protocol

import attrs

from custrecord.credit.errors import CreditError
from custrecord.text import has_unstorable

__all__ = ["CreditLedger", "InMemoryCreditLedger", "Reservation", "company_ledger", "ledger_key", "order_key"]


@attrs.frozen
class Reservation:
    """Credit held by one open order."""

    customer_code: str
    order_ref: str
    amount: Decimal
    currency: str
    #: The company (账套) the order belongs to; None for the default company.
    company: str | None = None


class CreditLedger(Protocol):
    """Where reservations live. A storage adapter implements it over a table keyed by (customer, order).

    ``hold(customer_code)`` serialises checks of one customer: a check reads the
    reservations and writes its own inside one hold, so two orders checked at the
    same moment cannot both spend the same headroom.
    """

    def hold(self, customer_code: str) -> AbstractContextManager[None]: ...

    def reservations(self, customer_code: str) -> Mapping[str, Reservation]: ...

    def reserve(self, customer_code: str, order_ref: str, amount: Decimal, currency: str) -> Reservation: ...

    def release(self, customer_code: str, order_ref: str) -> Reservation | None: ...


def order_key(order_ref: object) -> str:
    """An order reference trimmed; raises :class:`CreditError` when it is blank or not text."""
    if isinstance(order_ref, int) and not isinstance(order_ref, bool):
        order_ref = str(order_ref)
    if not isinstance(order_ref, str) or not order_ref.strip():
        raise CreditError(f"an order reference must be a non-blank text, not {order_ref!r}")
    if has_unstorable(order_ref):
        raise CreditError(f"an order reference holds control characters or broken Unicode: {order_ref!r}")
    return order_ref.strip()


def ledger_key(customer_code: str, company: str | None) -> str:
    """Where a ledger keeps a customer's reservations in ``company`` (None: the default company)."""
    return customer_code if company is None else f"{customer_code}@{company}"


class _CompanyLedger:
    """One company's reservations in a ledger; holds still lock the customer itself."""

    def __init__(self, ledger: CreditLedger, company: str) -> None:
        self._ledger = ledger
        self._company = company

    def hold(self, customer_code: str) -> AbstractContextManager[None]:
        return self._ledger.hold(customer_code)

    def _own(self, customer_code: str, reservation: Reservation) -> Reservation:
        return attrs.evolve(reservation, customer_code=customer_code, company=self._company)

    def reservations(self, customer_code: str) -> Mapping[str, Reservation]:
        held = self._ledger.reservations(ledger_key(customer_code, self._company))
        return MappingProxyType({ref: self._own(customer_code, r) for ref, r in held.items()})

    def reserve(self, customer_code: str, order_ref: str, amount: Decimal, currency: str) -> Reservation:
        made = self._ledger.reserve(ledger_key(customer_code, self._company), order_ref, amount, currency)
        return self._own(customer_code, made)

    def release(self, customer_code: str, order_ref: str) -> Reservation | None:
        dropped = self._ledger.release(ledger_key(customer_code, self._company), order_ref)
        return None if dropped is None else self._own(customer_code, dropped)


def company_ledger(ledger: CreditLedger, company: str | None) -> CreditLedger:
    """The reservations of ``company`` in ``ledger`` (``ledger`` itself for the default company, None)."""
    return ledger if company is None else _CompanyLedger(ledger, company)


class InMemoryCreditLedger:
    """A thread-safe :class:`CreditLedger` in process memory."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._by_customer: dict[str, dict[str, Reservation]] = {}

    @contextmanager
    def _held(self) -> Iterator[None]:
        with self._lock:
            yield

    def hold(self, customer_code: str) -> AbstractContextManager[None]:
        """Exclusive access for a read-then-reserve sequence (re-entrant)."""
        return self._held()

    def reservations(self, customer_code: str) -> Mapping[str, Reservation]:
        """Open reservations of a customer by order reference."""
        with self._lock:
            return MappingProxyType(dict(self._by_customer.get(customer_code, {})))

    def reserve(self, customer_code: str, order_ref: str, amount: Decimal, currency: str) -> Reservation:
        """Set the order's reservation to ``amount`` (replacing any earlier one)."""
        reservation = Reservation(customer_code, order_key(order_ref), amount, currency)
        with self._lock:
            self._by_customer.setdefault(customer_code, {})[reservation.order_ref] = reservation
        return reservation

    def release(self, customer_code: str, order_ref: str) -> Reservation | None:
        """Drop the order's reservation; the one dropped, or None."""
        with self._lock:
            return self._by_customer.get(customer_code, {}).pop(order_key(order_ref), None)

    def total(self, customer_code: str) -> Decimal:
        """The sum of a customer's reservations."""
        return sum((r.amount for r in self.reservations(customer_code).values()), Decimal(0))

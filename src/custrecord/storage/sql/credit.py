"""The SQL credit ledger port: open reservations per order and temporary raises, locked with the
customer's row by the caller."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Row,
    delete,
    insert,
    select,
)

from custrecord.credit.ledger import Reservation, order_key
from custrecord.credit.limits import TemporaryRaise
from custrecord.storage.documents import (
    time_text,
)
from custrecord.storage.sql.errors import translate_errors
from custrecord.storage.sql.unit_context import UnitContext

__all__ = ["SqlCredit", "temporary_raise"]


def temporary_raise(row: Row[Any]) -> TemporaryRaise:
    return TemporaryRaise(
        limit=Decimal(row.credit_limit), until=date.fromisoformat(row.until),
        starts=date.fromisoformat(row.starts) if row.starts else None, currency=row.currency,
        reason=row.reason, actor=row.actor,
    )


class SqlCredit:
    """Reservations and raises in their tables; ``hold`` locks the customer's row.

    SQLite's units of work begin IMMEDIATE, which serialises writers already.
    """

    def __init__(self, unit: UnitContext) -> None:
        self._unit = unit
        self._t = unit.storage.tables

    def _execute(self, statement: Any, params: Any = None) -> Any:
        with translate_errors():
            return self._unit.conn.execute(statement, params)

    def hold(self, customer_code: str) -> AbstractContextManager[None]:
        if self._unit.storage.dialect != "sqlite":
            c = self._t.customers.c
            self._execute(select(c.id).where(c.code == customer_code).with_for_update())
        return nullcontext()

    def reservations(self, customer_code: str) -> Mapping[str, Reservation]:
        r = self._t.credit_reservations.c
        rows = self._execute(
            select(r.order_ref, r.amount, r.currency).where(r.code == customer_code).order_by(r.order_ref)
        )
        return {row.order_ref: Reservation(customer_code, row.order_ref, Decimal(row.amount), row.currency)
                for row in rows}

    def reserve(self, customer_code: str, order_ref: str, amount: Decimal, currency: str) -> Reservation:
        reservation = Reservation(customer_code, order_key(order_ref), amount, currency)
        self.release(customer_code, reservation.order_ref)
        self._execute(insert(self._t.credit_reservations).values(
            code=customer_code, order_ref=reservation.order_ref, amount=str(amount), currency=currency,
            reserved_at=time_text(self._unit.now()),
        ))
        return reservation

    def release(self, customer_code: str, order_ref: str) -> Reservation | None:
        key = order_key(order_ref)
        old = self.reservations(customer_code).get(key)
        if old is not None:
            table = self._t.credit_reservations
            self._execute(delete(table).where(table.c.code == customer_code, table.c.order_ref == key))
        return old

    def raises(self, customer_code: str) -> Sequence[TemporaryRaise]:
        g = self._t.credit_raises.c
        rows = self._execute(select(self._t.credit_raises).where(g.code == customer_code).order_by(g.id))
        return tuple(temporary_raise(row) for row in rows)

    def add_raise(self, customer_code: str, grant: TemporaryRaise) -> None:
        self._execute(insert(self._t.credit_raises).values(
            code=customer_code, credit_limit=str(grant.limit), currency=grant.currency,
            starts=grant.starts.isoformat() if grant.starts else None, until=grant.until.isoformat(),
            reason=grant.reason, actor=grant.actor, granted_at=time_text(self._unit.now()),
        ))



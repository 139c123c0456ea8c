"""The statements a store runs per row, built once with bound parameters.

Building a Core expression (coercing operands, generating its cache key) costs
more than running the compiled statement it stands for; the import path runs
these per row, so each store builds them once and passes values as parameters.
Parameter names start with ``p_`` so they never clash with the column names
SQLAlchemy binds in ``SET`` and ``VALUES`` clauses.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from custrecord.storage.sql.schema import Tables

__all__ = ["IN_BATCH", "Statements"]

#: Values per ``IN (...)`` list: well inside every backend's parameter limit.
IN_BATCH = 500


class Statements:
    """The hot statements of one store (one set of tables)."""

    def __init__(self, tables: Tables) -> None:
        c = tables.customers.c
        s = tables.sequences
        t = tables.tags
        self.doc_by_code: Any = select(c.doc).where(c.code == bindparam("p_code"))
        self.doc_by_tax_id: Any = select(c.doc).where(
            c.country == bindparam("p_country"), c.tax_id == bindparam("p_tax_id")
        )
        self.docs_by_codes: Any = select(c.code, c.doc).where(
            c.code.in_(bindparam("p_codes", expanding=True))
        )
        self.docs_by_tax_ids: Any = select(c.country, c.tax_id, c.doc).where(
            c.country == bindparam("p_country"), c.tax_id.in_(bindparam("p_tax_ids", expanding=True))
        )
        self.codes_taken: Any = select(c.code).where(c.code.in_(bindparam("p_codes", expanding=True)))
        self.tax_ids_taken: Any = select(c.country, c.tax_id, c.code).where(
            c.country == bindparam("p_country"), c.tax_id.in_(bindparam("p_tax_ids", expanding=True))
        )
        self.locked: Any = (
            select(c.id, c.version, c.status, c.prior_status, c.created_at, c.doc)
            .where(c.code == bindparam("p_code"))
            .with_for_update()
        )
        #: Executed with the new column values and ``p_id``: the SET clause follows the keys.
        self.update_customer: Any = update(tables.customers).where(c.id == bindparam("p_id"))
        self.insert_customer: Any = insert(tables.customers)
        self.insert_tags: Any = insert(t)
        self.delete_tags: Any = delete(t).where(t.c.code == bindparam("p_code"))
        self.counter: Any = select(s.c.value).where(s.c.key == bindparam("p_key"))
        self.bump: Any = (
            update(s).where(s.c.key == bindparam("p_key")).values(value=s.c.value + bindparam("p_count"))
        )
        self.insert_counter: Any = insert(s)
        self.insert_history: Any = insert(tables.history)
        self.insert_event: Any = insert(tables.outbox)
        self.event_ids_taken: Any = select(tables.outbox.c.id).where(
            tables.outbox.c.id.in_(bindparam("p_ids", expanding=True))
        )

"""Integrity that holds across books, processes and restarts (issue 19).

The credit ledger was in memory per book: two 60k orders against a 100k limit both passed
from two processes, from two books on one file, and after a restart. `yonyou` short names
were unique by a scan only: 3 of 3 concurrent adds with one short name succeeded.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from custrecord.book import CustomerBook, open_book
from custrecord.credit import CreditError, Outcome
from custrecord.errors import DuplicateError, ValidationError
from custrecord.permissions import Actor, PermissionDenied
from custrecord.settings import Settings
from custrecord.storage.sql import SqlStorage
from storage.servers import POSTGRES_ENV, server_url, unique_prefix

BookFactory = Callable[..., CustomerBook]
FINANCE = Actor("li", {"finance"})
SALES = Actor("wang", {"sales"})
LIMITED = {"name": "苏州示例科技有限公司", "credit": {"limit": "100000", "days": 30}}
PROCESSES = 2
ORDERS = 6


def test_two_books_on_one_store_share_the_ledger(make_any_book: BookFactory) -> None:
    first = make_any_book()
    code = first.add(LIMITED).code or ""
    second = CustomerBook(first.storage)  # another book, as another process or a restart would open
    assert first.check_credit(code, 60000, order_ref="SO-1").outcome is Outcome.PASS
    blocked = second.check_credit(code, 60000, order_ref="SO-2")
    assert blocked.outcome is Outcome.BLOCK
    assert blocked.exposure == Decimal(60000)
    assert second.release_credit(code, "SO-1") is not None
    assert second.check_credit(code, 60000, order_ref="SO-2").outcome is Outcome.PASS


def test_the_ledger_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with open_book(path) as book:
        code = book.add(LIMITED).code or ""
        book.check_credit(code, 60000, order_ref="SO-1")
    with open_book(path) as again:
        assert again.check_credit(code, 60000, order_ref="SO-2").outcome is Outcome.BLOCK


def _orders(url: str, prefix: str, code: str, worker: int) -> None:
    storage = SqlStorage(url, table_prefix=prefix)
    book = CustomerBook(storage)
    for n in range(ORDERS):
        book.check_credit(code, 20000, order_ref=f"P{worker}-{n}")
    storage.close()


def _processes_never_pass_more_than_the_limit(url: str, prefix: str) -> None:
    storage = SqlStorage(url, table_prefix=prefix)
    code = CustomerBook(storage).add(LIMITED).code or ""
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_orders, args=(url, prefix, code, n)) for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    held = storage.credit.reservations(code)
    assert sum(r.amount for r in held.values()) <= Decimal(100000)
    assert len(held) == 5  # 100,000 of headroom holds exactly five orders of 20,000
    storage.drop()


def test_processes_share_one_limit_on_sqlite(tmp_path: Path) -> None:
    _processes_never_pass_more_than_the_limit(f"sqlite:///{tmp_path / 'c.db'}", "custrecord_")


def test_processes_share_one_limit_on_postgresql() -> None:
    _processes_never_pass_more_than_the_limit(server_url(POSTGRES_ENV), unique_prefix())


def test_raises_and_overrides_are_kept_with_reasons(make_any_book: BookFactory) -> None:
    book = make_any_book()
    code = book.add(LIMITED).code or ""
    with pytest.raises(PermissionDenied):
        book.grant_credit_raise(code, 150000, date(2099, 12, 31), reason="大促", actor=SALES)
    grant = book.grant_credit_raise(code, 150000, date(2099, 12, 31), reason="618大促", actor=FINANCE)
    assert grant.limit == Decimal(150000)
    again = CustomerBook(book.storage)
    assert again.check_credit(code, 140000).outcome is Outcome.WARN
    blocked = again.check_credit(code, 200000, order_ref="SO-9")
    assert blocked.outcome is Outcome.BLOCK
    with pytest.raises(CreditError):
        again.override_credit(blocked, reason=" ", actor=FINANCE)
    done = again.override_credit(blocked, reason="老客户，已电话确认", actor=FINANCE)
    assert done.reserved
    assert again.storage.credit.reservations(code)["SO-9"].amount == Decimal(200000)
    actions = [(e.action, e.actor, e.reason) for e in book.history(code)]
    assert actions[1:] == [("credit_raise", "li", "618大促"), ("credit_override", "li", "老客户，已电话确认")]
    assert book.as_of(code, 1).credit.limit == Decimal(100000)  # raises are no field: replay ignores them


def test_concurrent_short_names_meet_the_database(make_any_book: BookFactory) -> None:
    book = make_any_book(Settings(profile="yonyou"))  # type: ignore[arg-type]
    outcomes: list[object] = []

    def add(n: int) -> None:
        try:
            outcomes.append(book.add({"name": f"并发客户{n}有限公司", "short_name": "并发"}).code)
        except ValidationError as exc:
            outcomes.append([p.code for p in exc.problems])

    threads = [threading.Thread(target=add, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = [o for o in outcomes if isinstance(o, str)]
    assert len(codes) == 1, outcomes
    assert all(o == ["duplicate_short_name"] for o in outcomes if not isinstance(o, str)), outcomes


def test_a_store_with_shared_short_names_is_refused_by_a_yonyou_book(make_any_book: BookFactory) -> None:
    book = make_any_book()
    book.add({"name": "甲公司", "short_name": "同名"})
    book.add({"name": "乙公司", "short_name": "同名"})
    with pytest.raises(DuplicateError, match="同名"):
        CustomerBook(book.storage, Settings(profile="yonyou"))  # type: ignore[arg-type]

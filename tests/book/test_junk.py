"""Junk text meets clear errors on every public read and write of the book, on every adapter (issue 19).

A lone surrogate (as a JSON escape gives it) raised UnicodeEncodeError from every SQL
lookup; ``find(name_contains="\\x00")`` returned every customer on SQLite and
``"a\\x00b"`` raised UnavailableError, which looks like an outage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custrecord.book import CustomerBook
from custrecord.errors import CustrecordError, InvalidQuery, NotFound
from custrecord.text import has_unstorable

BookFactory = Callable[..., CustomerBook]

#: Text made of what breaks drivers and parsers, mixed with ordinary characters.
JUNK = st.text(
    alphabet=st.sampled_from(
        ["\x00", "\ud800", "\udfff", "\x07", "\x1f", "\x7f", "a", "苏", " ", "%", "_", "\\"]
    ),
    min_size=1,
    max_size=6,
)


def _calls(book: CustomerBook, code: str, junk: str) -> dict[str, Callable[[], Any]]:
    return {
        "get": lambda: book.get(junk),
        "find name": lambda: book.find(name_contains=junk),
        "find tag": lambda: book.find(tag=junk),
        "find owner": lambda: book.find(owner=junk),
        "find category": lambda: book.find(category_prefix=junk),
        "count short name": lambda: book.count(short_name=junk),
        "history": lambda: book.history(junk),
        "as_of": lambda: book.as_of(junk, 1),
        "pending": lambda: book.pending(junk),
        "check_credit code": lambda: book.check_credit(junk, 1),
        "check_credit amount": lambda: book.check_credit(code, junk),
        "check_credit exposure": lambda: book.check_credit(code, 1, exposure=junk),
        "check_credit order": lambda: book.check_credit(code, 1, order_ref=junk),
        "add": lambda: book.add({"name": junk, "remarks": junk}),
        "add key": lambda: book.add({"name": "甲公司", junk: junk}),
        "update code": lambda: book.update(junk, {"remarks": "x"}, expected_version=1),
        "update value": lambda: book.update(code, {"remarks": junk, "contact_mobile": junk},
                                            expected_version=1),
        "freeze": lambda: book.freeze(junk),
        "delete": lambda: book.delete(junk),
        "restore": lambda: book.restore(junk),
        "merge": lambda: book.merge([junk, code]),
        "erase": lambda: book.erase(junk, reason=junk),
        "import": lambda: list(book.import_records([(2, {"客户名称": junk, junk: junk, "税号": junk})])),
    }


def test_junk_text_meets_clear_errors(make_any_book: BookFactory) -> None:
    book = make_any_book()
    code = book.add({"name": "苏州示例科技有限公司", "credit": {"limit": "1000"}}).code or ""

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
    @given(junk=JUNK)
    def check(junk: str) -> None:
        for name, call in _calls(book, code, junk).items():
            try:
                call()
            except CustrecordError:
                pass
            except Exception as exc:  # pragma: no cover - the failure to report
                raise AssertionError(f"{name}({junk!r}) raised {type(exc).__name__}: {exc}") from exc
        for customer in book.all(include_deleted=True):
            assert not has_unstorable(customer.name)
            assert not has_unstorable(customer.remarks or "")

    check()
    assert book.get(code).name == "苏州示例科技有限公司"


@pytest.mark.parametrize("junk", ["\x00", "a\x00b", "\ud800", "苏\udfff"])
def test_named_findings(make_any_book: BookFactory, junk: str) -> None:
    book = make_any_book()
    book.add({"name": "苏州示例科技有限公司"})
    with pytest.raises(InvalidQuery):
        book.find(name_contains=junk)
    with pytest.raises(NotFound):
        book.get(junk)

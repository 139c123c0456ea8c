"""Erasure that erases one customer, and leaves nothing of it anywhere (issue 19).

The stores are read raw, table by table (SQLite's full-text shadow tables included),
so a value that survives anywhere fails the test, whatever the book's reads show.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from custrecord.book import CustomerBook
from custrecord.errors import CustrecordError
from custrecord.events import Erased, Event
from custrecord.permissions import Actor
from custrecord.settings import Settings
from custrecord.storage.memory import MemoryStorage
from custrecord.storage.sql import SqlStorage
from custrecord.storage.sql.search import name_grams
from custrecord.storage.values import REDACTED, OutboxEvent
from custrecord.validation.profiles import Profile

BookFactory = Callable[..., CustomerBook]
ADMIN = Actor("root", {"admin"})

A = {
    "name": "苏州华信科技有限公司",
    "contacts": [{"name": "王建国", "mobile": "13800001111", "email": "wang@huaxin.example"}],
}
B = {
    "name": "Zebra Quokka Xylophone Trading Ltd",
    "short_name": "ZQX",
    "address": {"city": "苏州市", "street": "Quokka Road 88"},
    "contacts": [{"name": "Wilhelmina Zabriskie", "mobile": "13912345678", "email": "wil@zqx.example"}],
    "bank_name": "中国工商银行",
    "bank_account": "6222021234567891234",
    "legal_representative": "Xavier Quill",
    "remarks": "prefers calls after 5pm",
    "addresses": [{"role": "shipping", "default": True, "street": "Wombat Dock 7"}],
    "bank_accounts": [{"bank_name": "Deutsche Bank", "account": "DE89370400440532013000",
                       "holder": "Quentin Yarrow"}],
}
B_SECRETS = ("Zebra Quokka", "ZQX", "Quokka Road", "Wilhelmina", "13912345678", "wil@zqx.example",
             "6222021234567891234", "Xavier Quill", "after 5pm", "Wombat Dock", "DE89370400440532013000",
             "Quentin Yarrow")
# As the look-up index keeps them: a phone's national number, a contact's name case-folded.
B_KEYS = ("13912345678", "wilhelmina zabriskie", "wil@zqx.example")
B_TRIGRAMS = (b"uok", b"ebr", b"ylo")  # of B's name in search form, in no other name here


def _everything(book: CustomerBook) -> str:
    """Every row of every table of the book's store (the memory store's whole state) as text."""
    storage = book.storage
    if isinstance(storage, MemoryStorage):
        state = storage._state
        names = state.names
        index = {slot: getattr(names, slot) for slot in type(names).__slots__}
        return repr((state.customers, state.history, state.outbox, index, state.lookups))
    assert isinstance(storage, SqlStorage)
    out: list[str] = []
    if storage.dialect == "sqlite":
        path = Path(storage.engine.url.database or "")
        with sqlite3.connect(path) as raw:
            names = [n for (n,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for name in names:
                for row in raw.execute(f'SELECT * FROM "{name}"'):
                    out.extend(v.decode("utf-8", "replace") if isinstance(v, bytes) else repr(v) for v in row)
        return "\n".join(out)
    with storage.engine.connect() as conn:
        quote = conn.dialect.identifier_preparer.quote
        for name in inspect(conn).get_table_names():
            if name.startswith(storage.tables.prefix):
                out.extend(repr(tuple(row)) for row in conn.execute(text(f"SELECT * FROM {quote(name)}")))
    return "\n".join(out)


def _grams(storage: SqlStorage) -> tuple[set[str], set[str]]:
    """(the grams the gram table holds, the grams of the names stored)."""
    t = storage.tables
    with storage.engine.connect() as conn:
        grams = conn.execute(select(t.grams.c.gram)).scalars()
        held = {g.decode() if isinstance(g, bytes) else g for g in grams}
        keys = conn.execute(select(t.customers.c.name_key)).scalars().all()
    return held, {gram for key in keys for gram in name_grams(key)}


def test_erasure_leaves_no_trace_in_any_table(make_any_book: BookFactory) -> None:
    """On SQLite the erased name's trigrams stayed in the FTS shadow tables."""
    book = make_any_book()
    for i in range(30):
        book.add({"name": f"苏州示例{i}科技有限公司"})
    b = book.add(B).code or ""
    book.update(b, {"remarks": "prefers calls after 5pm, not before"}, expected_version=1)
    before = _everything(book)
    assert all(secret in before for secret in B_SECRETS + B_KEYS)
    assert [c.code for c in book.find(phone="139 1234 5678")] == [b]
    book.erase(b, reason="本人要求删除")
    after = _everything(book)
    assert [s for s in B_SECRETS + B_KEYS if s in after] == []
    assert book.find(phone="13912345678") == []
    if isinstance(book.storage, SqlStorage):
        # The short-fragment index holds 1-2 character grams, too short for the secrets above.
        held, expected = _grams(book.storage)
        assert held == expected
        assert not any(gram in held for gram in ("qu", "ok", "xy"))  # of B's name only
    if isinstance(book.storage, SqlStorage) and book.storage.dialect == "sqlite":
        with sqlite3.connect(book.storage.engine.url.database or "") as raw:
            blob = b"".join(v for (v,) in raw.execute(f"SELECT block FROM {book.storage.tables.fts}_data")
                            if isinstance(v, bytes))
        assert [t for t in B_TRIGRAMS if t in blob] == []


def test_erasure_follows_the_merge_links_of_now(make_any_book: BookFactory) -> None:
    """After merge and unmerge, erasing A also erased the independent B; erasing B left its phone,
    e-mail, bank account and name in A's history."""
    book = make_any_book()
    a = book.add(A).code or ""
    b = book.add(B).code or ""
    book.merge([a, b], survivor=a, force=True, reason="同一客户")
    book.unmerge(a, reason="不是同一客户")
    assert book.get(b, follow=False).replaced_by is None
    book.erase(b, reason="本人要求删除")
    assert book.get(a).name == A["name"]
    assert book.get(a).contacts[0].mobile == "+8613800001111"
    a_history = repr(book.history(a)) + repr(book.storage.outbox.undelivered())
    assert [s for s in B_SECRETS if s in a_history] == []
    assert "13800001111" in repr(book.history(a))  # A's own values stay in A's history
    again = make_any_book()
    a2 = again.add(A).code or ""
    b2 = again.add(B).code or ""
    again.merge([a2, b2], survivor=a2, force=True, reason="同一客户")
    again.unmerge(a2, reason="不是同一客户")
    again.erase(a2, reason="本人要求删除")
    assert again.get(b2).name == B["name"]  # independent again: not erased with A


#: A value for every personal path (fields.PERSONAL_PATHS), written out here so that a path
#: dropped from that list fails the test rather than leaving it.
EVERY_PERSONAL = {
    "name": "Quimby Vandersloot Holdings",
    "short_name": "QVH",
    "tax_id": "360426199101010071",
    "kind": "个人",
    "address": {"province": "江苏省", "city": "苏州市", "district": "姑苏区",
                "street": "Vandersloot Lane 17", "postcode": "215000"},
    "contacts": [{"name": "Ophelia Quarrington", "title": "Chief Yodeller", "phone": "0512-65201234",
                  "mobile": "13712345678", "email": "ophelia@qvh.example"}],
    "bank_name": "Zanzibar Quince Bank",
    "bank_account": "6222027777777777777",
    "legal_representative": "Barnaby Quarrington",
    "remarks": "ring twice at the blue door",
    "extra": {"erp_note": "Vandersloot private note"},
}
EVERY_PERSONAL_UPDATE = {
    "name": "Quimby Vandersloot Trading", "street": "Vandersloot Lane 19", "postcode": "215001",
    "district": "吴中区", "contact_mobile": "13787654321", "bank_account": "6222028888888888888",
    "remarks": "ring three times", "legal_representative": "Barnaby Q. Quarrington",
}
EVERY_PERSONAL_SECRETS = (
    "Quimby", "Vandersloot", "QVH", "360426199101010071", "姑苏区", "吴中区", "215000", "215001",
    "Ophelia", "Yodeller", "65201234", "13712345678", "13787654321", "ophelia@qvh", "Zanzibar",
    "6222027777777777777", "6222028888888888888", "Barnaby", "ring twice", "ring three",
)


def test_erasure_scrubs_every_personal_path_from_history_and_outbox(
    make_book: BookFactory,
) -> None:
    """Each personal path, the address among them, written on add and changed once: nothing of it is
    left in the customer's history or its outbox events, read through the store's ports."""
    book = make_book(Settings(profile=Profile(custom_fields=frozenset({"erp_note"}))))
    code = book.add(EVERY_PERSONAL).code or ""
    book.update(code, EVERY_PERSONAL_UPDATE, expected_version=1)
    before = repr(book.history(code)) + repr(book.storage.outbox.undelivered())
    assert [s for s in EVERY_PERSONAL_SECRETS if s not in before] == []
    assert "Vandersloot Lane 17" in repr(book.storage.outbox.undelivered())
    book.erase(code, reason="本人要求删除")
    history = repr(book.storage.history.list(code))
    outbox = repr([e for e in book.storage.outbox.undelivered() if e.code == code])
    assert [s for s in EVERY_PERSONAL_SECRETS if s in history] == []
    assert [s for s in EVERY_PERSONAL_SECRETS if s in outbox] == []
    assert "苏州市" not in history  # a place is personal on the erased customer's own record
    assert "Vandersloot" not in repr(book.get(code, follow=False))


def _merged_pair(book: CustomerBook) -> tuple[str, str]:
    """A (the survivor) and B merged into it now; their codes."""
    a = book.add(A).code or ""
    b = book.add(B).code or ""
    book.merge([a, b], survivor=a, force=True, reason="同一客户")
    return a, b


@pytest.mark.parametrize("erased_one", ["survivor", "merged"])
def test_erasure_takes_everyone_merged_now_either_way(make_book: BookFactory, erased_one: str) -> None:
    """Erasing the survivor erases the customer merged into it, and erasing that one the survivor:
    one Erased event each, with the code, actor and reason; the call returns the one asked for."""
    book = make_book()
    a, b = _merged_pair(book)
    seen: list[Event] = []
    book.subscribe(seen.append)
    asked, other = (a, b) if erased_one == "survivor" else (b, a)
    result = book.erase(asked, reason="本人要求删除", actor=ADMIN)
    assert (result.code, result.name) == (asked, REDACTED)
    assert book.get(other, follow=False).name == REDACTED
    assert book.get(other, follow=False).contacts == ()
    erased_events = [e for e in seen if isinstance(e, Erased)]
    assert [(e.code, e.actor, e.reason) for e in erased_events] == [
        (asked, "root", "本人要求删除"), (other, "root", "本人要求删除")
    ]
    stored = {c: book.get(c, follow=False) for c in (a, b)}
    assert all(e.at == stored[e.code].updated_at for e in erased_events)


def test_erasure_records_what_it_blanked(make_book: BookFactory) -> None:
    """The history's erase entry names each blanked path, its old value withheld, its new value."""
    book = make_book()
    code = book.add({"name": "苏州示例科技有限公司", "remarks": "VIP", "credit": {"limit": "50"}}).code or ""
    erased = book.erase(code, reason="本人要求删除", actor=ADMIN)
    assert erased.version == 2
    last = book.history(code)[-1]
    assert (last.action, last.actor, last.reason, last.version) == ("erase", "root", "本人要求删除", 2)
    assert last.at == erased.updated_at
    assert sorted((c.path, c.old, c.new) for c in last.changes) == [
        ("name", REDACTED, REDACTED), ("remarks", REDACTED, None)
    ]


def test_erasure_waits_for_approval(make_book: BookFactory) -> None:
    """A customer waiting for approval, or with a change waiting beside it, is not erased: the
    approver would otherwise approve values that erasure had taken away."""
    book = make_book(Settings(require_approval=True))
    code = book.add({"name": "苏州示例科技有限公司"}, actor=Actor("li", {"finance"})).code or ""
    message = f"customer {code} awaits approval; approve or reject it before erasing"
    with pytest.raises(CustrecordError) as new:
        book.erase(code, reason="本人要求删除")
    assert str(new.value) == message
    book.approve(code, actor=Actor("zhou", {"finance"}))
    book.update(code, {"credit": {"limit": "9000"}}, expected_version=2, actor=Actor("li", {"finance"}))
    with pytest.raises(CustrecordError) as changed:
        book.erase(code, reason="本人要求删除")
    assert str(changed.value) == message
    book.reject(code, reason="不批", actor=Actor("zhou", {"finance"}))
    assert book.erase(code, reason="本人要求删除").name == REDACTED


def test_erasure_scrubs_a_former_partner_but_leaves_its_own_words(make_book: BookFactory) -> None:
    """After merge and unmerge, the erased customer's texts go from the partner's history and
    events (an event a host wrote too); a place both share, and the partner's tags, stay."""
    book = make_book()
    a = book.add({**A, "address": {"city": "苏州市", "street": "Own Street 1"}, "tags": ["重点"]}).code or ""
    b = book.add({**B, "tags": ["展会"]}).code or ""
    book.merge([a, b], survivor=a, force=True, reason="同一客户")
    book.unmerge(a, reason="不是同一客户")
    with book.storage.unit_of_work() as uow:  # a host's own event about A, naming B's e-mail
        uow.outbox.append(OutboxEvent(type="Noted", code=a, payload={"note": "wil@zqx.example"}))
    book.erase(b, reason="本人要求删除")
    a_events = [e for e in book.storage.outbox.undelivered() if e.code == a]
    assert [e.payload["note"] for e in a_events if e.type == "Noted"] == [REDACTED]
    a_history = repr(book.history(a))
    assert [s for s in B_SECRETS if s in a_history] == []
    assert "苏州市" in a_history  # a shared place is not B's secret
    assert book.get(a).address.city == "苏州市"
    assert book.get(a).tags == {"重点"}

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import custrecord
from custrecord.book import CustomerBook
from custrecord.diff import changes_between

ROWS = [
    (
        2,
        {
            "客户名称": "苏州甲科技有限公司",
            "税号": "91110000600037341L",
            "联系人": "王",
            "手机": "13812345678",
        },
    ),
    (3, {"客户名称": "", "税号": "91110000600037341M"}),
    (4, {"客户名称": "乙贸易公司", "信用额度": "5万"}),
    (5, {"客户名称": "苏州甲科技有限公司(重复行)", "税号": "91110000600037341L"}),
]


def test_import_adds_valid_rows_and_reports_bad_ones(book: CustomerBook) -> None:
    outcomes = list(book.import_records(ROWS))
    assert [(o.row, o.action) for o in outcomes] == [
        (2, "added"),
        (3, "invalid"),
        (4, "added"),
        (5, "skipped"),
    ]
    assert {p.code for p in outcomes[1].problems} == {"required", "invalid_checksum"}
    # Row 5 has row 2's tax ID under another name: reported, and the stored customer kept.
    assert [(p.code, p.is_error) for p in outcomes[3].problems] == [("name_conflict", False)]
    assert book.count() == 2
    assert book.get(outcomes[0].code or "").name == "苏州甲科技有限公司"


def test_reimport_is_idempotent(book: CustomerBook) -> None:
    first = list(book.import_records(ROWS[:1] + ROWS[2:3]))
    again = list(book.import_records(ROWS[:1] + ROWS[2:3]))
    assert [o.action for o in first] == ["added", "added"]
    # row 4 has no code or tax ID: it is matched by its exact name
    assert [o.action for o in again] == ["unchanged", "unchanged"]
    assert book.count() == 2
    codes = [o.code for o in first]
    assert book.get(codes[0] or "").version == 1


def test_reimport_with_codes_is_idempotent(book: CustomerBook) -> None:
    rows = [(2, {"客户编码": "C100001", "客户名称": "甲"}), (3, {"客户编码": "C100002", "客户名称": "乙"})]
    assert [o.action for o in book.import_records(rows)] == ["added", "added"]
    assert [o.action for o in book.import_records(rows)] == ["unchanged", "unchanged"]
    assert book.count() == 2


def test_no_update_skips_existing(book: CustomerBook) -> None:
    list(book.import_records(ROWS[:1]))
    changed = [(2, {**ROWS[0][1], "备注": "新"})]
    assert [o.action for o in book.import_records(changed, update_existing=False)] == ["skipped"]


def test_dry_run_stores_nothing(book: CustomerBook) -> None:
    outcomes = list(book.import_records(ROWS, dry_run=True))
    assert [o.action for o in outcomes] == ["added", "invalid", "added", "skipped"]
    assert book.count() == 0


def test_chunks_commit_independently(book: CustomerBook) -> None:
    rows = [(i + 2, {"客户名称": f"客户{i}"}) for i in range(7)]
    outcomes = list(book.import_records(rows, chunk_size=3))
    assert len({o.code for o in outcomes}) == 7
    assert book.count() == 7


NAMES = ["苏州甲科技有限公司", "上海乙贸易有限公司", "深圳丙电子有限公司", ""]
TAX_IDS = ["91110000600037341L", "91110000600037341M", "/", ""]
rows_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "客户名称": st.sampled_from(NAMES),
            "税号": st.sampled_from(TAX_IDS),
            "客户编码": st.sampled_from(["", "", "C900001", "C900002", "BAD CODE"]),
            "备注": st.sampled_from(["", "甲", "乙"]),
            "所属分类": st.sampled_from(["", "0101"]),
        }
    ),
    max_size=12,
)


@settings(settings.default, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy)
def test_bulk_import_equals_record_by_record(
    make_book: Callable[..., CustomerBook], rows: list[dict[str, str]]
) -> None:
    numbered = [(i + 2, row) for i, row in enumerate(rows)]
    bulk, single = make_book(), make_book()
    for _ in range(2):  # the second pass updates or leaves unchanged
        got_bulk = [
            (o.row, o.action, o.code, [p.code for p in o.problems]) for o in bulk.import_records(numbered)
        ]
        got_single = [
            (o.row, o.action, o.code, [p.code for p in o.problems])
            for o in single.import_records(numbered, chunk_size=1)
        ]
        assert got_bulk == got_single

    def stored(book: CustomerBook) -> list[dict[str, object]]:
        out = []
        for c in book.all(include_deleted=True):
            data = custrecord.unstructure(c)
            for key in ("created_at", "updated_at"):
                data.pop(key)
            out.append(data)
        return out

    assert stored(bulk) == stored(single)
    for customer in bulk.all():
        assert bulk.history(customer.code or "")[0].action == "add"


def test_placeholder_in_a_reimport_never_erases(book: CustomerBook) -> None:
    list(
        book.import_records(
            [(2, {"客户名称": "甲", "税号": "91110000600037341L", "手机": "13812345678", "联系人": "王"})]
        )
    )
    again = list(book.import_records([(2, {"客户名称": "甲", "税号": "91110000600037341L", "手机": "无"})]))
    assert [o.action for o in again] == ["unchanged"]
    assert book.get(again[0].code or "").contacts[0].mobile == "+8613812345678"


def test_imported_customers_leave_what_registered_ones_do(book: CustomerBook) -> None:
    """History and outbox of a bulk import read back as those of ``register``."""
    registered = book.register({"name": "苏州甲科技有限公司", "tax_id": "91110000600037341L"}).customer
    rows = [(2, {"客户名称": "上海乙贸易有限公司"}), (3, {"客户名称": "深圳丙电子有限公司", "标签": "VIP"})]
    outcomes = list(book.import_records(rows))
    assert [o.action for o in outcomes] == ["added", "added"]
    events = book.storage.outbox.undelivered()
    assert [(e.type, e.code) for e in events] == [
        ("CustomerRegistered", registered.code),
        *[("CustomerRegistered", o.code) for o in outcomes],
    ]
    assert {tuple(e.payload.items()) for e in events} == {(("status", "active"), ("actor", "system"))}
    for outcome in outcomes:
        code = outcome.code or ""
        (entry,) = book.history(code)
        stored = book.get(code)
        assert (entry.action, entry.version, entry.actor) == ("add", 1, "system")
        assert entry.changes == changes_between(None, stored)


def test_import_publishes_registrations_to_subscribers(book: CustomerBook) -> None:
    seen: list[object] = []
    list(book.import_records([(2, {"客户名称": "上海乙贸易有限公司"})]))  # before anyone subscribes
    book.subscribe(seen.append)
    rows = [(2, {"客户名称": "深圳丙电子有限公司"}), (3, {"客户名称": "丁公司"})]
    outcomes = list(book.import_records(rows))
    assert [(type(e).__name__, getattr(e, "code", None)) for e in seen] == [
        ("CustomerRegistered", o.code) for o in outcomes
    ]

from __future__ import annotations

from custrecord.book import CustomerBook

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
        (5, "updated"),
    ]
    assert {p.code for p in outcomes[1].problems} == {"required", "invalid_checksum"}
    assert book.count() == 2
    assert book.get(outcomes[0].code or "").name == "苏州甲科技有限公司(重复行)"


def test_reimport_is_idempotent(book: CustomerBook) -> None:
    first = list(book.import_records(ROWS[:1] + ROWS[2:3]))
    again = list(book.import_records(ROWS[:1] + ROWS[2:3]))
    assert [o.action for o in first] == ["added", "added"]
    # row 4 has no code or tax ID: it cannot be matched, so it is added again
    assert [o.action for o in again] == ["unchanged", "added"]
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
    assert [o.action for o in outcomes] == ["added", "invalid", "added", "updated"]
    assert book.count() == 0


def test_chunks_commit_independently(book: CustomerBook) -> None:
    rows = [(i + 2, {"客户名称": f"客户{i}"}) for i in range(7)]
    outcomes = list(book.import_records(rows, chunk_size=3))
    assert len({o.code for o in outcomes}) == 7
    assert book.count() == 7

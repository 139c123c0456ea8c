"""Files custrecord did not write: laid out by hand as other systems write them, and files that fight back."""

from __future__ import annotations

import csv
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import custrecord
from custrecord.io import FileError, FileFormatError, import_file, open_table, read_rows, validate_rows
from custrecord.io.cells import CELL_LIMIT
from custrecord.io.export import write_customers
from custrecord.permissions import Actor
from custrecord.settings import Settings
from custrecord.validation.profiles import DEFAULT

# -- Yonyou U8: a GBK "CSV" export with its own column names, legacy codes and columns custrecord lacks --

U8_HEADER = ("客户编码,客户名称,客户简称,所属分类码,地区编码,税号,开户银行,银行账号,联系人,电话,手机,"
             "Email地址,地址,邮政编码,信用等级,信用额度,信用期限,发展日期,专管业务员,停用日期")
U8_ROWS = [
    "0101001,苏州华信科技有限公司,华信科技,0101,0202,91110000600037341L,中国工商银行苏州分行,"
    "1102020109000123456,王伟,0512-65201234,13812345678,wangwei@huaxin.example.cn,苏州工业园区星湖街328号,"
    "215021,A,500000.00,30,2012-03-15,张三,",
    "KH-0012,上海恒通贸易有限公司,恒通贸易,0102,0201,,招商银行上海分行,6214830212345678,李娜,021-55551234,,"
    ",上海市浦东新区张江路1号,201203,B,\"200,000.00\",45,2015-07-01,李四,",
    "0101003,无锡宏达机械厂,宏达机械,0101,0202,,,,,,,,无锡市新吴区长江路7号,214028,,,,2019-11-30,,2023-01-01",
]


def _u8_file(tmp_path: Path) -> Path:
    path = tmp_path / "u8-customers.csv"
    path.write_bytes(("\r\n".join([U8_HEADER, *U8_ROWS]) + "\r\n").encode("gbk"))
    return path


def test_u8_gbk_export_with_legacy_codes_and_extra_columns(tmp_path: Path) -> None:
    book = custrecord.open()
    result = import_file(book, _u8_file(tmp_path), errors=tmp_path / "errors.csv")
    assert result.counts == {"added": 3}, result.invalid
    # U8's own columns custrecord has no field for: one warning each, for the file.
    assert [(p.path, p.code, p.is_error) for p in result.header_problems] == [
        ("发展日期", "unknown_column", False), ("停用日期", "unknown_column", False),
    ]
    assert not (tmp_path / "errors.csv").exists()
    first = book.get("0101001")  # the legacy codes are kept
    assert (first.name, first.short_name, first.category, first.region) == (
        "苏州华信科技有限公司", "华信科技", "0101", "0202")
    assert (first.credit.grade, first.credit.limit, first.credit.days) == ("A", Decimal(500000), 30)
    assert first.contacts[0].email == "wangwei@huaxin.example.cn"
    assert first.owner == "张三"  # 专管业务员
    assert book.get("KH-0012").credit.limit == Decimal(200000)
    assert book.get("0101003").address.postcode == "214028"
    assert import_file(book, _u8_file(tmp_path)).counts == {"unchanged": 3}


# -- Kingdee: an XLSX with 01.001 codes, numbers stored as numbers --------------------------------


def _kingdee_file(tmp_path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "客户"
    sheet.append(["代码", "名称", "全名", "简称", "地址", "联系人", "电话", "移动电话", "邮编", "电子邮件",
                  "开户银行", "银行账号", "税务登记号", "信用额度", "信用期限", "币别", "状态"])
    sheet.append(["01.001", "苏州瑞丰电子有限公司", "华东_苏州瑞丰电子有限公司", "瑞丰电子",
                  "苏州市姑苏区人民路100号", "陈静", "0512-68881234", 13912345678, 215000,
                  "chenjing@ruifeng.example.cn", "中国银行苏州分行",
                  6216610200012345678 // 1, "91110000600037341L", 1200000, 60, "人民币", "使用"])
    sheet.append(["01.002", "杭州博远软件有限公司", "华东_杭州博远软件有限公司", "博远软件", None, None, None,
                  None, 310012, None, None, None, None, 350000.5, 30, "RMB", None])
    sheet.append(["02.001", "Pacific Trading Limited", "海外_Pacific Trading Limited", None, None, None, None,
                  None, None, None, None, None, None, None, None, "USD", None])
    workbook.save(tmp_path / "kingdee.xlsx")
    return tmp_path / "kingdee.xlsx"


def test_kingdee_xlsx_with_dotted_codes_and_numbers_as_numbers(tmp_path: Path) -> None:
    path = _kingdee_file(tmp_path)
    book = custrecord.open()
    result = import_file(book, path)
    # The bank account was typed as a number: 19 digits, more than a spreadsheet number holds.
    refused = {o.row: {p.path: p.code for p in o.problems if p.is_error} for o in result.invalid}
    assert refused == {2: {"bank_account": "invalid_format"}}
    assert result.counts == {"added": 2, "invalid": 1}
    assert [p.path for p in result.header_problems] == ["全名"]
    stored = book.get("02.001")
    assert (stored.name, stored.credit.currency) == ("Pacific Trading Limited", "USD")
    second = book.get("01.002")  # 币别 人民币 / RMB is CNY
    assert (second.credit.currency, second.credit.limit, second.status.value) == ("CNY", Decimal("350000.5"),
                                                                                 "active")


def test_kingdee_numbers_read_as_the_text_they_stand_for(tmp_path: Path) -> None:
    path = _kingdee_file(tmp_path)
    with open_table(path) as table:
        results = list(validate_rows(table))
    assert [r.row for r in results] == [2, 3, 4]
    second = results[1]
    assert second.ok, second.problems
    assert second.customer is not None
    assert (second.customer.code, second.customer.address.postcode) == ("01.002", "310012")
    assert second.customer.credit.limit == Decimal("350000.5")
    first = results[0].customer
    assert first is not None
    assert first.contacts[0].mobile == "+8613912345678"
    assert (first.credit.limit, first.credit.days) == (Decimal(1200000), 60)


# -- Big5 from Taiwan: traditional headers ---------------------------------------------------------

BIG5 = (
    "客戶編號,客戶名稱,客戶類型,國家,稅號,聯絡人,電話,地址,信用額度,備註\r\n"
    "TW-001,台北信義貿易股份有限公司,企業,台灣,04595257,王大明,02-2720-1234,台北市信義區松仁路100號,\"300,000\",月結\r\n"
    "TW-002,高雄港灣物流有限公司,企業,臺灣,,陳小華,07-555-1234,高雄市前鎮區成功二路25號,,新客戶\r\n"
)


def test_big5_csv_with_traditional_headers(tmp_path: Path) -> None:
    path = tmp_path / "taiwan.csv"
    path.write_bytes(BIG5.encode("big5"))
    with open_table(path) as table:
        assert table.encoding == "big5"
        results = list(validate_rows(table))
        assert table.problems == ()
    assert all(r.ok for r in results), [r.problems for r in results]
    first = results[0].customer
    assert first is not None
    assert (first.code, first.name, first.country, first.tax_id) == (
        "TW-001", "台北信義貿易股份有限公司", "TW", "04595257")
    assert (first.contacts[0].name, first.contacts[0].phone) == ("王大明", "+886227201234")
    assert (first.credit.limit, first.remarks) == (Decimal(300000), "月結")


def test_an_encoding_given_by_the_caller(tmp_path: Path) -> None:
    path = tmp_path / "taiwan.csv"
    path.write_bytes(BIG5.encode("big5"))
    assert next(read_rows(path, encoding="big5"))[1]["客戶名稱"] == "台北信義貿易股份有限公司"
    with pytest.raises(LookupError):
        open_table(path, encoding="no-such-codec")


def test_a_file_that_is_no_text_names_the_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(b"name\n" + bytes(range(128, 256)) * 50)
    with pytest.raises(FileFormatError, match="offset 5"):
        open_table(path)


# -- Files that fight back --------------------------------------------------------------------------


def test_one_gbk_row_in_a_utf8_file_is_refused_alone(tmp_path: Path) -> None:
    lines = [f"苏州示例科技有限公司{i},备注{i}".encode() for i in range(300)]
    lines[49] = "苏州旧系统导出有限公司,备注".encode("gbk")
    path = tmp_path / "mixed.csv"
    path.write_bytes("客户名称,备注\n".encode() + b"\n".join(lines) + b"\n")
    assert path.stat().st_size < 1 << 16
    book = custrecord.open()
    result = import_file(book, path, errors=tmp_path / "errors.csv")
    assert result.counts == {"added": 299, "invalid": 1}
    (refused,) = result.invalid
    assert refused.row == 51
    assert refused.problems[0].code == "invalid_format"
    assert "offset" in refused.problems[0].message
    names = {c.name for c in book.all()}
    assert "苏州示例科技有限公司48" in names
    assert all(name.startswith("苏州示例科技有限公司") for name in names)  # nothing garbled
    with (tmp_path / "errors.csv").open(encoding="utf-8-sig", newline="") as handle:
        (_, error) = list(csv.reader(handle))
    assert error[0] == "51"


def test_an_undecodable_row_after_64_kb_is_named_by_its_row(tmp_path: Path) -> None:
    rows = [f"客户{i:05d},{'备注' * 40}".encode() for i in range(2000)]
    rows[1500] = "旧系统客户,备注".encode("gbk")
    path = tmp_path / "late.csv"
    path.write_bytes("客户名称,备注\n".encode() + b"\n".join(rows) + b"\n")
    assert path.stat().st_size > 1 << 18
    with open_table(path) as table:
        refused = [r for r in validate_rows(table) if not r.ok]
    assert [r.row for r in refused] == [1502]


def test_an_unterminated_quote_names_the_row_where_it_opened(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('客户名称,备注\n甲,x\n"ACME Ltd,first\n乙,y\n丙,z\n', encoding="utf-8")
    with pytest.raises(FileFormatError, match="row 3") as info, open_table(path) as table:
        list(table)
    assert "quote" in str(info.value)
    assert "第3行" in info.value.message_in("zh")


def test_a_quote_swallowing_more_than_a_cell_holds(tmp_path: Path) -> None:
    path = tmp_path / "swallow.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write('客户名称,备注\n甲,"never closed\n')
        for i in range(CELL_LIMIT // 10):
            out.write(f"客户{i},一行又一行的备注\n")
        out.write('x,"y"\n')
    with pytest.raises(FileFormatError, match="row 2"), open_table(path) as table:
        list(table)


def test_a_blown_up_workbook_is_refused_before_it_is_read(tmp_path: Path) -> None:
    small = tmp_path / "small.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["客户名称"])
    workbook.active.append(["甲"])
    workbook.save(small)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        with target.open("xl/padding.xml", "w") as huge:
            chunk = b"A" * (1 << 20)
            for _ in range(40):
                huge.write(chunk)
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(FileFormatError, match="out of proportion"):
        open_table(bomb)


def test_xlsx_cells_have_the_csv_cell_limit(tmp_path: Path) -> None:
    """A cell longer than Excel writes (another program made it): refused, never truncated."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["客户名称", "备注"])
    workbook.active.append(["甲", "PLACEHOLDER"])
    workbook.save(tmp_path / "short.xlsx")
    with zipfile.ZipFile(tmp_path / "short.xlsx") as source, \
            zipfile.ZipFile(tmp_path / "long.xlsx", "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data.replace(b"PLACEHOLDER", b"x" * (CELL_LIMIT + 1)))
    with pytest.raises(FileFormatError, match="cell B2"), open_table(tmp_path / "long.xlsx") as table:
        list(table)


def test_what_custrecord_writes_it_reads(tmp_path: Path) -> None:
    long = custrecord.structure({"name": "甲", "extra": {"memo": "字" * 200_000}})
    path = tmp_path / "long.csv"
    write_customers(path, [long])
    profile = DEFAULT.evolve(custom_fields=frozenset({"memo"}))
    with open_table(path, custom_fields=["memo"]) as table:
        (result,) = validate_rows(table, profile=profile)
    assert result.customer == long
    too_long = custrecord.structure({"name": "乙", "extra": {"memo": "x" * (CELL_LIMIT + 1)}})
    with pytest.raises(FileError, match="memo"):
        write_customers(tmp_path / "too-long.csv", [too_long])
    assert not (tmp_path / "too-long.csv").exists()


def test_tags_holding_a_separator_are_refused() -> None:
    report = custrecord.validate({"name": "甲", "tags": ["a,b", "c"]})
    assert report.codes() == {"tags": ["invalid_format"]}
    assert custrecord.structure({"name": "甲", "tags": "a,b；c"}).tags == frozenset({"a", "b", "c"})


def test_csv_cells_that_look_like_formulas_are_neutralised_and_read_back(tmp_path: Path) -> None:
    evil = custrecord.structure({
        "name": "=HYPERLINK(\"http://x.example\",\"点我\")", "remarks": "@SUM(1+1)",
        "contacts": [{"name": "-王", "mobile": "13812345678"}], "tags": ["+1"],
    })
    path = tmp_path / "evil.csv"
    write_customers(path, [evil])
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header, row = list(csv.reader(handle))
    cells = dict(zip(header, row, strict=True))
    assert cells["name"].startswith("'=")
    assert cells["remarks"] == "'@SUM(1+1)"
    assert cells["contact_mobile"] == "'+8613812345678"
    with open_table(path) as table:
        (result,) = validate_rows(table)
    assert result.customer == evil
    write_customers(tmp_path / "raw.csv", [evil], neutralise_formulas=False)
    assert ',"=HYPERLINK' in (tmp_path / "raw.csv").read_text(encoding="utf-8-sig")


def test_error_files_are_neutralised_too(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("客户名称,电话,备注\n甲,not a phone,'=1+1\n", encoding="utf-8")
    import_file(custrecord.open(), path, errors=tmp_path / "errors.csv")
    text = (tmp_path / "errors.csv").read_text(encoding="utf-8-sig")
    assert ",'=1+1" in text


def test_a_masked_export_never_overwrites_the_real_values(tmp_path: Path) -> None:
    book = custrecord.open()
    real = book.add({"name": "甲", "tax_id": "91110000600037341L", "bank_account": "6222021234567891234",
                     "contacts": [{"name": "王", "email": "wang@example.com", "mobile": "13812345678"}]})
    path = tmp_path / "masked.csv"
    write_customers(path, book.export(actor=Actor("xiaoli", {"sales"})))
    assert "***" in path.read_text(encoding="utf-8-sig")
    result = import_file(book, path)
    assert result.counts == {"invalid": 1}
    assert {(p.path, p.code) for p in result.invalid[0].problems} == {("bank_account", "masked_value")}
    assert book.get(real.code or "") == real


def test_settings_columns_reach_the_file_reader(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_text("编号,单位全称,成立日期\nX1,甲,2001-01-01\n", encoding="utf-8")
    book = custrecord.open(settings=Settings(columns={"编号": "code", "单位全称": "name"}))
    assert import_file(book, path).counts == {"added": 1}
    assert book.get("X1").name == "甲"
    assert date(2001, 1, 1)  # the unmapped date column is only reported

"""Hypothesis strategies for customer records.

:func:`customers` draws valid, already-normalised :class:`~custrecord.Customer`
objects: for each one ``structure(unstructure(c)) == c`` and
``load(unstructure(c)) == c`` hold, and it passes the default profile
without errors. :func:`raw_records` draws junk input for robustness tests.

Hypothesis is a test dependency: import this module only from tests.
"""

from __future__ import annotations

import functools
import itertools
import string
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
import phonenumbers
from hypothesis import strategies as st
from stdnum.cn import ric

from custrecord.fields import FIELDS, column_for
from custrecord.identifiers import orgcode, uscc
from custrecord.model import (
    Address,
    AddressEntry,
    AddressRole,
    BankAccount,
    CompanyTerms,
    Contact,
    CreditProfile,
    Customer,
    Kind,
    PartyRole,
    Status,
)

__all__ = [
    "address_entries",
    "addresses",
    "bank_account_lists",
    "cn_mobiles",
    "cn_phones",
    "codes",
    "companies",
    "company_terms",
    "contacts",
    "credit_profiles",
    "customer_lists",
    "customers",
    "emails",
    "extras",
    "names",
    "raw_records",
    "resident_ids",
    "safe_text",
    "usccs",
]

# -- building blocks ------------------------------------------------------

#: Province name -> two-digit GB/T 2260 code, so that a USCC matches its address.
_PROVINCES = {
    "北京市": "11",
    "天津市": "12",
    "河北省": "13",
    "上海市": "31",
    "江苏省": "32",
    "浙江省": "33",
    "安徽省": "34",
    "福建省": "35",
    "山东省": "37",
    "河南省": "41",
    "湖北省": "42",
    "广东省": "44",
    "四川省": "51",
    "重庆市": "50",
    "陕西省": "61",
}
_CITIES = ("苏州市", "南京市", "杭州市", "广州市", "深圳市", "成都市", "武汉市", "西安市", "无锡市", "宁波市")
_DISTRICTS = ("工业园区", "姑苏区", "浦东新区", "海淀区", "南山区", "武侯区", "江宁区", "滨江区")
_STREETS = ("星湖街", "人民路", "中山北路", "科技大道", "金鸡湖大道", "长江路", "解放路")

_ZH_PLACES = ("苏州", "上海", "北京", "深圳", "杭州", "南京", "成都", "武汉", "无锡", "宁波")
_ZH_CORES = ("华信", "恒通", "宏达", "天成", "瑞丰", "金桥", "新元", "东方", "博远", "众合", "中科", "联创")
_ZH_TRADES = ("科技", "贸易", "电子", "机械", "化工", "物流", "软件", "食品", "建材", "医疗器械")
_ZH_FORMS = ("有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "商行")
_ZH_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "欧阳", "司马")
_ZH_GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "婷", "强", "丽")
_LATIN_WORDS = ("Acme", "Global", "Pacific", "Orient", "Nordic", "Silver", "Blue", "River", "Summit", "Delta")
_LATIN_TRADES = ("Trading", "Technology", "Logistics", "Industries", "Electronics", "Foods", "Systems")
_LATIN_FORMS = ("Co., Ltd.", "Ltd.", "GmbH", "Inc.", "LLC", "S.A.", "Limited")
_LATIN_FIRST = ("Anna", "John", "Li", "Maria", "Peter", "Wei", "Sophie", "Lukas", "Chen")
_LATIN_LAST = ("Smith", "Müller", "Wang", "Zhang", "Dubois", "Rossi", "Schmidt", "O'Brien")
_TITLES = ("经理", "采购经理", "财务", "总经理", "Sales Manager", "Buyer", "CFO", "出纳")
_DOMAINS = ("example.com", "example.cn", "qq.com", "163.com", "mail.example.org", "corp.example.de")
_TAGS = ("VIP", "潜在", "重点客户", "经销商", "KA", "黑名单", "新客户", "Export")
_GRADES = ("AAA", "AA", "A", "B", "C", "D")
_CURRENCIES = ("CNY", "CNY", "CNY", "USD", "EUR", "HKD", "JPY")
_INDUSTRIES = ("制造业", "批发和零售业", "信息技术服务业", "Manufacturing", "Retail")
_SETTLEMENT = ("银行转账", "承兑汇票", "现金", "T/T", "L/C")
_TERMS = ("月结30天", "货到付款", "预付50%", "Net 60", "款到发货")
_REMARKS = ("老客户", "需开专票", "Key account since 2019", "季度对账")
_BANKS = ("中国工商银行苏州分行", "招商银行股份有限公司上海分行", "中国银行", "Deutsche Bank")
# Counties that existed under the same code for every birth year drawn (stdnum checks this).
_RIC_REGIONS = ("110101", "110105", "110108", "120101", "310104")
_MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
)
_LANDLINES = (("512", "6"), ("21", "5"), ("10", "6"), ("755", "8"), ("571", "8"), ("25", "8"))

#: Text that validation accepts and every store can hold: no control characters, no surrogates.
_SAFE_CHARS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))


def safe_text(*, min_size: int = 0, max_size: int = 30) -> st.SearchStrategy[str]:
    """Arbitrary text that any storage backend can hold (for ``extra`` values)."""
    return st.text(_SAFE_CHARS, min_size=min_size, max_size=max_size)


def _zh_company() -> st.SearchStrategy[str]:
    return st.builds(
        lambda p, c, t, f: f"{p}{c}{t}{f}",
        st.sampled_from(_ZH_PLACES),
        st.sampled_from(_ZH_CORES),
        st.sampled_from(_ZH_TRADES),
        st.sampled_from(_ZH_FORMS),
    )


def _latin_company() -> st.SearchStrategy[str]:
    return st.builds(
        lambda a, b, f: f"{a} {b} {f}",
        st.sampled_from(_LATIN_WORDS),
        st.sampled_from(_LATIN_TRADES),
        st.sampled_from(_LATIN_FORMS),
    )


def _zh_person() -> st.SearchStrategy[str]:
    return st.builds(
        lambda s, g: s + "".join(g),
        st.sampled_from(_ZH_SURNAMES),
        st.lists(st.sampled_from(_ZH_GIVEN), min_size=1, max_size=2),
    )


def _latin_person() -> st.SearchStrategy[str]:
    return st.builds(lambda a, b: f"{a} {b}", st.sampled_from(_LATIN_FIRST), st.sampled_from(_LATIN_LAST))


def names(kind: Kind = Kind.ENTERPRISE) -> st.SearchStrategy[str]:
    """Realistic, already-clean customer names (Chinese and Latin) for ``kind``."""
    if kind is Kind.INDIVIDUAL:
        return st.one_of(_zh_person(), _latin_person())
    return st.one_of(_zh_company(), _zh_company(), _latin_company())


_USCC_CHARS = uscc.ALPHABET


@st.composite
def usccs(draw: st.DrawFn, *, province: str | None = None, authorities: str = "123456789ANY") -> str:
    """A valid USCC, with a valid embedded organisation code.

    ``province`` is a two-digit region prefix (``32`` for Jiangsu); ``authorities``
    the allowed first characters (``A``, ``N`` and ``Y`` are valid per GB 32100).
    """
    authority = draw(st.sampled_from(authorities))
    entity = draw(st.sampled_from("123459"))
    prov = province or draw(st.sampled_from(sorted(set(_PROVINCES.values()))))
    region = prov + draw(st.text("0123456789", min_size=4, max_size=4))
    body = draw(st.text(_USCC_CHARS, min_size=8, max_size=8))
    org = body + orgcode.calc_check_digit(body)
    head = authority + entity + region + org
    return head + uscc.calc_check_digit(head)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    """A valid 18-digit Chinese resident identity card number."""
    region = draw(st.sampled_from(_RIC_REGIONS))
    born = draw(st.dates(min_value=date(1950, 1, 1), max_value=date(2005, 12, 31)))
    serial = draw(st.text("0123456789", min_size=3, max_size=3))
    head = f"{region}{born:%Y%m%d}{serial}"
    number = head + ric.calc_check_digit(head + "0")
    assert ric.is_valid(number), number
    return number


def _is_valid_e164(number: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(number, None))


def cn_mobiles() -> st.SearchStrategy[str]:
    """A valid mainland mobile number in E.164 (``+8613812345678``)."""
    return st.builds(
        lambda p, rest: f"+86{p}{rest}",
        st.sampled_from(_MOBILE_PREFIXES),
        st.text("0123456789", min_size=8, max_size=8),
    ).filter(_is_valid_e164)


def cn_phones() -> st.SearchStrategy[str]:
    """A valid mainland fixed-line number in E.164 (``+8651265201234``)."""
    return st.builds(
        lambda area, rest: f"+86{area[0]}{area[1]}{rest}",
        st.sampled_from(_LANDLINES),
        st.text("0123456789", min_size=7, max_size=7),
    ).filter(_is_valid_e164)


def emails() -> st.SearchStrategy[str]:
    """A syntactically valid e-mail address with a lower-case domain."""
    local = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
    sep = st.sampled_from(("", ".", "_", "-"))
    return st.builds(
        lambda a, s, b, d: f"{a}{s}{b}@{d}" if s else f"{a}@{d}",
        local,
        sep,
        local,
        st.sampled_from(_DOMAINS),
    )


def contacts() -> st.SearchStrategy[Contact]:
    """A contact with a name and any of title, phone, mobile and e-mail."""
    return st.builds(
        Contact,
        name=st.one_of(_zh_person(), _latin_person()),
        title=st.none() | st.sampled_from(_TITLES),
        phone=st.none() | cn_phones(),
        mobile=st.none() | cn_mobiles(),
        email=st.none() | emails(),
    )


def addresses(province: str | None = None) -> st.SearchStrategy[Address]:
    """A Chinese address; every part optional. ``province`` fixes the province."""

    @st.composite
    def build(draw: st.DrawFn) -> Address:
        street = draw(
            st.none() | st.builds(lambda s, n: f"{s}{n}号", st.sampled_from(_STREETS), st.integers(1, 999))
        )
        return Address(
            province=draw(st.none() | st.sampled_from(sorted(_PROVINCES))) if province is None else province,
            city=draw(st.none() | st.sampled_from(_CITIES)),
            district=draw(st.none() | st.sampled_from(_DISTRICTS)),
            street=street,
            postcode=draw(st.none() | st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)),
        )

    return build()


_GROUP_LIMITS = (Decimal("1000000.00"), Decimal("0"), Decimal("250000.50"))


@st.composite
def address_entries(draw: st.DrawFn, *, max_size: int = 4) -> tuple[AddressEntry, ...]:
    """A valid ``addresses`` list: shipping, billing and other addresses, at most one default per role.

    No registered default (``address`` is that one); registered addresses that are not the default may be.
    """
    entries = []
    defaults: set[AddressRole] = set()
    for _ in range(draw(st.integers(0, max_size))):
        role = draw(st.sampled_from(list(AddressRole)))
        default = role is not AddressRole.REGISTERED and role not in defaults and draw(st.booleans())
        if default:
            defaults.add(role)
        parts = draw(addresses())
        if parts.is_empty():
            parts = attrs.evolve(parts, street="收货仓库")
        entries.append(AddressEntry(role=role, default=default, **attrs.asdict(parts)))
    return tuple(entries)


@st.composite
def bank_account_lists(draw: st.DrawFn, *, max_size: int = 3) -> tuple[BankAccount, ...]:
    """A valid ``bank_accounts`` list (CN account numbers), at most one default per currency."""
    accounts = []
    defaults: set[str | None] = set()
    for _ in range(draw(st.integers(0, max_size))):
        currency = draw(st.none() | st.sampled_from(("CNY", "USD", "EUR")))
        default = currency not in defaults and draw(st.booleans())
        if default:
            defaults.add(currency)
        accounts.append(BankAccount(
            bank_name=draw(st.none() | st.sampled_from(_BANKS)),
            branch=draw(st.none() | st.sampled_from(("苏州分行", "园区支行", "Frankfurt"))),
            account=draw(st.text("0123456789", min_size=8, max_size=25)),
            holder=draw(st.none() | _zh_company()),
            currency=currency,
            default=default,
        ))
    return tuple(accounts)


@st.composite
def credit_profiles(draw: st.DrawFn) -> CreditProfile:
    """Credit terms: a limit >= 0 with two decimals, days 0-365, from <= until."""
    limit = draw(
        st.none()
        | st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False).map(
            lambda d: d.quantize(Decimal("0.01"))
        )
    )
    start = draw(st.none() | st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)))
    until = None
    if draw(st.booleans()):
        base = start or date(2015, 1, 1)
        until = base + timedelta(days=draw(st.integers(0, 3 * 365)))
    return CreditProfile(
        grade=draw(st.none() | st.sampled_from(_GRADES)),
        limit=limit,
        currency=draw(st.sampled_from(_CURRENCIES)),
        days=draw(st.none() | st.integers(0, 365)),
        valid_from=start,
        valid_until=until,
        group_limit=draw(st.none() | st.sampled_from(_GROUP_LIMITS)),
    )


_COMPANY_IDS = st.sampled_from(("002", "003", "SZ01", "HK.01"))


@st.composite
def company_terms(draw: st.DrawFn) -> CompanyTerms:
    """Credit terms in one company (账套): a credit profile plus settlement method and payment terms."""
    credit = draw(credit_profiles())
    return CompanyTerms(**attrs.asdict(credit, recurse=False),
                        settlement_method=draw(st.none() | st.sampled_from(_SETTLEMENT)),
                        payment_terms=draw(st.none() | st.sampled_from(_TERMS)))


def companies() -> st.SearchStrategy[dict[str, CompanyTerms]]:
    """Credit terms by company; most customers have none."""
    return st.just({}) | st.dictionaries(_COMPANY_IDS, company_terms(), min_size=1, max_size=2)


_EXTRA_KEYS = st.text(string.ascii_lowercase + "_", min_size=1, max_size=12).filter(lambda k: k.strip("_"))


def extras() -> st.SearchStrategy[dict[str, Any]]:
    """User-defined fields: str keys, JSON-native scalar values (no NaN, ints within 2**53)."""
    scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**53), 2**53),
        st.floats(allow_nan=False, allow_infinity=False, width=64),
        safe_text(max_size=20),
    )
    return st.dictionaries(
        st.one_of(_EXTRA_KEYS, st.sampled_from(("erp_id", "旧编码", "sales_rep"))), scalar, max_size=4
    )


_code_counter = itertools.count(1)


def codes() -> st.SearchStrategy[str]:
    """A valid customer code: ``[A-Z0-9]{1,20}``."""
    return st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=20)


def _unique_code(prefix: str) -> str:
    # Unique within the process, so that customers drawn in different examples
    # can all live in the same store.
    return f"{prefix[:8]}{next(_code_counter):08d}"[:20]


@functools.cache
def _parts(kind: Kind, province: str) -> dict[str, st.SearchStrategy[Any]]:
    # Strategies are built once per (kind, province) and reused: building and
    # validating fresh strategies on every draw made generation ten times slower.
    parts: dict[str, st.SearchStrategy[Any]] = {
        "name": names(kind),
        "address": addresses(province=province) | st.just(Address()),
    }
    if kind is Kind.ENTERPRISE:
        parts["tax_id"] = st.none() | usccs(province=_PROVINCES[province])
        parts["short_name"] = st.none() | st.builds(
            lambda p, c: p + c, st.sampled_from(_ZH_PLACES), st.sampled_from(_ZH_CORES)
        )
        parts["legal_representative"] = st.none() | _zh_person()
    else:
        parts["tax_id"] = st.none() | resident_ids()
        parts["short_name"] = st.none()
        parts["legal_representative"] = st.none()
    return parts


_COMMON: dict[str, st.SearchStrategy[Any]] = {
    "category": st.none() | st.sampled_from(("01", "0101", "0102", "02", "RETAIL", "WHOLESALE")),
    "region": st.none() | st.sampled_from(("EAST", "NORTH", "SOUTH", "320500", "310000")),
    "industry": st.none() | st.sampled_from(_INDUSTRIES),
    "contacts": st.lists(contacts(), max_size=3),
    "bank_name": st.none() | st.sampled_from(_BANKS),
    "bank_account": st.none() | st.text("0123456789", min_size=8, max_size=25),
    "credit": credit_profiles(),
    "settlement_method": st.none() | st.sampled_from(_SETTLEMENT),
    "payment_terms": st.none() | st.sampled_from(_TERMS),
    "tags": st.frozensets(st.sampled_from(_TAGS), max_size=3),
    "priority": st.none() | st.integers(1, 5),
    "remarks": st.none() | st.sampled_from(_REMARKS),
    "addresses": address_entries(),
    "bank_accounts": bank_account_lists(),
    "currency": st.none() | st.sampled_from(("CNY", "USD", "EUR")),
    "price_level": st.none() | st.sampled_from(("零售价", "批发价", "VIP")),
    "roles": st.sampled_from((
        frozenset({PartyRole.CUSTOMER}), frozenset({PartyRole.CUSTOMER}), frozenset({PartyRole.SUPPLIER}),
        frozenset(PartyRole),
    )),
    "extra": extras(),
    "companies": companies(),
}
_PROVINCE_NAMES = st.sampled_from(sorted(_PROVINCES))
_CODES = codes()


@st.composite
def customers(
    draw: st.DrawFn,
    *,
    with_code: bool | None = None,
    unique_codes: bool = False,
    kinds: tuple[Kind, ...] = (Kind.ENTERPRISE, Kind.INDIVIDUAL),
    statuses: tuple[Status, ...] = tuple(Status),
) -> Customer:
    """A valid, already-normalised customer.

    ``with_code``: True always sets a code, False never, None either.
    ``unique_codes``: codes never repeat within the process (they end in a
    counter), so a test can add every drawn customer to one store.
    ``version`` is 0 and the timestamps are None, as for a record not yet stored.
    """
    kind = draw(st.sampled_from(kinds))
    parts = _parts(kind, draw(_PROVINCE_NAMES))
    has_code = draw(st.booleans()) if with_code is None else with_code
    code: str | None = None
    if has_code:
        code = _unique_code(draw(_CODES)) if unique_codes else draw(_CODES)
    values = {key: draw(strategy) for key, strategy in parts.items()}
    values.update((key, draw(strategy)) for key, strategy in _COMMON.items())
    return Customer(kind=kind, code=code, country="CN", status=draw(st.sampled_from(statuses)), **values)


def customer_lists(
    *, min_size: int = 0, max_size: int = 5, unique_codes: bool = True
) -> st.SearchStrategy[list[Customer]]:
    """A list of valid customers; with ``unique_codes`` (default) codes and tax IDs do not repeat."""
    return (
        st.lists(
            customers(with_code=True),
            min_size=min_size,
            max_size=max_size,
            unique_by=(
                (lambda c: c.code),
                (lambda c: c.tax_id or f"none-{id(c)}"),
            ),
        )
        if unique_codes
        else st.lists(customers(), min_size=min_size, max_size=max_size)
    )


# -- junk -----------------------------------------------------------------

_FIELD_KEYS = sorted(
    {f.path.partition(".")[0].removesuffix("[]") for f in FIELDS}
    | {column_for(f.path, headers="en") for f in FIELDS}
    | {column_for(f.path, headers="zh") for f in FIELDS}
    | {"address", "contacts", "credit", "extra", "version", "created_at", "updated_at"}
)
_NESTED_KEYS = (
    "province",
    "city",
    "district",
    "street",
    "postcode",
    "name",
    "title",
    "phone",
    "mobile",
    "email",
    "grade",
    "limit",
    "currency",
    "days",
    "valid_from",
    "valid_until",
)

_JUNK_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        (
            "",
            " ",
            "/",
            "-",
            "N/A",
            "无",
            "暂无",
            "null",
            "\u3000",
            "０５１２－６５２０１２３４",
            "９１１１００００６０００３７３４１Ｌ",
            "13812345678",
            "+86 138 1234 5678",
            "1e309",
            "NaN",
            "-1",
            "2025-02-30",
            "2025年1月31日",
            "50万",
            "¥1,000.00",
            "\x00",
            "\ud800",
            "企业",
            "个人",
        )
    ),
    st.text(max_size=5).map(lambda s: s * 4000),
    st.binary(max_size=20).map(lambda b: b.decode("latin-1")),
)

_junk_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),
    st.decimals(),
    st.dates(),
    st.datetimes(),
    st.binary(max_size=20),
    st.frozensets(st.integers() | st.text(max_size=5), max_size=3),
    _JUNK_TEXT,
)


def _junk_value() -> st.SearchStrategy[Any]:
    return st.recursive(
        _junk_scalar,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.tuples(inner),
            st.dictionaries(st.sampled_from(_NESTED_KEYS) | st.text(max_size=5), inner, max_size=4),
            st.dictionaries(st.integers() | st.none(), inner, max_size=2),
        ),
        max_leaves=8,
    )


def raw_records() -> st.SearchStrategy[Any]:
    """Junk input: dicts keyed by field names and column headers (and worse) with random values.

    Also non-mappings, non-str keys, nested parts of the wrong type, huge and
    odd strings. Meant to show that validation reports problems and never crashes.
    """
    key = st.one_of(
        st.sampled_from(_FIELD_KEYS), st.text(max_size=8), st.integers(), st.none(), st.tuples(st.integers())
    )
    record = st.dictionaries(key, _junk_value(), max_size=12)
    mostly_valid = st.fixed_dictionaries(
        {"name": _JUNK_TEXT},
        optional={
            k: _junk_value()
            for k in (
                "tax_id",
                "address",
                "contacts",
                "credit",
                "extra",
                "kind",
                "tags",
                "priority",
                "country",
                "code",
                "status",
            )
        },
    )
    return st.one_of(record, record, mostly_valid, _junk_value())

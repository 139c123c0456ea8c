"""Cheap customer strategies for the kit's many-example tests.

:func:`custrecord.testing.strategies.customers` draws realistic records but is
slow to draw; query and state-machine tests need many records whose filterable
fields vary, so they draw these instead (built once, at import).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from custrecord.model import Address, Contact, CreditProfile, Customer, Kind, PartyRole, Status

__all__ = ["light_customers"]

_NAMES = (
    "苏州华信科技有限公司",
    "上海恒通贸易有限公司",
    "北京中科软件股份有限公司",
    "司马光",
    "王伟",
    "Acme Global Trading Co., Ltd.",
    "ACME Nordic GmbH",
    "Müller Logistics Ltd.",
    "O'Brien Foods Inc.",
    "100% Pure_Foods GmbH",
    "Summit Technology LLC",
    "深圳瑞丰电子商行",
)
_CONTACTS = st.lists(
    st.builds(
        Contact,
        name=st.sampled_from(("张伟", "Anna Smith", "欧阳娜")),
        mobile=st.none() | st.just("+8613812345678"),
        email=st.none() | st.just("buyer@example.cn"),
    ),
    max_size=2,
)
_CREDIT = st.builds(
    CreditProfile,
    grade=st.none() | st.sampled_from(("A", "B")),
    limit=st.none() | st.sampled_from((Decimal("0.00"), Decimal("150000.50"), Decimal("99999999.99"))),
    days=st.none() | st.integers(0, 90),
    valid_from=st.none() | st.just(date(2025, 1, 1)),
)
_LIGHT = st.builds(
    Customer,
    name=st.sampled_from(_NAMES),
    code=st.from_regex(r"[A-Z][0-9]{1,3}", fullmatch=True),
    kind=st.sampled_from(list(Kind)),
    short_name=st.none() | st.sampled_from(("华信", "恒通", "Acme")),
    owner=st.none() | st.sampled_from(("王磊", "李静", "Tom")),
    # Tags that look like a roles list must not fool an adapter that reads roles from the document.
    roles=st.sampled_from(
        (frozenset({PartyRole.CUSTOMER}), frozenset({PartyRole.SUPPLIER}), frozenset(PartyRole))
    ),
    parent=st.none() | st.sampled_from(("A1", "G10", "B2")),
    tax_id=st.none() | st.sampled_from(("91320594MA1MXXXX0A", "110101199003070011", "X1", "X2")),
    category=st.none() | st.sampled_from(("01", "0101", "0102", "02", "RETAIL", "WHOLESALE")),
    region=st.none() | st.sampled_from(("EAST", "NORTH", "SOUTH", "320500", "310000")),
    address=st.builds(Address, city=st.none() | st.just("苏州市")),
    contacts=_CONTACTS,
    credit=_CREDIT,
    tags=st.frozensets(st.sampled_from(("VIP", "潜在", "KA", "Export", '"roles":["supplier"]')), max_size=2),
    priority=st.none() | st.integers(1, 5),
    status=st.sampled_from(list(Status)),
    extra=st.dictionaries(
        st.sampled_from(("erp_id", "旧编码")), st.none() | st.integers(0, 9) | st.text(max_size=3)
    ),
)


def light_customers() -> st.SearchStrategy[Customer]:
    """Customers with a code whose searchable fields vary over small, colliding pools."""
    return _LIGHT

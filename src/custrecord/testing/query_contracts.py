"""Contracts of finding customers: filters, order and pages, name fragments, look-ups by phone, e-mail,
contact and tax ID."""

from __future__ import annotations

import attrs
import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrecord.model import Contact, Customer, Kind, Status
from custrecord.storage.ports import Storage
from custrecord.storage.values import (
    ORDER_FIELDS,
    Query,
    Scope,
)
from custrecord.testing.contract_base import (
    LIGHT_LISTS,
    NAME_CHARS,
    InjectedFailure,
    StorageFactory,
    StorageFixtures,
    kit_settings,
    sample_customer,
)
from custrecord.testing.reference import reference_find
from custrecord.validation.contact import normalize_phone

_STATUSES = st.sampled_from(list(Status))


def _rarely(values: tuple[str, ...]) -> st.SearchStrategy[str | None]:
    """None three times in four, else one of ``values``: look-ups narrow a small batch to nothing."""
    return st.one_of(st.none(), st.none(), st.none(), st.sampled_from(values))


def queries() -> st.SearchStrategy[Query]:
    """Queries over the values :func:`custrecord.testing.strategies.customers` draws."""
    orders = st.lists(
        st.sampled_from(sorted(ORDER_FIELDS)).flatmap(lambda f: st.sampled_from((f, "-" + f))),
        max_size=2,
        unique_by=lambda item: item.lstrip("-"),
    )
    return st.builds(
        Query,
        status=st.none() | _STATUSES | st.frozensets(_STATUSES, min_size=1, max_size=3),
        kind=st.none() | st.sampled_from([k.value for k in Kind]),
        category=st.none() | st.sampled_from(("01", "0101", "RETAIL")),
        category_prefix=st.none() | st.sampled_from(("0", "01", "0102", "R", "W", "")),
        region=st.none() | st.sampled_from(("EAST", "320500")),
        region_prefix=st.none() | st.sampled_from(("3", "32", "E", "S")),
        tag=st.none() | st.sampled_from(("VIP", "潜在", "KA", "Export", "none")),
        short_name=st.none() | st.sampled_from(("华信", "Acme", "acme")),
        owner=st.none() | st.sampled_from(("王磊", "Tom", "tom")),
        role=st.none() | st.sampled_from(("customer", "supplier")),
        parent=st.none() | st.sampled_from(("A1", "G10", "g10")),
        department=st.none() | st.sampled_from(("华东", "Sales")),
        tax_id=_rarely(("X1", "x-1", "110101199003070011")),
        phone=_rarely(("13812345678", "+86 138 1234 5678", "13900000000")),
        email=_rarely(("BUYER@example.cn", "x@example.cn")),
        contact=_rarely(("anna  smith", "张伟", "张")),
        contact_contains=_rarely(("张", "ANNA", "na  sm", "伟", "%", "_", "")),
        scope=st.none()
        | st.builds(
            Scope,
            categories=st.frozensets(st.sampled_from(("01", "0102", "R", "%")), max_size=2),
            regions=st.frozensets(st.sampled_from(("E", "320", "S_")), max_size=2),
            owners=st.frozensets(st.sampled_from(("王磊", "李静", "Tom")), max_size=2),
        ),
        name_contains=st.none()
        | st.sampled_from(
            (
                "科技",
                "苏",
                "司",
                "A",
                "ｃ",
                "ss",
                "有限公司",
                "acme",
                "ACME",
                "Co., Ltd.",
                "王",
                "司马",
                "ü",
                "%",
                "_",
                "o'b",
                "g ",
                "Tr",
            )
        ),
        include_deleted=st.booleans(),
        order_by=orders.map(lambda items: tuple(items) or ("code",)),
        offset=st.integers(0, 4),
        limit=st.none() | st.integers(0, 4),
    )


class QueryContract(StorageFixtures):
    """Filters, ordering, pagination and counting, against a reference implementation."""

    @kit_settings
    @given(batch=LIGHT_LISTS, query=queries())
    def test_find_agrees_with_reference(
        self, make_storage: StorageFactory, batch: list[Customer], query: Query
    ) -> None:
        storage = make_storage()
        stored = [storage.customers.add(c) for c in batch]
        expected = reference_find(stored, query)
        assert [c.code for c in storage.customers.find(query)] == [c.code for c in expected]
        assert storage.customers.find(query) == expected
        assert storage.customers.count(query) == len(reference_find(stored, query.unpaged()))

    @kit_settings
    @given(
        names=st.lists(st.text(NAME_CHARS, min_size=1, max_size=8), min_size=1, max_size=12),
        renames=st.lists(
            st.tuples(st.integers(0, 11), st.text(NAME_CHARS, min_size=1, max_size=8)), max_size=3
        ),
        deleted=st.sets(st.integers(0, 11), max_size=3),
        fragments=st.lists(st.text(NAME_CHARS, min_size=1, max_size=3), min_size=1, max_size=4),
        limit=st.none() | st.integers(1, 3),
    )
    def test_any_fragment_finds_what_a_substring_filter_finds(
        self,
        make_storage: StorageFactory,
        names: list[str],
        renames: list[tuple[int, str]],
        deleted: set[int],
        fragments: list[str],
        limit: int | None,
    ) -> None:
        """Short fragments above all: 1-2 characters of Chinese, Latin in any case, full-width
        forms, and characters NFKC or case folding turn into two (ß, ﬁ, İ)."""
        storage = make_storage()
        storage.customers.add_many(
            sample_customer(f"N{i:02d}", name=name) for i, name in enumerate(names[:-1])
        )
        storage.customers.add(sample_customer(f"N{len(names) - 1:02d}", name=names[-1]))
        for index, name in renames:
            if index < len(names):
                code = f"N{index:02d}"
                old = storage.customers.get(code)
                storage.customers.update(attrs.evolve(old, name=name), old.version)
        for index in deleted:
            if index < len(names):
                storage.customers.delete(f"N{index:02d}")
        stored = list(storage.customers.iterate())
        for fragment in fragments:
            for include_deleted in (False, True):
                query = Query(name_contains=fragment, include_deleted=include_deleted, limit=limit)
                expected = [c.code for c in reference_find(stored, query)]
                assert [c.code for c in storage.customers.find(query)] == expected, fragment
                assert storage.customers.count(query.unpaged()) == len(
                    reference_find(stored, query.unpaged())
                )

    def test_find_by_parent_gives_the_direct_children(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("G1"))
        storage.customers.add(sample_customer("S1", parent="G1"))
        child = storage.customers.add(sample_customer("S2", parent="G1"))
        storage.customers.add(sample_customer("S21", parent="S2"))
        storage.customers.add(sample_customer("S3", parent="G1", status=Status.FROZEN))
        assert [c.code for c in storage.customers.find(parent="G1")] == ["S1", "S2", "S3"]
        assert storage.customers.count(parent="S2") == 1
        storage.customers.update(attrs.evolve(child, parent="S1"), child.version)
        assert [c.code for c in storage.customers.find(parent="G1")] == ["S1", "S3"]
        assert [c.code for c in storage.customers.find(parent="S1")] == ["S2"]
        storage.customers.delete("S3")
        assert [c.code for c in storage.customers.find(parent="G1")] == ["S1"]
        assert [c.code for c in storage.customers.find(parent="G1", include_deleted=True)] == ["S1", "S3"]
        assert storage.customers.find(parent="NONE") == []

    def test_pages_partition_the_result(self, storage: Storage) -> None:
        for i in range(23):
            storage.customers.add(sample_customer(f"P{i:03d}", priority=(i % 5) + 1 if i % 4 else None))
        whole = storage.customers.find(order_by=("-priority",))
        pages = [storage.customers.find(order_by=("-priority",), offset=o, limit=5) for o in range(0, 25, 5)]
        assert [c.code for page in pages for c in page] == [c.code for c in whole]
        assert len(whole) == 23 == storage.customers.count(limit=5, offset=20)
        assert [c.priority for c in whole[-6:]] == [None] * 6  # missing last when descending

    def test_name_search_is_case_insensitive_and_any_length(self, storage: Storage) -> None:
        storage.customers.add(sample_customer("A", name="苏州华信科技有限公司"))
        storage.customers.add(sample_customer("B", name="ACME Global Trading Co., Ltd."))
        storage.customers.add(sample_customer("C", name="上海恒通贸易有限公司"))
        storage.customers.add(sample_customer("D", name="100% Pure_Foods GmbH"))

        def codes(fragment: str) -> list[str | None]:
            return [c.code for c in storage.customers.find(name_contains=fragment)]

        assert codes("华") == ["A"]
        assert codes("华信") == ["A"]
        assert codes("华信科技") == ["A"]
        assert codes("有限公司") == ["A", "C"]
        assert codes("acme") == ["B"]
        assert codes("Global trading") == ["B"]
        assert codes("Ltd.") == ["B"]
        assert codes("%") == ["D"]
        assert codes("_") == ["D"]
        assert codes("0%") == ["D"]
        assert codes("e_f") == ["D"]
        assert codes("科技贸易") == []
        assert codes("ＡＣＭＥ") == ["B"]  # full-width letters are the same letters (NFKC)
        assert storage.customers.count(name_contains="公司") == 2

    def test_category_prefix_follows_the_tree(self, storage: Storage) -> None:
        for code, category in (
            ("A", "01"),
            ("B", "0101"),
            ("C", "0102"),
            ("D", "02"),
            ("E", None),
            ("F", "1"),
        ):
            storage.customers.add(sample_customer(code, category=category))
        assert [c.code for c in storage.customers.find(category_prefix="01")] == ["A", "B", "C"]
        assert [c.code for c in storage.customers.find(category_prefix="010")] == ["B", "C"]
        assert [c.code for c in storage.customers.find(category="01")] == ["A"]
        assert [c.code for c in storage.customers.find(category_prefix="0", order_by=("-category",))] == [
            "D",
            "C",
            "B",
            "A",
        ]

    def test_filters_combine(self, storage: Storage) -> None:
        storage.customers.add(
            sample_customer("A", region="EAST", tags=frozenset({"VIP"}), status=Status.ACTIVE)
        )
        storage.customers.add(
            sample_customer("B", region="EAST", tags=frozenset({"VIP"}), status=Status.FROZEN)
        )
        storage.customers.add(sample_customer("C", region="WEST", tags=frozenset({"VIP", "KA"})))
        storage.customers.add(sample_customer("D", region="EAST"))
        found = storage.customers.find(region="EAST", tag="VIP", status=[Status.ACTIVE, Status.FROZEN])
        assert [c.code for c in found] == ["A", "B"]
        assert [c.code for c in storage.customers.find(tag="KA")] == ["C"]
        assert storage.customers.count(region="EAST", status="frozen") == 1


#: Phones of a few countries in E.164, and the ways people write them.
_PHONES = ("+8613812345678", "+8651265201234", "+493012345678", "+12025550143", "+442079460123")
_COUNTRIES = ("CN", "DE", "US", "GB")
_EXTENSIONS = st.sampled_from(("", ";ext=801"))


def _written(e164: str, region: str) -> str:
    """``e164`` as written in ``region``: nationally at home, internationally elsewhere."""
    number = phonenumbers.parse(e164, None)
    home = phonenumbers.region_code_for_number(number) == region
    style = phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


@st.composite
def _phone_books(draw: st.DrawFn) -> list[Customer]:
    """Customers of several countries sharing a few phones, e-mails and contact names."""
    count = draw(st.integers(0, 6))
    out = []
    for i in range(count):
        contacts = draw(
            st.lists(
                st.builds(
                    Contact,
                    name=st.sampled_from(("王伟", "Hans Meier", "hans meier", "李娜")),
                    phone=st.none() | st.tuples(st.sampled_from(_PHONES), _EXTENSIONS).map("".join),
                    mobile=st.none() | st.sampled_from(_PHONES),
                    email=st.none()
                    | st.sampled_from(("wang@example.com", "Wang@Example.com", "h@m.example")),
                ),
                max_size=2,
            )
        )
        status = draw(st.sampled_from((Status.ACTIVE, Status.DELETED)))
        out.append(
            sample_customer(
                f"L{i}", country=draw(st.sampled_from(_COUNTRIES)), contacts=contacts, status=status
            )
        )
    return out


def _phone_queries() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(_PHONES),
        st.tuples(st.sampled_from(_PHONES), st.sampled_from(_COUNTRIES)).map(lambda t: _written(*t)),
        st.sampled_from(("13812345678", "0512-65201234-801", "030 12345678", "5678", "", "+1 202")),
    )


def _has_phone(customer: Customer, query: str) -> bool:
    """The phone look-up by its definition: the query read in the customer's country is one of its phones."""
    normal = normalize_phone(query, customer.country) if query else None
    phones = {p.partition(";")[0] for k in customer.contacts for p in (k.phone, k.mobile) if p}
    return normal is not None and normal.partition(";")[0] in phones


class LookupContract(StorageFixtures):
    """Finding customers by contact phone, e-mail and name, by tax ID and by department."""

    @kit_settings
    @given(batch=_phone_books(), query=_phone_queries())
    def test_find_by_phone_is_the_brute_force_filter(
        self, make_storage: StorageFactory, batch: list[Customer], query: str
    ) -> None:
        storage = make_storage()
        storage.customers.add_many(batch)
        expected = [c.code or "" for c in batch if _has_phone(c, query) and c.status is not Status.DELETED]
        assert [c.code for c in storage.customers.find(phone=query)] == sorted(expected)
        assert [c.code for c in storage.customers.find(phone=[query, "+8613812345678"])] == sorted(
            c.code or ""
            for c in batch
            if c.status is not Status.DELETED and (_has_phone(c, query) or _has_phone(c, "+8613812345678"))
        )
        assert storage.customers.count(phone=query, include_deleted=True) == sum(
            _has_phone(c, query) for c in batch
        )

    def _seed_lookups(self, storage: Storage) -> None:
        storage.customers.add(
            sample_customer(
                "A",
                tax_id="91320500738254739G",
                department="华东",
                contacts=[
                    Contact(
                        name="王 经理",
                        mobile="+8613812345678",
                        email="Wang@example.com",
                        phone="+8651265201234;ext=801",
                    ),
                ],
            )
        )
        storage.customers.add_many(
            [
                sample_customer(
                    "B",
                    country="DE",
                    tax_id="DE136695976",
                    contacts=[Contact(name="Hans", phone="+493012345678")],
                ),
                sample_customer(
                    "C", department="华南", contacts=[Contact(name="李娜", mobile="+8613812345678")]
                ),
            ]
        )

    def test_find_by_each_kind(self, storage: Storage) -> None:
        self._seed_lookups(storage)

        def codes(**filters: str) -> list[str | None]:
            return [c.code for c in storage.customers.find(**filters)]

        assert codes(phone="13812345678") == ["A", "C"]
        assert codes(phone="+86 138-1234-5678") == ["A", "C"]
        assert codes(phone="0512 6520 1234") == ["A"]  # an extension is no part of the number
        assert codes(phone="0512-65201234转801") == ["A"]
        assert codes(phone="030 12345678") == ["B"]  # read in Germany, B's country
        assert codes(phone="+49 30 12345678") == ["B"]
        assert codes(phone="12345678") == []
        assert codes(email="WANG@EXAMPLE.COM") == ["A"]
        assert codes(contact="王 经理") == ["A"]
        assert codes(contact="hans") == ["B"]
        assert codes(contact="王") == []  # names match whole
        assert codes(contact_contains="王") == ["A"]  # a fragment of a name, read as names are
        assert codes(contact_contains="经理") == ["A"]
        assert codes(contact_contains="ANS") == ["B"]
        assert codes(contact_contains="王  经") == ["A"]
        assert codes(contact_contains="%") == []  # no wildcard
        assert codes(contact_contains=" ") == ["A", "B", "C"]  # blank: no filter
        assert codes(tax_id="9132 0500 7382 5473 9g") == ["A"]
        assert codes(tax_id="de136695976") == ["B"]
        assert codes(department="华南") == ["C"]
        assert codes(phone="13812345678", department="华东") == ["A"]
        assert storage.customers.count(phone="13812345678", contact="李娜") == 1
        several = storage.customers.find(phone=["+8651265201234", "030 12345678", "12345678"])
        assert [c.code for c in several] == ["A", "B"]  # any of them

    def test_lookups_follow_updates_and_deletes(self, storage: Storage) -> None:
        self._seed_lookups(storage)
        a = storage.customers.get("A")
        changed = attrs.evolve(a, contacts=[Contact(name="赵六", mobile="+8613900001111")], tax_id=None)
        storage.customers.update(changed, a.version)
        assert [c.code for c in storage.customers.find(phone="13812345678")] == ["C"]
        assert [c.code for c in storage.customers.find(phone="13900001111")] == ["A"]
        assert storage.customers.find(email="wang@example.com") == []
        assert storage.customers.find(contact="王 经理") == []
        assert [c.code for c in storage.customers.find(contact_contains="赵")] == ["A"]
        assert storage.customers.find(tax_id="91320500738254739G") == []
        storage.customers.delete("C")
        assert storage.customers.find(phone="13812345678") == []
        assert [c.code for c in storage.customers.find(phone="13812345678", include_deleted=True)] == ["C"]
        storage.customers.restore("C")
        assert [c.code for c in storage.customers.find(phone="13812345678")] == ["C"]

    def test_lookups_roll_back_with_the_unit(self, storage: Storage) -> None:
        self._seed_lookups(storage)

        def fail() -> None:
            with storage.unit_of_work() as uow:
                a = uow.customers.get("A")
                uow.customers.update(attrs.evolve(a, contacts=[]), a.version)
                uow.customers.add(sample_customer("D", contacts=[Contact(name="D", mobile="+8613700001111")]))
                raise InjectedFailure

        with pytest.raises(InjectedFailure):
            fail()
        assert [c.code for c in storage.customers.find(email="wang@example.com")] == ["A"]
        assert storage.customers.find(phone="13700001111") == []

"""What matching reads of a record: its normalised, comparable features.

A record may be a :class:`~custrecord.model.Customer` or a raw mapping; raw
data goes through the tolerant parser and its problems are ignored, since a
blank name or a bad phone only weakens the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TypeAlias

import attrs

from custrecord.matching.chinese import sound
from custrecord.matching.normalize import (
    NameParts,
    canon,
    normalize_address,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_place,
    normalize_postcode,
    normalize_tax_id,
)
from custrecord.model import Customer, Kind

__all__ = ["Features", "Record", "as_customer", "extract", "tax_id_valid", "valid_tax_id"]

#: What the matcher accepts: a customer, or raw nested or flat data.
Record: TypeAlias = Customer | Mapping[str, Any]


@attrs.frozen
class Features:
    """The comparable parts of one record, all normalised.

    ``sound`` is the name core spelt by sound (pinyin for Chinese, see
    :func:`~custrecord.matching.chinese.sound`); ``address`` the words of the
    district and street, ``numbers`` the numbers in them (house, building, room).
    Sets of values (phones, e-mails, contact names) are sorted tuples: a
    million records' worth of small sets would cost a lot of memory.
    """

    kind: Kind
    country: str
    name: NameParts
    sound: str = ""
    tax_id: str | None = None
    tax_valid: bool = False
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    address: str = ""
    numbers: tuple[str, ...] = ()
    city: str | None = None
    province: str | None = None
    postcode: str | None = None
    bank_account: str | None = None
    legal_representative: str | None = None
    contact_names: tuple[str, ...] = ()

    @property
    def organisation(self) -> str | None:
        """The GB 11714 organisation code inside a Chinese tax number, or None.

        A USCC carries it in characters 9-17 and a legacy 15-character number
        in characters 7-15, so the old and the new number of one company agree.
        """
        tax = self.tax_id
        if tax is None or self.country != "CN" or self.kind is not Kind.ENTERPRISE:
            return None
        if len(tax) == 18:
            return tax[8:17]
        if len(tax) == 15:
            return tax[6:15]
        return None


def as_customer(record: Record) -> Customer:
    """A customer from a record, tolerating bad data (problems are ignored)."""
    if isinstance(record, Customer):
        return record
    from custrecord.parse import parse

    return parse(record)[0]


_USCC_TAIL = re.compile(r"[0-9A-HJ-NP-RTUWXY]{10}")
_USCC_ANY = re.compile(r"[ANY][0-9A-HJ-NP-RTUWXY][0-9]{6}")


def _uscc_valid(number: str) -> bool:
    """GB 32100 shape and check character; what ``identifiers.uscc.validate`` accepts, faster."""
    if len(number) != 18 or not _USCC_TAIL.fullmatch(number, 8):
        return False
    head = number[:8]
    if not (head.isdigit() and head[0] != "0") and not _USCC_ANY.fullmatch(head):
        return False
    from custrecord.identifiers.uscc import calc_check_digit

    return number[17] == calc_check_digit(number)


@lru_cache(maxsize=65536)
def tax_id_valid(number: str, country: str, kind: Kind) -> bool:
    """Whether ``number`` (compact) is a valid tax ID for ``country`` and ``kind``."""
    if country == "CN" and kind is Kind.ENTERPRISE:
        return _uscc_valid(number)
    from custrecord.validation.taxid import DEFAULT_REGISTRY

    scheme = DEFAULT_REGISTRY.lookup(country, kind)
    if scheme is None:
        return False
    try:
        scheme.check(number)
    except Exception:  # any validator failure just means "not known to be valid"
        return False
    return True


def valid_tax_id(record: Record) -> str | None:
    """The record's tax ID in compact form when it is valid, else None.

    Pass one per record as ``cluster(matches, exclusive=...)`` so that no group
    ever holds two legal entities.
    """
    customer = as_customer(record)
    tax = normalize_tax_id(customer.tax_id)
    country = customer.country if len(customer.country) == 2 else "CN"
    return tax if tax is not None and tax_id_valid(tax, country, customer.kind) else None


def _text(value: str | None) -> str | None:
    if not value:
        return None
    return canon(value).replace(" ", "") or None


def _split_address(tokens: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    words = [t for t in tokens if not t.isdigit()]
    return " ".join(words), tuple(t for t in tokens if t.isdigit())


def extract(record: Record) -> Features:
    """The features of one record; never raises for bad data."""
    customer = as_customer(record)
    country = customer.country if len(customer.country) == 2 else "CN"
    tax = normalize_tax_id(customer.tax_id)
    phones: set[str] = set()
    emails: set[str] = set()
    names: set[str] = set()
    # An individual is often their own contact: that name is the customer's name again, and
    # counting it twice would make two namesakes look like one person.
    own = _text(customer.name) if customer.kind is Kind.INDIVIDUAL else None
    for contact in customer.contacts:
        for raw in (contact.phone, contact.mobile):
            phone = normalize_phone(raw, country)
            if phone is not None:
                phones.add(phone)
        email = normalize_email(contact.email)
        if email is not None:
            emails.add(email)
        name = _text(contact.name)
        if name is not None and name != own:
            names.add(name)
    address = customer.address
    words, numbers = _split_address(
        normalize_address(" ".join(p for p in (address.district, address.street) if p)))
    bank = normalize_tax_id(customer.bank_account)
    parts = normalize_name(customer.name)
    return Features(
        kind=customer.kind,
        country=country,
        name=parts,
        sound=sound(parts.compact),
        tax_id=tax,
        tax_valid=tax is not None and tax_id_valid(tax, country, customer.kind),
        phones=tuple(sorted(phones)),
        emails=tuple(sorted(emails)),
        address=words,
        numbers=numbers,
        city=normalize_place(address.city),
        province=normalize_place(address.province),
        postcode=normalize_postcode(address.postcode),
        bank_account=bank,
        legal_representative=_text(customer.legal_representative),
        contact_names=tuple(sorted(names)),
    )

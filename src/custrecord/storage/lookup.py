"""What a customer is found by besides its name: contact phones, e-mails and names, and its tax ID.

Each customer has a set of look-up keys, ``(kind, value)`` pairs in a normal
form (:func:`lookup_keys`); an adapter indexes them (the in-memory store in a
dict, SQL stores in a side table) and :func:`lookup_matches` says exactly what
a query finds, so every adapter finds the same customers.

- ``phone``: a contact's phone or mobile, stored in E.164, is keyed by its
  national significant number (the digits after the country code; an extension
  is left out). A query is read as the stored phones were, with each customer's
  country as the default region: ``13812345678`` finds ``+8613812345678`` of a
  Chinese customer, ``+86 138 1234 5678`` finds it whatever the country. The
  index narrows to customers with a phone whose national number ends the
  query's digits; :func:`phone_matches` then decides.
- ``email``: the whole address, NFKC and case-folded.
- ``contact``: a contact's name in search form (NFKC, case-folded, one space).
- ``tax_id``: the tax ID's letters and digits, upper-cased, across countries.

No I/O here.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Collection, Iterable, Mapping

import phonenumbers

from custrecord.model import Customer
from custrecord.text import nfkc
from custrecord.validation.contact import normalize_phone, split_extension

__all__ = [
    "MAX_KEY",
    "LookupKind",
    "lookup_keys",
    "lookup_matches",
    "phone_candidates",
    "phone_matches",
    "query_key",
]

#: Keys longer than this are not indexed (no field allows them under the default limits).
MAX_KEY = 300


class LookupKind(enum.StrEnum):
    """What a look-up key stands for."""

    PHONE = "phone"
    EMAIL = "email"
    CONTACT = "contact"
    TAX_ID = "tax_id"


#: The main region of each country calling code (``"86"``: ``"CN"``), as phonenumbers' metadata has it.
_MAIN_REGION = {str(code): regions[0] for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()}


def _base(phone: str) -> str:
    """A stored phone without its extension."""
    return phone.partition(";")[0]


@functools.lru_cache(maxsize=4096)
def _national(e164: str) -> str | None:
    """The national significant number of an E.164 number (the digits after the country code)."""
    code = _calling_code(e164)
    return (e164[1 + len(code) :] or None) if code else None


def _calling_code(e164: str) -> str | None:
    """The country calling code of ``+`` and digits (``+8613812345678``: ``86``), or None.

    Country calling codes are prefix-free, so the first one to match is the one.
    """
    if not e164.startswith("+") or not e164[1:].isdigit():
        return None
    for size in (1, 2, 3):
        if e164[1 : 1 + size] in _MAIN_REGION:
            return e164[1 : 1 + size]
    return None


def _fold(text: str) -> str:
    return " ".join(nfkc(text).split()).casefold()


def _tax_key(text: str) -> str:
    return "".join(filter(str.isalnum, nfkc(text).upper()))


def _keep(value: str | None) -> bool:
    return bool(value) and len(value or "") <= MAX_KEY


_PHONE, _EMAIL, _CONTACT, _TAX_ID = (kind.value for kind in LookupKind)


def lookup_keys(customer: Customer) -> frozenset[tuple[str, str]]:
    """The ``(kind, value)`` keys ``customer`` is found by."""
    keys: list[tuple[str, str | None]] = []
    for contact in customer.contacts:
        keys.extend((_PHONE, _national(_base(phone))) for phone in (contact.phone, contact.mobile) if phone)
        if contact.email:
            keys.append((_EMAIL, _fold(contact.email)))
        if contact.name:
            keys.append((_CONTACT, _fold(contact.name)))
    if customer.tax_id:
        keys.append((_TAX_ID, _tax_key(customer.tax_id)))
    return frozenset((kind, value) for kind, value in keys if value is not None and _keep(value))


def query_key(kind: LookupKind | str, text: str) -> str | None:
    """The key a query value of ``kind`` (not ``phone``: see :func:`phone_candidates`) looks up."""
    kind = LookupKind(kind)
    if kind is LookupKind.TAX_ID:
        key = _tax_key(text)
    elif kind in (LookupKind.EMAIL, LookupKind.CONTACT):
        key = _fold(text)
    else:
        raise ValueError("phones are looked up by phone_candidates")
    return key if _keep(key) else None


#: The shortest national number a phone query is taken to end with.
_SHORTEST = 4


def _digit_runs(text: str) -> list[str]:
    """The digits of a phone query: of its main part, and of the part before a trailing ``-NNN``
    that may be an extension (as validation reads ``0512-65201234-801``)."""
    main, _ = split_extension(nfkc(text).strip())
    runs = ["".join(ch for ch in main if ch.isdigit())]
    head, dash, tail = main.rpartition("-")
    if dash and tail.strip().isdigit() and len(tail.strip()) <= 5:
        runs.append("".join(ch for ch in head if ch.isdigit()))
    return runs


@functools.lru_cache(maxsize=1024)
def phone_candidates(text: str) -> frozenset[str]:
    """The index values a phone query may find: each ending of its digits, 4 digits or longer.

    A stored phone's national number is one of them whenever the query, read in
    the customer's country, is that phone. A query written with its country code
    reads the same in every country: its own national number is the one value.
    """
    if nfkc(text).strip().startswith("+"):
        international = _normal(text, "ZZ")
        national = _national(_base(international)) if international else None
        return frozenset({national}) if national and len(national) <= MAX_KEY else frozenset()
    found: set[str] = set()
    for digits in _digit_runs(text):
        found.update(digits[i:] for i in range(max(len(digits) - _SHORTEST + 1, 0)))
    return frozenset(value for value in found if value and len(value) <= MAX_KEY)


def phone_matches(text: str, country: str, phones: Iterable[str | None]) -> bool:
    """Whether the phone query ``text``, read with ``country`` as its default region, is one of ``phones``
    (extensions aside), found through the index (:func:`phone_candidates`)."""
    candidates = phone_candidates(text)
    stored = {_base(p) for p in phones if p and _national(_base(p)) in candidates}
    if not stored:
        return False
    normal = _normal(text, country)
    return normal is not None and _base(normal) in stored


@functools.lru_cache(maxsize=1024)
def _normal(text: str, country: str) -> str | None:
    if len(country) != 2 or country == "ZZ":  # no known region
        # A number written as ``+`` and digits reads the same in every region; in the main region
        # of its calling code, the normaliser checks the common ones against the metadata directly.
        code = _calling_code(text)
        country = _MAIN_REGION[code] if code else "ZZ"
    return normalize_phone(text, country)


def _phones(customer: Customer) -> list[str | None]:
    return [p for c in customer.contacts for p in (c.phone, c.mobile)]


def lookup_matches(customer: Customer, wanted: Mapping[str, str], phones: Collection[str] = ()) -> bool:
    """Whether ``customer`` has every look-up value in ``wanted`` (kind -> query text) and, when
    ``phones`` are given, one of them."""
    if phones:
        mine = _phones(customer)
        if not any(phone_matches(text, customer.country, mine) for text in phones):
            return False
    keys: frozenset[tuple[str, str]] | None = None
    for kind, text in wanted.items():
        key = query_key(kind, text)
        if keys is None:
            keys = lookup_keys(customer)
        if key is None or (kind, key) not in keys:
            return False
    return True

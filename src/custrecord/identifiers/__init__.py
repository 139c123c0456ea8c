"""Identifier modules where python-stdnum falls short, in python-stdnum's shape.

Every module here has ``compact``, ``validate``, ``is_valid`` and ``format``
and raises :mod:`stdnum.exceptions` errors, so it plugs into the tax-ID
registry exactly like a python-stdnum module:

- :mod:`custrecord.identifiers.uscc`: the unified social credit code as
  GB 32100-2015 defines it, including registration authorities ``A``, ``N``
  and ``Y`` that ``stdnum.cn.uscc`` rejects;
- :mod:`custrecord.identifiers.orgcode`: the GB 11714 organisation code that
  sits in characters 9-17 of a USCC;
- :mod:`custrecord.identifiers.legacy_cn`: pre-2015 Chinese tax registration
  numbers (15 characters, or 20 for sole proprietors).
"""

MODULES = (
    "custrecord.identifiers.legacy_cn",
    "custrecord.identifiers.orgcode",
    "custrecord.identifiers.uscc",
)

__all__ = ["MODULES"]

"""The customer book (SPEC 4): use cases over the storage ports, behind one facade.

:class:`CustomerBook` (``custrecord.open``) is what applications call. Each
module here owns one family of use cases, each a function of (context, unit of
work, actor, input) that returns its result and its events: :mod:`.register`
(one pipeline for one record or many), :mod:`.update`, :mod:`.bulk_import`,
:mod:`.transitions` (status changes), :mod:`.merging`, :mod:`.erasure`,
:mod:`.queries`, :mod:`.contacts` (one contact at a time),
:mod:`.duplicates` and :mod:`.batch`; :mod:`.revisions` holds what they share
and :mod:`.results` what they return.
"""

from custrecord.book.approval import Revision
from custrecord.book.facade import CustomerBook, open_book
from custrecord.book.results import (
    BatchResult,
    DuplicateGroup,
    DuplicatePair,
    ImportOutcome,
    ReferencedError,
    Registration,
)

__all__ = [
    "BatchResult",
    "CustomerBook",
    "DuplicateGroup",
    "DuplicatePair",
    "ImportOutcome",
    "ReferencedError",
    "Registration",
    "Revision",
    "open_book",
]

"""custrecord: customer master data (客户档案) for ERP systems.

>>> import custrecord
>>> customer = custrecord.structure({"name": " 苏州示例科技有限公司 ", "tax_id": "91110000600037341L"})
>>> customer.name, customer.kind.value, customer.country
('苏州示例科技有限公司', 'enterprise', 'CN')

Only the model and the errors are imported eagerly; every other name is imported
on first use: conversion (with cattrs), problems, the flat form, validation (with
phonenumbers and python-stdnum), the book, storage, matching, codes, credit and
I/O. So ``import custrecord`` stays light and never loads SQLAlchemy, openpyxl,
rich or rapidfuzz.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from custrecord.errors import (
    ConflictError,
    CustrecordError,
    DuplicateError,
    NotFound,
    StorageError,
    UnavailableError,
    ValidationError,
    WorkerError,
)
from custrecord.model import (
    Address,
    AddressEntry,
    AddressRole,
    BankAccount,
    CompanyTerms,
    Contact,
    CreditProfile,
    Customer,
    FrozenMap,
    Kind,
    PartyRole,
    Status,
)

if TYPE_CHECKING:
    from custrecord.access import Access, AccessLog, LoggingAccessLog, MemoryAccessLog
    from custrecord.book import BatchResult, CustomerBook, ImportOutcome, Revision
    from custrecord.book import open_book as open
    from custrecord.classification import ClassificationRule, classify
    from custrecord.classification.tree import ClassificationTree, CodeScheme
    from custrecord.codes import CodeRule, CounterSequence
    from custrecord.convert import load, unstructure
    from custrecord.credit import CreditDecision, CreditPolicy, Grade, Outcome, TemporaryRaise, check_credit
    from custrecord.events import Event
    from custrecord.flat import flatten
    from custrecord.matching import Match, find_duplicates
    from custrecord.permissions import Action, Actor, PermissionDenied, RolePolicy, Scope
    from custrecord.problems import Problem, ProblemCode, Report, Severity
    from custrecord.settings import Settings
    from custrecord.storage.backup import BackupInfo, restore
    from custrecord.storage.values import HistoryEntry, Query
    from custrecord.validation.engine import Context, Profile, Rule, structure, validate, validate_many

__version__ = "0.1.0.dev0"

#: Public names imported on first use: name -> (module, attribute).
_LAZY: dict[str, tuple[str, str]] = {
    "Access": ("custrecord.access", "Access"),
    "AccessLog": ("custrecord.access", "AccessLog"),
    "Action": ("custrecord.permissions", "Action"),
    "Actor": ("custrecord.permissions", "Actor"),
    "BatchResult": ("custrecord.book", "BatchResult"),
    "ClassificationRule": ("custrecord.classification", "ClassificationRule"),
    "ClassificationTree": ("custrecord.classification.tree", "ClassificationTree"),
    "CodeRule": ("custrecord.codes", "CodeRule"),
    "CodeScheme": ("custrecord.classification.tree", "CodeScheme"),
    "Context": ("custrecord.validation.engine", "Context"),
    "CounterSequence": ("custrecord.codes", "CounterSequence"),
    "CreditDecision": ("custrecord.credit", "CreditDecision"),
    "CreditPolicy": ("custrecord.credit", "CreditPolicy"),
    "BackupInfo": ("custrecord.storage.backup", "BackupInfo"),
    "CustomerBook": ("custrecord.book", "CustomerBook"),
    "Event": ("custrecord.events", "Event"),
    "Grade": ("custrecord.credit", "Grade"),
    "HistoryEntry": ("custrecord.storage.values", "HistoryEntry"),
    "LoggingAccessLog": ("custrecord.access", "LoggingAccessLog"),
    "MemoryAccessLog": ("custrecord.access", "MemoryAccessLog"),
    "ImportOutcome": ("custrecord.book", "ImportOutcome"),
    "Match": ("custrecord.matching", "Match"),
    "Outcome": ("custrecord.credit", "Outcome"),
    "PermissionDenied": ("custrecord.permissions", "PermissionDenied"),
    "Problem": ("custrecord.problems", "Problem"),
    "ProblemCode": ("custrecord.problems", "ProblemCode"),
    "Profile": ("custrecord.validation.engine", "Profile"),
    "Query": ("custrecord.storage.values", "Query"),
    "Report": ("custrecord.problems", "Report"),
    "Revision": ("custrecord.book", "Revision"),
    "RolePolicy": ("custrecord.permissions", "RolePolicy"),
    "Scope": ("custrecord.permissions", "Scope"),
    "Rule": ("custrecord.validation.engine", "Rule"),
    "Settings": ("custrecord.settings", "Settings"),
    "Severity": ("custrecord.problems", "Severity"),
    "TemporaryRaise": ("custrecord.credit", "TemporaryRaise"),
    "check_credit": ("custrecord.credit", "check_credit"),
    "classify": ("custrecord.classification", "classify"),
    "find_duplicates": ("custrecord.matching", "find_duplicates"),
    "flatten": ("custrecord.flat", "flatten"),
    "load": ("custrecord.convert", "load"),
    "open": ("custrecord.book", "open_book"),
    "restore": ("custrecord.storage.backup", "restore"),
    "structure": ("custrecord.validation.engine", "structure"),
    "unstructure": ("custrecord.convert", "unstructure"),
    "validate": ("custrecord.validation.engine", "validate"),
    "validate_many": ("custrecord.validation.engine", "validate_many"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'custrecord' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Access",
    "AccessLog",
    "Action",
    "Actor",
    "Address",
    "AddressEntry",
    "AddressRole",
    "BackupInfo",
    "BankAccount",
    "BatchResult",
    "ClassificationRule",
    "ClassificationTree",
    "CodeRule",
    "CodeScheme",
    "CompanyTerms",
    "ConflictError",
    "Contact",
    "Context",
    "CounterSequence",
    "CreditDecision",
    "CreditPolicy",
    "CreditProfile",
    "Customer",
    "CustomerBook",
    "CustrecordError",
    "DuplicateError",
    "Event",
    "FrozenMap",
    "Grade",
    "HistoryEntry",
    "ImportOutcome",
    "Kind",
    "LoggingAccessLog",
    "Match",
    "MemoryAccessLog",
    "NotFound",
    "Outcome",
    "PartyRole",
    "PermissionDenied",
    "Problem",
    "ProblemCode",
    "Profile",
    "Query",
    "Report",
    "Revision",
    "RolePolicy",
    "Rule",
    "Scope",
    "Settings",
    "Severity",
    "Status",
    "StorageError",
    "TemporaryRaise",
    "UnavailableError",
    "ValidationError",
    "WorkerError",
    "__version__",
    "check_credit",
    "classify",
    "find_duplicates",
    "flatten",
    "load",
    "open",
    "restore",
    "structure",
    "unstructure",
    "validate",
    "validate_many",
]

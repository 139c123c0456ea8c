"""custrecord: customer master data (客户档案) for ERP systems.

>>> import custrecord
>>> customer = custrecord.structure({"name": " 苏州示例科技有限公司 ", "tax_id": "91110000600037341L"})
>>> customer.name, customer.kind.value, customer.country
('苏州示例科技有限公司', 'enterprise', 'CN')
"""

from __future__ import annotations

from custrecord.convert import flatten, load, unstructure
from custrecord.errors import (
    ConflictError,
    CustrecordError,
    DuplicateError,
    NotFound,
    StorageError,
    UnavailableError,
    ValidationError,
)
from custrecord.model import Address, Contact, CreditProfile, Customer, FrozenMap, Kind, Status
from custrecord.problems import Problem, ProblemCode, Report, Severity
from custrecord.validation.engine import Context, Profile, Rule, structure, validate

__version__ = "0.1.0.dev0"

__all__ = [
    "Address",
    "ConflictError",
    "Contact",
    "Context",
    "CreditProfile",
    "CustrecordError",
    "Customer",
    "DuplicateError",
    "FrozenMap",
    "Kind",
    "NotFound",
    "Problem",
    "ProblemCode",
    "Profile",
    "Report",
    "Rule",
    "Severity",
    "Status",
    "StorageError",
    "UnavailableError",
    "ValidationError",
    "__version__",
    "flatten",
    "load",
    "structure",
    "unstructure",
    "validate",
]

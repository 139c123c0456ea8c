"""Exceptions of the credit policy."""

from __future__ import annotations

from custrecord.errors import CustrecordError

__all__ = [
    "CreditError",
    "CurrencyMismatchError",
    "LimitChangeRefused",
    "NotACustomerError",
    "UnknownCompanyError",
]


class CreditError(CustrecordError, ValueError):
    """A credit operation got unusable input (a float amount, a blank override reason, ...)."""


class CurrencyMismatchError(CreditError):
    """Amounts in different currencies were combined; custrecord never converts or guesses."""

    def __init__(self, expected: str, got: str, what: str) -> None:
        self.expected = expected
        self.got = got
        super().__init__(f"{what} is in {got}, but the customer's credit is in {expected}; "
                         "convert it first (custrecord does not convert currencies)")


class UnknownCompanyError(CreditError):
    """A credit check in a company (账套) the customer has no terms in; never falls back to the default."""

    def __init__(self, code: str | None, company: str, known: list[str]) -> None:
        self.company = company
        named = ", ".join(known) or "none besides the default"
        super().__init__(f"customer {code} has no credit terms in company {company!r} "
                         f"(its companies: {named})")


class LimitChangeRefused(CreditError):
    """Lowering a limit below the current exposure without ``force`` and a reason."""


class NotACustomerError(CreditError):
    """A credit check of a partner that is only a supplier (往来类型: 供应商): it buys nothing on credit."""

    def __init__(self, code: str | None) -> None:
        self.code = code
        super().__init__(f"customer {code} is a supplier only, not a customer: no credit check applies; "
                         "add the customer role (roles) to check its orders")

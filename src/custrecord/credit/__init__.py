"""Credit management (信用管理): grades, default terms, limits, the credit check and its ledger."""

from __future__ import annotations

from custrecord.credit.check import (
    CreditDecision,
    CreditOverride,
    CreditRule,
    GroupLimit,
    Outcome,
    check_credit,
    override_credit,
)
from custrecord.credit.errors import (
    CreditError,
    CurrencyMismatchError,
    LimitChangeRefused,
    NotACustomerError,
    UnknownCompanyError,
)
from custrecord.credit.ledger import CreditLedger, InMemoryCreditLedger, Reservation, company_ledger
from custrecord.credit.limits import (
    EffectiveLimit,
    LimitChange,
    TemporaryRaise,
    change_limit,
    effective_limit,
    grant_raise,
)
from custrecord.credit.money import Money, to_money
from custrecord.credit.policy import (
    DEFAULT_POLICY,
    CreditPolicy,
    CreditTerms,
    Grade,
    ResolvedTerms,
    Thresholds,
    apply_credit_defaults,
    in_company,
    resolve_terms,
)

__all__ = [
    "DEFAULT_POLICY",
    "CreditDecision",
    "CreditError",
    "CreditLedger",
    "CreditOverride",
    "CreditPolicy",
    "CreditRule",
    "CreditTerms",
    "CurrencyMismatchError",
    "EffectiveLimit",
    "Grade",
    "GroupLimit",
    "InMemoryCreditLedger",
    "LimitChange",
    "LimitChangeRefused",
    "Money",
    "NotACustomerError",
    "Outcome",
    "Reservation",
    "ResolvedTerms",
    "TemporaryRaise",
    "Thresholds",
    "UnknownCompanyError",
    "apply_credit_defaults",
    "change_limit",
    "check_credit",
    "company_ledger",
    "effective_limit",
    "grant_raise",
    "in_company",
    "override_credit",
    "resolve_terms",
    "to_money",
]

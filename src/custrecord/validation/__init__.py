"""Validation: rules, profiles, tax-ID registry and contact checks."""

from custrecord.validation.engine import CodeTree, Context, Profile, Rule, structure, validate

__all__ = ["CodeTree", "Context", "Profile", "Rule", "structure", "validate"]

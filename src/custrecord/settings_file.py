"""Settings from a TOML file (``custrecord --settings FILE``).

Every key is checked: an unknown key or a value of the wrong type is a
:class:`SettingsError` naming the file and the key, never a silent default.
See docs/settings.md for the full format.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from custrecord.classification.tree import ClassificationTree
from custrecord.codes import CodeRule
from custrecord.credit import CreditPolicy, Grade, Thresholds
from custrecord.errors import CustrecordError
from custrecord.flat import ColumnMapError, ColumnPlan
from custrecord.model import Kind
from custrecord.problems import Severity
from custrecord.settings import Settings
from custrecord.validation.profiles import get_profile

__all__ = ["SettingsError", "load_settings", "settings_from_mapping"]

_TOP = {
    "profile",
    "lenient",
    "allow_legacy_tax_ids",
    "check_organization_code",
    "custom_fields",
    "require_approval",
    "allow_self_approval",
    "duplicate_tax_id",
    "duplicate_phone",
    "required",
    "code_rule",
    "categories",
    "regions",
    "credit",
    "leaf_categories_only",
    "codes",
    "columns",
}


class SettingsError(CustrecordError, ValueError):
    """A settings file that cannot be used: its path, the key and the reason."""


def load_settings(path: str | os.PathLike[str]) -> Settings:
    """Read settings from a TOML file."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"settings file not found: {file}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{file}: not valid TOML: {exc}") from None
    return settings_from_mapping(data, source=str(file))


def _expect(source: str, key: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, kind) or (
        isinstance(value, bool) and kind is not bool and bool not in _tuple(kind)
    ):
        raise SettingsError(f"{source}: {key} must be {what}, not {value!r}")
    return value


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _strings(source: str, key: str, value: Any) -> frozenset[str]:
    _expect(source, key, value, list, "a list of strings")
    for item in value:
        _expect(source, key, item, str, "a list of strings")
    return frozenset(value)


def _unknown(source: str, section: str, data: Mapping[str, Any], known: set[str]) -> None:
    extra = sorted(set(data) - known)
    if extra:
        where = f"[{section}] " if section else ""
        raise SettingsError(
            f"{source}: {where}unknown key(s) {', '.join(extra)}; known: {', '.join(sorted(known))}"
        )


def _tree(source: str, key: str, value: Any) -> ClassificationTree:
    _expect(source, key, value, dict, "a table with scheme and nodes")
    _unknown(source, key, value, {"scheme", "nodes"})
    scheme = _expect(source, f"{key}.scheme", value.get("scheme", "2-2-2"), str, "a scheme such as 2-2-2")
    nodes = _expect(source, f"{key}.nodes", value.get("nodes", {}), dict, "a table of code = name")
    try:
        return ClassificationTree.from_pairs([(str(k), str(v)) for k, v in nodes.items()], scheme=scheme)
    except CustrecordError as exc:
        raise SettingsError(f"{source}: {key}: {exc}") from None


def _amount(value: Any) -> Any:
    """A TOML amount: a number, or text such as ``"50万"`` (read as the import reads it)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"limit must be a finite amount, not {value!r}")
        return Decimal(repr(value))  # a TOML float is the decimal number written in the file
    return value


def _credit(source: str, value: Any, categories: Any) -> CreditPolicy:
    _expect(source, "credit", value, dict, "a table")
    _unknown(source, "credit", value, {"grades", "default_grade", "warn_above", "block_above", "currency"})
    grades = []
    for code, spec in _expect(source, "credit.grades", value.get("grades", {}), dict, "a table").items():
        _expect(source, f"credit.grades.{code}", spec, dict, "a table")
        _unknown(
            source,
            f"credit.grades.{code}",
            spec,
            {"limit", "days", "currency", "name", "settlement_method", "payment_terms"},
        )
        try:
            grades.append(
                Grade(
                    code,
                    limit=_amount(spec.get("limit", 0)),
                    days=int(spec.get("days", 30)),
                    currency=spec.get("currency", "CNY"),
                    name=spec.get("name"),
                    settlement_method=spec.get("settlement_method"),
                    payment_terms=spec.get("payment_terms"),
                )
            )
        except (ValueError, ArithmeticError, CustrecordError) as exc:
            raise SettingsError(f"{source}: credit.grades.{code}: {exc}") from None
    try:
        thresholds = Thresholds(
            warn_above=value.get("warn_above", "0.9"), block_above=value.get("block_above", "1")
        )
        return CreditPolicy(
            grades=grades,
            default_grade=value.get("default_grade"),
            thresholds=thresholds,
            tree=categories,
            currency=value.get("currency", "CNY"),
        )
    except (ValueError, ArithmeticError, CustrecordError) as exc:
        raise SettingsError(f"{source}: credit: {exc}") from None


def settings_from_mapping(data: Mapping[str, Any], *, source: str = "settings") -> Settings:
    """Settings from parsed TOML (or any mapping of the same shape)."""
    _unknown(source, "", data, _TOP)
    try:
        profile = get_profile(
            _expect(source, "profile", data.get("profile", "default"), str, "a profile name")
        )
    except KeyError as exc:
        raise SettingsError(f"{source}: {exc.args[0]}") from None
    changes: dict[str, Any] = {}
    for flag in ("lenient", "allow_legacy_tax_ids", "check_organization_code", "leaf_categories_only"):
        if flag in data:
            changes[flag] = _expect(source, flag, data[flag], bool, "true or false")
    if "custom_fields" in data:
        changes["custom_fields"] = _strings(source, "custom_fields", data["custom_fields"])
    if "required" in data:
        required = _expect(source, "required", data["required"], dict, "a table")
        _unknown(source, "required", required, {"all", "enterprise", "individual"})
        if "all" in required:
            changes["required"] = _strings(source, "required.all", required["all"])
        changes["required_by_kind"] = {
            Kind(k): _strings(source, f"required.{k}", required[k])
            for k in ("enterprise", "individual")
            if k in required
        }
    categories = _tree(source, "categories", data["categories"]) if "categories" in data else None
    if categories is not None:
        changes["categories"] = categories
    if "regions" in data:
        changes["regions"] = _tree(source, "regions", data["regions"])
    credit_policy = _credit(source, data["credit"], categories) if "credit" in data else None
    if credit_policy is not None and credit_policy.grades:
        changes["grades"] = credit_policy.grade_codes
    settings: dict[str, Any] = {
        "profile": profile.evolve(**changes) if changes else profile,
        "credit_policy": credit_policy,
    }
    if "code_rule" in data:
        rule = _expect(source, "code_rule", data["code_rule"], dict, "a table")
        _unknown(source, "code_rule", rule, {"template", "allow_manual"})
        try:
            settings["code_rule"] = CodeRule(
                _expect(source, "code_rule.template", rule.get("template", "C{seq:6}"), str, "a template"),
                allow_manual=_expect(
                    source, "code_rule.allow_manual", rule.get("allow_manual", True), bool, "true or false"
                ),
                max_length=settings["profile"].max_lengths.get("code", 30),
            )
        except CustrecordError as exc:
            raise SettingsError(f"{source}: code_rule: {exc}") from None
    for flag in ("require_approval", "allow_self_approval"):
        if flag in data:
            settings[flag] = _expect(source, flag, data[flag], bool, "true or false")
    if "duplicate_tax_id" in data:
        # Kept so that files naming the one behaviour still load: every store holds one customer
        # per (country, tax ID), so a copy cannot be stored as a warning.
        value = _expect(source, "duplicate_tax_id", data["duplicate_tax_id"], str, "error")
        if value != "error":
            raise SettingsError(
                f"{source}: duplicate_tax_id can only be error, not {value!r}: a tax ID is unique per "
                "country in every store; leave the key out"
            )
    if "duplicate_phone" in data:
        value = _expect(source, "duplicate_phone", data["duplicate_phone"], str, "error or warning")
        if value not in ("error", "warning"):
            raise SettingsError(f"{source}: duplicate_phone must be error or warning, not {value!r}")
        settings["duplicate_phone"] = Severity(value)
    if "codes" in data:
        codes = _expect(source, "codes", data["codes"], dict, "a table")
        _unknown(source, "codes", codes, {"given"})
        given = _expect(source, "codes.given", codes.get("given", "keep"), str, "keep or rule")
        if given not in ("keep", "rule"):
            raise SettingsError(f"{source}: codes.given must be keep or rule, not {given!r}")
        settings["given_codes"] = given
    if "columns" in data:
        settings["columns"] = _columns(source, data["columns"])
    return Settings(**settings)


def _columns(source: str, value: Any) -> dict[str, str]:
    """The ``[columns]`` table: file header = field, each naming a field."""
    _expect(source, "columns", value, dict, 'a table of "header" = "field"')
    for header, target in value.items():
        _expect(source, f"columns.{header}", target, str, "a field name such as tax_id or 税号")
    try:
        ColumnPlan(value)
    except ColumnMapError as exc:
        raise SettingsError(f"{source}: columns: {exc}") from None
    return dict(value)

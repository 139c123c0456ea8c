"""The same comparisons and blocking as a Splink settings dictionary, for tens of millions of customers.

:func:`splink_records` turns records into rows of normalised columns (the
features the matcher compares); :func:`to_splink_settings` describes the
comparisons, their levels and the blocking rules in Splink's SQL, with the
m and u of a fitted :class:`~custrecord.matching.model.Model` when one is
given. Splink then runs the match on DuckDB or Spark (see docs/dedupe.md).

What SQL cannot say is said as closely as it can: string similarity is
``1 - levenshtein / longer length`` where the matcher uses the Indel ratio;
sorted neighbourhood and MinHash become equal prefixes of the same keys; the
name's places, legal form and branch, the legal representative and the
contact names are left out. Nothing here imports Splink: the dictionary is
plain data, and both Splink 4 and 5 read it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from custrecord.matching.comparisons import COMPARISONS
from custrecord.matching.features import Features, Record, extract
from custrecord.matching.model import Model

__all__ = ["COLUMNS", "SPLINK_BLOCKING", "splink_records", "to_splink_settings"]

#: The columns of :func:`splink_records`, besides ``unique_id``.
COLUMNS = ("name", "name_sound", "tax_id", "tax_valid", "phone", "phones", "email", "emails", "address",
           "house_number", "city", "postcode", "province", "bank_account")


def _row(uid: int | str, f: Features) -> dict[str, Any]:
    phones, emails = sorted(f.phones), sorted(f.emails)
    return {
        "unique_id": uid,
        "name": f.name.compact or None,
        "name_sound": f.sound or None,
        "tax_id": f.tax_id,
        "tax_valid": f.tax_valid,
        "phone": phones[0] if phones else None,
        "phones": phones or None,
        "email": emails[0] if emails else None,
        "emails": emails or None,
        "address": f.address.replace(" ", "") or None,
        "house_number": f.numbers[0] if f.numbers else None,
        "city": f.city,
        "postcode": f.postcode,
        "province": f.province,
        "bank_account": f.bank_account,
    }


def splink_records(records: Iterable[Record], *,
                   ids: Sequence[int | str] | None = None) -> list[dict[str, Any]]:
    """One row of normalised columns per record, ``unique_id`` its position (or ``ids[i]``)."""
    return [_row(i if ids is None else ids[i], extract(r)) for i, r in enumerate(records)]


def _similar(column: str, at_least: float) -> str:
    return (f"1.0 - levenshtein(l.{column}, r.{column}) * 1.0 / "
            f"greatest(length(l.{column}), length(r.{column})) >= {at_least}")


def _overlap(column: str, dialect: str) -> str:
    if dialect == "spark":
        return f"arrays_overlap(l.{column}, r.{column})"
    return f"list_has_any(l.{column}, r.{column})"


_SIDE = re.compile(r"\b([lr])\.(\w+)")


def _sides(sql: str) -> str:
    """``l.name`` -> ``"name_l"``: comparisons read the two records' columns under these names."""
    return _SIDE.sub(r'"\2_\1"', sql)


def _levels(column: str, *conditions: tuple[str, str]) -> list[dict[str, Any]]:
    levels: list[dict[str, Any]] = [
        {"sql_condition": _sides(f"l.{column} IS NULL OR r.{column} IS NULL"), "label_for_charts": "null",
         "is_null_level": True}]
    levels += [{"sql_condition": _sides(sql), "label_for_charts": label} for label, sql in conditions]
    return levels


def _comparisons(dialect: str) -> dict[str, dict[str, Any]]:
    """Per matcher comparison (by position in COMPARISONS), the Splink comparison."""
    name = _levels("name", ("exact", "l.name = r.name"), ("sound", "l.name_sound = r.name_sound"),
                   ("close", _similar("name", 0.9)), ("similar", _similar("name", 0.8)),
                   ("part", "instr(l.name, r.name) > 0 OR instr(r.name, l.name) > 0"), ("other", "ELSE"))
    return {
        "tax_id": {"output_column_name": "tax_id", "comparison_levels": _levels(
            "tax_id", ("agree", "l.tax_id = r.tax_id"), ("organisation", "FALSE"),
            ("typo", "NOT (l.tax_valid AND r.tax_valid) AND levenshtein(l.tax_id, r.tax_id) <= 2"),
            ("other", "NOT (l.tax_valid AND r.tax_valid)"), ("conflict", "ELSE"))},
        "name": {"output_column_name": "name", "comparison_levels": name},
        "phone": {"output_column_name": "phones", "comparison_levels": _levels(
            "phones", ("agree", _overlap("phones", dialect)), ("disagree", "ELSE"))},
        "email": {"output_column_name": "emails", "comparison_levels": _levels(
            "emails", ("agree", _overlap("emails", dialect)), ("disagree", "ELSE"))},
        "address": {"output_column_name": "address", "comparison_levels": _levels(
            "address", ("exact", "l.address = r.address"), ("close", _similar("address", 0.9)),
            ("similar", _similar("address", 0.75)),
            ("part", "instr(l.address, r.address) > 0 OR instr(r.address, l.address) > 0"),
            ("other", "ELSE"))},
        "address.number": {"output_column_name": "house_number", "comparison_levels": _levels(
            "house_number", ("same", "l.house_number = r.house_number"), ("shared", "FALSE"),
            ("other", "ELSE"))},
        "address.city": {"output_column_name": "city", "comparison_levels": _levels(
            "city", ("same", "l.city = r.city"), ("close", _similar("city", 0.8)), ("other", "ELSE"))},
        "address.postcode": {"output_column_name": "postcode", "comparison_levels": _levels(
            "postcode", ("same", "l.postcode = r.postcode"),
            ("close", "length(l.postcode) = length(r.postcode) AND levenshtein(l.postcode, r.postcode) = 1"),
            ("other", "ELSE"))},
        "address.province": {"output_column_name": "province", "comparison_levels": _levels(
            "province", ("agree", "l.province = r.province"), ("disagree", "ELSE"))},
        "bank_account": {"output_column_name": "bank_account", "comparison_levels": _levels(
            "bank_account", ("agree", "l.bank_account = r.bank_account"), ("disagree", "ELSE"))},
    }


#: The blocking rules: the matcher's exact keys, and equal prefixes where it sorts or hashes.
SPLINK_BLOCKING = (
    "l.tax_id = r.tax_id",
    "l.phone = r.phone",
    "l.email = r.email",
    "l.bank_account = r.bank_account",
    "l.name = r.name",
    "l.name_sound = r.name_sound",
    "l.postcode = r.postcode AND l.house_number = r.house_number",
    "l.city = r.city AND l.house_number = r.house_number",
    "l.postcode = r.postcode AND substr(l.name_sound, 1, 3) = substr(r.name_sound, 1, 3)",
    "l.city = r.city AND substr(l.name_sound, 1, 4) = substr(r.name_sound, 1, 4)",
    "substr(l.name_sound, 1, 6) = substr(r.name_sound, 1, 6)",
    "l.postcode = r.postcode AND substr(l.address, 1, 5) = substr(r.address, 1, 5)",
)


def to_splink_settings(model: Model | None = None, *, link_type: str = "dedupe_only",
                       dialect: str = "duckdb", people: bool = False) -> dict[str, Any]:
    """A Splink settings dictionary with the matcher's comparisons and blocking.

    ``link_type`` is Splink's (``dedupe_only``, ``link_only``,
    ``link_and_dedupe``); ``dialect`` ``duckdb`` or ``spark``. With a fitted
    ``model`` (``Matcher.model`` after ``duplicates()``, or ``run(...).model``)
    each level carries its m and u and the prior is set, so Splink predicts
    without training; otherwise train it in Splink. The matcher weighs
    people's names apart from companies'; ``people`` takes the people's.
    """
    if dialect not in ("duckdb", "spark"):
        raise ValueError(f"dialect must be 'duckdb' or 'spark', got {dialect!r}")
    wanted = _comparisons(dialect)
    comparisons = []
    names = [k for k, c in enumerate(COMPARISONS) if c.field == "name"]
    skip = names[0] if people else names[-1]
    for k, c in enumerate(COMPARISONS):
        spec = wanted.pop(c.field, None) if k != skip else None
        if spec is None:
            continue
        if model is not None and model.m is not None and model.u is not None:
            for level, m, u in zip(spec["comparison_levels"][1:], model.m[k], model.u[k], strict=True):
                level["m_probability"] = m
                level["u_probability"] = u
        comparisons.append(spec)
    settings: dict[str, Any] = {
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": dialect} for rule in SPLINK_BLOCKING],
        "retain_intermediate_calculation_columns": False,
    }
    if model is not None and model.fitted:
        odds = math.exp2(model.prior)
        settings["probability_two_random_records_match"] = odds / (1.0 + odds)
    return settings

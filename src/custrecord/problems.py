"""Problems found in a record, their stable codes and bilingual messages.

Every problem has a ``path`` into the nested record, a stable ``code`` from
:class:`ProblemCode` (or a user-defined string), a ``severity`` and a message in
English and in Simplified Chinese.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from custrecord.fields import label

if TYPE_CHECKING:
    from custrecord.model import Customer

__all__ = [
    "MESSAGES",
    "Problem",
    "ProblemCode",
    "Report",
    "Severity",
    "make_problem",
]


class Severity(enum.StrEnum):
    """``error`` refuses the record; ``warning`` stores it but flags it."""

    ERROR = "error"
    WARNING = "warning"


class ProblemCode(enum.StrEnum):
    """The stable problem codes of SPEC section 3."""

    REQUIRED = "required"
    TOO_LONG = "too_long"
    INVALID_FORMAT = "invalid_format"
    INVALID_LENGTH = "invalid_length"
    INVALID_CHECKSUM = "invalid_checksum"
    INVALID_COMPONENT = "invalid_component"
    INVALID_PHONE = "invalid_phone"
    INVALID_EMAIL = "invalid_email"
    INVALID_POSTCODE = "invalid_postcode"
    INVALID_CHOICE = "invalid_choice"
    OUT_OF_RANGE = "out_of_range"
    INVALID_DATE_RANGE = "invalid_date_range"
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_REGION = "unknown_region"
    NOT_LEAF_CATEGORY = "not_leaf_category"
    INVALID_CODE = "invalid_code"
    DUPLICATE_CODE = "duplicate_code"
    DUPLICATE_TAX_ID = "duplicate_tax_id"
    UNKNOWN_COLUMN = "unknown_column"
    NAME_CONFLICT = "name_conflict"
    MASKED_VALUE = "masked_value"
    # Additions beyond SPEC 3 (warnings only; see CHANGELOG).
    LEGACY_TAX_ID = "legacy_tax_id"
    REGION_MISMATCH = "region_mismatch"
    DUPLICATE_PHONE = "duplicate_phone"
    DUPLICATE_SHORT_NAME = "duplicate_short_name"
    DUPLICATE_COLUMN = "duplicate_column"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    PERMISSION_DENIED = "permission_denied"
    DUPLICATE_DEFAULT = "duplicate_default"
    UNKNOWN_PARENT = "unknown_parent"
    PARENT_CYCLE = "parent_cycle"


#: English and Chinese message templates by code. ``{label}`` is the field's
#: label; other placeholders come from the problem's ``params``. A template may
#: use only placeholders it is always given; ``{hint}`` is filled with an
#: explanation or an example of the right form, or left empty.
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("{label} is required{hint}", "{label}不能为空{hint_zh}"),
    "too_long": (
        "{label} is too long: {length} characters, at most {limit}",
        "{label}过长：{length}个字符，最多{limit}个",
    ),
    "invalid_format": ("{label} has an invalid format{hint}", "{label}格式不正确{hint_zh}"),
    "invalid_length": (
        "{label} has the wrong length{hint}",
        "{label}长度不正确{hint_zh}",
    ),
    "invalid_checksum": (
        "{label} has a wrong check digit{hint}",
        "{label}校验位错误{hint_zh}",
    ),
    "invalid_component": (
        "{label} contains an impossible part{hint}",
        "{label}包含无效的组成部分{hint_zh}",
    ),
    "invalid_phone": (
        "{label} is not a valid phone number for {region}{hint}",
        "{label}不是{region}的有效电话号码{hint_zh}",
    ),
    "invalid_email": ("{label} is not an e-mail address", "{label}不是有效的电子邮箱地址"),
    "invalid_postcode": (
        "{label} is not a postcode of {country}{hint}",
        "{label}不是{country}的有效邮编{hint_zh}",
    ),
    "invalid_choice": (
        "{label} must be one of: {choices}",
        "{label}必须是以下之一：{choices}",
    ),
    "out_of_range": ("{label} is out of range{hint}", "{label}超出范围{hint_zh}"),
    "invalid_date_range": (
        "{label} is before the start date",
        "{label}早于起始日期",
    ),
    "unknown_category": ("{label} is not a known category code", "{label}不是已有的分类编码"),
    "unknown_region": ("{label} is not a known region code", "{label}不是已有的地区编码"),
    "not_leaf_category": (
        "{label} has sub-categories; choose a leaf category",
        "{label}含有下级分类，请选择末级分类",
    ),
    "invalid_code": (
        "{label} does not follow the code rule{hint}",
        "{label}不符合编码规则{hint_zh}",
    ),
    "duplicate_code": (
        "{label} is already used by another customer{hint}",
        "{label}已被其他客户使用{hint_zh}",
    ),
    "duplicate_tax_id": (
        "{label} is already used by another customer{hint}",
        "{label}已被其他客户使用{hint_zh}",
    ),
    "duplicate_phone": (
        "{label} is already used by another customer{hint}",
        "{label}已被其他客户使用{hint_zh}",
    ),
    "unknown_column": (
        "column {column!r} maps to no customer field{hint}",
        "列“{column}”不对应任何客户字段{hint_zh}",
    ),
    "name_conflict": (
        "{label} differs from that of the stored customer it matches{hint}",
        "{label}与匹配到的已有客户不一致{hint_zh}",
    ),
    "masked_value": (
        "{label} holds a masked value, which is never written back{hint}",
        "{label}为脱敏后的值，不会写回{hint_zh}",
    ),
    "legacy_tax_id": (
        "{label} is a legacy (pre-2015) tax number{hint}",
        "{label}是旧版（2015年前）税号{hint_zh}",
    ),
    "region_mismatch": (
        "{label} was issued in region {issued}, which does not match the address{hint}",
        "{label}的登记地区{issued}与地址不符{hint_zh}",
    ),
    "duplicate_short_name": (
        "{label} is already used by another customer{hint}",
        "{label}已被其他客户使用{hint_zh}",
    ),
    "duplicate_column": (
        "column {column!r} repeats another column{hint}",
        "列“{column}”与其他列重复{hint_zh}",
    ),
    "possible_duplicate": (
        "this customer looks like one already stored{hint}",
        "该客户与已有客户疑似重复{hint_zh}",
    ),
    "duplicate_default": (
        "{label}: more than one default{hint}",
        "{label}：默认项不止一个{hint_zh}",
    ),
    "permission_denied": (
        "{label}: not allowed for this user{hint}",
        "{label}：当前用户无权操作{hint_zh}",
    ),
    "unknown_parent": (
        "{label} is not a stored customer{hint}",
        "{label}不是已有的客户{hint_zh}",
    ),
    "parent_cycle": (
        "{label} would make the group a cycle{hint}",
        "{label}会使集团形成循环{hint_zh}",
    ),
}

_GENERIC = ("{label}: {code}{hint}", "{label}：{code}{hint_zh}")


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


@attrs.frozen
class Problem:
    """One problem of one field of a record.

    ``value`` is the offending input as given, so a report loses nothing.
    """

    path: str
    code: str = attrs.field(converter=str)
    message: str
    message_zh: str
    severity: Severity = Severity.ERROR
    value: Any = attrs.field(default=None, eq=False, repr=lambda v: _short(v, 80))

    @property
    def is_error(self) -> bool:
        """True for severity ``error``."""
        return self.severity is Severity.ERROR

    def message_in(self, lang: str) -> str:
        """The message in ``en`` or ``zh``."""
        return self.message_zh if lang == "zh" else self.message

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (``value`` is given as a string)."""
        return {
            "path": self.path,
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "message_zh": self.message_zh,
            "value": None if self.value is None else _short(self.value),
        }

    def as_warning(self) -> Problem:
        """The same problem with severity ``warning``."""
        return attrs.evolve(self, severity=Severity.WARNING)


def _short(value: Any, limit: int = 200) -> str:
    if isinstance(value, str):
        text = value
    else:
        try:
            text = repr(value)
        except Exception:  # a huge int (Python refuses > 4300 digits) or a broken __repr__
            text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def make_problem(
    path: str,
    code: str,
    *,
    severity: Severity = Severity.ERROR,
    value: Any = None,
    hint: str | None = None,
    hint_zh: str | None = None,
    **params: Any,
) -> Problem:
    """Build a problem, rendering its messages from :data:`MESSAGES`.

    ``hint``/``hint_zh`` are appended to the message (for instance an example
    of the right format); other keyword arguments fill the template.
    """
    en_t, zh_t = MESSAGES.get(code, _GENERIC)
    values = _Defaults(params)
    values["code"] = code
    values.setdefault("column", path)
    en_values = _Defaults(values)
    en_values["label"] = params.get("label") or label(path, "en")
    en_values["hint"] = f" ({hint})" if hint else ""
    zh_values = _Defaults(values)
    zh_values["label"] = params.get("label_zh") or label(path, "zh")
    zh_values["hint_zh"] = f"（{hint_zh or hint}）" if (hint_zh or hint) else ""
    return Problem(
        path=path,
        code=code,
        message=en_t.format_map(en_values),
        message_zh=zh_t.format_map(zh_values),
        severity=severity,
        value=value,
    )


@attrs.frozen
class Report:
    """The outcome of validating one record.

    ``customer`` is the normalised record built from the input (bad values are
    kept as given where the type allows, so nothing is lost); ``ok`` is false
    only when there is at least one problem of severity ``error``.
    """

    problems: tuple[Problem, ...]
    customer: Customer | None = None

    @property
    def ok(self) -> bool:
        """True when no problem is an error."""
        return not any(p.is_error for p in self.problems)

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems of severity ``error``."""
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems of severity ``warning``."""
        return tuple(p for p in self.problems if not p.is_error)

    def codes(self) -> dict[str, list[str]]:
        """Problem codes by path, handy in tests and notebooks."""
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.path, []).append(p.code)
        return out

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe summary."""
        return {"ok": self.ok, "problems": [p.to_dict() for p in self.problems]}


def problems_by_path(problems: Iterable[Problem]) -> Mapping[str, list[Problem]]:
    """Group problems by path, keeping their order."""
    out: dict[str, list[Problem]] = {}
    for p in problems:
        out.setdefault(p.path, []).append(p)
    return out

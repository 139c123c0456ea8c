"""Tax identifiers: a registry of validators keyed by (country, kind).

Each entry is a :class:`TaxIdScheme`: a python-stdnum-shaped module (anything
with ``compact`` and ``validate``) plus metadata for messages. Lookup order
for a customer of country ``CC`` and kind ``K``:

1. an entry registered for (``CC``, ``K``);
2. an entry registered for (``CC``, any kind);
3. ``stdnum.eu.vat`` for enterprises of EU member states;
4. the country's ``vat`` module through ``stdnum.get_cc_module``;
5. none: the number is kept in compact form, unchecked.

The registry is immutable; :meth:`TaxIdRegistry.with_scheme` returns an
extended copy to put into a :class:`~custrecord.validation.profiles.Profile`.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import ModuleType
from typing import Any, Protocol

import attrs
from stdnum import exceptions as stdnum_errors

from custrecord.identifiers import legacy_cn, uscc
from custrecord.model import Customer, Kind
from custrecord.problems import ProblemCode, Severity
from custrecord.text import compact_identifier, is_placeholder
from custrecord.validation.context import Context

__all__ = [
    "DEFAULT_REGISTRY",
    "EU_MEMBER_STATES",
    "IdentifierModule",
    "TaxIdRegistry",
    "TaxIdScheme",
    "check_tax_id",
    "problem_code",
]

#: EU member states by ISO 3166-1 code (Greece is ``GR`` here, ``EL`` in VAT numbers).
EU_MEMBER_STATES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()  # noqa: SIM905 - reads better as text
)
_VAT_PREFIX = {"GR": "EL"}


class IdentifierModule(Protocol):
    """The python-stdnum module shape the registry needs."""

    def compact(self, number: str) -> str: ...

    def validate(self, number: str) -> str: ...


def problem_code(error: Exception) -> str:
    """Map a python-stdnum exception to a problem code."""
    if isinstance(error, stdnum_errors.InvalidLength):
        return ProblemCode.INVALID_LENGTH
    if isinstance(error, stdnum_errors.InvalidChecksum):
        return ProblemCode.INVALID_CHECKSUM
    if isinstance(error, stdnum_errors.InvalidComponent):
        return ProblemCode.INVALID_COMPONENT
    return ProblemCode.INVALID_FORMAT


@attrs.frozen
class TaxIdScheme:
    """One kind of tax identifier and how to check it.

    ``validate`` returns the compact form or raises a python-stdnum
    ``ValidationError``. ``prefix`` is prepended before validation when the
    number lacks it (EU VAT numbers written without their country code).
    """

    key: str
    label: str
    label_zh: str
    example: str
    validate: Callable[[str], str]
    countries: frozenset[str] = frozenset()
    prefix: str = ""

    @classmethod
    def from_module(
        cls,
        module: IdentifierModule | ModuleType | str,
        *,
        label: str | None = None,
        label_zh: str | None = None,
        example: str = "",
        countries: Iterable[str] = (),
        prefix: str = "",
    ) -> TaxIdScheme:
        """A scheme from a python-stdnum-shaped module (or its import path)."""
        mod: Any = importlib.import_module(module) if isinstance(module, str) else module
        name = getattr(mod, "__name__", type(mod).__name__).removeprefix("stdnum.")
        doc = (getattr(mod, "__doc__", None) or name).strip().splitlines()[0]
        return cls(
            key=name,
            label=label or doc.rstrip("."),
            label_zh=label_zh or label or doc.rstrip("."),
            example=example,
            validate=mod.validate,
            countries=frozenset(c.upper() for c in countries),
            prefix=prefix,
        )

    def check(self, number: str) -> str:
        """Validate ``number`` (adding the prefix when missing); return the compact form."""
        if self.prefix and not number.upper().startswith(self.prefix):
            number = self.prefix + number
        return self.validate(number)


_USCC_WITH_ORG_CODE: Callable[[str], str] = functools.partial(uscc.validate, check_organization_code=True)


@attrs.frozen
class TaxIdRegistry:
    """Tax-ID schemes by (country, kind); ``kind`` None means any kind."""

    schemes: Mapping[tuple[str, Kind | None], TaxIdScheme] = attrs.field(factory=dict)

    def with_scheme(
        self, country: str, kind: Kind | str | None, scheme: TaxIdScheme | IdentifierModule | ModuleType | str
    ) -> TaxIdRegistry:
        """A copy in which (``country``, ``kind``) uses ``scheme``."""
        if not isinstance(scheme, TaxIdScheme):
            scheme = TaxIdScheme.from_module(scheme, countries=[country])
        key = (country.upper(), Kind(kind) if kind is not None else None)
        return TaxIdRegistry({**self.schemes, key: scheme})

    def without(self, country: str, kind: Kind | str | None) -> TaxIdRegistry:
        """A copy without the entry for (``country``, ``kind``)."""
        key = (country.upper(), Kind(kind) if kind is not None else None)
        return TaxIdRegistry({k: v for k, v in self.schemes.items() if k != key})

    def lookup(self, country: str, kind: Kind) -> TaxIdScheme | None:
        """The scheme for a customer of ``country`` and ``kind``, or None."""
        found = self.schemes.get((country, kind)) or self.schemes.get((country, None))
        if found is not None:
            return found
        return _fallback(country, kind)


@functools.lru_cache(maxsize=512)
def _fallback(country: str, kind: Kind) -> TaxIdScheme | None:
    if kind is Kind.ENTERPRISE and country in EU_MEMBER_STATES:
        return TaxIdScheme.from_module(
            "stdnum.eu.vat",
            label="EU VAT number",
            label_zh="欧盟增值税号",
            example=f"{_VAT_PREFIX.get(country, country)}…",
            countries=EU_MEMBER_STATES,
            prefix=_VAT_PREFIX.get(country, country),
        )
    if not (len(country) == 2 and country.isalpha() and country.isascii()):
        return None
    from stdnum import get_cc_module

    try:
        module = get_cc_module(country.lower(), "vat")
    except (ImportError, ValueError):  # pragma: no cover - stdnum raises neither today
        module = None
    if module is None:
        return None
    return TaxIdScheme.from_module(module, countries=[country])


def _builtin() -> dict[tuple[str, Kind | None], TaxIdScheme]:
    """Build the schemes of SPEC section 2 afresh (:func:`_builtin_schemes` keeps one copy)."""
    cn_uscc = TaxIdScheme(
        key="cn.uscc",
        label="unified social credit code",
        label_zh="统一社会信用代码",
        example="91110000600037341L",
        validate=uscc.validate,
        countries=frozenset({"CN"}),
    )
    ric = TaxIdScheme.from_module(
        "stdnum.cn.ric",
        label="resident identity card number",
        label_zh="居民身份证号码",
        example="360426199101010071",
        countries=["CN"],
    )
    ein = TaxIdScheme.from_module(
        "stdnum.us.ein", label="employer identification number", label_zh="美国雇主识别号",
        example="04-2103594", countries=["US"],
    )
    gb = TaxIdScheme.from_module(
        "stdnum.gb.vat", label="UK VAT number", label_zh="英国增值税号", example="GB980780684",
        countries=["GB"], prefix="GB",
    )
    return {
        ("CN", Kind.ENTERPRISE): cn_uscc,
        ("CN", Kind.INDIVIDUAL): ric,
        ("US", Kind.ENTERPRISE): ein,
        ("GB", None): gb,
    }


@functools.cache
def _builtin_schemes() -> dict[tuple[str, Kind | None], TaxIdScheme]:
    return _builtin()


class _BuiltinSchemes(Mapping[tuple[str, Kind | None], TaxIdScheme]):
    """The built-in schemes, built once, on first read instead of at import.

    Code run at import escapes mutation testing, which switches a mutant on only inside a test;
    the tests clear :func:`_builtin_schemes` to build the schemes inside each of them.
    """

    def __getitem__(self, key: tuple[str, Kind | None]) -> TaxIdScheme:
        return _builtin_schemes()[key]

    def __iter__(self) -> Iterator[tuple[str, Kind | None]]:
        return iter(_builtin_schemes())

    def __len__(self) -> int:
        return len(_builtin_schemes())

    def __contains__(self, key: object) -> bool:
        return key in _builtin_schemes()

    # Mapping's own get goes through a KeyError for each miss; lookup asks for a miss per
    # country without a built-in scheme.
    def get(self, key: tuple[str, Kind | None], default: Any = None) -> Any:
        return _builtin_schemes().get(key, default)

    def __repr__(self) -> str:
        return repr(_builtin_schemes())


#: The registry of SPEC section 2.
DEFAULT_REGISTRY = TaxIdRegistry(_BuiltinSchemes())

# CN province-level codes (GB/T 2260, first two digits of a region code).
_PROVINCES = {
    "11": ("北京",), "12": ("天津",), "13": ("河北",), "14": ("山西",), "15": ("内蒙古",),
    "21": ("辽宁",), "22": ("吉林",), "23": ("黑龙江",), "31": ("上海",), "32": ("江苏",),
    "33": ("浙江",), "34": ("安徽",), "35": ("福建",), "36": ("江西",), "37": ("山东",),
    "41": ("河南",), "42": ("湖北",), "43": ("湖南",), "44": ("广东",), "45": ("广西",),
    "46": ("海南",), "50": ("重庆",), "51": ("四川",), "52": ("贵州",), "53": ("云南",),
    "54": ("西藏",), "61": ("陕西",), "62": ("甘肃",), "63": ("青海",), "64": ("宁夏",),
    "65": ("新疆",), "71": ("台湾",), "81": ("香港",), "82": ("澳门",),
}


_PROVINCE_BY_NAME = {short: code for code, (short,) in _PROVINCES.items()}


def province_code(name: str) -> str | None:
    """The two-digit province code of a province name (``江苏省`` -> ``32``), or None."""
    # Every short name has two or three characters (黑龙江, 内蒙古).
    return _PROVINCE_BY_NAME.get(name[:2]) or _PROVINCE_BY_NAME.get(name[:3])


def _legacy_check(customer: Customer, ctx: Context, number: str) -> bool:
    """Accept a legacy CN number (the profile allows them); True when handled."""
    if len(number) not in (15, 20):
        return False
    try:
        compact = legacy_cn.validate(number)
    except stdnum_errors.ValidationError as exc:
        ctx.report("tax_id", problem_code(exc), value=customer.tax_id,
                   hint="a legacy number: 6-digit region and 9-character organisation code",
                   hint_zh="旧版税号：6位地区码加9位组织机构代码")
        return True
    ctx.fix("tax_id", compact)
    ctx.report("tax_id", ProblemCode.LEGACY_TAX_ID, severity=Severity.WARNING, value=compact,
               hint="replace it with the unified social credit code", hint_zh="请更换为统一社会信用代码")
    return True


def _region_check(customer: Customer, ctx: Context, compact: str) -> None:
    province = customer.address.province
    if not province or compact[2:4] == "00":
        return
    expected = province_code(province)
    if expected is not None and expected != compact[2:4]:
        ctx.report("tax_id", ProblemCode.REGION_MISMATCH, severity=Severity.WARNING, value=compact,
                   issued=compact[2:8], hint=f"address province is {province}",
                   hint_zh=f"地址省份为{province}")


def check_tax_id(customer: Customer, ctx: Context) -> None:
    """The tax-ID rule: placeholders mean none; otherwise validate by (country, kind)."""
    raw = customer.tax_id
    if raw is None or ctx.failed("tax_id"):
        return
    if is_placeholder(raw):
        ctx.fix("tax_id", None)
        return
    profile = ctx.profile
    scheme = profile.tax_ids.lookup(customer.country, customer.kind)
    number = compact_identifier(raw)
    if scheme is None:
        if number != raw:
            ctx.fix("tax_id", number)
        return
    if scheme.key == "cn.uscc" and profile.allow_legacy_tax_ids and _legacy_check(customer, ctx, number):
        return
    try:
        with_org_code = scheme.key == "cn.uscc" and profile.check_organization_code
        validate = _USCC_WITH_ORG_CODE if with_org_code else scheme.check
        compact = validate(number)
    except stdnum_errors.ValidationError as exc:
        hint = f"e.g. {scheme.example}" if scheme.example else None
        hint_zh = f"例如 {scheme.example}" if scheme.example else None
        if scheme.key == "cn.uscc" and isinstance(exc, stdnum_errors.InvalidChecksum):
            expected = uscc.calc_check_digit(number)
            hint = f"the 18th character should be {expected}, not {number[17]}"
            hint_zh = f"第18位应为{expected}，而不是{number[17]}"
        ctx.report("tax_id", problem_code(exc), value=raw, label=f"tax ID ({scheme.label})",
                   label_zh=f"税号（{scheme.label_zh}）", hint=hint, hint_zh=hint_zh)
        return
    except Exception as exc:  # a user-supplied validator failed in an unexpected way
        ctx.report("tax_id", ProblemCode.INVALID_FORMAT, value=raw, hint=f"{scheme.key}: {exc}")
        return
    if compact != raw:
        ctx.fix("tax_id", compact)
    if scheme.key == "cn.uscc" and profile.check_tax_id_region:
        _region_check(customer, ctx, compact)

"""Contact-data rules: phones (phonenumbers, E.164), e-mail, postcodes, bank accounts."""

from __future__ import annotations

import functools
import re

import attrs
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat
from stdnum import iban
from stdnum.exceptions import ValidationError as StdnumValidationError

from custrecord.model import Customer
from custrecord.problems import ProblemCode
from custrecord.text import nfkc
from custrecord.validation.context import Context
from custrecord.validation.taxid import problem_code

__all__ = [
    "POSTCODE_PATTERNS",
    "check_bank_account",
    "check_emails",
    "check_phones",
    "check_postcode",
    "normalize_phone",
    "split_extension",
]

# "0512-65201234转801", "… 分机 801", "… ext. 801", "… x801", "… #801"
_EXPLICIT_EXT = re.compile(r"^(.*?\d)\s*(?:转|分机|ext\.?|extension|x|#)\s*(\d{1,6})$", re.IGNORECASE)
# "0512-65201234-801": a trailing dash group is an extension only if the rest is a valid number.
_DASH_EXT = re.compile(r"^(.*\d)\s*-\s*(\d{1,5})$")


def split_extension(text: str) -> tuple[str, str | None]:
    """Split an explicit extension (``转801``, ``ext. 801``, ``x801``) off a phone number."""
    m = _EXPLICIT_EXT.match(text)
    if m:
        return m[1], m[2]
    return text, None


def _parse_valid(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


@attrs.frozen
class _Shape:
    """What phonenumbers checks of a plain fixed-line or mobile number of one region, precompiled."""

    country_code: str
    #: ``national_prefix_for_parsing``: a national (trunk) prefix or a carrier code.
    prefix_for_parsing: re.Pattern[str] | None
    #: The plain trunk prefix (``0``) when parsing strips it as it is, else None.
    trunk: str | None
    international_prefix: re.Pattern[str] | None
    general: re.Pattern[str]
    general_lengths: frozenset[int]
    mobile: re.Pattern[str]
    mobile_lengths: frozenset[int]  # empty when the region's metadata has no mobile numbers
    fixed_line: re.Pattern[str]
    fixed_line_lengths: frozenset[int]

    def e164(self, digits: str) -> str | None:
        """``+CC`` and ``digits`` when they are surely a valid national number of the region, else None.

        None means "not sure": the caller asks phonenumbers. It is sure only when
        phonenumbers.parse would keep ``digits`` as they are (no leading 0, no
        national or carrier prefix, not starting with the country code) and
        is_valid_number would then find a mobile or fixed-line number: the same
        regular expressions and lengths from the same metadata.
        """
        n = len(digits)
        if (
            n in self.general_lengths
            and digits[0] != "0"
            and not digits.startswith(self.country_code)
            and (self.prefix_for_parsing is None or self.prefix_for_parsing.match(digits) is None)
            and (
                (n in self.mobile_lengths and self.mobile.fullmatch(digits))
                or (n in self.fixed_line_lengths and self.fixed_line.fullmatch(digits))
            )
            and self.general.fullmatch(digits)
        ):
            return f"+{self.country_code}{digits}"
        return None

    def without_trunk(self, digits: str) -> str | None:
        """``digits`` (written without ``+``) without the trunk prefix parsing drops (``0512…``), or None.

        None when parsing would read the start otherwise: an international prefix,
        a carrier code, or no plain trunk prefix in this region.
        """
        if self.trunk is None or self.prefix_for_parsing is None or not digits.startswith(self.trunk):
            return None
        if self.international_prefix is not None and self.international_prefix.match(digits):
            return None
        found = self.prefix_for_parsing.match(digits)
        if found is None or found[0] != self.trunk or any(group is not None for group in found.groups()):
            return None
        return digits[len(self.trunk) :] or None


@functools.lru_cache(maxsize=512)  # bounded: junk records bring junk country codes
def _shape(region: str) -> _Shape | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    general = metadata.general_desc if metadata is not None else None
    general_pattern = general.national_number_pattern if general is not None else None
    if metadata is None or general is None or not general_pattern:
        return None
    kinds = [
        (re.compile(desc.national_number_pattern), frozenset(desc.possible_length))
        if desc is not None and desc.national_number_pattern and desc.possible_length
        else (re.compile("(?!)"), frozenset())  # no such numbers: no length is possible
        for desc in (metadata.mobile, metadata.fixed_line)
    ]
    prefix = metadata.national_prefix_for_parsing
    trunk = metadata.national_prefix
    international = metadata.international_prefix
    plain_trunk = bool(prefix and trunk and trunk.isdigit() and not metadata.national_prefix_transform_rule)
    return _Shape(
        country_code=str(metadata.country_code),
        prefix_for_parsing=re.compile(prefix) if prefix else None,
        trunk=trunk if plain_trunk else None,
        international_prefix=re.compile(international) if international else None,
        general=re.compile(general_pattern),
        general_lengths=frozenset(general.possible_length),
        mobile=kinds[0][0],
        mobile_lengths=kinds[0][1],
        fixed_line=kinds[1][0],
        fixed_line_lengths=kinds[1][1],
    )


_PLAIN_SEPARATORS = str.maketrans("", "", " -")


def _fast_number(text: str, region: str) -> str | None:
    """E.164 of a plain number: ``13812345678``, ``138 1234 5678``, ``+8613812345678``, ``0512-65201234``.

    Most rows carry one; checking it against phonenumbers' metadata directly is
    many times faster than a full parse. None means "ask phonenumbers", never "invalid".
    """
    if not text.isascii():
        return None
    # Most numbers have no separators; translate() costs a third of the fast path.
    digits = text if text.isdigit() else text.translate(_PLAIN_SEPARATORS)
    plus = digits[:1] == "+"
    if plus:
        digits = digits[1:]
    if not digits.isdigit():
        return None
    shape = _shape(region)
    if shape is None:
        return None
    if plus:
        if not digits.startswith(shape.country_code):
            return None
        digits = digits[len(shape.country_code) :]
    elif digits.startswith("0"):
        # "0512 6520 1234": the trunk prefix (0 here) that parsing drops before the area code.
        digits = shape.without_trunk(digits) or ""
    return shape.e164(digits) if digits else None


def normalize_phone(text: str, region: str) -> str | None:
    """E.164 (plus ``;ext=N`` when there is an extension) or None when invalid.

    ``region`` is the default region for numbers written without ``+``.
    """
    if len(text) > 40:
        return None
    return _fast_number(text, region) or _parse_phone(text, region)


def _parse_phone(text: str, region: str) -> str | None:
    """normalize_phone through phonenumbers alone (no fast path)."""
    text = nfkc(text).strip()
    main, ext = split_extension(text)
    number = _parse_valid(main, region)
    if number is None and ext is None:
        m = _DASH_EXT.match(text)
        if m:
            number, ext = _parse_valid(m[1], region), m[2]
    if number is None:
        return None
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    ext = ext or number.extension
    return f"{e164};ext={ext}" if ext else e164


@functools.lru_cache(maxsize=512)  # bounded: junk records bring junk country codes
def phone_example(region: str, *, mobile: bool) -> str | None:
    """An example number of ``region`` as people there write it (phonenumbers' own), or None.

    A mobile for a mobile field, a fixed line for a phone field; written with
    ``+`` and the country code for a number of no known region.
    """
    kind = phonenumbers.PhoneNumberType.MOBILE if mobile else phonenumbers.PhoneNumberType.FIXED_LINE
    number = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(region)
    if number is None:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


def check_phones(customer: Customer, ctx: Context) -> None:
    """Every contact's phone and mobile must be valid for the customer's country; store E.164."""
    # With an unusable country there is no default region: only numbers written with
    # their country code (+...) can be checked; the others wait for the country's fix.
    known = not ctx.failed("country") and len(customer.country) == 2
    region = customer.country if known else "ZZ"
    for i, contact in enumerate(customer.contacts):
        for field in ("phone", "mobile"):
            raw = getattr(contact, field)
            if raw is None:
                continue
            path = f"contacts[{i}].{field}"
            if ctx.failed(path) or (not known and not raw.lstrip().startswith("+")):
                continue
            normal = normalize_phone(raw, region)
            if normal is None:
                example = phone_example(region, mobile=field == "mobile")
                ctx.report(path, ProblemCode.INVALID_PHONE, value=raw, region=region,
                           hint=f"e.g. {example}" if example else None,
                           hint_zh=f"例如 {example}" if example else None)
            elif normal != raw:
                ctx.fix(path, normal)


_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def check_emails(customer: Customer, ctx: Context) -> None:
    """E-mail syntax (ASCII addresses); the domain part is lower-cased."""
    for i, contact in enumerate(customer.contacts):
        raw = contact.email
        path = f"contacts[{i}].email"
        if raw is None or ctx.failed(path):
            continue
        if len(raw) > 254 or not _EMAIL.fullmatch(raw):
            ctx.report(path, ProblemCode.INVALID_EMAIL, value=raw)
            continue
        local, _, domain = raw.rpartition("@")
        if len(local) > 64:
            ctx.report(path, ProblemCode.INVALID_EMAIL, value=raw)
        elif domain != domain.lower():
            ctx.fix(path, f"{local}@{domain.lower()}")


#: Postcode shapes by country; countries not listed are not checked.
POSTCODE_PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    "CN": (re.compile(r"[0-8]\d{5}"), "215000"),
    "US": (re.compile(r"\d{5}(?:-\d{4})?"), "94105"),
    "DE": (re.compile(r"\d{5}"), "10115"),
    "FR": (re.compile(r"\d{5}"), "75008"),
    "IT": (re.compile(r"\d{5}"), "00184"),
    "ES": (re.compile(r"\d{5}"), "28001"),
    "JP": (re.compile(r"\d{3}-?\d{4}"), "100-0001"),
    "KR": (re.compile(r"\d{5}"), "04524"),
    "SG": (re.compile(r"\d{6}"), "018956"),
    "TW": (re.compile(r"\d{3}(?:\d{2,3})?"), "100"),
    "NL": (re.compile(r"\d{4} ?[A-Z]{2}"), "1012 AB"),
    "GB": (re.compile(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"), "SW1A 1AA"),
    "CA": (re.compile(r"[A-Z]\d[A-Z] ?\d[A-Z]\d"), "K1A 0B1"),
    "AU": (re.compile(r"\d{4}"), "2000"),
    "IN": (re.compile(r"[1-9]\d{5}"), "110001"),
}


def check_postcode(customer: Customer, ctx: Context) -> None:
    """Every postcode (``address``'s and each of ``addresses``) has its country's shape (CN: six digits)."""
    pattern = POSTCODE_PATTERNS.get(customer.country)
    if pattern is None:
        return
    _check_postcode(ctx, pattern, customer.address.postcode, "address.postcode", customer.country)
    for i, entry in enumerate(customer.addresses):
        if entry.postcode is not None:
            _check_postcode(ctx, pattern, entry.postcode, f"addresses[{i}].postcode", customer.country)


def _check_postcode(
    ctx: Context, pattern: tuple[re.Pattern[str], str], raw: str | None, path: str, country: str
) -> None:
    if raw is None or ctx.failed(path):
        return
    value = raw.upper()
    if not pattern[0].fullmatch(value):
        ctx.report(path, ProblemCode.INVALID_POSTCODE, value=raw, country=country,
                   hint=f"e.g. {pattern[1]}", hint_zh=f"例如 {pattern[1]}")
    elif value != raw:
        ctx.fix(path, value)


_ACCOUNT_JUNK = str.maketrans("", "", " -\u00a0")


def _iban_problem(value: str, error: StdnumValidationError) -> str:
    """The code of a refused IBAN: country, then shape, then check digits.

    python-stdnum checks the digits first, so an IBAN one character short or of an
    unknown country read as ``invalid_checksum``; with the right digits put in, what
    is still wrong is the real problem.
    """
    if problem_code(error) != ProblemCode.INVALID_CHECKSUM:
        return problem_code(error)
    try:
        iban.validate(value[:2] + iban.calc_check_digits(value) + value[4:])
    except StdnumValidationError as other:
        return problem_code(other)
    except ValueError:  # a character that is neither a digit nor a letter A-Z
        return ProblemCode.INVALID_FORMAT
    return ProblemCode.INVALID_CHECKSUM


def check_bank_account(customer: Customer, ctx: Context) -> None:
    """A bank account (the main one and each of ``bank_accounts``) is digits (CN: 8 to 30; elsewhere at
    most 34) or a valid IBAN; stored without spaces."""
    _check_account(ctx, customer.bank_account, "bank_account", customer.country)
    for i, account in enumerate(customer.bank_accounts):
        if account.account is not None:
            _check_account(ctx, account.account, f"bank_accounts[{i}].account", customer.country)


def _check_account(ctx: Context, raw: str | None, path: str, country: str) -> None:
    if raw is None or ctx.failed(path):
        return
    value = nfkc(raw).upper()
    if not value.isalnum():  # spaces or dashes to take out (translate() is the slow part)
        value = value.translate(_ACCOUNT_JUNK)
    if value[:2].isalpha():
        try:
            value = iban.validate(value)
        except StdnumValidationError as exc:
            ctx.report(path, _iban_problem(value, exc), value=raw, label="bank account (IBAN)",
                       label_zh="银行账号（IBAN）",
                       hint="e.g. DE89370400440532013000", hint_zh="例如 DE89370400440532013000")
            return
    else:
        low, high = (8, 30) if country == "CN" else (1, 34)
        if not (value.isascii() and value.isdigit() and low <= len(value) <= high):
            ctx.report(path, ProblemCode.INVALID_FORMAT, value=raw,
                       hint=f"digits only, {low} to {high} of them", hint_zh=f"应为{low}至{high}位数字")
            return
    if value != raw:
        ctx.fix(path, value)

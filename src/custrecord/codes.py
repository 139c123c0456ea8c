"""Customer codes (客户编码): code rules as data, allocation and manual codes.

A :class:`CodeRule` is a template such as ``C{yyyy}{seq:5}`` or
``{category}{seq:4}``. The serial is counted per rendered series, the way ERP
naming series work: ``C2026#####`` and ``C2027#####`` have counters of their
own. Counters come from a :class:`SequenceSource` (the storage layer's sequence
port, or the in-process :class:`CounterSequence`), so two writers never get the
same serial; a serial that is drawn but not used leaves a gap, which is allowed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Protocol

import attrs

from custrecord.copying import copy_with
from custrecord.errors import CustrecordError, ValidationError
from custrecord.model import Customer
from custrecord.problems import Problem, ProblemCode, make_problem
from custrecord.text import nfkc

if TYPE_CHECKING:
    from custrecord.validation.context import Context, Rule

__all__ = [
    "CODE_CHARS_HINT",
    "CODE_CHARS_HINT_ZH",
    "DEFAULT_CODE_LENGTH",
    "CodeRule",
    "CodeRuleError",
    "CounterSequence",
    "IsTaken",
    "SequenceSource",
    "assign_code",
    "check_code",
    "code_for",
    "code_shape_rule",
    "is_code_text",
    "normalise_code",
    "sequence_key",
]

#: SPEC 1: codes are at most 30 characters (the ``yonyou`` profile says 20).
DEFAULT_CODE_LENGTH = 30

#: Answers whether a code is already used by another customer.
IsTaken = Callable[[str], bool]

#: The characters of a code (SPEC 1): letters, digits and ``-`` ``_`` ``.`` ``/``, as other systems
#: write them (Kingdee ``01.001``, Yonyou ``0101-003``), after :func:`normalise_code`.
_CODE_CHARS = re.compile(r"[A-Z0-9_./-]+")
_CODE_CLASS = "[A-Z0-9_./-]"
_TOKEN = re.compile(r"\{([^{}]*)\}")
_FIELD_TOKENS = ("category", "region", "industry", "country")
_DATE_TOKENS = {"yyyy": 4, "yy": 2, "mm": 2, "dd": 2}
_MAX_SEQ_WIDTH = 12
# Draws tolerated when codes are taken by other means (manual codes, imports).
_MAX_DRAWS = 10_000


class SequenceSource(Protocol):
    """A source of increasing serials per key; values are never handed out twice."""

    def next_value(self, key: str) -> int: ...


class CounterSequence:
    """A thread-safe in-process :class:`SequenceSource`; the first value of a key is ``start``.

    ``initial`` seeds counters with the last value already used per key.
    """

    def __init__(self, start: int = 1, initial: Mapping[str, int] | None = None) -> None:
        self._start = start
        self._last: dict[str, int] = dict(initial or {})
        self._lock = threading.Lock()

    def next_value(self, key: str) -> int:
        """The next serial of ``key``."""
        with self._lock:
            value = self._last.get(key, self._start - 1) + 1
            self._last[key] = value
            return value

    def peek(self, key: str) -> int | None:
        """The last value handed out for ``key``, or None."""
        with self._lock:
            return self._last.get(key)


def sequence_key(series: str) -> str:
    """The sequence-port key that counts the serials of a code series (``C2026#####``)."""
    return f"customer-code:{series}"


class CodeRuleError(CustrecordError, ValueError):
    """A code rule is malformed, or its series has run out of serials."""


def normalise_code(text: str) -> str:
    """NFKC, trimmed, upper case: ``ｃ２０２６-0001`` gives ``C2026-0001``."""
    return nfkc(text).strip().upper()


@attrs.frozen
class _Part:
    kind: str  # "literal", "field", "date" or "seq"
    value: str  # literal text, field name or date token
    width: int | None = None


def _parse_template(template: str) -> tuple[_Part, ...]:
    if not isinstance(template, str):
        raise CodeRuleError(f"a code template is a text such as 'C{{yyyy}}{{seq:5}}', not {template!r}")
    parts: list[_Part] = []
    pos = 0
    for m in _TOKEN.finditer(template):
        parts.extend(_literal(template[pos : m.start()]))
        parts.append(_token(m[1], template))
        pos = m.end()
    parts.extend(_literal(template[pos:]))
    seqs = [p for p in parts if p.kind == "seq"]
    if len(seqs) != 1:
        raise CodeRuleError(f"code template {template!r} needs exactly one {{seq:N}} token, has {len(seqs)}")
    return tuple(parts)


def _literal(text: str) -> list[_Part]:
    if not text:
        return []
    if "{" in text or "}" in text:
        raise CodeRuleError(f"unbalanced brace in code template near {text!r}")
    norm = nfkc(text).upper()
    if not _CODE_CHARS.fullmatch(norm):
        raise CodeRuleError(f"literal {text!r} of a code template may use only A-Z, 0-9, -, _, . and /")
    return [_Part("literal", norm)]


def _token(body: str, template: str) -> _Part:
    name, _, width_text = body.strip().partition(":")
    width: int | None = None
    if width_text:
        if not width_text.isdigit() or not 1 <= int(width_text) <= _MAX_SEQ_WIDTH:
            raise CodeRuleError(f"bad width in {{{body}}} of {template!r}: write a number 1-{_MAX_SEQ_WIDTH}")
        width = int(width_text)
    if name == "seq":
        if width is None:
            raise CodeRuleError(f"write the serial's width in {template!r}, for instance {{seq:4}}")
        return _Part("seq", name, width)
    if name in _DATE_TOKENS:
        if width is not None:
            raise CodeRuleError(f"date token {{{name}}} takes no width in {template!r}")
        return _Part("date", name, _DATE_TOKENS[name])
    if name in _FIELD_TOKENS:
        return _Part("field", name, width)
    known = ", ".join(f"{{{t}}}" for t in (*_FIELD_TOKENS, *_DATE_TOKENS, "seq:N"))
    raise CodeRuleError(f"unknown token {{{body}}} in code template {template!r}; known: {known}")


def _date_text(token: str, day: date) -> str:
    return {"yyyy": f"{day.year:04d}", "yy": f"{day.year % 100:02d}", "mm": f"{day.month:02d}",
            "dd": f"{day.day:02d}"}[token]


_DATE_PATTERNS = {
    "yyyy": r"\d{4}",
    "yy": r"\d{2}",
    "mm": r"(?:0[1-9]|1[0-2])",
    "dd": r"(?:0[1-9]|[12]\d|3[01])",
}


@attrs.frozen
class CodeRule:
    """How customer codes are made: a template, whether manual codes are allowed, a length limit.

    Tokens: ``{category}`` ``{region}`` ``{industry}`` ``{country}`` (the
    customer's value; ``{category:2}`` takes its first two characters),
    ``{yyyy}`` ``{yy}`` ``{mm}`` ``{dd}`` (the allocation date) and exactly one
    ``{seq:N}`` (the serial, N digits, zero-padded). Everything else is literal.
    """

    template: str
    allow_manual: bool = True
    max_length: int = DEFAULT_CODE_LENGTH
    _parts: tuple[_Part, ...] = attrs.field(init=False, repr=False, eq=False)
    _seq_width: int = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        parts = _parse_template(self.template)
        object.__setattr__(self, "_parts", parts)
        object.__setattr__(
            self, "_seq_width", next(p.width for p in parts if p.kind == "seq" and p.width is not None)
        )
        if self.max_length < 1:
            raise CodeRuleError(f"max_length must be positive, not {self.max_length}")

    @property
    def seq_width(self) -> int:
        """The number of digits of the serial."""
        return self._seq_width

    @property
    def fields(self) -> tuple[str, ...]:
        """The customer fields the template uses."""
        return tuple(p.value for p in self._parts if p.kind == "field")

    def series(self, customer: Customer, today: date | None = None) -> str:
        """The series key of ``customer``: the rendered template with ``#`` for the serial.

        Raises :class:`~custrecord.ValidationError` when a field the rule uses is blank or unusable.
        """
        day = today or date.today()
        out: list[str] = []
        problems: list[Problem] = []
        for part in self._parts:
            if part.kind == "literal":
                out.append(part.value)
            elif part.kind == "date":
                out.append(_date_text(part.value, day))
            elif part.kind == "seq":
                out.append("#" * (part.width or 0))
            else:
                text, problem = self._field_text(part, customer)
                out.append(text)
                if problem is not None:
                    problems.append(problem)
        if problems:
            raise ValidationError(problems, record=repr(customer.name) if customer.name else None)
        return "".join(out)

    def _field_text(self, part: _Part, customer: Customer) -> tuple[str, Problem | None]:
        raw = getattr(customer, part.value)
        value = normalise_code(raw) if isinstance(raw, str) else ""
        if not value:
            return "", make_problem(part.value, ProblemCode.REQUIRED,
                                    hint=f"the code rule {self.template} uses it",
                                    hint_zh=f"编码规则{self.template}需要此项")
        if part.width is not None:
            if len(value) < part.width:
                return "", make_problem(part.value, ProblemCode.INVALID_CODE, value=raw,
                                        hint=f"the code rule needs at least {part.width} characters",
                                        hint_zh=f"编码规则需要至少{part.width}个字符")
            value = value[: part.width]
        if not _CODE_CHARS.fullmatch(value):
            return "", make_problem(part.value, ProblemCode.INVALID_CODE, value=raw,
                                    hint="a code part may use only A-Z, 0-9, -, _, . and /",
                                    hint_zh="编码组成部分只能包含A-Z、0-9、-、_、.和/")
        return value, None

    def render(self, customer: Customer, serial: int, today: date | None = None) -> str:
        """The code for ``serial`` in ``customer``'s series."""
        width = self.seq_width
        if not 0 <= serial < 10**width:
            raise CodeRuleError(f"serial {serial} does not fit {{seq:{width}}} of {self.template!r}")
        series = self.series(customer, today)
        return series.replace("#" * width, f"{serial:0{width}d}", 1)

    def allocate(
        self,
        customer: Customer,
        sequence: SequenceSource,
        *,
        is_taken: IsTaken | None = None,
        today: date | None = None,
        series: str | None = None,
    ) -> str:
        """A new code for ``customer``: the next serial of its series not yet taken.

        Serials drawn for taken codes are skipped (a gap, never a duplicate).
        ``series`` is ``self.series(customer, today)`` when the caller has it already.
        Raises :class:`~custrecord.ValidationError` when the customer lacks a field
        the rule uses or the code would be too long, and :class:`CodeRuleError`
        when the series is exhausted.
        """
        if series is None:
            series = self.series(customer, today)
        width = self.seq_width
        if len(series) > self.max_length:
            raise ValidationError([_too_long(series.replace("#", "0"), self.max_length)],
                                  record=repr(customer.name) if customer.name else None)
        head, _, tail = series.partition("#" * width)
        for _ in range(_MAX_DRAWS):
            serial = sequence.next_value(sequence_key(series))
            if serial >= 10**width:
                raise CodeRuleError(f"code series {series} is exhausted: widen {{seq:{width}}}")
            code = f"{head}{serial:0{width}d}{tail}"
            if is_taken is None or not is_taken(code):
                return code
        raise CodeRuleError(f"code series {series}: {_MAX_DRAWS} serials in a row were taken")

    def pattern(self, customer: Customer | None = None) -> re.Pattern[str]:
        """A regular expression for the rule's shape.

        With ``customer``, field tokens must equal the customer's values; without,
        any code characters match them. Date tokens match any valid date part.
        """
        out: list[str] = []
        for part in self._parts:
            if part.kind == "literal":
                out.append(re.escape(part.value))
            elif part.kind == "date":
                out.append(_DATE_PATTERNS[part.value])
            elif part.kind == "seq":
                out.append(rf"\d{{{part.width}}}")
            else:
                raw = getattr(customer, part.value) if customer is not None else None
                value = normalise_code(raw) if isinstance(raw, str) else ""
                if value and part.width is not None:
                    value = value[: part.width]
                if value:
                    out.append(re.escape(value))
                elif part.width is not None:
                    out.append(rf"{_CODE_CLASS}{{{part.width}}}")
                else:
                    out.append(rf"{_CODE_CLASS}+")
        return re.compile("".join(out))

    def matches(self, code: str, customer: Customer | None = None) -> bool:
        """Whether ``code`` (normalised first) has the rule's shape."""
        return self.pattern(customer).fullmatch(normalise_code(code)) is not None


def _too_long(code: str, limit: int) -> Problem:
    return make_problem("code", ProblemCode.TOO_LONG, value=code, length=len(code), limit=limit)


def check_code(
    code: str,
    rule: CodeRule | None = None,
    *,
    customer: Customer | None = None,
    is_taken: IsTaken | None = None,
    max_length: int | None = None,
    check_shape: bool = True,
) -> list[Problem]:
    """Problems of a manually given code (path ``code``); empty when it is acceptable.

    The code is normalised first. Checks, in order: characters (invalid_format:
    letters, digits, ``-`` ``_`` ``.`` ``/``) and length (too_long, ``max_length``
    or the rule's); with a rule, that manual codes are allowed and, with
    ``check_shape``, that the code has the rule's shape (invalid_code); with
    ``is_taken``, that no other customer has it (duplicate_code).
    """
    if not isinstance(code, str):
        return [make_problem("code", ProblemCode.INVALID_FORMAT, value=code, hint="a code is text",
                             hint_zh="编码应为文本")]
    norm = normalise_code(code)
    limit = max_length if max_length is not None else (rule.max_length if rule else DEFAULT_CODE_LENGTH)
    problems: list[Problem] = []
    if not norm:
        return [make_problem("code", ProblemCode.REQUIRED, value=code)]
    if not _CODE_CHARS.fullmatch(norm):
        problems.append(make_problem("code", ProblemCode.INVALID_FORMAT, value=code, hint=CODE_CHARS_HINT,
                                     hint_zh=CODE_CHARS_HINT_ZH))
    if len(norm) > limit:
        problems.append(_too_long(norm, limit))
    if rule is not None and not rule.allow_manual:
        problems.append(make_problem("code", ProblemCode.INVALID_CODE, value=code,
                                     hint=f"codes are assigned by the rule {rule.template}; "
                                          "manual codes are not allowed",
                                     hint_zh=f"编码由规则{rule.template}自动生成，不允许手工编码"))
    elif rule is not None and check_shape and not problems and not rule.matches(norm, customer):
        problems.append(make_problem("code", ProblemCode.INVALID_CODE, value=code,
                                     hint=f"expected the shape {rule.template}",
                                     hint_zh=f"应符合{rule.template}的格式"))
    if not problems and is_taken is not None and is_taken(norm):
        problems.append(make_problem("code", ProblemCode.DUPLICATE_CODE, value=norm))
    return problems


#: What a code may hold, for messages.
CODE_CHARS_HINT = "letters A-Z, digits, -, _, . and / only"
CODE_CHARS_HINT_ZH = "只能包含字母A-Z、数字、-、_、.和/"


def is_code_text(code: str) -> bool:
    """Whether normalised ``code`` uses only the characters of a code."""
    return _CODE_CHARS.fullmatch(code) is not None


def code_for(
    customer: Customer,
    rule: CodeRule,
    sequence: SequenceSource,
    *,
    is_taken: IsTaken | None = None,
    today: date | None = None,
    max_length: int | None = None,
    series: str | None = None,
    check_shape: bool = True,
) -> str:
    """The code ``customer`` gets: its own one checked and normalised, or a new one allocated.

    ``series`` is ``rule.series(customer, today)`` when the caller has it already;
    ``check_shape`` false keeps a well-formed given code whatever the rule's shape
    (``Settings.given_codes = "keep"``). Raises :class:`~custrecord.ValidationError`
    carrying the problems when the given code is refused or no code can be made
    from the customer's fields.
    """
    if customer.code is not None and normalise_code(customer.code):
        problems = check_code(customer.code, rule, customer=customer, is_taken=is_taken,
                              max_length=max_length, check_shape=check_shape)
        if problems:
            raise ValidationError(problems, record=repr(customer.code))
        return normalise_code(customer.code)
    if max_length is not None and max_length != rule.max_length:
        rule = attrs.evolve(rule, max_length=max_length)
    return rule.allocate(customer, sequence, is_taken=is_taken, today=today, series=series)


def assign_code(
    customer: Customer,
    rule: CodeRule,
    sequence: SequenceSource,
    *,
    is_taken: IsTaken | None = None,
    today: date | None = None,
    max_length: int | None = None,
) -> Customer:
    """``customer`` with the code :func:`code_for` gives it."""
    code = code_for(customer, rule, sequence, is_taken=is_taken, today=today, max_length=max_length)
    return copy_with(customer, {"code": code})


def code_shape_rule(rule: CodeRule) -> Rule:
    """A validation rule reporting invalid_code for a code without ``rule``'s shape.

    For ``Profile().with_rules(code_shape_rule(rule))``. Field tokens match any
    code characters (a stored customer may have changed category since), and
    whether manual codes are allowed is the book's business at registration.
    """

    def check_code_shape(customer: Customer, ctx: Context) -> None:
        code = customer.code
        if code is None or ctx.failed("code") or rule.matches(code):
            return
        ctx.report("code", ProblemCode.INVALID_CODE, value=code, hint=f"expected the shape {rule.template}",
                   hint_zh=f"应符合{rule.template}的格式")

    return check_code_shape

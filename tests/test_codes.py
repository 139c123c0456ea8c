"""Customer codes: rules as data, allocation under concurrency, manual codes."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

import custrecord
from custrecord import Customer, Problem, Profile, ValidationError
from custrecord.codes import (
    CodeRule,
    CodeRuleError,
    CounterSequence,
    SequenceSource,
    assign_code,
    check_code,
    code_for,
    code_shape_rule,
    normalise_code,
)

DAY = date(2026, 3, 7)


def codes_of(problems: Sequence[Problem]) -> list[str]:
    return [p.code for p in problems]


def test_counter_sequence_is_a_sequence_source() -> None:
    seq: SequenceSource = CounterSequence()
    assert [seq.next_value("a"), seq.next_value("a"), seq.next_value("b")] == [1, 2, 1]
    assert CounterSequence(initial={"a": 41}).next_value("a") == 42


def test_yearly_series() -> None:
    rule = CodeRule("C{yyyy}{seq:5}")
    seq = CounterSequence()
    c = Customer(name="甲")
    assert rule.allocate(c, seq, today=DAY) == "C202600001"
    assert rule.allocate(c, seq, today=DAY) == "C202600002"
    # A new year is a new series, counted from 1.
    assert rule.allocate(c, seq, today=date(2027, 1, 1)) == "C202700001"


def test_series_per_category_and_tokens() -> None:
    rule = CodeRule("{category}-{yy}{mm}-{seq:3}")
    seq = CounterSequence()
    a, b = Customer(name="a", category="0101"), Customer(name="b", category="0102")
    assert rule.allocate(a, seq, today=DAY) == "0101-2603-001"
    assert rule.allocate(b, seq, today=DAY) == "0102-2603-001"
    assert rule.allocate(a, seq, today=DAY) == "0101-2603-002"
    assert CodeRule("{category:2}{region}{seq:2}").allocate(
        Customer(name="x", category="0101", region="js"), seq) == "01JS01"


def test_taken_codes_are_skipped_leaving_a_gap() -> None:
    rule = CodeRule("K{seq:3}")
    taken = {"K001", "K002"}
    assert rule.allocate(Customer(name="x"), CounterSequence(), is_taken=taken.__contains__) == "K003"


@pytest.mark.parametrize(
    "template",
    [
        "C{seq}", "C", "{seq:3}{seq:2}", "C{foo}{seq:3}", "C{seq:0}", "C{yyyy:2}{seq:3}", "C{{seq:3}",
        "客{seq:3}", "C {seq:3}",
    ],
)
def test_bad_templates_are_refused(template: str) -> None:
    with pytest.raises(CodeRuleError):
        CodeRule(template)


def test_non_text_input_is_a_clear_error() -> None:
    with pytest.raises(CodeRuleError):
        CodeRule(None)  # type: ignore[arg-type]
    assert codes_of(check_code(123, CodeRule("C{seq:3}"))) == ["invalid_format"]  # type: ignore[arg-type]


def test_literal_is_normalised() -> None:
    assert CodeRule("ｃ-{seq:2}").allocate(Customer(name="x"), CounterSequence()) == "C-01"


def test_missing_field_is_a_problem_not_a_crash() -> None:
    with pytest.raises(ValidationError) as info:
        CodeRule("{category}{seq:4}").allocate(Customer(name="x"), CounterSequence())
    assert [(p.path, p.code) for p in info.value.problems] == [("category", "required")]
    with pytest.raises(ValidationError) as info:
        CodeRule("{category}{seq:4}").allocate(Customer(name="x", category="分类"), CounterSequence())
    assert [(p.path, p.code) for p in info.value.problems] == [("category", "invalid_code")]


def test_exhausted_series() -> None:
    seq = CounterSequence(initial={"customer-code:A#": 9})
    with pytest.raises(CodeRuleError, match="exhausted"):
        CodeRule("A{seq:1}").allocate(Customer(name="x"), seq)


def test_too_long_series() -> None:
    rule = CodeRule("{category}{seq:4}", max_length=6)
    with pytest.raises(ValidationError) as info:
        rule.allocate(Customer(name="x", category="0101"), CounterSequence())
    assert codes_of(list(info.value.problems)) == ["too_long"]


def test_manual_codes() -> None:
    rule = CodeRule("C{yyyy}{seq:5}")
    assert check_code("c202600017", rule) == []
    assert codes_of(check_code("X202600017", rule)) == ["invalid_code"]
    assert codes_of(check_code("C2026017", rule)) == ["invalid_code"]
    assert codes_of(check_code("C 2026", rule)) == ["invalid_format"]
    assert codes_of(check_code("C" * 31)) == ["too_long"]
    assert codes_of(check_code("C" * 21, max_length=20)) == ["too_long"]
    taken = {"C202600017"}.__contains__
    assert codes_of(check_code("C202600017", rule, is_taken=taken)) == ["duplicate_code"]
    closed = CodeRule("C{yyyy}{seq:5}", allow_manual=False)
    problem = check_code("C202600017", closed)[0]
    assert (problem.path, problem.code) == ("code", "invalid_code")
    assert "manual" in problem.message
    assert "手工" in problem.message_zh


def test_manual_code_field_tokens_follow_the_customer() -> None:
    rule = CodeRule("{category}{seq:4}")
    assert check_code("01020007", rule) == []
    assert check_code("01020007", rule, customer=Customer(name="x", category="0102")) == []
    other = Customer(name="x", category="0102")
    assert codes_of(check_code("01030007", rule, customer=other)) == ["invalid_code"]


def test_assign_code() -> None:
    rule = CodeRule("C{seq:4}")
    seq = CounterSequence()
    assert assign_code(Customer(name="x"), rule, seq).code == "C0001"
    assert assign_code(Customer(name="x", code="ｃ0099"), rule, seq).code == "C0099"
    with pytest.raises(ValidationError) as info:
        assign_code(Customer(name="x", code="C0099"), rule, seq, is_taken=lambda c: c == "C0099")
    assert [(p.path, p.code) for p in info.value.problems] == [("code", "duplicate_code")]
    with pytest.raises(ValidationError):
        assign_code(Customer(name="x"), CodeRule("{category}{seq:4}"), seq, max_length=5)


def test_code_shape_rule_in_a_profile() -> None:
    profile = Profile().with_rules(code_shape_rule(CodeRule("C{yyyy}{seq:5}", allow_manual=False)))
    assert custrecord.validate({"name": "x", "code": "C202600001"}, profile=profile).ok
    report = custrecord.validate({"name": "x", "code": "X1"}, profile=profile)
    assert report.codes() == {"code": ["invalid_code"]}
    # A code with bad characters gets one problem, not two.
    report = custrecord.validate({"name": "x", "code": "C-2026#1"}, profile=profile)
    assert report.codes() == {"code": ["invalid_format"]}


def test_normalise_code() -> None:
    assert normalise_code(" ｃ２０２６-ab ") == "C2026-AB"


def test_allocation_is_unique_under_threads() -> None:
    rule = CodeRule("{category}{seq:5}")
    seq = CounterSequence()
    results: list[str] = []
    lock = threading.Lock()
    customers = [Customer(name="a", category="01"), Customer(name="b", category="02")]

    def work(i: int) -> None:
        mine = [rule.allocate(customers[i % 2], seq, today=DAY) for _ in range(300)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2400
    assert len(set(results)) == 2400
    assert all(rule.matches(code) for code in results)


def test_counter_hands_out_each_serial_once_under_contention() -> None:
    """Threads released together by a barrier draw from one key while the interpreter switches
    threads every microsecond: without the counter's lock, most rounds hand out a serial twice."""
    threads, draws = 8, 20_000
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(5):
            seq = CounterSequence()
            barrier = threading.Barrier(threads)
            drawn: list[list[int]] = [[] for _ in range(threads)]

            def work(mine: list[int], seq: CounterSequence = seq, barrier: threading.Barrier = barrier,
                     ) -> None:
                barrier.wait()
                mine.extend(seq.next_value("k") for _ in range(draws))

            workers = [threading.Thread(target=work, args=(mine,)) for mine in drawn]
            for t in workers:
                t.start()
            for t in workers:
                t.join()
            values = sorted(v for mine in drawn for v in mine)
            assert values == list(range(1, threads * draws + 1))
            assert seq.peek("k") == threads * draws
    finally:
        sys.setswitchinterval(old_interval)


_literals = st.text(alphabet="ABCXYZ019-_", min_size=0, max_size=3)
_tokens = st.sampled_from(["{yyyy}", "{yy}", "{mm}", "{dd}", "{category}", "{region}", "{category:2}", ""])


@given(
    pre=_literals, tok=_tokens, mid=_literals, width=st.integers(1, 6), post=_literals,
    category=st.text(alphabet="0123456789ABZ", min_size=2, max_size=6),
    region=st.text(alphabet="abcxyz09", min_size=1, max_size=4),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    draws=st.integers(1, 5),
)
def test_every_allocated_code_matches_its_rule(
    pre: str, tok: str, mid: str, width: int, post: str, category: str, region: str, day: date, draws: int
) -> None:
    rule = CodeRule(f"{pre}{tok}{mid}{{seq:{width}}}{post}")
    customer = Customer(name="x", category=category, region=region)
    seq = CounterSequence()
    seen = set()
    for _ in range(min(draws, 10**width - 1)):
        code = rule.allocate(customer, seq, today=day)
        assert rule.matches(code, customer)
        assert rule.matches(code)
        assert check_code(code, rule, customer=customer) == []
        assert code not in seen
        seen.add(code)


# -- exact problems and messages (each branch, as a user reads it) -------------------------

RULE = CodeRule("C{category:2}{yyyy}{seq:3}")
SHAPE = "expected the shape C{category:2}{yyyy}{seq:3}"


def exact(problems: Sequence[Problem]) -> list[tuple[str, str, object, str, str]]:
    return [(p.path, p.code, p.value, p.message, p.message_zh) for p in problems]


def test_check_code_problems_word_for_word() -> None:
    assert exact(check_code(12, RULE)) == [  # type: ignore[arg-type]
        ("code", "invalid_format", 12, "customer code has an invalid format (a code is text)",
         "客户编码格式不正确（编码应为文本）")
    ]
    assert exact(check_code("  ", RULE)) == [
        ("code", "required", "  ", "customer code is required", "客户编码不能为空")
    ]
    assert exact(check_code("c-2026#1", RULE)) == [
        ("code", "invalid_format", "c-2026#1",
         "customer code has an invalid format (letters A-Z, digits, -, _, . and / only)",
         "客户编码格式不正确（只能包含字母A-Z、数字、-、_、.和/）")
    ]
    too_long = ("code", "too_long", "C" * 21, "customer code is too long: 21 characters, at most 20",
                "客户编码过长：21个字符，最多20个")
    assert exact(check_code("c" * 21, max_length=20)) == [too_long]
    assert exact(check_code("c" * 21, CodeRule("{seq:3}", max_length=20))) == [too_long]
    assert exact(check_code("c" * 21, CodeRule("{seq:3}", max_length=40), max_length=20)) == [too_long]
    assert check_code("C" * 30) == []
    assert codes_of(check_code("C" * 31)) == ["too_long"]  # DEFAULT_CODE_LENGTH without a rule
    assert exact(check_code("x1", CodeRule("{seq:3}", allow_manual=False))) == [
        ("code", "invalid_code", "x1",
         "customer code does not follow the code rule (codes are assigned by the rule {seq:3}; "
         "manual codes are not allowed)",
         "客户编码不符合编码规则（编码由规则{seq:3}自动生成，不允许手工编码）")
    ]
    wrong_shape = ("code", "invalid_code", "x1", f"customer code does not follow the code rule ({SHAPE})",
                   "客户编码不符合编码规则（应符合C{category:2}{yyyy}{seq:3}的格式）")
    assert exact(check_code("x1", RULE)) == [wrong_shape]
    assert check_code("x1", RULE, check_shape=False) == []
    assert exact(check_code("c012026001", RULE, is_taken={"C012026001"}.__contains__)) == [
        ("code", "duplicate_code", "C012026001", "customer code is already used by another customer",
         "客户编码已被其他客户使用")
    ]
    assert check_code("c012026001", RULE, is_taken={"c012026001"}.__contains__) == []  # asked normalised
    other = Customer(name="a", category="02")
    assert codes_of(check_code("C012026001", RULE, customer=other)) == ["invalid_code"]
    assert check_code("C022026001", RULE, customer=other) == []
    # A taken code with another problem reports that problem only.
    assert codes_of(check_code("c-#", RULE, is_taken=lambda _: True)) == ["invalid_format"]


def test_series_problems_word_for_word() -> None:
    def problems(customer: Customer) -> list[tuple[str, str, object, str, str]]:
        with pytest.raises(ValidationError) as info:
            RULE.series(customer, DAY)
        assert info.value.record == repr(customer.name)
        return exact(info.value.problems)

    assert problems(Customer(name="a")) == [
        ("category", "required", None,
         "category is required (the code rule C{category:2}{yyyy}{seq:3} uses it)",
         "所属分类不能为空（编码规则C{category:2}{yyyy}{seq:3}需要此项）")
    ]
    assert problems(Customer(name="a", category="1")) == [
        ("category", "invalid_code", "1",
         "category does not follow the code rule (the code rule needs at least 2 characters)",
         "所属分类不符合编码规则（编码规则需要至少2个字符）")
    ]
    assert problems(Customer(name="a", category="0#")) == [
        ("category", "invalid_code", "0#",
         "category does not follow the code rule (a code part may use only A-Z, 0-9, -, _, . and /)",
         "所属分类不符合编码规则（编码组成部分只能包含A-Z、0-9、-、_、.和/）")
    ]
    both = CodeRule("{category}{region}{seq:2}")
    with pytest.raises(ValidationError) as info:
        both.series(Customer(name=""), DAY)
    assert [p.path for p in info.value.problems] == ["category", "region"]
    assert info.value.record is None
    assert RULE.series(Customer(name="a", category="0101"), DAY) == "C012026###"
    assert RULE.series(Customer(name="a", category=" ab12"), DAY) == "CAB2026###"


def test_render_and_its_bounds() -> None:
    customer = Customer(name="a", category="0101")
    assert RULE.render(customer, 7, DAY) == "C012026007"
    assert RULE.render(customer, 0, DAY) == "C012026000"
    assert RULE.render(customer, 999, DAY) == "C012026999"
    for serial in (1000, -1):
        with pytest.raises(CodeRuleError) as info:
            RULE.render(customer, serial, DAY)
        assert str(info.value) == (
            f"serial {serial} does not fit {{seq:3}} of 'C{{category:2}}{{yyyy}}{{seq:3}}'"
        )
    # The serial replaces the serial's place only, not a literal run of the same width.
    assert CodeRule("{region}{seq:2}").render(Customer(name="a", region="00"), 5, DAY) == "0005"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (7, "a code template is a text such as 'C{yyyy}{seq:5}', not 7"),
        ("C{yyyy}", "code template 'C{yyyy}' needs exactly one {seq:N} token, has 0"),
        ("{seq:2}{seq:3}", "code template '{seq:2}{seq:3}' needs exactly one {seq:N} token, has 2"),
        ("C{seq:4", "unbalanced brace in code template near 'C{seq:4'"),
        ("C}{seq:4}", "unbalanced brace in code template near 'C}'"),
        ("C#{seq:4}", "literal 'C#' of a code template may use only A-Z, 0-9, -, _, . and /"),
        ("{seq:0}", "bad width in {seq:0} of '{seq:0}': write a number 1-12"),
        ("{seq:13}", "bad width in {seq:13} of '{seq:13}': write a number 1-12"),
        ("{seq:x}", "bad width in {seq:x} of '{seq:x}': write a number 1-12"),
        ("C{seq}", "write the serial's width in 'C{seq}', for instance {seq:4}"),
        ("{yyyy:2}{seq:3}", "date token {yyyy} takes no width in '{yyyy:2}{seq:3}'"),
        ("{city}{seq:3}", "unknown token {city} in code template '{city}{seq:3}'; known: {category}, "
                          "{region}, {industry}, {country}, {yyyy}, {yy}, {mm}, {dd}, {seq:N}"),
    ],
)
def test_malformed_templates_are_explained(template: object, message: str) -> None:
    with pytest.raises(CodeRuleError) as info:
        CodeRule(template)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_template_boundaries() -> None:
    assert CodeRule("{seq:12}").seq_width == 12
    assert CodeRule("{seq:1}").seq_width == 1
    assert CodeRule("{seq:1}", max_length=1).max_length == 1
    with pytest.raises(CodeRuleError, match=r"^max_length must be positive, not 0$"):
        CodeRule("{seq:1}", max_length=0)
    rule = CodeRule("{country}{yy}{mm}{dd}-{category:1}{seq:2}")
    assert rule.fields == ("country", "category")
    assert rule.series(Customer(name="a", category="9x"), date(2026, 1, 2)) == "CN260102-9##"


def test_allocate_refuses_a_code_longer_than_the_limit() -> None:
    rule = CodeRule("C{category}{seq:3}", max_length=6)
    seq = CounterSequence()
    assert rule.allocate(Customer(name="a", category="AB"), seq) == "CAB001"  # exactly 6
    with pytest.raises(ValidationError) as info:
        rule.allocate(Customer(name="甲", category="ABC"), seq)
    assert exact(info.value.problems) == [
        ("code", "too_long", "CABC000", "customer code is too long: 7 characters, at most 6",
         "客户编码过长：7个字符，最多6个")
    ]
    assert info.value.record == "'甲'"
    with pytest.raises(ValidationError) as info:
        rule.allocate(Customer(name="", category="ABC"), seq)
    assert info.value.record is None


def test_allocate_explains_an_exhausted_or_taken_series() -> None:
    rule = CodeRule("C{seq:1}")
    seq = CounterSequence(initial={"customer-code:C#": 9})
    with pytest.raises(CodeRuleError) as info:
        rule.allocate(Customer(name="a"), seq)
    assert str(info.value) == "code series C# is exhausted: widen {seq:1}"
    with pytest.raises(CodeRuleError) as info:
        CodeRule("C{seq:6}").allocate(Customer(name="a"), CounterSequence(), is_taken=lambda _: True)
    assert str(info.value) == "code series C######: 10000 serials in a row were taken"


def test_code_for_checks_a_given_code_against_the_rule_and_customer() -> None:
    seq = CounterSequence()
    customer = Customer(name="a", category="0101", code="c022026001")
    with pytest.raises(ValidationError) as info:
        code_for(customer, RULE, seq, today=DAY)  # the code is of category 02
    assert codes_of(info.value.problems) == ["invalid_code"]
    assert info.value.record == "'c022026001'"
    assert code_for(customer, RULE, seq, today=DAY, check_shape=False) == "C022026001"
    with pytest.raises(ValidationError) as info:
        code_for(Customer(name="a", code="C0120260011"), RULE, seq, max_length=10)
    assert codes_of(info.value.problems) == ["too_long"]
    with pytest.raises(ValidationError) as info:
        code_for(Customer(name="a", code="C012026001"), RULE, seq, is_taken=lambda _: True)
    assert codes_of(info.value.problems) == ["duplicate_code"]
    with pytest.raises(ValidationError):
        code_for(Customer(name="a", code="X1"), CodeRule("{seq:2}", allow_manual=False), seq)
    assert code_for(Customer(name="a", code=" "), CodeRule("X{seq:2}"), seq) == "X01"  # blank: allocated
    long_rule = CodeRule("C{category}{seq:3}")
    with pytest.raises(ValidationError):
        code_for(Customer(name="a", category="ABCDEFG"), long_rule, seq, max_length=8)
    assert code_for(Customer(name="a", category="ABCD"), long_rule, seq, max_length=8) == "CABCD001"
    assert assign_code(Customer(name="a", category="ABCD"), long_rule, seq, max_length=8).code == "CABCD002"
    with pytest.raises(ValidationError):
        assign_code(Customer(name="a", category="ABCDEFG"), long_rule, seq, max_length=8)


def test_code_shape_rule_word_for_word() -> None:
    profile = Profile().with_rules(code_shape_rule(RULE))
    report = custrecord.validate({"name": "x", "code": "X1"}, profile=profile)
    assert exact(report.problems) == [
        ("code", "invalid_code", "X1", f"customer code does not follow the code rule ({SHAPE})",
         "客户编码不符合编码规则（应符合C{category:2}{yyyy}{seq:3}的格式）")
    ]
    assert custrecord.validate({"name": "x", "code": "c992026001"}, profile=profile).ok  # any category
    assert custrecord.validate({"name": "x"}, profile=profile).ok


def test_the_day_given_is_the_day_used() -> None:
    """A rule with a date token, on a day of another year than today's."""
    old = date(2019, 12, 31)
    customer = Customer(name="a", category="0101")
    assert RULE.render(customer, 7, old) == "C012019007"
    seq = CounterSequence()
    assert code_for(customer, RULE, seq, today=old) == "C012019001"
    assert assign_code(customer, RULE, seq, today=old).code == "C012019002"
    taken = {"C012019003"}
    assert code_for(customer, RULE, seq, today=old, is_taken=taken.__contains__) == "C012019004"

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

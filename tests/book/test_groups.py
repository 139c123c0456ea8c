"""Parent companies in the book: parents that exist, no cycles, children and whole groups."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.clirun import run

import custrecord
from custrecord.book import CustomerBook
from custrecord.events import Event
from custrecord.permissions import Actor, Scope

EAST = Actor("li", {"finance"}, scope=Scope(regions={"EAST"}))


def _group(book: CustomerBook) -> None:
    """G1 with children S1, S2, and S21 below S2; G9 alone."""
    book.add({"name": "集团总部", "code": "G1", "region": "EAST"})
    book.add({"name": "一分公司", "code": "S1", "parent": "G1", "region": "EAST"})
    book.add({"name": "二分公司", "code": "S2", "parent": "G1", "region": "WEST"})
    book.add({"name": "二分公司下属", "code": "S21", "parent": "S2", "region": "EAST"})
    book.add({"name": "独立客户", "code": "G9"})


def _codes(customers: list[custrecord.Customer]) -> list[str | None]:
    return [c.code for c in customers]


def test_children_and_group_from_any_member(make_any_book: Callable[..., CustomerBook]) -> None:
    book = make_any_book()
    _group(book)
    assert _codes(book.children("G1")) == ["S1", "S2"]
    assert _codes(book.children("S2")) == ["S21"]
    assert book.children("S1") == []
    for member in ("G1", "S1", "S2", "S21"):
        assert _codes(book.group(member)) == ["G1", "S1", "S2", "S21"]
    assert _codes(book.group("G9")) == ["G9"]
    assert _codes(book.find(parent="G1")) == ["S1", "S2"]


def test_a_parent_must_be_a_stored_customer(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book()
    _group(book)
    with pytest.raises(custrecord.ValidationError) as caught:
        book.add({"name": "孤儿", "parent": "NOPE"})
    (problem,) = caught.value.problems
    assert (problem.path, problem.code, problem.value) == ("parent", "unknown_parent", "NOPE")
    assert problem.message_zh == "上级客户不是已有的客户"
    book.delete("G9")
    with pytest.raises(custrecord.ValidationError) as caught:
        book.add({"name": "孤儿", "parent": "G9"})
    assert caught.value.problems[0].message == "parent customer is not a stored customer (deleted)"


def test_cycles_are_refused_naming_the_cycle(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book()
    _group(book)
    g1 = book.get("G1")
    with pytest.raises(custrecord.ValidationError) as caught:
        book.update("G1", {"parent": "S21"}, expected_version=g1.version)
    (problem,) = caught.value.problems
    assert (problem.code, problem.value) == ("parent_cycle", "S21")
    assert "G1 -> S21 -> S2 -> G1" in problem.message
    with pytest.raises(custrecord.ValidationError) as caught:
        book.update("S1", {"parent": "S1"}, expected_version=1)
    assert caught.value.problems[0].code == "parent_cycle"
    with pytest.raises(custrecord.ValidationError):
        book.add({"name": "自己", "code": "X1", "parent": "X1"})
    # Moving a branch elsewhere in the tree is fine, and so is leaving the group.
    moved = book.update("S21", {"parent": "S1"}, expected_version=1)
    assert moved.parent == "S1"
    assert _codes(book.children("S1")) == ["S21"]
    assert book.update("S21", {"parent": None}, expected_version=moved.version).parent is None
    assert _codes(book.group("S21")) == ["S21"]


def test_an_unchanged_parent_is_not_checked_again(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book()
    _group(book)
    book.delete("S2")
    s21 = book.update("S21", {"remarks": "父级已删除"}, expected_version=1)
    assert s21.parent == "S2"
    assert _codes(book.group("S21")) == ["G1", "S1", "S21"]
    assert _codes(book.group("S21", include_deleted=True)) == ["G1", "S1", "S2", "S21"]


def test_import_rows_may_name_parents_of_earlier_rows(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book()
    rows = [
        (2, {"客户编码": "H1", "客户名称": "华东集团"}),
        (3, {"客户编码": "H11", "客户名称": "华东一厂", "上级客户": "H1"}),
        (4, {"客户编码": "H12", "客户名称": "华东二厂", "上级客户": "h1"}),
        (5, {"客户编码": "H13", "客户名称": "华东三厂", "上级客户": "H2"}),  # H2 comes later: refused
        (6, {"客户编码": "H2", "客户名称": "华南集团"}),
        (7, {"客户编码": "H3", "客户名称": "坏行", "税号": "bad"}),
        (8, {"客户编码": "H31", "客户名称": "坏行下属", "上级客户": "H3"}),  # its parent was refused
    ]
    outcomes = list(book.import_records(rows, chunk_size=3))
    assert [(o.row, o.action) for o in outcomes] == [
        (2, "added"), (3, "added"), (4, "added"), (5, "invalid"), (6, "added"), (7, "invalid"),
        (8, "invalid"),
    ]
    assert [p.code for p in outcomes[3].problems] == ["unknown_parent"]
    assert [p.code for p in outcomes[6].problems] == ["unknown_parent"]
    assert _codes(book.children("H1")) == ["H11", "H12"]
    # Importing the file again places H13 now that H2 is stored, and changes nothing else.
    again = list(book.import_records(rows))
    assert [(o.row, o.action) for o in again][:5] == [
        (2, "unchanged"), (3, "unchanged"), (4, "unchanged"), (5, "added"), (6, "unchanged"),
    ]
    assert _codes(book.children("H2")) == ["H13"]


def test_group_reads_are_scoped(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book()
    _group(book)
    assert _codes(book.group("S21", actor=EAST)) == ["G1", "S1", "S21"]
    assert _codes(book.children("G1", actor=EAST)) == ["S1"]
    with pytest.raises(custrecord.NotFound):
        book.children("S2", actor=EAST)
    with pytest.raises(custrecord.NotFound):
        book.group("S2", actor=EAST)
    # A parent out of the actor's scope is unknown to it, as if it did not exist.
    with pytest.raises(custrecord.ValidationError) as caught:
        book.add({"name": "东区新客户", "region": "EAST", "parent": "S2"}, actor=EAST)
    assert caught.value.problems[0].code == "unknown_parent"


def test_parent_changes_are_in_history(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book()
    _group(book)
    book.update("S21", {"parent": "S1"}, expected_version=1)
    changes = [(c.path, c.old, c.new) for e in book.history("S21") for c in e.changes]
    assert ("parent", "S2", "S1") in changes
    assert ("parent", None, "S2") in changes


def test_the_report_command_lists_groups(tmp_path: Path) -> None:
    db = tmp_path / "groups.db"
    with custrecord.open(str(db)) as book:
        _group(book)
    shown = run("report", "--db", str(db), "--lang", "zh")
    assert shown.returncode == 0, shown.stderr
    assert "集团（上级客户）" in shown.stdout
    assert "G1" in shown.stdout


def test_a_new_parent_waits_for_approval_and_is_checked_again(make_book: Callable[..., CustomerBook]) -> None:
    from custrecord.settings import Settings

    finance, other = Actor("li", {"finance"}), Actor("zhou", {"finance"})
    book = make_book(Settings(require_approval=True))
    for code, name in (("G1", "集团"), ("G2", "另一集团"), ("S1", "分公司")):
        book.add({"name": name, "code": code}, actor=finance)
        book.approve(code, actor=other)
    book.update("S1", {"parent": "G1"}, expected_version=2, actor=finance)
    assert book.get("S1").parent is None  # the group limit of G1 does not cover S1 yet
    pending = book.pending("S1")
    assert pending is not None
    assert [(c.path, c.new) for c in pending.changes] == [("parent", "G1")]
    book.update("G1", {"parent": "G2"}, expected_version=2, actor=finance)
    book.approve("G1", actor=other)
    assert book.approve("S1", actor=other).parent == "G1"
    assert [c.code for c in book.group("S1")] == ["G2", "G1", "S1"]


def test_approval_refuses_a_parent_that_became_a_cycle(make_book: Callable[..., CustomerBook]) -> None:
    from custrecord.settings import Settings

    finance, other = Actor("li", {"finance"}), Actor("zhou", {"finance"})
    book = make_book(Settings(require_approval=True))
    for code in ("A", "B"):
        book.add({"name": f"客户{code}", "code": code}, actor=finance)
        book.approve(code, actor=other)
    book.update("A", {"parent": "B"}, expected_version=2, actor=finance)
    book.update("B", {"parent": "A"}, expected_version=2, actor=finance)  # proposed: no cycle yet
    book.approve("B", actor=other)
    with pytest.raises(custrecord.ValidationError) as caught:
        book.approve("A", actor=other)
    assert [(p.code, p.value) for p in caught.value.problems] == [("parent_cycle", "B")]


def _parents(book: CustomerBook) -> dict[str, str | None]:
    return {c.code or "": c.parent for c in book.all(include_deleted=True)}


def test_a_merge_hands_the_children_to_the_survivor(make_any_book: Callable[..., CustomerBook]) -> None:
    """S2 merged into S1: S21 moves below S1, reads of S2 lead to S1's group, unmerge moves it back."""
    book = make_any_book()
    _group(book)
    seen: list[Event] = []
    book.subscribe(seen.append)
    book.merge(["S1", "S2"], survivor="S1", reason="同一分公司")
    assert book.get("S21").parent == "S1"
    assert _codes(book.children("S1")) == ["S21"]
    assert _codes(book.children("S2")) == ["S21"]  # follows the merge to S1
    assert _codes(book.group("S2")) == ["G1", "S1", "S21"]  # the merged-away S2 is no member
    assert _codes(book.group("S21")) == ["G1", "S1", "S21"]
    (moved,) = [e for e in book.history("S21") if e.action == "regroup"]
    assert [(c.path, c.old, c.new) for c in moved.changes] == [("parent", "S2", "S1")]
    assert (moved.actor, moved.reason) == ("system", "同一分公司")
    assert [(e.type, e.code) for e in seen] == [("Merged", "S1"), ("CustomerChanged", "S21")]
    book.unmerge("S1", reason="不是同一分公司")
    assert book.get("S21").parent == "S2"
    assert _codes(book.group("S2")) == ["G1", "S1", "S2", "S21"]
    assert [e.action for e in book.history("S21")][-2:] == ["regroup", "unmerge"]


def test_merging_a_parent_into_its_child_keeps_the_tree(make_any_book: Callable[..., CustomerBook]) -> None:
    """The survivor never ends up below itself: it takes the place of the topmost member."""
    book = make_any_book()
    _group(book)
    book.merge(["G1", "S1"], survivor="S1", reason="总部与一分公司是同一家")
    assert _parents(book) == {"G1": None, "S1": None, "S2": "S1", "S21": "S2", "G9": None}
    assert _codes(book.group("G1")) == ["S1", "S2", "S21"]
    # A grandchild merged with its grandparent: the child between them moves below it.
    again = make_any_book()
    _group(again)
    again.update("G1", {"parent": "G9"}, expected_version=1)
    again.merge(["G1", "S21"], survivor="S21", reason="同一家")
    assert _parents(again) == {"G1": "G9", "S1": "S21", "S2": "S21", "S21": "G9", "G9": None}
    assert _codes(again.group("S2")) == ["G9", "S21", "S1", "S2"]
    again.unmerge("S21", reason="不是同一家")
    assert _parents(again) == {"G1": "G9", "S1": "G1", "S2": "G1", "S21": "S2", "G9": None}


def test_a_child_edited_after_the_merge_keeps_its_edit(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book()
    _group(book)
    book.merge(["S1", "S2"], survivor="S1", reason="同一分公司")
    s21 = book.get("S21")
    book.update("S21", {"parent": "G9"}, expected_version=s21.version)
    book.unmerge("S1", reason="不是同一分公司")
    assert book.get("S21").parent == "G9"


def test_a_merged_away_customer_is_no_parent(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book()
    _group(book)
    book.merge(["S1", "S2"], survivor="S1", reason="同一分公司")
    with pytest.raises(custrecord.ValidationError) as caught:
        book.add({"name": "新分公司", "parent": "S2"})
    (problem,) = caught.value.problems
    assert (problem.code, problem.value) == ("unknown_parent", "S2")
    assert problem.message == "parent customer is not a stored customer (merged into S1)"
    assert "已合并至S1" in problem.message_zh


@settings(max_examples=40, deadline=None)
@given(
    parents=st.lists(st.integers(min_value=-1, max_value=6), min_size=7, max_size=7),
    chosen=st.lists(st.integers(min_value=0, max_value=6), min_size=2, max_size=3, unique=True),
    survivor=st.integers(min_value=0, max_value=2),
)
def test_merges_keep_any_tree_a_tree(parents: list[int], chosen: list[int], survivor: int) -> None:
    """Whatever the tree and whichever customers merge: no cycle, nobody below a merged-away customer,
    every member in its own group; unmerge gives every customer its parent back."""
    book = custrecord.open()
    codes = [f"K{i}" for i in range(7)]
    for i, code in enumerate(codes):
        parent = parents[i] if 0 <= parents[i] < i else None  # earlier customers only: a tree
        book.add({"name": f"客户{i}号", "code": code, "parent": None if parent is None else codes[parent]})
    before = _parents(book)
    merged = [codes[i] for i in chosen]
    kept = merged[survivor % len(merged)]
    book.merge(merged, survivor=kept, reason="重复")
    now = _parents(book)
    gone = {c for c in merged if c != kept}
    for code in set(codes) - gone:
        seen, up = {code}, now[code]
        while up is not None:
            assert up not in gone
            assert up not in seen, f"cycle through {code}"
            seen.add(up)
            up = now[up]
        assert code in _codes(book.group(code))
    book.unmerge(kept, reason="撤销")
    assert _parents(book) == before


def test_group_reads_follow_a_merge_only_within_scope(make_book: Callable[..., CustomerBook]) -> None:
    book = make_book()
    _group(book)
    book.add({"name": "东区客户", "code": "E1", "region": "EAST"})
    book.merge(["S2", "E1"], survivor="S2", choose={"region": "S2"}, reason="同一家")  # E1 leads to S2 (west)
    with pytest.raises(custrecord.NotFound):
        book.children("E1", actor=EAST)
    with pytest.raises(custrecord.NotFound):
        book.group("E1", actor=EAST)
    assert _codes(book.children("E1")) == ["S21"]

"""Classification trees: schemes, building, queries, validation hook-up, tree operations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import custrecord
from custrecord import Customer, Profile
from custrecord.classification import (
    ClassificationTree,
    CodeScheme,
    TreeError,
    UnknownNodeError,
    move_customers,
    rename_node,
)

PAIRS = [
    ("01", "批发"), ("0101", "华东批发"), ("0102", "华北批发"), ("010101", "上海批发"),
    ("02", "零售"), ("0201", "门店"),
]


@pytest.fixture
def tree() -> ClassificationTree:
    return ClassificationTree.from_pairs(PAIRS, "2-2-2")


def test_scheme() -> None:
    scheme = CodeScheme.parse("2-2-2")
    assert scheme.lengths == (2, 2, 2)
    assert scheme.totals == (2, 4, 6)
    assert CodeScheme.parse("3，2 1") == CodeScheme((3, 2, 1))
    assert scheme.level_of("0101") == 2
    assert scheme.level_of("010") is None
    assert scheme.parent_of("010102") == "0101"
    assert scheme.parent_of("01") is None
    assert str(scheme) == "2-2-2"
    for bad in ("", "2-x", "0-2", None, 5, ("2", 2)):
        with pytest.raises(TreeError):
            CodeScheme.parse(bad)  # type: ignore[arg-type]
    with pytest.raises(TreeError):
        CodeScheme(())


def test_queries(tree: ClassificationTree) -> None:
    assert len(tree) == 6
    assert list(tree) == ["01", "0101", "010101", "0102", "02", "0201"]
    assert "0101" in tree
    assert "0103" not in tree
    assert 1 not in tree
    assert tree.is_leaf("010101")
    assert not tree.is_leaf("0101")
    assert not tree.is_leaf("99")
    assert tree.name("0102") == "华北批发"
    assert tree.level("010101") == 3
    assert tree.parent("010101") == "0101"
    assert tree.parent("01") is None
    assert tree.children() == ("01", "02")
    assert tree.children("01") == ("0101", "0102")
    assert tree.ancestors("010101") == ("0101", "01")
    assert tree.path("010101") == ("01", "0101", "010101")
    assert tree.path_names("010101") == ("批发", "华东批发", "上海批发")
    assert tree.full_name("0201") == "零售 / 门店"
    assert tree.descendants("01") == ("0101", "010101", "0102")
    assert tree.leaves() == ("010101", "0102", "0201")
    with pytest.raises(UnknownNodeError, match="0103"):
        tree.parent("0103")
    with pytest.raises(KeyError):
        tree.name("9")


def test_codes_are_normalised() -> None:
    t = ClassificationTree.from_pairs([("ａ1", "A one"), ("a101", "x")], "2-2")
    assert list(t) == ["A1", "A101"]
    assert "a1" in t


def test_bad_tree_reports_every_problem() -> None:
    pairs = [("01", "a"), ("01", "b"), ("010", "c"), ("0301", "d"), ("0-", "e"), ("02", " "), "oops"]
    with pytest.raises(TreeError) as info:
        ClassificationTree.from_pairs(pairs, "2-2")  # type: ignore[arg-type]
    got = [(p.path, p.code) for p in info.value.problems]
    assert got == [
        ("category[1].code", "duplicate_code"),
        ("category[2].code", "invalid_length"),
        ("category[4].code", "invalid_format"),
        ("category[5].name", "required"),
        ("category[6]", "invalid_format"),
        ("category[3].code", "invalid_code"),
    ]
    msg = info.value.problems[-1]
    assert "parent 03" in msg.message
    assert "上级编码03" in msg.message_zh


def test_from_mapping() -> None:
    nested = {
        "01": ("批发", {"0101": "华东批发", "0102": {"name": "华北批发"}}),
        "02": {"name": "零售", "children": {"0201": "门店"}},
    }
    t = ClassificationTree.from_mapping(nested, "2-2")
    assert t.to_pairs() == [("01", "批发"), ("0101", "华东批发"), ("0102", "华北批发"), ("02", "零售"),
                            ("0201", "门店")]
    assert ClassificationTree.from_mapping(t.to_mapping(), "2-2") == t
    with pytest.raises(TreeError) as info:
        ClassificationTree.from_mapping({"01": ("a", {"0201": "b"})}, "2-2")
    assert [p.code for p in info.value.problems] == ["invalid_code", "invalid_code"]


def test_tree_is_a_code_tree_for_validation(tree: ClassificationTree) -> None:
    regions = ClassificationTree.from_pairs([("32", "江苏"), ("3205", "苏州")], "2-2", kind="region")
    profile = Profile(categories=tree, regions=regions)
    assert custrecord.validate({"name": "x", "category": "010101", "region": "3205"}, profile=profile).ok
    report = custrecord.validate({"name": "x", "category": "0101", "region": "33"}, profile=profile)
    assert report.codes() == {"category": ["not_leaf_category"], "region": ["unknown_region"]}
    report = custrecord.validate({"name": "x", "category": "0109"}, profile=profile)
    assert report.codes() == {"category": ["unknown_category"]}


def test_edits(tree: ClassificationTree) -> None:
    bigger = tree.with_node("0202", "网店")
    assert bigger.children("02") == ("0201", "0202")
    assert "0202" not in tree
    assert bigger.without("0202") == tree
    with pytest.raises(TreeError):
        tree.without("01")
    with pytest.raises(TreeError):
        tree.with_node("0301", "orphan")


CUSTOMERS = (
    Customer(name="a", code="A1", category="010101"),
    Customer(name="b", code="B1", category="0102"),
    Customer(name="c", code="C1", category="0201"),
    Customer(name="d", code="D1"),
)


def test_move_customers(tree: ClassificationTree) -> None:
    edit = move_customers(CUSTOMERS, "0102", "0201", tree=tree)
    assert [c.category for c in edit.customers] == ["010101", "0201", "0201", None]
    assert [(c.index, c.code, c.old, c.new) for c in edit.changes] == [(1, "B1", "0102", "0201")]
    assert edit.changed == (edit.customers[1],)
    edit = move_customers(CUSTOMERS, "01", "0201", tree=tree, subtree=True)
    assert [c.code for c in edit.changes] == ["A1", "B1"]
    with pytest.raises(TreeError) as info:
        move_customers(CUSTOMERS, "0102", "02", tree=tree)
    assert [p.code for p in info.value.problems] == ["not_leaf_category"]
    with pytest.raises(TreeError) as info:
        move_customers(CUSTOMERS, "0109", "0999", tree=tree)
    assert [p.code for p in info.value.problems] == ["unknown_category", "unknown_category"]
    with pytest.raises(TreeError):
        move_customers(CUSTOMERS, "01", "02", field="name")
    # Without a tree, codes are matched as given (and by prefix with subtree).
    assert len(move_customers(CUSTOMERS, "01", "09", subtree=True).changes) == 2


def test_rename_node(tree: ClassificationTree) -> None:
    edit = rename_node(tree, "0101", "0103", CUSTOMERS)
    assert edit.tree is not None
    assert list(edit.tree) == ["01", "0102", "0103", "010301", "02", "0201"]
    assert edit.tree.name("010301") == "上海批发"
    assert dict(edit.renamed) == {"0101": "0103", "010101": "010301"}
    assert [(c.code, c.old, c.new) for c in edit.changes] == [("A1", "010101", "010301")]
    # Renaming under another parent moves the subtree.
    moved = rename_node(tree, "0101", "0202", CUSTOMERS)
    assert moved.tree is not None
    assert moved.tree.parent("020201") == "0202"
    assert rename_node(tree, "01", "01", CUSTOMERS).changes == ()
    for new, code in (("010", "invalid_length"), ("0102", "duplicate_code"), ("0301", "invalid_code")):
        with pytest.raises(TreeError) as info:
            rename_node(tree, "0101", new)
        assert [p.code for p in info.value.problems] == [code]
    with pytest.raises(TreeError):
        rename_node(tree, "0109", "0110")


@st.composite
def trees(draw: st.DrawFn) -> tuple[CodeScheme, list[tuple[str, str]]]:
    scheme = CodeScheme(draw(st.lists(st.integers(1, 3), min_size=1, max_size=4)))
    leaves = draw(st.lists(st.integers(1, scheme.depth), min_size=1, max_size=12))
    codes: set[str] = set()
    for level in leaves:
        size = scheme.totals[level - 1]
        code = draw(st.text(alphabet="01AZ9", min_size=size, max_size=size))
        codes.update(code[:n] for n in scheme.totals[:level])
    pairs = [(c, f"n{c}") for c in codes]
    return scheme, draw(st.permutations(pairs))


@given(trees())
def test_tree_invariants(data: tuple[CodeScheme, list[tuple[str, str]]]) -> None:
    scheme, pairs = data
    tree = ClassificationTree.from_pairs(pairs, scheme)
    assert len(tree) == len(pairs)
    seen: set[str] = set()
    for code in tree:
        level = tree.level(code)
        assert len(code) == scheme.totals[level - 1]
        parent = tree.parent(code)
        if parent is None:
            assert level == 1
            assert code in tree.children()
        else:
            assert code.startswith(parent)
            assert parent in seen  # parents come first
            assert code in tree.children(parent)
            assert tree.level(parent) == level - 1
        assert tree.path(code)[-1] == code
        assert len(tree.path(code)) == level
        assert tree.is_leaf(code) == (not tree.children(code))
        assert all(d.startswith(code) for d in tree.descendants(code))
        seen.add(code)
    assert ClassificationTree.from_pairs(tree.to_pairs(), scheme) == tree
    assert ClassificationTree.from_mapping(tree.to_mapping(), scheme) == tree
    # Taking away a parent always breaks the tree.
    parents = [c for c in tree if not tree.is_leaf(c)]
    if parents:
        with pytest.raises(TreeError):
            ClassificationTree.from_pairs([p for p in pairs if p[0] != parents[0]], scheme)

"""Classification trees (分类树) with a level-length coding scheme such as ``2-2-2``.

Under the scheme ``2-2-2`` a top-level code has 2 characters, its children 4
(the parent's 2 plus 2 of their own) and grandchildren 6, the way Yonyou and
Kingdee number 客户分类 and 地区. A tree is immutable; it satisfies the
``CodeTree`` protocol of validation, so ``Profile(categories=tree)`` checks
customers against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import attrs

from custrecord.errors import CustrecordError
from custrecord.problems import Problem, ProblemCode, make_problem
from custrecord.text import nfkc

__all__ = ["ClassificationTree", "CodeScheme", "TreeError", "UnknownNodeError", "normalise_node_code"]

_NODE_CHARS = re.compile(r"[A-Z0-9]+")
_NOUNS = {"category": ("category", "分类"), "region": ("region", "地区"), "industry": ("industry", "行业")}


class TreeError(CustrecordError, ValueError):
    """A tree (or a change to one) is not well formed; ``problems`` says every reason."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = [f"the tree has {len(self.problems)} problem(s):"]
        lines.extend(f"  {p.path}: {p.code}: {p.message}" for p in self.problems)
        super().__init__("\n".join(lines))


class UnknownNodeError(CustrecordError, KeyError):
    """A code that is not a node of the tree."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown code"


def normalise_node_code(code: str) -> str:
    """NFKC, trimmed, upper case (the parser upper-cases ``category`` and ``region`` the same way)."""
    return nfkc(code).strip().upper()


def _int_tuple(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(value)


@attrs.frozen
class CodeScheme:
    """Level lengths of a coding scheme: ``CodeScheme.parse("2-2-2").lengths == (2, 2, 2)``."""

    lengths: tuple[int, ...] = attrs.field(converter=_int_tuple)

    @lengths.validator
    def _check(self, _attribute: Any, value: tuple[int, ...]) -> None:
        if not value or any(not isinstance(n, int) or n < 1 for n in value):
            raise TreeError([_scheme_problem(value)])

    @classmethod
    def parse(cls, scheme: str | Sequence[int] | CodeScheme) -> CodeScheme:
        """A scheme from ``"2-2-2"`` (also ``"2,2,2"`` or ``"2 2 2"``), a sequence of ints, or a scheme."""
        if isinstance(scheme, CodeScheme):
            return scheme
        if isinstance(scheme, str):
            pieces = [p for p in re.split(r"[-,\s]+", nfkc(scheme).strip()) if p]
            if not pieces or not all(p.isdigit() for p in pieces):
                raise TreeError([_scheme_problem(scheme)])
            return cls(tuple(int(p) for p in pieces))
        try:
            return cls(tuple(scheme))
        except TypeError:
            raise TreeError([_scheme_problem(scheme)]) from None

    @property
    def depth(self) -> int:
        """The number of levels."""
        return len(self.lengths)

    @property
    def totals(self) -> tuple[int, ...]:
        """Code length at each level: ``2-2-2`` gives ``(2, 4, 6)``."""
        out: list[int] = []
        for n in self.lengths:
            out.append((out[-1] if out else 0) + n)
        return tuple(out)

    def level_of(self, code: str) -> int | None:
        """The level (1 = top) a code of this length sits on, or None."""
        try:
            return self.totals.index(len(code)) + 1
        except ValueError:
            return None

    def parent_of(self, code: str) -> str | None:
        """The code of the parent (a prefix), None for a top-level or misfit code."""
        level = self.level_of(code)
        if level is None or level == 1:
            return None
        return code[: self.totals[level - 2]]

    def __str__(self) -> str:
        return "-".join(str(n) for n in self.lengths)


def _scheme_problem(value: object) -> Problem:
    return make_problem("scheme", ProblemCode.INVALID_FORMAT, value=value, label="coding scheme",
                        label_zh="编码方案", hint="level lengths such as 2-2-2", hint_zh="如2-2-2的各级长度")


def _labels(kind: str, code: str) -> dict[str, Any]:
    en, zh = _NOUNS.get(kind, (kind, kind))
    return {"label": f"{en} code {code!r}", "label_zh": f"{zh}编码“{code}”"}


class ClassificationTree:
    """An immutable tree of coded, named nodes (客户分类, 地区, 行业).

    ``kind`` (``category``, ``region`` or ``industry``) only words the problems.
    Build one with :meth:`from_pairs` or :meth:`from_mapping`; a bad tree raises
    :class:`TreeError` listing every problem.
    """

    __slots__ = ("_children", "_names", "kind", "scheme")

    scheme: CodeScheme
    kind: str

    def __init__(
        self,
        scheme: str | Sequence[int] | CodeScheme,
        nodes: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        *,
        kind: str = "category",
    ) -> None:
        self.scheme = CodeScheme.parse(scheme)
        self.kind = kind
        pairs = list(nodes.items()) if isinstance(nodes, Mapping) else list(nodes)
        names, problems = self._collect(pairs)
        if problems:
            raise TreeError(problems)
        self._names: Mapping[str, str] = MappingProxyType(dict(sorted(names.items())))
        children: dict[str | None, list[str]] = {}
        for code in self._names:
            children.setdefault(self.scheme.parent_of(code), []).append(code)
        self._children: Mapping[str | None, tuple[str, ...]] = MappingProxyType(
            {k: tuple(v) for k, v in children.items()}
        )

    def _collect(self, pairs: list[Any]) -> tuple[dict[str, str], list[Problem]]:
        names: dict[str, str] = {}
        problems: list[Problem] = []
        allowed = ", ".join(str(n) for n in self.scheme.totals)
        for i, pair in enumerate(pairs):
            path = f"{self.kind}[{i}]"
            if not (isinstance(pair, tuple | list) and len(pair) == 2):
                problems.append(make_problem(path, ProblemCode.INVALID_FORMAT, value=pair,
                                             label=f"{self.kind} entry {i}", label_zh=f"第{i + 1}项",
                                             hint="a (code, name) pair", hint_zh="应为（编码，名称）"))
                continue
            raw_code, raw_name = pair
            code = normalise_node_code(raw_code) if isinstance(raw_code, str) else ""
            name = nfkc(raw_name).strip() if isinstance(raw_name, str) else ""
            labels = _labels(self.kind, code or str(raw_code))
            if not _NODE_CHARS.fullmatch(code):
                problems.append(make_problem(f"{path}.code", ProblemCode.INVALID_FORMAT, value=raw_code,
                                             hint="letters A-Z and digits only",
                                             hint_zh="只能包含字母A-Z和数字", **labels))
                continue
            if self.scheme.level_of(code) is None:
                problems.append(make_problem(f"{path}.code", ProblemCode.INVALID_LENGTH, value=raw_code,
                                             hint=f"scheme {self.scheme} allows lengths {allowed}",
                                             hint_zh=f"编码方案{self.scheme}允许的长度为{allowed}", **labels))
                continue
            if code in names:
                problems.append(make_problem(f"{path}.code", ProblemCode.DUPLICATE_CODE, value=raw_code,
                                             hint="listed twice", hint_zh="重复出现", **labels))
                continue
            if not name:
                problems.append(make_problem(f"{path}.name", ProblemCode.REQUIRED, value=raw_name,
                                             label=f"name of {code}", label_zh=f"{code}的名称"))
            names[code] = name
        for i, pair in enumerate(pairs):
            if not (isinstance(pair, tuple | list) and len(pair) == 2 and isinstance(pair[0], str)):
                continue
            code = normalise_node_code(pair[0])
            parent = self.scheme.parent_of(code)
            if code in names and parent is not None and parent not in names:
                problems.append(make_problem(f"{self.kind}[{i}].code", ProblemCode.INVALID_CODE,
                                             value=pair[0], hint=f"its parent {parent} is not in the tree",
                                             hint_zh=f"上级编码{parent}不存在", **_labels(self.kind, code)))
        return names, problems

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_pairs(
        cls,
        pairs: Iterable[tuple[str, str]],
        scheme: str | Sequence[int] | CodeScheme,
        *,
        kind: str = "category",
    ) -> ClassificationTree:
        """A tree from ``(code, name)`` pairs in any order."""
        return cls(scheme, pairs, kind=kind)

    @classmethod
    def from_mapping(
        cls, nested: Mapping[str, Any], scheme: str | Sequence[int] | CodeScheme, *, kind: str = "category"
    ) -> ClassificationTree:
        """A tree from a nested mapping of code to node.

        A node is a name (a leaf), a ``(name, children)`` pair, or a mapping with
        ``name`` and optional ``children``; children codes are full codes that
        extend their parent's.
        """
        pairs: list[tuple[str, str]] = []
        problems: list[Problem] = []

        def walk(level: Mapping[str, Any], parent: str | None) -> None:
            for code, node in level.items():
                name, children = _split_node(node)
                key = normalise_node_code(code) if isinstance(code, str) else str(code)
                if parent is not None and not (key.startswith(parent) and len(key) > len(parent)):
                    problems.append(make_problem(f"{kind}.{key}", ProblemCode.INVALID_CODE, value=code,
                                                 hint=f"a child of {parent} must extend its code",
                                                 hint_zh=f"{parent}的下级编码应以{parent}开头",
                                                 **_labels(kind, key)))
                pairs.append((code, name))
                if children is not None:
                    if isinstance(children, Mapping):
                        walk(children, key)
                    else:
                        problems.append(make_problem(f"{kind}.{key}.children", ProblemCode.INVALID_FORMAT,
                                                     value=children, label=f"children of {key}",
                                                     label_zh=f"{key}的下级", hint="a mapping",
                                                     hint_zh="应为映射"))

        walk(nested, None)
        try:
            tree = cls(scheme, pairs, kind=kind)
        except TreeError as exc:
            raise TreeError([*problems, *exc.problems]) from None
        if problems:
            raise TreeError(problems)
        return tree

    # -- CodeTree protocol ----------------------------------------------------------------------

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and normalise_node_code(code) in self._names

    def is_leaf(self, code: str) -> bool:
        """True for a node without children; False for an unknown code."""
        key = normalise_node_code(code)
        return key in self._names and key not in self._children

    # -- queries --------------------------------------------------------------------------------

    def _key(self, code: str) -> str:
        key = normalise_node_code(code)
        if key not in self._names:
            raise UnknownNodeError(f"{code!r} is not a {self.kind} code of this tree")
        return key

    def __iter__(self) -> Iterator[str]:
        """Codes in depth-first order (a parent before its children)."""
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ClassificationTree):
            return NotImplemented
        return (self.scheme, self.kind, dict(self._names)) == (other.scheme, other.kind, dict(other._names))

    def __hash__(self) -> int:
        return hash((self.scheme, self.kind, frozenset(self._names.items())))

    def __repr__(self) -> str:
        return f"ClassificationTree({str(self.scheme)!r}, {len(self)} nodes, kind={self.kind!r})"

    def name(self, code: str) -> str:
        """The name of a node."""
        return self._names[self._key(code)]

    def names(self) -> Mapping[str, str]:
        """Every code with its name, parents first."""
        return self._names

    def level(self, code: str) -> int:
        """The level of a node, 1 for the top."""
        level = self.scheme.level_of(self._key(code))
        assert level is not None  # every stored code fits the scheme
        return level

    def parent(self, code: str) -> str | None:
        """The parent's code, None at the top."""
        return self.scheme.parent_of(self._key(code))

    def children(self, code: str | None = None) -> tuple[str, ...]:
        """Direct children of a node; the top-level codes when ``code`` is None."""
        key = None if code is None else self._key(code)
        return self._children.get(key, ())

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Parent, grandparent, ... up to the top (nearest first)."""
        out: list[str] = []
        parent = self.parent(code)
        while parent is not None:
            out.append(parent)
            parent = self.scheme.parent_of(parent)
        return tuple(out)

    def path(self, code: str) -> tuple[str, ...]:
        """Codes from the top down to ``code`` itself."""
        key = self._key(code)
        return (*reversed(self.ancestors(key)), key)

    def path_names(self, code: str) -> tuple[str, ...]:
        """Names from the top down to ``code``."""
        return tuple(self._names[c] for c in self.path(code))

    def full_name(self, code: str, sep: str = " / ") -> str:
        """The path names joined: ``华东 / 江苏 / 苏州``."""
        return sep.join(self.path_names(code))

    def descendants(self, code: str) -> tuple[str, ...]:
        """Every node below ``code`` (depth first)."""
        key = self._key(code)
        return tuple(c for c in self._names if c != key and c.startswith(key))

    def leaves(self) -> tuple[str, ...]:
        """Codes without children."""
        return tuple(c for c in self._names if c not in self._children)

    def to_pairs(self) -> list[tuple[str, str]]:
        """``(code, name)`` pairs, parents first: ``from_pairs`` rebuilds the tree."""
        return list(self._names.items())

    def to_mapping(self) -> dict[str, Any]:
        """A nested mapping of the form :meth:`from_mapping` reads (leaves as plain names)."""

        def node(code: str) -> Any:
            kids = self._children.get(code)
            if not kids:
                return self._names[code]
            return {"name": self._names[code], "children": {k: node(k) for k in kids}}

        return {code: node(code) for code in self._children.get(None, ())}

    # -- edits (each returns a new tree) -------------------------------------------------------

    def with_node(self, code: str, name: str) -> ClassificationTree:
        """A copy with a node added, or renamed when the code exists."""
        names = dict(self._names)
        names[normalise_node_code(code)] = name
        return ClassificationTree(self.scheme, names, kind=self.kind)

    def without(self, code: str) -> ClassificationTree:
        """A copy without a leaf node (removing a parent would orphan its children)."""
        key = self._key(code)
        if not self.is_leaf(key):
            raise TreeError([make_problem(f"{self.kind}.{key}", ProblemCode.NOT_LEAF_CATEGORY, value=key,
                                          hint="remove its children first", hint_zh="请先删除其下级",
                                          **_labels(self.kind, key))])
        return ClassificationTree(self.scheme, {c: n for c, n in self._names.items() if c != key},
                                  kind=self.kind)


def _split_node(node: Any) -> tuple[Any, Any]:
    if isinstance(node, Mapping):
        return node.get("name"), node.get("children")
    if isinstance(node, tuple | list) and len(node) == 2:
        return node[0], node[1]
    return node, None

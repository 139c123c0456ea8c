"""The import graph of custrecord: no circles, and no lower layer importing an upper one.

The graph holds module-level imports only (imports under ``if TYPE_CHECKING:`` and inside functions are
left out: they do not run when a module loads). It is built from the source with ``ast``, so nothing is
imported to check it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "custrecord"

#: Packages and modules that the book, the file formats and the CLI are built on: none of them may
#: import those upper layers.
LOWER = (
    "model",
    "problems",
    "fields",
    "parse",
    "validation",
    "codes",
    "credit",
    "classification",
    "permissions",
    "storage",
    "matching",
)
UPPER = ("book", "cli", "io")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module loads (not in functions, classes' methods or
    ``if TYPE_CHECKING:`` blocks)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _top_level_imports(node.body)
            yield from _top_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _top_level_imports(block)
        elif isinstance(node, ast.ClassDef):
            yield from _top_level_imports(node.body)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph() -> dict[str, set[str]]:
    """Each custrecord module -> the custrecord modules it imports when it loads."""
    files = {_module_name(p): p for p in (SRC / PACKAGE).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in _top_level_imports(tree.body):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                target = _resolve(name, is_package, node)
                # ``from package import module`` imports the submodule.
                targets = [
                    f"{target}.{alias.name}" if f"{target}.{alias.name}" in files else target
                    for alias in node.names
                ]
            for target in targets:
                if target in files and target != name:
                    graph[name].add(target)
                # Importing a.b.c loads the packages a and a.b first (the importer's own are loaded).
                parts = target.split(".")
                for end in range(1, len(parts)):
                    package = ".".join(parts[:end])
                    if package in files and package != name and not name.startswith(package + "."):
                        graph[name].add(package)
    return graph


def deferred_imports() -> set[tuple[str, str]]:
    """(module, imported custrecord module) for each import inside a function."""
    found = set()
    for path in (SRC / PACKAGE).rglob("*.py"):
        name = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    targets = [_resolve(name, path.name == "__init__.py", node)]
                else:
                    continue
                found.update((name, t) for t in targets if t.split(".")[0] == PACKAGE)
    return found


#: Imports inside functions that are meant to stay there: each guards an optional extra.
OPTIONAL_EXTRAS = {
    ("custrecord.storage", "custrecord.storage.sql"),  # SQLAlchemy
}
#: Left inside functions for now, in modules the rest of issue 13 rewrites.
NOT_YET_MOVED = {
    ("custrecord.matching.features", "custrecord.identifiers.uscc"),
    ("custrecord.matching.features", "custrecord.parse"),
    ("custrecord.matching.features", "custrecord.validation.taxid"),
    ("custrecord.matching.matcher", "custrecord.errors"),
    ("custrecord.matching.normalize", "custrecord.validation.contact"),
    ("custrecord.matching.quality", "custrecord.convert"),
    ("custrecord.matching.quality", "custrecord.validation.engine"),
    ("custrecord.testing.kit", "custrecord.testing.machine"),
}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a list of modules (first == last), or None."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = grey
        stack.append(node)
        for nxt in sorted(graph[node]):
            if colour[nxt] == grey:
                return [*stack[stack.index(nxt) :], nxt]
            if colour[nxt] == white and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        colour[node] = black
        return None

    for start in sorted(graph):
        if colour[start] == white and (found := visit(start)) is not None:
            return found
    return None


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_import_graph_has_no_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_lower_layers_do_not_import_the_book_files_or_cli() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        if _layer(module) in LOWER
        for target in targets
        if _layer(target) in UPPER
    )
    assert not wrong, "\n".join(wrong)


def test_imports_of_custrecord_modules_sit_at_module_top() -> None:
    inside = deferred_imports() - OPTIONAL_EXTRAS - NOT_YET_MOVED
    assert not inside, "imports inside functions: " + ", ".join(f"{m} -> {t}" for m, t in sorted(inside))


def test_the_graph_sees_real_edges() -> None:
    """Guards the checker itself: a known import must be in the graph."""
    graph = import_graph()
    assert f"{PACKAGE}.storage.values" in graph[f"{PACKAGE}.storage.memory"]
    assert f"{PACKAGE}.model" in graph[f"{PACKAGE}.storage.memory"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]

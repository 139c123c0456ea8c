"""The reference pages list exactly the fields and problem codes the code has, so docs never drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from custrecord.fields import FIELDS
from custrecord.problems import MESSAGES, ProblemCode

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference"
CELL = re.compile(r"`([^`]+)`")


def section(text: str, heading: str) -> str:
    """The body of the ``## heading`` section (up to the next ``## ``)."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the markdown tables in ``text``, as lists of stripped cells."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        # "\|" inside a cell is an escaped bar, not a cell boundary.
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        rows.append(cells)
    return rows[1:]  # without the header row


@pytest.fixture(scope="module")
def fields_page() -> str:
    return (REFERENCE / "fields.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def problems_page() -> str:
    return (REFERENCE / "problems.md").read_text(encoding="utf-8")


def test_fields_table_lists_exactly_the_catalogue(fields_page: str) -> None:
    rows = table_rows(section(fields_page, "Fields"))
    documented = [(CELL.fullmatch(r[0]), CELL.fullmatch(r[1]), r[2]) for r in rows]
    assert all(path and column for path, column, _ in documented), "path and column cells are `code`"
    listed = [(p[1], c[1], zh) for p, c, zh in documented if p and c]
    assert listed == [(f.path, f.column, f.zh) for f in FIELDS]


def test_every_field_has_a_type_and_rules(fields_page: str) -> None:
    for row in table_rows(section(fields_page, "Fields")):
        assert len(row) == 5, row
        assert row[3], f"{row[0]} has no type"
        assert row[4], f"{row[0]} has no rules"


def test_problem_sections_are_exactly_the_codes(problems_page: str) -> None:
    headings = re.findall(r"^### `([a-z_]+)`$", problems_page, flags=re.M)
    assert sorted(headings) == sorted(c.value for c in ProblemCode)
    assert len(headings) == len(set(headings)), "a code is documented twice"


def test_summary_table_lists_exactly_the_codes(problems_page: str) -> None:
    rows = table_rows(section(problems_page, "Summary"))
    codes = [CELL.fullmatch(r[0]) for r in rows]
    assert all(codes)
    assert sorted(c[1] for c in codes if c) == sorted(c.value for c in ProblemCode)
    for row in rows:
        assert row[1].split()[0] in ("error", "warning"), row
        assert row[2], row


@pytest.mark.parametrize("code", [c.value for c in ProblemCode])
def test_each_code_documents_its_message_templates(problems_page: str, code: str) -> None:
    start = problems_page.index(f"\n### `{code}`\n")
    end = problems_page.find("\n#", start + 1)
    body = problems_page[start:end]
    assert code in MESSAGES, f"{code} has no message templates"
    en, zh = MESSAGES[code]
    assert f"`{en}`" in body, f"{code}: English template differs from MESSAGES"
    assert f"`{zh}`" in body, f"{code}: Chinese template differs from MESSAGES"
    for part in ("**When:**", "**Default severity:**", "**Messages:**", "```pycon"):
        assert part in body, f"{code}: {part} missing"


def test_other_headers_table_lists_exactly_the_aliases(fields_page: str) -> None:
    rows = table_rows(section(fields_page, "Other accepted headers"))
    documented = {path.strip("`"): [a.strip() for a in aliases.split(",")]
                  for aliases, path in rows}
    assert documented == {f.path: list(f.aliases) for f in FIELDS if f.aliases}

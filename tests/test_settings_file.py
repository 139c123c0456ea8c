from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from custrecord.settings_file import SettingsError, load_settings

FULL = """
profile = "yonyou"
check_organization_code = true
custom_fields = ["erp_id"]
require_approval = true
duplicate_tax_id = "error"
duplicate_phone = "error"

[required]
enterprise = ["tax_id"]

[code_rule]
template = "{category}{seq:4}"
allow_manual = false

[categories]
scheme = "2-2"
nodes = { "01" = "经销商", "0101" = "一级经销商" }

[credit]
default_grade = "C"
[credit.grades.A]
limit = "2000000"
days = 60
[credit.grades.C]
limit = "100000"
"""


def test_full_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(FULL, encoding="utf-8")
    s = load_settings(path)
    assert s.profile.name == "yonyou"
    assert s.profile.check_organization_code
    assert s.profile.custom_fields == frozenset({"erp_id"})
    assert s.require_approval
    assert s.duplicate_phone == "error"
    assert s.code_rule.template == "{category}{seq:4}"
    assert not s.code_rule.allow_manual
    assert s.code_rule.max_length == 20  # yonyou codes
    assert s.profile.categories is not None
    assert s.profile.categories.is_leaf("0101")
    assert s.profile.grades == frozenset({"A", "C"})
    assert s.credit_policy.grades["A"].limit == Decimal("2000000")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('profle = "x"', "unknown key(s) profle"),
        ('profile = "nope"', "unknown profile 'nope'"),
        ("require_approval = 1", "require_approval must be true or false"),
        ('[code_rule]\ntemplate = "C{seq}"', "code_rule"),
        ('[categories]\nscheme = "2-2"\nnodes = { "0101" = "orphan" }', "categories"),
        ('duplicate_phone = "maybe"', "error or warning"),
        ('duplicate_tax_id = "warning"', "duplicate_tax_id can only be error, not 'warning'"),
        ("duplicate_tax_id = 1", "duplicate_tax_id must be error"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_bad_files_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=r"bad\.toml") as info:
        load_settings(path)
    assert message in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "none.toml")

"""The package surface: sorted __all__, lazy extras, py.typed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import custrecord


def test_all_is_sorted_and_resolvable() -> None:
    assert custrecord.__all__ == sorted(custrecord.__all__)
    for name in custrecord.__all__:
        assert getattr(custrecord, name) is not None, name


def test_import_stays_light() -> None:
    code = (
        "import sys, custrecord; "
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('cattrs', 'sqlalchemy', 'openpyxl', 'rich', 'rapidfuzz', 'hypothesis', 'psycopg', 'pymysql', "
        "'pandas', 'phonenumbers', 'stdnum', 'charset_normalizer')]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_conversion_loads_cattrs_on_first_use() -> None:
    code = (
        "import sys, custrecord; before = 'cattrs' in sys.modules; "
        "data = custrecord.unstructure(custrecord.Customer(name='x', tags=frozenset({'b', 'a'}))); "
        "print(before, 'cattrs' in sys.modules, data['tags'], custrecord.load(data).name)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "['a',", "'b']", "x"]


def test_import_loads_only_the_model_and_the_errors() -> None:
    code = "import sys, custrecord; print(*sorted(m for m in sys.modules if m.startswith('custrecord')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["custrecord", "custrecord.errors", "custrecord.model"]


def test_open_in_memory_is_lazy_and_works() -> None:
    code = (
        "import sys, custrecord; book = custrecord.open(); book.add({'name': 'x'}); "
        "print(','.join(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'openpyxl', 'rich')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_py_typed_is_shipped() -> None:
    assert (Path(custrecord.__file__).parent / "py.typed").exists()


def test_validation_names_load_on_first_use() -> None:
    code = (
        "import sys, custrecord; from custrecord import Profile, structure; "
        "from custrecord.validation.engine import Context, Rule, validate; "
        "print(custrecord.Profile is Profile, custrecord.validate is validate, "
        "custrecord.Context is Context, structure({'name': 'x'}).name, 'phonenumbers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True", "x", "True"]


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        custrecord.no_such_thing  # noqa: B018

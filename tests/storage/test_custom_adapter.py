"""The custom adapter of docs/custom-adapter.md passes the kit and plugs into open_storage."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from custrecord.storage import Storage, open_storage, register_adapter
from custrecord.testing import StorageContract

from .dict_adapter import DictStorage, open_dict

DOC = Path(__file__).parents[2] / "docs" / "custom-adapter.md"


class TestDictStorage(StorageContract):
    @pytest.fixture
    def make_storage(self) -> Callable[[], Storage]:
        return DictStorage

    @pytest.fixture
    def writes_per_writer(self) -> int:
        return 100  # every unit copies the whole store: fine for an example, slow at scale


def test_registered_adapter_opens_by_url() -> None:
    register_adapter("dict", open_dict)
    assert isinstance(open_storage("dict://anything"), DictStorage)


def test_the_docs_show_this_very_adapter() -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    source = (Path(__file__).parent / "dict_adapter.py").read_text(encoding="utf-8")
    assert source in blocks

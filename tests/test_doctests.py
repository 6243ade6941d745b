"""The examples in docstrings run, as written (pytest collects tests/ only, so here)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import lumos

SRC = Path(lumos.__file__).resolve().parent
MODULES = sorted(
    "lumos." + ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
    for p in SRC.rglob("*.py")
    if ">>>" in p.read_text(encoding="utf-8")
)


def test_the_api_examples_are_collected() -> None:
    assert "lumos.api" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional extra (server, train) that is not installed
        pytest.skip(f"{name}: {exc}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False, report=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed (run it)"

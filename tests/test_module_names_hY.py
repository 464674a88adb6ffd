"""A module of functional/ or nn/ is reachable under its own name: a function of the same name
re-exported by the package hides it (`import tinygrad_dl.functional.embedding_bag as m` gave
the function F.embedding_bag, not the module), so the module is named after what it holds
(functional/embedding_bags.py) and the function keeps torch's name."""

from __future__ import annotations

import importlib
import types
from pathlib import Path

import pytest

import tinygrad_dl

ROOT = Path(tinygrad_dl.__file__).resolve().parent
# hidden by the function they hold, not renamed yet (conv1d and conv3d name a dimension, which
# tests/test_module_names_hV.py allows): listed so that a NEW hidden module still fails
PENDING: set[str] = set()


@pytest.mark.parametrize("package", ["functional", "nn"])
def test_no_module_is_hidden_by_a_name_of_its_package(package):
    pkg = importlib.import_module(f"tinygrad_dl.{package}")
    hidden = []
    for f in sorted((ROOT / package).glob("*.py")):
        if f.stem == "__init__":
            continue
        importlib.import_module(f"tinygrad_dl.{package}.{f.stem}")
        if not isinstance(getattr(pkg, f.stem), types.ModuleType):
            hidden.append(f"{package}/{f.name}")
    assert set(hidden) <= PENDING, hidden

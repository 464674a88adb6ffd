"""The suite runs with only the `dev` extra installed (the README's quick start) and with any
optional package missing (CI goes on when torch or ray cannot be installed): a test module
imports an optional package only in a way that skips without it (`pytest.importorskip`, or a
`try:` around the import). A bare top-level `import torch` stopped the whole run with a
collection error where torch was absent."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # (Python 3.11+; the package supports 3.10)
ROOT = Path(__file__).resolve().parents[1]
# what a test needs anyway: the dev extra (pytest, hypothesis, psutil...) and the package's
# own dependencies
REQUIRED_EXTRAS = ("dev", "testing")


def optional_modules() -> set[str]:
    """Import names of the optional extras' packages, and torch (the tests' optional oracle)."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    names = {"torch", "distributed", "material"}  # (dask[distributed]; mkdocs-material)
    for extra, reqs in extras.items():
        if extra in REQUIRED_EXTRAS:
            continue
        for req in reqs:
            dist = re.match(r"[A-Za-z0-9_.\-]+", req)[0]
            names.add(dist.lower().replace("-", "_"))
    return names


def bare_imports(tree: ast.Module, optional: set[str]) -> list[tuple[int, str]]:
    """(line, module) of each optional package imported at the top level of a module, outside
    a `try:` (statements inside `if`/`with` blocks at the top level count as top level)."""
    found: list[tuple[int, str]] = []

    def walk(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods = [node.module]
            else:
                if isinstance(node, (ast.If, ast.With)):
                    walk(node.body)
                    walk(getattr(node, "orelse", []))
                continue
            found.extend((node.lineno, m) for m in mods if m.split(".")[0] in optional)

    walk(tree.body)
    return found


def collected(f: Path) -> bool:
    """A file pytest imports: a test module or a conftest (tests/tutorials/scripts holds
    PyTorch's tutorial scripts, run by a test as they are, torch's name and all)."""
    return f.name == "conftest.py" or (f.name.startswith("test_") and f.suffix == ".py")


def test_the_optional_packages_are_known() -> None:
    optional = optional_modules()
    assert {"torch", "ray", "dask", "nbclient", "mkdocs"} <= optional
    assert not optional & {"numpy", "pytest", "hypothesis"}


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_no_test_module_imports_an_optional_package_without_a_skip() -> None:
    optional = optional_modules()
    bad = [f"{f.relative_to(ROOT)}:{line}: import {mod}"
           for f in sorted((ROOT / "tests").rglob("*.py")) if collected(f)
           for line, mod in bare_imports(ast.parse(f.read_text(), str(f)), optional)]
    assert not bad, ("import these with pytest.importorskip (or in a try:), so the suite runs "
                     "without them:\n" + "\n".join(bad))


@pytest.mark.parametrize("src, expected", [
    ("import torch\n", [(1, "torch")]),
    ("import numpy as np\nfrom torch import nn\n", [(2, "torch")]),
    ("import torch.autograd.functional as TF\n", [(1, "torch.autograd.functional")]),
    ("try:\n    import torch\nexcept ImportError:\n    torch = None\n", []),
    ("import pytest\ntorch = pytest.importorskip('torch')\n", []),
    ("def f():\n    import torch\n", []),  # (inside a test: skipped or failed there)
    ("if True:\n    import ray\n", [(2, "ray")]),
    ("from tinygrad_dl import torch_ref\nimport numpy\n", []),
])
def test_the_check_sees_a_bare_import_and_only_that(src: str, expected: list) -> None:
    assert bare_imports(ast.parse(src), {"torch", "ray"}) == expected

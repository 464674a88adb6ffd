"""tinygrad_dl/distributions/ reads as files named after what they hold (the style guide: "Files
of a few hundred lines at most, named after what they hold"): no module named after when it was
written (more_*, *_extra, misc, a digit), each module's docstring names the families it
defines, and each KL module's docstring names the families of the pairs it registers, so a
reader finds Laplace, Binomial or the KL of two Gammas by reading the file names and their
first lines."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from tinygrad_dl import distributions as D

PKG = Path(D.__file__).resolve().parent
MODULES = sorted(p for p in PKG.rglob("*.py"))
# names that say when a file was written, not what it holds
_UNNAMED = re.compile(r"(^|_)(more|extra|misc|other|new|stuff)($|_)|\d")


def _docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def _names(doc: str, name: str) -> bool:
    # "\bNormal" is not found in "LogNormal"; "MultivariateNormals" names MultivariateNormal
    return re.search(r"\b" + re.escape(name), doc) is not None


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_is_named_after_what_it_holds(path: Path) -> None:
    assert not _UNNAMED.search(path.stem), (
        f"distributions/{path.name}: name a module after what it holds (a family or a topic), "
        "not more/extra/misc or a number")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_has_a_docstring_and_at_most_600_lines(path: Path) -> None:
    assert _docstring(path), f"distributions/{path.name}: no module docstring"
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= 600, f"distributions/{path.name}: {n} lines (the hard limit is 600)"


def test_each_family_is_named_in_its_modules_docstring() -> None:
    families = [v for v in vars(D).values()
                if inspect.isclass(v) and issubclass(v, D.Distribution)]
    assert len(families) > 30
    missing = [f"{c.__name__} ({c.__module__})" for c in families
               if not _names(inspect.getmodule(c).__doc__ or "", c.__name__)]
    assert missing == []


def test_each_kl_pair_is_named_in_its_modules_docstring() -> None:
    registry = D.kl.__dict__["_KL_REGISTRY"]
    assert len(registry) >= 23
    missing = []
    for (p, q), fn in registry.items():
        doc = inspect.getmodule(fn).__doc__ or ""
        missing += [f"{c.__name__} in {fn.__module__}" for c in {p, q}
                    if not _names(doc, c.__name__)]
    assert missing == []

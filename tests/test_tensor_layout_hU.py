"""Tensor's method modules are named after what they hold (tinygrad_dl/tensor/): no method is
defined in two of the classes Tensor derives from (the MRO would pick one silently), and no
module is a grab-bag named after when it was written (torch_more, small_names, ...)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from tinygrad_dl.tensor import Tensor

# the package imported (tinygrad_dl.tensor the attribute is the function torch.tensor)
TENSOR_DIR = Path(sys.modules[Tensor.__module__].__file__).parent
# what every class has, not a method
_CLASS_MACHINERY = {"__module__", "__qualname__", "__doc__", "__slots__", "__dict__",
                    "__weakref__", "__firstlineno__", "__static_attributes__", "__annotations__"}


def test_no_method_name_is_defined_in_two_of_tensors_classes() -> None:
    owners: dict[str, list[str]] = {}
    for cls in Tensor.__mro__[:-1]:  # (Tensor itself too: its own method would shadow a base's)
        for name in vars(cls):
            if name not in _CLASS_MACHINERY:
                owners.setdefault(name, []).append(f"{cls.__module__}.{cls.__qualname__}")
    twice = {n: c for n, c in owners.items() if len(c) > 1}
    assert twice == {}, f"defined in more than one of Tensor's classes: {twice}"


def test_tensor_modules_are_named_after_a_topic() -> None:
    bad = re.compile(r"more|extra|misc|names|small|\d|^torch_")
    offenders = sorted(p.name for p in TENSOR_DIR.glob("*.py") if bad.search(p.stem))
    assert offenders == [], f"tensor/ modules named after no topic: {offenders}"


def test_every_tensor_module_says_what_it_holds() -> None:
    """Each module opens with a docstring; each method class it defines is a base of Tensor."""
    bases = {(c.__module__, c.__name__) for c in Tensor.__mro__[1:-1]}
    for path in sorted(TENSOR_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path.name}: no module docstring"
        mod = "tinygrad_dl.tensor" + ("" if path.stem == "__init__" else f".{path.stem}")
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name.endswith("Methods"):
                assert (mod, node.name) in bases, f"{mod}.{node.name} is not a base of Tensor"

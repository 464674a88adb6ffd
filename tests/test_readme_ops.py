"""The docs' detect_anomaly example (docs/engine.md) and "Testing your own op" example
(docs/testing-your-op.md) run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
TEXT = "".join((DOCS / page).read_text(encoding="utf-8") for page in ("engine.md",
                                                                     "testing-your-op.md"))
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)


def block(marker: str) -> str:
    found = [b for b in BLOCKS if marker in b]
    assert len(found) == 1, f"expected one python block with {marker!r} in the docs"
    return found[0]


def test_testing_your_own_op_example_runs_and_catches_a_wrong_backward():
    code = block("from tinygrad_dl.testing import")
    namespace: dict = {}
    exec(compile(code, "<readme-testing>", "exec"), namespace)  # runs test_cube() itself
    wrong = code.replace("grad * 3 * ctx.saved[0] ** 2", "grad * 2 * ctx.saved[0] ** 2")
    with pytest.raises(AssertionError, match=r"max relative error .* analytic .* numeric"):
        exec(compile(wrong, "<readme-testing-wrong>", "exec"), {})


def test_detect_anomaly_example_points_at_its_line_7():
    code = block("detect_anomaly()")
    namespace: dict = {}
    exec(compile(code, "<readme>", "exec"), namespace)  # its printed line: tests/test_readme.py
    assert namespace["message"].endswith("; the op was created at <readme>:7: ")
    assert code.splitlines()[6].strip() == "y = (x * 2).log()"  # what the docs say line 7 is

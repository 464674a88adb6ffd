"""Tutorial-style scripts of our own (tests/tutorials/scripts/, written for this test: PyTorch's
are not copied here, see test_upstream_tutorials.py), each a PyTorch program that uses the
spellings PyTorch's tutorials use: run on torch and, with only the import lines changed, on
tinygrad_dl, they must print the same numbers to 1e-5. Skipped without torch."""

from __future__ import annotations

from pathlib import Path

import pytest
from tutorial_harness import compare, numbers, printed, run, to_tinygrad

SCRIPTS = sorted((Path(__file__).resolve().parent / "scripts").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_script_prints_torchs_numbers(path):
    pytest.importorskip("torch")
    src = path.read_text(encoding="utf-8")
    assert "tinygrad_dl" not in src  # a PyTorch program: only the harness changes its imports
    theirs = run(src, path.name, "torch")
    ours = run(src, path.name, "tinygrad_dl")
    assert len(numbers(theirs)) >= 10  # it printed something worth comparing
    compare(ours, theirs)


def test_only_import_lines_change():
    src = "import torch\nfrom torch import nn\nx = torch.zeros(2)  # import torch\n"
    assert to_tinygrad(src) == ("import tinygrad_dl as torch\nfrom tinygrad_dl import nn\n"
                                "x = torch.zeros(2)  # import torch\n")


def test_printed_numbers_skip_annotations_and_respect_printed_precision():
    text = ("tensor([0.0193, 2.0000], dtype=torch.float32, grad_fn=<AddBackward0>) "
            "<Add op> layers.3.weight float64 1e-05")
    assert printed(text) == ["0.0193", "2.0000", "3", "1e-05"]
    compare("[0.01932374 2.]", "tensor([0.0193, 2.0000])")  # 4 printed decimals: within 5e-5
    with pytest.raises(AssertionError, match="differ"):
        compare("[0.01962374 2.]", "tensor([0.0193, 2.0000])")
    with pytest.raises(AssertionError, match="printed 1 numbers, torch printed 2"):
        compare("1.0", "1.0 2.0")

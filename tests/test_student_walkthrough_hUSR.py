"""A student's first hour, from a clean install: the slips a first course makes give one line
naming the op / flag and what was meant. A NumPy array or a number handed to a module or to a
user's `Function.apply` (it was "AttributeError: 'numpy.ndarray' object has no attribute
'requires_grad'", naming neither), a torch-style or typo'd flag (`--lr`, `--batch-size`,
`graph --lambda`: argparse's top-level "tinygrad-dl: error: unrecognized arguments" with the
main usage and no hint), and a docstring that the API pages rendered as a broken link."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
from oracle import one_line

from tinygrad_dl import Function, Tensor, cli, nn
from tinygrad_dl.functional import cross_entropy

ROOT = Path(__file__).resolve().parents[1]


class Twice(Function):
    def forward(ctx, x):
        return x * 2

    def backward(ctx, grad):
        return grad * 2


class Scaled(Function):
    def forward(ctx, x, s):
        return x * s

    def backward(ctx, grad):
        return grad, None


class Slip(Function):  # a user's forward with its own AttributeError
    def forward(ctx, x):
        return x.no_such_method()

    def backward(ctx, grad):
        return grad


# ---- a NumPy array or a number where a Tensor belongs -----------------------------------------
def test_a_module_called_on_a_numpy_array_names_the_op_the_input_and_the_fix():
    x = np.ones((4, 3))
    with pytest.raises(TypeError) as e:
        nn.Linear(3, 2)(x)
    one_line(e, "Linear: input 0 is a numpy.ndarray of shape (4, 3), not a Tensor", "Tensor(x)")
    with pytest.raises(TypeError) as e:
        nn.Sequential(nn.Linear(3, 5), nn.ReLU())(x)
    one_line(e, "input 0 is a numpy.ndarray", "not a Tensor")
    np.testing.assert_array_equal(nn.Linear(3, 2)(Tensor(x)).shape, (4, 2))  # (the fix works)


def test_a_users_function_applied_to_an_array_or_a_number_names_which_input():
    x = Tensor(np.arange(3.0), requires_grad=True)
    with pytest.raises(TypeError) as e:
        Twice.apply(np.arange(3.0))
    one_line(e, "Twice: input 0 is a numpy.ndarray of shape (3,), not a Tensor")
    with pytest.raises(TypeError) as e:
        Scaled.apply(x, 2.0)
    one_line(e, "Scaled: input 1 is a float, not a Tensor", "keyword")
    y = Twice.apply(x)  # tensors: as ever
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


def test_a_users_own_attribute_error_and_the_ops_own_messages_stay_as_they_were():
    with pytest.raises(AttributeError, match="no_such_method"):
        Slip.apply(Tensor(np.ones(2)))
    with pytest.raises(ValueError) as e:  # an op's own raise: as it is
        cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 3]))
    one_line(e, "cross_entropy: labels must be in [0, 3)")
    with pytest.raises(ValueError) as e:  # NumPy's, with the op and the shapes
        Tensor(np.ones((4, 3))) + Tensor(np.ones((4, 2)))
    one_line(e, "Add: cannot apply to shapes (4, 3) and (4, 2)")


# ---- a flag spelled as in PyTorch or with a typo -----------------------------------------------
@pytest.mark.parametrize("argv, said", [
    (["train", "one-layer", "--lr", "0.01"],
     "tinygrad-dl train: error: unrecognized arguments: --lr 0.01 (did you mean --eta?)"),
    (["train", "two-layer", "--batch-size", "10"], "--batch-size 10 (did you mean --n-batch?)"),
    (["train", "k-layer", "--epohcs", "3"], "--epohcs 3 (did you mean --epochs?)"),
    (["graph", "two-layer", "--weight-decay", "0.1"],  # (graph takes train's --lambda now)
     "tinygrad-dl graph: error: unrecognized arguments: --weight-decay 0.1 (did you mean "
     "--lambda?)"),
    (["report", "a1", "--qick"], "tinygrad-dl report: error: unrecognized arguments: --qick "
                                 "(did you mean --quick?)"),
    (["train", "k-layer", "--xyz", "3"], "tinygrad-dl train: error: unrecognized arguments: "
                                         "--xyz 3"),
])
def test_an_unknown_flag_is_named_by_its_command_with_the_flag_meant(argv, said, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.endswith(said), err
    assert f"usage: tinygrad-dl {argv[0]} " in err, err  # the command's usage, not the main one


# ---- the API pages: a docstring is Markdown -----------------------------------------------------
def test_no_docstring_holds_a_markdown_link_to_nowhere():
    """`MODELS[name](**config)` in models.build's docstring rendered on the API page as a link
    to "**config" (mkdocs: "unrecognized relative link"): code goes in backticks."""
    found = []
    for folder in ("tinygrad_dl", "models", "viz"):
        for f in sorted((ROOT / folder).rglob("*.py")):
            if folder == "tinygrad_dl" and f.relative_to(ROOT).parts[1] in ("models", "viz"):
                continue  # (the symlinks of a development checkout to the two folders)
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                         ast.AsyncFunctionDef)):
                    continue
                text = re.sub(r"`[^`]*`", "", ast.get_docstring(node) or "")
                for m in re.finditer(r"\[[^\]\n]*\]\(([^)\s]*)\)", text):
                    if not m[1].startswith(("http://", "https://", "#", "../")) and \
                            not m[1].partition("#")[0].endswith(".md"):
                        found.append(f"{f.relative_to(ROOT)}: {getattr(node, 'name', '')}: {m[0]}")
    assert not found, found


@pytest.mark.parametrize("shape, hint", [((5, 3072), "a flattened x? reshape it to (N, C, H, W)"),
                                         ((5, 32, 32, 3), "channels last? x.permute(0, 3, 1, 2)"),
                                         ((5, 4, 32, 32), None)])
def test_conv2d_given_a_flattened_or_channels_last_batch_says_which(shape, hint):
    """A CIFAR batch straight from the loader is (N, 3072) or (N, 32, 32, 3): the message said
    only "with the same C", which a 2-D x does not even have."""
    with pytest.raises(ValueError) as e:
        nn.Conv2d(3, 8, 3)(Tensor(np.zeros(shape)))
    one_line(e)
    text = str(e.value)
    assert f"got x {shape} and w (8, 3, 3, 3)" in text
    assert (hint in text) if hint else ("?" not in text)


@pytest.mark.parametrize("write, meant", [(lambda w: w.pow_(2), "`x = x ** y`"),
                                          (lambda w: w.sin_(), "`x = x.sin(...)`"),
                                          (lambda w: w[0:2].mul_(2), "`x = x * y`")])
def test_an_in_place_op_on_a_leaf_names_its_own_out_of_place_form(write, meant):
    """The leaf refusal suggested `w = w - x` for every op, pow_ and sin_ included."""
    w = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        write(w)
    one_line(e, "a leaf Variable", "no_grad()", meant)

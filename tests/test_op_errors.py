"""Issue 20, item 9: op errors name the op and the argument, and Function.apply lets an op's own
message through unchanged (it adds the op and the shapes only to NumPy's, e.g. broadcasting)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl.data import CharData
from tinygrad_dl.models import CharRNN
from tinygrad_dl.optim import AdaGrad
from tinygrad_dl.train.sequence import fit_rnn

A = tg.Tensor(np.ones((3, 4)))
X = tg.Tensor(np.ones((1, 2, 5, 5)))


@pytest.mark.parametrize("call, exc, message", [
    # before: "IndexError: index 5 is out of bounds for axis 0 with size 3" (no op, no shape)
    (lambda: A[5], IndexError, "getitem: index 5 is out of bounds for axis 0 with size 3 "
                               "(indexing a tensor of shape (3, 4) with 5)"),
    (lambda: A["x"], IndexError, "getitem: only integers"),
    (lambda: A[np.array([0, 7])], IndexError, "getitem: index 7 is out of bounds"),
    # before: "'float' object cannot be interpreted as an integer"
    (lambda: A.reshape(1.5), TypeError, "reshape: the new shape must be integers, got (1.5,)"),
    # before: "'int' object has no attribute 'replace'"
    (lambda: tg.einsum(5, A), TypeError, "einsum: the subscripts must be a str"),
    # before: "... 'ascii' codec can't encode character ..."
    (lambda: tg.einsum("i\u00e9,jk->ik", A, A), ValueError, "einsum: subscript '\u00e9'"),
    # before: "cannot reshape array of size 0 into shape (0,newaxis)"
    (lambda: F.conv2d(X, np.ones((0, 2, 3, 3))), ValueError,
     "conv2d: the weight (0, 2, 3, 3) has 0 filters"),
    # before: "Unable to allocate 175 TiB" (58 TiB for this input)
    (lambda: F.conv2d(X, np.ones((4, 2, 3, 3)), padding=10**6), ValueError,
     "conv2d: padding=1000000 is larger than"),
    # an op's own message, unchanged (before: "CrossEntropy: cannot apply to shapes (2, 3): ...")
    (lambda: F.cross_entropy(tg.Tensor(np.ones((2, 3))), np.array([0, 5])), ValueError,
     "cross_entropy: labels must be in [0, 3), got 0..5"),
    # NumPy's broadcasting error gets the op and the shapes
    (lambda: A + tg.Tensor(np.ones(5)), ValueError,
     "Add: cannot apply to shapes (3, 4) and (5,): operands could not be broadcast"),
])
def test_op_errors_name_the_op_and_argument(call, exc, message) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(exc) as e:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(e.value).startswith(message) and "\n" not in str(e.value), str(e.value)
    assert peak < 1 << 20  # refused before anything was allocated


def test_fit_rnn_names_the_text_it_was_given() -> None:
    """Before: "fit_rnn: the text has 1 characters" without the file."""
    chars = CharData("a", source="/data/tiny.txt")
    net = CharRNN(1, m=2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"fit_rnn: the text /data/tiny\.txt has 1 characters"):
        fit_rnn(net, chars, optimizer=AdaGrad(net.parameters(), lr=0.1), seq_length=5,
                n_updates=1, progress=False)

"""A skeptic's review of autograd.functional, the Dropout / bernoulli / randint_like / no-class
loss leftovers and special.gammainc / Gamma.cdf, against torch 2.13: each test failed before."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn
from tinygrad_dl.autograd import functional as AF
from tinygrad_dl.nn import functional as F

torch = pytest.importorskip("torch")  # (every test here compares with torch)
TF = pytest.importorskip("torch.autograd.functional")


@pytest.mark.parametrize("call", [
    lambda M, x: M.jacobian(lambda a: [a * 2], x),        # a list of outputs
    lambda M, x: M.jacobian(lambda a: a * 2, [x]),        # a list of inputs
    lambda M, x: M.vjp(lambda a: [a.sum()], x),
    lambda M, x: M.jvp(lambda a: a * 2, [x], [x]),
])
def test_lists_are_refused_as_torch(call):
    # before: a list was taken as a tuple, answering where torch raises
    with pytest.raises(TypeError):
        call(TF, torch.ones(1, dtype=torch.float64))
    with pytest.raises(TypeError, match="got a list") as e:
        call(AF, Tensor(np.ones(1)))
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("make", [lambda m: m.AlphaDropout(0.5, 1),
                                  lambda m: m.FeatureAlphaDropout(0.5, 1),
                                  lambda m: m.ReLU(1), lambda m: m.Hardtanh(-1, 1, 1),
                                  lambda m: m.ReLU(0)])
def test_inplace_given_as_0_or_1_is_torchs_bool_for_every_layer(make):
    # before: only the Dropout family read torch's inplace=1; the others refused it
    ours, theirs = make(nn), make(torch.nn)
    assert ours.inplace is bool(theirs.inplace)
    if ours.inplace and not isinstance(ours, (nn.AlphaDropout, nn.FeatureAlphaDropout)):
        x = Tensor(np.array([-2.0, 0.5]))
        assert ours(x) is x and x.data.tolist() == theirs(torch.tensor([-2.0, 0.5])).tolist()


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_k_dim_input_with_no_classes_is_refused_in_one_line_naming_the_loss(fn):
    # before: NumPy's reshape words ("Reshape: cannot apply to shapes (2, 3, 0)")
    with pytest.raises(ValueError) as e:
        getattr(F, fn)(Tensor(np.zeros((2, 0, 3))), np.zeros((2, 3), np.int64), ignore_index=0)
    msg = str(e.value)
    assert msg.startswith(f"{fn}: ") and "(2, 0, 3)" in msg and "no classes" in msg

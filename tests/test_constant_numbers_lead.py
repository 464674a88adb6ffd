"""A tensor that requires grad given where an op reads a plain number (leaky_relu's
negative_slope, elu's alpha): its gradient would be lost without a word (hLEFT3r found
`F.leaky_relu(x, s)` leaving s.grad None), so it is refused in one line, as torch refuses it;
a 0-d tensor that needs no gradient is still read as its number."""

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F

CALLS = {
    "F.leaky_relu": lambda x, s: F.leaky_relu(x, s),
    "F.leaky_relu keyword": lambda x, s: F.leaky_relu(x, negative_slope=s),
    "F.leaky_relu_": lambda x, s: F.leaky_relu_(x.detach().clone(), s),
    "x.leaky_relu": lambda x, s: x.leaky_relu(s),
    "F.elu": lambda x, s: F.elu(x, s),
    "x.elu": lambda x, s: x.elu(s),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_number_that_requires_grad_is_refused_in_one_line(name):
    x = tg.tensor([-1.0, 2.0], requires_grad=True)
    s = tg.tensor(0.1, requires_grad=True)
    with pytest.raises(TypeError, match=r"would lose its gradient") as e:
        CALLS[name](x, s).sum().backward()
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_0d_tensor_without_grad_is_its_number(name):
    x = tg.tensor([-1.0, 2.0], requires_grad=True)
    want = CALLS[name](x, 0.25)
    got = CALLS[name](x, tg.tensor(0.25))
    np.testing.assert_array_equal(got.data, want.data)

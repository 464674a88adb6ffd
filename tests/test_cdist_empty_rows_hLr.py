"""cdist / pdist of rows with no entries (M = 0) are 0 for every p >= 0, p = inf too, as
torch 2.13's: the inf norm's max over nothing was refused by vector_norm (whose refusal is
right for a norm, not for a distance of empty rows). And the refusal's advice for inf says a
finite ord (inf is >= 0)."""
import math

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("p", [0, 1, 2, 0.5, math.inf])
def test_cdist_of_empty_rows_is_zero_as_torchs(p):
    a, b = np.zeros((3, 0)), np.zeros((2, 0))
    want = torch.cdist(torch.tensor(a), torch.tensor(b), p).numpy()
    x = tg.Tensor(a, requires_grad=True)
    out = tg.cdist(x, tg.Tensor(b), p)
    np.testing.assert_array_equal(out.data, want)
    out.sum().backward()
    assert x.grad.shape == (3, 0)


@pytest.mark.parametrize("p", [0, 1, 2, math.inf])
def test_pdist_of_empty_rows_is_zero_as_torchs(p):
    want = torch.nn.functional.pdist(torch.zeros(3, 0, dtype=torch.float64), p).numpy()
    np.testing.assert_array_equal(F.pdist(tg.Tensor(np.zeros((3, 0))), p).data, want)


def test_the_inf_norm_over_an_empty_axis_says_a_finite_ord():
    with pytest.raises(ValueError, match=r"^vector_norm: the max of \|x\| over an empty axis .*"
                       "use a finite ord >= 0$"):
        tg.linalg.vector_norm(tg.Tensor(np.zeros((2, 0))), math.inf, dim=-1)
    np.testing.assert_array_equal(  # (and a non-empty cdist with inf as before)
        tg.cdist(tg.Tensor(np.array([[0.0, 3.0]])), tg.Tensor(np.array([[1.0, 1.0]])),
                 math.inf).data, [[2.0]])

"""cdist / pdist of rows of one entry (the p-norm of one difference, |a - b|, not the 0-norm
that rows of no entries take), cdist's refusal of a bool p (as pdist's), and logdet of a
singular matrix (-inf, as torch's, not NaN). Found by mutation testing (helper hM)."""
import math

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("p", [0.5, 1, 2, 3, math.inf])
def test_distances_of_one_entry_rows_are_torchs(p):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 1)), rng.standard_normal((4, 1))
    want = torch.cdist(torch.tensor(a), torch.tensor(b), p).numpy()
    np.testing.assert_allclose(F.cdist(tg.Tensor(a), tg.Tensor(b), p).data, want, rtol=1e-14)
    want = torch.nn.functional.pdist(torch.tensor(a), p).numpy()
    np.testing.assert_allclose(F.pdist(tg.Tensor(a), p).data, want, rtol=1e-14)


@pytest.mark.parametrize("fn", [lambda x, p: F.cdist(x, x, p), F.pdist], ids=["cdist", "pdist"])
def test_a_bool_p_is_refused(fn):
    with pytest.raises(ValueError, match=r"p must be a number >= 0, got True"):
        fn(tg.Tensor(np.ones((2, 3))), True)


def test_logdet_of_a_singular_matrix_is_minus_inf_as_torchs():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    x = tg.Tensor(np.stack([a, np.zeros((2, 2)), np.diag([-1.0, 1.0])]))
    want = torch.logdet(torch.tensor(x.data)).numpy()
    got = x.logdet().data
    assert want.tolist()[:2] == [-math.inf, -math.inf] and math.isnan(want[2])
    assert got[:2].tolist() == [-math.inf, -math.inf] and math.isnan(got[2])

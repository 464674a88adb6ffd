"""A vector norm with ord = nan: linalg.vector_norm(zeros(3, 0), nan, 1) gave [nan, nan, nan]
where torch 2.13 gives [0, 0, 0], and linalg.norm / F.normalize / dist / pairwise_distance
gave nan, while Tensor.norm, matrix_norm, cdist, pdist, renorm and clip_grad_norm_ refused
it. torch is no firmer ground: its vector_norm of zeros(2) with ord nan is nan but of
zeros(0) is 0 (every other ord >= 0 gives a zero vector and no entries the same 0), and its
matrix_norm, cdist, pdist and renorm refuse nan while vector_norm, norm, dist, normalize,
pairwise_distance and clip_grad_norm_ (which then writes nan into every .grad) take it. So nan
is refused at every norm entry point (VectorNorm's forward, where they all meet), in one line,
before any value is computed."""
import math

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F

torch = pytest.importorskip("torch")

NAN = math.nan
ENTRY_POINTS = {
    "linalg.vector_norm": lambda x: tg.linalg.vector_norm(x, NAN, -1),
    "linalg.vector_norm np.float32": lambda x: tg.linalg.vector_norm(x, np.float32("nan")),
    "linalg.norm": lambda x: tg.linalg.norm(x, NAN, -1),
    "x.norm": lambda x: x.norm(NAN, -1),
    "tg.norm": lambda x: tg.norm(x, NAN),
    "F.normalize": lambda x: F.normalize(x, NAN, -1),
    "dist": lambda x: tg.dist(x, tg.zeros_like(x), NAN),
    "x.dist": lambda x: x.dist(tg.zeros_like(x), NAN),
    "F.pairwise_distance": lambda x: F.pairwise_distance(x, tg.zeros_like(x), NAN),
}


def test_torch_is_inconsistent_about_a_nan_ord():
    n = math.nan
    assert torch.linalg.vector_norm(torch.zeros(3, 0), n, 1).tolist() == [0.0, 0.0, 0.0]
    assert math.isnan(torch.linalg.vector_norm(torch.zeros(2), n).item())
    assert torch.linalg.vector_norm(torch.zeros(2), 3.0).item() == 0.0
    with pytest.raises(RuntimeError):
        torch.linalg.matrix_norm(torch.ones(2, 2), n)
    with pytest.raises(RuntimeError):
        torch.cdist(torch.ones(2, 2), torch.ones(2, 2), n)


@pytest.mark.parametrize("name", ENTRY_POINTS)
@pytest.mark.parametrize("shape", [(3, 0), (2, 3), (0,), (4,)])
def test_a_nan_ord_is_refused_in_one_line_at_every_norm_entry_point(name, shape):
    x = tg.Tensor(np.ones(shape), requires_grad=True)
    want = (r"^norm\(p=nan\): p must be a number" if name in ("x.norm", "tg.norm") else  # (its
            r"^vector_norm \(linalg\.norm, dist, normalize, pairwise_distance\): "
            r"ord=nan is not a norm order \(input of shape \(")  # own, tests/test_norm.py's)
    with pytest.raises(ValueError, match=want) as e:
        ENTRY_POINTS[name](x)
    assert "\n" not in str(e.value)


def test_the_other_entry_points_still_refuse_and_numbers_still_work():
    x = tg.Tensor(np.ones((2, 2)))
    for call in (lambda: tg.linalg.matrix_norm(x, NAN), lambda: tg.cdist(x, x, NAN),
                 lambda: tg.pdist(x, NAN), lambda: x.renorm(NAN, 0, 1.0)):
        with pytest.raises(ValueError, match="nan"):
            call()
    for p in (0.5, 3.0, math.inf, 0):
        if p != math.inf:  # (the max over nothing: refused, as torch's)
            want = torch.linalg.vector_norm(torch.zeros(3, 0), p, 1).numpy()
            np.testing.assert_array_equal(tg.linalg.vector_norm(tg.zeros(3, 0), p, 1).data,
                                          want)
        np.testing.assert_allclose(x.norm(p, 1).data,
                                   torch.ones(2, 2, dtype=torch.float64).norm(p, 1).numpy())

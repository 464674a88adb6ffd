"""A vector norm with a negative ord over an empty axis: (sum of nothing)^(1/ord) gave inf
without a word (Tensor.norm, linalg.vector_norm, linalg.norm, F.normalize, dist, ...); torch
2.13 raises, as for inf / -inf (already refused). ord >= 0 over nothing is 0, as torch's.
Also cdist with a negative p, which torch refuses, gave numbers."""
import math

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F

torch = pytest.importorskip("torch")

ORDS = [2, 1, 0, 3, 0.5, -0.5, -1, -2, -3, math.inf, -math.inf]
SHAPES = [((0,), None), ((3, 0), 1), ((0, 3), 0), ((3, 0), None), ((2, 0, 3), (1, 2)),
          ((0, 3), 1)]


def _torch(f):
    try:
        return f().numpy()
    except (RuntimeError, IndexError):
        return "raises"


def _ours(f):
    try:
        return f().data
    except ValueError as e:
        assert "\n" not in str(e) and "empty axis" in str(e)
        return "raises"


@pytest.mark.parametrize("ord", ORDS)
@pytest.mark.parametrize("shape, dim", SHAPES)
def test_vector_norms_over_empty_axes_match_torch(shape, dim, ord):
    z = np.zeros(shape)
    for want, got in (
            (_torch(lambda: torch.linalg.vector_norm(torch.tensor(z), ord, dim)),
             _ours(lambda: tg.linalg.vector_norm(tg.Tensor(z), ord, dim))),
            (_torch(lambda: torch.tensor(z).norm(ord, dim)),
             _ours(lambda: tg.Tensor(z).norm(ord, dim)))):
        if isinstance(want, str):
            assert got == "raises"
        else:
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("ord", [-1, -2, -0.5])
def test_the_refusal_names_the_ord_and_the_shape(ord):
    with pytest.raises(ValueError, match=rf"^vector_norm: the {ord:g}-norm .* over an empty "
                       r"axis is undefined \(input of shape \(3, 0\)"):
        tg.linalg.norm(tg.Tensor(np.zeros((3, 0))), ord, 1)


@pytest.mark.parametrize("p", [-1, -2, 1, 2])
def test_normalize_and_dist_over_empty_axes_match_torch(p):
    z = np.zeros((3, 0))
    for want, got in (
            (_torch(lambda: torch.nn.functional.normalize(torch.tensor(z), p, 1)),
             _ours(lambda: F.normalize(tg.Tensor(z), p, 1))),
            (_torch(lambda: torch.dist(torch.tensor(z), torch.tensor(z), p)),
             _ours(lambda: tg.dist(tg.Tensor(z), tg.Tensor(z), p)))):
        if isinstance(want, str):
            assert got == "raises"
        else:
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])
@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0)])
def test_matrix_norms_of_empty_matrices_match_torch(shape, ord):
    z = np.zeros(shape)
    want = _torch(lambda: torch.linalg.matrix_norm(torch.tensor(z), ord))
    try:
        got = tg.linalg.matrix_norm(tg.Tensor(z), ord).data
    except ValueError:
        got = "raises"
    if isinstance(want, str):
        assert got == "raises"
    else:
        np.testing.assert_array_equal(got, want)


def test_cdist_refuses_a_negative_p_as_torch():
    x = tg.Tensor(np.ones((2, 3)))
    with pytest.raises(RuntimeError):
        torch.cdist(torch.ones(2, 3), torch.ones(2, 3), -1)
    with pytest.raises(ValueError, match=r"^cdist: p must be a number >= 0, got -1$"):
        tg.cdist(x, x, -1)
    np.testing.assert_array_equal(tg.cdist(x, x, 0).data, np.zeros((2, 2)))

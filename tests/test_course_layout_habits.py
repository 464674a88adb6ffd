"""The course writes X as d x n and Y as K x n (one column per sample); this library, like
PyTorch, takes one row per sample. The errors for the course's layout, and for class labels
given as a column, say which it is, not only that the shapes differ."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.functional import cross_entropy
from tinygrad_dl.models import OneLayer

RNG = np.random.default_rng(0)
X = RNG.standard_normal((5, 12))  # 5 samples of 12 features, as rows
Y = RNG.integers(0, 3, 5)


def test_the_courses_d_by_n_x_is_named_with_its_transpose() -> None:
    m = OneLayer(12, 3, lam=0.0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"expected X of shape \(n, 12\), one row per sample; "
                                         r"got \(12, 5\) \(the course's d x n, one column per "
                                         r"sample: pass X.T\)$"):
        m.loss(X.T, Y)
    with pytest.raises(ValueError, match=r"got \(5, 11\)$"):  # not the transpose: no hint
        m.loss(np.zeros((5, 11)), Y)
    assert np.isfinite(m.loss(X, Y).item())


def test_the_courses_k_by_n_one_hot_y_is_named_as_a_transpose() -> None:
    onehot = np.eye(3)[Y]
    with pytest.raises(ValueError, match=r"one-hot targets \(3, 5\) must match logits \(5, 3\) "
                                         r"\(one row per sample, one column per class: the "
                                         r"transpose of the course's K x n Y\?\)"):
        cross_entropy(Tensor(np.zeros((5, 3))), onehot.T)
    with pytest.raises(ValueError, match=r"one-hot targets \(5, 2\) must match logits \(5, 3\)$"):
        cross_entropy(Tensor(np.zeros((5, 3))), np.zeros((5, 2)))


def test_class_labels_as_a_column_are_named_as_such() -> None:
    """Before: 'one-hot targets (5, 1) must match logits (5, 3)', about one-hot rows the
    caller never gave."""
    with pytest.raises(ValueError, match=r"^cross_entropy: class labels of shape \(5, 1\), a "
                                         r"column: give them as \(5,\), e.g. y.ravel\(\)$"):
        cross_entropy(Tensor(np.zeros((5, 3))), Y[:, None])
    # one class: a column of ones is its one-hot rows, as before
    assert cross_entropy(Tensor(np.zeros((5, 1))), np.ones((5, 1), dtype=np.int64)).item() == 0.0

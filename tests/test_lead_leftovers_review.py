"""The lead's fixes of leftovers the reviews listed, against torch 2.13: each test failed before."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("x, y", [(1, 0), (True, False), (True, 0), (2**62, -1), (1, 0.5)])
def test_where_of_two_numbers_keeps_their_kind(x, y):
    # before: tg.where(c, 1, 0) was float64 (torch and NumPy: int64; two bools: bool)
    c = [True, False, True]
    got = tg.where(tg.tensor(c), x, y)
    want = torch.where(torch.tensor(c), x, y)
    assert got.dtype.kind == np.dtype(str(want.dtype).replace("torch.", "")).kind
    assert got.tolist() == want.tolist()
    assert np.where(c, x, y).dtype == got.dtype  # (NumPy's spelling agrees)


def test_a_stray_huge_label_is_refused_before_a_huge_confusion_plot():
    # before: plot_confusion_matrix without class names built 2**40 names and a 2**40 x 2**40
    # count matrix for one stray label: the process was killed for memory (a plots review
    # leftover); an ordinary label still plots
    from tinygrad_dl.viz import plot_confusion_matrix

    with pytest.raises(ValueError, match="labels go up to 1099511627776"):
        plot_confusion_matrix(np.array([0, 1, 2**40], np.float64), np.array([0, 1, 1]))
    fig = plot_confusion_matrix(np.array([0, 1, 50]), np.array([0, 1, 1]))
    assert fig.axes[0].images[0].get_array().shape == (51, 51)

"""Review of the in-place activations commit (helper hINPLr) against torch 2.13: F.threshold of
a float tensor compares in torch's dtype (float32 for float16, the tensor's own otherwise, a
NumPy scalar as a Python number) and keeps the tensor's dtype; an empty view of a leaf that
requires grad (`w[0:0]`, `w.T` of a (0, 3) w) is refused by `inplace=True` as any other view.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tests.oracle import one_line
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _both(x: np.ndarray, th, value, requires_grad: bool = False):
    """torch's and our threshold of x (a Python number to torch, `th` as given to ours)."""
    py = th.item() if isinstance(th, np.generic) else th
    pv = value.item() if isinstance(value, np.generic) else value
    xt = torch.tensor(x, requires_grad=requires_grad)
    xg = tg.tensor(x, requires_grad=requires_grad)
    return xt, TF.threshold(xt, py, pv), xg, F.threshold(xg, th, value)


@pytest.mark.parametrize("dt", ["float16", "float32", "float64"])
def test_threshold_compares_in_torchs_dtype_at_the_boundary_hINPLr(dt):
    """The entries beside the threshold's rounding, over 200 seeded thresholds each given as a
    Python float, np.float64 and np.float32: values and dtype torch's. Before, a float16 tensor
    compared with the threshold rounded to float16 (0.6914 > 0.6912 replaced) and a float32 one
    with an np.float64 threshold in float64."""
    rng = np.random.default_rng(7)
    bad = []
    for _ in range(200):
        th = float(rng.normal(0, 2))
        c = np.array(th, dtype=dt)
        x = np.array([np.nextafter(c, -np.inf), c, np.nextafter(c, np.inf), -np.inf, np.inf,
                      np.nan], dtype=dt)
        for kind in (float, np.float64, np.float32):
            _, want, _, got = _both(x, kind(th), -7.0)
            if got.dtype != x.dtype or not np.array_equal(want.numpy(), got.numpy(),
                                                            equal_nan=True):
                bad.append((dt, kind.__name__, th, want.numpy().tolist(), got.numpy().tolist()))
    assert not bad, bad[:3]


def test_threshold_float16_boundary_repro_hINPLr():
    x = np.array([0.69091796875, 0.69140625, 0.69189453125], dtype=np.float16)
    _, want, _, got = _both(x, 0.691168384129572, -7.0)
    np.testing.assert_array_equal(want.numpy(), [-7.0, 0.69140625, 0.69189453125])
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_threshold_numpy_scalar_float64_on_float32_and_its_gradient_hINPLr():
    x = np.array([0.1, 0.5, -1.0], dtype=np.float32)
    xt, want, xg, got = _both(x, np.float64(0.1), -1.0, requires_grad=True)
    np.testing.assert_array_equal(got.numpy(), want.detach().numpy())  # 0.1f <= 0.1f: -1
    want.sum().backward()
    got.sum().backward()
    np.testing.assert_array_equal(np.asarray(xg.grad), xt.grad.numpy())


@pytest.mark.parametrize("value", [np.int64(5), np.float32(2.5), np.float64(-1.5),
                                   np.int8(-3), np.float16(3.5)])
@pytest.mark.parametrize("dt", ["float16", "float32"])
def test_threshold_keeps_the_dtype_with_numpy_scalars_hINPLr(dt, value):
    """Before, NumPy's promotion made a float16 tensor's result float64 (np.int64(5))."""
    x = np.array([-1.0, 0.25, 3.0], dtype=dt)
    _, want, _, got = _both(x, np.float64(0.0), value)
    assert got.dtype == x.dtype == want.numpy().dtype
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_threshold_float16_threshold_past_float16_range_as_torch_hINPLr():
    """torch compares a float16 tensor in float32: 70000 is a threshold (inf stays inf);
    before, refused as past float16's range. 1e39 (past float32's) is refused by both."""
    x = np.array([1.0, np.inf, -np.inf, 60000.0], dtype=np.float16)
    _, want, _, got = _both(x, 70000.0, 0.0)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    np.testing.assert_array_equal(got.numpy(), [0.0, np.inf, 0.0, 0.0])
    with pytest.raises(RuntimeError):
        TF.threshold(torch.tensor(x), 1e39, 0.0)
    with pytest.raises(ValueError) as e:
        F.threshold(tg.tensor(x), 1e39, 0.0)
    one_line(e, "threshold: threshold 1e+39 cannot be converted to float32")
    with pytest.raises(ValueError):  # (the value is written in float16: refused by both)
        F.threshold(tg.tensor(x), 0.0, 70000.0)
    with pytest.raises(RuntimeError):
        TF.threshold(torch.tensor(x), 0.0, 70000.0)


_EMPTY_VIEWS = {
    "w[0:0]": ((2, 3), lambda w: w[0:0]),
    "w.T of (0, 3)": ((0, 3), lambda w: w.T),
    "w.reshape(-1) of (2, 0)": ((2, 0), lambda w: w.reshape(-1)),
    "w[0] of (2, 0)": ((2, 0), lambda w: w[0]),
}


@pytest.mark.parametrize("name", list(_EMPTY_VIEWS))
def test_inplace_refuses_an_empty_view_of_a_leaf_hINPLr(name):
    """torch refuses these as views of a leaf that requires grad; before, ours warned and
    returned a new tensor (np.may_share_memory is False for an empty array; `w[0:0]` was
    refused before the commit under review, by its GetItem)."""
    shape, view = _EMPTY_VIEWS[name]
    with pytest.raises(RuntimeError):
        TF.relu(view(torch.zeros(shape, requires_grad=True)), inplace=True)
    w = tg.zeros(shape, requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        F.relu(view(w), inplace=True)
    one_line(e, "F.relu(inplace=True): a view of a leaf Variable")


def test_inplace_on_empty_results_that_are_not_views_of_a_leaf_hINPLr():
    """Not false positives: an empty slice of an op's result, an empty advanced-index copy and
    an empty slice of a reshape copy are written (recorded, the input itself returned), as on
    any op's result and as torch writes them (until hINF: a new tensor and a warning)."""
    w = tg.zeros((2, 3), requires_grad=True)
    wt = torch.zeros((2, 3), requires_grad=True)
    for view in (lambda w: (w * 2)[0:0], lambda w: w[[]], lambda w: w.T.reshape(-1)[0:0]):
        vt = view(wt)
        assert TF.relu(vt, inplace=True) is vt
        v = view(w)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = F.relu(v, inplace=True)
        assert out is v and out.shape == v.shape
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e = tg.zeros((0, 3))  # (a tensor without grad: written, nothing to write)
        assert F.relu(e.T, inplace=True) is not None

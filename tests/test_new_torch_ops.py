"""F.embedding (and nn.Embedding's padding_idx), scatter_add / scatter / index_add, and
F.interpolate / nn.Upsample against torch's values and gradients in float64 (the op table adds
their finite-difference, float32 and edge rows); their refusals, each in one line."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
R = np.random.default_rng(7)


def _both(ours, theirs, *arrays, wrt=None):
    """Run both on float64 copies of `arrays` (the float ones require grad), backpropagate the
    same random cotangent, and compare the values (1e-12) and the gradients (1e-10)."""
    wrt = [a.dtype.kind == "f" for a in arrays] if wrt is None else wrt
    ts = [Tensor(a, requires_grad=w) for a, w in zip(arrays, wrt)]
    tts = [torch.tensor(a, requires_grad=bool(w)) for a, w in zip(arrays, wrt)]
    out, tout = ours(*ts), theirs(*tts)
    g = R.standard_normal(tout.shape)
    (out * Tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    for t, tt, w in zip(ts, tts, wrt):
        if w:
            np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12)
    return out


# ---- embedding ---------------------------------------------------------------------------------
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_is_torchs(padding_idx):
    w, idx = R.standard_normal((5, 3)), np.array([[0, 2, 4], [2, 2, 1]])
    _both(lambda w, i: F.embedding(i, w, padding_idx=padding_idx),
          lambda w, i: TF.embedding(i, w, padding_idx=padding_idx), w, idx)


def test_embedding_module_uses_padding_idx_as_torch():
    m = nn.Embedding(4, 3, padding_idx=1)
    assert (m.weight.data[1] == 0).all() and "padding_idx=1" in repr(m)
    m(np.array([1, 1, 3])).sum().backward()
    assert (m.weight.grad[1] == 0).all() and (m.weight.grad[3] == 1).all()


@pytest.mark.parametrize("bad, err, msg", [
    (np.array([5]), ValueError, r"indices must lie in \[0, 5\)"),
    (np.array([0.5]), TypeError, "indices must be integers"),
])
def test_embedding_refuses_in_one_line(bad, err, msg):
    with pytest.raises(err, match=msg) as e:
        F.embedding(bad, Tensor(np.ones((5, 2))))
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match="padding_idx must be"):
        F.embedding(np.array([0]), Tensor(np.ones((5, 2))), padding_idx=5)


# ---- scatter_add, scatter, index_add -----------------------------------------------------------
@pytest.mark.parametrize("dim, shape, index", [
    (0, (3, 4), [[0, 1, 2, 0], [2, 2, 1, 0]]),
    (1, (2, 5), [[0, 0, 4], [3, 1, 3]]),
    (-1, (2, 3, 4), [[[0, 3], [1, 1], [2, 0]], [[3, 3], [0, 1], [2, 2]]]),
])
def test_scatter_add_is_torchs(dim, shape, index):
    index = np.array(index)
    x, src = R.standard_normal(shape), R.standard_normal(index.shape)
    _both(lambda x, s: x.scatter_add(dim, index, s),
          lambda x, s: x.scatter_add(dim, torch.tensor(index), s), x, src)
    _both(lambda x, s: tg.scatter_add(x, dim, index, s),
          lambda x, s: torch.scatter_add(x, dim, torch.tensor(index), s), x, src)


def test_scatter_add_reads_the_index_corner_of_a_larger_src():
    """torch's forward reads only index's corner of src (its backward then fails on shapes)."""
    x, src, index = R.standard_normal((3, 4)), R.standard_normal((3, 5)), np.array([[2, 0]])
    out = Tensor(x).scatter_add(0, index, Tensor(src))
    want = torch.tensor(x).scatter_add(0, torch.tensor(index), torch.tensor(src))
    np.testing.assert_array_equal(out.data, want.numpy())
    s = Tensor(src, requires_grad=True)
    Tensor(x).scatter_add(0, index, s).sum().backward()
    expected = np.zeros((3, 5))
    expected[0, :2] = 1
    np.testing.assert_array_equal(s.grad, expected)


@pytest.mark.parametrize("dim, shape, index", [
    (0, (3, 4), [[0, 1, 2, 0], [2, 0, 1, 1]]),
    (1, (2, 5), [[0, 4, 2], [3, 1, 0]]),
])
def test_scatter_is_torchs(dim, shape, index):
    index = np.array(index)
    x, src = R.standard_normal(shape), R.standard_normal(index.shape)
    _both(lambda x, s: x.scatter(dim, index, s),
          lambda x, s: x.scatter(dim, torch.tensor(index), s), x, src)
    _both(lambda x: x.scatter(dim, index, 2.5),
          lambda x: x.scatter(dim, torch.tensor(index), 2.5), x)


@pytest.mark.parametrize("dim, index, alpha", [(0, [2, 0, 2], 1), (1, [3, 3], -0.5),
                                               (-1, [0], 2.0)])
def test_index_add_is_torchs(dim, index, alpha):
    index = np.array(index)
    x = R.standard_normal((3, 4))
    shape = list(x.shape)
    shape[dim] = len(index)
    src = R.standard_normal(shape)
    _both(lambda x, s: x.index_add(dim, index, s, alpha=alpha),
          lambda x, s: x.index_add(dim, torch.tensor(index), s, alpha=alpha), x, src)


def test_scatter_family_refuses_in_one_line():
    x, s = Tensor(np.zeros((2, 3))), Tensor(np.ones((2, 3)))
    cases = [
        (lambda: x.scatter(0, np.array([[1, 0, 0], [1, 1, 0]]), s), ValueError,
         "names one position twice"),
        (lambda: x.scatter_add(0, np.array([[2, 0, 0]]), s), IndexError, "out of bounds"),
        (lambda: x.scatter_add(0, np.array([[-1, 0, 0]]), s), IndexError, "out of bounds"),
        (lambda: x.scatter_add(0, np.array([0, 1]), s), ValueError, "same number of dims"),
        (lambda: x.scatter_add(0, np.array([[0.5]]), s), IndexError, "must hold integers"),
        (lambda: x.scatter(0, np.array([[0]]), s, reduce="add"), ValueError, "reduce="),
        (lambda: x.scatter_add(0, np.array([[0]]), s.astype(np.float32)), TypeError, "dtype"),
        (lambda: x.index_add(1, np.array([0, 1]), s), ValueError, "does not fit"),
        (lambda: x.index_add(1, np.array([[0]]), s), IndexError, "1-D integer"),
    ]
    for call, err, msg in cases:
        with pytest.raises(err, match=msg) as e:
            call()
        assert "\n" not in str(e.value)


def test_scatter_leaves_x_unchanged():
    x = Tensor(np.zeros((2, 2)))
    x.scatter_add(0, np.array([[1, 0]]), Tensor(np.ones((1, 2))))
    x.scatter(0, np.array([[1, 0]]), 3.0)
    assert (x.data == 0).all()


# ---- interpolate and Upsample ------------------------------------------------------------------
_SIZES = [dict(scale_factor=2), dict(scale_factor=1.5), dict(scale_factor=0.6),
          dict(scale_factor=3.3), dict(scale_factor=1.7, recompute_scale_factor=True)]


@pytest.mark.parametrize("shape", [(2, 3, 5), (1, 2, 4, 5), (2, 1, 3, 7)])
@pytest.mark.parametrize("kw", _SIZES + ["size"])
@pytest.mark.parametrize("mode, align", [("nearest", None), ("linear", False), ("linear", True)])
def test_interpolate_is_torchs(shape, kw, mode, align):
    if mode == "linear" and len(shape) == 4:
        mode = "bilinear"
    if kw == "size":
        kw = dict(size=(7, 2) if len(shape) == 4 else 9)
    x = R.standard_normal(shape)
    _both(lambda x: F.interpolate(x, mode=mode, align_corners=align, **kw),
          lambda x: TF.interpolate(x, mode=mode, align_corners=align, **kw), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nearest_index_rule_is_torchs_for_many_sizes(dtype):
    """The source index rounds as torch's kernel: 41 * (2 / 82) reads 1 and 26 / 1.7333...
    reads 15 (a plain float64 floor gave 0 and 14, float32 arithmetic 0)."""
    sizes = [(n_in, n_out) for n_in in range(1, 13) for n_out in range(1, 40)] + [(2, 82)]
    for n_in, n_out in sizes:
        x = np.arange(n_in).astype(dtype).reshape(1, 1, n_in)
        ours = F.interpolate(Tensor(x), size=n_out).data
        np.testing.assert_array_equal(ours, TF.interpolate(torch.tensor(x), size=n_out))
    scales = [(n, s) for n in range(1, 13) for s in (0.3, 0.5, 1.25, 2.0, 2.6, 3.0, 7.1)]
    for n_in, s in scales + [(20, 1.7333333333333336)]:
        if int(n_in * s) >= 1:
            x = np.arange(n_in).astype(dtype).reshape(1, 1, n_in)
            ours = F.interpolate(Tensor(x), scale_factor=s).data
            np.testing.assert_array_equal(ours,
                                          TF.interpolate(torch.tensor(x), scale_factor=s))


@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(size=(3, 5), mode="bilinear"),
                                dict(scale_factor=(1.5, 2), mode="bilinear",
                                     align_corners=True)])
def test_upsample_is_torchs(kw):
    x = R.standard_normal((2, 2, 3, 4))
    _both(nn.Upsample(**kw), torch.nn.Upsample(**kw), x)
    assert list(nn.Upsample(**kw).parameters()) == []


def test_interpolate_float32_stays_float32():
    # its own generator (the module's R gives each test the draws the tests before it left,
    # which xdist orders differently run to run), and an atol: a float32 blend of values near 1
    # that cancels to 3.5e-4 carries ~1e-8 of rounding (relative 2e-5 failed once)
    x = np.random.default_rng(7).standard_normal((1, 2, 3, 4)).astype(np.float32)
    out = F.interpolate(Tensor(x), scale_factor=2, mode="bilinear")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, TF.interpolate(torch.tensor(x), scale_factor=2,
                                                        mode="bilinear").numpy(),
                               rtol=1e-5, atol=1e-6)


def test_interpolate_refuses_in_one_line():
    x = Tensor(np.zeros((1, 1, 2, 2)))
    cases = [
        (lambda: F.interpolate(x, scale_factor=2, mode="lanczos"), "not supported"),
        (lambda: F.interpolate(x, scale_factor=2, mode="linear"), "takes a 3-D input"),
        (lambda: F.interpolate(x[0], scale_factor=2, mode="bilinear"), "takes a 4-D input"),
        (lambda: F.interpolate(x), "exactly one of size and scale_factor"),
        (lambda: F.interpolate(x, size=2, scale_factor=2), "exactly one"),
        (lambda: F.interpolate(x, size=(2, 0)), "positive integers"),
        (lambda: F.interpolate(x, scale_factor=0.1), "empty output"),
        (lambda: F.interpolate(x, scale_factor=2, align_corners=True), "align_corners"),
        (lambda: nn.Upsample(scale_factor=2, mode="box"), "not supported"),
    ]
    for call, msg in cases:
        with pytest.raises(ValueError, match=msg) as e:
            call()
        assert "\n" not in str(e.value)

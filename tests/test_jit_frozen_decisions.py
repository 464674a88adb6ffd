"""Decisions the library's Python took on tensor values, which a jit replay (it runs the
recorded ops, not the step's Python) froze: a step recorded on data A replayed on data B that
takes the other branch. Each must give eager's result on B (the same numbers, or the same
one-line error), or the recording must refuse to replay (it runs eagerly, with a warning).
Each test failed before its fix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, jit, nn


def _param() -> Tensor:
    return Tensor(np.linspace(-1.0, 1.0, 9).reshape(3, 3), requires_grad=True)


def _replaying(step, *args):
    """`jit(step)` recorded on args, checked to replay (no warning: not eager)."""
    j = jit.jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            j(*args)
    assert j.replays > 0
    return j


def _refused(step, *args):
    """`jit(step)` on args: it must refuse to replay, naming `how` in its warning."""
    j = jit.jit(step)
    with pytest.warns(RuntimeWarning, match="reads a value"):
        for _ in range(3):
            j(*args)
    assert j.replays == 0
    return j


# ---- checks that raise on bad values: re-run at every replay ----------------------------------
@pytest.mark.parametrize("flat", [False, True])
def test_gather_checks_each_replayed_index(flat):
    p = _param()

    def step(idx):
        (p.reshape(-1) if flat else p).gather(0 if flat else 1, idx).sum().backward()

    good, bad = (np.array([0, 4]), np.array([0, -1])) if flat else \
        (np.array([[0], [1], [2]]), np.array([[0], [-1], [2]]))
    j = _replaying(step, good)
    with pytest.raises(IndexError, match=r"gather: index -1 is out of bounds"):
        step(bad)  # eager
    with pytest.raises(IndexError, match=r"gather: index -1 is out of bounds .*"
                       + (r"index of shape \(2,\), dim 0" if flat else "dim 1")):
        j(bad)  # replayed: it wrapped to the last entry without a word
    p.grad = None
    j(good)  # and replays on
    np.testing.assert_array_equal(p.grad, np.eye(3)[[0, 1, 2]] if not flat else
                                  np.eye(9)[[0, 4]].sum(0).reshape(3, 3))


def test_gather_0d_and_errors_as_before():
    x = Tensor(np.arange(4.0), requires_grad=True)
    out = x.gather(0, Tensor(np.array(2)))
    assert out.shape == () and float(out) == 2.0
    with pytest.raises(IndexError, match=r"index 4 is out of bounds .*index of shape \(\), dim 0"):
        x.gather(0, np.array(4))
    with pytest.raises(IndexError, match="index must hold integers"):
        Tensor(np.ones((2, 2))).gather(1, np.zeros((2, 1)))
    with pytest.raises(ValueError, match="as many dims"):
        Tensor(np.ones((2, 2))).gather(1, np.zeros(2, np.int64))


def test_multihead_attention_is_causal_checks_each_replayed_mask():
    m = nn.MultiheadAttention(4, 2)
    x = np.random.default_rng(0).standard_normal((3, 1, 4))

    def step(x, mask):
        m(Tensor(x), Tensor(x), Tensor(x), attn_mask=mask, is_causal=True,
          need_weights=False)[0].sum().backward()

    j = _replaying(step, x, np.triu(np.ones((3, 3), bool), 1))
    with pytest.raises(ValueError, match="is_causal=True says attn_mask is the causal mask"):
        j(x, np.zeros((3, 3), bool))


# ---- a branch on the values: by an op, per call ------------------------------------------------
def test_sgn_is_0_at_nan_on_a_replay_recorded_without_nan():
    p = _param()

    def step(x):
        out = (p * Tensor(x)).sgn() + p
        out.sum().backward()
        return out

    j = _replaying(step, np.ones((3, 3)))
    x = np.where(np.eye(3, dtype=bool), np.nan, -2.0)
    p.grad = None
    out = j(x)  # (a NaN before the fix: the branch on np.isnan was recorded without one)
    np.testing.assert_array_equal(out.data, np.where(np.eye(3, dtype=bool), 0.0,
                                                     -np.sign(p.data)) + p.data)
    got = p.grad.copy()
    p.grad = None
    step(x)  # eagerly: 0 * NaN on the diagonal of the product's gradient, as torch's
    np.testing.assert_array_equal(got, p.grad)


def test_sgn_as_torch():
    torch = pytest.importorskip("torch")
    a = np.array([-2.0, -0.0, 0.0, 3.0, np.nan, np.inf, -np.inf])
    for dt in (np.float32, np.float64):
        x = Tensor(a.astype(dt), requires_grad=True)
        t = torch.tensor(a.astype(dt), requires_grad=True)
        out, ref = x.sgn(), t.sgn()
        assert out.dtype == dt
        np.testing.assert_array_equal(out.data, ref.detach().numpy())
        out.sum().backward()
        ref.sum().backward()
        np.testing.assert_array_equal(x.grad, np.zeros(a.shape, dt))  # (torch's: zeros)
    np.testing.assert_array_equal(Tensor(np.array([-3, 0, 2])).sgn().data, [-1, 0, 1])


# ---- values handed to Python: reported, so the step runs eagerly -------------------------------
@pytest.mark.parametrize("read", ["is_nonzero", "equal", "tensor_split", "nonzero", "argwhere",
                                  "unique", "unique_consecutive", "bincount", "tg.unique"])
def test_value_reads_refuse_replay_and_give_eagers_numbers(read):
    p = _param()

    def step(x):
        t = Tensor(x)
        if read == "is_nonzero":
            k = 2 if t[:1].is_nonzero() else 1
        elif read == "equal":
            k = 2 if t.equal(Tensor(np.array([1, 0]))) else 1
        elif read == "tensor_split":
            a, _ = p.tensor_split(t[:1], 1)  # the cut read off the data
            a.sum().backward()
            return None
        elif read == "tg.unique":
            k = len(tg.unique(t))
        else:  # a count off a result whose shape the values set
            k = len(getattr(t, read)())
        (p * k).sum().backward()
        return None

    j = _refused(step, np.array([1, 0]))
    for x in (np.array([1, 0]), np.array([0, 2])):
        p.grad = None
        j(x)
        got = p.grad.copy()
        p.grad = None
        step(x)
        np.testing.assert_array_equal(got, p.grad)


def test_cov_weights_and_hermitian_checks_refuse_replay():
    p = _param()
    _refused(lambda w: p.cov(fweights=w).sum().backward(), np.array([1, 2, 1]))
    _refused(lambda w: p.cov(aweights=w).sum().backward(), np.array([1.0, 2.0, 1.0]))
    _refused(lambda x: tg.linalg.pinv(p + p.T + Tensor(x), hermitian=True).sum().backward(),
             np.zeros((3, 3)))
    with pytest.raises(ValueError, match="fweights must be non-negative"):
        p.cov(fweights=np.array([1, -2, 1]))

"""Contractions with an empty operand (helper hNAN): CI once saw outer's gradient [nan, nan, nan]
for torch's [0, 0, 0] (test_einsum_torch_differential_hEI.py, float32, an outer of shapes (0,)
and (3,)), and never again. The cause: NumPy's einsum loop (2.4) reads one entry at an empty
operand's data pointer and adds it times the empty sum 0 ('ij,i->j' of (0, 3) and (0,)), so a
NaN or inf in that memory (a fresh empty array's, never written) makes the result NaN.
ops/linalg.py's _contract answers an empty operand with zeros now.

Deterministic here: the empty operands are views over memory holding NaN (or inf), as garbage
would, with the strides NumPy gives empty arrays (0) or contiguous ones. Compared: values,
shapes and dtypes, and every input's gradient, against torch 2.13 on the same shapes, over
random 2- and 3-operand subscripts summing an empty letter, through the default loop, the
matmul / optimized path (_pays forced) and the family (outer, inner, dot, tensordot). Left
out: int and bool operands (NumPy's one-operand loop, which they take for counts, was found
clean) and complex (the same code path as float)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided

import tinygrad_dl as tg
from tinygrad_dl.ops import linalg as linalg_ops

torch = pytest.importorskip("torch")


def _poisoned(shape, dtype, zero_strides=True, fill=np.nan):
    """An array of `shape` (empty) whose data pointer points at `fill`: what a fresh empty
    array's never-written memory may hold. Strides 0 (NumPy's for a fresh empty array) or
    contiguous."""
    buf = np.full(64, fill, dtype)
    if zero_strides:
        strides = (0,) * len(shape)
    else:
        strides, step = [], buf.itemsize
        for n in reversed(shape):
            strides.insert(0, step)
            step *= max(n, 1)
    return as_strided(buf, shape=shape, strides=tuple(strides))


def _leaf(a):
    t = tg.from_numpy(a)  # (shares a's memory: the poisoned pointer reaches the op)
    t.requires_grad_(True)
    return t


@pytest.mark.parametrize("fill", [np.nan, np.inf])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_outer_of_an_empty_vector_has_zero_gradient_whatever_its_memory_holds(dtype, fill):
    """The CI failure: outer of (0,) and (3,), backward; b.grad was [nan, nan, nan]."""
    a = _leaf(_poisoned((0,), dtype, zero_strides=False, fill=fill))
    b = tg.tensor(np.ones(3, dtype), requires_grad=True)
    tg.outer(a, b).backward(_poisoned((0, 3), dtype, fill=fill))
    assert b.grad.dtype == dtype and np.array_equal(b.grad, np.zeros(3, dtype))
    assert a.grad.shape == (0,)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_family_over_an_empty_axis_gives_zeros(dtype):
    x, v = _poisoned((0, 3), dtype), _poisoned((0,), dtype, zero_strides=False)
    for got, shape in [(tg.einsum("ij,i->j", tg.from_numpy(x), tg.from_numpy(v)), (3,)),
                       (tg.from_numpy(x.T).dot(tg.from_numpy(v)), (3,)),
                       (tg.inner(tg.from_numpy(x.T), tg.from_numpy(v)), (3,)),
                       (tg.tensordot(tg.from_numpy(v), tg.from_numpy(x), dims=1), (3,)),
                       (tg.einsum("i,i->", tg.from_numpy(v), tg.from_numpy(v)), ())]:
        assert got.shape == shape and got.dtype == dtype
        assert np.array_equal(got.numpy(), np.zeros(shape, dtype))


def _draw(rng):
    """Subscripts of 2 or 3 operands, explicit output, at least one summed letter of length 0
    and a non-empty output (where the NaN showed)."""
    letters = list("ijkl")[:int(rng.integers(2, 5))]
    size = {c: int(rng.integers(1, 4)) for c in letters}
    terms = ["".join(rng.permutation(letters)[:int(rng.integers(1, len(letters) + 1))])
             for _ in range(int(rng.integers(2, 4)))]
    used = sorted(set("".join(terms)))
    out = "".join(c for c in rng.permutation(used) if rng.random() < .5)
    summed = [c for c in used if c not in out]
    if not summed:
        summed, out = [out[-1]], out[:-1]
    size[str(rng.choice(summed))] = 0
    return ",".join(terms) + "->" + out, [tuple(size[c] for c in t) for t in terms]


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_random_contractions_summing_an_empty_letter_agree_with_torch(dtype, fast, monkeypatch):
    """fast: every contraction through _contract's matmul / optimized path, however small."""
    if fast:
        monkeypatch.setattr(linalg_ops, "_pays", lambda *a: True)
    for seed in range(120):
        rng = np.random.default_rng([seed, 31])
        spec, shapes = _draw(rng)
        arrays = [_poisoned(s, dtype, zero_strides=bool(rng.random() < .5),
                            fill=np.nan if rng.random() < .7 else -np.inf)
                  if 0 in s else rng.standard_normal(s).astype(dtype) for s in shapes]
        ours = [_leaf(a) for a in arrays]
        theirs = [torch.zeros(s, dtype=torch.float32 if dtype == np.float32 else torch.float64,
                              requires_grad=True) for s in shapes]
        for t, a in zip(theirs, arrays):
            if a.size:
                t.data.copy_(torch.from_numpy(np.array(a)))
        got, want = tg.einsum(spec, *ours), torch.einsum(spec, *theirs)
        where = f"seed {seed}: {spec!r} of {shapes}"
        assert got.shape == tuple(want.shape) and got.dtype == dtype, where
        assert np.array_equal(got.numpy(), want.detach().numpy()), where
        g = rng.standard_normal(got.shape).astype(dtype)
        got.backward(g)
        want.backward(torch.from_numpy(g))
        for o, t in zip(ours, theirs):
            tg_grad = np.zeros(o.shape, dtype) if o.grad is None else np.asarray(o.grad)
            np.testing.assert_allclose(tg_grad, t.grad.numpy(), rtol=1e-5, atol=1e-5,
                                       err_msg=where)

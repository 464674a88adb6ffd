"""Review of b05eece (hALIAS): transpose's spellings, logit's eps, and the *_copy functions'
out= against torch 2.13 (CPU) and NumPy.

Found: torch's `x.transpose(0, dim1=2)` was refused ("swapaxes: dim must be an integer, got
None"); `x.transpose(axes=(2, 0, 1), dim0=0, dim1=1)` (and positional axes beside dim0=/dim1=)
swapped dims 0 and 1 and dropped the axes without a word; `logit(x, eps)` with eps below 0
(torch's "no clamp") gave a finite gradient where the value is NaN (18.2 at x = -0.018 for
eps=-0.3, torch's NaN), and a NaN eps likewise. Pinned, not changed: the *_copy functions' out=
written from a copy of the result, so an out that is the input or a view of it gets torch's
values (torch's own split_copy / narrow_copy write garbage there)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracle import one_line, torch_float64  # noqa: F401 (the fixture, by name)

import tinygrad_dl as tg

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.usefixtures("torch_float64")  # (torch's default float: ours, float64)


def _outcome(f):
    try:
        return f()
    except (TypeError, ValueError, IndexError, RuntimeError) as e:
        return e


def _same(ours, ref) -> bool:
    """Both refuse (ours in one line), or both compute the same values of the same shape."""
    if isinstance(ref, Exception) or isinstance(ours, Exception):
        return isinstance(ref, Exception) and isinstance(ours, Exception) and "\n" not in str(
            ours)
    want = ref.numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)
    return ours.shape == want.shape and np.array_equal(ours.data, want)


# ---- transpose ---------------------------------------------------------------------------------
def test_transpose_takes_torchs_positional_dim0_with_dim1_keyword():
    """torch.Tensor.transpose(0, dim1=2) and torch.transpose(x, 0, dim1=2) swap dims 0 and 2;
    ours raised 'swapaxes: dim must be an integer, got None'."""
    a = np.arange(24.0).reshape(2, 3, 4)
    want = torch.tensor(a).transpose(0, dim1=2).numpy()
    for got in (tg.tensor(a).transpose(0, dim1=2), tg.transpose(tg.tensor(a), 0, dim1=2),
                tg.tensor(a).transpose(-3, dim1=-1)):
        assert got.shape == want.shape and np.array_equal(got.data, want)


@pytest.mark.parametrize("call", [
    lambda x: x.transpose(axes=(2, 0, 1), dim0=0, dim1=1),
    lambda x: x.transpose(2, 0, 1, dim0=0, dim1=1),
    lambda x: tg.permute_dims(x, axes=(2, 0, 1), dim0=0, dim1=1),
    lambda x: x.transpose(axes=None, dim0=0, dim1=2),
    lambda x: x.transpose(dim0=0),
    lambda x: x.transpose(dim1=2),
], ids=["axes=", "positional axes", "permute_dims axes=", "axes=None", "dim0 only", "dim1 only"])
def test_transpose_refuses_numpys_axes_beside_torchs_dims(call):
    """NumPy's axes and torch's dim0=/dim1= together: the axes were dropped and two dims swapped
    without a word (x.transpose(axes=(2, 0, 1), dim0=0, dim1=1) was (3, 2, 4)); now one line."""
    x = tg.tensor(np.arange(24.0).reshape(2, 3, 4))
    with pytest.raises(TypeError, match=r"^transpose\(\) takes PyTorch's two dims") as e:
        call(x)
    one_line(e, "dim0=", "dim1=")


def _spelling_errors(r: np.random.Generator) -> list[str]:
    """One draw of test_transpose_spellings_match_torch_and_numpy_seeded: its mismatches."""
    nd = int(r.integers(0, 5))
    a = r.standard_normal(tuple(int(s) for s in r.integers(0 if r.random() < .1 else 1, 4, nd)))
    x, t, m = tg.tensor(a), torch.tensor(a), max(nd, 1)
    i, j = (int(v) for v in r.integers(-m, m, 2))
    pair = _outcome(lambda: t.transpose(i, j))
    cases = [("dim0=, dim1=", lambda: x.transpose(dim0=i, dim1=j), pair),
             ("i, dim1=", lambda: x.transpose(i, dim1=j), pair),
             ("tg.transpose i, dim1=", lambda: tg.transpose(x, i, dim1=j), pair),
             ("swapaxes", lambda: x.swapaxes(i, j), pair),
             ("transpose_copy", lambda: tg.transpose_copy(x, i, j),
              _outcome(lambda: torch.transpose_copy(t, i, j)))]
    if nd != 2 or (i % 2, j % 2) != (0, 1):
        cases.append(("i, j", lambda: x.transpose(i, j), pair))
    perm = [int(p) - nd if r.random() < .3 else int(p) for p in r.permutation(nd)]
    if nd > 1 and r.random() < .15:
        perm[0] = perm[-1]  # (repeated: refused by all)
    perm = tuple(perm[:-1] if nd and r.random() < .05 else perm)
    numpy_ = _outcome(lambda: np.transpose(a, perm))
    cases += [("x.transpose(perm)", lambda: x.transpose(perm), numpy_),
              ("x.transpose(axes=)", lambda: x.transpose(axes=perm), numpy_),
              ("tg.transpose(x, perm)", lambda: tg.transpose(x, perm), numpy_),
              ("tg.permute_dims", lambda: tg.permute_dims(x, perm), numpy_),
              ("tg.permute_dims(axes=)", lambda: tg.permute_dims(x, axes=perm), numpy_),
              ("np.transpose(t, perm)", lambda: np.transpose(x, perm), numpy_),
              ("x.permute", lambda: x.permute(*perm) if perm else x.permute(perm),  # (x.permute()
               _outcome(lambda: t.permute(perm))),  # without dims: refused, as torch's)
              ("permute_copy", lambda: tg.permute_copy(x, perm),
               _outcome(lambda: torch.permute_copy(t, perm))),
              ("x.T", lambda: x.T, np.transpose(a)),
              ("tg.permute_dims(x)", lambda: tg.permute_dims(x), np.permute_dims(a))]
    if nd >= 2:
        cases.append(("x.mT", lambda: x.mT, t.mT))
    return [f"{name} {a.shape} {(i, j)} {perm}: {_outcome(f)!r:.150}" for name, f, ref in cases
            if not _same(_outcome(f), ref)]


def test_transpose_spellings_match_torch_and_numpy_seeded():
    """Every spelling on random shapes (0-d to 4-d, size-0 axes), axes negative, repeated or
    missing: torch's pair forms against torch, the permutations against NumPy and torch.permute
    (the 2-D transpose(0, 1), an error here, is test_aliases_torch_differential_hALIAS's)."""
    r, errs = np.random.default_rng(2026), []
    for _ in range(400):
        errs += _spelling_errors(r)
    assert not errs, "\n".join(errs[:20])


# ---- logit's eps ------------------------------------------------------------------------------
@pytest.mark.parametrize("eps", [-0.3, -1.0, -1e-300, float("nan")])
def test_logit_with_an_eps_below_0_or_nan_clamps_nothing_and_its_gradient_is_nan_outside(eps):
    """torch's logit: an eps below 0 is no eps (unclamped; the gradient NaN outside [0, 1], where
    the value is NaN). Ours clamped to [eps, 1 - eps] and gave g / |x (1 - x)| there: 18.2 at
    x = -0.018 for eps=-0.3. A NaN eps clamps nothing in torch either, its gradient there
    g / (x (1 - x)), a number for a NaN value: ours NaN (docs/pytorch.md)."""
    a = np.array([-np.inf, -1.0, -0.018, -0.0, 0.0, 1e-300, 0.3, 0.999, 1.0, 1.16, 2.0, np.inf,
                  np.nan])
    w = np.random.default_rng(3).standard_normal(a.shape)
    x, t = tg.tensor(a.copy(), requires_grad=True), torch.tensor(a, requires_grad=True)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y, ty = tg.logit(x, eps), torch.logit(t, eps=eps)
        (y * tg.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    inside = (a >= 0) & (a <= 1)
    np.testing.assert_array_equal(np.isnan(x.grad), np.isnan(y.data) | ~inside | np.isnan(a))
    np.testing.assert_array_equal(x.grad[inside], t.grad.numpy()[inside])
    if eps < 0:  # (torch's: the same NaNs)
        np.testing.assert_array_equal(x.grad, t.grad.numpy())


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64", "bool"])
def test_logit_of_integer_tensors_with_eps_matches_torch(dtype):
    """b05eece computes integer logit in float64; with every eps (past 0.5, 0, negative, tiny)
    the values are torch's (a float64 result, none to differentiate)."""
    r = np.random.default_rng(len(dtype))
    a = (r.integers(0, 2, 9) if dtype == "bool" else r.integers(-3, 4, 9)).astype(dtype)
    for eps in (None, 0.0, 1e-6, 0.25, 0.5, 0.7, 1.0, -0.5):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = tg.logit(tg.tensor(a)) if eps is None else tg.logit(tg.tensor(a), eps)
        want = torch.logit(torch.tensor(a), eps=eps).numpy()
        assert got.dtype == np.float64 and np.array_equal(got.data, want, equal_nan=True), eps


# ---- the *_copy functions' out= ---------------------------------------------------------------
def test_copy_out_the_input_or_a_view_of_it_gets_torchs_values():
    """The result is computed before out is written: t_copy(x, out=x) of a square x is x.T,
    unbind_copy(x, 1, out=rows of x) too, and a split into x's own rows swapped swaps them
    (torch 2.13's split_copy gives [[0, 1, 2], [0, 1, 2]] there)."""
    a = np.arange(9.0).reshape(3, 3)
    x = tg.tensor(a.copy())
    assert tg.t_copy(x, out=x) is x and np.array_equal(x.data, a.T)
    x = tg.tensor(a.copy())
    tg.unbind_copy(x, 1, out=[x[0], x[1], x[2]])
    np.testing.assert_array_equal(x.data, a.T)
    x = tg.tensor(a[:2].copy())
    tg.split_copy(x, 1, out=[x[1:2], x[0:1]])
    np.testing.assert_array_equal(x.data, a[1::-1])


def test_copy_out_a_non_contiguous_view_gets_the_values():
    """out a transposed view of another tensor: the values land where the view sees them (torch
    2.13's narrow_copy writes its result as if out were contiguous: garbage)."""
    a = np.random.default_rng(4).standard_normal((3, 4, 5))
    for name, args in (("narrow_copy", (1, 1, 2)), ("slice_copy", (1, 1, 3)),
                       ("permute_copy", ((0, 2, 1),)), ("select_copy", (1, 2))):
        want = getattr(torch, name)(torch.tensor(a), *args).numpy()
        base = tg.zeros(*want.shape[::-1])
        out = base.permute(*range(want.ndim - 1, -1, -1))
        assert getattr(tg, name)(tg.tensor(a), *args, out=out) is out
        np.testing.assert_array_equal(out.data, want)
        np.testing.assert_array_equal(base.data, want.T)

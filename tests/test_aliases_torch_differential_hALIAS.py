"""Aliases, NumPy spellings and the `*_copy` functions against torch 2.13 (CPU) and NumPy.

Compared: every alias pair (arccos/acos, greater/gt, subtract/sub, true_divide/div, fix/trunc,
expit/sigmoid, gammaln/lgamma, psi/digamma, ...) at each place torch has the name (the
function, the Tensor method, torch.special), on random float64 tensors (0-d, size-0 and size-1
broadcast axes, transposed inputs, NaN, +-inf, -0.0, 1e+-300) and on integer/bool tensors of
one category: values, dtypes, and the gradient of a random weighted sum; the in-place methods
(`x.arccos_()`, `x.greater_(y)`) on tensors that need no gradient; the comparisons and logical
functions with NaN, -0.0, inf and broadcasting; the `*_copy` functions and `unsafe_*` splits:
torch's values and gradients, no memory shared with the input, and torch's `out=`.

Left out, and why: an integer beside a float tensor (float64 here, torch's float: the
documented promotion, docs/pytorch.md), comparisons with a number past an integer dtype's range
(exact here, torch wraps: documented), torch.equal (tg.equal is NumPy's elementwise one:
documented), `sign` (NumPy's NaN at NaN, torch's 0: documented; `sgn` is torch's and is
compared), and the special functions' values at +-inf (not aliases; their own files)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracle import (
    as_numpy,
    grads_compared,
    jit_matches_eager,
    mismatch,
    outputs_compared,
    strict_replays_match,
    torch_float64,  # noqa: F401 (the fixture, by name)
)

import tinygrad_dl as tg

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.usefixtures("torch_float64")  # (torch's default float: ours, float64)

UNARY = ("acos arccos asin arcsin atan arctan acosh arccosh asinh arcsinh atanh arctanh neg "
         "negative abs absolute trunc fix sigmoid expit lgamma gammaln digamma psi erf erfc "
         "erfinv exp2 expm1 log1p i0 sinc round sgn logit rad2deg deg2rad square "
         "positive reciprocal isnan isinf isfinite isposinf isneginf signbit logical_not").split()
BINARY = ("atan2 arctan2 gt greater ge greater_equal lt less le less_equal ne not_equal eq "
          "sub subtract mul multiply div divide true_divide pow xlogy copysign fmod remainder "
          "logical_and logical_or logical_xor isclose").split()
PLACES = {"function": lambda lib, n: getattr(lib, n, None),
          "method": lambda lib, n: getattr(lib.Tensor, n, None),
          "special": lambda lib, n: getattr(lib.special, n, None)}


def _floats(r, shape):
    x = r.standard_normal(shape) * 2
    # (no negative integers: torch 2.13's digamma gradient there is finite garbage, 6.6e32
    # at -1, where the pole's is inf, ours)
    edge = r.choice(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 0.5, -1.5, 1.0, 1e-300,
                              1e300]), shape)
    x = np.asarray(np.where(r.random(shape) < 0.2, edge, x))
    return np.asarray(np.clip(x, -0.99, 0.99)) if r.random() < 0.3 else x


def _shapes(r):
    s = tuple(int(n) for n in r.integers(0 if r.random() < 0.1 else 1, 4, int(r.integers(0, 4))))
    o = tuple(1 if r.random() < 0.3 else n for n in s)
    return s, (o[int(r.integers(0, len(o))):] if o and r.random() < 0.3 else o)


def _run(lib, fn, arrays, grad):
    make = torch.tensor if lib is torch else tg.tensor
    leaves = [make(a.copy(), requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return leaves, fn(*leaves)


def _check(name, place, arrays, inplace=False):
    """Ours against torch's for `name` at `place` (skipped where torch has none): the errors."""
    t_fn, o_fn = PLACES[place](torch, name), PLACES[place](tg, name)
    if t_fn is None:
        return []
    assert o_fn is not None, f"{place} {name}: missing"
    grad = not inplace and any(a.dtype.kind == "f" for a in arrays)
    res = []
    for lib, fn in ((torch, t_fn), (tg, o_fn)):
        try:
            res.append(_run(lib, fn, arrays, grad))
        except (RuntimeError, TypeError, ValueError, NotImplementedError) as e:
            res.append(e)
    (t, o), what = res, f"{place} {name}{[(a.dtype.name, a.shape) for a in arrays]}"
    if isinstance(o, Exception):  # (ours refuses: torch must too, ours in one line)
        return [] if isinstance(t, Exception) and "\n" not in str(o) else [
            f"{what}: torch {t if isinstance(t, Exception) else 'computes'}, ours {o!r}"[:300]]
    if isinstance(t, Exception):  # (torch's kernels refuse a dtype ours computes: bool ** bool,
        return []  # round of an int64, ...; or an empty broadcast torch's in-place forms refuse)
    (tl, tout), (ol, oout) = t, o
    if inplace and oout is not ol[0]:
        return [f"{what}: the in-place form returns another tensor"]
    errs, ts, os_ = outputs_compared(tout, oout, 1e-10)
    if inplace:
        errs += [f"input: {e}" for e in [mismatch(as_numpy(ol[0]), as_numpy(tl[0]))] if e]
    if errs or isinstance(ts, int):
        return [f"{what}: {errs}"] if errs else []
    ts.backward()
    os_.backward()
    for leaf in tl:  # (torch's gradient of a comparison-free path may be a ZeroTensor)
        if leaf.grad is not None and leaf.grad._is_zerotensor():
            leaf.grad = torch.zeros_like(leaf)
    return [f"{what}: {e}" for e in grads_compared(list(zip(tl, ol)), 1e-9)]


@pytest.mark.parametrize("seed,draws", [(0, 2), *(pytest.param(s, 6, marks=pytest.mark.slow)
                                                   for s in (1, 2, 3))])
def test_aliases_match_torch_everywhere_torch_has_them(seed, draws):
    r, errs = np.random.default_rng(seed), []
    for _ in range(draws):
        s, o = _shapes(r)
        kind = r.choice(["float", "float", "int", "bool"])
        draw = {"float": _floats, "int": lambda r, sh: np.asarray(r.integers(-5, 6, sh)),
                "bool": lambda r, sh: np.asarray(r.integers(0, 2, sh)).astype(bool)}[kind]
        a, b = draw(r, s), draw(r, o)
        if a.ndim >= 2 and r.random() < 0.3:
            a = a.swapaxes(0, 1)
        for name in UNARY:
            if name == "i0" and np.isinf(a).any():
                continue  # (i0(+-inf) is inf here, torch's NaN: documented)
            for place in PLACES:
                errs += _check(name, place, (a,))
            errs += _check(name + "_", "method", (a,), inplace=True)
        for name in BINARY:
            # (pow of a negative x to 1e-300: NaN, its x-gradient NaN here; torch's is
            # y * x ** (y - 1) with y - 1 rounded to -1: finite, for a NaN value)
            x = np.abs(a) if name == "pow" and a.dtype.kind == "f" else a
            for place in PLACES:
                errs += _check(name, place, (x, b))
            try:
                fits = np.broadcast_shapes(x.shape, b.shape) == x.shape
            except ValueError:
                fits = False  # (both refuse: the calls above compared that)
            if fits:
                errs += _check(name + "_", "method", (x, b), inplace=True)
    assert not errs, "\n".join(errs[:20])


def test_alias_pairs_are_one_function_in_values_and_keywords():
    """Each alias gives its canonical op's result bit for bit, with the canonical keywords."""
    r = np.random.default_rng(7)
    x, y = tg.tensor(r.standard_normal((3, 4))), tg.tensor(r.standard_normal((1, 4)))
    pairs = [
        (lambda: tg.subtract(x, y, alpha=2), lambda: tg.sub(x, y, alpha=2)),
        (lambda: x.subtract(y, alpha=-3), lambda: x.sub(y, alpha=-3)),
        (lambda: tg.divide(x, y, rounding_mode="floor"),
         lambda: tg.div(x, y, rounding_mode="floor")),
        (lambda: tg.true_divide(x, y), lambda: tg.div(x, y)),
        (lambda: tg.multiply(x, 3), lambda: tg.mul(x, 3)),
        (lambda: tg.arctan2(x, y), lambda: tg.atan2(x, y)),
        (lambda: tg.arctan2(x, other=y), lambda: tg.atan2(x, other=y)),
        (lambda: tg.clip(x, min=-0.5, max=0.5), lambda: tg.clamp(x, min=-0.5, max=0.5)),
        (lambda: tg.clip(x, -0.5, 0.5), lambda: tg.clamp(x, -0.5, 0.5)),
        (lambda: tg.swapaxes(x, 0, 1), lambda: x.T),
        (lambda: tg.swapdims(x, dim0=0, dim1=1), lambda: tg.transpose(x, dim0=0, dim1=1)),
        (lambda: tg.moveaxis(x, source=0, destination=1), lambda: tg.movedim(x, 0, 1)),
        (lambda: tg.concat([x, y], dim=0), lambda: tg.cat([x, y], dim=0)),
        (lambda: tg.concatenate([x, y], axis=0), lambda: tg.cat([x, y], 0)),
        (lambda: tg.special.expit(x), lambda: tg.sigmoid(x)),
        (lambda: tg.special.gammaln(x), lambda: tg.lgamma(x)),
        (lambda: tg.special.psi(x), lambda: tg.digamma(x)),
        (lambda: tg.fix(x), lambda: tg.trunc(x)),
        (lambda: tg.absolute(x), lambda: tg.abs(x)),
        (lambda: tg.negative(x), lambda: tg.neg(x)),
        (lambda: tg.greater_equal(x, y), lambda: tg.ge(x, y)),
        (lambda: tg.not_equal(x, y), lambda: tg.ne(x, y)),
        (lambda: x.reshape_as(tg.tensor(np.zeros((4, 3)))), lambda: x.view_as(
            tg.tensor(np.zeros((4, 3))))),
    ]
    for i, (alias, canonical) in enumerate(pairs):
        a, c = alias(), canonical()
        assert a.dtype == c.dtype and np.array_equal(a.data, c.data, equal_nan=True), i
    assert x.ndimension() == x.dim() == 2 and x.nelement() == x.numel() == 12


def test_a_jitted_step_of_aliases_and_copies_replays_as_eager():
    r = np.random.default_rng(5)
    w = tg.tensor(r.standard_normal((4, 3)), requires_grad=True)

    def step(x):
        h = tg.multiply(tg.subtract(x @ w, 0.5, alpha=2), tg.special.expit(x @ w))
        h = tg.clip(tg.arctan2(h, tg.absolute(h) + 1), min=-0.7) + tg.t_copy(tg.permute_dims(h))
        loss = tg.true_divide(tg.concatenate([h, tg.fix(h)], axis=1).sum(), 7)
        loss.backward()
        return loss

    jit_matches_eager(step, [tg.tensor(r.standard_normal((3, 4))) for _ in range(4)], w)
    strict_replays_match(step, lambda: tg.tensor(r.standard_normal((3, 4))), w)


# ---- the *_copy functions and unsafe_ splits -------------------------------------------------
COPIES = {
    "t_copy": ((3, 4), ()), "view_copy": ((3, 4, 5), ((20, 3),)),
    "permute_copy": ((3, 4, 5), ((2, 0, 1),)), "unsqueeze_copy": ((3, 4), (-1,)),
    "detach_copy": ((3, 4), ()), "alias_copy": ((3, 4), ()), "select_copy": ((3, 4, 5), (1, -1)),
    "transpose_copy": ((3, 4, 5), (0, 2)), "squeeze_copy": ((3, 1, 5), (1,)),
    "expand_copy": ((1, 4), ((3, 4),)), "diagonal_copy": ((3, 4, 5), (1, 0, 2)),
    "unfold_copy": ((3, 4, 5), (2, 2, 1)), "slice_copy": ((3, 4, 5), (2, 1, 5, 2)),
    "narrow_copy": ((3, 4, 5), (1, 1, 2)), "split_copy": ((3, 4, 5), (2, 1)),
    "split_with_sizes_copy": ((3, 4, 5), ([1, 2, 2], 2)), "unbind_copy": ((3, 4, 5), (1,)),
}


@pytest.mark.parametrize("name", sorted(COPIES))
def test_copy_functions_match_torch_and_share_no_memory(name):
    shape, args = COPIES[name]
    x = np.random.default_rng(len(name)).standard_normal(shape)
    tx, ox = torch.tensor(x, requires_grad=True), tg.tensor(x.copy(), requires_grad=True)
    t, o = getattr(torch, name)(tx, *args), getattr(tg, name)(ox, *args)
    if name == "detach_copy":  # (torch 2.13's detach_copy result requires grad, then has none)
        t = t.detach()
    errs, ts, os_ = outputs_compared(t, o, 1e-12)
    if not isinstance(ts, int):
        ts.backward()
        os_.backward()
        errs += grads_compared([(tx, ox)], 1e-12)
    assert not errs, errs
    pieces = o if isinstance(o, tuple) else [o]
    assert not any(np.shares_memory(p.data, ox.data) for p in pieces)
    plain = tg.tensor(x.copy())
    o = getattr(tg, name)(plain, *args)
    (o[0] if isinstance(o, tuple) else o).add_(1.0)  # (never reaches the input)
    np.testing.assert_array_equal(plain.data, x)


@pytest.mark.parametrize("name", sorted(COPIES))
def test_copy_functions_take_torchs_out(name):
    """torch's *_copy functions all take out= (a list of Tensors for the split ones); ours raised
    TypeError for every one but narrow_copy."""
    shape, args = COPIES[name]
    x = np.random.default_rng(1).standard_normal(shape)
    want = getattr(torch, name)(torch.tensor(x), *args)
    if isinstance(want, (list, tuple)):
        out = [tg.zeros(*w.shape) for w in want]
        got = getattr(tg, name)(tg.tensor(x), *args, out=out)
        assert all(g is o for g, o in zip(got, out))
        for o, w in zip(out, want):
            np.testing.assert_array_equal(o.data, w.numpy())
    else:
        out = tg.zeros(*want.shape)
        assert getattr(tg, name)(tg.tensor(x), *args, out=out) is out
        np.testing.assert_array_equal(out.data, want.numpy())


def test_copy_out_is_refused_while_recording_and_for_a_wrong_count():
    x = tg.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"t_copy\(out=\.\.\.\) does not record a gradient"):
        tg.t_copy(x, out=tg.zeros(3, 2))
    with pytest.raises(TypeError, match=r"split_copy\(out=\.\.\.\): out must be a list of 2"):
        tg.split_copy(tg.tensor(np.ones((2, 3))), 1, out=[tg.zeros(1, 3)])


def test_unsafe_splits_match_torch_and_guard_writes():
    x = np.random.default_rng(2).standard_normal((5, 4))
    for name, arg in (("unsafe_split", 2), ("unsafe_split_with_sizes", [2, 0, 3]),
                      ("unsafe_chunk", 3)):
        tx, ox = torch.tensor(x, requires_grad=True), tg.tensor(x.copy(), requires_grad=True)
        t, o = getattr(torch, name)(tx, arg), getattr(tg, name)(ox, arg)
        errs, ts, os_ = outputs_compared(list(t), list(o), 1e-12)
        ts.backward()
        os_.backward()
        assert not errs + grads_compared([(tx, ox)], 1e-12), name
        base = tg.tensor(x.copy())
        piece = getattr(base, name)(arg)[0]
        try:
            piece.add_(1.0)
        except RuntimeError:
            continue  # (refused by the write guard: fine)
        np.testing.assert_array_equal(base.data[:piece.shape[0]], x[:piece.shape[0]] + 1)


# ---- the comparisons and logical functions ----------------------------------------------------
def test_comparisons_with_nan_signed_zero_inf_and_scalars_match_torch():
    a = np.array([np.nan, -0.0, 0.0, np.inf, -np.inf, 1.0, 2.0, -1e-300])
    for other in (np.nan, 0.0, -0.0, np.inf, 1, True, np.float64(2.0), np.float32(1.0)):
        for name in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
                     "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor",
                     "isclose"):
            theirs_other = torch.tensor(float(other)) if name.startswith(("logical", "isc")) \
                else float(other) if isinstance(other, np.floating) else other
            want = getattr(torch, name)(torch.tensor(a), theirs_other)
            got = getattr(tg, name)(tg.tensor(a), other)
            assert got.dtype == np.bool_ and np.array_equal(got.data, want.numpy()), (name, other)
    b = np.array([[np.inf], [np.nan], [-0.0]])
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.0, "atol": 0.5}):
        want = torch.isclose(torch.tensor(a), torch.tensor(b), **kw).numpy()
        np.testing.assert_array_equal(tg.isclose(tg.tensor(a), tg.tensor(b), **kw).data, want)
        assert tg.allclose(tg.tensor(a), tg.tensor(a), **kw) == torch.allclose(
            torch.tensor(a), torch.tensor(a), **kw)
    out = tg.zeros(8, dtype=tg.float64)
    assert tg.greater(tg.tensor(a), 0.5, out=out) is out
    np.testing.assert_array_equal(out.data, (a > 0.5).astype(np.float64))


# ---- the bugs found ----------------------------------------------------------------------------
def test_logit_of_unsigned_and_int8_tensors_is_computed_in_float():
    """logit of a uint8 2 was -4.85 (1 - x wrapped to 255 in uint8; torch: NaN), of an int8
    -128 0.0078 (1 - x wrapped to -127)."""
    for dtype, v in (("uint8", 2), ("uint8", 255), ("int8", -128), ("int8", 127)):
        got = tg.logit(tg.tensor(np.array([0, 1, v], dtype=dtype)))
        want = torch.logit(torch.tensor(np.array([0, 1, v], dtype=dtype)).double()).numpy()
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got.data, want)
        assert np.isnan(tg.special.logit(tg.tensor(np.array([v], dtype=dtype))).data).all()


def test_permute_dims_and_transpose_take_numpys_axes():
    """np.permute_dims(a, axes=None) is np.transpose: no axes reverses them, and both take
    axes=; tg.permute_dims(x) raised "Transpose: cannot apply to shapes", axes= a TypeError."""
    a = np.arange(24.0).reshape(2, 3, 4)
    x = tg.tensor(a)
    for f in (tg.permute_dims, tg.transpose):
        assert np.array_equal(f(x).data, np.permute_dims(a))
        assert np.array_equal(f(x, axes=None).data, np.permute_dims(a, axes=None))
        assert np.array_equal(f(x, axes=(2, 0, 1)).data, np.transpose(a, axes=(2, 0, 1)))
        assert np.array_equal(f(x, (1, 0, 2)).data, np.permute_dims(a, (1, 0, 2)))
    assert np.array_equal(x.transpose(axes=[2, 0, 1]).data, a.transpose(2, 0, 1))
    assert tg.transpose(x, 0, 2).shape == (4, 3, 2)  # (torch's two dims still swap)
    assert x.transpose(dim0=0, dim1=1).shape == (3, 2, 4)
    with pytest.raises(TypeError, match="got the axes both positionally and as axes="):
        x.transpose((1, 0, 2), axes=(2, 0, 1))

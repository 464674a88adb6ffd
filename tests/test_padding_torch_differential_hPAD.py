"""Padding and pixel rearranging against torch 2.13 (CPU): seeded random draws of F.pad (PyTorch's
flat `pad=` widths, 0 to 3 pairs, negative widths that crop, widths past the input, 0-size axes,
modes constant (fills NaN / inf / ints, float64 / float32 / int64 / bool / complex), reflect,
replicate and circular, transposed and negative-stride inputs), the padding modules
(ConstantPad / ZeroPad / ReflectionPad / ReplicationPad / CircularPad 1d-3d, int and tuple
padding), pixel_shuffle / pixel_unshuffle / channel_shuffle and their modules, and F.pad in a
jitted step (bits equal to eager). Values, shapes, dtypes, the float64 gradient of a random
weighted sum to 1e-10, and refusals (where torch raises, ours raises one line).

Documented differences skipped (docs/pytorch.md): the non-constant modes pad any rank (torch
refuses "Padding size 2 is not supported for 1D input"), "circular" refuses a side that wraps
more than its crop leaves (torch reads uninitialized memory), torch 2.13's 3-D reflect backward
of an empty output, and pixel_unshuffle of an empty input (torch returns the input's shape)."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from oracle import one_line

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl import jit, nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning")]

_SEEDS = int(os.environ.get("HPAD_SEEDS", 4))  # (more draws in scratch runs)
_MODES = ("constant", "reflect", "replicate", "circular")


def _layout(a, rng):
    """a, or the same values as a transposed or negative-stride view."""
    if a.ndim >= 2 and rng.random() < 0.3:
        a = np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)
    if a.ndim >= 1 and rng.random() < 0.2:
        a = np.ascontiguousarray(a[..., ::-1])[..., ::-1]
    return a


def _compare(desc, rng, a, tfn, ofn, grad, skip_torch_error=None):
    """Run torch's and ours on a; the outcome must agree (values, dtype, gradient, refusal)."""
    tt = torch.tensor(a.copy()).requires_grad_(grad)  # (ascontiguousarray: 0-d to 1-D)
    try:
        to, terr = tfn(tt), None
    except Exception as e:  # noqa: BLE001 (any torch error: ours must refuse too)
        to, terr = None, e
    if to is not None and min(to.shape, default=0) < 0:  # torch 2.13 on an empty batch: a
        terr = ValueError("negative size")  # (0, 1, 7, -1) tensor; ours refuses
    x = tg.Tensor(a, requires_grad=grad)
    if terr is not None:
        if skip_torch_error and skip_torch_error(str(terr)):
            return
        with pytest.raises(Exception) as e:  # noqa: PT011 (torch raises: any type, one line)
            ofn(x)
        assert "\n" not in str(e.value), (desc, str(e.value))
        return
    o = ofn(x)
    on, tn = np.asarray(o.data), to.detach().numpy()
    assert on.shape == tn.shape and on.dtype == tn.dtype, (desc, on.shape, tn.shape, on.dtype)
    assert np.array_equal(on, tn, equal_nan=on.dtype.kind in "fc"), desc
    if grad and tn.size:
        w = rng.standard_normal(tn.shape)
        (to * torch.tensor(w)).sum().backward()
        (o * tg.Tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=desc)


def _documented_pad_difference(shape, mode, pads):
    """The cases docs/pytorch.md lists where torch's F.pad refuses or is unreliable."""
    def rule(msg):
        return mode != "constant" and ("not supported for" in msg or "possibly 0 batch" in msg)
    crop_wraps = mode == "circular" and min(pads, default=0) < 0
    return rule, crop_wraps


def _pad_case(rng):
    nd = int(rng.integers(0, 6))
    shape = tuple(int(rng.integers(0, 5)) for _ in range(nd))
    mode = _MODES[rng.integers(0, 4)]
    pads = tuple(int(rng.integers(-3, 5)) for _ in range(2 * int(rng.integers(0, 4))))
    dt = rng.choice(["f64", "f64", "f32", "i64", "bool", "c128"] if mode == "constant" else
                    ["f64", "f64", "f32", "i64"])
    a = rng.standard_normal(shape)
    if a.size and rng.random() < 0.2:
        a.flat[rng.integers(0, a.size)] = rng.choice([np.nan, np.inf, -np.inf])
    a = {"f64": a, "f32": a.astype(np.float32), "i64": (np.nan_to_num(a) * 3).astype(np.int64),
         "bool": np.nan_to_num(a) > 0, "c128": a + 1j * rng.standard_normal(shape)}[dt]
    kw = {}
    if mode == "constant" and rng.random() < 0.5:
        kw["value"] = [0.0, 1.5, -2.0, float("nan"), float("inf"), 3][rng.integers(0, 6)]
        if dt in ("i64", "bool") and rng.random() < 0.5:
            kw["value"] = int(rng.integers(-2, 3))
    return shape, mode, pads, dt, _layout(a, rng), kw


@pytest.mark.parametrize("seed", range(_SEEDS))
def test_f_pad_random_draws_match_torch(seed):
    rng = np.random.default_rng(seed)
    ran = 0
    for _ in range(250):
        shape, mode, pads, dt, a, kw = _pad_case(rng)
        rule, crop_wraps = _documented_pad_difference(shape, mode, pads)
        if crop_wraps:
            continue  # (documented: torch's uninitialized reads)
        desc = f"F.pad shape={shape} {dt} mode={mode} pad={pads} {kw}"
        _compare(desc, rng, a, lambda t, p=pads, m=mode, k=kw: TF.pad(t, p, mode=m, **k),
                 lambda x, p=pads, m=mode, k=kw: F.pad(x, pad=p, mode=m, **k),
                 grad=dt == "f64", skip_torch_error=rule)
        ran += 1
    assert ran > 150


@pytest.mark.parametrize("seed", range(_SEEDS // 2))
def test_padding_modules_random_draws_match_torch(seed):
    rng = np.random.default_rng(100 + seed)
    kinds = ("ConstantPad", "ZeroPad", "ReflectionPad", "ReplicationPad", "CircularPad")
    for _ in range(200):
        kind, d = kinds[rng.integers(0, 5)], int(rng.integers(1, 4))
        nd = int(rng.integers(max(d - 1, 0), d + 3))
        shape = tuple(int(rng.integers(0, 5)) for _ in range(nd))
        padding = (int(rng.integers(-2, 4)) if rng.random() < 0.5 else
                   tuple(int(rng.integers(-2, 4)) for _ in range(2 * d)))
        if kind == "CircularPad" and min(np.ravel(padding)) < 0:
            continue  # (documented: torch's uninitialized reads)
        args = ((padding, float(rng.choice([0.0, 1.5, -3.0]))) if kind == "ConstantPad" else
                (padding,))
        name = f"{kind}{d}d"
        tm, om = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
        _compare(f"{name}{args} shape={shape}", rng, _layout(rng.standard_normal(shape), rng),
                 tm, om, grad=True, skip_torch_error=lambda m: "possibly 0 batch" in m)


def test_pixel_and_channel_shuffles_random_draws_match_torch():
    rng = np.random.default_rng(7)
    for i in range(300):
        which, r = i % 3, int(rng.integers(0, 4))
        shape = [int(rng.integers(1, 5)) for _ in range(int(rng.integers(1, 7)))]
        if which == 0 and len(shape) >= 3 and rng.random() < 0.7:
            shape[-3] = int(rng.integers(1, 3)) * r * r or 1
        if which == 1 and len(shape) >= 3 and rng.random() < 0.7 and r:
            shape[-1], shape[-2] = int(rng.integers(1, 3)) * r, int(rng.integers(1, 3)) * r
        if which == 2 and len(shape) >= 2 and rng.random() < 0.7 and r:
            shape[1] = int(rng.integers(1, 3)) * r
        tf = (TF.pixel_shuffle, TF.pixel_unshuffle, TF.channel_shuffle)[which]
        of = (F.pixel_shuffle, F.pixel_unshuffle, F.channel_shuffle)[which]
        _compare(f"{of.__name__}({r}) shape={tuple(shape)}", rng,
                 _layout(rng.standard_normal(shape), rng),
                 lambda t, f=tf, k=r: f(t, k), lambda x, f=of, k=r: f(x, k), grad=True)
    for tm, om, shape in ((torch.nn.PixelShuffle(2), nn.PixelShuffle(2), (2, 8, 3, 2)),
                          (torch.nn.PixelUnshuffle(3), nn.PixelUnshuffle(3), (1, 2, 3, 6, 3)),
                          (torch.nn.ChannelShuffle(2), nn.ChannelShuffle(2), (2, 6, 3, 1))):
        _compare(repr(om), rng, _layout(rng.standard_normal(shape), rng), tm, om, grad=True)


@pytest.mark.parametrize("mode, pads, shape", [
    ("constant", (1, -1, 2, 0), (2, 3, 4)), ("reflect", (2, -1, 1, 1), (2, 3, 4)),
    ("replicate", (3, 0, -1, 2), (2, 3, 4)), ("circular", (1, 2, -1, 1), (1, 2, 3, 4))])
def test_f_pad_in_a_jitted_step_is_bit_equal_to_eager(mode, pads, shape):
    rng = np.random.default_rng(3)
    w = tg.Tensor(rng.standard_normal(shape), requires_grad=True)
    kw = {"value": 2.5} if mode == "constant" else {}

    def step(x):
        y = F.pad(tg.Tensor(x) * w, pad=pads, mode=mode, **kw)
        (y * y).sum().backward()
        return y.detach()

    j = jit.jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(4):
            x = rng.standard_normal(shape)
            w.grad = None
            replayed, g1 = j(x).data.copy(), w.grad.copy()
            w.grad = None
            eager, g2 = step(x).data.copy(), w.grad.copy()
            assert np.array_equal(replayed, eager) and np.array_equal(g1, g2), i
    assert j.replays > 0


# ---- named regressions ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype, value", [(np.uint8, -1), (np.uint8, -1.5), (np.uint8, -0.5),
                                          (np.int8, 300), (np.int32, 1e10), (np.int64, 2.0**64),
                                          (np.int64, 2**70),
                                          (np.int64, float("nan")), (np.int64, float("inf"))])
def test_pad_fill_past_an_integer_dtype_is_refused_as_torch(dtype, value):
    # HEAD: uint8 with value=-1 gave [255, 0, 1, 2, 255] (NumPy's wrap), NaN / inf / 1e19 raised
    # NumPy's words ("cannot convert float NaN to integer"); torch refuses them all
    with pytest.raises(RuntimeError):
        TF.pad(torch.arange(3).to(getattr(torch, np.dtype(dtype).name)), (1, 1), value=value)
    with pytest.raises(OverflowError) as e:
        F.pad(tg.Tensor(np.arange(3).astype(dtype)), pad=(1, 1), value=value)
    one_line(e, "pad: value", f"dtype {np.dtype(dtype)}")


@pytest.mark.parametrize("dtype, value", [(np.float32, 1e300), (np.float32, 1e39),
                                          (np.float16, 1e6)])
def test_pad_fill_past_a_float_dtype_is_refused_as_torch(dtype, value):
    # HEAD: float32 with value=1e300 padded with inf (and NumPy's "overflow encountered in cast")
    with pytest.raises(RuntimeError):
        TF.pad(torch.zeros(3, dtype=getattr(torch, np.dtype(dtype).name)), (1, 1), value=value)
    with pytest.raises(ValueError) as e:
        F.pad(tg.Tensor(np.zeros(3, dtype)), pad=(1, 1), value=value)
    one_line(e, "pad: value", "float")
    inf = F.pad(tg.Tensor(np.zeros(2, dtype)), pad=(1, 0), value=-np.inf).data  # inf fits
    assert inf.dtype == dtype and inf[0] == -np.inf


def test_pad_complex_fill_of_a_real_tensor_is_refused():
    # HEAD: the imaginary part dropped (NumPy's ComplexWarning), [1j, 0, 0] -> [0, 0, 0]
    with pytest.raises(TypeError) as e:
        F.pad(tg.Tensor(np.zeros(2)), pad=(1, 0), value=1j)
    one_line(e, "pad: a complex value", "float64")
    out = F.pad(tg.Tensor(np.zeros(2, complex)), pad=(1, 0), value=1j).data
    assert out.tolist() == [1j, 0, 0]


def test_pad_fill_that_pads_nothing_is_not_checked_as_torch():
    # torch never reads the fill where nothing is padded: an int tensor's NaN passes (HEAD raised)
    for p in [(0, 0), (-1, 0), ()]:
        want = TF.pad(torch.arange(3), p, value=float("nan")).numpy()
        got = F.pad(tg.Tensor(np.arange(3)), pad=p, value=float("nan")).data
        assert got.dtype == want.dtype and np.array_equal(got, want), p
    assert F.pad(tg.Tensor(np.zeros(2, np.float32)), pad=(0, 0), value=1e300).shape == (2,)


@pytest.mark.parametrize("mode", _MODES)
def test_pad_with_no_widths_positionally_is_a_copy_as_torch(mode):
    # HEAD: F.pad(x, ()) raised NumPy's broadcast error ("Pad: cannot apply to shapes (2, 3):
    # operands could not be broadcast together..."); torch's F.pad(x, ()) is a copy
    a = np.arange(6.0).reshape(2, 3)
    out = F.pad(tg.Tensor(a), (), mode=mode)
    assert np.array_equal(out.data, TF.pad(torch.tensor(a), ()).numpy())
    assert not np.shares_memory(out.data, a)


@pytest.mark.parametrize("name, args, shape", [
    ("ConstantPad1d", ((3, 1), 2.0), (3,)), ("ConstantPad1d", (1, -1.0), (2, 1, 2, 3)),
    ("ConstantPad2d", (-1, 1.5), (2, 3)), ("ZeroPad3d", ((1, 1, 0, 1, 1, 0),), (1, 2, 2)),
    ("ZeroPad1d", (2,), (1, 1, 1, 2, 2)), ("ConstantPad3d", (1, 0.5), (2, 1, 1, 1, 1, 2))])
def test_constant_padding_modules_take_any_rank_as_torch(name, args, shape):
    # HEAD: "ConstantPad1d: expected input (N, C, W) or (C, W), got (3,)"; torch's constant
    # padding modules are F.pad over the last 1, 2, 3 axes of any rank
    a = np.arange(float(np.prod(shape))).reshape(shape)
    t = torch.tensor(a, requires_grad=True)
    x = tg.Tensor(a, requires_grad=True)
    want, got = getattr(torch.nn, name)(*args)(t), getattr(nn, name)(*args)(x)
    assert np.array_equal(got.data, want.detach().numpy())
    w = np.random.default_rng(0).standard_normal(want.shape)
    (want * torch.tensor(w)).sum().backward()
    (got * tg.Tensor(w)).sum().backward()
    assert np.array_equal(x.grad, t.grad.numpy())
    with pytest.raises(ValueError) as e:  # fewer axes than it pads: refused, as torch's
        getattr(nn, name)(*args)(tg.Tensor(np.ones((2,) * (int(name[-2]) - 1))))
    one_line(e, f"{name}: expected input")


@pytest.mark.parametrize("widths", [(True, False), ((True, True),), True])
def test_pad_bool_widths_are_refused_as_torch_and_numpy(widths):
    # HEAD: F.pad(x, pad=(True, False)) padded one zero in front; torch ("must be tuple of
    # ints") and np.pad ("must be of integral type") refuse bool widths
    a = np.arange(3.0)
    with pytest.raises(TypeError):
        TF.pad(torch.tensor(a), (True, False))
    with pytest.raises(TypeError):
        np.pad(a, widths)
    with pytest.raises(TypeError) as e:
        F.pad(tg.Tensor(a), widths)
    one_line(e, "pad: the widths must be integers")
    if isinstance(widths, tuple) and len(widths) == 2:
        with pytest.raises(TypeError):
            F.pad(tg.Tensor(a), pad=widths)

"""PyTorch keyword features once refused (tests/test_keyword_parity.py's ALLOWED "not
implemented"), each against torch 2.13 in float64: div's rounding_mode, Conv1d/Conv2d's
padding_mode, avg_pool2d's ceil_mode/count_include_pad/divisor_override, sort/argsort's stable,
Adam's decoupled_weight_decay, tril/triu_indices' dtype, uniform_'s from_/to, Hardtanh's
min_value/max_value."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")
F, TF = tg.nn.functional, torch.nn.functional
RNG = np.random.default_rng(7)


def _same(ours, theirs, rtol=1e-12, atol=0.0):
    """Values and dtype (NumPy's name of torch's) equal, NaNs and zeros' signs included."""
    t = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    o = np.asarray(ours.data if isinstance(ours, tg.Tensor) else ours)
    assert o.shape == t.shape
    if t.dtype.kind in "iub":
        assert o.dtype == t.dtype, (o.dtype, t.dtype)
        np.testing.assert_array_equal(o, t)
    else:
        np.testing.assert_allclose(o, t, rtol=rtol, atol=atol)
        np.testing.assert_array_equal(np.signbit(o[o == 0]), np.signbit(t[t == 0]))


# ---- div(rounding_mode=) ---------------------------------------------------------------------
INF, NAN = float("inf"), float("nan")
FX = np.array([5.0, -5.0, 0.0, -0.0, INF, -INF, NAN, 1e308, 5.0, -5.0, 7.5, -7.5, 1.0, 0.3,
               -1e-300, 9.0, INF, 2.0])
FY = np.array([0.0, 0.0, 0.0, 5.0, 2.0, INF, 1.0, 1e-308, -INF, INF, 2.0, 2.0, 0.1, -0.1,
               3.0, -3.0, -0.0, NAN])


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_mode_floats_edges(mode):
    x, y = tg.tensor(FX), tg.tensor(FY)
    tx, ty = torch.tensor(FX), torch.tensor(FY)
    theirs = torch.div(tx, ty, rounding_mode=mode)
    with np.errstate(all="ignore"):
        for ours in (tg.div(x, y, rounding_mode=mode), x.div(y, rounding_mode=mode),
                     x.divide(other=y, rounding_mode=mode),
                     tg.divide(input=x, other=y, rounding_mode=mode)):
            _same(ours, theirs)
        z = tg.tensor(FX.copy())
        assert z.div_(y, rounding_mode=mode) is z
        _same(z, theirs)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_mode_random_broadcast_and_scalars(mode):
    a, b = RNG.normal(size=(3, 1, 4)) * 10, RNG.normal(size=(5, 1))
    _same(tg.div(tg.tensor(a), tg.tensor(b), rounding_mode=mode),
          torch.div(torch.tensor(a), torch.tensor(b), rounding_mode=mode))
    for s in (2.5, -3, 0.7):
        _same(tg.tensor(a).div(s, rounding_mode=mode),
              torch.tensor(a).div(s, rounding_mode=mode))
        _same(tg.div(s, tg.tensor(b), rounding_mode=mode),
              torch.div(s, torch.tensor(b), rounding_mode=mode))
    a32 = a.astype(np.float32)
    ours = tg.tensor(a32).div(2.5, rounding_mode=mode)
    assert ours.dtype == np.float32
    _same(ours, torch.tensor(a32).div(2.5, rounding_mode=mode))


INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8]


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_mode_integers_exact(dtype, mode):
    info = np.iinfo(dtype)
    x = RNG.integers(info.min + 1, info.max, size=40, endpoint=True).astype(dtype)
    y = RNG.integers(info.min, info.max, size=40, endpoint=True).astype(dtype)
    y[y == 0] = 3
    y[:6] = [1, 2, 3, 7, 1, 2] if dtype == np.uint8 else [1, -1, 2, -2, 7, -7]
    x[:2] = info.max
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    _same(tg.div(tg.tensor(x), tg.tensor(y), rounding_mode=mode),
          torch.div(tx, ty, rounding_mode=mode))
    for s in (3, 7):  # (a Python int keeps the tensor's dtype, as torch)
        _same(tg.tensor(x).div(s, rounding_mode=mode), tx.div(s, rounding_mode=mode))
        _same(tg.div(s * 10, tg.tensor(y), rounding_mode=mode),
              torch.div(s * 10, ty, rounding_mode=mode))
    z = tg.tensor(x.copy())
    _same(z.div_(tg.tensor(y), rounding_mode=mode), tx.clone().div_(ty, rounding_mode=mode))


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_mode_large_int64_no_float_round_trip(mode):
    x = np.array([2**62 + 1, -(2**62) - 3, 2**63 - 1, -(2**63) + 1, -(2**63), 9007199254740993])
    y = np.array([3, 7, -2, 2, 3, -1])
    _same(tg.div(tg.tensor(x), tg.tensor(y), rounding_mode=mode),
          torch.div(torch.tensor(x), torch.tensor(y), rounding_mode=mode))
    _same(tg.floor_divide(tg.tensor(x), tg.tensor(y)),
          torch.floor_divide(torch.tensor(x), torch.tensor(y)))


def test_div_int_dtypes_and_mixed():
    i, ti = tg.tensor([7, -7, 8]), torch.tensor([7, -7, 8])
    _same(i.div(2.5, rounding_mode="floor").astype(np.float32),
          ti.div(2.5, rounding_mode="floor"))
    assert i.div(2.5, rounding_mode="floor").dtype == np.float64  # (the default float dtype)
    assert i.div(2, rounding_mode="trunc").dtype == np.int64
    i8 = tg.tensor(np.array([-128, 100, 5], np.int8))
    _same(i8.div(-1, rounding_mode="floor"),
          torch.tensor([-128, 100, 5], dtype=torch.int8).div(-1, rounding_mode="floor"))
    _same(i8.div(-1, rounding_mode="trunc"),
          torch.tensor([-128, 100, 5], dtype=torch.int8).div(-1, rounding_mode="trunc"))
    f = tg.tensor([7.5, -7.5])
    _same(f.div(tg.tensor([2, -2]), rounding_mode="floor"),
          torch.tensor([7.5, -7.5], dtype=torch.float64).div(torch.tensor([2, -2]),
                                                               rounding_mode="floor"))
    b, tb = tg.tensor([True, False]), torch.tensor([True, False])
    _same(b.div(tg.tensor([1, 2]), rounding_mode="floor"),
          tb.div(torch.tensor([1, 2]), rounding_mode="floor"))


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_mode_refusals_one_line(mode):
    i = tg.tensor([7, -7])
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.div(torch.tensor([7, -7]), 0, rounding_mode=mode)
    for call in (lambda: i.div(0, rounding_mode=mode),
                 lambda: tg.div(i, tg.tensor([1, 0]), rounding_mode=mode),
                 lambda: tg.tensor([7, 8]).div_(tg.tensor([0, 1]), rounding_mode=mode)):
        with pytest.raises(ZeroDivisionError, match="integer division by zero") as e:
            call()
        assert "\n" not in str(e.value)
        assert isinstance(e.value, RuntimeError)  # (torch's class too)
    with pytest.raises(NotImplementedError):
        torch.div(torch.tensor([True]), torch.tensor([True]), rounding_mode=mode)
    with pytest.raises(TypeError, match="bool"):
        tg.div(tg.tensor([True]), tg.tensor([True]), rounding_mode=mode)
    with pytest.raises(OverflowError, match="overflows int64"):
        tg.div(tg.tensor([-(2**63)]), -1, rounding_mode=mode)  # (torch: SIGFPE)
    with pytest.raises(RuntimeError, match="expected rounding_mode"):
        torch.div(torch.tensor([1.0]), 2, rounding_mode="round")
    for bad in ("round", "TRUNC", 1, ["floor"]):
        with pytest.raises(ValueError, match="expected rounding_mode to be one of None"):
            tg.div(tg.tensor([1.0]), 2, rounding_mode=bad)
    with pytest.raises(TypeError):  # (torch's in-place rule: a float result into an int)
        tg.tensor([7, 8]).div_(2.5, rounding_mode=mode)
    with pytest.raises(ZeroDivisionError, match="integer division by zero"):
        _ = i // 0  # (floor_divide: the same rule)
    with pytest.raises(TypeError, match="bool"):
        tg.floor_divide(tg.tensor([True]), tg.tensor([True]))


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_mode_gradient_as_torch(mode):
    a, b = RNG.normal(size=(2, 3)) * 3, RNG.normal(size=(3,))
    x, y = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    w = RNG.normal(size=(2, 3))
    (x.div(y, rounding_mode=mode) * tg.tensor(w)).sum().backward()
    (tx.div(ty, rounding_mode=mode) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(y.grad, ty.grad.numpy(), rtol=1e-10)
    assert x.grad.shape == (2, 3) and y.grad.shape == (3,)


# ---- Conv1d / Conv2d padding_mode ------------------------------------------------------------
MODES = ["zeros", "reflect", "replicate", "circular"]


def _conv_pair(dims, cin, cout, kernel, **kw):
    """Our conv and torch's (float64) with the same weight and bias."""
    ours = getattr(tg.nn, f"Conv{dims}d")(cin, cout, kernel, **kw)
    theirs = getattr(torch.nn, f"Conv{dims}d")(cin, cout, kernel, **kw).double()
    w = RNG.normal(size=tuple(theirs.weight.shape))
    ours.weight.data[...] = w
    theirs.weight.data[...] = torch.tensor(w)
    if theirs.bias is not None:
        b = RNG.normal(size=tuple(theirs.bias.shape))
        ours.bias.data[...] = b
        theirs.bias.data[...] = torch.tensor(b)
    return ours, theirs


def _check_conv(ours, theirs, shape):
    a = RNG.normal(size=shape)
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    _same(y, ty, rtol=1e-10, atol=1e-12)
    g = RNG.normal(size=tuple(ty.shape))
    (y * tg.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-10,
                               atol=1e-12)
    if theirs.bias is not None:
        np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-10)
    assert repr(ours) == repr(theirs)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kw", [
    dict(padding=1), dict(padding=(2, 1), stride=2), dict(padding="same"),
    dict(padding="same", dilation=(2, 1)), dict(padding=(1, 3), dilation=2, bias=False),
    dict(padding=0), dict(padding="valid", groups=2), dict(padding=(0, 2), stride=(1, 3))])
def test_conv2d_padding_mode_as_torch(mode, kw):
    ours, theirs = _conv_pair(2, 4, 6, (3, 2) if "dilation" in kw else 3, padding_mode=mode,
                              **kw)
    assert ours.padding_mode == mode
    _check_conv(ours, theirs, (2, 4, 6, 7))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kw", [
    dict(padding=1), dict(padding=2, stride=2), dict(padding="same"),
    dict(padding="same", dilation=2, kernel_size=4), dict(padding=3, bias=False, groups=2),
    dict(padding=0), dict(padding="valid")])
def test_conv1d_padding_mode_as_torch(mode, kw):
    k = kw.pop("kernel_size", 3)
    ours, theirs = _conv_pair(1, 4, 6, k, padding_mode=mode, **kw)
    _check_conv(ours, theirs, (2, 4, 9))
    _check_conv(ours, theirs, (4, 9))  # (unbatched)


@pytest.mark.parametrize("dims", [1, 2])
def test_conv_padding_mode_errors_as_torch(dims):
    C, TC = getattr(tg.nn, f"Conv{dims}d"), getattr(torch.nn, f"Conv{dims}d")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        TC(2, 3, 3, padding_mode="zero")
    for bad in ("zero", "Reflect", None):
        with pytest.raises(ValueError, match="padding_mode must be one of") as e:
            C(2, 3, 3, padding_mode=bad)
        assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match="not supported for strided"):
        TC(2, 3, 3, padding="same", stride=2, padding_mode="reflect")
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        C(2, 3, 3, padding="same", stride=2, padding_mode="reflect")
    shape = (1, 2) + (5,) * dims
    for mode, p in (("reflect", 5), ("circular", 6)):  # (reflect: < n; circular: <= n)
        with pytest.raises(RuntimeError):
            TC(2, 3, 3, padding=p, padding_mode=mode)(torch.zeros(shape))
        with pytest.raises(ValueError, match=f"pad: mode '{'reflect' if p == 5 else 'wrap'}'"):
            C(2, 3, 3, padding=p, padding_mode=mode)(tg.zeros(shape))
    ours, theirs = _conv_pair(dims, 2, 3, 3, padding=5, padding_mode="replicate")
    _check_conv(ours, theirs, shape)  # (replicate: any width, as torch)
    ours, theirs = _conv_pair(dims, 2, 3, 3, padding=4, padding_mode="reflect")
    _check_conv(ours, theirs, shape)


# ---- avg_pool2d / AvgPool2d: ceil_mode, count_include_pad, divisor_override ------------------
def _pool_cases(n):
    rng = np.random.default_rng(11)
    for _ in range(n):
        k = tuple(int(v) for v in rng.integers(1, 5, size=2))
        s = tuple(int(v) for v in rng.integers(1, 5, size=2))
        p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in k)
        hw = tuple(int(max(ki - 2 * pi, 1) + rng.integers(0, 6)) for ki, pi in zip(k, p))
        lead = ((2, 3), (3,))[int(rng.integers(0, 2))]
        yield lead + hw, k, s, p


@pytest.mark.parametrize(("shape", "k", "s", "p"), list(_pool_cases(40)))
def test_avg_pool2d_options_values_and_gradients_as_torch(shape, k, s, p):
    a = RNG.normal(size=shape)
    for ceil in (False, True):
        for cip in (True, False):
            for div in (None, 3, -2):
                kw = dict(ceil_mode=ceil, count_include_pad=cip, divisor_override=div)
                tx = torch.tensor(a, requires_grad=True)
                try:
                    ty = TF.avg_pool2d(tx, k, s, p, **kw)
                except RuntimeError:  # (an output too small: ours refuses it too)
                    with pytest.raises(ValueError, match="avg_pool2d"):
                        F.avg_pool2d(tg.tensor(a), k, s, p, **kw)
                    continue
                x = tg.tensor(a, requires_grad=True)
                y = F.avg_pool2d(x, k, s, p, **kw)
                _same(y, ty, rtol=1e-12, atol=1e-15)
                g = RNG.normal(size=tuple(ty.shape))
                (y * tg.tensor(g)).sum().backward()
                (ty * torch.tensor(g)).sum().backward()
                np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-14)
                m, tm = tg.nn.AvgPool2d(k, s, p, ceil, cip, div), torch.nn.AvgPool2d(
                    k, s, p, ceil, cip, div)
                _same(m(tg.tensor(a)), tm(torch.tensor(a)), atol=1e-15)


def test_avg_pool2d_ceil_mode_drops_windows_starting_in_the_padding():
    a = np.arange(25.0).reshape(1, 1, 5, 5)
    for k, s, p in (((2, 2), (2, 2), (1, 1)), ((3, 3), (2, 2), (1, 1)), ((2, 2), (3, 3), 0),
                    ((3, 1), (4, 1), (1, 0))):
        ours = F.avg_pool2d(tg.tensor(a), k, s, p, ceil_mode=True, count_include_pad=False)
        theirs = TF.avg_pool2d(torch.tensor(a), k, s, p, ceil_mode=True, count_include_pad=False)
        _same(ours, theirs)
    _same(F.avg_pool2d(input=tg.tensor(a), kernel_size=2, ceil_mode=True, divisor_override=1),
          TF.avg_pool2d(input=torch.tensor(a), kernel_size=2, ceil_mode=True,
                        divisor_override=1))
    e = np.zeros((1, 1, 3, 3))  # (NaN and inf propagate as a sum's)
    e[0, 0, 1, 1], e[0, 0, 2, 2] = np.nan, np.inf
    _same(F.avg_pool2d(tg.tensor(e), 2, ceil_mode=True, count_include_pad=False),
          TF.avg_pool2d(torch.tensor(e), 2, ceil_mode=True, count_include_pad=False))
    f32 = a.astype(np.float32)
    y = F.avg_pool2d(tg.tensor(f32), 2, ceil_mode=True)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, TF.avg_pool2d(torch.tensor(f32), 2, ceil_mode=True),
                               rtol=1e-6)


def test_avg_pool2d_option_errors_one_line():
    x = tg.tensor(np.zeros((1, 1, 4, 4)))
    with pytest.raises(RuntimeError):
        TF.avg_pool2d(torch.zeros(1, 1, 4, 4), 2, divisor_override=0)
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="divisor_override must be a nonzero integer") as e:
            F.avg_pool2d(x, 2, divisor_override=bad)
        assert "\n" not in str(e.value)
        with pytest.raises(ValueError, match="divisor_override"):
            tg.nn.AvgPool2d(2, divisor_override=bad)
    i = np.arange(25).reshape(1, 5, 5)  # (integers: float64, as without the options)
    y = F.avg_pool2d(tg.tensor(i), 2, ceil_mode=True)
    assert y.dtype == np.float64
    _same(y, TF.avg_pool2d(torch.tensor(i, dtype=torch.float64), 2, ceil_mode=True))
    with pytest.raises(ValueError, match="expected input"):
        F.avg_pool2d(tg.tensor(np.zeros((4, 4))), 2, count_include_pad=False)
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.avg_pool2d(tg.tensor(np.zeros((1, 1, 2, 2))), 3, count_include_pad=False)
    o = np.ones((1, 1, 2, 2))  # (ceil_mode: one partial window, as torch)
    _same(F.avg_pool2d(tg.tensor(o), 3, ceil_mode=True),
          TF.avg_pool2d(torch.tensor(o), 3, ceil_mode=True))
    assert repr(tg.nn.AvgPool2d(2, ceil_mode=True)) == "AvgPool2d(kernel=2, stride=2)"


# ---- sort / argsort stable= --------------------------------------------------------------------
def _tied(shape, dtype):
    r = np.random.default_rng(3)
    if dtype == np.bool_:
        return r.integers(0, 2, size=shape).astype(bool)
    if np.dtype(dtype).kind in "iu":
        return r.integers(0, 4, size=shape).astype(dtype)
    a = r.choice([0.0, -0.0, 1.5, -2.0, NAN, INF, -INF, 1.5], size=shape).astype(dtype)
    return a


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.uint8,
                                   np.bool_])
@pytest.mark.parametrize("shape", [(13,), (4, 9), (3, 5, 6), (1,), (0,), (2, 0)])
def test_sort_argsort_stable_ties_and_nan_as_torch(dtype, shape):
    a = _tied(shape, dtype)
    t = torch.from_numpy(a.copy())
    for dim in range(-len(shape), len(shape)):
        for desc in (False, True):
            theirs = torch.sort(t, dim=dim, descending=desc, stable=True)
            for stable in (True, False, None):  # (ours: stable whatever it says)
                v, i = tg.tensor(a).sort(dim=dim, descending=desc, stable=stable)
                _same(v, theirs.values)
                _same(i, theirs.indices)
            v, i = tg.sort(tg.tensor(a), dim=dim, descending=desc, stable=True)
            _same(v, theirs.values)
            _same(i, theirs.indices)
            _same(tg.argsort(tg.tensor(a), dim, desc, stable=True),
                  torch.argsort(t, dim=dim, descending=desc, stable=True))
            _same(tg.tensor(a).argsort(dim=dim, descending=desc, stable=True),
                  t.argsort(dim=dim, descending=desc, stable=True))


def test_sort_stable_0d_gradient_and_errors():
    for dim in (0, -1):  # (0-d: itself and index 0, as torch's)
        v, i = tg.tensor(3.0).sort(dim=dim, stable=True)
        _same(v, torch.tensor(3.0, dtype=torch.float64).sort(dim=dim, stable=True).values)
        _same(i, torch.tensor(3.0).sort(dim=dim, stable=True).indices)
        _same(tg.tensor(3.0).argsort(dim=dim, stable=True),
              torch.tensor(3.0).argsort(dim=dim, stable=True))
    with pytest.raises(IndexError, match="out of range for a 0-d tensor"):
        tg.tensor(3.0).sort(dim=1)
    a = RNG.normal(size=(3, 5)).round(0)  # (ties: the gradient follows torch's permutation)
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    w = RNG.normal(size=(3, 5))
    (x.sort(0, descending=True, stable=True).values * tg.tensor(w)).sum().backward()
    (tx.sort(dim=0, descending=True, stable=True).values * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10)
    with pytest.raises(TypeError):
        torch.sort(torch.tensor([1.0]), stable=1)
    for call in (lambda: tg.tensor([1.0]).sort(stable=1),
                 lambda: tg.argsort(tg.tensor([1.0]), stable="yes"),
                 lambda: tg.sort(tg.tensor([1.0]), stable=1)):
        with pytest.raises(TypeError, match="stable must be a bool"):
            call()


# ---- Adam(decoupled_weight_decay=True): AdamW's update, as torch 2.13's ----------------------
@pytest.mark.parametrize("kw", [dict(weight_decay=0.1), dict(weight_decay=0.3, amsgrad=True),
                                dict(weight_decay=0.05, maximize=True), dict(weight_decay=0.0),
                                dict(weight_decay=0.2, betas=(0.5, 0.9), eps=1e-3)])
def test_adam_decoupled_weight_decay_as_torch(kw):
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=(4,))
    ps = [tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)]
    tps = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    opts = [tg.optim.Adam(ps, lr=0.05, decoupled_weight_decay=True, **kw),
            tg.optim.AdamW([p for p in [tg.tensor(a, requires_grad=True),
                                        tg.tensor(b, requires_grad=True)]], lr=0.05, **kw)]
    topt = torch.optim.Adam(tps, lr=0.05, decoupled_weight_decay=True, **kw)
    twin = opts[1].param_groups[0]["params"]
    for _ in range(5):
        for p in ps + twin:
            p.grad = None
        for t in tps:
            t.grad = None
        ((ps[0] @ ps[1]).tanh().sum() + (ps[0] ** 2).sum()).backward()
        ((twin[0] @ twin[1]).tanh().sum() + (twin[0] ** 2).sum()).backward()
        ((tps[0] @ tps[1]).tanh().sum() + (tps[0] ** 2).sum()).backward()
        for o in opts:
            o.step()
        topt.step()
    for p, q, t in zip(ps, twin, tps, strict=True):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(q.data, p.data, rtol=1e-12, atol=1e-14)  # (= AdamW)
    assert opts[0].param_groups[0]["decoupled_weight_decay"] is True
    assert opts[1].param_groups[0]["decoupled_weight_decay"] is True


def test_adam_decoupled_weight_decay_per_group_and_default():
    a = RNG.normal(size=(3,))
    p1, p2 = tg.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True)
    t1, t2 = torch.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    opt = tg.optim.Adam([{"params": [p1]}, {"params": [p2], "decoupled_weight_decay": True}],
                        lr=0.1, weight_decay=0.5)
    topt = torch.optim.Adam([{"params": [t1]}, {"params": [t2], "decoupled_weight_decay": True}],
                            lr=0.1, weight_decay=0.5)
    assert opt.param_groups[0]["decoupled_weight_decay"] is False
    for _ in range(3):
        for p in (p1, p2, t1, t2):
            p.grad = None
        (p1.sin().sum() + p2.sin().sum()).backward()
        (t1.sin().sum() + t2.sin().sum()).backward()
        opt.step()
        topt.step()
    _same(p1, t1)
    _same(p2, t2)
    assert not np.allclose(p1.data, p2.data)  # (the two decays differ)


# ---- tril_indices / triu_indices dtype= -----------------------------------------------------
@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
def test_tri_indices_dtype_as_torch(name):
    for args in ((4, 3), (3, 5, 1), (5, 5, -2), (0, 3), (3, 3, 7), (2, 4, -9)):
        for ours_dt, theirs_dt in ((None, None), (np.int32, torch.int32),
                                   (torch.int32, torch.int32), ("int64", torch.int64),
                                   (torch.int64, torch.int64)):
            _same(getattr(tg, name)(*args, dtype=ours_dt),
                  getattr(torch, name)(*args, dtype=theirs_dt))
    with pytest.raises(NotImplementedError):
        getattr(torch, name)(3, 3, dtype=torch.float32)
    for bad in (np.float32, torch.int8, torch.bool, "nope"):
        with pytest.raises(TypeError, match="dtype must be int64 or int32") as e:
            getattr(tg, name)(3, 3, dtype=bad)
        assert "\n" not in str(e.value)


# ---- uniform_(from_=, to=) ------------------------------------------------------------------
def test_uniform_from_to_keywords():
    tg.manual_seed(5)
    x = tg.zeros((200,)).uniform_(from_=-2.0, to=3.0)
    tg.manual_seed(5)
    y = tg.zeros((200,)).uniform_(-2.0, 3.0)
    _same(x, y.data)  # (the same draws as the positional spelling)
    assert (x.data >= -2.0).all() and (x.data < 3.0).all() and x.data.std() > 1.0
    z = tg.zeros((3,)).uniform_(to=5.0)
    assert (z.data >= 0.0).all() and (z.data < 5.0).all()
    _same(tg.zeros((3,)).uniform_(from_=2.0, to=2.0),
          torch.zeros(3, dtype=torch.float64).uniform_(2.0, 2.0))
    with pytest.raises(RuntimeError):
        torch.zeros(3).uniform_(3.0, 2.0)
    with pytest.raises(ValueError, match="uniform_"):
        tg.zeros((3,)).uniform_(from_=3.0, to=2.0)
    with pytest.raises(TypeError, match="got both a= and from_="):
        tg.zeros((3,)).uniform_(1.0, from_=2.0)


# ---- Hardtanh(min_value=, max_value=): torch's deprecated names ----------------------------
def test_hardtanh_deprecated_names_warn_as_torch():
    a = np.array([-5.0, -1.5, -0.5, 0.0, 0.7, 2.5, 9.0])
    for kw in (dict(min_value=-2.0, max_value=3.0), dict(min_value=-0.5),
               dict(max_value=0.5), dict(min_val=-4.0, min_value=-1.0)):
        with warnings.catch_warnings(record=True) as ours_w:
            warnings.simplefilter("always")
            m = tg.nn.Hardtanh(**kw)
        with warnings.catch_warnings(record=True) as theirs_w:
            warnings.simplefilter("always")
            tm = torch.nn.Hardtanh(**kw)
        assert [(w.category, str(w.message)) for w in ours_w] == \
            [(w.category, str(w.message)) for w in theirs_w]
        assert all(w.filename == __file__ for w in ours_w)  # (stacklevel: the caller's line)
        assert repr(m) == repr(tm)
        x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        m(x).sum().backward()
        tm(tx).sum().backward()
        _same(m(tg.tensor(a)), tm(torch.tensor(a)))
        np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.nn.Hardtanh(-2.0, 2.0)  # (the new names: no warning)

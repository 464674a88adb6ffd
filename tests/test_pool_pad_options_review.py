"""torch's options that were refused in one line and are now torch's (a review against torch
2.13): avg_pool1d / nn.AvgPool1d with ceil_mode and count_include_pad=False, lp_pool1d/2d with
ceil_mode (torch's mean of the partial window times the whole kernel's size), and F.pad's
negative widths in reflect / replicate / circular modes (reflect and replicate pad the whole
axis, then crop; circular crops, then wraps what is left)."""

import itertools

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _both(fn_ours, fn_torch, x, dtype=np.float64, rtol=1e-12, grtol=1e-10):
    """Values and input gradients (of a random weighted sum) of ours and torch's."""
    rng = np.random.default_rng(x.size)
    t = tg.Tensor(x.astype(dtype), requires_grad=True)
    tt = torch.tensor(x.astype(dtype), requires_grad=True)
    y, yt = fn_ours(t), fn_torch(tt)
    assert y.shape == tuple(yt.shape) and y.dtype == np.dtype(str(yt.dtype).split(".")[1])
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=rtol, atol=0)
    w = rng.standard_normal(y.shape).astype(dtype)
    (y * tg.Tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(np.asarray(t.grad), tt.grad.numpy(), rtol=grtol,
                               atol=1e-300 if dtype == np.float64 else 1e-5)


def _pool_cases(rng, count):
    for _ in range(count):
        k = int(rng.integers(1, 6))
        s = int(rng.integers(1, 5))
        p = int(rng.integers(0, k // 2 + 1))
        n = int(rng.integers(max(1, k - 2 * p - s + 1), 12))
        yield n, k, s, p


def test_avg_pool1d_ceil_mode_and_count_include_pad_as_torch():
    rng = np.random.default_rng(0)
    checked = 0
    for n, k, s, p in _pool_cases(rng, 50):
        for ceil, cip in itertools.product((False, True), repeat=2):
            x = rng.standard_normal((2, 3, n))
            try:
                TF.avg_pool1d(torch.tensor(x), k, s, p, ceil, cip)
            except RuntimeError:
                with pytest.raises(ValueError, match="avg_pool1d: kernel_size"):
                    F.avg_pool1d(tg.Tensor(x), k, s, p, ceil, cip)
                continue
            args = (k, s, p, ceil, cip)
            _both(lambda t, a=args: F.avg_pool1d(t, *a), lambda t, a=args: TF.avg_pool1d(t, *a), x)
            checked += 1
    assert checked > 120


def test_avg_pool1d_module_unbatched_and_float32():
    x = np.random.default_rng(1).standard_normal((3, 7))
    ours = nn.AvgPool1d(3, 2, 1, ceil_mode=True, count_include_pad=False)
    theirs = torch.nn.AvgPool1d(3, 2, 1, ceil_mode=True, count_include_pad=False)
    _both(ours, theirs, x)
    _both(ours, theirs, x, np.float32, 1e-6, 1e-6)
    # a kernel longer than the input: a window only under ceil_mode, as torch's
    _both(lambda t: F.avg_pool1d(t, 4, 3, ceil_mode=True),
          lambda t: TF.avg_pool1d(t, 4, 3, ceil_mode=True), x[:, :2])


@pytest.mark.parametrize("dims", [1, 2])
def test_lp_pool_ceil_mode_as_torch(dims):
    rng = np.random.default_rng(2 + dims)
    fn, tfn = (F.lp_pool1d, TF.lp_pool1d) if dims == 1 else (F.lp_pool2d, TF.lp_pool2d)
    checked = 0
    for _ in range(40):
        k = tuple(int(v) for v in rng.integers(1, 5, dims))
        s = tuple(int(v) for v in rng.integers(1, 4, dims))
        size = tuple(int(v) for v in rng.integers(1, 9, dims))
        x = np.abs(rng.standard_normal((2, 2) + size)) + 0.1
        for p in (2.0, 3, 1.5, np.inf):
            kk, ss = (k[0], s[0]) if dims == 1 else (k, s)
            try:
                tfn(torch.tensor(x), p, kk, ss, True)
            except RuntimeError:
                with pytest.raises(ValueError, match=f"lp_pool{dims}d: "):
                    fn(tg.Tensor(x), p, kk, ss, True)
                continue
            args = (p, kk, ss, True)
            _both(lambda t, a=args: fn(t, *a), lambda t, a=args: tfn(t, *a), x)
            checked += 1
    assert checked > 60


def test_lp_pool_ceil_mode_partial_window_is_torchs_formula():
    """The partial last window: its mean times the whole kernel (torch's), not its sum."""
    x = np.array([[[1.0, 2.0, 3.0, 4.0, 5.0]]])
    y = F.lp_pool1d(tg.Tensor(x), 2.0, 2, ceil_mode=True).numpy()
    assert y[0, 0, -1] == pytest.approx(np.sqrt(25.0 * 2))
    np.testing.assert_array_equal(y, TF.lp_pool1d(torch.tensor(x), 2.0, 2, ceil_mode=True))
    m = nn.LPPool2d(2, 2, ceil_mode=True)
    x2 = np.random.default_rng(5).standard_normal((1, 3, 3))
    _both(m, torch.nn.LPPool2d(2, 2, ceil_mode=True), x2)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_negative_widths_as_torch_or_one_line(mode):
    """Every (before, after) in -5..5 on lengths 1..4: torch's values and gradients where
    torch gives a determined result; where torch raises, or (circular, the crop leaving fewer
    entries than a side wraps) reads uninitialized memory, one line of ValueError."""
    matched = 0
    for n in range(1, 5):
        for a, b in itertools.product(range(-5, 6), repeat=2):
            if a >= 0 and b >= 0:
                continue
            x = np.random.default_rng(n).standard_normal((1, 2, n))
            try:
                first = TF.pad(torch.tensor(x), (a, b), mode=mode)
                torch_ok = torch.equal(first, TF.pad(torch.tensor(x), (a, b), mode=mode))
            except RuntimeError:
                torch_ok = False
            left = n - max(-a, 0) - max(-b, 0)
            if torch_ok and (mode != "circular" or max(a, b) <= left) and first.numel():
                _both(lambda t, w=(a, b): F.pad(t, pad=w, mode=mode),
                      lambda t, w=(a, b): TF.pad(t, w, mode=mode), x)
                matched += 1
            elif torch_ok and first.numel() == 0 and left >= 0:
                assert F.pad(tg.Tensor(x), pad=(a, b), mode=mode).shape == tuple(first.shape)
            else:
                with pytest.raises(ValueError) as e:
                    F.pad(tg.Tensor(x), pad=(a, b), mode=mode)
                assert str(e.value).startswith("pad: ") and "\n" not in str(e.value)
    assert matched > 30


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_negative_widths_2d_3d_random(mode):
    rng = np.random.default_rng(7)
    checked = 0
    for trial in range(30):
        dims = 2 if trial % 2 else 3
        shape = (1, 2) + tuple(int(v) for v in rng.integers(2, 6, dims))
        widths = []
        for n in shape[:1:-1]:  # torch's order: last axis first
            a = int(rng.integers(-(n - 1), n))
            b = int(rng.integers(-(n - 1 - max(-a, 0)), n))
            widths += [a, b]
        x = rng.standard_normal(shape)
        try:
            want = TF.pad(torch.tensor(x), tuple(widths), mode=mode)
            stable = torch.equal(want, TF.pad(torch.tensor(x), tuple(widths), mode=mode))
        except RuntimeError:
            stable = False
        if not stable:
            continue
        if mode == "circular" and any(
                max(a, b) > n - max(-a, 0) - max(-b, 0) and min(a, b) < 0
                for (a, b), n in zip(np.reshape(widths, (-1, 2)), shape[:1:-1])):
            continue  # (torch: uninitialized memory where it happens to repeat itself)
        ours = lambda t, w=tuple(widths): F.pad(t, pad=w, mode=mode)  # noqa: E731
        theirs = lambda t, w=tuple(widths): TF.pad(t, w, mode=mode)  # noqa: E731
        _both(ours, theirs, x)
        _both(ours, theirs, x, np.float32, 0, 1e-6)
        checked += 1
    assert checked > 8


def test_pad_negative_widths_numpy_spelling_still_refused():
    with pytest.raises(ValueError, match="pad: mode 'reflect' needs widths >= 0"):
        F.pad(tg.Tensor(np.ones((2, 5))), ((0, 0), (-1, 2)), mode="reflect")

"""F.interpolate(..., antialias=True) for modes 'bilinear' and 'bicubic' (4-D), against torch
2.13 (CPU): values and gradients, align_corners False / True, size or scale_factor (with and
without recompute_scale_factor), float64 (1e-10) and float32, downsampling (the filter's
support widened by the scale) and upsampling (torch's antialiased kernel, which is not the plain
mode's there: bicubic's A = -0.5, weights normalised at the border). Before: refused
("antialias=True is not supported").

torch's own slip, left out of the draws and pinned below: where the output's width is 1 and the
height is resampled, its forward reads every row from the first output's weights (an arange
column of 6 to 2 gives [1.25, 1.25]); its gradient is right, and ours equals torch's result on
the transposed input."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.functional import interpolate

torch = pytest.importorskip("torch")
TF = torch.nn.functional

_SCALES = (0.3, 0.5, 0.37, 1 / 3, 0.9, 1.0, 1.5, 2.0, 0.25, 0.7, 2.6)


def _draw(rng):
    h, w = (int(v) for v in rng.integers(1, 12, 2))
    kw = {"mode": str(rng.choice(["bilinear", "bicubic"])), "antialias": True,
          "align_corners": bool(rng.integers(2))}
    if rng.integers(2):
        kw["size"] = tuple(int(v) for v in rng.integers(1, 12, 2))
    else:
        kw["scale_factor"] = tuple(float(v) for v in rng.choice(_SCALES, 2))
        kw["recompute_scale_factor"] = [None, True, False][int(rng.integers(3))]
    return h, w, kw


def _torch_reference(tx, kw, h):
    """torch's result, from the transposed problem where its forward slips (width 1 out)."""
    ty = TF.interpolate(tx, **kw)
    if ty.shape[3] != 1 or ty.shape[2] == h:
        return ty
    kt = dict(kw)
    for key in ("size", "scale_factor"):
        if key in kt:
            kt[key] = kt[key][::-1]
    return TF.interpolate(tx.transpose(2, 3), **kt).transpose(2, 3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(4))
def test_antialias_matches_torch_values_and_gradients(seed, dtype):
    rng = np.random.default_rng([seed, np.dtype(dtype).itemsize])
    tol = 1e-10 if dtype == np.float64 else 2e-6
    for _ in range(60):
        h, w, kw = _draw(rng)
        xs = rng.standard_normal((2, 3, h, w)).astype(dtype)
        tx = torch.tensor(xs, requires_grad=True)
        try:
            ty = TF.interpolate(tx, **kw)
        except (ValueError, RuntimeError):  # (a scale_factor giving an empty output)
            with pytest.raises(ValueError, match="^interpolate: "):
                interpolate(tg.Tensor(xs), **kw)
            continue
        x = tg.Tensor(xs, requires_grad=True)
        y = interpolate(x, **kw)
        g = rng.standard_normal(tuple(ty.shape)).astype(dtype)
        (ty * torch.tensor(g)).sum().backward()
        (y * tg.Tensor(g)).sum().backward()
        with torch.no_grad():
            ref = _torch_reference(tx, kw, h).numpy()
        assert y.shape == tuple(ty.shape) and y.data.dtype == dtype, kw
        np.testing.assert_allclose(y.data, ref, rtol=tol, atol=tol, err_msg=str(kw))
        np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=tol,
                                   atol=10 * tol, err_msg=str(kw))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_antialias_beside_inf_and_nan_matches_torch(dtype):
    """A weight of exactly 0 at the support's edge (inf there gives NaN) or 1e-17 (inf): the
    cubic filter's multiply-adds fused as torch's compiled kernel fuses them."""
    rng = np.random.default_rng(11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(400):
            w, ow = int(rng.integers(1, 14)), int(rng.integers(1, 14))
            kw = {"mode": str(rng.choice(["bilinear", "bicubic"])), "antialias": True,
                  "align_corners": bool(rng.integers(2)), "size": (2, ow)}
            xs = rng.standard_normal((1, 1, 2, w)).astype(dtype)
            xs[0, 0, :, rng.integers(w)] = rng.choice([np.inf, -np.inf, np.nan])
            ours = interpolate(tg.Tensor(xs), **kw).data
            theirs = TF.interpolate(torch.tensor(xs), **kw).numpy()
            np.testing.assert_allclose(ours, theirs, rtol=1e-5, equal_nan=True,
                                       err_msg=f"{kw} width {w}")


def test_antialias_bilinear_downsample_is_the_widened_triangle():
    """Before: refused. 4 -> 2 reads each output from 4 inputs, weights 1/8, 3/8, 3/8, 1/8
    (a triangle of half-width 2 at the centres 1 and 3), normalised at the border."""
    x = tg.Tensor(np.arange(4.0).reshape(1, 1, 1, 4), requires_grad=True)
    y = interpolate(x, size=(1, 2), mode="bilinear", antialias=True)
    want = TF.interpolate(torch.arange(4.0, dtype=torch.float64).reshape(1, 1, 1, 4),
                          size=(1, 2), mode="bilinear", antialias=True).numpy()
    np.testing.assert_allclose(y.data, want, rtol=1e-15)
    np.testing.assert_allclose(y.data.ravel(), [(0 * 3 + 1 * 3 + 2) / 7, (1 + 2 * 3 + 3 * 3) / 7],
                               rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad).ravel(), [3 / 7, 4 / 7, 4 / 7, 3 / 7],
                               rtol=1e-15)


def test_antialias_upsampling_is_not_the_plain_bicubic():
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 5))
    kw = {"size": (8, 9), "mode": "bicubic"}
    ours = interpolate(tg.Tensor(x), antialias=True, **kw).data
    np.testing.assert_allclose(ours, TF.interpolate(torch.tensor(x), antialias=True,
                                                    **kw).numpy(), rtol=1e-10)
    assert not np.allclose(ours, interpolate(tg.Tensor(x), **kw).data)


def test_torch_antialias_slip_at_output_width_one_is_not_ours():
    x = np.arange(6.0).reshape(1, 1, 6, 1)
    ours = interpolate(tg.Tensor(x), size=(2, 1), mode="bilinear", antialias=True).data
    np.testing.assert_allclose(ours.ravel(), [1.25, 3.75], rtol=1e-15)  # (symmetric)
    theirs = TF.interpolate(torch.tensor(x), size=(2, 1), mode="bilinear", antialias=True)
    assert theirs.numpy().ravel().tolist() == [1.25, 1.25]  # (torch 2.13's slip; if this
    # fails, torch fixed it: drop _torch_reference's detour)


@pytest.mark.parametrize("kw, match", [
    ({"mode": "nearest"}, "antialias=True takes mode 'bilinear' or 'bicubic'"),
    ({"mode": "lanczos"}, "mode 'lanczos' is not supported"),
    ({"mode": "area"}, "antialias=True takes mode")])
def test_antialias_refusals_are_one_line(kw, match):
    with pytest.raises(ValueError, match="^interpolate: .*" + match) as e:
        interpolate(tg.Tensor(np.ones((1, 1, 4, 4))), size=3, antialias=True, **kw)
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError):  # (torch refuses these too)
        TF.interpolate(torch.ones(1, 1, 4, 4), size=3, antialias=True,
                       **({"mode": "nearest"} if kw["mode"] == "lanczos" else kw))

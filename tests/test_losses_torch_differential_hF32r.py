"""smooth_l1_loss, huber_loss, binary_cross_entropy_with_logits (weight=, pos_weight=) and
addcmul / addcdiv against torch 2.13 on seeded random cases (helper hF32r, reviewing ec6ef9e's
ops.SmoothL1 and ops.BCEWithLogits): random shapes (0-d, empty, broadcast weights), every
reduction, beta / delta from 1e-3 to 1e3, float64 values and every input's gradient to 1e-10
of torch's, float32 to float32's round-off of the float64 result (torch's float32 is no
reference at the edges it gets wrong). ~3,000 such cases ran in scratch; this is a fast slice.
"""
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
OPS = ("smooth_l1", "huber", "bce", "bce_pos_weight", "addcmul", "addcdiv")


def _draw(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    op = OPS[seed % len(OPS)]
    shape = tuple(int(k) for k in rng.integers(0, 5, int(rng.integers(0, 4))))
    x = rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 1.5)
    y = rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 1.5)
    kw, extra = {}, {}
    if op in ("smooth_l1", "huber", "bce", "bce_pos_weight"):
        kw["reduction"] = str(rng.choice(["none", "mean", "sum"]))
    if op == "smooth_l1":
        kw["beta"] = float(rng.choice([1.0, 0.0, 0.5, 2.0, 1e-3, 1e3]))
    elif op == "huber":
        kw["delta"] = float(rng.choice([1.0, 0.5, 2.0, 1e-3, 1e3]))
    elif op.startswith("bce"):
        y = rng.uniform(size=shape) if rng.uniform() < 0.5 else rng.choice([0.0, 1.0], shape)
        tail = shape[len(shape) - int(rng.integers(0, len(shape) + 1)):]
        if rng.uniform() < 0.4:
            extra["weight"] = rng.uniform(0, 2, tail)
        if op == "bce_pos_weight":
            extra["pos_weight"] = rng.uniform(0, 4, tail)
    else:
        extra["t2"] = rng.standard_normal(shape) + 0.5 * np.sign(rng.standard_normal(shape))
        kw["value"] = float(rng.choice([1.0, 0.5, -2.0, 1e-3]))
    return op, x, y, kw, extra


def _run(lib, op, x, y, kw, extra, dtype, w_seed):
    """(value, [gradients of x and y]) of `op`, backward of a seeded weighted sum."""
    if lib == "tg":
        mk, fn = (lambda a, g=True: tg.tensor(a.astype(dtype), requires_grad=g)), F
    else:
        mk, fn = (lambda a, g=True: torch.tensor(a.astype(dtype), requires_grad=g)), TF
    tx, ty = mk(x), mk(y)
    ex = {k: mk(v, k == "t2") for k, v in extra.items()}
    if op == "smooth_l1":
        out = fn.smooth_l1_loss(tx, ty, **kw)
    elif op == "huber":
        out = fn.huber_loss(tx, ty, **kw)
    elif op.startswith("bce"):
        out = fn.binary_cross_entropy_with_logits(tx, ty, **kw, **ex)
    elif lib == "tg":
        out = getattr(tx, op)(ty, ex["t2"], **kw)
    else:
        out = getattr(torch, op)(tx, ty, ex["t2"], **kw)
    w = np.random.default_rng(w_seed).standard_normal(tuple(out.shape))
    value = out.numpy() if lib == "tg" else out.detach().numpy()
    (out * (tg.tensor(w.astype(value.dtype)) if lib == "tg"
            else torch.tensor(w.astype(value.dtype)))).sum().backward()
    grads = [np.asarray(t.grad) if lib == "tg" else t.grad.numpy() for t in (tx, ty)]
    return value, grads


@pytest.mark.parametrize("block", range(4))
def test_float64_values_and_gradients_match_torch(block):
    for seed in range(block * 60, block * 60 + 60):
        op, x, y, kw, extra = _draw(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (torch's mean of an empty loss)
            ours, theirs = (_run(lib, op, x, y, kw, extra, np.float64, seed)
                            for lib in ("tg", "torch"))
        assert ours[0].dtype == np.float64 and ours[0].shape == theirs[0].shape, (seed, op)
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-300,
                                   err_msg=f"seed {seed} {op} {kw}")
        for a, b in zip(ours[1], theirs[1]):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14 * (np.abs(b).max(initial=0)),
                                       err_msg=f"seed {seed} {op} {kw}")


@pytest.mark.parametrize("block", range(2))
def test_float32_is_float64_rounded(block):
    eps = float(np.finfo(np.float32).eps)
    for seed in range(1000 + block * 60, 1000 + block * 60 + 60):
        op, x, y, kw, extra = _draw(seed)
        x, y = x.astype(np.float32).astype(np.float64), y.astype(np.float32).astype(np.float64)
        extra = {k: v.astype(np.float32).astype(np.float64) for k, v in extra.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = _run("tg", op, x, y, kw, extra, np.float32, seed)
            ref = _run("tg", op, x, y, kw, extra, np.float64, seed)
        assert ours[0].dtype == np.float32 and all(g.dtype == np.float32 for g in ours[1])
        scale = np.abs(ref[0]).max(initial=0)
        np.testing.assert_allclose(ours[0], ref[0], rtol=64 * eps, atol=64 * eps * scale + 1e-30,
                                   err_msg=f"seed {seed} {op} {kw}")
        for a, b in zip(ours[1], ref[1]):
            np.testing.assert_allclose(a, b, rtol=64 * eps,
                                       atol=64 * eps * np.abs(b).max(initial=0) + 1e-30,
                                       err_msg=f"seed {seed} {op} {kw}")

"""F.ctc_loss against torch 2.13 over seeded random cases (T 1..12, batch 1..4, classes 1..6,
blank first / last / middle, padded and concatenated targets, repeats, zero lengths,
impossible alignments, input lengths short of T, lengths as arrays / lists / tuples / int32 /
int64 tensors, every reduction and zero_infinity, float32 and float64, unbatched input), and
against an exact brute-force sum over all alignments (path log-probabilities summed as
Fractions), which also decides the cases where torch's gradient is off: log-probabilities far
from 0 (-1e30, -1e300), where torch's exp(log_alpha + log_beta - lp + nll) cancels
catastrophically (-inf, NaN or O(1) errors)."""

from __future__ import annotations

import itertools
import math
import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import tinygrad_dl.nn as nn
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _brute(lp: np.ndarray, target: list[int], il: int, blank: int) -> tuple[float, np.ndarray]:
    """Exact -log p(target) of one sequence lp (T, C) over its first il steps, and torch's
    gradient exp(lp) - posterior occupancy per class (0 past il), by enumerating every path;
    path sums are exact (Fractions), so huge log-probabilities keep their posteriors."""
    T, C = lp.shape
    logs, paths = [], []
    for p in itertools.product(range(C), repeat=il):
        kept = [k for i, k in enumerate(p) if (i == 0 or k != p[i - 1]) and k != blank]
        if kept == target:
            logs.append(sum(Fraction(float(lp[t, k])) for t, k in enumerate(p)))
            paths.append(p)
    assert logs, "the brute force needs a feasible case"
    top = max(logs)
    w = np.array([math.exp(float(v - top)) for v in logs])
    w /= w.sum()
    q = np.zeros((T, C))
    for wi, p in zip(w, paths):
        q[np.arange(il), list(p)] += wi
    nll = -float(top) - math.log(float(np.exp([float(v - top) for v in logs]).sum()))
    grad = np.where(np.arange(T)[:, None] < il, np.exp(lp) - q, 0.0)
    return nll, grad


def _lengths(v: np.ndarray, kind: int) -> Any:
    return [v, list(map(int, v)), tuple(map(int, v)), torch.tensor(v, dtype=torch.int32),
            torch.tensor(v, dtype=torch.int64)][kind]


def _local(v: Any) -> Any:
    return v.numpy() if isinstance(v, torch.Tensor) else v


def _case(rng: np.random.Generator) -> tuple[Any, ...]:
    T, N, C = int(rng.integers(1, 13)), int(rng.integers(1, 5)), int(rng.integers(1, 7))
    blank = [0, C - 1, int(rng.integers(0, C))][int(rng.integers(0, 3))]
    labels = [c for c in range(C) if c != blank]
    S = int(rng.integers(0, 6)) if labels else 0
    tg = rng.choice(labels, size=(N, S)).astype(np.int64) if S else np.zeros((N, 0), np.int64)
    if S and rng.random() < 0.3:
        tg[:, 1:] = tg[:, :-1]  # repeated labels (a blank must separate them)
    tl, il = rng.integers(0, S + 1, size=N), rng.integers(0, T + 1, size=N)
    if rng.random() < 0.5:
        il[:] = T
    z = rng.normal(size=(T, N, C)) * rng.choice([1, 3])
    lp = z - np.log(np.exp(z).sum(-1, keepdims=True)) if rng.random() < 0.6 else z
    if rng.random() < 0.15:
        lp[int(rng.integers(0, T)), int(rng.integers(0, N)), int(rng.integers(0, C))] = -np.inf
    if rng.random() < 0.3:
        tg = np.concatenate([tg[i, :tl[i]] for i in range(N)]).astype(np.int64)
    kw = dict(blank=blank, reduction=str(rng.choice(["none", "mean", "sum"])),
              zero_infinity=bool(rng.random() < 0.5))
    return lp, tg, il, tl, kw


def _both(lp: np.ndarray, tg: np.ndarray, il: Any, tl: Any, w_rng: np.random.Generator,
          **kw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    xt = torch.tensor(lp, requires_grad=True)
    ref = TF.ctc_loss(xt, torch.tensor(tg), torch.tensor(il) if isinstance(il, np.ndarray)
                      else il, torch.tensor(tl) if isinstance(tl, np.ndarray) else tl, **kw)
    w = w_rng.normal(size=ref.shape)
    (ref * torch.tensor(w, dtype=ref.dtype)).sum().backward()
    x = Tensor(lp, requires_grad=True)
    with np.errstate(invalid="ignore"):  # (sums and means over inf and NaN losses)
        out = F.ctc_loss(x, tg, _local(il), _local(tl), **kw)
        (out * Tensor(w.astype(out.data.dtype))).sum().backward()
    return out.data, x.grad, ref.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("seed", range(3))
def test_ctc_loss_matches_torch_over_random_cases(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    for _ in range(60):
        lp, tg, il, tl, kw = _case(rng)
        f32 = rng.random() < 0.2
        lp = lp.astype(np.float32) if f32 else lp
        unbatched = lp.shape[1] == 1 and rng.random() < 0.4
        kind = int(rng.integers(0, 5))
        ilx, tlx = _lengths(il, kind), _lengths(tl, kind)
        if unbatched:  # (1-D targets are the concatenated form: the one target's labels)
            lp, tg = lp[:, 0], tg.reshape(-1)[:int(tl[0])]
            if kind >= 3:  # 0-d length tensors, as torch's unbatched form
                ilx, tlx = torch.tensor(int(il[0])), torch.tensor(int(tl[0]))
        out, g, ref, gref = _both(lp, tg, ilx, tlx, rng, **kw)
        assert out.dtype == ref.dtype and out.shape == ref.shape
        tol = dict(rtol=2e-5, atol=2e-5) if f32 else dict(rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(out, ref, equal_nan=True, **tol)
        np.testing.assert_allclose(g, gref, equal_nan=True, **tol)


def test_ctc_loss_module_matches_torch() -> None:
    rng = np.random.default_rng(9)
    for _ in range(20):
        lp, tg, il, tl, kw = _case(rng)
        x, xt = Tensor(lp, requires_grad=True), torch.tensor(lp, requires_grad=True)
        with np.errstate(invalid="ignore"):
            out = nn.CTCLoss(**kw)(x, tg, il, tl)
            out.sum().backward()
        ref = torch.nn.CTCLoss(**kw)(xt, torch.tensor(tg), torch.tensor(il), torch.tensor(tl))
        ref.sum().backward()
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, equal_nan=True)
        np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-10,
                                   equal_nan=True)


def test_ctc_loss_matches_the_exact_brute_force() -> None:
    rng = np.random.default_rng(7)
    done = 0
    while done < 40:
        lp, tg, il, tl, kw = _case(rng)
        T, N, C = lp.shape
        if tg.ndim == 1 or C ** T > 3000 or np.isinf(lp).any():
            continue
        x = Tensor(lp, requires_grad=True)
        out = F.ctc_loss(x, tg, il, tl, blank=kw["blank"], reduction="none")
        out.sum().backward()
        for i in range(N):
            if len(tg[i, :tl[i]]) + sum(a == b for a, b in zip(tg[i, 1:tl[i]], tg[i, :tl[i]])) \
                    > il[i]:
                assert np.isposinf(out.data[i])  # too few steps: impossible
                continue
            nll, grad = _brute(lp[:, i], list(tg[i, :tl[i]]), int(il[i]), kw["blank"])
            np.testing.assert_allclose(out.data[i], nll, rtol=1e-11, atol=1e-12)
            np.testing.assert_allclose(x.grad[:, i], grad, rtol=1e-9, atol=1e-10)
            done += 1


def test_ctc_loss_gradient_is_exact_when_every_log_prob_is_minus_1e30() -> None:
    # all paths equally likely: the posteriors are path-count fractions (each step's sum 1);
    # before, the loss's rounding (5e30) overflowed exp: -1 on two classes at t = 0, 0 at
    # t = 1..3; torch gives -inf
    lp = np.full((5, 2, 4), -1e30)
    tg, il, tl = np.array([[1, 2], [3, 3]]), [5, 5], [2, 2]
    x = Tensor(lp, requires_grad=True)
    out = F.ctc_loss(x, tg, il, tl, reduction="none")
    out.sum().backward()
    assert out.data.tolist() == [5e30, 5e30]
    for i in range(2):
        _, grad = _brute(lp[:, i], list(tg[i]), 5, 0)
        np.testing.assert_allclose(x.grad[:, i], grad, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(x.grad.sum(-1), -1.0, rtol=1e-12)


def test_ctc_loss_gradient_is_bounded_with_a_column_of_minus_1e30() -> None:
    # one class at -1e30 on every step (the loss is 1e30): before, the loss's rounding
    # overflowed exp (a step's class masses summed far from 1, as torch's); now each
    # step's posteriors sum to 1. (Not exact: the paths through the class once differ by
    # O(1), below the alphas' rounding at 1e30 in float64; torch's are off as well.)
    z = np.random.default_rng(0).normal(size=(5, 1, 4))
    z[:, 0, 1] = -1e30
    x = Tensor(z, requires_grad=True)
    out = F.ctc_loss(x, np.array([[1, 2]]), [5], [2], reduction="sum")
    out.backward()
    assert out.data == 1e30
    q = np.exp(z[:, 0]) - x.grad[:, 0]
    assert np.isfinite(q).all() and (q >= -1e-15).all()
    np.testing.assert_allclose(q.sum(-1), 1.0, rtol=1e-12)
    assert not q[:, 3].any()  # (class 3 is on no path)


def test_ctc_loss_gradient_is_exact_with_a_step_of_minus_1e30() -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(size=(5, 1, 3))
    z[2] = -1e30  # every path pays it once
    z[4, 0, 2] = -1e300
    x = Tensor(z, requires_grad=True)
    F.ctc_loss(x, np.array([[2, 1]]), [5], [2], blank=0, zero_infinity=True).backward()
    _, grad = _brute(z[:, 0], [2, 1], 5, 0)
    np.testing.assert_allclose(x.grad[:, 0], grad / 2, rtol=1e-12, atol=1e-14)


def test_ctc_loss_gradient_is_exact_with_a_forced_minus_1e30_at_the_end() -> None:
    # the last step must emit label 2 (-1e30; blank is -1e300): label 1's larger lp there is
    # on no path, so each step's shift is taken over the labels a path can still use
    z = np.random.default_rng(6).normal(size=(4, 1, 3))
    z[3, 0] = [-1e300, 0.5, -1e30]
    x = Tensor(z, requires_grad=True)
    F.ctc_loss(x, np.array([[1, 2]]), [4], [2], reduction="sum").backward()
    _, grad = _brute(z[:, 0], [1, 2], 4, 0)
    np.testing.assert_allclose(x.grad[:, 0], grad, rtol=1e-12, atol=1e-14)


def test_ctc_loss_huge_log_probs_give_no_nan() -> None:
    # -1e30 / -1e300 entries (no -inf, no +inf): never NaN or inf in the gradient, and each
    # live step's posteriors sum to 1 (the gradient's class sum is sum(exp(lp)) - 1)
    rng = np.random.default_rng(5)
    for _ in range(30):
        T, N, C = int(rng.integers(1, 9)), int(rng.integers(1, 4)), int(rng.integers(2, 6))
        lp = rng.normal(size=(T, N, C))
        lp[rng.random((T, N, C)) < 0.4] = rng.choice([-1e30, -1e300, -1e5])
        tg = rng.integers(1, C, size=(N, 2))
        x = Tensor(lp, requires_grad=True)
        out = F.ctc_loss(x, tg, [T] * N, [1] * N, reduction="none", zero_infinity=True)
        out.sum().backward()
        assert np.isfinite(x.grad).all()
        feasible = out.data > 0  # (an impossible one is 0 with no gradient)
        sums = x.grad.sum(-1)[:, feasible] - np.exp(lp).sum(-1)[:, feasible]
        np.testing.assert_allclose(sums, -1.0, rtol=1e-9)


def test_ctc_loss_keeps_other_classes_at_a_plus_inf_log_prob() -> None:
    # an lp of +inf off every path: the path's class still -1 (the +inf entry's own
    # gradient is inf; torch's NaN)
    lp = np.array([[[np.inf, -33.8]]])
    x, xt = Tensor(lp, requires_grad=True), torch.tensor(lp, requires_grad=True)
    F.ctc_loss(x, np.array([[1]]), [1], [1], reduction="sum").backward()
    TF.ctc_loss(xt, torch.tensor([[1]]), [1], [1], reduction="sum").backward()
    assert x.grad[0, 0, 1] == xt.grad[0, 0, 1].item() == pytest.approx(-1.0)
    assert not np.isfinite(x.grad[0, 0, 0])


def test_ctc_loss_plus_inf_log_prob_off_every_path_keeps_the_posteriors() -> None:
    # [2, 1] in 3 steps: no path takes label 2 at the last step, where lp is +inf. Before,
    # the beta recursion's start added it to -inf (NaN), which spread back through beta and
    # was then read as no mass: the path's posteriors 0 at t = 0, 1 (gradient exp(lp)),
    # silently; now exact (torch: NaN at the +inf entry, exact elsewhere)
    rng = np.random.default_rng(2)
    lp = rng.normal(size=(3, 1, 3))
    lp[2, 0, 2] = np.inf
    x = Tensor(lp, requires_grad=True)
    out = F.ctc_loss(x, np.array([[2, 1]]), [3], [2], reduction="sum")
    out.backward()
    finite = lp.copy()
    finite[2, 0, 2] = 0.0  # (on no path: any value)
    nll, grad = _brute(finite[:, 0], [2, 1], 3, 0)
    assert out.data == pytest.approx(nll, rel=1e-12)
    ok = np.isfinite(lp[:, 0])
    np.testing.assert_allclose(x.grad[:, 0][ok], grad[ok], rtol=1e-12, atol=1e-14)
    xt = torch.tensor(lp, requires_grad=True)
    TF.ctc_loss(xt, torch.tensor([[2, 1]]), [3], [2], reduction="sum").backward()
    np.testing.assert_allclose(x.grad[:, 0][ok], xt.grad.numpy()[:, 0][ok], rtol=1e-10)


def test_ctc_loss_takes_lengths_of_any_shape_with_one_per_sample() -> None:
    # torch reads (N, 1) / (1, N) length tensors in order; we refused them
    z = np.random.default_rng(1).normal(size=(4, 2, 3))
    tg = np.array([[1, 2], [2, 1]])
    ref = TF.ctc_loss(torch.tensor(z), torch.tensor(tg), torch.tensor([[4], [3]]),
                      torch.tensor([[2, 1]]), reduction="none").numpy()
    out = F.ctc_loss(Tensor(z), tg, np.array([[4], [3]]), torch.tensor([[2, 1]]).numpy(),
                     reduction="none").data
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    with pytest.raises(ValueError, match="ctc_loss: input_lengths must hold one length per"):
        F.ctc_loss(Tensor(z), tg, np.array([[4, 4], [4, 4]]), [2, 1])


def test_jitted_ctc_step_with_huge_log_probs_is_bit_equal_to_eager() -> None:
    def body(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = Tensor(z, requires_grad=True)
        F.ctc_loss(x, np.array([[1, 1], [2, 3]]), [6, 5], [2, 2]).backward()
        return x.grad

    step = jit(lambda z: body(z))
    rng = np.random.default_rng(4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            z = rng.normal(size=(6, 2, 4))
            z[rng.random(z.shape) < 0.3] = -1e30
            assert np.array_equal(step(z), body(z))

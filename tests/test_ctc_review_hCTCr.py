"""Second review of the CTC loss's per-step shifts and normalisation (helper hCTCr): a NaN or
+inf log-probability where no path comes, or from where none completes, must add no mass (it
made the loss or other steps' gradients NaN, where the exact sum over alignments is finite);
the cheap posterior form for finite masses must give the general form's numbers; ordinary
and unnormalised inputs keep torch's gradient (exp(lp) minus a per-step distribution)."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _ours(lp: np.ndarray, tg: np.ndarray, il: list[int], tl: list[int],
          **kw: object) -> tuple[np.ndarray, np.ndarray]:
    x = Tensor(lp, requires_grad=True)
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore")
        out = F.ctc_loss(x, tg, il, tl, reduction="none", **kw)
        out.sum().backward()
    return out.data, np.array(x.grad)


def _brute(lp: np.ndarray, target: list[int], il: int, blank: int) -> tuple[float, np.ndarray]:
    """-log p(target) of lp (T, C) over its first il steps by enumerating every path (a path
    through a NaN is NaN, one through +inf gives -inf), and torch's gradient exp(lp) minus
    the posterior occupancy (0 past il); None for the gradient of a non-finite loss."""
    T, C = lp.shape
    logs, paths = [], []
    for p in itertools.product(range(C), repeat=il):
        kept = [k for i, k in enumerate(p) if (i == 0 or k != p[i - 1]) and k != blank]
        if kept == target:
            logs.append(sum(lp[t, k] for t, k in enumerate(p)))
            paths.append(p)
    v = np.array(logs)
    if not len(v) or np.isneginf(v).all():
        return math.inf, None
    if np.isnan(v).any():
        return math.nan, None
    top = v.max()
    w = np.exp(v - top)
    nll = -(top + math.log(w.sum()))
    q = np.zeros((T, C))
    for wi, p in zip(w / w.sum(), paths):
        q[np.arange(il), list(p)] += wi
    with np.errstate(invalid="ignore"):
        return nll, np.where(np.arange(T)[:, None] < il, np.exp(lp) - q, 0.0)


_LP = _log_softmax(np.random.default_rng(0).normal(size=(4, 1, 5)))
_TG = np.array([[1, 2, 3]])


def test_nan_where_no_path_completes_leaves_other_steps_exact() -> None:
    # lp[2, class 1]: a path at label 1 at step 2 cannot emit 2 and 3 by step 3; the beta
    # recursion's -inf + NaN spread NaN to steps 0 and 1 (posteriors NaN there)
    clean_loss, clean_grad = _ours(_LP, _TG, [4], [3])
    lp = _LP.copy()
    lp[2, 0, 1] = np.nan
    loss, grad = _ours(lp, _TG, [4], [3])
    np.testing.assert_array_equal(loss, clean_loss)
    assert np.isnan(grad[2, 0, 1])
    grad[2, 0, 1] = clean_grad[2, 0, 1] = 0.0
    np.testing.assert_allclose(grad, clean_grad, rtol=0, atol=1e-15)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_where_no_path_comes_keeps_the_loss(bad: float) -> None:
    # lp[1, class 3]: label 3 (s = 5) is out of reach at step 1 (s <= 3); the alpha
    # recursion's -inf + NaN (or -inf + inf) carried NaN to the end: the loss was NaN
    clean_loss, clean_grad = _ours(_LP, _TG, [4], [3])
    lp = _LP.copy()
    lp[1, 0, 3] = bad
    loss, grad = _ours(lp, _TG, [4], [3])
    np.testing.assert_array_equal(loss, clean_loss)
    keep = np.ones(grad.shape, bool)
    keep[1, 0, 3] = False  # (exp(lp) there: NaN, inf)
    np.testing.assert_allclose(grad[keep], clean_grad[keep], rtol=0, atol=1e-15)


def test_zero_infinity_zeros_an_impossible_sample_with_an_unused_nan() -> None:
    # 3 labels in 2 steps is impossible (inf: 0 with zero_infinity, gradient 0); a NaN the
    # recursion reached without a path made it NaN, which zero_infinity kept
    lp = _LP.copy()
    lp[1, 0, 3] = np.nan
    loss, grad = _ours(lp, _TG, [2], [3], zero_infinity=True)
    np.testing.assert_array_equal(loss, [0.0])
    np.testing.assert_array_equal(grad, np.zeros_like(grad))
    loss, grad = _ours(lp, _TG, [2], [3])
    assert np.isposinf(loss[0]) and np.isnan(grad[:2]).all() and not grad[2:].any()


def test_nan_log_probs_match_the_brute_force() -> None:
    bad_loss = bad_grad = 0
    for seed in range(150):
        rng = np.random.default_rng(seed)
        T, C = int(rng.integers(1, 6)), int(rng.integers(2, 5))
        blank = int(rng.integers(0, C))
        target = [int(c) for c in rng.choice([c for c in range(C) if c != blank],
                                             size=int(rng.integers(0, 4)))]
        il = int(rng.integers(1, T + 1))
        lp = _log_softmax(rng.normal(size=(T, C)))
        lp[rng.random(lp.shape) < 0.15] = np.nan
        nll, ref = _brute(lp, target, il, blank)
        loss, grad = _ours(lp[:, None], np.array([target], np.int64).reshape(1, -1), [il],
                           [len(target)], blank=blank)
        if not (np.isnan(nll) and np.isnan(loss[0])) and not np.isclose(loss[0], nll,
                                                                          rtol=1e-12):
            bad_loss += 1
        elif ref is not None and not np.allclose(grad[:, 0], ref, rtol=1e-9, atol=1e-12,
                                                 equal_nan=True):
            bad_grad += 1
    assert (bad_loss, bad_grad) == (0, 0)


def test_finite_masses_take_the_general_forms_numbers() -> None:
    # a NaN in one sample sends the whole batch through the general form: the other
    # samples' losses and gradients must not change by a bit
    rng = np.random.default_rng(3)
    lp = _log_softmax(rng.normal(size=(7, 3, 5)) * 3)
    tg, il, tl = np.array([[1, 2, 2], [3, 1, 4], [2, 2, 1]]), [7, 6, 5], [3, 2, 3]
    loss, grad = _ours(lp, tg, il, tl)
    lp_nan = np.concatenate([lp, lp[:, :1]], axis=1)
    lp_nan[0, 3, 0] = np.nan
    loss2, grad2 = _ours(lp_nan, np.concatenate([tg, tg[:1]]), il + [7], tl + [3])
    assert np.isnan(loss2[3])
    np.testing.assert_array_equal(loss2[:3], loss)
    np.testing.assert_array_equal(grad2[:, :3], grad)


@pytest.mark.parametrize("normalised", [True, False])
def test_gradient_is_torchs_with_a_distribution_per_live_step(normalised: bool) -> None:
    # torch does not renormalise: with randn log_probs the gradient's classes sum to
    # sum(exp(lp)) - 1 per live step (not 0), and 0 past an input's length
    rng = np.random.default_rng(5)
    z = rng.normal(size=(9, 4, 6)) * 2
    lp = _log_softmax(z) if normalised else z
    tg, il, tl = rng.integers(1, 6, size=(4, 3)), [9, 6, 4, 0], [3, 2, 0, 0]
    for zi in (False, True):
        loss, grad = _ours(lp, tg, il, tl, zero_infinity=zi)
        xt = torch.tensor(lp, requires_grad=True)
        ref = TF.ctc_loss(xt, torch.tensor(tg), il, tl, reduction="none", zero_infinity=zi)
        ref.sum().backward()
        np.testing.assert_allclose(loss, ref.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
        live = np.arange(9)[:, None] < np.array(il)
        np.testing.assert_allclose(grad.sum(-1)[live], (np.exp(lp).sum(-1) - 1)[live],
                                   atol=1e-12)
        assert not grad[~live].any()


def test_lengths_of_shape_1_by_n_for_both_lengths_match_torch() -> None:
    lp = _log_softmax(np.random.default_rng(6).normal(size=(5, 3, 4)))
    tg = np.array([[1, 2], [2, 3], [3, 1]])
    ref = TF.ctc_loss(torch.tensor(lp), torch.tensor(tg), torch.tensor([[5, 4, 3]]),
                      torch.tensor([[2, 1, 2]]), reduction="none").numpy()
    loss, _ = _ours(lp, tg, np.array([[5, 4, 3]]), np.array([[2, 1, 2]]))
    np.testing.assert_allclose(loss, ref, rtol=1e-12)
    with pytest.raises(ValueError, match="ctc_loss: target_lengths must hold one length per"):
        F.ctc_loss(Tensor(lp), tg, [5, 4, 3], np.full((3, 3), 1))

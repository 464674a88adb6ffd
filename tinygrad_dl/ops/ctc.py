"""Connectionist temporal classification loss (Graves et al. 2006) as one op: the alpha
recursion in log space forward, the beta recursion backward, both vectorised over the batch
and the extended-label axis (blank, l1, blank, l2, ..., blank), looping over time only."""

from __future__ import annotations

import numpy as np

from ..engine import Function

__all__ = ["CTCLoss"]

_NEG = -np.inf


def _lse3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """log(exp(a) + exp(b) + exp(c)) elementwise, -inf where all three are -inf; NaN where
    one is +inf (inf - inf), as torch's (an lp of +inf)."""
    m = np.maximum(np.maximum(a, b), c)
    safe = np.where(m == _NEG, 0.0, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.exp(a - safe) + np.exp(b - safe) + np.exp(c - safe)) + safe


def _shift(a: np.ndarray, k: int, up: bool) -> np.ndarray:
    """a moved k places along the last axis (toward higher s when `up`), -inf filled in."""
    out = np.full_like(a, _NEG)
    if k < a.shape[-1]:
        if up:
            out[..., k:] = a[..., :-k]
        else:
            out[..., :-k] = a[..., k:]
    return out


def _posteriors(alpha: np.ndarray, beta: np.ndarray, emit: np.ndarray, valid: np.ndarray,
                loglik: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, N, L) posterior occupancies, each live step's normalised over s (they sum to 1:
    not by the loss, whose rounding at large |lp| would overflow exp), and where a mass is
    NaN. A step with a NaN mass (inf - inf past an lp of +inf) is normalised by the loss, as
    torch's, and that mass is NaN; past an input's length a step's row is 0/0 (unread)."""
    with np.errstate(invalid="ignore", over="ignore"):  # (inf - inf: handled below)
        r = alpha + beta - emit  # (T, N, L) log path masses (-inf off the valid labels)
        top = r.max(axis=2, keepdims=True)
        if np.all(top < np.inf):  # no NaN or +inf mass (every log_softmax input): the same
            top[np.isneginf(top)] = 0.0  # numbers as the general form below, cheaper
            occ = np.exp(r - top)
            occ /= occ.sum(axis=2, keepdims=True)
            return occ, np.zeros(r.shape, bool)
        # none where no path reaches or completes (nor at an lp of -inf): not NaN from
        # -inf + inf past an lp of +inf
        none = np.isneginf(alpha) | np.isneginf(beta) | np.isneginf(emit)
        r = np.where(valid & ~none, r, _NEG)
        nan = np.isnan(r)
        known = np.where(nan, _NEG, r)
        top = known.max(axis=2, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        occ = np.exp(known - top)
        occ /= occ.sum(axis=2, keepdims=True)
        if nan.any():
            occ = np.where(nan.any(axis=2, keepdims=True), np.exp(r - loglik[None, :, None]),
                           occ)
        return np.where(valid, occ, 0.0), nan


class CTCLoss(Function):
    """Per-sample negative log-likelihood -log p(target | log_probs) (N,) of log_probs
    (T, N, C), padded int targets (N, S), input_lengths and target_lengths (N,) (checked by
    functional.ctc_loss). zero_infinity: impossible alignments (inf) give 0 and no gradient.

    The gradient is torch's: (exp(lp) - exp(log_alpha + log_beta - lp + nll) summed per class)
    times the output's gradient for t < input_length, 0 beyond; it is the derivative of the
    loss through a log_softmax (the exp(lp) term is what log_softmax's Jacobian removes), not
    of the raw log_probs. NaN for t < input_length where the loss is inf, as torch's. The
    posterior of each step is normalised over that step's masses (they sum to p(target)),
    not by the loss: at |lp| ~ 1e30 the loss's rounding would overflow exp (torch's inf)."""

    def forward(ctx, lp, targets=None, input_lengths=None, target_lengths=None, blank=0,
                zero_infinity=False):
        T, N, _ = lp.shape
        x = lp.astype(np.float64)
        il, tl = input_lengths.astype(np.int64), target_lengths.astype(np.int64)
        L = 2 * targets.shape[1] + 1
        ext = np.full((N, L), blank, np.int64)  # blank, l1, blank, l2, ..., blank
        ext[:, 1::2] = targets
        skip = np.zeros((N, L), bool)  # s may come from s - 2: a label unlike the one before
        skip[:, 3::2] = ext[:, 3::2] != ext[:, 1:-2:2]
        ends = 2 * tl + 1  # the extended length of each sample
        valid = np.arange(L) < ends[:, None]
        rows = np.arange(N)[:, None]
        # (T, N, L) lp of the ext labels, contiguous (the loops read it a step at a time)
        emit = np.ascontiguousarray(x[:, rows, ext]) if T else np.zeros((0, N, L))
        # each step's lp less the largest a path may take there (a constant of every path
        # at that step, added back to the loss): lp far from 0 (-1e30, unnormalised) keep
        # their posteriors exact. A path is at s <= 2t + 1 and can still reach an end
        # (ends - 2 or ends - 1 by step il - 1, 2 places a step at most)
        t_, s_ = np.arange(T)[:, None, None], np.arange(L)
        window = valid & (s_ <= 2 * t_ + 1) & (s_ >= ends[:, None] - 2 * (il[:, None] - t_))
        top = np.where(window, emit, _NEG).max(axis=2) if T else np.zeros((0, N))
        top = np.where(np.isfinite(top), top, 0.0)  # (-inf / +inf / NaN steps: as they are)
        emit = emit - top[..., None]
        alpha = np.full((T, N, L), _NEG)
        if T:
            alpha[0, :, :2] = np.where(valid[:, :2], emit[0, :, :2], _NEG)
        # a NaN or +inf lp where no path comes (or, backward, none completes) adds no mass:
        # not torch's -inf + NaN = NaN, which reached the loss; checked once, so finite lp
        # run the plain loop
        ctx.guard = guard = not (emit < np.inf).all()
        for t in range(1, T):
            a = alpha[t - 1]
            rec = _lse3(a, _shift(a, 1, True), np.where(skip, _shift(a, 2, True), _NEG))
            with np.errstate(invalid="ignore"):  # (a used NaN / +inf lp: NaN, as torch's)
                alpha[t] = rec + emit[t]
            if guard:
                alpha[t][np.isneginf(rec)] = _NEG
        alpha = np.where(valid, alpha, _NEG)
        last = np.clip(il - 1, 0, None)
        end_a = alpha[last, np.arange(N)] if T else np.full((N, L), _NEG)
        e1 = np.take_along_axis(end_a, (ends - 1)[:, None], 1)[:, 0]
        e2 = np.take_along_axis(end_a, np.clip(ends - 2, 0, None)[:, None], 1)[:, 0]
        e2 = np.where(tl > 0, e2, _NEG)
        shift = np.where(np.arange(T)[:, None] < il, top, 0.0).sum(0)
        loglik = _lse3(e1, e2, np.full_like(e1, _NEG))  # (of the shifted lp)
        nll = -loglik - shift
        nll = np.where(il == 0, np.where(tl == 0, -0.0, np.inf), nll)  # no step: p = [tl == 0]
        infinite = np.isposinf(nll)
        if zero_infinity:
            nll = np.where(infinite, 0.0, nll)
        ctx.save_for_backward(x, alpha, emit, ext, skip, valid, il, ends, nll, infinite,
                              loglik)
        ctx.zero_infinity, ctx.dtype = zero_infinity, lp.dtype
        return nll.astype(lp.dtype)

    def backward(ctx, g):
        x, alpha, emit, ext, skip, valid, il, ends, nll, infinite, loglik = ctx.saved
        T, N, C = x.shape
        L = ext.shape[1]
        beta = np.full((T, N, L), _NEG)
        end_mask = (np.arange(L) >= ends[:, None] - 2) & valid  # the last two positions
        skip_up = _shift(skip.astype(float), 2, False) > 0  # s + 2 may come from s
        b = np.full((N, L), _NEG)
        for t in range(T - 1, -1, -1):
            rec = _lse3(b, _shift(b, 1, False), np.where(skip_up, _shift(b, 2, False), _NEG))
            with np.errstate(invalid="ignore"):  # (a used NaN / +inf lp: NaN, as torch's)
                came = rec + emit[t]
            if ctx.guard:
                came[np.isneginf(rec)] = _NEG
            start = np.where(end_mask, emit[t], _NEG)  # (no -inf + inf off the two ends)
            b = np.where((t == il - 1)[:, None], start,
                         np.where((t < il - 1)[:, None], came, _NEG))
            b = np.where(valid, b, _NEG)
            beta[t] = b
        occ, nan = _posteriors(alpha, beta, emit, valid, loglik)
        onehot = np.zeros((N, L, C))
        onehot[np.arange(N)[:, None], np.arange(L), ext] = 1.0
        q = np.einsum("tnl,nlc->tnc", np.nan_to_num(occ, nan=0.0), onehot)
        if nan.any():
            q[np.einsum("tnl,nlc->tnc", np.isnan(occ), onehot) > 0] = np.nan
        grad = np.exp(x) - q
        live = np.arange(T)[:, None] < il[None, :]  # (T, N): steps that count
        with np.errstate(invalid="ignore"):  # torch's exp(lcab + nll - lp): NaN at lp = -inf
            grad = np.where(np.isneginf(x), np.nan, grad)  # (lcab is -inf there as well)
        # exp(-inf + inf): torch's NaN on every live step of a sample whose loss is not finite
        # (inf, NaN from NaN inputs); zero_infinity zeros an inf one's gradient
        gone = infinite if ctx.zero_infinity else np.zeros_like(infinite)
        bad = ~np.isfinite(nll) & ~gone
        grad[:, bad] = np.nan
        grad[:, gone] = 0.0
        grad = np.where(live[:, :, None], grad, 0.0)
        gb = np.broadcast_to(np.asarray(g, np.float64), (N,))
        return ((grad * gb[None, :, None]).astype(ctx.dtype),)

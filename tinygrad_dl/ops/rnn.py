"""A whole tanh-RNN sequence as ONE primitive op, with hand-derived backprop through time.

    h_t = tanh(x_t U + h_{t-1} W + b),   t = 1..T,   returns H = [h_1; ...; h_T]  (T, m)

The unfused graph records ~5 ops per time step; this records one, so a char-RNN update costs
the same few NumPy calls as a hand-written loop. x is either float rows (T, d) (one-hot or
embeddings) or integer indices (T,), read as one-hot rows of U without building them.
Leading batch dims are allowed: x (T, n, d) with h0 (n, m) gives H (T, n, m).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Function, Tensor


class RNN(Function):
    """forward(x, U, W, b, h0) -> H (T, ..., m); backward is BPTT over the saved states."""

    def forward(ctx, x, U, W, b, h0):
        if x.dtype.kind in "iu":
            if x.ndim != 1:
                raise ValueError(f"integer inputs must be indices of shape (T,), got {x.shape}")
            a = U[x]  # one-hot rows times U, without the one-hot matrix
        else:
            a = x @ U
        a += b  # a is fresh: the input part of every pre-activation, in one BLAS call
        # states h_0..h_T in one array: H is a view of its rows 1..T, and h_{t-1} for every t
        # (what dW needs) is the view of rows 0..T-1
        Hp = np.empty((a.shape[0] + 1,) + a.shape[1:], dtype=a.dtype)
        Hp[0] = h0
        h, dot, tanh = Hp[0], np.dot, np.tanh  # np.dot: less dispatch than matmul per call
        for h_t, a_t in zip(Hp[1:], a):  # h_t = tanh(h_{t-1} W + a_t), written in place
            dot(h, W, out=h_t)
            h_t += a_t
            h = tanh(h_t, out=h_t)
        ctx.save_for_backward(x, U, W, Hp)
        return Hp[1:]

    def backward(ctx, G):
        x, U, W, Hp = ctx.saved
        m = Hp.shape[-1]
        H = Hp[1:]
        D = H * H
        np.subtract(1, D, out=D)  # tanh'(a_t) = 1 - h_t^2
        dA = G * D  # dL/da_t from h_t's own output; the loop adds what h_t passed on
        Wt, dot, tmp = W.T, np.dot, np.empty_like(dA[0])
        later = dA[-1]
        for da_t, d_t in zip(dA[-2::-1], D[-2::-1]):  # backwards in time, in place
            dot(later, Wt, out=tmp)
            tmp *= d_t
            da_t += tmp
            later = da_t
        nx, nU, nW, nb, nh0 = ctx.needs_input_grad
        dA2 = dA.reshape(-1, m)
        dx = dU = dW = db = dh0 = None
        if nx:
            dx = dA @ U.T
        if nU:
            if x.dtype.kind in "iu":  # onehot(x)^T dA: repeated characters add up
                onehot = np.zeros((x.shape[0], U.shape[0]), dtype=dA.dtype)
                onehot[np.arange(x.shape[0]), x] = 1
                dU = onehot.T @ dA
            else:
                dU = x.reshape(-1, x.shape[-1]).T @ dA2
        if nW:
            dW = Hp[:-1].reshape(-1, m).T @ dA2
        if nb:
            db = dA2.sum(axis=0)
        if nh0:
            dh0 = dA[0] @ Wt
        return dx, dU, dW, db, dh0


def rnn(x: Any, U: Tensor, W: Tensor, b: Tensor, h0: Any = None) -> Tensor:
    """All hidden states H (T, m) of h_t = tanh(x_t U + h_{t-1} W + b), as one op.

    x: (T, d) float rows or (T,) integer indices (one-hot rows); U (d, m), W (m, m), b (m,);
    h0: initial state (m,) (Tensor or array; zeros when None). All floats must share a dtype.
    """
    U = U if isinstance(U, Tensor) else Tensor(U)
    W = W if isinstance(W, Tensor) else U._lift(W)
    b = b if isinstance(b, Tensor) else U._lift(b)
    indices = (x.data if isinstance(x, Tensor) else np.asarray(x)).dtype.kind in "iu"
    if not isinstance(x, Tensor):
        x = Tensor(x) if indices else U._lift(x)
    dt, m = U.data.dtype, W.data.shape[-1]
    batch = () if indices else x.data.shape[1:-1]
    if h0 is None:
        h0 = Tensor(np.zeros(batch + (m,), dtype=dt))
    elif not isinstance(h0, Tensor):
        h0 = Tensor(np.asarray(h0, dtype=dt))
    # shapes read off .data directly: this runs once per training update
    xs, Us = x.data.shape, U.data.shape
    if (len(xs) == 0 or len(Us) != 2 or W.data.shape != (m, m) or Us[1] != m
            or b.data.shape != (m,) or h0.data.shape != batch + (m,)):
        raise ValueError(
            f"rnn: expected x (T, d) or (T,), U (d, m), W (m, m), b (m,), h0 (m,); got x "
            f"{x.shape}, U {U.shape}, W {W.shape}, b {b.shape}, h0 {h0.shape}"
        )
    if (W.data.dtype != dt or b.data.dtype != dt or h0.data.dtype != dt
            or (not indices and x.data.dtype != dt)):
        dtypes = {str(t.dtype) for t in (U, W, b, h0) + (() if indices else (x,))}
        raise ValueError(f"rnn: x, U, W, b and h0 must share one float dtype, got "
                         f"{sorted(dtypes)}")
    return RNN.apply(x, U, W, b, h0)

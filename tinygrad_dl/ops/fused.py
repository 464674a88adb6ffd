"""Fused primitives: whole course computations as ONE op each, with the course's own backward.

- `BatchNorm`: x_hat = (x - mu) / sqrt(v + eps), y = gamma * x_hat + beta, over the rows.
  Built from generic ops this is ~9 graph nodes per layer, each with its own temporaries; as
  one op it costs what the hand-written NumPy costs. In training mu and v are the batch's own
  mean and (biased) variance and the gradient flows through them (the course's
  BatchNormBackPass); in evaluation they are constants (running averages) and the op is affine.
- `RNN`: a whole tanh-RNN sequence, h_t = tanh(x_t U + h_{t-1} W + b), with hand-derived
  backprop through time. The unfused graph records ~5 ops per time step; this records one.
  x is float rows (T, d) or integer indices (T,), read as one-hot rows of U without building
  them; leading batch dims are allowed: x (T, n, d) with h0 (n, m) gives H (T, n, m).
- `SumOfSquares`: the L2 penalty's building block.
- `Linear`: x W^T + b with W (out, in), PyTorch's and the course's layout, as one op whose
  backward forms dW = g^T x directly in W's layout (x^T g, then transposed, costs about twice
  as much in BLAS and leaves a strided gradient to copy).

Their public wrappers, with argument checks, are in `tinygrad_dl.functional`.
"""

from __future__ import annotations

from math import prod
from operator import itemgetter
from typing import Any

import numpy as np

from ..engine import Function
from ..grad import BLOCKED_FROM, add_scaled

try:  # np.einsum without its Python wrapper: with optimize=False (the default) np.einsum
    # returns c_einsum(*operands) itself, so the same numbers, ~0.8 us less a call (3 calls
    # per batch-norm layer per training step)
    from numpy._core.multiarray import c_einsum as _einsum
except ImportError:  # pragma: no cover - a NumPy that moved it
    _einsum = np.einsum

__all__ = ["BatchNorm", "Linear", "RNN", "SumOfSquares"]

# float32 column sums (BatchNorm's statistics and gradients, Linear's bias gradient) over at
# least _BLOCKED_ROWS rows add blocks of _BLOCK rows each, then
# the blocks' sums in float64, rounded once: NumPy adds a C-ordered column one row after
# another, so a float32 BatchNorm2d over 64 x 32 x 32 positions had its mean 80 to 130 ulps
# off (outputs 2e-5, gradients 6e-6 relative; torch's 3e-7, 1e-7); blocked, about 1 ulp, and
# faster (a (65536, 16) column sum: 0.25 ms, np.add.reduce's 1.1). Fewer rows, or float64: as
# before, bit for bit.
_BLOCK, _BLOCKED_ROWS = 128, 1024


def _col_sum(a: np.ndarray) -> np.ndarray:
    """a.sum(axis=0) of a (n, d) array (blocked for float32 with many rows)."""
    n = a.shape[0]
    if n < _BLOCKED_ROWS or a.dtype != np.float32:
        return np.add.reduce(a, axis=0)  # = a.sum(axis=0) bit for bit, minus wrappers
    k = n - n % _BLOCK
    blocks = _einsum("bij->bj", a[:k].reshape(k // _BLOCK, _BLOCK, -1))  # (5x the speed of
    # np.add.reduce over the blocks' rows, for (65536, 16))
    if k < n:
        blocks = np.concatenate([blocks, np.add.reduce(a[k:], axis=0, keepdims=True)])
    return np.add.reduce(blocks, axis=0, dtype=np.float64).astype(np.float32)


def _col_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """sum over rows of a * b, (n, d) arrays (blocked as _col_sum)."""
    n = a.shape[0]
    if not n:  # NumPy's loop (2.4) reads one entry at an empty operand's data pointer and
        # adds it times 0 (where one operand's rows are 0 apart and the other's one item):
        # a NaN or inf there made a training BatchNorm's gamma gradient NaN for no rows
        return np.zeros(a.shape[1:], np.result_type(a, b))
    if n < _BLOCKED_ROWS or a.dtype != np.float32:
        return _einsum("ij,ij->j", a, b)
    k, d = n - n % _BLOCK, a.shape[1]
    blocks = _einsum("bij,bij->bj", a[:k].reshape(k // _BLOCK, _BLOCK, d),
                     b[:k].reshape(k // _BLOCK, _BLOCK, d))
    if k < n:
        blocks = np.concatenate([blocks, _einsum("ij,ij->j", a[k:], b[k:])[None]])
    return np.add.reduce(blocks, axis=0, dtype=np.float64).astype(np.float32)


class BatchNorm(Function):
    """forward(x (n, d), gamma (d,), beta (d,), eps, training, mean, var, on_stats) -> (n, d).

    on_stats(mean, var), when given, receives the batch statistics forward computed (a
    BatchNorm1d's running-average update): inside the op, so a replayed step updates them too.
    """

    def forward(ctx, x, gamma, beta, eps=1e-8, training=True, mean=None, var=None,
                on_stats=None):
        n = x.shape[0]
        ctx.half = None
        if training and n < 2:  # one row is its own mean: the output would be beta, always
            if n:
                raise ValueError(f"batch_norm: expected more than 1 row per feature in "
                                 f"training mode, got x of shape {x.shape} (PyTorch refuses "
                                 "it too)")
            # no rows (torch's too): an empty output, no statistics to hand on (the running
            # ones keep theirs), gamma's and beta's gradients 0
            ctx.save_for_backward(x, np.ones(x.shape[1:], x.dtype), gamma)
            ctx.training = False
            return np.empty_like(x)
        if x.dtype.itemsize == 2 and x.dtype.kind == "f":  # float16: in float32, rounded
            # back once (torch's), where its squares overflow past 256 (the outputs and
            # running_var were silently off); int16 stays as it was (computed in float64)
            ctx.half = (x.dtype, gamma.dtype, beta.dtype)
            x, gamma, beta, mean, var = (None if a is None else a.astype(np.float32)
                                         for a in (x, gamma, beta, mean, var))
        if mean is None:
            mean = _col_sum(x) / n  # = x.mean(axis=0) bit for bit, minus wrappers (float32
            # with many rows: blocked)
        x_hat = x - mean  # fresh: normalized in place below
        if var is None:
            var = _col_dot(x_hat, x_hat) / n
        if on_stats is not None:
            on_stats(mean, var)
        inv = 1.0 / np.sqrt(var + eps)
        x_hat *= inv
        out = x_hat * gamma
        out += beta
        ctx.save_for_backward(x_hat, inv, gamma)
        ctx.training = training
        return out if ctx.half is None else out.astype(ctx.half[0])

    def backward(ctx, g):
        if ctx.half is None:
            return ctx._grads(g)
        return tuple(None if d is None else d.astype(dt)  # (made in float32: see forward)
                     for d, dt in zip(ctx._grads(g.astype(np.float32)), ctx.half))

    def _grads(ctx, g):
        x_hat, inv, gamma = ctx.saved
        nx, ngamma, nbeta = ctx.needs_input_grad
        dgamma = _col_dot(g, x_hat) if ngamma else None
        dbeta = _col_sum(g) if nbeta else None  # = g.sum(axis=0), unwrapped
        dx = None
        if nx:
            dx = g * (gamma * inv)  # G1 = dL/dx_hat / sqrt(v + eps)
            if ctx.training:  # mu and v depend on x: remove their share
                dx -= _col_sum(dx) / dx.shape[0]  # its mean (bit for bit)
                dx -= x_hat * (_col_dot(dx, x_hat) / x_hat.shape[0])
        return dx, dgamma, dbeta


class RNN(Function):
    """forward(x, U, W, b, h0) -> H (T, ..., m); backward is BPTT over the saved states."""

    def forward(ctx, x, U, W, b, h0):
        if x.dtype.kind in "iu":
            if x.ndim != 1:
                raise ValueError(f"integer inputs must be indices of shape (T,), got {x.shape}")
            if x.size and (x.min() < 0 or x.max() >= U.shape[0]):  # -1 would wrap silently
                raise ValueError(f"rnn: indices must be in [0, {U.shape[0]}) (the rows of U), "
                                 f"got {x.min()}..{x.max()}")
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
        if not G.shape[0]:  # no time steps: nothing depends on the weights
            return tuple(None if not need else np.zeros(a.shape, G.dtype) for need, a in
                         zip(ctx.needs_input_grad, (x, U, W, U[0], Hp[0])))
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


class SumOfSquares(Function):
    """scale * sum_i sum(x_i^2) over one or more tensors as one op, the L2 penalty's building
    block: d/dx_i = 2 scale x_i.

    Summing lam * (W * W).sum() over k layers gives the same value and gradients through 3k
    generic ops; this is one node with one pass per weight forward and backward, like the
    hand-written 2 lam W. `scale` (lam) is folded in so the penalty costs no extra Mul node
    and no constant Tensor per step; it is applied in the same order as `ss * lam` would be,
    so values and gradients are bit-for-bit those of the two-op graph.
    """

    def forward(ctx, *xs, scale=1.0):
        ctx.save_for_backward(*xs)
        ctx.scale = scale
        total = 0.0
        for x in xs:
            flat = x.reshape(-1)
            total += np.dot(flat, flat)
        total = np.asarray(total, dtype=np.result_type(*xs))
        return total if scale == 1.0 else total * scale

    def prepare(ctx, *xs, scale=1.0):
        # backward reads only the weights: with the value unread (a replayed training step
        # that does not return the cost) the k dot products are skipped
        ctx.save_for_backward(*xs)
        ctx.scale = scale

    def backward(ctx, g):
        if ctx.scale != 1.0:
            g = g * ctx.scale  # what the Mul by lam would have passed back
        g2 = 2.0 * g
        # a large weight's 2 lam W is left to the accumulator (`Scaled`), which adds it into
        # the gradient already there (the loss's, through Linear) without a W-sized temporary
        # (a C-contiguous one: where the blocks apply, and the accumulator's arrays, laid
        # out as `g2 * x` would be; any other gets that array)
        return tuple(Scaled((g2, x)) if x.size > BLOCKED_FROM and x.flags.c_contiguous
                     else g2 * x for x in ctx.saved)

    def backward_into(ctx, g, outs):
        """backward, each gradient written into its buffer in `outs` (None: a new array),
        where that buffer has the result's shape and dtype: the same multiply, the same
        numbers. A jit replay passes a parameter's kept .grad array (`jit.compiled`)."""
        if ctx.scale != 1.0:
            g = g * ctx.scale
        g2 = 2.0 * g
        return tuple(np.multiply(g2, x, out=o) if o is not None and x.ndim
                     and o.shape == x.shape and o.dtype == np.result_type(g2, x)
                     else g2 * x for x, o in zip(ctx.saved, outs))


class Scaled(tuple):
    """SumOfSquares's gradient `factor * x` (2 lam W) for a large x, left to the accumulator:
    added into a gradient that is ours a block at a time (`grad.add_scaled`), so the step's
    peak holds no second W-sized array (the hand-written `dW += 2 * lam * W` holds one); made
    as a new array where it is the first gradient or the pending one is not ours. The same
    numbers as the array `factor * x` added by the accumulator's rule. `Scaled((factor, x))`."""

    __slots__ = ()
    factor = property(itemgetter(0))
    x = property(itemgetter(1))

    @property
    def shape(self) -> tuple[int, ...]:  # the engine checks it against the input's
        return self[1].shape

    def add_into(self, prev: np.ndarray | None, ours: bool) -> np.ndarray:
        """The gradient with this term added: `prev` itself when it is ours (in place), else
        a new array (then ours: `engine.Pending`'s rule), laid out as the array path's
        (`factor * x` keeps x's order, `prev + total` NumPy's: a Fortran W's gradient stays
        Fortran, as torch lays a gradient out as its parameter)."""
        factor, x = self
        if prev is None:
            return factor * x
        if ours:
            add_scaled(prev, factor, x)
            return prev
        total = factor * x
        if total.dtype == np.result_type(prev, total) and total.strides == prev.strides:
            return np.add(prev, total, out=total)  # (the layout prev + total would have)
        return prev + total

    def add_to(self, pending: Any, key: Any) -> None:
        """Into `pending`'s gradient of `key` (an engine.Pending), made ours by its rule
        (`Pending.own`: prev itself, zeros where there is none yet, which the product is
        written over, so a -0.0 stays -0.0; a copy where it is not ours), as `add_into`."""
        factor, x = self
        prev = pending.grads.get(key)
        out = pending.own(key, x.shape, np.result_type(factor, x))
        if prev is None:
            np.multiply(factor, x, out=out)  # (x is C-contiguous, as the zeros: backward)
        elif out is prev or out.flags.c_contiguous:  # ours, or a copy laid out as prev + total
            add_scaled(out, factor, x)
        else:  # a copy of a pending array that is not ours, in its order: `prev + total`'s
            pending.grads[key] = prev + factor * x  # is C (x is), as the array path's

    @staticmethod
    def total(terms: list[Scaled]) -> np.ndarray:
        out = None
        for t in terms:
            out = t.add_into(out, out is not None)
        return out


def _rows(a: np.ndarray) -> np.ndarray:
    """a (..., d) as rows (n, d); a 2-D a as is. Not reshape(-1, d): that is refused for
    0 elements (d = 0 leaves -1 open), e.g. a Linear with 0 outputs on a batch of sequences."""
    if a.ndim == 2:
        return a
    return a.reshape(-1, a.shape[-1]) if a.size else a.reshape(prod(a.shape[:-1]), a.shape[-1])


def _fits(o: np.ndarray | None, shape: tuple[int, ...], *args: np.ndarray) -> bool:
    """`o` can take a result of `shape` computed from `args` as is (backward_into's buffers):
    the same shape and dtype, so the same NumPy call writes the same numbers into it."""
    return o is not None and o.shape == shape and o.dtype == np.result_type(*args)


class Linear(Function):
    """x W^T + b for rows x (..., d_in), W (d_out, d_in), b (d_out,) or no bias (2 inputs).

    Backward: dx = g W, dW = g^T x (summed over all leading dims), db = 1^T g.
    """

    multilinear = True  # sums of products of its inputs' entries: testing.check_grad's floor

    def forward(ctx, x, W, *b):  # dx reads W, dW reads x: each saved where needed (torch's)
        ctx.saved = x if ctx.needs_input_grad[1] else None, W if ctx.needs_input_grad[0] else None
        if x.ndim == 0 or W.ndim != 2 or x.shape[-1] != W.shape[1]:  # (NumPy's words named
            raise ValueError(  # its gufunc signature, not the layer's sizes)
                f"Linear: an input of shape {x.shape} where the weight of shape {W.shape} "
                f"takes (..., {W.shape[-1] if W.ndim else '?'}) rows (in_features)")
        out = x @ W.T
        if b:
            out += b[0]  # out is ours (a fresh matmul result): add in place
        return out

    def backward(ctx, g):
        x, W = ctx.saved
        need = ctx.needs_input_grad
        dx = g @ W if need[0] else None
        dW = None
        if need[1]:
            if x.ndim == 1:
                dW = np.multiply.outer(g, x)
            elif x.ndim == 2:  # rows (the usual case): reshape(-1, d) would be these views
                dW = g.T @ x
            else:
                dW = _rows(g).T @ _rows(x)
        if len(need) == 2:
            return dx, dW
        db = None
        if need[2]:
            db = (_col_sum(g) if g.ndim == 2  # (float32 over many rows: blocked, _col_sum)
                  else _col_sum(_rows(g)) if g.ndim > 1
                  else g.copy())
        return dx, dW, db

    def backward_into(ctx, g, outs):
        """backward, with dW and db written into their buffers in `outs` (None: a new array)
        where a buffer has the result's shape and dtype: the same matmul and reduction, the
        same numbers. A jit replay passes a parameter's kept .grad array (`jit.compiled`);
        the L2 term's backward runs after this one, so dW is W's first gradient."""
        x, W = ctx.saved
        if g.ndim == 1:  # a single row (x 1-D): the outer product, no buffers
            return ctx.backward(g)
        need = ctx.needs_input_grad
        g2 = _rows(g)
        dx = g @ W if need[0] else None
        dW = None
        if need[1]:
            A, B = g2.T, _rows(x)
            o = outs[1]
            dW = (np.matmul(A, B, out=o) if _fits(o, (A.shape[0], B.shape[1]), A, B)
                  else A @ B)
        if len(need) == 2:
            return dx, dW
        db = None
        if need[2]:
            o = outs[2]
            if not _fits(o, g2.shape[1:], g2):
                db = _col_sum(g2)
            elif g2.shape[0] < _BLOCKED_ROWS or g2.dtype != np.float32:
                db = np.add.reduce(g2, axis=0, out=o)  # (_col_sum's numbers, into o)
            else:
                o[...] = _col_sum(g2)
                db = o
        return dx, dW, db

"""2-D convolution and pooling over NCHW images.

Conv2d is im2col + ONE matrix product: every (kh, kw) window of every input channel becomes a
column of `cols` (C*KH*KW, N*OH*OW), and the filters, as an (F, C*KH*KW) matrix, multiply it.
Backward is two products (dW = g cols^T, dcols = W^T g) and col2im: KH*KW strided adds of
dcols back into the padded input. Pooling reads the windows through `sliding_window_view`;
its backward scatters through the same KH*KW loop (`col2im`).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..engine import Function

__all__ = ["AvgPool2d", "Conv2d", "MaxPool2d"]


def _out_size(n: int, k: int, stride: int, what: str) -> int:
    if n < k:
        raise ValueError(f"{what}: kernel {k} is larger than the (padded) input side {n}")
    return (n - k) // stride + 1


def windows(x: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """The (N, C, OH, OW, kh, kw) strided view of every window of x (N, C, H, W)."""
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


def col2im(d: np.ndarray, shape: tuple[int, ...], stride: int) -> np.ndarray:
    """The adjoint of `windows`: add d (N, C, OH, OW, kh, kw) back onto an array of `shape`."""
    out = np.zeros(shape, dtype=d.dtype)
    _, _, oh, ow, kh, kw = d.shape
    for i in range(kh):
        for j in range(kw):
            out[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] += d[..., i, j]
    return out


class Conv2d(Function):
    """forward(x (N, C, H, W), w (F, C, KH, KW)[, b (F,)], stride, padding) -> (N, F, OH, OW)
    with OH = (H + 2 padding - KH) // stride + 1 (cross-correlation, as in PyTorch).

    The columns are laid out (C, KH, KW, N, OH, OW): each of the KH*KW window offsets fills
    its slice with one strided copy of whole image rows, several times faster than copying
    the 6-D sliding-window view element by element; the product is then w (F, C*KH*KW) @
    cols (C*KH*KW, N*OH*OW)."""

    def forward(ctx, x, w, *b, stride=1, padding=0):
        if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
            raise ValueError(f"conv2d expects x (N, C, H, W) and w (F, C, KH, KW) with the same "
                             f"C, got x {x.shape} and w {w.shape}")
        if b and b[0].shape != (w.shape[0],):
            raise ValueError(f"conv2d: bias must have shape ({w.shape[0]},), got {b[0].shape}")
        n, c, _, _ = x.shape
        f, _, kh, kw = w.shape
        if not kh or not kw:  # an empty window: PyTorch refuses it too
            raise ValueError(f"conv2d: the kernel must be at least 1x1, got {kh}x{kw}")
        p = padding
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
        oh = _out_size(xp.shape[2], kh, stride, "conv2d")
        ow = _out_size(xp.shape[3], kw, stride, "conv2d")
        cols = np.empty((c, kh, kw, n, oh, ow), dtype=np.result_type(x, w))
        for i in range(kh):
            for j in range(kw):
                cols[:, i, j] = xp[:, :, i:i + stride * oh:stride,
                                   j:j + stride * ow:stride].transpose(1, 0, 2, 3)
        cols = cols.reshape(c * kh * kw, n * oh * ow)
        wmat = w.reshape(f, -1)
        out = wmat @ cols
        if b:
            out += b[0][:, None]
        ctx.save_for_backward(cols, wmat)
        ctx.geometry = (xp.shape, (c, kh, kw, n, oh, ow), stride, p, w.shape)
        return out.reshape(f, n, oh, ow).transpose(1, 0, 2, 3)

    def backward(ctx, g):
        cols, wmat = ctx.saved
        padded, (c, kh, kw, n, oh, ow), stride, p, w_shape = ctx.geometry
        gf = g.transpose(1, 0, 2, 3).reshape(w_shape[0], -1)  # (F, N*OH*OW)
        needs = ctx.needs_input_grad
        dx = dw = None
        if needs[0]:
            dcols = (wmat.T @ gf).reshape(c, kh, kw, n, oh, ow)
            dx = np.zeros(padded, dtype=g.dtype)
            for i in range(kh):  # col2im: each window offset adds back its slice
                for j in range(kw):
                    dx[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] += \
                        dcols[:, i, j].transpose(1, 0, 2, 3)
            if p:
                dx = dx[:, :, p:-p, p:-p]
        if needs[1]:
            dw = (gf @ cols.T).reshape(w_shape)
        if len(needs) == 2:
            return dx, dw
        return dx, dw, (gf.sum(axis=1) if needs[2] else None)


def _pool_stride(x: np.ndarray, kernel: int, stride: int | None, op: str) -> int:
    """The pooling stride (default: the kernel), after checking x is NCHW and large enough."""
    stride = kernel if stride is None else stride
    if x.ndim != 4:
        raise ValueError(f"{op} expects x (N, C, H, W), got {x.shape}")
    _out_size(x.shape[2], kernel, stride, op)
    _out_size(x.shape[3], kernel, stride, op)
    return stride


class MaxPool2d(Function):
    """Max over kernel x kernel windows every `stride` pixels (NCHW). The gradient goes to the
    first maximum of each window (as PyTorch's), once per window that selected it."""

    def forward(ctx, x, kernel=2, stride=None):
        stride = _pool_stride(x, kernel, stride, "max_pool2d")
        win = windows(x, kernel, kernel, stride)
        flat = win.reshape(win.shape[:4] + (kernel * kernel,))
        idx = flat.argmax(axis=-1)
        ctx.idx, ctx.shape, ctx.kernel, ctx.stride = idx, x.shape, kernel, stride
        return np.take_along_axis(flat, idx[..., None], axis=-1)[..., 0]

    def backward(ctx, g):
        k = ctx.kernel
        picked = ctx.idx[..., None] == np.arange(k * k)  # (N, C, OH, OW, k*k) one-hot
        d = (g[..., None] * picked).reshape(g.shape + (k, k))
        return col2im(d, ctx.shape, ctx.stride)


class AvgPool2d(Function):
    """Mean over kernel x kernel windows every `stride` pixels (NCHW)."""

    def forward(ctx, x, kernel=2, stride=None):
        stride = _pool_stride(x, kernel, stride, "avg_pool2d")
        ctx.shape, ctx.kernel, ctx.stride = x.shape, kernel, stride
        return windows(x, kernel, kernel, stride).mean(axis=(-2, -1))

    def backward(ctx, g):
        k = ctx.kernel
        d = np.broadcast_to((g / (k * k))[..., None, None], g.shape + (k, k))
        return col2im(d, ctx.shape, ctx.stride)

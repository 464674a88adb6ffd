"""2-D convolution, its adjoints (transposed convolution, unfold, fold) and pooling over NCHW
images.

Conv2d is im2col + one matrix product (a batch of `groups` products), laid out for BLAS:

- `cols` (C, KH, KW, N, L) holds, for each kernel offset (i, j), the pixels that offset
  multiplies at every output position of all N images; the filters (F, C*KH*KW) multiply it in
  ONE GEMM, (F, N*L), which one pass turns into NCHW while adding the bias. Backward reuses
  the saved `cols`: dW = g cols^T is one GEMM, dcols = W^T g another, folded back onto the
  input by col2im. The input gradient is not computed when x needs none (a net's images).
- Stride 1 (any padding and dilation) reads the windows through a "flat shift": in the
  zero-padded image flattened per channel, offset (i, j) sees, for all output positions, ONE
  contiguous run starting at i*dh*Wp + j*dw, once each output row is widened to the padded
  width Wp. So im2col is KH*KW block copies and col2im KH*KW block adds (not N*C*OH short
  rows each); the Wp - OW extra columns of each row are computed, dropped by the NCHW pass and
  given a zero gradient. Strided convolutions copy strided windows into the same layout
  (L = OH*OW, no extra columns).
- The work arrays (padded input, cols, GEMM output, widened gradient, dcols) are fresh arrays
  in eager mode; under tinygrad_dl.jit replay the same op object runs every step and reuses
  them (`_scratch`), so a replayed step allocates only what it returns.

The adjoints reuse those halves: ConvTranspose2d (conv2d's input gradient) runs col2im(W^T x)
forward and im2col + two GEMMs backward; Unfold is im2col (col2im backward), Fold the reverse.

Pooling reads the KH*KW strided views (N, C, OH, OW) of x, one per window offset: for
non-overlapping windows (kernel == stride, sides divisible) they are exactly the views
x.reshape(N, C, OH, KH, OW, KW)[:, :, :, i, :, j]. The forward is a running maximum (or sum)
over those views, which NumPy does several times faster than one reduction over the two
window axes of the 6-D view; max pooling also records, per window, which offset won (the
first maximum, or the last NaN, as PyTorch), and its backward writes g where that index
matches: a one-hot scatter, without argmax or take_along_axis. Overlapping windows add into
a zeroed gradient instead of writing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Function
from .elementwise import real_only

__all__ = ["AvgPool2d", "Conv2d", "ConvTranspose2d", "Fold", "MaxPool2d", "Unfold"]

Pair = tuple[int, int]


def _out_size(n: int, k: int, stride: int, what: str) -> int:
    if n < k:
        raise ValueError(f"{what}: kernel {k} is larger than the (padded) input side {n}")
    return (n - k) // stride + 1


def _scratch(ctx: Any, name: str, shape: tuple[int, ...], dtype: Any, fill: bool = False
             ) -> tuple[np.ndarray, bool]:
    """(a work array only this op reads, whether it is new). An eager op is a new object every
    call, so this allocates (zeros if `fill`); jit replay runs the same op object every step,
    after the previous step's backward is done with it, and gets the same array back, holding
    whatever the last step left (a caller that only ever writes its interior keeps zero
    borders without re-zeroing them). The arrays belong to one geometry: see `_scratch_for`."""
    a = (store := ctx.scratch).get(name)
    if a is not None and a.shape == shape and a.dtype == dtype:
        return a, False
    a = store[name] = (np.zeros if fill else np.empty)(shape, dtype)
    return a, True


def _scratch_for(ctx: Any, key: tuple[Any, ...]) -> None:
    """Start this call's work arrays: keep the last call's only if it had the same `key` (every
    shape, dtype and option), so no array outlives the geometry its zeros were laid out for."""
    if getattr(ctx, "scratch", None) is None or ctx.scratch_key != key:
        ctx.scratch, ctx.scratch_key = {}, key


class _ScratchOp(Function):
    """A Function whose work arrays (the `scratch` slot) outlive release(): see _scratch."""

    __slots__ = ("scratch", "scratch_key")

    def release(self) -> None:
        super().release()
        self.scratch = None  # an eager graph drawn after backward does not hold them


class ConvGeometry:
    """The sizes of one convolution: x (N, C, H, W) * w (F, C/G, KH, KW) -> (N, F, OH, OW),
    G = groups; padded sides Hp, Wp; P = OH*OW output pixels per image and channel."""

    __slots__ = ("n", "c", "h", "w", "f", "kh", "kw", "sh", "sw", "dh", "dw", "top", "left",
                 "groups", "hp", "wp", "oh", "ow", "P", "flat", "L", "size", "offsets")

    def __init__(self, x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: Pair,
                 padding: tuple[Pair, Pair], dilation: Pair, groups: int) -> None:
        if len(x_shape) != 4 or len(w_shape) != 4 or x_shape[1] != w_shape[1] * groups:
            grp, c = f" / groups={groups}" if groups != 1 else "", tuple(w_shape)[1:2]
            hint = ("; a flattened x? reshape it to (N, C, H, W)" if len(x_shape) == 2 else
                    "; channels last? x.permute(0, 3, 1, 2)" if len(x_shape) == 4 and groups
                    == 1 and tuple(x_shape)[3:] == c != tuple(x_shape)[1:2] else "")
            raise ValueError(f"conv2d expects x (N, C, H, W) and w (F, C{grp}, KH, KW) with the "
                             f"same C{grp}, got x {tuple(x_shape)} and w {tuple(w_shape)}{hint}")
        if w_shape[0] % groups:
            raise ValueError(f"conv2d: {w_shape[0]} filters do not split into {groups} groups")
        self.n, self.c, self.h, self.w = x_shape
        self.f, _, self.kh, self.kw = w_shape
        if not self.kh or not self.kw:  # an empty window: PyTorch refuses it too
            raise ValueError(f"conv2d: the kernel must be at least 1x1, got {self.kh}x{self.kw}")
        (self.sh, self.sw), (self.dh, self.dw), self.groups = stride, dilation, groups
        (self.top, bottom), (self.left, right) = padding
        self.hp, self.wp = self.h + self.top + bottom, self.w + self.left + right
        self.oh = _out_size(self.hp, (self.kh - 1) * self.dh + 1, self.sh, "conv2d")
        self.ow = _out_size(self.wp, (self.kw - 1) * self.dw + 1, self.sw, "conv2d")
        self.P = self.oh * self.ow
        # the input gradient's flat shift (stride 1): rows widened to Wp, L columns per image,
        # and the last offset's run ends (kw-1)*dw past the padded image (zeros there)
        self.flat = self.sh == 1 and self.sw == 1
        self.L = self.oh * self.wp if self.flat else self.P
        self.size = self.hp * self.wp + (self.kw - 1) * self.dw
        self.offsets = [(i, j, i * self.dh * self.wp + j * self.dw)
                        for i in range(self.kh) for j in range(self.kw)]

    def window(self, xp: np.ndarray, i: int, j: int) -> np.ndarray:
        """The (C, N, OH, OW) pixels kernel offset (i, j) reads from xp (C, N, Hp, Wp)."""
        r, s = i * self.dh, j * self.dw
        return xp[:, :, r:r + self.sh * (self.oh - 1) + 1:self.sh,
                  s:s + self.sw * (self.ow - 1) + 1:self.sw]

    def interior(self, xp: np.ndarray) -> np.ndarray:
        """The unpadded (N, C, H, W) image inside xp (C, N, Hp, Wp), as a view."""
        return xp[:, :, self.top:self.top + self.h,
                  self.left:self.left + self.w].transpose(1, 0, 2, 3)


class Conv2d(_ScratchOp):
    """forward(x (N, C, H, W), w (F, C/groups, KH, KW)[, b (F,)], stride=(sh, sw),
    padding=((top, bottom), (left, right)), dilation=(dh, dw), groups) -> (N, F, OH, OW),
    OH = (H + top + bottom - dh (KH - 1) - 1) // sh + 1: cross-correlation, as PyTorch's.

    Layouts: the padded input xp and the columns are channel-major, xp (C, N, Hp, Wp) and
    cols (G, C/G*KH*KW [+ 1], N*P), so each kernel offset's columns are one strided copy of
    whole image rows; with a bias, cols ends in a row of ones and the GEMM adds b itself. The
    GEMM's (F, N*P) result is returned as its (N, F, OH, OW) transposed view, not copied: the
    ops after it (ReLU, pooling) keep that channel-major layout, and its gradient, in the
    same layout, is the (F, N*P) matrix dW = g cols^T wants, again without a copy."""

    multilinear = True  # sums of products of its inputs' entries: testing.check_grad's floor

    def forward(ctx, x, w, *b, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1),
                groups=1):
        geo = ConvGeometry(x.shape, w.shape, stride, padding, dilation, groups)
        if b and b[0].shape != (geo.f,):
            raise ValueError(f"conv2d: bias must have shape ({geo.f},), got {b[0].shape}")
        n, c, f, G, P = geo.n, geo.c, geo.f, groups, geo.P
        kg = c // G * geo.kh * geo.kw  # one group's rows of cols
        dtype = np.result_type(x, w)
        _scratch_for(ctx, (x.shape, x.dtype, w.shape, w.dtype, bool(b), stride, padding,
                           dilation, groups))
        cols, new = _scratch(ctx, "cols", (G, kg + bool(b), n * P), dtype)
        if b and new:
            cols[:, kg] = 1  # the bias's row (never overwritten: a reused array keeps it)
        _im2col(ctx, x, geo, cols)
        wmat = w.reshape(G, f // G, kg)
        wb = (np.concatenate([wmat, b[0].reshape(G, f // G, 1)], axis=2).astype(dtype, copy=False)
              if b else wmat)
        out = np.matmul(wb, cols)  # (G, F/G, N*P): fresh, it is the output
        ctx.save_for_backward(cols, wmat)
        ctx.geometry = geo
        return out.reshape(f, n, geo.oh, geo.ow).transpose(1, 0, 2, 3)

    def backward(ctx, g):
        (cols, wmat), geo = ctx.saved, ctx.geometry
        G, n, f, c, P = geo.groups, geo.n, geo.f, geo.c, geo.P
        gt = g.transpose(1, 0, 2, 3)  # (F, N, OH, OW): contiguous when g has our layout
        needs = ctx.needs_input_grad
        dx = dw = db = None
        if needs[1] or needs[-1] and len(needs) == 3:
            # (G, F/G, kg [+ 1]): dW, and the bias's gradient from the row of ones
            dwb = np.matmul(gt.reshape(G, f // G, n * P), cols.transpose(0, 2, 1))
            kg = wmat.shape[2]
            dw = dwb[:, :, :kg].reshape(f, c // G, geo.kh, geo.kw) if needs[1] else None
            if len(needs) == 3 and needs[2]:
                db = dwb[:, :, kg].reshape(f)
        if needs[0]:
            dx = _input_grad(ctx, gt, wmat, geo)
        if len(needs) == 2:
            return dx, dw
        return dx, dw, db


def _input_grad(ctx: Any, gt: np.ndarray, wmat: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    """dx = col2im(W^T g): one GEMM, then each kernel offset's (C, N, L) block added back onto
    the padded input; returns its interior, an (N, C, H, W) view of a fresh array.

    With stride 1 the GEMM reads g widened to rows of Wp (zeros in the extra columns), so each
    offset's block lands on ONE contiguous run of the flattened padded image per (channel,
    image): KH*KW block adds. Strided convolutions add each block through a strided window."""
    G, n, f, c, L = geo.groups, geo.n, geo.f, geo.c, geo.L
    if geo.flat:  # only the first OW columns are ever written: a reused array keeps its zeros
        gw, _ = _scratch(ctx, "g", (f, n, geo.oh, geo.wp), gt.dtype, fill=True)
        gw[..., :geo.ow] = gt
    else:
        gw = gt
    dtype = np.result_type(wmat, gt)
    dcols, _ = _scratch(ctx, "dcols", (c, geo.kh, geo.kw, n, L), dtype)
    np.matmul(wmat.transpose(0, 2, 1), gw.reshape(G, f // G, n * L),
              out=dcols.reshape(G, c // G * geo.kh * geo.kw, n * L))
    if geo.flat and not np.isfinite(wmat).all():
        # the widened columns' products are 0 * W, NaN for an inf or NaN weight, and col2im
        # adds them onto real pixels that offset never reaches: zero them (torch: finite there)
        dcols.reshape(c, geo.kh, geo.kw, n, geo.oh, geo.wp)[..., geo.ow:] = 0
    return _col2im(geo, dcols, dtype, widened=geo.flat)


def _im2col(ctx: Any, x: np.ndarray, geo: ConvGeometry, cols: np.ndarray) -> None:
    """Write the windows of x (N, C, H, W) into the first C/G*KH*KW rows of cols (G, ...,
    N*P): row (c, i, j) of group g holds, for every image and output pixel, what kernel offset
    (i, j) reads from channel g*C/G + c. The zero-padded copy of x is a work array (_scratch):
    only its interior is ever written, so a reused one stays padded."""
    c, n, G = geo.c, geo.n, geo.groups
    xbuf, _ = _scratch(ctx, "x", (c, n, geo.size), cols.dtype, fill=True)
    xp = xbuf[:, :, :geo.hp * geo.wp].reshape(c, n, geo.hp, geo.wp)
    geo.interior(xp)[...] = x
    # (splitting axes only, so these reshapes are views: the copies land in cols)
    grid = cols[:, :c // G * geo.kh * geo.kw].reshape(G, c // G, geo.kh, geo.kw, n, geo.oh,
                                                     geo.ow)
    for i in range(geo.kh):
        for j in range(geo.kw):
            grid[:, :, i, j] = geo.window(xp, i, j).reshape(G, c // G, n, geo.oh, geo.ow)


def _col2im(geo: ConvGeometry, dcols: np.ndarray, dtype: Any, widened: bool) -> np.ndarray:
    """The adjoint of _im2col: each kernel offset's block of dcols (C, KH, KW, N, L) added
    back onto a zeroed padded image; returns its interior, an (N, C, H, W) view of a fresh
    array. `widened` (stride 1 only): rows of L = OH*Wp columns, so each block lands on ONE
    contiguous run per (channel, image); else L = OH*OW and each block goes through a strided
    window."""
    c, n = geo.c, geo.n
    buf = np.zeros((c, n, geo.size), dtype)
    xp = buf[:, :, :geo.hp * geo.wp].reshape(c, n, geo.hp, geo.wp)
    if widened:
        L = geo.L
        for i, j, s in geo.offsets:
            buf[:, :, s:s + L] += dcols[:, i, j]
    else:
        grid = dcols.reshape(c, geo.kh, geo.kw, n, geo.oh, geo.ow)
        for i in range(geo.kh):
            for j in range(geo.kw):
                geo.window(xp, i, j)[...] += grid[:, i, j]
    return geo.interior(xp)


# ---- the adjoints: transposed convolution, unfold (im2col) and fold (col2im) ---------------
class ConvTranspose2d(_ScratchOp):
    """forward(x (N, C_in, H, W), w (C_in, C_out/groups, KH, KW)[, b (C_out,)], stride,
    padding=(ph, pw), output_padding=(oph, opw), dilation, groups) -> (N, C_out, OH, OW),
    OH = (H - 1) sh - 2 ph + dh (KH - 1) + oph + 1, as PyTorch's: the input gradient of the
    conv2d of an (N, C_out, OH, OW) image with w, so forward is conv2d's col2im(W^T x) and
    backward conv2d's forward: im2col of g, then dx = W cols and dW = x cols^T (two GEMMs).

    That conv's padding is (ph, ph - oph) per side: output_padding's rows at the bottom (and
    columns at the right) are ones no window of it reaches. Where oph > ph the bottom padding
    would be negative: the conv then sees OH - (oph - ph) rows, and the last rows, which no
    input pixel reaches, are zeros (plus the bias)."""

    multilinear = True  # sums of products of its inputs' entries: testing.check_grad's floor

    def forward(ctx, x, w, *b, stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                dilation=(1, 1), groups=1):
        n, c_in, h, wd = x.shape
        c_out, kh, kw = w.shape[1] * groups, w.shape[2], w.shape[3]
        out = tuple((i - 1) * s - 2 * p + d * (k - 1) + o + 1 for i, s, p, d, k, o in zip(
            (h, wd), stride, padding, dilation, (kh, kw), output_padding))
        core = tuple(m - max(0, o - p) for m, o, p in zip(out, output_padding, padding))
        pads = tuple((p, max(0, p - o)) for p, o in zip(padding, output_padding))
        geo = ConvGeometry((n, c_out) + core, w.shape, stride, pads, dilation, groups)
        if (geo.oh, geo.ow) != (h, wd) or c_in != w.shape[0] or (b and b[0].shape != (c_out,)):
            raise ValueError(f"conv_transpose2d: x {x.shape}, w {w.shape} and bias "
                             f"{b[0].shape if b else None} do not fit these options")
        _scratch_for(ctx, (x.shape, x.dtype, w.shape, w.dtype, bool(b), stride, padding,
                           output_padding, dilation, groups))
        wmat = w.reshape(groups, c_in // groups, c_out // groups * kh * kw)
        y = _input_grad(ctx, x.transpose(1, 0, 2, 3), wmat, geo)  # (N, C_out) + core
        if core != out:  # the rows and columns no pixel reaches
            full = np.zeros((c_out, n) + out, y.dtype).transpose(1, 0, 2, 3)
            full[:, :, :core[0], :core[1]] = y
            y = full
        if b:
            y += b[0].reshape(1, c_out, 1, 1)
        ctx.save_for_backward(x, wmat)
        ctx.geometry, ctx.core = geo, core
        return y

    def backward(ctx, g):
        (x, wmat), geo, core = ctx.saved, ctx.geometry, ctx.core
        G, n, c_in, P = geo.groups, geo.n, geo.f, geo.P
        needs = ctx.needs_input_grad
        dx = dw = db = None
        if needs[0] or needs[1]:
            cols, _ = _scratch(ctx, "cols", (G, wmat.shape[2], n * P),
                               np.result_type(g, wmat))
            _im2col(ctx, g[:, :, :core[0], :core[1]], geo, cols)
            if needs[0]:
                dx = np.matmul(wmat, cols).reshape(c_in, n, geo.oh, geo.ow).transpose(1, 0, 2, 3)
            if needs[1]:
                xt = x.transpose(1, 0, 2, 3).reshape(G, c_in // G, n * P)
                dw = np.matmul(xt, cols.transpose(0, 2, 1)).reshape(c_in, -1, geo.kh, geo.kw)
        if len(needs) == 2:
            return dx, dw
        if needs[2]:
            db = g.sum(axis=(0, 2, 3))
        return dx, dw, db


def _patch_geometry(shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair,
                    dilation: Pair) -> ConvGeometry:
    """The geometry of sliding (KH, KW) blocks over an (N, C, H, W) image, one group."""
    (ph, pw), (kh, kw) = padding, kernel
    return ConvGeometry(shape, (1, shape[1], kh, kw), stride, ((ph, ph), (pw, pw)), dilation, 1)


class Unfold(_ScratchOp):
    """forward(x (N, C, H, W), kernel=(KH, KW), stride, padding=(ph, pw), dilation) ->
    (N, C*KH*KW, L), L = OH*OW sliding blocks, PyTorch's F.unfold: conv2d's im2col (row
    c*KH*KW + i*KW + j holds what kernel offset (i, j) reads from channel c); backward is its
    adjoint, col2im, which adds each block's gradient back where it was read."""

    def forward(ctx, x, kernel=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        geo = ctx.geometry = _patch_geometry(x.shape, kernel, stride, padding, dilation)
        _scratch_for(ctx, (x.shape, x.dtype, kernel, stride, padding, dilation))
        rows = geo.c * geo.kh * geo.kw
        cols = np.empty((1, rows, geo.n * geo.P), x.dtype)  # fresh: it is the output
        _im2col(ctx, x, geo, cols)
        return cols.reshape(rows, geo.n, geo.P).transpose(1, 0, 2)

    def backward(ctx, g):
        geo = ctx.geometry
        return _col2im(geo, g.transpose(1, 0, 2), g.dtype, widened=False)


class Fold(_ScratchOp):
    """forward(x (N, C*KH*KW, L), output_size=(H, W), kernel, stride, padding=(ph, pw),
    dilation) -> (N, C, H, W), PyTorch's F.fold: col2im, each sliding block added onto the
    image where unfold would read it (overlaps add up); backward is its adjoint, im2col."""

    def forward(ctx, x, output_size=(1, 1), kernel=(1, 1), stride=(1, 1), padding=(0, 0),
                dilation=(1, 1)):
        n, rows, _ = x.shape
        shape = (n, rows // (kernel[0] * kernel[1])) + tuple(output_size)
        geo = ctx.geometry = _patch_geometry(shape, kernel, stride, padding, dilation)
        if x.shape[2] != geo.P:
            raise ValueError(f"fold: x {x.shape} has {x.shape[2]} blocks, the geometry "
                             f"{geo.P}")
        _scratch_for(ctx, (x.shape, x.dtype, output_size, kernel, stride, padding, dilation))
        return _col2im(geo, x.transpose(1, 0, 2), x.dtype, widened=False)

    def backward(ctx, g):
        geo = ctx.geometry
        rows = geo.c * geo.kh * geo.kw
        cols = np.empty((1, rows, geo.n * geo.P), g.dtype)  # fresh: it is the gradient
        _im2col(ctx, g, geo, cols)
        return cols.reshape(rows, geo.n, geo.P).transpose(1, 0, 2)


# ---- pooling ------------------------------------------------------------------------------
class _Pool(Function):
    """What max and average pooling share: the geometry, and which path runs.

    The fast path: windows that tile x exactly (kernel == stride, sides divisible) over x
    contiguous in NCHW or in the channel-major (C, N, H, W) layout of a conv's output. It is
    separable and reads x through 1-D strided views, never through short rows: with m the
    (A, B, H, W) array of x's memory, column j of every window is flat(m)[j::KW] (W % KW == 0,
    so no window straddles a row), which a first stage reduces to one value per window row,
    r (A*B*OH, KH, OW); the second stage reduces over r[:, i]. These are the (N, C, H/k, k,
    W/k, k) views of the issue, flattened so that NumPy loops over whole arrays. The general
    path (overlapping or partial windows, other layouts) reduces over the KH*KW strided
    (N, C, OH, OW) views of x, one per kernel offset."""

    op = "pool2d"

    def setup(ctx, x: np.ndarray, kernel: Any, stride: Any) -> np.ndarray | None:
        """Check and record the geometry; return x's memory as (A, B, H, W) for the fast path,
        or None for the general one."""
        kernel = (kernel, kernel) if isinstance(kernel, (int, np.integer)) else tuple(kernel)
        stride = kernel if stride is None else (
            (stride, stride) if isinstance(stride, (int, np.integer)) else tuple(stride))
        if x.ndim != 4:
            raise ValueError(f"{ctx.op} expects x (N, C, H, W), got {x.shape}")
        (kh, kw), (sh, sw) = kernel, stride
        oh, ow = _out_size(x.shape[2], kh, sh, ctx.op), _out_size(x.shape[3], kw, sw, ctx.op)
        ctx.shape, ctx.kernel, ctx.stride, ctx.out = x.shape, kernel, stride, (oh, ow)
        # a conv's output is channel-major (C, N, H, W) in memory: keep that layout throughout
        ctx.channel_major = x.strides[1] > x.strides[0] and x.shape[0] > 1
        m = x.transpose(1, 0, 2, 3) if ctx.channel_major else x
        ctx.fast = (kernel == stride and x.shape[2:] == (oh * kh, ow * kw)
                    and m.flags.c_contiguous)
        return m if ctx.fast else None

    def memory(ctx, a: np.ndarray) -> np.ndarray:
        """(N, C, ...) -> x's memory order (A, B, ...), or back: the same swap both ways."""
        return a.transpose(1, 0, 2, 3) if ctx.channel_major else a

    def new_grad(ctx, dtype: Any, zero: bool) -> tuple[np.ndarray, np.ndarray]:
        """(dx (N, C, H, W), the same array in x's memory order)."""
        n, c, h, w = ctx.shape
        m = (np.zeros if zero else np.empty)((c, n, h, w) if ctx.channel_major else ctx.shape,
                                             dtype)
        return ctx.memory(m), m

    def columns(ctx, m: np.ndarray) -> list[np.ndarray]:
        """Fast path, first stage: column j of every window, as flat(m)[j::KW]."""
        kw = ctx.kernel[1]
        flat = m.reshape(-1)
        return [flat[j::kw] for j in range(kw)]

    def window_rows(ctx, r: np.ndarray) -> list[np.ndarray]:
        """Fast path, second stage: the first stage's result for row i of every window."""
        r3 = r.reshape(-1, ctx.kernel[0], ctx.out[1])
        return [r3[:, i] for i in range(r3.shape[1])]

    def result(ctx, out: np.ndarray) -> np.ndarray:
        """The second stage's (A*B*OH, OW) result as (N, C, OH, OW)."""
        n, c, _, _ = ctx.shape
        a, b = (c, n) if ctx.channel_major else (n, c)
        return ctx.memory(out.reshape(a, b, *ctx.out))

    def grad_views(ctx, dtype: Any) -> tuple[np.ndarray, list[np.ndarray], bool]:
        """General path: (dx, its views per kernel offset, whether windows overlap: add, not
        write). dx starts zeroed unless the windows tile x, where every entry is written."""
        (kh, kw), (sh, sw), (oh, ow) = ctx.kernel, ctx.stride, ctx.out
        tiled = (kh, kw) == (sh, sw) and ctx.shape[2:] == (oh * sh, ow * sw)
        dx, _ = ctx.new_grad(dtype, zero=not tiled)
        return dx, _pool_views(dx, ctx.kernel, ctx.stride, ctx.out), kh > sh or kw > sw

    def fast_grad(ctx, g: np.ndarray, rows: Any, cols: Any) -> np.ndarray:
        """Fast path backward: rows(gm, i) fills the second stage's gradient for window row i,
        cols(gr, j) the first stage's for window column j; both write into fresh arrays."""
        (kh, kw), ow = ctx.kernel, ctx.out[1]
        gm = ctx.memory(g).reshape(-1, ow)  # contiguous (a copy if g has another layout)
        gr = np.empty((gm.shape[0], kh, ow), g.dtype)
        for i in range(kh):
            rows(gm, i, gr[:, i])
        dx, m = ctx.new_grad(g.dtype, zero=False)
        flat, grf = m.reshape(-1), gr.reshape(-1)
        for j in range(kw):
            cols(grf, j, flat[j::kw])
        return dx


def _pool_views(x: np.ndarray, kernel: Pair, stride: Pair, out: Pair) -> list[np.ndarray]:
    """The KH*KW strided (N, C, OH, OW) views of x: view i*KW + j holds pixel (i, j) of every
    window (row-major, so a running comparison over them finds PyTorch's first maximum)."""
    (kh, kw), (sh, sw), (oh, ow) = kernel, stride, out
    return [x[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
            for i in range(kh) for j in range(kw)]


def _running_max(views: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(max over the views, index of the view holding it): the first on ties (strict >),
    NaN propagating into the max; the index of a NaN is fixed by _last_nan."""
    if len(views) == 1:
        out = views[0].copy(order="K")  # x's layout (as every array below)
        return out, np.zeros_like(out, np.uint8)
    out = np.maximum(views[0], views[1])
    idx = (views[1] > views[0]).view(np.uint8)  # strict: ties keep the first view
    if len(views) > 256:
        idx = idx.astype(np.int32)
    for t, v in enumerate(views[2:], 2):
        new = v > out
        np.maximum(out, v, out=out)
        np.maximum(idx, new * idx.dtype.type(t), out=idx)  # t exceeds every earlier index
    return out, idx


def _last_nan(out: np.ndarray, idx: np.ndarray, views: list[np.ndarray]) -> bool:
    """Point idx at the last NaN where `out` is NaN (PyTorch's CPU kernel takes every NaN it
    meets, so the last one wins); False, at the cost of one pass, when there is none."""
    if out.dtype.kind not in "fc" or not np.isnan(out).any():
        return False
    for t, v in enumerate(views):  # `>` never picks a NaN; later NaNs overwrite earlier ones
        idx[np.isnan(v)] = t
    return True


def _first_real(out: np.ndarray, idx: np.ndarray, ctx: Any, pad: Pair, rows: bool,
                cols: bool) -> None:
    """Where `out` is the pad's value (every real pixel of the window equals it), point idx
    at the window's first real pixel: MaxPool2d's view index i0 * KW + j0 (`rows` and
    `cols`), the fast path's row i0 (`rows`) or, per input row, column j0 (`cols`). idx and
    out end in (OH, OW), or (OW,) for the fast path's columns."""
    hit = out == _lowest(out.dtype)
    if not hit.any():
        return
    (_, kw), (sh, sw), (oh, ow) = ctx.kernel, ctx.stride, ctx.out
    i0 = np.maximum(pad[0] - np.arange(oh) * sh, 0)
    j0 = np.maximum(pad[1] - np.arange(ow) * sw, 0)
    first = (i0[:, None] * kw + j0 if cols else np.broadcast_to(i0[:, None], (oh, ow))) \
        if rows else j0[None, :]
    target = np.broadcast_to(first, (idx.size // first.size,) + first.shape).reshape(idx.shape)
    idx[hit] = target[hit]


def _lowest(dtype: Any) -> Any:
    """The value F.max_pool2d pads with: below every other (-inf; the smallest integer)."""
    kind = dtype.kind
    return -np.inf if kind in "fc" else (False if kind == "b" else np.iinfo(dtype).min)


class MaxPool2d(_Pool):
    """Max over KH x KW windows every (SH, SW) pixels (NCHW; kernel and stride an int or a pair,
    stride None = the kernel). The gradient goes to the first maximum of each window in
    row-major order (as PyTorch's), once per window that selected it; a window holding NaN
    outputs NaN and sends its gradient to its last NaN (as PyTorch's CPU kernel)."""

    op = "max_pool2d"

    def forward(ctx, x, kernel=2, stride=None, pad=(0, 0)):
        """`pad`: how many of x's outer rows and columns are the caller's padding (F.max_pool2d
        pads with the lowest value first): a window whose real pixels are all that value ties
        with the pad, and its gradient goes to its first real pixel, as torch's (a pad pixel
        would drop it). Decided here, per call, not by the caller looking at the data: a jit
        replay runs this forward again on the new data."""
        real_only(ctx.op, x)  # (NumPy's max orders complex lexicographically; torch refuses)
        m = ctx.setup(x, kernel, stride)
        if m is None:
            views = _pool_views(x, ctx.kernel, ctx.stride, ctx.out)
            out, ctx.idx = _running_max(views)
            if pad != (0, 0):
                _first_real(out, ctx.idx, ctx, pad, rows=True, cols=True)
            _last_nan(out, ctx.idx, views)
            return out
        # fast path: the first maximum of each window row (its column j), then the first row
        # holding the window's maximum (its row i): together the row-major first maximum
        columns = ctx.columns(m)
        r, ctx.cols = _running_max(columns)
        rows = ctx.window_rows(r)
        out, ctx.rows = _running_max(rows)
        if pad != (0, 0):  # (r: one value per input row and window column)
            _first_real(r, ctx.cols, ctx, pad, rows=False, cols=True)
            _first_real(out, ctx.rows, ctx, pad, rows=True, cols=False)
        if _last_nan(out, ctx.rows, rows):  # the last NaN row, and its last NaN column
            _last_nan(r, ctx.cols, columns)
        return ctx.result(out)

    def backward(ctx, g):
        if ctx.fast:
            rows, cols = ctx.rows, ctx.cols
            return ctx.fast_grad(g, lambda gm, i, dst: np.multiply(gm, rows == i, out=dst),
                                 lambda gr, j, dst: np.multiply(gr, cols == j, out=dst))
        dx, views, overlap = ctx.grad_views(g.dtype)
        idx = ctx.idx
        for t, v in enumerate(views):
            if overlap:
                v += g * (idx == t)
            else:
                np.multiply(g, idx == t, out=v)
        return dx


class AvgPool2d(_Pool):
    """Mean over KH x KW windows every (SH, SW) pixels (NCHW; as MaxPool2d)."""

    op = "avg_pool2d"

    def forward(ctx, x, kernel=2, stride=None):
        if x.dtype.kind not in "fc":
            # a mean of integers is computed in float64, as x.mean() and the unary ops here do
            # (the in-place division below failed on an int64 sum; torch truncates instead)
            x = x.astype(np.float64)
        m = ctx.setup(x, kernel, stride)
        kh, kw = ctx.kernel
        if m is None:
            out = _total(_pool_views(x, ctx.kernel, ctx.stride, ctx.out))
        else:
            out = ctx.result(_total(ctx.window_rows(_total(ctx.columns(m)))))
        out /= kh * kw
        return out

    def backward(ctx, g):
        kh, kw = ctx.kernel
        share = g / (kh * kw)
        if ctx.fast:
            def copy(src, _, dst):
                dst[...] = src

            return ctx.fast_grad(share, copy, copy)
        dx, views, overlap = ctx.grad_views(g.dtype)
        for v in views:
            if overlap:
                v += share
            else:
                v[...] = share
        return dx


def _total(views: list[np.ndarray]) -> np.ndarray:
    """The sum of the views, as a fresh array in their layout."""
    out = views[0].copy(order="K") if len(views) == 1 else np.add(views[0], views[1])
    for v in views[2:]:
        out += v
    return out

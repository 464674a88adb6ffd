"""The mean of pooling windows under torch's avg_pool options, for any number of spatial axes
(F.avg_pool2d's and F.avg_pool3d's general path): ceil_mode (a last partial window, never one
that starts in the right padding), count_include_pad (the zeros in the divisor, or not) and
divisor_override (one divisor everywhere). A sum of the kernel's strided views of the padded
input divided by torch's divisor per position: ops with their own gradients, no op of its
own."""

from __future__ import annotations

import itertools

import numpy as np

from ..tensor import Tensor
from .joins import pad


def pool_out_size(n: int, k: int, s: int, p: int, ceil_mode: bool) -> int:
    """torch's pooling output length along an axis of n (ceil_mode: a last partial window,
    dropped where it would start in the right padding)."""
    out = (n + 2 * p - k + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def window_mean(who: str, x: Tensor, k: tuple[int, ...], s: tuple[int, ...],
                p: tuple[int, ...], ceil_mode: bool, count_include_pad: bool,
                divisor_override: int | None) -> Tensor:
    """The average pool of x over its last len(k) axes (x's checks are the caller's)."""
    dims = len(k)
    shape = tuple(x.shape)
    spatial, lead = shape[-dims:], len(shape) - dims
    out = tuple(pool_out_size(n, ki, si, pi, ceil_mode)
                for n, ki, si, pi in zip(spatial, k, s, p))
    if min(out) < 1:
        raise ValueError(f"{who}: kernel_size {k} is larger than the padded input (input "
                         f"{shape}, padding {p}): output size {out}")
    after = tuple(max(0, (o - 1) * si + ki - pi - n)
                  for o, si, ki, pi, n in zip(out, s, k, p, spatial))
    xp = pad(x, ((0, 0),) * lead + tuple(zip(p, after))) if any(p) or any(after) else x
    total = None
    for offs in itertools.product(*(range(ki) for ki in k)):
        view = xp[(slice(None),) * lead + tuple(slice(a, a + si * (o - 1) + 1, si)
                                                for a, si, o in zip(offs, s, out))]
        total = view if total is None else total + view
    assert total is not None
    if divisor_override is not None:
        return total / float(divisor_override)
    div = np.ones((1,) * dims)
    for axis, (n, ki, si, pi, o) in enumerate(zip(spatial, k, s, p, out)):
        start = np.arange(o) * si - pi  # torch's divisor, axis by axis: the window clipped
        end = np.minimum(start + ki, n + pi)  # to the padded input (ceil_mode's last one)
        size = (end - start) if count_include_pad else (np.minimum(end, n) - np.maximum(start, 0))
        div = div * size.reshape((1,) * axis + (o,) + (1,) * (dims - axis - 1))
    # (Python numbers: a literal to the jit, so a jitted step with these options replays)
    return total / Tensor(div.tolist(), dtype=x.dtype)


def divisor_override_arg(who: str, divisor_override: object) -> int | None:
    """None, or a nonzero int (torch refuses 0 and non-integers)."""
    if divisor_override is not None and (
            isinstance(divisor_override, (bool, np.bool_))
            or not isinstance(divisor_override, (int, np.integer)) or divisor_override == 0):
        raise ValueError(f"{who}: divisor_override must be a nonzero integer, got "
                         f"{divisor_override!r}")
    return None if divisor_override is None else int(divisor_override)

"""F.affine_grid and F.grid_sample, torch's spatial-transformer pair: affine_grid maps the
output's normalised coordinates through theta (a matmul of a constant base grid, so its
gradient to theta comes from matmul's); grid_sample reads an input at a grid's points (one op,
ops.GridSample, with gradients to the input and the grid)."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..engine import literal
from ..ops import GridSample
from ..ops.allocation import check_alloc
from ..tensor import Tensor
from .methods import as_tensor_of

_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")


def _align(who: str, align_corners: Any) -> bool:
    """torch's default False (torch 2.13 still warns when it is not given; not here)."""
    if align_corners is None:
        return False
    if not isinstance(align_corners, (bool, np.bool_)):
        raise TypeError(f"{who}: align_corners must be a bool or None, got "
                        f"{type(align_corners).__name__}")
    return bool(align_corners)


def _steps(n: int, align: bool) -> np.ndarray:
    """torch's linspace_from_neg_one: n points over [-1, 1] (pixel centres unless align),
    0 for a single point."""
    if n <= 1:
        return np.zeros(n)
    v = np.linspace(-1.0, 1.0, n)
    return v if align else v * ((n - 1) / n)


def affine_grid(theta: Any, size: Any, align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) of 2-D affine matrices theta (N, 2, 3) for an output of
    size (N, C, H, W), or (N, D, H, W, 3) of theta (N, 3, 4) for (N, C, D, H, W): each output
    position's normalised (x, y[, z], 1) times theta^T. align_corners: torch's (default False:
    -1 and 1 are the outer pixels' edges, True: their centres)."""
    who = "affine_grid"
    align = _align(who, align_corners)
    th = as_tensor_of(theta)
    if th.dtype.kind != "f":
        raise TypeError(f"{who}: theta must be floating point, got dtype {th.dtype}")
    try:  # operator.index: 4.5 refused (int() truncated it to 4), as torch's
        size = tuple(operator.index(s) for s in size)
    except TypeError:
        raise TypeError(f"{who}: size must be a sequence of ints, got {size!r:.60}") from None
    if len(size) not in (4, 5):
        raise ValueError(f"{who}: size must be (N, C, H, W) or (N, C, D, H, W), got {size}")
    d = len(size) - 2
    if tuple(th.shape) != (size[0], d, d + 1):
        raise ValueError(f"{who}: expected a batch of {d}-D affine matrices of shape "
                         f"({size[0]}, {d}, {d + 1}) for size {size}, got {tuple(th.shape)}")
    if min(size) <= 0:
        raise ValueError(f"{who}: size must be positive, got {size}")
    spatial = size[2:]
    check_alloc(lambda: f"{who}: size {size}", (size[0],) + spatial + (d + 1,), th.dtype)
    axes = [_steps(n, align) for n in spatial]  # D, H, W order
    mesh = np.meshgrid(*axes, indexing="ij")
    base = np.stack([m.ravel() for m in mesh[::-1]] + [np.ones(mesh[0].size)], axis=-1)
    # (from shapes only: a literal, so a jitted step replays rather than reading it as data)
    grid = Tensor(literal(base.astype(th.dtype))) @ th.transpose(1, 2)  # (N, prod(spatial), d)
    return grid.reshape((size[0],) + spatial + (d,))


def grid_sample(input: Any, grid: Any, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """input (N, C, H, W) read at grid (N, Ho, Wo, 2) (x, y in [-1, 1]; x indexes W): output
    (N, C, Ho, Wo); 5-D input (N, C, D, H, W) with grid (N, Do, Ho, Wo, 3), bilinear
    (trilinear) or nearest. mode 'bilinear', 'nearest' (half to even; no gradient to the
    grid) or 'bicubic' (4-D); padding_mode 'zeros', 'border' or 'reflection'; align_corners
    as affine_grid's. Gradients to the input and the grid, torch's."""
    who = "grid_sample"
    if mode not in _MODES:
        raise ValueError(f"{who}: mode must be one of {_MODES}, got {mode!r}")
    if padding_mode not in _PADDINGS:
        raise ValueError(f"{who}: padding_mode must be one of {_PADDINGS}, got "
                         f"{padding_mode!r}")
    align = _align(who, align_corners)
    x, g = as_tensor_of(input), as_tensor_of(grid)
    if x.ndim not in (4, 5):
        raise ValueError(f"{who}: input must be (N, C, H, W) or (N, C, D, H, W), got shape "
                         f"{tuple(x.shape)}")
    d = x.ndim - 2
    if g.ndim != x.ndim or g.shape[-1] != d or g.shape[0] != x.shape[0]:
        raise ValueError(f"{who}: grid must be (N, {'Do, ' if d == 3 else ''}Ho, Wo, {d}) with "
                         f"N = {x.shape[0]} for input {tuple(x.shape)}, got {tuple(g.shape)}")
    if x.dtype.kind != "f" or g.dtype != x.dtype:
        raise TypeError(f"{who}: input and grid must have one floating dtype, got {x.dtype} "
                        f"and {g.dtype}")
    if 0 in x.shape[2:]:
        raise ValueError(f"{who}: input must have non-empty spatial dimensions, got "
                         f"{tuple(x.shape)}")
    if mode == "bicubic" and d == 3:
        raise ValueError(f"{who}: bicubic interpolation only supports 4-D input, got "
                         f"{tuple(x.shape)}")
    return GridSample.apply(x, g, mode=mode, padding_mode=padding_mode, align_corners=align)

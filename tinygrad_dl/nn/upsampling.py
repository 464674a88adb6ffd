"""PyTorch's resampling layers: Upsample (F.interpolate) and the deprecated
UpsamplingNearest2d and UpsamplingBilinear2d."""

from __future__ import annotations

from typing import Any

from ..functional import interpolate
from ..functional.upsampling import INTERPOLATE_MODES
from ..tensor import Tensor
from .module import Module


class Upsample(Module):
    """`Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None)`: PyTorch's
    module of F.interpolate (modes "nearest", "nearest-exact" and "area" for any rank,
    "linear" for (N, C, L), "bilinear" and "bicubic" for (N, C, H, W), "trilinear" for
    (N, C, D, H, W)); no parameters."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        # torch's attributes: factors as floats (repr "scale_factor=2.0"), a falsy one None
        # (an empty list too; a list, which torch refuses, is kept as a list of floats)
        if isinstance(scale_factor, tuple):
            scale_factor = tuple(float(f) for f in scale_factor)
        elif isinstance(scale_factor, list):
            scale_factor = [float(f) for f in scale_factor] or None
        else:
            scale_factor = float(scale_factor) if scale_factor else None
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor
        if mode not in INTERPOLATE_MODES:
            raise ValueError(f"Upsample: mode {mode!r} is not supported (only "
                             f"{', '.join(repr(m) for m in INTERPOLATE_MODES)})")

    def forward(self, x: Any) -> Tensor:
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self) -> str:  # torch's: scale_factor where there is one, else size
        what = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                else f"size={self.size!r}")
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """`UpsamplingNearest2d(size=None, scale_factor=None)`: Upsample(mode='nearest')."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """`UpsamplingBilinear2d(size=None, scale_factor=None)`: Upsample(mode='bilinear',
    align_corners=True)."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)

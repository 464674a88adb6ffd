"""The print options Tensor's repr follows, torch's (torch.set_printoptions sets them), and
`render`, the values as the repr prints them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# torch's print options, as Tensor.__repr__ reads them: 4 decimals, summarized ("...",
# `edgeitems` at each edge) past `threshold` elements; linewidth None is NumPy's (75);
# sci_mode None: NumPy picks, True: always scientific, False: never
PRINT_OPTIONS: dict[str, Any] = {"precision": 4, "threshold": 1000, "edgeitems": 3,
                                 "linewidth": None, "sci_mode": None}

# NumPy's own print options that array2string would otherwise read from np.set_printoptions
# (a course's `np.set_printoptions(suppress=True)` printed 1e-8 as 0., a float `formatter`
# replaced the values, sign="+" / floatmode="fixed" changed them): pinned to NumPy's
# defaults, as torch's repr ignores NumPy's settings
_PINNED: dict[str, Any] = {"sign": "-", "floatmode": "maxprec", "formatter": {},
                           "legacy": False, "suppress_small": False}


def _fixed(p: int) -> Any:
    return lambda x: f"{x:.{p}f}"


def _scientific(p: int) -> dict[str, Any]:
    return {"float_kind": lambda x: f"{x:.{p}e}",
            "complex_kind": lambda z: f"{z.real:.{p}e}{z.imag:+.{p}e}j"}


def render(a: np.ndarray, prefix: str) -> str:
    """`a`'s values as Tensor's repr prints them, under PRINT_OPTIONS (and none of NumPy's
    global print options); an empty tensor of a shape other than (0,) adds its size, as
    torch's (`[]` alone hid the shape)."""
    o = PRINT_OPTIONS
    shape, threshold, edge = a.shape, o["threshold"], o["edgeitems"]
    if a.size > threshold and edge == 0 and a.ndim:  # (NumPy's edgeitems=0 printed the
        return f"[...], size={shape}"  # whole array after its "...", a[-0:]; torch's text)
    if a.size > threshold:  # (only the shown entries are copied below: each long axis cut to
        for ax, n in enumerate(a.shape):  # its edges and one entry the "..." hides)
            if n > 2 * edge + 1:
                a = np.take(a, np.r_[0:edge + 1, n - edge:n], axis=ax)
        threshold = 0
    if a.dtype in (np.float16, np.float32, np.complex64):
        # (NumPy printed a float32's shortest digits that tell it from its float32 neighbours:
        # 924746.625 as 924746.6 and float16's -10.4765625 as -10.48 at 4 decimals; torch's
        # 924746.6250 and -10.4766, the stored value's)
        a = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    kw: dict[str, Any] = dict(_PINNED)
    p = o["precision"]
    if o["linewidth"] is not None:
        kw["max_line_width"] = o["linewidth"]
    if o["sci_mode"] is True and a.dtype.kind in "fc":
        kw["formatter"] = _scientific(p)
    elif o["sci_mode"] is False:
        kw["suppress_small"] = True
        # (NumPy's suppress_small still went scientific from 1e8 up: fixed, as torch's)
        if a.dtype.kind == "f" and a.size and np.any(np.abs(a[np.isfinite(a)]) >= 1e8):
            kw["formatter"] = {"float_kind": _fixed(p)}
    g = np.get_printoptions()
    if g["nanstr"] != "nan" or g["infstr"] != "inf":  # (rare: pinned only when changed)
        with np.printoptions(nanstr="nan", infstr="inf"):
            return _text(a, shape, prefix, p, threshold, edge, kw)
    return _text(a, shape, prefix, p, threshold, edge, kw)


def _text(a: np.ndarray, shape: tuple[int, ...], prefix: str, p: int, threshold: Any,
          edge: int, kw: dict[str, Any]) -> str:
    body = np.array2string(a, precision=p, threshold=threshold, edgeitems=edge,
                           separator=", ", prefix=prefix, **kw)
    if a.size == 0 and shape != (0,):
        body += f", size={shape}"
    return body

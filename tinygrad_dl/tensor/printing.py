"""The print options Tensor's repr follows, torch's (torch.set_printoptions sets them), and
`render`, the values as the repr prints them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.indexing import NUMPY_PRINT_DEFAULTS

# torch's print options, as Tensor.__repr__ reads them: 4 decimals, summarized ("...",
# `edgeitems` at each edge) past `threshold` elements; linewidth None is NumPy's (75);
# sci_mode None: NumPy picks, True: always scientific, False: never
PRINT_OPTIONS: dict[str, Any] = {"precision": 4, "threshold": 1000, "edgeitems": 3,
                                 "linewidth": None, "sci_mode": None}

# NumPy's own print options (NUMPY_PRINT_DEFAULTS, ops/indexing.py) are pinned in every repr:
# a course's `np.set_printoptions(suppress=True)` printed 1e-8 as 0., a float `formatter`
# replaced the values; torch's repr ignores NumPy's settings


def _fixed(p: int) -> dict[str, Any]:
    return {"float_kind": lambda x: f"{x:.{p}f}",
            "complex_kind": lambda z: f"{z.real:.{p}f}{z.imag:+.{p}f}j"}


def _scientific(p: int) -> dict[str, Any]:
    return {"float_kind": lambda x: f"{x:.{p}e}",
            "complex_kind": lambda z: f"{z.real:.{p}e}{z.imag:+.{p}e}j"}


def _shown(a: np.ndarray, edge: int) -> np.ndarray:
    """The entries a summarized print shows: each axis longer than 2 * edge cut to its edges
    around one shown entry standing in for what its "..." hides, so that nothing hidden decides
    the format. Fancy indexing reads only those entries (np.take copied a transposed,
    reversed or broadcast array whole first: 50 ms and 36 MB for a 3000x3000 float32's .T);
    the length-1 axes are squeezed out first (a view), as np.ix_ takes at most 63 axes."""
    cut = [np.r_[0:edge, 0, n - edge:n] if n > 2 * edge else np.arange(n) for n in a.shape]
    picked = np.squeeze(a)[np.ix_(*[i for i, n in zip(cut, a.shape) if n != 1])]
    return picked.reshape([len(i) for i in cut])


def render(a: np.ndarray, prefix: str) -> str:
    """`a`'s values as Tensor's repr prints them, under PRINT_OPTIONS (and none of NumPy's
    global print options); an empty tensor of a shape other than (0,) adds its size, as
    torch's (`[]` alone hid the shape)."""
    o = PRINT_OPTIONS
    shape, threshold, edge = a.shape, o["threshold"], o["edgeitems"]
    if a.size > threshold and edge == 0 and a.ndim:  # (NumPy's edgeitems=0 printed the
        return f"[...], size={shape}"  # whole array after its "...", a[-0:]; torch's text)
    if a.size > threshold and any(n > 2 * edge for n in shape):
        a, threshold = _shown(a, edge), 0
    if a.dtype in (np.float16, np.float32, np.complex64):
        # (NumPy printed a float32's shortest digits that tell it from its float32 neighbours:
        # 924746.625 as 924746.6 and float16's -10.4765625 as -10.48 at 4 decimals; torch's
        # 924746.6250 and -10.4766, the stored value's)
        a = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    kw: dict[str, Any] = dict(NUMPY_PRINT_DEFAULTS)
    p = o["precision"]
    # (None: NumPy's default 75, not np.set_printoptions' linewidth)
    kw["max_line_width"] = 75 if o["linewidth"] is None else o["linewidth"]
    if o["sci_mode"] is True and a.dtype.kind in "fc":
        kw["formatter"] = _scientific(p)
    elif o["sci_mode"] is False:
        kw["suppress_small"] = True
        # (NumPy's suppress_small still went scientific from 1e8 up, in a complex's real or
        # imaginary part too: fixed, as torch's)
        parts = np.concatenate([a.real.ravel(), a.imag.ravel()]) if a.dtype.kind == "c" else a
        if a.dtype.kind in "fc" and np.any(np.abs(parts[np.isfinite(parts)]) >= 1e8):
            kw["formatter"] = _fixed(p)
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

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


def render(a: np.ndarray, prefix: str) -> str:
    """`a`'s values as Tensor's repr prints them, under PRINT_OPTIONS."""
    o = PRINT_OPTIONS
    kw: dict[str, Any] = {}
    if o["linewidth"] is not None:
        kw["max_line_width"] = o["linewidth"]
    if o["sci_mode"] is True and a.dtype.kind == "f":
        p = o["precision"]
        kw["formatter"] = {"float_kind": lambda x: f"{x:.{p}e}"}
    elif o["sci_mode"] is False:
        kw["suppress_small"] = True
    return np.array2string(a, precision=o["precision"], threshold=o["threshold"],
                           edgeitems=o["edgeitems"], separator=", ", prefix=prefix, **kw)

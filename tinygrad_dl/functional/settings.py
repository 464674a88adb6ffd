"""PyTorch's process-wide settings and switches: set_printoptions, the BLAS threads
(get/set_num_threads), the determinism flag, the anomaly switch (is/set_anomaly_enabled),
is_inference_mode_enabled and the default generator's state (get/set_rng_state)."""

from __future__ import annotations

import builtins
import threading
from typing import Any

import numpy as np

from .. import hooks
from ..anomaly import Checks
from ..grad_mode import is_inference_mode_enabled  # noqa: F401 (tg.<name>, __all__)
from ..random import default_generator
from ..tensor.printing import PRINT_OPTIONS

__all__ = [
    "are_deterministic_algorithms_enabled", "get_num_threads", "get_rng_state",
    "is_anomaly_enabled", "is_deterministic_algorithms_warn_only_enabled",
    "is_inference_mode_enabled", "set_anomaly_enabled", "set_num_threads", "set_printoptions",
    "set_rng_state", "use_deterministic_algorithms",
]  # tinygrad_dl.<name> (tinygrad_dl/__init__.py)


# ---- printing ----------------------------------------------------------------------------------
_PROFILES = {"default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": None},
             "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": None},
             "full": {"precision": 4, "threshold": np.inf, "edgeitems": 3, "linewidth": None}}


def set_printoptions(precision: Any = None, threshold: Any = None, edgeitems: Any = None,
                     linewidth: Any = None, profile: Any = None, sci_mode: Any = None) -> None:
    """torch.set_printoptions: how Tensor's repr prints values. `profile` ("default", "short",
    "full") first, then each option given; sci_mode None lets NumPy choose, True forces
    scientific notation, False never (NumPy's suppress_small); linewidth None is NumPy's (75)."""
    new = dict(PRINT_OPTIONS)
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of "
                             f"{', '.join(map(repr, _PROFILES))}, got {profile!r}")
        new.update(_PROFILES[profile])
    for name, v in (("precision", precision), ("threshold", threshold),
                    ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if v is None:
            continue
        ok = (isinstance(v, (builtins.int, np.integer)) or (name == "threshold" and v == np.inf)
              ) and not isinstance(v, bool) and v >= 0
        if not ok:
            raise ValueError(f"set_printoptions: {name} must be an int >= 0, got {v!r}")
        new[name] = v
    if sci_mode is not None and not isinstance(sci_mode, bool):
        raise TypeError(f"set_printoptions: sci_mode must be None or a bool, got {sci_mode!r}")
    new["sci_mode"] = sci_mode  # (torch's: every call sets it, None back to automatic)
    PRINT_OPTIONS.update(new)


# ---- threads, determinism, anomaly --------------------------------------------------------------
def get_num_threads() -> int:
    """torch.get_num_threads: the threads NumPy's BLAS uses (threadpoolctl's answer; 1 when no
    threaded BLAS is loaded): the only thread pool tinygrad_dl's ops run on."""
    from threadpoolctl import threadpool_info  # (a dependency; loaded only when asked)

    counts = [int(i["num_threads"]) for i in threadpool_info() if i.get("user_api") == "blas"]
    return max(counts, default=1)


def set_num_threads(int: Any) -> None:
    """torch.set_num_threads: limit NumPy's BLAS to this many threads, process-wide
    (threadpoolctl)."""
    n = int  # (torch's parameter name)
    if isinstance(n, bool) or not isinstance(n, (builtins.int, np.integer)):
        raise TypeError(f"set_num_threads: expects an int, got {type(n).__name__} {n!r}")
    if n <= 0:
        raise RuntimeError(f"set_num_threads: number of threads must be positive, got {n}")
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n, user_api="blas")


_DETERMINISTIC = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """torch.use_deterministic_algorithms: every op here is deterministic already (NumPy on the
    CPU), so this only records the flag that are_deterministic_algorithms_enabled reports."""
    if not isinstance(mode, bool) or not isinstance(warn_only, bool):
        raise TypeError(f"use_deterministic_algorithms: mode and warn_only must be bools, got "
                        f"{mode!r}, {warn_only!r}")
    _DETERMINISTIC.update(mode=mode, warn_only=warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """torch.are_deterministic_algorithms_enabled: the last use_deterministic_algorithms
    mode (False at start, as torch's)."""
    return _DETERMINISTIC["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """torch.is_deterministic_algorithms_warn_only_enabled: the last warn_only."""
    return _DETERMINISTIC["warn_only"]


# the switch's own checks object (detect_anomaly's checks, a second instance): the slot holds
# it only while the switch, not a `with detect_anomaly():` block inside it, turned them on
_SWITCH_CHECKS = Checks()
_SWITCHED = threading.local()  # .cm: this thread's attach(...) block entered by the switch


def is_anomaly_enabled() -> bool:
    """torch.is_anomaly_enabled: whether detect_anomaly's checks are on, on this thread."""
    return hooks.attached.anomaly is not None


def set_anomaly_enabled(mode: bool, check_nan: bool = True) -> None:
    """torch.set_anomaly_enabled: detect_anomaly's checks on or off, on this thread (where a
    `with detect_anomaly():` block holds them on, only that block's end turns them off)."""
    if not isinstance(mode, bool):
        raise TypeError(f"set_anomaly_enabled: mode must be a bool, got {mode!r}")
    if check_nan is not True:
        raise ValueError("set_anomaly_enabled: check_nan=False is not supported (the checks "
                         "always look for NaN and inf)")
    if mode and not is_anomaly_enabled():
        hooks.notify_write("set_anomaly_enabled()")
        cm = hooks.attach(anomaly=_SWITCH_CHECKS)
        cm.__enter__()
        _SWITCHED.cm = cm
    elif not mode and is_anomaly_enabled():
        if hooks.attached.anomaly is not _SWITCH_CHECKS:
            raise RuntimeError("set_anomaly_enabled(False): the checks are on from a "
                               "`with detect_anomaly():` block; they end with it")
        hooks.notify_write("set_anomaly_enabled()")
        _SWITCHED.cm.__exit__(None, None, None)
        del _SWITCHED.cm


# ---- the default generator's state ------------------------------------------------------------
def get_rng_state() -> dict[str, Any]:
    """torch.get_rng_state: the default generator's state, a dict for set_rng_state (torch's is
    a uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state: dict[str, Any]) -> None:
    """torch.set_rng_state: restore a get_rng_state() to the default generator."""
    default_generator.set_state(new_state)

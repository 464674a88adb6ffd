"""A parameter's state buffers (momentum, moments) kept in the parameter's own dtype, the one
rule of every optimizer: a loaded state is copied into it (`loaded_array`, as PyTorch's
load_state_dict casts), and a state made before the parameter's dtype changed (model.float(),
.half(), .double(), .to(dtype) between steps) is cast to it at the next step (`follow_dtypes`).
Before, a float64 model's buffers stayed float64 for good after model.float(), each update
computed in float64 and cast down, without a word (torch 2.13's SGD the same; its Adam raises
"expected dtype double")."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..grad import masked_error


def follow_dtypes(opt: Any, work: list[tuple[dict[str, Any], list[tuple[
        np.ndarray, np.ndarray, dict[str, Any]]]]]) -> None:
    """Cast each state buffer shaped as its parameter to the parameter's dtype where the two
    differ (the parameter was cast since the buffer was made), before step() updates any.
    Looked at only where the stepped parameters' dtypes, in order, differ from the last
    step's (kept in the optimizer), or, where some were skipped (no gradient), which ones were
    stepped: a step that changes nothing pays one list's compare. (By dtypes alone, one cast
    while its gradient was None kept its old buffers for good where another, stepped alone,
    had made the same dtype list.)
    (A buffer written into `state` by hand in another dtype between steps is kept, as torch.)"""
    dts = [d.dtype for _, items in work for d, _, _ in items]
    ids = None if len(dts) == len(opt.state) else [  # (some skipped: which were stepped too)
        id(state) for _, items in work for _, _, state in items]
    if dts == opt.__dict__.get("_state_dtypes") and ids == opt.__dict__.get("_state_ids"):
        return
    opt.__dict__["_state_dtypes"], opt.__dict__["_state_ids"] = dts, ids
    for _, items in work:
        for d, _, state in items:
            dt = d.dtype
            for k, v in state.items():
                if type(v) is np.ndarray and v.dtype != dt and v.shape == d.shape:
                    state[k] = v.astype(dt)  # (the same key: the dict's size is unchanged)


def loaded_array(who: str, i: int, shown: str, v: np.ndarray, param: np.ndarray) -> np.ndarray:
    """A loaded state buffer (momentum, moments: shaped as its parameter) copied into the
    parameter's dtype, as PyTorch casts it (a float64 one in a float32 model mixed dtypes in
    every later update, by which code path ran). Another shape, an integer dtype or a masked
    array (np.array dropped the mask) is refused here in one line, not later by NumPy."""
    if isinstance(v, np.ma.MaskedArray):
        raise masked_error(f"{who}.load_state_dict: parameter {i}'s state {shown}")
    if v.shape != param.shape:
        raise ValueError(f"{who}.load_state_dict: parameter {i}'s state {shown} has shape "
                         f"{v.shape}, the parameter {param.shape}")
    if v.dtype.kind not in "fc":
        raise ValueError(f"{who}.load_state_dict: parameter {i}'s state {shown} has dtype "
                         f"{v.dtype}, not a floating-point one")
    return np.array(v, dtype=param.dtype, copy=True, subok=False)  # (np.matrix: a plain array)


def follow_flat_dtype(state: dict[str, Any], dtype: np.dtype, flat: tuple[str, ...],
                      lists: tuple[str, ...]) -> None:
    """LBFGS's rule of `follow_dtypes`: its flat vectors, their lists and its NumPy scalars
    (t, H_diag, ro's: a float64 one promotes the next direction) cast to the parameters'
    dtype, where the first vector's differs (the model was cast since the last step)."""
    v = state.get(flat[0])
    if not isinstance(v, np.ndarray) or v.dtype == dtype:
        return
    for k, v in list(state.items()):
        if isinstance(v, (np.ndarray, np.floating)) and v.dtype.kind in "fc":
            state[k] = v.astype(dtype) if isinstance(v, np.ndarray) else dtype.type(v)
        elif k in lists and isinstance(v, list):
            state[k] = [dtype.type(x) if isinstance(x, np.floating) else
                        x.astype(dtype) if isinstance(x, np.ndarray) else x for x in v]

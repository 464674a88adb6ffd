"""Helpers shared by the tests that compare with PyTorch (an optional oracle: the tests that
need it skip without it) and check one-line errors. Not a test module (no test_ prefix);
imported by name, pytest puts this folder on sys.path."""

from __future__ import annotations

import gc
import threading
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.jit import jit


def torch_or_skip() -> Any:
    """The torch module, or skip the calling test when it is not installed."""
    return pytest.importorskip("torch")


def one_line(excinfo: Any, *words: str) -> None:
    """The error of `pytest.raises(...) as excinfo` is one line holding every word."""
    msg = str(excinfo.value)
    assert "\n" not in msg, msg
    for w in words:
        assert w in msg, msg


def functional_of(lib: Any) -> Any:
    """`torch.nn.functional` for torch, `tinygrad_dl.functional` otherwise: one test body run
    over both libraries (`functional_of(L).relu(x)`)."""
    return lib.nn.functional if getattr(lib, "__name__", "") == "torch" else tg.functional


def nn_of(lib: Any) -> Any:
    """`torch.nn` for torch, `tinygrad_dl.nn` otherwise (as functional_of)."""
    return lib.nn if getattr(lib, "__name__", "") == "torch" else tg.nn


# every torch.nn.functional `*_` in-place function, called with the same arguments in either
# library (`F_INPLACE[name](torch_or_tg, x)`): the in-place activation test files' one table
F_INPLACE = {
    "F.relu_": lambda L, x: functional_of(L).relu_(x),
    "F.elu_": lambda L, x: functional_of(L).elu_(x, 0.7),
    "F.leaky_relu_": lambda L, x: functional_of(L).leaky_relu_(x, 0.2),
    "F.hardtanh_": lambda L, x: functional_of(L).hardtanh_(x, -0.5, 2.0),
    "F.threshold_": lambda L, x: functional_of(L).threshold_(x, 0.1, 20.0),
    "F.celu_": lambda L, x: functional_of(L).celu_(x, 1.5),
    "F.selu_": lambda L, x: functional_of(L).selu_(x),
    "F.rrelu_": lambda L, x: functional_of(L).rrelu_(x, 0.1, 0.3, False),
}


# ---- the random differential files' harness (values compared with torch's) -------------------
def flat(o: Any) -> Any:
    """The leaves of nested tuples and lists, in order."""
    if isinstance(o, (tuple, list)):
        for x in o:
            yield from flat(x)
    else:
        yield o


def as_numpy(x: Any) -> np.ndarray:
    """A torch tensor's, a Tensor's or anything array-like's values as a NumPy array."""
    if type(x).__module__.split(".")[0] == "torch":
        return x.detach().numpy()
    if isinstance(x, tg.Tensor):
        return np.asarray(x.data)
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def outputs_compared(theirs: Any, ours: Any, rtol: float, float_dtypes_only: bool = False
                     ) -> tuple[list[str], Any, Any]:
    """Torch's outputs against ours (count, None places, dtypes, values) and the random-weighted
    sums of those that require grad, whose backward compares the gradients: (errors, torch's
    sum, ours); both sums are the int 0 where no output requires grad. float_dtypes_only: an
    integer output's dtype is not compared (the functional differential's rule)."""
    tf, of = list(flat(theirs)), list(flat(ours))
    if len(tf) != len(of):
        return [f"{len(of)} outputs, torch's {len(tf)}"], 0, 0
    rng, errs, tl, ol = np.random.default_rng(0), [], 0, 0
    for i, (a, b) in enumerate(zip(tf, of)):
        if a is None or b is None:
            if (a is None) != (b is None):
                errs.append(f"output {i}: torch {a}, ours {b}")
            continue
        an, bn = as_numpy(a), as_numpy(b)
        if bn.dtype != an.dtype and (an.dtype.kind == "f" or not float_dtypes_only):
            errs.append(f"output {i}: dtype {bn.dtype}, torch's {an.dtype}")
        if e := mismatch(bn, an, rtol):
            errs.append(f"output {i}: {e}")
        if getattr(a, "requires_grad", False):  # (a torch tensor's; new_tensor keeps its dtype)
            w = rng.standard_normal(a.shape)
            tl = tl + (a * a.new_tensor(w)).sum()
            ol = ol + (b * tg.Tensor(w.astype(an.dtype))).sum()
    return errs, tl, ol


def grads_compared(pairs: Any, rtol: float) -> list[str]:
    """After both backwards: each (torch leaf, our leaf) pair whose torch side requires grad,
    their gradients' dtypes and values (a missing gradient read as zeros): the errors."""
    errs = []
    for i, (t, o) in enumerate(pairs):
        if not getattr(t, "requires_grad", False):
            continue
        want = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(t.shape) if o.grad is None else np.asarray(o.grad)
        if o.grad is not None and got.dtype != want.dtype:
            errs.append(f"gradient {i}: dtype {got.dtype}, torch's {want.dtype}")
        if e := mismatch(got, want, rtol):
            errs.append(f"gradient {i}: {e}")
    return errs


def mismatch(a: Any, b: Any, rtol: float = 1e-10) -> str | None:
    """None when `a` (ours) is `b` (torch's) to rtol of the larger of 1 and |b|'s largest entry
    (NaN and inf where torch's are; integers equal), else why."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return f"shape {a.shape} vs torch {b.shape}"
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":
        return None if np.array_equal(a, b) else "integers differ"
    a, b = a.astype(np.float64), b.astype(np.float64)
    fa, fb = np.isfinite(a), np.isfinite(b)
    if (fa != fb).any() or not np.array_equal(a[~fb], b[~fb], equal_nan=True):
        return "NaN/inf positions differ"
    a, b = np.where(fa, a, 0), np.where(fb, b, 0)
    d, scale = float(np.abs(a - b).max(initial=0)), max(1.0, float(np.abs(b).max(initial=0)))
    return None if d <= rtol * scale else f"max diff {d:.3g} (scale {scale:.3g})"


def step_records(step: Any, xs: Any, w: Any, use_jit: bool) -> tuple[list[tuple], Any]:
    """Run `step` (x -> its output, having called backward to the parameter `w`) on each x,
    jitted with strict=True (a fallback raises JitError) or eagerly: per call the output's and
    w.grad's dtype and bytes and the warnings raised, to compare replay with eager bit for bit."""
    f = jit(step, strict=True) if use_jit else step
    out = []
    for x in xs:
        w.grad = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            c = f(x)
        out.append((c.data.dtype, c.data.tobytes(), w.grad.dtype, w.grad.tobytes(),
                    sorted(str(m.message) for m in caught)))
    return out, f


def replays_as_eager(step: Any, xs: Any, w: Any, seed: int = 3) -> list[tuple[np.ndarray, ...]]:
    """Run `step` (x -> a Tensor or a tuple of Tensors, having called backward to `w`) jitted on
    each x with warnings as errors (it must replay from the third call), then eagerly from the
    same seed: every output and w.grad bit for bit (NaN included). Returns the jitted outputs as
    arrays, for checks of what was drawn."""
    def arrays(r: Any) -> tuple[np.ndarray, ...]:
        return tuple(np.array(t.data) for t in (r if isinstance(r, tuple) else (r,)))

    j = jit(step)
    tg.manual_seed(seed)
    outs, grads = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in xs:
            w.grad = None
            outs.append(arrays(j(x)))
            grads.append(np.array(w.grad))
    assert j.replays >= len(xs) - 2
    tg.manual_seed(seed)
    for x, got, grad in zip(xs, outs, grads):
        w.grad = None
        want = arrays(step(x))
        assert len(got) == len(want)
        for g, e in zip(got, want):
            np.testing.assert_array_equal(g, e)
        np.testing.assert_array_equal(grad, np.array(w.grad))
    return outs


TIMEOUT = 60  # a thread's wait for another: only a real hang runs out of it


class Gate(tg.Function):
    """A user op for forcing thread interleavings (tests/test_threads_*): 2 * x, whose
    backward on the thread named "A" waits until `go` is set."""

    inside, go = threading.Event(), threading.Event()

    def forward(ctx, x):
        return 2.0 * x

    def backward(ctx, g):
        if threading.current_thread().name == "A":
            Gate.inside.set()
            Gate.go.wait(TIMEOUT)
        return 2.0 * g


def jit_matches_eager(step: Any, xs: Any, w: Any) -> None:
    """Run `step` (x -> a Tensor, having called backward to `w`) jitted on each x (warnings
    ignored: it may fall back to eager), then eagerly: the output and w.grad bit for bit."""
    j = jit(step)
    got = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x in xs:
            w.grad = None
            got.append((j(x).data.tobytes(), np.asarray(w.grad).tobytes()))
    for x, (out, grad) in zip(xs, got):
        w.grad = None
        assert step(x).data.tobytes() == out
        assert np.asarray(w.grad).tobytes() == grad


def strict_replays_match(step: Any, draw: Any, w: Any, calls: int = 4) -> None:
    """`step(x)` (calling backward to w) under a strict jit gives w.grad bit for bit as eagerly
    for each of `calls` drawn x (draw() makes one), and all but the two recording calls replay."""
    jitted = jit(step, strict=True)
    for _ in range(calls):
        x = draw()
        w.grad = None
        step(x)
        want = w.grad.copy()
        w.grad = None
        jitted(x)
        assert w.grad.tobytes() == want.tobytes()
    assert jitted.replays == calls - 2


@pytest.fixture
def torch_float64():
    """torch's default float dtype float64 for the test (this library's: an int / int is
    float64 in both), restored after; a module takes it with
    `pytestmark = pytest.mark.usefixtures("torch_float64")` and its import."""
    torch = pytest.importorskip("torch")
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def bytes_held(run: Callable[[], Any]) -> int:
    """The bytes `run()` leaves allocated (tracemalloc; garbage collected before and after):
    what a sequence of writes keeps alive for its graph."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def watching() -> int:
    """write_guard.watching (the live graphs keeping parameter copies to compare) once an
    earlier test's graphs in reference cycles are collected: read bare, a collection run in
    the middle of a test (a dead graph's __del__) changed it under an assertion."""
    gc.collect()
    return tg.write_guard.watching

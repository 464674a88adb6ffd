"""Review of the window functions and LBFGS's NaN/inf line search (hWINr): the cubic step
overflowing to NaN between finite points (the closure called at NaN parameters), a NaN or inf
loss or gradient at the current point (torch's steps made every parameter NaN, the state
poisoned), the L-BFGS direction overflowing (NaN H_diag), one warning a line search instead of
one a trial, and kaiser_window's cancellation near its ends and in the I0e branch."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, optim


def _run(f: Any, x0: list[float], steps: int = 1, grad_nan_beyond: float = math.inf,
         **kw: Any) -> tuple[Tensor, optim.LBFGS, list[np.ndarray], list[Any]]:
    x = Tensor(np.array(x0), requires_grad=True)
    opt = optim.LBFGS([x], **kw)
    seen: list[np.ndarray] = []

    def closure() -> Tensor:
        opt.zero_grad()
        J = f(x)
        J.backward()
        if np.abs(x.data).max() > grad_nan_beyond:  # a finite loss, a NaN slope
            x.grad = np.full(x.shape, np.nan)
        seen.append(x.data.copy())
        return J
    with warnings.catch_warnings(record=True) as w, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        for _ in range(steps):
            opt.step(closure)
    return x, opt, seen, [m for m in w if issubclass(m.category, RuntimeWarning)]


def _state_finite(opt: optim.LBFGS) -> bool:
    st = opt.state[0]
    vecs = [st[k] for k in ("d", "prev_flat_grad") if st.get(k) is not None]
    vecs += list(st.get("old_dirs") or []) + list(st.get("old_stps") or [])
    nums = [st[k] for k in ("t", "H_diag", "prev_loss") if st.get(k) is not None]
    return all(np.isfinite(v).all() for v in vecs) and all(math.isfinite(float(v)) for v in nums)


def _reloads(opt: optim.LBFGS, x: Tensor, **kw: Any) -> None:
    other = optim.LBFGS([Tensor(x.data.copy(), requires_grad=True)], **kw)
    other.load_state_dict(opt.state_dict())  # (a NaN prev_loss or H_diag: refused)


def _exp_overflow(x: Tensor) -> Tensor:
    return (x * 3).exp().sum() - (x * 2).sum()


# ---- LBFGS -------------------------------------------------------------------------------------
def test_cubic_step_between_finite_huge_losses_is_not_nan() -> None:
    """exp(3x) - 2x, lr=100: the bracket's ends held finite losses ~1e253; the cubic's d1 ** 2
    overflowed, inf / inf gave the step NaN, and the closure ran at NaN parameters for the rest
    of the evaluations, the step ending at NaN (as torch's). Now the bracket's midpoint."""
    kw = {"lr": 100.0, "max_iter": 26, "history_size": 4, "line_search_fn": "strong_wolfe"}
    x, opt, seen, _ = _run(_exp_overflow, [1.803157231604361, 1.4053558666731178], **kw)
    assert all(np.isfinite(s).all() for s in seen), "closure called at NaN parameters"
    assert np.isfinite(x.data).all() and _state_finite(opt)
    assert float(_exp_overflow(Tensor(x.data)).data) < float(_exp_overflow(
        Tensor(np.array([1.803157231604361, 1.4053558666731178]))).data)


def test_nan_gradient_at_the_start_takes_no_step() -> None:
    """A finite loss and a NaN gradient where the step begins: the direction -g is NaN and
    every trial of the search ran at NaN parameters, the step ending there (torch's too).
    Now a warning and no step: the parameters and the history as they were."""
    f = lambda x: ((x - 1) ** 2).sum()  # noqa: E731
    kw = {"lr": 1.0, "line_search_fn": "strong_wolfe"}
    x, opt, seen, w = _run(f, [3.0, 2.0], steps=2, grad_nan_beyond=2.5, **kw)
    assert len(seen) == 2 and np.array_equal(x.data, [3.0, 2.0])
    assert len(w) == 2 and "no step taken" in str(w[0].message)
    assert w[0].filename == __file__
    _reloads(opt, x, **kw)


def test_inf_loss_at_the_start_takes_no_step() -> None:
    """sum(x^2) at x = [inf, 1] with the line search: torch's t = lr * min(1, 1/|g|_1) = 0 and
    0 * inf made x[0] NaN (26 closure calls); now one call, a warning, x as it was."""
    x, opt, seen, w = _run(lambda x: (x * x).sum(), [math.inf, 1.0], lr=100.0,
                           line_search_fn="strong_wolfe")
    assert len(seen) == 1 and x.data.tolist() == [math.inf, 1.0]
    assert len(w) == 1 and "loss inf" in str(w[0].message)


@pytest.mark.parametrize("grad_nan", [False, True], ids=["nan-loss", "nan-slope"])
def test_fixed_step_into_a_nan_region_stops_there(grad_nan: bool) -> None:
    """line_search_fn=None, lr too large: the fixed step lands where the loss (or only its
    gradient) is NaN; the next direction was NaN and every parameter NaN after the next step
    (torch's too), the state's prev_loss NaN (load_state_dict refused it). Now it stops there
    with a warning; later steps take no step from it; the state stays finite."""
    f = lambda x: (x * x).sum() * 0.1 - x.sqrt().sum()  # noqa: E731  NaN below 0
    kw = {"lr": 10.0, "max_iter": 10}
    x, opt, seen, w = _run(f if not grad_nan else (lambda x: ((x - 1) ** 2).sum()), [0.5, 2.0],
                           steps=3, grad_nan_beyond=5.0 if grad_nan else math.inf, **kw)
    assert all(np.isfinite(s).all() for s in seen) and np.isfinite(x.data).all()
    assert w and all("no step taken" in str(m.message) for m in w)
    assert len(w) == 3  # (the step that landed there, then each later step: one each)
    assert _state_finite(opt)
    _reloads(opt, x, **kw)


def test_overflowed_direction_restarts_from_steepest_descent() -> None:
    """exp(3x) - 2x, lr=100, no line search: y = 7e304 made y.y inf, H_diag inf / inf NaN and
    the next direction NaN: x NaN (as torch). Now the history is dropped with a warning and the
    iteration restarts from steepest descent; x finite, H_diag finite (reloadable)."""
    kw = {"lr": 100.0, "max_iter": 17, "history_size": 7}
    x, opt, seen, w = _run(_exp_overflow, [0.999307314080784], steps=3, **kw)
    assert all(np.isfinite(s).all() for s in seen) and np.isfinite(x.data).all()
    assert any("direction overflowed" in str(m.message) for m in w)
    assert _state_finite(opt)
    _reloads(opt, x, **kw)


def test_one_warning_a_line_search_with_the_count() -> None:
    """The search warned once a non-finite trial (25 warnings in one step where it bisected
    back 25 times, with warnings shown always); now once a search, with the count."""
    def f(x: Tensor) -> Tensor:  # a NaN wall beyond x = 1
        return ((x - 3) ** 2).sum() + (1 - x).sqrt().sum() * 0
    x, opt, seen, w = _run(f, [0.0], lr=3.0, line_search_fn="strong_wolfe", max_iter=1,
                           max_eval=30)
    assert len(w) == 1, [str(m.message) for m in w]
    msg = str(w[0].message)
    with np.errstate(all="ignore"):
        bad = sum(not np.isfinite(float(f(Tensor(s)).data)) for s in seen[1:])
    assert bad >= 2 and f"at {bad} of {len(seen) - 1} trial steps" in msg
    assert w[0].filename == __file__
    assert x.data[0] <= 1.0 and np.isfinite(x.data).all()


def test_finite_runs_stay_quiet_and_finite() -> None:
    rng = np.random.default_rng(5)
    A = rng.normal(size=(4, 4))
    A = Tensor(A @ A.T + np.eye(4))
    for ls in (None, "strong_wolfe"):
        x, opt, seen, w = _run(lambda x: (x @ A * x).sum() - x.sum(), list(rng.normal(size=4)),
                               steps=2, lr=0.5, line_search_fn=ls, max_iter=8)
        assert not w and _state_finite(opt)


# ---- windows -----------------------------------------------------------------------------------
def _kaiser_exact(beta: float, n: int, periodic: bool, idx: list[int]) -> list[float]:
    mpmath = pytest.importorskip("mpmath")
    m = n + 1 if periodic else n
    with mpmath.workdps(40):
        a = mpmath.mpf(m - 1) / 2
        return [float(mpmath.besseli(0, beta * mpmath.sqrt(1 - ((i - a) / a) ** 2))
                      / mpmath.besseli(0, beta)) for i in idx]


@pytest.mark.parametrize("beta, n, periodic, idx", [
    (616.0, 10**6, True, [1, 2, 10]),  # the ends: 1 - r^2 cancelled (1e-11)
    (40.0, 10**5, False, [1, 3]),  # (1.7e-14)
    (1e4, 10**6, False, [499_999, 500_000]),  # I0e branch, the middle: |x| - |beta| (3.9e-13)
    (5000.0, 9, True, [3, 4]),  # (1.8e-13)
], ids=["ends-616", "ends-40", "i0e-middle", "i0e-short"])
def test_kaiser_window_is_exact_near_its_ends_and_past_the_overflow(
        beta: float, n: int, periodic: bool, idx: list[int]) -> None:
    w = tg.kaiser_window(n, periodic, beta).data
    np.testing.assert_allclose(w[idx], _kaiser_exact(beta, n, periodic, idx), rtol=1e-13, atol=0)


def test_kaiser_window_short_lengths_still_torchs() -> None:
    torch = pytest.importorskip("torch")
    for n in (2, 3, 5, 64):
        for beta in (0.0, 5.0, 12.0, 300.0):
            for periodic in (True, False):
                np.testing.assert_allclose(
                    tg.kaiser_window(n, periodic, beta).data,
                    torch.kaiser_window(n, periodic, beta, dtype=torch.float64).numpy(),
                    rtol=1e-13, atol=1e-300)

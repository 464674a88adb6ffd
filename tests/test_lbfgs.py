"""LBFGS (fixed step and strong-Wolfe line search) against torch 2.13's iterates, where torch
is installed; its convergence on a quadratic by itself; `step(closure)` of every optimizer;
state_dict round trips and refusals."""

from __future__ import annotations

import copy
import importlib.util
from typing import Any

import numpy as np
import pytest

from tinygrad_dl import Tensor, optim
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is an optional oracle")

RNG = np.random.default_rng(11)
X = RNG.standard_normal((20, 4))
Y = RNG.integers(0, 3, 20)
W0 = RNG.standard_normal((3, 4)) * 0.5
B0 = RNG.standard_normal(3) * 0.1


def ours(dtype: Any = np.float64, **kw: Any) -> tuple[list[Tensor], Any, optim.LBFGS]:
    """A softmax classifier with an L2 term (non-quadratic: the line search has work)."""
    W = Tensor(W0.astype(dtype), requires_grad=True)
    b = Tensor(B0.astype(dtype), requires_grad=True)
    opt = optim.LBFGS([W, b], **kw)
    x = X.astype(dtype)

    def closure() -> Tensor:
        opt.zero_grad()
        J = F.cross_entropy(Tensor(x) @ W.T + b, Y) + 0.05 * (W * W).sum()
        J.backward()
        return J
    return [W, b], closure, opt


def theirs(dtype: Any = np.float64, **kw: Any) -> tuple[list[Any], Any, Any]:
    import torch

    W = torch.tensor(W0.astype(dtype), requires_grad=True)
    b = torch.tensor(B0.astype(dtype), requires_grad=True)
    opt = torch.optim.LBFGS([W, b], **kw)
    x, y = torch.tensor(X.astype(dtype)), torch.tensor(Y)

    def closure() -> Any:
        opt.zero_grad()
        J = torch.nn.functional.cross_entropy(x @ W.T + b, y) + 0.05 * (W * W).sum()
        J.backward()
        return J
    return [W, b], closure, opt


CONFIGS = [
    {},
    {"lr": 0.5, "max_iter": 5},
    {"line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe", "max_iter": 7, "history_size": 3},
    {"lr": 2.0, "history_size": 2, "max_iter": 4},
    {"line_search_fn": "strong_wolfe", "max_eval": 6, "lr": 3.0},
    {"tolerance_change": 1e-3, "max_iter": 50},
]


@needs_torch
@pytest.mark.parametrize("kw", CONFIGS, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items())
                         or "defaults")
def test_iterates_match_torch(kw: dict[str, Any]) -> None:
    ps, closure, opt = ours(**kw)
    tps, tclosure, topt = theirs(**kw)
    for step in range(4):  # several steps: the history and the state carry over
        a = float(opt.step(closure))
        b = float(topt.step(tclosure))
        assert a == pytest.approx(b, rel=1e-12, abs=1e-14), step
        for p, q in zip(ps, tps):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-9, atol=1e-12)
        tstate = topt.state[topt.param_groups[0]["params"][0]]
        assert opt.state[0]["func_evals"] == tstate["func_evals"], step
        assert opt.state[0]["n_iter"] == tstate["n_iter"], step
        assert len(opt.state[0]["old_dirs"]) == len(tstate["old_dirs"])


@needs_torch
def test_float32_follows_torch() -> None:
    kw = {"line_search_fn": "strong_wolfe", "max_iter": 10}
    ps, closure, opt = ours(np.float32, **kw)
    tps, tclosure, topt = theirs(np.float32, **kw)
    opt.step(closure)
    topt.step(tclosure)
    for p, q in zip(ps, tps):
        assert p.data.dtype == np.float32
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=2e-4, atol=2e-5)


def test_converges_on_a_quadratic() -> None:
    """Without torch: min 1/2 x'Ax - b'x is A^-1 b; L-BFGS reaches it in a few iterations."""
    rng = np.random.default_rng(0)
    M = rng.standard_normal((6, 6))
    A = M @ M.T + 6 * np.eye(6)
    bvec = rng.standard_normal(6)
    for ls in (None, "strong_wolfe"):
        x = Tensor(np.zeros(6), requires_grad=True)
        opt = optim.LBFGS([x], line_search_fn=ls, max_iter=100, tolerance_grad=1e-12,
                          tolerance_change=1e-15)

        def closure(x: Tensor = x, opt: optim.LBFGS = opt) -> Tensor:
            opt.zero_grad()
            J = 0.5 * (x @ (Tensor(A) @ x)) - Tensor(bvec) @ x
            J.backward()
            return J
        opt.step(closure)
        np.testing.assert_allclose(x.data, np.linalg.solve(A, bvec), rtol=1e-6, atol=1e-9)


def test_returns_the_first_loss_and_stops_at_an_optimum() -> None:
    ps, closure, opt = ours()
    first = float(closure())
    assert float(opt.step(closure)) == first
    x = Tensor(np.zeros(3), requires_grad=True)
    opt = optim.LBFGS([x])
    calls = []

    def flat() -> Tensor:
        calls.append(1)
        opt.zero_grad()
        J = (x * x).sum()  # gradient 0 at x = 0: no iteration at all
        J.backward()
        return J
    opt.step(flat)
    assert len(calls) == 1 and np.array_equal(x.data, np.zeros(3))


def test_state_dict_round_trip_continues_identically() -> None:
    kw = {"line_search_fn": "strong_wolfe", "max_iter": 3, "history_size": 4}
    ps, closure, opt = ours(**kw)
    opt.step(closure)
    sd = opt.state_dict()
    saved_dirs = [a.copy() for a in sd["state"][0]["old_dirs"]]
    ps2, closure2, opt2 = ours(**kw)
    for p, q in zip(ps2, ps):
        p.data = q.data.copy()
    opt2.load_state_dict(copy.deepcopy(sd))
    opt.step(closure)
    opt2.step(closure2)
    for p, q in zip(ps, ps2):
        np.testing.assert_array_equal(p.data, q.data)
    # the saved dict is a copy: the history kept moving, the saved one did not
    assert all(np.array_equal(a, b) for a, b in zip(sd["state"][0]["old_dirs"], saved_dirs))
    assert sd["state"][0]["old_dirs"] is not opt.state[0]["old_dirs"]


def test_load_refuses_a_history_of_another_size() -> None:
    ps, closure, opt = ours()
    opt.step(closure)
    sd = opt.state_dict()
    sd["state"][0]["d"] = np.zeros(7)
    before = [a.copy() for a in opt.state[0]["old_dirs"]]
    with pytest.raises(ValueError, match=r"LBFGS.load_state_dict: state 'd' has shape \(7,\)"):
        opt.load_state_dict(sd)
    assert all(np.array_equal(a, b) for a, b in zip(opt.state[0]["old_dirs"], before))


@pytest.mark.parametrize("kw, match", [
    ({"max_iter": 0}, "max_iter must be an integer >= 1"),
    ({"history_size": 2.5}, "history_size must be an integer >= 1"),
    ({"max_eval": True}, "max_eval must be an integer >= 1"),
    ({"tolerance_grad": float("nan")}, "tolerance_grad must be a finite number"),
    ({"line_search_fn": "wolfe"}, "line_search_fn must be None or 'strong_wolfe'"),
    ({"lr": -1.0}, "learning rate must be a finite number"),
])
def test_bad_arguments(kw: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ours(**kw)


def test_one_group_one_dtype_and_a_closure() -> None:
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="one floating dtype"):
        optim.LBFGS([a, b])
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [a]}, {"params": [Tensor(np.ones(2), requires_grad=True)]}])
    opt = optim.LBFGS([a])
    with pytest.raises(ValueError, match="parameter groups"):
        opt.add_param_group({"params": [Tensor(np.ones(2), requires_grad=True)]})
    with pytest.raises(TypeError, match="LBFGS.step needs a closure"):
        opt.step()


def test_a_live_graph_keeps_its_arrays() -> None:
    """The closure's graph was freed by backward; one the user kept alive still holds the
    array it saved, unchanged (the write guard hands the step a copy to write), and its
    backward is then refused as stale, not run on the old values without a word."""
    ps, closure, opt = ours()
    W = ps[0]
    kept = (W * W).sum()  # a live graph that saved W's array
    saved = W.data
    opt.step(closure)
    assert W.data is not saved and not np.array_equal(W.data, W0)
    np.testing.assert_array_equal(saved, W0)
    with pytest.raises(RuntimeError, match="replaced by LBFGS.step()"):
        kept.backward()


def test_step_inside_jit_runs_eagerly() -> None:
    """A writer inside a jitted function: jit runs it eagerly (replay runs no Python), the
    same numbers as without jit."""
    runs = []
    for wrap in (lambda f: f, jit):
        ps, closure, opt = ours(max_iter=3)

        @wrap
        def step(x: np.ndarray, opt: optim.LBFGS = opt, closure: Any = closure) -> None:
            opt.step(closure)
        for _ in range(3):
            step(np.zeros(1))
        runs.append([p.data.copy() for p in ps])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


# ---- step(closure) on every optimizer (PyTorch's signature) --------------------------------
@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdaGrad])
def test_step_with_a_closure(cls: Any) -> None:
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    w2 = Tensor(w.data.copy(), requires_grad=True)
    opt, opt2 = cls([w], lr=0.1), cls([w2], lr=0.1)

    def closure() -> Tensor:
        opt.zero_grad()
        J = (w * w).sum()
        J.backward()
        return J
    from tinygrad_dl import no_grad
    with no_grad():  # the closure records its graph whatever the caller's mode (torch's)
        loss = opt.step(closure)
    assert float(loss) == 5.0
    opt2.zero_grad()
    (w2 * w2).sum().backward()
    assert opt2.step() is None
    np.testing.assert_array_equal(w.data, w2.data)
    with pytest.raises(TypeError, match=r"step\(\): closure must be a function"):
        opt.step(Tensor(1.0))


# ---- NaN/inf met by the line search (review) -------------------------------------------------
def _one_param(x0: list[float], f: Any, **kw: Any) -> tuple[Tensor, Any, optim.LBFGS]:
    x = Tensor(np.array(x0), requires_grad=True)
    opt = optim.LBFGS([x], **kw)

    def closure() -> Tensor:
        opt.zero_grad()
        J = f(x)
        J.backward()
        return J
    return x, closure, opt


def _torch_one_param(x0: list[float], f: Any, **kw: Any) -> tuple[Any, Any, Any]:
    import torch

    x = torch.tensor(np.array(x0), requires_grad=True)
    opt = torch.optim.LBFGS([x], **kw)

    def closure() -> Any:
        opt.zero_grad()
        J = f(x)
        J.backward()
        return J
    return x, closure, opt


@needs_torch
@pytest.mark.parametrize("f, x0", [
    (lambda x: (x * 10).exp().sum() - (x * 3).sum(), [0.5, 0.2]),  # inf at a far trial step
], ids=["exp-overflow"])  # (inf from the start: no step now, test_windows_lbfgs_review_hWINr)
def test_line_search_through_nan_and_inf_as_torch(f: Any, x0: list[float]) -> None:
    """A trial point whose loss or slope is NaN makes the cubic's discriminant NaN: torch's
    `if d2_square >= 0` then takes the bracket's midpoint; `if d2_square < 0` did not, and
    the step became NaN (all parameters NaN where torch's stay finite)."""
    kw = {"lr": 100.0, "line_search_fn": "strong_wolfe"}
    x, closure, opt = _one_param(x0, f, **kw)
    tx, tclosure, topt = _torch_one_param(x0, f, **kw)
    with np.errstate(all="ignore"):
        opt.step(closure)
    topt.step(tclosure)
    np.testing.assert_allclose(x.data, tx.detach().numpy(), rtol=1e-9)
    assert opt.state[0]["func_evals"] == topt.state[tx]["func_evals"]


@needs_torch
def test_line_search_backs_off_a_nan_region_where_torch_steps_into_it() -> None:
    """0.1 |x|^2 - sum(sqrt(x)), NaN below 0, lr=100: torch's search takes a NaN-loss trial
    point as its answer (x ~ [3.6e19, -2.8e18], loss NaN; NaN weights a step later); ours did
    the same. A NaN or inf trial loss now reads as too long a step: bisected back, with a
    warning, to the minimum (2.5)^(2/3) = 1.84202."""
    f = lambda x: (x * x).sum() * 0.1 - x.sqrt().sum()  # noqa: E731
    kw = {"lr": 100.0, "line_search_fn": "strong_wolfe"}
    x, closure, opt = _one_param([0.5, 2.0], f, **kw)
    tx, tclosure, topt = _torch_one_param([0.5, 2.0], f, **kw)
    with pytest.warns(RuntimeWarning, match="NaN or infinite loss"), np.errstate(all="ignore"):
        for _ in range(2):
            opt.step(closure)
    for _ in range(2):
        topt.step(tclosure)
    assert not np.isfinite(tx.detach().numpy()).all() or abs(tx.detach().numpy()).max() > 1e18
    np.testing.assert_allclose(x.data, 2.5 ** (2 / 3), rtol=1e-4)


def test_zero_lr_with_the_line_search_is_refused_in_one_line() -> None:
    """lr=0 (a schedule's last value) with the line search: the bracketing interpolates
    between t = 0 and t = lr = 0, a division by zero (torch 2.13: ZeroDivisionError at the
    second step); refused by name instead. Without the line search lr=0 moves nothing."""
    f = lambda x: ((x - 1) * (x - 1)).sum()  # noqa: E731
    x, closure, opt = _one_param([3.0, -2.0], f, lr=1.0, line_search_fn="strong_wolfe")
    opt.step(closure)
    opt.param_groups[0]["lr"] = 0.0
    before = x.data.copy()
    with pytest.raises(ValueError, match=r"LBFGS.step\(\): lr=0 with line_search_fn="):
        opt.step(closure)
    np.testing.assert_array_equal(x.data, before)
    x, closure, opt = _one_param([3.0, -2.0], f, lr=0.0)
    for _ in range(2):
        assert float(opt.step(closure)) == 13.0
    np.testing.assert_array_equal(x.data, [3.0, -2.0])


def test_a_float64_history_loaded_into_float32_stays_float32() -> None:
    """torch casts every saved tensor (the lists' too: ro, H_diag) to the parameters' dtype;
    float64 scalars kept as loaded made the next direction d, and the history after it,
    float64 arrays (NumPy's promotion by a float64 scalar), a mixed-precision run."""
    kw = {"line_search_fn": "strong_wolfe", "max_iter": 3, "history_size": 4}
    ps, closure, opt = ours(**kw)
    opt.step(closure)
    ps32, closure32, opt32 = ours(np.float32, **kw)
    for p, q in zip(ps32, ps):
        p.data = q.data.astype(np.float32)
    opt32.load_state_dict(opt.state_dict())
    opt32.step(closure32)
    st = opt32.state[0]
    for k in ("d", "prev_flat_grad", "H_diag"):  # (t may be lr, a Python float, as torch's)
        assert np.asarray(st[k]).dtype == np.float32, k
    for k in ("old_dirs", "old_stps", "ro"):
        assert {np.asarray(v).dtype for v in st[k]} == {np.dtype(np.float32)}, k
    assert all(p.data.dtype == np.float32 for p in ps32)


def test_a_closure_that_returns_no_loss_is_named() -> None:
    """A closure without `return loss` (the common slip): Python's "float() argument must be
    a string or a real number, not 'NoneType'" (torch's too) named neither the step nor the
    closure."""
    x, closure, opt = _one_param([1.0, 2.0], lambda x: (x * x).sum())

    def no_return() -> None:
        closure()
    with pytest.raises(TypeError, match=r"LBFGS.step\(\): the closure returned None"):
        opt.step(no_return)
    np.testing.assert_array_equal(x.data, [1.0, 2.0])


def test_a_group_edited_to_a_bad_setting_is_refused_at_the_step() -> None:
    """param_groups may be edited between steps; line_search_fn='wolfe' written there ran
    the strong-Wolfe search without a word (torch: "only 'strong_wolfe' is supported"), and
    max_iter=0 a step of no iteration."""
    for key, value in (("line_search_fn", "wolfe"), ("max_iter", 0)):
        x, closure, opt = _one_param([1.0, 2.0], lambda x: (x * x).sum())
        opt.param_groups[0][key] = value
        with pytest.raises(ValueError, match=f"LBFGS: {key} must be"):
            opt.step(closure)
        np.testing.assert_array_equal(x.data, [1.0, 2.0])


def test_a_numpy_integer_max_iter_gives_the_default_max_eval() -> None:
    """max_iter=np.int64(10) (from a NumPy grid) is accepted as an integer, but its default
    max_eval was left None and refused: "max_eval must be an integer >= 1, got None"."""
    x = Tensor(np.ones(2), requires_grad=True)
    opt = optim.LBFGS([x], max_iter=np.int64(10))
    assert opt.param_groups[0]["max_eval"] == 12


def test_a_gradient_of_another_shape_is_refused() -> None:
    """A .grad set by hand of another shape: of the same size it was flattened and used
    without a word (torch refuses the assignment; every other optimizer's step refuses it),
    of another size NumPy's reshape error named neither LBFGS nor the parameter."""
    for shape in ((2, 1), (3,)):
        x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        opt = optim.LBFGS([x])

        def closure(shape: tuple[int, ...] = shape, x: Tensor = x) -> float:
            x.grad = np.ones(shape)
            return 1.0
        with pytest.raises(ValueError, match=r"LBFGS.step\(\): gradient of shape"):
            opt.step(closure)
        np.testing.assert_array_equal(x.data, [1.0, 2.0])

"""The window functions and optim.LBFGS against torch 2.13 (seeded differential cases), plus
the named regressions of hWIN's hunt: a window's periodic= taken by truthiness (None gave the
symmetric window), device="cuda" ignored, kaiser_window's NaN past beta ~ 714, alpha/beta
errors naming neither the op nor the argument, a 0-d integer Tensor length refused."""

from __future__ import annotations

import copy
import math
import warnings
from typing import Any

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, optim
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")

WINDOWS = ("hann", "hamming", "blackman", "bartlett", "kaiser")


def _window_args(rng: np.random.Generator, w: str, n: int, periodic: bool) -> list[Any]:
    args: list[Any] = [n, periodic]
    if w == "hamming":
        args += [float(rng.uniform(-2, 2)), float(rng.uniform(-2, 2))]
    if w == "kaiser":
        args += [float(rng.choice([0.0, 12.0, 50.0, rng.uniform(0, 50), rng.uniform(50, 700)]))]
    return args


# ---- windows: values, dtypes, refusals --------------------------------------------------------
@pytest.mark.parametrize("w", WINDOWS)
def test_windows_match_torch_float64(w: str) -> None:
    rng = np.random.default_rng(7)
    for n in (0, 1, 2, 3, 4, 5, 8, 17, 100, 1001, 4096):
        for periodic in (True, False):
            args = _window_args(rng, w, n, periodic)
            ours = getattr(tg, f"{w}_window")(*args, dtype=tg.float64)
            theirs = getattr(torch, f"{w}_window")(*args, dtype=torch.float64).numpy()
            assert ours.data.dtype == np.float64 and ours.shape == theirs.shape, (n, args)
            np.testing.assert_allclose(ours.data, theirs, rtol=1e-12, atol=1e-15,
                                       err_msg=f"{w}{args}")


@pytest.mark.parametrize("w", WINDOWS)
@pytest.mark.parametrize("dt", ["float32", "float16"])
def test_low_precision_windows_are_the_float64_window_rounded(w: str, dt: str) -> None:
    """torch computes them in the low dtype (its float16 bartlett_window(65536) holds -inf, its
    float32 kaiser past beta ~ 89 NaN); ours are the float64 values rounded once."""
    rng = np.random.default_rng(3)
    for n in (1, 5, 64, 3000):
        args = _window_args(rng, w, n, True)
        ours = getattr(tg, f"{w}_window")(*args, dtype=getattr(tg, dt))
        exact = getattr(tg, f"{w}_window")(*args).data
        assert ours.data.dtype == np.dtype(dt)
        np.testing.assert_array_equal(ours.data, exact.astype(dt))
    theirs = getattr(torch, f"{w}_window")(16, dtype=getattr(torch, dt)).numpy()
    np.testing.assert_allclose(getattr(tg, f"{w}_window")(16, dtype=getattr(tg, dt)).data,
                               theirs, rtol=1e-2 if dt == "float16" else 1e-6, atol=1e-3)


@pytest.mark.parametrize("w", WINDOWS)
def test_window_refusals_as_torch(w: str) -> None:
    ours, theirs = getattr(tg, f"{w}_window"), getattr(torch, f"{w}_window")
    for bad, tdt in ((tg.int64, torch.int64), (tg.bool, torch.bool)):
        with pytest.raises(TypeError, match=f"{w}_window: expects a floating point dtype"):
            ours(3, dtype=bad)
        with pytest.raises(RuntimeError):
            theirs(3, dtype=tdt)
    for n in (2.0, True):
        with pytest.raises(TypeError, match="window_length must be an int"):
            ours(n)
        with pytest.raises(TypeError):
            theirs(n)
    with pytest.raises(RuntimeError, match="requires non-negative window_length"):
        ours(-1)
    w0 = ours(4, requires_grad=True)
    assert w0.requires_grad and w0.data.dtype == np.float64  # (torch's default: float32)
    assert ours(np.int64(4)).shape == theirs(np.int64(4)).shape == (4,)


# ---- windows: the named regressions --------------------------------------------------------------
@pytest.mark.parametrize("w", WINDOWS)
def test_window_periodic_must_be_a_bool(w: str) -> None:
    """periodic=None gave the symmetric window and periodic="no" the periodic one, without a
    word (torch refuses both); np.bool_ stays accepted."""
    f = getattr(tg, f"{w}_window")
    for bad in (None, "no", 0, 1):
        with pytest.raises(TypeError, match=f"{w}_window: periodic must be True or False"):
            f(4, bad)
    np.testing.assert_array_equal(f(5, np.bool_(False)).data, f(5, False).data)


@pytest.mark.parametrize("w", WINDOWS)
def test_window_device_other_than_the_cpu_refused(w: str) -> None:
    """device="cuda" was ignored (a CPU window, as if asked for); the constructors refuse it."""
    f = getattr(tg, f"{w}_window")
    with pytest.raises(RuntimeError, match=f"{w}_window: device 'cuda' is not available"):
        f(4, device="cuda")
    assert f(4, device="cpu").shape == (4,)


def test_kaiser_window_past_beta_714_is_finite_and_exact() -> None:
    """I0(beta) overflows past beta ~ 713.99: the window was inf / inf = NaN in the middle (as
    torch's); the ratio of the scaled I0e gives the exact values."""
    mpmath = pytest.importorskip("mpmath")
    # (a fixed precision: another test's mpmath.mp.dps leaked into this one under xdist; the
    # window is ill-conditioned in beta: I0's argument's rounding, ~beta * 1e-16, is its
    # relative error, so 1e-12 at beta 5000 is round-off, not a wrong formula)
    for beta, n, periodic in ((714.0, 7, False), (800.0, 7, False), (5000.0, 9, True)):
        w = tg.kaiser_window(n, periodic, beta).data
        m = n + 1 if periodic else n
        with mpmath.workdps(40):
            a = mpmath.mpf(m - 1) / 2
            exact = [float(mpmath.besseli(0, beta * mpmath.sqrt(1 - ((i - a) / a) ** 2))
                           / mpmath.besseli(0, beta)) for i in range(n)]
        assert np.isfinite(w).all(), (beta, w)
        np.testing.assert_allclose(w, exact, rtol=max(1e-14, 4e-16 * beta), atol=0)
    # below the overflow: torch's values (its Cephes I0 ratio) to round-off
    np.testing.assert_allclose(tg.kaiser_window(9, False, 700.0).data,
                               torch.kaiser_window(9, False, 700.0, dtype=torch.float64).numpy(),
                               rtol=1e-14, atol=0)


def test_kaiser_window_nan_or_inf_beta_is_nan_without_numpy_warnings() -> None:
    for beta in (math.nan, math.inf):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            w = tg.kaiser_window(5, True, beta).data
        assert np.isnan(w).all()
        assert torch.kaiser_window(5, True, beta).isnan().all()


def test_window_alpha_beta_errors_name_the_op() -> None:
    """alpha=None gave float()'s "argument must be a string or a real number" naming neither
    the op nor the argument; a one-element real Tensor is taken, as torch takes its tensor."""
    with pytest.raises(TypeError, match="hamming_window: alpha must be a number"):
        tg.hamming_window(4, True, None)
    with pytest.raises(TypeError, match="hamming_window: beta must be a number"):
        tg.hamming_window(4, True, 0.5, "x")
    with pytest.raises(TypeError, match="kaiser_window: beta must be a number"):
        tg.kaiser_window(4, True, "x")
    np.testing.assert_allclose(tg.hamming_window(6, True, Tensor(np.array(0.5)), 0.3).data,
                               torch.hamming_window(6, True, torch.tensor(0.5), 0.3,
                                                    dtype=torch.float64).numpy(), rtol=1e-15)
    np.testing.assert_allclose(tg.kaiser_window(6, False, Tensor(np.array(3.0))).data,
                               torch.kaiser_window(6, False, 3.0, dtype=torch.float64).numpy(),
                               rtol=1e-15)


def test_blackman_window_ends_are_zero_not_negative() -> None:
    """0.42 - 0.5 + 0.08 summed left to right is -1.4e-17: a negative window value (its sqrt
    or log NaN); torch sums 0.08 cos - 0.5 cos + 0.42, which is 0 at the ends."""
    for n, periodic in ((5, False), (64, True), (1001, False)):
        w = tg.blackman_window(n, periodic).data
        assert w[0] == 0.0 and (w >= 0).all(), (n, w[:2])
        if not periodic:
            assert w[-1] == 0.0
        np.testing.assert_array_equal(w[:1], torch.blackman_window(
            n, periodic, dtype=torch.float64).numpy()[:1])


@pytest.mark.parametrize("w", WINDOWS)
def test_window_length_as_a_0d_integer_tensor(w: str) -> None:
    """torch.hann_window(torch.tensor(3)) computes; ours refused the 0-d Tensor."""
    ours = getattr(tg, f"{w}_window")(Tensor(np.array(5)))
    np.testing.assert_allclose(ours.data, getattr(torch, f"{w}_window")(
        torch.tensor(5), dtype=torch.float64).numpy(), rtol=1e-12, atol=1e-15)
    with pytest.raises(TypeError, match="window_length must be an int"):
        getattr(tg, f"{w}_window")(Tensor(np.array(5.0)))


# ---- LBFGS: every closure evaluation against torch's -------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def _torch_dynamo_imported() -> None:
    """torch's first optimizer step imports torch._dynamo (seconds): once, not in a test."""
    pytest.importorskip("torch._dynamo")


def _problem(kind: str, seed: int) -> tuple[list[tuple[int, ...]], dict[str, Any], np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes: list[tuple[int, ...]] = [(2, 1), (), (0,), (1, 2)]  # several tensors, one empty
    n = 5
    data: dict[str, Any] = {}
    if kind == "quad":
        Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        data["A"], data["b"] = (Q * 10 ** rng.uniform(-1, 2, n)) @ Q.T, rng.standard_normal(n)
        data["A"] = (data["A"] + data["A"].T) / 2
    elif kind == "rosen":
        data["S1"], data["S0"] = np.eye(n)[1:], np.eye(n)[:-1]
    elif kind == "logreg":
        data["X"], data["y"] = rng.standard_normal((9, n)), rng.choice([-1.0, 1.0], 9)
    elif kind == "barrier":  # log of a negative trial point: NaN losses mid-line-search
        data["c"] = rng.uniform(0.1, 3, n)
    elif kind == "ce":  # the course's one-layer cost: softmax cross-entropy + L2
        shapes = [(3, 2), (3,)]
        data["X"], data["Y"] = rng.standard_normal((8, 2)), rng.integers(0, 3, 8)
        n = 9
    x0 = rng.standard_normal(n)
    return shapes, data, np.abs(x0) + 0.05 if kind == "barrier" else x0


def _loss(lib: str, kind: str, ps: list[Any], data: dict[str, Any], dtype: Any) -> Any:
    if lib == "torch":
        def C(a: Any) -> Any:
            return torch.tensor(np.asarray(a, dtype))
        cat, ce = torch.cat, torch.nn.functional.cross_entropy
    else:
        def C(a: Any) -> Any:
            return Tensor(np.asarray(a, dtype))
        cat, ce = tg.cat, F.cross_entropy
    if kind == "ce":
        W, b = ps
        Y = torch.tensor(data["Y"]) if lib == "torch" else data["Y"]
        return ce(C(data["X"]) @ W.T + b, Y) + 0.05 * (W * W).sum()
    x = cat([p.reshape(-1) for p in ps])
    if kind == "quad":
        return 0.5 * (x * (C(data["A"]) @ x)).sum() - (C(data["b"]) * x).sum()
    if kind == "rosen":
        u, v = C(data["S1"]) @ x, C(data["S0"]) @ x
        return (100.0 * (u - v * v) ** 2 + (1.0 - v) ** 2).sum()
    if kind == "logreg":
        return ((-C(data["y"]) * (C(data["X"]) @ x)).exp() + 1.0).log().mean() + 1e-3 * (
            x * x).sum()
    return (C(data["c"]) * x * x).sum() - x.log().sum()  # barrier


def _run(lib: str, kind: str, seed: int, kw: dict[str, Any], steps: int,
         reload_at: int | None = None, dtype: Any = np.float64) -> tuple[Any, ...]:
    shapes, data, x0 = _problem(kind, seed)
    ps, at = [], 0
    for s in shapes:
        k = int(np.prod(s))
        a = x0[at:at + k].reshape(s).astype(dtype)
        ps.append(torch.tensor(a, requires_grad=True) if lib == "torch"
                  else Tensor(a, requires_grad=True))
        at += k
    spare = (torch.tensor(np.array([0.5, -1.0], dtype), requires_grad=True) if lib == "torch"
             else Tensor(np.array([0.5, -1.0], dtype), requires_grad=True))  # grad None
    params = [*ps, spare]
    make = torch.optim.LBFGS if lib == "torch" else optim.LBFGS
    opt = make(params, **kw)
    points: list[np.ndarray] = []

    def closure() -> Any:
        opt.zero_grad()
        loss = _loss(lib, kind, ps, data, dtype)
        loss.backward()
        points.append(np.concatenate([np.asarray(p.detach().numpy() if lib == "torch"
                                                 else p.data, np.float64).reshape(-1)
                                      for p in params] + [np.array([float(loss.detach())])]))
        return loss

    returned = []
    for k in range(steps):
        if k == reload_at:
            sd = opt.state_dict()
            opt = make(params, **kw)
            opt.load_state_dict(copy.deepcopy(sd) if lib == "torch" else sd)
        r = opt.step(closure)
        returned.append(float(r.detach()) if lib == "torch" else float(r))
    state = opt.state[params[0]] if lib == "torch" else opt.state[0]
    return points, returned, (state["func_evals"], state["n_iter"])


LBFGS_CASES = [
    ("quad", 0, {}, 2), ("quad", 1, {"line_search_fn": "strong_wolfe", "history_size": 2,
                                     "max_iter": 8}, 2),
    ("rosen", 2, {"lr": 0.1, "max_iter": 6}, 3),
    ("rosen", 3, {"line_search_fn": "strong_wolfe", "max_iter": 8}, 2),
    ("logreg", 4, {"history_size": 1, "max_iter": 10}, 2),
    ("logreg", 5, {"line_search_fn": "strong_wolfe", "max_eval": 7, "lr": 3.0}, 3),
    ("ce", 6, {"max_iter": 7, "history_size": 3}, 2),
    ("ce", 7, {"line_search_fn": "strong_wolfe", "tolerance_change": 1e-3}, 2),
    ("barrier", 8, {"lr": 0.5, "line_search_fn": "strong_wolfe", "max_iter": 6}, 2),
    ("barrier", 9, {"max_iter": 1}, 3), ("quad", 10, {"max_iter": 3, "max_eval": 2}, 3),
    ("quad", 11, {"tolerance_grad": 1e-2, "history_size": 100, "max_iter": 9}, 2),
]


@pytest.mark.parametrize("kind,seed,kw,steps", LBFGS_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in LBFGS_CASES])
def test_lbfgs_every_evaluation_matches_torch(kind: str, seed: int, kw: dict[str, Any],
                                              steps: int) -> None:
    """Each point the closure is called at (params and loss), the count of calls, the returned
    losses and func_evals / n_iter, over several steps, with an unused parameter (grad None),
    an empty one and a 0-d one."""
    pts, ret, counts = _run("tg", kind, seed, kw, steps)
    tpts, tret, tcounts = _run("torch", kind, seed, kw, steps)
    assert len(pts) == len(tpts) and counts == tcounts, (len(pts), len(tpts), counts, tcounts)
    for i, (a, b) in enumerate(zip(pts, tpts)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13, err_msg=f"evaluation {i}")
    np.testing.assert_allclose(ret, tret, rtol=1e-10)


def _walled(lib: str, wall: float, lr: float, steps: int = 2) -> tuple[list[Any], Any]:
    """min (x - 3)^2 where the closure's loss is `wall` (NaN or inf) past x = 1, its gradient
    2 (x - 3) everywhere (a log-barrier's NaN, an overflow's inf): the points the closure was
    called at and the result (or the error)."""
    x = (torch.tensor([0.0], dtype=torch.float64, requires_grad=True) if lib == "torch"
         else Tensor(np.array([0.0]), requires_grad=True))
    make = torch.optim.LBFGS if lib == "torch" else optim.LBFGS
    opt = make([x], lr=lr, line_search_fn="strong_wolfe")
    seen: list[tuple[float, float]] = []

    def closure() -> float:
        v = float(x.detach()[0]) if lib == "torch" else float(x.data[0])
        g = np.array([2 * (v - 3)])
        x.grad = torch.tensor(g) if lib == "torch" else g
        seen.append((v, (v - 3) ** 2 if v <= 1 else wall))
        return seen[-1][1]
    try:
        for _ in range(steps):
            opt.step(closure)
    except IndexError as e:
        return seen, e
    return seen, float(x.detach()[0]) if lib == "torch" else float(x.data[0])


def test_lbfgs_nan_loss_meeting_the_curvature_test_bisects_back() -> None:
    """A NaN-loss trial point whose slope met the curvature test: torch's bracket of that one
    point and its NaN comparison read position 1 of it (IndexError); ours raised it too."""
    assert isinstance(_walled("torch", math.nan, 3.0)[1], IndexError)  # (torch's, as it is)
    with pytest.warns(RuntimeWarning, match="NaN or infinite loss .* bisects back"):
        seen, x = _walled("tg", math.nan, 3.0)
    assert x == pytest.approx(1.0, abs=1e-5) and x <= 1.0
    assert seen[0] == (0.0, 9.0) and seen[1][0] == 3.0 and np.isnan(seen[1][1])


def test_lbfgs_nan_region_is_not_the_line_searchs_answer() -> None:
    """lr=10: torch's search ends on a NaN-loss point (x = 3.00001), ours was the same; now
    the finite side of the wall, the constrained minimum x = 1."""
    tseen, tx = _walled("torch", math.nan, 10.0)
    assert np.isnan(tseen[-1][1]) and tx == pytest.approx(3.0, abs=1e-4)
    with pytest.warns(RuntimeWarning, match="NaN or infinite loss"):
        seen, x = _walled("tg", math.nan, 10.0)
    assert x == pytest.approx(1.0, abs=1e-5) and x <= 1.0
    assert seen[0] == tseen[0] and seen[1][0] == tseen[1][0] == 10.0  # (torch's start)


def test_lbfgs_inf_loss_never_calls_the_closure_at_nan_parameters() -> None:
    """An inf trial loss made the cubic's next step NaN: torch (and ours) called the closure
    at NaN parameters for the rest of the evaluations (a model's buffers, BatchNorm's
    running statistics, would take the NaNs) and ended where it began."""
    tseen, tx = _walled("torch", math.inf, 3.0)
    assert sum(np.isnan(v) for v, _ in tseen) > 20 and tx == 0.0
    with pytest.warns(RuntimeWarning, match="NaN or infinite loss"):
        seen, x = _walled("tg", math.inf, 3.0)
    assert not any(np.isnan(v) for v, _ in seen)
    assert x == pytest.approx(1.0, abs=1e-5) and x <= 1.0


def test_lbfgs_finite_runs_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _run("tg", "barrier", 8, {"lr": 0.5, "line_search_fn": "strong_wolfe", "max_iter": 6}, 2)


@pytest.mark.parametrize("kw", [{"line_search_fn": "strong_wolfe", "max_iter": 4},
                                {"max_iter": 3, "history_size": 2}])
def test_lbfgs_state_dict_mid_run_continues_bit_for_bit(kw: dict[str, Any]) -> None:
    whole = _run("tg", "rosen", 12, kw, 4)
    resumed = _run("tg", "rosen", 12, kw, 4, reload_at=2)
    assert whole[2] == resumed[2] and whole[1] == resumed[1]
    assert len(whole[0]) == len(resumed[0])
    for a, b in zip(whole[0], resumed[0]):
        np.testing.assert_array_equal(a, b)
    theirs = _run("torch", "rosen", 12, kw, 4, reload_at=2)
    assert theirs[2] == resumed[2]
    np.testing.assert_allclose(resumed[0][-1], theirs[0][-1], rtol=1e-10)


def test_lbfgs_float32_params_follow_torch_to_float32_round_off() -> None:
    """torch's add_(alpha=t) and its dots are fused / ordered differently (1 ulp a step), so
    float32 runs agree to float32 round-off for the first iterations."""
    kw = {"line_search_fn": "strong_wolfe", "max_iter": 4}
    pts, _, counts = _run("tg", "quad", 13, kw, 1, dtype=np.float32)
    tpts, _, tcounts = _run("torch", "quad", 13, kw, 1, dtype=np.float32)
    assert counts == tcounts
    for a, b in zip(pts, tpts):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)

"""Mutation testing, round 3: Optimizer.step's fast path and checks, state loading and LBFGS.
Each test pins a behavior a one-token mutant of optimizer.py / lbfgs.py changed without any
other test noticing (a wrong number, a missing refusal, a wrong message)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.optim import LBFGS, SGD, Adam


# ---- step ------------------------------------------------------------------------------------
def test_a_view_of_an_array_a_live_graph_saved_is_refused_not_written() -> None:
    # (the fast path's `d.base is None`: a view made before its array was locked stays
    # writeable; written in place, it would change what the graph saved)
    x = Tensor(np.arange(4.0), requires_grad=True)
    p = Tensor(np.zeros(2), requires_grad=True, name="p")
    p.data = x.data[:2]  # a view of x's array
    loss = (x * x).sum()  # the graph saves x's array
    opt = SGD([p], lr=1.0)
    p.grad = np.ones(2)
    with pytest.raises(RuntimeError, match="view of an array a live graph saved"):
        opt.step()
    assert np.array_equal(x.data, np.arange(4.0))
    loss.backward()
    assert np.array_equal(x.grad, 2 * np.arange(4.0))


def test_a_live_graph_parameter_after_another_one_gets_its_own_update() -> None:
    # (the index of the parameter a live graph holds in its group's list: off by one, the
    # copy took the neighbour's gradient and state, and the held one was never written)
    a = Tensor(np.ones(3), requires_grad=True, name="a")
    b = Tensor(np.full(3, 2.0), requires_grad=True, name="b")
    opt = SGD([a, b], lr=0.5)
    a.grad, b.grad = np.full(3, 1.0), np.full(3, 4.0)
    loss = (b * 3).sum()  # a live graph holds b's array
    opt.step()
    assert np.array_equal(a.data, np.full(3, 0.5))
    assert np.array_equal(b.data, np.full(3, 0.0))
    del loss


def test_a_complex_gradient_of_another_precision_for_a_complex_parameter_steps() -> None:
    # (only a complex gradient for a REAL parameter is refused)
    # (complex tensors cannot require grad; a .grad set by hand is still stepped)
    p = Tensor(np.array([1 + 1j, 2 - 1j], dtype=np.complex128))
    opt = SGD([p], lr=0.5)
    p.grad = np.array([2 + 2j, 2j], dtype=np.complex64)
    opt.step()
    assert p.data.dtype == np.complex128
    assert np.array_equal(p.data, np.array([0 + 0j, 2 - 2j]))


def test_a_gradient_of_another_float_dtype_steps_as_its_cast() -> None:
    # a float64 .grad by hand on a float32 parameter is cast first: the update runs in
    # float32, bit for bit as with the float32 gradient (else float64 products, rounded once)
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(64).astype(np.float32)
    g = rng.standard_normal(64)
    results = []
    for grad in (g, g.astype(np.float32)):
        p = Tensor(w0.copy(), requires_grad=True)
        opt = SGD([p], lr=0.1, momentum=0.9)
        for _ in range(3):
            p.grad = grad
            opt.step()
        results.append((p.data.copy(), opt.state[0]["momentum_buffer"].copy()))
    (w1, m1), (w2, m2) = results
    assert w1.dtype == np.float32 and m1.dtype == np.float32
    assert w1.tobytes() == w2.tobytes() and m1.tobytes() == m2.tobytes()


def test_four_parameters_without_a_gradient_are_named_without_an_and_more() -> None:
    ps = [Tensor(np.ones(2), requires_grad=True, name=f"p{i}") for i in range(5)]
    opt = SGD(ps, lr=0.1)
    ps[0].grad = np.ones(2)
    with pytest.warns(RuntimeWarning, match=r"4 of 5 parameters") as rec:
        opt.step()
    msg = str(rec[0].message)
    assert "p1, p2, p3, p4" in msg and "more" not in msg.split("updated (")[1].split(")")[0]


def test_a_parameter_appended_to_a_group_s_list_is_refused() -> None:
    ps = [Tensor(np.ones(2), requires_grad=True) for _ in range(2)]
    opt = SGD(ps, lr=0.1)
    extra = Tensor(np.ones(2), requires_grad=True)
    opt.param_groups[0]["params"].append(extra)
    for p in (*ps, extra):
        p.grad = np.ones(2)
    with pytest.raises(RuntimeError, match="changed since they were added"):
        opt.step()


# ---- load_state_dict -------------------------------------------------------------------------
def _stepped_adam(**kw: object) -> tuple[Adam, list[Tensor]]:
    ps = [Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(2), requires_grad=True)]
    opt = Adam(ps, lr=0.1, **kw)  # type: ignore[arg-type]
    for p in ps:
        p.grad = np.ones(p.data.shape)
    opt.step()
    return opt, ps


def test_a_state_list_shorter_than_the_parameters_is_refused() -> None:
    opt, _ = _stepped_adam()
    d = opt.state_dict()
    d["state"] = d["state"][:1]
    with pytest.raises(ValueError, match="state dict has 1 parameters, optimizer has 2"):
        opt.load_state_dict(d)


@pytest.mark.parametrize("bad", [[1.0, -1.0, 2.0], [np.nan, -1.0, 2.0]])
def test_a_negative_second_moment_anywhere_is_refused(bad: list[float]) -> None:
    opt, _ = _stepped_adam()
    d = opt.state_dict()
    d["state"][0]["exp_avg_sq"] = np.array(bad)
    with pytest.raises(ValueError, match="'exp_avg_sq' holds negative values"):
        opt.load_state_dict(d)


@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
def test_an_integer_or_bool_buffer_is_refused(dtype: type) -> None:
    opt, _ = _stepped_adam()
    d = opt.state_dict()
    d["state"][0]["exp_avg"] = np.ones(3, dtype=dtype)
    with pytest.raises(ValueError, match=f"'exp_avg' has dtype {np.dtype(dtype)}, not a "
                       "floating-point one"):
        opt.load_state_dict(d)


def test_a_fresh_amsgrad_state_loads_without_a_warning() -> None:
    # (an empty state starts anew: it lacks no buffer)
    ps = [Tensor(np.ones(3), requires_grad=True)]
    opt = Adam(ps, lr=0.1, amsgrad=True)
    d = opt.state_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Adam(ps, lr=0.1, amsgrad=True).load_state_dict(d)


def test_a_group_saved_without_maximize_loads_as_torch_s_false() -> None:
    opt, _ = _stepped_adam()
    d = opt.state_dict()
    for g in d["param_groups"]:
        del g["maximize"]
    other, _ = _stepped_adam(maximize=True)
    other.load_state_dict(d)
    assert other.param_groups[0]["maximize"] is False


def test_a_state_holding_only_a_step_count_is_refused() -> None:
    opt, _ = _stepped_adam()
    d = opt.state_dict()
    d["state"][0] = {"step": 3}
    with pytest.raises(ValueError, match="parameter 0's state lacks 'exp_avg'"):
        opt.load_state_dict(d)


# ---- LBFGS -----------------------------------------------------------------------------------
def _quartic(p: Tensor, opt: LBFGS) -> object:
    def closure() -> Tensor:
        opt.zero_grad()
        e = (p - 1.0) * (p - 1.0)
        loss = (e * e + e * Tensor(np.array([1.0, 3.0, 10.0]))).sum()
        loss.backward()
        return loss
    return closure


def test_lbfgs_at_a_zero_gradient_with_tolerance_zero_does_not_iterate() -> None:
    # torch's `abs().max() <= tolerance_grad`: a gradient exactly at the tolerance is optimal
    p = Tensor(np.ones(3), requires_grad=True)
    opt = LBFGS([p], tolerance_grad=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (iterating divided by |g|_1 = 0)
        opt.step(_quartic(p, opt))
    assert opt.state[0]["n_iter"] == 0 and opt.state[0]["func_evals"] == 1
    assert np.array_equal(p.data, np.ones(3))


def test_lbfgs_history_is_checked_against_the_saved_history_size() -> None:
    # the saved group's history_size wins (load_state_dict loads it): 3 pairs fit a saved 5
    p = Tensor(np.array([3.0, -2.0, 0.5]), requires_grad=True)
    opt = LBFGS([p], history_size=5, max_iter=4)
    opt.step(_quartic(p, opt))
    d = opt.state_dict()
    n = len(d["state"][0]["old_dirs"])
    assert n >= 2
    q = Tensor(p.data.copy(), requires_grad=True)
    other = LBFGS([q], history_size=1)
    other.load_state_dict(d)
    assert other.param_groups[0]["history_size"] == 5 and len(other.state[0]["old_dirs"]) == n


def test_lbfgs_an_integer_direction_is_refused() -> None:
    p = Tensor(np.array([3.0, -2.0, 0.5]), requires_grad=True)
    opt = LBFGS([p], max_iter=2)
    opt.step(_quartic(p, opt))
    d = opt.state_dict()
    d["state"][0]["d"] = np.array([1, 0, 2])
    with pytest.raises(ValueError, match="state 'd' has dtype int64, not a floating-point one"):
        LBFGS([Tensor(p.data.copy(), requires_grad=True)], max_iter=2).load_state_dict(d)

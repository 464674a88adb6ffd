"""The in-place optimizer steps keep the numbers: bit-for-bit the formulas the optimizers used
before (kept below as `reference`, written the obvious way with temporaries), equal to rounding
where SGD folds weight decay into one pass, and within rounding of torch.optim. They also keep
the guards: a live graph's saved parameter is copied, a jitted step refuses them."""

from __future__ import annotations

import importlib.util
import tracemalloc
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tinygrad_dl import Tensor, optim
from tinygrad_dl.jit import jit
from tinygrad_dl.optim.sgd import _foldable

HAS_TORCH = importlib.util.find_spec("torch") is not None


# ---- the formulas as they were written before the in-place steps (the reference) ----------

def step_peak(opt) -> int:
    """Peak bytes NumPy allocates during one opt.step() (tracemalloc)."""
    tracemalloc.start()
    try:
        opt.step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

def reference(kind: str, p: np.ndarray, g: np.ndarray, s: dict[str, Any], h: dict[str, Any]
              ) -> np.ndarray:
    """One update of `kind` on a copy of p; s (the state) is updated in place."""
    p = p.copy()
    if kind == "sgd":
        if h["weight_decay"]:
            g = g + h["weight_decay"] * p
        if h["momentum"]:
            v = s.setdefault("v", np.zeros_like(p))
            v *= h["momentum"]
            v += g
            g = v
        p -= h["lr"] * g
    elif kind == "adagrad":
        m = s.setdefault("m", np.zeros_like(p))
        m += g * g
        p -= h["lr"] * g / np.sqrt(m + h["eps"])
    elif kind == "adam":
        b1, b2 = h["beta1"], h["beta2"]
        if h["weight_decay"]:
            g = g + h["weight_decay"] * p
        if "m" not in s:
            s.update(m=np.zeros_like(p), v=np.zeros_like(p), t=0)
        s["t"] += 1
        t, m, v = s["t"], s["m"], s["v"]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        p -= h["lr"] * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + h["eps"])
    elif kind == "rmsprop":
        a = h["alpha"]
        if h["weight_decay"]:
            g = g + h["weight_decay"] * p
        v = s.setdefault("v", np.zeros_like(p))
        v *= a
        v += (1 - a) * g * g
        if h["centered"]:
            gbar = s.setdefault("gbar", np.zeros_like(p))
            gbar *= a
            gbar += (1 - a) * g
            avg = np.sqrt(v - gbar * gbar) + h["eps"]
        else:
            avg = np.sqrt(v) + h["eps"]
        if h["momentum"]:
            b = s.setdefault("b", np.zeros_like(p))
            b *= h["momentum"]
            b += g / avg
            p -= h["lr"] * b
        else:
            p -= h["lr"] * g / avg
    return p


MAKERS = {"sgd": optim.SGD, "adagrad": optim.AdaGrad, "adam": optim.Adam,
          "rmsprop": optim.RMSprop}


def configs() -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    rate = st.sampled_from([0.0, 1e-3, 0.05, 0.5])
    decay = st.sampled_from([0.0, 1e-4, 0.02])
    mom = st.sampled_from([0.0, 0.5, 0.9])
    return st.one_of(
        st.tuples(st.just("sgd"), st.fixed_dictionaries(
            {"lr": rate, "momentum": mom, "weight_decay": decay})),
        st.tuples(st.just("adagrad"), st.fixed_dictionaries(
            {"lr": rate, "eps": st.sampled_from([1e-8, 1e-3])})),
        st.tuples(st.just("adam"), st.fixed_dictionaries(
            {"lr": rate, "beta1": st.sampled_from([0.0, 0.9]),
             "beta2": st.sampled_from([0.9, 0.999]), "eps": st.just(1e-8),
             "weight_decay": decay})),
        st.tuples(st.just("rmsprop"), st.fixed_dictionaries(
            {"lr": rate, "alpha": st.sampled_from([0.9, 0.99]), "eps": st.just(1e-8),
             "weight_decay": decay, "momentum": mom, "centered": st.booleans()})),
    )


def assert_rounding(a: np.ndarray, b: np.ndarray, steps: int, scale: float = 0.0) -> None:
    """a equals b to a few units of rounding per step, relative to the largest entry or
    `scale`, the largest term the steps subtracted (where theta - lr g cancels, a bound
    relative to the result would ask for more than rounding gives: -0.00136 from theta -0.0544
    and lr g -0.0530 was 23 of its own ulps off, 0.57 of theirs)."""
    eps = np.finfo(b.dtype).eps
    big = max(np.abs(b).max(), scale, 1e-30)
    np.testing.assert_allclose(a, b, rtol=0, atol=4 * eps * steps * big)


def folds(kind: str, h: dict[str, Any], dtype: Any) -> bool:
    return (kind == "sgd" and not h["momentum"] and h["weight_decay"] > 0
            and _foldable(h["lr"] * h["weight_decay"], np.dtype(dtype)))


@given(configs(), st.sampled_from([np.float32, np.float64]),
       st.sampled_from([(), (1,), (3, 4), (2, 3, 5)]), st.integers(1, 4), st.integers(0, 2**16))
@example(("rmsprop", {"lr": 0.1, "alpha": 0.9, "eps": 1e-8, "weight_decay": 0.01,
                      "momentum": 0.5, "centered": True}), np.float32, (), 2, 0)  # 0-d: scalars
@example(("sgd", {"lr": 0.05, "momentum": 0.0, "weight_decay": 0.02}), np.float64, (), 1,
         900)  # theta - lr g cancels: the folded decay's rounding is the terms', not the result's
def test_every_step_is_the_old_formula_bit_for_bit_or_the_folded_decay(config, dtype, shape,
                                                                       steps, seed):
    kind, h = config
    rng = np.random.default_rng(seed)
    p = Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    opt = MAKERS[kind]([p], **h)
    ref, state, scale = p.data.copy(), {}, 0.0
    for _ in range(steps):
        g = rng.standard_normal(shape).astype(dtype)
        p.grad = g.copy()
        opt.step()
        scale = max(scale, float(np.abs(ref).max(initial=0)),
                    float(h["lr"] * np.abs(g).max(initial=0)))  # theta and lr g, before
        ref = reference(kind, ref, g, state, h)
        np.testing.assert_array_equal(p.grad, g)  # the gradient is read, never written
        if folds(kind, h, dtype):  # theta (1 - lr wd) - lr g: equal to rounding
            assert_rounding(p.data, ref, steps, scale)
        else:
            assert np.array_equal(p.data, ref), (kind, h, p.data - ref)
    for k, v in state.items():  # the state too, so a resumed run continues identically
        # (the reference keeps the formulas' names; the optimizer torch's: "v" is SGD's
        # "momentum_buffer", Adam's "exp_avg_sq", ...)
        assert np.array_equal(opt.state[0][type(opt).state_renames.get(k, k)], v)


def test_sgd_weight_decay_folds_only_where_the_factor_keeps_the_decay():
    # float64: 1 - lr wd is exact to ~1e-16; float32 rounds 1 - 2e-8 to exactly 1: folded, the
    # decay would vanish without a word. There SGD keeps lr (g + wd theta), bit for bit.
    assert _foldable(0.01 * 0.002, np.dtype(np.float64))
    assert np.float32(1 - 2e-8) == 1.0 and not _foldable(2e-8, np.dtype(np.float32))
    assert not _foldable(1e-12, np.dtype(np.float64))  # 1e-16 / 1e-12 is above 1e-6
    assert not _foldable(0.0, np.dtype(np.float64)) and not _foldable(0.7, np.dtype(np.float64))
    # 3000 steps of noisy gradients, lr wd = 1e-8 per step (3e-5 of decay in all, about 500
    # float32 ulps of theta = 1): folded into theta *= 1 - lr wd the decay is lost in float32;
    # kept inside lr (g + wd theta), the noise dithers it through and float32 follows float64.
    h = {"lr": 1e-3, "momentum": 0.0, "weight_decay": 1e-5}
    p32, p64 = (Tensor(np.ones(1, dtype=dt), requires_grad=True) for dt in (np.float32, np.float64))
    opts = [optim.SGD([p], **h) for p in (p32, p64)]
    naive, undecayed = np.ones(1, dtype=np.float32), 1.0
    for g in np.random.default_rng(0).standard_normal(3000) * 1e-3:
        for p, o in zip((p32, p64), opts):
            p.grad = np.full(1, g, dtype=p.data.dtype)
            o.step()
        naive *= np.float32(1 - 1e-8)
        naive -= np.float32(1e-3) * np.float32(g)
        undecayed -= 1e-3 * g
    decay = undecayed - p64.data[0]
    assert decay == pytest.approx(3e-5, rel=1e-3)
    assert abs(p32.data[0] - p64.data[0]) < 0.1 * decay  # float32 keeps the decay
    assert abs(naive[0] - p64.data[0]) > 0.9 * decay  # the naive fold would lose it


def test_a_gradient_that_is_the_parameter_array_itself():
    """p.grad = p.data (an alias): the folded SGD step would scale the gradient with theta."""
    for h in ({"lr": 0.1, "weight_decay": 0.5}, {"lr": 0.1, "momentum": 0.9}):
        p = Tensor(np.array([1.0, -2.0, 4.0]), requires_grad=True)
        p.grad = p.data
        expect = reference("sgd", p.data, p.data.copy(), {}, {"momentum": 0.0,
                                                               "weight_decay": 0.0, **h})
        optim.SGD([p], **h).step()
        assert np.array_equal(p.data, expect)


def test_a_grad_in_another_dtype_is_cast_to_the_parameter_dtype_first():
    p = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    g64 = np.array([0.1, 1e-9])
    p.grad = g64
    optim.SGD([p], lr=0.5).step()
    assert p.data.dtype == np.float32
    assert np.array_equal(p.data, np.array([1.0, 2.0], np.float32) - 0.5 * g64.astype(np.float32))


@pytest.mark.parametrize("kind, h", [
    ("sgd", {"lr": 0.1}), ("sgd", {"lr": 0.1, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    ("adagrad", {"lr": 0.1}), ("adam", {"lr": 0.01, "weight_decay": 0.01}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.01}),
])
def test_a_step_allocates_at_most_two_parameter_sized_temporaries(kind, h):
    """The steps work in place: at most two temporaries the size of the parameter (three
    with weight decay in Adam / RMSprop), where the formulas as written make up to seven."""
    p = Tensor(np.ones((200, 250)), requires_grad=True)
    p.grad = np.full((200, 250), 0.5)
    opt = MAKERS[kind]([p], **h)
    opt.step()  # the state is created on the first step
    peak = step_peak(opt)
    limit = 3 if kind in ("adam", "rmsprop") and h.get("weight_decay") else 2
    assert peak <= limit * p.data.nbytes + 4096, peak / p.data.nbytes


# ---- the guards stay ----------------------------------------------------------------------
@pytest.mark.parametrize("kind, h", [
    ("sgd", {"lr": 0.1, "weight_decay": 0.1}), ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("adagrad", {"lr": 0.1}), ("adam", {"lr": 0.1}), ("rmsprop", {"lr": 0.1, "centered": True}),
])
def test_every_step_under_a_live_graph_writes_a_copy_and_backward_refuses(kind, h):
    w = Tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)
    x = Tensor(np.ones((4, 3)), requires_grad=True)  # (x @ w keeps w for x's gradient only:
    loss = (x @ w).tanh().sum()  # with a constant x the step leaves the graph right, as torch's)
    loss.backward(retain_graph=True)
    before, saved = w.data, w.data.copy()
    opt = MAKERS[kind]([w], **h)
    opt.step()
    assert w.data is not before and np.array_equal(before, saved)  # the graph's copy kept
    expect = reference(kind, saved, w.grad, {}, opt.param_groups[0])
    assert_rounding(w.data, expect, 1)  # sgd with wd: folded
    with pytest.raises(RuntimeError, match=f"{type(opt).__name__}.step()"):
        loss.backward()


def test_a_step_inside_a_jitted_function_is_not_replayed_but_runs_eagerly():
    w, ref = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    opt, ref_opt = (optim.SGD([p], lr=0.1, weight_decay=0.01) for p in (w, ref))

    @jit
    def step(x: np.ndarray) -> None:
        (Tensor(x) * w).sum().backward()
        opt.step()

    with pytest.warns(RuntimeWarning, match=r"cannot replay step: SGD\.step\(\) runs inside"):
        for _ in range(3):
            w.grad = ref.grad = None
            step(np.ones(3))
            (Tensor(np.ones(3)) * ref).sum().backward()
            ref_opt.step()
    assert np.array_equal(w.data, ref.data)


# ---- against torch.optim --------------------------------------------------------------------
TORCH_CASES = {
    "sgd_wd": ({"lr": 0.05, "weight_decay": 0.01}, "SGD", {"lr": 0.05, "weight_decay": 0.01}),
    "sgd_mom_wd": ({"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}, "SGD",
                   {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}),
    "adam_wd": ({"lr": 0.05, "weight_decay": 0.01}, "Adam", {"lr": 0.05, "weight_decay": 0.01}),
    "rmsprop_c": ({"lr": 0.01, "centered": True, "momentum": 0.3}, "RMSprop",
                  {"lr": 0.01, "centered": True, "momentum": 0.3}),
}
OURS = {"SGD": optim.SGD, "Adam": optim.Adam, "RMSprop": optim.RMSprop}


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is an optional oracle")
@pytest.mark.parametrize("impl", ["for-loop", "foreach", "fused"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", sorted(TORCH_CASES))
def test_in_place_steps_match_torch_optim(case, dtype, impl):
    import torch

    ours_h, name, theirs_h = TORCH_CASES[case]
    if impl == "fused" and name == "RMSprop":
        pytest.skip("torch has no fused RMSprop")
    flags = {"for-loop": {"foreach": False}, "foreach": {"foreach": True},
             "fused": {"fused": True}}[impl]
    rng = np.random.default_rng(1)
    x0 = rng.standard_normal((6, 5)).astype(dtype)
    grads = [rng.standard_normal((6, 5)).astype(dtype) for _ in range(15)]
    p = Tensor(x0.copy(), requires_grad=True)
    t = torch.tensor(x0.copy(), requires_grad=True)
    ours, theirs = OURS[name]([p], **ours_h), getattr(torch.optim, name)([t], **theirs_h, **flags)
    for g in grads:
        p.grad = g.copy()
        t.grad = torch.tensor(g.copy())
        ours.step()
        theirs.step()
    tol = {np.float64: 1e-12, np.float32: 2e-5}[dtype]
    np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=tol, atol=tol)


# ---- SGD block by block (grad.block_size): the same numbers as one pass per line ----------------
@pytest.mark.parametrize("h", [
    {"lr": 0.1}, {"lr": 0.1, "weight_decay": 0.01}, {"lr": 0.1, "weight_decay": 1e-9},
    {"lr": 0.1, "momentum": 0.9}, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01},
])
@pytest.mark.parametrize("grad", ["plain", "fortran", "view", "alias", "overlap", "f32",
                                  "fortran parameter", "strided parameter"])
def test_sgd_in_blocks_is_bit_for_bit_the_whole_array_step(monkeypatch, h, grad):
    """A small BLOCK splits a (5, 7) parameter into blocks of 4 (the last one short); every
    update, its velocity and the gradient left unwritten equal the unblocked step's, also
    where blocking would not be exact (a Fortran-order or strided parameter, which a flat view
    would copy; a gradient that is the parameter or overlaps it shifted, which a block would
    read after an earlier block wrote it: those run unblocked)."""
    from tinygrad_dl.optim import sgd

    def run(block: int) -> tuple[np.ndarray, np.ndarray, Any]:
        monkeypatch.setattr(sgd, "block_size", lambda n: block)
        monkeypatch.setattr(sgd, "BLOCKED_FROM", 0 if block < 10 else 10**12)
        rng = np.random.default_rng(1)
        buf = rng.standard_normal(36)
        p = Tensor(buf[:35].reshape(5, 7).copy(), requires_grad=True)
        if grad == "fortran parameter":
            p.data = np.asfortranarray(p.data)
        elif grad == "strided parameter":
            wide = np.zeros((5, 14))
            wide[:, ::2] = p.data
            p.data = wide[:, ::2]
        opt = optim.SGD([p], **h)
        for _ in range(3):
            g = rng.standard_normal((5, 7))
            if grad == "fortran":
                g = np.asfortranarray(g)
            elif grad == "view":
                g = rng.standard_normal((5, 14))[:, ::2]
            elif grad == "alias":
                g = p.data
            elif grad == "overlap":  # p's own buffer, one element back
                base = np.concatenate([[0.5], p.data.reshape(-1)])
                p.data = base[1:].reshape(5, 7)
                g = base[:35].reshape(5, 7)
            elif grad == "f32":
                g = g.astype(np.float32)  # cast to the parameter's dtype first
            p.grad = g
            kept = np.array(g)
            opt.step()
            if grad not in ("alias", "overlap"):
                assert np.array_equal(p.grad, kept)  # read, never written
        return np.array(p.data), opt.state[0].get("momentum_buffer"), opt

    whole, v_whole, _ = run(10**9)
    blocks, v_blocks, opt = run(4)
    assert np.array_equal(whole, blocks)
    assert (v_whole is None) == (v_blocks is None)
    if v_whole is not None:
        assert np.array_equal(v_whole, v_blocks)
    assert "_scratch_blocks" not in opt.state_dict()


def test_sgd_in_blocks_allocates_no_parameter_sized_temporary():
    p = Tensor(np.ones((400, 400)), requires_grad=True)  # 1.25 MiB: stepped in blocks
    p.grad = np.full((400, 400), 0.5)
    opt = optim.SGD([p], lr=0.1)
    opt.step()  # (a first step: what an optimizer makes once is not counted below)
    peak = step_peak(opt)
    assert peak < p.data.nbytes / 4, peak

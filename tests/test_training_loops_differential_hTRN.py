"""The training loops (fit, fit_rnn, run_training) against hand NumPy loops written from the
course's equations and the loops' docstrings, at seeded random options: every update's rate
(the course's cyclical formula), every History row (its numbers recomputed from the weights
the model held when the row was logged), the best state restore_best ends with (the first
row reaching the best recorded val_acc, ties included), the final weights, the modes each
module ends in, and a run stopped at a random update and resumed (bit for bit)."""

from __future__ import annotations

import copy
import json
import math
import types
from fractions import Fraction

import numpy as np
import pytest

from tinygrad_dl.data.cifar import Dataset
from tinygrad_dl.data.text import CharData
from tinygrad_dl.models import CharRNN, KLayer, OneLayer, TwoLayer
from tinygrad_dl.nn import BatchNorm1d, Linear, ReLU
from tinygrad_dl.optim import SGD, Adam, CyclicLR
from tinygrad_dl.train import NonFiniteLossError, fit, fit_rnn, run_training
from tinygrad_dl.train.history import History
from tinygrad_dl.train.state import TrainingInterrupted


def course_cyclic(t: int, lo: float, hi: float, n_s: int) -> Fraction:
    """The course's triangular rate, exactly (Fractions)."""
    lo_, hi_, l = Fraction(lo), Fraction(hi), t // (2 * n_s)
    if 2 * l * n_s <= t <= (2 * l + 1) * n_s:
        return lo_ + Fraction(t - 2 * l * n_s, n_s) * (hi_ - lo_)
    return hi_ - Fraction(t - (2 * l + 1) * n_s, n_s) * (hi_ - lo_)


def np_eval(model, state, X, y):
    """(cost, loss, acc) in eval mode from a state dict: running BN statistics, no dropout."""
    H, l2 = np.asarray(X, np.float64), 0.0
    for i, m in enumerate(model.layers):
        if isinstance(m, Linear):
            W = state[f"layers.{i}.W"].astype(np.float64)
            l2 += float(np.sum(W * W))
            H = H @ W.T + state.get(f"layers.{i}.b", 0.0)
        elif isinstance(m, BatchNorm1d):
            g = [state[f"layers.{i}.{k}"] for k in ("running_mean", "running_var", "gamma", "beta")]
            H = (H - g[0]) / np.sqrt(g[1] + m.eps) * g[2] + g[3]
        elif isinstance(m, ReLU):
            H = np.maximum(H, 0.0)
    S = H - H.max(axis=1, keepdims=True)
    logp = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(len(y)), y].mean()
    return loss + model.lam * l2, loss, float(np.mean(H.argmax(axis=1) == y))


def states_of(model):
    return {k: np.array(v, copy=True) for k, v in model.state_dict().items()
            if isinstance(v, np.ndarray)}


class SpyHistory(History):
    """Keeps the model's state at every logged row."""

    def __init__(self, model) -> None:
        super().__init__()
        self.model, self.states = model, []

    def log(self, **values: float) -> None:
        self.states.append(states_of(self.model))
        super().log(**values)


def hand_fit(model, X, y, c):
    """fit's docstring as a hand loop: a fresh permutation per epoch from default_rng(seed),
    floor / ceil(n / n_batch) batches, eta_t = schedule(t) before update t, clipping by value
    then by norm, SGD (momentum: buf = mu buf + g) or Adam, the course's hand gradients; rows at
    step 0, every eval_every updates (not at the last) and at each epoch's end (with eval_every:
    only the run's end), epoch = epochs before + rows seen / rows per epoch."""
    m = copy.deepcopy(model)
    if c["pre_eval"]:  # fit trains a model left in eval mode (every module of it)
        m.train()
    n, nb = len(y), c["n_batch"]
    per = n // nb if c["drop_last"] else -(-n // nb)
    used = min(n, per * nb)
    total = c["n_updates"] if c["n_updates"] is not None else c["epochs"] * per
    rng = np.random.default_rng(c["seed"])
    params = dict(m.named_parameters())
    sched = c["sched"]
    rows, etas, buf = [(0, 0.0, sched(0) if sched else c["lr"], states_of(m))], [], {}
    step, ep, every = 0, 0, c["eval_every"]
    while step < total:
        ep += 1
        order = rng.permutation(n) if c["shuffle"] else np.arange(n)
        seen = 0
        for start in range(0, used, nb):
            if step >= total:
                break
            ix = order[start:start + nb]
            eta = sched(step) if sched else c["lr"]
            g = m.hand_gradients(X[ix], y[ix])
            if c["clip"] is not None:
                g = {k: np.clip(v, -c["clip"], c["clip"]) for k, v in g.items()}
            if c["clip_norm"] is not None:
                tot = math.sqrt(sum(float(np.sum(v.astype(np.float64) ** 2)) for v in g.values()))
                g = {k: v * min(1.0, c["clip_norm"] / (tot + 1e-6)) for k, v in g.items()}
            for k, gk in g.items():
                if c["opt"] == "sgd":
                    if c["mom"]:
                        buf[k] = gk.copy() if k not in buf else c["mom"] * buf[k] + gk
                        gk = buf[k]
                    params[k].data -= eta * gk
                else:
                    mm, vv = buf.get(k, (0.0, 0.0))
                    mm, vv = 0.9 * mm + 0.1 * gk, 0.999 * vv + 0.001 * gk * gk
                    buf[k] = (mm, vv)
                    t = step + 1
                    params[k].data -= eta * (mm / (1 - 0.9 ** t)) / (
                        np.sqrt(vv / (1 - 0.999 ** t)) + 1e-8)
            etas.append(eta)
            step, seen = step + 1, start + len(ix)
            if every and step % every == 0 and step < total:
                rows.append((step, ep - 1 + seen / used, eta, states_of(m)))
        if step >= total or not every:
            rows.append((step, ep - 1 + seen / used, etas[-1], states_of(m)))
    return rows, etas


def draw(seed):
    r = np.random.default_rng(seed)
    kind = r.choice(["one", "two", "k"])
    dt = np.float64 if r.random() < 0.75 else np.float32
    d, K, n = int(r.integers(2, 7)), int(r.integers(2, 5)), int(r.integers(2, 23))
    nb = int(r.integers(2, 12)) if r.random() < 0.8 else n + int(r.integers(0, 4))
    lam = 0.0 if r.random() < 0.3 else float(r.uniform(0, 0.1))
    mrng = np.random.default_rng(int(r.integers(1 << 30)))
    if kind == "one":
        model = OneLayer(d, K, lam=lam, rng=mrng, dtype=dt, std=0.5)
    elif kind == "two":
        model = TwoLayer(d, int(r.integers(1, 6)), K, lam=lam, rng=mrng, dtype=dt)
    else:
        model = KLayer(d, [int(r.integers(1, 5)) for _ in range(int(r.integers(1, 3)))], K,
                       batch_norm=bool(r.random() < 0.6), lam=lam, rng=mrng, dtype=dt,
                       dropout=0.0 if r.random() < 0.5 else float(r.uniform(0.1, 0.6)))
    nv = int(r.choice([0, 1, 1, 5, 9]))
    ns = int(r.integers(1, 6))
    c = dict(model=model, X=r.normal(size=(n, d)).astype(dt), y=r.integers(0, K, n),
             Xv=r.normal(size=(nv, d)).astype(dt), yv=r.integers(0, K, nv), n_batch=nb,
             drop_last=bool(r.random() < 0.5) and nb <= n, dt=dt,
             sched=CyclicLR(1e-3, float(r.uniform(0.01, 0.5)), ns) if r.random() < 0.5 else None,
             lr=float(r.uniform(0.001, 0.3)), epochs=int(r.integers(1, 5)),
             n_updates=int(r.integers(1, 25)) if r.random() < 0.5 else None,
             eval_every=int(r.choice([0, 1, 2, 3, 5])) if r.random() < 0.5 else None,
             seed=int(r.integers(100)), shuffle=bool(r.random() < 0.8),
             jit=bool(r.random() < 0.5), restore_best=bool(r.random() < 0.4) and nv > 0,
             opt="sgd" if r.random() < 0.6 else "adam", mom=float(r.choice([0.0, 0.9])),
             clip=float(r.choice([0.05, 1.0])) if r.random() < 0.2 else None,
             clip_norm=float(r.choice([0.05, 1.0])) if r.random() < 0.2 else None,
             pre_eval=bool(r.random() < 0.15), freeze=bool(r.random() < 0.3))
    if isinstance(model, KLayer) and model.batch_norm:
        # (batch norm over a few rows has gradients that are 0 in exact arithmetic: Adam's
        # g / sqrt(v) makes their round-off a full step, in the hand loop and in fit alike)
        c["opt"] = "sgd"
    if isinstance(model, KLayer) and model.batch_norm and not c["drop_last"] and n % nb == 1:
        c["drop_last"] = nb <= n
        if not c["drop_last"]:
            c["n_batch"] = n + 1 if n > 1 else 2
    return c


FIT_SEEDS = list(range(24))


@pytest.mark.parametrize("seed", FIT_SEEDS)
def test_fit_matches_hand_loop(seed):
    c = draw(seed)
    model, X, y = c["model"], c["X"], c["y"]
    bn = [m for m in model.modules() if isinstance(m, BatchNorm1d)]
    if c["freeze"] and bn:
        bn[0].eval()  # a frozen batch norm stays frozen
    modes = [m.training for m in model.modules()]
    ref = copy.deepcopy(model)
    if c["pre_eval"]:  # a model left in eval mode trains
        model.eval()
        modes = [True] * len(modes)
    opt = (SGD(model.parameters(), lr=c["lr"], momentum=c["mom"]) if c["opt"] == "sgd"
           else Adam(model.parameters(), lr=c["lr"]))
    h = SpyHistory(model)
    data = types.SimpleNamespace(X_train=X, y_train=y, X_val=c["Xv"], y_val=c["yv"])
    kw = {k: c[k] for k in ("epochs", "n_batch", "n_updates", "seed", "shuffle", "drop_last",
                            "eval_every", "restore_best", "jit", "clip", "clip_norm")}
    fit(model, data, optimizer=opt, schedule=c["sched"], progress=False, history=h, **kw)
    if not c["sched"]:
        c["lr"] = opt.lr
    rows, etas = hand_fit(ref, X, y, c)
    f64 = c["dt"] == np.float64
    tol = 1e-9 if f64 else 2e-3
    assert h.meta["etas"] == etas
    if c["sched"] is not None:
        s = c["sched"]
        assert [Fraction(e) for e in etas] == pytest.approx(
            [course_cyclic(t, s.eta_min, s.eta_max, s.n_s) for t in range(len(etas))],
            rel=1e-12)
    assert list(h["step"]) == [r[0] for r in rows]
    np.testing.assert_allclose(h["epoch"], [r[1] for r in rows], rtol=1e-12)
    assert list(h["eta"]) == [float(np.float64(r[2])) for r in rows]
    for j, row in enumerate(rows):
        for k, v in row[3].items():
            np.testing.assert_allclose(h.states[j][k], v, rtol=tol, atol=tol, err_msg=k)
        for split, A, B in (("train", X, y), ("val", c["Xv"], c["yv"])):
            if not len(B):
                assert f"{split}_cost" not in h
                continue
            cost, loss, acc = np_eval(model, h.states[j], A, B)
            t2 = 1e-10 if f64 else 1e-4
            assert h[f"{split}_cost"][j] == pytest.approx(cost, rel=t2, abs=t2)
            assert h[f"{split}_loss"][j] == pytest.approx(loss, rel=t2, abs=t2)
            if f64:
                assert h[f"{split}_acc"][j] == acc
    final = rows[-1][3]
    if len(c["yv"]):
        jb = int(np.argmax(h["val_acc"]))  # the first row reaching the best
        assert (h.meta["best_step"], h.meta["best_val_acc"]) == (h["step"][jb], h["val_acc"][jb])
        if c["restore_best"]:
            final, tol = h.states[jb], 0.0
    got = states_of(model)
    for k, v in final.items():
        np.testing.assert_allclose(got[k], v, rtol=tol, atol=tol, err_msg=k)
    assert [m.training for m in model.modules()] == modes


@pytest.mark.parametrize("seed", range(10))
def test_fit_rnn_matches_hand_loop(seed):
    r = np.random.default_rng(seed)
    K, N = int(r.integers(2, 6)), int(r.integers(3, 40))
    data = CharData("".join(r.choice(list("abcdefg"[:K]), N)))
    T, m = int(r.integers(1, min(8, N - 1) + 1)), int(r.integers(1, 5))
    model = CharRNN(data.K, m=m, std=0.5, rng=np.random.default_rng(seed))
    ref = copy.deepcopy(model)
    n_updates = int(r.integers(1, 30)) if r.random() < 0.7 else None
    epochs = int(r.integers(1, 4)) if r.random() < 0.5 else None
    clip = [None, 5.0, 0.1][int(r.integers(3))]
    log_every, eta = int(r.integers(1, 5)), float(r.uniform(0.01, 0.3))
    rb = bool(r.random() < 0.5)
    h = SpyHistory(model)
    fit_rnn(model, data, eta=eta, seq_length=T, n_updates=n_updates, epochs=epochs, clip=clip,
            sample_every=None, log_every=log_every, print_fn=None, restore_best=rb,
            progress=False, history=h, jit=bool(r.random() < 0.5))
    # the course's loop: e += T, a new pass (h = 0) when text[e + T] is past the end; AdaGrad
    ints, per = data.encode(data.text), (N - 1) // T
    total = (epochs or 1) * per if n_updates is None else (
        n_updates if epochs is None else min(n_updates, epochs * per))
    P = dict(ref.named_parameters())
    acc = {k: np.zeros_like(p.data) for k, p in P.items()}
    hs, e, smooth, rows, best = np.zeros(m), 0, 0.0, [], (math.inf, None, None)
    for step in range(1, total + 1):
        if e + T + 1 > N:
            e, hs = 0, np.zeros(m)
        g = ref.hand_gradients(ints[e:e + T], ints[e + 1:e + T + 1], h0=hs)
        for k, gk in g.items():
            gk = gk if clip is None else np.clip(gk, -clip, clip)
            acc[k] += gk * gk
            P[k].data -= eta * gk / np.sqrt(acc[k] + 1e-8)
        hs, e = ref.h_last, e + T
        smooth = ref.last_loss if step == 1 else 0.999 * smooth + 0.001 * ref.last_loss
        if step % log_every == 0 or step in (1, total):
            rows.append((step, step / per, ref.last_loss, smooth, states_of(ref)))
        if smooth < best[0]:
            best = (smooth, step, states_of(ref))
    assert list(h["step"]) == [x[0] for x in rows]
    assert list(h["epoch"]) == [x[1] for x in rows]
    np.testing.assert_allclose(h["train_loss"], [x[2] for x in rows], rtol=1e-9)
    np.testing.assert_allclose(h["smooth_loss"], [x[3] for x in rows], rtol=1e-9)
    for j, x in enumerate(rows):
        for k, v in x[4].items():
            np.testing.assert_allclose(h.states[j][k], v, rtol=1e-9, atol=1e-12, err_msg=k)
    assert (h.meta["best_step"], h.meta["n_updates"]) == (best[1], total)
    want = best[2] if rb else states_of(ref)
    for k, v in states_of(model).items():
        np.testing.assert_allclose(v, want[k], rtol=1e-9, atol=1e-12, err_msg=k)


class StopAt:
    """Truthy at its k-th poll (one poll per update)."""

    def __init__(self, k: int) -> None:
        self.k, self.n = k, 0

    def __bool__(self) -> bool:
        self.n += 1
        return self.n == self.k


def _dataset(r, n, nv, dt, d=5, K=3):
    def rows(m):
        return r.normal(size=(m, d)).astype(dt), r.integers(0, K, m)
    return Dataset(*rows(n), *rows(nv), *rows(4), [str(i) for i in range(K)], "random")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 5, 8, 13, 21])
def test_run_training_stopped_and_resumed_is_bit_identical(seed, tmp_path):
    r = np.random.default_rng(seed)
    model = str(r.choice(["one-layer", "two-layer", "k-layer"]))
    n, nv = int(r.integers(6, 25)), int(r.choice([0, 1, 4]))
    dt = "float32" if r.random() < 0.3 else "float64"
    data = _dataset(r, n, nv, np.dtype(dt))
    p = {"n_batch": int(r.integers(2, 7)), "drop_last": bool(r.random() < 0.5), "dtype": dt,
         "lam": float(r.choice([0, 0.01])), "hidden": [3, 2], "m": 4}
    if n % p["n_batch"] == 1:
        p["drop_last"] = True
    if r.random() < 0.5:
        p.update(eta_min=1e-3, eta_max=0.2, n_s=int(r.integers(1, 5)), cycles=int(r.integers(1, 3)))
    else:
        p.update(eta=0.05, epochs=int(r.integers(1, 4)))
    if model == "k-layer":
        p.update(dropout=float(r.choice([0.0, 0.3])), batch_norm=bool(r.random() < 0.6))
    else:
        p.pop("hidden")
    if model != "two-layer":
        p.pop("m")
    if nv and r.random() < 0.5:
        p["restore_best"] = True
    if r.random() < 0.4:
        p["eval_every"] = int(r.integers(1, 4))
    if r.random() < 0.3:
        p["optimizer"] = "adam"
    jit = bool(r.random() < 0.5)
    kw = dict(data=data, seed=3, progress=False, print_fn=None, jit=jit)
    full = run_training(model, dict(p), out=tmp_path / "a", **kw)
    total = full.final["n_updates"]
    if "n_s" in p:
        assert total == 2 * p["n_s"] * p["cycles"]
        assert full.history.meta["etas"] == pytest.approx(
            [float(course_cyclic(t, 1e-3, 0.2, p["n_s"])) for t in range(total)], rel=1e-12)
    k = int(r.integers(1, total)) if total > 1 else 1
    with pytest.raises(TrainingInterrupted):
        run_training(model, dict(p), out=tmp_path / "b", stop=StopAt(k), **kw)
    res = run_training(model, None, resume=tmp_path / "b", **kw)
    ha, hb = full.history, res.history
    assert list(ha.columns) == list(hb.columns)
    for col in ha.columns:
        np.testing.assert_array_equal(ha[col], hb[col], err_msg=col)
    for key in ha.meta:
        assert json.dumps(ha.meta[key], default=str) == json.dumps(hb.meta[key], default=str), key
    sa, sb = full.model.state_dict(), res.model.state_dict()
    for key in sa:
        np.testing.assert_array_equal(np.asarray(sa[key]), np.asarray(sb[key]), err_msg=key)
    assert full.final == res.final
    # the final numbers are of the weights the run ends with
    state = {key: np.asarray(v) for key, v in sa.items()}
    cost, _, acc = np_eval(full.model, state, data.X_test, data.y_test)
    assert full.test_acc == acc
    assert full.final["test_cost"] == pytest.approx(cost, rel=1e-5)


def test_cyclic_rate_is_the_course_formula_at_large_n_s():
    r = np.random.default_rng(0)
    for _ in range(60):
        n_s = int(r.integers(1, 5000))
        lo = float(r.choice([0.0, 1e-5, r.uniform(0, 0.01)]))
        hi = float(r.uniform(lo, 1.0))
        s = CyclicLR(lo, hi, n_s)
        for t in [0, n_s - 1, n_s, n_s + 1, 2 * n_s - 1, 2 * n_s, *r.integers(0, 10 * n_s, 30)]:
            want = course_cyclic(int(t), lo, hi, n_s)
            got = Fraction(s(int(t)))
            assert abs(got - want) <= want * n_s * Fraction(2.3e-16), (n_s, lo, hi, t)
            if t % n_s == 0:  # the ends of a half cycle: exact
                assert got == Fraction(float(want))


@pytest.mark.parametrize("jit", [False, True])
def test_divergence_caught_at_a_mid_epoch_row_names_the_epoch_of_the_update(jit):
    # 10 updates per epoch; update 14 (in epoch 2) blows the weights up, and the row logged
    # right after it (eval_every=1) catches it first: it said "epoch 1" (int of 1.4 epochs
    # trained), where the per-update check says "epoch 2" of the same update's neighbours
    r = np.random.default_rng(0)
    data = types.SimpleNamespace(X_train=r.normal(size=(20, 5)), y_train=r.integers(0, 3, 20),
                                 X_val=None, y_val=None)
    model = OneLayer(5, 3, rng=np.random.default_rng(0))
    with pytest.raises(NonFiniteLossError, match=r"at epoch 2, update step 14 \(eta=1e\+08\)"):
        fit(model, data, n_batch=2, epochs=3, eval_every=1, progress=False, jit=jit,
            schedule=lambda t: 1e8 if t == 13 else 1e-3)

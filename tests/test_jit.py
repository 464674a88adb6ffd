"""tinygrad_dl.jit: replayed steps give exactly eager's numbers (every model, random op
compositions, the training loops), per-step data is an input or replay is refused, and values
nothing reads are not computed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from test_engine import STEPS, composition

from tinygrad_dl import Tensor
from tinygrad_dl.jit import JitError, jit
from tinygrad_dl.models import CharRNN, ConvNet, KLayer, OneLayer, TwoLayer
from tinygrad_dl.ops import Dropout as DropoutOp
from tinygrad_dl.ops import SumOfSquares, Tap

CLASSIFIERS = {
    "one-layer": lambda dt: OneLayer(12, 5, lam=0.1, rng=np.random.default_rng(0), dtype=dt),
    "two-layer": lambda dt: TwoLayer(12, 7, 5, lam=0.1, rng=np.random.default_rng(0), dtype=dt),
    "k-layer BN dropout": lambda dt: KLayer(12, [7, 6], 5, lam=0.1, dropout=0.3,
                                            rng=np.random.default_rng(0), dtype=dt),
    "k-layer no BN": lambda dt: KLayer(12, [7, 6], 5, batch_norm=False, lam=0.1,
                                       rng=np.random.default_rng(0), dtype=dt),
    # 3x8x8 images: conv 3x3 - ReLU - max-pool twice, then Linear (the README's ConvNet, small)
    "convnet": lambda dt: ConvNet(3 * 8 * 8, 5, channels=[3, 4], lam=0.1,
                                  rng=np.random.default_rng(0), dtype=dt),
}


def train_classifier(make, dtype, use_jit, returns=True):
    """Six SGD steps over shuffled batches of 10, then one partial batch of 7 four times."""
    model = make(dtype)
    params = model.parameters()
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, model.d)).astype(dtype)
    y = rng.integers(0, 5, 40)

    def step(Xb, yb):
        J = model.loss(Xb, yb)
        J.backward()
        return J if returns else None

    f = jit(step, strict=True) if use_jit else step
    costs = []
    for size in [10] * 6 + [7] * 4:
        ix = rng.permutation(40)[:size]
        for p in params:
            p.grad = None
        J = f(X[ix], y[ix])
        costs.append(None if J is None else J.data.copy())
        for p in params:
            p.data -= 0.1 * p.grad
    return costs, model.state_dict(), f


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_classifier_replay_is_bit_identical(name, dtype):
    costs, state, _ = train_classifier(CLASSIFIERS[name], dtype, False)
    costs_j, state_j, f = train_classifier(CLASSIFIERS[name], dtype, True)
    assert f.replays == 6  # 4 replays of the batch of 10, 2 of the partial batch of 7
    for a, b in zip(costs, costs_j):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert state.keys() == state_j.keys()  # parameters, BN running statistics
    for k in state:
        assert np.array_equal(state[k], state_j[k]), k


def train_rnn(fused, dtype, use_jit):
    model = CharRNN(9, m=6, rng=np.random.default_rng(0), fused=fused, dtype=dtype)
    params = model.parameters()
    text = np.random.default_rng(1).integers(0, 9, 200)

    def step(X, Y, h):
        J = model.loss(X, Y, h)
        J.backward()
        return J

    f = jit(step, strict=True) if use_jit else step
    h, out = np.zeros(6, dtype=dtype), []
    for e in range(0, 120, 10):
        for p in params:
            p.grad = None
        out.append(f(text[e:e + 10], text[e + 1:e + 11], h).item())
        h = model.h_last
        out.append(h.copy())
        for p in params:
            p.data -= 0.1 * p.grad
    return out, model.state_dict(), f


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fused", [False, True])
def test_char_rnn_replay_is_bit_identical(fused, dtype):
    out, state, _ = train_rnn(fused, dtype, False)
    out_j, state_j, f = train_rnn(fused, dtype, True)
    assert f.replays == 10
    for a, b in zip(out, out_j):
        assert np.array_equal(a, b)  # the losses and h_last, which replay sets through Tap
    for k in state:
        assert np.array_equal(state[k], state_j[k]), k


def test_unfused_rnn_sums_dW_as_one_product_in_eager_and_replay_alike(monkeypatch):
    """An unrolled RNN's W gets dW = H^T G as ONE matrix product (MatMul's Outer terms, summed
    by the accumulator), eagerly and in replay: one call, not one per time step."""
    import tinygrad_dl.ops.elementwise as ew

    calls = []
    total = ew.Outer.total
    monkeypatch.setattr(ew.Outer, "total", staticmethod(lambda terms: calls.append(len(terms))
                                                        or total(terms)))
    _, _, f = train_rnn(False, np.float64, True)
    assert f.replays == 10
    assert calls == [10] * 12  # W's gradient: 10 steps, one product, in every call


@given(composition())
def test_random_compositions_replay_like_eager(case):
    steps, x, y, W = case
    yt, Wt = Tensor(y, requires_grad=True), Tensor(W, requires_grad=True)

    def step(xa, g):
        t = Tensor(xa) * yt  # so that something needs a gradient
        for s in steps:
            t = STEPS[s](t, Tensor(xa), yt, Wt)
        t.backward(g)
        return t

    f = jit(step, strict=True)
    rng = np.random.default_rng(0)
    for i in range(4):
        xa = x + 0.1 * i
        g = rng.standard_normal(step(xa, np.ones(x.shape)).shape)
        yt.grad = Wt.grad = None
        eager = step(xa, g).data, yt.grad, Wt.grad
        yt.grad = Wt.grad = None
        out = f(xa, g)
        assert np.array_equal(out.data, eager[0])
        for a, b in zip((yt.grad, Wt.grad), eager[1:]):
            assert (a is None and b is None) or np.array_equal(a, b)
    assert f.replays == 2


# ---- what replay computes --------------------------------------------------------------------
def counting(monkeypatch, cls, method):
    calls = []
    orig = getattr(cls, method)

    def wrapped(ctx, *a, **k):
        calls.append(1)
        return orig(ctx, *a, **k)

    monkeypatch.setattr(cls, method, wrapped)
    return calls


@pytest.mark.parametrize("returns", [False, True])
def test_unread_values_are_not_computed(monkeypatch, returns):
    calls = counting(monkeypatch, SumOfSquares, "forward")
    costs, state, f = train_classifier(CLASSIFIERS["two-layer"], np.float64, True, returns)
    recorded = 4  # two recordings per batch size
    assert len(calls) == (recorded + f.replays if returns else recorded)
    _, state_eager, _ = train_classifier(CLASSIFIERS["two-layer"], np.float64, False, returns)
    for k in state:  # the L2 gradient is there all the same
        assert np.array_equal(state[k], state_eager[k])


# ---- per-step data must be an input --------------------------------------------------------
def test_per_step_constant_is_refused():
    w = Tensor(np.ones(3), requires_grad=True)
    state = {"k": 0}

    def step(x):  # reads a Python counter the step does not take as an argument
        state["k"] += 1
        (Tensor(x) * w * Tensor(np.full(3, float(state["k"])))).sum().backward()

    with pytest.raises(JitError, match="constant that changed between calls"):
        f = jit(step, strict=True)
        for _ in range(3):
            f(np.ones(3))
    f = jit(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):
            w.grad = None
            f(np.ones(3))
    assert len(caught) == 1 and "running it eagerly" in str(caught[0].message)
    assert f.replays == 0 and np.array_equal(w.grad, np.full(3, float(state["k"])))


def test_converted_input_is_cast_by_a_recorded_op_and_replayed():
    """A float32 model fed float64 batches converts each inside the step (`Tensor(X,
    dtype=float32)`): a recording casts an argument by a Cast op, which replay redoes, bit
    for bit as eager (it was refused as an array made inside the step, for good)."""
    model = OneLayer(12, 5, rng=np.random.default_rng(0), dtype=np.float32)

    def step(X, y):
        model.loss(X, y).backward()

    f = jit(step, strict=True)
    rng = np.random.default_rng(1)
    for _ in range(5):
        X, y = rng.standard_normal((4, 12)), rng.integers(0, 5, 4)  # float64: converted
        model.zero_grad()
        step(X, y)
        want = [p.grad.copy() for p in model.parameters()]
        model.zero_grad()
        f(X, y)
        for p, w in zip(model.parameters(), want):
            assert p.grad.dtype == np.float32 and p.grad.tobytes() == w.tobytes()
    assert f.replays == 3


def test_grad_reset_inside_the_step_is_never_replayed():
    w = Tensor(np.ones(3), requires_grad=True)

    def step(x):
        w.grad = None  # replay runs no Python: a replay would accumulate instead
        (Tensor(x) * w).sum().backward()

    f = jit(step, strict=True)
    with pytest.raises(JitError, match=r"writes the \.grad .*zero_grad"):
        for _ in range(10):
            f(np.ones(3))
            assert np.array_equal(w.grad, np.ones(3))  # never accumulated
    # seen while recorded (the step holds w: its .grad is checked from the step's start),
    # not only by the guard on .grad None at the next call
    assert f.replays == 0 and f.rerecords == 0
    f = jit(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(10):
            f(np.full(3, float(i)))
            assert np.array_equal(w.grad, np.full(3, float(i)))
    assert f.replays == 0 and len(caught) == 1 and "zero_grad" in str(caught[0].message)


def test_other_arguments_and_reset():
    w = Tensor(np.ones(3), requires_grad=True)
    f = jit(lambda x, scale: (Tensor(x) * w * scale).sum().detach())  # (no graph handed out)
    for scale in (2.0, 2.0, 3.0, 3.0, 2.0):  # a scalar argument is part of the signature
        assert f(np.ones(3), scale).item() == 3 * scale
    assert f.replays == 1
    f.reset()
    assert f.replays == 0 and not f.cache
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert f(np.ones(3), [1.0]).data.shape == ()  # a list: not replayable, runs eagerly
    assert "neither an array" in str(caught[0].message)


# ---- the new ops ---------------------------------------------------------------------------
def test_dropout_op_draws_through_sample_and_masks_the_gradient():
    rng = np.random.default_rng(0)
    x = Tensor(np.arange(1.0, 7.0), requires_grad=True)

    def sample(shape, dtype):
        return (rng.random(shape) >= 0.5).astype(dtype) * 2.0

    out = DropoutOp.apply(x, sample=sample)
    mask = (np.random.default_rng(0).random(6) >= 0.5) * 2.0
    assert np.array_equal(out.data, x.data * mask)
    out.backward(np.full(6, 3.0))
    assert np.array_equal(x.grad, 3.0 * mask)


def test_tap_calls_fn_and_passes_the_gradient_through():
    seen = []
    x = Tensor(np.arange(3.0), requires_grad=True)
    out = Tap.apply(x, fn=seen.append)
    assert seen[0] is x.data and out.data is x.data
    (out * 2).sum().backward()
    assert np.array_equal(x.grad, np.full(3, 2.0))


# ---- the training loops ----------------------------------------------------------------------
def replays_counted(monkeypatch):
    """The replayed calls of the jitted steps made from now on, counted when asked: a call
    replays through its plan's entry (`jit.make_entry`), which calls the compiled run
    directly, so the count is the steps' own `.replays`."""
    from tinygrad_dl.jit import jit

    made, init = [], jit.__init__

    def counted(self, *a, **k):
        init(self, *a, **k)
        made.append(self)

    monkeypatch.setattr(jit, "__init__", counted)
    return lambda: sum(j.replays for j in made)


@pytest.mark.filterwarnings("error")  # no fallback to eager
@pytest.mark.parametrize("drop_last", [True, False])
def test_fit_with_and_without_jit_trains_identically(monkeypatch, drop_last):
    from types import SimpleNamespace

    from tinygrad_dl.train import fit

    rng = np.random.default_rng(0)
    data = SimpleNamespace(X_train=rng.standard_normal((47, 12)), y_train=rng.integers(0, 5, 47),
                           X_val=rng.standard_normal((20, 12)), y_val=rng.integers(0, 5, 20))
    runs, replays = [], replays_counted(monkeypatch)
    for use_jit in (False, True):
        model = CLASSIFIERS["k-layer BN dropout"](np.float64)
        hist = fit(model, data, epochs=4, n_batch=10, eta=0.05, progress=False, jit=use_jit,
                   drop_last=drop_last)
        runs.append((hist, model.state_dict()))
    if drop_last:  # 4 full batches per epoch: one signature, recorded twice
        assert replays() == 4 * 4 - 2
    else:  # the short last batch of 7 is a second signature: 2 recordings each
        assert replays() == 4 * 5 - 4
    (h0, s0), (h1, s1) = runs
    for key in ("train_cost", "val_cost", "val_acc"):
        assert np.array_equal(h0[key], h1[key])
    for k in s0:
        assert np.array_equal(s0[k], s1[k]), k


@pytest.mark.filterwarnings("error")
def test_fit_rnn_with_and_without_jit_trains_identically(monkeypatch):
    from tinygrad_dl.data import CharData
    from tinygrad_dl.train import fit_rnn

    data = CharData("the quick brown fox jumps over the lazy dog. " * 4)
    runs, replays = [], replays_counted(monkeypatch)
    for use_jit in (False, True):
        model = CharRNN(data.K, m=8, rng=np.random.default_rng(0))
        hist = fit_rnn(model, data, n_updates=30, seq_length=10, sample_every=None,
                       progress=False, print_fn=None, jit=use_jit)
        runs.append((hist["train_loss"], model.state_dict()))
    assert replays() == 28
    # fit_rnn replays exactly (the same NumPy calls as eager): a chaotic char-RNN run drifts
    # visibly from rounding-level differences, and results must reproduce to the digit
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    for k in runs[0][1]:
        np.testing.assert_array_equal(runs[0][1][k], runs[1][1][k])


def test_nested_and_no_grad_calls_run_eagerly():
    from tinygrad_dl import no_grad

    w = Tensor(np.ones(3), requires_grad=True)
    inner = jit(lambda x: Tensor(x) * w)
    outer = jit(lambda x: inner(x).sum().backward(), strict=True)
    for _ in range(4):
        w.grad = None
        outer(np.full(3, 2.0))
    assert outer.replays == 2 and inner.replays == 0  # the outer recording saw inner's ops
    assert np.array_equal(w.grad, np.full(3, 2.0))
    with no_grad():
        assert inner(np.ones(3)).requires_grad is False
    assert inner.replays == 0 and not inner.cache


@pytest.mark.slow
def test_run_training_with_and_without_jit_gives_the_same_model(monkeypatch, tmp_path):
    from tinygrad_dl.train import run_training

    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)  # the embedded sample
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    models = [run_training("one-layer", {"epochs": 1}, progress=False, jit=j).model
              for j in (True, False)]
    a, b = (m.state_dict() for m in models)
    for k in a:
        assert np.array_equal(a[k], b[k]), k


@pytest.mark.parametrize("bad", [-1, 5])
def test_replayed_step_still_refuses_bad_labels(bad):
    model = OneLayer(12, 5, rng=np.random.default_rng(0))
    f = jit(lambda X, y: model.loss(X, y).backward(), strict=True)
    X, y = np.ones((4, 12)), np.zeros(4, dtype=np.int64)
    for _ in range(3):
        f(X, y)
    assert f.replays == 1
    with pytest.raises(ValueError, match=f"labels must be in \\[0, 5\\), got .*{bad}"):
        f(X, np.array([0, 1, bad, 2]))


def test_accumulating_gradients_over_calls_replays():
    w = Tensor(np.ones(3), requires_grad=True)
    f = jit(lambda x: (Tensor(x) * w).sum().backward(), strict=True)
    for i in range(5):
        f(np.full(3, float(i)))
    assert f.replays == 3 and np.array_equal(w.grad, np.full(3, 10.0))


def test_replayed_convnet_reuses_its_work_arrays_but_never_what_it_returns():
    """Replay runs the same Conv2d op objects every step, which keep their work arrays (padded
    input, columns, widened gradient) instead of allocating them again; what a step hands out
    (its outputs, gradients) must still be fresh arrays, never overwritten by the next step."""
    from tinygrad_dl import functional as F
    from tinygrad_dl import nn
    from tinygrad_dl.ops import Conv2d

    rng = np.random.default_rng(0)
    conv1, conv2 = nn.Conv2d(2, 3, 3, padding=1, rng=rng), nn.Conv2d(3, 4, 3, padding=1, rng=rng)

    @jit(strict=True)
    def step(x):
        h = F.max_pool2d(conv1(Tensor(x)).relu(), 2)
        out = F.avg_pool2d(conv2(h).relu(), 2)
        out.sum().backward()
        return out

    xs = [rng.standard_normal((3, 2, 8, 8)) for _ in range(5)]
    outs, grads = [], []
    for x in xs:
        for p in (conv1.W, conv1.b, conv2.W, conv2.b):
            p.grad = None
        outs.append(step(x))
        grads.append(conv2.W.grad)
        if step.replays == 1:
            plan = next(iter(step.cache.values()))
            convs = [c for c in plan.ctxs if type(c) is Conv2d]
            work = [dict(c.scratch) for c in convs]
    assert step.replays == 3 and len(convs) == 2
    for c, before in zip(convs, work):  # the same arrays, refilled every step
        assert set(before) >= {"x", "cols"} and all(c.scratch[k] is a for k, a in before.items())
    assert "g" in work[1] and "g" not in work[0]  # the images need no gradient: none computed
    for x, out, g in zip(xs, outs, grads):  # eager, afresh: the returned arrays are intact
        for p in (conv1.W, conv1.b, conv2.W, conv2.b):
            p.grad = None
        ref = F.avg_pool2d(conv2(F.max_pool2d(conv1(Tensor(x)).relu(), 2)).relu(), 2)
        ref.sum().backward()
        assert np.array_equal(out.data, ref.data) and np.array_equal(g, conv2.W.grad)


def test_a_plan_that_cannot_be_built_runs_eagerly_with_a_warning(monkeypatch):
    """Fault injection (no known step triggers it since the keyword-name fixes): an error while
    building the plan used to come out of the call that recorded it, discarding its eager
    result, and again from every later call. Now: that call's result, one warning, eager from
    then on; JitError with strict=True."""
    import tinygrad_dl.jit as jit_module

    def broken(*args, **kwargs):
        raise SyntaxError("injected")
    monkeypatch.setattr(jit_module, "Plan", broken)
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)

    def step(X):
        loss = (Tensor(X) * w).sum()
        loss.backward()
        return loss
    jitted = jit(step)
    X = np.array([3.0, 4.0])
    with pytest.warns(RuntimeWarning, match="could not be built .SyntaxError: injected"):
        for _ in range(4):
            w.grad = None
            assert float(jitted(X)) == 11.0 and np.array_equal(w.grad, X)
    assert jitted.replays == 0
    strict = jit(step, strict=True)
    strict(X)
    with pytest.raises(JitError, match="could not be built"):
        strict(X)

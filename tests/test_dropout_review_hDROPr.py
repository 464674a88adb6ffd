"""Second review of the dropout family's Draw ops in jit (884cb19, hDROPr): a seeded eager run
of N steps against a jitted one, bit for bit at every step (the two recording calls too) and
the generators' states after; what a guard must see between calls (p, eval, bounds, tau, hard,
the batch's shape); a Tensor p (taken since 884cb19), whose value a replay would have kept."""

import hashlib
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F
from tinygrad_dl import nn
from tinygrad_dl.data.cifar import Dataset
from tinygrad_dl.functional.dropouts import dropout_p
from tinygrad_dl.jit import jit
from tinygrad_dl.models import KLayer
from tinygrad_dl.train.minibatch import fit

G = tg.Generator()


def _run(make, jitted, steps=6, between=None, dtype=np.float64, rows=None):
    """Seeded steps of `layer(lin(X))` weighted and summed, backward; each step's (grad, out),
    the jit object (or None) and the generators' states after."""
    tg.manual_seed(0)
    G.manual_seed(7)
    lin, layer = nn.Linear(6, 5).to(dtype), make()
    wv = tg.tensor(np.arange(5.0).astype(dtype))
    X = np.linspace(-1, 1, 48).reshape(8, 6).astype(dtype)

    def step(X):
        y = layer(lin(tg.Tensor(X)))
        (y * wv).sum().backward()
        return y

    f = jit(step) if jitted else step
    out, msgs = [], []
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        for i in range(steps):
            if between is not None:
                between(layer, i)
            lin.zero_grad()
            y = f(X if rows is None else X[:rows(i)])
            out.append((lin.weight.grad.copy(), y.data.copy()))
    msgs = [str(m.message) for m in w]
    rngs = [m.rng.bit_generator.state for m in getattr(layer, "modules", lambda: [])()
            if hasattr(m, "rng")]
    return out, (f if jitted else None), (str(tg.random.default_generator.get_state()),
                                          str(G.get_state()), str(rngs)), msgs


def _same(make, steps=6, between=None, **kw):
    eager = _run(make, False, steps, between, **kw)
    got = _run(make, True, steps, between, **kw)
    for i, ((ga, ya), (gb, yb)) in enumerate(zip(eager[0], got[0])):
        np.testing.assert_array_equal(ga, gb, err_msg=f"step {i}")
        np.testing.assert_array_equal(ya, yb, err_msg=f"step {i}")
    assert eager[2] == got[2]  # the streams left where eager leaves them
    return got[1], got[3]


class _Seq(nn.Module):
    def __init__(self, *mods):
        super().__init__()
        self.mods = nn.ModuleList(mods)

    def forward(self, h):
        for m in self.mods:
            h = m(h)
        return h


DRAWS = {
    "Dropout": lambda: nn.Dropout(0.5),
    "Dropout(rng=Generator)": lambda: nn.Dropout(0.5, rng=tg.Generator().manual_seed(3)),
    "AlphaDropout(rng=np)": lambda: nn.AlphaDropout(0.4, rng=np.random.default_rng(3)),
    "RReLU(rng=np)": lambda: nn.RReLU(0.1, 0.3, rng=np.random.default_rng(4)),
    "F.dropout generator=G": lambda: (lambda h: F.dropout(h, 0.4, generator=G)),
    "F.rrelu generator=G": lambda: (lambda h: F.rrelu(h, training=True, generator=G)),
    "F.alpha_dropout generator=G": lambda: (lambda h: F.alpha_dropout(h, 0.4, True,
                                                                      generator=G)),
    "F.feature_alpha_dropout": lambda: (lambda h: F.feature_alpha_dropout(h, 0.5, True)),
    "gumbel hard generator=G": lambda: (lambda h: F.gumbel_softmax(h, 0.5, True,
                                                                   generator=G)),
    "gumbel dim 0": lambda: (lambda h: F.gumbel_softmax(h, 0.5, True, dim=0)),
    "one Dropout twice": lambda: (lambda d: lambda h: d(d(h)))(nn.Dropout(0.3)),
    "all four": lambda: _Seq(nn.RReLU(), nn.Dropout(0.2), nn.AlphaDropout(0.2)),
}


@pytest.mark.parametrize("name", list(DRAWS))
def test_jitted_steps_equal_eager_at_every_step_and_leave_the_streams_as_eager(name):
    step, msgs = _same(DRAWS[name])
    assert step.replays == 4 and not msgs


def test_float32_chain_of_draws_replays_bit_equal():
    step, _ = _same(lambda: (lambda h: F.gumbel_softmax(F.alpha_dropout(
        F.rrelu(F.dropout(h, 0.2), training=True), 0.3, True), 0.5, True)), dtype=np.float32)
    assert step.replays == 4


def test_draws_under_no_grad_inside_the_step_replay_as_eager():
    def make():
        d = nn.Dropout(0.4)

        def body(h):
            with tg.no_grad():
                m = F.rrelu(h, 0.1, 0.3, True) + d(h) + F.gumbel_softmax(h)
            return h * m
        return body
    step, _ = _same(make)
    assert step.replays == 4


def _set(i_at, **attrs):
    def between(layer, i):
        if i == i_at:
            for k, v in attrs.items():
                setattr(layer, k, v)
    return between


@pytest.mark.parametrize("make,attrs", [
    (lambda: nn.Dropout(0.5), {"p": 0.2}), (lambda: nn.Dropout(0.5), {"p": 0.0}),
    (lambda: nn.Dropout(0.5), {"p": 1.0}), (lambda: nn.AlphaDropout(0.5), {"p": 0.2}),
    (lambda: nn.AlphaDropout(0.5), {"p": 1.0}), (lambda: nn.RReLU(0.1, 0.3), {"lower": 0.2}),
    (lambda: nn.RReLU(0.1, 0.3), {"upper": 0.12}),
])
def test_a_changed_attribute_between_replays_is_seen(make, attrs):
    step, _ = _same(make, 7, _set(4, **attrs))
    assert step.replays >= 2


@pytest.mark.parametrize("make", [lambda: nn.Dropout(0.5), lambda: nn.AlphaDropout(0.5),
                                  lambda: nn.RReLU(0.1, 0.3)])
def test_eval_then_train_between_replays(make):
    def between(layer, i):
        if i == 3:
            layer.eval()
        if i == 5:
            layer.train()
    step, _ = _same(make, 9, between)
    assert step.replays >= 3


class _Gumbel(nn.Module):
    def __init__(self):
        super().__init__()
        self.tau, self.hard = 0.7, False

    def forward(self, h):
        return F.gumbel_softmax(h, self.tau, self.hard)


def test_gumbel_tau_and_hard_changed_between_replays():
    def between(layer, i):
        if i == 3:
            layer.tau = 0.3
        if i == 6:
            layer.hard = True
    step, _ = _same(_Gumbel, 10, between)
    assert step.replays >= 3


def test_batch_shape_changing_between_replays_draws_masks_of_each_shape():
    step, _ = _same(lambda: nn.Dropout(0.5), 10, rows=lambda i: 8 if i % 3 else 4)
    assert step.replays == 6


# ---- named regressions (hDROPr) ---------------------------------------------------------------
class _TensorP(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn, self.pt = fn, tg.tensor(0.5)

    def forward(self, h):
        return self.fn(h, self.pt)


TENSOR_P = {
    "F.dropout": lambda h, p: F.dropout(h, p),
    "F.alpha_dropout": lambda h, p: F.alpha_dropout(h, p, True),
    "F.dropout1d": lambda h, p: F.dropout1d(h.reshape(8, 5, 1), p).reshape(8, 5),
}


@pytest.mark.parametrize("name", list(TENSOR_P))
@pytest.mark.parametrize("how", ["in place", "rebound"])
def test_a_tensor_p_changed_between_calls_is_not_kept_by_a_replay(name, how):
    # before: the replay kept p = 0.5 read at recording (a mask of the old rate, scaled by 2
    # where eager scaled by 1 / 0.9): other numbers without a word
    def between(layer, i):
        if i == 3:
            if how == "in place":
                layer.pt.data[...] = 0.1
            else:
                layer.pt.data = np.array(0.1)
    step, msgs = _same(lambda: _TensorP(TENSOR_P[name]), 6, between)
    assert step.replays == 0 and any("p given as a Tensor" in m for m in msgs)


def test_alpha_dropout_of_p_1_replays():
    # before: its zero was a constant made in the step: jit warned and ran every call eagerly
    step, msgs = _same(lambda: (lambda h: F.alpha_dropout(h, 1.0, True)))
    assert step.replays == 4 and not msgs


@pytest.mark.parametrize("p,want", [(0, 0.0), (1, 1.0), (0.25, 0.25), (np.float32(0.5), 0.5),
                                    (np.int64(1), 1.0)])
def test_dropout_p_fast_path_keeps_its_values(p, want):
    got = dropout_p("dropout", p)
    assert type(got) is float and got == want


@pytest.mark.parametrize("p", [float("nan"), -0.0 - 1e-300, 1.5, -1, 2, True, np.bool_(False),
                               "0.5", None])
def test_dropout_p_fast_path_keeps_its_refusals(p):
    with pytest.raises((ValueError, TypeError), match="dropout"):
        F.dropout(tg.ones(3), p)


@pytest.mark.parametrize("flag", [1, 0, "no", None, np.float64(1.0)])
def test_training_flag_still_refused_unless_a_bool(flag):
    with pytest.raises(TypeError, match="training must be True or False"):
        F.dropout(tg.ones(3), 0.5, flag)
    assert F.dropout(tg.ones(3), 0.5, np.bool_(False)).data.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.slow
def test_fit_of_a_k_layer_with_dropout_is_bit_identical_with_and_without_jit():
    r = np.random.default_rng(5)
    X, y = r.standard_normal((120, 12)), r.integers(0, 5, 120)
    ds = Dataset(X, y, X[:20], y[:20], X[:20], y[:20], [str(i) for i in range(5)], "synthetic")
    hashes = []
    for use_jit in (False, True):
        tg.manual_seed(0)
        m = KLayer(12, [7, 6], 5, batch_norm=False, lam=0.01, dropout=0.3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no fallback warning
            fit(m, ds, epochs=3, n_batch=20, eta=0.05, progress=False, jit=use_jit)
        hashes.append(hashlib.sha256(b"".join(p.data.tobytes() for p in m.parameters()))
                      .hexdigest())
    assert hashes[0] == hashes[1]


LAYER_SHAPES = {nn.Dropout: (2, 4), nn.Dropout1d: (2, 3, 4), nn.Dropout2d: (2, 3, 4, 4),
                nn.Dropout3d: (2, 3, 4, 4, 1)}


@pytest.mark.parametrize("cls", list(LAYER_SHAPES))
@pytest.mark.parametrize("bad", [-0.5, 1.5, float("nan"), True, "0.5"])
@pytest.mark.parametrize("training", [True, False])
def test_a_p_set_after_construction_is_checked_at_each_call_as_torch(cls, bad, training):
    # before: d.p = -0.5 kept every unit scaled by 2/3, 1.5 gave -0.0, NaN gave NaN, without a
    # word (torch's layer checks p at each call: "dropout probability has to be between 0 and 1")
    d = cls(0.5)
    d.p = bad
    d.train(training)
    with pytest.raises((ValueError, TypeError), match=f"{cls.__name__}: p must be in"):
        d(tg.ones(*LAYER_SHAPES[cls]))


@pytest.mark.parametrize("cls", list(LAYER_SHAPES))
def test_a_numpy_or_tensor_p_set_after_construction_is_taken_as_its_float(cls):
    for p in (np.float32(0.25), tg.tensor(0.25)):
        d = cls(0.5)
        d.p = p
        y = d(tg.ones(*LAYER_SHAPES[cls]))
        assert type(d.p) is float and d.p == 0.25
        assert np.isin(y.data, (0.0, np.float64(1.0) / 0.75)).all()


def test_torch_refuses_the_same_p_set_after_construction():
    torch = pytest.importorskip("torch")
    for bad in (-0.5, 1.5, float("nan")):
        d = torch.nn.Dropout(0.5)
        d.p = bad
        with pytest.raises((ValueError, RuntimeError), match="between 0 and 1"):
            d(torch.ones(2, 4))


def test_rrelu_takes_0d_tensor_bounds_as_torch():
    # before: "rrelu: lower must be a number, got Tensor" (torch takes a 0-d tensor)
    x = tg.tensor(-np.ones(200))
    y = F.rrelu(x, tg.tensor(0.1), tg.tensor(0.3), True, generator=G)
    assert ((y.data <= -0.1) & (y.data > -0.3)).all()
    np.testing.assert_array_equal(F.rrelu(x, tg.tensor(0.1), tg.tensor(0.3)).data, -0.2)
    torch = pytest.importorskip("torch")
    t = torch.nn.functional.rrelu(-torch.ones(3, dtype=torch.float64), torch.tensor(0.1),
                                  torch.tensor(0.3))  # (float32 bounds, as given: in float64)
    o = F.rrelu(-tg.ones(3), tg.tensor(np.float32(0.1)), tg.tensor(np.float32(0.3)))
    np.testing.assert_array_equal(o.data, t.numpy())


def test_rrelu_tensor_bound_in_a_jitted_step_runs_eagerly_with_the_warning():
    class _R(nn.Module):
        def __init__(self):
            super().__init__()
            self.lo = tg.tensor(0.1)

        def forward(self, h):
            return F.rrelu(h, self.lo, 0.3, True)

    def between(layer, i):
        if i == 3:
            layer.lo.data[...] = 0.25
    step, msgs = _same(_R, 6, between)
    assert step.replays == 0 and any("rrelu's lower given as a Tensor" in m for m in msgs)

"""nn.RNN, nn.LSTM and nn.GRU (tinygrad_dl/nn/recurrent.py): PyTorch's recurrent layers as a
loop of the graph's ops. Before, `nn.RNN` refused bidirectional and dropout, and LSTM and GRU
raised AttributeError. Checked against torch with the same weights (values, h_n and c_n, every
gradient, hx's too) over layers, directions, batch_first, unbatched input and no bias; against
finite differences with the test kit, dropout masks fixed by reseeding; replayed by jit bit for
bit as eager; the skeptic's cases: a torch state_dict loaded as it is, a given hx of the wrong
shape or not a pair, a zero-length sequence, dropout only between layers and only in training,
and bad options (LSTM's proj_size not below hidden_size), each refused in one line."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl.gradcheck import numerical_grad
from tinygrad_dl.jit import jit
from tinygrad_dl.testing import check_grad

try:
    import torch
except ImportError:  # the comparisons with torch skip; the rest runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

R = np.random.default_rng(11)
KINDS = ["RNN", "LSTM", "GRU"]
CONFIGS = [{}, {"num_layers": 2}, {"bidirectional": True},
           {"num_layers": 2, "bidirectional": True, "batch_first": True},
           {"num_layers": 3, "batch_first": True}, {"bias": False, "bidirectional": True},
           {"unbatched": True, "num_layers": 2, "bidirectional": True}]


def _states(s):
    """h_n as (h_n,), (h_n, c_n) as it is: every module's final states as a tuple."""
    return s if isinstance(s, tuple) else (s,)


def _ids(c):
    return ",".join(f"{k}={v}" for k, v in c.items()) or "default"


def _compare_with_torch(kind, cfg, with_hx):
    cfg = dict(cfg)
    unbatched = cfg.pop("unbatched", False)
    ours = getattr(nn, kind)(3, 4, rng=np.random.default_rng(0), **cfg)
    theirs = getattr(torch.nn, kind)(3, 4, dtype=torch.float64, **cfg)
    assert list(ours.state_dict()) == list(theirs.state_dict())  # PyTorch's names and order
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    layers = cfg.get("num_layers", 1) * (2 if cfg.get("bidirectional") else 1)
    x = R.standard_normal((5, 3) if unbatched else (2, 5, 3) if cfg.get("batch_first")
                          else (5, 2, 3))
    h0s = [R.standard_normal((layers, 4) if unbatched else (layers, 2, 4)) * 0.5
           for _ in range(2 if kind == "LSTM" else 1)]
    t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    th0s = [Tensor(h, requires_grad=True) for h in h0s]
    tth0s = [torch.tensor(h, requires_grad=True) for h in h0s]
    hx = (tuple(th0s) if kind == "LSTM" else th0s[0]) if with_hx else None
    thx = (tuple(tth0s) if kind == "LSTM" else tth0s[0]) if with_hx else None
    (o, s), (to, ts) = ours(t, hx), theirs(tt, thx)
    s, ts = _states(s), _states(ts)
    assert o.shape == tuple(to.shape) and [h.shape for h in s] == [tuple(h.shape) for h in ts]
    weights = [R.standard_normal(o.shape)] + [R.standard_normal(h.shape) for h in s]
    loss = (o * Tensor(weights[0])).sum()
    tloss = (to * torch.tensor(weights[0])).sum()
    for h, th, w in zip(s, ts, weights[1:]):
        loss, tloss = loss + (h * Tensor(w)).sum(), tloss + (th * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(o.data, to.detach().numpy(), rtol=1e-12, atol=1e-14)
    for h, th in zip(s, ts):
        np.testing.assert_allclose(h.data, th.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-13)
    if with_hx:
        for h, th in zip(th0s, tth0s):
            np.testing.assert_allclose(h.grad, th.grad.numpy(), rtol=1e-10, atol=1e-13)
    tp = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tp)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, tp[name].grad.numpy(), rtol=1e-10, atol=1e-13,
                                   err_msg=name)


@needs_torch
@pytest.mark.parametrize("cfg", CONFIGS, ids=_ids)
@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_is_torchs_values_and_gradients(kind, cfg, with_hx):
    _compare_with_torch(kind, cfg, with_hx)


@needs_torch
@pytest.mark.parametrize("cfg", [{"num_layers": 2, "nonlinearity": "relu"},
                                 {"nonlinearity": "relu", "bidirectional": True}], ids=_ids)
@pytest.mark.parametrize("with_hx", [False, True])
def test_a_relu_rnn_is_torchs(cfg, with_hx):
    _compare_with_torch("RNN", cfg, with_hx)


@needs_torch
@pytest.mark.parametrize("kind", KINDS)
def test_a_torch_state_dict_loads_as_it_is(kind):
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    ours = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = R.standard_normal((5, 2, 3))
    (o, s), (to, ts) = ours(Tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(o.data, to.detach().numpy(), rtol=1e-12, atol=1e-14)
    for h, th in zip(_states(s), _states(ts)):
        np.testing.assert_allclose(h.data, th.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_the_gates_are_stacked_as_torch_stacks_them():
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    shapes = {k: v.shape for k, v in m.state_dict().items()}
    assert list(shapes)[:8] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                "weight_ih_l0_reverse", "weight_hh_l0_reverse",
                                "bias_ih_l0_reverse", "bias_hh_l0_reverse"]
    assert shapes["weight_ih_l0"] == (16, 3) and shapes["weight_ih_l1_reverse"] == (16, 8)
    assert nn.GRU(3, 4).weight_hh_l0.shape == (12, 4)
    bound = 1 / np.sqrt(4)  # PyTorch's init: U(-1/sqrt(hidden), 1/sqrt(hidden))
    assert all(np.abs(p.data).max() <= bound for p in m.parameters())


def _loss(m):
    def loss(x):
        out, s = m(x)
        return out.sum() * 0.5 + sum((h * h).sum() for h in _states(s))
    return loss


@pytest.mark.parametrize("kind, cfg", [("RNN", {"num_layers": 2}),
                                       ("LSTM", {"bidirectional": True}),
                                       ("GRU", {"num_layers": 2, "bidirectional": True})])
@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_gradients_against_finite_differences(kind, cfg):
    m = getattr(nn, kind)(2, 3, rng=np.random.default_rng(1), **cfg)
    loss = _loss(m)
    # the input's gradient by the test kit, the weights' by central differences on their arrays
    check_grad(loss, R.standard_normal((4, 2, 2)))
    x = Tensor(R.standard_normal((4, 2, 2)))
    m.zero_grad()
    loss(x).backward()
    for name, p in m.named_parameters():
        with tg.no_grad():
            numeric = numerical_grad(lambda _: float(loss(x).item()), p.data)
        np.testing.assert_allclose(p.grad, numeric, rtol=1e-7, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_unbatched_input_and_a_zero_length_sequence(kind, bidirectional):
    m = getattr(nn, kind)(3, 4, bidirectional=bidirectional, rng=np.random.default_rng(2))
    d = 2 if bidirectional else 1
    x = R.standard_normal((5, 3))
    o, s = m(Tensor(x))
    ob, sb = m(Tensor(x[:, None, :]))
    assert o.shape == (5, 4 * d) and all(h.shape == (d, 4) for h in _states(s))
    np.testing.assert_array_equal(o.data, ob.data[:, 0])
    for h, hb in zip(_states(s), _states(sb)):
        np.testing.assert_array_equal(h.data, hb.data[:, 0])
    with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0"):
        m(Tensor(np.zeros((0, 2, 3))))  # (torch's error: no step, no final state)


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_is_the_identity_in_eval_and_between_layers_only(kind):
    def make(p, layers=2):
        return getattr(nn, kind)(3, 4, num_layers=layers, dropout=p, bidirectional=True,
                                 rng=np.random.default_rng(3))
    x = Tensor(R.standard_normal((5, 2, 3)))
    plain, dropped = make(0.0), make(0.5)
    want = plain(x)[0].data
    dropped.eval()
    np.testing.assert_array_equal(dropped(x)[0].data, want)  # eval: dropout=0.5 is dropout=0
    dropped.train()
    assert not np.array_equal(dropped(x)[0].data, want)  # training: a mask between the layers
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        one = make(0.5, layers=1)
    np.testing.assert_array_equal(one(x)[0].data, make(0.0, layers=1)(x)[0].data)  # none after


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
@pytest.mark.parametrize("kind", KINDS)
def test_dropout_gradients_against_finite_differences_with_the_mask_fixed(kind):
    g = tg.Generator(seed=4)
    m = getattr(nn, kind)(2, 3, num_layers=3, dropout=0.4, bidirectional=kind == "GRU", rng=g)
    loss = _loss(m)

    def fixed(x):  # the same seed per call: the same masks, so a function of x alone
        g.manual_seed(5)
        return loss(x)

    x = R.standard_normal((4, 2, 2))
    with tg.no_grad():
        m.eval()
        evaluated = float(loss(Tensor(x)).item())
        m.train()
    assert float(fixed(Tensor(x)).item()) != evaluated  # the masks are there
    check_grad(fixed, x)
    x = Tensor(x)
    m.zero_grad()
    fixed(x).backward()
    for name, p in m.named_parameters():
        if name.startswith(("weight_ih_l1", "bias_hh_l2")):  # a layer after a mask, one deeper
            with tg.no_grad():
                numeric = numerical_grad(lambda _: float(fixed(x).item()), p.data)
            np.testing.assert_allclose(p.grad, numeric, rtol=1e-7, atol=1e-9, err_msg=name)


def _lstm(x, hx):
    return nn.LSTM(3, 4)(Tensor(np.ones(x)), hx)


@pytest.mark.parametrize("call, match", [
    (lambda: nn.RNN(3, 4)(Tensor(np.ones((5, 2, 2)))), r"RNN: input must be \(L, N, 3\)"),
    (lambda: nn.RNN(3, 4)(Tensor(np.ones((5, 2, 3))), np.zeros((2, 2, 4))),
     r"RNN: hx must have shape \(1, 2, 4\), got \(2, 2, 4\)"),
    (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), "nonlinearity must be 'tanh' or 'relu'"),
    (lambda: nn.GRU(3, 4, batch_first=True)(Tensor(np.ones((2, 5)))),
     r"GRU: input must be \(N, L, 3\) or unbatched \(L, 3\), got \(2, 5\)"),
    (lambda: nn.GRU(3, 4, bidirectional=True)(Tensor(np.ones((5, 2, 3))), np.zeros((1, 2, 4))),
     r"GRU: hx must have shape \(2, 2, 4\), got \(1, 2, 4\)"),
    (lambda: nn.GRU(3, 4)(Tensor(np.ones((5, 3))), np.zeros((1, 2, 4))),
     r"GRU: hx must have shape \(1, 4\), got \(1, 2, 4\)"),
    (lambda: nn.GRU(3, 4)(Tensor(np.ones((5, 2, 3))), (Tensor(np.zeros((1, 2, 4))),) * 2),
     r"GRU: hx must be one tensor, got a tuple"),
    (lambda: _lstm((5, 2, 4), None), r"LSTM: input must be \(L, N, 3\) .*got \(5, 2, 4\)"),
    (lambda: _lstm((5, 2, 3), Tensor(np.zeros((1, 2, 4)))),
     r"LSTM: hx must be a pair \(h_0, c_0\), got a Tensor"),
    (lambda: _lstm((5, 2, 3), (np.zeros((1, 2, 4)),) * 3), "LSTM: hx must be a pair .* of 3"),
    (lambda: _lstm((5, 2, 3), (np.zeros((1, 2, 4)), np.zeros((1, 2, 5)))),
     r"LSTM: hx\[1\] \(c_0\) must have shape \(1, 2, 4\), got \(1, 2, 5\)"),
    (lambda: nn.LSTM(3, 4, proj_size=4), r"LSTM: proj_size has to be smaller than "
     r"hidden_size, got proj_size=4 and hidden_size=4"),
    (lambda: nn.LSTM(3, 4, num_layers=2, dropout=1.0), r"LSTM: dropout must be .*\[0, 1\)"),
    (lambda: nn.GRU(3, 4, num_layers=2, dropout=-0.1), r"GRU: dropout must be .*\[0, 1\)"),
    (lambda: nn.RNN(3, 4, num_layers=2, dropout=True), r"RNN: dropout must be .*True"),
    (lambda: nn.LSTM(3, 0), "hidden_size and num_layers must be at least 1"),
])
def test_bad_calls_raise_one_line(call, match):
    with pytest.raises((ValueError, TypeError, NotImplementedError), match=match) as e:
        call()
    assert "\n" not in str(e.value)


def test_repr_shows_the_arguments_not_at_their_defaults():
    assert repr(nn.LSTM(3, 4)) == "LSTM(3, 4)"
    assert repr(nn.GRU(3, 4, num_layers=2, dropout=0.5, bidirectional=True, batch_first=True)
                ) == "GRU(3, 4, num_layers=2, batch_first=True, dropout=0.5, bidirectional=True)"
    assert repr(nn.RNN(3, 4, nonlinearity="relu", bias=False)
                ) == "RNN(3, 4, nonlinearity='relu', bias=False)"


def _replays_as_eager(m, reseed=None):
    head = nn.Linear(m.hidden_size * (2 if m.bidirectional else 1), 2,
                     rng=np.random.default_rng(4))
    params = m.parameters() + head.parameters()

    def step(x, y):
        out, _ = m(Tensor(x))
        tg.nn.functional.mse_loss(head(out[-1]), Tensor(y)).backward()

    jitted = jit(step, strict=True)
    for i in range(4):
        x, y = R.standard_normal((6, 2, 3)), R.standard_normal((2, 2))
        for p in params:
            p.grad = None
        if reseed:
            reseed(i)
        step(x, y)
        want = [p.grad.copy() for p in params]
        for p in params:
            p.grad = None
        if reseed:
            reseed(i)
        jitted(x, y)
        for p, w in zip(params, want):
            assert p.grad.tobytes() == w.tobytes()
    assert jitted.replays == 2


def test_a_jitted_step_with_an_rnn_replays_as_eager_bit_for_bit():
    _replays_as_eager(nn.RNN(3, 4, num_layers=2, rng=np.random.default_rng(3)))


@pytest.mark.parametrize("bidirectional", [False, True])
def test_a_jitted_step_with_an_lstm_replays_as_eager_bit_for_bit(bidirectional):
    _replays_as_eager(nn.LSTM(3, 4, num_layers=2, bidirectional=bidirectional,
                              rng=np.random.default_rng(3)))


def test_a_jitted_step_with_lstm_dropout_draws_the_masks_eager_draws():
    g = tg.Generator(seed=6)
    m = nn.LSTM(3, 4, num_layers=2, dropout=0.5, rng=g)
    _replays_as_eager(m, reseed=lambda i: g.manual_seed(100 + i))


def test_an_initial_state_given_as_a_list_of_tensors_is_refused_not_made_a_constant():
    """Before: gru(x, [h0, h1]) made one constant of the list (np.asarray of leaf tensors), so
    h0.grad and h1.grad stayed None without a word; PyTorch raises too."""
    gru = nn.GRU(5, 4, num_layers=2, rng=np.random.default_rng(0))
    h0, h1 = (Tensor(np.zeros((3, 4)), requires_grad=True) for _ in range(2))
    x = Tensor(np.ones((2, 3, 5)))
    with pytest.raises(TypeError, match=r"GRU: hx is a list of tensors; .*stack"):
        gru(x, [h0, h1])
    lstm = nn.LSTM(5, 4, num_layers=2, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"LSTM: hx\[0\] \(h_0\) is a list of tensors"):
        lstm(x, ([h0, h1], Tensor(np.zeros((2, 3, 4)))))
    out, _ = gru(x, tg.stack([h0, h1]))  # what the message says: the gradient arrives
    out.sum().backward()
    assert h0.grad is not None and np.abs(h1.grad).sum() > 0

"""nn.RNN (tinygrad_dl/nn/recurrent.py): PyTorch's Elman RNN as a loop of the graph's ops.
Before, `nn.RNN` raised AttributeError. Checked against torch with the same weights (values,
h_n, every gradient, hx's too), against finite differences with the test kit, and replayed by
jit bit for bit as eager; the skeptic's cases: batch_first, unbatched input, a given hx of the
wrong shape, a zero-length sequence, and the options not implemented, each refused in one line."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl.gradcheck import numerical_grad
from tinygrad_dl.jit import jit
from tinygrad_dl.testing import check_grad

torch = pytest.importorskip("torch")
R = np.random.default_rng(11)
CONFIGS = [{}, {"num_layers": 2, "nonlinearity": "relu"}, {"num_layers": 3, "batch_first": True},
           {"bias": False}]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items())
                         or "default")
@pytest.mark.parametrize("with_hx", [False, True])
def test_rnn_is_torchs_values_and_gradients(cfg, with_hx):
    ours = nn.RNN(3, 4, rng=np.random.default_rng(0), **cfg)
    theirs = torch.nn.RNN(3, 4, dtype=torch.float64, **cfg)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())  # PyTorch's names and order
    layers = cfg.get("num_layers", 1)
    x = R.standard_normal((2, 5, 3) if cfg.get("batch_first") else (5, 2, 3))
    h0 = R.standard_normal((layers, 2, 4)) * 0.5
    t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    th0 = Tensor(h0, requires_grad=True) if with_hx else None
    tth0 = torch.tensor(h0, requires_grad=True) if with_hx else None
    (o, h), (to, th) = ours(t, th0), theirs(tt, tth0)
    go, gh = R.standard_normal(o.shape), R.standard_normal(h.shape)
    ((o * Tensor(go)).sum() + (h * Tensor(gh)).sum()).backward()
    ((to * torch.tensor(go)).sum() + (th * torch.tensor(gh)).sum()).backward()
    np.testing.assert_allclose(o.data, to.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h.data, th.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-13)
    if with_hx:
        np.testing.assert_allclose(th0.grad, tth0.grad.numpy(), rtol=1e-10, atol=1e-13)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, tp[name].grad.numpy(), rtol=1e-10, atol=1e-13)


def test_rnn_gradients_against_finite_differences():
    m = nn.RNN(2, 3, num_layers=2, rng=np.random.default_rng(1))

    def loss(x):
        out, h = m(x)
        return out.sum() * 0.5 + (h * h).sum()

    # the input's gradient by the test kit, the weights' by central differences on their arrays
    check_grad(loss, R.standard_normal((4, 2, 2)))
    x = Tensor(R.standard_normal((4, 2, 2)))
    m.zero_grad()
    loss(x).backward()
    for name, p in m.named_parameters():
        with tg.no_grad():
            numeric = numerical_grad(lambda _: float(loss(x).item()), p.data)
        np.testing.assert_allclose(p.grad, numeric, rtol=1e-7, atol=1e-9, err_msg=name)


def test_unbatched_input_and_a_zero_length_sequence():
    m = nn.RNN(3, 4, rng=np.random.default_rng(2))
    x = R.standard_normal((5, 3))
    o, h = m(Tensor(x))
    ob, hb = m(Tensor(x[:, None, :]))
    assert o.shape == (5, 4) and h.shape == (1, 4)
    np.testing.assert_array_equal(o.data, ob.data[:, 0])
    o0, h0 = m(Tensor(np.zeros((0, 2, 3))))
    assert o0.shape == (0, 2, 4) and not h0.data.any()


@pytest.mark.parametrize("call, match", [
    (lambda: nn.RNN(3, 4)(Tensor(np.ones((5, 2, 2)))), r"input must be \(L, N, 3\)"),
    (lambda: nn.RNN(3, 4)(Tensor(np.ones((5, 2, 3))), np.zeros((2, 2, 4))),
     r"hx must have shape \(1, 2, 4\)"),
    (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), "nonlinearity must be 'tanh' or 'relu'"),
    (lambda: nn.RNN(3, 4, bidirectional=True), "bidirectional=True"),
    (lambda: nn.RNN(3, 4, num_layers=2, dropout=0.5), "dropout"),
])
def test_bad_calls_raise_one_line(call, match):
    with pytest.raises((ValueError, NotImplementedError), match=match) as e:
        call()
    assert "\n" not in str(e.value)


def test_a_jitted_step_with_an_rnn_replays_as_eager_bit_for_bit():
    m = nn.RNN(3, 4, num_layers=2, rng=np.random.default_rng(3))
    head = nn.Linear(4, 2, rng=np.random.default_rng(4))
    params = m.parameters() + head.parameters()

    def step(x, y):
        out, _ = m(Tensor(x))
        tg.nn.functional.mse_loss(head(out[-1]), Tensor(y)).backward()

    jitted = jit(step, strict=True)
    for _ in range(4):
        x, y = R.standard_normal((6, 2, 3)), R.standard_normal((2, 2))
        for p in params:
            p.grad = None
        step(x, y)
        want = [p.grad.copy() for p in params]
        for p in params:
            p.grad = None
        jitted(x, y)
        for p, w in zip(params, want):
            assert p.grad.tobytes() == w.tobytes()
    assert jitted.replays == 2

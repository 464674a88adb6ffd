"""nn.RNNCell, nn.LSTMCell and nn.GRUCell (tinygrad_dl/nn/recurrent.py): one step of the
recurrent layers, PyTorch's *Cell modules, running the very equations (rnn_cell, lstm_cell,
gru_cell) the sequence modules run per step. Checked against torch's cells with the same
weights: values and every gradient (parameters, input, hx) in float64, batched and unbatched,
without bias, with hx None; a torch state_dict loads as it is; a cell stepped over a sequence
is the sequence module; wrong shapes are one ValueError line naming the cell and the shapes."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn
from tinygrad_dl.nn import recurrent

try:
    import torch
except ImportError:  # the comparisons with torch skip; the rest runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

R = np.random.default_rng(5)
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}),
         ("GRUCell", {})]
IDS = ["RNNCell", "RNNCell-relu", "LSTMCell", "GRUCell"]


def _pair(kind, cfg, bias=True):
    ours = getattr(nn, kind)(3, 4, bias=bias, rng=np.random.default_rng(0), **cfg)
    theirs = getattr(torch.nn, kind)(3, 4, bias=bias, dtype=torch.float64, **cfg)
    assert list(ours.state_dict()) == list(theirs.state_dict())  # names and order
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def _as_tuple(s):
    return s if isinstance(s, tuple) else (s,)


@needs_torch
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("with_hx", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("kind,cfg", CELLS, ids=IDS)
def test_values_and_every_gradient_are_torchs(kind, cfg, batched, with_hx, bias):
    ours, theirs = _pair(kind, cfg, bias)
    lead = (2,) if batched else ()
    x = R.standard_normal((*lead, 3))
    hs = [R.standard_normal((*lead, 4)) * 0.7 for _ in range(2 if kind == "LSTMCell" else 1)]
    t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    th = [Tensor(h, requires_grad=True) for h in hs]
    tth = [torch.tensor(h, requires_grad=True) for h in hs]
    hx = (tuple(th) if kind == "LSTMCell" else th[0]) if with_hx else None
    thx = (tuple(tth) if kind == "LSTMCell" else tth[0]) if with_hx else None
    out, tout = _as_tuple(ours(t, hx)), _as_tuple(theirs(tt, thx))
    assert [o.shape for o in out] == [tuple(o.shape) for o in tout] == [(*lead, 4)] * len(hs)
    loss, tloss = 0, 0
    for o, to in zip(out, tout):
        np.testing.assert_allclose(o.data, to.detach().numpy(), rtol=1e-12, atol=1e-14)
        w = R.standard_normal(o.shape)
        loss, tloss = loss + (o * Tensor(w)).sum(), tloss + (to * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-13)
    if with_hx:
        for h, ht in zip(th, tth):
            np.testing.assert_allclose(h.grad, ht.grad.numpy(), rtol=1e-10, atol=1e-13)
    tp = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tp)
    assert len(tp) == (4 if bias else 2)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, tp[name].grad.numpy(), rtol=1e-10, atol=1e-13,
                                   err_msg=name)


@needs_torch
@pytest.mark.parametrize("kind,cfg", CELLS, ids=IDS)
def test_a_torch_state_dict_loads_as_it_is(kind, cfg):
    theirs = getattr(torch.nn, kind)(3, 4, dtype=torch.float64, **cfg)
    ours = getattr(nn, kind)(3, 4, **cfg)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = R.standard_normal((5, 3))
    for o, to in zip(_as_tuple(ours(Tensor(x))), _as_tuple(theirs(torch.tensor(x)))):
        np.testing.assert_allclose(o.data, to.detach().numpy(), rtol=1e-12, atol=1e-14)


@needs_torch
@pytest.mark.parametrize("kind,cfg", CELLS, ids=IDS)
def test_shapes_init_bounds_and_repr_are_torchs(kind, cfg):
    ours = getattr(nn, kind)(3, 5, bias=False, **cfg)
    theirs = getattr(torch.nn, kind)(3, 5, bias=False, **cfg)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert repr(ours) == repr(theirs)
    big = getattr(nn, kind)(3, 5, **cfg)
    for p in big.parameters():  # U(-1/sqrt(hidden), 1/sqrt(hidden))
        assert np.abs(p.data).max() <= 1 / np.sqrt(5) and p.data.dtype == np.float64


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_a_cell_stepped_over_a_sequence_is_the_sequence_module(kind):
    seq = getattr(nn, kind)(3, 4, rng=np.random.default_rng(1))
    cell = getattr(nn, kind + "Cell")(3, 4)
    cell.load_state_dict({k[:-3]: v for k, v in seq.state_dict().items()})  # drop "_l0"
    x = R.standard_normal((6, 2, 3))
    out, last = seq(Tensor(x))
    state = None
    for t in range(6):
        state = cell(Tensor(x[t]), state)
        h = state[0] if kind == "LSTM" else state
        np.testing.assert_array_equal(h.data, out.data[t])  # bit for bit: the same equations
    for a, b in zip(_as_tuple(state), _as_tuple(last)):
        np.testing.assert_array_equal(a.data, b.data[0])


def test_the_equations_have_one_home(monkeypatch):
    """The sequence modules and the cells call the same functions."""
    assert nn.LSTM.cell is recurrent.lstm_cell is nn.LSTMCell.cell
    assert nn.GRU.cell is recurrent.gru_cell is nn.GRUCell.cell
    calls = []
    real = recurrent.rnn_cell

    def spy(*args):
        calls.append(args[-1])
        return real(*args)

    monkeypatch.setattr(recurrent, "rnn_cell", spy)
    nn.RNN(3, 4, nonlinearity="relu")(np.zeros((2, 1, 3)))
    nn.RNNCell(3, 4)(np.zeros((1, 3)))
    assert calls == ["relu", "relu", "tanh"]


def test_a_float32_cell_keeps_float32_and_hx_none_is_zeros():
    cell = nn.GRUCell(3, 4, dtype="float32")
    x = np.ones((2, 3), np.float32)
    h = cell(x)
    assert h.dtype == np.float32 and h.shape == (2, 4)
    np.testing.assert_array_equal(h.data, cell(x, np.zeros((2, 4), np.float32)).data)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("x_shape,h_shape,match", [
    ((2, 5), None, r"input must be \(N, 3\) or unbatched \(3,\), got \(2, 5\)$"),
    ((2, 3, 1), None, r"input must be \(N, 3\) or unbatched \(3,\), got \(2, 3, 1\)$"),
    ((), None, r"input must be \(N, 3\) or unbatched \(3,\), got \(\)$"),
    ((2, 3), (3, 4), r"must have shape \(2, 4\), got \(3, 4\)$"),
    ((2, 3), (2, 5), r"must have shape \(2, 4\), got \(2, 5\)$"),
    ((3,), (2, 4), r"must have shape \(4,\), got \(2, 4\)$"),
    ((2, 3), (4,), r"must have shape \(2, 4\), got \(4,\)$"),
])
def test_bad_shapes_are_one_line_naming_the_cell_and_the_shapes(kind, x_shape, h_shape, match):
    cell = getattr(nn, kind)(3, 4)
    hx = None if h_shape is None else Tensor(np.zeros(h_shape))
    if hx is not None and kind == "LSTMCell":
        hx = (hx, hx)
    with pytest.raises(ValueError, match=f"^{kind}: .*{match}") as e:
        cell(Tensor(np.zeros(x_shape)), hx)
    assert "\n" not in str(e.value)


def test_lstm_cell_takes_a_pair_and_the_others_one_tensor():
    h = Tensor(np.zeros((2, 4)))
    with pytest.raises(TypeError, match=r"^LSTMCell: hx must be a pair \(h_0, c_0\), got a "
                                        r"Tensor$"):
        nn.LSTMCell(3, 4)(np.zeros((2, 3)), h)
    with pytest.raises(ValueError, match=r"^LSTMCell: hx\[1\] \(c_0\) must have shape"):
        nn.LSTMCell(3, 4)(np.zeros((2, 3)), (h, Tensor(np.zeros((2, 5)))))
    with pytest.raises(TypeError, match=r"^GRUCell: hx must be one tensor, got a tuple "
                                        r"\(LSTMCell takes"):
        nn.GRUCell(3, 4)(np.zeros((2, 3)), (h, h))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="^RNNCell: nonlinearity must be 'tanh' or 'relu'"):
        nn.RNNCell(3, 4, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match="^LSTMCell: hidden_size must be an integer"):
        nn.LSTMCell(3, 4.0)
    with pytest.raises(ValueError, match="^GRUCell: hidden_size must be >= 0"):
        nn.GRUCell(3, -1)

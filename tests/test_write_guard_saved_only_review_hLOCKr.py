"""Review of hLOCK (the write guard locks only what an op saved): what its own tests leave out.
Integer and boolean inputs (indices, masks, targets) written after the forward, the course's
modules' parameters written after a forward on constant data by every writer (an SGD or Adam
step, `add_` under no_grad, a `.data` write), and optimizer steps between `retain_graph`
backwards against torch 2.13: a write either raises one line or leaves the gradient as it was
before the write (torch's, where torch computes)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tests.oracle import torch_float64  # noqa: F401 (a fixture)
from tinygrad_dl import Tensor, nn, no_grad, optim

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
_X = RNG.standard_normal((4, 5))
_I = np.array([[0, 2], [1, 4], [3, 3], [2, 0]])
# op on (float input, integer or boolean input): the second is the one written
INDEXED = {
    "gather": (lambda x, i: tg.gather(x, 1, i), _X, _I),
    "take_along_dim": (lambda x, i: tg.take_along_dim(x, i, dim=1), _X, _I),
    "index_select": (lambda x, i: tg.index_select(x, 1, i), _X, np.array([4, 0, 2])),
    "getitem": (lambda x, i: x[i], _X, np.array([3, 0, 0])),
    "embedding": (lambda x, i: F.embedding(i, x), _X, _I % 4),
    "cross_entropy": (lambda x, i: F.cross_entropy(x, i, reduction="none"), _X,
                      np.array([1, 4, 0, 2])),
    "masked_fill": (lambda x, m: x.masked_fill(m, 0.0), _X, _X > 0.3),
    "where": (lambda x, m: tg.where(m, x, x * 2), _X, _X > 0.3),
    "scatter_add": (lambda x, i: tg.zeros((4, 5)).scatter_add(1, i, x[:, :2]), _X, _I),
}


def _write(a: np.ndarray) -> None:
    if a.dtype == bool:
        a[...] = ~a
    else:
        a[...] = a.reshape(-1)[::-1].reshape(a.shape)


def _grad_of(f, x0, i0, write: bool):
    x, i = Tensor(x0.copy(), requires_grad=True), Tensor(i0.copy())
    out = f(x, i)
    loss = (out * Tensor(np.linspace(-1, 2, out.numel()).reshape(out.shape))).sum()
    if write:
        if i.data.flags.writeable:
            _write(i.data)
        else:  # (locked: a write says so, the gradient is not in question)
            with pytest.raises(ValueError, match="read-only"):
                _write(i.data)
    loss.backward()
    return x.grad


@pytest.mark.parametrize("name", list(INDEXED))
def test_an_index_or_mask_written_after_the_forward_leaves_the_gradient(name: str) -> None:
    f, x0, i0 = INDEXED[name]
    np.testing.assert_array_equal(_grad_of(f, x0, i0, True), _grad_of(f, x0, i0, False))


MODULES = {
    "Linear": (lambda: nn.Linear(5, 3), (4, 5)),
    "two Linear": (lambda: nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3)), (4, 5)),
    "Conv2d": (lambda: nn.Conv2d(2, 3, 3, padding=1), (2, 2, 4, 4)),
    "LSTM": (lambda: nn.LSTM(5, 3, num_layers=2), (3, 2, 5)),
    "GRU": (lambda: nn.GRU(5, 3), (3, 2, 5)),
    "RNN": (lambda: nn.RNN(5, 3), (3, 2, 5)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(5), (4, 5)),
    "LayerNorm": (lambda: nn.LayerNorm(5), (4, 5)),
    "Embedding": (lambda: nn.Embedding(6, 3), None),
}


def _writer(how: str, params: list) -> None:
    if how in ("SGD", "Adam"):
        for p in params:
            p.grad = np.full(p.shape, 0.3)
        (optim.SGD(params, lr=0.5, momentum=0.9) if how == "SGD"
         else optim.Adam(params, lr=0.5)).step()
        for p in params:
            p.grad = None
    elif how == "add_":
        with no_grad():
            for p in params:
                p.add_(1.0)
    else:
        for p in params:
            p.data[...] = p.data * 2 + 0.5


def _module_grads(name: str, how: str | None):
    make, shape = MODULES[name]
    np.random.seed(0)
    tg.manual_seed(0)
    m = make()
    params = list(m.parameters())
    x = Tensor(np.array([[0, 2, 5], [1, 1, 3]]) if shape is None
               else np.random.default_rng(1).standard_normal(shape))
    out = m(x)
    out = out[0] if isinstance(out, tuple) else out
    loss = (out * Tensor(np.random.default_rng(2).standard_normal(out.shape))).sum()
    if how is not None:
        _writer(how, params)
    loss.backward()
    return [p.grad for p in params]


@pytest.mark.parametrize("how", ["SGD", "Adam", "add_", "data"])
@pytest.mark.parametrize("name", list(MODULES))
def test_a_parameter_written_after_a_forward_on_constant_data(name: str, how: str) -> None:
    want = _module_grads(name, None)
    try:
        got = _module_grads(name, how)
    except (RuntimeError, ValueError) as e:  # (a saved parameter: one line)
        assert "\n" not in str(e)
        return
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


@pytest.mark.usefixtures("torch_float64")
@pytest.mark.parametrize("kind", ["Linear+tanh", "Embedding"])
def test_optimizer_steps_between_retain_graph_backwards_as_torch(kind: str) -> None:
    if kind == "Embedding":
        m, tm, x = nn.Embedding(6, 3), torch.nn.Embedding(6, 3), np.array([[0, 2, 5], [1, 1, 3]])
    else:
        m, tm = nn.Sequential(nn.Linear(4, 3), nn.Tanh()), torch.nn.Sequential(
            torch.nn.Linear(4, 3), torch.nn.Tanh())
        x = RNG.standard_normal((5, 4))
    for p, q in zip(m.parameters(), tm.parameters()):
        p.data = q.detach().numpy().copy()
    out, tout = m(Tensor(x)), tm(torch.tensor(x))
    w = RNG.standard_normal(out.shape)
    loss, tloss = (out * Tensor(w)).sum(), (tout * torch.tensor(w)).sum()
    opt, topt = optim.SGD(m.parameters(), lr=0.1), torch.optim.SGD(tm.parameters(), lr=0.1)
    for _ in range(3):  # (the step writes the weights no op of the graph saved, in place)
        loss.backward(retain_graph=True)
        tloss.backward(retain_graph=True)
        for p, q in zip(m.parameters(), tm.parameters()):
            np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-10, atol=1e-12)
        opt.step()
        topt.step()
        opt.zero_grad()
        topt.zero_grad()
        for p, q in zip(m.parameters(), tm.parameters()):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10, atol=1e-12)

"""Review of the refusal of a backward inside a tinygrad_dl.func transform (hFUNr2).

The refusal sat in engine.Pending's constructor, which a jit plan also calls once to make its
replays' shared accumulator (no backward): a jitted function first called inside func.grad /
vjp (a jitted forward, no backward in it) was never replayed for that signature, even outside
later, with a warning naming a backward (jit(strict=True): JitError). Also held here: the
course models through grad + functional_call equal a plain backward bit for bit, and the
transform slot is emptied after a KeyboardInterrupt inside the function."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import hooks
from tinygrad_dl.func import functional_call, grad, vjp
from tinygrad_dl.jit import jit
from tinygrad_dl.models import MODELS
from tinygrad_dl.nn import Module

RNG = np.random.default_rng(7)
X = RNG.standard_normal((5, 4))


def _call(transform, f, x):
    if transform == "vjp":
        out, vjp_fn = vjp(f, x)
        return out, vjp_fn(tg.ones_like(out))[0]
    return None, grad(f)(x)


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("transform", ["grad", "vjp"])
def test_a_jitted_forward_first_called_inside_a_transform_is_replayed(transform, strict):
    lin = tg.nn.Linear(4, 3)
    fwd = jit(lambda X: lin(tg.Tensor(X)).sum().detach(), strict=strict)
    want = float(lin(tg.Tensor(X)).sum().data)
    x = tg.tensor(np.array([1.0, 2.0, 3.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no jit warning: it was "replay could not be built")
        for _ in range(4):
            _, g = _call(transform, lambda x: (x ** 2).sum() * fwd(X), x)
            np.testing.assert_array_equal(g.data, 2 * x.data * want)
        for _ in range(2):  # and outside afterwards
            assert float(fwd(X).data) == want
    assert fwd.fallbacks == {}
    assert fwd.replays == 4
    assert hooks.active == 0 and hooks.attached.transform is None


class _Loss(Module):
    def __init__(self, net: Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, X, y):
        return self.net.loss(X, y)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_course_models_through_grad_and_functional_call_equal_a_plain_backward(name):
    cls = MODELS[name]
    seq = cls.loop.value == "sequence"
    d, K = (12, 12) if seq else ((3 * 8 * 8, 10) if name == "convnet" else (20, 10))
    net = cls.from_params(dict(cls.defaults), d=d, K=K, rng=np.random.default_rng(1),
                          dtype=np.float64)
    net.eval()  # (no running statistics moved between the two calls)
    rng = np.random.default_rng(3)
    X = rng.integers(0, d, 7) if seq else rng.standard_normal((6, d))
    y = rng.integers(0, K, 7 if seq else 6)
    w = _Loss(net)
    params = {k: v.detach() for k, v in w.named_parameters()}
    g = grad(lambda ps: functional_call(w, ps, (X, y)))(params)
    net.loss(X, y).backward()
    for k, p in net.named_parameters():
        np.testing.assert_array_equal(g["net." + k].data, p.grad, err_msg=k)
    assert hooks.active == 0 and hooks.attached.transform is None


@pytest.mark.parametrize("transform", ["grad", "vjp"])
def test_the_slot_is_emptied_after_a_keyboard_interrupt_inside(transform):
    def f(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _call(transform, f, tg.tensor(np.ones(3)))
    assert hooks.active == 0 and hooks.attached.transform is None
    x = tg.tensor(np.ones(2), requires_grad=True)  # a backward afterwards is not refused
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])

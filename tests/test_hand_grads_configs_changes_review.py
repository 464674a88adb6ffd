"""Second review of the hand-gradient configuration fixes: KLayer.hand_gradients' running-stat
side effects against loss()'s for every batch norm option, and compare_gradients' buffer
restore (rebinding forwards, shared buffers, held references, errors)."""

import itertools

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.gradcheck import compare_gradients, relative_error
from tinygrad_dl.models import KLayer
from tinygrad_dl.nn import BatchNorm1d, Linear, Module


def batch(n=5, d=4, K=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, K, n)


def autograd(model, X, y):
    model.zero_grad()
    model.loss(X, y).backward()
    return {n: (np.zeros_like(p.data) if p.grad is None else p.grad.copy())
            for n, p in model.named_parameters()}


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_hand_gradients_side_effects_match_loss_over_batch_norm_options(dropout):
    """Every affine/bias/track/momentum(None) combination, and running averages frozen by
    setting track_running_stats=False after warming them up (as torch users freeze them):
    hand_gradients moved those averages (and counted the batch) where loss() leaves them."""
    X, y = batch()
    for mode, affine, bias, track, momentum, frozen in itertools.product(
            ["train", "eval"], [True, False], [True, False], [True, False], [0.1, None],
            [False, True]):
        models = []
        for _ in range(2):
            model = KLayer(4, [3, 2], 3, dropout=dropout, lam=0.1,
                           rng=np.random.default_rng(7))
            for i in (1, 5 if dropout else 4):
                model.layers[i] = BatchNorm1d(model.layers[i].d, momentum=momentum,
                                              affine=affine, bias=bias,
                                              track_running_stats=track)
            model.loss(X * 2 + 1, y)  # running averages of another batch
            for m in model.layers:
                if frozen and isinstance(m, BatchNorm1d):
                    m.track_running_stats = False
            if mode == "eval":
                model.eval()
            models.append(model)
        a, b = models
        auto, hand = autograd(a, X, y), b.hand_gradients(X, y)
        case = (mode, affine, bias, track, momentum, frozen)
        assert list(hand) == list(auto), case
        for k in auto:
            assert relative_error(hand[k], auto[k]).max(initial=0) < 1e-10, (case, k)
        sa, sb = dict(a.named_buffers()), dict(b.named_buffers())
        assert list(sa) == list(sb), case
        for k in sa:  # bit-identical running averages and counts
            assert sa[k].dtype == sb[k].dtype and sa[k].tobytes() == sb[k].tobytes(), (case, k)


class Counting(Module):
    """A user module whose forward rebinds its buffers, torch-style (`self.n = self.n + 1`),
    one of them shared with a child."""

    def __init__(self):
        super().__init__()
        self.lin = Linear(2, 1, rng=np.random.default_rng(0))
        self.register_buffer("n", np.zeros((), np.int64))
        self.register_buffer("avg", np.zeros(2))
        self.lin.register_buffer("shared", self.avg)

    def forward(self, x):
        self.n = self.n + 1
        self.avg = self.avg * 0.9 + x.data.mean(0) * 0.1
        self.lin.shared = self.lin.shared + 1.0
        return self.lin(x)


def test_compare_gradients_restores_rebound_and_shared_buffers():
    """The restore wrote the values back into the arrays it had listed; a forward that rebinds
    a buffer left the module with the check's array (n = 14 calls counted, avg moved), and a
    shared buffer's second name was never listed."""
    model = Counting()
    held_n, held_avg = model.n, model.avg
    x = Tensor(np.arange(6.0).reshape(3, 2))

    def hand():
        return {k: np.zeros(p.shape) for k, p in model.named_parameters()}

    rows = compare_gradients(model, lambda: (model(x) ** 2).sum(), hand).rows
    assert all(r["autograd vs numerical"] < 1e-7 for r in rows)
    assert all(r["hand vs autograd"] > 0.5 for r in rows)  # the zero "hand" gradients caught
    assert model.n is held_n and model.avg is held_avg and model.lin.shared is held_avg
    assert int(model.n) == 0
    np.testing.assert_array_equal(model.avg, np.zeros(2))
    assert dict(model.named_buffers()).keys() == {"n", "avg"}

    with pytest.raises(ValueError, match="name no parameter"):  # restored on an error too
        compare_gradients(model, lambda: (model(x) ** 2).sum(), lambda: {"zz": 1.0})
    assert model.n is held_n and int(model.n) == 0 and model.lin.shared is held_avg
    np.testing.assert_array_equal(held_avg, np.zeros(2))

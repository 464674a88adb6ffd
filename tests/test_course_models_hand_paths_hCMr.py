"""hand_gradients of the course classifiers beyond the course's stacks, and the labels and
batches loss() refuses (review of 9b26698, hCMr).

KLayer.hand_gradients runs whatever model.layers holds: a module used in two places (one ReLU
instance reused, a PyTorch habit; a tied Linear; a shared batch norm) had its later uses
skipped (named_children() lists it once), and a stack ending in a ReLU (the last Linear
deleted) had its mask read off G (softmax_ce_grad works in place on the H its tape held):
silently wrong gradients. loss() counted a tied Linear's W twice in the L2 term. Masked
arrays reached hand_gradients and accuracy (the values under the mask used) while loss()
refuses them; label rows that hold no numbers (complex, str, object) were parsed or cast by
cross_entropy (torch refuses them) and refused by hand_gradients under a message about
their (right) shape. The oracle is torch 2.13, each module applied at each of its uses.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import functional as F
from tinygrad_dl import nn
from tinygrad_dl.models import KLayer, OneLayer, TwoLayer
from tinygrad_dl.nn import BatchNorm1d, Dropout, Linear, ReLU, Sequential

torch = pytest.importorskip("torch")


def torch_grads(model, X, y, masks):
    """J and dJ/dp (by qualified name) in torch, each module of model.layers run at every place
    it sits (its parameters shared), dropout by the given scaled masks, in order."""
    P = {id(p): torch.tensor(p.data, dtype=torch.float64, requires_grad=True)
         for _, p in model.named_parameters()}
    h, masks = torch.tensor(np.asarray(X, np.float64)), list(masks)
    for mod in model.layers:
        if isinstance(mod, Linear):
            h = h @ P[id(mod.W)].T + (P[id(mod.b)] if mod.b is not None else 0.0)
        elif isinstance(mod, BatchNorm1d):
            if mod.training or mod.running_mean is None:
                mu, v = h.mean(0), h.var(0, unbiased=False)
            else:
                mu, v = torch.tensor(mod.running_mean), torch.tensor(mod.running_var)
            h = (h - mu) / torch.sqrt(v + mod.eps)
            h = h * (P[id(mod.gamma)] if mod.gamma is not None else 1.0) + (
                P[id(mod.beta)] if mod.beta is not None else 0.0)
        elif isinstance(mod, ReLU):
            h = torch.relu(h)
        elif isinstance(mod, Dropout) and mod.training:
            h = h * torch.tensor(masks.pop(0))
    Y = torch.tensor(np.asarray(y, np.float64) if np.ndim(y) == 2 else np.asarray(y))
    weights = {id(m.W): m.W for m in model.layers if isinstance(m, Linear)}  # each W once
    J = torch.nn.functional.cross_entropy(h, Y) + model.lam * sum(
        (P[i] ** 2).sum() for i in weights)
    J.backward()
    return J.item(), {q: P[id(p)].grad.numpy() for q, p in model.named_parameters()}


def check(model, X, y, masks=(), rtol=1e-10):
    saved = {k: np.array(v, copy=True) for k, v in model.state_dict().items()}
    Jt, ref = torch_grads(model, X, y, masks)
    model.zero_grad()
    J = model.loss(X, y)
    J.backward()
    auto = {k: p.grad for k, p in model.named_parameters()}
    model.load_state_dict(saved)
    hand = model.hand_gradients(X, y)
    assert J.item() == pytest.approx(Jt, rel=1e-12)
    assert list(hand) == list(ref)
    top = max(float(np.abs(v).max()) for v in ref.values())
    for k, v in ref.items():
        np.testing.assert_allclose(auto[k], v, rtol=rtol, atol=1e-12 * top, err_msg=k)
        np.testing.assert_allclose(hand[k], v, rtol=rtol, atol=1e-12 * top, err_msg=k)


def batch(d=3, K=3, n=6, seed=1):
    rs = np.random.default_rng(seed)
    return rs.standard_normal((n, d)) * 2, rs.integers(0, K, n), rs


def keep_masks(model, rs, n):
    """A fixed keep mask on every Dropout; the scaled masks in forward order."""
    out, width = [], model.d
    for mod in model.layers:
        if isinstance(mod, Linear):
            width = mod.W.data.shape[0]
        elif isinstance(mod, Dropout) and mod.training:
            if mod.fixed_keep is None:  # (a Dropout met again keeps its mask)
                mod.fix_mask(rs.random((n, width)) >= mod.p)
            out.append(mod.fixed_keep / (1 - mod.p))
    return out


@pytest.mark.parametrize("rows", [False, True])
def test_one_relu_instance_reused_between_layers(rows):
    X, y, _ = batch()
    m = KLayer(3, [4, 4], 3, batch_norm=False, lam=0.1, rng=np.random.default_rng(0))
    relu = ReLU()
    m.layers = Sequential(m.layers[0], relu, m.layers[2], relu, m.layers[4])
    check(m, X, np.eye(3)[y] if rows else y)


def test_a_tied_linear_used_twice():
    X, y, _ = batch()
    m = KLayer(3, [4, 4], 3, batch_norm=False, lam=0.3, rng=np.random.default_rng(0))
    tied = m.layers[2]
    m.layers = Sequential(m.layers[0], ReLU(), tied, ReLU(), tied, ReLU(), m.layers[4])
    check(m, X, y)


def test_a_tied_linear_is_penalised_once_in_the_cost():
    X, y, _ = batch()
    m = KLayer(3, [4, 4], 3, batch_norm=False, lam=0.3, rng=np.random.default_rng(0))
    tied = m.layers[2]
    m.layers = Sequential(m.layers[0], ReLU(), tied, ReLU(), tied, ReLU(), m.layers[4])
    assert len(m.linears) == 3
    l2 = sum(float((lin.W.data ** 2).sum()) for lin in (m.layers[0], tied, m.layers[6]))
    assert m.loss(X, y).item() == pytest.approx(m.cross_entropy(X, y).item() + 0.3 * l2,
                                                rel=1e-13)


def test_one_batch_norm_shared_by_two_layers():
    X, y, rs = batch(n=7)
    m = KLayer(3, [4, 4], 3, batch_norm=True, lam=0.1, rng=np.random.default_rng(0))
    bn = m.layers[1]
    bn.gamma.data[...] = rs.standard_normal(4) + 1
    bn.beta.data[...] = rs.standard_normal(4)
    m.layers = Sequential(m.layers[0], bn, ReLU(), m.layers[3], bn, ReLU(), m.layers[6])
    check(m, X, y)


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_a_stack_ending_in_relu(dropout):
    """The last Linear deleted: logits are ReLU's output (then dropout's)."""
    X, y, rs = batch()
    m = KLayer(3, [3], 3, batch_norm=False, dropout=dropout, lam=0.1,
               rng=np.random.default_rng(0))
    del m.layers[-1]
    check(m, X, y, keep_masks(m, rs, len(X)))


def test_two_layer_refuses_one_linear_in_both_places():
    m = TwoLayer(3, 3, 3, rng=np.random.default_rng(0))
    m.layers = Sequential(m.layers[0], ReLU(), m.layers[0])
    X, y, _ = batch()
    with pytest.raises(TypeError, match="one module in two places"):
        m.hand_gradients(X, y)


def test_random_stacks_hand_autograd_torch():
    """Seeded stacks: ReLUs shared, Linears tied, a last Linear deleted, batch norms shared,
    dropout, one-hot / soft / index labels."""
    for seed in range(40):
        rs = np.random.default_rng(seed)
        h = int(rs.integers(1, 4))
        bn, drop = bool(seed % 2), float(rs.choice([0.0, 0.4]))
        m = KLayer(3, [h, h, h], 3, batch_norm=bn, dropout=drop, lam=float(rs.choice([0, .2])),
                   rng=np.random.default_rng(seed))
        layers = list(m.layers)
        groups = [i for i, mod in enumerate(layers) if isinstance(mod, Linear)]
        relu = ReLU()
        if seed % 3 == 0:  # one ReLU everywhere
            layers = [relu if isinstance(mod, ReLU) else mod for mod in layers]
        if seed % 4 == 1:  # the third hidden block reuses the second's modules
            layers[groups[2]:groups[3]] = layers[groups[1]:groups[2]]
        if seed % 5 == 2:  # no output layer: the last hidden block's output are the logits
            layers = layers[:groups[3]]
        m.layers = Sequential(*layers)
        K = m.K if seed % 5 != 2 else h
        n = int(rs.integers(3, 7))
        X = rs.standard_normal((n, 3)) * 2
        y = [rs.integers(0, K, n), np.eye(K)[rs.integers(0, K, n)],
             rs.dirichlet(np.ones(K), n)][seed % 3]
        m.K = K
        check(m, X, y, keep_masks(m, rs, n), rtol=1e-9)


@pytest.mark.parametrize("kind", ["BatchNorm2d", "BatchNorm3d", "Dropout2d", "Dropout3d"])
def test_image_subclasses_refused_as_loss_refuses_them(kind):
    """Subclasses of BatchNorm1d / Dropout whose forward takes images: loss() refuses the
    rows (n, h); hand_gradients ran a BatchNorm2d as a BatchNorm1d, a Dropout2d with one mask
    for the whole batch, without a word."""
    X, y, _ = batch()
    m = KLayer(3, [4], 3, batch_norm=True, rng=np.random.default_rng(0))
    m.layers[1] = getattr(nn, kind)(4) if kind.startswith("Batch") else getattr(nn, kind)(0.5)
    with pytest.raises(ValueError, match=kind):
        m.loss(X, y)
    with pytest.raises(TypeError, match=f"no backward for {kind}"):
        m.hand_gradients(X, y)


@pytest.mark.parametrize("what", ["X", "y indices", "y rows"])
def test_masked_batches_refused_as_loss_refuses_them(what):
    X, y, _ = batch()
    m = OneLayer(3, 3, rng=np.random.default_rng(0))
    mask = np.zeros_like(X, bool)
    mask[0, 0] = True
    args = {"X": (np.ma.masked_array(X, mask), y),
            "y indices": (X, np.ma.masked_array(y, np.eye(1, len(y), dtype=bool)[0])),
            "y rows": (X, np.ma.masked_array(np.eye(3)[y], np.eye(len(y), 3, dtype=bool)))}
    with pytest.raises(TypeError, match="masked array"):
        m.loss(*args[what])
    with pytest.raises(TypeError, match="masked array"):
        m.hand_gradients(*args[what])
    with pytest.raises(TypeError, match="masked array"):
        m.accuracy(*args[what])


@pytest.mark.parametrize("dtype", [complex, object, str])
def test_label_rows_that_hold_no_numbers(dtype):
    X, y, _ = batch()
    m = TwoLayer(3, 4, 3, rng=np.random.default_rng(0))
    Y = np.eye(3)[y].astype(dtype)
    for call in (m.loss, m.hand_gradients, m.accuracy):
        with pytest.raises(ValueError, match=f"real numbers, got dtype {Y.dtype}"):
            call(X, Y)


def test_cross_entropy_refuses_complex_soft_targets_as_torch():
    z = np.random.default_rng(0).standard_normal((4, 3))
    Y = np.eye(3)[[0, 1, 2, 0]]
    with pytest.raises(RuntimeError, match="floating point"):
        torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(Y.astype(complex)))
    with pytest.raises(ValueError, match="cross_entropy: one-hot / soft targets must hold real"):
        F.cross_entropy(z, Y.astype(complex))

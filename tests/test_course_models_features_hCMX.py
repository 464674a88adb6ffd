"""The course models under the torch features (hCMX): module hooks, nn.utils.prune,
parametrizations (weight_norm, spectral_norm), optim.swa_utils, func / functional_call,
utils.checkpoint, and saving, each checked against the same model's plain run (bit for bit
where the arithmetic is the same) or for a clear one-line refusal.

Compared: every submodule's forward pre-/forward/full backward hooks, the Sequential
`model.layers` included, run once per call in forward, loss, `fit` / `fit_rnn` eagerly and
under jit; a pruned model's `synthesize` and `hand_gradients` after an optimizer step against
a plain twin holding the weights forward computes (W_orig * mask); KLayer's hand-derived
gradient with pruned / weight-normed layers against autograd; save_model of a pruned model;
AveragedModel, functional_call + func.grad and checkpoint of the layers against the plain run.

Left out: a pruned model's deep copy (AveragedModel, copy.deepcopy) raises, as torch's does (the
computed W is an op's result); update_bn's biased running variance is the course's (documented
in BatchNorm1d). Torch is not needed here: the oracle is the plain model (the features' own
torch differentials are tests/test_prune_torch_hPRUNE.py, test_swa_utils_torch_hSWA.py, ...).
"""

from __future__ import annotations

import copy
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from oracle import one_line

import tinygrad_dl as tg
from tinygrad_dl import func
from tinygrad_dl import functional as F
from tinygrad_dl.checkpoint import load_model, save_model
from tinygrad_dl.data.text import CharData
from tinygrad_dl.gradcheck import compare_gradients
from tinygrad_dl.models import CharRNN, KLayer, OneLayer, TwoLayer
from tinygrad_dl.nn import Linear
from tinygrad_dl.nn.utils import prune
from tinygrad_dl.nn.utils.parametrizations import weight_norm
from tinygrad_dl.nn.utils.stateless import functional_call
from tinygrad_dl.optim import SGD
from tinygrad_dl.optim.swa_utils import AveragedModel
from tinygrad_dl.train import fit, fit_rnn
from tinygrad_dl.utils.checkpoint import checkpoint


def classifier(kind: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    if kind == 0:
        return OneLayer(4, 3, lam=0.1, std=0.5, rng=rng)
    if kind == 1:
        return TwoLayer(4, 5, 3, lam=0.1, std=0.5, rng=rng)
    if kind == 2:
        return KLayer(4, [5, 5], 3, lam=0.1, rng=rng)
    return KLayer(4, [5], 3, lam=0.1, batch_norm=False, dropout=0.3, rng=rng)


def batch(seed: int = 0, n: int = 6):
    rs = np.random.default_rng(seed)
    return rs.standard_normal((n, 4)), rs.integers(0, 3, n)


SEQ = np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4])


def step(model, X, y, lr=0.5):
    """One SGD step of model.loss: the pruned W computed before it is stale after it."""
    opt = SGD(model.parameters(), lr=lr)
    opt.zero_grad()
    model.loss(X, y).backward()
    opt.step()


def counting(model):
    """A forward pre-hook, forward hook and full backward hook on every module (the model
    and its containers included); returns the counts by (name, kind)."""
    counts: dict = {}

    def hook(name, kind):
        def fn(*_):
            counts[(name, kind)] = counts.get((name, kind), 0) + 1
        return fn
    for name, mod in model.named_modules():
        mod.register_forward_pre_hook(hook(name, "pre"))
        mod.register_forward_hook(hook(name, "fwd"))
        mod.register_full_backward_hook(hook(name, "bwd"))
    return counts


# ---- bugs found ----------------------------------------------------------------------------
@pytest.mark.parametrize("fused", [False, True])
def test_pruned_char_rnn_synthesize_reads_the_weights_after_a_step(fused):
    """synthesize read model.W as the last forward computed it (W_orig * mask before the
    optimizer step): fit_rnn's samples came from the previous weights, without a word."""
    m = CharRNN(5, m=4, std=0.5, rng=np.random.default_rng(1), fused=fused)
    prune.l1_unstructured(m, "W", 0.5)
    step(m, *SEQ)
    twin = CharRNN(5, m=4, std=0.5, rng=np.random.default_rng(1), fused=fused)
    with tg.no_grad():
        for n in "UVbc":
            getattr(twin, n).data[...] = getattr(m, n).data
        twin.W.data[...] = m.W_orig.data * m.W_mask
    for T in (1.0, 0.0):
        ours = m.synthesize(None, 0, 40, temperature=T, rng=np.random.default_rng(3))
        ref = twin.synthesize(None, 0, 40, temperature=T, rng=np.random.default_rng(3))
        np.testing.assert_array_equal(ours, ref)


@pytest.mark.parametrize("kind", range(4))
def test_pruned_classifier_hand_gradients_after_a_step(kind):
    """hand_gradients read the pruned W of the last forward: after a step, the gradient at
    the old weights (OneLayer / TwoLayer, 0.1 off), a KeyError on the W's id (KLayer). Now
    the gradient at the weights forward computes, keyed "layers.i.W": times the mask, it is
    autograd's gradient of W_orig."""
    m = classifier(kind)
    if kind == 3:  # a fixed dropout mask, so the hand pass and autograd see the same one
        m.layers[2].fix_mask(np.random.default_rng(5).random((6, 5)) >= 0.3)
    for lin in m.layers:
        if isinstance(lin, Linear):
            prune.l1_unstructured(lin, "W", 0.4)
    X, y = batch()
    step(m, X, y)
    bn = [b.copy() for b in m.buffers()]
    hand = m.hand_gradients(X, y)
    for b, saved in zip(m.buffers(), bn):  # (the autograd pass sees the same statistics)
        b[...] = saved
    m.zero_grad()
    m.loss(X, y).backward()
    for path, mod in m.layers.named_children():
        for name, p in mod.named_parameters():
            if name == "weight_orig":
                g, ref = hand[f"layers.{path}.W"] * mod.weight_mask, p.grad
            else:
                g, ref = hand[f"layers.{path}.{name}"], p.grad
            np.testing.assert_allclose(g, ref, rtol=1e-10, atol=1e-13)


def test_pruned_char_rnn_hand_gradients_after_a_step():
    m = CharRNN(5, m=4, std=0.5, rng=np.random.default_rng(1))
    prune.l1_unstructured(m, "W", 0.5)
    step(m, *SEQ)
    hand = m.hand_gradients(*SEQ)
    m.zero_grad()
    m.loss(*SEQ).backward()
    np.testing.assert_allclose(hand["W"] * m.W_mask, m.W_orig.grad, rtol=1e-10, atol=1e-13)
    for n in "UVbc":
        np.testing.assert_allclose(hand[n], getattr(m, n).grad, rtol=1e-10, atol=1e-13)


def test_klayer_hand_gradients_with_weight_norm_keyed_by_layer():
    """A weight-normed KLayer's hand_gradients raised KeyError (the computed W's id): now its
    gradient at the computed W, keyed "layers.0.W" (as OneLayer's), which compare_gradients
    refuses in one line (no parameter of that name: the parameters are the norm's)."""
    m = classifier(2)
    twin = copy.deepcopy(m)
    weight_norm(m.layers[0], "W")
    X, y = batch()
    bn = [b.copy() for b in m.buffers()]
    hand = m.hand_gradients(X, y)
    for b, saved in zip(m.buffers(), bn):
        b[...] = saved
    twin.zero_grad()
    twin.loss(X, y).backward()
    for q, p in twin.named_parameters():
        np.testing.assert_allclose(hand[q], p.grad, rtol=1e-9, atol=1e-13)
    with pytest.raises(ValueError) as e:
        compare_gradients(m, lambda: m.loss(X, y), lambda: m.hand_gradients(X, y))
    one_line(e, "layers.0.W", "name no parameter")


@pytest.mark.parametrize("kind", range(3))
def test_hooks_on_the_layers_container_run(kind):
    """The classifiers ran self.layers module by module: a hook on the Sequential itself
    never ran (a forward hook's returned logits dropped, without a word)."""
    m = classifier(kind)
    X, y = batch()
    with tg.no_grad():
        ref = m.forward(X).data.copy()
    calls = []
    m.layers.register_forward_pre_hook(lambda mod, args: calls.append("pre"))
    m.layers.register_forward_hook(lambda mod, args, out: out * 1.5)
    with tg.no_grad():
        np.testing.assert_array_equal(m(X).data, ref * 1.5)
    assert calls == ["pre"]
    m.eval()
    assert m.accuracy(X, y) == np.mean((ref * 1.5).argmax(axis=1) == y)


@pytest.mark.parametrize("use_jit", [False, True])
@pytest.mark.parametrize("kind", range(4))
def test_every_module_hook_runs_in_forward_loss_and_fit(kind, use_jit):
    m = classifier(kind)
    counts = counting(m)
    X, y = batch()
    names = [n for n, _ in m.named_modules()]
    m(X)
    assert {n for n, k in counts if k == "fwd"} == set(names)
    counts.clear()
    m.loss(X, y).backward()
    assert {n for n, k in counts if k == "bwd"} == set(names)
    counts.clear()
    rs = np.random.default_rng(2)
    data = SimpleNamespace(X_train=rs.standard_normal((8, 4)), y_train=rs.integers(0, 3, 8))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (jit's: the hooks make the step run eagerly)
        fit(m, data, epochs=2, n_batch=4, eta=0.01, progress=False, jit=use_jit)
    # 4 updates; forwards: 4 steps + the evaluations (step 0, 2 epochs: train cost + accuracy)
    for n in names:
        assert counts[(n, "pre")] == counts[(n, "fwd")] == 10, (n, counts)
        assert counts[(n, "bwd")] == 4, (n, counts)


@pytest.mark.parametrize("use_jit", [False, True])
def test_char_rnn_hooks_and_pruning_in_fit_rnn(use_jit):
    """fit_rnn's samples of a pruned CharRNN come from the weights of that step (a plain twin
    replaying the same updates gives the same texts), hooks run once per update."""
    data = CharData("abcdeabcdeabcdeabcdedcba")
    texts = []
    mask = np.random.default_rng(4).random((4, 4)) > 0.4
    for pruned in (True, False):
        m = CharRNN(5, m=4, std=0.5, rng=np.random.default_rng(1))
        if pruned:
            prune.custom_from_mask(m, "W", mask)
            calls = counting(m)
        else:  # the plain twin: the same masked start, its masked entries frozen at 0
            m.W.data[...] *= mask
            m.W.register_hook(lambda g: g * mask)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h = fit_rnn(m, data, eta=1.0, seq_length=4, n_updates=6, jit=use_jit, progress=False,
                        print_fn=None, sample_every=2, sample_length=60)
        texts.append([s["text"] for s in h.meta["samples"]])
        if pruned:
            assert calls[("", "fwd")] == calls[("", "bwd")] == 6
    assert texts[0] == texts[1]


def test_save_model_refuses_a_pruned_model(tmp_path):
    """save_model wrote a pruned model that load_model could not rebuild (missing W,
    unexpected weight_orig / weight_mask): refused at save now; the state dict round-trips
    into a model pruned alike."""
    m = classifier(1)
    prune.l1_unstructured(m.layers[0], "W", 0.5)
    X, y = batch()
    with pytest.raises(ValueError) as e:
        save_model(m, tmp_path / "a.npz")
    one_line(e, "pruned", "prune.remove")
    assert not (tmp_path / "a.npz").exists()
    with pytest.raises(ValueError):
        tg.save(m, tmp_path / "b.npz")
    prune.remove(m.layers[0], "W")
    save_model(m, tmp_path / "c.npz")
    assert float(load_model(tmp_path / "c.npz").loss(X, y).item()) == float(m.loss(X, y).item())


# ---- held: the features against the plain run ---------------------------------------------
@pytest.mark.parametrize("kind", range(5))
def test_functional_call_grad_averaged_and_checkpoint_equal_the_plain_run(kind):
    if kind < 4:
        m, (X, y), red = classifier(kind), batch(), "mean"
    else:
        m, (X, y), red = CharRNN(5, m=4, std=0.5, rng=np.random.default_rng(1)), SEQ, "sum"
    if kind == 3:
        m.eval()  # (no dropout draw: each call the same)
    new = {k: tg.Tensor(v.data * 1.1) for k, v in m.named_parameters()}
    twin = copy.deepcopy(m)
    with tg.no_grad():
        for k, v in twin.named_parameters():
            v.data[...] = new[k].data
    g = func.grad(lambda p: F.cross_entropy(functional_call(m, p, (X,)), y, reduction=red))(new)
    twin.zero_grad()
    F.cross_entropy(twin(X), y, reduction=red).backward()
    for k, v in twin.named_parameters():
        np.testing.assert_array_equal(np.asarray(getattr(g[k], "data", g[k])), v.grad)
    a = AveragedModel(m)
    a.update_parameters(twin)  # (the first update copies: the average is twin's weights)
    a.update_parameters(twin)
    assert float(a.module.loss(X, y).item()) == float(twin.loss(X, y).item())
    if kind < 4:
        m.zero_grad()
        F.cross_entropy(checkpoint(m.layers, tg.Tensor(X), use_reentrant=False), y).backward()
        grads = [p.grad.copy() for p in m.parameters()]
        m.zero_grad()
        m.cross_entropy(X, y).backward()
        for g1, p in zip(grads, m.parameters()):
            np.testing.assert_array_equal(g1, p.grad)

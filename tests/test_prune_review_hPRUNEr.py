"""Review of nn.utils.prune (hPRUNEr): the course classifiers ran their layers' forward() and
skipped the layers' hooks (a pruned layer's W stayed the one computed at pruning: stale after
a load_state_dict or an optimizer step, and the second backward through it raised), their L2
term read W before the forward that computes it, and MultiheadAttention's out_proj (and the
transformer layers' linear1/linear2) could be neither pruned nor parametrized ("no parameter
'weight'"). Against torch 2.13 in float64."""

from __future__ import annotations

import types
import warnings

import numpy as np
import pytest
from oracle import mismatch, one_line, torch_float64  # noqa: F401

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.models import KLayer, OneLayer, TwoLayer
from tinygrad_dl.nn.utils import parametrize, prune
from tinygrad_dl.train.minibatch import fit

torch = pytest.importorskip("torch")
TP = pytest.importorskip("torch.nn.utils.prune")
pytestmark = pytest.mark.usefixtures("torch_float64")


@pytest.mark.parametrize("make", [lambda: OneLayer(5, 3, rng=np.random.default_rng(1)),
                                  lambda: TwoLayer(5, 4, 3, rng=np.random.default_rng(1)),
                                  lambda: KLayer(5, [4], 3, rng=np.random.default_rng(1))])
def test_a_course_classifiers_layer_hooks_run(make):
    model = make()
    X = np.random.default_rng(0).normal(size=(6, 5))
    plain = model(X).data
    seen = []
    lin = model.layers[0]
    lin.register_forward_pre_hook(lambda m, args: seen.append("pre"))
    handle = lin.register_forward_hook(lambda m, args, out: out * 2.0)
    with_hook = model(X).data
    assert seen == ["pre"]  # (ran no hook: forward() alone was called)
    handle.remove()  # (the doubling off: the same logits again)
    assert np.array_equal(model(X).data, plain)
    assert not np.array_equal(with_hook, plain)


def _torch_twin(model):
    """torch Linears holding the model's Linears' W and b (the ReLUs between them)."""
    lins = [m for m in model.layers if isinstance(m, nn.Linear)]
    out = []
    for lin in lins:
        t = torch.nn.Linear(lin.W.shape[1], lin.W.shape[0])
        with torch.no_grad():
            t.weight.copy_(torch.tensor(lin.W.data))
            t.bias.copy_(torch.tensor(lin.b.data))
        out.append(t)
    return lins, out


@pytest.mark.parametrize("lam", [0.0, 0.1])
@pytest.mark.parametrize("two", [False, True])
def test_a_pruned_course_model_trains_with_its_loss_as_torch(lam, two):
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(10, 5)), rng.integers(0, 3, 10)
    model = (TwoLayer(5, 4, 3, lam=lam, rng=np.random.default_rng(2)) if two
             else OneLayer(5, 3, lam=lam, rng=np.random.default_rng(2)))
    lins, ts = _torch_twin(model)
    for lin, t in zip(lins, ts):  # (the course's names: W and b)
        prune.l1_unstructured(lin, "W", 0.4)
        prune.random_unstructured(lin, "b", 1)
        TP.custom_from_mask(t, "weight", torch.tensor(lin.weight_mask))
        TP.custom_from_mask(t, "bias", torch.tensor(lin.bias_mask))
    opt = tg.optim.SGD(model.parameters(), lr=0.3)
    for _ in range(3):
        opt.zero_grad()
        for t in ts:
            t.zero_grad()
        model.loss(X, y).backward()  # (the second step raised: a freed graph's W)
        h = torch.tensor(X)
        for i, t in enumerate(ts):
            h = t(h) if i == 0 else t(torch.relu(h))
        J = torch.nn.functional.cross_entropy(h, torch.tensor(y))
        J = J + lam * sum((t.weight ** 2).sum() for t in ts)
        J.backward()
        opt.step()
        with torch.no_grad():  # (torch's SGD by hand: torch.optim's first import costs ~1 s)
            for t in ts:
                for p in t.parameters():
                    p -= 0.3 * p.grad
        for lin, t in zip(lins, ts):
            assert mismatch(lin.weight_orig.data, t.weight_orig.detach().numpy()) is None
            assert mismatch(lin.bias_orig.data, t.bias_orig.detach().numpy()) is None
    with tg.no_grad():  # (the logits of the weights now, not of those pruned at the start)
        S = model(X).data
    h = torch.tensor(X)
    for i, t in enumerate(ts):
        h = t(h) if i == 0 else t(torch.relu(h))
    assert mismatch(S, h.detach().numpy()) is None


def test_a_pruned_course_model_reads_a_loaded_state_dict():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4, 5))
    model = OneLayer(5, 3, rng=np.random.default_rng(1))
    lin = model.layers[0]
    prune.ln_structured(lin, "W", 1, 2, 0)
    state = {k: np.asarray(v) * 3.0 for k, v in model.state_dict().items()}
    state["layers.0.weight_mask"] = np.ones((3, 5))
    model.load_state_dict(state)
    with tg.no_grad():
        S = model(X).data
    assert mismatch(S, X @ lin.weight_orig.data.T + lin.b.data) is None
    assert np.array_equal(lin.W.data, lin.weight_orig.data)  # (the new mask: all kept)


@pytest.mark.parametrize("lam", [0.0, 0.1])
def test_the_course_fit_loop_trains_a_pruned_model(lam):
    rng = np.random.default_rng(4)
    data = types.SimpleNamespace(X_train=rng.normal(size=(30, 6)), y_train=rng.integers(0, 3, 30),
                                 X_val=rng.normal(size=(9, 6)), y_val=rng.integers(0, 3, 9))
    model = OneLayer(6, 3, lam=lam, rng=np.random.default_rng(1))
    lin = model.layers[0]
    prune.l1_unstructured(lin, "W", 0.5)
    start = lin.weight_orig.data.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (jit's: a module with hooks runs eagerly)
        fit(model, data, epochs=2, n_batch=10, eta=0.1, progress=False)
    assert not np.array_equal(lin.weight_orig.data, start)
    assert np.array_equal(lin.W.data, lin.weight_orig.data * lin.weight_mask)


def _mha_pair():
    torch.manual_seed(0)
    t, m = torch.nn.MultiheadAttention(4, 2), nn.MultiheadAttention(4, 2)
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.randn_like(p))
    m.load_state_dict(t.state_dict())
    return t, m


def test_mha_out_proj_is_pruned_as_torch():
    t, m = _mha_pair()
    TP.l1_unstructured(t.out_proj, "weight", 5)
    prune.l1_unstructured(m.out_proj, "weight", 5)
    TP.ln_structured(t, "in_proj_weight", 2, 1, 0)
    prune.ln_structured(m, "in_proj_weight", 2, 1, 0)
    assert list(m.state_dict()) == list(t.state_dict())
    q = np.random.default_rng(5).normal(size=(3, 2, 4))
    yt, yo = t(*(torch.tensor(q),) * 3)[0], m(*(tg.Tensor(q),) * 3)[0]
    assert mismatch(yo.data, yt.detach().numpy()) is None
    yt.sum().backward()
    yo.sum().backward()
    assert mismatch(m.out_proj.weight_orig.grad, t.out_proj.weight_orig.grad.numpy()) is None
    prune.remove(m.out_proj, "weight")
    assert "weight" in m.out_proj._parameters and m.out_proj.W is m.out_proj.weight


def test_transformer_linears_are_pruned_and_parametrized():
    enc = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0)
    prune.l1_unstructured(enc.linear1, "weight", 3)
    assert "linear1.weight_orig" in enc.state_dict()

    class Twice(nn.Module):
        def forward(self, w):
            return 2.0 * w

    t, m = _mha_pair()

    class TTwice(torch.nn.Module):
        def forward(self, w):
            return 2.0 * w

    torch.nn.utils.parametrize.register_parametrization(t.out_proj, "weight", TTwice())
    parametrize.register_parametrization(m.out_proj, "weight", Twice())
    assert list(m.state_dict()) == list(t.state_dict())
    q = np.random.default_rng(6).normal(size=(3, 2, 4))
    yt, yo = t(*(torch.tensor(q),) * 3)[0], m(*(tg.Tensor(q),) * 3)[0]
    assert mismatch(yo.data, yt.detach().numpy()) is None


def test_a_fortran_ordered_or_transposed_mask_so_far_is_pruned_into():
    w = np.random.default_rng(8).normal(size=(3, 4))
    for so_far in (np.asfortranarray(np.ones((3, 4))), np.ones((4, 3)).T):
        for ours, theirs in ((prune.L1Unstructured(5), TP.L1Unstructured(5)),
                             (prune.RandomUnstructured(5), TP.RandomUnstructured(5))):
            got = ours.compute_mask(w, so_far)  # (pruned nothing: a copy was written)
            want = theirs.compute_mask(torch.tensor(w), torch.tensor(so_far)).numpy()
            assert (got == 0).sum() == (want == 0).sum() == 5
        got = prune.L1Unstructured(5).prune(w, default_mask=so_far)
        assert np.array_equal(got, TP.L1Unstructured(5).prune(
            torch.tensor(w), default_mask=torch.tensor(so_far)).numpy())


def test_prune_keeps_the_tensors_dtype_as_torch():
    w = np.random.default_rng(9).normal(size=(3, 4))
    for dt, tdt in ((np.float32, torch.float32), (np.int64, torch.int64)):
        a = (w * 10).astype(dt)
        for t in (a, tg.Tensor(a)):
            got = prune.L1Unstructured(5).prune(t)
            want = TP.L1Unstructured(5).prune(torch.tensor(a)).numpy()
            assert got.dtype == want.dtype == dt and np.array_equal(np.asarray(
                got.data if isinstance(got, tg.Tensor) else got), want)
        assert TP.L1Unstructured(5).prune(torch.tensor(a)).dtype == tdt


def test_a_bool_amount_is_refused():
    for amount in (True, False):
        for cls, rest in ((prune.L1Unstructured, ()), (prune.LnStructured, (2,)),
                          (prune.RandomStructured, ()), (prune.RandomUnstructured, ())):
            with pytest.raises(TypeError) as e:
                cls(amount, *rest)
            one_line(e, "bool")
    with pytest.raises(TypeError):  # (torch's L1Unstructured fails on True in topk)
        TP.L1Unstructured(True).compute_mask(torch.ones(3), torch.ones(3))
    lin = nn.Linear(3, 2)
    with pytest.raises(TypeError):
        prune.random_unstructured(lin, "weight", True)
    assert not prune.is_pruned(lin)


def test_global_importance_scores_of_another_shape_are_refused():
    m1, m2 = nn.Linear(3, 2), nn.Linear(2, 2)
    for scores in (np.ones(5), np.ones((3, 2))):  # (torch: an IndexError; read transposed)
        with pytest.raises(AssertionError) as e:
            prune.global_unstructured([(m2, "weight"), (m1, "weight")], prune.L1Unstructured,
                                      importance_scores={(m1, "weight"): scores}, amount=2)
        one_line(e, "importance_scores")
        assert not prune.is_pruned(m1) and not prune.is_pruned(m2)


def test_a_write_into_the_computed_weight_is_refused_not_lost():
    m = nn.Linear(3, 2)
    prune.l1_unstructured(m, "weight", 2)
    x = tg.Tensor(np.ones((1, 3)))
    for when in ("pruned", "forward", "backward"):
        if when == "forward":
            y = m(x)
        if when == "backward":
            y.sum().backward()
        before = m.weight_orig.data.copy()
        for write in (lambda: nn.init.normal_(m.weight), m.reset_parameters):
            with pytest.raises(RuntimeError) as e:  # (torch's lands in W, lost at forward)
                write()
            one_line(e, "weight_orig")
        assert np.array_equal(m.weight_orig.data, before)
    nn.init.ones_(m.weight_orig)  # (what the message says to do)
    m(x)
    assert np.array_equal(m.W.data, m.weight_mask)


def test_pruning_a_parametrized_tensor_says_what_to_prune():
    t = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 2))
    with pytest.raises(TypeError):
        TP.l1_unstructured(t, "weight", 2)
    m = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2))
    for name in ("weight", "W"):
        with pytest.raises(TypeError) as e:
            prune.l1_unstructured(m, name, 2)
        one_line(e, "parametrizations.weight")
    assert not prune.is_pruned(m)
    prune.l1_unstructured(m.parametrizations.weight, "original1", 2)
    assert (m.parametrizations.weight.original1_mask == 0).sum() == 2


def test_a_refused_global_pruning_leaves_every_module_as_it_was():
    lin, bn, t_lin, t_bn = nn.Linear(3, 2), nn.BatchNorm1d(2), torch.nn.Linear(3, 2), \
        torch.nn.BatchNorm1d(2)
    with pytest.raises(TypeError):  # (torch's pruned the Linear before refusing)
        TP.global_unstructured([(t_lin, "weight"), (t_bn, "running_mean")], TP.L1Unstructured,
                               amount=2)
    assert TP.is_pruned(t_lin)
    for pairs, err in (([(lin, "weight"), (bn, "running_mean")], TypeError),
                       ([(lin, "W"), (lin, "nothing")], AttributeError)):
        with pytest.raises(err) as e:
            prune.global_unstructured(pairs, prune.L1Unstructured, amount=2)
        one_line(e)
        assert not prune.is_pruned(lin) and list(lin.state_dict()) == ["W", "b"]
    prune.l1_unstructured(lin, "W", 1)  # (a pruned one is a candidate again: its kept entries)
    prune.global_unstructured([(lin, "weight")], prune.L1Unstructured, amount=2)
    assert lin.weight_mask.sum() == 3

"""PyTorch's nn spellings (issue 21): Linear's (out, in) weight and signature, the old layout in
checkpoints and training states, Parameter, Module.to, the activation and loss layers (against
torch where it is installed), Flatten(start, end), nn.functional as an alias."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_dl as tg
from tinygrad_dl import Tensor, checkpoint, nn
from tinygrad_dl import functional as F
from tinygrad_dl.gradcheck import gradcheck
from tinygrad_dl.models import KLayer, OneLayer, TwoLayer
from tinygrad_dl.testing import arrays, check_grad


def _torch():  # torch is an optional oracle: tests that need it skip without it
    return pytest.importorskip("torch")


# ---- import paths ------------------------------------------------------------------------------
def test_import_tinygrad_dl_brings_nn_optim_autograd_utils():
    assert tg.nn.Linear is nn.Linear and tg.optim.SGD is tg.optim.sgd.SGD
    assert tg.autograd.Function is not tg.Function  # the PyTorch style beside the engine's
    assert tg.utils.data.DataLoader.__name__ == "DataLoader"
    import tinygrad_dl.nn.functional as F2
    from tinygrad_dl.nn import functional as F3
    from tinygrad_dl.optim.lr_scheduler import StepLR

    assert F2 is F and F3 is F and tg.nn.functional is F  # one module, two names
    assert StepLR is tg.optim.lr_scheduler.StepLR


# ---- Linear: PyTorch's layout and signature ------------------------------------------------------
def test_linear_weight_is_out_by_in_and_forward_is_x_wt_plus_b():
    lin = nn.Linear(in_features=5, out_features=3)
    assert lin.weight.shape == (3, 5) and lin.bias.shape == (3,)
    assert (lin.in_features, lin.out_features) == (5, 3)
    x = np.random.default_rng(0).standard_normal((4, 5))
    np.testing.assert_allclose(lin(Tensor(x)).data, x @ lin.weight.data.T + lin.bias.data,
                               rtol=1e-15)
    assert nn.Linear(5, 3, False).bias is None  # the third argument is bias, as in PyTorch
    with pytest.raises(TypeError, match="third argument is bias"):
        nn.Linear(5, 3, "he")


def test_linear_default_init_is_pytorchs_uniform():
    lin = nn.Linear(400, 300, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(400)
    for a in (lin.W.data, lin.b.data):
        assert a.min() >= -bound and a.max() < bound
        assert abs(a.std() / (bound / np.sqrt(3)) - 1) < 0.1  # U(-b, b) has std b / sqrt(3)


def test_gaussian_inits_draw_the_same_numbers_as_the_old_layout():
    """A seed gives the weights it gave when W was (in, out), transposed: old runs reproduce."""
    lin = nn.Linear(6, 4, init="he", rng=np.random.default_rng(3))
    old = np.random.default_rng(3).standard_normal((6, 4)) * np.sqrt(2 / 6)
    np.testing.assert_array_equal(lin.W.data, old.T)
    assert lin.W.data.flags.c_contiguous and not lin.b.data.any()


def test_linear_gradcheck_in_the_new_layout():
    rng = np.random.default_rng(4)
    lin = nn.Linear(4, 3, rng=rng)

    def f(x, W, b):
        lin.W, lin.b = W, b
        return lin(x)

    rep = gradcheck(f, [Tensor(rng.standard_normal((5, 4)), requires_grad=True), lin.W, lin.b])
    assert rep.passed, str(rep)


def test_linear_matches_torch_given_the_same_weights():
    """Equal to round-off. The weights once came from the global generator, so they depended
    on the tests run before in the same process (xdist's order): an output of 1.4e-3 summed
    from terms near 1 differed from torch's (another summation order) by 2.8e-17, a relative
    2e-14, and `rtol=1e-14` failed now and then. Now seeded, and compared to round-off at
    the size of the terms summed (|x| |W|^T + |b|), which any order meets."""
    torch = _torch()
    for seed in range(20):
        lin = nn.Linear(3, 2, rng=np.random.default_rng(seed))
        t = torch.nn.Linear(3, 2).double()
        with torch.no_grad():
            t.weight.copy_(torch.from_numpy(lin.weight.data))  # same shape: no transpose
            t.bias.copy_(torch.from_numpy(lin.bias.data))
        x = np.random.default_rng(100 + seed).standard_normal((4, 3))
        terms = np.abs(x) @ np.abs(lin.weight.data).T + np.abs(lin.bias.data)
        got, want = lin(Tensor(x)).data, t(torch.from_numpy(x)).detach().numpy()
        assert np.all(np.abs(got - want) <= 4 * np.finfo(np.float64).eps * terms), seed


@pytest.mark.parametrize("Model,args", [(OneLayer, (6, 3)), (TwoLayer, (6, 5, 3)),
                                        (KLayer, (6, [5, 4], 3))])
def test_course_hand_gradients_agree_with_autograd_in_the_new_layout(Model, args):
    model = Model(*args, lam=0.1, rng=np.random.default_rng(0))
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((7, 6)), rng.integers(0, 3, 7)
    model.zero_grad()
    model.loss(X, y).backward()
    hand = model.hand_gradients(X, y)
    for name, p in model.named_parameters():
        np.testing.assert_allclose(hand[name], p.grad, rtol=1e-9, atol=1e-12, err_msg=name)
    W = model.linears[0].W
    assert W.shape[1] == 6  # (out, in): the course's K x d


# ---- checkpoints written when W was (in, out) --------------------------------------------------
def _as_old(path: Path, old: Path, linear_keys: list[str]) -> None:
    """Rewrite a checkpoint the way version 2 wrote it: each Linear's W transposed."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["__meta__"]))
    meta["version"] = 2
    arrays["__meta__"] = np.array(json.dumps(meta))
    for k in linear_keys:
        arrays["state/" + k] = np.ascontiguousarray(arrays["state/" + k].T)
    np.savez(old, **arrays)


def test_old_model_checkpoint_loads_correctly_square_weights_included(tmp_path):
    """A square W (4 x 4) has the same shape in both layouts: only the version tells them apart,
    and the loaded model must predict exactly as the saved one."""
    model = TwoLayer(4, 4, 4, rng=np.random.default_rng(0))
    new = checkpoint.save_model(model, tmp_path / "new.npz")
    _as_old(new, tmp_path / "old.npz", ["layers.0.W", "layers.2.W"])
    X = np.random.default_rng(1).standard_normal((5, 4))
    for p in (new, tmp_path / "old.npz"):
        loaded = checkpoint.load_model(p)
        np.testing.assert_array_equal(loaded(X).data, model(X).data)
        assert loaded.layers[0].W.data.flags.c_contiguous
    assert tg.load(tmp_path / "old.npz").layers[2].W.shape == (4, 4)


def test_old_state_dict_checkpoint_is_refused_in_one_line(tmp_path):
    net = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 2))
    new = tg.save(net.state_dict(), tmp_path / "new.npz")
    _as_old(new, tmp_path / "old.npz", ["0.W", "2.W"])
    with pytest.raises(ValueError) as e:
        tg.load(tmp_path / "old.npz")
    msg = str(e.value)
    assert "\n" not in msg and "(in, out)" in msg and "0.W" in msg and "checkpoint.read" in msg
    # the way out the message names: read the raw arrays, transpose, load
    _, raw = checkpoint.read(tmp_path / "old.npz")
    net2 = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 2))
    net2.load_state_dict({k: (v.T if k.endswith("W") else v) for k, v in raw.items()})
    x = Tensor(np.ones((2, 3)))
    np.testing.assert_array_equal(net2(x).data, net(x).data)
    # an old state dict without 2-D W arrays is not ambiguous: it loads
    bn = nn.BatchNorm1d(3)
    _as_old(tg.save(bn.state_dict(), tmp_path / "bn.npz"), tmp_path / "bn_old.npz", [])
    assert set(tg.load(tmp_path / "bn_old.npz")) == set(bn.state_dict())


def test_old_training_state_is_refused(tmp_path):
    from tinygrad_dl.train.state import load_train_state

    p = tmp_path / "train_state.npz"
    np.savez(p, __meta__=np.array(json.dumps({"format": "tinygrad_dl.train_state",
                                              "version": 1})))
    with pytest.raises(ValueError, match=r"Linear.W was \(in, out\).*start the run afresh"):
        load_train_state(p)
    assert zipfile.is_zipfile(p)


# ---- Parameter, Module.to, device= ---------------------------------------------------------------
class Poly(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Parameter(tg.randn(()))
        self.w = nn.Parameter(tg.zeros(3))

    def forward(self, x):
        return self.a + x @ self.w


def test_parameter_registers_and_shares_the_array():
    src = tg.zeros(3)
    p = nn.Parameter(src)
    assert p.requires_grad and p.is_leaf and p.data is src.data
    assert isinstance(p, nn.Parameter) and not isinstance(src, nn.Parameter)
    m = Poly()
    assert [n for n, _ in m.named_parameters()] == ["a", "w"]
    with pytest.raises(ValueError, match="register_buffer"):
        nn.Parameter(tg.zeros(2), requires_grad=False)


def test_module_to_device_and_dtype():
    m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    assert m.to("cpu") is m and m.to(tg.device("cpu")) is m and m.cpu() is m
    for bad in ("cuda", "mps", tg.device("cuda:0")):
        with pytest.raises(RuntimeError, match="runs on the CPU only"):
            m.to(bad)
    m.to(np.float32)
    assert {p.dtype for p in m.parameters()} == {np.dtype(np.float32)}
    assert m[1].running_mean.dtype == np.float32 and "1.running_mean" in dict(m.named_buffers())
    assert m.double()[0].W.dtype == np.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.Linear(2, 2, device="cuda")
    assert nn.Linear(2, 2, device="cpu", dtype=np.float32).W.dtype == np.float32
    assert nn.BatchNorm1d(2, device="cpu").d == 2 and nn.Conv2d(1, 2, 3, device="cpu").c_in == 1
    for make in (lambda: nn.BatchNorm1d(2, device="mps"),
                 lambda: nn.Conv2d(1, 2, 3, device="cuda")):
        with pytest.raises(RuntimeError, match="CPU only"):
            make()


# ---- layers ------------------------------------------------------------------------------------
def test_flatten_start_end():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Flatten(0, 1)(Tensor(np.ones((5, 1)))).shape == (5,)
    assert nn.Flatten(start_dim=1, end_dim=-1)(x).shape == (2, 12)


@pytest.mark.parametrize("name,make", [
    ("Tanh", lambda m: m.Tanh()), ("Sigmoid", lambda m: m.Sigmoid()),
    ("Softmax", lambda m: m.Softmax(dim=1)), ("LogSoftmax", lambda m: m.LogSoftmax(dim=-1)),
    ("Identity", lambda m: m.Identity(54, unused=1)), ("ReLU", lambda m: m.ReLU()),
    ("LeakyReLU", lambda m: m.LeakyReLU(0.2)), ("ELU", lambda m: m.ELU(0.5)),
    ("GELU", lambda m: m.GELU()), ("GELU tanh", lambda m: m.GELU(approximate="tanh")),
    ("SiLU", lambda m: m.SiLU()),
    ("Softplus", lambda m: m.Softplus()),
])
def test_activation_layers_match_torch_values_and_gradients(name, make):
    torch = _torch()
    x = np.random.default_rng(2).standard_normal((4, 5)) * 3
    a = Tensor(x, requires_grad=True)
    out = make(nn)(a)
    (out * np.arange(5.0)).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    tout = make(torch.nn)(t)
    (tout * torch.arange(5.0, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_softmax_without_dim_warns_and_picks_pytorchs_legacy_dim():
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3)))
    with pytest.warns(UserWarning, match="dim="):
        out = nn.Softmax()(x)
    np.testing.assert_allclose(out.data.sum(axis=1), 1.0)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kind", ["mse", "l1", "bce", "bce_weighted"])
def test_losses_match_torch(kind, reduction):
    torch = _torch()
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 4)) * 4
    y = rng.random((6, 4)) if kind.startswith("bce") else rng.standard_normal((6, 4))
    w, pw = rng.random(4) + 0.5, rng.random(4) + 0.5
    ours = {"mse": lambda: nn.MSELoss(reduction), "l1": lambda: nn.L1Loss(reduction=reduction),
            "bce": lambda: nn.BCEWithLogitsLoss(reduction=reduction),
            "bce_weighted": lambda: nn.BCEWithLogitsLoss(w, reduction, pw)}[kind]()
    T = torch.nn
    theirs = {"mse": lambda: T.MSELoss(reduction=reduction),
              "l1": lambda: T.L1Loss(reduction=reduction),
              "bce": lambda: T.BCEWithLogitsLoss(reduction=reduction),
              "bce_weighted": lambda: T.BCEWithLogitsLoss(torch.tensor(w), reduction=reduction,
                                                          pos_weight=torch.tensor(pw))}[kind]()
    a = Tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    la, lt = ours(a, Tensor(y)), theirs(t, torch.tensor(y))
    la.sum().backward()
    lt.sum().backward()
    np.testing.assert_allclose(la.data, lt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-11, atol=1e-15)


def test_bce_with_logits_gradient_is_right_at_zero_and_finite_far_out():
    x = Tensor(np.array([0.0, 0.0, 800.0, -800.0]), requires_grad=True)
    y = np.array([0.0, 1.0, 0.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="sum")
    loss.backward()
    np.testing.assert_allclose(x.grad, [0.5, -0.5, 1.0, -1.0])  # sigmoid(x) - y
    np.testing.assert_allclose(loss.item(), 2 * np.log(2) + 1600)


def test_losses_refuse_shapes_that_would_broadcast():
    """PyTorch broadcasts (n, 1) against (n,) into an (n, n) loss with a warning; here it raises
    naming both shapes."""
    with pytest.raises(ValueError, match=r"\(5, 1\).*\(5,\).*flatten"):
        nn.MSELoss()(Tensor(np.ones((5, 1))), Tensor(np.ones(5)))
    with pytest.raises(ValueError, match="reduction"):
        nn.L1Loss(reduction="avg")


def test_loss_gradients_by_finite_differences():
    rng = np.random.default_rng(5)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    y = rng.random((3, 4))
    for f in (lambda x: F.mse_loss(x, y), lambda x: F.l1_loss(x, y),
              lambda x: F.binary_cross_entropy_with_logits(x, y, pos_weight=2.0)):
        rep = gradcheck(f, [x])
        assert rep.passed, str(rep)


# ---- the fused Linear op (Linear.forward, F.linear) --------------------------------------------
@st.composite
def _linear_case(draw):
    lead = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))  # (), (n,), (n, t)
    d_in, d_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return (draw(arrays((*lead, d_in))), draw(arrays((d_out, d_in))), draw(arrays((d_out,))))


@given(_linear_case())
def test_linear_op_gradients_with_and_without_bias(case):
    x, W, b = case
    check_grad(F.linear, x, W, b, ref=lambda x, W, b: x @ W.T + b)
    check_grad(F.linear, x, W, ref=lambda x, W: x @ W.T)


def test_linear_op_matches_torch_f_linear_and_records_one_op():
    torch = _torch()
    rng = np.random.default_rng(6)
    x, W, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    tx, tW, tb = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    ax, aW, ab = (Tensor(a, requires_grad=True) for a in (x, W, b))
    out = F.linear(ax, aW, ab)
    assert out.grad_fn.name == "Linear" and out.grad_fn.next_functions == ((None, 0),) * 3
    (out * out).sum().backward()
    tout = torch.nn.functional.linear(tx, tW, tb)
    (tout * tout).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-13)
    for a, t in ((ax, tx), (aW, tW), (ab, tb)):
        np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-12)
    assert aW.grad.flags.c_contiguous  # dW = G^T X in W's own layout
    with pytest.raises(ValueError, match=r"^Linear: an input of shape \(2, 3, 4\) where the "
                                         r"weight of shape \(4, 5\) takes \(\.\.\., 5\) rows"):
        F.linear(ax, Tensor(W.T))  # (NumPy's gufunc words named no in_features before)

"""PyTorch habits with nn / functional that silently did something else: each now works as
torch's or raises one line naming the argument (the reviewer's findings, /tmp/hunt_nn2)."""

from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F
from tinygrad_dl import Tensor, nn


def _x() -> Tensor:
    return Tensor(np.random.default_rng(0).standard_normal((4, 2)))


# ---- 1. Sequential takes Module instances, or torch's OrderedDict of them --------------------
def test_sequential_ordered_dict_runs_its_named_layers():
    fc, act = nn.Linear(2, 3), nn.ReLU()
    seq = nn.Sequential(OrderedDict([("fc", fc), ("act", act)]))
    x = _x()
    np.testing.assert_array_equal(seq(x).data, np.maximum(fc(x).data, 0))
    assert list(seq.state_dict()) == ["fc.W", "fc.b"]
    assert seq.fc is fc and seq[0] is fc and len(seq) == 2


@pytest.mark.parametrize("bad, words", [
    (lambda: [nn.Linear(2, 3)], r"argument 0 is a list: pass the layers as separate arguments"),
    (lambda: F.relu, r"argument 1 is the function relu, not a Module: .*nn\.ReLU\(\)"),
    (lambda: nn.ReLU, r"argument 1 is the class ReLU, not a layer: write ReLU\(\)"),
    (lambda: {"fc": nn.Linear(2, 3)}, r"a dict: give the named layers as an OrderedDict"),
    (lambda: None, r"argument 1 is NoneType None, not a Module"),
])
def test_sequential_refuses_what_is_not_a_module(bad, words):
    args = (bad(),) if words.startswith("argument 0") or "dict" in words else (
        nn.Linear(2, 3), bad())
    with pytest.raises(TypeError, match=words):
        nn.Sequential(*args)


def test_sequential_refuses_a_name_that_would_shadow_an_attribute():
    with pytest.raises(KeyError, match="'forward' cannot name a layer"):
        nn.Sequential(OrderedDict(forward=nn.ReLU()))


def test_sequential_setitem_refuses_a_function():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    with pytest.raises(TypeError, match=r"argument 1 is the function tanh.*nn\.Tanh\(\)"):
        seq[1] = F.tanh


# ---- 2. slicing and del, as torch ----------------------------------------------------------
def test_sequential_slice_is_a_sequential_of_the_same_layers():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    seq.name_parameters()
    scopes = [m._scope for m in seq]
    head = seq[:2]
    assert type(head) is nn.Sequential and len(head) == 2
    assert head[0] is seq[0] and head[1] is seq[1]
    x = _x()
    np.testing.assert_array_equal(head(x).data, seq[1](seq[0](x)).data)
    assert [m._scope for m in seq] == scopes  # reading a slice renames nothing in the model
    assert [type(m).__name__ for m in seq[::-1]] == ["Linear", "ReLU", "Linear"]


def test_sequential_del_renumbers_and_forward_runs_the_rest_in_order():
    first, last = nn.Linear(2, 3), nn.Linear(3, 1)
    seq = nn.Sequential(first, nn.ReLU(), last)
    del seq[1]
    assert len(seq) == 2 and seq[0] is first and seq[1] is last
    assert list(seq.state_dict()) == ["0.W", "0.b", "1.W", "1.b"]  # torch's keys after a del
    assert getattr(seq, "1") is last and not hasattr(seq, "2")
    x = _x()
    np.testing.assert_array_equal(seq(x).data, last(first(x)).data)
    del seq[-1]
    assert len(seq) == 1 and seq(x).shape == (4, 3)


def test_sequential_del_slice_and_under_a_parent_keeps_scopes():
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.ReLU())

    net = Net()
    del net.layers[:2]
    assert [m._scope for m in net.layers] == ["layers.0", "layers.1"]
    assert [n for n, _ in net.named_parameters()] == ["layers.0.W", "layers.0.b"]
    assert net.layers(Tensor(np.ones((1, 3)))).shape == (1, 3)


# ---- 3. BCE weights that would broadcast the loss ------------------------------------------
@pytest.mark.parametrize("kw", ["weight", "pos_weight"])
def test_bce_refuses_a_weight_that_changes_the_loss_shape(kw):
    rng = np.random.default_rng(0)
    z, y, w = Tensor(rng.standard_normal((4, 1))), Tensor(rng.random((4, 1))), Tensor(rng.random(4))
    msg = rf"{kw} of shape \(4,\) would broadcast to \(4, 4\) with the input's shape \(4, 1\)"
    with pytest.raises(ValueError, match=msg):
        F.binary_cross_entropy_with_logits(z, y, **{kw: w})
    with pytest.raises(ValueError, match=msg):
        nn.BCEWithLogitsLoss(**{kw: w})(z, y)
    z3, y3 = Tensor(rng.standard_normal((4, 3))), Tensor(rng.random((4, 3)))
    with pytest.raises(ValueError, match=rf"{kw} of shape \(2,\) does not broadcast with"):
        F.binary_cross_entropy_with_logits(z3, y3, **{kw: Tensor(np.ones(2))})


def test_bce_weights_that_broadcast_onto_the_input_still_work():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    z, y = rng.standard_normal((4, 3)), rng.random((4, 3))
    w, pw = rng.random((4, 1)), rng.random(3) * 3
    got = F.binary_cross_entropy_with_logits(Tensor(z), Tensor(y), weight=Tensor(w),
                                             pos_weight=Tensor(pw))
    want = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(z), torch.tensor(y), weight=torch.tensor(w), pos_weight=torch.tensor(pw))
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-12)


# ---- 4. size arguments are integers ----------------------------------------------------------
@pytest.mark.parametrize("make, words", [
    (lambda: nn.Linear(3.5, 2), r"Linear: in_features must be an integer, got 3\.5 \(float\)"),
    (lambda: nn.Linear(3, True), r"Linear: out_features must be an integer, got True"),
    (lambda: nn.BatchNorm1d(True), r"BatchNorm1d: num_features must be an integer, got True"),
    (lambda: nn.Flatten(1.5), r"Flatten: start_dim must be an integer, got 1\.5"),
])
def test_layer_sizes_refuse_non_integers(make, words):
    with pytest.raises(TypeError, match=words):
        make()


def test_conv2d_groups_refuses_non_integers():
    for groups in (2.0, True):
        with pytest.raises(TypeError, match="Conv2d: groups must be an integer"):
            nn.Conv2d(4, 4, 3, groups=groups)


def test_layer_sizes_accept_numpy_integers_and_refuse_negative():
    assert nn.Linear(np.int64(3), np.int32(2)).W.shape == (2, 3)
    assert nn.BatchNorm1d(np.int64(3)).gamma.shape == (3,)
    with pytest.raises(ValueError, match="Linear: in_features must be >= 0, got -1"):
        nn.Linear(-1, 2)


# ---- 5. CrossEntropyLoss's positional class weights: PyTorch's weight (was refused) -------
@pytest.mark.parametrize("make", [
    lambda: nn.CrossEntropyLoss(Tensor([1.0, 2.0, 3.0])),
    lambda: nn.CrossEntropyLoss(weight=Tensor([1.0, 2.0, 3.0])),
])
def test_cross_entropy_loss_class_weights_are_torchs(make):
    loss = make()
    np.testing.assert_array_equal(loss.weight, [1.0, 2.0, 3.0])
    z = Tensor(np.zeros((2, 3)))
    # equal logits: each loss is log 3, the mean weighted by w[y] / sum w[y]
    np.testing.assert_allclose(loss(z, np.array([0, 2])).data, np.log(3), rtol=1e-15)
    assert list(loss.state_dict()) == ["weight"]


def test_regression_losses_refuse_a_tensor_as_reduction():
    with pytest.raises(TypeError, match="MSELoss: reduction must be one of"):
        nn.MSELoss(Tensor([1.0, 2.0]))


# ---- 6. integer input: float64 where the result is not an integer ---------------------------
def test_avg_pool2d_of_integers_is_float64():
    x = np.arange(16).reshape(1, 1, 4, 4)
    out = F.avg_pool2d(tg.tensor(x), 2)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out.data, F.avg_pool2d(Tensor(x.astype(float)), 2).data)
    out = nn.AvgPool2d(3, 1, 1)(tg.tensor(x))
    np.testing.assert_allclose(out.data, F.avg_pool2d(Tensor(x.astype(float)), 3, 1, 1).data)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_max_pool2d_of_integers_with_padding_keeps_the_dtype(dtype):
    x = np.arange(16, dtype=dtype).reshape(1, 1, 4, 4)
    out = F.max_pool2d(tg.tensor(x), 3, 1, 1)
    assert out.dtype == dtype
    want = F.max_pool2d(Tensor(x.astype(float)), 3, 1, 1).data
    np.testing.assert_array_equal(out.data, want)


def test_dropout_of_integers_is_float64():
    x = tg.tensor(np.arange(1, 9))
    out = nn.Dropout(0.5, rng=np.random.default_rng(0))(x)
    assert out.dtype == np.float64
    kept = out.data != 0
    np.testing.assert_array_equal(out.data[kept], 2.0 * x.data[kept])
    assert F.dropout(x, 0.25, rng=np.random.default_rng(1)).dtype == np.float64


# ---- 7. train(mode) takes a bool -------------------------------------------------------------
def test_train_refuses_a_non_bool_mode():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    net.eval()
    with pytest.raises(ValueError, match=r"Sequential.train\(mode\): mode must be True or "
                                         r"False, got 'False'"):
        net.train("False")
    assert not any(m.training for m in net.modules())  # nothing changed
    assert net.train(np.bool_(True)).training


# ---- 8. F.pad with an odd number of widths ---------------------------------------------------
@pytest.mark.parametrize("shape, widths", [((3, 4), (1,)), ((2, 3, 4), (1, 1, 1)), ((3,), [2])])
def test_pad_refuses_an_odd_number_of_widths(shape, widths):
    with pytest.raises(ValueError, match=r"an odd number of widths; PyTorch's F.pad takes"):
        F.pad(Tensor(np.zeros(shape)), widths)


def test_softmax_without_dim_on_3d_input_warns_where_torch_would_take_another_axis():
    """PyTorch's F.softmax(x) without dim takes dim 0 for 3-D input and 1 for 4-D; here the
    last axis. A ported call normalised other numbers without a word; now it warns, at the
    caller's line, and 1-D and 2-D input (where both take the last axis) stay quiet."""
    import warnings

    x3 = Tensor(np.arange(24.0).reshape(2, 3, 4) / 10)
    for call, who, dim in ((lambda: F.softmax(x3), "softmax", 0),
                           (lambda: x3.log_softmax(), "log_softmax", 0),
                           (lambda: F.log_softmax(Tensor(np.ones((2, 1, 3, 4)))), "log_softmax",
                            1)):
        with pytest.warns(UserWarning, match=rf"{who}: no axis given .* without dim would take "
                          rf"dim {dim}\); give dim=") as rec:
            out = call()
        assert rec[0].filename == __file__  # the caller's line, not the library's
        assert out.shape[-1] == 4  # the last axis, as before: only the warning is new
    np.testing.assert_allclose(F.softmax(x3, dim=-1).data, F.softmax(x3, axis=2).data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.softmax(Tensor(np.ones((2, 3))))  # 2-D: torch's implicit dim is the last one too
        Tensor(np.ones(3)).softmax()
        F.softmax(x3, dim=0)


def test_zero_grad_set_to_none_false_zeroes_in_place_as_torch():
    """Module.zero_grad(set_to_none=False) gave each parameter a new zero array, so a
    reference kept to the gradient (`g = p.grad`) still held the old values, where torch's
    zeroes in place; Optimizer.zero_grad took no set_to_none at all (TypeError). Now both
    zero in place, but never an array a live graph locked (it read it as data): that one
    keeps its values for the graph, and .grad gets a new zero array."""
    from tinygrad_dl import optim

    lin = nn.Linear(3, 2, rng=np.random.default_rng(0))
    x = Tensor(np.ones((4, 3)))
    for zero in (lambda: lin.zero_grad(set_to_none=False),
                 lambda: optim.SGD(lin.parameters(), lr=0.1).zero_grad(set_to_none=False)):
        lin.zero_grad()
        lin(x).sum().backward()
        g = lin.W.grad
        zero()
        assert lin.W.grad is g and not g.any() and not lin.b.grad.any()
        lin(x).sum().backward()  # accumulates from zero: one backward's gradient
        np.testing.assert_array_equal(g, np.full((2, 3), 4.0))
        assert type(lin.W.grad) is type(g) and lin.W.grad.zero_() is lin.W.grad
    # a gradient a live graph read (locked): left alone, a new zero array in .grad
    w2 = Tensor(np.full((2, 3), 2.0), requires_grad=True)
    held = lin.W.grad
    y = (Tensor(held) * w2).sum()
    lin.zero_grad(set_to_none=False)
    assert lin.W.grad is not held and not lin.W.grad.any()
    y.backward()
    np.testing.assert_array_equal(w2.grad, held)  # the graph's values, not zeros
    lin.zero_grad()  # set_to_none=True, the default: None, as torch's
    assert lin.W.grad is None and lin.b.grad is None


@pytest.mark.parametrize("value", [2.7, np.nan, np.inf, -1e30, 2.0**63])
def test_load_state_dict_refuses_what_an_integer_buffer_cannot_hold(value):
    """A BatchNorm's num_batches_tracked (int64) loaded from a dict holding 2.7 became 2, NaN
    or 2**63 became -9223372036854775808, without a word (the checkpoint files were checked,
    a plain dict was not). Whole floats load as the count they hold."""
    bn = nn.BatchNorm1d(3)
    state = bn.state_dict()
    with pytest.raises(ValueError, match=r"'num_batches_tracked' is int64 in the model but the "
                       r"state dict holds .* cannot hold") as e:
        bn.load_state_dict({**state, "num_batches_tracked": np.array(value)})
    assert "\n" not in str(e.value)
    assert bn.num_batches_tracked == 0  # nothing copied
    bn.load_state_dict({**state, "num_batches_tracked": np.array(7.0)})
    assert bn.num_batches_tracked == 7 and bn.num_batches_tracked.dtype == np.int64


def test_load_state_dict_refuses_an_imaginary_part_but_rounds_float64_into_float32():
    lin = nn.Linear(2, 2)
    state = lin.state_dict()
    with pytest.raises(ValueError, match=r"'W' is float64 .*\(complex128\)"):
        lin.load_state_dict({**state, "W": state["W"] + 1j})
    lin32 = nn.Linear(2, 2, dtype=np.float32)
    lin32.load_state_dict(state)  # float64 into float32: rounded, as torch's copy_
    np.testing.assert_array_equal(lin32.W.data, state["W"].astype(np.float32))


def test_sgd_takes_pytorchs_positional_order():
    """SGD(params, lr, momentum, weight_decay): PyTorch's 4th positional is dampening, so
    `SGD(p, 0.1, 0.9, 0.5)` (dampening 0.5 there) decayed the weights by 0.5 here without a
    word, and `SGD(p, lr, 0.9, 0, 5e-4)` (weight decay 5e-4 there) was a TypeError. Now the
    order is torch's, dampening and Nesterov momentum as torch's (values:
    test_sgd_nesterov_bool_review)."""
    from tinygrad_dl import optim

    p = Tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([p], 0.1, 0.9, 0.5)  # torch's positional dampening
    assert opt.param_groups[0]["dampening"] == 0.5 and opt.param_groups[0]["weight_decay"] == 0
    with pytest.raises(ValueError, match="^Nesterov momentum requires a momentum and zero "
                                         "dampening$"):  # (torch's check and words)
        optim.SGD([p], 0.1, nesterov=True)
    opt = optim.SGD([p], 0.1, 0.9, 0, 5e-4)  # torch's positional weight decay
    assert opt.param_groups[0]["weight_decay"] == 5e-4 and opt.param_groups[0]["momentum"] == 0.9
    p.grad = np.zeros(3)
    opt.step()
    np.testing.assert_allclose(p.data, 1 - 0.1 * 5e-4)  # decayed by 5e-4, as torch's


def test_adam_refuses_pytorchs_positional_betas_in_one_line():
    """Adam(params, lr, (0.9, 0.999), 1e-8, 1e-4) is torch's order (betas, eps, weight_decay);
    here the third positional is beta1, and it failed on float() of a tuple."""
    from tinygrad_dl import optim

    p = Tensor(np.ones(3), requires_grad=True)
    for call in (lambda: optim.Adam([p], 1e-3, (0.9, 0.999)),
                 lambda: optim.Adam([p], 1e-3, [0.9, 0.999], 1e-8, 1e-4)):
        with pytest.raises(TypeError, match=r"Adam: the third positional argument is beta1 "
                           r"here.*betas=\(b1, b2\)"):
            call()
    opt = optim.Adam([p], 1e-3, betas=(0.8, 0.99), eps=1e-7, weight_decay=1e-4)
    g = opt.param_groups[0]
    assert (g["beta1"], g["beta2"], g["eps"], g["weight_decay"]) == (0.8, 0.99, 1e-7, 1e-4)


def test_functional_losses_refuse_a_tensor_where_reduction_goes_in_one_line():
    """F.mse_loss(a, b, t) compared the tensor with "mean" elementwise and failed on "bool()
    of a tensor". (F.cross_entropy(x, y, w) now takes w as PyTorch's class weight.)"""
    z = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(F.cross_entropy(z, np.array([0, 1]), Tensor(np.ones(3))).data,
                               F.cross_entropy(z, np.array([0, 1])).data, rtol=1e-15)
    for call, who in ((lambda: F.mse_loss(z, z, Tensor(np.ones(3))), "mse_loss"),
                      (lambda: F.l1_loss(z, z, None), "l1_loss")):
        with pytest.raises(TypeError, match=rf"{who}: reduction \(the third argument\) must be "
                           r"'mean', 'sum' or 'none', got (Tensor|NoneType)"):
            call()
    assert F.mse_loss(z, z * 2, "sum").item() == (z.data ** 2).sum()

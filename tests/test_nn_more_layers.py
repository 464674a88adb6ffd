"""nn.Conv1d, MaxPool1d, AvgPool1d, the adaptive pools, GroupNorm, InstanceNorm1d/2d, Unflatten,
ZeroPad2d, Dropout1d/2d, ParameterList and ParameterDict: built from existing ops (conv2d, the
2-D pools, pad, reshape, slicing, mean, amax, layer_norm), so their gradients are those ops'.
Against PyTorch's modules with the same weights in float64 (outputs to 1e-12, gradients of the
input and of every parameter to 1e-10) when torch is installed; registration, masks and the
one-line argument errors without it."""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn, optim
from tinygrad_dl.jit import jit

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch not installed (optional oracle)")
R = np.random.default_rng(11)


def _torch():
    import torch

    torch.set_num_threads(1)  # tiny calls on a busy machine: one thread
    return torch


def against_torch(ours, theirs, x, pairs=()):
    """ours(x) and theirs(x) agree, and so do the gradients of x and of each (our tensor,
    torch parameter) pair, under a random upstream gradient."""
    torch = _torch()
    t, tt = Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(t), theirs(tt)
    assert out.shape == tuple(tout.shape)
    g = R.standard_normal(out.shape)
    (out * Tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    # (atol: a GroupNorm group of one value is exactly its bias here, torch's is 3e-13 off)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for p, tp in pairs:
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-10, atol=1e-12)
    return out


def one_line(excinfo, *words):
    msg = str(excinfo.value)
    assert "\n" not in msg, msg
    for w in words:
        assert w in msg, msg


# ---- Conv1d ------------------------------------------------------------------------------------
CONV1D = [  # c_in, c_out, k, stride, padding, dilation, groups, bias, input shape
    (3, 4, 3, 1, 0, 1, 1, True, (2, 3, 10)),
    (4, 6, 3, 2, 1, 2, 2, False, (2, 4, 11)),
    (4, 4, 5, 1, "same", 2, 4, True, (3, 4, 9)),
    (2, 3, 4, 1, "same", 1, 1, True, (2, 7)),  # even kernel: the odd zero at the end
    (3, 2, 2, 3, "valid", 1, 1, True, (1, 3, 8)),
    (6, 3, 1, 1, 2, 1, 3, True, (2, 6, 5)),
    (2, 4, 3, (2,), (1,), (1,), 1, True, (2, 2, 6)),  # torch's 1-tuples
]


@needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its even kernel
@pytest.mark.parametrize("c_in, c_out, k, stride, padding, dilation, groups, bias, shape", CONV1D)
def test_conv1d_is_torchs_with_its_state_dict(c_in, c_out, k, stride, padding, dilation, groups,
                                              bias, shape):
    torch = _torch()
    theirs = torch.nn.Conv1d(c_in, c_out, k, stride, padding, dilation, groups, bias,
                             dtype=torch.float64)
    ours = nn.Conv1d(c_in, c_out, k, stride, padding, dilation, groups, bias)
    sd = {k: v.numpy() for k, v in theirs.state_dict().items()}
    # W and b, as Conv2d's and Linear's: torch's weight / bias entries load under those names
    ours.load_state_dict({{"weight": "W", "bias": "b"}[k]: v for k, v in sd.items()})
    assert ours.weight is ours.W and ours.W.shape == tuple(theirs.weight.shape)
    pairs = [(ours.W, theirs.weight)] + ([(ours.b, theirs.bias)] if bias else [])
    against_torch(ours, theirs, R.standard_normal(shape), pairs)
    assert repr(ours) == repr(theirs)


def test_conv1d_init_is_torchs_uniform_and_lists_w_and_b():
    conv = nn.Conv1d(8, 16, 3, groups=2, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(8 // 2 * 3)
    assert [n for n, _ in conv.named_parameters()] == ["W", "b"]
    assert conv.W.shape == (16, 4, 3) and conv.bias is conv.b
    assert np.abs(conv.W.data).max() <= bound and np.abs(conv.b.data).max() <= bound
    assert conv.W.data.std() > 0.8 * bound / np.sqrt(3)  # U(-a, a) has std a / sqrt(3)
    he = nn.Conv1d(8, 16, 3, init="he", rng=np.random.default_rng(0))
    assert not he.b.data.any()
    assert nn.Conv1d(2, 2, 3, dtype=np.float32).W.dtype == np.float32


def test_conv1d_refuses_bad_arguments_in_one_line():
    conv = nn.Conv1d(3, 4, 5)
    with pytest.raises(ValueError) as e:
        conv(Tensor(np.ones((2, 3, 4, 4))))
    one_line(e, "Conv1d(3, 4)", "(N, 3, L) or (3, L)", "(2, 3, 4, 4)")
    with pytest.raises(ValueError) as e:
        conv(Tensor(np.ones((2, 2, 9))))  # wrong channel count
    one_line(e, "Conv1d(3, 4)")
    with pytest.raises(ValueError) as e:
        conv(Tensor(np.ones((2, 3, 4))))
    one_line(e, "Conv1d", "spans 5", "length 4")
    with pytest.raises(ValueError) as e:
        nn.Conv1d(4, 6, 3, groups=4)
    one_line(e, "Conv1d: out_channels must be a positive multiple of groups=4")
    with pytest.raises(ValueError) as e:
        nn.Conv1d(2, 2, 3, stride=2, padding="same")
    one_line(e, "Conv1d: padding='same' needs stride 1")
    with pytest.raises(ValueError) as e:
        nn.Conv1d(2, 2, 3, padding_mode="reflection")  # (torch's four modes work)
    one_line(e, "Conv1d: padding_mode must be one of")
    with pytest.raises(ValueError) as e:
        nn.Conv1d(2, 2, (3, 3))
    one_line(e, "Conv1d: kernel_size")


# ---- MaxPool1d, AvgPool1d ----------------------------------------------------------------------
POOL1D = [((2,), {}, (2, 3, 8)), ((3, 2, 1), {}, (2, 2, 9)), ((4, 1, 2), {}, (3, 7)),
          ((3,), {}, (1, 2, 10)), ((3,), {"stride": 1}, (2, 1, 3))]


@needs_torch
@pytest.mark.parametrize("args, kwargs, shape", POOL1D)
@pytest.mark.parametrize("name", ["MaxPool1d", "AvgPool1d"])
def test_pool1d_is_torchs(name, args, kwargs, shape):
    torch = _torch()
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    against_torch(ours, theirs, R.standard_normal(shape))
    assert repr(ours) == repr(theirs)


def test_pool1d_refuses_bad_arguments_in_one_line():
    with pytest.raises(ValueError) as e:
        nn.MaxPool1d(5)(Tensor(np.ones((1, 2, 3))))
    one_line(e, "MaxPool1d: kernel_size 5 is larger than the input's length 3")
    with pytest.raises(ValueError) as e:
        nn.AvgPool1d(2)(Tensor(np.ones((1, 2, 3, 4))))
    one_line(e, "AvgPool1d: expected input (N, C, L) or (C, L)")
    with pytest.raises(ValueError) as e:
        nn.MaxPool1d(2, padding=2)
    one_line(e, "MaxPool1d: padding must be at most kernel_size // 2 = 1")
    # (MaxPool1d's ceil_mode and dilation, AvgPool1d's ceil_mode and count_include_pad are
    # torch's now: tests/test_torch_nn2.py, tests/test_pool_pad_options_review.py)


# ---- adaptive pools ----------------------------------------------------------------------------
ADAPTIVE2D = [((2, 3, 8, 6), (4, 3)), ((2, 2, 7, 5), (3, 2)), ((1, 3, 5, 5), (3, None)),
              ((2, 1, 3, 4), (5, 6)), ((2, 2, 6, 6), 1), ((3, 7, 9), 4), ((1, 2, 10, 7), (4, 7))]
ADAPTIVE1D = [((2, 3, 10), 5), ((2, 2, 7), 3), ((1, 3, 3), 5), ((2, 8), 1), ((2, 2, 9), (9,))]


@needs_torch
@pytest.mark.parametrize("shape, size", ADAPTIVE2D)
@pytest.mark.parametrize("kind", ["Avg", "Max"])
def test_adaptive_pool2d_is_torchs_with_uneven_bins(kind, shape, size):
    torch = _torch()
    name = f"Adaptive{kind}Pool2d"
    ours, theirs = getattr(nn, name)(size), getattr(torch.nn, name)(size)
    against_torch(ours, theirs, R.standard_normal(shape))
    assert repr(ours) == repr(theirs)


@needs_torch
@pytest.mark.parametrize("shape, size", ADAPTIVE1D)
@pytest.mark.parametrize("kind", ["Avg", "Max"])
def test_adaptive_pool1d_is_torchs_with_uneven_bins(kind, shape, size):
    torch = _torch()
    name = f"Adaptive{kind}Pool1d"
    ours, theirs = getattr(nn, name)(size), getattr(torch.nn, name)(size)
    against_torch(ours, theirs, R.standard_normal(shape))


def test_adaptive_bins_are_torchs_formula():
    from tinygrad_dl.nn.pooling import bins

    assert bins(5, 3) == [(0, 2), (1, 4), (3, 5)]  # overlapping, as torch's
    assert bins(3, 5) == [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]


@needs_torch
@pytest.mark.parametrize("name, shape, size", [
    ("AdaptiveMaxPool2d", (1, 2, 4, 6), (2, 3)), ("AdaptiveMaxPool2d", (2, 1, 5, 3), (3, 2)),
    ("AdaptiveMaxPool2d", (2, 3, 3), 2), ("AdaptiveMaxPool1d", (1, 2, 6), 3),
    ("AdaptiveMaxPool1d", (1, 2, 7), 3)])
def test_adaptive_max_sends_a_tied_bins_gradient_to_its_first_maximum_as_torch(name, shape,
                                                                                size):
    torch = _torch()
    x = R.integers(0, 2, shape).astype(np.float64)  # many ties
    against_torch(getattr(nn, name)(size), getattr(torch.nn, name)(size), x)


def test_adaptive_pools_refuse_bad_arguments_in_one_line():
    with pytest.raises(ValueError) as e:
        nn.AdaptiveAvgPool2d(2)(Tensor(np.ones((4, 4))))
    one_line(e, "AdaptiveAvgPool2d: expected input (N, C, H, W) or (C, H, W)")
    with pytest.raises(ValueError) as e:
        nn.AdaptiveMaxPool1d((2, 2))
    one_line(e, "AdaptiveMaxPool1d: output_size")
    with pytest.raises(ValueError) as e:
        nn.AdaptiveAvgPool1d(None)  # (torch's raises a TypeError at the call)
    one_line(e, "AdaptiveAvgPool1d: output_size must be an integer >= 0")
    # (an output_size of 0 gives an empty result, as torch's: test_conv_pool_edges_..._hCV)
    assert nn.AdaptiveAvgPool2d(0)(Tensor(np.ones((1, 2, 4, 4)))).shape == (1, 2, 0, 0)
    assert nn.AdaptiveMaxPool2d(2, return_indices=True).return_indices  # (test_conv_pool_review)


# ---- GroupNorm, InstanceNorm -------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("groups", [1, 2, 3, 6])
@pytest.mark.parametrize("shape", [(4, 6), (3, 6, 5), (2, 6, 4, 3)])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_is_torchs_with_its_state_dict(groups, shape, affine):
    torch = _torch()
    theirs = torch.nn.GroupNorm(groups, 6, affine=affine, dtype=torch.float64)
    ours = nn.GroupNorm(groups, 6, affine=affine)
    pairs = []
    if affine:
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(R.standard_normal(6)))
            theirs.bias.copy_(torch.tensor(R.standard_normal(6)))
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
        pairs = [(ours.weight, theirs.weight), (ours.bias, theirs.bias)]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    against_torch(ours, theirs, R.standard_normal(shape) * 3 + 1, pairs)
    assert repr(ours) == repr(theirs)


@needs_torch
@pytest.mark.parametrize("name, shape", [("InstanceNorm1d", (3, 4, 7)), ("InstanceNorm1d", (4, 5)),
                                         ("InstanceNorm2d", (2, 4, 3, 5)),
                                         ("InstanceNorm2d", (4, 2, 3))])
@pytest.mark.parametrize("affine", [True, False])
def test_instance_norm_is_torchs(name, shape, affine):
    torch = _torch()
    theirs = getattr(torch.nn, name)(4, affine=affine, dtype=torch.float64)
    ours = getattr(nn, name)(4, affine=affine)
    pairs = []
    if affine:
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(R.standard_normal(4)))
            theirs.bias.copy_(torch.tensor(R.standard_normal(4)))
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
        pairs = [(ours.weight, theirs.weight), (ours.bias, theirs.bias)]
    for mode in (True, False):  # no running statistics: the same in evaluation
        ours.train(mode)
        theirs.train(mode)
        against_torch(ours, theirs, R.standard_normal(shape) * 2 - 1, pairs)
        for p, tp in pairs:
            p.grad, tp.grad = None, None
    assert repr(ours) == repr(theirs)


def test_norms_refuse_bad_arguments_in_one_line():
    with pytest.raises(ValueError) as e:
        nn.GroupNorm(4, 6)
    one_line(e, "GroupNorm: num_channels (6) must be divisible by num_groups (4)")
    with pytest.raises(ValueError) as e:
        nn.GroupNorm(2, 6)(Tensor(np.ones((2, 4, 3))))
    one_line(e, "GroupNorm(2, 6): expected input (N, 6, *)")
    with pytest.raises(ValueError) as e:
        nn.InstanceNorm2d(3)(Tensor(np.ones((2, 3, 4))[None, None]))
    one_line(e, "InstanceNorm2d: expected input (N, C, H, W) or (C, H, W)")
    with pytest.raises(ValueError) as e:
        nn.InstanceNorm1d(3, affine=True)(Tensor(np.ones((2, 4, 5))))
    one_line(e, "InstanceNorm1d(3)", "num_features=3")
    with pytest.raises(ValueError) as e:
        nn.InstanceNorm1d(3)(Tensor(np.ones((2, 3, 1))))
    one_line(e, "InstanceNorm1d: expected more than 1 position per channel")
    with pytest.raises(ValueError) as e:
        nn.InstanceNorm1d(3, momentum=None, track_running_stats=True)
    one_line(e, "InstanceNorm1d: momentum must be a number with track_running_stats=True")
    with pytest.warns(UserWarning, match="not num_features=3"):  # torch warns too
        nn.InstanceNorm1d(3)(Tensor(R.standard_normal((2, 4, 5))))


# ---- Unflatten, ZeroPad2d ----------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("dim, sizes, shape", [(1, (3, 4), (2, 12)), (-1, [2, -1], (2, 3, 8)),
                                               (0, (2, 1, 3), (6, 2))])
def test_unflatten_is_torchs(dim, sizes, shape):
    torch = _torch()
    against_torch(nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes),
                  R.standard_normal(shape))
    assert repr(nn.Unflatten(1, (2, 5))) == repr(torch.nn.Unflatten(1, (2, 5)))


def test_unflatten_refuses_sizes_that_do_not_multiply_in_one_line():
    with pytest.raises(ValueError) as e:
        nn.Unflatten(1, (2, 3))(Tensor(np.ones((2, 7))))
    one_line(e, "Unflatten: sizes (2, 3) do not multiply to the size 7 of dim 1")
    with pytest.raises(ValueError) as e:
        nn.Unflatten(1, (-1, -1))
    one_line(e, "Unflatten:", "at most one -1")


@needs_torch
@pytest.mark.parametrize("padding, shape", [(1, (2, 3, 4, 5)), ((1, 2, 0, 3), (3, 4, 2)),
                                            ((-1, 2, 1, -2), (1, 2, 5, 4)), (2, (3, 3))])
def test_zero_pad2d_is_torchs(padding, shape):
    torch = _torch()
    ours, theirs = nn.ZeroPad2d(padding), torch.nn.ZeroPad2d(padding)
    against_torch(ours, theirs, R.standard_normal(shape))
    assert repr(ours) == repr(theirs)


def test_zero_pad2d_refuses_bad_arguments_in_one_line():
    with pytest.raises(ValueError) as e:
        nn.ZeroPad2d((1, 2))
    one_line(e, "ZeroPad2d: padding must be an integer or (left, right, top, bottom)")
    with pytest.raises(ValueError) as e:
        nn.ZeroPad2d(-3)(Tensor(np.ones((1, 4, 4))))
    one_line(e, "ZeroPad2d: padding (-3, -3, -3, -3) crops more than the input's 4 x 4")
    with pytest.raises(ValueError) as e:
        nn.ZeroPad2d(1)(Tensor(np.ones(4)))
    one_line(e, "ZeroPad2d: expected input")


# ---- Dropout1d, Dropout2d ----------------------------------------------------------------------
def test_dropout2d_zeroes_whole_channels_in_training_only():
    drop = nn.Dropout2d(0.5, rng=np.random.default_rng(0))
    x = Tensor(R.uniform(1.0, 2.0, (8, 6, 3, 4)), requires_grad=True)
    out = drop(x)
    per_channel = out.data.reshape(8, 6, -1)
    kept = (per_channel != 0).all(axis=2)
    assert (kept | (per_channel == 0).all(axis=2)).all()  # each channel whole or gone
    assert 0 < kept.sum() < kept.size
    np.testing.assert_allclose(per_channel[kept], 2.0 * x.data.reshape(8, 6, -1)[kept])
    assert drop.mask.shape == (8, 6, 1, 1)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.broadcast_to(drop.mask, x.shape))
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError) as e:  # the rank is checked in evaluation too, as torch's
        drop(Tensor(np.ones((2, 3, 4))))
    one_line(e, "Dropout2d: expected input (N, C, H, W)", "Dropout1d")


def test_dropout1d_masks_channels_batched_or_not_and_fix_mask_pins_them():
    drop = nn.Dropout1d(0.25, rng=np.random.default_rng(1))
    x = Tensor(np.ones((5, 4, 6)))
    per_channel = drop(x).data
    assert ((per_channel == 0).all(axis=2) | (per_channel == 4 / 3).all(axis=2)).all()
    keep = np.array([True, False, True])
    drop.fix_mask(keep)
    np.testing.assert_array_equal(drop(Tensor(np.ones((3, 2)))).data,
                                  np.array([[4 / 3] * 2, [0, 0], [4 / 3] * 2]))
    with pytest.raises(ValueError) as e:
        drop(Tensor(np.ones((2, 3, 2))))
    one_line(e, "Dropout1d: fixed mask has shape (3,)", "(2, 3)")
    with pytest.raises(ValueError) as e:
        drop(Tensor(np.ones(3)))
    one_line(e, "Dropout1d: expected input (N, C, L) or (C, L)")
    with pytest.raises(ValueError) as e:
        nn.Dropout2d(1.5)
    one_line(e, "Dropout2d: p must be in [0, 1]")


def test_dropout2d_draws_from_its_rng_and_afresh_in_a_jitted_step():
    a = nn.Dropout2d(0.5, rng=np.random.default_rng(7))
    b = nn.Dropout2d(0.5, rng=np.random.default_rng(7))
    x = Tensor(np.ones((4, 8, 2, 2)))
    np.testing.assert_array_equal(a(x).data, b(x).data)  # same seed, same masks
    w = Tensor(np.ones((1, 8, 1, 1)), requires_grad=True)

    @jit(strict=True)
    def step(X):
        out = a(Tensor(X) * w)
        out.sum().backward()
        return out

    masks = []
    for _ in range(4):
        w.grad = None
        out = step(np.ones((4, 8, 2, 2)))
        masks.append(out.data.copy())
        # the gradient goes through the channel mask drawn in this very call
        np.testing.assert_allclose(w.grad.reshape(-1), a.mask.reshape(4, 8).sum(0) * 4)
        np.testing.assert_array_equal(out.data, np.broadcast_to(a.mask, out.shape))
    assert step.replays >= 2
    assert any((m != masks[0]).any() for m in masks[1:])  # a replay draws a new mask


# ---- ParameterList, ParameterDict ---------------------------------------------------------------
class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.scales = nn.ParameterList([nn.Parameter(np.ones(3)), Tensor(np.full(3, 2.0))])
        self.shifts = nn.ParameterDict({"b": nn.Parameter(np.zeros(3)),
                                        "a": nn.Parameter(np.ones(3))})

    def forward(self, x):
        for s in self.scales:
            x = x * s
        return x + self.shifts["a"] + self.shifts["b"]


def test_parameter_list_and_dict_register_their_parameters():
    m = Scaled()
    names = ["scales.0", "scales.1", "shifts.a", "shifts.b"]  # a plain dict: sorted, as torch
    assert [n for n, _ in m.named_parameters()] == names
    assert list(m.state_dict()) == names and len(m.parameters()) == 4
    assert m.scales[1].requires_grad and len(m.scales) == 2 and "a" in m.shifts
    opt = optim.SGD(m.parameters(), lr=0.5)
    m(Tensor(np.ones((2, 3)))).sum().backward()
    opt.step()
    np.testing.assert_allclose(m.scales[0].data, 1 - 0.5 * 2 * 2)  # d/ds0 = 2 rows * s1
    np.testing.assert_allclose(m.shifts["b"].data, -0.5 * 2)
    other = Scaled()
    other.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(other.scales[0].data, m.scales[0].data)
    p = nn.Parameter(np.ones(2))
    m.scales.append(p)
    m.shifts["c"] = p  # the same tensor twice: listed once, under its first name
    assert m.scales[-1] is p and m.scales[2:][0] is p and "scales.2" in m.state_dict()
    assert "shifts.c" not in dict(m.named_parameters())
    assert m.shifts.pop("c") is p and list(m.shifts) == ["a", "b"] and len(m.shifts) == 2


@needs_torch
def test_parameter_containers_name_entries_as_torch():
    torch = _torch()
    tm = torch.nn.Module()
    tm.scales = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(3)) for _ in range(2)])
    tm.shifts = torch.nn.ParameterDict({"b": torch.nn.Parameter(torch.zeros(3)),
                                        "a": torch.nn.Parameter(torch.ones(3))})
    m = Scaled()
    assert list(m.state_dict()) == list(tm.state_dict())
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    np.testing.assert_array_equal(m.scales[1].data, np.ones(3))


def test_parameter_containers_refuse_what_is_not_a_parameter_in_one_line():
    with pytest.raises(TypeError) as e:
        nn.ParameterList([3.0])
    one_line(e, "ParameterList: entry 0 must be a Tensor")
    t = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError) as e:
        nn.ParameterDict({"x": t * 2})
    one_line(e, "ParameterDict: entry 'x' is an op's result")
    with pytest.raises(KeyError, match="cannot name a parameter"):
        nn.ParameterDict({"a.b": t})
    with pytest.raises(KeyError, match="cannot name a parameter"):
        nn.ParameterDict({"keys": t})
    with pytest.raises(IndexError, match="out of range"):
        nn.ParameterList([t])[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a registered container: no "plain list" warning
        assert len(Scaled().parameters()) == 4

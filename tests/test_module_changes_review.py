"""A skeptic's review of the nn.init / Module commit (reset_parameters, __setattr__'s refusals,
train() recursion, load_state_dict(assign=True), the containers' list methods), against torch
2.13: each test failed before its fix."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn, optim

torch = pytest.importorskip("torch")


def _arrays(m: nn.Module) -> list[np.ndarray]:
    return [p.data.copy() for p in m.parameters()]


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


# ---- reset_parameters ----------------------------------------------------------------------
def test_lazy_linear_reset_parameters_as_torch() -> None:
    # before the first input: nothing to draw (torch's no-op); it raised AttributeError
    lazy, tl = nn.LazyLinear(3), torch.nn.LazyLinear(3)
    lazy.reset_parameters()
    tl.reset_parameters()
    lazy(tg.Tensor(np.ones((2, 40))))
    w, b = lazy.weight, lazy.bias
    w.data[...] = b.data[...] = 9.0
    lazy.reset_parameters()  # after it: a Linear's redraw (it raised: no record of the init)
    assert lazy.weight is w and lazy.bias is b
    bound = 1 / np.sqrt(40)
    assert 0 < np.abs(w.data).max() <= bound and 0 < np.abs(b.data).max() <= bound


@pytest.mark.parametrize("make", [
    lambda r: nn.Linear(5, 7, init="he", rng=r),
    lambda r: nn.Linear(5, 7, init="xavier", rng=r),
    lambda r: nn.Linear(5, 7, init="gaussian", std=0.3, rng=r),
    lambda r: nn.Linear(5, 7, init="he", rng=r, dtype=np.float32),
    lambda r: nn.Conv1d(2, 4, 3, init="he", rng=r),
    lambda r: nn.Conv2d(2, 4, 3, rng=r),
    lambda r: nn.Conv3d(2, 4, 2, init="xavier", rng=r),
    lambda r: nn.ConvTranspose2d(2, 4, 3, init="he", rng=r),
    lambda r: nn.Linear(5, 7, rng=r),
    lambda r: nn.ConvTranspose2d(2, 3, 2, rng=r),
    lambda r: nn.ConvTranspose3d(2, 3, 2, rng=r),
], ids=["linear-he", "linear-xavier", "linear-gaussian", "linear-he-f32", "conv1d-he",
        "conv2d-he", "conv3d-xavier", "convT2d-he", "linear-pytorch", "convT2d-pytorch",
        "convT3d-pytorch"])
def test_reset_after_the_same_seed_gives_the_init_weights(make) -> None:
    # torch's property: manual_seed(s); reset_parameters() redraws the weights a layer built
    # after manual_seed(s) has; the Gaussian inits drew W in another order (other weights)
    tg.manual_seed(11)
    m = make(None)
    built = _arrays(m)
    for p in m.parameters():
        p.data[...] = 3.0
    tg.manual_seed(11)
    m.reset_parameters()
    assert _same(_arrays(m), built)
    g = np.random.default_rng(5)  # likewise for a generator given as rng=
    m = make(g)
    built = _arrays(m)
    g.bit_generator.state = np.random.default_rng(5).bit_generator.state
    m.reset_parameters()
    assert _same(_arrays(m), built)


def test_recurrent_reset_after_deepcopy_follows_manual_seed() -> None:
    # rng=None: the default generator's stream; a deepcopy drew from a private copy of it
    m = nn.LSTM(2, 3, num_layers=2)
    c = copy.deepcopy(m)
    tg.manual_seed(4)
    m.reset_parameters()
    tg.manual_seed(4)
    c.reset_parameters()
    assert _same(_arrays(m), _arrays(c))


def test_reset_parameters_of_the_layers_it_missed() -> None:
    # PReLU, RMSNorm, InstanceNorm and EmbeddingBag had none: a model reset with
    # `m.apply(lambda l: l.reset_parameters() if hasattr(...))` kept their trained values
    pairs = [(nn.PReLU(3, init=0.1), torch.nn.PReLU(3, init=0.1)),
             (nn.RMSNorm(4), torch.nn.RMSNorm(4)),
             (nn.InstanceNorm1d(3, affine=True, track_running_stats=True),
              torch.nn.InstanceNorm1d(3, affine=True, track_running_stats=True))]
    for ours, theirs in pairs:
        x = np.random.default_rng(0).standard_normal((2, 3, 4))
        ours.train()(tg.Tensor(x))
        theirs.train()(torch.tensor(x, dtype=torch.float32))
        before = list(ours.parameters())
        for p in ours.parameters():
            p.data[...] = 5.0
        ours.reset_parameters()
        theirs.reset_parameters()
        assert all(p is q for p, q in zip(before, ours.parameters()))
        sd, tsd = ours.state_dict(), theirs.state_dict()
        assert sorted(sd) == sorted(tsd)
        for k in sd:
            np.testing.assert_allclose(sd[k], tsd[k].numpy(), rtol=1e-7)
    bag = nn.EmbeddingBag(300, 4, padding_idx=2)
    w = bag.weight
    w.data[...] = 5.0
    tg.manual_seed(7)
    bag.reset_parameters()
    assert bag.weight is w and not w.data[2].any() and 0.8 < w.data.std() < 1.2
    tg.manual_seed(7)
    again = nn.EmbeddingBag(300, 4, padding_idx=2)
    np.testing.assert_array_equal(again.weight.data, w.data)


# ---- __setattr__ -----------------------------------------------------------------------------
def test_numpy_scalar_over_a_buffer_keeps_it_a_buffer() -> None:
    # NumPy arithmetic on a 0-d buffer gives a scalar; torch's tensor stays a buffer: here it
    # raised TypeError (`bn.num_batches_tracked = bn.num_batches_tracked + 1`)
    bn, tbn = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    bn.num_batches_tracked = bn.num_batches_tracked + 1
    tbn.num_batches_tracked = tbn.num_batches_tracked + 1
    assert int(bn.state_dict()["num_batches_tracked"]) == int(
        tbn.state_dict()["num_batches_tracked"]) == 1
    assert isinstance(bn.num_batches_tracked, np.ndarray)

    class Ema(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("avg", np.array(0.0))

        def forward(self, x: tg.Tensor) -> tg.Tensor:
            self.avg = self.avg * 0.9 + 0.1 * float(x.data.mean())
            return x

    e = Ema()
    e(tg.Tensor(np.ones(3)))
    assert dict(e.named_buffers())["avg"] == pytest.approx(0.1)
    with pytest.raises(TypeError, match="buffer 'avg'"):
        e.avg = 1.0  # (a Python float: torch's TypeError too)


def test_a_module_over_a_parameter_is_refused_as_torch() -> None:
    tl = torch.nn.Linear(2, 2)
    with pytest.raises(TypeError):
        tl.weight = torch.nn.ReLU()
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'W'"):
        lin.weight = nn.ReLU()  # it silently unregistered W (not trained nor saved)
    with pytest.raises(TypeError, match="parameter 'W'"):
        lin.W = nn.ReLU()
    assert [n for n, _ in lin.named_parameters()] == ["W", "b"]
    bn = nn.BatchNorm1d(2)  # a Module over a buffer or a child: fine, as torch's
    bn.running_mean = nn.ReLU()
    assert "running_mean" in dict(bn.named_children())


# ---- load_state_dict(assign=True) ------------------------------------------------------------
def test_assign_of_arrays_a_step_cannot_write() -> None:
    X = np.random.default_rng(0).standard_normal((4, 3))
    # a read-only array (np.broadcast_to's, a read-only memory map) and a torch tensor's
    # memory (which the write guard cannot unlock) made the optimizer's step fail with
    # NumPy's "output array is read-only"
    tl = torch.nn.Linear(3, 2).double()
    sources = [{k: np.broadcast_to(v, v.shape) for k, v in nn.Linear(3, 2).state_dict().items()},
               tl.state_dict()]
    for sd in sources:
        m = nn.Linear(3, 2)
        m.load_state_dict(sd, assign=True)
        want = {k: np.array(v.numpy() if hasattr(v, "numpy") else v) for k, v in sd.items()}
        np.testing.assert_array_equal(m.W.data, want["weight" if "weight" in sd else "W"])
        opt = optim.SGD(m.parameters(), lr=0.1)
        m(tg.Tensor(X)).sum().backward()
        opt.step()
        np.testing.assert_allclose(m.W.data, want["weight" if "weight" in sd else "W"]
                                   - 0.1 * X.sum(0)[None].repeat(2, 0), rtol=1e-12)
    bn = nn.BatchNorm1d(3)
    bn.load_state_dict({k: np.broadcast_to(v, v.shape) for k, v in bn.state_dict().items()},
                       assign=True)
    bn(tg.Tensor(X))  # (its running statistics move in place)
    assert bn.running_mean.any() and int(bn.num_batches_tracked) == 1


# ---- containers ------------------------------------------------------------------------------
def test_sequential_insert_out_of_range_raises_as_torch() -> None:
    with pytest.raises(IndexError):
        torch.nn.Sequential(torch.nn.ReLU()).insert(5, torch.nn.Tanh())
    s = nn.Sequential(nn.ReLU())
    with pytest.raises(IndexError, match="Sequential.insert"):
        s.insert(5, nn.Tanh())  # it appended the layer without a word
    with pytest.raises(IndexError, match="Sequential.insert"):
        s.insert(-3, nn.Tanh())
    s.insert(-1, nn.Tanh())
    assert [type(m).__name__ for m in s] == ["Tanh", "ReLU"]


def test_module_dict_keys_named_like_sequential_list_methods() -> None:
    # ModuleDict inherits Sequential, which gained append / extend / insert: the keys
    # "append", "extend" and "insert" (torch's ModuleDict takes them) were refused with a
    # KeyError, and hasattr(d, "append") was True where torch's is False
    for key in ("append", "extend", "insert"):
        assert list(torch.nn.ModuleDict({key: torch.nn.ReLU()}).keys()) == [key]
        d = nn.ModuleDict({key: nn.ReLU()})
        assert list(d.keys()) == [key] and isinstance(getattr(d, key), nn.ReLU)
        assert [n for n, _ in d.named_children()] == [key]
    d = nn.ModuleDict()
    assert not hasattr(d, "append") and not hasattr(torch.nn.ModuleDict(), "append")
    with pytest.raises(AttributeError, match="ModuleDict has no extend"):
        d.extend([nn.ReLU()])


def test_get_parameter_takes_torch_names_of_the_course_parameters() -> None:
    # torch code reads "0.weight"; Linear's is W (and BatchNorm1d's gamma): it raised
    seq, tseq = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)), torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    for name in ("0.weight", "0.bias", "1.weight", "1.bias"):
        assert tuple(seq.get_parameter(name).shape) == tuple(tseq.get_parameter(name).shape)
    assert seq.get_parameter("0.weight") is seq[0].W and seq.get_parameter("0.W") is seq[0].W
    with pytest.raises(AttributeError, match="no parameter 'running_mean'"):
        seq.get_parameter("1.running_mean")


def test_lazy_layers_take_assign() -> None:
    # load_state_dict(assign=True) into a lazy layer itself: a TypeError (no assign=), where
    # torch's lazy modules take it
    for lazy, built in ((nn.LazyLinear(2), nn.Linear(3, 2)),
                        (nn.LazyConv2d(2, 3), nn.Conv2d(1, 2, 3))):
        sd = built.state_dict()
        assert lazy.load_state_dict(sd, assign=True) == ([], [])
        assert lazy.W.data is sd["W"] and lazy.b.data is sd["b"]

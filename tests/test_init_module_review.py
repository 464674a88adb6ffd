"""nn.init and the Module system reviewed against torch 2.13: initializers' formulas and
samples, registration rules, traversal keywords, train() propagation, containers."""

import math
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.nn import init

torch = pytest.importorskip("torch")
TI = torch.nn.init


# ---- nn.init -----------------------------------------------------------------------------
SHAPES = [(40, 30), (16, 8, 5), (8, 4, 3, 3), (4, 3, 2, 3, 3), (300, 1), (1, 300)]


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_are_torchs_for_every_weight_rank(shape):
    assert init._calculate_fan_in_and_fan_out(tg.zeros(*shape)) == \
        TI._calculate_fan_in_and_fan_out(torch.zeros(shape))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kaiming_and_xavier_bounds_and_spread_are_torchs(shape, dtype):
    rng = np.random.default_rng(0)
    fan_in, fan_out = TI._calculate_fan_in_and_fan_out(torch.zeros(shape))
    w = tg.Tensor(np.zeros(shape, dtype), requires_grad=True)
    for a, mode, nl in [(0, "fan_in", "leaky_relu"), (math.sqrt(5), "fan_in", "leaky_relu"),
                        (0.2, "fan_out", "leaky_relu"), (0, "fan_out", "relu"),
                        (0, "fan_in", "tanh"), (0, "fan_in", "selu")]:
        fan = fan_in if mode == "fan_in" else fan_out
        bound = math.sqrt(3.0) * TI.calculate_gain(nl, a) / math.sqrt(fan)
        assert init.kaiming_uniform_(w, a, mode, nl, generator=rng) is w
        assert w.data.dtype == dtype and np.abs(w.data).max() <= bound * (1 + 1e-7)
        assert np.abs(w.data).max() > bound * (1 - 30 / w.data.size)
        init.kaiming_normal_(w, a, mode, nl, generator=rng)
        std = bound / math.sqrt(3.0)
        assert abs(w.data.std() - std) < 6 * std / math.sqrt(2 * w.data.size)
    bound = 2.0 * math.sqrt(6.0 / (fan_in + fan_out))
    init.xavier_uniform_(w, gain=2.0, generator=rng)
    assert bound * (1 - 30 / w.data.size) < np.abs(w.data).max() <= bound * (1 + 1e-7)


def test_kaiming_mode_is_case_insensitive_as_torchs():
    w = tg.zeros(30, 40)
    init.kaiming_uniform_(w, mode="FAN_OUT", generator=np.random.default_rng(0))
    bound = math.sqrt(3.0) * math.sqrt(2.0) / math.sqrt(30)
    assert bound * 0.99 < np.abs(w.data).max() <= bound


@pytest.mark.parametrize("fn", ["kaiming_uniform_", "kaiming_normal_"])
def test_kaiming_of_a_zero_element_tensor_warns_and_returns_it(fn):
    w = tg.zeros(0, 3)
    with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
        assert getattr(init, fn)(w) is w


@pytest.mark.parametrize("a, b", [(0.0, math.inf), (-math.inf, 0.0), (math.nan, 1.0)])
def test_uniform_refuses_non_finite_bounds_in_one_line(a, b):
    with pytest.raises(ValueError, match=r"nn.init.uniform_: need finite a <= b"):
        init.uniform_(tg.zeros(3), a, b)


@pytest.mark.parametrize("shape, groups", [((4, 2, 3), 1), ((6, 3, 3, 3), 2),
                                           ((4, 4, 2, 3, 5), 4), ((2, 5, 4), 1),
                                           ((6, 1, 3, 3), 3)])
def test_dirac_is_torchs(shape, groups):
    w = tg.Tensor(np.full(shape, 9.0), requires_grad=True)
    t = torch.full(shape, 9.0, dtype=torch.float64)
    assert init.dirac_(w, groups) is w
    TI.dirac_(t, groups)
    np.testing.assert_array_equal(w.data, t.numpy())


def test_dirac_refuses_what_torch_refuses():
    with pytest.raises(ValueError, match="nn.init.dirac_: only 3-, 4- or 5-D"):
        init.dirac_(tg.zeros(3, 3))
    with pytest.raises(ValueError, match="nn.init.dirac_: groups"):
        init.dirac_(tg.zeros(5, 2, 3), groups=2)


def test_sparse_zeros_each_column_and_draws_the_rest_with_std():
    w = tg.Tensor(np.zeros((200, 50), np.float32), requires_grad=True)
    assert init.sparse_(w, 0.1, std=0.5, generator=np.random.default_rng(0)) is w
    assert w.data.dtype == np.float32
    assert ((w.data == 0).sum(axis=0) == math.ceil(0.1 * 200)).all()
    rest = w.data[w.data != 0]
    assert abs(rest.std() - 0.5) < 6 * 0.5 / math.sqrt(2 * rest.size)
    with pytest.raises(ValueError, match="nn.init.sparse_: only 2-D"):
        init.sparse_(tg.zeros(3), 0.5)


def test_orthogonal_of_a_conv_weight_is_orthogonal_in_float32():
    w = tg.Tensor(np.zeros((8, 3, 3, 3), np.float32), requires_grad=True)
    init.orthogonal_(w, gain=2.0, generator=np.random.default_rng(0))
    q = w.data.reshape(8, -1).astype(np.float64) / 2
    assert w.data.dtype == np.float32
    np.testing.assert_allclose(q @ q.T, np.eye(8), atol=1e-6)


# ---- Module: registration ----------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda m: m.add_module("a.b", nn.ReLU()),
    lambda m: m.add_module("", nn.ReLU()),
    lambda m: m.add_module("forward", nn.ReLU()),
    lambda m: m.register_module("train", nn.ReLU()),
    lambda m: m.register_parameter("a.b", nn.Parameter(tg.zeros(2))),
    lambda m: m.register_parameter("", nn.Parameter(tg.zeros(2))),
    lambda m: m.register_parameter("eval", nn.Parameter(tg.zeros(2))),
    lambda m: m.register_parameter("training", nn.Parameter(tg.zeros(2))),
    lambda m: m.register_buffer("a.b", np.zeros(2)),
    lambda m: m.register_buffer("", np.zeros(2)),
    lambda m: m.register_buffer("forward", np.zeros(2)),
])
def test_registration_refuses_names_torch_refuses(call):
    m = nn.Sequential(nn.Linear(2, 3))
    with pytest.raises(KeyError):
        call(m)
    assert list(m.state_dict()) == ["0.W", "0.b"] and callable(m.forward)


def test_add_module_refuses_what_is_not_a_module():
    m = nn.Sequential()
    with pytest.raises(TypeError, match="add_module.*int is not a Module"):
        m.add_module("q", 3)
    m.register_module("q", nn.Linear(2, 1))  # torch's other name
    assert [k for k, _ in m.named_parameters()] == ["q.W", "q.b"]


@pytest.mark.parametrize("what, assign", [
    ("parameter", lambda m: setattr(m[0], "b", np.zeros(3))),
    ("parameter", lambda m: setattr(m[0], "W", 3)),
    ("child module", lambda m: setattr(m, "0", 3)),
    ("child module", lambda m: setattr(m, "0", tg.zeros(3))),
    ("buffer", lambda m: setattr(m[1], "running_mean", 0.0)),
])
def test_assigning_a_non_parameter_over_a_registered_name_raises_as_torch(what, assign):
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    keys = list(m.state_dict())
    with pytest.raises(TypeError, match=f"cannot assign .* as {what}"):
        assign(m)
    assert list(m.state_dict()) == keys


def test_a_parameter_or_module_may_replace_any_registered_name_as_torchs():
    m = nn.Sequential(nn.Linear(2, 3))
    p = nn.Parameter(tg.zeros(2))
    m.add_module("extra", nn.ReLU())
    setattr(m, "0", p)
    assert dict(m.named_parameters()) == {"0": p} and list(m._modules) == ["extra"]


def test_an_op_result_assigned_to_a_buffer_stays_a_buffer():
    bn = nn.BatchNorm1d(3)
    x = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    bn.running_mean = x.mean(0)  # an op's result, with grad on
    assert "running_mean" in bn.state_dict() and isinstance(bn.running_mean, np.ndarray)
    np.testing.assert_array_equal(bn.state_dict()["running_mean"], [1.5, 2.5, 3.5])


# ---- Module: traversal -------------------------------------------------------------------
def _nets():
    def build(N):
        class Net(N.Module):
            def __init__(self):
                super().__init__()
                self.a = N.Linear(2, 2)
                self.b = N.Linear(2, 2)
                self.b.weight = self.a.weight
                self.c = self.a
                self.bn = N.BatchNorm1d(2)
                self.p = N.Parameter(tg.zeros(1) if N is nn else torch.zeros(1))
        return Net()
    return build(nn), build(torch.nn)


_TORCH = {"W": "weight", "b": "bias", "gamma": "weight", "beta": "bias"}


def _torch_names(names):
    return [".".join([*n.split(".")[:-1], _TORCH.get(n.split(".")[-1], n.split(".")[-1])])
            for n in names]


@pytest.mark.parametrize("kw", [{}, {"recurse": False}, {"remove_duplicate": False},
                                {"prefix": "top"}])
def test_named_parameters_keywords_are_torchs(kw):
    ours, theirs = _nets()
    names = [k for k, _ in ours.named_parameters(**kw)]
    assert _torch_names(names) == [k for k, _ in theirs.named_parameters(**kw)]
    if "prefix" not in kw and "remove_duplicate" not in kw:
        assert len(ours.parameters(**kw)) == len(list(theirs.parameters(**kw)))


@pytest.mark.parametrize("kw", [{}, {"remove_duplicate": False}])
def test_named_modules_and_buffers_keywords_are_torchs(kw):
    ours, theirs = _nets()
    assert [k for k, _ in ours.named_modules(**kw)] == \
        [k for k, _ in theirs.named_modules(**kw)]
    assert [k for k, _ in ours.named_buffers(**kw)] == \
        [k for k, _ in theirs.named_buffers(**kw)]
    assert ours.named_buffers(recurse=False) == [] == list(theirs.named_buffers(recurse=False))


def test_get_submodule_parameter_buffer():
    m = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.BatchNorm1d(3)))
    assert m.get_submodule("") is m and m.get_submodule("1.0") is m[1][0]
    assert m.get_parameter("0.W") is m[0].W
    assert m.get_buffer("1.0.running_mean") is m[1][0].running_mean
    with pytest.raises(AttributeError, match=r"get_submodule\('0.x'\): Linear has no submodule"):
        m.get_submodule("0.x")
    with pytest.raises(AttributeError, match="has no parameter 'weight_x'"):
        m.get_parameter("0.weight_x")
    with pytest.raises(AttributeError, match="has no buffer 'W'"):
        m.get_buffer("0.W")


def test_state_dict_prefix_destination_and_keep_vars():
    lin = nn.Linear(2, 3)
    sd = lin.state_dict(prefix="enc.")
    assert list(sd) == ["enc.W", "enc.b"] and sd["enc.W"] is not lin.W.data
    kept = lin.state_dict(keep_vars=True)
    assert kept["W"] is lin.W and kept["b"] is lin.b
    dest = {"x": 1}
    assert lin.state_dict(destination=dest) is dest and list(dest) == ["x", "W", "b"]


class _Frozen(nn.Module):
    """Keeps its batch norm in eval mode whatever train() says (a common fine-tuning idiom)."""

    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(2)

    def train(self, mode=True):
        super().train(mode)
        self.bn.eval()
        return self


def test_train_runs_each_childs_own_train_as_torchs():
    outer = nn.Sequential(nn.Linear(2, 2), _Frozen())
    outer.eval()
    outer.train()
    assert outer.training and outer[0].training and outer[1].training
    assert not outer[1].bn.training


def test_half_casts_parameters_and_float_buffers():
    bn = nn.BatchNorm1d(3).half()
    assert {k: v.dtype.name for k, v in bn.state_dict().items()} == {
        "gamma": "float16", "beta": "float16", "running_mean": "float16",
        "running_var": "float16", "num_batches_tracked": "int64"}


# ---- containers --------------------------------------------------------------------------
def _ins(mods):
    return [m.in_features for m in mods]


def test_modulelist_pop_add_iadd_as_torchs():
    ours = nn.ModuleList([nn.Linear(i + 1, 1) for i in range(4)])
    theirs = torch.nn.ModuleList([torch.nn.Linear(i + 1, 1) for i in range(4)])
    assert ours.pop(1).in_features == theirs.pop(1).in_features == 2
    assert _ins(ours) == _ins(theirs) and list(ours._modules) == list(theirs._modules)
    assert _ins(ours + nn.ModuleList([nn.Linear(9, 1)])) == [1, 3, 4, 9]
    ours += [nn.Linear(7, 1)]
    assert _ins(ours) == [1, 3, 4, 7] and list(ours._modules) == ["0", "1", "2", "3"]
    assert [k for k, _ in ours.named_parameters()][-1] == "3.b"


def test_moduledict_pop_and_clear():
    d = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.Linear(2, 1)})
    assert d.pop("a").in_features == 1 and list(d.keys()) == ["b"]
    d.clear()
    assert len(d) == 0 and d.state_dict() == {}


def test_train_and_no_warning_on_shared_children():
    shared = nn.Linear(2, 2)
    m = nn.Sequential(shared, nn.ReLU(), shared)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.eval()
    assert not shared.training and len(m.parameters()) == 2


def test_sequential_list_methods_as_torchs():
    def build(N):
        return N.Sequential(N.Linear(1, 1), N.Linear(2, 1))
    for N in (nn, torch.nn):
        s = build(N)
        assert s.append(N.Linear(3, 1)) is s and s.extend([N.Linear(4, 1)]) is s
        assert s.insert(1, N.Linear(9, 1)) is s
        assert s.pop(0).in_features == 1
        assert _ins(s) == [9, 2, 3, 4] and list(s._modules) == ["0", "1", "2", "3"]
    with pytest.raises(AttributeError, match="ModuleDict has no append"):
        nn.ModuleDict().append(nn.ReLU())


def test_load_state_dict_assign_takes_the_arrays_and_their_dtype():
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    sd = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)).float().state_dict()
    W = m[0].W
    y = m(tg.Tensor(np.ones((4, 2)))).sum()
    assert m.load_state_dict(sd, assign=True) == ([], [])
    assert m[0].W is W and m[0].W.data is sd["0.W"] and m[0].W.dtype == np.float32
    assert m[1].running_var is sd["1.running_var"] and "1.running_var" in m.state_dict()
    with pytest.raises(RuntimeError, match="load_state_dict"):  # it saw the old values
        y.backward()
    t = torch.nn.Linear(2, 3)
    t.load_state_dict({k: v.float() for k, v in t.state_dict().items()}, assign=True)
    with pytest.raises(TypeError, match=r"assign=True\): 'W' is int64"):
        nn.Linear(2, 1).load_state_dict({"W": np.zeros((1, 2), np.int64), "b": np.zeros(1)},
                                        assign=True)


def test_parameterdict_copy_setdefault_clear_as_torchs():
    for N, T in ((nn, tg), (torch.nn, torch)):
        pd = N.ParameterDict({"b": N.Parameter(T.zeros(1)), "a": N.Parameter(T.zeros(2))})
        c = pd.copy()
        assert list(c.keys()) == ["a", "b"] and c["a"] is pd["a"]
        p = N.Parameter(T.zeros(3))
        assert pd.setdefault("c", p) is p and pd.setdefault("c", None) is p
        assert [k for k, _ in pd.named_parameters()] == ["a", "b", "c"]
    ours = nn.ParameterDict({"x": nn.Parameter(tg.zeros(1))})
    ours.clear()
    assert len(ours) == 0 and ours.state_dict() == {}


@pytest.mark.parametrize("flag", ["False", None, 0])
def test_requires_grad_refuses_a_non_bool_as_torch(flag):
    lin = nn.Linear(2, 1).requires_grad_(False)
    with pytest.raises(TypeError, match="requires_grad must be True or False"):
        lin.requires_grad_(flag)
    assert not lin.W.requires_grad


@pytest.mark.parametrize("name, args", [
    ("Linear", (300, 200)), ("Conv1d", (20, 30, 3)), ("Conv3d", (8, 6, 3)),
    ("ConvTranspose1d", (20, 30, 3)), ("ConvTranspose2d", (20, 30, 3)), ("Bilinear", (20, 30, 40))])
def test_reset_parameters_redraws_with_torchs_bounds(name, args):
    ours = getattr(nn, name)(*args, dtype=np.float32, rng=np.random.default_rng(0))
    theirs = getattr(torch.nn, name)(*args)
    fan_in, _ = TI._calculate_fan_in_and_fan_out(theirs.weight)
    bound = 1.0 / math.sqrt(args[0] if name == "Bilinear" else fan_in)  # (torch's Bilinear's)
    assert np.abs(theirs.weight.detach().numpy()).max() <= bound
    for p in ours.parameters():
        p.data[...] = 5.0
    ours.reset_parameters()
    for p in (ours.weight, ours.bias):
        assert p.data.dtype == np.float32 and np.abs(p.data).max() <= bound
    assert np.abs(ours.weight.data).max() > bound * (1 - 30 / ours.weight.data.size)


def test_reset_parameters_of_he_conv2d_embedding_and_layernorm():
    conv = nn.Conv2d(16, 8, 3)
    conv.W.data[...] = 5.0
    conv.b.data[...] = 5.0
    conv.reset_parameters()  # the course's He init it was built with
    assert abs(conv.W.data.std() - math.sqrt(2 / (16 * 9))) < 0.1 * math.sqrt(2 / (16 * 9))
    assert not conv.b.data.any()
    emb = nn.Embedding(400, 30, padding_idx=3)
    emb.weight.data[...] = 5.0
    emb.reset_parameters()
    assert not emb.weight.data[3].any() and abs(emb.weight.data.std() - 1) < 0.05
    ln = nn.LayerNorm(4)
    ln.weight.data[...] = 3.0
    ln.bias.data[...] = 3.0
    ln.reset_parameters()
    assert (ln.weight.data == 1).all() and not ln.bias.data.any()


def test_reinitialising_a_model_between_runs_reaches_every_layer():
    m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    for p in m.parameters():
        p.data[...] = 5.0
    m.apply(lambda layer: layer.reset_parameters() if hasattr(layer, "reset_parameters")
            else None)
    assert all(np.abs(p.data).max() < 1 for p in m.parameters())


@pytest.mark.parametrize("name, args, kw", [
    ("LSTM", (3, 50), {"num_layers": 2, "bidirectional": True}),
    ("LSTM", (3, 50), {"proj_size": 10}),
    ("GRU", (3, 50), {}), ("RNN", (3, 50), {}), ("LSTMCell", (3, 50), {}), ("GRUCell", (3, 50), {}),
    ("RNNCell", (3, 50), {})])
def test_reset_parameters_of_recurrent_layers_is_torchs(name, args, kw):
    ours, theirs = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    for p in ours.parameters():
        p.data[...] = 5.0
    ours.reset_parameters()
    theirs.reset_parameters()
    bound = 1 / math.sqrt(50)
    assert max(np.abs(p.data).max() for p in ours.parameters()) <= bound
    assert max(p.abs().max().item() for p in theirs.parameters()) <= bound
    assert np.abs(ours.weight_hh_l0.data if "Cell" not in name else ours.weight_hh.data).max() \
        > bound * 0.99


def test_reset_parameters_of_groupnorm():
    gn = nn.GroupNorm(2, 4)
    gn.weight.data[...] = 3.0
    gn.bias.data[...] = 3.0
    gn.reset_parameters()
    assert (gn.weight.data == 1).all() and not gn.bias.data.any()


def test_registering_over_a_none_placeholder_is_fine():
    lin = nn.Linear(2, 3, bias=False)  # its b is a plain None
    lin.register_parameter("b", nn.Parameter(tg.zeros(3)))
    loss = nn.CrossEntropyLoss()  # weight None
    loss.register_buffer("weight", np.ones(3))
    assert [k for k, _ in lin.named_parameters()] == ["W", "b"] and "weight" in loss.state_dict()

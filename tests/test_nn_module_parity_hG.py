"""nn.Module's PyTorch habits, against torch as the oracle: each means the same here or is
refused in one line. Registering None (a parameter or child set to None keeps its name, as
torch's), `del lin.weight`, `Module.to`'s positional forms, and the state_dict / listing /
container behaviour that already matched torch (kept as guards)."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn, optim

torch = pytest.importorskip("torch")

# the course's names for torch's (Linear's W is weight, BatchNorm's gamma weight)
OURS_TO_TORCH = {"W": "weight", "b": "bias", "gamma": "weight", "beta": "bias"}


def as_torch(names: list[str]) -> list[str]:
    out = []
    for n in names:
        head, _, last = n.rpartition(".")
        out.append(f"{head}.{OURS_TO_TORCH.get(last, last)}" if head
                   else OURS_TO_TORCH.get(last, last))
    return out


def param(*shape: int) -> Tensor:
    return Tensor(np.zeros(shape), requires_grad=True)


# ---- None over a registered parameter or child: the name stays registered (torch's) ------

def test_plain_tensor_over_a_parameter_set_to_none_is_refused_as_torch() -> None:
    tl = torch.nn.Linear(2, 3)
    tl.bias = None
    with pytest.raises(TypeError):
        tl.bias = torch.zeros(3)
    lin = nn.Linear(2, 3)
    lin.bias = None
    # it became a plain attribute: used by forward, neither trained nor saved, without a word
    with pytest.raises(TypeError, match="parameter 'b'"):
        lin.bias = Tensor(np.zeros(3))
    assert lin.b is None and list(lin.state_dict()) == ["W"]
    lin.bias = param(3)  # a parameter is welcome, in its old place
    assert [n for n, _ in lin.named_parameters()] == ["W", "b"]


def test_register_parameter_none_holds_its_place_as_torch() -> None:
    tm = torch.nn.Module()
    tm.register_parameter("p", None)
    tm.q = torch.nn.Parameter(torch.zeros(1))
    tm.p = torch.nn.Parameter(torch.zeros(2))
    m = nn.Module()
    m.register_parameter("p", None)
    assert m.p is None and [n for n, _ in m.named_parameters()] == []
    m.q = param(1)
    m.p = param(2)
    # parameters() order is what an optimizer's groups and a zip with torch's model follow
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert list(m.state_dict()) == list(tm.state_dict()) == ["p", "q"]
    m2 = nn.Module()
    m2.register_parameter("p", None)
    with pytest.raises(TypeError, match="parameter 'p'"):
        m2.p = Tensor(np.zeros(2))


def test_weight_set_to_none_then_back_keeps_torch_order() -> None:
    tl = torch.nn.Linear(2, 3)
    tl.weight = None
    tl.weight = torch.nn.Parameter(torch.zeros(3, 2))
    lin = nn.Linear(2, 3)
    lin.weight = None
    lin.weight = param(3, 2)
    assert as_torch([n for n, _ in lin.named_parameters()]) == \
        [n for n, _ in tl.named_parameters()] == ["weight", "bias"]


def test_child_set_to_none_holds_its_place_as_torch() -> None:
    def build(N: object) -> object:
        m = N.Module()
        m.c = N.Linear(2, 2)
        m.d = N.Linear(2, 2)
        m.c = None
        return m
    tm, m = build(torch.nn), build(nn)
    assert m.c is None and [n for n, _ in m.named_parameters()] == ["d.W", "d.b"]
    assert "(c): None" in repr(m) and "(c): None" in repr(tm)
    tm.c, m.c = torch.nn.Linear(2, 2), nn.Linear(2, 2)
    assert as_torch(list(m.state_dict())) == list(tm.state_dict())
    assert [n for n, _ in m.named_children()] == [n for n, _ in tm.named_children()]
    with pytest.raises(TypeError, match="child module 'c'"):
        build(nn).c = Tensor(np.zeros(2))


def test_add_module_none_holds_its_place_as_torch() -> None:
    tm, m = torch.nn.Module(), nn.Module()
    tm.add_module("norm", None)
    m.add_module("norm", None)
    tm.fc, m.fc = torch.nn.Linear(2, 2), nn.Linear(2, 2)
    tm.norm, m.norm = torch.nn.LayerNorm(2), nn.LayerNorm(2)
    assert as_torch([n for n, _ in m.named_parameters()]) == \
        [n for n, _ in tm.named_parameters()]


def test_a_sequential_with_a_child_set_to_none_still_renames_and_deletes() -> None:
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    setattr(seq, "1", None)
    outer = nn.Sequential(seq)  # (naming its children for drawn graphs skips the None)
    assert len(seq) == 3 and seq[1] is None
    del seq[1]
    assert list(seq._modules) == ["0", "1"]
    assert outer(Tensor(np.ones((4, 2)))).shape == (4, 1)


# ---- del of torch's alias (Linear.weight is W) ----------------------------------------

def test_del_weight_unregisters_it_as_torch() -> None:
    tl, lin = torch.nn.Linear(2, 3), nn.Linear(2, 3)
    del tl.weight
    del lin.weight  # raised "property 'weight' of 'Linear' object has no deleter"
    assert not hasattr(tl, "weight") and not hasattr(lin, "weight")
    with pytest.raises(AttributeError, match="'W'"):  # (weight's own name here)
        lin.weight  # noqa: B018
    assert as_torch([n for n, _ in lin.named_parameters()]) == \
        [n for n, _ in tl.named_parameters()] == ["bias"]
    lin.weight = param(3, 2)
    assert lin.weight is lin.W and lin(Tensor(np.ones((1, 2)))).shape == (1, 3)
    bn = nn.BatchNorm1d(3)
    del bn.bias
    assert list(bn.state_dict()) == ["gamma", "running_mean", "running_var",
                                     "num_batches_tracked"]


# ---- Module.to's forms -----------------------------------------------------------------

def test_to_takes_torchs_positional_non_blocking() -> None:
    tl = torch.nn.Linear(2, 2).to(torch.float32, True)
    lin = nn.Linear(2, 2)
    w = lin.W
    assert lin.to(torch.float32, True) is lin  # ("Cannot interpret 'True' as a data type")
    assert lin.W is w and lin.W.dtype == np.float32 and tl.weight.dtype == torch.float32
    assert nn.Linear(2, 2).to("cpu", np.float32, False).W.dtype == np.float32
    assert nn.Linear(2, 2).to(torch.device("cpu")).W.dtype == np.float64


@pytest.mark.parametrize("args, word", [((np.float32, np.float16), "two dtypes"),
                                        (("cpu", "cpu"), "two devices"),
                                        ((3,), "neither a dtype nor a device")])
def test_to_refuses_what_torch_refuses_in_one_line(args: tuple, word: str) -> None:
    with pytest.raises((TypeError, RuntimeError)):  # (torch reads 3 as an accelerator's index)
        torch.nn.Linear(2, 2).to(*args if args[0] != np.float32
                                 else (torch.float32, torch.float16))
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=f"Linear.to\\(\\): .*{word}"):
        lin.to(*args)  # two dtypes silently took the last
    assert lin.W.dtype == np.float64


# ---- what already matched torch (guards) ---------------------------------------------------

def _net(N: object, buf: object, P: object) -> object:
    class Net(N.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("top", buf(2))
            self.register_buffer("scratch", buf(2), persistent=False)
            self.bn = N.BatchNorm1d(2)
            self.fc = N.Linear(2, 2)
            self.p = P(1)
            self.inner = N.Sequential(OrderedDict(lin=N.Linear(2, 2), bn=N.BatchNorm1d(2)))
    return Net()


def test_state_dict_order_strict_false_and_torch_load() -> None:
    a = _net(nn, np.zeros, param)
    b = _net(torch.nn, torch.zeros, lambda *s: torch.nn.Parameter(torch.randn(s)))
    assert as_torch(list(a.state_dict())) == list(b.state_dict())
    assert as_torch([n for n, _ in a.named_buffers()]) == [n for n, _ in b.named_buffers()]
    assert a.load_state_dict(b.state_dict()) == ([], [])
    np.testing.assert_array_equal(a.p.data, b.p.detach().numpy())
    sd = {k: v for k, v in b.state_dict().items() if k != "p"} | {"extra": torch.zeros(1)}
    assert tuple(a.load_state_dict(sd, strict=False)) == (["p"], ["extra"])
    assert tuple(b.load_state_dict(sd, strict=False)) == (["p"], ["extra"])
    with pytest.raises(ValueError, match="'fc.W' has shape \\(3, 2\\)"):
        a.load_state_dict({**sd, "fc.weight": torch.zeros(3, 2)}, strict=False)


def test_shared_parameter_listed_once_and_every_name_without_dedup() -> None:
    tm = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2))
    tm[1].weight = tm[0].weight
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    m[1].weight = m[0].weight
    for dedup in (True, False):
        assert as_torch([n for n, _ in m.named_parameters(remove_duplicate=dedup)]) == \
            [n for n, _ in tm.named_parameters(remove_duplicate=dedup)]
    assert m.load_state_dict(tm.state_dict()) == ([], [])


@pytest.mark.parametrize("name", ["a.b", "", "train"])
def test_registration_names_refused_as_torch(name: str) -> None:
    for call, arg in (("register_buffer", np.zeros(1)), ("register_parameter", param(1)),
                      ("register_module", nn.ReLU())):
        with pytest.raises(KeyError):
            getattr(torch.nn.Module(), call)(name, torch.zeros(1) if call == "register_buffer"
                                             else torch.nn.ReLU() if call == "register_module"
                                             else torch.nn.Parameter(torch.zeros(1)))
        with pytest.raises(KeyError, match=repr(name)):
            getattr(nn.Module(), call)(name, arg)


def test_float_keeps_the_optimizers_parameters_and_copies_are_independent() -> None:
    m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    opt = optim.SGD(m[0].parameters(), lr=0.1)
    w = m[0].W
    assert m.float() is m and m[0].W is w and w.dtype == np.float32
    m[0](Tensor(np.ones((4, 3), np.float32))).sum().backward()
    before = w.data.copy()
    opt.step()
    assert not np.array_equal(before, w.data)
    assert m[1].running_mean.dtype == np.float32 and m[1].num_batches_tracked.dtype == np.int64
    for c in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert c[0].W is not w and c[0].weight is c[0].W
        c[0].W.data[...] = 7
        assert not (w.data == 7).any()


def test_train_eval_recursion_and_container_indexing() -> None:
    tm = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout())
    m = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
    assert m.eval() is m and [x.training for x in m.modules()] == [False] * 3
    assert [x.training for x in tm.eval().modules()] == [False] * 3
    with pytest.raises(ValueError):
        m.train("False")
    ml = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()])
    assert isinstance(ml[-1], nn.Sigmoid) and ml[0] in ml and len(ml[1:]) == 2
    with pytest.raises(IndexError):
        ml[-4]  # noqa: B018
    pl = nn.ParameterList([param(2), param(3)])
    assert pl[-1].shape == (3,) and [n for n, _ in pl.named_parameters()] == ["0", "1"]
    assert list(nn.ParameterDict({"b": param(1), "a": param(1)})) == \
        list(torch.nn.ParameterDict({"b": torch.nn.Parameter(torch.zeros(1)),
                                     "a": torch.nn.Parameter(torch.zeros(1))}))

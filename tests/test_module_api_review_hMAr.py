"""Second review of the nn.Module API change (named_modules' torch signature, repr layout,
Sequential + / * , backward hooks), against torch 2.13 (helper hMAr): modules equal by value
(or unhashable) lost from every listing by a memo that asked their __eq__; ModuleList
subclass and blank-line repr; ModuleList * and ModuleDict + messages; `a + b` drawing a[0]
and b[0] as one layer; a backward hook's gradient for an input or output no gradient
reached, dropped without a word."""

from __future__ import annotations

import copy
import pickle
import random

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn as onn
from tinygrad_dl import optim

torch = pytest.importorskip("torch")
tnn = torch.nn


def _lin(which, seed):
    lin = onn.Linear(2, 2) if which == "o" else tnn.Linear(2, 2, dtype=torch.float64)
    w = np.random.RandomState(seed).randn(2, 2)
    if which == "o":
        lin.W.data[...] = w
        lin.b.data[...] = 0.5
    else:
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(w))
            lin.bias.fill_(0.5)
    return lin


# ---- modules equal by value: every listing sees each one --------------------------------
class _ByValue(onn.Module):
    def __init__(self, k, seed):
        super().__init__()
        self.k, self.fc = k, _lin("o", seed)

    def __eq__(self, other):
        return isinstance(other, _ByValue) and other.k == self.k

    def __hash__(self):
        return hash(self.k)

    def forward(self, x):
        return self.fc(x).tanh()


class _NoHash(onn.Module):  # (__eq__ without __hash__: instances are unhashable)
    def __init__(self, seed):
        super().__init__()
        self.fc = _lin("o", seed)

    def __eq__(self, other):
        return self is other

    def forward(self, x):
        return self.fc(x)


def test_modules_equal_by_value_are_each_listed_trained_and_saved():
    net = onn.Sequential(_ByValue(1, 0), _ByValue(1, 1), onn.Dropout(0.5))
    assert len(net.parameters()) == 4 and len(net.modules()) == 6
    assert list(net.state_dict()) == ["0.fc.W", "0.fc.b", "1.fc.W", "1.fc.b"]
    net.eval()
    assert not any(m.training for m in net.modules())
    w1 = net[1].fc.W.data.copy()
    opt = optim.SGD(net.parameters(), lr=0.1)
    net(tg.Tensor(np.ones((3, 2)))).sum().backward()
    g = net[1].fc.W.grad.copy()
    opt.step()
    np.testing.assert_allclose(net[1].fc.W.data, w1 - 0.1 * g, rtol=1e-12)  # (it was never stepped)


def test_an_unhashable_module_is_listed():
    net = onn.Sequential(_NoHash(0), _NoHash(1))
    assert len(net.parameters()) == 4 and len(net.state_dict()) == 4


def test_named_modules_memo_of_the_caller_as_torch():
    out = []
    for lib in (onn, tnn):
        n = lib.Module()
        n.fc = lib.Linear(2, 2)
        n.blk = lib.Sequential(lib.Tanh(), n.fc)
        memo = {n.blk}
        first = [k for k, _ in n.named_modules(memo, "net")]
        again = [k for k, _ in n.named_modules(memo)]
        kept = set()
        dup = [k for k, _ in n.named_modules(kept, remove_duplicate=False)]
        out.append((first, again, len(memo), dup, len(kept)))
    assert out[0] == out[1] == (["net", "net.fc"], [], 3,
                                ["", "fc", "blk", "blk.0", "blk.1"], 0)


def test_named_modules_prefix_in_the_old_first_place_is_refused_in_one_line():
    net = onn.Sequential(onn.Tanh())  # (a string memo: "'str' object has no attribute 'add'")
    with pytest.raises(TypeError, match=r"memo is a str.*prefix='...'"):
        list(net.named_modules("net"))
    with pytest.raises(TypeError):  # (torch's TypeError too)
        list(tnn.Sequential(tnn.Tanh()).named_modules("net"))


# ---- Sequential * n: the same layers, stepped once -------------------------------------
def test_sequential_times_two_shares_its_layers_and_steps_them_once_as_torch():
    seqs = {w: (_lin(w, 3), (onn if w == "o" else tnn).Tanh()) for w in "ot"}
    o = onn.Sequential(*seqs["o"]) * 2
    t = tnn.Sequential(*seqs["t"]) * 2
    assert o[0] is o[2] and len(o.parameters()) == len(list(t.parameters())) == 2
    oo = optim.SGD(o.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    to = torch.optim.SGD(t.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    x = np.random.RandomState(4).randn(5, 2)
    for _ in range(3):
        oo.zero_grad()
        to.zero_grad()
        (o(tg.Tensor(x)) ** 2).sum().backward()
        (t(torch.tensor(x)) ** 2).sum().backward()
        oo.step()
        to.step()
    np.testing.assert_allclose(o[0].W.data, t[0].weight.detach().numpy(), rtol=1e-10)
    back = onn.Sequential(_lin("o", 9), onn.Tanh()) * 2
    back.load_state_dict(t.state_dict())  # (torch's lists "2.weight" too: the same values)
    np.testing.assert_array_equal(back[2].W.data, t[0].weight.detach().numpy())
    for c in (copy.deepcopy(o), pickle.loads(pickle.dumps(o))):
        assert c[0] is c[2] and c[0] is not o[0] and len(c.parameters()) == 2


# ---- a drawn graph's names after + ------------------------------------------------------
def test_sequential_plus_names_the_right_operands_layers_by_their_places():
    a = onn.Sequential(onn.Linear(2, 3), onn.Tanh())
    b = onn.Sequential(onn.Linear(3, 1), onn.Sequential(onn.ReLU()))
    c = a + b
    assert [m._scope for m in c] == ["0", "1", "2", None]  # (b[0] was "0": a[0]'s box)
    assert c[3][0]._scope == "3.0"
    s = onn.Sequential(onn.Linear(2, 3), onn.Tanh())
    s += onn.Sequential(onn.Linear(3, 1))
    assert [m._scope for m in s] == ["0", "1", "2"]  # (as += names them)
    assert [m._scope for m in a] == ["0", "1"]  # (the left operand's names kept)


# ---- repr ------------------------------------------------------------------------------
def test_module_list_subclass_repr_has_its_own_name_as_torch():
    for lib in (onn, tnn):
        class Blocks(lib.ModuleList):
            pass
        assert repr(Blocks([lib.Tanh(), lib.Tanh()])) == "Blocks(\n  (0-1): 2 x Tanh()\n)"
        assert repr(Blocks()) == "Blocks()"


_EXTRAS = ["", "a=1", "a=1\nb=2", "x\n", "\n", "p\nq", "  sp", "k=(1,\n 2)"]


def _spec(rng, depth):
    if depth > 3 or rng.random() < 0.35:
        return ("leaf", rng.choice(_EXTRAS), rng.choice("AB"))
    kids = [_spec(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    kind = rng.choice(["seq", "list", "dict", "node"])
    if kind == "list" and kids and rng.random() < 0.5:
        kids = [kids[0]] * rng.randint(2, 3) + kids[1:]
    return (kind, rng.choice(_EXTRAS), kids, rng.choice("NM"))


def _build(lib, spec):
    if spec[0] == "leaf":
        extra = spec[1]
        leaf = type(spec[2], (lib.Module,), {"extra_repr": lambda self: extra})
        return leaf()
    kind, extra, kids, name = spec
    kids = [_build(lib, k) for k in kids]
    if kind == "seq":
        return lib.Sequential(*kids)
    if kind == "list":
        return lib.ModuleList(kids)
    if kind == "dict":
        return lib.ModuleDict({f"k{i}": k for i, k in enumerate(kids)})
    node = type(name, (lib.Module,), {"extra_repr": lambda self: extra})()
    for i, k in enumerate(kids):
        setattr(node, f"c{i}", k)
    return node


def test_repr_of_random_nested_modules_with_multi_line_extra_repr_matches_torch():
    for seed in range(300):  # (a blank line of a child's extra_repr: torch leaves it empty)
        spec = _spec(random.Random(seed), 0)
        assert repr(_build(onn, spec)) == repr(_build(tnn, spec)), seed


def test_module_list_times_and_module_dict_plus_say_unsupported_operand_as_python():
    for lib in (onn, tnn):
        ml, md = lib.ModuleList([lib.Tanh()]), lib.ModuleDict({"a": lib.Tanh()})
        with pytest.raises(TypeError, match="unsupported operand"):
            ml * 2
        with pytest.raises(TypeError, match="unsupported operand"):
            2 * ml
        with pytest.raises(TypeError, match="unsupported operand"):
            md + md


# ---- backward hooks: a gradient for an input or output no gradient reached ---------------
class _TwoIn(onn.Module):
    def forward(self, a, b):
        return a * 2, b * 3


def _inputs():
    return (tg.Tensor(np.array([1.0, 2.0]), requires_grad=True),
            tg.Tensor(np.array([3.0, 4.0]), requires_grad=True))


def test_backward_hook_gradient_for_an_input_no_gradient_reached_is_refused():
    m = _TwoIn()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0] * 0 + 5))
    a, b = _inputs()
    with pytest.raises(RuntimeError, match=r"nonzero grad_input\[1\].*no gradient reached"):
        m(a, b)[0].sum().backward()  # (b.grad stayed None: torch's is 5)


def test_backward_pre_hook_gradient_for_an_output_no_gradient_reached_is_refused():
    m = _TwoIn()
    m.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0] * 0 + 7))
    a, b = _inputs()
    with pytest.raises(RuntimeError, match=r"nonzero grad_output\[1\].*no gradient reached"):
        m(a, b)[0].sum().backward()  # (b.grad stayed None: torch's is 21)


def test_backward_hooks_returning_zeros_or_none_there_still_run():
    m = _TwoIn()
    m.register_full_backward_hook(lambda mod, gi, go: tuple(g * 10 for g in gi))
    m.register_full_backward_pre_hook(lambda mod, go: (go[0], None))
    a, b = _inputs()
    m(a, b)[0].sum().backward()
    np.testing.assert_array_equal(a.grad.data, [20.0, 20.0])
    assert b.grad is None  # (torch's: zeros; see docs/pytorch.md)

"""nn.Module's API against torch 2.13's, on random module trees built alike in both (nested
Sequential / ModuleList / ModuleDict / ParameterList / ParameterDict, custom modules, shared
modules and parameters, buffers persistent or not, None entries, Identity): the listings
(names, order, prefix=, recurse=, remove_duplicate=), state_dict, repr, apply, train/eval;
random edit sequences of Sequential / ModuleList and of a module's registries (setattr,
delattr, register_*); and one named test per mismatch found (helper hMA)."""

from __future__ import annotations

import copy
import random
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn as onn

torch = pytest.importorskip("torch")
tnn = torch.nn


# ---- building one tree in both libraries ---------------------------------------------------
def _lib(which):
    return onn if which == "o" else tnn


def _param(which, a):
    return (onn.Parameter(tg.Tensor(a.copy())) if which == "o"
            else tnn.Parameter(torch.tensor(a.copy())))


def _buf(which, a):
    return a.copy() if which == "o" else torch.tensor(a.copy())


def _custom(which):
    class Custom(_lib(which).Module):
        def __init__(self):
            super().__init__()

        def forward(self, x):
            return x

    return Custom()


def _spec(rng, depth=0):
    kinds = ["leaf", "identity", "seq", "mlist", "mdict", "plist", "pdict", "custom", "shared",
             "sharedp"]
    weights = [4, 1, 2, 2, 2, 1, 1, 3, 1, 1] if depth < 3 else [4, 1, 0, 0, 0, 1, 1, 0, 1, 1]
    k = rng.choices(kinds, weights)[0]

    def shape():
        return tuple(rng.randint(0, 3) for _ in range(rng.randint(0, 2)))

    if k == "leaf":
        ps = [(f"p{i}", None if rng.random() < 0.15 else shape()) for i in range(rng.randint(0, 3))]
        bs = [(f"b{i}", None if rng.random() < 0.15 else shape(), rng.random() < 0.7)
              for i in range(rng.randint(0, 2))]
        return (k, ps, bs, rng.random() < 0.5)
    if k in ("seq", "mlist", "custom"):
        return (k, [_spec(rng, depth + 1) for _ in range(rng.randint(0, 3))])
    if k == "mdict":
        return (k, [(key, _spec(rng, depth + 1))
                    for key in rng.sample(["a", "z", "m", "k0", "q"], rng.randint(0, 3))])
    if k == "plist":
        return (k, [shape() for _ in range(rng.randint(0, 3))])
    if k == "pdict":
        return (k, [(key, shape()) for key in rng.sample(["x", "a", "c", "b"], rng.randint(0, 3))])
    if k in ("shared", "sharedp"):
        return (k, rng.random())
    return (k,)


def _build(w, spec, built, values):
    k, nn = spec[0], _lib(w)
    if k == "leaf":
        m = _custom(w)
        items = [("p", *p) for p in spec[1]] + [("b", *b) for b in spec[2]]
        for it in items[::-1] if spec[3] else items:
            if it[0] == "p":
                m.register_parameter(it[1], None if it[2] is None else _param(w, values(it[2])))
            else:
                m.register_buffer(it[1], None if it[2] is None else _buf(w, values(it[2])),
                                  persistent=it[3])
    elif k == "identity":
        m = nn.Identity()
    elif k == "seq":
        m = nn.Sequential(*[_build(w, s, built, values) for s in spec[1]])
    elif k == "mlist":
        m = nn.ModuleList([_build(w, s, built, values) for s in spec[1]])
    elif k == "custom":
        m = _custom(w)
        for i, s in enumerate(spec[1]):
            setattr(m, f"c{i}", _build(w, s, built, values))
    elif k == "mdict":
        m = nn.ModuleDict(OrderedDict((key, _build(w, s, built, values)) for key, s in spec[1]))
    elif k == "plist":
        m = nn.ParameterList([_param(w, values(s)) for s in spec[1]])
    elif k == "pdict":
        m = nn.ParameterDict(OrderedDict((key, _param(w, values(s))) for key, s in spec[1]))
    elif k == "shared":
        if built:
            return built[int(spec[1] * len(built))]
        m = nn.Identity()
    else:  # "sharedp": a parameter of an earlier module, tied here as "tied"
        m = _custom(w)
        ps = [p for c in built for p in c.parameters(recurse=False)]
        if ps:
            m.tied = ps[int(spec[1] * len(ps))]
    built.append(m)
    return m


def _pair(seed):
    rng = random.Random(seed)
    spec = _spec(rng)
    while spec[0] not in ("seq", "custom", "mlist", "mdict"):
        spec = _spec(rng)
    draw, store = np.random.default_rng(seed), []

    def values(shape):
        store.append(draw.standard_normal(shape))
        return store[-1]

    ours = _build("o", spec, [], values)
    it = iter(store)
    return ours, _build("t", spec, [], lambda shape: next(it))


def _arr(v):
    if isinstance(v, torch.Tensor):
        return v.detach().numpy()
    return v.data if isinstance(v, tg.Tensor) else np.asarray(v)


def _same(ours, theirs, what):
    assert [n for n, _ in ours] == [n for n, _ in theirs], what
    for (n, a), (_, b) in zip(ours, theirs):
        if isinstance(b, tnn.Module):
            assert type(a).__name__ == type(b).__name__, (what, n)
        else:
            assert np.array_equal(_arr(a), _arr(b)) and _arr(a).shape == _arr(b).shape, (what, n)


@pytest.mark.parametrize("seed", range(40))
def test_random_trees_list_save_print_and_walk_as_torch_hMA(seed):
    o, t = _pair(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for prefix in ("", "pre"):
            for rec in (True, False):
                for rd in (True, False):
                    _same(o.named_parameters(prefix, rec, rd),
                          list(t.named_parameters(prefix, rec, rd)), "named_parameters")
                    _same(o.named_buffers(prefix, rec, rd), list(t.named_buffers(prefix, rec, rd)),
                          "named_buffers")
            for rd in (True, False):
                _same(list(o.named_modules(prefix=prefix, remove_duplicate=rd)),
                      list(t.named_modules(prefix=prefix, remove_duplicate=rd)), "named_modules")
        _same(list(o.named_children()), list(t.named_children()), "named_children")
        _same(list(enumerate(o.modules())), list(enumerate(t.modules())), "modules")
        # torch's state_dict lists a tied parameter (a shared module's buffer) under every name,
        # ours under its first (docs/pytorch.md): compare on torch's first names
        first = {n for n, _ in t.named_parameters()} | {n for n, _ in t.named_buffers()}
        for prefix in ("", "x."):
            theirs = [(k, v) for k, v in t.state_dict(prefix=prefix).items()
                      if k[len(prefix):] in first]
            _same(list(o.state_dict(prefix=prefix).items()), theirs, "state_dict")
        for n, p in t.named_parameters(remove_duplicate=False):
            assert np.array_equal(_arr(o.get_parameter(n)), _arr(p)), n
        for n, b in t.named_buffers(remove_duplicate=False):
            assert np.array_equal(_arr(o.get_buffer(n)), _arr(b)), n
        sd = {k: v.numpy() for k, v in t.state_dict().items()}
        assert o.load_state_dict(sd) == ([], [])
        if "Parameter" not in repr(t):  # (torch prints a nested ParameterList on one line)
            assert repr(o) == repr(t)
        seen_o, seen_t = [], []
        o.apply(lambda m: seen_o.append(type(m).__name__))
        t.apply(lambda m: seen_t.append(type(m).__name__))
        assert seen_o == seen_t
        mods_o, mods_t = list(o.modules()), list(t.modules())
        o.eval(), t.eval()
        if len(mods_o) > 1:
            mods_o[1].train(), mods_t[1].train()
        assert ([m.training for _, m in o.named_modules(remove_duplicate=False)]
                == [m.training for _, m in t.named_modules(remove_duplicate=False)])
        o2, t2 = copy.deepcopy(o), copy.deepcopy(t)
        a = [id(p) for _, p in o2.named_parameters(remove_duplicate=False)]
        b = [id(p) for _, p in t2.named_parameters(remove_duplicate=False)]
        assert [a.index(x) for x in a] == [b.index(x) for x in b]  # the ties kept alike


# ---- random edits of Sequential / ModuleList ----------------------------------------------
_KINDS = ["ReLU", "Tanh", "Sigmoid", "ELU", "Identity", "GELU"]


def _snap(s):
    return [(n, type(m).__name__) for n, m in s._modules.items()], [type(m).__name__ for m in s]


def _list_op(w, s, cont, rng):
    nn = _lib(w)
    op = rng.choice(["append", "extend", "insert", "pop", "delidx", "delslice", "setitem", "iadd",
                     "getslice", "getidx", "add", "mul", "reversed"])
    i, j = rng.randint(-5, 5), rng.choice([None, rng.randint(-5, 5)])
    step, kind = rng.choice([None, 1, 2, -1, -2]), rng.choice(_KINDS)
    layer = getattr(nn, kind)()
    other = (nn.Sequential if cont == "Sequential" else nn.ModuleList)(nn.Tanh())
    if op == "append":
        s.append(layer)
    elif op == "extend":
        s.extend([layer, nn.ReLU()])
    elif op == "insert":
        if cont == "ModuleList" and not 0 <= i <= len(s):  # (torch's KeyError, or a key "i")
            return "skip"
        s.insert(i, layer)
    elif op == "pop":
        return type(s.pop(i)).__name__
    elif op == "delidx":
        del s[i]
    elif op == "delslice":
        del s[i:j:step]
    elif op == "setitem":
        s[i] = layer
    elif op == "iadd":
        s += other
    elif op == "getslice":
        return _snap(s[i:j:step])
    elif op == "getidx":
        return type(s[i]).__name__
    elif op == "add":
        return _snap(s + other)
    elif op == "mul":
        return _snap(s * (i or 2)) if cont == "Sequential" else "skip"
    else:
        return [type(m).__name__ for m in reversed(s)]
    return None


@pytest.mark.parametrize("seed", range(60))
def test_random_sequential_and_modulelist_edits_as_torch_hMA(seed):
    rng0 = random.Random(seed)
    cont = rng0.choice(["Sequential", "ModuleList"])
    init = [rng0.choice(_KINDS) for _ in range(rng0.randint(0, 4))]
    made = {}
    for w in "ot":
        layers = [getattr(_lib(w), k)() for k in init]
        made[w] = (_lib(w).Sequential(*layers) if cont == "Sequential"
                   else _lib(w).ModuleList(layers))
    for k in range(6):
        res = {}
        for w in "ot":
            try:
                res[w] = ("ok", _list_op(w, made[w], cont, random.Random(seed * 1000 + k)))
            except Exception as e:  # noqa: BLE001 - both must refuse
                res[w] = ("error", type(e).__name__)
        if res["o"] == ("ok", "skip"):
            continue
        assert res["o"][0] == res["t"][0], (k, res)
        if res["o"][0] == "ok":
            assert res["o"] == res["t"], (k, res)
        assert _snap(made["o"]) == _snap(made["t"]), k
        assert repr(made["o"]) == repr(made["t"]), k


# ---- random edits of one module's registries ----------------------------------------------
_OPS = ["set_param", "set_tensor", "set_buffer", "set_module", "set_none", "set_int", "del",
        "reg_param", "reg_param_none", "reg_buffer", "reg_buffer_none", "add_module",
        "add_module_none", "set_op_result"]


def _registry_op(w, m, rng):
    op, v = rng.choice(_OPS), rng.random()
    name = rng.choice(["a", "b", "c", "d"] if rng.random() < 0.85
                      else ["a", "training", "forward", "x.y", ""])
    nn = _lib(w)
    p = _param(w, np.array([v]))
    t = tg.Tensor([v]) if w == "o" else torch.tensor([v], dtype=torch.float64)
    arr = np.array([v]) if w == "o" else torch.tensor([v], dtype=torch.float64)
    if op == "set_param":
        setattr(m, name, p)
    elif op == "set_tensor":
        setattr(m, name, t)
    elif op == "set_op_result":
        setattr(m, name, (tg.Tensor([v], requires_grad=True) if w == "o"
                          else torch.tensor([v], dtype=torch.float64, requires_grad=True)) * 2)
    elif op == "set_buffer":
        setattr(m, name, arr)
    elif op == "set_module":
        setattr(m, name, nn.Identity())
    elif op == "set_none":  # (over a plain attribute: ours lets a register_* take its name)
        if not any(name in r for r in (m._parameters, m._buffers, m._modules)):
            return "skip"
        setattr(m, name, None)
    elif op == "set_int":
        setattr(m, name, 3)
    elif op == "del":
        delattr(m, name)
    elif op == "reg_param":
        m.register_parameter(name, p)
    elif op == "reg_param_none":
        m.register_parameter(name, None)
    elif op == "reg_buffer":
        m.register_buffer(name, arr, persistent=rng.random() < 0.6)
    elif op == "reg_buffer_none":
        m.register_buffer(name, None)
    elif op == "add_module":
        m.add_module(name, nn.ReLU())
    else:
        m.add_module(name, None)
    return "ok"


def _registries(m):
    return (list(m._parameters), list(m._buffers), list(m._modules), list(m.state_dict()),
            [(n, _arr(p).tolist()) for n, p in m.named_parameters()],
            [(n, _arr(b).tolist()) for n, b in m.named_buffers()])


@pytest.mark.parametrize("seed", range(80))
def test_random_registry_edits_as_torch_hMA(seed):
    made = {w: _custom(w) for w in "ot"}
    for k in range(8):
        res = {}
        for w in "ot":
            try:
                res[w] = _registry_op(w, made[w], random.Random(seed * 100 + k))
            except Exception as e:  # noqa: BLE001 - both must refuse
                res[w] = "error " + type(e).__name__
        if res["o"] == "skip":
            continue
        assert res["o"].split()[0] == res["t"].split()[0], (k, res)
        assert _registries(made["o"]) == _registries(made["t"]), k


# ---- one test per mismatch found ------------------------------------------------------------
def test_named_modules_takes_torchs_positional_order_memo_first_hMA():
    net = onn.Sequential(onn.ReLU(), onn.Sequential(onn.Tanh()))
    # torch's signature is named_modules(memo=None, prefix="", remove_duplicate=True): the
    # second positional was read as memo ("'in <string>' requires string as left operand")
    assert [n for n, _ in net.named_modules(None, "net")] == ["net", "net.0", "net.1", "net.1.0"]
    # memo holds modules, as torch's: a module given there is left out with its subtree
    assert [n for n, _ in net.named_modules({net[1]})] == ["", "0"]


def _net_with_extra_reprs(lib):
    class Head(lib.Module):
        def __init__(self):
            super().__init__()
            self.act = lib.ReLU()

        def extra_repr(self):
            return "k=3"

    class Two(lib.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.head, self.two = Head(), Two()

    return Net()


def test_repr_puts_extra_repr_on_its_own_line_with_children_as_torch_hMA():
    # (it was "Head(k=3\n  (act): ReLU()\n)" and "Two(a=1\nb=2)", the second line unindented)
    ours = repr(_net_with_extra_reprs(onn))
    assert ours == repr(_net_with_extra_reprs(tnn))
    assert ours == ("Net(\n  (head): Head(\n    k=3\n    (act): ReLU()\n  )\n"
                    "  (two): Two(\n    a=1\n    b=2\n  )\n)")


def test_modulelist_repr_folds_a_run_of_equal_layers_as_torch_hMA():
    got = repr(tnn.ModuleList([tnn.Tanh(), tnn.Tanh(), tnn.Tanh(), tnn.ReLU(), tnn.Tanh()]))
    assert repr(onn.ModuleList([onn.Tanh(), onn.Tanh(), onn.Tanh(), onn.ReLU(), onn.Tanh()])) \
        == got == "ModuleList(\n  (0-2): 3 x Tanh()\n  (3): ReLU()\n  (4): Tanh()\n)"
    assert repr(onn.ModuleList()) == repr(tnn.ModuleList()) == "ModuleList()"


def test_sequential_add_iadd_and_mul_as_torch_hMA():
    a, b = onn.ReLU(), onn.Tanh()
    s = onn.Sequential(a) + onn.Sequential(b)
    assert type(s) is onn.Sequential and list(s) == [a, b] and list(s._modules) == ["0", "1"]
    s += onn.Sequential(a)
    assert list(s) == [a, b, a] and list(s._modules) == ["0", "1", "2"]
    m = onn.Sequential(a, b) * 2
    assert list(m) == [a, b, a, b] and list(m._modules) == ["0", "1", "2", "3"]
    assert list(2 * onn.Sequential(a)) == [a, a]
    s = onn.Sequential(a, b)
    s *= 2
    assert list(s) == [a, b, a, b]
    net = onn.Sequential(onn.Tanh(), onn.Sequential(onn.ReLU()))  # (a drawn graph's names:
    scopes = [m._scope for m in net.modules()]  # `net + other` does not rename net's layers)
    net + onn.Sequential(onn.ELU()), net * 2
    assert [m._scope for m in net.modules()] == scopes
    for lib in (onn, tnn):  # refused alike
        with pytest.raises(ValueError):
            lib.Sequential(lib.ReLU()) + lib.ModuleList([lib.ReLU()])
        with pytest.raises(ValueError):
            lib.Sequential(lib.ReLU()) * 0
        with pytest.raises(TypeError):
            lib.Sequential(lib.ReLU()) * 1.5
        with pytest.raises(TypeError):
            lib.ModuleList([lib.ReLU()]) * 2
        with pytest.raises(TypeError):
            lib.ModuleDict({"a": lib.ReLU()}) + lib.ModuleDict({"b": lib.ReLU()})


@pytest.mark.parametrize("name", ["a.b", "", "forward"])
def test_assigning_a_parameter_under_a_bad_name_is_refused_as_torch_hMA(name):
    for lib, param in ((tnn, tnn.Parameter(torch.ones(1))),
                       (onn, onn.Parameter(tg.Tensor([1.0])))):
        m = lib.Module()
        with pytest.raises(KeyError):  # ("a.b" was saved as a key that reads as a path,
            setattr(m, name, param)  # "forward" shadowed the method)
        assert list(m._parameters) == []


def test_set_submodule_as_torch_hMA():
    for lib in (onn, tnn):
        net = lib.Sequential(lib.ReLU(), lib.Sequential(lib.Tanh(), lib.ELU()))
        net.set_submodule("1.0", lib.Sigmoid())
        net.set_submodule("2", lib.Identity())
        assert [type(m).__name__ for m in net.modules()] == [
            "Sequential", "ReLU", "Sequential", "Sigmoid", "ELU", "Identity"]
        with pytest.raises(AttributeError):
            net.set_submodule("3", lib.ReLU(), strict=True)
        with pytest.raises(AttributeError):
            net.set_submodule("training", lib.ReLU())
        with pytest.raises(ValueError):
            net.set_submodule("", lib.ReLU())
        with pytest.raises(ValueError):
            net.set_submodule("0", 3)


def test_load_state_dict_reads_a_one_element_entry_into_a_0d_one_as_torch_hMA():
    # torch's rule for 0-d parameters and buffers saved with shape (1,): it was refused
    # ("has shape (1,) in the state dict but () in the model")
    for assign in (False, True):
        m = onn.Module()
        m.register_buffer("count", np.array(2.0))
        m.scale = onn.Parameter(tg.Tensor(np.array(1.0)))
        assert m.load_state_dict({"count": np.array([5.0]), "scale": np.array([7.0])},
                                 assign=assign) == ([], [])
        assert m.count.shape == () and float(m.count) == 5.0
        assert m.scale.shape == () and float(m.scale.data) == 7.0 and m.scale.requires_grad
    with pytest.raises(ValueError, match=r"\(1, 1\)"):  # (only that one shape, as torch)
        m.load_state_dict({"count": np.array([[5.0]]), "scale": np.array([7.0])})


# ---- forward and full backward hooks on random small models --------------------------------
def _hooked_model(w, seed):
    nn, rng, draw = _lib(w), random.Random(seed), np.random.default_rng(seed)
    tensor = (lambda a, rg: tg.Tensor(a, requires_grad=rg)) if w == "o" else (
        lambda a, rg: torch.tensor(a, requires_grad=rg))

    class Layer(nn.Module):
        def __init__(self, kind):
            super().__init__()
            self.kind = kind
            self.w = nn.Parameter(tensor(draw.standard_normal(3), True))

        def forward(self, x, y=None):
            if self.kind == "pair":
                return x * self.w, x + self.w
            return x * self.w + y * y if self.kind == "bin" else (x * self.w).tanh()

    kinds = [rng.choice(["un", "bin", "pair"]) for _ in range(rng.randint(1, 4))]
    layers, log = [Layer(k) for k in kinds], []

    def rounded(v):
        return None if v is None else np.round(_arr(v), 10).tolist()

    for i, m in enumerate(layers):
        for _ in range(rng.randint(0, 2)):
            kind, ret, s = rng.choice(["fpre", "f", "bpre", "b"]), rng.random() < 0.4, rng.choice(
                [0.5, 2.0, -1.0])
            if kind == "fpre":
                def hook(mod, args, i=i, ret=ret, s=s):
                    log.append(("fpre", i, [rounded(a) for a in args]))
                    return tuple(a * s for a in args) if ret else None
                m.register_forward_pre_hook(hook, prepend=rng.random() < 0.3)
            elif kind == "f":
                def hook(mod, args, out, i=i, ret=ret, s=s):
                    outs = out if isinstance(out, tuple) else (out,)
                    log.append(("f", i, [rounded(o) for o in outs]))
                    if ret:
                        return tuple(o * s for o in out) if isinstance(out, tuple) else out * s
                    return None
                m.register_forward_hook(hook, prepend=rng.random() < 0.3)
            elif kind == "bpre":
                def hook(mod, go, i=i, ret=ret, s=s):
                    log.append(("bpre", i, [rounded(g) for g in go]))
                    return tuple(None if g is None else g * s for g in go) if ret else None
                m.register_full_backward_pre_hook(hook, prepend=rng.random() < 0.3)
            else:
                def hook(mod, gi, go, i=i, ret=ret, s=s):
                    log.append(("b", i, [rounded(g) for g in gi], [rounded(g) for g in go]))
                    return tuple(None if g is None else g * s for g in gi) if ret else None
                m.register_full_backward_hook(hook)
    x = tensor(draw.standard_normal(3), rng.random() < 0.8)
    z = tensor(draw.standard_normal(3), rng.random() < 0.5)
    h, extra = x, []
    for k, m in zip(kinds, layers):
        if k == "bin":
            h = m(h, z if rng.random() < 0.5 else h)
        elif k == "pair":
            a, b = m(h)
            h = a if rng.random() < 0.5 else a * b
            if rng.random() < 0.3:
                extra.append(b)
        else:
            h = m(h)
        if rng.random() < 0.2:
            h = h + h
    loss = (h * tensor(draw.standard_normal(3), False)).sum()
    for e in extra:
        loss = loss + e.sum()
    loss.backward()
    return log, rounded(x.grad), rounded(z.grad), [rounded(m.w.grad) for m in layers]


@pytest.mark.parametrize("seed", range(60))
def test_random_forward_and_backward_hooks_as_torch_hMA(seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (torch's "full backward hook is firing" notice)
        assert _hooked_model("o", seed) == _hooked_model("t", seed)


def test_reversed_parameterdict_gives_its_keys_backwards_as_torch_hMA():
    ours = onn.ParameterDict(OrderedDict(b=onn.Parameter(tg.Tensor([1.0])),
                                         a=onn.Parameter(tg.Tensor([2.0]))))
    theirs = tnn.ParameterDict(OrderedDict(b=tnn.Parameter(torch.ones(1)),
                                           a=tnn.Parameter(torch.ones(1))))
    assert list(reversed(ours)) == list(reversed(theirs)) == ["a", "b"]  # (it raised KeyError 1)

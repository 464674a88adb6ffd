"""tinygrad_dl.func (torch.func's functional_call, grad, grad_and_value, vjp) against torch
2.13 (helper hFC): seeded random models (Linear / Conv / BatchNorm / LSTM mixes, nested
lists) called with random parameter and buffer dicts, outputs and gradients to 1e-10 in
float64, the module's own tensors untouched; grad / grad_and_value / vjp of random functions
of nested arguments against torch.func's; and the skeptic's cases (tied weights, strict keys,
a forward that raises, buffers updated in place or reassigned, hooks, jit, nesting)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from oracle import jit_matches_eager, mismatch, one_line, torch_float64  # noqa: F401

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl.func import functional_call, grad, grad_and_value, vjp

torch = pytest.importorskip("torch")
tfunc = pytest.importorskip("torch.func")
pytestmark = pytest.mark.usefixtures("torch_float64")


# ---- random models, built alike in both ------------------------------------------------------
class _Stack:
    """A nested list of layers (keys "layers.0.weight"), then a head."""

    @staticmethod
    def build(lib: Any, rng: np.random.Generator) -> Any:
        widths = [3] + [int(w) for w in rng.integers(2, 5, size=int(rng.integers(1, 4)))]

        class Net(lib.Module):
            def __init__(self) -> None:
                super().__init__()
                self.layers = lib.ModuleList([lib.Linear(a, b) for a, b in
                                              zip(widths, widths[1:])])
                self.norm = lib.BatchNorm1d(widths[-1], eps=1e-5)
                self.head = lib.Linear(widths[-1], 2)

            def forward(self, x: Any) -> Any:
                for layer in self.layers:
                    x = layer(x).tanh()
                return self.head(self.norm(x))

        return Net(), (5, 3)


class _Conv:
    @staticmethod
    def build(lib: Any, rng: np.random.Generator) -> Any:
        c = int(rng.integers(1, 4))
        net = lib.Sequential(lib.Conv2d(2, c, 3, padding=1), lib.BatchNorm2d(c, eps=1e-5),
                             lib.ReLU(), lib.Flatten(), lib.Linear(c * 16, 2))
        return net, (3, 2, 4, 4)


class _Recurrent:
    @staticmethod
    def build(lib: Any, rng: np.random.Generator) -> Any:
        h = int(rng.integers(2, 4))

        class Net(lib.Module):
            def __init__(self) -> None:
                super().__init__()
                self.rnn = lib.LSTM(3, h, batch_first=True)
                self.out = lib.Linear(h, 1)

            def forward(self, x: Any) -> Any:
                y, _ = self.rnn(x)
                return self.out(y)

        return Net(), (2, 4, 3)


KINDS = [_Stack, _Conv, _Recurrent]


def _pair(kind: Any, seed: int) -> tuple[Any, Any, tuple[int, ...]]:
    theirs, shape = kind.build(torch.nn, np.random.default_rng(seed))
    ours, _ = kind.build(nn, np.random.default_rng(seed))
    ours.load_state_dict(theirs.state_dict())
    return theirs, ours, shape


def _draw_dict(theirs: Any, rng: np.random.Generator, with_buffers: bool
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A random subset of the parameters (and buffers), torch's names, random values:
    (torch's dict, ours), the float ones requiring grad."""
    names = dict(theirs.named_parameters())
    if with_buffers:
        names.update(theirs.named_buffers())
    t, o = {}, {}
    for k, v in names.items():
        if rng.random() < 0.3:
            continue
        if v.dtype == torch.int64:
            a = np.array(int(rng.integers(0, 3)))
            t[k], o[k] = torch.tensor(a), Tensor(a.copy())
        elif k.endswith("running_var"):
            a = rng.uniform(0.5, 2, size=tuple(v.shape))
            t[k], o[k] = torch.tensor(a), Tensor(a.copy())
        elif "running" in k:
            a = rng.normal(size=tuple(v.shape))
            t[k], o[k] = torch.tensor(a), Tensor(a.copy())
        else:
            a = rng.normal(size=tuple(v.shape))
            t[k] = torch.tensor(a, requires_grad=True)
            o[k] = Tensor(a.copy(), requires_grad=True)
    return t, o


CASES = [(kind, seed) for kind in KINDS for seed in range(12)]


@pytest.mark.parametrize("kind,seed", CASES)
def test_functional_call_matches_torch(kind: Any, seed: int) -> None:
    """Output, gradients to the given tensors and to x, the given buffers after (updated in
    place in training), and the module's own state and .grad untouched as torch's."""
    rng = np.random.default_rng(seed)
    theirs, ours, shape = _pair(kind, seed)
    if rng.random() < 0.5:
        theirs.eval()
        ours.eval()
    tparams, oparams = _draw_dict(theirs, rng, with_buffers=bool(rng.random() < 0.6))
    xa = rng.normal(size=shape)
    tx, ox = torch.tensor(xa, requires_grad=True), Tensor(xa.copy(), requires_grad=True)
    before = {k: np.array(v) for k, v in ours.state_dict().items()}
    ref = copy.deepcopy(ours)
    full = dict(before)  # (a state dict without the batch count would load one of 1)
    for k, v in oparams.items():
        full[[n for n in full if n == k or _torch_name(n) == k][0]] = np.array(v.data)
    ref.load_state_dict(full)
    tout = tfunc.functional_call(theirs, tparams, (tx,))
    oout = functional_call(ours, oparams, (ox,))
    assert mismatch(oout.data, tout.detach().numpy()) is None
    w = rng.normal(size=tuple(tout.shape))
    tin = [tx] + [v for v in tparams.values() if v.requires_grad]
    oin = [ox] + [v for v in oparams.values() if v.requires_grad]
    tg_ = torch.autograd.grad((tout * torch.tensor(w)).sum(), tin, allow_unused=True)
    og_ = tg.autograd.grad((oout * Tensor(w)).sum(), oin, allow_unused=True)
    for a, b in zip(og_, tg_):
        assert (a is None) == (b is None)
        if a is not None:
            assert mismatch(a.data, b.numpy()) is None
    # the given buffers afterwards (running statistics moved in place in training): as our
    # own module's plain call from those values moves its own (the course's BatchNorm sets
    # the running averages from the first batch, biased variance: docs/pytorch.md), and the
    # batch count as torch's; the module's own parameters untouched, its own buffers (those
    # not given) moved as that plain call's
    assert mismatch(ref(Tensor(xa)).data, oout.data) is None
    ref_state = ref.state_dict()
    named = {**dict(ours.named_parameters()), **dict(ours.named_buffers())}
    for k in tparams:
        ours_k = [n for n in named if n == k or _torch_name(n) == k][0]
        assert mismatch(oparams[k].data, np.asarray(ref_state[ours_k])) is None, k
        if k.endswith("num_batches_tracked") or not ours.training:
            assert mismatch(oparams[k].data, tparams[k].detach().numpy()) is None, k
    for k, v in ours.state_dict().items():
        if k in dict(ours.named_parameters()):
            np.testing.assert_array_equal(np.asarray(v), before[k])
        elif k not in oparams and _torch_name(k) not in oparams:
            assert mismatch(np.asarray(v), np.asarray(ref_state[k])) is None, k
    for p in ours.parameters():
        assert p.grad is None


def _torch_name(k: str) -> str:
    head, _, last = k.rpartition(".")
    last = {"W": "weight", "b": "bias", "gamma": "weight", "beta": "bias"}.get(last, last)
    return f"{head}.{last}" if head else last


# ---- grad, grad_and_value, vjp of random functions ---------------------------------------------
def _fn(choice: int) -> Any:
    """A function of (a dict {"u": u, "v": (v,)}, y), written alike for both libraries."""
    def f(d: Any, y: Any) -> Any:
        u, v = d["u"], d["v"][0]
        terms = [(u.tanh() * y).sum(), (u * u).sum() * v.exp().sum(), (y.sin() * y).sum(),
                 (u.sigmoid() * v.sum()).sum()]
        return terms[choice % 4] + terms[(choice // 4) % 4] * 0.5
    return f


def _args(rng: np.random.Generator, lib: Any) -> tuple[Any, Any, list[np.ndarray]]:
    arrays = [rng.normal(size=(3,)), rng.normal(size=(2,)), rng.normal(size=(3,))]
    t = [lib(a.copy()) for a in arrays]
    return {"u": t[0], "v": (t[1],)}, t[2], arrays


def _flat(x: Any) -> list[np.ndarray]:
    if isinstance(x, dict):
        return [a for v in x.values() for a in _flat(v)]
    if isinstance(x, (tuple, list)):
        return [a for v in x for a in _flat(v)]
    return [x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.data)]


@pytest.mark.parametrize("seed", range(40))
def test_grad_and_vjp_match_torch_func(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    f = _fn(int(rng.integers(0, 16)))
    argnums = [0, 1, (0, 1), (1, 0), -1][int(rng.integers(0, 5))]
    td, ty, arrays = _args(rng, torch.tensor)
    od, oy = {"u": Tensor(arrays[0]), "v": (Tensor(arrays[1]),)}, Tensor(arrays[2])

    def aux(lib_f: Any) -> Any:
        return lambda d, y: (lib_f(d, y), d["u"] * 2)

    want = tfunc.grad(f, argnums=argnums)(td, ty)
    got = grad(f, argnums=argnums)(od, oy)
    for a, b in zip(_flat(got), _flat(want), strict=True):
        assert mismatch(a, b) is None
    (wg, (wv, wa)) = tfunc.grad_and_value(aux(f), argnums=argnums, has_aux=True)(td, ty)
    (gg, (gv, ga)) = grad_and_value(aux(f), argnums=argnums, has_aux=True)(od, oy)
    for a, b in zip(_flat((gg, gv, ga)), _flat((wg, wv, wa)), strict=True):
        assert mismatch(a, b) is None
    # vjp of a vector function with two outputs, cotangents random, called twice
    def g(d: Any, y: Any) -> Any:
        return (d["u"].tanh() * y, d["v"][0].exp() * y.sum())
    wo, wfn = tfunc.vjp(g, td, ty)
    go, gfn = vjp(g, od, oy)
    for _ in range(2):
        c = [rng.normal(size=(3,)), rng.normal(size=(2,))]
        want = wfn((torch.tensor(c[0]), torch.tensor(c[1])))
        got = gfn((Tensor(c[0]), Tensor(c[1])))
        for a, b in zip(_flat(got), _flat(want), strict=True):
            assert mismatch(a, b) is None
    for a, b in zip(_flat(go), _flat(wo), strict=True):
        assert mismatch(a, b) is None


def test_grad_of_functional_call_as_torch_func_docs() -> None:
    """torch.func's own example: grad(compute_loss)(params, x, t) with functional_call."""
    rng = np.random.default_rng(7)
    theirs, ours, shape = _pair(_Stack, 7)
    theirs.eval()  # (torch's grad refuses BatchNorm's in-place count in training: ours
    ours.eval()  # updates the module's own running statistics there, as a plain call)
    xa, ta = rng.normal(size=shape), rng.normal(size=(5, 2))

    def loss(lib_call: Any, model: Any) -> Any:
        return lambda p, x, t: ((lib_call(model, p, (x,)) - t) ** 2).mean()

    want = tfunc.grad(loss(tfunc.functional_call, theirs))(
        {k: v.detach() for k, v in theirs.named_parameters()}, torch.tensor(xa), torch.tensor(ta))
    got = grad(loss(functional_call, ours))(
        {k: v.detach() for k, v in ours.named_parameters()}, Tensor(xa), Tensor(ta))
    assert len(got) == len(want)
    for (k, a), b in zip(got.items(), want.values()):
        assert mismatch(a.data, b.numpy()) is None, k
    assert all(p.grad is None for p in ours.parameters())


def test_unused_input_zeros_and_errors_as_torch() -> None:
    x = Tensor(np.ones(3))
    got = grad(lambda a, b: (a * a).sum(), argnums=(0, 1))(x, Tensor(np.ones(2)))
    np.testing.assert_array_equal(got[1].data, np.zeros(2))
    np.testing.assert_array_equal(grad(lambda a: Tensor(np.ones(())))(x).data, np.zeros(3))
    for call, words in [
        (lambda: grad(lambda a: a * 2)(x), ("scalar Tensor", "1 dims")),
        (lambda: grad(lambda a: a.sum(), argnums=1)(x), ("argnum=1", "1 positional")),
        (lambda: grad(lambda a: a.sum(), argnums=())(x), ("non-empty",)),
        (lambda: grad(lambda a: a.sum(), argnums=(0, -1))(x), ("unique",)),
        (lambda: grad(lambda a: a.sum())(3.0), ("must be Tensor",)),
        (lambda: grad(lambda a: a.sum())(Tensor(np.arange(3))), ("floating point",)),
        (lambda: grad(lambda a: a.sum(), has_aux=True)(x), ("(output, aux)",)),
        (lambda: grad(lambda a: 3.0)(x), ("return a Tensor",)),
        (lambda: vjp(lambda a: a * 2, x)[1](Tensor(np.ones(2))), ("shape",)),
        (lambda: vjp(lambda a: (a, a), x)[1]((Tensor(np.ones(3)),)), ("pytree structure",)),
    ]:
        with pytest.raises((RuntimeError, ValueError)) as e:
            call()
        one_line(e, *words)


# ---- never silently wrong ------------------------------------------------------------------
def test_nesting_and_second_order_refused() -> None:
    x = Tensor(np.array([1.0, 2.0]))
    with pytest.raises(NotImplementedError) as e:
        grad(lambda a: grad(lambda b: (b ** 3).sum())(a).sum())(x)
    one_line(e, "grad", "another func transform")
    with pytest.raises(NotImplementedError) as e:  # a vjp_fn inside a grad likewise
        _, fn = vjp(lambda a: a * a, x)
        grad(lambda a: (fn(a)[0]).sum())(x)
    one_line(e, "another func transform")
    # a result depending on tensors that require grad outside: backward refuses (torch's
    # would give the second derivative; a constant would silently drop that term)
    w = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    g = grad(lambda a: (a * a * w).sum())(x)
    np.testing.assert_allclose(g.data, 2 * x.data * w.data)
    with pytest.raises(NotImplementedError) as e:
        (g.sum() + w.sum()).backward()
    one_line(e, "second derivative")
    with tg.no_grad():  # grad mode off outside: plain results, as torch's
        assert not grad(lambda a: (a * a * w).sum())(x).requires_grad
    # and the transforms run again after a refusal (the nesting mark was reset)
    np.testing.assert_allclose(grad(lambda a: (a * a).sum())(x).data, 2 * x.data)


def test_transforms_refused_in_one_line() -> None:
    for name in ("jacrev", "jacfwd", "hessian", "vmap", "jvp", "linearize"):
        with pytest.raises(NotImplementedError) as e:
            getattr(tg.func, name)(lambda a: a)(Tensor(np.ones(2)))
        one_line(e, name)
    with pytest.raises(NotImplementedError) as e:
        tg.func.jacrev(lambda a: a)
    one_line(e, "autograd.functional.jacobian")


def _tied() -> tuple[Any, Any]:
    class T:
        @staticmethod
        def build(lib: Any) -> Any:
            class Net(lib.Module):
                def __init__(self) -> None:
                    super().__init__()
                    self.a, self.b = lib.Linear(2, 2), lib.Linear(2, 2)
                    self.b.weight = self.a.weight

                def forward(self, x: Any) -> Any:
                    return self.b(self.a(x))
            return Net()
    theirs = T.build(torch.nn)
    ours = T.build(nn)
    ours.load_state_dict(theirs.state_dict())
    return theirs, ours


@pytest.mark.parametrize("given,tie", [({"a.weight": 0}, True), ({"b.weight": 0}, True),
                                        ({"a.weight": 0}, False), ({"b.weight": 1}, False),
                                        ({"a.weight": 0, "b.weight": 0}, True),
                                        ({"a.weight": 0, "b.weight": 1}, False)])
def test_tied_weights_as_torch(given: dict[str, int], tie: bool) -> None:
    theirs, ours = _tied()
    vals = [np.full((2, 2), 0.5), np.full((2, 2), -2.0)]
    tv, ov = [torch.tensor(v) for v in vals], [Tensor(v) for v in vals]
    x = np.arange(4.0).reshape(2, 2)
    want = tfunc.functional_call(theirs, {k: tv[i] for k, i in given.items()},
                                 torch.tensor(x), tie_weights=tie)
    got = functional_call(ours, {k: ov[i] for k, i in given.items()}, Tensor(x),
                          tie_weights=tie)
    assert mismatch(got.data, want.detach().numpy()) is None


def test_tied_different_values_and_strict_keys_raise_as_torch() -> None:
    theirs, ours = _tied()
    two = {"a.weight": Tensor(np.zeros((2, 2))), "b.weight": Tensor(np.ones((2, 2)))}
    with pytest.raises(ValueError) as e:
        functional_call(ours, two, Tensor(np.ones((1, 2))))
    one_line(e, "tied", "tie_weights=False")
    lin = nn.Linear(2, 3)
    with pytest.raises(RuntimeError) as e:
        functional_call(lin, {"W": Tensor(np.zeros((3, 2))), "zz": Tensor(np.zeros(1))},
                        Tensor(np.ones((1, 2))), strict=True)
    one_line(e, "Unexpected key(s): 'zz'", "Missing key(s): 'b'")
    # torch accepts the same (with its names) as complete
    functional_call(lin, {"weight": Tensor(np.zeros((3, 2))), "bias": Tensor(np.zeros(3))},
                    Tensor(np.ones((1, 2))), strict=True)
    # tie_weights=True fills the other tied name: strict sees no missing key, as torch's
    functional_call(ours, {k: Tensor(np.zeros(v.shape)) for k, v in [
        ("a.weight", ours.a.W), ("a.bias", ours.a.b), ("b.bias", ours.b.b)]},
        Tensor(np.ones((1, 2))), strict=True)
    for bad, err, words in [(3, ValueError, ("dict",)), ([{"W": 1}, 3], ValueError, ("dict",)),
                            (({"W": Tensor(np.ones((3, 2)))}, {"W": Tensor(np.ones((3, 2)))}),
                             ValueError, ("multiple dictionaries",)),
                            ({"W": 3.0}, TypeError, ("not a Tensor",)),
                            ({"nope.W": Tensor(np.ones(1))}, AttributeError, ("nope",))]:
        with pytest.raises(err) as e:
            functional_call(lin, bad, Tensor(np.ones((1, 2))))
        one_line(e, *words)


def test_module_restored_after_forward_raises_and_wrong_shape() -> None:
    """A value of the wrong shape is accepted as torch's (the module sees it): the forward's
    own error, and every tensor back in place afterwards."""
    lin = nn.Linear(2, 3)
    W, b = lin.W, lin.b
    with pytest.raises(ValueError):
        functional_call(lin, {"weight": Tensor(np.zeros((5, 4))), "b": Tensor(np.zeros(3))},
                        Tensor(np.ones((1, 2))))
    assert lin.W is W and lin.b is b and lin._parameters["W"] is W and lin.weight is W
    # an extra key naming no tensor: set for the call, gone afterwards (torch's allow_missing)
    functional_call(lin, {"extra": Tensor(np.ones(1))}, Tensor(np.ones((1, 2))))
    assert not hasattr(lin, "extra")
    # an op result stands for a parameter for the call (torch's), the gradient goes through it
    p = Tensor(np.ones((3, 2)), requires_grad=True)
    out = functional_call(lin, {"W": p * 2}, Tensor(np.ones((1, 2))))
    (g,) = tg.autograd.grad(out.sum(), [p])
    np.testing.assert_array_equal(g.data, np.full((3, 2), 2.0))
    assert lin.W is W and W.grad is None
    with pytest.raises(TypeError) as e:  # a buffer given a Tensor that requires grad
        functional_call(nn.BatchNorm1d(2), {"running_mean": Tensor(np.zeros(2),
                                                                   requires_grad=True)},
                        Tensor(np.ones((3, 2))))
    one_line(e, "running_mean", "buffers are arrays")


def test_reassigned_buffer_comes_back_in_the_dict_as_torch() -> None:
    class Count:
        @staticmethod
        def build(lib: Any, zeros: Any) -> Any:
            class M(lib.Module):
                def __init__(self) -> None:
                    super().__init__()
                    self.register_buffer("n", zeros(()))

                def forward(self, x: Any) -> Any:
                    self.n = self.n + 1
                    return x * 1
            return M()
    theirs = Count.build(torch.nn, torch.zeros)
    ours = Count.build(nn, np.zeros)
    td, od = {"n": torch.zeros(())}, {"n": Tensor(np.zeros(()))}
    tfunc.functional_call(theirs, td, torch.ones(1))
    functional_call(ours, od, Tensor(np.ones(1)))
    assert float(od["n"].data) == float(td["n"]) == 1.0
    assert float(ours.n) == float(theirs.n) == 0.0


def test_hooks_run_and_jit_matches_eager() -> None:
    lin = nn.Linear(2, 1)
    seen = []
    h = lin.register_forward_hook(lambda m, a, o: seen.append(float(o.data.sum())))
    functional_call(lin, {"W": Tensor(np.ones((1, 2))), "b": Tensor(np.zeros(1))},
                    Tensor(np.ones((1, 2))))
    assert seen == [2.0]
    h.remove()
    w = Tensor(np.array([[0.5, -1.0]]), requires_grad=True)

    def step(x: Tensor) -> Tensor:
        out = functional_call(lin, {"W": w}, (x,)).sum()
        out.backward()
        return out

    xs = [Tensor(np.random.default_rng(i).normal(size=(3, 2))) for i in range(4)]
    jit_matches_eager(step, xs, w)
    assert lin.W is not w and lin.W.grad is None


def test_stateless_alias() -> None:
    assert nn.utils.stateless.functional_call is functional_call
    assert tg.func.functional_call is functional_call


def test_parametrized_module_as_torch() -> None:
    """The parametrization's own tensor by its name (torch's "parametrizations.weight.
    original") is taken and the parametrization runs on it, as torch's; the computed name
    itself is refused in one line naming that key (torch's needs a right_inverse)."""
    class Sym:
        @staticmethod
        def make(lib: Any) -> Any:
            class S(lib.Module):
                def forward(self, X: Any) -> Any:
                    return X + X.T
            return S()
    theirs, ours = torch.nn.Linear(2, 2), nn.Linear(2, 2)
    ours.load_state_dict(theirs.state_dict())
    torch.nn.utils.parametrize.register_parametrization(theirs, "weight", Sym.make(torch.nn))
    nn.utils.parametrize.register_parametrization(ours, "W", Sym.make(nn))
    a = np.array([[1.0, 2.0], [0.5, -1.0]])
    key = "parametrizations.weight.original"
    want = tfunc.functional_call(theirs, {key: torch.tensor(a)}, torch.ones(1, 2))
    got = functional_call(ours, {key: Tensor(a)}, Tensor(np.ones((1, 2))))
    assert mismatch(got.data, want.detach().numpy()) is None
    with pytest.raises(TypeError) as e:
        functional_call(ours, {"weight": Tensor(a)}, Tensor(np.ones((1, 2))))
    one_line(e, "computed attribute", key)
    assert grad(lambda d: Tensor(np.ones(())).sum())({}) == {}

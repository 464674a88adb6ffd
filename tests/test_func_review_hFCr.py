"""Review of tinygrad_dl.func / nn.utils.stateless (helper hFCr): the cases the first tests
missed, each against torch 2.13's torch.func where torch defines it: two spellings of one key
with different values (one was dropped without a word), a class attribute named as a key (a
method replaced for the call where torch refuses), a reassigned buffer of a submodule held
under two names (not written back into the caller's dict), namedtuples in the arguments,
aux and outputs (refused where torch's pytree walks them)."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np
import pytest
from oracle import one_line, torch_float64  # noqa: F401

from tinygrad_dl import Tensor, nn
from tinygrad_dl.func import functional_call, grad, grad_and_value, vjp

torch = pytest.importorskip("torch")
tfunc = pytest.importorskip("torch.func")
pytestmark = pytest.mark.usefixtures("torch_float64")

Pair = namedtuple("Pair", "a b")


def _x(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((4, 3))


@pytest.mark.parametrize("as_tuple", [False, True])
def test_two_spellings_of_one_tensor_with_different_values_refused(as_tuple: bool) -> None:
    m = nn.Linear(3, 2)
    own = dict(m.named_parameters())
    ours, theirs = Tensor(np.ones((2, 3))), Tensor(np.zeros((2, 3)))
    given: Any = ({"W": ours}, {"weight": theirs}) if as_tuple else {"W": ours, "weight": theirs}
    with pytest.raises(ValueError) as e:
        functional_call(m, given, (Tensor(_x()),))
    one_line(e)
    assert "'W'" in str(e.value) and "'weight'" in str(e.value)
    assert dict(m.named_parameters()) == own  # nothing swapped
    # the same tensor under both spellings is not ambiguous
    out = functional_call(m, {"W": ours, "weight": ours}, (Tensor(_x()),))
    np.testing.assert_allclose(out.data, _x() @ ours.data.T + m.b.data, rtol=1e-14)


@pytest.mark.parametrize("key", ["forward", "scale"])
def test_class_attribute_key_refused_as_torch(key: str) -> None:
    def build(lib: Any) -> Any:
        class S(lib.Module):
            scale = 2.0

            def forward(self, x: Any) -> Any:
                return x * self.scale

        return S()

    with pytest.raises(TypeError):
        tfunc.functional_call(build(torch.nn), {key: torch.tensor(3.0)}, (torch.ones(2),))
    m = build(nn)
    with pytest.raises(TypeError) as e:
        functional_call(m, {key: Tensor(np.array(3.0))}, (Tensor(np.ones(2)),))
    one_line(e, f"key {key!r}", "not a tensor")  # (not "'Tensor' object is not callable")
    assert key not in m.__dict__
    np.testing.assert_array_equal(m(Tensor(np.ones(2))).data, [2.0, 2.0])


def test_reassigned_buffer_of_shared_submodule_written_back_as_torch() -> None:
    def build(lib: Any, zeros: Any) -> Any:
        class B(lib.Module):
            def __init__(self) -> None:
                super().__init__()
                self.register_buffer("n", zeros)

            def forward(self, x: Any) -> Any:
                self.n = self.n + 1  # reassigned, not updated in place
                return x * self.n

        class Shared(lib.Module):
            def __init__(self) -> None:
                super().__init__()
                self.a = B()
                self.b = self.a  # one submodule under two names: its buffer is tied

            def forward(self, x: Any) -> Any:
                return self.a(x)

        return Shared()

    t = build(torch.nn, torch.zeros(()))
    theirs = {"a.n": torch.tensor(5.0)}
    tfunc.functional_call(t, theirs, (torch.ones(1),))
    m = build(nn, np.zeros(()))
    own = m.a.n
    ours = {"a.n": Tensor(np.array(5.0))}
    functional_call(m, ours, (Tensor(np.ones(1)),))
    assert float(ours["a.n"].data) == float(theirs["a.n"]) == 6.0
    assert m.a.n is own and float(own) == 0.0  # (torch's module keeps the given 5.0)


def test_namedtuple_arguments_aux_and_outputs_as_torch_func() -> None:
    rng = np.random.default_rng(7)
    a, b, c = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(3)

    def f(p: Any) -> Any:
        return (p.a * p.b).tanh().sum(), Pair(p.a * 2, p.b.exp())

    for lib, T, G in ((torch, torch.tensor, tfunc.grad_and_value), (None, Tensor, grad_and_value)):
        g, (v, aux) = G(f, has_aux=True)(Pair(T(a), T(b)))
        assert type(g) is Pair and type(aux) is Pair
        if lib is torch:
            want = [g.a, g.b, v, aux.a, aux.b]
        else:
            got = [g.a, g.b, v, aux.a, aux.b]
    for w, o in zip(want, got):
        np.testing.assert_allclose(o.data, w.numpy(), rtol=1e-12, atol=1e-14)

    def h(x: Any) -> Any:
        return Pair(x * x, x.sin())

    (tg_g,) = vjp(h, Tensor(a))[1](Pair(Tensor(b), Tensor(c)))
    (t_g,) = tfunc.vjp(h, torch.tensor(a))[1](Pair(torch.tensor(b), torch.tensor(c)))
    np.testing.assert_allclose(tg_g.data, t_g.numpy(), rtol=1e-12, atol=1e-14)
    # a plain tuple of cotangents for a namedtuple output: a structure mismatch, as torch's
    with pytest.raises(RuntimeError) as e:
        vjp(h, Tensor(a))[1]((Tensor(b), Tensor(c)))
    one_line(e)
    assert grad(lambda p: p.a.sum(), argnums=0)(Pair(Tensor(a), Tensor(b))).b.data.tolist() \
        == [0.0, 0.0, 0.0]


def test_shared_submodule_two_values_untied_output_as_torch_module_restored() -> None:
    """tie_weights=False, one Linear under two names given two values: the output as torch's
    (the last one given), and the module's own weight back afterwards with the caller's dict
    as given (torch 2.13's keeps the first given tensor and swaps the dict's entries)."""
    def build(lib: Any) -> Any:
        class Shared(lib.Module):
            def __init__(self) -> None:
                super().__init__()
                self.a = lib.Linear(3, 3)
                self.b = self.a

            def forward(self, x: Any) -> Any:
                return self.b(self.a(x))

        return Shared()

    t, m = build(torch.nn), build(nn)
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    eye = np.eye(3)
    want = tfunc.functional_call(t, {"a.weight": torch.tensor(eye), "b.weight": torch.tensor(
        2 * eye)}, (torch.tensor(_x()),), tie_weights=False).detach().numpy()
    own = m.a.W
    given = {"a.weight": Tensor(eye), "b.weight": Tensor(2 * eye)}
    kept = dict(given)
    got = functional_call(m, given, (Tensor(_x()),), tie_weights=False)
    np.testing.assert_allclose(got.data, want, rtol=1e-13, atol=1e-14)
    assert m.a.W is own and dict(m.named_parameters())["a.W"] is own
    assert all(given[k] is kept[k] for k in kept)

"""Second review of helper hA's dtype refusal and Tensor.from_result (test_tensor_dtypes_hA):
the constants methods build beside an op (an identity, a mask, a zero U/V, a hook's gradient)
were made by calling type(x)(array), so a Tensor subclass whose __init__ takes more failed in
them only, where its ops now work; jit replay returned a plain Tensor where eager returns the
subclass; a list of big-endian arrays (which torch reads) was refused. Helper hAr."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl.jit import jit


class Unit(Tensor):
    """A user's subclass whose constructor takes one more argument."""

    __slots__ = ("unit",)

    def __init__(self, data, unit):
        super().__init__(data)
        self.unit = unit


class Tagged(Tensor):
    """A subclass that carries an attribute onto its op results by overriding from_result."""

    __slots__ = ("tag",)

    def __init__(self, data, requires_grad=False, tag="?"):
        super().__init__(data, requires_grad)
        self.tag = tag

    @classmethod
    def from_result(cls, data):
        t = super().from_result(data)
        t.tag = "result"
        return t


A = np.array([[2.0, 1.0], [0.5, 3.0]])
B = np.array([[1.0, -2.0], [0.0, 4.0]])
CASES = {  # each builds a constant of type(x) beside its op
    "matrix_power(0)": lambda x: x.matrix_power(0),
    "slogdet sign": lambda x: x.slogdet()[0],
    "slogdet logabs": lambda x: x.slogdet()[1],
    "logdet": lambda x: x.logdet(),
    "svd(compute_uv=False) U": lambda x: x.svd(compute_uv=False)[0],
    "svd(compute_uv=False) S": lambda x: x.svd(compute_uv=False)[1],
    "addmv(beta=0)": lambda x: x[0].addmv(x, x[1], beta=0),
    "addr(beta=0)": lambda x: x.addr(x[0], x[1], beta=0),
    "addbmm(beta=0)": lambda x: x.addbmm(x.reshape(1, 2, 2), x.reshape(1, 2, 2), beta=0),
    "addmm(beta=0)": lambda x: x.addmm(x, x, beta=0),
}


@pytest.mark.parametrize("case", CASES)
def test_every_method_keeps_a_subclass_whose_init_takes_more(case):
    fn = CASES[case]
    want = fn(Tensor(A))
    got = fn(Unit(A, "m"))
    assert type(got) is Unit, case
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("leaf", [True, False])
def test_a_hook_on_a_subclass_tensor_is_given_its_gradient(leaf):
    w = Unit(np.array([1.0, 2.0]), "m")
    w.requires_grad = True
    seen = []
    t = w if leaf else w * 3.0
    t.register_hook(lambda g: seen.append(g.numpy().copy()))
    (t * t).sum().backward()
    want = [2.0, 4.0] if leaf else [6.0, 12.0]
    assert len(seen) == 1 and seen[0].tolist() == want
    assert w.grad.tolist() == ([2.0, 4.0] if leaf else [18.0, 36.0])


def test_a_subclass_sets_its_attributes_on_results_by_overriding_from_result():
    x = Tagged(np.array([1.0, 2.0]), tag="input")
    y = (x * 2.0).exp().sum()
    assert type(y) is Tagged and y.tag == "result" and x.tag == "input"
    assert type(x > 1) is Tensor  # (a comparison: a plain mask, as before)


def _step_of(w, shape):
    def step(x):
        y = (w * x).sum()
        y.backward()
        return shape(y)
    return step


@pytest.mark.parametrize("shape", ["tensor", "tuple", "dict"])
@pytest.mark.parametrize("cls", ["plain subclass", "Unit"])
def test_jit_replay_returns_the_subclass_eager_returns(shape, cls):
    """Eagerly an op of a subclass gives the subclass; replay gave a plain Tensor."""
    w = (type("Sub", (Tensor,), {})(np.ones(3)) if cls == "plain subclass"
         else Unit(np.ones(3), "m"))
    w.requires_grad = True
    wrap = {"tensor": lambda y: y, "tuple": lambda y: (y, 1), "dict": lambda y: {"loss": y}}[shape]
    unwrap = {"tensor": lambda r: r, "tuple": lambda r: r[0], "dict": lambda r: r["loss"]}[shape]
    step = _step_of(w, wrap)
    jitted = jit(step)
    eager = unwrap(step(np.arange(3.0)))
    for i in range(4):
        w.grad = None
        got = unwrap(jitted(np.arange(3.0) + i))
        assert type(got) is type(eager) is type(w), (i, type(got))
        assert got.item() == 3.0 + 3 * i and w.grad.tolist() == (np.arange(3.0) + i).tolist()
    assert jitted.replays >= 1


def test_a_list_of_big_endian_arrays_is_read_as_torch_reads_it():
    """torch.tensor([a, b]) of '>f8' arrays reads their values; only a big-endian array given
    itself (or a dtype asked for) is refused."""
    rows = [np.array([1.0, 2.0], dtype=">f8"), np.array([3.0, 4.0], dtype=">f8")]
    for make in (Tensor, tg.tensor, tg.as_tensor):
        t = make(rows)
        assert t.dtype == np.float64 and t.numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]
        assert (t * 2).dtype == np.float64
    ints = (np.array([1, 2], dtype=">i4"),)
    assert tg.tensor(ints).dtype == np.int32 and tg.tensor(ints).tolist() == [[1, 2]]
    torch = pytest.importorskip("torch")
    assert str(torch.tensor(ints).dtype) == "torch.int32"
    assert torch.tensor(rows).tolist() == tg.tensor(rows).tolist()
    with pytest.raises(ValueError, match="non-native byte order"):
        Tensor(rows[0])
    with pytest.raises(ValueError, match="non-native byte order"):
        tg.tensor(rows, dtype=">f8")
    with pytest.raises(TypeError, match="long double"):
        Tensor([np.ones(2, np.longdouble)])  # (torch refuses long double in a list too)


def test_an_op_on_a_parameter_is_not_a_parameter_and_results_pickle():
    p = nn.Parameter(np.ones(3))
    y = p * 2.0
    assert isinstance(p, nn.Parameter) and not isinstance(y, nn.Parameter)
    assert type(y) is Tensor and not y.is_leaf
    with tg.no_grad():
        z = p * 2.0
    assert not isinstance(z, nn.Parameter) and not z.requires_grad
    u = pickle.loads(pickle.dumps(Unit(np.ones(2), "m") * 2.0))
    assert type(u) is Unit and u.tolist() == [2.0, 2.0] and u.is_leaf


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint16, np.uint64, np.float16,
                                   np.complex64, np.complex128])
def test_numpy_scalars_and_0d_arrays_of_kept_dtypes_are_kept(dtype):
    for v in (np.zeros((), dtype), np.zeros((), dtype)[()]):
        for make in (Tensor, tg.tensor, tg.as_tensor):
            t = make(v)
            assert t.shape == () and t.dtype == dtype, (make, type(v))
    assert tg.tensor([True, False]).dtype == np.bool_
    assert tg.as_tensor([np.float16(1)]).dtype == np.float16

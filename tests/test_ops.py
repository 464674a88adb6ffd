"""Every op of the op table (tinygrad_dl.optable), through one harness: the forward against its
NumPy reference, the gradient against central finite differences in float64, float32 end to
end, every name reachable, a docs row, an edge-case row. The rows' inputs come from the table
(tinygrad_dl.testing.op_inputs); the conventions at kinks, the spellings and the errors are in
tests/test_op_conventions.py."""

from __future__ import annotations

import builtins
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_dl as tg
from tinygrad_dl import Function, Tensor, optable
from tinygrad_dl import functional as F
from tinygrad_dl.testing import check_float32, check_grad, domain_arrays, edges, op_inputs

GRAD = [op.name for op in optable.OPS if op.sample is not None and not op.no_grad]
CONSTANT = [op.name for op in optable.OPS if op.sample is not None and op.no_grad]
FLOAT32 = [op.name for op in optable.OPS if op.sample is not None and op.float32]
# rows whose finite differences take seconds (3-D pools and convolutions: hundreds of input
# elements, each twice through a forward of ~0.5 ms): the fast loop leaves them to
# test_gradient_of_every_case's two draws per case; CI (-m "slow or not slow") runs them all
SLOW_GRAD = {"fractional_max_pool3d_with_indices", "fractional_max_pool3d", "ndtri",
             "conv_transpose3d", "max_pool3d", "max_pool3d_with_indices", "fractional_max_pool2d",
             "fractional_max_pool2d_with_indices", "conv3d", "grid_sample", "ctc_loss",
             "multi_head_attention_forward", "erfinv", "avg_pool3d", "adaptive_max_pool3d",
             "lp_pool3d"}


def _graph_ops(t: Tensor) -> set[type]:
    """The Function classes recorded in the graph that made t."""
    seen, stack, out = set(), [t], set()
    while stack:
        ctx = stack.pop()._ctx
        if ctx is None or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        out.add(type(ctx))
        stack.extend(ctx.parents)
    return out


def _method_agrees(op: optable.OpInfo, arrays: tuple, kwargs: dict, expected: np.ndarray) -> None:
    """Each method of the op, called as x.method(*others, **kwargs), gives the function's
    result (for rows whose tests call the function that way)."""
    if op.call is not None:
        return
    for m in op.methods:
        if m.startswith("__") or m == "T":
            continue
        ts = [Tensor(a) for a in arrays]
        got = getattr(ts[0], m)(*ts[1:], **kwargs)
        got = got[0] if isinstance(got, tuple) else got
        np.testing.assert_array_equal(got.data, expected, err_msg=f"x.{m}(...)")


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_GRAD
                                  else n for n in GRAD])
@given(data=st.data())
def test_gradient(name, data):
    """forward == NumPy's, autograd == finite differences (float64, 1e-7), and the op is
    what the table says computes it."""
    op = optable.BY_NAME[name]
    arrays, kwargs = data.draw(op_inputs(op.sample), label="inputs")
    out = check_grad(op.test_call(), *arrays, ref=op.ref, **kwargs)
    funcs = [f for f in (op.impl if isinstance(op.impl, tuple) else (op.impl,))
             if isinstance(f, type) and issubclass(f, Function)]
    if funcs:  # (a tuple: the arguments pick one, gelu's approximate=)
        assert set(funcs) & _graph_ops(out), f"{name}: {funcs} not in its graph"
    _method_agrees(op, arrays, kwargs, out.data)


def test_the_slow_gradient_rows_are_rows_of_the_table():
    assert SLOW_GRAD <= set(GRAD), SLOW_GRAD - set(GRAD)  # (a renamed op would run nowhere fast)


# Every case of a case table, each drawn at least once: test_gradient's 20 draws sample the
# table (einsum has 24 cases), so a mutant breaking one einsum case passed an unlucky run
# (found 2026-12-03 by mutation testing: `ij->i` on square inputs, relative error 0.36).
CASES = [(op.name, i) for op in optable.OPS if isinstance(op.sample, optable.spec.Cases)
         and not op.no_grad for i in range(len(op.sample.cases))]


@pytest.mark.parametrize(("name", "i"), CASES, ids=[f"{n}-{i}" for n, i in CASES])
@settings(max_examples=2)
@given(data=st.data())
def test_gradient_of_every_case(name, i, data):
    op = optable.BY_NAME[name]
    case = op.sample.cases[i]
    arrays = [data.draw(domain_arrays(s, case.domain), label=f"input {k}")
              for k, s in enumerate(case.shapes)]
    check_grad(op.test_call(), *arrays, ref=op.ref, **dict(case.kwargs))


@pytest.mark.parametrize("name", ["corrcoef", "Tensor.corrcoef"])
def test_corrcoef_rows_are_drawn_wide_enough_for_finite_differences(name):
    """corrcoef's rows, each scaled to the gap its row draws at: hypothesis 6.170's first draw
    under CI's profile, this grid at gap 0.01, has a gradient of exactly 0 at (0, 3) that
    h = 1e-4 finite differences measured as 1.7e-9 (their error grows as h^4 / spread^5)."""
    grid = np.array([[0, 1, -1, 2, -2], [3, -3, 4, -4, 5], [-5, 6, -6, 7, -7]], np.float64)
    op = optable.BY_NAME[name]
    for case in op.sample.cases:
        (rows, cols), = case.shapes
        check_grad(op.test_call(), grid[:rows, :cols] * case.domain.gap, ref=op.ref)


@pytest.mark.parametrize("name", CONSTANT)
@given(data=st.data())
def test_constant_outputs(name, data):
    """Ops without a gradient (comparisons, argmax, argsort) match NumPy and record nothing."""
    op = optable.BY_NAME[name]
    arrays, kwargs = data.draw(op_inputs(op.sample), label="inputs")
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    out = op.test_call()(*ts, **kwargs)
    assert not out.requires_grad and out._ctx is None
    np.testing.assert_array_equal(out.data, op.ref(*arrays, **kwargs))
    _method_agrees(op, arrays, kwargs, out.data)


@pytest.mark.parametrize("name", FLOAT32)
@settings(max_examples=5)
@given(data=st.data())
def test_float32(name, data):
    """float32 in: float32 out and float32 gradients, equal to float64's to 1e-3."""
    op = optable.BY_NAME[name]
    arrays, kwargs = data.draw(op_inputs(op.sample), label="inputs")
    check_float32(op.test_call(), *arrays, **kwargs)


# ---- completeness: every op reachable under each name, documented, tested --------------------
@pytest.mark.parametrize("name", [op.name for op in optable.ALL])
def test_reachable_under_every_name(name):
    op = optable.BY_NAME[name]
    assert op.names or op.F or op.methods, f"{name}: no way to call it"
    for n in op.names:
        assert getattr(tg, n, None) is op.fn_for(n), f"tinygrad_dl.{n} is not {name}'s function"
        assert (n in tg.__all__) != hasattr(builtins, n), f"tinygrad_dl.{n} and __all__"
    for n in op.F:
        assert getattr(F, n, None) is op.fn, f"tinygrad_dl.functional.{n} is not {name}'s"
    for m in op.methods:
        assert hasattr(Tensor, m), f"Tensor.{m} missing ({name})"


def test_every_op_is_declared_once_and_tested():
    names = [op.name for op in optable.ALL]
    assert len(names) == len(set(names)), "two rows with one name"
    exported = [n for op in optable.ALL for n in op.names]
    assert len(exported) == len(set(exported)), "one tinygrad_dl.<name> for two ops"
    for op in optable.ALL:
        assert op.doc and op.group, f"{op.name}: no docs text"
        impls = op.impl if isinstance(op.impl, tuple) and op.impl else (op.impl,)
        assert all(isinstance(f, type) and issubclass(f, Function) for f in impls) or (
            isinstance(op.impl, str) and op.impl), f"{op.name}: impl must be Functions or say"
        if op.sample is None or op.no_grad:  # not in the gradient tests: the table says why
            assert op.no_grad, f"{op.name}: no sample for the gradient tests and no reason"
        assert op.float32 or op.no_grad, f"{op.name}: float32 off without a reason"
        assert op.ref is not None or op.sample is None or op.name in _NO_NUMPY_REFERENCE, (
            f"{op.name}: inputs to test but no reference")


# ops NumPy has no function for (their forward is checked elsewhere: conv and pooling in
# test_conv.py, dropout by its statistics in test_op_conventions.py)
_NO_NUMPY_REFERENCE = {"dropout", "conv2d", "max_pool2d", "avg_pool2d"}


def test_every_tensor_method_is_an_op_of_the_table():
    """A public Tensor method that is neither in the table nor in optable.NOT_OPS fails: add
    its row (or, if it is not an op, list it in NOT_OPS)."""
    in_table = {m for op in optable.ALL for m in op.methods}
    public = {m for m in dir(Tensor) if not m.startswith("_")}
    missing = sorted(public - in_table - optable.NOT_OPS)
    assert not missing, f"Tensor methods missing from tinygrad_dl.optable: {missing}"


@pytest.mark.parametrize("name", [op.name for op in optable.ALL])
def test_docs_row(name):
    """The generated op page has the op's row, with its six cells intact (a | in a cell is
    escaped), naming each of its spellings."""
    op = optable.BY_NAME[name]
    (row,) = [line for line in _PAGE.splitlines() if line.startswith(f"| {name} |")]
    assert len(re.findall(r"(?<!\\)\|", row)) == 7, row
    for n in op.names:
        assert f"`tg.{n}`" in row, f"{name}: tg.{n} not in its docs row"
    for m in op.methods:
        assert m.startswith("__") or m == "T" or f"`x.{m}`" in row, f"{name}: x.{m} missing"


_PAGE = optable.render_markdown()


def test_edge_cases_cover_every_op():
    """The edge-case table (tinygrad_dl.testing.edges: empty, one element, ties, +-inf, NaN,
    out of domain) has rows for every op of the op table, keyed by the op's public name
    (optable.OpInfo.name; rows under an alias such as "cat" or "float" count for its op)."""
    missing = sorted(op.name for op in optable.OPS if not edges.edges_for(op.name))
    assert not missing, f"ops without rows in tinygrad_dl/testing/edge_table_<topic>.py: {missing}"


# ---- constructors: NumPy's values and dtypes, PyTorch's spellings ---------------------------
CONSTRUCTED = [
    (lambda: tg.zeros(2, 3), np.zeros((2, 3))), (lambda: tg.zeros((2, 3)), np.zeros((2, 3))),
    (lambda: tg.ones([2]), np.ones(2)), (lambda: tg.empty(2, dtype=tg.float32),
                                          np.zeros(2, np.float32)),
    (lambda: tg.full((2, 2), 1.5), np.full((2, 2), 1.5)), (lambda: tg.full((2,), 3),
                                                            np.full(2, 3)),
    (lambda: tg.eye(3, 2, k=-1), np.eye(3, 2, -1)), (lambda: tg.arange(5), np.arange(5)),
    (lambda: tg.arange(1, 2, 0.25), np.arange(1, 2, 0.25)),
    (lambda: tg.arange(0, end=3), np.arange(3)),
    (lambda: tg.linspace(-1, 1, 5), np.linspace(-1, 1, 5)),
    (lambda: tg.linspace(0, 1, steps=4, dtype=tg.float), np.linspace(0, 1, 4, dtype=np.float32)),
    (lambda: tg.linspace(0, 1), np.linspace(0, 1)),
    (lambda: tg.zeros_like(np.ones((2, 1), np.float32)), np.zeros((2, 1), np.float32)),
    (lambda: tg.ones_like(tg.arange(3)), np.ones(3, np.int64)),
    (lambda: tg.full_like(tg.zeros(2), 7), np.full(2, 7.0)),
    (lambda: tg.empty_like(tg.zeros(2)), np.zeros(2)),
    (lambda: tg.tensor([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]])),
    (lambda: tg.tensor([1.5, 2], dtype=tg.float32), np.array([1.5, 2], np.float32)),
    (lambda: tg.array([True, False]), np.array([True, False])),
]


@pytest.mark.parametrize("i", range(len(CONSTRUCTED)))
def test_constructors_match_numpy(i):
    make, expected = CONSTRUCTED[i]
    t = make()
    assert isinstance(t, Tensor) and t.dtype == expected.dtype and t.shape == expected.shape
    np.testing.assert_array_equal(t.data, expected)


def test_random_constructors():
    rng = lambda: np.random.default_rng(5)  # noqa: E731
    np.testing.assert_array_equal(tg.rand(2, 3, rng=rng()).data, rng().random((2, 3)))
    np.testing.assert_array_equal(tg.randn((2,), rng=rng()).data, rng().standard_normal(2))
    x = tg.zeros(3, dtype=tg.float32)
    assert tg.rand_like(x).dtype == np.float32 and tg.randn_like(x).shape == (3,)
    assert tg.rand_like(tg.arange(3), dtype=tg.float).dtype == np.float32
    with pytest.raises(TypeError, match="rand_like: x has dtype int64.*pass dtype="):
        tg.rand_like(tg.arange(3))
    r = tg.randint(10, (50,), rng=rng())  # torch.randint(high, size)
    assert r.dtype == np.int64 and r.shape == (50,) and 0 <= r.data.min() <= r.data.max() < 10
    assert tg.randint(3, 5, size=4).data.min() >= 3 and tg.randint(2).shape == ()
    w = tg.randn(2, 2, requires_grad=True, dtype=tg.float32)
    assert w.requires_grad and w.is_leaf and w.dtype == np.float32


def test_from_numpy_shares_memory_and_tensor_copies():
    a = np.ones(3)
    t = tg.from_numpy(a)
    np.add(a, 1, out=a)  # the Learn-the-Basics tutorial's bridge
    np.testing.assert_array_equal(t.data, [2, 2, 2])
    c = tg.tensor(a)
    a[0] = 9
    assert c.data[0] == 2
    with pytest.raises(TypeError, match="from_numpy: expected a NumPy array"):
        tg.from_numpy([1, 2])
    with pytest.raises(TypeError, match="stack"):
        tg.tensor([tg.zeros(1), tg.zeros(1)])


def test_constructors_take_cpu_devices_only():
    assert tg.zeros(2, device="cpu").shape == (2,) and tg.arange(2, device="cpu:0").shape == (2,)
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        tg.ones(2, device="cuda")
    with pytest.raises(RuntimeError, match="linspace: device 'cuda' is not available"):
        tg.linspace(0, 1, 3, device="cuda")


def test_star_import_leaves_pythons_builtins_alone():
    namespace: dict = {}
    exec("from tinygrad_dl import *", namespace)
    assert "float" not in namespace and "max" not in namespace and "sum" not in namespace
    assert "exp" in namespace and "cat" in namespace and "float32" in namespace


def test_dtype_names_are_numpy_dtypes_with_torchs_meanings():
    assert tg.float is np.float32 and tg.double is np.float64 and tg.long is np.int64
    assert tg.int is np.int32 and tg.bool is np.bool_ and tg.half is np.float16
    assert tg.zeros(2, dtype=tg.float64).dtype == tg.float64
    assert tg.ones(1, dtype=tg.int64).dtype == tg.long


def test_every_op_class_is_exported_by_tinygrad_dl_ops():
    """A Function defined in an ops module is in its module's __all__ (so tinygrad_dl.ops
    exports it): the one line a new op adds to its module besides its class."""
    import importlib
    import pkgutil

    import tinygrad_dl.ops as ops

    missing = []
    for info in pkgutil.iter_modules(ops.__path__):
        mod = importlib.import_module(f"tinygrad_dl.ops.{info.name}")
        for name, value in vars(mod).items():
            if (isinstance(value, type) and issubclass(value, Function) and not name.startswith("_")
                    and value.__module__ == mod.__name__ and name not in ops.__all__):
                missing.append(f"{info.name}.{name}")
    assert not missing, f"add to the module's __all__: {missing}"

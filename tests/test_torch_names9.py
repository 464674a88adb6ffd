"""torch.* utilities that are not ops (tinygrad_dl/functional/dtypes.py, settings.py), against
torch."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.functional import dtypes, joins, settings

torch = pytest.importorskip("torch")

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
FLOATS = ["float16", "float32", "float64"]
INTS = ["int8", "int16", "int32", "int64", "uint8"]


def _one_line(e: pytest.ExceptionInfo) -> None:
    assert "\n" not in str(e.value) and str(e.value)


def test_default_dtype() -> None:
    assert tg.get_default_dtype() is tg.float64
    assert tg.tensor([1.0]).dtype == tg.get_default_dtype()
    assert tg.zeros(2).dtype == tg.get_default_dtype()
    tg.set_default_dtype(tg.float64)  # the one default: accepted
    tg.set_default_dtype(tg.double)
    assert tg.get_default_dtype() is tg.float64
    with pytest.raises(ValueError, match="float64") as e:
        tg.set_default_dtype(tg.float32)
    _one_line(e)
    with pytest.raises(TypeError, match="floating-point") as e:
        tg.set_default_dtype(tg.int64)
    _one_line(e)
    with pytest.raises(TypeError, match="dtype") as e:
        tg.set_default_dtype("float64")
    _one_line(e)


@pytest.mark.parametrize("name", FLOATS)
def test_finfo(name: str) -> None:
    ours, theirs = tg.finfo(getattr(tg, name)), torch.finfo(getattr(torch, name))
    for a in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, a) == getattr(theirs, a), a
        assert type(getattr(ours, a)) is type(getattr(theirs, a)), a
    assert ours.dtype == theirs.dtype


def test_finfo_default_and_refusals() -> None:
    assert tg.finfo().eps == np.finfo(np.float64).eps  # the default dtype's: float64 here
    for bad in (tg.int32, tg.bool):
        with pytest.raises(TypeError, match="floating point") as e:
            tg.finfo(bad)
        _one_line(e)
    with pytest.raises(TypeError) as e:
        tg.finfo(tg.tensor([1.0]))
    _one_line(e)


@pytest.mark.parametrize("name", INTS)
def test_iinfo(name: str) -> None:
    ours, theirs = tg.iinfo(getattr(tg, name)), torch.iinfo(getattr(torch, name))
    for a in ("bits", "max", "min"):
        assert getattr(ours, a) == getattr(theirs, a) and type(getattr(ours, a)) is int, a
    assert ours.dtype == theirs.dtype


def test_iinfo_refusals() -> None:
    for bad in (tg.float32, tg.bool):
        with pytest.raises(TypeError, match="integer") as e:
            tg.iinfo(bad)
        _one_line(e)


@pytest.mark.parametrize("shapes", [((2, 1), (3,)), ((), (4, 1, 2)), (3, (2, 1)), ((0, 1), (1, 5)),
                                    ((1,), ()), ()])
def test_broadcast_shapes(shapes: tuple) -> None:
    assert tg.broadcast_shapes(*shapes) == tuple(torch.broadcast_shapes(*shapes))


def test_broadcast_shapes_refusals() -> None:
    with pytest.raises(RuntimeError):
        torch.broadcast_shapes((2,), (3,))
    for bad in [((2,), (3,)), ((-1,), (2,))]:
        with pytest.raises(RuntimeError) as e:
            tg.broadcast_shapes(*bad)
        _one_line(e)
    with pytest.raises(TypeError) as e:
        tg.broadcast_shapes((2.0,))
    _one_line(e)


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_can_cast(a: str, b: str) -> None:
    assert tg.can_cast(getattr(tg, a), getattr(tg, b)) == torch.can_cast(
        getattr(torch, a), getattr(torch, b))


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_promote_types_is_what_ops_do(a: str, b: str) -> None:
    """promote_types answers what tinygrad_dl's ops give (NumPy's rule); where both are ints,
    or both floats, or one is bool, that is torch's answer too."""
    got = tg.promote_types(getattr(tg, a), getattr(tg, b))
    x = tg.tensor(np.ones(2, getattr(np, a if a != "bool" else "bool_")))
    y = tg.tensor(np.ones(2, getattr(np, b if b != "bool" else "bool_")))
    assert np.dtype(got) == tg.where(x > 0, x, y).dtype  # (defined on every pair, bool too)
    ka, kb = np.dtype(got).kind, {np.dtype(getattr(tg, n)).kind for n in (a, b)}
    if len(kb - {"b"}) <= 1 and not ({"i", "u"} <= kb and "f" in kb):
        same = {a, b} <= set(INTS) or {a, b} <= set(FLOATS) or "bool" in (a, b)
        if same:
            assert str(np.dtype(got)) == str(torch.promote_types(
                getattr(torch, a), getattr(torch, b))).removeprefix("torch."), ka


def test_result_type() -> None:
    f64, f32 = tg.tensor(np.ones(2)), tg.tensor(np.ones(2, np.float32))
    i64 = tg.tensor(np.ones(2, np.int64))
    # where torch and NumPy agree: same-kind tensors, and Python numbers (weak in both)
    assert tg.result_type(f32, 2.0) is tg.float32 and torch.result_type(
        torch.ones(2), 2.0) == torch.float32
    assert tg.result_type(f64, f32) is tg.float64
    assert tg.result_type(i64, 3) is tg.int64
    assert tg.result_type(i64, True) is tg.int64
    assert tg.result_type(f32, f64) is (f32 + f64).dtype.type
    # NumPy's rule (what the ops do here): an int64 tensor with a float -> float64
    assert tg.result_type(i64, 1.5) is (i64 + 1.5).dtype.type is tg.float64
    with pytest.raises(TypeError) as e:
        tg.result_type(1, 2.0)
    _one_line(e)
    with pytest.raises(TypeError) as e:
        tg.result_type(f64, np.ones(2))
    _one_line(e)


def test_num_threads() -> None:
    from threadpoolctl import threadpool_info

    n = tg.get_num_threads()
    assert isinstance(n, int) and n >= 1
    blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    if not blas:
        pytest.skip("no threaded BLAS loaded")
    other = 2 if n == 1 else 1  # (an xdist worker runs with 1: conftest's _share_the_cores)
    try:
        tg.set_num_threads(other)
        assert tg.get_num_threads() == other
        assert all(i["num_threads"] == other for i in threadpool_info() if i["user_api"] == "blas")
    finally:
        tg.set_num_threads(n)
    assert tg.get_num_threads() == n
    for bad, err in ((0, RuntimeError), (-2, RuntimeError), (1.0, TypeError), (True, TypeError)):
        with pytest.raises(err) as e:
            tg.set_num_threads(bad)
        _one_line(e)


def test_deterministic_switch() -> None:
    assert tg.are_deterministic_algorithms_enabled() is False
    try:
        tg.use_deterministic_algorithms(True)
        assert tg.are_deterministic_algorithms_enabled() is True
        assert tg.is_deterministic_algorithms_warn_only_enabled() is False
        tg.use_deterministic_algorithms(True, warn_only=True)
        assert tg.is_deterministic_algorithms_warn_only_enabled() is True
    finally:
        tg.use_deterministic_algorithms(False)
    assert tg.are_deterministic_algorithms_enabled() is False
    with pytest.raises(TypeError) as e:
        tg.use_deterministic_algorithms(1)
    _one_line(e)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (log(0) outside the checks)
def test_anomaly_switch() -> None:
    assert tg.is_anomaly_enabled() is False
    x = tg.tensor([0.0], requires_grad=True)
    try:
        tg.set_anomaly_enabled(True)
        assert tg.is_anomaly_enabled()
        tg.set_anomaly_enabled(True)  # already on: stays on, once
        with pytest.raises(tg.AnomalyError):
            tg.log(x)  # -inf from a finite input
        # the other threads are not switched (per thread, as detect_anomaly's blocks)
        seen: list[bool] = []
        t = threading.Thread(target=lambda: seen.append(tg.is_anomaly_enabled()))
        t.start()
        t.join()
        assert seen == [False]
    finally:
        tg.set_anomaly_enabled(False)
    assert tg.is_anomaly_enabled() is False
    tg.log(x)  # no check now
    tg.set_anomaly_enabled(False)  # already off: nothing to do
    with tg.detect_anomaly():
        assert tg.is_anomaly_enabled()
        with pytest.raises(RuntimeError, match="detect_anomaly") as e:
            tg.set_anomaly_enabled(False)
        _one_line(e)
        assert tg.is_anomaly_enabled()
    assert tg.is_anomaly_enabled() is False
    # a block inside the switch: its end leaves the switch's checks on; the switch's off
    # inside the block is refused (it would end the block's checks too)
    try:
        tg.set_anomaly_enabled(True)
        with tg.detect_anomaly():
            with pytest.raises(RuntimeError):
                tg.set_anomaly_enabled(False)
        assert tg.is_anomaly_enabled()
    finally:
        tg.set_anomaly_enabled(False)
    assert tg.is_anomaly_enabled() is False
    with pytest.raises(ValueError) as e:
        tg.set_anomaly_enabled(True, check_nan=False)
    _one_line(e)
    assert tg.is_anomaly_enabled() is False


def test_rng_state_round_trips() -> None:
    before = tg.get_rng_state()
    try:
        tg.manual_seed(123)
        state = tg.get_rng_state()
        a = tg.randn(5).numpy()
        tg.randn(3)
        tg.set_rng_state(state)
        assert np.array_equal(tg.randn(5).numpy(), a)
        assert tg.initial_seed() == 123
        with pytest.raises(TypeError) as e:
            tg.set_rng_state(torch.get_rng_state())
        _one_line(e)
    finally:
        tg.set_rng_state(before)


def test_names_exported() -> None:
    for module in (dtypes, settings):  # (once functional/torch_top.py: split by what it holds)
        for n in module.__all__:
            assert n in tg.__all__ and getattr(tg, n) is getattr(module, n)
            assert hasattr(torch, n), n
    assert tg.broadcast_shapes is joins.broadcast_shapes and "broadcast_shapes" in tg.__all__


@pytest.fixture
def _print_options():
    from tinygrad_dl.tensor.printing import PRINT_OPTIONS

    before = dict(PRINT_OPTIONS)
    yield
    PRINT_OPTIONS.update(before)


def _body(t: tg.Tensor) -> str:
    r = repr(t)
    return r[len("Tensor("):r.index(", dtype=")]


def _torch_body(t: torch.Tensor) -> str:
    r = repr(t)
    return r[len("tensor("):].removesuffix(")").split(", dtype=")[0]


@pytest.mark.usefixtures("_print_options")
def test_set_printoptions() -> None:
    x = np.array([1.123456789, 2.5, -3.0])
    a, t = tg.tensor(x), torch.tensor(x)
    tg.set_printoptions(precision=2)
    torch.set_printoptions(precision=2)
    try:
        # the same digits as torch's (NumPy's layout: trailing zeros are blanks)
        assert _torch_body(t) == "[ 1.12,  2.50, -3.00]"
        assert _body(a) == "[ 1.12,  2.5 , -3.  ]"
        tg.set_printoptions(precision=6)
        assert "1.123457" in repr(a)
        tg.set_printoptions(sci_mode=True)  # (precision kept: 6)
        assert "1.123457e+00" in repr(a)
        tg.set_printoptions(precision=3)  # every call sets sci_mode: None again, as torch's
        assert "e+00" not in repr(a) and "1.123" in repr(a)
        big = np.arange(2000.0)
        tg.set_printoptions(threshold=10, edgeitems=2)
        assert _body(tg.tensor(big[:20])) == "[ 0.,  1., ..., 18., 19.]"
        tg.set_printoptions(profile="full")
        assert "..." not in repr(tg.tensor(big))
        tg.set_printoptions(profile="default")
        assert "..." in repr(tg.tensor(big)) and "1.1235" in repr(a)
        tg.set_printoptions(profile="short")
        assert "1.12," in repr(a)
    finally:  # (both: a later test's repr must not read these options)
        torch.set_printoptions(profile="default")
        tg.set_printoptions(profile="default")
    assert "1.1235" in repr(a)
    for kw, err in (({"profile": "long"}, ValueError), ({"precision": -1}, ValueError),
                    ({"precision": 2.0}, ValueError), ({"sci_mode": 1}, TypeError)):
        with pytest.raises(err) as e:
            tg.set_printoptions(**kw)
        _one_line(e)


def test_where_it_lives() -> None:
    x = tg.tensor([1.0])
    assert x.is_cpu is torch.ones(1).is_cpu is True
    assert x.get_device() == torch.ones(1).get_device() == -1


def _grads(fn_tg, fn_torch, *arrays: np.ndarray) -> None:
    """Values (1e-12) and gradients (1e-10) of fn against torch's, float64."""
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn_tg(*ours), fn_torch(*theirs)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    w = np.random.default_rng(0).standard_normal(ref.shape)
    (out * tg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)


RNG = np.random.default_rng(7)


@pytest.mark.parametrize("alpha", [1, 2.5, -1])
def test_rsub(alpha: float) -> None:
    x, y = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    _grads(lambda a, b: tg.rsub(a, b, alpha=alpha), lambda a, b: torch.rsub(a, b, alpha=alpha),
           x, y)
    _grads(lambda a: tg.rsub(a, 1.5), lambda a: torch.rsub(a, 1.5), x)
    i = np.array([1, 2])
    assert np.array_equal(tg.rsub(tg.tensor(i), 5).numpy(), torch.rsub(torch.tensor(i), 5))
    with pytest.raises(TypeError) as e:
        tg.rsub(tg.tensor([True]), 1)
    _one_line(e)


def test_row_stack() -> None:
    _grads(lambda a, b: tg.row_stack([a, b]), lambda a, b: torch.row_stack([a, b]),
           RNG.standard_normal((2, 3)), RNG.standard_normal(3))
    _grads(lambda a, b: tg.row_stack((a, b)), lambda a, b: torch.row_stack((a, b)),
           RNG.standard_normal(2), RNG.standard_normal(2))


@pytest.mark.parametrize("shape", [(5,), (4, 3), (3, 2, 2), (), (0, 2)])
def test_msort(shape: tuple) -> None:
    x = RNG.permutation(np.arange(float(np.prod(shape, dtype=int)))).reshape(shape)
    _grads(lambda a: a.msort(), lambda a: a.msort(), x)
    _grads(lambda a: tg.msort(a), lambda a: torch.msort(a), x)


def test_msort_ties_nan() -> None:
    x = np.array([[2.0, np.nan], [1.0, 1.0], [2.0, -np.inf]])
    np.testing.assert_array_equal(tg.msort(tg.tensor(x)).numpy(), torch.msort(torch.tensor(x)))


def test_vdot() -> None:
    _grads(lambda a, b: a.vdot(b), lambda a, b: a.vdot(b), RNG.standard_normal(4),
           RNG.standard_normal(4))
    _grads(lambda a, b: tg.vdot(a, b), lambda a, b: torch.vdot(a, b), RNG.standard_normal(1),
           RNG.standard_normal(1))
    assert tg.vdot(tg.ones(0), tg.ones(0)).item() == torch.vdot(torch.ones(0), torch.ones(0))
    i = np.array([1, 2])
    assert tg.vdot(tg.tensor(i), tg.tensor(i)).item() == 5
    for a, b, err in ((np.ones(2), np.ones(3), RuntimeError), (np.ones((2, 1)), np.ones((2, 1)),
                      RuntimeError), (np.ones(2), np.ones(2, np.float32), RuntimeError),
                      (np.ones(1, bool), np.ones(1, bool), TypeError)):
        with pytest.raises(err) as e:
            tg.vdot(tg.tensor(a), tg.tensor(b))
        _one_line(e)
        with pytest.raises((RuntimeError, NotImplementedError)):
            torch.vdot(torch.tensor(a), torch.tensor(b))
    with pytest.raises(TypeError) as e:
        tg.tensor([1.0]).vdot([1.0])
    _one_line(e)


@pytest.mark.parametrize("name", ["byte", "char", "short"])
def test_integer_casts(name: str) -> None:
    x = np.array([0.0, 0.5, 2.9, 100.7])
    got, want = getattr(tg.tensor(x), name)(), getattr(torch.tensor(x), name)()
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    assert np.array_equal(got.numpy(), want.numpy())
    b = np.array([True, False])
    assert np.array_equal(getattr(tg.tensor(b), name)().numpy(), getattr(torch.tensor(b), name)())
    leaf = tg.tensor(x, requires_grad=True)
    assert not getattr(leaf, name)().requires_grad


@pytest.mark.parametrize("a, b", [([1, 2], [1.0, 2.0]), ([1.0, np.nan], [1.0, np.nan]),
                                  ([1.0, 1.0], [1.0]), ([[1.0, 1.0]], [[1.0], [1.0]]),
                                  ([], [[]]), (3.0, 3.0), ([True], [1])])
def test_equal(a: list, b: list) -> None:
    assert tg.tensor(a).equal(tg.tensor(b)) is torch.tensor(a).equal(torch.tensor(b))


def test_equal_refuses_a_list() -> None:
    with pytest.raises(TypeError) as e:
        tg.ones(2).equal([1.0, 1.0])
    _one_line(e)


@pytest.mark.parametrize("name", ["conj", "resolve_conj", "resolve_neg", "real"])
def test_real_views_are_the_tensor(name: str) -> None:
    call = (lambda t: t.real) if name == "real" else (lambda t: getattr(t, name)())
    x = tg.tensor([1.0, -2.0])
    assert call(x) is x and call(torch.ones(2)) is not None
    _grads(lambda a: call(a) * 2.0, lambda a: call(a) * 2.0, RNG.standard_normal((2, 3)))


def test_imag_refused() -> None:
    with pytest.raises(RuntimeError, match="non-complex"):
        _ = torch.ones(2).imag
    with pytest.raises(RuntimeError, match="imag is not implemented") as e:
        _ = tg.ones(2).imag
    _one_line(e)


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 4), (0, 2)])
def test_adjoint_mH(shape: tuple) -> None:
    x = RNG.standard_normal(shape)
    _grads(lambda a: a.adjoint(), lambda a: a.adjoint(), x)
    _grads(lambda a: a.mH, lambda a: a.mH, x)


def test_adjoint_mH_refusals() -> None:
    for call in (lambda t: t.adjoint(), lambda t: t.mH):
        with pytest.raises(RuntimeError, match="Got 1-D tensor"):
            call(torch.ones(2))
        with pytest.raises(RuntimeError, match="Got 1-D tensor") as e:
            call(tg.ones(2))
        _one_line(e)
        # a 0-D tensor: torch 2.13 gives its conjugate with a deprecation warning (hV2)
        with pytest.warns(UserWarning, match="deprecated on 0-D tensors"):
            assert call(tg.tensor(1.0)).item() == 1.0


@pytest.mark.parametrize("idx, shape", [([4, 1, 0, 5], (2, 3)), (5, (2, 3)),
                                        ([[7, 0], [3, 2]], (2, 2, 2)), ([], (2, 3)),
                                        ([0, 3], 4), ([0], (1,)), (0, ())])
def test_unravel_index(idx: object, shape: object) -> None:
    ours = tg.unravel_index(tg.tensor(np.array(idx, np.int64)), shape)
    theirs = torch.unravel_index(torch.tensor(np.array(idx, np.int64)), shape)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.dtype == np.int64 and a.shape == tuple(b.shape)
        assert np.array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("idx, shape, err", [([6], (2, 3), IndexError), ([-1], (2, 3), IndexError),
                                             ([1.0], (2, 3), TypeError), ([0], (-1, 2), ValueError),
                                             ([0], (2, 0), IndexError), ([0], (2.0,), TypeError)])
def test_unravel_index_refusals(idx: list, shape: tuple, err: type) -> None:
    with pytest.raises(err) as e:
        tg.unravel_index(tg.tensor(idx), shape)
    _one_line(e)
    with pytest.raises(TypeError) as e:
        tg.unravel_index(3, (4,))
    _one_line(e)

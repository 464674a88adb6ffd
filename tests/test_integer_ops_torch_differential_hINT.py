"""Integer and bool tensors against torch 2.13: arithmetic, division and remainder, shifts,
bitwise and logical ops, comparisons, reductions and their dtypes, on int8/uint8/int16/
int32/int64/bool (with Python numbers and float tensors beside them), drawn from a seed; and
the regressions the hunt found (helper hINT)."""

import warnings
from fractions import Fraction

import numpy as np
import pytest
from oracle import torch_float64  # noqa: F401 (the fixture, by name)

import tinygrad_dl as tg
from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")

INTS = ("int8", "uint8", "int16", "int32", "int64", "bool")
SYMBOL = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%",
          "pow": "**", "and": "&", "or": "|", "xor": "^", "lshift": "<<", "rshift": ">>",
          "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
METHOD = {"fmod": "x.fmod(y)", "remainder": "x.remainder(y)", "maximum": "x.maximum(y)",
          "minimum": "x.minimum(y)", "gcd": "x.gcd(y)", "lcm": "x.lcm(y)",
          "div_trunc": "x.div(y, rounding_mode='trunc')",
          "div_floor": "x.div(y, rounding_mode='floor')",
          "floor_divide": "x.floor_divide(y)", "logical_xor": "x.logical_xor(y)"}
UNARY = ("-x", "x.abs()", "x.sign()", "x.sgn()", "x.floor()", "x.ceil()", "x.round()",
         "x.trunc()", "~x", "x.logical_not()", "x.sum()", "x.prod()", "x.sum(0)",
         "x.cumsum(0)", "x.cumprod(-1)", "x.max()", "x.amin(0)", "x.square()",
         "x.clamp(-3, 3)", "x.clamp(-2.5, 2.5)", "x.count_nonzero()", "x.add(x, alpha=2)",
         "x ** 2", "2 ** x", "x * True", "x + True", "x.cummax(0)[0]")
DIVIDING = ("floordiv", "mod", "fmod", "remainder", "div_trunc", "div_floor", "floor_divide",
            "gcd", "lcm")


pytestmark = pytest.mark.usefixtures("torch_float64")


def _values(rng, dt, shape):
    if dt == "bool":
        return rng.random(shape) < 0.5
    info = np.iinfo(dt)
    pool = [p for p in (0, 1, -1, 2, -2, 3, 7, -7, info.min, info.max, info.min + 1,
                        info.max - 1, 2**53 + 1, -(2**53) - 1) if info.min <= p <= info.max]
    drawn = rng.integers(max(int(info.min), -50), min(int(info.max), 50), shape, endpoint=True)
    edge = np.array(pool, dtype=dt)[rng.integers(0, len(pool), shape)]
    return np.where(rng.random(shape) < 0.6, edge, drawn.astype(dt)).astype(dt)


def _shape(rng):
    return tuple(int(rng.integers(0, 4)) if rng.random() < 0.1 else int(rng.integers(1, 4))
                 for _ in range(int(rng.integers(0, 4))))


def _result(src, env):
    """`src` evaluated over `env` (NumPy's warnings quiet): ("ok", values, dtype[, grad]) or
    ("err", type, message)."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = eval(src, env)  # noqa: S307
    except Exception as e:  # noqa: BLE001 (either library's refusal is compared as a refusal)
        return "err", type(e).__name__, str(e)
    if isinstance(out, torch.Tensor):
        return "ok", out.numpy(), str(out.dtype).replace("torch.", "")
    return "ok", np.asarray(out.data), str(out.data.dtype), out.requires_grad


def _torch_crashes(name, x, y):
    """torch's integer MIN / -1 (MIN % -1, lcm(MIN, ...)) dies of SIGFPE: never asked."""
    if name not in DIVIDING:
        return False
    for v in (x, y):
        v = np.asarray(v)
        if v.dtype.kind == "i" and v.dtype.itemsize >= 4 and (v == np.iinfo(v.dtype).min).any():
            return True
    return False


def _compare(ours, theirs, case):
    if ours[0] == "err" or theirs[0] == "err":
        if ours[0] == "ok":  # we compute what torch refuses: only a NumPy-promoted value
            # beside a bool (float - bool, bool ** bool) or a Python number torch refuses
            assert theirs[1] in ("RuntimeError", "TypeError", "NotImplementedError"), case
        elif theirs[0] == "ok":  # we refuse what torch computes: only its wrap of a Python
            # int past the tensor's dtype (documented), never silently
            assert any(w in ours[2] for w in ("out of bounds", "overflows", "out of the range")), (
                case, ours)
        return
    _, v1, d1, grad = ours
    _, v2, d2 = theirs
    assert not grad, case
    assert v1.shape == v2.shape, case
    if d1 != d2:  # NumPy's promotion of a 0-d tensor (documented): int8 + tensor(5) is int64
        assert case[-1] == "0-d", (case, d1, d2)
        return
    if v1.dtype.kind == "f":
        np.testing.assert_allclose(v1, v2, rtol=1e-12, atol=0, err_msg=str(case))
    else:
        np.testing.assert_array_equal(v1, v2, err_msg=str(case))


@pytest.mark.parametrize("seed", range(4))
def test_binary_and_unary_integer_ops_match_torch(seed):
    rng = np.random.default_rng(seed)
    names = list(SYMBOL) + list(METHOD)
    for _ in range(500):
        d1 = INTS[int(rng.integers(0, len(INTS)))]
        a = _values(rng, d1, _shape(rng))
        if rng.random() < 0.3:
            src = UNARY[int(rng.integers(0, len(UNARY)))]
            case = (src, d1, a.tolist(), "")
            _compare(_result(src, {"x": Tensor(a)}), _result(src, {"x": torch.tensor(a)}), case)
            continue
        name = names[int(rng.integers(0, len(names)))]
        src = f"x {SYMBOL[name]} y" if name in SYMBOL else METHOD[name]
        r = rng.random()
        if r < 0.7:
            d2 = INTS[int(rng.integers(0, len(INTS)))]
            shape = tuple(1 if rng.random() < 0.3 else n for n in a.shape)[
                int(rng.integers(0, a.ndim + 1)):]
            b = _values(rng, d2, shape)
            ours_y, theirs_y = Tensor(b), torch.tensor(b)
            kind = "0-d" if b.ndim == 0 or a.ndim == 0 else "tensor"
        else:
            b = [0, 1, -1, 2, -3, 7, 127, 200, 63, 64, True, False, 0.5, -2.5, 2.0 ** 53][
                int(rng.integers(0, 15))]
            ours_y = theirs_y = b
            kind = "python"
        if _torch_crashes(name, a, b) or name == "lcm" and max(
                np.abs(np.asarray(a, float)).max(initial=0), abs(float(np.max(b, initial=0))),
                abs(float(np.min(b, initial=0)))) > 1000:
            continue  # (an lcm past the dtype wraps: a different garbage in each library)
        case = (src, d1, a.tolist(), np.asarray(b).tolist(), kind)
        ours = _result(src, {"x": Tensor(a), "y": ours_y})
        theirs = _result(src, {"x": torch.tensor(a), "y": theirs_y})
        compares = name in ("eq", "ne", "lt", "le", "gt", "ge")
        if compares and type(b) is int and a.dtype.kind in "iu" \
                and not np.iinfo(a.dtype).min <= b <= np.iinfo(a.dtype).max:
            continue  # (torch wraps the int into x's dtype first: see the test below)
        if kind == "0-d" and compares and a.dtype != b.dtype:
            # torch casts a 0-d operand into the other's dtype first (an int8 -42 beside uint8
            # is 214: uint8 0 > tensor(-42) is False there); here NumPy's exact comparison
            theirs = ("ok", eval(src, {"x": a, "y": b}), "bool")  # noqa: S307
        _compare(ours, theirs, case)


# ---- regressions -----------------------------------------------------------------------------
def test_sum_prod_cumsum_cumprod_take_an_integer_dtype_and_wrap_in_it_as_torch():
    """x.sum(dtype=torch.int8) and np.cumsum(t, dtype=np.int8): the values cast to the dtype,
    then reduced in it (torch's and NumPy's). They were refused ("only a floating dtype")."""
    a = np.array([100, 100, 60])
    f = np.array([1.7, -2.7, 3.5])
    x, tx = Tensor(a), torch.tensor(a)
    for call, ref in [(lambda t, d: t.sum(dtype=d), tx.sum(dtype=torch.int8)),
                      (lambda t, d: t.prod(dtype=d), tx.prod(dtype=torch.int8)),
                      (lambda t, d: t.cumsum(0, dtype=d), tx.cumsum(0, dtype=torch.int8)),
                      (lambda t, d: t.cumprod(0, dtype=d), tx.cumprod(0, dtype=torch.int8)),
                      (lambda t, d: t.nansum(dtype=d), tx.nansum(dtype=torch.int8))]:
        got = call(x, tg.int8)
        assert got.dtype == np.int8 and not got.requires_grad
        np.testing.assert_array_equal(got.data, ref.numpy())
    np.testing.assert_array_equal(np.cumsum(x, dtype=np.int8).data, np.cumsum(a, dtype=np.int8))
    assert np.prod(x, dtype=np.int16).item() == np.prod(a, dtype=np.int16)  # 600000 mod 2**16
    assert Tensor(f).sum(dtype=tg.int64).item() == torch.tensor(f).sum(dtype=torch.int64).item()
    np.testing.assert_array_equal(Tensor(f).cumsum(0, dtype=tg.int64).data, [1, -1, 2])
    two = Tensor(np.array([[1, 2], [3, 4]], np.int8)).sum(dim=1, keepdim=True, dtype=tg.int16)
    assert two.dtype == np.int16 and two.shape == (2, 1)


def test_an_integer_dtype_reduction_of_a_tensor_that_requires_grad_is_refused():
    x = Tensor(np.array([1.5, 2.5]), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"sum\(dtype=int64\): an integer result has no "
                                           "gradient"):
        x.sum(dtype=tg.int64)
    with tg.no_grad():  # (no graph: the values, as torch's)
        assert x.sum(dtype=tg.int64).item() == 3
    with pytest.raises(ValueError, match="only a floating dtype"):  # and mean's integer
        Tensor(np.array([1, 2])).sum(dtype="not a dtype")  # dtype, as torch
    with pytest.raises(ValueError, match="only a floating dtype"):
        Tensor(np.array([1, 2])).mean(dtype=tg.int64)


def test_gcd_and_lcm_take_a_bool_tensor_beside_an_integer_one_as_torch():
    b, i = np.array([True, False]), np.array([4, 6], np.int16)
    for name in ("gcd", "lcm"):
        for x, y in ((b, i), (i, b), (np.array([4, 6], np.uint8), b)):
            got = getattr(Tensor(x), name)(Tensor(y))
            ref = getattr(torch.tensor(x), name)(torch.tensor(y))
            assert str(got.dtype) == str(ref.dtype).replace("torch.", "")
            np.testing.assert_array_equal(got.data, ref.numpy())
        with pytest.raises(TypeError, match=f"{name}: expects integer tensors, got dtype bool"):
            getattr(Tensor(b), name)(Tensor(b))  # (two bools: torch's "not implemented")


@pytest.mark.parametrize("op", ["x // y", "x % y", "x.fmod(y)", "x.div(y, rounding_mode='trunc')",
                                "x.remainder(y)", "x.floor_divide(y)"])
def test_integer_division_by_a_zero_into_an_empty_result_returns_it_as_torch(op):
    """An empty x beside a zero divisor divides nothing: torch returns the empty result; it
    raised ZeroDivisionError here. A non-empty one still raises."""
    x, zero = np.zeros((2, 0), np.int32), np.zeros((1, 1), np.int64)
    got = eval(op, {"x": Tensor(x), "y": Tensor(zero)})  # noqa: S307
    ref = eval(op, {"x": torch.tensor(x), "y": torch.tensor(zero)})  # noqa: S307
    assert got.shape == tuple(ref.shape) and str(got.dtype) == str(ref.dtype).split(".")[1]
    assert eval(op, {"x": Tensor(np.zeros(0, np.int8)), "y": 0}).shape == (0,)  # noqa: S307
    with pytest.raises(ZeroDivisionError, match="integer division by zero"):
        eval(op, {"x": Tensor(np.ones(2, np.int32)), "y": Tensor(zero)})  # noqa: S307


def test_an_unsigned_add_or_sub_takes_a_negative_alpha_wrapped_as_torch():
    """uint8 x.add(y, alpha=-1) is x - y (torch wraps -1 to 255: the same sum mod 256); it was
    refused with NumPy 2's OverflowError. Past the dtype's range, refused as torch."""
    u = np.array([5, 0, 200], np.uint8)
    v = np.array([1, 3, 100], np.uint8)
    for alpha in (-1, -255, 2, 255):
        for name in ("add", "sub"):
            got = getattr(Tensor(u), name)(Tensor(v), alpha=alpha)
            ref = getattr(torch.tensor(u), name)(torch.tensor(v), alpha=alpha)
            assert got.dtype == np.uint8
            np.testing.assert_array_equal(got.data, ref.numpy())
    t = Tensor(u.copy())
    t.add_(Tensor(v), alpha=-1)
    np.testing.assert_array_equal(t.data, u - v)
    for alpha in (-256, 256):
        with pytest.raises(OverflowError, match="out of bounds for uint8"):
            Tensor(u).add(Tensor(v), alpha=alpha)
    with pytest.raises(OverflowError, match="out of bounds for int8"):
        Tensor(np.array([1], np.int8)).add(Tensor(np.array([1], np.int8)), alpha=128)


def test_a_bool_tensor_to_a_bool_power_stays_bool_as_torch():
    """x ** True is x, x ** False is True: torch's bool; NumPy's power made them int8."""
    b = np.array([True, False])
    for p in (True, False):
        got = Tensor(b) ** p
        assert got.dtype == np.bool_
        np.testing.assert_array_equal(got.data, (torch.tensor(b) ** p).numpy())
    assert (Tensor(b) ** 2).dtype == np.int64  # (an int exponent: int64, as torch)


# ---- behaviours kept (exact where torch wraps) ------------------------------------------------
def test_comparisons_with_a_python_int_past_the_dtype_are_exact():
    """torch wraps 2**31 into int8 (0) and -1 into uint8 (255) before comparing: `int8 7 >
    2**31` is True there. Here the comparison is exact."""
    x8, u8 = Tensor(np.array([7, -10], np.int8)), Tensor(np.array([3, 255], np.uint8))
    np.testing.assert_array_equal((x8 > 2**31).data, [False, False])
    np.testing.assert_array_equal((x8 <= 200).data, [True, True])
    np.testing.assert_array_equal((u8 >= -1).data, [True, True])
    np.testing.assert_array_equal((u8 != -1).data, [True, True])


def test_integer_results_never_require_grad_and_a_mixed_op_gives_the_float_input_its_gradient():
    x = Tensor(np.array([-2.5, 0.5, 3.0]), requires_grad=True)
    i = Tensor(np.array([3, 5, 2], np.uint8))
    tx = torch.tensor(x.data.copy(), requires_grad=True)
    ti = torch.tensor(i.data)
    for f in (lambda a, b: a * b + b // 2, lambda a, b: a / b - (b ** 2) * a,
              lambda a, b: a % b + a.fmod(b), lambda a, b: a.maximum(b) + a ** b):
        x.grad, tx.grad = None, None
        f(x, i).sum().backward()
        f(tx, ti).sum().backward()
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    # the gradient of atan2(uint8 y, x) wrt x is -y / (x^2 + y^2): torch 2.13 negates y in
    # uint8 (253 for 3) and gives 16.59 at x = -2.5
    x.grad = None
    i.atan2(x).sum().backward()
    y = i.data.astype(float)
    np.testing.assert_allclose(x.grad, -y / (x.data ** 2 + y ** 2), rtol=1e-12)
    for r in (i + 1, i * 2, i // 2, i % 3, -i, i.sum(), i.cumsum(0), x.long() + i, x > 0,
              x.argmax(), i.gcd(i), i << 1):
        assert not r.requires_grad and r.dtype.kind in "iub"
    with pytest.raises(TypeError, match="only real floating-point tensors can require grad"):
        Tensor(np.array([1, 2]), requires_grad=True)


def test_index_reduce_of_an_integer_mean_is_refused_naming_index_reduce():
    """torch floors an integer mean (-2 / 3 is -1); refused here (documented), and the
    refusal named scatter_reduce for an index_reduce call."""
    x, src = Tensor(np.array([1, 2, 3])), Tensor(np.array([4, -7]))
    with pytest.raises(TypeError, match=r"^index_reduce: reduce='mean' on a int64 tensor is "
                                        r"not supported; cast to a float dtype first"):
        x.index_reduce(0, Tensor(np.array([0, 0])), src, "mean")
    with pytest.raises(TypeError, match=r"^scatter_reduce: reduce='mean' on a int64"):
        x.scatter_reduce(0, Tensor(np.array([0, 0])), src, "mean")
    got = x.double().index_reduce(0, Tensor(np.array([0, 0])), src.double(), "mean")
    np.testing.assert_allclose(got.data, [-2 / 3, 2, 3])


def test_var_and_std_of_int64_past_2_53_are_exact():
    """int64 data was made float64 before its deviations: var([2**53 + 1, 2**53]) was 0 (the +1
    lost), 0.25 exactly. torch refuses var of integers; NumPy's np.var gives the 0."""
    def exact(v, ddof):
        m = Fraction(sum(v), len(v))
        return float(sum((Fraction(x) - m) ** 2 for x in v) / (len(v) - ddof))

    for v in ([2**53 + 1, 2**53], [2**63 - 1, -(2**63)], [-(2**63), -(2**63) + 1, -(2**63) + 5],
              [2**62 + 3, 2**62, 2**62 + 7, 2**62 + 1], [1, 2, 3, 4]):
        t = Tensor(np.array(v, np.int64))
        for ddof in (0, 1):
            assert t.var(ddof=ddof).item() == exact(v, ddof), (v, ddof)
        assert t.std().item() == pytest.approx(exact(v, 0) ** 0.5, rel=1e-15)
    rows = Tensor(np.array([[2**53 + 1, 2**53], [3, 5]], np.int64)).var(dim=1, correction=0)
    np.testing.assert_array_equal(rows.data, [0.25, 1.0])
    assert Tensor(np.array([2**64 - 1, 2**64 - 3], np.uint64)).var().item() == 1.0

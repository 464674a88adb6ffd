"""Elementwise ops' type promotion and integer/bool semantics against torch 2.13 (CPU): result
dtypes, exact integer values (wrap-around where torch wraps, no wrap where the result's dtype
holds the value), division and remainder by zero, shifts, negative integer powers, and the
gradients of float results beside integer or narrower float operands.

The random cases draw n-d tensors of one category (all integers and bools, or all floats),
where this library's promotion (NumPy 2's) and torch's agree; the documented differences (an
integer beside a float is float64 here, a 0-d tensor is not a weak scalar, docs/pytorch.md)
are left to the named tests of those rules. Where torch 2.13 is wrong (its atan2 gradient
squares an int8 operand in int8, its addcmul gradient multiplies a uint8 tensor2 by value in
uint8) the named tests check the exact value instead."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")

INTS = ["bool", "uint8", "int8", "int16", "int32", "int64"]
FLOATS = ["float16", "float32", "float64"]
LIMITS = {d: (np.iinfo(d).min, np.iinfo(d).max) for d in INTS[1:]}


def _ints(r, dtype, shape, lo=None):
    if dtype == "bool":
        return r.integers(0, 2, shape).astype(bool)
    a, b = LIMITS[dtype]
    small = r.integers(max(a, -9), min(b, 9) + 1, shape)
    edge = r.choice(np.array([a, b, a + 1, b - 1, 0, 1], dtype=dtype), shape)
    x = np.where(r.random(shape) < 0.25, edge, small).astype(dtype)
    return x if lo is None else np.maximum(x, np.array(lo).astype(dtype))


def _floats(r, dtype, shape):
    x = r.standard_normal(shape) * 3
    edge = r.choice(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 0.5, -2.5]), shape)
    return np.where(r.random(shape) < 0.15, edge, x).astype(dtype)


def _shapes(r):
    shape = tuple(int(n) for n in r.integers(1, 4, r.integers(1, 4)))
    return shape, tuple(1 if r.random() < 0.3 else n for n in shape)


def _pair(r, kinds):
    shape, other = _shapes(r)
    da, db = r.choice(kinds), r.choice(kinds)
    draw = _ints if kinds is INTS else _floats
    return draw(r, da, shape), draw(r, db, other)


def _both(f, *arrays):
    """f(torch, ...) and f(tg, ...) on copies of `arrays`: (torch's, ours), or an exception."""
    out = []
    for lib, make in ((torch, lambda a: torch.tensor(a.copy())),
                      (tg, lambda a: tg.tensor(a.copy()))):
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(f(lib, *map(make, arrays)))
        except (RuntimeError, TypeError, ValueError, ZeroDivisionError, NotImplementedError) as e:
            out.append(e)
    return out


def _same(t, g, what):
    if isinstance(t, Exception):
        if "expected dtype" in str(t):  # torch's lerp refuses a dtype mix; every op here
            return  # promotes one, as NumPy (docs/pytorch.md, "mixed dtypes promote")
        assert isinstance(g, Exception), f"{what}: torch raises {t!r}, ours gives {g}"
        return
    assert not isinstance(g, Exception), f"{what}: ours raises {g!r}, torch gives {t}"
    td = str(t.dtype).replace("torch.", "")
    assert str(g.dtype) == td, f"{what}: dtype {g.dtype}, torch's {td}"
    a, b = np.asarray(g.data), t.numpy()
    if a.dtype.kind in "biu":
        np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        # (float16: NumPy's arithmetic rounds each step, torch's kernels once from float32;
        # atol: a composite op's (addcmul's) cancellation, rounded in another order)
        tol = {"float16": 1e-2, "float32": 1e-6}.get(td, 1e-12)
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * 10 if td != "float64" else 0,
                                   equal_nan=True, err_msg=what)


INT_OPS = {
    "add": lambda M, a, b: a + b, "mul": lambda M, a, b: a * b,
    "maximum": lambda M, a, b: M.maximum(a, b), "fmin": lambda M, a, b: M.fmin(a, b),
    "eq": lambda M, a, b: a == b, "lt": lambda M, a, b: a < b, "ge": lambda M, a, b: M.ge(a, b),
    "and": lambda M, a, b: a & b, "or": lambda M, a, b: a | b, "xor": lambda M, a, b: a ^ b,
    "floor_divide": lambda M, a, b: a // b, "remainder": lambda M, a, b: a % b,
    "fmod": lambda M, a, b: M.fmod(a, b),
    "trunc": lambda M, a, b: M.div(a, b, rounding_mode="trunc"),
    "lshift": lambda M, a, b: a << b, "rshift": lambda M, a, b: a >> b,
    "pow": lambda M, a, b: a ** b, "logical_xor": lambda M, a, b: M.logical_xor(a, b),
    "where": lambda M, a, b: M.where(a > 0, a, b),
    "addcmul": lambda M, a, b: M.addcmul(a, b, b, value=2),
}


@pytest.mark.parametrize("seed", range(3))
def test_integer_and_bool_ops_match_torch(seed):
    r = np.random.default_rng(seed)
    for name, f in INT_OPS.items():
        for _ in range(12):
            a, b = _pair(r, INTS)
            if name in ("floor_divide", "remainder", "fmod", "trunc"):
                # (MIN // -1 of int32/int64 kills torch with SIGFPE; ours refuses it)
                if any(v.dtype.kind == "i" and v.dtype.itemsize >= 4 for v in (a, b)):
                    b = np.where(b == -1, 2, b).astype(b.dtype)
            if name in ("lshift", "rshift", "pow") and (a.dtype == bool or b.dtype == bool):
                continue  # (torch's shifts of bools are int64 sums; ours refuse them)
            if name in ("lshift", "rshift", "pow") and a.dtype != b.dtype:
                b = b.astype(a.dtype)  # (one dtype: each kernel's own casts)
            if name == "pow":
                b = np.clip(b, -3, 6).astype(b.dtype)
            t, g = _both(f, a, b)
            _same(t, g, f"{name}({a.tolist()} {a.dtype}, {b.tolist()} {b.dtype})")


FLOAT_OPS = {
    "add": lambda M, a, b: a + b, "sub": lambda M, a, b: a - b, "div": lambda M, a, b: a / b,
    "atan2": lambda M, a, b: M.atan2(a, b), "hypot": lambda M, a, b: M.hypot(a, b),
    "copysign": lambda M, a, b: M.copysign(a, b), "minimum": lambda M, a, b: M.minimum(a, b),
    "remainder": lambda M, a, b: a % b, "floor": lambda M, a, b: M.div(a, b, rounding_mode="floor"),
    "pow": lambda M, a, b: M.pow(a.abs() + 0.5, b), "lerp": lambda M, a, b: M.lerp(a, b, 0.25),
    "addcmul": lambda M, a, b: M.addcmul(a, b, b, value=0.5),
    "addcdiv": lambda M, a, b: M.addcdiv(a, b, b.abs() + 1, value=0.5),
    "clamp": lambda M, a, b: M.clamp(a, b, None), "le": lambda M, a, b: a <= b,
}


@pytest.mark.parametrize("seed", range(3))
def test_float_ops_and_gradients_match_torch(seed):
    r = np.random.default_rng(100 + seed)
    for name, f in FLOAT_OPS.items():
        for _ in range(10):
            a, b = _pair(r, FLOATS)
            t, g = _both(f, a, b)
            _same(t, g, f"{name}({a.tolist()} {a.dtype}, {b.tolist()} {b.dtype})")
            if name == "le" or a.dtype != b.dtype and name in ("pow", "atan2") \
                    or not np.isfinite(a).all() or not np.isfinite(b).all() \
                    or isinstance(t, Exception):
                # (torch's pow gradient takes p - 1 in a float32 p's dtype, its atan2 squares
                # a float32 operand beside float64 in float32: test_mixed_float_gradients)
                continue
            ta, tb = (torch.tensor(v, requires_grad=True) for v in (a, b))
            ga, gb = (tg.tensor(v, requires_grad=True) for v in (a, b))
            w = r.standard_normal(t.shape)
            with np.errstate(all="ignore"):
                (f(torch, ta, tb) * torch.tensor(w, dtype=t.dtype)).sum().backward()
                (f(tg, ga, gb) * tg.tensor(w.astype(str(g.dtype)))).sum().backward()
            for x, tx, gx in ((a, ta, ga), (b, tb, gb)):
                if x.dtype == np.float64 and tx.grad is not None \
                        and name not in ("minimum", "clamp"):  # (ties: ours split evenly)
                    np.testing.assert_allclose(gx.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-300,
                                               err_msg=f"{name} gradient, {a.dtype} and {b.dtype}")


# ---- named regressions ------------------------------------------------------------------------
def test_addcmul_integer_product_does_not_wrap_before_a_float_input():
    x = tg.tensor(np.array([0.5], np.float64))
    t1, t2 = tg.tensor(np.array([2**31 - 1], np.int32)), tg.tensor(np.array([5], np.int32))
    out = tg.addcmul(x, t1, t2)  # torch: 10737418235.5 (the product in float64); was -3.5
    assert out.dtype == np.float64 and out.data[0] == 5 * (2**31 - 1) + 0.5
    ints = tg.addcmul(tg.tensor(np.array([1])), tg.tensor(np.array([100], np.int8)),
                      tg.tensor(np.array([5], np.int8)))
    assert ints.dtype == np.int64 and ints.data[0] == 501  # torch's 501 (was int8's -12)


def test_addcmul_product_in_the_result_dtype_not_a_narrower_one():
    x = tg.tensor(np.array(0, np.int16))
    out = tg.addcmul(x, tg.tensor(np.array([-6], np.int8)),
                     tg.tensor(np.array(4.03515625, np.float16)), value=2)
    # float32 (int16 beside float16), the product not rounded to float16 first: torch's -48.421875
    assert out.dtype == np.float32 and out.data[0] == np.float32(-48.421875)


def test_addcmul_gradient_of_a_uint8_tensor2_is_exact_where_torchs_wraps():
    t1 = tg.tensor(np.float64(0.5), requires_grad=True)
    t2 = tg.tensor(np.array([254], np.uint8))
    tg.addcmul(tg.tensor(np.int64(8)), t1, t2, value=2).sum().backward()
    assert t1.grad == 508.0  # (torch 2.13: 252.0, 254 * 2 in uint8)


def test_addcdiv_refuses_integer_tensor1_and_tensor2_as_torch():
    x = tg.tensor(np.array([1.0]))
    with pytest.raises(RuntimeError, match="addcdiv: integer division"):
        tg.addcdiv(x, tg.tensor(np.array([100], np.int8)), tg.tensor(np.array([3], np.int8)))
    with pytest.raises(RuntimeError):
        torch.addcdiv(torch.tensor([1.0]), torch.tensor([100], dtype=torch.int8),
                      torch.tensor([3], dtype=torch.int8))
    out = tg.addcdiv(x, tg.tensor(np.array([1.0], np.float16)), tg.tensor(np.array([3], np.int8)))
    assert out.dtype == np.float64 and abs(out.data[0] - 4 / 3) < 1e-15


@pytest.mark.parametrize("base", ["uint8", "int8", "bool"])
def test_pow_exponent_gradient_of_an_integer_base_in_float64(base):
    x = np.array([2, 1, 3][: 2 if base == "bool" else 3], base)
    p = tg.tensor(np.array(0.7219521175342516), requires_grad=True)
    tg.pow(tg.tensor(x), p).sum().backward()
    exact = float(np.sum(x.astype(float) ** 0.7219521175342516 * np.log(x.astype(float))))
    assert abs(p.grad - exact) <= 1e-14 * abs(exact)  # (uint8: 1.14364 from a float16 log)


def test_pow_base_gradient_of_a_float32_base_with_float64_exponent():
    x = tg.tensor(np.array([0.004331191536039114], np.float32))
    p = tg.tensor(np.array([2.2469544784181505]), requires_grad=True)
    tg.pow(x, p).sum().backward()
    xd = float(np.float32(0.004331191536039114))
    exact = xd ** 2.2469544784181505 * np.log(xd)
    assert abs(p.grad[0] - exact) <= 1e-14 * abs(exact)  # (was log in float32: 1e-8 off)


def test_pow_base_gradient_with_an_int8_exponent_at_its_minimum():
    x = tg.tensor(np.array([1.5]), requires_grad=True)
    (x ** tg.tensor(np.array([-128], np.int8))).sum().backward()
    assert np.isclose(x.grad[0], -128 * 1.5 ** -129, rtol=1e-14)  # (p - 1 wrapped to 127)


def test_atan2_gradient_beside_an_int8_operand_does_not_wrap():
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = np.array([16, 100], np.int8)
    tg.atan2(tg.tensor(y), x).sum().backward()
    # -y / (x^2 + y^2); y * y in int8 gave -16 and -5 (torch 2.13's values too)
    exact = -y / (np.array([1.0, 4.0]) + y.astype(float) ** 2)
    np.testing.assert_allclose(x.grad, exact, rtol=1e-15)


def test_integer_tensors_to_negative_integer_tensor_powers_as_torch():
    x = np.array([2, 1, -1, -1, 0, 3], np.int64)
    p = np.array([-1, -5, -3, -2, -1, 2], np.int64)
    ours = tg.tensor(x) ** tg.tensor(p)  # (NumPy refused)
    np.testing.assert_array_equal(ours.data, (torch.tensor(x) ** torch.tensor(p)).numpy())
    assert ours.data.tolist() == [0, 1, -1, 1, 0, 9]
    mixed = tg.tensor(np.array([255, 2], np.uint8)) ** tg.tensor(np.array([-1, -1], np.int8))
    assert mixed.dtype == np.int16 and mixed.data.tolist() == [0, 0]  # (255, not -1: torch's)
    assert (2 ** tg.tensor(np.array([-1, 3]))).data.tolist() == [0, 8]


@pytest.mark.parametrize("call", [lambda x: x ** -1, lambda x: x.pow(-2), lambda x: tg.pow(x, -1),
                                  lambda x: tg.pow(x, exponent=-1), lambda x: x.pow_(-1)])
def test_integer_tensor_to_a_negative_python_int_is_refused_as_torch(call):
    with pytest.raises(RuntimeError, match="integers to negative integer powers"):
        call(tg.tensor(np.array([2, 3])))


@pytest.mark.parametrize("op", ["remainder", "fmod"])
def test_bool_remainder_and_fmod_are_refused_as_torch(op):
    a = tg.tensor(np.array([True, False]))
    with pytest.raises(TypeError, match=f"{op}.*bool"):
        getattr(a, op)(tg.tensor(np.array([True, True])))
    assert getattr(a, op)(2).data.tolist() == [1, 0]  # (a bool beside an int: torch's int64)


def test_mixed_float_gradients_in_the_result_dtype():
    """atan2 and pow of a float64 and a float32 tensor: the gradients as float64 math gives
    them (ours squared the float32 operand in float32: 1e-8 off; torch 2.13's still do)."""
    a = np.array([0.7, -2.3, 1.9])
    b = np.array([0.3, 1.1, -0.77], np.float32)
    bd = b.astype(np.float64)
    x = tg.tensor(a, requires_grad=True)
    tg.atan2(x, tg.tensor(b)).sum().backward()
    np.testing.assert_allclose(x.grad, bd / (a * a + bd * bd), rtol=1e-15)
    x = tg.tensor(a, requires_grad=True)
    tg.atan2(tg.tensor(b), x).sum().backward()
    np.testing.assert_allclose(x.grad, -bd / (a * a + bd * bd), rtol=1e-15)
    p = tg.tensor(np.array([0.013], np.float32))
    x = tg.tensor(np.array([2.7]), requires_grad=True)
    tg.pow(x, p).sum().backward()
    pd = float(np.float32(0.013))
    assert abs(x.grad[0] - pd * 2.7 ** (pd - 1)) <= 1e-15 * x.grad[0]


def test_float_power_reads_a_python_number_in_float64():
    x16 = tg.tensor(np.array([0.5], np.float16))
    out = tg.float_power(1e5, x16)  # torch: 316.2277...; the 1e5 was rounded to float16's inf
    assert out.dtype == np.float64 and abs(out.data[0] - 1e5 ** 0.5) < 1e-12
    assert tg.float_power(tg.tensor(np.array([3])), 2).data.tolist() == [9.0]
    out = tg.float_power(2, tg.tensor(np.array([-1, 60])))
    np.testing.assert_allclose(out.data, [0.5, 2.0 ** 60])


def test_lerp_of_integer_ends_does_not_wrap_around():
    x, end = tg.tensor(np.array([83, -100], np.int8)), tg.tensor(np.array([-71, 100], np.int8))
    w = tg.tensor(np.array([-2.188, 0.5]), requires_grad=True)
    out = tg.lerp(x, end, w)  # end - x was int8's 102 for -154: -140.2 for 420.0
    np.testing.assert_allclose(out.data, [83 - 2.188 * -154, 0.0], rtol=1e-15)
    out.sum().backward()
    assert w.grad.tolist() == [-154.0, 200.0]
    assert tg.lerp(x, end, 0.5).data.tolist() == [6.0, 0.0]  # (a number weight: -100 + 100)

"""Second review of the padding hunt's fill check (hPAD's `_fill` in functional/joins.py) and its
ConstantPad / ZeroPad rank change, against torch 2.13 (CPU) and NumPy.

Found: np.pad's per-axis fills (a pair, pairs, an array) and a Tensor's value skipped the check
(uint8 (-1, 300) padded 255 and 44, float32 (1e300, 1) and tg.tensor(1e300) inf), a complex64
tensor's fill past float32 became inf (torch refuses it), a fill Tensor that requires grad got
no gradient without a word, a fill on an unpadded side was still cast (a RuntimeWarning, or
NumPy's bare OverflowError), and the integer message said torch refuses 2**63 (torch reads the
value as a double and wraps it)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional

_DTYPES = ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "uint16",
           "uint32", "uint64", "bool", "complex128", "complex64")
_VALUES = (1, -1, 1.5, -1.5, -0.5, 2.7, 0.5, True, float("nan"), float("inf"), -float("inf"),
           2**31, -2**31 - 1, 255, 256, 255.5, 65504.0, 65519.0, 65520.0, 1e300, 3.5e38,
           1e-300, -0.0, np.float64(1.5), np.float32(3e38), np.float16(1.0), np.int64(-1),
           np.uint8(255), np.int8(-1), np.bool_(True), np.float64("nan"))
# torch reads `value` as a double: past 2**53 an int64 / uint64 fill is rounded, past their
# range wrapped (2**63 - 1 pads -2**63, 2**64 - 1 pads 0); ours pads the exact integer or refuses
_TORCH_ROUNDS = (2**63, 2**63 - 1, -2**63 - 1, 2.0**63, 2**64 - 1, 2**64, 2.0**64)


def _run(fn, *args):
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001 (an error is one of the outcomes compared)
        return e


@pytest.mark.parametrize("dtype", _DTYPES)
def test_pad_fill_of_every_dtype_matches_torch(dtype):
    x = np.array([0, 1, 2]).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for v in _VALUES:
            for widths in ((1, 1), (0, 2), (0, 0)):
                t = _run(lambda w, f: TF.pad(torch.from_numpy(x.copy()), w, value=f).numpy(),
                         widths, v)
                o = _run(lambda w, f: np.asarray(F.pad(tg.tensor(x.copy()), pad=w, value=f).data),
                         widths, v)
                if isinstance(t, Exception):
                    assert isinstance(o, Exception), (dtype, v, widths, o)
                    assert "\n" not in str(o)
                else:
                    assert not isinstance(o, Exception), (dtype, v, widths, o)
                    nan = o.dtype.kind in "fc"
                    assert o.dtype == t.dtype and np.array_equal(o, t, equal_nan=nan), (
                        dtype, v, widths, o, t)


@pytest.mark.parametrize("dtype", ["int64", "uint64"])
def test_pad_integer_fill_past_a_double_is_exact_or_refused_where_torch_rounds(dtype):
    x = tg.tensor(np.array([1, 2], dtype=dtype))
    info = np.iinfo(dtype)
    for v in _TORCH_ROUNDS:
        if info.min <= v <= info.max:
            got = np.asarray(F.pad(x, pad=(1, 1), value=v).data)
            assert got.dtype == dtype and got[0] == v and got[-1] == v
        else:
            with pytest.raises(OverflowError, match="wraps one past int64's range") as e:
                F.pad(x, pad=(1, 1), value=v)
            assert "torch's refuses" not in str(e.value)


def test_pad_np_spelling_pairs_of_fills_past_the_dtype_are_refused():
    u8, f32 = tg.tensor(np.array([1, 2], np.uint8)), tg.tensor(np.array([1, 2], np.float32))
    with pytest.raises(OverflowError, match="uint8"):  # (NumPy's cast padded 255 and 44)
        F.pad(u8, 1, constant_values=(-1, 300))
    with pytest.raises(OverflowError, match="uint8"):
        F.pad(u8, 1, constant_values=[(0, 300)])
    with pytest.raises(OverflowError, match="uint8"):
        F.pad(u8, 1, constant_values=np.array(-1))
    with pytest.raises(ValueError, match="float32"):  # (inf)
        F.pad(f32, 1, constant_values=(1e300, 1))
    with pytest.raises(ValueError, match="float32"):
        F.pad(f32, 1, constant_values=tg.tensor([1.0, 1e300]))


def test_pad_np_spelling_fill_of_an_unpadded_side_is_not_cast():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (NumPy's cast of 1e300 into an empty slice warned)
        got = F.pad(tg.tensor(np.array([1, 2], np.float32)), ((0, 1),), constant_values=(1e300, 3))
        assert np.asarray(got.data).tolist() == [1.0, 2.0, 3.0]
        x = tg.tensor(np.zeros((2, 2), np.uint8))  # (NumPy raised its own bare OverflowError)
        got = F.pad(x, ((0, 0), (1, 1)), constant_values=((-1, -1), (3, 4)))
        assert np.asarray(got.data).tolist() == [[3, 0, 0, 4], [3, 0, 0, 4]]
        fills, widths = ((5, 6), (7, 8)), ((1, 0), (0, 2))
        ok = np.pad(np.zeros((2, 2)), widths, constant_values=fills)
        got = F.pad(tg.tensor(np.zeros((2, 2))), widths, constant_values=fills)
        assert np.array_equal(np.asarray(got.data), ok)


def test_pad_tensor_fill_is_checked_and_padded_by_its_value():
    with pytest.raises(OverflowError, match="uint8"):  # (NumPy's cast padded 255)
        F.pad(tg.tensor(np.array([1, 2], np.uint8)), pad=(1, 1), value=tg.tensor(-1.0))
    with pytest.raises(ValueError, match="float32"):  # (inf)
        F.pad(tg.tensor(np.array([1, 2], np.float32)), pad=(1, 1), value=tg.tensor(1e300))
    got = F.pad(tg.tensor(np.array([1, 2], np.uint8)), pad=(1, 1), value=tg.tensor(3.0))
    assert np.asarray(got.data).tolist() == [3, 1, 2, 3] and got.dtype == np.uint8


def test_pad_tensor_fill_that_requires_grad_is_refused_not_left_without_gradient():
    v = tg.tensor(2.0, requires_grad=True)
    with pytest.raises(TypeError, match="requires grad") as e:
        F.pad(tg.tensor([1.0, 2.0], requires_grad=True), pad=(1, 1), value=v)
    assert "\n" not in str(e.value)


def test_pad_complex64_fill_past_float32_is_refused_as_torch():
    x = tg.tensor(np.array([1, 2], np.complex64))
    for v in (1e300, 3.5e38, -1e39):  # (NumPy's cast gave inf; torch: "without overflow")
        with pytest.raises(RuntimeError):
            TF.pad(torch.tensor([1, 2], dtype=torch.complex64), (1, 1), value=v)
        with pytest.raises(ValueError, match="complex64|float32"):
            F.pad(x, pad=(1, 1), value=v)
    with pytest.raises(ValueError, match="imaginary"):
        F.pad(x, pad=(1, 1), value=1 + 1e300j)
    assert np.asarray(F.pad(x, pad=(0, 0), value=1e300).data).tolist() == [1, 2]  # (as torch)
    assert np.asarray(F.pad(x, pad=(1, 0), value=2 - 3j).data).tolist() == [2 - 3j, 1, 2]


@pytest.mark.parametrize("name", ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d",
                                  "ZeroPad2d", "ZeroPad3d"])
def test_constant_and_zero_pad_modules_of_any_rank_match_torch(name):
    rng = np.random.default_rng(5)
    k = int(name[-2])
    for rank in range(6):
        for padding in (1, -1, tuple(rng.integers(-1, 3, 2 * k).tolist())):
            args = (padding, 1.5) if name.startswith("Constant") else (padding,)
            xn = rng.standard_normal(tuple(rng.integers(1, 4, rank).tolist()))
            xt = torch.tensor(xn, requires_grad=True)
            t = _run(lambda a, x: getattr(torch.nn, name)(*a)(x), args, xt)
            xo = tg.tensor(xn, requires_grad=True)
            o = _run(lambda a, x: getattr(nn, name)(*a)(x), args, xo)
            if isinstance(t, Exception):
                assert isinstance(o, Exception), (name, rank, padding)
                continue
            assert not isinstance(o, Exception), (name, rank, padding, o)
            w = rng.standard_normal(tuple(t.shape))
            (t * torch.tensor(w)).sum().backward()
            (o * tg.tensor(w)).sum().backward()
            assert np.allclose(np.asarray(o.data), t.detach().numpy(), rtol=1e-12, atol=0)
            assert np.allclose(np.asarray(xo.grad), xt.grad.numpy(), rtol=1e-12, atol=0)


def test_pad_complex_fill_without_imaginary_part_pads_its_real_part_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (NumPy's cast warned ComplexWarning)
        for dtype in (np.int64, np.float32, np.float64):
            x = tg.tensor(np.array([1, 2], dtype))
            got = np.asarray(F.pad(x, pad=(1, 1), value=3 + 0j).data)
            assert got.dtype == dtype and got.tolist() == [3, 1, 2, 3]
            got = np.asarray(F.pad(x, 1, constant_values=(3 + 0j, np.complex64(4))).data)
            assert got.dtype == dtype and got.tolist() == [3, 1, 2, 4]

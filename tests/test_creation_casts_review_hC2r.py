"""Second review of the creation/conversion change (helper hC2r): arange's integer count past
2**53, float arange values near 0 (rounded once, as torch's fused multiply-add), the float-to-int
cast warning's siblings and its float16/float32 bookkeeping, to(True), and type()'s torch
spellings."""

import warnings
from fractions import Fraction

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")


def _exact(start, step, i):
    return float(Fraction(start) + i * Fraction(step))


def _ulps(got, want, dt):
    return abs(float(got) - want) / float(np.spacing(np.abs(dt(want))))


# ---- arange ---------------------------------------------------------------------------------
def test_arange_int_count_past_2_53_as_torch():
    # NumPy counted (2**53 + 1) / 2**51 in float64 (4.0): 4 values, torch 5
    got = tg.arange(0, 2**53 + 1, 2**51)
    want = torch.arange(0, 2**53 + 1, 2**51).numpy()
    np.testing.assert_array_equal(got.data, want)
    assert got.dtype == np.int64


def test_arange_float_value_near_zero_is_torchs():
    # start + round(i * step) lost the digits: 0.0 here, exactly 1.0547e-15 (torch's too)
    got = tg.arange(-19, 4.1, 0.1).data
    assert got[190] == torch.arange(-19, 4.1, 0.1, dtype=torch.float64)[190].item()
    assert got[190] == _exact(-19.0, 0.1, 190)
    assert tg.arange(-1.0, 1.0, 0.1).data[10] == 5.551115123125783e-17  # torch's, exact


def test_arange_float64_24_ulps_off_before():
    s, e, st = 63.9253438238554, -128.33591052578686, -1.4073034949756837
    got = tg.arange(s, e, st).data
    assert _ulps(got[46], _exact(s, st, 46), np.float64) <= 1  # was 24 ulps


def test_arange_float32_near_zero_rounded_once():
    got = tg.arange(-3.0, 24.333333333333332, 1 / 3, dtype=np.float32).data
    want = np.float32(_exact(-3.0, 1 / 3, 9))  # -1.67e-16; 0.0 before (torch: -9.9e-9)
    assert got[9] == want


@pytest.mark.parametrize("seed", range(3))
def test_arange_float_random_within_an_ulp_of_exact_and_torchs_length(seed):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        s = float(rng.uniform(-50, 50))
        st = float(rng.choice([-1, 1]) * 10 ** rng.uniform(-2, 0.5))
        e = s + st * float(rng.uniform(0, 120))
        want_len = len(torch.arange(s, e, st, dtype=torch.float64))
        for dt, tol in ((np.float64, 1.0), (np.float32, 0.5), (np.float16, 0.5)):
            got = tg.arange(s, e, st, dtype=dt).data
            assert got.dtype == dt and len(got) == want_len
            for i in range(0, len(got), 7):
                ex = _exact(s, st, i)
                assert _ulps(got[i], float(dt(ex)) if dt is not np.float64 else ex, dt) <= tol, \
                    (s, e, st, dt, i)


def test_arange_integer_dtypes_unchanged():
    for dt in (np.int8, np.uint8, np.int16, np.int32, np.int64):
        np.testing.assert_array_equal(tg.arange(2, -1, -1, dtype=dt).data, [2, 1, 0])
    np.testing.assert_array_equal(tg.arange(-128, 128, dtype=np.int8).data[-2:], [126, 127])
    with pytest.raises(ValueError, match="do not all fit uint8"):
        tg.arange(-2, 2, dtype=np.uint8)


# ---- float-to-int casts ---------------------------------------------------------------------
def _caught(f):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = f()
    return out, w


def test_float16_cast_warns_once_at_the_callers_line():
    x = tg.tensor(np.array([1.5, np.inf, np.nan], np.float16))
    out, w = _caught(lambda: x.long())
    assert [str(m.message)[:17] for m in w] == ["astype to int64: "]  # (2 overflow warnings
    assert w[0].filename == __file__  # from casts.py's float16 compare before)
    assert out.data[0] == 1 and out.data[1] == np.iinfo(np.int64).min


def test_float32_cast_warning_names_the_nan_not_int32s_minimum():
    x = tg.tensor(np.array([-2147483648.0, np.nan], np.float32))
    _, w = _caught(lambda: x.int())
    assert len(w) == 1 and str(w[0].message).startswith("astype to int32: nan")


@pytest.mark.parametrize("make", [
    lambda a: tg.tensor(a, dtype=np.int64), lambda a: Tensor(a, dtype=np.int64),
    lambda a: tg.as_tensor(a, dtype=np.int64), lambda a: tg.tensor([1, 2]).new_tensor(a)])
def test_constructor_casts_warn_at_the_callers_line_as_the_casts(make):
    a = np.array([1.5, np.nan, -np.inf, 3e10])
    out, w = _caught(lambda: make(a))
    assert len(w) == 1 and w[0].filename == __file__  # (NumPy's, from the package, before)
    assert "has no int64 value" in str(w[0].message)
    np.testing.assert_array_equal(out.data, torch.tensor(a).to(torch.int64).numpy())


def test_clean_casts_stay_silent_and_as_tensor_still_shares():
    a = np.array([1.5, -2.5, 3e9])
    out, w = _caught(lambda: (tg.tensor(a).long(), tg.tensor(a[:2], dtype=np.int32),
                              tg.tensor(np.array([300.0, -1.0])).astype(np.uint8)))
    assert w == [] and out[0].data.tolist() == [1, -2, 3000000000]
    assert out[2].data.tolist() == [44, 255]  # (torch's wrap, unsaid as there)
    b = np.zeros(3)
    t = tg.as_tensor(b, dtype=np.float64)
    b[0] = 7
    assert t.data[0] == 7


# ---- to() and type() ------------------------------------------------------------------------
@pytest.mark.parametrize("args", [(True,), (False, True), (True, True, True)])
def test_to_a_bool_alone_is_refused(args):
    # torch reads x.to(True) as x.to(torch.bool); it returned x unchanged without a word
    assert torch.zeros(2).to(*args).dtype == torch.bool
    with pytest.raises(TypeError, match="to: .*torch.bool"):
        tg.tensor([0.0, 1.5]).to(*args)


def test_to_positional_bools_after_a_dtype_device_or_tensor():
    x, o = tg.tensor([1.5, -2.5]), tg.tensor([1, 2], dtype=np.int32)
    assert x.to(o, True).dtype == np.int32
    assert x.to("cpu", torch.float64, False, True) is not x
    assert x.to("cpu", torch.float64, False, False) is x
    assert x.to(np.bool_).dtype == np.bool_ and x.to(tg.tensor([True]), True).dtype == np.bool_


def test_type_takes_torchs_non_blocking():
    x = tg.tensor([1.5, -2.5])
    assert x.type(torch.float32, True).dtype == np.float32
    assert x.type(torch.LongTensor, non_blocking=True).dtype == np.int64


@pytest.mark.parametrize("spec", ["torch.cuda.FloatTensor", torch.cuda.FloatTensor,
                                  torch.BFloat16Tensor, "torch.Tensor", torch.Tensor])
def test_type_refuses_other_tensor_types_in_one_line(spec):
    with pytest.raises(TypeError, match=r"^type: torch\.\S*Tensor is not a tensor type here"):
        tg.tensor([1.5]).type(spec)


@pytest.mark.parametrize("spec, want", [("float64", np.float64), (np.float32, np.float32),
                                        ("torch.FloatTensor", np.float32), (float, np.float64),
                                        (torch.ByteTensor, np.uint8), (np.dtype("i4"), np.int32)])
def test_type_readings(spec, want):
    assert tg.tensor([1.5]).type(spec).dtype == want

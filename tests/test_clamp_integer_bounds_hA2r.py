"""Review of 447090c (clamp / clip number bounds past a float32 / float16 range refused): its
siblings. An integer bound past an integer tensor's range: NumPy's same_kind cast wrapped a
NumPy integer around without a word (`x8.clamp_(np.int64(300))` gave [44, 44, 44], as did
clip_, clamp_min_, fill_, fill_diagonal_ and `x8[0] = np.int64(300)`), and a Python one gave
x (`x8.clamp(max=300)`) or NumPy's words without the op (`x8.clamp(min=300)`); torch 2.13
refuses each ("value cannot be converted to type int8_t without overflow"). And a float16
NumPy scalar bound or fill of a float32 tensor warned "overflow encountered in cast" (the
range check compared it with float32's largest value in float16)."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")

_CALLS = {
    "clamp_": lambda x, v: x.clamp_(v),
    "clamp_ max": lambda x, v: x.clamp_(max=v),
    "clip_": lambda x, v: x.clip_(v),
    "clamp_min_": lambda x, v: x.clamp_min_(v),
    "clamp_max_": lambda x, v: x.clamp_max_(v),
    "clamp": lambda x, v: x.clamp(v),
    "clamp max": lambda x, v: x.clamp(max=v),
    "clip": lambda x, v: x.clip(v),
    "torch.clamp": lambda x, v: (tg if isinstance(x, tg.Tensor) else torch).clamp(x, v),
    "fill_": lambda x, v: x.fill_(v),
    "setitem": lambda x, v: x.__setitem__(0, v),
}
_VALUES = [(np.int8, np.int64(300)), (np.int8, np.int64(-300)), (np.int8, np.uint8(200)),
           (np.int32, np.int64(2 ** 40)), (np.uint8, np.int64(256)), (np.int8, 300),
           (np.int64, 2 ** 63), (np.int16, np.uint64(2 ** 64 - 1))]


@pytest.mark.parametrize("dtype, value", _VALUES)
@pytest.mark.parametrize("name", list(_CALLS))
def test_an_integer_past_the_dtype_is_refused_in_one_line_as_torch(name, dtype, value):
    call = _CALLS[name]
    tv = int(value) if isinstance(value, np.uint64) else value  # (torch takes no np.uint64)
    with pytest.raises((RuntimeError, ValueError), match="without overflow|Overflow"):
        call(torch.tensor([1, 2, 3], dtype=getattr(torch, np.dtype(dtype).name)), tv)
    x = tg.Tensor(np.array([1, 2, 3], dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(OverflowError, match=f"{value} out of bounds for {np.dtype(dtype)}"
                           ) as e:
            call(x, value)
    msg = str(e.value)
    assert "\n" not in msg and msg.count(msg.split(":")[0]) == 1  # (the op named, once)
    assert ("clamp" in msg or "clip" in msg or "fill_" in msg or "setitem" in msg), msg
    np.testing.assert_array_equal(x.data, [1, 2, 3])  # (untouched)


def test_fill_diagonal_of_a_numpy_integer_past_the_dtype_is_refused():
    with pytest.raises(RuntimeError, match="without overflow"):
        torch.zeros(2, 2, dtype=torch.int8).fill_diagonal_(np.int64(300))
    x = tg.Tensor(np.zeros((2, 2), np.int8))
    with pytest.raises(OverflowError, match="fill_diagonal_: value int64 300 out of bounds"):
        x.fill_diagonal_(np.int64(300))
    assert not x.data.any()


@pytest.mark.parametrize("dtype, value", [(np.int8, np.int64(-128)), (np.int8, np.int64(127)),
                                          (np.uint8, 255), (np.int64, 2 ** 63 - 1),
                                          (np.int32, np.int64(-(2 ** 31)))])
@pytest.mark.parametrize("name", ["clamp_", "clamp_ max", "clip_", "fill_", "setitem"])
def test_an_integer_the_dtype_holds_is_taken_as_torch(name, dtype, value):
    call = _CALLS[name]
    xs = np.array([1, 2, 3], dtype)
    theirs = call(torch.tensor(xs), value)
    x = tg.Tensor(xs.copy())
    call(x, value)
    assert x.dtype == dtype
    np.testing.assert_array_equal(x.data, (theirs if theirs is not None else torch.tensor(
        xs)).numpy() if name != "setitem" else np.r_[xs.dtype.type(value), xs[1:]])


@pytest.mark.parametrize("name", ["clamp_", "clamp max", "clamp_min_", "fill_", "torch.fill"])
def test_a_float16_scalar_into_float32_gives_no_overflow_warning(name):
    """x32.clamp_(np.float16(2)) warned 'overflow encountered in cast' (float32's largest
    value cast to float16 for the comparison), an error under -W error."""
    call = _CALLS.get(name) or (lambda x, v: tg.fill(x, v))
    x = tg.Tensor(np.array([1.0, 3.0, 5.0], np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = call(x, np.float16(2))
    tx = torch.tensor([1.0, 3.0, 5.0])
    theirs = call(tx, np.float16(2)) if name != "torch.fill" else torch.fill(tx, 2.0)
    got = x if out is None else out
    np.testing.assert_array_equal(got.data, (tx if theirs is None else theirs).numpy())


def test_torch_fill_of_1e300_into_float32_is_refused_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(OverflowError, match="fill: value"):
            tg.fill(tg.Tensor(np.zeros(2, np.float32)), 1e300)


@pytest.mark.parametrize("dtype, lo, hi", [(np.int64, 2 ** 63, np.inf), (np.uint8, 2 ** 40, -0.5),
                                           (np.int8, -300, 2.5), (np.int8, "int64 tensor", 300)])
def test_a_bound_that_makes_the_result_wider_is_read_in_the_results_range(dtype, lo, hi):
    """The range an integer bound must fit is the result's: a float bound makes it float (ours
    float64, torch's float32), an int64 tensor bound int64; computed, as torch computes it."""
    xs = np.array([1, 2, 3], dtype)
    tlo = torch.tensor([0]) if lo == "int64 tensor" else lo
    thi = torch.tensor([hi]) if lo == "int64 tensor" else hi
    theirs = torch.tensor(xs).clamp(tlo, thi).numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = tg.Tensor(xs).clamp(tg.Tensor(np.array([0])) if lo == "int64 tensor" else lo,
                                   tg.Tensor(np.array([hi])) if lo == "int64 tensor" else hi)
    np.testing.assert_allclose(ours.data, theirs, rtol=1e-7)

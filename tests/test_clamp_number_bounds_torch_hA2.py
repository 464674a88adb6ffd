"""A number bound of clamp / clip / clamp_min / clamp_max (and their in-place forms) past a
float32 or float16 tensor's range is refused in one line, as torch 2.13 refuses it ("value
cannot be converted to type float without overflow"); before, x32.clamp_(1e300) gave inf and
x32.clamp(max=1e300) x, each with NumPy's RuntimeWarning. copy_ is a cast, as torch's: 1e300
into float32 is inf there too (pinned)."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")

_CALLS = {
    "clamp min": lambda x, v: x.clamp(v),
    "clamp max": lambda x, v: x.clamp(max=v),
    "clamp min=-v": lambda x, v: x.clamp(min=-v),
    "clip": lambda x, v: x.clip(v),
    "clamp_min": lambda x, v: x.clamp_min(v),
    "clamp_max": lambda x, v: x.clamp_max(v),
    "clamp_": lambda x, v: x.clamp_(v),
    "clamp_ max": lambda x, v: x.clamp_(max=v),
    "clip_": lambda x, v: x.clip_(v),
    "clamp_min_": lambda x, v: x.clamp_min_(v),
    "clamp_max_": lambda x, v: x.clamp_max_(v),
    "torch.clamp": lambda x, v: (tg if isinstance(x, tg.Tensor) else torch).clamp(x, v),
}


@pytest.mark.parametrize("dtype, value", [(np.float32, 1e300), (np.float32, np.float64(1e300)),
                                          (np.float32, 3.5e38), (np.float16, 1e5),
                                          (np.float16, 100000)])
@pytest.mark.parametrize("name", list(_CALLS))
def test_a_bound_past_the_dtype_is_refused_as_torch(name, dtype, value):
    call = _CALLS[name]
    with pytest.raises(RuntimeError, match="without overflow"):
        call(torch.zeros(2, dtype=getattr(torch, np.dtype(dtype).name)), value)
    x = tg.Tensor(np.zeros(2, dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no NumPy RuntimeWarning on the way)
        with pytest.raises(ValueError, match=r"clamp.*(min|max) .* does not fit the tensor's "
                                             r"dtype") as e:
            call(x, value)
    assert "\n" not in str(e.value)
    np.testing.assert_array_equal(x.data, 0)  # (untouched)


@pytest.mark.parametrize("dtype, value", [(np.float32, np.inf), (np.float32, 3e38),
                                          (np.float64, 1e300), (np.float16, 60000.0)])
@pytest.mark.parametrize("name", list(_CALLS))
def test_a_bound_the_dtype_holds_is_taken_as_torch(name, dtype, value):
    call = _CALLS[name]
    xs = np.array([-1.0, 0.5, 2.0], dtype)
    theirs = call(torch.tensor(xs), value).numpy()
    ours = call(tg.Tensor(xs.copy()), value)
    assert ours.dtype == dtype
    np.testing.assert_array_equal(ours.data, theirs)


@pytest.mark.parametrize("src", [1e300, np.float64(1e300), "tensor"])
def test_copy_of_1e300_into_float32_is_inf_as_torch(src):
    theirs = torch.zeros(2, dtype=torch.float32).copy_(torch.tensor(1e300, dtype=torch.float64)
                                  if src == "tensor" else src)
    x = tg.Tensor(np.zeros(2, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (NumPy's, as x.float()'s)
        x.copy_(tg.Tensor(np.float64(1e300)) if src == "tensor" else src)
    np.testing.assert_array_equal(x.data, theirs.numpy())
    assert np.isinf(x.data).all()

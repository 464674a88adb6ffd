"""A skeptic's review of the session's torch features (div rounding_mode, padding_mode,
avg_pool options, BatchNorm options, None and non-persistent buffers, softplus, retained
.grad), against torch 2.13. Each test failed before its fix:

- integer `%` / remainder / fmod by zero gave 0 without a word (NumPy's), where torch raises
  and where `//` and div(rounding_mode=) of integers now refuse: the old rule left on the
  neighbouring ops;
- a float remainder of 0 had the divisor's sign (NumPy's np.mod): torch's has the
  dividend's (-0.0 % 2.0 is -0.0 there, 1.0 % -0.5 is 0.0), so 1 / (x % y) flipped its inf;
- a Module pickled before persistent= existed (no `_non_persistent` set) raised
  AttributeError on `.float()` / `.double()` / `.to(dtype)`;
- register_buffer over a parameter's name (`register_buffer("W", None)`, now that None is
  a buffer) silently dropped the parameter: not trained, not saved; torch raises KeyError;
- SyncBatchNorm.convert_sync_batchnorm rebuilt alpha as 1 - (1 - alpha) through the
  15-digit momentum, an ulp off in most cases (the converted layer's running averages
  drifted from the original's).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("op", [
    lambda x, y: x % y,
    lambda x, y: x.remainder(y),
    lambda x, y: x.fmod(y),
    lambda x, y: tg.remainder(x, y),
    lambda x, y: tg.fmod(x, y),
])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int8])
def test_integer_remainder_by_zero_refused_as_torch(op, dtype):
    x = np.array([7, 5], dtype)
    y = np.array([2, 0], dtype)
    with pytest.raises(RuntimeError):  # torch's: RuntimeError("ZeroDivisionError")
        torch.remainder(torch.tensor(x), torch.tensor(y))
    with pytest.raises(ZeroDivisionError, match="integer division by zero"):
        op(tg.Tensor(x), tg.Tensor(y))
    with pytest.raises(RuntimeError, match="integer division by zero"):  # (torch's except)
        op(tg.Tensor(x), tg.Tensor(y))


def test_integer_remainder_reflected_and_in_place_refused_unchanged():
    with pytest.raises(ZeroDivisionError):
        _ = 7 % tg.Tensor(np.array([1, 0]))
    x = tg.Tensor(np.array([7, -7]))
    with pytest.raises(ZeroDivisionError):
        x.remainder_(0)
    with pytest.raises(ZeroDivisionError):
        x.fmod_(tg.Tensor(np.array([3, 0])))
    np.testing.assert_array_equal(x.numpy(), [7, -7])  # nothing written


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (NumPy's own at x % 0.0, as x / 0)
def test_remainder_values_and_signed_zeros_as_torch():
    x = np.array([7, -7, 0, 9])
    y = np.array([2, 3, -4, -2])
    for ours, theirs in ((lambda a, b: a % b, torch.remainder), (tg.fmod, torch.fmod)):
        got = ours(tg.Tensor(x), tg.Tensor(y))
        want = theirs(torch.tensor(x), torch.tensor(y)).numpy()
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.numpy(), want)
    # floats: NaN at 0, as torch's (no refusal); a zero remainder has x's sign, as torch's
    # (fmod's), where NumPy's np.mod gave y's: -0.0 % 2.0 was 0.0, 1.0 % -0.5 was -0.0
    f = np.array([7.5, -0.0, 1.0, -4.0, 4.0, 5.0, -5.0, np.inf])
    z = np.array([0.0, 2.0, -0.5, 2.0, -2.0, np.inf, np.inf, 2.0])
    for ours, theirs in ((lambda a, b: a % b, torch.remainder), (tg.fmod, torch.fmod)):
        got = ours(tg.Tensor(f), tg.Tensor(z)).numpy()
        want = theirs(torch.tensor(f), torch.tensor(z)).numpy()
        np.testing.assert_array_equal(got, want)
        num = ~np.isnan(want)  # (a NaN's sign is not compared)
        np.testing.assert_array_equal(np.signbit(got[num]), np.signbit(want[num]))


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.bn = nn.BatchNorm1d(2)


def test_module_pickled_before_persistent_casts():
    m = pickle.loads(pickle.dumps(_Net()))
    for mod in m.modules():  # as a pickle made before persistent= existed holds them
        del mod.__dict__["_non_persistent"]
    m.float()
    assert m.bn.running_mean.dtype == np.float32
    assert sorted(m.state_dict()) == ["bn.beta", "bn.gamma", "bn.num_batches_tracked",
                                      "bn.running_mean", "bn.running_var", "fc.W", "fc.b"]
    m.double()
    m.bn.register_buffer("extra", np.ones(2), persistent=False)
    assert "bn.extra" not in m.state_dict()


@pytest.mark.parametrize("name", ["W", "weight", "b"])
@pytest.mark.parametrize("value", [None, np.ones((2, 2))])
def test_register_buffer_over_a_parameter_refused_as_torch(name, value):
    t = torch.nn.Linear(2, 2)
    with pytest.raises(KeyError, match="already exists"):
        t.register_buffer({"W": "weight", "b": "bias"}.get(name, name), None)
    lin = nn.Linear(2, 2)
    with pytest.raises(KeyError, match="already exists"):
        lin.register_buffer(name, value)
    assert [n for n, _ in lin.named_parameters()] == ["W", "b"]  # still trained and saved
    assert isinstance(lin.W, tg.Tensor)


def test_register_buffer_over_a_child_module_refused():
    s = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(KeyError, match="already exists"):
        s.register_buffer("0", None)
    assert len(s.state_dict()) == 2


def test_register_buffer_over_a_buffer_or_attribute_still_works():
    bn = nn.BatchNorm1d(3)
    bn.register_buffer("running_mean", np.full(3, 2.0))  # a buffer replaced: fine
    assert bn.state_dict()["running_mean"].tolist() == [2.0, 2.0, 2.0]
    m = nn.Module()
    m.scale = 3.0  # a plain attribute: refused, as torch's (KeyError "already exists")
    with pytest.raises(KeyError, match="attribute 'scale' already exists"):
        m.register_buffer("scale", np.ones(1))
    del m.scale  # (the refusal's own advice)
    m.register_buffer("scale", np.ones(1))
    assert list(m.state_dict()) == ["scale"]


@pytest.mark.parametrize("alpha", [0.97, 0.123456789, 0.3, 0.7654321])
def test_convert_sync_batchnorm_keeps_alpha_exactly(alpha):
    bn = nn.BatchNorm1d(3, alpha=alpha)
    s = nn.SyncBatchNorm.convert_sync_batchnorm(bn)
    assert s.alpha == bn.alpha
    rng = np.random.default_rng(0)
    for _ in range(3):  # the same running averages as the layer it replaced
        x = rng.standard_normal((5, 3))
        bn(tg.Tensor(x))
    s2 = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(3, alpha=alpha))
    ref = nn.BatchNorm1d(3, alpha=alpha)
    for _ in range(3):
        x = rng.standard_normal((5, 3))
        s2(tg.Tensor(x))
        ref(tg.Tensor(x))
    np.testing.assert_array_equal(s2.running_mean, ref.running_mean)
    np.testing.assert_array_equal(s2.running_var, ref.running_var)


def test_convert_sync_batchnorm_cumulative_momentum():
    s = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(3, momentum=None))
    assert s.alpha is None and s.momentum is None


def test_avg_pool2d_pickled_before_its_options_pools():
    # (Conv2d/Conv1d read a pre-padding_mode pickle as zeros; AvgPool2d raised AttributeError)
    m = nn.AvgPool2d(2, padding=1)
    for k in ("ceil_mode", "count_include_pad", "divisor_override"):
        del m.__dict__[k]
    m = pickle.loads(pickle.dumps(m))
    x = np.arange(32.0).reshape(1, 2, 4, 4)
    want = torch.nn.functional.avg_pool2d(torch.tensor(x), 2, padding=1).numpy()
    np.testing.assert_allclose(m(tg.Tensor(x)).numpy(), want, rtol=1e-15)


def test_tensor_assigned_to_a_buffer_stays_a_buffer_as_torch():
    # torch's `bn.running_mean = torch.zeros(3)` keeps the buffer; here a Tensor left
    # state_dict without a word (a plain attribute from then on)
    t = torch.nn.BatchNorm1d(3)
    t.running_mean = torch.full((3,), 2.0)
    bn = nn.BatchNorm1d(3)
    mean = tg.Tensor(np.full(3, 2.0))
    bn.running_mean = mean
    assert sorted(bn.state_dict()) == ["beta", "gamma", "num_batches_tracked",
                                       "running_mean", "running_var"]
    assert len(t.state_dict()) == len(bn.state_dict())
    assert isinstance(bn.running_mean, np.ndarray)
    assert np.shares_memory(bn.running_mean, mean.data)  # (torch's: the very tensor)
    sd = bn.state_dict()
    bn.running_mean[...] = 0.0
    bn.load_state_dict(sd)
    np.testing.assert_array_equal(bn.running_mean, [2.0, 2.0, 2.0])
    m = nn.Module()
    m.register_buffer("a", None, persistent=False)
    m.a = tg.Tensor(np.ones(2))
    assert [n for n, _ in m.named_buffers()] == ["a"] and m.state_dict() == {}

"""A BatchNorm (or InstanceNorm with running statistics) whose running_mean / running_var is
a broadcast view (0 stride: np.broadcast_to, as_strided) updated in place in training: every
channel took the last channel's value without a word (a read-only np.broadcast_to view gave
NumPy's "assignment destination is read-only" through the op). Refused in one line naming the
buffer, with write_guard.broadcast_error's words."""
import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tinygrad_dl import nn

R = np.random.default_rng(0)


def _zero_stride(value: float) -> np.ndarray:
    return np.lib.stride_tricks.as_strided(np.full(1, value), (3,), (0,))  # writable view


@pytest.mark.parametrize("make", [
    lambda: (nn.BatchNorm1d(3), R.standard_normal((4, 3))),
    lambda: (nn.BatchNorm1d(3), R.standard_normal((4, 3, 5))),
    lambda: (nn.BatchNorm2d(3), R.standard_normal((4, 3, 2, 2))),
    lambda: (nn.BatchNorm3d(3), R.standard_normal((2, 3, 2, 2, 2))),
    lambda: (nn.SyncBatchNorm(3), R.standard_normal((4, 3, 2))),
    lambda: (nn.InstanceNorm2d(3, track_running_stats=True), R.standard_normal((4, 3, 2, 2))),
])
@pytest.mark.parametrize("name", ["running_mean", "running_var"])
@pytest.mark.parametrize("view", [_zero_stride, lambda v: np.broadcast_to(np.full(1, v), (3,))])
def test_a_broadcast_running_buffer_is_refused_in_training(make, name, view):
    bn, x = make()
    setattr(bn, name, view(getattr(bn, name)[0]))
    before = getattr(bn, name).copy()
    with pytest.raises(RuntimeError, match=rf"^{type(bn).__name__} \(training\): .*"
                       rf"{name}.* is a broadcast view \(shape \(3,\), strides \(0,\)") as e:
        bn(tg.Tensor(x))
    assert "\n" not in str(e.value)
    np.testing.assert_array_equal(getattr(bn, name), before)  # nothing written


def test_evaluation_reads_a_broadcast_buffer_as_before():
    bn = nn.BatchNorm1d(3).eval()
    bn.running_mean = np.broadcast_to(np.full(1, 0.5), (3,))
    x = R.standard_normal((4, 3))
    want = (x - 0.5) / np.sqrt(1 + bn.eps)
    np.testing.assert_allclose(bn(tg.Tensor(x)).data, want, rtol=1e-12)


def test_f_instance_norm_refuses_a_broadcast_running_mean():
    rm, rv = _zero_stride(0.0), np.ones(3)
    with pytest.raises(RuntimeError, match=r"^instance_norm \(training\): running_mean is a "
                       "broadcast view"):
        F.instance_norm(tg.Tensor(R.standard_normal((2, 3, 4))), rm, rv)


def test_own_buffers_still_update():
    bn = nn.BatchNorm1d(3, momentum=0.1)
    x = R.standard_normal((8, 3))
    bn(tg.Tensor(x))
    np.testing.assert_allclose(bn.running_mean, x.mean(0), rtol=1e-12)

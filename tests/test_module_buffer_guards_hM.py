"""Module.to refuses a complex .grad before casting any parameter, also where the complex one
is the last (a refusal changes nothing); BatchNorm's broadcast-buffer refusal is for a buffer
whose elements share memory, not for any 0 stride (a one-channel buffer has nothing to share).
Found by mutation testing (helper hM)."""
import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn


def test_a_complex_grad_on_the_last_parameter_leaves_every_parameter_uncast():
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    ps = list(m.parameters())
    ps[0].grad = np.ones(ps[0].shape)
    ps[-1].grad = np.ones(ps[-1].shape, complex)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TypeError, match="is complex128, the parameter float64"):
            m.to(np.float32)
    assert [p.data.dtype for p in m.parameters()] == [np.float64] * len(ps)
    assert ps[0].grad.dtype == np.float64


def test_a_one_channel_running_buffer_with_a_zero_stride_trains():
    x = Tensor(np.array([[1.0], [3.0]]))
    plain, bn = nn.BatchNorm1d(1), nn.BatchNorm1d(1)
    bn.running_mean = np.lib.stride_tricks.as_strided(np.zeros(1), (1,), (0,))
    assert bn.running_mean.strides == (0,) and bn.running_mean.flags.writeable
    bn(x)
    plain(x)
    assert bn.running_mean.tolist() == plain.running_mean.tolist() != [0.0]

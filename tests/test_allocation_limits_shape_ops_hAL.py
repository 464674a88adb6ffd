"""Shape ops, counting, padding, convolution and resampling asked for an output larger than
memory (a huge repeat, pad width, num_classes, scale_factor, stride, output_size): one line
naming the op and the sizes, raised before NumPy allocates (it raised a bare MemoryError, or
an adaptive pool looped for minutes). No test here allocates more than a few bytes."""

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F

BIG = 10**15


def _refused(op, fn):
    with pytest.raises(MemoryError) as e:
        fn()
    assert isinstance(e.value, ValueError)  # (and a MemoryError: both catch it)
    msg = str(e.value)
    assert msg.startswith(op) and "would need" in msg and "\n" not in msg, msg
    return msg


@pytest.mark.parametrize("op, fn", [
    ("tile", lambda: tg.zeros(3).tile((10**14,))),
    ("tile", lambda: tg.zeros(2, 3).tile((10**7, 1, 10**7))),
    ("repeat_interleave", lambda: tg.zeros(3).repeat_interleave(10**14)),
    ("repeat_interleave", lambda: tg.repeat_interleave(tg.zeros(3), tg.tensor([10**14, 1, 1]))),
    ("repeat_interleave", lambda: tg.zeros(2, 3).repeat_interleave(10**14, 1)),
    ("kron", lambda: tg.kron(tg.zeros(10**5), tg.zeros(10**5))),
    ("kron", lambda: tg.zeros(10**5).kron(tg.zeros(10**5))),
    ("outer", lambda: tg.outer(tg.zeros(10**6), tg.zeros(10**6))),
    ("diag", lambda: tg.diag(tg.zeros(10**6))),
    ("pad", lambda: tg.diag_embed(tg.zeros(10**6))),
    ("block_diag", lambda: tg.block_diag(tg.zeros(10**5, 1), tg.zeros(1, 10**5))),
    ("clone", lambda: tg.zeros(1).expand(BIG).clone()),
    ("clone", lambda: tg.zeros(1).expand(BIG).contiguous()),
    ("as_strided", lambda: tg.zeros(10).as_strided((BIG,), (0,))),
    ("pad", lambda: F.pad(tg.zeros(3), (BIG, 0))),
    ("pad", lambda: F.pad(tg.zeros(3, 3), (10**5, 10**5, 10**5, 10**5))),
    ("pad", lambda: F.pad(tg.zeros(1, 1, 4, 4), (10**6,) * 4, mode="replicate")),
    ("pad", lambda: tg.nn.ZeroPad2d(10**6)(tg.zeros(1, 1, 4, 4))),
    ("pad", lambda: F.max_pool2d(tg.zeros(1, 1, 4, 4), 10**6, stride=1, padding=5 * 10**5)),
    ("pad", lambda: F.avg_pool2d(tg.zeros(1, 1, 4, 4), 10**6, stride=1, padding=5 * 10**5)),
    ("one_hot", lambda: F.one_hot(tg.tensor([1]), num_classes=BIG)),
    ("histogram", lambda: tg.histogram(tg.zeros(3), bins=BIG)),
    ("interpolate", lambda: F.interpolate(tg.zeros(1, 1, 4, 4), scale_factor=10**6)),
    ("interpolate", lambda: F.interpolate(tg.zeros(1, 1, 4, 4), size=(10**6, 10**6))),
    ("interpolate", lambda: F.interpolate(tg.zeros(1, 1, 4, 4), size=(10**6, 10**6),
                                          mode="area")),
    ("conv_transpose2d", lambda: F.conv_transpose2d(tg.zeros(1, 1, 4, 4), tg.zeros(1, 1, 3, 3),
                                                    stride=10**6)),
    ("conv_transpose2d", lambda: F.conv_transpose2d(tg.zeros(1, 1, 4, 4), tg.zeros(1, 1, 3, 3),
                                                    dilation=10**7)),
    ("conv_transpose1d", lambda: F.conv_transpose1d(tg.zeros(1, 1, 4), tg.zeros(1, 1, 3),
                                                    stride=10**12)),
    ("unfold", lambda: F.unfold(tg.zeros(1, 1, 4, 4), kernel_size=3, padding=10**6)),
    ("unfold", lambda: F.unfold(tg.zeros(1, 1, 4, 4), kernel_size=1, padding=10**5)),
    ("adaptive_avg_pool2d", lambda: F.adaptive_avg_pool2d(tg.zeros(1, 1, 4, 4), (10**6, 10**6))),
    ("adaptive_max_pool2d", lambda: F.adaptive_max_pool2d(tg.zeros(1, 1, 4, 4), (10**6, 10**6))),
    ("adaptive_max_pool2d", lambda: F.adaptive_max_pool2d(tg.zeros(1, 1, 4, 4), (10**6, 10**6),
                                                          return_indices=True)),
    ("affine_grid", lambda: F.affine_grid(tg.zeros(1, 2, 3), (1, 1, 10**6, 10**6))),
    ("cdist", lambda: tg.cdist(tg.zeros(10**6, 2), tg.zeros(10**6, 2))),
])
def test_shape_op_too_big_is_one_line(op, fn):
    _refused(op, fn)


def test_messages_name_the_arguments():
    assert "reps (100000000000000,) of (3,)" in _refused(
        "tile", lambda: tg.zeros(3).tile((10**14,)))
    assert "num_classes=1000000000000000" in _refused(
        "one_hot", lambda: F.one_hot(tg.tensor([1]), num_classes=BIG))
    assert "widths [[1000000000000000, 0]] of (3,)" in _refused(
        "pad", lambda: F.pad(tg.zeros(3), (BIG, 0)))
    assert "stride (1000000, 1000000)" in _refused(
        "conv_transpose2d", lambda: F.conv_transpose2d(tg.zeros(1, 1, 4, 4),
                                                       tg.zeros(1, 1, 3, 3), stride=10**6))


def test_refused_inside_a_graph_too():
    """Through Function.apply (an op's own raise is kept as is: not rewrapped as "cannot apply
    to shapes")."""
    x = tg.zeros(3, requires_grad=True)
    msg = _refused("tile", lambda: x.tile((10**14,)))
    assert "cannot apply" not in msg


def test_the_usual_sizes_still_compute():
    x = tg.arange(6.0).reshape(2, 3)
    assert x.tile((2, 1)).shape == (4, 3)
    assert x.repeat_interleave(2, 1).shape == (2, 6)
    assert F.pad(x, pad=(1, 1)).shape == (2, 5)
    assert F.pad(x.reshape(1, 1, 2, 3), (1, 1, 1, 1), mode="replicate").shape == (1, 1, 4, 5)
    assert tg.kron(x, x).shape == (4, 9) and tg.outer(x, x).shape == (6, 6)
    assert tg.diag(tg.ones(3), 1).shape == (4, 4)
    assert tg.zeros(1).expand(5).clone().tolist() == [0.0] * 5
    assert F.one_hot(tg.tensor([1]), 3).tolist() == [[0.0, 1.0, 0.0]]
    assert F.interpolate(tg.zeros(1, 1, 2, 2), scale_factor=2).shape == (1, 1, 4, 4)
    assert F.adaptive_avg_pool2d(tg.zeros(1, 1, 4, 4), 2).shape == (1, 1, 2, 2)
    assert tg.cdist(tg.zeros(2, 5, 2), tg.zeros(3, 1, 4, 2)).shape == (3, 2, 5, 4)
    np.testing.assert_array_equal(tg.histogram(tg.tensor([0.0, 1.0]), bins=2)[0].data, [1, 1])

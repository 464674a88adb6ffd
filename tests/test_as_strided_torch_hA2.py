"""Tensor.as_strided(size, stride, storage_offset) against torch 2.13 (values and gradients:
an entry read more than once adds up its gradients), its refusals (one line each, where torch
raises too, or where torch would read memory that is not x's values), and as_strided_,
refused in one line (a tensor here has no storage apart from its values). Before: neither
existed (AttributeError)."""

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def _draw(rng, n):
    k = int(rng.integers(0, 4))
    size = tuple(int(v) for v in rng.integers(0, 4, k))
    stride = tuple(int(v) for v in rng.integers(0, 4, k))
    offset = None if rng.integers(3) == 0 else int(rng.integers(0, n + 1))
    return size, stride, offset


@pytest.mark.parametrize("seed", range(3))
def test_as_strided_matches_torch_values_and_gradients(seed):
    rng = np.random.default_rng(seed)
    ran = 0
    for _ in range(300):
        shape = tuple(int(v) for v in rng.integers(1, 4, int(rng.integers(0, 4))))
        xs = rng.standard_normal(shape)
        size, stride, offset = _draw(rng, xs.size)
        tx = torch.tensor(xs, requires_grad=True)
        try:
            ty = tx.as_strided(size, stride, offset)
        except RuntimeError:
            with pytest.raises(ValueError, match="^as_strided: "):
                tg.Tensor(xs).as_strided(size, stride, offset)
            continue
        x = tg.Tensor(xs, requires_grad=True)
        y = x.as_strided(size, stride, offset)
        assert y.shape == tuple(ty.shape)
        np.testing.assert_array_equal(y.data, ty.detach().numpy())
        g = rng.standard_normal(tuple(ty.shape))
        (ty * torch.tensor(g)).sum().backward()
        (y * tg.Tensor(g)).sum().backward()
        np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=1e-15, atol=1e-15)
        ran += 1
    assert ran > 100


def test_overlapping_windows_add_up_their_gradients():
    x = tg.Tensor(np.arange(5.0), requires_grad=True)
    y = x.as_strided((3, 3), (1, 1))
    np.testing.assert_array_equal(y.data, [[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    y.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [1, 2, 3, 2, 1])


@pytest.mark.parametrize("args, match", [
    (((2, 2), (1, 2), 3), "read entry 6, past the last of the tensor's 6"),
    (((2, 2), (1,)), "differ in length"),
    (((2, 2), (-1, 2), 3), "negative sizes or strides"),
    (((-2, 2), (1, 2)), "negative sizes or strides"),
    (((2, 2), (1, 2), -1), "storage_offset must be >= 0")])
def test_as_strided_refusals_are_one_line_where_torch_raises(args, match):
    with pytest.raises(RuntimeError):
        torch.arange(6.0).as_strided(*args)
    with pytest.raises(ValueError, match="^as_strided: .*" + match) as e:
        tg.Tensor(np.arange(6.0)).as_strided(*args)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("make, args", [
    (lambda m: m.arange(6.0).reshape(2, 3).t(), ((3,), (1,))),
    (lambda m: m.arange(6.0)[2:], ((2,), (1,), 0)),
    (lambda m: m.arange(6.0)[::2], ((2,), (1,)))])
def test_a_view_reads_its_own_values_in_c_order_as_its_stride_says(make, args):
    """A documented difference: torch reads a non-contiguous view's (or a slice's, from
    storage_offset 0) storage; here a tensor is its values in C order (x.stride()), so the
    result is torch's on x.contiguous().clone()."""
    ours = make(tg).as_strided(*args).data
    np.testing.assert_array_equal(ours, make(torch).contiguous().clone().as_strided(
        *args).numpy())
    np.testing.assert_array_equal(make(tg).as_strided(*args).data,
                                  make(tg).contiguous().clone().as_strided(*args).data)


def test_a_slice_without_storage_offset_reads_from_its_start_as_torch():
    ours = tg.arange(6.0)[2:].as_strided((2, 2), (1, 1)).data
    np.testing.assert_array_equal(ours, torch.arange(6.0)[2:].as_strided((2, 2), (1, 1)))


def test_the_result_is_read_only_as_unfolds():
    x = tg.Tensor(np.arange(6.0))
    y = x.as_strided((2, 2), (1, 2))
    with pytest.raises(ValueError, match=r"^Tensor\.add_ .*read-only"):
        y.add_(1)
    np.testing.assert_array_equal(x.data, np.arange(6.0))


def test_as_strided_in_place_is_refused_in_one_line():
    x = tg.Tensor(np.arange(6.0))
    with pytest.raises(RuntimeError, match=r"^Tensor\.as_strided_: not supported .*"
                                           r"x = x\.as_strided") as e:
        x.as_strided_((2, 2), (1, 2))
    assert "\n" not in str(e.value)
    np.testing.assert_array_equal(x.data, np.arange(6.0))

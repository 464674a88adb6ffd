"""Review of 447090c (tensordot's dims=): torch 2.13 also takes dims as a tensor, a count
(0-d or one entry, torch.tensor(1) or torch.tensor([1])) or two rows of axes
(torch.tensor([[2], [0]]), which worked before); ours raised "len() of a 0-d tensor" (no op
named) for a count, and read torch.tensor([2, 0]), which torch refuses, as axes ([2], [0]).
Now torch's; a tensor of another shape is refused in one line."""

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dims", [np.array(1), np.array([1]), np.array([[2], [0]]),
                                  np.array([[1, 2], [1, 0]]), np.array(0), np.array(2.0)])
def test_dims_as_a_tensor_is_torchs(dims):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 3, 5))
    if dims.ndim == 0 and int(dims) == 2:
        b = rng.standard_normal((3, 4, 5))
    want = torch.tensordot(torch.tensor(a), torch.tensor(b), dims=torch.tensor(dims)).numpy()
    x = tg.Tensor(a, requires_grad=True)
    got = tg.tensordot(x, tg.Tensor(b), dims=tg.Tensor(dims))
    np.testing.assert_allclose(got.data, want, rtol=1e-12)
    got.sum().backward()
    assert np.asarray(x.grad).shape == a.shape


@pytest.mark.parametrize("dims", [np.array([2, 0]), np.array(1.5), np.ones((3, 1), np.int64)])
def test_dims_tensor_of_another_shape_is_refused_in_one_line(dims):
    with pytest.raises(TypeError, match=r"^tensordot: dims as a tensor must be") as e:
        tg.tensordot(tg.Tensor(np.ones((2, 3))), tg.Tensor(np.ones((3, 2))),
                     dims=tg.Tensor(dims))
    assert "\n" not in str(e.value)

"""tensordot's dims= against torch 2.13: a pair of two ints (dims=(1, 1)) is refused in one
line, as torch refuses it (before: read as NumPy's axes=([1], [1])); NumPy's spelling
axes=(1, 1) keeps NumPy's reading. The other forms agree with torch (values and gradients)."""

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")

_A = np.random.default_rng(0).standard_normal((2, 3, 4))
_B = np.random.default_rng(1).standard_normal((4, 3, 2))


@pytest.mark.parametrize("dims", [(1, 1), (2, 0), (0, 2), (np.int64(2), np.int64(0)), [2, 0]])
def test_dims_of_two_ints_is_refused_as_torch(dims):
    with pytest.raises(TypeError):
        torch.tensordot(torch.tensor(_A), torch.tensor(_B), dims=dims)
    with pytest.raises(TypeError, match=r"^tensordot: dims=.* is two ints, which torch 2\.13 "
                                        r"refuses; write dims=\(\[") as e:
        tg.tensordot(tg.Tensor(_A), tg.Tensor(_B), dims=dims)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("dims", [0, 1, ((1,), (1,)), ([2], [0]), ((2, 1), (0, 1)), [[2], [0]],
                                  ([], []), ((-1,), (0,))])
def test_dims_torch_takes_agree_with_torch(dims):
    x, y = tg.Tensor(_A, requires_grad=True), tg.Tensor(_B, requires_grad=True)
    tx, ty = torch.tensor(_A, requires_grad=True), torch.tensor(_B, requires_grad=True)
    out, tout = tg.tensordot(x, y, dims=dims), torch.tensordot(tx, ty, dims=dims)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    g = np.random.default_rng(2).standard_normal(tout.shape)
    (out * tg.Tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(y.grad), ty.grad.numpy(), rtol=1e-12)


def test_numpy_axes_of_two_ints_keeps_numpys_reading():
    for call in (lambda: tg.tensordot(tg.Tensor(_A), tg.Tensor(_B), axes=(1, 1)),
                 lambda: tg.tensordot(tg.Tensor(_A), tg.Tensor(_B), (1, 1))):
        np.testing.assert_allclose(call().data, np.tensordot(_A, _B, axes=(1, 1)), rtol=1e-12)


@pytest.mark.parametrize("kw, err, match", [
    ({"dims": ((1, 1),)}, ValueError, r"^tensordot: axes must be an int or a pair"),
    ({"axes": 1, "dims": 1}, TypeError, r"got both axes= and dims="),
    ({"dims": 2}, ValueError, r"^tensordot: shapes \(2, 3, 4\) and \(4, 3, 2\)")])
def test_tensordot_refusals_are_one_line(kw, err, match):
    with pytest.raises(err, match=match) as e:
        tg.tensordot(tg.Tensor(_A), tg.Tensor(_B), **kw)
    assert "\n" not in str(e.value)

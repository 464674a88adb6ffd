"""The norms of a complex tensor that requires grad (x * 1j does: only a complex leaf is
refused) keep torch's gradient at z, z / |z| for the 2-norm (abs's sign(z)), and a real value
(review hBr of hB, which read complex inputs as their moduli: the norm came out real, but the
gradient at z was |z| / |z|, the phase lost, where before it the p = 1 and p = 3 norms gave
torch's). Compared at z through a hook, as torch's retain_grad; and the norm's value."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor

C = np.array([1j, 3 - 4j])
NORMS = {
    "2": (lambda z: z.norm(), lambda z: z.norm()),
    "3": (lambda z: z.norm(p=3), lambda z: z.norm(p=3)),
    "1": (lambda z: z.norm(p=1), lambda z: z.norm(p=1)),
    "0.5": (lambda z: z.norm(p=0.5), lambda z: z.norm(p=0.5)),
    "inf": (lambda z: z.norm(p=np.inf), lambda z: z.norm(p=float("inf"))),
    "fro": (lambda z: z.reshape(1, 2).norm(axis=(0, 1)),
            lambda z: z.reshape(1, 2).norm(dim=(0, 1))),
    "one entry": (lambda z: z[1:].norm(p=3), lambda z: z[1:].norm(p=3)),
    "one entry 2": (lambda z: z[1:].norm(), lambda z: z[1:].norm()),
}


@pytest.mark.parametrize("name", list(NORMS))
def test_complex_norm_gradient_at_z_is_torchs(name) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = NORMS[name]
    seen = {}
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    z = x * Tensor(C)
    z.register_hook(lambda g: seen.__setitem__("g", np.array(g.data)))
    out = ours(z)
    with np.errstate(all="ignore"), pytest.raises(TypeError, match="complex gradient"):
        out.backward()  # (into real x: refused, as the Mul before it does not conjugate)
    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    tz = tx * torch.from_numpy(C)
    tz.retain_grad()
    tout = theirs(tz)
    tout.backward()
    assert out.data.dtype == np.float64
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(seen["g"], tz.grad.numpy(), rtol=1e-14, atol=1e-16)


def test_complex_zero_order_norm_is_real() -> None:
    torch = pytest.importorskip("torch")
    z = np.array([[1j, 0], [3 - 4j, 2]])
    for ours, theirs in [(Tensor(z).norm(p=0, axis=1), torch.from_numpy(z).norm(p=0, dim=1)),
                         (Tensor(z.astype(np.complex64)).norm(p=0),
                          torch.from_numpy(z.astype(np.complex64)).norm(p=0))]:
        assert ours.data.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
        np.testing.assert_array_equal(ours.data, theirs.numpy())

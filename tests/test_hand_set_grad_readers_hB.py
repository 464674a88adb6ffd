"""A `.grad` set by hand that no reader may take as it is (helper hB): a complex array on a
real tensor, or a NumPy masked array. torch refuses a complex one at `x.grad = g`; here .grad
is a plain slot (a property would cost every backward), so each reader refuses it in one line:
Optimizer.step (already), LBFGS, clip_grad_norm_, clip_grad_value_, and backward's
accumulation into it. Before: clip_grad_value_ clipped 1+2j to 0.5+0j (np.clip compares real
parts), clip_grad_norm_ counted the imaginary part and the values under a mask, and backward
kept a complex .grad (refused only at the step)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.optim import clip_grad_norm_, clip_grad_value_

_COMPLEX = "is complex128, the parameter float64: a complex gradient for a real parameter"
_MASKED = "is a masked array, whose mask no op would honour"


def _w(grad: np.ndarray) -> Tensor:
    w = Tensor(np.ones(3), requires_grad=True, name="w")
    w.grad = grad
    return w


def test_torch_refuses_complex_grad_on_real_tensor() -> None:
    torch = pytest.importorskip("torch")
    x = torch.ones(3, dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="assign a gradient with dtype"):
        x.grad = torch.tensor([1 + 2j, 3, 4])
    w = _w(np.array([1 + 2j, 3, 4]))  # ours: the first reader refuses it
    with pytest.raises(TypeError, match=rf"^backward: the \.grad set by hand {_COMPLEX}"):
        (w * 2).sum().backward()  # (before: .grad became [3+2j, 5, 6], refused at the step)


@pytest.mark.parametrize("clip", [lambda p: clip_grad_norm_(p, 1.0),
                                  lambda p: clip_grad_value_(p, 0.5),
                                  lambda p: tg.nn.utils.clip_grad_norm_(p, 1.0)],
                         ids=["norm", "value", "nn.utils"])
@pytest.mark.parametrize("kind", ["complex", "masked"])
def test_clip_refuses_hand_set_grad(clip, kind) -> None:
    g = (np.array([1 + 2j, 3, 4]) if kind == "complex"
         else np.ma.masked_array([10.0, 3.0, 4.0], mask=[True, False, False]))
    ok = Tensor(np.ones(3), requires_grad=True)
    ok.grad = np.array([3.0, 4.0, 0.0])
    w = _w(g.copy())
    with pytest.raises(TypeError, match=rf"^clip_grad_\w+: the \.grad of parameter w "
                       rf"{_COMPLEX if kind == 'complex' else _MASKED}[^\n]*$"):
        clip([ok, w])
    np.testing.assert_array_equal(ok.grad, [3.0, 4.0, 0.0])  # checked before any is written
    np.testing.assert_array_equal(np.ma.getdata(w.grad), np.ma.getdata(g))


@pytest.mark.parametrize("kind", ["complex", "masked"])
def test_lbfgs_refuses_hand_set_grad(kind) -> None:
    w = Tensor(np.ones(3), requires_grad=True, name="w")
    opt = tg.optim.LBFGS([w], max_iter=2)

    def closure() -> Tensor:
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        w.grad = (w.grad + 1j if kind == "complex"
                  else np.ma.masked_array(w.grad, mask=[True, False, False]))
        return loss

    with pytest.raises(TypeError, match=rf"^LBFGS\.step\(\): the \.grad of parameter w "
                       rf"{_COMPLEX if kind == 'complex' else _MASKED}"):
        opt.step(closure)  # (before: the imaginary part or the mask dropped, silently)

"""clip_grad_norm_ and clip_grad_value_ refuse a .grad set by hand that is no array, in one
line naming the parameter, as Optimizer.step and backward do (review hBr of hB, whose check
of a hand-set .grad read g.dtype first): clip_grad_norm_ left an np.float64 .grad unscaled
(a number cannot be scaled in place) and counted it in the norm, and a float or a list raised
"'float' object has no attribute 'dtype'"."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.optim import clip_grad_norm_, clip_grad_value_


@pytest.mark.parametrize("grad", [np.float64(2.0), 2.0, [1.0, 2.0, 3.0], "tensor"],
                         ids=["np.float64", "float", "list", "Tensor"])
@pytest.mark.parametrize("clip", [lambda p: clip_grad_norm_(p, 1.0),
                                  lambda p: clip_grad_value_(p, 0.5)], ids=["norm", "value"])
def test_clip_refuses_non_array_grad(grad, clip) -> None:
    ok = Tensor(np.ones(3), requires_grad=True)
    ok.grad = np.array([3.0, 4.0, 0.0])
    w = Tensor(np.ones(3), requires_grad=True, name="w")
    w.grad = Tensor(np.full(3, 2.0)) if grad == "tensor" else grad
    kind = {"tensor": "Tensor", "list": "list"}.get(grad if isinstance(grad, str) else "",
                                                    type(grad).__name__)
    with pytest.raises(TypeError, match=rf"^clip_grad_\w+: the \.grad of parameter w is a "
                       rf"{kind}; \.grad holds a NumPy array[^\n]*$"):
        clip([ok, w])
    np.testing.assert_array_equal(ok.grad, [3.0, 4.0, 0.0])  # nothing written


def test_clip_takes_arrays_set_by_hand() -> None:
    w = Tensor(np.ones(3), requires_grad=True)
    w.grad = np.array([3.0, 4.0, 0.0], np.float32)
    assert clip_grad_norm_(w, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(w.grad, [0.6, 0.8, 0.0], rtol=1e-6)
    clip_grad_value_([w], 0.7)
    np.testing.assert_allclose(w.grad, [0.6, 0.7, 0.0], rtol=1e-6)

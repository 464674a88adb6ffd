"""Review of PyTorch's weight=, ignore_index= and label_smoothing= in cross_entropy (commit
60b4ebb): the cases a review found, each against torch 2.13 or eager's numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shape, label", [((3,), 1), ((2, 3), [1, -100])])
def test_smoothing_where_the_kept_labels_weigh_nothing_gives_torchs_nan_gradient(shape, label):
    # the mean divides by 0; PyTorch's backward scales -c by g / 0 before log_softmax's, so
    # 0 * inf makes each kept row NaN (the factored form gave +-inf)
    z = np.random.default_rng(0).normal(size=shape)
    w = np.array([1.0, 0.0, 2.0])
    zt = torch.tensor(z, requires_grad=True)
    lt = torch.nn.functional.cross_entropy(zt, torch.tensor(label), torch.tensor(w),
                                           label_smoothing=0.3)
    lt.backward()
    x = Tensor(z, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        loss = F.cross_entropy(x, np.array(label), w, label_smoothing=0.3)
        loss.backward()
    np.testing.assert_array_equal(np.isnan(loss.data), np.isnan(lt.item()))
    np.testing.assert_allclose(x.grad, zt.grad.numpy(), rtol=1e-12, atol=0, equal_nan=True)


def test_a_float64_weight_against_float32_logits_replays_in_a_jitted_step():
    # the weight was cast to float32 outside the op, a copy made inside the step on every
    # call, so the jit refused to replay (a warning, every step eager)
    def make():
        net = nn.Linear(3, 4).float()
        net.W.data[...] = np.random.default_rng(1).normal(size=net.W.shape)
        net.b.data[...] = 0.1
        return net, nn.CrossEntropyLoss(np.array([1.0, 2.0, 0.5, 1.5]), label_smoothing=0.1)

    def step_of(net, loss_fn):
        def step(x, y):
            loss = loss_fn(net(Tensor(x)), y)
            loss.backward()
            return loss
        return step

    (a, la), (b, lb) = make(), make()
    eager, jitted = step_of(a, la), jit(step_of(b, lb))
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(5):
            x, y = rng.normal(size=(5, 3)).astype(np.float32), rng.integers(0, 4, 5)
            y[i] = -100
            if i == 3:  # the buffer changed in place: the replay reads it
                la.weight[...] = lb.weight[...] = [3.0, 0.1, 0.1, 0.1]
            a.zero_grad()
            b.zero_grad()
            le, lj = eager(x, y), jitted(x, y)
            assert le.dtype == lj.dtype == np.float32
            np.testing.assert_array_equal(lj.data, le.data)
            np.testing.assert_array_equal(b.W.grad, a.W.grad)
    assert jitted.replays > 0
    t = torch.nn.functional.cross_entropy(
        torch.tensor(a(Tensor(x)).data), torch.tensor(y),
        torch.tensor([3.0, 0.1, 0.1, 0.1], dtype=torch.float32), label_smoothing=0.1)
    np.testing.assert_allclose(le.data, t.item(), rtol=1e-6)


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("ignore_index", [0, -100])
def test_logits_with_no_classes_are_refused_in_one_line_naming_the_loss(fn, ignore_index):
    # before: NumPy's "zero-size array to reduction operation maximum which has no identity"
    # (cross_entropy) or an IndexError naming no op (nll_loss), with every label ignored
    with pytest.raises(ValueError) as e:
        getattr(F, fn)(Tensor(np.zeros((2, 0))), np.array([0, 0]), ignore_index=ignore_index)
    msg = str(e.value)
    assert msg.startswith(f"{fn}: ") and "(2, 0)" in msg and "\n" not in msg

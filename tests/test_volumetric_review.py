"""A skeptic's review of the 3-D layers: a jitted Conv3d + BatchNorm3d + MaxPool3d step replays
(max_pool3d's maxima found by ops from their data, not as per-step constant indices), that
path's values and gradients against torch over ties, NaN, -inf, padding and ceil_mode,
avg_pool3d's refusal of a kernel larger than the input (torch's), and the lazy layers' first
call with more arguments, their parent-given names and a saved weight of the wrong rank."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit


@pytest.fixture
def torch():
    t = pytest.importorskip("torch")
    t.set_num_threads(1)
    return t


def _train(use_jit: bool, dtype: type) -> tuple[list[float], dict[str, np.ndarray], object]:
    r = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Conv3d(2, 4, 3, padding=1, rng=np.random.default_rng(1), dtype=dtype),
        nn.BatchNorm3d(4, eps=1e-5, dtype=dtype), nn.MaxPool3d(2, ceil_mode=True),
        nn.Conv3d(4, 3, (1, 2, 2), rng=np.random.default_rng(2), dtype=dtype))
    params = model.parameters()

    def step(X, Y):
        J = ((model(X) - Y) ** 2).mean()
        J.backward()
        return J

    f = jit(step, strict=True) if use_jit else step
    costs = []
    for _ in range(6):
        X = r.standard_normal((2, 2, 5, 6, 6)).astype(dtype)
        Y = r.standard_normal((2, 3, 3, 2, 2)).astype(dtype)
        for p in params:
            p.grad = None
        costs.append(f(X, Y).item())
        for p in params:
            p.data -= 0.1 * p.grad
    return costs, model.state_dict(), f


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jitted_conv3d_maxpool3d_batchnorm3d_step_replays_bit_identically(dtype):
    # was: JitError "parameter 'indices' of op (TakeAlongAxis) is a constant that changed"
    costs, state, _ = _train(False, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        costs_j, state_j, f = _train(True, dtype)
    assert f.replays == 4
    assert costs == costs_j
    assert state.keys() == state_j.keys()
    for k in state:
        assert np.array_equal(state[k], state_j[k]), k


def test_max_pool3d_without_indices_matches_torch(torch):
    rng = np.random.default_rng(5)
    for it in range(150):
        lead = [(), (0,), (1,), (2,)][it % 4]
        shape = lead + (int(rng.integers(1, 3)),) + tuple(int(n) for n in rng.integers(1, 7, 3))
        k = tuple(int(n) for n in rng.integers(1, 4, 3))
        s = None if it % 3 == 0 else tuple(int(n) for n in rng.integers(1, 4, 3))
        p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in k)
        ceil = bool(it % 2)
        dtype = np.float32 if it % 5 == 0 else np.float64
        x = rng.integers(-1, 2, shape).astype(dtype)  # ties everywhere
        x[rng.random(shape) < 0.2] = -np.inf
        if it % 3 == 1:
            x[rng.random(shape) < 0.1] = np.nan
        tx = torch.tensor(x, requires_grad=True)
        try:
            ty = torch.nn.functional.max_pool3d(tx, k, s, p, 1, ceil)
        except RuntimeError:
            continue
        X = Tensor(x, requires_grad=True)
        try:
            y = F.max_pool3d(X, k, s, p, 1, ceil)
        except ValueError as e:  # (refused as documented: a window of padding only)
            assert "holds only padding" in str(e) or not ty.numel()
            continue
        assert y.dtype == dtype and y.shape == tuple(ty.shape)
        assert np.array_equal(y.data, ty.detach().numpy(), equal_nan=True)
        assert np.array_equal(y.data, F.max_pool3d(x, k, s, p, 1, ceil, True)[0].data,
                              equal_nan=True)
        g = rng.standard_normal(y.shape).astype(dtype)
        y.backward(Tensor(g))
        ty.backward(torch.tensor(g))
        assert X.grad.dtype == dtype
        tol = 1e-10 if dtype == np.float64 else 1e-5  # (overlaps summed in another order)
        np.testing.assert_allclose(X.grad, tx.grad.numpy(), rtol=0, atol=tol)


def test_avg_pool3d_refuses_a_kernel_larger_than_the_input_as_torch(torch):
    x = np.random.default_rng(0).standard_normal((1, 1, 3, 1, 4))
    with pytest.raises(RuntimeError, match="smaller than kernel size"):
        torch.nn.functional.avg_pool3d(torch.tensor(x), (2, 2, 3), padding=(0, 1, 1))
    for call in (lambda: F.avg_pool3d(x, (2, 2, 3), padding=(0, 1, 1)),
                 lambda: F.lp_pool3d(np.abs(x), 2, (1, 2, 1), ceil_mode=True)):
        with pytest.raises(ValueError) as info:  # was: a value torch has no answer for
            call()
        msg = str(info.value)
        assert "\n" not in msg and "kernel_size" in msg and "is larger than the input" in msg


def test_lazy_conv_transpose_first_call_takes_output_size(torch):
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 3, 3))
    t = torch.nn.LazyConvTranspose3d(4, 3, stride=2).double()
    want = tuple(t(torch.tensor(x), output_size=[8, 8, 8]).shape)
    m = nn.LazyConvTranspose3d(4, 3, stride=2)
    assert m(Tensor(x), output_size=[8, 8, 8]).shape == want == (1, 4, 8, 8, 8)
    assert type(m).__name__ == "ConvTranspose3d"
    m2 = nn.LazyConvTranspose2d(4, 3, stride=2)
    assert m2(Tensor(x[0]), [8, 8]).shape == (2, 4, 8, 8)


def test_lazy_layer_keeps_the_name_its_parent_gave_it():
    seq = nn.Sequential(nn.Conv3d(2, 3, 2), nn.LazyConv3d(3, 2))
    before = [(n, m._scope) for n, m in seq.named_modules()]
    version = seq[1]._version
    seq(Tensor(np.random.default_rng(0).standard_normal((1, 2, 4, 4, 4))))
    assert [(n, m._scope) for n, m in seq.named_modules()] == before
    assert seq[1]._version > version  # (a recorded step's guard sees it changed)
    alone = nn.LazyConv3d(3, 2)
    alone(Tensor(np.ones((1, 2, 3, 3, 3))))
    assert alone._scope == "Conv3d"


def test_lazy_load_state_dict_refuses_a_weight_of_the_wrong_rank():
    for weight in (np.zeros(3), np.zeros((3, 4))):
        m = nn.LazyConv3d(3, 2)
        with pytest.raises(ValueError) as info:  # was: IndexError, or sized in_channels=4
            m.load_state_dict({"weight": weight, "bias": np.zeros(3)})
        assert "\n" not in str(info.value) and "LazyConv3d.load_state_dict" in str(info.value)
        assert type(m).__name__ == "LazyConv3d"

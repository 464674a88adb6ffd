"""Tests written against surviving mutants of tinygrad_dl.nn (round 2): strict loading refuses
a missing key and an unexpected key each on its own, state_dict's buffers are copies,
`evaluating()` restores every submodule's own mode, `apply` visits children first, freezing
freezes, a cast casts the gradients too, BatchNorm1d's alpha=0 is accepted and its repr names
eps, the pools' default kernel is 2, a parameter keeps the name it was given, activation and
loss modules use their arguments, and Softmax's implicit dim for 3-d input is 0."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.nn import (
    ELU,
    AvgPool2d,
    BatchNorm1d,
    L1Loss,
    LeakyReLU,
    Linear,
    MaxPool2d,
    Module,
    MSELoss,
    Sequential,
    Softmax,
)


def _net() -> Sequential:
    rng = np.random.default_rng(0)
    return Sequential(Linear(4, 3, rng=rng), BatchNorm1d(3), Linear(3, 2, rng=rng))


# ---- load_state_dict(strict=True) ------------------------------------------------------------
def test_strict_load_refuses_a_missing_key_alone() -> None:
    m = _net()
    sd = m.state_dict()
    del sd["2.b"]
    with pytest.raises(ValueError, match=r"missing keys \['2.b'\], unexpected keys \[\]"):
        m.load_state_dict(sd)


def test_strict_load_refuses_an_unexpected_key_alone() -> None:
    m = _net()
    sd = m.state_dict()
    sd["2.extra"] = np.zeros(2)
    with pytest.raises(ValueError, match=r"missing keys \[\], unexpected keys \['2.extra'\]"):
        m.load_state_dict(sd)


# ---- state_dict copies -----------------------------------------------------------------------
def test_state_dict_buffers_are_copies_that_training_does_not_move() -> None:
    m = _net()
    sd = m.state_dict()
    before = {k: v.copy() for k, v in sd.items()}
    m(Tensor(np.random.default_rng(1).standard_normal((6, 4))))  # moves the running stats
    assert int(m[1].num_batches_tracked) == 1 and m[1].running_mean.any()
    for k in ("1.running_mean", "1.running_var", "1.num_batches_tracked"):
        np.testing.assert_array_equal(sd[k], before[k], err_msg=k)


# ---- modes -----------------------------------------------------------------------------------
def test_evaluating_restores_each_submodules_own_mode() -> None:
    m = _net()
    m.train()
    m[1].eval()  # a batch norm frozen on purpose inside a training model
    with m.evaluating():
        assert not any(x.training for x in m.modules())
    assert m.training and m[0].training and m[2].training
    assert m[1].training is False


def test_apply_visits_the_children_before_the_module() -> None:
    m = _net()
    seen: list[str] = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "BatchNorm1d", "Linear", "Sequential"]


def test_requires_grad_false_freezes_every_parameter_and_true_unfreezes() -> None:
    m = _net()
    assert m.requires_grad_(False) is m
    assert [p.requires_grad for p in m.parameters()] == [False] * 6
    m.requires_grad_(True)
    assert [p.requires_grad for p in m.parameters()] == [True] * 6


def test_to_float32_casts_the_gradients_too() -> None:
    m = _net()
    m(Tensor(np.random.default_rng(1).standard_normal((6, 4)))).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.float()
    for name, p in m.named_parameters():
        assert p.data.dtype == np.float32, name
        assert p.grad.dtype == np.float32, name


# ---- layers ----------------------------------------------------------------------------------
def test_batchnorm_alpha_zero_is_accepted_and_keeps_only_the_last_batch() -> None:
    bn = BatchNorm1d(2, alpha=0.0)  # documented range [0, 1): 0 keeps the latest batch only
    rng = np.random.default_rng(3)
    for _ in range(2):
        x = rng.standard_normal((5, 2)) * 3 + 1
        bn(Tensor(x))
    np.testing.assert_allclose(bn.running_mean, x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, x.var(0), rtol=1e-12)


@pytest.mark.parametrize("pool", [MaxPool2d, AvgPool2d])
def test_pool_default_kernel_is_two(pool: type) -> None:
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    out = pool()(Tensor(x))
    assert out.shape == (1, 1, 2, 2)
    want = x.reshape(2, 2, 2, 2).swapaxes(1, 2).reshape(2, 2, 4)
    want = want.max(-1) if pool is MaxPool2d else want.mean(-1)
    np.testing.assert_allclose(out.data[0, 0], want)


def test_a_parameter_keeps_the_name_it_was_given() -> None:
    class M(Module):
        def __init__(self) -> None:
            super().__init__()
            self.W = Tensor(np.ones(2), requires_grad=True, name="mine")
            self.b = Tensor(np.ones(2), requires_grad=True)

    m = M()
    assert m.W.name == "mine" and m.b.name == "b"


def test_activation_and_loss_modules_use_their_arguments() -> None:
    x = Tensor(np.array([-2.0, -0.5, 1.0]))
    np.testing.assert_allclose(LeakyReLU(0.2)(x).data, [-0.4, -0.1, 1.0])
    np.testing.assert_allclose(ELU(2.0)(x).data, [2 * np.expm1(-2.0), 2 * np.expm1(-0.5), 1.0])
    a, b = Tensor(np.array([1.0, 2.0, 4.0])), Tensor(np.zeros(3))
    assert float(MSELoss(reduction="sum")(a, b).data) == 21.0
    assert float(L1Loss(reduction="sum")(a, b).data) == 7.0
    np.testing.assert_array_equal(MSELoss(reduction="none")(a, b).data, [1.0, 4.0, 16.0])


def test_batchnorm_repr_names_alpha_and_eps() -> None:
    assert repr(BatchNorm1d(3, alpha=0.8, eps=1e-5)) == "BatchNorm1d(3, alpha=0.8, eps=1e-05)"


def test_softmax_implicit_dim_of_a_3d_input_is_0_as_pytorch() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    with pytest.warns(UserWarning, match="implicit dimension"):
        out = Softmax()(Tensor(x)).data
    np.testing.assert_allclose(out.sum(axis=0), np.ones((3, 4)), rtol=1e-12)

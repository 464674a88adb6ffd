"""The fused batch-norm op against the same formula built from generic ops, and finite
differences, in training (batch statistics) and evaluation (running averages) mode."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.functional import batch_norm
from tinygrad_dl.gradcheck import gradcheck
from tinygrad_dl.nn import BatchNorm1d
from tinygrad_dl.testing import value_and_grads


def composite(x, gamma, beta, eps=1e-8):
    """Batch norm from generic ops: what the fused op must equal."""
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    return (x - mu) * (var + eps) ** -0.5 * gamma + beta


def leaves(rng, n=6, d=4, dtype=np.float64):
    def p(*shape, scale=1.0, shift=0.0):
        data = (shift + scale * rng.standard_normal(shape)).astype(dtype)
        return tg.Tensor(data, requires_grad=True)
    return p(n, d, scale=2.0, shift=0.5), p(d, shift=1.0), p(d)


@given(n=st.integers(2, 9), d=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_training_matches_composite_graph(n, d, seed):
    rng = np.random.default_rng(seed)
    inputs = leaves(rng, n, d)
    weight = rng.standard_normal((n, d))
    out_f, g_f = value_and_grads(batch_norm, inputs, weight)
    out_c, g_c = value_and_grads(composite, inputs, weight)
    np.testing.assert_allclose(out_f, out_c, rtol=1e-10, atol=1e-10)
    for a, b in zip(g_f, g_c):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-9)


def test_training_gradcheck():
    # the x-gradient sums to zero per column, so an entry can land near 0: there eps=1e-3
    # turns the relative test into an absolute one at 1e-10 (finite differences' noise)
    report = gradcheck(batch_norm, leaves(np.random.default_rng(0)), tol=1e-7, eps=1e-3)
    assert report.passed, str(report)


def test_eval_mode_uses_the_given_statistics_and_is_affine():
    rng = np.random.default_rng(1)
    mean, var = rng.standard_normal(4), rng.random(4) + 0.5

    def f(x, gamma, beta):
        return batch_norm(x, gamma, beta, eps=1e-5, training=False, mean=mean, var=var)

    inputs = leaves(rng)
    x, gamma, beta = (t.data for t in inputs)
    out = f(*inputs)
    np.testing.assert_allclose(out.data, (x - mean) / np.sqrt(var + 1e-5) * gamma + beta)
    report = gradcheck(f, leaves(rng), tol=1e-7)
    assert report.passed, str(report)


def test_given_batch_statistics_are_used_not_recomputed():
    rng = np.random.default_rng(2)
    x, gamma, beta = leaves(rng)
    mu, var = x.data.mean(axis=0), x.data.var(axis=0)
    a = batch_norm(x, gamma, beta, mean=mu, var=var)
    b = batch_norm(x, gamma, beta)
    np.testing.assert_allclose(a.data, b.data, rtol=1e-12)
    c = batch_norm(x, gamma, beta, mean=mu + 1.0, var=var)  # a wrong mean shows in the output
    assert not np.allclose(c.data, b.data)


def test_float32_stays_float32():
    x, gamma, beta = leaves(np.random.default_rng(3), dtype=np.float32)
    out = batch_norm(x, gamma, beta, mean=x.data.mean(axis=0).astype(np.float64))
    out.sum().backward()
    assert out.dtype == np.float32
    assert all(t.grad.dtype == np.float32 for t in (x, gamma, beta))


def test_one_node_in_the_graph():
    x, gamma, beta = leaves(np.random.default_rng(4))
    out = batch_norm(x, gamma, beta)
    assert out._ctx.name == "BatchNorm" and out._ctx.parents == (x, gamma, beta)


def test_clear_errors():
    x, gamma, beta = leaves(np.random.default_rng(5))
    with pytest.raises(ValueError, match="running mean"):
        batch_norm(x, gamma, beta, training=False)
    with pytest.raises(ValueError, match="batch_norm: expected"):
        batch_norm(x, gamma, tg.Tensor(np.zeros(3)))



def test_batch_norm_shape_checks_fire_for_tensors_and_arrays() -> None:
    """The wrapper reads shapes off .data when given three Tensors (a layer's call) and
    converts anything else first; both ways refuse gamma/beta that do not match x's columns,
    and BatchNorm1d refuses an input of the wrong width, Tensor or array."""
    x = np.ones((4, 3))
    for wrap in (Tensor, np.asarray):
        for gamma, beta in ((np.ones(2), np.zeros(3)), (np.ones(3), np.zeros((1, 3))),
                            (np.ones(3), np.zeros(4))):
            with pytest.raises(ValueError, match="batch_norm: expected x"):
                batch_norm(wrap(x), wrap(gamma), wrap(beta))
        with pytest.raises(ValueError, match="batch_norm: expected x"):
            batch_norm(wrap(np.ones(3)), wrap(np.ones(3)), wrap(np.zeros(3)))
        with pytest.raises(ValueError, match=r"BatchNorm1d\(2\): expected input \(n, 2\)"):
            BatchNorm1d(2)(wrap(x))
    # arrays are still accepted (eps given: constant gamma and beta without it read as
    # PyTorch's bare F.batch_norm(x, running_mean, running_var) and are refused)
    out = batch_norm(x, np.ones(3), np.zeros(3), 1e-8)
    assert np.array_equal(out.data, batch_norm(Tensor(x), Tensor(np.ones(3)),
                                               Tensor(np.zeros(3)), 1e-8).data)


def test_pytorch_style_calls_are_refused_not_read_as_gamma_and_beta() -> None:
    """PyTorch's F.batch_norm(x, running_mean, running_var, weight, bias, training=False,
    momentum, eps) puts the running statistics where this takes gamma and beta. Before, its
    positional calls failed on "bool() of a tensor" or deep in the op, its keywords on
    Python's bare "unexpected keyword argument", and `training="False"` (truthy) silently
    ran in training mode. The bare three-argument call with constant statistics is refused
    too (tests/test_data_iterable_norm_proj.py); with eps given, constants are gamma and beta."""
    rng = np.random.default_rng(7)
    x = Tensor(rng.standard_normal((6, 3)), requires_grad=True)
    rm, rv = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.5, 2.0])
    w = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.zeros(3), requires_grad=True)
    calls = [lambda: batch_norm(x, rm, rv, w, b, False),  # weight where eps goes
             lambda: batch_norm(x, rm, rv, None, None, True),
             lambda: batch_norm(x, rm, rv, weight=w, bias=b),
             lambda: batch_norm(x, w, b, running_mean=rm, running_var=rv),
             lambda: batch_norm(x, w, b, momentum=0.1),
             lambda: batch_norm(x, w, b, training="False")]
    for call in calls:
        with pytest.raises(TypeError, match=r"batch_norm.*PyTorch's F\.batch_norm\(x, "
                           r"running_mean, running_var") as e:
            call()
        assert "\n" not in str(e.value)
    # the spelling the message gives is torch's eval-mode result
    got = batch_norm(x, w, b, training=False, mean=rm, var=rv, eps=1e-5).data
    assert np.allclose(got, (x.data - rm) / np.sqrt(rv + 1e-5))
    # the course's own calls are unchanged: parameters, an explicit mode, BatchNorm1d's
    for out in (batch_norm(x, w, b), batch_norm(x, rm, rv, 1e-8, training=True),
                BatchNorm1d(3)(x)):
        assert out.shape == (6, 3)
    frozen = BatchNorm1d(3)
    for p in frozen.parameters():
        p.requires_grad = False
    assert frozen(x).shape == (6, 3)  # a frozen layer in training mode: not refused


def test_batchnorm1d_layer_call_is_the_functional_op_bit_for_bit() -> None:
    """BatchNorm1d in training gives the same values, gradients and running averages as
    batch_norm(..., on_stats=...); a gamma of the wrong shape meets batch_norm's check."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 3)).astype(np.float32)
    bn, ref = BatchNorm1d(3, dtype=np.float32), BatchNorm1d(3, dtype=np.float32)
    for m in (bn, ref):
        m.gamma.data[:] = [0.5, 2.0, -1.0]
    xa, xb = Tensor(x.copy(), requires_grad=True), Tensor(x.copy(), requires_grad=True)
    a = bn(xa)
    b = batch_norm(xb, ref.gamma, ref.beta, ref.eps, on_stats=ref.update_running_stats)
    g = rng.standard_normal((6, 3)).astype(np.float32)
    a.backward(g)
    b.backward(g)
    assert a.data.tobytes() == b.data.tobytes()
    for p, q in ((xa, xb), (bn.gamma, ref.gamma), (bn.beta, ref.beta)):
        assert p.grad.tobytes() == q.grad.tobytes()
    assert bn.running_mean.tobytes() == ref.running_mean.tobytes()
    assert bn.running_var.tobytes() == ref.running_var.tobytes()
    bn.gamma = Tensor(np.ones(4, dtype=np.float32), requires_grad=True)
    with pytest.raises(ValueError, match="batch_norm: expected x"):
        bn(Tensor(x))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (100, 50), (257, 10)])
def test_the_ops_unwrapped_einsum_is_np_einsum_bit_for_bit(dtype, shape) -> None:
    """BatchNorm calls NumPy's C einsum without np.einsum's Python wrapper (which, with
    optimize=False, hands the operands to it as they are): the same bits, contiguous or not,
    non-finite values included."""
    from tinygrad_dl.ops.fused import _einsum

    rng = np.random.default_rng(shape[0])
    a = rng.standard_normal((shape[0], 2 * shape[1])).astype(dtype)[:, ::2]  # strided
    b = (rng.standard_normal(shape) * 1e3).astype(dtype)
    a[0, 0], b[-1, -1] = np.inf, np.nan
    for x, y in ((a, b), (b, b), (np.ascontiguousarray(a), b.T.copy().T)):
        assert _einsum("ij,ij->j", x, y).tobytes() == np.einsum("ij,ij->j", x, y).tobytes()

"""Every op of the op table: a write into an input's array between the forward and the backward
either raises (the write guard holds what the op's backward reads) or leaves the gradient the
one at the values the forward saw. A write that is allowed and changes the gradient is a silent
wrong number: an op that kept an input without saving it (a user's `ctx.x = x` was one, until
write_guard counted such attributes as saved)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_dl import Function, Tensor, optable
from tinygrad_dl.testing import op_inputs

OPS = [op.name for op in optable.OPS if op.sample is not None and not op.no_grad]


def _gradients(f, arrays, kwargs, write: bool) -> tuple[list, list[int]]:
    """The inputs' gradients of sum(w * f(...)); with `write`, after adding 0.25 into each
    float input's array between forward and backward where that is allowed (which ones)."""
    ts = [Tensor(np.array(a, copy=True), requires_grad=np.asarray(a).dtype.kind == "f")
          for a in arrays]
    out = f(*ts, **kwargs)
    J = (out * Tensor(np.random.default_rng(0).standard_normal(out.shape))).sum()
    wrote = []
    for i, t in enumerate(ts):
        if write and t.requires_grad and t.data.size:
            try:
                t.data += 0.25
            except ValueError:  # read-only: the graph holds it
                continue
            wrote.append(i)
    J.backward()
    return [None if t.grad is None else np.array(t.grad) for t in ts], wrote


def _check(f, arrays, kwargs, who: str) -> None:
    before, _ = _gradients(f, arrays, kwargs, write=False)
    after, wrote = _gradients(f, arrays, kwargs, write=True)
    for i in wrote:
        if before[i] is not None:
            np.testing.assert_allclose(after[i], before[i], rtol=1e-12, atol=1e-12,
                                       err_msg=f"{who}: input {i} written after the forward")


@pytest.mark.slow  # 130 ops, a few draws each
@pytest.mark.parametrize("name", OPS)
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_write_after_the_forward_raises_or_changes_no_gradient(name, data) -> None:
    op = optable.BY_NAME[name]
    arrays, kwargs = data.draw(op_inputs(op.sample), label="inputs")
    _check(op.test_call(), arrays, kwargs, name)


class _KeepsUnsaved(Function):
    """x^2 keeping x where the write guard cannot see it (not on ctx, not saved): the harness
    must catch it (as it caught `ctx.x = x` before write_guard counted attributes)."""

    __module__ = "tinygrad_dl.a_fake_module"  # as one of the library's: not guarded
    kept: list = []

    def forward(ctx, x):
        _KeepsUnsaved.kept[:] = [x]
        return x * x

    def backward(ctx, g):
        return 2.0 * _KeepsUnsaved.kept[0] * g


def test_the_check_catches_an_op_that_reads_an_unheld_input() -> None:
    with pytest.raises(AssertionError, match="input 0 written after the forward"):
        _check(_KeepsUnsaved.apply, [np.array([1.0, 2.0])], {}, "keeps")

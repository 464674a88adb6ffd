"""Every op of the op table: a write into an array between the forward and the backward either
raises (the write guard holds what the op's backward reads) or leaves the gradient the one at
the values the forward saw. A write that is allowed and changes the gradient is a silent wrong
number: an op that kept an input without saving it (a user's `ctx.x = x` was one, until
write_guard counted such attributes as saved). The arrays written: the leaves' (parameters,
inputs), an input that is itself an op's result (`h` of `(h * h).sum()`), and the op's own
result (`y` of `y = x.tanh()`, which tanh's backward reads); before the guard held the last
two, `y.data[0] = 0` gave tanh's gradient at 0 without a word."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_dl import Function, Tensor, optable
from tinygrad_dl.testing import op_inputs

OPS = [op.name for op in optable.OPS if op.sample is not None and not op.no_grad]


WHERE = ("leaves", "results", "output")  # what is written: see the module's docstring


def _gradients(f, arrays, kwargs, where: str, write: bool) -> tuple[list, list[int]]:
    """The leaves' gradients of sum(w * f(...)) (of sum(f(...)) where the output is written:
    a product with w would hold the output itself); with `write`, after adding 0.25 into
    each float array of kind `where` between forward and backward where that is allowed
    (which ones: the inputs' indices, or [0] for the output)."""
    ts = [Tensor(np.array(a, copy=True), requires_grad=np.asarray(a).dtype.kind == "f")
          for a in arrays]
    # "results": each float input an op's result, x * 1 (Mul keeps the leaf, not this array)
    ins = [t * 1.0 if where == "results" and t.requires_grad else t for t in ts]
    out = f(*ins, **kwargs)
    J = (out.sum() if where == "output" else
         (out * Tensor(np.random.default_rng(0).standard_normal(out.shape))).sum())
    wrote = []
    for i, t in enumerate(([out] if where == "output" else ins) if write else []):
        if t.requires_grad and t.data.size and t.data.dtype.kind == "f":
            try:
                t.data += 0.25
            except ValueError:  # read-only: the graph holds it
                continue
            wrote.append(i)
    try:
        J.backward()
    except RuntimeError as e:  # the guard compared a watched array at backward: a raise too
        # (`out = einsum('ij->ji', x)` is a view of the leaf x: `out.data += 0.25` writes x)
        if not wrote or "\n" in str(e) or "was written after the forward" not in str(e):
            raise
        return [], []
    return [None if t.grad is None else np.array(t.grad) for t in ts], wrote


def _check(f, arrays, kwargs, who: str, where: str = "leaves") -> None:
    before, _ = _gradients(f, arrays, kwargs, where, write=False)
    after, wrote = _gradients(f, arrays, kwargs, where, write=True)
    if not wrote:
        return
    for i, (a, b) in enumerate(zip(after, before)):
        if b is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=(
                f"{who}: {where} {wrote} written after the forward; leaf {i}'s gradient"))


@pytest.mark.slow  # 130 ops, a few draws each
@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("name", OPS)
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_write_after_the_forward_raises_or_changes_no_gradient(name, where, data) -> None:
    op = optable.BY_NAME[name]
    arrays, kwargs = data.draw(op_inputs(op.sample), label="inputs")
    _check(op.test_call(), arrays, kwargs, name, where)


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
    with pytest.raises(AssertionError, match=r"leaves \[0\] written after the forward"):
        _check(_KeepsUnsaved.apply, [np.array([1.0, 2.0])], {}, "keeps")

"""Every public op against one shared table of edge cases (tinygrad_dl.testing.edges): empty
arrays, one element, ties, +-inf, NaN and out-of-domain arguments; values as NumPy's,
gradients as PyTorch's (where installed) and as finite differences where those exist.

Before (issue 19, item 5): std over an axis of length 1 had a NaN gradient, var(ddof > n) was
-2.0, logsumexp([-inf, -inf]) and logsumexp([inf, 0]) NaN, max([nan, 1, 2]) an all-NaN
gradient, prod of an empty tensor failed in backward, var/std of an empty tensor raised
ZeroDivisionError, tg.rnn wrapped negative indices, conv2d took a 0x0 kernel and training
batch norm took one row; relu/elu/abs/pow/mod/arctan2/logaddexp/maximum/minimum/tile/rnn
disagreed with PyTorch or failed at NaN, inf, ties or empty inputs. Each is a row below.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Function, Tensor
from tinygrad_dl.testing import edges
from tinygrad_dl.testing.edges import EDGES, Edge, check_edge, edges_for, key_of, public_ops

TORCH = edges.import_torch()
KEYS = sorted({key_of(r.op) for r in EDGES})  # aliases (cat, float, T) under their op's name


def test_every_public_op_has_edge_rows() -> None:
    missing = [op for op in public_ops() if not edges_for(op)]
    assert not missing, (
        f"public ops without rows in the edge table: {missing}; add rows to "
        "tinygrad_dl/testing/edge_table_<topic>.py (or list the name in edges.NOT_OPS / KEY_OF)")


def test_rows_are_keyed_by_public_names() -> None:
    assert not set(KEYS) - set(public_ops()), set(KEYS) - set(public_ops())


def test_every_row_of_the_issue_is_in_the_table() -> None:
    issue = {r.id for r in EDGES if r.case.startswith("issue:")}
    for want in ("std[issue: axis of length 1]", "var[issue: ddof > n]",
                 "logsumexp[issue: all -inf]", "logsumexp[issue: +inf and 0]",
                 "max[issue: nan]", "prod[issue: empty]", "var[issue: empty]",
                 "rnn[issue: negative index]", "conv2d[issue: 0x0 kernel]",
                 "batch_norm[issue: one row in training]"):
        assert want in issue


# (3-D fractional pools: over a second each, left to CI's -m "slow or not slow")
@pytest.mark.parametrize("op", [pytest.param(k, marks=pytest.mark.slow) if k.startswith(
    "fractional_max_pool3d") else k for k in KEYS])
def test_edges(op: str) -> None:
    for row in edges_for(op):
        check_edge(row, TORCH)


def test_the_checks_can_fail() -> None:
    wrong_grad = Edge("exp", "a wrong expected gradient", Tensor.exp, (np.array([0.0]),),
                      numpy=np.exp, grad=(np.array([2.0]),))
    with pytest.raises(AssertionError, match="gradient 0"):
        check_edge(wrong_grad)
    wrong_value = Edge("exp", "a wrong reference", Tensor.exp, (np.array([1.0]),),
                       numpy=np.log)
    with pytest.raises(AssertionError, match="value"):
        check_edge(wrong_value)
    no_refusal = Edge("exp", "expects a refusal", Tensor.exp, (np.array([1.0]),), raises="x")
    with pytest.raises(AssertionError, match="expected a refusal"):
        check_edge(no_refusal)
    silent = Edge("log", "NumPy warns, a formula that does not", lambda x: x * 0 + np.nan,
                  (np.array([-1.0]),), numpy=np.log, wrt=())
    with pytest.raises(AssertionError, match="NumPy warns"):
        check_edge(silent)


def test_a_wrong_gradient_is_caught_against_pytorch() -> None:
    if TORCH is None:
        pytest.skip("PyTorch (the test oracle) is not installed")

    class BadRelu(Function):  # the bug relu had at NaN, and one more at 0
        def forward(ctx, x):
            ctx.x = x
            return np.maximum(x, 0)

        def backward(ctx, g):
            return g * (ctx.x >= 0)

    row = Edge("relu", "a user's op", lambda x: BadRelu.apply(x), (np.array([0.0]),),
               numpy=lambda x: np.maximum(x, 0), torch=lambda T, x: T.relu(x))
    with pytest.raises(AssertionError, match="vs PyTorch"):
        check_edge(row, TORCH)


def test_users_add_rows_for_their_own_ops(monkeypatch: pytest.MonkeyPatch) -> None:
    class Cube(Function):
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        def backward(ctx, g):
            return g * 3 * ctx.saved[0] ** 2

    monkeypatch.setattr(edges, "EDGES", list(EDGES))
    edges.add_edge(
        Edge("cube", "one element", lambda x: Cube.apply(x), (np.array([0.7]),),
             numpy=lambda a: a**3, torch=lambda T, x: x**3, fd=True),
        Edge("cube", "nan", lambda x: Cube.apply(x), (np.array([np.nan]),),
             numpy=lambda a: a**3, grad=(np.array([np.nan]),)),
        Edge("cube", "empty", lambda x: Cube.apply(x), (np.zeros(0),), numpy=lambda a: a**3,
             grad=(np.zeros(0),)),
    )
    assert [r.case for r in edges.edges_for("cube")] == ["one element", "nan", "empty"]
    for row in edges.edges_for("tg.cube"):
        check_edge(row, TORCH)


def test_without_pytorch_the_gradient_rows_skip_cleanly(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    monkeypatch.setattr(edges, "import_torch", lambda: None)
    row = Edge("exp", "one element", Tensor.exp, (np.array([0.5]),), numpy=np.exp,
               torch=lambda T, x: 1 / 0)  # would fail if it ran
    check_edge(row)


def test_the_table_covers_the_issues_cases_for_both_spellings() -> None:
    # std: Tensor.std and tg.std share rows (the key is the public name)
    assert edges_for("Tensor.std") == edges_for("tg.std") == edges_for("std")
    assert tg.std is not None

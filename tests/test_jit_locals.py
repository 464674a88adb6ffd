"""The compiled replay's shortcuts (registers in locals, op parameters as keyword arguments,
indexing's rows added without the engine's Pending, a deferred term's early return), each
against the case a skeptic would try: replay equals eager, bit for bit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tinygrad_dl import Function, Tensor
from tinygrad_dl.jit import jit
from tinygrad_dl.jit.plan import Plan
from tinygrad_dl.ops.shape import Sparse

CALLS = 5


def params(dtype: Any = np.float64) -> list[Tensor]:
    rng = np.random.default_rng(0)
    return [Tensor(rng.standard_normal((4, 3)).astype(dtype), requires_grad=True),
            Tensor(rng.standard_normal((3, 3)).astype(dtype), requires_grad=True)]


def args(i: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(10 + i)
    return (rng.standard_normal((4, 3)), np.array([2, 0, 2, 1]), rng.standard_normal(3))


def run(body: Callable[..., Any], replay: bool, dtype: Any = np.float64) -> list[Any]:
    ps = params(dtype)

    def step(*a: Any) -> Any:
        return body(ps, *a)
    f = jit(step, strict=True) if replay else step
    out = []
    for i in range(CALLS):
        for p in ps:
            p.grad = None
        r = f(*args(i))
        out.append(([np.array(a) for a in flat(r)],  # (copied now: the updates follow)
                    [None if p.grad is None else p.grad.copy() for p in ps]))
        for p in ps:
            if p.grad is not None:
                p.data = p.data - 0.1 * p.grad  # (rebound: a returned graph holds W)
    if replay:
        assert f.replays == CALLS - 2
        assert any(type(v) is Plan for v in f.cache.values())
    return out


def flat(x: Any) -> list[np.ndarray]:
    if isinstance(x, Tensor):
        return [x.data]
    if isinstance(x, dict):
        return [a for k in sorted(x) for a in flat(x[k])]
    if isinstance(x, (tuple, list)):
        return [a for v in x for a in flat(v)]
    return [np.asarray(x)]


def check(body: Callable[..., Any], dtype: Any = np.float64) -> None:
    eager, replayed = run(body, False, dtype), run(body, True, dtype)
    for (re_, ge), (rr, gr) in zip(eager, replayed):
        assert len(re_) == len(rr)
        for a, b in zip(re_ + [g for g in ge if g is not None],
                        rr + [g for g in gr if g is not None]):
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
        assert [g is None for g in ge] == [g is None for g in gr]


def rows_then_whole(ps, x, idx, v):  # W's first gradient a term, its pending not ours next
    W, M = ps
    return ((W[idx] @ M).sum() + (W + 0.0).sum()).backward()


def whole_then_rows(ps, x, idx, v):  # Add hands on the upstream array: not ours to add into
    W, M = ps
    y = W + Tensor(x)
    return (y.sum() + (W[1:3] * 2.0).sum() + W[idx].sum()).backward()


def row_slices_like_an_rnn(ps, x, idx, v):  # basic slices: a view added into, in place
    W, M = ps
    h = Tensor(v).reshape(1, 3)
    for t in range(4):
        h = (W[t : t + 1] + h @ M).tanh()
    return h.sum().backward()


def int_index_of_a_vector(ps, x, idx, v):  # W[0, 1] of a row: a NumPy scalar, not a view
    W, M = ps
    r = W.reshape(12)
    return (r[3] * 2.0 + r[3] + r[-1] + r[::-2].sum() + r[None, 2:5].sum()).backward()


def ellipsis_and_none(ps, x, idx, v):
    W, M = ps
    return (W[..., 1].sum() + W[None, ..., :2].sum() + W[1, ...].sum()).backward()


def one_row_products_after_a_full_one(ps, x, idx, v):  # M's pending array, then deferred rows
    W, M = ps
    full = (W @ M).sum()
    h = W[0:1]
    for _ in range(3):
        h = h @ M
    return (full + h.sum()).backward()


def full_product_after_one_row_ones(ps, x, idx, v):  # backward: the full one's first
    W, M = ps
    h = W[0:1]
    for _ in range(3):
        h = h @ M
    return (h.sum() + (W @ M).sum()).backward()


def index_from_an_argument_in_a_tuple(ps, x, idx, v):  # a dynamic keyword, nested
    W, M = ps
    return (W[idx, 1:].sum() + W[(idx,)].sum()).backward()


def returns_arguments_parameters_and_outputs(ps, x, idx, v):  # _build from the locals
    W, M = ps
    y = (W * Tensor(x)).sum()
    y.backward()
    return {"y": y, "x": x, "xt": (Tensor(x), x), "W": W, "h": (W @ M).detach()}


@pytest.mark.parametrize("body", [rows_then_whole, whole_then_rows, row_slices_like_an_rnn,
                                  int_index_of_a_vector, ellipsis_and_none,
                                  one_row_products_after_a_full_one,
                                  full_product_after_one_row_ones,
                                  index_from_an_argument_in_a_tuple,
                                  returns_arguments_parameters_and_outputs])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_replay_equals_eager(body, dtype):
    check(body, dtype)


def test_rows_of_another_dtype_make_a_new_array():
    """A float32 term added to a float64 pending gradient that is ours: Pending.own's rule
    (ours: added into, as is); not ours: a copy in the dtype both make."""
    vals = np.full((1, 3), 0.1, np.float32)
    term = Sparse(((4, 3), np.dtype(np.float32), slice(1, 2), vals, True))
    prev = np.ones((4, 3))
    assert term.add_into(prev, True) is prev
    out = term.add_into(np.ones((4, 3)), False)
    assert out.dtype == np.float64 and out[1, 0] == np.float64(1.0) + np.float64(vals[0, 0])
    fresh = term.add_into(None, False)
    assert fresh.dtype == np.float32 and fresh[1, 0] == vals[0, 0] and fresh[0, 0] == 0



@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_of_an_integer_index_add_up_as_np_add_at(dtype):
    """Indexing's gradient for an integer-array index (an embedding's rows) goes through the
    flat array's np.add.at: bit for bit np.add.at on the rows, duplicates and negative
    indices included; other layouts and dtypes take np.add.at itself."""
    rng = np.random.default_rng(4)
    for shape, idx in [((8, 5), [3, 1, 3, 3, -5, 0, 7, -1]), ((6, 2, 3), [5, 5, -6, 0]),
                       ((4, 1), [0, 0, 0])]:
        idx = np.array(idx)
        vals = rng.standard_normal((len(idx), *shape[1:])).astype(dtype)
        for out0 in (rng.standard_normal(shape).astype(dtype),
                     np.asfortranarray(rng.standard_normal(shape).astype(dtype)),
                     rng.standard_normal(shape)):  # float64 out, maybe float32 rows
            want, got = out0.copy(order="K"), out0.copy(order="K")
            np.add.at(want, idx, vals)
            Sparse((shape, vals.dtype, idx, vals, False)).add_to(None, None, got)
            assert np.array_equal(want, got) and want.dtype == got.dtype
    W = Tensor(rng.standard_normal((8, 5)).astype(dtype), requires_grad=True)
    g = rng.standard_normal((6, 5)).astype(dtype)
    W[np.array([2, 2, 7, -1, 0, 2])].backward(g)
    want = np.zeros((8, 5), dtype)
    np.add.at(want, np.array([2, 2, 7, -1, 0, 2]), g)
    assert np.array_equal(W.grad, want)


class _Scale(Function):
    """x * params["by-this"]: a parameter whose name is not an identifier (the compiled step
    then passes a dict, resolved per run, instead of keyword arguments)."""

    def forward(ctx, x, **params):
        ctx.by = params["by-this"]
        return x * ctx.by

    def backward(ctx, g):
        return g * ctx.by


def test_a_parameter_named_with_no_identifier_is_passed_as_a_dict():
    def body(ps, x, idx, v):
        W, M = ps
        return _Scale.apply(W, **{"by-this": x, "and": 2.0}).sum().backward()
    check(body)
    ps = params()
    step = jit(lambda x, i, v: _Scale.apply(ps[0], **{"by-this": x}).sum().backward(),
               strict=True)
    for i in range(3):
        ps[0].grad = None
        step(*args(i))
    src = next(iter(step.cache.values())).source
    assert "**_resolved(" in src and "by" not in src



class _Named(Function):
    """x * params[_Named.key]: a parameter name that is an identifier, but not as source
    reads it."""

    key = ""

    def forward(ctx, x, **params):
        ctx.by = params[_Named.key]
        return x * ctx.by

    def backward(ctx, g):
        return g * ctx.by


@pytest.mark.parametrize("key", ["\ufb01", "__debug__"])
@pytest.mark.parametrize("static", [False, True])
def test_a_parameter_name_source_cannot_pass_as_a_keyword_goes_in_the_dict(key, static,
                                                                           monkeypatch):
    """Source reads a non-ASCII identifier as its NFKC form: as a keyword, "\ufb01" reached the
    op as "fi" (a KeyError, or another parameter's value); `__debug__=` is a SyntaxError, so
    the plan failed to compile on the second call. Both go through the dict."""
    monkeypatch.setattr(_Named, "key", key)

    def body(ps, x, idx, v):
        return _Named.apply(ps[0], **{key: 2.0 if static else x}).sum().backward()
    check(body)

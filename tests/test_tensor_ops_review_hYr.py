"""Review of f530664 (helper hY's keyword hunt): logsumexp / logcumsumexp gradients, clamp with
bounds that require grad (ClipBounds), cat's skip of 1-D empty tensors, sort's descending=, and
where(cond) alone, against torch 2.13 (CPU, float64) and exact values."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_dl as tg
from tinygrad_dl.jit import jit
from tinygrad_dl.testing import check_grad

torch = pytest.importorskip("torch")
inf, nan = np.inf, np.nan


def _grads_vs_torch(fn, a, up, rtol=1e-12):
    """fn(module, tensor) on a copy of `a` here and in torch; the values and the gradient of
    sum(up * fn(x)) must agree (NaN where torch has NaN)."""
    x = tg.Tensor(a.copy(), requires_grad=True)
    (fn(tg, x) * tg.Tensor(up)).sum().backward()
    tx = torch.tensor(a.copy(), requires_grad=True)
    ty = fn(torch, tx)
    (ty * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(fn(tg, tg.Tensor(a)).data, ty.detach().numpy(), rtol=rtol)
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=rtol, atol=1e-300)


# ---- logsumexp / logcumsumexp ---------------------------------------------------------------
@pytest.mark.parametrize("other", [[-inf, -inf, -inf], [0.0, 1.0, nan], [inf, 2.0, 0.0]])
def test_logsumexp_gradient_of_a_finite_row_beside_a_non_finite_one(other):
    """A row of -inf / NaN / +inf elsewhere in the batch sent every row down the old
    exp(x - out) path: [1e15] * 3 got 0.3247 each (not 1/3) beside a row of -inf."""
    a = np.array([[1e15, 1e15, 1e15], other])
    x = tg.Tensor(a, requires_grad=True)
    x.logsumexp(dim=1).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad)[0], [1 / 3] * 3, rtol=1e-14)
    with np.errstate(invalid="ignore"):
        want = torch.tensor(a, requires_grad=True)
        torch.logsumexp(want, 1)[1].backward()  # (the non-finite row: torch's NaNs and 0s)
    np.testing.assert_array_equal(np.asarray(x.grad)[1], want.grad.numpy()[1])


@pytest.mark.parametrize("a", [
    [[-inf, -inf, -inf], [0.0, 1.0, 2.0]], [[inf, 1.0, 2.0], [0.0, 1.0, 2.0]],
    [[nan, 1.0, 2.0], [0.0, 1.0, 2.0]], [[-inf, 1.0, inf], [nan, -inf, 2.0]],
    [[-inf, 0.0, 1.0], [2.0, -inf, -inf]], [[-1e300, -1e300, 0.0], [1e-300, 2e-300, 0.0]],
    [[inf, 1000.0, 0.0], [-inf, -1000.0, -2000.0]]])
def test_logsumexp_values_and_gradients_at_non_finite_entries_are_torchs(a):
    up = np.array([0.5, 1.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (+inf beside 1000: exp(1000) overflowed with a warning)
        _grads_vs_torch(lambda L, x: L.logsumexp(x, 1), np.array(a), up)


@pytest.mark.parametrize("shape,dim,keepdim", [((3, 4, 5), (0, 2), True), ((3, 4, 5), 1, False),
                                               ((2, 3), -1, True), ((3, 0), 1, False),
                                               ((0, 3), 1, True), ((), 0, False)])
def test_logsumexp_gradient_over_dims_and_keepdim_is_torchs(shape, dim, keepdim):
    rng = np.random.default_rng(len(shape))
    a = rng.standard_normal(shape) * 30
    out_shape = torch.logsumexp(torch.tensor(a), dim, keepdim).shape
    _grads_vs_torch(lambda L, x: L.logsumexp(x, dim, keepdim), a,
                    rng.uniform(0.5, 1.5, tuple(out_shape)))  # (> 0: -inf * up sums)


def test_logsumexp_float32_gradient_is_the_softmax_to_float32_round_off():
    a = np.array([[1e7, 1e7, 1e7], [-3.0, 0.0, 40.0]], np.float32)
    x = tg.Tensor(a, requires_grad=True)
    x.logsumexp(dim=1).sum().backward()
    assert x.grad.dtype == np.float32
    a64 = a.astype(np.float64)
    e = np.exp(a64 - a64.max(1, keepdims=True))
    np.testing.assert_allclose(x.grad, e / e.sum(1, keepdims=True), rtol=1e-6, atol=1e-30)


def test_logcumsumexp_gradient_of_a_finite_row_beside_a_non_finite_one():
    a = np.array([[1e15, 1e15, 1e15], [-inf, 0.0, 0.0]])
    x = tg.Tensor(a, requires_grad=True)
    (x.logcumsumexp(1) * tg.Tensor(np.array([[0.5, 0.7, 0.9], [1.1, 1.3, 1.5]]))).sum().backward()
    g = np.asarray(x.grad)
    np.testing.assert_allclose(g[0], [0.5 + 0.7 / 2 + 0.9 / 3, 0.7 / 2 + 0.9 / 3, 0.9 / 3],
                               rtol=1e-14)
    assert np.isnan(g[1, 0]) and np.allclose(g[1, 1:], [1.3 + 1.5 / 2, 1.5 / 2])  # (torch's)


def test_a_jitted_step_through_logsumexp_and_logcumsumexp_replays_bit_identically():
    w = tg.Tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)

    def step(X):
        h = X @ w
        (h.logsumexp(dim=1).sum() + h.logcumsumexp(1).sum()).backward()

    rng = np.random.default_rng(0)
    Xs = [rng.standard_normal((5, 3)) * 100 for _ in range(4)]
    Xs[2][0, 0] = -inf  # (a non-finite row one call in: the other path)
    grads = []
    for fn in (step, jit(step, strict=True)):
        out = []
        for X in Xs:
            w.grad = None
            with np.errstate(invalid="ignore"):
                fn(X)
            out.append(np.array(w.grad))
        grads.append(out)
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


# ---- clamp / clip with a bound that requires grad (ClipBounds) ------------------------------
def test_in_place_clip_and_clamp_record_a_bound_that_requires_grad():
    """x.clip_(lo) with lo requiring grad was refused before f530664 (clip's bound check) and
    then wrote the values with no word and no gradient; clamp_ never checked. On a constant x
    it is recorded now, as torch's (it was refused: "the operand requires grad")."""
    for call in (lambda x, lo: x.clip_(lo, lo + 2.0), lambda x, lo: x.clamp_(lo, lo + 2.0),
                 lambda x, lo: x.clamp_(max=lo), lambda x, lo: x.clamp_min_(lo),
                 lambda x, lo: x.clamp_max_(lo)):
        lo = tg.Tensor(np.float64(-1.0), requires_grad=True)
        tlo = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)
        x, tx = tg.Tensor(np.array([-2.0, 0.0, 2.0])), torch.tensor([-2.0, 0.0, 2.0],
                                                                    dtype=torch.float64)
        call(x, lo)
        call(tx, tlo)
        (x * tg.Tensor(np.array([1.0, 2.0, 3.0]))).sum().backward()
        (tx * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
        np.testing.assert_array_equal(x.data, tx.detach().numpy())
        assert lo.grad == tlo.grad.item() and x.requires_grad
    lo = tg.Tensor(np.float64(-1.0), requires_grad=True)
    x = tg.Tensor(np.array([-2.0, 0.0, 2.0]))
    with tg.no_grad():  # (the update under no_grad: allowed, as the message says)
        x.clip_(lo, 1.0)
    np.testing.assert_array_equal(x.data, [-1.0, 0.0, 1.0])


_SHAPES = [(), (3,), (2, 1), (2, 3), (4, 1, 3)]  # (the last: bigger than x, which broadcasts)


@given(data=st.data())
def test_clamp_gradients_to_x_and_both_tensor_bounds_match_finite_differences(data):
    """The op table's clamp row lists ClipBounds but draws number bounds only: here x, min and
    max are all inputs, on grids that never meet (x = 0.05 + 0.1k, min even tenths, max odd
    ones), so every entry is off the kinks and min < max and min > max both come up."""
    def grid(shape, offset, step):
        n = int(np.prod(shape))
        ks = data.draw(st.lists(st.integers(-15, 15), min_size=n, max_size=n))
        return (offset + step * np.array(ks, dtype=np.float64)).reshape(shape)

    x = grid((2, 3), 0.05, 0.1)
    lo = grid(data.draw(st.sampled_from(_SHAPES)), 0.0, 0.2)
    hi = grid(data.draw(st.sampled_from(_SHAPES)), 0.1, 0.2)
    check_grad(lambda x, lo, hi: x.clamp(lo, hi), x, lo, hi,
               ref=lambda x, lo, hi: np.clip(x, lo, hi))
    check_grad(lambda x, lo: x.clamp_min(lo), x, lo, ref=lambda x, lo: np.maximum(x, lo))
    check_grad(lambda x, hi: x.clip(max=hi), x, hi, ref=lambda x, hi: np.minimum(x, hi))


def test_clamp_with_tensor_bounds_gets_torchs_gradients_on_every_side():
    x = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 0.7, -0.7, 3.0])
    lo = np.array([-1.0, -1.0, -1.0, 1.0, -1.0, -1.0, 1.0, 1.0, 1.0])  # (min > max: 3..8)
    hi = np.array([1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    up = np.linspace(0.5, 2.0, x.size)
    ours = [tg.Tensor(v.copy(), requires_grad=True) for v in (x, lo, hi)]
    (ours[0].clamp(ours[1], ours[2]) * tg.Tensor(up)).sum().backward()
    theirs = [torch.tensor(v.copy(), requires_grad=True) for v in (x, lo, hi)]
    (theirs[0].clamp(theirs[1], theirs[2]) * torch.tensor(up)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.grad, b.grad.numpy())


def test_a_jitted_step_with_clamp_bounds_that_require_grad_replays_bit_identically():
    """The bounds are parameters the step's optimizer moves between calls: each replay reads
    their new values (ClipBounds takes them as inputs, not as constants)."""
    def run(use_jit):
        w = tg.Tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
        lo = tg.Tensor(np.float64(-0.3), requires_grad=True)
        hi = tg.Tensor(np.array([0.1, 2.0]), requires_grad=True)

        def step(X):
            ((X @ w.T).clamp(lo, hi) ** 2).sum().backward()

        fn = jit(step, strict=True) if use_jit else step
        rng, out = np.random.default_rng(1), []
        for _ in range(5):
            for p in (w, lo, hi):
                p.grad = None
            fn(rng.standard_normal((4, 3)))
            out.append([np.array(p.grad) for p in (w, lo, hi)])
            with tg.no_grad():
                lo -= 0.1
                hi -= 0.05
        return out

    for a, b in zip(run(False), run(True)):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)


# ---- cat's legacy skip of 1-D empty tensors -------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_a_skipped_1d_empty_tensor_that_requires_grad_gets_an_empty_gradient(dim):
    """torch gives the skipped tensor a gradient of shape (0,); it was left at None."""
    e = tg.Tensor(np.zeros(0), requires_grad=True)
    x = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    tg.cat([x, e, x], dim=dim).sum().backward()
    assert e.grad is not None and e.grad.shape == (0,) and e.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    te = torch.zeros(0, dtype=torch.float64, requires_grad=True)
    torch.cat([torch.ones(2, 3, dtype=torch.float64), te], dim=dim).sum().backward()
    assert tuple(te.grad.shape) == (0,)


def test_cat_with_a_skipped_empty_keeps_dtypes_and_errors():
    x32 = tg.Tensor(np.ones((2, 3), np.float32))
    assert tg.cat([tg.Tensor(np.zeros(0)), x32]).dtype == np.float64  # (NumPy's promotion)
    assert tg.cat([tg.Tensor(np.zeros(0, bool)), tg.Tensor(np.ones((2, 3), np.int32))]
                  ).dtype == np.int32
    assert tg.cat([tg.Tensor(np.zeros(0)), tg.Tensor(np.zeros(0))], dim=1).shape == (0,)
    with pytest.raises(ValueError, match=r"shapes \(2, 3\) and \(2, 4\):"):  # (the pieces given)
        tg.cat([tg.Tensor(np.ones((2, 3))), tg.Tensor(np.zeros(0)), tg.Tensor(np.ones((2, 4)))])
    with pytest.raises(ValueError, match="axis 2 is out of bounds"):
        tg.cat([tg.Tensor(np.zeros(0)), tg.Tensor(np.ones((2, 3)))], dim=2)
    with pytest.raises(ValueError, match="Stack"):  # (stack skips nothing, as torch's)
        tg.stack([tg.Tensor(np.zeros(0)), tg.Tensor(np.ones((2, 3)))])


# ---- sort's descending= ---------------------------------------------------------------------
def test_sort_with_axis_none_and_descending_sorts_the_flattened_tensor():
    """tg.sort(x, None, descending=False) was np.sort's flattened values before f530664, then
    each row's sort (one_name read axis=None as not given, dim's default -1)."""
    a = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    for desc in (False, True):
        values, indices = tg.sort(tg.Tensor(a), axis=None, descending=desc)
        want = np.sort(a, axis=None)[::-1] if desc else np.sort(a, axis=None)
        np.testing.assert_array_equal(values.data, want)
        np.testing.assert_array_equal(a.ravel()[indices.data], want)
    values, _ = tg.sort(tg.Tensor(a), descending=False)  # (torch's dim=-1 default)
    np.testing.assert_array_equal(values.data, np.sort(a, axis=-1))


@pytest.mark.parametrize("bad", ["no", 1, 0, None])
def test_sort_refuses_a_descending_that_is_not_a_bool(bad):
    """torch raises; bool("no") sorted descending here, and tg.sort(x, descending=0) too."""
    t = tg.Tensor(np.array([3.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match="^sort: descending must be a bool"):
        t.sort(descending=bad)
    if bad is not None:  # (tg.sort's None: not given, NumPy's values)
        with pytest.raises(TypeError, match="^sort: descending must be a bool"):
            tg.sort(t, descending=bad)


def test_numpy_sort_spellings_still_give_the_values_alone():
    a = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    t = tg.Tensor(a)
    for got, want in ((np.sort(t), np.sort(a)), (tg.sort(t), np.sort(a)),
                      (tg.sort(t, 0), np.sort(a, 0)), (np.sort(t, axis=None), np.sort(a, None)),
                      (tg.sort(t, stable=True), np.sort(a))):
        assert isinstance(got, tg.Tensor)
        np.testing.assert_array_equal(got.data, want)


# ---- where(cond) alone ----------------------------------------------------------------------
def test_where_with_one_of_x_and_y_or_with_keywords():
    c = tg.Tensor(np.array([[True, False], [False, True]]))
    for args, kw in (((c, 1.0), {}), ((c,), {"y": 1.0}), ((c,), {"other": 1.0}),
                     ((c,), {"input": 1.0})):
        with pytest.raises(TypeError, match=r"^where: give both x and y"):
            tg.where(*args, **kw)
    rows, cols = tg.where(condition=c)
    np.testing.assert_array_equal(rows.data, [0, 1])
    np.testing.assert_array_equal(cols.data, [0, 1])
    got = tg.where(condition=c, input=tg.Tensor(np.ones(2)), other=0.0)
    np.testing.assert_array_equal(got.data, np.eye(2))
    np.testing.assert_array_equal(np.where(c)[1].data, [0, 1])  # (NumPy's spelling)

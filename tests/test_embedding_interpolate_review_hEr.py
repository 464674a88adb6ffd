"""Review of hE's embedding max_norm / scale_grad_by_freq and interpolate modes (helper hEr).

Fixed here: F.embedding_bag refused a bad per_sample_weights only after max_norm had written
the table (a refused call changed the weights); max_norm on a read-only table raised NumPy's
"assignment destination is read-only" (naming nothing); a jitted interpolate step never
replayed (its index and weight arrays, made from shapes only, read as per-step data). The
rest pin what the review tried and found right: jit replay of plain / padding_idx /
scale_grad_by_freq lookups bit-identical to eager, max_norm against torch for repeated indices,
norm types, tied weights, two lookups in one forward and a saved non-leaf table, and the new
modes' gradients against finite differences."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.functional import embedding, embedding_bag, interpolate
from tinygrad_dl.gradcheck import gradcheck
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _grad(t):
    return np.asarray(t.grad)


# ---- fixed ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kw, match", [
    ({"mode": "mean", "per_sample_weights": np.ones(4)}, "only supported for mode='sum'"),
    ({"mode": "sum", "per_sample_weights": np.ones(3)}, "must have the input's shape"),
    ({"mode": "sum", "per_sample_weights": np.ones(4, np.float32)}, "per_sample_weights has"),
])
def test_a_refused_embedding_bag_call_leaves_the_max_norm_table_as_it_was(kw, match):
    w = tg.Tensor(np.random.default_rng(0).standard_normal((5, 3)) * 4, requires_grad=True)
    before = w.data.copy()
    with pytest.raises((ValueError, TypeError), match=match):
        embedding_bag(np.array([0, 1, 2, 3]), w, np.array([0, 2]), max_norm=1.0, **kw)
    np.testing.assert_array_equal(w.data, before)


@pytest.mark.parametrize("table", ["read-only", "broadcast"])
def test_max_norm_on_a_read_only_table_says_so_in_one_line(table):
    if table == "read-only":
        a = np.full((4, 3), 5.0)
        a.setflags(write=False)
    else:
        a = np.broadcast_to(np.full(3, 5.0), (4, 3))
    emb = nn.Embedding.from_pretrained(a, max_norm=1.0)
    with pytest.raises(ValueError, match=r"Embedding: max_norm .* read-only") as e:
        emb(np.array([0]))
    assert "\n" not in str(e.value)
    np.testing.assert_array_equal(a, 5.0)
    np.testing.assert_array_equal(nn.Embedding.from_pretrained(a, max_norm=9.0)(
        np.array([1])).data, [[5.0, 5.0, 5.0]])  # (nothing to renorm: no write, no refusal)


@pytest.mark.parametrize("mode, shape, size, antialias", [
    ("nearest", (2, 3, 5, 6), (9, 7), False), ("bilinear", (2, 3, 5, 6), (9, 6), False),
    ("bicubic", (2, 3, 5, 6), (4, 11), False), ("nearest-exact", (2, 3, 5, 6), (9, 7), False),
    ("linear", (2, 3, 5), (8,), False), ("trilinear", (2, 3, 3, 4, 5), (5, 4, 2), False),
    ("bicubic", (2, 3, 9, 7), (3, 4), True)])  # (antialias: hA2)
def test_a_jitted_interpolate_step_replays_bit_identical_to_eager(mode, shape, size, antialias):
    def run(use_jit):
        w = tg.Tensor(np.linspace(0.5, 1.5, 3), requires_grad=True)

        def step(x):
            y = interpolate(x * w.reshape((1, 3) + (1,) * (len(shape) - 2)), size=size,
                            mode=mode, antialias=antialias)
            (y * y).sum().backward()

        f = jit(step) if use_jit else step
        r, grads = np.random.default_rng(5), []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(4):
                w.grad = None
                f(r.standard_normal(shape))
                grads.append(_grad(w).copy())
        return grads, getattr(f, "replays", None), [str(c.message) for c in caught]

    eager, _, _ = run(False)
    jitted, replays, warned = run(True)
    for a, b in zip(eager, jitted):
        np.testing.assert_array_equal(b, a)
    assert replays == 2 and not warned, warned


# ---- judged right (pinned) ------------------------------------------------------------------
def _train(use_jit, make, batch=(4, 5)):
    m = make()

    def step(idx, g):
        (m(idx) * tg.Tensor(g)).sum().backward()

    f = jit(step) if use_jit else step
    r = np.random.default_rng(1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(6):
            m.weight.grad = None
            f(r.integers(0, 6, batch), r.standard_normal(batch + (3,)))
            m.weight.data = m.weight.data - 0.5 * _grad(m.weight)
    return m.weight.data, getattr(f, "replays", None), [str(c.message) for c in caught]


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"padding_idx": -1},
                                {"scale_grad_by_freq": True, "padding_idx": 0}])
def test_a_jitted_lookup_step_replays_bit_identical_to_eager(kw):
    def make():
        return nn.Embedding(6, 3, rng=np.random.default_rng(0), **kw)
    eager, _, _ = _train(False, make)
    jitted, replays, warned = _train(True, make)
    np.testing.assert_array_equal(jitted, eager)
    assert replays == 4 and not warned, warned


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 0.0, np.inf, 3.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_norm_with_repeated_indices_and_norm_types_matches_torch(p, dtype):
    r = np.random.default_rng(int(p * 10) if np.isfinite(p) else 99)
    w = (r.standard_normal((5, 4)) * 3).astype(dtype)
    idx = np.array([[1, 1, 2], [3, 1, 0]])
    g = r.standard_normal(idx.shape + (4,)).astype(dtype)
    tw, ow = torch.tensor(w.copy(), requires_grad=True), tg.Tensor(w.copy(), requires_grad=True)
    t = TF.embedding(torch.tensor(idx), tw, max_norm=1.0, norm_type=p)
    o = embedding(tg.Tensor(idx), ow, max_norm=1.0, norm_type=p)
    (t * torch.tensor(g)).sum().backward()
    (o * tg.Tensor(g)).sum().backward()
    tol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(ow.data, tw.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(_grad(ow), tw.grad.numpy(), rtol=tol, atol=tol)


def test_max_norm_with_tied_weights_and_two_lookups_in_one_forward_matches_torch():
    emb = nn.Embedding(5, 3, max_norm=0.5, rng=np.random.default_rng(0))
    lin = nn.Linear(3, 5, bias=False)
    lin.weight = emb.weight
    tem = torch.nn.Embedding(5, 3, max_norm=0.5).double()
    tlin = torch.nn.Linear(3, 5, bias=False).double()
    with torch.no_grad():
        tem.weight.copy_(torch.tensor(emb.weight.data))
    tlin.weight = tem.weight
    a, b = np.array([0, 1, 1, 4]), np.array([1, 2, 3])
    ea, eb = emb(a), emb(b)  # (both renorms before the tied Linear saves the table)
    (lin(ea).sum() * eb.sum()).backward()
    ta, tb = tem(torch.tensor(a)), tem(torch.tensor(b))
    (tlin(ta).sum() * tb.sum()).backward()
    np.testing.assert_allclose(emb.weight.data, tem.weight.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(_grad(emb.weight), tem.weight.grad.numpy(), rtol=1e-12)
    # a renorm after the tied Linear saved the table: its backward refuses, as torch's
    with torch.no_grad():
        tem.weight.mul_(3)
    emb.weight.data = emb.weight.data * 3
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (tlin(tem(torch.tensor(a))).sum() * tem(torch.tensor(b)).sum()).backward()
    with pytest.raises(RuntimeError, match="replaced by the in-place renorm of Embedding"):
        (lin(emb(a)).sum() * emb(b).sum()).backward()


def test_max_norm_on_a_non_leaf_table_an_op_saved_refuses_its_backward_as_torch():
    base = tg.Tensor(np.random.default_rng(2).standard_normal((4, 3)) * 3, requires_grad=True)
    w = base * 2
    a = (w * w).sum()  # (saves w; torch's version counter raises at the backward too)
    y = embedding(np.array([0, 1]), w, max_norm=1.0).sum()
    with pytest.raises(RuntimeError, match="in-place renorm of embedding"):
        (a + y).backward()


@pytest.mark.parametrize("mode, shape, kw", [
    ("bicubic", (1, 2, 3, 4), {"size": (5, 7)}),
    ("bicubic", (1, 1, 4, 4), {"size": (2, 3), "align_corners": True}),
    ("bicubic", (1, 1, 1, 1), {"size": (3, 2)}),
    ("bicubic", (1, 1, 3, 5), {"scale_factor": 1.7}),
    ("trilinear", (1, 2, 2, 3, 4), {"size": (3, 2, 5)}),
    ("trilinear", (1, 1, 3, 3, 3), {"scale_factor": 0.6, "align_corners": True}),
    ("area", (2, 1, 5, 7), {"size": (3, 2)}), ("area", (1, 1, 3, 3), {"size": (5, 6)}),
    ("area", (1, 1, 3, 3, 4), {"scale_factor": 0.5}),
    ("nearest-exact", (1, 2, 5), {"size": 8}),
    ("nearest-exact", (1, 1, 5, 3), {"scale_factor": (0.6, 1.5)}),
    ("nearest", (1, 1, 2, 3, 3), {"size": (5, 1, 4)}),
    ("bilinear", (1, 1, 4, 4), {"size": (4, 7)})])  # (a kept axis: x + 0 x)
def test_the_new_modes_gradients_match_finite_differences(mode, shape, kw):
    x = tg.Tensor(np.random.default_rng(3).standard_normal(shape), requires_grad=True)
    report = gradcheck(lambda t: interpolate(t, mode=mode, **kw), [x])
    assert report.passed, str(report)

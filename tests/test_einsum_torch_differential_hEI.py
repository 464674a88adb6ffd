"""einsum and the contraction family against torch 2.13 (CPU): einsum over random subscripts
drawn from a seed (1-4 operands, diagonals, letters summed within one operand, outputs in any
order, "..." in several operands with length-1 broadcasting and different leading dims,
implicit mode, upper-case letters, spaces, 0-size dims, scalars), NumPy's sublist form and
optimize=, every input's gradient (a random weighted sum; the same tensor passed twice too),
float32/float64/complex/int/bool; the siblings tensordot (int, pair, negative dims),
np.einsum / np.tensordot on tensors, linalg.vecdot, inner, outer, kron, trace, diagonal,
diag_embed; the refusals (one line, naming the letter, the op); a jit replay, bit for bit.
The hunt's regressions: a bool or small-int einsum sum was NumPy's bool / wrapped int where
torch (and sum() here) count in int64; refusals that named no letter, or einsum for dot/inner."""

from __future__ import annotations

import numpy as np
import pytest
from test_jit_inline import t, twin_runs

import tinygrad_dl as tg
from tinygrad_dl.ops import linalg as linalg_ops

torch = pytest.importorskip("torch")
LETTERS = "abcdefABC"


def _draw(rng):
    """Random subscripts and operand shapes whose lengths agree (length 1 broadcasts)."""
    pool = list(rng.choice(list(LETTERS), size=int(rng.integers(1, 7)), replace=False))
    size = {c: int(rng.choice([0, 1, 2, 3, 4], p=[.05, .2, .35, .25, .15])) for c in pool}
    ell = [int(v) for v in rng.integers(1, 4, int(rng.integers(0, 3)))]
    use_ell = rng.random() < 0.3
    terms, shapes = [], []
    for _ in range(int(rng.integers(1, 5))):
        letters = [str(rng.choice(pool)) for _ in range(int(rng.integers(0, 4)))]
        own: dict = {}
        shp = [own.setdefault(c, 1 if rng.random() < .08 else size[c]) for c in letters]
        term = "".join(letters)
        if use_ell and rng.random() < 0.7:
            nd, pos = int(rng.integers(0, len(ell) + 1)), int(rng.integers(0, len(letters) + 1))
            lead = [s if rng.random() > .3 else 1 for s in ell[len(ell) - nd:]]
            term, shp = term[:pos] + "..." + term[pos:], shp[:pos] + lead + shp[pos:]
        terms.append(term)
        shapes.append(tuple(shp))
    spec = ",".join(terms)
    if rng.random() < 0.25:  # implicit output
        return spec, shapes
    letters = sorted(set("".join(terms).replace(".", "")))
    out = list(rng.permutation(letters))[:int(rng.integers(0, len(letters) + 1))]
    if "..." in spec and rng.random() < 0.8:
        out.insert(int(rng.integers(0, len(out) + 1)), "...")
    spec += "->" + "".join(out)
    return (spec.replace(",", " , ").replace("->", " -> ") if rng.random() < .1 else spec), shapes


def _array(rng, shape, dtype, transposed):
    if dtype == np.complex128:
        a = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    elif np.dtype(dtype).kind in "iu":
        a = rng.integers(-3, 4, shape).astype(dtype)
    else:
        a = rng.standard_normal(shape).astype(dtype)
    if transposed and a.ndim >= 2:  # a transposed (non-contiguous) view
        a = np.swapaxes(np.ascontiguousarray(np.swapaxes(a, -1, -2)), -1, -2)
    return a


def _agree(ours, theirs, arrays, rng, rtol, grad=True):
    """Values, shape, dtype; then every input's gradient of a random weighted sum."""
    grad = grad and all(a.dtype.kind == "f" for a in arrays)
    tt = [torch.tensor(a.copy(), requires_grad=grad) for a in arrays]
    ot = [tg.tensor(a, requires_grad=grad) for a in arrays]
    want, got = theirs(*tt), ours(*ot)
    w = want.detach().numpy()
    assert isinstance(got, tg.Tensor) and got.shape == w.shape and got.dtype == w.dtype
    np.testing.assert_allclose(got.numpy(), w, rtol=rtol, atol=rtol)
    if not grad:
        return
    wt = rng.standard_normal(w.shape).astype(w.dtype)
    (want * torch.tensor(wt)).sum().backward()
    (got * tg.tensor(wt)).sum().backward()
    for a, b in zip(tt, ot):
        g = np.zeros(a.shape, w.dtype) if a.grad is None else a.grad.numpy()
        assert b.grad is not None and b.grad.shape == g.shape and b.grad.dtype == g.dtype
        np.testing.assert_allclose(np.asarray(b.grad), g, rtol=10 * rtol, atol=10 * rtol)


# ---- einsum over random subscripts -------------------------------------------------------------

@pytest.mark.parametrize("blas", [False, True])
@pytest.mark.parametrize("dtype,count", [(np.float64, 200), (np.float32, 50),
                                         (np.complex128, 50), (np.int64, 50)])
def test_random_einsums_agree_with_torch(dtype, count, blas, monkeypatch):
    """blas: every contraction of 2 or more operands without a diagonal or a stretched length
    1 through the matmul / optimized path (ops/linalg.py's _contract), however small."""
    if blas:
        monkeypatch.setattr(linalg_ops, "_pays", lambda *a: True)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    for seed in range(count):
        rng = np.random.default_rng([seed, np.dtype(dtype).num])
        spec, shapes = _draw(rng)
        arrays = [_array(rng, s, dtype, rng.random() < .3) for s in shapes]
        try:
            _agree(lambda *xs, e=spec: tg.einsum(e, *xs),
                   lambda *xs, e=spec: torch.einsum(e, *xs), arrays, rng, rtol)
        except AssertionError as e:
            raise AssertionError(f"seed {seed}: {spec!r} of {shapes}") from e


@pytest.mark.parametrize("spec,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]), ("ii->", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]), ("ij->", [(2, 3)]), ("i,j->ij", [(2,), (3,)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    ("...ii->...i", [(2, 3, 3)]), ("i...i->...", [(2, 3, 2)]), ("i...->", [(2, 3, 4)]),
    ("...a,...a", [(1, 2, 3), (4, 1, 3)]), ("Ab,bA->", [(2, 3), (3, 2)]),
    ("ba,cb", [(3, 2), (4, 3)]), ("Ba,cb", [(2, 3), (3, 4)]), (" i j , j k -> k i ",
                                                           [(2, 3), (3, 4)]),
    ("ij,jk->ik", [(2, 0), (0, 4)]), ("i,i->i", [(0,), (1,)]), ("ii", [(0, 0)]),
    (",->", [(), ()]), ("", [()]), ("i,i->", [(3,), (1,)]), ("ij,jk,kl,lm->im",
                                                          [(2, 3), (3, 1), (1, 4), (4, 2)])])
def test_named_einsums_agree_with_torch(spec, shapes):
    rng = np.random.default_rng(1)
    _agree(lambda *xs: tg.einsum(spec, *xs), lambda *xs: torch.einsum(spec, *xs),
           [rng.standard_normal(s) for s in shapes], rng, 1e-10)


@pytest.mark.parametrize("spec", ["i,i->", "i,i->i", "ij,ij->", "ij,ji->", "ii,ii->",
                                  "ij,jk->ik", "i,j->ij"])
def test_the_same_tensor_twice_gets_both_gradients(spec):
    rng = np.random.default_rng(2)
    n = 3
    a = rng.standard_normal((n,) * spec.partition(",")[0].__len__())
    x, xt = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    got, want = tg.einsum(spec, x, x), torch.einsum(spec, xt, xt)
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-12)
    wt = rng.standard_normal(got.shape)
    (got * tg.tensor(wt)).sum().backward()
    (want * torch.tensor(wt)).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("spec,shapes", [("ij,jk->ik", [(100, 3072), (3072, 10)]),
                                         ("bij,bkj->bki", [(4, 60, 70), (4, 50, 70)]),
                                         ("ij,kl->", [(30, 40), (50, 60)]),
                                         ("ij,jk,kl->il", [(40, 50), (50, 60), (60, 30)])])
def test_the_course_shapes_through_the_matmul_path_agree_with_torch(spec, shapes, dtype):
    """Contractions this large go through matmul (the unoptimized np.einsum loop was 5x slower
    than matmul on the first); values and gradients stay torch's."""
    rng = np.random.default_rng(8)
    rtol = 1e-3 if dtype == np.float32 else 1e-10
    _agree(lambda *xs: tg.einsum(spec, *xs), lambda *xs: torch.einsum(spec, *xs),
           [rng.standard_normal(s).astype(dtype) for s in shapes], rng, rtol)


def test_the_gradient_of_a_diagonal_lands_on_the_diagonal_only():
    x = tg.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    tg.einsum("ii->", x).backward()
    assert np.array_equal(np.asarray(x.grad), np.eye(3))


def test_the_sublist_form_optimize_and_a_list_of_operands_are_torchs_and_numpys():
    rng = np.random.default_rng(3)
    a, b, c = rng.standard_normal((5, 2, 3)), rng.standard_normal((3, 4)), rng.standard_normal(
        (4, 2))
    ta, tb, tc = map(torch.tensor, (a, b, c))
    xa, xb, xc = map(tg.tensor, (a, b, c))
    pairs = [
        (tg.einsum(xa, [..., 0, 1], xb, [1, 2], [..., 0, 2]),
         torch.einsum(ta, [..., 0, 1], tb, [1, 2], [..., 0, 2])),
        (tg.einsum(xb, [1, 0], xc, [0, 2]), torch.einsum(tb, [1, 0], tc, [0, 2])),
        (tg.einsum("ij,jk", [xb, xc]), torch.einsum("ij,jk", [tb, tc])),
        (np.einsum(xa[0], [0, 1], xb, [1, 2], [0, 2]), torch.einsum(ta[0], [0, 1], tb, [1, 2],
                                                                     [0, 2])),
        (np.einsum("ij,jk,kl->il", xa[0], xb, xc, optimize=True),
         torch.einsum("ij,jk,kl->il", ta[0], tb, tc)),
    ]
    for opt in (False, True, "greedy", "optimal",
                np.einsum_path("ij,jk,kl->il", a[0], b, c)[0]):
        pairs.append((tg.einsum("ij,jk,kl->il", xa[0], xb, xc, optimize=opt),
                      torch.einsum("ij,jk,kl->il", ta[0], tb, tc)))
    for got, want in pairs:
        assert isinstance(got, tg.Tensor) and got.shape == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="einsum: optimize must be"):
        tg.einsum("ij,jk->ik", xb.T, xb, optimize="fastest")


# ---- the refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize("spec,shapes,match", [
    ("ij,jk->ik", [(2, 3), (4, 4)], r"length 3 in one place and 4 in another \(only length 1 "
                                    r"broadcasts\): subscript 'j', operand 1 of shape \(4, 4\)"),
    ("ba,cb", [(2, 3), (3, 4)], "subscript 'b', operand 1"),
    ("...,...->...", [(2, 3), (4, 3)], "an axis under '...', operand 1 of shape"),
    ("ii->ii", [(2, 2)], "output subscript 'i' appears more than once"),
    ("ij,jk->ikk", [(2, 3), (3, 4)], "output subscript 'k' appears more than once"),
    ("ij,jk->iz", [(2, 3), (3, 4)], "output subscript 'z' is in no input's subscripts"),
    ("a->a->a", [(2,)], "'-' and '>' only as the one '->'"),
    ("a-b", [(2,)], "'-' and '>' only as the one '->'"),
    ("a>b", [(2,)], "'-' and '>' only as the one '->'"),
    ("ijk->ij", [(2, 3)], r"subscripts 'ijk' name 3 dims, but operand 0 has shape \(2, 3\)"),
    ("...ij->...ji", [(2,)], "subscripts '...ij' name at least 2 dims, but operand 0"),
    ("ii->i", [(2, 3)], "a letter repeated in an operand"),
    ("ij,jk", [(2, 3)], "names 2 operands, got 1"),
    ("ab..c", [(2, 3, 4)], "a '.' outside the one '...'"),
    ("i1->i", [(2, 2)], "subscript '1'")])
def test_einsum_refuses_what_torch_refuses_in_one_line(spec, shapes, match):
    arrays = [np.ones(s) for s in shapes]
    with pytest.raises(RuntimeError):
        torch.einsum(spec, *map(torch.tensor, arrays))
    with pytest.raises(ValueError, match=match) as e:
        tg.einsum(spec, *map(tg.tensor, arrays))
    assert "\n" not in str(e.value) and str(e.value).startswith("einsum: ")


@pytest.mark.parametrize("name", ["inner", "dot"])
@pytest.mark.parametrize("shapes", [[(2, 3), (4,)], [(3,), (2,)]])
def test_dot_and_inner_name_themselves_when_lengths_differ(name, shapes):
    """Their refusal named einsum and its generated subscripts ('az,z->a')."""
    x, y = (tg.ones(*s) for s in shapes)
    for call in (getattr(tg, name), getattr(np, name), lambda a, b: getattr(a, name)(b)):
        with pytest.raises(ValueError, match=rf"^{name}: shapes \({shapes[0][0]}"):
            call(x, y)


# ---- dtypes: a sum within one bool or integer operand counts in int64 -------------------------

@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.int16, np.int32])
@pytest.mark.parametrize("spec,shape", [("i->", (200,)), ("ij->i", (2, 200)), ("ii->", (3, 3)),
                                        ("ij->j", (200, 2)), ("...i->...", (2, 200)),
                                        ("ij->ji", (2, 3)), ("ii->i", (3, 3))])
def test_a_sum_in_one_bool_or_small_int_operand_is_int64_as_torch(dtype, spec, shape):
    """np.einsum's "i->" of bools was True (not the count) and of int8 wrapped past 127;
    torch's (and sum()'s here) count in int64. Without a sum the dtype stays, as torch's."""
    a = np.ones(shape, dtype)
    want = torch.einsum(spec, torch.tensor(a))
    got = tg.einsum(spec, tg.tensor(a))
    assert got.dtype == want.numpy().dtype and np.array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.complex128])
def test_integer_and_complex_contractions_keep_their_dtype(dtype):
    rng = np.random.default_rng(4)
    a, b = _array(rng, (3, 4), dtype, False), _array(rng, (4, 2), dtype, True)
    want = torch.einsum("ij,jk->ik", torch.tensor(a), torch.tensor(b)).numpy()
    got = tg.einsum("ij,jk->ik", tg.tensor(a), tg.tensor(b))
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


# ---- the siblings --------------------------------------------------------------------------------

def _sibling_cases(rng):
    def sh(k):
        return tuple(int(v) for v in rng.integers(0, 4, k))
    nx, ny = (int(v) for v in rng.integers(0, 4, 2))
    x, y = sh(nx), sh(ny)
    k = int(rng.integers(0, min(nx, ny) + 1))
    yk = x[nx - k:] + y[k:]
    yield (lambda a, b: tg.tensordot(a, b, dims=k), lambda a, b: torch.tensordot(a, b, dims=k),
           [x, yk])
    yield (lambda a, b: np.tensordot(a, b, k), lambda a, b: torch.tensordot(a, b, dims=k),
           [x, yk])
    if nx and ny:
        m = int(rng.integers(0, min(nx, ny) + 1))
        ax, ay = rng.permutation(nx)[:m].tolist(), rng.permutation(ny)[:m].tolist()
        y2 = list(y)
        for i, j in zip(ax, ay):
            y2[j] = x[i]
        ax = [a - nx if rng.random() < .5 else a for a in ax]
        ay = [a - ny if rng.random() < .5 else a for a in ay]
        yield (lambda a, b: tg.tensordot(a, b, dims=(ax, ay)),
               lambda a, b: torch.tensordot(a, b, dims=(ax, ay)), [x, tuple(y2)])
        yield (lambda a, b: np.tensordot(a, b, (ax, ay)),
               lambda a, b: torch.tensordot(a, b, dims=(ax, ay)), [x, tuple(y2)])
        yield tg.inner, torch.inner, [x, sh(ny - 1) + x[-1:]]
        yb = tuple(1 if rng.random() < .3 else s for s in x)
        d = int(rng.integers(-nx, nx))
        if nx > 1 or yb == x:  # (torch's 1-D vecdot refuses a length-1 y: see the docs)
            yield (lambda a, b: tg.linalg.vecdot(a, b, dim=d),
                   lambda a, b: torch.linalg.vecdot(a, b, dim=d), [x, yb])
    yield tg.outer, torch.outer, [sh(1), sh(1)]
    yield tg.kron, torch.kron, [x, y]
    yield lambda a: a.trace(), torch.trace, [sh(2)]
    z = sh(int(rng.integers(2, 5)))
    off = int(rng.integers(-4, 5))
    d1, d2 = rng.choice(np.arange(-len(z), len(z)), 2, replace=False).tolist()
    if (d1 - d2) % len(z):
        yield (lambda a: tg.diagonal(a, off, d1, d2), lambda a: torch.diagonal(a, off, d1, d2),
               [z])
        yield (lambda a: tg.linalg.diagonal(a, offset=off, dim1=d1, dim2=d2),
               lambda a: torch.linalg.diagonal(a, offset=off, dim1=d1, dim2=d2), [z])
        yield (lambda a: np.trace(a, off, d1, d2),
               lambda a: torch.diagonal(a, off, d1, d2).sum(-1), [z])
    e = sh(int(rng.integers(1, 4)))
    n = len(e) + 1
    d1, d2 = rng.choice(np.arange(-n, n), 2, replace=False).tolist()
    if (d1 - d2) % n:
        yield (lambda a: tg.diag_embed(a, off, d1, d2),
               lambda a: torch.diag_embed(a, off, d1, d2), [e])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_siblings_agree_with_torch(dtype):
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    for seed in range(40):
        rng = np.random.default_rng([seed, 7])
        for k, (ours, theirs, shapes) in enumerate(_sibling_cases(rng)):
            arrays = [_array(rng, s, dtype, rng.random() < .3) for s in shapes]
            try:
                _agree(ours, theirs, arrays, rng, rtol)
            except AssertionError as e:
                raise AssertionError(f"seed {seed} case {k}: {shapes}") from e


# ---- the jit -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jit_replays_a_step_using_einsum_bit_for_bit(dtype):
    rng = np.random.default_rng(6)

    def p(*s):
        return t(rng.standard_normal(s).astype(dtype))

    x, W, S, v = p(5, 4), p(4, 3), p(3, 3), p(2, 1, 3)
    B, C = p(60, 70), p(70, 10)  # (42000 products: the matmul path)

    def step():
        h = tg.einsum("ij,jk->ik", x, W).tanh()  # (5, 3)
        d = tg.einsum("ii->i", S) + tg.einsum("...k,...k->...", v, h).sum()
        q = tg.einsum(h, [0, 1], S, [1, 2], [0, 2])
        (tg.einsum("ij,ij->", q, q) + d.sum() + tg.tensordot(h, S, dims=([1], [0])).mean()
         + tg.einsum("i,i->", W[0], W[0]) + tg.inner(h, S).sum() + h[0].dot(W[1])
         + tg.einsum("ij,jk->ik", x.T, h).sum()
         + tg.einsum("ij,jk->ki", B, C).tanh().sum()).backward()

    twin_runs(step, (x, W, S, v, B, C), ())

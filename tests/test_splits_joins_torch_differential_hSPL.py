"""Splits, joins and stacking against torch 2.13 and NumPy (hSPL): seeded random cases of
split (a size, a list of sizes, sizes summing wrong, 0, negative), chunk (fewer pieces than
asked), tensor_split (sections, indices out of order or range, a 0-d or 1-D index tensor),
unbind, hsplit/vsplit/dsplit, split_with_sizes and the unsafe_ spellings, on transposed
inputs too; cat/concat/concatenate (torch's legacy (0,) rule, mixed dtypes, NumPy arrays in
the list), stack and the *stack family. Each compares the pieces (shapes, values), where
torch raises that we raise, and the gradient of a random-weighted sum of some of the pieces
(an unused piece's share of the input's gradient is zero). Then the write guard on a piece
of a saved tensor, a jitted step's pieces bit for bit, and one named regression per bug."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")

SPLITS = {
    "split": lambda t, m, a, d: t.split(a, d),
    "tg.split(dim=)": lambda t, m, a, d: m.split(t, a, dim=d),
    "unsafe_split": lambda t, m, a, d: t.unsafe_split(a, d),
    "split_with_sizes": lambda t, m, a, d: t.split_with_sizes(a, d),
    "chunk": lambda t, m, a, d: t.chunk(a, d),
    "unsafe_chunk": lambda t, m, a, d: t.unsafe_chunk(a, d),
    "tensor_split": lambda t, m, a, d: t.tensor_split(a, d),
    "tg.tensor_split": lambda t, m, a, d: m.tensor_split(t, a, dim=d),
    "unbind": lambda t, m, a, d: t.unbind(d),
    "hsplit": lambda t, m, a, d: t.hsplit(a),
    "vsplit": lambda t, m, a, d: m.vsplit(t, a),
    "dsplit": lambda t, m, a, d: t.dsplit(a),
}


def _outcome(f, *args, **kwargs):
    try:
        return f(*args, **kwargs), None
    except Exception as e:  # noqa: BLE001 (both sides' errors are compared)
        return None, f"{type(e).__name__}: {e}"


def _split_arg(rng, op, n):
    if op in ("chunk", "unsafe_chunk"):
        return int(rng.integers(0, n + 3))
    if op in ("split", "tg.split(dim=)", "unsafe_split", "split_with_sizes"):
        k = rng.integers(0, 4)
        if (k == 0 or op == "unsafe_split") and op != "split_with_sizes":  # (torch's takes
            # an int only)
            return int(rng.integers(-1, n + 3))
        if k in (1, 2):  # sizes summing to n (zeros among them)
            cuts = sorted(rng.integers(0, n + 1, rng.integers(0, 4)).tolist())
            b = [0, *cuts, n]
            return [int(q - p) for p, q in zip(b, b[1:])]
        return [int(v) for v in rng.integers(-1, n + 2, rng.integers(0, 4))]  # (often wrong)
    k = rng.integers(0, 4)
    if k == 0:
        return int(rng.integers(-1, n + 3))
    if k == 1:  # indices out of order, negative, past the end
        return [int(v) for v in rng.integers(-n - 3, n + 4, rng.integers(0, 5))]
    if k == 2:
        return ("0-d", int(rng.integers(1, n + 3)))
    return ("1-D", [int(v) for v in rng.integers(-n - 2, n + 3, rng.integers(1, 4))])


def _arg_for(arg, lib):
    if isinstance(arg, tuple):
        v = np.array(arg[1], dtype=np.int64)
        return tg.tensor(v) if lib is tg else torch.tensor(v)
    return arg


def _compare(case, ours, theirs, ins, tins, rng):
    """Pieces equal (shape, dtype, values), and the gradients of a random-weighted sum of a
    random subset of them; returns 1 where both computed."""
    (a, ea), (b, eb) = ours, theirs
    assert (ea is None) == (eb is None), (case, ea, eb)
    if ea is not None:
        return 0
    a = list(a) if isinstance(a, (list, tuple)) else [a]
    b = list(b) if isinstance(b, (list, tuple)) else [b]
    assert [p.shape for p in a] == [tuple(q.shape) for q in b], case
    for p, q in zip(a, b):
        assert str(p.dtype) == str(q.dtype).replace("torch.", ""), case
        np.testing.assert_array_equal(p.numpy(), q.detach().numpy(), err_msg=str(case))
    used = [(p, q, rng.standard_normal(p.shape)) for p, q in zip(a, b) if rng.random() < 0.7]
    if not used or not any(t.requires_grad for t in tins) or not b[0].requires_grad:
        return 1
    sum(((p * tg.tensor(w)).sum() for p, _, w in used), tg.tensor(0.0)).backward()
    sum(((q * torch.tensor(w)).sum() for _, q, w in used), torch.tensor(0.0,
                                                                  dtype=torch.float64)).backward()
    for x, t in zip(ins, tins):
        if t.requires_grad:
            want = np.zeros(tuple(t.shape)) if t.grad is None else t.grad.numpy()
            assert x.grad is not None, case  # (zero where no piece was used, not missing)
            assert np.asarray(x.grad).shape == want.shape, case
            tol = 1e-12 if want.dtype == np.float64 else 1e-6  # (float32: overlapping pieces'
            np.testing.assert_allclose(np.asarray(x.grad), want, rtol=tol,  # gradients add
                                       atol=0, err_msg=str(case))  # up in one more rounding)
    return 1


@pytest.mark.parametrize("op", sorted(SPLITS))
def test_splits_match_torch_on_random_cases(op):
    fn, compared = SPLITS[op], 0
    for seed in range(120):
        rng = np.random.default_rng([seed, len(op)])
        nd = int(rng.integers(0, 4)) if rng.random() < 0.3 else {"dsplit": 3, "vsplit": 2}.get(
            op, int(rng.integers(1, 4)))
        shape = tuple(int(v) for v in rng.integers(0, 5, nd))
        a = rng.standard_normal(shape)
        if rng.random() < 0.2:
            a = a.astype(np.float32)
        d = int(rng.integers(-nd - 1, nd + 1)) if nd and rng.random() < 0.2 else int(
            rng.integers(-nd, nd)) if nd else 0
        x, t = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        xv, tv = x, t
        if nd >= 2 and rng.random() < 0.3:  # a transposed (non-contiguous) input
            xv, tv = x.swapaxes(0, -1), t.swapaxes(0, -1)
        n = xv.shape[d] if nd and -nd <= d < nd else 3
        arg = _split_arg(rng, op, n)
        case = (op, xv.shape, d, arg)
        ours = _outcome(fn, xv, tg, _arg_for(arg, tg), d)
        theirs = _outcome(fn, tv, torch, _arg_for(arg, torch), d)
        if theirs[1] and ("invalid combination" in theirs[1] or "must be int, not" in theirs[1]):
            continue  # (torch's argument parser refuses what we take: a list to unsafe_split,
            # a 1-D tensor of several indices to hsplit)
        compared += _compare(case, ours, theirs, [x], [t], rng)
    assert compared > 30


JOINS = ("cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack",
         "row_stack")


@pytest.mark.parametrize("op", JOINS)
def test_joins_match_torch_on_random_cases(op):
    """Mixed dtypes join in NumPy's promotion (docs/pytorch.md: an int64 beside a float32 is
    float64 here, float32 in torch): torch's result is cast to ours before comparing."""
    compared = 0
    for seed in range(150):
        rng = np.random.default_rng([seed, len(op), 7])
        nd = int(rng.integers(0, 4))
        base = [int(v) for v in rng.integers(0, 5, nd)]
        dim = int(rng.integers(-nd - 2, nd + 2))
        ours_in, torch_in, leaves, tleaves = [], [], [], []
        for _ in range(int(rng.integers(1, 4))):
            s, r = list(base), rng.random()
            if r < 0.4 and nd and -nd <= dim < nd and op in JOINS[:3]:
                s[dim] = int(rng.integers(0, 4))  # (a different length along dim)
            elif r < 0.5:
                s = [0]  # torch's legacy rule: a (0,) tensor is skipped
            elif r < 0.6:
                s = [int(v) for v in rng.integers(0, 5, rng.integers(0, 4))]
            elif r < 0.7 and nd and op not in JOINS[:4]:
                s[int(rng.integers(0, nd))] = int(rng.integers(0, 4))
            dt = np.float64 if rng.random() < 0.8 else rng.choice([np.float32, np.int64])
            arr = rng.standard_normal(s).astype(dt)
            if rng.random() < 0.2:  # a NumPy array in the list (no gradient)
                ours_in.append(arr)
                torch_in.append(torch.tensor(arr))
                continue
            grad = arr.dtype.kind == "f"
            x, t = tg.tensor(arr, requires_grad=grad), torch.tensor(arr, requires_grad=grad)
            ours_in.append(x)
            torch_in.append(t)
            leaves.append(x)
            tleaves.append(t)
        two = op in ("cat", "concat", "concatenate", "stack")
        ours = _outcome(getattr(tg, op), ours_in, *((dim,) if two else ()))
        theirs = _outcome(getattr(torch, op), torch_in, *((dim,) if two else ()))
        if ours[1] is None and theirs[1] is None:
            theirs = (theirs[0].to(getattr(torch, str(ours[0].dtype))), None)
        compared += _compare((op, [getattr(t, "shape", None) for t in ours_in], dim),
                             ours, theirs, leaves, tleaves, rng)
    assert compared > 40


def test_numpy_spellings_match_numpy_on_random_cases():
    """tg.split (no dim=: np.split), tg.array_split and tg.hsplit / vsplit / dsplit against
    NumPy: sections, index lists and index arrays (a 0-d one counts sections)."""
    compared = 0
    for seed in range(400):
        rng = np.random.default_rng([seed, 11])
        nd = int(rng.integers(1, 4))
        a = rng.standard_normal(tuple(int(v) for v in rng.integers(0, 5, nd)))
        axis = int(rng.integers(-nd - 1, nd + 1))
        n = a.shape[axis] if -nd <= axis < nd else 3
        arg = [int(rng.integers(0, n + 3)),
               [int(v) for v in rng.integers(-n - 3, n + 4, rng.integers(0, 5))],
               np.array(rng.integers(-n - 2, n + 3, rng.integers(0, 4))),
               np.array(int(rng.integers(1, n + 3)))][int(rng.integers(0, 4))]
        op = ["split", "array_split", "hsplit", "vsplit", "dsplit"][int(rng.integers(0, 5))]
        kw = {"axis": axis} if op in ("split", "array_split") else {}
        ours = _outcome(getattr(tg, op), tg.tensor(a), arg, **kw)
        theirs = _outcome(getattr(np, op), a, arg, **kw)
        assert (ours[1] is None) == (theirs[1] is None), (op, a.shape, axis, arg, ours[1],
                                                          theirs[1])
        if ours[1] is None:
            assert [p.shape for p in ours[0]] == [q.shape for q in theirs[0]]
            for p, q in zip(*(ours[0], theirs[0])):
                np.testing.assert_array_equal(p.numpy(), q)
            compared += 1
    assert compared > 200


# ---- views, the write guard, a jitted step ----------------------------------------------------
@pytest.mark.parametrize("op, arg", [("split", (2,)), ("chunk", (2,)), ("unbind", ()),
                                     ("tensor_split", ([1],)), ("hsplit", (2,)),
                                     ("split_with_sizes", ([2, 2],)), ("unsafe_chunk", (2,))])
def test_pieces_are_views_and_a_write_into_a_saved_base_is_refused(op, arg):
    """Without a graph a write into a piece reaches the base (views, as torch's); where a live
    graph saved the base (w * x saves x), the write is refused (torch: its version check at
    backward; its unsafe_ pieces computed w's gradient from the new values)."""
    x, t = tg.tensor(np.arange(4.0)), torch.arange(4.0, dtype=torch.float64)
    getattr(x, op)(*arg)[0].add_(10.0)
    getattr(t, op)(*arg)[0].add_(10.0)
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    w = tg.tensor(np.ones(4), requires_grad=True)
    loss = (w * x).sum()
    with pytest.raises(ValueError, match="read-only, a view of an array a live graph holds"):
        getattr(x, op)(*arg)[-1].add_(1.0)
    loss.backward()
    np.testing.assert_array_equal(np.asarray(w.grad), t.numpy())  # (x as the graph saw it)


def test_a_piece_of_an_op_result_is_never_written_in_place():
    """A piece of an op's result whose array its graph saved (`y * y`) is refused in place,
    in grad mode (torch: its multi-output view error) and under no_grad. (A piece of an
    unsaved result is now written through as CopySlices, where torch refuses split's views:
    docs/pytorch.md; tests/test_inplace_views_torch_hVIEW.py.)"""
    w = tg.tensor(np.arange(4.0), requires_grad=True)
    y = w * 1.0
    a, b = y.split(2)
    loss = (y * y).sum()
    with pytest.raises(RuntimeError, match="live graph"):
        a.mul_(3.0)
    with tg.no_grad(), pytest.raises(RuntimeError, match="live graph saved"):
        b.mul_(3.0)
    loss.backward()
    np.testing.assert_array_equal(np.asarray(w.grad), 2 * np.arange(4.0))


def test_jitted_step_pieces_and_gradients_bit_equal_eager():
    rng = np.random.default_rng(0)
    w = tg.tensor(rng.standard_normal((6, 5)), requires_grad=True)
    v = tg.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    ones2, ones5, empty = np.ones((1, 2)), np.ones((1, 5)), tg.tensor(np.zeros(0))

    def step(a):
        x = w * tg.Tensor(a)
        p1, p2, p3 = x.split([1, 2, 3])
        c, t, u = x.chunk(4, 1), x.tensor_split([1, 4], 0), x.unbind(1)
        out = (tg.hstack([p1, p2.sum(0, keepdims=True), ones2]) ** 2).sum()
        out = out + (tg.stack([u[0], u[3], u[4] * t[2].sum()], 1) * 3).sum()
        out = out + tg.cat([empty, v, p3 * 2, ones5], 0).tanh().sum()
        out = out + tg.dstack([c[2], c[1][:, :1]]).sum() + tg.vstack(list(x.hsplit(5))).sum()
        out = out + tg.column_stack([u[1], u[2]]).sum()
        out.backward()
        return out, [p.detach() for p in (p1, p2, p3, *c, *t, *u)]

    fast = jit(step, strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(4):
            a = rng.standard_normal((6, 5))
            w.grad = v.grad = None
            got, pieces = fast(a)
            got, pieces = got.numpy().copy(), [p.numpy().copy() for p in pieces]
            gw, gv = np.array(w.grad), np.array(v.grad)
            w.grad = v.grad = None
            want, eager = step(a)
            assert got.tobytes() == want.numpy().tobytes()
            assert all(p.tobytes() == q.numpy().tobytes() for p, q in zip(pieces, eager))
            assert gw.tobytes() == np.asarray(w.grad).tobytes()
            assert gv.tobytes() == np.asarray(v.grad).tobytes()
    assert fast.replays >= 2


# ---- named regressions ------------------------------------------------------------------------
def test_split_size_zero_on_an_empty_dim_is_one_empty_piece_as_torch():
    """torch.split(x, 0) of an empty dim is one empty piece (refused here before: "the piece
    size must be positive"); on a non-empty dim both refuse."""
    for ours, theirs in ((tg.zeros((0, 3)).split(0), torch.zeros(0, 3).split(0)),
                         (tg.split(tg.zeros((2, 0)), 0, dim=1), torch.zeros(2, 0).split(0, 1)),
                         (tg.zeros((0,)).unsafe_split(0), torch.zeros(0).unsafe_split(0))):
        assert [p.shape for p in ours] == [tuple(q.shape) for q in theirs]
    with pytest.raises(ValueError, match=r"split: the piece size must be positive .*length 3"):
        tg.zeros((2, 3)).split(0, 1)


def test_split_and_chunk_take_a_0d_integer_tensor_as_torch():
    """x.split(torch.tensor(2)) and x.chunk(torch.tensor(2)) read the 0-d tensor as its int
    (refused before: "iteration over a 0-d tensor", "chunks must be a positive int")."""
    x, t = tg.tensor(np.arange(5.0)), torch.arange(5.0)
    for ours, theirs in ((x.split(tg.tensor(2)), t.split(torch.tensor(2))),
                         (x.split(np.array(2)), t.split(2)),
                         (x.chunk(tg.tensor(2)), t.chunk(torch.tensor(2))),
                         (tg.split(x, tg.tensor(3), dim=0), torch.split(t, torch.tensor(3)))):
        assert [p.shape for p in ours] == [tuple(q.shape) for q in theirs]
    with pytest.raises(TypeError, match="split: the piece size must be an int, got a 0-d"):
        x.split(tg.tensor(2.0))
    with pytest.raises(TypeError, match="split: the split size must be an int or a list"):
        x.split(2.0)  # (was Python's "'float' object is not iterable", no op named)


def test_tensor_split_takes_a_0d_numpy_array_as_sections():
    """torch reads np.array(2) as 2 sections: x.tensor_split refused it ("sections must be an
    int"), tg.tensor_split raised "iteration over a 0-d array"; np.split's too."""
    x, t = tg.tensor(np.arange(5.0)), torch.arange(5.0)
    want = [tuple(q.shape) for q in t.tensor_split(np.array(2))]
    assert [p.shape for p in x.tensor_split(np.array(2))] == want
    assert [p.shape for p in tg.tensor_split(x, np.array(2))] == want
    assert [p.shape for p in tg.split(tg.tensor(np.arange(6.0)), np.array(3))] == [(2,)] * 3


def test_the_split_family_takes_torchs_keyword_names():
    """tensor_split(sections= / indices= / tensor_indices_or_sections=), hsplit / vsplit /
    dsplit(sections= / indices=) and torch.split(tensor=, split_size_or_sections=) were
    refused (TypeError: unexpected keyword); split_size_or_sections= is torch's call (pieces
    of that size along dim 0), not np.split's sections."""
    a = np.arange(24.0).reshape(2, 3, 4)
    x, t = tg.tensor(a), torch.tensor(a)
    pairs = [
        (x.tensor_split(sections=2, dim=2), t.tensor_split(sections=2, dim=2)),
        (x.tensor_split(indices=[1]), t.tensor_split(indices=[1])),
        (tg.tensor_split(x, indices=[1, 2], dim=1), torch.tensor_split(t, indices=[1, 2], dim=1)),
        (x.tensor_split(tensor_indices_or_sections=tg.tensor([1])),
         t.tensor_split(tensor_indices_or_sections=torch.tensor([1]))),
        (x.hsplit(sections=3), t.hsplit(sections=3)),
        (x.vsplit(indices=[1]), t.vsplit(indices=[1])),
        (tg.dsplit(x, sections=2), torch.dsplit(t, sections=2)),
        (tg.split(x, split_size_or_sections=1), torch.split(t, split_size_or_sections=1)),
        (tg.split(tensor=x, split_size_or_sections=[1, 3], dim=2),
         torch.split(tensor=t, split_size_or_sections=[1, 3], dim=2)),
    ]
    for ours, theirs in pairs:
        assert [p.shape for p in ours] == [tuple(q.shape) for q in theirs]
        for p, q in zip(ours, theirs):
            np.testing.assert_array_equal(p.numpy(), q.numpy())
    with pytest.raises(TypeError, match="got both indices_or_sections"):
        tg.split(x, 2, split_size_or_sections=2)


def test_stack_refuses_a_bool_dim_and_cat_names_itself_for_a_non_integer_dim():
    """tg.stack(ts, True) stacked along dim 1 without a word (np.stack's reading; torch
    refuses); cat's and stack's refusals of a float or str dim were NumPy's words."""
    ts = [tg.ones((2, 3)), tg.ones((2, 3))]
    with pytest.raises(TypeError, match="stack: dim must be an int, got True"):
        tg.stack(ts, True)
    with pytest.raises(TypeError, match="stack: dim must be an int, got 1.0"):
        tg.stack(ts, 1.0)
    with pytest.raises(TypeError, match="concatenate: dim must be an int, got '0'"):
        tg.cat(ts, "0")
    assert tg.stack(ts, np.int64(-1)).shape == (2, 3, 2)  # (NumPy ints still count)
    assert tg.cat(ts, dim=np.int32(1)).shape == (2, 6)


def test_row_stack_takes_out_as_torch():
    """torch.row_stack(tensors, out=): refused here (TypeError: unexpected keyword 'out')."""
    a = np.arange(6.0).reshape(2, 3)
    out, tout = tg.zeros((3, 3)), torch.zeros(3, 3, dtype=torch.float64)
    tg.row_stack([tg.tensor(a), tg.tensor(a[0])], out=out)
    torch.row_stack([torch.tensor(a), torch.tensor(a[0])], out=tout)
    np.testing.assert_array_equal(out.numpy(), tout.numpy())


def test_numpys_hsplit_vsplit_dsplit_of_a_tensor_stay_on_the_graph():
    """np.hsplit(t, 3) of a tensor that requires grad was refused ("computed on its values ...
    cut from the graph") while np.split and np.array_split ran tg's; now each runs tg's
    (NumPy's meaning and torch's agree), its pieces Tensors whose gradient flows back."""
    a = np.arange(24.0).reshape(2, 3, 4)
    x, t = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours = [*np.hsplit(x, 3), *np.vsplit(x, [1]), *np.dsplit(x, 2)]
    theirs = [*torch.hsplit(t, 3), *torch.vsplit(t, [1]), *torch.dsplit(t, 2)]
    assert all(isinstance(p, tg.Tensor) for p in ours)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.numpy(), q.detach().numpy())
    (ours[1].sum() + 2 * ours[-2].sum()).backward()
    (theirs[1].sum() + 2 * theirs[-2].sum()).backward()
    np.testing.assert_array_equal(np.asarray(x.grad), t.grad.numpy())

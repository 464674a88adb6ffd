"""Shape and view ops against torch 2.13 (helper hV2): a seeded random subset of the
differential hunt (values, dtypes, gradients on contiguous, transposed and sliced inputs, 0-size
axes and 0-d tensors; and writes into a view reaching the base exactly where torch's do), plus
one regression test per bug the hunt found."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def _shape(r: random.Random, nd: int) -> tuple[int, ...]:
    return tuple(r.choice([0, 1, 2, 3, 4]) for _ in range(nd))


def _ops(r: random.Random, shp: tuple[int, ...]) -> list:
    """(name, fn(module, x)) cases both libraries spell alike, their arguments drawn from r."""
    nd = max(len(shp), 1)
    d, d2 = r.randint(-nd, nd - 1), r.randint(-nd, nd - 1)
    off, c = r.randint(-2, 2), r.randint(1, 4)
    perm = list(range(len(shp)))
    r.shuffle(perm)
    k = r.randint(0, len(shp))
    src, dst = r.sample(range(len(shp)), k), r.sample(range(len(shp)), k)
    sq = tuple(sorted({r.randint(-nd, nd - 1) for _ in range(r.randint(0, 2))}))
    ops = [
        ("reshape(-1)", lambda m, x: x.reshape(-1)),
        ("flatten", lambda m, x: x.flatten(min(d, d2) % nd, max(d, d2) % nd)),
        ("squeeze(dim=)", lambda m, x: x.squeeze(dim=sq)),
        ("unsqueeze", lambda m, x: x.unsqueeze(r2)),
        ("permute", lambda m, x: x.permute(perm)),
        ("movedim", lambda m, x: x.movedim(src, dst)),
        ("swapaxes", lambda m, x: x.swapaxes(d, d2)),
        ("transpose(dim0=, dim1=)", lambda m, x: x.transpose(dim0=d, dim1=d2)),
        ("mT", lambda m, x: x.mT), ("mH", lambda m, x: x.mH), ("T", lambda m, x: x.T),
        ("expand", lambda m, x: x.expand(2, *([-1] * len(shp)))),
        ("tile", lambda m, x: x.tile(reps)),
        ("repeat_interleave", lambda m, x: x.repeat_interleave(c - 1, dim=d if shp else None)),
        ("chunk", lambda m, x: x.chunk(c, d)), ("split", lambda m, x: x.split(c, d)),
        ("tensor_split", lambda m, x: x.tensor_split(c, d)),
        ("unbind", lambda m, x: x.unbind(d)),
        ("narrow", lambda m, x: x.narrow(d, 0, min(1, x.shape[d]))),
        ("diagonal", lambda m, x: x.diagonal(off, d, d2)),
        ("diag_embed", lambda m, x: x.diag_embed(off)),
        ("flip", lambda m, x: x.flip(sq)), ("roll", lambda m, x: x.roll(off, d)),
        ("rot90", lambda m, x: x.rot90(off, [d, d2])),
        ("tril", lambda m, x: x.tril(off)), ("triu", lambda m, x: x.triu(off)),
        ("unfold", lambda m, x: x.unfold(d, min(c, max(len(shp) and x.shape[d], 1)), 1)),
        ("atleast_3d", lambda m, x: m.atleast_3d(x)),
        ("select", lambda m, x: x.select(d, -1)),
    ]
    r2 = r.randint(-nd - 1, nd)
    reps = [r.randint(0, 2) for _ in range(len(shp))]
    return ops


def _build(m, base: np.ndarray, layout: str, grad: bool):
    if layout == "T":  # (a transposed leaf: strides reversed)
        leaf = m.tensor(np.ascontiguousarray(np.swapaxes(base, 0, -1)), requires_grad=grad)
        return leaf, leaf.swapaxes(0, -1)
    if layout == "slice":
        leaf = m.tensor(np.repeat(base, 2, axis=-1), requires_grad=grad)
        return leaf, leaf[..., ::2]
    leaf = m.tensor(base.copy(), requires_grad=grad)
    return leaf, leaf


def _pieces(o) -> list:
    return list(o) if isinstance(o, (list, tuple)) else [o]


def _case(r: random.Random):
    shp = _shape(r, r.randint(0, 4))
    base = np.asarray(np.random.RandomState(r.randint(0, 10**6)).randn(*shp))
    layouts = ["C"] + ["slice"] * bool(shp) + ["T"] * (len(shp) >= 2)
    layout = r.choice(layouts)
    name, fn = r.choice(_ops(r, shp))
    return shp, base, layout, name, fn


@pytest.mark.parametrize("seed", range(4))
def test_values_and_gradients_match_torch(seed: int) -> None:
    r = random.Random(seed)
    compared = 0
    for _ in range(300):
        shp, base, layout, name, fn = _case(r)
        what = f"{name} of shape {shp} ({layout})"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                tl, tx = _build(torch, base, layout, True)
                theirs = _pieces(fn(torch, tx))
            except (RuntimeError, IndexError, ValueError, TypeError):
                with pytest.raises((RuntimeError, IndexError, ValueError, TypeError)):
                    ol, ox = _build(tg, base, layout, True)
                    fn(tg, ox)
                continue
            ol, ox = _build(tg, base, layout, True)
            ours = _pieces(fn(tg, ox))
        assert len(ours) == len(theirs), what
        ws = [np.asarray(np.random.RandomState(i).randn(*t.shape)) for i, t in enumerate(theirs)]
        for o, t in zip(ours, theirs):
            assert o.shape == tuple(t.shape), what
            np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=1e-12, err_msg=what)
        if not theirs:
            continue
        sum((t * torch.tensor(w)).sum() for t, w in zip(theirs, ws)).backward()
        loss = None
        for o, w in zip(ours, ws):
            s = (o * tg.tensor(w)).sum()
            loss = s if loss is None else loss + s
        loss.backward()
        want = np.zeros(base.shape) if tl.grad is None else tl.grad.numpy()
        got = np.zeros(want.shape) if ol.grad is None else np.asarray(ol.grad)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14, err_msg=what)
        compared += 1
    assert compared > 120


# (ops whose results are read-only here, documented in docs/pytorch.md: diagonal() and unfold()
# are copies, expand()'s rows share memory)
_READ_ONLY = ("diagonal", "unfold", "expand")


@pytest.mark.parametrize("seed", range(3))
def test_writes_into_views_reach_the_base_as_torch(seed: int) -> None:
    r = random.Random(100 + seed)
    checked = 0
    for _ in range(300):
        shp, base, layout, name, fn = _case(r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                tl, tx = _build(torch, base, layout, False)
                theirs = _pieces(fn(torch, tx))
            except (RuntimeError, IndexError, ValueError, TypeError):
                continue
            ol, ox = _build(tg, base, layout, False)
            ours = _pieces(fn(tg, ox))
        if not theirs:
            continue
        i = r.randrange(len(theirs))
        how = r.choice(["add_", "setitem", "copy_", "fill_", "mul_"])
        val = np.asarray(np.random.RandomState(5).randn(*theirs[i].shape)) + 10

        def write(m, y, how=how, val=val):
            if how == "add_":
                y.add_(m.tensor(val))
            elif how == "setitem":
                y[...] = m.tensor(val)
            elif how == "copy_":
                y.copy_(m.tensor(val))
            elif how == "fill_":
                y.fill_(7.5)
            else:
                y.mul_(3)
        what = f"{name} of shape {shp} ({layout}), output {i}, {how}"
        try:
            write(torch, theirs[i])
        except RuntimeError:  # torch refuses (an expanded view's shared rows): so must we
            with pytest.raises((RuntimeError, ValueError)):
                write(tg, ours[i])
            continue
        if name in _READ_ONLY:
            try:
                write(tg, ours[i])
            except ValueError as e:
                assert "read-only" in str(e), what
                continue
        else:
            write(tg, ours[i])
        np.testing.assert_array_equal(ol.numpy(), tl.numpy(), err_msg=what)
        for o, t in zip(ours, theirs):  # the other pieces of a split see it as torch's
            np.testing.assert_array_equal(o.numpy(), t.numpy(), err_msg=what)
        checked += 1
    assert checked > 120


# ---- regression tests: one per bug the hunt found ----------------------------------------------
def test_mT_mH_adjoint_of_a_0d_tensor_are_its_conjugate_with_torchs_warning() -> None:
    for name, conj in (("mT", False), ("mH", True), ("adjoint", True), ("H", True)):
        z, tz = tg.tensor(1 + 2j), torch.tensor(1 + 2j)
        with pytest.warns(UserWarning, match="deprecated on 0-D tensors"):
            got = z.adjoint() if name == "adjoint" else getattr(z, name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = tz.adjoint() if name == "adjoint" else getattr(tz, name)
        assert got.shape == () and complex(got.item()) == complex(want.item()) == (
            1 - 2j if conj else 1 + 2j), name
    x = tg.tensor(3.0, requires_grad=True)
    with pytest.warns(UserWarning):
        (x.mT * 2).backward()
    assert x.grad == 2.0


def test_flip_and_movedim_of_a_0d_tensor_take_dims_0_and_minus_1() -> None:
    x = tg.tensor(2.5, requires_grad=True)
    for y in (x.flip(0), x.flip(-1), x.flip((0,)), x.movedim(0, -1), x.movedim([-1], [0]),
              tg.moveaxis(x, 0, 0)):
        assert y.shape == () and y.item() == 2.5
    (x.flip(0) * 3).backward()
    assert x.grad == 3.0
    with pytest.raises(ValueError, match="flip: dims"):
        x.flip((0, -1))  # (torch: "dim 0 appears multiple times")
    with pytest.raises(ValueError, match="out of bounds"):
        x.movedim(0, 1)


def test_movedim_with_a_repeated_dim_is_refused() -> None:
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match="repeated dim in destination"):
        x.movedim((0, 1), (1, 1))  # gave a (2, 3) tensor without a word; torch refuses
    with pytest.raises(ValueError, match="repeated dim in source"):
        tg.moveaxis(x, (0, -2), (0, 1))


def test_squeeze_dim_tuple_naming_one_dim_twice_is_refused() -> None:
    x = tg.tensor(np.ones((1, 3)))
    with pytest.raises(ValueError, match="squeeze: dims"):
        x.squeeze(dim=(0, -2))  # torch: "dim 0 appears multiple times"
    assert x.squeeze(dim=(0, 1)).shape == (3,)
    assert tg.tensor(1.0).squeeze(dim=(0,)).shape == ()


def test_diag_embed_of_a_0d_tensor_is_refused_as_torch() -> None:
    with pytest.raises(IndexError):
        torch.diag_embed(torch.tensor(1.0))
    with pytest.raises(IndexError, match="diag_embed: .*0-d"):
        tg.tensor(1.0).diag_embed()  # gave a (1, 1) matrix
    assert tg.tensor([1.0]).diag_embed().shape == (1, 1)


def test_atleast_nd_take_one_list_of_tensors_as_torch() -> None:
    a, b = tg.tensor(1.0), tg.tensor([1.0, 2.0])
    for fn, tfn in ((tg.atleast_1d, torch.atleast_1d), (tg.atleast_2d, torch.atleast_2d),
                    (tg.atleast_3d, torch.atleast_3d)):
        got, want = fn([a, b]), tfn([torch.tensor(1.0), torch.tensor([1.0, 2.0])])
        assert [g.shape for g in got] == [tuple(w.shape) for w in want]
        assert [g.shape for g in fn((a,))] == [tuple(w.shape) for w in tfn((torch.tensor(1.0),))]
    assert tg.atleast_2d([1.0, 2.0]).shape == (1, 2)  # (a list of numbers: NumPy's one input)


def test_tile_of_an_empty_tensor_is_not_a_view_of_it() -> None:
    c = tg.tensor(np.zeros((0, 2)))
    w = tg.tensor(np.ones((2, 0, 6)), requires_grad=True)
    v = c.tile((2, 1, 3))
    y = (v * w * v).sum()
    c.add_(1.0)  # torch's tile is a copy: its backward runs; ours raised "was replaced"
    y.backward()
    assert w.grad.shape == (2, 0, 6)

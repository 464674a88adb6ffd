"""Second review of the splits/joins/stacking commit (helper hSPLr): the NumPy spellings routed
to ours (np.hsplit/vsplit/dsplit, np.split of a Tensor), torch's keyword names of split,
0-d int Tensor sizes/sections/dims, and the cat/stack dim checks, against torch 2.13 and NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def _shapes(pieces):
    return [tuple(p.shape) for p in pieces]


def _values(pieces):
    return [p.detach().numpy() if hasattr(p, "detach") else np.asarray(p.data) for p in pieces]


# ---- cat/stack's dim: a 0-d int Tensor or array is an int (torch and NumPy read it so) ----------
@pytest.mark.parametrize("fn", ["stack", "concatenate"])
@pytest.mark.parametrize("spell", ["dim", "axis", "pos"])
@pytest.mark.parametrize("d", [np.array(1), np.array(-1, np.int32), np.array(1, np.uint8)])
def test_cat_stack_zero_d_int_dim(fn, spell, d):
    a, b = np.arange(6.).reshape(2, 3), np.arange(6., 12.).reshape(2, 3)
    for dim in (d, tg.Tensor(d)):
        ts = [tg.Tensor(a, requires_grad=True), tg.Tensor(b)]
        f = getattr(tg, fn)
        y = f(ts, dim) if spell == "pos" else f(ts, **{spell: dim})
        ref = getattr(np, fn)([a, b], axis=int(d))
        np.testing.assert_array_equal(y.data, ref)
        (y * tg.Tensor(np.arange(ref.size, dtype=float).reshape(ref.shape))).sum().backward()
        tw = torch.tensor(a, requires_grad=True)
        tf = torch.stack if fn == "stack" else torch.cat
        (tf([tw, torch.tensor(b)], dim=torch.tensor(int(d))) * torch.arange(
            ref.size, dtype=torch.float64).reshape(ref.shape)).sum().backward()
        np.testing.assert_array_equal(ts[0].grad, tw.grad.numpy())


@pytest.mark.parametrize("fn", ["stack", "concatenate"])
def test_cat_stack_zero_d_float_bool_dims_refused(fn):
    ts = [tg.Tensor(np.ones((2, 3))), tg.Tensor(np.ones((2, 3)))]
    for d in (np.array(1.0), tg.Tensor(np.array(True)), np.bool_(True), True, 1.0):
        with pytest.raises(TypeError, match=fn):
            getattr(tg, fn)(ts, dim=d)
    assert getattr(tg, fn)(ts, dim=np.int64(1)).shape == getattr(np, fn)(
        [np.ones((2, 3))] * 2, axis=1).shape


# ---- np.hsplit/vsplit/dsplit of a Tensor: NumPy's meaning, on the graph --------------------------
def test_np_hsplit_of_a_range_of_indices():
    a = np.arange(12.).reshape(3, 4)
    for name, arr in (("hsplit", a), ("vsplit", a.T), ("dsplit", a.reshape(3, 1, 4))):
        got = getattr(np, name)(tg.Tensor(arr), range(1, 3))
        ref = getattr(np, name)(arr, range(1, 3))
        assert _shapes(got) == _shapes(ref)
        for p, q in zip(_values(got), ref):
            np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("seed", range(3))
def test_np_hsplit_vsplit_dsplit_agree_with_numpy_and_torch(seed):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        nd = int(rng.integers(1, 4))
        a = rng.standard_normal(tuple(int(s) for s in rng.integers(0, 6, nd)))
        sec = (int(rng.integers(1, 5)) if rng.random() < .5 else
               [int(v) for v in rng.integers(-7, 9, int(rng.integers(0, 4)))])
        for name in ("hsplit", "vsplit", "dsplit"):
            try:
                ref = getattr(np, name)(a, sec)
            except (ValueError, ZeroDivisionError):
                with pytest.raises(ValueError, match=name):
                    getattr(np, name)(tg.Tensor(a), sec)
                with pytest.raises(Exception):  # noqa: B017 (torch refuses too)
                    getattr(torch, name)(torch.tensor(a), sec)
                continue
            x = tg.Tensor(a, requires_grad=True)
            got = getattr(np, name)(x, sec)
            assert _shapes(got) == _shapes(ref)
            assert _shapes(got) == _shapes(getattr(torch, name)(torch.tensor(a), sec))
            for p, q in zip(_values(got), ref):
                np.testing.assert_array_equal(p, q)
            if got:  # (on the graph: each piece's gradient lands in its place, as torch's)
                tg.concatenate([p.reshape(-1) * (i + 1) for i, p in enumerate(got)]).sum(
                    ).backward()
                tw = torch.tensor(a, requires_grad=True)
                torch.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(
                    getattr(torch, name)(tw, sec))]).sum().backward()
                np.testing.assert_array_equal(x.grad, tw.grad.numpy())


# ---- np.split / tg.split (NumPy's): indices must be ints, a 0-d int Tensor is n sections --------
@pytest.mark.parametrize("call", [
    lambda x: tg.split(x, [1.5]), lambda x: np.split(x, [1.5]),
    lambda x: tg.array_split(x, [2.9]), lambda x: np.array_split(x, np.array([2.9])),
    lambda x: np.split(x, np.array([1.0, 3.0])), lambda x: tg.split(x, ["1"])])
def test_split_float_indices_refused(call):
    x = tg.Tensor(np.arange(6.))
    with pytest.raises(TypeError, match=r"split: .*(must be an int|integer)"):
        call(x)  # (int() cut 1.5 at 1 and 2.9 at 2 without a word; NumPy refuses)


@pytest.mark.parametrize("sec", [np.array(3), np.array(3, np.uint8), np.int64(3)])
def test_split_zero_d_int_tensor_sections_numpy(sec):
    a = np.arange(12.).reshape(6, 2)
    for fn in (tg.split, np.split, tg.array_split, np.array_split):
        for s in (sec, tg.Tensor(np.asarray(sec))):
            got = fn(tg.Tensor(a), s)
            ref = np.split(a, 3)
            assert _shapes(got) == _shapes(ref)
            for p, q in zip(_values(got), ref):
                np.testing.assert_array_equal(p, q)


def test_split_sections_that_are_not_a_sequence_one_line():
    x = tg.Tensor(np.arange(6.))
    for s in (np.bool_(True), 2.0, tg.Tensor(np.array(2.0)), object()):
        with pytest.raises(TypeError, match=r"^split: "):
            np.split(x, s)
    assert _shapes(tg.split(x, True)) == _shapes(np.split(np.arange(6.), True))  # (NumPy's 1)
    assert _shapes(tg.split(x, [True, 3])) == _shapes(np.split(np.arange(6.), [True, 3]))


# ---- torch's keyword names of split: torch's call; the positional form stays NumPy's ------------
@pytest.mark.parametrize("seed", range(3))
def test_split_keywords_against_torch(seed):
    rng = np.random.default_rng(seed)
    for _ in range(40):
        nd = int(rng.integers(1, 4))
        a = rng.standard_normal(tuple(int(s) for s in rng.integers(1, 6, nd)))
        dim = int(rng.integers(-nd, nd))
        n = a.shape[dim]
        size = int(rng.integers(1, n + 2)) if rng.random() < .5 else [
            int(v) for v in rng.multinomial(n, [1 / 3] * 3)]
        t = torch.tensor(a)
        for got, ref in (
                (tg.split(tg.Tensor(a), split_size_or_sections=size, dim=dim),
                 torch.split(t, split_size_or_sections=size, dim=dim)),
                (tg.split(tensor=tg.Tensor(a), split_size_or_sections=size, dim=dim),
                 torch.split(tensor=t, split_size_or_sections=size, dim=dim)),
                (tg.Tensor(a).split(size, dim), t.split(size, dim))):
            assert _shapes(got) == _shapes(ref)
            for p, q in zip(_values(got), ref):
                np.testing.assert_array_equal(p, q.numpy())
    x = tg.Tensor(np.arange(6.))
    assert _shapes(tg.split(x, 3)) == [(2,), (2,), (2,)]  # (np.split's 3 sections)
    assert _shapes(tg.split(x, split_size_or_sections=3)) == [(3,), (3,)]  # (torch's)
    with pytest.raises(TypeError, match="both"):
        tg.split(x, 3, split_size_or_sections=3)

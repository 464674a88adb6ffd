"""x[index] (GetItem) as a seeded random differential against NumPy's indexing rules: values,
shape and dtype, the gradient of a random weighted sum (repeated indices add up), and whether
a later in-place write to the base reaches the result (torch's views: basic indexing and a
0-d integer tensor index), plus named regressions."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.jit import jit


def _int(r, n):
    if r.random() < 0.1:  # one past either end: NumPy's IndexError
        return int(r.integers(-n - 1, n + 1))
    return int(r.integers(-n, n)) if n else 0


def _item(r, n, kind):
    if kind == "int":
        return _int(r, n)
    if kind == "slice":
        ends = [None if r.random() < 0.3 else int(r.integers(-6, 7)) for _ in range(2)]
        step = None if r.random() < 0.4 else int(r.choice([-7, -3, -2, -1, 1, 2, 3, 7]))
        return slice(ends[0], ends[1], step)
    if kind == "arr":  # repeated and negative indices, as a list, int64/int32 Tensor, 0-d, array
        idx = r.integers(-n, n, size=(int(r.integers(0, 4)),)) if n else np.zeros(0, np.int64)
        form = int(r.integers(0, 5))
        if form == 0:
            return idx.tolist()
        if form == 1:
            return tg.tensor(idx.astype(np.int64))
        if form == 2:
            return tg.tensor(idx.astype(np.int32))
        if form == 3 and n:
            return tg.tensor(np.int64(_int(r, n)))
        return idx.astype(np.int64)
    mask = r.random(n) < 0.5
    form = int(r.integers(0, 3))
    return mask.tolist() if form == 0 else tg.tensor(mask) if form == 1 else mask


def _index(r, shape):
    items, axis, ell = [], 0, False
    for _ in range(int(r.integers(0, len(shape) + 2))):
        c = r.random()
        n = shape[axis] if axis < len(shape) else 1
        if c < 0.1:
            items.append(None)
        elif c < 0.17 and not ell:
            items.append(Ellipsis)
            ell = True
        elif c < 0.2:
            items.append(bool(r.random() < 0.5))  # a 0-d True/False mask
        else:
            items.append(_item(r, n, r.choice(["int", "slice", "slice", "arr", "mask"])))
            axis += 1
    if r.random() < 0.1 and len(shape) >= 2:  # a full- or partial-shape mask
        m = r.random(shape[:int(r.integers(1, len(shape) + 1))]) < 0.5
        items = [m if r.random() < 0.5 else tg.tensor(m)]
    return items[0] if len(items) == 1 and r.random() < 0.6 else tuple(items)


def _np(index):
    if isinstance(index, tuple):
        return tuple(_np(i) for i in index)
    return index.numpy() if isinstance(index, tg.Tensor) else index


def _base(r, shape, dt):
    a = r.standard_normal(shape) * 10
    a = a.astype({"f8": np.float64, "f4": np.float32, "i8": np.int64, "b": bool}[dt])
    layout = int(r.integers(0, 3))
    if layout == 1 and a.ndim >= 2:  # transposed
        a = np.swapaxes(np.ascontiguousarray(np.swapaxes(a, 0, -1)), 0, -1)
    if layout == 2 and a.ndim >= 1:  # a negative stride
        a = np.ascontiguousarray(a[::-1])[::-1]
    return a


def _torch_view(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(type(i) in (int, slice, type(None), type(Ellipsis)) or (
        isinstance(i, tg.Tensor) and i.ndim == 0 and i.numpy().dtype.kind in "iu")
        for i in items)


def _case(seed):
    r = np.random.default_rng(seed)
    shape = tuple(int(r.integers(0, 5)) for _ in range(int(r.integers(0, 5))))
    dt = str(r.choice(["f8", "f8", "f4", "i8", "b"]))
    a = _base(r, shape, dt)
    index = _index(r, shape)
    try:
        ref = np.asarray(a[_np(index)])
    except (IndexError, ValueError, TypeError):
        with pytest.raises((IndexError, ValueError, TypeError)):
            tg.tensor(a.copy())[index]
        return "refused"
    grad = dt in ("f8", "f4")
    x = tg.tensor(a.copy(), requires_grad=grad)
    try:
        out = x[index]
    except IndexError as e:  # the documented refusals (docs/pytorch.md): NumPy's layout, and
        # NumPy's 1-D empty mask against a non-empty axis (torch refuses it too)
        assert "advanced axes first" in str(e) or "mask of length 0" in str(e), (seed, index, e)
        return "layout"
    o = out.numpy()
    assert o.shape == ref.shape and o.dtype == ref.dtype, (seed, index, o.shape, ref.shape)
    np.testing.assert_array_equal(o, ref, err_msg=f"seed {seed} {index!r}")
    if grad:
        w = r.standard_normal(ref.shape).astype(a.dtype)
        (out * tg.tensor(w)).sum().backward()
        want = np.zeros(a.size, a.dtype)
        flat = np.asarray(np.arange(a.size).reshape(a.shape)[_np(index)]).ravel()
        np.add.at(want, flat, w.ravel())
        tol = 1e-5 if dt == "f4" else 1e-12
        np.testing.assert_allclose(np.asarray(x.grad), want.reshape(a.shape), rtol=tol, atol=tol,
                                   err_msg=f"seed {seed} {index!r}")
    if dt != "b":  # a later in-place write to the base reaches a view, never a copy
        y = tg.tensor(a.copy())
        picked = y[index]
        with tg.no_grad():
            y.add_(tg.tensor(np.ones_like(a)))
        want = np.asarray((a + 1)[_np(index)]) if _torch_view(index) else ref
        np.testing.assert_array_equal(picked.numpy(), want, err_msg=f"seed {seed} {index!r}")
        # and a write into the result reaches the base exactly where torch's would (a view)
        z = tg.tensor(a.copy())
        z[index].add_(1)
        want = np.array(a)  # (an array, also for a 0-d a)
        if _torch_view(index):
            want[_np(index)] += 1
        np.testing.assert_array_equal(z.numpy(), want, err_msg=f"seed {seed} {index!r}")
    return "ok"


@pytest.mark.parametrize("start", range(0, 1200, 300))
def test_getitem_random_differential_against_numpy(start):
    kinds = [_case(s) for s in range(start, start + 300)]
    assert kinds.count("ok") > 150  # the draw computes most cases


@pytest.mark.parametrize("index", [(slice(None), []), ([],), ([], 0), (slice(None), [[]])])
def test_empty_list_inside_a_tuple_index_has_a_gradient(index):
    # NumPy reads a `[]` item as an empty integer index; its float64 array made np.add.at
    # refuse the backward ("arrays used as indices must be of integer (or boolean) type")
    x = tg.tensor(np.ones((3, 2)), requires_grad=True)
    out = x[index]
    assert out.shape == np.ones((3, 2))[index].shape
    out.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), np.zeros((3, 2)))


@pytest.mark.slow  # (importing torch)
def test_empty_list_inside_a_tuple_index_matches_torch():
    torch = pytest.importorskip("torch")
    xt = torch.ones(3, 2, dtype=torch.float64, requires_grad=True)
    xt[:, []].sum().backward()
    x = tg.tensor(np.ones((3, 2)), requires_grad=True)
    x[:, []].sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), xt.grad.numpy())


def _torch_index(torch, index):
    if isinstance(index, tuple):
        return tuple(_torch_index(torch, i) for i in index)
    if isinstance(index, (tg.Tensor, np.ndarray)):
        return torch.from_numpy(np.array(_np(index)))
    return index


@pytest.mark.slow  # (importing torch)
def test_getitem_random_differential_against_torch():
    # where torch computes, it agrees with us (torch refuses negative steps; our one refusal is
    # the documented layout of advanced indices apart, "advanced axes first")
    torch = pytest.importorskip("torch")
    agree = 0
    for seed in range(600):
        r = np.random.default_rng(seed)
        shape = tuple(int(r.integers(0, 5)) for _ in range(int(r.integers(0, 5))))
        a = np.asarray(_base(r, shape, str(r.choice(["f8", "f8", "f4", "i8", "b"]))))
        index = _index(r, shape)
        try:
            want = torch.from_numpy(a.copy())[_torch_index(torch, index)].numpy()
        except (IndexError, ValueError, RuntimeError, TypeError):
            continue
        try:
            got = tg.tensor(a.copy())[index].numpy()
        except IndexError as e:
            assert "advanced axes first" in str(e), (seed, index, e)
            continue
        assert got.shape == want.shape and got.dtype == want.dtype, (seed, index)
        np.testing.assert_array_equal(got, want, err_msg=f"seed {seed} {index!r}")
        agree += 1
    assert agree > 250


@pytest.mark.parametrize("form", ["rows", "pair", "slice_then_index", "zero_d", "int32_cols"])
def test_jit_replay_of_per_step_indices_is_bit_identical(form):
    # a step indexing a parameter with per-step index tensors: the replay's loss and gradient
    # are eager's, bit for bit
    r = np.random.default_rng(7)
    w0 = r.standard_normal((6, 5))

    def make():
        W = tg.tensor(w0.copy(), requires_grad=True)

        def step(idx, w):
            y = {"rows": lambda: W[idx], "pair": lambda: W[idx, idx],
                 "slice_then_index": lambda: W[1:4, idx], "zero_d": lambda: W[idx],
                 "int32_cols": lambda: W[:, idx]}[form]()
            loss = (y * w).sum()
            loss.backward()
            return loss
        step.W = W
        return step

    eager, traced = make(), make()
    replayed = jit(traced)
    for _ in range(8):
        idx = {"rows": lambda: r.integers(-6, 6, size=4), "pair": lambda: r.integers(-5, 5, 3),
               "slice_then_index": lambda: r.integers(-5, 5, size=(2, 1)),
               "zero_d": lambda: np.int64(r.integers(-6, 6)),
               "int32_cols": lambda: r.integers(-5, 5, size=3).astype(np.int32)}[form]()
        np_index = {"pair": (idx, idx), "slice_then_index": (slice(1, 4), idx),
                    "int32_cols": (slice(None), idx)}.get(form, idx)
        w = tg.tensor(r.standard_normal(np.shape(w0[np_index])))
        idx = tg.tensor(idx)
        eager.W.grad = traced.W.grad = None
        a, b = eager(idx, w).item(), replayed(idx, w).item()
        assert a == b
        np.testing.assert_array_equal(np.asarray(traced.W.grad), np.asarray(eager.W.grad))
    assert replayed.replays >= 6


def test_an_empty_list_in_a_tuple_index_under_anomaly_mode_has_a_gradient():
    """The same under detect_anomaly (the hooks' path of the index conversion: it kept the
    float64 `[]` when the plain path no longer did)."""
    x = tg.tensor(np.ones((3, 2)), requires_grad=True)
    with tg.autograd.detect_anomaly():
        x[:, []].sum().backward()
    assert x.grad.shape == (3, 2) and not np.abs(x.grad).sum()

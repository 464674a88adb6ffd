"""The rearranging ops against torch 2.13 (helper hROLL): roll, flip / fliplr / flipud, rot90,
tile, repeat_interleave, expand / expand_as, broadcast_to / broadcast_tensors /
broadcast_shapes, movedim / moveaxis / swapdims / swapaxes, narrow / narrow_copy and
Tensor.unfold, on seeded random cases (values, dtypes, float64 gradients of a random-weighted
sum, errors), plus the NumPy spellings on a tensor that requires grad, views and write-through,
a jitted step bit-equal to eager, and one named regression per bug found."""

import numpy as np
import pytest
from oracle import strict_replays_match

import tinygrad_dl as tg
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")


def _tol(a):
    return dict(rtol=1e-10, atol=1e-12) if a.dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)


def _agree(a, ours, theirs, rng):
    """ours(x) and theirs(xt) on array a: both raise (ours in one line), or the same values,
    shapes and dtypes, and (float inputs) the same gradient of a random-weighted sum."""
    grad = a.dtype.kind == "f"
    x, xt = tg.Tensor(a.copy(), requires_grad=grad), torch.tensor(a.copy(), requires_grad=grad)
    try:
        want = theirs(xt)
    except Exception:  # noqa: BLE001 - torch refuses: so must we, in one line
        with pytest.raises(Exception) as e:
            ours(x)
        assert "\n" not in str(e.value).strip()
        return
    got = ours(x)
    want = list(want) if isinstance(want, (list, tuple)) else [want]
    got = list(got) if isinstance(got, (list, tuple)) else [got]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert isinstance(g, tg.Tensor)
        w = w.detach().numpy()
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_array_equal(g.data, w)
    if grad and any(w.requires_grad for w in want):
        ws = [rng.standard_normal(w.shape) for w in want]
        sum((w * torch.tensor(c)).sum() for w, c in zip(want, ws)).backward()
        sum((g * tg.Tensor(c)).sum() for g, c in zip(got, ws)).backward()
        np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), **_tol(a))


def _array(rng, nonempty=False):
    shape = tuple(int(rng.integers(1 if nonempty else 0, 4)) for _ in range(rng.integers(0, 5)))
    r = rng.random()
    a = (rng.standard_normal(shape) if r < 0.7 else rng.standard_normal(shape).astype(np.float32)
         if r < 0.85 else rng.integers(-5, 5, shape))
    return a.T if a.ndim >= 2 and rng.random() < 0.3 else a  # (non-contiguous too)


def _dim(rng, nd):
    return int(rng.integers(-nd, nd)) if nd else int(rng.integers(-1, 1))


def _case(rng):  # -> (array, ours, torch's)
    op = rng.choice(["roll", "flip", "rot90", "tile", "ri", "expand", "bto", "movedim", "swap",
                     "narrow", "unfold"])
    if op in ("roll", "ri"):  # (an empty tensor: torch checks no dim and no negative count)
        a = _array(rng, nonempty=True)
    else:
        a = _array(rng)
    nd = a.ndim
    if op == "roll":
        k = rng.integers(0, 3)
        if k == 0:
            sh = int(rng.integers(-10, 10)) * 10 ** int(rng.integers(0, 4))
            return a, lambda x: x.roll(sh), lambda x: x.roll(sh)
        dims = tuple(_dim(rng, nd) for _ in range(rng.integers(1, 3))) if nd else (0,)
        sh = tuple(int(rng.integers(-7, 7)) for _ in dims)
        if k == 2:
            sh, dims = sh[0], dims[0]
        return a, lambda x: tg.roll(x, sh, dims=dims), lambda x: torch.roll(x, sh, dims)
    if op == "flip":
        dims = tuple(_dim(rng, nd) for _ in range(rng.integers(0, 3)))  # (repeats refused)
        return a, lambda x: x.flip(dims), lambda x: x.flip(dims)
    if op == "rot90":
        k, dims = int(rng.integers(-9, 9)), [_dim(rng, nd + 1), _dim(rng, nd + 1)]
        return a, lambda x: tg.rot90(x, k, dims), lambda x: torch.rot90(x, k, dims)
    if op == "tile":
        reps = tuple(int(rng.integers(0, 4)) for _ in range(rng.integers(1, 6)))
        return a, lambda x: x.tile(*reps), lambda x: x.tile(*reps)
    if op == "ri":
        d = None if rng.random() < 0.3 or nd == 0 else _dim(rng, nd)
        n = a.size if d is None else a.shape[d]
        r = [int(rng.integers(-1, 4)), rng.integers(0, 4, n)][int(rng.integers(0, 2))]
        osz = int(np.sum(r) if np.ndim(r) else r * n) if rng.random() < 0.3 else None
        kw = {"dim": d, "output_size": osz}
        rt = torch.tensor(r) if np.ndim(r) else r
        return (a, lambda x: tg.repeat_interleave(x, tg.Tensor(r) if np.ndim(r) else r, **kw),
                lambda x: torch.repeat_interleave(x, rt, **kw))
    if op in ("expand", "bto"):
        new = [int(rng.integers(1, 3)) for _ in range(rng.integers(0 if nd else 1, 3))]
        sz = new + [-1 if rng.random() < 0.3 else s if s != 1 or rng.random() < 0.5
                    else int(rng.integers(0, 4)) for s in a.shape]
        if op == "expand":
            return a, lambda x: x.expand(*sz), lambda x: x.expand(*sz)
        return a, lambda x: tg.broadcast_to(x, sz), lambda x: torch.broadcast_to(x, sz)
    if op == "movedim":
        m = int(rng.integers(0, nd + 1))
        src, dst = [_dim(rng, nd) for _ in range(m)], [_dim(rng, nd) for _ in range(m)]
        return a, lambda x: tg.movedim(x, src, dst), lambda x: torch.movedim(x, src, dst)
    if op == "swap":
        d0, d1 = _dim(rng, nd), _dim(rng, nd)
        return a, lambda x: x.swapdims(d0, d1), lambda x: x.swapdims(d0, d1)
    if op == "narrow":
        d = _dim(rng, nd)
        n = a.shape[d] if nd else 1
        st, ln = int(rng.integers(-n - 1, n + 2)), int(rng.integers(-1, n + 2))
        if rng.random() < 0.5:
            return a, lambda x: x.narrow(d, tg.Tensor(np.array(st)), ln), \
                lambda x: x.narrow(d, torch.tensor(st), ln)
        # (torch's narrow_copy backward ignores a negative start: narrow's gradient is its)
        return a, lambda x: x.narrow_copy(d, st, ln), lambda x: x.narrow(d, st, ln).clone()
    d = _dim(rng, nd)
    n = a.shape[d] if nd else 1
    sz, st = int(rng.integers(-1, n + 2)), int(rng.integers(-1, 5))
    return a, lambda x: x.unfold(d, sz, st), lambda x: x.unfold(d, sz, st)


@pytest.mark.parametrize("seed", range(4))
def test_random_rearranging_cases_agree_with_torch(seed):
    rng = np.random.default_rng(seed)
    for _ in range(150):
        a, ours, theirs = _case(rng)
        _agree(a, ours, theirs, rng)


def test_broadcast_shapes_and_tensors_agree_with_torch():
    rng = np.random.default_rng(7)
    for _ in range(80):
        s1 = tuple(int(rng.integers(0, 4)) for _ in range(rng.integers(0, 4)))
        s2 = [1 if rng.random() < 0.3 else n for n in s1[int(rng.integers(0, len(s1) + 1)):]]
        if rng.random() < 0.1 and s2:
            s2[-1] = 5
        try:
            want = torch.broadcast_shapes(s1, tuple(s2))
        except RuntimeError:
            with pytest.raises(RuntimeError, match="^broadcast_shapes: shapes"):
                tg.broadcast_shapes(s1, tuple(s2))
            continue
        assert tuple(tg.broadcast_shapes(s1, tuple(s2))) == tuple(want)
        b = rng.standard_normal(s2)
        _agree(rng.standard_normal(s1), lambda x, b=b: tg.broadcast_tensors(x, tg.Tensor(b)),
               lambda x, b=b: torch.broadcast_tensors(x, torch.tensor(b)), rng)


_VIEWS = {"expand": lambda x: x[:1].expand(2, 3),
          "broadcast_to": lambda x: x[:1].broadcast_to((2, 3)),
          "expand_as": lambda x: x[:1].expand_as(x), "expand_lead": lambda x: x.expand(1, 2, 3),
          "movedim": lambda x: x.movedim(0, 1), "swapaxes": lambda x: x.swapaxes(0, 1),
          "narrow": lambda x: x.narrow(1, 1, 2), "narrow_copy": lambda x: x.narrow_copy(1, 1, 2),
          "roll": lambda x: x.roll(1, 1), "flip": lambda x: x.flip(1),
          "fliplr": lambda x: x.fliplr(),
          "rot90": lambda x: x.rot90(4), "tile": lambda x: x.tile((1, 1)),
          "repeat_interleave": lambda x: x.repeat_interleave(1, dim=0)}


@pytest.mark.parametrize("name", sorted(_VIEWS))
def test_views_write_through_and_copies_do_not_as_torch(name):
    a = np.arange(6.0).reshape(2, 3)
    xt = torch.tensor(a)
    try:
        _VIEWS[name](xt).add_(100)
    except RuntimeError:  # an expanded view: a write is refused in both
        with pytest.raises(ValueError, match="read-only"):
            _VIEWS[name](tg.Tensor(a)).add_(100)
        return
    x = tg.Tensor(a.copy())
    _VIEWS[name](x).add_(100)
    np.testing.assert_array_equal(x.data, xt.numpy())


_NUMPY_CALLS = [
    (lambda m, x: m.roll(x, 2, axis=1)), (lambda m, x: m.roll(x, -5)),
    (lambda m, x: m.roll(x, (1, 2), axis=(0, 2))), (lambda m, x: m.roll(x, 1, axis=(0, 2))),
    (lambda m, x: m.flip(x, 1)), (lambda m, x: m.fliplr(x)), (lambda m, x: m.flipud(x)),
    (lambda m, x: m.rot90(x, 3, axes=(2, 0))), (lambda m, x: m.rot90(x, -1, (1, 2))),
    (lambda m, x: m.tile(x, (2, 1, 1, 2))), (lambda m, x: m.tile(x, 2)),
    (lambda m, x: m.repeat(x, 2, axis=1)), (lambda m, x: m.repeat(x, [1, 0, 2], axis=1)),
    (lambda m, x: m.moveaxis(x, [0, 1], [2, 0])), (lambda m, x: m.swapaxes(x, 0, 2)),
    (lambda m, x: m.broadcast_to(x, (5, 2, 3, 4)))]


@pytest.mark.parametrize("k", range(len(_NUMPY_CALLS)))
def test_numpy_spellings_on_a_tensor_that_requires_grad_run_on_the_graph(k):
    rng = np.random.default_rng(k)
    a, call = rng.standard_normal((2, 3, 4)), _NUMPY_CALLS[k]
    x = tg.Tensor(a.copy(), requires_grad=True)
    y = call(np, x)
    want = call(np, a)
    assert isinstance(y, tg.Tensor) and y.shape == want.shape
    np.testing.assert_array_equal(y.data, want)
    w = rng.standard_normal(want.shape)
    (y * tg.Tensor(w)).sum().backward()  # the op is linear: its gradient is its transpose
    jac = np.stack([call(np, e.reshape(a.shape)).ravel() for e in np.eye(a.size)])
    np.testing.assert_allclose(x.grad.data.ravel(), jac @ w.ravel(), rtol=1e-12)


def test_np_roll_with_empty_axis_refused_in_one_line():
    # np.roll(a, 1, axis=()) rolls nothing; torch.roll(t, 1, ()) rolls the flattened tensor
    with pytest.raises(ValueError, match=r"^roll: dims \(\).*dims=None") as e:
        np.roll(tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True), 1, axis=())
    assert "\n" not in str(e.value)


def test_jitted_rearranging_step_replays_bit_equal_to_eager():
    rng = np.random.default_rng(0)
    w = tg.Tensor(rng.standard_normal((3, 4)), requires_grad=True)

    def step(x):
        h = tg.Tensor(x) * w
        parts = [h.roll((1, -2), (0, 1)), h.roll(5), h.flip((0, 1)), h.fliplr(), h.flipud(),
                 h.rot90(-3, (1, 0)), h.tile(2, 1, 1), h.repeat_interleave(2, dim=1),
                 h[:1].expand(2, -1, -1), h.broadcast_to((2, 3, -1)), h.movedim(0, 1),
                 h.narrow(1, 1, 2), h.narrow_copy(1, -3, 2), h.unfold(1, 2, 1),
                 h.unfold(0, 1, 5), h.swapdims(0, 1)]
        sum(((p * p).sum() for p in parts), tg.Tensor(0.0)).backward()

    strict_replays_match(step, lambda: rng.standard_normal((3, 4)), w)


# ---- one named regression per bug -------------------------------------------------------
def test_roll_with_dims_empty_tuple_is_torchs_flattened_roll():
    # torch.roll(x, (1,), dims=()) rolls the flattened tensor; ours rolled nothing
    a = np.arange(6.0).reshape(2, 3)
    want = torch.roll(torch.tensor(a), (1,), dims=()).numpy()
    np.testing.assert_array_equal(tg.roll(tg.Tensor(a), (1,), dims=()).data, want)
    np.testing.assert_array_equal(tg.Tensor(a).roll(1, dims=[]).data, want)
    np.testing.assert_array_equal(tg.roll(tg.Tensor(np.array(2.0)), (1,), ()).data, 2.0)


def test_roll_refuses_shifts_and_dims_that_do_not_align():
    # torch refuses; ours rolled dim 0 by 1 + 2 (and the flattened tensor by 3)
    x = tg.Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"^roll: shifts \(1, 2\) and dims 0 must align"):
        x.roll((1, 2), dims=0)
    with pytest.raises(ValueError, match=r"^roll: 2 shifts"):
        x.roll((1, 2))
    with pytest.raises(ValueError, match=r"^roll: shifts \(\) and dims"):
        x.roll((), dims=(0,))


def test_roll_refuses_a_float_or_bool_shift():
    # torch refuses; ours rolled by int(1.5) = 1
    x = tg.Tensor(np.arange(6.0).reshape(2, 3))
    for shift in (1.5, True, [1.0]):
        with pytest.raises(TypeError, match="^roll: shifts must be an int"):
            x.roll(shift, 1)


def test_tile_takes_torchs_varargs():
    # x.tile(2, 1) raised "takes 2 positional arguments but 3 were given"
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(tg.Tensor(a).tile(2, 1).data,
                                  torch.tensor(a).tile(2, 1).numpy())


def test_broadcast_to_minus_one_keeps_that_axis():
    # torch.broadcast_to(x, (2, -1, 3)) keeps the axis; ours raised "must be non-negative"
    a = np.arange(3.0).reshape(1, 3)
    want = torch.broadcast_to(torch.tensor(a), (2, -1, 3)).numpy()
    np.testing.assert_array_equal(tg.broadcast_to(tg.Tensor(a), (2, -1, 3)).data, want)
    with pytest.raises(ValueError):  # (a new leading axis takes no -1, as torch's)
        tg.broadcast_to(tg.Tensor(a), (-1, 1, 3))


def test_repeat_interleave_refuses_negative_repeats_on_an_empty_tensor():
    # torch: "Repeats must be non-negative"; ours returned an empty tensor
    x = tg.Tensor(np.zeros((0, 3)))
    for r, dim in ((-1, None), (np.array(-1), 1), (np.array([1, -1, 0]), 1)):
        with pytest.raises(ValueError, match="repeats must be >= 0"):
            x.repeat_interleave(r, dim=dim)


def test_jitted_tensor_unfold_replays():
    # its window index (made from the shape alone) was refused as per-step data
    w = tg.Tensor(np.arange(5.0), requires_grad=True)

    def step(x):
        (tg.Tensor(x) * w).unfold(0, 2, 1).sum().backward()

    jitted = jit(step, strict=True)
    for i in range(3):
        w.grad = None
        jitted(np.full(5, float(i)))
        np.testing.assert_array_equal(w.grad.data, np.full(5, float(i)) * [1, 2, 2, 2, 1])
    assert jitted.replays == 1


def test_rot90_refuses_other_than_two_dims_naming_itself():
    # one dim raised "not enough values to unpack (expected 2, got 1)"; three named dim 2
    x = tg.Tensor(np.arange(6.0).reshape(2, 3))
    for dims in ((0,), (0, 1, 2), ()):
        with pytest.raises(ValueError, match=r"^rot90: dims must be two dims"):
            x.rot90(1, dims)


def test_swapaxes_takes_torchs_keywords_axis0_axis1():
    # x.swapaxes(axis0=0, axis1=2) raised "got both axis1= and axis0="
    a = np.arange(24.0).reshape(2, 3, 4)
    want = torch.tensor(a).swapaxes(axis0=0, axis1=2).numpy()
    np.testing.assert_array_equal(tg.Tensor(a).swapaxes(axis0=0, axis1=2).data, want)
    np.testing.assert_array_equal(tg.swapaxes(tg.Tensor(a), axis0=0, axis1=2).data, want)
    np.testing.assert_array_equal(np.swapaxes(tg.Tensor(a), 0, 2).data, want)  # NumPy's
    np.testing.assert_array_equal(tg.Tensor(a).swapaxes(axis1=0, axis2=2).data, want)
    with pytest.raises(TypeError, match="^swapaxes"):
        tg.Tensor(a).swapaxes(axis0=0, axis2=2)

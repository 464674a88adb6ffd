"""Writes and views against torch 2.13 (helper hI): `t[i] = v` with every index kind, the
in-place operators and methods, writes through views into their base (and reads of the
base after), and writes between a forward and its backward. Seeded random subsets of the
hunt's drivers, and one named regression test per bug found.

Kept differences (docs/pytorch.md): a write whose source overlaps its target is computed as
if the source were cloned first (torch refuses it); negative slice steps are NumPy's; a real
broadcast view (`x.expand(2, 3)`) and `diagonal()` are read-only; an op's result, and a leaf
that requires grad in grad mode, refuse in-place writes.
"""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def _np(v):
    if isinstance(v, torch.Tensor):
        return v.detach().numpy().copy()
    return np.array(v.numpy() if isinstance(v, tg.Tensor) else v)


def _run(f):
    """(ours, torch's): ('ok', [arrays]) or ('err', message) for f(lib)."""
    out = []
    for lib in (tg, torch):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(("ok", [_np(v) for v in f(lib)]))
        except Exception as e:  # noqa: BLE001 - either library's refusal is compared
            out.append(("err", f"{type(e).__name__}: {e}"))
    return out


def _equal(a, b):
    return len(a) == len(b) and all(
        x.shape == y.shape and (x.dtype == y.dtype or x.dtype.kind == y.dtype.kind == "f")
        and np.allclose(x, y, rtol=1e-12 if x.dtype == np.float64 else 1e-6, atol=0,
                        equal_nan=True) for x, y in zip(a, b))


def _check(f, ours_may_refuse=()):
    """Torch computes: we compute the same (or refuse with one of `ours_may_refuse`'s
    words); torch refuses: we refuse too. Returns the pair."""
    ours, theirs = _run(f)
    if theirs[0] == "ok":
        if ours[0] == "err":
            assert any(w in ours[1] for w in ours_may_refuse), (ours, theirs)
            assert "\n" not in ours[1]
        else:
            assert _equal(ours[1], theirs[1]), (ours, theirs)
    else:
        assert ours[0] == "err", (ours, theirs)
    return ours, theirs


# ---- regression tests: one per bug --------------------------------------------------------
def test_zero_on_a_bool_tensor_hI():
    # was TypeError: Cannot cast scalar from int64 to bool (torch: False everywhere)
    m = tg.tensor([True, False, True])
    assert m.zero_() is m
    assert m.dtype == np.bool_ and not m.numpy().any()


def test_fill_python_int_into_bool_as_setitem_hI():
    # `mask[1] = 1` was taken; `mask.fill_(1)` and fill_diagonal_(1) raised TypeError
    ours, theirs = _check(lambda lib: [lib.tensor([True, False]).fill_(1),
                                       lib.tensor([True, False]).fill_(0),
                                       lib.zeros(2, 2, dtype=lib.bool).fill_diagonal_(1)])
    assert ours[0] == theirs[0] == "ok"


def test_add_sub_alpha_scaled_in_the_result_dtype_hI():
    # alpha * other was scaled in other's float32: x.add_(y32, alpha=0.1) was 5.6e-10 off
    y = np.array([0.1, 1 / 3, 2.7], np.float32)
    for name, alpha in (("add_", 0.1), ("sub_", 3), ("add_", -1.7)):
        ours = getattr(tg.tensor([1.0, 2.0, 3.0]), name)(tg.tensor(y), alpha=alpha)
        theirs = getattr(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), name)(
            torch.tensor(y), alpha=alpha)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15, atol=0)


def test_alpha_given_as_a_tensor_named_in_one_line_hI():
    # was "operand 'Tensor' does not support ufuncs (__array_ufunc__=None)"
    x = tg.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=r"Tensor\.add_\(alpha=\.\.\.\): alpha must be a number"):
        x.add_(x, alpha=tg.tensor(2.0))


def test_addcmul_of_integer_tensors_stays_integer_hI():
    # x.addcmul(t1, t2) of int64 tensors was float64, so addcmul_ refused
    ours, theirs = _check(lambda lib: [
        lib.tensor([1, 2, 3]).addcmul(lib.tensor([1, 2, 3]), lib.tensor([3, 4, 5])),
        lib.tensor([1, 2, 3]).addcmul_(lib.tensor([1, 2, 3]), lib.tensor([3, 4, 5]), value=2),
        lib.tensor([1, 2, 3]).addcmul_(lib.tensor([1, 2, 3]), lib.tensor([3, 4, 5]), value=-2.0)])
    assert ours[0] == "ok" and ours[1][0].dtype == np.int64
    with pytest.raises(TypeError, match="addcmul: value=0.5 with integer"):  # torch: 0.5 -> 0
        tg.tensor([3]).addcmul_(tg.tensor([3]), tg.tensor([5]), value=0.5)


def test_setitem_value_with_leading_ones_hI():
    # torch drops a value's leading 1s; NumPy refused them for a mask's or a 0-d target
    x = np.arange(12.0).reshape(3, 4)
    ours, theirs = _check(lambda lib: [
        (lambda t: (t.__setitem__(t > 5, lib.tensor(np.arange(6.0)[None]) * -1), t)[1])(
            lib.tensor(x)),
        (lambda t: (t.__setitem__((), lib.tensor([[7.0]])), t)[1])(lib.tensor(3.0)),
        (lambda t: (t.__setitem__(lib.tensor([True, False, True]),
                                  lib.tensor(np.ones((1, 1, 4)))), t)[1])(lib.tensor(x))])
    assert ours[0] == "ok"


def test_scatter_writes_of_nothing_keep_a_bool_dtype_hI():
    # with nothing to write, masked_scatter / index_copy / slice_scatter / diagonal_scatter
    # returned x * 1, int64 for a bool x (so their in-place forms refused)
    ours, theirs = _check(lambda lib: [
        lib.tensor([True, False]).masked_scatter_(lib.tensor([False, False]),
                                                  lib.tensor([True])),
        lib.tensor([[True], [False]]).index_copy_(0, lib.tensor(np.zeros(0, np.int64)),
                                                  lib.zeros(0, 1, dtype=lib.bool)),
        lib.zeros(2, 2, dtype=lib.bool).diagonal_scatter(lib.zeros(0, dtype=lib.bool), 3),
        lib.zeros(2, dtype=lib.bool).slice_scatter(lib.zeros(0, dtype=lib.bool), 0, 2)])
    assert ours[0] == "ok" and all(a.dtype == np.bool_ for a in ours[1])


def test_expand_adding_only_leading_ones_is_a_writable_view_hI():
    # was read-only (a write raised); torch writes through to x
    def f(lib):
        x = lib.tensor([1.0, 2.0, 3.0])
        e, same = x.expand(1, 3), x.expand_as(x)
        e[0, 0] = 7.0
        same.mul_(2.0)
        return [x, e, same]
    ours, _ = _check(f)
    assert ours[0] == "ok"
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (w.expand(1, 3) * tg.tensor([[1.0, 2.0, 3.0]])).sum().backward()
    np.testing.assert_array_equal(w.grad, [1.0, 2.0, 3.0])


def test_write_into_a_broadcast_view_names_expand_hI():
    e = tg.tensor([1.0, 2.0, 3.0]).expand(2, 3)
    with pytest.raises(ValueError, match=r"expand\(\)'s or broadcast_to\(\)'s"):
        e[0, 0] = 7.0


def test_fill_past_float32_range_refused_hI():
    # NumPy's cast gave inf without a word; torch: "value cannot be converted ... overflow"
    for f in (lambda lib: lib.ones(2, dtype=lib.float32).fill_(1e300),
              lambda lib: lib.ones(2, dtype=lib.float16).fill_(100000),
              lambda lib: lib.ones(2, dtype=lib.float32).__setitem__(0, -1e300),
              lambda lib: lib.zeros(2, 2, dtype=lib.float32).fill_diagonal_(1e300)):
        ours, theirs = _run(lambda lib, f=f: [f(lib)])
        assert ours[0] == theirs[0] == "err"
        assert "does not fit the tensor's dtype" in ours[1]
    x = tg.ones(2, dtype=np.float32)
    x[0], x[1] = np.inf, 3.4e38  # (inf itself, and the largest finite range, are taken)
    assert x.numpy()[0] == np.inf


def test_scatter_value_given_as_a_0d_tensor_hI():
    # value=tg.tensor(5.0) was taken as src and refused ("must have the same number of dims")
    idx = np.array([[0], [3], [1]])
    ours, theirs = _check(lambda lib: [
        lib.tensor(np.arange(12.0).reshape(3, 4)).scatter_(1, lib.tensor(idx),
                                                           value=lib.tensor(5.0).double()),
        lib.tensor([1, 2, 3]).scatter(0, lib.tensor([0]), value=lib.tensor(2.7))])
    assert ours[0] == "ok"
    w = tg.tensor(5.0, requires_grad=True)  # (torch refuses one that requires grad; its
    tg.zeros(3, 4).scatter(1, idx, value=w).sum().backward()  # gradient is kept here)
    assert w.grad == 3.0


def test_copy_takes_non_blocking_hI():
    # was TypeError: unexpected keyword argument 'non_blocking' (torch's GPU habit)
    ours, theirs = _check(lambda lib: [lib.zeros(2).copy_(lib.ones(2), non_blocking=True)])
    assert ours[0] == "ok"


# ---- the drivers, seeded --------------------------------------------------------------------
def _shape(rng, lo=0):
    return tuple(int(rng.integers(1, 5)) if rng.random() > 0.1 else int(rng.integers(0, 2))
                 for _ in range(int(rng.integers(lo, 4))))


def _index(rng, shape):
    """A random index spec of every kind torch takes: ints, slices (steps > 0), None, ...,
    0-d tensors, int tensors and lists with repeats, bool masks of partial rank."""
    items, ax, ell = [], 0, False
    for _ in range(int(rng.integers(1, len(shape) + 2))):
        r = rng.random()
        if r < 0.08:
            items.append(("is", None))
            continue
        if r < 0.14 and not ell:
            ell, ax = True, len(shape)
            items.append(("is", Ellipsis))
            continue
        if ax >= len(shape):
            break
        n, r = shape[ax], rng.random()
        if r < 0.2 and n:
            items.append(("is", int(rng.integers(-n, n))))
        elif r < 0.45:
            a, b = (int(v) for v in rng.integers(-n - 1, n + 2, 2))
            items.append(("is", slice(a, b, int(rng.integers(1, 4)))))
        elif r < 0.55 and n:
            items.append(("t", np.array(int(rng.integers(-n, n)))))
        elif r < 0.75 and n:
            v = [int(i) for i in rng.integers(-n, n, int(rng.integers(0, 4)))]
            items.append(("t", np.array(v + v[:1], np.int64)) if rng.random() < 0.5
                         else ("is", v + v[:1]))
        elif r < 0.9:
            k = int(rng.integers(1, len(shape) - ax + 1))
            items.append(("t", rng.random(shape[ax:ax + k]) < 0.5))
            ax += k
            continue
        else:
            items.append(("is", slice(None)))
        ax += 1
    return items


def _made(spec, lib):
    idx = tuple(lib.tensor(v) if k == "t" else v for k, v in spec)
    return idx[0] if len(idx) == 1 else idx


@pytest.mark.parametrize("seed", range(4))
def test_setitem_every_index_kind_hI(seed):
    """x[index] = value (a number, a 0-d tensor, a broadcasting tensor, with leading 1s now
    and then) into x or a transposed view of a base, x and the base compared after; repeated
    positions write the last value in both. Ours may refuse the layouts NumPy and torch read
    differently (docs/pytorch.md)."""
    for case in range(250):
        rng = np.random.default_rng([seed, case])
        arr = np.round(rng.standard_normal(_shape(rng)), 3)
        transposed = arr.ndim >= 2 and rng.random() < 0.3
        shape = arr.shape  # (x's: the base holds arr.T when transposed)
        spec = _index(rng, shape)
        try:
            target = list(torch.zeros(shape)[_made(spec, torch)].shape)
        except (IndexError, RuntimeError):
            target = []
        kind = rng.random()
        if kind < 0.3:
            value = float(np.round(rng.standard_normal(), 3))
        elif kind < 0.4:
            value = np.array(np.round(rng.standard_normal(), 3))
        else:
            vs = [1 if rng.random() < 0.25 else n
                  for n in target[int(rng.integers(0, len(target) + 1)):]]
            value = np.round(rng.standard_normal([1] * (rng.random() < 0.1) + vs), 3)

        def f(lib, arr=arr, transposed=transposed, spec=spec, value=value):
            base = lib.tensor(arr.T.copy() if transposed else arr.copy())
            x = base.permute(*reversed(range(base.ndim))) if transposed else base
            x[_made(spec, lib)] = value if type(value) is float else lib.tensor(value)
            return [x, base]
        _check(f, ours_may_refuse=("NumPy puts this index's advanced axes first",))


_BINARY = ["add_", "sub_", "mul_", "div_", "pow_", "atan2_", "hypot_", "fmod_", "remainder_",
           "copysign_", "clamp_min_", "clamp_max_", "copy_", "lerp_", "eq_", "lt_"]
_TENSOR_OPERAND = ("atan2_", "hypot_", "copy_", "lerp_")  # (torch takes no number there)
_UNARY = ["abs_", "neg_", "exp_", "sqrt_", "relu_", "sigmoid_", "tanh_", "sin_", "log1p_",
          "floor_", "reciprocal_", "zero_", "square_", "expm1_", "erf_", "trunc_", "frac_"]


def _call(rng, name, shape, lib):
    """(args, kwargs) for x.<name>(...) of a float64 x of `shape`: a number, a 0-d tensor or a
    tensor broadcasting to x (now and then one that would grow x)."""
    def other():
        r = rng.random()
        if r < 0.3 and name not in _TENSOR_OPERAND:
            return float(rng.choice([0.0, -1.0, 0.5, 2.0, -3.5, np.inf, np.nan]))
        k = int(rng.integers(0, len(shape) + 1))
        s = [1 if rng.random() < 0.3 else n for n in shape[len(shape) - k:]]
        s = [2] + s if rng.random() < 0.05 else s
        return lib.tensor(np.round(rng.standard_normal(() if r < 0.45 else s) * 2, 3))
    if name in _UNARY:
        return [], {}
    if name in ("clamp_", "clip_"):
        return [], {"min": float(rng.uniform(-2, 0)), "max": float(rng.uniform(0, 2))}
    if name == "lerp_":
        return [other(), float(rng.choice([0.25, 1.5]))], {}
    if name == "masked_fill_":
        return [lib.tensor(rng.random(shape) < 0.5), float(rng.standard_normal())], {}
    if name in ("index_add_", "index_fill_"):
        if not shape or not shape[0]:
            return None
        i = rng.integers(0, shape[0], int(rng.integers(0, 4)))
        if name == "index_fill_":
            return [0, lib.tensor(i), float(rng.standard_normal())], {}
        return [0, lib.tensor(i), lib.tensor(rng.standard_normal((len(i),) + shape[1:]))], {
            "alpha": float(rng.choice([1.0, -0.5]))}
    if name in ("scatter_", "scatter_add_"):
        if not shape or not shape[0]:
            return None
        ind = rng.integers(0, shape[0], (int(rng.integers(0, shape[0] + 1)),) + shape[1:])
        src = lib.tensor(rng.standard_normal(ind.shape))
        return [0, lib.tensor(ind), src], {}
    kw = {"alpha": float(rng.choice([2.0, -0.5]))} if name in ("add_", "sub_") and \
        rng.random() < 0.4 else {}
    return [other()], kw


@pytest.mark.parametrize("seed", range(3))
def test_inplace_methods_hI(seed):
    """x.<op>_(...) on x or a transposed or strided view of a base: the values of x and of the
    base after, the same object returned, and errors where torch has one (an operand that would
    grow x, an overlapping scatter)."""
    names = _BINARY + _UNARY + ["clamp_", "clip_", "masked_fill_", "index_add_",
                                "index_fill_", "scatter_", "scatter_add_"]
    for case in range(300):
        rng = np.random.default_rng([seed, 1, case])
        name = str(rng.choice(names))
        arr = np.round(rng.standard_normal(_shape(rng)) * 2, 3)
        view, cseed = str(rng.choice(["", "T", "step"])), int(rng.integers(2**31))
        if name == "scatter_":  # (one write per position: torch leaves repeats undefined)
            view = ""

        def f(lib, arr=arr, view=view, cseed=cseed, name=name):
            if view == "T" and arr.ndim:
                base = lib.tensor(arr.T.copy())
                x = base.permute(*reversed(range(arr.ndim)))
            elif view == "step" and arr.ndim:
                base = lib.tensor(np.repeat(arr, 2, axis=-1))
                x = base[..., ::2]
            else:
                base = x = lib.tensor(arr.copy())
            call = _call(np.random.default_rng(cseed), name, arr.shape, lib)
            if call is None:
                return [x]
            args, kw = call
            if name == "scatter_" and args[1].numel():  # (dim 0: (index, the other places))
                ind = _np(args[1])
                keys = [(int(ind[i]),) + i[1:] for i in np.ndindex(ind.shape)]
                if len(set(keys)) != len(keys):
                    return [x]
            out = getattr(x, name)(*args, **kw)
            assert out is x
            return [x, base]
        _check(f)


def _views(rng, shape):
    ops = []
    for _ in range(int(rng.integers(1, 4))):
        nd = len(shape)
        c = str(rng.choice(["slice", "int", "T", "unsqueeze", "narrow", "select", "reshape",
                            "flatten", "detach", "expand1", "movedim", "unbind", "chunk"]))
        if c in ("int", "select", "unbind", "narrow", "slice", "chunk") and (
                not nd or not shape[0]):
            continue
        if c in ("T", "movedim") and nd < 2 or c in ("reshape", "flatten") and not nd:
            continue
        if c == "slice":
            a = int(rng.integers(0, shape[0]))
            ops.append(("slice", a, int(rng.integers(1, 3))))
            shape = (len(range(a, shape[0], ops[-1][2])),) + shape[1:]
        elif c in ("int", "unbind", "select"):
            ops.append((c, int(rng.integers(0, shape[0]))))
            shape = shape[1:]
        elif c == "narrow":
            a = int(rng.integers(0, shape[0]))
            ops.append(("narrow", a, shape[0] - a))
            shape = (shape[0] - a,) + shape[1:]
        elif c == "chunk":
            ops.append(("chunk",))
            shape = (-(-shape[0] // 2),) + shape[1:]
        elif c == "T":
            ops.append(("T",))
            shape = shape[::-1]
        elif c == "movedim":
            ops.append(("movedim",))
            shape = shape[1:] + shape[:1]
        elif c in ("unsqueeze", "expand1"):
            ops.append((c,))
            shape = (1,) + shape
        elif c in ("reshape", "flatten"):
            ops.append((c,))
            shape = (int(np.prod(shape)),)
        else:
            ops.append((c,))
    return ops


def _apply(x, op):
    k = op[0]
    if k == "slice":
        return x[op[1]::op[2]]
    if k == "int":
        return x[op[1]]
    if k == "select":
        return x.select(0, op[1])
    if k == "unbind":
        return x.unbind(0)[op[1]]
    if k == "narrow":
        return x.narrow(0, op[1], op[2])
    if k == "chunk":
        return x.chunk(2, 0)[0]
    if k == "T":
        return x.permute(*reversed(range(x.ndim)))
    if k == "movedim":
        return x.movedim(0, -1)
    if k == "unsqueeze":
        return x.unsqueeze(0)
    if k == "expand1":
        return x.expand(1, *x.shape)
    if k == "reshape":
        return x.reshape(-1)
    if k == "flatten":
        return x.flatten()
    return x.detach()


_WRITES = ("add_", "mul_", "fill_", "zero_", "set0", "setall", "setmask", "copy_", "clamp_",
           "neg_", "masked_fill_", "iadd", "base")


@pytest.mark.parametrize("seed", range(3))
def test_writes_through_views_reach_the_base_hI(seed):
    """A chain of views (slices, ints, select, unbind, narrow, chunk, permute, movedim,
    unsqueeze, expand of leading 1s, reshape, flatten, detach), then a write into the last or
    into the base: every tensor of the chain read after it, as torch's."""
    for case in range(300):
        rng = np.random.default_rng([seed, 2, case])
        arr = np.round(rng.standard_normal(_shape(rng, 1)), 3)
        ops, w, v = _views(rng, arr.shape), str(rng.choice(_WRITES)), float(rng.normal())

        def f(lib, arr=arr, ops=ops, w=w, v=v):
            chain = [lib.tensor(arr.copy())]
            for op in ops:
                chain.append(_apply(chain[-1], op))
            t = chain[-1]
            if w in ("add_", "mul_", "fill_", "masked_fill_"):
                getattr(t, w)(*((t < 0,) if w == "masked_fill_" else ()), v)
            elif w in ("zero_", "neg_"):
                getattr(t, w)()
            elif w == "set0":
                t[(0,) if t.ndim and t.shape[0] else ...] = v
            elif w == "setall":
                t[...] = v
            elif w == "setmask":
                t[t > 0] = v
            elif w == "copy_":
                t.copy_(lib.tensor(np.arange(float(t.numel())).reshape(t.shape)))
            elif w == "clamp_":
                t.clamp_(-0.5, 0.5)
            elif w == "iadd":
                t += t.clone() * 2
            else:
                chain[0].mul_(-2.0)
            return chain
        _check(f)


_FORWARDS = {
    "mul": lambda w, c: w * c, "div": lambda w, c: c / (w * w + 1),
    "tanh": lambda w, c: w.tanh() * c, "pow": lambda w, c: w ** 2 * c,
    "view": lambda w, c: w[1:] * c.unsqueeze(0)[0, 1:],
    "expand": lambda w, c: w * c.expand(1, -1)[0],
    "matmul": lambda w, c: w.reshape(1, -1) @ c.reshape(-1, 1),
}


def _mutate(m, w, c, cview, lib):
    if m == "c_iadd":
        c += 1.0
    elif m == "cview_set":
        cview[0] = 3.0
    elif m == "c_setitem":
        c[0] = 4.0
    elif m == "c_copy_":
        c.copy_(c.clone().flip(0))
    elif m == "c_clamp_":
        c.clamp_(-0.1, 0.1)
    elif m == "c_detach_set":
        c.detach()[0] = 3.0
    elif m == "c_reshape_set":
        c.reshape(-1)[0] = 3.0
    elif m == "w_nograd_iadd":
        with lib.no_grad():
            w += 1.0
    elif m == "w_nograd_view_set":
        with lib.no_grad():
            w[0] = 5.0
    elif m == "w_detach_set":
        w.detach()[0] = 5.0


@pytest.mark.parametrize("seed", range(2))
def test_writes_between_forward_and_backward_never_silently_wrong_hI(seed):
    """A constant or a parameter written (directly, through a view, under no_grad, through
    detach()) after a forward that saved it: torch raises at backward (its version counter),
    or computes where nothing saved was written; ours raises (at the write or at backward) or
    gives the gradient of the values the forward used, never another one."""
    muts = ("none", "c_iadd", "cview_set", "c_setitem", "c_copy_", "c_clamp_",
            "c_detach_set", "c_reshape_set", "w_nograd_iadd", "w_nograd_view_set",
            "w_detach_set")
    for case in range(300):
        rng = np.random.default_rng([seed, 3, case])
        n = int(rng.integers(2, 5))
        wv, cv, g = (np.round(rng.standard_normal(n), 3) for _ in range(3))
        name, mut = str(rng.choice(list(_FORWARDS))), str(rng.choice(muts))
        pre = bool(rng.random() < 0.3)  # a parameter update under no_grad before the forward

        def f(lib, mut=mut, wv=wv, cv=cv, g=g, name=name, pre=pre):
            w, c = lib.tensor(wv.copy(), requires_grad=True), lib.tensor(cv.copy())
            cview = c[1:]
            if pre:
                with lib.no_grad():
                    w -= 0.5 * w
            y = _FORWARDS[name](w, c).reshape(-1)
            loss = (y * lib.tensor(g[:y.numel()])).sum()
            _mutate(mut, w, c, cview, lib)
            loss.backward()
            return [w.grad, w, c]
        ours, theirs = _run(f)
        if ours[0] == "err":
            continue
        if theirs[0] == "ok":
            assert _equal(ours[1], theirs[1]), (name, mut, ours, theirs)
        else:  # torch refused: ours must be the gradient of the forward's values
            right = _run(lambda lib, f=f: f(lib, "none"))[1]
            assert _equal(ours[1][:1], right[1][:1]), (name, mut, ours, right)


def test_overlapping_writes_are_computed_as_if_cloned_hI():
    """A write whose source overlaps its target: ours is the same write from a clone of the
    source (docs/pytorch.md); torch refuses it, or for a broadcast source (x[:, :1]) gives
    values that depend on its loop order (row 1 multiplied by the already squared x[1, 0])."""
    a = np.arange(9.0).reshape(3, 3)
    writes = {
        "x[1:] = x[:-1]": lambda x, c: x.__setitem__(slice(1, None), c(x[:-1])),
        "x[1:] += x[:-1]": lambda x, c: x[1:].__iadd__(c(x[:-1])),
        "x += x.T": lambda x, c: x.__iadd__(c(x.T)),
        "x.copy_(x.T)": lambda x, c: x.copy_(c(x.T)),
        "x.mul_(x[:, :1])": lambda x, c: x.mul_(c(x[:, :1])),
        "x.index_copy_": lambda x, c: x.index_copy_(0, type(x)([2, 0]).long(), c(x[:2])),
    }
    for name, write in writes.items():
        x, y = tg.tensor(a.copy()), tg.tensor(a.copy())
        write(x, lambda v: v)
        write(y, lambda v: v.clone())
        np.testing.assert_array_equal(x.numpy(), y.numpy(), err_msg=name)
        t = torch.tensor(a.copy())
        try:
            write(t, lambda v: v)
        except RuntimeError as e:
            assert "single memory location" in str(e), name
        else:
            assert name == "x.mul_(x[:, :1])" and t[1, 1] == 36.0  # torch's: 4 * 9, not 4 * 3


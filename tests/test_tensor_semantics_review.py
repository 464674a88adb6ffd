"""The Tensor's everyday semantics against torch 2.13, where a habit could give a wrong number
without a word: writes through 0-d views (`x[0, 1].add_(1)`, `x[i]` for a 0-d integer tensor
`i`), the mask operators `&`, `|`, `^`, `~`, an integer remainder by zero, and unfold's windows
(a copy here: read-only, as diagonal()'s)."""
import itertools
import operator

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def _both(fn):
    """fn(lib) for torch and for this library, as nested lists."""
    return fn(torch), fn(tg)


# ---- writes through a 0-d view change the base, as torch's -------------------------------------
_ZERO_D = {
    "x[0, 1]": lambda x, lib: x[0, 1],
    "x[0][1]": lambda x, lib: x[0][1],
    "x[-1, -1]": lambda x, lib: x[-1, -1],
    "x[np.int64(1), 0]": lambda x, lib: x[np.int64(1), 0],
    "x[tensor(1)]": lambda x, lib: x[lib.tensor(1)],
    "x[tensor(1), tensor(2)]": lambda x, lib: x[lib.tensor(1), lib.tensor(2)],
    "x[0, tensor(-1)]": lambda x, lib: x[0, lib.tensor(-1)],
    "x[tensor(1)][0]": lambda x, lib: x[lib.tensor(1)][0],
    "select(1, 2) then [0]": lambda x, lib: x.select(1, 2)[0],
    "unbind(0)[1][2]": lambda x, lib: x.unbind(0)[1][2],
}
_WRITES = {
    "add_": lambda v: v.add_(10),
    "mul_": lambda v: v.mul_(3),
    "zero_": lambda v: v.zero_(),
    "fill_": lambda v: v.fill_(7),
    "copy_": lambda v: v.copy_(v * 0 + 5),
    "clamp_": lambda v: v.clamp_(max=0.5),
    "exp_": lambda v: v.exp_(),
    "iadd": lambda v: v.__iadd__(1),
}


@pytest.mark.parametrize("view,write", list(itertools.product(_ZERO_D, _WRITES)))
def test_write_through_0d_view_reaches_base(view, write):
    def run(lib):
        x = lib.tensor(np.arange(6.0).reshape(2, 3))
        _WRITES[write](_ZERO_D[view](x, lib))
        return x.tolist()
    want, got = _both(run)
    assert got == want


def test_iterating_a_vector_gives_views():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0])
        for v in x:
            v.mul_(2)
        return x.tolist()
    want, got = _both(run)
    assert got == want == [2.0, 4.0, 6.0]


def test_0d_view_under_no_grad_updates_parameter_and_gradients_unchanged():
    def run(lib):
        w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        with lib.no_grad():
            w[0, 1].add_(1)
            w[lib.tensor(1)].mul_(2)
        (w[lib.tensor(1), lib.tensor(0)] * 5 + w[0, 1] * w[1]).sum().backward()
        g = w.grad
        return w.tolist(), np.asarray(g if isinstance(g, np.ndarray) else g.numpy()).tolist()
    want, got = _both(run)
    assert got == want


def test_0d_view_of_a_leaf_refused_in_grad_mode():
    w = tg.tensor([[1.0, 2.0]], requires_grad=True)
    for view in (lambda: w[0, 1], lambda: w[tg.tensor(0)]):
        with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
            view().add_(1)
    assert w.tolist() == [[1.0, 2.0]]


def test_0d_view_of_saved_constant_refused_not_stale():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.tensor([[3.0, 4.0]])
    v, u = x[0, 1], x[tg.tensor(0)]
    y = (w * x).sum()
    for view in (v, u):
        with pytest.raises(RuntimeError, match="live graph saved"):
            view.add_(10)
    y.backward()
    assert w.grad.tolist() == [3.0, 4.0]


def test_tensor_index_gradient_and_advanced_index_still_copies():
    w = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (w[tg.tensor(1)] * tg.tensor([2.0, 3.0])).sum().backward()
    assert w.grad.tolist() == [[0.0, 0.0], [2.0, 3.0]]
    x = tg.tensor([1.0, 2.0, 3.0])
    x[tg.tensor([1])].add_(5)  # a 1-d index: a copy, in torch too
    x[np.array([0, 0])].add_(5)
    assert x.tolist() == [1.0, 2.0, 3.0]


# ---- the mask operators ---------------------------------------------------------------------
_DTYPES = ("bool", "uint8", "int8", "int32", "int64", "float32")
_VALUES = {"bool": [True, False, True], "uint8": [3, 250, 0], "int8": [-3, 7, 0],
           "int32": [-7, 100000, 3], "int64": [-(2**40), 9, 6], "float32": [1.5, 0.0, 2.0]}


def _make(lib, dt):
    if lib is torch:
        return torch.tensor(_VALUES[dt], dtype=getattr(torch, dt))
    return tg.tensor(np.array(_VALUES[dt], dtype=dt))


def _outcome(fn, *args):
    try:
        r = fn(*args)
    except (TypeError, RuntimeError, NotImplementedError):
        return "refused"
    return str(r.dtype).replace("torch.", ""), r.tolist()


@pytest.mark.parametrize("op", [operator.and_, operator.or_, operator.xor])
def test_bitwise_operators_match_torch(op):
    for a, b in itertools.product(_DTYPES, _DTYPES):
        want = _outcome(op, _make(torch, a), _make(torch, b))
        got = _outcome(op, _make(tg, a), _make(tg, b))
        assert got == want, (op, a, b)
    for dt, scalar in itertools.product(_DTYPES, (True, False, 1, 6)):
        for args in ((_make(torch, dt), scalar), (scalar, _make(torch, dt))):
            mine = tuple(_make(tg, dt) if a is not scalar else a for a in args)
            assert _outcome(op, *mine) == _outcome(op, *args), (op, dt, scalar)


def test_invert_and_inplace_operators():
    for dt in _DTYPES:
        assert _outcome(operator.invert, _make(tg, dt)) == _outcome(operator.invert,
                                                                    _make(torch, dt)), dt
    x = tg.tensor([1.0, -2.0, 3.0, float("nan")])
    keep = (x > 0) & ~x.isnan()
    assert keep.tolist() == [True, False, True, False]
    assert x[~((x < 2) | x.isnan())].tolist() == [3.0]
    assert (np.array([True, False, True, True]) & (x > 0)).tolist() == [True, False, True, False]
    m = tg.tensor([True, True, False])
    same = m
    m &= tg.tensor([True, False, True])
    m |= np.array([False, False, True])
    m ^= True
    assert m is same and m.tolist() == [False, True, False]
    assert (+x).tolist()[:3] == [1.0, -2.0, 3.0]


# ---- integer remainder by zero --------------------------------------------------------------
@pytest.mark.parametrize("call", [lambda a, b: a % b, lambda a, b: a.remainder(b),
                                  lambda a, b: a.fmod(b), lambda a, b: a.remainder_(b)])
def test_integer_remainder_by_zero_refused(call):
    with pytest.raises(RuntimeError):  # torch: RuntimeError ZeroDivisionError
        call(torch.tensor([3, 4]), torch.tensor([2, 0]))
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        call(tg.tensor([3, 4]), tg.tensor([2, 0]))
    with pytest.raises(RuntimeError, match="division by zero"):
        call(tg.tensor([3, 4]), 0)


def test_remainder_values_unchanged():
    for a, b in ((tg.tensor([5, -5, 7]), tg.tensor([3, 3, -2])), (tg.tensor([-(2**63)]), -1)):
        ta = torch.tensor(a.tolist())
        tb = torch.tensor(b.tolist()) if isinstance(b, tg.Tensor) else b
        assert (a % b).tolist() == (ta % tb).tolist()
        assert a.fmod(b).tolist() == torch.fmod(ta, tb).tolist()
    assert np.isnan((tg.tensor([3.0]) % 0).numpy()).all()  # floats: NaN, as torch


# ---- unfold's windows: a copy here, so read-only ----------------------------------------------
def test_unfold_write_refused_not_lost():
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    w = x.unfold(1, 2, 1)
    for write in (lambda: w.add_(1), lambda: w.__setitem__(0, 1.0), lambda: w.zero_()):
        with pytest.raises(ValueError, match="unfold"):
            write()
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert w.clone().add_(1).tolist() == (torch.arange(6.0).reshape(2, 3).unfold(1, 2, 1) + 1
                                          ).tolist()


# ---- constructors: non-numeric data, integer arange with a fractional step -------------------
@pytest.mark.parametrize("data", ["abc", [1, "a"], b"x", np.datetime64("2020-01-01")])
def test_constructors_refuse_strings_and_dates(data):
    with pytest.raises(TypeError):
        torch.tensor(data)
    for make in (tg.tensor, tg.Tensor, tg.as_tensor):
        with pytest.raises(TypeError, match="numeric array"):
            make(data)
    with pytest.raises(TypeError, match="from_numpy"):
        tg.from_numpy(np.asarray(data))


@pytest.mark.parametrize("args", [(0, 2, 0.5), (0, 3, 0.9), (0, 5, 1.5), (0, 4, float("nan"))])
def test_integer_arange_with_fractional_step_refused(args):
    with pytest.raises(ValueError, match="whole number"):
        tg.arange(*args, dtype=tg.int64)
    assert tg.arange(*args[:2], 2.0, dtype=tg.int64).tolist() == torch.arange(
        *args[:2], 2, dtype=torch.int64).tolist()
    assert np.allclose(tg.arange(*args[:2], 0.5).numpy(),
                       torch.arange(*args[:2], 0.5, dtype=torch.float64).numpy())


# ---- a write through leaf.detach() reaches the leaf, or is refused ------------------------------
@pytest.mark.parametrize("forward", [lambda w, x: (w.exp() * x).sum(), lambda w, x: (w * x).sum(),
                                     lambda w, x: (w @ x).sum()])
@pytest.mark.parametrize("write", [lambda d: d.add_(1), lambda d: d.__setitem__(0, 5.0),
                                   lambda d: d.zero_(), lambda d: d.copy_(d * 0 + 2)])
def test_write_through_detached_leaf_never_silently_lost(forward, write):
    def run(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        x = lib.tensor([3.0, 4.0])
        y = forward(w, x)
        d = w.detach()
        try:
            write(d)
        except RuntimeError:
            return "refused"
        try:
            y.backward()
        except RuntimeError:
            return "refused at backward", w.tolist(), d.tolist()
        return w.tolist(), d.tolist()
    want, got = _both(run)
    assert got == "refused" or got == want, (got, want)
    assert got == "refused" or got[-2] == got[-1]  # the leaf sees the write


def test_write_through_detached_leaf_after_backward_reaches_it():
    def run(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        d = w.detach()
        d.mul_(3)
        d[1] = 0.5
        return w.tolist()
    want, got = _both(run)
    assert got == want == [3.0, 0.5]


# ---- linspace with an integer dtype truncates toward 0, as torch's (NumPy's floors) --------------
@pytest.mark.parametrize("args", [(-73, 69, 4), (-48, 0, 28), (-5, -24, 13), (-81, -94, 24),
                                  (-2.5, 2.5, 5), (33.6, -6.7, 7), (3, 9, 0), (3, 9, 1), (3, 9, 2),
                                  (0, 10, 4)])
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16"])
def test_integer_linspace_matches_torch(args, dtype):
    want = torch.linspace(*args, dtype=getattr(torch, dtype)).tolist()
    got = tg.linspace(*args, dtype=getattr(tg, dtype))
    assert got.dtype == np.dtype(dtype) and got.tolist() == want


def test_integer_linspace_exact_where_torch_float32_rounds_down():
    assert tg.linspace(-649, 695, 55, dtype=tg.int64).tolist()[27] == 23  # torch 2.13: 22


def test_write_through_view_of_saved_leaf_under_no_grad_says_why():
    """`with no_grad(): w[0] += 1` between forward and backward: refused, naming the live graph
    (NumPy's bare "read-only" came with a hint about diagonal())."""
    w = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = (w * w).sum()
    for write in (lambda: w[0].add_(1), lambda: w.T.mul_(2), lambda: w[0, 1].zero_(),
                  lambda: w[tg.tensor(1)].fill_(0)):
        with tg.no_grad(), pytest.raises(ValueError, match="live graph holds"):
            write()
    y.backward()
    assert w.grad.tolist() == [[2.0, 4.0], [6.0, 8.0]]

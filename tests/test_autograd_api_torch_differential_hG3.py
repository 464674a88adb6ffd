"""Autograd API semantics against torch 2.13 (hunt hG3): random small graphs (shared
subexpressions, a tensor used several times, slices and transposes, detach and no_grad in the
middle, int and bool intermediates, hooks on leaves and op results, retain_grad) built from
one seed in both libraries, then backward (twice, retain_graph, inputs=), autograd.backward of
several tensors, autograd.grad (grad_outputs, allow_unused, materialize_grads,
is_grads_batched): every .grad, every returned gradient, every hook's gradient, and whether
both raise, compared. Then one named test per bug found (each failed before its fix)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")

UNARY = ("exp", "tanh", "sin", "neg", "sigmoid", "relu", "abs", "clone")
MODES = ("backward", "twice_retained", "twice_freed", "inputs", "grad", "grad_unused",
         "grad_materialize", "nonscalar", "multi", "multi_inputs", "grad_outputs", "batched")


def arr(t):
    """A tensor's or gradient's values as a float64-or-own-dtype NumPy array."""
    if t is None:
        return None
    if isinstance(t, torch.Tensor):
        return t.detach().numpy().copy()
    return np.array(t.data if isinstance(t, tg.Tensor) else t)


def draw(seed):
    """One random program: leaves, steps (op, operand indices), hooks, outputs, mode."""
    r = np.random.default_rng(seed)
    shape = tuple(int(n) for n in r.integers(0 if r.random() < 0.1 else 1, 4,
                                             size=r.integers(0, 3)))
    leaves = [(r.standard_normal(shape), bool(r.random() < 0.9), bool(r.random() < 0.3))
              for _ in range(r.integers(1, 4))]
    n, steps = len(leaves), []
    for _ in range(r.integers(2, 9)):
        a, b = int(r.integers(0, n)), int(r.integers(0, n))
        kind = ("unary", "binary", "binary", "detach", "no_grad", "int", "where", "slice",
                "transpose", "sumkeep", "stack", "mask")[r.integers(12)]
        steps.append((kind, a, b, str(UNARY[r.integers(len(UNARY))]),
                      ("add", "mul", "sub")[r.integers(3)], int(r.integers(0, 3))))
        n += 1
    marks = []
    for i in range(n):
        u = r.random()
        kind = ("hook" if u < 0.2 else "retain" if u < 0.3 else "observe" if u < 0.35
                else "removed" if u < 0.4 else "post" if u < 0.45 else None)
        if kind:
            marks.append((kind, i, float(r.integers(1, 4))))
    outs = sorted({int(x) for x in r.integers(0, n, size=r.integers(1, 3))})
    sel = sorted({int(x) for x in r.integers(0, n, size=r.integers(1, 3))})
    return (leaves, steps, marks, outs, [float(r.standard_normal()) for _ in outs],
            MODES[r.integers(len(MODES))], sel, int(r.integers(2**31)))


def paired(a, b):
    """b when it broadcasts with a, else a (a binary op's operands)."""
    try:
        np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
        return b
    except ValueError:
        return a


def build(L, leaves, steps):
    nodes = []
    for values, needs, transposed in leaves:
        if transposed and values.ndim == 2:  # a non-contiguous leaf
            x = L.tensor(values.T.copy()).t()
            x.requires_grad_(needs)
        else:
            x = L.tensor(values, requires_grad=needs)
        nodes.append(x)
    for kind, i, j, unary, binary, k in steps:
        a, b = nodes[i], paired(nodes[i], nodes[j])
        if kind == "unary":
            y = getattr(a, unary)()
        elif kind == "binary":
            y = {"add": a + b, "mul": a * b, "sub": a - b}[binary]
        elif kind == "detach":
            y = a.detach()
        elif kind == "no_grad":
            with L.no_grad():
                with L.enable_grad():
                    y = a * b  # recorded: enable_grad inside no_grad
                y = y + 1 if k == 0 else y
        elif kind == "int":
            y = (a * 3).round().long().double()
        elif kind == "where":
            y = L.where(a > 0, a, b)
        elif kind == "slice":
            y = (a * 1 if a.ndim == 0 else a[:1] if k == 0 else a[a.shape[0] - 1]
                 if a.shape[0] else a * 1)
        elif kind == "transpose":
            y = a.t() if a.ndim == 2 else a * 2
        elif kind == "sumkeep":
            y = a.sum(-1, keepdim=True) if a.ndim else a + 0
        elif kind == "stack":
            y = L.stack([a, b])
        else:
            y = a * (b > 0)
        nodes.append(y)
    return nodes


def run(L, case):
    leaves, steps, marks, outs, ws, mode, sel, seed = case
    nodes = build(L, leaves, steps)
    log = []
    for kind, i, c in marks if mode != "batched" else ():  # (torch's vmap: no .numpy() in a hook)
        t = nodes[i]
        if not t.requires_grad:
            continue
        if kind == "hook":
            t.register_hook(lambda g, i=i, c=c: (log.append(("hook", i, arr(g))), g * c)[1])
        elif kind == "observe":
            t.register_hook(lambda g, i=i: log.append(("observe", i, arr(g))))
        elif kind == "removed":
            t.register_hook(lambda g: g * 5.0).remove()
        elif kind == "retain":
            t.retain_grad()
        elif t.is_leaf:
            t.register_post_accumulate_grad_hook(lambda p, i=i: log.append(("post", i,
                                                                            arr(p.grad))))
    r = np.random.default_rng(seed)

    def loss():
        return sum((nodes[o] * w).sum() for o, w in zip(outs, ws))

    def seeds(batch=()):
        return [L.tensor(r.standard_normal(batch + tuple(nodes[o].shape))) for o in outs]

    res = {}
    if mode == "backward":
        loss().backward()
    elif mode == "twice_retained":
        total = loss()
        total.backward(retain_graph=True)
        total.backward()
    elif mode == "twice_freed":
        total = loss()
        total.backward()
        total.backward()
    elif mode == "inputs":
        loss().backward(inputs=[nodes[i] for i in sel])
    elif mode == "nonscalar":
        o = nodes[outs[0]]
        o.backward(L.tensor(np.arange(1.0, o.numel() + 1).reshape(tuple(o.shape))))
    elif mode in ("multi", "multi_inputs"):
        kw = {"inputs": [nodes[i] for i in sel]} if mode == "multi_inputs" else {}
        L.autograd.backward([nodes[o] for o in outs], seeds(), **kw)
    else:
        ins = [nodes[i] for i in sel]
        if mode == "grad_outputs":
            got = L.autograd.grad([nodes[o] for o in outs], ins, seeds(), allow_unused=True)
        elif mode == "batched":
            got = L.autograd.grad([nodes[o] for o in outs], ins, seeds((3,)),
                                  allow_unused=True, is_grads_batched=True)
        else:
            kw = ({"allow_unused": True} if mode == "grad_unused" else
                  {"materialize_grads": True} if mode == "grad_materialize" else {})
            got = L.autograd.grad(loss(), ins, **kw)
        res["returned"] = [arr(g) for g in got]
    with warnings.catch_warnings():  # (torch's warning on a non-leaf's .grad)
        warnings.simplefilter("ignore")
        res["grads"] = [arr(t.grad) for t in nodes]
    res["hooks"] = sorted(log, key=lambda e: (e[0], e[1], e[2].tobytes()))
    res["flags"] = [(bool(t.requires_grad), bool(t.is_leaf), t.grad_fn is None) for t in nodes]
    return res


def check_same(ours, theirs, where="result"):
    if isinstance(theirs, dict):
        assert set(ours) == set(theirs), where
        for k in theirs:
            check_same(ours[k], theirs[k], f"{where}/{k}")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), (where, ours, theirs)
        for i, (a, b) in enumerate(zip(ours, theirs)):
            check_same(a, b, f"{where}[{i}]")
    elif isinstance(theirs, np.ndarray) or isinstance(ours, np.ndarray):
        assert ours is not None and theirs is not None, (where, ours, theirs)
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (where, ours, theirs)
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, err_msg=where)
    else:
        assert ours == theirs, (where, ours, theirs)


def outcome(L, case):
    try:
        return run(L, case)
    except Exception as e:  # noqa: BLE001 (whether both raise is what is compared)
        return f"{type(e).__name__}: {e}"


@pytest.fixture
def torch_float64():
    """torch's default dtype float64 for one test, restored after (another test's torch.zeros
    must not become float64)."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


@pytest.mark.parametrize("start", range(0, 240, 40))
def test_random_graphs_match_torch(start, torch_float64):
    computed = 0
    for seed in range(start, start + 40):
        case = draw(seed)
        theirs, ours = outcome(torch, case), outcome(tg, case)
        if isinstance(theirs, str) or isinstance(ours, str):
            assert isinstance(theirs, str) and isinstance(ours, str), (seed, theirs, ours)
            assert "\n" not in ours.strip(), (seed, ours)  # one line
            continue
        check_same(ours, theirs, f"seed {seed}")
        computed += 1
    assert computed >= 15  # most cases compute (not all refused by both)


# ---- bugs found, each failed before its fix ------------------------------------------------
def both(fn):
    """(ours, torch's)."""
    return fn(tg), fn(torch)


def test_grad_is_grads_batched_matches_torch():
    # before: NotImplementedError "is_grads_batched=True is not supported ... (no second
    # derivatives)"; torch computes one gradient per row of the batched grad_outputs
    def f(L):
        x = L.tensor([0.5, -1.0, 2.0], dtype=L.float64, requires_grad=True)
        w = L.tensor([3.0, 4.0], dtype=L.float64, requires_grad=True)
        h = x.exp()
        y = h[:2] * w
        gy = L.tensor(np.arange(8.0).reshape(4, 2) - 3)
        gz = L.tensor(np.arange(4.0) + 1)
        got = L.autograd.grad([y, (h * h).sum()], [x, w], [gy, gz], is_grads_batched=True)
        return [arr(g) for g in got]

    ours, theirs = both(f)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_grad_is_grads_batched_unused_and_freed_as_torch():
    def f(L):
        x = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
        z = L.tensor([1.0, 2.0, 3.0], dtype=L.float64, requires_grad=True)
        e = x.exp()
        got = L.autograd.grad(e, [x, z], L.eye(2, dtype=L.float64), is_grads_batched=True,
                              materialize_grads=True)
        try:  # the graph is freed after the last row (retain_graph not given)
            L.autograd.grad(e, x, L.ones(2, dtype=L.float64))
            freed = False
        except RuntimeError:
            freed = True
        return [arr(g) for g in got], freed

    (ours, ours_freed), (theirs, theirs_freed) = both(f)
    assert ours_freed and theirs_freed
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[1].shape == theirs[1].shape == (3,) and not ours[1].any()  # torch's: no batch


@pytest.mark.parametrize("go", [None, "no_batch_axis", "sizes_differ", "empty"])
def test_grad_is_grads_batched_refusals_are_one_line(go):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    outs = [x.exp(), x * 3]
    gos = {None: None, "no_batch_axis": [tg.ones(2), tg.ones(2)],
           "sizes_differ": [tg.ones(3, 2), tg.ones(4, 2)],
           "empty": [tg.ones(0, 2), tg.ones(0, 2)]}[go]
    with pytest.raises((RuntimeError, ValueError), match="is_grads_batched") as e:
        tg.autograd.grad(outs, x, gos, is_grads_batched=True)
    assert "\n" not in str(e.value)


def test_grad_runs_the_output_hooks_when_no_input_lies_below():
    # before: autograd.grad with nothing below the output ran no hook of it and left its
    # retain_grad() .grad None; torch's engine starts at the output node (seeds 357, 385)
    def f(L):
        log = []
        x = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
        z = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
        c = x * 2 + x * 3
        c.register_hook(lambda g: log.append(("c", arr(g).tolist())))
        c.retain_grad()
        got = L.autograd.grad(c, [z], L.tensor([3.0, 4.0], dtype=L.float64),
                              allow_unused=True)
        x.register_hook(lambda g: log.append(("x", arr(g).tolist())))
        L.autograd.grad(x, [z], L.tensor([5.0, 6.0], dtype=L.float64), allow_unused=True)
        return got, log, arr(c.grad).tolist()

    (got, log, cg), (tgot, tlog, tcg) = both(f)
    assert got == tgot == (None,)
    assert log == tlog == [("c", [3.0, 4.0]), ("x", [5.0, 6.0])]
    assert cg == tcg == [3.0, 4.0]


def test_grad_of_several_outputs_below_no_input_runs_no_hook_as_torch():
    def f(L):
        log = []
        x = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
        z = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
        a = x * 2
        c = a + x
        c.register_hook(lambda g: log.append("c"))
        a.register_hook(lambda g: log.append("a"))
        L.autograd.grad([c, a], [z], [L.ones(2, dtype=L.float64)] * 2, allow_unused=True)
        return log

    assert both(f) == ([], [])


def test_post_accumulate_grad_hook_returning_a_value_is_refused_as_torch():
    # before: the returned value was dropped without a word; torch raises ("should return None")
    def f(L):
        x = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
        x.register_post_accumulate_grad_hook(lambda p: p.grad * 2)
        try:
            (x * 3).sum().backward()
        except RuntimeError as e:
            return str(e)
        return None

    ours, theirs = both(f)
    assert theirs is not None and "return None" in theirs
    assert ours is not None and "must return None" in ours and "\n" not in ours


def test_retain_grad_on_a_tensor_that_requires_no_grad_is_refused_as_torch():
    # before: accepted without a word (its .grad stays None for good); torch raises
    def f(L):
        with L.no_grad():
            h = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True) * 2
        for t in (L.tensor([1.0], dtype=L.float64), h):
            with pytest.raises(RuntimeError, match="retain_grad") as e:
                t.retain_grad()
            assert "\n" not in str(e.value)
        return True

    assert both(f) == (True, True)


@pytest.mark.parametrize(("shape", "grad_shape"), [((2,), (3, 2)), ((2, 1), (4, 2, 3)),
                                                   ((), (3,)), ((1, 3), (2, 3)),
                                                   ((2,), (1, 2))])
def test_custom_function_gradient_of_a_broadcast_shape_is_summed_as_torch(shape, grad_shape):
    # before: "Spread.backward returned a gradient of shape (3, 2) for an input of shape
    # (2,)"; torch sums a gradient the input's shape expands to down to it (sum_to)
    values = np.random.default_rng(0).standard_normal(grad_shape)

    def f(L):
        class Spread(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return L.tensor(values) * g.sum()

        x = L.tensor(np.ones(shape), dtype=L.float64, requires_grad=True)
        Spread.apply(x).sum().backward()
        return arr(x.grad)

    ours, theirs = both(f)
    assert ours.shape == theirs.shape == shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_custom_function_gradient_of_a_smaller_shape_is_still_refused():
    class Shrink(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum().reshape(1)

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Shrink.backward returned a gradient of shape \(1,\)"):
        Shrink.apply(x).sum().backward()


def test_mark_non_differentiable_output_requires_no_grad_as_torch():
    # before: the mark was ignored, the output required grad and backward sent the gradient
    # through it: x.grad [2, 4] where torch's is [1, 2] (only the y * x path)
    def f(L):
        class Round(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.round()
                ctx.mark_non_differentiable(y)
                return y

            @staticmethod
            def backward(ctx, g):
                return g

        x = L.tensor([1.25, 2.0], dtype=L.float64, requires_grad=True)
        y = Round.apply(x)
        (y * x).sum().backward()
        return y.requires_grad, y.grad_fn is None, arr(x.grad).tolist()

    assert both(f) == ((False, True, [1.0, 2.0]),) * 2


def test_custom_backward_may_return_extra_trailing_nones_as_torch():
    # before: "F.backward returned 2 gradient(s), but forward took 1 argument(s)" where torch
    # takes them (a keyword argument's None, as torch binds it to a position)
    def f(L):
        class Scale(L.autograd.Function):
            @staticmethod
            def forward(ctx, x, k=2.0):
                ctx.k = k
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g * ctx.k, None

        x = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
        Scale.apply(x, k=3.0).sum().backward()
        return arr(x.grad).tolist()

    assert both(f) == ([3.0, 3.0],) * 2


def test_autograd_backward_of_no_tensors_does_nothing_as_torch():
    # before: IndexError "list index out of range"; torch's does nothing
    def f(L):
        x = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
        L.autograd.backward([], [])
        L.autograd.backward([])
        return x.grad

    assert both(f) == (None, None)


@pytest.mark.parametrize("mode", ["no", 0, None])
def test_inference_mode_refuses_a_mode_that_is_not_a_bool(mode):
    # before: inference_mode("no") switched grad off (a truthy str), inference_mode(0) left it
    # on, without a word; torch's fails on both (it takes a non-bool for a function to wrap)
    with pytest.raises(TypeError, match="inference_mode") as e:
        with tg.inference_mode(mode):
            pass
    assert "\n" not in str(e.value)
    assert tg.is_grad_enabled()
    with tg.inference_mode(np.bool_(False)):
        assert tg.is_grad_enabled()

"""A skeptic's review of the gradient accumulator over whole graphs (engine.Pending and what
shares its rule: Sparse/Outer terms, tensor hooks, retain_grad, backward(inputs=),
autograd.grad, retain_graph, jit replay), against torch 2.13 in float64.

The one finding fixed: a retained op result's `.grad` was added into in place by the next
backward (`g = h.grad` kept across two backwards changed), where torch's retain_grad() makes
a new tensor (`grad + new`); a leaf's is added into in place, in both. Then a small, seeded
version of the randomized differential fuzzer that found it: random DAGs with fan-out, views,
broadcasting, reductions, one-row matmuls (the deferred Outer path), repeated slices and
integer indices (the Sparse path), hooks that keep, double or return what they got, retained
intermediates, retain_graph twice, inputs= and autograd.grad; and the same programs as a jit
step, replayed bit for bit as eager.
"""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")


# ---- the fix: a kept retained .grad keeps its values ---------------------------------------
@pytest.mark.parametrize("how", ["retain_grad", "inputs"])
def test_kept_retained_grad_is_not_changed_by_the_next_backward(how):
    seen = {}
    for lib in (tg, torch):
        if lib is tg:
            x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
        else:
            x = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
        h = x * 2
        if how == "retain_grad":
            h.retain_grad()
        y = (h * h).sum()
        y.backward(retain_graph=True, inputs=[h] if how == "inputs" else None)
        g1, xg1 = h.grad, x.grad
        v1 = np.array(g1).copy() if lib is tg else g1.numpy().copy()
        y.backward(inputs=[h] if how == "inputs" else None)
        kept = np.array(g1) if lib is tg else g1.numpy()
        now = np.array(h.grad) if lib is tg else h.grad.numpy()
        seen[lib.__name__] = (v1, kept.copy(), now.copy(), xg1 is None or xg1 is x.grad)
    ours, theirs = seen["tinygrad_dl"], seen["torch"]
    np.testing.assert_array_equal(ours[1], ours[0])  # the kept array: the first backward's
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_leaf_grad_is_still_added_into_in_place_as_torch():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    g = x.grad
    y.backward()
    assert x.grad is g or np.shares_memory(x.grad, g)  # torch's AccumulateGrad: in place
    np.testing.assert_array_equal(g, [4.0, 8.0])


def test_zero_dim_grad_summed_out_of_place_stays_an_array():
    # a 0-d sum of arrays is a NumPy scalar: `.grad` became one, and the next backward
    # raised ".grad was set to a float64 of shape ()" (a retained 0-d result; a leaf whose
    # .grad was set in another dtype)
    x = Tensor(np.array(1.5), requires_grad=True)
    h = x * 2
    h.retain_grad()
    y = h * h
    for _ in range(3):
        y.backward(retain_graph=True)
    assert type(h.grad) is not np.float64 and h.grad.shape == ()
    np.testing.assert_allclose(h.grad, 18.0)
    np.testing.assert_allclose(x.grad, 36.0)
    w = Tensor(np.array(1.0), requires_grad=True)
    w.grad = np.array(1.0, np.float32)
    for _ in range(2):
        (w * 2).backward()
    assert isinstance(w.grad, np.ndarray) and w.grad.shape == ()
    np.testing.assert_allclose(w.grad, 5.0)


# ---- the fuzzer, small ------------------------------------------------------------------------
def _bc(s, t):
    try:
        np.broadcast_shapes(s, t)
        return True
    except ValueError:
        return False


_INDEX: dict = {}  # index arrays made once: a jit step must not make its constants


def _op(op, xs, M):
    """One op of a program on tinygrad_dl (M = tg) or torch tensors."""
    name, _, p = op
    a = xs[0]
    if name == "un":
        return [{"relu": a.relu, "tanh": a.tanh, "sigmoid": a.sigmoid, "clone": a.clone,
                 "exp": lambda: a.tanh().exp(), "sq": lambda: a * a,
                 "detach": lambda: a.detach() * 0.5 + a}[p]()]
    if name == "bin":
        b = xs[1]
        return [{"add": a + b, "sub": a - b, "mul": a * b, "div": a / (1 + b * b)}[p]]
    if name == "view":
        return [a.reshape(p[1]) if p[0] == "reshape" else a.unsqueeze(p[1])
                if p[0] == "unsqueeze" else a.expand(*p[1]) if p[0] == "expand"
                else a.permute(*p[1]) if p[0] == "permute" else a.swapaxes(p[1], p[2])]
    if name == "red":
        r, d, kd = p
        return [a.sum() if r == "sumall" else getattr(a, r)(dim=d, keepdim=kd)]
    if name == "mmrow":  # a one-row left operand: MatMul's deferred Outer term
        return [xs[0][p:p + 1] @ xs[1]]
    if name == "rnn":  # h @ W with one W, and A[t:t+1] per step: Outer and Sparse terms
        W, A = xs
        h = A[p[0]:p[0] + 1] * 0.5
        hs = []
        for t in p:
            h = (h @ W + A[t:t + 1]).tanh()
            hs.append(h)
        return [M.cat(hs, 0)]
    if name == "idx":
        if p[0] == "slice":
            return [a[p[1]:p[2]]]
        if p[0] == "int":
            return [a[p[1]]]
        ix = _INDEX.setdefault(tuple(p[1]), np.array(p[1])) if M is tg else torch.tensor(p[1])
        return [a[ix]]
    if name == "split":
        return list(a.unbind(p)) if isinstance(p, int) else list(a.split(p[0], dim=p[1]))
    if name == "stack":
        return [M.stack(xs, p)]
    if name == "where":
        return [M.where(a > 0, a, xs[1] * 2)]
    raise AssertionError(op)


def gen(seed):
    R = random.Random(seed)
    shapes = []
    for _ in range(R.randint(1, 3)):
        s = tuple(R.randint(1, 3) for _ in range(R.choice([1, 2, 2, 3])))
        shapes.append((s[0], s[0]) if len(s) == 2 and R.random() < 0.5 else s)
    pool, prog = [torch.zeros(s) for s in shapes], []
    for _ in range(R.randint(5, 25)):
        i = R.randrange(len(shapes)) if R.random() < 0.3 else R.randrange(len(pool))
        a, op = pool[i], None
        s, kind = tuple(a.shape), R.choice(["un", "bin", "bin", "view", "red", "mm", "rnn",
                                            "idx", "idx", "split", "stack", "where"])
        if kind == "un":
            op = ("un", [i], R.choice(["relu", "tanh", "sigmoid", "clone", "exp", "sq",
                                       "detach"]))
        elif kind in ("bin", "where"):
            j = R.choice([j for j, b in enumerate(pool) if _bc(s, tuple(b.shape))])
            op = (kind, [i, j], R.choice(["add", "sub", "mul", "div"]))
        elif kind == "view":
            v = R.choice(["reshape", "unsqueeze", "expand"] + ["permute", "swap"] * (a.ndim > 1))
            if v == "reshape":
                op = ("view", [i], ("reshape", (a.numel(),)))
            elif v == "unsqueeze":
                op = ("view", [i], ("unsqueeze", R.randint(-a.ndim - 1, a.ndim)))
            elif v == "expand":
                op = ("view", [i], ("expand", (2, *s)))
            elif v == "permute":
                op = ("view", [i], ("permute", tuple(R.sample(range(a.ndim), a.ndim))))
            else:
                op = ("view", [i], ("swap", *R.sample(range(a.ndim), 2)))
        elif kind == "red" and a.ndim and a.numel():  # (amax: torch splits ties as we do)
            op = ("red", [i], (R.choice(["sum", "mean", "amax", "sumall"]),
                               R.randrange(a.ndim), R.random() < 0.5))
        elif kind == "mm":
            two = [j for j, b in enumerate(pool) if b.ndim == 2]
            pairs = [(j, k) for j in two for k in two if pool[j].shape[1] == pool[k].shape[0]]
            if pairs:
                j, k = R.choice(pairs)
                op = ("mmrow", [j, k], R.randrange(pool[j].shape[0]))
        elif kind == "rnn":
            sq = [j for j, b in enumerate(pool) if b.ndim == 2 and b.shape[0] == b.shape[1]]
            if sq:
                w = R.choice(sq)
                A = R.choice([j for j, b in enumerate(pool)
                              if b.ndim == 2 and b.shape[1] == pool[w].shape[0]])
                op = ("rnn", [w, A], [R.randrange(pool[A].shape[0]) for _ in range(4)])
        elif kind == "idx" and a.ndim and a.shape[0]:
            n, t = a.shape[0], R.choice(["slice", "int", "arr"])
            st = R.randrange(n)
            op = ("idx", [i], ("slice", st, R.randint(st + 1, n)) if t == "slice" else
                  ("int", R.randrange(-n, n)) if t == "int" else
                  ("arr", [R.randrange(n) for _ in range(R.randint(1, 5))]))
        elif kind == "split" and a.ndim:
            d = R.randrange(a.ndim)
            op = ("split", [i], d if R.random() < 0.5 else (1, d))
        elif kind == "stack":
            op = ("stack", [i] + [j for j, b in enumerate(pool) if b.shape == a.shape][:2],
                  R.randrange(a.ndim + 1))
        if op is not None:
            prog.append(op)
            pool += _op(op, [pool[j] for j in op[1]], torch)
    hooks = [(j, R.choice(["keep", "double", "same", "retain", "retain"]))
             for j in range(len(pool)) if R.random() < 0.15]
    return dict(shapes=shapes, prog=prog, roots=[R.randrange(len(pool)) for _ in range(2)]
                + [len(pool) - 1], hooks=hooks, npool=len(pool),
                mode=R.choice(["plain", "twice", "twice", "inputs", "autograd"]),
                sub=[j for j in range(len(shapes)) if R.random() < 0.5] or [0])


def _np(t):
    return None if t is None else (t.detach().numpy() if hasattr(t, "detach")
                                   else np.asarray(getattr(t, "data", t))).copy()


def run(spec, M, values):
    """What a user sees: leaf and retained grads, what hooks saw, arrays kept (now)."""
    if M is tg:
        leaves = [Tensor(v.copy(), requires_grad=True) for v in values]
    else:
        leaves = [torch.tensor(v, requires_grad=True) for v in values]
    pool = list(leaves)
    for op in spec["prog"]:
        pool += _op(op, [pool[j] for j in op[1]], M)
    seen, kept, retained = [], [], []
    for j, how in spec["hooks"]:
        t = pool[j]
        if not t.requires_grad:
            continue
        if how == "retain":
            t.retain_grad()
            if t is not leaves[j if j < len(leaves) else 0]:
                retained.append(t)
            continue

        def hook(g, j=j, how=how):
            if g is None:  # (torch: an unused piece of a split)
                return None
            seen.append((j, _np(g)))
            kept.append((g, _np(g)))  # kept: must keep its values
            return g * 2 if how == "double" else g if how == "same" else None
        t.register_hook(hook)
    root = sum(pool[j].sum() for j in spec["roots"])
    if not root.requires_grad:
        return None
    out = {}
    if spec["mode"] == "twice":
        root.backward(retain_graph=True)
        for t in leaves + retained:
            if t.grad is not None:
                kept.append((t.grad, _np(t.grad)))
        root.backward()
    elif spec["mode"] == "inputs":
        root.backward(inputs=[leaves[j] for j in spec["sub"]])
    elif spec["mode"] == "autograd":
        outs = [root, (pool[spec["roots"][0]] * 3).sum()]
        outs = [o for o in outs if o.requires_grad]
        got = M.autograd.grad(outs, [leaves[j] for j in spec["sub"]], allow_unused=True)
        out["agrad"] = [_np(g) for g in got]
        kept += [(g, _np(g)) for g in got if g is not None]
    else:
        root.backward()
    out["leaves"] = [_np(t.grad) for t in leaves]
    out["retained"] = [_np(t.grad) for t in retained]
    out["seen"] = sorted(seen, key=lambda e: (e[0], e[1].shape, tuple(e[1].ravel())))
    out["kept"] = [(_np(obj), then) for obj, then in kept]
    return out


def close(a, b, where):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            close(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert a is not None and b is not None, where
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=where)
    else:
        assert a == b, where


@pytest.mark.parametrize("seed", range(40))
def test_random_graphs_match_torch(seed):
    spec = gen(seed)
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s) for s in spec["shapes"]]
    close(run(spec, tg, values), run(spec, torch, values), f"seed {seed}")


@pytest.mark.parametrize("seed", range(12))
def test_random_graphs_replay_like_eager(seed):
    spec = gen(1000 + seed)
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in spec["shapes"]]
    calls = [[rng.standard_normal(s) for s in spec["shapes"]] for _ in range(5)]
    seen = []
    for jitted in (False, True):
        params = [Tensor(v.copy(), requires_grad=True) for v in init]

        def step(*X, params=params):
            pool = [p * Tensor(x) for p, x in zip(params, X)]
            for op in spec["prog"]:
                pool += _op(op, [pool[j] for j in op[1]], tg)
            root = sum(pool[j].sum() for j in spec["roots"])
            if root.requires_grad:
                root.backward(retain_graph=spec["mode"] == "twice")
                if spec["mode"] == "twice":
                    root.backward()
        f, got = jit(step) if jitted else step, []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for k, X in enumerate(calls):
                if k % 2:  # accumulate across two calls, then start afresh
                    for p in params:
                        p.grad = None
                f(*X)
                got.append([None if p.grad is None else p.grad.tobytes() for p in params])
        seen.append(got)
        assert not [str(w.message) for w in caught if "jit" in str(w.message)], seed  # replayed
    assert seen[0] == seen[1], seed

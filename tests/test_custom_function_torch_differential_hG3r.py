"""Custom autograd.Function and autograd.grad(is_grads_batched=True) against torch 2.13 (helper
hG3r, second look at hG3's commit): random custom Functions (1-3 Tensor arguments of broadcast
shapes, leaves, constants and op results, non-Tensor arguments between them, saved tensors,
needs_input_grad, mark_non_differentiable, set_materialize_grads, a backward returning the
output's shape or extra trailing Nones, float32 and float64, both of torch's styles), random
batched grads (several outputs, unused and repeated inputs, hooks, retain_graph), and a jitted
step whose custom backward returns a broadcast-shaped gradient, replayed for several shapes.

Found: `ctx.mark_non_differentiable([y])` (a list or tuple, None, an array) marked nothing
without a word, so the gradient flowed through an output the user had marked (torch refuses
it); torch 2's `forward(*args)` + `setup_context(ctx, inputs, output)` style failed with
"forward() takes 2 positional arguments but 3 were given"; `torch.autograd.function.
once_differentiable` was missing (ModuleNotFoundError)."""

from __future__ import annotations

import importlib
import random
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")


# ---- random custom Functions --------------------------------------------------------------------
def _sub_shape(rng: random.Random, base: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts to `base` (fewer axes, some of them 1)."""
    nd = rng.randint(0, len(base))
    return tuple(1 if rng.random() < 0.4 else n for n in base[len(base) - nd:])


def _make(lib, spec):
    """A custom Function: out = c * sum_k term_k(t_k), term_k = (k+1) t_k^2 or (k+2) t_k, in
    the old style (forward(ctx, ...)) or torch 2's (forward(...) + setup_context)."""
    def compute(ctx, args):
        spec["needs"][lib.__name__] = tuple(bool(v) for v in ctx.needs_input_grad)
        if spec["matz"] is not None:
            ctx.set_materialize_grads(spec["matz"])
        ts = [a for a in args if isinstance(a, lib.Tensor)]
        ctx.save_for_backward(*[t for k, t in enumerate(ts) if spec["save"][k]])
        ctx.shapes_ = [tuple(t.shape) for t in ts]

    def value(args):
        out = None
        for k, t in enumerate([a for a in args if isinstance(a, lib.Tensor)]):
            term = t * t * (k + 1) if spec["sq"][k] else t * (k + 2)
            out = term if out is None else out + term
        return out * spec["c"]

    def bwd(ctx, g):
        res, k = [], 0
        for a in spec["template"]:
            if a != "T":
                res.append(None)
                continue
            if spec["none"][k]:
                res.append(None)
            else:
                t = spec["args"][lib.__name__][k]
                c = spec["c"]
                gr = g * t * (2 * (k + 1)) * c if spec["sq"][k] else g * ((k + 2) * c)
                if spec["sumdown"][k]:  # summed to the input's shape by hand, else by the engine
                    shp = ctx.shapes_[k]
                    if gr.ndim > len(shp):
                        gr = gr.sum(tuple(range(gr.ndim - len(shp))))
                    ax = tuple(i for i, n in enumerate(shp) if n == 1 and gr.shape[i] != 1)
                    gr = gr.sum(ax, keepdim=True) if ax else gr
                res.append(gr)
            k += 1
        res += [None] * spec["extra_none"]
        return tuple(res) if len(res) != 1 or spec["as_tuple"] else res[0]

    if spec["style2"]:
        class Custom2(lib.autograd.Function):
            @staticmethod
            def forward(*args):
                return value(args)

            @staticmethod
            def setup_context(ctx, inputs, output):
                compute(ctx, inputs)
                if spec["nondiff"]:
                    ctx.mark_non_differentiable(output)

            backward = staticmethod(bwd)
        return Custom2

    class Custom(lib.autograd.Function):
        @staticmethod
        def forward(ctx, *args):
            compute(ctx, args)
            out = value(args)
            if spec["nondiff"]:
                ctx.mark_non_differentiable(out)
            return out

        backward = staticmethod(bwd)
    return Custom


def _custom_case(seed: int) -> list[str]:
    rng = random.Random(seed)
    base = tuple(rng.randint(1, 3) for _ in range(rng.randint(0, 3)))
    nt = rng.randint(1, 3)
    shapes = [_sub_shape(rng, base) for _ in range(nt)]
    shapes[rng.randrange(nt)] = base
    kinds = [rng.choice(["leaf", "leaf", "const", "op"]) for _ in range(nt)]
    if all(k == "const" for k in kinds):
        kinds[0] = "leaf"
    template = ["T"] * nt
    for _ in range(rng.randint(0, 2)):
        template.insert(rng.randint(0, len(template)), rng.choice([None, 3, 2.5, "s"]))
    spec = dict(template=template, sq=[rng.random() < 0.5 for _ in range(nt)],
                save=[rng.random() < 0.5 for _ in range(nt)], c=rng.choice([1.0, -0.5, 3.0]),
                nondiff=rng.random() < 0.25, none=[rng.random() < 0.15 for _ in range(nt)],
                sumdown=[rng.random() < 0.3 for _ in range(nt)],
                extra_none=rng.choice([0, 0, 0, 1, 2]), matz=rng.choice([None, True, False]),
                as_tuple=rng.random() < 0.7, style2=rng.random() < 0.3, args={}, needs={})
    dt = rng.choice(["float64", "float64", "float32"])
    arrays = [np.random.default_rng(seed * 10 + k).standard_normal(s).astype(dt)
              for k, s in enumerate(shapes)]
    weights = np.random.default_rng(seed + 7).standard_normal(base).astype(dt)
    more = rng.random() < 0.5
    res = {}
    for lib in (torch, tg):
        fn = _make(lib, spec)
        leaves, args = [], []
        for a, kind in zip(arrays, kinds):
            if kind == "const":
                args.append(lib.tensor(a))
            else:
                leaves.append(lib.tensor(a / 2 if kind == "op" else a, requires_grad=True))
                args.append(leaves[-1] * 2 if kind == "op" else leaves[-1])
        spec["args"][lib.__name__] = [t.detach() for t in args]
        it = iter(args)
        full = [next(it) if a == "T" else a for a in template]
        r: dict = {}
        try:
            out = fn.apply(*full)
            r["rg"] = bool(out.requires_grad)
            r["out"] = np.array(out.detach().numpy() if lib is torch else out.data)
            loss = (out * lib.tensor(weights)).sum()
            for leaf in leaves if more else ():
                loss = loss + (leaf * 0.25).sum()
            if loss.requires_grad:
                loss.backward()
                r["grads"] = [None if t.grad is None else
                              np.array(t.grad.numpy() if lib is torch else t.grad) for t in leaves]
        except Exception as e:  # noqa: BLE001 (compared with torch's below)
            r["err"] = f"{type(e).__name__}: {e}"
        res[lib.__name__] = r
    t, o = res["torch"], res["tinygrad_dl"]
    rtol = 1e-5 if dt == "float32" else 1e-12
    if ("err" in t) != ("err" in o):
        return [f"seed {seed}: torch {t.get('err')!r:.120}, ours {o.get('err')!r:.120}"]
    if "err" in t:
        return []
    bad = []
    if spec["needs"]["torch"] != spec["needs"]["tinygrad_dl"]:
        bad.append(f"needs_input_grad {spec['needs']}")
    if t["rg"] != o["rg"] or not np.allclose(t["out"], o["out"], rtol=rtol):
        bad.append(f"output requires_grad {t['rg']} {o['rg']} or values")
    if ("grads" in t) != ("grads" in o):
        bad.append("one of the losses requires no grad")
    for a, b in zip(t.get("grads", ()), o.get("grads", ())):
        if (a is None) != (b is None) or a is not None and (
                a.shape != b.shape or a.dtype != b.dtype
                or not np.allclose(a, b, rtol=rtol, atol=1e-6 if dt == "float32" else 0)):
            bad.append(f"gradient torch {a!r:.60} ours {b!r:.60}")
    return [f"seed {seed} ({shapes}, {kinds}, {template}, {dt}): {b}" for b in bad]


@pytest.mark.parametrize("start", range(0, 400, 100))
def test_random_custom_functions_match_torch(start):
    bad = [m for s in range(start, start + 100) for m in _custom_case(s)]
    assert not bad, "\n".join(bad[:10])


# ---- mark_non_differentiable takes Tensors ------------------------------------------------
@pytest.mark.parametrize("how", ["list", "tuple", "none", "array"])
def test_mark_non_differentiable_refuses_what_is_not_a_tensor_as_torch(how):
    # before: accepted and ignored: ctx.mark_non_differentiable([y]) left y differentiable, so
    # x.grad was [2, 4] (the Round example of hG3's commit) where the user marked it [1, 2]
    for lib in (torch, tg):
        class Round(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.round()
                mark = {"list": [y], "tuple": (y,), "none": None, "array": np.ones(1)}[how]
                ctx.mark_non_differentiable(mark)
                return y

            @staticmethod
            def backward(ctx, g):
                return g

        x = lib.tensor([1.4, 2.6], requires_grad=True)
        with pytest.raises((RuntimeError, TypeError), match="mark_non_differentiable") as e:
            Round.apply(x)
        assert "\n" not in str(e.value)


# ---- torch 2's style: forward without ctx, setup_context ------------------------------------
def _scaled(lib, nondiff=False):
    class Scaled(lib.autograd.Function):
        @staticmethod
        def forward(x, w, k=2.0):
            return x * w * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, w, k = inputs
            ctx.save_for_backward(x, w)
            ctx.k, ctx.flags = k, tuple(ctx.needs_input_grad)
            if nondiff:
                ctx.mark_non_differentiable(output)

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return g * w * ctx.k, g * x * ctx.k, None
    return Scaled


@pytest.mark.parametrize("call", ["default", "k by keyword", "w by keyword", "w constant",
                                  "non-differentiable"])
def test_setup_context_style_matches_torch(call):
    # before: TypeError "forward() takes 3 positional arguments but 4 were given" (ctx first)
    got = {}
    for lib in (torch, tg):
        fn = _scaled(lib, nondiff=call == "non-differentiable")
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([3.0], dtype=lib.float64, requires_grad=call != "w constant")
        y = (fn.apply(x, w=w) if call == "w by keyword" else
             fn.apply(x, w, k=5.0) if call == "k by keyword" else fn.apply(x, w))
        vals = [bool(y.requires_grad), np.array(y.detach().numpy() if lib is torch else y.data)]
        if y.requires_grad:
            (y * lib.tensor([0.5, -1.5], dtype=lib.float64)).sum().backward()
            vals += [np.array(x.grad.numpy() if lib is torch else x.grad),
                     None if w.grad is None else np.array(w.grad.numpy() if lib is torch
                                                          else w.grad)]
        got[lib.__name__] = vals
    t, o = got["torch"], got["tinygrad_dl"]
    assert len(t) == len(o) and t[0] == o[0]
    for a, b in zip(t[1:], o[1:]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=1e-15)


def test_once_differentiable_from_autograd_function_as_torch():
    # before: ModuleNotFoundError: No module named 'tinygrad_dl.autograd.function'
    grads = []
    for lib in (torch, tg):
        once = importlib.import_module(f"{lib.__name__}.autograd.function").once_differentiable

        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            @once
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return 3 * g * x * x

        x = lib.tensor([1.5, -2.0], dtype=lib.float64, requires_grad=True)
        Cube.apply(x).sum().backward()
        grads.append(np.array(x.grad.numpy() if lib is torch else x.grad))
    assert tg.autograd.function.Function is tg.autograd.Function
    np.testing.assert_array_equal(grads[1], grads[0])


# ---- a jitted step with a custom backward of the output's shape, several shapes ------------------
class _AddBias(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x, b, s):
        ctx.save_for_backward(x)
        return tg.Tensor((x.data + b.data) * s)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return tg.Tensor(g.data * 2.0), tg.Tensor(g.data * x.data), None  # b's: x's shape


class _AddBias2(tg.autograd.Function):  # the same in torch 2's style
    @staticmethod
    def forward(x, b, s=3.0):
        return tg.Tensor((x.data + b.data) * s)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    backward = _AddBias.backward


@pytest.mark.parametrize("fn", [_AddBias, _AddBias2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jitted_custom_broadcast_gradient_replays_as_eager_for_each_shape(dtype, fn):
    b = tg.tensor(np.array([0.5, -1.0, 2.0], dtype=dtype), requires_grad=True)

    def body(X):
        (fn.apply(tg.Tensor(X), b, 3.0).tanh() * 1.3).sum().backward()
    step = jit(body, strict=True)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for shape in [(3,), (4, 3), (2, 5, 3), (1, 3), (0, 3)] * 4:  # (two recordings each)
            X = rng.standard_normal(shape).astype(dtype)
            b.grad = None
            step(X)
            replayed = b.grad.copy()
            b.grad = None
            body(X)
            assert replayed.shape == (3,) and replayed.dtype == dtype
            np.testing.assert_array_equal(replayed, b.grad)
    assert step.replays == 10


# ---- autograd.grad(is_grads_batched=True) ------------------------------------------------------
def _batched_case(seed: int) -> list[str]:
    rng = random.Random(seed)
    r = np.random.default_rng(seed)
    n = rng.randint(1, 3)
    xs, ws = r.standard_normal(n), r.standard_normal(n)
    batch = rng.choice([1, 2, 3])
    outsel = rng.sample(["y", "z", "s", "x", "h"], rng.randint(1, 3))
    insel = rng.sample(["x", "w", "h", "u", "y"], rng.randint(1, 3))
    if rng.random() < 0.2:
        insel.append(insel[0])
    allow, mat = rng.choice([None, True, False]), rng.random() < 0.3
    retain, hook_on = rng.choice([None, False, True]), rng.choice([None, "h", "x", "y"])
    gdtype = rng.choice(["float64", "float64", "float32"])
    gos = None
    res = {}
    for lib in (torch, tg):
        x, w = lib.tensor(xs, requires_grad=True), lib.tensor(ws, requires_grad=True)
        h = x * w
        y = h.tanh() * 2
        z = (h * h).sum()
        env = dict(x=x, w=w, h=h, u=lib.tensor(np.ones(2), requires_grad=True), y=y, z=z,
                   s=(y * x).sum() + z)
        calls = []
        if hook_on:
            env[hook_on].register_hook(lambda g, calls=calls: (calls.append(1), g * 3)[1])
        outs = [env[k] for k in outsel]
        if gos is None:
            gos = [r.standard_normal((batch, *o.shape)).astype(gdtype) for o in outs]
        kw = dict(retain_graph=retain, is_grads_batched=True, materialize_grads=mat)
        if allow is not None:
            kw["allow_unused"] = allow
        out: dict = {}
        try:
            got = lib.autograd.grad(outs, [env[k] for k in insel], [lib.tensor(a) for a in gos],
                                    **kw)
            out["got"] = [None if g is None else np.array(g.detach().numpy() if lib is torch
                                                          else g.data) for g in got]
            try:  # freed or not, as torch's
                env["s"].backward()
                out["again"] = "ok"
            except RuntimeError:
                out["again"] = "freed"
        except Exception as e:  # noqa: BLE001 (compared with torch's below)
            out["err"] = f"{type(e).__name__}: {e}"
        out["hooked"] = bool(calls)
        res[lib.__name__] = out
    t, o = res["torch"], res["tinygrad_dl"]
    where = f"seed {seed} ({outsel} by {insel}, batch {batch}, allow_unused={allow}, " \
            f"materialize={mat}, retain={retain}, hook on {hook_on})"
    if ("err" in t) != ("err" in o):
        return [f"{where}: torch {t.get('err')!r:.100}, ours {o.get('err')!r:.100}"]
    if "err" in t:
        return []
    bad = [] if t["again"] == o["again"] and t["hooked"] == o["hooked"] else ["freed or hooks"]
    for a, b in zip(t["got"], o["got"]):
        if (a is None) != (b is None) or a is not None and (
                a.shape != b.shape or a.dtype != b.dtype
                or not np.allclose(a, b, rtol=1e-5 if gdtype == "float32" else 1e-12)):
            bad.append(f"torch {a!r:.60} ours {b!r:.60}")
    return [f"{where}: {b}" for b in bad]


@pytest.mark.parametrize("start", range(0, 400, 100))
def test_random_batched_grads_match_torch(start):
    bad = [m for s in range(start, start + 100) for m in _batched_case(s)]
    assert not bad, "\n".join(bad[:10])

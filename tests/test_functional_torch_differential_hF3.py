"""Differential fuzz of tinygrad_dl.nn.functional against torch.nn.functional 2.13 (CPU,
float64): each case draws shapes and a random combination of keywords from a seed, calls
torch's function and ours on the same arrays, and compares the outputs (values, shapes, float
dtypes) and the gradients of every float input (a random weighted sum of the outputs) to
1e-10 relative; where torch raises, ours must raise too. Losses are in
tests/test_losses_torch_differential_hF2.py, the nn layers in
tests/test_nn_torch_differential_hQ.py.

Left out of the draws, each a documented difference or torch's own fault (the hunt's report):
interpolate's antialias (lanczos refused in one line, checked below; bilinear and bicubic drawn in
tests/test_interpolate_antialias_torch_hA2.py, its other modes in
tests/test_embedding_interpolate_torch_hE.py); F.pad's 2/4/6 widths on inputs torch's non-
constant modes refuse (ours pad the last axes), circular wraps past the crop and reflect crops
to an empty output (torch reads uninitialized memory); max pools whose window holds only padding
(refused); torch bugs: cosine_similarity's gradient where a norm is below eps (its in-place
clamp under no_grad: finite differences agree with ours), the 4-D/5-D grid_sample's NaN grids
(torch 0 in 5-D, NaN in 4-D), the 4-D is_causal attention with a scale <= 0 (torch's kernel
gives NaN columns; its explicit causal mask agrees with ours), the 1-D nearest interpolate whose
output length equals the input's (torch's backward takes the identity, its forward does not),
hardsigmoid's float64 gradient (torch multiplies by 1/6 rounded to float32), glu's gradient for
a large gate (torch's s (1 - s) cancels), the activations' gradient at NaN (torch's scalar and
vectorized kernels disagree), pdist's backward of 0 rows and embedding_bag with one offset and
include_last_offset (torch segfaults), lp_pool1d with a tuple kernel (torch raises a TypeError),
group_norm's backward with bias but no weight (torch raises). F.group_norm of one sample whose
groups hold one value each is left out: torch's F.group_norm refuses it, torch.group_norm
computes it, as both do here (the output is the bias)."""

import warnings

import numpy as np
import pytest
from oracle import flat as _flat
from oracle import mismatch as _diff
from oracle import outputs_compared

import tinygrad_dl as tg
from tinygrad_dl.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RTOL = 1e-10


# ---- the harness ----------------------------------------------------------------------------






def _pair(x):
    """torch's and our arguments from a NumPy one: a float array is a leaf that requires grad,
    an integer or bool array a constant tensor; tuples and lists recursively."""
    if isinstance(x, (tuple, list)) and any(isinstance(y, np.ndarray) for y in x):
        pairs = [_pair(y) for y in x]
        return type(x)(p[0] for p in pairs), type(x)(p[1] for p in pairs)
    if isinstance(x, np.ndarray):
        f = x.dtype.kind == "f"
        return torch.tensor(x, requires_grad=f), (tg.Tensor(x.copy(), requires_grad=True)
                                                  if f else tg.tensor(x.copy()))
    return x, x


def compare(tfn, ofn, args, kw=None, rtol=RTOL, grad_rtol=1e-9, refusals=()):
    """Every difference between tfn(*args, **kw) (torch's) and ofn(...) (ours); a refusal of
    ours whose message matches one of `refusals` is a documented one."""
    kw = kw or {}
    pa = [_pair(a) for a in args]
    pk = {k: _pair(v) for k, v in kw.items()}
    try:
        tout = tfn(*[a for a, _ in pa], **{k: v[0] for k, v in pk.items()})
    except Exception:  # then ours must refuse too
        try:
            ofn(*[b for _, b in pa], **{k: v[1] for k, v in pk.items()})
        except Exception:
            return []
        return ["torch raises, ours computes"]
    try:
        oout = ofn(*[b for _, b in pa], **{k: v[1] for k, v in pk.items()})
    except Exception as e:
        if any(r in str(e) for r in refusals):
            return []
        return [f"ours raises {type(e).__name__}: {str(e)[:200]}"]
    errs, tl, ol = outputs_compared(tout, oout, rtol, float_dtypes_only=True)
    if errs or isinstance(tl, int):
        return errs
    try:
        tl.backward()
    except RuntimeError:  # (torch's backward fails: group_norm with bias and no weight)
        return []
    ol.backward()
    leaves = [(a, b) for t, o in zip(_flat([p[0] for p in pa] + [v[0] for v in pk.values()]),
                                     _flat([p[1] for p in pa] + [v[1] for v in pk.values()]))
              for a, b in [(t, o)] if isinstance(t, torch.Tensor) and t.requires_grad]
    for i, (a, b) in enumerate(leaves):
        ta = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        ob = np.zeros(a.shape) if b.grad is None else b.grad
        if e := _diff(ob, ta, grad_rtol):
            errs.append(f"gradient {i}: {e}")
    return errs


def run_cases(draw, seeds):
    failures = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in seeds:
            for what, tfn, ofn, args, kw, opts in draw(np.random.default_rng(seed)):
                if errs := compare(tfn, ofn, args, kw, **opts):
                    failures.append(f"seed {seed} {what}: {errs[:3]}")
    assert not failures, "\n".join(failures[:20])


def _int_or_tuple(r, k, lo, hi):
    if r.integers(2):
        return int(r.integers(lo, hi))
    return tuple(int(v) for v in r.integers(lo, hi, k))


def case(name, args, kw=None, what="", **opts):
    """A case calling the function `name` of both libraries (`name` may be a pair)."""
    tn, on = (name, name) if isinstance(name, str) else name
    return (f"{on}({what})", getattr(TF, tn) if isinstance(tn, str) else tn,
            getattr(F, on) if isinstance(on, str) else on, args, kw or {}, opts)


# ---- resampling -----------------------------------------------------------------------------
def draw_resampling(r):
    k = int(r.integers(1, 3))
    x = r.standard_normal((int(r.integers(1, 3)), int(r.integers(1, 3)),
                           *r.integers(1, 6, k)))
    mode = str(r.choice(["nearest", ["linear", "bilinear"][k - 1]]))
    kw = {"mode": mode}
    if r.integers(2):
        kw["size"] = int(r.integers(1, 9)) if r.integers(2) else tuple(
            int(v) for v in r.integers(1, 9, k))
    else:
        kw["scale_factor"] = float(r.choice([0.5, 0.7, 1.5, 2.0, 2.5, 3.0])) if r.integers(
            2) else tuple(float(v) for v in r.choice([0.4, 1.7, 2.0, 3.0], k))
        if r.integers(2):
            kw["recompute_scale_factor"] = bool(r.integers(2))
    if mode != "nearest" and r.integers(3):
        kw["align_corners"] = bool(r.integers(2))
    yield case("interpolate", [x], kw, kw)
    # grid_sample: 4-D with three modes, 5-D with two; points far outside too
    nd = int(r.integers(2, 4))
    gmode = str(r.choice(["bilinear", "nearest", "bicubic"][:5 - nd]))
    x = r.standard_normal((int(r.integers(1, 3)), 2, *r.integers(1, 5, nd)))
    grid = r.uniform(-1, 1, (x.shape[0], *r.integers(1, 4, nd), nd)) * r.choice([1.0, 1.2, 10])
    if r.integers(4) == 0:
        grid = np.round(grid * 4) / 4  # on the lattice and the borders
    kw = dict(mode=gmode, padding_mode=str(r.choice(["zeros", "border", "reflection"])),
              align_corners=bool(r.integers(2)))
    yield case("grid_sample", [x, grid], kw, kw, grad_rtol=1e-8)
    size = (int(r.integers(1, 3)), 2, *(int(v) for v in r.integers(1, 5, nd)))
    ac = bool(r.integers(2))
    yield case((lambda t: TF.affine_grid(t, size, ac), lambda t: F.affine_grid(t, size, ac)),
               [r.standard_normal((size[0], nd, nd + 1))], what=f"{size}, {ac}")


def draw_pad(r):
    mode = str(r.choice(["constant", "reflect", "replicate", "circular"]))
    k = int(r.integers(1, 4))
    nd = int(r.integers(1, 6)) if mode == "constant" else k + int(r.integers(1, 3))
    x = r.standard_normal(tuple(int(v) for v in r.integers(1, 5, nd)))
    pads = tuple(int(v) for v in r.integers(-2, 4, 2 * min(k, nd)))
    sides = list(zip(pads[::2], pads[1::2]))[::-1]  # (left, right) of the last axes, in order
    for n, (lo, hi) in zip(x.shape[nd - len(sides):], sides):
        kept = n + min(lo, 0) + min(hi, 0)
        if n + lo + hi <= 0 or mode == "circular" and kept < max(lo, hi, 0):
            return  # (an empty output, or a wrap past the crop: torch's garbage)
    kw = {"mode": mode}
    if mode == "constant" and r.integers(2):
        kw["value"] = float(r.choice([1.5, -2.0, np.inf]))
    yield case((lambda t, **k: TF.pad(t, pads, **k), lambda t, **k: F.pad(t, pad=pads, **k)),
               [x], kw, f"{pads}, {kw}")


# ---- pooling --------------------------------------------------------------------------------
def _plane(r, k):
    x = r.standard_normal((*([int(r.integers(1, 3))] if r.integers(4) else []),
                           int(r.integers(1, 3)), *r.integers(1, 7, k)))
    u = r.random()
    if u < 0.2:
        x = np.round(x)  # ties
    elif u < 0.3:
        x.flat[r.integers(0, x.size, 2)] = r.choice([-np.inf, np.nan, np.inf], 2)
    return x


def draw_pool(r):
    k = int(r.integers(1, 4))
    x = _plane(r, k)
    ks = _int_or_tuple(r, k, 1, 4)
    kw = {"stride": _int_or_tuple(r, k, 1, 4)} if r.integers(2) else {}
    if r.integers(2):
        kw["padding"] = _int_or_tuple(r, k, 0, 2)
    kw["ceil_mode"] = bool(r.integers(2))
    mkw = dict(kw, dilation=_int_or_tuple(r, k, 1, 3), return_indices=bool(r.integers(2)))
    yield case(f"max_pool{k}d", [x, ks], mkw, mkw, refusals=("holds only padding",))
    akw = dict(kw, count_include_pad=bool(r.integers(2)))
    if k > 1 and r.integers(3) == 0:
        akw["divisor_override"] = int(r.integers(1, 5))
    yield case(f"avg_pool{k}d", [x, ks], akw, akw)
    lk = ks if isinstance(ks, int) or k > 1 else ks[0]  # (torch's lp_pool1d fails on a tuple)
    p = float(r.choice([1.0, 2.0, 3.0, 1.5, np.inf]))
    kw.pop("padding", None)
    yield case(f"lp_pool{k}d", [np.abs(np.nan_to_num(x)) + 0.1, p, lk], kw, kw, grad_rtol=1e-8)
    os_ = int(r.integers(1, 9)) if k == 1 or r.integers(3) == 0 else tuple(
        None if r.integers(4) == 0 else int(v) for v in r.integers(1, 9, k))
    yield case(f"adaptive_avg_pool{k}d", [x, os_], what=os_)
    yield case(f"adaptive_max_pool{k}d", [x, os_], {"return_indices": bool(r.integers(2))},
               os_)


def draw_unpool_and_patches(r):
    k = int(r.integers(1, 4))
    x = r.standard_normal((int(r.integers(1, 3)), 2, *r.integers(2, 6, k)))
    ks, st = _int_or_tuple(r, k, 1, 4), _int_or_tuple(r, k, 1, 4)
    try:
        v, i = getattr(TF, f"max_pool{k}d")(torch.tensor(x), ks, st, return_indices=True)
    except RuntimeError:  # (a kernel larger than the input)
        v = torch.zeros(0)
    if v.numel():
        out = [(n - 1) * (st if isinstance(st, int) else st[j]) + (
            ks if isinstance(ks, int) else ks[j]) + int(r.integers(0, 2))
               for j, n in enumerate(v.shape[2:])] if r.integers(2) else None
        yield case(f"max_unpool{k}d", [v.numpy().copy(), i.numpy().copy(), ks, st, 0, out],
                   what=f"{ks}, {st}, {out}")
    c, h, w = (int(v) for v in r.integers(1, 6, 3))
    ks, dl, pd, st = (_int_or_tuple(r, 2, lo, hi) for lo, hi in ((1, 4), (1, 3), (0, 3), (1, 4)))
    x = r.standard_normal((*([2] if r.integers(4) else []), c, h, w))
    yield case("unfold", [x, ks, dl, pd, st], what=f"{ks}, {dl}, {pd}, {st}")
    try:
        t = TF.unfold(torch.tensor(x), ks, dl, pd, st)
    except RuntimeError:
        t = None
    if t is not None and t.numel():
        yield case("fold", [r.standard_normal(t.shape), (h, w), ks, dl, pd, st],
                   what=f"{ks}, {dl}, {pd}, {st}")
    f = int(r.integers(1, 4))
    lead = tuple(int(v) for v in r.integers(1, 3, int(r.integers(0, 3))))
    yield case("pixel_shuffle", [r.standard_normal((*lead, 2 * f * f, 2, 3)), f], what=f)
    yield case("pixel_unshuffle", [r.standard_normal((*lead, 2, 2 * f, f)), f], what=f)
    g = int(r.integers(1, 4))
    yield case("channel_shuffle", [r.standard_normal((2, 2 * g, *r.integers(1, 3, 2))), g],
               what=g)


# ---- embeddings and distances ---------------------------------------------------------------
def draw_embeddings(r):
    v, d = (int(n) for n in r.integers(1, 6, 2))
    w = r.standard_normal((v, d))
    idx = r.integers(0, v, tuple(int(n) for n in r.integers(1, 4, int(r.integers(0, 3)))))
    kw = {"padding_idx": int(r.integers(-v, v))} if r.integers(2) else {}
    yield case("embedding", [idx, w], kw, kw)
    mode = str(r.choice(["sum", "mean", "max"]))
    kw = {"mode": mode}
    if r.integers(2):
        inp, args = r.integers(0, v, (int(r.integers(1, 4)), int(r.integers(1, 4)))), []
    else:
        inp = r.integers(0, v, int(r.integers(0, 8)))
        offs = np.sort(r.integers(0, inp.size + 1, int(r.integers(1, 5))))
        offs[0] = 0
        if r.integers(3) == 0:
            kw["include_last_offset"], offs = True, np.append(offs, inp.size)
        args = [offs]
    if r.integers(2):
        kw["padding_idx"] = int(r.integers(-v, v))
    if mode == "sum" and r.integers(2):
        kw["per_sample_weights"] = r.standard_normal(inp.shape)
    yield case("embedding_bag", [inp, w, *args], kw, f"{inp.shape}, {kw.keys()}")


def draw_distances(r):
    nd = int(r.integers(1, 4))
    shape = tuple(int(n) for n in r.integers(1, 4, nd))
    x = r.standard_normal(shape)
    if r.integers(5) == 0:
        x[...] = 0
    p, dim = float(r.choice([2.0, 1.0, 3.0, 0.5, np.inf, 1.5])), int(r.integers(-nd, nd))
    eps = float(r.choice([1e-12, 1e-3, 1.0]))
    yield case("normalize", [x, p, dim, eps], what=f"{p}, {dim}, {eps}")
    x = r.standard_normal(shape) + 3  # (norms above eps: torch's gradient is wrong below it)
    y = r.standard_normal(tuple(n if r.integers(4) else 1 for n in shape))
    yield case("cosine_similarity", [x, y, dim, 1e-8], what=dim)
    kd = bool(r.integers(2))
    yield case("pairwise_distance", [x, y, p, float(r.choice([1e-6, 0.0, 1.0])), kd],
               what=f"{p}, {kd}")
    m = r.standard_normal((int(r.integers(1, 5)), int(r.integers(1, 4))))
    if m.shape[0] > 1 and r.integers(3) == 0:
        m[1] = m[0]  # (a zero distance)
    yield case("pdist", [m, float(r.choice([2.0, 1.0, 3.0, 0.5, np.inf, 0.0]))])


# ---- activations and softmax ----------------------------------------------------------------
_EDGES = [0.0, -0.0, np.inf, -np.inf, 20.0, -20.0, 1.0, -1.0, 0.5, -0.5, 3.0, -3.0, 6.0, 710.0,
          -745.0]


def draw_activations(r):
    shape = tuple(int(n) for n in r.integers(1, 4, int(r.integers(1, 4))))
    x = r.standard_normal(shape) * float(r.choice([1, 3, 30]))
    if r.integers(2):
        x = np.where(r.random(shape) < 0.3, r.choice(_EDGES, shape), x)
    dim = int(r.integers(-x.ndim, x.ndim))
    for name in ("softmax", "log_softmax", "softmin"):
        yield case(name, [x], {"dim": dim}, dim)
    yield case((lambda t: TF.softmin(t, dim, dtype=torch.float64),  # (NumPy's dtype here)
                lambda t: F.softmin(t, dim, dtype=np.float64)), [x.astype(np.float32)],
               what=f"{dim}, dtype")
    if x.shape[dim] % 2 == 0:
        yield case("glu", [np.clip(x, -20, 20), dim], what=dim)
    for name, kw in [
            ("gelu", {"approximate": str(r.choice(["none", "tanh"]))}),
            ("elu", {"alpha": float(r.choice([1.0, 0.5, 0.0, -1.0]))}),
            ("celu", {"alpha": float(r.choice([1.0, 0.5, 2.0]))}), ("selu", {}), ("silu", {}),
            ("mish", {}), ("hardswish", {}), ("tanhshrink", {}), ("softsign", {}),
            ("logsigmoid", {}), ("relu6", {}), ("relu", {}),
            ("hardtanh", {"min_val": float(r.choice([-1.0, -2.0, 0.5])),
                          "max_val": float(r.choice([1.0, 2.0, 3.0]))}),
            ("softplus", {"beta": float(r.choice([1.0, 2.0, 0.5, -1.0])),
                          "threshold": float(r.choice([20.0, 1.0, 0.0, -1.0]))}),
            ("softshrink", {"lambd": float(r.choice([0.5, 0.0, 2.0]))}),
            ("hardshrink", {"lambd": float(r.choice([0.5, 0.0, 2.0, -1.0]))}),
            ("threshold", {"threshold": float(r.choice([0.0, 1.0, -1.0])),
                           "value": float(r.choice([0.0, -2.0, np.nan]))}),
            ("rrelu", {"lower": 0.1, "upper": float(r.choice([0.3, 0.8])), "training": False}),
            ("leaky_relu", {"negative_slope": float(r.choice([0.01, 0.2, 0.0, -0.5]))})]:
        yield case(name, [x], kw, kw)
    yield case("hardsigmoid", [x], grad_rtol=1e-7)  # (torch's 1/6 is float32's)
    c = x.shape[1] if x.ndim >= 2 else 1
    yield case("prelu", [x, r.standard_normal((c,) if r.integers(2) else (1,))])


# ---- normalization --------------------------------------------------------------------------
def _maybe(r, a):
    return a if r.integers(3) else None


def draw_norms(r):
    nd = int(r.integers(2, 5))
    shape = tuple(int(n) for n in r.integers(1, 4, nd))
    x = r.standard_normal(shape) * float(r.choice([1, 1e-3, 100]))
    c, k = shape[1], int(r.integers(1, nd + 1))
    ns, eps = shape[nd - k:], float(r.choice([1e-5, 1e-3, 1.0]))
    w, b = _maybe(r, r.standard_normal(ns)), _maybe(r, r.standard_normal(ns))
    yield case("layer_norm", [x, ns, w, b, eps], what=f"{ns}, {eps}", grad_rtol=1e-8)
    yield case("rms_norm", [x, ns, w, _maybe(r, eps)], what=ns, grad_rtol=1e-8)
    g = int(r.choice([d for d in range(1, c + 1) if c % d == 0]))
    wc, bc = _maybe(r, r.standard_normal(c)), _maybe(r, r.standard_normal(c))
    if x.size // g > 1:  # (torch's F.group_norm refuses one value per group in one sample)
        yield case("group_norm", [x, g, wc, bc, eps], what=g, grad_rtol=1e-8)
    size, al, be = int(r.integers(1, 5)), float(r.choice([1e-4, 0.5])), float(r.choice([0.75, 1]))
    yield case("local_response_norm", [x, size, al, be, float(r.choice([1.0, 2.0]))])
    # torch.batch_norm's spelling (tg.batch_norm): running statistics updated in place
    training, mom = bool(r.integers(2)), float(r.choice([0.1, 0.5]))
    rm, rv = r.standard_normal(c), r.random(c) + 0.1
    stats = [(torch.tensor(rm), torch.tensor(rv)), (tg.Tensor(rm.copy()), tg.Tensor(rv.copy()))]
    if training and x.size // c > 1 or not training:
        yield case((lambda t, ww, bb: torch.batch_norm(t, ww, bb, *stats[0], training, mom,
                                                       1e-5, False),
                    lambda t, ww, bb: tg.batch_norm(t, ww, bb, *stats[1], training, mom, 1e-5,
                                                    False)),
                   [x, wc, bc], what=f"training={training}", grad_rtol=1e-8)
        for a, o in zip(*stats):
            assert _diff(o.data, a.numpy()) is None, ("torch.batch_norm's running stats", a, o)
    if nd == 2 and x.shape[0] > 1:  # F.batch_norm: the course's order (gamma, beta, eps, ...)
        gb = [r.standard_normal(c), r.standard_normal(c)]
        yield case((lambda t, ww, bb: TF.batch_norm(t, None, None, ww, bb, True, 0.1, 1e-5),
                    lambda t, ww, bb: F.batch_norm(t, ww, bb, eps=1e-5)), [x] + gb, what="train",
                   grad_rtol=1e-8)
        yield case((lambda t, ww, bb: TF.batch_norm(t, torch.tensor(rm), torch.tensor(rv), ww,
                                                    bb, False, 0.1, 1e-5),
                    lambda t, ww, bb: F.batch_norm(t, ww, bb, eps=1e-5, training=False, mean=rm,
                                                   var=rv)), [x] + gb, what="eval")
    if nd >= 3:
        uis = bool(r.integers(3))
        runs = [(torch.tensor(rm), torch.tensor(rv)), (rm.copy(), rv.copy())] if r.integers(
            2) or not uis else [(None, None)] * 2
        yield case((lambda t, ww, bb: TF.instance_norm(t, *runs[0], ww, bb, uis, mom, eps),
                    lambda t, ww, bb: F.instance_norm(t, *runs[1], ww, bb, uis, mom, eps)),
                   [x, wc, bc], what=f"uis={uis}, {runs[1][0] is not None}", grad_rtol=1e-8)
        if runs[0][0] is not None:
            for a, o in zip(*runs):
                assert _diff(o, a.numpy()) is None, ("instance_norm's running stats", a, o)


# ---- convolution, linear maps, attention ----------------------------------------------------
def draw_conv(r):
    k, g = int(r.choice([1, 2, 3], p=[0.4, 0.4, 0.2])), int(r.integers(1, 4))
    cin, cout = g * int(r.integers(1, 3)), g * int(r.integers(1, 3))
    x = r.standard_normal((*([int(r.integers(1, 3))] if r.integers(5) else []), cin,
                           *r.integers(1, 6, k)))
    ks = tuple(int(n) for n in r.integers(1, 4, k))
    st = _int_or_tuple(r, k, 1, 4) if r.integers(2) else 1
    dl = _int_or_tuple(r, k, 1, 3) if r.integers(2) else 1
    b = _maybe(r, r.standard_normal(cout))
    if r.integers(3) == 0:
        pd = _int_or_tuple(r, k, 0, 3) if r.integers(2) else 0
        sts, dls = ((v,) * k if isinstance(v, int) else v for v in (st, dl))
        op = tuple(int(r.integers(0, max(s, d))) for s, d in zip(sts, dls))
        yield case(f"conv_transpose{k}d", [x, r.standard_normal((cin, cout // g, *ks)), b, st, pd,
                                           op, g, dl], what=f"{st}, {pd}, {op}, {g}, {dl}")
    else:
        pd = str(r.choice(["same", "valid"])) if r.integers(3) == 0 else _int_or_tuple(r, k, 0, 3)
        yield case(f"conv{k}d", [x, r.standard_normal((cout, cin // g, *ks)), b, st, pd, dl, g],
                   what=f"{st}, {pd}, {dl}, {g}")
    lead = tuple(int(n) for n in r.integers(1, 3, int(r.integers(0, 3))))
    i, o, i2 = (int(n) for n in r.integers(1, 4, 3))
    x1, x2 = r.standard_normal((*lead, i)), r.standard_normal((*lead, i2))
    yield case("linear", [x1, r.standard_normal((o, i)), _maybe(r, r.standard_normal(o))])
    if len(lead) != 1:  # (torch's 2-D input with a vector weight and a bias goes to addmm)
        yield case("linear", [x1, r.standard_normal(i), _maybe(r, r.standard_normal(()))],
                   what="a vector weight")
    yield case("bilinear", [x1, x2, r.standard_normal((o, i, i2)), _maybe(r, r.standard_normal(o))])


def draw_attention(r):
    lead = tuple(int(n) for n in r.integers(1, 3, int(r.integers(1, 3))))
    n_l, n_s, e, ev = (int(n) for n in r.integers(1, 5, 4))
    kl, ql, kw = lead, lead, {}
    if r.integers(4) == 0:
        kl, ql, kw["enable_gqa"] = lead, lead[:-1] + (2 * lead[-1],), True
    args = [r.standard_normal((*ql, n_l, e)), r.standard_normal((*kl, n_s, e)),
            r.standard_normal((*kl, n_s, ev))]
    u = r.random()
    if u < 0.3:
        kw["attn_mask"] = r.random((n_l, n_s) if r.integers(2) else (*ql, n_l, n_s)) < 0.7
    elif u < 0.6:
        kw["attn_mask"] = np.where(r.random((n_l, n_s)) < 0.2, -np.inf, r.standard_normal(
            (n_l, n_s)))
    elif u < 0.8:
        kw["is_causal"] = True
    if r.integers(3) == 0:
        kw["scale"] = float(r.choice([0.5, 2.0] + [-1.0, 0.0] * ("is_causal" not in kw)))
    yield case("scaled_dot_product_attention", args, kw, {k: v for k, v in kw.items()
                                                           if k != "attn_mask"})
    h, hd = (int(n) for n in r.integers(1, 3, 2))
    e, batch = h * hd, ([int(r.integers(1, 3))] if r.integers(4) else [])
    sep = bool(r.integers(3) == 0)
    q = r.standard_normal((n_l, *batch, e))
    kv = [r.standard_normal((n_s, *batch, int(r.integers(1, 4)) if sep else e)) for _ in "kv"]
    bkv = [r.standard_normal((1, 1, e)) for _ in "kv"] if r.integers(4) == 0 else [None, None]
    kpm = r.random((*batch, n_s)) < 0.3 if r.integers(3) == 0 else None
    mkw = dict(training=False, key_padding_mask=kpm, need_weights=bool(r.integers(2)),
               average_attn_weights=bool(r.integers(2)), use_separate_proj_weight=sep)
    if sep:
        mkw.update(q_proj_weight=r.standard_normal((e, e)),
                   k_proj_weight=r.standard_normal((e, kv[0].shape[-1])),
                   v_proj_weight=r.standard_normal((e, kv[1].shape[-1])))
    yield case("multi_head_attention_forward", [
        q, *kv, e, h, None if sep else r.standard_normal((3 * e, e)),
        _maybe(r, r.standard_normal(3 * e)), *bkv, bool(r.integers(4) == 0), 0.0,
        r.standard_normal((e, e)), _maybe(r, r.standard_normal(e))], mkw, f"sep={sep}")
    x = r.standard_normal(tuple(int(n) for n in r.integers(1, 4, 4)))
    for name in ("dropout", "alpha_dropout", "feature_alpha_dropout", "dropout1d", "dropout2d",
                 "dropout3d"):
        xx = x[0, :, :, 0] if name == "dropout1d" else x[None] if name == "dropout3d" else x
        yield case(name, [xx, float(r.choice([0.0, 0.5, 1.0]))], {"training": False})


@pytest.mark.parametrize("draw, seeds", [
    (draw_resampling, range(60)), (draw_pad, range(120)), (draw_pool, range(50)),
    (draw_unpool_and_patches, range(50)), (draw_embeddings, range(80)),
    (draw_distances, range(80)), (draw_activations, range(25)), (draw_norms, range(50)),
    (draw_conv, range(60)), (draw_attention, range(50))],
    ids=lambda v: getattr(v, "__name__", ""))
def test_functional_matches_torch(draw, seeds):
    run_cases(draw, seeds)


# ---- interpolate's refused options, one line each (modes: test_embedding_interpolate_torch_hE)
@pytest.mark.parametrize("shape, kw", [
    ((1, 1, 4, 4), {"mode": "lanczos", "size": 3, "antialias": True})])
def test_interpolate_refuses_what_it_does_not_compute_in_one_line(shape, kw):
    TF.interpolate(torch.ones(shape), **kw)  # (torch computes)
    with pytest.raises(ValueError, match="^interpolate: ") as e:
        F.interpolate(tg.Tensor(np.ones(shape)), **kw)
    assert "\n" not in str(e.value)


# ---- the bugs this hunt found ---------------------------------------------------------------
def test_softmin_takes_dtype_as_torch():
    """Before: F.softmin(x, dim, dtype=...) raised TypeError (an unexpected keyword), where
    torch casts the input first (F.softmax and F.log_softmax here took it already)."""
    x = np.array([[1.0, 2.0, 3.5]], np.float32)
    ours = F.softmin(tg.Tensor(x), 1, dtype=np.float64)
    theirs = TF.softmin(torch.tensor(x), 1, dtype=torch.float64).numpy()
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours.data, theirs, rtol=1e-15)


def test_linear_with_a_vector_weight_has_torch_gradients():
    """Before: F.linear(x, w) with a 1-D w (torch's x @ w, one number per row) computed the
    forward, then its backward raised in a matmul (or returned a gradient of the wrong shape)."""
    r = np.random.default_rng(3)
    for xs in [(3,), (2, 4, 3)]:
        assert not compare(TF.linear, F.linear, [r.standard_normal(xs), r.standard_normal(3)])
        assert not compare(TF.linear, F.linear, [r.standard_normal(xs), r.standard_normal(3),
                                                 r.standard_normal(())])
    with pytest.raises(ValueError, match="^linear: a vector weight .* bias must be 0-d"):
        F.linear(tg.Tensor(np.ones((2, 2, 3))), tg.Tensor(np.ones(3)), tg.Tensor(np.ones(2)))


def test_one_hot_num_classes_minus_one_is_refused_in_one_line():
    """Before: F.one_hot(y, -1) (torch's "infer it") raised "labels must be in [0, -1), got
    0..2", which names neither num_classes nor what to pass."""
    with pytest.raises(ValueError, match=r"^one_hot: num_classes=-1 .*pass the number of "):
        F.one_hot(np.array([0, 2, 1]), -1)


def test_pad_refuses_widths_that_are_not_integers():
    """Before: F.pad(x, pad=(1.5, 1)) padded 1 on the left (NumPy's astype truncated the
    width) and tg.pad(x, ((1.5, 1), (0, 0))) likewise, where torch and np.pad refuse them."""
    x = tg.Tensor(np.ones((2, 3)))
    for kw in ({"pad": (1.5, 1)}, {"pad": (1.0, 1, 0, 0)}, {"pad_width": ((1.5, 1), (0, 0))}):
        with pytest.raises(TypeError, match="^pad: the widths must be integers"):
            F.pad(x, **kw)
    assert F.pad(x, pad=(np.int32(2), 0)).shape == (2, 5)


def test_pad_with_no_widths_is_a_copy_as_torch():
    """Before: F.pad(x, ()) raised NumPy's broadcast error from inside the Pad op; torch
    returns a copy."""
    assert not compare(lambda t: TF.pad(t, ()), lambda t: F.pad(t, pad=()),
                       [np.arange(6.0).reshape(2, 3)])


def test_layer_norm_refuses_a_normalized_shape_that_is_not_integers():
    """Before: F.layer_norm(x, (6.5,)) normalized over the last 6 entries (int(6.5)), where
    torch refuses a float in normalized_shape."""
    x = tg.Tensor(np.ones((2, 6)))
    for ns in ((6.5,), 6.0, [6.0]):
        with pytest.raises(TypeError, match="^layer_norm: normalized_shape must be integers"):
            F.layer_norm(x, ns)

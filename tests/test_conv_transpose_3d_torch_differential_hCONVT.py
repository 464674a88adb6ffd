"""Differential fuzz against torch 2.13 (CPU) of what the 2-D edge hunt (hCV) left out: the
transposed convolutions as functions (padding past the kernel, output_padding up to and past the
stride and dilation, depthwise and grouped, bias None, unbatched, empty batch, NaN / +-inf in the
input and weight) and as modules (nn.ConvTranspose1d/2d/3d with torch's weights, forward with
`output_size` as a tuple, a list or a torch.Size, with or without the batch and channel sizes,
in and out of torch's range), nn.Conv1d / nn.Conv3d with every padding_mode and 'same' / 'valid'
with even kernels and dilation, F.conv1d / F.conv3d, the 3-D pools (max with indices, dilation
and ceil_mode; avg with count_include_pad and divisor_override; lp with p = 1, 2, 3, inf and
ceil_mode), the pool modules in 1, 2 and 3 dimensions, max_unpool1d/2d/3d (functions and
modules) of a pool's indices with output_size, and the adaptive 3-D pools (None sizes, size 0).
Values, dtypes and every gradient (input, weight, bias) to 1e-10 relative in float64 (3e-5 /
3e-4 in float32); where torch raises, ours raises one line. About 35,000 cases ran in scratch;
the one bug found (the pools reading ceil_mode / count_include_pad by truthiness) has its named
regression below.

Left out of the draws (documented or torch's own): conv_transpose of an empty batch with an
argument torch skips checking (an output side of 0, output_padding past the stride), a max pool
window of padding only, torch's float32 conv_transpose computing an output side of 0 (grouped,
or 2-D / 3-D) that its float64 path refuses, and max_unpool indices naming a position twice with
different values (torch's winner is undefined)."""

import warnings

import numpy as np
import pytest
from oracle import as_numpy as _np
from oracle import flat as _flat
from oracle import grads_compared, one_line, outputs_compared

import tinygrad_dl as tg
from tinygrad_dl import nn as tnn
from tinygrad_dl.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


# ---- the harness ----------------------------------------------------------------------------
class Case:
    """One comparison: torch's `tfn(*targs)` against ours `ofn(*oargs)`; the leaves whose
    gradients are compared are the float arguments and the modules' parameters."""

    def __init__(self, label, tfn, ofn, args, dtype, tmod=None, omod=None, grad=True):
        self.label, self.tfn, self.ofn = label, tfn, ofn
        self.targs, self.oargs = [], []
        for a in args:
            if isinstance(a, np.ndarray):
                f = a.dtype.kind == "f" and grad
                a = a.astype(dtype) if a.dtype.kind == "f" else a
                self.targs.append(torch.tensor(a, requires_grad=f))
                self.oargs.append(tg.Tensor(a.copy(), requires_grad=f))
            else:
                self.targs.append(a)
                self.oargs.append(a)
        self.tparams, self.oparams = [], []
        if tmod is not None:  # ours takes torch's parameters (in `dtype`)
            for name, p in tmod.named_parameters():
                p.data = p.data.to(torch.float64 if dtype == np.float64 else torch.float32)
                setattr(omod, name, tg.Tensor(p.detach().numpy().copy(), requires_grad=True))
                self.tparams.append(p)
                self.oparams.append(getattr(omod, name))


def compare(case, rtol=1e-10, grad_rtol=1e-9):
    """Every difference between torch's result and ours (values, dtypes, gradients, errors)."""
    try:
        tout = case.tfn(*case.targs)
    except Exception:
        try:
            case.ofn(*case.oargs)
        except Exception as e:
            return [] if "\n" not in str(e).strip() else [f"a multi-line error: {e}"]
        return ["torch raises, ours computes"]
    try:
        oout = case.ofn(*case.oargs)
    except Exception as e:
        return [f"ours raises {type(e).__name__}: {str(e)[:200]}"]
    errs, tl, ol = outputs_compared(tout, oout, rtol)
    if errs or isinstance(tl, int):
        return errs
    try:
        tl.backward()
    except RuntimeError:  # (torch's backward of an empty result can fail)
        return errs
    ol.backward()
    leaves = [(t, o) for t, o in zip(case.targs + case.tparams, case.oargs + case.oparams)
              if isinstance(t, torch.Tensor) and t.requires_grad]
    return errs + grads_compared(leaves, grad_rtol)


def run_cases(draw, seeds, dtype=np.float64):
    tol = {} if dtype == np.float64 else dict(rtol=3e-5, grad_rtol=3e-4)
    failures = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in seeds:
            for case in draw(np.random.default_rng(seed), dtype):
                if errs := compare(case, **tol):
                    failures.append(f"seed {seed} {case.label}: {errs[:3]}")
    assert not failures, "\n".join(failures[:20])


def _ints(r, lo, hi, n):
    return tuple(int(v) for v in r.integers(lo, hi, n))


def _opt(r, v):
    """An option as a tuple or (where all agree, two thirds of the time) one int."""
    return tuple(v) if len(set(v)) > 1 or r.integers(3) == 0 else v[0]


def _one(nd, v):
    """A 1-D module's option as one int (torch's _single of a tuple is the tuple)."""
    return v[0] if nd == 1 and isinstance(v, tuple) else v


def _special(r, x):
    """x with ties, or NaN and +-inf in 15% of its entries, a third of the time each."""
    u = r.integers(3)
    if u == 0:
        return np.round(x)
    if u == 1:
        return np.where(r.random(x.shape) < 0.15, r.choice([np.nan, np.inf, -np.inf], x.shape), x)
    return x


def _fn(name, **kw):
    return (lambda *a: getattr(TF, name)(*a, **kw)), (lambda *a: getattr(F, name)(*a, **kw))


# ---- the draws ------------------------------------------------------------------------------
def draw_conv_transpose(r, dtype):
    nd, g = int(r.integers(1, 4)), int(r.choice([1, 1, 2, 3]))
    cin, cpg = g * int(r.integers(1, 3)), int(r.integers(1, 3))
    k, st, dil, pad = _ints(r, 1, 5, nd), _ints(r, 1, 5, nd), _ints(r, 1, 4, nd), _ints(r, 0, 7, nd)
    # output_padding up to max(stride, dilation): one past torch's limit a sixth of the time
    outp = tuple(int(r.integers(0, max(s, d) + int(r.integers(6) == 0))) for s, d in zip(st, dil))
    batch = [] if r.integers(5) == 0 else [int(r.integers(1, 4))]
    x, w = r.standard_normal((*batch, cin, *_ints(r, 1, 6, nd))), r.standard_normal((cin, cpg, *k))
    if r.integers(3) == 0:
        x, w = _special(r, x), _special(r, w)
    args = [x, w] + ([r.standard_normal(cpg * g)] if r.integers(2) else [])
    kw = dict(stride=_opt(r, st), padding=_opt(r, pad), output_padding=_opt(r, outp), groups=g,
              dilation=_opt(r, dil))
    out = [(i - 1) * s - 2 * p + d * (kk - 1) + o + 1
           for i, s, p, d, kk, o in zip(x.shape[-nd:], st, pad, dil, k, outp)]
    if min(out) < 1 and dtype == np.float32:
        return  # (torch's float32 paths can give an empty result where its float64 one refuses)
    yield Case(f"conv_transpose{nd}d({[a.shape for a in args]}, {kw})",
               *_fn(f"conv_transpose{nd}d", **kw), args, dtype)


def draw_conv_transpose_empty_batch(r, dtype):
    nd, g = int(r.integers(1, 4)), int(r.choice([1, 2]))
    cin, cpg = g * int(r.integers(1, 3)), int(r.integers(1, 3))
    k, st, dil, pad = _ints(r, 1, 4, nd), _ints(r, 1, 4, nd), _ints(r, 1, 3, nd), _ints(r, 0, 2, nd)
    x = r.standard_normal((0, cin, *_ints(r, 1, 5, nd)))
    if min((i - 1) * s - 2 * p + d * (kk - 1) + 1
           for i, s, p, d, kk in zip(x.shape[-nd:], st, pad, dil, k)) < 1:
        return  # (torch skips its checks for an empty batch: documented)
    args = [x, r.standard_normal((cin, cpg, *k))] + ([r.standard_normal(cpg * g)]
                                                     if r.integers(2) else [])
    kw = dict(stride=_opt(r, st), padding=_opt(r, pad), groups=g, dilation=_opt(r, dil))
    yield Case(f"conv_transpose{nd}d({[a.shape for a in args]}, {kw})",
               *_fn(f"conv_transpose{nd}d", **kw), args, dtype)


def draw_conv_transpose_module(r, dtype):
    nd, g = int(r.integers(1, 4)), int(r.choice([1, 1, 2, 3]))
    cin, cout = g * int(r.integers(1, 3)), g * int(r.integers(1, 3))
    k, st, dil, pad = _ints(r, 1, 5, nd), _ints(r, 1, 5, nd), _ints(r, 1, 4, nd), _ints(r, 0, 5, nd)
    outp = tuple(int(r.integers(0, max(s, d))) for s, d in zip(st, dil))
    kw = {a: _one(nd, v) for a, v in dict(
        stride=_opt(r, st), padding=_opt(r, pad), output_padding=_opt(r, outp), groups=g,
        dilation=_opt(r, dil), bias=bool(r.integers(2))).items()}
    name = f"ConvTranspose{nd}d"
    tm = getattr(torch.nn, name)(cin, cout, _one(nd, k), **kw)
    om = getattr(tnn, name)(cin, cout, _one(nd, k), **kw)
    x = r.standard_normal(([] if r.integers(4) == 0 else [int(r.integers(1, 3))])
                          + [cin, *_ints(r, 1, 5, nd)])
    if r.integers(4) == 0:
        x = _special(r, x)
    size = None
    if r.integers(3):  # torch's range, one below or past it a sixth of the time each
        low = [(i - 1) * s - 2 * p + d * (kk - 1) + 1
               for i, s, p, d, kk in zip(x.shape[-nd:], st, pad, dil, k)]
        size = [lo + int(r.integers(-int(r.integers(6) == 0), s + int(r.integers(6) == 0)))
                for lo, s in zip(low, st)]
        if dtype == np.float32 and min(size) < 1:
            return  # (as in draw_conv_transpose)
        if r.integers(3) == 0:
            size = list(x.shape[:-nd - 1]) + [cout] + size
        size = [tuple, torch.Size, list][int(r.integers(3))](size)
    elif dtype == np.float32 and min(
            (i - 1) * s - 2 * p + d * (kk - 1) + o + 1
            for i, s, p, d, kk, o in zip(x.shape[-nd:], st, pad, dil, k, outp)) < 1:
        return  # (as in draw_conv_transpose)
    label = f"{name}({cin}, {cout}, {k}, {kw})({x.shape}, output_size={size})"
    yield Case(label, (lambda a: tm(a, size)), (lambda a: om(a, size)), [x], dtype, tm, om)


def draw_conv_module(r, dtype):
    nd, g = int(r.choice([1, 3])), int(r.choice([1, 1, 2]))
    cin, cout = g * int(r.integers(1, 3)), g * int(r.integers(1, 3))
    k, st, dil = _ints(r, 1, 5, nd), _ints(r, 1, 4, nd), _ints(r, 1, 4, nd)
    u = r.integers(4)
    pad = "same" if u == 0 else "valid" if u == 1 else _opt(r, _ints(r, 0, 4, nd))
    if u == 0:
        st = (1,) * nd
    mode = str(r.choice(["zeros", "reflect", "replicate", "circular"]))
    kw = {a: _one(nd, v) for a, v in dict(
        stride=_opt(r, st), padding=pad, dilation=_opt(r, dil), groups=g,
        bias=bool(r.integers(2)), padding_mode=mode).items()}
    name = f"Conv{nd}d"
    tm = getattr(torch.nn, name)(cin, cout, _one(nd, k), **kw)
    om = getattr(tnn, name)(cin, cout, _one(nd, k), **kw)
    batch = [] if r.integers(4) == 0 else [int(r.integers(0 if r.integers(6) == 0 else 1, 3))]
    x = r.standard_normal((*batch, cin, *_ints(r, 1, 8, nd)))
    if r.integers(4) == 0:
        x = _special(r, x)
    yield Case(f"{name}({cin}, {cout}, {k}, {kw})({x.shape})", tm, om, [x], dtype, tm, om)


def draw_conv(r, dtype):
    nd, g = int(r.choice([1, 3])), int(r.choice([1, 1, 2]))
    cin, cout = g * int(r.integers(1, 3)), g * int(r.integers(1, 3))
    k, st, dil = _ints(r, 1, 5, nd), _ints(r, 1, 4, nd), _ints(r, 1, 4, nd)
    u = r.integers(4)
    pad = "same" if u == 0 else "valid" if u == 1 else _opt(r, _ints(r, 0, 6, nd))
    if u == 0 and r.integers(4):  # (else a stride past 1: refused by both)
        st = (1,) * nd
    batch = [] if r.integers(4) == 0 else [int(r.integers(0 if r.integers(6) == 0 else 1, 3))]
    x, w = r.standard_normal((*batch, cin, *_ints(r, 1, 8, nd))), r.standard_normal(
        (cout, cin // g, *k))
    if r.integers(3) == 0:
        x, w = _special(r, x), _special(r, w)
    args = [x, w] + ([r.standard_normal(cout)] if r.integers(2) else [])
    kw = dict(stride=_opt(r, st), padding=pad, dilation=_opt(r, dil), groups=g)
    yield Case(f"conv{nd}d({[a.shape for a in args]}, {kw})", *_fn(f"conv{nd}d", **kw), args,
               dtype)


def _pool_input(r, nd):
    batch = [] if r.integers(4) == 0 else [int(r.integers(1, 3))]
    return _special(r, r.standard_normal((*batch, int(r.integers(1, 3)), *_ints(r, 1, 7, nd))))


def _only_padding(call):
    """Whether ours refuses a max pool's window of padding only (documented: torch's result
    there is undefined, an index out of range), left out of the draws."""
    try:
        call()
    except ValueError as e:
        return "holds only padding" in str(e)
    return False


def draw_pools_3d(r, dtype):
    k, st, dil = _ints(r, 1, 4, 3), _ints(r, 1, 4, 3), _ints(r, 1, 3, 3)
    pad = tuple(int(r.integers(0, kk // 2 + 1)) for kk in k)
    x = _pool_input(r, 3)
    stride = None if r.integers(4) == 0 else _opt(r, st)
    kw = dict(kernel_size=_opt(r, k), stride=stride, padding=_opt(r, pad),
              dilation=_opt(r, dil), ceil_mode=bool(r.integers(2)),
              return_indices=bool(r.integers(2)))
    if not _only_padding(lambda: F.max_pool3d(tg.Tensor(x), **kw)):
        yield Case(f"max_pool3d({x.shape}, {kw})", *_fn("max_pool3d", **kw), [x], dtype)
    kw = dict(kernel_size=_opt(r, k), stride=stride, padding=_opt(r, pad),
              ceil_mode=bool(r.integers(2)), count_include_pad=bool(r.integers(2)))
    if r.integers(2):
        kw["divisor_override"] = int(r.integers(1, 5))
    yield Case(f"avg_pool3d({x.shape}, {kw})", *_fn("avg_pool3d", **kw), [x], dtype)
    x = np.abs(x) + 0.1 if r.integers(2) else x
    kw = dict(norm_type=float(r.choice([1.0, 2.0, 3.0, np.inf])), kernel_size=_opt(r, k),
              stride=stride, ceil_mode=bool(r.integers(2)))
    yield Case(f"lp_pool3d({x.shape}, {kw})", *_fn("lp_pool3d", **kw), [x], dtype)


def draw_pool_modules(r, dtype):
    nd = int(r.integers(1, 4))
    k, st = _ints(r, 1, 4, nd), _ints(r, 1, 4, nd)
    pad = tuple(int(r.integers(0, kk // 2 + 1)) for kk in k)
    x = _pool_input(r, nd)
    stride = None if r.integers(4) == 0 else _one(nd, _opt(r, st))
    ks, ps = _one(nd, _opt(r, k)), _one(nd, _opt(r, pad))
    ceil = bool(r.integers(2))
    u = r.integers(4)
    if u == 0:
        name, kw = f"MaxPool{nd}d", dict(kernel_size=ks, stride=stride, padding=ps,
                                         ceil_mode=ceil, return_indices=bool(r.integers(2)))
    elif u == 1:
        name, kw = f"AvgPool{nd}d", dict(kernel_size=ks, stride=stride, padding=ps,
                                         ceil_mode=ceil, count_include_pad=bool(r.integers(2)))
        if nd > 1 and r.integers(2):
            kw["divisor_override"] = int(r.integers(1, 5))
    elif u == 2:
        x = np.abs(x) + 0.1
        name, kw = f"LPPool{nd}d", dict(norm_type=float(r.choice([1.0, 2.0, 3.0, np.inf])),
                                        kernel_size=ks, stride=stride, ceil_mode=ceil)
    else:
        name = str(r.choice([f"AdaptiveAvgPool{nd}d", f"AdaptiveMaxPool{nd}d"]))
        kw = dict(output_size=_one(nd, _opt(r, _ints(r, 1, 6, nd))))
        if "Max" in name:
            kw["return_indices"] = bool(r.integers(2))
    tm, om = getattr(torch.nn, name)(**kw), getattr(tnn, name)(**kw)
    if "MaxPool" in name and "Adaptive" not in name and _only_padding(lambda: om(tg.Tensor(x))):
        return
    yield Case(f"{name}({kw})({x.shape})", tm, om, [x], dtype)


def draw_unpool(r, dtype):
    nd = int(r.integers(1, 4))
    x = r.standard_normal(([int(r.integers(1, 3))] if r.integers(4) else [])
                          + [int(r.integers(1, 3)), *_ints(r, 2, 8, nd)])
    k, st = _ints(r, 1, 4, nd), _ints(r, 1, 4, nd)
    pad = tuple(int(r.integers(0, kk // 2 + 1)) for kk in k)
    try:
        y, idx = getattr(TF, f"max_pool{nd}d")(torch.tensor(x), k, st, pad, return_indices=True,
                                               ceil_mode=bool(r.integers(2)))
    except RuntimeError:  # (an output side of 0)
        return
    size = None
    if r.integers(2):  # torch's range, one outside it a fifth of the time
        base = [(i - 1) * s - 2 * p + kk for i, s, p, kk in zip(y.shape[-nd:], st, pad, k)]
        size = tuple(b + int(r.integers(-int(r.integers(5) == 0), s + int(r.integers(5) == 0)))
                     for b, s in zip(base, st))
        size = tuple(x.shape[:-nd]) + size if r.integers(2) else size
    args = [y.numpy(), idx.numpy()]
    if r.integers(2):
        name = f"MaxUnpool{nd}d"
        tm, om = getattr(torch.nn, name)(k, st, pad), getattr(tnn, name)(k, st, pad)
        yield Case(f"{name}({k}, {st}, {pad})({y.shape}, {size})", (lambda a, b: tm(a, b, size)),
                   (lambda a, b: om(a, b, size)), args, dtype)
        return
    kw = dict(kernel_size=k, stride=st, padding=pad, output_size=size)
    yield Case(f"max_unpool{nd}d({y.shape}, {kw})", *_fn(f"max_unpool{nd}d", **kw), args, dtype)


def draw_adaptive_3d(r, dtype):
    x = _pool_input(r, 3)
    o = _ints(r, 0 if r.integers(8) == 0 else 1, 8, 3)
    o = tuple(None if r.integers(4) == 0 else v for v in o) if r.integers(3) == 0 else _opt(r, o)
    yield Case(f"adaptive_avg_pool3d({x.shape}, {o})", *_fn("adaptive_avg_pool3d", output_size=o),
               [x], dtype)
    kw = dict(output_size=o, return_indices=bool(r.integers(2)))
    yield Case(f"adaptive_max_pool3d({x.shape}, {kw})", *_fn("adaptive_max_pool3d", **kw), [x],
               dtype)


DRAWS = [draw_conv_transpose, draw_conv_transpose_empty_batch, draw_conv_transpose_module,
         draw_conv_module, draw_conv, draw_pools_3d, draw_pool_modules, draw_unpool,
         draw_adaptive_3d]


@pytest.mark.parametrize("draw", DRAWS, ids=lambda d: d.__name__[5:])
def test_against_torch_float64(draw):
    run_cases(draw, range(0, 60))


@pytest.mark.parametrize("draw", DRAWS, ids=lambda d: d.__name__[5:])
def test_against_torch_float32(draw):
    run_cases(draw, range(1000, 1025), np.float32)


@pytest.mark.slow
@pytest.mark.parametrize("draw", DRAWS, ids=lambda d: d.__name__[5:])
def test_against_torch_float64_more_seeds(draw):
    run_cases(draw, range(60, 160))  # (the hunt ran ~35,000; the suite keeps a sample)


# ---- named checks -----------------------------------------------------------------------------
@pytest.mark.parametrize("name, args, kw", [
    ("conv_transpose1d", [(1, 2, 4), (2, 1, 3)], dict(stride=2, output_padding=2)),
    ("conv_transpose2d", [(1, 2, 4, 4), (2, 1, 3, 3)], dict(stride=(2, 1), dilation=(1, 3),
                                                            output_padding=(1, 3))),
    ("conv_transpose3d", [(2, 3, 3, 3), (2, 1, 2, 2, 2)], dict(stride=3, output_padding=(0, 3, 0))),
])
def test_an_output_padding_at_the_stride_and_dilation_is_refused_in_one_line_as_torch(
        name, args, kw):
    xs = [np.ones(s) for s in args]
    with pytest.raises(RuntimeError):
        getattr(TF, name)(*[torch.tensor(a) for a in xs], **kw)
    with pytest.raises(ValueError) as e:
        getattr(F, name)(*[tg.Tensor(a) for a in xs], **kw)
    one_line(e, name, "output_padding", "stride", "dilation")


@pytest.mark.parametrize("size", [(9,), (13,), [2, 4, 13], torch.Size([8])])
def test_conv_transpose_module_output_size_outside_torchs_range_is_refused_in_one_line(size):
    tm, om = torch.nn.ConvTranspose1d(4, 2, 3, stride=2), tnn.ConvTranspose1d(4, 2, 3, stride=2)
    x = np.ones((2, 4, 5))  # (sizes 11 and 12 are the range)
    with pytest.raises(ValueError):
        tm(torch.tensor(x, dtype=torch.float32), size)
    with pytest.raises(ValueError) as e:
        om(tg.Tensor(x), size)
    one_line(e, "ConvTranspose1d", "output size")


# F.<pool>(x, **kw) for each flag: torch parses ceil_mode and count_include_pad as bools and
# refuses 1, 0, None, a string or a tuple; ours read them by truthiness (ceil_mode="no" pooled
# with ceil_mode on, count_include_pad=None excluded the padding), without a word
_FLAG_CALLS = [
    ("max_pool1d", (1, 2, 5), dict(kernel_size=2), "ceil_mode"),
    ("max_pool2d", (1, 2, 5, 5), dict(kernel_size=2), "ceil_mode"),
    ("max_pool3d", (1, 2, 5, 5, 5), dict(kernel_size=2), "ceil_mode"),
    ("max_pool3d", (1, 2, 5, 5, 5), dict(kernel_size=2, return_indices=True), "ceil_mode"),
    ("avg_pool1d", (1, 2, 5), dict(kernel_size=2, padding=1), "ceil_mode"),
    ("avg_pool1d", (1, 2, 5), dict(kernel_size=2, padding=1), "count_include_pad"),
    ("avg_pool2d", (1, 2, 5, 5), dict(kernel_size=2, padding=1), "ceil_mode"),
    ("avg_pool2d", (1, 2, 5, 5), dict(kernel_size=2, padding=1), "count_include_pad"),
    ("avg_pool3d", (1, 2, 5, 5, 5), dict(kernel_size=2, padding=1), "ceil_mode"),
    ("avg_pool3d", (1, 2, 5, 5, 5), dict(kernel_size=2, padding=1), "count_include_pad"),
    ("lp_pool1d", (1, 2, 5), dict(norm_type=2.0, kernel_size=2), "ceil_mode"),
    ("lp_pool2d", (1, 2, 5, 5), dict(norm_type=2.0, kernel_size=2), "ceil_mode"),
    ("lp_pool3d", (1, 2, 5, 5, 5), dict(norm_type=2.0, kernel_size=2), "ceil_mode"),
    ("lp_pool3d", (1, 2, 5, 5, 5), dict(norm_type=float("inf"), kernel_size=2), "ceil_mode"),
]


@pytest.mark.parametrize("value", [1, 0, "no", None, (1,)])
@pytest.mark.parametrize("name, shape, kw, flag", _FLAG_CALLS)
def test_a_pool_flag_that_is_not_a_bool_is_refused_as_torch(name, shape, kw, flag, value):
    x = np.random.default_rng(0).standard_normal(shape)
    with pytest.raises(TypeError):
        getattr(TF, name)(torch.tensor(x), **kw, **{flag: value})
    with pytest.raises(TypeError) as e:
        getattr(F, name)(tg.Tensor(x), **kw, **{flag: value})
    one_line(e, name, flag, "True or False")


@pytest.mark.parametrize("name, shape, kw, flag", [
    ("MaxPool1d", (1, 2, 5), dict(kernel_size=2), "ceil_mode"),
    ("MaxPool2d", (1, 2, 5, 5), dict(kernel_size=2), "ceil_mode"),
    ("MaxPool3d", (1, 2, 5, 5, 5), dict(kernel_size=2), "ceil_mode"),
    ("AvgPool1d", (1, 2, 5), dict(kernel_size=2, padding=1), "ceil_mode"),
    ("AvgPool1d", (1, 2, 5), dict(kernel_size=2, padding=1), "count_include_pad"),
    ("AvgPool2d", (1, 2, 5, 5), dict(kernel_size=2, padding=1), "count_include_pad"),
    ("AvgPool3d", (1, 2, 5, 5, 5), dict(kernel_size=2, padding=1), "ceil_mode"),
    ("AvgPool3d", (1, 2, 5, 5, 5), dict(kernel_size=2, padding=1), "count_include_pad"),
    ("LPPool2d", (1, 2, 5, 5), dict(norm_type=2.0, kernel_size=2), "ceil_mode"),
    ("LPPool3d", (1, 2, 5, 5, 5), dict(norm_type=2.0, kernel_size=2), "ceil_mode"),
])
def test_a_pool_layer_with_a_flag_that_is_not_a_bool_refuses_as_torch(name, shape, kw, flag):
    """torch's layer takes it and its forward refuses it; ours refuses it at the latest there."""
    x = np.ones(shape)
    with pytest.raises(TypeError):
        getattr(torch.nn, name)(**kw, **{flag: "no"})(torch.tensor(x))
    with pytest.raises(TypeError) as e:
        getattr(tnn, name)(**kw, **{flag: "no"})(tg.Tensor(x))
    one_line(e, flag, "True or False")


@pytest.mark.parametrize("name, shape, kw", [(c[0], c[1], c[2]) for c in _FLAG_CALLS])
def test_a_numpy_bool_flag_still_works(name, shape, kw):
    x = np.random.default_rng(1).standard_normal(shape)
    flag = "count_include_pad" if name.startswith("avg") else "ceil_mode"
    a = getattr(F, name)(tg.Tensor(x), **kw, **{flag: np.bool_(True)})
    b = getattr(F, name)(tg.Tensor(x), **kw, **{flag: True})
    for u, v in zip(_flat(a), _flat(b)):
        np.testing.assert_array_equal(_np(u), _np(v))

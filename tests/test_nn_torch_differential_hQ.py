"""Differential fuzz of tinygrad_dl.nn's layers against torch's (CPU, float64): each case builds
the torch layer and ours from the same random constructor arguments, loads torch's state_dict
into ours (its keys and shapes must be torch's), and compares the forward outputs, the
buffers after the forward, and the gradients of the inputs and parameters of a random weighted
sum of the outputs, to 1e-10 relative, in train and eval mode (dropout 0 in train mode).

Deliberate differences left out of the draws (each refused in one line here): InstanceNorm's
momentum=None with track_running_stats; CircularPad widths that wrap more than the input;
EmbeddingBag's include_last_offset with a last offset short of the input's length; an
is_causal=True whose float mask is not exactly -inf above the diagonal. torch's own bugs worked
around: LPPool1d's tuple kernel_size (torch raises), and TransformerDecoder's deep copies of a
layer with a module activation, which torch's __setstate__ turns into F.relu (ours keep it)."""

import warnings

import numpy as np
import pytest
from oracle import as_numpy as _np
from oracle import flat as _flat
from oracle import mismatch as _diff

import tinygrad_dl as tg
from tinygrad_dl import nn

torch = pytest.importorskip("torch")
RTOL = 1e-10


# ---- the harness ----------------------------------------------------------------------------






def _key(k):  # (a plain Linear lists weight and bias as the course's W and b)
    head, _, leaf = k.rpartition(".")
    leaf = {"W": "weight", "b": "bias"}.get(leaf, leaf)
    return f"{head}.{leaf}" if head else leaf


def _pair(x, grad=True):
    """torch's and our inputs from a numpy one (float: a leaf needing grad), recursively."""
    if isinstance(x, tuple):
        pairs = [_pair(y) for y in x]
        return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
    if isinstance(x, np.ndarray):
        grad = grad and x.dtype.kind == "f"
        return torch.tensor(x, requires_grad=grad), tg.Tensor(x.copy(), requires_grad=grad)
    return x, x


def compare(build, inputs, call=None, modes=("train", "eval")):
    """Every difference between torch's layer and ours (`build` = (torch_factory, ours_factory))
    on `inputs` and the keyword arguments `call` (arrays go in as tensors)."""
    call = call or {}
    torch.manual_seed(0)
    tm = build[0]().double()
    om = build[1]().double()
    tsd = tm.state_dict()
    tk = [(k, tuple(v.shape)) for k, v in tsd.items()]
    ok = [(_key(k), tuple(np.shape(v))) for k, v in om.state_dict().items()]
    errs = [] if tk == ok else [f"state_dict keys/shapes: torch {tk}, ours {ok}"]
    om.load_state_dict({k: v.detach().numpy().copy() for k, v in tsd.items()})
    rng = np.random.default_rng(1)
    for mode in modes:
        tm.train(mode == "train")
        om.train(mode == "train")
        pairs = [_pair(x) for x in inputs]
        tin, oin = [p[0] for p in pairs], [p[1] for p in pairs]
        kw = {k: _pair(v, k == "per_sample_weights") for k, v in call.items()}
        try:
            tout = tm(*tin, **{k: v[0] for k, v in kw.items()})
        except (RuntimeError, ValueError, IndexError):  # then ours must refuse too
            with pytest.raises((RuntimeError, ValueError, IndexError, TypeError)):
                om(*oin, **{k: v[1] for k, v in kw.items()})
            continue
        oout = om(*oin, **{k: v[1] for k, v in kw.items()})
        tf, of = list(_flat(tout)), list(_flat(oout))
        if [a is None for a in tf] != [b is None for b in of]:
            errs.append(f"[{mode}] outputs {tf} vs ours {of}")
            continue
        tl = ol = 0
        for i, (a, b) in enumerate(zip(tf, of)):
            if a is not None and (e := _diff(_np(b), _np(a))):
                errs.append(f"[{mode}] output {i}: {e}")
            if isinstance(a, torch.Tensor) and a.requires_grad:
                w = rng.standard_normal(a.shape)
                tl, ol = tl + (a * torch.tensor(w)).sum(), ol + (b * tg.Tensor(w)).sum()
        osd = {_key(k): v for k, v in om.state_dict().items()}
        errs += [f"[{mode}] {k} after the forward: {e}" for k, v in tm.state_dict().items()
                 if (e := _diff(osd[k], v.detach().numpy()))]
        if errs or isinstance(tl, int):
            continue
        tl.backward()
        ol.backward()
        leaves = [(a, b) for t, o in zip(_flat(tin + [v[0] for v in kw.values()]),
                                         _flat(oin + [v[1] for v in kw.values()]))
                  for a, b in [(t, o)] if isinstance(t, torch.Tensor) and t.requires_grad]
        for i, (a, b) in enumerate(leaves):
            if (e := _diff(_np(b.grad), _np(a.grad))):
                errs.append(f"[{mode}] input {i}'s gradient: {e}")
        ours = {_key(k): p for k, p in om.named_parameters()}
        for k, p in tm.named_parameters():
            g = ours[k].grad
            if p.grad is None or g is None:
                if (p.grad is None) != (g is None) and (p.grad is None or p.grad.any()):
                    errs.append(f"[{mode}] {k}'s gradient: torch {p.grad}, ours {g}")
            elif (e := _diff(_np(g), _np(p.grad))):
                errs.append(f"[{mode}] {k}'s gradient: {e}")
        tm.zero_grad()
        om.zero_grad()
    return errs


def both(name, *args, **kw):
    return (lambda: getattr(torch.nn, name)(*args, **kw),
            lambda: getattr(nn, name)(*args, **kw))


def _ints(r, n, lo, hi):
    return tuple(int(v) for v in r.integers(lo, hi, n))


def _int_or_tuple(r, d, lo, hi):
    return _ints(r, d, lo, hi) if r.integers(2) else int(r.integers(lo, hi))


def run_cases(draw, seeds):
    failures = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in seeds:
            build, inputs, call, modes, what = draw(np.random.default_rng(seed))
            if errs := compare(build, inputs, call, modes):
                failures.append(f"seed {seed} {what}: {errs[:3]}")
    assert not failures, "\n".join(failures)


# ---- the draws ------------------------------------------------------------------------------
def draw_recurrent(r):
    name = str(r.choice(["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]))
    i, h, b, t = (int(v) for v in r.integers(1, 5, 4))
    kw = {"bias": bool(r.integers(2))}
    unbatched, lstm = bool(r.integers(3) == 0), name.startswith("LSTM")
    if name == "RNN" or name == "RNNCell":
        kw["nonlinearity"] = str(r.choice(["tanh", "relu"]))
    if name.endswith("Cell"):
        inputs = [r.standard_normal((i,) if unbatched else (b, i))]
        hs = (h,) if unbatched else (b, h)
        cs = hs
    else:
        kw.update(num_layers=int(r.integers(1, 4)), bidirectional=bool(r.integers(2)),
                  batch_first=bool(r.integers(2)))
        if lstm and h > 1 and r.integers(2):
            kw["proj_size"] = int(r.integers(1, h))
        inputs = [r.standard_normal((t, i) if unbatched else
                                    (b, t, i) if kw["batch_first"] else (t, b, i))]
        lead = ((2 if kw["bidirectional"] else 1) * kw["num_layers"],) + (() if unbatched else (b,))
        hs, cs = lead + (kw.get("proj_size") or h,), lead + (h,)
    if r.integers(2):
        inputs.append((r.standard_normal(hs), r.standard_normal(cs)) if lstm
                      else r.standard_normal(hs))
    return both(name, i, h, **kw), inputs, {}, ("train", "eval"), f"{name}({i}, {h}, {kw})"


def _mask(r, shape, kind, causal=False):
    if causal:
        m = np.broadcast_to(np.triu(np.ones(shape[-2:], bool), 1), shape).copy()
    else:
        m = r.random(shape) < 0.3
        m[..., 0] = False  # (a row with every key masked is NaN in both)
    noise = 0.0 if causal else r.standard_normal(shape) * 0.1
    return m if kind == "bool" else np.where(m, -np.inf, noise)


def draw_attention(r):
    h = int(r.integers(1, 4))
    e = h * int(r.integers(1, 4))
    kw = dict(bias=bool(r.integers(2)), add_bias_kv=bool(r.integers(2)),
              add_zero_attn=bool(r.integers(2)), batch_first=bool(r.integers(2)))
    for k in ("kdim", "vdim"):
        if r.integers(2):
            kw[k] = int(r.integers(1, 5))
    modes = ("train", "eval")
    if r.integers(3) == 0:
        kw["dropout"], modes = 0.3, ("eval",)
    unb = bool(r.integers(4) == 0)
    b, lq, s = (int(v) for v in r.integers(1, 5, 3))

    def shape(n, d):
        return (n, d) if unb else (b, n, d) if kw["batch_first"] else (n, b, d)
    causal = bool(r.integers(4) == 0)
    s = lq if causal else s
    inputs = [r.standard_normal(shape(lq, e)), r.standard_normal(shape(s, kw.get("kdim") or e)),
              r.standard_normal(shape(s, kw.get("vdim") or e))]
    call = dict(need_weights=bool(r.integers(2)), average_attn_weights=bool(r.integers(2)))
    kind = str(r.choice(["bool", "float"]))
    if r.integers(2) or causal:
        mshape = (lq, s) if r.integers(2) else (h, lq, s) if unb else (b * h, lq, s)
        call["attn_mask"] = _mask(r, mshape, kind, causal)
        call["is_causal"] = causal and bool(r.integers(2))
    if r.integers(2):
        call["key_padding_mask"] = _mask(r, (s,) if unb else (b, s), kind)
    return (both("MultiheadAttention", e, h, **kw), inputs, call, modes,
            f"MultiheadAttention({e}, {h}, {kw}) {call.keys()}")


def draw_transformer(r):
    h = int(r.integers(1, 3))
    e = 2 * h * int(r.integers(1, 3))
    which = str(r.choice(["TransformerEncoderLayer", "TransformerDecoderLayer",
                          "TransformerEncoder", "TransformerDecoder", "Transformer"]))
    kw = dict(dim_feedforward=int(r.integers(1, 6)), dropout=0.0,
              batch_first=bool(r.integers(2)), norm_first=bool(r.integers(2)),
              bias=bool(r.integers(2)), layer_norm_eps=float(r.choice([1e-5, 1e-3])))
    act = str(r.choice(["relu", "gelu", "module"]))
    n1, n2, final_norm = int(r.integers(1, 3)), int(r.integers(1, 3)), bool(r.integers(2))

    def make(lib, torch_side):
        k = dict(kw, activation=lib.GELU(approximate="tanh") if act == "module" else act)
        norm = lib.LayerNorm(e) if final_norm else None
        if which == "Transformer":
            m = lib.Transformer(e, h, n1, n2, **k)
        elif which.endswith("Layer"):
            m = getattr(lib, which)(e, h, **k)
        else:
            m = getattr(lib, which)(getattr(lib, which + "Layer")(e, h, **k), n1, norm)
        if torch_side:  # torch's deep copies lose a module activation (see the docstring)
            for sub in m.modules():
                if "activation" in sub._modules:
                    sub.__dict__.pop("activation", None)
        return m
    unb = bool(r.integers(4) == 0)
    b, s, t = (int(v) for v in r.integers(1, 4, 3))

    def shape(n):
        return (n, e) if unb else (b, n, e) if kw["batch_first"] else (n, b, e)
    src, tgt = r.standard_normal(shape(s)), r.standard_normal(shape(t))
    kind = str(r.choice(["bool", "float"]))
    call = {}

    def maybe(name, shp, causal_name=None):
        if r.integers(2):
            causal = causal_name is not None and bool(r.integers(2))
            call[name] = _mask(r, shp, kind, causal)
            if causal and r.integers(2):
                call[causal_name] = True

    def kpm(n):
        return (n,) if unb else (b, n)
    if which.startswith("TransformerEncoder"):
        inputs = [src]
        maybe("src_mask" if which.endswith("Layer") else "mask", (s, s), "is_causal")
        maybe("src_key_padding_mask", kpm(s))
    else:
        inputs = [src, tgt] if which == "Transformer" else [tgt, src]
        maybe("tgt_mask", (t, t), "tgt_is_causal")
        maybe("memory_mask", (t, s))
        maybe("tgt_key_padding_mask", kpm(t))
        maybe("memory_key_padding_mask", kpm(s))
        if which == "Transformer":
            maybe("src_mask", (s, s))
            maybe("src_key_padding_mask", kpm(s))
    return ((lambda: make(torch.nn, True), lambda: make(nn, False)), inputs, call,
            ("train", "eval"), f"{which}({e}, {h}, {kw}, {act}) {list(call)}")


def draw_conv(r):
    d, transposed = int(r.integers(1, 4)), bool(r.integers(2))
    name = f"ConvTranspose{d}d" if transposed else f"Conv{d}d"
    g = int(r.choice([1, 1, 2, 3]))
    cin, cout = g * int(r.integers(1, 3)), g * int(r.integers(1, 3))
    k, st, dil = (_int_or_tuple(r, d, 1, 4), _int_or_tuple(r, d, 1, 3),
                  _int_or_tuple(r, d, 1, 3))
    kw = dict(stride=st, dilation=dil, groups=g, bias=bool(r.integers(2)))
    call = {}
    sp = _ints(r, d, 2, 7)
    unb = bool(r.integers(4) == 0)
    b = int(r.integers(1, 3))
    if transposed:
        kw["padding"] = int(r.integers(0, 3))
        stv, dv = np.broadcast_to(st, d), np.broadcast_to(dil, d)
        if r.integers(2):
            kw["output_padding"] = tuple(int(r.integers(0, max(a, c))) for a, c in zip(stv, dv))
        else:  # output_size= instead
            kv = np.broadcast_to(k, d)
            size = [(n - 1) * a - 2 * kw["padding"] + c * (kk - 1) + 1 + int(r.integers(0, a))
                    for n, a, c, kk in zip(sp, stv, dv, kv)]
            call["output_size"] = ([cout] if unb else [b, cout]) * int(r.integers(2)) + size
    else:
        kw["padding_mode"] = str(r.choice(["zeros", "reflect", "circular", "replicate"]))
        how = int(r.integers(4))
        if how == 0:
            kw.update(padding="same", stride=1)
        else:
            kw["padding"] = ("valid" if how == 1 else int(r.integers(0, 3)) if how == 2
                             else _ints(r, d, 0, 3))
        if kw["padding_mode"] == "zeros" and r.integers(4) == 0:  # beyond the input's size
            kw["padding"], sp = _ints(r, d, 3, 6), _ints(r, d, 1, 3)
    x = r.standard_normal((cin,) + sp if unb else (b, cin) + sp)
    return (both(name, cin, cout, k, **kw), [x], call, ("train",),
            f"{name}({cin}, {cout}, {k}, {kw}) {x.shape} {call}")


def draw_pool(r):
    d = int(r.integers(1, 4))
    kind = str(r.choice(["Max", "Avg", "LP", "AdaptiveMax", "AdaptiveAvg", "MaxUnpool"]))
    k = _int_or_tuple(r, d, 1, 4)
    s = _int_or_tuple(r, d, 1, 4) if r.integers(3) else None
    p = int(r.integers(0, int(np.min(k)) // 2 + 1))
    unb = bool(r.integers(4) == 0)
    c, b = int(r.integers(1, 3)), int(r.integers(1, 3))
    sp = _ints(r, d, 3, 8)
    x = r.standard_normal((c,) + sp if unb else (b, c) + sp)
    if r.integers(3) == 0:
        x = np.round(x * 2) / 2  # ties
    call = {}
    if kind == "Max":
        args = (k,)
        kw = dict(stride=s, padding=p, dilation=_int_or_tuple(r, d, 1, 3),
                  ceil_mode=bool(r.integers(2)), return_indices=bool(r.integers(2)))
    elif kind == "Avg":
        args = (k,)
        kw = dict(stride=s, padding=p, ceil_mode=bool(r.integers(2)),
                  count_include_pad=bool(r.integers(2)))
        if d > 1 and r.integers(2):
            kw["divisor_override"] = int(r.integers(1, 5))
    elif kind == "LP":  # (torch's LPPool1d fails on a tuple kernel_size)
        args = (float(r.choice([1, 2, 3, 1.5])), int(np.max(k)) if d == 1 else k)
        kw = dict(stride=s if d > 1 else None, ceil_mode=bool(r.integers(2)))
        x = np.abs(x) + 0.1 if r.integers(2) else x
    elif kind == "MaxUnpool":
        y, idx = getattr(torch.nn, f"MaxPool{d}d")(k, s, p, return_indices=True)(torch.tensor(x))
        x = [y.numpy(), idx.numpy()]
        if r.integers(2):
            call["output_size"] = ([c] if unb else [b, c]) * int(r.integers(2)) + list(sp)
        args, kw = (k, s, p), {}
    else:
        size = _int_or_tuple(r, d, 1, 6)
        if d > 1 and r.integers(3) == 0:
            size = (None,) + tuple(np.broadcast_to(size, d))[1:]
        args = (size,)
        kw = {"return_indices": bool(r.integers(2))} if kind == "AdaptiveMax" else {}
    name = f"MaxUnpool{d}d" if kind == "MaxUnpool" else f"{kind}Pool{d}d"
    inputs = x if isinstance(x, list) else [x]
    return both(name, *args, **kw), inputs, call, ("train",), f"{name}{args} {kw} {sp}"


def draw_layer(r):
    kind = str(r.choice(["GroupNorm", "LayerNorm", "RMSNorm", "InstanceNorm",
                         "LocalResponseNorm", "Embedding", "EmbeddingBag", "Upsample",
                         "PixelShuffle", "PixelUnshuffle", "Fold", "Unfold", "Bilinear",
                         "PReLU", "Pad"]))
    b = int(r.integers(1, 3))
    call, lead = {}, _ints(r, int(r.integers(0, 3)), 1, 3)
    if kind == "GroupNorm":
        g = int(r.integers(1, 4))
        args, kw = (g, g * int(r.integers(1, 3))), dict(eps=float(r.choice([1e-5, 1e-2])),
                                                         affine=bool(r.integers(2)))
        x = r.standard_normal((b, args[1]) + _ints(r, int(r.integers(1, 3)), 2, 4))
    elif kind in ("LayerNorm", "RMSNorm"):
        shape = _ints(r, int(r.integers(1, 3)), 1, 4)
        args = (shape if len(shape) > 1 or r.integers(2) else shape[0],)
        kw = dict(eps=[None, 1e-5, 1e-2][int(r.integers(0 if kind == "RMSNorm" else 1, 3))],
                  elementwise_affine=bool(r.integers(2)))
        if kind == "LayerNorm":
            kw["bias"] = bool(r.integers(2))
        x = r.standard_normal(lead + shape)
    elif kind == "InstanceNorm":
        d, c = int(r.integers(1, 4)), int(r.integers(1, 4))
        kind, args = f"InstanceNorm{d}d", (c,)
        track = bool(r.integers(2))
        kw = dict(eps=float(r.choice([1e-5, 1e-2])), affine=bool(r.integers(2)),
                  track_running_stats=track,
                  momentum=float(r.choice([0.1, 0.5])) if track or r.integers(2) else None)
        sp = _ints(r, d, 2, 4)
        x = r.standard_normal((c,) + sp if r.integers(4) == 0 else (b, c) + sp) * 2 + 1
    elif kind == "LocalResponseNorm":
        args = (int(r.integers(1, 6)),)
        kw = dict(alpha=float(r.choice([1e-4, 0.5])), beta=float(r.choice([0.75, 1.5])),
                  k=float(r.choice([1.0, 2.0])))
        x = r.standard_normal((b, int(r.integers(1, 6))) + lead)
    elif kind in ("Embedding", "EmbeddingBag"):
        v, dim = int(r.integers(2, 7)), int(r.integers(1, 5))
        args, kw = (v, dim), {}
        if r.integers(2):
            kw["padding_idx"] = int(r.integers(-v, v))
        x = r.integers(0, v, lead + (int(r.integers(1, 4)),))
        if kind == "EmbeddingBag":
            kw["mode"] = str(r.choice(["sum", "mean", "max"]))
            if r.integers(2):
                x = r.integers(0, v, int(r.integers(0, 8)))
                offsets = np.sort(r.integers(0, x.size + 1, int(r.integers(1, 4))))
                offsets[0] = 0
                kw["include_last_offset"] = bool(r.integers(2))
                call["offsets"] = (np.append(offsets, x.size) if kw["include_last_offset"]
                                   else offsets)
            else:
                x = x.reshape(-1, x.shape[-1])
            if kw["mode"] == "sum" and r.integers(2):
                call["per_sample_weights"] = r.standard_normal(x.shape)
    elif kind == "Upsample":
        d = int(r.integers(1, 3))
        args, kw = (), dict(mode=str(r.choice(["nearest", "linear" if d == 1 else "bilinear"])))
        if r.integers(2):
            kw["size"] = _int_or_tuple(r, d, 1, 7)
        else:
            sf = r.choice([0.5, 1.5, 2.0, 3.0, 0.7], d)
            kw["scale_factor"] = tuple(float(f) for f in sf) if r.integers(2) else float(sf[0])
        if kw["mode"] != "nearest":
            kw["align_corners"] = bool(r.integers(2))
        x = r.standard_normal((b, int(r.integers(1, 3))) + _ints(r, d, 1, 6))
    elif kind in ("PixelShuffle", "PixelUnshuffle"):
        f = int(r.integers(1, 4))
        args, kw = (f,), {}
        m = _ints(r, 3, 1, 3)
        x = r.standard_normal(lead[:1] + ((f * f * m[0], m[1], m[2]) if kind == "PixelShuffle"
                                          else (m[0], f * m[1], f * m[2])))
    elif kind in ("Fold", "Unfold"):
        k, dil, p, s = (_int_or_tuple(r, 2, 1, 4), _int_or_tuple(r, 2, 1, 3),
                        _int_or_tuple(r, 2, 0, 2), _int_or_tuple(r, 2, 1, 3))
        kw, c = dict(dilation=dil, padding=p, stride=s), int(r.integers(1, 3))
        hw = _ints(r, 2, 3, 8)
        batch = () if r.integers(4) == 0 else (b,)
        if kind == "Unfold":
            args, x = (k,), r.standard_normal(batch + (c,) + hw)
        else:
            args = (hw, k)
            kv, dv, pv, sv = (np.broadcast_to(a, 2) for a in (k, dil, p, s))
            blocks = int(np.prod([max((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1, 0)
                                  for n, kk, dd, pp, ss in zip(hw, kv, dv, pv, sv)]))
            x = r.standard_normal(batch + (c * int(np.prod(kv)), blocks))
    elif kind == "Bilinear":
        i1, i2, o = _ints(r, 3, 1, 4)
        args, kw = (i1, i2, o), dict(bias=bool(r.integers(2)))
        x = [r.standard_normal(lead + (i1,)), r.standard_normal(lead + (i2,))]
    elif kind == "PReLU":
        c = int(r.integers(1, 4))
        n = int(r.choice([1, c]))
        args, kw = (), dict(num_parameters=n, init=float(r.uniform(-1, 1)))
        x = r.standard_normal((b, c) + lead if r.integers(4) else (c,))
    else:
        d = int(r.integers(1, 4))
        how = str(r.choice(["Reflection", "Replication", "Zero", "Constant", "Circular"]))
        kind = f"{how}Pad{d}d"
        sp = _ints(r, d, 2, 6)
        most = min(sp) - 1 if how == "Reflection" else min(sp) if how == "Circular" else 3
        least = 0 if how == "Reflection" else -1
        pad = _ints(r, 2 * d, least, most + 1) if r.integers(2) else int(r.integers(0, most + 1))
        if how == "Circular" and not isinstance(pad, int):  # (what a crop leaves must wrap)
            pad = tuple(max(v, 0) for v in pad)
        args, kw = ((pad, 1.5) if how == "Constant" else (pad,)), {}
        x = r.standard_normal((int(r.integers(1, 3)),) + sp if r.integers(4) == 0
                              else (b, int(r.integers(1, 3))) + sp)
    inputs = x if isinstance(x, list) else [x]
    return both(kind, *args, **kw), inputs, call, ("train", "eval"), f"{kind}{args} {kw}"


# ---- the tests ------------------------------------------------------------------------------
@pytest.mark.parametrize("draw,seeds", [
    (draw_recurrent, range(0, 12)), (draw_attention, range(0, 25)),
    (draw_conv, range(0, 30)), (draw_pool, range(0, 60)), (draw_layer, range(0, 80)),
    (draw_transformer, range(0, 6)),
])
def test_layers_match_torch(draw, seeds):
    run_cases(draw, seeds)


@pytest.mark.slow
@pytest.mark.parametrize("draw,seeds", [
    (draw_recurrent, range(12, 200)), (draw_attention, range(25, 250)),
    (draw_conv, range(30, 400)), (draw_pool, range(60, 600)), (draw_layer, range(80, 1000)),
    (draw_transformer, range(6, 100)),
])
def test_layers_match_torch_more_draws(draw, seeds):
    run_cases(draw, seeds)


# ---- regressions ----------------------------------------------------------------------------
@pytest.mark.parametrize("name,args,shape", [
    ("Conv1d", (1, 2, 3), (1, 1, 2)), ("Conv1d", (2, 1, 1), (2, 3)),
    ("Conv2d", (1, 1, 1), (1, 1, 2, 2)), ("Conv2d", (2, 2, (2, 1)), (1, 2, 1, 3)),
])
def test_conv_zero_padding_beyond_the_input_and_kernel_is_torchs(name, args, shape):
    """torch pads as asked: the output's border is the bias alone (conv1d/conv2d refused a
    padding over max(input, kernel) sizes with "at most N adds anything but zeros"; conv3d
    took it)."""
    x = np.random.default_rng(0).standard_normal(shape)
    assert compare(both(name, *args, padding=4, dilation=2), [x]) == []


def test_conv2d_padding_too_big_to_allocate_is_refused_in_one_line():
    x, w = tg.Tensor(np.ones((2, 2, 3, 3))), tg.Tensor(np.ones((4, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"^conv2d: padding=1000000 is larger than the memory "
                                         r"allows: the padded input \(2, 2, 2000003, 2000003\)"):
        nn.functional.conv2d(x, w, padding=10**6)
    x3, w3 = tg.Tensor(np.ones((1, 1, 3, 3, 3))), tg.Tensor(np.ones((1, 1, 2, 2, 2)))
    with pytest.raises(ValueError, match=r"^conv3d: padding=1000000 is larger than the memory "
                                         r"allows: the padded input \(2000003, 2000003, "):
        nn.functional.conv3d(x3, w3, padding=10**6)  # (it ended in NumPy's MemoryError)


def test_decoder_copies_keep_a_module_activation():
    """torch's TransformerDecoder deep-copies its layer, and TransformerDecoderLayer's
    __setstate__ then shadows a module activation with F.relu (torch's bug: the copies compute
    relu); ours keep the module, as the layer given computes."""
    act = nn.GELU(approximate="tanh")
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 1, 3, 0.0, activation=act), 2)
    assert all(type(layer.activation) is nn.GELU and layer.activation.approximate == "tanh"
               for layer in dec.layers)
    tdec = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(
        4, 1, 3, 0.0, activation=torch.nn.GELU(approximate="tanh")), 2)
    assert tdec.layers[0].activation is torch.nn.functional.relu  # (if torch fixes it: drop
    # the workaround in draw_transformer)

"""The nn module wrappers with little torch coverage, against torch 2.13 (CPU): seeded random
draws of AvgPool3d, AdaptiveAvgPool3d / AdaptiveMaxPool3d (return_indices), LPPool1d/2d/3d,
MaxUnpool1d/2d/3d (output_size given, batched and unbatched), FractionalMaxPool2d/3d with
_random_samples, Hardshrink, Softshrink, LogSigmoid, Softmin, Softmax2d, GLU, CELU, Mish, the
margin / ranking / embedding / Poisson / Gaussian / KL / Huber / SmoothL1 losses, NLLLoss and
CrossEntropyLoss with a class weight, ignore_index and label_smoothing, and RNNCell / LSTMCell /
GRUCell with torch's state_dict loaded; constructors spelled positionally (torch's order) and
by keyword; float64 outputs and the gradient of a random weighted sum to 1e-10, float32 to 2e-5
(float32 round-off of a few ops). Also: the loss weight buffers (state_dict keys, .double(),
.float(), .to(), torch's state_dict loaded and given back), reprs equal to torch's, the lazy
layers (InstanceNorm's bias=, a jitted step holding one not yet sized), one-line errors.

Left out (documented in docs/pytorch.md, or torch's faults): the losses' reprs name their
reduction; the legacy size_average/reduce are refused; loss inputs must have one shape (torch
broadcasts GaussianNLLLoss's target); torch 2.13's empty-batch MultiMarginLoss /
MultiLabelMarginLoss means (uninitialized memory, ours NaN), the gradient of an empty
reflection-padded output (uninitialized memory) and MaxUnpool backward to an empty output
(raises); torch's LazyInstanceNorm reads the channels off dim 1 of an unbatched input (ours
off dim 0, as InstanceNorm). The padding modules are compared in
test_padding_torch_differential_hPAD.py."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracle import (  # noqa: F401 (torch_float64: the fixture, by name)
    grads_compared,
    mismatch,
    one_line,
    outputs_compared,
    strict_replays_match,
    torch_float64,
)

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")

pytestmark = [pytest.mark.usefixtures("torch_float64"),
              pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning")]

C = 4  # classes of the class-index losses


def _run(name, targs, tkw, oargs, okw, inputs, grads=None, dtype=np.float64, copy_state=False):
    """torch.nn.<name>(*targs, **tkw) and ours on the same inputs: outputs, dtypes, gradients
    (of the inputs and, with copy_state, the parameters: torch's state_dict loaded into ours)
    agree, or both raise (ours one line)."""
    grads = [a.dtype.kind == "f" for a in inputs] if grads is None else grads
    rtol = 1e-10 if dtype == np.float64 else 2e-5
    ins = [a.astype(dtype) if a.dtype.kind == "f" else a for a in inputs]
    tt = [torch.tensor(a, requires_grad=g) for a, g in zip(ins, grads)]
    ot = [tg.Tensor(a, requires_grad=g) for a, g in zip(ins, grads)]
    tm, om = getattr(torch.nn, name)(*targs, **tkw), getattr(nn, name)(*oargs, **okw)
    if dtype == np.float32:
        tm, om = tm.float(), om.float()
    if copy_state:
        om.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})
    desc = f"{name}{targs}{tkw} on {[a.shape for a in ins]} {np.dtype(dtype).name}"
    try:
        tout = tm(*tt)
    except Exception:  # noqa: BLE001 (torch refuses: ours must too, in one line)
        with pytest.raises(Exception) as e:  # noqa: PT011
            om(*ot)
        assert "\n" not in str(e.value), desc
        return
    errs, tl, ol = outputs_compared(tout, om(*ot), rtol)
    if not errs and not isinstance(tl, int) and any(t.numel() for t in tt):
        tl.backward()
        ol.backward()
        errs = grads_compared(list(zip(tt, ot)), rtol)
        ours = dict(om.named_parameters())
        for k, p in tm.named_parameters():
            got = ours[k].grad
            if e := mismatch(np.zeros(p.shape) if got is None else got, p.grad.numpy(), rtol):
                errs.append(f"parameter {k}: {e}")
    assert not errs, f"{desc}: {errs}"


def _vals(rng, shape):
    x = rng.standard_normal(shape) * rng.choice([0.1, 1.0, 3.0])
    if x.size and rng.random() < 0.2:
        x.flat[rng.integers(0, x.size)] = 0.0
    return x


def _sizes(rng, n, lo, hi):
    return tuple(int(rng.integers(lo, hi)) for _ in range(n))


def _activation(rng, dt):
    name = str(rng.choice(["Hardshrink", "Softshrink", "LogSigmoid", "Softmin", "Softmax2d",
                           "GLU", "CELU", "Mish"]))
    nd = int(rng.integers(0, 5))
    args: list = []
    if name in ("Hardshrink", "Softshrink") and rng.random() < 0.7:
        args = [float(rng.choice([0.0, 0.3, 1.0]))]
    if name == "Softmin" and nd:
        args = [int(rng.integers(-nd, nd))]
    if name == "Softmax2d":
        nd = int(rng.integers(3, 5))
    if name == "GLU":
        nd = max(nd, 1)
        args = [int(rng.integers(-nd, nd))] if rng.random() < 0.8 else []
    if name == "CELU" and rng.random() < 0.7:
        args = [float(rng.choice([0.5, 1.0, 2.0]))]
    shape = list(_sizes(rng, nd, 1, 5))
    if name == "GLU":
        shape[args[0] if args else -1] *= 2
    x = _vals(rng, tuple(shape)) * 2
    if name in ("Hardshrink", "Softshrink") and args and x.size:
        x.flat[0], x.flat[-1] = args[0], -args[0]  # (the kinks: torch's gradient there)
    kw = {"lambd": args[0]} if args and name.endswith("shrink") and rng.random() < 0.5 else None
    if kw:
        _run(name, [], kw, [], kw, [x], dtype=dt)
    else:
        _run(name, args, {}, args, {}, [x], dtype=dt)


def _pool(rng, dt):
    name = str(rng.choice(["AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "LPPool1d",
                           "LPPool2d", "LPPool3d"]))
    d = int(name[-2]) if name.startswith("LPPool") else 3
    x = _vals(rng, _sizes(rng, d + (2 if rng.random() < 0.6 else 1), 1, 7))
    if name == "AvgPool3d":
        k = _sizes(rng, 3, 1, 4)
        s = _sizes(rng, 3, 1, 4) if rng.random() < 0.5 else None
        p = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k)
        args = [k, s, p, bool(rng.random() < 0.5), bool(rng.random() < 0.5),
                int(rng.integers(1, 5)) if rng.random() < 0.3 else None]
        keys = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                "divisor_override")
    elif name.startswith("Adaptive"):
        args = [tuple(int(rng.integers(1, 5)) if rng.random() < 0.8 else None for _ in "dhw")]
        keys = ("output_size", "return_indices")
        if name == "AdaptiveMaxPool3d" and rng.random() < 0.5:
            args.append(True)
    else:
        def size():
            return _sizes(rng, d, 1, 4) if d > 1 else int(rng.integers(1, 4))
        args = [float(rng.choice([1.0, 2.0, 3.0, 1.5])), size(),
                None if rng.random() < 0.5 else size(), bool(rng.random() < 0.3)]
        keys = ("norm_type", "kernel_size", "stride", "ceil_mode")
        x = np.abs(x) + 0.1  # (a fractional power of a negative sum is NaN in both)
    if rng.random() < 0.5:
        kw = dict(zip(keys, args))
        _run(name, [], kw, [], kw, [x], dtype=dt)
    else:
        _run(name, args, {}, args, {}, [x], dtype=dt)


def _unpool(rng, dt):
    d = int(rng.integers(1, 4))
    k, s = int(rng.integers(1, 4)), int(rng.integers(1, 4)) if rng.random() < 0.5 else None
    p = int(rng.integers(0, k // 2 + 1))
    shape = _sizes(rng, d + (2 if rng.random() < 0.6 else 1), 2, 7)
    try:
        v, idx = getattr(torch.nn, f"MaxPool{d}d")(k, s, p, return_indices=True)(
            torch.tensor(_vals(rng, shape)))
    except RuntimeError:  # (a window of padding only: refused by both, elsewhere)
        return
    if 0 in v.shape or min((n - 1) * (s or k) - 2 * p + k for n in v.shape[-d:]) <= 0:
        return  # (torch's backward to an empty output raises)
    _run(f"MaxUnpool{d}d", [k, s, p], {}, [k, s, p], {}, [v.numpy(), idx.numpy()],
         grads=[True, False], dtype=dt)


def _weighted(rng, dt, kw):
    """kw for torch and ours, with a class weight (C,) half the time."""
    tk, ok = dict(kw), dict(kw)
    if rng.random() < 0.5:
        w = (rng.random(C) + 0.1).astype(dt)
        tk["weight"], ok["weight"] = torch.tensor(w), tg.Tensor(w)
    return tk, ok


def _loss(rng, dt):
    name = str(rng.choice(["MultiMarginLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
                           "MultiLabelMarginLoss", "HingeEmbeddingLoss", "MarginRankingLoss",
                           "GaussianNLLLoss", "PoissonNLLLoss", "TripletMarginLoss",
                           "TripletMarginWithDistanceLoss", "CosineEmbeddingLoss",
                           "KLDivLoss", "HuberLoss", "SmoothL1Loss", "NLLLoss",
                           "CrossEntropyLoss"]))
    kw = {"reduction": str(rng.choice(["mean", "sum", "none"]))}
    n, batched = int(rng.integers(1, 5)), rng.random() < 0.7
    rows = (n, C) if batched else (C,)
    anyshape = _sizes(rng, int(rng.integers(0, 4)), 1, 5)
    signs = rng.choice([-1.0, 1.0], anyshape)
    if name == "MultiMarginLoss":
        kw.update(p=int(rng.choice([1, 2])), margin=float(rng.choice([0.5, 1.0])))
        tk, ok = _weighted(rng, dt, kw)
        ins = [_vals(rng, rows), rng.integers(0, C, (n,) if batched else ())]
    elif name == "MultiLabelSoftMarginLoss":
        tk, ok = _weighted(rng, dt, kw)
        return _run(name, [], tk, [], ok, [_vals(rng, rows), rng.integers(0, 2, rows) * 1.0],
                    grads=[True, False], dtype=dt)
    elif name == "MultiLabelMarginLoss":
        y = np.full(rows, -1)
        for row in y.reshape(-1, C):
            m = int(rng.integers(0, C + 1))
            row[:m] = rng.permutation(C)[:m]
        tk = ok = kw
        ins = [_vals(rng, rows), y]
    elif name in ("SoftMarginLoss", "HingeEmbeddingLoss"):
        if name == "HingeEmbeddingLoss":
            kw["margin"] = float(rng.choice([0.5, 1.0, 2.0]))
        return _run(name, [], kw, [], kw, [_vals(rng, anyshape), signs], grads=[True, False],
                    dtype=dt)
    elif name == "MarginRankingLoss":
        kw["margin"] = float(rng.choice([0.0, 0.5]))
        return _run(name, [], kw, [], kw, [_vals(rng, anyshape), _vals(rng, anyshape), signs],
                    grads=[True, True, False], dtype=dt)
    elif name == "GaussianNLLLoss":
        kw.update(full=bool(rng.random() < 0.5), eps=float(rng.choice([1e-6, 1e-2])))
        var = rows if rng.random() < 0.6 else rows[:-1] + (1,)
        tk = ok = kw
        ins = [_vals(rng, rows), _vals(rng, rows), np.abs(_vals(rng, var)) + 0.01]
    elif name == "PoissonNLLLoss":
        log_input = bool(rng.random() < 0.5)
        kw.update(log_input=log_input, full=bool(rng.random() < 0.5),
                  eps=float(rng.choice([1e-8, 1e-3])))
        x = _vals(rng, anyshape)
        return _run(name, [], kw, [], kw, [x if log_input else np.abs(x),
                                           rng.poisson(2.0, anyshape) * 1.0],
                    grads=[True, False], dtype=dt)
    elif name.startswith("TripletMargin"):
        kw.update(margin=float(rng.choice([0.5, 1.0])), swap=bool(rng.random() < 0.5))
        if name == "TripletMarginLoss":
            kw.update(p=float(rng.choice([1.0, 2.0, 3.0])), eps=float(rng.choice([1e-6, 1e-3])))
        tk = ok = kw
        ins = [_vals(rng, rows), _vals(rng, rows), _vals(rng, rows)]
    elif name == "CosineEmbeddingLoss":
        kw["margin"] = float(rng.choice([0.0, 0.3, -0.2]))
        return _run(name, [], kw, [], kw, [_vals(rng, rows), _vals(rng, rows),
                                           rng.choice([-1.0, 1.0], rows[:-1])],
                    grads=[True, True, False], dtype=dt)
    elif name == "KLDivLoss":
        log_target = bool(rng.random() < 0.5)
        kw.update(reduction=str(rng.choice(["mean", "sum", "none", "batchmean"])),
                  log_target=log_target)
        t = rng.random(anyshape)
        return _run(name, [], kw, [], kw, [np.log(rng.random(anyshape) + 0.01),
                                           np.log(t + 0.01) if log_target else t],
                    grads=[True, bool(rng.random() < 0.5)], dtype=dt)
    elif name in ("HuberLoss", "SmoothL1Loss"):
        key, scales = ("delta", [0.5, 1.0, 2.0]) if name == "HuberLoss" else (
            "beta", [0.0, 0.5, 1.0, 2.0])
        kw[key] = float(rng.choice(scales))
        return _run(name, [], kw, [], kw, [_vals(rng, anyshape), _vals(rng, anyshape)],
                    grads=[True, bool(rng.random() < 0.5)], dtype=dt)
    else:  # NLLLoss, CrossEntropyLoss over (N, C, d1...) or unbatched (C, d1...)
        tk, ok = _weighted(rng, dt, kw)
        if rng.random() < 0.3:
            tk["ignore_index"] = ok["ignore_index"] = int(rng.integers(0, C))
        if name == "CrossEntropyLoss" and rng.random() < 0.5:
            tk["label_smoothing"] = ok["label_smoothing"] = float(rng.choice([0.1, 0.5]))
        extra = _sizes(rng, int(rng.integers(0, 3)), 1, 3)
        x = _vals(rng, ((n, C) if batched else (C,)) + extra)
        if name == "NLLLoss":
            x = torch.log_softmax(torch.tensor(x), dim=1 if batched else 0).numpy()
        ins = [x, rng.integers(0, C, ((n,) if batched else ()) + extra)]
    _run(name, [], tk, [], ok, ins, dtype=dt)


def _cell(rng, dt):
    name = str(rng.choice(["RNNCell", "LSTMCell", "GRUCell"]))
    i, h, n = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 4))
    args = [i, h, bool(rng.random() < 0.7)]
    if name == "RNNCell":
        args.append(str(rng.choice(["tanh", "relu"])))
    batched = rng.random() < 0.6
    ins = [_vals(rng, (n, i) if batched else (i,))]
    if name != "LSTMCell" and rng.random() < 0.6:
        ins.append(_vals(rng, (n, h) if batched else (h,)))
    _run(name, args, {}, args, {}, ins, dtype=dt, copy_state=True)


@pytest.mark.parametrize("seed", range(3))
def test_random_module_calls_match_torch(seed):
    rng = np.random.default_rng(seed)
    for i in range(100):
        dt = np.float64 if rng.random() < 0.6 else np.float32
        (_activation, _pool, _unpool, _loss, _cell)[i % 5](rng, dt)


def test_lstm_cell_with_state_and_fractional_max_pools_match_torch():
    rng = np.random.default_rng(7)
    for dt in (np.float64, np.float32):
        x, h0, c0 = (_vals(rng, (2, 3)), _vals(rng, (2, 4)), _vals(rng, (2, 4)))
        tm, om = torch.nn.LSTMCell(3, 4), nn.LSTMCell(3, 4)
        tm, om = (tm.float(), om.float()) if dt == np.float32 else (tm, om)
        om.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
        tt = [torch.tensor(a.astype(dt), requires_grad=True) for a in (x, h0, c0)]
        ot = [tg.Tensor(a.astype(dt), requires_grad=True) for a in (x, h0, c0)]
        errs, tl, ol = outputs_compared(tm(tt[0], (tt[1], tt[2])), om(ot[0], (ot[1], ot[2])),
                                        1e-10 if dt == np.float64 else 2e-5)
        tl.backward()
        ol.backward()
        assert not errs + grads_compared(list(zip(tt, ot)), 1e-10 if dt == np.float64 else 2e-5)
    for d in (2, 3):
        samples = rng.random((2, 3, d))
        for kw in ({"output_size": 3}, {"output_ratio": 0.5}):
            x = _vals(rng, (2, 3) + (7,) * d)
            for pos in (True, False):
                tm, om = (_fractional(lib, wrap, d, kw, pos, samples)
                          for lib, wrap in ((torch.nn, torch.tensor), (nn, tg.Tensor)))
                assert repr(tm) == repr(om) and list(tm.state_dict()) == list(om.state_dict())
                tx, ox = torch.tensor(x, requires_grad=True), tg.Tensor(x, requires_grad=True)
                errs, tl, ol = outputs_compared(tm(tx), om(ox), 1e-10)
                tl.backward()
                ol.backward()
                assert not errs + grads_compared([(tx, ox)], 1e-10)


def _fractional(lib, wrap, d, kw, positional, samples):
    """FractionalMaxPool{d}d(2, ..., return_indices=True, _random_samples) of `lib`."""
    cls = getattr(lib, f"FractionalMaxPool{d}d")
    if positional:
        return cls(2, kw.get("output_size"), kw.get("output_ratio"), True, wrap(samples))
    return cls(2, return_indices=True, _random_samples=wrap(samples), **kw)


# ---- loss weight buffers --------------------------------------------------------------------
_WEIGHTED = [("NLLLoss", lambda m, w: m(w)), ("CrossEntropyLoss", lambda m, w: m(w)),
             ("MultiMarginLoss", lambda m, w: m(weight=w)),
             ("MultiLabelSoftMarginLoss", lambda m, w: m(w)), ("BCELoss", lambda m, w: m(w)),
             ("BCEWithLogitsLoss", lambda m, w: m(w, pos_weight=w))]


@pytest.mark.parametrize(("name", "make"), _WEIGHTED)
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_loss_weight_buffers_as_torch(name, make, dt):
    w = np.array([0.5, 1.0, 2.0, 1.5], dt)
    conversions = {"double": lambda m: m.double(), "float": lambda m: m.float(),
                   "to64": lambda m: m.to(torch.float64 if isinstance(m, torch.nn.Module)
                                          else tg.float64),
                   "to32": lambda m: m.to(torch.float32 if isinstance(m, torch.nn.Module)
                                          else tg.float32)}
    for how, conv in conversions.items():
        t = conv(make(getattr(torch.nn, name), torch.tensor(w)))
        o = conv(make(getattr(nn, name), tg.Tensor(w)))
        want = {k: str(v.dtype).removeprefix("torch.") for k, v in t.state_dict().items()}
        got = {k: str(np.asarray(v.data).dtype) for k, v in o.state_dict().items()}
        assert got == want, how
    t = make(getattr(torch.nn, name), torch.tensor(w))
    o = make(getattr(nn, name), tg.Tensor(np.ones(4)))
    saved = {k: v.numpy() for k, v in t.state_dict().items()}
    o.load_state_dict(saved)
    back = {k: np.asarray(v.data) for k, v in o.state_dict().items()}
    assert back.keys() == saved.keys()
    for k in saved:
        np.testing.assert_array_equal(back[k], saved[k])
    t.load_state_dict({k: torch.tensor(v) for k, v in back.items()})


# ---- reprs ------------------------------------------------------------------------------------
_REPRS = [("ZeroPad1d", (2,)), ("ZeroPad3d", ((1, 2, 0, 1, 2, 0),)), ("ConstantPad1d", (2, 3)),
          ("ConstantPad2d", ((1, 2, 3, 4), 1.5)), ("ConstantPad3d", (1, -1)),
          ("ReflectionPad3d", (1,)), ("ReplicationPad3d", (1,)), ("CircularPad3d", (1,)),
          ("MaxUnpool1d", (2,)), ("MaxUnpool3d", (3, 2, 1)), ("AvgPool3d", (2, 1, 1, True)),
          ("AdaptiveAvgPool3d", ((2, None, 3),)), ("AdaptiveMaxPool3d", (2, True)),
          ("LPPool1d", (2, 3)), ("LPPool3d", (1.5, (2, 3, 1), 1, True)),
          ("FractionalMaxPool3d", (2, 3)), ("Hardshrink", ()), ("Hardshrink", (1,)),
          ("Softshrink", (0.2,)), ("Softshrink", (1,)), ("LogSigmoid", ()), ("Softmin", (1,)),
          ("Softmax2d", ()), ("GLU", (1,)), ("CELU", ()), ("CELU", (2, True)), ("Mish", (True,)),
          ("MultiLabelMarginLoss", ()), ("RNNCell", (3, 4, False, "relu")), ("LSTMCell", (3, 4)),
          ("GRUCell", (3, 4, False)), ("LazyInstanceNorm2d", ()),
          ("LazyInstanceNorm3d", (1e-3, 0.2, False, False))]


@pytest.mark.parametrize(("name", "args"), _REPRS)
def test_reprs_as_torch(name, args):
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_reprs_keep_the_numbers_as_given():
    """Hardshrink(1), Softshrink(1), CELU(alpha=2) and ConstantPad1d(1, 2) showed 1.0, 2.0
    (float() of the argument); torch's reprs show what was given."""
    for name, args, want in [("Hardshrink", (1,), "Hardshrink(1)"),
                             ("Softshrink", (1,), "Softshrink(1)"),
                             ("CELU", (2,), "CELU(alpha=2)"),
                             ("ConstantPad1d", (1, 2), "ConstantPad1d(padding=(1, 1), value=2)")]:
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args)) == want
    x = tg.Tensor(np.array([-3.0, -1.0, 0.5, 2.0], np.float32))
    assert nn.CELU(2)(x).dtype == np.float32 and nn.ConstantPad1d(1, 2)(x).dtype == np.float32
    np.testing.assert_array_equal(nn.Hardshrink(1)(x).data, [-3.0, 0.0, 0.0, 2.0])
    with pytest.raises(TypeError) as e:
        nn.CELU("2")
    one_line(e, "CELU", "alpha")


def test_triplet_margin_with_distance_loss_default_distance_is_a_pairwise_distance():
    """torch's default distance_function is a PairwiseDistance() module (a child: in the
    repr, and `loss.distance_function(a, b)` works); ours was None."""
    loss, theirs = nn.TripletMarginWithDistanceLoss(), torch.nn.TripletMarginWithDistanceLoss()
    assert isinstance(loss.distance_function, nn.PairwiseDistance)
    assert [n for n, _ in loss.named_children()] == [n for n, _ in theirs.named_children()]
    a, p, n = (np.random.default_rng(i).standard_normal((3, 4)) for i in range(3))
    np.testing.assert_allclose(loss(tg.Tensor(a), tg.Tensor(p), tg.Tensor(n)).item(),
                               theirs(*map(torch.tensor, (a, p, n))).item(), rtol=1e-12)


# ---- lazy layers --------------------------------------------------------------------------------
@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("affine", [True, False])
def test_lazy_instance_norm_takes_bias(d, affine):
    """torch's LazyInstanceNorm*d(..., *, bias=True) (InstanceNorm's bias=): refused before."""
    shape = (2, 3) + (4,) * d
    x = np.random.default_rng(d).standard_normal(shape)
    t = getattr(torch.nn, f"LazyInstanceNorm{d}d")(affine=affine, bias=False)
    o = getattr(nn, f"LazyInstanceNorm{d}d")(affine=affine, bias=False)
    assert repr(o) == repr(t)
    want = t(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(o(tg.Tensor(x)).data, want, rtol=1e-12, atol=1e-12)
    assert list(o.state_dict()) == list(t.state_dict()) and repr(o) == repr(t)


_LAZY = [(lambda: nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.Linear(4, 2)), (3, 5)),
         (lambda: nn.LazyInstanceNorm2d(), (2, 3, 4, 4)),
         (lambda: nn.LazyBatchNorm3d(eps=1e-5), (2, 3, 2, 3, 4)),
         (lambda: nn.LazyConvTranspose1d(2, 3, 2), (2, 3, 5)),
         (lambda: nn.LazyConv2d(2, 3), (2, 3, 5, 5))]


@pytest.mark.parametrize(("make", "shape"), _LAZY)
def test_jitted_step_holding_an_unsized_lazy_layer_runs_then_replays(make, shape):
    """A jitted step whose model holds a lazy layer not yet sized raised on its first call
    (the recorder listed the model's parameters: "run one forward pass first"); now that call
    runs eagerly, the next two record and the rest replay, equal to eager bit for bit (running
    statistics too)."""
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(shape) for _ in range(5)]
    eager, _ = _lazy_run(make, shape, xs, jitted=False)
    got, replays = _lazy_run(make, shape, xs, jitted=True)
    assert got == eager
    assert replays == 2


def _lazy_run(make, shape, xs, jitted):
    """The step's outputs, w's gradients and the model's state (bytes), and jit's replays."""
    tg.manual_seed(0)
    m = make()
    w = tg.Tensor(np.linspace(0.5, 1.5, shape[-1]), requires_grad=True)

    def step(x):
        y = m(x * w)
        out = (y * y).sum()
        out.backward()
        return out
    f = jit(step, strict=True) if jitted else step
    got = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in xs:
            w.grad = None
            got.append((f(tg.Tensor(x)).data.tobytes(), w.grad.tobytes()))
    state = {k: np.asarray(v.data).tobytes() for k, v in m.state_dict().items()}
    return (got, state), getattr(f, "replays", None)


# ---- jitted steps, errors -----------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: nn.AvgPool3d(2, 1, 1, True, False), lambda: nn.AdaptiveAvgPool3d((2, 3, 2)),
    lambda: nn.LPPool3d(2, 2), lambda: nn.Softmax2d(), lambda: nn.GLU(1), lambda: nn.CELU(0.5),
    lambda: nn.Mish(), lambda: nn.Hardshrink(0.3), lambda: nn.Softshrink(), lambda: nn.Softmin(1),
    lambda: nn.LogSigmoid(), lambda: nn.GRUCell(6, 3)])
def test_jitted_step_replays_as_eager(make):
    rng = np.random.default_rng(1)
    m = make()
    shape = {nn.GRUCell: (2, 6), nn.Softmax2d: (2, 4, 5, 6)}.get(type(m), (2, 2, 4, 5, 6))
    w = tg.Tensor(rng.standard_normal(shape[-1]), requires_grad=True)

    def step(x):
        y = m(x * w)
        (y * y).sum().backward()
    strict_replays_match(step, lambda: tg.Tensor(rng.standard_normal(shape)), w)


@pytest.mark.parametrize(("name", "args", "shapes", "words"), [
    ("AvgPool3d", (2,), [(3, 4, 4)], ["avg_pool3d", "(3, 4, 4)"]),
    ("AdaptiveMaxPool3d", (2,), [(3, 4, 4)], ["adaptive_max_pool3d", "(3, 4, 4)"]),
    ("LPPool2d", (2, 3), [(3, 4)], ["lp_pool2d", "(3, 4)"]),
    ("Softmax2d", (), [(3, 4)], ["Softmax2d", "(3, 4)"]),
    ("GLU", (), [(3, 5)], ["glu", "(3, 5)"]),
    ("MultiMarginLoss", (), [(3, 4), (2,)], ["multi_margin_loss", "(3, 4)", "(2,)"]),
    ("TripletMarginLoss", (), [(3, 4), (3, 4), (3, 5)], ["triplet_margin_loss", "(3, 5)"]),
    ("GaussianNLLLoss", (), [(3, 4), (3, 4), (3, 5)], ["gaussian_nll_loss", "(3, 5)"]),
    ("RNNCell", (3, 4), [(2, 5)], ["RNNCell", "(2, 5)"]),
    ("GRUCell", (3, 4), [(2, 3), (3, 4)], ["GRUCell", "(3, 4)"]),
    ("MaxUnpool1d", (2,), [(1, 2), (2, 2)], ["max_unpool1d", "(2, 2)", "(1, 2)"]),
])
def test_bad_shapes_raise_one_line(name, args, shapes, words):
    rng = np.random.default_rng(2)
    ins = [np.abs(rng.standard_normal(s)) if i == 0 or name != "MultiMarginLoss"
           else np.zeros(s, np.int64) for i, s in enumerate(shapes)]
    if name == "MaxUnpool1d":
        ins[1] = np.zeros(shapes[1], np.int64)
    with pytest.raises(Exception) as theirs:  # noqa: PT011 (torch refuses too)
        getattr(torch.nn, name)(*args)(*map(torch.tensor, ins))
    assert theirs.value
    with pytest.raises((ValueError, IndexError)) as e:
        getattr(nn, name)(*args)(*map(tg.Tensor, ins))
    one_line(e, *words)

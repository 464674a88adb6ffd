"""torch 2.13's F.linear_cross_entropy, nn.LinearCrossEntropyLoss and nn.LinearCrossEntropyOptions
(helper hLCE), and the last torch.nn.functional names: F.adaptive_max_pool1d/2d/3d_with_indices
and torch.utils.data.get_worker_info.

A seeded differential over random configurations (class indices and probability targets,
class weights, ignore_index None / in range / out of range, label smoothing, the three
reductions, bias or none, K-dimensional out_features, unbatched input, options None or chunked
with several chunk sizes): values and the gradients of input, linear_weight and linear_bias in
float64 to 1e-10 against torch's reference path (options=None: torch's chunked path gives NaN
gradients where every label of a "mean" is ignored, its reference path 0, as ours), and
torch's warning where options are ignored. Then the chunk sizes
against torch's `_adjust`, the options' refusals, the memory the chunked op holds (no (N, C)
array), backward twice, the module's state dict, jit replay, and the one-line refusals."""
from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
from oracle import (  # noqa: F401 (torch_float64: the fixture)
    grads_compared,
    one_line,
    outputs_compared,
    strict_replays_match,
    torch_float64,
)

import tinygrad_dl as tg
import tinygrad_dl.nn as nn
import tinygrad_dl.nn.functional as F
from tinygrad_dl.utils.data import DataLoader, Dataset, get_worker_info

torch = pytest.importorskip("torch")
TF = torch.nn.functional
pytestmark = pytest.mark.usefixtures("torch_float64")


def _options(rng: np.random.Generator, n: int) -> tuple[object, object]:
    """(torch's, ours) options: None, defaults, a batch_chunk_size, or a chunking_method."""
    kind = rng.integers(4)
    if kind == 0:
        return None, None
    if kind == 1:
        return torch.nn.LinearCrossEntropyOptions(), nn.LinearCrossEntropyOptions()
    if kind == 2:
        k = int(rng.integers(1, max(n, 1) + 3))
        return (torch.nn.LinearCrossEntropyOptions(batch_chunk_size=k),
                nn.LinearCrossEntropyOptions(batch_chunk_size=k))
    m = f"aspect_ratio:{rng.integers(1, 4)}" if rng.integers(2) else "aspect_ratio"
    return (torch.nn.LinearCrossEntropyOptions(chunking_method=m),
            nn.LinearCrossEntropyOptions(chunking_method=m))


def _case(seed: int) -> list[str]:
    """One random configuration against torch: the errors (none when all match)."""
    rng = np.random.default_rng(seed)
    out = tuple(int(d) for d in rng.integers(1, 4, rng.choice(3, p=[0.6, 0.25, 0.15])))
    unbatched = not out and rng.random() < 0.2
    N, D, C = int(rng.integers(1, 7)), int(rng.integers(1, 5)), int(rng.integers(1, 6))
    batch = () if unbatched else (N,)
    x = rng.standard_normal(batch + (D,))
    W = rng.standard_normal((C, *out, D))
    b = rng.standard_normal((C, *out)) if rng.random() < 0.5 else None
    probs = rng.random() < 0.3
    if probs:
        t = rng.random(batch + (C, *out))
        t /= t.sum(axis=0 if unbatched else 1, keepdims=True)
        ignore = None
    else:
        t = rng.integers(0, C, batch + out)
        ignore = [None, -100, -1, int(rng.integers(C))][rng.integers(4)]
        if ignore is not None and t.size and rng.random() < 0.7:
            t.reshape(-1)[rng.random(t.size) < 0.4] = ignore
    w = rng.random(C) + 0.1 if rng.random() < 0.4 else None
    eps = float(rng.random()) if rng.random() < 0.3 else 0.0
    red = ["mean", "sum", "none"][rng.integers(3)]
    topt, oopt = _options(rng, N)
    kw = dict(reduction=red, ignore_index=ignore, label_smoothing=eps)
    tt = [torch.tensor(a, requires_grad=True) for a in (x, W) + (() if b is None else (b,))]
    tkw = dict(linear_bias=None if b is None else tt[2],
               weight=None if w is None else torch.tensor(w), **kw)
    with warnings.catch_warnings(record=True) as theirs:  # (torch's warning where options
        warnings.simplefilter("always")  # are ignored; its values are its reference path's,
        TF.linear_cross_entropy(*tt[:2], torch.tensor(t), options=topt, **tkw)  # below)
    want = TF.linear_cross_entropy(*tt[:2], torch.tensor(t), **tkw)
    ours = [tg.Tensor(a, requires_grad=True) for a in (x, W) + (() if b is None else (b,))]
    with warnings.catch_warnings(record=True) as mine:
        warnings.simplefilter("always")
        got = F.linear_cross_entropy(ours[0], ours[1], t, linear_bias=None if b is None
                                     else ours[2], weight=w, options=oopt, **kw)
    errs, tl, ol = outputs_compared(want, got, 1e-10)
    tl.backward()
    ol.backward()
    errs += grads_compared(list(zip(tt, ours)), 1e-10)
    if len(theirs) != len(mine):
        errs.append(f"warnings: ours {[str(m.message) for m in mine]}, torch's "
                    f"{[str(m.message) for m in theirs]}")
    return [f"seed {seed} ({N=}, {D=}, {C=}, {out=}, {unbatched=}, {probs=}, {ignore=}, "
            f"w={w is not None}, {eps=:.2f}, {red}, b={b is not None}, {oopt}): {e}"
            for e in errs]


@pytest.mark.parametrize("block", range(6))
def test_random_configurations_match_torch(block):
    """6 x 60 = 360 seeded configurations."""
    errs = [e for seed in range(block * 60, block * 60 + 60) for e in _case(seed)]
    assert not errs, errs[:5]


def test_chunk_sizes_match_torch_adjust():
    rng = np.random.default_rng(1)
    for _ in range(300):
        n, d, c = (int(v) for v in rng.integers(1, 300, 3))
        m = [None, "auto", "aspect_ratio", f"aspect_ratio:{rng.integers(1, 5)}"][rng.integers(4)]
        k = None if rng.random() < 0.5 else int(rng.integers(1, 400))
        try:
            want = torch.nn.LinearCrossEntropyOptions(
                batch_chunk_size=k, chunking_method=m)._adjust(
                n, d, c, torch.float64, torch.device("cpu")).batch_chunk_size
        except ValueError:
            with pytest.raises(ValueError, match="give different chunk sizes"):
                nn.LinearCrossEntropyOptions(batch_chunk_size=k, chunking_method=m).chunk_rows(
                    n, d, c, np.float64)
            continue
        got = nn.LinearCrossEntropyOptions(batch_chunk_size=k, chunking_method=m).chunk_rows(
            n, d, c, np.float64)
        assert got == want, (n, d, c, m, k)


@pytest.mark.parametrize("kw", [dict(acc_policy="fast"), dict(chunking_method="aspect"),
                                dict(chunking_method="aspect_ratio:0"),
                                dict(batch_chunk_size=0), dict(batch_chunk_size=2.0),
                                dict(acc_dtype=np.int32)])
def test_options_refused_as_torch(kw):
    tkw = {k: (torch.int32 if v is np.int32 else v) for k, v in kw.items()}
    with pytest.raises(ValueError):
        torch.nn.LinearCrossEntropyOptions(**tkw)
    with pytest.raises(ValueError) as e:
        nn.LinearCrossEntropyOptions(**kw)
    one_line(e)
    with pytest.raises(AttributeError):  # frozen (dataclasses.FrozenInstanceError), as torch's
        nn.LinearCrossEntropyOptions().batch_chunk_size = 3


def test_chunked_op_never_holds_the_logits():
    """N=512 rows of C=4000 classes (16 MB of float64 logits): the chunked forward and backward
    peak under 1/4 of that, the two ops' above it; the same loss and gradients."""
    rng = np.random.default_rng(2)
    x, W = rng.standard_normal((512, 8)), rng.standard_normal((4000, 8)) * 0.1
    t = rng.integers(0, 4000, 512)
    peaks, grads = [], []
    for options in (nn.LinearCrossEntropyOptions(), None):
        X, Wt = tg.Tensor(x, requires_grad=True), tg.Tensor(W, requires_grad=True)
        tracemalloc.start()
        loss = F.linear_cross_entropy(X, Wt, t, options=options)
        loss.backward()
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        grads.append((loss.data, X.grad, Wt.grad))
    logits = 512 * 4000 * 8
    assert peaks[0] < logits / 4 < logits < peaks[1], peaks
    for a, b in zip(grads[0], grads[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_chunked_backward_twice_adds_again():
    """torch's chunked mean/sum refuse a second backward (allow_retain_graph=False); ours
    recomputes each block from the saved inputs, so a second backward adds the same again."""
    rng = np.random.default_rng(3)
    X = tg.Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    W = rng.standard_normal((4, 3))
    loss = F.linear_cross_entropy(X, W, np.array([0, 1, 2, 3, 0]),
                                  options=nn.LinearCrossEntropyOptions(batch_chunk_size=2))
    loss.backward(retain_graph=True)
    once = np.array(X.grad)
    loss.backward()
    np.testing.assert_allclose(X.grad, 2 * once, rtol=1e-15)


def test_targets_buffer_reused_before_backward():
    rng = np.random.default_rng(4)
    x, W = rng.standard_normal((6, 3)), rng.standard_normal((5, 3))
    t = rng.integers(0, 5, 6)
    want = torch.tensor(x, requires_grad=True)
    TF.linear_cross_entropy(want, torch.tensor(W), torch.tensor(t)).backward()
    X = tg.Tensor(x, requires_grad=True)
    loss = F.linear_cross_entropy(X, W, t, options=nn.LinearCrossEntropyOptions(
        batch_chunk_size=4))
    t[:] = 0  # the caller's buffer, rewritten before backward
    loss.backward()
    np.testing.assert_allclose(X.grad, want.grad.numpy(), rtol=1e-12)


def test_module_matches_torch_and_loads_its_state_dict():
    rng = np.random.default_rng(5)
    for out, bias, options in [((), True, None), ((2, 3), True, None), ((), False, "chunk"),
                               ((3,), False, None)]:
        w = rng.random(4) + 0.5
        kw = dict(out_features=out, bias=bias, weight=w, ignore_index=1, reduction="sum")
        theirs = torch.nn.LinearCrossEntropyLoss(
            5, 4, **{**kw, "weight": torch.tensor(w)}, dtype=torch.float64,
            options=options and torch.nn.LinearCrossEntropyOptions(batch_chunk_size=2))
        ours = nn.LinearCrossEntropyLoss(
            5, 4, **kw, options=options and nn.LinearCrossEntropyOptions(batch_chunk_size=2))
        sd = theirs.state_dict()
        ours.load_state_dict({k: v.numpy() for k, v in sd.items()})
        assert len(ours.state_dict()) == len(sd)  # (Linear's W and b: torch's weight, bias)
        x = rng.standard_normal((6, 5))
        t = rng.integers(0, 4, (6, *out))
        tx, ox = torch.tensor(x, requires_grad=True), tg.Tensor(x, requires_grad=True)
        errs, tl, ol = outputs_compared(theirs(tx, torch.tensor(t)), ours(ox, t), 1e-10)
        tl.backward()
        ol.backward()
        errs += grads_compared([(tx, ox), (theirs.linear.weight, ours.linear.weight)]
                               + ([(theirs.linear.bias, ours.linear.bias)] if bias else []),
                               1e-10)
        assert not errs, (out, bias, options, errs)


def test_module_refusals():
    with pytest.raises(ValueError) as e:
        nn.LinearCrossEntropyLoss(3, 4, weight=np.ones(5))
    one_line(e, "(4,)")
    with pytest.raises(ValueError) as e:
        nn.LinearCrossEntropyLoss(3, 4, label_smoothing=1.5)
    one_line(e, "label_smoothing")
    with pytest.raises(TypeError) as e:
        nn.LinearCrossEntropyLoss(3, 4, options="chunked")
    one_line(e, "options")


def test_jit_replays_the_chunked_op():
    """A strict jit replays a step of the chunked op (float32, a module with a bias, a float64
    class weight buffer and ignore_index; its labels per-step data, sliced from the step's
    argument) bit for bit as eagerly."""
    rng = np.random.default_rng(6)
    m = nn.LinearCrossEntropyLoss(4, 7, bias=True, weight=rng.random(7) + 0.5, ignore_index=2,
                                  dtype=np.float32,
                                  options=nn.LinearCrossEntropyOptions(batch_chunk_size=3))

    def step(x):
        loss = m(x[:, :4], x[:, 4].astype(np.int64))
        loss.backward()
        return loss

    def draw():
        return tg.Tensor(np.concatenate([rng.standard_normal((8, 4)), rng.integers(0, 7, (8, 1))],
                                        axis=1).astype(np.float32))

    strict_replays_match(step, draw, m.linear.weight)


@pytest.mark.parametrize("call, words", [
    (lambda x, W, t: F.linear_cross_entropy(x.reshape(1, 2, 3), W, t), ("dimensionality 1 or 2",)),
    (lambda x, W, t: F.linear_cross_entropy(x, W[:, :2], t), ("in_features", "3 and 2")),
    (lambda x, W, t: F.linear_cross_entropy(x, W, t, linear_bias=np.ones(3)), ("(4,)",)),
    (lambda x, W, t: F.linear_cross_entropy(x[0], W.reshape(4, 1, 3), t[:1]), ("batched",)),
    (lambda x, W, t: F.linear_cross_entropy(x, W, np.full((2, 4), 0.25), ignore_index=-100),
     ("probabilities",)),
    (lambda x, W, t: F.linear_cross_entropy(x, W, t + 4, options=nn.LinearCrossEntropyOptions()),
     ("labels", "[0, 4)")),
    (lambda x, W, t: F.linear_cross_entropy(x, W, t[:1], options=nn.LinearCrossEntropyOptions()),
     ("(1,)", "(2,)")),
    (lambda x, W, t: F.linear_cross_entropy(x, W, t, weight=tg.Tensor(np.ones(4),
                                            requires_grad=True),
                                            options=nn.LinearCrossEntropyOptions()),
     ("requires grad",)),
    (lambda x, W, t: F.linear_cross_entropy(x, W, t, options=nn.LinearCrossEntropyOptions(
        acc_dtype=np.float32)), ("acc_dtype",)),
    (lambda x, W, t: F.linear_cross_entropy(x, W, t, options=True), ("options",)),
    (lambda x, W, t: F.linear_cross_entropy(x[:0], W, t[:0],
                                            options=nn.LinearCrossEntropyOptions()),
     ("empty batch",)),
])
def test_one_line_refusals(call, words):
    x, W, t = tg.Tensor(np.ones((2, 3))), tg.Tensor(np.ones((4, 3))), np.array([0, 3])
    with pytest.raises((ValueError, TypeError)) as e:
        call(x, W, t)
    one_line(e, *words)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_adaptive_max_pool_with_indices_aliases(dims):
    rng = np.random.default_rng(7 + dims)
    x = rng.standard_normal((2, 3) + (5,) * dims)
    size = (3,) * dims if dims > 1 else 3
    name = f"adaptive_max_pool{dims}d_with_indices"
    for flag in (False, True):  # torch ignores return_indices: always the pair
        tx, ox = torch.tensor(x, requires_grad=True), tg.Tensor(x, requires_grad=True)
        want = getattr(TF, name)(tx, size, return_indices=flag)
        got = getattr(F, name)(ox, size, return_indices=flag)
        errs, tl, ol = outputs_compared(want, got, 1e-10)
        tl.backward()
        ol.backward()
        assert not errs + grads_compared([(tx, ox)], 1e-10)


def test_get_worker_info_is_none_in_the_loader_too():
    """Batches are made in this process (no worker processes or threads): None, as torch's in
    its main process, inside the dataset's __getitem__ during iteration too."""
    seen = []

    class Probe(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            seen.append(get_worker_info())
            return np.float64(i)

    assert get_worker_info() is None and torch.utils.data.get_worker_info() is None
    assert [float(v) for b in DataLoader(Probe(), batch_size=2) for v in b.data] == [0, 1, 2]
    assert seen == [None] * 3
    with pytest.raises(ValueError) as e:
        DataLoader(Probe(), num_workers=2)
    one_line(e, "num_workers")


def test_every_label_ignored_gives_the_reference_gradient():
    """A "mean" whose labels are all ignore_index: loss 0 / 0 = NaN and gradient 0 in torch's
    reference path (cross_entropy's); torch's chunked path gives NaN gradients (its per-row
    weight divided by the 0 sum). Ours: the reference path's in both paths."""
    rng = np.random.default_rng(8)
    x, W, t = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), np.zeros(4, np.int64)
    tx = torch.tensor(x, requires_grad=True)
    want = TF.linear_cross_entropy(tx, torch.tensor(W), torch.tensor(t), ignore_index=0)
    want.backward()
    tc = torch.tensor(x, requires_grad=True)
    TF.linear_cross_entropy(tc, torch.tensor(W), torch.tensor(t), ignore_index=0,
                            options=torch.nn.LinearCrossEntropyOptions()).backward()
    assert np.isnan(tc.grad.numpy()).all() and not tx.grad.numpy().any()  # (torch's two)
    for options in (None, nn.LinearCrossEntropyOptions(batch_chunk_size=3)):
        X = tg.Tensor(x, requires_grad=True)
        loss = F.linear_cross_entropy(X, W, t, ignore_index=0, options=options)
        loss.backward()
        assert np.isnan(loss.data) and np.array_equal(X.grad, tx.grad.numpy())

"""F.embedding_bag / nn.EmbeddingBag, F.fold / F.unfold, F.bilinear and
nn.AdaptiveLogSoftmaxWithLoss against torch 2.13 on seeded random cases (values, dtypes, the
gradients of the input and of the weights, refusals), plus one named test per bug found."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _grad(t):
    return None if t.grad is None else np.asarray(getattr(t.grad, "data", t.grad))


def _close(ours, theirs, tol):
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol, equal_nan=True)


def _outcome(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs), None
    except Exception as e:  # noqa: BLE001 (either side may refuse)
        return None, e


def _agree_on_refusal(ours_err, torch_err, desc):
    assert (ours_err is None) == (torch_err is None), (desc, ours_err, torch_err)
    if ours_err is not None:
        assert "\n" not in str(ours_err), desc


# ---- embedding_bag -----------------------------------------------------------------------------
def _bag_case(seed):
    r = np.random.default_rng(seed)
    n, dim = int(r.integers(1, 6)), int(r.integers(0, 4))
    wdt = np.float32 if r.random() < 0.25 else np.float64
    w = r.standard_normal((n, dim))
    if r.random() < 0.1 and n * dim:
        w[r.integers(n), r.integers(dim)] = r.choice([np.inf, -np.inf, np.nan])
    if r.random() < 0.2 and n > 1:
        w[1] = w[0]  # (ties for max)
    mode = str(r.choice(["sum", "mean", "max"]))
    idt = r.choice([np.int64, np.int32])
    if r.random() < 0.4:
        idx = r.integers(0, n, (int(r.integers(0, 4)), int(r.integers(1, 4))))
        offs, last = None, False
    else:
        m = int(r.integers(0, 7))
        idx = r.integers(0, n, m)
        offs = np.sort(r.integers(0, m + 1, int(r.integers(1, 5))))
        offs[0] = 0
        last = bool(r.random() < 0.3)
        if last:
            offs = np.append(offs, m)
        offs = offs.astype(r.choice([np.int64, np.int32]))
    pad = None if r.random() < 0.6 else int(r.integers(-n, n))
    psw = r.standard_normal(idx.shape).astype(wdt) if mode == "sum" and r.random() < 0.4 else None
    max_norm = float(r.choice([0.5, 1.0, 2.0])) if r.random() < 0.25 else None
    norm_type = float(r.choice([1, 2, 3, np.inf]))
    kw = dict(mode=mode, include_last_offset=last, padding_idx=pad, max_norm=max_norm,
              norm_type=norm_type)
    return w.astype(wdt), idx.astype(idt), offs, psw, kw


@pytest.mark.parametrize("block", range(4))
def test_embedding_bag_agrees_with_torch_on_random_bags(block):
    for seed in range(block * 60, block * 60 + 60):
        w, idx, offs, psw, kw = _bag_case(seed)
        desc = f"seed {seed}: idx {idx.tolist()} offsets {offs} psw {psw is not None} {kw}"
        tol = 1e-10 if w.dtype == np.float64 else 2e-6
        tw = torch.tensor(w, requires_grad=True)
        tp = None if psw is None else torch.tensor(psw, requires_grad=True)
        to, terr = _outcome(TF.embedding_bag, torch.tensor(idx), tw,
                            None if offs is None else torch.tensor(offs),
                            per_sample_weights=tp, **kw)
        ow = Tensor(w.copy(), requires_grad=True)
        op = None if psw is None else Tensor(psw.copy(), requires_grad=True)
        oo, oerr = _outcome(F.embedding_bag, Tensor(idx), ow,
                            None if offs is None else Tensor(offs), per_sample_weights=op, **kw)
        _agree_on_refusal(oerr, terr, desc)  # (the inf-norm of an empty row: both refuse)
        if oerr is not None:
            continue
        assert oo.shape == tuple(to.shape) and oo.dtype == w.dtype, desc
        _close(oo.numpy(), to.detach().numpy(), tol)
        _close(ow.data, tw.detach().numpy(), tol)  # (max_norm's in-place renorm)
        g = np.random.default_rng(seed).standard_normal(oo.shape).astype(w.dtype)
        (to * torch.tensor(g)).sum().backward()
        (oo * Tensor(g)).sum().backward()
        for ours, theirs in ((ow, tw), (op, tp)):
            if ours is not None:
                got = _grad(ours)
                want = theirs.grad
                _close(np.zeros(ours.shape) if got is None else got,
                       np.zeros(ours.shape) if want is None else want.numpy(), tol)


@pytest.mark.parametrize("offsets, last", [([1, 2], False), ([0, 3, 2], False), ([0, 5], False),
                                           ([0, 2], True), ([], True), ([], False)])
def test_embedding_bag_refuses_offsets_torch_misreads_in_one_line(offsets, last):
    with pytest.raises(ValueError, match="embedding_bag: ") as e:
        F.embedding_bag(Tensor(np.arange(4)), Tensor(np.ones((5, 2))),
                        Tensor(np.array(offsets, np.int64)), include_last_offset=last)
    assert "\n" not in str(e.value)


def test_embedding_bag_of_rows_with_no_columns_is_zeros():
    """torch 2.13 raises 'step must be nonzero' for (B, 0) input (docs/pytorch.md): B empty bags."""
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    for mode in ("sum", "mean", "max"):
        out = F.embedding_bag(Tensor(np.zeros((2, 0), np.int64)), w, mode=mode)
        assert out.shape == (2, 2) and not out.numpy().any()


# ---- fold / unfold -----------------------------------------------------------------------------
def _opt(r, lo, hi):
    return int(r.integers(lo, hi)) if r.random() < 0.5 else (int(r.integers(lo, hi)),
                                                            int(r.integers(lo, hi)))


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


def _check_patch_op(ours_fn, torch_fn, x, desc):
    tx = torch.tensor(x, requires_grad=True)
    ox = Tensor(x.copy(), requires_grad=True)
    to, terr = _outcome(torch_fn, tx)
    oo, oerr = _outcome(ours_fn, ox)
    _agree_on_refusal(oerr, terr, desc)
    if oerr is not None:
        return
    tol = 1e-10 if x.dtype == np.float64 else 1e-5
    assert oo.shape == tuple(to.shape) and oo.dtype == x.dtype, desc
    _close(oo.numpy(), to.detach().numpy(), tol)
    g = np.random.default_rng(1).standard_normal(oo.shape).astype(x.dtype)
    (to * torch.tensor(g)).sum().backward()
    (oo * Tensor(g)).sum().backward()
    _close(_grad(ox), tx.grad.numpy(), tol)


@pytest.mark.parametrize("block", range(3))
def test_fold_and_unfold_agree_with_torch_on_random_options(block):
    for seed in range(block * 70, block * 70 + 70):
        r = np.random.default_rng(seed)
        kw = dict(kernel_size=_opt(r, 1, 4), dilation=_opt(r, 1, 3), padding=_opt(r, 0, 3),
                  stride=_opt(r, 1, 4))
        dt = np.float64 if r.random() < 0.8 else np.float32
        unbatched = r.random() < 0.25
        c, h, w = int(r.integers(1, 4)), int(r.integers(1, 7)), int(r.integers(1, 7))
        shape = (c, h, w) if unbatched else (int(r.integers(0, 3)), c, h, w)
        x = r.standard_normal(shape).astype(dt)
        if r.random() < 0.3:  # (a transposed view)
            x = np.ascontiguousarray(x.swapaxes(-1, -2)).swapaxes(-1, -2)
        module = r.random() < 0.3
        desc = f"seed {seed}: unfold {shape} {kw}"
        if module:
            _check_patch_op(nn.Unfold(**kw), torch.nn.Unfold(**kw), x, desc)
        else:
            _check_patch_op(partial(F.unfold, **kw), partial(TF.unfold, **kw), x, desc)
        size = (h, w) if r.random() < 0.5 else int(r.integers(1, 7))
        blocks = 1
        for n_, p, d, k, s in zip(_pair(size), _pair(kw["padding"]), _pair(kw["dilation"]),
                                  _pair(kw["kernel_size"]), _pair(kw["stride"])):
            blocks *= max((n_ + 2 * p - d * (k - 1) - 1) // s + 1, 0)
        blocks = max(blocks, 1) + int(r.random() < 0.1)  # (sometimes a wrong count)
        k = _pair(kw["kernel_size"])
        rows = c * k[0] * k[1] + int(r.random() < 0.05)
        fshape = (rows, blocks) if unbatched else (shape[0], rows, blocks)
        x = r.standard_normal(fshape).astype(dt)
        desc = f"seed {seed}: fold {fshape} output_size {size} {kw}"
        if module:
            _check_patch_op(nn.Fold(size, **kw), torch.nn.Fold(size, **kw), x, desc)
        else:
            _check_patch_op(partial(F.fold, output_size=size, **kw),
                            partial(TF.fold, output_size=size, **kw), x, desc)


# ---- bilinear ----------------------------------------------------------------------------------
def test_bilinear_agrees_with_torch_on_random_shapes():
    for seed in range(150):
        r = np.random.default_rng(seed)
        i1, i2, o = int(r.integers(1, 4)), int(r.integers(1, 4)), int(r.integers(0, 4))
        lead = tuple(int(r.integers(0, 4)) for _ in range(int(r.integers(0, 3))))
        dt = np.float64 if r.random() < 0.8 else np.float32
        a = r.standard_normal(lead + (i1,)).astype(dt)
        b = r.standard_normal(lead + (i2 + int(r.random() < 0.05),)).astype(dt)
        w = r.standard_normal((o, i1, i2)).astype(dt)
        bias = r.standard_normal((o,)).astype(dt) if r.random() < 0.6 else None
        ts = [None if v is None else torch.tensor(v, requires_grad=True) for v in (a, b, w, bias)]
        os_ = [None if v is None else Tensor(v.copy(), requires_grad=True) for v in (a, b, w, bias)]
        to, terr = _outcome(TF.bilinear, *ts)
        oo, oerr = _outcome(F.bilinear, *os_)
        desc = f"seed {seed}: {a.shape} {b.shape} {w.shape} bias {bias is not None}"
        _agree_on_refusal(oerr, terr, desc)
        if oerr is not None:
            continue
        tol = 1e-10 if dt == np.float64 else 1e-4
        assert oo.shape == tuple(to.shape) and oo.dtype == dt, desc
        _close(oo.numpy(), to.detach().numpy(), tol)
        g = np.random.default_rng(seed).standard_normal(oo.shape).astype(dt)
        (to * torch.tensor(g)).sum().backward()
        (oo * Tensor(g)).sum().backward()
        for t_, o_ in zip(ts, os_):
            if t_ is not None:
                _close(_grad(o_), t_.grad.numpy(), tol)


def test_bilinear_with_no_features_is_the_bias():
    """torch 2.13 raises 'cannot reshape tensor of 0 elements' (docs/pytorch.md): an empty sum."""
    out = F.bilinear(Tensor(np.ones((2, 0))), Tensor(np.ones((2, 3))), Tensor(np.ones((4, 0, 3))),
                     Tensor(np.arange(4.0)))
    np.testing.assert_array_equal(out.numpy(), np.tile(np.arange(4.0), (2, 1)))


# ---- AdaptiveLogSoftmaxWithLoss ---------------------------------------------------------------
@pytest.mark.parametrize("block", range(2))
def test_adaptive_log_softmax_agrees_with_torch_with_copied_weights(block):
    for seed in range(block * 40, block * 40 + 40):
        r = np.random.default_rng(seed)
        in_f, n_cls = int(r.integers(1, 9)), int(r.integers(2, 12))
        cuts = sorted(r.choice(np.arange(1, n_cls), int(r.integers(1, min(4, n_cls))),
                               replace=False).tolist())
        kw = dict(div_value=float(r.choice([1.0, 2.0, 4.0, 1.5])), head_bias=bool(r.random() < 0.5))
        tm = torch.nn.AdaptiveLogSoftmaxWithLoss(in_f, n_cls, cuts, **kw).double()
        om = nn.AdaptiveLogSoftmaxWithLoss(in_f, n_cls, cuts, **kw)
        om.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})
        unbatched = r.random() < 0.2
        batch = int(r.integers(1, 6))
        x = r.standard_normal((in_f,) if unbatched else (batch, in_f)) * float(r.choice([1, 10]))
        t = np.array(int(r.integers(0, n_cls))) if unbatched else r.integers(0, n_cls, batch)
        tx, ox = torch.tensor(x, requires_grad=True), Tensor(x.copy(), requires_grad=True)
        to, oo = tm(tx, torch.tensor(t)), om(ox, Tensor(t))
        for ours, theirs in ((oo.output, to.output), (oo.loss, to.loss)):
            assert ours.shape == tuple(theirs.shape)
            _close(ours.numpy(), theirs.detach().numpy(), 1e-10)
        gw = np.random.default_rng(seed + 1).standard_normal(oo.output.shape)
        ((to.output * torch.tensor(gw)).sum() + 0.5 * to.loss).backward()
        ((oo.output * Tensor(gw)).sum() + 0.5 * oo.loss).backward()
        _close(_grad(ox), tx.grad.numpy(), 1e-9)
        tparams = dict(tm.named_parameters())
        for name, p in om.named_parameters():  # (head.W here is torch's head.weight)
            tp = tparams[name[:-1] + {"W": "weight", "b": "bias"}[name[-1]]]
            got, want = _grad(p), tp.grad
            _close(np.zeros(p.shape) if got is None else got,
                   np.zeros(p.shape) if want is None else want.numpy(), 1e-9)
        if not unbatched:
            _close(om.log_prob(Tensor(x)).numpy(), tm.log_prob(torch.tensor(x)).detach().numpy(),
                   1e-10)
            np.testing.assert_array_equal(om.predict(Tensor(x)).numpy(),
                                          tm.predict(torch.tensor(x)).numpy())


# ---- named regressions --------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("freeze", [True, False])
def test_embedding_bag_from_pretrained_is_torchs(mode, freeze):
    """nn.EmbeddingBag.from_pretrained was missing (AttributeError): torch's table shared (the
    renorm writes it), its padding row kept, frozen unless freeze=False."""
    w = np.random.default_rng(0).standard_normal((4, 3)) * 2
    table = Tensor(w.copy())
    ours = nn.EmbeddingBag.from_pretrained(table, freeze=freeze, mode=mode, padding_idx=1,
                                           max_norm=1.0)
    theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), freeze=freeze, mode=mode,
                                                   padding_idx=1, max_norm=1.0)
    idx = np.array([[0, 1, 2], [3, 3, 1]])
    np.testing.assert_allclose(ours(Tensor(idx)).numpy(),
                               theirs(torch.tensor(idx)).detach().numpy(), rtol=1e-12)
    assert ours.weight.requires_grad is (not freeze) is theirs.weight.requires_grad
    np.testing.assert_allclose(table.data, theirs.weight.detach().numpy(), rtol=1e-12)
    assert np.shares_memory(ours.weight.data, table.data)
    assert repr(ours) == repr(theirs)


def test_embedding_bag_weight_keeps_its_dtype():
    """EmbeddingBag(_weight=float32 table) made a float64 copy; torch keeps the table."""
    w = np.ones((3, 2), np.float32)
    assert nn.EmbeddingBag(3, 2, _weight=w).weight.dtype == np.float32
    assert nn.EmbeddingBag.from_pretrained(w).weight.dtype == np.float32


def test_embedding_takes_torchs_weight_and_freeze_keywords():
    """Embedding(_weight=, _freeze=) raised TypeError: torch's (the table shared, padding row
    kept, requires_grad = not _freeze)."""
    w = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    for frozen in (False, True):
        ours = nn.Embedding(4, 3, _weight=Tensor(w), _freeze=frozen, padding_idx=1)
        theirs = torch.nn.Embedding(4, 3, _weight=torch.tensor(w), _freeze=frozen, padding_idx=1)
        assert ours.weight.dtype == np.float32 and ours.weight.requires_grad is not frozen
        np.testing.assert_array_equal(ours(Tensor(np.array([1, 2]))).numpy(),
                                      theirs(torch.tensor([1, 2])).detach().numpy())
    with pytest.raises(ValueError, match=r"Embedding: _weight must have shape \(4, 3\)"):
        nn.Embedding(4, 3, _weight=np.ones((2, 3)))


def test_embedding_bag_refuses_an_integer_table():
    """An int64 table's mean bag came back float64 and its max int64; torch refuses integers."""
    for mode in ("sum", "mean", "max"):
        with pytest.raises(TypeError, match="embedding_bag: weight must be a floating-point"):
            F.embedding_bag(Tensor(np.array([[0, 1]])), Tensor(np.arange(6).reshape(3, 2)),
                            mode=mode)


def test_adaptive_log_softmax_names_its_in_features():
    """A wrong width was reported as a tail Linear's shapes ((1, 3) and (1, 4))."""
    m = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2, 4])
    with pytest.raises(RuntimeError, match=r"AdaptiveLogSoftmaxWithLoss: expected input \(N, 4\)"):
        m(Tensor(np.zeros((3, 3))), Tensor(np.array([0, 3, 5])))

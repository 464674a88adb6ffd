"""PyTorch features once refused, against torch 2.13 (CPU): F.embedding / nn.Embedding's
max_norm (torch's embedding_renorm_: the rows read, renormalized in place before the lookup)
and scale_grad_by_freq, the same for F.embedding_bag / nn.EmbeddingBag, and F.interpolate /
nn.Upsample's modes nearest-exact, area, bicubic, trilinear and 5-D nearest (with linear and
bilinear, whose source position is now torch's: floored as a float32, from a fused
multiply-add). Seeded random draws compare the values, the table after the call and the
gradients of a random weighted sum to 1e-10 (float64); named tests pin each rule.

Left out of the draws, each torch's own slip (docs/pytorch.md): embedding_bag's
scale_grad_by_freq where the counts differ (torch's CPU kernel reads another row's count; the
draws compare with torch's F.embedding, whose rule is right); the 1-D / 3-D nearest backward
of an axis with out = in or 2 in read by a scale_factor, and the bicubic backward where both
sizes are the input's (torch's backward is not its forward's gradient); inf and NaN inputs to
the weighted modes (torch's values there depend on its CPU kernel: a test below pins its
AVX2 / AVX512 one)."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.functional import embedding, embedding_bag, interpolate
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _close(ours, theirs, what, dtype=np.float64):
    rtol, atol = (1e-10, 1e-13) if np.dtype(dtype) == np.float64 else (2e-5, 2e-6)
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs torch {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def _grad(t, like):
    g = t.grad
    return np.zeros_like(like) if g is None else (g.numpy() if hasattr(g, "numpy") and
                                                  not isinstance(g, np.ndarray) else g)


# ---- embedding: random draws ------------------------------------------------------------------
def _draw_embedding(r):
    n, d = int(r.integers(1, 7)), int(r.integers(1, 5))
    dt = np.float64 if r.random() < 0.8 else np.float32
    w = (r.standard_normal((n, d)) * r.choice([0.3, 1.0, 3.0])).astype(dt)
    if r.random() < 0.1:
        w.flat[r.integers(0, w.size)] = r.choice([np.inf, np.nan, 0.0])
    idx = r.integers(0, n, size=tuple(int(s) for s in r.integers(0, 4, r.integers(0, 3))))
    kw = {}
    if r.random() < 0.4:
        kw["padding_idx"] = int(r.integers(-n, n))
    if r.random() < 0.8:
        kw["max_norm"] = float(r.choice([r.uniform(0, 3), 0.0, 1.0, -1.0, np.inf, np.nan]))
        if r.random() < 0.6:
            kw["norm_type"] = float(r.choice([1, 3, 0.5, np.inf, 0, -1, 1.5]))
    if r.random() < 0.5:
        kw["scale_grad_by_freq"] = True
    return w, idx, kw


@pytest.mark.parametrize("module", [False, True], ids=["F.embedding", "nn.Embedding"])
@pytest.mark.parametrize("seed", range(0, 300, 30))
def test_embedding_matches_torch(module, seed):
    for s in range(seed, seed + 30):
        r = np.random.default_rng(s)
        w, idx, kw = _draw_embedding(r)
        tw, ours = torch.tensor(w.copy(), requires_grad=True), tg.Tensor(w.copy(),
                                                                          requires_grad=True)
        if module:
            tm = torch.nn.Embedding.from_pretrained(tw.detach().clone(), freeze=False, **kw)
            om = nn.Embedding.from_pretrained(ours.data, freeze=False, **kw)
            tw, ours = tm.weight, om.weight
            t_out, o_out = tm(torch.tensor(idx)), om(idx)
        else:
            t_out, o_out = TF.embedding(torch.tensor(idx), tw, **kw), embedding(idx, ours, **kw)
        what = f"seed {s}: {w.shape} {w.dtype} {idx.shape} {kw}"
        _close(o_out.data, t_out.detach().numpy(), what + " value", w.dtype)
        _close(ours.data, tw.detach().numpy(), what + " weight after", w.dtype)
        g = r.standard_normal(o_out.shape).astype(w.dtype)
        (o_out * tg.Tensor(g)).sum().backward()
        (t_out * torch.tensor(g)).sum().backward()
        _close(_grad(ours, w), _grad(tw, w), what + " gradient", w.dtype)


def _torch_bags(idx, w, offsets, mode, psw, pad):
    """torch's embedding_bag from its F.embedding with scale_grad_by_freq (right: its
    embedding_bag kernel divides by another row's count where the counts differ)."""
    flat = idx.reshape(-1)
    if idx.ndim == 2:
        bounds = [(i * idx.shape[1], (i + 1) * idx.shape[1]) for i in range(idx.shape[0])]
    else:
        bounds = list(zip(offsets, list(offsets[1:]) + [flat.size]))
    rows = TF.embedding(torch.tensor(flat), w, padding_idx=pad, scale_grad_by_freq=True)
    if psw is not None:
        rows = rows * psw.reshape(-1)[:, None]
    out = []
    for a, b in bounds:
        keep = [j for j in range(a, b) if pad is None or flat[j] != pad % w.shape[0]]
        v = rows[keep].sum(0) if keep else torch.zeros(w.shape[1], dtype=w.dtype)
        out.append(v / len(keep) if mode == "mean" and keep else v)
    return torch.stack(out)


@pytest.mark.parametrize("seed", range(0, 300, 60))
def test_embedding_bag_matches_torch(seed):
    for s in range(seed, seed + 60):
        r = np.random.default_rng(s)
        n, d = int(r.integers(1, 6)), int(r.integers(1, 4))
        w = r.standard_normal((n, d)) * r.choice([0.3, 1.0, 3.0])
        mode = str(r.choice(["sum", "mean", "max"]))
        if r.random() < 0.5:
            idx, offsets = r.integers(0, n, (int(r.integers(1, 4)), int(r.integers(1, 4)))), None
        else:
            idx = r.integers(0, n, int(r.integers(0, 8)))
            offsets = np.sort(r.integers(0, idx.size + 1, int(r.integers(1, 4))))
            offsets[0] = 0
        kw = {"max_norm": float(r.uniform(0, 2))} if r.random() < 0.6 else {}
        if kw and r.random() < 0.5:
            kw["norm_type"] = float(r.choice([1, 3, np.inf, 0.5]))
        freq = mode != "max" and r.random() < 0.6
        pad = int(r.integers(0, n)) if r.random() < 0.3 else None
        psw = r.standard_normal(idx.shape) if mode == "sum" and r.random() < 0.4 else None
        tw = torch.tensor(w.copy(), requires_grad=True)
        tpsw = None if psw is None else torch.tensor(psw, requires_grad=True)
        if freq:
            if kw:
                TF.embedding(torch.tensor(idx.reshape(-1)), tw, **kw)  # (its renorm, in place)
            t_out = _torch_bags(idx, tw, offsets, mode, tpsw, pad)
        else:
            t_out = TF.embedding_bag(torch.tensor(idx), tw, None if offsets is None else
                                     torch.tensor(offsets), mode=mode, per_sample_weights=tpsw,
                                     padding_idx=pad, **kw)
        ours, opsw = tg.Tensor(w.copy(), requires_grad=True), None
        if psw is not None:
            opsw = tg.Tensor(psw, requires_grad=True)
        o_out = embedding_bag(idx, ours, offsets, mode=mode, per_sample_weights=opsw,
                              padding_idx=pad, scale_grad_by_freq=freq, **kw)
        what = f"seed {s}: {mode} {idx.tolist()} {offsets} {kw} freq={freq} pad={pad}"
        _close(o_out.data, t_out.detach().numpy(), what + " value")
        _close(ours.data, tw.detach().numpy(), what + " weight after")
        g = r.standard_normal(o_out.shape)
        (o_out * tg.Tensor(g)).sum().backward()
        if t_out.requires_grad:
            (t_out * torch.tensor(g)).sum().backward()
        _close(_grad(ours, w), _grad(tw, w), what + " gradient")
        if psw is not None:
            _close(_grad(opsw, psw), _grad(tpsw, psw), what + " per_sample_weights gradient")


# ---- embedding: named rules -----------------------------------------------------------------
def test_max_norm_renorms_each_row_read_once_in_place_before_the_lookup():
    w = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    W = tg.Tensor(w.copy(), requires_grad=True)
    out = embedding(np.array([0, 2, 0, 1]), W, max_norm=2.0)
    want = w.copy()
    want[0] *= 2.0 / (5.0 + 1e-7)  # (once, though read twice: torch's)
    want[2] *= 2.0 / (10.0 + 1e-7)
    np.testing.assert_array_equal(W.data, want)
    np.testing.assert_array_equal(out.data, want[[0, 2, 0, 1]])
    out.sum().backward()  # the gradient flows through the renormalized rows: the lookup's
    np.testing.assert_array_equal(W.grad, [[2.0, 2.0], [1.0, 1.0], [1.0, 1.0]])


def test_max_norm_with_padding_idx_renorms_the_padding_row_too_and_gives_it_no_gradient():
    w = np.array([[3.0, 4.0], [0.3, 0.4]])
    tw, W = torch.tensor(w.copy(), requires_grad=True), tg.Tensor(w.copy(), requires_grad=True)
    o = embedding(np.array([0, 1, 0]), W, padding_idx=0, max_norm=1.0)
    t = TF.embedding(torch.tensor([0, 1, 0]), tw, padding_idx=0, max_norm=1.0)
    _close(W.data, tw.detach().numpy(), "weight")
    o.sum().backward()
    t.sum().backward()
    _close(W.grad, tw.grad.numpy(), "gradient")
    assert not W.grad[0].any()


def test_from_pretrained_max_norm_writes_the_shared_table():
    table = np.array([[3.0, 4.0], [0.1, 0.2]])
    e = nn.Embedding.from_pretrained(table, max_norm=1.0, norm_type=1.0)
    t = torch.nn.Embedding.from_pretrained(torch.tensor([[3.0, 4.0], [0.1, 0.2]],
                                                        dtype=torch.float64),
                                           max_norm=1.0, norm_type=1.0)
    _close(e(np.array([0, 1])).data, t(torch.tensor([0, 1])).detach().numpy(), "value")
    _close(table, t.weight.detach().numpy(), "the table itself, renormed")
    assert repr(e) == repr(t) == "Embedding(2, 2, max_norm=1.0, norm_type=1.0)"


def test_scale_grad_by_freq_divides_each_rows_gradient_by_its_count():
    w = np.arange(8.0).reshape(4, 2)
    W = tg.Tensor(w, requires_grad=True)
    embedding(np.array([[3, 1], [3, 3]]), W, scale_grad_by_freq=True).sum().backward()
    np.testing.assert_array_equal(W.grad, [[0, 0], [1, 1], [0, 0], [1, 1]])
    m = nn.Embedding(4, 2, scale_grad_by_freq=True, padding_idx=1)
    assert repr(m) == repr(torch.nn.Embedding(4, 2, scale_grad_by_freq=True, padding_idx=1))
    m(np.array([1, 2, 2, 0])).sum().backward()
    np.testing.assert_array_equal(m.weight.grad, [[1, 1], [0, 0], [1, 1], [0, 0]])


def test_embedding_bag_scale_grad_by_freq_divides_by_the_rows_own_count():
    """torch 2.13's CPU kernel divides row 4's gradient by 2 (the count of the 4th index in
    sorted order, 2): ours by its count, 3, as torch's F.embedding and its docs."""
    idx, off = np.array([0, 2, 2, 4, 4, 4, 1]), np.array([0, 3, 5])
    W = tg.Tensor(np.ones((5, 1)), requires_grad=True)
    embedding_bag(idx, W, off, mode="sum", scale_grad_by_freq=True).sum().backward()
    np.testing.assert_allclose(W.grad[:, 0], [1, 1, 1, 0, 1], rtol=1e-15)
    tw = torch.ones((5, 1), dtype=torch.float64, requires_grad=True)
    TF.embedding_bag(torch.tensor(idx), tw, torch.tensor(off), mode="sum",
                     scale_grad_by_freq=True).sum().backward()
    assert tw.grad[4, 0].item() == pytest.approx(1.5)  # (torch's slip, documented)
    with pytest.raises(ValueError, match="^embedding_bag: max mode does not support") as e:
        embedding_bag(idx, W, off, mode="max", scale_grad_by_freq=True)
    assert "\n" not in str(e.value)


def test_embedding_bag_module_takes_max_norm_and_scale_grad_by_freq():
    kw = dict(max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True, mode="sum", padding_idx=1)
    m, t = nn.EmbeddingBag(4, 2, **kw), torch.nn.EmbeddingBag(4, 2, **kw).double()
    assert repr(m) == repr(t)
    m.load_state_dict({"weight": t.weight.detach().numpy() * 3})
    with torch.no_grad():
        t.weight.mul_(3)
    idx = np.array([[0, 2], [3, 3]])
    _close(m(idx).data, t(torch.tensor(idx)).detach().numpy(), "value")
    _close(m.weight.data, t.weight.detach().numpy(), "weight after")


@pytest.mark.parametrize("call, match", [
    (lambda: embedding(np.array([0]), np.ones((2, 2)), max_norm=1.0),
     "embedding: max_norm renormalizes weight's rows in place, so weight must be a Tensor"),
    (lambda: embedding(np.array([0]), tg.Tensor(np.ones((2, 2))), sparse=True),
     "embedding: sparse=True"),
    (lambda: nn.Embedding(3, 2, sparse=True), "Embedding: sparse=True is not supported"),
    (lambda: nn.Embedding(3, 2, max_norm="1"), "Embedding: max_norm must be a number"),
    (lambda: embedding(np.array([0]), tg.Tensor(np.ones((2, 2), np.int64)), max_norm=1.0),
     "embedding: max_norm needs a floating-point weight")])
def test_embedding_refusals_are_one_line(call, match):
    with pytest.raises((TypeError, ValueError), match=match) as e:
        call()
    assert "\n" not in str(e.value)


def test_max_norm_write_raises_at_the_backward_of_a_graph_that_saved_the_old_table():
    """torch's docs' example: weight @ W.T before the renorming forward needs weight.clone()
    (torch's version counter raises at backward; here the write guard does)."""
    emb = nn.Embedding(3, 5, max_norm=1.0, rng=np.random.default_rng(0))
    emb.weight.data *= 3
    W = tg.Tensor(np.random.default_rng(1).standard_normal((7, 5)), requires_grad=True)
    a = emb.weight @ W.T
    b = emb(np.array([1, 2])) @ W.T
    with pytest.raises(RuntimeError, match="replaced by the in-place renorm of Embedding"):
        (a.unsqueeze(0) + b.unsqueeze(1)).sigmoid().prod().backward()
    a = emb.weight.clone() @ W.T
    (a.unsqueeze(0) + (emb(np.array([1, 2])) @ W.T).unsqueeze(1)).sigmoid().prod().backward()
    assert emb.weight.grad is not None


def _train(use_jit, **kw):
    emb = nn.Embedding(6, 3, rng=np.random.default_rng(0), **kw)
    emb.weight.data *= 3

    def step(idx, g):
        (emb(idx) * tg.Tensor(g)).sum().backward()

    f = jit(step) if use_jit else step
    r = np.random.default_rng(1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(5):
            emb.weight.grad = None
            f(r.integers(0, 6, 4), r.standard_normal((4, 3)))
            emb.weight.data = emb.weight.data - 0.5 * emb.weight.grad
    return emb.weight.data, [str(w.message) for w in caught], getattr(f, "replays", None)


def test_a_jitted_step_with_max_norm_runs_eagerly_with_jits_warning():
    eager, _, _ = _train(False, max_norm=1.0, scale_grad_by_freq=True)
    jitted, warned, replays = _train(True, max_norm=1.0, scale_grad_by_freq=True)
    np.testing.assert_array_equal(jitted, eager)  # (each call's renorm: never a stale table)
    assert replays == 0
    assert any("in-place renorm of Embedding(max_norm=1.0)" in m for m in warned), warned


def test_a_jitted_step_with_scale_grad_by_freq_replays_each_batchs_counts():
    eager, _, _ = _train(False, scale_grad_by_freq=True, padding_idx=2)
    jitted, warned, replays = _train(True, scale_grad_by_freq=True, padding_idx=2)
    np.testing.assert_array_equal(jitted, eager)
    assert replays == 3 and not warned


# ---- interpolate: random draws --------------------------------------------------------------
RANKS = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "area": (1, 2, 3), "linear": (1,),
         "bilinear": (2,), "trilinear": (3,), "bicubic": (2,)}


def _draw_interpolate(r, mode):
    k = int(r.choice(RANKS[mode]))
    spatial = tuple(int(v) for v in r.integers(1, 7 if k < 3 else 5, k))
    dt = np.float64 if r.random() < 0.85 else np.float32
    x = r.standard_normal((int(r.integers(1, 3)), int(r.integers(1, 3))) + spatial).astype(dt)
    if r.random() < 0.2:  # a non-contiguous input
        x = np.swapaxes(np.swapaxes(x, -1, 1).copy(), -1, 1)
    kw = {"mode": mode}
    if r.random() < 0.5:
        kw["size"] = (int(r.integers(1, 12)) if r.random() < 0.5 else
                      tuple(int(v) for v in r.integers(1, 12, k)))
    else:
        def one():
            return float(r.choice([r.uniform(0.5, 3.5), 2.0, 0.5, 1.0, 1.5, 3.0,
                                   r.integers(2, 9) / r.integers(1, 9)]))
        kw["scale_factor"] = one() if r.random() < 0.5 else tuple(one() for _ in range(k))
        if r.random() < 0.3:
            kw["recompute_scale_factor"] = bool(r.random() < 0.7)
    if mode in ("linear", "bilinear", "trilinear", "bicubic") and r.random() < 0.7:
        kw["align_corners"] = bool(r.random() < 0.5)
    return x, kw


def _torch_backward_slip(x, kw, out_shape):
    """torch's backward that is not its forward's gradient (see the module docstring)."""
    sf, mode = kw.get("scale_factor"), kw["mode"]
    if sf is None or kw.get("recompute_scale_factor") or kw.get("align_corners"):
        return False
    sizes = list(zip(x.shape[2:], out_shape[2:]))
    if mode == "bicubic":
        return all(a == b for a, b in sizes)
    return mode == "nearest" and x.ndim != 4 and any(b in (a, 2 * a) for a, b in sizes)


@pytest.mark.parametrize("mode", list(RANKS))
def test_interpolate_matches_torch(mode):
    compared = 0
    for s in range(80):
        r = np.random.default_rng(s)
        x, kw = _draw_interpolate(r, mode)
        tx, X = torch.tensor(x, requires_grad=True), tg.Tensor(x, requires_grad=True)
        try:
            t_out = TF.interpolate(tx, **kw)
        except RuntimeError:  # (an empty output: torch's refusal, ours one line too)
            with pytest.raises(ValueError, match="^interpolate: "):
                interpolate(X, **kw)
            continue
        o_out = interpolate(X, **kw)
        what = f"seed {s}: {x.shape} {x.dtype} {kw}"
        _close(o_out.data, t_out.detach().numpy(), what + " value", x.dtype)
        assert o_out.data.flags.c_contiguous
        if o_out.size == 0 or _torch_backward_slip(x, kw, o_out.shape):
            continue
        g = r.standard_normal(o_out.shape).astype(x.dtype)
        (o_out * tg.Tensor(g)).sum().backward()
        (t_out * torch.tensor(g)).sum().backward()
        _close(X.grad, tx.grad.numpy(), what + " gradient", x.dtype)
        compared += 1
    assert compared > 40


# ---- interpolate: named rules ---------------------------------------------------------------
@pytest.mark.parametrize("kw", [
    {"size": (5, 7)}, {"size": (2, 3), "align_corners": True}, {"scale_factor": 1.7},
    {"scale_factor": (0.6, 2.5), "recompute_scale_factor": True},
    {"scale_factor": (2.2, 0.8), "align_corners": True}, {"size": (1, 1)}])
def test_bicubic_is_torchs_cubic_convolution(kw):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    tx, X = torch.tensor(x, requires_grad=True), tg.Tensor(x, requires_grad=True)
    o, t = interpolate(X, mode="bicubic", **kw), TF.interpolate(tx, mode="bicubic", **kw)
    _close(o.data, t.detach().numpy(), "value")
    g = np.random.default_rng(1).standard_normal(o.shape)
    (o * tg.Tensor(g)).sum().backward()
    (t * torch.tensor(g)).sum().backward()
    _close(X.grad, tx.grad.numpy(), "gradient")


def test_linear_source_position_is_floored_as_a_float32_as_torchs():
    """The position 2 - 1e-9 reads x2 alone in torch (its floorf rounds it up to 2, the weight
    past it clamped to 0); a float64 floor read 1e-9 x1 + (1 - 1e-9) x2, 1e-9 off."""
    x = np.array([[[0.0, 1.0, 5.0]]])
    sf = 5.5 / (2.5 - 1e-9)
    ours = interpolate(tg.Tensor(x), scale_factor=sf, mode="linear").data
    _close(ours, TF.interpolate(torch.tensor(x), scale_factor=sf, mode="linear").numpy(), "")
    assert ours[0, 0, 5] == 5.0


def test_an_axis_whose_size_is_kept_reads_one_x_plus_zero_x_as_torchs():
    """torch's linear kernels weigh the same entry by 1 and 0 there: an inf gives NaN (it was
    an index copy here: inf)."""
    x = np.array([[[[1.0, np.inf, 3.0]]]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = interpolate(tg.Tensor(x), size=(2, 3), mode="bilinear").data
    np.testing.assert_array_equal(ours, TF.interpolate(torch.tensor(x), size=(2, 3),
                                                       mode="bilinear").numpy())
    assert np.isnan(ours[..., 1]).all()


@pytest.mark.skipif(torch.backends.cpu.get_cpu_capability() == "DEFAULT",
                    reason="torch's scalar kernel rounds the source position twice")
def test_a_position_on_a_node_beside_an_inf_is_torchs_fused_multiply_add():
    """1/5 (2 + 0.5) - 0.5 is 0 in exact arithmetic, the fused one 2.8e-17: the inf beside
    that node weighs in (inf, as torch's AVX2 / AVX512 kernels; rounded twice: 0 inf, NaN).
    1/3 (1 + 0.5) - 0.5 fused is -2.8e-17: bicubic's taps start a column earlier, the inf two
    columns on is not read (1; rounded twice: 0 inf, NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for dt in (np.float64, np.float32):  # (float32: the product exact in float64)
            for mode, x, size in (("linear", [[[1.0, np.inf, -2.0]]], (15,)),
                                  ("bicubic", [[[[1.0, 2.0, np.inf]]]], (1, 9))):
                x = np.array(x, dt)
                ours = interpolate(tg.Tensor(x), size=size, mode=mode).data
                theirs = TF.interpolate(torch.tensor(x), size=size, mode=mode).numpy()
                _close(ours, theirs, f"{mode} {dt}", dt)
                if dt == np.float64:  # (float32's 1/3 rounds up: no earlier column)
                    assert ours.reshape(-1)[1 if mode == "bicubic" else 2] == (
                        1.0 if mode == "bicubic" else np.inf)


def test_torchs_nearest_backward_is_not_its_forwards_gradient_ours_is():
    """scale_factor=1.405 of a width of 2 reads [x0, x0] (torch's forward too); torch's
    backward reads the width as kept ([g0, g1]), ours adds both into x0."""
    x = np.array([[[1.0, 2.0]]])
    X, tx = tg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    o, t = interpolate(X, scale_factor=1.405), TF.interpolate(tx, scale_factor=1.405)
    np.testing.assert_array_equal(o.data, t.detach().numpy())
    (o * tg.Tensor(np.array([[[1.0, 10.0]]]))).sum().backward()
    (t * torch.tensor([[[1.0, 10.0]]], dtype=torch.float64)).sum().backward()
    np.testing.assert_array_equal(X.grad, [[[11.0, 0.0]]])
    np.testing.assert_array_equal(tx.grad.numpy(), [[[1.0, 10.0]]])


def test_torchs_bicubic_backward_copies_where_the_sizes_are_kept_ours_is_the_gradient():
    x = np.random.default_rng(2).standard_normal((1, 1, 3, 4))
    X = tg.Tensor(x, requires_grad=True)
    o = interpolate(X, scale_factor=(1.0, 1.2), mode="bicubic")  # (3, 4): sizes kept
    _close(o.data, TF.interpolate(torch.tensor(x), scale_factor=(1.0, 1.2),
                                  mode="bicubic").numpy(), "value")
    g = np.random.default_rng(3).standard_normal(o.shape)
    (o * tg.Tensor(g)).sum().backward()
    eps, fd = 1e-6, np.zeros_like(x)  # (the forward is linear: central differences exact)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        fd[i] = ((interpolate(tg.Tensor(x + e), scale_factor=(1.0, 1.2), mode="bicubic").data
                  - interpolate(tg.Tensor(x - e), scale_factor=(1.0, 1.2),
                                mode="bicubic").data) * g).sum() / (2 * eps)
    np.testing.assert_allclose(X.grad, fd, rtol=1e-7, atol=1e-8)


def test_area_is_the_adaptive_average_pool_an_empty_output_as_torchs():
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    o = interpolate(tg.Tensor(x), scale_factor=0.2, mode="area")
    assert o.shape == tuple(TF.interpolate(torch.tensor(x), scale_factor=0.2,
                                           mode="area").shape) == (1, 2, 0, 0)
    _close(interpolate(tg.Tensor(x), size=(2, 3), mode="area").data,
           TF.adaptive_avg_pool2d(torch.tensor(x), (2, 3)).numpy(), "area")


@pytest.mark.parametrize("mode, shape", [("nearest-exact", (1, 2, 3)), ("area", (1, 1, 5, 4)),
                                         ("bicubic", (1, 1, 3, 3)), ("trilinear", (1, 1, 2, 3, 2)),
                                         ("nearest", (1, 1, 2, 2, 3))])
def test_upsample_takes_every_mode(mode, shape):
    x = np.random.default_rng(4).standard_normal(shape)
    kw = {"align_corners": True} if mode in ("bicubic", "trilinear") else {}
    m, t = nn.Upsample(scale_factor=2.5, mode=mode, **kw), torch.nn.Upsample(
        scale_factor=2.5, mode=mode, **kw)
    _close(m(x).data, t(torch.tensor(x)).numpy(), mode)


@pytest.mark.parametrize("kw, match", [
    ({"mode": "nearest", "antialias": True}, "antialias=True takes mode 'bilinear' or 'bicubic'"),
    ({"mode": "lanczos"}, "mode 'lanczos' is not supported"),
    ({"mode": "area", "align_corners": False}, "align_corners can only be set with mode"),
    ({"mode": "trilinear"}, "mode 'trilinear' takes a 5-D input")])
def test_interpolate_refusals_are_one_line(kw, match):
    with pytest.raises(ValueError, match="^interpolate: .*" + match) as e:
        interpolate(tg.Tensor(np.ones((1, 1, 4, 4))), size=3, **kw)
    assert "\n" not in str(e.value)

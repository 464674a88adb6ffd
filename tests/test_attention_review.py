"""A skeptic's review of attention and the transformers (functional/attention.py,
functional/mha_forward.py, nn/attention.py, nn/transformer.py) against torch 2.13, CPU, float64:
randomized differential runs over many configurations (masks bool / float, 2-D / 3-D, key
padding, is_causal, fully masked rows, need_weights, average_attn_weights, batch_first, unbatched
input, kdim/vdim, bias=False, add_bias_kv, add_zero_attn, scale, enable_gqa, L != S; the layers
pre- and post-norm, relu / gelu / a callable activation, layer_norm_eps, decoder memory masks,
stacks with a final norm), every module loading torch's state_dict (same keys, same order, same
shapes) and compared on its values (1e-12) and on the gradients of the inputs, of a float mask
and of every parameter (1e-10). Where torch's own paths disagree (its inference fast path, its
flash kernel with a negative scale), ours is pinned to the path torch trains with."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask"),
              pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:Converting mask without torch.bool"),
              # (softmax of a fully masked row with need_weights: NaN, as torch's, and NumPy
              # says so)
              pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")]


def _close(ours, theirs, tol, what=""):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    ours = ours.data if isinstance(ours, Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape, (what, ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol, err_msg=what)


def _grad(t, shape):
    g = t.grad
    if g is None:
        return np.zeros(shape)
    return g.numpy() if isinstance(g, torch.Tensor) else np.asarray(g)


def _same_params(m, tm, what):
    """Every parameter's gradient against torch's (zero where neither got one)."""
    ours = dict(m.named_parameters())
    assert list(ours) == [n for n, _ in tm.named_parameters()], what
    for n, p in tm.named_parameters():
        _close(_grad(ours[n], p.shape), _grad(p, p.shape), 1e-10, f"{what}: grad of {n}")


def _load(m, tm):
    """torch's state_dict into ours: the same keys in the same order, the same shapes."""
    sd = tm.state_dict()
    assert list(m.state_dict()) == list(sd)
    for (k, ours), theirs in zip(m.state_dict().items(), sd.values()):
        assert tuple(np.shape(ours.data if isinstance(ours, Tensor) else ours)) == \
            tuple(theirs.shape), k
    m.load_state_dict(sd)


# ---- F.scaled_dot_product_attention ---------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_sdpa_randomized_against_torch(seed):
    R = np.random.default_rng(seed)
    sdpa = torch.nn.functional.scaled_dot_product_attention
    for _ in range(12):
        B = tuple(int(b) for b in R.integers(1, 3, size=R.integers(0, 3)))
        L, S, E, Ev = (int(x) for x in R.integers(1, 5, 4))
        q, k, v = (R.standard_normal(B + s) for s in ((L, E), (S, E), (S, Ev)))
        kind = R.choice(["none", "bool", "bool dense", "float", "float -inf", "causal"])
        mshape = (L, S) if R.random() < 0.5 else B + (L, S)
        mask, kw = None, {}
        if kind.startswith("bool"):
            mask = R.random(mshape) < (0.7 if kind == "bool dense" else 0.3)
        elif kind.startswith("float"):
            mask = R.standard_normal(mshape)
            if kind == "float -inf":
                mask[R.random(mshape) < 0.5] = -np.inf
        elif kind == "causal":
            kw["is_causal"] = True
        if R.random() < 0.3 and kind != "causal":  # (torch's flash kernel and a negative
            kw["scale"] = float(R.standard_normal())  # scale with is_causal: see below)
        tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
        xq, xk, xv = (Tensor(a, requires_grad=True) for a in (q, k, v))
        floating = mask is not None and mask.dtype != bool
        tm = None if mask is None else torch.tensor(mask, requires_grad=floating)
        xm = Tensor(mask, requires_grad=True) if floating else mask
        to = sdpa(tq, tk, tv, attn_mask=tm, **kw)
        xo = F.scaled_dot_product_attention(xq, xk, xv, attn_mask=xm, **kw)
        what = f"{kind} {B} L={L} S={S} {kw}"
        _close(xo, to, 1e-12, what)
        g = R.standard_normal(to.shape)
        to.backward(torch.tensor(g))
        xo.backward(Tensor(g))
        for x, t in ((xq, tq), (xk, tk), (xv, tv)) + (((xm, tm),) if floating else ()):
            _close(_grad(x, t.shape), _grad(t, t.shape), 1e-10, what)


def test_sdpa_gqa_with_a_mask_gradients_against_torch():
    R = np.random.default_rng(5)
    q, k, v = (R.standard_normal(s) for s in ((2, 4, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3)))
    mask = R.random((2, 1, 3, 5)) < 0.3
    T = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    X = [Tensor(a, requires_grad=True) for a in (q, k, v)]
    g = R.standard_normal((2, 4, 3, 3))
    to = torch.nn.functional.scaled_dot_product_attention(*T, attn_mask=torch.tensor(mask),
                                                          enable_gqa=True)
    xo = F.scaled_dot_product_attention(*X, attn_mask=mask, enable_gqa=True)
    _close(xo, to, 1e-12)
    (to * torch.tensor(g)).sum().backward()
    (xo * Tensor(g)).sum().backward()
    for x, t in zip(X, T):
        _close(x.grad, t.grad, 1e-10)


def test_sdpa_is_causal_with_a_negative_scale_is_torchs_math_path():
    """torch 2.13's CPU flash kernel gives NaN for the first rows of is_causal with a negative
    scale (its running maximum starts at -inf); its math path, and ours, give the numbers."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    R = np.random.default_rng(6)
    q, k, v = (R.standard_normal(s) for s in ((1, 2, 3, 2), (1, 2, 3, 2), (1, 2, 3, 2)))
    with sdpa_kernel(SDPBackend.MATH):
        want = torch.nn.functional.scaled_dot_product_attention(
            *(torch.tensor(a) for a in (q, k, v)), is_causal=True, scale=-0.1)
    ours = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=-0.1)
    _close(ours, want, 1e-12)
    assert np.isfinite(ours.data).all()


# ---- nn.MultiheadAttention ------------------------------------------------------------------
def _mha_case(R, trial):
    H = int(R.integers(1, 3))
    E = H * int(R.integers(1, 3))
    L, S, N = (int(x) for x in R.integers(1, 4, 3))
    cfg = dict(bias=bool(R.random() < 0.7), add_bias_kv=bool(R.random() < 0.3),
               add_zero_attn=bool(R.random() < 0.3), batch_first=bool(R.random() < 0.5))
    if R.random() < 0.3:
        cfg.update(kdim=int(R.integers(1, 4)), vdim=int(R.integers(1, 4)))
    self_attn = "kdim" not in cfg and R.random() < 0.4
    S = L if self_attn else S
    batched = R.random() < 0.8
    torch.manual_seed(trial)
    tm = torch.nn.MultiheadAttention(E, H, **cfg).double()
    with torch.no_grad():  # (torch zeroes the biases: random ones test them)
        for p in tm.parameters():
            p.normal_()
    m = nn.MultiheadAttention(E, H, **cfg)
    _load(m, tm)
    if R.random() < 0.3:
        tm.eval()
        m.eval()

    def shape(T, d):
        if not batched:
            return (T, d)
        return (N, T, d) if cfg["batch_first"] else (T, N, d)

    arrays = (R.standard_normal(shape(L, E)), R.standard_normal(shape(S, cfg.get("kdim", E))),
              R.standard_normal(shape(S, cfg.get("vdim", E))))
    kw = dict(need_weights=bool(R.random() < 0.6), average_attn_weights=bool(R.random() < 0.5))
    n = N if batched else 1
    mk = R.choice(["none", "bool2", "float2", "bool3", "float3", "causal"])
    mshape = (L, S) if mk.endswith("2") else (n * H, L, S)
    if mk.startswith("bool"):
        kw["attn_mask"] = R.random(mshape) < 0.3
    elif mk.startswith("float"):
        kw["attn_mask"] = R.standard_normal(mshape)
    elif mk == "causal":
        kw["is_causal"] = True
        kw["attn_mask"] = (np.triu(np.ones((L, S), bool), 1) if R.random() < 0.5
                           else np.triu(np.full((L, S), -np.inf), 1))
    kshape = (N, S) if batched else (S,)
    kp = R.choice(["none", "bool", "float"])
    if kp == "bool":
        kw["key_padding_mask"] = R.random(kshape) < 0.3
    elif kp == "float":
        kw["key_padding_mask"] = np.where(R.random(kshape) < 0.3, -np.inf,
                                          R.standard_normal(kshape))
    return m, tm, arrays, self_attn, kw, f"{cfg} self={self_attn} batched={batched} {mk} {kp}"


@pytest.mark.parametrize("seed", range(4))
def test_mha_randomized_against_torch(seed):
    """Outputs, weights (NaN where torch's are: a fully masked query with need_weights) and
    the gradients of query, key, value and every parameter, through the output and the
    weights."""
    R = np.random.default_rng(100 + seed)
    for trial in range(15):
        m, tm, arrays, self_attn, kw, what = _mha_case(R, trial)
        what += f" {dict((k, v) for k, v in kw.items() if not isinstance(v, np.ndarray))}"
        T = [torch.tensor(a, requires_grad=True) for a in arrays]
        X = [Tensor(a, requires_grad=True) for a in arrays]
        if self_attn:
            T, X = [T[0]] * 3, [X[0]] * 3
        tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        to, tw = tm(*T, **tkw)
        xo, xw = m(*X, **kw)
        np.testing.assert_allclose(xo.data, to.detach().numpy(), 1e-12, 1e-12, True, what)
        if kw["need_weights"]:
            np.testing.assert_allclose(xw.data, tw.detach().numpy(), 1e-12, 1e-12, True, what)
        else:
            assert xw is None and tw is None
        if np.isnan(to.detach().numpy()).any():
            continue
        g = R.standard_normal(to.shape)
        tl, xl = (to * torch.tensor(g)).sum(), (xo * Tensor(g)).sum()
        if tw is not None:
            gw = R.standard_normal(tw.shape)
            tl, xl = tl + (tw * torch.tensor(gw)).sum(), xl + (xw * Tensor(gw)).sum()
        tl.backward()
        xl.backward()
        for x, t in zip(X[:1] if self_attn else X, T):
            _close(_grad(x, t.shape), _grad(t, t.shape), 1e-10, what)
        _same_params(m, tm, what)


def test_mha_float_masks_with_grad_against_torch():
    """A float attn_mask (2-D and 3-D) and a float key_padding_mask that require grad get
    torch's gradients, on both of torch's paths (need_weights or not)."""
    R = np.random.default_rng(8)
    E, H, L, S, N = 4, 2, 3, 5, 2
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(E, H).double()
    m = nn.MultiheadAttention(E, H)
    _load(m, tm)
    q, k = R.standard_normal((L, N, E)), R.standard_normal((S, N, E))
    for shape in ((L, S), (N * H, L, S)):
        for nw in (True, False):
            am, kp = R.standard_normal(shape), R.standard_normal((N, S))
            ta, tk = torch.tensor(am, requires_grad=True), torch.tensor(kp, requires_grad=True)
            xa, xk = Tensor(am, requires_grad=True), Tensor(kp, requires_grad=True)
            to = tm(torch.tensor(q), torch.tensor(k), torch.tensor(k), attn_mask=ta,
                    key_padding_mask=tk, need_weights=nw)[0]
            xo = m(q, k, k, attn_mask=xa, key_padding_mask=xk, need_weights=nw)[0]
            _close(xo, to, 1e-12)
            to.sum().backward()
            xo.sum().backward()
            _close(xa.grad, ta.grad, 1e-10)
            _close(xk.grad, tk.grad, 1e-10)


def test_mha_fully_masked_query_is_torchs_training_path_not_its_fast_path():
    """A query whose keys are all padding, need_weights=False: torch's training path (and
    ours) attends to nothing, so the output is out_proj.bias; its inference fast path (eval, no
    grad, batch_first, self-attention) gives NaN there. Ours is the first in both modes."""
    R = np.random.default_rng(9)
    torch.manual_seed(1)
    tm = torch.nn.MultiheadAttention(4, 2, batch_first=True).double().eval()
    with torch.no_grad():
        for p in tm.parameters():
            p.normal_()
    m = nn.MultiheadAttention(4, 2, batch_first=True)
    _load(m, tm)
    m.eval()
    x = R.standard_normal((3, 4, 4))
    kpm = np.zeros((3, 4), bool)
    kpm[0, 2:] = True
    kpm[1] = True  # sample 1: every key is padding
    tx = torch.tensor(x)
    want = tm(tx, tx, tx, key_padding_mask=torch.tensor(kpm), need_weights=False)[0]
    with torch.no_grad():
        fast = tm(tx, tx, tx, key_padding_mask=torch.tensor(kpm), need_weights=False)[0]
    assert torch.isnan(fast[1]).all() and not torch.isnan(want).any()  # torch's two paths
    xx = Tensor(x)
    ours = m(xx, xx, xx, key_padding_mask=kpm, need_weights=False)[0]
    _close(ours, want, 1e-12)
    _close(ours.data[1], np.broadcast_to(tm.out_proj.bias.detach().numpy(), (4, 4)), 1e-12)
    with tg.no_grad():
        _close(m(xx, xx, xx, key_padding_mask=kpm, need_weights=False)[0], want, 1e-12)


# ---- the transformer layers and stacks ------------------------------------------------------
def _act(name):
    if name != "callable":
        return name, name
    return (lambda x: torch.nn.functional.gelu(x) + 0.1 * x), (lambda x: F.gelu(x) + 0.1 * x)


def _mask(R, T1, T2, causal_ok):
    kind = R.choice(["none", "bool", "float", "causal"] if causal_ok else
                    ["none", "bool", "float"])
    if kind == "bool":
        return R.random((T1, T2)) < 0.3, False
    if kind == "float":
        return R.standard_normal((T1, T2)), False
    if kind == "causal":
        return (np.triu(np.full((T1, T2), -np.inf), 1) if R.random() < 0.5
                else np.triu(np.ones((T1, T2), bool), 1)), True
    return None, False


def _transformer_case(R, trial):
    H = int(R.integers(1, 3))
    E = H * int(R.integers(1, 3))
    L, S, N = (int(x) for x in R.integers(1, 4, 3))
    ta, xa = _act(str(R.choice(["relu", "gelu", "callable"])))
    eval_mode = bool(R.random() < 0.3)  # (then with dropout, which eval must not apply)
    cfg = dict(dim_feedforward=int(R.integers(1, 5)), dropout=0.3 if eval_mode else 0.0,
               layer_norm_eps=float(R.choice([1e-5, 0.1])), batch_first=bool(R.random() < 0.5),
               norm_first=bool(R.random() < 0.5), bias=bool(R.random() < 0.7))
    kind = str(R.choice(["encoder layer", "decoder layer", "encoder", "decoder",
                         "transformer"]))
    torch.manual_seed(trial)
    if kind == "encoder layer":
        tm = torch.nn.TransformerEncoderLayer(E, H, activation=ta, **cfg)
        m = nn.TransformerEncoderLayer(E, H, activation=xa, **cfg)
    elif kind == "decoder layer":
        tm = torch.nn.TransformerDecoderLayer(E, H, activation=ta, **cfg)
        m = nn.TransformerDecoderLayer(E, H, activation=xa, **cfg)
    elif kind == "encoder":
        n, norm = int(R.integers(1, 3)), bool(R.random() < 0.5)
        tm = torch.nn.TransformerEncoder(
            torch.nn.TransformerEncoderLayer(E, H, activation=ta, **cfg), n,
            torch.nn.LayerNorm(E) if norm else None, enable_nested_tensor=False)
        m = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, activation=xa, **cfg), n,
                                  nn.LayerNorm(E) if norm else None)
    elif kind == "decoder":
        n, norm = int(R.integers(1, 3)), bool(R.random() < 0.5)
        tm = torch.nn.TransformerDecoder(
            torch.nn.TransformerDecoderLayer(E, H, activation=ta, **cfg), n,
            torch.nn.LayerNorm(E) if norm else None)
        m = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, activation=xa, **cfg), n,
                                  nn.LayerNorm(E) if norm else None)
    else:
        tm = torch.nn.Transformer(E, H, 1, 2, activation=ta, **cfg)
        m = nn.Transformer(E, H, 1, 2, activation=xa, **cfg)
    tm = tm.double()
    with torch.no_grad():
        for p in tm.parameters():
            p.normal_()
    _load(m, tm)
    if eval_mode:
        tm.eval()
        m.eval()
    batched = R.random() < 0.8
    bf = cfg["batch_first"]

    def shape(T):
        return ((N, T, E) if bf else (T, N, E)) if batched else (T, E)

    def kpm(T):
        return None if R.random() < 0.5 else R.random((N, T) if batched else (T,)) < 0.3

    src, tgt = R.standard_normal(shape(S)), R.standard_normal(shape(L))
    if kind.startswith("encoder"):
        mask, causal = _mask(R, S, S, True)
        names = ("src_mask", "is_causal") if kind == "encoder layer" else ("mask", "is_causal")
        kw = {names[0]: mask, "src_key_padding_mask": kpm(S)}
        if causal:
            kw[names[1]] = True
        inputs = [src]
    elif kind.startswith("decoder"):
        tmask, causal = _mask(R, L, L, True)
        kw = dict(tgt_mask=tmask, memory_mask=_mask(R, L, S, False)[0],
                  tgt_key_padding_mask=kpm(L), memory_key_padding_mask=kpm(S))
        if causal:
            kw["tgt_is_causal"] = True
        inputs = [tgt, src]
    else:
        smask, scausal = _mask(R, S, S, True)
        tmask, tcausal = _mask(R, L, L, True)
        kw = dict(src_mask=smask, tgt_mask=tmask, memory_mask=_mask(R, L, S, False)[0],
                  src_key_padding_mask=kpm(S), tgt_key_padding_mask=kpm(L),
                  memory_key_padding_mask=kpm(S))
        if scausal:
            kw["src_is_causal"] = True
        if tcausal:
            kw["tgt_is_causal"] = True
        inputs = [src, tgt]
    what = f"{kind} {cfg} eval={eval_mode} batched={batched} " + str(
        {k: (None if v is None else getattr(v, "dtype", v)) for k, v in kw.items()})
    return m, tm, inputs, kw, what


@pytest.mark.parametrize("seed", range(4))
def test_transformers_randomized_against_torch(seed):
    R = np.random.default_rng(200 + seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (torch's notes on mask types and its fast path)
        for trial in range(8):
            m, tm, inputs, kw, what = _transformer_case(R, trial)
            T = [torch.tensor(a, requires_grad=True) for a in inputs]
            X = [Tensor(a, requires_grad=True) for a in inputs]
            to = tm(*T, **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                           for k, v in kw.items()})
            xo = m(*X, **kw)
            # (post-norm over 1 or 2 features is ill-conditioned: rounding, not a difference)
            np.testing.assert_allclose(xo.data, to.detach().numpy(), 1e-10, 1e-10, True, what)
            if np.isnan(to.detach().numpy()).any():
                continue
            g = R.standard_normal(to.shape)
            (to * torch.tensor(g)).sum().backward()
            (xo * Tensor(g)).sum().backward()
            for x, t in zip(X, T):
                _close(x.grad, t.grad, 1e-9, what)
            _same_params(m, tm, what)


def test_encoder_layer_is_torchs_training_path_where_its_fast_path_gives_nan():
    """torch 2.13's TransformerEncoderLayer fast path (eval, no grad, batch_first) gives NaN
    for every output given a float src_mask that is not 0 / -inf, and for a sample whose keys
    are all padding; its training path gives numbers there, and ours gives those, in both
    modes."""
    R = np.random.default_rng(10)
    torch.manual_seed(2)
    tm = torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True).double()
    tm.eval()
    m = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True)
    _load(m, tm)
    m.eval()
    x = R.standard_normal((2, 3, 4))
    kp = np.array([[False, True, False], [True, True, True]])
    for kw in (dict(src_mask=R.standard_normal((3, 3))), dict(src_key_padding_mask=kp)):
        tkw = {k: torch.tensor(v) for k, v in kw.items()}
        want = tm(torch.tensor(x), **tkw)
        with torch.no_grad():
            fast = tm(torch.tensor(x), **tkw)
        assert torch.isnan(fast).any() and not torch.isnan(want).any()
        _close(m(x, **kw), want, 1e-12)
        with tg.no_grad():
            _close(m(x, **kw), want, 1e-12)


def test_encoder_is_causal_none_with_the_causal_mask_and_a_torch_round_trip():
    """is_causal=None with the causal mask (torch detects it and takes its causal kernel):
    the same values; the trained state_dict goes back into torch and gives the same output."""
    R = np.random.default_rng(11)
    torch.manual_seed(3)
    tm = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0), 2, torch.nn.LayerNorm(4),
        enable_nested_tensor=False).double()
    m = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0), 2,
                              nn.LayerNorm(4))
    _load(m, tm)
    x = R.standard_normal((5, 2, 4))
    cm = nn.Transformer.generate_square_subsequent_mask(5)
    tcm = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    _close(m(x, mask=cm), tm(torch.tensor(x), mask=tcm), 1e-12)
    opt = tg.optim.SGD(m.parameters(), lr=0.1)
    (m(x, mask=cm) ** 2).sum().backward()
    opt.step()
    back = {k: torch.tensor(np.asarray(v.data if isinstance(v, Tensor) else v))
            for k, v in m.state_dict().items()}
    tm.load_state_dict(back)
    _close(m(x, mask=cm), tm(torch.tensor(x), mask=tcm, is_causal=True), 1e-12)


def test_a_jitted_transformer_step_with_dropout_and_masks_replays_as_eager_bit_for_bit():
    """nn.Transformer (pre-norm, batch_first, dropout) trained by a jitted step whose padding
    mask is an argument, new every call, and whose tgt_mask is causal with tgt_is_causal: the
    gradients of every parameter equal eager's bit for bit, the dropout masks drawn alike."""
    g = tg.Generator(seed=1)
    m = nn.Transformer(8, 2, 1, 1, dim_feedforward=6, dropout=0.2, norm_first=True,
                       batch_first=True, rng=g)
    cm = nn.Transformer.generate_square_subsequent_mask(3)
    R = np.random.default_rng(12)

    def step(src, tgt, kpm, y):
        out = m(Tensor(src), Tensor(tgt), tgt_mask=cm, src_key_padding_mask=kpm,
                memory_key_padding_mask=kpm, tgt_is_causal=True)
        F.mse_loss(out, Tensor(y)).backward()

    params = m.parameters()
    jitted = jit(step, strict=True)
    for i in range(4):
        kpm = R.random((2, 4)) < 0.4
        kpm[:, 0] = False
        args = (R.standard_normal((2, 4, 8)), R.standard_normal((2, 3, 8)), kpm,
                R.standard_normal((2, 3, 8)))
        for p in params:
            p.grad = None
        g.manual_seed(10 + i)
        step(*args)
        want = [p.grad.copy() for p in params]
        for p in params:
            p.grad = None
        g.manual_seed(10 + i)
        jitted(*args)
        assert all(p.grad.tobytes() == w.tobytes() for p, w in zip(params, want))
    assert jitted.replays == 2


def test_float32_mha_and_transformer_stay_float32_and_match_torch():
    R = np.random.default_rng(13)
    torch.manual_seed(4)
    tm = torch.nn.MultiheadAttention(8, 2, add_bias_kv=True, batch_first=True)
    m = nn.MultiheadAttention(8, 2, add_bias_kv=True, batch_first=True, dtype=np.float32)
    _load(m, tm)
    x = R.standard_normal((2, 5, 8)).astype(np.float32)
    kp = R.random((2, 5)) < 0.3
    tx, xx = torch.tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    to, tw = tm(tx, tx, tx, key_padding_mask=torch.tensor(kp))
    xo, xw = m(xx, xx, xx, key_padding_mask=kp)
    assert xo.dtype == xw.dtype == np.float32
    _close(xo, to, 1e-5)
    _close(xw, tw, 1e-5)
    to.sum().backward()
    xo.sum().backward()
    assert xx.grad.dtype == m.in_proj_weight.grad.dtype == np.float32
    _close(xx.grad, tx.grad, 1e-5)
    tt = torch.nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True)
    t = nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True, dtype=np.float32)
    _load(t, tt)
    src, tgt = R.standard_normal((2, 5, 8)).astype(np.float32), \
        R.standard_normal((2, 4, 8)).astype(np.float32)
    cm = nn.Transformer.generate_square_subsequent_mask(4, dtype=np.float32)
    out = t(src, tgt, tgt_mask=cm, src_key_padding_mask=kp, memory_key_padding_mask=kp)
    assert out.dtype == np.float32
    _close(out, tt(torch.tensor(src), torch.tensor(tgt),
                   tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(4),
                   src_key_padding_mask=torch.tensor(kp),
                   memory_key_padding_mask=torch.tensor(kp)), 1e-5)

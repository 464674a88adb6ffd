"""Second review of known leftovers where tinygrad_dl differed from torch 2.13 without a word:
multi_head_attention_forward's attn_mask checked against static_k's length (torch: the key's),
RNN/LSTM/GRU over a zero-length sequence returning h0 (torch raises), round(decimals=k) of
integers giving float64 and of bools float16 (torch raises), StudentT / FisherSnedecor /
OneHotCategorical / Multinomial with validate_args=False skipping the check torch's inner
distribution still makes, and gammainc / gammaincc special values in torch's order of tests
(gammainc(nan, 0) is 0 there)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional


# ---- 1. multi_head_attention_forward: attn_mask against the key, as torch's -------------
def _mha(lib, S, Ss, mask_shape, need_weights=True, kpm=False):
    E, H, N, L = 4, 2, 2, 3
    rng = np.random.default_rng(0)
    q, k = rng.standard_normal((L, N, E)), rng.standard_normal((S, N, E))
    sk, sv = rng.standard_normal((N * H, Ss, E // H)), rng.standard_normal((N * H, Ss, E // H))
    w, b = rng.standard_normal((3 * E, E)), rng.standard_normal(3 * E)
    ow, ob = rng.standard_normal((E, E)), rng.standard_normal(E)
    m = rng.standard_normal(mask_shape)
    kp = np.zeros((N, Ss)) if kpm else None
    if lib == "torch":
        f, t = TF.multi_head_attention_forward, torch.tensor
    else:
        f, t = tg.nn.functional.multi_head_attention_forward, Tensor
    out, wts = f(t(q), t(k), t(k), E, H, t(w), t(b), None, None, False, 0.0, t(ow), t(ob),
                 training=False, need_weights=need_weights, attn_mask=t(m),
                 static_k=t(sk), static_v=t(sv), key_padding_mask=None if kp is None else t(kp))
    return out


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_attn_mask_is_checked_against_the_key_not_static_k(need_weights):
    """Before: a (L, 5) mask with a key of 3 and a static_k of 5 keys ran (torch refuses it:
    'should be (3, 3)'); a (L, 3) one was refused. Now as torch's, and the mismatch between a
    right mask and static_k's length is one line (torch: a broadcast error deep inside)."""
    with pytest.raises(RuntimeError, match=r"should be \(3, 3\)"):
        _mha("torch", 3, 5, (3, 5), need_weights)
    with pytest.raises(RuntimeError, match=r"should be \(3, 3\)"):
        _mha("tg", 3, 5, (3, 5), need_weights)
    with pytest.raises(RuntimeError):
        _mha("torch", 3, 5, (3, 3), need_weights)
    with pytest.raises(RuntimeError, match="static_k has 5 keys"):
        _mha("tg", 3, 5, (3, 3), need_weights)
    with pytest.raises(RuntimeError, match="static_k has 5 keys"):
        _mha("tg", 3, 5, (4, 3, 3), need_weights, kpm=True)


@pytest.mark.parametrize("kpm", [False, True])
def test_mha_static_k_of_the_key_length_with_a_mask_is_torch_value(kpm):
    want = _mha("torch", 5, 5, (3, 5), kpm=kpm).detach().numpy()
    np.testing.assert_allclose(_mha("tg", 5, 5, (3, 5), kpm=kpm).data, want, rtol=1e-12)


# ---- 2. recurrent layers over no step --------------------------------------------------
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_rnn_zero_length_sequence_raises_as_torch(kind, batch_first):
    """Before: T = 0 returned an empty output and h0 (zeros) as h_n; torch raises 'Expected
    sequence length to be larger than 0 in RNN', batched (either layout) and unbatched."""
    m = getattr(nn, kind)(3, 4, batch_first=batch_first)
    tm = getattr(torch.nn, kind)(3, 4, batch_first=batch_first)
    empty_t = (2, 0, 3) if batch_first else (0, 2, 3)
    for shape in (empty_t, (0, 3)):
        with pytest.raises(RuntimeError, match="sequence length to be larger than 0"):
            tm(torch.zeros(shape))
        with pytest.raises(RuntimeError, match=f"{kind}: Expected sequence length to be larger"):
            m(Tensor(np.zeros(shape)))
    # an empty batch (N = 0) is fine in both, shapes alike
    empty_n = (0, 5, 3) if batch_first else (5, 0, 3)
    assert m(Tensor(np.zeros(empty_n)))[0].shape == tuple(tm(torch.zeros(empty_n))[0].shape)


# ---- 3. round(decimals=) of integers and bools -----------------------------------------
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
@pytest.mark.parametrize("decimals", [1, -1, 2])
def test_round_integers_with_decimals_raises_as_torch(dtype, decimals):
    """Before: Tensor([15, 25]).round(decimals=-1) gave float64 [20., 20.]; torch raises
    NotImplementedError ("round_cpu" not implemented for 'Long')."""
    x = np.array([15, 25], dtype)
    with pytest.raises(NotImplementedError):
        torch.round(torch.tensor(x), decimals=decimals)
    with pytest.raises(NotImplementedError, match=f"round: .*{dtype}.*decimals={decimals}"):
        Tensor(x).round(decimals)
    with pytest.raises(NotImplementedError, match="round"):
        tg.special.round(Tensor(x), decimals)


def test_round_integers_without_decimals_and_bools():
    """Integers without decimals: themselves, their dtype (torch.round(x) alike). Bools: before,
    NumPy's float16 [1., 0.]; torch raises NotImplementedError."""
    x = np.array([-3, 0, 7], np.int32)
    r = Tensor(x).round()
    want = torch.round(torch.tensor(x))
    assert r.dtype == np.int32 and str(want.dtype) == "torch.int32"
    np.testing.assert_array_equal(r.data, want.numpy())
    b = np.array([True, False])
    with pytest.raises(NotImplementedError):
        torch.round(torch.tensor(b))
    for d in (0, 1):
        with pytest.raises(NotImplementedError, match="round: not implemented for dtype bool"):
            Tensor(b).round(d)
    f = np.array([1.25, 2.5, -0.5, 15.0])
    for d in (0, 1, -1):  # floats unchanged
        np.testing.assert_array_equal(Tensor(f).round(d).data,
                                      torch.round(torch.tensor(f), decimals=d).numpy())


# ---- 4. distributions: torch's inner checks with validate_args=False ---------------------
_D = tg.distributions
_TD = torch.distributions


def _t(v):
    return torch.tensor(v, dtype=torch.float64)


def _g(v):
    return Tensor(np.array(v, dtype=np.float64))


_INVALID = {
    "StudentT df=0": (lambda D, c: D.StudentT(c(0.0), validate_args=False)),
    "StudentT df=-1": (lambda D, c: D.StudentT(c(-1.0), validate_args=False)),
    "StudentT df=nan": (lambda D, c: D.StudentT(c(math.nan), validate_args=False)),
    "FisherSnedecor df1=0": (lambda D, c: D.FisherSnedecor(c(0.0), c(2.0), validate_args=False)),
    "FisherSnedecor df2=-1": (lambda D, c: D.FisherSnedecor(c(3.0), c(-1.0),
                                                            validate_args=False)),
    "OneHotCategorical": (lambda D, c: D.OneHotCategorical(c([0.5, -0.1]),
                                                           validate_args=False)),
    "Multinomial probs": (lambda D, c: D.Multinomial(3, c([0.5, -0.1]), validate_args=False)),
    "Multinomial total_count": (lambda D, c: D.Multinomial(-1, c([0.5, 0.5]),
                                                           validate_args=False)),
}


@pytest.mark.parametrize("case", sorted(_INVALID))
def test_validate_args_false_still_runs_torchs_inner_check(case):
    """Before: StudentT(0., validate_args=False).mean etc. were NaN without a word (and
    OneHotCategorical([0.5, -0.1]) had probs [1.25, -0.25]); torch's inner Chi2 / Gamma /
    Categorical / Binomial, made with the default validation, raises ValueError. With the
    default turned off, neither raises."""
    make = _INVALID[case]
    with pytest.raises(ValueError):
        make(_TD, _t)
    with pytest.raises(ValueError):
        make(_D, _g)
    _TD.Distribution.set_default_validate_args(False)
    _D.Distribution.set_default_validate_args(False)
    try:
        make(_TD, _t)
        make(_D, _g)
    finally:
        _TD.Distribution.set_default_validate_args(True)
        _D.Distribution.set_default_validate_args(True)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_studentt_fisher_valid_and_infinite_df_values_as_torch():
    for df in (0.5, 3.0, math.inf):
        t, g = _TD.StudentT(_t(df), validate_args=False), _D.StudentT(_g(df), validate_args=False)
        for name in ("mean", "variance"):
            np.testing.assert_allclose(getattr(g, name).data, getattr(t, name).numpy(),
                                       rtol=1e-12)
        np.testing.assert_allclose(g.log_prob(_g(0.3)).data, t.log_prob(_t(0.3)).numpy(),
                                   rtol=1e-12)
    t = _TD.FisherSnedecor(_t(math.inf), _t(5.0), validate_args=False)
    g = _D.FisherSnedecor(_g(math.inf), _g(5.0), validate_args=False)
    np.testing.assert_allclose(g.mean.data, t.mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g.variance.data, t.variance.numpy(), rtol=1e-12)


# ---- gammainc / gammaincc special values ------------------------------------------------
def test_gammainc_special_values_in_torchs_order():
    """Before: gammainc(nan, 0) and gammainc(nan, inf) were NaN; torch's tests x = 0 (P = 0)
    and x = inf (P = 1) before a NaN a matters. Every pair of special values as torch's."""
    vals = [math.nan, 0.0, -0.0, math.inf, -math.inf, 1.0, -1.0, 0.5, 2.5]
    a, x = (np.array(v) for v in zip(*itertools.product(vals, vals)))
    for name in ("gammainc", "gammaincc"):
        want = getattr(torch.special, name)(torch.tensor(a), torch.tensor(x)).numpy()
        got = getattr(tg.special, name)(Tensor(a), Tensor(x)).data
        np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)
    assert float(tg.special.gammainc(_g(math.nan), _g(0.0)).data) == 0.0
    assert float(tg.special.gammaincc(_g(math.nan), _g(math.inf)).data) == 0.0


# ---- 5. batch norm's eps, as torch's F.batch_norm checks it ------------------------------
@pytest.mark.parametrize("kind", ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"])
@pytest.mark.parametrize("eps", [0.0, -1e-5])
def test_batchnorm_eps_not_positive_raises_as_torch(kind, eps):
    """Before: BatchNorm2d(3, eps=0) trained without a word (a constant channel: 0/0, NaN);
    torch raises 'batch_norm eps must be positive during training' (and, in evaluation, for
    a negative eps: 'must be non-negative'). eps=0 in evaluation runs in both."""
    shape = {"BatchNorm1d": (4, 3), "BatchNorm2d": (4, 3, 2, 2), "BatchNorm3d": (4, 3, 2, 2, 1)}
    x = np.random.default_rng(1).standard_normal(shape[kind])
    for training in (True, False):
        tm = getattr(torch.nn, kind)(3, eps=eps).double().train(training)
        m = getattr(nn, kind)(3, eps=eps)
        m.train(training)
        if training or eps < 0:
            with pytest.raises(ValueError, match="eps must be"):
                tm(torch.tensor(x))
            with pytest.raises(ValueError, match=f"{kind}: eps must be positive during"):
                m(Tensor(x))
        else:
            tm(torch.tensor(x))
            assert m(Tensor(x)).shape == x.shape


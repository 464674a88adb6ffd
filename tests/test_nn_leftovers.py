"""The torch.nn leftovers (nn/adaptive_softmax.py, functional/fractional_pool.py with
ops/fractional.py and nn/fractional_pool.py, functional/mha_forward.py, the legacy names in
nn/loss.py, nn/containers.py and nn/normalization.py, nn.RNNBase / RNNCellBase) against torch
2.13: values rtol 1e-12 and gradients 1e-10 in float64, torch's state_dicts loaded, the
fractional pools equal to torch's exactly given the same _random_samples, a jitted step drawing
fresh samples, and the one-line refusals. (The op-table rows, optable/rows_pooling.py and
rows_attention.py, and edge rows, testing/edge_table_pooling.py and edge_table_attention.py,
cover the functions' finite differences and edge cases.)"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

R = np.random.default_rng(44)


@pytest.fixture
def torch():
    t = pytest.importorskip("torch")
    t.set_num_threads(1)
    return t


def _close(a, b, rtol=1e-12):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=rtol)


# ---- AdaptiveLogSoftmaxWithLoss ----------------------------------------------------------------
@pytest.mark.parametrize("cutoffs,div,head_bias", [([3, 6], 2.0, True), ([2], 4.0, False),
                                                    ([1, 4, 8], 1.5, False)])
def test_adaptive_log_softmax_matches_torch(torch, cutoffs, div, head_bias):
    torch.manual_seed(0)
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs, div_value=div,
                                             head_bias=head_bias).double()
    m = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs, div_value=div, head_bias=head_bias)
    theirs = {k: tuple(v.shape) for k, v in tm.state_dict().items()}
    ours = {k: tuple(v.shape) for k, v in m.named_parameters()}
    assert len(theirs) == len(ours) and sorted(theirs.values()) == sorted(ours.values())
    loaded = m.load_state_dict(tm.state_dict())
    assert not loaded.missing_keys and not loaded.unexpected_keys
    for k, v in tm.state_dict().items():  # every torch key landed on our parameter
        prefix, leaf = k.rsplit(".", 1)
        mine = dict(m.named_parameters())[prefix + "." + {"weight": "W", "bias": "b"}[leaf]]
        np.testing.assert_array_equal(mine.data, v.numpy())
    x = R.standard_normal((9, 8))
    t = np.array([0, 9, 4, 2, 7, 5, 1, 3, 8])
    xt, xx = torch.tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    o, oo = tm(xt, torch.tensor(t)), m(xx, t)
    assert type(oo).__name__ == "_ASMoutput" and oo.output is oo[0] and oo.loss is oo[1]
    _close(oo.output.data, o.output.detach().numpy())
    _close(oo.loss.data, o.loss.item())
    o.loss.backward()
    oo.loss.backward()
    _close(xx.grad, xt.grad.numpy(), 1e-10)
    for p, tp in zip(m.parameters(), tm.parameters()):
        _close(p.grad, tp.grad.numpy(), 1e-10)
    _close(m.log_prob(xx).data, tm.log_prob(xt).detach().numpy())
    np.testing.assert_array_equal(m.predict(xx).data, tm.predict(xt).numpy())
    one, tone = m(xx[2], np.int64(4)), tm(xt[2], torch.tensor(4))
    assert one.output.shape == () and abs(one.output.item() - tone.output.item()) < 1e-12
    for method in ("log_prob", "predict"):  # (torch: an IndexError)
        with pytest.raises(ValueError, match=f"{method}: expected input"):
            getattr(m, method)(xx[3])


def test_adaptive_log_softmax_predict_outside_shortlist(torch):
    torch.manual_seed(1)
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2], head_bias=True).double()
    with torch.no_grad():
        tm.head.bias.copy_(torch.tensor([0.0, 0.0, 5.0]))  # the cluster wins in the head
    m = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2], head_bias=True)
    m.load_state_dict(tm.state_dict())
    x = R.standard_normal((5, 4))
    np.testing.assert_array_equal(m.predict(Tensor(x)).data, tm.predict(torch.tensor(x)).numpy())
    assert (m.predict(Tensor(x)).data >= 2).all()


def test_adaptive_log_softmax_refusals():
    with pytest.raises(ValueError, match="cutoffs should be"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 6, [3, 2])
    with pytest.raises(ValueError, match="cutoffs should be"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 6, [6])
    with pytest.raises(ValueError, match="length larger than 0"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 6, [])
    m = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 5\]"):
        m(Tensor(np.zeros((2, 4))), np.array([0, 6]))
    with pytest.raises(RuntimeError, match="same size in the batch"):
        m(Tensor(np.zeros((2, 4))), np.array([0]))
    with pytest.raises(RuntimeError, match="0D or 1D target"):
        m(Tensor(np.zeros((2, 4))), np.zeros((2, 1), dtype=np.int64))


# ---- fractional max pools ----------------------------------------------------------------------
@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fractional_equals_torch_exactly(torch, dims, dtype):
    tf = getattr(torch.nn.functional, f"fractional_max_pool{dims}d")
    ours = getattr(F, f"fractional_max_pool{dims}d")
    g = np.random.default_rng(dims)
    for trial in range(40):
        sp = tuple(int(n) for n in g.integers(2, 9, dims))
        k = tuple(int(g.integers(1, min(sp) + 1)) for _ in range(dims))
        out = tuple(int(g.integers(0, n - kk + 2 - (dims == 3))) for n, kk in zip(sp, k))
        x = np.round(g.standard_normal((2, 3) + sp), 1).astype(dtype)  # ties
        if trial % 3 == 0:
            x[x > 1.5], x[x < -1.5] = np.nan, -np.inf
        s = g.random((2, 3, dims)).astype(dtype)
        xt, xx = torch.tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
        v, i = tf(xt, k, output_size=out, return_indices=True,
                  _random_samples=torch.tensor(s))
        vv, ii = ours(xx, k, output_size=out, return_indices=True, _random_samples=s)
        assert vv.dtype == dtype and ii.dtype == np.int64
        np.testing.assert_array_equal(vv.data, v.detach().numpy())
        np.testing.assert_array_equal(ii.data, i.numpy())
        up = g.standard_normal(v.shape).astype(dtype)
        v.backward(torch.tensor(up))
        vv.backward(Tensor(up))
        np.testing.assert_array_equal(xx.grad, xt.grad.numpy())


def test_fractional_ratio_unbatched_and_modules(torch):
    x = R.standard_normal((3, 7, 6))
    s = R.random((1, 3, 2))
    t = torch.nn.functional.fractional_max_pool2d(torch.tensor(x), (2, 3), output_ratio=(0.5, 0.6),
                                                  _random_samples=torch.tensor(s))
    ours = F.fractional_max_pool2d(x, (2, 3), output_ratio=(0.5, 0.6), _random_samples=s)
    np.testing.assert_array_equal(ours.data, t.numpy())
    s3 = R.random((2, 2, 3))
    tm = torch.nn.FractionalMaxPool3d(2, output_size=(3, 2, 2), return_indices=True,
                                      _random_samples=torch.tensor(s3))
    m = nn.FractionalMaxPool3d(2, output_size=(3, 2, 2), return_indices=True,
                               _random_samples=s3)
    assert list(m.state_dict()) == list(tm.state_dict()) == ["_random_samples"]
    x3 = R.standard_normal((2, 2, 5, 4, 6))
    for a, b in zip(m(Tensor(x3)), tm(torch.tensor(x3))):
        np.testing.assert_array_equal(a.data, b.numpy())
    assert list(nn.FractionalMaxPool2d(2, output_ratio=0.5).state_dict()) == []
    with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
        nn.FractionalMaxPool2d(2, output_ratio=1.0)
    with pytest.raises(ValueError, match="only one of"):
        nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5)
    with pytest.raises(ValueError, match="requires specifying either"):
        nn.FractionalMaxPool3d(2)


def test_fractional_draws_from_rng_and_jit_draws_afresh():
    x = R.standard_normal((1, 2, 7, 7))
    a = F.fractional_max_pool2d(x, 2, output_size=3, return_indices=True,
                                rng=np.random.default_rng(5))
    s = np.random.default_rng(5).random((1, 2, 2))
    b = F.fractional_max_pool2d(x, 2, output_size=3, return_indices=True, _random_samples=s)
    np.testing.assert_array_equal(a[1].data, b[1].data)
    W = Tensor(R.standard_normal((1, 2, 9, 9)), requires_grad=True)
    m = nn.FractionalMaxPool2d(2, output_size=4, return_indices=True,
                               rng=np.random.default_rng(7))

    @jit
    def step(x):
        v, i = m(x * W)
        v.sum().backward()
        return v, i

    seen = []
    for _ in range(6):
        W.grad = None
        v, i = step(np.ones((1, 2, 9, 9)))
        seen.append((np.array(v.numpy()), np.array(i.numpy()), np.array(W.grad)))
    assert step.replays >= 3
    m.rng = np.random.default_rng(7)  # eager, the same stream: the same draws, call by call
    for want in seen:
        W.grad = None
        v, i = m(np.ones((1, 2, 9, 9)) * W)
        v.sum().backward()
        np.testing.assert_array_equal(v.data, want[0])
        np.testing.assert_array_equal(i.data, want[1])
        np.testing.assert_array_equal(W.grad, want[2])
    assert len({w[1].tobytes() for w in seen}) > 1  # the replays drew afresh


def test_fractional_refusals():
    x = np.zeros((1, 2, 5, 5))
    with pytest.raises(RuntimeError, match="pool height 2 too large"):
        F.fractional_max_pool2d(x, 2, output_size=5)
    with pytest.raises(RuntimeError, match="pool time 2 too large"):
        F.fractional_max_pool3d(np.zeros((1, 1, 5, 5, 5)), 2, output_size=4)
    with pytest.raises(RuntimeError, match="same dtype"):
        F.fractional_max_pool2d(x, 2, output_size=2,
                                _random_samples=np.zeros((1, 2, 2), np.float32))
    with pytest.raises(ValueError, match=r"lie in \[0, 1\)"):
        F.fractional_max_pool2d(x, 2, output_size=2, _random_samples=np.full((1, 2, 2), 1.5))
    with pytest.raises(ValueError, match="kernel_size must be positive"):
        F.fractional_max_pool2d(x, 0, output_size=2)


# ---- F.multi_head_attention_forward and nn.MultiheadAttention ---------------------------------
def test_mha_forward_matches_torch_and_module(torch):
    torch.manual_seed(3)
    tm = torch.nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True).double()
    q, k, v = R.standard_normal((3, 2, 4)), R.standard_normal((6, 2, 3)), R.standard_normal(
        (6, 2, 5))
    kpm = np.array([[False, True, False, False, False, True], [False] * 6])
    args = lambda T, ps: (4, 2, None, ps["in_proj_bias"], ps["bias_k"], ps["bias_v"],  # noqa: E731
                          False, 0.0, ps["out_proj.weight"], ps["out_proj.bias"])
    tps = dict(tm.named_parameters())
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    to, tw = torch.nn.functional.multi_head_attention_forward(
        tq, tk, tv, *args(torch, tps), key_padding_mask=torch.tensor(kpm),
        use_separate_proj_weight=True, q_proj_weight=tps["q_proj_weight"],
        k_proj_weight=tps["k_proj_weight"], v_proj_weight=tps["v_proj_weight"])
    ps = {n: Tensor(p.detach().numpy().copy(), requires_grad=True) for n, p in tps.items()}
    oq, ok, ov = (Tensor(a, requires_grad=True) for a in (q, k, v))
    o, w = F.multi_head_attention_forward(
        oq, ok, ov, *args(None, ps), key_padding_mask=kpm, use_separate_proj_weight=True,
        q_proj_weight=ps["q_proj_weight"], k_proj_weight=ps["k_proj_weight"],
        v_proj_weight=ps["v_proj_weight"])
    _close(o.data, to.detach().numpy())
    _close(w.data, tw.detach().numpy())
    (to.sum() + tw.sum()).backward()
    (o.sum() + w.sum()).backward()
    for a, b in ((oq, tq), (ok, tk), (ov, tv)):
        _close(a.grad, b.grad.numpy(), 1e-10)
    for n, p in ps.items():
        _close(p.grad, tps[n].grad.numpy(), 1e-10)
    m = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True)
    m.load_state_dict(tm.state_dict())
    mo, mw = m(q, k, v, key_padding_mask=kpm)
    _close(mo.data, to.detach().numpy())
    _close(mw.data, tw.detach().numpy())


def test_mha_forward_static_kv(torch):
    q, k, v = (R.standard_normal((3, 2, 4)) for _ in range(3))
    w, b = R.standard_normal((12, 4)), R.standard_normal(12)
    ow, ob = R.standard_normal((4, 4)), R.standard_normal(4)
    sk, sv = R.standard_normal((4, 7, 2)), R.standard_normal((4, 7, 2))
    T = [torch.tensor(a) for a in (q, k, v, w, b, ow, ob, sk, sv)]
    to, tw = torch.nn.functional.multi_head_attention_forward(
        *T[:3], 4, 2, T[3], T[4], None, None, True, 0.0, T[5], T[6], static_k=T[7],
        static_v=T[8])
    o, w_ = F.multi_head_attention_forward(q, k, v, 4, 2, w, b, None, None, True, 0.0, ow, ob,
                                           static_k=sk, static_v=sv)
    _close(o.data, to.numpy())
    _close(w_.data, tw.numpy())
    with pytest.raises(ValueError, match="static_k.size"):
        F.multi_head_attention_forward(q, k, v, 4, 2, w, b, None, None, False, 0.0, ow, ob,
                                       static_k=sk[:, :, :1])


# ---- the small names ---------------------------------------------------------------------------
def test_rnn_bases_and_state_dicts(torch):
    for cls in (nn.RNN, nn.LSTM, nn.GRU):
        m = cls(3, 4)
        assert isinstance(m, nn.RNNBase) and not isinstance(m, nn.RNNCellBase)
        tm = getattr(torch.nn, cls.__name__)(3, 4)
        assert isinstance(tm, torch.nn.RNNBase)
        assert list(m.state_dict()) == list(tm.state_dict())
    for cls in (nn.RNNCell, nn.LSTMCell, nn.GRUCell):
        m = cls(3, 4)
        assert isinstance(m, nn.RNNCellBase) and not isinstance(m, nn.RNNBase)
        assert list(m.state_dict()) == list(getattr(torch.nn, cls.__name__)(3, 4).state_dict())


def test_nllloss2d_and_container(torch):
    assert issubclass(nn.NLLLoss2d, nn.NLLLoss)
    x = R.standard_normal((2, 3, 4, 5))
    x = x - np.log(np.exp(x).sum(axis=1, keepdims=True))  # log-probabilities
    y = R.integers(0, 3, (2, 4, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.NLLLoss2d()(torch.tensor(x), torch.tensor(y))
    _close(nn.NLLLoss2d()(Tensor(x), y).data, t.numpy())
    with pytest.warns(FutureWarning, match="nn.Container"):
        c = nn.Container(a=nn.Linear(2, 3), b=nn.ReLU())
    assert [n for n, _ in c.named_children()] == ["a", "b"]
    assert list(c.state_dict()) == ["a.W", "a.b"]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 12])
@pytest.mark.parametrize("channels", [1, 4, 9])
def test_cross_map_lrn2d_values(torch, size, channels):
    x = R.standard_normal((2, channels, 3, 4))
    t = torch.nn.CrossMapLRN2d(size, 0.3, 0.75, 1.5)(torch.tensor(x))
    _close(nn.CrossMapLRN2d(size, 0.3, 0.75, 1.5)(Tensor(x)).data, t.numpy())


def test_cross_map_lrn2d_gradient_is_its_forwards():
    from tinygrad_dl.gradcheck import gradcheck

    x = Tensor(R.standard_normal((1, 7, 2, 2)), requires_grad=True)
    m = nn.CrossMapLRN2d(3, 0.5, 0.75, 1.0)
    assert gradcheck(lambda x: m(x), [x])
    with pytest.raises(ValueError, match="Expected input to be 4D"):
        m(Tensor(np.zeros((2, 3, 4))))


def test_sync_batchnorm(torch):
    tm, m = torch.nn.SyncBatchNorm(3).double(), nn.SyncBatchNorm(3)
    x = R.standard_normal((4, 3, 2, 5))
    xt, xx = torch.tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    a, b = tm(xt), m(xx)
    _close(b.data, a.detach().numpy())
    g = R.standard_normal(x.shape)
    a.backward(torch.tensor(g))
    b.backward(Tensor(g))
    _close(xx.grad, xt.grad.numpy(), 1e-10)
    tm.eval()
    m.eval()
    m.load_state_dict(tm.state_dict())
    _close(m(Tensor(x)).data, tm(torch.tensor(x)).detach().numpy())
    _close(m(Tensor(x[:, :, 0, 0])).data, tm(torch.tensor(x[:, :, 0, 0])).detach().numpy())
    with pytest.raises(ValueError, match="expected at least 2D input"):
        m(Tensor(np.zeros(3)))
    with pytest.raises(NotImplementedError, match="process_group"):
        nn.SyncBatchNorm(3, process_group=object())
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Sequential(nn.BatchNorm2d(3)))
    bn = net[1]
    out = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert out is net and type(net[1]) is nn.SyncBatchNorm and type(net[2][0]) is nn.SyncBatchNorm
    assert net[1].gamma is bn.gamma and net[1].running_mean is bn.running_mean
    assert type(nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm3d(2))) is nn.SyncBatchNorm

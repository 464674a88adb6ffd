"""Differential checks of nn.RNN / LSTM / GRU and their cells against torch 2.13 (CPU) at the
edges (the ordinary float64 draws are tests/test_nn_torch_differential_hQ.py's): proj_size with
bidirectional and stacked layers, h0/c0 given or None, unbatched 2-D input with 2-D h0,
batch_first with h0 (never batch-first), sequences of length 1, batch 0, bias=False, relu with
large inputs, saturating inputs (1e4, 1e200: gradients 0, not NaN, where torch's are), an inf or
NaN in one step (NaN where torch's are), h_n / c_n of every layer and direction, the gradients of
the input, h0, c0 and every weight (weight_hr too); float32 against a float64 reference (ours
within a small factor of torch's float32 error); the cells with 1-D input and hx None, and with
hidden_size 0 (torch computes empty states); the course's CharRNN against torch's nn.RNN; the
state_dict names both ways; a jitted LSTM training step (proj, bidirectional, batch_first,
dropout from a seeded generator, a learned h0/c0) replaying eager bit for bit.

Deliberate differences left out of the draws (docs/pytorch.md): a dtype mix (a float32 module on
float64 input promotes, torch refuses); dropout=1.0 (refused here); input_size 0 (computed here,
torch refuses)."""

import warnings

import numpy as np
import pytest
from oracle import flat, mismatch

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl.jit import jit
from tinygrad_dl.models import CharRNN

torch = pytest.importorskip("torch")


def _load(om, tm):
    om.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})


def _grad(g, like):
    return np.zeros(like.shape) if g is None else np.asarray(g)


def _pack(hs):
    return None if hs is None else tuple(hs) if len(hs) == 2 else hs[0]


def _compare(tm, om, x, hx, r, what):
    """Forward both (torch's errors must be ours), then outputs and every gradient."""
    tx = torch.tensor(x, requires_grad=True)
    ox = Tensor(x, requires_grad=True)
    th = [torch.tensor(h, requires_grad=True) for h in hx] if hx else None
    oh = [Tensor(h, requires_grad=True) for h in hx] if hx else None
    try:
        tout = tm(tx, _pack(th))
    except RuntimeError:
        with pytest.raises((RuntimeError, ValueError)):
            om(ox, _pack(oh))
        return
    oout = om(ox, _pack(oh))
    tl, ol = list(flat(tout)), list(flat(oout))
    assert len(tl) == len(ol), what
    for a, b in zip(ol, tl):
        assert mismatch(a.numpy(), b.detach().numpy()) is None, (what, mismatch(
            a.numpy(), b.detach().numpy()))
    if sum(t.numel() for t in tl) == 0:
        return
    ws = [r.standard_normal(tuple(t.shape)) for t in tl]
    sum((t * torch.tensor(w)).sum() for t, w in zip(tl, ws)).backward()
    sum(((o * Tensor(w)).sum() for o, w in zip(ol, ws)), Tensor(0.0)).backward()
    pairs = [("input", ox.grad, tx.grad)]
    pairs += [(f"hx[{i}]", a.grad, b.grad) for i, (a, b) in enumerate(zip(oh or [], th or []))]
    ours = dict(om.named_parameters())
    pairs += [(k, ours[k].grad, p.grad) for k, p in tm.named_parameters()]
    for k, a, b in pairs:
        b = np.zeros(np.shape(a)) if b is None else b.numpy()
        assert mismatch(_grad(a, b), b) is None, (what, k, mismatch(_grad(a, b), b))


def _sequence_case(seed):
    r = np.random.default_rng(seed)
    torch.manual_seed(seed)  # (torch's init draws the weights both share)
    name = ("RNN", "LSTM", "GRU")[seed % 3]
    i, h, layers = int(r.integers(1, 4)), int(r.integers(2, 5)), int(r.integers(1, 4))
    kw = dict(num_layers=layers, bias=bool(r.integers(2)), batch_first=bool(r.integers(2)),
              bidirectional=bool(r.integers(2)))
    if name == "RNN" and r.integers(2):
        kw["nonlinearity"] = "relu"
    if name == "LSTM" and r.integers(3):
        kw["proj_size"] = int(r.integers(1, h))
    tm = getattr(torch.nn, name)(i, h, **kw).double()
    om = getattr(nn, name)(i, h, **kw)
    _load(om, tm)
    steps, n, unbatched = int(r.choice([1, 1, 2, 4])), int(r.choice([0, 1, 3])), r.integers(4) == 0
    shape = (steps, i) if unbatched else (n, steps, i) if kw["batch_first"] else (steps, n, i)
    x = r.standard_normal(shape) * float(r.choice([1.0, 1e4, 1e200]))
    if r.integers(5) == 0 and x.size:
        x.flat[r.integers(x.size)] = r.choice([np.nan, np.inf, -np.inf])
    hx = None
    if r.integers(2):
        d, p = 2 if kw["bidirectional"] else 1, kw.get("proj_size") or h
        lead = (layers * d,) if unbatched else (layers * d, n)
        hx = [r.standard_normal(lead + (p,))] + (
            [r.standard_normal(lead + (h,))] if name == "LSTM" else [])
    _compare(tm, om, x, hx, r, f"seed {seed}: {name}{kw} x{shape} hx {hx is not None}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (NumPy on the inf and NaN draws)
@pytest.mark.parametrize("block", range(4))
def test_sequence_modules_at_their_edges_are_torchs(block):
    for seed in range(block * 40, block * 40 + 40):
        _sequence_case(seed)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_cells_at_their_edges_are_torchs():
    for seed in range(150):
        r = np.random.default_rng(seed)
        torch.manual_seed(seed)
        name = ("RNNCell", "LSTMCell", "GRUCell")[seed % 3]
        i, h = int(r.integers(1, 4)), int(r.integers(0, 4))
        kw = {"bias": bool(r.integers(2))}
        if name == "RNNCell" and r.integers(2):
            kw["nonlinearity"] = "relu"
        tm, om = getattr(torch.nn, name)(i, h, **kw).double(), getattr(nn, name)(i, h, **kw)
        _load(om, tm)
        unbatched, n = r.integers(2) == 0, int(r.integers(0, 3))
        x = r.standard_normal((i,) if unbatched else (n, i)) * float(r.choice([1.0, 1e4]))
        if r.integers(5) == 0 and x.size:
            x.flat[0] = np.nan
        hx = None if r.integers(2) else [r.standard_normal((h,) if unbatched else (n, h))
                                         for _ in range(2 if name == "LSTMCell" else 1)]
        _compare(tm, om, x, hx, r, f"seed {seed}: {name}({i}, {h}, {kw}) x{x.shape}")


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_a_cell_of_hidden_size_0_computes_empty_states_as_torchs(name):
    # refused before ("hidden_size must be at least 1") where torch returns (N, 0) states
    tm, om = getattr(torch.nn, name)(3, 0).double(), getattr(nn, name)(3, 0)
    om.reset_parameters()
    assert [tuple(p.shape) for p in om.parameters()] == [tuple(p.shape) for p in tm.parameters()]
    x = np.random.default_rng(0).standard_normal((2, 3))
    tout, oout = list(flat(tm(torch.tensor(x)))), list(flat(om(Tensor(x))))
    assert [tuple(t.shape) for t in tout] == [o.shape for o in oout] == [(2, 0)] * len(tout)
    assert [o.shape for o in flat(om(Tensor(x[0])))] == [(0,)] * len(tout)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_float32_is_as_accurate_as_torchs_float32(name):
    r = np.random.default_rng(1)
    torch.manual_seed(1)
    kw = dict(num_layers=2, bidirectional=True)
    t64 = getattr(torch.nn, name)(5, 8, **kw)
    sd = {k: v.float() for k, v in t64.state_dict().items()}
    t64 = t64.double()
    t32, o32 = getattr(torch.nn, name)(5, 8, **kw), getattr(nn, name)(5, 8, dtype="float32", **kw)
    t32.load_state_dict(sd)
    o32.load_state_dict({k: v.numpy() for k, v in sd.items()})
    x = r.standard_normal((30, 3, 5)).astype(np.float32)
    w = r.standard_normal((30, 3, 16))
    ref = t64(torch.tensor(x, dtype=torch.float64))[0]
    (ref * torch.tensor(w)).sum().backward()
    theirs = t32(torch.tensor(x))[0]
    (theirs * torch.tensor(w, dtype=torch.float32)).sum().backward()
    ours = o32(Tensor(x))[0]
    (ours * Tensor(w.astype(np.float32))).sum().backward()
    assert ours.dtype == np.float32 and o32.weight_hh_l1.grad.dtype == np.float32
    exact = ref.detach().numpy()
    err_t, err_o = np.abs(theirs.detach().numpy() - exact).max(), np.abs(ours.numpy() - exact).max()
    assert err_o <= 4 * err_t + 1e-6, (err_o, err_t)
    g = t64.weight_hh_l0.grad.numpy()
    gt = np.abs(t32.weight_hh_l0.grad.numpy() - g).max()
    go = np.abs(np.asarray(o32.weight_hh_l0.grad) - g).max()
    assert go <= 4 * gt + 1e-5, (go, gt)


def test_state_dict_names_both_ways():
    torch.manual_seed(0)
    tm = torch.nn.LSTM(4, 3, 2, bidirectional=True, proj_size=2).double()
    om = nn.LSTM(4, 3, 2, bidirectional=True, proj_size=2, rng=np.random.default_rng(0))
    assert list(om.state_dict()) == list(tm.state_dict())
    assert [len(w) for w in om.all_weights] == [len(w) for w in tm.all_weights] == [5] * 4
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in om.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((3, 2, 4))
    om.flatten_parameters()  # (a no-op, as torch's on the CPU)
    for a, b in zip(flat(om(Tensor(x))), flat(tm(torch.tensor(x)))):
        assert mismatch(a.numpy(), b.detach().numpy()) is None


@pytest.mark.parametrize("fused", [False, True])
def test_the_course_char_rnn_is_torchs_rnn(fused):
    for seed in range(5):
        r = np.random.default_rng(seed)
        k, m, steps = int(r.integers(2, 6)), int(r.integers(1, 5)), int(r.integers(1, 6))
        cm = CharRNN(k, m, std=0.5, rng=np.random.default_rng(seed), fused=fused)
        cm.b.data[:] = r.standard_normal(m)
        tr = torch.nn.RNN(k, m).double()
        with torch.no_grad():
            tr.weight_ih_l0.copy_(torch.tensor(cm.U.data.T))
            tr.weight_hh_l0.copy_(torch.tensor(cm.W.data.T))
            tr.bias_ih_l0.copy_(torch.tensor(cm.b.data))
            tr.bias_hh_l0.zero_()
        xs, ys, h0 = r.integers(0, k, steps), r.integers(0, k, steps), r.standard_normal(m)
        v = torch.tensor(cm.V.data, requires_grad=True)
        c = torch.tensor(cm.c.data, requires_grad=True)
        hs, hn = tr(torch.tensor(np.eye(k)[xs]), torch.tensor(h0[None]))
        torch.nn.functional.cross_entropy(hs @ v + c, torch.tensor(ys), reduction="sum").backward()
        cm.loss(xs, ys, Tensor(h0, requires_grad=True)).backward()
        assert mismatch(cm.h_last, hn.detach().numpy()[0]) is None
        for ours, theirs in [(cm.U.grad, tr.weight_ih_l0.grad.T),
                             (cm.W.grad, tr.weight_hh_l0.grad.T), (cm.b.grad, tr.bias_ih_l0.grad),
                             (cm.V.grad, v.grad), (cm.c.grad, c.grad)]:
            assert mismatch(np.asarray(ours), theirs.numpy(), 1e-9) is None


@pytest.mark.parametrize("cfg", [
    dict(num_layers=2, bidirectional=True, proj_size=2, dropout=0.5, batch_first=True),
    dict(num_layers=3, bidirectional=True, dropout=0.3)])
def test_a_jitted_lstm_training_step_replays_eager_bit_for_bit(cfg):
    assert _lstm_training(cfg, use_jit=False) == _lstm_training(cfg, use_jit=True)


def _lstm_training(cfg, use_jit):
    """Four SGD steps of an LSTM with a learned (h0, c0) and a Linear head, the dropout masks
    reseeded per step: the losses and the parameters' bytes after."""
    g = tg.Generator(seed=6)
    m = nn.LSTM(3, 4, rng=g, **cfg)
    d, p = 2, cfg.get("proj_size") or 4
    h0 = Tensor(np.full((cfg["num_layers"] * d, 2, p), 0.1), requires_grad=True)
    c0 = Tensor(np.full((cfg["num_layers"] * d, 2, 4), -0.2), requires_grad=True)
    head = nn.Linear(p * d, 2, rng=np.random.default_rng(4))
    params = m.parameters() + head.parameters() + [h0, c0]
    opt = tg.optim.SGD(params, lr=0.1)

    def step(x, y):
        out, (hn, cn) = m(Tensor(x), (h0, c0))
        last = out[:, -1] if m.batch_first else out[-1]
        loss = tg.nn.functional.mse_loss(head(last), Tensor(y)) + (hn * hn).sum() + cn.sum()
        loss.backward()
        return loss

    f = jit(step, strict=True) if use_jit else step
    r, losses = np.random.default_rng(1), []
    for i in range(4):
        g.manual_seed(100 + i)
        opt.zero_grad()
        x = r.standard_normal((2, 5, 3) if m.batch_first else (5, 2, 3))
        losses.append(f(x, r.standard_normal((2, 2))).item())
        opt.step()
    if use_jit:
        assert f.replays == 2
    return losses, [p.data.tobytes() for p in params]


def test_dropout_0_in_training_is_eval_and_hx_none_is_zeros():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = nn.GRU(3, 4, num_layers=2, bidirectional=True, rng=np.random.default_rng(0))
    x = np.random.default_rng(2).standard_normal((4, 2, 3))
    a, ha = m(Tensor(x))
    m.eval()
    b, hb = m(Tensor(x), Tensor(np.zeros((4, 2, 4))))
    assert a.numpy().tobytes() == b.numpy().tobytes()
    assert ha.numpy().tobytes() == hb.numpy().tobytes()

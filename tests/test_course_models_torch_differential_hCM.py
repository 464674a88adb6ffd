"""The course models and their training loops against independent torch re-implementations of
the course's equations (hCM): every model's hand-derived gradient, our autograd and torch's
autograd (and central differences); `fit` step by step (SGD with momentum or Adam, the cyclical
rate, clipping, batch norm's running averages, the dropout masks it drew) and `fit_rnn` (BPTT
with the hidden state carried across chunks and reset each epoch, AdaGrad, clipping, the
smooth loss) against the same steps written in torch from the same initial weights; the
cyclical rate against the assignment's formula; `synthesize`'s draws against softmax(o / T).

Random small configurations (batch 1, one hidden unit, k = 1..4 layers, vocabularies of 1..3,
sequences of 1) from fixed seeds. Tolerances are relative to each gradient's scale, with a
floor at 1e-12 of the model's largest gradient: a batch norm over 2 rows or a saturated softmax
makes some entries pure round-off (torch 0, ours 1e-17), which no implementation gets exactly.
"""

from __future__ import annotations

from fractions import Fraction as F
from types import SimpleNamespace

import numpy as np
import pytest

from tinygrad_dl.data.text import CharData
from tinygrad_dl.gradcheck import numerical_grad, relative_error
from tinygrad_dl.models import CharRNN, ConvNet, KLayer, OneLayer, TwoLayer
from tinygrad_dl.nn import BatchNorm1d, Dropout, Linear, ReLU
from tinygrad_dl.optim import SGD, AdaGrad, Adam, CyclicLR
from tinygrad_dl.train import fit, fit_rnn

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def close(ours: dict, ref: dict, rtol: float = 1e-10) -> None:
    """Every array of `ours` equals `ref`'s within rtol of its own scale, floored at 1e-12 of
    the largest entry of them all (round-off where a gradient is zero in exact arithmetic)."""
    top = max([float(np.max(np.abs(v))) for v in ref.values() if np.size(v)] + [1e-300])
    for k, v in ref.items():
        v, o = np.asarray(v, float), np.asarray(ours[k], float)
        assert o.shape == v.shape, (k, o.shape, v.shape)
        if v.size:
            scale = max(float(np.max(np.abs(v))), 1e-12 * top / rtol)
            assert np.max(np.abs(o - v)) <= rtol * scale, (k, o, v)


def t64(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


def torch_cost(model, params, X, y, masks, bn_stats=None):
    """The course's cost J of a OneLayer / TwoLayer / KLayer, in torch, on `params` (torch
    tensors by qualified name), each module in its own mode; dropout multiplies by the given
    (scaled) masks; `bn_stats` collects each training-mode batch norm's (mu, v)."""
    h, l2 = t64(X), 0.0
    for key, mod in model.layers.named_children():
        name = f"layers.{key}"
        if isinstance(mod, Linear):
            W = params[name + ".W"]
            h = h @ W.T + (params[name + ".b"] if mod.b is not None else 0.0)
            l2 = l2 + (W * W).sum()
        elif isinstance(mod, BatchNorm1d):
            if mod.training:
                mu = h.mean(0)
                v = ((h - mu) ** 2).mean(0)  # biased, as the course
                if bn_stats is not None:
                    bn_stats[name] = (mu.detach().numpy(), v.detach().numpy())
            else:
                mu, v = t64(mod.running_mean), t64(mod.running_var)
            h = (h - mu) / torch.sqrt(v + mod.eps)
            h = h * params[name + ".gamma"] + params[name + ".beta"]
        elif isinstance(mod, ReLU):
            h = torch.relu(h)
        elif isinstance(mod, Dropout) and mod.training:
            h = h * t64(masks.pop(0))
    return TF.cross_entropy(h, torch.tensor(np.asarray(y))) + model.lam * l2


def random_classifier(rs, seed, *, n_min=1):
    kind = seed % 3
    d, K = int(rs.integers(1, 6)), int(rs.integers(1, 5))
    lam = float(rs.choice([0.0, 1e-3, 0.5, 20.0]))
    init, gen = str(rs.choice(["he", "xavier", "gaussian"])), np.random.default_rng(seed)
    if kind == 0:
        return OneLayer(d, K, lam=lam, init=init, std=0.5, rng=gen), max(n_min, 1)
    if kind == 1:
        return TwoLayer(d, int(rs.integers(1, 5)), K, lam=lam, init=init, std=0.5, rng=gen), n_min
    hidden = [int(rs.integers(1, 5)) for _ in range(int(rs.integers(0, 4)))]
    bn = bool(rs.integers(0, 2))
    m = KLayer(d, hidden, K, batch_norm=bn, dropout=float(rs.choice([0.0, 0.3, 0.9])), lam=lam,
               init=init, std=0.5, rng=gen, alpha=float(rs.choice([0.0, 0.5, 0.9])))
    for name, p in m.named_parameters():
        if "gamma" in name or "beta" in name:
            p.data[...] = rs.standard_normal(p.data.shape) + (1.0 if "gamma" in name else 0.0)
    return m, max(n_min, 3 if bn else 1)


def fix_masks(model, rs, n):
    """A fixed keep mask on every Dropout (its input width read off the Linear before it);
    returns the scaled masks in the order the forward meets them."""
    masks, width = [], None
    for mod in model.layers:
        if isinstance(mod, Linear):
            width = mod.W.data.shape[0]
        elif isinstance(mod, Dropout):
            keep = rs.random((n, width)) >= mod.p
            mod.fix_mask(keep)
            masks.append(keep / (1.0 - mod.p))
    return masks


@pytest.mark.parametrize("chunk", range(4))
def test_classifier_gradients_hand_autograd_torch(chunk):
    for seed in range(chunk * 25, chunk * 25 + 25):
        rs = np.random.default_rng(seed)
        model, n_min = random_classifier(rs, seed)
        n = int(rs.integers(n_min, 7))
        if isinstance(model, KLayer) and model.batch_norm and seed % 4 == 0:
            for mod in model.layers:  # batch norm in eval mode: the running averages
                if isinstance(mod, BatchNorm1d):
                    mod.running_mean[...] = rs.standard_normal(mod.d)
                    mod.running_var[...] = rs.random(mod.d) + 0.2
                    mod.num_batches_tracked[...] = 2
                    mod.eval() if seed % 8 == 0 else model.eval()
        X, y = rs.standard_normal((n, model.d)), rs.integers(0, model.K, n)
        masks = fix_masks(model, rs, n)
        saved = {k: np.array(v, copy=True) for k, v in model.state_dict().items()}
        J = model.loss(X, y)
        J.backward()
        after_loss = {k: np.array(v, copy=True) for k, v in model.state_dict().items()}
        auto = {k: p.grad for k, p in model.named_parameters()}
        model.load_state_dict(saved)
        hand = model.hand_gradients(X, y)
        for k, v in model.state_dict().items():  # the same running-average update
            np.testing.assert_array_equal(v, after_loss[k])
        model.load_state_dict(saved)
        params = {k: t64(p.data).requires_grad_() for k, p in model.named_parameters()}
        Jt = torch_cost(model, params, X, y, list(masks))
        Jt.backward()
        assert J.item() == pytest.approx(Jt.item(), rel=1e-12, abs=1e-15)
        ref = {k: p.grad.numpy() for k, p in params.items()}
        assert list(hand) == list(auto) == list(ref)
        close(auto, ref)
        close(hand, ref)


def test_classifier_gradients_central_differences():
    """The hand gradient against central differences (gradcheck's 4-point stencil) by the
    course's measure |ga - gn| / max(eps, |ga| + |gn|) < 1e-7, eps 1e-4: a gradient of 5e-6
    meets differences whose own round-off is 1e-12 (these seeded cases straddle no ReLU kink)."""
    for seed in range(9):
        rs = np.random.default_rng(100 + seed)
        model, n_min = random_classifier(rs, seed)
        model.lam = min(model.lam, 0.5)  # (a cost of 1e3: differences lose its digits)
        X, y = rs.standard_normal((max(n_min, 4), model.d)), rs.integers(0, model.K, max(n_min, 4))
        fix_masks(model, rs, len(X))
        hand = model.hand_gradients(X, y)
        for name, p in model.named_parameters():
            num = numerical_grad(lambda _, m=model, X=X, y=y: m.loss(X, y).data, p.data, h=1e-4)
            assert relative_error(hand[name], num, eps=1e-4).max() < 1e-7, (seed, name)


def torch_rnn(model, X, Y, h0, params=None):
    P = params or {k: t64(p.data).requires_grad_() for k, p in model.named_parameters()}
    h, L = (t64(h0) if h0 is not None else torch.zeros(model.m, dtype=torch.float64)), 0.0
    for x, y in zip(X, Y):
        h = torch.tanh(P["U"][x] + h @ P["W"] + P["b"])
        L = L - torch.log_softmax(h @ P["V"] + P["c"], 0)[y]
    return L, h, P


def test_char_rnn_bptt_hand_autograd_torch():
    for seed in range(60):
        rs = np.random.default_rng(seed)
        K, m, T = int(rs.integers(1, 4)), int(rs.integers(1, 5)), int(rs.integers(1, 6))
        rnn = CharRNN(K, m, std=float(rs.choice([0.01, 1.0])), rng=np.random.default_rng(seed),
                      fused=seed % 2 == 1)
        rnn.b.data[...] = rs.standard_normal(m)
        rnn.c.data[...] = rs.standard_normal(K)
        X, Y = rs.integers(0, K, T), rs.integers(0, K, T)
        h0 = rs.standard_normal(m) if seed % 3 else None
        L = rnn.loss(X, Y, h0=h0)
        L.backward()
        h_graph = rnn.h_last.copy()
        auto = {k: p.grad for k, p in rnn.named_parameters()}
        hand = rnn.hand_gradients(X, Y, h0=h0)
        Lt, ht, P = torch_rnn(rnn, X, Y, h0)
        Lt.backward()
        assert L.item() == pytest.approx(Lt.item(), rel=1e-12, abs=1e-14)
        assert rnn.last_loss == pytest.approx(Lt.item(), rel=1e-12, abs=1e-14)
        np.testing.assert_allclose(h_graph, ht.detach().numpy(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(rnn.h_last, ht.detach().numpy(), rtol=1e-12, atol=1e-15)
        ref = {k: p.grad.numpy() for k, p in P.items()}
        close(auto, ref, rtol=1e-9)
        close(hand, ref, rtol=1e-9)


def test_convnet_autograd_vs_torch():
    for seed in range(6):
        rs = np.random.default_rng(seed)
        stages = 1 + seed % 2
        side, C = 2 ** stages * (1 + seed % 3 // 2), int(rs.choice([1, 3]))
        channels = [int(rs.integers(1, 4)) for _ in range(stages)]
        K, n, lam = int(rs.integers(1, 4)), int(rs.integers(1, 4)), float(rs.choice([0.0, 0.3]))
        net = ConvNet(K=K, channels=channels, lam=lam, image=(C, side, side),
                      rng=np.random.default_rng(seed))
        X, y = rs.standard_normal((n, C * side * side)), rs.integers(0, K, n)
        J = net.loss(X, y)
        J.backward()
        P = {k: t64(p.data).requires_grad_() for k, p in net.named_parameters()}
        names, h, l2 = list(P), t64(X).reshape(n, C, side, side), 0.0
        for i in range(0, 2 * stages, 2):
            W = P[names[i]]
            h = TF.max_pool2d(torch.relu(TF.conv2d(h, W, P[names[i + 1]], padding=1)), 2)
            l2 = l2 + (W * W).sum()
        W = P[names[-2]]
        Jt = TF.cross_entropy(h.reshape(n, -1) @ W.T + P[names[-1]], torch.tensor(y))
        Jt = Jt + lam * (l2 + (W * W).sum())
        Jt.backward()
        assert J.item() == pytest.approx(Jt.item(), rel=1e-12)
        close({k: p.grad for k, p in net.named_parameters()},
              {k: p.grad.numpy() for k, p in P.items()})


def course_eta(t, lo, hi, n_s):
    """Assignment 2's eta_t: rising on [2 l n_s, (2 l + 1) n_s], falling on the rest."""
    l = t // (2 * n_s)
    if t <= (2 * l + 1) * n_s:
        return lo + (t - 2 * l * n_s) / n_s * (hi - lo)
    return hi - (t - (2 * l + 1) * n_s) / n_s * (hi - lo)


def test_cyclic_rate_is_the_assignment_formula():
    """eta_t against the assignment's formula in exact rational arithmetic: within 1e-12
    relative at every step (both float64 spellings lose a few hundred ulps near the end of a
    falling half, to the cancellation in 2 - pos / n_s or in eta_max - ...), exact at the ends
    of every half cycle."""
    rs = np.random.default_rng(0)
    pairs = [(1e-5, 1e-1), (1e-4, 5e-2), (0.3, 0.3)]
    pairs += [tuple(sorted(10 ** rs.uniform(-7, 0, 2))) for _ in range(12)]
    for lo, hi in pairs:
        for n_s in (1, 2, 3, 7, 450, 2250):
            sched = CyclicLR(lo, hi, n_s)
            steps = range(4 * n_s + 2) if n_s < 10 else [*range(0, 4 * n_s + 2, 97),
                                                          *range(2 * n_s - 5, 2 * n_s + 1)]
            for t in steps:
                pos = t % (2 * n_s)
                exact = F(lo) + F(min(pos, 2 * n_s - pos), n_s) * (F(hi) - F(lo))
                ours = sched(t)
                assert abs(F(ours) - exact) <= 1e-12 * exact, (lo, hi, n_s, t)
                assert ours == pytest.approx(course_eta(t, lo, hi, n_s), rel=1e-12)
                if pos == 0:
                    assert ours == lo
                elif pos == n_s:
                    assert ours == hi


def record_steps(model, opt):
    """Wrap opt.step and each Dropout's mask draw: (parameters after every step, masks)."""
    params, masks = [], []
    step = opt.step

    def recorded():
        step()
        params.append({k: p.data.copy() for k, p in model.named_parameters()})

    opt.step = recorded
    for mod in model.modules():
        if isinstance(mod, Dropout):
            draw = mod.sample_mask

            def drawn(shape, dtype, draw=draw):
                mask = draw(shape, dtype)
                masks.append(mask.copy())
                return mask

            mod.sample_mask = drawn
    return params, masks


@pytest.mark.parametrize("jit", [False, True])
def test_fit_steps_against_torch(jit):
    for seed in range(16):
        rs = np.random.default_rng(seed)
        model, n_min = random_classifier(rs, seed, n_min=1)
        n = int(rs.integers(max(n_min, 2), 12))
        bn = isinstance(model, KLayer) and model.batch_norm
        n_batch = int(rs.integers(3 if bn else 1, n + 1)) if n >= 3 or not bn else n
        drop_last = bool(rs.integers(0, 2)) or (bn and n % n_batch == 1)
        X, y = rs.standard_normal((n, model.d)), rs.integers(0, model.K, n)
        data = SimpleNamespace(X_train=X, y_train=y, X_val=X[:3], y_val=y[:3])
        start = {k: p.data.copy() for k, p in model.named_parameters()}
        adam, mom = seed % 4 == 3, float(rs.choice([0.0, 0.9]))
        opt = Adam(model.parameters(), lr=0.01) if adam else SGD(model.parameters(), lr=0.05,
                                                                  momentum=mom)
        lo, hi, n_s = 1e-5, 0.1, int(rs.integers(1, 4))
        schedule = CyclicLR(lo, hi, n_s) if seed % 2 else None
        clip = float(rs.choice([1e-3, 1e6])) if seed % 3 == 1 else None
        clip_norm = float(rs.choice([1e-3, 0.5])) if seed % 5 == 2 else None
        params, masks = record_steps(model, opt)
        hist = fit(model, data, epochs=int(rs.integers(1, 4)), n_batch=n_batch, optimizer=opt,
                   schedule=schedule, clip=clip, clip_norm=clip_norm, seed=seed,
                   drop_last=drop_last, progress=False, jit=jit)
        # the same steps in torch: same permutations, rates, masks, clipping, optimizer
        P = {k: t64(v).requires_grad_() for k, v in start.items()}
        state = {k: [torch.zeros_like(v), torch.zeros_like(v)] for k, v in P.items()}
        order_rng, running, t = np.random.default_rng(seed), {}, 0
        used = n // n_batch * n_batch if drop_last else n
        while t < len(params):
            order = order_rng.permutation(n)
            for s in range(0, used, n_batch):
                ix = order[s:s + n_batch]
                eta = 0.01 if adam else 0.05
                if schedule is not None:
                    assert hist.meta["etas"][t] == pytest.approx(course_eta(t, lo, hi, n_s),
                                                                 rel=1e-12)
                    eta = hist.meta["etas"][t]
                stats = {}
                torch_cost(model, P, X[ix], y[ix], masks_for(model, masks, t), stats).backward()
                for name, (mu, v) in stats.items():  # the course's running averages
                    a = dict(model.layers.named_children())[name.split(".")[1]].alpha
                    old = running.get(name)
                    running[name] = (mu, v) if old is None else (
                        a * old[0] + (1 - a) * mu, a * old[1] + (1 - a) * v)
                if clip is not None:
                    torch.nn.utils.clip_grad_value_(list(P.values()), clip)
                if clip_norm is not None:
                    torch.nn.utils.clip_grad_norm_(list(P.values()), clip_norm)
                with torch.no_grad():  # SGD (v = mu v + g) or Adam (bias-corrected)
                    for k, p in P.items():
                        m1, m2 = state[k]
                        if adam:
                            m1.mul_(0.9).add_(0.1 * p.grad)
                            m2.mul_(0.999).add_(0.001 * p.grad * p.grad)
                            p -= eta * (m1 / (1 - 0.9 ** (t + 1))) / (
                                torch.sqrt(m2 / (1 - 0.999 ** (t + 1))) + 1e-8)
                        else:
                            m1.mul_(mom).add_(p.grad)
                            p -= eta * m1
                        p.grad = None
                close(params[t], {k: p.detach().numpy() for k, p in P.items()}, rtol=1e-9)
                t += 1
        assert t == len(hist.meta["etas"]) == hist.meta["n_updates"] > 0
        assert len(masks) == t * sum(isinstance(m, Dropout) for m in model.layers)
        for name, (mu, v) in running.items():
            bn_mod = dict(model.layers.named_children())[name.split(".")[1]]
            np.testing.assert_allclose(bn_mod.running_mean, mu, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(bn_mod.running_var, v, rtol=1e-9, atol=1e-12)


def masks_for(model, masks, t):
    """The masks the t-th update drew (one per Dropout module, in order)."""
    per = sum(isinstance(m, Dropout) for m in model.layers)
    return list(masks[t * per:(t + 1) * per])


@pytest.mark.parametrize("jit", [False, True])
def test_fit_rnn_against_torch(jit):
    """BPTT over consecutive chunks, the hidden state carried and reset to zeros at each new
    pass through the text, AdaGrad (m += g^2; theta -= eta g / sqrt(m + eps)) after clipping
    each entry, the smooth loss 0.999 s + 0.001 L."""
    for seed in range(16):
        rs = np.random.default_rng(seed)
        K, m, T = int(rs.integers(1, 4)), int(rs.integers(1, 5)), int(rs.integers(1, 5))
        N = int(rs.integers(T + 1, 4 * T + 8))
        text = "".join(rs.choice(list("abc"[:K]), N))
        data = CharData(text)
        rnn = CharRNN(data.K, m, std=0.5, rng=np.random.default_rng(seed), fused=seed % 2 == 0)
        start = {k: p.data.copy() for k, p in rnn.named_parameters()}
        clip, eta = [None, 1e-4, 0.05, 5.0][seed % 4], float(rs.choice([0.1, 0.5]))
        n_updates = int(rs.integers(1, 3 * ((N - 1) // T) + 2))
        opt = AdaGrad(rnn.parameters(), lr=eta)
        params, _ = record_steps(rnn, opt)
        hist = fit_rnn(rnn, data, optimizer=opt, seq_length=T, n_updates=n_updates, clip=clip,
                       seed=seed, sample_every=None, print_fn=None, progress=False, jit=jit)
        P = {k: t64(v).requires_grad_() for k, v in start.items()}
        G2 = {k: torch.zeros_like(v) for k, v in P.items()}
        ints, e, h, smooth = data.encode(text), 0, None, None
        for t in range(n_updates):
            if e + T + 1 > N:
                e, h = 0, None
            L, hT, _ = torch_rnn(rnn, ints[e:e + T], ints[e + 1:e + T + 1], h, P)
            L.backward()
            with torch.no_grad():
                for k, p in P.items():
                    g = p.grad if clip is None else p.grad.clamp(-clip, clip)
                    G2[k] += g * g
                    p -= eta * g / torch.sqrt(G2[k] + 1e-8)
                    p.grad = None
            h, e = hT.detach().numpy(), e + T
            smooth = L.item() if smooth is None else 0.999 * smooth + 0.001 * L.item()
            close(params[t], {k: p.detach().numpy() for k, p in P.items()}, rtol=1e-9)
        assert len(params) == n_updates
        assert hist.meta["final_smooth_loss"] == pytest.approx(smooth, rel=1e-12)


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0])
def test_synthesize_draws_softmax_of_the_scores(temperature):
    """The first two sampled characters, over many draws, against p(x1) p(x2 | x1) from
    softmax(o_t / T) (chi-square); the same generator seed gives the same text."""
    rs = np.random.default_rng(3)
    rnn = CharRNN(3, 3, std=1.0, rng=np.random.default_rng(3))
    rnn.c.data[...] = rs.standard_normal(3)
    U, W, V, b, c = (p.data for p in (rnn.U, rnn.W, rnn.V, rnn.b, rnn.c))
    h0, x0 = rs.standard_normal(3), 1
    h1 = np.tanh(U[x0] + h0 @ W + b)
    p1 = softmax((h1 @ V + c) / temperature)
    joint = np.array([p1[a] * softmax((np.tanh(U[a] + h1 @ W + b) @ V + c) / temperature)
                      for a in range(3)]).ravel()
    rng, draws = np.random.default_rng(11), 4000
    counts = np.zeros(9)
    for _ in range(draws):
        x = rnn.synthesize(h0, x0, 2, temperature=temperature, rng=rng)
        counts[3 * x[0] + x[1]] += 1
    expected = joint * draws
    # chi-square, 8 degrees of freedom: P(stat > 31.8) = 1e-4 (scipy's chi2.isf(1e-4, 8));
    # these draws give 14.5, 3.1, 7.1; the distribution at another temperature, 380 to 4000
    assert np.sum((counts - expected) ** 2 / expected) < 31.8
    a = rnn.synthesize(h0, x0, 40, temperature=temperature, rng=np.random.default_rng(5))
    b = rnn.synthesize(h0, x0, 40, temperature=temperature, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)

"""A skeptic's review of the four assignments against the course's formulas (2026-12-05).

Each assignment's training was compared with an independent NumPy reference of the course's
definitions on tiny data in float64 (the one-layer and two-layer nets' mini-batch GD with
J = mean CE + lambda ||W||^2 and the triangular cyclical rate across epochs, the k-layer net's
batch norm with biased batch variance and running averages at alpha = 0.9 evaluated in the
fit loop, the char-RNN's BPTT + clipping + AdaGrad with h reset at each pass and the smooth
loss): those matched (to 1e-15 for the classifiers; to 1e-12 over 30 AdaGrad updates for the
char-RNN). The tests below keep those references, and the one difference found: integer one-hot
labels, which loss() takes, were refused by accuracy() and so by fit's first evaluation.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tinygrad_dl.data.text import CharData
from tinygrad_dl.models import CharRNN, KLayer, OneLayer, TwoLayer
from tinygrad_dl.optim import SGD, CyclicLR
from tinygrad_dl.train import evaluate, fit, fit_rnn


def _softmax(S):
    S = S - S.max(axis=1, keepdims=True)
    E = np.exp(S)
    return E / E.sum(axis=1, keepdims=True)


def _data(n=23, d=5, K=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, K, n)


def _course_eta(t, lo, hi, n_s):
    """The course's triangular rate, written as its two cases."""
    l = t // (2 * n_s)
    if 2 * l * n_s <= t <= (2 * l + 1) * n_s:
        return lo + (t - 2 * l * n_s) / n_s * (hi - lo)
    return hi - (t - (2 * l + 1) * n_s) / n_s * (hi - lo)


# ---- references of the course's formulas ---------------------------------------------------
@pytest.mark.parametrize("jit", [False, True])
def test_one_layer_fit_is_the_courses_minibatch_gd(jit):
    X, y = _data()
    lam, eta, nb = 0.3, 0.05, 5
    net = OneLayer(5, 3, lam=lam, rng=np.random.default_rng(1))
    W, b = net.layers[0].W.data.copy(), net.layers[0].b.data.copy()
    hist = fit(net, SimpleNamespace(X_train=X, y_train=y), epochs=3, n_batch=nb, eta=eta,
               seed=4, progress=False, jit=jit)

    def cost(W, b):
        P = _softmax(X @ W.T + b)
        return -np.log(P[np.arange(len(y)), y]).mean() + lam * (W ** 2).sum()

    costs, rng = [cost(W, b)], np.random.default_rng(4)
    for _ in range(3):
        order = rng.permutation(len(y))
        for j in range(len(y) // nb):  # full batches only, as the course's loop
            ix = order[j * nb:(j + 1) * nb]
            G = (_softmax(X[ix] @ W.T + b) - np.eye(3)[y[ix]]) / nb
            W, b = W - eta * (G.T @ X[ix] + 2 * lam * W), b - eta * G.sum(axis=0)
        costs.append(cost(W, b))
    np.testing.assert_allclose(net.layers[0].W.data, W, rtol=0, atol=1e-15)
    np.testing.assert_allclose(net.layers[0].b.data, b, rtol=0, atol=1e-15)
    np.testing.assert_allclose(hist["train_cost"], costs, rtol=1e-14, atol=0)


def test_shuffle_false_is_the_courses_basic_loop_in_fixed_order():
    """The course's MiniBatchGD takes batch j as rows (j-1) n_batch .. j n_batch - 1 every epoch;
    fit shuffles by default (documented) and keeps that order with shuffle=False."""
    X, y = _data()
    lam, eta, nb = 0.1, 0.05, 5
    net = OneLayer(5, 3, lam=lam, rng=np.random.default_rng(1))
    W, b = net.layers[0].W.data.copy(), net.layers[0].b.data.copy()
    fit(net, SimpleNamespace(X_train=X, y_train=y), epochs=2, n_batch=nb, eta=eta,
        shuffle=False, progress=False)
    for _ in range(2):
        for j in range(len(y) // nb):
            Xb, yb = X[j * nb:(j + 1) * nb], y[j * nb:(j + 1) * nb]
            G = (_softmax(Xb @ W.T + b) - np.eye(3)[yb]) / nb
            W, b = W - eta * (G.T @ Xb + 2 * lam * W), b - eta * G.sum(axis=0)
    np.testing.assert_allclose(net.layers[0].W.data, W, rtol=0, atol=1e-15)


def test_two_layer_cyclical_rate_counts_updates_across_epochs():
    X, y = _data()
    lam, nb, n_s, lo, hi = 0.01, 5, 3, 1e-5, 1e-1  # 4 updates per epoch, half cycle of 3
    net = TwoLayer(5, 4, 3, lam=lam, rng=np.random.default_rng(1))
    W1, b1, W2, b2 = (p.data.copy() for p in net.parameters())
    hist = fit(net, SimpleNamespace(X_train=X, y_train=y), n_updates=4 * n_s, n_batch=nb,
               optimizer=SGD(net.parameters(), lr=lo), schedule=CyclicLR(lo, hi, n_s), seed=4,
               progress=False)
    rng, t, etas = np.random.default_rng(4), 0, []
    while t < 4 * n_s:
        order = rng.permutation(len(y))
        for j in range(len(y) // nb):
            if t == 4 * n_s:
                break
            ix = order[j * nb:(j + 1) * nb]
            eta = _course_eta(t, lo, hi, n_s)
            etas.append(eta)
            H = np.maximum(0, X[ix] @ W1.T + b1)
            G = (_softmax(H @ W2.T + b2) - np.eye(3)[y[ix]]) / nb
            dW2, db2 = G.T @ H + 2 * lam * W2, G.sum(axis=0)
            G = (G @ W2) * (H > 0)
            dW1, db1 = G.T @ X[ix] + 2 * lam * W1, G.sum(axis=0)
            W1, b1, W2, b2 = W1 - eta * dW1, b1 - eta * db1, W2 - eta * dW2, b2 - eta * db2
            t += 1
    np.testing.assert_allclose(hist.meta["etas"], etas, rtol=1e-14, atol=0)
    for p, ref in zip(net.parameters(), (W1, b1, W2, b2)):
        np.testing.assert_allclose(p.data, ref, rtol=0, atol=1e-15)


def test_k_layer_batch_norm_and_the_fit_loops_evaluation_are_the_courses():
    """Biased batch variance in training, mu_av = 0.9 mu_av + 0.1 mu (the first batch sets it),
    and every logged validation number measured with mu_av, v_av (eval mode)."""
    X, y = _data()
    Xv, yv = _data(9, seed=1)
    lam, nb, eta, eps, alpha = 0.02, 5, 0.1, 1e-8, 0.9
    net = KLayer(5, [4, 3], 3, batch_norm=True, lam=lam, rng=np.random.default_rng(1))
    sd = {k: v.copy() for k, v in net.state_dict().items()}
    hist = fit(net, SimpleNamespace(X_train=X, y_train=y, X_val=Xv, y_val=yv), epochs=2,
               n_batch=nb, eta=eta, seed=4, progress=False, eval_every=1)
    Ws = [sd["layers.0.W"], sd["layers.3.W"], sd["layers.6.W"]]
    bK = sd["layers.6.b"]
    gam = [sd["layers.1.gamma"], sd["layers.4.gamma"]]
    bet = [sd["layers.1.beta"], sd["layers.4.beta"]]
    mu_av, v_av = [None, None], [None, None]

    def forward(Xb, train):
        H, Hs, cache = Xb, [Xb], []
        for l in range(2):
            S = H @ Ws[l].T
            if train:
                mu, v = S.mean(axis=0), ((S - S.mean(axis=0)) ** 2).mean(axis=0)
                if mu_av[l] is None:
                    mu_av[l], v_av[l] = mu, v
                else:
                    mu_av[l] = alpha * mu_av[l] + (1 - alpha) * mu
                    v_av[l] = alpha * v_av[l] + (1 - alpha) * v
            else:
                mu, v = mu_av[l], v_av[l]
            S_hat = (S - mu) / np.sqrt(v + eps)
            H = np.maximum(0, gam[l] * S_hat + bet[l])
            cache.append((S, mu, v, S_hat))
            Hs.append(H)
        return H @ Ws[2].T + bK, Hs, cache

    def measured(Xa, ya):
        S = forward(Xa, False)[0]
        P = _softmax(S)
        loss = -np.log(P[np.arange(len(ya)), ya]).mean()
        return loss + lam * sum((W ** 2).sum() for W in Ws), (S.argmax(axis=1) == ya).mean()

    rng, val = np.random.default_rng(4), []
    for _ in range(2):
        order = rng.permutation(len(y))
        for j in range(len(y) // nb):
            ix = order[j * nb:(j + 1) * nb]
            S, Hs, cache = forward(X[ix], True)
            G = (_softmax(S) - np.eye(3)[y[ix]]) / nb
            dW = [None, None, G.T @ Hs[2] + 2 * lam * Ws[2]]
            dbK, dg, dbt = G.sum(axis=0), [None, None], [None, None]
            G = G @ Ws[2]
            for l in (1, 0):  # the course's BatchNormBackPass
                G = G * (Hs[l + 1] > 0)
                S_, mu, v, S_hat = cache[l]
                dg[l], dbt[l] = (G * S_hat).sum(axis=0), G.sum(axis=0)
                G = G * gam[l]
                G1, G2, D = G * (v + eps) ** -0.5, G * (v + eps) ** -1.5, S_ - mu
                G = G1 - G1.sum(axis=0) / nb - D * (G2 * D).sum(axis=0) / nb
                dW[l] = G.T @ Hs[l] + 2 * lam * Ws[l]
                G = G @ Ws[l]
            Ws = [W - eta * g for W, g in zip(Ws, dW)]
            bK = bK - eta * dbK
            gam = [g - eta * d for g, d in zip(gam, dg)]
            bet = [b - eta * d for b, d in zip(bet, dbt)]
            val.append(measured(Xv, yv))
    got = net.state_dict()
    for k, ref in (("layers.0.W", Ws[0]), ("layers.3.W", Ws[1]), ("layers.4.gamma", gam[1]),
                   ("layers.1.running_mean", mu_av[0]), ("layers.4.running_var", v_av[1])):
        np.testing.assert_allclose(got[k], ref, rtol=0, atol=1e-14)
    np.testing.assert_allclose(hist["val_cost"][1:], [c for c, _ in val], rtol=1e-14, atol=0)
    assert list(hist["val_acc"][1:]) == [a for _, a in val]


@pytest.mark.parametrize("fused", [False, True])
def test_char_rnn_fit_is_the_courses_adagrad_bptt_loop(fused):
    """Over 2.7 passes through a short text: h carried and reset to 0 at each pass, gradients
    clipped to [-5, 5] before AdaGrad's m += g^2, theta -= eta g / sqrt(m + eps), and
    smooth_loss = 0.999 smooth_loss + 0.001 loss from the first loss."""
    data = CharData("hello world, the quick brown fox jumps over it!")
    K, m, T, n_up, eta = data.K, 6, 4, 30, 0.3
    net = CharRNN(K, m, std=0.8, rng=np.random.default_rng(1), fused=fused)
    P = {k: getattr(net, k).data.copy() for k in "UWVbc"}
    hist = fit_rnn(net, data, seq_length=T, n_updates=n_up, clip=5.0, eta=eta, seed=0,
                   sample_every=None, print_fn=None, progress=False)
    ints, mem = data.encode(data.text), {k: np.zeros_like(v) for k, v in P.items()}
    h, e, smooth, losses, smooths = np.zeros(m), 0, None, [], []
    onehot = np.eye(K)
    for _ in range(n_up):
        if e + T + 1 > len(ints):
            e, h = 0, np.zeros(m)
        X, Y = ints[e:e + T], ints[e + 1:e + T + 1]
        hs, ps, loss = [h], [], 0.0
        for t in range(T):  # row layout: a_t = x_t U + h_{t-1} W + b
            hs.append(np.tanh(hs[-1] @ P["W"] + onehot[X[t]] @ P["U"] + P["b"]))
            o = hs[-1] @ P["V"] + P["c"]
            p = np.exp(o - o.max())
            ps.append(p / p.sum())
            loss -= np.log(ps[-1][Y[t]])
        g = {k: np.zeros_like(v) for k, v in P.items()}
        dh_next = np.zeros(m)
        for t in reversed(range(T)):
            do = ps[t].copy()
            do[Y[t]] -= 1
            g["V"] += np.outer(hs[t + 1], do)
            g["c"] += do
            da = (P["V"] @ do + dh_next) * (1 - hs[t + 1] ** 2)
            g["b"] += da
            g["W"] += np.outer(hs[t], da)
            g["U"] += np.outer(onehot[X[t]], da)
            dh_next = P["W"] @ da
        for k in P:
            gk = np.clip(g[k], -5, 5)
            mem[k] += gk * gk
            P[k] = P[k] - eta * gk / np.sqrt(mem[k] + 1e-8)
        h, e = hs[-1], e + T
        smooth = loss if smooth is None else 0.999 * smooth + 0.001 * loss
        losses.append(loss)
        smooths.append(smooth)
    for k in P:  # 30 AdaGrad steps of a recurrence amplify round-off a little
        np.testing.assert_allclose(getattr(net, k).data, P[k], rtol=0, atol=1e-10)
    np.testing.assert_allclose(hist["train_loss"], losses, rtol=1e-11, atol=0)
    np.testing.assert_allclose(hist["smooth_loss"], smooths, rtol=1e-11, atol=0)


def test_synthesize_samples_the_courses_way():
    """cp = cumsum(p), the first index with cp > a, a ~ U(0, 1): the same draws, the same text."""
    K, m = 7, 5
    net = CharRNN(K, m, std=0.7, rng=np.random.default_rng(2))
    U, W, V, b, c = (getattr(net, k).data for k in "UWVbc")
    h0 = 0.3 * np.random.default_rng(3).standard_normal(m)
    for T in (1.0, 0.7):
        got = net.synthesize(h0, 3, 200, temperature=T, rng=np.random.default_rng(5))
        rng, h, x, ref = np.random.default_rng(5), h0, 3, []
        for _ in range(200):
            h = np.tanh(U[x] + h @ W + b)
            z = (h @ V + c) / T
            p = np.exp(z - z.max())
            cp = np.cumsum(p / p.sum())
            x = int(np.flatnonzero(cp - rng.random() > 0)[0])
            ref.append(x)
        assert got.tolist() == ref


# ---- the difference found ------------------------------------------------------------------
def test_integer_one_hot_labels_are_read_as_loss_reads_them():
    """loss() (cross_entropy) takes one-hot rows of any number type, np.eye(K, dtype=int)[y]
    included; accuracy() and evaluate() took float and bool rows only, and refused integer ones
    with 'expected labels (n,) = (6,) or one-hot rows (6, 3), got shape (6, 3)': fit with such
    labels trained nothing and stopped at its first evaluation."""
    X, y = _data(6, 4, 3)
    net = OneLayer(4, 3, lam=0.1, rng=np.random.default_rng(1))
    for Y in (np.eye(3, dtype=np.int64)[y], np.eye(3, dtype=np.uint8)[y]):
        assert net.loss(X, Y).item() == net.loss(X, y).item()
        assert net.accuracy(X, Y) == net.accuracy(X, y)
        assert evaluate(net, X, Y) == evaluate(net, X, y)
    # fit: the same run as with float one-hot rows (indices round (P - Y) / n differently,
    # 1 ulp); eager, as a jitted step would replay with rows converted anew each call
    a, b = (OneLayer(4, 3, lam=0.1, rng=np.random.default_rng(1)) for _ in range(2))
    ha, hb = (fit(net, SimpleNamespace(X_train=X, y_train=Y), epochs=2, n_batch=2, eta=0.1,
                  progress=False, jit=False)
              for net, Y in ((a, np.eye(3, dtype=int)[y]), (b, np.eye(3)[y])))
    assert np.array_equal(a.layers[0].W.data, b.layers[0].W.data)
    assert np.array_equal(ha["train_acc"], hb["train_acc"])
    assert np.array_equal(ha["train_cost"], hb["train_cost"])


@pytest.mark.parametrize("kind", [int, bool, np.float64])
def test_one_hot_rows_of_another_dtype_replay_under_jit(kind):
    """Integer, boolean or float64 one-hot rows for a float32 model: cross_entropy cast them
    outside its op, so a jitted step saw an array made inside the step and ran eagerly with
    a warning about per-step data; the op casts them now, each call's own labels."""
    import warnings

    from tinygrad_dl.jit import jit

    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 4)).astype(np.float32)
    y = rng.integers(0, 3, 12)
    rows = np.eye(3, dtype=kind)[y]
    eager, jitted = (OneLayer(4, 3, lam=0.01, rng=np.random.default_rng(1), dtype="float32")
                     for _ in range(2))

    def make(model):
        def step(Xb, Yb):
            cost = model.loss(Xb, Yb)
            cost.backward()
            return cost
        return step

    step = jit(make(jitted), strict=True)
    plain = make(eager)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(4):
            b = slice(3 * i, 3 * i + 3)
            for m, f in ((eager, plain), (jitted, step)):
                for p in m.parameters():
                    p.grad = None
                out = f(X[b], rows[b])
                for p in m.parameters():
                    p.data -= 0.1 * p.grad
                assert out.data.dtype == np.float32
    assert step.replays == 2
    for a, b in zip(eager.parameters(), jitted.parameters()):
        np.testing.assert_array_equal(a.data, b.data)

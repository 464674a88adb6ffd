"""What the benchmarks time, shared by the suite and the memory benchmarks: the configuration,
the clock, the synthetic data, the classifiers and one SGD step / epoch of each, through the
graph (autograd: `optim.SGD`'s in-place step, as the training loop runs it) and through the
models' hand-derived gradients (the course's `p -= eta * grad`), the GEMM floor of an epoch,
and the char-RNN's update loops."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tinygrad_dl import Tensor
from tinygrad_dl.jit import jit
from tinygrad_dl.models import CharRNN, ConvNet, KLayer, OneLayer, TwoLayer
from tinygrad_dl.optim import SGD


@dataclass(frozen=True)
class Config:
    n: int = 10_000  # samples per epoch (CIFAR-shaped)
    d: int = 3072
    K: int = 10
    batch: int = 100
    m: int = 50  # two-layer hidden units
    hidden3: tuple[int, ...] = (50, 50)
    hidden9: tuple[int, ...] = (50, 30, 20, 20, 10, 10, 10, 10)
    lam: float = 0.005
    lr: float = 0.01
    rnn_m: int = 100
    vocab: int = 80
    seq: int = 25
    rnn_updates: int = 200  # updates per timed char-RNN repeat
    op_iters: int = 5000  # iterations per timed tiny-op repeat
    conv_n: int = 1000  # images per ConvNet epoch (its conv layers dominate: 1,000 suffice)
    conv_image: tuple[int, int, int] = (3, 32, 32)
    conv_channels: tuple[int, ...] = (16, 32)
    chains: tuple[int, ...] = (10**4, 10**5, 10**6)
    mem_steps: tuple[int, int] = (100, 1000)
    repeats: int = 7
    dtypes: tuple[str, ...] = ("float64", "float32")
    torch: bool = True
    threads: int | None = None  # BLAS (and torch) threads; None: NumPy's default
    clock: str = "wall"  # "wall" (perf_counter) or "cpu" (thread_time: steady on a busy box)
    best: bool = False  # report the best (fastest) repeat instead of the median
    targets: bool = True  # judge the rows against the targets (meaningless at quick sizes)
    seed: int = 0
    only: tuple[str, ...] = ()  # row groups to run (GROUPS); empty: all of them


QUICK = dict(n=200, d=64, batch=50, m=16, hidden3=(16, 16), hidden9=(16, 12, 8, 8, 6, 6, 6, 6),
             rnn_m=16, vocab=12, seq=8, rnn_updates=10, op_iters=200, chains=(1000, 4000),
             conv_n=100, conv_image=(3, 8, 8), conv_channels=(2, 3),
             mem_steps=(5, 20), repeats=2, targets=False)


def quick_config(**overrides: Any) -> Config:
    """Tiny sizes for a smoke test (seconds, not minutes); timings mean nothing there."""
    return replace(Config(), **{**QUICK, **overrides})


# ---- timing ------------------------------------------------------------------------------
# "cpu" is the CPU time of the calling thread: what other jobs on the machine do to the
# wall clock does not show in it. It counts only this thread, so it needs 1 BLAS thread.
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}
ACTIVE_CLOCK = [time.perf_counter]  # the one chosen for this run (the suite sets it)
ACTIVE_STAT = [statistics.median]  # median of the repeats, or min with Config.best


def now() -> float:
    """The benchmark's clock (wall or CPU, as configured), in seconds."""
    return ACTIVE_CLOCK[0]()


def median_times(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Median (or, with Config.best, minimum) seconds per call of each fn: one warm-up call
    each, then `repeats` rounds that call every fn once in turn (interleaved, so a burst of
    load hits all of them)."""
    clock = ACTIVE_CLOCK[0]
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(max(1, repeats)):
        for k, fn in fns.items():
            gc.collect()
            t0 = clock()
            fn()
            times[k].append(clock() - t0)
    stat = ACTIVE_STAT[0]
    return {k: stat(v) for k, v in times.items()}


# ---- the classifiers ---------------------------------------------------------------------
def synthetic_data(cfg: Config, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic CIFAR-shaped data: standard-normal features (as after normalizing), K labels."""
    rng = np.random.default_rng(cfg.seed)
    X = rng.standard_normal((cfg.n, cfg.d), dtype=np.float32 if dtype == "float32" else None)
    return X.astype(dtype, copy=False), rng.integers(0, cfg.K, cfg.n)


def classifiers(cfg: Config) -> list[tuple[str, Callable[[Any], Any], list[int], bool]]:
    """(row name, model factory taking a dtype, layer sizes for torch, batch norm)."""
    def rng() -> np.random.Generator:
        return np.random.default_rng(cfg.seed)

    h3, h9 = list(cfg.hidden3), list(cfg.hidden9)
    return [
        ("one-layer", lambda dt: OneLayer(cfg.d, cfg.K, lam=cfg.lam, rng=rng(), dtype=dt),
         [cfg.d, cfg.K], False),
        (f"two-layer (m={cfg.m})",
         lambda dt: TwoLayer(cfg.d, cfg.m, cfg.K, lam=cfg.lam, rng=rng(), dtype=dt),
         [cfg.d, cfg.m, cfg.K], False),
        (f"k-layer {h3} BN",
         lambda dt: KLayer(cfg.d, h3, cfg.K, lam=cfg.lam, rng=rng(), dtype=dt),
         [cfg.d, *h3, cfg.K], True),
        (f"k-layer {len(h9) + 1} layers BN",
         lambda dt: KLayer(cfg.d, h9, cfg.K, lam=cfg.lam, rng=rng(), dtype=dt),
         [cfg.d, *h9, cfg.K], True),
    ]


def convnet(cfg: Config, dtype: str) -> ConvNet:
    """The README's ConvNet ([conv 3x3 - ReLU - max-pool 2] per channel count, then Linear)."""
    return ConvNet(image=cfg.conv_image, K=cfg.K, channels=cfg.conv_channels, lam=cfg.lam,
                   rng=np.random.default_rng(cfg.seed), dtype=dtype)


def convnet_data(cfg: Config, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic images for the ConvNet epoch, as rows of C*H*W features."""
    c, h, w = cfg.conv_image
    return synthetic_data(replace(cfg, n=cfg.conv_n, d=c * h * w), dtype)


def autograd_epoch_fn(cfg: Config, model: Any, X: np.ndarray, y: np.ndarray
                      ) -> Callable[[], None]:
    """One SGD pass over the rows of X in batches of cfg.batch, through the graph."""
    opt = SGD(model.parameters(), lr=cfg.lr)
    B, nb = cfg.batch, len(X) // cfg.batch

    def autograd_epoch() -> None:
        for i in range(nb):
            autograd_step(model, opt, X[i * B:(i + 1) * B], y[i * B:(i + 1) * B])

    return autograd_epoch


def autograd_step(model: Any, opt: SGD, X: np.ndarray, y: np.ndarray) -> None:
    """One SGD update through the graph: loss, backward, the optimizer's in-place step (what
    `train.fit` runs: the same numbers as p -= lr * grad, bit for bit)."""
    J = model.loss(X, y)
    opt.zero_grad()
    J.backward()
    opt.step()


def hand_step(model: Any, named: list[tuple[str, Tensor]], X: np.ndarray, y: np.ndarray,
              lr: float) -> None:
    """The same update from the model's hand-derived NumPy gradients."""
    grads = model.hand_gradients(X, y)
    for name, p in named:
        p.data -= lr * grads[name]


def epoch_fns(
    cfg: Config, model: Any, X: np.ndarray, y: np.ndarray
) -> tuple[Callable[[], None], Callable[[], None]]:
    """(autograd epoch, hand-derived epoch): each one pass of SGD over the n samples."""
    return autograd_epoch_fn(cfg, model, X, y), hand_epoch_fn(cfg, model, X, y)


def hand_epoch_fn(cfg: Config, model: Any, X: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    """One SGD pass with the model's hand-derived gradients (the course's NumPy)."""
    named = model.named_parameters()
    B, nb = cfg.batch, len(X) // cfg.batch

    def hand_epoch() -> None:
        for i in range(nb):
            hand_step(model, named, X[i * B:(i + 1) * B], y[i * B:(i + 1) * B], cfg.lr)

    return hand_epoch


def replay_epoch_fn(cfg: Config, model: Any, X: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    """The autograd epoch with its step captured once and replayed (tinygrad_dl.jit). The
    step returns nothing, like hand_step: the cost's value is not computed, only its gradient."""
    opt = SGD(model.parameters(), lr=cfg.lr)
    B, nb = cfg.batch, len(X) // cfg.batch

    @jit
    def step(Xb: np.ndarray, yb: np.ndarray) -> None:
        model.loss(Xb, yb).backward()

    def replay_epoch() -> None:
        for i in range(nb):
            opt.zero_grad()
            step(X[i * B:(i + 1) * B], y[i * B:(i + 1) * B])
            opt.step()

    return replay_epoch


def floor_epoch_fn(cfg: Config, model: Any, X: np.ndarray) -> Callable[[], None]:
    """The epoch's large matrix products alone (`floor_products` per batch), with the
    layouts the step uses: no step of this model can take less. The GEMM floor."""
    # a copy: a second reference to the parameter's own array would make every eager step
    # of the same model copy and compare it (the engine's check for writes it cannot see)
    W1 = model.linears[0].W.data.copy()
    G = np.random.default_rng(cfg.seed).standard_normal((cfg.batch, W1.shape[0]))
    G = G.astype(W1.dtype)  # G = dJ/d(X W1ᵀ): any array of that shape costs the same
    B, nb = cfg.batch, len(X) // cfg.batch

    def floor_epoch() -> None:
        for i in range(nb):
            floor_products(X[i * B:(i + 1) * B], W1, G)

    return floor_epoch


def floor_products(Xb: np.ndarray, W1: np.ndarray, G: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """A batch's two large products: the first layer's forward X W1ᵀ (batch x m) and its
    weight gradient Gᵀ X (m x d, W1's shape). Everything else a step does is smaller."""
    return Xb @ W1.T, G.T @ Xb


# ---- the char-RNN ------------------------------------------------------------------------
def char_rnn(cfg: Config, dtype: str, fused: bool = False) -> CharRNN:
    return CharRNN(cfg.vocab, m=cfg.rnn_m, rng=np.random.default_rng(cfg.seed), dtype=dtype,
                   fused=fused)


def char_rnn_seqs(cfg: Config) -> np.ndarray:
    """cfg.rnn_updates random sequences of cfg.seq + 1 characters (inputs [:-1], targets [1:])."""
    return np.random.default_rng(cfg.seed).integers(0, cfg.vocab, (cfg.rnn_updates, cfg.seq + 1))


def rnn_graph_updates(cfg: Config, model: Any, seqs: np.ndarray) -> Callable[[], None]:
    """len(seqs) SGD updates through the graph, the hidden state carried along."""
    opt = SGD(model.parameters(), lr=cfg.lr)

    def run() -> None:
        h = None
        for seq in seqs:
            J = model.loss(seq[:-1], seq[1:], h)
            opt.zero_grad()
            J.backward()
            opt.step()
            h = model.h_last

    return run


def rnn_replay_updates(cfg: Config, model: Any, seqs: np.ndarray) -> Callable[[], None]:
    """The same updates with the step captured once and replayed (tinygrad_dl.jit)."""
    opt = SGD(model.parameters(), lr=cfg.lr)

    @jit
    def step(X: np.ndarray, Y: np.ndarray, h0: np.ndarray) -> Any:
        J = model.loss(X, Y, h0)
        J.backward()
        return J  # read every update (the smooth loss), as the hand loop computes it

    def run() -> None:
        h = np.zeros(cfg.rnn_m, dtype=model.dtype)
        for seq in seqs:
            opt.zero_grad()
            step(seq[:-1], seq[1:], h)
            opt.step()
            h = model.h_last

    return run


def rnn_hand_updates(cfg: Config, model: Any, seqs: np.ndarray) -> Callable[[], None]:
    """The same updates from the model's hand-derived BPTT (`hand_gradients`)."""
    named = model.named_parameters()

    def run() -> None:
        h = None
        for seq in seqs:
            grads = model.hand_gradients(seq[:-1], seq[1:], h)
            for name, p in named:
                p.data -= cfg.lr * grads[name]
            h = model.h_last

    return run


# ---- the char-RNN as the course writes it: a plain per-time-step BPTT loop -------------------
def plain_bptt(U: np.ndarray, W: np.ndarray, V: np.ndarray, b: np.ndarray, c: np.ndarray,
               X: np.ndarray, Y: np.ndarray, h0: np.ndarray
               ) -> tuple[dict[str, np.ndarray], np.ndarray, float]:
    """(gradients, h_T, loss) of the summed loss, one time step at a time as Assignment 4's
    loop (in the model's row-vector convention, a_t = x_t U + h_{t-1} W + b): forward
    h_t = tanh(a_t), p_t = softmax(h_t V + c); backward for t reversed g_o = p_t - y_t,
    dV += h_tᵀ g_o, dc += g_o, g_h = g_o Vᵀ + g_a(t+1) Wᵀ, g_a = g_h * (1 - h_t²),
    dW += h_{t-1}ᵀ g_a, dU[x_t] += g_a (x_t one-hot: a row add), db += g_a. No product over
    the whole sequence: that is what `CharRNN.hand_gradients` does and this reference does not."""
    T = len(X)
    hs, ps = [h0], []
    loss = 0.0
    for t in range(T):
        h = np.tanh(U[X[t]] + hs[-1] @ W + b)
        o = h @ V + c
        p = np.exp(o - o.max())
        p /= p.sum()
        loss -= float(np.log(p[Y[t]]))
        hs.append(h)
        ps.append(p)
    dU, dW, dV = np.zeros_like(U), np.zeros_like(W), np.zeros_like(V)
    db, dc = np.zeros_like(b), np.zeros_like(c)
    g_a_next = None
    for t in range(T - 1, -1, -1):
        g_o = ps[t].copy()
        g_o[Y[t]] -= 1.0
        h = hs[t + 1]
        dV += np.outer(h, g_o)
        dc += g_o
        g_h = g_o @ V.T
        if g_a_next is not None:
            g_h += g_a_next @ W.T
        g_a = g_h * (1.0 - h * h)
        dW += np.outer(hs[t], g_a)
        dU[X[t]] += g_a
        db += g_a
        g_a_next = g_a
    return {"U": dU, "W": dW, "V": dV, "b": db, "c": dc}, hs[-1], loss


def rnn_plain_updates(cfg: Config, params: dict[str, np.ndarray], seqs: np.ndarray
                      ) -> Callable[[], None]:
    """The same SGD updates (p -= lr * grad, the hidden state carried) from `plain_bptt`, on
    `params` ("U", "W", "V", "b", "c"), updated in place: the issue-24 reference for the
    char-RNN. Give it its own arrays (copies), as a hand-written script has its own."""
    U, W, V, b, c = (params[k] for k in ("U", "W", "V", "b", "c"))

    def run() -> None:
        h = np.zeros(cfg.rnn_m, dtype=W.dtype)
        for seq in seqs:
            grads, h, _ = plain_bptt(U, W, V, b, c, seq[:-1], seq[1:], h)
            for name, p in params.items():
                p -= cfg.lr * grads[name]

    return run

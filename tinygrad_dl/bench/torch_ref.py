"""PyTorch (CPU) versions of the benchmark models, written the idiomatic fast way.

Optional: torch is imported inside each function, so importing this module never needs it;
the suite calls these only when torch is installed. Each factory returns `step(i)`, one SGD
update on mini-batch i, in the dtype and shapes of ours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

Step = Callable[[int], None]


def _param(rng: np.random.Generator, shape: tuple[int, ...], std: float, dtype) -> torch.Tensor:
    import torch

    data = rng.standard_normal(shape) * std if std else np.zeros(shape)
    return torch.tensor(data, dtype=dtype, requires_grad=True)


def _sgd(params: Sequence[torch.Tensor], lr: float) -> None:
    import torch

    with torch.no_grad():
        for p in params:
            p.add_(p.grad, alpha=-lr)


def mlp_step(
    X: np.ndarray, y: np.ndarray, sizes: Sequence[int], *, batch: int, lr: float, lam: float,
    batch_norm: bool, seed: int = 0,
) -> Step:
    """Linear layers sizes[0] -> ... -> sizes[-1], ReLU between, optional batch norm before
    each ReLU; cost = mean cross-entropy + lam * sum ||W||^2 (the models' loss())."""
    import torch
    import torch.nn.functional as F

    dtype = torch.float32 if X.dtype == np.float32 else torch.float64
    rng = np.random.default_rng(seed)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    Ws = [_param(rng, (a, b), np.sqrt(2 / a), dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [_param(rng, (b,), 0, dtype) for b in sizes[1:]]
    hidden = sizes[1:-1]
    gammas = [torch.ones(m, dtype=dtype, requires_grad=True) for m in hidden] if batch_norm else []
    betas = [torch.zeros(m, dtype=dtype, requires_grad=True) for m in hidden] if batch_norm else []
    running = [(torch.zeros(m, dtype=dtype), torch.ones(m, dtype=dtype)) for m in hidden]
    params = Ws + bs + gammas + betas

    def step(i: int) -> None:
        h = Xt[i * batch:(i + 1) * batch]
        for k, (W, b) in enumerate(zip(Ws, bs)):
            h = torch.addmm(b, h, W)
            if k < len(hidden):
                if batch_norm:
                    mean, var = running[k]
                    h = F.batch_norm(h, mean, var, gammas[k], betas[k], training=True,
                                     momentum=0.1, eps=1e-8)
                h = torch.relu(h)
        loss = F.cross_entropy(h, yt[i * batch:(i + 1) * batch])
        if lam:
            loss = loss + lam * sum((W * W).sum() for W in Ws)
        for p in params:
            p.grad = None
        loss.backward()
        _sgd(params, lr)

    return step


def convnet_step(
    X: np.ndarray, y: np.ndarray, image: Sequence[int], channels: Sequence[int], K: int, *,
    batch: int, lr: float, lam: float, seed: int = 0,
) -> Step:
    """The ConvNet as a PyTorch user writes it: per channel count conv 3x3 (padding 1) - ReLU -
    max-pool 2, then Linear; cost = mean cross-entropy + lam * sum of squared weights (conv
    filters included, as ours), He init. X holds the images as rows (n, C*H*W)."""
    import torch
    import torch.nn.functional as F

    dtype = torch.float32 if X.dtype == np.float32 else torch.float64
    rng = np.random.default_rng(seed)
    c, h, w = image
    Xt, yt = torch.from_numpy(X).reshape(-1, c, h, w), torch.from_numpy(y)
    convs = []
    for out in channels:
        convs.append((_param(rng, (out, c, 3, 3), np.sqrt(2 / (c * 9)), dtype),
                      _param(rng, (out,), 0, dtype)))
        c = out
    features = c * (h >> len(channels)) * (w >> len(channels))
    Wl, bl = _param(rng, (features, K), np.sqrt(2 / features), dtype), _param(rng, (K,), 0, dtype)
    weights = [W for W, _ in convs] + [Wl]
    params = [p for pair in convs for p in pair] + [Wl, bl]

    def step(i: int) -> None:
        h = Xt[i * batch:(i + 1) * batch]
        for W, b in convs:
            h = F.max_pool2d(torch.relu(F.conv2d(h, W, b, padding=1)), 2)
        loss = F.cross_entropy(torch.addmm(bl, h.reshape(len(h), -1), Wl),
                               yt[i * batch:(i + 1) * batch])
        if lam:
            loss = loss + lam * sum((W * W).sum() for W in weights)
        for p in params:
            p.grad = None
        loss.backward()
        _sgd(params, lr)

    return step


def char_rnn_step(
    seqs: np.ndarray, K: int, m: int, *, lr: float, dtype: np.dtype, fused: bool, seed: int = 0
) -> Step:
    """One update on sequence i of `seqs` (n, T+1) int chars: inputs seq[:-1], targets seq[1:].

    fused=False: the recurrence as a Python loop of autograd ops (like our unfused graph);
    fused=True: torch.nn.RNN, PyTorch's own fused tanh RNN.
    """
    import torch
    import torch.nn.functional as F

    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    rng = np.random.default_rng(seed)
    S = torch.from_numpy(seqs)
    U, W, V = (_param(rng, s, 0.01, tdtype) for s in [(K, m), (m, m), (m, K)])
    b, c = _param(rng, (m,), 0, tdtype), _param(rng, (K,), 0, tdtype)
    rnn = torch.nn.RNN(K, m, nonlinearity="tanh", dtype=tdtype) if fused else None
    params = [V, c] + (list(rnn.parameters()) if fused else [U, W, b])
    eye = torch.eye(K, dtype=tdtype)
    state = {"h": torch.zeros(m, dtype=tdtype)}

    def step(i: int) -> None:
        x, y = S[i, :-1], S[i, 1:]
        h = state["h"]
        if fused:
            H, hT = rnn(eye[x], h[None])
            hT = hT[0]
        else:
            hs = []
            for t in range(len(x)):
                h = torch.tanh(U[x[t]] + h @ W + b)
                hs.append(h)
            H, hT = torch.stack(hs), h
        loss = F.cross_entropy(torch.addmm(c, H, V), y, reduction="sum")
        for p in params:
            p.grad = None
        loss.backward()
        _sgd(params, lr)
        state["h"] = hT.detach()

    return step


def tiny_op(n: int = 4, dtype: np.dtype = np.float64) -> Callable[[], None]:
    """Forward + backward of one elementwise multiply of two n-vectors."""
    import torch

    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    x = torch.ones(n, dtype=tdtype, requires_grad=True)
    y = torch.ones(n, dtype=tdtype, requires_grad=True)
    g = torch.ones(n, dtype=tdtype)

    def run() -> None:
        x.grad = y.grad = None
        (x * y).backward(g)

    return run

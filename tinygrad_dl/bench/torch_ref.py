"""PyTorch (CPU) versions of the benchmark models, written the idiomatic fast way.

Optional: torch is imported inside each function, so importing this module never needs it;
the suite calls these only when torch is installed. Each factory returns `step(i)`, one SGD
update on mini-batch i, in the dtype and shapes of ours; it returns the loss tensor (no sync),
and `step.params` lists the parameters (their .grad: the last step's gradients). Given our
model's initial weights (`weights`), the reference trains the same network as ours, update for
update (tests/test_bench_review.py checks the losses and gradients of one step against ours).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

Step = Callable[[int], Any]  # returns the loss (a torch tensor)


def _param(rng: np.random.Generator, shape: tuple[int, ...], std: float, dtype) -> torch.Tensor:
    import torch

    data = rng.standard_normal(shape) * std if std else np.zeros(shape)
    return torch.tensor(data, dtype=dtype, requires_grad=True)


def _start(rng: np.random.Generator, shape: tuple[int, ...], std: float, dtype,
           given: np.ndarray | None) -> torch.Tensor:
    """A parameter drawn as `_param` draws it, or a copy of `given` (ours, in torch's layout)."""
    import torch

    if given is None:
        return _param(rng, shape, std, dtype)
    if tuple(given.shape) != shape:
        raise ValueError(f"torch_ref: an initial weight of shape {tuple(given.shape)} for a "
                         f"parameter of shape {shape}")
    return torch.tensor(np.array(given, dtype=np.float64), dtype=dtype, requires_grad=True)


def _given(weights: Sequence[np.ndarray] | None, n: int) -> list[np.ndarray | None]:
    if weights is None:
        return [None] * n
    if len(weights) != n:
        raise ValueError(f"torch_ref: {len(weights)} initial weights for {n} layers")
    return list(weights)


def _sgd(params: Sequence[torch.Tensor], lr: float) -> None:
    import torch

    with torch.no_grad():
        for p in params:
            p.add_(p.grad, alpha=-lr)


def mlp_step(
    X: np.ndarray, y: np.ndarray, sizes: Sequence[int], *, batch: int, lr: float, lam: float,
    batch_norm: bool, seed: int = 0, weights: Sequence[np.ndarray] | None = None,
) -> Step:
    """Linear layers sizes[0] -> ... -> sizes[-1], ReLU between, optional batch norm before
    each ReLU (the layer before a batch norm has no bias, as ours: the batch mean removes it);
    cost = mean cross-entropy + lam * sum ||W||^2 (the models' loss()). `weights`: the initial
    W of each layer, (sizes[l], sizes[l + 1]) (ours transposed); default He-drawn."""
    import torch
    import torch.nn.functional as F

    dtype = torch.float32 if X.dtype == np.float32 else torch.float64
    rng = np.random.default_rng(seed)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    given = _given(weights, len(sizes) - 1)
    Ws = [_start(rng, (a, b), np.sqrt(2 / a), dtype, w)
          for a, b, w in zip(sizes[:-1], sizes[1:], given)]
    hidden = sizes[1:-1]
    # with batch norm only the output layer has a bias (ours: KLayer's hidden Linear layers
    # are bias-free there; a bias here was an extra add, gradient and update per layer)
    bs = [None if batch_norm and k < len(hidden) else _param(rng, (b,), 0, dtype)
          for k, b in enumerate(sizes[1:])]
    gammas = [torch.ones(m, dtype=dtype, requires_grad=True) for m in hidden] if batch_norm else []
    betas = [torch.zeros(m, dtype=dtype, requires_grad=True) for m in hidden] if batch_norm else []
    running = [(torch.zeros(m, dtype=dtype), torch.ones(m, dtype=dtype)) for m in hidden]
    params = Ws + [b for b in bs if b is not None] + gammas + betas

    def step(i: int) -> torch.Tensor:
        h = Xt[i * batch:(i + 1) * batch]
        for k, (W, b) in enumerate(zip(Ws, bs)):
            h = torch.mm(h, W) if b is None else torch.addmm(b, h, W)
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
        return loss

    step.params = params  # type: ignore[attr-defined]
    return step


def convnet_step(
    X: np.ndarray, y: np.ndarray, image: Sequence[int], channels: Sequence[int], K: int, *,
    batch: int, lr: float, lam: float, seed: int = 0,
    weights: Sequence[np.ndarray] | None = None,
) -> Step:
    """The ConvNet as a PyTorch user writes it: per channel count conv 3x3 (padding 1) - ReLU -
    max-pool 2, then Linear; cost = mean cross-entropy + lam * sum of squared weights (conv
    filters included, as ours), He init, or `weights`: each conv filter (out, in, 3, 3) and the
    Linear's (features, K) (ours transposed). X holds the images as rows (n, C*H*W)."""
    import torch
    import torch.nn.functional as F

    dtype = torch.float32 if X.dtype == np.float32 else torch.float64
    rng = np.random.default_rng(seed)
    c, h, w = image
    Xt, yt = torch.from_numpy(X).reshape(-1, c, h, w), torch.from_numpy(y)
    given = _given(weights, len(channels) + 1)
    convs = []
    for out, w0 in zip(channels, given):
        convs.append((_start(rng, (out, c, 3, 3), np.sqrt(2 / (c * 9)), dtype, w0),
                      _param(rng, (out,), 0, dtype)))
        c = out
    features = c * (h >> len(channels)) * (w >> len(channels))
    Wl = _start(rng, (features, K), np.sqrt(2 / features), dtype, given[-1])
    bl = _param(rng, (K,), 0, dtype)
    penalised = [W for W, _ in convs] + [Wl]
    params = [p for pair in convs for p in pair] + [Wl, bl]

    def step(i: int) -> torch.Tensor:
        h = Xt[i * batch:(i + 1) * batch]
        for W, b in convs:
            h = F.max_pool2d(torch.relu(F.conv2d(h, W, b, padding=1)), 2)
        loss = F.cross_entropy(torch.addmm(bl, h.reshape(len(h), -1), Wl),
                               yt[i * batch:(i + 1) * batch])
        if lam:
            loss = loss + lam * sum((W * W).sum() for W in penalised)
        for p in params:
            p.grad = None
        loss.backward()
        _sgd(params, lr)
        return loss

    step.params = params  # type: ignore[attr-defined]
    return step


def char_rnn_step(
    seqs: np.ndarray, K: int, m: int, *, lr: float, dtype: np.dtype, fused: bool, seed: int = 0
) -> Step:
    """One update on sequence i of `seqs` (n, T+1) int chars: inputs seq[:-1], targets seq[1:].

    fused=False: the recurrence as a Python loop of autograd ops (like our unfused graph:
    A = U[x] + b once, then h_t = tanh(A[t] + h_{t-1} W), the same ops per step);
    fused=True: torch.nn.RNN, PyTorch's own fused tanh RNN, started from the same U, W, b
    (weight_ih = Uᵀ, weight_hh = Wᵀ, bias_ih = b; its second bias bias_hh held at 0: trained,
    it would get b's gradient too and move b twice as far per update as ours).
    """
    import torch
    import torch.nn.functional as F

    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    rng = np.random.default_rng(seed)
    S = torch.from_numpy(seqs)
    U, W, V = (_param(rng, s, 0.01, tdtype) for s in [(K, m), (m, m), (m, K)])
    b, c = _param(rng, (m,), 0, tdtype), _param(rng, (K,), 0, tdtype)
    rnn = torch.nn.RNN(K, m, nonlinearity="tanh", dtype=tdtype) if fused else None
    if rnn is not None:
        with torch.no_grad():
            for p, v in ((rnn.weight_ih_l0, U.T), (rnn.weight_hh_l0, W.T), (rnn.bias_ih_l0, b),
                         (rnn.bias_hh_l0, torch.zeros_like(b))):
                p.copy_(v)
        rnn.bias_hh_l0.requires_grad_(False)
    params = [V, c] + ([rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0] if rnn is not None
                       else [U, W, b])
    eye = torch.eye(K, dtype=tdtype)
    state = {"h": torch.zeros(m, dtype=tdtype)}

    def step(i: int) -> torch.Tensor:
        x, y = S[i, :-1], S[i, 1:]
        h = state["h"]
        if fused:
            H, hT = rnn(eye[x], h[None])
            hT = hT[0]
        else:
            # every step's input term at once, as ours (A = U[X] + b): a gather and an add
            # per step more (U[x[t]] + h @ W + b) made torch's loop do 2T ops more than ours
            A, hs = U[x] + b, []
            for t in range(len(x)):
                h = torch.tanh(A[t] + h @ W)
                hs.append(h)
            H, hT = torch.stack(hs), h
        loss = F.cross_entropy(torch.addmm(c, H, V), y, reduction="sum")
        for p in params:
            p.grad = None
        loss.backward()
        _sgd(params, lr)
        state["h"] = hT.detach()
        return loss

    step.params = params  # type: ignore[attr-defined]
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

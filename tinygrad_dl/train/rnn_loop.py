"""The char-RNN training loop, as in the course: AdaGrad, clipping, smooth loss, text samples.

The text is cut into consecutive sequences of seq_length characters: X = text[e:e+T],
Y = text[e+1:e+T+1], e += T. The hidden state is carried from one sequence to the next and
reset to zeros when an epoch (one pass through the text) starts. Gradients are clipped to
[-clip, clip]; smooth_loss = 0.999 * smooth_loss + 0.001 * loss, starting at the first loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_dl.jit import jit as capture
from tinygrad_dl.jupyter import progress_bar
from tinygrad_dl.optim import AdaGrad, Optimizer, clip_grad_value_

from .guard import DivergenceGuard, quiet_numpy
from .history import History
from .loop import Snapshot
from .state import TrainingInterrupted


def hidden_size(model: Any) -> int:
    return int(getattr(model, "m", None) or model.W.data.shape[0])


def format_sample(s: dict[str, Any]) -> str:
    """A sample as the course prints it: a header line with the update and smooth loss."""
    loss = "-" if math.isnan(s["smooth_loss"]) else f"{s['smooth_loss']:.4f}"
    return f"--- update {s['step']}, smooth loss {loss} ---\n{s['text']}\n"


def fit_rnn(
    model: Any,
    data: Any,
    *,
    eta: float = 0.1,
    seq_length: int = 25,
    n_updates: int | None = None,
    epochs: int | None = None,
    clip: float | None = 5.0,
    optimizer: Optimizer | None = None,
    seed: int = 0,
    sample_every: int | None = 10_000,
    sample_length: int = 200,
    temperature: float = 1.0,
    log_every: int = 1,
    print_fn: Callable[[str], Any] | None = print,
    restore_best: bool = False,
    progress: bool = True,
    history: History | None = None,
    jit: bool = True,
    resume: dict[str, Any] | None = None,
    on_checkpoint: Snapshot | None = None,
    checkpoint_every: int | None = None,
    stop: Any = None,
) -> History:
    """Train a CharRNN on data (a text.CharData); returns the History.

    Stops after n_updates updates or `epochs` passes through the text, whichever comes first
    (neither given: one epoch). Rows (step, epoch, eta, train_loss, smooth_loss) are logged
    every log_every updates. A sample_length-character sample is drawn before the first update
    and every sample_every updates, passed to print_fn and kept in history.meta["samples"].
    jit: replay the recorded update step (tinygrad_dl.jit: the same numbers; model.loss is
    not re-run, so Python state it keeps is frozen); False: eager.
    The best smooth loss is the lowest over every update (what restore_best restores).
    resume / on_checkpoint / checkpoint_every / stop: as in `fit` (the snapshot holds the text
    position, the hidden state, the smooth loss and the sampling generator).
    """
    if seq_length < 1:
        raise ValueError(f"fit_rnn: seq_length must be >= 1, got {seq_length}")
    if n_updates is not None and n_updates < 1:
        raise ValueError(f"fit_rnn: n_updates must be >= 1, got {n_updates}")
    if epochs is not None and epochs < 1:
        raise ValueError(f"fit_rnn: epochs must be >= 1, got {epochs}")
    if log_every < 1:
        raise ValueError(f"fit_rnn: log_every must be >= 1, got {log_every}")
    ints = data.encode(data.text)
    N = len(ints)
    if N < seq_length + 1:
        where = f" {data.source}" if getattr(data, "source", "") else ""
        raise ValueError(f"fit_rnn: the text{where} has {N} characters, fewer than seq_length "
                         f"+ 1 = {seq_length + 1} (--seq-length)")
    per_epoch = (N - 1) // seq_length  # full sequences per pass through the text
    if n_updates is None:
        n_updates = (epochs or 1) * per_epoch
    elif epochs is not None:
        n_updates = min(n_updates, epochs * per_epoch)
    optimizer = optimizer or AdaGrad(model.parameters(), lr=eta)
    params = model.parameters()
    rng = np.random.default_rng(seed)
    hist = history if history is not None else History()
    samples: list[dict[str, Any]] = []
    m = hidden_size(model)
    dtype = params[0].data.dtype
    h = np.zeros(m, dtype=dtype)
    smooth = math.nan
    best: dict[str, Any] = {"loss": math.inf, "step": 0, "state": None}
    guard = DivergenceGuard("the sequence loss")

    def sample(step: int, h0: np.ndarray, x0: int) -> None:
        ix = model.synthesize(h0, int(x0), sample_length, temperature=temperature, rng=rng)
        text = data.decode(ix)
        samples.append({"step": step, "smooth_loss": smooth, "text": text})
        if print_fn is not None:
            with bar.external_write_mode():  # clear the bar first: never glued to its line
                print_fn(format_sample(samples[-1]))

    def snapshot() -> dict[str, Any]:
        return {"kind": "sequence", "step": step, "epoch": epoch, "e": e, "h": np.array(h),
                "smooth": smooth, "rng": rng.bit_generator.state, "samples": list(samples),
                "guard_first": guard.first, "best_loss": best["loss"],
                "best_step": best["step"], "best_state": best["state"]}

    def train_step(X: np.ndarray, Y: np.ndarray, h0: np.ndarray) -> Any:
        loss = model.loss(X, Y, h0=h0)  # also sets model.h_last
        loss.backward()
        return loss

    # the same NumPy calls as eager, so a run gives the same numbers with or without jit
    train_step = capture(train_step, enabled=jit)
    e, epoch, step = 0, 1, 0
    if resume is not None:
        e, epoch, step = (int(resume[k]) for k in ("e", "epoch", "step"))
        h = np.array(resume["h"], dtype=dtype)
        smooth = math.nan if resume["smooth"] is None else float(resume["smooth"])
        rng.bit_generator.state = resume["rng"]
        samples[:] = resume["samples"]
        for s in samples:
            s["smooth_loss"] = math.nan if s["smooth_loss"] is None else s["smooth_loss"]
        guard.first = resume["guard_first"]
        best.update(loss=math.inf if resume["best_loss"] is None else resume["best_loss"],
                    step=resume["best_step"], state=resume["best_state"])
    with progress_bar(n_updates, progress, "char-rnn", leave=False) as bar, quiet_numpy():
        bar.update(step)
        if sample_every and resume is None:
            sample(0, h, ints[0])
        while step < n_updates:
            if e + seq_length + 1 > N:  # next pass through the text: fresh hidden state
                e, epoch = 0, epoch + 1
                h = np.zeros(m, dtype=dtype)
            X, Y = ints[e:e + seq_length], ints[e + 1:e + seq_length + 1]
            optimizer.zero_grad()
            loss = train_step(X, Y, h)  # the loss and, into .grad, its gradient
            lv = float(loss.item())
            guard.check(lv, epoch=epoch, step=step + 1, eta=optimizer.lr)
            if clip is not None:
                clip_grad_value_(params, clip)
            optimizer.step()
            h = model.h_last
            smooth = lv if step == 0 else 0.999 * smooth + 0.001 * lv
            step += 1
            e += seq_length
            if step % log_every == 0 or step == 1 or step == n_updates:
                hist.log(step=step, epoch=epoch, eta=optimizer.lr, train_loss=lv,
                         smooth_loss=smooth)
            if smooth < best["loss"]:
                # the weights are copied only when they will be restored
                state = ({k: np.array(v, copy=True) for k, v in model.state_dict().items()}
                         if restore_best else None)
                best.update(loss=smooth, step=step, state=state)
            if step % 100 == 0 or step == n_updates:
                bar.update(step - bar.n)
                bar.set_postfix(smooth_loss=f"{smooth:.3f}", epoch=epoch)
            if sample_every and step % sample_every == 0:
                sample(step, h, ints[e])
            stopping = bool(stop)  # polled once per update
            if step < n_updates and (stopping or (
                    checkpoint_every and step % checkpoint_every == 0)):
                if on_checkpoint is not None:
                    on_checkpoint(snapshot())
                if stopping:
                    raise TrainingInterrupted(epoch, step)

    hist.meta.update(samples=samples, n_updates=step, epochs=epoch, updates_per_epoch=per_epoch,
                     seq_length=seq_length, seed=seed, optimizer=repr(optimizer),
                     best_smooth_loss=best["loss"], best_step=best["step"],
                     final_smooth_loss=smooth)
    if restore_best and best["state"] is not None:
        model.load_state_dict(best["state"])
    return hist

"""The one mini-batch training loop for the classifiers (one-layer, two-layer, k-layer).

Per update step t: eta_t = schedule(t) -> cost J on the mini-batch -> non-finite check ->
backward -> optional clipping -> optimizer step. After every epoch (or every `eval_every`
updates) the train and validation cost, loss and accuracy are logged into a History, and the
best-validation state is kept. Shuffling uses np.random.default_rng(seed): same seed, same run.

Batches are formed as the course forms them: each epoch is a fresh permutation cut into
floor(n / n_batch) full batches, the remainder left out (a different one every epoch). With
drop_last=False the last, shorter batch is trained on too (PyTorch DataLoader's default).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_dl import no_grad
from tinygrad_dl.data import batches_per_epoch
from tinygrad_dl.functional import cross_entropy
from tinygrad_dl.jit import jit as capture
from tinygrad_dl.jupyter import progress_bar
from tinygrad_dl.optim import SGD, ConstantLR, Optimizer, clip_grad_norm_, clip_grad_value_

from .guard import DivergenceGuard, NonFiniteLossError, check_finite, quiet_numpy
from .history import History
from .state import TrainingInterrupted

__all__ = ["NonFiniteLossError", "check_finite", "evaluate", "fit"]
Snapshot = Callable[[dict[str, Any]], None]


@no_grad()
def evaluate(model: Any, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """cost (CE + L2, what is minimized), loss (mean CE) and accuracy, in eval mode."""
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        logits = model(X)
        loss = float(cross_entropy(logits, y).item())
        acc = float(np.mean(np.argmax(logits.data, axis=1) == y))
        cost = float(model.loss(X, y).item())
    finally:
        model.train(was_training)
    return {"cost": cost, "loss": loss, "acc": acc}


def fit(
    model: Any,
    data: Any,
    *,
    epochs: int = 40,
    n_batch: int = 100,
    eta: float = 0.001,
    optimizer: Optimizer | None = None,
    schedule: Callable[[int], float] | None = None,
    n_updates: int | None = None,
    clip: float | None = None,
    clip_norm: float | None = None,
    seed: int = 0,
    shuffle: bool = True,
    drop_last: bool = True,
    eval_every: int | None = None,
    restore_best: bool = False,
    progress: bool = True,
    history: History | None = None,
    jit: bool = True,
    resume: dict[str, Any] | None = None,
    on_checkpoint: Snapshot | None = None,
    checkpoint_every: int | None = None,
    stop: Any = None,
) -> History:
    """Train a classifier with mini-batch gradient descent; returns the History.

    data: anything with X_train, y_train and optionally X_val, y_val (a data.Dataset).
    optimizer defaults to plain SGD(eta); schedule (step -> eta) overrides optimizer.lr before
    every step. n_updates, when given, stops after that many steps (e.g. 2 n_s * cycles)
    instead of after `epochs`. drop_last (the course's loop, default): every update sees
    n_batch rows and an epoch is floor(n / n_batch) updates; False: the last ceil(...)th batch
    holds the remainder. clip clips each gradient entry to [-clip, clip]; clip_norm
    rescales the global gradient norm. Rows are logged at step 0 and after each epoch (or every
    eval_every steps). history.meta gets etas (one per update), best_val_acc, best_step.
    With restore_best, the model ends with its best-validation state. jit: replay each
    batch shape's recorded step (tinygrad_dl.jit; same numbers, less Python): model.loss is
    then not re-run, so Python state it keeps (counters, spies) is frozen; False: eager.

    Resumability: `on_checkpoint(snapshot)` receives the loop's position (a dict of arrays and
    JSON-able values, see train/state.py) after every epoch and every checkpoint_every steps;
    `resume=snapshot` (with the model, optimizer and history restored by the caller) continues
    exactly there. `stop` is polled after every update (e.g. a train.state.StopFlag): when
    truthy, the loop hands a snapshot to on_checkpoint and raises TrainingInterrupted.
    """
    X, y = data.X_train, data.y_train
    X_val, y_val = getattr(data, "X_val", None), getattr(data, "y_val", None)
    has_val = X_val is not None and y_val is not None and len(y_val) > 0
    n = len(y)
    if n == 0:
        raise ValueError("fit: the training set is empty")
    if n_batch < 1:
        raise ValueError(f"fit: n_batch must be >= 1, got {n_batch}")
    per_epoch = batches_per_epoch(n, n_batch, drop_last)
    if per_epoch == 0:
        raise ValueError(f"fit: n_batch={n_batch} is larger than the {n} training rows, so "
                         "drop_last=True leaves no full batch; use a smaller n_batch or "
                         "drop_last=False (--keep-last)")
    used = min(n, per_epoch * n_batch)  # rows an epoch trains on: n without drop_last
    if n_updates is None:
        if epochs < 1:
            raise ValueError(f"fit: epochs must be >= 1, got {epochs}")
        n_updates = epochs * per_epoch
    elif n_updates < 1:
        raise ValueError(f"fit: n_updates must be >= 1, got {n_updates}")
    if not np.isfinite(X).all():
        bad = int(X.size - np.count_nonzero(np.isfinite(X)))
        raise ValueError(f"fit: the training inputs hold {bad} NaN/inf value(s); fix the data")
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=eta)
    schedule = schedule or ConstantLR(optimizer.lr)
    rng = np.random.default_rng(seed)
    hist = history if history is not None else History()
    etas: list[float] = []
    best: dict[str, Any] = {"acc": -math.inf, "step": 0, "epoch": 0, "state": None}
    guard = DivergenceGuard("the mini-batch cost")

    def log_row(step: int, epoch: float, eta_now: float) -> None:
        row: dict[str, float] = {"step": step, "epoch": epoch, "eta": eta_now}
        tr = evaluate(model, X, y)
        row.update(train_cost=tr["cost"], train_loss=tr["loss"], train_acc=tr["acc"])
        if has_val:
            va = evaluate(model, X_val, y_val)
            row.update(val_cost=va["cost"], val_loss=va["loss"], val_acc=va["acc"])
            if va["acc"] > best["acc"]:
                state = {k: np.array(v, copy=True) for k, v in model.state_dict().items()}
                best.update(acc=va["acc"], step=step, epoch=epoch, state=state)
        hist.log(**row)
        guard.check(tr["cost"], epoch=int(epoch), step=step, eta=eta_now)
        bar.set_postfix(cost=f"{tr['cost']:.3f}", val_acc=f"{row.get('val_acc', math.nan):.3f}")

    def snapshot(epoch: int, order: np.ndarray | None, start: int, seen: int) -> dict[str, Any]:
        """Where the loop stands: resuming from it replays the rest exactly."""
        return {"kind": "minibatch", "step": step, "epoch": epoch, "start": start, "seen": seen,
                "order": order, "rng": rng.bit_generator.state, "etas": list(etas),
                "guard_first": guard.first, "best_acc": best["acc"], "best_step": best["step"],
                "best_epoch": best["epoch"], "best_state": best["state"],
                "drop_last": drop_last}

    params = model.parameters()

    def train_step(Xb: np.ndarray, yb: np.ndarray) -> Any:
        cost = model.loss(Xb, yb)
        cost.backward()
        return cost

    train_step = capture(train_step, enabled=jit)
    model.train()
    step, epoch, start0, seen = 0, 0, 0, 0
    order: np.ndarray | None = None
    if resume is not None:
        if bool(resume.get("drop_last", False)) != drop_last:  # saved before drop_last: False
            raise ValueError(f"fit: resume: the interrupted run had drop_last="
                             f"{bool(resume.get('drop_last', False))}, this one {drop_last}; "
                             "resume with the same batching")
        step, epoch, start0, seen = (int(resume[k]) for k in ("step", "epoch", "start", "seen"))
        order = resume.get("order")
        rng.bit_generator.state = resume["rng"]
        etas = [float(e) for e in resume["etas"]]
        guard.first = resume["guard_first"]
        best.update(acc=-math.inf if resume["best_acc"] is None else resume["best_acc"],
                    step=resume["best_step"], epoch=resume["best_epoch"],
                    state=resume["best_state"])
    with progress_bar(n_updates, progress, type(model).__name__, leave=False) as bar, \
            quiet_numpy():
        bar.update(step)
        if resume is None:
            log_row(0, 0, schedule(0))
        while step < n_updates:
            if order is None:  # a fresh epoch (a resumed one keeps its saved order)
                epoch += 1
                order = rng.permutation(n) if shuffle else np.arange(n)
                start0, seen = 0, 0
            for start in range(start0, used, n_batch):
                if step >= n_updates:
                    break
                ix = order[start:start + n_batch]
                eta_t = schedule(step)
                optimizer.lr = eta_t
                optimizer.zero_grad()
                cost = train_step(X[ix], y[ix])  # the cost and, into .grad, its gradient
                guard.check(float(cost.item()), epoch=epoch, step=step + 1, eta=eta_t)
                if clip is not None:
                    clip_grad_value_(params, clip)
                if clip_norm is not None:
                    clip_grad_norm_(params, clip_norm)
                optimizer.step()
                etas.append(eta_t)
                step += 1
                seen = start + len(ix)
                bar.update(1)
                if eval_every and step % eval_every == 0 and step < n_updates:
                    log_row(step, epoch - 1 + seen / used, eta_t)
                stopping = bool(stop)  # polled once per update
                if step < n_updates and (stopping or (
                        checkpoint_every and step % checkpoint_every == 0)):
                    if on_checkpoint is not None:
                        # where the next batch starts: at most the end of the epoch's rows
                        on_checkpoint(snapshot(epoch, order, min(start + n_batch, used), seen))
                    if stopping:
                        raise TrainingInterrupted(epoch, step)
            if step == n_updates or not eval_every:
                log_row(step, epoch - 1 + seen / used, etas[-1])  # < used: mid-epoch
            order = None
            if on_checkpoint is not None and step < n_updates:
                on_checkpoint(snapshot(epoch, None, 0, 0))
    model.train()

    hist.meta.update(etas=etas, n_updates=step, epochs=epoch, updates_per_epoch=per_epoch,
                     drop_last=drop_last, seed=seed, optimizer=repr(optimizer),
                     schedule=repr(schedule))
    if has_val:
        hist.meta.update(best_val_acc=best["acc"], best_step=best["step"],
                         best_epoch=best["epoch"])
        if restore_best and best["state"] is not None:
            model.load_state_dict(best["state"])
    return hist

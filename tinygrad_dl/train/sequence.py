"""The char-RNN training loop, as in the course: AdaGrad, clipping, smooth loss, text samples;
and `SequenceTrainer`, how run_training sets it up (text, optimizer, final numbers).

The text is cut into consecutive sequences of seq_length characters: X = text[e:e+T],
Y = text[e+1:e+T+1], e += T. The hidden state is carried from one sequence to the next and
reset to zeros when an epoch (one pass through the text) starts. Gradients are clipped to
[-clip, clip]; smooth_loss = 0.999 * smooth_loss + 0.001 * loss, starting at the first loss.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl.data import load_text
from tinygrad_dl.jit import jit as capture
from tinygrad_dl.models.base import integer
from tinygrad_dl.optim import SGD, AdaGrad, Adam, Optimizer, clip_grad_value_

from .guard import DivergenceGuard
from .history import History, TrainResult, epochs_trained, format_sample
from .loop import Best, LoopRun, Prepared, Snapshot, Trainer
from .outputs import write_outputs


def hidden_size(model: Any) -> int:
    return int(getattr(model, "m", None) or model.W.data.shape[0])


def fit_rnn(
    model: Any,
    data: Any,
    *,
    eta: float | None = None,
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

    optimizer defaults to the course's AdaGrad(eta) (eta 0.1 when not given); eta with an
    optimizer is refused (it would change nothing: set the optimizer's lr).

    Stops after n_updates updates or `epochs` passes through the text, whichever comes first
    (neither given: one epoch). Rows (step, epoch, eta, train_loss, smooth_loss) are logged
    every log_every updates; `epoch` is the epochs trained, step / updates per epoch. A
    sample_length-character sample is drawn before the first update and every sample_every
    updates, passed to print_fn and kept in history.meta["samples"].
    jit: replay the recorded update step (tinygrad_dl.jit: the same numbers; model.loss is
    not re-run, so Python state it keeps is frozen); False: eager.
    The best smooth loss is the lowest over every update (what restore_best restores).
    At the end model.h_last is the hidden state the loop carried after the last update (with
    restore_best, after the best one; None where a resumed state did not keep it): the state
    the weights go on from, where the final sample and `synthesize` start.
    resume / on_checkpoint / checkpoint_every / stop: as in `fit` (the snapshot holds the text
    position, the hidden state, the smooth loss and the sampling generator).
    """
    # counts: n_updates=2.5 trained 3 updates, epochs=1.5 of 7 per pass 11, seq_length=2.5
    # failed at its first slice ("slice indices must be integers"), True read as 1
    seq_length = integer("fit_rnn", "seq_length", seq_length, 1)
    n_updates = None if n_updates is None else integer("fit_rnn", "n_updates", n_updates, 1)
    epochs = None if epochs is None else integer("fit_rnn", "epochs", epochs, 1)
    log_every = integer("fit_rnn", "log_every", log_every, 1)
    sample_every = integer("fit_rnn", "sample_every", sample_every, 1) if sample_every else None
    if sample_every:  # checked before any update: a resumed run's first sample came mid-run,
        # after sample_every updates had changed the weights (a bad temperature, a length of -1)
        sample_length = integer("fit_rnn", "sample_length", sample_length, 0)
        model.synthesize(None, 0, 0, temperature=temperature)  # (samples nothing)
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
    if eta is not None and optimizer is not None:  # (eta was dropped without a word)
        raise ValueError(f"fit_rnn: eta={eta} is the rate of the default AdaGrad; with "
                         "optimizer= given it changes nothing: set the optimizer's lr instead")
    optimizer = optimizer or AdaGrad(model.parameters(), lr=0.1 if eta is None else eta)
    params = model.parameters()
    hist = history if history is not None else History()
    samples: list[dict[str, Any]] = []
    m = hidden_size(model)
    dtype = params[0].data.dtype
    h = np.zeros(m, dtype=dtype)  # the hidden state carried from one sequence to the next
    e = 0  # where the next sequence starts in the text
    smooth = math.nan
    h_best: np.ndarray | None = None  # the carried state at the best update (restore_best)
    run = LoopRun("sequence", model, n_updates=n_updates, seed=seed,
                  # the weights are copied only when they will be restored
                  best=Best(model, "loss", higher=False, keep=restore_best),
                  guard=DivergenceGuard("the sequence loss"),
                  position=lambda: {"e": e, "h": np.array(h), "smooth": smooth,
                                    "samples": list(samples),
                                    # (an array member of the state; states without it: None)
                                    **({} if h_best is None else {"h_best": np.array(h_best)})},
                  on_checkpoint=on_checkpoint, checkpoint_every=checkpoint_every, stop=stop)
    run.epoch = 1

    def sample(step: int, h0: np.ndarray, x0: int) -> None:
        ix = model.synthesize(h0, int(x0), sample_length, temperature=temperature, rng=run.rng)
        text = data.decode(ix)
        samples.append({"step": step, "smooth_loss": smooth, "text": text})
        if print_fn is not None:
            with bar.external_write_mode():  # clear the bar first: never glued to its line
                print_fn(format_sample(samples[-1]))

    def train_step(X: np.ndarray, Y: np.ndarray, h0: np.ndarray) -> Any:
        loss = model.loss(X, Y, h0=h0)  # also sets model.h_last
        loss.backward()
        return loss

    # the same NumPy calls as eager, so a run gives the same numbers with or without jit
    train_step = capture(train_step, enabled=jit)
    if resume is not None:
        run.restore(resume)
        e = int(resume["e"])
        h = np.array(resume["h"], dtype=dtype)
        smooth = math.nan if resume["smooth"] is None else float(resume["smooth"])
        samples[:] = resume["samples"]
        h_best = None if resume.get("h_best") is None else np.array(resume["h_best"], dtype=dtype)
        if h_best is not None and h_best.shape != (m,):  # (it would be saved in model.npz)
            raise ValueError(f"fit_rnn: the resumed state's h_best has shape {h_best.shape}, "
                             f"not ({m},)")
        for s in samples:
            s["smooth_loss"] = math.nan if s["smooth_loss"] is None else s["smooth_loss"]
    with run.running(progress, "char-rnn") as bar:
        if sample_every and resume is None:
            sample(0, h, ints[0])
        while not run.done:
            if e + seq_length + 1 > N:  # next pass through the text: fresh hidden state
                e, run.epoch = 0, run.epoch + 1
                h = np.zeros(m, dtype=dtype)
            X, Y = ints[e:e + seq_length], ints[e + 1:e + seq_length + 1]
            optimizer.zero_grad()
            loss = train_step(X, Y, h)  # the loss and, into .grad, its gradient
            lv = float(loss.item())
            run.guard.check(lv, epoch=run.epoch, step=run.step + 1, eta=optimizer.lr)
            if clip is not None:
                clip_grad_value_(params, clip)
            optimizer.step()
            h = model.h_last
            smooth = lv if run.step == 0 else 0.999 * smooth + 0.001 * lv
            run.step += 1
            step = run.step
            e += seq_length
            if step % log_every == 0 or step == 1 or step == n_updates:
                # epochs trained so far, as meta["epochs"] and result.json count them (and the
                # classifiers' column): it was the pass the update is in, 1 for the first 0.016
                hist.log(step=step, epoch=step / per_epoch, eta=optimizer.lr, train_loss=lv,
                         smooth_loss=smooth)
            run.best.offer(smooth, step)
            if restore_best and run.best.step == step:  # (the state beside the kept weights)
                h_best = np.array(h)
            if step % 100 == 0 or step == n_updates:
                bar.update(step - bar.n)
                bar.set_postfix(smooth_loss=f"{smooth:.3f}", epoch=run.epoch)
            if sample_every and step % sample_every == 0:
                sample(step, h, ints[e])
            run.poll()

    # epochs trained, not the epoch the run is in (300 updates of 18,605 per pass: 0.0161,
    # not 1); every epoch is per_epoch updates of seq_length characters, so this is also the
    # characters consumed over the characters of one pass
    hist.meta.update(samples=samples, n_updates=run.step,
                     epochs=epochs_trained(run.step / per_epoch),
                     updates_per_epoch=per_epoch, seq_length=seq_length, seed=seed,
                     optimizer=repr(optimizer), best_smooth_loss=run.best.value,
                     best_step=run.best.step, final_smooth_loss=smooth)
    run.finish(restore_best)
    # the state the weights were trained to go on from, kept with the model (model.npz's
    # extras, synthesize's default h0): from h0 = 0 a short run's weights sampled garbage
    # (loss 223 per 25 characters at 3000 updates, 64 from the carried state)
    restored = restore_best and run.best.state is not None
    end = h_best if restored else h
    model.__dict__["h_last"] = None if end is None else np.array(end)  # (as _keep_last sets it)
    return hist


# ---- how run_training sets the loop up for the char-RNN (Loop.SEQUENCE) -----------------------
class SequenceTrainer(Trainer):
    """The char-RNN on a text: AdaGrad (or SGD, Adam), a sample every sample_every updates."""

    fit = staticmethod(fit_rnn)

    def refuse(self, model: str, given: dict[str, Any], name: Callable[..., str]) -> None:
        if "drop_last" in given:
            raise ValueError(f"{name('drop_last')} is for the classifiers' mini-batches; {model} "
                             "always trains on whole seq_length sequences (the text's last "
                             "characters that do not fill one are left out, as in the course)")

    def resolve(self, model: str, p: dict[str, Any], given: dict[str, Any],
                name: Callable[..., str]) -> dict[str, Any]:
        if "epochs" in given and "n_updates" in given:  # (ran whichever ended first, and
            # result.json recorded both as if both applied)
            raise ValueError(f"give either {name('epochs')} or {name('n_updates')}, not both "
                             f"({name('n_updates')} would set the length)")
        if "epochs" in given:
            p["n_updates"] = None  # --epochs alone: train for exactly that many epochs
        return p

    def prepare(self, cls: Any, p: dict[str, Any], *, data: Any, text: Any,
                rng: np.random.Generator, dtype: np.dtype, checkpoint_every: int | None,
                print_fn: Any, epochs_given: bool, notes: list[str]) -> Prepared:
        chars = text if text is not None and not isinstance(text, (str, os.PathLike)) else (
            load_text(text))  # an already loaded CharData, or a path, or the embedded corpus
        net = cls.from_params(p, d=chars.K, K=chars.K, rng=rng, dtype=dtype)
        kinds = {"adagrad": AdaGrad, "adam": Adam, "sgd": SGD}
        if p["optimizer"] not in kinds:
            raise ValueError(f"optimizer must be one of {', '.join(kinds)}, got "
                             f"{p['optimizer']!r}")
        opt = kinds[p["optimizer"]](net.parameters(), lr=p["eta"])
        p["log_every"] = p["log_every"] or max(1, (p["n_updates"] or 0) // 20_000)
        loop_kw = dict(  # (no eta: the optimizer above has it)
            seq_length=p["seq_length"], n_updates=p["n_updates"],
            epochs=p["epochs"], clip=p["clip"], sample_every=p["sample_every"],
            sample_length=p["sample_length"], temperature=p["temperature"],
            log_every=p["log_every"], print_fn=print_fn)
        sizes = {"characters": len(chars.text), "vocabulary": chars.K}
        return Prepared(net, chars, opt, loop_kw, checkpoint_every or 5000, sizes,
                        chars.source or "text")

    def result(self, run: Prepared, p: dict[str, Any], hist: History, seed: int) -> TrainResult:
        net, chars = run.net, run.data
        rng = np.random.default_rng([seed, 1])
        x0 = chars.char_to_ix[chars.text[0]]
        # from the hidden state training ended with (fit_rnn keeps it as net.h_last), as the
        # samples during training and the course's synthesis from hprev; zeros without one
        h0 = net.h_last if net.h_last is not None else np.zeros_like(net.b.data)
        sample = chars.text[0] + chars.decode(
            net.synthesize(h0, x0, p["sample_length"], temperature=p["temperature"], rng=rng))
        final = {
            "smooth_loss": hist.meta["final_smooth_loss"],
            "best_smooth_loss": hist.meta["best_smooth_loss"],
            "train_loss": hist.last("train_loss"),
            "n_updates": hist.meta["n_updates"],
            "epochs": hist.meta["epochs"],
            "sample": sample,
        }
        if p["restore_best"] and hist.meta.get("best_step") is not None:
            # the model (and model.npz, and the sample above) holds the lowest-smooth-loss
            # weights: the numbers that describe it are of that update, not of the last one
            final["weights"] = f"lowest smooth loss (update {hist.meta['best_step']})"
            final["last_smooth_loss"] = final["smooth_loss"]
            final["smooth_loss"] = final["best_smooth_loss"]
            final["train_loss"] = None  # (the last update's loss: not of these weights)
        return TrainResult(net, hist, None, None, final, 0.0)

    def unused(self, p: dict[str, Any], given: dict[str, Any], *, embedded: bool) -> set[str]:
        return {"n_updates"} if "epochs" in given and "n_updates" not in given else set()

    def write(self, result: TrainResult, folder: Path, *, seed: int, data: Any) -> None:
        write_outputs(result, folder, seed=seed, chars=data)

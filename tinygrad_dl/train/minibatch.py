"""The one mini-batch training loop for the classifiers (one-layer, two-layer, k-layer, convnet),
and `MinibatchTrainer`, how run_training sets it up (data, schedule, optimizer, final numbers).

Per update step t: eta_t = schedule(t) -> cost J on the mini-batch -> non-finite check ->
backward -> optional clipping -> optimizer step. After every epoch (or every `eval_every`
updates) the train and validation cost, loss and accuracy are logged into a History, and the
best-validation state is kept. Shuffling uses np.random.default_rng(seed): same seed, same run.

Batches are full, as the course forms them: each epoch is cut into floor(n / n_batch) full
batches, the remainder left out. Unlike the course's basic loop, which takes the images in their
fixed order every epoch, the order is a fresh permutation each epoch (the course's suggested
improvement; shuffle=False keeps the fixed order), so a different remainder is left out every
epoch. With drop_last=False the last, shorter batch is trained on too (PyTorch DataLoader's
default).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl import no_grad
from tinygrad_dl.data import Augment, batches_per_epoch, load_cifar10, resolve_data_dir
from tinygrad_dl.data.augment import update_generator
from tinygrad_dl.data.cifar import D
from tinygrad_dl.functional import cross_entropy
from tinygrad_dl.jit import jit as capture
from tinygrad_dl.models import CourseModel
from tinygrad_dl.models.base import integer
from tinygrad_dl.nn import BatchNorm1d
from tinygrad_dl.optim import (
    SGD,
    Adam,
    ConstantLR,
    CyclicLR,
    Optimizer,
    clip_grad_norm_,
    clip_grad_value_,
)
from tinygrad_dl.optim.optimizer import check_lr

from .guard import DivergenceGuard, NonFiniteLossError, check_finite
from .history import History, TrainResult, epochs_trained
from .loop import Best, LoopRun, Prepared, Snapshot, Trainer
from .outputs import write_outputs

__all__ = ["MinibatchTrainer", "NonFiniteLossError", "check_finite", "evaluate", "fit"]


@no_grad()
def evaluate(model: Any, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """cost (CE + L2, what is minimized), loss (mean CE) and accuracy, in eval mode (every
    module left in the mode it was in)."""
    with model.evaluating():
        logits = model(X)
        loss = float(cross_entropy(logits, y).item())
        labels = model.labels(y, len(logits.data), "evaluate") if hasattr(model, "labels") \
            else np.asarray(y)
        acc = float(np.mean(np.argmax(logits.data, axis=1) == labels))
        cost = float(model.loss(X, y).item())
    return {"cost": cost, "loss": loss, "acc": acc}


def fit(
    model: Any,
    data: Any,
    *,
    epochs: int = 40,
    n_batch: int = 100,
    eta: float | None = None,
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
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
) -> History:
    """Train a classifier with mini-batch gradient descent; returns the History.

    data: anything with X_train, y_train and optionally X_val, y_val (a data.Dataset).
    optimizer defaults to plain SGD(eta) (eta 0.001 when not given; eta with an optimizer or a
    schedule is refused: it would change nothing). Without a schedule the optimizer's own
    per-group rates are used as they are (fit writes none). schedule (step -> eta) sets group
    0's rate before every step, and every other group's keeps its ratio to group 0's, as the
    optimizer had them when first trained (kept in each group as "initial_lr"): a group at
    lr 0 stays frozen. n_updates, when given, stops after that many steps (e.g. 2 n_s * cycles)
    instead of after `epochs`. drop_last (the course's loop, default): every update sees
    n_batch rows and an epoch is floor(n / n_batch) updates; False: the last ceil(...)th batch
    holds the remainder. clip clips each gradient entry to [-clip, clip]; clip_norm
    rescales the global gradient norm. Rows are logged at step 0 and after each epoch (or every
    eval_every steps). The counts (epochs, n_batch, n_updates, eval_every, checkpoint_every)
    are integers, NumPy's too: 2.5 or True is refused. history.meta gets etas (one per
    update), best_val_acc, best_step.
    With restore_best, the model ends with its best-validation state. jit: replay each
    batch shape's recorded step (tinygrad_dl.jit; same numbers, less Python): model.loss is
    then not re-run, so Python state it keeps (counters, spies) is frozen; False: eager.
    Modes: a model in eval mode is put in training mode; a module the user put in eval() on
    its own (a frozen batch norm) stays in eval.

    Resumability: `on_checkpoint(snapshot)` receives the loop's position (a dict of arrays and
    JSON-able values, see train/state.py) after every epoch and every checkpoint_every steps;
    `resume=snapshot` (with the model, optimizer and history restored by the caller) continues
    exactly there. `stop` is polled after every update (e.g. a train.state.StopFlag): when
    truthy, the loop hands a snapshot to on_checkpoint and raises TrainingInterrupted.

    augment (e.g. data.Augment(flip=0.5, translate=3)) makes each update's batch from its rows:
    `augment(X_batch, rng)`, rng = data.augment.update_generator(seed, update step) (none of
    the shuffling generator's draws), so a resumed run draws what the uninterrupted one would
    have (the snapshot holds the seed: a resume with another one, or augment switched on or
    off, is refused). Evaluation reads the data as they are.
    """
    # counts: epochs=2.5 trained 2 epochs and n_updates=2.5 3 updates, n_batch=2.5 failed deep
    # in the slicing, eval_every=2.5 evaluated every 5 updates, True read as 1: refused
    n_batch = integer("fit", "n_batch", n_batch)
    if epochs is not None or n_updates is None:
        epochs = integer("fit", "epochs", epochs)
    n_updates = None if n_updates is None else integer("fit", "n_updates", n_updates)
    eval_every = integer("fit", "eval_every", eval_every) if eval_every is not None else None
    X, y = data.X_train, data.y_train
    X_val, y_val = getattr(data, "X_val", None), getattr(data, "y_val", None)
    has_val = X_val is not None and y_val is not None and len(y_val) > 0
    n = len(y)
    if n == 0:
        raise ValueError("fit: the training set is empty")
    if n_batch < 1:
        raise ValueError(f"fit: n_batch must be >= 1, got {n_batch}")
    if eval_every is not None and eval_every < 0:  # (0, as None: once per epoch)
        raise ValueError(f"fit: eval_every must be >= 1 (None: once per epoch), got {eval_every}")
    if restore_best and not has_val:  # (the last weights were kept, and run_training's result
        # said "weights: best validation (update None)"; the CLI's summary died on a KeyError)
        raise ValueError("fit: restore_best keeps the best-validation weights, but the data have "
                         "no validation set (X_val, y_val); give one, or leave restore_best out")
    per_epoch = batches_per_epoch(n, n_batch, drop_last)
    if per_epoch == 0:
        raise ValueError(f"fit: n_batch={n_batch} is larger than the {n} training rows, so "
                         "drop_last=True leaves no full batch; use a smaller n_batch or "
                         "drop_last=False (--keep-last)")
    used = min(n, per_epoch * n_batch)  # rows an epoch trains on: n without drop_last
    _check_batch_norm_rows(model, n, n_batch, drop_last)
    if n_updates is None:
        if epochs < 1:
            raise ValueError(f"fit: epochs must be >= 1, got {epochs}")
        n_updates = epochs * per_epoch
    elif n_updates < 1:
        raise ValueError(f"fit: n_updates must be >= 1, got {n_updates}")
    for what, A in (("training", X), ("validation", np.asarray(X_val) if has_val else None)):
        # (a NaN validation row made every val_cost NaN and val_acc, which restore_best picks
        # the weights by, an argmax over NaN logits, without a word; np.asarray: a Tensor of
        # validation inputs, which evaluate takes, was a TypeError in np.isfinite)
        bad = 0 if A is None else _nonfinite(A)  # (in blocks: no bool copy of X_train)
        if bad:
            raise ValueError(f"fit: the {what} inputs hold {bad} NaN/inf value(s); fix the data")
    if eta is not None and (optimizer is not None or schedule is not None):
        # as the CLI refuses a flag that changes nothing (a search would tune noise)
        raise ValueError(f"fit: eta={eta} is the rate of the default SGD; with "
                         f"{'optimizer=' if optimizer is not None else 'schedule='} given it "
                         "changes nothing: set the optimizer's lr (or pass schedule=) instead")
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=0.001 if eta is None else eta)
    scales = _group_scales(optimizer) if schedule is not None else None
    hist = history if history is not None else History()
    etas: list[float] = []
    order: np.ndarray | None = None  # the epoch's data order; None: the next epoch draws one
    start0, seen = 0, 0  # where the epoch's next batch starts; rows of it trained on so far
    run = LoopRun("minibatch", model, n_updates=n_updates, seed=seed,
                  best=Best(model, "acc", higher=True, epochs=True),
                  guard=DivergenceGuard("the mini-batch cost"),
                  position=lambda: {"start": start0, "seen": seen, "order": order,
                                    "etas": list(etas), "drop_last": drop_last,
                                    "augment_seed": None if augment is None else int(seed)},
                  on_checkpoint=on_checkpoint, checkpoint_every=checkpoint_every, stop=stop)

    def log_row(epoch: float, eta_now: float) -> None:
        row: dict[str, float] = {"step": run.step, "epoch": epoch, "eta": eta_now}
        tr = evaluate(model, X, y)
        row.update(train_cost=tr["cost"], train_loss=tr["loss"], train_acc=tr["acc"])
        if has_val:
            va = evaluate(model, X_val, y_val)
            row.update(val_cost=va["cost"], val_loss=va["loss"], val_acc=va["acc"])
            run.best.offer(va["acc"], run.step, epoch)
        hist.log(**row)
        # (the epoch the last update was in, as the per-update check names it: int(epoch), the
        # epochs trained, named update 14 of 10 per epoch "epoch 1")
        run.guard.check(tr["cost"], epoch=run.epoch, step=run.step, eta=eta_now)
        bar.set_postfix(cost=f"{tr['cost']:.3f}", val_acc=f"{row.get('val_acc', math.nan):.3f}")

    params = model.parameters()

    def train_step(Xb: np.ndarray, yb: np.ndarray) -> Any:
        cost = model.loss(Xb, yb)
        cost.backward()
        return cost

    train_step = capture(train_step, enabled=jit)
    if not model.training:  # a model left in eval mode trains; a module the user put in eval()
        model.train()  # on its own (a frozen batch norm) stays so: train() unfroze it, its
        # running statistics then moving without a word (evaluation restores each mode)
    if resume is not None:
        if bool(resume.get("drop_last", False)) != drop_last:  # saved before drop_last: False
            raise ValueError(f"fit: resume: the interrupted run had drop_last="
                             f"{bool(resume.get('drop_last', False))}, this one {drop_last}; "
                             "resume with the same batching")
        _check_resumed_augment(resume, augment, seed)
        run.restore(resume)
        start0, seen = int(resume["start"]), int(resume["seen"])
        order = resume.get("order")
        etas = [float(e) for e in resume["etas"]]
    # (a state saved at an epoch's end has no order: that epoch is complete)
    epochs_done = float(run.epoch) if order is None else run.epoch - 1 + seen / used
    with run.running(progress, type(model).__name__) as bar:
        if resume is None:
            log_row(0, schedule(0) if schedule is not None else optimizer.lr)
        while not run.done:
            if order is None:  # a fresh epoch (a resumed one keeps its saved order)
                run.epoch += 1
                order = run.rng.permutation(n) if shuffle else np.arange(n)
                start0, seen = 0, 0
            for start in range(start0, used, n_batch):
                if run.done:
                    break
                ix = order[start:start + n_batch]
                if schedule is None:  # the optimizer's own rates: each group keeps its lr
                    eta_t = optimizer.lr
                else:
                    eta_t = schedule(run.step)
                    _set_rates(optimizer, eta_t, scales)
                optimizer.zero_grad()
                Xb = X[ix] if augment is None else augment(
                    X[ix], update_generator(seed, run.step))  # (per update: resumable)
                cost = train_step(Xb, y[ix])  # the cost and, into .grad, its gradient
                run.guard.check(float(cost.item()), epoch=run.epoch, step=run.step + 1,
                                eta=eta_t)
                if clip is not None:
                    clip_grad_value_(params, clip)
                if clip_norm is not None:
                    clip_grad_norm_(params, clip_norm)
                optimizer.step()
                etas.append(eta_t)
                run.step += 1
                seen = start + len(ix)
                start0 = min(start + n_batch, used)  # where a resumed run's next batch starts
                bar.update(1)
                if eval_every and run.step % eval_every == 0 and not run.done:
                    log_row(run.epoch - 1 + seen / used, eta_t)
                run.poll()
            # epochs trained, as the history's epoch column counts them (rows seen / rows per
            # epoch): 14 updates of 10 per epoch are 1.4, where run.epoch says 2
            epochs_done = run.epoch - 1 + seen / used
            if run.done or not eval_every:
                log_row(epochs_done, etas[-1])  # < used: mid-epoch
            order, start0, seen = None, 0, 0
            run.checkpoint()  # after every epoch

    hist.meta.update(etas=etas, n_updates=run.step, epochs=epochs_trained(epochs_done),
                     updates_per_epoch=per_epoch,
                     drop_last=drop_last, seed=seed, optimizer=repr(optimizer),
                     augment=None if augment is None else repr(augment),
                     schedule=repr(schedule if schedule is not None else
                                   ConstantLR(optimizer.lr)))
    if has_val:
        hist.meta.update(best_val_acc=run.best.value, best_step=run.best.step,
                         best_epoch=run.best.epoch)
    run.finish(restore_best)
    return hist


def _check_resumed_augment(resume: dict[str, Any], augment: Any, seed: Any) -> None:
    """A resume draws the flips and shifts the interrupted run would have (seed=other drew
    others without a word: update_generator(seed, step) is no saved generator); states saved
    before "augment_seed" are not checked."""
    was = resume.get("augment_seed", seed if augment is not None else None)
    if (was is None) != (augment is None) or (was is not None and (
            isinstance(seed, (bool, np.bool_)) or seed != int(was))):
        raise ValueError(f"fit: resume: the interrupted run augmented its batches "
                         f"{'not at all' if was is None else f'from seed={int(was)}'}, this one "
                         f"{'not at all' if augment is None else f'from seed={seed!r}'}; "
                         "resume with the same augment and seed (or start afresh)")


def _check_batch_norm_rows(model: Any, n: int, n_batch: int, drop_last: bool) -> None:
    """Batch norm refuses a 1-row batch in training mode; refused here, before the first update,
    not by the op at the epoch's last, short batch (an epoch of training lost, unsaved)."""
    trains = not getattr(model, "training", True)  # (fit's train() then trains them all)
    if not any(isinstance(m, BatchNorm1d) and (m.training or trains)
               for m in getattr(model, "modules", list)()):  # (a frozen one takes 1 row)
        return
    if n_batch == 1:
        why = "n_batch=1 gives batches of 1 row"
    elif not drop_last and n % n_batch == 1:
        why = (f"drop_last=False (--keep-last) leaves the {n} training rows a last batch of 1 "
               f"row every epoch ({n} = {n // n_batch} x {n_batch} + 1)")
    else:
        return
    raise ValueError(f"fit: {type(model).__name__} has batch norm, which needs at least 2 rows "
                     f"per batch in training mode, but {why}; choose another n_batch "
                     "(--n-batch)" + ("" if n_batch == 1 else " or drop_last=True (--drop-last)"))


def _group_scales(optimizer: Optimizer) -> list[float] | None:
    """Each group's rate as a multiple of group 0's, for a schedule that gives group 0's
    rate; None when all groups share one rate (then every group gets the schedule's value, as
    before: bit for bit). The ratios come from each group's first rate, kept in the group as
    "initial_lr" (PyTorch's schedulers keep it there too), so a run resumed from the
    optimizer's state_dict keeps them exactly, even where the schedule reached 0."""
    groups = optimizer.param_groups
    base = [float(g.get("initial_lr", g["lr"])) for g in groups]
    if all(b == base[0] for b in base):
        return None
    if base[0] == 0:
        raise ValueError(f"fit: schedule= sets parameter group 0's rate and scales the others by "
                         f"their ratio to it, but group 0 has lr 0 (groups: {base}); put a "
                         "group with a nonzero rate first, or freeze with requires_grad=False")
    for g, b in zip(groups, base):
        g.setdefault("initial_lr", b)
    return [b / base[0] for b in base]


def _set_rates(optimizer: Optimizer, eta: float, scales: list[float] | None) -> None:
    """Group 0 at eta, every other group at eta times its ratio to group 0."""
    if scales is None:
        optimizer.lr = eta
        return
    check_lr(eta, "fit: schedule")
    for g, r in zip(optimizer.param_groups, scales):
        g["lr"] = eta * r


# ---- how run_training sets the loop up for the classifiers (Loop.MINIBATCH) --------------------
FEW_EPOCHS = 20  # runs shorter than this log their learning curves per update, not per epoch
_CYCLIC_KEYS = ("cycles", "eta_min", "eta_max", "n_s")
# One entry: runs in one process (a loop over seeds) reuse the loaded dataset. Loading the
# 4,670-image subset with split=all took 0.6 s on the project's machine (2026-12-03), the full
# 50,000 about ten times that; the key's stat calls cost milliseconds.
_DATA_CACHE: dict[tuple[Any, ...], Any] = {}
_DATA_FILES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta")


class MinibatchTrainer(Trainer):
    """The classifiers on CIFAR-10: a constant or cyclical learning rate, SGD or Adam."""

    fit = staticmethod(fit)

    def resolve(self, model: str, p: dict[str, Any], given: dict[str, Any],
                name: Callable[..., str]) -> dict[str, Any]:
        # an explicit eta means a constant schedule, explicit cyclic keys a cyclic one
        if "schedule" not in given:
            if "eta" in given and any(k in given for k in _CYCLIC_KEYS):
                raise ValueError(
                    f"give either {name('eta')} (constant learning rate) or "
                    f"{name(*_CYCLIC_KEYS)} (cyclical learning rate), not both"
                )
            if "eta" in given:
                p["schedule"] = "constant"
            elif any(k in given for k in _CYCLIC_KEYS):
                p["schedule"] = "cyclic"
        if p["schedule"] == "cyclic" and p["eta_min"] > p["eta_max"]:  # (CyclicLR's refusal
            # named its keywords, after "training ...")
            lo, hi = (f"{name(k)} {p[k]:g}" + ("" if k in given else " (its default)")
                      for k in ("eta_min", "eta_max"))
            raise ValueError(f"{lo} is above {hi}: the cyclical learning rate rises from the "
                             "lowest eta to the highest; give a lower one")
        if p["schedule"] == "cyclic" and "epochs" in given and "cycles" in given:
            raise ValueError(f"give either {name('epochs')} or {name('cycles')} for a cyclical "
                             "schedule, not both")
        # a flag that would change nothing is refused, not dropped (a search would tune noise)
        if "std" in given and p.get("init") != "gaussian":
            raise ValueError(f"{name('std')} is the spread of the Gaussian init: with "
                             f"{name('init')} {p.get('init')} it has no effect; give "
                             f"{name('init')} gaussian, or leave it out")
        if "momentum" in given and p["optimizer"] != "sgd":
            raise ValueError(f"{name('momentum')} is SGD's: {name('optimizer')} "
                             f"{p['optimizer']} takes none; leave it out")
        if "epochs" in given and "n_updates" in given:
            raise ValueError(f"give either {name('epochs')} or {name('n_updates')}, not both "
                             f"({name('n_updates')} would set the length)")
        if "cycles" in given and "n_updates" in given:  # (--cycles was dropped: n_updates won)
            raise ValueError(f"give either {name('cycles')} or {name('n_updates')}, not both "
                             f"({name('n_updates')} would set the length)")
        p["drop_last"] = bool(p["drop_last"])  # (checked against the table: bool or np.bool_)
        if p["optimizer"] not in ("sgd", "adam"):
            raise ValueError(f"{name('optimizer')} must be 'sgd' or 'adam' for {model}, "
                             f"got {p['optimizer']!r}")
        if "hidden" in p:
            p["hidden"] = [int(h) for h in p["hidden"]]
        return p

    def prepare(self, cls: Any, p: dict[str, Any], *, data: Any, text: Any,
                rng: np.random.Generator, dtype: np.dtype, checkpoint_every: int | None,
                print_fn: Any, epochs_given: bool, notes: list[str]) -> Prepared:
        ds = _load_data(data, p, dtype)
        # (fit checks the training and validation inputs; a NaN test row gave a test accuracy
        # over NaN logits, no word; an X_test never evaluated, without labels, is not checked)
        bad = _nonfinite(ds.X_test) if _len(ds.y_test) else 0
        if bad:
            raise ValueError(f"the test inputs (X_test of {ds.source or 'the data'}) hold {bad} "
                             "NaN/inf value(s); fix the data")
        augment = Augment(flip=p["flip"], translate=p["translate"])
        if augment.active and ds.d != D:
            raise ValueError(f"--flip / --translate augment CIFAR-10 images ({D} features: 3 x "
                             f"32 x 32), but the data have {ds.d}; leave them out")
        net = cls.from_params(p, d=ds.d, K=ds.K, rng=rng, dtype=dtype)
        schedule, n_updates = _schedule(cls, p, len(ds.y_train), epochs_given, notes)
        if p["eval_every"] is None:
            p["eval_every"] = _default_eval_every(n_updates, p, len(ds.y_train))
        lr = p["eta"] if p["schedule"] == "constant" else p["eta_min"]
        opt = (Adam(net.parameters(), lr=lr) if p["optimizer"] == "adam" else
               SGD(net.parameters(), lr=lr, momentum=p["momentum"]))
        loop_kw = dict(epochs=p["epochs"], n_batch=p["n_batch"], drop_last=p["drop_last"],
                       schedule=schedule, n_updates=n_updates, clip=p["clip"],
                       clip_norm=p["clip_norm"], eval_every=p["eval_every"],
                       augment=augment if augment.active else None)
        sizes = {"train": len(ds.y_train), "val": _len(ds.y_val), "test": _len(ds.y_test)}
        return Prepared(net, ds, opt, loop_kw, checkpoint_every, sizes, ds.source)

    def result(self, run: Prepared, p: dict[str, Any], hist: History, seed: int) -> TrainResult:
        """The final numbers, all of the weights the run ends with (with restore_best: the best
        validation weights, so train, validation and test describe the same, saved, model)."""
        net, ds = run.net, run.data
        keys = ("train_cost", "train_loss", "train_acc", "val_cost", "val_loss", "val_acc")
        final = {k: hist.last(k) for k in keys if k in hist}
        if p["restore_best"]:
            for split, X, y in (("train", ds.X_train, ds.y_train), ("val", ds.X_val, ds.y_val)):
                if y is not None and len(y):
                    final.update({f"{split}_{k}": v for k, v in evaluate(net, X, y).items()})
            final["weights"] = f"best validation (update {hist.meta.get('best_step')})"
        test_acc = None
        if ds.y_test is not None and len(ds.y_test):
            te = evaluate(net, ds.X_test, ds.y_test)
            final.update(test_cost=te["cost"], test_loss=te["loss"], test_acc=te["acc"])
            test_acc = te["acc"]
        best = hist.meta.get("best_val_acc")
        # epochs trained, not started (fit counts them): 15 updates of 10 per epoch are 1.5
        final.update(n_updates=hist.meta["n_updates"], epochs=hist.meta["epochs"])
        return TrainResult(net, hist, test_acc, best, final, 0.0)

    def unused(self, p: dict[str, Any], given: dict[str, Any], *, embedded: bool) -> set[str]:
        drop = set()
        if p["schedule"] == "constant":
            drop |= {"cycles", "eta_min", "eta_max", "n_s"}
        else:
            drop.add("eta")
            # the length came from the cycles unless epochs or n_updates were given
            drop.add("cycles" if ("epochs" in given or "n_updates" in given) else "epochs")
        if "n_updates" in given:
            drop.add("epochs")
        if embedded:
            drop |= {"split", "val_size"}
        elif p.get("split") == "batch1":
            drop.add("val_size")
        if p.get("init") != "gaussian":
            drop.add("std")
        if p.get("optimizer") != "sgd":
            drop.add("momentum")
        return drop

    def embedded(self, data: Any) -> bool:
        if data is not None and not isinstance(data, (str, os.PathLike)):
            return False  # a Dataset object: whatever it holds, split/val_size already applied
        return resolve_data_dir(data) is None

    def write(self, result: TrainResult, folder: Path, *, seed: int, data: Any) -> None:
        write_outputs(result, folder, seed=seed, data=data)


def _len(y: Any) -> int:
    return 0 if y is None else len(y)


def _nonfinite(X: Any, block: int = 1 << 18) -> int:
    """How many NaN/inf values `X` holds, counted `block` values at a time (a test set as large
    as the training set made a full-size bool temporary). Integers hold none; an object array
    is read as floats, as evaluate reads it (one that is not numbers: 0, evaluate says why)."""
    A = np.asarray(X)
    if A.dtype.kind not in "fcO" or A.size == 0:
        return 0
    A = A.reshape(1) if A.ndim == 0 else A  # (slices of the first axis: no reshape, no copy)
    rows = max(1, block // (A.size // len(A)))
    bad = 0
    for i in range(0, len(A), rows):
        part = A[i:i + rows]
        if part.dtype.kind == "O":
            try:
                part = part.astype(np.float64)
            except (TypeError, ValueError):
                return 0
        bad += part.size - int(np.count_nonzero(np.isfinite(part)))
    return bad


def _load_data(data: Any, p: dict[str, Any], dtype: np.dtype) -> Any:
    if data is not None and not isinstance(data, (str, os.PathLike)):
        return data  # an already loaded Dataset
    key = (_data_state(resolve_data_dir(data)), p["split"], p["val_size"], dtype.name)
    if key not in _DATA_CACHE:
        _DATA_CACHE.clear()
        _DATA_CACHE[key] = load_cifar10(data, split=p["split"], val_size=p["val_size"],
                                        dtype=dtype)
    return _DATA_CACHE[key]


def _data_state(root: Path | None) -> tuple[Any, ...] | None:
    """What the cached dataset must match: the folder as an absolute, resolved path (a relative
    --data names another folder after a chdir) and each data file's identity, size and times
    (files regenerated in place, or renamed over, are loaded again). None: the embedded sample."""
    if root is None:
        return None
    root = root.resolve()
    state: list[Any] = [str(root)]
    for name in _DATA_FILES:
        try:
            st = os.stat(root / name)
        except OSError:  # absent: the loader says so (or does not need it for this split)
            state.append(None)
            continue
        state.append((st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(state)


def _default_eval_every(n_updates: int | None, p: dict[str, Any], n: int) -> int | None:
    """Learning curves per update (as the course plots them) when a run has few epochs: about
    50 points; per epoch otherwise."""
    per_epoch = max(1, batches_per_epoch(n, p["n_batch"], p["drop_last"]))
    total = n_updates if n_updates is not None else p["epochs"] * per_epoch
    if total // per_epoch >= FEW_EPOCHS:
        return None
    return max(1, total // 50)
def _schedule(cls: type[CourseModel], p: dict[str, Any], n: int, epochs_given: bool,
              notes: list[str]) -> tuple[Any, int | None]:
    """(schedule, n_updates): a cyclical run lasts 2 n_s * cycles updates unless epochs given.

    --epochs on a cyclical schedule is honoured as asked (an explicit length wins), but a run
    that does not end on a whole cycle stops with eta away from eta_min, usually a worse model:
    that gets a note saying where it stops and how to ask for whole cycles instead."""
    if p["drop_last"] and n < p["n_batch"]:
        raise ValueError(f"--n-batch {p['n_batch']} is larger than the {n} training images, so "
                         "--drop-last (the default) leaves no full batch; use a smaller "
                         "--n-batch, or --keep-last")
    if p["schedule"] == "constant":
        return ConstantLR(p["eta"]), p["n_updates"]
    per_epoch = batches_per_epoch(n, p["n_batch"], p["drop_last"])  # the batches fit runs
    n_s = p["n_s"] or cls.n_s_epochs * _n_s_batches(n, p, notes)
    p["n_s"] = n_s  # record the value used
    n_updates = p["n_updates"]
    if n_updates is None and not epochs_given:
        n_updates = 2 * n_s * p["cycles"]
    schedule = CyclicLR(p["eta_min"], p["eta_max"], n_s)
    total = n_updates if n_updates is not None else p["epochs"] * per_epoch
    if total % (2 * n_s):
        cycles = total / (2 * n_s)
        # the length came from --n-updates or --epochs (with --cycles either is refused);
        # the rate is the last update's, schedule(total - 1), as the history's eta column
        # ends: schedule(total) is that of an update that never runs
        length = "--n-updates" if n_updates is not None else "--epochs"
        last = schedule(total - 1)  # (one update past whole cycles runs at eta_min itself)
        notes.append(
            f"{total} updates are {cycles:.3g} cycles of the cyclical schedule (one cycle = "
            f"2 n_s = {2 * n_s} updates): training stops mid-cycle, its last update at "
            f"eta={last:.3g}{'' if last == p['eta_min'] else ', not at eta_min'}; for whole "
            f"cycles give --cycles {max(1, round(cycles))} instead of {length}")
    return schedule, n_updates


def _n_s_batches(n: int, p: dict[str, Any], notes: list[str]) -> int:
    """The batches per epoch a default n_s counts: those the loop runs (drop_last). Under
    --keep-last, earlier releases' count, floor(n / n_batch), is kept so that their runs are
    reproduced bit for bit, though the loop then runs one (short) batch more: that gets a note."""
    if p["drop_last"]:
        return batches_per_epoch(n, p["n_batch"], True)
    full = max(1, n // p["n_batch"])
    if n % p["n_batch"]:
        notes.append(
            f"--keep-last: every epoch runs {batches_per_epoch(n, p['n_batch'], False)} "
            f"batches (the last of {n % p['n_batch']} images) but n_s counts the {full} full "
            "ones, as releases before --drop-last did; an epoch is not a whole share of a "
            "cycle (--drop-last, the default, makes it one)")
    return full


"""`run_training` (used by the CLI and the hyperparameter search): one run of a registered model
with its course defaults, on the loop its class names (`Loop.MINIBATCH` -> `fit`,
`Loop.SEQUENCE` -> `fit_rnn`). With `out`, a run writes history.json, model.npz (checkpoint),
result.json and its plots there, as one unit (train/outdir.py), with a resumable training state
(train/state.py) saved every epoch / every checkpoint_every updates and on interrupt.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl.data import batches_per_epoch, load_cifar10, load_text, resolve_data_dir
from tinygrad_dl.models import MODELS, CourseModel, Loop, model_class
from tinygrad_dl.optim import SGD, AdaGrad, Adam, ConstantLR, CyclicLR, Optimizer

from .guard import NonFiniteLossError
from .history import History
from .loop import evaluate, fit
from .outdir import commit_out, lock_out, prepare_out
from .outputs import write_outputs
from .rnn_loop import fit_rnn
from .settings import ran_settings
from .state import (
    STATE_FILE,
    TrainingInterrupted,
    load_train_state,
    restore_generators,
    save_train_state,
)

__all__ = ["DEFAULTS", "N_S_EPOCHS", "TrainResult", "resolve_params", "run_training",
           "write_outputs"]

# ---- the course's settings, per model: carried by the model classes themselves ----------------
DEFAULTS: dict[str, dict[str, Any]] = {name: dict(cls.defaults) for name, cls in MODELS.items()}
# n_s = factor * floor(n / n_batch) when not given: one cyclical half-cycle is `factor` epochs
N_S_EPOCHS = {name: cls.n_s_epochs for name, cls in MODELS.items() if hasattr(cls, "n_s_epochs")}
FEW_EPOCHS = 20  # runs shorter than this log their learning curves per update, not per epoch
_CYCLIC_KEYS = ("cycles", "eta_min", "eta_max", "n_s")
_DTYPES = ("float64", "float32")


@dataclass
class TrainResult:
    """What run_training returns. `model` is the trained Module; `name` its registry name."""

    model: Any
    history: History
    test_acc: float | None
    best_val_acc: float | None
    final: dict[str, Any]
    seconds: float
    name: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    out: Path | None = None
    notes: list[str] = field(default_factory=list)  # what the user should know (printed)
    resumed_from: int | None = None  # the update step a resumed run continued from


def resolve_params(model: str, params: dict[str, Any] | None,
                   names: dict[str, str] | None = None) -> dict[str, Any]:
    """The course defaults for `model` updated with `params`; unknown keys -> ValueError.
    `names` maps keys to what the user typed (the CLI: "lam" -> "--lambda"), so an error names
    the flag, not the internal key."""
    names = names or {}

    def n(*keys: str) -> str:
        return "/".join(names.get(k, k) for k in keys)

    cls = model_class(model)
    given = dict(params or {})
    valid = cls.defaults
    if cls.loop is Loop.SEQUENCE and "drop_last" in given:
        raise ValueError(f"{n('drop_last')} is for the classifiers' mini-batches; {model} "
                         "always trains on whole seq_length sequences (the text's last "
                         "characters that do not fill one are left out, as in the course)")
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {n(*unknown).replace('/', ', ')} for {model}; "
            f"valid keys: {', '.join(sorted(valid))}"
        )
    p = {**valid, **given}
    if p["dtype"] not in _DTYPES:
        p["dtype"] = np.dtype(p["dtype"]).name
        if p["dtype"] not in _DTYPES:
            raise ValueError(f"{n('dtype')} must be one of {', '.join(_DTYPES)}, "
                             f"got {given['dtype']!r}")
    if cls.loop is Loop.SEQUENCE:
        if "epochs" in given and "n_updates" not in given:
            p["n_updates"] = None  # --epochs alone: train for exactly that many epochs
        return p
    # classifiers: an explicit eta means a constant schedule, explicit cyclic keys a cyclic one
    if "schedule" not in given:
        if "eta" in given and any(k in given for k in _CYCLIC_KEYS):
            raise ValueError(
                f"give either {n('eta')} (constant learning rate) or {n(*_CYCLIC_KEYS)} "
                "(cyclical learning rate), not both"
            )
        if "eta" in given:
            p["schedule"] = "constant"
        elif any(k in given for k in _CYCLIC_KEYS):
            p["schedule"] = "cyclic"
    if p["schedule"] not in ("constant", "cyclic"):
        raise ValueError(f"schedule must be 'constant' or 'cyclic', got {p['schedule']!r}")
    if p["schedule"] == "cyclic" and "epochs" in given and "cycles" in given:
        raise ValueError(f"give either {n('epochs')} or {n('cycles')} for a cyclical schedule, "
                         "not both")
    if not isinstance(p["drop_last"], (bool, np.bool_)):
        raise ValueError(f"{n('drop_last')} must be True or False, got {p['drop_last']!r}")
    p["drop_last"] = bool(p["drop_last"])
    if p["optimizer"] not in ("sgd", "adam"):
        raise ValueError(f"{n('optimizer')} must be 'sgd' or 'adam' for {model}, "
                         f"got {p['optimizer']!r}")
    if "hidden" in p:
        p["hidden"] = [int(h) for h in p["hidden"]]
    return p


def run_training(
    model: str,
    params: dict[str, Any] | None = None,
    *,
    data: Any = None,
    text: Any = None,
    seed: int = 0,
    out: str | os.PathLike[str] | None = None,
    progress: bool = True,
    print_fn: Any = print,
    jit: bool = True,
    resume: str | os.PathLike[str] | None = None,
    checkpoint_every: int | None = None,
    stop: Any = None,
) -> TrainResult:
    """Train one of the four models with the course's settings updated by `params`.

    data: a data.Dataset, a CIFAR-10 directory, or None (the loader's default: $TINYGRAD_DL_DATA,
    the cache dir, else the embedded sample). text: a text.CharData, a text file path, or None
    (the embedded corpus). The model is initialized from default_rng([seed, 0]) and the data
    are shuffled with default_rng(seed): the same seed gives the same run.
    out: a directory to write history.json, model.npz, result.json and the plots into. It is
    checked before the data are loaded and written as one unit; while the run trains, a
    resumable state is saved beside it every epoch (classifiers) and every `checkpoint_every`
    updates (default 5000 for the char-RNN).
    resume: the `out` of an interrupted run: it continues with that run's settings, seed and
    data (pass the same data/text objects again if they were objects), and ends with exactly
    the weights and history of an uninterrupted run.
    stop: polled after every update (e.g. a train.state.StopFlag, set by SIGINT/SIGTERM); when
    truthy the state is saved and TrainingInterrupted is raised.
    print_fn receives the char-RNN's text samples and the notes (None: silent).
    jit=False trains eagerly instead of replaying the recorded step (tinygrad_dl.jit; the
    numbers are the same).
    """
    where = resume if resume is not None else out
    kw = dict(data=data, text=text, seed=seed, out=out, progress=progress, print_fn=print_fn,
              jit=jit, resume=resume, checkpoint_every=checkpoint_every, stop=stop)
    if where is None:
        return _run(model, params, **kw)
    if resume is None:
        resolve_params(model, params)  # bad settings are refused before --out is touched
    with lock_out(where):  # one run at a time on one --out
        return _run(model, params, **kw)


def _run(model: str, params: dict[str, Any] | None, *, data: Any, text: Any, seed: int,
         out: str | os.PathLike[str] | None, progress: bool, print_fn: Any, jit: bool,
         resume: str | os.PathLike[str] | None, checkpoint_every: int | None,
         stop: Any) -> TrainResult:
    notes: list[str] = []
    state = None
    if resume is not None:
        out = resume
        stage = prepare_out(out, resume=True)
        state = load_train_state(stage / STATE_FILE)
        model, params, seed, data, text = _resumed_args(state["run"], model, params, seed,
                                                        data, text)
        params = _legacy_batching(state["loop"], params)
    p = resolve_params(model, params)  # bad settings are refused before --out is touched
    if out is not None and resume is None:
        stage = prepare_out(out, resume=False, notes=notes)
    cls = model_class(model)
    epochs_given = "epochs" in (params or {})
    dtype = np.dtype(p["dtype"])
    init_rng = np.random.default_rng([seed, 0])
    hist = History(meta={"model": model, "seed": seed})
    out_dir = Path(out) if out is not None else None
    run_info = {"model": model, "params": dict(params or {}), "seed": seed,
                "data": _path_or_none(data), "text": _path_or_none(text)}
    t0 = time.perf_counter()
    for n in notes:
        _note(print_fn, n)
    printed = len(notes)
    try:
        if cls.loop is Loop.SEQUENCE:
            chars = _load_text(text)
            net = cls.from_params(p, d=chars.K, K=chars.K, rng=init_rng, dtype=dtype)
            hist.meta["data"] = chars.source or "text"
            opt = _rnn_optimizer(p, net)
            total = p["n_updates"]
            log_every = p["log_every"] = p["log_every"] or max(1, (total or 0) // 20_000)
            every = checkpoint_every or 5000
            loop_fn, loop_kw = fit_rnn, dict(
                eta=p["eta"], seq_length=p["seq_length"], n_updates=p["n_updates"],
                epochs=p["epochs"], clip=p["clip"], sample_every=p["sample_every"],
                sample_length=p["sample_length"], temperature=p["temperature"],
                log_every=log_every, print_fn=print_fn)
            sizes = {"characters": len(chars.text), "vocabulary": chars.K}
        else:
            ds = _load_data(data, p, dtype)
            net = cls.from_params(p, d=ds.d, K=ds.K, rng=init_rng, dtype=dtype)
            hist.meta["data"] = ds.source
            schedule, n_updates = _schedule(cls, p, len(ds.y_train), epochs_given, notes)
            if p["eval_every"] is None:
                p["eval_every"] = _default_eval_every(n_updates, p, len(ds.y_train))
            opt = _optimizer(p, net)
            every = checkpoint_every
            loop_fn, loop_kw = fit, dict(
                epochs=p["epochs"], n_batch=p["n_batch"], drop_last=p["drop_last"],
                schedule=schedule,
                n_updates=n_updates, clip=p["clip"], clip_norm=p["clip_norm"],
                eval_every=p["eval_every"])
            sizes = {"train": len(ds.y_train), "val": _len(ds.y_val), "test": _len(ds.y_test)}
        if state is not None:
            _check_same_data(state["run"], sizes, resume)
            hist = _restore(state, net, opt, sizes, stage / STATE_FILE)
            t0 -= state["run"].get("seconds", 0.0)
        run_info["sizes"] = hist.meta["sizes"] = sizes

        def save_state(loop: dict[str, Any]) -> None:
            run_info["seconds"] = time.perf_counter() - t0
            save_train_state(stage / STATE_FILE, run=run_info, model=net, optimizer=opt,
                             history=hist, loop=loop)

        for n in notes[printed:]:
            _note(print_fn, n)
        loop_fn(net, chars if cls.loop is Loop.SEQUENCE else ds, optimizer=opt, seed=seed,
                restore_best=p["restore_best"], progress=progress, history=hist,
                resume=None if state is None else state["loop"],
                on_checkpoint=save_state if out_dir is not None else None,
                checkpoint_every=every, stop=stop, jit=jit, **loop_kw)
        if cls.loop is Loop.SEQUENCE:
            result = _rnn_result(net, chars, p, hist, seed)
        else:
            result = _classifier_result(net, ds, hist, p["restore_best"])
    except NonFiniteLossError:
        if out_dir is not None:  # keep what was logged up to the blow-up, for the post-mortem
            hist.save(stage / "history.json")
            commit_out(stage, out_dir)
        raise
    except TrainingInterrupted as e:
        e.out = out_dir  # type: ignore[attr-defined]
        raise
    except BaseException:
        if out_dir is not None and not (stage / STATE_FILE).exists():
            shutil.rmtree(stage, ignore_errors=True)  # failed before anything worth resuming
        raise
    result.seconds = time.perf_counter() - t0
    result.name = model
    result.params = ran_settings(cls, p, params or {}, result.final,
                                 embedded=_embedded(cls, data))
    result.notes = notes
    result.resumed_from = None if state is None else int(state["loop"]["step"])
    if out_dir is not None:
        if cls.loop is Loop.SEQUENCE:
            write_outputs(result, stage, seed=seed, chars=chars)
        else:
            write_outputs(result, stage, seed=seed, data=ds)
        result.out = commit_out(stage, out_dir)
    return result


def _note(print_fn: Any, text: str) -> None:
    if print_fn is not None:
        print(f"note: {text}", file=sys.stderr, flush=True)


def _len(y: Any) -> int:
    return 0 if y is None else len(y)


def _path_or_none(source: Any) -> str | None:
    """A data/text path as an absolute path (a resume may start in another folder)."""
    if isinstance(source, (str, os.PathLike)):
        return os.path.abspath(os.path.expanduser(source))
    return None


def _resumed_args(run: dict[str, Any], model: str, params: dict[str, Any] | None, seed: int,
                  data: Any, text: Any) -> tuple[str, dict[str, Any], int, Any, Any]:
    """The interrupted run's model, params, seed and data; a contradicting argument is refused."""
    if model != run["model"]:
        raise ValueError(f"--resume: the interrupted run trains {run['model']}, not {model}")
    if params and dict(params) != run["params"]:
        raise ValueError("--resume continues a run with its own settings "
                         f"({run['params'] or 'the defaults'}); leave out the other flags")
    data = data if data is not None else run["data"]
    text = text if text is not None else run["text"]
    return model, dict(run["params"]), int(run["seed"]), data, text


def _legacy_batching(loop: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """A mini-batch state saved before drop_last existed came from a loop that kept the last,
    short batch: it resumes that way, not with today's default."""
    if loop.get("kind") == "minibatch" and "drop_last" not in loop:
        return {**params, "drop_last": False}
    return params


def _restore(state: dict[str, Any], net: Any, opt: Optimizer, sizes: dict[str, int],
             path: Path) -> History:
    """Load a checked training state into the freshly built model and optimizer; whatever does
    not fit them (shapes, counts, a data order or hidden state of the wrong size) is one
    ValueError naming the file."""
    try:
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["optim"])
        restore_generators(net, state["generators"])
        loop, n = state["loop"], sizes.get("train")
        order = loop.get("order")
        if order is not None and (order.dtype.kind not in "iu" or order.shape != (n,) or (
                n and (order.min() < 0 or order.max() >= n))):
            raise ValueError(f"its data order is not a permutation of the {n} training images")
        if "h" in loop and loop["h"].shape != net.b.data.shape:
            raise ValueError(f"its hidden state has shape {loop['h'].shape}")
        for k in ("start", "seen"):
            if n is not None and loop.get(k, 0) > n:
                raise ValueError(f"its position {k}={loop[k]} is past the {n} training images")
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        raise ValueError(f"{path}: does not fit the {state['run']['model']} it was saved with "
                         f"({e})"[:600]) from None
    return state["history"]


def _check_same_data(run: dict[str, Any], sizes: dict[str, int], where: Any) -> None:
    if run.get("sizes") and run["sizes"] != sizes:
        raise ValueError(f"--resume {where}: the data differ from the interrupted run's "
                         f"({sizes} now, {run['sizes']} then)")


def _embedded(cls: type[CourseModel], data: Any) -> bool:
    """Whether a classifier reads the embedded sample (whose splits are fixed)."""
    if cls.loop is Loop.SEQUENCE:
        return False
    if data is not None and not isinstance(data, (str, os.PathLike)):
        return False  # a Dataset object: whatever it holds, split/val_size already applied
    return resolve_data_dir(data) is None


def _default_eval_every(n_updates: int | None, p: dict[str, Any], n: int) -> int | None:
    """Learning curves per update (as the course plots them) when a run has few epochs: about
    50 points; per epoch otherwise."""
    per_epoch = max(1, batches_per_epoch(n, p["n_batch"], p["drop_last"]))
    total = n_updates if n_updates is not None else p["epochs"] * per_epoch
    if total // per_epoch >= FEW_EPOCHS:
        return None
    return max(1, total // 50)


# ---- building blocks -----------------------------------------------------------------------------
_DATA_CACHE: dict[tuple[Any, ...], Any] = {}  # one entry: searches reuse the loaded dataset


def _load_data(data: Any, p: dict[str, Any], dtype: np.dtype) -> Any:
    if data is not None and not isinstance(data, (str, os.PathLike)):
        return data  # an already loaded Dataset
    key = (str(resolve_data_dir(data)), p["split"], p["val_size"], dtype.name)
    if key not in _DATA_CACHE:
        _DATA_CACHE.clear()
        _DATA_CACHE[key] = load_cifar10(data, split=p["split"], val_size=p["val_size"],
                                        dtype=dtype)
    return _DATA_CACHE[key]


def _load_text(text: Any) -> Any:
    if text is None or isinstance(text, (str, os.PathLike)):
        return load_text(text)
    return text  # an already loaded CharData


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
        notes.append(
            f"{total} updates are {cycles:.3g} cycles of the cyclical schedule (one cycle = "
            f"2 n_s = {2 * n_s} updates): training stops mid-cycle at eta={schedule(total):.3g}, "
            f"not at eta_min; for whole cycles use --cycles {max(1, round(cycles))} instead")
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


def _optimizer(p: dict[str, Any], net: Any) -> Optimizer:
    lr = p["eta"] if p["schedule"] == "constant" else p["eta_min"]
    if p["optimizer"] == "adam":
        return Adam(net.parameters(), lr=lr)
    return SGD(net.parameters(), lr=lr, momentum=p["momentum"])


def _rnn_optimizer(p: dict[str, Any], net: Any) -> Optimizer:
    kinds = {"adagrad": AdaGrad, "adam": Adam, "sgd": SGD}
    if p["optimizer"] not in kinds:
        raise ValueError(f"optimizer must be one of {', '.join(kinds)}, got {p['optimizer']!r}")
    return kinds[p["optimizer"]](net.parameters(), lr=p["eta"])


def _classifier_result(net: Any, ds: Any, hist: History, restore_best: bool) -> TrainResult:
    """The final numbers, all of the weights the run ends with (with restore_best: the best
    validation weights, so train, validation and test describe the same, saved, model)."""
    keys = ("train_cost", "train_loss", "train_acc", "val_cost", "val_loss", "val_acc")
    final = {k: hist.last(k) for k in keys if k in hist}
    if restore_best:
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
    final.update(n_updates=hist.meta["n_updates"], epochs=hist.meta["epochs"])
    return TrainResult(net, hist, test_acc, best, final, 0.0)


def _rnn_result(net: Any, chars: Any, p: dict[str, Any], hist: History, seed: int) -> TrainResult:
    rng = np.random.default_rng([seed, 1])
    x0 = chars.char_to_ix[chars.text[0]]
    h0 = np.zeros_like(net.b.data)
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
    return TrainResult(net, hist, None, None, final, 0.0)

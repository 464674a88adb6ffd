"""`run_training` (used by the CLI and the hyperparameter search): one run of a registered model
with its course defaults, on the loop its class names (`Loop.MINIBATCH` -> `fit`,
`Loop.SEQUENCE` -> `fit_rnn`). With `out`, a run writes history.json, model.npz (checkpoint),
result.json and its plots there.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl import checkpoint, viz
from tinygrad_dl.data import load_cifar10, load_text, resolve_data_dir
from tinygrad_dl.files import atomic_write, jsonable
from tinygrad_dl.models import MODELS, CourseModel, Loop, model_class
from tinygrad_dl.optim import SGD, AdaGrad, Adam, ConstantLR, CyclicLR, Optimizer

from .history import History
from .loop import NonFiniteLossError, evaluate, fit
from .rnn_loop import fit_rnn, format_sample

__all__ = ["DEFAULTS", "N_S_EPOCHS", "TrainResult", "resolve_params", "run_training",
           "write_outputs"]

# ---- the course's settings, per model: carried by the model classes themselves ----------------
DEFAULTS: dict[str, dict[str, Any]] = {name: dict(cls.defaults) for name, cls in MODELS.items()}
# n_s = factor * floor(n / n_batch) when not given: one cyclical half-cycle is `factor` epochs
N_S_EPOCHS = {name: cls.n_s_epochs for name, cls in MODELS.items() if hasattr(cls, "n_s_epochs")}
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


def resolve_params(model: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """The course defaults for `model` updated with `params`; unknown keys -> ValueError."""
    cls = model_class(model)
    given = dict(params or {})
    valid = cls.defaults
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(unknown)} for {model}; "
            f"valid keys: {', '.join(sorted(valid))}"
        )
    p = {**valid, **given}
    if p["dtype"] not in _DTYPES:
        p["dtype"] = np.dtype(p["dtype"]).name
        if p["dtype"] not in _DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(_DTYPES)}, got {given['dtype']!r}")
    if cls.loop is Loop.SEQUENCE:
        if "epochs" in given and "n_updates" not in given:
            p["n_updates"] = None  # --epochs alone: train for exactly that many epochs
        return p
    # classifiers: an explicit eta means a constant schedule, explicit cyclic keys a cyclic one
    if "schedule" not in given:
        if "eta" in given and any(k in given for k in _CYCLIC_KEYS):
            raise ValueError(
                f"give either eta (constant learning rate) or {'/'.join(_CYCLIC_KEYS)} "
                "(cyclical learning rate), not both"
            )
        if "eta" in given:
            p["schedule"] = "constant"
        elif any(k in given for k in _CYCLIC_KEYS):
            p["schedule"] = "cyclic"
    if p["schedule"] not in ("constant", "cyclic"):
        raise ValueError(f"schedule must be 'constant' or 'cyclic', got {p['schedule']!r}")
    if p["schedule"] == "cyclic" and "epochs" in given and "cycles" in given:
        raise ValueError("give either epochs or cycles for a cyclical schedule, not both")
    if p["optimizer"] not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam' for {model}, got {p['optimizer']!r}")
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
) -> TrainResult:
    """Train one of the four models with the course's settings updated by `params`.

    data: a data.Dataset, a CIFAR-10 directory, or None (the loader's default: $TINYGRAD_DL_DATA,
    the cache dir, else the embedded sample). text: a text.CharData, a text file path, or None
    (the embedded corpus). The model is initialized from default_rng([seed, 0]) and the data
    are shuffled with default_rng(seed): the same seed gives the same run.
    out: a directory to write history.json, model.npz, result.json and the plots into.
    print_fn receives the char-RNN's text samples (None: silent). jit=False trains eagerly
    instead of replaying the recorded step (tinygrad_dl.jit; the numbers are the same).
    """
    p = resolve_params(model, params)
    cls = model_class(model)
    epochs_given = "epochs" in (params or {})
    dtype = np.dtype(p["dtype"])
    init_rng = np.random.default_rng([seed, 0])
    hist = History(meta={"model": model, "seed": seed})
    out_dir = Path(out) if out is not None else None
    t0 = time.perf_counter()
    try:
        if cls.loop is Loop.SEQUENCE:
            chars = _load_text(text)
            net = cls.from_params(p, d=chars.K, K=chars.K, rng=init_rng, dtype=dtype)
            hist.meta["data"] = chars.source or "text"
            total = p["n_updates"]
            log_every = p["log_every"] or max(1, (total or 0) // 20_000)
            fit_rnn(net, chars, eta=p["eta"], seq_length=p["seq_length"],
                    n_updates=p["n_updates"], epochs=p["epochs"], clip=p["clip"],
                    optimizer=_rnn_optimizer(p, net), seed=seed,
                    sample_every=p["sample_every"], sample_length=p["sample_length"],
                    temperature=p["temperature"], log_every=log_every, print_fn=print_fn,
                    restore_best=p["restore_best"], progress=progress, history=hist, jit=jit)
            result = _rnn_result(net, chars, p, hist, seed)
        else:
            ds = _load_data(data, p, dtype)
            net = cls.from_params(p, d=ds.d, K=ds.K, rng=init_rng, dtype=dtype)
            hist.meta["data"] = ds.source
            schedule, n_updates = _schedule(cls, p, len(ds.y_train), epochs_given)
            fit(net, ds, epochs=p["epochs"], n_batch=p["n_batch"], optimizer=_optimizer(p, net),
                schedule=schedule, n_updates=n_updates, clip=p["clip"], clip_norm=p["clip_norm"],
                seed=seed, eval_every=p["eval_every"], restore_best=p["restore_best"],
                progress=progress, history=hist, jit=jit)
            result = _classifier_result(net, ds, hist)
    except NonFiniteLossError:
        if out_dir is not None:  # keep what was logged up to the blow-up, for the post-mortem
            hist.save(out_dir / "history.json")
        raise
    result.seconds = time.perf_counter() - t0
    result.name = model
    result.params = p
    if out_dir is not None:
        if cls.loop is Loop.SEQUENCE:
            write_outputs(result, out_dir, seed=seed, chars=chars)
        else:
            write_outputs(result, out_dir, seed=seed, data=ds)
    return result


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


def _schedule(cls: type[CourseModel], p: dict[str, Any], n: int,
              epochs_given: bool) -> tuple[Any, int | None]:
    """(schedule, n_updates): a cyclical run lasts 2 n_s * cycles updates unless epochs given."""
    if p["schedule"] == "constant":
        return ConstantLR(p["eta"]), p["n_updates"]
    n_s = p["n_s"] or cls.n_s_epochs * max(1, n // p["n_batch"])
    p["n_s"] = n_s  # record the value used
    n_updates = p["n_updates"]
    if n_updates is None and not epochs_given:
        n_updates = 2 * n_s * p["cycles"]
    return CyclicLR(p["eta_min"], p["eta_max"], n_s), n_updates


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


def _classifier_result(net: Any, ds: Any, hist: History) -> TrainResult:
    final = {k: hist.last(k) for k in ("train_cost", "train_loss", "train_acc", "val_cost",
                                       "val_loss", "val_acc") if k in hist}
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


# ---- outputs -------------------------------------------------------------------------------------
def write_outputs(result: TrainResult, out: Path, *, seed: int, data: Any = None,
                  chars: Any = None) -> list[Path]:
    """history.json, model.npz, result.json, then the plots (a failing plot only warns)."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "history.json", out / "model.npz", out / "result.json"]
    result.history.save(written[0])
    extra: dict[str, Any] = {"params": result.params, "seed": seed, "final": result.final}
    norm = None
    if chars is not None:
        extra.update(chars=list(chars.chars), start_char=chars.text[0])
    else:
        extra.update(label_names=list(data.label_names))
        if data.mean is not None and data.std is not None:  # to classify new images later
            norm = (data.mean, data.std)
    checkpoint.save_model(result.model, written[1], normalization=norm, **extra)
    summary = {
        "model": result.name, "params": result.params, "seed": seed,
        "data": result.history.meta.get("data"), "test_acc": result.test_acc,
        "best_val_acc": result.best_val_acc, "final": result.final,
        "seconds": round(result.seconds, 2),
    }
    atomic_write(written[2], json.dumps(jsonable(summary), indent=1, default=str) + "\n")

    plots: list[tuple[str, Any]] = []
    h = result.history
    if chars is not None:
        plots.append(("smooth_loss.png", lambda f: viz.plot_smooth_loss(h, save=f)))
        lines = [format_sample(s) for s in h.meta.get("samples", [])]
        lines.append(f"--- final model, {len(result.final['sample']) - 1} characters ---\n"
                     f"{result.final['sample']}\n")
        atomic_write(out / "samples.txt", "\n".join(lines))
        written.append(out / "samples.txt")
    else:
        y_pred = result.model.predict(data.X_test)
        names = list(data.label_names)
        plots.append(("learning_curves.png", lambda f: viz.plot_learning_curves(h, save=f)))
        plots.append(("confusion_matrix.png",
                      lambda f: viz.plot_confusion_matrix(data.y_test, y_pred, names, save=f)))
        if result.params.get("schedule") == "cyclic":
            plots.append(("lr_schedule.png",
                          lambda f: viz.plot_lr_schedule(h.meta["etas"], save=f)))
        if getattr(result.model, "weights_are_templates", False):
            W = result.model.state_dict()[_first_weight(result.model)]
            plots.append(("weights.png",
                          lambda f: viz.plot_weight_templates(W, names, save=f)))
    for fname, draw in plots:
        try:
            draw(out / fname)
            written.append(out / fname)
        except Exception as e:  # noqa: BLE001  (the run itself is saved; a plot is a bonus)
            print(f"warning: could not draw {fname}: {type(e).__name__}: {e}", file=sys.stderr)
    return written


def _first_weight(model: Any) -> str:
    return next(n for n, p in model.named_parameters() if p.data.ndim == 2)

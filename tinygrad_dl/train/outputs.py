"""What a finished run writes into its folder: history.json, model.npz (the checkpoint),
result.json (exactly the settings that ran, the final numbers) and the plots, titled with the
model and its main hyperparameters."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tinygrad_dl import checkpoint, viz
from tinygrad_dl.files import atomic_write, jsonable

from .sequence import format_sample

__all__ = ["plot_title", "write_outputs"]

# the hyperparameters a plot title names, in this order, when they applied to the run
_TITLE_KEYS = (("hidden", "hidden"), ("m", "m"), ("batch_norm", "BN"), ("dropout", "dropout"),
               ("lam", "λ"), ("eta", "η"), ("n_batch", "batch"), ("seq_length", "seq"))


def plot_title(result: Any) -> str:
    """e.g. "two-layer: m=50, λ=0.01, η 1e-05..0.1 cyclic (n_s=20, 3 cycles), batch=100"."""
    p = result.params
    parts = []
    for key, label in _TITLE_KEYS:
        if key in p and p[key] is not None and not (key == "dropout" and not p[key]):
            v = p[key]
            v = ",".join(map(str, v)) if isinstance(v, list) else f"{v:g}" if isinstance(
                v, float) else v
            parts.append(f"{label}={v}")
        if key == "eta" and p.get("schedule") == "cyclic":
            parts.append(f"η {p['eta_min']:g}..{p['eta_max']:g} cyclic (n_s={p['n_s']}, "
                         f"{_plural(p.get('cycles'), 'cycle')})" if "cycles" in p else
                         f"η {p['eta_min']:g}..{p['eta_max']:g} cyclic (n_s={p['n_s']})")
    return f"{result.name}: {', '.join(parts)}"


def _plural(n: Any, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def write_outputs(result: Any, out: Path, *, seed: int, data: Any = None,
                  chars: Any = None) -> list[Path]:
    """history.json, model.npz, result.json, then the plots (a failing plot only warns).
    `result` is a train.run.TrainResult."""
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
        "notes": result.notes, "seconds": round(result.seconds, 2),
    }
    atomic_write(written[2], json.dumps(jsonable(summary), indent=1, default=str) + "\n")

    plots: list[tuple[str, Any]] = []
    h = result.history
    title = plot_title(result)
    if chars is not None:
        f = result.final
        loss_title = (f"{title}\nsmooth loss: last {f['smooth_loss']:.4f}, best "
                      f"{f['best_smooth_loss']:.4f}")
        plots.append(("smooth_loss.png",
                      lambda f: viz.plot_smooth_loss(h, save=f, title=loss_title)))
        lines = [format_sample(s) for s in h.meta.get("samples", [])]
        lines.append(f"--- final model, {len(result.final['sample']) - 1} characters ---\n"
                     f"{result.final['sample']}\n")
        atomic_write(out / "samples.txt", "\n".join(lines))
        written.append(out / "samples.txt")
    else:
        y_pred = result.model.predict(data.X_test)
        names = list(data.label_names)
        plots.append(("learning_curves.png",
                      lambda f: viz.plot_learning_curves(h, save=f, title=title)))
        plots.append(("confusion_matrix.png",
                      lambda f: viz.plot_confusion_matrix(data.y_test, y_pred, names, save=f)))
        if result.params.get("schedule") == "cyclic":
            plots.append(("lr_schedule.png", lambda f: viz.plot_lr_schedule(
                h.meta["etas"], save=f, title=f"learning rate, {title}")))
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

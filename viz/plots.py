"""Plots of what training does: learning curves, the learning-rate schedule, a confusion matrix,
the one-layer model's weight templates and the char-RNN's smooth loss.

Every function builds a matplotlib `Figure` directly (no pyplot: no display or GUI backend is
needed, and nothing piles up in pyplot's global figure list), returns it, and saves it when
`save` is a path (format from the extension: .png, .svg, .pdf, ...). Jupyter shows a returned
Figure inline. Inputs are a tinygrad_dl History, or plain arrays / dicts of arrays; NaN gaps in
History columns (a value not logged on every row) are skipped, not drawn as zeros; +inf or
-inf (a run that blew up) is marked with a triangle on the panel's top or bottom edge and named
in the legend, so that a curve never just stops there.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl.jupyter import percent_text

from .figure import Figure  # matplotlib Figure + _repr_png_: shows inline in Jupyter
from .figure import save as save_figure

__all__ = [
    "plot_confusion_matrix", "plot_learning_curves", "plot_lr_schedule", "plot_smooth_loss",
    "plot_weight_templates", "template_smoothness",
]

# a tinygrad_dl.train.History (read through its `columns` mapping: viz sits below train and does
# not import it) or any mapping of column name -> values
Columns = Any


def _columns(source: Any) -> Mapping[str, Any] | None:
    """The column mapping of a History or a plain mapping; None for anything else (an array)."""
    if isinstance(source, Mapping):
        return source
    cols = getattr(source, "columns", None)
    return cols if isinstance(cols, Mapping) else None
TRAIN, VAL = "#1f77b4", "#d62728"


# ---- helpers ---------------------------------------------------------------------------------
def _col(h: Columns, name: str) -> np.ndarray | None:
    if name not in h:
        return None
    try:  # (NumPy's "could not convert string to float: 'a'" named no column)
        return np.asarray(h[name], dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as e:
        raise ValueError(f"column {name!r} must hold numbers: {e}") from None


def _x_axis(h: Columns, ys: Sequence[np.ndarray]) -> tuple[np.ndarray, str]:
    """Epochs when every plotted row is a whole epoch, else update steps, else the row number."""
    rows = max(len(y) for y in ys)
    has = np.zeros(rows, dtype=bool)
    for y in ys:
        has[: len(y)] |= ~np.isnan(y)  # (an inf row is a row: it is marked, `_mark_infinite`)
    for name, label in (("epoch", "epoch"), ("step", "update step")):
        x = _col(h, name)
        if x is not None and len(x) == rows and has.any() and np.isfinite(x[has]).all():
            if name == "epoch" and not np.all(x[has] == np.round(x[has])):
                continue  # logged every N updates: plot against the update step, as the course
            return x, label
    return np.arange(rows, dtype=np.float64), "row"


# a value beyond this (a run blowing up, on its way to inf) is marked on the panel's edge as inf
# is: matplotlib cannot lay out an axis that reaches near float64's maximum (1.7e308 made
# saving the figure fail with "arange: cannot compute length")
HUGE = 1e300


def _finite(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    yy = y[: len(x)]
    keep = np.isfinite(yy) & (np.abs(yy) <= HUGE) & np.isfinite(x[: len(y)])
    return x[: len(keep)][keep], y[: len(keep)][keep]


def _mark_infinite(ax: Any, x: np.ndarray, y: np.ndarray, color: str, name: str,
                   xlabel: str) -> None:
    """Draw the rows where y is +inf or -inf (a run that blew up) as triangles on the top or
    bottom edge of the panel, in the legend with the first step it happened: a curve drawn
    without them would just stop there, as if training had ended (NaN is a row not logged
    and stays a gap)."""
    n = min(len(x), len(y))
    xs, ys = x[:n], y[:n]
    for sign, edge, marker in ((1, 0.98, "^"), (-1, 0.02, "v")):
        at = np.isfinite(xs) & (sign * ys > HUGE)
        if at.any():
            what = (("+inf" if sign > 0 else "-inf") if np.isinf(ys[at]).all()
                    else f"{'above' if sign > 0 else 'below'} {sign * HUGE:g}")
            ax.plot(xs[at], np.full(int(at.sum()), edge), linestyle="none", marker=marker,
                    ms=7, color=color, transform=ax.get_xaxis_transform(), clip_on=False,
                    label=f"{name}: {what} from {xlabel} {xs[at][0]:g}")


def _finish(fig: Figure, save: str | Path | None, dpi: float) -> Figure:
    if save is not None:  # no bbox_inches="tight": the size stays figsize * dpi
        save_figure(fig, save, dpi)
    return fig


def _percent(v: float) -> str:
    """v as a percentage to 0.1% (more digits where that would read 100.0% or 0.0% unsaid)."""
    return percent_text(v, 1)


def _text(name: Any) -> str:
    """A class name as matplotlib shows it verbatim: `$` escaped, else a name with two of them
    ('a$x^2$') is typeset as mathematics (the dollars vanish, x^2 becomes x²) without a word."""
    return str(name).replace("$", r"\$")


def _labels(y: Any) -> np.ndarray:
    """One int64 class label per sample (int64: t * K + p of uint8 labels wrapped past 255)."""
    y = np.asarray(getattr(y, "data", y))
    if y.dtype.kind not in "iuf":
        raise ValueError(f"class labels must be integers, got dtype {y.dtype}")
    with np.errstate(invalid="ignore"):  # (float64: 2.0**62 overflowed float16 with a warning)
        y64 = y.astype(np.float64) if y.dtype.kind == "f" else y
        bad = (np.mod(y64, 1) != 0) | (np.abs(y64) >= 2.0**62) if y.dtype.kind == "f" else None
    if sum(n > 1 for n in y.shape) > 1 and (  # (flattened, one-hot rows counted 0/1 pairs)
            (bad is not None and bad.any()) or (y.ndim == 2 and np.isin(y, (0, 1)).all()
                                                and (y.sum(axis=1) == 1).all())):
        # (integer labels of several per sample, (N, T) of a sequence, are flattened, as
        # torchmetrics does: they count in the same order on both sides)
        raise ValueError(f"class labels must be one per sample, got shape {y.shape} (one-hot "
                         "rows or scores? pass y.argmax(axis=1))")
    if bad is not None and bad.any():
        raise ValueError(f"class labels must be integers, got {y[bad].reshape(-1)[0]}")
    return y.reshape(-1).astype(np.int64)


# ---- learning curves -------------------------------------------------------------------------
_PANELS = [("cost", "cost (loss + L2)"), ("loss", "cross-entropy loss"), ("acc", "accuracy")]


def plot_learning_curves(
    history: Columns,
    save: str | Path | None = None,
    *,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
    title: str | None = None,
) -> Figure:
    """Training vs validation cost, loss and accuracy per epoch (per update step when the rows
    were logged every N updates, or the history has no epoch column); one panel for each of
    cost/loss/acc that was logged."""
    cols = _columns(history)
    if cols is None:  # (an array or a str: `"train_loss" in h` answered for the wrong reason)
        raise TypeError("plot_learning_curves: history must be a History or a mapping of "
                        f"column name -> values, got {type(history).__name__}")
    history = cols
    panels = []
    for key, ylabel in _PANELS:
        series = [(s, _col(history, f"{s}_{key}")) for s in ("train", "val")]
        series = [(s, y) for s, y in series if y is not None and (~np.isnan(y)).any()]
        if series:
            panels.append((key, ylabel, series))
    if not panels:
        have = sorted(history, key=str)  # (keys of mixed types: int < str raised TypeError)
        # a column that is there but empty or all NaN is not "none of": say which
        empty = [c for c in have if c in {f"{s}_{k}" for s in ("train", "val") for k, _ in _PANELS}]
        if empty:
            raise ValueError(f"plot_learning_curves: nothing to plot: {', '.join(empty)} "
                             "hold no value (empty or all NaN)")
        raise ValueError(
            "plot_learning_curves: the history has none of train_/val_ cost, loss, acc; "
            f"its columns are {have}"
        )
    # (a mapping's val_loss of 2 values beside 4 train ones was drawn at the first 2 epochs,
    # whichever epochs it was measured at; a History has one entry per row in every column)
    names = ["epoch", "step", *(f"{s}_{k}" for s in ("train", "val") for k, _ in _PANELS)]
    lengths = {c: len(y) for c in names if (y := _col(history, c)) is not None and len(y)}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"plot_learning_curves: columns of different lengths {lengths}; give "
                         "every column one entry per logged row (NaN where a row does not "
                         "log it), as a History does")
    x, xlabel = _x_axis(history, [y for _, _, series in panels for _, y in series])
    fig = Figure(figsize=figsize or (4.2 * len(panels), 3.4), layout="constrained")
    for i, (_, ylabel, series) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        for split, y in series:
            xs, ys = _finite(x, y)
            color = TRAIN if split == "train" else VAL
            name = "training" if split == "train" else "validation"
            ax.plot(xs, ys, color=color, marker="o" if len(xs) <= 30 else None, ms=3, label=name)
            _mark_infinite(ax, x, y, color, name, xlabel)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return _finish(fig, save, dpi)


def _series(source: Any, column: str, caller: str
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(update steps, finite values) of one column of a History/mapping, or of a plain array,
    then all its (steps, values) (for `_mark_infinite`)."""
    if _columns(source) is not None:
        y = _col(source, column)
        if y is None:
            raise ValueError(f"{caller}: the history has no {column!r} column")
        step = _col(source, "step")
        if step is not None and len(step) != len(y):  # (was the row number, said to be steps)
            raise ValueError(f"{caller}: the step column has {len(step)} entries but "
                             f"{column!r} has {len(y)}; one per logged row in each")
        x = step if step is not None else np.arange(len(y), dtype=float)
    else:
        try:  # (a hand-edited history.meta["etas"] of "x": NumPy's line named no list)
            y = np.asarray(source, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{caller}: the {column} values must be numbers: {e}") from None
        x = np.arange(len(y), dtype=np.float64)
    xs, ys = _finite(x, y)
    if not len(ys):
        raise ValueError(f"{caller}: no {column} values to plot (all NaN, inf or beyond "
                         f"+-{HUGE:g})")
    return xs, ys, x, y


def _step_plot(series: tuple[np.ndarray, ...], label: str, ylabel: str, title: str,
               figsize: tuple[float, float], save: str | Path | None, dpi: float) -> Figure:
    """One curve against the update step: the shape of the schedule and smooth-loss plots
    (`series`: `_series`'), its infinite values marked on the panel's edge."""
    xs, ys, x, y = series
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(xs, ys, color=TRAIN, label=label)
    _mark_infinite(ax, x, y, TRAIN, label, "update step")
    if len(ax.get_lines()) > 1:  # (the legend only when it says more than the axis label)
        ax.legend(fontsize=8)
    ax.set_xlabel("update step")
    ax.set_ylabel(ylabel)
    ax.set_title(title, wrap=True)  # (a run's full title is wider than this 6-inch figure)
    ax.grid(alpha=0.3)
    return _finish(fig, save, dpi)


def plot_lr_schedule(
    history_or_etas: Columns | Sequence[float] | np.ndarray,
    save: str | Path | None = None,
    *,
    figsize: tuple[float, float] = (6.0, 3.0),
    dpi: float = 100,
    title: str | None = None,
) -> Figure:
    """The learning rate eta per update step (e.g. a cyclical schedule), from a History with an
    "eta" column or from an array of etas (one per step). A History that fit() wrote gives
    its meta's "etas", the rate of every update: its eta column holds, at the row of step s,
    the rate of update s - 1 (of the update just done), drawn at step s one step late. Only
    when they are of its rows' run (its steps rising to len(etas)): a History that two fit()
    calls logged into holds the second's etas beside both runs' rows, drawn as the whole."""
    meta = getattr(history_or_etas, "meta", None)
    etas = meta.get("etas") if isinstance(meta, Mapping) else None
    caller = "plot_lr_schedule"
    if isinstance(etas, (list, tuple)) and len(etas):
        step = _col(history_or_etas, "step") if _columns(history_or_etas) is not None else None
        if step is None or not len(step) or (step[-1] == len(etas)
                                             and bool(np.all(np.diff(step) >= 0))):
            history_or_etas, caller = etas, "plot_lr_schedule: history.meta['etas']"
    return _step_plot(_series(history_or_etas, "eta", caller), "eta",
                      "learning rate η", title or "learning-rate schedule", figsize, save, dpi)


def plot_smooth_loss(
    history: Columns | Sequence[float] | np.ndarray,
    save: str | Path | None = None,
    *,
    figsize: tuple[float, float] = (6.0, 3.0),
    dpi: float = 100,
    title: str | None = None,
) -> Figure:
    """The char-RNN's smooth loss (0.999 * previous + 0.001 * loss) per update step.

    The default title gives the last and best smooth loss as the training loop measured them
    (history.meta's final_smooth_loss / best_smooth_loss: the best over every update, which
    the plotted rows, logged every log_every updates, can miss), to 4 decimals as the terminal
    prints them."""
    series = _series(history, "smooth_loss", "plot_smooth_loss")
    ys, y = series[1], series[3]
    if title is None:
        meta = getattr(history, "meta", None) or {}
        logged = y[~np.isnan(y)]  # (the last row logged, inf where the run blew up)
        last, best = (meta.get("final_smooth_loss", logged[-1]),
                      meta.get("best_smooth_loss", ys.min()))
        for key, v in (("final_smooth_loss", last), ("best_smooth_loss", best)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
                # (a hand-edited history.json's "abc": "Unknown format code 'f' for object
                # of type 'str'", naming neither the key nor the file's history)
                raise ValueError(f"plot_smooth_loss: history.meta[{key!r}] must be a number "
                                 f"(or None), got {v!r}; fix it, or pass title=")
        # (None: a non-finite value saved to history.json, which holds no NaN/inf)
        last, best = ("nan/inf" if v is None else f"{v:.4f}" for v in (last, best))
        title = f"char-RNN smooth loss (last {last}, best {best})"
    return _step_plot(series, "smooth loss", "smooth loss", title, figsize, save, dpi)


# ---- confusion matrix ------------------------------------------------------------------------
def confusion_matrix(y_true: Any, y_pred: Any, K: int) -> np.ndarray:
    """(K, K) counts: row = true class, column = predicted class."""
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 0:
        raise ValueError(f"confusion matrix: K must be a number of classes >= 0, got {K!r}")
    t, p = _labels(y_true), _labels(y_pred)
    if t.shape != p.shape:
        raise ValueError(f"confusion matrix: {len(t)} true labels but {len(p)} predictions")
    for name, y in (("true", t), ("predicted", p)):
        if y.size and (y.min() < 0 or y.max() >= K):
            raise ValueError(f"{name} labels must lie in [0, {K}), got {y.min()}..{y.max()}")
    return np.bincount(t * K + p, minlength=K * K).reshape(K, K)


MAX_PLOTTED_CLASSES = 1000  # (a cell of text each: more cannot be read)


def plot_confusion_matrix(
    y_true: Any,
    y_pred: Any,
    class_names: Sequence[str] | None = None,
    save: str | Path | None = None,
    *,
    normalize: bool = False,
    figsize: tuple[float, float] = (6.5, 5.5),
    dpi: float = 100,
) -> Figure:
    """Counts of (true class, predicted class) with the count in every cell; with `normalize`
    each row shows fractions of that true class (the per-class recall on the diagonal)."""
    if class_names is None:
        K = int(max(_labels(y_true).max(initial=0), _labels(y_pred).max(initial=0))) + 1
        if K > MAX_PLOTTED_CLASSES:  # a stray label (2**40) built K names and K x K counts
            raise ValueError(f"plot_confusion_matrix: labels go up to {K - 1}, a {K} x {K} "
                             f"plot (at most {MAX_PLOTTED_CLASSES} classes are drawn); check "
                             "the labels, or count them with confusion_matrix(y, p, K)")
        class_names = [str(k) for k in range(K)]
    K = len(class_names)
    hi_label = max(_labels(y_true).max(initial=-1), _labels(y_pred).max(initial=-1))
    if hi_label >= K:
        raise ValueError(f"plot_confusion_matrix: {K} class names, so labels must lie in "
                         f"[0, {K}), but they go up to {hi_label}: give one name per class")
    cm = confusion_matrix(y_true, y_pred, K)
    total = cm.sum(axis=1, keepdims=True)
    # (a class with no samples has no fractions: its row was 0.00s, read as "never recalled")
    shown = np.where(total > 0, cm / np.maximum(total, 1), np.nan) if normalize else cm
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    im = ax.imshow(shown, cmap="Blues", vmin=0)
    fig.colorbar(im, ax=ax, shrink=0.8)
    ticks = np.arange(K)
    ax.set_xticks(ticks, labels=[_text(c) for c in class_names], rotation=45, ha="right")
    ax.set_yticks(ticks, labels=[_text(c) for c in class_names])
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    n = int(cm.sum())
    # (no samples: no accuracy, where "nan%" was shown)
    acc = _percent(np.trace(cm) / n) if n else "n/a"
    ax.set_title(f"confusion matrix ({n} samples, accuracy {acc})")
    hi = np.nanmax(shown, initial=0)
    for i in range(K):
        for j in range(K):
            text = (("–" if np.isnan(shown[i, j]) else _fraction(shown[i, j])) if normalize
                    else str(cm[i, j]))
            dark = hi > 0 and shown[i, j] > 0.6 * hi
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    return _finish(fig, save, dpi)


def _fraction(v: float) -> str:
    """A fraction in [0, 1] to two decimals that reads 1.00 or 0.00 only when it is exactly
    that: a class recalled 249 times in 250 (0.996) read 1.00, as if none were missed."""
    text = f"{v:.2f}"
    if text == "1.00" and v < 1:
        return ">.99"
    if text == "0.00" and v > 0:
        return "<.01"
    return text


# ---- weight templates ------------------------------------------------------------------------
def _templates(W: Any, who: str) -> np.ndarray:
    """W (K, 3 side^2) -> the K templates as (K, 3, side, side) float64 images."""
    W = np.asarray(getattr(W, "data", W), dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(f"{who}: W must be 2-d (K, 3072), got shape {W.shape}")
    side = math.isqrt(W.shape[1] // 3)
    rows_side = math.isqrt(W.shape[0] // 3)
    if W.shape[0] > W.shape[1] and 3 * rows_side * rows_side == W.shape[0]:
        # ((3072, 12) passed as 3072 templates of 2x2 pixels, (3072, 3) as 3072 of 1x1)
        raise ValueError(f"{who}: W has shape {W.shape}: one row per feature, (d, K); "
                         "pass W.T, one row per class (Linear's W is (K, d))")
    if 3 * side * side != W.shape[1] or side == 0:
        raise ValueError(
            f"{who}: W has {W.shape[1]} columns; expected 3 * side^2 features "
            "(3072 for 32x32 RGB images), one row per class (Linear's W is (K, d))"
        )
    return W.reshape(W.shape[0], 3, side, side)


def template_smoothness(W: Any) -> np.ndarray:
    """How smooth each class template of a one-layer model's W (K, 3072) is: the correlation
    between horizontally and vertically neighbouring pixels of the same colour channel, one
    value per class. About 0 for pixel noise (neighbours unrelated), near 1 for smooth,
    blob-like templates; it ignores each template's scale, as the min-max normalised picture of
    `plot_weight_templates` does. NaN for a template holding NaN/inf."""
    imgs = _templates(W, "template_smoothness")
    K = imgs.shape[0]
    bad = ~np.isfinite(imgs).reshape(K, -1).all(axis=1)
    imgs = np.where(bad[:, None, None, None], 0.0, imgs)  # (NaN below; no inf - inf warning)
    imgs = imgs - imgs.mean(axis=(2, 3), keepdims=True)  # each channel of each template
    a = np.concatenate([imgs[..., :, :-1].reshape(K, -1), imgs[..., :-1, :].reshape(K, -1)], 1)
    b = np.concatenate([imgs[..., :, 1:].reshape(K, -1), imgs[..., 1:, :].reshape(K, -1)], 1)
    den = np.sqrt((a * a).sum(1) * (b * b).sum(1))
    out = np.divide((a * b).sum(1), den, out=np.zeros(K), where=den > 0)
    out[bad] = np.nan  # (was 0.0 for a NaN template: read as "pixel noise")
    return out


def plot_weight_templates(
    W: Any,
    class_names: Sequence[str] | None = None,
    save: str | Path | None = None,
    *,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
) -> Figure:
    """The one-layer model's weights W (K, 3072), as stored by Linear (the course's K x d: row
    k holds class k's weights on the features in CIFAR order, 1024 red, 1024 green, 1024 blue),
    shown as K 32x32 colour images, each min-max normalized on its own: what each class's
    score looks for."""
    templates = _templates(W, "plot_weight_templates")
    K = templates.shape[0]
    if K == 0:
        raise ValueError("plot_weight_templates: W has no rows (no class templates to show)")
    bad = ~np.isfinite(templates).reshape(K, -1).all(axis=1)
    if bad.any():  # (a NaN made the whole template a flat grey, as a constant one)
        raise ValueError(f"plot_weight_templates: the templates of classes "
                         f"{np.flatnonzero(bad).tolist()} hold NaN/inf weights (a diverged run?)")
    if class_names is not None and len(class_names) != K:
        raise ValueError(f"plot_weight_templates: {len(class_names)} class names for {K} rows")
    cols = min(K, 5)
    rows = math.ceil(K / cols)
    fig = Figure(figsize=figsize or (1.8 * cols, 1.9 * rows), layout="constrained")
    for k in range(K):
        img = templates[k].transpose(1, 2, 0)
        lo, hi = img.min(), img.max()
        img = (img - lo) / (hi - lo) if hi > lo else np.full_like(img, 0.5)
        ax = fig.add_subplot(rows, cols, k + 1)
        ax.imshow(img, interpolation="nearest")
        ax.set_title(_text(class_names[k]) if class_names is not None else f"class {k}",
                     fontsize=9)
        ax.set_axis_off()
    return _finish(fig, save, dpi)

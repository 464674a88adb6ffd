"""`tinygrad-dl train MODEL [flags]`: train one of the four course models with its defaults.

Every flag mirrors one of the course's hyperparameters; flags left out keep the course's value
for that model (see tinygrad_dl.train.DEFAULTS). Outputs go to --out (default
runs/MODEL-YYYYmmdd-HHMMSS): history.json, model.npz, result.json and the plots.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from tinygrad_dl.models import MODELS, Loop, model_class
from tinygrad_dl.train import DEFAULTS, run_training

from .args import (
    fraction,
    int_list,
    nonneg_float,
    positive_float,
    positive_int,
    seed,
)

# (flag, params key, type, help); every default is None = "use the model's course default"
FLAGS: list[tuple[str, str, Any, str]] = [
    ("--lambda", "lam", nonneg_float, "L2 weight lambda in J = mean CE + lambda sum ||W||^2"),
    ("--eta", "eta", positive_float, "constant learning rate (AdaGrad's eta for char-rnn)"),
    ("--n-batch", "n_batch", positive_int, "mini-batch size"),
    ("--epochs", "epochs", positive_int, "passes through the training data"),
    ("--cycles", "cycles", positive_int,
     "cyclical learning rate: number of cycles (2 n_s updates each)"),
    ("--eta-min", "eta_min", positive_float, "cyclical learning rate: lowest eta"),
    ("--eta-max", "eta_max", positive_float, "cyclical learning rate: highest eta"),
    ("--n-s", "n_s", positive_int, "cyclical step size n_s (default k * floor(n / n_batch): k = 2, "
     "5 for k-layer)"),
    ("--hidden", "hidden", None, "k-layer hidden sizes, comma separated, e.g. 50,50"),
    ("--channels", "channels", None, "convnet: channels of each conv stage, e.g. 16,32"),
    ("--dropout", "dropout", fraction, "k-layer dropout rate"),
    ("--m", "m", positive_int, "hidden units (two-layer, char-rnn)"),
    ("--init", "init", str, "weight init: gaussian (N(0, std^2)), xavier, he"),
    ("--std", "std", positive_float, "standard deviation of --init gaussian (default 0.01)"),
    ("--split", "split", str, "CIFAR-10 split: batch1 (train 1, val 2) or all"),
    ("--val-size", "val_size", positive_int, "validation images held out of split=all"),
    ("--seq-length", "seq_length", positive_int, "char-rnn sequence length"),
    ("--n-updates", "n_updates", positive_int, "stop after this many updates"),
    ("--clip", "clip", positive_float, "clip each gradient entry to [-clip, clip]"),
    ("--optimizer", "optimizer", str, "sgd or adam (classifiers); adagrad, sgd, adam (char-rnn)"),
    ("--momentum", "momentum", fraction, "SGD momentum"),
    ("--eval-every", "eval_every", positive_int,
     "log train/val metrics every N updates, not per epoch"),
    ("--sample-every", "sample_every", positive_int, "char-rnn: print a sample every N updates"),
    ("--temperature", "temperature", nonneg_float, "char-rnn: sampling temperature"),
    ("--dtype", "dtype", str, "float64 (default) or float32"),
]
CHOICES = {"split": ("batch1", "all"), "dtype": ("float64", "float32"),
           "init": ("gaussian", "xavier", "he"), "optimizer": ("sgd", "adam", "adagrad")}


def _defaults_epilog() -> str:
    lines = ["course defaults per model (n_s: k * floor(n / n_batch), k = 2, 5 for k-layer):"]
    for model, cls in MODELS.items():
        keys = cls.help_keys
        vals = ", ".join(f"{k.replace('_', '-').replace('lam', 'lambda')}={DEFAULTS[model][k]}"
                         for k in keys)
        lines.append(f"  {model}: {vals}")
    return "\n".join(lines)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a model with the course's settings (flags override them)",
        description="Train MODEL on CIFAR-10 (classifiers) or a text (char-rnn). Flags left "
        "out keep the course's settings for that model. Without --data the embedded CIFAR-10 "
        "sample is used (or $TINYGRAD_DL_DATA), without --text CPython's help text.",
        epilog=_defaults_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", choices=list(MODELS), metavar="MODEL", help=", ".join(MODELS))
    for flag, key, typ, text in FLAGS:
        kw: dict[str, Any] = {"dest": key, "default": None, "help": text}
        if key in ("hidden", "channels"):
            kw.update(type=int_list, metavar="N1,N2,...")
        else:
            kw["type"] = typ
        if key in CHOICES:
            kw["choices"] = CHOICES[key]
        p.add_argument(flag, **kw)
    p.add_argument("--batch-norm", dest="batch_norm", default=None,
                   action=argparse.BooleanOptionalAction, help="k-layer batch normalization "
                   "(default on)")
    p.add_argument("--restore-best", dest="restore_best", default=None, action="store_true",
                   help="end with the best-validation (char-rnn: lowest smooth loss) weights")
    p.add_argument("--data", default=None, metavar="DIR",
                   help="cifar-10-batches-py directory (default: $TINYGRAD_DL_DATA, the cache "
                   "dir, else the embedded sample)")
    p.add_argument("--text", default=None, metavar="FILE",
                   help="char-rnn: UTF-8 text file (default: the embedded corpus)")
    p.add_argument("--seed", type=seed, default=0, help="seed for init and shuffling (default 0)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output directory (default runs/MODEL-YYYYmmdd-HHMMSS)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar")
    p.add_argument("--no-jit", dest="jit", action="store_false",
                   help="run every update eagerly instead of replaying the recorded step "
                   "(tinygrad_dl.jit; same numbers, slower)")
    p.set_defaults(func=run)


def default_out(model: str) -> Path:
    base = Path("runs") / f"{model}-{time.strftime('%Y%m%d-%H%M%S')}"
    out, i = base, 1
    while out.exists():
        i += 1
        out = base.with_name(f"{base.name}-{i}")
    return out


def params_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The flags the user gave, as run_training params (None = not given)."""
    keys = [key for _, key, _, _ in FLAGS] + ["batch_norm", "restore_best"]
    return {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}


def run(args: argparse.Namespace) -> int:
    params = params_from_args(args)
    out = Path(args.out) if args.out else default_out(args.model)
    sequence = model_class(args.model).loop is Loop.SEQUENCE
    if sequence and args.data:
        raise ValueError("--data is for the CIFAR-10 classifiers; char-rnn reads --text")
    if not sequence and args.text:
        raise ValueError("--text is for char-rnn; the classifiers read --data")
    print(f"training {args.model} -> {out}", flush=True)
    res = run_training(args.model, params, data=args.data, text=args.text, seed=args.seed,
                       out=out, progress=args.progress, jit=args.jit)
    f = res.final
    print(f"data: {res.history.meta.get('data')}")
    print(f"{f['n_updates']} updates, {f['epochs']} epochs, {res.seconds:.1f} s")
    if sequence:
        print(f"final smooth loss: {f['smooth_loss']:.4f} (best {f['best_smooth_loss']:.4f})")
        print(f"sample:\n{f['sample']}")
    else:
        print(f"final train accuracy: {f['train_acc']:.2%}")
        if res.best_val_acc is not None:
            print(f"final validation accuracy: {f['val_acc']:.2%} "
                  f"(best {res.best_val_acc:.2%} at update {res.history.meta['best_step']})")
        print(f"test accuracy: {res.test_acc:.2%}")
    print(f"outputs: {out}")
    return 0

"""`tinygrad-dl graph MODEL --out FILE.svg`: draw the loss graph of one of the course models.

The model is built with small sizes (8 features, 4 samples, a few hidden units, 4 time steps)
on random data so the picture is readable and quick; --real-shapes uses the course's sizes
(3072 features, 50 hidden units, 25 time steps); the graph is the same, only wider shapes.
Parameters carry the course's names (W1, b1, gamma2, ...), one box per layer / time step, and a
long unroll shows its first and last steps (--max-steps). The default output goes under runs/,
never over a tracked file.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl import Tensor
from tinygrad_dl.jupyter import DotTimeoutError
from tinygrad_dl.models import MODELS, Loop, model_class
from tinygrad_dl.train.hyperparams import BY_KEY
from tinygrad_dl.viz import render_graph

from .args import OnOff, fraction, int_list, nonneg_float, nonneg_int, positive_int, seed

SMALL = {"d": 8, "n": 4, "K": 10, "m": 6, "hidden": [6, 5], "rnn_K": 8, "rnn_m": 5, "T": 4}
MAX_STEPS = 6  # char-rnn time steps drawn without --max-steps
REAL = {"d": 3072, "n": 4, "K": 10, "m": 50, "hidden": [50, 50], "rnn_K": 80, "rnn_m": 100,
        "T": 25}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "graph",
        help="render the computation graph of a model's loss (svg/png/pdf)",
        description="Render the computation graph of MODEL's loss on a tiny random batch, "
        "one cluster per module / time step. Needs the Graphviz `dot` program.",
    )
    p.add_argument("model", metavar="MODEL",
                   help=", ".join(MODELS))
    p.add_argument("--out", default=None, metavar="FILE",
                   help="output file, format by extension: .svg .png .pdf (.dot for the "
                   "source only); default runs/graphs/MODEL-graph.svg")
    p.add_argument("--values", action="store_true",
                   help="label tensors with value summaries (a parameter's is \"value now\": "
                        "in Python, after an optimizer step, it is not the value the drawn "
                        "graph was computed with)")
    p.add_argument("--grads", action="store_true",
                   help="run backward() first and label tensors with their gradients")
    p.add_argument("--real-shapes", action="store_true",
                   help="the course's sizes (d=3072, m=50, T=25) instead of tiny ones")
    p.add_argument("--hidden", type=int_list, nargs="+", default=None, metavar="H1,H2,...",
                   help="hidden sizes of k-layer, as for train: 50,50 (here 50 50 too); "
                        "default 6,5; real 50,50")
    p.add_argument("--m", type=positive_int, default=None,
                   help="hidden units of two-layer / char-rnn (default 6 / 5; real 50 / 100)")
    p.add_argument("--d", type=positive_int, default=None,
                   help="input features (default 8, convnet 3x8x8 = 192; real 3072)")
    p.add_argument("--K", type=positive_int, default=None,
                   help="classes, or char-rnn vocabulary size (default 10 / 8)")
    p.add_argument("--n", type=positive_int, default=None, help="samples in the batch (default 4)")
    p.add_argument("--seq-length", type=positive_int, default=None, metavar="T",
                   help="char-rnn time steps unrolled (default 4; real 25)")
    # train's and search's spelling (the hyperparameter table's flag) first; --lam, this
    # command's own flag before, stays an alias
    p.add_argument(BY_KEY["lam"].flag, "--lam", dest="lam", type=nonneg_float, default=None,
                   metavar="LAMBDA",
                   help="L2 weight of the classifiers, so the graph shows the regularized cost "
                        "(default 0.01; --lam is the same flag)")
    # (train's pair: `--batch-norm`, as the results table's commands write it, was refused)
    p.add_argument("--batch-norm", dest="batch_norm", action=OnOff, default=None,
                   help="k-layer batch normalization (default on)")
    p.add_argument("--channels", type=int_list, default=None, metavar="N1,N2,...",
                   help="convnet: channels of each conv stage, as for train (default 16,32)")
    p.add_argument("--dropout", type=fraction, default=0.0, help="k-layer dropout rate")
    p.add_argument("--rankdir", choices=("TB", "LR"), default="TB",
                   help="layout direction: top-bottom or left-right")
    p.add_argument("--no-clusters", dest="clusters", action="store_false",
                   help="do not group ops by module / time step")
    p.add_argument("--legend", action=OnOff, default=None,
                   help="a key to every mark in the picture (default on)")
    p.add_argument("--max-steps", type=nonneg_int, default=None, metavar="N",
                   help="draw at most N time steps of char-rnn, folding the middle ones into "
                   f"one box that says how many are hidden; 0 draws all (default {MAX_STEPS})")
    p.add_argument("--max-nodes", type=positive_int, default=5000, help="refuse bigger graphs")
    p.add_argument("--seed", type=seed, default=0)
    p.set_defaults(func=run)


def build_loss(args: argparse.Namespace) -> tuple[Tensor, str]:
    """The model's loss tensor on a random batch, and a one-line description."""
    cls = model_class(args.model)
    sizes = REAL if args.real_shapes else SMALL
    pick = lambda v, key: sizes[key] if v is None else v  # noqa: E731
    for name in ("d", "K", "n", "m", "seq_length"):
        v = getattr(args, name)
        if v is not None and v < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be positive, got {v}")
    # a flag the model does not take is an error, not silently ignored (the model's own
    # defaults say which settings it has)
    given = {"hidden": args.hidden, "m": args.m, "dropout": args.dropout or None,
             "batch_norm": args.batch_norm, "channels": args.channels,
             "seq_length": args.seq_length, "lam": args.lam}
    # (char-rnn's loss has no L2 term: its --lambda changed nothing)
    unused = [k for k, v in given.items() if v is not None and k not in cls.defaults]
    if cls.loop is Loop.SEQUENCE:  # its sizes are --K (the vocabulary) and --seq-length: a
        # --d or --n was dropped without a word (the picture had neither)
        unused += [k for k in ("d", "n") if getattr(args, k) is not None]
    elif args.max_steps is not None:  # (only an unrolled sequence has time steps to fold)
        unused.append("max_steps")
    if unused:
        flags = ", ".join(("--batch-norm" if args.batch_norm else "--no-batch-norm")
                          if k == "batch_norm" else BY_KEY["lam"].flag if k == "lam"
                          else f"--{k.replace('_', '-')}" for k in unused)
        raise ValueError(f"{args.model} does not take {flags}")
    rng = np.random.default_rng(args.seed)
    hidden = [h for part in pick(args.hidden, "hidden") for h in
              (part if isinstance(part, list) else [part])]
    lam = 0.01 if args.lam is None else args.lam
    params = {**cls.defaults, "lam": lam, "m": pick(args.m, "m"), "hidden": hidden,
              "batch_norm": args.batch_norm is not False, "dropout": args.dropout}
    if args.channels is not None:
        params["channels"] = args.channels
    init_rng = np.random.default_rng(args.seed)
    if cls.loop is Loop.SEQUENCE:
        K, T = pick(args.K, "rnn_K"), pick(args.seq_length, "T")
        params["m"] = pick(args.m, "rnn_m")
        model = cls.from_params(params, d=K, K=K, rng=init_rng, dtype=np.float64)
        _course_names(model)
        X, Y = rng.integers(0, K, T), rng.integers(0, K, T)
        return model.loss(X, Y, None), f"{model.describe()} T={T}"
    d, K, n = pick(args.d, "d"), pick(args.K, "K"), pick(args.n, "n")
    if args.d is None and not args.real_shapes and cls.graph_d is not None:
        d = cls.graph_d
    model = cls.from_params(params, d=d, K=K, rng=init_rng, dtype=np.float64)
    _course_names(model)
    X = Tensor(rng.standard_normal((n, d)), name="X")
    y = rng.integers(0, K, n)
    return model.loss(X, y), f"{model.describe()} n={n}"


def _course_names(model: Any) -> None:
    """Label the parameters as the course does (W1, gamma2): this model is only drawn."""
    names = model.course_names()
    for name, p in model.named_parameters():
        p.name = names[name]


def run(args: argparse.Namespace) -> int:
    if args.out is not None and not args.out.strip():  # "$UNSET": not the default file
        raise ValueError("--out is empty; leave it out for runs/graphs/MODEL-graph.svg")
    max_steps = MAX_STEPS if args.max_steps is None else args.max_steps
    if max_steps < 0 or max_steps == 1:
        raise ValueError(f"--max-steps must be 0 (draw all) or at least 2, got {max_steps}")
    loss, what = build_loss(args)
    if args.grads:
        loss.backward()
    try:
        out = render_graph(
            loss, args.out or Path("runs", "graphs", f"{args.model}-graph.svg"),
            values=args.values, grads=args.grads, max_nodes=args.max_nodes,
            clusters=args.clusters, rankdir=args.rankdir, legend=args.legend is not False,
            max_steps=max_steps or None,
        )
    except DotTimeoutError as e:  # (render_graph's words name its keywords: the flags here;
        # known by its type and its `what`, so a reworded message still gets the advice)
        fix = "--no-clusters or a smaller graph" if args.clusters else "a smaller graph"
        raise RuntimeError(f"{e.what}: draw it with {fix} (fewer --hidden, a shorter --seq-length "
                           "or --max-steps)") from None
    except ValueError as e:
        if "max_nodes" not in str(e):
            raise
        raise ValueError(
            f"{what}: the graph has more than --max-nodes {args.max_nodes} nodes; raise "
            "--max-nodes to draw it anyway, or use a shorter --seq-length / fewer --hidden"
        ) from None
    print(f"wrote {out} ({what}, loss {loss.item():.4f})")
    return 0

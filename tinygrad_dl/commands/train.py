"""`tinygrad-dl train MODEL [flags]`: train a course model (or the ConvNet) with its defaults.

Every flag mirrors one of the course's hyperparameters; flags left out keep the course's value
for that model (see tinygrad_dl.train.DEFAULTS). Outputs go to --out (default
runs/MODEL-YYYYmmdd-HHMMSS): history.json, model.npz, result.json and the plots.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Any

from tinygrad_dl.data import load_cifar10, load_text, resolve_data_dir
from tinygrad_dl.data.cifar import ENV_VAR, TRAIN_FILES
from tinygrad_dl.files import StdoutPrinter, same_file, stdout_gone, write_error
from tinygrad_dl.jupyter import percent_text
from tinygrad_dl.models import MODELS, Loop, model_class
from tinygrad_dl.train import DEFAULTS, TrainResult, resolve_params, run_training
from tinygrad_dl.train.hyperparams import BY_KEY, HYPERS, flag_names
from tinygrad_dl.train.outputs import (
    DONE,
    RunFinished,
    check_new_out,
    finished_model,
    lock_file,
    stage_dir,
)
from tinygrad_dl.train.run import check_resume, check_storable, shown
from tinygrad_dl.train.state import STATE_FILE, StopFlag, TrainingInterrupted

from .args import add_hyper_flags, positive_int, seed
from .signals import fresh_line


def _defaults_epilog() -> str:
    lines = ["course defaults per model (n_s: k * floor(n / n_batch), k = 2, 5 for k-layer):"]
    for model, cls in MODELS.items():
        keys = cls.help_keys
        vals = ", ".join(f"{BY_KEY[k].flag[2:]}={DEFAULTS[model][k]}" for k in keys)
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
    add_hyper_flags(p)
    p.add_argument("--data", default=None, metavar="DIR",
                   help="cifar-10-batches-py directory (default: $TINYGRAD_DL_DATA, the cache "
                   "dir, else the embedded sample)")
    p.add_argument("--text", default=None, metavar="FILE",
                   help="char-rnn: UTF-8 text file (default: the embedded corpus)")
    p.add_argument("--seed", type=seed, default=None,
                   help="seed for init and shuffling (default 0; --resume keeps the run's)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output directory (default runs/MODEL-YYYYmmdd-HHMMSS)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar")
    p.add_argument("--no-jit", dest="jit", action="store_false",
                   help="run every update eagerly instead of replaying the recorded step "
                   "(tinygrad_dl.jit; same numbers, slower)")
    p.add_argument("--resume", default=None, metavar="DIR",
                   help="continue the interrupted run whose --out was DIR, with its settings "
                   "(Ctrl-C / SIGTERM save one); it ends exactly as an uninterrupted run")
    p.add_argument("--checkpoint-every", dest="checkpoint_every", type=positive_int, default=None,
                   metavar="N", help="save a resumable state every N updates (default: every "
                   "epoch for the classifiers, every 5000 updates for char-rnn)")
    p.set_defaults(func=run)


def default_out(model: str) -> Path:
    """runs/MODEL-DATE-TIME, or -2, -3, ... after it: a name no finished run holds and no
    other run has claimed. The claim is the run's lock file, created exclusively (the lock
    itself is taken on it later): runs started in the same second each get their own name,
    where checking `exists()` alone gave them one, and all but one were refused."""
    base = Path("runs") / f"{model}-{time.strftime('%Y%m%d-%H%M%S')}"
    base.parent.mkdir(parents=True, exist_ok=True)
    out, i = base, 1
    while out.exists() or stage_dir(Path(os.path.abspath(out))).exists() or not _claim(out):
        i += 1
        out = base.with_name(f"{base.name}-{i}")
    return out


def _claim(out: Path) -> bool:
    try:  # the lock file `lock_out` takes (beside the folder), made by one process only
        os.close(os.open(lock_file(out), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def params_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The flags the user gave, as run_training params (None = not given)."""
    return {h.key: getattr(args, h.key) for h in HYPERS
            if h.flag is not None and getattr(args, h.key, None) is not None}


def run(args: argparse.Namespace) -> int:
    params = params_from_args(args)
    sequence = model_class(args.model).loop is Loop.SEQUENCE
    for flag, where in (("--out", args.out), ("--resume", args.resume)):
        if where == "":  # an unset shell variable (`--out "$DIR"`): --out was dropped without a
            # word (the run went to runs/); --resume said "training" and resumed the current folder
            raise ValueError(f"{flag} is an empty string (an unset variable?); name the folder"
                             + (" of the interrupted run" if flag == "--resume" else
                                ", or leave it out for runs/MODEL-DATE-TIME"))
    if sequence and args.data:
        raise ValueError("--data is for the CIFAR-10 classifiers; char-rnn reads --text")
    if not sequence and args.text:
        raise ValueError("--text is for char-rnn; the classifiers read --data")
    # a number no training state holds: refused before "training ..." (it was refused only by
    # every --resume of the run, after it had trained and saved)
    check_storable(args.model, params, args.seed or 0, args.checkpoint_every,
                   flags=True)
    if not args.resume:  # refused with the flags' names, before anything is written (also
        # before default_out claims a name: its lock file stayed in runs/ for every refusal)
        p = resolve_params(args.model, params, names=flag_names(), offered=flag_names())
        _check_inputs(args, p, sequence)
    # the folders a run's --out (or runs/) would create: removed again when they stay empty (a
    # missing --data or --text left an empty runs/ behind, or --out's new parent folders)
    made = [] if args.resume else _missing_folders(Path(args.out or "runs/x").parent)
    try:
        return _train(args, params)
    finally:
        for d in made:
            try:
                d.rmdir()  # (only an empty one: a saved state or a finished run keeps it)
            except OSError:
                break


def _check_inputs(args: argparse.Namespace, p: dict[str, Any], sequence: bool) -> None:
    """Refuse a --text, or a --data (or $TINYGRAD_DL_DATA) folder, that is not there or not
    a file / folder holding the batches, before "training ..." is printed: that line came
    first, and the loader's refusal after it. Found without reading the data; the message is
    the loader's own (it raises before reading anything in these cases)."""
    if sequence and args.text is not None and not Path(args.text).expanduser().is_file():
        try:
            load_text(args.text)
        except (FileNotFoundError, ValueError) as e:  # ("text file not found: x" named no flag)
            raise type(e)(f"--text: {e}") from None
    root = None if sequence else resolve_data_dir(args.data)
    if root is not None:
        if _missing_batches(root, p["split"]):
            load_cifar10(args.data, split=p["split"], val_size=p["val_size"])  # (raises)


def _check_resumed_inputs(args: argparse.Namespace, out: Path, ran: dict[str, Any], data: Any,
                          text: Any, run: dict[str, Any]) -> None:
    """The data or text the interrupted run trained on, no longer where it was: refused in one
    line naming it and the run, before "resuming ..." (that line came first, then the
    loader's "text file not found"). A --data/--text given with --resume is checked as ever."""
    sequence = model_class(args.model).loop is Loop.SEQUENCE
    try:
        p = resolve_params(args.model, ran)
    except (ValueError, TypeError):  # (a state today's checks refuse: the run itself says why)
        return
    if not sequence and data is None and args.data is None and "data_dir" in run:
        data = _default_data_then(out, run["data_dir"], p["split"])
    if args.text is not None or args.data is not None or (text if sequence else data) is None:
        _check_inputs(args, p, sequence)
        return
    gone = "is no longer there (moved or deleted?)"
    # (the saved paths, read from the state file, as a forged one may be: a 100,000-character
    # name or a NUL raised from is_dir() ("cannot write /x/aaa..."), a newline split the line)
    if sequence and not _is_file(text):
        what, flag = f"the text it trained on, {shown(text)}, {gone}", "--text FILE"
    elif not sequence and (missing := _missing_batches(Path(data), p["split"])):
        if _is_dir(data):  # (a folder still there said "no longer there")
            gone = f"no longer holds {', '.join(missing)}"
        what, flag = f"the CIFAR-10 folder it trained on, {shown(data)}, {gone}", "--data DIR"
    else:
        return
    raise FileNotFoundError(f"--resume {out}: {what}; put it back, or name where it is now "
                            f"with {flag}")


def _default_data_then(out: Path, then: str | None, split: str) -> str | None:
    """The folder a run without --data trained on (its default then: $TINYGRAD_DL_DATA's or the
    cache folder; None, the embedded sample), refused where the default is another now: the
    run loaded the sample (or another folder) after "resuming ...", then said "the data
    differ" (or, the cache folder moved, nothing clearer). The same folder by another spelling
    (a link, $XDG_CACHE_HOME unset or set to ~/.cache), or another folder holding every batch
    (a copy), is let through: the data's sha256 is checked against the run's once loaded."""
    now = resolve_data_dir(None)
    if now is not None and then is not None and (
            same_file(now, then) or not _missing_batches(now, split)):
        return os.fspath(now)  # (its batches are checked as a --data folder's)
    if now is None and then is None:
        return None
    if then is None:
        raise FileNotFoundError(
            f"--resume {out}: it trained on the embedded CIFAR-10 sample, and without --data "
            f"the data would now come from {now} (${ENV_VAR} or the cache folder); unset "
            f"${ENV_VAR} (or move the cache folder away) to resume it")
    was = shown(then)
    where = ("is no longer there (moved or deleted?); put it back, or name where it is now"
             if not _is_dir(then) else f"is no longer the default (that is "
             f"{now or 'the embedded sample'} now); name it")
    raise FileNotFoundError(f"--resume {out}: the CIFAR-10 folder it trained on without --data "
                            f"(${ENV_VAR}'s or the cache folder), {was}, {where} with "
                            "--data DIR")


def _is_dir(path: str | os.PathLike[str]) -> bool:
    try:
        return Path(path).is_dir()
    except (OSError, ValueError):  # (a name too long for the system: a forged state's)
        return False


def _is_file(path: str | os.PathLike[str]) -> bool:
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # (as _is_dir's)
        return False


def _missing_batches(root: Path, split: str) -> list[str]:
    """The CIFAR-10 files a run on `split` reads that `root` does not hold (all: no folder)."""
    needed = [*(TRAIN_FILES if split == "all" else TRAIN_FILES[:2]), "test_batch", "batches.meta"]
    return needed if not _is_dir(root) else [f for f in needed if not (root / f).is_file()]


def _missing_folders(folder: Path) -> list[Path]:
    """`folder` and its parents that do not exist yet, deepest first."""
    folder = Path(os.path.abspath(folder))
    missing = []
    while not folder.exists() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    return missing


def _train(args: argparse.Namespace, params: dict[str, Any]) -> int:
    if args.resume:
        if args.out and os.path.abspath(args.out) != os.path.abspath(args.resume):  # (as
            # run_training's check: `--out /abs/r --resume r` was refused)
            raise ValueError("--resume DIR continues the run in DIR; leave out --out")
        out = Path(args.resume)
        # a differing flag (--seed, another MODEL) is refused before "resuming" is printed
        ran = check_resume(out, args.model, params, args.seed, text=args.text)
        if ran is not None:  # so is a --data/--text (the run's own) no longer there
            _check_resumed_inputs(args, out, *ran)
    else:
        if args.out:  # (a refused --out came after "training ... -> OUT")
            check_new_out(args.out)
        out = Path(args.out) if args.out else default_out(args.model)
    # the samples and the summary: escaped where stdout cannot encode them, never an error
    say = StdoutPrinter("train", kept="samples.txt and result.json hold them")
    if not args.resume or (stage_dir(Path(os.path.abspath(out))) / STATE_FILE).is_file():
        # (no state: nothing is resumed; "resuming" came before "nothing to resume")
        say(f"{'resuming' if args.resume else 'training'} {args.model} -> {out}")
    # a finished run's outputs already waiting to be put in place are an earlier run's, not
    # this one's: a new run refused while it puts them in place has trained nothing
    earlier = None if args.resume else _done_mark(out)
    stop = StopFlag()
    try:
        with stop.catch_signals():
            res = run_training(args.model, params, data=args.data, text=args.text,
                               seed=args.seed, out=None if args.resume else out,
                               progress=args.progress, resume=args.resume,
                               checkpoint_every=args.checkpoint_every, stop=stop,
                               jit=args.jit, print_fn=say)
    except TrainingInterrupted as e:  # 128 + the signal, as the other commands and shells:
        sig = stop.signum or signal.SIGINT  # 130 Ctrl-C, 143 SIGTERM, 129 a closed terminal
        word = "interrupted" if sig == signal.SIGINT else "terminated"  # (143 was 130)
        print(f"{fresh_line()}{word} at epoch {e.epoch} step {e.step}; resume with: "
              f"{resume_command(args.model, out)}", file=sys.stderr, flush=True)
        return 128 + int(sig)
    except RunFinished as e:
        print(_finished(args, out, params, e), file=sys.stderr)
        return 0
    except OSError as e:  # a full disk, a read-only or unwritable folder, a quota: one line
        if isinstance(e, FileNotFoundError):  # a missing --data / --resume: the CLI's one line
            raise
        why = ("stdout was closed by its reader (a pipe)" if isinstance(e, BrokenPipeError)
               else write_error(e, out))  # (a pipe into `head` is not the output folder)
        print(f"tinygrad-dl train: error: {why}; {_how_to_resume(args, out, earlier)}",
              file=sys.stderr, flush=True)
        return 1
    try:
        say(summary(res, out))
    except BrokenPipeError:  # `| head`: the run and its outputs are complete; only this
        stdout_gone()  # summary (its numbers are in result.json) was not: the run succeeded
    return 0


def _finished(args: argparse.Namespace, out: Path, params: dict[str, Any],
              e: RunFinished) -> str:
    """--resume of a finished run: "nothing to resume", naming the flags that changed nothing
    (they were dropped without a word, exit 0); another MODEL than the run's is refused."""
    ran = finished_model(out)
    if ran is not None and ran != args.model:
        raise ValueError(f"--resume {out}: the run there trained {ran}, not {args.model} (and it "
                         "finished: there is nothing to resume)")
    names = flag_names()
    given = [names[k] for k in params] + [f for f, v in (
        ("--seed", args.seed), ("--checkpoint-every", args.checkpoint_every),
        ("--data", args.data), ("--text", args.text)) if v is not None]
    return f"{e}" + (f"; {', '.join(given)} changed nothing" if given else "")


def resume_command(model: str, out: Path) -> str:
    """The command that resumes the run in `out`, quoted for a POSIX shell so that it can be
    pasted as printed (an --out with a space, a quote or a `$` in it; one that starts with
    '-' as --resume=PATH, which argparse would otherwise read as a flag)."""
    where = str(out)
    flag = [f"--resume={where}"] if where.startswith("-") else ["--resume", where]
    return shlex.join(["tinygrad-dl", "train", model, *flag])


def _done_mark(out: Path) -> tuple[int, int, int] | None:
    """Which finished-run mark the staging folder of `out` holds (a new one is a new file), or
    None: none."""
    try:
        st = os.stat(stage_dir(Path(os.path.abspath(out))) / DONE)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_ctime_ns)


def _how_to_resume(args: argparse.Namespace, out: Path,
                   earlier: tuple[int, int, int] | None = None) -> str:
    stage = stage_dir(Path(os.path.abspath(out)))
    done = _done_mark(out)
    if done is not None and done == earlier:  # an earlier run's mark, not put in place: this
        # run trained nothing ("--resume" said "nothing to resume" and trained nothing either);
        # the same command puts the earlier outputs in place, then trains
        return "nothing was saved yet: once it is fixed, run the same command again"
    if done is not None:  # trained and written; only putting it in place failed (a
        # folder made read-only): "nothing was saved yet: run the same command again" trained
        # it all again, where --resume finishes the move
        return (f"the run finished and its outputs are kept in {stage}: once it is fixed, put "
                f"them in place with: {resume_command(args.model, out)}")
    if (stage / STATE_FILE).is_file():
        return (f"what was saved is kept: once it is fixed, resume with: "
                f"{resume_command(args.model, out)}")
    return "nothing was saved yet: once it is fixed, run the same command again"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _epochs(f: dict[str, Any], meta: dict[str, Any]) -> str:
    """The epochs a run trained, for the summary: result.json's number (a part of an epoch to
    at least 3 significant digits), except for a run stopped just short of or past a whole
    epoch (18,604 updates of 18,605 per epoch: 0.99995, at 2 decimals the whole first epoch):
    then the whole epochs and the updates of the next, exact."""
    e, per = f["epochs"], meta.get("updates_per_epoch")
    if isinstance(e, float) and round(e) and round(e, 2) == round(e) and per:  # (whole: int)
        done, part = divmod(int(f["n_updates"]), int(per))
        if part:
            return (f"{part:,} of the first epoch's {per:,} updates" if not done else
                    f"{_plural(done, 'epoch')} and {part:,} of the next one's {per:,} updates")
    return _plural(e, "epoch")


def summary(res: TrainResult, out: Path) -> str:
    """What a run did, for a reader new to it: data, sizes, time, the numbers and their meaning,
    where the outputs are."""
    f, meta = res.final, res.history.meta
    sizes = meta.get("sizes", {})
    lines = [f"data: {meta.get('data')}"]
    resumed = "" if res.resumed_from is None else f" (resumed at update {res.resumed_from})"
    lines.append(f"trained: {_plural(f['n_updates'], 'update')}, {_epochs(f, meta)}"
                 f" in {res.seconds:.1f} s{resumed}")
    if res.test_acc is None:  # the char-RNN
        lines.append(f"text: {_plural(sizes.get('characters', 0), 'character')}, a vocabulary "
                     f"of {sizes.get('vocabulary')}")
        if "weights" in f:  # --restore-best: the model is the best update's, not the last's
            lines.append(f"weights: the lowest-smooth-loss weights of update {meta['best_step']}"
                         f" (--restore-best); their smooth loss {f['smooth_loss']:.4f}, the "
                         f"last update's {f['last_smooth_loss']:.4f}")
        else:
            lines.append(f"final smooth loss: {f['smooth_loss']:.4f} (best "
                         f"{f['best_smooth_loss']:.4f})")
        lines[-1] += (f": the running average of the loss of one {res.params['seq_length']}-"
                      f"character sequence; it starts near {res.params['seq_length']}·ln "
                      f"{sizes.get('vocabulary')} and falls as the model learns")
        lines.append(f"sample:\n{f['sample']}")
    else:
        n_val = sizes.get("val", 0)
        lines.append(f"images: {sizes.get('train', 0):,} train / {n_val:,} validation / "
                     f"{sizes.get('test', 0):,} test" + (
                         f" (with only {n_val} validation images, one image is "
                         f"{1 / n_val:.1%} of validation accuracy)" if 0 < n_val < 1000 else ""))
        if "weights" in f:  # --restore-best: every number below is of the restored weights
            lines.append(f"weights: the best-validation weights of update {meta['best_step']}, "
                         "restored and saved; every accuracy below is of them")
        lines.append(f"final train accuracy: {percent_text(f['train_acc'], 2)}")
        if res.best_val_acc is not None:
            best = ("" if "weights" in f else f" (best {percent_text(res.best_val_acc, 2)} at "
                    f"update {meta['best_step']}; --restore-best keeps those weights)")
            lines.append(f"final validation accuracy: {percent_text(f['val_acc'], 2)}{best}")
        lines.append(f"test accuracy: {percent_text(res.test_acc, 2)}  (share of the test images "
                     "classified right, chance = 10%: the honest estimate; validation is what "
                     "settings are chosen on)")
    files = ", ".join(sorted(p.name for p in out.iterdir())) if out.is_dir() else ""
    lines.append(f"outputs: {out}" + (f" ({files})" if files else ""))
    return "\n".join(lines)

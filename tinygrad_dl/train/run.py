"""`run_training` (used by the CLI and the hyperparameter search): one run of a registered model
with its course defaults, through the Trainer of the loop its class names (`TRAINERS`:
`Loop.MINIBATCH` -> minibatch.py's `fit`, `Loop.SEQUENCE` -> sequence.py's `fit_rnn`). With
`out`, a run writes history.json, model.npz (checkpoint), result.json and its plots there, as one
unit (train/outputs.py), with a resumable training state (train/state.py) saved every epoch /
every checkpoint_every updates and on interrupt.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl.data import CharData, load_text, resolve_data_dir
from tinygrad_dl.models import MODELS, Loop, model_class
from tinygrad_dl.optim import Optimizer

from .guard import NonFiniteLossError
from .history import History, TrainResult
from .hyperparams import BY_KEY, flag_names
from .loop import Trainer
from .minibatch import MinibatchTrainer
from .outputs import (
    check_resumed_out,
    commit_out,
    keep_diverged,
    lock_out,
    prepare_out,
    ran_settings,
    stage_dir,
    write_outputs,
)
from .sequence import SequenceTrainer
from .state import (
    STATE_FILE,
    TrainingInterrupted,
    load_train_state,
    lowest,
    restore_generators,
    save_train_state,
    unstorable,
)

__all__ = ["DEFAULTS", "N_S_EPOCHS", "TrainResult", "resolve_params", "run_training",
           "write_outputs"]

# ---- the course's settings, per model: carried by the model classes themselves ----------------
DEFAULTS: dict[str, dict[str, Any]] = {name: dict(cls.defaults) for name, cls in MODELS.items()}
# n_s = factor * floor(n / n_batch) when not given: one cyclical half-cycle is `factor` epochs
N_S_EPOCHS = {name: cls.n_s_epochs for name, cls in MODELS.items() if hasattr(cls, "n_s_epochs")}
# which Trainer trains the models of each loop (a model class names its loop)
TRAINERS: dict[Loop, Trainer] = {Loop.MINIBATCH: MinibatchTrainer(),
                                 Loop.SEQUENCE: SequenceTrainer()}


def resolve_params(model: str, params: dict[str, Any] | None,
                   names: dict[str, str] | None = None, *,
                   offered: dict[str, str] | None = None) -> dict[str, Any]:
    """The course defaults for `model` updated with `params`; unknown keys -> ValueError.
    `names` maps keys to what the user typed (the CLI: "lam" -> "--lambda"), so an error names
    the flag, not the internal key; `offered` maps keys to how the caller's user can give them
    (train: "--lambda"; search: "lambda"), so an unknown key's error lists the model's settings
    that way (those without an entry are left out: train has no flag for clip_norm)."""
    names = names or {}

    def n(*keys: str) -> str:
        return "/".join(names.get(k, k) for k in keys)

    cls = model_class(model)
    trainer = TRAINERS[cls.loop]
    given = dict(params or {})
    valid = cls.defaults
    trainer.refuse(model, given, n)  # what this loop never takes, before unknown keys
    unknown = sorted(set(given) - set(valid))
    if unknown:
        takes = (f"valid keys: {', '.join(sorted(valid))}" if offered is None else
                 f"{model} takes: {', '.join(sorted(offered[k] for k in valid if k in offered))}")
        raise ValueError(f"unknown parameter(s) {n(*unknown).replace('/', ', ')} for {model}; "
                         f"{takes}")
    d = given.get("dtype")
    if "dtype" in given and not (type(d) is str and d in BY_KEY["dtype"].choices):
        try:  # np.float32, np.dtype(...), NumPy's "f4", "double", None (its float64): as before
            given["dtype"] = np.dtype(given["dtype"]).name
        except TypeError:
            pass  # the table's check below names the valid choices
    for key, v in given.items():  # each value against its row of the hyperparameter table
        try:
            BY_KEY[key].check(v)
        except ValueError as e:
            raise ValueError(f"{n(key)} for {model}: {e}") from None
    p = {**valid, **given}
    return trainer.resolve(model, p, given, n)


def run_training(
    model: str,
    params: dict[str, Any] | None = None,
    *,
    data: Any = None,
    text: Any = None,
    seed: int | None = None,
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
    are shuffled with default_rng(seed): the same seed gives the same run (None: 0).
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
    for name, where in (("out", out), ("resume", resume)):
        if isinstance(where, str) and where == "":  # (an unset variable: the current folder)
            raise ValueError(f"run_training: {name}='' names no folder (an unset variable?); "
                             f"give a folder, or None")
    if resume is not None and out is not None and (
            os.path.abspath(out) != os.path.abspath(resume)):  # (out= was dropped without a word)
        raise ValueError(f"run_training: resume={os.fspath(resume)!r} continues the run in that "
                         f"folder, so out={os.fspath(out)!r} would not be written; leave out out=")
    where = resume if resume is not None else out
    kw = dict(data=data, text=text, seed=seed, out=out, progress=progress, print_fn=print_fn,
              jit=jit, resume=resume, checkpoint_every=checkpoint_every, stop=stop)
    if where is None:
        return _run(model, params, **kw)
    if resume is None:
        resolve_params(model, params)  # bad settings are refused before --out is touched
    with lock_out(where, flag="--out" if resume is None else "--resume"):  # one run at a time
        return _run(model, params, **kw)


def _run(model: str, params: dict[str, Any] | None, *, data: Any, text: Any, seed: int | None,
         out: str | os.PathLike[str] | None, progress: bool, print_fn: Any, jit: bool,
         resume: str | os.PathLike[str] | None, checkpoint_every: int | None,
         stop: Any) -> TrainResult:
    notes: list[str] = []
    state = None
    if resume is not None:
        out = resume
        stage = prepare_out(out, resume=True, notes=notes)
        state = load_train_state(stage / STATE_FILE)
        model, params, seed, data, text = _resumed_args(state, model, params, seed, data, text)
        params = _legacy_batching(state["loop"], params)
        checkpoint_every = _resumed_checkpoint_every(state["run"], checkpoint_every, notes)
    seed = 0 if seed is None else seed
    p = resolve_params(model, params)  # bad settings are refused before --out is touched
    if out is not None:
        check_storable(model, params, seed, checkpoint_every)
    if out is not None and resume is None:
        stage = prepare_out(out, resume=False, notes=notes)
    cls = model_class(model)
    trainer = TRAINERS[cls.loop]
    epochs_given = "epochs" in (params or {})
    dtype = np.dtype(p["dtype"])
    hist = History(meta={"model": model, "seed": seed})
    out_dir = Path(out) if out is not None else None
    run_info = {"model": model, "params": dict(params or {}), "seed": seed,
                "data": _path_or_none(data), "text": _path_or_none(text),
                "checkpoint_every": checkpoint_every}  # (None: the model's default)
    if data is None and cls.loop is Loop.MINIBATCH:  # the folder the default data is, for a
        # resume to check that the default still is it (None: the embedded sample)
        root = resolve_data_dir(None)
        run_info["data_dir"] = None if root is None else os.path.abspath(root)
    t0 = time.perf_counter()
    for n in notes:
        _note(print_fn, n)
    printed = len(notes)
    try:
        run = trainer.prepare(cls, p, data=data, text=text, rng=np.random.default_rng([seed, 0]),
                              dtype=dtype, checkpoint_every=checkpoint_every, print_fn=print_fn,
                              epochs_given=epochs_given, notes=notes)
        hist.meta["data"] = run.source
        if out_dir is not None:  # (kept in the state, for a resume to check; ~1 s per GB)
            run_info["data_sha256"] = _fingerprint(run.data)
        if state is not None:
            source = state["history"].meta.get("data")  # (read as hostile: one short line)
            _check_same_data(state["run"], run.sizes, run_info.get("data_sha256"), resume,
                             " ".join(str(source).split())[:200] if source else None)
            hist = _restore(state, run.net, run.optimizer, run.sizes, stage / STATE_FILE)
            t0 -= state["run"].get("seconds", 0.0)
        run_info["sizes"] = hist.meta["sizes"] = run.sizes

        def save_state(loop: dict[str, Any]) -> None:
            run_info["seconds"] = time.perf_counter() - t0
            save_train_state(stage / STATE_FILE, run=run_info, model=run.net,
                             optimizer=run.optimizer, history=hist, loop=loop)

        # --split/--val-size that the data cannot use (the embedded sample's splits are fixed;
        # batch1 holds no val_size out): said, not dropped without a word
        embedded = trainer.embedded(data)
        for k in sorted({"split", "val_size"} & set(params or {})
                        & trainer.unused(p, params or {}, embedded=embedded)):
            notes.append(f"{k}={p[k]!r} ({BY_KEY[k].shown}) was given but has no "
                         "effect: " + ("the embedded sample's splits are fixed (1000 train / "
                                       "200 val / 500 test)" if embedded else
                                       "split='batch1' validates on data_batch_2"))
        for n in notes[printed:]:
            _note(print_fn, n)
        trainer.fit(run.net, run.data, optimizer=run.optimizer, seed=seed,
                    restore_best=p["restore_best"], progress=progress, history=hist,
                    resume=None if state is None else state["loop"],
                    on_checkpoint=save_state if out_dir is not None else None,
                    checkpoint_every=run.checkpoint_every, stop=stop, jit=jit, **run.loop_kw)
        result = trainer.result(run, p, hist, seed)
    except NonFiniteLossError as e:
        if out_dir is not None:  # keep what was logged up to the blow-up, for the post-mortem,
            # beside --out: a diverged run never replaces the previous run there
            hist.save(stage / "history.json")
            kept = keep_diverged(stage, out_dir)
            prev = (f"{os.path.abspath(out_dir)} is left as it was, and " if out_dir.exists()
                    else "")
            e.args = (f"{e}; {prev}this run's history up to then is in {kept}",)
        raise
    except TrainingInterrupted as e:
        e.out = out_dir  # type: ignore[attr-defined]
        e.args = (f"{e}; " + (f"resume with run_training({model!r}, resume="
                              f"{os.fspath(out_dir)!r})" if out_dir is not None
                              else "nothing was saved (no out= folder)"),)
        raise
    except BaseException:
        if out_dir is not None and not (stage / STATE_FILE).exists():
            shutil.rmtree(stage, ignore_errors=True)  # failed before anything worth resuming
        raise
    result.seconds = time.perf_counter() - t0
    result.name = model
    result.params = ran_settings(p, trainer.unused(p, params or {},
                                                   embedded=trainer.embedded(data)))
    result.notes = notes
    result.resumed_from = None if state is None else int(state["loop"]["step"])
    if out_dir is not None:
        trainer.write(result, stage, seed=seed, data=run.data)
        result.out = commit_out(stage, out_dir)
    return result


def check_storable(model: str, params: dict[str, Any] | None, seed: int,
                   checkpoint_every: int | None, *, flags: bool = False) -> None:
    """Refuse, before anything is written, a number the run's training state could not hold:
    such a run trained and saved its state, and every resume was refused ("out of range").
    flags: name the command line's flags (--lambda); else run_training's keys (lam=)."""
    bad = unstorable({"seed": seed, "checkpoint_every": checkpoint_every,
                      "params": dict(params or {})})
    if bad is None:
        return
    value = (seed if bad == "seed" else checkpoint_every if bad == "checkpoint_every"
             else (params or {})[bad])
    if flags:
        what = ({"seed": "--seed", "checkpoint_every": "--checkpoint-every"}.get(bad)
                or flag_names().get(bad, bad)) + f" {value}"
    else:  # (an API caller passed checkpoint_every=0, not --checkpoint-every)
        what = f"run_training: {bad}={value}"
    raise ValueError(f"{what} is outside what the resumable state of a {model} run holds "
                     f"({lowest(bad)} to 2**63 - 1); give a value in that range")


def _note(print_fn: Any, text: str) -> None:
    if print_fn is not None:
        print(f"note: {text}", file=sys.stderr, flush=True)


def _path_or_none(source: Any) -> str | None:
    """A data/text path as an absolute path (a resume may start in another folder)."""
    if isinstance(source, (str, os.PathLike)):
        return os.path.abspath(os.path.expanduser(source))
    return None


def check_resume(resume: str | os.PathLike[str], model: str, params: dict[str, Any] | None,
                 seed: int | None, text: Any = None
                 ) -> tuple[dict[str, Any], Any, Any, dict[str, Any]] | None:
    """Refuse (ValueError) a resume of `resume` whose model, seed or settings contradict the
    interrupted run's, before anything is printed or written: the CLI calls it before its
    "resuming" line, which came before the refusal. A state that is not there (or not readable)
    is left to run_training, which says why (None). Else the run's params, and the data and
    text paths it trained on (None: its default), for the caller to check they are still there,
    and the saved run's record (its "data_dir": the folder its default data was). A char-RNN's
    text (`text`, else the run's), edited since, is refused here too: it said "resuming" first."""
    check_resumed_out(resume)
    path = stage_dir(resume) / STATE_FILE
    if not path.is_file():
        return None
    try:
        state = load_train_state(path)
    except (OSError, ValueError):
        return None
    _, ran, _, data, saved = _resumed_args(state, model, params, seed, None, None)
    if model_class(model).loop is Loop.SEQUENCE and not isinstance(text, CharData):
        try:  # (read again by the run: ~1 s per 50 MB of text, once per resume)
            chars = load_text(text if text is not None else saved)
        except (OSError, ValueError):  # not there, or no text now: the caller or the run says
            chars = None
        if chars is not None:
            source = state["history"].meta.get("data")
            _check_same_data(state["run"], {"characters": len(chars.text), "vocabulary": chars.K},
                             chars.fingerprint(), resume, shown(source) if source else None)
    return _legacy_batching(state["loop"], ran), data, saved, state["run"]


def shown(path: Any) -> str:
    """A path read from a state file (as a forged one may be), as one short printable line."""
    return "".join(c if c.isprintable() else "?" for c in " ".join(str(path).split())[:200])


def _resumed_args(state: dict[str, Any], model: str, params: dict[str, Any] | None,
                  seed: int | None, data: Any, text: Any
                  ) -> tuple[str, dict[str, Any], int, Any, Any]:
    """The interrupted run's model, params, seed and data; a contradicting argument is refused."""
    run = state["run"]
    if model != run["model"]:
        raise ValueError(f"--resume: the interrupted run trains {run['model']}, not {model}")
    if seed is not None and seed != run["seed"]:  # (was dropped without a word)
        raise ValueError(f"--resume continues a run with its own seed ({run['seed']}), not "
                         f"{seed}; leave out --seed")
    # what the run ran with: its own settings, else the defaults (a flag repeating the default
    # it ran with was refused as differing from "its default"), as resolved for it
    saved = _legacy_batching(state["loop"], run["params"])
    given = dict(params or {})
    ran, now, why = _with_given(run["model"], saved, given)
    clash = [k for k, v in given.items()
             if k not in ran or _differ(v if now is None else now[k], ran[k])]
    if clash:  # (a flag repeating the run's own value changes nothing: it is let through)
        said = ", ".join(f"{_as_typed(k, given[k])} (the run's: "
                         f"{_ran_value(k, ran, run['model'])})" for k in clash)
        raise ValueError(f"--resume continues a run with its own settings, and {said} "
                         f"differ{'s' * (len(clash) == 1)}; leave "
                         f"{'it' if len(clash) == 1 else 'them'} out")
    if why:  # each the run's value, and yet not the same run: an --eta makes a cyclic schedule
        # constant, an --n-updates contradicts its --epochs (both were let through, and dropped)
        said = ", ".join(_as_typed(k, v) for k, v in given.items())
        raise ValueError(f"--resume continues a run with its own settings, and {said}, given, "
                         f"would change it ({why}); leave {'it' if len(given) == 1 else 'them'} "
                         "out")
    data = data if data is not None else run["data"]
    text = text if text is not None else run["text"]
    return model, dict(run["params"]), int(run["seed"]), data, text


def _with_given(model: str, saved: dict[str, Any], given: dict[str, Any]
                ) -> tuple[dict[str, Any], dict[str, Any] | None, str]:
    """The settings the run resolved to; those it would resolve to with `given` added (None
    where they are refused); and how the latter differ ("" where they do not)."""
    try:
        ran = resolve_params(model, saved)
    except (ValueError, TypeError):  # (a state today's checks refuse: the run itself says why)
        return {**DEFAULTS.get(model, {}), **saved}, None, ""
    if not given:
        return ran, ran, ""
    try:
        now = resolve_params(model, {**saved, **given}, names=flag_names())
    except (ValueError, TypeError) as e:
        return ran, None, str(e)
    def shown(k: str, d: dict[str, Any]) -> str:
        return _as_typed(k, d[k]) if d.get(k) is not None else f"{BY_KEY[k].shown} unset"

    changed = [k for k in ran if _differ(now.get(k), ran[k])]
    return ran, now, ", ".join(f"{shown(k, now)}, not {shown(k, ran)}" for k in changed)


def _ran_value(key: str, ran: dict[str, Any], model: str) -> str:
    if key not in ran:
        return f"none: {model} has no such setting"
    return "unset" if ran[key] is None else _as_typed(key, ran[key])


def _differ(given: Any, saved: Any) -> bool:
    """A given setting is not the saved one (a list saved as JSON compares as a list)."""
    try:
        if isinstance(given, (list, tuple)) and isinstance(saved, (list, tuple)):
            return list(given) != list(saved)
        return bool(given != saved)
    except (TypeError, ValueError):
        return True


def _as_typed(key: str, v: Any) -> str:
    """A setting as the train command line gives it: --eta 0.05, --hidden 50,50, --keep-last
    (a key without a flag, or a value no flag gives, as key=value)."""
    h = BY_KEY.get(key)
    if h is None or h.flag is None:
        return f"{key}={v!r}"
    if h.kind is bool:
        off = h.off_flag or (f"--no-{h.flag[2:]}" if h.negatable else None)
        return h.flag if v is True else off if v is False and off else f"{key}={v!r}"
    if h.kind is list and isinstance(v, (list, tuple)):
        return f"{h.flag} {','.join(map(str, v))}"
    return f"{h.flag} {v}"


def _resumed_checkpoint_every(run: dict[str, Any], given: int | None,
                              notes: list[str]) -> int | None:
    """A resumed run saves its state as often as the interrupted run did, unless
    --checkpoint-every is given again (then that wins, with a note when it differs)."""
    then = run.get("checkpoint_every")  # (absent in states saved before 2026-12-03: default)
    if given is None:
        return then
    if given != then:
        was = f"every {then:,} updates" if then is not None else "at the model's default"
        notes.append(f"--checkpoint-every {given}: this run now saves its state every "
                     f"{given:,} updates (the interrupted run saved it {was})")
    return given


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
        best = state["loop"].get("best_state")
        if best is not None:  # the best weights so far, loaded at the run's end: checked now
            try:  # (a forged one trained the whole run, then failed naming no file, and again
                net.load_state_dict(best)  # on every resume); all or nothing, then replaced
            except ValueError as e:
                raise ValueError(f"its best weights: {e}") from None
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


def _fingerprint(data: Any) -> str | None:
    """The prepared data's content hash (`Dataset.fingerprint`, `CharData.fingerprint`)."""
    f = getattr(data, "fingerprint", None)
    return f() if f is not None else None


def _check_same_data(run: dict[str, Any], sizes: dict[str, int], sha: str | None,
                     where: Any, source: Any = None) -> None:
    # what the run trained on: its --data/--text, else what it found without them (the embedded
    # sample, $TINYGRAD_DL_DATA's folder, the CPython corpus), as its history names it; "the
    # default data" did not say which, and the default may have changed since (the variable)
    was = run.get("data") or run.get("text") or source or "the default data"
    # (a path read from the state file: a newline in its name split the one-line refusal)
    was = shown(was)
    # a text with "\r\n" (fewer characters now) or lone "\r" line endings (as many: other ones,
    # or one fewer in the vocabulary)
    crlf = (" (if the text has \\r\\n or \\r line endings: read as \\n now, as open() reads "
            "them, a run on it from before cannot resume)") if "characters" in sizes else ""
    if run.get("sizes") and run["sizes"] != sizes:
        if not sizes.get("characters", 0) <= run["sizes"].get("characters", 0):
            crlf = ""
        raise ValueError(f"--resume {where}: the data differ from the interrupted run's "
                         f"({sizes} now, {run['sizes']} then); resume with the data it trained "
                         f"on ({was}){crlf}")
    then = run.get("data_sha256")  # (a state saved before 2026-12-03 has none: sizes only)
    if then and sha and then != sha:  # as many images or characters, other ones: the rest of
        # the run would train on them, under the old run's name
        raise ValueError(f"--resume {where}: the data differ from the interrupted run's (the "
                         f"same sizes, other contents: sha256 {sha[:12]} now, {then[:12]} "
                         f"then); resume with the data it trained on ({was})"
                         f"{crlf}")

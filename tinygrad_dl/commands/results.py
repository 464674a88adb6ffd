"""`tinygrad-dl results`: the README's results rows over many seeds, as one resumable command,
and the Markdown table rendered from what it measured.

    tinygrad-dl results --data ../shared/data/cifar-10-batches-py --seeds 20 --jobs 2 \\
        --results docs/data/results.json --page docs/results.md

Each row is a `tinygrad-dl train` command (parsed by the train command's own parser, so the
command shown is the command run), trained with seeds 0..n-1 through the search machinery
(tinygrad_dl.search.seeds). The per-seed numbers go to --results (JSON), the page to --page,
and `--into FILE` renders the same table between the results markers of any Markdown file.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from tinygrad_dl.container import Refused, check_schema, no_nan
from tinygrad_dl.files import StdoutPrinter, atomic_write, same_file
from tinygrad_dl.models import Loop, model_class
from tinygrad_dl.search.render import (
    BEGIN,
    END,
    check_markers,
    render_block,
    render_page,
    write_between_markers,
)
from tinygrad_dl.search.results import STORE_FILES, finite
from tinygrad_dl.search.seeds import FORMAT, Comparison, Setting, collect, run_seeds
from tinygrad_dl.search.trial import resolve_data

from . import train
from .args import nonneg_int, positive_int
from .signals import fresh_line, sigterm_as_interrupt, stopped

NINE = "50,30,20,20,10,10,10,10"
CYCLIC = "--eta-min 1e-5 --eta-max 1e-1 --n-batch 100"
SUBSET = "--split all --val-size 500"
K9 = f"k-layer {SUBSET} --hidden {NINE}"
K9_TAIL = f"--lambda 0.005 {CYCLIC} --cycles 2"
SMALL_INIT = "--init gaussian --std 1e-3"

# (name, label, command after `tinygrad-dl train`, target, the course's number on full CIFAR-10)
COURSE_ROWS: list[tuple[str, str, str, float | None, str]] = [
    ("one-layer", "one-layer", "one-layer --split batch1 --lambda 0.1 --eta 0.001 --n-batch 100 "
     "--epochs 40", 0.315, "~39%"),
    ("two-layer", "two-layer, m=50, λ 0.01", f"two-layer {SUBSET} --m 50 --lambda 0.01 {CYCLIC} "
     "--cycles 3", 0.42, "~52%"),
    ("k-layer-bn", "k-layer [50,50] + BN, λ 0.06", f"k-layer {SUBSET} --hidden 50,50 "
     f"--batch-norm --lambda 0.06 {CYCLIC} --cycles 2", 0.42, "53–54%"),
    ("k-layer-bn-lam0.005", "k-layer [50,50] + BN, λ 0.005", f"k-layer {SUBSET} --hidden 50,50 "
     f"--batch-norm --lambda 0.005 {CYCLIC} --cycles 2", None, "53–54%"),
    ("9-layer-bn", "9-layer + BN", f"{K9} --batch-norm {K9_TAIL}", None, "51.6%"),
    ("9-layer-no-bn", "9-layer, no BN", f"{K9} --no-batch-norm {K9_TAIL}", None, "45.2%"),
    ("9-layer-bn-keep-last", "9-layer + BN, --keep-last",
     f"{K9} --batch-norm {K9_TAIL} --keep-last", None, ""),
    ("9-layer-no-bn-keep-last", "9-layer, no BN, --keep-last",
     f"{K9} --no-batch-norm {K9_TAIL} --keep-last", None, ""),
    ("9-layer-bn-small-init", "9-layer + BN, init N(0, 1e-3²)",
     f"{K9} --batch-norm {SMALL_INIT} {K9_TAIL}", None, "trains"),
    ("9-layer-no-bn-small-init", "9-layer, no BN, init N(0, 1e-3²)",
     f"{K9} --no-batch-norm {SMALL_INIT} {K9_TAIL}", None, "fails"),
    ("convnet", "ConvNet [16, 32] (beyond the course)", "convnet --dtype float32 --cycles 3",
     None, ""),
    ("char-rnn-10k", "char-RNN m=100, 10,000 updates",
     "char-rnn --m 100 --eta 0.1 --seq-length 25 --n-updates 10000", None, ""),
]
COMPARISONS = [
    Comparison("9-layer-bn", "9-layer-no-bn", "Does batch norm help the 9-layer net?"),
    Comparison("9-layer-bn-keep-last", "9-layer-no-bn-keep-last",
               "… with the short last batch kept (earlier releases)?"),
    Comparison("9-layer-bn-small-init", "9-layer-no-bn-small-init",
               "… with the small init N(0, 1e-3²)?"),
    Comparison("9-layer-bn", "9-layer-bn-keep-last",
               "Does dropping the short last batch help the 9-layer BN net?"),
    Comparison("9-layer-no-bn", "9-layer-no-bn-keep-last", "… and the 9-layer net without BN?"),
    Comparison("k-layer-bn", "k-layer-bn-lam0.005",
               "λ 0.06 or the course's 0.005 for [50,50] + BN on this subset?"),
    Comparison("convnet", "k-layer-bn", "Does the ConvNet beat the best MLP row?"),
]

# context the page prints under the table (never a measured claim: those are computed)
NOTES = [
    "**Why below the course's numbers.** The subset holds about a tenth of CIFAR-10's training "
    "images (4,670 with `--split all --val-size 500`; 1,102 in `batch1`), and the test set is "
    "1,017 images, so one image is 0.1 point of test accuracy. With the full dataset, point "
    "`--data` at it and use `--split all --val-size 5000`: the course reports about 39% "
    "(one-layer), 52% (two-layer) and 53–54% (k-layer with batch norm).",
    "**Why the full dataset can differ on batch norm.** The course's 9-layer comparison (51.6% "
    "with batch norm against 45.2% without) comes from 45,000 training images and 9,000 updates "
    "(2 cycles of n_s = 5 · 450); the subset gives these nets 4,670 images and 920 updates, a "
    "tenth of each. What batch norm buys a deep, narrow net is trainability: well-scaled layers "
    "over many updates. With a tenth of the data and of the updates, what limits both nets is "
    "what they have seen, so a difference that holds at full scale need not show on the subset, "
    "and the comparison rows above answer only the subset's question; the full question needs "
    "the full data.",
    "**The --keep-last rows** train on the short last batch of each epoch as releases before "
    "`--drop-last` did; they reproduce those releases bit for bit (their seeds 0–4 are the five "
    "seeds the earlier README quoted).",
]


# the flags that set how the rows are trained, with their defaults: --render-only trains nothing
_TRAINING = {"seeds": 20, "data": None, "text": None, "jobs": 1, "backend": "joblib",
             "address": None, "retries": 2, "retry_failed": False, "merge": False}


def parse_setting(name: str, label: str, command: str, target: float | None = None,
                  course: str = "") -> Setting:
    """A Setting from a `tinygrad-dl train` command line (what the train command would run)."""
    parser = argparse.ArgumentParser(prog="tinygrad-dl", exit_on_error=False)
    train.register(parser.add_subparsers(dest="command"))
    try:
        args = parser.parse_args(["train", *shlex.split(command)])
    except (argparse.ArgumentError, SystemExit) as e:
        raise ValueError(f"results row {name}: `tinygrad-dl train {command}` does not parse "
                         f"({e})") from None
    if args.data or args.text or args.out or args.resume:
        raise ValueError(f"results row {name}: leave --data/--text/--out/--resume out of the "
                         "row's command (the results command gives them)")
    return Setting(name, label, args.model, train.params_from_args(args), command, target,
                   course)


def course_settings() -> list[Setting]:
    return [parse_setting(*row) for row in COURSE_ROWS]


def register(subparsers: Any) -> None:
    names = [row[0] for row in COURSE_ROWS]
    p = subparsers.add_parser(
        "results",
        help="the results table: the course's runs over many seeds, rendered to Markdown",
        description="Train each results row with seeds 0..N-1 (parallel, resumable: re-run to "
        "continue), save the per-seed numbers, render the table (mean ± standard error; a "
        "comparison is claimed only beyond twice its standard error, from 20 seeds).",
        epilog="rows: " + ", ".join(names) + "\n\nexample:\n  tinygrad-dl results --data "
        "../shared/data/cifar-10-batches-py --seeds 20 --jobs 2 \\\n      --results "
        "docs/data/results.json --page docs/results.md\n  tinygrad-dl results --render-only "
        "--results docs/data/results.json --into README.md",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--only", nargs="+", choices=names, metavar="ROW",
                   help="run and render only these rows (default: all)")
    p.add_argument("--merge", action="store_true",
                   help="with --only: keep the other rows of the existing --results file "
                   "(each as its own command made it; a row whose definition changed since, "
                   "or rows trained on other data, are refused), so one row can be added or "
                   "redone")
    p.add_argument("--seeds", type=positive_int, default=_TRAINING["seeds"],
                   help="seeds 0..N-1 per row (default 20: the fewest any claim rests on)")
    p.add_argument("--data", default=None, metavar="DIR", help="CIFAR-10 folder (see train)")
    p.add_argument("--text", default=None, metavar="FILE", help="char-rnn text (default: the "
                   "embedded corpus)")
    p.add_argument("--jobs", type=int, default=_TRAINING["jobs"],
                   help="runs at once (-1: all cores)")
    p.add_argument("--backend", choices=("joblib", "dask", "ray"), default=_TRAINING["backend"],
                   help="where the runs go, as in `search`")
    p.add_argument("--address", default=None, help="a Dask/Ray scheduler, as in `search`")
    p.add_argument("--retries", type=nonneg_int, default=_TRAINING["retries"],
                   help="extra tries for a run whose worker died (default 2)")
    p.add_argument("--retry-failed", action="store_true", help="re-run failed seeds")
    p.add_argument("--out", default="runs/results", metavar="DIR",
                   help="one folder per row with its per-seed table (default runs/results)")
    p.add_argument("--results", default=None, metavar="FILE",
                   help="the per-seed results file to write (default OUT/results.json); with "
                   "--render-only, the file to render from")
    p.add_argument("--page", default=None, metavar="FILE",
                   help="the Markdown page to write (default: --results with .md; with "
                   "--render-only, none unless given)")
    p.add_argument("--into", action="append", default=[], metavar="FILE",
                   help=f"also render the table between {BEGIN} and {END} in FILE "
                   "(repeatable)")
    p.add_argument("--render-only", action="store_true",
                   help="train nothing: render from --results (a row made with another "
                   "command than today's is named on stderr)")
    p.add_argument("--list", action="store_true", help="print the rows' commands and exit")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def command_line(args: argparse.Namespace) -> str:
    """The command as a user types it to make these results (what the page shows)."""
    parts = ["tinygrad-dl", "results"]
    if args.data:
        parts += ["--data", args.data]
    if args.text:
        parts += ["--text", args.text]
    if args.only:
        parts += ["--only", *args.only]
    parts += ["--seeds", str(args.seeds), "--jobs", str(args.jobs)]
    if args.out != "runs/results":
        parts += ["--out", args.out]
    if args.results:
        parts += ["--results", args.results]
    if args.page:
        parts += ["--page", args.page]
    if args.merge:
        parts.append("--merge")
    return shlex.join(parts)


def load_results(path: Path) -> dict[str, Any]:
    """A results file written by this command; ValueError naming it otherwise."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"), parse_constant=no_nan)
    except FileNotFoundError:
        raise FileNotFoundError(f"--results {path}: no such file (run without --render-only "
                                "to make it)") from None
    except IsADirectoryError:  # a read of a path the user named, not a failed write
        raise ValueError(f"--results {path} is a folder, not a results file: name the "
                         f"file, e.g. {path / 'results.json'}") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, Refused) as e:
        raise ValueError(f"--results {path}: not a results file ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"--results {path}: not a results file of this version "
                         f"(format {FORMAT!r} expected)")
    # every field the page and --merge read, checked before one is used: a hand-edited file
    # ("settings": 5, a row without "name", a metric "abc") gave KeyError/TypeError tracebacks
    try:
        check_schema(doc, _RESULTS, "results")
        for i, st in enumerate(doc["settings"]):
            model_class(st["model"])
            if st["metric"] not in ("test_acc", "smooth_loss"):
                raise Refused(f"settings[{i}].metric must be test_acc or smooth_loss")
            check_schema(st["runs"], [{st["metric"] + "?": _NUM, "*": object}],
                         f"results.settings[{i}].runs")
            # (a seed listed twice, e.g. runs pasted in by hand, was shown once: the table's
            # mean took the last of them and its seed count the other as never run)
            seeds = [r["seed"] for r in st["runs"]]
            if len(set(seeds)) < len(seeds):
                twice = sorted({s for s in seeds if seeds.count(s) > 1})
                raise Refused(f"settings[{i}] ({st['name']}) lists seed {twice[0]} more than "
                              "once; one run per seed")
            # (an int past a float's range, 1 and 400 zeros, passed as a float: OverflowError)
            for where, v in [("target", st.get("target")),
                             *((f"runs[{j}].{k}", r.get(k)) for j, r in enumerate(st["runs"])
                               for k in (st["metric"], "train_seconds"))]:
                if v is not None and not finite(v):
                    raise Refused(f"settings[{i}].{where} is {v!r:.20}, not a finite number")
    except ValueError as e:  # (Refused is one; an unknown model is another)
        raise ValueError(f"--results {path}: not a usable results file ({e}); make it again "
                         "without --render-only") from None
    return doc


_NUM = (float, type(None))  # (an int is a valid float; NaN was written as null)
_RESULTS = {
    "format": str, "settings": [{
        "name": str, "label": str, "model": str, "command": str, "metric": str,
        "target?": _NUM, "course?": str, "params?": dict,
        "runs": [{"seed": int, "status?": (str, type(None)), "train_seconds?": _NUM,
                  "data_id?": (str, type(None)), "*": object}]}],
    "comparisons?": [{"a": str, "b": str, "question": str}], "notes?": [str],
    "commands?": [str], "command?": (str, type(None)), "machine?": dict, "*": object,
}


def kept_rows(old: dict[str, Any], redone: set[str]) -> list[dict[str, Any]]:
    """The rows of an earlier results file that `--merge` keeps: those not `redone`. Each must
    still be defined as it was (the same `tinygrad-dl train` command); else ValueError, before
    any run: its numbers would be shown for a setting that is no longer the row's."""
    current = {s.name: s for s in course_settings()}
    rows = []
    for st in old["settings"]:
        if st["name"] in redone:
            continue
        now = current.get(st["name"])
        if now is None:  # (no --only of its name: redoing it is no way out)
            raise ValueError(f"--merge: row {st['name']} of the results file is no longer a "
                             "results row, so it cannot be kept: name another --results, or "
                             "leave out --merge and --only to redo every row")
        if now.command != st["command"]:
            raise ValueError(f"--merge: row {st['name']} of the results file was made with "
                             f"`{st['command']}`, which is no longer its command: redo it "
                             f"(add it to --only) or name another --results")
        rows.append(st)
    return rows


def changed_rows(doc: dict[str, Any], source: Path) -> list[str]:
    """A note per row of a results file that today's row of that name would not make: its
    command changed, or the row is gone. `--render-only` renders such rows as they were made
    (the page shows their commands), but the table beside `--list` would mislead unsaid."""
    current = {s.name: s.command for s in course_settings()}
    notes = []
    for st in doc["settings"]:
        now = current.get(st["name"])
        if now == st["command"]:
            continue
        why = ("is no longer a results row" if now is None else
               f"is now `tinygrad-dl train {now}`; redo it with --only {st['name']} --merge")
        notes.append(f"note: {source}: row {st['name']} was made with `tinygrad-dl train "
                     f"{st['command']}`, which {why}")
    return notes


def data_ids(rows: list[dict[str, Any]]) -> dict[Any, set[str]]:
    """Per kind of training loop (classifiers, char-RNN), the data ids its rows' runs had."""
    out: dict[Any, set[str]] = {}
    for st in rows:
        ids = {r["data_id"] for r in st.get("runs", []) if r.get("data_id")}
        out.setdefault(model_class(st["model"]).loop, set()).update(ids)
    return out


def check_same_data(kept: dict[Any, set[str]], new: dict[Any, set[str]]) -> None:
    """Rows merged into one table must have trained on the same data, per kind of loop: the
    seeds of rows on other data are not pairs, and the table compared them (a paired
    difference, a verdict) as if they were."""
    for loop in kept.keys() & new.keys():
        if kept[loop] and new[loop] and kept[loop] != new[loop]:
            raise ValueError(f"--merge: the rows kept from the results file trained on "
                             f"{', '.join(sorted(kept[loop]))} and these on "
                             f"{', '.join(sorted(new[loop]))}: rows on other data cannot be "
                             "compared seed by seed; use the same --data/--text, or leave out "
                             "--merge")


def merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`new` (the rows just run) with the rows `old` keeps (`kept_rows`), in the course's row
    order, and every command that made them (`commands`, oldest first); refused when the kept
    rows trained on other data than the new ones (`check_same_data`)."""
    kept = kept_rows(old, {st["name"] for st in new["settings"]})
    check_same_data(data_ids(kept), data_ids(new["settings"]))
    rows = [*new["settings"], *kept]
    order = [s.name for s in course_settings()]
    rows.sort(key=lambda st: order.index(st["name"]))
    commands = old.get("commands") or ([old["command"]] if old.get("command") else [])
    return {**new, "settings": rows, "commands": [*commands, new["command"]]}


def run(args: argparse.Namespace) -> int:
    settings = [s for s in course_settings() if not args.only or s.name in args.only]
    if args.list:
        for s in settings:
            print(f"{s.name}: tinygrad-dl train {s.command}")
        return 0
    if args.merge and not args.only:  # (every row is run: there is no other row to keep)
        raise ValueError("--merge keeps the rows of --results that --only leaves out; without "
                         "--only every row is run: add --only ROW, or leave out --merge")
    for flag, value in (("--out", args.out), ("--results", args.results), ("--page", args.page),
                        *(("--into", f) for f in args.into)):
        if value is not None and not value.strip():  # "$UNSET": not the default file
            raise ValueError(f"{flag} is empty; name the file, or leave the flag out for its "
                             "default")
    results = Path(args.results) if args.results else Path(args.out) / "results.json"
    # a training run writes its page by default; --render-only writes only what it is asked to
    page = Path(args.page) if args.page else None if args.render_only else results.with_suffix(
        ".md")
    # one file named twice: `--into F --into F` rendered it twice; `--page F --into F` (or --page
    # naming --results) replaced F's own text (the results, with --render-only) by the page
    # (a hard link, two names of one file, too: by the OS's inode, not by the names)
    seen: list[tuple[str, Path]] = []
    for flag, path in (("--results", results), ("--page", page),
                       *(("--into", Path(f)) for f in args.into)):
        if path is None:
            continue
        same = next(((was, then) for was, then in seen if same_file(then, path)), None)
        if same is not None:
            was, then = same
            if flag == "--page" and args.page is None:  # (the default page: no --page given)
                raise ValueError(f"--results {results}: the page is written by default to the "
                                 "results' name with .md, the results file itself; name a "
                                 "--page FILE, or a --results file not ending in .md")
            raise ValueError(f"--into {path} given more than once; give it once"
                             if was == flag == "--into" and str(then) == str(path) else
                             f"{flag} {path} names the same file as {was} {then}; name "
                             "another file")
        seen.append((flag, path))
        if not (flag == "--results" and args.render_only):  # (read then, not written)
            _check_not_a_row_file(flag, path, Path(args.out))
    for flag, path in (("--results", None if args.render_only else results), ("--page", page)):
        if path is not None and path.is_dir():  # refused now, not after the hours of training
            raise ValueError(f"{flag} {path} is a folder; name a file in it, e.g. "
                             f"{path / ('results.json' if flag == '--results' else 'results.md')}")
    for f in args.into:  # refused before any training, not after hours of it
        check_markers(f)
    if args.merge and not args.render_only and results.is_file():  # the same, before any run
        kept = kept_rows(load_results(results), {s.name for s in settings})
        planned: dict[Any, set[str]] = {}
        for s in settings:
            seq = model_class(s.model).loop is Loop.SEQUENCE
            ref = resolve_data(s.model, None if seq else args.data, args.text if seq else None)
            planned.setdefault(model_class(s.model).loop, set()).add(ref.id)
        check_same_data(data_ids(kept), planned)
    if args.only and not args.merge and not args.render_only and results.is_file():
        _check_only_drops_nothing(results, args.only)
    if args.render_only:
        doc = load_results(results)  # (a file it cannot read: said first)
        unused = [f"--{k.replace('_', '-')}" for k, v in _TRAINING.items()
                  if getattr(args, k) != v]
        if unused:  # (accepted, and dropped without a word: `--seeds 5` rendered all 20 seeds)
            raise ValueError(f"{', '.join(unused)} {'is' if len(unused) == 1 else 'are'} for "
                             "training the rows, and --render-only trains nothing: leave "
                             f"{'it' if len(unused) == 1 else 'them'} out")
        if args.only:
            missing = sorted(set(args.only) - {s["name"] for s in doc["settings"]})
            if missing:  # an empty or partial table would read as the whole answer
                raise ValueError(f"--only {' '.join(missing)}: no such row in {results} (it "
                                 f"has {', '.join(s['name'] for s in doc['settings'])}); run "
                                 "them without --render-only first")
            doc = {**doc, "settings": [s for s in doc["settings"] if s["name"] in args.only]}
        for note in changed_rows(doc, results):
            print(note, file=sys.stderr)
    else:
        if args.data is None and any(s.metric == "test_acc" for s in settings):
            print("note: no --data: the classifier rows train on what `train` finds without "
                  "it ($TINYGRAD_DL_DATA, the cache, else the embedded 1,000-image sample)",
                  file=sys.stderr)
        try:
            with sigterm_as_interrupt():  # finished runs are saved either way
                run_seeds(settings, args.seeds, args.out, data=args.data, text=args.text,
                          backend=args.backend, jobs=args.jobs, address=args.address,
                          retries=args.retries, retry_failed=args.retry_failed,
                          progress=not args.no_progress,
                          log=lambda line: print(line, file=sys.stderr))
        except KeyboardInterrupt as e:
            why, code = stopped(e)
            # (as search says it: no row's results.json, no run finished, nothing to resume)
            if not any((Path(args.out) / s.name / "results.json").is_file() for s in settings):
                print(f"{fresh_line()}results {why} before its first run finished: nothing was "
                      "saved; run the same command again to start it", file=sys.stderr)
            else:
                print(f"{fresh_line()}results {why}: finished runs are saved in {args.out}; "
                      "run the same command again to resume", file=sys.stderr)
            return code
        doc = collect(settings, COMPARISONS, args.out, args.seeds, command=command_line(args),
                      jobs=args.jobs, notes=NOTES)
        if args.merge and results.is_file():
            doc = merged(load_results(results), doc)
        atomic_write(results, json.dumps(doc, indent=1) + "\n")
    if page is not None:
        atomic_write(page, render_page(doc, source=str(results)))
    for f in args.into:
        write_between_markers(f, render_block(doc))
    # (its ±, √ and … on an ASCII or cp1252 stdout: escaped, not an error after the hours of runs)
    StdoutPrinter("results", kept=f"{results} holds them")(render_block(doc))
    print(f"\nper-seed results: {results}" + (f"; page: {page}" if page else "") +
          "".join(f"; table in {f}" for f in args.into), file=sys.stderr)
    return 0


def _check_only_drops_nothing(results: Path, only: list[str]) -> None:
    """Refuse `--only` without `--merge` when the existing --results file holds other rows:
    rewritten with the --only rows alone, their per-seed numbers (perhaps nowhere else:
    another --out, since deleted) were dropped without a word."""
    try:
        old = load_results(results)["settings"]
    except ValueError:  # (empty, another file, another version): as a run of every row does
        print(f"note: --results {results} is not a results file this version reads, so it "
              "holds no rows to keep: it is written over", file=sys.stderr)
        return
    others = [st for st in old if st["name"] not in only]
    if not others:
        return
    names = ", ".join(st["name"] for st in others)
    current = {s.name: s.command for s in course_settings()}
    # --merge refuses a row it cannot keep (gone, or made by another command): "add --merge"
    # then sent the user back here ("leave out --merge")
    stale = [st["name"] for st in others if current.get(st["name"]) != st["command"]]
    how = ("add --merge to keep them" if not stale else
           f"--merge cannot keep {', '.join(stale)} (not made by today's row of that name)")
    raise ValueError(f"--results {results} also holds rows {names}, which --only would drop "
                     f"from it: {how}; or name another --results")


def _check_not_a_row_file(flag: str, path: Path, out: Path) -> None:
    """Refuse an output file that is one of a row's per-seed files under --out (its
    results.json, results.csv, spec.json): written over at the end, the row's finished seeds
    (hours of runs) were lost, and the next run refused or restarted that row."""
    for name in (row[0] for row in COURSE_ROWS):
        for f in STORE_FILES:
            if same_file(path, out / name / f):
                raise ValueError(f"{flag} {path} is row {name}'s per-seed file {out / name / f} "
                                 "(under --out): writing it would lose that row's runs; name "
                                 "another file")

"""The results table in Markdown, rendered from the raw per-seed results file (`seeds.collect`),
never typed by hand: `render_block` (the table and the comparisons, what goes between the
markers of any Markdown file), `render_page` (docs/results.md) and `write_between_markers`.

Every number is recomputed here from the per-seed values, and every verdict comes from
`stats`: a comparison says a setting is better only where the difference is larger than twice
its standard error, over MIN_SEEDS seeds or more.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tinygrad_dl.files import atomic_write
from tinygrad_dl.jupyter import markdown_cell as cell  # (a Markdown table cell)

from .stats import MIN_SEEDS, Difference, Summary, Z, compare, summarize, versus_target

__all__ = ["BEGIN", "END", "between_markers", "check_markers", "render_block", "render_page",
           "row_values", "seconds_text", "write_between_markers"]
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def row_values(setting: dict[str, Any]) -> dict[int, float]:
    """{seed: value} of a setting's successful runs (accuracies in percent)."""
    scale = 100.0 if setting["metric"] == "test_acc" else 1.0
    return {int(r["seed"]): float(r[setting["metric"]]) * scale for r in setting["runs"]
            if r.get("status") == "ok" and r.get(setting["metric"]) is not None}


def _metric_name(setting: dict[str, Any]) -> str:
    return "test accuracy, %" if setting["metric"] == "test_acc" else "final smooth loss"


def _seeds_cell(setting: dict[str, Any], s: Summary) -> str:
    failed = sum(r.get("status") != "ok" for r in setting["runs"])
    # (an "ok" run whose number is null, a NaN as JSON writes it, was left out of the mean
    # unsaid: the row read as fewer seeds run, none missing)
    blank = sum(r.get("status") == "ok" and r.get(setting["metric"]) is None
                for r in setting["runs"])
    told = [f"{failed} failed"] * bool(failed) + [f"{blank} without a value"] * bool(blank)
    text = f"{s.n}" + (f" ({', '.join(told)})" if told else "")
    return text if s.enough else f"{text}: too few to claim anything"


def _target_cell(setting: dict[str, Any], s: Summary) -> str:
    target = setting.get("target")
    if target is None:
        return ""
    higher = setting["metric"] == "test_acc"
    scaled = target * 100 if higher else target  # the table's unit: percent for accuracies
    shown = f"{scaled:g}%" if higher else f"{scaled:g}"
    return f"{'≥' if higher else '≤'} {shown}: {versus_target(s, scaled, higher)}"


def _seconds(setting: dict[str, Any]) -> str:
    secs = [r["train_seconds"] for r in setting["runs"]
            if r.get("status") == "ok" and r.get("train_seconds") is not None]
    return seconds_text(sum(secs) / len(secs)) if secs else ""


def seconds_text(seconds: float) -> str:
    """Seconds as the table and the per-run log lines give them: whole from 1 s, under a second
    to 2 significant digits (a 0.3 s run read as "0" seconds)."""
    return f"{seconds:.0f}" if seconds >= 1 else f"{seconds:.2g}"


def _table(doc: dict[str, Any]) -> list[str]:
    lines = ["| setting | reported | mean ± s.e. | sd | min … max | seeds | target | "
             "course, full CIFAR-10 | s per run |",
             "|---|---|---:|---:|---|---|---|---|---:|"]
    for st in doc["settings"]:
        s = summarize(list(row_values(st).values()))
        if s.n == 0:
            cells = ["—", "", "", _seeds_cell(st, s)]
        else:
            sd = "" if s.n < 2 else f"{s.sd:.2f}"
            mean = f"{s.mean:.2f} ± {s.se:.2f}" if s.n > 1 else f"{s.mean:.2f}"
            cells = [f"**{mean}**" if s.enough else mean, sd, f"{s.lo:.2f} … {s.hi:.2f}",
                     _seeds_cell(st, s)]
        lines.append(f"| {cell(st['label'])} | {_metric_name(st)} | " + " | ".join(cells) +
                     f" | {_target_cell(st, s)} | {cell(st.get('course', ''))} | "
                     f"{_seconds(st)} |")
    return lines


def _verdict(d: Difference, a: dict[str, Any], b: dict[str, Any]) -> str:
    if not d.enough:
        return f"no claim: fewer than {MIN_SEEDS} seeds"
    if not d.shown:
        return f"no difference shown (within {Z:g}·s.e.)"
    winner = a if (d.diff > 0) == (a["metric"] == "test_acc") else b
    what = "higher test accuracy" if a["metric"] == "test_acc" else "lower smooth loss"
    return f"**{cell(winner['label'])}: {what}** (beyond {Z:g}·s.e.)"


def _comparisons(doc: dict[str, Any]) -> list[str]:
    by_name = {s["name"]: s for s in doc["settings"]}
    todo = [c for c in doc.get("comparisons", []) if c["a"] in by_name and c["b"] in by_name]
    if not todo:
        return []
    lines = [f"| question | A − B | difference ± s.e. | {Z:g}·s.e. | seeds | verdict |",
             "|---|---|---:|---:|---|---|"]
    for c in todo:
        a, b = by_name[c["a"]], by_name[c["b"]]
        d = compare(row_values(a), row_values(b))
        unit = " points" if a["metric"] == "test_acc" else ""
        if d.n < 2:  # nothing to compute yet
            cells = f"— | — | {d.n}"
        else:
            diff = round(d.diff, 2) or 0.0  # never "-0.00"
            cells = (f"{diff:+.2f} ± {d.se:.2f}{unit} | {Z * d.se:.2f} | "
                     f"{d.n} {'paired' if d.paired else 'unpaired'}")
        lines.append(f"| {cell(c['question'])} | {cell(a['label'])} − {cell(b['label'])} | "
                     f"{cells} | {_verdict(d, a, b)} |")
    return lines


def _not_compared(doc: dict[str, Any]) -> str:
    """The one line naming the comparisons left off the page, a row of theirs not being in
    this results file (one made with --only holds some rows): they were left off unsaid."""
    names = {s["name"] for s in doc["settings"]}
    left = [f"{c['question']} ({', '.join(r for r in (c['a'], c['b']) if r not in names)})"
            for c in doc.get("comparisons", []) if c["a"] not in names or c["b"] not in names]
    if not left:
        return ""
    return (f"Not compared here, a row they need not being in this results file (its name in "
            f"brackets): {'; '.join(left)}.")


def _runs(jobs: int) -> str:
    return f"{jobs} run" + ("" if jobs == 1 else "s")  # (it said "1 runs")


def render_block(doc: dict[str, Any]) -> str:
    """The table of settings and the table of comparisons, with the one line that says how to
    read them: what goes between the results markers."""
    m = doc.get("machine", {})
    lines = _table(doc)
    comp = _comparisons(doc)
    if comp:
        lines += ["", *comp]
    left = _not_compared(doc)
    if left:
        lines += ["", left]
    lines += ["", f"Mean ± standard error (sd / √n) over seeds 0 … n−1, each run exactly as "
              f"`tinygrad-dl train … --seed S`. A difference is claimed only where it is larger "
              f"than {Z:g} standard errors, paired by seed, from {MIN_SEEDS} seeds or more; a "
              f"target is met when the mean is more than {Z:g}·s.e. past it. Generated "
              f"{doc.get('generated', '?')} by `tinygrad-dl results` on a {m.get('cpus', '?')}"
              f"-core {m.get('processor', '?')} machine ({_runs(m.get('jobs') or 1)} at a time; "
              f"tinygrad_dl {m.get('tinygrad_dl', '?')}, NumPy {m.get('numpy', '?')}); the "
              "seconds depend on the machine and its load, the numbers do not."]
    return "\n".join(lines)


def render_page(doc: dict[str, Any], source: str = "docs/data/results.json") -> str:
    """docs/results.md: the block between markers, the exact commands, how to regenerate."""
    sds = [summarize(list(row_values(st).values())).sd for st in doc["settings"]
           if st["metric"] == "test_acc" and len(row_values(st)) > 1]
    spread = (f" One seed says little here: the seed-to-seed standard deviation of a row's test "
              f"accuracy reaches {max(sds):.1f} points (the sd column)." if sds else "")
    lines = ["# Results over many seeds", "",
             f"<!-- generated by `tinygrad-dl results` from {source}; do not edit by hand -->",
             "",
             "Every row trains one setting with seeds 0 … n−1 and reports the mean ± standard "
             "error of the number named, with the spread (sd, min … max)." + spread,
             "", BEGIN, render_block(doc), END, "",
             "## The commands", "",
             "Each row is `tinygrad-dl train` with these flags, plus `--seed S` (and "
             "`--data DIR` for CIFAR-10):", "",
             "| setting | command |", "|---|---|"]
    for st in doc["settings"]:
        lines.append(f"| {cell(st['label'])} | `tinygrad-dl train {cell(st['command'])}` |")
    for i, note in enumerate(doc.get("notes", [])):
        lines += (["", "## Notes"] if i == 0 else []) + ["", note]
    ids = sorted({r["data_id"] for st in doc["settings"] for r in st["runs"]
                  if r.get("data_id")})
    commands = doc.get("commands") or [doc.get("command") or "tinygrad-dl results"]
    by = ("written by:" if len(commands) == 1 else
          "written by these commands in turn (each ran the rows it names; `--merge` kept the "
          "rows made before it):")
    lines += ["", "## Regenerating", "",
              "The table above is rendered from the per-seed results file "
              f"`{source}` (data: {', '.join(f'`{i}`' for i in ids) or 'none'}), {by}",
              "", "```console", *(f"$ {c}" for c in commands), "```", "",
              "It runs the seeds not yet done (in parallel with `--jobs`, resumable: run it "
              "again after an interruption), then rewrites the results file and this page. "
              "`tinygrad-dl results --render-only --results FILE --into PAGE.md` re-renders the "
              f"table between `{BEGIN}` and `{END}` in any Markdown file."]
    return "\n".join(lines) + "\n"


def _marker_lines(text: str) -> tuple[list[int], list[int]]:
    """Indices of the lines that are a results marker (a marker quoted inside a sentence, e.g.
    in backticks, is not one)."""
    lines = text.split("\n")
    return ([i for i, ln in enumerate(lines) if ln.strip() == BEGIN],
            [i for i, ln in enumerate(lines) if ln.strip() == END])


def check_markers(path: str | os.PathLike[str]) -> str:
    """The text of the Markdown file `path`; ValueError (FileNotFoundError), naming it, unless
    it holds each results marker once, on a line of its own, BEGIN first."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--into {path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:  # (the CLI printed the codec's line, naming no file)
        raise ValueError(f"--into {path}: not a UTF-8 text file ({e.reason} at byte "
                         f"{e.start}); name the Markdown page to render into") from None
    b, e = _marker_lines(text)
    if len(b) != 1 or len(e) != 1 or b[0] > e[0]:
        raise ValueError(f"--into {path}: expected one line {BEGIN} and, after it, one line "
                         f"{END} (found {len(b)} and {len(e)})")
    return text


def between_markers(text: str) -> str:
    """What lies between the marker lines."""
    (b,), (e,) = _marker_lines(text)
    return "\n".join(text.split("\n")[b + 1:e])


def write_between_markers(path: str | os.PathLike[str], block: str) -> bool:
    """Replace what lies between the results markers of the Markdown file `path` by `block`;
    True when the file changed."""
    text = check_markers(path)
    (b,), (e,) = _marker_lines(text)
    lines = text.split("\n")
    new = "\n".join([*lines[:b + 1], block, *lines[e:]])
    if new != text:
        atomic_write(path, new)
    return new != text

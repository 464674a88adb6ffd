"""The generated parts of the documentation site: the op table, the CLI reference, the module map.

mkdocs loads this file as a hook (`hooks:` in mkdocs.yml). A line `<!-- generated: NAME -->` in a
page is replaced, at every build, by the Markdown of GENERATED[NAME], so adding an op, a Tensor
method or a CLI flag changes the site without anyone editing a page. tests/test_docs.py checks
the same functions against the code.

The op table comes from the code's one op table, `tinygrad_dl.optable` (each op declared once
with its NumPy and PyTorch names, methods and gradient notes); the list of `Function` classes
beside it from `tinygrad_dl.ops.__all__`, each with the table rows that apply it.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.M)

# ---- the op table ---------------------------------------------------------------------------
def ops_table_markdown() -> str:
    """The op table as Markdown, from the code's one op table (`tinygrad_dl.optable`): one table
    per group, one row per op with its NumPy names, PyTorch names, methods and gradient notes."""
    from tinygrad_dl import optable

    ops, made = len(optable.OPS), len(optable.CONSTRUCTORS)
    return "\n".join([f"{ops} ops and {made} constructors. `tg` is `tinygrad_dl`, `F` is "
                      "`tinygrad_dl.functional`, `x` a Tensor.", "",
                      optable.render_markdown(title=False)])


@dataclass
class OpRow:
    """One `Function` of `tinygrad_dl.ops`: where it lives, the op-table rows that apply it."""

    name: str
    module: str  # the ops file, e.g. "elementwise"
    group: str  # the module docstring's first sentence
    rows: list[str] = field(default_factory=list)  # op-table names whose impl it is
    notes: str = ""


def _first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    para = inspect.cleandoc(doc).split("\n\n")[0]
    return " ".join(para.split())


def op_rows() -> list[OpRow]:
    """Every `Function` in `tinygrad_dl.ops.__all__`, with the op-table rows whose `impl` it is
    (none: used inside the library only) and the first paragraph of its docstring."""
    import tinygrad_dl.ops as ops
    from tinygrad_dl import optable

    applied: dict[str, list[str]] = {}
    for op in optable.ALL:
        impls = op.impl if isinstance(op.impl, (tuple, list)) else (op.impl,)
        for cls in impls:
            if isinstance(cls, type):
                applied.setdefault(cls.__name__, []).append(op.name)
    rows = []
    for name in ops.__all__:
        cls = getattr(ops, name)
        mod = cls.__module__.rsplit(".", 1)[-1]
        group = _first_paragraph(inspect.getmodule(cls).__doc__).split(". ")[0].rstrip(".")
        rows.append(OpRow(name, mod, group, applied.get(name, []), _first_paragraph(cls.__doc__)))
    return sorted(rows, key=lambda r: (r.module, r.name))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def functions_markdown(rows: list[OpRow] | None = None) -> str:
    """The `Function` classes behind the ops (what backward runs), one table per ops module."""
    rows = op_rows() if rows is None else rows
    out: list[str] = [f"{len(rows)} `Function` classes in `tinygrad_dl.ops`.", ""]
    for module in dict.fromkeys(r.module for r in rows):
        group = [r for r in rows if r.module == module]
        out += [f"### {module}", "", f"`tinygrad_dl/ops/{module}.py`: {group[0].group}.", "",
                "| Function | Ops of the table | Notes |", "|---|---|---|"]
        for r in group:
            used = ", ".join(r.rows) or "(used inside the library)"
            out.append(f"| `{r.name}` | {_cell(used)} | {_cell(r.notes)} |")
        out.append("")
    return "\n".join(out)


# ---- the command-line reference -------------------------------------------------------------
def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse has no public accessor for its subparsers
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_reference_markdown(width: int = 100) -> str:
    """Every `tinygrad-dl` command with its `--help` text, from the parsers themselves."""
    from tinygrad_dl.cli import build_parser

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)  # argparse wraps to the terminal width: fix it
    try:
        parser = build_parser()
        subs = _subparsers(parser)
        helps = {a.dest: a.help for a in parser._actions
                 if isinstance(a, argparse._SubParsersAction) for a in a._choices_actions}
        out = ["| command | what it does |", "|---|---|"]
        out += [f"| [`tinygrad-dl {n}`](#tinygrad-dl-{n}) | {_cell(helps.get(n) or '')} |"
                for n in subs]
        out += ["", "## `tinygrad-dl`", "", "```text", parser.format_help().rstrip(), "```", ""]
        for name, sub in subs.items():
            out += [f"## `tinygrad-dl {name}`", "", "```text", sub.format_help().rstrip(), "```",
                    ""]
        return "\n".join(out)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


# ---- the module map ---------------------------------------------------------------------------
def _module_summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    first = _first_paragraph(doc)
    return first.split(". ")[0].rstrip(".") if first else ""


def module_map_markdown(root: Path | None = None) -> str:
    """The package's modules by layer, high to low, as the import-linter contract in
    pyproject.toml states them, each with the first sentence of its docstring."""
    import tomllib

    root = root or Path(__file__).resolve().parents[1]
    conf = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    contract = conf["tool"]["importlinter"]["contracts"][0]
    dirs = {"tinygrad_dl.models": root / "models", "tinygrad_dl.viz": root / "viz"}
    out = ["| layer | module | what it holds |", "|---|---|---|"]
    listed: set[Path] = set()
    for level, layer in enumerate(contract["layers"], 1):
        for mod in (m.strip(" ()") for m in layer.split("|")):
            base = dirs.get(mod) or root.joinpath(*mod.split("."))
            paths = ([base / "__init__.py", *sorted(p for p in base.glob("*.py")
                                                  if p.name != "__init__.py")]
                     if base.is_dir() else [base.with_suffix(".py")])
            for path in paths:
                listed.add(path)
                name = mod if path.name == "__init__.py" else (
                    f"{mod}.{path.stem}" if base.is_dir() else mod)
                out.append(f"| {level} | `{name}` | {_cell(_module_summary(path))} |")
    for path in sorted((root / "tinygrad_dl").glob("*.py")):
        if path not in listed:
            name = "tinygrad_dl" if path.name == "__init__.py" else f"tinygrad_dl.{path.stem}"
            out.append(f"| outside | `{name}` | {_cell(_module_summary(path))} |")
    return "\n".join(out)


GENERATED: dict[str, Callable[[], str]] = {
    "op-table": ops_table_markdown,
    "op-functions": functions_markdown,
    "cli-reference": cli_reference_markdown,
    "module-map": module_map_markdown,
}


def render(markdown: str) -> str:
    """Replace every `<!-- generated: NAME -->` line with GENERATED[NAME]()."""
    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in GENERATED:
            raise KeyError(f"unknown generated block {m.group(1)!r}; known: {sorted(GENERATED)}")
        return GENERATED[m.group(1)]()

    return MARKER.sub(sub, markdown)


# ---- the mkdocs hooks ---------------------------------------------------------------------------
def on_config(config: Any, **kwargs: Any) -> Any:
    """nbconvert (which renders the notebooks) finds its templates under the prefix it was
    installed into; in a venv made with --system-site-packages that is the base Python's, which
    jupyter_core does not search: add it."""
    import sys

    base = os.path.join(sys.base_prefix, "share", "jupyter")
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if sys.base_prefix != sys.prefix and os.path.isdir(base) and base not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([*paths, base])
    return config


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    return render(markdown)

"""The generated parts of the documentation site: the op table and the command-line reference.

mkdocs loads this file as a hook (`hooks:` in mkdocs.yml). A line `<!-- generated: NAME -->` in a
page is replaced, at every build, by the Markdown of GENERATED[NAME], so adding an op, a Tensor
method or a CLI flag changes the site without anyone editing a page. tests/test_docs.py checks
the same functions against the code.

`op_rows()` is the one place that decides what the op table lists. Today the code has no single
op table, so it reads the ops from `tinygrad_dl.ops.__all__` and finds their spellings by
reading the source of `tinygrad_dl/tensor.py` and `tinygrad_dl/functional.py` (which Tensor
method or public function calls `Op.apply`). When the code gains one table describing each op
once, point `op_rows()` at it and the page follows.
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

# how the operator dunders of Tensor are written by a user
OPERATORS = {
    "__add__": "a + b", "__radd__": "2 + a", "__sub__": "a - b", "__rsub__": "2 - a",
    "__mul__": "a * b", "__rmul__": "2 * a", "__truediv__": "a / b", "__rtruediv__": "2 / a",
    "__pow__": "a ** b", "__rpow__": "2 ** a", "__matmul__": "a @ b", "__rmatmul__": "arr @ a",
    "__neg__": "-a", "__abs__": "abs(a)", "__mod__": "a % b", "__rmod__": "7 % a",
    "__getitem__": "a[idx]",
}


# ---- the op table ---------------------------------------------------------------------------
@dataclass
class OpRow:
    """One op of the table: its Function class, where it lives, how users spell it, notes."""

    name: str
    module: str  # the ops file, e.g. "elementwise"
    group: str  # the module docstring's first sentence
    spellings: list[str] = field(default_factory=list)
    notes: str = ""


def _first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    para = inspect.cleandoc(doc).split("\n\n")[0]
    return " ".join(para.split())


def _calls(fn: ast.AST) -> tuple[set[str], set[str], set[str]]:
    """(ops applied `X.apply(...)`, methods called `obj.m(...)`, plain functions called `f(...)`)
    inside one function definition; `x[...]` counts as the method __getitem__."""
    ops, methods, funcs = set(), set(), set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr == "apply" and isinstance(f.value, ast.Name):
                ops.add(f.value.id)
            elif isinstance(f, ast.Attribute) and f.attr == "astype" and not (
                    isinstance(f.value, ast.Name) and f.value.id == "self"):
                pass  # NumPy's astype on an array (a helper converting its input), not the Cast op
            elif isinstance(f, ast.Attribute) and not (
                    isinstance(f.value, ast.Name) and f.value.id in {"np", "math", "ctx"}):
                methods.add(f.attr)
            elif isinstance(f, ast.Name):
                funcs.add(f.id)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and (
                isinstance(node.value, ast.Name) and node.value.id in {"x", "self"}):
            methods.add("__getitem__")
    return ops, methods, funcs


def _resolve(direct: dict[str, tuple[set[str], set[str], set[str]]], name: str,
             methods: dict[str, Any], seen: set[str] | None = None) -> set[str]:
    """The ops a definition applies, directly or through the Tensor methods / functions it
    calls (one level of our own definitions at a time, cycles cut)."""
    seen = seen if seen is not None else set()
    if name in seen or name not in direct:
        return set()
    seen.add(name)
    ops, meths, funcs = direct[name]
    out = set(ops)
    for m in meths:
        out |= _resolve(direct, f"Tensor.{m}", methods, seen)
    for f in funcs:
        out |= _resolve(direct, f, methods, seen)
    return out


def _definitions(path: Path) -> dict[str, tuple[set[str], set[str], set[str]]]:
    """name -> calls, for the module-level functions and Tensor's methods in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: dict[str, tuple[set[str], set[str], set[str]]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            out[node.name] = _calls(node)
        elif isinstance(node, ast.ClassDef) and node.name == "Tensor":
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    out[f"Tensor.{item.name}"] = _calls(item)
    return out


def _signature(obj: Any, drop_self: bool) -> str:
    try:
        params = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return "(...)"
    if drop_self and params and params[0].name == "self":
        params = params[1:]
    text = ", ".join(str(p).split(":")[0].strip() if p.default is inspect.Parameter.empty
                     else f"{p.name}={p.default!r}" for p in params)
    return f"({text})"


def op_rows() -> list[OpRow]:
    """Every op (a `Function` subclass in `tinygrad_dl.ops.__all__`), with the public spellings
    that apply it (Tensor methods and operators, `tinygrad_dl.*` and `tinygrad_dl.functional.*`
    functions) and its notes (the op's docstring, else the public function's)."""
    import tinygrad_dl
    import tinygrad_dl.functional as F
    import tinygrad_dl.ops as ops
    from tinygrad_dl.tensor import Tensor

    pkg = Path(tinygrad_dl.__file__).parent
    defs = {**_definitions(pkg / "tensor.py"), **_definitions(pkg / "functional.py")}
    methods = {k: v for k, v in defs.items() if k.startswith("Tensor.")}
    top = set(tinygrad_dl.__all__)

    rows: dict[str, OpRow] = {}
    for name in ops.__all__:
        cls = getattr(ops, name)
        mod = cls.__module__.rsplit(".", 1)[-1]
        group = _first_paragraph(inspect.getmodule(cls).__doc__).split(". ")[0].rstrip(".")
        rows[name] = OpRow(name, mod, group, notes=_first_paragraph(cls.__doc__))

    fallback_notes: dict[str, str] = {}
    order = list(OPERATORS)
    for qual in sorted(methods, key=lambda q: (q.split(".", 1)[1] not in OPERATORS,
                                              order.index(q.split(".", 1)[1])
                                              if q.split(".", 1)[1] in OPERATORS else 0, q)):
        meth = qual.split(".", 1)[1]
        if meth.startswith("_") and meth not in OPERATORS:
            continue
        if meth in OPERATORS:
            spelled = f"`{OPERATORS[meth]}`"
        else:
            attr = inspect.getattr_static(Tensor, meth)
            spelled = (f"`x.{meth}`" if isinstance(attr, property)
                       else f"`x.{meth}{_signature(getattr(Tensor, meth), True)}`")
        for op in _resolve(defs, qual, methods):
            if op in rows and spelled not in rows[op].spellings:
                rows[op].spellings.append(spelled)
    for fname in sorted(F.__all__):
        prefix = "tg" if fname in top else "F"
        spelled = f"`{prefix}.{fname}{_signature(getattr(F, fname), False)}`"
        wrapped = getattr(getattr(F, fname), "__wrapped__", None)  # F.relu: Tensor.relu's
        key = f"Tensor.{wrapped.__name__}" if f"Tensor.{getattr(wrapped, '__name__', '')}" in \
            methods else fname
        for op in _resolve(defs, key, methods):
            if op in rows:
                rows[op].spellings.append(spelled)
                fallback_notes.setdefault(op, _first_paragraph(getattr(F, fname).__doc__))
    for op, row in rows.items():
        if not row.notes:
            row.notes = fallback_notes.get(op, "")
    return sorted(rows.values(), key=lambda r: (r.module, r.name))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def ops_table_markdown(rows: list[OpRow] | None = None) -> str:
    """The op table as Markdown: one table per ops module, in the order of `op_rows()`."""
    rows = op_rows() if rows is None else rows
    out: list[str] = [f"{len(rows)} ops. `tg` is `tinygrad_dl`, `F` is `tinygrad_dl.functional`, "
                      "`x` a Tensor.", ""]
    for module in dict.fromkeys(r.module for r in rows):
        group = [r for r in rows if r.module == module]
        out += [f"### {module}", "", f"`tinygrad_dl/ops/{module}.py`: {group[0].group}.", "",
                "| Op | How to call it | Notes |", "|---|---|---|"]
        for r in group:
            spelled = ", ".join(r.spellings) or "(used inside the library)"
            out.append(f"| `{r.name}` | {_cell(spelled)} | {_cell(r.notes)} |")
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

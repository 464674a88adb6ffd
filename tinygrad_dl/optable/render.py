"""The docs' op page, rendered from the op table."""

from __future__ import annotations

import numpy as np

from tinygrad_dl.jupyter import markdown_cell

from .spec import OpInfo
from .table import ALL, DTYPES


# ---- the docs' op page ----------------------------------------------------------------------
def _cell(items: list[str]) -> str:
    return markdown_cell(", ".join(f"`{i}`" for i in items)) if items else ""


def _row(op: OpInfo) -> str:
    numpy = [f"tg.{n}" for n in op.numpy]
    torch = [f"tg.{n}" for n in op.torch] + [f"F.{n}" for n in op.F]
    own = [f"tg.{n}" for n in op.own]
    methods = [f"x.{m}" for m in op.methods if not m.startswith("__") and m != "T"]
    written = list(op.syntax) + methods
    grad = op.grad or (f"none: {op.no_grad}" if op.no_grad else "")
    if op.differs:
        grad = f"{grad}; **NumPy vs PyTorch:** {op.differs}" if grad else \
            f"**NumPy vs PyTorch:** {op.differs}"
    return (f"| {op.name} | {markdown_cell(op.doc)} | {_cell(numpy + own)} | {_cell(torch)} | "
            f"{_cell(written)} | {markdown_cell(grad)} |")


def render_markdown(title: bool = True) -> str:
    """The docs' op page: one table per group, one row per op, from the op table (without
    its "# Ops" title and first paragraph when `title` is False, to sit inside a page)."""
    lines = [] if not title else [
        "# Ops", "",
        "Every op of tinygrad_dl, generated from the op table (`tinygrad_dl/optable/`: a "
        "`rows_<topic>.py` module per group of ops). "
        "`tg` is `tinygrad_dl`, `F` is `tinygrad_dl.functional`, `x` a Tensor. Every op broadcasts "
        "like NumPy; float32 in gives float32 out and float32 gradients; Python numbers take "
        "the tensor's dtype. Every axis argument is spelled `axis=` (NumPy) or `dim=` "
        "(PyTorch), `keepdims=` or `keepdim=`; both at once is an error. Functions take "
        "`out=` (a Tensor to write the result into, outside gradient recording).", ""]
    level = "##" if title else "###"
    groups = dict.fromkeys(op.group for op in ALL)
    for group in groups:
        lines += [f"{level} {group}", "",
                  "| Op | What | NumPy | PyTorch | Method / syntax | Gradient |",
                  "|---|---|---|---|---|---|"]
        lines += [_row(op) for op in ALL if op.group == group]
        lines.append("")
    lines += [f"{level} dtype names", "",
              ", ".join(f"`tg.{n}` ({np.dtype(t).name})" for n, t in DTYPES.items()), ""]
    return "\n".join(lines)


def render_differences() -> str:
    """Where NumPy's and PyTorch's spellings of an op mean different things, and what this
    library does: a list for the "Coming from PyTorch" page."""
    return "\n".join(f"- **{op.name}**: {op.differs}" for op in ALL if op.differs)


"""Every ```python snippet in README.md and in the documentation pages (docs/**/*.md, less the
drafts in docs/incoming/) runs as is (issue 13, item 6; issue 22), each in a fresh Python process
with a time limit, in an empty folder (so what a snippet writes lands there), on the embedded
CIFAR-10 sample (TINYGRAD_DL_DATA and the cache folder are hidden from it). tests/test_docs.py
checks the pages' shell commands and the site build.

A deliberately illustrative snippet is marked by the line
`<!-- illustrative: not run by tests/test_readme.py -->` just above its fence; keep that rare.
A snippet's `# ` comment lines after its last print are compared with what it prints.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl import Tensor, no_grad

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(p for p in DOCS.rglob("*.md") if "incoming" not in p.parts)]
ILLUSTRATIVE = "<!-- illustrative: not run by tests/test_readme.py -->"
TIME_LIMIT_S = 120


def python_snippets(text: str) -> list[tuple[int, str]]:
    """(line number of the opening fence, code) of every ```python block not marked
    illustrative."""
    out, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            start, body = i + 1, []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            if not (start >= 2 and lines[start - 2].strip() == ILLUSTRATIVE):
                out.append((start, "\n".join(body) + "\n"))
        i += 1
    return out


SNIPPETS = [(page.relative_to(ROOT).as_posix(), line, code) for page in PAGES
            for line, code in python_snippets(page.read_text(encoding="utf-8"))]


def test_the_readme_and_docs_have_snippets_and_few_are_illustrative():
    assert any(name == "README.md" for name, _, _ in SNIPPETS)
    assert len(SNIPPETS) >= 10
    assert sum(p.read_text(encoding="utf-8").count(ILLUSTRATIVE) for p in PAGES) <= 2


def test_snippet_extraction_skips_illustrative_blocks():
    text = f"a\n```python\nx = 1\n```\n{ILLUSTRATIVE}\n```python\ny = 2\n```\n```bash\nls\n```\n"
    assert python_snippets(text) == [(2, "x = 1\n")]


HYPOTHESIS_PRELUDE = (
    "from hypothesis import HealthCheck, settings; settings.register_profile('snippet', "
    "deadline=None, suppress_health_check=[HealthCheck.too_slow]); "
    "settings.load_profile('snippet')\n")


def expected_output(code: str) -> list[str]:
    """The `# ` comment lines right after the last print(...), as the README shows them."""
    lines = code.rstrip("\n").splitlines()
    tail: list[str] = []
    while lines and lines[-1].startswith("# "):
        tail.insert(0, lines.pop()[2:])
    return tail if lines and lines[-1].lstrip().startswith("print(") else []


@pytest.mark.slow  # a Python process each, some of them train
@pytest.mark.parametrize("page, line, code", SNIPPETS, ids=[f"{p}:{n}" for p, n, _ in SNIPPETS])
def test_readme_snippet_runs(page, line, code, tmp_path):
    if "render_graph(" in code and shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` not installed")
    env = {k: v for k, v in os.environ.items() if k != "TINYGRAD_DL_DATA"}
    env.update(MPLBACKEND="Agg", XDG_CACHE_HOME=str(tmp_path / "cache"))
    if "hypothesis" in code:  # the suite's rule for a shared, loaded machine: no deadline, no
        # slow-generation health check (a snippet's first draw took 1.7 s under load and failed)
        code = HYPOTHESIS_PRELUDE + code
    try:
        proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=TIME_LIMIT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{page} line {line}: the snippet ran over {TIME_LIMIT_S} s")
    assert proc.returncode == 0, f"{page} line {line} failed:\n{proc.stderr[-3000:]}"
    want = expected_output(code)
    if want:
        assert proc.stdout.rstrip("\n").splitlines()[-len(want):] == want, proc.stdout


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_docs_figure_is_what_the_documented_command_draws(tmp_path):
    """docs/two_layer_graph.svg was stale once (the old L2 graph): compare its nodes and boxes
    with a fresh `tinygrad-dl graph two-layer` (the layout may differ across Graphviz versions,
    the content may not)."""
    from test_viz_graph import svg_nodes

    from tinygrad_dl.cli import main

    tracked = README.parent / "docs" / "two_layer_graph.svg"
    assert "tinygrad-dl graph two-layer --out docs/two_layer_graph.svg" in README.read_text()
    fresh = tmp_path / "fig.svg"
    assert main(["graph", "two-layer", "--out", str(fresh)]) == 0

    def content(path: Path) -> dict[str, list[str]]:
        return {kind: sorted(n["text"] for n in nodes) for kind, nodes in svg_nodes(path).items()}

    assert content(tracked) == content(fresh), (
        "docs/two_layer_graph.svg is stale: regenerate it with "
        "`tinygrad-dl graph two-layer --out docs/two_layer_graph.svg`")


def test_docs_bench_table_has_the_columns_and_target_wording_bench_prints():
    from tinygrad_dl.bench.table import Result, Row, format_table

    text = (DOCS / "performance.md").read_text(encoding="utf-8")
    header = format_table(Result(rows=[]), markdown=True).strip().splitlines()[0]
    assert header in text.splitlines()
    start = text.splitlines().index(header)
    lines = text.splitlines()[start + 2:]
    rows = lines[:next((i for i, ln in enumerate(lines) if not ln.startswith("| ")), len(lines))]
    assert len(rows) >= 10 and all(ln.count("|") == header.count("|") for ln in rows)
    # the target column reads as bench words it
    worded = Row("x", "float64", "s/epoch", 1.2, hand=1.0, torch=2.0, max_vs_hand=1.10,
                 max_vs_torch=1.0).target_text()
    assert worded == "hand ≤1.10 MISSED, torch ≤1.00 met" and f"| {worded} |" in text


# the docs say no_grad() is a context manager or a decorator; bare @no_grad works too
def test_bare_no_grad_decorator_records_nothing():
    @no_grad
    def f(x):
        return x * 2

    y = f(Tensor(np.ones(2), requires_grad=True))
    assert not y.requires_grad and y._ctx is None
    np.testing.assert_array_equal(y.data, [2.0, 2.0])
    assert f.__name__ == "f"


def readme_graph_commands(text: str) -> list[str]:
    """The `tinygrad-dl graph ...` lines of a page's ```bash blocks, comments removed."""
    out, in_bash = [], False
    for ln in text.splitlines():
        if ln.strip().startswith("```"):
            in_bash = ln.strip() == "```bash"
        elif in_bash and ln.startswith("tinygrad-dl graph"):
            out.append(ln.split("#", 1)[0].strip())
    return out


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_readme_graph_commands_run_and_write_only_under_runs(tmp_path, monkeypatch, capsys):
    """Following the README must never overwrite a tracked file (it once rewrote docs/)."""
    import shlex

    from tinygrad_dl.cli import main

    commands = readme_graph_commands((DOCS / "engine.md").read_text(encoding="utf-8"))
    assert len(commands) >= 3
    monkeypatch.chdir(tmp_path)
    for cmd in commands:
        assert main(shlex.split(cmd)[1:]) == 0, cmd
    written = [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == len(commands)
    assert all(p.parts[0] == "runs" for p in written), written


def test_the_readme_names_every_command_of_the_cli():
    """Before: the README's list missed `results` after that command landed."""
    import re

    from tinygrad_dl.cli import COMMANDS

    line = next(ln for ln in README.read_text().split("\n\n") if "lists the commands" in ln)
    assert re.findall(r"`(\w+)`", line.split("lists the commands")[1]) == list(COMMANDS)

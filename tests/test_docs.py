"""The documentation: README.md as a front page, the docs site's pages, and what is generated.

The Python snippets of README.md and docs/ run in tests/test_readme.py. Here: the README's size,
first screen and links; every relative link of every page; every `tinygrad-dl ...` line of a
shell block parses with the real argument parser; the op table and the CLI reference follow the
code (a new op or flag appears by itself); and `mkdocs build --strict` passes (slow, skips
without the docs extra).
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(p for p in DOCS.rglob("*.md") if "incoming" not in p.parts)]
sys.path.insert(0, str(ROOT / "tools"))
import docgen  # noqa: E402  (tools/ is not a package: the mkdocs hook and this test share it)

DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks outside code fences."""
    out, cur, fence = [], [], False
    for ln in text.splitlines():
        if ln.strip().startswith("```"):
            fence = not fence
            continue
        if fence:
            continue
        if ln.strip():
            cur.append(ln)
        elif cur:
            out.append(" ".join(cur))
            cur = []
    if cur:
        out.append(" ".join(cur))
    return out


# ---- README.md: a front page -------------------------------------------------------------------
def test_readme_is_a_front_page_of_at_most_10_kb():
    text = README.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 10 * 1024, "README.md over 10 KB: move material to docs/"
    first_screen = "\n".join(text.splitlines()[:30])
    for command in ('pip install -e ".[dev]"', "tinygrad-dl train", "python3 -m pytest -q"):
        assert command in first_screen, f"{command!r} is not on the README's first screen"
    assert len(re.findall(r"!\[[^\]]+\]\(", text)) == 1  # one picture, with alt text
    for page in ("docs/getting-started.md", "docs/engine.md", "docs/ops.md", "docs/results.md",
                 "docs/cli.md", "docs/contributing.md"):
        assert f"]({page})" in text


def test_readme_timings_carry_a_date_and_it_states_no_test_count():
    """A number that a command prints (a test count, a time) goes stale when copied by hand:
    the README states no test count, and each timing sits in a paragraph that says when (and
    on what) it was measured."""
    text = README.read_text(encoding="utf-8")
    assert not re.search(r"\b\d[\d,]* tests\b", text), "the README states a test count"
    timing = re.compile(r"\b\d+(\.\d+)?\s?(s|min|minutes|seconds)\b")
    for para in paragraphs(text):
        if timing.search(para):
            assert DATE.search(para) and "machine" in para, f"an undated timing: {para[:120]}"


def test_readme_results_are_the_results_page_numbers():
    """The README's results table summarises docs/results.md: each of its figures is there (it
    is the table rendered between the results markers; tests/test_results.py checks both
    against the per-seed results file)."""
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- results:begin -->", 1)[1].split("<!-- results:end -->", 1)[0]
    results = (DOCS / "results.md").read_text(encoding="utf-8")
    numbers = re.findall(r"\d+\.\d+(?:%| ± \d+\.\d+)", table)
    assert len(numbers) >= 8
    for number in numbers:
        assert number in results, f"README's {number} is not in docs/results.md"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(page: Path):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.exists(), f"{page.name}: link to {target} points at nothing"


# ---- shell blocks: every tinygrad-dl line parses ------------------------------------------------
def shell_commands(text: str) -> list[str]:
    """The `tinygrad-dl ...` command lines of ```bash and ```console blocks (prompts, comments
    and backslash continuations handled)."""
    out, kind, pending = [], None, ""
    for ln in text.splitlines():
        s = ln.strip()
        if s.startswith("```"):
            kind = s[3:] if kind is None else None
            continue
        if kind not in ("bash", "console"):
            continue
        s = re.sub(r"^\w*\$ ", "", s) if kind == "console" else s
        if pending:
            s, pending = pending + " " + s, ""
        elif kind == "console" and not ln.strip().startswith(("$", "alpha$", "beta$")):
            continue
        if s.endswith("\\"):
            pending = s[:-1].strip()
            continue
        if s.startswith("tinygrad-dl"):
            out.append(s.split(" #", 1)[0].strip())
    return out


DOC_COMMANDS = [(p.relative_to(ROOT).as_posix(), c) for p in PAGES
                for c in shell_commands(p.read_text(encoding="utf-8"))]


def test_the_docs_show_commands():
    assert len(DOC_COMMANDS) >= 25
    assert shell_commands("```console\n$ tinygrad-dl a \\\n    --b 1\nout\n```\n") == [
        "tinygrad-dl a --b 1"]


@pytest.mark.parametrize("page, command", DOC_COMMANDS, ids=[f"{p}: {c[:60]}"
                                                            for p, c in DOC_COMMANDS])
def test_documented_command_parses(page: str, command: str, capsys):
    """A flag renamed or removed makes the page that shows it fail here."""
    from tinygrad_dl.cli import build_parser

    argv = shlex.split(command)[1:]
    try:
        build_parser().parse_args(argv)
    except SystemExit as e:  # --help and --version exit 0; a bad flag exits 2
        assert e.code == 0, f"{page}: `{command}` does not parse: {capsys.readouterr().err}"


# ---- what is generated -------------------------------------------------------------------------
def test_op_table_is_generated_from_the_code_op_table(monkeypatch):
    """The ops page's table is tinygrad_dl.optable's: every op's row with its spellings, and a
    row added to the op table appears by itself."""
    from dataclasses import replace

    from tinygrad_dl import optable
    from tinygrad_dl.optable import render

    table = docgen.ops_table_markdown()
    assert table.startswith(f"{len(optable.OPS)} ops and {len(optable.CONSTRUCTORS)} constructors")
    for op in optable.ALL:
        (row,) = [ln for ln in table.splitlines() if ln.startswith(f"| {op.name} |")]
        for n in op.names:
            assert f"`tg.{n}`" in row, f"{op.name}: tg.{n} not in its row of the ops page"
    assert "`tg.cat`" in table and "`tg.concatenate`" in table
    cube = replace(optable.BY_NAME["exp"], name="cube", doc="x ** 3", numpy=(), torch=("cube",))
    monkeypatch.setattr(render, "ALL", [*render.ALL, cube])
    assert "| cube | x ** 3 |" in docgen.ops_table_markdown()


def test_function_list_names_every_function_and_the_ops_that_apply_it():
    import tinygrad_dl.ops as ops

    rows = {r.name: r for r in docgen.op_rows()}
    assert set(rows) == set(ops.__all__)
    unused = sorted(n for n, r in rows.items() if not r.rows)
    # Compare, ConstantCast: Tensor's comparisons and integer casts inside a jit recording;
    # Draw: tg.distributions' draws;
    # Tap: CharRNN's state and the distributions' checks; QuietDiv: linalg.cond's s_max / s_min;
    # ContinuousBernoulliCdf / Icdf: tg.distributions.ContinuousBernoulli's given logits;
    # BlockedPdist: F.pdist above 2**22 differences; ChunkedLinearCrossEntropy: the chunked path
    # of F.linear_cross_entropy (options=...); IndexPut: a recorded `h[idx] = v` / `h[:, 0] += b`
    assert unused == ["BlockedPdist", "ChunkedLinearCrossEntropy", "Compare", "ConstantCast",
                      "ContinuousBernoulliCdf", "ContinuousBernoulliIcdf", "Draw", "IndexPut",
                      "QuietDiv", "Tap"], unused
    assert rows["Add"].rows == ["add"] and "matmul" in rows["MatMul"].rows
    assert "astype" in rows["Cast"].rows
    text = docgen.functions_markdown()
    for name in ops.__all__:
        assert f"| `{name}` |" in text


def test_a_new_function_appears_in_the_function_list(monkeypatch):
    import tinygrad_dl.ops as ops
    from tinygrad_dl import Function

    class Cube(Function):
        """x ** 3; d/dx = 3 x ** 2 everywhere."""

        def forward(ctx, x):
            return x ** 3

        def backward(ctx, g):
            return g

    Cube.__module__ = "tinygrad_dl.ops.unary"
    monkeypatch.setattr(ops, "Cube", Cube, raising=False)
    monkeypatch.setattr(ops, "__all__", [*ops.__all__, "Cube"])
    assert "| `Cube` | (used inside the library) | x ** 3; d/dx = 3 x ** 2 everywhere. |" in (
        docgen.functions_markdown())


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    return [o for a in parser._actions for o in a.option_strings]


def test_cli_reference_shows_every_command_and_flag(monkeypatch):
    from tinygrad_dl import cli

    text = docgen.cli_reference_markdown()
    parser = cli.build_parser()
    subs = docgen._subparsers(parser)
    assert set(subs) == set(cli.COMMANDS)
    for name, sub in subs.items():
        assert f"## `tinygrad-dl {name}`" in text
        section = text.split(f"## `tinygrad-dl {name}`", 1)[1].split("\n## ", 1)[0]
        for flag in _flags(sub):
            assert flag in section, f"tinygrad-dl {name} {flag} missing from the CLI reference"
    # a flag added to a command appears by itself (cli.COMMANDS holds summaries: the command's
    # module is imported on use, by cli.command)
    module = cli.command("data")
    register = module.register

    def with_flag(subparsers):
        register(subparsers)
        subparsers.choices["data"].add_argument("--brand-new-flag", help="added in a test")

    monkeypatch.setattr(module, "register", with_flag)
    assert "--brand-new-flag" in docgen.cli_reference_markdown()


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_generated_markers_are_replaced_and_unknown_ones_refused():
    with pytest.raises(KeyError, match="unknown generated block"):
        docgen.render("<!-- generated: no-such-thing -->\n")
    for name in ("ops.md", "cli.md", "architecture.md"):
        assert MARKER_RE.search((DOCS / name).read_text(encoding="utf-8")), name
    # (the module map reads pyproject.toml's layers with tomllib: Python 3.11+, as the docs
    # build; the package itself supports 3.10)
    pytest.importorskip("tomllib", reason="the module map needs tomllib (Python 3.11+)")
    out = docgen.render("# x\n\n<!-- generated: module-map -->\n")
    assert "<!-- generated" not in out and "`tinygrad_dl.engine`" in out


MARKER_RE = docgen.MARKER


# ---- the site builds ---------------------------------------------------------------------------
HAVE_MKDOCS = all(importlib.util.find_spec(m) for m in ("mkdocs", "material", "mkdocstrings",
                                                        "mkdocs_jupyter"))


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_MKDOCS, reason='needs the docs extra: pip install -e ".[docs]"')
def test_mkdocs_build_strict_passes_and_the_site_loads_nothing_remote(tmp_path: Path):
    """Builds the site, or, under .ci/run, reads the one its `mkdocs build --strict` step made
    minutes before from the same checkout ($TINYGRAD_DL_CI_SITE: the build takes 15-20 s)."""
    built = __import__("os").environ.get("TINYGRAD_DL_CI_SITE")
    site = Path(built) if built else tmp_path / "site"
    if not built:
        r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d",
                            str(site)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                           env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"})
        assert r.returncode == 0, r.stderr[-3000:]
    assert (site / "index.html").is_file(), f"no site in {site}"
    ops_page = (site / "ops" / "index.html").read_text(encoding="utf-8")
    assert "<!-- generated" not in ops_page and "MatMul" in ops_page
    assert "--checkpoint-every" in (site / "cli" / "index.html").read_text(encoding="utf-8")
    assert (site / "notebooks" / "a1_one_layer" / "index.html").is_file()
    assert "hand_gradients" in (site / "api" / "models" / "index.html").read_text("utf-8")
    remote = re.compile(r"<(?:script|link|img)\b[^>]*(?:src|href)=\"https?://", re.I)
    for page in site.rglob("*.html"):
        assert not remote.search(page.read_text(encoding="utf-8")), page


# ---- console blocks whose output is checked ----------------------------------------------------
CHECKED = "<!-- checked: tests/test_docs.py runs this command -->"


def checked_blocks(text: str) -> list[tuple[str, list[str]]]:
    """(command, shown output lines) of every ```console block right after the CHECKED line."""
    out, lines = [], text.splitlines()
    for i, ln in enumerate(lines):
        if ln.strip() == CHECKED and lines[i + 1].strip() == "```console":
            body = []
            for b in lines[i + 2:]:
                if b.strip() == "```":
                    break
                body.append(b)
            command, more = [], True
            while body and more:
                part = body.pop(0).strip().removeprefix("$ ")
                more = part.endswith("\\")
                command.append(part.rstrip("\\").strip())
            out.append((" ".join(command), body))
    return out


CHECKED_BLOCKS = [(p.relative_to(ROOT).as_posix(), c, o) for p in PAGES
                  for c, o in checked_blocks(p.read_text(encoding="utf-8"))]


def test_checked_blocks_are_found():
    assert any(p == "docs/search.md" for p, _, _ in CHECKED_BLOCKS)
    text = f"{CHECKED}\n```console\n$ tinygrad-dl a \\\n   --b\nout 1\n...\n```\n"
    assert checked_blocks(text) == [("tinygrad-dl a --b", ["out 1", "..."])]


@pytest.mark.slow
@pytest.mark.parametrize("page, command, shown", CHECKED_BLOCKS,
                         ids=[f"{p}: {c[:50]}" for p, c, _ in CHECKED_BLOCKS])
@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_a_checked_console_block_prints_what_the_page_shows(page, command, shown, tmp_path):
    """The page's output is what the command prints today: each shown line (but the per-trial
    progress lines, whose order depends on timing) appears in the real output, `...` standing
    for anything."""
    env = {k: v for k, v in __import__("os").environ.items() if k != "TINYGRAD_DL_DATA"}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, "-m", "tinygrad_dl.cli", *shlex.split(command)[1:]],
                       cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:]
    printed = r.stdout.splitlines()  # stdout and stderr, as a terminal shows them
    for line in shown:
        if line.strip() == "..." or re.match(r"trial \d+ ok \[", line):
            continue
        pattern = re.compile(".*".join(map(re.escape, line.split("..."))) + "$")
        assert any(pattern.match(p) for p in printed), f"{page}: {line!r} not printed:\n{r.stdout}"


def test_hyperparameter_table_lists_every_setting_once():
    from tinygrad_dl.train.hyperparams import HYPERS

    table = docgen.hyperparameters_markdown()
    rows = table.splitlines()[2:]
    assert [r.split(" | ")[0] for r in rows] == [f"| `{h.key}`" for h in HYPERS]
    assert "| `lam` | `--lambda` | float | ≥ 0 | yes |" in table
    assert "`--drop-last`, `--keep-last`" in table and "[0, 1)" in table
    page = (ROOT / "docs" / "training.md").read_text(encoding="utf-8")
    assert "<!-- generated: hyperparameters -->" in page

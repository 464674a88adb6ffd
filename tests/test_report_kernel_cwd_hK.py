"""`tinygrad-dl report` runs the notebook in a kernel whose working directory is --out, but never
imports from it: a numpy.py, a tinygrad_dl/ package or an ipykernel_launcher.py in --out (a
results folder someone shared) was imported and run by the kernel instead of the installed one.
Real kernels (slow)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_dl
from tinygrad_dl.commands.report import execute_notebook

HAVE_KERNEL = all(importlib.util.find_spec(m) for m in ("nbclient", "nbformat", "ipykernel",
                                                        "nbconvert"))
needs_kernel = pytest.mark.skipif(
    not HAVE_KERNEL, reason='needs the notebooks extra: pip install -e ".[notebooks]"')
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")

# each writes the marker when imported (or run), then fails as a wrong module would
PLANTED = ["numpy.py", "matplotlib.py", "tinygrad_dl/__init__.py", "ipykernel_launcher.py"]


@pytest.mark.slow
@needs_kernel
@needs_dot
def test_a_module_in_out_is_never_imported_by_the_kernel(tmp_path: Path) -> None:
    """All four planted in one --out, one report: each writes its own marker when imported, so
    each is checked on its own (one report instead of four: the suite's time)."""
    out = tmp_path / "r"
    env, cwd = {**os.environ, "MPLBACKEND": "Agg"}, None
    # a PYTHONPATH comes before the working directory on the kernel's sys.path and hid the
    # planted package: the kernel imports the installed one, as a user's does, and the
    # command the code under test (`python -m` from the folder that holds it)
    env.pop("PYTHONPATH", None)
    installed = not subprocess.run([sys.executable, "-c", "import tinygrad_dl"], cwd=tmp_path,
                                   env=env).returncode
    if installed:
        cwd = Path(tinygrad_dl.__file__).resolve().parents[1]
    else:  # the three modules are checked with the PYTHONPATH; the package case skips below
        env = {**os.environ, "MPLBACKEND": "Agg"}
    planted = [p for p in PLANTED if installed or not p.startswith("tinygrad_dl/")]
    markers = {p: tmp_path / f"imported-{i}" for i, p in enumerate(planted)}
    for p, marker in markers.items():
        (out / p).parent.mkdir(parents=True, exist_ok=True)
        (out / p).write_text(f"open({str(marker)!r}, 'w').close()\nraise SystemExit(3)\n")
    r = subprocess.run([sys.executable, "-m", "tinygrad_dl.cli", "report", "a1", "--quick",
                        "--no-pdf", "--out", str(out)], capture_output=True, text=True,
                       timeout=500, env=env, cwd=cwd)
    ran = [p for p, marker in markers.items() if marker.exists()]
    assert not ran, f"the kernel ran --out's {ran}: {r.stderr[-2000:]}"
    assert r.returncode == 0, r.stderr[-3000:]
    assert (out / "a1_one_layer.html").is_file() and (out / "a1_one_layer.ipynb").is_file()
    if not installed:
        pytest.skip("tinygrad_dl is not installed (pip install -e .): its planted package is "
                    "unchecked (the other three passed)")


def _notebook(*cells: str):
    import nbformat

    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")


@pytest.mark.slow
@needs_kernel
@needs_dot
def test_the_kernel_works_in_out_and_has_no_cwd_on_its_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r").mkdir()
    nb = execute_notebook(_notebook(
        "print('os' in globals())",  # the kernel's own start-up left no name behind
        "import os, sys\nopen('made.txt', 'w').write(os.getcwd())\n"
        "print([p for p in sys.path if not os.path.isabs(p)])"), Path("r"), 60)
    assert [c.execution_count for c in nb.cells] == [1, 2]  # the counts are the notebook's
    assert _stdout(nb.cells[0]).strip() == "False"
    # its files go to --out (given relative here, to the caller's working directory)
    assert Path((tmp_path / "r" / "made.txt").read_text()).samefile(tmp_path / "r")
    assert _stdout(nb.cells[1]).strip() == "[]"  # no '' (the working directory) on sys.path


@pytest.mark.slow
@needs_kernel
@needs_dot
def test_a_kernel_that_cannot_enter_out_runs_no_cell(tmp_path: Path) -> None:
    nb = _notebook("open('made.txt', 'w').close()")
    with pytest.raises(RuntimeError, match="Kernel died"):  # (the CLI: "did not start")
        execute_notebook(nb, tmp_path / "missing", 60)
    assert nb.cells[0].get("execution_count") is None
    assert not list(tmp_path.rglob("made.txt"))

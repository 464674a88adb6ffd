"""Stopping a test run: SIGTERM to pytest ends it the way Ctrl-C does, through the tests' own
cleanup: no orphaned Jupyter kernel, no test reported as failed, no INTERNALERROR (a SIGTERM once
killed a kernel mid-notebook, gave two false failures and needed two Ctrl-C)."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
HAVE_KERNEL = all(importlib.util.find_spec(m) for m in ("nbclient", "nbformat", "ipykernel"))

NOTEBOOK_TEST = '''
import nbformat
from pathlib import Path

from tinygrad_dl.commands.report import execute_notebook


def test_a_long_cell(monkeypatch):
    # (the cell draws no graph: runs without Graphviz's `dot` too)
    monkeypatch.setattr("tinygrad_dl.commands.report.require_dot", lambda: None)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import os, time\\n"
        "open({pidfile!r}, 'w').write(str(os.getpid()))\\n"
        "time.sleep(600)")]
    execute_notebook(nb, Path({cwd!r}), timeout=900)
'''


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_KERNEL, reason="needs the notebooks extra")
def test_sigterm_stops_the_run_and_its_kernel_cleanly(tmp_path: Path):
    pidfile = tmp_path / "kernel.pid"
    (tmp_path / "test_long.py").write_text(NOTEBOOK_TEST.format(pidfile=str(pidfile),
                                                                cwd=str(tmp_path)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get(
        "PYTHONPATH", "")])}
    # our conftest as a plugin: the same hooks a run of tests/ gets
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "conftest",
                             "-p", "no:cacheprovider", str(tmp_path / "test_long.py")],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 240
        while not (pidfile.is_file() and pidfile.read_text()):
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the kernel never started"
            time.sleep(0.2)
        kernel = int(pidfile.read_text())
        assert alive(kernel)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=300)  # (only a hang: the kernel's shutdown is slow
        # on a loaded machine)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2, out  # pytest's "interrupted"
    assert "KeyboardInterrupt" in out and "INTERNALERROR" not in out, out
    assert " failed" not in out and "error" not in out.lower().replace("keyboardinterrupt", ""), out
    deadline = time.monotonic() + 60  # (a kernel told to stop may take a while to go)
    while alive(kernel) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(kernel), f"the notebook's kernel {kernel} outlived the test run"

"""`tinygrad-dl report` stopped (SIGTERM, Ctrl-C) as its notebook's kernel started left a
``tmpXXXX.json`` in the temporary folder: the kernel's connection file, which jupyter_client
makes with tempfile when given no path, out of the kernel folder the report removes; and a stop
that came while the notebook's thread started skipped the kernel's shutdown, so that thread went
on to start the kernel (and write that file) after the report had ended (a CI flake, found
2026-12-07). The stop is injected at that moment: the thread's start, then Terminated (what
SIGTERM raises there) or KeyboardInterrupt (Ctrl-C's). Real kernels (slow)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

HAVE_KERNEL = all(importlib.util.find_spec(m) for m in ("nbclient", "nbformat", "ipykernel"))
needs_kernel = pytest.mark.skipif(
    not HAVE_KERNEL, reason='needs the notebooks extra: pip install -e ".[notebooks]"')

# both scripts end alike: the stop's name, the notebook thread waited for, the folder listed
_STOPPED_THEN_LISTED = '''except KeyboardInterrupt as e:
    print(type(e).__name__, flush=True)
for t in threading.enumerate():
    if t.name == "tgdl-notebook":
        t.join(120)
print(sorted(os.listdir(tempfile.gettempdir())))
'''

# the notebook's thread starts, then the stop comes; a thread left running is waited for (it
# starts its kernel, and writes its files, after the report ended), then the temporary folder
# is listed before the at-exit handlers run (nbclient's removes the file, if it runs after the
# file is written: the race that made the flake)
SCRIPT = '''
import os, sys, tempfile, threading
from pathlib import Path
import nbformat
from tinygrad_dl.commands import report
from tinygrad_dl.commands.signals import Terminated

report.require_dot = lambda: None  # (the cell draws no graph)
start = threading.Thread.start


def start_then_stop(self):
    start(self)
    if self.name == "tgdl-notebook":
        raise {stop}


threading.Thread.start = start_then_stop
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
try:
    report.execute_notebook(nb, Path(sys.argv[1]), timeout=120)
''' + _STOPPED_THEN_LISTED

# the signal comes as the notebook's thread has launched the kernel, and the main thread's
# shutdown runs while that thread's start ends (SIGTERM raises Terminated, as in the command)
LAUNCH_SCRIPT = '''
import os, signal, sys, tempfile, threading
from pathlib import Path
import nbformat
from jupyter_client.manager import KernelManager
from tinygrad_dl.commands import report
from tinygrad_dl.commands.signals import sigterm_as_interrupt

report.require_dot = lambda: None  # (the cell draws no graph)
signal.signal(signal.SIGINT, signal.default_int_handler)  # (ignored in a background job)
launch = KernelManager._async_launch_kernel


async def launch_then_stop(self, *args, **kwargs):
    await launch(self, *args, **kwargs)
    os.kill(os.getpid(), signal.{sig})


KernelManager._async_launch_kernel = launch_then_stop
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
try:
    with sigterm_as_interrupt():
        report.execute_notebook(nb, Path(sys.argv[1]), timeout=120)
''' + _STOPPED_THEN_LISTED


@pytest.mark.slow
@needs_kernel
def test_a_stop_as_the_notebook_thread_starts_leaves_no_file_behind(tmp_path: Path) -> None:
    _run(tmp_path, SCRIPT.format(stop="Terminated"), "Terminated")


@pytest.mark.slow
@needs_kernel
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_stop_as_the_kernel_launches_is_a_stop(tmp_path: Path, sig: str) -> None:
    """Before: the main thread's shutdown raced the notebook thread's start, and jupyter_client's
    InvalidStateError replaced the stop: "a1: the notebook failed (its Jupyter kernel did not
    start: InvalidStateError: invalid state ...)", exit 2 (1 in 50 stops in a loop)."""
    _run(tmp_path, LAUNCH_SCRIPT.format(sig=sig),
         "Terminated" if sig == "SIGTERM" else "KeyboardInterrupt")


def _run(tmp_path: Path, script: str, stop: str) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "MPLBACKEND": "Agg"}
    r = subprocess.run([sys.executable, "-c", script, str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.splitlines() == [stop, "[]"], r.stdout + r.stderr[-3000:]
    assert not list(tmp.iterdir()), (list(tmp.iterdir()), r.stderr[-3000:])

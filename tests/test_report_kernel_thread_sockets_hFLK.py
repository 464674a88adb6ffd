"""`tinygrad-dl report` stopped while its notebook's thread waits on the kernel: before, the main
thread shut the kernel manager down at once (`KernelManager.shutdown_kernel`, whose clean-up
destroys the zmq context, and so closes every socket of it) while the notebook's thread was
still polling the kernel client's sockets of that context. zmq sockets are not thread-safe: a
libzmq assertion could abort the report instead of its one line. Now the kernel's process is
killed first (no socket touched), the notebook's thread sees the kernel dead and ends, and only
then is the manager shut down. Deterministic: a stand-in kernel manager and notebook client
record what the main thread did while the notebook's thread was still running."""

from __future__ import annotations

import _thread
import threading
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
manager = pytest.importorskip("jupyter_client.manager")
nbformat = pytest.importorskip("nbformat")

from tinygrad_dl.commands import kernel, report  # noqa: E402


class _Process:
    """The kernel's process: killing it is what the notebook's thread sees as a dead kernel."""

    def __init__(self, died: threading.Event) -> None:
        self.died = died

    def poll(self) -> int | None:
        return -9 if self.died.is_set() else None

    def kill(self) -> None:
        self.died.set()


class _Provisioner:
    def __init__(self, died: threading.Event) -> None:
        self.process = _Process(died)


def _fakes(log: list[str], died: threading.Event, started: threading.Event):
    class Manager:
        def __init__(self, **_: object) -> None:
            self.provisioner = _Provisioner(died)

        @property
        def has_kernel(self) -> bool:
            return True

        def shutdown_kernel(self, now: bool = False) -> None:  # (destroys the zmq context)
            alive = any(t.name == "tgdl-notebook" and t.is_alive() for t in threading.enumerate())
            log.append(f"shutdown, notebook thread alive: {alive}")
            died.set()

    class Client:
        def __init__(self, nb: object, **_: object) -> None:
            pass

        def execute(self, **_: object) -> None:  # polls the kernel's sockets until it dies
            started.set()
            _thread.interrupt_main()  # (a Ctrl-C while the cell runs)
            assert died.wait(60), "the kernel was never stopped"
            log.append("notebook thread: the kernel died")
            raise RuntimeError("Kernel died")

    return Manager, Client


def test_a_stop_shuts_the_kernel_down_after_the_notebooks_thread_ended(monkeypatch, tmp_path):
    log: list[str] = []
    died, started = threading.Event(), threading.Event()
    Manager, Client = _fakes(log, died, started)
    monkeypatch.setattr(manager, "KernelManager", Manager)
    monkeypatch.setattr(nbclient, "NotebookClient", Client)
    monkeypatch.setattr(report, "require_dot", lambda: None)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    with pytest.raises(KeyboardInterrupt):
        report.execute_notebook(nb, Path(tmp_path), timeout=60)
    assert started.is_set()
    assert log == ["notebook thread: the kernel died",
                   "shutdown, notebook thread alive: False"], log


def test_kill_process_leaves_an_ended_or_missing_process_alone():
    died = threading.Event()
    km = type("KM", (), {"provisioner": _Provisioner(died)})()
    assert kernel.kill_process(km) is True and died.is_set()
    assert kernel.kill_process(km) is False  # (ended)
    assert kernel.kill_process(type("KM", (), {"provisioner": None})()) is False

"""Crash safety review: real kills (SIGKILL) of a process in the middle of a save, the temp
files they leave, symbolic links as outputs, a file-size limit, a report's PDF."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import files
from tinygrad_dl.commands.report import print_pdf
from tinygrad_dl.train.outputs import commit_out, lock_out, prepare_out

ROOT = str(Path(tg.__file__).parents[1])
ENV = {**os.environ, "PYTHONPATH": ROOT}

# a writer that stops in the middle of its save (half the bytes written) and says so
HALF = ("import sys, time, tinygrad_dl.files as F\n"
        "def w(f):\n"
        "    f.write(b'new, half written'); f.flush(); print('mid', flush=True); time.sleep(60)\n"
        "F.atomic_write(sys.argv[1], w)\n")


def _writer_mid_save(path: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", HALF, str(path)], stdout=subprocess.PIPE,
                            env=ENV)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"mid"
    return proc


def _temps(d: Path, name: str) -> list[str]:
    return sorted(q.name for q in d.iterdir() if q.name.startswith(f".{name}.tgdl-"))


@pytest.mark.slow  # (real subprocesses)
def test_a_temp_left_by_kill_9_is_removed_by_the_next_save_and_nothing_else(tmp_path):
    p = tmp_path / "m.npz"
    tg.save({"w": np.zeros(4)}, p)
    killed = _writer_mid_save(p)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    assert tg.load(p)["w"].tolist() == [0.0] * 4  # the previous file, whole
    (killed_temp,) = _temps(tmp_path, "m.npz")  # what the kill left
    # files that only look alike are someone else's, and a live writer's temp is its own
    others = [".m.npz.other.tmp", ".m.npz.tgdl-abcdefgh.tmp.bak", ".n.npz.tgdl-abcdefgh.tmp",
              "m.npz.tgdl-abcdefgh.tmp"]
    for name in others:
        (tmp_path / name).write_text("not yours")
    os.symlink(tmp_path / "m.npz", tmp_path / ".m.npz.tgdl-zzzzzzzz.tmp")
    before = set(os.listdir(tmp_path))
    live = _writer_mid_save(p)  # its save removed the killed one's temp first
    try:
        (live_temp,) = set(os.listdir(tmp_path)) - before
        assert not (tmp_path / killed_temp).exists()
        assert files.remove_stale_temps(p) == []
        tg.save({"w": np.ones(4)}, p)
        assert tg.load(p)["w"].tolist() == [1.0] * 4
        assert set(os.listdir(tmp_path)) == before - {killed_temp} | {live_temp}
        for name in others:
            assert (tmp_path / name).read_text() == "not yours"
    finally:
        live.kill()
        live.wait()
    assert files.remove_stale_temps(p) == [tmp_path / live_temp]  # its writer is gone now


@pytest.mark.slow  # (real subprocesses)
def test_sigkill_loop_while_saving_leaves_a_whole_file_and_no_pile_of_temps(tmp_path):
    """(It replaces test_checkpoint_review's kill-while-saving test: the same kill, and the
    temps checked too.)"""
    p = tmp_path / "m.npz"
    tg.save({"w": np.zeros(200_000)}, p)
    code = ("import sys, numpy as np, tinygrad_dl as tg\n"
            "i = 0\n"
            "while True:\n"
            "    i += 1; tg.save({'w': np.full(200_000, float(i))}, sys.argv[1])\n"
            "    print(i, flush=True) if i in (2, 4) else None\n")
    for _ in range(3):  # (one kill alone left one temp at most, cleaned or not)
        proc = subprocess.Popen([sys.executable, "-c", code, str(p)], stdout=subprocess.PIPE,
                                env=ENV)
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"2"
        proc.stdout.readline()  # two saves on: the kill lands in a save, or between two
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        w = tg.load(p)["w"]  # old or new, whole
        assert w[0] >= 4 and (w == w[0]).all()
        # each save removed what the previous kill left: one kill's temp at most
        assert len(_temps(tmp_path, "m.npz")) <= 1


def test_save_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "store").mkdir()
    target = tmp_path / "store" / "real.npz"
    tg.save({"w": np.zeros(2)}, target)
    link = tmp_path / "model.npz"
    link.symlink_to(target)
    tg.save({"w": np.ones(2)}, link)  # as torch.save / open(): written through the link
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert tg.load(target)["w"].tolist() == [1.0, 1.0]
    assert sorted(os.listdir(tmp_path / "store")) == ["real.npz"]


def test_a_train_out_that_is_a_symlink_is_written_through_not_set_aside(tmp_path):
    (tmp_path / "real").mkdir()
    link = tmp_path / "latest"
    link.symlink_to("real")
    with lock_out(link) as out:
        with pytest.raises(ValueError, match="another tinygrad-dl run is writing there"):
            with lock_out(tmp_path / "real"):  # the same folder: the same lock
                pass
        stage = prepare_out(out, resume=False)
        (stage / "result.json").write_text("{}")
        # it raised OutChanged ("latest is no longer a folder") after the whole run had
        # trained, and put the run in latest-finished
        commit_out(stage, out)
    assert link.is_symlink() and (tmp_path / "real" / "result.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "real"]


def _fsize_limited(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.slow  # (real subprocesses)
def test_a_file_size_limit_is_one_error_naming_the_file_the_old_one_kept(tmp_path):
    p = tmp_path / "m.npz"
    tg.save({"w": np.zeros(3)}, p)
    old = p.read_bytes()
    code = ("import sys, numpy as np, tinygrad_dl as tg\n"
            "try:\n"
            "    tg.save({'w': np.ones(100_000)}, sys.argv[1])\n"
            "except OSError as e:\n"
            "    print(e)\n")
    r = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True,
                       env=ENV, preexec_fn=lambda: _fsize_limited(50_000))
    assert r.stdout.strip() == f"[Errno 27] File too large: '{p}'", r.stderr
    assert p.read_bytes() == old and os.listdir(tmp_path) == ["m.npz"]


def test_a_report_pdf_is_never_a_killed_runs_leftover(tmp_path):
    """A stale `.report.pdf.tmp` (a report killed while Chromium printed) was renamed into
    place when the next Chromium exited 0 without writing one."""
    engine = tmp_path / "chromium"
    engine.write_text("#!/bin/sh\nexit 0\n")
    engine.chmod(0o755)
    html = tmp_path / "report.html"
    html.write_text("<p>hi</p>")
    (tmp_path / ".report.pdf.tmp").write_bytes(b"%PDF-1.4 half a page")
    with pytest.raises(RuntimeError, match="could not print"):
        print_pdf(str(engine), html, tmp_path / "report.pdf")
    assert not (tmp_path / "report.pdf").exists()
    assert not (tmp_path / ".report.pdf.tmp").exists()


def test_save_under_a_file_or_to_a_loop_of_links_is_one_clear_error(tmp_path):
    (tmp_path / "afile").write_text("mine")
    with pytest.raises(NotADirectoryError, match="afile is a file, not a folder"):
        tg.save({"w": np.ones(2)}, tmp_path / "afile" / "sub" / "m.npz")  # "Not a directory"
    os.symlink("loop2", tmp_path / "loop1")
    os.symlink("loop1", tmp_path / "loop2")
    with pytest.raises(OSError, match="Too many levels of symbolic links"):
        tg.save({"w": np.ones(2)}, tmp_path / "loop1")  # it replaced the link by a file
    assert (tmp_path / "loop1").is_symlink() and (tmp_path / "afile").read_text() == "mine"

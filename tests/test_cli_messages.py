"""The CLI's one-line messages say the true cause and a command that works when pasted: resume
hints quote their paths, memory asked beyond the machine is one line naming the size flags, a
file where a folder belongs (and the reverse) is called that, an empty --only is refused, and
the early Ctrl-C handler is the console script's alone."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinygrad_dl import cli
from tinygrad_dl.train.outputs import stage_dir
from tinygrad_dl.train.state import STATE_FILE, TrainingInterrupted

pytestmark = pytest.mark.usefixtures("embedded_data_only")


def _err_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


# ---- 1. resume hints are commands that can be pasted ----------------------------------------
def _hinted_command(err: str) -> list[str]:
    return shlex.split(err.rsplit("resume with: ", 1)[1])


def test_ctrl_c_resume_hint_quotes_an_out_with_a_space(tmp_path, monkeypatch, capsys):
    """Before: `--resume /tmp/x/ctl c`, which the shell splits in two."""
    def interrupted(*a, **k):
        raise TrainingInterrupted(1, 7)

    monkeypatch.setattr("tinygrad_dl.commands.train.run_training", interrupted)
    out = tmp_path / "ctl c's $HOME"
    assert cli.main(["train", "two-layer", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert _hinted_command(err) == ["tinygrad-dl", "train", "two-layer", "--resume", str(out)]


def test_write_error_resume_hint_quotes_an_out_with_a_space(tmp_path, monkeypatch, capsys):
    out = tmp_path / "ctl c"
    state = stage_dir(Path(os.path.abspath(out))) / STATE_FILE

    def disk_full(*a, **k):  # (after the run saved a state: before, a new run is refused)
        state.parent.mkdir(parents=True)
        state.write_bytes(b"")
        raise OSError(28, "No space left on device", str(out / "model.npz"))

    monkeypatch.setattr("tinygrad_dl.commands.train.run_training", disk_full)
    assert cli.main(["train", "two-layer", "--out", str(out)]) == 1
    err = _err_line(capsys)
    assert _hinted_command(err) == ["tinygrad-dl", "train", "two-layer", "--resume", str(out)]


def test_a_path_that_starts_with_a_dash_is_hinted_as_flag_equals_path(tmp_path, monkeypatch,
                                                                        capsys):
    """Before: `--resume -odd.ckpt` in the hint, which argparse reads as a flag ("expected one
    argument", which named no way around it)."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        cli.main(["train", "two-layer", "--resume", "-odd.ckpt"])
    assert e.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "tinygrad-dl train: error: argument --resume: expected one argument (if its value "
        "starts with '-', write --resume=VALUE)")

    def interrupted(*a, **k):
        raise TrainingInterrupted(1, 7)

    monkeypatch.setattr("tinygrad_dl.commands.train.run_training", interrupted)
    assert cli.main(["train", "two-layer", "--out=-odd.ckpt"]) == 130
    hinted = _hinted_command(capsys.readouterr().err)
    assert hinted == ["tinygrad-dl", "train", "two-layer", "--resume=-odd.ckpt"]
    assert cli.build_parser("train").parse_args(hinted[1:]).resume == "-odd.ckpt"


# ---- 2. more memory than exists: one line naming the size flags ----------------------------
@pytest.mark.parametrize("argv, flag", [
    (["train", "two-layer", "--m", "100000000000", "--n-updates", "1"], "--m 100000000000"),
    (["train", "char-rnn", "--m=1000000000000", "--n-updates", "1"], "--m 1000000000000"),
    (["train", "two-layer", "--m", "10000000000000000", "--n-updates", "1"],
     "--m 10000000000000000"),  # past NumPy's largest array: its ValueError, said the same way
    (["graph", "two-layer", "--real-shapes", "--n", "100000000000"], "--n 100000000000"),
])
def test_memory_beyond_the_machine_is_one_line_naming_the_flags(argv, flag, tmp_path, capsys):
    """Before: a 20-40 line MemoryError traceback, exit 1."""
    out = tmp_path / ("g.svg" if argv[0] == "graph" else "run")
    assert cli.main([*argv, "--out", str(out)]) == 2
    err = _err_line(capsys)
    # NumPy's size, or the layer's own refusal before it allocates ("Linear: its weights of
    # shape (100000000000, 3072) float64 would need 2.24 PiB, more than ...")
    assert err.startswith(f"tinygrad-dl {argv[0]}: error: cannot allocate ") or (
        err.startswith(f"tinygrad-dl {argv[0]}: error: Linear: its weights of shape (")
        and " would need " in err)
    assert err.endswith(f"use smaller sizes ({flag})")
    assert not out.exists()


def test_memory_error_without_size_flags_says_what_to_do():
    msg = cli.memory_error(MemoryError(), ["train", "k-layer"])
    assert msg == ("out of memory: this machine has too little free memory for it; free some, "
                   "or use smaller sizes")


# ---- 3. the true cause: a file where a folder belongs, a folder where a file belongs --------
@pytest.fixture
def afile(tmp_path: Path) -> Path:
    f = tmp_path / "afile"
    f.write_text("not a folder\n")
    return f


def test_data_that_is_a_file_is_called_a_file(afile, tmp_path, capsys, monkeypatch):
    """Before: "CIFAR-10 directory ... does not exist"."""
    assert cli.main(["train", "two-layer", "--data", str(afile), "--out",
                     str(tmp_path / "r")]) == 2
    err = _err_line(capsys)
    assert f"{afile} (from --data/data_dir) is a file, not a folder" in err
    assert "does not exist" not in err
    monkeypatch.setenv("TINYGRAD_DL_DATA", str(afile))
    assert cli.main(["train", "two-layer", "--out", str(tmp_path / "r")]) == 2
    assert f"{afile} (from $TINYGRAD_DL_DATA) is a file, not a folder" in _err_line(capsys)


def test_text_that_is_a_folder_is_called_a_folder(tmp_path, capsys):
    """Before: "text file not found"."""
    assert cli.main(["train", "char-rnn", "--text", str(tmp_path), "--out",
                     str(tmp_path / "r")]) == 2
    assert _err_line(capsys).endswith(f"{tmp_path} is a folder, not a text file: name a UTF-8 "
                                      "text file")


@pytest.mark.parametrize("sub", ["", "x"])
def test_search_out_that_is_a_file_is_refused_before_any_trial(afile, sub, capsys):
    """Before: "cannot write afile: File exists (EEXIST); finished trials are saved in afile
    ... run the same command again to resume", exit 1, although no trial ran."""
    out = afile / sub if sub else afile
    assert cli.main(["search", "two-layer", "--param", "lambda=log10:-5:-1", "--trials", "1",
                     "--no-progress", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == (f"tinygrad-dl search: error: --out {out}: {afile} is a file, not a folder; "
                   "nothing was written: choose another --out")
    assert afile.read_text() == "not a folder\n"


def test_search_out_that_cannot_be_written_is_refused_before_any_trial(tmp_path, monkeypatch,
                                                                       capsys):
    """Before: "cannot write DIR/.lock: Read-only file system (EROFS); finished trials are saved
    in DIR ...", exit 1. (EROFS injected: a read-only mount needs root.)"""
    out = tmp_path / "ro"
    real_open = os.open

    def read_only(path, flags, *a, **k):
        if str(path).startswith(str(out)) and flags & (os.O_WRONLY | os.O_RDWR):
            raise OSError(30, "Read-only file system", str(path))
        return real_open(path, flags, *a, **k)

    monkeypatch.setattr(os, "open", read_only)
    assert cli.main(["search", "two-layer", "--param", "lambda=log10:-5:-1", "--trials", "1",
                     "--no-progress", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == (f"tinygrad-dl search: error: --out {out}: cannot write there (Read-only file "
                   "system, EROFS); nothing in it was changed: choose another --out, or make it "
                   "writable and run the same command again")


def test_graph_out_under_a_file_is_called_a_file(afile, capsys):
    """Before: "cannot write afile: File exists (EEXIST)", exit 1."""
    assert cli.main(["graph", "two-layer", "--out", str(afile / "x.svg")]) == 2
    assert _err_line(capsys) == (f"tinygrad-dl graph: error: {afile} is a file, not a folder: "
                                 "choose another path")


def test_file_in_the_way_names_only_a_file():
    assert cli.file_in_the_way(FileExistsError(17, "File exists", "/")) is None
    assert cli.file_in_the_way(OSError(28, "No space left on device", "/tmp")) is None


@pytest.mark.slow  # (imports the notebook machinery: about 2 s)
def test_report_out_that_is_a_file_is_called_a_file(afile, capsys, monkeypatch):
    pytest.importorskip("nbclient")
    # (without `dot` report refuses for that first; this checks the --out refusal after it)
    monkeypatch.setattr("tinygrad_dl.commands.report.require_dot", lambda: None)
    assert cli.main(["report", "a1", "--out", str(afile), "--no-pdf"]) == 2
    assert _err_line(capsys) == (f"tinygrad-dl report: error: {afile} is a file, not a folder: "
                                 "choose another path")


def test_results_render_only_of_a_folder_is_a_usage_error(tmp_path, capsys):
    """Before: "cannot write DIR: Is a directory (EISDIR)", exit 1, for a read."""
    assert cli.main(["results", "--render-only", "--results", str(tmp_path)]) == 2
    assert _err_line(capsys) == (f"tinygrad-dl results: error: --results {tmp_path} is a "
                                 "folder, not a results file: name the file, e.g. "
                                 f"{tmp_path / 'results.json'}")


# ---- 4. an empty --only is refused, not read as "all" ---------------------------------------
@pytest.mark.parametrize("value, words", [("", "the value is empty"), (",", "an empty item"),
                                          ("classifiers,,memory", "an empty item")])
def test_bench_only_empty_is_refused(value, words, capsys, monkeypatch):
    """Before: `--only ""` (an unset shell variable) ran the whole benchmark."""
    def ran(*a, **k):
        raise AssertionError("the benchmark ran")

    monkeypatch.setattr("tinygrad_dl.bench.run", ran)
    with pytest.raises(SystemExit) as e:
        cli.main(["bench", "--only", value])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("tinygrad-dl bench: error: argument --only: " + words)
    assert err.endswith("or leave out --only to run them all")


# ---- 5. the early Ctrl-C handler belongs to the console script alone --------------------------
def _interrupt_script(path: Path, code: str, env: dict[str, str] | None = None
                      ) -> subprocess.CompletedProcess[str]:
    """Run `code` as `path` (named like the program), SIGINT it once it prints 'ready'."""
    path.write_text(code)
    if env is None:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONSTARTUP"}
    p = subprocess.Popen([sys.executable, path.name], cwd=path.parent, env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "ready"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=300)
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_a_users_script_named_like_the_program_keeps_its_ctrl_c(tmp_path):
    """Before: any script whose name starts with tinygrad-dl exited 130 on Ctrl-C, its
    except/finally never run (its work never saved)."""
    r = _interrupt_script(tmp_path / "tinygrad-dl-x.py", (
        "import time\nimport tinygrad_dl\n"  # 'ready' inside the try: no race with the signal
        "try:\n    print('ready', flush=True)\n    time.sleep(60)\n"
        "except KeyboardInterrupt:\n    print('saved', flush=True)\n"))
    assert (r.returncode, r.stdout.strip()) == (0, "saved"), r.stderr


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_the_console_script_still_gets_the_early_handler(tmp_path):
    """pip's console script (named tinygrad-dl, `from tinygrad_dl.cli import main`): Ctrl-C
    before main runs is still one line and 130."""
    r = _interrupt_script(tmp_path / "tinygrad-dl", (
        "import sys, time\nfrom tinygrad_dl.cli import main\nprint('ready', flush=True)\n"
        "time.sleep(60)\nsys.exit(main())\n"))
    # (stderr is a pipe: no blank line before the one line)
    assert (r.returncode, r.stderr) == (130, "tinygrad-dl: interrupted\n")


@pytest.mark.parametrize(("model", "flag"), [("two-layer", "--data"), ("char-rnn", "--text")])
def test_search_data_of_the_wrong_kind_is_said_as_such(tmp_path, model, flag, capsys):
    """Before: `search --data FILE` said "no such folder" and `search --text DIR` "no such
    file" (found 2026-12-03)."""
    wrong = tmp_path / "afile" if flag == "--data" else tmp_path
    if flag == "--data":
        wrong.write_text("x\n")
    param = "eta=log10:-2:-1" if model == "char-rnn" else "lambda=log10:-5:-1"
    assert cli.main(["search", model, "--param", param, "--trials", "1", "--no-progress",
                     flag, str(wrong), "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    want = "is a file, not a folder" if flag == "--data" else "is a folder, not a text file"
    assert f"{flag} {wrong}: {want}" in err, err


def test_runs_started_in_the_same_second_get_their_own_default_out(tmp_path, monkeypatch):
    """Before: four `tinygrad-dl train one-layer` started at once without --out all chose
    runs/one-layer-DATE-TIME (it did not exist yet: a run's folder appears when it finishes),
    and three were refused as "another tinygrad-dl run is writing there" (found 2026-12-03)."""
    from tinygrad_dl.commands import train as train_cmd

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(train_cmd.time, "strftime", lambda fmt: "20261203-083637")
    names = [train_cmd.default_out("one-layer") for _ in range(3)]
    assert [n.name for n in names] == ["one-layer-20261203-083637", "one-layer-20261203-083637-2",
                                       "one-layer-20261203-083637-3"]
    from tinygrad_dl.train.outputs import lock_out

    with lock_out(names[0]):  # the claim is the lock file the run then takes
        pass
    assert not (tmp_path / "runs" / ".one-layer-20261203-083637.lock").exists()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None,  # (report refuses before its kernel without it)
                    reason="Graphviz `dot` not installed")
def test_report_terminated_mid_notebook_is_one_line_and_leaves_no_kernel_files(tmp_path):
    """Before: SIGTERM killed `report` silently (exit -15), leaving its kernel folder and the
    kernel's connection file in the temporary folder; search, results and train handle it as
    Ctrl-C (found 2026-12-03). (Ctrl-C itself, SIGINT, takes the same path: exit 130.)"""
    sig, code, word = signal.SIGTERM, 143, "terminated"
    pytest.importorskip("nbclient")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "MPLBACKEND": "Agg"}
    p = subprocess.Popen([sys.executable, "-m", "tinygrad_dl.cli", "report", "a1", "--quick",
                          "--no-pdf", "--out", str(tmp_path / "rep")], env=env,
                         stderr=subprocess.PIPE, text=True)
    # (the report runs ~8 s after its kernel appears: the signal comes mid-notebook)
    deadline = time.monotonic() + 300  # (only a hang; start-up is slow on a loaded machine)
    while not list(tmp.glob("tgdl-kernel-*")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the notebook's kernel is starting: the report is under way
    assert p.poll() is None, "the report ended before the kernel started"
    time.sleep(1.0)
    assert p.poll() is None, "the report ended before the signal"
    p.send_signal(sig)
    _, err = p.communicate(timeout=300)
    assert p.returncode == code, err
    assert err.strip().splitlines()[-1] == f"tinygrad-dl report: {word}", err
    assert not list(tmp.iterdir()), list(tmp.iterdir())  # kernel folder, connection file


def _search_into(out: Path) -> int:
    return cli.main(["search", "two-layer", "--param", "lambda=log10:-5:-1", "--trials", "1",
                     "--n-updates", "2", "--no-progress", "--no-plot", "--out", str(out)])


def test_search_refuses_a_folder_a_train_run_holds_stages_or_writes(tmp_path, capsys):
    """Before: a search into a finished run's folder mixed its files with the run's, and one
    into an --out a train was writing was deleted by that run's commit (found 2026-12-03).
    A lock file left by a killed run blocks nothing (the lock is tried, not looked for)."""
    from tinygrad_dl.train.outputs import lock_file

    run = tmp_path / "run"
    run.mkdir()
    (run / "result.json").write_text("{}\n")
    staged = tmp_path / "staged"
    stage_dir(staged).mkdir()
    busy = tmp_path / "busy"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from tinygrad_dl.train.outputs import lock_out;"
         " c = lock_out(sys.argv[1]); c.__enter__(); print('held', flush=True);"
         " time.sleep(600)",  # (killed below; the three searches may be slow on a loaded box)
         str(busy)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        for out, why in ((run, "it holds a training run (result.json)"),
                         (staged, "a tinygrad-dl train run is staged there"),
                         (busy, "a tinygrad-dl train run is writing there")):
            assert _search_into(out) == 2
            err = capsys.readouterr().err.strip().splitlines()[-1]
            assert f"--out {out}: {why}" in err, err
            assert not (out / "spec.json").exists()
    finally:
        holder.kill()
        holder.wait()
    assert lock_file(busy).exists()  # left by the killed holder: a search may go there now
    assert _search_into(busy) == 0
    assert (busy / "results.json").is_file()

"""`tinygrad-dl report` and the notebooks' searches, run for real (a Jupyter kernel in a
subprocess): `all --param search_out=DIR` (a2's search made DIR a two-layer search, a3's then
failed on it after a1 and a2 had run), a second report on the same search_out (it reused every
trial without a word; checked on the `all` run's a2 search), a kernel that dies at its start (a
traceback after the one-line error); and plot_smooth_loss on a hand-edited meta."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl.train import History, run_training
from tinygrad_dl.viz import plot_lr_schedule, plot_smooth_loss

HAVE_KERNEL = all(importlib.util.find_spec(m) for m in ("nbclient", "nbformat", "ipykernel",
                                                        "nbconvert"))
needs_kernel = pytest.mark.skipif(
    not HAVE_KERNEL, reason='needs the notebooks extra: pip install -e ".[notebooks]"')
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


def _report(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinygrad_dl.cli", "report", *args, "--quick",
                           "--no-pdf"], capture_output=True, text=True, timeout=500,
                          env={**os.environ, "MPLBACKEND": "Agg", **(env or {})})


def _text(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    texts = [o.get("text", "") for c in nb["cells"] if c["cell_type"] == "code"
             for o in c["outputs"]]
    return "".join(t if isinstance(t, str) else "".join(t) for t in texts)


@pytest.mark.slow
@needs_kernel
@needs_dot
def test_all_with_one_search_out_gives_each_search_its_own_folder(tmp_path: Path) -> None:
    search, out = tmp_path / "s", tmp_path / "r"
    r = _report("all", "--param", f"search_out={search}", "--out", str(out))
    assert r.returncode == 0, r.stderr  # was 2: "a3: ... holds a different search"
    for name, model in (("a2", "two-layer"), ("a3", "k-layer")):
        assert json.loads((search / name / "spec.json").read_text())["model"] == model
        assert f"{name}'s search goes to {search / name}" in r.stderr
    assert (out / "a3_k_layer.html").is_file() and (out / "a4_char_rnn.html").is_file()
    assert not (search / "spec.json").exists()
    # a report on an earlier search says it resumed it (this `all` run is that earlier report:
    # one report fewer for the suite): a second report ran no trial of a2's search, and its
    # numbers, the first one's, are now said to be reused; the first report said nothing so
    assert "resuming" not in _text(out / "a2_two_layer.ipynb")
    r = _report("a2", "--param", f"search_out={search / 'a2'}", "--out", str(tmp_path / "r2"))
    assert r.returncode == 0, r.stderr
    assert "4 of 4 trials already done" in _text(tmp_path / "r2" / "a2_two_layer.ipynb")


@pytest.mark.slow
@needs_kernel
@needs_dot
def test_a_kernel_that_dies_at_its_start_is_one_line(tmp_path: Path) -> None:
    fake = tmp_path / "fake"  # the kernel's `python -m ipykernel_launcher` exits at once
    fake.mkdir()
    (fake / "ipykernel_launcher.py").write_text("import sys\nsys.exit(3)\n")
    path = os.pathsep.join([str(fake), *filter(None, [os.environ.get("PYTHONPATH")])])
    r = _report("a1", "--out", str(tmp_path / "r"), env={"PYTHONPATH": path})
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "AssertionError" not in r.stderr, r.stderr
    assert r.stderr.strip().count("\n") == 0, r.stderr
    assert "its Jupyter kernel did not start" in r.stderr and "ipykernel" in r.stderr


@pytest.mark.parametrize("meta", [{"final_smooth_loss": "abc"}, {"best_smooth_loss": [1.0]},
                                  {"final_smooth_loss": True}])
def test_plot_smooth_loss_names_a_meta_value_that_is_no_number(tmp_path: Path, meta) -> None:
    p = tmp_path / "history.json"
    p.write_text(json.dumps({"meta": meta, "columns": {"step": [0, 1], "smooth_loss": [3, 2]}}))
    h = History.load(p)
    key = next(iter(meta))
    with pytest.raises(ValueError, match=rf"history.meta\['{key}'\] must be a number"):
        plot_smooth_loss(h)
    assert plot_smooth_loss(h, title="given").axes[0].get_title() == "given"


def test_plot_smooth_loss_title_from_numeric_and_missing_meta() -> None:
    h = History({"final_smooth_loss": 2.5, "best_smooth_loss": None})
    h.log(step=0, smooth_loss=3.0)
    h.log(step=1, smooth_loss=2.5)
    assert plot_smooth_loss(h).axes[0].get_title() == \
        "char-RNN smooth loss (last 2.5000, best nan/inf)"


def test_plot_lr_schedule_of_a_history_draws_each_updates_rate_at_its_step() -> None:
    # the eta column's row at step s holds update s - 1's rate: the peak of a cycle drawn one
    # update late (at step 4 where update 3 ran at eta_max)
    r = run_training("two-layer", {"cycles": 1, "n_s": 3, "n_batch": 100, "eval_every": 1,
                                   "m": 5}, progress=False, seed=0)
    etas = r.history.meta["etas"]
    x, y = plot_lr_schedule(r.history).axes[0].get_lines()[0].get_data()
    assert list(x) == list(range(len(etas))) and list(y) == etas
    assert x[np.argmax(y)] == 3 == int(np.argmax(etas))
    h = History()  # a History without meta etas: its eta column, as before
    for s, e in enumerate([0.1, 0.2]):
        h.log(step=s, eta=e)
    assert list(plot_lr_schedule(h).axes[0].get_lines()[0].get_data()[1]) == [0.1, 0.2]

"""The fast loop with only the `dev` extra (the README's quick start), run for real: tests whose
body needs an optional package without importing it skip, naming it, instead of failing.

Found on a fresh venv with `pip install -e ".[dev]"`: two check_edge tests failed with "DID NOT
RAISE" (check_edge skips its PyTorch comparisons when torch is absent, as documented, so a
wrong row had nothing to fail on), and `report` without `dot` failed its assertion because,
without the notebooks extra, the command refuses for that first. test_optional_imports.py
checks the imports a file makes; this runs the tests with the optional packages hidden (each
name set to None in sys.modules, which `import` and importlib.util.find_spec both read as
absent, in the pytest process and in every Python it starts).

And with the notebooks extra but without Graphviz's `dot`: the report tests that run no notebook
of the course (a stub executor, or a cell that draws nothing) failed on report's up-front
GraphvizNotFoundError; they need no `dot` and now run without it (one that runs the
a1 notebook, which draws, skips naming `dot`)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_optional_imports import optional_modules  # the one list of the optional packages
from test_report_params import HAVE_NBCONVERT

ROOT = Path(__file__).resolve().parents[1]
NODES = [
    "tests/test_gradcheck_review.py::test_check_edge_fails_a_torch_row_whose_op_cut_the_graph",
    "tests/test_gradcheck_review.py::"
    "test_check_edge_compares_the_value_of_a_graphless_torch_row_without_numpy",
    "tests/test_cli_leftovers2_review.py::test_report_without_dot_creates_no_out_folder",
]


@pytest.mark.slow
def test_tests_needing_an_optional_package_skip_naming_it_when_it_is_absent(tmp_path) -> None:
    hide = sorted(optional_modules())
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in hide))
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH",
                                                                                   "")])}
    probe = subprocess.run([sys.executable, "-c", "import importlib.util as u; "
                            "print(u.find_spec('torch'), u.find_spec('nbformat'))"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert probe.stdout.split() == ["None", "None"], probe.stderr  # (the hiding works)
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m",
                        "slow or not slow", "-rs",
                        *NODES], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    summary = r.stdout.strip().splitlines()[-1]
    assert r.returncode == 0 and summary.startswith(f"{len(NODES)} skipped"), r.stdout[-3000:]
    assert r.stdout.count("could not import 'torch'") == 2, r.stdout[-3000:]
    assert "needs the notebooks extra" in r.stdout


NO_DOT_NODES = [
    "tests/test_report_walk_review.py::"
    "test_an_interrupted_print_leaves_no_earlier_pdf_beside_the_new_page",
    "tests/test_report_walk_review.py::test_a_failed_print_still_says_it_removed_the_earlier_pdf",
    "tests/test_report_walk_review.py::test_timeout_stops_a_cell_that_runs_longer",
    "tests/test_report_params.py::"
    "test_a_failed_run_keeps_the_last_good_report_and_names_its_partial_notebook",
    "tests/test_stopping.py::test_sigterm_stops_the_run_and_its_kernel_cleanly",
    "tests/test_char_rnn_changes_review.py::"
    "test_report_on_an_ascii_stdout_with_a_non_ascii_path_warns_once",
    "tests/test_cli_messages.py::test_report_out_that_is_a_file_is_called_a_file",
    # (runs the a1 notebook, which draws: skips, naming `dot`)
    "tests/test_cli_messages.py::"
    "test_report_terminated_mid_notebook_is_one_line_and_leaves_no_kernel_files",
]


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_NBCONVERT or importlib.util.find_spec("ipykernel") is None,
                    reason='needs the notebooks extra: pip install -e ".[notebooks]"')
def test_report_tests_that_draw_nothing_pass_without_dot(tmp_path) -> None:
    (tmp_path / "nodot").mkdir()  # PATH: a folder holding no programs (sys.executable runs)
    env = {**os.environ, "PATH": str(tmp_path / "nodot"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m",
                        "slow or not slow", "-rs", *NO_DOT_NODES], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=500)
    summary = r.stdout.strip().splitlines()[-1]
    assert r.returncode == 0 and summary.startswith(f"{len(NO_DOT_NODES) - 1} passed, 1 skipped"), \
        r.stdout[-3000:]
    assert "Graphviz `dot` not installed" in r.stdout

"""Claims of README.md, docs/cli.md, docs/contributing.md, docs/reliability.md (the CLI's),
docs/pytorch.md's distributions and linalg paragraphs, and the docstrings of tinygrad_dl.data,
.train and .viz, checked against the code (a doc audit, helper hV4).

Wrong before:
- cli.md: "the output was cut short (stdout closed by a pipe)" is exit 1: with an unbuffered
  stdout (PYTHONUNBUFFERED=1) `--help`, `train --help` and a bare `tinygrad-dl` into a closed
  pipe (or `> /dev/full`) exited 0 without a word (argparse drops its write's OSError).
- pytorch.md: "a jitted step with `Binomial.entropy` or `enumerate_support` runs eagerly, with a
  warning": it replayed, keeping the support size of its first call, so another total_count
  gave wrong numbers without a word.
- pytorch.md: biject_to / transform_to "picking the transforms torch's registry picks": torch's
  registry maps half_open_interval (NegativeBinomial's probs) as interval; it was refused.
- InverseGamma.rsample's one line named Gamma; CharData.decode took "any iterable of ints" but
  not an iterator.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import warnings
from pathlib import Path

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, cli, jit
from tinygrad_dl.data import CharData, one_hot_sequence

ROOT = Path(__file__).resolve().parents[1]
D = tg.distributions
LA = tg.linalg
CLOSED = "stdout was closed by its reader (a pipe); the rest of the output is not printed"


# ---- docs/cli.md: exit 1 when stdout's reader left, --help included ----------------------------
class _GonePipe(io.StringIO):
    def write(self, s: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("argv, who", [(["--help"], "tinygrad-dl"), ([], "tinygrad-dl"),
                                       (["graph", "--help"], "tinygrad-dl graph")])
def test_help_into_a_pipe_whose_reader_left_is_one_line_and_status_1(argv, who, capsys,
                                                                      monkeypatch):
    monkeypatch.setattr(sys, "stdout", _GonePipe())  # (an unbuffered stdout: write raises)
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 1
    assert capsys.readouterr().err.strip() == f"{who}: {CLOSED}"


@pytest.mark.slow  # (a Python process each)
@pytest.mark.parametrize("argv, who", [(["train", "--help"], "tinygrad-dl train"),
                                       ([], "tinygrad-dl")])
def test_help_into_a_closed_unbuffered_pipe_exits_1(argv, who):
    r, w = os.pipe()
    os.close(r)
    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    try:
        p = subprocess.run([sys.executable, "-m", "tinygrad_dl.cli", *argv], stdout=w,
                           stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    finally:
        os.close(w)
    assert (p.returncode, p.stderr.strip()) == (1, f"{who}: {CLOSED}")


def test_help_still_prints_and_exits_0(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["train", "--help"])
    assert e.value.code == 0 and "--checkpoint-every" in capsys.readouterr().out


@pytest.mark.slow  # (a search of two trials that diverge at their first update)
def test_a_search_whose_every_trial_failed_exits_1(tmp_path, capsys, embedded_data_only):
    # cli.md: exit 1 when "a search ... had no trial succeed"
    out = tmp_path / "s"
    assert cli.main(["search", "one-layer", "--param", "eta=log10:200:250", "--trials", "2",
                     "--n-updates", "3", "--no-progress", "--no-plot", "--out", str(out)]) == 1
    assert "no trial succeeded" in capsys.readouterr().out


# ---- pytorch.md: distributions ------------------------------------------------------------------
def _binomial_step(what: str):
    p = Tensor(np.array([0.3, 0.6]), requires_grad=True)

    def step(n):
        b = D.Binomial(Tensor(n), p)
        out = b.entropy() if what == "entropy" else b.enumerate_support(False).sum(0) * p
        out.sum().backward()
        return out.detach()

    return p, step


@pytest.mark.parametrize("what", ["entropy", "enumerate_support"])
def test_a_jitted_binomial_support_runs_eagerly_and_follows_total_count(what):
    p, step = _binomial_step(what)
    j = jit.jit(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = [j(np.array(n)).numpy() for n in (3.0, 3.0, 4.0, 7.0)]
    assert j.replays == 0
    assert any("Binomial." in str(w.message) for w in caught)
    for n, g in zip((3.0, 3.0, 4.0, 7.0), got):
        p.grad = None
        np.testing.assert_allclose(g, step(np.array(n)).numpy(), rtol=1e-12)


def test_half_open_interval_bijects_as_torchs_interval():
    torch = pytest.importorskip("torch")
    TD = torch.distributions
    x = np.array([-3.0, 0.0, 0.7, 5.0])
    for registry, theirs in ((D.biject_to, TD.biject_to), (D.transform_to, TD.transform_to)):
        for low, high in ((0.0, 1.0), (-1.0, 2.5)):
            ours = registry(D.constraints.half_open_interval(low, high))
            ref = theirs(TD.constraints.half_open_interval(low, high))
            np.testing.assert_allclose(ours(tg.tensor(x)).numpy(),
                                       ref(torch.tensor(x)).numpy(), rtol=1e-14)
    probs = D.NegativeBinomial(tg.tensor(3.0), probs=tg.tensor(0.4)).arg_constraints["probs"]
    assert D.biject_to(probs)(tg.tensor(0.0)).item() == 0.5


def test_inverse_gamma_rsample_refusal_names_inverse_gamma():
    d = D.InverseGamma(tg.tensor(2.0), tg.tensor(1.0))
    assert not d.has_rsample
    with pytest.raises(NotImplementedError, match=r"^InverseGamma\.rsample is not implemented"):
        d.rsample()


def test_poisson_has_no_entropy_as_torchs():
    # pytorch.md: "entropy (not Poisson's: torch's has none either)"
    with pytest.raises(NotImplementedError):
        D.Poisson(tg.tensor(2.0)).entropy()
    assert np.isfinite(D.Geometric(tg.tensor(0.3)).entropy().item())


# ---- pytorch.md: linalg -------------------------------------------------------------------------
def test_cond_of_a_matrix_with_nan_is_inf_by_norms_nan_by_nuc_refused_by_the_svd():
    n = tg.tensor([[np.nan, 1.0], [2.0, 3.0]])
    with np.errstate(all="ignore"):
        for p in ("fro", np.inf, -np.inf, 1, -1):
            assert LA.cond(n, p).item() == np.inf, p
        assert np.isnan(LA.cond(n, "nuc").item())
    for p in (None, 2, -2):
        with pytest.raises(ValueError, match="NaN or inf"):
            LA.cond(n, p)


def test_a_jitted_step_with_cond_replays_for_p_none_and_runs_eagerly_for_p_1():
    """pytorch.md: cond with p None, 2 or -2 replays (its quiet division is an op, 94e1b03);
    the other p read the matrix's values (an LU), so such a step runs eagerly."""
    w = Tensor(np.eye(3) * 2, requires_grad=True)
    rng = np.random.default_rng(0)
    for p, replayed in ((None, True), (1, False)):
        def step(a, p=p):
            c = LA.cond(Tensor(a) + w, p)
            c.backward()
            return c.detach()

        j = jit.jit(step)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            for _ in range(4):
                a = rng.standard_normal((3, 3))
                w.grad = None
                assert j(a).item() == pytest.approx(LA.cond(Tensor(a) + w, p).item(), rel=1e-12)
        assert (j.replays > 0) == replayed, p


def test_qr_gradient_at_an_exact_zero_on_rs_diagonal_is_not_finite():
    x = Tensor(np.array([[0.0, 1.0], [0.0, 2.0]]), requires_grad=True)
    q, r = LA.qr(x)
    assert r.numpy()[0, 0] == 0
    with np.errstate(all="ignore"):
        (q.sum() + r.sum()).backward()
    assert not np.isfinite(x.grad[:, 0]).any() and np.isfinite(x.grad[:, 1]).all()


# ---- docstrings: tinygrad_dl.data ---------------------------------------------------------------
def test_chardata_decode_and_one_hot_take_any_iterable_of_ints():
    cd = CharData("hello")
    assert cd.decode(iter([0, 1])) == cd.decode(i for i in [0, 1]) == cd.decode([0, 1]) == "eh"
    assert cd.decode(range(3)) == "ehl" and cd.decode(iter([])) == ""
    assert cd.one_hot(iter([0, 3])).shape == (2, cd.K)
    np.testing.assert_array_equal(one_hot_sequence(iter([2]), 3), [[0.0, 0.0, 1.0]])
    with pytest.raises(ValueError, match="must be integers"):
        cd.decode(iter([0.5]))


# ---- README.md and docs/contributing.md ---------------------------------------------------------
@pytest.mark.slow  # (builds the sdist of a copy of the tree)
def test_the_sdist_ships_the_license(tmp_path, monkeypatch):
    # README.md: "the notice ships in the wheel and the sdist" (test_packaging checks the wheel)
    build_meta = pytest.importorskip("setuptools.build_meta")
    src = Path(shutil.copytree(ROOT, tmp_path / "src", ignore=shutil.ignore_patterns(
        ".git", "__pycache__", "build", "*.egg-info", "site", "runs", "reports", ".pytest_cache",
        ".hypothesis", ".ruff_cache", "tests", "docs", "benchmarks")))
    monkeypatch.chdir(src)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (setuptools' notes on the license field)
        name = build_meta.build_sdist(str(tmp_path / "dist"))
    with tarfile.open(tmp_path / "dist" / name) as t:
        assert any(m.endswith("/LICENSE") and m.count("/") == 1 for m in t.getnames())


@pytest.mark.slow  # (a pytest process)
def test_a_slow_test_named_by_its_node_id_runs(tmp_path):
    # contributing.md: `pytest -q tests/test_x.py::test_y` runs one test "even if it is slow";
    # the file alone leaves it out (addopts' -m "not slow")
    node = "tests/test_docs_claims_hV4.py::test_the_sdist_ships_the_license"

    def collected(arg: str) -> str:
        return subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                               "-p", "no:cacheprovider", arg], cwd=ROOT, capture_output=True,
                              text=True, timeout=300).stdout

    assert node in collected(node)
    assert node not in collected("tests/test_docs_claims_hV4.py")


def test_stop_flag_keeps_a_signal_ignored_at_start_ignored():
    # train's docstring: "A signal the process was started ignoring stays ignored: nohup's SIGHUP"
    from tinygrad_dl.train import StopFlag

    old = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with StopFlag().catch_signals():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
    finally:
        signal.signal(signal.SIGHUP, old)

"""Shared test setup: hypothesis profiles, the fast default loop, clean stops, shared fixtures.

The default `python3 -m pytest -q` deselects the tests marked `slow` (pyproject.toml's addopts
say `-m "not slow"`); `python3 -m pytest -q -m "slow or not slow"` runs everything (CI does, in
two worker processes: `-n 2`).
A test named explicitly (`pytest tests/test_x.py::test_y`) runs even when it is slow.
"""

import gc
import itertools
import os
import random
import signal
import sys
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from threadpoolctl import threadpool_info, threadpool_limits

from tinygrad_dl.search.worker import BLAS_VARS

# Shared, noisy machines: never time individual examples. CI keeps the suite within budget (20
# examples: 25 made test_ops' gradient rows 14% of the full command, which passed 10 minutes) and
# is derandomized, so a red CI reproduces exactly; dev runs explore new examples every time.
settings.register_profile(
    "ci", max_examples=20, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# dev: the default loop's size, small enough for a coffee break; every run draws new examples
settings.register_profile(
    "dev", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=500, deadline=None)
# an empty HYPOTHESIS_PROFILE (`HYPOTHESIS_PROFILE= pytest`) means the default, not a profile ""
_default_profile = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or _default_profile)


# ---- data: the real CIFAR-10 subset (CI clones the repo with ../shared beside it)
@pytest.fixture(scope="session")
def cifar_dir() -> Path:
    """CIFAR-10 batches dir: $TINYGRAD_DL_TEST_CIFAR or ../shared/data/...; skips if absent."""
    env = os.environ.get("TINYGRAD_DL_TEST_CIFAR")
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "cifar-10-batches-py"
    path = Path(env).expanduser() if env else default
    if not (path / "data_batch_1").is_file():
        pytest.skip(f"CIFAR-10 subset not found at {path} (set TINYGRAD_DL_TEST_CIFAR)")
    return path


# ---- data: only the embedded CIFAR-10 sample ----------------------------------------------------
@pytest.fixture
def embedded_data_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No $TINYGRAD_DL_DATA and an empty cache folder: every loader falls back to the embedded
    sample, whatever this machine has downloaded (use it with
    `pytestmark = pytest.mark.usefixtures("embedded_data_only")`)."""
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "no-cache"))


# ---- the default loop and clean stops -----------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    # a test named by its node id runs even if it is slow (addopts deselects slow tests)
    if config.option.markexpr == "not slow" and any("::" in a for a in config.args):
        config.option.markexpr = ""
    # -n N hands out the tests as pytest-xdist's "load" does, in runs of consecutive tests, so
    # one worker could be left with a run of slow ones (tests/test_train*.py) while the other
    # had finished: the other worker idled 90-130 s at the end. "worksteal" hands an idle
    # worker half of what the busy one has still queued (the same tests, in the same order).
    if getattr(config.option, "dist", None) == "load":
        config.option.dist = "worksteal"
    # SIGTERM stops the run as Ctrl-C does: KeyboardInterrupt in the main thread, so running
    # tests unwind through their finally blocks and fixtures (kernels shut down, child
    # processes killed) and pytest reports what ran, with no test failing because of it
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
        # a pytest started in the background (`pytest &`, some CI runners) ignores SIGINT, and
        # every program the tests start inherits that: the Ctrl-C tests (a user's Ctrl-C at a
        # terminal) would then see their SIGINT ignored, as the CLI rightly keeps it
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    _share_the_cores()


def _share_the_cores() -> None:
    """In N xdist workers (-n N), each worker's BLAS gets 1/N of the threads it would use alone.
    OpenBLAS starts one thread per core in every process, so CI's two workers on two cores ran
    four, which spin while they wait: a training test took 2-3x as long as with one thread
    each. Set for the worker itself and, through the environment, for every program it starts
    (a CLI run, a notebook kernel, a search's workers), so results compared across processes
    come from the same thread count (their last bits can depend on it). Left alone when the
    caller set any of the variables; tests that check thread counts set their own."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 0)
    if workers < 2 or any(v in os.environ for v in BLAS_VARS):
        return
    alone = max((i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"),
                default=1)
    share = max(1, alone // workers)
    for var in BLAS_VARS:
        os.environ[var] = str(share)
    threadpool_limits(limits=share)  # (this process loaded NumPy's BLAS already)


def pytest_collection_finish(session: pytest.Session) -> None:
    """PyTorch (the oracle, imported by the test modules) on one thread, for every test: its
    thread pool made each tiny call cost milliseconds, most of it spinning (test_conv.py's
    `_torch` said so first, but only the tests after it ran on one thread: the fast loop spent
    5 s of CPU in test_attention_review.py's 0.7 and 3 s in test_batchnorm_options.py's 0.2)."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
    # What collection built (~800,000 objects: 27,000 test items, torch, hypothesis's
    # strategies) lives to the end of the run; the cyclic garbage collector walked all of it
    # in every full collection, automatic or a test's gc.collect() (~1 s each in a worker:
    # 202 s of one worker's full run under load; 65 s of 137 in a run of two test files).
    # Frozen, a collection walks only what was made since (pytest_runtest_logfinish below
    # freezes what the tests leave alive, every 500 tests, after collecting their garbage).
    gc.collect()
    gc.freeze()


_tests_finished = itertools.count(1)


def pytest_runtest_logfinish(nodeid: str, location: tuple) -> None:
    """Between tests (their fixtures torn down), every 500: what earlier tests left alive
    (module fixtures, caches, hypothesis's) is frozen as collection's was; a test's own
    objects are never frozen while it runs, so its gc.collect() and leak checks see them."""
    if next(_tests_finished) % 500 == 0:
        gc.collect()
        gc.freeze()


def _stop_like_ctrl_c(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one stop is enough: no second interrupt
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(autouse=True)
def _signal_handlers_restored():
    """A test that installs SIGINT/SIGTERM handlers (a training's stop flag, the search) must
    not leave them behind: a stale handler once made the run ignore SIGTERM."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        if signal.getsignal(sig) is not handler:
            signal.signal(sig, handler)


@pytest.fixture(autouse=True)
def _random_state_per_test(request: pytest.FixtureRequest) -> None:
    """Each test starts from a random state of its own, made from its name: NumPy's global
    generator, Python's and tinygrad_dl's default one (weights without rng=, randn). Without
    it a test drew whatever the tests before it in its process left, and xdist hands tests to
    its workers in another order each run: a test with a tight tolerance then failed now and
    then (test_linear_matches_torch did, on a near-zero output), never reproducibly."""
    from tinygrad_dl import random as tg_random

    seed = zlib.crc32(request.node.nodeid.encode())
    np.random.seed(seed)
    random.seed(seed)
    tg_random.manual_seed(seed)
    # and a test module's own shared generator (`R = np.random.default_rng(0)` at its top), for
    # the same reason: test_interpolate_float32_stays_float32 failed once on the draws another
    # order left it
    module = getattr(request, "module", None)
    for name in ("R", "RNG", "_RNG", "rng"):
        if isinstance(getattr(module, name, None), np.random.Generator):
            setattr(module, name, np.random.default_rng(seed))


@pytest.fixture
def results_py(monkeypatch):
    """benchmarks/results.py as a module (tests/test_bench_review.py and its review's)."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent / "benchmarks"))
    sys.modules.pop("results", None)
    import results as module

    yield module
    sys.modules.pop("results", None)


@pytest.fixture
def report_calls(monkeypatch):
    """`tinygrad-dl report` with build_report replaced by a recorder: the list of (assignment,
    params) per notebook it would run (test_report_params.py, test_report_walk_review.py,
    test_cli_commands_review.py)."""
    from tinygrad_dl.commands import report

    seen: list = []
    monkeypatch.setattr(report, "build_report",
                        lambda name, out, params, **kw: seen.append((name, dict(params))) or {})
    return seen


# ---- a `dot` that hangs (the timeout tests of viz, jupyter and `tinygrad-dl graph`)
@pytest.fixture
def slow_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `dot` first on PATH that sleeps 5 s: what a graph too big to lay out looks like."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "dot").write_text("#!/bin/sh\nexec sleep 5\n")  # (exec: the kill reaches sleep)
    (bin_ / "dot").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_}:/usr/bin:/bin")
    return bin_

"""Hyperparameter search: parsing, sampling, seeds, narrowing, resume, failures, backends, CLI."""

from __future__ import annotations

import csv
import json
import math
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_dl.cli import main
from tinygrad_dl.search import (
    ParamSpec,
    SearchSpec,
    Task,
    execute_trial,
    iter_results,
    make_tasks,
    parse_param,
    run_search,
    trial_seed,
)


def peaked(params: dict, seed: int) -> dict:
    """A fake trial: accuracy peaks at lambda = 1e-3, plus a little seed noise."""
    noise = np.random.default_rng(seed).uniform(0, 1e-3)
    acc = 0.5 - (math.log10(params["lam"]) + 3) ** 2 / 40 + noise
    return {"best_val_acc": acc, "train_cost": 1.0, "val_cost": 1.2, "test_acc": acc - 0.05}


def spec(trials: int = 6, refine: int = 0, seed: int = 0, **kw) -> SearchSpec:
    params = [parse_param(p) for p in kw.pop("params", ["lambda=log10:-5:-1"])]
    return SearchSpec("two-layer", params, {"epochs": 1}, trials, refine, seed, **kw)


def read_rows(out) -> list[dict]:
    return json.loads((out / "results.json").read_text())["rows"]


# ---------------------------------------------------------------- parsing and validation
def test_parse_param_forms():
    p = parse_param("lambda=log10:-5:-1")
    assert (p.name, p.key, p.dist, p.low, p.high) == ("lambda", "lam", "log10", -5, -1)
    assert p.is_log
    assert p.value_bounds() == pytest.approx((1e-5, 1e-1))
    assert parse_param("lam=uniform:0:0.5").name == "lambda"
    assert parse_param("n-batch=int:50:200") == ParamSpec("n_batch", "int", 50, 200)
    assert parse_param("m=choice:50, 100").choices == (50, 100)
    assert parse_param("eta_max=choice:0.1,0.2").choices == (0.1, 0.2)
    assert str(parse_param("eta_max=uniform:0.05:0.2")) == "eta_max=uniform:0.05:0.2"


@pytest.mark.parametrize(
    "text, message",
    [
        ("lambda=log10:-1", "two bounds"),
        ("foo=uniform:0:1", "unknown search parameter 'foo'"),
        ("lambda=uniform:0.5:0.1", "LOW < HIGH"),
        ("lambda=log10:-1:-1", "LOW < HIGH"),
        ("lambda=log10:nan:1", "LOW < HIGH"),
        ("lambda", "NAME=DIST:ARGS"),
        ("lambda=", "NAME=DIST:ARGS"),
        ("lambda=normal:0:1", "unknown distribution 'normal'"),
        ("lambda=uniform:-1:1", "valid range"),
        ("dropout=uniform:0:1", "valid range"),
        ("eta=uniform:0:0.1", "valid range"),
        ("lambda=uniform:a:1", "not a number"),
        ("m=int:5:x", "not an integer"),
        ("lambda=int:1:5", "integer parameters"),
        ("n_batch=uniform:1.2:1.4", "no integer"),
        ("m=choice:", "at least one value"),
    ],
)
def test_parse_param_rejects(text, message):
    with pytest.raises(ValueError, match="--param") as e:
        parse_param(text)
    assert message in str(e.value)


def test_spec_rejects_duplicates_and_conflicts():
    with pytest.raises(ValueError, match="more than once"):
        spec(params=["lambda=log10:-5:-1", "lam=uniform:0:1"])
    with pytest.raises(ValueError, match="both searched and fixed"):
        SearchSpec("two-layer", [parse_param("lambda=log10:-5:-1")], {"lam": 0.1})
    with pytest.raises(ValueError, match="--trials"):
        spec(trials=0)


# ---------------------------------------------------------------- sampling and seeds
@given(
    low=st.floats(-6, 2), width=st.floats(0.01, 5), seed=st.integers(0, 2**32 - 1),
    dist=st.sampled_from(["log10", "uniform"]),
)
def test_samples_stay_in_bounds(low, width, seed, dist):
    p = ParamSpec("lambda", dist, low, low + width)
    lo, hi = p.value_bounds()
    v = np.array([p.sample(np.random.default_rng(seed)) for _ in range(20)])
    assert np.all((v >= lo * (1 - 1e-12)) & (v <= hi * (1 + 1e-12)))


@given(low=st.integers(1, 100), width=st.integers(0, 50), seed=st.integers(0, 2**32 - 1))
def test_int_samples_are_ints_in_bounds(low, width, seed):
    rng = np.random.default_rng(seed)
    for p in (ParamSpec("m", "int", low, low + width),
              ParamSpec("n_batch", "log10", math.log10(low), math.log10(low + width + 1))):
        for _ in range(10):
            v = p.sample(rng)
            lo, hi = p.value_bounds()
            assert isinstance(v, int) and math.ceil(lo - 1e-9) <= v <= math.floor(hi + 1e-9)


def test_log10_sampling_is_log_uniform():
    p = parse_param("lambda=log10:-5:-1")
    rng = np.random.default_rng(0)
    e = np.log10([p.sample(rng) for _ in range(4000)])
    counts, _ = np.histogram(e, bins=8, range=(-5, -1))
    assert np.all(np.abs(counts - 500) < 100), counts  # flat in the exponent
    assert 0.45 < np.mean(e < -3) < 0.55  # uniform sampling would put ~1% below 1e-3
    u = parse_param("lambda=uniform:0:1")
    assert 0.45 < np.mean([u.sample(rng) < 0.5 for _ in range(2000)]) < 0.55


def test_seeds_are_deterministic_and_distinct():
    assert trial_seed(3, 7) == trial_seed(3, 7)
    seeds = {trial_seed(0, t) for t in range(100)}
    assert len(seeds) == 100 and trial_seed(1, 0) != trial_seed(0, 0)
    a, b, c = (list(make_tasks(spec(seed=s), 0, spec().params)) for s in (5, 5, 6))
    assert [(t.seed, t.values) for t in a] == [(t.seed, t.values) for t in b]
    assert [t.values for t in a] != [t.values for t in c]
    assert a[0].train_params == {"epochs": 1, "lam": a[0].values["lambda"]}


def test_trial_fn_gets_the_recorded_seed_and_params(tmp_path):
    seen = []

    def record(params, seed):
        seen.append((params["lam"], seed))
        return peaked(params, seed)

    rows = run_search(spec(trials=4), tmp_path, record, progress=False, plot=False).rows
    assert sorted(seen) == sorted((r["lambda"], r["seed"]) for r in rows)


# ---------------------------------------------------------------- coarse to fine
def test_narrowed_ranges():
    p = parse_param("lambda=log10:-5:-1")
    n = p.narrowed([1e-3, 1e-2], widen=0.1)
    assert (n.low, n.high) == pytest.approx((-3.1, -1.9))  # widened in log10 scale
    n1 = p.narrowed([1e-3], widen=0.1)  # one value: keep a quarter of the range around it
    assert (n1.low, n1.high) == pytest.approx((-3.5, -2.5))
    edge = p.narrowed([1e-5, 1.1e-5])  # clipped at the edge, still a quarter wide
    assert (edge.low, edge.high) == pytest.approx((-5, -4))
    u = parse_param("dropout=uniform:0:0.5").narrowed([0.1, 0.3], widen=0.5)
    assert (u.low, u.high) == pytest.approx((0.0, 0.4))
    i = parse_param("m=int:10:100").narrowed([40, 50], widen=0.1)
    assert (i.low, i.high) == (33, 57)  # 45 +- a quarter of 90, outward to integers
    assert parse_param("m=choice:10,20,30").narrowed([30, 10]).choices == (10, 30)


def test_refine_rounds_narrow_around_the_best(tmp_path):
    res = run_search(spec(trials=8, refine=2, top_k=3), tmp_path, peaked, progress=False,
                     plot=False)
    assert len(res.rows) == 24 and [r["round"] for r in res.rows] == [0] * 8 + [1] * 8 + [2] * 8
    widths = [rr[0].high - rr[0].low for rr in res.ranges]
    assert widths[0] == 4 and widths[0] > widths[1] > widths[2]
    for rnd, rr in enumerate(res.ranges):
        values = [r["lambda"] for r in res.rows if r["round"] == rnd]
        assert all(10**rr[0].low <= v <= 10**rr[0].high for v in values)
    assert res.ranges[2][0].low < -3 < res.ranges[2][0].high  # the peak is kept
    assert abs(math.log10(res.best["lambda"]) + 3) < 0.3
    saved = json.loads((tmp_path / "results.json").read_text())["rounds"]
    assert saved == [[str(p) for p in rr] for rr in res.ranges]


# ---------------------------------------------------------------- resume and failures
class Interrupting:
    """Counts calls; raises KeyboardInterrupt (like Ctrl-C) on call number `stop_at`."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.calls, self.stop_at = 0, stop_at

    def __call__(self, params, seed):
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        return peaked(params, seed)


def test_resume_skips_finished_trials(tmp_path):
    s = spec(trials=5, refine=1)
    first = Interrupting(stop_at=7)  # dies in round 1, after 6 finished trials
    with pytest.raises(KeyboardInterrupt):
        run_search(s, tmp_path / "a", first, progress=False, plot=False)
    assert len(read_rows(tmp_path / "a")) == 6
    with open(tmp_path / "a" / "results.csv") as f:
        assert len(list(csv.DictReader(f))) == 6
    second = Interrupting()
    resumed = run_search(s, tmp_path / "a", second, progress=False, plot=False)
    assert second.calls == 10 - 6
    third = Interrupting()
    run_search(s, tmp_path / "a", third, progress=False, plot=False)
    assert third.calls == 0
    straight = run_search(s, tmp_path / "b", Interrupting(), progress=False, plot=False)
    key = [(r["trial"], r["lambda"], r["seed"], r["best_val_acc"]) for r in straight.rows]
    assert [(r["trial"], r["lambda"], r["seed"], r["best_val_acc"]) for r in resumed.rows] == key


def test_changed_spec_in_same_out_is_refused(tmp_path):
    run_search(spec(trials=2), tmp_path, peaked, progress=False, plot=False)
    with pytest.raises(ValueError, match=r"different search .*trials: 2 -> 3"):
        run_search(spec(trials=3), tmp_path, peaked, progress=False, plot=False)
    (tmp_path / "results.json").write_text("{not json")
    with pytest.raises(ValueError, match="results.json: not a valid search file"):
        run_search(spec(trials=2), tmp_path, peaked, progress=False, plot=False)


@pytest.mark.parametrize("edit, message", [
    (lambda r: r.pop("lambda"), "row of trial 1: no number for lambda"),  # was a KeyError
    (lambda r: r.update(trial=99), "row of trial 99: this search has 6 trials"),  # named best
    # an 'ok' row with a NaN (or true: ranked as 1.0) result counted as done, never re-run
    (lambda r: r.update(best_val_acc=float("nan")),
     "row of trial 1: status 'ok' but best_val_acc is nan, not a finite number"),
    (lambda r: r.update(test_acc=True), "row of trial 1: status 'ok' but test_acc is True"),
])
def test_a_hand_edited_row_is_refused_in_one_line(tmp_path, edit, message):
    sp = spec(trials=3, refine=1)
    run_search(sp, tmp_path, peaked, progress=False, plot=False)
    doc = json.loads((tmp_path / "results.json").read_text())
    edit(doc["rows"][1])
    (tmp_path / "results.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=message):
        run_search(sp, tmp_path, peaked, progress=False, plot=False)


@pytest.mark.slow
def test_failed_trials_are_recorded_and_the_search_goes_on(tmp_path):
    from tinygrad_dl.train import NonFiniteLossError

    def flaky(params, seed):
        if params["lam"] > 1e-2:
            raise NonFiniteLossError("train_cost became nan at epoch 1")
        if params["lam"] < 1e-4:
            return {"best_val_acc": float("nan")}
        return peaked(params, seed)

    res = run_search(spec(trials=12), tmp_path, flaky, progress=False)
    by_status = {s: [r for r in res.rows if r["status"] == s] for s in ("ok", "failed")}
    assert len(res.rows) == 12 and by_status["ok"] and by_status["failed"]
    for r in by_status["failed"]:
        assert r["lambda"] > 1e-2 or r["lambda"] < 1e-4
        assert r["error"].startswith(("NonFiniteLossError: train_cost became nan",
                                      "FloatingPointError: best_val_acc is nan"))
    assert all(r["error"] is None for r in by_status["ok"])
    assert 1e-4 <= res.best["lambda"] <= 1e-2
    assert "failed)" in res.summary() and (tmp_path / "search.png").stat().st_size > 0
    with open(tmp_path / "results.csv") as f:
        statuses = [r["status"] for r in csv.DictReader(f)]
    assert statuses == [r["status"] for r in res.rows]
    counter = Interrupting()  # --retry-failed re-runs exactly the failed ones
    run_search(spec(trials=12), tmp_path, counter, progress=False, plot=False, retry_failed=True)
    assert counter.calls == len(by_status["failed"])


def test_execute_trial_rejects_non_dict():
    row = execute_trial(lambda p, s: 0.5, Task(0, 0, 1, {"lambda": 0.1}, {"lam": 0.1}))
    assert row["status"] == "failed" and "not a dict" in row["error"]


# ---------------------------------------------------------------- backends
def blas_probe(params, seed):
    """Reports the BLAS threads and process it ran with (module level: loky ships it by name)."""
    from threadpoolctl import threadpool_info

    threads = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return {**peaked(params, seed), "blas_threads": max(threads), "pid": os.getpid()}


@pytest.mark.slow
def test_joblib_two_jobs_pin_blas_to_one_thread(tmp_path, monkeypatch):
    pytest.importorskip("threadpoolctl")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, "2")  # what workers would inherit (and use) without the pinning
    res = run_search(spec(trials=4), tmp_path, blas_probe, jobs=2, progress=False, plot=False)
    assert [r["status"] for r in res.rows] == ["ok"] * 4
    assert {r["blas_threads"] for r in res.rows} == {1}
    assert os.getpid() not in {r["pid"] for r in res.rows}  # ran in worker processes
    straight = run_search(spec(trials=4), tmp_path / "serial", peaked, progress=False, plot=False)
    assert [r["best_val_acc"] for r in res.rows] == [r["best_val_acc"] for r in straight.rows]


def test_blas_limit_in_process():
    pytest.importorskip("threadpoolctl")
    from threadpoolctl import threadpool_limits

    task = Task(0, 0, 1, {"lambda": 0.1}, {"lam": 0.1})
    # from two threads (an xdist worker runs with one: conftest's _share_the_cores), so that
    # putting the count back is seen
    with threadpool_limits(limits=2, user_api="blas"):
        free = execute_trial(blas_probe, task, blas_threads=None)["blas_threads"]
        assert execute_trial(blas_probe, task, blas_threads=1)["blas_threads"] == 1
        assert execute_trial(blas_probe, task, blas_threads=None)["blas_threads"] == free


def _cluster_probe():
    def probe(params, seed):  # defined locally so that it is pickled by value for the cluster
        from threadpoolctl import threadpool_info

        threads = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
        return {"best_val_acc": 1 - params["lam"], "blas_threads": max(threads),
                "pid": os.getpid()}

    return probe


@pytest.mark.slow
def test_dask_backend_on_a_local_cluster(tmp_path):
    pytest.importorskip("threadpoolctl")
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    try:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        res = run_search(spec(trials=4), tmp_path, _cluster_probe(), backend="dask",
                         address=cluster.scheduler_address, progress=False, plot=False)
    finally:
        cluster.close()
    assert [r["status"] for r in res.rows] == ["ok"] * 4
    assert {r["blas_threads"] for r in res.rows} == {1}
    assert os.getpid() not in {r["pid"] for r in res.rows}
    assert len(read_rows(tmp_path)) == 4


# the Ray backend on a local cluster: tests/test_search_cluster.py (a worker killed there too)


def test_missing_backend_package_is_a_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import now raises ImportError
    task = Task(0, 0, 1, {"lambda": 0.1}, {"lam": 0.1})
    with pytest.raises(RuntimeError, match=r"pip install 'tinygrad_dl\[dask\]'"):
        list(iter_results(peaked, [task], backend="dask", jobs=2))


# ---------------------------------------------------------------- the command
@pytest.mark.parametrize(
    "argv, message",
    [
        (["--param", "foo=uniform:0:1"], "unknown search parameter 'foo'"),
        (["--param", "lambda=log10:-1"], "two bounds"),
        (["--param", "lambda=log10:-1:-3"], "LOW < HIGH"),
        (["--param", "lambda=log10:-3:-1", "--lambda", "0.1"], "both searched and fixed"),
        (["--param", "eta=log10:-3:-1", "--cycles", "2"], "not both"),  # run_training's own check
        (["--param", "lambda=log10:-3:-1", "--set", "bogus=1"], "unknown parameter(s) --set bogus"),
        (["--param", "lambda=log10:-3:-1", "--data", "/no/such/dir"], "no such folder"),
        ([], "at least one --param"),
        (["--param", "lambda=log10:-3:-1", "--jobs", "0"], "--jobs 0"),
        (["--param", "lambda=log10:-3:-1", "--address", "tcp://127.0.0.1:1"], "--backend dask"),
    ],
)
def test_cli_rejects_bad_input_before_any_trial(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    assert main(["search", "two-layer", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert "tinygrad-dl search: error:" in err and message in err
    assert not out.exists()


def test_cli_passes_fixed_training_flags():
    from tinygrad_dl.cli import build_parser
    from tinygrad_dl.commands.search import fixed_params

    args = build_parser().parse_args(
        ["search", "k-layer", "--param", "dropout=uniform:0:0.5", "--hidden", "30,20",
         "--no-batch-norm", "--split", "all", "--lambda", "0.01", "--set", "eval_every=5"])
    assert fixed_params(args) == {"hidden": [30, 20], "batch_norm": False, "split": "all",
                                   "lam": 0.01, "eval_every": 5}


@pytest.mark.slow
def test_cli_search_with_real_training(tmp_path, capsys, embedded_data_only):
    out = tmp_path / "s"
    argv = ["search", "two-layer", "--param", "lambda=log10:-5:-1", "--trials", "2",
            "--epochs", "1", "--m", "20", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    with open(out / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["status"] for r in rows] == ["ok", "ok"], rows
    assert all(0 < float(r["best_val_acc"]) <= 1 and 0 < float(r["test_acc"]) <= 1 for r in rows)
    assert all(float(r["train_cost"]) > 0 for r in rows)
    best = max(rows, key=lambda r: float(r["best_val_acc"]))
    assert f"best validation accuracy {float(best['best_val_acc']):.4f}" in printed
    # "its test accuracy" read as the best weights' (found 2026-12-03): it is the final ones'
    assert (f"(its peak during training), test accuracy {float(best['test_acc']):.4f} "
            "(of its final weights)") in printed
    assert str(out / "results.csv") in printed and (out / "search.png").stat().st_size > 0
    spec_saved = json.loads((out / "spec.json").read_text())
    assert spec_saved["fixed"] == {"epochs": 1, "m": 20}
    assert main(argv) == 0  # resuming a finished search trains nothing and changes nothing
    with open(out / "results.csv") as f:
        assert list(csv.DictReader(f)) == rows


@pytest.mark.parametrize("failing, stop_after", [({2, 3, 4}, None), ({1}, None),
                                                 ({0, 1}, None), ({1}, 8)])
def test_retrying_failed_trials_keeps_the_ranges_later_rounds_were_drawn_from(
        tmp_path, failing, stop_after):
    """Round 0's failed trials retried after round 1 ran (--retry-failed): the ranges were
    recomputed from all rows on every resume, so results.json's round-1 range was rewritten
    to one most round-1 trials lie outside (found 2026-12-03); a half-done round 1 would have
    drawn its remaining trials from another range than its first ones. The first fix still
    did so when the retried trial was among round 0's top-k (trial 1 here): saving rounds
    0..0 at round 0 dropped round 1's saved range before round 1 looked it up. (Failing
    {2, 3, 4}, outside the top-k, the recomputed range happens to be the same.)"""

    def sometimes(params, seed):
        if params["lam"] in sometimes.fail:
            raise RuntimeError("data folder briefly missing")
        if sometimes.stop is not None and sometimes.n == sometimes.stop:
            raise KeyboardInterrupt  # Ctrl-C after `stop` trials: round 1 half done
        sometimes.n += 1
        return peaked(params, seed)

    sp = spec(trials=6, refine=1)
    first = {t.trial: t.values["lambda"] for t in make_tasks(sp, 0, sp.params)}
    sometimes.fail, sometimes.n, sometimes.stop = {first[t] for t in failing}, 0, stop_after
    try:
        run_search(sp, tmp_path, sometimes, progress=False, plot=False)
    except KeyboardInterrupt:
        assert stop_after is not None
    doc = json.loads((tmp_path / "results.json").read_text())
    before = doc["rounds"][1]
    sometimes.fail, sometimes.stop = set(), None  # the retry succeeds: round 0's top-k changes
    res = run_search(sp, tmp_path, sometimes, progress=False, plot=False, retry_failed=True)
    after = json.loads((tmp_path / "results.json").read_text())
    assert after["rounds"][1] == before  # as its trials were drawn from it
    assert [str(p) for p in res.ranges[1]] == before
    lo, hi = after["round_params"][1][0]["low"], after["round_params"][1][0]["high"]
    round1 = [r for r in after["rows"] if r["round"] == 1]
    assert len(round1) == 6 and all(lo <= math.log10(r["lambda"]) <= hi for r in round1)
    assert all(r["status"] == "ok" for r in after["rows"])


# ---- the summary names only files that exist (found 2026-12-03: the notebooks printed the plot
# path of a temporary folder already removed) ----
def test_summary_names_no_file_of_a_removed_folder(tmp_path):
    out = tmp_path / "s"
    res = run_search(spec(trials=2), out, peaked, progress=False)
    assert f"plot: {out / 'search.png'}" in res.summary()
    assert f"results in {out / 'results.csv'}" in res.summary()
    for f in out.iterdir():
        f.unlink()
    out.rmdir()
    text = res.summary()
    assert str(out) not in text and text.startswith("2 trials (0 failed)\nbest: trial"), text


def test_a_trial_records_how_many_images_its_accuracy_was_measured_on(embedded_data_only):
    """The a2 notebook's 'one image is X points' is counted on these (found 2026-12-03: a quick
    run counted its own 200-image slice while the search had measured 5,000)."""
    from tinygrad_dl.search import TrainingTrial

    row = TrainingTrial("two-layer")({"epochs": 1, "m": 5, "n_batch": 500}, 0)
    assert row["val_images"] == 200 and 0 < row["best_val_acc"] <= 1  # the sample's 200


@pytest.mark.slow
def test_a_trial_on_cifar_records_its_validation_size(cifar_dir):
    from tinygrad_dl.search import TrainingTrial

    trial = TrainingTrial("two-layer", data=str(cifar_dir))
    row = trial({"epochs": 1, "m": 5, "n_batch": 500, "split": "all", "val_size": 700}, 0)
    assert row["val_images"] == 700 and 0 < row["best_val_acc"] <= 1

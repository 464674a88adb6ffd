"""Mini-batches as the course forms them (drop_last, the default for the classifiers) and as
earlier releases did (--keep-last), with the cyclical schedule's n_s counting the batches the
loop actually runs."""

import json
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_train_resume import StopAfter  # the one stop-after-n-polls helper

from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.cli import main
from tinygrad_dl.data import batches_per_epoch, load_embedded_sample
from tinygrad_dl.models import model_class
from tinygrad_dl.nn import Linear, Module
from tinygrad_dl.optim import SGD, CyclicLR
from tinygrad_dl.train import (
    TrainingInterrupted,
    fit,
    load_train_state,
    resolve_params,
    run_training,
)
from tinygrad_dl.train.outputs import stage_dir
from tinygrad_dl.train.state import STATE_FILE


@pytest.fixture(autouse=True)
def embedded_data_only(monkeypatch, tmp_path):
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


class RowSpy(Module):
    """Softmax regression on one feature that is the row's index: records every batch's rows."""

    def __init__(self):
        super().__init__()
        self.lin = Linear(1, 2, init="gaussian", std=0.01, rng=np.random.default_rng(0))
        self.batches: list[list[int]] = []

    def forward(self, X):
        return self.lin(Tensor(X * 0.0))

    def loss(self, X, y):
        if self.training:
            self.batches.append([int(v) for v in X[:, 0]])
        return F.cross_entropy(self(X), y)


def rows(n):
    return SimpleNamespace(X_train=np.arange(n, dtype=np.float64)[:, None],
                           y_train=np.arange(n) % 2)


@given(n=st.integers(1, 60), n_batch=st.integers(1, 25), epochs=st.integers(1, 3),
       drop_last=st.booleans())
def test_fit_runs_floor_n_over_n_batch_full_batches_per_epoch(n, n_batch, epochs, drop_last):
    model = RowSpy()
    if drop_last and n < n_batch:
        with pytest.raises(ValueError, match=f"n_batch={n_batch} is larger than the {n} "
                           "training rows.*no full batch"):
            fit(model, rows(n), epochs=epochs, n_batch=n_batch, progress=False, jit=False)
        return
    h = fit(model, rows(n), epochs=epochs, n_batch=n_batch, drop_last=drop_last,
            progress=False, jit=False)
    per_epoch = n // n_batch if drop_last else -(-n // n_batch)
    assert per_epoch == batches_per_epoch(n, n_batch, drop_last)
    assert h.meta["updates_per_epoch"] == per_epoch and h.meta["drop_last"] is drop_last
    assert len(model.batches) == epochs * per_epoch == h.meta["n_updates"]
    for e in range(epochs):
        epoch = model.batches[e * per_epoch:(e + 1) * per_epoch]
        seen = [r for b in epoch for r in b]
        assert len(seen) == len(set(seen))  # no row twice in an epoch
        if drop_last:
            assert all(len(b) == n_batch for b in epoch)  # every update a full batch
            assert len(seen) == n - n % n_batch
        else:
            assert sorted(seen) == list(range(n))  # the last batch holds the remainder
    np.testing.assert_array_equal(h["epoch"], np.arange(epochs + 1))  # whole epochs logged


def test_fit_defaults_to_the_course_batching():
    model = RowSpy()
    fit(model, rows(47), epochs=2, n_batch=10, progress=False, jit=False)
    assert [len(b) for b in model.batches] == [10] * 8


# ---- run_training: n_s from the batches the loop runs --------------------------------------
@pytest.mark.parametrize("model,k", [("two-layer", 2), ("k-layer", 5)])
@pytest.mark.parametrize("n,n_batch,drop_last", [(1000, 300, True), (1000, 300, False),
                                                (1000, 100, True), (950, 100, False)])
@pytest.mark.parametrize("cycles", [1, 3])
def test_default_n_s_and_run_length_follow_the_course(model, k, n, n_batch, drop_last, cycles):
    """The course's default n_s = k floor(n / n_batch) (k = 2 in Assignment 2's two-layer net,
    5 in Assignment 3's k-layer one), and a cyclical run lasts 2 n_s updates per cycle: the
    settings run_training derives, computed without training (the slow tests train)."""
    from tinygrad_dl.train.minibatch import _schedule

    p = resolve_params(model, {"n_batch": n_batch, "cycles": cycles, "drop_last": drop_last})
    assert p["n_s"] is None and p["n_updates"] is None  # the defaults: derived from n
    notes = []
    schedule, n_updates = _schedule(model_class(model), p, n, False, notes)
    n_s = k * (n // n_batch)
    assert p["n_s"] == schedule.n_s == n_s
    assert n_updates == 2 * n_s * cycles
    assert schedule(0) == p["eta_min"] and schedule(n_s) == p["eta_max"]
    assert schedule(2 * n_s) == p["eta_min"]


@pytest.mark.slow
def test_default_run_drops_the_remainder_and_n_s_counts_the_batches_run(tmp_path):
    # the embedded sample: 1000 training images; batches of 300 leave 100 over
    res = run_training("two-layer", {"m": 8, "n_batch": 300, "cycles": 1}, seed=2,
                       out=tmp_path / "r", progress=False, print_fn=None)
    per_epoch = 1000 // 300
    assert res.params["drop_last"] is True and res.params["n_s"] == 2 * per_epoch
    assert res.history.meta["updates_per_epoch"] == per_epoch
    # one cycle = 2 n_s updates = 4 whole epochs: it ends on an epoch boundary, at eta_min
    assert res.final["n_updates"] == 4 * per_epoch and res.final["epochs"] == 4
    assert res.history["epoch"][-1] == 4.0
    s = CyclicLR(1e-5, 0.1, 2 * per_epoch)
    assert res.history.meta["etas"] == [s(t) for t in range(4 * per_epoch)]
    assert not res.notes
    saved = json.loads((tmp_path / "r" / "result.json").read_text())["params"]
    assert saved["drop_last"] is True and saved["n_s"] == 6


@pytest.mark.slow
def test_keep_last_runs_the_short_batch_and_keeps_the_old_n_s_with_a_note():
    res = run_training("two-layer", {"m": 8, "n_batch": 300, "cycles": 1, "drop_last": False},
                       seed=2, progress=False, print_fn=None)
    assert res.history.meta["updates_per_epoch"] == 4 and res.params["n_s"] == 6
    assert res.final["n_updates"] == 12 and res.final["epochs"] == 3
    assert any("--keep-last: every epoch runs 4 batches (the last of 100 images) but n_s "
               "counts the 3 full ones" in n for n in res.notes)


def reference_run(model, params, seed, drop_last):
    """The loop written out by hand: a fresh permutation per epoch from default_rng(seed), cut
    into batches (with the short last one unless drop_last), plain SGD on the cyclical eta
    with the course's n_s = k * floor(n / n_batch); the model from default_rng([seed, 0])."""
    ds = load_embedded_sample()
    cls = model_class(model)
    p = {**cls.defaults, **params}
    net = cls.from_params(p, d=ds.d, K=ds.K, rng=np.random.default_rng([seed, 0]),
                          dtype=np.float64)
    n, nb = len(ds.y_train), p["n_batch"]
    schedule = CyclicLR(p["eta_min"], p["eta_max"], cls.n_s_epochs * (n // nb))
    opt = SGD(net.parameters(), lr=p["eta_min"])
    rng, step, total = np.random.default_rng(seed), 0, 2 * schedule.n_s * p["cycles"]
    net.train()
    while step < total:
        order = rng.permutation(n)
        for start in range(0, n - n % nb if drop_last else n, nb):
            if step == total:
                break
            ix = order[start:start + nb]
            opt.lr = schedule(step)
            opt.zero_grad()
            net.loss(ds.X_train[ix], ds.y_train[ix]).backward()
            opt.step()
            step += 1
    return net.state_dict()


@pytest.mark.slow
@pytest.mark.parametrize("drop_last", [True, False])
@pytest.mark.parametrize("model,params", [
    ("two-layer", {"m": 8, "n_batch": 300, "cycles": 1}),
    ("k-layer", {"hidden": [10, 6], "batch_norm": True, "n_batch": 300, "cycles": 1}),
])
def test_run_training_is_the_hand_written_loop_bit_for_bit(model, params, drop_last):
    """--keep-last is the loop of releases before drop_last (the short last batch, n_s from
    floor(n / n_batch)); the default is the course's loop: full batches only."""
    res = run_training(model, {**params, "drop_last": drop_last}, seed=3, progress=False,
                       print_fn=None)
    ref = reference_run(model, params, 3, drop_last)
    got = res.model.state_dict()
    assert got.keys() == ref.keys()
    for k in ref:  # weights and batch norm's running statistics
        assert np.array_equal(got[k], ref[k]), k


@pytest.mark.slow
def test_the_two_batchings_differ_where_n_batch_does_not_divide_n():
    a, b = (run_training("two-layer", {"m": 8, "n_batch": 300, "cycles": 1, "drop_last": d},
                         seed=2, progress=False, print_fn=None) for d in (True, False))
    assert not np.array_equal(a.model.state_dict()["layers.0.W"],
                              b.model.state_dict()["layers.0.W"])


# ---- bad input, resume ---------------------------------------------------------------------
@pytest.mark.slow
def test_drop_last_errors_name_the_flag(capsys, tmp_path):
    assert main(["train", "two-layer", "--n-batch", "1500", "--out", str(tmp_path / "a"),
                 "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--n-batch 1500 is larger than the 1000 training images" in err
    assert "--keep-last" in err and not (tmp_path / "a").exists()
    assert main(["train", "char-rnn", "--keep-last", "--out", str(tmp_path / "b")]) == 2
    assert "--drop-last/--keep-last is for the classifiers" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "two-layer", "--drop-last", "--keep-last"])
    with pytest.raises(ValueError,
                       match="drop_last for two-layer: drop_last must be true or false, got 'yes'"):
        run_training("two-layer", {"drop_last": "yes"}, progress=False)


@pytest.mark.slow
def test_keep_last_flag_reaches_the_run(tmp_path):
    assert main(["train", "two-layer", "--m", "4", "--n-batch", "300", "--cycles", "1",
                 "--keep-last", "--out", str(tmp_path / "r"), "--no-progress"]) == 0
    saved = json.loads((tmp_path / "r" / "result.json").read_text())
    assert saved["params"]["drop_last"] is False and saved["final"]["epochs"] == 3




def _strip_drop_last(path):
    """Make a saved training state look like one written before drop_last existed."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["__meta__"]))
    del meta["loop"]["drop_last"], meta["run"]["params"]["drop_last"]
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)


@pytest.mark.slow
def test_a_state_saved_before_drop_last_resumes_keeping_the_last_batch(tmp_path):
    params = {"m": 8, "n_batch": 300, "cycles": 1, "drop_last": False}
    kw = dict(progress=False, print_fn=None, seed=5)
    whole = run_training("two-layer", params, **kw)
    out = tmp_path / "cut"
    with pytest.raises(TrainingInterrupted):
        run_training("two-layer", params, out=out, stop=StopAfter(5), **kw)
    state = stage_dir(out) / STATE_FILE
    _strip_drop_last(state)
    assert "drop_last" not in load_train_state(state)["loop"]
    res = run_training("two-layer", resume=out, progress=False, print_fn=None)
    for k, v in whole.model.state_dict().items():
        assert np.array_equal(res.model.state_dict()[k], v), k


def test_fit_refuses_to_resume_with_other_batching():
    snap = {}
    model = RowSpy()
    with pytest.raises(TrainingInterrupted):
        fit(model, rows(25), epochs=2, n_batch=10, progress=False, jit=False,
            on_checkpoint=snap.update, stop=StopAfter(1))
    with pytest.raises(ValueError, match="the interrupted run had drop_last=True, this one "
                       "False"):
        fit(RowSpy(), rows(25), epochs=2, n_batch=10, drop_last=False, progress=False,
            jit=False, resume=snap)


def test_search_takes_the_flag_as_a_fixed_setting():
    from tinygrad_dl.cli import build_parser
    from tinygrad_dl.commands.search import fixed_params
    from tinygrad_dl.search.space import check_fixed

    base = ["search", "two-layer", "--param", "lambda=log10:-3:-1"]
    args = build_parser().parse_args([*base, "--keep-last"])
    assert fixed_params(args)["drop_last"] is False
    assert "drop_last" not in fixed_params(build_parser().parse_args(base))
    check_fixed({"drop_last": True})
    with pytest.raises(ValueError, match="drop_last must be true or false, got 1"):
        check_fixed(fixed_params(build_parser().parse_args([*base, "--set", "drop_last=1"])))


@pytest.mark.slow
@pytest.mark.parametrize("drop_last", [True, False])
def test_stopped_on_the_last_batch_of_an_epoch_resumes(tmp_path, drop_last):
    """The saved position after the epoch's last batch (a short one with --keep-last) is the
    end of the rows the epoch uses, not past the training set (which a resume refuses)."""
    params = {"m": 8, "n_batch": 300, "cycles": 1, "drop_last": drop_last}
    per_epoch = 3 if drop_last else 4
    kw = dict(progress=False, print_fn=None, seed=6)
    whole = run_training("two-layer", params, **kw)
    out = tmp_path / "cut"
    with pytest.raises(TrainingInterrupted):
        run_training("two-layer", params, out=out, stop=StopAfter(per_epoch), **kw)
    res = run_training("two-layer", resume=out, progress=False, print_fn=None)
    for k, v in whole.model.state_dict().items():
        assert np.array_equal(res.model.state_dict()[k], v), k

"""Review of the benchmark's honesty: the compared programs do the same work (our workloads
and the PyTorch references take the same step, number for number), the memory rows measure
what they say, and bad settings are refused in one line. No timings are asserted."""

from __future__ import annotations

import json
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl.bench import memory, suite, workloads
from tinygrad_dl.bench.workloads import quick_config
from tinygrad_dl.nn import BatchNorm1d
from tinygrad_dl.optim import SGD

torch = pytest.importorskip("torch")
torch_ref = pytest.importorskip("tinygrad_dl.bench.torch_ref")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # (the numbers do not depend on it; a loaded box makes torch's thread pool slow)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _close(a, b, rtol):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * max(1.0, np.abs(b).max()))


def _grad(p):
    g = p.grad
    return np.asarray(g.data if hasattr(g, "requires_grad") else g)


def _ours_step(model, X, y, lr):
    """One SGD step of ours (as the bench runs it); the loss and the gradients, in order."""
    opt = SGD(model.parameters(), lr=lr)
    J = model.loss(X, y)
    opt.zero_grad()
    J.backward()
    grads = {id(p): _grad(p).copy() for p in model.parameters()}
    opt.step()
    return float(J.item()), grads


@pytest.mark.parametrize("index", range(4))
def test_each_classifier_and_its_torch_reference_take_the_same_step(index):
    # the same network (our initial weights), the same loss and gradients, the same update;
    # and no parameter more: with batch norm the hidden layers have no bias on either side
    cfg = quick_config()
    X, y = workloads.synthetic_data(cfg, "float64")
    name, make, sizes, bn = workloads.classifiers(cfg)[index]
    model = make("float64")
    lins = model.linears
    step = torch_ref.mlp_step(X, y, sizes, batch=cfg.batch, lr=cfg.lr, lam=cfg.lam,
                              batch_norm=bn, weights=[lin.W.data.T for lin in lins])
    bns = [m for m in model.layers if isinstance(m, BatchNorm1d)]
    ours = ([(lin.W, True) for lin in lins] + [(lin.b, False) for lin in lins if lin.b is not None]
            + [(m.gamma, False) for m in bns] + [(m.beta, False) for m in bns])
    assert len(step.params) == len(ours) == len(model.parameters()), name
    for i in range(2):
        Xb, yb = X[i * cfg.batch:(i + 1) * cfg.batch], y[i * cfg.batch:(i + 1) * cfg.batch]
        J, grads = _ours_step(model, Xb, yb, cfg.lr)
        loss = step(i)
        assert loss.item() == pytest.approx(J, rel=1e-12, abs=0), name
        for tp, (p, transposed) in zip(step.params, ours):
            g = grads[id(p)]
            _close(tp.grad.numpy(), g.T if transposed else g, 1e-10)
            _close(tp.detach().numpy(), p.data.T if transposed else p.data, 1e-12)


def test_the_convnet_and_its_torch_reference_take_the_same_step():
    cfg = quick_config()
    X, y = workloads.convnet_data(cfg, "float64")
    model = workloads.convnet(cfg, "float64")
    lins = model.linears
    step = torch_ref.convnet_step(X, y, cfg.conv_image, cfg.conv_channels, cfg.K,
                                  batch=cfg.batch, lr=cfg.lr, lam=cfg.lam,
                                  weights=[m.W.data for m in lins[:-1]] + [lins[-1].W.data.T])
    ours = [p for _, p in model.named_parameters()]
    assert len(step.params) == len(ours)
    J, grads = _ours_step(model, X[:cfg.batch], y[:cfg.batch], cfg.lr)
    assert step(0).item() == pytest.approx(J, rel=1e-12, abs=0)
    for k, (tp, p) in enumerate(zip(step.params, ours)):
        g = grads[id(p)]
        _close(tp.grad.numpy(), g.T if k == len(ours) - 2 else g, 1e-10)


@pytest.mark.parametrize("fused", [False, True])
def test_the_char_rnn_and_its_torch_reference_take_the_same_updates(fused):
    # nn.RNN (fused) starts from our U, W, b, with its second bias held at 0: trained, it
    # took b's gradient too, so b moved twice as far per update as ours
    cfg = quick_config()
    seqs = workloads.char_rnn_seqs(cfg)
    model = workloads.char_rnn(cfg, "float64", fused=fused)
    step = torch_ref.char_rnn_step(seqs, cfg.vocab, cfg.rnn_m, lr=cfg.lr,
                                   dtype=np.dtype("float64"), fused=fused)
    ours = [(model.V, False), (model.c, False), (model.U, fused), (model.W, fused),
            (model.b, False)]
    assert len(step.params) == len(ours)
    opt, h = SGD(model.parameters(), lr=cfg.lr), None
    for i in range(3):
        J = model.loss(seqs[i, :-1], seqs[i, 1:], h)
        opt.zero_grad()
        J.backward()
        grads = {id(p): _grad(p).copy() for p, _ in ours}
        opt.step()
        h = model.h_last
        assert step(i).item() == pytest.approx(float(J.item()), rel=1e-12, abs=0)
        for tp, (p, transposed) in zip(step.params, ours):
            g = grads[id(p)]
            _close(tp.grad.numpy(), g.T if transposed else g, 1e-10)


def test_the_suite_hands_torch_our_initial_weights(monkeypatch):
    seen = []
    real = suite.mlp_step

    def spy(*args, **kwargs):
        seen.append([np.array(w) for w in kwargs["weights"]])
        return real(*args, **kwargs)

    monkeypatch.setattr(suite, "mlp_step", spy)
    monkeypatch.setattr(suite, "median_times", lambda fns, repeats: {k: 1.0 for k in fns})
    cfg = quick_config(repeats=1)
    suite.classifier_rows(cfg, "float64", torch)
    assert len(seen) == 4
    for weights, (_, make, _, _) in zip(seen, workloads.classifiers(cfg)):
        fresh = make("float64").linears
        assert len(weights) == len(fresh)
        for w, lin in zip(weights, fresh):
            np.testing.assert_array_equal(w, lin.W.data.T)


# ---- memory -------------------------------------------------------------------------------
MiB = 2**20


def _temp() -> None:
    a = np.ones(10 * MiB // 8)
    del a


def test_traced_peak_of_a_known_allocation_inside_a_running_trace():
    # under python -X tracemalloc (a trace already running, an earlier 50 MiB peak) the row
    # read that 50 MiB peak for a 10 MiB step, and stopped the outer trace
    tracemalloc.start()
    try:
        big = np.ones(50 * MiB // 8)
        del big
        assert memory._traced(_temp) / MiB == pytest.approx(10, abs=0.5)
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()
    assert memory._traced(_temp) / MiB == pytest.approx(10, abs=0.5)


def test_traced_counts_what_the_setup_keeps_for_the_timed_call():
    # a replayed step's recording keeps buffers the replays reuse: the replayed rows took
    # their peak after it, so a kept 4 MiB went uncounted (the jit keeps a dW1-sized array)
    kept = []

    def record() -> None:
        kept.append(np.ones(4 * MiB // 8))
        scratch = np.ones(30 * MiB // 8)  # the recording's own peak is not the replay's
        del scratch

    assert memory._traced(_temp, setup=record) / MiB == pytest.approx(14, abs=0.5)


# ---- bad settings ---------------------------------------------------------------------------
@pytest.mark.parametrize("kw, words", [
    ({"n": 10, "only": ("classifiers",)}, "n=10 is less than one batch of 50"),
    ({"n": 10, "only": ("memory",)}, "n=10 is less than one batch of 50"),
    ({"conv_n": 10, "only": ("convnet",)}, "conv_n=10 is less than one batch"),
    ({"repeats": 0}, "repeats must be an integer >= 1, got 0"),
    ({"op_iters": 0}, "op_iters must be an integer >= 1"),
    ({"rnn_updates": 0}, "rnn_updates must be an integer >= 1"),
    ({"batch": 0}, "batch must be an integer >= 1"),
    ({"mem_steps": (20, 5)}, "mem_steps must be (first, last)"),
    ({"dtypes": ("float16",)}, "dtypes must name float64 and/or float32"),
    ({"dtypes": ()}, "dtypes must name float64 and/or float32"),
    ({"chains": ()}, "chains must be op counts"),
])
def test_settings_that_would_time_nothing_are_refused_in_one_line(kw, words):
    with pytest.raises(ValueError) as e:
        suite.run(quick_config(**{"torch": False, "only": ("tiny-op",), **kw}))
    assert str(e.value).startswith("bench: ") and words in str(e.value)
    assert "\n" not in str(e.value)


@pytest.fixture
def replay_ab(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    sys.modules.pop("replay_ab", None)
    import replay_ab as module

    return module


@pytest.mark.parametrize("argv, words", [
    (["--repeats", "0"], "argument --repeats: must be >= 1, got 0"),
    (["--rows", "tiny,foo"], "--rows: unknown row kind 'foo'"),
    (["--dtypes", "float16"], "--dtypes: 'float16' is not float64 or float32"),
])
def test_replay_ab_refuses_bad_flags_before_building_anything(replay_ab, capsys, monkeypatch,
                                                              argv, words):
    monkeypatch.setattr(replay_ab, "build", lambda *a: pytest.fail("built a tree"))
    with pytest.raises(SystemExit) as e:
        replay_ab.main(argv)
    assert e.value.code == 2 and words in capsys.readouterr().err


def test_replay_ab_copies_a_tree_whose_package_links_to_its_models(replay_ab, tmp_path):
    # a checkout where tinygrad_dl/models is a link to ../models (as an editable setup makes)
    tree = tmp_path / "tree"
    (tree / "tinygrad_dl").mkdir(parents=True)
    (tree / "models").mkdir()
    (tree / "tinygrad_dl" / "__init__.py").write_text("import tinygrad_dl.models\n")
    (tree / "models" / "__init__.py").write_text("X = 'tinygrad_dl'\n")
    (tree / "tinygrad_dl" / "models").symlink_to("../models")
    out = tmp_path / "out"
    out.mkdir()
    replay_ab.build(str(tree), "tg_x", out)
    assert (out / "tg_x" / "models" / "__init__.py").read_text() == "X = 'tg_x'\n"


# ---- benchmarks/results.py: a kept run must be the command's ---------------------------------
def _keep(out, run, seed, **params):
    dest = out / run.name / f"seed-{seed}"
    dest.mkdir(parents=True)
    (dest / "result.json").write_text(json.dumps({"model": run.argv[0], "seed": seed,
                                                  "params": params, "test_acc": 0.5}))


def test_results_reuses_a_kept_run_only_when_it_was_trained_with_the_command(results_py,
                                                                              tmp_path,
                                                                              monkeypatch):
    import tinygrad_dl.cli

    monkeypatch.setattr(tinygrad_dl.cli, "main", lambda argv: pytest.fail("trained again"))
    run = next(r for r in results_py.RUNS if r.name == "char-rnn")
    _keep(tmp_path, run, 0, m=100, eta=0.1, seq_length=25, n_updates=100000)
    assert results_py.train(run, 0, tmp_path, tmp_path, False)["test_acc"] == 0.5
    # kept from before LAMBDA_K_LAYER was searched: it was reported under the new command
    run = next(r for r in results_py.RUNS if r.name == "k-layer-bn")
    _keep(tmp_path, run, 0, lam=0.005, split="all", val_size=500, hidden=[50, 50],
          batch_norm=True, eta_min=1e-5, eta_max=0.1, n_batch=100, cycles=2)
    with pytest.raises(SystemExit, match=r"k-layer-bn \(seed 0\): .*result.json was trained "
                       r"with lam=0.005, not 0.06 as the command says; pass --force"):
        results_py.train(run, 0, tmp_path, tmp_path, False)

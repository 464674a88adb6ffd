"""Second review of the save/load round-trip hunt (hSER, found 2026-12-07): a list of Python
ints that NumPy makes float64 (ints from both sides of int64's and uint64's ranges) was saved
rounded without a word; the rest holds what the hunt claimed: each saveable scheduler's state
resumes bit for bit after tg.save/tg.load (the others are refused in one line), a course model's
modes and flags come back (a jitted step after the load follows a later train()), a hostile
file's modes are refused, torch tensors with their conjugate or negative bit set save as their
values, a file of ours holding an entry named data.pkl is no torch file."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import checkpoint, container, optim
from tinygrad_dl.jit import jit
from tinygrad_dl.models import KLayer, OneLayer, TwoLayer

torch = pytest.importorskip("torch")
L = optim.lr_scheduler


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# ---- the bug: a list of ints rounded through float64 ------------------------------------------
# (saved as a tree since tg.save keeps Python numbers and lists: they come back as they were)
@pytest.mark.parametrize("value", [[2**63 + 1, 1], (2**64 - 1, 0), [[2**63 + 3], [7]],
                                   [np.uint64(2**63 + 1), np.int64(1)]])
def test_a_list_of_ints_numpy_makes_float_is_saved_exactly(tmp_path, value):
    tg.save({"n": value}, tmp_path / "a.pt")  # was float64: 2**63 + 1 came back 2**63
    back = tg.load(tmp_path / "a.pt")["n"]
    assert type(back) is type(value) and back == value
    assert [type(x) for x in back] == [type(x) for x in value]


@pytest.mark.parametrize("value", [[-1, 2**63], [[-5], [2**64 - 1]], [np.int64(-1), 2**63]])
def test_ints_no_integer_dtype_holds_together_come_back_exactly(tmp_path, value):
    tg.save({"n": value}, tmp_path / "a.pt")  # was saved as float64, rounded; then refused
    back = tg.load(tmp_path / "a.pt")["n"]
    assert back == value and repr(back) == repr(value)


def test_lists_numpy_reads_as_before_keep_their_dtype(tmp_path):
    sd = {"e": [], "e2": [[], []], "i": [1, -2], "f": [1.5, 2**63 + 1], "u": [2**63 + 1]}
    tg.save(sd, tmp_path / "a.pt")
    back = tg.load(tmp_path / "a.pt")
    for k, v in sd.items():
        assert _same(back[k], np.asarray(v)), k


# ---- schedulers through tg.save / tg.load ------------------------------------------------------
SAVEABLE = {
    "step": lambda o: L.StepLR(o, 2, 0.5),
    "multistep": lambda o: L.MultiStepLR(o, [2, 4, 4]),
    "exponential": lambda o: L.ExponentialLR(o, 0.9),
    "lambda": lambda o: L.LambdaLR(o, lambda e: 0.9 ** e),
    "multiplicative": lambda o: L.MultiplicativeLR(o, lambda e: 0.9),
    "constant": lambda o: L.ConstantLR(o, 0.5, total_iters=3),
    "linear": lambda o: L.LinearLR(o, 0.3, 1.0, total_iters=4),
    "polynomial": lambda o: L.PolynomialLR(o, total_iters=5, power=2.0),
    "cosine": lambda o: L.CosineAnnealingLR(o, T_max=5, eta_min=0.01),
    "warm restarts": lambda o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=1e-3),
    "cyclic exp_range": lambda o: L.CyclicLR(o, 1e-3, 1e-1, step_size_up=2, mode="exp_range",
                                             gamma=0.9, cycle_momentum=False),
}
REFUSED = {  # (strings or nested dicts in their states: refused before hCKPTr, a "tree" now)
    "one cycle": (lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=20), "_schedule_phases"),
    "plateau": (lambda o: L.ReduceLROnPlateau(o, patience=1), "mode"),
    "cyclic momentum": (lambda o: L.CyclicLR(o, 1e-3, 1e-1, step_size_up=2), "_key"),
    "sequential": (lambda o: L.SequentialLR(o, [L.ConstantLR(o, 0.5, total_iters=2),
                                                L.ExponentialLR(o, 0.9)], milestones=[3]),
                   "_schedulers"),
    "chained": (lambda o: L.ChainedScheduler([L.ConstantLR(o, 0.5, total_iters=2),
                                              L.ExponentialLR(o, 0.9)]), "_schedulers"),
}


def _sgd():
    return optim.SGD([tg.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)


@pytest.mark.parametrize("name", sorted(SAVEABLE))
def test_every_saveable_scheduler_resumes_bit_for_bit(tmp_path, name):
    make = SAVEABLE[name]
    o, s = _sgd(), None
    s = make(o)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (no parameter has a gradient)
        for _ in range(4):
            o.step()
            s.step()
        tg.save(s.state_dict(), tmp_path / "s.pt")
        o2 = _sgd()
        s2 = make(o2)
        o2.load_state_dict(copy.deepcopy(o.state_dict()))
        s2.load_state_dict(tg.load(tmp_path / "s.pt"))
        assert repr(s2.state_dict()) == repr(s.state_dict())  # numbers and lists again
        for _ in range(20):
            o.step()
            s.step()
            o2.step()
            s2.step()
            assert o2.param_groups[0]["lr"] == o.param_groups[0]["lr"]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_scheduler_state_with_strings_or_nested_dicts_saves_as_a_tree(tmp_path, name):
    """Refused before hCKPTr ("state entry 'mode' has dtype <U3"): a training checkpoint now."""
    make = REFUSED[name][0]
    o = _sgd()
    s = make(o)
    step = (lambda x: x.step(1.0)) if name == "plateau" else (lambda x: x.step())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (no parameter has a gradient)
        for _ in range(4):
            o.step()
            step(s)
        tg.save(s.state_dict(), tmp_path / "s.pt")
        o2 = _sgd()
        s2 = make(o2)
        o2.load_state_dict(copy.deepcopy(o.state_dict()))
        s2.load_state_dict(tg.load(tmp_path / "s.pt"))
        assert repr(s2.state_dict()) == repr(s.state_dict())
        for _ in range(10):
            o.step()
            step(s)
            o2.step()
            step(s2)
            assert o2.param_groups[0]["lr"] == o.param_groups[0]["lr"]


# ---- modes -------------------------------------------------------------------------------------
def _model(rng, dt):
    kind = rng.integers(3)
    if kind == 0:
        return KLayer(6, [int(h) for h in rng.integers(2, 6, rng.integers(1, 3))], 3,
                      batch_norm=bool(rng.integers(2)), rng=rng, dtype=dt)
    return TwoLayer(6, 4, 3, rng=rng, dtype=dt) if kind == 1 else OneLayer(6, 3, rng=rng, dtype=dt)


@pytest.mark.parametrize("seed", range(3))
def test_random_modes_and_frozen_flags_round_trip_and_train_as_the_saved_model(tmp_path, seed):
    rng = np.random.default_rng(seed)
    for case in range(12):
        dt = [np.float32, np.float64][case % 2]
        m = _model(rng, dt)
        X, y = (rng.standard_normal((5, 6)) * 2 + 1).astype(dt), rng.integers(0, 3, 5)
        m(tg.tensor(X))  # (the running averages move)
        for _, mod in m.named_modules():
            if rng.random() < 0.3:
                mod.eval() if rng.random() < 0.5 else mod.__dict__.update(training=False)
        for _, p in m.named_parameters():
            if rng.random() < 0.3:
                p.requires_grad_(False)
        tg.save(m, tmp_path / "m.pt")
        b = tg.load(tmp_path / "m.pt")
        assert [x.training for x in b.modules()] == [x.training for x in m.modules()]
        assert [p.requires_grad for p in b.parameters()] == [p.requires_grad
                                                             for p in m.parameters()]
        got = []
        for mm in (m, b):  # one training step each: loss, gradients, the buffers moved
            c = mm.loss(X, y)
            if any(p.requires_grad for p in mm.parameters()):
                c.backward()
            got.append((c.data.tobytes(), [None if p.grad is None else np.asarray(p.grad).tobytes()
                                           for p in mm.parameters()],
                        {k: np.asarray(v).tobytes() for k, v in mm.state_dict().items()}))
        assert got[0] == got[1], case


def test_a_jitted_step_after_loading_an_eval_model_follows_train(tmp_path):
    rng = np.random.default_rng(5)
    m = KLayer(6, [5], 3, batch_norm=True, rng=rng)
    m(tg.tensor(rng.standard_normal((8, 6))))
    m.eval()
    tg.save(m, tmp_path / "m.pt")
    a, b = tg.load(tmp_path / "m.pt"), tg.load(tmp_path / "m.pt")
    X, y = rng.standard_normal((8, 6)) * 3 + 1, rng.integers(0, 3, 8)

    def step(Xb, yb):
        c = a.loss(Xb, yb)
        c.backward()
        return c

    js = jit(step)
    for i in range(4):
        if i == 2:
            a.train()
            b.train()
        for p in a.parameters() + b.parameters():
            p.grad = None
        c = b.loss(X, y)
        c.backward()
        assert float(js(X, y).data) == float(c.data), i  # eval: the running averages; then not
    assert _same(a.state_dict()["layers.1.running_mean"], b.state_dict()["layers.1.running_mean"])


@pytest.mark.parametrize("modes,match", [
    ({"eval": [], "frozen": ["layers.1.running_mean"]}, "modes name 'layers.1.running_mean'"),
    ({"eval": ["layers.1.num_batches_tracked"], "frozen": []}, "modes name 'layers.1.num_"),
    ({"eval": [1], "frozen": []}, r"meta\.modes\.eval\[0\] must be str"),
    ({"eval": [["layers"]], "frozen": []}, r"meta\.modes\.eval\[0\] must be str"),
    ({"eval": [""]}, "meta.modes has no 'frozen'"),
    ({"eval": [], "frozen": [], "x": []}, "meta.modes has an unexpected key 'x'"),
    (None, "meta.modes must be an object"),
])
def test_hostile_modes_are_refused_in_one_line(tmp_path, modes, match):
    path = checkpoint.save_model(KLayer(4, [3], 2, batch_norm=True), tmp_path / "m.pt")
    meta, arrays = container.read(path, format=checkpoint.FORMAT, schemas=checkpoint.SCHEMAS)
    meta["modes"] = modes
    container.save(path, arrays, meta, format=checkpoint.FORMAT, kind="model")
    with pytest.raises(ValueError, match=match):
        tg.load(path)


def test_duplicate_modes_and_the_root_name_load(tmp_path):
    path = checkpoint.save_model(KLayer(4, [3], 2, batch_norm=True), tmp_path / "m.pt")
    meta, arrays = container.read(path, format=checkpoint.FORMAT, schemas=checkpoint.SCHEMAS)
    meta["modes"] = {"eval": ["", ""], "frozen": ["layers.0.W", "layers.0.W"]}
    container.save(path, arrays, meta, format=checkpoint.FORMAT, kind="model")
    b = tg.load(path)
    assert [x.training for x in b.modules()] == [False] + [True] * (len(list(b.modules())) - 1)
    assert [p.requires_grad for p in b.parameters()] == [False] + [True] * 4


# ---- torch tensors, files, load's arguments ------------------------------------------------------
def test_torch_tensors_with_conjugate_or_negative_bits_save_their_values(tmp_path):
    c = torch.randn(3, 2, dtype=torch.complex64, generator=torch.Generator().manual_seed(0))
    for t in (c.conj().imag, c.t().conj().imag, c[0, 0].conj().imag, c[:0].conj().imag,
              torch._neg_view(torch.randn(3)), torch._neg_view(c).conj().imag,
              torch._neg_view(torch.randn(3, requires_grad=True)),
              torch._neg_view(torch.randn(3).bfloat16()), torch.randn(3).conj()):
        want = t.detach().resolve_conj().resolve_neg()
        want = (want.float() if want.dtype == torch.bfloat16 else want).numpy()
        tg.save({"x": t}, tmp_path / "a.pt")
        assert _same(tg.load(tmp_path / "a.pt")["x"], want)
    with pytest.raises(TypeError, match="state entry 'x' has dtype complex64"):
        tg.save({"x": c.conj()}, tmp_path / "a.pt")  # (conj resolved, then complex: refused)


def test_our_entries_named_data_pkl_are_no_torch_file_and_torch_files_are_refused(tmp_path):
    sd = {"data.pkl": np.ones(2), "archive/data.pkl": np.zeros(1)}
    tg.save(sd, tmp_path / "a.pt")
    assert all(_same(tg.load(tmp_path / "a.pt")[k], v) for k, v in sd.items())
    torch.save({"a": torch.ones(2)}, tmp_path / "t.pt", _use_new_zipfile_serialization=False)
    with open(tmp_path / "p.pkl", "wb") as f:
        pickle.dump({"a": 1}, f, protocol=5)
    for name, what in (("t.pt", "a PyTorch torch.save file"), ("p.pkl", "a Python pickle")):
        with pytest.raises(ValueError, match=f"{name}: not a tinygrad_dl checkpoint \\({what}"):
            tg.load(tmp_path / name)


def test_load_keeps_torchs_positional_map_location_and_takes_weights_only_false(tmp_path):
    tg.save({"a": np.ones(2)}, tmp_path / "a.pt")
    for where in ("cpu", torch.device("cpu"), {"cuda:0": torch.device("cpu")}, {}):
        assert _same(tg.load(tmp_path / "a.pt", where)["a"], np.ones(2))
    assert _same(tg.load(tmp_path / "a.pt", weights_only=False)["a"], np.ones(2))
    with pytest.raises(TypeError, match="takes from 1 to 3 positional arguments"):
        tg.load(tmp_path / "a.pt", "cpu", None, True)  # (weights_only is keyword-only, as torch's)

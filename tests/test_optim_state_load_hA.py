"""Optimizer.load_state_dict with states cut short or hostile: NAdam's mu_product, ASGD's eta
and mu, second moments below 0 and LBFGS's history are each refused in one line naming the key,
before anything is changed; amsgrad's and RMSprop's setting-dependent buffers, when absent,
load with a warning (started at zeros, as the run's own step starts them)."""

import copy

import numpy as np
import pytest

import tinygrad_dl.optim as O
from tinygrad_dl import Tensor, nn
from tinygrad_dl.train.history import History
from tinygrad_dl.train.state import load_train_state, save_train_state

G = np.array([0.3, -0.2, 0.1])


def _param():
    return Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)


def _stepped(cls, n=2, **kw):
    p = _param()
    opt = cls([p], **kw)
    for _ in range(n):
        p.grad = G.copy()
        opt.step()
    return opt.state_dict()


def _refused(cls, sd, match, **kw):
    """Loading sd into a stepped optimizer is refused with `match`, leaving it as it was."""
    p = _param()
    opt = cls([p], **kw)
    p.grad = G.copy()
    opt.step()
    before = copy.deepcopy(opt.state)
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(sd)
    assert len(opt.state) == len(before)
    for s, b in zip(opt.state, before):
        assert s.keys() == b.keys()
        for k in s:
            np.testing.assert_array_equal(s[k], b[k])


# ---- 1. amsgrad's running maximum ---------------------------------------------------------

def _warned_and_zeros(cls, sd, key, match, **kw):
    """sd loads with one warning naming the key; the buffer starts at zeros at the next step,
    as the run's own step starts it after the setting was switched on."""
    p = _param()
    opt = cls([p], **kw)
    with pytest.warns(RuntimeWarning, match=match):
        opt.load_state_dict(sd)
    assert key not in opt.state[0]
    p.grad = G.copy()
    opt.step()
    assert opt.state[0][key].shape == p.data.shape


@pytest.mark.parametrize("cls", [O.Adam, O.AdamW])
def test_amsgrad_state_without_its_maximum_loads_with_a_warning(cls):
    """A group with amsgrad=True whose stepped state lacks max_exp_avg_sq (amsgrad switched on
    in the run, as step() allows, or a state cut short): the maximum starts at zeros, said;
    torch 2.13's step raises KeyError 'max_exp_avg_sq'."""
    sd = _stepped(cls)
    sd["param_groups"][0]["amsgrad"] = True
    _warned_and_zeros(cls, sd, "max_exp_avg_sq", r"^Adam(W)?\.load_state_dict: parameter 0's "
                      r"state lacks 'max_exp_avg_sq', which its group's amsgrad=True reads",
                      amsgrad=True)


def test_amsgrad_oracle_torch_refuses_the_same_state():
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    opt = torch.optim.Adam([p])
    p.grad = torch.tensor(G)
    opt.step()
    sd = opt.state_dict()
    sd["param_groups"][0]["amsgrad"] = True
    fresh = torch.optim.Adam([p], amsgrad=True)
    fresh.load_state_dict(sd)
    with pytest.raises(KeyError, match="max_exp_avg_sq"):
        fresh.step()


def test_amsgrad_loads_a_complete_or_empty_state_and_a_saved_group_wins():
    sd = _stepped(O.Adam, amsgrad=True)
    p = _param()
    opt = O.Adam([p], amsgrad=True)
    opt.load_state_dict(sd)  # complete: loads
    assert "max_exp_avg_sq" in opt.state[0]
    empty = {**sd, "state": [{}]}
    opt.load_state_dict(empty)  # an empty state starts anew, as torch's
    assert opt.state[0] == {}
    # a state saved with amsgrad off loads with it off (the saved group wins, as torch's)
    off = O.Adam([_param()], amsgrad=True)
    off.load_state_dict(_stepped(O.Adam))
    assert off.param_groups[0]["amsgrad"] is False


@pytest.mark.parametrize("kw, drop, setting", [
    ({"momentum": 0.9}, "momentum_buffer", "momentum=0.9"),
    ({"centered": True}, "grad_avg", "centered=True"),
])
def test_rmsprop_state_without_a_buffer_its_group_reads_loads_with_a_warning(kw, drop, setting):
    """torch's RMSprop step: KeyError; here it starts at zeros, said at the load."""
    sd = _stepped(O.RMSprop, **kw)
    del sd["state"][0][drop]
    _warned_and_zeros(O.RMSprop, sd, drop, rf"RMSprop.load_state_dict: parameter 0's state "
                      rf"lacks '{drop}', which its group's {setting} reads", **kw)


# ---- 2. NAdam's mu_product, ASGD's eta and mu ------------------------------------------------

@pytest.mark.parametrize("bad", [-0.5, 1.5, float("nan"), "0.5", np.array(-1.0)])
def test_nadam_mu_product_out_of_range_is_refused(bad):
    """mu_product is a product of factors in [0, 1): -0.5 or 1.5 stepped with a wrong share
    of the gradient (1 / mu_next: a division by 0), without a word."""
    sd = _stepped(O.NAdam)
    sd["state"][0]["mu_product"] = bad
    _refused(O.NAdam, sd, r"NAdam.load_state_dict: parameter 0's state 'mu_product' must be "
             r"(a number in \[0, 1\]|an array or a finite number)")


@pytest.mark.parametrize("spelling", [np.float32, np.array])
def test_nadam_mu_product_loads_as_a_python_float(spelling):
    """An np.float32 mu_product ran the step's scalar arithmetic in float32 (NumPy 2's
    promotion); a 0-d array (torch's tensor, converted) was refused as a buffer of shape ()."""
    sd = _stepped(O.NAdam)
    value = sd["state"][0]["mu_product"]
    sd["state"][0]["mu_product"] = spelling(np.float32(value))
    opt = O.NAdam([_param()])
    opt.load_state_dict(sd)
    assert type(opt.state[0]["mu_product"]) is float
    assert opt.state[0]["mu_product"] == float(np.float32(value))


@pytest.mark.parametrize("key, bad, want", [
    ("eta", -0.01, "a finite number >= 0"),
    ("eta", float("inf"), "an array or a finite number|a finite number >= 0"),
    ("mu", 0.0, r"a number in \(0, 1\]"),
    ("mu", 1.5, r"a number in \(0, 1\]"),
    ("mu", -1.0, r"a number in \(0, 1\]"),
])
def test_asgd_eta_and_mu_out_of_range_are_refused(key, bad, want):
    """A negative eta climbed the loss; mu 0 froze the average ax, mu > 1 overshot it."""
    sd = _stepped(O.ASGD, t0=0.0)
    sd["state"][0][key] = bad
    _refused(O.ASGD, sd, rf"ASGD.load_state_dict: parameter 0's state '{key}' must be "
             rf"({want})", t0=0.0)


def test_asgd_eta_zero_loads_as_an_lr_zero_run_saves_it():
    """eta = lr / (...)^alpha: an lr=0 run's state holds eta 0 (torch's too); not refused."""
    sd = _stepped(O.ASGD, lr=0.0)
    assert sd["state"][0]["eta"] == 0.0
    opt = O.ASGD([_param()], lr=0.0)
    opt.load_state_dict(sd)
    assert opt.state[0]["eta"] == 0.0


# ---- 4. second moments below 0 -------------------------------------------------------------

@pytest.mark.parametrize("cls, key", [
    (O.Adam, "exp_avg_sq"), (O.RAdam, "exp_avg_sq"), (O.NAdam, "exp_avg_sq"),
    (O.Adagrad, "sum"), (O.AdaGrad, "m"), (O.RMSprop, "square_avg"),
    (O.Adadelta, "square_avg"), (O.Adadelta, "acc_delta"),
])
def test_a_negative_second_moment_is_refused(cls, key):
    """Each only grows from 0 and goes through a square root: a negative element loaded gave
    NaN weights at the next step, without a word."""
    sd = _stepped(cls)
    sd["state"][0][key] = -sd["state"][0][key] - 1.0
    _refused(cls, sd, rf"{cls.__name__}.load_state_dict: parameter 0's state '{key}' holds "
             "negative values")


def test_a_negative_maximum_under_its_older_name_is_named_as_the_file_has_it():
    sd = _stepped(O.Adam, amsgrad=True)
    st = sd["state"][0]
    sd["state"][0] = {"m": st["exp_avg"], "v": st["exp_avg_sq"], "t": st["step"],
                      "v_max": -st["max_exp_avg_sq"] - 1.0}
    _refused(O.Adam, sd, r"parameter 0's state 'v_max' \(now 'max_exp_avg_sq'\) holds negative",
             amsgrad=True)


def test_a_nan_second_moment_still_loads_as_saved():
    """A diverged run's state (NaN weights, NaN moments) loads as it was saved."""
    sd = _stepped(O.Adam)
    sd["state"][0]["exp_avg_sq"][0] = np.nan
    opt = O.Adam([_param()])
    opt.load_state_dict(sd)
    assert np.isnan(opt.state[0]["exp_avg_sq"][0])


# ---- 3. LBFGS ----------------------------------------------------------------------------

def _lbfgs(**kw):
    w = Tensor(np.array([1.5, -0.5, 2.0]), requires_grad=True)
    opt = O.LBFGS([w], **kw)
    scale = Tensor(np.array([1.0, 3.0, 10.0]))

    def closure():
        opt.zero_grad()
        loss = ((w - 0.3) ** 2 * scale).sum() + (w ** 4).sum()
        loss.backward()
        return loss
    return w, opt, closure


def _lbfgs_state(**kw):
    _, opt, closure = _lbfgs(max_iter=3, **kw)
    opt.step(closure)
    return opt.state_dict()


@pytest.mark.parametrize("edit, match", [
    (lambda s: s.pop("d"), r"state lacks 'd' \(it holds"),
    (lambda s: s.pop("old_dirs"), r"state lacks 'old_dirs'"),
    (lambda s: s.pop("H_diag"), r"state lacks 'H_diag'"),
    (lambda s: s.pop("prev_flat_grad"), r"state lacks 'prev_flat_grad'"),
    (lambda s: s.pop("n_iter"), r"state holds the history \('d'...\) but n_iter None"),
    (lambda s: s.update(ro=[*s["ro"], 1.0]), r"the history's lists differ in length"),
    (lambda s: s.update(old_dirs=s["old_dirs"][:-1]), r"the history's lists differ in length"),
    (lambda s: s.update(ro=1.0), r"state 'ro' must be a list"),
    (lambda s: s.update(old_dirs=np.stack(s["old_dirs"])), r"state 'old_dirs' must be a list"),
    (lambda s: s.update(ro=["x"] * len(s["ro"])), r"state 'ro' must be a finite number >= 0"),
    (lambda s: s.update(ro=[np.nan] * len(s["ro"])), r"state 'ro' must be a finite number >= 0"),
    (lambda s: s.update(ro=[-1.0] * len(s["ro"])), r"state 'ro' must be a finite number >= 0"),
    (lambda s: s.update(H_diag=-1.0), r"state 'H_diag' must be a finite number >= 0"),
    (lambda s: s.update(t=-1.0), r"state 't' must be a finite number >= 0"),
    (lambda s: s.update(d=np.array(["a", "b", "c"])), r"state 'd' has dtype <U1"),
    (lambda s: s.update(d=s["d"] + 1j), r"state 'd' has dtype complex128"),
    (lambda s: s.update(old_dirs=[s["d"]] * 101, old_stps=[s["d"]] * 101, ro=[1.0] * 101),
     r"the history holds 101 pairs, more than the group's history_size 100"),
])
def test_lbfgs_hostile_or_truncated_state_is_refused(edit, match):
    """Before: a TypeError naming nothing at the next step (a missing key, ro not a list),
    NumPy's "could not convert string to float", a ComplexWarning, NaN weights (a NaN ro), an
    uphill run (H_diag < 0), or a silently different one (ro longer than old_dirs, a history
    without n_iter dropped, one longer than history_size never trimmed)."""
    sd = _lbfgs_state()
    edit(sd["state"][0])
    w, opt, closure = _lbfgs(max_iter=3)
    opt.step(closure)
    before = copy.deepcopy(opt.state[0])
    with pytest.raises(ValueError, match=rf"^LBFGS.load_state_dict: .*{match}"):
        opt.load_state_dict(sd)
    assert opt.state[0].keys() == before.keys()
    assert all(np.array_equal(a, b) for a, b in zip(opt.state[0]["old_dirs"],
                                                     before["old_dirs"]))


def test_lbfgs_state_round_trips_and_without_iterations_loads():
    sd = _lbfgs_state()
    w, opt, closure = _lbfgs(max_iter=3)
    opt.load_state_dict(copy.deepcopy(sd))  # a complete state: loads
    assert len(opt.state[0]["ro"]) == len(sd["state"][0]["ro"])
    # a step that found the gradient at its tolerance already: counters only (n_iter 0)
    opt.load_state_dict({**sd, "state": [{"func_evals": 1, "n_iter": 0}]})
    assert opt.state[0] == {"func_evals": 1, "n_iter": 0}
    # torch's 0-d tensors, converted: t, H_diag and ro entries as 0-d arrays load
    st = sd["state"][0]
    conv = {**st, "t": np.array(st["t"]), "H_diag": np.array(st["H_diag"]),
            "ro": [np.array(r) for r in st["ro"]]}
    opt.load_state_dict({**sd, "state": [conv]})
    assert np.ndim(opt.state[0]["H_diag"]) == 0 and np.ndim(opt.state[0]["ro"][0]) == 0


# ---- the training CLI's resume: a checkpoint's optimizer state, through load_state_dict ----

def test_a_training_checkpoint_with_amsgrad_and_no_maximum_warns(tmp_path):
    net = nn.Linear(3, 2)
    opt = O.Adam(net.parameters(), lr=0.1)
    for p in net.parameters():
        p.grad = np.ones(p.shape)
    opt.step()
    forged = opt.state_dict()
    forged["param_groups"][0]["amsgrad"] = True

    class Saved:
        def state_dict(self):
            return forged
    path = save_train_state(tmp_path / "s.npz", run={"model": "two-layer", "params": {},
                            "seed": 0, "data": None, "text": None}, model=net, optimizer=Saved(),
                            history=History({}), loop={"kind": "sequence", "step": 1, "epoch": 0,
                            "e": 0, "smooth": None, "rng": np.random.default_rng(0)
                            .bit_generator.state, "samples": [], "guard_first": None,
                            "best_loss": None, "best_step": None})
    state = load_train_state(path)
    assert state["optim"]["param_groups"][0]["amsgrad"] is True
    fresh = O.Adam(net.parameters(), lr=0.1, amsgrad=True)
    with pytest.warns(RuntimeWarning, match="lacks 'max_exp_avg_sq'"):
        fresh.load_state_dict(state["optim"])
    assert fresh.param_groups[0]["amsgrad"] is True

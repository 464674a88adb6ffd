"""A setting whose state buffer the first step makes (Adam's amsgrad, RMSprop's momentum and
centered), switched on mid-run by editing param_groups: the buffer starts at zeros, said in
one warning naming the optimizer, the setting and the buffer (it was silent; torch 2.13's
step raises KeyError). SGD's momentum switched on mid-run starts as torch's does (the buffer
is the gradient), without a word."""

import copy
import warnings

import numpy as np
import pytest

import tinygrad_dl.optim as O
from tinygrad_dl import Tensor

G = np.array([0.3, -0.2, 0.1])
CASES = [(O.Adam, "amsgrad", True, "max_exp_avg_sq"), (O.AdamW, "amsgrad", True, "max_exp_avg_sq"),
         (O.RMSprop, "momentum", 0.9, "momentum_buffer"), (O.RMSprop, "centered", True, "grad_avg")]


def _run(cls, n=2):
    ps = [Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True) for _ in range(2)]
    opt = cls(ps, lr=0.1)
    for _ in range(n):
        for p in ps:
            p.grad = G.copy()
        opt.step()
    return ps, opt


@pytest.mark.parametrize("cls, key, value, buf", CASES)
def test_switched_on_mid_run_warns_once_naming_setting_and_buffer(cls, key, value, buf):
    ps, opt = _run(cls)
    opt.param_groups[0][key] = value
    with pytest.warns(RuntimeWarning) as rec:
        for _ in range(2):
            for p in ps:
                p.grad = G.copy()
            opt.step()
    msgs = [str(w.message) for w in rec if "switched on" in str(w.message)]
    assert msgs == [f"{cls.__name__}.step(): {key}={value} was switched on after 2 step(s) "
                    f"without it, so state {buf!r} starts at zeros now, as at a first step "
                    f"(torch's step raises KeyError {buf!r}); said once"]
    assert rec[0].filename == __file__  # (points at the caller's step())
    assert all(buf in s for s in opt.state)


@pytest.mark.parametrize("cls, key, value, buf", CASES)
def test_on_from_the_start_or_never_switched_says_nothing(cls, key, value, buf):
    ps = [Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)]
    opt = cls(ps, lr=0.1, **{key: value})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            ps[0].grad = G.copy()
            opt.step()
        _run(cls, 3)
    assert buf in opt.state[0]


@pytest.mark.parametrize("cls, key, value, buf", CASES)
def test_a_loaded_state_lacking_the_buffer_is_said_by_the_load_only(cls, key, value, buf):
    ps, opt = _run(cls)
    opt.param_groups[0][key] = value
    sd = copy.deepcopy(opt.state_dict())
    q = [Tensor(p.data.copy(), requires_grad=True) for p in ps]
    resumed = cls(q, lr=0.1)
    with pytest.warns(RuntimeWarning, match="load_state_dict"):
        resumed.load_state_dict(sd)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (not said twice)
        for p in q:
            p.grad = G.copy()
        resumed.step()


@pytest.mark.parametrize("cls, key, value, buf", CASES)
def test_torch_oracle_raises_key_error(cls, key, value, buf):
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    opt = getattr(torch.optim, cls.__name__)([p], lr=0.1)
    p.grad = torch.tensor(G)
    opt.step()
    opt.param_groups[0][key] = value
    with pytest.raises(KeyError, match=buf):
        opt.step()


@pytest.mark.parametrize("kw", [{}, {"nesterov": True}, {"dampening": 0.5}])
def test_sgd_momentum_switched_on_mid_run_matches_torch_silently(kw):
    torch = pytest.importorskip("torch")
    p = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    tp = torch.nn.Parameter(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    opt, topt = O.SGD([p], lr=0.1), torch.optim.SGD([tp], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(4):
            if k == 2:
                for g in (opt.param_groups[0], topt.param_groups[0]):
                    g.update(momentum=0.9, **kw)
            p.grad = G * (k + 1)
            tp.grad = torch.tensor(G * (k + 1))
            opt.step()
            topt.step()
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-15)


def test_the_warning_as_an_error_leaves_the_step_whole():
    """Under -W error the warning raised inside the update after the earlier parameters had
    stepped (a retry stepped them twice): it is said once every group is updated."""
    ps, opt = _run(O.Adam)
    ref_ps, ref = _run(O.Adam)
    for o in (opt, ref):
        o.param_groups[0]["amsgrad"] = True
    for p, q in zip(ps, ref_ps):
        p.grad, q.grad = G.copy(), G.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="amsgrad=True was switched on"):
            opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.step()
    for p, q in zip(ps, ref_ps):  # every parameter stepped once, as the run that said nothing
        np.testing.assert_array_equal(p.data, q.data)

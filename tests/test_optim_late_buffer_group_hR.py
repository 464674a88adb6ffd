"""A setting switched on mid-run (Adam's amsgrad, RMSprop's momentum and centered) in a second
param group, after the first group's switch was already said: it was silent (said once per
optimizer and buffer); now said once per group, still after every group is updated."""

import warnings

import numpy as np
import pytest

import tinygrad_dl.optim as O
from tinygrad_dl import Tensor

G = np.array([0.3, -0.2, 0.1])
CASES = [(O.Adam, "amsgrad", True, "max_exp_avg_sq"), (O.AdamW, "amsgrad", True, "max_exp_avg_sq"),
         (O.RMSprop, "momentum", 0.9, "momentum_buffer"), (O.RMSprop, "centered", True, "grad_avg")]


def _two_groups(cls):
    ps = [Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True) for _ in range(2)]
    return ps, cls([{"params": [ps[0]]}, {"params": [ps[1]]}], lr=0.1)


def _step(ps, opt):
    for p in ps:
        p.grad = G.copy()
    opt.step()


def _said(ps, opt):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        _step(ps, opt)
    return [str(w.message) for w in rec if "switched on" in str(w.message)]


@pytest.mark.parametrize("cls, key, value, buf", CASES)
def test_a_second_group_switched_on_later_is_told_naming_the_group(cls, key, value, buf):
    ps, opt = _two_groups(cls)
    _step(ps, opt)
    _step(ps, opt)
    opt.param_groups[0][key] = value
    first = _said(ps, opt)
    assert len(first) == 1 and "in param group 0 after 2 step(s)" in first[0]
    assert _said(ps, opt) == []  # (said once per group)
    opt.param_groups[1][key] = value
    second = _said(ps, opt)
    assert second == [f"{cls.__name__}.step(): {key}={value} was switched on in param group 1 "
                      f"after 4 step(s) without it, so state {buf!r} starts at zeros now, as "
                      f"at a first step (torch's step raises KeyError {buf!r}); said once per "
                      "group"]
    assert all(buf in s for s in opt.state)


def test_the_second_groups_warning_as_an_error_leaves_the_step_whole():
    ps, opt = _two_groups(O.Adam)
    ref_ps, ref = _two_groups(O.Adam)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(3):
            if k == 2:
                opt.param_groups[0]["amsgrad"] = ref.param_groups[0]["amsgrad"] = True
            _step(ps, opt)
            _step(ref_ps, ref)
    for o in (opt, ref):
        o.param_groups[1]["amsgrad"] = True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="in param group 1"):
            _step(ps, opt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _step(ref_ps, ref)
    for p, q in zip(ps, ref_ps):  # every parameter stepped once, as the run that said nothing
        np.testing.assert_array_equal(p.data, q.data)


def test_a_loaded_state_lacking_one_groups_buffer_is_said_by_the_load_only():
    ps, opt = _two_groups(O.Adam)
    _step(ps, opt)
    opt.param_groups[1]["amsgrad"] = True
    sd = opt.state_dict()
    q = [Tensor(p.data.copy(), requires_grad=True) for p in ps]
    resumed = O.Adam([{"params": [q[0]]}, {"params": [q[1]]}], lr=0.1)
    with pytest.warns(RuntimeWarning, match="parameter 1's state lacks 'max_exp_avg_sq'"):
        resumed.load_state_dict(sd)
    assert _said(q, resumed) == []  # (not said twice)
    resumed.param_groups[0]["amsgrad"] = True  # another group: still told
    msgs = _said(q, resumed)
    assert len(msgs) == 1 and "in param group 0" in msgs[0]

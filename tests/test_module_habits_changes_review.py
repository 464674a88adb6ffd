"""Second review of the module listing habits: a parameters() listing pickles and copies as a
plain list, a listing kept as a module attribute is still warned about, load_state_dict's
missing keys come in state_dict's (torch's) order, and a jit step holding the listing."""

import copy
import pickle

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")


def _model(lib):
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4),
                             lib.nn.Sequential(lib.nn.Linear(4, 2), lib.nn.BatchNorm1d(2)))


def test_a_listing_pickles_and_copies_as_a_plain_list():
    m = tg.nn.Linear(2, 3)
    ps = m.parameters()
    next(ps)
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):  # protocols 0 and 1 raised on __slots__
        blob = pickle.dumps(ps, proto)
        assert b"_Listing" not in blob  # (a checkpoint named the private class)
        back = pickle.loads(blob)
        assert type(back) is list and len(back) == 2 and back[0].shape == (3, 2)
    assert type(copy.deepcopy(ps)) is list and type(copy.copy(m.named_buffers())) is list


def test_a_listing_kept_as_an_attribute_is_still_warned_about():
    class Holder(tg.nn.Module):
        def __init__(self):
            super().__init__()
            self.ps = tg.nn.Linear(2, 2).parameters()  # registered nowhere in this model

        def forward(self, x):
            return x

    with pytest.warns(RuntimeWarning, match=r"Holder.ps \('ps'\) is a plain list holding 2"):
        Holder().parameters()


def test_load_state_dict_missing_keys_in_state_dict_order():
    ours, theirs = _model(tg), _model(torch)
    names = list(ours.state_dict())
    missing = ours.load_state_dict({}, strict=False).missing_keys
    assert missing == names  # parameters, then buffers, module by module (torch's order)
    want = theirs.load_state_dict({}, strict=False).missing_keys
    assert missing.index("1.running_mean") == want.index("1.running_mean") == 4
    # (torch leaves 1.num_batches_tracked out of its missing keys: one place further here)
    assert missing.index("2.0.W") == want.index("2.0.weight") + 1 == 7
    with pytest.raises(ValueError, match=r"missing keys \['0.W', '0.b', '1.gamma', '1.beta', "
                                         r"'1.running_mean'"):
        ours.load_state_dict({})
    ours.load_state_dict(_model(tg).state_dict())  # (a full one still loads)


def test_a_jit_step_holding_the_parameters_listing_replays_as_eager():
    def run(use_jit):
        lin = tg.nn.Linear(4, 3)
        params = lin.parameters()  # held by the step: a list subclass that next() walks
        lin.W.data[...] = np.arange(12.0).reshape(3, 4) / 10
        lin.b.data[...] = 0.5
        X = np.random.default_rng(1).standard_normal((40, 4))

        def step(xb):
            w, b = params[0], params[1]
            J = ((xb @ w.T + b) ** 2).sum()
            J.backward()
            return J

        f = jit(step, strict=True) if use_jit else step
        out = []
        for i in range(4):
            for p in params:
                p.grad = None
            out.append(f(X[i * 10:(i + 1) * 10]).item())
            for p in params:
                p.data -= 0.01 * p.grad
        return out, [p.data.copy() for p in params], f

    eager, w_eager, _ = run(False)
    got, w_got, f = run(True)
    assert f.replays == 2 and got == eager
    assert all(np.array_equal(a, b) for a, b in zip(w_eager, w_got))

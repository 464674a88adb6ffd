"""Review of nn.Module's listing habits against torch: next() on parameters() and the other
listings (torch's are generators), and state_dict's key order (each module's parameters,
then its buffers, then its children's, as torch's)."""

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def _model(lib):
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.ReLU(),
                             lib.nn.Sequential(lib.nn.Linear(4, 2), lib.nn.BatchNorm1d(2)))


def test_next_walks_every_listing_as_torchs_generators():
    m = _model(tg)
    assert next(m.parameters()) is m[0].W and next(m.parameters()).dtype == np.float64
    assert next(m.buffers()) is m[1].running_mean
    assert next(m.children()) is m[0] and next(m.modules()) is m
    assert next(m.named_parameters())[0] == "0.W" and next(m.named_buffers())[0] == (
        "1.running_mean")
    ps = m.parameters()
    walked = [next(ps) for _ in range(len(ps))]
    assert walked == list(m.parameters()) and next(ps, None) is None
    # still a list for the course's code: len, [i], +, and a second loop sees every entry
    assert len(ps) == 8 and ps[0] is m[0].W and len(ps + m[1].parameters()) == 10
    assert list(ps) == list(ps) == walked


def test_state_dict_keys_in_torchs_order_with_buffers():
    ours, theirs = _model(tg), _model(torch)
    names = list(theirs.state_dict())
    got = list(ours.state_dict())
    assert len(got) == len(names) == 14
    assert got.index("1.running_mean") == names.index("1.running_mean") == 4
    assert got.index("3.0.W") == names.index("3.0.weight") == 7
    assert got[-3:] == names[-3:] == ["3.1.running_mean", "3.1.running_var",
                                      "3.1.num_batches_tracked"]
    assert list(ours.state_dict(prefix="p.")) == ["p." + k for k in got]
    # a torch model's weights ported by position land on the entry of the same shape
    for (k, v), (tk, tv) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert np.shape(v) == tuple(tv.shape), (k, tk)
    ours.load_state_dict({k: tv.numpy() for k, (tk, tv) in
                          zip(ours.state_dict(), theirs.state_dict().items())})

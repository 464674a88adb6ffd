"""Second review of the tied-parameter checks (hTIE): ties that are not one object but one
memory (a view of another entry's array, a buffer set to a parameter's array, one nn.Buffer
given to two modules), a shared buffer's two names loading different values, and the saves
that must still go through (None buffers, batch norms' counts, disjoint slices of one array)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import checkpoint
from tinygrad_dl.models import KLayer, OneLayer, TwoLayer

torch = pytest.importorskip("torch")


def _bns(m):
    return [x for x in m.modules() if isinstance(x, tg.nn.BatchNorm1d)]


def _view_of_buffer(m):
    bn0, bn1 = _bns(m)
    bn1.running_mean = bn0.running_mean[:]


def _buffer_is_a_weight(m):
    bn0, bn1 = _bns(m)
    bn1.running_mean = bn0.gamma.data


def _weight_view(m):
    m.layers[3].W = tg.Tensor(m.layers[0].W.data[:4, :4], requires_grad=True)


@pytest.mark.parametrize("tie", [_view_of_buffer, _buffer_is_a_weight, _weight_view])
def test_save_model_refuses_a_tie_of_memory_not_of_objects(tmp_path, tie):
    # it saved, and load_model rebuilt two arrays that trained apart without a word
    m = KLayer(4, [4, 4], 2)
    tie(m)
    for save in (checkpoint.save_model, tg.save):
        with pytest.raises(ValueError, match=r"refused: '.*' shares its memory with '.*'"):
            save(m, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


def test_one_nn_buffer_given_to_two_modules_is_one_buffer_as_torch():
    ours, theirs = (lib.nn.Sequential(lib.nn.BatchNorm1d(3), lib.nn.BatchNorm1d(3))
                    for lib in (tg, torch))
    for m, lib in ((ours, tg), (theirs, torch)):
        buf = lib.nn.Buffer(np.arange(3.0) if lib is tg else torch.arange(3.0))
        m[0].extra, m[1].extra = buf, buf
    assert ours[0].extra is ours[1].extra  # (two views of it, listed twice, cast apart)
    assert len(ours.buffers()) == len(list(theirs.buffers())) == 7
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    spelled = [k.replace("gamma", "weight").replace("beta", "bias") for k in ours.state_dict()]
    assert spelled == list(theirs.state_dict())  # (both names saved, as torch's)


def test_a_shared_buffers_two_names_holding_different_values_are_refused():
    m = KLayer(4, [3, 3], 2)
    bn0, bn1 = _bns(m)
    bn1.running_mean = bn0.running_mean
    sd = m.state_dict()
    assert {"layers.1.running_mean", "layers.4.running_mean"} <= set(sd)
    sd["layers.1.running_mean"], sd["layers.4.running_mean"] = np.full(3, 1.0), np.full(3, 2.0)
    with pytest.raises(ValueError, match=r"'layers.4.running_mean' and 'layers.1.running_mean' "
                                         r"are one shared buffer"):
        m.load_state_dict(sd)  # (the last name's values were kept without a word)
    np.testing.assert_array_equal(bn0.running_mean, 0.0)  # nothing written
    sd["layers.1.running_mean"] = np.full(3, 2.0, np.float32)  # agreeing values load
    sd["layers.4.running_mean"] = np.array([np.nan, 2.0, 2.0])
    sd["layers.1.running_mean"][0] = np.nan
    m.load_state_dict(sd)
    assert bn1.running_mean is bn0.running_mean
    np.testing.assert_array_equal(bn0.running_mean, [np.nan, 2.0, 2.0])


def test_torch_state_dict_of_a_shared_buffer_loads_into_ours_tied_the_same_way():
    tm = torch.nn.Sequential(torch.nn.BatchNorm1d(3).double(), torch.nn.BatchNorm1d(3).double())
    tm[1].running_mean = tm[0].running_mean
    tm.train()
    tm(torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0)))
    ours = tg.nn.Sequential(tg.nn.BatchNorm1d(3), tg.nn.BatchNorm1d(3))
    ours[1].running_mean = ours[0].running_mean
    ours.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    np.testing.assert_array_equal(ours[1].running_mean, tm[1].running_mean.numpy())
    assert ours[1].running_mean is ours[0].running_mean


def test_saves_that_are_no_tie_still_go_through(tmp_path):
    # None buffers, each batch norm's own 0-d count, two weights as disjoint slices of one array
    m = KLayer(4, [4, 4], 2)
    for bn in _bns(m):
        bn.register_buffer("unset", None)
    flat = np.zeros((2, 4, 4))
    m.layers[0].W.data = flat[0]
    m.layers[3].W.data = flat[1]
    checkpoint.save_model(m, tmp_path / "k.npz")
    back = checkpoint.load_model(tmp_path / "k.npz")
    for a, b in zip(m.parameters(), back.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    for model in (OneLayer(4, 3), TwoLayer(4, 5, 3)):
        checkpoint.save_model(model, tmp_path / "o.npz")
        assert type(checkpoint.load_model(tmp_path / "o.npz")) is type(model)


def test_a_tied_state_dict_saved_as_a_file_keeps_the_tie_when_loaded_into_a_tied_model(tmp_path):
    m = KLayer(4, [4, 4], 2, batch_norm=False)
    m.layers[2].weight = m.layers[0].weight
    checkpoint.save(m.state_dict(), tmp_path / "s.npz")
    back = KLayer(4, [4, 4], 2, batch_norm=False, rng=np.random.default_rng(1))
    back.layers[2].weight = back.layers[0].weight
    back.load_state_dict(checkpoint.load(tmp_path / "s.npz"))
    assert back.layers[2].W is back.layers[0].W
    np.testing.assert_array_equal(back.layers[0].W.data, m.layers[0].W.data)

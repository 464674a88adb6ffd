"""Review of 02e7328 (helper hNPr): masked arrays reaching ops through paths it did not cover
(a list mixing rows of numbers with a masked array, t[:] = [m, m], a DataLoader batch, a
module's load_state_dict, pad's fill value) and pad of a 0-d tensor in its other modes and in
PyTorch's pad= spelling."""

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn as nn
from tinygrad_dl import Tensor
from tinygrad_dl.utils.data import DataLoader, collate


def _masked() -> np.ma.MaskedArray:
    m = np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0])
    m.data[1] = 99.0  # the value under the mask: what NumPy's conversions read
    return m


@pytest.mark.parametrize("make", [
    lambda v: Tensor(v), lambda v: tg.tensor(v), lambda v: tg.as_tensor(v),
    lambda v: Tensor(np.zeros((2, 3))).new_tensor(v), lambda v: Tensor(np.zeros((2, 3))) + v,
], ids=["Tensor", "tensor", "as_tensor", "new_tensor", "add"])
@pytest.mark.parametrize("rows", ["list", "tuple", "deeper"])
def test_rows_of_numbers_beside_a_masked_array_refused(make, rows):
    m = _masked()
    v = {"list": [[1.0, 2.0, 3.0], m], "tuple": ((1.0, 2.0, 3.0), m),
         "deeper": [[[1.0, 2.0, 3.0], m]]}[rows]
    with pytest.raises(TypeError, match="masked array"):
        make(v)


def test_rows_of_numbers_alone_still_taken():
    assert Tensor([[1.0, 2.0], [3.0, 4.0]]).data.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert tg.tensor([[1, 2], [3, 4]]).data.dtype == np.int64
    assert Tensor([np.array([1.0, 2.0]), np.array([3.0, 4.0])]).shape == (2, 2)


@pytest.mark.parametrize("write", [
    lambda t, v: t.__setitem__(slice(None), v), lambda t, v: t.copy_(v),
    lambda t, v: t.add_(v),
], ids=["setitem", "copy_", "add_"])
@pytest.mark.parametrize("mixed", [False, True])
def test_in_place_write_of_a_list_holding_a_masked_array_refused(write, mixed):
    m = _masked()
    t = Tensor(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="masked array"):
        write(t, [[1.0, 2.0, 3.0], m] if mixed else [m, m])
    assert (t.data == 0).all()  # nothing written


def test_in_place_write_of_plain_lists_still_taken():
    t = Tensor(np.zeros((2, 3)))
    t[:] = [np.ones(3), np.ones(3)]
    t.add_([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    assert t.data.tolist() == [[2.0, 3.0, 4.0], [2.0, 2.0, 2.0]]


def test_dataloader_batch_of_masked_samples_refused():
    m = _masked()
    with pytest.raises(TypeError, match="DataLoader: a sample is a masked array"):
        collate([m, m])
    with pytest.raises(TypeError, match="masked array"):
        next(iter(DataLoader([(m, 1), (m, 0)], batch_size=2)))
    assert collate([np.ones(3), np.zeros(3)]).shape == (2, 3)


@pytest.mark.parametrize("as_list", [False, True])
def test_load_state_dict_masked_entry_refused(as_list):
    lin = nn.Linear(3, 1)
    before = lin.W.data.copy()
    w = np.ma.masked_array(np.full((1, 3), 7.0), mask=[[0, 1, 0]])
    with pytest.raises(TypeError, match="'W' is a masked array"):
        lin.load_state_dict({"W": [w[0]] if as_list else w, "b": lin.b.data.copy()})
    assert np.array_equal(lin.W.data, before)


@pytest.mark.parametrize("kw", ["value", "constant_values"])
def test_pad_masked_fill_value_refused(kw):
    fill = np.ma.masked_array(5.0, mask=True)
    with pytest.raises(TypeError, match="pad: the fill value is a masked array"):
        tg.pad(Tensor(np.zeros(3)), 1, **{kw: fill})
    with pytest.raises(TypeError, match="masked array"):
        tg.pad(Tensor(np.zeros(3)), np.ma.masked_array([1, 1], mask=[0, 1]))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "edge", "wrap"])
@pytest.mark.parametrize("width", [0, 1, (0, 0), (1, 2), ((1, 1),)])
def test_pad_zero_d_other_modes_as_np_pad(mode, width):
    np_mode = {"replicate": "edge", "circular": "wrap"}.get(mode, mode)
    a = np.array(5.0)
    x = Tensor(a, requires_grad=True)
    y = tg.pad(x, width, mode=mode)
    assert y.shape == () and y.item() == np.pad(a, width, mode=np_mode).item() == 5.0
    (y * 3.0).backward()
    assert x.grad == 3.0


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_zero_d_negative_width_refused_as_np_pad(mode):
    with pytest.raises(ValueError):
        np.pad(np.array(5.0), -1, mode={"replicate": "edge", "circular": "wrap"}.get(mode, mode))
    with pytest.raises(ValueError, match="pad"):
        tg.pad(Tensor(np.array(5.0)), -1, mode=mode)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("widths", [(0, 0), (1, 1), (-1, 0)])
def test_pad_keyword_torch_widths_on_zero_d_refused_as_torch(mode, widths):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.nn.functional.pad(torch.tensor(5.0), widths, mode=mode)
    with pytest.raises(ValueError, match="2 widths pad 1 axes, x has 0"):
        tg.pad(Tensor(np.array(5.0)), pad=widths, mode=mode)
    assert tg.pad(Tensor(np.array(5.0)), pad=(), mode=mode).item() == 5.0  # torch's copy


def _mask_list():
    return [np.ma.masked_array([True, False, True], mask=[1, 0, 0])]


@pytest.mark.parametrize("call", [
    lambda: Tensor(np.zeros((2, 3))).clamp(min=[[1.0, 2.0, 3.0], _masked()]),
    lambda: Tensor(np.zeros(3)).masked_fill(_mask_list(), 1.0),
    lambda: tg.where(_mask_list(), Tensor(np.zeros(3)), 1.0),
    lambda: Tensor(np.zeros(3)).masked_select(_mask_list()),
    lambda: tg.nn.functional.embedding([np.ma.masked_array([0, 1], mask=[1, 0])],
                                       Tensor(np.eye(3))),
    lambda: tg.nn.functional.one_hot([np.ma.masked_array([0, 1], mask=[1, 0])], 3),
    lambda: tg.nn.functional.cross_entropy(Tensor(np.zeros((2, 3))),
                                           [np.ma.masked_array(1, mask=True), 2]),
    lambda: Tensor(np.zeros(3)).roll([np.ma.masked_array(1, mask=True)], 0),
    lambda: tg.searchsorted(Tensor(np.array([0.0, 1.0, 2.0])),
                            [np.ma.masked_array([0.5, 1.5], mask=[1, 0])]),
    lambda: tg.isin(Tensor(np.array([0.0, 1.0, 2.0])),
                    [np.ma.masked_array([0.0, 1.0], mask=[1, 0])]),
    lambda: tg.full((1, 3), [_masked()]),
], ids=["clamp", "masked_fill", "where", "masked_select", "embedding", "one_hot",
        "cross_entropy", "roll", "searchsorted", "isin", "full"])
def test_masked_array_inside_a_list_argument_refused(call):
    with pytest.raises(TypeError, match="masked array"):
        call()


def test_plain_list_arguments_still_taken():
    x = Tensor(np.zeros(3))
    assert x.masked_fill([True, False, True], 1.0).data.tolist() == [1.0, 0.0, 1.0]
    assert x.clamp(min=[1.0, -1.0, 2.0]).data.tolist() == [1.0, 0.0, 2.0]
    assert tg.nn.functional.cross_entropy(Tensor(np.zeros((2, 3))), [1, 2]).item() == \
        pytest.approx(np.log(3.0), rel=1e-12)
    assert x.roll([1], 0).shape == (3,)


@pytest.mark.parametrize("where", ["after a slice", "before an int"])
def test_setitem_index_list_holding_a_masked_array_refused(where):
    mi = np.ma.masked_array([0, 1], mask=[1, 0])
    mi.data[0] = 2  # NumPy wrote column 2 under the mask
    x = Tensor(np.arange(12.0).reshape(3, 4))
    idx = (slice(None), [mi]) if where == "after a slice" else ([mi], 0)
    with pytest.raises(TypeError, match="masked array"):
        x[idx] = 0.0
    assert np.array_equal(x.data, np.arange(12.0).reshape(3, 4))

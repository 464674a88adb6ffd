"""torch.utils.data.StackDataset (absent before): datasets of one length side by side, tuple
samples from positional datasets and dict samples from keyword ones, batched by DataLoader as
torch's (each field collated); torch's refusals (both kinds given, none given, lengths that
differ) in one line each."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.utils.data import DataLoader, StackDataset, Subset, TensorDataset


class Squares(tg.utils.data.Dataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __getitem__(self, i: int) -> float:
        return float(i * i)

    def __len__(self) -> int:
        return self.n


def _data():
    x = np.arange(12.0).reshape(6, 2)
    y = np.arange(6)
    return x, y


def test_tuple_and_dict_samples():
    x, y = _data()
    ds = StackDataset(TensorDataset(x), Squares(6))
    assert len(ds) == 6
    (xi,), sq = ds[4]
    np.testing.assert_array_equal(xi.numpy(), x[4])
    assert sq == 16.0
    dd = StackDataset(img=TensorDataset(x, y), sq=Squares(6))
    s = dd[5]
    assert list(s) == ["img", "sq"] and s["sq"] == 25.0
    np.testing.assert_array_equal(s["img"][1].numpy(), y[-1])


@pytest.mark.parametrize("kind", ["tuple", "dict"])
def test_loader_batches_as_torch(kind):
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    x, y = _data()
    ours_parts = (TensorDataset(x, y), Squares(6))
    theirs_parts = (tdata.TensorDataset(torch.tensor(x), torch.tensor(y)),
                    [float(i * i) for i in range(6)])
    if kind == "tuple":
        ours, theirs = StackDataset(*ours_parts), tdata.StackDataset(*theirs_parts)
    else:
        ours = StackDataset(a=ours_parts[0], b=ours_parts[1])
        theirs = tdata.StackDataset(a=theirs_parts[0], b=theirs_parts[1])
    got = list(DataLoader(ours, batch_size=4))
    want = list(tdata.DataLoader(theirs, batch_size=4))
    assert len(got) == len(want) == 2
    for g, w in zip(got, want):
        if kind == "dict":
            assert list(g) == list(w)
            g, w = list(g.values()), list(w.values())
        (gx, gy), gs = g
        (wx, wy), ws = w
        np.testing.assert_array_equal(gx.numpy(), wx.numpy())
        np.testing.assert_array_equal(gy.numpy(), wy.numpy())
        assert gy.dtype == np.int64
        np.testing.assert_array_equal(gs.numpy(), ws.numpy())


def test_subset_of_a_stack():
    x, y = _data()
    sub = Subset(StackDataset(TensorDataset(x), Squares(6)), [5, 0])
    (xi,), sq = sub[0]
    np.testing.assert_array_equal(xi.numpy(), x[5])
    assert sq == 25.0


@pytest.mark.parametrize("args,kwargs,words", [
    ((), {}, "at least one dataset"),
    ((Squares(3),), {"b": Squares(3)}, "both positionally"),
    ((Squares(3), Squares(4)), {}, r"size mismatch between datasets \(3, 4\)"),
    ((), {"a": Squares(2), "b": Squares(5)}, r"size mismatch between datasets \(2, 5\)"),
])
def test_refusals_in_one_line(args, kwargs, words):
    with pytest.raises(ValueError, match=words) as e:
        StackDataset(*args, **kwargs)
    assert "\n" not in str(e.value)

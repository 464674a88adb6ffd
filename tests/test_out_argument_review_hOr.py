"""Review of out= (F.write_out): a tuple of outs that share memory, and the resize of an out
whose memory another tensor or array sees (torch's views see the resized storage; NumPy's
would keep the old values), against torch 2.13."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def _ints():
    return np.array([[3, 1, 7], [2, 5, 0]])


def test_max_into_one_tensor_twice_is_refused():
    # (ours gave values [0, 1]: the indices written over the values; torch raises)
    v = tg.zeros(2, dtype=tg.int64)
    with pytest.raises(ValueError, match=r"max\(out=...\): out\[0\] and out\[1\] share memory"):
        tg.max(tg.Tensor(_ints()), dim=1, out=(v, v))
    assert not v.data.any()


def test_sort_into_one_tensor_twice_is_refused():
    # (torch 2.13 returns values [0, 1, 2] for [3, 1, 7]: the indices; ours did too)
    b = tg.zeros(3, dtype=tg.int64)
    tb = torch.zeros(3, dtype=torch.int64)
    torch.sort(torch.tensor(_ints()[0]), out=(tb, tb))
    assert tb.tolist() == [0, 1, 2]  # (not the sorted values [1, 3, 7])
    with pytest.raises(ValueError, match=r"sort\(out=...\).*share memory"):
        tg.sort(tg.Tensor(_ints()[0]), dim=0, out=(b, b))


def test_aminmax_into_overlapping_views_is_refused():
    b = tg.zeros(3, dtype=tg.float64)
    with pytest.raises(ValueError, match=r"aminmax\(out=...\).*share memory"):
        tg.aminmax(tg.Tensor(_ints().astype(float)), dim=1, out=(b[0:2], b[0:2]))
    with pytest.raises(ValueError, match="share memory"):
        tg.aminmax(tg.Tensor(_ints().astype(float)), dim=1, out=(b[0:2], b[1:3]))


def test_tuple_outs_in_disjoint_views_of_one_array_are_written():
    b = tg.zeros(4, dtype=tg.int64)
    r = tg.aminmax(tg.Tensor(_ints()), dim=1, out=(b[0::2], b[1::2]))
    assert r.min.tolist() == [1, 0] and r.max.tolist() == [7, 5]
    assert b.tolist() == [1, 7, 0, 5]


def test_resizing_an_out_that_a_view_sees_is_refused():
    # torch: v = out[0:1] sees 2.0 after the resize; ours kept 0.0 (a warning only)
    t = torch.zeros(2, dtype=torch.float64)
    tv = t[0:1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.add(torch.ones(3, dtype=torch.float64), 1.0, out=t)
    assert tv.tolist() == [2.0]
    out = tg.zeros(2, dtype=tg.float64)
    v = out[0:1]
    with pytest.raises(ValueError, match=r"add\(out=...\).*shared.*out\[0:1\]"):
        tg.add(tg.ones(3, dtype=tg.float64), 1.0, out=out)
    assert out.shape == (2,) and v.tolist() == [0.0]


@pytest.mark.parametrize("share", ["asarray", "detach", "from_numpy"])
def test_resizing_an_out_whose_array_is_held_elsewhere_is_refused(share):
    a = np.zeros(4)
    out = tg.from_numpy(a) if share == "from_numpy" else tg.Tensor(a.copy())
    held = np.asarray(out) if share == "asarray" else out.detach()  # noqa: F841
    with pytest.raises(ValueError, match=r"exp\(out=...\).*shared"):
        tg.exp(tg.ones(3, dtype=tg.float64), out=out)
    assert out.shape == (4,) and not out.data.any()


def test_resizing_a_view_of_a_tensor_held_elsewhere_is_refused():
    # torch writes the base's storage (a = [2, 2, 2, 2, 4, 5]); a NumPy view cannot grow into it
    a = tg.arange(6.0)
    x = a.reshape(2, 3)
    with pytest.raises(ValueError, match=r"add\(out=...\).*of shape \(4,\)"):
        tg.add(tg.ones(4, dtype=tg.float64), 1.0, out=x)
    assert a.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_out_on_a_view_that_nothing_else_holds_is_resized_as_torch():
    # Tensor(np.arange(6.).reshape(2, 3)): a view of an array only it holds (refused before)
    out = tg.Tensor(np.arange(6.0).reshape(2, 3))
    tout = torch.tensor(np.arange(6.0).reshape(2, 3))
    with pytest.warns(UserWarning, match="resized"):
        r = tg.add(tg.ones(4, dtype=tg.float64), 1.0, out=out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.add(torch.ones(4, dtype=torch.float64), 1.0, out=tout)
    assert r is out and out.tolist() == tout.tolist() == [2.0] * 4


def test_ravel_into_its_own_input_is_resized_as_torch_reshape():
    x = tg.Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.warns(UserWarning, match="resized"):
        r = tg.ravel(x, out=x)
    assert r is x and x.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_a_plain_or_empty_out_still_resizes():
    out, empty = tg.zeros(2, 3), tg.Tensor(np.zeros(0))
    with pytest.warns(UserWarning, match="resized"):
        tg.add(tg.ones(4), 1.0, out=out)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.add(tg.ones(4), 1.0, out=empty)
    assert out.tolist() == empty.tolist() == [2.0] * 4

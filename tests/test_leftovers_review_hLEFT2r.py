"""Review of b7ae59e (hLEFT2's leftovers) against torch 2.13: torch.feature_dropout's edges
(torch returns the input itself when nothing is dropped, of any rank; p = 1 is input * 0, an
integer input kept integer; an integer input is refused where a mask would scale it), a bool as
slice_copy's dim / start / step (dim=True sliced dim 1), sort / argsort of a bool dim (NumPy's
words, no op named) and empty_strided's 0-d integer tensors (torch's and tg.empty's ints)."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import one_line

import tinygrad_dl as tg

A = np.arange(1.0, 13.0).reshape(2, 3, 2)


# ---- torch.feature_dropout(_): torch's order of checks (ATen's _dropout_impl) ---------------
NOTHING_DROPPED = {  # (data, p, train): torch returns the input itself, whatever its rank
    "1-D in evaluation": (np.array([1.0, 2.0]), 0.5, False),
    "0-d in evaluation": (np.float64(3.0), 0.5, False),
    "1-D with p = 0": (np.array([1.0, 2.0]), 0.0, True),
    "1-D empty": (np.zeros(0), 0.5, True),
    "integer in evaluation": (np.ones((2, 3), np.int64), 0.5, False),
}


@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("case", sorted(NOTHING_DROPPED))
def test_feature_dropout_returns_the_input_where_nothing_is_dropped(case, inplace):
    data, p, train = NOTHING_DROPPED[case]
    f = tg.feature_dropout_ if inplace else tg.feature_dropout
    x = tg.tensor(data)
    got = f(x, p, train)  # (a 1-D input in evaluation was refused: "needs 2 dimensions")
    assert got is x
    torch = pytest.importorskip("torch")
    t = torch.tensor(data)
    assert getattr(torch, f.__name__)(t, p, train) is t


@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("data", [np.array([1.0, -2.0]), np.ones((2, 3), np.int64),
                                  np.array([[1, 0]], np.int8), A], ids=["1-D", "int64", "int8",
                                                                        "3-D"])
def test_feature_dropout_p1_is_the_input_times_zero(data, inplace):
    x = tg.tensor(data)  # (1-D: refused; integer: float zeros, torch keeps the dtype)
    got = (tg.feature_dropout_ if inplace else tg.feature_dropout)(x, 1.0, True)
    assert got.dtype == data.dtype and not got.data.any() and got.shape == data.shape
    assert (got is x) == inplace
    torch = pytest.importorskip("torch")
    want = (torch.feature_dropout_ if inplace else torch.feature_dropout)(
        torch.tensor(data), 1.0, True)
    np.testing.assert_array_equal(got.data, want.numpy())
    assert got.data.dtype == want.numpy().dtype


@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.bool_])
def test_feature_dropout_of_integers_in_training_is_refused(dtype, inplace):
    name = "feature_dropout_" if inplace else "feature_dropout"
    with pytest.raises(TypeError) as e:  # (it gave float64 values 2.0 and 0.0)
        getattr(tg, name)(tg.tensor(np.ones((2, 3), dtype)), 0.5, True)
    one_line(e, "feature_dropout", "expected a float input")
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        getattr(torch, name)(torch.tensor(np.ones((2, 3), dtype)), 0.5, True)


def test_feature_dropout_still_refuses_a_1d_input_it_would_mask():
    with pytest.raises(ValueError) as e:
        tg.feature_dropout(tg.tensor([1.0, 2.0]), 0.5, True)
    one_line(e, "feature_dropout: feature dropout needs at least 2 dimensions")


# ---- slice_copy: ints as torch's (a bool refused; a 0-d integer tensor counts) -----------------
@pytest.mark.parametrize("kw", [{"dim": True}, {"dim": False}, {"dim": np.True_},
                                {"dim": 1, "start": True}, {"dim": 1, "end": False},
                                {"dim": 1, "step": True}, {"dim": 1.0}, {"dim": 1, "start": 1.0}])
def test_slice_copy_refuses_a_bool_or_a_float(kw):
    with pytest.raises(TypeError) as e:  # (dim=True sliced dim 1, start=True started at 1)
        tg.slice_copy(tg.tensor(A), **kw)
    one_line(e, "slice_copy: ")
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.slice_copy(torch.tensor(A), **kw)


@pytest.mark.parametrize("name", ["dim", "start", "end", "step"])
@pytest.mark.parametrize("kind", ["0-d tensor", "np.int64"])
def test_slice_copy_takes_a_0d_integer_tensor(name, kind):
    kw = {"dim": 1, "start": 0, "end": 3, "step": 1, name: 2 if name != "dim" else 1}
    want = tg.slice_copy(tg.tensor(A), **kw).data
    kw[name] = tg.tensor(kw[name]) if kind == "0-d tensor" else np.int64(kw[name])
    got = tg.slice_copy(tg.tensor(A), **kw)  # (a 0-d tensor: "cannot make a numeric array")
    np.testing.assert_array_equal(got.data, want)
    torch = pytest.importorskip("torch")
    tkw = {k: torch.tensor(int(v)) if isinstance(v, tg.Tensor) else v for k, v in kw.items()}
    np.testing.assert_array_equal(want, torch.slice_copy(torch.tensor(A), **tkw).numpy())


# ---- sort / argsort of a bool dim: one line naming the op --------------------------------------
@pytest.mark.parametrize("call", [
    lambda x, d: x.sort(d), lambda x, d: x.sort(dim=d), lambda x, d: tg.sort(x, d),
    lambda x, d: x.argsort(d), lambda x, d: tg.argsort(x, d), lambda x, d: x.sort(d, True)],
    ids=["x.sort", "x.sort(dim=)", "tg.sort", "x.argsort", "tg.argsort", "descending"])
@pytest.mark.parametrize("flag", [True, np.False_])
def test_sort_of_a_bool_dim_names_the_op(call, flag):
    with pytest.raises(TypeError) as e:  # ("an integer is required for the axis": NumPy's)
        call(tg.tensor(A), flag)
    one_line(e, "sort: dim must be an integer")


@pytest.mark.parametrize("d", [1, np.int64(1), "0-d tensor"])
def test_sort_of_integer_dims_still_works(d):
    d = tg.tensor(1) if isinstance(d, str) else d
    x = tg.tensor(A[:, ::-1])
    np.testing.assert_array_equal(x.sort(d).values.data, np.sort(A[:, ::-1], 1))
    np.testing.assert_array_equal(x.argsort(d).data, np.argsort(A[:, ::-1], 1, kind="stable"))


# ---- empty_strided: a 0-d integer tensor as a size or a stride (torch's, tg.empty's) --------
def test_empty_strided_takes_0d_integer_tensors():
    got = tg.empty_strided((tg.tensor(2), np.int64(3)), (tg.tensor(3), 1))
    assert got.shape == (2, 3) and not got.data.any()
    with pytest.raises(TypeError) as e:
        tg.empty_strided((2, 3), (tg.tensor(True), 1))
    one_line(e, "empty_strided: a stride must be an int")
    torch = pytest.importorskip("torch")
    assert torch.empty_strided((torch.tensor(2), 3), (torch.tensor(3), 1)).shape == (2, 3)

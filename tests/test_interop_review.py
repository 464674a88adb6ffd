"""Tensor conversions, copies and NumPy interop against torch 2.13, where a habit could give a
wrong number or lose a write without a word: `x.T.contiguous()` (a copy, as torch's, not x's
transpose itself), Python ints past int64 in tensor()/as_tensor() (torch refuses them; NumPy
made uint64 or a rounded float64), a write through `copy.copy(w)` / `from_numpy(w.numpy())`
while a live graph holds w (a copy-on-write left w as it was), `len()` of a 0-d tensor and
`v in t` (torch's any-entry-equals)."""
import copy

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


# ---- contiguous(): a copy where the layout is not C order, as torch's ----------------------------
@pytest.mark.parametrize("make", [lambda x: x.T, lambda x: x[:, ::2], lambda x: x.permute(1, 0)],
                         ids=["T", "strided", "permute"])
@pytest.mark.parametrize("write", ["add_", "setitem", "mul_"])
def test_a_write_into_contiguous_of_a_non_contiguous_view_leaves_the_base_as_torch(make, write):
    got = []
    for lib in (torch, tg):
        x = lib.tensor(np.arange(12.0).reshape(3, 4))
        y = make(x).contiguous()
        if write == "add_":
            y.add_(100.0)
        elif write == "mul_":
            y.mul_(-1.0)
        else:
            y[0] = -7.0
        got.append((np.asarray(x.tolist()), np.asarray(y.tolist())))
    np.testing.assert_array_equal(got[1][0], got[0][0])
    np.testing.assert_array_equal(got[1][0], np.arange(12.0).reshape(3, 4))  # x unchanged
    np.testing.assert_array_equal(got[1][1], got[0][1])


def test_contiguous_of_a_contiguous_tensor_is_itself_and_a_copy_keeps_the_gradient():
    x = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.contiguous() is x
    y = x.T.contiguous()
    (y * tg.tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
    xt = torch.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (xt.T.contiguous() * torch.arange(6.0, dtype=torch.float64).reshape(3, 2)).sum().backward()
    np.testing.assert_array_equal(x.grad, xt.grad.numpy())


# ---- Python ints past int64: torch.tensor refuses them, NumPy changed the dtype or the digits --
@pytest.mark.parametrize("data", [2**63, [2**63], [1, 2**63 + 1], [[1], [2**63]],
                                  [-(2**63) - 1], [True, 2**63], (3, 2**64)])
@pytest.mark.parametrize("who", ["tensor", "as_tensor"])
def test_python_ints_past_int64_are_refused_as_torch(data, who):
    with pytest.raises((ValueError, RuntimeError, OverflowError)):
        torch.tensor(data)
    with pytest.raises(OverflowError, match=f"{who}.*does not fit int64"):
        getattr(tg, who)(data)


def test_ints_within_int64_or_beside_a_float_or_with_a_dtype_are_still_made():
    assert tg.tensor([2**63 - 1, -(2**63)]).tolist() == [2**63 - 1, -(2**63)]
    assert tg.tensor([2**63 - 1]).dtype == np.int64
    big = tg.tensor([1.5, 2**63])  # a float among them: a float tensor, as torch's
    assert big.dtype == np.float64 and big.tolist() == [1.5, 2.0**63]
    assert tg.tensor(2**63, dtype=np.uint64).tolist() == 2**63
    assert tg.as_tensor([2**64], dtype=np.float64).tolist() == [2.0**64]
    assert tg.Tensor([2**63]).tolist() == [2.0**63]  # Tensor(): Python numbers are float64


# ---- a write through a tensor sharing a leaf's array while a live graph holds that array ------
_SHARING = {
    "copy.copy(w)": lambda lib, w: copy.copy(w),
    "from_numpy(w.numpy())": lambda lib, w: lib.from_numpy(w.detach().numpy()),
    "as_tensor(w.numpy())": lambda lib, w: lib.as_tensor(w.detach().numpy()),
}


@pytest.mark.parametrize("share", list(_SHARING), ids=list(_SHARING))
@pytest.mark.parametrize("requires_grad", [True, False])
def test_a_write_through_a_sharing_tensor_is_refused_not_lost(share, requires_grad):
    # torch: the write reaches w (the memory is one); here a copy-on-write gave the sharing
    # tensor a copy and w kept its old values, lost without a word when no backward followed
    w = torch.tensor([1.0, 2.0], requires_grad=requires_grad)
    other = torch.tensor([3.0, 4.0], requires_grad=True)
    loss = (w * other).sum()
    alias = _SHARING[share](torch, w)
    with torch.no_grad():
        alias.add_(1.0)
    assert w.tolist() == [2.0, 3.0]  # (torch's: the write reached w)
    del loss

    w = tg.tensor([1.0, 2.0], requires_grad=requires_grad)
    other = tg.tensor([3.0, 4.0], requires_grad=True)
    loss = (w * other).sum()
    alias = _SHARING[share](tg, w)
    with tg.no_grad(), pytest.raises(RuntimeError, match="shares its array"):
        alias.add_(1.0)
    loss.backward()  # nothing was written: the gradients are the forward's
    assert w.tolist() == [1.0, 2.0] and other.grad.tolist() == [1.0, 2.0]
    with tg.no_grad():
        alias.add_(1.0)  # after backward the write reaches w, as torch's
    assert w.tolist() == [2.0, 3.0]


def test_copy_copy_still_shares_the_array_without_a_graph_as_torch():
    for lib in (torch, tg):
        w = lib.tensor([1.0, 2.0])
        c = copy.copy(w)
        c.add_(1.0)
        c[0] = 9.0
        assert w.tolist() == [9.0, 3.0]


# ---- len() of a 0-d tensor and `v in t`, as torch's ----------------------------------------------
def test_len_of_a_0d_tensor_names_the_tensor():
    with pytest.raises(TypeError, match="0-d tensor"):
        len(tg.tensor(3.0))
    assert len(tg.tensor([[1.0, 2.0]])) == 1


@pytest.mark.parametrize("element", [lambda lib: lib.tensor([1.0, 5.0]), lambda lib: 4.0,
                                     lambda lib: float("nan"), lambda lib: lib.tensor(7.0),
                                     lambda lib: np.float32(2.0), lambda lib: True],
                         ids=["row", "number", "nan", "0-d", "np.float32", "bool"])
def test_in_is_any_entry_equal_as_torch(element):
    got = [element(lib) in lib.tensor([[1.0, 2.0], [3.0, 4.0]]) for lib in (torch, tg)]
    assert got[0] == got[1]


@pytest.mark.parametrize("element", ["a", [1.0, 2.0], None])
def test_in_refuses_what_is_not_a_tensor_or_number_as_torch(element):
    for lib in (torch, tg):
        with pytest.raises(RuntimeError, match="only supports Tensor or scalar"):
            element in lib.tensor([1.0, 2.0])  # noqa: B015


# ---- full / new_full: a fill value the dtype cannot hold is refused, as torch's -----------------
@pytest.mark.parametrize("value", [1000.0, 256.0, 255.5, -0.5, 300, float("inf"), float("nan")])
@pytest.mark.parametrize("call", ["full", "new_full"])
def test_a_fill_value_past_an_integer_dtype_is_refused_as_torch(value, call):
    # NumPy's cast made 1000.0 into uint8 232 without a word (and 300 an OverflowError naming
    # no call)
    with pytest.raises(RuntimeError):
        torch.full((2,), value, dtype=torch.uint8)
    with pytest.raises(ValueError, match=f"{call}: fill value .* does not fit"):
        if call == "full":
            tg.full((2,), value, dtype=np.uint8)
        else:
            tg.tensor([1], dtype=np.uint8).new_full((2,), value)


@pytest.mark.parametrize(("value", "dtype"), [(255, "uint8"), (127.9, "uint8"), (2.7, "uint8"),
                                             (True, "uint8"), (-0.99, "int8"), (-128, "int8")])
def test_a_fill_value_that_fits_is_torchs_number(value, dtype):
    want = torch.full((2,), value, dtype=getattr(torch, dtype)).tolist()
    assert tg.full((2,), value, dtype=dtype).tolist() == want
    assert tg.tensor([1], dtype=dtype).new_full((2,), value).tolist() == want


def test_complex_of_a_complex_0d_tensor_as_torch():
    assert complex(tg.tensor(1 + 2j)) == complex(torch.tensor(1 + 2j)) == 1 + 2j
    assert complex(tg.tensor([3.0])) == 3 + 0j
    with pytest.raises(TypeError, match=r"complex\(\) of a tensor of shape \(2,\)"):
        complex(tg.tensor([1.0, 2.0]))


@pytest.mark.parametrize("call", [lambda t: t.to(None), lambda t: t.to(None, None),
                                  lambda t: t.to("cpu", None)])
def test_to_none_changes_nothing_as_torch(call):
    # NumPy reads dtype None as float64: t.to(None) made a float32 tensor float64
    for dtype in (np.float32, np.float16, np.int32):
        t = tg.tensor(np.array([1.5, 2.0]).astype(dtype))
        assert call(t) is t
        assert call(torch.tensor(np.array([1.5, 2.0]).astype(dtype))).dtype == getattr(
            torch, np.dtype(dtype).name)


@pytest.mark.parametrize(("x", "y"), [(1, 0), (True, False), (True, 0), (2**40, -1), (1.5, 0)])
@pytest.mark.parametrize("call", ["tg.where", "np.where"])
def test_where_of_two_numbers_takes_their_dtype_as_torch_and_numpy(x, y, call):
    # Tensor(1) alone is float64: tg.where(c, 1, 0) (and np.where on a tensor, routed to it)
    # was a float64 tensor where torch's and NumPy's are int64 (bool for two bools)
    c = [True, False]
    fn = tg.where if call == "tg.where" else np.where
    ours = fn(tg.tensor(c), x, y)
    theirs = torch.where(torch.tensor(c), x, y)
    assert ours.tolist() == theirs.tolist()
    want = "float64" if isinstance(x, float) else str(theirs.dtype).replace("torch.", "")
    assert ours.dtype == np.dtype(want) == np.where(np.array(c), x, y).dtype

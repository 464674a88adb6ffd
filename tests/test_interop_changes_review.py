"""A second look at the interop review's fixes, against torch 2.13: a write through
`from_numpy(a)` / `as_tensor(a)` made BEFORE the forward (only a read-only array, one a live
graph already held, was refused: the copy-on-write then left `a` and the leaf sharing it as they
were), a Python list mixing a float with an int past uint64 (NumPy's object array was refused:
torch makes a float tensor) and a complex fill value into a real dtype (NumPy dropped its
imaginary part with a warning: torch refuses it)."""
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


# ---- from_numpy / as_tensor made before the forward: the write is refused, not lost ----------
@pytest.mark.parametrize("make", ["from_numpy", "as_tensor"])
def test_a_write_through_from_numpy_of_a_leafs_array_made_before_the_forward_is_refused(make):
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    alias = getattr(torch, make)(w.detach().numpy())
    loss = (w * torch.tensor([3.0, 4.0], requires_grad=True)).sum()
    with torch.no_grad():
        alias.add_(1.0)
    assert w.tolist() == [2.0, 3.0]  # (torch's: the write reached w)
    del loss

    w = tg.tensor([1.0, 2.0], requires_grad=True)
    alias = getattr(tg, make)(w.detach().numpy())  # before the forward: the array is writable
    other = tg.tensor([3.0, 4.0], requires_grad=True)
    loss = (w * other).sum()
    with tg.no_grad(), pytest.raises(RuntimeError, match="shares its array"):
        alias.add_(1.0)  # was given a copy: w stayed [1, 2] without a word
    loss.backward()
    assert other.grad.tolist() == [1.0, 2.0]
    with tg.no_grad():
        alias.add_(1.0)  # no live graph: the write reaches w, as torch's
    assert w.tolist() == [2.0, 3.0]


@pytest.mark.parametrize("make", ["from_numpy", "as_tensor"])
def test_a_write_through_from_numpy_reaches_the_users_array_or_is_refused(make):
    a = np.zeros(3)
    t = getattr(tg, make)(a)
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (t * w).sum()  # saves t's array, a, for w's gradient
    with tg.no_grad(), pytest.raises(RuntimeError, match="from_numpy / as_tensor"):
        t.add_(1.0)  # (a copy for t left `a` zeros, where torch's write reaches it)
    assert a.tolist() == [0.0, 0.0, 0.0]
    loss.backward()
    assert w.grad.tolist() == [0.0, 0.0, 0.0]
    with tg.no_grad():
        t.add_(1.0)
    assert a.tolist() == [1.0, 1.0, 1.0]  # shared, as torch.from_numpy's
    # arrays no live graph holds: a read-only one, a broadcast, a copy of another dtype
    ro = np.arange(3.0)
    ro.flags.writeable = False
    (getattr(tg, make)(ro) * w).sum().backward()
    (getattr(tg, make)(np.broadcast_to(ro, (2, 3))) * w).sum().backward()
    assert w.grad.tolist() == [0.0, 3.0, 6.0]  # 0 + ro + 2 * ro
    if make == "as_tensor":
        c = tg.as_tensor(a, dtype=np.float32)  # a copy: nothing shared, its write is its own
        loss = (c * tg.tensor(np.ones(3, np.float32), requires_grad=True)).sum()
        with tg.no_grad():
            c.add_(1.0)
        assert c.tolist() == [2.0, 2.0, 2.0] and a.tolist() == [1.0, 1.0, 1.0]
        del loss


# ---- a float beside an int past uint64: a float tensor, as torch's --------------------------
@pytest.mark.parametrize("data", [[10**30, 1.5], [-(2**63) - 1, 1.0], [[1.0], [-(10**20)]],
                                  [10**30, 1j]], ids=["1e30", "-2**63-1", "nested", "complex"])
@pytest.mark.parametrize("who", ["tensor", "as_tensor"])
def test_a_float_beside_an_int_past_int64_makes_a_float_tensor_as_torch(data, who):
    want = torch.tensor(data).to(torch.complex128 if "1j" in repr(data) else torch.float64)
    got = getattr(tg, who)(data)  # NumPy's object array: "cannot make a numeric array"
    assert got.dtype.kind == ("c" if "1j" in repr(data) else "f")
    np.testing.assert_allclose(np.asarray(got.tolist()), want.numpy(), rtol=1e-7)
    # (a float list is checked by its first item: the rest still as before)
    for more in ([1e19, 2.0], [[1.5, 2.0**64], [1.0, 2.0]], [1.5, 2**63], [1, 2.5, 2**63]):
        t = getattr(tg, who)(more)
        assert t.dtype == np.float64 and t.tolist() == np.array(more, dtype=np.float64).tolist()
    with pytest.raises(OverflowError, match="does not fit int64"):
        getattr(tg, who)([[1, 2], [3, 2**63 + 1]])




# ---- a complex fill value into a real dtype: refused, as torch's ------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "uint8"])
@pytest.mark.parametrize("call", ["full", "new_full", "full_like"])
def test_a_complex_fill_value_into_a_real_dtype_is_refused_as_torch(call, dtype):
    def fill(lib, value):
        dt = getattr(lib, dtype) if lib is torch else np.dtype(dtype)
        if call == "full":
            return lib.full((2,), value, dtype=dt)
        if call == "new_full":
            return lib.zeros(1, dtype=dt).new_full((2,), value)
        return lib.full_like(lib.zeros(2, dtype=dt), value)

    with pytest.raises(RuntimeError):
        fill(torch, 1 + 2j)
    with pytest.raises(ValueError, match=f"{call}: fill value .*imaginary part"):
        fill(tg, 1 + 2j)  # was 1 (NumPy's ComplexWarning), the 2j dropped
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 1+0j: its real part, as torch's, without a warning
        assert fill(tg, 1 + 0j).tolist() == fill(torch, 1 + 0j).tolist() == [1, 1]
    if dtype == "uint8":
        with pytest.raises(ValueError, match="does not fit uint8"):
            fill(tg, 1000 + 0j)


@pytest.mark.parametrize("value", [0, 1.5, 2**40, np.float32(0.5)])
def test_a_real_fill_value_into_a_complex_dtype_is_made_as_torch(value):
    # the fill check asked np.iinfo of a complex dtype: "ValueError: substring not found"
    c = tg.tensor(np.array([1 + 1j, 2]))
    want = torch.full((2,), value, dtype=torch.complex128).tolist()
    assert tg.full((2,), value, dtype=np.complex128).tolist() == want
    assert tg.full_like(c, value).tolist() == want
    assert c.new_full((2,), value).tolist() == want
    assert tg.full((2,), value, dtype=np.complex64).dtype == np.complex64
    with pytest.raises(ValueError, match="does not fit complex64"):
        tg.full((2,), 1e300, dtype=np.complex64)

"""A second skeptic's review of the shape/gather/scatter review's changes (fill_value, the uint8
index refusal, `**=` / `//=` / `%=` in place, repeat_interleave's one-argument form), against
torch 2.13. Each test marked "failed before" did: an int fill value past float16's range (100000)
became inf; 127.5 into int8 and 255.5 into uint8 were taken (torch refuses both); a jit replay
of masked_fill with a Tensor value skipped the range check (1e5 into float16 came out inf); a
uint8 tensor inside a list index (`x[[m]]`, a mask in torch) was read as positions; int32 counts
gave int64 indices; repeat_interleave(2.5) repeated twice; pow_'s error named `x = x + y`; -1
into uint8 claimed torch refuses it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")

MASK = np.array([True, False, True])


def _fill(op: str, x: tg.Tensor, value: object) -> tg.Tensor:
    if op == "masked_fill":
        return x.masked_fill(MASK, value)
    if op == "index_fill":
        return x.index_fill(0, tg.tensor([0, 2]), value)
    return x.scatter(0, tg.tensor([0, 2]), value=value)


def _torch_fill(op: str, x, value):
    if op == "masked_fill":
        return x.masked_fill(torch.tensor(MASK), value)
    if op == "index_fill":
        return x.index_fill(0, torch.tensor([0, 2]), value)
    return x.scatter(0, torch.tensor([0, 2]), value=value)


# ---- fill_value: what torch refuses is refused, what it takes is taken (failed before) --------
@pytest.mark.parametrize("op", ["masked_fill", "index_fill", "scatter"])
@pytest.mark.parametrize("dtype,value", [("float16", 100000), ("float16", 65505),
                                         ("float16", -(2**40)), ("int8", 127.5),
                                         ("uint8", 255.5), ("int16", 32767.5),
                                         ("int8", -128.5), ("uint8", -0.5)])
def test_a_value_torch_refuses_is_refused(op, dtype, value):
    with pytest.raises(RuntimeError, match="overflow"):
        _torch_fill(op, torch.zeros(3, dtype=getattr(torch, dtype)), value)
    with pytest.raises(ValueError, match=f"{op}: value .* does not fit the input's dtype {dtype}"):
        _fill(op, tg.tensor(np.zeros(3, dtype)), value)


@pytest.mark.parametrize("value", [100000, 2.0**20])
def test_a_tensor_value_past_float16_is_refused(value):
    """A 0-d int (or float) Tensor value: torch reads it with .item(), checked as a number."""
    with pytest.raises(RuntimeError, match="overflow"):
        torch.zeros(3, dtype=torch.float16).masked_fill(torch.tensor(MASK), torch.tensor(value))
    with pytest.raises(ValueError, match="does not fit the input's dtype float16"):
        tg.tensor(np.zeros(3, np.float16)).masked_fill(MASK, tg.tensor(value))


@pytest.mark.parametrize("dtype,value", [("float16", 65504), ("float16", 65504.0),
                                         ("float16", -0.0), ("int8", 127.0), ("int8", -128.0),
                                         ("int8", -0.5), ("uint8", 255), ("uint8", 0.9),
                                         ("int64", 2**63 - 1), ("int64", -(2.0**63)), ("bool", 2),
                                         ("bool", 0.5),
                                         ("float32", np.float64(3.4e38)), ("int32", np.uint8(7))])
def test_values_at_the_edges_are_torchs(dtype, value):
    """The ends of each dtype are taken (truncated), as torch takes them, bit for bit (-0.0)."""
    t = torch.zeros(3, dtype=getattr(torch, dtype)).masked_fill(torch.tensor(MASK), value)
    g = tg.tensor(np.zeros(3, dtype)).masked_fill(MASK, value)
    a, b = t.numpy(), np.asarray(g.data)
    assert a.dtype == b.dtype and np.array_equal(a, b), (a, b)
    assert np.array_equal(np.signbit(a.astype(float)), np.signbit(b.astype(float)))


def test_a_negative_int_into_uint8_is_refused_saying_what_torch_does():
    """torch 2.13 wraps -1 into uint8 around (255); refused here, without claiming torch refuses
    it (failed before: "torch refuses it too")."""
    t = torch.zeros(3, dtype=torch.uint8).masked_fill(torch.tensor(MASK), -1)
    assert t.tolist() == [255, 0, 255]
    with pytest.raises(ValueError, match="wraps a negative integer") as e:
        tg.tensor(np.zeros(3, np.uint8)).masked_fill(MASK, -1)
    assert "torch refuses" not in str(e.value)


def test_jit_replay_checks_a_tensor_fill_value():
    """A Tensor value is checked by an op, so a replayed step checks each call's value (failed
    before: recorded with 1.0, a replay of 1e5 into float16 gave inf, 1e300 into float32 too)."""
    for dtype, big in [(np.float16, 1e5), (np.float32, 1e300)]:
        step = jit(lambda x, v: x.masked_fill(MASK, v) * 1)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (a fallback to eager would not test the replay)
            for v in (1.0, 2.0):
                out = step(tg.tensor(np.zeros(3, dtype)), tg.tensor(np.float64(v)))
                assert out.data.tolist() == [v, 0.0, v]
            with pytest.raises(ValueError, match="does not fit the input's dtype"):
                step(tg.tensor(np.zeros(3, dtype)), tg.tensor(np.float64(big)))
        assert step.replays >= 1


def test_a_fill_value_tensor_keeps_its_gradient():
    """Through the check op and the cast: value's gradient is the sum where the mask is True,
    in value's dtype; x's where it is False, with a larger mask broadcast back to x's shape."""
    rng = np.random.default_rng(0)
    xa, m, w = rng.standard_normal((1, 3)).astype(np.float32), rng.random((4, 3)) > 0.4, \
        rng.standard_normal((4, 3))
    tx, tv = torch.tensor(xa, requires_grad=True), torch.tensor(1.5, dtype=torch.float64,
                                                                 requires_grad=True)
    (tx.masked_fill(torch.tensor(m), tv) * torch.tensor(w, dtype=torch.float32)).sum().backward()
    x, v = tg.tensor(xa, requires_grad=True), tg.tensor(1.5, requires_grad=True)
    out = x.masked_fill(m, v)
    assert out.dtype == np.float32 and out.shape == (4, 3)
    (out * tg.tensor(w.astype(np.float32))).sum().backward()
    gx, gv = np.asarray(x.grad), np.asarray(v.grad)
    assert gx.shape == (1, 3) and gx.dtype == np.float32 and gv.dtype == np.float64
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(gv, tv.grad.numpy(), rtol=1e-6)


# ---- a uint8 tensor inside a list index: torch's mask, NumPy's positions (failed before) -------
def test_a_uint8_tensor_inside_a_list_index_is_refused():
    m = np.array([1, 0, 1], np.uint8)
    with warnings.catch_warnings():  # (torch's deprecation warnings)
        warnings.simplefilter("ignore")
        assert torch.arange(3.0)[[torch.tensor(m)]].tolist() == [0.0, 2.0]  # torch: a mask
    x = tg.tensor(np.arange(3.0))
    with pytest.raises(IndexError, match="uint8 index tensor"):
        x[[tg.tensor(m)]]
    with pytest.raises(IndexError, match="uint8 index tensor"):
        x[[tg.tensor(m)]] = 0.0
    with pytest.raises(IndexError, match="uint8 index tensor"):
        tg.tensor(np.zeros((3, 3)))[:, [tg.tensor(m)]]
    assert x[[0, 2]].data.tolist() == [0.0, 2.0]  # a list of ints: positions, as before
    assert x[tg.tensor(m).bool()].data.tolist() == [0.0, 2.0]


# ---- repeat_interleave's one-argument form keeps int32 counts' dtype (failed before) --------
def test_repeat_interleave_one_argument_dtype():
    for dt, tdt in [(np.int32, torch.int32), (np.int64, torch.int64)]:
        t = torch.repeat_interleave(torch.tensor([1, 0, 3], dtype=tdt))
        g = tg.repeat_interleave(tg.tensor(np.array([1, 0, 3], dt)))
        assert str(t.dtype) == f"torch.{g.dtype}" and t.tolist() == g.data.tolist()


# ---- `**=` and friends ---------------------------------------------------------------------
def test_ipow_with_an_operand_that_requires_grad_names_pow():
    """(failed before: the error said `x = x + y`) A constant x is now recorded, as torch's
    (`x **= y` on a constant: x requires grad; torch: x [1, 4], y.grad 2.7726 = 4 ln 2); a
    leaf that requires grad is refused, as torch's, by a line naming pow_."""
    x, y = tg.tensor([1.0, 2.0]), tg.tensor(2.0, requires_grad=True)
    x **= y
    x.sum().backward()
    assert x.data.tolist() == [1.0, 4.0] and abs(y.grad - 4 * np.log(2.0)) < 1e-15
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Tensor\.pow_: a leaf Variable"):
        x **= tg.tensor(2.0, requires_grad=True)


def test_inplace_operators_write_through_aliases_and_views():
    base = tg.tensor(np.arange(6.0).reshape(2, 3))
    alias, row = base, base[1]
    row **= 2
    row //= 3
    row %= 4
    expect = torch.arange(6.0, dtype=torch.float64).reshape(2, 3)
    trow = expect[1]
    trow **= 2
    trow //= 3
    trow %= 4
    assert alias is base and np.array_equal(base.data, expect.numpy())
    with pytest.raises(ValueError, match="cannot broadcast"):
        x = tg.tensor([1.0, 2.0])
        x **= tg.tensor([[1.0], [2.0]])


@pytest.mark.parametrize("count", [2.5, 2.0, np.float64(2.0)])
def test_repeat_interleave_refuses_a_float_count(count):
    """torch refuses a float count; NumPy's repeat truncated 2.5 to 2 without a word (failed
    before: a tensor of floats was refused, a Python or NumPy float not)."""
    with pytest.raises(TypeError):
        torch.tensor([1.0, 2.0]).repeat_interleave(count)
    with pytest.raises(TypeError, match="repeat_interleave: repeats must be integers"):
        tg.tensor([1.0, 2.0]).repeat_interleave(count)
    with pytest.raises(TypeError, match="repeat_interleave: repeats must be integers"):
        tg.repeat_interleave(tg.tensor([1.0, 2.0]), count, dim=0)
    assert tg.tensor([1.0, 2.0]).repeat(2.5).data.tolist() == [1.0, 1.0, 2.0, 2.0]  # NumPy's

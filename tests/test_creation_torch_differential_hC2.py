"""Tensor creation and conversion against torch 2.13 (helper hC2): arange, linspace, logspace,
full, tensor/as_tensor from nested lists, the float-to-integer casts and randint's bounds.
Seeded random subsets of the hunt's drivers (torch with its default dtype float64, this
library's), and one named regression test per bug found.

Kept differences (docs/pytorch.md): an arange whose step has the wrong sign is empty
(NumPy's, torch raises); an integer dtype with a fractional arange step, and a value an
integer dtype cannot hold (arange, linspace, logspace), are refused where torch wraps or
truncates; torch's narrower integer aranges count from the untruncated float ends
(arange(-1.5, 3, dtype=int32) is [-1, 0, 1, 2, 3] there, [-1, 0, 1, 2] here as int64);
float values are start + i * step in float64, rounded once (torch's vectorized kernel adds
the step to a running base: 1-ulp differences).
"""

import random
import warnings
from fractions import Fraction

import numpy as np
import pytest
from oracle import torch_float64  # noqa: F401 (the fixture, by name)

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


pytestmark = pytest.mark.usefixtures("torch_float64")


def _outcome(lib, f):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = f(lib)
    except Exception as e:  # noqa: BLE001 - either library's refusal is compared
        return ("err", f"{type(e).__name__}: {e}")
    return (str(r.dtype).replace("torch.", ""), np.array(r.numpy()))


def _number(rng):
    k = rng.random()
    if k < 0.4:
        return rng.randint(-20, 20)
    if k < 0.75:
        return round(rng.uniform(-20, 20), rng.choice([0, 1, 2, 3]))
    return rng.choice([0.1, 0.2, 0.3, 1 / 3, 0.7, 2.5, -0.5])


def _step(rng):
    if rng.random() < 0.5:
        return rng.choice([1, 2, 3, -1, -2, 5, -7])
    return rng.choice([0.1, 0.2, 0.3, 1 / 3, 0.25, 2.5, -0.5, -0.1, -0.3, 1.5, 2.0, -1.0])


def _arange(lib, form, s, e, st, dt):
    kw = {} if dt is None else {"dtype": getattr(lib, dt)}
    if form == 0:
        return lib.arange(e, **kw)
    return lib.arange(s, e, **kw) if form == 1 else lib.arange(s, e, st, **kw)


@pytest.mark.parametrize("seed", range(4))
def test_arange_random_against_torch(seed):
    rng = random.Random(seed)
    compared = 0
    for _ in range(300):
        s, e, st = _number(rng), _number(rng), _step(rng)
        dt = rng.choice([None, "int64", "float32", "float64"])
        form = rng.randint(0, 2)
        ours = _outcome(tg, lambda L: _arange(L, form, s, e, st, dt))  # noqa: B023
        theirs = _outcome(torch, lambda L: _arange(L, form, s, e, st, dt))  # noqa: B023
        case = f"arange form {form}: {s!r}, {e!r}, {st!r}, dtype={dt}"
        if theirs[0] == "err":
            if "inconsistent" in theirs[1]:  # NumPy's empty arange, kept
                assert ours[0] == "err" or ours[1].size == 0, case
            else:
                assert ours[0] == "err", case
            continue
        if ours[0] == "err":  # only the documented refusal of a fractional integer step
            assert "whole number" in ours[1] and dt == "int64", (case, ours[1])
            continue
        assert ours[0] == theirs[0] and ours[1].shape == theirs[1].shape, (case, ours, theirs)
        eps = np.finfo(ours[0]).eps if ours[0].startswith("float") else 0.0
        np.testing.assert_allclose(ours[1].astype(np.float64), theirs[1].astype(np.float64),
                                   rtol=0, atol=4 * eps * max(1, abs(s), abs(e)), err_msg=case)
        compared += 1
    assert compared > 100


@pytest.mark.parametrize("seed", range(3))
def test_linspace_logspace_random_against_torch(seed):
    rng = random.Random(100 + seed)
    for _ in range(200):
        op = rng.choice(["linspace", "logspace"])
        s, e = _number(rng), _number(rng)
        n = rng.choice([0, 1, 2, 3, 4, 5, 10, 31])
        base = rng.choice([10.0, 2.0, 0.5, 3.0])
        dt = rng.choice([None, "float64", "int64", "int32"])
        if op == "logspace":
            s, e = s / 4, e / 4

        def make(L, op=op, s=s, e=e, n=n, base=base, dt=dt):
            kw = {} if dt is None else {"dtype": getattr(L, dt)}
            if op == "logspace":
                return L.logspace(s, e, n, base=base, **kw)
            return L.linspace(s, e, n, **kw)
        ours, theirs = _outcome(tg, make), _outcome(torch, make)
        case = f"{op}({s!r}, {e!r}, {n}, base={base}, dtype={dt})"
        if ours[0] == "err":  # a value the integer dtype cannot hold: torch's is garbage
            assert "does not fit" in ours[1], (case, ours[1])
            continue
        assert ours[0] == theirs[0] and ours[1].shape == theirs[1].shape, (case, ours, theirs)
        if ours[0].startswith("int"):  # torch steps integer linspace in float32: off by one
            assert np.abs(ours[1] - theirs[1]).max(initial=0) <= (op == "linspace"), case
        else:
            np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-13, atol=1e-13,
                                       err_msg=case)


def _leaf(rng, kinds):
    k = rng.choice(kinds)
    return {"b": rng.random() < 0.5, "i": rng.choice([0, 1, -3, 2**31, -2**40, 2**63 - 1]),
            "f": rng.choice([0.0, -0.0, 1.5, float("inf"), float("nan"), 1e308])}[k]


def _nested(rng, shape, kinds):
    if not shape:
        return _leaf(rng, kinds)
    out = [_nested(rng, shape[1:], kinds) for _ in range(shape[0])]
    return tuple(out) if rng.random() < 0.2 else out


@pytest.mark.parametrize("seed", range(3))
def test_tensor_from_nested_lists_against_torch(seed):
    rng = random.Random(200 + seed)
    for _ in range(300):
        shape = tuple(rng.randint(0, 3) for _ in range(rng.randint(0, 3)))
        data = _nested(rng, shape, rng.sample(["b", "i", "f"], rng.randint(1, 3)))
        dt = rng.choice([None, None, None, "float32", "int64", "float64", "bool"])
        fn = rng.choice(["tensor", "as_tensor"])

        def make(L, fn=fn, dt=dt, data=data):
            return getattr(L, fn)(data, **({} if dt is None else {"dtype": getattr(L, dt)}))
        ours, theirs = _outcome(tg, make), _outcome(torch, make)
        case = f"{fn}({data!r:.80}, dtype={dt})"
        assert (ours[0] == "err") == (theirs[0] == "err"), (case, ours, theirs)
        if ours[0] != "err":
            assert ours[0] == theirs[0], (case, ours[0], theirs[0])
            np.testing.assert_array_equal(ours[1], theirs[1], err_msg=case)


# ---- the bugs found, one test each ------------------------------------------------------------
@pytest.mark.parametrize("args", [(5.9,), (-1.5, 3), (-1.5, 3.7, 2), (3.038,), (-71.5, -16.35)])
def test_integer_arange_truncates_its_ends_first(args):
    """NumPy counted ceil((stop - start) / step) from the float ends: arange(5.9, dtype=int64)
    had 6 values, torch's 5; arange(-1.5, 3.7, 2) was [-1, 0, 1] where torch's is [-1, 1]."""
    ours = tg.arange(*args, dtype=tg.int64)
    assert ours.dtype == np.int64
    assert ours.tolist() == torch.arange(*args, dtype=torch.int64).tolist()


def test_narrow_integer_arange_with_a_fractional_start_keeps_its_step():
    """NumPy stepped int16 / uint8 by int(start + step) - int(start): arange(-0.5, 8,
    dtype=int16) was eight zeros."""
    assert tg.arange(-0.5, 8, dtype=tg.int16).tolist() == list(range(8))
    assert tg.arange(-0.9, 13.6, 2, dtype=tg.uint8).tolist() == list(range(0, 14, 2))


def test_float_arange_is_start_plus_i_step():
    """NumPy stepped by (start + step) - start, whose rounding grew with i: arange(-11, 0.7,
    0.3)[39] was 0.70000000000000273 off by 2.7e-14; torch's is start + i * step."""
    got = tg.arange(-11.0, 0.7, 0.3).numpy()
    want = [float(Fraction(-11.0) + i * Fraction(0.3)) for i in range(39)]  # rounded once
    np.testing.assert_allclose(got, want, rtol=2.3e-16, atol=0)  # (as torch's fused multiply-add)
    np.testing.assert_allclose(got, torch.arange(-11.0, 0.7, 0.3).numpy(), rtol=0, atol=4e-15)


@pytest.mark.parametrize("args, match", [((0, 5, 0), "step must be nonzero"),
                                         ((0, float("inf")), "must be finite"),
                                         ((0, float("nan")), "must be finite")])
def test_arange_refusals_name_the_call(args, match):
    with pytest.raises(ValueError, match=f"arange: .*{match}"):
        tg.arange(*args)


def test_uint8_arange_below_zero_is_refused():
    """torch wraps arange(-2, 2, dtype=uint8) to [254, 255, 0, 1] without a word (NumPy
    raised naming neither the call nor a fix); arange(250, 260, dtype=uint8) wrapped too."""
    with pytest.raises(ValueError, match="arange: values -2 to 1 do not all fit uint8"):
        tg.arange(-2, 2, dtype=tg.uint8)
    with pytest.raises(ValueError, match="do not all fit uint8"):
        tg.arange(250, 260, dtype=tg.uint8)


def test_integer_linspace_refuses_a_value_its_dtype_cannot_hold():
    """linspace(0, 300, 4, dtype=uint8) was [0, 100, 200, 44] (torch raises)."""
    with pytest.raises(ValueError, match="linspace: value 300.0 does not fit uint8"):
        tg.linspace(0, 300, 4, dtype=tg.uint8)
    with pytest.raises(ValueError, match="does not fit uint8"):
        tg.linspace(-3, 3, 4, dtype=tg.uint8)


def test_linspace_refuses_a_float_count():
    """linspace(0, 1, 2.7) made 2 points (int(2.7)); torch and NumPy refuse a float."""
    with pytest.raises(TypeError, match="linspace: steps must be an int"):
        tg.linspace(0, 1, 2.7)


@pytest.mark.parametrize("args", [(1.5, 1.35, 2, 3.0), (0.4, 0.8, 2, 0.5), (2.5, -0.05, 5, 3.0),
                                  (1.5, 1.35, 1, 3.0)])
def test_integer_logspace_truncates_its_ends_as_torch(args):
    """logspace(1.5, 1.35, 2, base=3, dtype=int16) was [5, 4], torch's [3, 3]: torch
    truncates the ends to integers first (one step: base ** start, as given)."""
    s, e, n, base = args
    ours = tg.logspace(s, e, n, base=base, dtype=tg.int16)
    assert ours.tolist() == torch.logspace(s, e, n, base=base, dtype=torch.int16).tolist()


def test_integer_logspace_refuses_an_overflow():
    """logspace(0, 3, 4, dtype=uint8)'s 1000 was 232 (torch's too, without a word)."""
    with pytest.raises(ValueError, match="logspace: value 1000.0 does not fit uint8"):
        tg.logspace(0, 3, 4, dtype=tg.uint8)


def test_full_refuses_a_python_int_past_int64():
    """full((2,), 2**63) was uint64 (NumPy's); torch refuses, as tg.tensor([2**63]) does."""
    with pytest.raises(OverflowError, match="full: the Python int fill value"):
        tg.full((2,), 2**63)
    assert tg.full((2,), 2**63, dtype=tg.float64).dtype == np.float64
    assert tg.full((2,), -2**63).dtype == np.int64


def test_tensor_with_torch_sizes_is_refused():
    """Tensor(2, 3) (torch.Tensor's sizes) was a 0-d 2.0 that required grad, unsaid."""
    with pytest.raises(TypeError, match=r"Tensor\(2, 3\): requires_grad must be a bool"):
        tg.Tensor(2, 3)
    assert tg.Tensor(2, True).requires_grad and not tg.Tensor(2, False).requires_grad


def test_nan_cast_to_int_warns_at_the_callers_line():
    """.long() of NaN gives torch's int64 minimum; NumPy's warning named neither the cast
    nor the caller's line (torch says nothing)."""
    t = tg.tensor([1.5, float("nan"), float("inf")])
    with pytest.warns(RuntimeWarning, match="to int64: nan .* has no int64 value") as rec:
        got = t.long()
    assert rec[0].filename == __file__
    assert got.tolist() == torch.tensor([1.5, float("nan"), float("inf")]).long().tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tg.tensor([1.7, -1.7, 300.0]).long().tolist() == [1, -1, 300]


def test_randint_refuses_a_fractional_bound():
    """randint(2.5, (3,)) drew from [0, 2) without a word (torch refuses a float bound)."""
    with pytest.raises(TypeError, match="randint: high=2.5 is not a whole number"):
        tg.randint(2.5, (3,))
    with pytest.raises(TypeError, match="randint: low=0.5"):
        tg.randint(0.5, 3, (3,))


def test_tensor_refusals_name_the_call():
    with pytest.raises(ValueError, match=r"tensor\(\): cannot make an array from"):
        tg.tensor([[1], [2, 3]])
    with pytest.raises(ValueError, match=r"as_tensor\(\): cannot make an array of dtype int64"):
        tg.as_tensor([float("nan")], dtype=tg.int64)


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor",
                                  "IntTensor", "ByteTensor", "BoolTensor"])
def test_type_takes_torchs_tensor_type_names(name):
    """x.type(torch.LongTensor) (old course code) was refused: not a NumPy dtype."""
    x = [1.5, -2.5, 0.0]
    for spec in (getattr(torch, name), f"torch.{name}"):
        ours, theirs = tg.tensor(x).type(spec), torch.tensor(x).type(spec)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), spec
        assert ours.tolist() == theirs.tolist(), spec


def test_numpy_takes_torchs_force():
    """x.numpy(force=True) (torch's: detach first) was a TypeError here."""
    x = tg.tensor([1.5, 2.0], requires_grad=True)
    np.testing.assert_array_equal(x.numpy(force=True), [1.5, 2.0])
    np.testing.assert_array_equal((x * 2).numpy(force=True), [3.0, 4.0])


def test_clone_and_contiguous_take_torchs_memory_format():
    """x.clone(memory_format=torch.contiguous_format) was a TypeError here (torch's default
    formats are this library's one layout; channels_last stays refused)."""
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    for fmt in (torch.contiguous_format, torch.preserve_format):
        assert x.clone(memory_format=fmt).tolist() == x.tolist()
        assert x.T.contiguous(memory_format=fmt).data.flags.c_contiguous
        assert x.is_contiguous(memory_format=fmt)
    with pytest.raises(ValueError, match="contiguous: memory_format=torch.channels_last"):
        x.contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("args", [(4.88, 4.25, 3), (-1, -1.23, 1), (5.1, 5, 3)])
def test_integer_range_checks_the_step_sign_on_the_ends_given(args):
    """tg.range(4.88, 4.25, 3, dtype=int32) was [4] (the ends truncated first); torch raises."""
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        with pytest.raises(ValueError, match="inconsistent with step sign"):
            tg.range(*args, dtype=tg.int32)
    with pytest.raises(RuntimeError, match="inconsistent with step"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.range(*args, dtype=torch.int32)


def test_to_takes_torchs_positional_non_blocking_and_copy():
    """t.to(torch.float64, False, True) (dtype, non_blocking, copy) was refused: False read
    as neither a dtype nor a device."""
    t = tg.tensor([1.5, 2.5])
    assert t.to(tg.float64, False, True) is not t and t.to(tg.float64, False, False) is t
    assert t.to("cpu", tg.float32, False, True).dtype == np.float32
    assert t.to(t, True) is t
    with pytest.raises(TypeError, match="only non_blocking and copy may follow"):
        t.to(tg.float32, False, True, True)


def test_a_0d_integer_tensor_is_a_size():
    """tg.zeros(torch.tensor(2))'s torch spelling raised 'iteration over a 0-d tensor'."""
    n = tg.tensor(2)
    assert tg.zeros(n).shape == tuple(torch.zeros(torch.tensor(2)).shape) == (2,)
    assert tg.randn(n, 3).shape == (2, 3) and tg.ones(tg.tensor([2, 3])).shape == (2, 3)


def test_arange_takes_end_alone():
    """torch's arange(end=5) was a TypeError (start was required)."""
    assert tg.arange(end=5).tolist() == torch.arange(end=5).tolist() == [0, 1, 2, 3, 4]
    assert tg.arange(end=5, step=2).tolist() == [0, 2, 4]
    with pytest.raises(TypeError, match="arange: expects"):
        tg.arange()

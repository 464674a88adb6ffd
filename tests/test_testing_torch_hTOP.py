"""torch's top-level names a course user reaches for: tg.testing.assert_close and make_tensor
(torch.testing's), the constants tg.pi / e / inf / nan / newaxis, and tg.conv3d,
conv_transpose3d, max_pool3d, rrelu_ (torch's top-level spellings of F's ops), against torch
2.13 over seeded random configurations."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest
from oracle import mismatch, one_line, torch_float64  # noqa: F401 (the fixture)

import tinygrad_dl as tg
import tinygrad_dl.testing as tgt

torch = pytest.importorskip("torch")


def _outcome(fn: Any, *args: Any, **kw: Any) -> tuple[str, str]:
    """(exception type name or "ok", its message with torch's dtype/shape spellings made ours)."""
    try:
        fn(*args, **kw)
    except (AssertionError, ValueError, TypeError) as err:
        msg = str(err)
        msg = re.sub(r"torch\.Size\(\[([^\]]*)\]\)",
                     lambda m: str(tuple(int(v) for v in m.group(1).split(", ") if v)), msg)
        msg = re.sub(r"torch\.(\w+)", r"\1", msg)
        # numbers to 10 digits: complex |a - e| rounds differently in the last bit
        msg = re.sub(r"\d+\.\d+(e[-+]\d+)?", lambda m: f"{float(m.group(0)):.10g}", msg)
        return type(err).__name__, msg
    return "ok", ""


def _both(a: Any, e: Any, wrap: str, **kw: Any) -> tuple[tuple[str, str], tuple[str, str]]:
    """assert_close on (a, e) as torch tensors vs ours as Tensors (or both as ndarrays)."""
    if wrap == "tensor":
        ta, te, oa, oe = torch.from_numpy(a), torch.from_numpy(e), tg.Tensor(a), tg.Tensor(e)
    else:
        ta, te, oa, oe = a, e, a, e
    return (_outcome(torch.testing.assert_close, ta, te, **kw),
            _outcome(tg.testing.assert_close, oa, oe, **kw))


DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int32, np.uint8, np.bool_,
          np.complex128]


def _draw(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    shape = [(), (1,), (5,), (2, 3), (3, 1, 4)][rng.integers(5)]
    dt = np.dtype(DTYPES[rng.integers(len(DTYPES))])
    if dt.kind == "b":
        a = rng.integers(0, 2, shape).astype(bool)
        e = a.copy()
        if a.size and rng.random() < 0.5:
            e.flat[rng.integers(a.size)] ^= True
    elif dt.kind in "iu":
        a = rng.integers(0, 50, shape).astype(dt)
        e = a.copy()
        if a.size and rng.random() < 0.5:
            e.flat[rng.integers(a.size)] += dt.type(rng.integers(1, 5))
    else:
        a = (rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4)).astype(dt)
        if dt.kind == "c":
            a = a + 1j * rng.standard_normal(shape)
        scale = [0.0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1.0][rng.integers(7)]
        noise = rng.standard_normal(shape) * scale * (rng.random(shape) < 0.6)
        e = (a + noise * np.abs(a) + noise * 1e-3).astype(dt)
        if a.size and rng.random() < 0.2:  # specials
            k = rng.integers(a.size)
            v = [np.nan, np.inf, -np.inf][rng.integers(3)]
            a.flat[k] = v
            if rng.random() < 0.5:
                e.flat[k] = v
        if a.size and rng.random() < 0.1:
            e.flat[rng.integers(a.size)] = 0.0
    kw: dict[str, Any] = {}
    if rng.random() < 0.3 and dt.kind in "fc":
        kw["rtol"], kw["atol"] = 10.0 ** rng.integers(-8, -1), 10.0 ** rng.integers(-8, -1)
    if rng.random() < 0.3:
        kw["equal_nan"] = True
    if rng.random() < 0.15:  # another dtype: refused, or promoted with check_dtype=False
        e = e.astype({"f4": np.float64, "c16": np.complex64}.get(dt.str[1:], np.float32))
        kw["check_dtype"] = bool(rng.random() < 0.5)
    if rng.random() < 0.05 and a.ndim:  # another shape
        e = np.concatenate([e, e], axis=-1)
    return np.ascontiguousarray(a), np.ascontiguousarray(e), kw


@pytest.mark.slow  # (about a second each)
@pytest.mark.parametrize("wrap", ["tensor", "ndarray"])
def test_assert_close_matches_torch_on_random_pairs(wrap):
    """600 random pairs per wrapping: the same pass / fail, exception type and message."""
    rng = np.random.default_rng(20261207)
    failed = 0
    for case in range(600):
        a, e, kw = _draw(rng)
        theirs, ours = _both(a, e, wrap, **kw)
        assert ours == theirs, (case, a, e, kw, theirs, ours)
        failed += theirs[0] != "ok"
    assert 100 < failed < 500  # (both outcomes drawn often)


def test_assert_close_numbers_bools_none_and_nesting_match_torch():
    t1, t2 = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 3.0])
    cases = [
        (1.0, 1.0 + 1e-8, {}), (1.0, 1.0 + 1e-6, {}), (1, 1, {}), (1, 2, {}), (1, 1.0, {}),
        (1, 1.0, {"check_dtype": False}), (0.0, 1e-9, {}), (1e-10, 1e-9, {}),
        (math.nan, math.nan, {}), (math.nan, math.nan, {"equal_nan": True}),
        (math.inf, math.inf, {}), (math.inf, -math.inf, {}), (1 + 1j, 1 + 1j, {}),
        (1 + 1j, 1 + 2j, {}), (np.float32(1.5), 1.5, {}), (np.float32(1.5), 1.6, {}),
        (np.int64(3), 3, {}), (True, True, {}), (True, False, {}), (np.bool_(True), True, {}),
        (None, None, {}), (None, 1, {}), ("a", "a", {}), (1.0, 1.1, {"rtol": 0.2}),
        (1.0, 1.1, {"rtol": 0.2, "atol": 0.0}), (1.0, 1.1, {"atol": 0.2, "rtol": 0.0}),
        ([1.0, 2.0], (1.0, 2.0), {}), ([1.0, 2.0], [1.0], {}),
        ([1.0, [2.0, 3.0]], [1.0, [2.0, 3.1]], {}),
        ({"a": 1.0, "b": 2.0}, {"b": 2.0, "a": 1.0}, {}), ({"a": 1.0}, {"b": 1.0}, {}),
        ({"w": t1, "b": [t1, 2]}, {"w": t1, "b": [t2, 2]}, {}),
        ([t1, 1.0, t1], [t2, 1.5, t2], {}), (t1, t2, {"msg": "custom"}),
        (t1, t2, {"msg": lambda m: f"Header\n\n{m}\n\nFooter"}),
        ([t1, t1], [t1, t2], {"msg": lambda m: m.upper()}), (t1, [1.0, 2.0, 3.0], {}),
        (t1, 1.0, {}), (np.array(1.0), np.array(1.0 + 1e-3), {}),
        (np.ones((2, 3)), np.ones((3, 2)).T, {"check_stride": True}),
        (np.ones((2, 3)), np.ones((3, 2)).T, {}),
        (np.zeros((0, 3)), np.zeros((0, 3)), {}), (np.zeros((0, 3)), np.zeros((3, 0)), {}),
        # integers and bools: exact by default, unsigned differences not wrapped, no float64
        # rounding of int64s; with tolerances, compared as torch compares them
        (np.array([True]), np.array([False]), {"rtol": 0.5, "atol": 1.0}),
        (np.array([True]), np.array([False]), {}),
        (np.uint8([0, 5]), np.uint8([255, 5]), {}),
        (np.uint8([0, 5]), np.uint8([255, 5]), {"rtol": 0.5, "atol": 1.0}),
        (np.int64([2**62, 1]), np.int64([2**62 + 1, 1]), {}),
        (np.int64([2**62, 1]), np.int64([2**62 + 1, 1]), {"rtol": 0.5, "atol": 1.0}),
        (np.int32([3, 4]), np.float32([3, 4.5]), {"check_dtype": False}),
        (np.int64([3, 4]), np.float16([3, 4.002]), {"check_dtype": False}),
    ]
    for i, (a, e, kw) in enumerate(cases):
        theirs = _outcome(torch.testing.assert_close, a, e, **kw)
        ours = _outcome(tg.testing.assert_close, a, e, **kw)
        assert ours == theirs, (i, a, e, kw, theirs, ours)


def test_assert_close_our_tensors_where_torch_has_its_own():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    tg.testing.assert_close(x * 1, tg.tensor([1.0, 2.0]))  # (requires_grad: ignored, as torch)
    with pytest.raises(TypeError, match="No comparison pair"):  # (Tensor vs ndarray: torch's)
        tg.testing.assert_close(x, np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="No comparison pair"):
        tg.testing.assert_close(tg.tensor(1.0), 1.0)
    with pytest.raises(AssertionError, match="attribute 'dtype' do not match: float32 != fl"):
        tg.testing.assert_close(tg.tensor([1.0], dtype=tg.float32), tg.tensor([1.0]))
    with pytest.raises(AssertionError, match=re.escape("Greatest absolute difference: 0.5 at "
                                                       "index (1, 0) (up to 1e-07 allowed)")):
        tg.testing.assert_close(tg.ones(2, 2), tg.tensor([[1.0, 1.0], [1.5, 1.0]]))
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol'"):
        tg.testing.assert_close(tg.ones(2), tg.ones(2), rtol=1e-3)
    # a model's state dict against itself and a perturbed copy
    m = tg.nn.Linear(3, 2)
    sd = m.state_dict()
    tg.testing.assert_close(sd, {k: v.copy() for k, v in sd.items()})
    with pytest.raises(AssertionError, match=r"item \[.b.\]"):
        tg.testing.assert_close(sd, {k: v + (k == "b") * 1e-3 for k, v in sd.items()})


def test_make_tensor_follows_torch_law_and_refusals():
    rng_cases = 0
    for dt, lo, hi in [(tg.float64, None, None), (tg.float32, -1, 1), (tg.int64, None, None),
                       (tg.uint8, None, None), (tg.bool, None, None), (tg.int8, -500, 500),
                       (tg.float32, 2.5, 2.75), (tg.int32, 0.5, 3.2), (tg.complex128, 0, 1),
                       (tg.float64, -1e308, 1e308)]:
        t = tg.testing.make_tensor(40, 50, dtype=dt, low=lo, high=hi)
        ref = torch.testing.make_tensor(40, 50, dtype=getattr(torch, np.dtype(dt).name
                                                              .replace("bool", "bool")),
                                        device="cpu", low=lo, high=hi)
        a, r = t.data, ref.numpy()
        assert a.shape == r.shape == (40, 50) and a.dtype == r.dtype, (dt, a.dtype, r.dtype)
        parts = [a.real, a.imag] if a.dtype.kind == "c" else [a]
        rparts = [r.real, r.imag] if r.dtype.kind == "c" else [r]
        for p, q in zip(parts, rparts):  # the same support: min/max within torch's [low, high)
            p, q = p.astype(np.float64), q.astype(np.float64)
            lo_t, hi_t = q.min(), q.max()
            slack = 0.05 * hi_t - 0.05 * lo_t  # (no overflow at +-1e308)
            assert p.min() >= lo_t - slack and p.max() <= hi_t + slack, (dt, lo, hi)
            assert len(np.unique(p)) > 1
            if a.dtype.kind in "biu":  # every integer of [low, high) drawn, as torch's
                assert set(np.unique(p)) == set(np.unique(q)), (dt, lo, hi)
        rng_cases += 1
    assert rng_cases == 10
    tg.manual_seed(3)
    x = tg.testing.make_tensor((2, 3), dtype=tg.float32, requires_grad=True, noncontiguous=True)
    assert x.requires_grad and x.shape == (2, 3) and not x.data.flags.c_contiguous
    tg.manual_seed(3)
    y = tg.testing.make_tensor([2, 3], dtype=tg.float32, device="cpu", noncontiguous=True)
    np.testing.assert_array_equal(x.data, y.data)  # (seeded by tg.manual_seed)
    z = tg.testing.make_tensor(500, dtype=tg.int64, low=-1, high=2, exclude_zero=True)
    assert set(np.unique(z.data)) == {-1, 1}
    f = tg.testing.make_tensor(500, dtype=tg.float16, low=0, high=1e-7, exclude_zero=True)
    assert (f.data != 0).all()
    for kw in [dict(dtype=tg.int64, requires_grad=True), dict(dtype=tg.float32, low=2, high=1),
               dict(dtype=tg.float32, low=math.nan), dict(dtype=tg.uint8, low=300, high=400)]:
        tdt = getattr(torch, np.dtype(kw["dtype"]).name)
        with pytest.raises(ValueError) as theirs:
            torch.testing.make_tensor(3, **{**kw, "dtype": tdt}, device="cpu")
        with pytest.raises(ValueError) as ours:
            tg.testing.make_tensor(3, **kw)
        assert str(ours.value).split(",")[0] == str(theirs.value).split(",")[0].replace(
            "torch.", ""), (str(ours.value), str(theirs.value))
    with pytest.raises(RuntimeError) as e:
        tg.testing.make_tensor(3, dtype=tg.float32, device="cuda")
    one_line(e, "make_tensor", "cuda")


@pytest.mark.slow  # (a fresh interpreter: about 2 s)
def test_testing_needs_no_hypothesis_and_is_torch_testing():
    code = ("import sys; sys.modules['hypothesis'] = None\n"
            "import tinygrad_dl as torch\n"
            "torch.testing.assert_close(1.0, 1.0)\n"
            "torch.testing.assert_close(torch.testing.make_tensor(2, dtype=torch.float32), "
            "torch.ones(2, dtype=torch.float32), rtol=100.0, atol=100.0)\n"
            "from tinygrad_dl.testing import assert_close, check_grad, make_tensor\n"
            "from tinygrad_dl.testing.edges import EDGES\n"
            "assert EDGES and not hasattr(torch.testing, 'arrays')\n"
            "try:\n    from tinygrad_dl.testing import arrays\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "needs hypothesis" in out.stdout and "tinygrad_dl[testing]" in out.stdout
    assert tg.testing is tgt and tg.testing.assert_close is tgt.comparison.assert_close
    from tinygrad_dl.testing import arrays, shapes  # noqa: F401 (with hypothesis: the kit)


def test_constants_are_torchs():
    for n in ("pi", "e", "inf", "nan", "newaxis"):
        ours, theirs = getattr(tg, n), getattr(torch, n)
        assert type(ours) is type(theirs) and (ours == theirs or ours != ours and theirs != theirs)
        assert n in tg.__all__
    x = tg.arange(6.0).reshape(2, 3)
    assert x[:, tg.newaxis].shape == (2, 1, 3)


@pytest.mark.usefixtures("torch_float64")
def test_top_level_aliases_match_torch():
    rng = np.random.default_rng(5)
    compared = 0
    for _ in range(6):
        s = tuple(int(v) for v in rng.integers(1, 3, 3))
        x = rng.standard_normal((2, 2, 3 + s[0], 3 + s[1], 3 + s[2]))
        w = rng.standard_normal((3, 2, 2, 2, 2))
        wt = rng.standard_normal((2, 3, 2, 2, 2))
        b = rng.standard_normal(3)
        stride, pad = int(rng.integers(1, 3)), int(rng.integers(0, 2))
        for name, args, kwargs in [("conv3d", (w, b, stride, pad), {}),
                                   ("conv_transpose3d", (wt, b, stride, pad), {}),
                                   ("max_pool3d", (2, stride, pad if pad < 1 else 1, 1, True), {})]:
            tx = torch.tensor(x, requires_grad=True)
            ox = tg.Tensor(x, requires_grad=True)
            targs = [torch.tensor(v) if isinstance(v, np.ndarray) else v for v in args]
            oargs = [tg.Tensor(v) if isinstance(v, np.ndarray) else v for v in args]
            t = getattr(torch, name)(tx, *targs, **kwargs)
            o = getattr(tg, name)(ox, *oargs, **kwargs)
            assert mismatch(o.data, t.detach().numpy()) is None, name
            g = rng.standard_normal(t.shape)
            t.backward(torch.tensor(g))
            o.backward(g)
            assert mismatch(ox.grad, tx.grad.numpy()) is None, name
            compared += 1
    assert compared == 18
    x = rng.standard_normal((4, 5))
    tx, ox = torch.tensor(x), tg.Tensor(x.copy())  # (Tensor(x) shares x)
    assert torch.rrelu_(tx, 0.1, 0.3, False) is tx and tg.rrelu_(ox, 0.1, 0.3, False) is ox
    assert mismatch(ox.data, tx.numpy()) is None
    ox2 = tg.Tensor(x.copy())
    tg.rrelu_(ox2, 0.1, 0.3, True, tg.Generator().manual_seed(1))  # (5th: the generator)
    neg = x < 0
    ratio = ox2.data[neg] / x[neg]
    assert ((ratio >= 0.1) & (ratio < 0.3)).all() and (ox2.data[~neg] == x[~neg]).all()
    with pytest.raises(TypeError) as e:
        tg.rrelu_(tg.Tensor(x.copy()), 0.1, 0.3, 1)
    one_line(e, "rrelu_", "training")


def test_frombuffer_shares_memory_and_refuses_as_torch():
    rng = np.random.default_rng(9)
    compared, refused = 0, 0
    for _ in range(40):
        dt = [np.float32, np.float64, np.int16, np.uint8][rng.integers(4)]
        n = int(rng.integers(1, 9))
        raw = bytearray(rng.standard_normal(n).astype(dt).tobytes() + bytes(int(rng.integers(3))))
        item = np.dtype(dt).itemsize
        offset = int(rng.integers(0, len(raw) + 2))
        count = int(rng.integers(-1, n + 2))
        tdt = getattr(torch, np.dtype(dt).name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = _outcome(torch.frombuffer, bytearray(raw), dtype=tdt, count=count,
                              offset=offset)
        ours = _outcome(tg.frombuffer, raw, dtype=dt, count=count, offset=offset)
        assert ours[0] == theirs[0], (raw, dt, count, offset, theirs, ours)
        if ours[0] == "ok":
            t = torch.frombuffer(bytearray(raw), dtype=tdt, count=count, offset=offset)
            o = tg.frombuffer(raw, dtype=dt, count=count, offset=offset)
            np.testing.assert_array_equal(o.data, t.numpy())
            o.data[...] = 1  # (shared: written through to the bytearray)
            k = o.data.size * item
            assert raw[offset:offset + k] == np.ones(o.data.size, dt).tobytes()
        else:
            assert ours[1].startswith("frombuffer: ") and theirs[1] in ours[1], (theirs, ours)
            refused += 1
        compared += 1
    assert compared == 40 and 5 < refused < 35
    w = tg.frombuffer(bytearray(np.ones(3).tobytes()), dtype=tg.float64, requires_grad=True)
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 2.0, 2.0])
    with pytest.raises(ValueError) as e:  # (bytes: read-only, in-place ops refuse it)
        tg.frombuffer(b"abcd", dtype=tg.uint8).add_(1)
    one_line(e, "read-only")



@pytest.mark.usefixtures("torch_float64")
def test_more_top_level_spellings_match_torch():
    """torch.ctc_loss (reduction an int, default 0), adaptive_max_pool1d (always a pair) and
    the in-place dropouts, against torch: values, gradients, identity of the result."""
    rng = np.random.default_rng(11)
    for case in range(12):
        T, N, C = int(rng.integers(4, 8)), int(rng.integers(1, 4)), int(rng.integers(3, 6))
        lp = np.log(rng.dirichlet(np.ones(C), (T, N)))
        tl = [int(v) for v in rng.integers(1, 3, N)]
        tgt = rng.integers(1, C, (N, max(tl)))
        il = [int(v) for v in rng.integers(T - 1, T + 1, N)]
        red = [(), (0,), (1,), (2,)][case % 4]
        tx, ox = torch.tensor(lp, requires_grad=True), tg.Tensor(lp, requires_grad=True)
        t = torch.ctc_loss(tx, torch.tensor(tgt), il, tl, 0, *red)
        o = tg.ctc_loss(ox, tg.tensor(tgt), il, tl, 0, *red)
        assert mismatch(o.data, t.detach().numpy()) is None, (case, red)
        t.sum().backward()
        o.sum().backward()
        assert mismatch(ox.grad, tx.grad.numpy()) is None, (case, red)
        x = rng.standard_normal((2, 3, int(rng.integers(3, 9))))
        size = int(rng.integers(1, 4))
        (tv, ti), (ov, oi) = torch.adaptive_max_pool1d(torch.tensor(x), size), \
            tg.adaptive_max_pool1d(tg.Tensor(x), size)
        assert mismatch(ov.data, tv.numpy()) is None and (oi.data == ti.numpy()).all()
    with pytest.raises(TypeError) as e:
        tg.ctc_loss(tg.Tensor(lp), tg.tensor(tgt), il, tl, 0, "mean")
    one_line(e, "ctc_loss", "reduction")
    for name in ("dropout_", "alpha_dropout_", "feature_alpha_dropout_"):
        x = rng.standard_normal((2, 3, 4))
        o, t = tg.Tensor(x.copy()), torch.tensor(x)
        assert getattr(tg, name)(o, 0.5, False) is o and getattr(torch, name)(t, 0.5, False) is t
        assert (o.data == x).all()  # (not training: unchanged, as torch's)
        assert getattr(tg, name)(o, 0.5, True) is o
        assert (o.data != x).any()  # (training: written in place)
        with pytest.raises(TypeError) as e:
            getattr(tg, name)(o, 0.5, 1)
        one_line(e, name, "train")

"""Review of the printing hunt (hPR): a summarized repr reads only the entries it shows (np.take
copied a transposed, reversed or broadcast array whole first), nothing the "..." hides decides
the format (sci_mode=False's fixed switch read one hidden entry per axis), NumPy's own
linewidth does not reach the repr, and sci_mode=False prints a complex >= 1e8 fixed, as a float
(and torch). Seeded differential: the shown entries against NumPy's own summary of the whole
array, and the numbers against torch 2.13's text."""

import re
import tracemalloc
from decimal import Decimal

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.tensor.printing import PRINT_OPTIONS, render


@pytest.fixture(autouse=True)
def _default_options():
    saved = np.get_printoptions()
    yield
    tg.set_printoptions(profile="default", sci_mode=None)
    np.set_printoptions(**saved)


def _hidden_replaced(a: np.ndarray, edge: int, value: float) -> np.ndarray:
    """`a` with every entry a summary hides (inside some axis' "...") set to `value`."""
    b = np.array(a)
    mask = np.zeros(a.shape, bool)
    for ax, n in enumerate(a.shape):
        if n > 2 * edge:
            idx = [slice(None)] * a.ndim
            idx[ax] = slice(edge, n - edge)
            mask[tuple(idx)] = True
    with np.errstate(over="ignore", invalid="ignore"):  # (1e9 as float16: inf, hidden too)
        b[mask] = value
    return b


# ---- named regressions ----------------------------------------------------------------------
@pytest.mark.parametrize("view", ["transposed", "reversed", "broadcast"])
def test_summarized_repr_does_not_copy_the_whole_array(view):
    x = np.arange(2000 * 2000, dtype=np.float64).reshape(2000, 2000)  # 32 MB
    a = {"transposed": x.T, "reversed": x[::-1, ::-1],
         "broadcast": np.broadcast_to(x[:1], x.shape)}[view]
    t = tg.Tensor(a)
    tracemalloc.start()
    try:
        text = repr(t)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "..." in text
    assert peak < 1_000_000, f"repr of a {view} 2000x2000 float64 allocated {peak} bytes"


def test_hidden_large_entry_does_not_switch_sci_mode_false_format():
    tg.set_printoptions(sci_mode=False, threshold=5)
    a = np.array([1.5, 2.25, 3.0, 4.0, 5.0, 6.125, 7.0])
    assert repr(tg.Tensor(a)) == repr(tg.Tensor(_hidden_replaced(a, 3, 1e9)))


def test_numpy_linewidth_does_not_reach_the_repr():
    t = tg.Tensor(np.arange(20.0))
    plain = repr(t)
    with np.printoptions(linewidth=20):
        assert repr(t) == plain
    with np.printoptions(linewidth=300):
        assert repr(t) == plain
    assert plain.count("\n") == 1  # (75 columns: two lines)


def test_sci_mode_false_prints_a_large_complex_fixed():
    tg.set_printoptions(sci_mode=False)
    text = repr(tg.Tensor(np.array([1e9 + 1j, 1e-9 + 2j])))
    assert "e+" not in text and "e-" not in text
    assert "1000000000.0000+1.0000j" in text and "0.0000+2.0000j" in text


# ---- seeded property: nothing hidden decides what is shown ----------------------------------
def test_hidden_entries_never_change_the_text():
    rng = np.random.default_rng(7)
    for _ in range(300):
        e = int(rng.integers(1, 4))
        shape = tuple(int(rng.choice([1, 2 * e, 2 * e + 1, 2 * e + 3, 9]))
                      for _ in range(int(rng.integers(1, 4))))
        dt = [np.float64, np.float32, np.float16, np.complex128, np.int64][rng.integers(5)]
        a = (rng.standard_normal(shape) * 10.0 ** int(rng.integers(-3, 4))).astype(dt)
        tg.set_printoptions(edgeitems=e, threshold=int(rng.integers(0, 8)),
                            precision=int(rng.integers(0, 7)),
                            sci_mode=[None, True, False][rng.integers(3)])
        if a.size <= PRINT_OPTIONS["threshold"]:
            continue
        for hidden in (1e9, np.nan, np.inf, 1e-9, 0.0):
            b = _hidden_replaced(a, e, hidden) if dt != np.int64 else _hidden_replaced(a, e, 2**62)
            assert render(b, "Tensor(") == render(a, "Tensor("), (a.shape, dict(PRINT_OPTIONS))


# ---- seeded differential: the shown entries are NumPy's own summary of the whole array ------
def _views(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    k = int(rng.integers(4))
    if k == 1:
        return np.ascontiguousarray(a.T).T
    if k == 2:
        return a[tuple(slice(None, None, -1) for _ in a.shape)]
    if k == 3:
        s = list(a.shape)
        s[int(rng.integers(len(s)))] = 1
        return np.broadcast_to(a[tuple(slice(0, n) for n in s)], a.shape)
    return a


def test_shown_entries_match_numpys_summary_of_the_whole_array():
    rng = np.random.default_rng(11)
    for _ in range(400):
        e = int(rng.integers(1, 5))
        shape = tuple(int(rng.choice([1, 2, 2 * e, 2 * e + 1, 2 * e + 2, 13]))
                      for _ in range(int(rng.integers(1, 5))))
        dt = [np.float64, np.float32, np.float16, np.complex128, np.complex64, np.int64,
              np.uint64, np.int8, np.bool_][rng.integers(9)]
        with np.errstate(all="ignore"):
            v = rng.standard_normal(shape) * 10.0 ** rng.uniform(-9, 9, shape)
            v[rng.random(shape) < 0.1] = np.nan
            a = _views(v.astype(dt) if np.dtype(dt).kind in "fcb" else
                       rng.integers(np.iinfo(dt).min, np.iinfo(dt).max, shape, dtype=dt,
                                    endpoint=True), rng)
        p, thr = int(rng.integers(0, 9)), int(rng.integers(0, 40))
        tg.set_printoptions(edgeitems=e, threshold=thr, precision=p)
        wide = {np.dtype(np.float16): np.float64, np.dtype(np.float32): np.float64,
                np.dtype(np.complex64): np.complex128}.get(a.dtype, a.dtype)
        want = np.array2string(a.astype(wide), precision=p, threshold=thr, edgeitems=e,
                               separator=", ", prefix="Tensor(", max_line_width=75,
                               floatmode="maxprec", sign="-", suppress_small=False,
                               legacy=False, formatter={})
        assert repr(tg.Tensor(a)) == f"Tensor({want}, dtype={a.dtype})", (a.shape, a.strides)


# ---- seeded differential against torch 2.13's text: the numbers shown agree ----------------
_PART = r"(?:nan|inf|[\d.]+(?:e[-+]\d+)?)"
_TOKEN = re.compile(rf"([-+]?{_PART})(?:([-+]{_PART})j)?")


def _tokens(text: str) -> list[str]:
    body = text.split("dtype=")[0].split("size=")[0].split("requires_grad")[0]
    body = body.replace("tensor(", "").replace("Tensor(", "")
    out: list[str] = []
    for t in body.replace("[", "").replace("]", "").replace(")", "").split(","):
        t = t.strip().replace(" ", "")
        if t and t != "...":
            m = _TOKEN.fullmatch(t)
            assert m, t
            out += [g for g in m.groups() if g]
    return out


def _half_unit(t: str) -> Decimal:
    m = re.fullmatch(r"[-+]?\d+\.?(\d*)(?:e([-+]\d+))?", t)
    assert m, t
    return Decimal(5) * Decimal(10) ** (int(m.group(2) or 0) - len(m.group(1)) - 1)


@pytest.mark.slow
def test_numbers_agree_with_torch_text():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    try:
        for _ in range(300):
            e, p = int(rng.integers(1, 4)), int(rng.integers(0, 8))
            sm, thr = [None, True, False][rng.integers(3)], int(rng.choice([5, 20, 1000]))
            shape = tuple(int(rng.choice([1, 2, 2 * e, 2 * e + 1, 2 * e + 2, 11]))
                          for _ in range(int(rng.integers(0, 4))))
            dt = [np.float64, np.float32, np.float16, np.complex128, np.complex64][rng.integers(5)]
            v = rng.standard_normal(shape) * 10.0 ** rng.uniform(-9, 9, shape)
            if np.dtype(dt).kind == "c":
                v = v + 1j * rng.standard_normal(shape)
            with np.errstate(all="ignore"):
                a = np.asarray(v.astype(dt))
            if a.ndim and rng.random() < 0.3:
                a = a.T
            tg.set_printoptions(edgeitems=e, precision=p, sci_mode=sm, threshold=thr)
            torch.set_printoptions(edgeitems=e, precision=p, sci_mode=sm, threshold=thr)
            ours = _tokens(repr(tg.Tensor(a)))
            theirs = _tokens(str(torch.from_numpy(np.ascontiguousarray(a))))
            assert len(ours) == len(theirs)
            for x, y in zip(ours, theirs):
                if "nan" in x + y or "inf" in x + y:
                    assert x.lstrip("+") == y.lstrip("+")
                else:
                    assert abs(Decimal(x) - Decimal(y)) <= _half_unit(x) + _half_unit(y), (x, y)
    finally:
        torch.set_printoptions(profile="default", sci_mode=None)


def test_summary_of_many_axes_and_of_a_memmap(tmp_path):
    # (the cut copy indexes every long axis at once: np.ix_ takes at most 63 arrays, so the
    # length-1 axes are squeezed out first; a 64-d tensor's repr must not raise)
    a = np.zeros((1,) * 60 + (3000, 2, 2, 1))
    a[(0,) * 60 + (2999, 1, 1, 0)] = 7.0
    want = np.array2string(a, precision=4, threshold=1000, edgeitems=3, separator=", ",
                           prefix="Tensor(", max_line_width=75)
    assert repr(tg.Tensor(a)) == f"Tensor({want}, dtype=float64)" and "7." in want
    m = np.memmap(tmp_path / "m.bin", dtype=np.float32, mode="w+", shape=(50, 40))
    m[:] = np.arange(2000, dtype=np.float32).reshape(50, 40) + 0.125
    tg.set_printoptions(threshold=10, edgeitems=1)
    assert repr(tg.Tensor(m.T)) == ("Tensor([[1.2500e-01, ..., 1.9601e+03],\n"
                                    "        ...,\n"
                                    "        [3.9125e+01, ..., 1.9991e+03]], dtype=float32)")


# ---- the values an error message shows: NumPy's global print options do not reach them either
def test_error_message_values_ignore_numpys_suppress():
    np.set_printoptions(suppress=True, sign="+", floatmode="fixed", precision=3)
    with pytest.raises(ValueError, match=r"found invalid values: \[-1\.e-09\]"):
        tg.distributions.Normal(tg.tensor([0.0]), tg.tensor([-1e-9]))
    with pytest.raises(ValueError, match=r"std must be >= 0, got \[-1\.e-20\]"):
        tg.normal(tg.tensor([0.0]), tg.tensor([-1e-20]))

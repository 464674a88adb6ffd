"""Claims of docs/pytorch.md and docs/engine.md checked against this package and torch 2.13.

The first tests hold claims that were wrong (the docs text is fixed); the rest are a seeded
sample (random.Random(5), 12 of 40) of the claims found right."""
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.utils import data as D

torch = pytest.importorskip("torch")

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _pytorch_md() -> str:
    return " ".join((DOCS / "pytorch.md").read_text().split())


# ---- claims found wrong (fixed in the docs) ----

def test_vector_norm_float32_thresholds_as_documented():
    """The float32 range where torch's vector_norm of [x, x] is inf, and where it is 0."""
    text = _pytorch_md()
    row = text[text.index("`torch.linalg.vector_norm([1e200, 1e200])` is inf"):][:400]
    inf_from = float(re.search(r"inf from ([0-9.]+e[0-9]+)", row).group(1))
    zero_below = float(re.search(r"0 below ([0-9.]+e-[0-9]+)", row).group(1))

    def norm(v: float) -> float:
        return torch.linalg.vector_norm(torch.tensor([v, v], dtype=torch.float32)).item()

    assert np.isfinite(norm(inf_from * 0.99)) and norm(inf_from) == np.inf
    assert norm(zero_below * 1.05) > 0 and norm(zero_below * 0.95) == 0
    # ours rescales there: the norm to float32's precision
    for v in (inf_from, zero_below * 0.5):
        got = tg.linalg.vector_norm(tg.tensor(np.array([v, v], np.float32))).item()
        assert got == pytest.approx(v * 2 ** 0.5, rel=1e-6)


def test_loader_pin_memory_device_and_in_order_take_any_value():
    """Neither is refused at another value (as PyTorch, without workers); the docs said so."""
    text = _pytorch_md()
    sentence = text[text.index("`DataLoader` also takes PyTorch's worker options"):][:700]
    tail = sentence[sentence.index("`in_order`"):]
    assert "any value" in tail[:40], tail[:120]
    for kw in ({"in_order": False}, {"pin_memory_device": "cuda"}):
        assert [b.numpy().tolist() for b in D.DataLoader([1, 2], **kw)] == [[1], [2]]
        assert len(list(torch.utils.data.DataLoader([1, 2], **kw))) == 2
    with pytest.raises(ValueError, match="timeout"):
        D.DataLoader([1, 2], timeout=5)


# ---- a seeded sample of the claims found right ----

def test_arange_int_truncation():
    assert tg.arange(5.9, dtype=np.int64).numpy().tolist() == [0, 1, 2, 3, 4]
    assert torch.arange(5.9, dtype=torch.int64).tolist() == [0, 1, 2, 3, 4]
    assert tg.arange(-1.5, 3, dtype=np.int32).numpy().tolist() == [-1, 0, 1, 2]
    assert torch.arange(-1.5, 3, dtype=torch.int32).tolist() == [-1, 0, 1, 2, 3]


def test_arange_uint8_refused():
    with pytest.raises(ValueError, match="uint8"):
        tg.arange(-2, 2, dtype=np.uint8)
    assert torch.arange(-2, 2, dtype=torch.uint8).tolist() == [254, 255, 0, 1]


def test_clone_channels_last_refused():
    x = tg.tensor(np.ones((1, 2, 3, 4)))
    assert x.clone(memory_format=torch.preserve_format).shape == (1, 2, 3, 4)
    for f in (x.clone, x.contiguous):
        with pytest.raises(ValueError, match="channels_last"):
            f(memory_format=torch.channels_last)


def test_complex_norm_real():
    z = np.array([1 + 2j, 3 + 4j])
    got = tg.linalg.vector_norm(tg.tensor(z))
    assert got.dtype == np.float64
    assert got.item() == pytest.approx(torch.linalg.vector_norm(torch.tensor(z)).item(), rel=1e-15)
    with pytest.raises(TypeError, match="dtype="):
        tg.linalg.vector_norm(tg.tensor(z), dtype=np.complex128)


def test_copy_inf_cast():
    x = tg.tensor(np.ones(2, np.float32))
    with pytest.warns(RuntimeWarning, match="overflow"):
        x.copy_(tg.tensor([1e300, 1.0]))
    ref = torch.ones(2).copy_(torch.tensor([1e300, 1.0], dtype=torch.float64))
    assert x.numpy().tolist() == ref.tolist() == [np.inf, 1.0]


def test_cumsum_float32_torch():
    u = np.random.default_rng(0).random(10 ** 5).astype(np.float32)
    assert np.array_equal(tg.tensor(u).cumsum(0).numpy(), torch.tensor(u).cumsum(0).numpy())


def test_data_assign():
    """x.data = a after a forward: ours the forward's gradient, torch's reads a."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data = np.array([5.0, 5.0])
    y.backward()
    assert np.asarray(x.grad).tolist() == [2.0, 4.0]
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = (t * t).sum()
    t.data = torch.tensor([5.0, 5.0])
    ty.backward()
    assert t.grad.tolist() == [10.0, 10.0]


def test_float_power_py_number():
    x16 = tg.tensor(np.array([0.5], np.float16))
    got = tg.float_power(1e5, x16)
    ref = torch.float_power(1e5, torch.tensor([0.5], dtype=torch.float16))
    assert got.dtype == np.float64  # the 1e5 read in float64, not float16's inf
    # torch's pow is correctly rounded here, NumPy's 0.508 ulp off: equal to round-off
    assert got.numpy()[0] == pytest.approx(ref.item(), rel=2e-16, abs=0)
    assert tg.float_power(tg.tensor(np.array([1 + 1j], np.complex64)), 2).dtype == np.complex128


def test_int_pow_negative():
    b, e = [2, 1, -1, -1, 0], [-1, -1, -1, -2, 1]
    assert (tg.tensor(b) ** tg.tensor(e)).numpy().tolist() == \
        (torch.tensor(b) ** torch.tensor(e)).tolist() == [0, 1, -1, 1, 0]
    with pytest.raises(RuntimeError, match="negative integer powers"):
        tg.tensor([2]) ** -1


def test_loader_error_continues():
    class DS(D.Dataset):
        def __getitem__(self, i):
            if i == 1:
                raise ValueError("bad sample")
            return i

        def __len__(self):
            return 3

    it = iter(D.DataLoader(DS()))
    assert len(it) == 3 and next(it).numpy().tolist() == [0]
    with pytest.raises(ValueError, match="bad sample"):
        next(it)
    assert next(it).numpy().tolist() == [2]


def test_to_true_refused():
    t = tg.tensor([1.5])
    assert t.to(torch.float64, False, True).dtype == np.float64
    with pytest.raises(TypeError, match="torch.bool"):
        t.to(True)
    assert torch.tensor([1.5]).to(True).dtype == torch.bool


def test_uint8_wrap_and_nan_warning():
    ref = torch.tensor([300.0]).byte().tolist()
    assert tg.tensor([300.0]).byte().numpy().tolist() == ref == [44]
    a = np.array([np.nan, 2.7, -2.7])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        got = tg.tensor(a).long().numpy().tolist()
    assert got == torch.tensor(a).long().tolist() == [np.iinfo(np.int64).min, 2, -2]
    assert any(issubclass(x.category, RuntimeWarning) and "int64" in str(x.message) for x in w)
    assert all(x.filename == __file__ for x in w if issubclass(x.category, RuntimeWarning))

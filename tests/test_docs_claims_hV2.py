"""Prose claims of docs/pytorch.md and docs/ops.md that no test checked: each test names the
sentence it holds to the code (a doc audit; the snippets themselves run in tests/test_readme.py)."""

from __future__ import annotations

import inspect
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F
from tinygrad_dl import Tensor, nn

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_tensor_to_a_torch_dtype_numpy_lacks_is_a_type_error_as_the_other_casts():
    # engine.md: "one NumPy lacks (`torch.bfloat16`) raises a `TypeError` naming it", in the
    # casts and wherever a dtype is taken; t.to(torch.bfloat16) raised a ValueError ("neither
    # a NumPy dtype nor a device") where astype, zeros and Module.to raise the TypeError
    torch = pytest.importorskip("torch")
    t = Tensor(np.ones(2))
    for cast in (lambda: t.to(torch.bfloat16), lambda: t.astype(torch.bfloat16),
                 lambda: tg.zeros(2, dtype=torch.bfloat16)):
        with pytest.raises(TypeError, match="bfloat16"):
            cast()
    assert t.to(torch.float32).dtype == np.float32
    with pytest.raises(ValueError, match="neither a NumPy dtype nor a device"):
        t.to("flaot32")  # a string that is neither stays the ValueError


@pytest.mark.parametrize("fn", ["conv2d", "conv_transpose2d"])
def test_ops_page_signatures_name_the_functions_own_parameters(fn):
    # ops.md spelled `F.conv_transpose2d(x, w, b=None, ...)`, whose third parameter is `bias`
    text = (DOCS / "ops.md").read_text(encoding="utf-8")
    m = re.search(rf"`F\.{fn}\(([^`]*)\)`", text) or re.search(rf"F\.{fn}\(([^)]*)\)", text)
    assert m, fn
    documented = [a.split("=")[0].strip() for a in m.group(1).replace("\n", " ").split(",")]
    params = inspect.signature(getattr(F, fn)).parameters
    positional = [n for n, p in params.items() if p.kind == p.POSITIONAL_OR_KEYWORD]
    keywords = [a for a in documented[2:] if a]  # (x, w by position)
    assert keywords and all(k in params for k in keywords), (keywords, list(params))
    assert positional[2:2 + len(keywords)] == keywords


def test_integer_isclose_is_exact_with_rtol_0():
    # pytorch.md: `2**62` and `2**62 + 64` are not close within `rtol=0, atol=1` (torch's
    # float32 gap calls them close); with the default rtol=1e-5 they are close everywhere
    a, b = tg.tensor([2**62]), tg.tensor([2**62 + 64])
    assert not tg.isclose(a, b, rtol=0, atol=1).item()
    assert not tg.allclose(a, b, rtol=0, atol=1)
    assert tg.isclose(a, b, atol=1).item()


def test_tg_histogram_is_numpys_dtypes():
    # pytorch.md: `tg.histogram` is NumPy's: int64 counts; edges float32 for float32 data
    for dt in (np.int64, np.float32, np.float64):
        data = np.array([1, 2, 3, 3], dt)
        counts, edges = tg.histogram(tg.tensor(data), bins=3)
        want_c, want_e = np.histogram(data, bins=3)
        assert counts.dtype == np.int64 and edges.dtype == want_e.dtype
        np.testing.assert_array_equal(counts.numpy(), want_c)


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "xlogy", "copysign"])
def test_float_binary_ops_of_int8_pairs_are_float64(name):
    # pytorch.md: float binary ops of two integer tensors give float64, int8 too (NumPy: float16)
    a, b = tg.tensor(np.array([1, 2], np.int8)), tg.tensor(np.array([3, 1], np.int8))
    assert getattr(tg, name)(a, b).dtype == np.float64


def test_hardsigmoid_slope_is_exactly_one_sixth():
    # pytorch.md: hardsigmoid's 1/6 inside (-3, 3) is exact here (torch's float64 kernel: 5e-9 off)
    x = Tensor(np.array([-2.5, 0.0, 0.5, 2.9]), requires_grad=True)
    F.hardsigmoid(x).sum().backward()
    assert np.all(x.grad == 1 / 6)


def test_mode_counts_nan_as_one_value_and_picks_the_most_frequent():
    # pytorch.md: NaNs count as one value; torch 2.13's mode of [2, nan, 1, 2] is 1, here 2
    values, index = tg.tensor([2.0, np.nan, 1.0, 2.0]).mode()
    assert values.item() == 2.0 and index.item() == 3
    assert np.isnan(tg.tensor([np.nan, np.nan, np.nan, 1.0, 1.0]).mode()[0].item())


def test_linspace_with_an_integer_dtype_truncates_toward_zero():
    # pytorch.md: `linspace(-73, 69, 4, dtype=int64)` is `[-73, -25, 21, 69]` (NumPy floors)
    assert tg.linspace(-73, 69, 4, dtype=np.int64).tolist() == [-73, -25, 21, 69]


def test_float16_sums_are_numpys():
    # pytorch.md's table: `sum(0)` of float16 ones (3000, 2) is 2048 per column; a 1-D sum is
    # pairwise: 3000
    assert tg.ones((3000, 2), dtype=np.float16).sum(0).tolist() == [2048.0, 2048.0]
    assert tg.ones(3000, dtype=np.float16).sum().item() == 3000.0


def test_exact_gelu_keeps_its_negative_tail():
    # pytorch.md: gelu(-10) is -7.6e-23 here (torch's float64: -0.0)
    v = F.gelu(tg.tensor(-10.0)).item()
    assert v < 0 and abs(v / -7.6198530241605e-23 - 1) < 1e-12


def test_var_without_arguments_is_the_population_variance_and_dim_the_unbiased():
    # pytorch.md's "One call, two meanings": x.var() / x.var(1) NumPy's ddof=0; dim= torch's
    a = np.arange(6.0).reshape(2, 3)
    x = tg.tensor(a)
    assert x.var().item() == a.var()
    np.testing.assert_array_equal(x.var(1).numpy(), a.var(1))
    np.testing.assert_array_equal(x.var(dim=1).numpy(), a.var(1, ddof=1))
    with pytest.raises(TypeError):
        x.var(1, True)


@pytest.mark.parametrize("ndim, dim", [(0, 0), (1, 0), (2, 1), (3, 0), (4, 1)])
def test_softmax_module_without_dim_takes_torchs_legacy_axis(ndim, dim):
    # pytorch.md: `nn.Softmax()` without dim: 0 for 0-, 1-, 3-d input, else 1
    a = np.random.default_rng(0).standard_normal((2,) * ndim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = nn.Softmax()(tg.tensor(a)).numpy()
    e = np.exp(a - a.max(axis=dim, keepdims=True)) if ndim else np.exp(a - a)
    np.testing.assert_allclose(out, e / e.sum(axis=dim if ndim else None, keepdims=bool(ndim)))


def test_batchnorm_running_variance_is_the_biased_one():
    # pytorch.md: the running variance is about (n - 1)/n of torch's, 0.875 for batches of 8
    x = np.random.default_rng(0).standard_normal((8, 3))
    bn = nn.BatchNorm1d(3)
    bn.train()
    bn(tg.tensor(x))
    np.testing.assert_allclose(np.asarray(bn.running_var) / x.var(0, ddof=1), 0.875)


def test_clip_grad_norm_returns_a_numpy_float_and_keeps_non_finite_gradients():
    # pytorch.md: it returns a NumPy float64; a non-finite total norm leaves the gradients
    p = Tensor(np.ones(3), requires_grad=True)
    p.grad = np.array([np.inf, 1.0, 1.0])
    total = nn.utils.clip_grad_norm_([p], 1.0)
    assert type(total) is np.float64 and np.isinf(total)
    np.testing.assert_array_equal(p.grad, [np.inf, 1.0, 1.0])


def test_binary_cross_entropy_gradients_at_the_clamp():
    # pytorch.md: p's gradient -1e12 at p = 0 for y = 1 (float32 subnormal p too); the
    # target's is the difference of the clamped logs: 100 at p = 1e-45 (torch: 103.6)
    for dt, p0 in ((np.float64, 0.0), (np.float32, 1e-40)):
        p = Tensor(np.array([p0], dt), requires_grad=True)
        F.binary_cross_entropy(p, tg.tensor(np.array([1.0], dt))).backward()
        np.testing.assert_allclose(p.grad, [-1e12], rtol=1e-6)
    y = Tensor(np.array([0.5]), requires_grad=True)
    F.binary_cross_entropy(tg.tensor([1e-45]), y).backward()
    np.testing.assert_allclose(y.grad, [100.0])


def test_geometric_entropy_below_eps_is_exact():
    # pytorch.md: 691.78 for probs 1e-300 (torch 0), 801 for logits -800 (torch NaN)
    D = tg.distributions
    assert D.Geometric(probs=tg.tensor(1e-300)).entropy().item() == pytest.approx(691.7755279, 1e-9)
    assert D.Geometric(logits=tg.tensor(-800.0)).entropy().item() == pytest.approx(801.0, 1e-12)

"""torch.<name> spellings of torch.nn.functional's ops (tinygrad_dl/functional/torch_spellings.py),
against torch's top-level functions: values rtol 1e-12 and gradients 1e-10 in float64."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl.functional import torch_spellings

torch = pytest.importorskip("torch")

R = np.random.default_rng(0)


def _a(*shape: int) -> np.ndarray:
    return R.standard_normal(shape)


def _one_line(e: pytest.ExceptionInfo) -> None:
    assert "\n" not in str(e.value) and str(e.value)


def _flat(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _check(ours: Callable[..., Any], theirs: Callable[..., Any], arrays: list[np.ndarray],
           grad: tuple[int, ...] = (0,)) -> None:
    """Values (rtol 1e-12) and the gradients of the sum of the float outputs times fixed
    weights (rtol 1e-10) wrt the arrays numbered in grad, against torch."""
    ts = [tg.tensor(a, requires_grad=i in grad) for i, a in enumerate(arrays)]
    ps = [torch.tensor(a, requires_grad=i in grad) for i, a in enumerate(arrays)]
    o, p = _flat(ours(*ts)), _flat(theirs(*ps))
    assert len(o) == len(p)
    for x, y in zip(o, p):
        assert x.shape == tuple(y.shape)
        np.testing.assert_allclose(x.numpy(), y.detach().numpy(), rtol=1e-12, atol=1e-14)
        assert str(x.dtype) == str(y.dtype).replace("torch.", "")
    if not grad:
        return
    ws = [np.cos(np.arange(y.numel()) + 1.0).reshape(tuple(y.shape)) for y in p]
    lo = sum((x * tg.tensor(w)).sum() for x, w, y in zip(o, ws, p) if y.is_floating_point())
    lp = sum((y * torch.tensor(w)).sum() for w, y in zip(ws, p) if y.is_floating_point())
    lo.backward()
    lp.backward()
    for i in grad:
        np.testing.assert_allclose(np.asarray(ts[i].grad), ps[i].grad.numpy(), rtol=1e-10,
                                   atol=1e-12)


def test_every_name_is_torchs_and_exported() -> None:
    for n in torch_spellings.__all__:
        assert hasattr(torch, n) and callable(getattr(torch, n)), n
        assert getattr(tg, n) is getattr(torch_spellings, n) and n in tg.__all__, n
        # (F's op, or the in-place form of one: torch.dropout_ is F.dropout(inplace=True))
        # (torch.feature_dropout and its in-place form are top-level names only: no F. one)
        assert n in (*torch_spellings.INPLACE_FUNCTIONS, "trapz", "feature_dropout",
                     "feature_dropout_") or hasattr(F, n) or (
            n.endswith("_") and hasattr(F, n[:-1])), n


# the names whose torch top-level positional signature is F's: F's own function
SAME = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "pixel_shuffle",
        "pixel_unshuffle", "max_pool1d", "max_pool2d", "max_pool1d_with_indices", "avg_pool1d",
        "adaptive_avg_pool1d", "channel_shuffle", "rms_norm", "relu_", "selu_", "celu_",
        "threshold_", "hardshrink", "bilinear", "pdist"]


@pytest.mark.parametrize("name", SAME)
def test_same_function_as_F(name: str) -> None:
    assert getattr(tg, name) is getattr(F, name)


CASES: list[tuple[str, Callable[..., Any], list[np.ndarray], tuple[int, ...]]] = [
    ("conv1d", lambda T, x, w, b: T.conv1d(x, w, b, 2, 1, 1, 1), [_a(2, 3, 7), _a(4, 3, 3), _a(4)],
     (0, 1, 2)),
    ("conv2d", lambda T, x, w: T.conv2d(x, w, None, 1, 1), [_a(1, 2, 5, 5), _a(3, 2, 3, 3)],
     (0, 1)),
    ("conv_transpose1d", lambda T, x, w: T.conv_transpose1d(x, w, None, 2, 1, 1),
     [_a(1, 2, 4), _a(2, 3, 3)], (0, 1)),
    ("conv_transpose2d", lambda T, x, w: T.conv_transpose2d(x, w, None, 2),
     [_a(1, 2, 3, 3), _a(2, 1, 2, 2)], (0, 1)),
    ("pixel_shuffle", lambda T, x: T.pixel_shuffle(x, 2), [_a(1, 8, 2, 3)], (0,)),
    ("pixel_unshuffle", lambda T, x: T.pixel_unshuffle(x, 2), [_a(1, 2, 4, 6)], (0,)),
    ("max_pool1d", lambda T, x: T.max_pool1d(x, 3, 2, 1, 1, True), [_a(2, 3, 8)], (0,)),
    ("max_pool2d", lambda T, x: T.max_pool2d(x, 2, 1), [_a(1, 2, 4, 5)], (0,)),
    ("max_pool1d_with_indices", lambda T, x: T.max_pool1d_with_indices(x, 2, 2, 0, 1, True),
     [_a(2, 3, 7)], (0,)),
    ("avg_pool1d", lambda T, x: T.avg_pool1d(x, 3, 2, 1, False, True), [_a(2, 3, 8)], (0,)),
    ("adaptive_avg_pool1d", lambda T, x: T.adaptive_avg_pool1d(x, 3), [_a(2, 3, 7)], (0,)),
    ("channel_shuffle", lambda T, x: T.channel_shuffle(x, 2), [_a(1, 4, 2, 2)], (0,)),
    ("rms_norm", lambda T, x, w: T.rms_norm(x, (4,), w, 1e-6), [_a(3, 4), _a(4)], (0, 1)),
    ("hardshrink", lambda T, x: T.hardshrink(x, 0.3), [_a(3, 5)], (0,)),
    ("bilinear", lambda T, x, y, w, b: T.bilinear(x, y, w, b),
     [_a(3, 2), _a(3, 4), _a(5, 2, 4), _a(5)], (0, 1, 2, 3)),
    ("pdist", lambda T, x: T.pdist(x, 3.0), [_a(4, 3)], (0,)),
    ("layer_norm", lambda T, x, w, b: T.layer_norm(x, (4,), w, b, 1e-5, False),
     [_a(3, 4), _a(4), _a(4)], (0, 1, 2)),
    ("group_norm", lambda T, x, w, b: T.group_norm(x, 2, w, b, 1e-5, True),
     [_a(2, 4, 3), _a(4), _a(4)], (0, 1, 2)),
    ("instance_norm", lambda T, x, w, b: T.instance_norm(x, w, b, None, None, True, 0.1, 1e-5,
                                                          False),
     [_a(2, 3, 5), _a(3), _a(3)], (0, 1, 2)),
    ("embedding", lambda T, w, i: T.embedding(w, i), [_a(5, 3), np.array([[0, 4], [4, 2]])],
     (0,)),
    ("embedding", lambda T, w, i: T.embedding(w, i, 4), [_a(5, 3), np.array([0, 4, 4, 2])], (0,)),
    ("kl_div", lambda T, x, y: T.kl_div(x, y), [_a(3, 4), np.abs(_a(3, 4))], (0, 1)),
    ("kl_div", lambda T, x, y: T.kl_div(x, y, 2, log_target=True), [_a(3, 4), _a(3, 4)], (0, 1)),
    ("kl_div", lambda T, x, y: T.kl_div(x, y, 1), [_a(3, 4), np.abs(_a(3, 4))], (0, 1)),
    ("binary_cross_entropy_with_logits",
     lambda T, x, y, w, pw: T.binary_cross_entropy_with_logits(x, y, w, pw, 2),
     [_a(3, 4), R.uniform(size=(3, 4)), np.abs(_a(4)), np.abs(_a(4))], (0, 1)),
    ("binary_cross_entropy_with_logits",
     lambda T, x, y: T.binary_cross_entropy_with_logits(x, y),
     [_a(3, 4), R.uniform(size=(3, 4))], (0, 1)),
    ("hinge_embedding_loss", lambda T, x, y: T.hinge_embedding_loss(x, y, 0.5, 0),
     [_a(3, 4), np.sign(_a(3, 4))], (0,)),
    ("cosine_embedding_loss", lambda T, x, y, t: T.cosine_embedding_loss(x, y, t, 0.1, 2),
     [_a(3, 4), _a(3, 4), np.array([1.0, -1.0, 1.0])], (0, 1)),
    ("margin_ranking_loss", lambda T, x, y, t: T.margin_ranking_loss(x, y, t, 0.2),
     [_a(5), _a(5), np.sign(_a(5))], (0, 1)),
    ("margin_ranking_loss", lambda T, x, y, t: T.margin_ranking_loss(x, y, t, 0.2, 1),
     [_a(5), _a(5), np.sign(_a(5))], (0, 1)),
    ("triplet_margin_loss",
     lambda T, a, p, n: T.triplet_margin_loss(a, p, n, 1.0, 2.0, 1e-6, True, 0),
     [_a(3, 4), _a(3, 4), _a(3, 4)], (0, 1, 2)),
    ("poisson_nll_loss", lambda T, x, y: T.poisson_nll_loss(x, y, True, True, 1e-8, 1),
     [_a(3, 4), np.abs(_a(3, 4)) * 3], (0,)),
    ("poisson_nll_loss", lambda T, x, y: T.poisson_nll_loss(x, y, False, False, 1e-8, 2),
     [np.abs(_a(3, 4)), np.abs(_a(3, 4))], (0,)),
    ("dropout", lambda T, x: T.dropout(x, 0.5, False), [_a(3, 4)], (0,)),
    ("dropout", lambda T, x: T.dropout(x, 0.0, True), [_a(3, 4)], (0,)),
    ("alpha_dropout", lambda T, x: T.alpha_dropout(x, 0.5, False), [_a(3, 4)], (0,)),
    ("feature_alpha_dropout", lambda T, x: T.feature_alpha_dropout(x, 0.5, False), [_a(3, 4)],
     (0,)),
    ("rrelu", lambda T, x: T.rrelu(x, 0.1, 0.3, False), [_a(3, 4)], (0,)),
]


@pytest.mark.parametrize("name,call,arrays,grad", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_against_torch(name: str, call: Callable[..., Any], arrays: list[np.ndarray],
                       grad: tuple[int, ...]) -> None:
    _check(lambda *t: call(tg, *t), lambda *t: call(torch, *t), arrays, grad)


@pytest.mark.parametrize("name", ["relu_", "selu_", "celu_", "threshold_"])
def test_inplace_activations(name: str) -> None:
    a = _a(3, 4)
    args = (0.1, 20.0) if name == "threshold_" else ()
    x, y = tg.tensor(a), torch.tensor(a)
    rx, ry = getattr(tg, name)(x, *args), getattr(torch, name)(y, *args)
    assert rx is x and ry is y
    np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-12)


def test_dropout_in_training_zeroes_and_scales() -> None:
    x = tg.ones(1000)
    out = tg.dropout(x, 0.25, True).numpy()
    kept = out != 0
    assert 0 < kept.sum() < 1000
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-12)
    assert (tg.dropout(x, 1.0, True).numpy() == 0).all()


def test_rrelu_training_draws_slopes_in_range() -> None:
    a = -np.abs(_a(200)) - 0.1
    out = tg.rrelu(tg.tensor(a), 0.1, 0.3, True).numpy()
    assert (out / a >= 0.1 - 1e-12).all() and (out / a <= 0.3 + 1e-12).all()


@pytest.mark.parametrize("call,match", [
    (lambda x: tg.kl_div(x, x, "mean"), "reduction must be an int"),
    (lambda x: tg.hinge_embedding_loss(x, x, 1.0, 3), "reduction must be an int"),
    (lambda x: tg.margin_ranking_loss(x, x, x, 0.0, True), "reduction must be an int"),
    (lambda x: tg.binary_cross_entropy_with_logits(x, x, None, None, "sum"),
     "reduction must be an int"),
    (lambda x: tg.dropout(x, 0.5, None), "train must be a bool"),
    (lambda x: tg.layer_norm(x, (3,), None, None, 1e-5, 1), "cudnn_enable must be a bool"),
    (lambda x: tg.embedding(x, tg.tensor([0]), -2), "padding_idx must be -1"),
    (lambda x: tg.embedding(x, tg.tensor([0]), -1, False, True), "sparse=True"),
])
def test_refusals_are_one_line(call: Callable[..., Any], match: str) -> None:
    x = tg.tensor(_a(2, 3))
    with pytest.raises((TypeError, ValueError), match=match) as e:
        call(x)
    _one_line(e)


def test_torch_refuses_the_string_reduction_too() -> None:
    x = torch.tensor(_a(2, 3))
    with pytest.raises(TypeError):
        torch.kl_div(x, x, "mean")


@pytest.mark.parametrize("name,arrays", [
    ("kl_div", [_a(3, 4), _a(3, 4)]), ("binary_cross_entropy_with_logits", [_a(3, 4), _a(3, 4)]),
    ("hinge_embedding_loss", [_a(3, 4), np.sign(_a(3, 4))]),
    ("cosine_embedding_loss", [_a(3, 4), _a(3, 4), np.array([1.0, -1.0, 1.0])]),
    ("margin_ranking_loss", [_a(4), _a(4), np.sign(_a(4))]),
    ("triplet_margin_loss", [_a(3, 4), _a(3, 4), _a(3, 4)])])
def test_the_default_reduction_is_none_as_torchs(name: str, arrays: list[np.ndarray]) -> None:
    _check(getattr(tg, name), getattr(torch, name), arrays, (0,))
    assert getattr(tg, name)(*map(tg.tensor, arrays)).ndim > 0


def test_kl_div_mean_does_not_warn_as_torchs_does_not() -> None:
    import warnings

    x = tg.tensor(_a(2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.kl_div(x, x.exp(), 1)


def test_embedding_argument_order_is_torchs() -> None:
    w, i = _a(5, 3), np.array([1, 0])
    np.testing.assert_array_equal(tg.embedding(tg.tensor(w), tg.tensor(i)).numpy(),
                                  torch.embedding(torch.tensor(w), torch.tensor(i)).numpy())
    np.testing.assert_array_equal(tg.embedding(tg.tensor(w), tg.tensor(i)).numpy(), w[i])


# torch.<name>_(x, ...): x.<name>_(...); the arguments each needs, and the input's values
_INPLACE_ARGS: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
    "clamp_": ((-0.3, 0.4), {}), "clip_": ((-0.3, 0.4), {}), "clamp_max_": ((0.2,), {}),
    "clamp_min_": ((0.2,), {}), "fill_": ((2.5,), {}), "round_": ((), {"decimals": 1}),
    "logit_": ((1e-3,), {}), "nan_to_num_": ((0.0, 9.0, -9.0), {}),
}
_UNIT = {"acos_", "arccos_", "asin_", "arcsin_", "atanh_", "logit_"}  # inputs in (0, 1)
_POS = {"log_", "log10_", "log2_", "log1p_", "sqrt_", "rsqrt_", "acosh_"}  # inputs > 1
_INTS = {"gcd_", "lcm_"}


@pytest.mark.parametrize("name", torch_spellings.INPLACE_FUNCTIONS)
def test_inplace_functions_are_the_methods(name: str) -> None:
    assert hasattr(torch, name) and getattr(tg, name).__name__ == name and name in tg.__all__
    a = R.uniform(0.05, 0.95, (2, 3)) if name in _UNIT else (
        R.uniform(1.1, 3.0, (2, 3)) if name in _POS else _a(2, 3) * 2)
    if name == "nan_to_num_":
        a[0, :] = [np.nan, np.inf, -np.inf]
    args, kw = _INPLACE_ARGS.get(name, ((), {}))
    if name in _INTS:
        a, args = np.array([[4, 6, 9], [0, -8, 15]]), (np.array([6, 4, 3]),)
    elif name in ("xlogy_", "ldexp_"):
        args = (np.abs(_a(2, 3)),) if name == "xlogy_" else (np.array([1, -2, 3]),)
    elif name == "index_put_":
        args = ((np.array([0, 1]), np.array([2, 0])), np.array([7.0, 8.0]))
    targs = [tg.tensor(v) if isinstance(v, np.ndarray) else (
        tuple(tg.tensor(u) for u in v) if isinstance(v, tuple) else v) for v in args]
    pargs = [torch.tensor(v) if isinstance(v, np.ndarray) else (
        tuple(torch.tensor(u) for u in v) if isinstance(v, tuple) else v) for v in args]
    x, y = tg.tensor(a.copy()), torch.tensor(a.copy())
    rx, ry = getattr(tg, name)(x, *targs, **kw), getattr(torch, name)(y, *pargs, **kw)
    assert rx is x and ry is y
    np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-12, atol=1e-15)
    assert str(x.dtype) == str(y.dtype).replace("torch.", "")


def test_inplace_function_refuses_a_non_tensor() -> None:
    with pytest.raises(TypeError, match="sin_\\(\\): argument 'input' must be a Tensor") as e:
        tg.sin_(np.ones(2))
    _one_line(e)
    with pytest.raises(TypeError):
        torch.sin_(np.ones(2))


@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"dx": 0.5}])
def test_trapz_is_trapezoid(kw: dict[str, Any]) -> None:
    assert tg.trapz is tg.trapezoid and "trapz" in tg.__all__
    _check(lambda y: tg.trapz(y, **kw), lambda y: torch.trapz(y, **kw), [_a(3, 4)])
    _check(lambda y, x: tg.trapz(y, x, dim=-1), lambda y, x: torch.trapz(y, x, dim=-1),
           [_a(3, 4), np.sort(_a(4))], (0, 1))


@pytest.mark.parametrize("lambd", [0.5, 0.3, 0, 2])
def test_hardshrink_method(lambd: float) -> None:
    a = np.array([[-1.0, -0.5, -0.3, 0.0, 0.3, 0.5, 1.0, np.inf, -np.inf]])
    _check(lambda x: x.hardshrink(lambd), lambda x: x.hardshrink(lambd), [a], ())
    _check(lambda x: x.hardshrink(lambd), lambda x: x.hardshrink(lambd), [a[:, :7]])
    _check(lambda x: x.hardshrink(lambd), lambda x: x.hardshrink(lambd), [_a(3, 4)])


def test_hardshrink_method_default_and_refusal() -> None:
    a = _a(5)
    np.testing.assert_array_equal(tg.tensor(a).hardshrink().numpy(),
                                  torch.tensor(a).hardshrink().numpy())
    with pytest.raises(TypeError, match="hardshrink: lambd must be a number") as e:
        tg.tensor(a).hardshrink("0.5")
    _one_line(e)

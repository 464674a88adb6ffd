"""Differential tests of the losses against torch (CPU, float64): random valid arguments drawn by
a seeded generator (sizes 0..4, empty batches, every reduction, class weights, ignore_index,
label_smoothing, probability targets, K-d and unbatched layouts, pos_weight / weight
broadcasting, beta = 0, var broadcasting, swap, p, eps, CTC target layouts and short
input_lengths), each loss's value and its gradient with respect to every differentiable input
compared to 1e-10 relative; then the regressions found by them (helper hF2).

Documented differences that are skipped, not compared: a mean over an empty batch raises here
(torch's NaN); multi_margin_loss and multilabel_margin_loss reduce an empty batch to 0 ("sum")
and NaN ("mean"), where torch 2.13 returns uninitialised memory; nll_loss refuses input above
0; binary_cross_entropy's target gradient at p = 0 or 1 is the derivative of the clamped value
(torch's -logit(p) is +-inf there)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
A = np.asarray
REDUCTIONS = ("mean", "sum", "none")
COMPARED: list[str] = []  # (the calls whose values were compared: a family must not only raise)
# NumPy's warnings at the NaN / inf points both libraries agree on (torch warns of none)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _t(v: Any) -> Any:
    if isinstance(v, (np.ndarray, np.generic)) and not isinstance(v, np.str_):
        return torch.tensor(v)
    return v


def compare(name: str, diff: list, const: list, kw: dict, tkw: dict | None = None,
            ours: Callable | None = None, theirs: Callable | None = None) -> None:
    """F.<name>(*diff, *const, **kw) against torch's: both raise, or the same shape, values and
    gradients of every array in `diff` (a random upstream gradient) to 1e-10 relative."""
    ours = ours or getattr(F, name)
    theirs = theirs or getattr(TF, name)
    tkw = kw if tkw is None else tkw
    ot = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in diff]
    tt = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in diff]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = theirs(*tt, *map(_t, const), **{k: _t(v) for k, v in tkw.items()})
        except (RuntimeError, ValueError, TypeError, IndexError):
            want = None
        try:
            got = ours(*ot, *const, **kw)
        except (ValueError, TypeError) as e:
            if want is None or "empty batch" in str(e):  # (torch's NaN: documented)
                return
            raise AssertionError(f"{name} raised {e!r}; torch gives {want}") from None
    assert want is not None, f"{name}: torch refuses {kw}, ours gives {got.data}"
    COMPARED.append(name)
    w = want.detach().numpy()
    assert got.shape == w.shape, (name, kw, got.shape, w.shape)
    np.testing.assert_allclose(got.data, w, rtol=1e-10, atol=1e-12, equal_nan=True,
                               err_msg=f"{name} value {kw}")
    if w.size == 0 or not want.requires_grad:
        return
    up = np.random.default_rng(0).standard_normal(w.shape) + 2
    want.backward(torch.tensor(up))
    (got * Tensor(up)).sum().backward()
    for i, (a, b) in enumerate(zip(tt, ot)):
        ga = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        gb = np.zeros(a.shape) if b.grad is None else np.asarray(b.grad)
        np.testing.assert_allclose(gb, ga, rtol=1e-10, atol=1e-12, equal_nan=True,
                                   err_msg=f"{name} gradient of input {i} {kw}")


def _bshape(rng: np.random.Generator, shape: tuple) -> tuple:
    """A shape that broadcasts to `shape` unchanged."""
    k = int(rng.integers(0, len(shape) + 1))
    return tuple(1 if rng.random() < 0.4 else s for s in shape[len(shape) - k:])


def _shape(rng: np.random.Generator) -> tuple:
    return tuple(int(v) for v in rng.integers(0, 5, size=int(rng.integers(0, 4))))


# ---- the random cases, one family a function ------------------------------------------------
def cases_classification(rng: np.random.Generator) -> None:
    N, K = int(rng.integers(0, 5)), int(rng.integers(1, 5))
    layout = rng.choice(["2d", "kd", "unbatched"])
    if layout == "2d":
        shape, tshape = (N, K), (N,)
    elif layout == "kd":
        extra = tuple(int(v) for v in rng.integers(0, 4, size=int(rng.integers(1, 3))))
        shape, tshape = (N, K, *extra), (N, *extra)
    else:
        shape, tshape = (K,), ()
    c = 0 if layout == "unbatched" else 1
    z = rng.standard_normal(shape) * 2
    kw: dict = {"reduction": str(rng.choice(REDUCTIONS))}
    prob = rng.random() < 0.3
    if rng.random() < 0.5:
        kw["weight"] = rng.random(K) + 0.1
    if rng.random() < 0.4:
        kw["ignore_index"] = int(rng.integers(-1, K))
    if rng.random() < 0.4:
        kw["label_smoothing"] = float(rng.choice([rng.random(), 0.0, 1.0]))
    if prob:
        y = rng.random(shape)
        y = y / y.sum(axis=c, keepdims=True) if y.size else y
        diff = rng.random() < 0.5  # (targets that require grad: torch's composite)
        compare("cross_entropy", [z, y] if diff else [z], [] if diff else [y], kw)
        return
    y = rng.integers(0, K, size=tshape)
    if "ignore_index" in kw and kw["ignore_index"] >= 0 and rng.random() < 0.5:
        y[...] = kw["ignore_index"]  # (all ignored: torch's NaN mean)
    compare("cross_entropy", [z], [y], kw)
    kw.pop("label_smoothing", None)
    lp = torch.log_softmax(torch.tensor(z), dim=c).numpy() if z.size else z
    compare("nll_loss", [lp], [y], kw)


def cases_binary_regression(rng: np.random.Generator) -> None:
    shape, red = _shape(rng), str(rng.choice(REDUCTIONS))
    x = A(rng.standard_normal(shape) * 3)
    y = A(rng.random(shape))
    if rng.random() < 0.3:
        y = np.round(y)
    kw: dict = {"reduction": red}
    if rng.random() < 0.5:
        kw["weight"] = A(rng.random(_bshape(rng, shape)) + 0.1)
    kwl = dict(kw)
    if rng.random() < 0.5:
        kwl["pos_weight"] = A(rng.random(_bshape(rng, shape)) * 3)
    compare("binary_cross_entropy_with_logits", [x, y], [], kwl)
    p = A(1 / (1 + np.exp(-x)))
    compare("binary_cross_entropy", [np.clip(p, 1e-9, 1 - 1e-9), y], [], kw)
    if p.size:  # probabilities exactly 0 and 1: torch's log clamped at -100
        m = A(rng.random(shape)) < 0.4
        p[m] = rng.choice([0.0, 1.0], size=int(m.sum()))
    compare("binary_cross_entropy", [p], [y], kw)
    t = A(rng.standard_normal(shape) * 2)
    for name in ("l1_loss", "mse_loss"):
        k: dict = {"reduction": red}
        if rng.random() < 0.3:
            k["weight"] = A(rng.random(shape))
        compare(name, [x, t], [], k)
    beta = float(rng.choice([0.0, 1.0, rng.random() * 2, 1e-3]))
    compare("smooth_l1_loss", [x, t], [], {"reduction": red, "beta": beta})
    k = {"reduction": red, "delta": float(rng.choice([1.0, rng.random() * 2 + 0.01, 1e-3]))}
    if rng.random() < 0.3:
        k["weight"] = A(rng.random(shape))
    compare("huber_loss", [x, t], [], k)


def cases_likelihood(rng: np.random.Generator) -> None:
    shape, red = _shape(rng), str(rng.choice(REDUCTIONS))
    x = A(rng.standard_normal(shape) * 3)
    log_target = bool(rng.random() < 0.5)
    target = A(rng.random(shape))
    if rng.random() < 0.3 and target.size:
        target[A(rng.random(shape)) < 0.3] = 0.0
    target = np.log(target) if log_target else target
    compare("kl_div", [A(-rng.random(shape) * 3), target], [],
            {"reduction": str(rng.choice(REDUCTIONS + ("batchmean",))), "log_target": log_target})
    log_input, full = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
    rate = x if log_input else np.abs(x) + (0 if rng.random() < 0.2 else 0.1)
    counts = rng.poisson(2.0, size=shape).astype(float)
    if rng.random() < 0.3:
        counts = counts + rng.random(shape)
    compare("poisson_nll_loss", [rate, counts], [],
            {"log_input": log_input, "full": full, "eps": float(rng.choice([1e-8, 0.1])),
             "reduction": red})
    t = A(rng.standard_normal(shape) * 2)
    choice = int(rng.integers(0, 4))
    vs = shape
    if choice == 1 and shape:
        vs = shape[:-1]
    elif choice == 2 and shape:
        i = int(rng.integers(0, len(shape)))
        vs = tuple(1 if j == i else s for j, s in enumerate(shape))
    v = A(rng.random(vs) * 2)
    if rng.random() < 0.3 and v.size:  # (below eps: clamped, gradient passed through)
        v[A(rng.random(vs)) < 0.3] = 0.0
    kw = {"full": bool(rng.random() < 0.5), "eps": float(rng.choice([1e-6, 0.5])),
          "reduction": red}
    compare("gaussian_nll_loss", [x, t, v], [], kw)
    compare("gaussian_nll_loss", [x, t], [float(rng.random())], kw)


def cases_margin(rng: np.random.Generator) -> None:
    N, C = int(rng.integers(0, 5)), int(rng.integers(1, 5))
    unbatched = rng.random() < 0.25
    red = str(rng.choice(REDUCTIONS))
    shape = (C,) if unbatched else (N, C)
    x, x2, x3 = (A(rng.standard_normal(shape)) for _ in range(3))
    margin = float(rng.choice([0.0, 1.0, rng.random() * 2, -0.5]))
    gshape = _shape(rng)
    g1, g2 = A(rng.standard_normal(gshape)), A(rng.standard_normal(gshape))
    pm = A(rng.choice([-1.0, 1.0], size=gshape))
    compare("margin_ranking_loss", [g1, g2, pm], [], {"margin": margin, "reduction": red})
    compare("hinge_embedding_loss", [g1], [pm], {"margin": margin, "reduction": red})
    compare("soft_margin_loss", [g1], [pm], {"reduction": red})
    kw: dict = {"reduction": red}
    if rng.random() < 0.5:
        kw["weight"] = A(rng.random(_bshape(rng, shape)))
    compare("multilabel_soft_margin_loss", [x, A(rng.integers(0, 2, size=shape) * 1.0)], [],
            kw)
    # torch 2.13 reduces an empty batch of these two into uninitialised memory (6.9e-310,
    # -0.76, ...): ours are 0 and NaN (test_empty_margin_losses_sum_0_mean_nan)
    empty_mean = x.size == 0 and red != "none"
    labels = np.full(shape, -1, np.int64)
    for row in labels.reshape(-1, C):
        k = int(rng.integers(0, C + 1))
        row[:k] = rng.permutation(C)[:k]
        if rng.random() < 0.3 and k < C:  # (after the first -1: never read)
            row[k + 1:] = rng.integers(0, C, size=C - k - 1)
    if not empty_mean:
        compare("multilabel_margin_loss", [x], [labels], {"reduction": red})
    kw = {"p": int(rng.choice([1, 2])), "margin": margin, "reduction": red}
    if rng.random() < 0.5:
        kw["weight"] = A(rng.random(C))
    if not empty_mean:
        compare("multi_margin_loss", [x], [A(rng.integers(0, C, size=shape[:-1]))], kw)
    xa = np.zeros(shape) if rng.random() < 0.2 else x  # (a zero vector: ATen's float eps)
    compare("cosine_embedding_loss", [xa, x2], [A(rng.choice([-1.0, 1.0], size=shape[:-1]))],
            {"margin": margin, "reduction": red})
    tm = float(rng.choice([1.0, rng.random() * 2 + 0.01]))
    swap = bool(rng.random() < 0.5)
    compare("triplet_margin_loss", [x, x2, x3], [],
            {"margin": tm, "p": float(rng.choice([2.0, 1.0, 3.0, rng.random() * 3 + 0.5])),
             "eps": float(rng.choice([1e-6, 0.0, 0.1])), "swap": swap, "reduction": red})
    compare("triplet_margin_with_distance_loss", [x, x2, x3], [],
            {"margin": tm, "swap": swap, "reduction": red})
    compare("triplet_margin_with_distance_loss", [x, x2, x3], [],
            {"margin": tm, "swap": swap, "reduction": red,
             "distance_function": lambda a, b: (a - b).abs().sum(axis=-1)},
            {"margin": tm, "swap": swap, "reduction": red,
             "distance_function": lambda a, b: (a - b).abs().sum(dim=-1)})


def cases_ctc(rng: np.random.Generator) -> None:
    T, N, C = int(rng.integers(1, 7)), int(rng.integers(0, 5)), int(rng.integers(2, 5))
    unbatched = rng.random() < 0.2
    N = 1 if unbatched else N
    blank = int(rng.integers(0, C))
    kw = {"blank": blank, "reduction": str(rng.choice(REDUCTIONS)),
          "zero_infinity": bool(rng.random() < 0.5)}
    lp = torch.log_softmax(torch.tensor(rng.standard_normal((T, N, C))), -1).numpy()
    il = rng.integers(0 if rng.random() < 0.2 else 1, T + 1, size=N)  # (shorter than T too)
    if rng.random() < 0.5:
        il[:] = T
    tl = rng.integers(0, 4, size=N)  # (longer than il: impossible, inf or 0)
    seqs = [rng.choice([c for c in range(C) if c != blank], size=int(k)) for k in tl]
    if rng.random() < 0.5:  # padded (N, S), the padding any label
        tg = np.full((N, (int(tl.max()) if N else 0) + int(rng.integers(0, 2))),
                     int(rng.integers(0, C)), np.int64)
        for i, s in enumerate(seqs):
            tg[i, :len(s)] = s
        if unbatched and rng.random() < 0.5:
            tg = tg[0]
    else:  # concatenated
        tg = np.concatenate(seqs).astype(np.int64) if N else np.zeros(0, np.int64)
    if unbatched:
        compare("ctc_loss", [lp[:, 0]], [tg, A(il[0]), A(tl[0])], kw)
    else:
        compare("ctc_loss", [lp], [tg, il, tl], kw)


FAMILIES = {"classification": cases_classification, "binary_regression": cases_binary_regression,
            "likelihood": cases_likelihood, "margin": cases_margin, "ctc": cases_ctc}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_random_arguments_match_torch(family: str) -> None:
    before = len(COMPARED)
    for seed in range(40):
        FAMILIES[family](np.random.default_rng([seed, len(family)]))
    assert len(COMPARED) - before >= 30  # (most draws are valid: compared, not both refused)


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_random_arguments_match_torch_more(family: str) -> None:
    for seed in range(40, 240):
        FAMILIES[family](np.random.default_rng([seed, len(family)]))


@pytest.mark.parametrize("r", [0, 1, 2])
def test_top_level_spellings_match_torch(r: int) -> None:
    """torch.kl_div and the other top-level spellings: an int reduction, their positions."""
    rng = np.random.default_rng(r)
    x, x2, x3 = (rng.standard_normal((3, 2)) for _ in range(3))
    pm = rng.choice([-1.0, 1.0], size=(3, 2))
    cases = [("kl_div", [-np.abs(x), np.abs(x2)], [r], {"log_target": False}),
             ("kl_div", [-np.abs(x), x2], [r], {"log_target": True}),
             ("binary_cross_entropy_with_logits", [x, rng.random((3, 2))],
              [rng.random((3, 2)), rng.random(2), r], {}),
             ("hinge_embedding_loss", [x], [pm, 0.7, r], {}),
             ("margin_ranking_loss", [x, x2], [pm, 0.3, r], {}),
             ("poisson_nll_loss", [x], [rng.poisson(2, size=(3, 2)) * 1.0, True, True, 1e-8, r],
              {}),
             ("triplet_margin_loss", [x, x2, x3], [1.0, 1.5, 1e-6, True, r], {}),
             ("cosine_embedding_loss", [np.zeros((3, 2)), x2], [pm[:, 0].copy(), 0.2, r], {})]
    for name, diff, const, kw in cases:
        compare(name, diff, const, kw, ours=getattr(tg, name), theirs=getattr(torch, name))


# ---- regressions found by the comparisons above ----------------------------------------------
@pytest.mark.parametrize("scale", [0.0, 1e-7, 1e-6])
def test_cosine_embedding_loss_eps_is_atens_float(scale: float) -> None:
    """ATen's EPSILON is a C float (1e-12 rounded to float32): the double 1e-12 put the
    gradient at a zero (or tiny) input 2e-9 relative off torch's."""
    x1 = np.full((2, 3), scale)
    x2 = np.array([[0.3, -0.5, 0.2], [1.0, 2.0, -1.0]])
    for y in ([1.0, 1.0], [-1.0, 1.0]):
        compare("cosine_embedding_loss", [x1, x2], [A(y)], {"margin": -0.5, "reduction": "sum"})


@pytest.mark.parametrize("target", [[1.5, 0.0], [0.5, -0.5], [2.0, 1.0], [np.nan, 0.0]])
def test_binary_cross_entropy_refuses_targets_outside_0_1(target: list) -> None:
    """torch: "all elements of target should be between 0 and 1" (NaN too); a class label 2
    given as a target made a number that meant nothing."""
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        TF.binary_cross_entropy(torch.tensor([0.3, 0.6]), torch.tensor(target))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target must hold values in "
                                         r"\[0, 1\]"):
        F.binary_cross_entropy(A([0.3, 0.6]), A(target))
    F.binary_cross_entropy(A([0.3, 0.6]), A([1.0, 0.0]))  # (the ends are targets)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("wshape", [None, (3,), (1, 3), (2, 1), (), (4, 1, 3)])
def test_multilabel_soft_margin_loss_classes_last_and_broadcast_weight(
        reduction: str, wshape: tuple | None) -> None:
    """torch takes any input with the classes last, and a weight that broadcasts; (N, M, C)
    and a (1, C), (N, 1) or 0-d weight were refused."""
    rng = np.random.default_rng(1)
    for shape in ((2, 3), (4, 2, 3), (3,)):
        if wshape is not None and (len(wshape) > len(shape) or any(
                w not in (1, s) for w, s in zip(wshape[::-1], shape[::-1]))):
            continue  # (a weight that does not broadcast onto the input unchanged)
        kw: dict = {"reduction": reduction}
        if wshape is not None:
            kw["weight"] = A(rng.random(wshape))
        before = len(COMPARED)
        compare("multilabel_soft_margin_loss",
                [rng.standard_normal(shape), rng.integers(0, 2, size=shape) * 1.0], [], kw)
        assert len(COMPARED) == before + 1


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 2, 3), (2, 1, 2, 3)])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_loss_any_number_of_dims(shape: tuple, swap: bool) -> None:
    """torch's distances along the last axis of inputs of any (one) shape; (N, M, D) and 0-d
    were refused."""
    rng = np.random.default_rng(2)
    before = len(COMPARED)
    for red in REDUCTIONS:
        compare("triplet_margin_loss", [rng.standard_normal(shape) for _ in range(3)], [],
                {"margin": 0.8, "p": 1.5, "swap": swap, "reduction": red})
    assert len(COMPARED) == before + 3


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, {"weight": A([0.5, 2.0, 1.0])}, {"label_smoothing": 0.3},
                                {"weight": A([0.5, 2.0, 1.0]), "label_smoothing": 1.0,
                                 "ignore_index": -1}])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2, 2), (3,)])
def test_cross_entropy_differentiates_probability_targets(reduction: str, kw: dict,
                                                          shape: tuple) -> None:
    """Targets that require grad (a student's loss against a learned target distribution):
    torch differentiates them; this refused them. Both gradients are torch's."""
    rng = np.random.default_rng(3)
    c = 0 if len(shape) == 1 else 1
    y = rng.random(shape)
    before = len(COMPARED)
    compare("cross_entropy", [rng.standard_normal(shape) * 2, y / y.sum(c, keepdims=True)], [],
            {"reduction": reduction, **kw})
    assert len(COMPARED) == before + 1


def test_cross_entropy_targets_with_grad_refusals_are_torchs() -> None:
    z = Tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="ignore_index is not supported for floating point"):
        F.cross_entropy(z, Tensor(np.full((2, 3), 1 / 3), requires_grad=True), ignore_index=0)
    with pytest.raises(ValueError, match=r"require grad must be probabilities of the input's "
                                         r"shape \(2, 3\)"):
        F.cross_entropy(z, Tensor(np.array([0.0, 1.0]), requires_grad=True))
    with pytest.raises(ValueError, match="empty batch"):  # (torch's NaN, as the op's path)
        F.cross_entropy(Tensor(np.zeros((0, 3))), Tensor(np.zeros((0, 3)), requires_grad=True))


@pytest.mark.parametrize("name,target", [("multilabel_margin_loss", np.zeros((0, 3), np.int64)),
                                         ("multi_margin_loss", np.zeros(0, np.int64))])
def test_empty_margin_losses_sum_0_mean_nan(name: str, target: np.ndarray) -> None:
    """(torch 2.13 returns uninitialised memory here, so the random comparisons skip it.)"""
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    assert float(getattr(F, name)(x, target, reduction="sum").data) == 0.0
    assert np.isnan(getattr(F, name)(x, target, reduction="mean").data)

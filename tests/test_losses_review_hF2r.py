"""Second review of helper hF2's losses change (helper hF2r): cross_entropy's probability targets
that require grad (`_soft_cross_entropy`), binary_cross_entropy's target check, the
broadcasting weights of multilabel_soft_margin_loss and cosine_embedding_loss's float32 eps,
against torch 2.13.

What was wrong: label_smoothing with no classes (logits (2, 0), or unbatched (0,)) raised
Python's ZeroDivisionError (torch: -0 per row); a class weight made a NumPy view inside the
step, so a jitted distillation step with a weight was refused (strict) or ran eagerly; a
weight that requires grad was refused "as PyTorch", where torch's composition differentiates it;
and ops.BinaryCrossEntropy itself took targets outside [0, 1] (the check was one more op per
call, a Tap, beside it)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn, no_grad, ops
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
TF = torch.nn.functional
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _soft(rng, shape, c):
    y = rng.random(shape)
    return y / y.sum(c, keepdims=True)


def _ce_both(z, t, kw, tol=1e-10):
    """F.cross_entropy against torch's with targets that require grad: values and both
    gradients (and the class weight's, when it is a Tensor that requires grad)."""
    wt = kw.get("weight")
    kwt = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    zt, tt = torch.tensor(z, requires_grad=True), torch.tensor(t, requires_grad=True)
    zo, to = Tensor(z, requires_grad=True), Tensor(t, requires_grad=True)
    if isinstance(wt, Tensor):
        kwt["weight"] = torch.tensor(wt.data, requires_grad=True)
    want = TF.cross_entropy(zt, tt, **kwt)
    got = F.cross_entropy(zo, to, **kw)
    assert got.shape == tuple(want.shape) and got.dtype == np.dtype(str(want.dtype)[6:])
    np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=tol, atol=tol)
    if want.numel():
        up = np.random.default_rng(1).standard_normal(got.shape) + 2
        want.backward(torch.tensor(up, dtype=want.dtype))
        (got * Tensor(up.astype(got.dtype))).sum().backward()
        pairs = [(zo, zt), (to, tt)]
        if isinstance(wt, Tensor):
            pairs.append((wt, kwt["weight"]))
        for a, b in pairs:
            np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("reduction", ["sum", "none"])
@pytest.mark.parametrize("shape", [(2, 0), (0,), (2, 0, 3)])
def test_soft_targets_label_smoothing_with_no_classes_is_torchs_zero(shape, reduction):
    """eps / K with K = 0 raised ZeroDivisionError, naming no op; torch gives -0 per row."""
    z = np.zeros(shape)
    _ce_both(z, z.copy(), {"reduction": reduction, "label_smoothing": 0.2})


@pytest.mark.parametrize("weight", ["array", "list", "tensor"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_jitted_distillation_step_with_a_class_weight_replays_as_eager(weight, reduction):
    """A teacher's softmax as the student's targets, both trained, a class weight: the step was
    refused by jit(strict=True) (a NumPy view of the weight made inside the step)."""
    rng = np.random.default_rng(0)
    student, teacher = nn.Linear(4, 3), nn.Linear(4, 3)
    params = student.parameters() + teacher.parameters()
    w = {"array": np.array([0.5, 2.0, 1.0]), "list": [0.5, 2.0, 1.0],
         "tensor": Tensor(np.array([0.5, 2.0, 1.0]))}[weight]

    def step(X):
        t = teacher(Tensor(X)).softmax(axis=1)
        loss = F.cross_entropy(student(Tensor(X)), t, weight=w, label_smoothing=0.1,
                               reduction=reduction)
        (loss.sum() if reduction == "none" else loss).backward()
        return loss

    jitted = jit(step, strict=True)
    for _ in range(4):
        X = rng.standard_normal((5, 4))
        for p in params:
            p.grad = None
        a = step(X)
        want = [p.grad.copy() for p in params]
        for p in params:
            p.grad = None
        b = jitted(X)
        assert a.data.tobytes() == b.data.tobytes()
        for p, g in zip(params, want):
            assert p.grad.tobytes() == g.tobytes()
    assert jitted.replays == 2


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2), (3,)])
def test_soft_targets_class_weight_that_requires_grad_is_differentiated_as_torch(shape):
    """torch's probability-target path is a composition: the weight's gradient is its; this
    refused the weight 'as PyTorch'."""
    rng = np.random.default_rng(2)
    c = 0 if len(shape) == 1 else 1
    w = Tensor(rng.random(shape[c]) + 0.5, requires_grad=True)
    _ce_both(rng.standard_normal(shape), _soft(rng, shape, c), {"weight": w, "reduction": "sum"})


@pytest.mark.parametrize("dtypes", [(np.float32, np.float32), (np.float32, np.float64),
                                    (np.float64, np.float32)])
@pytest.mark.parametrize("kw", [{}, {"weight": np.array([0.5, 2.0, 1.0, 1.5]),
                                     "label_smoothing": 0.3}])
def test_soft_targets_mixed_dtypes_and_unnormalised_targets_are_torchs(dtypes, kw):
    rng = np.random.default_rng(3)
    z = rng.standard_normal((3, 4)).astype(dtypes[0])
    t = (rng.random((3, 4)) * 3).astype(dtypes[1])  # (rows that do not sum to 1)
    tol = 1e-10 if dtypes == (np.float64, np.float64) else 2e-6
    for reduction in ("mean", "sum", "none"):
        _ce_both(z, t, {"reduction": reduction, **kw}, tol)


def test_soft_targets_under_no_grad_take_the_ops_path_with_its_values():
    """Targets that require grad under no_grad go through ops.CrossEntropy, as before: the
    same numbers as the differentiated path."""
    rng = np.random.default_rng(4)
    z, t = rng.standard_normal((2, 3, 2)), _soft(rng, (2, 3, 2), 1)
    kw = {"weight": np.array([1.0, 2.0, 0.5]), "label_smoothing": 0.2, "reduction": "none"}
    with_grad = F.cross_entropy(Tensor(z), Tensor(t, requires_grad=True), **kw).data
    with no_grad():
        off = F.cross_entropy(Tensor(z), Tensor(t, requires_grad=True), **kw).data
    np.testing.assert_allclose(with_grad, off, rtol=1e-13)


def test_binary_cross_entropy_op_checks_its_targets():
    """The target check lives in ops.BinaryCrossEntropy (torch's kernel's check): any caller
    of the op is checked, and a replay checks every batch, with no op more per call."""
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target must hold values in "
                                         r"\[0, 1\].*got values in \[0.0, 2.0\]"):
        ops.BinaryCrossEntropy.apply(Tensor(np.array([0.3, 0.6])), Tensor(np.array([0.0, 2.0])))
    p = Tensor(np.full(3, 0.5), requires_grad=True)
    j = jit(lambda y: F.binary_cross_entropy(p, Tensor(y)).backward(), strict=True)
    for _ in range(3):
        j(np.array([0.0, 1.0, 0.5]))
    assert j.replays == 1
    with pytest.raises(ValueError, match=r"target must hold values in \[0, 1\].*and NaN"):
        j(np.array([0.0, np.nan, 2.0]))


@pytest.mark.parametrize("target", [np.array([0, 1, 1]), np.array([False, True, True]),
                                    np.array([0.0, 1.0, 1.0], np.float32),
                                    np.array([-0.0, 1.0, 1.0])])
def test_binary_cross_entropy_targets_of_any_kind_in_range_pass(target):
    p = np.array([0.2, 0.7, 0.5])
    want = TF.binary_cross_entropy(torch.tensor(p), torch.tensor(target.astype(np.float64)))
    got = nn.BCELoss()(Tensor(p), Tensor(target))
    np.testing.assert_allclose(got.data, want.item(), rtol=1e-13)
    for bad in (np.array(1.5), np.array(np.inf), np.array([np.nan, 0.5])):
        with pytest.raises(ValueError, match="binary_cross_entropy: target must hold"):
            F.binary_cross_entropy(np.full(bad.shape, 0.5), bad)


def test_binary_cross_entropy_target_that_requires_grad_keeps_torchs_gradients():
    p, y = np.array([0.2, 0.7, 0.5]), np.array([0.1, 0.9, 0.4])
    pt, yt = torch.tensor(p, requires_grad=True), torch.tensor(y, requires_grad=True)
    TF.binary_cross_entropy(pt, yt, weight=torch.tensor([2.0], dtype=torch.float64)).backward()
    po, yo = Tensor(p, requires_grad=True), Tensor(y, requires_grad=True)
    with pytest.raises(ValueError, match="would broadcast to"):  # (torch refuses it too)
        F.binary_cross_entropy(po, yo, weight=np.array([[2.0]]))
    F.binary_cross_entropy(po, yo, weight=np.array([2.0])).backward()
    np.testing.assert_allclose(po.grad, pt.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(yo.grad, yt.grad.numpy(), rtol=1e-13)


@pytest.mark.parametrize("shape,wshape", [((2, 3), (2, 1, 3)), ((3,), (1, 3)), ((3,), (3, 1)),
                                          ((2, 4, 3), (1, 1, 1, 3)), ((2, 1, 4, 3), (2, 1, 3))])
def test_multilabel_soft_margin_weight_that_grows_the_loss_is_refused(shape, wshape):
    """torch broadcasts the loss past the input's shape (a (2, 1, 3) weight on (2, 3): a (2, 2)
    loss, averaged into a number that means nothing); refused in one line."""
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal(shape), rng.integers(0, 2, shape) * 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        TF.multilabel_soft_margin_loss(torch.tensor(x), torch.tensor(y),
                                       weight=torch.tensor(rng.random(wshape)))  # (no error)
    with pytest.raises(ValueError, match=r"multilabel_soft_margin_loss: weight of shape "
                                         r".* would broadcast to"):
        F.multilabel_soft_margin_loss(x, y, weight=rng.random(wshape))


@pytest.mark.parametrize("scale", [0.0, 1e-7, 1.0])
def test_cosine_embedding_loss_float32_is_torchs_bits_close(scale):
    rng = np.random.default_rng(6)
    a = (rng.standard_normal((4, 3)) * scale).astype(np.float32)
    b = rng.standard_normal((4, 3)).astype(np.float32)
    a[0] = 0
    y = np.array([1, -1, 1, -1], np.float32)
    ot = [Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)]
    tt = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    got = F.cosine_embedding_loss(*ot, y, reduction="sum")
    want = TF.cosine_embedding_loss(*tt, torch.tensor(y), reduction="sum")
    got.backward()
    want.backward()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.data, want.item(), rtol=1e-6)
    for o, t in zip(ot, tt):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-5, atol=1e-3)

"""A skeptic's review of PyTorch's keyword names (8eaf9e0, a1a0791): add/sub's alpha= against
torch 2.13. Each test failed before its fix."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def both(op, a, b, alpha):
    """tinygrad_dl's and torch's op(a, b, alpha=alpha) (arrays in, arrays out)."""
    ours = getattr(tg, op)(tg.Tensor(a), tg.Tensor(b), alpha=alpha).data
    theirs = getattr(torch, op)(torch.tensor(a), torch.tensor(b), alpha=alpha).numpy()
    return ours, theirs


@pytest.mark.parametrize("op", ["add", "sub"])
def test_alpha_scales_in_the_result_dtype_not_others(op):
    # a float32 other was scaled in float32 before a float64 add: 5e-9 off torch's, and an
    # alpha beyond float32's range made inf where torch gives finite numbers
    a, b = np.array([0.1, 0.7, -2.3]), np.array([0.1, 0.3, 1e-3], np.float32)
    for alpha in (0.1, -3.7, 1e40):
        ours, theirs = both(op, a, b, alpha)
        assert ours.dtype == theirs.dtype == np.float64
        np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)


def test_alpha_with_a_bool_other_keeps_a_float32_result():
    # bool * 2 was int64, and float32 + int64 is float64 (torch: float32)
    for alpha in (2, -1, 0, 0.5):
        ours, theirs = both("add", np.array([0.1, 1.5], np.float32), np.array([True, False]),
                            alpha)
        assert ours.dtype == theirs.dtype == np.float32
        np.testing.assert_array_equal(ours, theirs)


def test_alpha_of_a_bool_result_is_read_as_a_bool():
    # torch: a + bool(alpha) * b, a bool; it was int64 ([3, 0, 3] for alpha=2)
    a = b = np.array([True, False, True])
    for alpha in (2, -1, 0, np.int64(3)):
        ours, theirs = both("add", a, b, alpha)
        assert ours.dtype == theirs.dtype == np.bool_
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("op", ["add", "sub"])
def test_a_float_alpha_is_refused_for_an_integer_result_as_torch(op):
    # torch refuses any float alpha (2.0 and 1.0 too) when the result is an integer;
    # 2.0 gave a float64 result here without a word
    a, b = np.array([1, -2, 3]), np.array([4, 5, 6], np.int32)
    for alpha in (2.0, 1.0, np.float64(2.0), 0.5):
        with pytest.raises(RuntimeError):
            getattr(torch, op)(torch.tensor(a), torch.tensor(b), alpha=alpha)
        with pytest.raises(TypeError, match=rf"{op}\(alpha=.*fractional alpha or not.*integer"):
            getattr(tg, op)(tg.Tensor(a), tg.Tensor(b), alpha=alpha)


@pytest.mark.parametrize("op", ["add", "sub"])
def test_a_fractional_alpha_with_an_integer_self_and_a_float_other_is_torchs(op):
    # the result is float: torch computes it; it was refused (self's dtype was checked)
    a, b = np.array([1, -2, 3]), np.array([0.5, -1.25, 3.0])
    for alpha in (0.5, -0.25, np.float32(0.5)):
        ours, theirs = both(op, a, b, alpha)
        assert ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)


@pytest.mark.parametrize("alpha", [0, -2, 0.5, 3])
def test_alpha_gradients_of_mixed_dtypes_are_torchs(alpha):
    a, b = np.array([0.5, -1.0, 2.0]), np.array([[1.5], [0.25]], np.float32)
    x, y = tg.Tensor(a, requires_grad=True), tg.Tensor(b, requires_grad=True)
    z = tg.add(x, other=y, alpha=alpha)
    (z * z).sum().backward()
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    tz = torch.add(tx, other=ty, alpha=alpha)
    (tz * tz).sum().backward()
    np.testing.assert_allclose(z.data, tz.detach().numpy(), rtol=1e-15, atol=0)
    for ours, theirs in ((x.grad, tx.grad), (y.grad, ty.grad)):
        ours = np.asarray(ours)
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-6, atol=0)


def test_a_softplus_pickled_before_beta_existed_still_runs():
    # nn.Softplus had no attributes before beta/threshold: its pickle raised AttributeError
    import pickle

    m = tg.nn.Softplus()
    del m.__dict__["beta"], m.__dict__["threshold"]  # (the old pickle's state)
    old = pickle.loads(pickle.dumps(m))
    x = tg.Tensor(np.array([-3.0, 0.5, 30.0]))
    np.testing.assert_array_equal(old(x).data, tg.nn.functional.softplus(x).data)
    assert repr(old) == "Softplus(beta=1.0, threshold=20.0)"


def test_a_jitted_step_with_alpha_of_mixed_dtypes_replays_as_eager():
    from tinygrad_dl.jit import jit

    rng = np.random.default_rng(0)
    w = tg.Tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    b = tg.Tensor(np.array([True, False, True]))

    def step(x):
        m = tg.sub(tg.Tensor(x), w, alpha=0.1) + tg.add(tg.Tensor(x), b, alpha=3)
        (m * m).sum().backward()
        return m

    replayed = jit(step, strict=True)
    for _ in range(4):
        x = rng.standard_normal((4, 3))
        w.grad = None
        got, got_grad = replayed(x).data.copy(), np.array(w.grad)
        w.grad = None
        np.testing.assert_array_equal(got, step(x).data)
        np.testing.assert_array_equal(got_grad, np.array(w.grad))
    assert replayed.replays == 2


# ---- the review's leftover: tg.rsub's alpha, by add's rule ----------------------------------
@pytest.mark.parametrize("dx, dy, alpha", [
    ("int64", "int64", 2), ("float32", "float64", 0.1), ("float64", "float32", 0.1),
    ("float32", "float32", -3), ("int64", "float64", 0.5), ("float64", "int64", 2),
])
def test_rsub_scales_in_the_results_dtype_as_torch(dx, dy, alpha):
    x, y = np.array([1, 2, -3]).astype(dx), np.array([0.1, 0.2, 7]).astype(dy)
    ours = tg.rsub(tg.Tensor(x), tg.Tensor(y), alpha=alpha)
    theirs = torch.rsub(torch.from_numpy(x), torch.from_numpy(y), alpha=alpha)
    assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("alpha", [2.0, 0.5])
def test_rsub_refuses_a_float_alpha_for_an_integer_result_as_torch(alpha):
    x, y = np.array([1, 2]), np.array([3, 4])
    with pytest.raises(RuntimeError):
        torch.rsub(torch.from_numpy(x), torch.from_numpy(y), alpha=alpha)
    with pytest.raises(TypeError, match="rsub"):  # (it gave float64 [1., 0.] without a word)
        tg.rsub(tg.Tensor(x), tg.Tensor(y), alpha=alpha)


@pytest.mark.parametrize("call, named", [
    (lambda: tg.nn.BatchNorm2d(3, num_features=3), "BatchNorm2d()"),  # (its __init__ is 1d's)
    (lambda: tg.nn.BatchNorm1d(3, num_features=3), "BatchNorm1d()"),
    (lambda: tg.zeros((2,), size=(2,)), "Tensor.zeros()"),  # (a static method: not 'tuple')
    (lambda: tg.Tensor(np.ones(2)).permute(0, dims=(0,)), "Tensor.permute()"),
])
def test_both_names_at_once_names_the_call_that_was_made(call, named):
    with pytest.raises(TypeError, match=r"got both") as e:
        call()
    assert str(e.value).startswith(named), str(e.value)


@pytest.mark.parametrize("beta,threshold", [(1.0, 20.0), (2.0, 20.0), (1.0, 5.0), (0.5, 3.0)])
def test_softplus_defaults_take_torchs_linear_part_too(beta, threshold):
    """Before: at beta=1, threshold=20 (the defaults) F.softplus and nn.Softplus gave the exact
    log(1 + e^x) above the threshold (x + 2e-9 at x = 20, gradient 1 - 2e-9) where torch gives
    x and 1, while every other threshold gave torch's: now all of them do."""
    torch = pytest.importorskip("torch")
    a = np.array([-30.0, -1.0, 0.0, 1.5, 4.0, 19.9, 20.0, 20.5, 21.0, 40.0, 700.0])
    for f in (lambda t: tg.nn.functional.softplus(t, beta, threshold),
              tg.nn.Softplus(beta, threshold)):
        x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = f(x), torch.nn.functional.softplus(tx, beta, threshold)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-15, atol=0)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-15, atol=1e-300)


def test_softplus_beta_zero_is_refused_in_one_line():
    # (torch: inf everywhere and a 0.5 gradient; ours gave inf and a NaN gradient)
    with pytest.raises(ValueError, match="softplus: beta=0") as e:
        tg.nn.Softplus(beta=0.0)(tg.tensor(np.array([1.0])))
    assert "\n" not in str(e.value)

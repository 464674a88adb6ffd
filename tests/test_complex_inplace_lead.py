"""In-place ops of complex tensors against torch 2.13: `conj_physical_` (method and
`tg.conj_physical_`; absent before) conjugates in place, seen through views, a no-op on real
tensors; `abs_` / `absolute_` of a complex tensor are refused as torch refuses them (they wrote
|z| + 0j into it without a word); in-place ops with complex results and the comparisons
(0 / 1 written) stay allowed."""

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")
Z = [3 + 4j, -1 - 2j, 0.5j]


@pytest.mark.parametrize("spelling", ["method", "function"])
def test_conj_physical_in_place_as_torch(spelling):
    ours, theirs = tg.tensor(Z), torch.tensor(Z, dtype=torch.complex128)
    view, tview = ours[1:], theirs[1:]
    if spelling == "method":
        got, want = ours.conj_physical_(), theirs.conj_physical_()
    else:
        got, want = tg.conj_physical_(ours), torch.conj_physical_(theirs)
    assert got is ours and want is theirs
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(view.numpy(), tview.numpy())


def test_conj_physical_of_real_is_no_op_and_leaf_refused():
    x = tg.tensor([1.5, -2.0])
    x.conj_physical_()
    np.testing.assert_array_equal(x.numpy(), [1.5, -2.0])
    w = tg.tensor([1.5, -2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="conj_physical_.*leaf"):
        w.conj_physical_()


@pytest.mark.parametrize("call", ["abs_", "absolute_", "tg.abs_"])
def test_abs_in_place_of_complex_refused_as_torch(call):
    ours = tg.tensor(Z)
    theirs = torch.tensor(Z, dtype=torch.complex128)
    with pytest.raises(RuntimeError, match="not supported for complex"):
        torch.abs_(theirs) if call == "tg.abs_" else getattr(theirs, call)()
    with pytest.raises(TypeError, match=r"abs.*_: not supported for complex tensors") as e:
        tg.abs_(ours) if call == "tg.abs_" else getattr(ours, call)()
    assert "\n" not in str(e.value)
    np.testing.assert_array_equal(ours.numpy(), np.array(Z))  # nothing written


@pytest.mark.parametrize("call", ["sgn_", "neg_", "square_", "reciprocal_", "exp_"])
def test_complex_results_in_place_as_torch(call):
    ours, theirs = tg.tensor(Z), torch.tensor(Z, dtype=torch.complex128)
    getattr(ours, call)()
    getattr(theirs, call)()
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15, atol=0)


def test_comparison_in_place_writes_one_and_zero():
    ours, theirs = tg.tensor(Z), torch.tensor(Z, dtype=torch.complex128)
    ours.eq_(tg.tensor([3 + 4j, 0j, 0.5j]))
    theirs.eq_(torch.tensor([3 + 4j, 0j, 0.5j], dtype=torch.complex128))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())

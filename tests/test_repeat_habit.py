"""`x.repeat`: NumPy's repeat (each element k times) and PyTorch's repeat (the tensor tiled) read
some calls differently. Such a call raises one line naming both spellings; before, it silently
took NumPy's reading (`v.repeat(3)` of a vector gave [a a a b b b] where PyTorch gives
[a b a b a b], `x.repeat(2, 1)` a (2, 4) tensor where PyTorch gives (4, 2))."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor

A = np.array([[1.0, 2.0], [3.0, 4.0]])
V = np.array([1.0, 2.0])


def test_a_vector_repeat_both_libraries_read_differently_raises() -> None:
    v = Tensor(V)
    with pytest.raises(TypeError, match=r"^x.repeat\(3\) on a 1-D tensor: NumPy repeats each "
                                        r"element, PyTorch tiles the tensor; write "
                                        r"x.repeat\(3, axis=0\) for NumPy's \(torch's "
                                        r"repeat_interleave\), or x.tile\(\(3,\)\) for PyTorch's$"):
        v.repeat(3)
    with pytest.raises(TypeError, match=r"write x.repeat\(\[2, 1\], axis=0\) .* "
                                        r"x.tile\(\(2, 1\)\)"):
        v.repeat([2, 1])


def test_two_positional_ints_on_a_matrix_raise() -> None:
    with pytest.raises(TypeError, match=r"x.repeat\(2, 1\) on a 2-D tensor: .* write "
                                        r"x.repeat\(2, axis=1\) for NumPy's .* or "
                                        r"x.tile\(\(2, 1\)\) for PyTorch's"):
        Tensor(A).repeat(2, 1)
    with pytest.raises(TypeError, match=r"x.repeat\(\*sizes\) is x.tile\(\(1, 2, 1\)\)"):
        Tensor(A).repeat(1, 2, 1)
    with pytest.raises(TypeError, match=r"x.tile\(\(2, 1\)\)"):
        Tensor(A).repeat((2, 1))


def test_calls_only_numpy_can_mean_stay_numpys() -> None:
    x, v = Tensor(A), Tensor(V)
    assert x.repeat(2).tolist() == np.repeat(A, 2).tolist()  # PyTorch: too few sizes
    assert x.repeat(2, axis=1).tolist() == np.repeat(A, 2, axis=1).tolist()
    assert x.repeat(2, dim=0).tolist() == np.repeat(A, 2, axis=0).tolist()
    assert v.repeat(3, axis=0).tolist() == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    assert v.repeat(np.array([2, 0])).tolist() == [1.0, 1.0]  # counts as an array
    assert v.repeat(1).tolist() == [1.0, 2.0]  # the same in both
    assert Tensor(np.float64(5.0)).repeat(2).tolist() == [5.0, 5.0]  # the same in both


def test_repeat_interleave_and_the_function_spellings_are_numpys_repeat() -> None:
    x, v = Tensor(A), Tensor(V)
    assert v.repeat_interleave(3).tolist() == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    assert x.repeat_interleave(2, 1).tolist() == np.repeat(A, 2, 1).tolist()
    assert x.repeat_interleave(2, dim=1).tolist() == np.repeat(A, 2, 1).tolist()
    assert tg.repeat(v, 3).tolist() == np.repeat(V, 3).tolist()  # np.repeat(a, repeats, axis)
    assert tg.repeat(x, 2, 1).tolist() == np.repeat(A, 2, 1).tolist()
    assert tg.repeat_interleave(x, 2, dim=0).tolist() == np.repeat(A, 2, 0).tolist()


def test_the_gradient_of_repeat_adds_the_copies() -> None:
    v = Tensor(V, requires_grad=True)
    (v.repeat(3, axis=0) * Tensor(np.arange(6.0))).sum().backward()
    assert v.grad.tolist() == [0.0 + 1 + 2, 3.0 + 4 + 5]


def test_the_suggested_spellings_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    t = torch.tensor(V)
    assert Tensor(V).tile((3,)).tolist() == t.repeat(3).tolist()
    assert Tensor(A).tile((2, 1)).tolist() == torch.tensor(A).repeat(2, 1).tolist()
    assert Tensor(V).repeat(3, axis=0).tolist() == t.repeat_interleave(3).tolist()

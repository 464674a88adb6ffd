"""The layout refusal's advice (ops.indexing.check_layout) where a rewrite is easy to get wrong:
a boolean mask takes one axis per dimension (x[None, m2d, :, 0] takes the int from axis 3, not
2), and after a `...` a trailing `:` places the rest (x[1][..., idx, :] is not x[1][..., idx]).
Each rewrite is run in NumPy and in torch; an index with two `...` gets NumPy's own error."""
import numpy as np
import pytest
from test_indexing_layout_hL import FULL, advice

import tinygrad_dl as tg

MASK = np.array([[True, False, True], [False, True, True]])


@pytest.mark.parametrize("index, first", [
    ((None, MASK, FULL, 0), "x[:, :, :, 0][None, idx]"),
    ((1, Ellipsis, [0, 1], FULL), "x[1][..., [0, 1], :]"),
    ((0, Ellipsis, [0, 1], FULL, None), "x[0][..., [0, 1], :, None]"),
], ids=["2d-mask-then-int", "ellipsis-array-slice", "ellipsis-array-slice-none"])
def test_the_ints_first_rewrite_is_torch_s_reading_in_both_libraries(index, first):
    torch = pytest.importorskip("torch")
    a = np.arange(120.0).reshape(2, 3, 4, 5)
    t_index = tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in index)
    want = torch.from_numpy(a)[t_index].numpy()
    with pytest.raises(IndexError, match="NumPy puts this index's advanced axes first") as e:
        tg.Tensor(a)[index]
    ints_first, as_arrays = advice(str(e.value))
    assert ints_first == first
    got_np = eval(ints_first, {"x": a, "idx": MASK})  # noqa: S307 (our own message)
    got_torch = eval(ints_first, {"x": torch.from_numpy(a),  # noqa: S307
                                  "idx": torch.from_numpy(MASK)}).numpy()
    assert got_np.shape == want.shape and got_torch.shape == want.shape
    np.testing.assert_array_equal(got_np, want)
    np.testing.assert_array_equal(got_torch, want)
    np.testing.assert_array_equal(
        eval(as_arrays, {"x": a, "idx": MASK}),  # noqa: S307
        eval(as_arrays, {"x": torch.from_numpy(a), "idx": torch.from_numpy(MASK)}).numpy())


def test_two_ellipses_get_numpy_s_error_not_the_layout_advice():
    with pytest.raises(IndexError, match=r"^getitem: an index can only have a single ellipsis"):
        tg.Tensor(np.ones((4, 3, 2)))[0, ..., ..., (0, 1)]

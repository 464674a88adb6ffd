"""torch 2.13 counts a nested bool list (depth >= 2) in an index as one axis when it sizes a
`...` (a bool tensor as its ndim, as NumPy does), so x[L, ..., [1]] is NumPy's (3, 2) but
torch's (3, 2, 3): refused in one line (it went through with NumPy's result), advising a bool
tensor, which both read alike. Where the two agree (no `...`, only `:`s after it, a bool
tensor or array mask, a flat bool list) nothing changes."""

import numpy as np
import pytest

import tinygrad_dl as tg

X = np.arange(36.0).reshape(3, 2, 2, 3)
L = [[True, False]] * 3
T = ((True, False), (False, True), (True, True))

REFUSED = [
    (L, ..., [1]),
    (L, ..., 0),
    (L, ..., None),
    (L, ..., slice(0, 2)),  # (torch skips a cutting 0:k there)
    (L, ..., slice(None), [0]),
    (T, ..., [1]),
    (..., [[True, False, True]] * 2),
    (None, ..., [[[True, False, True]]] * 2),
    (0, ..., [[True, False, True], [False, False, True]]),
]
ALIKE = [(L, ...), (L, ..., slice(None)), (L, [1]), (L, 0, [1]), (L,), (L, slice(None)),
         ([True, False, True], ..., [1]), (np.array(L), ..., [1]), (tg.tensor(L), ..., [1])]


@pytest.mark.parametrize("index", REFUSED, ids=range(len(REFUSED)))
def test_nested_bool_list_beside_ellipsis_is_refused_in_one_line(index):
    x = tg.Tensor(X)
    with pytest.raises(IndexError, match=r"^getitem: torch counts a nested bool list beside "
                                         r"`\.\.\.` as one axis, NumPy as [23], .*bool tensor, "
                                         r"tensor\(L\).*shape \(3, 2, 2, 3\)") as e:
        x[index]
    assert "\n" not in str(e.value)


def test_setitem_is_refused_too():
    x = tg.Tensor(X.copy())
    with pytest.raises(IndexError, match=r"nested bool list beside `\.\.\.`"):
        x[L, ..., [1]] = 0.0
    np.testing.assert_array_equal(x.data, X)


@pytest.mark.parametrize("index", ALIKE, ids=range(len(ALIKE)))
def test_the_forms_both_read_alike_still_give_numpys_result(index):
    x = tg.Tensor(X, requires_grad=True)
    plain = tuple(i.data if isinstance(i, tg.Tensor) else i for i in index)
    np.testing.assert_array_equal(x[index].data, X[plain])


def test_the_advice_holds_with_torch_as_oracle():
    torch = pytest.importorskip("torch")
    tx = torch.tensor(X)
    assert tuple(tx[L, ..., [1]].shape) == (3, 2, 3) != X[L, ..., [1]].shape  # the quirk
    assert tuple(tx[np.array(L), ..., [1]].shape) == (3, 2, 3)  # an array: read as the list
    good = tg.Tensor(X)[tg.tensor(L), ..., [1]].data
    np.testing.assert_array_equal(tx[torch.tensor(L), ..., [1]].numpy(), good)
    for index in REFUSED:  # each refused form: torch differs from NumPy, or fails
        try:
            theirs = tx[index].numpy()
        except (IndexError, RuntimeError):
            continue
        mine = X[index]
        assert theirs.shape != mine.shape or not np.array_equal(theirs, mine), index
    for index in ALIKE[:-2]:
        np.testing.assert_array_equal(tx[index].numpy(), X[index])

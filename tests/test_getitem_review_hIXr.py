"""Second review of the empty-list index change (hIX): lists of empty lists beside a slice,
None or `...`, the write t[:, []] = v, anomaly mode and a jit replay; and NumPy's 1-D empty
boolean mask, which picked nothing from a non-empty axis (and lost the write) where torch 2.13
refuses it, as NumPy refuses every other mask of the wrong length."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.jit import jit

EMPTY_LISTS = [(slice(None), []), ([], []), (slice(None), [[], []]), ([[], []], slice(None)),
               (Ellipsis, []), (None, []), ([], None), ([], Ellipsis), ([], [0]),
               (slice(None), ())]


@pytest.mark.parametrize("index", EMPTY_LISTS)
def test_empty_lists_in_a_tuple_index_give_numpy_shape_and_a_zero_gradient(index):
    a = np.arange(12.0).reshape(3, 4)
    x = tg.tensor(a, requires_grad=True)
    out = x[index]
    assert out.shape == a[index].shape
    (out * 2).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), np.zeros((3, 4)))


@pytest.mark.parametrize("index", EMPTY_LISTS[:6])
def test_writing_at_empty_lists_changes_nothing(index):
    a = np.arange(12.0).reshape(3, 4)
    for v in (5.0, tg.tensor(np.zeros(a[index].shape))):
        x = tg.tensor(a.copy())
        x[index] = v
        np.testing.assert_array_equal(x.numpy(), a)


def test_empty_list_under_anomaly_mode_and_jit_replay():
    x = tg.tensor(np.ones((3, 2)), requires_grad=True)
    with tg.autograd.detect_anomaly():
        x[[], 0].sum().backward()
        x[:, [[]]].sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), np.zeros((3, 2)))
    W = tg.tensor(np.ones((3, 2)), requires_grad=True)

    def step(w):
        loss = (W[:, []].sum() + (W * w).sum())
        loss.backward()
        return loss
    replayed = jit(step)
    for k in range(4):
        W.grad = None
        assert replayed(tg.tensor(np.full((3, 2), float(k)))).item() == 6.0 * k
        np.testing.assert_array_equal(np.asarray(W.grad), np.full((3, 2), float(k)))
    assert replayed.replays >= 2  # (a fresh empty array per call froze no replay: eager)


def test_a_ragged_list_in_a_tuple_index_is_refused_in_one_line():
    with pytest.raises((ValueError, IndexError)) as e:
        tg.tensor(np.ones((3, 4)))[:, [[0], []]]
    assert "\n" not in str(e.value)


EMPTY_MASKS = [lambda m: m, lambda m: tg.tensor(m), lambda m: (slice(None), m),
               lambda m: (Ellipsis, m), lambda m: (None, m), lambda m: (0, m)]


@pytest.mark.parametrize("form", range(len(EMPTY_MASKS)))
def test_an_empty_mask_against_a_non_empty_axis_is_refused(form):
    # NumPy 2.x: np.ones((3, 4))[np.zeros(0, bool)] is (0, 4) without a word; torch 2.13 and
    # NumPy's own rule for every other length refuse it
    index = EMPTY_MASKS[form](np.zeros(0, bool))
    x = tg.tensor(np.ones((3, 4)))
    with pytest.raises(IndexError, match="getitem: a boolean mask of length 0 against axis"):
        x[index]
    with pytest.raises(IndexError, match=r"__setitem__.*boolean mask of length 0"):
        x[index] = 5.0
    np.testing.assert_array_equal(x.numpy(), np.ones((3, 4)))


def test_an_empty_mask_against_an_empty_axis_still_picks_nothing():
    e = np.zeros(0, bool)
    x = tg.tensor(np.ones((0, 4)), requires_grad=True)
    assert x[e].shape == (0, 4)
    assert tg.tensor(np.ones((4, 0)))[:, tg.tensor(e)].shape == (4, 0)
    assert tg.tensor(np.ones((3, 4)))[np.zeros((3, 0), bool)].shape == (0,)  # (3, 0) matches
    x[e].sum().backward()
    assert np.asarray(x.grad).shape == (0, 4)


@pytest.mark.slow  # (importing torch)
def test_empty_mask_refusal_matches_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(IndexError):
        torch.ones(3, 4)[torch.zeros(0, dtype=torch.bool)]
    assert tuple(torch.ones(0, 4)[torch.zeros(0, dtype=torch.bool)].shape) == (0, 4)

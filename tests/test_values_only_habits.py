"""PyTorch's `_, pred = torch.max(out, 1)`: here `tg.max(out, 1)` is NumPy's values alone, so a
batch of 2 rows unpacked silently (pred became the second row's maximum) and other batches
failed with Python's bare "too many values to unpack". Unpacking such a result (max, min,
tg.sort with a positional axis) raises one line naming the spellings; other iteration warns at
the caller's line; the (values, indices) spellings and amax/amin are untouched."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

OUT = np.array([[1.0, 5.0, 2.0], [3.0, 2.0, 0.0]])  # a batch of 2: the case that was silent


@pytest.mark.parametrize("rows", [2, 3])
@pytest.mark.parametrize("call, words", [
    (lambda x: tg.max(x, 1), r"unpacking x\.max\(1\): .*write x\.max\(dim=1\) for the pair, "
                             r"x\.argmax\(1\) for the indices"),
    (lambda x: x.max(1), r"unpacking x\.max\(1\)"),
    (lambda x: x.max(axis=1, keepdims=True), r"unpacking x\.max\(1\)"),
    (lambda x: tg.min(x, 1), r"unpacking x\.min\(1\): .*x\.min\(dim=1\).*x\.argmin\(1\)"),
    (lambda x: x.min(-1), r"unpacking x\.min\(-1\)"),
    (lambda x: tg.sort(x, 1), r"unpacking tg\.sort\(x, 1\): .*tg\.sort\(x, dim=1\) or "
                              r"x\.sort\(1\) for the pair, x\.argsort\(1\)"),
    (lambda x: tg.sort(x), r"unpacking tg\.sort\(x, -1\)"),
])
def test_unpacking_a_values_only_result_raises_naming_the_pair_spelling(call, words, rows):
    x = tg.tensor(np.resize(OUT, (rows, 3)))
    with pytest.raises(TypeError, match=words) as e:
        _, pred = call(x)
    assert "\n" not in str(e.value)
    with pytest.raises(TypeError, match=words):
        first, *rest = call(x)


def test_iterating_a_values_only_result_warns_at_the_callers_line_and_gives_the_rows():
    x = tg.tensor(OUT)
    with pytest.warns(UserWarning, match=r"iterating x\.max\(1\): .*iterate x\.amax\(1\)") as w:
        got = [float(v) for v in x.max(1)]
    assert got == [5.0, 3.0] and w[0].filename == __file__


def test_the_pair_spellings_and_amax_iterate_without_a_word():
    x = tg.tensor(OUT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, pred = tg.max(x, dim=1)
        _, low = x.min(dim=1)
        _, order = tg.sort(x, dim=1)
        a, b = x.amax(1)
        c, d = x.sort(1).values
        rows = list(x)  # an ordinary tensor's rows, and a max over everything, are untouched
    assert pred.tolist() == [1, 0] and low.tolist() == [0, 2] and order.tolist()[1] == [2, 1, 0]
    assert (float(a), float(b), float(c[0]), float(d[2])) == (5.0, 3.0, 1.0, 3.0)
    assert len(rows) == 2 and x.max().item() == 5.0

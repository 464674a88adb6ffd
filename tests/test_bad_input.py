"""Bad input is one clear error, never a silent wrong answer or a traceback: labels outside
[0, K) or not integers, empty batches, non-finite or out-of-range numeric flags; and a
parameter's .grad always has the parameter's dtype."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.cli import main
from tinygrad_dl.functional import one_hot


@pytest.mark.parametrize("labels, words", [
    ([0, 1, -1], "labels must be in [0, 4), got -1..1"),
    ([0, 1, 4], "labels must be in [0, 4), got 0..4"),
    ([0.0, 1.0, 2.0], "class labels must be integers, got dtype float64"),
    ([True, False, True], "class labels must be integers, got dtype bool"),
])
def test_cross_entropy_refuses_bad_labels(labels, words) -> None:
    z = Tensor(np.zeros((3, 4)), requires_grad=True)
    with pytest.raises(ValueError, match="cross_entropy") as e:
        F.cross_entropy(z, labels)
    assert words in str(e.value)
    with pytest.raises(ValueError, match="one_hot"):
        one_hot(labels, 4)


@pytest.mark.parametrize("dtype", ["<i1", "<i2", "<i4", "<i8", ">i2", ">i4", ">i8",
                                   "<u1", "<u4", ">u8"])
@pytest.mark.parametrize("K", [3, 127, 128, 129, 300, 70_000])
def test_label_check_in_one_pass_catches_both_ends_in_every_integer_dtype(dtype, K) -> None:
    """check_labels reads signed labels as unsigned (a negative one is then >= 2**(bits-1)),
    one max instead of a min and a max; where K is above 2**(bits-1) that would let -1 pass
    (int8 -1 reads 255 < 300), so it checks both ends there. Same verdicts, same message."""
    from tinygrad_dl.ops.loss import check_labels

    info = np.iinfo(dtype)
    top = min(K, int(info.max) + 1) - 1
    check_labels("t", np.array([0, top], dtype=dtype), K)  # in range: passes
    check_labels("t", np.array([top, 0, top], dtype=dtype)[::2], K)  # strided: passes
    bad = [v for v in (-1, int(info.min), K) if info.min <= v <= info.max and not 0 <= v < K]
    for v in bad:
        y = np.array([0, v], dtype=dtype)
        with pytest.raises(ValueError, match=rf"labels must be in \[0, {K}\), got "
                                             rf"{y.min()}\.\.{y.max()}"):
            check_labels("t", y, K)


def test_cross_entropy_empty_batch_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="cross_entropy: empty batch"):
        F.cross_entropy(Tensor(np.zeros((0, 4))), np.array([], dtype=np.int64))


def test_float32_parameter_gets_float32_grad_with_float64_input() -> None:
    w = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    x = Tensor(np.ones((4, 3)))  # float64
    h = x @ w
    assert h.data.dtype == np.float64
    h.retain_grad()
    mid = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    m = h * mid
    m.retain_grad()
    (m * m).sum().backward()
    assert w.grad.dtype == np.float32 and mid.grad.dtype == np.float32
    assert h.grad.dtype == np.float64  # a retained grad has its own tensor's dtype
    np.testing.assert_allclose(w.grad, np.full((3, 2), 4 * 2 * 3.0))


@pytest.mark.parametrize("argv, flag", [
    (["train", "two-layer", "--n-batch", "0"], "--n-batch: must be >= 1, got 0"),
    (["train", "char-rnn", "--m", "0"], "--m: must be >= 1, got 0"),
    (["train", "one-layer", "--lambda", "nan"], "--lambda: expected a finite number"),
    (["train", "one-layer", "--eta", "-1"], "--eta: must be > 0"),
    (["train", "k-layer", "--dropout", "1"], "--dropout: must be < 1"),
    (["train", "one-layer", "--epochs", "1.5"], "--epochs: expected an integer"),
    (["train", "one-layer", "--seed", "-1"], "--seed: must be >= 0"),
    (["train", "char-rnn", "--temperature", "inf"], "--temperature: expected a finite"),
    (["synthesize", "x.npz", "--temperature", "nan"], "--temperature: expected a finite"),
    (["synthesize", "x.npz", "--length", "-3"], "--length: must be >= 0"),
    (["graph", "two-layer", "--n", "0"], "--n: must be >= 1"),
    (["graph", "k-layer", "--lam", "inf"], "--lam: expected a finite"),
    (["bench", "--repeats", "0"], "--repeats: must be >= 1"),
    (["bench", "--threads", "0"], "--threads: must be >= 1"),
])
def test_numeric_flags_are_range_checked(capsys, argv, flag) -> None:
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert flag in err and "Traceback" not in err
    assert len(err.strip().splitlines()[-1]) < 200


def test_synthesize_text_refuses_nan_temperature() -> None:
    from tinygrad_dl.commands.synthesize import synthesize_text
    from tinygrad_dl.models import CharRNN

    with pytest.raises(ValueError, match="temperature"):
        synthesize_text(CharRNN(3, m=2), ["a", "b", "c"], "a", 5, temperature=float("nan"))


@pytest.mark.parametrize("layer", ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d"])
def test_a_bool_channel_count_is_refused_by_every_convolution(layer):
    # one check for all (nn.module.channel_groups); Conv1d and Conv2d took True as 1 channel
    import tinygrad_dl.nn as tnn
    with pytest.raises(ValueError, match=f"{layer}: in_channels must be a positive multiple"):
        getattr(tnn, layer)(True, 4, 3)

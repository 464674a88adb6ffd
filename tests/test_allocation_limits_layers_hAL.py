"""Layers built with sizes whose weights would not fit in memory (Linear(10**7, 10**7): 728
TiB): one line naming the layer and the weight's shape, raised before the draw (it was
NumPy's bare "Unable to allocate ..."); the CLI names its size flags beside it. No test here
allocates more than a few bytes."""

import pytest

import tinygrad_dl.nn as nn
from tinygrad_dl.cli import memory_error


@pytest.mark.parametrize("layer, make", [
    ("Linear", lambda: nn.Linear(10**7, 10**7)),
    ("Bilinear", lambda: nn.Bilinear(10**4, 10**4, 10**4)),
    ("Embedding", lambda: nn.Embedding(10**12, 10)),
    ("EmbeddingBag", lambda: nn.EmbeddingBag(10**12, 10)),
    ("Conv1d", lambda: nn.Conv1d(10**5, 10**5, 10**4)),
    ("Conv2d", lambda: nn.Conv2d(10**4, 10**4, 100)),
    ("Conv3d", lambda: nn.Conv3d(10**4, 10**4, 100)),
    ("ConvTranspose2d", lambda: nn.ConvTranspose2d(10**4, 10**4, 100)),
    ("LSTM", lambda: nn.LSTM(10, 10**6)),
    ("GRU", lambda: nn.GRU(10, 10**6)),
    ("RNN", lambda: nn.RNN(10, 10**6)),
    ("LSTMCell", lambda: nn.LSTMCell(10, 10**6)),
    ("BatchNorm1d", lambda: nn.BatchNorm1d(10**15)),
    ("LayerNorm", lambda: nn.LayerNorm(10**15)),
    ("RMSNorm", lambda: nn.RMSNorm(10**15)),
    ("GroupNorm", lambda: nn.GroupNorm(1, 10**15)),
    ("InstanceNorm1d", lambda: nn.InstanceNorm1d(10**15, affine=True)),
    ("MultiheadAttention", lambda: nn.MultiheadAttention(10**7, 1)),
    ("PReLU", lambda: nn.PReLU(10**15)),
])
def test_layer_too_big_is_one_line(layer, make):
    with pytest.raises(MemoryError) as e:
        make()
    assert isinstance(e.value, ValueError)  # (and a MemoryError: both catch it)
    msg = str(e.value)
    assert msg.startswith(f"{layer}: its weights of shape (") and "would need" in msg, msg
    assert "\n" not in msg


def test_small_layers_build():
    assert nn.Linear(3, 2).W.shape == (2, 3)
    assert nn.LSTM(3, 4).weight_hh_l0.shape == (16, 4)
    assert nn.Embedding(5, 2).weight.shape == (5, 2)


def test_cli_line_keeps_the_layer_and_names_the_flag():
    """The CLI's one line: the refusal itself (it was "out of memory", or NumPy's sizes), then
    the size flags given; no doubled "use smaller sizes"."""
    with pytest.raises(MemoryError) as e:
        nn.Linear(3072, 10**9)
    line = memory_error(e.value, ["train", "two-layer", "--m", "1000000000"])
    assert line.startswith("Linear: its weights of shape (1000000000, 3072) float64 would "
                           "need 22.4 TiB"), line
    assert line.endswith(": use smaller sizes (--m 1000000000)"), line
    assert line.count("use smaller sizes") == 1

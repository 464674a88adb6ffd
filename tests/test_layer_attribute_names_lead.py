"""torch's attribute names on the conv and pool layers: `conv.in_channels`, `out_channels`,
`kernel_size` (tutorials read them to size the next layer) and a 2-D pool's `kernel_size`,
the same values as torch 2.13's (Conv2d had only its own c_in / c_out / kernel, a pool only
`kernel`: an AttributeError), read-only views of the layer's own fields."""

from __future__ import annotations

import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["Conv1d", "Conv2d", "Conv3d", "LazyConv2d"])
@pytest.mark.parametrize("kernel", [3, (2, 3, 1)])
def test_conv_channel_and_kernel_names_match_torch(name, kernel):
    spatial = {"Conv1d": 1, "Conv2d": 2, "Conv3d": 3, "LazyConv2d": 2}[name]
    k = kernel if isinstance(kernel, int) else kernel[:spatial]
    if spatial == 1 and not isinstance(k, int):
        k = k[0]
    ours = getattr(tg.nn, name)(*(() if name.startswith("Lazy") else (6,)), 4, k, groups=2)
    theirs = getattr(torch.nn, name.removeprefix("Lazy"))(6, 4, k, groups=2)
    if name.startswith("Lazy"):
        ours(tg.zeros((1, 6) + (5,) * spatial))
    for attr in ("in_channels", "out_channels", "kernel_size", "groups"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr


def test_conv2d_names_follow_its_fields_and_are_read_only():
    conv = tg.nn.Conv2d(3, 5, (2, 4))
    assert (conv.in_channels, conv.out_channels, conv.kernel_size) == (3, 5, (2, 4))
    assert conv.weight.shape == (conv.out_channels, conv.in_channels) + conv.kernel_size
    with pytest.raises(AttributeError):
        conv.in_channels = 4  # (torch's would change nothing either: the weight keeps 3)


@pytest.mark.parametrize("name", ["MaxPool2d", "AvgPool2d"])
@pytest.mark.parametrize("kernel", [2, (3, 2)])
def test_pool_kernel_size_matches_torch(name, kernel):
    assert getattr(tg.nn, name)(kernel).kernel_size == getattr(torch.nn, name)(kernel).kernel_size
    assert getattr(tg.nn, name)(kernel_size=kernel).kernel_size == kernel

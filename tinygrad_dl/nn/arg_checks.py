"""The checks of the arguments of layers and of Module's methods: a size (`size_arg`), a
convolution's channels and groups (`channel_groups`), `inplace=` (`inplace_arg`, and its repr),
a layer's dropout probability (`dropout_arg`), a True/False flag (`flag`) and a conv's
padding_mode (`padding_mode_arg`) and its padding beside it (`mode_padding_arg`): each refuses,
in one line, what Python would read as something else (3.5 as 3 features, True as 1, a string
as truthy)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.allocation import check_alloc


def size_arg(layer: str, name: str, value: Any) -> int:
    """A layer's size argument as an int: int(3.5) would silently build a 3-feature layer and
    a bool is an int to Python (True = 1 feature), so both raise, as torch's TypeError does;
    NumPy integers (a shape read from an array) are fine."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{layer}: {name} must be an integer, got {value!r} "
                        f"({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{layer}: {name} must be >= 0, got {value}")
    return int(value)


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")  # (the convs' padding_mode)


def padding_mode_arg(who: str, padding_mode: Any) -> str:
    """A conv's padding_mode checked (torch's four: F.pad's modes, or zeros)."""
    if not isinstance(padding_mode, str) or padding_mode not in PADDING_MODES:
        raise ValueError(f"{who}: padding_mode must be one of {PADDING_MODES}, but got "
                         f"padding_mode={padding_mode!r}")
    return padding_mode


def dropout_arg(layer: str, value: Any) -> float:
    """A recurrent or attention layer's dropout as a float in [0, 1): 1 would zero every
    output but the last layer's (torch's), a bool or a string is not a probability."""
    number = (int, float, np.integer, np.floating)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, number) or not (
            0.0 <= value < 1.0):
        raise ValueError(f"{layer}: dropout must be a number in [0, 1), got {value!r}")
    return float(value)


def weight_fits(layer: str, shape: tuple[int, ...], dtype: Any, bias: int = 0) -> None:
    """A layer's weight of `shape` (and `bias` entries) larger than memory (Linear(10**7,
    10**7): 728 TiB; Linear(0, 10**15)'s empty weight beside a 7.11 PiB bias) refused in one
    line naming the layer and the shape, before it is drawn (NumPy's bare MemoryError)."""
    dt = np.float64 if dtype is None else dtype
    check_alloc(layer, shape, dt, "use smaller sizes", "its weights")
    if bias:
        check_alloc(layer, (bias,), dt, "use smaller sizes", "its bias")


def channel_groups(layer: str, in_channels: Any, out_channels: Any, groups: Any
                   ) -> tuple[int, int, int]:
    """A convolution's (in_channels, out_channels, groups) as ints: groups >= 1 dividing both
    channel counts, each a positive int (a bool too is refused: True would build 1 channel)."""
    groups = size_arg(layer, "groups", groups)
    if groups < 1:
        raise ValueError(f"{layer}: groups must be >= 1, got {groups}")
    for name, n in (("in_channels", in_channels), ("out_channels", out_channels)):
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) \
                or n < 1 or n % groups:
            raise ValueError(f"{layer}: {name} must be a positive multiple of groups="
                             f"{groups}, got {n!r}")
    return int(in_channels), int(out_channels), groups


def mode_padding_arg(layer: str, padding: Any, padding_mode: str) -> None:
    """A Conv2d/Conv3d padding beside a padding_mode other than "zeros": a 1-tuple (1,) is
    refused, where torch's layer pads only the last axis with it (F.pad of one (left, right)
    pair) and refuses a batched input ("zeros": spread over the axes, F.conv2d's native op)."""
    if padding_mode != "zeros" and isinstance(padding, (tuple, list)) and len(padding) == 1:
        raise ValueError(f"{layer}: padding={padding!r} with padding_mode={padding_mode!r} is "
                         "refused (PyTorch's layer pads only the last axis for a 1-tuple there "
                         "and refuses a batched input): give one integer for every axis")


def inplace_arg(layer: str, inplace: Any) -> bool:
    """PyTorch's `inplace=` of an activation or dropout layer, a bool: True writes the result
    into the input where it may be (F's `inplace_flag`: an op's result is not written). An int
    0 or 1 is torch's spelling too (nn.ReLU(1), nn.AlphaDropout(0.5, 1)): read as a bool."""
    if type(inplace) is int and inplace in (0, 1):
        return bool(inplace)
    if not isinstance(inplace, (bool, np.bool_)):
        raise TypeError(f"{layer}: inplace must be a bool, got {type(inplace).__name__}"
                        f"{' (the generator goes in rng=)' if 'ropout' in layer else ''}")
    return bool(inplace)


def inplace_repr(m: Any) -> str:
    """", inplace=True" for a layer made in place (PyTorch's repr), else nothing."""
    return ", inplace=True" if m.inplace else ""


def flag(who: str, name: str, value: Any) -> bool:
    """A True/False argument (persistent=): a string or a number is refused, not read as truthy."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{who}: {name} must be True or False, got {value!r}")
    return bool(value)


def redraw_fan_in(who: str, shape: tuple[int, ...], dims: int | None) -> int:
    """The fan-in reset_parameters draws from: the weight's dims 1:`dims` (torch's). A weight
    replaced by one of fewer than 2 dims is refused, as torch's kaiming_uniform_ refuses it
    (it drew with bound 1, the fan-in of an empty product, without a word)."""
    if len(shape) < 2:
        raise ValueError(f"{who}.reset_parameters: fan in and fan out can not be computed for a "
                         f"weight of fewer than 2 dimensions, got shape {shape}")
    return int(np.prod(shape[1:dims]))

"""Devices, answered truthfully: tinygrad_dl computes with NumPy on the CPU, and only there.

PyTorch code asks where it may run (`torch.cuda.is_available()`, `torch.backends.mps...`,
`torch.accelerator...`) and says where tensors go (`device=`, `.to(device)`,
`set_default_device`). Here every question answers "CPU", and every placement on the CPU works;
asking for any other device raises one line saying that tinygrad_dl runs on the CPU. Naming a
device is fine (`device("cuda")` is a value, as in PyTorch); putting something there is not.
A PyTorch name with no counterpart here, asked of a package's module `__getattr__`
(tg.autocast, tg.autograd.gradcheck), raises its one line through `absent_name`.
"""

from __future__ import annotations

import dis
import re
import sys
from typing import Any, NoReturn

__all__ = ["CPU", "accelerator", "backends", "check_device", "cuda", "device",
           "get_default_device", "set_default_device"]

_IMPORT_FROM = dis.opmap["IMPORT_FROM"]


def absent_name(module: str, msg: str) -> NoReturn:
    """Raise `msg` for a name that `module`'s `__getattr__` does not have: as an ImportError
    under `from module import name` (IMPORT_FROM would turn an AttributeError into Python's
    bare "cannot import name"), else as an AttributeError (hasattr stays False)."""
    f = sys._getframe(2)  # (the frame that asked: 1 is the module's __getattr__)
    if f.f_code.co_code[f.f_lasti] == _IMPORT_FROM:
        raise ImportError(msg, name=module)
    raise AttributeError(msg)


_DEVICE = re.compile(r"^([a-z_]+)(?::(\d+))?$")


class device:  # noqa: N801  (PyTorch's name)
    """A device name, `device("cpu")`, `device("cuda:0")`, `device("cuda", 1)`.

    `str(d)` is "cpu" / "cuda:0"; it equals another device or a string naming the same one.
    """

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu', got "
                            f"{type.__class__.__name__} {type!r}")
        m = _DEVICE.match(type.strip())
        if m is None:
            raise ValueError(f"device(): {type!r} is not a device string such as 'cpu' or "
                             "'cuda:0'")
        if m.group(2) is not None:
            if index is not None:
                raise ValueError(f"device(): {type!r} has an index already, and index={index}")
            index = int(m.group(2))
        if index is not None and (not isinstance(index, int) or index < 0):
            raise ValueError(f"device(): index must be an int >= 0, got {index!r}")
        object.__setattr__(self, "type", m.group(1))
        object.__setattr__(self, "index", index)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a device is immutable")

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        idx = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{idx})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except ValueError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(dev: Any, who: str) -> device:
    """`dev` as a device if it is the CPU (None, "cpu", "cpu:0", device("cpu"), or anything whose
    str() is "cpu"); any other device raises one line naming `who`."""
    if dev is None:
        return CPU
    try:
        d = dev if isinstance(dev, device) else device(str(dev))
    except (TypeError, ValueError):
        raise ValueError(f"{who}: {dev!r} is not a device; tinygrad_dl runs on the CPU: "
                         "use device='cpu' or leave it out") from None
    if d.type != "cpu" or d.index not in (None, 0):
        raise RuntimeError(f"{who}: device {str(d)!r} is not available: tinygrad_dl runs on "
                           "the CPU only (NumPy); use device='cpu' or leave it out")
    return CPU


def set_default_device(dev: Any) -> None:
    """PyTorch's `torch.set_default_device`: the CPU (or None) is accepted, being the only one."""
    check_device(dev, "set_default_device")


def get_default_device() -> device:
    return CPU


class _Absent:
    """A backend that this machine does not have, as PyTorch describes one: not available."""

    def __init__(self, name: str, **settings: Any) -> None:
        self.__dict__.update(settings)
        self._name = name

    def is_available(self) -> bool:
        return False

    def is_built(self) -> bool:
        return False

    def device_count(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"<{self._name}: not available, tinygrad_dl runs on the CPU>"


class _CUDA(_Absent):
    """`torch.cuda`'s questions: nothing is available; seeding it does nothing (as PyTorch
    without CUDA); anything that needs a GPU raises one line."""

    def __init__(self) -> None:
        super().__init__("cuda")

    def is_initialized(self) -> bool:
        return False

    def manual_seed(self, seed: int) -> None:
        """No GPU to seed: nothing to do (tinygrad_dl.manual_seed seeds the CPU generator)."""

    manual_seed_all = manual_seed

    def __getattr__(self, name: str) -> Any:
        # only names the class lacks: `torch.cuda.amp.GradScaler()` of a ported script said
        # "'_CUDA' object has no attribute 'amp'"
        if name == "amp":
            raise AttributeError("cuda.amp: mixed precision (autocast, GradScaler) is not "
                                 "implemented: tinygrad_dl runs on the CPU in float64 or "
                                 "float32; drop the scaler (loss.backward(), opt.step())")
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def synchronize(self, device: Any = None) -> None:
        """Nothing runs asynchronously on the CPU."""

    def empty_cache(self) -> None:
        """No GPU memory is held."""

    def current_device(self) -> int:
        raise RuntimeError("cuda.current_device(): no CUDA device: tinygrad_dl runs on the CPU "
                           "only; use device='cpu'")

    def get_device_name(self, device: Any = None) -> str:
        raise RuntimeError("cuda.get_device_name(): no CUDA device: tinygrad_dl runs on the CPU "
                           "only; use device='cpu'")


class _Accelerator:
    """`torch.accelerator`: there is none, so code falls back to "cpu"."""

    def is_available(self) -> bool:
        return False

    def current_accelerator(self, check_available: bool = False) -> None:
        return None

    def device_count(self) -> int:
        return 0


class _Backends:
    """`torch.backends`: mps, cuda, cudnn, mkldnn all absent; cudnn's flags may be set (they
    change nothing here: NumPy's results do not depend on them)."""

    def __init__(self) -> None:
        self.mps = _Absent("mps")
        self.cuda = _Absent("cuda")
        self.cudnn = _Absent("cudnn", enabled=False, deterministic=False, benchmark=False)
        self.mkldnn = _Absent("mkldnn", enabled=False)


cuda = _CUDA()
accelerator = _Accelerator()
backends = _Backends()

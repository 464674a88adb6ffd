"""Layers with PyTorch's conventions: Module, Linear, BatchNorm1d, Dropout, ReLU, Sequential,
CrossEntropyLoss, Conv2d, MaxPool2d, Flatten.

Rows are samples: a Linear maps X (n, d_in) to X @ W + b with W of shape (d_in, d_out).
A Module finds its parameters (Tensors with requires_grad), buffers (ndarrays registered with
`register_buffer`) and children (Modules) from its attributes, in assignment order; qualified
names look like "layers.0.W". Calling a module runs `forward` inside a name scope (its
attribute name under its parent, else its class name) so a drawn graph clusters per module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import engine
from .engine import name_scope
from .functional import batch_norm, conv2d, cross_entropy, max_pool2d
from .ops import Dropout as DropoutOp
from .tensor import Tensor

INITS = ("he", "xavier", "gaussian")
REDUCTIONS = ("mean", "sum", "none")


class Module:
    """Base class: subclasses call super().__init__() first, then assign layers and tensors."""

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["_parameters"] = {}  # name -> Tensor; the attribute holds the same object
        d["_buffers"] = {}  # name -> ndarray (running statistics, ...)
        d["_modules"] = {}  # name -> Module
        d["_scope"] = type(self).__name__  # the name_scope forward runs in
        d["training"] = True
        d["_version"] = 0  # bumped by every attribute assignment: jit's replay guard

    # ---- registration: plain attributes, remembered by name ------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning {name!r}"
            )
        d["_version"] += 1  # model.W = ..., model.lam = ...: a recorded step is out of date
        if isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)  # an alias (Linear.weight): its setter decides
            return
        params, buffers, modules = d["_parameters"], d["_buffers"], d["_modules"]
        if name in buffers and isinstance(value, np.ndarray):
            buffers[name] = value  # assigning an array to a buffer keeps it a buffer
            d[name] = value
            return
        is_param = isinstance(value, Tensor) and value.requires_grad
        for registry in (params, buffers, modules):
            if not (is_param and registry is params):  # a replaced parameter keeps its place
                registry.pop(name, None)
        if is_param:
            params[name] = value
            if value.name is None:
                value.name = name
        elif isinstance(value, Module):
            modules[name] = value
            value._attach(name)
        d[name] = value

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        d["_version"] += 1
        for registry in (d["_parameters"], d["_buffers"], d["_modules"]):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, array: np.ndarray) -> None:
        """A non-trainable array saved in state_dict (e.g. BatchNorm's running mean)."""
        self.__setattr__(name, np.asarray(array))
        self.__dict__["_buffers"][name] = self.__dict__[name]

    def _attach(self, name: str) -> None:
        """Called when this module becomes attribute `name` of a parent."""
        self.__dict__["_scope"] = name

    # ---- calling -------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        engine.notify_module(self)  # a jit recording guards this module's state at replay
        if self._scope is None:  # a transparent container (Sequential under a parent)
            return self.forward(*args, **kwargs)
        with name_scope(self._scope):
            return self.forward(*args, **kwargs)

    # ---- traversal -----------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def children(self) -> list[Module]:
        return list(self._modules.values())

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> list[Module]:
        return [m for _, m in self.named_modules()]

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Tensor]]:
        """(qualified name, parameter) pairs, e.g. ("layers.0.W", W)."""
        return [
            (f"{mod_name}.{name}" if mod_name else name, p)
            for mod_name, mod in self.named_modules(prefix)
            for name, p in mod._parameters.items()
        ]

    def name_parameters(self) -> Module:
        """Set each parameter's `.name` to its qualified name (drawn graphs show it)."""
        for name, p in self.named_parameters():
            p.name = name
        return self

    def parameters(self) -> list[Tensor]:
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix: str = "") -> list[tuple[str, np.ndarray]]:
        return [
            (f"{mod_name}.{name}" if mod_name else name, b)
            for mod_name, mod in self.named_modules(prefix)
            for name, b in mod._buffers.items()
        ]

    def buffers(self) -> list[np.ndarray]:
        return [b for _, b in self.named_buffers()]

    def num_parameters(self) -> int:
        return sum(p.data.size for p in self.parameters())

    # ---- state ---------------------------------------------------------------------------
    def zero_grad(self) -> None:
        engine.notify_write(f"{type(self).__name__}.zero_grad()")
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Set training mode here and in every child (BatchNorm, Dropout behave differently)."""
        for m in self.modules():
            m.__dict__["training"] = bool(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter's and buffer's array, by qualified name."""
        out = {name: p.data.copy() for name, p in self.named_parameters()}
        out.update((name, np.array(b, copy=True)) for name, b in self.named_buffers())
        return out

    def load_state_dict(
        self, state: dict[str, Any], strict: bool = True
    ) -> tuple[list[str], list[str]]:
        """Copy arrays into the parameters and buffers in place (optimizers keep their refs).

        strict: missing or unexpected keys raise ValueError; otherwise they are skipped and
        returned as (missing, unexpected). A shape mismatch always raises ValueError.
        """
        engine.notify_write(f"{type(self).__name__}.load_state_dict()")
        params = dict(self.named_parameters())
        targets: dict[str, np.ndarray] = {n: p.data for n, p in params.items()}
        targets.update(self.named_buffers())
        missing = [k for k in targets if k not in state]
        unexpected = [k for k in state if k not in targets]
        if strict and (missing or unexpected):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        for name, dst in targets.items():
            if name not in state:
                continue
            src = np.asarray(state[name])
            if src.shape != dst.shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: {name!r} has shape {src.shape} in "
                    f"the state dict but {dst.shape} in the model"
                )
            if name in params:  # a live graph that saved the old values keeps its own copy
                dst = engine.writable(params[name], f"{type(self).__name__}.load_state_dict()")
            np.copyto(dst, src, casting="unsafe")
        return missing, unexpected

    # ---- printing ------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not self._modules:
            return head + ")"
        lines = [head]
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"


def init_std(init: str, d_in: int, std: float = 0.01) -> float:
    """The standard deviation of a weight init: He sqrt(2/d_in) (ReLU nets), Xavier
    sqrt(1/d_in) (the course's 1/sqrt(d_in)), or a fixed Gaussian `std`."""
    if init == "he":
        return float(np.sqrt(2.0 / d_in))
    if init == "xavier":
        return float(np.sqrt(1.0 / d_in))
    if init == "gaussian":
        return float(std)
    raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")


class Linear(Module):
    """y = x @ W + b, W (d_in, d_out) ~ N(0, std^2) with std from `init`, b = 0.

    `weight` and `bias` (PyTorch's names) are the very same Tensors as `W` and `b` (the
    course's names), not copies; parameters and state_dict list them once, as W and b.
    Note the layout: W is (d_in, d_out) because rows are samples, the transpose of PyTorch's.
    """

    def __init__(
        self,
        d_in: int,
        d_out: int,
        init: str = "he",
        std: float = 0.01,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float64,
        bias: bool = True,
    ) -> None:
        super().__init__()
        rng = np.random.default_rng() if rng is None else rng
        s = init_std(init, d_in, std)
        self.d_in, self.d_out, self.init = d_in, d_out, init
        w = rng.standard_normal((d_in, d_out)) * s
        self.W = Tensor(w.astype(dtype, copy=False), requires_grad=True)
        self.b = Tensor(np.zeros(d_out, dtype=dtype), requires_grad=True) if bias else None

    # properties, not attributes: the Module registry would list a second name per tensor
    @property
    def weight(self) -> Tensor:
        return self.W

    @weight.setter
    def weight(self, value: Tensor) -> None:
        self.W = value

    @property
    def bias(self) -> Tensor | None:
        return self.b

    @bias.setter
    def bias(self, value: Tensor | None) -> None:
        self.b = value

    def forward(self, x: Tensor) -> Tensor:
        out = x @ self.W
        return out if self.b is None else out + self.b

    def extra_repr(self) -> str:
        return f"{self.d_in}, {self.d_out}, init={self.init!r}, bias={self.b is not None}"


class BatchNorm1d(Module):
    """Batch normalization over the rows, then scale and shift: gamma * x_hat + beta.

    Training: x_hat = (x - mu) / sqrt(v + eps) with the batch mean mu and the biased batch
    variance v (as the course), and the running averages move as
    mu_av = alpha * mu_av + (1 - alpha) * mu (likewise v_av); the first training batch sets
    them directly. Evaluation: mu_av and v_av replace the batch statistics.
    (alpha is the weight on the OLD average: PyTorch's momentum is 1 - alpha.)
    """

    def __init__(
        self, d: int, alpha: float = 0.9, eps: float = 1e-8, dtype: Any = np.float64
    ) -> None:
        super().__init__()
        if not 0.0 <= alpha < 1.0:
            raise ValueError(f"BatchNorm1d: alpha must be in [0, 1), got {alpha}")
        self.d, self.alpha, self.eps = d, alpha, eps
        self.gamma = Tensor(np.ones(d, dtype=dtype), requires_grad=True)
        self.beta = Tensor(np.zeros(d, dtype=dtype), requires_grad=True)
        self.register_buffer("running_mean", np.zeros(d, dtype=dtype))
        self.register_buffer("running_var", np.ones(d, dtype=dtype))
        self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))

    def update_running_stats(self, mu: np.ndarray, var: np.ndarray) -> None:
        """mu_av = alpha mu_av + (1 - alpha) mu, in place (the first batch sets them)."""
        rm, rv, count = self.running_mean, self.running_var, self.num_batches_tracked
        if count == 0:
            rm[...] = mu
            rv[...] = var
        else:
            a = self.alpha
            rm *= a
            rm += (1.0 - a) * mu
            rv *= a
            rv += (1.0 - a) * var
        count += 1  # 0-d array, in place

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != self.d:
            raise ValueError(f"BatchNorm1d({self.d}): expected input (n, {self.d}), got {x.shape}")
        # one fused op (tinygrad_dl.ops.fused), not ~9 generic ones: same values and
        # gradients, a third of the cost per layer
        if self.training:  # the op computes the batch statistics and hands them to us
            return batch_norm(x, self.gamma, self.beta, self.eps,
                              on_stats=self.update_running_stats)
        return batch_norm(x, self.gamma, self.beta, self.eps, training=False,
                          mean=self.running_mean, var=self.running_var)

    def extra_repr(self) -> str:
        return f"{self.d}, alpha={self.alpha}, eps={self.eps}"


class Dropout(Module):
    """Inverted dropout: in training keep each unit with probability 1 - p and scale the kept
    ones by 1 / (1 - p), so evaluation is the identity.

    The last mask used (already scaled) is `self.mask`; `fix_mask(keep)` pins a boolean keep
    mask (for gradient checks), `fix_mask(None)` goes back to random masks.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = p
        self.rng = np.random.default_rng() if rng is None else rng
        self.mask: np.ndarray | None = None
        self.fixed_keep: np.ndarray | None = None

    def fix_mask(self, keep: np.ndarray | None) -> None:
        self.fixed_keep = None if keep is None else np.asarray(keep, dtype=bool)

    def sample_mask(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """The scaled mask for an input of `shape` (fixed or freshly drawn); remembered."""
        keep = self.fixed_keep
        if keep is None:
            keep = self.rng.random(shape) >= self.p
        elif keep.shape != tuple(shape):
            raise ValueError(f"Dropout: fixed mask has shape {keep.shape}, input has {shape}")
        mask = np.multiply(keep, 1.0 / (1.0 - self.p), dtype=dtype)
        self.__dict__["mask"] = mask  # a plain attribute: skip the registry on the hot path
        return mask

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        # the mask is drawn inside the op, so a replayed step (tinygrad_dl.jit) draws afresh
        return DropoutOp.apply(x, sample=self.sample_mask)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Sequential(Module):
    """Modules applied in order; the i-th is child "i". Under a parent attribute "layers" the
    container opens no scope of its own: its children's scopes are "layers.0", "layers.1"...
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, m in enumerate(modules):
            setattr(self, str(i), m)
        self.__dict__["_layers"] = list(modules)  # the hot loop iterates a plain list

    def _attach(self, name: str) -> None:
        self.__dict__["_scope"] = None
        for i, m in enumerate(self._layers):
            m._attach(f"{name}.{i}")

    def forward(self, x: Tensor) -> Tensor:
        for m in self._layers:
            x = m(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self._layers[i]

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._layers)


class CrossEntropyLoss(Module):
    """`F.cross_entropy` as a module, as in PyTorch: `CrossEntropyLoss()(logits, y)`.

    logits (n, K); y class indices (n,) or one-hot / soft rows (n, K); reduction "mean" (the
    course's 1/n sum), "sum" or "none". The course models' L2 term is not here: see optim.SGD.
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"CrossEntropyLoss: reduction must be one of {REDUCTIONS}, "
                             f"got {reduction!r}")
        self.reduction = reduction

    def forward(self, logits: Tensor, y: Any) -> Tensor:
        return cross_entropy(logits, y, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


# ---- convolutional layers (NCHW, as PyTorch) ---------------------------------------------------
class Conv2d(Module):
    """y = conv2d(x, W, b) for x (N, C_in, H, W): W (C_out, C_in, k, k) ~ N(0, std^2) with std
    from `init` over the fan-in C_in * k * k, b = 0 (see functional.conv2d)."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int,
        stride: int = 1,
        padding: int = 0,
        init: str = "he",
        std: float = 0.01,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float64,
        bias: bool = True,
    ) -> None:
        super().__init__()
        rng = np.random.default_rng() if rng is None else rng
        s = init_std(init, c_in * kernel * kernel, std)
        self.c_in, self.c_out, self.kernel = c_in, c_out, kernel
        self.stride, self.padding, self.init = stride, padding, init
        w = rng.standard_normal((c_out, c_in, kernel, kernel)) * s
        self.W = Tensor(w.astype(dtype, copy=False), requires_grad=True)
        self.b = Tensor(np.zeros(c_out, dtype=dtype), requires_grad=True) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return conv2d(x, self.W, self.b, stride=self.stride, padding=self.padding)

    def extra_repr(self) -> str:
        return (f"{self.c_in}, {self.c_out}, kernel={self.kernel}, stride={self.stride}, "
                f"padding={self.padding}, bias={self.b is not None}")


class MaxPool2d(Module):
    """Max over kernel x kernel windows every `stride` (default kernel) pixels, NCHW, after
    padding each side with `padding` pixels of -inf (at most kernel // 2, as in PyTorch)."""

    def __init__(self, kernel: int = 2, stride: int | None = None, padding: int = 0) -> None:
        super().__init__()
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel, self.stride, self.padding)

    def extra_repr(self) -> str:
        pad = f", padding={self.padding}" if self.padding else ""
        return f"kernel={self.kernel}, stride={self.stride or self.kernel}{pad}"


class Flatten(Module):
    """(N, ...) -> (N, prod(...)): the bridge from conv feature maps to a Linear."""

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], -1)

"""What every course model declares about itself, so the rest of the package never dispatches on
a model's name: its registry `name`, its course `defaults`, the `loop` that trains it, and
`from_params` to build it from training parameters."""

from __future__ import annotations

import enum
import operator
from typing import Any, ClassVar

import numpy as np

from tinygrad_dl.grad_mode import no_grad
from tinygrad_dl.nn import Module
from tinygrad_dl.nn.utils.prune import BasePruningMethod


class Loop(enum.Enum):
    """Which training loop trains a model (and so which data it reads).

    The models layer only names the loop; tinygrad_dl.train, above it, maps MINIBATCH to `fit`
    (mini-batches of CIFAR-10 images and labels) and SEQUENCE to `fit_rnn` (chunks of a text).
    """

    MINIBATCH = "minibatch"
    SEQUENCE = "sequence"


class CourseModel(Module):
    """Base of the four registered models (see tinygrad_dl.models.MODELS)."""

    name: ClassVar[str] = ""  # the registry key and CLI name, e.g. "two-layer"
    loop: ClassVar[Loop]
    defaults: ClassVar[dict[str, Any]] = {}  # the course's training settings
    help_keys: ClassVar[tuple[str, ...]] = ()  # the defaults `tinygrad-dl train --help` shows
    # input features of `tinygrad-dl graph`'s small picture, when the default 8 cannot be an
    # input of the model (the ConvNet needs a small image: 3 x 8 x 8)
    graph_d: ClassVar[int | None] = None

    @classmethod
    def from_params(cls, params: dict[str, Any], *, d: int, K: int,
                    rng: np.random.Generator, dtype: Any) -> CourseModel:
        """Build the model for data with d features (or a vocabulary of d) and K classes, from
        training parameters (`defaults` updated by the user's)."""
        raise NotImplementedError

    @classmethod
    def backed_sizes(cls, config: dict[str, Any]) -> dict[str, Any]:
        """The sizes of a checkpoint's config that its arrays' dimensions must bound
        (checkpoint's guard against hostile files, container.check_sizes): by default the
        config itself; a model whose sizes shrink before any parameter sees them says how."""
        return config

    def describe(self) -> str:
        """One line naming the model and its sizes, e.g. "two-layer d=8 m=6 K=10"."""
        raise NotImplementedError

    def course_names(self) -> dict[str, str]:
        """Qualified parameter name -> the name the course uses (drawn graphs show it);
        by default the qualified names themselves."""
        return {name: name for name, _ in self.named_parameters()}

    def refresh_pruned(self) -> None:
        """Recompute every pruned weight (prune's `W = W_orig * W_mask`) now, as the next
        forward's pre-hook would: for code that reads the weights outside a forward
        (`hand_gradients`, `synthesize`). The attribute is the last forward's otherwise,
        stale after an optimizer step (synthesize sampled, and hand_gradients differentiated,
        the weights before it, without a word)."""
        for m in self.modules():
            for fn, _, _ in list(m._hooks.forward_pre.values()) if m._hooks else ():
                if isinstance(fn, BasePruningMethod):
                    with no_grad():  # (the next forward recomputes it on the graph)
                        fn(m, ())


def real_numbers(owner: str, what: str, a: np.ndarray) -> np.ndarray:
    """`a`, refused in one line unless it holds real numbers (float, int, bool; objects are left
    to NumPy's cast): a complex array lost its imaginary part in the cast to the model's dtype,
    with only NumPy's ComplexWarning (torch's Linear and RNN refuse a complex input)."""
    if a.dtype.kind not in "fiubO":
        raise TypeError(f"{owner}: {what} must hold real numbers, got dtype {a.dtype} (shape "
                        f"{a.shape}); pass a float array ({what}.real of a complex one, if its "
                        f"imaginary part is meant to go)")
    return a


def integer(owner: str, what: str, value: Any, minimum: int | None = None) -> int:
    """A count or index argument as an int, refused in one line when it is not an integer
    (int() would truncate: m=2.5 built 2 units, x0=1.7 started from 1) or is below `minimum`.
    NumPy integers are fine."""
    try:
        if isinstance(value, (bool, np.bool_)):  # (an int to operator.index: [True] was 1 unit)
            raise TypeError
        n = operator.index(value)
    except TypeError:
        raise TypeError(f"{owner}: {what} must be an integer, got {value!r}") from None
    if minimum is not None and n < minimum:
        raise ValueError(f"{owner}: {what} must be >= {minimum}, got {n}")
    return n

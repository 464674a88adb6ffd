"""PyTorch's `torch.distributions` for the common cases (`import tinygrad_dl as torch;
torch.distributions.Categorical(logits=out).sample()`): Categorical, OneHotCategorical,
Bernoulli, Normal, Uniform, Independent, kl_divergence and register_kl.

Every value with a gradient (log_prob, entropy, rsample, kl_divergence) is composed of Tensor
ops. Draws come from the default generator (`tg.manual_seed` seeds it) inside a `Draw` op, and
validate_args's checks run inside `Tap` ops, so a jitted step that samples draws afresh and
checks again at every replay.
"""

from . import constraints
from .continuous import Normal, Uniform
from .discrete import Bernoulli, Categorical, OneHotCategorical
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl

__all__ = ["Bernoulli", "Categorical", "Distribution", "Independent", "Normal",
           "OneHotCategorical", "Uniform", "constraints", "kl_divergence", "register_kl"]

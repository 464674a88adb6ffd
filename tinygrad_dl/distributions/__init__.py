"""PyTorch's `torch.distributions` for the common cases (`import tinygrad_dl as torch;
torch.distributions.Categorical(logits=out).sample()`): Categorical, OneHotCategorical,
Bernoulli, Normal, Uniform, Independent, kl_divergence and register_kl; MultivariateNormal,
Exponential, Laplace, Gamma, Beta, Dirichlet, Poisson, Binomial, Geometric, Multinomial,
LogNormal, Cauchy, Gumbel, HalfNormal, StudentT and Chi2.

Every value with a gradient (log_prob, entropy, rsample, kl_divergence) is composed of Tensor
ops. Draws come from the default generator (`tg.manual_seed` seeds it) inside a `Draw` op, and
validate_args's checks run inside `Tap` ops, so a jitted step that samples draws afresh and
checks again at every replay.
"""

from . import constraints, kl_more  # noqa: F401  (kl_more registers the new families' KL)
from .continuous import Normal, Uniform
from .discrete import Bernoulli, Categorical, OneHotCategorical
from .distribution import Distribution
from .gamma_family import Beta, Chi2, Dirichlet, Gamma, StudentT
from .independent import Independent
from .kl import kl_divergence, register_kl
from .more_continuous import Cauchy, Exponential, Gumbel, HalfNormal, Laplace, LogNormal
from .more_discrete import Binomial, Geometric, Multinomial, Poisson
from .multivariate import MultivariateNormal

__all__ = ["Bernoulli", "Categorical", "Distribution", "Independent", "Normal",
           "OneHotCategorical", "Uniform", "constraints", "kl_divergence", "register_kl",
           "Beta", "Binomial", "Cauchy", "Chi2", "Dirichlet", "Exponential", "Gamma",
           "Geometric", "Gumbel", "HalfNormal", "Laplace", "LogNormal", "Multinomial",
           "MultivariateNormal", "Poisson", "StudentT"]

"""PyTorch's `torch.distributions` for the common cases (`import tinygrad_dl as torch;
torch.distributions.Categorical(logits=out).sample()`): Categorical, OneHotCategorical,
Bernoulli, Normal, Uniform, Independent, kl_divergence and register_kl; MultivariateNormal,
Exponential, Laplace, Gamma, Beta, Dirichlet, Poisson, Binomial, Geometric, Multinomial,
LogNormal, Cauchy, Gumbel, HalfNormal, StudentT and Chi2; transforms (`distributions.transforms`,
biject_to, transform_to), TransformedDistribution, Weibull, Pareto, Kumaraswamy, InverseGamma,
LogisticNormal, RelaxedBernoulli, RelaxedOneHotCategorical, OneHotCategoricalStraightThrough,
ContinuousBernoulli, FisherSnedecor, NegativeBinomial, LowRankMultivariateNormal and
MixtureSameFamily.

Every value with a gradient (log_prob, entropy, rsample, kl_divergence) is composed of Tensor
ops. Draws come from the default generator (`tg.manual_seed` seeds it) inside a `Draw` op, and
validate_args's checks run inside `Tap` ops, so a jitted step that samples draws afresh and
checks again at every replay.
"""

# kl_more and kl_transformed register the new families' KL; transforms: torch's
# distributions.transforms path
from . import constraints, kl_more, kl_transformed, transforms  # noqa: F401
from .constraint_registry import biject_to, transform_to
from .continuous import Normal, Uniform
from .continuous_bernoulli import ContinuousBernoulli
from .discrete import Bernoulli, Categorical, OneHotCategorical
from .distribution import Distribution
from .gamma_family import Beta, Chi2, Dirichlet, Gamma, StudentT
from .independent import Independent
from .kl import kl_divergence, register_kl
from .lowrank import LowRankMultivariateNormal
from .mixture import MixtureSameFamily
from .more_continuous import Cauchy, Exponential, Gumbel, HalfNormal, Laplace, LogNormal
from .more_discrete import Binomial, Geometric, Multinomial, Poisson
from .more_families import InverseGamma, Kumaraswamy, LogisticNormal, Pareto, Weibull
from .multivariate import MultivariateNormal
from .ratio_count import FisherSnedecor, NegativeBinomial
from .relaxed import OneHotCategoricalStraightThrough, RelaxedBernoulli, RelaxedOneHotCategorical
from .transformed import TransformedDistribution
from .transforms import (
    AbsTransform,
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    IndependentTransform,
    LowerCholeskyTransform,
    PowerTransform,
    ReshapeTransform,
    SigmoidTransform,
    SoftmaxTransform,
    SoftplusTransform,
    StickBreakingTransform,
    TanhTransform,
    Transform,
    identity_transform,
)

__all__ = ["Bernoulli", "Categorical", "Distribution", "Independent", "Normal",
           "OneHotCategorical", "Uniform", "constraints", "kl_divergence", "register_kl",
           "Beta", "Binomial", "Cauchy", "Chi2", "Dirichlet", "Exponential", "Gamma",
           "Geometric", "Gumbel", "HalfNormal", "Laplace", "LogNormal", "Multinomial",
           "MultivariateNormal", "Poisson", "StudentT",
           "TransformedDistribution", "biject_to", "transform_to", "transforms",
           "AbsTransform", "AffineTransform", "ComposeTransform", "ExpTransform",
           "IndependentTransform", "LowerCholeskyTransform", "PowerTransform",
           "ReshapeTransform", "SigmoidTransform", "SoftmaxTransform", "SoftplusTransform",
           "StickBreakingTransform", "TanhTransform", "Transform", "identity_transform",
           "InverseGamma", "Kumaraswamy", "LogisticNormal", "OneHotCategoricalStraightThrough",
           "Pareto", "RelaxedBernoulli", "RelaxedOneHotCategorical", "Weibull",
           "ContinuousBernoulli", "FisherSnedecor", "LowRankMultivariateNormal",
           "MixtureSameFamily", "NegativeBinomial"]

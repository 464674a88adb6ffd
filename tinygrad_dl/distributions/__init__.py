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

# Where each family lives: location_scale.py (Normal, Uniform, Exponential, Laplace, Cauchy,
# Gumbel, HalfNormal, LogNormal), categorical.py (Categorical, OneHotCategorical, Bernoulli),
# counts.py (Poisson, Geometric, Binomial, NegativeBinomial, Multinomial), gamma_family.py
# (Gamma, Chi2, InverseGamma, Beta, Dirichlet, StudentT, FisherSnedecor),
# transformed_families.py (Weibull, Pareto, Kumaraswamy, LogisticNormal), continuous_bernoulli,
# multivariate (MultivariateNormal), lowrank, relaxed, mixture; KL pairs in kl.py and the
# kl_continuous, kl_counts and kl_multivariate modules, imported here to register their pairs;
# transforms: torch's distributions.transforms path
from . import constraints, kl_continuous, kl_counts, kl_multivariate, transforms  # noqa: F401
from .categorical import Bernoulli, Categorical, OneHotCategorical
from .constraint_registry import biject_to, transform_to
from .continuous_bernoulli import ContinuousBernoulli
from .counts import Binomial, Geometric, Multinomial, NegativeBinomial, Poisson
from .distribution import Distribution
from .gamma_family import Beta, Chi2, Dirichlet, FisherSnedecor, Gamma, InverseGamma, StudentT
from .independent import Independent
from .kl import kl_divergence, register_kl
from .location_scale import (
    Cauchy,
    Exponential,
    Gumbel,
    HalfNormal,
    Laplace,
    LogNormal,
    Normal,
    Uniform,
)
from .lowrank import LowRankMultivariateNormal
from .mixture import MixtureSameFamily
from .multivariate import MultivariateNormal
from .relaxed import OneHotCategoricalStraightThrough, RelaxedBernoulli, RelaxedOneHotCategorical
from .transformed import TransformedDistribution
from .transformed_families import Kumaraswamy, LogisticNormal, Pareto, Weibull
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

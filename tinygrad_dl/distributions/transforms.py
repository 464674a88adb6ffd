"""PyTorch's `torch.distributions.transforms` (this module path, as torch's): invertible maps
between constrained spaces, `ExpTransform()(x) = exp(x)`, `t.inv`, `t.log_abs_det_jacobian(x,
y)`; the pieces of a `TransformedDistribution` and of `biject_to` / `transform_to`. The
classes live in bijections.py (the base ones), elementwise_transforms.py and
vector_transforms.py."""

from .bijections import (
    ComposeTransform,
    IndependentTransform,
    ReshapeTransform,
    Transform,
    identity_transform,
)
from .elementwise_transforms import (
    AbsTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    SoftplusTransform,
    TanhTransform,
)
from .vector_transforms import (
    AffineTransform,
    LowerCholeskyTransform,
    SoftmaxTransform,
    StickBreakingTransform,
)

__all__ = ["AbsTransform", "AffineTransform", "ComposeTransform", "ExpTransform",
           "IndependentTransform", "LowerCholeskyTransform", "PowerTransform",
           "ReshapeTransform", "SigmoidTransform", "SoftmaxTransform", "SoftplusTransform",
           "StickBreakingTransform", "TanhTransform", "Transform", "identity_transform"]
